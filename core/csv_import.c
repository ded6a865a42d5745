/*
** csv_import.c -- reading an asset inventory CSV with libcsv.
**
** One pass over the file: libcsv splits records, this file maps the header,
** checks every cell and fills columnar batches, the valuation kernel values
** each batch, and the store (asset_store.c) writes it. Parsing runs on its
** own thread while the caller's thread writes to SQLite, so the two costs
** overlap. Any bad row makes the whole import roll back: errors are
** collected as "file:line:column: column: reason" lines (up to a limit) and
** nothing is stored.
**
** Lines are fed to libcsv one physical line at a time so every record knows
** the line it starts on; the raw record stays in the read buffer until it is
** complete, so an error can point at the column where its cell begins.
**
** An inventory kept as a worksheet (isms_import_assets_xlsx) takes the same
** path from the libcsv callbacks on: xlsx_read.c reads the sheet whole, and
** its rows are handed to on_field and on_record as if libcsv had split
** them, one field per column of the header. A temporary CSV would have
** needed a map from its line:column back to the sheet's cells for every
** message, and quoting rules to get right twice; calling the callbacks
** directly keeps one set of checks, and only the position in a message
** changes: "file:Sheet!C7: column: reason".
*/
#include <csv.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "asset_batch.h"

#define FIELD_MAX (1u << 20)         /* longest accepted cell: 1 MiB */
#define RECORD_MAX (64u << 20)       /* longest accepted record */
#define READ_CHUNK (1u << 20)
#define MAX_COLUMNS 64
#define POOL 4                       /* batches in flight between threads */

/* ============================================================== header */

typedef struct header_name {
  const char *name;
  int col;
} header_name;

/* Accepted header spellings: the export names plus the register's own
** column names and the words people write in spreadsheets. */
static const header_name header_names[] = {
    {"id", ACOL_ID},           {"name", ACOL_NAME},
    {"type", ACOL_TYPE},       {"owner", ACOL_OWNER},
    {"custodian", ACOL_CUSTODIAN}, {"location", ACOL_LOCATION},
    {"outsourced", ACOL_OUTSOURCED}, {"contract", ACOL_CONTRACT},
    {"group", ACOL_GROUP},     {"is_group", ACOL_GROUP},
    {"units", ACOL_UNITS},     {"c", ACOL_C},
    {"confidentiality", ACOL_C}, {"i", ACOL_I},
    {"integrity", ACOL_I},     {"a", ACOL_A},
    {"availability", ACOL_A},  {"notes", ACOL_NOTES},
    {NULL, 0}};

static int header_lookup(const char *s, size_t n) {
  for (const header_name *h = header_names; h->name; h++)
    if (strlen(h->name) == n && strncasecmp(h->name, s, n) == 0) return h->col;
  return -1;
}

/* ============================================================== parser */

typedef struct importer importer;

struct importer {
  /* set up by isms_import_assets */
  const char *source;
  const isms_method *method;
  int max_errors;
  FILE *file;
  int64_t file_size;

  struct csv_parser csv;
  char *buf;                 /* read buffer; holds the current record whole */
  size_t buf_len, buf_cap;
  size_t rec_off;            /* where the current record starts in buf */
  int64_t line;              /* physical line being fed */
  int64_t rec_line;          /* line the current record starts on */
  int at_fini;

  /* header */
  int header_done;
  int ncols;                 /* fields in the header */
  int colmap[MAX_COLUMNS];   /* field index -> ACOL_*, -1 = ignored */
  char *header_text[MAX_COLUMNS];
  unsigned char present[ACOL_COUNT];
  int colfield[ACOL_COUNT];  /* ACOL_* -> field index */

  /* current record */
  int nfields;
  asset_span cells[ACOL_COUNT];
  int cell_field_bad;        /* field index of a bad byte sequence, or -1 */
  int rec_clean;             /* every line of the current record is valid text */
  const char *cell_bad_why;
  char cell_bad_buf[96];     /* cell_bad_why when it names the byte */
  int not_utf8;              /* some cell was not UTF-8: say how to import it */
  char delim;                /* ',' or, detected from the header, ';' */
  int group_from_units;      /* no group column: units > 1 makes a group */

  isms__strmap *ids;         /* every id seen, for duplicates */
  uint64_t id_hash;          /* hash of the current row's id (set by on_field) */
  asset_batch *batch;        /* being filled */

  /* errors */
  char *errors;
  size_t errors_len, errors_cap;
  int64_t error_count;       /* messages kept */
  int64_t bad_rows;          /* all rejected rows */
  int bad_header;
  int fatal;                 /* parsing cannot continue (quoting, I/O) */
  int io_error;
  int nomem;
  int64_t rows;

  /* a worksheet instead of a CSV file (see the top of this file) */
  const isms__xlsx_book *book;
  const char *sheet;         /* its name, for positions */
  uint32_t col0;             /* the sheet column of field 0 */
  size_t next_row;           /* the book's first row not yet fed */

  /* hand-off to the writer */
  int (*emit)(importer *im, asset_batch *b);
  asset_batch *(*take)(importer *im);
  void *pipe;
};

