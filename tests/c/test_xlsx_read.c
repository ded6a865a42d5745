/*
** test_xlsx_read.c -- reading one worksheet of an .xlsx (isms_xlsx_sheet_json).
**
** Workbooks come from libxlsxwriter (shared strings, inline strings in its
** constant-memory mode, rich text, dates in built-in and custom formats,
** booleans, formulas), from parts written here by hand into a zip with
** minizip (phonetic runs, the 1904 date system, error values, namespace
** prefixes, chart sheets, broken and hostile XML, limits), and from the
** hostile files of tests/fixtures/xlsx/.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <minizip/zip.h>
#include <xlsxwriter.h>
#include <zlib.h>

#include "isms.h"
#include "tap.h"

static char dir[64];

static const char *tmp(const char *name) {
  static char path[8][256];
  static int k;
  k = (k + 1) % 8;
  snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
  return path[k];
}

/* Reads a sheet; returns the code, and the JSON or the message in *out
** (a static copy, so tests can compare it). */
static int read_sheet(const char *path, const char *sheet, const char **out) {
  static char *last;
  free(last);
  last = NULL;
  char *json = NULL, *err = NULL;
  int rc = isms_xlsx_sheet_json(path, sheet, &json, &err);
  last = strdup(rc ? (err ? err : "(no message)") : (json ? json : "(no json)"));
  isms_free(json);
  isms_free(err);
  *out = last;
  return rc;
}

/* ====================================================== hand-made zips */

/* Writes a zip of parts: name, content, name, content, ..., NULL. */
static void zip_parts(const char *path, const char *const *kv) {
  zipFile z = zipOpen64(path, 0);
  for (int k = 0; z && kv[k]; k += 2) {
    zip_fileinfo info;
    memset(&info, 0, sizeof info);
    zipOpenNewFileInZip64(z, kv[k], &info, NULL, 0, NULL, 0, NULL, Z_DEFLATED, 6, 1);
    zipWriteInFileInZip(z, kv[k + 1], (unsigned)strlen(kv[k + 1]));
    zipCloseFileInZip(z);
  }
  if (z) zipClose(z, NULL);
}

#define MAIN_NS "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define REL_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define PKG_NS "http://schemas.openxmlformats.org/package/2006/relationships"

static const char *ROOT_RELS =
    "<?xml version=\"1.0\"?><Relationships xmlns=\"" PKG_NS "\"><Relationship Id=\"rId1\" "
    "Type=\"" REL_NS "/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";

static const char *WB_RELS =
    "<?xml version=\"1.0\"?><Relationships xmlns=\"" PKG_NS "\">"
    "<Relationship Id=\"rId1\" Type=\"" REL_NS "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" REL_NS "/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" REL_NS "/styles\" Target=\"/xl/styles.xml\"/>"
    "</Relationships>";

static const char *WORKBOOK =
    "<?xml version=\"1.0\"?><workbook xmlns=\"" MAIN_NS "\" xmlns:r=\"" REL_NS "\">"
    "<sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";

static const char *WORKBOOK_1904 =
    "<?xml version=\"1.0\"?><workbook xmlns=\"" MAIN_NS "\" xmlns:r=\"" REL_NS "\">"
    "<workbookPr date1904=\"1\"/>"
    "<sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";

/* Styles: xf 0 general, 1 built-in date (14), 2 custom date, 3 custom
** number with a quoted "d", 4 time (built-in 20), 5 [Red] number. */
static const char *STYLES =
    "<?xml version=\"1.0\"?><styleSheet xmlns=\"" MAIN_NS "\">"
    "<numFmts count=\"3\"><numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy\\ hh:mm\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"0 &quot;days&quot;\"/>"
    "<numFmt numFmtId=\"166\" formatCode=\"[Red]0.00;[Blue]\\-0.00\"/></numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs count=\"6\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>"
    "<xf numFmtId=\"165\"/><xf numFmtId=\"20\"/><xf numFmtId=\"166\"/></cellXfs></styleSheet>";

static const char *EMPTY_SST = "<?xml version=\"1.0\"?><sst xmlns=\"" MAIN_NS "\"/>";

