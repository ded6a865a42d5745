/*
** db.c -- opening and closing a register (migrating its schema on open),
** the change-log actor, and what the library says of itself.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <time.h>

#include "isms_internal.h"

ISMS_API const char *isms_version(void) { return "0.1.0"; }

ISMS_API void isms_free(void *p) { free(p); }

/* ============================================================ open/close */

/* Settings of this connection only: they take no lock. */
static const char *const open_pragmas =
    "PRAGMA foreign_keys = ON;"
    "PRAGMA temp_store = MEMORY;"
    "PRAGMA cache_size = -32768;";

/* WAL: readers never block the writer; NORMAL is safe in WAL mode (a
** power cut may lose the last commit, never corrupt the register). The
** journal mode is a property of the file: switching to it takes a lock. */
static const char *const open_journal = "PRAGMA journal_mode = WAL";
static const char *const open_sync = "PRAGMA synchronous = NORMAL";

/* ========================================================== busy timeout */

/* How long a connection waits for another process's lock before it gives
** up: 5 s, or ISMS_BUSY_TIMEOUT milliseconds (0 .. 1 hour) from the
** environment, so a script can wait longer and a test shorter. */
static int busy_timeout_ms(void) {
  const char *env = getenv("ISMS_BUSY_TIMEOUT");
  if (env && *env) {
    char *end;
    long v = strtol(env, &end, 10);
    if (*end == 0 && v >= 0 && v <= 3600000) return (int)v;
  }
  return 5000;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs one statement of the open sequence, retrying while the register is
** busy until the busy timeout has passed. SQLite's busy handler covers
** most waits, but not all: switching a register back to WAL while another
** process writes it through a rollback journal (a bulk write, txn.c)
** fails with SQLITE_BUSY at once, without calling the handler. That is
** the "database is locked" a second writer used to get on open. */
static int exec_waiting(isms_db *db, const char *sql) {
  int64_t deadline = now_ms() + db->busy_ms;
  for (;;) {
    int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
    if ((rc & 0xff) != SQLITE_BUSY || now_ms() >= deadline) return rc;
    sqlite3_sleep(5);
  }
}

int isms__fail_busy(isms_db *db, const char *what) {
  const char *file = sqlite3_db_filename(db->sql, "main");
  return isms__fail(db, ISMS_STORAGE,
                    "%s%sregister %s is busy: another process has held it for longer than the "
                    "busy timeout (%d ms); nothing was stored; try again when it has finished, "
                    "or set ISMS_BUSY_TIMEOUT (milliseconds) to wait longer",
                    what ? what : "", what ? ": " : "", file && *file ? file : "(memory)",
                    db->busy_ms);
}

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

/* One integer of a query check_identity asks. Reading takes a shared lock,
** which a writer in a rollback journal may hold off for longer than the
** busy timeout: that is said as such, not as "not a register". */
static int identity_int(isms_db *db, const char *path, const char *sql, int *out) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  if (rc == SQLITE_ROW) return ISMS_OK;
  if ((rc & 0xff) == SQLITE_BUSY) {
    char what[1024];
    snprintf(what, sizeof what, "cannot open register %s", path);
    return isms__fail_busy(db, what);
  }
  return isms__fail(db, ISMS_SCHEMA, "%s is not an isms register: %s", path,
                    sqlite3_errmsg(db->sql));
}

/* An SQLite file that is not a register: schema version 0 and tables of
** its own (or, when it must exist already, no isms tables at all). */
static int check_identity(isms_db *db, const char *path, int create) {
  int version = 0, tables = 0;
  int rc = identity_int(db, path, "PRAGMA user_version", &version);
  if (rc || version > 0) return rc;  /* isms__migrate judges the version */
  if ((rc = identity_int(db, path, "SELECT count(*) FROM sqlite_master", &tables))) return rc;
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
  db->journal_fd = -1;
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
  db->busy_ms = busy_timeout_ms();
  sqlite3_busy_timeout(db->sql, db->busy_ms);
  if (!absent && (rc = check_identity(db, path, create))) return rc;
  /* Larger pages: fewer page headers and cell pointers per row of the
  ** register; only effective when the file is new. */
  if (exec_waiting(db, "PRAGMA page_size = 16384") != SQLITE_OK ||
      exec_waiting(db, open_pragmas) != SQLITE_OK || exec_waiting(db, open_journal) != SQLITE_OK ||
      exec_waiting(db, open_sync) != SQLITE_OK) {
    char what[1024];
    snprintf(what, sizeof what, "cannot open register %s", path);
    return isms__fail_sql(db, what);
  }
  if (isms__sql_summary(db->sql) != SQLITE_OK) return isms__fail_sql(db, "registering isms_summary");
  if (isms__change_set_register(db->sql) != SQLITE_OK)
    return isms__fail_sql(db, "registering isms_change_set");
  if ((rc = isms__migrate(db))) return rc;
  return isms__change_entries(db);
}

ISMS_API int isms_open(const char *path, isms_db **out) { return open_register(path, 1, out); }

ISMS_API int isms_open_existing(const char *path, isms_db **out) {
  return open_register(path, 0, out);
}

ISMS_API int isms_close(isms_db *db) {
  if (!db) return ISMS_OK;
  sqlite3_finalize(db->st_log);
  isms__chain_free(db);
  isms__kinds_free(db);
  isms__bulk_end(db);
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
