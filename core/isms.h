/*
** isms.h -- the whole public contract of libisms.
**
** Conventions (after sqlite3.h):
**   - handles are opaque; every call returns an int code, ISMS_OK (0) on success;
**   - a handle owns the message of its last failure (isms_errmsg); the message
**     stays valid until the next call on that handle;
**   - closing or freeing NULL is a no-op;
**   - out-parameters are marked OUT.
**
** The block between the FFI markers is read verbatim by the LuaJIT binding
** (it is embedded into the library and returned by isms_cdef), so it must
** stay free of macros, varargs and preprocessor lines.
*/
#ifndef ISMS_H
#define ISMS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ISMS-FFI-BEGIN */

/* ---------------------------------------------------------------- codes */
enum isms_code {
  ISMS_OK       = 0,
  ISMS_ERROR    = 1,   /* generic failure; see the message */
  ISMS_NOMEM    = 2,
  ISMS_IO       = 3,   /* a file could not be read or written */
  ISMS_INPUT    = 4,   /* input rejected (CSV rows, rule data); nothing stored */
  ISMS_RULE     = 5,   /* a rule file failed to load: syntax, sandbox, limits */
  ISMS_SCHEMA   = 6,   /* register schema is newer than this library, or damaged */
  ISMS_STORAGE  = 7,   /* SQLite reported an error */
  ISMS_NOTFOUND = 8,
  ISMS_MISUSE   = 9,   /* an API contract was broken by the caller */
  ISMS_ROW      = 100, /* isms_cursor_next: a row is ready */
  ISMS_DONE     = 101  /* isms_cursor_next: no more rows */
};

/* C, I and A: the three dimensions an asset is valued on. */
enum isms_dim { ISMS_DIM_C = 0, ISMS_DIM_I = 1, ISMS_DIM_A = 2 };

/* Largest tier value on a C, I or A scale. */
enum isms_limits_const { ISMS_MAX_TIER = 15, ISMS_MAX_FACTORS = 4, ISMS_MAX_LEVELS = 32 };
/* Ratings a risk of the register holds: r1..r4 as columns, r5..rN packed
** one byte each (tier position, 0 = not rated) in the column rx. */
enum isms_ratings_const { ISMS_MAX_RATINGS = 255 };

/* How the C, I and A tier values combine into one asset value. */
enum isms_combine {
  ISMS_COMBINE_PRODUCT = 0,  /* C x I x A (QISM class value) */
  ISMS_COMBINE_SUM     = 1,
  ISMS_COMBINE_MAX     = 2,
  ISMS_COMBINE_WEIGHTED = 3  /* wC x C + wI x I + wA x A: isms_method_set_weights */
};

typedef struct isms_db isms_db;          /* an open register */
typedef struct isms_method isms_method;  /* a compiled methodology */
typedef struct isms_cursor isms_cursor;  /* rows of a register query */

/* ------------------------------------------------------------- library */
const char *isms_version(void);
/* Which copy of the bulk scoring kernels this process runs: "avx2" or
** "baseline" (ISMS_DISABLE_AVX2 in the environment forces the second). */
const char *isms_kernels(void);
const char *isms_errstr(int code);       /* static text for a code */
const char *isms_cdef(void);             /* this block, for ffi.cdef */
int isms_schema_version_supported(void);

/* ------------------------------------------------------------ register */
/* Opens (creating if nothing is at path) the register at path and migrates
** its schema. Refused, each with its own message: a directory or other
** non-file (ISMS_IO), an empty file, a file that is not SQLite, an SQLite
** database that is not a register, a newer schema (ISMS_SCHEMA). */
int isms_open(const char *path, isms_db **out /* OUT */);
/* The same for a register that must exist already: nothing at path is
** ISMS_NOTFOUND ("no register at PATH; create one with isms init PATH"). */
int isms_open_existing(const char *path, isms_db **out /* OUT */);
int isms_close(isms_db *db);
const char *isms_errmsg(isms_db *db);
int isms_errcode(isms_db *db);
int isms_schema_version(isms_db *db, int *out /* OUT */);
/* Who is recorded in the change log for later writes (default "unknown"). */
int isms_set_actor(isms_db *db, const char *actor);
/* Register-wide settings, e.g. "methodology". value NULL deletes the key. */
int isms_setting_set(isms_db *db, const char *key, const char *value, const char *reason);
/* Copies the value into buf (NUL-terminated); ISMS_NOTFOUND if unset. */
int isms_setting_get(isms_db *db, const char *key, char *buf, size_t bufsize);
/* Copies the register to path with SQLite's online backup API: one
** consistent snapshot while other processes go on reading and writing,
** written beside path and renamed into place (a failure leaves no file
** there). An existing path is refused (ISMS_IO) unless overwrite. */
int isms_backup(isms_db *db, const char *path, int overwrite);
/* Replaces the register's whole content with the copy at path, in one
** transaction: a crash or failure leaves the register as it was. The copy
** must be an intact isms register of this or an older schema (else
** ISMS_INPUT); it is migrated, and a "restore" change batch recorded. */
int isms_restore(isms_db *db, const char *path, const char *reason);

/* ------------------------------------------------------------ methodology
** A methodology is declared in a rule file, validated by the rule loader and
** built here into lookup tables. Tier values are small positive integers
** (1..ISMS_MAX_TIER). Build with the add/set calls, then isms_method_compile;
** only a compiled methodology can value assets. */
int isms_method_new(const char *name, isms_method **out /* OUT */);
void isms_method_free(isms_method *m);
const char *isms_method_errmsg(isms_method *m);
const char *isms_method_name(isms_method *m);
int isms_method_add_tier(isms_method *m, int dim, int value, const char *label);
/* Another accepted spelling for an existing tier, e.g. "high" -> 3. */
int isms_method_add_alias(isms_method *m, int dim, int value, const char *alias);
int isms_method_set_combine(isms_method *m, int combine);
/* The weighted sum, weights in millionths (0.5 = 500000), 0 .. 2^40. */
int isms_method_set_weights(isms_method *m, int64_t c, int64_t i, int64_t a);
/* Adds a class (band) and returns its index in *out. */
int isms_method_add_class(isms_method *m, const char *name, int *out /* OUT */);
/* A class holds either explicit values or inclusive ranges (or both). */
int isms_method_class_add_value(isms_method *m, int cls, double value);
int isms_method_class_add_range(isms_method *m, int cls, double lo, double hi);
/* Checks that every reachable value falls in exactly one class, then builds
** the C x I x A lookup cube. Fails with a message naming the first fault. */
int isms_method_compile(isms_method *m);
int isms_method_class_count(isms_method *m);
const char *isms_method_class_name(isms_method *m, int cls);
int isms_method_tier_count(isms_method *m, int dim);
/* The i-th tier (0-based, ascending) of a dimension. */
int isms_method_tier(isms_method *m, int dim, int i, int *value /* OUT */,
                     const char **label /* OUT */);
/* Parses a C/I/A cell: a tier number or a label/alias (case-insensitive).
** Returns ISMS_OK, or ISMS_INPUT with a reason in the method's message. */
int isms_method_parse_level(isms_method *m, int dim, const char *text, size_t len,
                            int *value /* OUT */);
/* Values one asset: *value = combined value, *cls = class index. */
int isms_method_value(isms_method *m, int c, int i, int a, double *value /* OUT */,
                      int *cls /* OUT */);
