/*
** report_xlsx.c -- sheets of rows to an XLSX workbook (isms_report_xlsx).
**
** A register of millions of risks must reach a spreadsheet without being
** held in memory, so libxlsxwriter runs in constant-memory mode: each row
** goes to a temporary XML file as soon as the next one starts, and rows
** come one at a time from a SQLite statement. That mode cannot go back to
** an earlier row, which shapes the rest: a sheet's autofilter range and
** column widths are set when its last row is known (both only record
** settings that are written when the workbook is closed), and a sheet
** longer than Excel's 1,048,576 rows goes on in a new worksheet.
**
** The workbook is written to a unique temporary name beside path and
** renamed into place once complete: a failure anywhere leaves no file, or
** the file that was there before, at path.
*/
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "isms_internal.h"

#define XL_ROWS 1048576u    /* rows in a worksheet, the header's included */
#define XL_COLS 16384       /* columns in a worksheet */
#define XL_NAME_MAX 31      /* UTF-16 units in a sheet name */
#define XL_STR_MAX 32767    /* UTF-16 units in a cell */
#define CUT_BYTES (3 * XL_STR_MAX + 4)  /* always holds 32,767 UTF-16 units */
#define NUMBER_MAX 40       /* longer texts are never taken for numbers */
#define EXACT_INT ((int64_t)1 << 53)  /* integers a double holds exactly */

/* Without ZIP64 a part of the zip (a worksheet's XML) must stay under
** 4 GiB, or the close fails. libxlsxwriter keeps ZIP64 off by default
** (older readers may not know it), so it is switched on only when a
** worksheet's XML may get near that size, by an estimate of it. */
#define ZIP64_AFTER ((uint64_t)3 << 30)
#define XML_CELL 50         /* a cell's XML besides its text, roughly */
#define XML_ROW 40

#define WIDTH_MIN 8
#define WIDTH_MAX 50

typedef struct fill {
  uint32_t key;             /* 0x1000000 | RGB; 0 marks an empty slot */
  lxw_format *format;
} fill;

typedef struct writer {
  isms_db *db;              /* may be NULL: errors are then codes only */
  const char *path;
  lxw_workbook *wb;
  lxw_format *head, *head_secret;
  lxw_format *date, *datetime;  /* number formats of date cells */
  fill *fills;              /* formats by background colour, open addressing */
  size_t nfills, fillcap;
  char *buf;                /* scratch for repaired and cut texts */
  size_t bufcap;
  char **names;             /* every sheet name in the workbook, heap copies */
  int nnames, namecap;
  lxw_worksheet **ws;       /* every worksheet added, for the failure path */
  int nws, wscap;
  int zip64;
  /* the worksheet being written */
  const isms_sheet *sh;
  lxw_worksheet *cur;
  uint32_t row;             /* rows written to cur, the header's included */
  int part;                 /* 1 for the sheet itself, k for "NAME (k)" */
  uint32_t *width;          /* per column: widest text written, in bytes */
  uint64_t xml;             /* estimated bytes of cur's XML */
} writer;

/* ================================================================ errors */

static int fail(writer *w, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(writer *w, int code, const char *fmt, ...) {
  if (!w->db) return code;
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return isms__fail(w->db, code, "%s", msg);
}

/* A libxlsxwriter error while writing the current worksheet. */
static int fail_lxw(writer *w, lxw_error e) {
  int code = e == LXW_ERROR_MEMORY_MALLOC_FAILED ? ISMS_NOMEM : ISMS_IO;
  return fail(w, code, "%s: sheet \"%s\", row %lu: %s", w->path, w->sh->name,
              (unsigned long)w->row + 1, lxw_strerror(e));
}

static int fail_sql(writer *w, const char *what) {
  if (!w->db) return ISMS_STORAGE;
  char where[160];
  snprintf(where, sizeof where, "sheet \"%s\": %s", w->sh->name, what);
  return isms__fail_sql(w->db, where);
}

/* ================================================================= texts */

static char *scratch(writer *w, size_t n) {
  if (n <= w->bufcap) return w->buf;
  size_t cap = w->bufcap ? w->bufcap : 256;
  while (cap < n) cap *= 2;
  char *p = realloc(w->buf, cap);
  if (!p) return NULL;
  w->buf = p;
  w->bufcap = cap;
  return p;
}

/* Bytes of the longest prefix of valid UTF-8 s[0..n) that is at most max
** UTF-16 units long (what Excel counts); *units gets its length. */
static size_t utf16_prefix(const char *s, size_t n, size_t max, size_t *units) {
  size_t i = 0, u = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    size_t wide = len == 4 ? 2 : 1;  /* outside the BMP: a surrogate pair */
    if (i + len > n || u + wide > max) break;
    u += wide;
    i += len;
  }
  if (units) *units = u;
  return i;
}

