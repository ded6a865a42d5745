/*
** xlsx_table.c -- one table people fill in, as an XLSX worksheet
** (isms_xlsx_table): a questionnaire, an inventory template.
**
** What makes it fillable rather than a report: the columns that identify
** a row (an id, a title) are locked and the sheet protected (without a
** password: protection here guards against slips, not people), while the
** answer columns stay open, cell by cell down to the last row; columns
** with a fixed set of answers get a drop-down list (data validation), so
** a status is picked rather than typed. And it prints: landscape, one
** page wide, the header row repeated on every page, the sheet name and
** page numbers in the footer. The header row is bold and frozen and has
** an autofilter.
**
** A list longer than the 255 characters Excel allows inline (or with a
** comma or quote in a value) goes to a hidden sheet the validation points
** at.
** The file is written beside path and renamed into place, so a failure
** leaves no partial file there.
*/
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "isms_internal.h"

#define XL_ROWS 1048576u
#define WIDTH_MIN 6.0
#define WIDTH_MAX 60.0
#define LIST_INLINE_MAX 255    /* characters of an inline list, commas included */
#define LISTS_SHEET "Lists"

typedef struct table {
  const char *path;
  char *err;
  int code;
  lxw_workbook *wb;
} table;

static void fail(table *t, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(table *t, int code, const char *fmt, ...) {
  if (t->code) return;
  char msg[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  size_t n = strlen(t->path) + strlen(msg) + 3;
  t->err = malloc(n);
  if (t->err) snprintf(t->err, n, "%s: %s", t->path, msg);
  t->code = code;
}

static void fail_lxw(table *t, lxw_error e, const char *what) {
  fail(t, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? ISMS_NOMEM : ISMS_IO, "%s: %s", what,
       lxw_strerror(e));
}

/* Characters (not bytes) of UTF-8 text, for column widths. */
static size_t chars(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

/* Whether text is a plain decimal number, to store it as one. */
static int is_number(const char *s) {
  const char *p = s;
  if (*p == '-') p++;
  int digits = 0;
  while (*p >= '0' && *p <= '9') p++, digits++;
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9') p++, digits++;
  }
  return digits > 0 && digits <= 15 && *p == 0;
}

/* Header and footer codes treat '&' as a command: write it as "&&". */
static char *footer_text(const char *title) {
  size_t n = strlen(title);
  char *out = malloc(2 * n + 40);
  if (!out) return NULL;
  char *o = out;
  o += sprintf(o, "&L");
  for (const char *p = title; *p; p++) {
    if (*p == '&') *o++ = '&';
    *o++ = *p;
  }
  sprintf(o, "&RPage &P of &N");
  return out;
}

/* Drop-down lists: inline when they fit, else a range of the hidden sheet
** (created on first need; column k of it holds column k's values). */
static void validate_lists(table *t, lxw_worksheet *ws, int ncols, const isms_xlsx_column *cols,
                           size_t nrows) {
  lxw_worksheet *lists = NULL;
  lxw_row_t last = (lxw_row_t)(nrows > 0 ? nrows : 1);
  for (int c = 0; c < ncols && !t->code; c++) {
    const isms_xlsx_column *col = &cols[c];
    if (col->nvalues <= 0) continue;
    size_t len = 0;
    int comma = 0;
    for (int k = 0; k < col->nvalues; k++) {
      /* bytes, as libxlsxwriter counts them; a comma or quote cannot be
      ** written in an inline list */
      len += strlen(col->values[k]) + 1;
      comma = comma || strpbrk(col->values[k], ",\"") != NULL;
    }
    lxw_data_validation dv;
    memset(&dv, 0, sizeof dv);
    dv.validate = LXW_VALIDATION_TYPE_LIST;
    dv.error_type = LXW_VALIDATION_ERROR_TYPE_STOP;
    dv.error_title = "Not in the list";
    dv.error_message = "Pick one of the values in the drop-down list.";
    char **inline_values = NULL;
    char formula[96];
    if (len - 1 <= LIST_INLINE_MAX && !comma) {
      inline_values = calloc((size_t)col->nvalues + 1, sizeof *inline_values);
      if (!inline_values) return fail(t, ISMS_NOMEM, "out of memory");
      for (int k = 0; k < col->nvalues; k++) inline_values[k] = (char *)col->values[k];
      dv.value_list = inline_values;
    } else {
      if (!lists) {
        lists = workbook_add_worksheet(t->wb, LISTS_SHEET);
        if (!lists) return fail(t, ISMS_NOMEM, "out of memory");
        worksheet_hide(lists);
      }
      for (int k = 0; k < col->nvalues; k++) {
        lxw_error e = worksheet_write_string(lists, (lxw_row_t)k, (lxw_col_t)c, col->values[k], NULL);
        if (e) return fail_lxw(t, e, "the values of a drop-down list");
      }
      char from[16], to[16];
      lxw_rowcol_to_cell_abs(from, 0, (lxw_col_t)c, 1, 1);
      lxw_rowcol_to_cell_abs(to, (lxw_row_t)col->nvalues - 1, (lxw_col_t)c, 1, 1);
      snprintf(formula, sizeof formula, "=" LISTS_SHEET "!%s:%s", from, to);
      dv.validate = LXW_VALIDATION_TYPE_LIST_FORMULA;
      dv.value_formula = formula;
    }
    lxw_error e = worksheet_data_validation_range(ws, 1, (lxw_col_t)c, last, (lxw_col_t)c, &dv);
    free(inline_values);
    if (e) return fail_lxw(t, e, col->title ? col->title : "a drop-down list");
  }
}

static void write_table(table *t, const char *sheet_title, int ncols,
                        const isms_xlsx_column *cols, size_t nrows, const char *const *cells) {
  /* Checked here, as Excel would, rather than by libxlsxwriter, which
  ** prints a warning on standard error first. */
  if (chars(sheet_title) > 31 || strpbrk(sheet_title, "[]:*?/\\") || sheet_title[0] == '\'' ||
      sheet_title[strlen(sheet_title) - 1] == '\'')
    return fail(t, ISMS_MISUSE, "'%s' is not a sheet name (at most 31 characters, none of "
                "[]:*?/\\, no ' at either end)", sheet_title);
  if (strcasecmp(sheet_title, LISTS_SHEET) == 0)
    return fail(t, ISMS_MISUSE, "the sheet name '%s' is kept for drop-down lists", LISTS_SHEET);
  if (strcasecmp(sheet_title, "History") == 0)
    return fail(t, ISMS_MISUSE, "the sheet name 'History' is reserved by Excel");
  lxw_worksheet *ws = workbook_add_worksheet(t->wb, sheet_title);
  if (!ws) return fail(t, ISMS_NOMEM, "out of memory");

  lxw_format *head = workbook_add_format(t->wb);
  lxw_format *locked = workbook_add_format(t->wb);
  lxw_format *open = workbook_add_format(t->wb);
  if (!head || !locked || !open) return fail(t, ISMS_NOMEM, "out of memory");
  format_set_bold(head);
  format_set_bg_color(head, 0xD9E1F2);
  format_set_bottom(head, LXW_BORDER_THIN);
  format_set_text_wrap(head);
  format_set_align(head, LXW_ALIGN_VERTICAL_TOP);
  /* Locked cells are shaded, so a reader sees what is not theirs to edit. */
  format_set_bg_color(locked, 0xF2F2F2);
  format_set_text_wrap(locked);
  format_set_align(locked, LXW_ALIGN_VERTICAL_TOP);
  format_set_unlocked(open);
  format_set_text_wrap(open);
  format_set_align(open, LXW_ALIGN_VERTICAL_TOP);

  int any_locked = 0;
  for (int c = 0; c < ncols; c++) {
    const isms_xlsx_column *col = &cols[c];
    any_locked = any_locked || col->locked;
    double width = col->width;
    if (width <= 0) {
      /* Fit the widest text, within bounds (titles wrap beyond them). */
      size_t w = chars(col->title ? col->title : "") + 2;
      for (size_t r = 0; r < nrows; r++) {
        const char *s = cells[r * (size_t)ncols + (size_t)c];
        if (s && chars(s) + 1 > w) w = chars(s) + 1;
      }
      width = (double)w;
      if (width < WIDTH_MIN) width = WIDTH_MIN;
      if (width > WIDTH_MAX) width = WIDTH_MAX;
    }
    lxw_error e = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width,
                                       col->locked ? locked : open);
    if (e) return fail_lxw(t, e, "a column");
    e = worksheet_write_string(ws, 0, (lxw_col_t)c, col->title ? col->title : "", head);
    if (e) return fail_lxw(t, e, "the header row");
  }
  for (size_t r = 0; r < nrows; r++) {
    for (int c = 0; c < ncols; c++) {
      const isms_xlsx_column *col = &cols[c];
      const char *s = cells[r * (size_t)ncols + (size_t)c];
      lxw_format *f = col->locked ? locked : open;
      lxw_row_t row = (lxw_row_t)(r + 1);
      lxw_error e;
      /* Every cell is written with its format, blank ones too: a cell
      ** without one would be locked under the protection. */
      if (!s || !*s) e = worksheet_write_blank(ws, row, (lxw_col_t)c, f);
      else if (col->numeric && is_number(s))
        e = worksheet_write_number(ws, row, (lxw_col_t)c, strtod(s, NULL), f);
      else e = worksheet_write_string(ws, row, (lxw_col_t)c, s, f);
      if (e) {
        char where[32];
        lxw_rowcol_to_cell(where, row, (lxw_col_t)c);
        return fail_lxw(t, e, where);
      }
    }
  }
  validate_lists(t, ws, ncols, cols, nrows);
  if (t->code) return;

  worksheet_freeze_panes(ws, 1, 0);
  worksheet_autofilter(ws, 0, 0, (lxw_row_t)nrows, (lxw_col_t)(ncols - 1));
  worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 0);
  worksheet_repeat_rows(ws, 0, 0);
  worksheet_set_margins(ws, 0.5, 0.5, 0.6, 0.6);
  char *footer = footer_text(sheet_title);
  if (!footer) return fail(t, ISMS_NOMEM, "out of memory");
  worksheet_set_footer(ws, footer);
  free(footer);
  if (any_locked) {
    /* No password: the lock keeps slips out of the id columns. Filtering,
    ** and resizing columns and rows, stay allowed. */
    lxw_protection prot;
    memset(&prot, 0, sizeof prot);
    prot.autofilter = 1;
    prot.format_columns = 1;
    prot.format_rows = 1;
    worksheet_protect(ws, NULL, &prot);
  }
}