/* The bulk kernel: n assets as columns. A 0 in c, i or a means "not valued"
** and yields value 0 and class -1. */
int isms_method_value_bulk(isms_method *m, size_t n, const int8_t *c,
                           const int8_t *i, const int8_t *a,
                           double *value /* OUT */, int8_t *cls /* OUT */);

/* ------------------------------------------------------- risk scoring
** A compiled risk method: the score (in millionths, so decimal weights band
** exactly) and level rank (1 = lowest) of every combination of factor
** tiers, and the acceptance criteria. The Lua loader fills it from a rule
** file (docs/risk-rules.md); the kernels below score whole columns. */
typedef struct isms_scorer isms_scorer;

/* A criterion for acceptable risk (residual = 0) or acceptable residual
** risk (residual = 1; no other value is taken). Condition sets that are all zero match every risk;
** bit k of classes is asset class k, bit t-1 of types asset type t, bit
** c-1 of categories category c, bit r-1 of levels rank r; obligations
** matches a risk carrying any of its bits (1 legal, 2 regulatory,
** 4 contractual). It holds when the rank is at most max_rank (if > 0), the
** score at most max_score (if has_max_score) and, if predicate >= 0, bit
** `predicate` of the risk's verdicts is set. */
typedef struct isms_accept_rule {
  int residual;
  uint64_t classes[2];
  uint32_t types, categories, levels;
  uint32_t obligations;
  int max_rank;
  int has_max_score;
  int64_t max_score;
  int predicate;
} isms_accept_rule;

/* Risks as columns, n rows. Inputs: ratings[f] (tier values; 0 = unrated)
** for each factor; optional asset_class (-1 none), asset_type (1..6),
** category (1..), obligations bits and predicate verdict bits. Outputs:
** score and rank (0 for an unrated risk), filled by isms_scorer_score. */
typedef struct isms_risk_cols {
  size_t n;
  const uint8_t *ratings[4];
  const int8_t *asset_class;
  const uint8_t *asset_type;
  const uint8_t *category;
  const uint8_t *obligations;
  const uint8_t *verdicts;
  int64_t *score;
  int16_t *rank;
} isms_risk_cols;

int isms_scorer_new(int nfactors, const int *ntiers, isms_scorer **out /* OUT */);
void isms_scorer_free(isms_scorer *s);
/* Number of cells; cell = sum over factors of (tier - 1) * stride, factor 0
** varying fastest (stride 1), factor 1 next, and so on. */
int isms_scorer_cells(const isms_scorer *s);
int isms_scorer_set_cell(isms_scorer *s, int cell, int64_t score, int rank);
int isms_scorer_add_rule(isms_scorer *s, const isms_accept_rule *rule);
/* Scores n risks: fills cols->score and cols->rank. */
int isms_scorer_score(const isms_scorer *s, isms_risk_cols *cols);
/* Evaluates acceptance for n scored risks: acceptable[i] is 1 when at least
** one criterion applies to risk i and every criterion that applies holds.
** cols->score may be NULL when no criterion has a max_score. */
int isms_scorer_accept(const isms_scorer *s, const isms_risk_cols *cols, int residual,
                       uint8_t *acceptable /* OUT */);
/* One risk: 1 acceptable, 0 no criterion applies, -1 a criterion fails. */
int isms_scorer_accept_one(const isms_scorer *s, int residual, int rank, int64_t score,
                           int asset_class, int asset_type, int category,
                           unsigned obligations, unsigned verdicts);
/* The k most urgent of n risks, most urgent first: by rank, then score,
** then number of obligations, then lower index. k = n orders them all. */
int isms_risk_order(size_t n, const int16_t *rank, const int64_t *score,
                    const uint8_t *obligations, size_t k, uint32_t *out /* OUT */);

/* ------------------------------------------------- one-pass evaluation
** A tally of evaluated risks: how many, how many per level rank and how
** many acceptable, the sum of their scores and the k most urgent so far.
** isms_scorer_evaluate feeds it columns in pieces of any size (rows are
** numbered from `first`), so millions of risks can be evaluated straight
** from small buffers the caller refills, without per-risk result arrays;
** tallies filled on separate threads are added up with isms_risk_tally_merge.
** A scorer is read-only while evaluating: threads may share it. */
typedef struct isms_risk_tally isms_risk_tally;

typedef struct isms_risk_summary {
  int64_t risks;           /* rows evaluated */
  int64_t levels[33];      /* rows per rank 0..ISMS_MAX_LEVELS; 0 = unrated */
  int64_t acceptable;      /* rows acceptable under the criteria asked for */
  int64_t score_sum;       /* sum of the scores, in millionths */
} isms_risk_summary;

/* A tally that keeps the k most urgent risks (k may be 0). */
int isms_risk_tally_new(size_t k, isms_risk_tally **out /* OUT */);
void isms_risk_tally_free(isms_risk_tally *t);
/* Empties the tally for another run. */
void isms_risk_tally_reset(isms_risk_tally *t);
/* Adds b to a; both must keep the same k. */
int isms_risk_tally_merge(isms_risk_tally *a, const isms_risk_tally *b);
/* The totals, and the numbers of the min(k, risks) most urgent rows, most
** urgent first, in the order of isms_risk_order; *ntop gets their count. */
int isms_risk_tally_result(const isms_risk_tally *t, isms_risk_summary *sum /* OUT */,
                           uint32_t *top /* OUT */, size_t *ntop /* OUT */);
/* Scores the cols->n rows of cols, numbered first .. first + n - 1 (the
** last below 2^32), evaluates the residual (1) or initial (0) acceptance
** criteria and adds them to t, in one pass: the results of
** isms_scorer_score, isms_scorer_accept and isms_risk_order together.
** cols->score, cols->rank and acceptable are filled only when not NULL.
** Large n is split over the cores. */
int isms_scorer_evaluate(const isms_scorer *s, isms_risk_cols *cols, int residual,
                         uint32_t first, uint8_t *acceptable /* OUT, may be NULL */,
                         isms_risk_tally *t);

/* ----------------------------------------------------------- import */
typedef struct isms_import_opts {
  const char *reason;      /* recorded in the change log; may be NULL */
  const char *source_name; /* the name used in error messages; default path */
  int max_errors;          /* errors listed before giving up; 0 = 50 */
  int threads;             /* 0 = automatic (parse and store in parallel) */
  const char *encoding;    /* the file's encoding (iconv name, e.g. "cp1252"); NULL = UTF-8 */
} isms_import_opts;

typedef struct isms_import_report {
  int64_t rows;            /* data rows read */
  int64_t created;
  int64_t updated;         /* rows that existed and changed */
  int64_t unchanged;
  int64_t errors;          /* rows rejected; when > 0 nothing was stored */
  int64_t batch;           /* change-log batch id of this import */
} isms_import_report;

/* Imports an asset inventory CSV. All-or-nothing: any bad row rejects the
** whole file, every error is listed (up to max_errors) in isms_errmsg as
** "file:line:column: reason" lines, and the register is left untouched. */
int isms_import_assets(isms_db *db, const char *path, isms_method *m,
                       const isms_import_opts *opts, isms_import_report *rep /* OUT */);
/* The same import from a worksheet of an XLSX workbook (sheet NULL: the
** first worksheet): the same columns and checks, the header the first row
** with a value, the table starting at its first cell; each error is a
** "file:Sheet!C7: column: reason" line. */
int isms_import_assets_xlsx(isms_db *db, const char *path, const char *sheet, isms_method *m,
                            const isms_import_opts *opts, isms_import_report *rep /* OUT */);