/* The text libxlsxwriter can take for s[0..n): valid UTF-8 without NUL
** (bad bytes become U+FFFD, or the XML would be broken) and at most Excel's
** 32,767 characters (a longer text is cut rather than refused). Mostly s
** itself; otherwise a copy in the scratch buffer, repaired no further than
** the cut keeps. NULL: out of memory. */
static const char *text_fit(writer *w, const char *s, size_t *n) {
  size_t len = *n;
  size_t bad = isms__utf8_check((const unsigned char *)s, len);
  if (!bad && len <= XL_STR_MAX) return s;  /* UTF-16 units <= bytes */
  size_t cap = bad ? (len > CUT_BYTES / 3 ? CUT_BYTES : len * 3)
                   : (len > CUT_BYTES ? CUT_BYTES : len);
  char *p = scratch(w, cap + 1);
  if (!p) return NULL;
  size_t i = 0, m = 0;
  for (;;) {
    size_t run = bad ? bad - 1 : len - i;  /* good bytes before the next bad one */
    if (run > cap - m) run = cap - m;
    memcpy(p + m, s + i, run);
    m += run;
    i += run;
    if (!bad || cap - m < 3) break;
    memcpy(p + m, "\xEF\xBF\xBD", 3);
    m += 3;
    i++;
    bad = isms__utf8_check((const unsigned char *)s + i, len - i);
  }
  if (m > XL_STR_MAX) m = utf16_prefix(p, m, XL_STR_MAX, NULL);
  p[m] = '\0';
  *n = m;
  return p;
}

/* A text that is wholly a finite decimal number (strtod's syntax, but no
** leading blanks, hexadecimal, infinities or NaNs). s[n] must be NUL. */
static int parse_number(const char *s, size_t n, double *v) {
  if (n == 0 || n > NUMBER_MAX) return 0;
  char c = s[0];
  if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.')) return 0;
  if (memchr(s, 'x', n) || memchr(s, 'X', n)) return 0;
  char *end;
  double d = strtod(s, &end);
  if (end != s + n || !isfinite(d)) return 0;
  *v = d;
  return 1;
}

/* ============================================================ sheet names */

/* Excel compares sheet names without case (ASCII letters only here). */
static int same_name(const char *a, const char *b) {
  for (;; a++, b++) {
    unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
    if (x >= 'A' && x <= 'Z') x += 32;
    if (y >= 'A' && y <= 'Z') y += 32;
    if (x != y) return 0;
    if (!x) return 1;
  }
}

static int name_taken(const writer *w, const char *name) {
  for (int k = 0; k < w->nnames; k++)
    if (same_name(w->names[k], name)) return 1;
  return 0;
}

static int name_add(writer *w, const char *name) {
  if (w->nnames == w->namecap) {
    int cap = w->namecap ? w->namecap * 2 : 8;
    char **p = realloc(w->names, (size_t)cap * sizeof *p);
    if (!p) return fail(w, ISMS_NOMEM, "out of memory");
    w->names = p;
    w->namecap = cap;
  }
  size_t n = strlen(name);
  char *copy = malloc(n + 1);
  if (!copy) return fail(w, ISMS_NOMEM, "out of memory");
  memcpy(copy, name, n + 1);
  w->names[w->nnames++] = copy;
  return ISMS_OK;
}