/* A workbook of one sheet "Sheet1" with the given sheet data (rows). */
static void book(const char *path, const char *workbook, const char *rows, const char *sst) {
  size_t n = strlen(rows) + 256;
  char *sheet = malloc(n);
  snprintf(sheet, n, "<?xml version=\"1.0\"?><worksheet xmlns=\"" MAIN_NS "\"><sheetData>%s"
           "</sheetData></worksheet>", rows);
  const char *kv[] = {"_rels/.rels", ROOT_RELS, "xl/workbook.xml", workbook ? workbook : WORKBOOK,
                      "xl/_rels/workbook.xml.rels", WB_RELS, "xl/worksheets/sheet1.xml", sheet,
                      "xl/sharedStrings.xml", sst ? sst : EMPTY_SST, "xl/styles.xml", STYLES,
                      NULL};
  zip_parts(path, kv);
  free(sheet);
}

/* Reads the one sheet of a book built from rows. */
static int rows_read(const char *rows, const char *sst, const char **out) {
  const char *p = tmp("rows.xlsx");
  book(p, NULL, rows, sst);
  return read_sheet(p, NULL, out);
}

/* ====================================================== libxlsxwriter */

static void test_written_by_libxlsxwriter(int constant_memory) {
  const char *p = tmp(constant_memory ? "lxw-cm.xlsx" : "lxw.xlsx");
  lxw_workbook_options opt = {.constant_memory = (uint8_t)constant_memory, .tmpdir = dir};
  lxw_workbook *wb = workbook_new_opt(p, &opt);
  lxw_worksheet *ws = workbook_add_worksheet(wb, "Inventory");
  lxw_worksheet *notes = workbook_add_worksheet(wb, "Notes");
  lxw_format *bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_format *dmy = workbook_add_format(wb);
  format_set_num_format(dmy, "dd/mm/yyyy");
  lxw_format *stamp = workbook_add_format(wb);
  format_set_num_format(stamp, "yyyy-mm-dd hh:mm:ss");
  lxw_format *builtin = workbook_add_format(wb);
  format_set_num_format_index(builtin, 14);
  lxw_format *money = workbook_add_format(wb);
  format_set_num_format(money, "#,##0.00 \"d\"");

  worksheet_write_string(ws, 0, 0, "id", bold);
  worksheet_write_string(ws, 0, 1, "name", bold);
  worksheet_write_string(ws, 0, 2, "when", bold);
  worksheet_write_string(ws, 1, 0, "A-1", NULL);
  if (!constant_memory) {
    lxw_rich_string_tuple a = {.format = NULL, .string = "Server "};
    lxw_rich_string_tuple b = {.format = bold, .string = "room"};
    lxw_rich_string_tuple *runs[] = {&a, &b, NULL};
    worksheet_write_rich_string(ws, 1, 1, runs, NULL);
  } else {
    worksheet_write_string(ws, 1, 1, "Server room", NULL);
  }
  lxw_datetime d = {2024, 3, 5, 0, 0, 0};
  worksheet_write_datetime(ws, 1, 2, &d, dmy);
  lxw_datetime t = {2024, 3, 5, 14, 30, 15};
  worksheet_write_datetime(ws, 1, 3, &t, stamp);
  worksheet_write_boolean(ws, 1, 4, 1, NULL);
  worksheet_write_boolean(ws, 1, 5, 0, NULL);
  worksheet_write_number(ws, 1, 6, 3, NULL);
  worksheet_write_number(ws, 1, 7, 2.5, money);
  /* row 3 is left empty: it is not in the output */
  lxw_datetime y2k = {1999, 12, 31, 0, 0, 0};
  worksheet_write_datetime(ws, 3, 0, &y2k, builtin);
  worksheet_write_blank(ws, 3, 1, bold);
  worksheet_write_formula_str(ws, 3, 2, "=\"A\"&\"B\"", NULL, "AB");
  worksheet_write_string(ws, 3, 3, "say \"hi\"\\\nZ\xC3\xBCrich \xE2\x82\xAC", NULL);
  worksheet_write_string(notes, 0, 0, "free text", NULL);
  is_int(workbook_close(wb), LXW_NO_ERROR, "libxlsxwriter wrote %s", p);

  const char *out;
  is_int(read_sheet(p, NULL, &out), ISMS_OK, "%s: the first sheet reads",
         constant_memory ? "inline strings" : "shared strings");
  is_str(out,
         "{\"sheet\":\"Inventory\",\"sheets\":[\"Inventory\",\"Notes\"],\"rows\":["
         "{\"r\":1,\"cells\":[[\"A1\",\"id\"],[\"B1\",\"name\"],[\"C1\",\"when\"]]},"
         "{\"r\":2,\"cells\":[[\"A2\",\"A-1\"],[\"B2\",\"Server room\"],[\"C2\",\"2024-03-05\"],"
         "[\"D2\",\"2024-03-05T14:30:15\"],[\"E2\",\"TRUE\"],[\"F2\",\"FALSE\"],[\"G2\",\"3\"],"
         "[\"H2\",\"2.5\"]]},"
         "{\"r\":4,\"cells\":[[\"A4\",\"1999-12-31\"],[\"C4\",\"AB\"],"
         "[\"D4\",\"say \\\"hi\\\"\\\\\\nZ\xC3\xBCrich \xE2\x82\xAC\"]]}]}",
         "%s: texts, rich text joined, dates in custom and built-in formats, a date-time, "
         "booleans, numbers (a quoted d is no date), a formula's value, escapes; blank "
         "cells and rows left out", constant_memory ? "inline strings" : "shared strings");
  is_int(read_sheet(p, "Notes", &out), ISMS_OK, "a sheet by name");
  like(out, "\"sheet\":\"Notes\"", "the sheet named is read");
  like(out, "[\"A1\",\"free text\"]", "its cells");
  is_int(read_sheet(p, "notes", &out), ISMS_OK, "a sheet name ignoring case, as Excel does");
  is_int(read_sheet(p, "Risks", &out), ISMS_INPUT, "an unknown sheet is refused");
  like(out, "no sheet 'Risks' in the workbook; its sheets: Inventory, Notes",
       "the message lists the sheets");
  like(out, p, "and names the file");
}

