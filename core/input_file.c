/*
** input_file.c -- opening a file the user names as input (a CSV, an XLSX),
** refusing what fopen would take but reading would not: a directory (a
** read then fails with EISDIR, which looked like "file is empty").
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
