/*
** anchor.c -- signed checkpoints of the hash chain (docs/tamper-evidence.md).
**
** Anyone who can write the register file can rewrite the whole chain so
** that it agrees with itself again. An anchor, kept elsewhere, stops that:
** the head link's hash, signed with an Ed25519 key (OpenSSL, PEM files)
** whose private half the register never holds. A register that no longer
** holds the anchored link unchanged does not extend the anchor.
**
** The file is text, one "name: value" a line, the signature over every
** line before it:
**   isms anchor 1
**   link: 42
**   batch: 17
**   head: <64 hex digits>
**   rows: 123456
**   at: 2026-12-07T19:00:00.000Z
**   signature: <128 hex digits>
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "isms_internal.h"

enum { SIGLEN = 64, ANCHOR_MAX = 4096 };

static void to_hex(const unsigned char *b, size_t n, char *out) {
  static const char d[] = "0123456789abcdef";
  for (size_t k = 0; k < n; k++) {
    out[2 * k] = d[b[k] >> 4];
    out[2 * k + 1] = d[b[k] & 15];
  }
  out[2 * n] = '\0';
}

static int from_hex(const char *s, unsigned char *out, size_t n) {
  for (size_t k = 0; k < n; k++) {
    int v = 0;
    for (int h = 0; h < 2; h++) {
      char c = s[2 * k + h];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    out[k] = (unsigned char)v;
  }
  return s[2 * n] == '\0' || s[2 * n] == '\n' ? 0 : -1;
}

/* A new file at path, mode 0600 or 0644; refuses an existing one. */
static FILE *create_new(const char *path, int private_) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, private_ ? 0600 : 0644);
  if (fd < 0) return NULL;
  FILE *f = fdopen(fd, "w");
  if (!f) close(fd);
  return f;
}

ISMS_API int isms_anchor_keygen(const char *keyfile, const char *pubfile, char *why,
                                size_t whysize) {
  if (!keyfile || !pubfile || !why || !whysize) return ISMS_MISUSE;
  why[0] = '\0';
  EVP_PKEY *key = NULL;
  EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
  if (!kc || EVP_PKEY_keygen_init(kc) <= 0 || EVP_PKEY_keygen(kc, &key) <= 0) {
    EVP_PKEY_CTX_free(kc);
    snprintf(why, whysize, "cannot make an Ed25519 key (OpenSSL)");
    return ISMS_ERROR;
  }
  EVP_PKEY_CTX_free(kc);
  int rc = ISMS_OK;
  FILE *f = create_new(keyfile, 1);
  if (!f) {
    snprintf(why, whysize, "cannot create %s: %s", keyfile,
             errno == EEXIST ? "a file is there already" : strerror(errno));
    rc = ISMS_IO;
  } else {
    int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    if (fclose(f) != 0 || !ok) {
      snprintf(why, whysize, "cannot write %s", keyfile);
      rc = ISMS_IO;
    }
  }
  if (!rc) {
    f = create_new(pubfile, 0);
    if (!f) {
      snprintf(why, whysize, "cannot create %s: %s", pubfile,
               errno == EEXIST ? "a file is there already" : strerror(errno));
      rc = ISMS_IO;
      unlink(keyfile);
    } else {
      int ok = PEM_write_PUBKEY(f, key);
      if (fclose(f) != 0 || !ok) {
        snprintf(why, whysize, "cannot write %s", pubfile);
        rc = ISMS_IO;
      }
    }
  }
  EVP_PKEY_free(key);
  return rc;
}

static EVP_PKEY *read_key(const char *path, int private_, char *why, size_t whysize) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(why, whysize, "cannot read %s: %s", path, strerror(errno));
    return NULL;
  }
  EVP_PKEY *k = private_ ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
  fclose(f);
  if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
    snprintf(why, whysize, "%s is not an Ed25519 %s key in PEM", path,
             private_ ? "private" : "public");
    EVP_PKEY_free(k);
    return NULL;
  }
  return k;
}

static int sign_or_check(EVP_PKEY *k, int sign, const char *msg, size_t n, unsigned char *sig) {
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  size_t len = SIGLEN;
  int ok = m && (sign ? EVP_DigestSignInit(m, NULL, NULL, NULL, k) > 0 &&
                            EVP_DigestSign(m, sig, &len, (const unsigned char *)msg, n) > 0 &&
                            len == SIGLEN
                      : EVP_DigestVerifyInit(m, NULL, NULL, NULL, k) > 0 &&
                            EVP_DigestVerify(m, sig, SIGLEN, (const unsigned char *)msg, n) == 1);
  EVP_MD_CTX_free(m);
  return ok;
}

