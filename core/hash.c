/*
** hash.c -- SHA-256 digests of files and byte strings.
**
** Documented information is registered with the digest of its file, so
** `isms docs verify` can say which files changed or vanished since. The
** digest comes from OpenSSL's libcrypto (EVP), never from code of ours.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "isms_internal.h"

static void to_hex(const unsigned char *md, unsigned n, char *hex) {
  static const char digits[] = "0123456789abcdef";
  for (unsigned k = 0; k < n; k++) {
    hex[2 * k] = digits[md[k] >> 4];
    hex[2 * k + 1] = digits[md[k] & 15];
  }
  hex[2 * n] = '\0';
}

ISMS_API int isms_sha256(const void *data, size_t n, char *hex) {
  if (!hex || (!data && n)) return ISMS_MISUSE;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!EVP_Digest(data ? data : "", n, md, &len, EVP_sha256(), NULL)) return ISMS_ERROR;
  to_hex(md, len, hex);
  return ISMS_OK;
}

ISMS_API int isms_sha256_file(const char *path, char *hex) {
  if (!path || !hex) return ISMS_MISUSE;
  hex[0] = '\0';
  struct stat sb;
  if (stat(path, &sb) != 0) return errno == ENOENT || errno == ENOTDIR ? ISMS_NOTFOUND : ISMS_IO;
  if (!S_ISREG(sb.st_mode)) return ISMS_IO;
  FILE *f = fopen(path, "rb");
  if (!f) return ISMS_IO;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  unsigned char buf[1 << 16];
  size_t got;
  while (ok && (got = fread(buf, 1, sizeof buf, f)) > 0) ok = EVP_DigestUpdate(ctx, buf, got);
  ok = ok && !ferror(f);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  fclose(f);
  if (!ok) return ISMS_IO;
  to_hex(md, len, hex);
  return ISMS_OK;
}
