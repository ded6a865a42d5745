/*
** xlsx_read.c -- one worksheet of an .xlsx workbook, read with minizip and
** expat (isms_xlsx_sheet_json, and isms__xlsx_load for the asset import).
**
** An .xlsx is a zip of XML parts (Office Open XML, ECMA-376 part 1):
**   _rels/.rels                  which part is the workbook
**   xl/workbook.xml              sheet names and their relationship ids,
**                                workbookPr date1904
**   xl/_rels/workbook.xml.rels   relationship id -> part, and which parts
**                                hold the shared strings and the styles
**   xl/sharedStrings.xml         the strings cells of type "s" point at
**   xl/styles.xml                number formats; a cell's style (s) picks
**                                an xf of cellXfs, which names a format
**   xl/worksheets/sheetN.xml     rows and cells
** The workbook's own parts are read first, then the sheet, each streamed
** from the zip into expat in chunks, so no part is held whole.
**
** The file comes from anyone, so every step is bounded: a part that
** expands past 256 MiB is refused as it is read (the sizes in a zip's
** directory may lie), so are more than 2M rows, and any document type
** declaration (the way an XML file expands entities into gigabytes) stops
** the parse. Errors name the file, then the part and expat's line:column,
** or the sheet and cell ("q.xlsx:Answers!C7: ...").
**
** A cell's value becomes text as a person reads it: a shared or inline
** string whole (rich-text runs joined, phonetic runs left out), a number as
** written in the file, a number in a date format as YYYY-MM-DD (with
** THH:MM:SS when it has a time of day), a boolean as TRUE or FALSE. An
** error value (#N/A, #REF!, ...) is refused: it is never an answer.
*/
#include <expat.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <minizip/unzip.h>

#include "isms_internal.h"

#define PART_MAX ((uint64_t)256 << 20)  /* largest part, uncompressed */
#define ROWS_MAX 2000000                /* row elements in a sheet */
#define ENTRIES_MAX 65536               /* entries in the zip */
#define JSON_MAX ((size_t)512 << 20)    /* largest JSON a sheet gives */
#define COLS_MAX 16384                  /* columns A..XFD */
#define CHUNK 65536
#define DEPTH_MAX 64                    /* element levels tracked by name */

/* =============================================================== buffers */

typedef struct buf {
  char *p;
  size_t n, cap;
} buf;

/* Appends s[0..n) and keeps a NUL after it; -1 when out of memory. */
static int buf_add(buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
  return 0;
}

static int buf_str(buf *b, const char *s) { return buf_add(b, s, strlen(s)); }

/* Grows an array of n elements of size sz to hold one more. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz) {
  if (n < *cap) return 0;
  size_t c = *cap ? *cap * 2 : 64;
  void *p = realloc(*arr, c * sz);
  if (!p) return -1;
  *arr = p;
  *cap = c;
  return 0;
}

/* ============================================================ the reader */

enum part_kind { P_ROOT_RELS, P_WORKBOOK, P_RELS, P_SST, P_STYLES, P_SHEET };

/* Elements the parts are made of, by local name (namespaces are ignored:
** transitional and strict workbooks use different ones for the same). */
enum elem {
  E_OTHER, E_WORKBOOK, E_WORKBOOKPR, E_SHEETS, E_SHEET, E_RELATIONSHIPS, E_RELATIONSHIP,
  E_SST, E_SI, E_R, E_T, E_RPH, E_STYLESHEET, E_NUMFMTS, E_NUMFMT, E_CELLXFS, E_XF,
  E_WORKSHEET, E_SHEETDATA, E_ROW, E_C, E_V, E_IS
};

static const char *const elem_names[] = {
    "",         "workbook", "workbookPr", "sheets",  "sheet",      "Relationships",
    "Relationship", "sst",  "si",         "r",       "t",          "rPh",
    "styleSheet", "numFmts", "numFmt",    "cellXfs", "xf",         "worksheet",
    "sheetData", "row",     "c",          "v",       "is",         NULL};

typedef struct rel {
  char *id, *target, *type;
} rel;

typedef struct numfmt {
  int id;
  int is_date;
} numfmt;

enum cell_src { SRC_OWN = 0, SRC_SST = 1, SRC_WORD = 2 };
static const char *const words[] = {"FALSE", "TRUE"};

struct isms__xlsx_book {
  /* the sheet read */
  char *name;
  char **names;
  int nnames;
  isms__xlsx_row *rows;
  size_t nrows, rowcap;
  isms__xlsx_cell *cells;
  size_t ncells, cellcap;
  buf own;                    /* texts of the sheet's own cells */
  buf sst;                    /* shared strings, each NUL-terminated */
  size_t *sst_off;
  size_t nsst, sstcap;
};

typedef struct reader {
  const char *source;         /* the file as messages name it */
  unzFile zip;
  char *err;                  /* the first failure */
  int code;
  isms__xlsx_book *book;

  /* the part being parsed */
  XML_Parser xp;
  const char *part;
  int kind;
  int depth;
  unsigned char stack[DEPTH_MAX];
  int root_seen;
  int capture;                /* collecting character data into text */
  buf text;

  /* workbook */
  int date1904;
  char **rids;                /* per sheet name, its relationship id */
  size_t namecap, ridcap;
  rel *rels;
  size_t nrels, relcap;
  char *workbook_part;

  /* styles */
  numfmt *fmts;
  size_t nfmts, fmtcap;
  uint8_t *xf_date;           /* per cellXfs entry: its format shows a date */
  size_t nxf, xfcap;

  /* the sheet */
  int64_t row_count;          /* row elements seen */
  int64_t row_r;              /* number of the open row */
  int64_t last_r;
  int in_row;
  int64_t cell_row;
  uint32_t cell_col;
  int64_t last_col;           /* column of the row's previous cell, -1 none */
  char cell_t[16];
  long cell_s;
  int has_v, has_is;
} reader;

