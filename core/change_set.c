/*
** change_set.c -- a bulk write's field changes as one row of the change
** log (table change_sets), and the table-valued function that reads them
** back as the rows change_log would have held.
**
** A re-valuation of a million assets moves two fields of most of them:
** as change_log rows, two million inserts into a table and its indexes,
** three times what importing the assets costs (issue #18). As one
** change set it is one row: one line per changed field, in the order the
** rows would have had,
**
**   entity_id TAB field TAB old TAB new NEWLINE
**
** with \N for NULL and backslash, tab and newline escaped as \\, \t and
** \n (PostgreSQL's COPY text form), so the row stays plain text that the
** sqlite3 shell shows. Readers go through the view change_entries (the
** change log's rows and every change set's lines, below), which reads
** a set with isms_change_set(changes [, entity_id]); the second argument
** (or an equality on entity_id) keeps the lines of one record only.
** The hash chain hashes the set as any row.
*/
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

/* ------------------------------------------------------------ writing */

static int grow(isms__change_set *cs, size_t more) {
  if (cs->n + more <= cs->cap) return 0;
  size_t cap = cs->cap ? cs->cap : 1 << 16;
  while (cap < cs->n + more) cap *= 2;
  char *p = realloc(cs->p, cap);
  if (!p) return -1;
  cs->p = p;
  cs->cap = cap;
  return 0;
}

/* The escape letter of each byte that takes one (COPY's text form), else 0. */
static const char escape_of[256] = {['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r'};

/* A field's text escaped (or \N), then sep; copied and checked in one
** pass (most fields are short ids and numbers). Room: twice the text + 3. */
static void put_field(isms__change_set *cs, const char *s, size_t len, char sep) {
  char *o = cs->p + cs->n;
  if (!s) {
    *o++ = '\\';
    *o++ = 'N';
  } else {
    for (size_t k = 0; k < len; k++) {
      char e = escape_of[(unsigned char)s[k]];
      if (e) *o++ = '\\';
      *o++ = e ? e : s[k];
    }
  }
  *o++ = sep;
  cs->n = (size_t)(o - cs->p);
}

int isms__change_set_add(isms__change_set *cs, const char *id, const char *field,
                         const char *old, const char *new_value) {
  size_t li = strlen(id), lf = strlen(field), lo = old ? strlen(old) : 0,
         ln = new_value ? strlen(new_value) : 0;
  if (grow(cs, 2 * (li + lf + lo + ln) + 12)) return ISMS_NOMEM;
  put_field(cs, id, li, '\t');
  put_field(cs, field, lf, '\t');
  put_field(cs, old, lo, '\t');
  put_field(cs, new_value, ln, '\n');
  cs->lines++;
  return ISMS_OK;
}

void isms__change_set_free(isms__change_set *cs) {
  free(cs->p);
  memset(cs, 0, sizeof *cs);
}

int isms__change_set_write(isms_db *db, int64_t batch, const char *entity,
                           const isms__change_set *cs) {
  if (!cs->lines) return ISMS_OK;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql,
                         "INSERT INTO change_sets(batch, entity, changes) VALUES (?1, ?2, ?3)", -1,
                         &st, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "writing change log");
  sqlite3_bind_int64(st, 1, batch);
  sqlite3_bind_text(st, 2, entity, -1, SQLITE_STATIC);
  sqlite3_bind_text64(st, 3, cs->p, cs->n, SQLITE_STATIC, SQLITE_UTF8);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "writing change log");
}

/* ------------------------------------------------------------ reading */

enum { COL_ENTITY_ID, COL_FIELD, COL_OLD, COL_NEW, COL_SEQ, COL_CHANGES, COL_ONLY };

typedef struct set_cursor {
  sqlite3_vtab_cursor base;
  const char *p, *end;  /* the set's text (the argument, valid while the cursor is) */
  const char *only;     /* one entity_id, or NULL */
  size_t only_n;
  int64_t seq;          /* the line's number, from 1 */
  int eof;
  /* the current line, unescaped: 4 fields, each NULL or text in buf */
  char *buf;
  size_t cap;
  size_t off[4], len[4];
  int null[4];
} set_cursor;

