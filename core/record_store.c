/*
** record_store.c -- writing the records of treatment, the SoA and the RTP.
**
** Treatments, their controls, acceptances, SoA entries and revisions, RTP
** tasks and their delays are small records with a key of one to three
** fields. One table of descriptors says which; a single put/delete pair
** serves them all, the way isms_risk_put serves risks: a batch is one
** transaction and one change batch, every created record, changed field
** and deleted record is logged (entity = the kind, entity_id = the key
** fields joined by " / "), and a failure anywhere leaves the register as
** it was. Values are text, as from CSV and the Lua layer (which checks
** them against the methodology and catalogs first); the schema's CHECKs
** and references stand behind it.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

#define MAX_FIELDS 64

typedef struct kind_desc {
  const char *name;    /* the kind callers and the change log use */
  const char *table;
  const char *refers;  /* what a broken reference means, for messages */
  int nkeys;           /* fields[0 .. nkeys) form the key */
  const char *fields[MAX_FIELDS + 1];  /* NULL-terminated, in table order */
  /* A BLOB field, written and read as hex text (NULL: none): the
  ** treatment's packed residual ratings past the fourth. */
  const char *hex;
} kind_desc;

static const kind_desc kinds[] = {
    {"treatment", "treatments", "no risk with that ref in the register", 1,
     {"risk", "option", "rationale", "shared_with", "rr1", "rr2", "rr3", "rr4",
      "residual_score", "residual_level", "residual_rank", "residual_acceptable",
      "override_by", "override_at", "override_reason", "decided_by", "decided_at", "rrx", NULL},
     "rrx"},
    {"treatment_control", "treatment_controls", "the risk has no treatment", 2,
     {"risk", "control", NULL}, NULL},
    {"acceptance", "acceptances", "no risk with that ref in the register", 3,
     {"risk", "role", "who", "at", "rationale", NULL}, NULL},
    {"soa", "soa", "", 1,
     {"control", "applicable", "reasons", "justification", "status", "owner", NULL}, NULL},
    {"soa_revision", "soa_revisions", "", 1,
     {"rev", "edition", "issued_at", "approved_by", "note", "entries", NULL}, NULL},
    {"task", "rtp_tasks", "the risk has no treatment", 1,
     {"id", "risk", "control", "title", "owner", "due", "status", "done_at", NULL}, NULL},
    {"delay", "rtp_delays", "no task with that id", 2,
     {"task", "seq", "reason", "old_due", "revised_due", "approved_by", "recorded_at", NULL}, NULL},
    /* A many-to-many reference of any record: (kind, id) --rel--> target.
    ** All key: a put creates the link, a delete removes it. */
    {"link", "record_links", "", 4, {"kind", "id", "rel", "target", NULL}, NULL},
};
#define NKINDS ((int)(sizeof kinds / sizeof kinds[0]))

/* Statements of a batch, kept by their SQL text: an import puts
** thousands of records of one kind with the same few statements. */
#define STMT_CACHE 24

struct isms_records {
  isms_db *db;
  int64_t batch;
  int64_t created, updated, deleted;
  char *sql[STMT_CACHE];
  sqlite3_stmt *st[STMT_CACHE];
  int next_slot;
  /* The INSERT of the last record created, by its kind and the fields it
  ** gave (bit f: field f): an import creates thousands alike, each then
  ** bound to one statement with no SQL text made or compared. */
  const void *ins_kind;
  uint64_t ins_mask;
  sqlite3_stmt *ins_st;
  int ins_hex;
};

/* The prepared statement of sql, reset and unbound; NULL on failure. */
static sqlite3_stmt *statement(isms_records *rec, const char *sql) {
  for (int k = 0; k < STMT_CACHE; k++)
    if (rec->sql[k] && strcmp(rec->sql[k], sql) == 0) {
      sqlite3_reset(rec->st[k]);
      sqlite3_clear_bindings(rec->st[k]);
      return rec->st[k];
    }
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(rec->db->sql, sql, -1, &st, NULL) != SQLITE_OK) return NULL;
  char *copy = strdup(sql);
  if (!copy) {
    sqlite3_finalize(st);
    return NULL;
  }
  int k = rec->next_slot;
  rec->next_slot = (k + 1) % STMT_CACHE;
  sqlite3_finalize(rec->st[k]);
  free(rec->sql[k]);
  rec->sql[k] = copy;
  rec->st[k] = st;
  return st;
}