/* Excel's rules for a sheet name, which libxlsxwriter would otherwise
** refuse with a NULL worksheet and a line on stderr. */
static int check_name(writer *w, int k, const char *name) {
  if (!name || !*name) return fail(w, ISMS_MISUSE, "sheet %d has no name", k + 1);
  size_t n = strlen(name), units;
  if (isms__utf8_check((const unsigned char *)name, n))
    return fail(w, ISMS_MISUSE, "sheet %d: name is not UTF-8", k + 1);
  if (utf16_prefix(name, n, XL_NAME_MAX, &units) < n)
    return fail(w, ISMS_MISUSE, "sheet name \"%s\" is longer than %d characters", name,
                XL_NAME_MAX);
  if (strpbrk(name, "[]:*?/\\"))
    return fail(w, ISMS_MISUSE, "sheet name \"%s\" holds one of []:*?/\\", name);
  if (name[0] == '\'' || name[n - 1] == '\'')
    return fail(w, ISMS_MISUSE, "sheet name \"%s\" starts or ends with an apostrophe", name);
  if (same_name(name, "History"))  /* reserved by Excel for tracked changes */
    return fail(w, ISMS_MISUSE, "sheet name \"%s\" is reserved by Excel", name);
  if (name_taken(w, name))
    return fail(w, ISMS_MISUSE, "sheet name \"%s\" is used twice (names ignore case)", name);
  return name_add(w, name);
}

/* ================================================================ formats */

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* "#RRGGBB" -> 0xRRGGBB, or -1. */
static long parse_rgb(const char *s) {
  if (s[0] != '#' || strlen(s) != 7) return -1;
  long rgb = 0;
  for (int k = 1; k < 7; k++) {
    int v = hexval(s[k]);
    if (v < 0) return -1;
    rgb = rgb * 16 + v;
  }
  return rgb;
}

static size_t fill_slot(const fill *t, size_t cap, uint32_t key) {
  size_t h = (size_t)(key * 2654435761u) & (cap - 1);
  while (t[h].key && t[h].key != key) h = (h + 1) & (cap - 1);
  return h;
}

/* The format of a cell with a background, one per colour for the whole
** workbook (libxlsxwriter takes formats at any time before the close). */
static int fill_format(writer *w, uint32_t rgb, lxw_format **out) {
  uint32_t key = 0x1000000u | rgb;
  if (w->nfills * 2 >= w->fillcap) {
    size_t cap = w->fillcap ? w->fillcap * 2 : 16;
    fill *t = calloc(cap, sizeof *t);
    if (!t) return fail(w, ISMS_NOMEM, "out of memory");
    for (size_t k = 0; k < w->fillcap; k++)
      if (w->fills[k].key) t[fill_slot(t, cap, w->fills[k].key)] = w->fills[k];
    free(w->fills);
    w->fills = t;
    w->fillcap = cap;
  }
  size_t h = fill_slot(w->fills, w->fillcap, key);
  if (!w->fills[h].key) {
    lxw_format *f = workbook_add_format(w->wb);
    if (!f) return fail(w, ISMS_NOMEM, "out of memory");
    format_set_pattern(f, LXW_PATTERN_SOLID);
    format_set_bg_color(f, (lxw_color_t)rgb);
    /* Dark fills (a heat map's red) get white text to stay readable. */
    unsigned r = rgb >> 16, g = (rgb >> 8) & 0xFF, b = rgb & 0xFF;
    if (299 * r + 587 * g + 114 * b < 128000) format_set_font_color(f, LXW_COLOR_WHITE);
    w->fills[h].key = key;
    w->fills[h].format = f;
    w->nfills++;
  }
  *out = w->fills[h].format;
  return ISMS_OK;
}

static int make_formats(writer *w) {
  w->head = workbook_add_format(w->wb);
  w->head_secret = workbook_add_format(w->wb);
  if (!w->head || !w->head_secret) return fail(w, ISMS_NOMEM, "out of memory");
  format_set_bold(w->head);
  format_set_pattern(w->head, LXW_PATTERN_SOLID);
  format_set_bg_color(w->head, 0xD9E1F2);
  format_set_bottom(w->head, LXW_BORDER_THIN);
  format_set_bold(w->head_secret);
  format_set_pattern(w->head_secret, LXW_PATTERN_SOLID);
  format_set_bg_color(w->head_secret, 0xC00000);
  format_set_font_color(w->head_secret, LXW_COLOR_WHITE);
  format_set_bottom(w->head_secret, LXW_BORDER_THIN);
  w->date = workbook_add_format(w->wb);
  w->datetime = workbook_add_format(w->wb);
  if (!w->date || !w->datetime) return fail(w, ISMS_NOMEM, "out of memory");
  format_set_num_format(w->date, "yyyy-mm-dd");
  format_set_num_format(w->datetime, "yyyy-mm-dd hh:mm");
  return ISMS_OK;
}