/* Writes the asset register as CSV in the import format (round-trips). */
int isms_export_assets(isms_db *db, const char *path);

/* -------------------------------------------------------- CSV reader
** Reads a whole CSV file (libcsv; UTF-8 checked, BOM skipped) for imports
** done in Lua. isms_csv_open fails with ISMS_INPUT and a "file:line:col:
** reason" message (isms_csv_error) on bad text or quoting; then
** isms_csv_next gives ISMS_ROW per record (the header first) or ISMS_DONE.
** Always close the reader, even after a failed open. */
typedef struct isms_csv_reader isms_csv_reader;
int isms_csv_open(const char *path, isms_csv_reader **out /* OUT */);
int isms_csv_next(isms_csv_reader *r);
int isms_csv_fields(isms_csv_reader *r);
const char *isms_csv_field(isms_csv_reader *r, int k, size_t *len /* OUT */);
int64_t isms_csv_line(isms_csv_reader *r);
/* 1-based column where field k of the current record starts; *line gets
** its line (a record may span lines). */
int isms_csv_column(isms_csv_reader *r, int k, int64_t *line /* OUT */);
/* The columns of fields 0..n-1 of the current record (cols[k] as
** isms_csv_column gives it) in one walk of its text; returns n (0 when
** there is no record). */
int isms_csv_columns(isms_csv_reader *r, int n, int *cols /* OUT */);
/* A YAML document (libyaml) as JSON text, for the Lua importers to decode
** in one call. Plain scalars are typed (null, booleans, numbers that read
** back the same), quoted ones are strings; anchors and aliases, and more
** than one document, are refused with "line:col: reason" in *err. Free
** both outputs with isms_free. */
int isms_yaml_to_json(const char *text, size_t len, char **json /* OUT */, char **err /* OUT */);
const char *isms_csv_error(isms_csv_reader *r);
void isms_csv_close(isms_csv_reader *r);

/* ---------------------------------------------------- risk register
** Risks are written in batches: isms_risk_begin opens a transaction and a
** change batch, each put creates or updates one risk from named text
** fields (asset, threat, vulnerability, title, category, impacts, owners,
** controls, obligations, r1..r4, score, level, level_rank, acceptable,
** decision, decided_by, decided_at, rationale; "" clears a field; r5 ..
** r255 are further ratings, tier positions 1..255, stored packed in rx and
** logged each under its own name; "assets" and "threats" are the ids of
** the assets and catalog threats linked to the risk besides its own,
** separated by spaces, commas or semicolons, kept as links), each
** change logged; isms_risk_end commits (commit = 1) or rolls back. */
typedef struct isms_risk_batch isms_risk_batch;
int isms_risk_begin(isms_db *db, const char *command, const char *source, const char *reason,
                    isms_risk_batch **out /* OUT */);
/* The same for a batch that writes many risks (a generation, a re-scoring):
** while no other connection has the register open, its transaction goes
** through a rollback journal instead of the WAL, as an import's does. */
int isms_risk_begin_bulk(isms_db *db, const char *command, const char *source,
                         const char *reason, isms_risk_batch **out /* OUT */);
int isms_risk_put(isms_risk_batch *rb, const char *ref, int n, const char *const *names,
                  const char *const *values);
int isms_risk_delete(isms_risk_batch *rb, const char *ref);
/* Records a catalog threat or vulnerability (kind "threat" or
** "vulnerability") so the register can name them; a threat's affects
** ("C,I", NULL: the catalog says nothing) is what per-property scores
** read, its ratings ("likelihood=Possible;...", NULL: none) what scores
** reading threat.NAME read; a vulnerability's ratings likewise for
** vulnerability.NAME (its affects is ignored). */
int isms_risk_catalog_entry(isms_risk_batch *rb, const char *kind, const char *id,
                            const char *cls, const char *title, const char *catalog,
                            const char *affects, const char *ratings);
int isms_risk_end(isms_risk_batch *rb, int commit, isms_import_report *rep /* OUT, may be NULL */);

/* ------------------------------------------- risk register, in columns
** isms_risks_read reads the risks (all, or one asset's) in one pass into
** columns, for the bulk kernels: no text cursor and no row objects. Texts
** the callers need (ref, threat, asset ids) sit in one arena, as offsets;
** the asset class, the stored level name and the impacts are interned as
** small indexes into names tables. The table is a snapshot: it does not
** change with the register, and it stays valid until isms_risk_table_free. */
enum isms_risk_flag {
  ISMS_RISK_SCORED   = 1,   /* a score is stored */
  ISMS_RISK_OWNERS   = 2,   /* owners are recorded */
  ISMS_RISK_CONTROLS = 4    /* existing controls are recorded */
};
enum isms_risk_decision { ISMS_DECISION_NONE = 0, ISMS_DECISION_ACCEPT = 1, ISMS_DECISION_TREAT = 2 };
enum isms_asset_flag {
  ISMS_ASSET_VALUED     = 1,  /* the asset has a value */
  ISMS_ASSET_OUTSOURCED = 2,
  ISMS_ASSET_GROUP      = 4,
  ISMS_ASSET_OWNED      = 8   /* the asset has an owner */
};

/* The assets of a table: every asset of the register for a full read, the
** one asked for with a filter; ordered by id. */
typedef struct isms_risk_assets {
  size_t n;
  const uint32_t *id;          /* offsets into the table's text */
  const uint8_t *type;         /* 1..6: information, software, physical, service, people, intangible */
  const int16_t *cls;          /* index into the table's class_names; -1 = no class */
  const double *value;         /* when ISMS_ASSET_VALUED, else 0 */
  const uint8_t *flags;        /* enum isms_asset_flag */
  const uint32_t *risks;       /* how many of the table's risks are on the asset */
  const uint8_t *c, *i, *a;    /* the asset's C, I and A tiers; 0 = not rated */
} isms_risk_assets;

/* The threats of the register's catalog entries (threats table), by id:
** affects is the properties a threat affects, bits 1 C, 2 I, 4 A; 0 when
** the catalog says nothing. */
typedef struct isms_risk_threats {
  size_t n;
  const char *const *id;
  const uint8_t *affects;
  const char *const *ratings;  /* "likelihood=Possible;..." or NULL */
} isms_risk_threats;

typedef struct isms_risk_table {
  size_t n;                    /* risks, ordered by ref */
  const uint8_t *ratings[4];   /* r1..r4 as stored: tier values 1..255; 0 = not rated */
  const int16_t *asset_class;  /* the asset's class: index into class_names; -1 = none */
  const uint8_t *asset_type;   /* the asset's type, 1..6 */
  const uint8_t *category;     /* 1..5: management, operational, reputation, governance,
                                  project; 0 = none */
  const uint8_t *obligations;  /* bits: 1 legal, 2 regulatory, 4 contractual */
  const int64_t *score;        /* stored score in millionths; 0 unless ISMS_RISK_SCORED */
  const int16_t *level_rank;   /* stored level rank; 0 = none */
  const int16_t *level;        /* stored level name: index into level_names; -1 = none */
  const int8_t *acceptable;    /* stored acceptance: 1, 0, or -1 = none */
  const uint8_t *decision;     /* enum isms_risk_decision */
  const uint8_t *flags;        /* enum isms_risk_flag */
  const int32_t *impacts;      /* impacts text: index into impact_names; -1 = none */
  const uint32_t *asset;       /* the risk's asset: index into assets */
  const uint32_t *ref;         /* offsets into text */
  const uint32_t *threat;      /* offsets into text */
  const char *text;            /* NUL-terminated strings */
  isms_risk_assets assets;
  int nclasses, nlevels, nimpacts;
  const char *const *class_names;
  const char *const *level_names;
  const char *const *impact_names;
  /* Every rating column: r1..rN, N = 4 + the most further ratings (r5..)
  ** any risk holds; rating[f] == ratings[f] for f < 4. */
  int nratings;
  const uint8_t *const *rating;
  const uint32_t *threat_index; /* the risk's threat in threats; UINT32_MAX: not in the catalog */
  isms_risk_threats threats;
  /* After isms_risk_table_read_vulnerabilities: the vulnerabilities the
  ** register rates (ratings not NULL; affects all 0), by id, and each
  ** risk's among them (UINT32_MAX: none, or not rated). */
  const uint32_t *vulnerability_index;
  isms_risk_threats vulnerabilities;
} isms_risk_table;

