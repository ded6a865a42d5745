/*
** test_risk_store.c -- the risk register in columns (isms_risks_read) and
** its bulk writes (isms_risk_generate, isms_risk_put_scores), through the
** public C API: the columns must say what the text cursor says, row by
** row, NULLs and unrated risks included; bulk writes must log as
** isms_risk_put does and change nothing when rolled back.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isms.h"
#include "fixtures.h"
#include "tap.h"





/* A register of four assets (one not valued, one outsourced, one a group
** without an owner) and risks covering every kind of field, NULLs too. */
static isms_db *small_register(const char *name) {
  isms_db *db;
  if (isms_open(path_of(name), &db)) return NULL;
  write_file(path_of("assets.csv"),
             "id,name,type,owner,outsourced,group,c,i,a\n"
             "SRV-1,Server,physical,IT,no,no,2,3,3\n"
             "DOC-1,Designs,information,Engineering,no,no,4,3,3\n"
             "SVC-1,Mail,service,IT,yes,no,,,\n"
             "LAP-1,Laptops,physical,,no,yes,2,2,2\n");
  isms_method *m = qism();
  if (m && isms_method_compile(m) != ISMS_OK) m = NULL;
  isms_import_report rep;
  int rc = isms_import_assets(db, path_of("assets.csv"), m, NULL, &rep);
  isms_method_free(m);
  if (rc) return NULL;
  isms_risk_batch *rb;
  if (isms_risk_begin(db, "test", NULL, NULL, &rb)) return NULL;
  static const char *const n1[] = {"asset", "threat", "vulnerability", "category", "impacts",
                                   "owners", "controls", "obligations", "r1", "r2", "r3",
                                   "score", "level", "level_rank", "acceptable", "decision"};
  static const char *const v1[] = {"SRV-1", "T-FIRE", "V-DET", "operational", "repair",
                                   "IT", "sprinklers", "5", "8", "5", "6", "240000000",
                                   "High", "3", "0", "treat"};
  static const char *const v2[] = {"DOC-1", "T-LEAK", "", "project", "reputation,repair",
                                   "", "", "0", "2", "2", "2", "8000000", "Low", "1", "1",
                                   "accept"};
  static const char *const n3[] = {"asset", "threat", "r1", "r3"};
  static const char *const v3[] = {"SVC-1", "T-OUTAGE", "3", "300"};
  static const char *const n4[] = {"asset", "threat", "category", "impacts", "r1", "r2", "r3"};
  static const char *const v4[] = {"LAP-1", "T-THEFT", "operational", "repair", "2", "2", "2"};
  static const char *const v5[] = {"LAP-1", "T-LOSS", "operational", "repair", "2", "2", "2"};
  rc = isms_risk_put(rb, "SRV-1/T-FIRE", 16, n1, v1) ||
       isms_risk_put(rb, "DOC-1/T-LEAK", 16, n1, v2) ||
       isms_risk_put(rb, "SVC-1/T-OUTAGE", 4, n3, v3) ||
       isms_risk_put(rb, "LAP-1/T-THEFT", 7, n4, v4) ||
       isms_risk_put(rb, "LAP-1/T-LOSS", 7, n4, v5);
  if (isms_risk_end(rb, !rc, NULL) || rc) return NULL;
  return db;
}

static int col_of(isms_cursor *cur, const char *name) {
  for (int k = 0; k < isms_cursor_columns(cur); k++)
    if (strcmp(isms_cursor_name(cur, k), name) == 0) return k;
  return -1;
}

static const char *field(isms_cursor *cur, const char *name) {
  return isms_cursor_text(cur, col_of(cur, name));
}

static const char *const categories[] = {NULL, "management", "operational", "reputation",
                                         "governance", "project"};
static const char *const types[] = {NULL, "information", "software", "physical",
                                    "service", "people", "intangible"};

/* Equal texts, NULL only equal to NULL. */
static int same(const char *got, const char *want) {
  return got && want ? strcmp(got, want) == 0 : got == want;
}