/* ============================================================== worksheets */

static int is_secret(const isms_sheet *sh, int c) {
  return sh->confidential && sh->confidential[c];
}

static int is_numeric(const isms_sheet *sh, int c) {
  return sh->kinds && (sh->kinds[c] == ISMS_CELL_NUMBER || sh->kinds[c] == ISMS_CELL_VALUE);
}

static int is_date(const isms_sheet *sh, int c) {
  return sh->kinds && (sh->kinds[c] == ISMS_CELL_DATE || sh->kinds[c] == ISMS_CELL_VALUE);
}

/* "NAME (k)", NAME cut so the whole fits in 31 characters. */
static void part_name(const char *name, int k, char *out, size_t size) {
  char suffix[16];
  int sn = snprintf(suffix, sizeof suffix, " (%d)", k);
  size_t n = utf16_prefix(name, strlen(name), (size_t)(XL_NAME_MAX - sn), NULL);
  snprintf(out, size, "%.*s%s", (int)n, name, suffix);
}

static int header_row(writer *w) {
  const isms_sheet *sh = w->sh;
  for (int c = 0; c < sh->ncols; c++) {
    int secret = is_secret(sh, c);
    size_t n = strlen(sh->titles[c]);
    char *marked = NULL;  /* not the scratch buffer: text_fit may move that */
    const char *s = sh->titles[c];
    if (secret) {
      if (!(marked = malloc(n + 16))) return fail(w, ISMS_NOMEM, "out of memory");
      memcpy(marked, s, n);
      memcpy(marked + n, " [confidential]", 16);
      s = marked;
      n += 15;
    }
    s = text_fit(w, s, &n);
    lxw_format *f = secret ? w->head_secret : w->head;
    lxw_error e = !s  ? LXW_ERROR_MEMORY_MALLOC_FAILED
                  : n ? worksheet_write_string(w->cur, 0, (lxw_col_t)c, s, f)
                      : worksheet_write_blank(w->cur, 0, (lxw_col_t)c, f);
    free(marked);
    if (e) return fail_lxw(w, e);
  }
  return ISMS_OK;
}

/* Starts worksheet k of the current sheet: its name, the header row, the
** frozen header and, with confidential columns, the printed marks. */
static int part_open(writer *w, int k) {
  const isms_sheet *sh = w->sh;
  char name[160];
  if (k == 1) {
    snprintf(name, sizeof name, "%s", sh->name);  /* checked and listed already */
  } else {
    part_name(sh->name, k, name, sizeof name);
    if (name_taken(w, name))
      return fail(w, ISMS_MISUSE, "sheet \"%s\" goes on in sheet \"%s\", which is taken",
                  sh->name, name);
    int rc = name_add(w, name);
    if (rc) return rc;
  }
  if (w->nws == w->wscap) {
    int cap = w->wscap ? w->wscap * 2 : 8;
    lxw_worksheet **p = realloc(w->ws, (size_t)cap * sizeof *p);
    if (!p) return fail(w, ISMS_NOMEM, "out of memory");
    w->ws = p;
    w->wscap = cap;
  }
  /* In constant-memory mode a worksheet starts with a temporary file; a
  ** NULL here is mostly that file failing. */
  w->cur = workbook_add_worksheet(w->wb, name);
  if (!w->cur)
    return fail(w, ISMS_IO, "%s: cannot add worksheet \"%s\" (temporary file?)", w->path,
                name);
  w->ws[w->nws++] = w->cur;
  w->part = k;
  w->row = 0;
  w->xml = 0;
  memset(w->width, 0, (size_t)sh->ncols * sizeof *w->width);
  int rc = header_row(w);
  if (rc) return rc;
  w->row = 1;
  worksheet_freeze_panes(w->cur, 1, 0);
  /* Printed: landscape, as wide as one page, the header row on every page. */
  worksheet_set_landscape(w->cur);
  worksheet_set_paper(w->cur, 9);  /* A4 */
  worksheet_fit_to_pages(w->cur, 1, 0);
  {
    lxw_error e = worksheet_repeat_rows(w->cur, 0, 0);
    if (e) return fail_lxw(w, e);
  }
  for (int c = 0; c < sh->ncols; c++) {
    if (!is_secret(sh, c)) continue;
    lxw_error e = worksheet_set_header(w->cur, "&CCONFIDENTIAL");
    if (!e) e = worksheet_set_footer(w->cur, "&CCONFIDENTIAL");
    if (e) return fail_lxw(w, e);
    break;
  }
  return ISMS_OK;
}

