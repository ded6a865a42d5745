/*
** chain.c -- tamper evidence: the register's rows and change batches as
** one hash chain (docs/tamper-evidence.md).
**
** Every row of every register table has a digest: SHA-256 over the
** table's name and the row's values. Each table keeps the number of its
** rows and the sum (mod 2^256) of their digests in chain_tables, so that a
** change of one row moves its table's sum by new digest - old digest,
** with no need to read the other rows. A preupdate hook sees every
** INSERT, UPDATE and DELETE of the connection (triggers' and REPLACE's
** included; with a preupdate hook installed SQLite does not take its
** truncate shortcut for DELETE without WHERE) and moves the sums in
** memory; at commit (isms__commit) the write is settled: the touched
** rows' fingerprints go to chain_rows, the sums to chain_tables, and one
** link is appended to chain_links whose hash covers the previous link,
** the rows this write touched (the change batch, its change_log rows and
** the records, as they are after it) and the digest of every table's sum.
** A commit with unsettled changes is refused by the commit hook, so a
** write path that forgets to settle fails instead of leaving a gap.
**
** isms_verify recomputes every row's digest, each table's sum against
** chain_tables, chain_tables against the head link and every link against
** its predecessor; where a table's sum is off it names the rows, through
** the fingerprints in chain_rows (inserted, edited, deleted).
*/
/* The preupdate interface is declared only when asked for; Debian's
** SQLite is built with it (install-deps.sh checks PRAGMA compile_options). */
#define SQLITE_ENABLE_PREUPDATE_HOOK 1

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "isms_internal.h"

enum { DIGEST = 32, MAXPK = 16 };

/* The chain's own tables: never hashed into themselves. */
static int chain_own(const char *name) {
  return strcmp(name, "chain_tables") == 0 || strcmp(name, "chain_rows") == 0 ||
         strcmp(name, "chain_links") == 0;
}

/* =========================================================== the registry */

typedef struct ctable {
  char *name;
  char *sql;           /* its CREATE statement: a change means re-hash it */
  int id;              /* chain_tables.id */
  int rowid;           /* 1: a rowid table (the key is the rowid) */
  int ipk;             /* the INTEGER PRIMARY KEY column, or -1 */
  int npk, pk[MAXPK];  /* WITHOUT ROWID: the primary key's columns, in key order */
  int ncols;
  char **cols;
  unsigned char *dflt;         /* per column: 1 = it has a non-NULL DEFAULT */
  int touched, rescan, seen;
  struct feed *feed;            /* this write's rows come from a feed (isms__chain_feed) */
  int64_t nrows;                /* rows at the last settle (chain_tables) */
  int64_t txops;                /* rows this write has changed so far */
  int64_t drows;                /* rows added in this write */
  uint64_t dsum[4];             /* sum of digests added (mod 2^256) in this write */
} ctable;

typedef struct pend {
  uint32_t t;          /* registry index */
  uint8_t del;         /* 1: the row is gone */
  uint8_t ktype;       /* 'i' integer key in ival; 't' text, 'b' blob at koff */
  uint32_t klen;
  int64_t ival;
  size_t koff;
  int64_t fp;          /* first 8 bytes of the digest */
} pend;

struct isms__chain {
  int ready, settling, broken;
  int loaded;                  /* the registry is read (isms__chain_begin) */
  int txn_schema, txn_user;    /* schema_version and user_version at isms__begin */
  int schema;                  /* PRAGMA schema_version the registry was read at */
  ctable *t;
  int nt;
  int last;                    /* registry index the hook used last */
  char **unknown;              /* tables written that the registry lacks */
  int nunknown;
  EVP_MD_CTX *md;
  EVP_MD *sha;                 /* SHA-256, fetched once: an implicit fetch per
                               ** row (EVP_sha256()) costs a lock and a lookup */
  unsigned char *buf;          /* a row's canonical bytes */
  size_t nbuf, capbuf;
  unsigned char *kbuf;         /* a key's canonical bytes */
  size_t nkbuf, capkbuf;
  pend *p;
  size_t np, capp;
  unsigned char *keys;         /* text and blob keys of the pending rows */
  size_t nkeys, capkeys;
  sqlite3_stmt *st_get, *st_put, *st_del;  /* one bucket of chain_rows */
  struct bucket *bk;           /* the bucket being rewritten at settle */
  unsigned char *obuf;         /* a bucket's blob being written */
  size_t capobuf;
  struct feed *feeds[4];       /* this write's feeds */
  int nfeeds;
  int strict;                  /* ISMS_CHAIN_STRICT: the hook checks every fed row */
};

static void feed_free(struct feed *f);

static void table_free(ctable *t) {
  free(t->name);
  free(t->sql);
  for (int c = 0; c < t->ncols; c++) free(t->cols[c]);
  free(t->cols);
  free(t->dflt);
}

static void registry_free(isms__chain *ch) {
  for (int k = 0; k < ch->nt; k++) table_free(&ch->t[k]);
  free(ch->t);
  ch->t = NULL;
  ch->nt = 0;
  ch->last = -1;
}

static void unknown_clear(isms__chain *ch) {
  for (int k = 0; k < ch->nunknown; k++) free(ch->unknown[k]);
  free(ch->unknown);
  ch->unknown = NULL;
  ch->nunknown = 0;
}

/* Forgets what the current write did (rollback, or settled). */
static void pending_clear(isms__chain *ch) {
  for (int k = 0; k < ch->nfeeds; k++) feed_free(ch->feeds[k]);
  ch->nfeeds = 0;
  ch->np = 0;
  ch->nkeys = 0;
  ch->broken = 0;
  for (int k = 0; k < ch->nt; k++) {
    ctable *t = &ch->t[k];
    t->touched = t->rescan = 0;
    t->feed = NULL;
    t->drows = t->txops = 0;
    memset(t->dsum, 0, sizeof t->dsum);
  }
  unknown_clear(ch);
}

struct bucket;
static void bucket_free(struct bucket *bk);

void isms__chain_free(isms_db *db) {
  isms__chain *ch = db->chain;
  if (!ch) return;
  /* A register closed inside a write rolls back in sqlite3_close: the
  ** hooks must not see the state freed here; a feed's worker is joined. */
  if (db->sql) {
    sqlite3_preupdate_hook(db->sql, NULL, NULL);
    sqlite3_commit_hook(db->sql, NULL, NULL);
    sqlite3_rollback_hook(db->sql, NULL, NULL);
  }
  for (int k = 0; k < ch->nfeeds; k++) feed_free(ch->feeds[k]);
  ch->nfeeds = 0;
  unknown_clear(ch);
  registry_free(ch);
  sqlite3_finalize(ch->st_get);
  sqlite3_finalize(ch->st_put);
  sqlite3_finalize(ch->st_del);
  bucket_free(ch->bk);
  free(ch->obuf);
  EVP_MD_CTX_free(ch->md);
  EVP_MD_free(ch->sha);
  free(ch->buf);
  free(ch->kbuf);
  free(ch->p);
  free(ch->keys);
  free(ch);
  db->chain = NULL;
}

static char *dup(const char *s) {
  if (!s) s = "";
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static int find_table(const isms__chain *ch, const char *name) {
  for (int k = 0; k < ch->nt; k++)
    if (strcmp(ch->t[k].name, name) == 0) return k;
  return -1;
}

/* Columns, primary key and kind of one table, into t (name and sql set). */
static int describe(sqlite3 *s, ctable *t) {
  sqlite3_stmt *q;
  t->ipk = -1;
  if (sqlite3_prepare_v2(s, "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1",
                         -1, &q, NULL) != SQLITE_OK)
    return ISMS_STORAGE;
  sqlite3_bind_text(q, 1, t->name, -1, SQLITE_STATIC);
  t->rowid = sqlite3_step(q) == SQLITE_ROW ? !sqlite3_column_int(q, 0) : 1;
  sqlite3_finalize(q);
  if (sqlite3_prepare_v2(s, "SELECT name, type, pk, dflt_value IS NOT NULL AND"
                            " upper(dflt_value) <> 'NULL' FROM pragma_table_info(?1) ORDER BY cid", -1,
                         &q, NULL) != SQLITE_OK)
    return ISMS_STORAGE;
  sqlite3_bind_text(q, 1, t->name, -1, SQLITE_STATIC);
  int cap = 0, rc = ISMS_OK, pks = 0, pkcol = -1;
  while (sqlite3_step(q) == SQLITE_ROW) {
    if (t->ncols == cap) {
      cap = cap ? 2 * cap : 16;
      char **c = realloc(t->cols, (size_t)cap * sizeof *c);
      if (c) t->cols = c;
      unsigned char *d = c ? realloc(t->dflt, (size_t)cap) : NULL;
      if (d) t->dflt = d;
      if (!c || !d) { rc = ISMS_NOMEM; break; }
    }
    t->dflt[t->ncols] = (unsigned char)sqlite3_column_int(q, 3);
    int col = t->ncols;
    if (!(t->cols[col] = dup((const char *)sqlite3_column_text(q, 0)))) { rc = ISMS_NOMEM; break; }
    t->ncols++;
    int pk = sqlite3_column_int(q, 2);
    if (pk > 0) {
      pks++;
      pkcol = col;
      if (pk <= MAXPK) t->pk[pk - 1] = col;
      if (pk > t->npk) t->npk = pk;
    }
    const char *type = (const char *)sqlite3_column_text(q, 1);
    if (pk == 1 && type && sqlite3_stricmp(type, "INTEGER") == 0) t->ipk = col;
  }
  sqlite3_finalize(q);
  if (rc) return rc;
  if (!t->rowid && (t->npk < 1 || t->npk > MAXPK)) return ISMS_SCHEMA;
  /* Only a single-column INTEGER PRIMARY KEY is the rowid itself. */
  if (!t->rowid || pks != 1) t->ipk = -1;
  (void)pkcol;
  return ISMS_OK;
}

/* SHA-256 from libcrypto, fetched when the registry is first read (the
** first write, genesis, verify), before anything is hashed: the fetch
** initialises OpenSSL and reads its configuration, about 1 ms of every
** command's start-up that a command which only reads never needs. */
static int crypto_ready(isms__chain *ch) {
  if (!ch->md && !(ch->md = EVP_MD_CTX_new())) return 0;
  if (!ch->sha && !(ch->sha = EVP_MD_fetch(NULL, "SHA256", NULL))) return 0;
  return 1;
}

/* Reads the register's tables (all but SQLite's and the chain's own) and
** their chain ids into a new registry. */
static int registry_load(isms_db *db) {
  isms__chain *ch = db->chain;
  sqlite3_stmt *q;
  if (!crypto_ready(ch)) return isms__fail(db, ISMS_NOMEM, "out of memory");
  registry_free(ch);
  const char *sql =
      "SELECT m.name, m.sql, c.id, c.rows FROM sqlite_master m"
      " LEFT JOIN chain_tables c ON c.name = m.name"
      " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
      " AND m.name NOT IN ('chain_tables', 'chain_rows', 'chain_links') ORDER BY m.name";
  if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading the register's tables");
  int cap = 0, rc = ISMS_OK;
  while (sqlite3_step(q) == SQLITE_ROW) {
    if (ch->nt == cap) {
      cap = cap ? 2 * cap : 64;
      ctable *n = realloc(ch->t, (size_t)cap * sizeof *n);
      if (!n) { rc = ISMS_NOMEM; break; }
      ch->t = n;
    }
    ctable *t = &ch->t[ch->nt];
    memset(t, 0, sizeof *t);
    ch->nt++;
    t->name = dup((const char *)sqlite3_column_text(q, 0));
    t->sql = dup((const char *)sqlite3_column_text(q, 1));
    t->id = sqlite3_column_type(q, 2) == SQLITE_NULL ? 0 : sqlite3_column_int(q, 2);
    t->nrows = sqlite3_column_int64(q, 3);
    if (!t->name || !t->sql) { rc = ISMS_NOMEM; break; }
  }
  sqlite3_finalize(q);
  for (int k = 0; !rc && k < ch->nt; k++) rc = describe(db->sql, &ch->t[k]);
  if (rc == ISMS_NOMEM) return isms__fail(db, rc, "out of memory reading the register's tables");
  if (rc) return isms__fail(db, rc, "cannot describe the register's tables for the hash chain");
  return ISMS_OK;
}

/* ====================================================== canonical rows */

static int grow(unsigned char **b, size_t *cap, size_t need) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 256;
  while (c < need) c *= 2;
  unsigned char *n = realloc(*b, c);
  if (!n) return -1;
  *b = n;
  *cap = c;
  return 0;
}

static void put64(unsigned char *p, uint64_t v) {
  for (int k = 0; k < 8; k++) p[k] = (unsigned char)(v >> (8 * k));
}

/* Appends one value: a type tag and its bytes. An integral real is
** written as the integer: SQLite stores 3.0 in a REAL column as the
** integer 3 and reads it back as 3.0, so the two must hash alike. */
static int put_typed(unsigned char **b, size_t *n, size_t *cap, int type, int64_t i, double d,
                     const void *p, size_t len) {
  if (type == SQLITE_FLOAT) {
    if (d >= -9.2e18 && d <= 9.2e18 && d == (double)(int64_t)d) {
      type = SQLITE_INTEGER;
      i = (int64_t)d;
    } else {
      uint64_t bits;
      memcpy(&bits, &d, 8);
      if (grow(b, cap, *n + 9)) return -1;
      (*b)[(*n)++] = 'f';
      put64(*b + *n, bits);
      *n += 8;
      return 0;
    }
  }
  if (type == SQLITE_INTEGER) {
    if (grow(b, cap, *n + 9)) return -1;
    (*b)[(*n)++] = 'i';
    put64(*b + *n, (uint64_t)i);
    *n += 8;
    return 0;
  }
  if (type == SQLITE_NULL) {
    if (grow(b, cap, *n + 1)) return -1;
    (*b)[(*n)++] = 'n';
    return 0;
  }
  if (grow(b, cap, *n + 5 + len)) return -1;
  (*b)[(*n)++] = type == SQLITE_TEXT ? 't' : 'b';
  for (int k = 0; k < 4; k++) (*b)[(*n)++] = (unsigned char)(len >> (8 * k));
  if (len) memcpy(*b + *n, p, len);
  *n += len;
  return 0;
}

static int put_value(unsigned char **b, size_t *n, size_t *cap, sqlite3_value *v) {
  int type = v ? sqlite3_value_type(v) : SQLITE_NULL;
  switch (type) {
  case SQLITE_INTEGER: return put_typed(b, n, cap, type, sqlite3_value_int64(v), 0, NULL, 0);
  case SQLITE_FLOAT: return put_typed(b, n, cap, type, 0, sqlite3_value_double(v), NULL, 0);
  case SQLITE_NULL: return put_typed(b, n, cap, type, 0, 0, NULL, 0);
  default: {
    const void *p = type == SQLITE_TEXT ? (const void *)sqlite3_value_text(v) : sqlite3_value_blob(v);
    return put_typed(b, n, cap, type, 0, 0, p, (size_t)sqlite3_value_bytes(v));
  }
  }
}

/* The same from a value a writer holds (isms__val). */
static int put_val(unsigned char **b, size_t *n, size_t *cap, const isms__val *v) {
  return put_typed(b, n, cap, v ? v->type : SQLITE_NULL, v ? v->i : 0, v ? v->d : 0,
                   v ? v->p : NULL, v ? v->n : 0);
}

/* A key of one value, as the chain keeps it: an integer as it is ('i',
** in *ival), a text's bytes ('t'), any other the value's canonical bytes
** ('b'); the bytes into *kb (*n of them, 0 for 'i'). value_key takes it
** from SQLite, val_key from a writer's value. */
static int value_key(sqlite3_value *v, unsigned char **kb, size_t *n, size_t *cap,
                     uint8_t *ktype, int64_t *ival) {
  int type = v ? sqlite3_value_type(v) : SQLITE_NULL;
  *n = 0;
  if (type == SQLITE_INTEGER) {
    *ktype = 'i';
    *ival = sqlite3_value_int64(v);
    return 0;
  }
  if (type == SQLITE_TEXT) {
    const unsigned char *text = sqlite3_value_text(v);
    size_t len = (size_t)sqlite3_value_bytes(v);
    if (grow(kb, cap, len + 1)) return -1;
    if (len) memcpy(*kb, text, len);
    *n = len;
    *ktype = 't';
    return 0;
  }
  *ktype = 'b';
  return put_value(kb, n, cap, v);
}