/* ======================================================== by hand */

static void test_strings_and_types(void) {
  const char *out;
  const char *sst =
      "<?xml version=\"1.0\"?><sst xmlns=\"" MAIN_NS "\" count=\"2\" uniqueCount=\"2\">"
      "<si><t>plain</t></si>"
      "<si><r><rPr><b/></rPr><t>Tok</t></r><r><t xml:space=\"preserve\">yo </t></r>"
      "<rPh sb=\"0\" eb=\"1\"><t>\xE3\x83\x88\xE3\x82\xA6</t></rPh></si></sst>";
  is_int(rows_read("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
                   "<c t=\"inlineStr\"><is><r><t>in</t></r><r><t>line</t></r>"
                   "<rPh><t>x</t></rPh></is></c>"
                   "<c r=\"E1\" t=\"b\"><v>1</v></c><c r=\"F1\" t=\"str\"><f>A1</f><v>s</v></c>"
                   "<c r=\"G1\"><f>1+1</f></c><c r=\"H1\" t=\"d\"><v>2024-01-02</v></c></row>",
                   sst, &out),
         ISMS_OK, "shared, rich, inline strings, booleans, formulas");
  like(out, "[[\"A1\",\"plain\"],[\"B1\",\"Tokyo \"],[\"C1\",\"inline\"],[\"E1\",\"TRUE\"],"
       "[\"F1\",\"s\"],[\"H1\",\"2024-01-02\"]]",
       "runs joined, phonetic runs left out, a cell without r is the next column, a "
       "formula not computed is blank, an ISO date cell as written");

  is_int(rows_read("<row r=\"3\"><c r=\"A3\" t=\"s\"><v>2</v></c></row>", sst, &out), ISMS_INPUT,
         "a shared string that is not there is refused");
  like(out, ":Sheet1!A3: refers to shared string 2; the workbook has 2", "naming the cell");
  is_int(rows_read("<row r=\"7\"><c r=\"C7\" t=\"e\"><v>#N/A</v></c></row>", NULL, &out),
         ISMS_INPUT, "an error value is refused");
  like(out, "rows.xlsx:Sheet1!C7: the cell holds the error #N/A", "naming the file and cell");
  is_int(rows_read("<row r=\"2\"><c r=\"B2\" t=\"b\"><v>yes</v></c></row>", NULL, &out),
         ISMS_INPUT, "a boolean that is not 0 or 1 is refused");
  is_int(rows_read("<row r=\"2\"><c r=\"B2\"><v>12abc</v></c></row>", NULL, &out), ISMS_INPUT,
         "a number that is not one is refused");
  like(out, "Sheet1!B2: '12abc' is not a number", "with the cell");
  is_int(rows_read("<row r=\"2\"><c r=\"B2\" t=\"q\"><v>1</v></c></row>", NULL, &out),
         ISMS_INPUT, "an unknown cell type is refused");
}

