/*
** changelog.c -- who changed what, when and why.
**
** Every write opens a batch (one row: actor, UTC time, command, source,
** reason) inside its own transaction and logs each changed field against
** it, so the log can never disagree with the data it describes.
*/
#include <stdio.h>
#include <string.h>

#include "isms_internal.h"

int isms__batch_open(isms_db *db, const char *command, const char *source,
                     const char *reason, int64_t *batch) {
  sqlite3_stmt *st;
  const char *sql =
      "INSERT INTO change_batches(at, actor, command, source, reason) "
      "VALUES(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?1, ?2, ?3, ?4)";
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "opening change batch");
  sqlite3_bind_text(st, 1, db->actor, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, command, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return isms__fail_sql(db, "opening change batch");
  *batch = sqlite3_last_insert_rowid(db->sql);
  return ISMS_OK;
}

int isms__batch_close(isms_db *db, int64_t batch, int64_t created, int64_t updated,
                      int64_t deleted) {
  sqlite3_stmt *st;
  const char *sql = "UPDATE change_batches SET created = ?2, updated = ?3, deleted = ?4 "
                    "WHERE id = ?1";
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "closing change batch");
  sqlite3_bind_int64(st, 1, batch);
  sqlite3_bind_int64(st, 2, created);
  sqlite3_bind_int64(st, 3, updated);
  sqlite3_bind_int64(st, 4, deleted);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "closing change batch");
}

int isms__same_text(const char *x, const char *y) {
  if (!x || !y) return x == y;
  return strcmp(x, y) == 0;
}

int isms__log_valuation(isms_db *db, int64_t batch, const char *id, const char *old_class,
                        int had_value, double old_value, const char *new_class,
                        int has_value, double new_value, int *logged) {
  *logged = 0;
  int rc = ISMS_OK;
  if (!isms__same_text(old_class, new_class)) {
    ++*logged;
    rc = isms__log_change(db, batch, "asset", id, "update", "class", old_class, new_class);
  }
  if (!rc && (had_value != has_value || (had_value && old_value != new_value))) {
    char was[32], now[32];
    snprintf(was, sizeof was, "%g", old_value);
    snprintf(now, sizeof now, "%g", new_value);
    ++*logged;
    rc = isms__log_change(db, batch, "asset", id, "update", "value", had_value ? was : NULL,
                          has_value ? now : NULL);
  }
  return rc;
}

int isms__log_change(isms_db *db, int64_t batch, const char *entity, const char *entity_id,
                     const char *action, const char *field, const char *old_value,
                     const char *new_value) {
  if (!db->st_log) {
    const char *sql = "INSERT INTO change_log(batch, entity, entity_id, action, field, "
                      "old, new) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    if (sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &db->st_log,
                           NULL) != SQLITE_OK)
      return isms__fail_sql(db, "writing change log");
  }
  sqlite3_stmt *st = db->st_log;
  sqlite3_bind_int64(st, 1, batch);
  sqlite3_bind_text(st, 2, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, entity_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, field, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, old_value, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, new_value, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "writing change log");
}
