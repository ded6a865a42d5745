/*
** settings.c -- register-wide settings (the methodology, the risk factors),
** each change logged in a batch of its own like any other write.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

ISMS_API int isms_setting_get(isms_db *db, const char *key, char *buf, size_t bufsize) {
  if (!db || !key || !buf || bufsize == 0) return ISMS_MISUSE;
  isms__clear_error(db);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT value FROM settings WHERE key = ?", -1, &st,
                         NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading setting");
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  int result = ISMS_OK;
  if (rc == SQLITE_ROW) {
    snprintf(buf, bufsize, "%s", (const char *)sqlite3_column_text(st, 0));
  } else if (rc == SQLITE_DONE) {
    buf[0] = 0;
    result = isms__fail(db, ISMS_NOTFOUND, "setting '%s' is not set", key);
  } else {
    result = isms__fail_sql(db, "reading setting");
  }
  sqlite3_finalize(st);
  return result;
}

ISMS_API int isms_setting_set(isms_db *db, const char *key, const char *value,
                              const char *reason) {
  if (!db || !key) return ISMS_MISUSE;
  isms__clear_error(db);
  char old[1024];
  int had = isms_setting_get(db, key, old, sizeof old) == ISMS_OK;
  isms__clear_error(db);
  if ((!had && !value) || (had && value && strcmp(old, value) == 0)) return ISMS_OK;
  int rc = isms__begin(db);
  if (rc) return rc;
  int64_t batch;
  sqlite3_stmt *st = NULL;
  rc = isms__batch_open(db, "setting", NULL, reason, &batch);
  if (rc) goto fail;
  const char *sql = value ? "INSERT INTO settings(key, value) VALUES(?1, ?2) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                          : "DELETE FROM settings WHERE key = ?1";
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
    rc = isms__fail_sql(db, "writing setting");
    goto fail;
  }
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (value) sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE) {
    rc = isms__fail_sql(db, "writing setting");
    goto fail;
  }
  sqlite3_finalize(st);
  st = NULL;
  rc = isms__log_change(db, batch, "setting", key,
                        !had ? "create" : (value ? "update" : "delete"), "value",
                        had ? old : NULL, value);
  if (rc) goto fail;
  rc = isms__batch_close(db, batch, !had, had && value, !value);
  if (rc) goto fail;
  return isms__commit(db);
fail:
  sqlite3_finalize(st);
  isms__rollback(db);
  return rc;
}