/* ---------------------------------------------------------------- errors */

/* Keeps the first failure as "FILE" + where + ": " + msg and stops the
** parse under way. */
static void set_err(reader *rd, int code, const char *where, const char *msg) {
  if (rd->err || rd->code) return;  /* the first failure is the one to report */
  size_t n = strlen(rd->source) + strlen(where) + strlen(msg) + 3;
  rd->err = malloc(n);
  if (rd->err) snprintf(rd->err, n, "%s%s: %s", rd->source, where, msg);
  rd->code = code;
  if (rd->xp) XML_StopParser(rd->xp, XML_FALSE);
}

static void fail(reader *rd, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(reader *rd, int code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  set_err(rd, code, "", msg);
}

static void nomem(reader *rd) { fail(rd, ISMS_NOMEM, "out of memory"); }

/* Column letters of a 0-based column: 0 -> "A", 16383 -> "XFD". */
size_t isms__xlsx_col_name(uint32_t col, char out[8]) {
  char tmp[8];
  size_t n = 0;
  uint32_t c = col + 1;
  while (c > 0 && n < 7) {
    uint32_t rem = (c - 1) % 26;
    tmp[n++] = (char)('A' + rem);
    c = (c - 1) / 26;
  }
  for (size_t k = 0; k < n; k++) out[k] = tmp[n - 1 - k];
  out[n] = 0;
  return n;
}

/* Fails naming the cell being read: "file:Sheet!C7: ...". */
static void fail_cell(reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_cell(reader *rd, const char *fmt, ...) {
  char why[700], col[8], where[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  isms__xlsx_col_name(rd->cell_col, col);
  snprintf(where, sizeof where, ":%.200s!%s%lld", rd->book->name, col, (long long)rd->cell_row);
  set_err(rd, ISMS_INPUT, where, why);
}

/* --------------------------------------------------------- XML handlers */

static const char *local_name(const char *name) {
  const char *p = strrchr(name, ' ');
  return p ? p + 1 : name;
}

static int elem_of(const char *name) {
  const char *l = local_name(name);
  for (int k = 1; elem_names[k]; k++)
    if (strcmp(elem_names[k], l) == 0) return k;
  return E_OTHER;
}

/* An attribute without a namespace (name="x"). */
static const char *attr(const XML_Char **atts, const char *name) {
  for (int k = 0; atts[k]; k += 2)
    if (strcmp(atts[k], name) == 0) return atts[k + 1];
  return NULL;
}

/* The relationship id attribute r:id: "id" in any namespace. */
static const char *attr_rid(const XML_Char **atts) {
  for (int k = 0; atts[k]; k += 2) {
    const char *sp = strrchr(atts[k], ' ');
    if (sp && strcmp(sp + 1, "id") == 0) return atts[k + 1];
  }
  return NULL;
}

static int parent(const reader *rd) {
  /* the element enclosing the one being started (depth already counts it) */
  int d = rd->depth - 2;
  return d >= 0 && d < DEPTH_MAX ? rd->stack[d] : E_OTHER;
}

static int inside(const reader *rd, int e) {
  int top = rd->depth < DEPTH_MAX ? rd->depth : DEPTH_MAX;
  for (int k = 0; k < top; k++)
    if (rd->stack[k] == e) return 1;
  return 0;
}

static void where_xml(reader *rd, char *out, size_t n) {
  snprintf(out, n, "%s:%lu:%lu", rd->part, (unsigned long)XML_GetCurrentLineNumber(rd->xp),
           (unsigned long)XML_GetCurrentColumnNumber(rd->xp) + 1);
}

static void fail_xml(reader *rd, const char *why) {
  char at[300];
  where_xml(rd, at, sizeof at);
  fail(rd, ISMS_INPUT, "%s: %s", at, why);
}

static char *dup_str(reader *rd, const char *s) {
  char *p = strdup(s ? s : "");
  if (!p) nomem(rd);
  return p;
}

/* "3" -> 3 for non-negative decimal integers; -1 otherwise. */
static long parse_index(const char *s) {
  if (!s || !*s) return -1;
  long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 100000000) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

/* A cell reference "C7": 0-based column and row number; -1 if malformed. */
static int parse_ref(const char *s, uint32_t *col, int64_t *row) {
  uint32_t c = 0;
  int letters = 0;
  while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) {
    if (++letters > 3) return -1;
    c = c * 26 + (uint32_t)((*s | 0x20) - 'a' + 1);
    s++;
  }
  if (letters == 0 || c > COLS_MAX) return -1;
  if (*s == 0) return -1;
  int64_t r = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || r > INT32_MAX / 10) return -1;
    r = r * 10 + (*s - '0');
  }
  if (r < 1) return -1;
  *col = c - 1;
  *row = r;
  return 0;
}

/* ---------------------------------------------------- number formats */