/* A fresh file beside path, with the mode a new file there would get. */
static char *temp_beside(table *t) {
  size_t n = strlen(t->path);
  char *name = malloc(n + 12);
  if (!name) {
    fail(t, ISMS_NOMEM, "out of memory");
    return NULL;
  }
  memcpy(name, t->path, n);
  memcpy(name + n, ".tmp-XXXXXX", 12);
  int fd = mkstemp(name);
  if (fd < 0) {
    fail(t, ISMS_IO, "cannot write beside it: %s", strerror(errno));
    free(name);
    return NULL;
  }
  mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0) { /* the file stays 0600: still usable */ }
  close(fd);
  return name;
}

ISMS_API int isms_xlsx_table(const char *path, const char *sheet_title, int ncols,
                             const isms_xlsx_column *cols, size_t nrows,
                             const char *const *cells, char **err) {
  if (!err) return ISMS_MISUSE;
  *err = NULL;
  table t = {.path = path ? path : "(no path)"};
  if (!path || !*path) fail(&t, ISMS_MISUSE, "no path for the workbook");
  else if (!sheet_title || !*sheet_title) fail(&t, ISMS_MISUSE, "no sheet name");
  else if (ncols < 1 || ncols > 16384 || !cols) fail(&t, ISMS_MISUSE, "no columns");
  else if (nrows >= XL_ROWS) fail(&t, ISMS_MISUSE, "%zu rows do not fit a worksheet", nrows);
  else if (nrows > 0 && !cells) fail(&t, ISMS_MISUSE, "rows without cells");
  for (int c = 0; !t.code && c < ncols; c++)
    if (cols[c].nvalues > 0 && !cols[c].values)
      fail(&t, ISMS_MISUSE, "column %d: a list of values without values", c + 1);
  char *tmp = t.code ? NULL : temp_beside(&t);

  /* libxlsxwriter prints numbers with snprintf: in a locale with a
  ** decimal comma the XML would say 1,5. This thread writes in C. */
  locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  locale_t old_locale = c_locale ? uselocale(c_locale) : (locale_t)0;
  if (!t.code) {
    t.wb = workbook_new(tmp);
    if (!t.wb) fail(&t, ISMS_IO, "cannot start the workbook");
  }
  if (!t.code) {
    lxw_doc_properties props = {.title = (char *)sheet_title};
    workbook_set_properties(t.wb, &props);
    write_table(&t, sheet_title, ncols, cols, nrows, cells);
  }
  if (t.wb) {
    if (t.code) {
      lxw_workbook_free(t.wb);
    } else {
      lxw_error e = workbook_close(t.wb);
      if (e) fail_lxw(&t, e, "writing");
    }
  }
  if (c_locale) {
    uselocale(old_locale);
    freelocale(c_locale);
  }
  if (!t.code && rename(tmp, path) != 0)
    fail(&t, ISMS_IO, "cannot rename into place: %s", strerror(errno));
  if (t.code && tmp) remove(tmp);
  free(tmp);
  if (t.code) {
    *err = t.err;
    return t.code;
  }
  return ISMS_OK;
}
