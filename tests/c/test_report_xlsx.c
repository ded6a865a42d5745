/*
** test_report_xlsx.c -- XLSX reports (isms_report_xlsx), read back with
** unzip: sheet names, rows, the frozen header, the autofilter's exact
** range, numbers stored as numbers, confidential marks, a sheet split at
** Excel's row limit, and failures that leave no file (and an existing file
** untouched) at the path.
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isms.h"
#include "fixtures.h"
#include "tap.h"

/* ================================================================ helpers */

/* The output of a shell command (unzip), NUL-terminated; NULL on failure. */
static char *run(const char *cmd) {
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t n = 0, cap = 1 << 16;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
    n += got;
    if (cap - n < 2) {
      char *more = realloc(buf, cap *= 2);
      if (!more) free(buf);
      buf = more;
    }
  }
  if (pclose(p) != 0) {
    free(buf);
    return NULL;
  }
  if (buf) buf[n] = '\0';
  return buf;
}

/* One part of an XLSX file, e.g. "xl/workbook.xml". */
static char *part(const char *file, const char *name) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s'", file, name);
  return run(cmd);
}

static char *sheet_xml(const char *file, int k) {
  char name[64];
  snprintf(name, sizeof name, "xl/worksheets/sheet%d.xml", k);
  return part(file, name);
}

static int count(const char *s, const char *needle) {
  int n = 0;
  size_t len = strlen(needle);
  for (const char *p = s ? strstr(s, needle) : NULL; p; p = strstr(p + len, needle)) n++;
  return n;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = calloc(1, 4096);
  if (buf) fread(buf, 1, 4095, f);
  fclose(f);
  return buf;
}

/* Files named like our temporary files left in the test directory. */
static int leftovers(void) {
  DIR *d = opendir(fixture_dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strstr(e->d_name, ".tmp-")) n++;
  if (d) closedir(d);
  return n;
}

static int open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  while (d && readdir(d)) n++;
  if (d) closedir(d);
  return n;
}

static isms_db *open_register(void) {
  isms_db *db;
  if (isms_open(path_of("register.db"), &db)) return NULL;
  if (isms_setting_set(db, "methodology", "qism-fmea", NULL) ||
      isms_setting_set(db, "owner", "CISO & deputy", NULL) ||
      isms_setting_set(db, "scope", "HQ <Vienna>", NULL))
    return NULL;
  return db;
}

/* ============================================================== workbook */