/* Ends the current worksheet: now that its last row is known, the
** autofilter range and column widths. */
static int part_close(writer *w) {
  const isms_sheet *sh = w->sh;
  lxw_error e = worksheet_autofilter(w->cur, 0, 0, w->row - 1, (lxw_col_t)(sh->ncols - 1));
  if (e) return fail_lxw(w, e);
  for (int c = 0; c < sh->ncols; c++) {
    size_t title;
    const char *t = sh->titles[c];
    utf16_prefix(t, strlen(t), (size_t)-1, &title);
    title += is_secret(sh, c) ? 15 + 3 : 3;  /* the suffix; the filter button */
    size_t width = w->width[c] + 1;
    if (width < title) width = title;
    if (width < WIDTH_MIN) width = WIDTH_MIN;
    if (width > WIDTH_MAX) width = WIDTH_MAX;
    e = worksheet_set_column(w->cur, (lxw_col_t)c, (lxw_col_t)c, (double)width, NULL);
    if (e) return fail_lxw(w, e);
  }
  if (w->xml > ZIP64_AFTER) w->zip64 = 1;
  return ISMS_OK;
}

/* Before each data row: a full worksheet goes on in the next one. */
static int row_begin(writer *w) {
  if (w->row < XL_ROWS) return ISMS_OK;
  int rc = part_close(w);
  return rc ? rc : part_open(w, w->part + 1);
}

/* ================================================================== cells */

static int put_number(writer *w, int c, double v, lxw_format *f) {
  if (w->width[c] < 11) w->width[c] = 11;
  w->xml += XML_CELL;
  lxw_error e = worksheet_write_number(w->cur, w->row, (lxw_col_t)c, v, f);
  return e ? fail_lxw(w, e) : ISMS_OK;
}

static int digits(const char *s, int n, int *v) {
  *v = 0;
  for (int k = 0; k < n; k++) {
    if (s[k] < '0' || s[k] > '9') return 0;
    *v = *v * 10 + (s[k] - '0');
  }
  return 1;
}

/* "YYYY-MM-DD", optionally followed by "THH:MM" or " HH:MM" (seconds and a
** zone after that are ignored): a real calendar day from 1900 on. */
static int parse_date(const char *s, size_t n, lxw_datetime *dt, int *has_time) {
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  memset(dt, 0, sizeof *dt);
  *has_time = 0;
  if (n < 10 || s[4] != '-' || s[7] != '-') return 0;
  if (!digits(s, 4, &dt->year) || !digits(s + 5, 2, &dt->month) || !digits(s + 8, 2, &dt->day))
    return 0;
  if (dt->year < 1900 || dt->month < 1 || dt->month > 12 || dt->day < 1 ||
      dt->day > mdays[dt->month - 1])
    return 0;
  int leap = (dt->year % 4 == 0 && dt->year % 100 != 0) || dt->year % 400 == 0;
  if (dt->month == 2 && dt->day == 29 && !leap) return 0;
  if (n == 10) return 1;
  if (n < 16 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':') return 0;
  if (!digits(s + 11, 2, &dt->hour) || !digits(s + 14, 2, &dt->min) || dt->hour > 23 ||
      dt->min > 59)
    return 0;
  *has_time = 1;
  return 1;
}

static int put_date(writer *w, int c, const lxw_datetime *dt, int has_time, lxw_format *f) {
  if (w->width[c] < (has_time ? 16u : 10u)) w->width[c] = has_time ? 16 : 10;
  w->xml += XML_CELL;
  lxw_datetime copy = *dt;
  lxw_error e = worksheet_write_datetime(w->cur, w->row, (lxw_col_t)c, &copy,
                                         f ? f : has_time ? w->datetime : w->date);
  return e ? fail_lxw(w, e) : ISMS_OK;
}