/* ---------------------------------------------------------- messages */

static void add_error_text(importer *im, const char *text) {
  size_t n = strlen(text);
  if (im->errors_len + n + 2 > im->errors_cap) {
    size_t cap = im->errors_cap ? im->errors_cap * 2 : 4096;
    while (im->errors_len + n + 2 > cap) cap *= 2;
    char *grown = realloc(im->errors, cap);
    if (!grown) {
      im->nomem = 1;
      return;
    }
    im->errors = grown;
    im->errors_cap = cap;
  }
  if (im->errors_len) im->errors[im->errors_len++] = '\n';
  memcpy(im->errors + im->errors_len, text, n + 1);
  im->errors_len += n;
}

/* What is wrong with a cell or header cell of n bytes whose byte fault-1
** is not text: a NUL, or not UTF-8 (named, with its place in the cell). */
static const char *bad_text(importer *im, const char *s, size_t fault) {
  unsigned char byte = (unsigned char)s[fault - 1];
  if (byte == 0) return "contains a NUL byte";
  im->not_utf8 = 1;
  snprintf(im->cell_bad_buf, sizeof im->cell_bad_buf,
           "is not valid UTF-8: byte 0x%02X at byte %zu of the cell", byte, fault);
  return im->cell_bad_buf;
}

/* Where field k of the current record begins: its line and 1-based column
** (in characters, so editors land on it). Quote-aware; k past the last
** field gives the end of the record. */
static void locate_field(const importer *im, int k, int64_t *line, int64_t *col) {
  const char *p = im->buf + im->rec_off, *end = im->buf + im->buf_len;
  const char *line_start = p, *at = p;
  int64_t ln = im->rec_line;
  int field = 0, quoted = 0;
  while (p < end && field < k) {
    char ch = *p;
    if (quoted) {
      if (ch == '"') {
        if (p + 1 < end && p[1] == '"') p++;
        else quoted = 0;
      } else if (ch == '\n') {
        ln++;
        line_start = p + 1;
      }
    } else if (ch == '"') {
      quoted = 1;
    } else if (ch == im->delim) {
      field++;
      at = p + 1;
    } else if (ch == '\n' || ch == '\r') {
      at = p;
      break;
    }
    p++;
  }
  if (field < k && p >= end) at = end;
  int64_t c = 1;
  for (const char *q = line_start; q < at; q++)
    if (((unsigned char)*q & 0xC0) != 0x80) c++;
  *line = ln;
  *col = c;
}