/* Whether a format code shows a date or a time: a d, m, y, h or s outside
** quoted text, [brackets] (colours, conditions, locales, elapsed [h]) and
** escaped characters (\x, _x spacing, *x fill). */
static int code_is_date(const char *s) {
  for (; *s; s++) {
    switch (*s) {
      case '"':
        s++;
        while (*s && *s != '"') s++;
        if (!*s) return 0;
        break;
      case '[': {
        const char *e = strchr(s, ']');
        if (!e) return 0;
        s = e;
        break;
      }
      case '\\': case '_': case '*':
        if (!s[1]) return 0;
        s++;
        break;
      default:
        if (strchr("dDmMyYhHsS", *s)) return 1;
    }
  }
  return 0;
}

/* Built-in format ids that show dates and times: 14-22, 45-47. */
static int builtin_is_date(long id) { return (id >= 14 && id <= 22) || (id >= 45 && id <= 47); }

static int fmt_is_date(const reader *rd, long id) {
  for (size_t k = 0; k < rd->nfmts; k++)
    if (rd->fmts[k].id == id) return rd->fmts[k].is_date;
  return builtin_is_date(id);
}

/* ------------------------------------------------------------ numbers */

/* Reads a number as the file writes it ([-]digits[.digits][E[+-]digits]),
** without strtod, whose decimal point follows the process's locale. */
static int parse_number(const char *s, double *out) {
  const char *p = s;
  int neg = 0;
  if (*p == '-' || *p == '+') neg = *p++ == '-';
  double v = 0;
  int digits = 0;
  while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0'), digits++;
  if (*p == '.') {
    p++;
    double scale = 0.1;
    while (*p >= '0' && *p <= '9') v += (*p++ - '0') * scale, scale /= 10, digits++;
  }
  if (!digits) return -1;
  if (*p == 'e' || *p == 'E') {
    p++;
    int eneg = 0, e = 0, edigits = 0;
    if (*p == '-' || *p == '+') eneg = *p++ == '-';
    while (*p >= '0' && *p <= '9') {
      if (e < 1000) e = e * 10 + (*p - '0');
      p++, edigits++;
    }
    if (!edigits) return -1;
    double f = 1;
    for (int k = 0; k < e && f < 1e308; k++) f *= 10;
    v = eneg ? v / f : v * f;
  }
  if (*p) return -1;
  *out = neg ? -v : v;
  return 0;
}

/* Civil date of a day count from 1970-01-01 (proleptic Gregorian). */
static void civil(int64_t days, int *y, int *m, int *d) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* A serial date as text. In the 1900 system day 1 is 1900-01-01 and day
** 60 the 29 February 1900 that never was (Lotus 1-2-3's leap year, which
** Excel keeps): it is written as Excel shows it. Below 1 there is only a
** time of day. Returns -1 for serials no date can have. */
static int serial_text(double serial, int date1904, char *out, size_t n) {
  if (!(serial >= 0) || serial >= 2958466.0) return -1;  /* up to 9999-12-31 */
  int64_t total = (int64_t)(serial * 86400.0 + 0.5);
  int64_t day = total / 86400, secs = total % 86400;
  int hh = (int)(secs / 3600), mm = (int)(secs / 60 % 60), ss = (int)(secs % 60);
  if (!date1904 && day == 0) {
    snprintf(out, n, "%02d:%02d:%02d", hh, mm, ss);
    return 0;
  }
  int y, mo, d;
  if (date1904) civil(day - 24107, &y, &mo, &d);
  else if (day == 60) y = 1900, mo = 2, d = 29;
  else civil(day - (day < 60 ? 25568 : 25569), &y, &mo, &d);
  if (secs) snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, hh, mm, ss);
  else snprintf(out, n, "%04d-%02d-%02d", y, mo, d);
  return 0;
}

/* --------------------------------------------------------------- cells */

static void push_cell(reader *rd, int src, size_t off, size_t len) {
  isms__xlsx_book *b = rd->book;
  if (grow((void **)&b->cells, &b->cellcap, b->ncells, sizeof *b->cells)) return nomem(rd);
  isms__xlsx_cell *c = &b->cells[b->ncells++];
  c->off = off;
  c->len = (uint32_t)len;
  c->col = rd->cell_col;
  c->src = (uint8_t)src;
  b->rows[b->nrows].n++;
}

static void push_own(reader *rd, const char *s, size_t n) {
  size_t off = rd->book->own.n;
  if (buf_add(&rd->book->own, s, n)) return nomem(rd);
  rd->book->own.n++;  /* keep the NUL between texts */
  push_cell(rd, SRC_OWN, off, n);
}