/* s[0..n) with s[n] NUL: as a number in a number column when it is one,
** as a date in a date column when it is one, else as text. */
static int put_text(writer *w, int c, const char *s, size_t n, int numeric, lxw_format *f) {
  double v;
  if (numeric && parse_number(s, n, &v)) return put_number(w, c, v, f);
  lxw_datetime dt;
  int has_time;
  if (is_date(w->sh, c) && parse_date(s, n, &dt, &has_time)) return put_date(w, c, &dt, has_time, f);
  s = text_fit(w, s, &n);
  if (!s) return fail(w, ISMS_NOMEM, "out of memory");
  if (w->width[c] < n) w->width[c] = (uint32_t)n;  /* n <= CUT_BYTES */
  w->xml += XML_CELL + n;
  lxw_error e = worksheet_write_string(w->cur, w->row, (lxw_col_t)c, s, f);
  return e ? fail_lxw(w, e) : ISMS_OK;
}

static int put_column(writer *w, sqlite3_stmt *q, int c) {
  int type = sqlite3_column_type(q, c);
  if (type == SQLITE_NULL) return ISMS_OK;
  int numeric = is_numeric(w->sh, c);
  if (numeric && type == SQLITE_INTEGER) {
    int64_t i = sqlite3_column_int64(q, c);
    if (i >= -EXACT_INT && i <= EXACT_INT) return put_number(w, c, (double)i, NULL);
  } else if (numeric && type == SQLITE_FLOAT) {
    double d = sqlite3_column_double(q, c);
    if (isfinite(d)) return put_number(w, c, d, NULL);
  }
  /* Text, or a number as SQLite spells it: an integer beyond 2^53 stays
  ** exact as text, an infinity would be no number in the XML. */
  const char *s = (const char *)sqlite3_column_text(q, c);
  if (!s) return fail(w, ISMS_NOMEM, "out of memory");
  size_t n = (size_t)sqlite3_column_bytes(q, c);
  return put_text(w, c, s, n, numeric && type == SQLITE_TEXT, NULL);
}

static int write_query(writer *w, sqlite3_stmt *q) {
  int rc, step;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    if ((rc = row_begin(w))) return rc;
    for (int c = 0; c < w->sh->ncols; c++)
      if ((rc = put_column(w, q, c))) return rc;
    w->row++;
    w->xml += XML_ROW;
  }
  if (step != SQLITE_DONE) return fail_sql(w, "query");
  return ISMS_OK;
}

static int write_cells(writer *w) {
  const isms_sheet *sh = w->sh;
  int rc;
  for (size_t r = 0; r < sh->nrows; r++) {
    if ((rc = row_begin(w))) return rc;
    for (int c = 0; c < sh->ncols; c++) {
      size_t at = r * (size_t)sh->ncols + (size_t)c;
      const char *s = sh->cells[at];
      const char *spec = sh->fills ? sh->fills[at] : NULL;
      lxw_format *f = NULL;
      rc = ISMS_OK;
      if (spec && *spec) {
        long rgb = parse_rgb(spec);
        if (rgb < 0)
          return fail(w, ISMS_MISUSE, "sheet \"%s\", row %zu, column %d: fill \"%s\" is not #RRGGBB",
                      sh->name, r + 1, c + 1, spec);
        if ((rc = fill_format(w, (uint32_t)rgb, &f))) return rc;
      }
      if (s) {
        rc = put_text(w, c, s, strlen(s), is_numeric(sh, c), f);
      } else if (f) {  /* a coloured cell without text: a heat map's empty cell */
        lxw_error e = worksheet_write_blank(w->cur, w->row, (lxw_col_t)c, f);
        rc = e ? fail_lxw(w, e) : ISMS_OK;
      }
      if (rc) return rc;
    }
    w->row++;
    w->xml += XML_ROW;
  }
  return ISMS_OK;
}

