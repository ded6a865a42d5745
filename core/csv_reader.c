/*
** csv_reader.c -- a plain CSV reader for the Lua layer's smaller imports
** (risks, and later registers of the same shape).
**
** The whole file is read, checked as UTF-8 without NUL bytes, and parsed
** with libcsv line by line, so every record knows the line it starts on
** and every field its line and column -- the "file:line:column" of an
** error message. Records are then handed out one at a time. The asset
** import has its own threaded pipeline (csv_import.c); this one favours
** simplicity for files of thousands of rows.
*/
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

typedef struct span {
  size_t off, len;
} span;

typedef struct record {
  int64_t line;    /* where the record starts */
  size_t start;    /* byte offset of its first character in text */
  size_t first;    /* index of its first field in fields */
  int nfields;
} record;

struct isms_csv_reader {
  char *path;
  char *text;      /* the file, BOM removed */
  size_t len;
  char *cells;     /* field bytes, each NUL-terminated */
  size_t cells_used, cells_cap;
  span *fields;
  size_t nfields, fields_cap;
  record *recs;
  size_t nrecs, recs_cap;
  size_t next;     /* the record isms_csv_next hands out next */
  size_t cur_start;
  int64_t cur_line;
  int nomem;
  char delim;      /* ',' or, detected from the header, ';' */
  char err[512];
};

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  void *q = realloc(*p, c * size);
  if (!q) return -1;
  *p = q;
  *cap = c;
  return 0;
}

static void on_field(void *s, size_t n, void *data) {
  isms_csv_reader *r = data;
  if (r->nomem) return;
  if (grow((void **)&r->cells, &r->cells_cap, r->cells_used + n + 1, 1) ||
      grow((void **)&r->fields, &r->fields_cap, r->nfields + 1, sizeof(span))) {
    r->nomem = 1;
    return;
  }
  if (n) memcpy(r->cells + r->cells_used, s, n);
  r->cells[r->cells_used + n] = 0;
  r->fields[r->nfields++] = (span){r->cells_used, n};
  r->cells_used += n + 1;
}

static void on_record(int c, void *data) {
  (void)c;
  isms_csv_reader *r = data;
  if (r->nomem) return;
  size_t first = r->nrecs ? r->recs[r->nrecs - 1].first + (size_t)r->recs[r->nrecs - 1].nfields
                          : 0;
  if (grow((void **)&r->recs, &r->recs_cap, r->nrecs + 1, sizeof(record))) {
    r->nomem = 1;
    return;
  }
  r->recs[r->nrecs++] = (record){r->cur_line, r->cur_start, first, (int)(r->nfields - first)};
}

/* Line and column (1-based, in characters) of byte offset off. */
static void position(const isms_csv_reader *r, size_t off, int64_t *line, int *col) {
  int64_t l = 1;
  int c = 1;
  for (size_t k = 0; k < off && k < r->len; k++) {
    unsigned char ch = (unsigned char)r->text[k];
    if (ch == '\n') {
      l++;
      c = 1;
    } else if ((ch & 0xC0) != 0x80) {
      c++;
    }
  }
  *line = l;
  *col = c;
}

static void fail(isms_csv_reader *r, size_t off, const char *why) {
  int64_t line;
  int col;
  position(r, off, &line, &col);
  snprintf(r->err, sizeof r->err, "%s:%lld:%d: %s", r->path, (long long)line, col, why);
}

