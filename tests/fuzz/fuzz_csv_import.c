/*
** fuzz_csv_import.c -- libFuzzer harness for the asset inventory import
** (core/csv_import.c, core/asset_store.c): any bytes are imported into a
** fresh register valued by qism-fmea (an in-memory one, emptied between
** inputs: opening and migrating one per input would cost most of the run). The import either stores
** every row or is refused with a message and leaves no asset behind.
** A hash of the input picks the parser (inline or on its own thread) and
** how many errors are listed, and whether the file is read as cp1252, so
** every path is fuzzed and the seeds stay plain CSV files.
*/
#include "fuzz_common.h"

#include "../c/fixtures.h"
#include "isms_internal.h"  /* the harness empties the register through db->sql */

static isms_method *method;
static isms_db *db;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  method = qism();
  if (!method || isms_method_compile(method) != ISMS_OK) abort();
  if (isms_open(":memory:", &db) != ISMS_OK) abort();
  return 0;
}

static long count_assets(void) {
  isms_cursor *cur;
  long n = -1;
  if (isms_cursor_query(db, "SELECT count(*) FROM assets", 0, NULL, &cur) != ISMS_OK) abort();
  if (isms_cursor_next(cur) == ISMS_ROW) n = atol(isms_cursor_text(cur, 0));
  isms_cursor_close(cur);
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t mode = 2166136261u;  /* FNV-1a */
  for (size_t k = 0; k < size; k++) mode = (mode ^ data[k]) * 16777619u;
  const char *path = fuzz_write("csv-import", data, size);
  isms_import_opts opts = {0};
  opts.reason = "fuzz";
  opts.threads = (mode & 1) ? 0 : 1;
  opts.max_errors = (int)((mode >> 1) & 7);
  /* One input in eight is read as Windows-1252 through iconv
  ** (core/input_file.c), the way --encoding cp1252 reads it. */
  if (((mode >> 4) & 7) == 0) opts.encoding = "cp1252";
  isms_import_report rep;
  int rc = isms_import_assets(db, path, method, &opts, &rep);
  if (rc != ISMS_OK) {
    const char *msg = isms_errmsg(db);
    if (!msg || !*msg) abort();                /* a refusal says why */
    if (count_assets() != 0) abort();        /* ... and stores nothing */
  } else if (count_assets() != (long)(rep.created)) {
    abort();                                   /* every created row is there */
  }
  /* Through isms__begin/isms__commit, as every write of the library: the
  ** hash chain (core/chain.c) refuses a commit it has not settled. */
  if (isms__begin(db) != ISMS_OK) abort();
  if (sqlite3_exec(db->sql,
                   "DELETE FROM assets; DELETE FROM change_log; DELETE FROM change_batches;"
                   "DELETE FROM parties; DELETE FROM locations",
                   NULL, NULL, NULL) != SQLITE_OK)
    abort();
  if (isms__commit(db) != ISMS_OK) abort();
  return 0;
}