/* Row i of t against the cursor's current row; returns the failures. */
static int row_differs(const isms_risk_table *t, size_t i, isms_cursor *cur) {
  int bad = 0;
  char buf[64];
#define SAME(got, want) bad += !same((got), (want))
  SAME(t->text + t->ref[i], field(cur, "ref"));
  SAME(t->text + t->threat[i], field(cur, "threat"));
  uint32_t a = t->asset[i];
  SAME(t->text + t->assets.id[a], field(cur, "asset"));
  SAME(categories[t->category[i]], field(cur, "category"));
  SAME(t->impacts[i] >= 0 ? t->impact_names[t->impacts[i]] : NULL, field(cur, "impacts"));
  bad += !(t->flags[i] & ISMS_RISK_OWNERS) != !field(cur, "owners");
  bad += !(t->flags[i] & ISMS_RISK_CONTROLS) != !field(cur, "controls");
  snprintf(buf, sizeof buf, "%d", t->obligations[i]);
  SAME(buf, field(cur, "obligations"));
  for (int f = 0; f < 4; f++) {
    char name[4] = {'r', (char)('1' + f), 0};
    const char *want = field(cur, name);
    long v = want ? atol(want) : 0;
    bad += t->ratings[f][i] != (v >= 1 && v <= 255 ? v : 0);
  }
  const char *score = field(cur, "score");
  bad += !(t->flags[i] & ISMS_RISK_SCORED) != !score;
  if (score) bad += t->score[i] != atoll(score);
  SAME(t->level[i] >= 0 ? t->level_names[t->level[i]] : NULL, field(cur, "level"));
  const char *rank = field(cur, "level_rank");
  bad += t->level_rank[i] != (rank ? atoi(rank) : 0);
  const char *acc = field(cur, "acceptable");
  bad += t->acceptable[i] != (acc ? atoi(acc) : -1);
  const char *d = field(cur, "decision");
  bad += t->decision[i] != (!d ? ISMS_DECISION_NONE
                            : strcmp(d, "accept") == 0 ? ISMS_DECISION_ACCEPT
                            : ISMS_DECISION_TREAT);
  SAME(t->asset_class[i] >= 0 ? t->class_names[t->asset_class[i]] : NULL,
       field(cur, "asset_class"));
  bad += t->assets.cls[a] != t->asset_class[i];
  SAME(types[t->asset_type[i]], field(cur, "asset_type"));
  const char *value = field(cur, "asset_value");
  bad += !(t->assets.flags[a] & ISMS_ASSET_VALUED) != !value;
  if (value) bad += t->assets.value[a] != atof(value);
  bad += !(t->assets.flags[a] & ISMS_ASSET_OUTSOURCED) !=
         (strcmp(field(cur, "asset_outsourced"), "1") != 0);
  bad += !(t->assets.flags[a] & ISMS_ASSET_GROUP) != (strcmp(field(cur, "asset_group"), "1") != 0);
#undef SAME
  return bad;
}