static void statements_free(isms_records *rec) {
  for (int k = 0; k < STMT_CACHE; k++) {
    sqlite3_finalize(rec->st[k]);
    free(rec->sql[k]);
  }
  sqlite3_finalize(rec->ins_st);
}

/* Kinds defined at run time (isms_records_define), kept on the handle:
** the registers of later areas (gap assessments, audits, incidents, ...)
** are descriptors in the Lua layer over tables their migrations create. */
struct isms_kinds {
  int n;
  kind_desc *d[ISMS_MAX_KINDS];
};

static const kind_desc *kind_of(isms_db *db, const char *name) {
  for (int k = 0; name && k < NKINDS; k++)
    if (strcmp(kinds[k].name, name) == 0) return &kinds[k];
  for (int k = 0; name && db->kinds && k < db->kinds->n; k++)
    if (strcmp(db->kinds->d[k]->name, name) == 0) return db->kinds->d[k];
  return NULL;
}

static void free_kind(kind_desc *d) {
  if (!d) return;
  free((char *)d->name);
  free((char *)d->table);
  for (int f = 0; d->fields[f]; f++) free((char *)d->fields[f]);
  free(d);
}

void isms__kinds_free(isms_db *db) {
  if (!db->kinds) return;
  for (int k = 0; k < db->kinds->n; k++) free_kind(db->kinds->d[k]);
  free(db->kinds);
  db->kinds = NULL;
}

/* Names that go into SQL text unquoted: lower-case identifiers only. */
static int identifier(const char *s) {
  if (!s || !*s || strlen(s) > 63) return 0;
  if (!((*s >= 'a' && *s <= 'z') || *s == '_')) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
  return 1;
}

/* Is `column` a column of `table`? 1 yes, 0 no, -1 error. */
static int has_column(isms_db *db, const char *table, const char *column) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &st,
                         NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
  int s = sqlite3_step(st);
  sqlite3_finalize(st);
  return s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0 : -1;
}

ISMS_API int isms_records_define(isms_db *db, const char *kind, const char *table, int nkeys,
                                 int n, const char *const *fields) {
  if (!db) return ISMS_MISUSE;
  isms__clear_error(db);
  if (!identifier(kind) || !identifier(table))
    return isms__fail(db, ISMS_MISUSE, "record kind and table must be lower-case identifiers");
  if (n < 1 || n > MAX_FIELDS || nkeys < 1 || nkeys > n || !fields)
    return isms__fail(db, ISMS_MISUSE, "%s: between 1 and %d fields, the key first", kind,
                      MAX_FIELDS);
  for (int k = 0; k < NKINDS; k++)
    if (strcmp(kinds[k].name, kind) == 0)
      return isms__fail(db, ISMS_MISUSE, "%s: a built-in record kind", kind);
  for (int f = 0; f < n; f++) {
    if (!identifier(fields[f]))
      return isms__fail(db, ISMS_MISUSE, "%s: field names must be lower-case identifiers",
                        kind);
    int has = has_column(db, table, fields[f]);
    if (has < 0) return isms__fail_sql(db, "reading the schema");
    if (!has)
      return isms__fail(db, ISMS_SCHEMA, "%s: the register's table %s has no column %s", kind,
                        table, fields[f]);
  }
  if (!db->kinds && !(db->kinds = calloc(1, sizeof *db->kinds)))
    return isms__fail(db, ISMS_NOMEM, "out of memory");
  kind_desc *d = calloc(1, sizeof *d);
  int ok = d != NULL;
  if (ok) {
    d->name = strdup(kind);
    d->table = strdup(table);
    d->refers = "";
    d->nkeys = nkeys;
    ok = d->name && d->table;
    for (int f = 0; ok && f < n; f++) ok = (d->fields[f] = strdup(fields[f])) != NULL;
  }
  int slot = 0;
  while (slot < db->kinds->n && strcmp(db->kinds->d[slot]->name, kind) != 0) slot++;
  if (ok && slot == ISMS_MAX_KINDS) {
    free_kind(d);
    return isms__fail(db, ISMS_MISUSE, "more than %d record kinds", ISMS_MAX_KINDS);
  }
  if (!ok) {
    free_kind(d);
    return isms__fail(db, ISMS_NOMEM, "out of memory");
  }
  if (slot < db->kinds->n) free_kind(db->kinds->d[slot]);  /* redefined: the new one holds */
  else db->kinds->n++;
  db->kinds->d[slot] = d;
  return ISMS_OK;
}

