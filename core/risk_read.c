/*
** risk_read.c -- the risk register read into columns (isms_risks_read).
**
** The Lua layer used to read risks through the text cursor, a table per
** row, and then lay them out as columns for the kernels: at a million
** risks that is seconds of Lua before any scoring. Here one pass over the
** risks table fills the columns the kernels take (ratings, class, type,
** category, obligations) and the stored results the commands compare with
** (score, level, acceptance, decision), with the few texts they show kept
** in one arena. Assets are read first into a hash map, so each risk finds
** its asset's class, type and value without a join.
*/
#define _DEFAULT_SOURCE 1 /* MADV_HUGEPAGE is a Linux extension */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "isms_internal.h"

/* The table as the caller sees it, and what it owns. */
typedef struct table {
  isms_risk_table pub;
  /* risk columns */
  size_t cap;
  uint8_t *ratings[ISMS_MAX_FACTORS];
  uint8_t *extra[ISMS_MAX_RATINGS - ISMS_MAX_FACTORS];  /* r5..: from rx */
  int nextra;
  const uint8_t *rating[ISMS_MAX_RATINGS];
  int16_t *asset_class, *level_rank, *level;
  uint8_t *asset_type, *category, *obligations, *decision, *flags;
  int64_t *score;
  int8_t *acceptable;
  int32_t *impacts;
  uint32_t *asset, *ref, *threat, *threat_index;
  /* asset columns */
  size_t acap;
  uint32_t *a_id, *a_risks;
  uint8_t *a_type, *a_flags, *a_c, *a_i, *a_a;
  int16_t *a_cls;
  double *a_value;
  /* text and the names tables (offsets until the end of the read) */
  char *text;
  size_t used, tcap;
  isms__strmap *assets, *classes, *levels, *impacts_map, *threats_map;
  /* threat columns (the catalog entries of the threats table) */
  size_t tn, tcap_rows;
  char **t_id, **t_ratings;
  uint8_t *t_affects;
  /* the rated vulnerabilities, and each risk's (read on demand) */
  size_t vn;
  char **v_id, **v_ratings;
  uint8_t *v_affects;
  uint32_t *v_index;
  uint32_t *class_off, *level_off, *impact_off;
  int nclass_cap, nlevel_cap, nimpact_cap;
  const char **names;  /* class, level and impact names, in that order */
} table;

/* A column of a million risks spans hundreds of 4 KiB pages, each faulted
** in on first write; a fresh large column is offered to the kernel as huge
** pages instead (as strmap.c does for its table). */
#define HUGE_PAGE ((size_t)2 << 20)

static void *grow(void *p, size_t bytes) {
  if (p || bytes < HUGE_PAGE / 2) return realloc(p, bytes);
  bytes = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  void *fresh = aligned_alloc(HUGE_PAGE, bytes);
#ifdef MADV_HUGEPAGE
  if (fresh) madvise(fresh, bytes, MADV_HUGEPAGE);
#endif
  return fresh;
}

ISMS_API void *isms_column_alloc(size_t bytes) {
  if (bytes < HUGE_PAGE / 2) return calloc(bytes ? bytes : 1, 1);
  void *p = grow(NULL, bytes);
  if (p) memset(p, 0, bytes);
  return p;
}

/* Grows *p to bytes; on failure *p stays as it was (and is freed with the
** table). */
static int grow_column(void **p, size_t bytes) {
  void *q = grow(*p, bytes);
  if (!q) return -1;
  *p = q;
  return 0;
}

#define GROW(p, cap) (grow_column((void **)&(p), (cap) * sizeof *(p)) == 0)

/* Room for at least `want` rows (when the table is full). */
static int reserve_rows(table *t, size_t want) {
  if (t->pub.n < t->cap && want <= t->cap) return 0;
  size_t cap = t->cap ? t->cap * 2 : 4096;
  if (cap < want) cap = want;
  for (int f = 0; f < ISMS_MAX_FACTORS; f++)
    if (!GROW(t->ratings[f], cap)) return -1;
  for (int f = 0; f < t->nextra; f++)
    if (!GROW(t->extra[f], cap)) return -1;
  if (!GROW(t->threat_index, cap)) return -1;
  if (!GROW(t->asset_class, cap) || !GROW(t->level_rank, cap) || !GROW(t->level, cap) ||
      !GROW(t->asset_type, cap) || !GROW(t->category, cap) || !GROW(t->obligations, cap) ||
      !GROW(t->decision, cap) || !GROW(t->flags, cap) || !GROW(t->score, cap) ||
      !GROW(t->acceptable, cap) || !GROW(t->impacts, cap) || !GROW(t->asset, cap) ||
      !GROW(t->ref, cap) || !GROW(t->threat, cap))
    return -1;
  t->cap = cap;
  return 0;
}