static int val_key(const isms__val *v, unsigned char **kb, size_t *n, size_t *cap,
                   uint8_t *ktype, int64_t *ival) {
  *n = 0;
  if (v->type == SQLITE_INTEGER) {
    *ktype = 'i';
    *ival = v->i;
    return 0;
  }
  if (v->type == SQLITE_TEXT) {
    if (grow(kb, cap, v->n + 1)) return -1;
    if (v->n) memcpy(*kb, v->p, v->n);
    *n = v->n;
    *ktype = 't';
    return 0;
  }
  *ktype = 'b';
  return put_val(kb, n, cap, v);
}

/* The same from a statement's column. sqlite3_column_value hands over the
** statement's own value (flagged ephemeral, not copied): one call per
** column where sqlite3_column_type, _text and _bytes each look the column
** up again (a quarter less time on the reading thread for a table hashed
** whole, measured on 1M assets). */
static int put_column(unsigned char **b, size_t *n, size_t *cap, sqlite3_stmt *st, int col) {
  return put_value(b, n, cap, sqlite3_column_value(st, col));
}

static void put_int(unsigned char **b, size_t *n, int64_t v) {
  (*b)[(*n)++] = 'i';
  put64(*b + *n, (uint64_t)v);
  *n += 8;
}

/* Where a row's values come from: the old or new side of the preupdate
** hook, or a statement's columns (offset by one for the rowid). */
typedef struct source {
  sqlite3 *s;
  sqlite3_stmt *st;   /* NULL: the preupdate hook */
  int old;            /* hook: 1 = old values */
  int off;            /* statement: first value column */
} source;

static sqlite3_value *value_at(const source *src, int col) {
  sqlite3_value *v = NULL;
  if (src->st) return sqlite3_column_value(src->st, src->off + col);
  if (src->old)
    sqlite3_preupdate_old(src->s, col, &v);
  else
    sqlite3_preupdate_new(src->s, col, &v);
  return v;
}

/* A row's canonical bytes (name, rowid, values) appended to *b. ncols is
** the row's column count (the hook's may differ from the registry's while
** a migration alters a table; such a table is re-hashed at settle). */
static int row_bytes(const ctable *t, const source *src, int ncols, int64_t rowid,
                     unsigned char **b, size_t *n, size_t *cap) {
  size_t nl = strlen(t->name);
  if (grow(b, cap, *n + nl + 1 + 9)) return -1;
  memcpy(*b + *n, t->name, nl + 1);
  *n += nl + 1;
  if (t->rowid) put_int(b, n, rowid);
  for (int c = 0; c < ncols; c++) {
    if (c == t->ipk) {
      if (grow(b, cap, *n + 9)) return -1;
      put_int(b, n, rowid);
    } else if (src->st ? put_column(b, n, cap, src->st, src->off + c)
                       : put_value(b, n, cap, value_at(src, c))) {
      return -1;
    }
  }
  return 0;
}

static int sha256(EVP_MD_CTX *ctx, const EVP_MD *sha, const void *p, size_t n,
                  unsigned char md[DIGEST]) {
  unsigned len = 0;
  return EVP_DigestInit_ex2(ctx, sha, NULL) && EVP_DigestUpdate(ctx, p, n) &&
                 EVP_DigestFinal_ex(ctx, md, &len)
             ? 0
             : -1;
}

/* The row's digest: SHA-256 of its canonical bytes (row_bytes'). A long
** text or blob goes to the hash from where SQLite holds it, not copied
** first: a re-valuation's change set is a row of tens of megabytes. */
enum { STREAM_MIN = 4096 };

static int row_digest(isms__chain *ch, const ctable *t, const source *src, int ncols,
                      int64_t rowid, unsigned char md[DIGEST]) {
  size_t nl = strlen(t->name);
  ch->nbuf = 0;
  if (!EVP_DigestInit_ex2(ch->md, ch->sha, NULL) || grow(&ch->buf, &ch->capbuf, nl + 1 + 9))
    return -1;
  memcpy(ch->buf, t->name, nl + 1);
  ch->nbuf = nl + 1;
  if (t->rowid) put_int(&ch->buf, &ch->nbuf, rowid);
  for (int c = 0; c < ncols; c++) {
    if (c == t->ipk) {
      if (grow(&ch->buf, &ch->capbuf, ch->nbuf + 9)) return -1;
      put_int(&ch->buf, &ch->nbuf, rowid);
      continue;
    }
    sqlite3_value *v = value_at(src, c);
    int type = v ? sqlite3_value_type(v) : SQLITE_NULL;
    if ((type == SQLITE_TEXT || type == SQLITE_BLOB) && sqlite3_value_bytes(v) >= STREAM_MIN) {
      const void *p = type == SQLITE_TEXT ? (const void *)sqlite3_value_text(v) : sqlite3_value_blob(v);
      size_t len = (size_t)sqlite3_value_bytes(v);
      if (grow(&ch->buf, &ch->capbuf, ch->nbuf + 5)) return -1;
      ch->buf[ch->nbuf++] = type == SQLITE_TEXT ? 't' : 'b';
      for (int k = 0; k < 4; k++) ch->buf[ch->nbuf++] = (unsigned char)(len >> (8 * k));
      if (!EVP_DigestUpdate(ch->md, ch->buf, ch->nbuf) || !EVP_DigestUpdate(ch->md, p, len))
        return -1;
      ch->nbuf = 0;
    } else if (put_value(&ch->buf, &ch->nbuf, &ch->capbuf, v)) {
      return -1;
    }
  }
  unsigned len = 0;
  return EVP_DigestUpdate(ch->md, ch->buf, ch->nbuf) && EVP_DigestFinal_ex(ch->md, md, &len)
             ? 0 : -1;
}

/* A WITHOUT ROWID row's key: its one primary-key value as it is ('i' or
** 't'), or the canonical bytes of all of them ('b'). Into ch->kbuf. */
static int row_key(isms__chain *ch, const ctable *t, const source *src, uint8_t *ktype,
                   int64_t *ival) {
  if (t->npk == 1)
    return value_key(value_at(src, t->pk[0]), &ch->kbuf, &ch->nkbuf, &ch->capkbuf, ktype, ival);
  ch->nkbuf = 0;
  for (int k = 0; k < t->npk; k++)
    if (put_value(&ch->kbuf, &ch->nkbuf, &ch->capkbuf, value_at(src, t->pk[k]))) return -1;
  *ktype = 'b';
  return 0;
}

static int64_t fingerprint(const unsigned char md[DIGEST]) {
  uint64_t v = 0;
  for (int k = 0; k < 8; k++) v |= (uint64_t)md[k] << (8 * k);
  return (int64_t)v;
}

static void sum_add(uint64_t s[4], const unsigned char md[DIGEST]) {
  unsigned __int128 carry = 0;
  for (int w = 0; w < 4; w++) {
    uint64_t x = 0;
    for (int k = 0; k < 8; k++) x |= (uint64_t)md[8 * w + k] << (8 * k);
    carry += (unsigned __int128)s[w] + x;
    s[w] = (uint64_t)carry;
    carry >>= 64;
  }
}

static void sum_sub(uint64_t s[4], const unsigned char md[DIGEST]) {
  uint64_t borrow = 0;
  for (int w = 0; w < 4; w++) {
    uint64_t x = 0;
    for (int k = 0; k < 8; k++) x |= (uint64_t)md[8 * w + k] << (8 * k);
    uint64_t r = s[w] - x - borrow;
    borrow = (s[w] < x || (s[w] == x && borrow)) ? 1 : 0;
    s[w] = r;
  }
}

static void sum_to_bytes(const uint64_t s[4], unsigned char out[DIGEST]) {
  for (int w = 0; w < 4; w++) put64(out + 8 * w, s[w]);
}

static void sum_from_bytes(uint64_t s[4], const void *blob, int n) {
  memset(s, 0, 4 * sizeof *s);
  if (n != DIGEST) return;
  const unsigned char *b = blob;
  for (int w = 0; w < 4; w++) {
    s[w] = 0;
    for (int k = 0; k < 8; k++) s[w] |= (uint64_t)b[8 * w + k] << (8 * k);
  }
}

/* ================================================================ hook */

static int pend_push(isms__chain *ch, int t, int del, uint8_t ktype, int64_t ival,
                     const unsigned char *key, size_t klen, int64_t fp) {
  if (ch->np == ch->capp) {
    size_t c = ch->capp ? 2 * ch->capp : 1024;
    pend *n = realloc(ch->p, c * sizeof *n);
    if (!n) return -1;
    ch->p = n;
    ch->capp = c;
  }
  pend *e = &ch->p[ch->np];
  e->t = (uint32_t)t;
  e->del = (uint8_t)del;
  e->ktype = ktype;
  e->ival = ival;
  e->klen = (uint32_t)klen;
  e->koff = ch->nkeys;
  e->fp = fp;
  if (ktype != 'i') {
    if (grow(&ch->keys, &ch->capkeys, ch->nkeys + klen)) return -1;
    if (klen) memcpy(ch->keys + ch->nkeys, key, klen);
    ch->nkeys += klen;
  }
  ch->np++;
  return 0;
}

static void note_unknown(isms__chain *ch, const char *name) {
  for (int k = 0; k < ch->nunknown; k++)
    if (strcmp(ch->unknown[k], name) == 0) return;
  char **n = realloc(ch->unknown, (size_t)(ch->nunknown + 1) * sizeof *n);
  char *d = dup(name);
  if (!n || !d) {
    free(d);
    if (n) ch->unknown = n;
    ch->broken = 1;
    return;
  }
  ch->unknown = n;
  ch->unknown[ch->nunknown++] = d;
}

enum { BULK_MIN = 20000 };

/* ---------------------------------------------------------------- feeds
** A bulk writer that holds every row's values as it writes them (an
** import into an empty table, the change log of a re-valuation) gives
** them to the chain as well (isms__chain_feed_row): their digests are
** computed from those values, on a second thread, instead of reading the
** table again at settle. The hook only counts the table's INSERTs (and,
** for a rowid table, checks that each gets the rowid the feed gave it)
** and hashes the first FEED_CHECK rows itself (every row under
** ISMS_CHAIN_STRICT); at settle the feed is used only if it covered
** exactly the rows written and agrees with the hook on those. Anything
** else (an UPDATE or DELETE of the table, a row more or less, a digest
** that differs) falls back to hashing the table whole, so a feed can make
** a write faster but never changes what the chain holds. */
enum { FEED_CHECK = 64, FEED_INLINE = 8192, MAXFEEDS = 4 };

struct hasher;
typedef struct feed {
  int t;                       /* registry index, -1 when its table is gone */
  int *map;                    /* per table column: its fed value, or -1 (NULL) */
  int64_t first_rowid;         /* rowid tables: the first fed row's rowid */
  int64_t rows, seen;          /* rows fed; INSERTs the hook saw */
  int spoiled;                 /* the table is hashed whole instead */
  int rewrite;                 /* the rows are every row of the table after the write
                               ** (isms__chain_rewrite), not rows added to it */
  uint64_t sum[4];             /* digests of the rows hashed on this thread */
  uint64_t check_feed[4], check_hook[4];
  struct hasher *h;
  pthread_t worker;
  int k, acquire;
  int64_t seq;
  /* The fingerprints, as the worker (or this thread, for the first rows)
  ** hashes them: integer keys in feed order, the others straight into
  ** their buckets' blobs (keys are unique: the table was empty). */
  int64_t *ikey, *ifp;
  size_t ni, capi;
  struct hblob *hb;
  struct snapshot *snap;       /* a rewrite given only its set columns (below) */
} feed;

/* The hook's part for a fed table; 1: the row is dealt with. */
static int feed_hook(isms__chain *ch, ctable *t, sqlite3 *s, int op, int64_t k2) {
  feed *f = t->feed;
  if (f->spoiled) return 0;
  /* A rewrite's own UPDATE runs with the hook paused (isms__chain_pause):
  ** any write of its table the hook sees is another one. */
  if (f->rewrite || op != SQLITE_INSERT || (t->rowid && k2 != f->first_rowid + f->seen)) {
    f->spoiled = 1;
    t->rescan = 1;
    return 1;
  }
  if (ch->strict || f->seen < FEED_CHECK) {
    unsigned char md[DIGEST];
    source src = {s, NULL, 0, 0};
    if (row_digest(ch, t, &src, sqlite3_preupdate_count(s), k2, md)) {
      ch->broken = 1;
      return 1;
    }
    sum_add(f->check_hook, md);
  }
  f->seen++;
  return 1;
}

static void on_preupdate(void *arg, sqlite3 *s, int op, const char *zdb, const char *zname,
                         sqlite3_int64 k1, sqlite3_int64 k2) {
  isms__chain *ch = arg;
  if (ch->settling || strcmp(zdb, "main") != 0) return;
  int ti = ch->last;
  if (ti < 0 || strcmp(ch->t[ti].name, zname) != 0) {
    ti = find_table(ch, zname);
    if (ti < 0) {
      if (!chain_own(zname)) note_unknown(ch, zname);
      return;
    }
    ch->last = ti;
  }
  ctable *t = &ch->t[ti];
  t->touched = 1;
  if (t->feed && feed_hook(ch, t, s, op, k2)) return;
  if (t->rescan) return;  /* hashed whole at settle */
  /* A write that changes a large part of a table (an import, a
  ** re-valuation, risks generate or score) has the table hashed whole at
  ** settle instead: one read in key order costs less than the hook's work
  ** per row, and the rows need not be kept until then. */
  if (++t->txops > BULK_MIN && t->txops > t->nrows / 4) {
    t->rescan = 1;
    return;
  }
  int ncols = sqlite3_preupdate_count(s);
  unsigned char md[DIGEST];
  uint8_t ktype = 'i';
  int64_t ival = 0;
  if (op == SQLITE_DELETE || op == SQLITE_UPDATE) {
    source src = {s, NULL, 1, 0};
    if (row_digest(ch, t, &src, ncols, k1, md)) goto broken;
    sum_sub(t->dsum, md);
    t->drows--;
    if (op == SQLITE_DELETE) {
      if (t->rowid) ival = k1;
      else if (row_key(ch, t, &src, &ktype, &ival)) goto broken;
      if (pend_push(ch, ti, 1, ktype, ival, ch->kbuf, ch->nkbuf, 0)) goto broken;
      return;
    }
    /* An UPDATE that moves the key leaves no row at the old key. */
    if (t->rowid) {
      if (k1 != k2 && pend_push(ch, ti, 1, 'i', k1, NULL, 0, 0)) goto broken;
    } else {
      if (row_key(ch, t, &src, &ktype, &ival)) goto broken;
      uint8_t ot = ktype;
      int64_t oi = ival;
      size_t on = ch->nkbuf;
      unsigned char *ok = NULL;
      if (on) {
        if (!(ok = malloc(on))) goto broken;
        memcpy(ok, ch->kbuf, on);
      }
      source nsrc = {s, NULL, 0, 0};
      int moved = 0;
      if (row_key(ch, t, &nsrc, &ktype, &ival)) {
        free(ok);
        goto broken;
      }
      moved = ot != ktype || (ot == 'i' ? oi != ival
                                        : on != ch->nkbuf || (on && memcmp(ok, ch->kbuf, on)));
      int bad = moved && pend_push(ch, ti, 1, ot, oi, ok, on, 0);
      free(ok);
      if (bad) goto broken;
    }
  }
  {
    source src = {s, NULL, 0, 0};
    if (row_digest(ch, t, &src, ncols, k2, md)) goto broken;
    sum_add(t->dsum, md);
    t->drows++;
    if (t->rowid) {
      ktype = 'i';
      ival = k2;
      ch->nkbuf = 0;
    } else if (row_key(ch, t, &src, &ktype, &ival)) {
      goto broken;
    }
    if (pend_push(ch, ti, 0, ktype, ival, ch->kbuf, ch->nkbuf, fingerprint(md))) goto broken;
  }
  return;
broken:
  ch->broken = 1;  /* settle refuses the commit */
}

/* A commit with changes that were never settled (a write path that did
** not go through isms__commit) is turned into a rollback. */
static int on_commit(void *arg) {
  isms__chain *ch = arg;
  if (ch->settling) return 0;
  return ch->np || ch->nunknown || ch->broken;
}

static void on_rollback(void *arg) { pending_clear(arg); }

/* ============================================================== settling */

static int prepare(isms_db *db, sqlite3_stmt **st, const char *sql) {
  if (*st) return ISMS_OK;
  if (sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "writing the hash chain");
  return ISMS_OK;
}

static int step_done(isms_db *db, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, what);
}