static void test_workbook(isms_db *db) {
  static const char *const t1[] = {"N", "Label", "Half"};
  static const uint8_t k1[] = {ISMS_CELL_NUMBER, ISMS_CELL_TEXT, ISMS_CELL_NUMBER};
  static const uint8_t c1[] = {0, 1, 0};
  static const char *const t2[] = {"Key", "Value"};
  static const char *const t3[] = {"Count", "Note", "Empty"};
  static const uint8_t k3[] = {ISMS_CELL_NUMBER, ISMS_CELL_TEXT, ISMS_CELL_NUMBER};
  static const char *const t4[] = {"Big int", "Text number", "Word", "Null", "Blob"};
  static const uint8_t k4[] = {1, 1, 1, 1, 0};
  char *longtext = malloc(40001);
  memset(longtext, 'w', 40000);
  longtext[40000] = '\0';
  const char *cells[] = {"3", "hot", NULL,  /* row 1 */
                         "0.5", "bad \xff byte", NULL,
                         "007", longtext, "n/a"};
  const char *fills[] = {"#C00000", NULL, "#2E7D32",
                         NULL, "", "#FFEB3B",
                         NULL, NULL, NULL};
  isms_sheet sheets[] = {
      {.name = "Numbers", .ncols = 3, .titles = t1, .kinds = k1, .confidential = c1,
       .query = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n WHERE x < 20)"
                " SELECT x, 'row ' || x, x * 1.5 FROM n"},
      {.name = "Settings", .ncols = 2, .titles = t2,
       .query = "SELECT key, value FROM settings ORDER BY key"},
      {.name = "Heat map", .ncols = 3, .titles = t3, .kinds = k3, .nrows = 3, .cells = cells,
       .fills = fills},
      {.name = "Edge", .ncols = 5, .titles = t4, .kinds = k4,
       .query = "SELECT 9007199254740993, '2.5e1', 'abc', NULL, x'41ff42'"},
  };
  const char *file = path_of("report.xlsx");
  int rc = isms_report_xlsx(db, file, "Risk report \xff", 4, sheets);
  if (!is_int(rc, ISMS_OK, "a workbook of four sheets is written")) {
    diag("%s", isms_errmsg(db));
    free(longtext);
    return;
  }
  is_int(leftovers(), 0, "no temporary file is left beside it");

  char *wb = part(file, "xl/workbook.xml");
  like(wb, "<sheet name=\"Numbers\" sheetId=\"1\"", "sheet 1 is Numbers");
  like(wb, "<sheet name=\"Settings\" sheetId=\"2\"", "sheet 2 is Settings");
  like(wb, "<sheet name=\"Heat map\" sheetId=\"3\"", "sheet 3 is Heat map");
  like(wb, "<sheet name=\"Edge\" sheetId=\"4\"", "sheet 4 is Edge");
  is_int(count(wb, "<sheet "), 4, "and no other sheet");
  like(wb, "Numbers!$A$1:$C$21", "the filter database names the autofilter range");
  free(wb);
  char *core = part(file, "docProps/core.xml");
  like(core, "<dc:title>Risk report \xEF\xBF\xBD</dc:title>",
       "the title is in the properties (repaired like any text)");
  free(core);

  char *s1 = sheet_xml(file, 1);
  is_int(count(s1, "<row "), 21, "query sheet: header and 20 rows");
  like(s1, "state=\"frozen\"", "the header row is frozen");
  like(s1, "ySplit=\"1\"", "below row 1");
  like(s1, "<autoFilter ref=\"A1:C21\"/>", "the autofilter covers the header and every row");
  like(s1, "<c r=\"A2\"><v>1</v></c>", "an integer in a number column is a number");
  like(s1, "<c r=\"C2\"><v>1.5</v></c>", "a float in a number column is a number");
  like(s1, "<c r=\"C21\"><v>30</v></c>", "the last row is there");
  like(s1, "<c r=\"B2\" t=\"inlineStr\"><is><t>row 1</t></is></c>", "texts are texts");
  like(s1, "<t>Label [confidential]</t>", "the confidential column's title is marked");
  like(s1, "<oddHeader>&amp;CCONFIDENTIAL</oddHeader>", "the page header says CONFIDENTIAL");
  like(s1, "<oddFooter>&amp;CCONFIDENTIAL</oddFooter>", "and the page footer too");
  ok(s1 && strstr(s1, "<c r=\"B1\" s=\"2\"") && strstr(s1, "<c r=\"A1\" s=\"1\""),
     "the confidential header cell has its own format");
  like(s1, "<col min=\"2\" max=\"2\" width=", "columns get widths");
  free(s1);

  char *s2 = sheet_xml(file, 2);
  is_int(count(s2, "<row "), 4, "settings sheet: header and three settings");
  like(s2, "<autoFilter ref=\"A1:B4\"/>", "its autofilter ends at its last row");
  like(s2, "<t>CISO &amp; deputy</t>", "texts are escaped");
  ok(s2 && !strstr(s2, "CONFIDENTIAL"), "no confidential column, no CONFIDENTIAL mark");
  ok(s2 && !strstr(s2, "[confidential]"), "and no marked title");
  free(s2);

  char *s3 = sheet_xml(file, 3);
  is_int(count(s3, "<row "), 4, "cells sheet: header and three rows");
  like(s3, "<autoFilter ref=\"A1:C4\"/>", "its autofilter");
  ok(s3 && strstr(s3, "<c r=\"A2\" s=\"") && strstr(s3, "><v>3</v></c>"),
     "a number text in a number column is a filled number");
  like(s3, "<c r=\"A3\"><v>0.5</v></c>", "without a fill no format");
  like(s3, "<c r=\"A4\"><v>7</v></c>", "\"007\" in a number column is the number 7");
  like(s3, "<c r=\"C4\" t=\"inlineStr\"><is><t>n/a</t></is></c>",
       "a word in a number column is text");
  ok(s3 && strstr(s3, "<c r=\"C2\" s=\""), "a fill without a text is a blank coloured cell");
  like(s3, "<t>bad \xEF\xBF\xBD byte</t>", "a bad UTF-8 byte becomes U+FFFD");
  ok(s3 && strstr(s3, "<c r=\"B4\"") && strstr(s3, "wwww</t>"), "a long text is written");
  {
    const char *t = s3 ? strstr(s3, "<c r=\"B4\"") : NULL;
    const char *a = t ? strstr(t, "<t>") : NULL;
    const char *b = a ? strstr(a, "</t>") : NULL;
    is_int(a && b ? b - a - 3 : -1, 32767, "cut to Excel's 32,767 characters");
  }
  free(s3);
  char *styles = part(file, "xl/styles.xml");
  like(styles, "<fgColor rgb=\"FFC00000\"/>", "the fill colours are in the styles");
  like(styles, "<fgColor rgb=\"FF2E7D32\"/>", "each of them");
  like(styles, "<fgColor rgb=\"FFFFEB3B\"/>", "all three");
  free(styles);

  char *s4 = sheet_xml(file, 4);
  like(s4, "<c r=\"A2\" t=\"inlineStr\"><is><t>9007199254740993</t>",
       "an integer beyond 2^53 stays exact as text");
  like(s4, "<c r=\"B2\"><v>25</v></c>", "'2.5e1' in a number column is 25");
  like(s4, "<c r=\"C2\" t=\"inlineStr\"><is><t>abc</t>", "'abc' in a number column is text");
  ok(s4 && !strstr(s4, "r=\"D2\""), "NULL leaves the cell blank");
  like(s4, "<t>A\xEF\xBF\xBD" "B</t>", "a blob with a bad byte is repaired");
  free(s4);

  /* Without a register, sheets of cells still work. */
  isms_sheet only = sheets[2];
  const char *file2 = path_of("cells-only.xlsx");
  is_int(isms_report_xlsx(NULL, file2, NULL, 1, &only), ISMS_OK, "db NULL: a cells sheet");
  ok(exists(file2), "is written");
  free(longtext);
}