static int reserve_assets(table *t) {
  if (t->pub.assets.n < t->acap) return 0;
  size_t cap = t->acap ? t->acap * 2 : 1024;
  if (!GROW(t->a_id, cap) || !GROW(t->a_risks, cap) || !GROW(t->a_type, cap) ||
      !GROW(t->a_flags, cap) || !GROW(t->a_cls, cap) || !GROW(t->a_value, cap) ||
      !GROW(t->a_c, cap) || !GROW(t->a_i, cap) || !GROW(t->a_a, cap))
    return -1;
  t->acap = cap;
  return 0;
}

/* Copies n bytes and a NUL into the arena; *off gets where. Offsets are 32
** bits: a table holds at most 4 GiB of text (tens of millions of risks). */
static int add_text(table *t, const char *s, size_t n, uint32_t *off) {
  if (t->used + n + 1 > UINT32_MAX) return -1;
  if (t->used + n + 1 > t->tcap) {
    size_t cap = t->tcap ? t->tcap * 2 : 65536;
    while (t->used + n + 1 > cap) cap *= 2;
    char *grown = grow(NULL, cap);
    if (!grown) return -1;
    if (t->used) memcpy(grown, t->text, t->used);
    free(t->text);
    t->text = grown;
    t->tcap = cap;
  }
  memcpy(t->text + t->used, s, n);
  t->text[t->used + n] = 0;
  *off = (uint32_t)t->used;
  t->used += n + 1;
  return 0;
}

/* The index of a name in one of the names tables, adding it if new; -1 on
** out of memory (or more names than max). Neighbouring risks often share
** a name (a threat's impacts): `hint`, the last index found, is tried
** before the hash map. */
static int64_t intern(table *t, isms__strmap *map, uint32_t **offs, int *count, int *cap,
                      int max, const char *s, size_t n, int64_t hint) {
  int64_t k;
  if (hint >= 0 && hint < *count) {
    const char *h = t->text + (*offs)[hint];
    if (strncmp(h, s, n) == 0 && h[n] == 0) return hint;
  }
  if (isms__strmap_get(map, s, n, &k)) return k;
  if (*count == max) return -1;
  if (*count == *cap) {
    int c = *cap ? *cap * 2 : 16;
    uint32_t *grown = realloc(*offs, (size_t)c * sizeof *grown);
    if (!grown) return -1;
    *offs = grown;
    *cap = c;
  }
  if (add_text(t, s, n, &(*offs)[*count]) || isms__strmap_put(map, s, n, *count)) return -1;
  return (*count)++;
}

static uint8_t tier_of(sqlite3_stmt *q, int col) {
  switch (sqlite3_column_type(q, col)) {
    case SQLITE_INTEGER: {
      sqlite3_int64 v = sqlite3_column_int64(q, col);
      return v >= 1 && v <= 255 ? (uint8_t)v : 0;
    }
    case SQLITE_FLOAT: {  /* never written so; read as a number would be */
      double d = sqlite3_column_double(q, col);
      return d >= 1 && d < 256 ? (uint8_t)d : 0;
    }
    default: return 0;
  }
}

/* In the order of risk_method.CATEGORIES (and of the schema's CHECK). */
static const char *const categories[] = {"management", "operational", "reputation",
                                         "governance", "project"};

static uint8_t category_of(const char *s) {
  if (!s) return 0;
  for (int k = 0; k < 5; k++)
    if (strcmp(s, categories[k]) == 0) return (uint8_t)(k + 1);
  return 0;
}

/* ------------------------------------------------------------- assets */