/* Zeroed memory for a column of n rows of a kernel's results (scores,
** ranks, flags), NULL when out of memory; free it with isms_free. A large
** column is offered huge pages, as the table's own are: a million fresh
** rows then cost a few page faults instead of thousands. */
void *isms_column_alloc(size_t bytes);
/* Reads the risks of asset_filter (an asset id), or all with NULL. */
int isms_risks_read(isms_db *db, const char *asset_filter, isms_risk_table **out /* OUT */);
/* Reads the register's threats (ordered by id) into t->threats and finds
** each risk's (t->threat_index), for scores that read what a threat
** affects; once per table, later calls return at once. */
int isms_risk_table_read_threats(isms_db *db, isms_risk_table *t);
/* Reads the register's rated vulnerabilities into t->vulnerabilities and
** finds each risk's (t->vulnerability_index), for scores that read a
** vulnerability's ratings; once per table, later calls return at once. */
int isms_risk_table_read_vulnerabilities(isms_db *db, isms_risk_table *t);
void isms_risk_table_free(isms_risk_table *t);
/* The row of a ref (the table is ordered by ref), or -1. */
int64_t isms_risk_table_find(const isms_risk_table *t, const char *ref);
/* The index in t->assets of an asset id, or -1. */
int64_t isms_risk_table_find_asset(const isms_risk_table *t, const char *id);
/* Points cols at the table for a methodology (cols->n, asset_type, category,
** obligations; the caller sets ratings[f] to the table's column of each of
** its factors). class_map[k] is the methodology's index of the table's
** class k (-1: none); asset_class (t->n bytes, the caller's) gets the
** methodology's class of every risk and becomes cols->asset_class. */
int isms_risk_table_cols(const isms_risk_table *t, const int8_t *class_map,
                         int8_t *asset_class /* OUT */, isms_risk_cols *cols /* OUT */);
/* Numbers the distinct risk views among the scored rows of cols (rank > 0),
** in order of first appearance, so that a predicate runs once per view:
** rows alike in their nfactors ratings, category, obligations, impacts and
** asset (class, type, value, outsourced, group) share one. The ratings are
** ratings[f] (t->n each), or cols->ratings (nfactors at most four) when
** ratings is NULL. view[i] gets row i's number (UINT32_MAX when unrated),
** first[v] the first row of view v (both t->n long), *nviews their count. */
int isms_risk_table_views(const isms_risk_table *t, const isms_risk_cols *cols, int nfactors,
                          const uint8_t *const *ratings, uint32_t *view /* OUT */,
                          uint32_t *first /* OUT */, size_t *nviews /* OUT */);

/* The risks of a table as they stand after treatment: each treated risk
** at its residual ratings (a factor the treatment gives no residual
** position keeps its rating) and residual rank (else its stored rank),
** an avoided one not kept. Columns no treatment changes are the table's
** own: t must outlive the result. Free with isms_risk_after_free. */
typedef struct isms_risk_after {
  size_t n;                       /* t->n */
  int nratings;                   /* rating columns, at least t->nratings */
  const uint8_t *const *rating;   /* tier positions after treatment; 0 = not rated */
  const int16_t *rank;            /* the level rank after treatment */
  const uint8_t *keep;            /* 0: avoided, no residual risk */
  size_t treated, avoided;        /* treatments of the table's risks, and avoided */
} isms_risk_after;
int isms_risk_table_after(isms_db *db, const isms_risk_table *t,
                          isms_risk_after **out /* OUT */);
void isms_risk_after_free(isms_risk_after *a);

/* ------------------------------------------- report aggregates
** isms_report_scan goes once over the risks (by ref), merged with the
** treatments and the acceptances (both by risk), and keeps only what the
** report shows of them, without reading the register into columns: the
** heat-map counts before and after treatment, per (row tier, column tier,
** stored rank) at [(row * 256 + col) * ISMS_REPORT_RANKS + rank]; the
** most urgent refs (the order of isms_risk_order); the acceptance counts.
** ri and ci are the stored rating columns of the axes (0..3 for r1..r4;
** ci -1 for a one-factor map). A risk without its asset is not counted
** (as in isms_risks_read). Free with isms_report_scan_free. */
enum { ISMS_REPORT_RANKS = 33 };   /* stored ranks 0..32; higher count as 32 */
typedef struct isms_report_scan {
  size_t n;                   /* risks */
  size_t unrated;             /* risks without a rating on the row factor */
  size_t not_acceptable;      /* stored acceptable = 0 */
  const uint32_t *before;     /* 256 * 256 * ISMS_REPORT_RANKS counts */
  const uint32_t *after;      /* each treated risk at its residual cell; avoided ones gone */
  size_t ntop;                /* min(limit, n) */
  const char *const *top;     /* refs, most urgent first */
  size_t missing;             /* treated risks surely awaiting acceptance */
  size_t nchecks;             /* treated risks to check owner by owner */
  const char *const *checks;
  size_t nfirst;              /* the first refs missing or to check, in order, */
  const char *const *first;   /*   enough for `limit` rows */
  size_t options[4];          /* treatments: modify, retain, avoid, share */
  size_t residual_not_acceptable;  /* treatments stored residual_acceptable = 0 */
  size_t overrides;           /* treatments with a management override */
} isms_report_scan;
int isms_report_scan_read(isms_db *db, int ri, int ci, size_t limit,
                          isms_report_scan **out /* OUT */);
void isms_report_scan_free(isms_report_scan *s);

/* ------------------------------------------- risk register, bulk writes
** A generation template: the risk of a threat (and optionally one of its
** vulnerabilities) for each asset whose type is in types (bit t-1 for type
** t), with the fields every such risk starts with (NULL: none). */
typedef struct isms_risk_template {
  const char *threat;
  const char *vulnerability;
  const char *title;
  const char *category;
  const char *impacts;
  uint32_t types;
} isms_risk_template;

/* Creates, in the batch, risk ASSET/THREAT[/VULNERABILITY] for every asset
** of the register (by id) and every template applying to its type, in
** template order, owned by the asset's owner; risks that exist are left as
** they are. Each created risk is logged ('create'); *created counts them. */
int isms_risk_generate(isms_risk_batch *rb, size_t n, const isms_risk_template *templates,
                       int64_t *created /* OUT, may be NULL */);
