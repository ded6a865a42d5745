/*
** backup.c -- a copy of the register in one file (isms_backup) and the
** register replaced by such a copy (isms_restore), both through SQLite's
** online backup API.
**
** A backup reads the register in one read transaction: in WAL mode other
** processes go on reading and writing meanwhile, and the copy is the
** register as of one commit. It is written beside the target and renamed
** into place, so a failure leaves no partial file at the target.
** A restore first makes the restored state in a file beside the register
** (the copy, migrated, with its "restore" change batch), then writes it
** into the open register in one write transaction of SQLite's, so it is
** atomic like any other write: a crash or a failure half-way leaves the
** register as it was.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "isms_internal.h"

/* ================================================================ copying */

/* Copies all of src's main database into dst's in one step, waiting while
** either side is locked until the busy timeout of db has passed. */
static int copy_pages(isms_db *db, sqlite3 *dst, sqlite3 *src, const char *what) {
  sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) return isms__fail(db, ISMS_STORAGE, "%s: %s", what, sqlite3_errmsg(dst));
  int waited = 0, rc;
  for (;;) {
    rc = sqlite3_backup_step(b, -1);
    if (rc == SQLITE_DONE || rc == SQLITE_OK) {
      if (rc == SQLITE_DONE) break;
      continue;
    }
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) break;
    if (waited >= db->busy_ms) break;
    sqlite3_sleep(10);
    waited += 10;
  }
  int fin = sqlite3_backup_finish(b);
  if (rc == SQLITE_DONE && fin == SQLITE_OK) return ISMS_OK;
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
    return isms__fail_busy(db, what);
  if ((rc & 0xff) == SQLITE_READONLY)
    return isms__fail(db, ISMS_STORAGE,
                      "%s: the register and the copy have different page sizes, which can only "
                      "be changed while no other process has the register open",
                      what);
  return isms__fail(db, ISMS_STORAGE, "%s: %s", what, sqlite3_errstr(rc != SQLITE_DONE ? rc : fin));
}

/* "ok" from PRAGMA quick_check or integrity_check of conn, else the first
** problem in buf. */
static int check_pages(sqlite3 *conn, const char *pragma, char *buf, size_t size) {
  sqlite3_stmt *st;
  snprintf(buf, size, "cannot be checked");
  if (sqlite3_prepare_v2(conn, pragma, -1, &st, NULL) != SQLITE_OK) {
    snprintf(buf, size, "%s", sqlite3_errmsg(conn));
    return 0;
  }
  int ok = 0;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const char *r = (const char *)sqlite3_column_text(st, 0);
    ok = r && strcmp(r, "ok") == 0;
    snprintf(buf, size, "%s", r ? r : "no answer");
  } else {
    snprintf(buf, size, "%s", sqlite3_errmsg(conn));
  }
  sqlite3_finalize(st);
  return ok;
}

static int same_file(const char *a, const char *b) {
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

/* fsync of a file, then of the folder that holds it (the rename). */
static void sync_path(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash == dir) slash[1] = 0;
  else if (slash) *slash = 0;
  else snprintf(dir, sizeof dir, ".");
  fd = open(dir, O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

/* ================================================================ backup */

/* Copies src's main database into a new file made from the mkstemp
** template tmp (its name is left in tmp): one self-contained file (a
** rollback journal, no -wal) that passes quick_check. On failure nothing
** is left there. */
static int copy_to_new_file(isms_db *db, sqlite3 *src, char *tmp, const char *what) {
  int fd = mkstemp(tmp);
  if (fd < 0) return isms__fail(db, ISMS_IO, "%s: cannot write: %s", what, strerror(errno));
  close(fd);
  sqlite3 *dst = NULL;
  int rc = ISMS_OK;
  if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
    rc = isms__fail(db, ISMS_IO, "%s: %s", what, dst ? sqlite3_errmsg(dst) : "out of memory");
  } else {
    rc = copy_pages(db, dst, src, what);
    char check[512];
    if (!rc && sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK)
      rc = isms__fail(db, ISMS_IO, "%s: %s", what, sqlite3_errmsg(dst));
    if (!rc && !check_pages(dst, "PRAGMA quick_check", check, sizeof check))
      rc = isms__fail(db, ISMS_STORAGE, "%s: the copy does not check out: %s", what, check);
  }
  if (dst && sqlite3_close(dst) != SQLITE_OK && !rc)
    rc = isms__fail(db, ISMS_IO, "%s: cannot close the copy", what);
  if (rc) unlink(tmp);
  return rc;
}

ISMS_API int isms_backup(isms_db *db, const char *path, int overwrite) {
  if (!db || !path || !*path) return ISMS_MISUSE;
  isms__clear_error(db);
  struct stat st;
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return isms__fail(db, ISMS_IO, "%s is a directory; name the backup file", path);
    const char *self = sqlite3_db_filename(db->sql, "main");
    if (self && same_file(self, path))
      return isms__fail(db, ISMS_IO, "%s is the register itself", path);
    if (!overwrite)
      return isms__fail(db, ISMS_IO, "%s exists; name a new file, or overwrite it with --force",
                        path);
  }
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof tmp)
    return isms__fail(db, ISMS_IO, "%s: path too long", path);
  char what[1024];
  snprintf(what, sizeof what, "cannot write %s", path);
  /* the copy is checked before it takes the name */
  int rc = copy_to_new_file(db, db->sql, tmp, what);
  if (rc) return rc;
  sync_path(tmp);
  if (rename(tmp, path) != 0) {
    rc = isms__fail(db, ISMS_IO, "%s: cannot rename into place: %s", what, strerror(errno));
    unlink(tmp);
    return rc;
  }
  sync_path(path);
  return ISMS_OK;
}