static int read_assets(isms_db *db, table *t, const char *filter) {
  sqlite3_stmt *q;
  const char *sql = filter ? "SELECT id, type, class, value, outsourced, is_group,"
                             " owner IS NOT NULL, c, i, a FROM assets WHERE id = ?1"
                           : "SELECT id, type, class, value, outsourced, is_group,"
                             " owner IS NOT NULL, c, i, a FROM assets ORDER BY id";
  if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading assets");
  if (filter) sqlite3_bind_text(q, 1, filter, -1, SQLITE_STATIC);
  int s;
  while ((s = sqlite3_step(q)) == SQLITE_ROW) {
    isms_risk_assets *A = &t->pub.assets;
    const char *id = (const char *)sqlite3_column_text(q, 0);
    size_t idn = (size_t)sqlite3_column_bytes(q, 0);
    if (reserve_assets(t) || add_text(t, id, idn, &t->a_id[A->n]) ||
        isms__strmap_put(t->assets, id, idn, (int64_t)A->n))
      goto nomem;
    int type = sqlite3_column_int(q, 1);
    t->a_type[A->n] = (uint8_t)(type >= 1 && type <= 6 ? type : 0);
    const char *cls = (const char *)sqlite3_column_text(q, 2);
    if (cls) {
      int64_t k = intern(t, t->classes, &t->class_off, &t->pub.nclasses, &t->nclass_cap,
                         INT16_MAX, cls, (size_t)sqlite3_column_bytes(q, 2),
                         A->n ? t->a_cls[A->n - 1] : -1);
      if (k < 0) goto nomem;
      t->a_cls[A->n] = (int16_t)k;
    } else {
      t->a_cls[A->n] = -1;
    }
    uint8_t fl = 0;
    if (sqlite3_column_type(q, 3) != SQLITE_NULL) fl |= ISMS_ASSET_VALUED;
    t->a_value[A->n] = fl ? sqlite3_column_double(q, 3) : 0;
    if (sqlite3_column_int(q, 4) == 1) fl |= ISMS_ASSET_OUTSOURCED;
    if (sqlite3_column_int(q, 5) == 1) fl |= ISMS_ASSET_GROUP;
    if (sqlite3_column_int(q, 6)) fl |= ISMS_ASSET_OWNED;
    t->a_flags[A->n] = fl;
    t->a_risks[A->n] = 0;
    t->a_c[A->n] = tier_of(q, 7);
    t->a_i[A->n] = tier_of(q, 8);
    t->a_a[A->n] = tier_of(q, 9);
    A->n++;
  }
  sqlite3_finalize(q);
  return s == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "reading assets");
nomem:
  sqlite3_finalize(q);
  return isms__fail(db, ISMS_NOMEM, "out of memory reading the risk register");
}

/* -------------------------------------------------------------- risks */

enum {
  C_REF, C_ASSET, C_THREAT, C_CATEGORY, C_IMPACTS, C_OWNERS, C_CONTROLS, C_OBLIG,
  C_R1, C_R2, C_R3, C_R4, C_SCORE, C_LEVEL, C_RANK, C_ACCEPT, C_DECISION, C_RX
};
#define RISK_COLUMNS                                                                   \
  "SELECT ref, asset, threat, category, impacts, owners IS NOT NULL,"                  \
  " controls IS NOT NULL, obligations, r1, r2, r3, r4, score, level, level_rank,"      \
  " acceptable, decision, rx FROM risks"

