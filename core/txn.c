/*
** txn.c -- transactions and journal modes: every write of the library goes
** through isms__begin / isms__commit / isms__rollback, and a bulk write may
** switch the journal for its one large transaction.
*/
#ifdef __linux__
#define _GNU_SOURCE  /* sync_file_range */
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isms_internal.h"

/* ========================================================== transactions */

int isms__exec(isms_db *db, const char *sql) {
  if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
    return isms__fail_sql(db, sql);
  return ISMS_OK;
}

/* IMMEDIATE takes the write lock up front, so a concurrent writer waits
** (the busy timeout, db.c) at BEGIN, and one that waits too long is
** refused there, before anything is written, instead of half-way through
** a long import. */
int isms__begin(isms_db *db) {
  if (sqlite3_exec(db->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
    int rc = isms__chain_begin(db);
    if (rc) isms__rollback(db);
    return rc;
  }
  if ((sqlite3_errcode(db->sql) & 0xff) == SQLITE_BUSY) return isms__fail_busy(db, NULL);
  return isms__fail_sql(db, "BEGIN IMMEDIATE");
}

/* The rows the write touched are settled into the hash chain (chain.c)
** inside the transaction, so the chain never disagrees with the data. */
int isms__commit(isms_db *db) {
  int rc = isms__chain_settle(db);
  return rc ? rc : isms__exec(db, "COMMIT");
}

void isms__rollback(isms_db *db) {
  isms__chain_reset(db);
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
  db->bulk = switched;
  return switched;
}

/* The journal of a write that changes most pages of a large table (a
** re-valuation journals every page of the assets, 185 MB for a million)
** only reaches the disk at commit, where its sync then waited 0.13 s: the
** kernel starts writing dirty pages back on its own only after 30 s or
** gigabytes. Starting the writeback as the write goes (Linux) leaves the
** sync little to wait for. The journal is opened read-only on the side;
** SQLite holds no lock on it. */
void isms__bulk_progress(isms_db *db) {
#ifdef __linux__
  if (!db->bulk) return;
  if (db->journal_fd < 0) {
    const char *journal = sqlite3_filename_journal(sqlite3_db_filename(db->sql, "main"));
    if (!journal || !*journal) return;
    db->journal_fd = open(journal, O_RDONLY | O_CLOEXEC);
    if (db->journal_fd < 0) return;  /* not written yet */
  }
  sync_file_range(db->journal_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
  (void)db;
#endif
}

void isms__bulk_end(isms_db *db) {
  if (db->journal_fd >= 0) close(db->journal_fd);
  db->journal_fd = -1;
  db->bulk = 0;
}

void isms__wal_journal(isms_db *db) {
  isms__bulk_end(db);
  sqlite3_exec(db->sql, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", NULL, NULL,
               NULL);
}