/* ============================================================== splitting */

static void test_split(isms_db *db) {
  static const char *const t[] = {"X"};
  static const uint8_t k[] = {ISMS_CELL_NUMBER};
  isms_sheet big = {.name = "Big", .ncols = 1, .titles = t, .kinds = k,
                    .query = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n"
                             " WHERE x < 1048585) SELECT x FROM n"};
  const char *file = path_of("big.xlsx");
  int rc = isms_report_xlsx(db, file, NULL, 1, &big);
  if (!is_int(rc, ISMS_OK, "1,048,585 rows are written")) diag("%s", isms_errmsg(db));
  char *wb = part(file, "xl/workbook.xml");
  like(wb, "<sheet name=\"Big\" sheetId=\"1\"", "in sheet Big");
  like(wb, "<sheet name=\"Big (2)\" sheetId=\"2\"", "and sheet Big (2)");
  is_int(count(wb, "<sheet "), 2, "two sheets");
  free(wb);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "unzip -p '%s' xl/worksheets/sheet1.xml | grep -o '<row ' | wc -l",
           file);
  char *rows = run(cmd);
  is_int(rows ? atol(rows) : -1, 1048576, "the first sheet is full: header + 1,048,575");
  free(rows);
  snprintf(cmd, sizeof cmd, "unzip -p '%s' xl/worksheets/sheet1.xml | tail -c 600", file);
  char *tail = run(cmd);
  like(tail, "<autoFilter ref=\"A1:A1048576\"/>", "its autofilter reaches the last row");
  like(tail, "<c r=\"A1048576\"><v>1048575</v></c></row></sheetData>", "its last row");
  free(tail);
  char *s2 = sheet_xml(file, 2);
  is_int(count(s2, "<row "), 11, "the second: header + 10 rows");
  like(s2, "<c r=\"A1\" s=\"1\" t=\"inlineStr\"><is><t>X</t>", "with the same header");
  like(s2, "<c r=\"A2\"><v>1048576</v></c>", "going on where the first stopped");
  like(s2, "<c r=\"A11\"><v>1048585</v></c>", "up to the last row");
  like(s2, "state=\"frozen\"", "frozen too");
  like(s2, "<autoFilter ref=\"A1:A11\"/>", "with its own autofilter");
  free(s2);
  remove(file);

  /* A long name is cut to fit " (2)"; blank rows of cells count as rows
  ** (and cost nothing to write). */
  size_t n = 1048577;
  const char **cells = calloc(n, sizeof *cells);
  const char **fills = calloc(n, sizeof *fills);
  if (!cells || !fills) {
    free(cells);
    free(fills);
    return;
  }
  cells[n - 1] = "last";
  fills[n - 1] = "#00FF00";
  static const char *const secret[] = {"Secret"};
  static const uint8_t yes[] = {1};
  isms_sheet longname = {.name = "Residual risks of the whole ISM", .ncols = 1,
                         .titles = secret, .confidential = yes, .nrows = n, .cells = cells,
                         .fills = fills};
  file = path_of("long.xlsx");
  rc = isms_report_xlsx(NULL, file, NULL, 1, &longname);
  free(cells);
  free(fills);
  is_int(rc, ISMS_OK, "a cells sheet of 1,048,577 rows is written");
  wb = part(file, "xl/workbook.xml");
  like(wb, "<sheet name=\"Residual risks of the whole ISM\"", "under its 31-character name");
  like(wb, "<sheet name=\"Residual risks of the whole (2)\"", "going on in a cut name");
  free(wb);
  s2 = sheet_xml(file, 2);
  like(s2, "<autoFilter ref=\"A1:A3\"/>", "the rest is two rows");
  like(s2, "<t>last</t>", "holding the last cell");
  like(s2, "<t>Secret [confidential]</t>", "with the confidential header");
  like(s2, "<oddHeader>&amp;CCONFIDENTIAL</oddHeader>", "and the CONFIDENTIAL marks");
  free(s2);
  remove(file);
}