static void test_read_matches_cursor(void) {
  isms_db *db = small_register("read.db");
  ok(db != NULL, "a small register with risks");
  if (!db) return;
  isms_risk_table *t;
  is_int(isms_risks_read(db, NULL, &t), ISMS_OK, "read every risk");
  is_int(t->n, 5, "five risks");
  is_int(t->assets.n, 4, "every asset, with risks or not");
  isms_cursor *cur;
  isms_cursor_open(db, ISMS_VIEW_RISKS, NULL, &cur);
  size_t i = 0;
  int bad = 0;
  while (isms_cursor_next(cur) == ISMS_ROW) {
    if (i < t->n) bad += row_differs(t, i, cur);
    i++;
  }
  isms_cursor_close(cur);
  is_int(i, t->n, "as many rows as the cursor, in its order");
  is_int(bad, 0, "every column says what the cursor says");

  /* the NULLs and the unrated, by name */
  int64_t k = isms_risk_table_find(t, "SVC-1/T-OUTAGE");
  ok(k >= 0, "find a ref");
  if (k >= 0) {
    is_int(t->ratings[0][k], 3, "r1 = 3");
    is_int(t->ratings[1][k], 0, "r2 NULL reads 0 (unrated)");
    is_int(t->ratings[2][k], 0, "r3 300, off any scale, reads 0");
    is_int(t->flags[k] & ISMS_RISK_SCORED, 0, "no score");
    is_int(t->level[k], -1, "no level");
    is_int(t->level_rank[k], 0, "no rank");
    is_int(t->acceptable[k], -1, "no acceptance");
    is_int(t->category[k], 0, "no category");
    is_int(t->impacts[k], -1, "no impacts");
    is_int(t->asset_class[k], -1, "an asset without a value has no class");
    is_int(t->decision[k], ISMS_DECISION_NONE, "no decision");
  }
  k = isms_risk_table_find(t, "SRV-1/T-FIRE");
  ok(k >= 0 && t->score[k] == 240000000 && t->level_rank[k] == 3 && t->acceptable[k] == 0 &&
         t->obligations[k] == 5 && t->category[k] == 2 &&
         t->decision[k] == ISMS_DECISION_TREAT,
     "a scored risk: score, rank, acceptance, obligations, category, decision");
  is_int(isms_risk_table_find(t, "NOPE"), -1, "an unknown ref is not found");
  is_int(isms_risk_table_find(t, "A"), -1, "nor one before the first");
  is_int(isms_risk_table_find(t, "ZZZ"), -1, "nor one after the last");
  int64_t a = isms_risk_table_find_asset(t, "LAP-1");
  ok(a >= 0 && t->assets.risks[a] == 2 && (t->assets.flags[a] & ISMS_ASSET_GROUP) &&
         !(t->assets.flags[a] & ISMS_ASSET_OWNED),
     "an asset: its risks counted, group, no owner");
  a = isms_risk_table_find_asset(t, "SVC-1");
  ok(a >= 0 && (t->assets.flags[a] & ISMS_ASSET_OUTSOURCED) &&
         !(t->assets.flags[a] & ISMS_ASSET_VALUED) && t->assets.cls[a] == -1,
     "an outsourced asset without a value");
  is_int(isms_risk_table_find_asset(t, "NOPE"), -1, "an unknown asset is not found");
  int levels_ok = t->nlevels == 2;
  for (int j = 0; j < t->nlevels; j++)
    levels_ok &= strcmp(t->level_names[j], "High") == 0 || strcmp(t->level_names[j], "Low") == 0;
  ok(levels_ok, "the stored level names, interned once each");

  /* columns for the kernels, and the distinct views */
  int8_t map[8], cls[8];
  for (int j = 0; j < t->nclasses; j++) map[j] = (int8_t)(10 + j);
  isms_risk_cols cols;
  memset(&cols, 0, sizeof cols);
  is_int(isms_risk_table_cols(t, map, cls, &cols), ISMS_OK, "columns for the kernels");
  int cols_ok = cols.n == t->n && cols.asset_type == t->asset_type &&
                cols.category == t->category && cols.obligations == t->obligations;
  for (size_t j = 0; j < t->n; j++)
    cols_ok &= cls[j] == (t->asset_class[j] >= 0 ? 10 + t->asset_class[j] : -1);
  ok(cols_ok, "the classes renumbered, the other columns the table's");
  int16_t rank[8];
  int64_t score[8];
  for (size_t j = 0; j < t->n; j++) rank[j] = (int16_t)(j == (size_t)k ? 0 : 1);
  cols.ratings[0] = t->ratings[0];
  cols.ratings[1] = t->ratings[1];
  cols.score = score;
  cols.rank = rank;
  uint32_t view[8], first[8];
  size_t nviews = 0;
  is_int(isms_risk_table_views(t, &cols, 2, NULL, view, first, &nviews), ISMS_OK, "views");
  int64_t theft = isms_risk_table_find(t, "LAP-1/T-THEFT");
  int64_t loss = isms_risk_table_find(t, "LAP-1/T-LOSS");
  ok(theft >= 0 && loss >= 0 && view[theft] == view[loss], "two risks alike share a view");
  ok(view[k] == UINT32_MAX, "an unrated risk has none");
  is_int(nviews, 3, "three distinct views among four scored risks");
  ok(first[0] == 0 && view[0] == 0, "numbered in order of first appearance");
  isms_risk_table_free(t);

  /* one asset */
  is_int(isms_risks_read(db, "LAP-1", &t), ISMS_OK, "read one asset's risks");
  ok(t->n == 2 && t->assets.n == 1 && t->asset[0] == 0 && t->asset[1] == 0,
     "its two risks and the one asset");
  ok(strcmp(t->text + t->ref[0], "LAP-1/T-LOSS") == 0, "ordered by ref");
  isms_risk_table_free(t);
  is_int(isms_risks_read(db, "NOPE", &t), ISMS_OK, "an unknown asset reads empty");
  ok(t->n == 0 && t->assets.n == 0, "no risks, no assets");
  isms_risk_table_free(t);
  isms_risk_table_free(NULL);
  ok(1, "freeing NULL is a no-op");
  is_int(isms_risks_read(NULL, NULL, &t), ISMS_MISUSE, "no register is misuse");
  isms_close(db);
}