/* A cell is complete: its value, by type, becomes text (or an error). */
static void end_cell(reader *rd) {
  const char *t = rd->cell_t;
  const char *v = rd->text.p ? rd->text.p : "";
  size_t vn = rd->text.n;
  if (strcmp(t, "inlineStr") == 0) {
    if (rd->has_is && vn) push_own(rd, v, vn);
    return;
  }
  if (!rd->has_v || vn == 0) return;  /* a blank cell (formatted, or a formula not computed) */
  if (strcmp(t, "s") == 0) {
    long k = parse_index(v);
    if (k < 0 || (size_t)k >= rd->book->nsst)
      return fail_cell(rd, "refers to shared string %.20s; the workbook has %zu", v,
                       rd->book->nsst);
    size_t off = rd->book->sst_off[k];
    size_t len = strlen(rd->book->sst.p + off);
    if (len) push_cell(rd, SRC_SST, off, len);
  } else if (strcmp(t, "str") == 0 || strcmp(t, "d") == 0) {
    push_own(rd, v, vn);
  } else if (strcmp(t, "b") == 0) {
    if (strcmp(v, "0") && strcmp(v, "1")) return fail_cell(rd, "'%.40s' is not a boolean", v);
    push_cell(rd, SRC_WORD, v[0] == '1', strlen(words[v[0] == '1']));
  } else if (strcmp(t, "e") == 0) {
    fail_cell(rd, "the cell holds the error %.40s; correct or clear it", v);
  } else if (strcmp(t, "n") == 0 || t[0] == 0) {
    double x;
    if (parse_number(v, &x)) return fail_cell(rd, "'%.40s' is not a number", v);
    if (rd->cell_s >= 0 && (size_t)rd->cell_s < rd->nxf && rd->xf_date[rd->cell_s]) {
      char date[40];
      if (serial_text(x, rd->date1904, date, sizeof date))
        return fail_cell(rd, "%.40s is in a date format but no date (days from 1900 up to "
                         "9999-12-31)", v);
      push_own(rd, date, strlen(date));
    } else {
      push_own(rd, v, vn);
    }
  } else {
    fail_cell(rd, "unknown cell type '%s'", t);
  }
}

/* --------------------------------------------------------- per element */

static void start_sheet_elem(reader *rd, int e, const XML_Char **atts) {
  int up = parent(rd);
  if (e == E_ROW && up == E_SHEETDATA) {
    if (++rd->row_count > ROWS_MAX) {
      return fail(rd, ISMS_INPUT, "sheet '%.100s' has more than %d rows; split it", rd->book->name,
                  ROWS_MAX);
    }
    const char *r = attr(atts, "r");
    int64_t n = rd->last_r + 1;
    if (r) {
      long v = parse_index(r);
      if (v < 1) return fail_xml(rd, "row number r is not a whole number from 1");
      n = v;
    }
    if (n <= rd->last_r) {
      char why[120];
      snprintf(why, sizeof why, "row %lld comes after row %lld; rows must ascend", (long long)n,
               (long long)rd->last_r);
      return fail_xml(rd, why);
    }
    rd->row_r = rd->last_r = n;
    rd->in_row = 1;
    rd->last_col = -1;
    isms__xlsx_book *b = rd->book;
    if (grow((void **)&b->rows, &b->rowcap, b->nrows, sizeof *b->rows)) return nomem(rd);
    b->rows[b->nrows].r = n;
    b->rows[b->nrows].first = b->ncells;
    b->rows[b->nrows].n = 0;
  } else if (e == E_C && up == E_ROW && rd->in_row) {
    const char *r = attr(atts, "r"), *t = attr(atts, "t"), *s = attr(atts, "s");
    uint32_t col = (uint32_t)(rd->last_col + 1);
    int64_t row = rd->row_r;
    if (r && parse_ref(r, &col, &row)) {
      char why[120];
      snprintf(why, sizeof why, "'%.20s' is not a cell reference", r);
      return fail_xml(rd, why);
    }
    if (row != rd->row_r || (int64_t)col <= rd->last_col || col >= COLS_MAX) {
      char why[160];
      snprintf(why, sizeof why, "cell %.20s is out of place in row %lld", r ? r : "(next)",
               (long long)rd->row_r);
      return fail_xml(rd, why);
    }
    rd->cell_row = row;
    rd->cell_col = col;
    rd->last_col = col;
    snprintf(rd->cell_t, sizeof rd->cell_t, "%s", t ? t : "");
    rd->cell_s = s ? parse_index(s) : 0;
    rd->has_v = rd->has_is = 0;
    rd->text.n = 0;
    if (rd->text.p) rd->text.p[0] = 0;
  } else if (e == E_V && up == E_C) {
    rd->has_v = 1;
    rd->text.n = 0;
    rd->capture = 1;
  } else if (e == E_IS && up == E_C) {
    rd->has_is = 1;
    rd->text.n = 0;
  } else if (e == E_T && inside(rd, E_IS) && !inside(rd, E_RPH)) {
    rd->capture = 1;
  }
}

