/*
** fuzz_common.h -- shared by the libFuzzer harnesses: the input is written
** to a file of the fuzzer's own (the importers read paths), once per run.
*/
#ifndef ISMS_FUZZ_COMMON_H
#define ISMS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A file in /tmp (or TMPDIR) named after the harness and the process, so
** fuzzers run side by side (-jobs) do not share one. */
static inline const char *fuzz_input_path(const char *harness) {
  static char path[512];
  if (!path[0]) {
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/isms-%s-%ld.csv", dir && *dir ? dir : "/tmp", harness,
             (long)getpid());
  }
  return path;
}

static inline const char *fuzz_write(const char *harness, const uint8_t *data, size_t size) {
  const char *path = fuzz_input_path(harness);
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  fclose(f);
  return path;
}

#endif