static int count(isms_db *db, int view, const char *filter, const char *col, const char *want) {
  isms_cursor *cur;
  if (isms_cursor_open(db, view, filter, &cur)) return -1;
  int n = 0, c = -1;
  while (isms_cursor_next(cur) == ISMS_ROW) {
    if (c < 0 && col) c = col_of(cur, col);
    const char *v = col ? isms_cursor_text(cur, c) : NULL;
    if (!col || (v && strcmp(v, want) == 0)) n++;
  }
  isms_cursor_close(cur);
  return n;
}

static void test_generate(void) {
  isms_db *db = small_register("gen.db");
  if (!db) return;
  isms_risk_template tpl[3] = {
      {"T-FIRE", "V-DET", "Fire: no detection", "operational", "repair", 1u << 2},
      {"T-OUTAGE", NULL, "Outage", NULL, NULL, (1u << 3) | (1u << 2)},
      {"T-LEAK", "V-AUTH", "Leak: weak auth", "reputation", "", 1u << 0},
  };
  int logged = count(db, ISMS_VIEW_CHANGES, NULL, "action", "create");
  isms_risk_batch *rb;
  int64_t made = -1;
  isms_import_report rep;
  isms_risk_begin_bulk(db, "risks generate", "catalog t", NULL, &rb);
  is_int(isms_risk_generate(rb, 3, tpl, &made), ISMS_OK, "generate");
  is_int(isms_risk_end(rb, 1, &rep), ISMS_OK, "commit");
  /* LAP-1 and SRV-1 (physical): fire, outage; SVC-1 (service): outage,
  ** which it has already; DOC-1 (information): leak */
  is_int(made, 5, "one risk per asset and template applying to its type");
  is_int(rep.created, 5, "the batch counts them");
  is_int(count(db, ISMS_VIEW_CHANGES, NULL, "action", "create") - logged, 5,
         "each logged once, as a 'create'");
  isms_risk_table *t;
  isms_risks_read(db, NULL, &t);
  int64_t k = isms_risk_table_find(t, "LAP-1/T-FIRE/V-DET");
  ok(k >= 0 && t->category[k] == 2 && t->impacts[k] >= 0 &&
         strcmp(t->impact_names[t->impacts[k]], "repair") == 0 &&
         !(t->flags[k] & ISMS_RISK_OWNERS),
     "fields from the template; an asset without owner gives none");
  k = isms_risk_table_find(t, "SVC-1/T-OUTAGE");
  ok(k >= 0 && t->ratings[0][k] == 3, "an existing risk is left as it was");
  k = isms_risk_table_find(t, "DOC-1/T-LEAK/V-AUTH");
  ok(k >= 0 && t->impacts[k] == -1 && (t->flags[k] & ISMS_RISK_OWNERS),
     "empty impacts are none; the owner is the asset's");
  isms_risk_table_free(t);
  isms_risk_begin_bulk(db, "risks generate", "catalog t", NULL, &rb);
  is_int(isms_risk_generate(rb, 3, tpl, &made), ISMS_OK, "generate again");
  isms_risk_end(rb, 1, &rep);
  is_int(made, 0, "adds nothing");
  tpl[1].category = "sales";
  isms_risk_begin(db, "risks generate", NULL, NULL, &rb);
  is_int(isms_risk_generate(rb, 3, tpl, &made), ISMS_INPUT, "an unknown category is refused");
  like(isms_errmsg(db), "threat T-OUTAGE: unknown category 'sales'", "and named");
  isms_risk_end(rb, 0, NULL);
  isms_close(db);
}

