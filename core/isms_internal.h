/*
** isms_internal.h -- shared by the library's translation units only.
** Everything here has hidden visibility; only ISMS_API functions leave
** libisms.so.
*/
#ifndef ISMS_INTERNAL_H
#define ISMS_INTERNAL_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>

#include "isms.h"

#define ISMS_API __attribute__((visibility("default")))
#define ISMS_HIDDEN __attribute__((visibility("hidden")))

/* Bulk kernels compiled twice, for AVX2 and for the baseline, so the
** package runs on any x86-64 yet uses the wider vectors where the machine
** has them (as NumPy and glibc's string functions do). ISMS_AVX2_TARGET
** marks the AVX2 copy; isms__use_avx2 (cpu.c) says, once, which copy to
** run: the CPU's answer, unless the environment sets ISMS_DISABLE_AVX2
** (the tests run the baseline copy that way too). Elsewhere, one copy. */
#if defined(__x86_64__) && defined(__GNUC__)
#define ISMS_HAVE_AVX2 1
#define ISMS_AVX2_TARGET __attribute__((target("avx2")))
#endif
int isms__use_avx2(void);

/* Contract checks in the manner of Lua's api_check: compiled away unless
** ISMS_DEBUG_API is defined; user errors are returned as codes instead. */
#ifdef ISMS_DEBUG_API
#include <assert.h>
#define isms_check(cond) assert(cond)
#else
#define isms_check(cond) ((void)0)
#endif

#define ISMS_ERRMSG_MAX 65536

struct isms_db {
  sqlite3 *sql;
  int errcode;
  char *errmsg;        /* heap; may hold many lines for import errors */
  char actor[128];
  sqlite3_stmt *st_log;  /* cached change_log insert */
  struct isms_kinds *kinds;  /* record kinds defined at run time (record_store.c) */
  int busy_ms;           /* busy timeout: how long to wait for another process's lock */
  struct isms__chain *chain;  /* the hash chain's hook state (chain.c); NULL before it */
  int bulk;              /* a bulk write runs through a rollback journal (txn.c) */
  int journal_fd;        /* that journal, opened by isms__bulk_progress; -1 */
};
#define ISMS_MAX_KINDS 128
/* record_store.c: frees the run-time record kinds (isms_close). */
ISMS_HIDDEN void isms__kinds_free(isms_db *db);