/* =============================================================== restore */

/* The copy must be a whole register this isms can read: an SQLite file of
** a schema version 1..supported with the register's own tables, intact. */
static int check_copy(isms_db *db, sqlite3 *src, const char *path) {
  sqlite3_stmt *st;
  int version = -1, tables = -1;
  if (sqlite3_prepare_v2(src, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  if (version >= 0 &&
      sqlite3_prepare_v2(src,
                         "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                         "('settings', 'change_batches', 'change_log', 'assets')",
                         -1, &st, NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) tables = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  /* The file starts as SQLite does (checked by the caller): what cannot
  ** be read is damage. */
  if (version < 0 || tables < 0)
    return isms__fail(db, ISMS_INPUT, "%s is a damaged register: %s", path,
                      sqlite3_errmsg(src));
  if (version == 0 || tables != 4)
    return isms__fail(db, ISMS_INPUT,
                      "%s is an SQLite database but not an isms register (no isms schema)", path);
  int supported = isms_schema_version_supported();
  if (version > supported)
    return isms__fail(db, ISMS_INPUT,
                      "%s has register schema version %d, newer than this isms supports (%d); "
                      "upgrade isms",
                      path, version, supported);
  char check[512];
  if (!check_pages(src, "PRAGMA integrity_check", check, sizeof check))
    return isms__fail(db, ISMS_INPUT, "%s is a damaged register: %s", path, check);
  return ISMS_OK;
}

/* Makes the restored state in a file of its own beside the register, tmp:
** the copy, migrated to the current schema, with its "restore" change
** batch. So the register itself then changes in one step. */
static int stage_restore(isms_db *db, sqlite3 *src, char *tmp, const char *path,
                         const char *reason, const char *what) {
  int rc = copy_to_new_file(db, src, tmp, what);
  if (rc) return rc;
  isms_db *stage = NULL;
  rc = isms_open(tmp, &stage);
  if (!rc) rc = isms_set_actor(stage, db->actor);
  int64_t batch;
  if (!rc && !(rc = isms__begin(stage))) {
    if ((rc = isms__batch_open(stage, "restore", path, reason, &batch)) ||
        (rc = isms__batch_close(stage, batch, 0, 0, 0)) || (rc = isms__commit(stage)))
      isms__rollback(stage);
  }
  if (rc)
    rc = isms__fail(db, rc, "%s: %s", what, stage ? isms_errmsg(stage) : "out of memory");
  isms_close(stage);
  return rc;
}

static void remove_stage(const char *tmp) {
  char side[PATH_MAX + 8];
  unlink(tmp);
  snprintf(side, sizeof side, "%s-wal", tmp);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", tmp);
  unlink(side);
  snprintf(side, sizeof side, "%s-journal", tmp);
  unlink(side);
}

ISMS_API int isms_restore(isms_db *db, const char *path, const char *reason) {
  if (!db || !path || !*path) return ISMS_MISUSE;
  isms__clear_error(db);
  /* What is at path is judged as isms_open judges a register. */
  char why[1024];
  FILE *f = isms__open_input(path, why, sizeof why);
  if (!f) return isms__fail(db, ISMS_IO, "%s %s", path, why);
  char magic[16] = {0};
  size_t got = fread(magic, 1, sizeof magic, f);
  fclose(f);
  if (got == 0) return isms__fail(db, ISMS_INPUT, "%s is an empty file, not a register", path);
  if (got < sizeof magic || memcmp(magic, "SQLite format 3", 16) != 0)
    return isms__fail(db, ISMS_INPUT, "%s is not an isms register (not an SQLite database)",
                      path);
  const char *self = sqlite3_db_filename(db->sql, "main");
  if (!self || !*self) return isms__fail(db, ISMS_MISUSE, "an in-memory register cannot be restored");
  if (same_file(self, path))
    return isms__fail(db, ISMS_INPUT, "%s is the register itself", path);

  sqlite3 *src = NULL;
  if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    int rc = isms__fail(db, ISMS_IO, "cannot read %s: %s", path,
                        src ? sqlite3_errmsg(src) : "out of memory");
    sqlite3_close(src);
    return rc;
  }
  sqlite3_busy_timeout(src, db->busy_ms);
  char what[1024];
  snprintf(what, sizeof what, "restore from %s", path);
  char tmp[PATH_MAX];
  int rc = check_copy(db, src, path);
  if (!rc && snprintf(tmp, sizeof tmp, "%s.restore-XXXXXX", self) >= (int)sizeof tmp)
    rc = isms__fail(db, ISMS_IO, "%s: path too long", what);
  if (!rc) rc = stage_restore(db, src, tmp, path, reason, what);
  sqlite3_close(src);
  if (rc) return rc;

  sqlite3 *staged = NULL;
  if (sqlite3_open_v2(tmp, &staged, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    rc = isms__fail(db, ISMS_IO, "%s: %s", what, staged ? sqlite3_errmsg(staged) : "out of memory");
  } else {
    /* One write transaction of the backup API: the register is the old one
    ** or the restored one, never a mix. Alone with the register, it goes
    ** through a rollback journal, which also lets the page size change. */
    int bulk = isms__bulk_journal(db);
    rc = copy_pages(db, db->sql, staged, what);
    if (bulk) isms__wal_journal(db);
  }
  sqlite3_close(staged);
  remove_stage(tmp);
  return rc;
}
