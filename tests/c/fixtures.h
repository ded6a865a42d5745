/*
** fixtures.h -- shared set-up for the C tests: a temporary directory with
** named files in it, and the qism-fmea asset valuation built through the
** C API (the case study's C x I x A classes A, B and C).
*/
#ifndef ISMS_TEST_FIXTURES_H
#define ISMS_TEST_FIXTURES_H

#include <stdio.h>

#include "isms.h"

static char fixture_dir[] = "/tmp/isms-test-XXXXXX";

/* A path in the test's directory (made by mkdtemp in main); four rotate. */
static inline const char *path_of(const char *name) {
  static char buf[4][256];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", fixture_dir, name);
  return buf[k];
}

static inline void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  fputs(text, f);
  fclose(f);
}

/* qism-fmea's valuation: C 1-4, I and A 1-3, classes by C x I x A. */
static inline isms_method *qism(void) {
  static const char *c[] = {"Unclassified", "Restricted", "Confidential", "Secret"};
  static const char *ia[] = {"Low", "Moderate", "High"};
  isms_method *m;
  if (isms_method_new("qism", &m)) return NULL;
  for (int v = 1; v <= 4; v++) isms_method_add_tier(m, ISMS_DIM_C, v, c[v - 1]);
  for (int v = 1; v <= 3; v++) {
    isms_method_add_tier(m, ISMS_DIM_I, v, ia[v - 1]);
    isms_method_add_tier(m, ISMS_DIM_A, v, ia[v - 1]);
  }
  isms_method_add_alias(m, ISMS_DIM_C, 1, "public");
  static const double A[] = {18, 24, 27, 32, 36}, B[] = {8, 9, 12, 16}, C[] = {1, 2, 3, 4, 6};
  int k;
  isms_method_add_class(m, "A", &k);
  for (size_t j = 0; j < 5; j++) isms_method_class_add_value(m, k, A[j]);
  isms_method_add_class(m, "B", &k);
  for (size_t j = 0; j < 4; j++) isms_method_class_add_value(m, k, B[j]);
  isms_method_add_class(m, "C", &k);
  for (size_t j = 0; j < 5; j++) isms_method_class_add_value(m, k, C[j]);
  return m;
}

#endif