static int nfields(const kind_desc *d) {
  int n = 0;
  while (d->fields[n]) n++;
  return n;
}

/* Is field f the kind's hex (BLOB) field? */
static int is_hex(const kind_desc *d, int f) { return d->hex && strcmp(d->fields[f], d->hex) == 0; }

static int field_of(const kind_desc *d, const char *name) {
  for (int f = 0; d->fields[f]; f++)
    if (strcmp(d->fields[f], name) == 0) return f;
  return -1;
}

static int same(const char *x, const char *y) { return x == y || (x && y && strcmp(x, y) == 0); }

/* Empty text means "no value" (NULL), as in CSV files. */
static const char *norm(const char *v) { return v && *v ? v : NULL; }

ISMS_API int isms_records_begin(isms_db *db, const char *command, const char *source,
                                const char *reason, isms_records **out) {
  if (out) *out = NULL;
  if (!db || !out || !command) return ISMS_MISUSE;
  isms__clear_error(db);
  isms_records *rec = calloc(1, sizeof *rec);
  if (!rec) return isms__fail(db, ISMS_NOMEM, "out of memory");
  rec->db = db;
  int rc = isms__begin(db);
  if (!rc) rc = isms__batch_open(db, command, source, reason, &rec->batch);
  if (rc) {
    isms__rollback(db);
    free(rec);
    return rc;
  }
  *out = rec;
  return ISMS_OK;
}

/* A request's fields by index: want[f] (NULL = no value) where given[f].
** The key fields must all be given and non-empty. The key, joined by
** " / ", goes to id (for messages and the change log). */
typedef struct request {
  const kind_desc *d;
  int n;
  const char *want[MAX_FIELDS];
  int given[MAX_FIELDS];
  char id[512];
} request;

static int parse(isms_db *db, const char *kind, int n, const char *const *names,
                 const char *const *values, request *q) {
  memset(q, 0, sizeof *q);
  if (n < 0 || (n && (!names || !values))) return ISMS_MISUSE;
  q->d = kind_of(db, kind);
  if (!q->d) return isms__fail(db, ISMS_MISUSE, "unknown record kind '%s'", kind ? kind : "");
  q->n = nfields(q->d);
  for (int k = 0; k < n; k++) {
    int f = field_of(q->d, names[k]);
    if (f < 0) return isms__fail(db, ISMS_INPUT, "%s: unknown field '%s'", kind, names[k]);
    q->want[f] = norm(values[k]);
    q->given[f] = 1;
  }
  for (int f = 0; f < q->d->nkeys; f++) {
    if (!q->want[f])
      return isms__fail(db, ISMS_INPUT, "%s: the key field '%s' is missing", kind,
                        q->d->fields[f]);
    size_t used = strlen(q->id);
    snprintf(q->id + used, sizeof q->id - used, "%s%s", f ? " / " : "", q->want[f]);
  }
  return ISMS_OK;
}

/* Appends " WHERE k1 = ?1 AND k2 = ?2 ..." and binds the key at 1..nkeys. */
static void where_key(const request *q, char *sql, size_t size) {
  for (int f = 0; f < q->d->nkeys; f++) {
    size_t used = strlen(sql);
    snprintf(sql + used, size - used, "%s%s = ?%d", f ? " AND " : " WHERE ", q->d->fields[f],
             f + 1);
  }
}

static void bind_key(const request *q, sqlite3_stmt *st) {
  for (int f = 0; f < q->d->nkeys; f++) sqlite3_bind_text(st, f + 1, q->want[f], -1, SQLITE_STATIC);
}

/* The stored row of the request's key into old[] (malloc'd texts);
** returns 1 when there is one, 0 when not, or a negative error. */
static int read_old(isms_records *rec, const request *q, char **old) {
  isms_db *db = rec->db;
  char sql[8192] = "SELECT ";
  for (int f = 0; f < q->n; f++) {
    if (is_hex(q->d, f)) {
      strcat(sql, "nullif(hex(");
      strcat(sql, q->d->fields[f]);
      strcat(sql, "), '')");
    } else {
      strcat(sql, q->d->fields[f]);
    }
    strcat(sql, f + 1 < q->n ? ", " : " FROM ");
  }
  strcat(sql, q->d->table);
  where_key(q, sql, sizeof sql);
  sqlite3_stmt *st = statement(rec, sql);
  if (!st) {
    isms__fail_sql(db, "reading records");
    return -1;
  }
  bind_key(q, st);
  int s = sqlite3_step(st), found = s == SQLITE_ROW;
  for (int f = 0; f < q->n; f++) {
    const unsigned char *t = found ? sqlite3_column_text(st, f) : NULL;
    old[f] = t ? strdup((const char *)t) : NULL;
  }
  sqlite3_reset(st);
  if (s != SQLITE_ROW && s != SQLITE_DONE) {
    isms__fail_sql(db, "reading records");
    return -1;
  }
  return found;
}