static int set_connect(sqlite3 *sql, void *aux, int argc, const char *const *argv,
                       sqlite3_vtab **vtab, char **err) {
  (void)aux, (void)argc, (void)argv, (void)err;
  int rc = sqlite3_declare_vtab(
      sql, "CREATE TABLE x(entity_id, field, old, new, seq, changes HIDDEN, only HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  *vtab = sqlite3_malloc(sizeof **vtab);
  if (!*vtab) return SQLITE_NOMEM;
  memset(*vtab, 0, sizeof **vtab);
  sqlite3_vtab_config(sql, SQLITE_VTAB_INNOCUOUS);
  return SQLITE_OK;
}

static int set_disconnect(sqlite3_vtab *vtab) {
  sqlite3_free(vtab);
  return SQLITE_OK;
}

/* idxNum bit 1: the set is given; bit 2: one entity_id (the only
** argument or an equality on the column). */
static int set_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info) {
  (void)vtab;
  int changes = -1, only = -1;
  for (int c = 0; c < info->nConstraint; c++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[c];
    if (k->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (k->iColumn == COL_CHANGES) {
      if (!k->usable) return SQLITE_CONSTRAINT;
      changes = c;
    } else if ((k->iColumn == COL_ONLY || k->iColumn == COL_ENTITY_ID) && k->usable &&
               only < 0) {
      only = c;
    }
  }
  if (changes < 0) return SQLITE_CONSTRAINT;
  info->aConstraintUsage[changes].argvIndex = 1;
  info->aConstraintUsage[changes].omit = 1;
  info->idxNum = 1;
  info->estimatedCost = 1e6;
  info->estimatedRows = 100000;
  if (only >= 0) {
    info->aConstraintUsage[only].argvIndex = 2;
    /* SQLite tests an equality on entity_id again (the filter compares
    ** text, where SQL's = also weighs the value's type) */
    info->aConstraintUsage[only].omit = info->aConstraint[only].iColumn == COL_ONLY;
    info->idxNum |= 2;
    info->estimatedCost = 1e4;
    info->estimatedRows = 10;
  }
  return SQLITE_OK;
}

static int set_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **cur) {
  (void)vtab;
  set_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *cur = &c->base;
  return SQLITE_OK;
}

static int set_close(sqlite3_vtab_cursor *cur) {
  set_cursor *c = (set_cursor *)cur;
  free(c->buf);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* Unescapes one field of the line at *at (up to sep or the line's end)
** into the cursor's buffer. */
static int take_field(set_cursor *c, int f, const char **at, const char *line_end) {
  const char *s = *at;
  const char *e = s;
  while (e < line_end && *e != '\t') e++;
  size_t need = (size_t)(e - s) + 1;
  size_t base = f == 0 ? 0 : c->off[f - 1] + c->len[f - 1] + 1;
  if (base + need > c->cap) {
    size_t cap = c->cap ? c->cap : 256;
    while (cap < base + need) cap *= 2;
    char *b = realloc(c->buf, cap);
    if (!b) return SQLITE_NOMEM;
    c->buf = b;
    c->cap = cap;
  }
  c->off[f] = base;
  c->null[f] = e - s == 2 && s[0] == '\\' && s[1] == 'N';
  char *o = c->buf + base;
  for (const char *p = s; p < e; p++) {
    if (*p == '\\' && p + 1 < e) {
      p++;
      *o++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
    } else {
      *o++ = *p;
    }
  }
  c->len[f] = (size_t)(o - (c->buf + base));
  *o = 0;
  *at = e < line_end ? e + 1 : e;
  return SQLITE_OK;
}

/* To the next line (of the one entity_id, when given) at or after c->p. */
static int set_step(set_cursor *c) {
  for (;;) {
    if (c->p >= c->end) {
      c->eof = 1;
      return SQLITE_OK;
    }
    const char *line = c->p;
    const char *nl = memchr(line, '\n', (size_t)(c->end - line));
    const char *line_end = nl ? nl : c->end;
    c->p = nl ? nl + 1 : c->end;
    c->seq++;
    if (c->only) {
      const char *tab = memchr(line, '\t', (size_t)(line_end - line));
      size_t idn = (size_t)((tab ? tab : line_end) - line);
      /* escaped ids are unescaped before they are compared */
      if (!memchr(line, '\\', idn) && (idn != c->only_n || memcmp(line, c->only, idn) != 0))
        continue;
    }
    const char *at = line;
    for (int f = 0; f < 4; f++) {
      int rc = take_field(c, f, &at, line_end);
      if (rc) return rc;
    }
    if (c->only && (c->null[0] || c->len[0] != c->only_n ||
                    memcmp(c->buf + c->off[0], c->only, c->only_n) != 0))
      continue;
    return SQLITE_OK;
  }
}

static int set_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc,
                      sqlite3_value **argv) {
  (void)idxs;
  set_cursor *c = (set_cursor *)cur;
  c->p = c->end = NULL;
  c->only = NULL;
  c->seq = 0;
  c->eof = 0;
  if (argc >= 1 && sqlite3_value_type(argv[0]) != SQLITE_NULL) {
    c->p = (const char *)sqlite3_value_text(argv[0]);
    c->end = c->p ? c->p + sqlite3_value_bytes(argv[0]) : NULL;
  }
  if ((idx & 2) && argc >= 2) {
    if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
      c->eof = 1;  /* entity_id = NULL matches nothing */
      return SQLITE_OK;
    }
    c->only = (const char *)sqlite3_value_text(argv[1]);
    c->only_n = (size_t)sqlite3_value_bytes(argv[1]);
  }
  return set_step(c);
}