/* The update entries of one risk's change log as "field:old>new " text. */
static void update_log(isms_db *db, const char *ref, char log[512]) {
  isms_cursor *cur;
  log[0] = 0;
  isms_cursor_open(db, ISMS_VIEW_CHANGES, ref, &cur);
  while (isms_cursor_next(cur) == ISMS_ROW) {
    if (strcmp(field(cur, "action"), "update") != 0) continue;
    char line[96];
    snprintf(line, sizeof line, "%s:%s>%s ", field(cur, "field"),
             field(cur, "old") ? field(cur, "old") : "-", field(cur, "new") ? field(cur, "new") : "-");
    if (strlen(log) + strlen(line) < 512) strcat(log, line);
  }
  isms_cursor_close(cur);
}

static void test_put_scores(void) {
  isms_db *db = small_register("score.db");
  if (!db) return;
  isms_risk_table *t;
  isms_risks_read(db, NULL, &t);
  int64_t fire = isms_risk_table_find(t, "SRV-1/T-FIRE");
  int64_t leak = isms_risk_table_find(t, "DOC-1/T-LEAK");
  int64_t outage = isms_risk_table_find(t, "SVC-1/T-OUTAGE");
  int64_t score[8];
  int16_t rank[8];
  uint8_t acc[8];
  const char *names[] = {"Low", "Medium", "High"};
  for (size_t i = 0; i < t->n; i++) {  /* as stored, or unrated */
    score[i] = t->score[i];
    rank[i] = t->level_rank[i];
    acc[i] = t->acceptable[i] == 1;
  }
  score[fire] = 120000000;  /* High -> Medium, acceptable */
  rank[fire] = 2;
  acc[fire] = 1;
  rank[leak] = 0;           /* Low -> unrated */
  rank[outage] = 0;         /* unrated stays unrated */
  int before = count(db, ISMS_VIEW_CHANGES, NULL, NULL, NULL);

  isms_risk_batch *rb;
  int64_t written = -1;
  isms_risk_begin_bulk(db, "risks score", NULL, NULL, &rb);
  is_int(isms_risk_put_scores(rb, t, score, rank, acc, 3, names, &written), ISMS_OK, "put");
  isms_risk_end(rb, 0, NULL);
  is_int(count(db, ISMS_VIEW_CHANGES, NULL, NULL, NULL), before, "rolled back: nothing logged");
  isms_risk_table *again;
  isms_risks_read(db, NULL, &again);
  ok(again->score[fire] == 240000000 && again->level_rank[fire] == 3,
     "rolled back: nothing stored");
  isms_risk_table_free(again);

  isms_import_report rep;
  isms_risk_begin_bulk(db, "risks score", NULL, NULL, &rb);
  is_int(isms_risk_put_scores(rb, t, score, rank, acc, 3, names, &written), ISMS_OK, "put again");
  is_int(isms_risk_end(rb, 1, &rep), ISMS_OK, "commit");
  is_int(written, 2, "only the rows that moved are written");
  is_int(rep.updated, 2, "and counted as updated");
  char log[512];
  update_log(db, "SRV-1/T-FIRE", log);
  is_str(log, "score:240000000>120000000 level:High>Medium level_rank:3>2 acceptable:0>1 ",
         "each moved field logged with its old and new value, in table order");
  update_log(db, "DOC-1/T-LEAK", log);
  is_str(log, "score:8000000>- level:Low>- level_rank:1>- acceptable:1>- ",
         "a risk no longer rated is cleared");
  is_int(count(db, ISMS_VIEW_CHANGES, "SVC-1/T-OUTAGE", "action", "update"), 0,
         "an unchanged row is not written");
  isms_risk_table_free(t);

  isms_risks_read(db, NULL, &t);
  isms_risk_begin_bulk(db, "risks score", NULL, NULL, &rb);
  for (size_t i = 0; i < t->n; i++) {
    score[i] = t->score[i];
    rank[i] = t->level_rank[i];
    acc[i] = t->acceptable[i] == 1;
  }
  is_int(isms_risk_put_scores(rb, t, score, rank, acc, 3, names, &written), ISMS_OK,
         "the same scores again");
  is_int(written, 0, "write nothing");
  rank[0] = 4;
  is_int(isms_risk_put_scores(rb, t, score, rank, acc, 3, names, &written), ISMS_MISUSE,
         "a rank beyond the levels is misuse");
  isms_risk_end(rb, 0, NULL);
  isms_risk_table_free(t);
  isms_close(db);
}

