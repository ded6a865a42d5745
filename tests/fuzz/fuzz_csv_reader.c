/*
** fuzz_csv_reader.c -- libFuzzer harness for the whole-file CSV reader of
** the Lua-side imports (core/csv_reader.c): any bytes either open and give
** records whose every field, line and column can be read, or fail with a
** message; nothing crashes, reads out of bounds or leaks.
*/
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write("csv-reader", data, size);
  isms_csv_reader *r = NULL;
  int rc = isms_csv_open(path, &r);
  if (rc == ISMS_OK) {
    while (isms_csv_next(r) == ISMS_ROW) {
      int n = isms_csv_fields(r);
      volatile size_t sum = (size_t)isms_csv_line(r);
      int cols[64];
      int nc = n + 1 < 64 ? n + 1 : 64;  /* one past the end too */
      if (isms_csv_columns(r, nc, cols) != nc) abort();
      for (int k = 0; k < nc; k++)
        if (cols[k] != isms_csv_column(r, k, NULL)) abort();  /* one walk = k walks */
      for (int k = -1; k <= n; k++) {  /* one past each end: must be refused */
        size_t len = 0;
        const char *s = isms_csv_field(r, k, &len);
        if (s && len) sum += (unsigned char)s[len - 1] + (unsigned char)s[0];
        int64_t line = 0;
        sum += (size_t)isms_csv_column(r, k, &line) + (size_t)line;
      }
      (void)sum;
    }
  } else if (!isms_csv_error(r)) {
    abort();  /* a refusal always says why */
  }
  isms_csv_close(r);
  return 0;
}
