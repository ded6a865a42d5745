/*
** report_scan.c -- what the report shows of the whole risk register, in
** one pass and without the register in memory (isms_report_scan_read).
**
** The report used to read every risk into columns (isms_risks_read: refs,
** threats, assets, levels and impacts copied into an arena) and then go
** over the columns and the treatments in Lua. It needs only aggregates:
** the heat-map counts before and after treatment, the most urgent few and
** the acceptance counts. Here the risks are stepped through in ref order
** and merged with the treatments and the acceptances (both by risk), each
** row read straight from SQLite's buffers: only the refs the report lists
** are copied. The order of the most urgent risks is isms_risk_order's
** (level rank, score, obligations, then register order), kept by a bounded
** heap that owns a copy of each ref in it.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

#define RANKS ISMS_REPORT_RANKS
#define CELLS ((size_t)256 * 256 * RANKS)

typedef struct entry {
  uint64_t key;
  uint32_t idx;
  char *ref;
} entry;

/* A growable list of copied refs. */
typedef struct refs {
  char **v;
  size_t n, cap;
} refs;

/* What one range of refs gives (the whole register, or one thread's part
** of it): counts, the most urgent in a heap, the refs to check and the
** first refs awaiting acceptance with their state (1 missing, 2 to check),
** as many as this range alone would list. */
typedef struct part {
  size_t n, unrated, not_acceptable, missing;
  size_t options[4], residual_not_acceptable, overrides;
  uint32_t *before, *after;
  entry *heap;
  size_t k, m;
  refs checks, first;
  unsigned char *state;  /* per first ref; as long as first.cap */
  size_t state_cap;
  /* a thread's part: its own connection, [lo, hi) of refs (NULL: open) */
  sqlite3 *sql;
  const char *lo, *hi;
  const char *path;
  int busy_ms, ri, ci, rc;
  size_t limit;
  sqlite3_int64 guard;
  const isms__strmap *assets;
  pthread_t thread;
  int started;
} part;

typedef struct scan {
  isms_report_scan pub;
  part whole;  /* the merged result: its arrays are pub's */
  refs top;
} scan;

static int push_ref(refs *l, const char *s) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    char **v = realloc(l->v, cap * sizeof *v);
    if (!v) return -1;
    l->v = v;
    l->cap = cap;
  }
  if (!(l->v[l->n] = strdup(s ? s : ""))) return -1;
  l->n++;
  return 0;
}

static void free_refs(refs *l) {
  for (size_t k = 0; k < l->n; k++) free(l->v[k]);
  free(l->v);
}

/* ------------------------------------------------------------ the heap */

/* a before b in priority order? (as risk_order.c) */
static int before(const entry *a, const entry *b) {
  return a->key != b->key ? a->key > b->key : a->idx < b->idx;
}

static void sift_down(entry *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, w = i;
    if (l < n && before(&h[w], &h[l])) w = l;
    if (r < n && before(&h[w], &h[r])) w = r;
    if (w == i) return;
    entry t = h[i];
    h[i] = h[w];
    h[w] = t;
    i = w;
  }
}

/* Offers risk idx (offered in increasing idx order): the heap keeps the k
** most urgent so far with the least urgent on top. */
static int offer(part *s, uint64_t key, uint32_t idx, const char *ref) {
  if (s->m < s->k) {
    entry e = {key, idx, strdup(ref)};
    if (!e.ref) return -1;
    s->heap[s->m++] = e;
    if (s->m == s->k)
      for (size_t j = s->k / 2 + 1; j-- > 0;) sift_down(s->heap, s->k, j);
    return 0;
  }
  /* a later risk with an equal key comes after: only a larger key gets in */
  if (s->k == 0 || key <= s->heap[0].key) return 0;
  char *copy = strdup(ref);
  if (!copy) return -1;
  free(s->heap[0].ref);
  s->heap[0] = (entry){key, idx, copy};
  sift_down(s->heap, s->k, 0);
  return 0;
}

