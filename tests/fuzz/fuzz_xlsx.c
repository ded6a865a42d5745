/*
** fuzz_xlsx.c -- libFuzzer harness for the XLSX reader (core/xlsx_read.c:
** minizip, expat) and the asset import from a worksheet
** (isms_import_assets_xlsx, core/csv_import.c). Any bytes are read as a
** workbook: the reader either gives JSON or refuses with a message naming
** the file; an import either stores every row or is refused and leaves no
** asset behind. A hash of the input picks the path (JSON, import inline,
** import on the parser thread), so the seeds stay plain workbooks
** (tests/fixtures/xlsx/; the stored, uncompressed ones let mutations reach
** the XML).
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
  const char *path = fuzz_write("xlsx", data, size);
  if ((mode & 3) != 0) {
    char *json = NULL, *err = NULL;
    int rc = isms_xlsx_sheet_json(path, (mode & 4) ? "Sheet1" : NULL, &json, &err);
    if (rc == ISMS_OK) {
      if (!json || json[0] != '{' || err) abort();   /* JSON, and no message */
    } else if (!err || !strstr(err, path) || json) {
      abort();                                        /* a refusal names the file */
    }
    isms_free(json);
    isms_free(err);
    return 0;
  }
  isms_import_opts opts = {0};
  opts.reason = "fuzz";
  opts.threads = (mode & 8) ? 0 : 1;
  opts.max_errors = (int)((mode >> 4) & 7);
  isms_import_report rep;
  int rc = isms_import_assets_xlsx(db, path, NULL, method, &opts, &rep);
  if (rc != ISMS_OK) {
    const char *msg = isms_errmsg(db);
    if (!msg || !*msg) abort();
    if (count_assets() != 0) abort();
  } else if (count_assets() != (long)rep.created) {
    abort();
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
