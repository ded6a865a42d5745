/*
** db.c -- opening and closing a register (migrating its schema on open),
** the change-log actor, and what the library says of itself.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

ISMS_API const char *isms_version(void) { return "0.1.0"; }

ISMS_API void isms_free(void *p) { free(p); }

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

/* ============================================================ bindings */

/* Generated from the FFI block of isms.h at build time (see Makefile). */
extern const char isms_cdef_text[];

ISMS_API const char *isms_cdef(void) { return isms_cdef_text; }