/* Stores scores for the rows of t (read in the same batch): row i becomes
** score[i], level level_names[rank[i] - 1], rank[i] and acceptable[i], or
** unrated (all cleared) when rank[i] is 0. Only rows whose score, level or
** (when rated) acceptance differ from what t holds are written, each
** changed field logged with its old and new value; *written counts them. */
int isms_risk_put_scores(isms_risk_batch *rb, const isms_risk_table *t, const int64_t *score,
                         const int16_t *rank, const uint8_t *acceptable, int nlevels,
                         const char *const *level_names, int64_t *written /* OUT, may be NULL */);

/* ---------------------------------------------------------- valuation */
typedef struct isms_value_report {
  int64_t assets;
  int64_t valued;          /* assets with C, I and A all set */
  int64_t unvalued;        /* assets missing one or more of C, I, A */
  int64_t changed;         /* assets whose class or value changed */
  int64_t batch;
} isms_value_report;

/* Values every asset with m, in C over columns, storing value and class
** and logging each change in one transaction. */
int isms_value_assets(isms_db *db, isms_method *m, const char *reason,
                      isms_value_report *rep /* OUT */);

/* -------------------------------------------------------- single asset */
/* Sets one field of an existing asset (by its register column name, e.g.
** "owner", "c", "notes"); C/I/A take tier numbers as text. Logged. */
int isms_asset_set(isms_db *db, const char *id, const char *field,
                   const char *value, const char *reason);
int isms_asset_delete(isms_db *db, const char *id, const char *reason);
/* Several fields of one asset (fields[k] = values[k]) in one transaction
** and change batch; every field and value is checked first, and nothing is
** written if one is refused. */
int isms_asset_set_fields(isms_db *db, const char *id, int n, const char *const *fields,
                          const char *const *values, const char *reason);
/* Deletes n assets in one transaction and change batch; all or none. */
int isms_assets_delete(isms_db *db, int n, const char *const *ids, const char *reason);

/* ------------------------------------- treatment, SoA and RTP records
** Treatments, the controls they select, acceptances, SoA entries, SoA
** revisions, RTP tasks and their delays, as named text fields (read back
** through the cursor views below). Kinds and their fields, key first:
**   treatment          risk | option rationale shared_with rr1..rr4
**                      residual_score residual_level residual_rank
**                      residual_acceptable override_by override_at
**                      override_reason decided_by decided_at rrx (hex
**                      text: a BLOB of the residual positions of factors
**                      5..N, one byte each)
**   treatment_control  risk control |
**   acceptance         risk role who | at rationale
**   soa                control | applicable reasons justification status owner
**   soa_revision       rev | edition issued_at approved_by note entries
**   task               id | risk control title owner due status done_at
**   delay              task seq | reason old_due revised_due approved_by recorded_at
** A put creates the record or changes the fields given; a delete needs
** the key fields. A batch is one transaction and one change batch; every
** created record, changed field and deleted record is logged. */
typedef struct isms_records isms_records;
int isms_records_begin(isms_db *db, const char *command, const char *source,
                       const char *reason, isms_records **out /* OUT */);
int isms_records_put(isms_records *rec, const char *kind, int n, const char *const *names,
                     const char *const *values);
int isms_records_delete(isms_records *rec, const char *kind, int n, const char *const *names,
                        const char *const *values);
/* A put of a record the caller knows is new (it read the register in this
** batch's transaction or before): the stored record is not read first. A
** record of that key makes it fail (ISMS_INPUT), as the schema refuses it. */
int isms_records_create(isms_records *rec, const char *kind, int n, const char *const *names,
                        const char *const *values);
int isms_records_end(isms_records *rec, int commit, isms_import_report *rep /* OUT, may be NULL */);
/* Defines (or redefines) a record kind on this handle: its table (which a
** migration created), the number of key fields and the fields in the
** order given, key first. Names are lower-case identifiers; every field
** must be a column of the table. The kind "link" is built in: fields
** kind id rel target, all key -- a many-to-many reference of any record. */
int isms_records_define(isms_db *db, const char *kind, const char *table, int nkeys, int n,
                        const char *const *fields);

/* -------------------------------------------------------------- cursors
** Read-only views of the register. Column values are text (NULL for SQL
** NULL), valid until the next isms_cursor_next. */
enum isms_view {
  ISMS_VIEW_ASSETS  = 0,   /* filter: class name, or NULL for all */
  ISMS_VIEW_CHANGES = 1,   /* filter: entity id, or NULL for all */
  ISMS_VIEW_BATCHES = 2,   /* filter: unused */
  ISMS_VIEW_ASSET   = 3,   /* filter: one asset id */
  ISMS_VIEW_RISKS   = 4,   /* filter: asset id, or NULL for all */
  ISMS_VIEW_THREATS = 5,   /* filter: unused */
  ISMS_VIEW_TREATMENTS  = 6,   /* filter: risk ref, or NULL for all; with controls */
  ISMS_VIEW_ACCEPTANCES = 7,   /* filter: risk ref, or NULL for all */
  ISMS_VIEW_SOA         = 8,   /* filter: control id, or NULL; with linked risk counts */
  ISMS_VIEW_SOA_REVISIONS = 9, /* filter: revision number, or NULL for all */
  ISMS_VIEW_TASKS       = 10,  /* filter: risk ref, or NULL; with delay counts */
  ISMS_VIEW_DELAYS      = 11,  /* filter: task id, or NULL for all */
  ISMS_VIEW_CONTROL_RISKS = 12, /* filter: control id: the risks whose treatments select it */
  ISMS_VIEW_SELECTED    = 13,  /* filter: unused: every selected control, with its risk count */
  ISMS_VIEW_TASK        = 14   /* filter: one task id; the columns of ISMS_VIEW_TASKS */
};
int isms_cursor_open(isms_db *db, int view, const char *filter,
                     isms_cursor **out /* OUT */);
/* A cursor over one read-only SQL statement of the caller's (reports,
** scripts, the REPL), with text parameters ?1..?n. A statement that could
** write, or more than one statement, is refused (ISMS_MISUSE). */
int isms_cursor_query(isms_db *db, const char *sql, int nparams, const char *const *params,
                      isms_cursor **out /* OUT */);
int isms_cursor_next(isms_cursor *cur);      /* ISMS_ROW, ISMS_DONE or error */
int isms_cursor_columns(isms_cursor *cur);
const char *isms_cursor_name(isms_cursor *cur, int col);
const char *isms_cursor_text(isms_cursor *cur, int col);
int isms_cursor_close(isms_cursor *cur);

/* ------------------------------------------------------- rule sandbox
** Runs an untrusted rule file in a separate process with a fresh, locked
** LuaJIT state: text only, no os/io/ffi/require/debug/load, bounded CPU
** time, instructions and memory. Its declarations come back as JSON text
** (see docs/rule-files.md). */
typedef struct isms_rule_limits {
  int64_t time_ms;         /* wall-clock budget; 0 = 2000 */
  int64_t memory_bytes;    /* Lua heap cap; 0 = 64 MiB */
  int64_t instructions;    /* VM instruction budget; 0 = 200 million */
  int64_t output_bytes;    /* largest declaration output; 0 = 16 MiB */
} isms_rule_limits;

/* Evaluates the rule file at path. On success *json is a malloc'd,
** NUL-terminated JSON array of declarations (free it with isms_free).
** On failure *errmsg (also malloc'd) names the file, line and reason. */
int isms_rules_eval(const char *path, const isms_rule_limits *limits,
                    char **json /* OUT */, char **errmsg /* OUT */);