static void start_elem(void *ud, const XML_Char *name, const XML_Char **atts) {
  reader *rd = ud;
  if (rd->code) return;  /* expat may still call after a stop */
  int e = elem_of(name);
  if (rd->depth < DEPTH_MAX) rd->stack[rd->depth] = (unsigned char)e;
  rd->depth++;
  if (rd->depth == 1) {
    static const int roots[] = {E_RELATIONSHIPS, E_WORKBOOK, E_RELATIONSHIPS, E_SST,
                                E_STYLESHEET, E_WORKSHEET};
    if (e != roots[rd->kind]) {
      char why[200];
      snprintf(why, sizeof why, "expected <%s>, found <%.60s>: not the part of a workbook",
               elem_names[roots[rd->kind]], local_name(name));
      return fail_xml(rd, why);
    }
    rd->root_seen = 1;
    return;
  }
  int up = parent(rd);
  switch (rd->kind) {
    case P_ROOT_RELS:
    case P_RELS:
      if (e == E_RELATIONSHIP && up == E_RELATIONSHIPS) {
        const char *mode = attr(atts, "TargetMode");
        if (mode && strcmp(mode, "External") == 0) return;
        if (grow((void **)&rd->rels, &rd->relcap, rd->nrels, sizeof *rd->rels))
          return nomem(rd);
        rel *r = &rd->rels[rd->nrels++];
        r->id = dup_str(rd, attr(atts, "Id"));
        r->target = dup_str(rd, attr(atts, "Target"));
        r->type = dup_str(rd, attr(atts, "Type"));
      }
      break;
    case P_WORKBOOK:
      if (e == E_WORKBOOKPR && up == E_WORKBOOK) {
        const char *d = attr(atts, "date1904");
        rd->date1904 = d && (strcmp(d, "1") == 0 || strcasecmp(d, "true") == 0);
      } else if (e == E_SHEET && up == E_SHEETS) {
        isms__xlsx_book *b = rd->book;
        if (grow((void **)&b->names, &rd->namecap, (size_t)b->nnames, sizeof *b->names) ||
            grow((void **)&rd->rids, &rd->ridcap, (size_t)b->nnames, sizeof *rd->rids))
          return nomem(rd);
        const char *nm = attr(atts, "name"), *rid = attr_rid(atts);
        if (!nm || !rid) return fail_xml(rd, "a sheet without a name or r:id");
        b->names[b->nnames] = dup_str(rd, nm);
        rd->rids[b->nnames] = dup_str(rd, rid);
        b->nnames++;
      }
      break;
    case P_SST:
      if (e == E_SI && up == E_SST) {
        rd->text.n = 0;
        if (rd->text.p) rd->text.p[0] = 0;
      } else if (e == E_T && inside(rd, E_SI) && !inside(rd, E_RPH)) {
        rd->capture = 1;
      }
      break;
    case P_STYLES:
      if (e == E_NUMFMT && up == E_NUMFMTS) {
        long id = parse_index(attr(atts, "numFmtId"));
        const char *code = attr(atts, "formatCode");
        if (id < 0 || !code) return;  /* unusable: the cell reads as a number */
        if (grow((void **)&rd->fmts, &rd->fmtcap, rd->nfmts, sizeof *rd->fmts))
          return nomem(rd);
        rd->fmts[rd->nfmts].id = (int)id;
        rd->fmts[rd->nfmts].is_date = code_is_date(code);
        rd->nfmts++;
      } else if (e == E_XF && up == E_CELLXFS) {
        if (grow((void **)&rd->xf_date, &rd->xfcap, rd->nxf, 1)) return nomem(rd);
        long id = parse_index(attr(atts, "numFmtId"));
        rd->xf_date[rd->nxf++] = (uint8_t)(id >= 0 && fmt_is_date(rd, id));
      }
      break;
    case P_SHEET:
      start_sheet_elem(rd, e, atts);
      break;
  }
}

static void end_elem(void *ud, const XML_Char *name) {
  reader *rd = ud;
  (void)name;
  if (rd->code) return;
  rd->depth--;
  int e = rd->depth < DEPTH_MAX ? rd->stack[rd->depth] : E_OTHER;
  int up = rd->depth >= 1 && rd->depth - 1 < DEPTH_MAX ? rd->stack[rd->depth - 1] : E_OTHER;
  if (e == E_T || e == E_V) rd->capture = 0;
  if (rd->kind == P_SST && e == E_SI && up == E_SST) {
    isms__xlsx_book *b = rd->book;
    if (grow((void **)&b->sst_off, &b->sstcap, b->nsst, sizeof *b->sst_off)) return nomem(rd);
    b->sst_off[b->nsst++] = b->sst.n;
    if (buf_add(&b->sst, rd->text.p ? rd->text.p : "", rd->text.n)) return nomem(rd);
    b->sst.n++;  /* the NUL stays between strings */
    rd->text.n = 0;
  } else if (rd->kind == P_SHEET) {
    if (e == E_C && up == E_ROW && rd->in_row) {
      end_cell(rd);
    } else if (e == E_ROW && up == E_SHEETDATA && rd->in_row) {
      rd->in_row = 0;
      isms__xlsx_book *b = rd->book;
      if (b->rows[b->nrows].n) b->nrows++;  /* rows without a value are left out */
    }
  }
}

static void on_text(void *ud, const XML_Char *s, int len) {
  reader *rd = ud;
  if (rd->capture && !rd->code && buf_add(&rd->text, s, (size_t)len)) nomem(rd);
}

/* OOXML parts never declare a document type; one that does is refused
** before any entity it declares can expand. */
static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                       const XML_Char *pubid, int has_internal) {
  reader *rd = ud;
  (void)name, (void)sysid, (void)pubid, (void)has_internal;
  fail_xml(rd, "a document type declaration (<!DOCTYPE>) is not allowed in a workbook part");
}

/* =========================================================== zip parts */