static int read_risk(table *t, sqlite3_stmt *q) {
  size_t i = t->pub.n;
  /* Refs start with their asset's id, so neighbours mostly share it. */
  int64_t a = i ? (int64_t)t->asset[i - 1] : -1;
  const char *aid = (const char *)sqlite3_column_text(q, C_ASSET);
  size_t aidn = (size_t)sqlite3_column_bytes(q, C_ASSET);
  const char *prev = a >= 0 ? t->text + t->a_id[a] : NULL;
  if (!prev || strncmp(prev, aid, aidn) != 0 || prev[aidn] != 0)
    if (!isms__strmap_get(t->assets, aid, aidn, &a))
      return 0;  /* as the cursor's join: a risk without its asset is not shown */
  if (reserve_rows(t, 0)) return -1;
  if (add_text(t, (const char *)sqlite3_column_text(q, C_REF),
               (size_t)sqlite3_column_bytes(q, C_REF), &t->ref[i]) ||
      add_text(t, (const char *)sqlite3_column_text(q, C_THREAT),
               (size_t)sqlite3_column_bytes(q, C_THREAT), &t->threat[i]))
    return -1;
  t->asset[i] = (uint32_t)a;
  t->a_risks[a]++;
  t->asset_class[i] = t->a_cls[a];
  t->asset_type[i] = t->a_type[a];
  t->category[i] = category_of((const char *)sqlite3_column_text(q, C_CATEGORY));
  t->impacts[i] = -1;
  if (sqlite3_column_type(q, C_IMPACTS) != SQLITE_NULL) {
    int64_t k = intern(t, t->impacts_map, &t->impact_off, &t->pub.nimpacts, &t->nimpact_cap,
                       INT32_MAX, (const char *)sqlite3_column_text(q, C_IMPACTS),
                       (size_t)sqlite3_column_bytes(q, C_IMPACTS), i ? t->impacts[i - 1] : -1);
    if (k < 0) return -1;
    t->impacts[i] = (int32_t)k;
  }
  uint8_t fl = 0;
  if (sqlite3_column_int(q, C_OWNERS)) fl |= ISMS_RISK_OWNERS;
  if (sqlite3_column_int(q, C_CONTROLS)) fl |= ISMS_RISK_CONTROLS;
  t->obligations[i] = (uint8_t)sqlite3_column_int(q, C_OBLIG);
  for (int f = 0; f < ISMS_MAX_FACTORS; f++) t->ratings[f][i] = tier_of(q, C_R1 + f);
  /* r5..: one byte each in rx; a risk holding more than any before it
  ** adds columns, zero (not rated) for the rows read so far */
  const uint8_t *rx = sqlite3_column_blob(q, C_RX);
  int nrx = rx ? sqlite3_column_bytes(q, C_RX) : 0;
  if (nrx > ISMS_MAX_RATINGS - ISMS_MAX_FACTORS) nrx = ISMS_MAX_RATINGS - ISMS_MAX_FACTORS;
  while (t->nextra < nrx) {
    uint8_t *col = NULL;
    if (grow_column((void **)&col, t->cap)) return -1;
    memset(col, 0, t->cap);
    t->extra[t->nextra++] = col;
  }
  for (int f = 0; f < nrx; f++) t->extra[f][i] = rx[f];
  for (int f = nrx; f < t->nextra; f++) t->extra[f][i] = 0;
  t->threat_index[i] = UINT32_MAX;
  t->score[i] = 0;
  switch (sqlite3_column_type(q, C_SCORE)) {
    case SQLITE_NULL: break;
    case SQLITE_FLOAT: {
      double d = sqlite3_column_double(q, C_SCORE);
      t->score[i] = (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
      fl |= ISMS_RISK_SCORED;
      break;
    }
    default:
      t->score[i] = sqlite3_column_int64(q, C_SCORE);
      fl |= ISMS_RISK_SCORED;
  }
  t->level[i] = -1;
  if (sqlite3_column_type(q, C_LEVEL) != SQLITE_NULL) {
    int64_t k = intern(t, t->levels, &t->level_off, &t->pub.nlevels, &t->nlevel_cap, INT16_MAX,
                       (const char *)sqlite3_column_text(q, C_LEVEL),
                       (size_t)sqlite3_column_bytes(q, C_LEVEL), i ? t->level[i - 1] : -1);
    if (k < 0) return -1;
    t->level[i] = (int16_t)k;
  }
  int rank = sqlite3_column_int(q, C_RANK);
  t->level_rank[i] = (int16_t)(rank > 0 && rank <= INT16_MAX ? rank : 0);
  t->acceptable[i] = sqlite3_column_type(q, C_ACCEPT) == SQLITE_NULL
                         ? -1
                         : (int8_t)(sqlite3_column_int(q, C_ACCEPT) == 1);
  const char *d = (const char *)sqlite3_column_text(q, C_DECISION);
  t->decision[i] = !d ? ISMS_DECISION_NONE
                   : strcmp(d, "accept") == 0 ? ISMS_DECISION_ACCEPT
                   : ISMS_DECISION_TREAT;  /* the schema admits no other */
  t->flags[i] = fl;
  t->pub.n++;
  return 0;
}

/* The names tables and the public pointers, once the arena stops moving. */
static int publish(table *t) {
  isms_risk_table *p = &t->pub;
  int total = p->nclasses + p->nlevels + p->nimpacts;
  t->names = malloc((size_t)(total ? total : 1) * sizeof *t->names);
  if (!t->names) return -1;
  const char **nm = t->names;
  for (int k = 0; k < p->nclasses; k++) nm[k] = t->text + t->class_off[k];
  for (int k = 0; k < p->nlevels; k++) nm[p->nclasses + k] = t->text + t->level_off[k];
  for (int k = 0; k < p->nimpacts; k++)
    nm[p->nclasses + p->nlevels + k] = t->text + t->impact_off[k];
  p->class_names = nm;
  p->level_names = nm + p->nclasses;
  p->impact_names = nm + p->nclasses + p->nlevels;
  for (int f = 0; f < ISMS_MAX_FACTORS; f++) p->ratings[f] = t->rating[f] = t->ratings[f];
  for (int f = 0; f < t->nextra; f++) t->rating[ISMS_MAX_FACTORS + f] = t->extra[f];
  p->nratings = ISMS_MAX_FACTORS + t->nextra;
  p->rating = t->rating;
  p->threat_index = t->threat_index;
  p->assets.c = t->a_c;
  p->assets.i = t->a_i;
  p->assets.a = t->a_a;
  p->asset_class = t->asset_class;
  p->asset_type = t->asset_type;
  p->category = t->category;
  p->obligations = t->obligations;
  p->score = t->score;
  p->level_rank = t->level_rank;
  p->level = t->level;
  p->acceptable = t->acceptable;
  p->decision = t->decision;
  p->flags = t->flags;
  p->impacts = t->impacts;
  p->asset = t->asset;
  p->ref = t->ref;
  p->threat = t->threat;
  p->text = t->text;
  p->assets.id = t->a_id;
  p->assets.type = t->a_type;
  p->assets.cls = t->a_cls;
  p->assets.value = t->a_value;
  p->assets.flags = t->a_flags;
  p->assets.risks = t->a_risks;
  return 0;
}

static int presize(isms_db *db, table *t, const char *filter) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql,
                         filter ? "SELECT count(*) FROM risks WHERE asset = ?1"
                                : "SELECT count(*) FROM risks",
                         -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading risks");
  if (filter) sqlite3_bind_text(q, 1, filter, -1, SQLITE_STATIC);
  int s = sqlite3_step(q);
  size_t n = s == SQLITE_ROW ? (size_t)sqlite3_column_int64(q, 0) : 0;
  sqlite3_finalize(q);
  if (s != SQLITE_ROW) return isms__fail_sql(db, "reading risks");
  /* ref and threat: some 50 bytes a risk; the arena still grows if not */
  size_t want = t->used + n * 80 + 65536;
  if (want > t->tcap) {  /* a fresh block, so that it can have huge pages */
    char *grown = grow(NULL, want);
    if (!grown) return isms__fail(db, ISMS_NOMEM, "out of memory reading the risk register");
    if (t->used) memcpy(grown, t->text, t->used);
    free(t->text);
    t->text = grown;
    t->tcap = want;
  }
  if (reserve_rows(t, n + 1))
    return isms__fail(db, ISMS_NOMEM, "out of memory reading the risk register");
  return ISMS_OK;
}