/* Same, for rule text already in memory; chunkname is used in messages. */
int isms_rules_eval_buffer(const char *text, size_t len, const char *chunkname,
                           const isms_rule_limits *limits, char **json /* OUT */,
                           char **errmsg /* OUT */);
/* Evaluates the rule file at path, then calls functions it declared, as
** listed by calls: Lua source of plain data (trusted, from the host),
**   return { { decl = 3, field = "predicate", args = { {...} } }, ... }
** where decl indexes the declarations (1-based) and field names the
** function in its body. The calls share the file's limits. *json is then
** {"declarations":[...],"results":[{"ok":true,"value":V,"reason":R} or
** {"ok":false,"error":"file:line: ..."}, ...]}, one result per call. */
int isms_rules_call(const char *path, const char *calls, const isms_rule_limits *limits,
                    char **json /* OUT */, char **errmsg /* OUT */);
void isms_free(void *p);

/* ------------------------------------------------------- XLSX reports
** A workbook of sheets, each a header row and rows, written with
** libxlsxwriter in constant-memory mode (one row in memory at a time), so
** a register of millions of risks streams from SQLite to the file. A
** sheet's rows come either from a read-only query over the register
** (its result columns, ncols of them, in order) or from texts in memory.
** Headers are bold and frozen, every sheet has an autofilter; a sheet
** longer than a worksheet allows (1,048,575 rows under the header) goes
** on in sheets "NAME (2)", "NAME (3)", ... . Confidential columns are
** marked on their header cell and the sheet carries a CONFIDENTIAL
** header/footer. The file is written beside path and renamed into place:
** on any failure no file (and no partial file) is left at path. */
enum isms_cell_kind {
  ISMS_CELL_TEXT   = 0,
  ISMS_CELL_NUMBER = 1,  /* written as a number when the value is one, else as text */
  ISMS_CELL_DATE   = 2,  /* "YYYY-MM-DD" (a time after it allowed) written as a date, else as text */
  ISMS_CELL_VALUE  = 3   /* a number or a date when the value is one, else text */
};
typedef struct isms_sheet {
  const char *name;               /* at most 31 characters, none of []:*?/\ */
  int ncols;
  const char *const *titles;      /* ncols column titles */
  const uint8_t *kinds;           /* ncols enum isms_cell_kind; NULL = all text */
  const uint8_t *confidential;    /* ncols flags, 1 = confidential; NULL = none */
  const char *query;              /* a read-only SELECT over the register, or NULL */
  size_t nrows;                   /* without a query: rows of cells */
  const char *const *cells;       /* nrows * ncols texts, row by row; NULL = blank */
  const char *const *fills;       /* optional, like cells: "#RRGGBB" background or NULL */
} isms_sheet;

/* Writes the sheets to path; title goes in the workbook's properties.
** db may be NULL when no sheet has a query. Errors: ISMS_MISUSE for a
** bad sheet (name, columns, a query that writes or has another number of
** columns), ISMS_STORAGE for a failing query, ISMS_IO for the file. */
int isms_report_xlsx(isms_db *db, const char *path, const char *title, int nsheets,
                     const isms_sheet *sheets);

/* -------------------------------------------------------- XLSX reading
** One worksheet of an .xlsx workbook (minizip and expat) as JSON text:
**   {"sheet":"Name","sheets":["Name","Other"],
**    "rows":[{"r":2,"cells":[["A2","text"],["C2","3"]]}]}
** rows and cells with a value only, in order. Cells are text as a person
** reads them: strings whole (rich-text runs joined, phonetic runs left
** out), numbers as the file writes them, numbers in a date format as
** "YYYY-MM-DD" ("YYYY-MM-DDTHH:MM:SS" with a time of day), booleans
** "TRUE"/"FALSE". sheet NULL reads the first worksheet. Refused with
** *err set (ISMS_INPUT, or ISMS_IO when the file cannot be opened): not a
** zip, a missing part, an unknown sheet (its sheets listed), malformed
** XML (the part and line:column), a document type declaration, a part
** over 256 MiB uncompressed, more than 2,000,000 rows, a cell holding an
** error value (the cell named: "file:Sheet!C7: ..."). Free both outputs
** with isms_free. */
int isms_xlsx_sheet_json(const char *path, const char *sheet, char **json /* OUT */,
                         char **err /* OUT */);

/* ---------------------------------------------------- XLSX tables to fill
** One table people fill in (a questionnaire), as a worksheet: the header
** row bold and frozen, an autofilter, column widths, landscape printing
** one page wide with the header repeated on every page. Locked columns
** (ids, titles) are shaded and the sheet protected without a password;
** the others stay editable. A column with values gets a drop-down list
** (data validation; long lists go to a hidden sheet "Lists"); a numeric
** column stores numbers as numbers. Cells are nrows * ncols texts, row by
** row (NULL or "" blank). The file is written beside path and renamed into
** place. On failure *err (free with isms_free) says why. */
typedef struct isms_xlsx_column {
  const char *title;
  double width;                   /* in characters; 0 = fit the texts */
  int locked;                     /* 1 = not editable */
  int numeric;                    /* 1 = numbers stored as numbers */
  int nvalues;                    /* > 0: the allowed values, a drop-down list */
  const char *const *values;
} isms_xlsx_column;

int isms_xlsx_table(const char *path, const char *sheet_title, int ncols,
                    const isms_xlsx_column *cols, size_t nrows, const char *const *cells,
                    char **err /* OUT */);

/* --------------------------------------------------- quantitative risk
** FAIR-style Monte Carlo (docs/quantitative.md): per risk, calibrated estimates
** of loss event frequency and loss magnitude, simulated as annual loss;
** per-risk and portfolio statistics before and after treatment. Every
** risk draws from its own stream, derived from the run's seed and the
** risk's ref, so results do not depend on the thread count or on the
** order the risks were added in. */
enum isms_dist_kind {
  ISMS_DIST_NONE       = 0,  /* not given: draws 0 */
  ISMS_DIST_CONSTANT   = 1,  /* a */
  ISMS_DIST_UNIFORM    = 2,  /* a .. b */
  ISMS_DIST_TRIANGULAR = 3,  /* min a, most likely b, max c */
  ISMS_DIST_PERT       = 4,  /* modified PERT: min a, most likely b, max c, shape gamma */
  ISMS_DIST_LOGNORMAL  = 5,  /* low a and high b of a central interval of confidence shape */
  ISMS_DIST_POISSON    = 6   /* mean a; only for isms_dist_sample and the moments */
};
/* What a quantity is, for its checks: a rate (events a year, >= 0), a
** probability (0..1) or an amount of money (>= 0). */
enum isms_dist_role { ISMS_ROLE_RATE = 0, ISMS_ROLE_PROBABILITY = 1, ISMS_ROLE_AMOUNT = 2 };
typedef struct isms_dist {
  int kind;           /* enum isms_dist_kind */
  double a, b, c;
  double shape;       /* PERT: gamma (0 = 4); lognormal: confidence (0 = 0.9) */
} isms_dist;