/* ------------------------------------------------ fingerprint buckets
** chain_rows holds the fingerprints in buckets: one row per table and
** bucket, its blob the bucket's entries. An integer key k (a rowid, or a
** WITHOUT ROWID table's one integer key) is in bucket k >> 8 (an integer),
** an entry of 9 bytes: k's low byte and the fingerprint. Any other key is
** in bucket FNV-1a(type, key bytes) mod 4096, bound as 2 bytes big-endian
** (a blob: apart from the integer buckets), an entry of its type, its
** length (4 bytes), its bytes and the fingerprint. Integers little-endian. */
enum { BUCKET_SHIFT = 8, BUCKET_SLOTS = 1 << BUCKET_SHIFT, HASH_BUCKETS = 4096 };

static uint64_t get64(const unsigned char *p) {
  uint64_t v = 0;
  for (int k = 0; k < 8; k++) v |= (uint64_t)p[k] << (8 * k);
  return v;
}

static int64_t key_bucket(uint8_t ktype, const unsigned char *k, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  h = (h ^ ktype) * 1099511628211ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ k[i]) * 1099511628211ULL;
  return (int64_t)(h % HASH_BUCKETS);
}

static int64_t int_bucket(int64_t k) { return k >> BUCKET_SHIFT; /* floor, as gcc shifts */ }

static void bind_bucket(sqlite3_stmt *st, int col, int hashed, int64_t b) {
  if (!hashed) {
    sqlite3_bind_int64(st, col, b);
    return;
  }
  unsigned char x[2] = {(unsigned char)(b >> 8), (unsigned char)b};
  sqlite3_bind_blob(st, col, x, 2, SQLITE_TRANSIENT);
}

typedef struct bentry {
  uint8_t ktype;
  uint32_t klen;
  int64_t ival;
  const unsigned char *key;  /* hashed: into the blob */
  size_t koff;               /* hashed, in a bucket being rewritten: into its kb */
  int64_t fp;
} bentry;

/* The next entry of a bucket's blob at *at; 0 at its end (or where it is cut). */
static int bucket_next(int hashed, int64_t b, const unsigned char *p, size_t n, size_t *at,
                       bentry *e) {
  if (!hashed) {
    if (*at + 9 > n) return 0;
    e->ktype = 'i';
    e->klen = 0;
    e->key = NULL;
    e->ival = (int64_t)(((uint64_t)b << BUCKET_SHIFT) | p[*at]);
    e->fp = (int64_t)get64(p + *at + 1);
    *at += 9;
    return 1;
  }
  if (*at + 5 > n) return 0;
  uint32_t len = 0;
  for (int k = 0; k < 4; k++) len |= (uint32_t)p[*at + 1 + k] << (8 * k);
  if (len > n - *at - 5 || n - *at - 5 - len < 8) return 0;
  e->ktype = p[*at];
  e->ival = 0;
  e->klen = len;
  e->key = p + *at + 5;
  e->fp = (int64_t)get64(p + *at + 5 + len);
  *at += 5 + (size_t)len + 8;
  return 1;
}

typedef struct bucket {
  int hashed;
  int64_t b;
  int64_t fp[BUCKET_SLOTS];     /* integer bucket: by the key's low byte */
  uint8_t has[BUCKET_SLOTS];
  bentry *e;                    /* hashed bucket: its entries, keys in kb */
  size_t ne, cape;
  unsigned char *kb;
  size_t nkb, capkb;
} bucket;

static void bucket_free(bucket *bk) {
  if (!bk) return;
  free(bk->e);
  free(bk->kb);
  free(bk);
}

static void bucket_start(bucket *bk, int hashed, int64_t b) {
  bk->hashed = hashed;
  bk->b = b;
  bk->ne = bk->nkb = 0;
  if (!hashed) memset(bk->has, 0, sizeof bk->has);
}

static int bucket_set(bucket *bk, uint8_t ktype, int64_t ival, const unsigned char *key,
                      size_t klen, int64_t fp, int del) {
  if (!bk->hashed) {
    unsigned lo = (unsigned)((uint64_t)ival & (BUCKET_SLOTS - 1));
    bk->has[lo] = (uint8_t)!del;
    bk->fp[lo] = fp;
    return 0;
  }
  for (size_t k = 0; k < bk->ne; k++) {
    bentry *e = &bk->e[k];
    if (e->ktype != ktype || e->klen != klen || (klen && memcmp(bk->kb + e->koff, key, klen)))
      continue;
    if (del) {
      memmove(e, e + 1, (bk->ne - k - 1) * sizeof *e);
      bk->ne--;
    } else {
      e->fp = fp;
    }
    return 0;
  }
  if (del) return 0;
  if (bk->ne == bk->cape) {
    size_t c = bk->cape ? 2 * bk->cape : 64;
    bentry *n = realloc(bk->e, c * sizeof *n);
    if (!n) return -1;
    bk->e = n;
    bk->cape = c;
  }
  if (grow(&bk->kb, &bk->capkb, bk->nkb + klen + 1)) return -1;
  bentry *e = &bk->e[bk->ne++];
  e->ktype = ktype;
  e->klen = (uint32_t)klen;
  e->koff = bk->nkb;
  e->fp = fp;
  if (klen) memcpy(bk->kb + bk->nkb, key, klen);
  bk->nkb += klen;
  return 0;
}

static int bucket_load(bucket *bk, const unsigned char *p, size_t n) {
  size_t at = 0;
  bentry e;
  while (bucket_next(bk->hashed, bk->b, p, n, &at, &e))
    if (bucket_set(bk, e.ktype, e.ival, e.key, e.klen, e.fp, 0)) return -1;
  return 0;
}

/* The bucket's blob, into ch->obuf; its length. */
static int bucket_encode(isms__chain *ch, const bucket *bk, size_t *out) {
  size_t n = 0;
  if (!bk->hashed) {
    if (grow(&ch->obuf, &ch->capobuf, 9 * BUCKET_SLOTS)) return -1;
    for (unsigned lo = 0; lo < BUCKET_SLOTS; lo++) {
      if (!bk->has[lo]) continue;
      ch->obuf[n] = (unsigned char)lo;
      put64(ch->obuf + n + 1, (uint64_t)bk->fp[lo]);
      n += 9;
    }
  } else {
    for (size_t k = 0; k < bk->ne; k++) {
      const bentry *e = &bk->e[k];
      if (grow(&ch->obuf, &ch->capobuf, n + 13 + e->klen)) return -1;
      ch->obuf[n] = e->ktype;
      for (int j = 0; j < 4; j++) ch->obuf[n + 1 + j] = (unsigned char)(e->klen >> (8 * j));
      if (e->klen) memcpy(ch->obuf + n + 5, bk->kb + e->koff, e->klen);
      put64(ch->obuf + n + 5 + e->klen, (uint64_t)e->fp);
      n += 13 + e->klen;
    }
  }
  *out = n;
  return 0;
}

static int bucket_prepare(isms_db *db) {
  isms__chain *ch = db->chain;
  int rc;
  if ((rc = prepare(db, &ch->st_get,
                    "SELECT fps FROM chain_rows WHERE tbl = ?1 AND bucket = ?2")) ||
      (rc = prepare(db, &ch->st_put,
                    "INSERT OR REPLACE INTO chain_rows(tbl, bucket, fps) VALUES(?1, ?2, ?3)")) ||
      (rc = prepare(db, &ch->st_del, "DELETE FROM chain_rows WHERE tbl = ?1 AND bucket = ?2")))
    return rc;
  if (!ch->bk && !(ch->bk = calloc(1, sizeof *ch->bk)))
    return isms__fail(db, ISMS_NOMEM, "out of memory writing the hash chain");
  return ISMS_OK;
}

/* Writes one bucket's blob (n bytes at p), or removes the bucket (n = 0). */
static int bucket_write(isms_db *db, int id, int hashed, int64_t b, const unsigned char *p,
                        size_t n) {
  isms__chain *ch = db->chain;
  sqlite3_stmt *st = n ? ch->st_put : ch->st_del;
  sqlite3_bind_int(st, 1, id);
  bind_bucket(st, 2, hashed, b);
  if (n) sqlite3_bind_blob(st, 3, p, (int)n, SQLITE_STATIC);
  return step_done(db, st, "writing the hash chain");
}

typedef struct bref {
  uint32_t t;
  uint32_t hashed;
  int64_t b;
  size_t e;
} bref;

static int bref_cmp(const void *x, const void *y) {
  const bref *a = x, *b = y;
  if (a->t != b->t) return a->t < b->t ? -1 : 1;
  if (a->hashed != b->hashed) return a->hashed < b->hashed ? -1 : 1;
  if (a->b != b->b) return a->b < b->b ? -1 : 1;
  return a->e < b->e ? -1 : a->e > b->e;
}

/* Applies changes of fingerprints (n of them, keys in keys) to chain_rows:
** each bucket they touch read once, changed in their order, written once.
** skip_rescan: leave the tables hashed whole out. */
static int apply_buckets(isms_db *db, const pend *p, size_t n, const unsigned char *keys,
                         int skip_rescan) {
  isms__chain *ch = db->chain;
  int rc = bucket_prepare(db);
  if (rc || !n) return rc;
  bref *r = malloc(n * sizeof *r);
  if (!r) return isms__fail(db, ISMS_NOMEM, "out of memory writing the hash chain");
  size_t nr = 0;
  for (size_t e = 0; e < n; e++) {
    if (p[e].t == UINT32_MAX || (skip_rescan && ch->t[p[e].t].rescan)) continue;
    bref *x = &r[nr++];
    x->t = p[e].t;
    x->e = e;
    x->hashed = p[e].ktype != 'i';
    x->b = x->hashed ? key_bucket(p[e].ktype, p[e].klen ? keys + p[e].koff : NULL, p[e].klen)
                     : int_bucket(p[e].ival);
  }
  qsort(r, nr, sizeof *r, bref_cmp);
  bucket *bk = ch->bk;
  for (size_t i = 0, j; !rc && i < nr; i = j) {
    for (j = i + 1; j < nr && r[j].t == r[i].t && r[j].hashed == r[i].hashed && r[j].b == r[i].b;)
      j++;
    const ctable *t = &ch->t[r[i].t];
    bucket_start(bk, (int)r[i].hashed, r[i].b);
    sqlite3_bind_int(ch->st_get, 1, t->id);
    bind_bucket(ch->st_get, 2, bk->hashed, bk->b);
    int s = sqlite3_step(ch->st_get), bad = 0;
    if (s == SQLITE_ROW)
      bad = bucket_load(bk, sqlite3_column_blob(ch->st_get, 0),
                        (size_t)sqlite3_column_bytes(ch->st_get, 0));
    sqlite3_reset(ch->st_get);
    if (s != SQLITE_ROW && s != SQLITE_DONE) {
      rc = isms__fail_sql(db, "reading the hash chain");
      break;
    }
    for (size_t k = i; !bad && k < j; k++) {
      const pend *q = &p[r[k].e];
      bad = bucket_set(bk, q->ktype, q->ival, q->klen ? keys + q->koff : NULL, q->klen, q->fp,
                       q->del);
    }
    size_t len = 0;
    if (bad || bucket_encode(ch, bk, &len)) {
      rc = isms__fail(db, ISMS_NOMEM, "out of memory writing the hash chain");
      break;
    }
    rc = bucket_write(db, t->id, bk->hashed, bk->b, ch->obuf, len);
  }
  free(r);
  return rc;
}

/* A table's chain id, given one if it has none yet. */
static int table_id(isms_db *db, ctable *t) {
  if (t->id) return ISMS_OK;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql,
                         "INSERT INTO chain_tables(name, id, rows, sum) VALUES(?1,"
                         " (SELECT coalesce(max(id), 0) + 1 FROM chain_tables), 0, zeroblob(32))"
                         " RETURNING id",
                         -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "writing the hash chain");
  sqlite3_bind_text(q, 1, t->name, -1, SQLITE_STATIC);
  int s = sqlite3_step(q);
  if (s == SQLITE_ROW) t->id = sqlite3_column_int(q, 0);
  while (s == SQLITE_ROW) s = sqlite3_step(q);
  sqlite3_finalize(q);
  return s == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "writing the hash chain");
}

/* The statement that reads a table whole for hashing: the rowid first
** (rowid tables), then every column in order. */
static char *scan_sql(const ctable *t) {
  size_t n = strlen(t->name);
  char *sql = malloc(2 * n + 64);
  if (!sql) return NULL;
  char *q = sql + sprintf(sql, "SELECT %s* FROM main.\"", t->rowid ? "_rowid_, " : "");
  for (const char *p = t->name; *p; p++) {
    if (*p == '"') *q++ = '"';
    *q++ = *p;
  }
  strcpy(q, "\"");
  return sql;
}

/* Hashing a large table whole takes two threads: this one reads the rows
** and writes their canonical bytes into a chunk, a worker hashes the chunk
** before and adds the digests up (about a third of the work). */
enum { CHUNK_ROWS = 4096 };

typedef struct chunk {
  unsigned char *buf;
  size_t n, cap;
  size_t ends[CHUNK_ROWS];  /* where each row's bytes end */
  size_t rows;
  int full;                 /* 1: for the worker; 0: for the reader */
  /* rescan only: the rows' keys, and their fingerprints from the worker */
  int undrained;            /* hashed rows whose fingerprints are not in buckets yet */
  int64_t seq;              /* the order it was filled in */
  uint8_t kt[CHUNK_ROWS];
  int64_t kv[CHUNK_ROWS];
  size_t kends[CHUNK_ROWS];
  unsigned char *keys;
  size_t nk, capk;
  int64_t fps[CHUNK_ROWS];
} chunk;

typedef struct hasher {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  chunk c[2];
  int done, failed;
  const EVP_MD *sha;
  uint64_t sum[4];
  struct feed *feed;        /* a feed's worker keeps the fingerprints itself */
} hasher;

static int feed_drain(struct feed *f, chunk *c);

/* Hashes a chunk's rows: each digest added to sum, its fingerprint kept
** in fps (for the buckets; verify's sums do not read them). Returns
** nonzero when a digest could not be made. */
static int hash_chunk(EVP_MD_CTX *ctx, const EVP_MD *sha, uint64_t sum[4], chunk *c) {
  int failed = 0;
  size_t from = 0;
  unsigned char md[DIGEST];
  for (size_t r = 0; r < c->rows; r++) {
    if (sha256(ctx, sha, c->buf + from, c->ends[r] - from, md)) failed = 1;
    sum_add(sum, md);
    c->fps[r] = fingerprint(md);
    from = c->ends[r];
  }
  return failed;
}

/* After the worker has stopped: the chunks it left full (it stops at done
** only when the chunk it waits on is empty), hashed on this thread. */
static void hash_left(hasher *h, EVP_MD_CTX *ctx) {
  for (int j = 0; j < 2; j++) {
    chunk *c = &h->c[j];
    if (!c->full) continue;
    if (hash_chunk(ctx, h->sha, h->sum, c)) h->failed = 1;
    c->full = 0;
  }
}

static void *hash_worker(void *arg) {
  hasher *h = arg;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx) h->failed = 1;
  for (int k = 0;; k ^= 1) {
    chunk *c = &h->c[k];
    pthread_mutex_lock(&h->mu);
    while (!c->full && !h->done) pthread_cond_wait(&h->cv, &h->mu);
    int stop = !c->full;
    pthread_mutex_unlock(&h->mu);
    if (stop) break;
    if (ctx && hash_chunk(ctx, h->sha, h->sum, c)) h->failed = 1;
    if (h->feed && c->undrained && feed_drain(h->feed, c)) h->failed = 1;
    pthread_mutex_lock(&h->mu);
    c->full = 0;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
  }
  EVP_MD_CTX_free(ctx);
  return NULL;
}

typedef struct hblob {
  unsigned char *p;
  size_t n, cap;
} hblob;

/* Where a table hashed whole puts its fingerprints. Integer keys come in
** order: each bucket is filled and written in turn. Other keys fill their
** buckets' blobs in memory, written at the end; an integer key out of
** order waits in `rest` and is merged into its bucket at the end. */
typedef struct emitter {
  isms_db *db;
  ctable *t;
  int open;
  int64_t cur;
  size_t nob;
  hblob *hb;
  pend *rest;
  size_t nrest, caprest;
  unsigned char *rkeys;
  size_t nrkeys, caprkeys;
  int merge;           /* integer buckets up to merge_upto may hold rows already */
  int64_t merge_upto;
} emitter;