static void row_error(importer *im, int field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records one error against field `field` of the current record (-1: the
** record as a whole). Past the limit, errors are only counted. */
static void row_error(importer *im, int field, const char *fmt, ...) {
  if (im->error_count >= im->max_errors) {
    im->error_count++;
    return;
  }
  im->error_count++;
  char reason[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  /* Where: "file:line:column" in a CSV, "file:Sheet!C7" in a worksheet. */
  char at[400];
  if (im->book) {
    char col[8];
    isms__xlsx_col_name(im->col0 + (uint32_t)(field > 0 ? field : 0), col);
    snprintf(at, sizeof at, "%s:%.200s!%s%lld", im->source, im->sheet, col,
             (long long)im->rec_line);
  } else {
    int64_t line = im->rec_line, col = 1;
    if (field >= 0) locate_field(im, field, &line, &col);
    snprintf(at, sizeof at, "%s:%lld:%lld", im->source, (long long)line, (long long)col);
  }
  char msg[1500];
  if (field >= 0 && field < im->ncols && im->header_done)
    snprintf(msg, sizeof msg, "%s: %s: %s", at, im->header_text[field], reason);
  else
    snprintf(msg, sizeof msg, "%s: %s", at, reason);
  add_error_text(im, msg);
}

/* ------------------------------------------------------------ batches */

static int arena_put(importer *im, asset_batch *b, const char *s, size_t n,
                     asset_span *span) {
  if (b->used + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : (1u << 20);
    while (b->used + n + 1 > cap) cap *= 2;
    char *grown = realloc(b->arena, cap);
    if (!grown) {
      im->nomem = 1;
      return -1;
    }
    b->arena = grown;
    b->cap = cap;
  }
  memcpy(b->arena + b->used, s, n);
  b->arena[b->used + n] = 0;
  span->off = (uint32_t)b->used;
  span->len = (uint32_t)n;
  b->used += n + 1;
  return 0;
}

/* Empties a batch for reuse. Offset 0 of the arena is kept as an empty
** string, so a cell the file does not have (span {0, 0}) reads as "". */
static void batch_reset(importer *im, asset_batch *b) {
  static const char empty = 0;
  asset_span span;
  b->n = 0;
  b->used = 0;
  arena_put(im, b, &empty, 0, &span);
}

static int flush_batch(importer *im) {
  asset_batch *b = im->batch;
  if (!b || b->n == 0) return 0;
  im->batch = NULL;
  /* Once a row is bad nothing will be stored: stop feeding the writer. */
  if (im->bad_rows || im->nomem) {
    batch_reset(im, b);
    im->batch = b;
    return 0;
  }
  if (im->method)
    isms_method_value_bulk((isms_method *)im->method, b->n, b->c, b->i, b->a, b->value,
                           b->cls);
  else
    for (size_t k = 0; k < b->n; k++) b->value[k] = 0, b->cls[k] = -1;
  return im->emit(im, b);
}

static asset_batch *current_batch(importer *im) {
  if (!im->take) return NULL;  /* still reading the header: no pipeline yet */
  if (!im->batch) {
    im->batch = im->take(im);
    if (im->batch) batch_reset(im, im->batch);
  }
  return im->batch;
}

/* -------------------------------------------------------- cell checks */

static int parse_units(const char *s, size_t n, int32_t *out) {
  if (n == 0) {
    *out = 1;
    return 0;
  }
  int64_t v = 0;
  for (size_t k = 0; k < n; k++) {
    if (s[k] < '0' || s[k] > '9' || v > 100000000) return -1;
    v = v * 10 + (s[k] - '0');
  }
  if (v < 1) return -1;
  *out = (int32_t)v;
  return 0;
}

static void check_level(importer *im, int dim, int col, int8_t *out) {
  const asset_batch *b = im->batch;
  const char *s = b->arena + im->cells[col].off;
  size_t n = im->cells[col].len;
  int v = 0;
  if (!im->present[col]) {
    *out = 0;
    return;
  }
  if (im->method) {
    char why[700];
    if (isms__method_parse(im->method, dim, s, n, &v, why, sizeof why)) {
      row_error(im, im->colfield[col], "%s", why);
      return;
    }
  } else if (n) {
    /* Without a methodology only tier numbers can be read. */
    int32_t num;
    if (parse_units(s, n, &num) || num > ISMS_MAX_TIER) {
      row_error(im, im->colfield[col],
                "'%.*s' is not a tier number 1-%d (labels need a methodology)",
                n > 40 ? 40 : (int)n, s, ISMS_MAX_TIER);
      return;
    }
    v = num;
  }
  *out = (int8_t)v;
}

/* A yes/no cell: 1 or 0; a bad cell is reported and reads as 0. */
static int8_t check_flag(importer *im, int col) {
  if (!im->present[col]) return 0;
  const char *s = im->batch->arena + im->cells[col].off;
  int flag = isms__flag_parse(s, im->cells[col].len);
  if (flag < 0) row_error(im, im->colfield[col], "expected yes or no, found '%s'", s);
  return (int8_t)(flag > 0);
}

/* Validates the record in im->cells and keeps it in the batch, or reports
** what is wrong with it. */
static void finish_row(importer *im) {
  asset_batch *b = im->batch;
  size_t r = b->n;
  int64_t before = im->error_count;
  const char *id = b->arena + im->cells[ACOL_ID].off;
  size_t idlen = im->cells[ACOL_ID].len;

  if (im->cell_field_bad >= 0) row_error(im, im->cell_field_bad, "%s", im->cell_bad_why);
  if (im->nfields != im->ncols) {
    if (im->nfields < im->ncols)
      row_error(im, im->nfields, "row has %d fields, the header has %d (%s%s missing)",
                im->nfields, im->ncols, im->header_text[im->nfields],
                im->ncols - im->nfields > 1 ? " and later ones" : "");
    else
      row_error(im, im->ncols, "row has %d fields, the header has %d", im->nfields,
                im->ncols);
  } else {
    if (idlen == 0) {
      row_error(im, im->colfield[ACOL_ID], "id is empty");
    } else {
      int64_t first;
      int seen = isms__strmap_add_hashed(im->ids, im->id_hash, id, idlen, im->rec_line, &first);
      if (seen < 0) im->nomem = 1;
      else if (seen)
        row_error(im, im->colfield[ACOL_ID], "duplicate id '%.*s' (first on %s %lld)",
                  idlen > 60 ? 60 : (int)idlen, id, im->book ? "row" : "line", (long long)first);
    }
    if (im->cells[ACOL_NAME].len == 0) row_error(im, im->colfield[ACOL_NAME], "name is empty");
    int type = isms__asset_type_parse(b->arena + im->cells[ACOL_TYPE].off,
                                      im->cells[ACOL_TYPE].len);
    if (type < 0)
      row_error(im, im->colfield[ACOL_TYPE],
                "unknown asset type '%.*s'; expected information, software, physical, "
                "service, people or intangible",
                im->cells[ACOL_TYPE].len > 40 ? 40 : (int)im->cells[ACOL_TYPE].len,
                b->arena + im->cells[ACOL_TYPE].off);
    b->type[r] = (int8_t)type;
    b->outsourced[r] = check_flag(im, ACOL_OUTSOURCED);
    int flag = b->group[r] = check_flag(im, ACOL_GROUP);
    b->units[r] = 1;
    if (im->present[ACOL_UNITS]) {
      const char *s = b->arena + im->cells[ACOL_UNITS].off;
      if (parse_units(s, im->cells[ACOL_UNITS].len, &b->units[r]))
        row_error(im, im->colfield[ACOL_UNITS], "'%s' is not a whole number of units (1 or more)",
                  s);
      else if (im->group_from_units)
        b->group[r] = b->units[r] > 1;  /* an inventory that counts units has groups */
      else if (b->units[r] > 1 && flag == 0)
        row_error(im, im->colfield[ACOL_UNITS],
                  "%d units given for an asset that is not a group (set group to yes)",
                  (int)b->units[r]);
    }
    check_level(im, ISMS_DIM_C, ACOL_C, &b->c[r]);
    check_level(im, ISMS_DIM_I, ACOL_I, &b->i[r]);
    check_level(im, ISMS_DIM_A, ACOL_A, &b->a[r]);
  }
  im->rows++;
  if (im->error_count != before) {
    im->bad_rows++;
    return;
  }
  b->line[r] = im->rec_line;
  memcpy(b->text[r], im->cells, sizeof im->cells);
  b->n++;
  if (b->n == ASSET_BATCH_ROWS && flush_batch(im)) im->fatal = 1;
}

/* --------------------------------------------------- libcsv callbacks */

static void on_header_field(importer *im, const char *s, size_t n) {
  int k = im->nfields;
  if (k >= MAX_COLUMNS) {
    if (k == MAX_COLUMNS) row_error(im, -1, "more than %d columns in the header", MAX_COLUMNS);
    return;
  }
  im->header_text[k] = strndup(s, n);
  if (!im->header_text[k]) {
    im->nomem = 1;
    return;
  }
  im->ncols = k + 1;
  /* A NUL or a byte that is not UTF-8 would cut or garble the name in the
  ** message: say what is wrong with the cell instead of quoting it. */
  size_t fault = isms__utf8_check((const unsigned char *)s, n);
  if (fault) {
    im->colmap[k] = -1;
    if (s[fault - 1] == 0)
      row_error(im, k, "header cell %d contains a NUL byte at byte %zu", k + 1, fault);
    else
      row_error(im, k, "header cell %d is not valid UTF-8: byte 0x%02X at byte %zu", k + 1,
                (unsigned char)s[fault - 1], fault);
    if (s[fault - 1] != 0) im->not_utf8 = 1;
    return;
  }
  int col = header_lookup(s, n);
  im->colmap[k] = col;
  if (col < 0) {
    row_error(im, k, "unknown column '%.*s'; expected id, name, type, owner, custodian, "
              "location, outsourced, contract, group, units, c, i, a, notes",
              n > 40 ? 40 : (int)n, s);
  } else if (im->present[col]) {
    row_error(im, k, "column '%.*s' appears twice (also field %d)", n > 40 ? 40 : (int)n, s,
              im->colfield[col] + 1);
  } else {
    im->present[col] = 1;
    im->colfield[col] = k;
  }
}

static void on_field(void *s, size_t n, void *data) {
  importer *im = data;
  const char *text = s ? s : "";
  int k = im->nfields;
  if (im->fatal) return;
  if (!im->header_done) {
    on_header_field(im, text, n);
    im->nfields++;
    return;
  }
  im->nfields++;
  if (k >= im->ncols || im->colmap[k] < 0) return;
  asset_batch *b = current_batch(im);
  if (!b) return;
  /* Bytes that are not text are reported against the cell that has them. */
  size_t fault;
  if (!im->rec_clean && im->cell_field_bad < 0 &&
      (fault = isms__utf8_check((const unsigned char *)text, n))) {
    im->cell_field_bad = k;
    im->cell_bad_why = bad_text(im, text, fault);
  }
  arena_put(im, b, text, n, &im->cells[im->colmap[k]]);
  if (im->colmap[k] == ACOL_ID) {
    /* Fetch the id's slot in the id set while the rest of the row parses. */
    im->id_hash = isms__strmap_hash(text, n);
    isms__strmap_prefetch(im->ids, im->id_hash);
  }
}

static void finish_header(importer *im) {
  static const int required[] = {ACOL_ID, ACOL_NAME, ACOL_TYPE};
  im->header_done = 1;
  for (size_t k = 0; k < sizeof required / sizeof required[0]; k++)
    if (!im->present[required[k]])
      row_error(im, -1, "missing required column '%s' in the header",
                isms__asset_col_names[required[k]]);
  /* C, I and A are valued together, so a file updates all three or none. */
  int levels = im->present[ACOL_C] + im->present[ACOL_I] + im->present[ACOL_A];
  if (levels != 0 && levels != 3)
    row_error(im, -1, "columns c, i and a go together; the header has %d of them", levels);
  /* Inventories that count units often have no group column: an asset of
  ** more than one unit is then a group, one of one unit is not. */
  if (im->present[ACOL_UNITS] && !im->present[ACOL_GROUP]) {
    im->group_from_units = 1;
    im->present[ACOL_GROUP] = 1;
  }
  if (im->error_count) {
    im->bad_header = 1;
    im->fatal = 1;  /* rows cannot be read without a usable header */
  }
}

static void on_record(int term, void *data) {
  importer *im = data;
  (void)term;
  if (im->fatal) return;
  if (!im->header_done) {
    finish_header(im);
  } else if (im->batch || current_batch(im)) {
    finish_row(im);
  }
  im->nfields = 0;
  im->cell_field_bad = -1;
  memset(im->cells, 0, sizeof im->cells);  /* every cell "" until read */
}

/* Cells longer than FIELD_MAX are refused by refusing libcsv the memory. */
static void *capped_realloc(void *p, size_t n) {
  if (n > FIELD_MAX + 64) return NULL;
  return realloc(p, n);
}

/* --------------------------------------------------------- feeding */

static void parse_failed(importer *im) {
  int err = csv_error(&im->csv);
  int field = im->nfields;
  if (err == CSV_ENOMEM || err == CSV_ETOOBIG)
    row_error(im, field, "cell is longer than %u bytes (1 MiB)", FIELD_MAX);
  else if (im->at_fini)
    row_error(im, field, "quoted cell is never closed (missing \")");
  else
    row_error(im, field, "malformed quoting: a quote inside an unquoted cell, or text "
              "after a closing quote (write \"\" for a quote inside a quoted cell)");
  im->bad_rows++;
  im->fatal = 1;
}

/* Feeds whole lines from buf[from..buf_len) and returns where the unfed
** remainder starts. */
static size_t feed_lines(importer *im, size_t from) {
  while (!im->fatal) {
    char *start = im->buf + from;
    char *nl = memchr(start, '\n', im->buf_len - from);
    if (!nl) break;
    size_t n = (size_t)(nl - start) + 1;
    im->line++;
    /* One pass over the whole line is much cheaper than one per cell; only
    ** a record with a bad line checks cell by cell, to name the cell. */
    int clean = isms__utf8_check((const unsigned char *)start, n) == 0;
    im->rec_clean = im->csv.pstate == 0 ? clean : im->rec_clean && clean;
    if (csv_parse(&im->csv, start, n, on_field, on_record, im) != n) {
      parse_failed(im);
      break;
    }
    from += n;
    /* Between records libcsv is back at ROW_NOT_BEGUN (0): the next record
    ** starts on the next line. Blank lines leave it there too. */
    if (im->csv.pstate == 0) {
      im->rec_off = from;
      im->rec_line = im->line + 1;
    }
  }
  return from;
}

/* ------------------------------------------------- worksheet rows */

/* Feeds one row of the worksheet as a record: one field per column of the
** header (empty where the row has no value). Cells left of the header's
** first column are not part of the table; a value right of its last one
** is an error, as an extra field of a CSV record is. A row with nothing
** from the header's first column on is skipped, as libcsv skips a blank
** line. */
static void feed_sheet_row(importer *im, const isms__xlsx_row *row, int nfields) {
  const isms__xlsx_cell *cells = isms__xlsx_cells(im->book) + row->first;
  uint32_t k = 0;
  while (k < row->n && cells[k].col < im->col0) k++;
  if (k == row->n) return;
  im->rec_line = row->r;
  im->rec_clean = 1;  /* expat hands over UTF-8 without NUL bytes */
  for (int f = 0; f < nfields && !im->fatal; f++) {
    if (k < row->n && cells[k].col == im->col0 + (uint32_t)f) {
      on_field((void *)isms__xlsx_text(im->book, &cells[k]), cells[k].len, im);
      k++;
    } else {
      on_field(NULL, 0, im);
    }
  }
  if (k < row->n && im->header_done && im->cell_field_bad < 0) {
    im->cell_field_bad = (int)(cells[k].col - im->col0);
    im->cell_bad_why = "a value in a column without a header";
  }
  on_record(0, im);
}

/* The data rows of the worksheet (the parser thread's work for one). */
static void run_sheet(importer *im) {
  size_t n = isms__xlsx_nrows(im->book);
  const isms__xlsx_row *rows = isms__xlsx_rows(im->book);
  if (n > im->next_row) isms__strmap_reserve(im->ids, (n - im->next_row) + (n - im->next_row) / 10);
  for (size_t k = im->next_row; k < n && !im->fatal && !im->nomem; k++)
    feed_sheet_row(im, &rows[k], im->ncols);
  if (!im->fatal) flush_batch(im);
}

static void run_parser(importer *im) {
  if (im->book) {
    run_sheet(im);
    return;
  }
  size_t fed = 0;
  int sized = 0;
  for (;;) {
    if (im->fatal || im->nomem) break;
    /* Keep the current record (from rec_off) and the unfed tail. */
    size_t keep = im->rec_off < fed ? im->rec_off : fed;
    if (keep > 0) {
      memmove(im->buf, im->buf + keep, im->buf_len - keep);
      im->buf_len -= keep;
      im->rec_off -= keep;
      fed -= keep;
    }
    if (im->buf_cap - im->buf_len < READ_CHUNK) {
      if (im->buf_cap >= RECORD_MAX) {
        row_error(im, -1, "record is longer than %u MiB", RECORD_MAX >> 20);
        im->bad_rows++;
        im->fatal = 1;
        break;
      }
      size_t cap = im->buf_cap * 2;
      char *grown = realloc(im->buf, cap);
      if (!grown) {
        im->nomem = 1;
        break;
      }
      im->buf = grown;
      im->buf_cap = cap;
    }
    size_t got = fread(im->buf + im->buf_len, 1, im->buf_cap - im->buf_len, im->file);
    if (got == 0) {
      if (ferror(im->file)) im->io_error = errno ? errno : EIO;
      break;
    }
    im->buf_len += got;
    fed = feed_lines(im, fed);
    if (!sized && im->rows > 0) {
      /* Size the id set from the first chunk's rows per byte: one table
      ** allocation instead of a rehash at every doubling. */
      sized = 1;
      double estimate = (double)im->file_size * (double)im->rows / (double)(got + 1);
      if (estimate > 0 && estimate < 1e9) isms__strmap_reserve(im->ids, (size_t)(estimate * 1.1));
    }
  }
  if (!im->fatal && !im->nomem && !im->io_error) {
    /* The last line may have no newline. */
    if (fed < im->buf_len) {
      im->line++;
      im->rec_clean = 0;
      size_t n = im->buf_len - fed;
      if (csv_parse(&im->csv, im->buf + fed, n, on_field, on_record, im) != n)
        parse_failed(im);
    }
    im->at_fini = 1;
    im->rec_clean = 0;
    if (!im->fatal && csv_fini(&im->csv, on_field, on_record, im) != 0) parse_failed(im);
  }
  if (!im->fatal) flush_batch(im);
}

/* ========================================================== threading */

typedef struct pipeline {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  asset_batch *free_list[POOL];
  int nfree;
  asset_batch *ready[POOL];
  int head, nready;
  int parser_done;
  int writer_failed;
} pipeline;

static asset_batch *batch_new(void) {
  asset_batch *b = calloc(1, sizeof *b);
  return b;
}

static void batch_free(asset_batch *b) {
  if (!b) return;
  free(b->arena);
  free(b);
}

static asset_batch *take_free(importer *im) {
  pipeline *p = im->pipe;
  pthread_mutex_lock(&p->lock);
  while (p->nfree == 0 && !p->writer_failed) pthread_cond_wait(&p->changed, &p->lock);
  asset_batch *b = p->writer_failed ? NULL : p->free_list[--p->nfree];
  pthread_mutex_unlock(&p->lock);
  if (!b) im->fatal = 1;
  return b;
}

static int emit_ready(importer *im, asset_batch *b) {
  pipeline *p = im->pipe;
  pthread_mutex_lock(&p->lock);
  p->ready[(p->head + p->nready) % POOL] = b;
  p->nready++;
  int failed = p->writer_failed;
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->lock);
  return failed;
}

static void *parser_thread(void *arg) {
  importer *im = arg;
  pipeline *p = im->pipe;
  run_parser(im);
  pthread_mutex_lock(&p->lock);
  if (im->batch) p->free_list[p->nfree++] = im->batch;
  im->batch = NULL;
  p->parser_done = 1;
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

/* Single-threaded mode: the "writer" runs inline after each batch. */
typedef struct inline_pipe {
  asset_batch *batch;
  asset_store *store;
  int failed;
} inline_pipe;

static asset_batch *take_inline(importer *im) {
  inline_pipe *p = im->pipe;
  return p->batch;
}

static int emit_inline(importer *im, asset_batch *b) {
  inline_pipe *p = im->pipe;
  if (isms__store_write(p->store, b)) p->failed = 1;
  batch_reset(im, b);
  im->batch = b;
  return p->failed;
}

/* Runs parser and writer on two threads; returns the writer's result. */
static int run_threaded(importer *im, asset_store *store) {
  pipeline p;
  memset(&p, 0, sizeof p);
  pthread_mutex_init(&p.lock, NULL);
  pthread_cond_init(&p.changed, NULL);
  for (int k = 0; k < POOL; k++) {
    if (!(p.free_list[k] = batch_new())) {
      for (int j = 0; j < k; j++) batch_free(p.free_list[j]);
      return ISMS_NOMEM;
    }
  }
  p.nfree = POOL;
  im->pipe = &p;
  im->take = take_free;
  im->emit = emit_ready;
  pthread_t thread;
  int wrc = ISMS_OK;
  if (pthread_create(&thread, NULL, parser_thread, im) != 0) {
    for (int k = 0; k < POOL; k++) batch_free(p.free_list[k]);
    return ISMS_NOMEM;
  }
  pthread_mutex_lock(&p.lock);
  for (;;) {
    while (p.nready == 0 && !p.parser_done) pthread_cond_wait(&p.changed, &p.lock);
    if (p.nready == 0) break;
    asset_batch *b = p.ready[p.head];
    p.head = (p.head + 1) % POOL;
    p.nready--;
    pthread_mutex_unlock(&p.lock);
    if (!wrc && !im->bad_rows) wrc = isms__store_write(store, b);
    pthread_mutex_lock(&p.lock);
    if (wrc) p.writer_failed = 1;
    p.free_list[p.nfree++] = b;
    pthread_cond_broadcast(&p.changed);
  }
  pthread_mutex_unlock(&p.lock);
  pthread_join(thread, NULL);
  for (int k = 0; k < p.nfree; k++) batch_free(p.free_list[k]);
  pthread_cond_destroy(&p.changed);
  pthread_mutex_destroy(&p.lock);
  return wrc;
}

static int run_inline(importer *im, asset_store *store) {
  inline_pipe p = {batch_new(), store, 0};
  if (!p.batch) return ISMS_NOMEM;
  im->pipe = &p;
  im->take = take_inline;
  im->emit = emit_inline;
  run_parser(im);
  batch_free(p.batch);
  im->batch = NULL;
  return p.failed ? ISMS_ERROR : ISMS_OK;
}

/* ================================================================ API */

static void importer_free(importer *im) {
  csv_free(&im->csv);
  for (int k = 0; k < im->ncols; k++) free(im->header_text[k]);
  isms__strmap_free(im->ids);
  free(im->buf);
  free(im->errors);
}

/* Sets up an importer for either source; ISMS_NOMEM on failure. */
static int importer_init(importer *im, const char *path, isms_method *m,
                         const isms_import_opts *opts) {
  memset(im, 0, sizeof *im);
  im->source = opts->source_name ? opts->source_name : path;
  im->method = m;
  im->max_errors = opts->max_errors > 0 ? opts->max_errors : 50;
  im->cell_field_bad = -1;
  im->delim = ',';
  for (int k = 0; k < ACOL_COUNT; k++) im->colfield[k] = -1;
  if (csv_init(&im->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) return ISMS_NOMEM;
  csv_set_realloc_func(&im->csv, capped_realloc);
  im->buf_cap = 2 * READ_CHUNK;
  im->buf = malloc(im->buf_cap);
  im->ids = isms__strmap_new();
  return im->buf && im->ids ? ISMS_OK : ISMS_NOMEM;
}

/* Everything after the header, for either source: opens the store (the
** header decides which columns it writes), runs parser and writer, and
** turns what happened into the result and, on failure, the message. */
static int import_rows(isms_db *db, importer *im, isms_method *m, const isms_import_opts *opts,
                       isms_import_report *rep) {
  asset_store *store = NULL;
  int rc = ISMS_OK;
  if (!im->header_done && !im->bad_rows) {
    if (im->book)
      row_error(im, -1, "sheet '%s' is empty; expected a header row such as "
                "id,name,type,owner,c,i,a", im->sheet);
    else
      row_error(im, -1, "file is empty; expected a header row such as id,name,type,owner,c,i,a");
    im->bad_header = 1;
  }
  if (!im->bad_rows && !im->bad_header && !im->nomem) {
    rc = isms__store_open(db, m, im->source, opts->reason, im->present, &store);
    if (!rc) {
      if (opts->threads == 1) rc = run_inline(im, store);
      else rc = run_threaded(im, store);
    }
  }
  if (im->file) fclose(im->file);
  im->file = NULL;

  int ok = !rc && !im->bad_rows && !im->bad_header && !im->nomem && !im->io_error;
  if (store) {
    int frc = isms__store_finish(store, ok, rep);
    if (ok && frc) rc = frc, ok = 0;
  }
  if (rep) {
    rep->rows = im->rows;
    rep->errors = im->bad_rows;
  }
  if (!ok && !rc) {
    if (im->nomem) rc = isms__fail(db, ISMS_NOMEM, "out of memory while importing %s", im->source);
    else if (im->io_error)
      rc = isms__fail(db, ISMS_IO, "%s: read error: %s", im->source, strerror(im->io_error));
    else {
      if (im->error_count > im->max_errors) {
        char tail[160];
        snprintf(tail, sizeof tail, "... %lld more errors not shown",
                 (long long)(im->error_count - im->max_errors));
        add_error_text(im, tail);
      }
      if (im->not_utf8) {
        char hint[400];
        snprintf(hint, sizeof hint,
                 "%s: the file is not UTF-8; if it was saved as Windows-1252 (Excel's "
                 "\"CSV\" on Western European Windows), import it with --encoding cp1252",
                 im->source);
        add_error_text(im, hint);
      }
      char summary[200];
      if (im->bad_header)
        snprintf(summary, sizeof summary, "%s: rejected: the header row is not usable; "
                 "nothing was stored", im->source);
      else
        snprintf(summary, sizeof summary, "%s: rejected: %lld bad row%s; nothing was stored",
                 im->source, (long long)im->bad_rows, im->bad_rows == 1 ? "" : "s");
      add_error_text(im, summary);
      rc = isms__fail_owned(db, ISMS_INPUT, im->errors);
      im->errors = NULL;
    }
  }
  return rc;
}

ISMS_API int isms_import_assets(isms_db *db, const char *path, isms_method *m,
                                const isms_import_opts *opts, isms_import_report *rep) {
  if (!db) return ISMS_MISUSE;
  isms__clear_error(db);
  if (rep) memset(rep, 0, sizeof *rep);
  if (!path) return isms__fail(db, ISMS_MISUSE, "no file given");
  if (m && !isms__method_is_compiled(m))
    return isms__fail(db, ISMS_MISUSE, "methodology '%s' is not compiled",
                      isms_method_name(m));
  isms_import_opts defaults = {0};
  if (!opts) opts = &defaults;

  importer im;
  if (importer_init(&im, path, m, opts)) {
    importer_free(&im);
    return isms__fail(db, ISMS_NOMEM, "out of memory");
  }
  char why[256];
  int open_code;
  im.file = isms__open_input_as(path, opts->encoding, why, sizeof why, &open_code);
  if (!im.file) {
    int rc = isms__fail(db, open_code, "%s: %s", im.source, why);
    importer_free(&im);
    return rc;
  }

  struct stat info;
  if (fstat(fileno(im.file), &info) == 0 && S_ISREG(info.st_mode)) im.file_size = info.st_size;

  /* The header decides which columns the store writes, so read it first:
  ** the store is opened once the header is known (import_rows). */
  /* Parse the header synchronously: feed lines until the header record is done. */
  {
    char line[8192];
    size_t used = 0;
    int c;
    int inq = 0;
    /* The header is one physical line in practice; read up to its newline
    ** (outside quotes) into the main buffer so the parser resumes from it. */
    while ((c = fgetc(im.file)) != EOF) {
      if (used < sizeof line) line[used] = (char)c;
      used++;
      if (c == '"') inq = !inq;
      if (c == '\n' && !inq) break;
      /* A CR ends the header record too (CR LF, or old CR-only files):
      ** stop there, so the header chunk holds the header alone and no data
      ** row is parsed before the pipeline that stores rows exists. */
      if (c == '\r' && !inq) {
        int next = fgetc(im.file);
        if (next == '\n') {
          if (used < sizeof line) line[used] = (char)next;
          used++;
        } else if (next != EOF) {
          ungetc(next, im.file);
        }
        break;
      }
    }
    if (used > sizeof line) {
      fclose(im.file);
      importer_free(&im);
      return isms__fail(db, ISMS_INPUT, "%s:1:1: header row is longer than %zu bytes",
                        im.source, sizeof line);
    }
    memcpy(im.buf, line, used);
    im.buf_len = used;
    size_t skip = 0;
    if (used >= 3 && memcmp(im.buf, "\xEF\xBB\xBF", 3) == 0) skip = 3;
    im.delim = isms__csv_delimiter(im.buf + skip, used - skip);
    csv_set_delim(&im.csv, (unsigned char)im.delim);
    im.rec_line = 1;
    im.rec_off = skip;
    size_t fed = feed_lines(&im, skip);
    if (!im.header_done && !im.fatal) {
      /* No newline: a header-only file without a final newline, or empty. */
      if (fed < im.buf_len) {
        im.line++;
        im.rec_clean = 0;
        size_t n = im.buf_len - fed;
        if (csv_parse(&im.csv, im.buf + fed, n, on_field, on_record, &im) != n)
          parse_failed(&im);
        else if (csv_fini(&im.csv, on_field, on_record, &im) != 0)
          parse_failed(&im);
      }
    }
    im.buf_len = 0;
    im.rec_off = 0;
  }
  int rc = import_rows(db, &im, m, opts, rep);
  importer_free(&im);
  return rc;
}

ISMS_API int isms_import_assets_xlsx(isms_db *db, const char *path, const char *sheet,
                                     isms_method *m, const isms_import_opts *opts,
                                     isms_import_report *rep) {
  if (!db) return ISMS_MISUSE;
  isms__clear_error(db);
  if (rep) memset(rep, 0, sizeof *rep);
  if (!path) return isms__fail(db, ISMS_MISUSE, "no file given");
  if (m && !isms__method_is_compiled(m))
    return isms__fail(db, ISMS_MISUSE, "methodology '%s' is not compiled",
                      isms_method_name(m));
  isms_import_opts defaults = {0};
  if (!opts) opts = &defaults;

  importer im;
  if (importer_init(&im, path, m, opts)) {
    importer_free(&im);
    return isms__fail(db, ISMS_NOMEM, "out of memory");
  }
  if (opts->encoding && *opts->encoding) {
    importer_free(&im);
    return isms__fail(db, ISMS_MISUSE, "%s: an encoding is for CSV files; a workbook's text is "
                      "Unicode", path);
  }
  isms__xlsx_book *book = NULL;
  char *err = NULL;
  int rc = isms__xlsx_load(path, im.source, sheet, &book, &err);
  if (rc) {
    importer_free(&im);
    return isms__fail_owned(db, rc, err);
  }
  im.book = book;
  im.sheet = isms__xlsx_name(book);
  im.rec_line = 1;
  /* The header: the first row with a value, from its first cell to its
  ** last (one field more than the importer takes, so a header too wide
  ** is reported once). */
  if (isms__xlsx_nrows(book) > 0) {
    const isms__xlsx_row *head = &isms__xlsx_rows(book)[0];
    const isms__xlsx_cell *cells = isms__xlsx_cells(book) + head->first;
    im.col0 = cells[0].col;
    uint32_t width = cells[head->n - 1].col - im.col0 + 1;
    feed_sheet_row(&im, head, width > MAX_COLUMNS ? MAX_COLUMNS + 1 : (int)width);
    im.next_row = 1;
  }
  rc = import_rows(db, &im, m, opts, rep);
  importer_free(&im);
  isms__xlsx_free(book);
  return rc;
}