ISMS_API void isms_risk_table_free(isms_risk_table *pub) {
  if (!pub) return;
  table *t = (table *)pub;
  for (int f = 0; f < ISMS_MAX_FACTORS; f++) free(t->ratings[f]);
  for (int f = 0; f < t->nextra; f++) free(t->extra[f]);
  for (size_t k = 0; k < t->tn; k++) free(t->t_id[k]), free(t->t_ratings[k]);
  for (size_t k = 0; k < t->vn; k++) free(t->v_id[k]), free(t->v_ratings[k]);
  free(t->v_id), free(t->v_ratings), free(t->v_affects), free(t->v_index);
  free(t->t_ratings);
  void *cols[] = {t->threat_index, t->a_c, t->a_i, t->a_a, t->t_id, t->t_affects, t->asset_class, t->level_rank, t->level, t->asset_type, t->category,
                  t->obligations, t->decision, t->flags, t->score, t->acceptable,
                  t->impacts, t->asset, t->ref, t->threat, t->a_id, t->a_risks,
                  t->a_type, t->a_flags, t->a_cls, t->a_value, t->text, t->class_off,
                  t->level_off, t->impact_off, t->names};
  for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) free(cols[k]);
  isms__strmap_free(t->assets);
  isms__strmap_free(t->classes);
  isms__strmap_free(t->levels);
  isms__strmap_free(t->impacts_map);
  isms__strmap_free(t->threats_map);
  free(t);
}

ISMS_API int isms_risks_read(isms_db *db, const char *asset_filter, isms_risk_table **out) {
  if (out) *out = NULL;
  if (!db || !out) return ISMS_MISUSE;
  isms__clear_error(db);
  table *t = calloc(1, sizeof *t);
  if (!t) return isms__fail(db, ISMS_NOMEM, "out of memory");
  t->assets = isms__strmap_new();
  t->classes = isms__strmap_new();
  t->levels = isms__strmap_new();
  t->impacts_map = isms__strmap_new();
  int rc = ISMS_OK;
  if (!t->assets || !t->classes || !t->levels || !t->impacts_map || reserve_assets(t)) {
    rc = isms__fail(db, ISMS_NOMEM, "out of memory");
    goto done;
  }
  /* Both reads see one snapshot: outside a transaction, open one. */
  int own_txn = sqlite3_get_autocommit(db->sql);
  if (own_txn && (rc = isms__exec(db, "BEGIN"))) goto done;
  rc = read_assets(db, t, asset_filter);
  /* Counting first sizes the columns once: growing them by doubling would
  ** copy and fault in twice the memory. */
  if (!rc) rc = presize(db, t, asset_filter);
  if (!rc) {
    sqlite3_stmt *q;
    const char *sql = asset_filter ? RISK_COLUMNS " WHERE asset = ?1 ORDER BY ref"
                                   : RISK_COLUMNS " ORDER BY ref";
    if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK) {
      rc = isms__fail_sql(db, "reading risks");
    } else {
      if (asset_filter) sqlite3_bind_text(q, 1, asset_filter, -1, SQLITE_STATIC);
      int s;
      while ((s = sqlite3_step(q)) == SQLITE_ROW)
        if (read_risk(t, q)) {
          rc = isms__fail(db, ISMS_NOMEM, "out of memory reading the risk register");
          break;
        }
      if (!rc && s != SQLITE_DONE) rc = isms__fail_sql(db, "reading risks");
      sqlite3_finalize(q);
    }
  }
  if (own_txn) sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
  if (!rc && publish(t)) rc = isms__fail(db, ISMS_NOMEM, "out of memory");