static int emit(emitter *em, uint8_t ktype, int64_t ival, const unsigned char *key, size_t klen,
                int64_t fp) {
  isms__chain *ch = em->db->chain;
  if (ktype == 'i' && !(em->merge && int_bucket(ival) <= em->merge_upto) &&
      (!em->open || int_bucket(ival) >= em->cur)) {
    int64_t b = int_bucket(ival);
    if (em->open && b != em->cur) {
      int rc = bucket_write(em->db, em->t->id, 0, em->cur, ch->obuf, em->nob);
      if (rc) return rc;
      em->nob = 0;
    }
    em->open = 1;
    em->cur = b;
    if (grow(&ch->obuf, &ch->capobuf, em->nob + 9)) goto nomem;
    ch->obuf[em->nob] = (unsigned char)((uint64_t)ival & (BUCKET_SLOTS - 1));
    put64(ch->obuf + em->nob + 1, (uint64_t)fp);
    em->nob += 9;
    return ISMS_OK;
  }
  if (ktype != 'i') {
    /* Keys are unique: the entry goes straight into its bucket's blob. */
    if (!em->hb && !(em->hb = calloc(HASH_BUCKETS, sizeof *em->hb))) goto nomem;
    hblob *h = &em->hb[key_bucket(ktype, key, klen)];
    if (grow(&h->p, &h->cap, h->n + 13 + klen)) goto nomem;
    h->p[h->n] = ktype;
    for (int j = 0; j < 4; j++) h->p[h->n + 1 + j] = (unsigned char)(klen >> (8 * j));
    if (klen) memcpy(h->p + h->n + 5, key, klen);
    put64(h->p + h->n + 5 + klen, (uint64_t)fp);
    h->n += 13 + klen;
    return ISMS_OK;
  }
  if (em->nrest == em->caprest) {
    size_t c = em->caprest ? 2 * em->caprest : 1024;
    pend *n = realloc(em->rest, c * sizeof *n);
    if (!n) goto nomem;
    em->rest = n;
    em->caprest = c;
  }
  pend *p = &em->rest[em->nrest++];
  p->t = (uint32_t)(em->t - ch->t);
  p->del = 0;
  p->ktype = 'i';
  p->ival = ival;
  p->koff = 0;
  p->klen = 0;
  p->fp = fp;
  return ISMS_OK;
nomem:
  return isms__fail(em->db, ISMS_NOMEM, "out of memory hashing %s", em->t->name);
}

/* Writes what the emitter holds; frees it. */
static int emit_end(emitter *em, int rc) {
  isms__chain *ch = em->db->chain;
  if (!rc && em->open && em->nob) rc = bucket_write(em->db, em->t->id, 0, em->cur, ch->obuf, em->nob);
  for (int64_t b = 0; em->hb && b < HASH_BUCKETS; b++) {
    if (!rc && em->hb[b].n) rc = bucket_write(em->db, em->t->id, 1, b, em->hb[b].p, em->hb[b].n);
    free(em->hb[b].p);
  }
  free(em->hb);
  if (!rc && em->nrest) rc = apply_buckets(em->db, em->rest, em->nrest, em->rkeys, 0);
  free(em->rest);
  free(em->rkeys);
  return rc;
}

/* A chunk the worker hashed: its rows' fingerprints into their buckets. */
static int drain(emitter *em, chunk *c) {
  int rc = ISMS_OK;
  size_t from = 0;
  for (size_t r = 0; !rc && r < c->rows; r++) {
    rc = emit(em, c->kt[r], c->kv[r], c->keys + from, c->kends[r] - from, c->fps[r]);
    from = c->kends[r];
  }
  c->undrained = 0;
  return rc;
}

/* Every chain_rows bucket of table t gone: it is hashed whole again, or
** made anew from a rewrite's feed. */
static int forget_rows(isms_db *db, const ctable *t) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "DELETE FROM chain_rows WHERE tbl = ?1", -1, &q, NULL) !=
      SQLITE_OK)
    return isms__fail_sql(db, "writing the hash chain");
  sqlite3_bind_int(q, 1, t->id);
  int rc = step_done(db, q, "writing the hash chain");
  sqlite3_finalize(q);
  return rc;
}

/* Table t's row count and sum in chain_tables, and in the registry. */
static int put_table_state(isms_db *db, ctable *t, int64_t rows, const uint64_t sum[4]) {
  unsigned char b[DIGEST];
  sum_to_bytes(sum, b);
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "UPDATE chain_tables SET rows = ?2, sum = ?3 WHERE id = ?1", -1,
                         &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "writing the hash chain");
  sqlite3_bind_int(q, 1, t->id);
  sqlite3_bind_int64(q, 2, rows);
  sqlite3_bind_blob(q, 3, b, DIGEST, SQLITE_STATIC);
  int rc = step_done(db, q, "writing the hash chain");
  sqlite3_finalize(q);
  if (!rc) t->nrows = rows;
  return rc;
}

/* Hashes table t whole: its chain_rows again, its rows and sum. A large
** table takes two threads, as verify's read (table_sum): this one reads
** the rows and puts their fingerprints in buckets, a worker hashes them. */
static int rescan(isms_db *db, ctable *t) {
  isms__chain *ch = db->chain;
  int rc = table_id(db, t);
  if (rc || (rc = bucket_prepare(db)) || (rc = forget_rows(db, t))) return rc;
  char *sql = scan_sql(t);
  sqlite3_stmt *q = NULL;
  if (!sql) return isms__fail(db, ISMS_NOMEM, "out of memory");
  if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK) {
    free(sql);
    return isms__fail_sql(db, "reading a table for the hash chain");
  }
  free(sql);
  uint64_t sum[4] = {0, 0, 0, 0};
  int64_t rows = 0;
  int s = SQLITE_DONE;
  source src = {db->sql, q, 0, t->rowid ? 1 : 0};
  unsigned char md[DIGEST];
  emitter em;
  memset(&em, 0, sizeof em);
  em.db = db;
  em.t = t;
  /* The worker starts once the table proves large (at genesis no count
  ** is known beforehand); the rows before it are hashed here. */
  hasher *h = NULL;
  pthread_t worker;
  int tried = 0;
  int k = 0, acquire = 1;
  int64_t seq = 0;
  while (!rc && (s = sqlite3_step(q)) == SQLITE_ROW) {
    int64_t rowid = t->rowid ? sqlite3_column_int64(q, 0) : 0;
    uint8_t ktype = 'i';
    int64_t ival = rowid;
    ch->nkbuf = 0;
    rows++;
    if (!h && !tried && rows > 2 * CHUNK_ROWS) {
      tried = 1;
      if ((h = calloc(1, sizeof *h))) {
        pthread_mutex_init(&h->mu, NULL);
        pthread_cond_init(&h->cv, NULL);
        h->sha = ch->sha;
        if (pthread_create(&worker, NULL, hash_worker, h) != 0) {
          pthread_mutex_destroy(&h->mu);
          pthread_cond_destroy(&h->cv);
          free(h);
          h = NULL;
        }
      }
    }
    if (!h) {
      if (row_digest(ch, t, &src, t->ncols, rowid, md) ||
          (!t->rowid && row_key(ch, t, &src, &ktype, &ival))) {
        rc = isms__fail(db, ISMS_NOMEM, "out of memory hashing %s", t->name);
        break;
      }
      sum_add(sum, md);
      rc = emit(&em, ktype, ival, ch->kbuf, ktype == 'i' ? 0 : ch->nkbuf, fingerprint(md));
      continue;
    }
    chunk *c = &h->c[k];
    if (acquire) {  /* wait until the worker is done with it */
      pthread_mutex_lock(&h->mu);
      while (c->full) pthread_cond_wait(&h->cv, &h->mu);
      pthread_mutex_unlock(&h->mu);
      if (c->undrained && (rc = drain(&em, c))) break;
      c->n = c->rows = c->nk = 0;
      acquire = 0;
    }
    if (row_bytes(t, &src, t->ncols, rowid, &c->buf, &c->n, &c->cap) ||
        (!t->rowid && row_key(ch, t, &src, &ktype, &ival)) ||
        grow(&c->keys, &c->capk, c->nk + ch->nkbuf + 1)) {
      rc = isms__fail(db, ISMS_NOMEM, "out of memory hashing %s", t->name);
      break;
    }
    if (ktype != 'i' && ch->nkbuf) {
      memcpy(c->keys + c->nk, ch->kbuf, ch->nkbuf);
      c->nk += ch->nkbuf;
    }
    c->kt[c->rows] = ktype;
    c->kv[c->rows] = ival;
    c->kends[c->rows] = c->nk;
    c->ends[c->rows++] = c->n;
    if (c->rows == CHUNK_ROWS) {
      pthread_mutex_lock(&h->mu);
      c->undrained = 1;
      c->seq = ++seq;
      c->full = 1;
      pthread_cond_broadcast(&h->cv);
      pthread_mutex_unlock(&h->mu);
      k ^= 1;
      acquire = 1;
    }
  }
  if (h) {
    chunk *c = &h->c[k];
    pthread_mutex_lock(&h->mu);
    if (!rc && !acquire && c->rows) {
      c->undrained = 1;
      c->seq = ++seq;
      c->full = 1;
    }
    h->done = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(worker, NULL);
    /* What the worker left, then the fingerprints of the chunks not
    ** drained yet, in the order they were filled. */
    hash_left(h, ch->md);
    int first = h->c[0].seq <= h->c[1].seq ? 0 : 1;
    for (int j = 0; j < 2; j++) {
      c = &h->c[first ^ j];
      if (!rc && c->undrained) rc = drain(&em, c);
    }
    unsigned char d[DIGEST];
    sum_to_bytes(h->sum, d);
    sum_add(sum, d);  /* the rows hashed here before the worker started */
    if (!rc && h->failed) rc = isms__fail(db, ISMS_ERROR, "cannot hash %s", t->name);
    for (int j = 0; j < 2; j++) {
      free(h->c[j].buf);
      free(h->c[j].keys);
    }
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
  }
  if (!rc && s != SQLITE_DONE && s != SQLITE_ROW)
    rc = isms__fail_sql(db, "reading a table for the hash chain");
  sqlite3_finalize(q);
  rc = emit_end(&em, rc);
  if (rc) return rc;
  return put_table_state(db, t, rows, sum);
}

/* ------------------------------------------------------------- feeding */

static void feed_stop(feed *f) {
  struct hasher *h = f->h;
  if (!h) return;
  pthread_mutex_lock(&h->mu);
  h->done = 1;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
  pthread_join(f->worker, NULL);
}

static void snapshot_free(feed *f);

static void feed_free(feed *f) {
  if (!f) return;
  snapshot_free(f);
  if (f->h) {
    feed_stop(f);
    for (int j = 0; j < 2; j++) {
      free(f->h->c[j].buf);
      free(f->h->c[j].keys);
    }
    pthread_mutex_destroy(&f->h->mu);
    pthread_cond_destroy(&f->h->cv);
    free(f->h);
  }
  free(f->map);
  free(f->ikey);
  free(f->ifp);
  for (int b = 0; f->hb && b < HASH_BUCKETS; b++) free(f->hb[b].p);
  free(f->hb);
  free(f);
}

/* The registry index of a table a feed may take now, or -1: inside a
** write, a table this write has not touched yet; to add rows to a WITHOUT
** ROWID one only while empty (its rows' buckets are then all new). */
static int feed_table(isms_db *db, const char *table, int rewrite) {
  isms__chain *ch = db->chain;
  if (!ch || !ch->ready || !ch->loaded || ch->nfeeds == MAXFEEDS || sqlite3_get_autocommit(db->sql))
    return -1;
  int ti = find_table(ch, table);
  if (ti < 0) return -1;
  const ctable *t = &ch->t[ti];
  if (t->feed || t->touched || t->rescan || t->txops || (!rewrite && !t->rowid && t->nrows != 0))
    return -1;
  return ti;
}

static int feed_open(isms_db *db, const char *table, const char *const *cols, int ncols,
                     int64_t first_rowid, isms__feed **out) {
  isms__chain *ch = db->chain;
  *out = NULL;
  int ti = feed_table(db, table, 0);
  if (ti < 0) return ISMS_OK;
  ctable *t = &ch->t[ti];
  feed *f = calloc(1, sizeof *f);
  if (!f || !(f->map = malloc((size_t)t->ncols * sizeof *f->map))) {
    free(f);
    return isms__fail(db, ISMS_NOMEM, "out of memory");
  }
  int usable = 1, found = 0;
  for (int c = 0; c < t->ncols && usable; c++) {
    f->map[c] = -1;
    for (int v = 0; v < ncols; v++)
      if (sqlite3_stricmp(cols[v], t->cols[c]) == 0) f->map[c] = v;
    if (f->map[c] >= 0) found++;
    /* A column left out is NULL: not one with a DEFAULT, nor the key. */
    else if (c != t->ipk && t->dflt[c]) usable = 0;
    if (c == t->ipk && f->map[c] >= 0) usable = 0;
  }
  for (int k = 0; k < t->npk && usable && !t->rowid; k++) usable = f->map[t->pk[k]] >= 0;
  if (!usable || found != ncols) {
    feed_free(f);
    return ISMS_OK;
  }
  f->t = ti;
  f->first_rowid = first_rowid;
  f->acquire = 1;
  t->feed = f;
  ch->feeds[ch->nfeeds++] = f;
  *out = f;
  return ISMS_OK;
}

int isms__chain_feed(isms_db *db, const char *table, const char *const *cols, int ncols,
                     int64_t first_rowid, isms__feed **out) {
  return feed_open(db, table, cols, ncols, first_rowid, out);
}

/* ------------------------------------------------------------ rewrites
** A write that changes most rows of a table by one UPDATE pass (a
** re-valuation) has the table's sum and fingerprints made as a rescan
** would make them, without reading the table again at settle. The UPDATE
** gives the chain, for each row its scan passes (in key order), the row's
** key and the new values of the columns it sets (isms__chain_feed_set),
** or none when the row keeps its values. A worker reads the table as it
** was, in the same order, on a read connection of its own, and hashes
** each row with those columns replaced. Passing every column through SQL
** to a function instead cost the UPDATE a third more (issue #18).
**
** The worker's read lock lasts until it has read the last row, and with a
** rollback journal the writer needs the exclusive lock to spill its page
** cache into the file: the writer's cache does not spill until the write
** settles (PRAGMA cache_spill), so it never waits on the worker, which
** waits on it. The UPDATE runs with the hook paused: SQLite's own work for a
** preupdate hook cost as much as the rest of the UPDATE. */

int64_t isms__chain_table_rows(isms_db *db, const char *table) {
  isms__chain *ch = db->chain;
  int ti = ch && ch->ready && ch->loaded ? find_table(ch, table) : -1;
  return ti < 0 ? -1 : ch->t[ti].nrows;
}

/* SNAP_ROWS rows of the UPDATE are handed over at a time. The writer's
** page cache holds every page the UPDATE changes until the write settles
** (about 250 bytes a row of assets): a table of more than SNAP_MAX_ROWS
** rows is left to the caller's other way, whose memory is a few columns. */
enum { SNAP_ROWS = 4096, SNAP_MAX_ROWS = 4000000 };

static int feed_keep(feed *f, uint8_t ktype, int64_t ival, const unsigned char *key, size_t klen,
                     int64_t fp);

/* Rows the UPDATE gave, handed to the worker a block at a time. */
typedef struct snap_block {
  struct snap_block *next;
  size_t rows;
  uint64_t kh[SNAP_ROWS];    /* the row's key, hashed (key_hash) */
  uint32_t at[SNAP_ROWS];    /* its set values' canonical bytes in buf; UINT32_MAX: none */
  unsigned char *buf;
  size_t n, cap;
} snap_block;

typedef struct snapshot {
  sqlite3 *main;             /* the writer's connection (its cache_spill) */
  int spill;                 /* its cache_spill before */
  sqlite3 *rdb;              /* the worker's read connection */
  sqlite3_stmt *q;           /* the table's rows as they were; stepped once */
  int first;                 /* q holds a row not taken yet */
  int off;                   /* q's first value column (1: the rowid comes first) */
  /* what the worker needs of the table, its own copy (the registry may be
  ** read again while it runs) */
  char *name;
  int ncols, ipk, rowid, pk;
  const EVP_MD *sha;
  int *set;                  /* per table column: its place among the set values, or -1 */
  int nset;
  pthread_t worker;
  int running;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  snap_block *head, *tail;   /* handed over, not taken yet */
  snap_block *cur;           /* being filled */
  int done;                  /* the UPDATE gave its last row */
  /* the worker's results, read after it is joined */
  int failed, differs;
  int64_t rows;
  uint64_t sum[4], check[4];
} snapshot;