static int cmp_entry(const void *x, const void *y) {
  const entry *a = x, *b = y;
  return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

/* ------------------------------------------------------------ columns */

/* A stored tier: 1..255, else 0, as risk_read.c's tier_of, in one call:
** NULL reads as 0 and a real is truncated as tier_of does (an INTEGER
** column keeps text only when it is no number, which reads as 0). */
static unsigned tier(sqlite3_stmt *q, int col) {
  sqlite3_int64 v = sqlite3_column_int64(q, col);
  return v >= 1 && v <= 255 ? (unsigned)v : 0;
}

static unsigned rank_of(sqlite3_int64 v) {
  return v <= 0 ? 0 : v >= RANKS ? RANKS - 1 : (unsigned)v;
}

/* A residual column: -1 for NULL, else its value (negative as 0, above
** max as max). */
static int64_t residual(sqlite3_stmt *q, int col, int64_t max) {
  if (sqlite3_column_type(q, col) == SQLITE_NULL) return -1;
  sqlite3_int64 v = sqlite3_column_int64(q, col);
  return v < 0 ? 0 : v > max ? max : v;
}

static size_t cell(unsigned a, unsigned b, unsigned rank) {
  return ((size_t)a * 256 + b) * RANKS + rank;
}

/* In the order of treatment.OPTIONS (and of the schema's CHECK). */
static const char *const options[4] = {"modify", "retain", "avoid", "share"};

/* The risk row the treatments are merged with. */
typedef struct current {
  int in;              /* counted: its asset exists */
  unsigned a, b, rank;
} current;

enum { R_REF, R_ASSET, R_A, R_B, R_RANK, R_SCORE, R_OBLIG, R_ACCEPT, R_OWNERS };

/* Counts one risk row; cur says where it went. */
static int count_risk(part *s, sqlite3_stmt *q, char **prev, size_t *prev_cap, int *prev_ok,
                      current *cur) {
  const char *aid = (const char *)sqlite3_column_text(q, R_ASSET);
  size_t an = (size_t)sqlite3_column_bytes(q, R_ASSET);
  cur->in = 0;
  if (!aid) return 0;
  /* refs start with their asset's id: neighbours mostly share it */
  if (!*prev || strncmp(*prev, aid, an) != 0 || (*prev)[an] != 0) {
    int64_t ignored;
    *prev_ok = isms__strmap_get(s->assets, aid, an, &ignored);
    if (an + 1 > *prev_cap) {
      char *p = realloc(*prev, an + 1);
      if (!p) return -1;
      *prev = p;
      *prev_cap = an + 1;
    }
    memcpy(*prev, aid, an);
    (*prev)[an] = 0;
  }
  if (!*prev_ok) return 0;
  uint32_t idx = (uint32_t)s->n++;
  unsigned a = tier(q, R_A), b = tier(q, R_B);
  sqlite3_int64 rk = sqlite3_column_int64(q, R_RANK);
  unsigned rank = rank_of(rk);
  if (a) s->before[cell(a, b, rank)]++;
  else s->unrated++;
  s->not_acceptable += sqlite3_column_int(q, R_ACCEPT) == 1;  /* acceptable = 0 */
  *cur = (current){1, a, b, rank};
  int stored_rank = rk > 0 && rk <= INT16_MAX ? (int)rk : 0;
  /* the rank is the key's top bits: a full heap whose least urgent key is
  ** at or above every key of this rank needs neither score nor obligations */
  if (s->m == s->k && (s->k == 0 || isms__risk_key(stored_rank, ((int64_t)1 << 40) - 1, 7) <=
                                        s->heap[0].key))
    return 0;
  int64_t score = 0;
  switch (sqlite3_column_type(q, R_SCORE)) {
    case SQLITE_NULL: break;
    case SQLITE_FLOAT: {
      double d = sqlite3_column_double(q, R_SCORE);
      score = (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
      break;
    }
    default: score = sqlite3_column_int64(q, R_SCORE);
  }
  uint64_t key = isms__risk_key(stored_rank, score, (uint8_t)sqlite3_column_int(q, R_OBLIG));
  if ((s->m < s->k || (s->k && key > s->heap[0].key)) &&
      offer(s, key, idx, (const char *)sqlite3_column_text(q, R_REF)))
    return -1;
  return 0;
}

/* Adds a first ref with its state (1 missing, 2 to check). */
static int push_first(part *s, const char *ref, unsigned char state) {
  if (push_ref(&s->first, ref)) return -1;
  if (s->first.n > s->state_cap) {
    size_t cap = s->first.cap;
    unsigned char *v = realloc(s->state, cap);
    if (!v) return -1;
    s->state = v;
    s->state_cap = cap;
  }
  s->state[s->first.n - 1] = state;
  return 0;
}

static int read_asset_ids(isms_db *db, isms__strmap *assets) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "SELECT id FROM assets", -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading assets");
  int st;
  while ((st = sqlite3_step(q)) == SQLITE_ROW) {
    const char *id = (const char *)sqlite3_column_text(q, 0);
    if (id && isms__strmap_put(assets, id, (size_t)sqlite3_column_bytes(q, 0), 1)) {
      sqlite3_finalize(q);
      return isms__fail(db, ISMS_NOMEM, "out of memory reading the assets");
    }
  }
  sqlite3_finalize(q);
  return st == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "reading assets");
}