static void test_dates(void) {
  const char *out;
  is_int(rows_read("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>1</v></c><c r=\"B1\" s=\"1\"><v>59</v></c>"
                   "<c r=\"C1\" s=\"1\"><v>60</v></c><c r=\"D1\" s=\"1\"><v>61</v></c>"
                   "<c r=\"E1\" s=\"2\"><v>45356.5</v></c><c r=\"F1\" s=\"4\"><v>0.75</v></c>"
                   "<c r=\"G1\" s=\"3\"><v>7</v></c><c r=\"H1\" s=\"5\"><v>-1.5</v></c>"
                   "<c r=\"I1\" s=\"2\"><v>2958465.99999</v></c>"
                   "<c r=\"J1\" s=\"1\"><v>4.5356E4</v></c><c r=\"K1\" s=\"9\"><v>5</v></c></row>",
                   NULL, &out),
         ISMS_OK, "numbers in date formats");
  like(out, "[[\"A1\",\"1900-01-01\"],[\"B1\",\"1900-02-28\"],[\"C1\",\"1900-02-29\"],"
       "[\"D1\",\"1900-03-01\"],[\"E1\",\"2024-03-05T12:00:00\"],[\"F1\",\"18:00:00\"],"
       "[\"G1\",\"7\"],[\"H1\",\"-1.5\"],[\"I1\",\"9999-12-31T23:59:59\"],"
       "[\"J1\",\"2024-03-05\"],[\"K1\",\"5\"]]",
       "the 1900 system with its 29 February, a date-time, a time alone, formats with a "
       "quoted d or [colours] are numbers, an unknown style is no date");
  is_int(rows_read("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>-3</v></c></row>", NULL, &out), ISMS_INPUT,
         "a negative number in a date format is refused");
  like(out, "Sheet1!A1: -3 is in a date format but no date", "naming the cell");

  const char *p = tmp("1904.xlsx");
  book(p, WORKBOOK_1904, "<row r=\"1\"><c r=\"A1\" s=\"1\"><v>0</v></c>"
       "<c r=\"B1\" s=\"1\"><v>43894</v></c></row>", NULL);
  is_int(read_sheet(p, NULL, &out), ISMS_OK, "a workbook in the 1904 date system");
  like(out, "[[\"A1\",\"1904-01-01\"],[\"B1\",\"2024-03-05\"]]", "counts days from 1904-01-01");
}