/* Parses the zip entry `part` with the handlers for `kind`. A missing part
** is 0 when optional, a failure when required. */
static int parse_part(reader *rd, const char *part, int kind, int required) {
  if (rd->code) return -1;
  if (unzLocateFile(rd->zip, part, 2) != UNZ_OK) {
    if (!required) return 0;
    fail(rd, ISMS_INPUT, "the part %s is missing: not an XLSX workbook, or a damaged one", part);
    return -1;
  }
  unz_file_info64 info;
  if (unzGetCurrentFileInfo64(rd->zip, &info, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK) {
    fail(rd, ISMS_INPUT, "%s: cannot read its entry in the zip directory (damaged file)", part);
    return -1;
  }
  if (info.flag & 1) {
    fail(rd, ISMS_INPUT, "%s is encrypted; save the workbook without a password", part);
    return -1;
  }
  if (info.uncompressed_size > PART_MAX) {
    fail(rd, ISMS_INPUT, "%s expands to %llu MiB, more than the %llu MiB a part may have", part,
         (unsigned long long)(info.uncompressed_size >> 20), (unsigned long long)(PART_MAX >> 20));
    return -1;
  }
  if (unzOpenCurrentFile(rd->zip) != UNZ_OK) {
    fail(rd, ISMS_INPUT, "%s: cannot open the entry (damaged file, or a compression method "
         "zip does not know)", part);
    return -1;
  }
  /* No encoding forced: a part may be UTF-16 (with its byte order mark),
  ** which the standard allows; expat hands every text over as UTF-8. */
  XML_Parser xp = XML_ParserCreateNS(NULL, ' ');
  if (!xp) {
    unzCloseCurrentFile(rd->zip);
    nomem(rd);
    return -1;
  }
  rd->xp = xp;
  rd->part = part;
  rd->kind = kind;
  rd->depth = 0;
  rd->root_seen = 0;
  rd->capture = 0;
  rd->text.n = 0;
  XML_SetUserData(xp, rd);
  XML_SetElementHandler(xp, start_elem, end_elem);
  XML_SetCharacterDataHandler(xp, on_text);
  XML_SetStartDoctypeDeclHandler(xp, on_doctype);
  XML_SetParamEntityParsing(xp, XML_PARAM_ENTITY_PARSING_NEVER);

  char *chunk = malloc(CHUNK);
  uint64_t total = 0;
  if (!chunk) nomem(rd);
  while (!rd->code) {
    int got = unzReadCurrentFile(rd->zip, chunk, CHUNK);
    if (got < 0) {
      fail(rd, ISMS_INPUT, "%s: cannot be decompressed (damaged or truncated file, zip error %d)",
           part, got);
      break;
    }
    total += (uint64_t)got;
    /* The directory's size may lie: count what really comes out. */
    if (total > PART_MAX) {
      fail(rd, ISMS_INPUT, "%s expands to more than %llu MiB (a zip bomb?)", part,
           (unsigned long long)(PART_MAX >> 20));
      break;
    }
    if (XML_Parse(xp, chunk, got, got == 0) == XML_STATUS_ERROR) {
      if (!rd->code) {
        char why[300];
        snprintf(why, sizeof why, "malformed XML: %s", XML_ErrorString(XML_GetErrorCode(xp)));
        fail_xml(rd, why);
      }
      break;
    }
    if (got == 0) break;
  }
  free(chunk);
  int crc = unzCloseCurrentFile(rd->zip);
  if (!rd->code && crc == UNZ_CRCERROR)
    fail(rd, ISMS_INPUT, "%s: damaged (its checksum does not match)", part);
  if (!rd->code && !rd->root_seen) fail(rd, ISMS_INPUT, "%s: empty part", part);
  XML_ParserFree(xp);
  rd->xp = NULL;
  return rd->code ? -1 : 1;
}

/* Resolves a relationship target against the folder of the part that
** holds it (base "xl/" for xl/workbook.xml): "worksheets/sheet1.xml" ->
** "xl/worksheets/sheet1.xml", "/xl/x.xml" -> "xl/x.xml", ".." handled. */
static char *resolve(reader *rd, const char *base, const char *target) {
  buf out = {0};
  if (target[0] != '/' && buf_str(&out, base)) goto oom;
  const char *p = target;
  while (*p) {
    while (*p == '/') p++;
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      /* drop the last folder of out */
      if (out.n && out.p[out.n - 1] == '/') out.n--;
      while (out.n && out.p[out.n - 1] != '/') out.n--;
      if (out.p) out.p[out.n] = 0;
    } else if (!(n == 1 && p[0] == '.') && n) {
      if (buf_add(&out, p, n) || (e && buf_add(&out, "/", 1))) goto oom;
    }
    p += n;
  }
  if (!out.p && buf_str(&out, "")) goto oom;
  return out.p;
oom:
  free(out.p);
  nomem(rd);
  return NULL;
}

static const char *ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), m = strlen(tail);
  return n >= m && strcmp(s + n - m, tail) == 0 ? s + n - m : NULL;
}

static void free_rels(reader *rd) {
  for (size_t k = 0; k < rd->nrels; k++) {
    free(rd->rels[k].id);
    free(rd->rels[k].target);
    free(rd->rels[k].type);
  }
  rd->nrels = 0;
}

/* The first relationship whose type ends with tail ("/styles"). */
static const rel *rel_of_type(const reader *rd, const char *tail) {
  for (size_t k = 0; k < rd->nrels; k++)
    if (ends_with(rd->rels[k].type, tail)) return &rd->rels[k];
  return NULL;
}

/* ====================================================== the whole read */