/* Prepares sql + the part's range of column key (WHERE key >= lo AND key
** < hi, each when given) + " ORDER BY key". */
static int prepare_range(part *s, const char *sql, const char *key, sqlite3_stmt **q) {
  char text[600];
  snprintf(text, sizeof text, "%s%s%s%s%s%s%s ORDER BY %s", sql,
           s->lo || s->hi ? " WHERE " : "", s->lo ? key : "", s->lo ? " >= ?1" : "",
           s->lo && s->hi ? " AND " : "", s->hi ? key : "", s->hi ? " < ?2" : "", key);
  if (sqlite3_prepare_v2(s->sql, text, -1, q, NULL) != SQLITE_OK) return -1;
  if ((s->lo && sqlite3_bind_text(*q, 1, s->lo, -1, SQLITE_STATIC) != SQLITE_OK) ||
      (s->hi && sqlite3_bind_text(*q, 2, s->hi, -1, SQLITE_STATIC) != SQLITE_OK))
    return -1;
  return 0;
}

enum { PART_OK = 0, PART_SQL = 1, PART_NOMEM = 2 };

/* The pass itself over the part's range, inside one read transaction of
** its connection. Returns PART_OK, PART_SQL or PART_NOMEM. */
static int run_part(part *s) {
  sqlite3_stmt *R = NULL, *T = NULL, *A = NULL;
  char *prev = NULL;
  size_t prev_cap = 0;
  int prev_ok = 0, rc = PART_OK;
  int ri = s->ri, ci = s->ci;
  char sql[400];
  char b[16] = "NULL";
  if (ci >= 0) snprintf(b, sizeof b, "r%d", ci + 1);
  snprintf(sql, sizeof sql,
           "SELECT ref, asset, r%d, %s, level_rank, score, obligations, acceptable = 0,"
           " owners IS NOT NULL FROM risks", ri + 1, b);
  if (prepare_range(s, sql, "ref", &R)) goto sqlfail;
  if (ci >= 0) snprintf(b, sizeof b, "rr%d", ci + 1);
  snprintf(sql, sizeof sql,
           "SELECT risk, rr%d, %s, residual_rank, option, residual_acceptable = 0,"
           " override_by IS NOT NULL FROM treatments", ri + 1, b);
  if (prepare_range(s, sql, "risk", &T)) goto sqlfail;
  if (prepare_range(s, "SELECT risk, role FROM acceptances", "risk", &A)) goto sqlfail;

  current cur;
  size_t sure = 0;
  int rs = sqlite3_step(R), as = sqlite3_step(A), ts;
  while ((ts = sqlite3_step(T)) == SQLITE_ROW) {
    const char *tref = (const char *)sqlite3_column_text(T, 0);
    if (!tref) tref = "";
    /* the risks before this one, and this one */
    int found = 0, owners = 0;
    current hit = {0, 0, 0, 0};
    while (rs == SQLITE_ROW) {
      const char *rref = (const char *)sqlite3_column_text(R, R_REF);
      int c = strcmp(rref ? rref : "", tref);
      if (c > 0) break;
      if (count_risk(s, R, &prev, &prev_cap, &prev_ok, &cur)) goto nomem;
      if (c == 0) {
        found = cur.in, hit = cur;
        owners = found && sqlite3_column_int(R, R_OWNERS) != 0;
      }
      rs = sqlite3_step(R);
      if (c == 0) break;
    }
    const char *option = (const char *)sqlite3_column_text(T, 4);
    int avoided = 0;
    for (int o = 0; o < 4; o++)
      if (option && strcmp(option, options[o]) == 0) s->options[o]++, avoided = o == 2;
    s->residual_not_acceptable += sqlite3_column_int(T, 5) == 1;
    s->overrides += sqlite3_column_int(T, 6) == 1;
    if (found && hit.a) {
      /* the risk leaves its cell; unless avoided, it joins its residual one */
      s->after[cell(hit.a, hit.b, hit.rank)]--;
      if (!avoided) {
        int64_t na = residual(T, 1, 255), nb = ci >= 0 ? residual(T, 2, 255) : 0;
        int64_t nr = residual(T, 3, RANKS - 1);
        unsigned a = na > 0 ? (unsigned)na : hit.a;
        unsigned bb = ci < 0 ? 0 : nb >= 0 ? (unsigned)nb : hit.b;
        s->after[cell(a, bb, nr >= 0 ? (unsigned)nr : hit.rank)]++;
      }
    }
    /* this risk's acceptances */
    int mgmt = 0;
    size_t owner_acc = 0;
    while (as == SQLITE_ROW) {
      const char *aref = (const char *)sqlite3_column_text(A, 0);
      int d = strcmp(aref ? aref : "", tref);
      if (d > 0) break;
      if (d == 0) {
        const char *role = (const char *)sqlite3_column_text(A, 1);
        if (role && role[0] == 'm') mgmt = 1;
        else owner_acc++;
      }
      as = sqlite3_step(A);
    }
    int state = 0;  /* 0 accepted, 1 missing, 2 to check */
    if (!mgmt || (owners && owner_acc == 0)) state = 1;
    else if (owners) state = 2;
    if (state) {
      if (state == 1) s->missing++;
      else if (push_ref(&s->checks, tref)) goto nomem;
      if (sure < s->limit) {
        if (push_first(s, tref, (unsigned char)state)) goto nomem;
        if (state == 1) sure++;
      }
    }
  }
  if (ts != SQLITE_DONE) goto sqlfail;
  while (rs == SQLITE_ROW) {
    if (count_risk(s, R, &prev, &prev_cap, &prev_ok, &cur)) goto nomem;
    rs = sqlite3_step(R);
  }
  if (rs != SQLITE_DONE || (as != SQLITE_ROW && as != SQLITE_DONE)) goto sqlfail;
  /* (only the cells in use: a page never written stays unmapped) */
  for (size_t k = 0; k < CELLS; k++)
    if (s->before[k]) s->after[k] += s->before[k];
  goto done;
sqlfail:
  rc = PART_SQL;
  goto done;
nomem:
  rc = PART_NOMEM;
done:
  sqlite3_finalize(R);
  sqlite3_finalize(T);
  sqlite3_finalize(A);
  free(prev);
  return rc;
}

