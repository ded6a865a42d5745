/*
** db.c -- opening and closing a register (migrating its schema on open),
** the change-log actor, and what the library says of itself.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

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

/* What is at path, before SQLite sees it: a register file to open, or a
** reason to refuse it. SQLite would turn an empty file into a database,
** open a directory and fail later, or report "file is not a database" at
** the first query; each gets its own message here instead. Returns
** ISMS_OK with *absent set when nothing is at path. */
static int check_path(isms_db *db, const char *path, int create, int *absent) {
  struct stat st;
  *absent = 0;
  if (stat(path, &st) != 0) {
    if (errno != ENOENT)
      return isms__fail(db, ISMS_IO, "cannot open register %s: %s", path, strerror(errno));
    if (!create)
      return isms__fail(db, ISMS_NOTFOUND, "no register at %s; create one with isms init %s",
                        path, path);
    *absent = 1;
    return ISMS_OK;
  }
  if (S_ISDIR(st.st_mode))
    return isms__fail(db, ISMS_IO, "%s is a directory, not a register file", path);
  if (!S_ISREG(st.st_mode))
    return isms__fail(db, ISMS_IO, "%s is not a regular file, so not a register", path);
  if (st.st_size == 0)
    return isms__fail(db, ISMS_SCHEMA,
                      "%s is an empty file, not a register; isms init creates a register "
                      "only where no file is",
                      path);
  FILE *f = fopen(path, "rb");
  if (!f) return isms__fail(db, ISMS_IO, "cannot open register %s: %s", path, strerror(errno));
  char magic[16] = {0};
  size_t got = fread(magic, 1, sizeof magic, f);
  fclose(f);
  if (got < sizeof magic || memcmp(magic, "SQLite format 3", 16) != 0)
    return isms__fail(db, ISMS_SCHEMA, "%s is not an isms register (not an SQLite database)",
                      path);
  return ISMS_OK;
}

/* An SQLite file that is not a register: schema version 0 and tables of
** its own (or, when it must exist already, no isms tables at all). */
static int check_identity(isms_db *db, const char *path, int create) {
  sqlite3_stmt *st;
  int version = 0, tables = 0;
  if (sqlite3_prepare_v2(db->sql, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
    return isms__fail(db, ISMS_SCHEMA, "%s is not an isms register: %s", path,
                      sqlite3_errmsg(db->sql));
  if (sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (version > 0) return ISMS_OK;  /* isms__migrate judges the version */
  if (sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) !=
      SQLITE_OK)
    return isms__fail(db, ISMS_SCHEMA, "%s is not an isms register: %s", path,
                      sqlite3_errmsg(db->sql));
  if (sqlite3_step(st) == SQLITE_ROW) tables = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (tables > 0 || !create)
    return isms__fail(db, ISMS_SCHEMA,
                      "%s is an SQLite database but not an isms register (no isms schema)", path);
  return ISMS_OK;
}

static int open_register(const char *path, int create, isms_db **out) {
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
  int absent, rc = check_path(db, path, create, &absent);
  if (rc) return rc;
  /* NOMUTEX: a connection is used by one thread at a time. */
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (absent ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path, &db->sql, flags, NULL) != SQLITE_OK) {
    rc = isms__fail(db, ISMS_STORAGE, "cannot open register %s: %s", path,
                    db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
    return rc;
  }
  sqlite3_extended_result_codes(db->sql, 1);
  /* Before anything that may need a lock: a second writer waits for the
  ** first instead of failing at once. */
  sqlite3_busy_timeout(db->sql, 5000);
  if (!absent && (rc = check_identity(db, path, create))) return rc;
  /* Larger pages: fewer page headers and cell pointers per row of the
  ** register; only effective when the file is new. */
  if (sqlite3_exec(db->sql, "PRAGMA page_size = 16384", NULL, NULL, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "cannot open register");
  if (sqlite3_exec(db->sql, open_pragmas, NULL, NULL, NULL) != SQLITE_OK)
    return isms__fail(db, ISMS_STORAGE, "cannot open register %s: %s", path,
                      sqlite3_errmsg(db->sql));
  return isms__migrate(db);
}

ISMS_API int isms_open(const char *path, isms_db **out) { return open_register(path, 1, out); }

ISMS_API int isms_open_existing(const char *path, isms_db **out) {
  return open_register(path, 0, out);
}

ISMS_API int isms_close(isms_db *db) {
  if (!db) return ISMS_OK;
  sqlite3_finalize(db->st_log);
  isms__kinds_free(db);
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