/* Every entry of one risk's change log as "action field:old>new " text. */
static void full_log(isms_db *db, const char *ref, char *log, size_t size) {
  isms_cursor *cur;
  log[0] = 0;
  isms_cursor_open(db, ISMS_VIEW_CHANGES, ref, &cur);
  while (isms_cursor_next(cur) == ISMS_ROW) {
    const char *f = field(cur, "field"), *o = field(cur, "old"), *w = field(cur, "new");
    char line[128];
    snprintf(line, sizeof line, "%s %s:%s>%s ", field(cur, "action"), f ? f : "-", o ? o : "-",
             w ? w : "-");
    if (strlen(log) + strlen(line) < size) strcat(log, line);
  }
  isms_cursor_close(cur);
}

/* Ratings past the fourth (r5..rN): put packed in rx, read back as columns
** of their own, logged each under its name, cleared, refused when not a
** tier; and each risk's asset C/I/A and its threat's affects. */
static void test_more_ratings(void) {
  isms_db *db = small_register("more.db");
  ok(db != NULL, "a small register for more ratings");
  if (!db) return;
  isms_risk_batch *rb;
  is_int(isms_risk_begin(db, "test", NULL, NULL, &rb), ISMS_OK, "begin");
  static const char *const n1[] = {"r1", "r5", "r6", "r16"};
  static const char *const v1[] = {"3", "7", "1", "255"};
  is_int(isms_risk_put(rb, "SRV-1/T-FIRE", 4, n1, v1), ISMS_OK, "r5, r6, r16 on a stored risk");
  static const char *const n2[] = {"asset", "threat", "r7"};
  static const char *const v2[] = {"DOC-1", "T-NEW", "9"};
  is_int(isms_risk_put(rb, "DOC-1/T-NEW", 3, n2, v2), ISMS_OK, "r7 on a new risk");
  static const char *const bad[] = {"256"};
  static const char *const r5[] = {"r5"};
  is_int(isms_risk_put(rb, "SRV-1/T-FIRE", 1, r5, bad), ISMS_INPUT, "a tier past 255 is refused");
  like(isms_errmsg(db), "r5: expected a tier position 1..255, got '256'", "and says why");
  static const char *const r256[] = {"r256"};
  static const char *const one[] = {"1"};
  is_int(isms_risk_put(rb, "SRV-1/T-FIRE", 1, r256, one), ISMS_INPUT, "r256 is no field");
  is_int(isms_risk_catalog_entry(rb, "threat", "T-FIRE", "physical", "Fire", "c", "A,I", "likelihood=3"), ISMS_OK,
         "a threat that affects availability and integrity");
  is_int(isms_risk_end(rb, 1, NULL), ISMS_OK, "commit");
  isms_risk_table *t;
  is_int(isms_risks_read(db, NULL, &t), ISMS_OK, "read");
  int64_t fire = isms_risk_table_find(t, "SRV-1/T-FIRE"), leak = isms_risk_table_find(t, "DOC-1/T-LEAK");
  int64_t fresh = isms_risk_table_find(t, "DOC-1/T-NEW");
  is_int(t->nratings, 16, "columns r1..r16");
  ok(t->rating[0] == t->ratings[0] && t->rating[3] == t->ratings[3], "r1..r4 are the same columns");
  ok(t->rating[0][fire] == 3 && t->rating[4][fire] == 7 && t->rating[5][fire] == 1 &&
         t->rating[6][fire] == 0 && t->rating[15][fire] == 255,
     "r1 3, r5 7, r6 1, r7 not rated, r16 255");
  ok(t->rating[6][fresh] == 9 && t->rating[4][fresh] == 0, "the new risk: r7 9, r5 not rated");
  ok(t->rating[4][leak] == 0 && t->rating[15][leak] == 0, "a risk without rx: not rated");
  uint32_t a = t->asset[fire];
  ok(t->assets.c[a] == 2 && t->assets.i[a] == 3 && t->assets.a[a] == 3, "SRV-1's C, I, A");
  a = t->asset[isms_risk_table_find(t, "SVC-1/T-OUTAGE")];
  ok(t->assets.c[a] == 0, "an unvalued asset: C not rated");
  ok(t->threats.n == 0 && t->threat_index[fire] == UINT32_MAX, "threats not read yet");
  is_int(isms_risk_table_read_threats(db, t), ISMS_OK, "read the threats");
  ok(t->threats.n == 1 && strcmp(t->threats.id[0], "T-FIRE") == 0 && t->threats.affects[0] == 6,
     "T-FIRE affects I and A (bits 2 | 4)");
  is_str(t->threats.ratings[0], "likelihood=3", "and carries its own ratings");
  ok(t->threat_index[fire] == 0 && t->threat_index[leak] == UINT32_MAX,
     "each risk finds its threat, or none");
  is_int(isms_risk_table_read_threats(db, t), ISMS_OK, "a second read is a no-op");
  isms_risk_table_free(t);
  char log[4096];
  full_log(db, "SRV-1/T-FIRE", log, sizeof log);
  like(log, "update r5:->7 update r6:->1 update r16:->255 ", "r5, r6, r16 logged under their names");
  /* clearing: r5 and r16 go, r6 stays */
  is_int(isms_risk_begin(db, "test", NULL, NULL, &rb), ISMS_OK, "begin");
  static const char *const n3[] = {"r5", "r16"};
  static const char *const v3[] = {"", ""};
  is_int(isms_risk_put(rb, "SRV-1/T-FIRE", 2, n3, v3), ISMS_OK, "clear r5 and r16");
  is_int(isms_risk_end(rb, 1, NULL), ISMS_OK, "commit");
  is_int(isms_risks_read(db, NULL, &t), ISMS_OK, "read again");
  fire = isms_risk_table_find(t, "SRV-1/T-FIRE");
  is_int(t->nratings, 7, "the longest rx is now r7's");
  ok(t->rating[4][fire] == 0 && t->rating[5][fire] == 1, "r5 cleared, r6 kept");
  isms_risk_table_free(t);
  full_log(db, "SRV-1/T-FIRE", log, sizeof log);
  like(log, "update r5:7>- update r16:255>- ", "the clearing is logged");
  /* a deleted risk logs its further ratings */
  is_int(isms_risk_begin(db, "test", NULL, NULL, &rb), ISMS_OK, "begin");
  is_int(isms_risk_delete(rb, "SRV-1/T-FIRE"), ISMS_OK, "delete");
  is_int(isms_risk_end(rb, 1, NULL), ISMS_OK, "commit");
  full_log(db, "SRV-1/T-FIRE", log, sizeof log);
  like(log, "delete r6:1>- ", "a deleted risk logs r6");
  isms_close(db);
}