/* A key's hash, to check that the worker's row is the UPDATE's row. */
static uint64_t key_hash(uint8_t ktype, int64_t ival, const unsigned char *k, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  h = (h ^ ktype) * 1099511628211ULL;
  if (ktype == 'i') {
    for (int b = 0; b < 8; b++) h = (h ^ (uint8_t)((uint64_t)ival >> (8 * b))) * 1099511628211ULL;
  } else {
    for (size_t b = 0; b < n; b++) h = (h ^ k[b]) * 1099511628211ULL;
  }
  return h;
}

/* Length of one canonical value (put_typed's forms) at p. */
static size_t typed_len(const unsigned char *p) {
  if (*p == 'n') return 1;
  if (*p == 'i' || *p == 'f') return 9;
  return 5 + ((size_t)p[1] | (size_t)p[2] << 8 | (size_t)p[3] << 16 | (size_t)p[4] << 24);
}

static void snap_free_blocks(snap_block *b) {
  while (b) {
    snap_block *next = b->next;
    free(b->buf);
    free(b);
    b = next;
  }
}

/* The next block the UPDATE handed over; NULL once it gave its last. */
static snap_block *snap_take(snapshot *s) {
  pthread_mutex_lock(&s->mu);
  while (!s->head && !s->done) pthread_cond_wait(&s->cv, &s->mu);
  snap_block *b = s->head;
  if (b) {
    s->head = b->next;
    if (!s->head) s->tail = NULL;
    b->next = NULL;
  }
  pthread_mutex_unlock(&s->mu);
  return b;
}

/* Each row as it was, with the set values of its block entry in place of
** its own; the digests added up and their fingerprints kept, as a rescan
** would. Stops comparing at the first row that is not the UPDATE's. */
static void *snap_worker(void *arg) {
  feed *f = arg;
  snapshot *s = f->snap;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char *buf = NULL, *kbuf = NULL;
  size_t cap = 0, kcap = 0;
  snap_block *b = NULL;
  size_t r = 0;
  int rc = s->first ? SQLITE_ROW : SQLITE_DONE;
  if (!md) s->failed = 1;
  for (; !s->failed && !s->differs && rc == SQLITE_ROW; rc = sqlite3_step(s->q)) {
    while (!b || r == b->rows) {  /* the UPDATE's next row */
      snap_free_blocks(b);
      if (!(b = snap_take(s))) break;
      r = 0;
    }
    if (!b) {
      s->differs = 1;  /* a row the UPDATE did not pass */
      break;
    }
    /* the row's key */
    uint8_t ktype;
    int64_t ival = 0;
    size_t klen;
    if (value_key(sqlite3_column_value(s->q, s->rowid ? 0 : s->off + s->pk), &kbuf, &klen, &kcap,
                  &ktype, &ival)) {
      s->failed = 1;
      break;
    }
    if (key_hash(ktype, ival, kbuf, klen) != b->kh[r]) {
      s->differs = 1;
      break;
    }
    /* its canonical bytes, the set columns from the block */
    int64_t rowid = s->rowid ? sqlite3_column_int64(s->q, 0) : 0;
    size_t n = 0, nl = strlen(s->name);
    const unsigned char *sv = b->at[r] == UINT32_MAX ? NULL : b->buf + b->at[r];
    if (grow(&buf, &cap, nl + 1 + 9)) {
      s->failed = 1;
      break;
    }
    memcpy(buf, s->name, nl + 1);
    n = nl + 1;
    if (s->rowid) put_int(&buf, &n, rowid);
    int bad = 0;
    for (int c = 0; c < s->ncols && !bad; c++) {
      if (c == s->ipk) {
        bad = grow(&buf, &cap, n + 9);
        if (!bad) put_int(&buf, &n, rowid);
      } else if (sv && s->set[c] >= 0) {
        const unsigned char *v = sv;
        for (int k = 0; k < s->set[c]; k++) v += typed_len(v);
        size_t len = typed_len(v);
        bad = grow(&buf, &cap, n + len);
        if (!bad) {
          memcpy(buf + n, v, len);
          n += len;
        }
      } else {
        bad = put_column(&buf, &n, &cap, s->q, s->off + c);
      }
    }
    unsigned char d[DIGEST];
    if (bad || sha256(md, s->sha, buf, n, d) ||
        feed_keep(f, ktype, ival, kbuf, ktype == 'i' ? 0 : klen, fingerprint(d))) {
      s->failed = 1;
      break;
    }
    sum_add(s->sum, d);
    if (s->rows < FEED_CHECK) sum_add(s->check, d);
    s->rows++;
    r++;
  }
  /* a read that failed: the table is hashed whole, where the writer's
  ** connection meets the same fault and says what it is */
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) s->differs = 1;
  /* the read lock goes now, before the writer commits */
  sqlite3_finalize(s->q);
  s->q = NULL;
  /* a row the table did not have */
  if (b && r < b->rows) s->differs = 1;
  snap_free_blocks(b);
  while ((b = snap_take(s))) {
    if (b->rows) s->differs = 1;
    snap_free_blocks(b);
  }
  EVP_MD_CTX_free(md);
  free(buf);
  free(kbuf);
  return NULL;
}

/* The block being filled, handed to the worker (the last one when done). */
static void snap_hand(snapshot *s, int done) {
  pthread_mutex_lock(&s->mu);
  if (s->cur) {
    s->cur->next = NULL;
    if (s->tail) s->tail->next = s->cur;
    else s->head = s->cur;
    s->tail = s->cur;
    s->cur = NULL;
  }
  if (done) s->done = 1;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

/* Waits for the worker; its results into the feed, as a rewrite's feed
** holds them (rows -1 when they are not the table's rows). */
static int snap_finish(feed *f) {
  snapshot *s = f->snap;
  if (!s || !s->running) return 0;
  snap_hand(s, 1);
  pthread_join(s->worker, NULL);
  s->running = 0;
  f->rows = s->differs ? -1 : s->rows;
  memcpy(f->sum, s->sum, sizeof f->sum);
  memcpy(f->check_feed, s->check, sizeof f->check_feed);
  return s->failed;
}

static void snapshot_free(feed *f) {
  snapshot *s = f->snap;
  if (!s) return;
  snap_finish(f);
  sqlite3_finalize(s->q);
  sqlite3_close(s->rdb);
  if (s->main && s->spill)  /* spill above the cache size again, SQLite's default */
    sqlite3_exec(s->main, "PRAGMA cache_spill = 1", NULL, NULL, NULL);
  snap_free_blocks(s->head);
  snap_free_blocks(s->cur);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
  free(s->set);
  free(s->name);
  free(s);
  f->snap = NULL;
}

int isms__chain_rewrite_set(isms_db *db, const char *table, const char *const *set, int nset,
                            isms__feed **out) {
  isms__chain *ch = db->chain;
  *out = NULL;
  int ti = feed_table(db, table, 1);
  if (ti < 0) return ISMS_OK;
  ctable *t = &ch->t[ti];
  const char *file = sqlite3_db_filename(db->sql, "main");
  /* a key the worker can read from one column; a register in a file; a
  ** table whose changed pages the writer's cache can hold until settle */
  if ((!t->rowid && t->npk != 1) || !file || !*file || t->nrows > SNAP_MAX_ROWS) return ISMS_OK;
  feed *f = calloc(1, sizeof *f);
  snapshot *s = f ? calloc(1, sizeof *s) : NULL;
  if (!s || !(s->set = malloc((size_t)t->ncols * sizeof *s->set)) || !(s->name = dup(t->name))) {
    if (s) free(s->set);
    free(s);
    free(f);
    return isms__fail(db, ISMS_NOMEM, "out of memory");
  }
  f->snap = s;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  s->ncols = t->ncols;
  s->ipk = t->ipk;
  s->rowid = t->rowid;
  s->pk = t->rowid ? -1 : t->pk[0];
  s->sha = ch->sha;
  s->nset = nset;
  s->off = t->rowid ? 1 : 0;
  int found = 0;
  for (int c = 0; c < t->ncols; c++) {
    s->set[c] = -1;
    for (int v = 0; v < nset; v++)
      if (sqlite3_stricmp(set[v], t->cols[c]) == 0 && c != t->ipk) s->set[c] = v;
    found += s->set[c] >= 0;
  }
  /* The worker's read starts now, before the UPDATE changes a page: its
  ** first step takes the read lock (never waiting for it). */
  char *sql = scan_sql(t);
  int usable = found == nset && sql &&
               sqlite3_open_v2(file, &s->rdb, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
               sqlite3_prepare_v2(s->rdb, sql, -1, &s->q, NULL) == SQLITE_OK;
  free(sql);
  int rc = usable ? sqlite3_step(s->q) : SQLITE_ERROR;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    feed_free(f);
    return ISMS_OK;
  }
  s->first = rc == SQLITE_ROW;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "PRAGMA cache_spill", -1, &q, NULL) == SQLITE_OK) {
    s->spill = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) != 0;
    sqlite3_finalize(q);
  }
  s->main = db->sql;
  /* A spill size no write reaches: "= OFF" would wait for the transaction
  ** to end (SQLite applies the flag only outside one), a size applies now. */
  if (s->spill) sqlite3_exec(db->sql, "PRAGMA cache_spill = 2000000000", NULL, NULL, NULL);
  f->t = ti;
  f->rewrite = 1;
  if (pthread_create(&s->worker, NULL, snap_worker, f) != 0) {
    feed_free(f);
    return ISMS_OK;
  }
  s->running = 1;
  t->feed = f;
  ch->feeds[ch->nfeeds++] = f;
  *out = f;
  return ISMS_OK;
}

int isms__chain_feed_set(isms_db *db, isms__feed *fd, const isms__val *key, const isms__val *set) {
  feed *f = fd;
  snapshot *s = f ? f->snap : NULL;
  if (!s || !s->running) return ISMS_OK;
  snap_block *b = s->cur;
  if (!b && !(b = s->cur = calloc(1, sizeof *b))) goto nomem;
  isms__chain *ch = db->chain;
  uint8_t ktype;
  int64_t ival = 0;
  if (val_key(key, &ch->kbuf, &ch->nkbuf, &ch->capkbuf, &ktype, &ival)) goto nomem;
  b->kh[b->rows] = key_hash(ktype, ival, ch->kbuf, ch->nkbuf);
  b->at[b->rows] = UINT32_MAX;
  if (set) {
    if (b->n > UINT32_MAX - 1024) goto nomem;
    b->at[b->rows] = (uint32_t)b->n;
    for (int v = 0; v < s->nset; v++)
      if (put_val(&b->buf, &b->n, &b->cap, &set[v])) goto nomem;
  }
  if (++b->rows == SNAP_ROWS) snap_hand(s, 0);
  return ISMS_OK;
nomem:
  return isms__fail(db, ISMS_NOMEM, "out of memory hashing %s", s->name);
}

/* 1 when the hook is paused for one UPDATE of a rewrite's table: only
** when nothing but that table can be written by it (it has no triggers;
** an UPDATE that keeps the key starts no foreign key action). */
int isms__chain_pause(isms_db *db, isms__feed *fd) {
  isms__chain *ch = db->chain;
  feed *f = fd;
  if (!ch || !f || !f->rewrite || f->spoiled || f->t < 0) return 0;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT 1 FROM main.sqlite_master WHERE type = 'trigger'"
                         " AND tbl_name = ?1 COLLATE NOCASE",
                         -1, &q, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text(q, 1, ch->t[f->t].name, -1, SQLITE_STATIC);
  int triggers = sqlite3_step(q) != SQLITE_DONE;
  sqlite3_finalize(q);
  if (triggers) return 0;
  sqlite3_preupdate_hook(db->sql, NULL, NULL);
  return 1;
}

/* The rewrite's UPDATE changed rows (while the hook was paused): the
** table is settled from the feed. A rewrite that changed none is left
** as it was. */
void isms__chain_rewrote(isms_db *db, isms__feed *fd) {
  feed *f = fd;
  if (db->chain && f && f->t >= 0) db->chain->t[f->t].touched = 1;
}

void isms__chain_resume(isms_db *db) {
  if (db->chain) sqlite3_preupdate_hook(db->sql, on_preupdate, db->chain);
}

/* A feed's fingerprints into table t's buckets: the integer keys in order
** (merged, up to bucket merge_upto, into buckets that may hold rows
** already when merge), the others' blobs whole. */
static int feed_buckets(isms_db *db, ctable *t, const feed *f, int merge, int64_t merge_upto) {
  emitter em;
  memset(&em, 0, sizeof em);
  em.db = db;
  em.t = t;
  em.merge = merge;
  em.merge_upto = merge_upto;
  int rc = ISMS_OK;
  for (size_t r = 0; !rc && r < f->ni; r++) rc = emit(&em, 'i', f->ikey[r], NULL, 0, f->ifp[r]);
  if ((rc = emit_end(&em, rc))) return rc;
  for (int64_t b = 0; !rc && f->hb && b < HASH_BUCKETS; b++)
    if (f->hb[b].n) rc = bucket_write(db, t->id, 1, b, f->hb[b].p, f->hb[b].n);
  return rc;
}

static int sums_equal(const uint64_t a[4], const uint64_t b[4]);
static int table_sum(isms_db *db, const ctable *t, int64_t expect, int64_t *rows,
                     uint64_t sum[4]);

/* Settles a rewrite: when the feed holds as many rows as the table had
** (an UPDATE adds and removes none) and its first rows are the table's
** first rows (every row under ISMS_CHAIN_STRICT), the table's
** fingerprints and sum are the feed's; else the table is hashed whole. */
static int rewrite_settle(isms_db *db, ctable *t, const uint64_t total[4]) {
  isms__chain *ch = db->chain;
  feed *f = t->feed;
  int same = f->seen == 0 && f->rows == t->nrows;
  if (same) {
    char *scan = scan_sql(t);
    size_t len = scan ? strlen(scan) : 0;
    char *sql = scan ? realloc(scan, len + 32) : NULL;
    if (!sql) {
      free(scan);
      return isms__fail(db, ISMS_NOMEM, "out of memory");
    }
    snprintf(sql + len, 32, " LIMIT %d", FEED_CHECK);
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL);
    free(sql);
    if (rc != SQLITE_OK) return isms__fail_sql(db, "reading a table for the hash chain");
    uint64_t check[4] = {0, 0, 0, 0};
    source src = {db->sql, q, 0, t->rowid ? 1 : 0};
    unsigned char md[DIGEST];
    while (same && sqlite3_step(q) == SQLITE_ROW) {
      if (row_digest(ch, t, &src, t->ncols, t->rowid ? sqlite3_column_int64(q, 0) : 0, md)) {
        sqlite3_finalize(q);
        return isms__fail(db, ISMS_NOMEM, "out of memory hashing %s", t->name);
      }
      sum_add(check, md);
    }
    sqlite3_finalize(q);
    same = sums_equal(check, f->check_feed);
  }
  if (same && ch->strict) {
    uint64_t sum[4];
    int64_t rows;
    int rc = table_sum(db, t, f->rows, &rows, sum);
    if (rc) return rc;
    same = rows == f->rows && sums_equal(sum, total);
  }
  if (!same && ch->strict)
    return isms__fail(db, ISMS_ERROR,
                      "the rows fed to the hash chain for %s are not the table's rows"
                      " (%lld fed, %lld before the write)",
                      t->name, (long long)f->rows, (long long)t->nrows);
  if (!same) return rescan(db, t);
  int rc = table_id(db, t);
  if (rc || (rc = forget_rows(db, t)) || (rc = feed_buckets(db, t, f, 0, 0))) return rc;
  return put_table_state(db, t, f->rows, total);
}