/* A statement the schema refused is the caller's input. */
static int refused(isms_db *db, const request *q) {
  const char *why = sqlite3_errmsg(db->sql);
  int ec = sqlite3_errcode(db->sql) & 0xff;
  if (ec != SQLITE_CONSTRAINT) return isms__fail_sql(db, "writing records");
  if (strstr(why, "FOREIGN KEY"))
    return isms__fail(db, ISMS_INPUT, "%s %s: %s", q->d->name, q->id,
                      *q->d->refers ? q->d->refers : why);
  return isms__fail(db, ISMS_INPUT, "%s %s: %s", q->d->name, q->id, why);
}

/* Hex text into bytes (at most size); the length, or -1 when it is not
** an even number of hex digits. */
static int unhex(const char *text, unsigned char *out, int size) {
  int n = 0;
  for (const char *p = text; p[0]; p += 2) {
    int v[2];
    for (int k = 0; k < 2; k++) {
      char c = p[k];
      v[k] = c >= '0' && c <= '9' ? c - '0'
             : c >= 'a' && c <= 'f' ? c - 'a' + 10
             : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (v[k] < 0) return -1;
    }
    if (n >= size) return -1;
    out[n++] = (unsigned char)(v[0] * 16 + v[1]);
  }
  return n;
}

/* binds[hexbind] (0-based; -1: none) is the hex field's text, bound as
** the bytes it spells. The statement: st when given (reset), else that of
** sql from the batch's cache. */
static int run_statement(isms_records *rec, const request *q, sqlite3_stmt *st, const char *sql,
                         const char *const *binds, int nbinds, int hexbind) {
  isms_db *db = rec->db;
  unsigned char bytes[256];
  int nbytes = 0;
  if (hexbind >= 0 && binds[hexbind] &&
      (nbytes = unhex(binds[hexbind], bytes, (int)sizeof bytes)) < 0)
    return isms__fail(db, ISMS_INPUT, "%s %s: %s: expected hex digits, two a byte, got '%s'",
                      q->d->name, q->id, q->d->hex, binds[hexbind]);
  if (!st) st = statement(rec, sql);
  if (!st) return isms__fail_sql(db, "writing records");
  for (int b = 0; b < nbinds; b++) {
    if (b == hexbind && binds[b])
      sqlite3_bind_blob(st, b + 1, bytes, nbytes, SQLITE_TRANSIENT);
    else
      sqlite3_bind_text(st, b + 1, binds[b], -1, SQLITE_STATIC);
  }
  int s = sqlite3_step(st);
  int rc = s == SQLITE_DONE ? ISMS_OK : refused(db, q);
  sqlite3_reset(st);
  return rc;
}

static int run(isms_records *rec, const request *q, const char *sql, const char *const *binds,
               int nbinds, int hexbind) {
  return run_statement(rec, q, NULL, sql, binds, nbinds, hexbind);
}

/* The request of a put or delete and the stored record of its key:
** returns ISMS_OK with *found 1 or 0 (old[] then to be freed), or an error
** (nothing to free). */
static int prepare(isms_records *rec, const char *kind, int n, const char *const *names,
                   const char *const *values, request *q, char **old, int *found) {
  if (!rec) return ISMS_MISUSE;
  int rc = parse(rec->db, kind, n, names, values, q);
  if (rc) return rc;
  *found = read_old(rec, q, old);
  if (*found < 0) return ISMS_STORAGE;  /* read_old keeps nothing on failure */
  return ISMS_OK;
}