/* ------------------------------------------------------------ db.c */
ISMS_HIDDEN int isms__fail(isms_db *db, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
ISMS_HIDDEN int isms__fail_sql(isms_db *db, const char *what);
/* "WHAT: register PATH is busy: ..." (ISMS_STORAGE): another process held
** the lock past the busy timeout. isms__fail_sql says it for SQLITE_BUSY. */
ISMS_HIDDEN int isms__fail_busy(isms_db *db, const char *what);
ISMS_HIDDEN void isms__clear_error(isms_db *db);
/* Takes ownership of a heap message (may be NULL for "no detail"). */
ISMS_HIDDEN int isms__fail_owned(isms_db *db, int code, char *msg);
ISMS_HIDDEN int isms__exec(isms_db *db, const char *sql);
ISMS_HIDDEN int isms__begin(isms_db *db);
ISMS_HIDDEN int isms__commit(isms_db *db);
ISMS_HIDDEN void isms__rollback(isms_db *db);
/* Bulk writes go through a rollback journal when the register is ours
** alone (see db.c); isms__wal_journal goes back to WAL afterwards. */
ISMS_HIDDEN int isms__bulk_journal(isms_db *db);
/* Called now and then by a bulk write (every few thousand rows): hands
** the rollback journal's pages written so far to the disk, so the sync at
** commit waits for the last ones only. */
ISMS_HIDDEN void isms__bulk_progress(isms_db *db);
/* Forgets the bulk write (its journal's descriptor); isms__wal_journal
** does too. */
ISMS_HIDDEN void isms__bulk_end(isms_db *db);
ISMS_HIDDEN void isms__wal_journal(isms_db *db);

/* ------------------------------------------------------------ asset_edit.c */
/* Sets the class on the incident touches of asset id (NULL: of every
** asset) to the asset's class where it differs (schema migration 18). */
ISMS_HIDDEN int isms__touch_classes(isms_db *db, const char *id);

/* ------------------------------------------------------------ change_set.c */
/* A bulk write's field changes, as the text of one change_sets row. */
typedef struct isms__change_set {
  char *p;
  size_t n, cap;
  int64_t lines;
} isms__change_set;
ISMS_HIDDEN int isms__change_set_add(isms__change_set *cs, const char *id, const char *field,
                                     const char *old, const char *new_value);
ISMS_HIDDEN int isms__change_set_write(isms_db *db, int64_t batch, const char *entity,
                                       const isms__change_set *cs);
ISMS_HIDDEN void isms__change_set_free(isms__change_set *cs);
ISMS_HIDDEN int isms__change_set_register(sqlite3 *sql);
ISMS_HIDDEN int isms__change_entries(isms_db *db);

/* ------------------------------------------------------------ sql_summary.c */
/* Registers the aggregate isms_summary(x) on a connection (SQLite's code). */
ISMS_HIDDEN int isms__sql_summary(sqlite3 *sql);

/* ------------------------------------------------------------ schema.c */
ISMS_HIDDEN int isms__migrate(isms_db *db);
#define ISMS_SCHEMA_VERSION 1

/* ------------------------------------------------------------ changelog.c */
/* Opens a change batch (who, when, what, reason) inside the current
** transaction and returns its id. */
ISMS_HIDDEN int isms__batch_open(isms_db *db, const char *command, const char *source,
                                 const char *reason, int64_t *batch);
ISMS_HIDDEN int isms__batch_close(isms_db *db, int64_t batch, int64_t created,
                                  int64_t updated, int64_t deleted);
/* Whether two field texts are the same, NULL (no value) only as NULL: what
** the change log compares to decide a field moved. */
ISMS_HIDDEN int isms__same_text(const char *x, const char *y);
/* One change-log entry; old and new may be NULL. Uses a cached statement. */
ISMS_HIDDEN int isms__log_change(isms_db *db, int64_t batch, const char *entity,
                                 const char *entity_id, const char *action,
                                 const char *field, const char *old_value,
                                 const char *new_value);

/* Logs how an asset's valuation moves: a "class" entry if the class text
** differs, a "value" entry if the value does (NULL class / has 0 = not
** valued). *logged counts the entries written (0: nothing moved). */
ISMS_HIDDEN int isms__log_valuation(isms_db *db, int64_t batch, const char *id,
                                    const char *old_class, int had_value, double old_value,
                                    const char *new_class, int has_value, double new_value,
                                    int *logged);

/* ------------------------------------------------------------ chain.c */
typedef struct isms__chain isms__chain;
/* Starts the hash chain on a register whose schema has its tables: the
** genesis link the first time, then the hooks that see every row change.
** A no-op before the chain's migration and once started. */
ISMS_HIDDEN int isms__chain_start(isms_db *db);
/* Reads the register's tables for the hook, once, at the first write
** (isms__begin). */
ISMS_HIDDEN int isms__chain_begin(isms_db *db);
/* Settles the rows the current write touched into the chain (isms__commit
** calls it before COMMIT); a commit with unsettled changes is refused. */
ISMS_HIDDEN int isms__chain_settle(isms_db *db);
ISMS_HIDDEN void isms__chain_reset(isms_db *db);
ISMS_HIDDEN void isms__chain_free(isms_db *db);
/* The head link: its seq, newest batch, hash and the rows the chain holds;
** at gets the time now (UTC). */
ISMS_HIDDEN int isms__chain_head(isms_db *db, int64_t *seq, int64_t *batch,
                                 unsigned char hash[32], char *at, size_t atsize,
                                 int64_t *rows);
ISMS_HIDDEN int isms__chain_link_hash(isms_db *db, int64_t seq, unsigned char hash[32],
                                      int *found);
/* A value given to the chain as SQLite will store it: type SQLITE_INTEGER
** (i), SQLITE_FLOAT (d), SQLITE_TEXT or SQLITE_BLOB (p, n), SQLITE_NULL. */
typedef struct isms__val {
  int type;
  int64_t i;
  double d;
  const void *p;
  size_t n;
} isms__val;
typedef struct feed isms__feed;
/* A bulk INSERT into table whose writer holds each row's values feeds them
** to the chain (chain.c, "feeds"), which hashes them on a second thread
** instead of reading the table again at settle. cols names the values
** each isms__chain_feed_row gives, in order (any other column is NULL; a
** rowid table's rows get first_rowid, first_rowid + 1, ... in feed order).
** *out is NULL when the chain cannot take a feed for the table now (the
** write then goes as any other). The feed lasts until the write commits
** or rolls back; rows it does not account for exactly make the chain hash
** the table whole. Call inside the write (after isms__begin). */
ISMS_HIDDEN int isms__chain_feed(isms_db *db, const char *table, const char *const *cols,
                                 int ncols, int64_t first_rowid, isms__feed **out);
/* A bulk UPDATE of table that sets the columns set[0..nset) of the rows
** it changes (chain.c, "rewrites"): for every row its scan passes, in key
** order, isms__chain_feed_set gives the row's key (its one primary-key
** value, or the rowid) and the new values of those columns as SQLite will
** store them (set NULL: the row keeps its values; text must last until
** the write settles). *out NULL: no feed, the write is hashed as any
** other. Pause the hook for the UPDATE (isms__chain_pause: 1 when
** paused; resume after it, whatever it returned). */
ISMS_HIDDEN int isms__chain_rewrite_set(isms_db *db, const char *table, const char *const *set,
                                        int nset, isms__feed **out);
ISMS_HIDDEN int isms__chain_feed_set(isms_db *db, isms__feed *f, const isms__val *key,
                                     const isms__val *set);
ISMS_HIDDEN int isms__chain_pause(isms_db *db, isms__feed *f);
/* A table's rows at the last settle, -1 when the chain does not know it. */
ISMS_HIDDEN int64_t isms__chain_table_rows(isms_db *db, const char *table);
ISMS_HIDDEN void isms__chain_resume(isms_db *db);
ISMS_HIDDEN void isms__chain_rewrote(isms_db *db, isms__feed *f);
ISMS_HIDDEN int isms__chain_feed_row(isms_db *db, isms__feed *f, const isms__val *vals);

/* ------------------------------------------------------------ utf8.c */
/* Returns 0 when s[0..n) is valid UTF-8 without NUL bytes, else 1 + the
** byte offset of the fault. */
ISMS_HIDDEN size_t isms__utf8_check(const unsigned char *s, size_t n);
/* fopen(path, "rb") for input files, refusing directories; on failure
** NULL and the reason ("cannot open: ...", "is a directory, not a file"). */
ISMS_HIDDEN FILE *isms__open_input(const char *path, char *why, size_t whysize);
/* The same, read as text in encoding (iconv name, e.g. "cp1252"; NULL, ""
** or UTF-8 read as is): converted to UTF-8 into a temporary file, which is
** returned at its start. On failure NULL, the reason (naming a byte the
** encoding does not have, or an encoding iconv does not know) and *code:
** ISMS_IO for the file, ISMS_INPUT for its text or the encoding. */
ISMS_HIDDEN FILE *isms__open_input_as(const char *path, const char *encoding, char *why,
                                      size_t whysize, int *code);
/* The field delimiter of a CSV file from its header line: ';' when the
** line has semicolons and no comma outside quotes (spreadsheets in much
** of Europe write that), else ','. */
ISMS_HIDDEN char isms__csv_delimiter(const char *line, size_t n);

/* ------------------------------------------------------------ asset_fields.c */
/* The asset columns of the CSV format, in export order. */
enum isms__asset_col {
  ACOL_ID, ACOL_NAME, ACOL_TYPE, ACOL_OWNER, ACOL_CUSTODIAN, ACOL_LOCATION,
  ACOL_OUTSOURCED, ACOL_CONTRACT, ACOL_GROUP, ACOL_UNITS, ACOL_C, ACOL_I,
  ACOL_A, ACOL_NOTES, ACOL_COUNT
};
ISMS_HIDDEN extern const char *const isms__asset_col_names[ACOL_COUNT];
ISMS_HIDDEN extern const char *const isms__asset_types[];
ISMS_HIDDEN int isms__asset_type_parse(const char *s, size_t n);  /* -1 if unknown */
/* Parses yes/no style flags; -1 if not a flag. Empty means 0. */
ISMS_HIDDEN int isms__flag_parse(const char *s, size_t n);

/* ------------------------------------------------------------ method.c */
ISMS_HIDDEN int isms__method_is_compiled(const isms_method *m);
/* Reentrant parse of a C/I/A cell (the import's parser thread uses it):
** empty text is 0 (not valued); on ISMS_INPUT the reason is in why. */
ISMS_HIDDEN int isms__method_parse(const isms_method *m, int dim, const char *s, size_t n,
                                   int *value, char *why, size_t whysize);

/* ------------------------------------------------------------ strmap.c */
/* A string -> int64 hash map whose keys live in its own arena: the import
** uses it for duplicate ids and for party and location names. */
typedef struct isms__strmap isms__strmap;
ISMS_HIDDEN isms__strmap *isms__strmap_new(void);
ISMS_HIDDEN void isms__strmap_free(isms__strmap *map);
/* Sizes the table for n keys up front, sparing the rehashes of growth. */
ISMS_HIDDEN int isms__strmap_reserve(isms__strmap *map, size_t n);
/* Returns 1 and sets *value if key is present, else 0. */
ISMS_HIDDEN int isms__strmap_get(const isms__strmap *map, const char *key, size_t len,
                                 int64_t *value);
/* Adds key (which must be absent); returns ISMS_OK or ISMS_NOMEM. */
ISMS_HIDDEN int isms__strmap_put(isms__strmap *map, const char *key, size_t len,
                                 int64_t value);
/* Adds key unless present: returns 1 if it was already there (and sets
** *value to the stored value), 0 if added, -1 on out of memory. */
ISMS_HIDDEN int isms__strmap_add(isms__strmap *map, const char *key, size_t len,
                                 int64_t value, int64_t *existing);
/* The same as add with the key's hash computed earlier by strmap_hash, so
** a caller can prefetch the key's slot (strmap_prefetch) while it does other
** work: in a table of millions of keys the slot is a cache miss. */
ISMS_HIDDEN uint64_t isms__strmap_hash(const char *key, size_t len);
ISMS_HIDDEN void isms__strmap_prefetch(const isms__strmap *map, uint64_t h);
ISMS_HIDDEN int isms__strmap_add_hashed(isms__strmap *map, uint64_t h, const char *key,
                                        size_t len, int64_t value, int64_t *existing);

/* ------------------------------------------------------------ risk_score.c */
#define ISMS__MAX_RULES 64

/* What one combination of factor tiers means to the one-pass kernel, for
** criteria of one kind (residual or not): 16 bytes, so the cells of a
** method of 1,000 cells stay in the first-level cache. */
typedef struct isms__cell {
  uint64_t key;     /* priority key (isms__risk_key) without the obligations */
  uint64_t accept;  /* when ctx_ok: bit ctx = acceptable in that context */
} isms__cell;

/* The rules a cell's level admits and the rules the cell breaks (by its
** rank or score), as rule bit masks. */
typedef struct isms__cell_rules {
  uint64_t admits, fails;
} isms__cell_rules;

typedef struct isms__uses isms__uses;
struct isms_scorer {
  int nfactors;
  int ntiers[ISMS_MAX_FACTORS];
  size_t stride[ISMS_MAX_FACTORS];
  size_t ncells;
  int64_t *score;     /* per cell, millionths */
  int16_t *rank;      /* per cell, 1..levels; 0 until set */
  isms__cell *cell[2];  /* per residual, ncells + 1: the last one stands for unrated risks */
  isms__cell_rules *cell_rules;  /* ncells + 1, likewise */
  uint64_t max_key;   /* no risk's key is above it (cell keys | 3; may be stale high) */
  isms_accept_rule rules[ISMS__MAX_RULES];
  int nrules;
  /* Rule bit masks (bit k = rules[k]), so acceptance is loads and ANDs.
  ** Per residual 0/1 and indexed by the column's byte: the rules that
  ** apply to that asset class (int8 read as uint8; 128..255 = none), asset
  ** type, category and obligation bits, and the predicate rules a verdict
  ** byte fails. A rule shows only in the tables of its own residual. */
  uint64_t by_class[2][256], by_type[2][256], by_category[2][256], by_oblig[2][256];
  uint64_t verdict_fails[2][256];
  uint64_t rank_admits[ISMS_MAX_LEVELS + 1], rank_fails[ISMS_MAX_LEVELS + 1];
  struct isms__uses { int type, category, verdicts; } uses[2];  /* any rule tests it */
  int nscore_rules;   /* the rules with a max_score, checked per risk */
  uint8_t score_rule[ISMS__MAX_RULES];
  /* Acceptance as one bit: when the rules of a residual test only the
  ** asset class and obligation bits 1, 2 and 4, and tell at most 8 kinds of
  ** class apart, a risk's context is ctx = ctx_class[byte] + (obligations
  ** & 7) < 64, and bit ctx of cell[residual][c].accept says it all. */
  int ctx_ok[2];
  uint8_t ctx_class[2][256];  /* 8 * the kind of class of the byte */
  uint64_t ctx_rule[ISMS__MAX_RULES];  /* contexts each rule applies in */
  /* A staged scorer (isms_scorer_new_staged) scores with a program of
  ** stages instead of the cell table; factor f is the program's slot
  ** stage_slot[f]. Not owned. */
  const isms_stages *stages;
  int *stage_slot;
};
/* Scores rows [lo, lo + n) of c with a staged scorer's program. */
ISMS_HIDDEN int isms__scorer_stage_score(const isms_scorer *s, const isms_risk_cols *c,
                                         size_t lo, size_t n, int64_t *score, int16_t *rank);

/* ------------------------------------------------------------ risk_order.c */
/* A risk's priority as one number, larger = more urgent: rank, then
** score (millionths, clamped to 40 bits), then obligations carried. */
static inline uint64_t isms__risk_key(int rank, int64_t score, unsigned oblig) {
  uint64_t s = score < 0 ? 0 : (uint64_t)score;
  if (s >= ((uint64_t)1 << 40)) s = ((uint64_t)1 << 40) - 1;
  return ((uint64_t)(uint16_t)(rank < 0 ? 0 : rank) << 48) | (s << 2) |
         ((0xE994u >> ((oblig & 7u) * 2)) & 3u);  /* popcount of 3 bits */
}

typedef struct isms__keyed {
  uint64_t key;   /* larger is more urgent */
  uint32_t idx;   /* smaller wins a tie */
} isms__keyed;

/* The k most urgent risks offered so far, in a heap with the least urgent
** on top. thr is the smallest key that can still get in, so most offers
** cost one compare (isms__topk_offer). */
typedef struct isms__topk {
  isms__keyed *h;
  size_t k, m;
  uint64_t thr;
} isms__topk;
ISMS_HIDDEN int isms__topk_init(isms__topk *t, size_t k);
ISMS_HIDDEN void isms__topk_free(isms__topk *t);
ISMS_HIDDEN void isms__topk_clear(isms__topk *t);
ISMS_HIDDEN void isms__topk_push(isms__topk *t, uint64_t key, uint32_t idx);
static inline void isms__topk_offer(isms__topk *t, uint64_t key, uint32_t idx) {
  if (__builtin_expect(key >= t->thr, 0)) isms__topk_push(t, key, idx);
}

/* Sorts entries most urgent first. */
ISMS_HIDDEN void isms__keyed_sort(isms__keyed *e, size_t n);

/* ------------------------------------------------------------ risk_eval.c */
/* Threads worth using for n rows of simple per-row work (1 = none). */
ISMS_HIDDEN int isms__threads_for(size_t n);

/* ------------------------------------------------------------ xlsx_read.c */
/* One worksheet of an .xlsx read whole: its rows that hold a value, in
** order, each with its cells (only those with a value, left to right). */
typedef struct isms__xlsx_book isms__xlsx_book;
typedef struct isms__xlsx_row {
  int64_t r;                /* the row's number in the sheet, from 1 */
  size_t first;             /* its first cell in isms__xlsx_cells */
  uint32_t n;               /* its cells */
} isms__xlsx_row;
typedef struct isms__xlsx_cell {
  size_t off;               /* private: where the text is */
  uint32_t len;             /* bytes of text, without the NUL */
  uint32_t col;             /* 0-based column: 0 is A */
  uint8_t src;              /* private */
} isms__xlsx_cell;
/* Reads sheet (NULL: the first worksheet) of the workbook at path; source
** names the file in messages (NULL: path). On failure *err is a malloc'd
** "source: reason" or "source:Sheet!C7: reason" message. */
ISMS_HIDDEN int isms__xlsx_load(const char *path, const char *source, const char *sheet,
                                isms__xlsx_book **out, char **err);
ISMS_HIDDEN void isms__xlsx_free(isms__xlsx_book *b);
ISMS_HIDDEN const char *isms__xlsx_name(const isms__xlsx_book *b);
ISMS_HIDDEN int isms__xlsx_names(const isms__xlsx_book *b, const char *const **names);
ISMS_HIDDEN size_t isms__xlsx_nrows(const isms__xlsx_book *b);
ISMS_HIDDEN const isms__xlsx_row *isms__xlsx_rows(const isms__xlsx_book *b);
ISMS_HIDDEN const isms__xlsx_cell *isms__xlsx_cells(const isms__xlsx_book *b);
/* A cell's text, NUL-terminated, valid while the book is. */
ISMS_HIDDEN const char *isms__xlsx_text(const isms__xlsx_book *b, const isms__xlsx_cell *c);
/* Column letters of a 0-based column into out: 0 -> "A", 16383 -> "XFD". */
ISMS_HIDDEN size_t isms__xlsx_col_name(uint32_t col, char out[8]);

#endif /* ISMS_INTERNAL_H */