static int write_sheet(writer *w, const isms_sheet *sh, sqlite3_stmt *q) {
  w->sh = sh;
  uint32_t *width = realloc(w->width, (size_t)sh->ncols * sizeof *width);
  if (!width) return fail(w, ISMS_NOMEM, "out of memory");
  w->width = width;
  int rc = part_open(w, 1);
  if (!rc) rc = q ? write_query(w, q) : write_cells(w);
  if (!rc) rc = part_close(w);
  return rc;
}

/* ============================================================== checking */

/* Everything about sheet k that can be checked before a byte is written,
** its query prepared into *q (so a bad last sheet fails in milliseconds,
** not after the rows of the first). */
static int check_sheet(writer *w, int k, const isms_sheet *sh, sqlite3_stmt **q) {
  int rc = check_name(w, k, sh->name);
  if (rc) return rc;
  const char *name = sh->name;
  if (sh->ncols < 1 || sh->ncols > XL_COLS)
    return fail(w, ISMS_MISUSE, "sheet \"%s\": %d columns (1 to %d)", name, sh->ncols, XL_COLS);
  if (!sh->titles) return fail(w, ISMS_MISUSE, "sheet \"%s\": no column titles", name);
  for (int c = 0; c < sh->ncols; c++) {
    if (!sh->titles[c])
      return fail(w, ISMS_MISUSE, "sheet \"%s\": column %d has no title", name, c + 1);
    if (sh->kinds && sh->kinds[c] > ISMS_CELL_VALUE)
      return fail(w, ISMS_MISUSE, "sheet \"%s\": column %d has kind %d", name, c + 1,
                  sh->kinds[c]);
  }
  if (!sh->query) {
    if (sh->nrows && !sh->cells)
      return fail(w, ISMS_MISUSE, "sheet \"%s\": %zu rows but no cells", name, sh->nrows);
    if (sh->nrows > SIZE_MAX / (size_t)sh->ncols)
      return fail(w, ISMS_MISUSE, "sheet \"%s\": too many cells", name);
    return ISMS_OK;
  }
  if (!w->db) return fail(w, ISMS_MISUSE, "sheet \"%s\": a query needs a register", name);
  const char *tail;
  if (sqlite3_prepare_v2(w->db->sql, sh->query, -1, q, &tail) != SQLITE_OK) {
    *q = NULL;
    char what[160];
    snprintf(what, sizeof what, "sheet \"%s\": query", name);
    return isms__fail_sql(w->db, what);
  }
  if (!*q) return fail(w, ISMS_MISUSE, "sheet \"%s\": the query is empty", name);
  if (!sqlite3_stmt_readonly(*q))
    return fail(w, ISMS_MISUSE, "sheet \"%s\": query must be read-only", name);
  /* prepare compiles the first statement only: a second would be ignored. */
  tail += strspn(tail, " \t\r\n;");
  if (*tail) return fail(w, ISMS_MISUSE, "sheet \"%s\": query must be one statement", name);
  int have = sqlite3_column_count(*q);
  if (have != sh->ncols)
    return fail(w, ISMS_MISUSE, "sheet \"%s\": the query has %d columns, the sheet %d", name,
                have, sh->ncols);
  return ISMS_OK;
}

/* ================================================================== files */

/* Creates path.tmp-XXXXXX (new, with the mode a new file at path would
** get) and sets *tmp to its name. */
static int temp_create(writer *w, char **tmp) {
  static const char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  size_t n = strlen(w->path);
  char *name = malloc(n + 12);
  if (!name) return fail(w, ISMS_NOMEM, "out of memory");
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
               ((uint64_t)getpid() << 12) ^ (uint64_t)(uintptr_t)name;
  for (int tries = 0; tries < 100; tries++) {
    /* splitmix64: six well-mixed letters per try */
    x += 0x9E3779B97F4A7C15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    memcpy(name, w->path, n);
    memcpy(name + n, ".tmp-", 5);
    for (int k = 0; k < 6; k++, z /= 62) name[n + 5 + k] = digits[z % 62];
    name[n + 11] = '\0';
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      close(fd);
      *tmp = name;
      return ISMS_OK;
    }
    if (errno != EEXIST) {
      int err = errno;
      free(name);
      return fail(w, ISMS_IO, "%s: cannot write: %s", w->path, strerror(err));
    }
  }
  free(name);
  return fail(w, ISMS_IO, "%s: cannot create a temporary file beside it", w->path);
}