/* Logs a change of the hex field the way a risk's further ratings are
** logged (risk_store.c: r5, r6, ...): its bytes are the positions of
** factors 5..N, so each byte that changes is one entry named after the
** field without its final x ("rrx": rr5, rr6, ...), old and new as
** decimal positions (0 or a missing byte: none). */
static int log_hex(isms_db *db, int64_t batch, const request *q, const char *action,
                   const char *oldhex, const char *newhex) {
  unsigned char ob[256], nb[256];
  int no = oldhex ? unhex(oldhex, ob, (int)sizeof ob) : 0;
  int nn = newhex ? unhex(newhex, nb, (int)sizeof nb) : 0;
  if (no < 0) no = 0;
  if (nn < 0) nn = 0;
  char prefix[64];
  snprintf(prefix, sizeof prefix, "%s", q->d->hex);
  size_t pl = strlen(prefix);
  if (pl > 1 && prefix[pl - 1] == 'x') prefix[pl - 1] = 0;
  int rc = ISMS_OK;
  for (int k = 0; !rc && k < (no > nn ? no : nn); k++) {
    int a = k < no ? ob[k] : 0, b = k < nn ? nb[k] : 0;
    if (a == b) continue;
    char field[80], at[8], bt[8];
    snprintf(field, sizeof field, "%s%d", prefix, k + ISMS_MAX_FACTORS + 1);
    snprintf(at, sizeof at, "%d", a);
    snprintf(bt, sizeof bt, "%d", b);
    rc = isms__log_change(db, batch, q->d->name, q->id, action, field, a ? at : NULL,
                          b ? bt : NULL);
  }
  return rc;
}

/* Appends text to sql at *used (within size). */
static void append(char *sql, size_t size, size_t *used, const char *text) {
  size_t n = strlen(text);
  if (*used + n >= size) n = *used + 1 < size ? size - *used - 1 : 0;
  memcpy(sql + *used, text, n);
  *used += n;
  sql[*used] = 0;
}

/* Appends "?N" (N from 1). */
static void append_param(char *sql, size_t size, size_t *used, int n) {
  char digits[12], *p = digits + sizeof digits;
  *--p = 0;
  do *--p = (char)('0' + n % 10); while ((n /= 10));
  *--p = '?';
  append(sql, size, used, p);
}