/* A fed row's canonical bytes, as row_bytes makes them from the table
** (put_typed's forms, written after one check of the room they need). */
static int fed_bytes(const ctable *t, const feed *f, const isms__val *vals, int64_t rowid,
                     unsigned char **b, size_t *n, size_t *cap) {
  size_t nl = strlen(t->name), need = nl + 1 + 9;
  for (int c = 0; c < t->ncols; c++) {
    const isms__val *v = f->map[c] < 0 ? NULL : &vals[f->map[c]];
    need += c == t->ipk ? 9
            : !v || v->type == SQLITE_NULL ? 1
            : v->type == SQLITE_TEXT || v->type == SQLITE_BLOB ? 5 + v->n
                                                               : 9;
  }
  if (grow(b, cap, *n + need)) return -1;
  unsigned char *o = *b + *n;
  memcpy(o, t->name, nl + 1);
  o += nl + 1;
  if (t->rowid) {
    *o++ = 'i';
    put64(o, (uint64_t)rowid);
    o += 8;
  }
  for (int c = 0; c < t->ncols; c++) {
    const isms__val *v = f->map[c] < 0 ? NULL : &vals[f->map[c]];
    int type = c == t->ipk ? SQLITE_INTEGER : v ? v->type : SQLITE_NULL;
    int64_t i = c == t->ipk ? rowid : v ? v->i : 0;
    if (type == SQLITE_FLOAT) {
      double d = v->d;
      if (d >= -9.2e18 && d <= 9.2e18 && d == (double)(int64_t)d) {
        type = SQLITE_INTEGER;
        i = (int64_t)d;
      } else {
        uint64_t bits;
        memcpy(&bits, &d, 8);
        *o++ = 'f';
        put64(o, bits);
        o += 8;
        continue;
      }
    }
    if (type == SQLITE_INTEGER) {
      *o++ = 'i';
      put64(o, (uint64_t)i);
      o += 8;
    } else if (type == SQLITE_NULL) {
      *o++ = 'n';
    } else {
      *o++ = type == SQLITE_TEXT ? 't' : 'b';
      for (int k = 0; k < 4; k++) *o++ = (unsigned char)(v->n >> (8 * k));
      if (v->n) memcpy(o, v->p, v->n);
      o += v->n;
    }
  }
  *n = (size_t)(o - *b);
  return 0;
}

/* A fed row's key, as row_key makes it (into ch->kbuf). */
static int fed_key(isms__chain *ch, const ctable *t, const feed *f, const isms__val *vals,
                   uint8_t *ktype, int64_t *ival) {
  if (t->npk == 1)
    return val_key(&vals[f->map[t->pk[0]]], &ch->kbuf, &ch->nkbuf, &ch->capkbuf, ktype, ival);
  ch->nkbuf = 0;
  for (int k = 0; k < t->npk; k++)
    if (put_val(&ch->kbuf, &ch->nkbuf, &ch->capkbuf, &vals[f->map[t->pk[k]]])) return -1;
  *ktype = 'b';
  return 0;
}

/* One fed row's fingerprint: an integer key kept in order, any other
** straight into its bucket's blob (as emit does). */
static int feed_keep(feed *f, uint8_t ktype, int64_t ival, const unsigned char *key, size_t klen,
                     int64_t fp) {
  if (ktype == 'i') {
    if (f->ni == f->capi) {
      size_t c = f->capi ? 2 * f->capi : 4096;
      int64_t *k = realloc(f->ikey, c * sizeof *k);
      if (k) f->ikey = k;
      int64_t *p = k ? realloc(f->ifp, c * sizeof *p) : NULL;
      if (!p) return -1;
      f->ifp = p;
      f->capi = c;
    }
    f->ikey[f->ni] = ival;
    f->ifp[f->ni++] = fp;
    return 0;
  }
  if (!f->hb && !(f->hb = calloc(HASH_BUCKETS, sizeof *f->hb))) return -1;
  hblob *h = &f->hb[key_bucket(ktype, key, klen)];
  if (grow(&h->p, &h->cap, h->n + 13 + klen)) return -1;
  h->p[h->n] = ktype;
  for (int j = 0; j < 4; j++) h->p[h->n + 1 + j] = (unsigned char)(klen >> (8 * j));
  if (klen) memcpy(h->p + h->n + 5, key, klen);
  put64(h->p + h->n + 5 + klen, (uint64_t)fp);
  h->n += 13 + klen;
  return 0;
}

/* A chunk the worker hashed: its fingerprints kept, in order. */
static int feed_drain(feed *f, chunk *c) {
  size_t from = 0;
  for (size_t r = 0; r < c->rows; r++) {
    if (feed_keep(f, c->kt[r], c->kv[r], c->keys + from, c->kends[r] - from, c->fps[r])) return -1;
    from = c->kends[r];
  }
  c->undrained = 0;
  return 0;
}

int isms__chain_feed_row(isms_db *db, isms__feed *fd, const isms__val *vals) {
  isms__chain *ch = db->chain;
  feed *f = fd;
  if (!f || f->spoiled || f->t < 0) return ISMS_OK;
  const ctable *t = &ch->t[f->t];
  int64_t rowid = t->rowid ? f->first_rowid + f->rows : 0;
  uint8_t ktype = 'i';
  int64_t ival = rowid;
  if (!t->rowid && fed_key(ch, t, f, vals, &ktype, &ival)) goto nomem;
  size_t klen = ktype == 'i' ? 0 : ch->nkbuf;
  if (f->rows < FEED_INLINE) {
    unsigned char md[DIGEST];
    ch->nbuf = 0;
    if (fed_bytes(t, f, vals, rowid, &ch->buf, &ch->nbuf, &ch->capbuf) ||
        sha256(ch->md, ch->sha, ch->buf, ch->nbuf, md))
      goto nomem;
    sum_add(f->sum, md);
    if (f->rows < FEED_CHECK) sum_add(f->check_feed, md);
    if (feed_keep(f, ktype, ival, ch->kbuf, klen, fingerprint(md))) goto nomem;
    f->rows++;
    return ISMS_OK;
  }
  hasher *h = f->h;
  if (!h) {
    if (!(h = calloc(1, sizeof *h))) goto nomem;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    h->sha = ch->sha;
    h->feed = f;
    if (pthread_create(&f->worker, NULL, hash_worker, h) != 0) {
      pthread_mutex_destroy(&h->mu);
      pthread_cond_destroy(&h->cv);
      free(h);
      goto nomem;
    }
    f->h = h;
  }
  chunk *c = &h->c[f->k];
  if (f->acquire) {  /* wait until the worker is done with it */
    pthread_mutex_lock(&h->mu);
    while (c->full) pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
    if (c->undrained && feed_drain(f, c)) goto nomem;
    c->n = c->rows = c->nk = 0;
    f->acquire = 0;
  }
  if (fed_bytes(t, f, vals, rowid, &c->buf, &c->n, &c->cap) ||
      grow(&c->keys, &c->capk, c->nk + klen + 1))
    goto nomem;
  if (klen) {
    memcpy(c->keys + c->nk, ch->kbuf, klen);
    c->nk += klen;
  }
  c->kt[c->rows] = ktype;
  c->kv[c->rows] = ival;
  c->kends[c->rows] = c->nk;
  c->ends[c->rows++] = c->n;
  f->rows++;
  if (c->rows == CHUNK_ROWS) {
    pthread_mutex_lock(&h->mu);
    c->undrained = 1;
    c->seq = ++f->seq;
    c->full = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    f->k ^= 1;
    f->acquire = 1;
  }
  return ISMS_OK;
nomem:
  return isms__fail(db, ISMS_NOMEM, "out of memory hashing %s", t->name);
}

static int sums_equal(const uint64_t a[4], const uint64_t b[4]) {
  return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/* Settles a fed table: its fingerprints into buckets, its sum and count
** moved by the fed rows; or the table hashed whole when the feed does not
** account for exactly the rows written. */
static int feed_settle(isms_db *db, ctable *t) {
  isms__chain *ch = db->chain;
  feed *f = t->feed;
  hasher *h = f->h;
  if (snap_finish(f)) return isms__fail(db, ISMS_NOMEM, "out of memory hashing %s", t->name);
  uint64_t total[4];
  memcpy(total, f->sum, sizeof total);
  if (h) {  /* the last chunk, then what the worker left, in order */
    chunk *c = &h->c[f->k];
    pthread_mutex_lock(&h->mu);
    if (!f->acquire && c->rows) {
      c->undrained = 1;
      c->seq = ++f->seq;
      c->full = 1;
    }
    pthread_mutex_unlock(&h->mu);
    feed_stop(f);
    hash_left(h, ch->md);
    int first = h->c[0].seq <= h->c[1].seq ? 0 : 1;
    for (int j = 0; j < 2; j++) {
      c = &h->c[first ^ j];
      if (c->undrained && feed_drain(f, c))
        return isms__fail(db, ISMS_NOMEM, "out of memory hashing %s", t->name);
    }
    unsigned char d[DIGEST];
    sum_to_bytes(h->sum, d);
    sum_add(total, d);
    if (h->failed) return isms__fail(db, ISMS_ERROR, "cannot hash %s", t->name);
  }
  if (f->rewrite) return rewrite_settle(db, t, total);
  int same = f->seen == f->rows &&
             sums_equal(f->check_hook, ch->strict ? total : f->check_feed);
  if (!same && ch->strict)
    return isms__fail(db, ISMS_ERROR,
                      "the rows fed to the hash chain for %s are not the rows written"
                      " (%lld fed, %lld written)",
                      t->name, (long long)f->rows, (long long)f->seen);
  if (!same) return rescan(db, t);
  int rc = table_id(db, t);
  /* rowid table: the first fed row's bucket may hold rows already */
  if (rc || (rc = feed_buckets(db, t, f, t->nrows > 0, int_bucket(f->first_rowid)))) return rc;
  sqlite3_stmt *q;
  uint64_t sum[4] = {0, 0, 0, 0};
  int64_t rows = 0;
  if (sqlite3_prepare_v2(db->sql, "SELECT rows, sum FROM chain_tables WHERE id = ?1", -1, &q,
                         NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading the hash chain");
  sqlite3_bind_int(q, 1, t->id);
  if (sqlite3_step(q) == SQLITE_ROW) {
    rows = sqlite3_column_int64(q, 0);
    sum_from_bytes(sum, sqlite3_column_blob(q, 1), sqlite3_column_bytes(q, 1));
  }
  sqlite3_finalize(q);
  unsigned char d[DIGEST];
  sum_to_bytes(total, d);
  sum_add(sum, d);
  return put_table_state(db, t, rows + f->rows, sum);
}

/* The digest of chain_tables as stored: every table's name, rows and sum,
** in name order. The head link carries it. */
static int state_digest(sqlite3 *s, EVP_MD_CTX *md, unsigned char out[DIGEST]) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(s, "SELECT name, rows, sum FROM chain_tables ORDER BY name", -1, &q,
                         NULL) != SQLITE_OK)
    return -1;
  int ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL), st;
  while (ok && (st = sqlite3_step(q)) == SQLITE_ROW) {
    unsigned char r[8];
    put64(r, (uint64_t)sqlite3_column_int64(q, 1));
    ok = EVP_DigestUpdate(md, sqlite3_column_text(q, 0), (size_t)sqlite3_column_bytes(q, 0) + 1) &&
         EVP_DigestUpdate(md, r, 8);
    unsigned char sum[DIGEST] = {0};
    if (sqlite3_column_bytes(q, 2) == DIGEST) memcpy(sum, sqlite3_column_blob(q, 2), DIGEST);
    ok = ok && EVP_DigestUpdate(md, sum, DIGEST);
  }
  sqlite3_finalize(q);
  unsigned len;
  if (!ok || st != SQLITE_DONE || !EVP_DigestFinal_ex(md, out, &len)) return -1;
  return 0;
}

/* One link's hash: its predecessor's and every field of its own. */
typedef struct link {
  int64_t seq, first, last;
  char at[40];
  char note[64];
  unsigned char delta[DIGEST], state[DIGEST], prev[DIGEST], hash[DIGEST];
} link;

static int link_hash(EVP_MD_CTX *md, const link *l, unsigned char out[DIGEST]) {
  unsigned char n[24];
  put64(n, (uint64_t)l->seq);
  put64(n + 8, (uint64_t)l->first);
  put64(n + 16, (uint64_t)l->last);
  unsigned len;
  return EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
                 EVP_DigestUpdate(md, "isms chain 1", 13) &&
                 EVP_DigestUpdate(md, l->prev, DIGEST) && EVP_DigestUpdate(md, n, sizeof n) &&
                 EVP_DigestUpdate(md, l->at, strlen(l->at) + 1) &&
                 EVP_DigestUpdate(md, l->note, strlen(l->note) + 1) &&
                 EVP_DigestUpdate(md, l->delta, DIGEST) &&
                 EVP_DigestUpdate(md, l->state, DIGEST) && EVP_DigestFinal_ex(md, out, &len)
             ? 0
             : -1;
}

static void utc_now(char *out, size_t n) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* Appends the link of this write: after the previous head, covering delta
** and the state as chain_tables now holds it. */
static int append_link(isms_db *db, const unsigned char delta[DIGEST], int64_t first,
                       int64_t last, const char *note) {
  isms__chain *ch = db->chain;
  link l;
  memset(&l, 0, sizeof l);
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "SELECT seq, hash FROM chain_links ORDER BY seq DESC LIMIT 1",
                         -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading the hash chain");
  l.seq = 1;
  if (sqlite3_step(q) == SQLITE_ROW) {
    l.seq = sqlite3_column_int64(q, 0) + 1;
    if (sqlite3_column_bytes(q, 1) == DIGEST) memcpy(l.prev, sqlite3_column_blob(q, 1), DIGEST);
  }
  sqlite3_finalize(q);
  l.first = first;
  l.last = last;
  utc_now(l.at, sizeof l.at);
  snprintf(l.note, sizeof l.note, "%s", note ? note : "");
  memcpy(l.delta, delta, DIGEST);
  if (state_digest(db->sql, ch->md, l.state) || link_hash(ch->md, &l, l.hash))
    return isms__fail(db, ISMS_STORAGE, "cannot hash the chain state: %s", sqlite3_errmsg(db->sql));
  if (sqlite3_prepare_v2(db->sql,
                         "INSERT INTO chain_links(seq, at, first_batch, last_batch, note, delta,"
                         " state, prev, hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                         -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "writing the hash chain");
  sqlite3_bind_int64(q, 1, l.seq);
  sqlite3_bind_text(q, 2, l.at, -1, SQLITE_STATIC);
  if (first) sqlite3_bind_int64(q, 3, first);
  if (last) sqlite3_bind_int64(q, 4, last);
  sqlite3_bind_text(q, 5, l.note, -1, SQLITE_STATIC);
  sqlite3_bind_blob(q, 6, l.delta, DIGEST, SQLITE_STATIC);
  sqlite3_bind_blob(q, 7, l.state, DIGEST, SQLITE_STATIC);
  sqlite3_bind_blob(q, 8, l.prev, DIGEST, SQLITE_STATIC);
  sqlite3_bind_blob(q, 9, l.hash, DIGEST, SQLITE_STATIC);
  int rc = sqlite3_step(q) == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "writing the hash chain");
  sqlite3_finalize(q);
  return rc;
}

/* A whole-number pragma (PRAGMA schema_version, user_version), -1 when
** it cannot be read. */
static int read_pragma_int(sqlite3 *s, const char *sql) {
  sqlite3_stmt *q;
  int v = -1;
  if (sqlite3_prepare_v2(s, sql, -1, &q, NULL) != SQLITE_OK) return -1;
  if (sqlite3_step(q) == SQLITE_ROW) v = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  return v;
}

static int read_schema_version(sqlite3 *s) { return read_pragma_int(s, "PRAGMA schema_version"); }
static int read_user_version(sqlite3 *s) { return read_pragma_int(s, "PRAGMA user_version"); }

/* A column added by ALTER TABLE ... DEFAULT x is not in the rows stored
** before: SQLite reads it as x, but its preupdate hook gives NULL for it
** (3.40), so the first change of such a row would subtract a digest that
** was never added. Rewriting the new columns of an altered table stores
** them in every row. */
static int materialize(isms_db *db, const ctable *was, const ctable *t) {
  for (int c = 0; c < t->ncols; c++) {
    if (!t->dflt[c]) continue;
    int known = 0;
    for (int k = 0; k < was->ncols && !known; k++) known = strcmp(was->cols[k], t->cols[c]) == 0;
    if (known) continue;
    char *sql = sqlite3_mprintf("UPDATE main.\"%w\" SET \"%w\" = \"%w\"", t->name, t->cols[c],
                                t->cols[c]);
    if (!sql) return isms__fail(db, ISMS_NOMEM, "out of memory");
    int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) return isms__fail_sql(db, "writing the hash chain");
  }
  return ISMS_OK;
}

