/*
** csv_export.c -- writing the asset register in the import format.
**
** The export is the import's inverse: the same header, C/I/A as tier
** numbers, flags as yes/no, rows ordered by id. Cells are quoted only when
** they must be (separator, quote, line break, or edge spaces the importer
** would trim), so importing an export and exporting again gives the same
** bytes.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "isms_internal.h"

static int needs_quotes(const char *s, size_t n) {
  if (n == 0) return 0;
  if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t') return 1;
  return strpbrk(s, ",\"\r\n") != NULL;
}

static void put_cell(FILE *f, const char *s, int first) {
  if (!first) putc(',', f);
  if (!s) return;
  size_t n = strlen(s);
  if (!needs_quotes(s, n)) {
    fwrite(s, 1, n, f);
    return;
  }
  putc('"', f);
  for (const char *p = s; *p; p++) {
    if (*p == '"') putc('"', f);
    putc(*p, f);
  }
  putc('"', f);
}

ISMS_API int isms_export_assets(isms_db *db, const char *path) {
  if (!db || !path) return ISMS_MISUSE;
  isms__clear_error(db);
  sqlite3_stmt *q;
  const char *sql =
      "SELECT id, name, type, owner, custodian, location,"
      " CASE outsourced WHEN 1 THEN 'yes' ELSE 'no' END, contract,"
      " CASE is_group WHEN 1 THEN 'yes' ELSE 'no' END, units, c, i, a, notes"
      " FROM asset_view ORDER BY id";
  if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "exporting assets");
  FILE *f = fopen(path, "wb");
  if (!f) {
    sqlite3_finalize(q);
    return isms__fail(db, ISMS_IO, "%s: cannot write: %s", path, strerror(errno));
  }
  static char buffer[1 << 16];
  setvbuf(f, buffer, _IOFBF, sizeof buffer);
  for (int k = 0; k < ACOL_COUNT; k++) put_cell(f, isms__asset_col_names[k], k == 0);
  putc('\n', f);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    for (int k = 0; k < ACOL_COUNT; k++)
      put_cell(f, (const char *)sqlite3_column_text(q, k), k == 0);
    putc('\n', f);
  }
  sqlite3_finalize(q);
  int werr = ferror(f);
  if (fclose(f) != 0) werr = 1;
  if (rc != SQLITE_DONE) return isms__fail_sql(db, "exporting assets");
  if (werr) return isms__fail(db, ISMS_IO, "%s: write failed: %s", path, strerror(errno));
  return ISMS_OK;
}
