/*
** input_file.c -- opening a file the user names as input (a CSV, an XLSX),
** refusing what fopen would take but reading would not: a directory (a
** read then fails with EISDIR, which looked like "file is empty"); reading
** it from another encoding through iconv; the delimiter of a CSV file.
*/
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sys/stat.h>

#include "isms_internal.h"

FILE *isms__open_input(const char *path, char *why, size_t whysize) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(why, whysize, "cannot open: %s", strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    snprintf(why, whysize, "is a directory, not a file");
    return NULL;
  }
  return f;
}

/* ============================================================ encodings */

static int is_utf8_name(const char *e) {
  return !e || !*e || strcasecmp(e, "utf-8") == 0 || strcasecmp(e, "utf8") == 0;
}

/* Converts in to UTF-8 into out; returns 0, or -1 with the reason. */
static int convert(FILE *in, FILE *out, iconv_t cd, const char *encoding, char *why,
                   size_t whysize) {
  char src[65536], dst[65536 * 4];
  size_t have = 0;   /* bytes in src not converted yet */
  long long offset = 0;  /* file offset of src[0] */
  for (;;) {
    size_t got = fread(src + have, 1, sizeof src - have, in);
    if (got == 0 && ferror(in)) {
      snprintf(why, whysize, "read error: %s", strerror(errno));
      return -1;
    }
    int at_end = got == 0;
    have += got;
    char *ip = src;
    size_t ileft = have;
    while (ileft > 0) {
      char *op = dst;
      size_t oleft = sizeof dst;
      size_t r = iconv(cd, &ip, &ileft, &op, &oleft);
      if (op > dst && fwrite(dst, 1, (size_t)(op - dst), out) != (size_t)(op - dst)) {
        snprintf(why, whysize, "cannot convert: write error: %s", strerror(errno));
        return -1;
      }
      if (r != (size_t)-1) break;
      if (errno == E2BIG) continue;
      if (errno == EINVAL && !at_end) break;  /* a sequence cut by the chunk: read on */
      long long where = offset + (ip - src);
      snprintf(why, whysize, "byte 0x%02X at offset %lld is not %s text%s",
               (unsigned char)*ip, where, encoding,
               errno == EINVAL ? " (the file ends inside a character)" : "");
      return -1;
    }
    offset += ip - src;
    memmove(src, ip, ileft);
    have = ileft;
    if (at_end) break;
  }
  char *op = dst;
  size_t oleft = sizeof dst;
  iconv(cd, NULL, NULL, &op, &oleft);  /* the shift state's closing bytes, if any */
  if (op > dst) fwrite(dst, 1, (size_t)(op - dst), out);
  return 0;
}

FILE *isms__open_input_as(const char *path, const char *encoding, char *why, size_t whysize,
                          int *code) {
  *code = ISMS_IO;
  FILE *in = isms__open_input(path, why, whysize);
  if (!in || is_utf8_name(encoding)) return in;
  *code = ISMS_INPUT;  /* from here on, the text or the encoding named is at fault */
  iconv_t cd = iconv_open("UTF-8", encoding);
  if (cd == (iconv_t)-1) {
    fclose(in);
    snprintf(why, whysize, "unknown encoding '%s' (see iconv --list), e.g. cp1252 or latin1",
             encoding);
    return NULL;
  }
  FILE *out = tmpfile();
  if (!out) {
    snprintf(why, whysize, "cannot convert from %s: no temporary file: %s", encoding,
             strerror(errno));
  } else if (convert(in, out, cd, encoding, why, whysize) != 0 || fflush(out) != 0) {
    fclose(out);
    out = NULL;
  } else {
    rewind(out);
  }
  iconv_close(cd);
  fclose(in);
  return out;
}

/* ============================================================ delimiter */

char isms__csv_delimiter(const char *line, size_t n) {
  int quoted = 0, commas = 0, semicolons = 0;
  for (size_t k = 0; k < n; k++) {
    char c = line[k];
    if (c == '"') quoted = !quoted;
    else if (c == '\n' && !quoted) break;
    else if (!quoted && c == ',') commas++;
    else if (!quoted && c == ';') semicolons++;
  }
  return semicolons > 0 && commas == 0 ? ';' : ',';
}