ISMS_API int isms_csv_open(const char *path, isms_csv_reader **out) {
  if (out) *out = NULL;
  if (!path || !out) return ISMS_MISUSE;
  isms_csv_reader *r = calloc(1, sizeof *r);
  if (!r || !(r->path = strdup(path))) {
    free(r);
    return ISMS_NOMEM;
  }
  *out = r;
  char why[128];
  FILE *f = isms__open_input(path, why, sizeof why);
  if (!f) {
    snprintf(r->err, sizeof r->err, "%s: %s", path, why);
    return ISMS_IO;
  }
  size_t cap = 0;
  for (;;) {
    if (grow((void **)&r->text, &cap, r->len + 65536, 1)) {
      fclose(f);
      return ISMS_NOMEM;
    }
    size_t got = fread(r->text + r->len, 1, cap - r->len, f);
    r->len += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    snprintf(r->err, sizeof r->err, "%s: cannot read", path);
    return ISMS_IO;
  }
  if (r->len >= 3 && memcmp(r->text, "\xEF\xBB\xBF", 3) == 0) {
    memmove(r->text, r->text + 3, r->len - 3);
    r->len -= 3;
  }
  size_t fault = isms__utf8_check((const unsigned char *)r->text, r->len);
  if (fault) {
    unsigned char byte = (unsigned char)r->text[fault - 1];
    char what[160];
    if (byte == 0)
      snprintf(what, sizeof what, "contains a NUL byte");
    else
      snprintf(what, sizeof what, "is not valid UTF-8: byte 0x%02X; save the file as UTF-8 "
               "(Windows-1252, Excel's \"CSV\" in Western Europe, is not)", byte);
    fail(r, fault - 1, what);
    return ISMS_INPUT;
  }
  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) return ISMS_NOMEM;
  r->delim = isms__csv_delimiter(r->text, r->len);
  csv_set_delim(&p, (unsigned char)r->delim);
  size_t from = 0;
  int64_t line = 0;
  int rc = ISMS_OK;
  while (from < r->len) {
    char *nl = memchr(r->text + from, '\n', r->len - from);
    size_t n = nl ? (size_t)(nl - (r->text + from)) + 1 : r->len - from;
    line++;
    if (p.pstate == 0) {  /* a record starts on this line */
      r->cur_start = from;
      r->cur_line = line;
    }
    if (csv_parse(&p, r->text + from, n, on_field, on_record, r) != n) {
      fail(r, r->cur_start, "malformed quoting in this record: a quote inside an unquoted cell, "
           "or text after a closing quote (write \"\" for a quote inside a quoted cell)");
      rc = ISMS_INPUT;
      break;
    }
    from += n;
  }
  if (!rc && csv_fini(&p, on_field, on_record, r) != 0) {
    fail(r, r->cur_start, "quoted cell is never closed (missing \")");
    rc = ISMS_INPUT;
  }
  csv_free(&p);
  if (!rc && r->nomem) rc = ISMS_NOMEM;
  return rc;
}

ISMS_API int isms_csv_next(isms_csv_reader *r) {
  if (!r) return ISMS_MISUSE;
  if (r->next >= r->nrecs) return ISMS_DONE;
  r->next++;
  return ISMS_ROW;
}

static const record *current(const isms_csv_reader *r) {
  return r && r->next > 0 && r->next <= r->nrecs ? &r->recs[r->next - 1] : NULL;
}

ISMS_API int isms_csv_fields(isms_csv_reader *r) {
  const record *rec = current(r);
  return rec ? rec->nfields : 0;
}

ISMS_API const char *isms_csv_field(isms_csv_reader *r, int k, size_t *len) {
  const record *rec = current(r);
  if (!rec || k < 0 || k >= rec->nfields) return NULL;
  span s = r->fields[rec->first + (size_t)k];
  if (len) *len = s.len;
  return r->cells + s.off;
}

ISMS_API int64_t isms_csv_line(isms_csv_reader *r) {
  const record *rec = current(r);
  return rec ? rec->line : 0;
}

/* Column where field k starts, found by walking the record's raw text:
** commas outside quotes separate fields. Lines inside a quoted cell
** restart the column count. */
ISMS_API int isms_csv_column(isms_csv_reader *r, int k, int64_t *line) {
  const record *rec = current(r);
  if (!rec) return 0;
  int field = 0, col = 1, quoted = 0;
  int64_t l = rec->line;
  for (size_t off = rec->start; off < r->len && field < k; off++) {
    unsigned char ch = (unsigned char)r->text[off];
    if (ch == '"') quoted = !quoted;
    if (ch == r->delim && !quoted) field++;
    if (ch == '\n') {
      if (!quoted) break;
      l++;
      col = 1;
    } else if ((ch & 0xC0) != 0x80) {
      col++;
    }
  }
  if (line) *line = l;
  return col;
}

/* The columns of fields 0..n-1 in one walk: cols[k] as isms_csv_column(r,
** k) gives it (a field past the record's line break: the column there). */
ISMS_API int isms_csv_columns(isms_csv_reader *r, int n, int *cols) {
  const record *rec = current(r);
  if (!rec || n <= 0 || !cols) return 0;
  int field = 0, col = 1, quoted = 0;
  cols[0] = 1;
  for (size_t off = rec->start; off < r->len && field < n - 1; off++) {
    unsigned char ch = (unsigned char)r->text[off];
    int next = 0;
    if (ch == '"') quoted = !quoted;
    if (ch == r->delim && !quoted) next = 1;
    if (ch == '\n') {
      if (!quoted) break;
      col = 1;
    } else if ((ch & 0xC0) != 0x80) {
      col++;
    }
    if (next) cols[++field] = col;
  }
  while (field < n - 1) cols[++field] = col;
  return n;
}

ISMS_API const char *isms_csv_error(isms_csv_reader *r) { return r ? r->err : ""; }

ISMS_API void isms_csv_close(isms_csv_reader *r) {
  if (!r) return;
  free(r->path);
  free(r->text);
  free(r->cells);
  free(r->fields);
  free(r->recs);
  free(r);
}
