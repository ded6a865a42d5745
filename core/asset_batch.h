/*
** asset_batch.h -- the unit of work between the CSV parser and the store.
**
** The parser fills a batch of validated rows as columns (text as spans in
** one arena, numbers as small arrays) and the store writes it to SQLite.
** Columnar layout lets the valuation kernel run over a whole batch at once.
*/
#ifndef ISMS_ASSET_BATCH_H
#define ISMS_ASSET_BATCH_H

#include "isms_internal.h"

#define ASSET_BATCH_ROWS 4096

typedef struct asset_span {
  uint32_t off, len;  /* into the batch arena; the text is NUL-terminated */
} asset_span;

typedef struct asset_batch {
  size_t n;
  int64_t line[ASSET_BATCH_ROWS];               /* first line of each record */
  asset_span text[ASSET_BATCH_ROWS][ACOL_COUNT]; /* raw cell of each column */
  int8_t type[ASSET_BATCH_ROWS];
  int8_t outsourced[ASSET_BATCH_ROWS];
  int8_t group[ASSET_BATCH_ROWS];
  int32_t units[ASSET_BATCH_ROWS];
  int8_t c[ASSET_BATCH_ROWS], i[ASSET_BATCH_ROWS], a[ASSET_BATCH_ROWS];
  double value[ASSET_BATCH_ROWS];               /* filled by the valuation */
  int8_t cls[ASSET_BATCH_ROWS];                 /* class index, -1 = unvalued */
  char *arena;
  size_t used, cap;
} asset_batch;

static inline const char *asset_text(const asset_batch *b, size_t row, int col) {
  return b->arena + b->text[row][col].off;
}

/* The store: writes batches inside the import's transaction. */
typedef struct asset_store asset_store;

/* present[col] says which columns the file has: absent columns keep their
** stored value on update and take defaults on create. */
int isms__store_open(isms_db *db, isms_method *m, const char *source, const char *reason,
                     const unsigned char present[ACOL_COUNT], asset_store **out);
int isms__store_write(asset_store *st, const asset_batch *b);
/* Commits (ok != 0) or rolls back, fills the report counts and frees st. */
int isms__store_finish(asset_store *st, int ok, isms_import_report *rep);

#endif