/* ================================================================ errors */

static void test_errors(isms_db *db) {
  static const char *const t2[] = {"Key", "Value"};
  static const char *const t1[] = {"Key"};
  const char *keep = path_of("keep.xlsx");
  const char *none = path_of("none.xlsx");
  write_file(keep, "precious");
  struct {
    const char *why;
    isms_sheet sheet[2];
    int nsheets;
    int code;
    const char *msg;
  } cases[] = {
      {"a query that writes", {{.name = "S", .ncols = 2, .titles = t2,
                                .query = "DELETE FROM settings RETURNING key, value"}},
       1, ISMS_MISUSE, "read-only"},
      {"a plain DELETE", {{.name = "S", .ncols = 1, .titles = t1,
                           .query = "DELETE FROM settings"}},
       1, ISMS_MISUSE, "read-only"},
      {"a second statement", {{.name = "S", .ncols = 1, .titles = t1,
                               .query = "SELECT 1; DELETE FROM settings"}},
       1, ISMS_MISUSE, "one statement"},
      {"another number of columns", {{.name = "S", .ncols = 1, .titles = t1,
                                      .query = "SELECT key, value FROM settings"}},
       1, ISMS_MISUSE, "2 columns, the sheet 1"},
      {"a name with a slash", {{.name = "A/B", .ncols = 1, .titles = t1}}, 1, ISMS_MISUSE,
       "[]:*?/\\"},
      {"a name of 32 characters", {{.name = "abcdefghijklmnopqrstuvwxyz012345", .ncols = 1,
                                    .titles = t1}},
       1, ISMS_MISUSE, "longer than 31"},
      {"a name in apostrophes", {{.name = "'S'", .ncols = 1, .titles = t1}}, 1, ISMS_MISUSE,
       "apostrophe"},
      {"an empty name", {{.name = "", .ncols = 1, .titles = t1}}, 1, ISMS_MISUSE, "no name"},
      {"Excel's reserved name", {{.name = "history", .ncols = 1, .titles = t1}}, 1,
       ISMS_MISUSE, "reserved"},
      {"a name used twice", {{.name = "Data", .ncols = 1, .titles = t1},
                             {.name = "DATA", .ncols = 1, .titles = t1}},
       2, ISMS_MISUSE, "used twice"},
      {"no columns", {{.name = "S", .ncols = 0, .titles = t1}}, 1, ISMS_MISUSE, "columns"},
      {"no titles", {{.name = "S", .ncols = 1}}, 1, ISMS_MISUSE, "titles"},
      {"rows without cells", {{.name = "S", .ncols = 1, .titles = t1, .nrows = 2}}, 1,
       ISMS_MISUSE, "no cells"},
      {"a fill that is no colour", {{.name = "S", .ncols = 1, .titles = t1, .nrows = 1,
                                     .cells = (const char *const[]){"x"},
                                     .fills = (const char *const[]){"red"}}},
       1, ISMS_MISUSE, "#RRGGBB"},
      {"a query that does not compile", {{.name = "S", .ncols = 1, .titles = t1,
                                          .query = "SELECT missing FROM nowhere"}},
       1, ISMS_STORAGE, "nowhere"},
      /* The second sheet fails while stepping, after the first was written. */
      {"a query that fails on the way", {{.name = "Fine", .ncols = 2, .titles = t2,
                                          .query = "SELECT key, value FROM settings"},
                                         {.name = "Fails", .ncols = 1, .titles = t1,
                                          .query = "SELECT abs(-9223372036854775807 - 1)"}},
       2, ISMS_STORAGE, "integer overflow"},
  };
  int fds = open_fds();
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    int rc = isms_report_xlsx(db, none, NULL, cases[k].nsheets, cases[k].sheet);
    is_int(rc, cases[k].code, "%s: refused", cases[k].why);
    like(isms_errmsg(db), cases[k].msg, "%s: says why", cases[k].why);
    ok(!exists(none), "%s: no file at the path", cases[k].why);
    rc = isms_report_xlsx(db, keep, NULL, cases[k].nsheets, cases[k].sheet);
    is_int(rc, cases[k].code, "%s: refused over a file", cases[k].why);
    char *text = slurp(keep);
    is_str(text, "precious", "%s: the file is as it was", cases[k].why);
    free(text);
  }
  is_int(open_fds(), fds, "failures leave no file open");
  is_int(leftovers(), 0, "failures leave no temporary file");
  char value[64];
  is_int(isms_setting_get(db, "owner", value, sizeof value), ISMS_OK,
         "the settings are still there");
  is_str(value, "CISO & deputy", "unchanged");

  isms_sheet fine = {.name = "S", .ncols = 1, .titles = t1, .query = "SELECT 1"};
  int rc = isms_report_xlsx(db, path_of("no-such-dir/x.xlsx"), NULL, 1, &fine);
  is_int(rc, ISMS_IO, "a path in a missing directory: ISMS_IO");
  like(isms_errmsg(db), "No such file or directory", "says why");
  ok(!exists(path_of("no-such-dir")), "and creates nothing");
  is_int(isms_report_xlsx(NULL, none, NULL, 1, &fine), ISMS_MISUSE,
         "a query without a register: ISMS_MISUSE");
  is_int(isms_report_xlsx(db, none, NULL, 0, &fine), ISMS_MISUSE, "no sheets: ISMS_MISUSE");
  is_int(isms_report_xlsx(db, NULL, NULL, 1, &fine), ISMS_MISUSE, "no path: ISMS_MISUSE");
  ok(!exists(none), "none of them leaves a file");

  /* Success replaces an existing file. */
  is_int(isms_report_xlsx(db, keep, NULL, 1, &fine), ISMS_OK, "a good report over a file");
  char *wb = part(keep, "xl/workbook.xml");
  like(wb, "<sheet name=\"S\"", "replaces it");
  free(wb);
}

int main(void) {
  if (!mkdtemp(fixture_dir)) return 1;
  isms_db *db = open_register();
  ok(db != NULL, "a register with settings");
  if (db) {
    test_workbook(db);
    test_errors(db);
    test_split(db);
  }
  isms_close(db);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", fixture_dir);
  if (system(cmd) != 0) diag("could not remove %s", fixture_dir);
  return done_testing();
}