done:
  if (rc) {
    isms_risk_table_free(&t->pub);
    return rc;
  }
  *out = &t->pub;
  return ISMS_OK;
}

/* Binary search over n sorted offsets into text: SQLite's BINARY order,
** which is strcmp's. */
static int64_t search(const char *text, const uint32_t *off, size_t n, const char *key) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(text + off[mid], key);
    if (c == 0) return (int64_t)mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

ISMS_API int64_t isms_risk_table_find(const isms_risk_table *t, const char *ref) {
  return t && ref ? search(t->text, t->ref, t->n, ref) : -1;
}

ISMS_API int64_t isms_risk_table_find_asset(const isms_risk_table *t, const char *id) {
  return t && id ? search(t->text, t->assets.id, t->assets.n, id) : -1;
}

/* ------------------------------------------------------------ threats */

/* "C,I" (any case, any separators) as bits 1 C, 2 I, 4 A. */
static uint8_t affects_bits(const char *s) {
  uint8_t b = 0;
  for (; s && *s; s++) {
    if (*s == 'C' || *s == 'c') b |= 1;
    else if (*s == 'I' || *s == 'i') b |= 2;
    else if (*s == 'A' || *s == 'a') b |= 4;
  }
  return b;
}

ISMS_API int isms_risk_table_read_threats(isms_db *db, isms_risk_table *pub) {
  if (!db || !pub) return ISMS_MISUSE;
  table *t = (table *)pub;
  if (t->threats_map) return ISMS_OK;  /* read already */
  isms__clear_error(db);
  t->threats_map = isms__strmap_new();
  if (!t->threats_map) return isms__fail(db, ISMS_NOMEM, "out of memory");
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "SELECT id, affects, ratings FROM threats ORDER BY id", -1,
                         &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading threats");
  int s, rc = ISMS_OK;
  /* Ids are copies of their own: the arena's offsets are published. */
  while ((s = sqlite3_step(q)) == SQLITE_ROW) {
    if (t->tn == t->tcap_rows) {
      size_t cap = t->tcap_rows ? 2 * t->tcap_rows : 64;
      char **ids = realloc(t->t_id, cap * sizeof *ids);
      if (ids) t->t_id = ids;
      uint8_t *af = realloc(t->t_affects, cap);
      if (af) t->t_affects = af;
      char **rt = realloc(t->t_ratings, cap * sizeof *rt);
      if (rt) t->t_ratings = rt;
      if (!ids || !af || !rt) {
        rc = isms__fail(db, ISMS_NOMEM, "out of memory");
        break;
      }
      t->tcap_rows = cap;
    }
    const char *id = (const char *)sqlite3_column_text(q, 0);
    size_t idn = (size_t)sqlite3_column_bytes(q, 0);
    const char *rtext = (const char *)sqlite3_column_text(q, 2);
    t->t_id[t->tn] = strdup(id ? id : "");
    t->t_ratings[t->tn] = rtext ? strdup(rtext) : NULL;
    if (!t->t_id[t->tn] || (rtext && !t->t_ratings[t->tn]) ||
        isms__strmap_put(t->threats_map, id, idn, (int64_t)t->tn)) {
      free(t->t_id[t->tn]);
      free(t->t_ratings[t->tn]);
      rc = isms__fail(db, ISMS_NOMEM, "out of memory");
      break;
    }
    t->t_affects[t->tn] = affects_bits((const char *)sqlite3_column_text(q, 1));
    t->tn++;
  }
  if (!rc && s != SQLITE_DONE) rc = isms__fail_sql(db, "reading threats");
  sqlite3_finalize(q);
  if (rc) return rc;
  /* Each risk's threat: the risks' threat texts are in the arena. */
  int64_t last = -1;
  const char *last_text = NULL;
  for (size_t i = 0; i < pub->n; i++) {
    const char *th = t->text + t->threat[i];
    int64_t k = -1;
    if (last_text && strcmp(last_text, th) == 0) k = last;
    else if (!isms__strmap_get(t->threats_map, th, strlen(th), &k)) k = -1;
    t->threat_index[i] = k < 0 ? UINT32_MAX : (uint32_t)k;
    last = k;
    last_text = th;
  }
  pub->threats.n = t->tn;
  pub->threats.id = (const char *const *)t->t_id;
  pub->threats.affects = t->t_affects;
  pub->threats.ratings = (const char *const *)t->t_ratings;
  return ISMS_OK;
}

