/*
** error.c -- the error state a register handle owns: the code and message
** of its last failure (isms_errmsg), and the static text of each code.
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
  if ((rc & 0xff) == SQLITE_BUSY) return isms__fail_busy(db, what);
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