/* The schema moved in this write (a migration): read the registry again
** and mark the tables it created or altered for re-hashing; forget the
** ones it dropped. */
static int schema_moved(isms_db *db, int *moved) {
  isms__chain *ch = db->chain;
  int v = read_schema_version(db->sql);
  *moved = 0;
  if (v == ch->schema && !ch->nunknown) return ISMS_OK;
  int migration = v != ch->txn_schema && read_user_version(db->sql) != ch->txn_user;
  if (!migration) {
    /* Tables made or altered outside isms are not taken into the chain:
    ** verify reports them. The registry follows the schema so that the
    ** rows isms writes are hashed as verify reads them. */
    unknown_clear(ch);
    if (v == ch->schema) return ISMS_OK;
  }
  *moved = migration;
  int nold = ch->nt;
  ctable *old = ch->t;
  ch->t = NULL;
  ch->nt = 0;
  int rc = registry_load(db);
  if (!rc) {
    for (int k = 0; k < ch->nt; k++) {
      ctable *t = &ch->t[k];
      int o;
      for (o = 0; o < nold; o++)
        if (strcmp(old[o].name, t->name) == 0) break;
      if (o < nold && old[o].feed) {
        old[o].feed->t = k;
        t->feed = old[o].feed;
      }
      if (migration && (o == nold || strcmp(old[o].sql, t->sql) != 0)) {
        if (t->feed) t->feed->spoiled = 1;
        t->rescan = 1;
        if (o < nold && (rc = materialize(db, &old[o], t))) break;
      } else if (o < nold) {
        t->touched = old[o].touched;
        t->rescan = old[o].rescan;  /* a bulk write's table, hashed whole */
        t->txops = old[o].txops;
        t->drows = old[o].drows;
        memcpy(t->dsum, old[o].dsum, sizeof t->dsum);
      }
    }
    for (int o = 0; o < nold; o++)
      if (old[o].feed && find_table(ch, old[o].name) < 0) {
        old[o].feed->t = -1;
        old[o].feed->spoiled = 1;
      }
    /* Pending rows point into the old registry: re-point them. */
    for (size_t e = 0; e < ch->np; e++) {
      int k = find_table(ch, old[ch->p[e].t].name);
      ch->p[e].t = k < 0 ? UINT32_MAX : (uint32_t)k;
    }
    if (!rc && migration &&
        sqlite3_exec(db->sql,
                     "DELETE FROM chain_rows WHERE tbl IN (SELECT id FROM chain_tables WHERE name"
                     " NOT IN (SELECT name FROM sqlite_master WHERE type = 'table'));"
                     "DELETE FROM chain_tables WHERE name NOT IN"
                     " (SELECT name FROM sqlite_master WHERE type = 'table')",
                     NULL, NULL, NULL) != SQLITE_OK)
      rc = isms__fail_sql(db, "writing the hash chain");
  }
  for (int o = 0; o < nold; o++) table_free(&old[o]);
  free(old);
  ch->schema = v;
  ch->last = -1;
  return rc;
}

int isms__chain_settle(isms_db *db) {
  isms__chain *ch = db->chain;
  if (!ch || !ch->ready) return ISMS_OK;
  if (ch->broken)
    return isms__fail(db, ISMS_NOMEM, "out of memory hashing the change for the hash chain");
  ch->settling = 1;
  int moved, rc = schema_moved(db, &moved);
  int any = moved || ch->np > 0;
  for (int k = 0; !any && k < ch->nt; k++) any = ch->t[k].touched;
  if (rc || !any) goto done;
  /* The rows this write touched, in order, as the delta the link covers;
  ** the batches it opened are the change_batches rows it inserted. */
  int batches = find_table(ch, "change_batches");
  int64_t first = 0, last = 0;
  if (!EVP_DigestInit_ex2(ch->md, ch->sha, NULL)) {
    rc = isms__fail(db, ISMS_ERROR, "cannot hash the change");
    goto done;
  }
  for (size_t e = 0; !rc && e < ch->np; e++) {
    const pend *p = &ch->p[e];
    if (p->t == UINT32_MAX) continue;
    ctable *t = &ch->t[p->t];
    if (t->rescan) continue;
    if ((rc = table_id(db, t))) break;
    const unsigned char *key = ch->keys ? ch->keys + p->koff : NULL;
    unsigned char head[1 + 4 + 1 + 8 + 8];
    head[0] = p->del;
    put64(head + 1, (uint64_t)t->id);  /* low 4 bytes used */
    head[5] = p->ktype;
    put64(head + 6, (uint64_t)(p->ktype == 'i' ? p->ival : (int64_t)p->klen));
    put64(head + 14, (uint64_t)p->fp);
    EVP_DigestUpdate(ch->md, head, sizeof head);
    if (p->ktype != 'i' && p->klen) EVP_DigestUpdate(ch->md, key, p->klen);
    if ((int)p->t == batches && !p->del && p->ktype == 'i') {
      if (!first || p->ival < first) first = p->ival;
      if (p->ival > last) last = p->ival;
    }
  }
  /* The fingerprints, bucket by bucket. */
  if (!rc) rc = apply_buckets(db, ch->p, ch->np, ch->keys, 1);
  unsigned char delta[DIGEST];
  unsigned len;
  if (!rc && !EVP_DigestFinal_ex(ch->md, delta, &len))
    rc = isms__fail(db, ISMS_ERROR, "cannot hash the change");
  /* Each touched table's sum moves by what this write added. */
  sqlite3_stmt *get = NULL, *put = NULL;
  if (!rc && (sqlite3_prepare_v2(db->sql, "SELECT rows, sum FROM chain_tables WHERE id = ?1", -1,
                                 &get, NULL) != SQLITE_OK ||
              sqlite3_prepare_v2(db->sql,
                                 "UPDATE chain_tables SET rows = ?2, sum = ?3 WHERE id = ?1", -1,
                                 &put, NULL) != SQLITE_OK))
    rc = isms__fail_sql(db, "writing the hash chain");
  for (int k = 0; !rc && k < ch->nt; k++) {
    ctable *t = &ch->t[k];
    if (t->rescan) {
      rc = rescan(db, t);
      continue;
    }
    if (t->feed) {
      if (!t->feed->rewrite || t->touched) rc = feed_settle(db, t);
      continue;
    }
    if (!t->touched) continue;
    if ((rc = table_id(db, t))) break;
    uint64_t sum[4] = {0, 0, 0, 0};
    int64_t rows = 0;
    sqlite3_bind_int(get, 1, t->id);
    if (sqlite3_step(get) == SQLITE_ROW) {
      rows = sqlite3_column_int64(get, 0);
      sum_from_bytes(sum, sqlite3_column_blob(get, 1), sqlite3_column_bytes(get, 1));
    }
    sqlite3_reset(get);
    unsigned char d[DIGEST];
    sum_to_bytes(t->dsum, d);
    sum_add(sum, d);
    unsigned char b[DIGEST];
    sum_to_bytes(sum, b);
    sqlite3_bind_int(put, 1, t->id);
    sqlite3_bind_int64(put, 2, rows + t->drows);
    t->nrows = rows + t->drows;
    sqlite3_bind_blob(put, 3, b, DIGEST, SQLITE_STATIC);
    rc = step_done(db, put, "writing the hash chain");
  }
  sqlite3_finalize(get);
  sqlite3_finalize(put);
  if (!rc) rc = append_link(db, delta, first, last, moved ? "schema" : "");
done:
  ch->settling = 0;
  if (!rc) pending_clear(ch);
  return rc;
}

void isms__chain_reset(isms_db *db) {
  if (db->chain) pending_clear(db->chain);
}

/* ============================================================== starting */

static int has_chain_tables(sqlite3 *s) {
  sqlite3_stmt *q;
  int n = 0;
  if (sqlite3_prepare_v2(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
                            " name IN ('chain_tables', 'chain_rows', 'chain_links')",
                         -1, &q, NULL) != SQLITE_OK)
    return 0;
  if (sqlite3_step(q) == SQLITE_ROW) n = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  return n == 3;
}

static int64_t scalar64(sqlite3 *s, const char *sql) {
  sqlite3_stmt *q;
  int64_t v = -1;
  if (sqlite3_prepare_v2(s, sql, -1, &q, NULL) != SQLITE_OK) return -1;
  if (sqlite3_step(q) == SQLITE_ROW) v = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return v;
}

/* The first link: every row as it is when the chain starts. */
static int genesis(isms_db *db) {
  isms__chain *ch = db->chain;
  /* Read first, without a lock: an open that finds the chain begun (all
  ** but the first) must not wait for a writer. */
  if (scalar64(db->sql, "SELECT count(*) FROM chain_links") != 0) return ISMS_OK;
  int rc = isms__begin(db);
  if (rc) return rc;
  if (!(rc = registry_load(db)) && scalar64(db->sql, "SELECT count(*) FROM chain_links") == 0) {
    ch->settling = 1;
    for (int k = 0; !rc && k < ch->nt; k++) rc = rescan(db, &ch->t[k]);
    int64_t before = scalar64(db->sql, "SELECT coalesce(max(id), 0) FROM change_batches");
    unsigned char delta[DIGEST] = {0};
    /* first_batch: the first batch the chain covers; the ones before it
    ** were made before the chain began. */
    if (!rc) rc = append_link(db, delta, before + 1, before, before > 0 ? "migration" : "new");
    ch->settling = 0;
    if (rc || (rc = isms__exec(db, "COMMIT"))) {
      isms__rollback(db);
      return rc;
    }
    return ISMS_OK;
  }
  isms__rollback(db);
  return rc;
}


int isms__chain_begin(isms_db *db) {
  isms__chain *ch = db->chain;
  if (!ch || !ch->ready) return ISMS_OK;
  /* Where the schema stands as the write begins: only a write that moves
  ** both the schema and its version (a migration of schema.c) may
  ** re-hash tables; a schema changed outside isms is a finding instead. */
  ch->txn_schema = read_schema_version(db->sql);
  ch->txn_user = read_user_version(db->sql);
  if (ch->loaded) return ISMS_OK;
  ch->schema = ch->txn_schema;
  int rc = registry_load(db);
  if (!rc) ch->loaded = 1;
  return rc;
}

int isms__chain_start(isms_db *db) {
  if (db->chain && db->chain->ready) return ISMS_OK;
  if (!has_chain_tables(db->sql)) return ISMS_OK;
  isms__chain *ch = db->chain;
  if (!ch) {
    /* (its SHA-256 comes later: crypto_ready) */
    if (!(ch = calloc(1, sizeof *ch))) return isms__fail(db, ISMS_NOMEM, "out of memory");
    ch->last = -1;
    const char *strict = getenv("ISMS_CHAIN_STRICT");
    ch->strict = strict && *strict && strcmp(strict, "0") != 0;
    db->chain = ch;
  }
  int rc = genesis(db);
  if (rc) return rc;
  /* The tables are read at the first write (isms__chain_begin): a command
  ** that only reads does not pay for it. */
  registry_free(ch);
  ch->loaded = 0;
  sqlite3_preupdate_hook(db->sql, on_preupdate, ch);
  sqlite3_commit_hook(db->sql, on_commit, ch);
  sqlite3_rollback_hook(db->sql, on_rollback, ch);
  ch->ready = 1;
  return ISMS_OK;
}

/* ============================================================= verifying */

/* The findings of a verification, one line each:
** KIND \t TABLE \t KEY \t DETAIL. */
typedef struct report {
  char *s;
  size_t n, cap;
  int64_t count;
  int oom;
} report;