/* ------------------------------------------------------ vulnerabilities */

/* The index of id among the n sorted ids, or -1. */
static int64_t find_id(char *const *ids, size_t n, const char *id) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(ids[mid], id);
    if (c == 0) return (int64_t)mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

ISMS_API int isms_risk_table_read_vulnerabilities(isms_db *db, isms_risk_table *pub) {
  if (!db || !pub) return ISMS_MISUSE;
  table *t = (table *)pub;
  if (t->v_index) return ISMS_OK;  /* read already */
  isms__clear_error(db);
  uint32_t *index = malloc((pub->n ? pub->n : 1) * sizeof *index);
  if (!index) return isms__fail(db, ISMS_NOMEM, "out of memory");
  for (size_t i = 0; i < pub->n; i++) index[i] = UINT32_MAX;
  /* Only rated vulnerabilities: a register with none reads no risk row. */
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT id, ratings FROM vulnerabilities WHERE ratings IS NOT NULL"
                         " ORDER BY id",
                         -1, &q, NULL) != SQLITE_OK) {
    free(index);
    return isms__fail_sql(db, "reading vulnerabilities");
  }
  int s, rc = ISMS_OK;
  size_t cap = 0;
  while ((s = sqlite3_step(q)) == SQLITE_ROW) {
    if (t->vn == cap) {
      cap = cap ? 2 * cap : 64;
      char **ids = realloc(t->v_id, cap * sizeof *ids);
      if (ids) t->v_id = ids;
      char **rt = realloc(t->v_ratings, cap * sizeof *rt);
      if (rt) t->v_ratings = rt;
      uint8_t *af = realloc(t->v_affects, cap);
      if (af) t->v_affects = af;
      if (!ids || !rt || !af) {
        rc = isms__fail(db, ISMS_NOMEM, "out of memory");
        break;
      }
    }
    const char *id = (const char *)sqlite3_column_text(q, 0);
    const char *rtext = (const char *)sqlite3_column_text(q, 1);
    t->v_id[t->vn] = strdup(id ? id : "");
    t->v_ratings[t->vn] = strdup(rtext ? rtext : "");
    t->v_affects[t->vn] = 0;
    if (!t->v_id[t->vn] || !t->v_ratings[t->vn]) {
      free(t->v_id[t->vn]);
      free(t->v_ratings[t->vn]);
      rc = isms__fail(db, ISMS_NOMEM, "out of memory");
      break;
    }
    t->vn++;
  }
  if (!rc && s != SQLITE_DONE) rc = isms__fail_sql(db, "reading vulnerabilities");
  sqlite3_finalize(q);
  /* Each risk whose vulnerability is rated: found by ref (binary search). */
  if (!rc && t->vn > 0) {
    if (sqlite3_prepare_v2(db->sql,
                           "SELECT r.ref, r.vulnerability FROM risks r"
                           " JOIN vulnerabilities v ON v.id = r.vulnerability"
                           " WHERE v.ratings IS NOT NULL",
                           -1, &q, NULL) != SQLITE_OK)
      rc = isms__fail_sql(db, "reading vulnerabilities");
    else {
      while ((s = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t i = isms_risk_table_find(pub, (const char *)sqlite3_column_text(q, 0));
        int64_t k = find_id(t->v_id, t->vn, (const char *)sqlite3_column_text(q, 1));
        if (i >= 0 && k >= 0) index[i] = (uint32_t)k;
      }
      if (s != SQLITE_DONE) rc = isms__fail_sql(db, "reading vulnerabilities");
      sqlite3_finalize(q);
    }
  }
  if (rc) {
    free(index);
    return rc;
  }
  t->v_index = index;
  pub->vulnerability_index = index;
  pub->vulnerabilities.n = t->vn;
  pub->vulnerabilities.id = (const char *const *)t->v_id;
  pub->vulnerabilities.affects = t->v_affects;
  pub->vulnerabilities.ratings = (const char *const *)t->v_ratings;
  return ISMS_OK;
}

/* -------------------------------------------------------- for kernels */