static int links_of(isms_db *db, const char *ref, char *out, size_t size) {
  isms_cursor *cur;
  const char *const params[] = {ref};
  out[0] = 0;
  if (isms_cursor_query(db,
                        "SELECT target FROM record_links WHERE kind = 'risk' AND id = ?1"
                        " AND rel = 'assets' ORDER BY target", 1, params, &cur))
    return -1;
  while (isms_cursor_next(cur) == ISMS_ROW) {
    if (strlen(out) + strlen(isms_cursor_text(cur, 0)) + 2 < size) {
      strcat(out, isms_cursor_text(cur, 0));
      strcat(out, " ");
    }
  }
  isms_cursor_close(cur);
  return 0;
}

/* The assets a risk is linked to besides its own (field "assets"). */
static void test_links(void) {
  isms_db *db = small_register("links.db");
  ok(db != NULL, "a small register for links");
  if (!db) return;
  isms_risk_batch *rb;
  isms_risk_begin(db, "test", NULL, NULL, &rb);
  static const char *const n[] = {"asset", "threat", "assets"};
  static const char *const v[] = {"SVC-1", "T-NEW", "SRV-1, DOC-1"};
  is_int(isms_risk_put(rb, "SVC-1/T-NEW", 3, n, v), ISMS_OK, "a new risk linked to two assets");
  static const char *const a[] = {"assets"};
  static const char *const nope[] = {"SRV-1 NOPE"};
  is_int(isms_risk_put(rb, "SVC-1/T-NEW", 1, a, nope), ISMS_INPUT, "an unknown asset is refused");
  like(isms_errmsg(db), "risk SVC-1/T-NEW: assets: no asset 'NOPE' in the register", "and named");
  is_int(isms_risk_end(rb, 1, NULL), ISMS_OK, "commit");
  char got[256];
  links_of(db, "SVC-1/T-NEW", got, sizeof got);
  is_str(got, "DOC-1 SRV-1 ", "two links");
  isms_import_report rep;
  isms_risk_begin(db, "test", NULL, NULL, &rb);
  static const char *const one[] = {"LAP-1;SRV-1"};
  is_int(isms_risk_put(rb, "SVC-1/T-NEW", 1, a, one), ISMS_OK, "DOC-1 goes, LAP-1 comes");
  is_int(isms_risk_end(rb, 1, &rep), ISMS_OK, "commit");
  is_int((int)rep.updated, 1, "an update of the links alone counts as an update");
  links_of(db, "SVC-1/T-NEW", got, sizeof got);
  is_str(got, "LAP-1 SRV-1 ", "the new links");
  char log[4096];
  full_log(db, "risk / SVC-1/T-NEW / assets / DOC-1", log, sizeof log);
  like(log, "create -:->- delete kind:risk>- delete id:SVC-1/T-NEW>- delete rel:assets>- "
            "delete target:DOC-1>- ", "the link's creation and deletion are logged as the kit's");
  isms_risk_begin(db, "test", NULL, NULL, &rb);
  is_int(isms_risk_delete(rb, "SVC-1/T-NEW"), ISMS_OK, "delete the risk");
  is_int(isms_risk_end(rb, 1, NULL), ISMS_OK, "commit");
  links_of(db, "SVC-1/T-NEW", got, sizeof got);
  is_str(got, "", "its links went with it");
  isms_close(db);
}

int main(void) {
  if (!mkdtemp(fixture_dir)) return 1;
  test_read_matches_cursor();
  test_generate();
  test_put_scores();
  test_more_ratings();
  test_links();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", fixture_dir);
  if (system(cmd) != 0) diag("could not remove %s", fixture_dir);
  return done_testing();
}