/* Annual loss of a risk: with ISMS_EVENTS_POISSON a year has K ~
** Poisson(frequency) loss events, each costing primary + (with probability
** secondary_p) secondary; with ISMS_EVENTS_PRODUCT (FAIR's LEF x LM) the
** year's loss is frequency x (primary + secondary_p x secondary). The
** frequency is lef, or tef x vuln when lef is NONE; it is drawn once a
** year. */
enum isms_quant_events { ISMS_EVENTS_POISSON = 0, ISMS_EVENTS_PRODUCT = 1 };
typedef struct isms_quant_risk {
  const char *ref;        /* with the seed, the key of the risk's stream */
  int events;             /* enum isms_quant_events */
  isms_dist lef;          /* loss event frequency, a year */
  isms_dist tef, vuln;    /* threat event frequency and vulnerability, when lef is NONE */
  isms_dist primary;      /* primary loss magnitude, per event */
  isms_dist secondary_p;  /* probability of a secondary loss, per event (NONE = 0) */
  isms_dist secondary;    /* secondary loss magnitude */
} isms_quant_risk;

typedef struct isms_quant_opts {
  uint64_t seed;
  int64_t iterations;     /* simulated years, 1 .. 10,000,000 */
  int threads;            /* 0 = one per core */
  double correlation;     /* 0..1: one-factor rank correlation between risks */
  double threshold;       /* portfolio: probability of a year above it */
  double risk_threshold;  /* per risk: likewise */
} isms_quant_opts;

typedef struct isms_quant_stats {
  double mean, sd, p50, p90, p95, p99, max;
  double p_exceed;        /* share of years above the threshold */
  double p_loss;          /* share of years with any loss */
} isms_quant_stats;

typedef struct isms_quant isms_quant;

/* Checks a distribution for a role; ISMS_INPUT with the reason in why
** ("min 5 > most likely 3", ...). */
int isms_dist_check(const isms_dist *d, int role, char *why /* OUT */, size_t whysize);
/* The distribution's mean and variance, in closed form. */
int isms_dist_moments(const isms_dist *d, double *mean /* OUT */, double *var /* OUT */);
/* P(X <= x). */
int isms_dist_cdf(const isms_dist *d, double x, double *p /* OUT */);
/* n draws from the stream of key seed (tests, what-ifs). */
int isms_dist_sample(const isms_dist *d, uint64_t seed, size_t n, double *out /* OUT */);

int isms_quant_new(isms_quant **out /* OUT */);
void isms_quant_free(isms_quant *q);
const char *isms_quant_errmsg(isms_quant *q);
/* Adds a risk: its estimates before treatment and, if treated, after
** (NULL: the same). Refs must be unique. Checked here too. */
int isms_quant_add(isms_quant *q, const isms_quant_risk *before, const isms_quant_risk *after);
size_t isms_quant_count(isms_quant *q);
/* Runs the simulation on threads of its own and returns at once; poll
** with isms_quant_wait. */
int isms_quant_start(isms_quant *q, const isms_quant_opts *opts);
/* Waits up to timeout_ms for the run; *progress gets the share of risks
** done (0..1), *finished 1 once the results are ready. A failed run
** returns its code. */
int isms_quant_wait(isms_quant *q, int timeout_ms, double *progress /* OUT */,
                    int *finished /* OUT */);
/* isms_quant_start and isms_quant_wait until finished. */
int isms_quant_run(isms_quant *q, const isms_quant_opts *opts);
/* Statistics of risk i (in the order added) or of the portfolio, before
** (after = 0) or after (1) treatment. */
int isms_quant_risk_stats(isms_quant *q, size_t i, int after, isms_quant_stats *out /* OUT */);
int isms_quant_portfolio(isms_quant *q, int after, isms_quant_stats *out /* OUT */);
/* The loss exceedance curve: prob[k] = share of simulated years whose
** portfolio loss is above loss[k]. */
int isms_quant_exceedance(isms_quant *q, int after, size_t n, const double *loss,
                          double *prob /* OUT */);
/* The portfolio loss at quantile p (0..1), interpolated as NumPy does. */
int isms_quant_quantile(isms_quant *q, int after, double p, double *loss /* OUT */);

/* Stores a finished run: one quant_runs row (method, currency, seed,
** iterations, the portfolio before and after, the controls' cost), the
** exceedance curve at the npoints losses curve_loss (before and after),
** and per risk its statistics with the level and acceptance given
** (level[i] NULL / acceptable[i] -1: none; after_* likewise). One
** transaction, one change batch; *run gets its id. */
typedef struct isms_quant_record {
  const char *method;
  const char *currency;
  const char *metric;           /* which statistic the levels band: "mean", "p90", ... */
  const char *reason;
  double control_cost;          /* yearly cost of the controls in the treatments */
  size_t npoints;                   /* at most 1000 */
  const double *curve_loss;
  const char *const *level;         /* per risk, before */
  const int8_t *acceptable;
  const char *const *after_level;   /* per risk, after */
  const int8_t *after_acceptable;
  const double *cost;               /* per risk: its controls' yearly cost (NULL: 0) */
} isms_quant_record;
int isms_quant_save(isms_db *db, isms_quant *q, const isms_quant_record *rec,
                    int64_t *run /* OUT */);
/* ------------------------------------------------- staged risk scores
** A score that does not fit a table of every tier combination (more than
** four factors, scales of many tiers, inputs from the asset, the threat or
** related records) runs as a program of stages over columns
** (core/method_stage.c; the Lua loader builds it from risk_stage
** declarations, docs/risk-rules.md). Slots are numbered in the order they
** are added: inputs (columns the caller gives) and stages (computed from
** earlier slots). Values are int64 millionths; INT64_MIN in a value column
** means "not rated", which propagates to a not rated result (rank 0). */
typedef struct isms_stages isms_stages;

enum isms_stage_op {
  ISMS_OP_SUM      = 0,
  ISMS_OP_MEAN     = 1,  /* exact: bands and levels compare sum against edge * count */
  ISMS_OP_MIN      = 2,
  ISMS_OP_MAX      = 3,
  ISMS_OP_PRODUCT  = 4,  /* rounded to millionths after each multiplication */
  ISMS_OP_WEIGHTED = 5,  /* sum of weight x value, rounded once */
  ISMS_OP_COUNT    = 6,  /* how many inputs are at or above threshold (x 1000000) */
  ISMS_OP_TABLE    = 7,  /* table[cell] over the inputs' positions, first input fastest */
  ISMS_OP_FIRST    = 8   /* the first input that is rated (use X if known, else Y) */
};

/* A stage: op over ninputs earlier slots. mask >= 0 names a value slot
** whose bits (a plain integer, not millionths) pick the inputs each row
** reduces (bit bits[k] picks input k; INT64_MIN = all). nedges rising edges band
** the result: band = 1 + the number of edges at or below it; with
** band_values (nedges + 1) the stage then takes its band's value. */
typedef struct isms_stage_def {
  int op;
  int ninputs;
  const int *inputs;
  const int64_t *weights;      /* ISMS_OP_WEIGHTED: one per input */
  int64_t threshold;           /* ISMS_OP_COUNT */
  const int64_t *table;        /* ISMS_OP_TABLE: product of the inputs' positions */
  int mask;
  const int *bits;             /* with mask: the bit picking each input (NULL: bit k) */
  int nedges;
  const int64_t *edges;
  const int64_t *band_values;
} isms_stage_def;

/* The column of an input slot: tiers (positions 1..ntiers, 0 = not
** rated), values, or related records: row i's are values[offsets[i] ..
** offsets[i + 1]). Stage slots' entries are not read. With index (tiers
** or values only), row i reads entry index[i] of tiers or values, and
** UINT32_MAX reads as not rated: a column per asset (its C, I, A, value)
** or per threat (what it affects) read through each risk's asset or
** threat, without a copy per risk. */
typedef struct isms_stage_column {
  const uint8_t *tiers;
  const int64_t *values;
  const uint32_t *offsets;
  const uint32_t *index;
} isms_stage_column;