/* The directory of path, where libxlsxwriter keeps its temporary files:
** the output must fit there anyway, and /tmp may be memory. */
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  size_t n = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
  char *dir = malloc(n + 1);
  if (!dir) return NULL;
  if (!slash) memcpy(dir, ".", 1);
  else memcpy(dir, path, n);
  dir[n] = '\0';
  return dir;
}

/* Frees a workbook that will not be closed. libxlsxwriter's free leaves
** each worksheet's temporary file open (an unlinked file: its disk space
** stays taken until the process ends), so close them first. */
static void discard(writer *w) {
  for (int k = 0; k < w->nws; k++) {
    lxw_worksheet *ws = w->ws[k];
    if (ws->optimize_tmpfile) fclose(ws->optimize_tmpfile);
    ws->optimize_tmpfile = NULL;
    ws->file = NULL;
  }
  lxw_workbook_free(w->wb);
  w->wb = NULL;
}

/* ==================================================================== API */

ISMS_API int isms_report_xlsx(isms_db *db, const char *path, const char *title, int nsheets,
                              const isms_sheet *sheets) {
  if (db) isms__clear_error(db);
  writer w = {.db = db, .path = path};
  if (!path || !*path) return fail(&w, ISMS_MISUSE, "no path for the workbook");
  if (nsheets < 1 || !sheets) return fail(&w, ISMS_MISUSE, "a workbook needs a sheet");
  sqlite3_stmt **q = calloc((size_t)nsheets, sizeof *q);
  if (!q) return fail(&w, ISMS_NOMEM, "out of memory");
  char *tmp = NULL, *dir = NULL;
  int rc = ISMS_OK;
  for (int k = 0; k < nsheets && !rc; k++) rc = check_sheet(&w, k, &sheets[k], &q[k]);
  if (!rc) rc = temp_create(&w, &tmp);
  if (!rc && !(dir = dir_of(path))) rc = fail(&w, ISMS_NOMEM, "out of memory");

  /* libxlsxwriter prints numbers with snprintf: in a locale with a decimal
  ** comma the XML would say 1,5. This thread writes in the C locale. */
  locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  locale_t old_locale = c_locale ? uselocale(c_locale) : (locale_t)0;

  if (!rc) {
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = dir};
    w.wb = workbook_new_opt(tmp, &opt);
    if (!w.wb) rc = fail(&w, ISMS_NOMEM, "out of memory");
  }
  if (!rc && title) {
    size_t n = strlen(title);
    const char *t = text_fit(&w, title, &n);
    lxw_doc_properties props = {.title = (char *)t};
    if (!t) rc = fail(&w, ISMS_NOMEM, "out of memory");
    else if (workbook_set_properties(w.wb, &props) != LXW_NO_ERROR)
      rc = fail(&w, ISMS_NOMEM, "out of memory");
  }
  if (!rc) rc = make_formats(&w);
  for (int k = 0; k < nsheets && !rc; k++) rc = write_sheet(&w, &sheets[k], q[k]);
  if (!rc) {
    /* The packager reads the option at the close; see ZIP64_AFTER. */
    if (w.zip64) w.wb->options.use_zip64 = LXW_TRUE;
    lxw_error e = workbook_close(w.wb);
    w.wb = NULL;
    if (e) rc = fail(&w, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? ISMS_NOMEM : ISMS_IO,
                     "%s: %s", path, lxw_strerror(e));
  }
  if (w.wb) discard(&w);

  if (c_locale) {
    uselocale(old_locale);
    freelocale(c_locale);
  }
  if (!rc && rename(tmp, path) != 0)
    rc = fail(&w, ISMS_IO, "%s: cannot rename into place: %s", path, strerror(errno));
  if (rc && tmp) remove(tmp);

  for (int k = 0; k < nsheets; k++) sqlite3_finalize(q[k]);
  free(q);
  for (int k = 0; k < w.nnames; k++) free(w.names[k]);
  free(w.names);
  free(w.ws);
  free(w.fills);
  free(w.buf);
  free(w.width);
  free(tmp);
  free(dir);
  return rc;
}