static void say(report *r, const char *kind, const char *table, const char *key,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void say(report *r, const char *kind, const char *table, const char *key,
                const char *fmt, ...) {
  char detail[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  /* Tabs and newlines would break the line format. */
  for (char *p = detail; *p; p++)
    if (*p == '\t' || *p == '\n' || *p == '\r') *p = ' ';
  size_t need = strlen(kind) + strlen(table) + strlen(key) + strlen(detail) + 5;
  if (grow((unsigned char **)&r->s, &r->cap, r->n + need + 1)) {
    r->oom = 1;
    return;
  }
  r->n += (size_t)sprintf(r->s + r->n, "%s\t%s\t%s\t%s\n", kind, table, key, detail);
  r->count++;
}

static void hex(const unsigned char *b, size_t n, char *out) {
  static const char d[] = "0123456789abcdef";
  for (size_t k = 0; k < n; k++) {
    out[2 * k] = d[b[k] >> 4];
    out[2 * k + 1] = d[b[k] & 15];
  }
  out[2 * n] = '\0';
}

/* A key as people read it: the value, or the values of a composite key
** joined by " / " (tabs and newlines made spaces by say). */
static void key_text(uint8_t ktype, int64_t ival, const unsigned char *k, size_t n, char *out,
                     size_t outsize) {
  if (ktype == 'i') {
    snprintf(out, outsize, "%lld", (long long)ival);
    return;
  }
  if (ktype == 't') {
    snprintf(out, outsize, "%.*s", (int)(n < outsize - 1 ? n : outsize - 1), (const char *)k);
    return;
  }
  size_t o = 0, p = 0;
  out[0] = '\0';
  while (p < n && o + 2 < outsize) {
    if (o) o += (size_t)snprintf(out + o, outsize - o, " / ");
    if (o >= outsize) break;
    char tag = (char)k[p++];
    if ((tag == 'i' || tag == 'f') && p + 8 <= n) {
      uint64_t v = 0;
      for (int b = 0; b < 8; b++) v |= (uint64_t)k[p + b] << (8 * b);
      p += 8;
      if (tag == 'i') {
        o += (size_t)snprintf(out + o, outsize - o, "%lld", (long long)(int64_t)v);
      } else {
        double d;
        memcpy(&d, &v, 8);
        o += (size_t)snprintf(out + o, outsize - o, "%g", d);
      }
    } else if ((tag == 't' || tag == 'b') && p + 4 <= n) {
      uint32_t len = 0;
      for (int b = 0; b < 4; b++) len |= (uint32_t)k[p + b] << (8 * b);
      p += 4;
      if (len > n - p) len = (uint32_t)(n - p);
      o += (size_t)snprintf(out + o, outsize - o, "%.*s", (int)len, (const char *)k + p);
      p += len;
    } else {
      o += (size_t)snprintf(out + o, outsize - o, "NULL");
    }
    if (o >= outsize) o = outsize - 1;
  }
}

/* What names a row beside its key: up to five of its other columns. */
static void row_label(const ctable *t, sqlite3_stmt *q, int off, char *out, size_t outsize) {
  size_t o = 0;
  int shown = 0;
  out[0] = '\0';
  for (int c = 0; c < t->ncols && shown < 5 && o + 8 < outsize; c++) {
    int is_key = c == t->ipk;
    for (int k = 0; !t->rowid && k < t->npk; k++) is_key |= t->pk[k] == c;
    if (is_key || sqlite3_column_type(q, off + c) == SQLITE_NULL) continue;
    const char *v = (const char *)sqlite3_column_text(q, off + c);
    o += (size_t)snprintf(out + o, outsize - o, "%s%s=%.60s", shown ? ", " : "", t->cols[c],
                          v ? v : "");
    if (o >= outsize) o = outsize - 1;
    shown++;
  }
}

/* Where a table's rows do not add up to its sum: name them, through the
** fingerprints chain_rows holds; the first NAMED_MAX, then how many more. */
enum { NAMED_MAX = 100 };

static int name_rows(isms_db *db, const ctable *t, int id, report *r) {
  isms__chain *ch = db->chain;
  sqlite3_stmt *q = NULL;
  int64_t n = 0, found = 0;
  int64_t *fps = NULL;
  unsigned char *seen = NULL;
  isms__strmap *map = isms__strmap_new();
  unsigned char *kb = NULL;
  size_t nkb = 0, capkb = 0;
  int rc = map ? ISMS_OK : ISMS_NOMEM;
  int64_t before = r->count;
  /* Every fingerprint of the table, by key (kb: its type and bytes). */
  size_t *koff = NULL, nall = 0, capall = 0;
  unsigned char *all = NULL;
  if (!rc && sqlite3_prepare_v2(db->sql, "SELECT bucket, fps FROM chain_rows WHERE tbl = ?1",
                                -1, &q, NULL) != SQLITE_OK)
    rc = ISMS_STORAGE;
  size_t capn = 0;
  if (!rc) sqlite3_bind_int(q, 1, id);
  while (!rc && sqlite3_step(q) == SQLITE_ROW) {
    int hashed = sqlite3_column_type(q, 0) != SQLITE_INTEGER;
    int64_t b = sqlite3_column_int64(q, 0);
    const unsigned char *blob = sqlite3_column_blob(q, 1);
    size_t nblob = (size_t)sqlite3_column_bytes(q, 1), at = 0;
    bentry e;
    while (!rc && bucket_next(hashed, b, blob, nblob, &at, &e)) {
      if (grow(&kb, &capkb, 16 + e.klen)) { rc = ISMS_NOMEM; break; }
      kb[0] = e.ktype;
      if (e.ktype == 'i') {
        put64(kb + 1, (uint64_t)e.ival);
        nkb = 9;
      } else {
        if (e.klen) memcpy(kb + 1, e.key, e.klen);
        nkb = 1 + e.klen;
      }
      if ((size_t)n == capn) {
        capn = capn ? 2 * capn : 1024;
        int64_t *f = realloc(fps, capn * sizeof *f);
        if (f) fps = f;
        unsigned char *sn = f ? realloc(seen, capn) : NULL;
        if (sn) seen = sn;
        size_t *ko = sn ? realloc(koff, (capn + 1) * sizeof *ko) : NULL;
        if (ko) koff = ko;
        if (!f || !sn || !ko) { rc = ISMS_NOMEM; break; }
        if (!n) koff[0] = 0;
      }
      if (grow(&all, &capall, nall + nkb)) { rc = ISMS_NOMEM; break; }
      memcpy(all + nall, kb, nkb);
      nall += nkb;
      koff[n + 1] = nall;
      fps[n] = e.fp;
      seen[n] = 0;
      if (isms__strmap_add(map, (const char *)kb, nkb, n, NULL) < 0) { rc = ISMS_NOMEM; break; }
      n++;
    }
  }
  sqlite3_finalize(q);
  q = NULL;
  char *sql = rc ? NULL : scan_sql(t);
  if (!rc && !sql) rc = ISMS_NOMEM;
  if (!rc && sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK) rc = ISMS_STORAGE;
  free(sql);
  int off = t->rowid ? 1 : 0;
  source src = {db->sql, q, 0, off};
  unsigned char md[DIGEST];
  char keytext[256], label[512];
  while (!rc && sqlite3_step(q) == SQLITE_ROW) {
    int64_t rowid = t->rowid ? sqlite3_column_int64(q, 0) : 0, ival = rowid;
    uint8_t ktype = 'i';
    ch->nkbuf = 0;
    if (row_digest(ch, t, &src, t->ncols, rowid, md) ||
        (!t->rowid && row_key(ch, t, &src, &ktype, &ival)) ||
        grow(&kb, &capkb, 16 + ch->nkbuf)) {
      rc = ISMS_NOMEM;
      break;
    }
    kb[0] = ktype;
    if (ktype == 'i') {
      put64(kb + 1, (uint64_t)ival);
      nkb = 9;
    } else {
      if (ch->nkbuf) memcpy(kb + 1, ch->kbuf, ch->nkbuf);
      nkb = 1 + ch->nkbuf;
    }
    int64_t at;
    int present = isms__strmap_get(map, (const char *)kb, nkb, &at);
    if (present && fps[at] == fingerprint(md)) {
      seen[at] = 1;
      continue;
    }
    if (present) seen[at] = 1;
    if (++found > NAMED_MAX) continue;
    key_text(ktype, ival, ch->kbuf, ch->nkbuf, keytext, sizeof keytext);
    row_label(t, q, off, label, sizeof label);
    if (present) {
      say(r, "edited", t->name, keytext, "%s row %s was changed outside isms%s%s", t->name,
          keytext, *label ? ": now " : "", label);
    } else {
      say(r, "inserted", t->name, keytext, "%s row %s was added outside isms%s%s", t->name,
          keytext, *label ? ": " : "", label);
    }
  }
  sqlite3_finalize(q);
  /* What chain_rows holds and the table does not was deleted. */
  for (int64_t e = 0; !rc && e < n; e++) {
    if (seen[e] || ++found > NAMED_MAX) continue;
    const unsigned char *k = all + koff[e];
    size_t kn = koff[e + 1] - koff[e];
    key_text(k[0], k[0] == 'i' && kn >= 9 ? (int64_t)get64(k + 1) : 0, k + 1, kn - 1, keytext,
             sizeof keytext);
    say(r, "deleted", t->name, keytext, "%s row %s was deleted outside isms", t->name, keytext);
  }
  if (!rc && found > NAMED_MAX)
    say(r, "table", t->name, "", "%s: %lld more rows were changed outside isms (the first %d "
        "are named above)", t->name, (long long)(found - NAMED_MAX), NAMED_MAX);
  if (!rc && r->count == before)
    say(r, "table", t->name, "", "%s: its rows do not add up to the chain, and no single row "
        "can be named (the chain's row fingerprints were edited as well)", t->name);
  isms__strmap_free(map);
  free(fps);
  free(seen);
  free(kb);
  free(koff);
  free(all);
  if (rc == ISMS_NOMEM) return isms__fail(db, rc, "out of memory verifying %s", t->name);
  if (rc) return isms__fail_sql(db, "verifying the register");
  return ISMS_OK;
}

/* Hashes table t whole: its rows and its sum. */
static int table_sum(isms_db *db, const ctable *t, int64_t expect, int64_t *rows,
                     uint64_t sum[4]) {
  isms__chain *ch = db->chain;
  char *sql = scan_sql(t);
  sqlite3_stmt *q;
  if (!sql) return isms__fail(db, ISMS_NOMEM, "out of memory");
  int rc = sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL);
  free(sql);
  if (rc != SQLITE_OK) return isms__fail_sql(db, "verifying the register");
  memset(sum, 0, 4 * sizeof *sum);
  *rows = 0;
  source src = {db->sql, q, 0, t->rowid ? 1 : 0};
  unsigned char md[DIGEST];
  int s = SQLITE_DONE;
  rc = ISMS_OK;
  hasher *h = NULL;
  pthread_t worker;
  if (expect >= 4 * CHUNK_ROWS && (h = calloc(1, sizeof *h))) {
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    h->sha = ch->sha;
    if (pthread_create(&worker, NULL, hash_worker, h) != 0) {
      pthread_mutex_destroy(&h->mu);
      pthread_cond_destroy(&h->cv);
      free(h);
      h = NULL;
    }
  }
  int k = 0, acquire = 1;
  while ((s = sqlite3_step(q)) == SQLITE_ROW) {
    int64_t rowid = t->rowid ? sqlite3_column_int64(q, 0) : 0;
    ++*rows;
    if (!h) {
      if (row_digest(ch, t, &src, t->ncols, rowid, md)) {
        rc = isms__fail(db, ISMS_NOMEM, "out of memory verifying %s", t->name);
        break;
      }
      sum_add(sum, md);
      continue;
    }
    chunk *c = &h->c[k];
    if (acquire) {  /* wait until the worker is done with it */
      pthread_mutex_lock(&h->mu);
      while (c->full) pthread_cond_wait(&h->cv, &h->mu);
      pthread_mutex_unlock(&h->mu);
      c->n = c->rows = 0;
      acquire = 0;
    }
    if (row_bytes(t, &src, t->ncols, rowid, &c->buf, &c->n, &c->cap)) {
      rc = isms__fail(db, ISMS_NOMEM, "out of memory verifying %s", t->name);
      break;
    }
    c->ends[c->rows++] = c->n;
    if (c->rows == CHUNK_ROWS) {
      pthread_mutex_lock(&h->mu);
      c->full = 1;
      pthread_cond_broadcast(&h->cv);
      pthread_mutex_unlock(&h->mu);
      k ^= 1;
      acquire = 1;
    }
  }
  if (h) {
    chunk *c = &h->c[k];
    pthread_mutex_lock(&h->mu);
    if (!acquire && c->rows) c->full = 1;
    h->done = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(worker, NULL);
    hash_left(h, ch->md);
    memcpy(sum, h->sum, sizeof h->sum);
    if (!rc && h->failed) rc = isms__fail(db, ISMS_ERROR, "cannot hash %s", t->name);
    for (int j = 0; j < 2; j++) free(h->c[j].buf);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
  }
  if (!rc && s != SQLITE_DONE) rc = isms__fail_sql(db, "verifying the register");
  sqlite3_finalize(q);
  return rc;
}

static int read_link(sqlite3_stmt *q, link *l) {
  memset(l, 0, sizeof *l);
  l->seq = sqlite3_column_int64(q, 0);
  snprintf(l->at, sizeof l->at, "%s", sqlite3_column_text(q, 1) ? (const char *)sqlite3_column_text(q, 1) : "");
  l->first = sqlite3_column_int64(q, 2);
  l->last = sqlite3_column_int64(q, 3);
  snprintf(l->note, sizeof l->note, "%s",
           sqlite3_column_text(q, 4) ? (const char *)sqlite3_column_text(q, 4) : "");
  int ok = 1;
  unsigned char *f[4] = {l->delta, l->state, l->prev, l->hash};
  for (int k = 0; k < 4; k++) {
    if (sqlite3_column_bytes(q, 5 + k) == DIGEST)
      memcpy(f[k], sqlite3_column_blob(q, 5 + k), DIGEST);
    else
      ok = 0;
  }
  return ok;
}

/* Walks the links: each must follow the one before, and hash to what it
** says. Fills the start and head of info. */
static int walk_links(isms_db *db, isms_verify_info *info, link *head, report *r) {
  isms__chain *ch = db->chain;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT seq, at, first_batch, last_batch, note, delta, state, prev, hash"
                         " FROM chain_links ORDER BY seq",
                         -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading the hash chain");
  link l, prev;
  int have = 0;
  char s1[16], s2[64];
  memset(&prev, 0, sizeof prev);
  while (sqlite3_step(q) == SQLITE_ROW) {
    int whole = read_link(q, &l);
    info->links++;
    snprintf(s1, sizeof s1, "%lld", (long long)l.seq);
    if (!have) {
      if (l.seq != 1) {
        say(r, "chain", "chain_links", "1",
            "links 1 to %lld of the chain were deleted: the chain's start is gone",
            (long long)l.seq - 1);
      } else {
        info->first_batch = l.first;
        info->migrated = strcmp(l.note, "migration") == 0;
        snprintf(info->start_at, sizeof info->start_at, "%s", l.at);
      }
    } else if (l.seq != prev.seq + 1) {
      snprintf(s2, sizeof s2, "%lld", (long long)prev.seq + 1);
      say(r, "chain", "chain_links", s2, "links %lld to %lld of the chain were deleted",
          (long long)prev.seq + 1, (long long)l.seq - 1);
    } else if (memcmp(l.prev, prev.hash, DIGEST) != 0) {
      say(r, "chain", "chain_links", s1,
          "link %lld does not follow link %lld: the chain was cut or re-ordered",
          (long long)l.seq, (long long)prev.seq);
    }
    if (!have && l.seq == 1) {
      static const unsigned char zero[DIGEST];
      if (memcmp(l.prev, zero, DIGEST) != 0)
        say(r, "chain", "chain_links", s1, "link 1 claims a predecessor: the chain was cut");
    }
    unsigned char h[DIGEST];
    if (!whole || link_hash(ch->md, &l, h) || memcmp(h, l.hash, DIGEST) != 0)
      say(r, "chain", "chain_links", s1,
          "link %lld (%s) was edited: its hash does not match its content", (long long)l.seq,
          l.at);
    if (l.last > info->head_batch) info->head_batch = l.last;
    prev = l;
    have = 1;
  }
  sqlite3_finalize(q);
  if (!have) {
    say(r, "chain", "chain_links", "", "the chain has no links: chain_links was emptied");
    memset(head, 0, sizeof *head);
    return ISMS_OK;
  }
  *head = prev;
  info->head_seq = prev.seq;
  hex(prev.hash, DIGEST, info->head);
  return ISMS_OK;
}

ISMS_API int isms_verify(isms_db *db, isms_verify_info *info, char **findings) {
  if (!db || !info || !findings) return ISMS_MISUSE;
  isms__clear_error(db);
  memset(info, 0, sizeof *info);
  *findings = NULL;
  isms__chain *ch = db->chain;
  if (!ch || !ch->ready)
    return isms__fail(db, ISMS_SCHEMA, "this register has no hash chain");
  if (!sqlite3_get_autocommit(db->sql))
    return isms__fail(db, ISMS_MISUSE, "isms_verify inside a transaction");
  report r = {0};
  /* One read transaction: one consistent state, while others may write. */
  int rc = isms__exec(db, "BEGIN");
  if (rc) return rc;
  link head;
  if (!(rc = registry_load(db))) {
    ch->loaded = 1;
    ch->schema = read_schema_version(db->sql);
    rc = walk_links(db, info, &head, &r);
  }
  unsigned char state[DIGEST];
  if (!rc && info->links) {
    if (state_digest(db->sql, ch->md, state))
      rc = isms__fail_sql(db, "reading the hash chain");
    else if (memcmp(state, head.state, DIGEST) != 0)
      say(&r, "chain", "chain_tables", "",
          "the head link (%lld) does not hold the tables' sums: the links after it were "
          "deleted, or chain_tables was edited",
          (long long)head.seq);
  }
  /* Every table against its sum; the rows of one that is off, by name. */
  sqlite3_stmt *q = NULL;
  if (!rc && sqlite3_prepare_v2(db->sql, "SELECT id, rows, sum FROM chain_tables WHERE name = ?1",
                                -1, &q, NULL) != SQLITE_OK)
    rc = isms__fail_sql(db, "reading the hash chain");
  for (int k = 0; !rc && k < ch->nt; k++) {
    ctable *t = &ch->t[k];
    int64_t rows = 0;
    uint64_t sum[4], want[4] = {0, 0, 0, 0};
    sqlite3_bind_text(q, 1, t->name, -1, SQLITE_STATIC);
    int known = sqlite3_step(q) == SQLITE_ROW;
    int id = known ? sqlite3_column_int(q, 0) : 0;
    int64_t wrows = known ? sqlite3_column_int64(q, 1) : 0;
    if (known) sum_from_bytes(want, sqlite3_column_blob(q, 2), sqlite3_column_bytes(q, 2));
    sqlite3_reset(q);
    if ((rc = table_sum(db, t, wrows, &rows, sum))) break;
    info->rows += rows;
    info->tables++;
    if (!known) {
      if (rows)
        say(&r, "table", t->name, "", "table %s (%lld rows) is not in the chain: made outside isms",
            t->name, (long long)rows);
      continue;
    }
    if (rows == wrows && memcmp(sum, want, sizeof sum) == 0) continue;
    rc = name_rows(db, t, id, &r);
  }
  sqlite3_finalize(q);
  /* Tables the chain knows that are gone. */
  if (!rc &&
      sqlite3_prepare_v2(db->sql,
                         "SELECT name, rows FROM chain_tables WHERE name NOT IN"
                         " (SELECT name FROM sqlite_master WHERE type = 'table') ORDER BY name",
                         -1, &q, NULL) == SQLITE_OK) {
    while (sqlite3_step(q) == SQLITE_ROW)
      say(&r, "table", (const char *)sqlite3_column_text(q, 0), "",
          "table %s (%lld rows in the chain) was dropped outside isms",
          (const char *)sqlite3_column_text(q, 0), (long long)sqlite3_column_int64(q, 1));
    sqlite3_finalize(q);
  }
  isms__exec(db, "COMMIT");
  if (!rc && r.oom) rc = isms__fail(db, ISMS_NOMEM, "out of memory listing the findings");
  if (rc) {
    free(r.s);
    return rc;
  }
  info->findings = r.count;
  *findings = r.s;
  return ISMS_OK;
}

/* ================================================================ head */

int isms__chain_head(isms_db *db, int64_t *seq, int64_t *batch, unsigned char hash[32],
                     char *at, size_t atsize, int64_t *rows) {
  sqlite3_stmt *q;
  int rc = ISMS_OK;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT seq, hash, (SELECT max(last_batch) FROM chain_links),"
                         " (SELECT coalesce(sum(rows), 0) FROM chain_tables)"
                         " FROM chain_links ORDER BY seq DESC LIMIT 1",
                         -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading the hash chain");
  if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 1) == DIGEST) {
    *seq = sqlite3_column_int64(q, 0);
    memcpy(hash, sqlite3_column_blob(q, 1), DIGEST);
    *batch = sqlite3_column_int64(q, 2);
    *rows = sqlite3_column_int64(q, 3);
  } else {
    rc = isms__fail(db, ISMS_SCHEMA, "this register has no hash chain");
  }
  sqlite3_finalize(q);
  if (at) utc_now(at, atsize);
  return rc;
}

int isms__chain_link_hash(isms_db *db, int64_t seq, unsigned char hash[32], int *found) {
  sqlite3_stmt *q;
  *found = 0;
  if (sqlite3_prepare_v2(db->sql, "SELECT hash FROM chain_links WHERE seq = ?1", -1, &q, NULL) !=
      SQLITE_OK)
    return isms__fail_sql(db, "reading the hash chain");
  sqlite3_bind_int64(q, 1, seq);
  if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) == DIGEST) {
    memcpy(hash, sqlite3_column_blob(q, 0), DIGEST);
    *found = 1;
  }
  sqlite3_finalize(q);
  return ISMS_OK;
}