int isms_stages_new(isms_stages **out /* OUT */);
void isms_stages_free(isms_stages *p);
const char *isms_stages_errmsg(const isms_stages *p);
int isms_stages_count(const isms_stages *p);
/* An input of ntiers positions: values[k] is position k + 1's value;
** rated[k] == 0 marks a "not rated" tier (rated may be NULL). */
int isms_stages_add_tiers(isms_stages *p, int ntiers, const int64_t *values,
                          const uint8_t *rated, int *slot /* OUT */);
int isms_stages_add_values(isms_stages *p, int *slot /* OUT */);
int isms_stages_add_records(isms_stages *p, int *slot /* OUT */);
int isms_stages_add(isms_stages *p, const isms_stage_def *def, int *slot /* OUT */);
/* A slot's denominator (a mean's input count, else 1) and positions (tiers
** or bands; 0 if none). */
int isms_stages_slot_den(const isms_stages *p, int slot);
int isms_stages_slot_positions(const isms_stages *p, int slot);
/* The slot whose value is the score; levels band it: [lo, hi], or [lo, hi)
** when hi_open. Intervals must not overlap; a value in none is not rated. */
int isms_stages_set_result(isms_stages *p, int slot);
int isms_stages_add_level(isms_stages *p, int64_t lo, int64_t hi, int hi_open, int rank);
/* Scores n rows: cols has one entry per slot. score is the result's value
** rounded to millionths (0 when not rated), rank its level (0 = not rated).
** Large n is split over the cores. */
int isms_stages_run(const isms_stages *p, size_t n, const isms_stage_column *cols,
                    int64_t *score /* OUT */, int16_t *rank /* OUT */);
/* Every slot of n rows, for explaining a result: num[i * count + s] is
** slot s's exact numerator (divide by its den), pos its tier or band. */
int isms_stages_trace(const isms_stages *p, size_t n, const isms_stage_column *cols,
                      int64_t *num /* OUT */, uint16_t *pos /* OUT */);
/* A heat map of n rows over two slots that have positions (tiers or
** bands; col_slot -1 for a map of one axis): adds 1 to counts[(row
** position * 256 + column position) * ISMS_REPORT_RANKS + rank] for every
** row i with keep NULL or keep[i] != 0, rank being rank[i] (the stored
** level, or a residual one) or, with rank NULL, the program's own level.
** A row without a position on an axis counts at position 0 (past 255
** too). The layout is isms_report_scan's; counts are added to. */
int isms_stages_cells(const isms_stages *p, size_t n, const isms_stage_column *cols,
                      int row_slot, int col_slot, const int16_t *rank, const uint8_t *keep,
                      uint32_t *counts /* OUT: 256 * 256 * ISMS_REPORT_RANKS */);
/* A scorer whose scores come from p: factor f's ratings (cols->ratings[f],
** so at most four through isms_scorer_score) are p's slot slots[f]; the
** other inputs read as not rated. The criteria are added as for any
** scorer; p must outlive the scorer. */
int isms_scorer_new_staged(const isms_stages *p, int nfactors, const int *slots,
                           isms_scorer **out /* OUT */);

/* ------------------------------------------------------ bounded queries
** A cursor over one statement of untrusted origin (the automatic method of
** a metric, from a rule file), read like any cursor. It may only read: an
** authorizer refuses writes, ATTACH, PRAGMA and functions outside a plain
** list when it is prepared. Every isms_cursor_next runs under a budget of
** SQLite virtual-machine steps and a wall-clock deadline, both shared by
** the cursor's whole life, and no text or blob may pass 1 MB. A refused
** statement, an SQL error and a limit struck are all ISMS_RULE, with the
** reason in isms_errmsg. Limits of 0 take the defaults (200,000,000 steps,
** 10,000 ms); limits may be NULL. */
typedef struct isms_query_limits {
  uint64_t steps;    /* SQLite virtual-machine steps (checked every 1000) */
  uint32_t time_ms;  /* wall clock from the cursor's creation */
} isms_query_limits;
int isms_cursor_query_bounded(isms_db *db, const char *sql, int nparams,
                              const char *const *params, const isms_query_limits *limits,
                              isms_cursor **out /* OUT */);

/* --------------------------------------------------------------- hashing
** The SHA-256 of a file's bytes (OpenSSL's libcrypto), as 64 lower-case
** hex digits and a NUL in hex (65 bytes). Returns ISMS_NOTFOUND when no
** file is at path, ISMS_IO when it cannot be read (or is a directory). */
int isms_sha256_file(const char *path, char *hex /* OUT: 65 bytes */);
/* The SHA-256 of n bytes in memory, the same way. */
int isms_sha256(const void *data, size_t n, char *hex /* OUT: 65 bytes */);

/* ------------------------------------------------------ tamper evidence
** Every row of the register and every change batch is in one SHA-256 hash
** chain (docs/tamper-evidence.md). isms_verify recomputes it: the rows,
** each table against its sum, the sums against the head link, every link
** against the one before. findings gets one line per finding (isms_free):
** KIND \t TABLE \t KEY \t DETAIL, KIND one of edited, inserted, deleted
** (a row changed outside isms), table (a table made, dropped or whose rows
** cannot be named), chain (a link deleted, edited or out of order). */
typedef struct isms_verify_info {
  int64_t links;          /* links in the chain */
  int64_t tables;         /* tables checked */
  int64_t rows;           /* rows checked */
  int64_t first_batch;    /* the first change batch the chain covers */
  int64_t head_seq;       /* the head link */
  int64_t head_batch;     /* the newest change batch the chain covers (0: none) */
  int64_t findings;
  int migrated;           /* 1: the chain began on a register that had batches */
  char start_at[40];      /* when the chain began (UTC) */
  char head[65];          /* the head link's hash, hex */
} isms_verify_info;
int isms_verify(isms_db *db, isms_verify_info *info /* OUT */, char **findings /* OUT */);

/* A signed checkpoint of the chain's head (an anchor) an auditor keeps
** elsewhere: Ed25519 through OpenSSL, keys in PEM files. keygen writes a
** new key pair (the private key readable by its owner only) and refuses
** existing files; on failure why says what. */
int isms_anchor_keygen(const char *keyfile, const char *pubfile, char *why /* OUT */,
                       size_t whysize);
/* Writes the anchor of db's head to path, signed with the key in keyfile. */
int isms_anchor_export(isms_db *db, const char *keyfile, const char *path);
typedef struct isms_anchor_info {
  int64_t seq;            /* the anchored link */
  int64_t batch;          /* the newest batch at the anchor */
  int64_t rows;           /* rows the register held then */
  int64_t links_since;    /* links the register has added since */
  char at[40];            /* when the anchor was made */
  char head[65];          /* the anchored hash, hex */
} isms_anchor_info;
/* Checks that the anchor at path is signed by the key in pubfile and that
** db's chain still holds the anchored link unchanged: ISMS_OK if so,
** ISMS_INPUT with the reason if not. */
int isms_anchor_check(isms_db *db, const char *path, const char *pubfile,
                      isms_anchor_info *out /* OUT */);

/* ISMS-FFI-END */

#ifdef __cplusplus
}
#endif
#endif /* ISMS_H */