ISMS_API int isms_anchor_export(isms_db *db, const char *keyfile, const char *path) {
  if (!db || !keyfile || !path) return ISMS_MISUSE;
  isms__clear_error(db);
  char why[1024];
  EVP_PKEY *k = read_key(keyfile, 1, why, sizeof why);
  if (!k) return isms__fail(db, ISMS_INPUT, "%s", why);
  int64_t seq, batch, rows;
  unsigned char hash[32];
  char at[40], hx[65], body[ANCHOR_MAX];
  int rc = isms__chain_head(db, &seq, &batch, hash, at, sizeof at, &rows);
  if (rc) {
    EVP_PKEY_free(k);
    return rc;
  }
  to_hex(hash, 32, hx);
  int n = snprintf(body, sizeof body,
                   "isms anchor 1\nlink: %lld\nbatch: %lld\nhead: %s\nrows: %lld\nat: %s\n",
                   (long long)seq, (long long)batch, hx, (long long)rows, at);
  unsigned char sig[SIGLEN];
  if (!sign_or_check(k, 1, body, (size_t)n, sig)) {
    EVP_PKEY_free(k);
    return isms__fail(db, ISMS_ERROR, "cannot sign the anchor with %s (OpenSSL)", keyfile);
  }
  EVP_PKEY_free(k);
  char sx[2 * SIGLEN + 1];
  to_hex(sig, SIGLEN, sx);
  FILE *f = fopen(path, "w");
  if (!f) return isms__fail(db, ISMS_IO, "cannot write %s: %s", path, strerror(errno));
  fprintf(f, "%ssignature: %s\n", body, sx);
  if (fclose(f) != 0) return isms__fail(db, ISMS_IO, "cannot write %s", path);
  return ISMS_OK;
}

/* The value of "name: " in the anchor's text, or NULL. */
static const char *field(const char *text, const char *name) {
  size_t n = strlen(name);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ') return p + n + 2;
  return NULL;
}

static int read_int(const char *text, const char *name, int64_t *out) {
  const char *v = field(text, name);
  if (!v) return -1;
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (errno || end == v || (*end != '\n' && *end)) return -1;
  *out = x;
  return 0;
}

ISMS_API int isms_anchor_check(isms_db *db, const char *path, const char *pubfile,
                               isms_anchor_info *out) {
  if (!db || !path || !pubfile || !out) return ISMS_MISUSE;
  isms__clear_error(db);
  memset(out, 0, sizeof *out);
  char text[ANCHOR_MAX + 1], why[1024];
  FILE *f = isms__open_input(path, why, sizeof why);
  if (!f) return isms__fail(db, ISMS_IO, "%s %s", path, why);
  size_t n = fread(text, 1, ANCHOR_MAX, f);
  fclose(f);
  text[n] = '\0';
  if (strncmp(text, "isms anchor 1\n", 14) != 0 || strlen(text) != n)
    return isms__fail(db, ISMS_INPUT, "%s is not an isms anchor", path);
  char *sigline = strstr(text, "\nsignature: ");
  unsigned char sig[SIGLEN], want[32], have[32];
  if (!sigline || from_hex(sigline + 12, sig, SIGLEN))
    return isms__fail(db, ISMS_INPUT, "%s: the anchor has no signature", path);
  size_t signed_len = (size_t)(sigline - text) + 1;
  EVP_PKEY *k = read_key(pubfile, 0, why, sizeof why);
  if (!k) return isms__fail(db, ISMS_INPUT, "%s", why);
  int good = sign_or_check(k, 0, text, signed_len, sig);
  EVP_PKEY_free(k);
  if (!good)
    return isms__fail(db, ISMS_INPUT,
                      "%s: the signature does not match %s: the anchor was altered or made with "
                      "another key",
                      path, pubfile);
  sigline[1] = '\0';  /* the fields are read from the signed text only */
  const char *h = field(text, "head"), *at = field(text, "at");
  if (read_int(text, "link", &out->seq) || read_int(text, "batch", &out->batch) ||
      read_int(text, "rows", &out->rows) || !h || from_hex(h, want, 32) || !at)
    return isms__fail(db, ISMS_INPUT, "%s: the anchor lacks a field", path);
  to_hex(want, 32, out->head);
  snprintf(out->at, sizeof out->at, "%.*s", (int)strcspn(at, "\n"), at);
  int found, rc = isms__chain_link_hash(db, out->seq, have, &found);
  if (rc) return rc;
  if (!found)
    return isms__fail(db, ISMS_INPUT,
                      "the register does not extend the anchor of %s: link %lld is gone "
                      "(history rewritten or cut)",
                      out->at, (long long)out->seq);
  if (memcmp(have, want, 32) != 0)
    return isms__fail(db, ISMS_INPUT,
                      "the register does not extend the anchor of %s: link %lld differs from "
                      "the anchored one (history rewritten)",
                      out->at, (long long)out->seq);
  int64_t seq, batch, rows;
  unsigned char head[32];
  if ((rc = isms__chain_head(db, &seq, &batch, head, NULL, 0, &rows))) return rc;
  out->links_since = seq - out->seq;
  return ISMS_OK;
}