static int open_zip(reader *rd, const char *path) {
  char why[128];
  FILE *f = isms__open_input(path, why, sizeof why);
  if (!f) {
    fail(rd, ISMS_IO, "%s", why);
    return -1;
  }
  unsigned char magic[4] = {0};
  size_t got = fread(magic, 1, 4, f);
  fclose(f);
  if (got < 4 || magic[0] != 'P' || magic[1] != 'K') {
    if (got == 4 && memcmp(magic, "\xD0\xCF\x11\xE0", 4) == 0)
      fail(rd, ISMS_INPUT, "not an XLSX file: a password-protected workbook or an old .xls "
           "file; save it as .xlsx without a password");
    else
      fail(rd, ISMS_INPUT, "not an XLSX file (not a zip archive)%s", got == 0 ? ": it is empty" : "");
    return -1;
  }
  rd->zip = unzOpen64(path);
  if (!rd->zip) {
    fail(rd, ISMS_INPUT, "not a readable XLSX file: the zip archive is damaged or truncated "
         "(its directory is missing)");
    return -1;
  }
  unz_global_info64 gi;
  if (unzGetGlobalInfo64(rd->zip, &gi) != UNZ_OK || gi.number_entry > ENTRIES_MAX) {
    fail(rd, ISMS_INPUT, "the zip archive has more than %d entries: not a workbook", ENTRIES_MAX);
    return -1;
  }
  return 0;
}

static void book_free(isms__xlsx_book *b) {
  if (!b) return;
  free(b->name);
  for (int k = 0; k < b->nnames; k++) free(b->names[k]);
  free(b->names);
  free(b->rows);
  free(b->cells);
  free(b->own.p);
  free(b->sst.p);
  free(b->sst_off);
  free(b);
}

void isms__xlsx_free(isms__xlsx_book *b) { book_free(b); }

int isms__xlsx_load(const char *path, const char *source, const char *sheet,
                    isms__xlsx_book **out, char **err) {
  *out = NULL;
  *err = NULL;
  reader rd;
  memset(&rd, 0, sizeof rd);
  rd.source = source ? source : path;
  rd.book = calloc(1, sizeof *rd.book);
  char *sheet_part = NULL, *dir = NULL;
  if (!rd.book) nomem(&rd);
  if (!rd.code) open_zip(&rd, path);

  /* The workbook part: _rels/.rels names it (xl/workbook.xml when absent). */
  if (!rd.code && parse_part(&rd, "_rels/.rels", P_ROOT_RELS, 0) > 0) {
    const rel *r = rel_of_type(&rd, "/officeDocument");
    if (r) rd.workbook_part = resolve(&rd, "", r->target);
  }
  free_rels(&rd);
  if (!rd.code && !rd.workbook_part) rd.workbook_part = dup_str(&rd, "xl/workbook.xml");
  if (!rd.code) parse_part(&rd, rd.workbook_part, P_WORKBOOK, 1);
  if (!rd.code && rd.book->nnames == 0) fail(&rd, ISMS_INPUT, "the workbook has no sheets");

  /* Its relationships: xl/_rels/workbook.xml.rels beside xl/workbook.xml. */
  if (!rd.code) {
    const char *slash = strrchr(rd.workbook_part, '/');
    size_t dn = slash ? (size_t)(slash - rd.workbook_part + 1) : 0;
    buf relp = {0};
    dir = malloc(dn + 1);
    if (!dir || buf_add(&relp, rd.workbook_part, dn) || buf_str(&relp, "_rels/") ||
        buf_str(&relp, rd.workbook_part + dn) || buf_str(&relp, ".rels")) {
      nomem(&rd);
    } else {
      memcpy(dir, rd.workbook_part, dn);
      dir[dn] = 0;
      parse_part(&rd, relp.p, P_RELS, 1);
    }
    free(relp.p);
  }

  /* Which sheet: by name (exact, then ignoring case as Excel does), or
  ** the first worksheet. */
  int pick = -1;
  if (!rd.code) {
    isms__xlsx_book *b = rd.book;
    for (int k = 0; sheet && k < b->nnames && pick < 0; k++)
      if (strcmp(b->names[k], sheet) == 0) pick = k;
    for (int k = 0; sheet && k < b->nnames && pick < 0; k++)
      if (strcasecmp(b->names[k], sheet) == 0) pick = k;
    for (int k = 0; !sheet && k < b->nnames && pick < 0; k++)
      for (size_t j = 0; j < rd.nrels; j++)
        if (strcmp(rd.rels[j].id, rd.rids[k]) == 0 && ends_with(rd.rels[j].type, "/worksheet"))
          pick = k;
    if (pick < 0) {
      buf list = {0};
      for (int k = 0; k < b->nnames; k++)
        if ((k && buf_str(&list, ", ")) || buf_str(&list, b->names[k])) break;
      if (sheet)
        fail(&rd, ISMS_INPUT, "no sheet '%.100s' in the workbook; its sheets: %.600s", sheet,
             list.p ? list.p : "");
      else
        fail(&rd, ISMS_INPUT, "the workbook has no worksheet (sheets: %.600s)",
             list.p ? list.p : "");
      free(list.p);
    }
  }
  if (!rd.code) {
    const rel *r = NULL;
    for (size_t j = 0; j < rd.nrels && !r; j++)
      if (strcmp(rd.rels[j].id, rd.rids[pick]) == 0) r = &rd.rels[j];
    if (!r)
      fail(&rd, ISMS_INPUT, "sheet '%s' has no part (relationship %s is missing)",
           rd.book->names[pick], rd.rids[pick]);
    else if (!ends_with(r->type, "/worksheet"))
      fail(&rd, ISMS_INPUT, "sheet '%s' is not a worksheet (a chart sheet?)",
           rd.book->names[pick]);
    else
      sheet_part = resolve(&rd, dir, r->target);
    if (!rd.code) rd.book->name = dup_str(&rd, rd.book->names[pick]);
  }

  /* Shared strings and styles, when the workbook has them. */
  if (!rd.code) {
    const rel *r = rel_of_type(&rd, "/sharedStrings");
    char *p = r ? resolve(&rd, dir, r->target) : NULL;
    if (p) parse_part(&rd, p, P_SST, 1);
    free(p);
    r = rel_of_type(&rd, "/styles");
    p = r ? resolve(&rd, dir, r->target) : NULL;
    if (p) parse_part(&rd, p, P_STYLES, 1);
    free(p);
  }
  if (!rd.code) parse_part(&rd, sheet_part, P_SHEET, 1);

  if (rd.zip) unzClose(rd.zip);
  free_rels(&rd);
  free(rd.rels);
  for (int k = 0; rd.book && k < rd.book->nnames; k++) free(rd.rids[k]);
  free(rd.rids);
  free(rd.fmts);
  free(rd.xf_date);
  free(rd.text.p);
  free(rd.workbook_part);
  free(sheet_part);
  free(dir);
  if (rd.code) {
    book_free(rd.book);
    *err = rd.err;
    return rd.code ? rd.code : ISMS_NOMEM;
  }
  *out = rd.book;
  return ISMS_OK;
}