/* ------------------------------------------------------------ parts */

static int part_init(part *s, size_t limit) {
  s->k = limit;
  s->limit = limit;
  s->before = calloc(CELLS, sizeof *s->before);
  s->after = calloc(CELLS, sizeof *s->after);
  s->heap = malloc((limit ? limit : 1) * sizeof *s->heap);
  return s->before && s->after && s->heap ? 0 : -1;
}

static void part_free(part *s) {
  free(s->before);
  free(s->after);
  for (size_t k = 0; k < s->m; k++) free(s->heap[k].ref);
  free(s->heap);
  free_refs(&s->checks);
  free_refs(&s->first);
  free(s->state);
  if (s->sql) sqlite3_close_v2(s->sql);
  memset(s, 0, sizeof *s);
}

/* The newest change batch: every write through isms adds one, so parts
** that read the same one read the same register. */
static int read_guard(sqlite3 *sql, sqlite3_int64 *out) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(sql, "SELECT coalesce(max(id), 0) FROM change_batches", -1, &q, NULL) !=
      SQLITE_OK)
    return -1;
  int st = sqlite3_step(q);
  if (st == SQLITE_ROW) *out = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return st == SQLITE_ROW ? 0 : -1;
}

/* A thread's part: its own connection to the register, one read
** transaction, the guard read in it, then the pass over its range. */
static void *part_thread(void *arg) {
  part *s = arg;
  s->rc = PART_SQL;
  if (sqlite3_open_v2(s->path, &s->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK)
    return NULL;
  sqlite3_busy_timeout(s->sql, s->busy_ms);
  if (sqlite3_exec(s->sql, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec(s->sql, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_int64 guard = -1;
  if (read_guard(s->sql, &guard) || guard != s->guard) return NULL;
  s->rc = run_part(s);
  sqlite3_exec(s->sql, "COMMIT", NULL, NULL, NULL);
  return NULL;
}

/* How many parts (threads) to read n risks in: ISMS_REPORT_THREADS when
** set (1..64; for tests and comparisons), else one per core and per
** 256K risks or so (isms__threads_for). */
static int parts_for(size_t n) {
  const char *env = getenv("ISMS_REPORT_THREADS");
  if (env && *env) {
    long v = strtol(env, NULL, 10);
    return v < 1 ? 1 : v > 64 ? 64 : (int)v;
  }
  return isms__threads_for(n);
}

/* The ref at position pos in ref order (a copy), or NULL past the end or
** on failure (then the parts before it take the rest). */
static char *ref_at(sqlite3 *sql, size_t pos) {
  sqlite3_stmt *q;
  char *out = NULL;
  if (sqlite3_prepare_v2(sql, "SELECT ref FROM risks ORDER BY ref LIMIT 1 OFFSET ?1", -1, &q,
                         NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_int64(q, 1, (sqlite3_int64)pos);
  if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
    out = strdup((const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  return out;
}

/* Adds part p (whose risks come after `offset` others) into w. */
static int merge(part *w, part *p, size_t offset, size_t *sure) {
  w->n += p->n;
  w->unrated += p->unrated;
  w->not_acceptable += p->not_acceptable;
  w->missing += p->missing;
  for (int o = 0; o < 4; o++) w->options[o] += p->options[o];
  w->residual_not_acceptable += p->residual_not_acceptable;
  w->overrides += p->overrides;
  for (size_t k = 0; k < CELLS; k++) {
    if (p->before[k]) w->before[k] += p->before[k];
    if (p->after[k]) w->after[k] += p->after[k];
  }
  for (size_t k = 0; k < p->checks.n; k++)
    if (push_ref(&w->checks, p->checks.v[k])) return -1;
  /* the first refs: in order, as one pass would have listed them */
  for (size_t k = 0; k < p->first.n && *sure < w->limit; k++) {
    if (push_first(w, p->first.v[k], p->state[k])) return -1;
    if (p->state[k] == 1) ++*sure;
  }
  /* the most urgent: offered in register order, as one pass offers them */
  qsort(p->heap, p->m, sizeof *p->heap, cmp_entry);
  for (size_t k = 0; k < p->m; k++) {
    entry *e = &p->heap[k];
    uint32_t idx = (uint32_t)(offset + e->idx);
    if ((w->m < w->k || (w->k && e->key > w->heap[0].key)) && offer(w, e->key, idx, e->ref))
      return -1;
  }
  return 0;
}

/* Reads the register in parts, one per thread, each on a connection of
** its own with the same snapshot (by the guard); part 0 on db's own
** connection. *done says whether it did (0: too small, no file, or a
** part could not be read alike: read it in one pass then). */
static int run_parts(isms_db *db, scan *sc, int ri, int ci, size_t limit,
                     const isms__strmap *assets, sqlite3_int64 guard, int *done) {
  *done = 0;
  const char *path = sqlite3_db_filename(db->sql, "main");
  sqlite3_stmt *q;
  size_t n = 0;
  /* other connections see neither an in-memory register nor what a write
  ** transaction of this one has not committed */
  if (!path || !*path || sqlite3_txn_state(db->sql, "main") == SQLITE_TXN_WRITE) return ISMS_OK;
  if (sqlite3_prepare_v2(db->sql, "SELECT count(*) FROM risks", -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading the register for the report");
  if (sqlite3_step(q) == SQLITE_ROW) n = (size_t)sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  int np = parts_for(n);
  if (np < 2) return ISMS_OK;
  part *parts = calloc((size_t)np, sizeof *parts);
  char **bounds = calloc((size_t)np + 1, sizeof *bounds);
  int rc = ISMS_OK, ok = parts && bounds, nomem = !ok;
  for (int i = 1; ok && i < np; i++) bounds[i] = ref_at(db->sql, n * (size_t)i / (size_t)np);
  for (int i = 0; ok && i < np; i++) {
    part *p = &parts[i];
    if (part_init(p, limit)) ok = 0;
    p->lo = bounds[i];
    p->hi = bounds[i + 1];
    p->path = path;
    p->busy_ms = db->busy_ms;
    p->ri = ri, p->ci = ci;
    p->guard = guard;
    p->assets = assets;
  }
  /* every bound is a ref (offsets below n, in one snapshot): one not read
  ** (no memory) reads the register in one pass instead */
  for (int i = 1; ok && i < np; i++)
    if (!bounds[i]) ok = 0;
  for (int i = 1; ok && i < np; i++) {
    parts[i].started = pthread_create(&parts[i].thread, NULL, part_thread, &parts[i]) == 0;
    if (!parts[i].started) ok = 0;
  }
  if (ok) {
    parts[0].sql = db->sql;
    parts[0].rc = run_part(&parts[0]);
    parts[0].sql = NULL;
    if (parts[0].rc == PART_SQL) rc = isms__fail_sql(db, "reading the register for the report");
    if (parts[0].rc == PART_NOMEM)
      rc = isms__fail(db, ISMS_NOMEM, "out of memory reading the register for the report");
  }
  for (int i = 1; parts && i < np; i++)
    if (parts[i].started) pthread_join(parts[i].thread, NULL);
  for (int i = 1; ok && !rc && i < np; i++)
    if (parts[i].rc != PART_OK) ok = 0;
  if (ok && !rc) {
    part *w = &parts[0];
    size_t sure = 0, offset = w->n;
    for (size_t k = 0; k < w->first.n; k++) sure += w->state[k] == 1;
    for (int i = 1; i < np; i++) {
      if (merge(w, &parts[i], offset, &sure)) {
        rc = isms__fail(db, ISMS_NOMEM, "out of memory reading the register for the report");
        break;
      }
      offset += parts[i].n;
    }
    if (!rc) {
      sc->whole = *w;
      memset(w, 0, sizeof *w);
      *done = 1;
    }
  }
  for (int i = 0; parts && i < np; i++) part_free(&parts[i]);
  for (int i = 0; bounds && i <= np; i++) free(bounds[i]);
  free(parts);
  free(bounds);
  return nomem ? isms__fail(db, ISMS_NOMEM, "out of memory") : rc;
}

ISMS_API void isms_report_scan_free(isms_report_scan *pub) {
  if (!pub) return;
  scan *s = (scan *)pub;
  part_free(&s->whole);
  free_refs(&s->top);
  free(s);
}

/* The pass, in parts over the cores when the register is large, inside
** one read transaction. */
static int scan_all(isms_db *db, scan *s, int ri, int ci, size_t limit) {
  isms__strmap *assets = isms__strmap_new();
  if (!assets) return isms__fail(db, ISMS_NOMEM, "out of memory");
  sqlite3_int64 guard = 0;
  int rc = read_guard(db->sql, &guard) ? isms__fail_sql(db, "reading the register for the report")
                                       : read_asset_ids(db, assets);
  int done = 0;
  if (!rc) rc = run_parts(db, s, ri, ci, limit, assets, guard, &done);
  if (!rc && !done) {
    part *w = &s->whole;
    if (part_init(w, limit)) {
      rc = isms__fail(db, ISMS_NOMEM, "out of memory");
    } else {
      w->sql = db->sql, w->ri = ri, w->ci = ci, w->assets = assets;
      int r = run_part(w);
      w->sql = NULL;
      if (r == PART_SQL) rc = isms__fail_sql(db, "reading the register for the report");
      if (r == PART_NOMEM)
        rc = isms__fail(db, ISMS_NOMEM, "out of memory reading the register for the report");
    }
  }
  isms__strmap_free(assets);
  if (rc) return rc;
  part *w = &s->whole;
  qsort(w->heap, w->m, sizeof *w->heap, cmp_entry);
  for (size_t k = 0; k < w->m; k++)
    if (push_ref(&s->top, w->heap[k].ref))
      return isms__fail(db, ISMS_NOMEM, "out of memory reading the register for the report");
  return ISMS_OK;
}

ISMS_API int isms_report_scan_read(isms_db *db, int ri, int ci, size_t limit,
                                   isms_report_scan **out) {
  if (out) *out = NULL;
  if (!db || !out || ri < 0 || ri > 3 || ci < -1 || ci > 3 || limit > UINT32_MAX)
    return ISMS_MISUSE;
  isms__clear_error(db);
  scan *s = calloc(1, sizeof *s);
  if (!s) return isms__fail(db, ISMS_NOMEM, "out of memory");
  /* every statement sees one snapshot: outside a transaction, open one */
  int own_txn = sqlite3_get_autocommit(db->sql);
  int rc = own_txn ? isms__exec(db, "BEGIN") : ISMS_OK;
  if (!rc) rc = scan_all(db, s, ri, ci, (size_t)limit);
  if (own_txn) sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
  if (rc) {
    isms_report_scan_free(&s->pub);
    return rc;
  }
  isms_report_scan *p = &s->pub;
  part *w = &s->whole;
  p->n = w->n;
  p->unrated = w->unrated;
  p->not_acceptable = w->not_acceptable;
  p->before = w->before;
  p->after = w->after;
  p->ntop = s->top.n;
  p->top = (const char *const *)s->top.v;
  p->missing = w->missing;
  p->nchecks = w->checks.n;
  p->checks = (const char *const *)w->checks.v;
  p->nfirst = w->first.n;
  p->first = (const char *const *)w->first.v;
  for (int o = 0; o < 4; o++) p->options[o] = w->options[o];
  p->residual_not_acceptable = w->residual_not_acceptable;
  p->overrides = w->overrides;
  *out = p;
  return ISMS_OK;
}
