/*
** db.c -- opening and closing a register, error state, transactions.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

/* ================================================================ errors */

void isms__clear_error(isms_db *db) {
  db->errcode = ISMS_OK;
  free(db->errmsg);
  db->errmsg = NULL;
}

int isms__fail_owned(isms_db *db, int code, char *msg) {
  free(db->errmsg);
  db->errmsg = msg;
  db->errcode = code;
  return code;
}

int isms__fail(isms_db *db, int code, const char *fmt, ...) {
  char *msg = malloc(1024);
  if (msg) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, 1024, fmt, ap);
    va_end(ap);
  }
  return isms__fail_owned(db, code, msg);
}

int isms__fail_sql(isms_db *db, const char *what) {
  int rc = sqlite3_errcode(db->sql);
  int code = (rc == SQLITE_NOMEM) ? ISMS_NOMEM : ISMS_STORAGE;
  return isms__fail(db, code, "%s: %s", what, sqlite3_errmsg(db->sql));
}

ISMS_API const char *isms_errmsg(isms_db *db) {
  if (!db) return "out of memory or no register";
  if (db->errmsg) return db->errmsg;
  return isms_errstr(db->errcode);
}

ISMS_API int isms_errcode(isms_db *db) { return db ? db->errcode : ISMS_NOMEM; }

ISMS_API const char *isms_errstr(int code) {
  switch (code) {
    case ISMS_OK: return "not an error";
    case ISMS_ERROR: return "error";
    case ISMS_NOMEM: return "out of memory";
    case ISMS_IO: return "file could not be read or written";
    case ISMS_INPUT: return "input rejected";
    case ISMS_RULE: return "rule file rejected";
    case ISMS_SCHEMA: return "register schema not supported";
    case ISMS_STORAGE: return "storage error";
    case ISMS_NOTFOUND: return "not found";
    case ISMS_MISUSE: return "library misuse";
    case ISMS_ROW: return "row ready";
    case ISMS_DONE: return "no more rows";
    default: return "unknown code";
  }
}

ISMS_API const char *isms_version(void) { return "0.1.0"; }

ISMS_API void isms_free(void *p) { free(p); }

/* ========================================================== transactions */

int isms__exec(isms_db *db, const char *sql) {
  if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
    return isms__fail_sql(db, sql);
  return ISMS_OK;
}

/* IMMEDIATE takes the write lock up front, so a concurrent writer is
** reported at BEGIN instead of half-way through a long import. */
int isms__begin(isms_db *db) { return isms__exec(db, "BEGIN IMMEDIATE"); }

int isms__commit(isms_db *db) { return isms__exec(db, "COMMIT"); }

void isms__rollback(isms_db *db) {
  if (!sqlite3_get_autocommit(db->sql))
    sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

/* A bulk write (an import, a re-valuation) is one large transaction.
** Through WAL every new page is written twice (to the log, then by the
** checkpoint); through a rollback journal a new page is written once and
** only changed pages are journaled, with the same atomicity. The switch
** needs the register to ourselves: if another connection has it open the
** write simply stays in WAL. Returns 1 if switched. */
int isms__bulk_journal(isms_db *db) {
  sqlite3_stmt *q;
  int switched = 0;
  if (sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode = DELETE", -1, &q, NULL) != SQLITE_OK)
    return 0;
  if (sqlite3_step(q) == SQLITE_ROW)
    switched = strcmp((const char *)sqlite3_column_text(q, 0), "delete") == 0;
  sqlite3_finalize(q);
  /* FULL: a rollback journal needs it to survive a power cut. */
  if (switched) sqlite3_exec(db->sql, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  return switched;
}

void isms__wal_journal(isms_db *db) {
  sqlite3_exec(db->sql, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", NULL, NULL,
               NULL);
}

/* ============================================================ open/close */

static const char *const open_pragmas =
    "PRAGMA foreign_keys = ON;"
    /* WAL: readers never block the writer; NORMAL is safe in WAL mode (a
    ** power cut may lose the last commit, never corrupt the register). */
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA temp_store = MEMORY;"
    "PRAGMA cache_size = -32768;";

ISMS_API int isms_open(const char *path, isms_db **out) {
  if (!out) return ISMS_MISUSE;
  /* Memory statistics put a global mutex on every SQLite allocation; isms
  ** does not use them. Only possible before SQLite initialises, so a host
  ** that already uses SQLite keeps its own setting (the call then fails
  ** harmlessly). */
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  *out = NULL;
  isms_db *db = calloc(1, sizeof *db);
  if (!db) return ISMS_NOMEM;
  *out = db;
  snprintf(db->actor, sizeof db->actor, "unknown");
  if (!path || !*path) return isms__fail(db, ISMS_MISUSE, "no register path given");
  /* NOMUTEX: a connection is used by one thread at a time. */
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path, &db->sql, flags, NULL) != SQLITE_OK) {
    int rc = isms__fail(db, ISMS_STORAGE, "cannot open register %s: %s", path,
                        db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
    return rc;
  }
  sqlite3_extended_result_codes(db->sql, 1);
  sqlite3_busy_timeout(db->sql, 5000);
  /* Larger pages: fewer page headers and cell pointers per row of the
  ** register; only effective when the file is new. */
  if (sqlite3_exec(db->sql, "PRAGMA page_size = 16384", NULL, NULL, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "cannot open register");
  if (sqlite3_exec(db->sql, open_pragmas, NULL, NULL, NULL) != SQLITE_OK)
    return isms__fail(db, ISMS_STORAGE, "cannot open register %s: %s", path,
                      sqlite3_errmsg(db->sql));
  return isms__migrate(db);
}

ISMS_API int isms_close(isms_db *db) {
  if (!db) return ISMS_OK;
  sqlite3_finalize(db->st_log);
  if (db->sql) sqlite3_close_v2(db->sql);
  free(db->errmsg);
  free(db);
  return ISMS_OK;
}

ISMS_API int isms_set_actor(isms_db *db, const char *actor) {
  if (!db) return ISMS_MISUSE;
  isms__clear_error(db);
  if (!actor || !*actor) return isms__fail(db, ISMS_MISUSE, "actor must not be empty");
  snprintf(db->actor, sizeof db->actor, "%s", actor);
  return ISMS_OK;
}

/* ============================================================= settings */

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

/* ============================================================ bindings */

/* Generated from the FFI block of isms.h at build time (see Makefile). */
extern const char isms_cdef_text[];

ISMS_API const char *isms_cdef(void) { return isms_cdef_text; }