static int set_next(sqlite3_vtab_cursor *cur) { return set_step((set_cursor *)cur); }

static int set_eof(sqlite3_vtab_cursor *cur) { return ((set_cursor *)cur)->eof; }

static int set_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  set_cursor *c = (set_cursor *)cur;
  if (col == COL_SEQ) {
    sqlite3_result_int64(ctx, c->seq);
  } else if (col <= COL_NEW) {
    if (c->null[col])
      sqlite3_result_null(ctx);
    else
      sqlite3_result_text(ctx, c->buf + c->off[col], (int)c->len[col], SQLITE_TRANSIENT);
  } else {
    sqlite3_result_null(ctx);
  }
  return SQLITE_OK;
}

static int set_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  *rowid = ((set_cursor *)cur)->seq;
  return SQLITE_OK;
}

static sqlite3_module set_module = {
    .xConnect = set_connect,
    .xBestIndex = set_best_index,
    .xDisconnect = set_disconnect,
    .xOpen = set_open,
    .xClose = set_close,
    .xFilter = set_filter,
    .xNext = set_next,
    .xEof = set_eof,
    .xColumn = set_column,
    .xRowid = set_rowid,
};

/* The whole change log, the rows of change_log and the lines of every
** change set, as change_log's columns (id is NULL for a set's line), and
** the order they were written in: ORDER BY batch, part, seq (part 0:
** change_log by id; part 1: each set's lines in turn, after the
** change_log rows of the same batch). A TEMP view, made by each
** connection: in the register's schema a view of a function only isms
** has would make the sqlite3 shell refuse every ALTER TABLE. */
static const char change_entries[] =
    "CREATE TEMP VIEW IF NOT EXISTS change_entries AS"
    "  SELECT id, batch, entity, entity_id, action, field, old, new, 0 AS part, id AS seq"
    "  FROM main.change_log"
    "  UNION ALL"
    "  SELECT NULL, s.batch, s.entity, x.entity_id, 'update', x.field, x.old, x.new, 1,"
    "  (s.id << 32) + x.seq"
    "  FROM main.change_sets s, isms_change_set(s.changes) x";

int isms__change_set_register(sqlite3 *sql) {
  return sqlite3_create_module_v2(sql, "isms_change_set", &set_module, NULL, NULL);
}

int isms__change_entries(isms_db *db) {
  return sqlite3_exec(db->sql, change_entries, NULL, NULL, NULL) == SQLITE_OK
             ? ISMS_OK
             : isms__fail_sql(db, "making the view change_entries");
}
