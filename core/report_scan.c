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

typedef struct scan {
  isms_report_scan pub;
  uint32_t *before, *after;
  entry *heap;
  size_t k, m;
  refs top, checks, first;
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
static int offer(scan *s, uint64_t key, uint32_t idx, const char *ref) {
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
  int owners;
} current;

enum { R_REF, R_ASSET, R_A, R_B, R_RANK, R_SCORE, R_OBLIG, R_ACCEPT, R_OWNERS };

/* Counts one risk row; cur says where it went. */
static int count_risk(scan *s, sqlite3_stmt *q, isms__strmap *assets, char **prev,
                      size_t *prev_cap, int *prev_ok, current *cur) {
  const char *aid = (const char *)sqlite3_column_text(q, R_ASSET);
  size_t an = (size_t)sqlite3_column_bytes(q, R_ASSET);
  cur->in = 0;
  if (!aid) return 0;
  /* refs start with their asset's id: neighbours mostly share it */
  if (!*prev || strncmp(*prev, aid, an) != 0 || (*prev)[an] != 0) {
    int64_t ignored;
    *prev_ok = isms__strmap_get(assets, aid, an, &ignored);
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
  isms_report_scan *p = &s->pub;
  uint32_t idx = (uint32_t)p->n++;
  unsigned a = tier(q, R_A), b = tier(q, R_B);
  sqlite3_int64 rk = sqlite3_column_int64(q, R_RANK);
  unsigned rank = rank_of(rk);
  if (a) s->before[cell(a, b, rank)]++;
  else p->unrated++;
  p->not_acceptable += sqlite3_column_int(q, R_ACCEPT) == 1;  /* acceptable = 0 */
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
  int stored_rank = rk > 0 && rk <= INT16_MAX ? (int)rk : 0;
  uint64_t key = isms__risk_key(stored_rank, score, (uint8_t)sqlite3_column_int(q, R_OBLIG));
  if ((s->m < s->k || (s->k && key > s->heap[0].key)) &&
      offer(s, key, idx, (const char *)sqlite3_column_text(q, R_REF)))
    return -1;
  *cur = (current){1, a, b, rank, sqlite3_column_int(q, R_OWNERS) != 0};
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

static int prepare(isms_db *db, const char *sql, sqlite3_stmt **q) {
  if (sqlite3_prepare_v2(db->sql, sql, -1, q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading the register for the report");
  return ISMS_OK;
}

/* The pass itself, inside one read transaction. */
static int run(isms_db *db, scan *s, int ri, int ci, size_t limit) {
  isms__strmap *assets = isms__strmap_new();
  if (!assets) return isms__fail(db, ISMS_NOMEM, "out of memory");
  sqlite3_stmt *R = NULL, *T = NULL, *A = NULL;
  char *prev = NULL;
  size_t prev_cap = 0;
  int prev_ok = 0;
  int rc = read_asset_ids(db, assets);
  char sql[400];
  if (!rc) {
    char b[16] = "NULL";
    if (ci >= 0) snprintf(b, sizeof b, "r%d", ci + 1);
    snprintf(sql, sizeof sql,
             "SELECT ref, asset, r%d, %s, level_rank, score, obligations, acceptable = 0,"
             " owners IS NOT NULL FROM risks ORDER BY ref",
             ri + 1, b);
    rc = prepare(db, sql, &R);
  }
  if (!rc) {
    char b[16] = "NULL";
    if (ci >= 0) snprintf(b, sizeof b, "rr%d", ci + 1);
    snprintf(sql, sizeof sql,
             "SELECT risk, rr%d, %s, residual_rank, option, residual_acceptable = 0,"
             " override_by IS NOT NULL FROM treatments ORDER BY risk",
             ri + 1, b);
    rc = prepare(db, sql, &T);
  }
  if (!rc) rc = prepare(db, "SELECT risk, role FROM acceptances ORDER BY risk", &A);
  if (rc) goto done;

  current cur;
  size_t sure = 0;
  int rs = sqlite3_step(R), as = sqlite3_step(A), ts;
  while ((ts = sqlite3_step(T)) == SQLITE_ROW) {
    const char *tref = (const char *)sqlite3_column_text(T, 0);
    if (!tref) tref = "";
    /* the risks before this one, and this one */
    int found = 0;
    current hit = {0, 0, 0, 0, 0};
    while (rs == SQLITE_ROW) {
      const char *rref = (const char *)sqlite3_column_text(R, R_REF);
      int c = strcmp(rref ? rref : "", tref);
      if (c > 0) break;
      if (count_risk(s, R, assets, &prev, &prev_cap, &prev_ok, &cur)) goto nomem;
      if (c == 0) found = cur.in, hit = cur;
      rs = sqlite3_step(R);
      if (c == 0) break;
    }
    const char *option = (const char *)sqlite3_column_text(T, 4);
    int avoided = 0;
    for (int o = 0; o < 4; o++)
      if (option && strcmp(option, options[o]) == 0) s->pub.options[o]++, avoided = o == 2;
    s->pub.residual_not_acceptable += sqlite3_column_int(T, 5) == 1;
    s->pub.overrides += sqlite3_column_int(T, 6) == 1;
    if (found && hit.a) {
      /* the risk leaves its cell; unless avoided, it joins its residual one */
      s->after[cell(hit.a, hit.b, hit.rank)]--;
      if (!avoided) {
        int64_t na = residual(T, 1, 255), nb = ci >= 0 ? residual(T, 2, 255) : 0;
        int64_t nr = residual(T, 3, RANKS - 1);
        unsigned a = na > 0 ? (unsigned)na : hit.a;
        unsigned b = ci < 0 ? 0 : nb >= 0 ? (unsigned)nb : hit.b;
        s->after[cell(a, b, nr >= 0 ? (unsigned)nr : hit.rank)]++;
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
    int owners = found && hit.owners;
    int state = 0;  /* 0 accepted, 1 missing, 2 to check */
    if (!mgmt || (owners && owner_acc == 0)) state = 1;
    else if (owners) state = 2;
    if (state) {
      if (state == 1) s->pub.missing++;
      else if (push_ref(&s->checks, tref)) goto nomem;
      if (sure < limit) {
        if (push_ref(&s->first, tref)) goto nomem;
        if (state == 1) sure++;
      }
    }
  }
  if (ts != SQLITE_DONE) goto sqlfail;
  while (rs == SQLITE_ROW) {
    if (count_risk(s, R, assets, &prev, &prev_cap, &prev_ok, &cur)) goto nomem;
    rs = sqlite3_step(R);
  }
  if (rs != SQLITE_DONE || (as != SQLITE_ROW && as != SQLITE_DONE)) goto sqlfail;
  for (size_t k = 0; k < CELLS; k++) s->after[k] += s->before[k];
  qsort(s->heap, s->m, sizeof *s->heap, cmp_entry);
  for (size_t k = 0; k < s->m; k++) {
    if (push_ref(&s->top, s->heap[k].ref)) goto nomem;
  }
  goto done;
sqlfail:
  rc = isms__fail_sql(db, "reading the register for the report");
  goto done;
nomem:
  rc = isms__fail(db, ISMS_NOMEM, "out of memory reading the register for the report");
done:
  sqlite3_finalize(R);
  sqlite3_finalize(T);
  sqlite3_finalize(A);
  free(prev);
  isms__strmap_free(assets);
  return rc;
}

ISMS_API void isms_report_scan_free(isms_report_scan *pub) {
  if (!pub) return;
  scan *s = (scan *)pub;
  free(s->before);
  free(s->after);
  for (size_t k = 0; k < s->m; k++) free(s->heap[k].ref);
  free(s->heap);
  free_refs(&s->top);
  free_refs(&s->checks);
  free_refs(&s->first);
  free(s);
}

ISMS_API int isms_report_scan_read(isms_db *db, int ri, int ci, size_t limit,
                                   isms_report_scan **out) {
  if (out) *out = NULL;
  if (!db || !out || ri < 0 || ri > 3 || ci < -1 || ci > 3 || limit > UINT32_MAX)
    return ISMS_MISUSE;
  isms__clear_error(db);
  scan *s = calloc(1, sizeof *s);
  if (!s) return isms__fail(db, ISMS_NOMEM, "out of memory");
  s->k = limit;
  s->before = calloc(CELLS, sizeof *s->before);
  s->after = calloc(CELLS, sizeof *s->after);
  s->heap = malloc((limit ? limit : 1) * sizeof *s->heap);
  int rc;
  if (!s->before || !s->after || !s->heap) {
    rc = isms__fail(db, ISMS_NOMEM, "out of memory");
  } else {
    /* every statement sees one snapshot: outside a transaction, open one */
    int own_txn = sqlite3_get_autocommit(db->sql);
    rc = own_txn ? isms__exec(db, "BEGIN") : ISMS_OK;
    if (!rc) rc = run(db, s, ri, ci, (size_t)limit);
    if (own_txn) sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
  }
  if (rc) {
    isms_report_scan_free(&s->pub);
    return rc;
  }
  isms_report_scan *p = &s->pub;
  p->before = s->before;
  p->after = s->after;
  p->ntop = s->top.n;
  p->top = (const char *const *)s->top.v;
  p->nchecks = s->checks.n;
  p->checks = (const char *const *)s->checks.v;
  p->nfirst = s->first.n;
  p->first = (const char *const *)s->first.v;
  *out = p;
  return ISMS_OK;
}