ISMS_API int isms_risk_table_cols(const isms_risk_table *t, const int8_t *class_map,
                                  int8_t *asset_class, isms_risk_cols *cols) {
  if (!t || !cols || (t->n && !asset_class) || (t->nclasses && !class_map)) return ISMS_MISUSE;
  for (size_t i = 0; i < t->n; i++) {
    int k = t->asset_class[i];
    asset_class[i] = k >= 0 ? class_map[k] : -1;
  }
  cols->n = t->n;
  cols->asset_class = asset_class;
  cols->asset_type = t->asset_type;
  cols->category = t->category;
  cols->obligations = t->obligations;
  return ISMS_OK;
}

/* What a predicate sees of a risk, packed so that equal views are equal
** bytes. */
typedef struct view_key {
  uint8_t ratings[ISMS_MAX_FACTORS];
  uint8_t category, obligations, type, aflags;
  int32_t impacts;
  int16_t cls;
  int16_t pad;
  double value;
} view_key;

static uint64_t key_hash(const view_key *k) {
  uint64_t w[3];
  memcpy(w, k, sizeof w);
  uint64_t h = w[0] * 0x9e3779b97f4a7c15u;
  h = (h ^ (h >> 29) ^ w[1]) * 0xbf58476d1ce4e5b9u;
  h = (h ^ (h >> 31) ^ w[2]) * 0x94d049bb133111ebu;
  return h ^ (h >> 32);
}

ISMS_API int isms_risk_table_views(const isms_risk_table *t, const isms_risk_cols *cols,
                                   int nfactors, const uint8_t *const *ratings, uint32_t *view,
                                   uint32_t *first, size_t *nviews) {
  if (!t || !cols || !nviews || nfactors < 0 ||
      nfactors > (ratings ? ISMS_MAX_RATINGS : ISMS_MAX_FACTORS) || cols->n != t->n ||
      !cols->rank || (t->n && (!view || !first)))
    return ISMS_MISUSE;
  if (!ratings) ratings = cols->ratings;
  for (int f = 0; f < nfactors; f++)
    if (!ratings[f]) return ISMS_MISUSE;
  /* ratings past the fourth: nx bytes a view, beside its key */
  const int nk = nfactors < ISMS_MAX_FACTORS ? nfactors : ISMS_MAX_FACTORS;
  const size_t nx = (size_t)(nfactors - nk);
  _Static_assert(sizeof(view_key) == 24, "view_key packs into three words");
  *nviews = 0;
  if (t->n > UINT32_MAX - 1) return ISMS_MISUSE;
  /* Open addressing over view numbers; the table is at most half full. */
  size_t cap = 64;
  while (cap < 2 * t->n) cap *= 2;
  uint32_t *slots = malloc(cap * sizeof *slots);
  view_key *keys = malloc((t->n ? t->n : 1) * sizeof *keys);
  uint8_t *xkeys = nx ? malloc((t->n ? t->n : 1) * nx) : NULL;
  uint8_t xk[ISMS_MAX_RATINGS];
  if (!slots || !keys || (nx && !xkeys)) {
    free(slots);
    free(keys);
    free(xkeys);
    return ISMS_NOMEM;
  }
  memset(slots, 0xff, cap * sizeof *slots);
  size_t m = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (cols->rank[i] <= 0) {
      view[i] = UINT32_MAX;
      continue;
    }
    view_key k;
    memset(&k, 0, sizeof k);
    for (int f = 0; f < nk; f++) k.ratings[f] = ratings[f][i];
    for (size_t f = 0; f < nx; f++) xk[f] = ratings[nk + f][i];
    uint32_t a = t->asset[i];
    k.category = t->category[i];
    k.obligations = t->obligations[i];
    k.type = t->asset_type[i];
    k.aflags = t->assets.flags[a] & (ISMS_ASSET_VALUED | ISMS_ASSET_OUTSOURCED |
                                     ISMS_ASSET_GROUP);
    k.impacts = t->impacts[i];
    k.cls = t->asset_class[i];
    k.value = t->assets.value[a];
    uint64_t h = key_hash(&k);
    for (size_t f = 0; f < nx; f++) h = (h ^ xk[f]) * 0x100000001b3u;
    size_t s = (h ^ (h >> 29)) & (cap - 1);
    while (slots[s] != UINT32_MAX &&
           (memcmp(&keys[slots[s]], &k, sizeof k) != 0 ||
            (nx && memcmp(xkeys + (size_t)slots[s] * nx, xk, nx) != 0)))
      s = (s + 1) & (cap - 1);
    if (slots[s] == UINT32_MAX) {
      slots[s] = (uint32_t)m;
      keys[m] = k;
      if (nx) memcpy(xkeys + m * nx, xk, nx);
      first[m] = (uint32_t)i;
      m++;
    }
    view[i] = slots[s];
  }
  free(slots);
  free(keys);
  free(xkeys);
  *nviews = m;
  return ISMS_OK;
}