/* INSERTs the given fields (the rest take their defaults) and logs the
** creation. */
static int insert_new(isms_records *rec, const request *q) {
  char sql[8192], vals[1024];
  size_t used = 0, vused = 0;
  const char *binds[MAX_FIELDS];
  int nb = 0, hexbind = -1;
  uint64_t mask = 0;
  for (int f = 0; f < q->n; f++)
    if (q->given[f]) mask |= (uint64_t)1 << f;
  if (rec->ins_st && rec->ins_kind == (const void *)q->d && rec->ins_mask == mask) {
    for (int f = 0; f < q->n; f++)
      if (q->given[f]) binds[nb++] = q->want[f];
    int rc = run_statement(rec, q, rec->ins_st, NULL, binds, nb, rec->ins_hex);
    if (!rc)
      rc = isms__log_change(rec->db, rec->batch, q->d->name, q->id, "create", NULL, NULL, NULL);
    if (!rc) rec->created++;
    return rc;
  }
  sql[0] = vals[0] = 0;
  append(sql, sizeof sql, &used, "INSERT INTO ");
  append(sql, sizeof sql, &used, q->d->table);
  append(sql, sizeof sql, &used, "(");
  for (int f = 0; f < q->n; f++) {
    if (!q->given[f]) continue;
    if (nb) {
      append(sql, sizeof sql, &used, ", ");
      append(vals, sizeof vals, &vused, ", ");
    }
    append(sql, sizeof sql, &used, q->d->fields[f]);
    append_param(vals, sizeof vals, &vused, nb + 1);
    if (is_hex(q->d, f)) hexbind = nb;
    binds[nb++] = q->want[f];
  }
  append(sql, sizeof sql, &used, ") VALUES(");
  append(sql, sizeof sql, &used, vals);
  append(sql, sizeof sql, &used, ")");
  /* This INSERT becomes the batch's own for the next records alike. */
  sqlite3_stmt *st;
  if (sqlite3_prepare_v3(rec->db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
      SQLITE_OK)
    return isms__fail_sql(rec->db, "writing records");
  sqlite3_finalize(rec->ins_st);
  rec->ins_st = st;
  rec->ins_kind = q->d;
  rec->ins_mask = mask;
  rec->ins_hex = hexbind;
  int rc = run_statement(rec, q, st, NULL, binds, nb, hexbind);
  if (!rc) rc = isms__log_change(rec->db, rec->batch, q->d->name, q->id, "create", NULL, NULL, NULL);
  if (!rc) rec->created++;
  return rc;
}

ISMS_API int isms_records_create(isms_records *rec, const char *kind, int n,
                                 const char *const *names, const char *const *values) {
  if (!rec) return ISMS_MISUSE;
  request q;
  int rc = parse(rec->db, kind, n, names, values, &q);
  return rc ? rc : insert_new(rec, &q);
}

ISMS_API int isms_records_put(isms_records *rec, const char *kind, int n,
                              const char *const *names, const char *const *values) {
  request q;
  char *old[MAX_FIELDS];
  int found;
  int rc = prepare(rec, kind, n, names, values, &q, old, &found);
  if (rc) return rc;
  isms_db *db = rec->db;
  char sql[8192];
  const char *binds[MAX_FIELDS];
  int nb = 0, hexbind = -1;
  if (!found) {
    rc = insert_new(rec, &q);
  } else {
    /* UPDATE the fields that change, logging each: the key first binds. */
    snprintf(sql, sizeof sql, "UPDATE %s SET ", q.d->table);
    for (int f = 0; f < q.d->nkeys; f++) binds[nb++] = q.want[f];
    int changed = 0;
    for (int f = q.d->nkeys; f < q.n; f++) {
      if (!q.given[f] || same(old[f], q.want[f])) continue;
      char set[128];
      snprintf(set, sizeof set, "%s%s = ?%d", changed ? ", " : "", q.d->fields[f], nb + 1);
      strcat(sql, set);
      if (is_hex(q.d, f)) hexbind = nb;
      binds[nb++] = q.want[f];
      changed++;
    }
    where_key(&q, sql, sizeof sql);
    if (changed) rc = run(rec, &q, sql, binds, nb, hexbind);
    for (int f = q.d->nkeys; !rc && f < q.n; f++)
      if (q.given[f] && !same(old[f], q.want[f]))
        rc = is_hex(q.d, f)
                 ? log_hex(db, rec->batch, &q, "update", old[f], q.want[f])
                 : isms__log_change(db, rec->batch, q.d->name, q.id, "update", q.d->fields[f],
                                    old[f], q.want[f]);
    if (!rc && changed) rec->updated++;
  }
  for (int f = 0; f < q.n; f++) free(old[f]);
  return rc;
}

ISMS_API int isms_records_delete(isms_records *rec, const char *kind, int n,
                                 const char *const *names, const char *const *values) {
  request q;
  char *old[MAX_FIELDS];
  int found;
  int rc = prepare(rec, kind, n, names, values, &q, old, &found);
  if (rc) return rc;
  isms_db *db = rec->db;
  if (!found) rc = isms__fail(db, ISMS_NOTFOUND, "no %s '%s' in the register", q.d->name, q.id);
  /* A deleted record logs every field it had, so it can be reconstructed. */
  for (int f = 0; !rc && f < q.n; f++)
    if (old[f])
      rc = is_hex(q.d, f) ? log_hex(db, rec->batch, &q, "delete", old[f], NULL)
                          : isms__log_change(db, rec->batch, q.d->name, q.id, "delete",
                                             q.d->fields[f], old[f], NULL);
  if (!rc) {
    char sql[1024];
    snprintf(sql, sizeof sql, "DELETE FROM %s", q.d->table);
    where_key(&q, sql, sizeof sql);
    const char *binds[MAX_FIELDS];
    for (int f = 0; f < q.d->nkeys; f++) binds[f] = q.want[f];
    rc = run(rec, &q, sql, binds, q.d->nkeys, -1);
    if (!rc) rec->deleted++;
  }
  for (int f = 0; f < q.n; f++) free(old[f]);
  return rc;
}

ISMS_API int isms_records_end(isms_records *rec, int commit, isms_import_report *rep) {
  if (!rec) return ISMS_MISUSE;
  isms_db *db = rec->db;
  statements_free(rec);
  int rc = ISMS_OK;
  if (commit) {
    rc = isms__batch_close(db, rec->batch, rec->created, rec->updated, rec->deleted);
    if (!rc) rc = isms__commit(db);
  }
  if (!commit || rc) isms__rollback(db);
  if (rep && commit && !rc) {
    memset(rep, 0, sizeof *rep);
    rep->created = rec->created;
    rep->updated = rec->updated;
    rep->batch = rec->batch;
  }
  free(rec);
  return rc;
}