const char *isms__xlsx_name(const isms__xlsx_book *b) { return b->name; }
int isms__xlsx_names(const isms__xlsx_book *b, const char *const **names) {
  *names = (const char *const *)b->names;
  return b->nnames;
}
size_t isms__xlsx_nrows(const isms__xlsx_book *b) { return b->nrows; }
const isms__xlsx_row *isms__xlsx_rows(const isms__xlsx_book *b) { return b->rows; }
const isms__xlsx_cell *isms__xlsx_cells(const isms__xlsx_book *b) { return b->cells; }

const char *isms__xlsx_text(const isms__xlsx_book *b, const isms__xlsx_cell *c) {
  switch (c->src) {
    case SRC_SST: return b->sst.p + c->off;
    case SRC_WORD: return words[c->off];
    default: return b->own.p + c->off;
  }
}

/* ================================================================ JSON */

static int json_string(buf *b, const char *s, size_t n) {
  if (buf_add(b, "\"", 1)) return -1;
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\' || c < 0x20) {
      char esc[8];
      if (c == '"' || c == '\\') snprintf(esc, sizeof esc, "\\%c", c);
      else if (c == '\n') snprintf(esc, sizeof esc, "\\n");
      else if (c == '\t') snprintf(esc, sizeof esc, "\\t");
      else if (c == '\r') snprintf(esc, sizeof esc, "\\r");
      else snprintf(esc, sizeof esc, "\\u%04x", c);
      if (buf_add(b, s + start, i - start) || buf_str(b, esc)) return -1;
      start = i + 1;
    }
  }
  return buf_add(b, s + start, n - start) || buf_add(b, "\"", 1) ? -1 : 0;
}

ISMS_API int isms_xlsx_sheet_json(const char *path, const char *sheet, char **json, char **err) {
  if (!json || !err) return ISMS_MISUSE;
  *json = NULL;
  *err = NULL;
  if (!path) return ISMS_MISUSE;
  isms__xlsx_book *b;
  int rc = isms__xlsx_load(path, NULL, sheet, &b, err);
  if (rc) return rc;
  buf o = {0};
  int bad = buf_str(&o, "{\"sheet\":") || json_string(&o, b->name, strlen(b->name)) ||
            buf_str(&o, ",\"sheets\":[");
  for (int k = 0; !bad && k < b->nnames; k++)
    bad = (k && buf_add(&o, ",", 1)) || json_string(&o, b->names[k], strlen(b->names[k]));
  bad = bad || buf_str(&o, "],\"rows\":[");
  for (size_t r = 0; !bad && r < b->nrows; r++) {
    const isms__xlsx_row *row = &b->rows[r];
    char head[64];
    snprintf(head, sizeof head, "%s{\"r\":%lld,\"cells\":[", r ? "," : "", (long long)row->r);
    bad = buf_str(&o, head);
    for (uint32_t k = 0; !bad && k < row->n; k++) {
      const isms__xlsx_cell *c = &b->cells[row->first + k];
      char ref[32], col[8];
      isms__xlsx_col_name(c->col, col);
      snprintf(ref, sizeof ref, "%s[\"%s%lld\",", k ? "," : "", col, (long long)row->r);
      bad = buf_str(&o, ref) || json_string(&o, isms__xlsx_text(b, c), c->len) ||
            buf_add(&o, "]", 1);
    }
    bad = bad || buf_str(&o, "]}");
    /* Shared strings let a small file name a long text many times. */
    if (!bad && o.n > JSON_MAX) {
      char msg[200];
      snprintf(msg, sizeof msg, "%s: sheet '%.40s' holds more than %zu MiB of text", path,
               b->name, JSON_MAX >> 20);
      *err = strdup(msg);
      free(o.p);
      book_free(b);
      return ISMS_INPUT;
    }
  }
  bad = bad || buf_str(&o, "]}");
  book_free(b);
  if (bad) {
    free(o.p);
    *err = strdup("out of memory");
    return ISMS_NOMEM;
  }
  *json = o.p;
  return ISMS_OK;
}