static void test_structure(void) {
  const char *out;
  /* Namespace prefixes, as some writers use. */
  const char *p = tmp("prefixed.xlsx");
  const char *kv[] = {
      "_rels/.rels", ROOT_RELS,
      "xl/workbook.xml",
      "<x:workbook xmlns:x=\"" MAIN_NS "\" xmlns:rel=\"" REL_NS "\"><x:sheets>"
      "<x:sheet name=\"Chart\" sheetId=\"2\" rel:id=\"rId9\"/>"
      "<x:sheet name=\"Data\" sheetId=\"1\" rel:id=\"rId1\"/></x:sheets></x:workbook>",
      "xl/_rels/workbook.xml.rels",
      "<Relationships xmlns=\"" PKG_NS "\">"
      "<Relationship Id=\"rId9\" Type=\"" REL_NS "/chartsheet\" Target=\"chartsheets/c.xml\"/>"
      "<Relationship Id=\"rId1\" Type=\"" REL_NS "/worksheet\" Target=\"./worksheets/../worksheets/s.xml\"/>"
      "<Relationship Id=\"rId5\" Type=\"" REL_NS "/hyperlink\" Target=\"http://x\" TargetMode=\"External\"/>"
      "</Relationships>",
      "xl/worksheets/s.xml",
      "<x:worksheet xmlns:x=\"" MAIN_NS "\"><x:sheetData><x:row r=\"2\"><x:c r=\"B2\" t=\"inlineStr\">"
      "<x:is><x:t>prefixed</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>",
      NULL};
  zip_parts(p, kv);
  is_int(read_sheet(p, NULL, &out), ISMS_OK, "prefixed elements; the first worksheet after a chart sheet");
  is_str(out, "{\"sheet\":\"Data\",\"sheets\":[\"Chart\",\"Data\"],\"rows\":[{\"r\":2,\"cells\":"
         "[[\"B2\",\"prefixed\"]]}]}", "a relative target with . and .. resolves");
  is_int(read_sheet(p, "Chart", &out), ISMS_INPUT, "a chart sheet asked for is refused");
  like(out, "sheet 'Chart' is not a worksheet", "saying why");

  /* A part in UTF-16 (little-endian, with its byte order mark). */
  {
    const char *wb16 =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><workbook xmlns=\"" MAIN_NS "\" xmlns:r=\""
        REL_NS "\"><sheets><sheet name=\"Z\xC3\xBCrich\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
        "</workbook>";
    /* UTF-8 to UTF-16LE for this text: ASCII and one two-byte letter. */
    size_t n = strlen(wb16);
    char *u16 = malloc(2 * n + 2);
    size_t m = 0;
    u16[m++] = (char)0xFF, u16[m++] = (char)0xFE;
    for (size_t k = 0; k < n; k++) {
      unsigned cp = (unsigned char)wb16[k];
      if (cp == 0xC3) cp = 0xC0 | ((unsigned char)wb16[++k] & 0x3F);
      u16[m++] = (char)(cp & 0xFF), u16[m++] = (char)(cp >> 8);
    }
    const char *sheet = "<worksheet xmlns=\"" MAIN_NS "\"><sheetData><row r=\"1\"><c r=\"A1\" "
                        "t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData></worksheet>";
    p = tmp("utf16.xlsx");
    zipFile z = zipOpen64(p, 0);
    const char *names[] = {"_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                           "xl/worksheets/sheet1.xml"};
    const char *rels = "<Relationships xmlns=\"" PKG_NS "\"><Relationship Id=\"rId1\" Type=\""
                       REL_NS "/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>";
    const char *texts[] = {ROOT_RELS, u16, rels, sheet};
    size_t lens[] = {strlen(ROOT_RELS), m, strlen(rels), strlen(sheet)};
    for (int k = 0; k < 4; k++) {
      zip_fileinfo info;
      memset(&info, 0, sizeof info);
      zipOpenNewFileInZip64(z, names[k], &info, NULL, 0, NULL, 0, NULL, Z_DEFLATED, 6, 0);
      zipWriteInFileInZip(z, texts[k], (unsigned)lens[k]);
      zipCloseFileInZip(z);
    }
    zipClose(z, NULL);
    free(u16);
    is_int(read_sheet(p, NULL, &out), ISMS_OK, "a workbook part in UTF-16 is read");
    is_str(out, "{\"sheet\":\"Z\xC3\xBCrich\",\"sheets\":[\"Z\xC3\xBCrich\"],\"rows\":[{\"r\":1,"
           "\"cells\":[[\"A1\",\"x\"]]}]}", "its names come out as UTF-8");
  }

  is_int(rows_read("<row r=\"5\"><c r=\"A5\"><v>1</v></c></row><row r=\"3\"/>", NULL, &out),
         ISMS_INPUT, "rows out of order are refused");
  like(out, "xl/worksheets/sheet1.xml:1:", "with the part, line and column");
  like(out, "row 3 comes after row 5", "and why");
  is_int(rows_read("<row r=\"5\"><c r=\"B5\"><v>1</v></c><c r=\"A5\"><v>1</v></c></row>", NULL,
                   &out), ISMS_INPUT, "cells out of order are refused");
  is_int(rows_read("<row r=\"5\"><c r=\"A6\"><v>1</v></c></row>", NULL, &out), ISMS_INPUT,
         "a cell of another row is refused");
  is_int(rows_read("<row r=\"5\"><c r=\"ZZZZ5\"><v>1</v></c></row>", NULL, &out), ISMS_INPUT,
         "a column past XFD is refused");
  like(out, "'ZZZZ5' is not a cell reference", "saying so");
  is_int(rows_read("<row r=\"1\"><c r=\"XFD1\"><v>1</v></c></row>", NULL, &out), ISMS_OK,
         "the last column XFD reads");
  like(out, "[\"XFD1\",\"1\"]", "named XFD");

  /* Missing and wrong parts. */
  p = tmp("nowb.xlsx");
  const char *only[] = {"readme.txt", "hello", NULL};
  zip_parts(p, only);
  is_int(read_sheet(p, NULL, &out), ISMS_INPUT, "a zip without a workbook is refused");
  like(out, "the part xl/workbook.xml is missing", "naming the part");
  p = tmp("docx.xlsx");
  const char *docx[] = {"_rels/.rels",
                        "<Relationships xmlns=\"" PKG_NS "\"><Relationship Id=\"rId1\" Type=\""
                        REL_NS "/officeDocument\" Target=\"word/document.xml\"/></Relationships>",
                        "word/document.xml", "<w:document xmlns:w=\"urn:w\"/>", NULL};
  zip_parts(p, docx);
  is_int(read_sheet(p, NULL, &out), ISMS_INPUT, "a Word document is refused");
  like(out, "word/document.xml:1:", "naming the part and place");
  like(out, "expected <workbook>, found <document>", "and what it found");
  p = tmp("nosheet.xlsx");
  const char *nosheet[] = {"_rels/.rels", ROOT_RELS, "xl/workbook.xml", WORKBOOK,
                           "xl/_rels/workbook.xml.rels", WB_RELS, "xl/styles.xml", STYLES,
                           "xl/sharedStrings.xml", EMPTY_SST, NULL};
  zip_parts(p, nosheet);
  is_int(read_sheet(p, NULL, &out), ISMS_INPUT, "a sheet whose part is missing is refused");
  like(out, "the part xl/worksheets/sheet1.xml is missing", "naming the part");
}

static void test_hostile(void) {
  const char *out;
  is_int(rows_read("<row r=\"1\"><c r=\"A1\"><v>1</v></row>", NULL, &out), ISMS_INPUT,
         "malformed XML is refused");
  like(out, "rows.xlsx: xl/worksheets/sheet1.xml:1:", "with the part and expat's line:column");
  like(out, "malformed XML: mismatched tag", "and expat's reason");

  const char *p = tmp("dtd.xlsx");
  const char *dtd[] = {"_rels/.rels", ROOT_RELS, "xl/workbook.xml",
                       "<?xml version=\"1.0\"?><!DOCTYPE workbook [<!ENTITY x \"y\">]>"
                       "<workbook xmlns=\"" MAIN_NS "\"><sheets/></workbook>",
                       NULL};
  zip_parts(p, dtd);
  is_int(read_sheet(p, NULL, &out), ISMS_INPUT, "a document type declaration is refused");
  like(out, "xl/workbook.xml:1:", "in the part that has it");
  like(out, "document type declaration", "saying what");

  /* A sheet of more than 2,000,000 rows (empty ones count: they cost the
  ** parse the same). */
  size_t rows = 2000001, n = rows * 6 + 1;
  char *many = malloc(n);
  for (size_t k = 0; k < rows; k++) memcpy(many + 6 * k, "<row/>", 6);
  many[n - 1] = 0;
  is_int(rows_read(many, NULL, &out), ISMS_INPUT, "more than 2M rows are refused");
  like(out, "sheet 'Sheet1' has more than 2000000 rows", "saying so");
  free(many);

  /* An entry whose directory says it expands past 256 MiB: refused before
  ** a byte is inflated (minizip never gives more than the size it says). */
  const unsigned char raw[] = {0x03, 0x00};  /* an empty deflate stream */
  zip_fileinfo info;
  memset(&info, 0, sizeof info);
  const char *kv[] = {"_rels/.rels", ROOT_RELS, "xl/workbook.xml", WORKBOOK,
                      "xl/_rels/workbook.xml.rels",
                      "<Relationships xmlns=\"" PKG_NS "\"><Relationship Id=\"rId1\" Type=\""
                      REL_NS "/worksheet\" Target=\"worksheets/sheet1.xml.big\"/></Relationships>",
                      NULL};
  const char *p2 = tmp("huge2.xlsx");
  zip_parts(p2, kv);
  zipFile z = zipOpen64(p2, APPEND_STATUS_ADDINZIP);
  ok(z != NULL, "the zip opens to add an entry");
  zipOpenNewFileInZip2(z, "xl/worksheets/sheet1.xml.big", &info, NULL, 0, NULL, 0, NULL,
                       Z_DEFLATED, 6, 1);
  zipWriteInFileInZip(z, raw, sizeof raw);
  zipCloseFileInZipRaw64(z, (ZPOS64_T)300 << 20, 0);
  zipClose(z, NULL);
  is_int(read_sheet(p2, NULL, &out), ISMS_INPUT, "a part over 256 MiB is refused");
  like(out, "xl/worksheets/sheet1.xml.big expands to 300 MiB, more than the 256 MiB",
       "naming the part and its size");

  /* The committed hostile files. */
  const char *fx = "tests/fixtures/xlsx/";
  char path[256];
  snprintf(path, sizeof path, "%snot-a-zip.xlsx", fx);
  is_int(read_sheet(path, NULL, &out), ISMS_INPUT, "a CSV named .xlsx is refused");
  like(out, "not-a-zip.xlsx: not an XLSX file (not a zip archive)", "saying so");
  snprintf(path, sizeof path, "%struncated.xlsx", fx);
  is_int(read_sheet(path, NULL, &out), ISMS_INPUT, "a truncated workbook is refused");
  like(out, "damaged or truncated", "saying so");
  snprintf(path, sizeof path, "%sbomb.xlsx", fx);
  is_int(read_sheet(path, NULL, &out), ISMS_INPUT, "an entity bomb is refused");
  like(out, "xl/worksheets/sheet1.xml:1:", "at its declaration");
  like(out, "document type declaration", "before anything expands");
  snprintf(path, sizeof path, "%sencrypted.xlsx", fx);
  is_int(read_sheet(path, NULL, &out), ISMS_INPUT, "a password-protected workbook is refused");
  like(out, "password-protected workbook or an old .xls", "saying what it may be");

  /* Files that are not there, or not files. */
  is_int(read_sheet(tmp("none.xlsx"), NULL, &out), ISMS_IO, "a missing file is an I/O error");
  like(out, "cannot open", "saying so");
  is_int(read_sheet(dir, NULL, &out), ISMS_IO, "a directory is refused");
  like(out, "is a directory", "saying so");
  p = tmp("empty.xlsx");
  fclose(fopen(p, "w"));
  is_int(read_sheet(p, NULL, &out), ISMS_INPUT, "an empty file is refused");
  like(out, "not a zip archive): it is empty", "saying so");

  char *json = (char *)"x", *err = (char *)"x";
  is_int(isms_xlsx_sheet_json(NULL, NULL, &json, &err), ISMS_MISUSE, "no path is misuse");
  ok(json == NULL && err == NULL, "and both outputs are cleared");
}


/* ===================================================== asset import */

static void test_asset_import(void) {
  const char *p = tmp("inventory.xlsx");
  lxw_workbook *wb = workbook_new(p);
  lxw_worksheet *ws = workbook_add_worksheet(wb, "Assets");
  const char *head[] = {"id", "name", "type", "outsourced", "units", "group", "c", "i", "a"};
  for (int c = 0; c < 9; c++) worksheet_write_string(ws, 2, (lxw_col_t)(c + 1), head[c], NULL);
  worksheet_write_string(ws, 0, 0, "Inventory of 2026 (a title row above the table)", NULL);
  worksheet_write_string(ws, 3, 1, "AST-1", NULL);
  worksheet_write_string(ws, 3, 2, "Mail server", NULL);
  worksheet_write_string(ws, 3, 3, "software", NULL);
  worksheet_write_boolean(ws, 3, 4, 1, NULL);
  worksheet_write_number(ws, 3, 5, 1, NULL);
  worksheet_write_boolean(ws, 3, 6, 0, NULL);
  for (int c = 7; c <= 9; c++) worksheet_write_number(ws, 3, (lxw_col_t)c, 2, NULL);
  worksheet_write_string(ws, 4, 1, "AST-2", NULL);
  worksheet_write_string(ws, 4, 2, "Laptops", NULL);
  worksheet_write_string(ws, 4, 3, "physical", NULL);
  worksheet_write_number(ws, 4, 5, 30, NULL);
  worksheet_write_boolean(ws, 4, 6, 1, NULL);
  is_int(workbook_close(wb), LXW_NO_ERROR, "libxlsxwriter wrote an inventory");

  isms_db *db = NULL;
  is_int(isms_open(tmp("reg.db"), &db), ISMS_OK, "a register opens");
  isms_import_report rep;
  /* The title row above is the first row with a value: its one cell is
  ** the header, which is refused. */
  is_int(isms_import_assets_xlsx(db, p, NULL, NULL, NULL, &rep), ISMS_INPUT,
         "a title row above the table is taken for the header, and refused");
  like(isms_errmsg(db), "inventory.xlsx:Assets!A1: unknown column 'Inventory of 2026",
       "naming the cell");
  is_int(isms_import_assets_xlsx(db, p, "Nope", NULL, NULL, &rep), ISMS_INPUT,
         "an unknown sheet is refused");
  like(isms_errmsg(db), "no sheet 'Nope' in the workbook; its sheets: Assets", "listing them");
  is_int(isms_import_assets_xlsx(db, tmp("none.xlsx"), NULL, NULL, NULL, &rep), ISMS_IO,
         "a missing file is an I/O error");

  /* Without the title row: booleans as yes/no, numbers as tier numbers. */
  wb = workbook_new(p);
  ws = workbook_add_worksheet(wb, "Assets");
  for (int c = 0; c < 9; c++) worksheet_write_string(ws, 2, (lxw_col_t)(c + 1), head[c], NULL);
  worksheet_write_string(ws, 3, 1, "AST-1", NULL);
  worksheet_write_string(ws, 3, 2, "Mail server", NULL);
  worksheet_write_string(ws, 3, 3, "software", NULL);
  worksheet_write_boolean(ws, 3, 4, 1, NULL);
  worksheet_write_number(ws, 3, 5, 1, NULL);
  worksheet_write_boolean(ws, 3, 6, 0, NULL);
  for (int c = 7; c <= 9; c++) worksheet_write_number(ws, 3, (lxw_col_t)c, 2, NULL);
  worksheet_write_string(ws, 4, 1, "AST-2", NULL);
  worksheet_write_string(ws, 4, 2, "Laptops", NULL);
  worksheet_write_string(ws, 4, 3, "physical", NULL);
  worksheet_write_number(ws, 4, 5, 30, NULL);
  worksheet_write_boolean(ws, 4, 6, 1, NULL);
  workbook_close(wb);
  isms_import_opts opts = {.reason = "from a workbook", .threads = 1};
  int rc = isms_import_assets_xlsx(db, p, "assets", NULL, &opts, &rep);
  if (!is_int(rc, ISMS_OK, "the inventory imports")) diag("%s", isms_errmsg(db));
  is_int(rep.created, 2, "two assets");
  isms_cursor *cur = NULL;
  const char *sql = "SELECT id || ' ' || outsourced || ' ' || units || ' ' || is_group || ' ' || "
                    "coalesce(c, '-') FROM assets ORDER BY id";
  isms_cursor_query(db, sql, 0, NULL, &cur);
  isms_cursor_next(cur);
  is_str(isms_cursor_text(cur, 0), "AST-1 1 1 0 2", "TRUE read as yes, numbers as tiers");
  isms_cursor_next(cur);
  is_str(isms_cursor_text(cur, 0), "AST-2 0 30 1 -", "FALSE as no, empty cells as empty");
  isms_cursor_close(cur);
  /* Again with the parser on its own thread: nothing changes. */
  opts.threads = 0;
  rc = isms_import_assets_xlsx(db, p, NULL, NULL, &opts, &rep);
  is_int(rc, ISMS_OK, "the same workbook again, parsed on a thread of its own");
  is_int(rep.unchanged, 2, "changes nothing");
  isms_close(db);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/isms-xlsx-XXXXXX");
  if (!mkdtemp(dir)) return 1;
  test_written_by_libxlsxwriter(0);
  test_written_by_libxlsxwriter(1);
  test_strings_and_types();
  test_dates();
  test_structure();
  test_hostile();
  test_asset_import();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) diag("could not remove %s", dir);
  return done_testing();
}
