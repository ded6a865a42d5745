/*
** test_method.c -- the methodology tables and the bulk valuation kernel,
** through the public C API only.
*/
#include <stdlib.h>
#include <string.h>

#include "isms.h"
#include "fixtures.h"
#include "tap.h"


static void test_compile_and_value(void) {
  isms_method *m = qism();
  is_int(isms_method_compile(m), ISMS_OK, "qism compiles");
  double v;
  int cls;
  is_int(isms_method_value(m, 4, 3, 3, &v, &cls), ISMS_OK, "value 4,3,3");
  ok(v == 36 && cls == 0, "4x3x3 = 36, class A");
  isms_method_value(m, 2, 2, 2, &v, &cls);
  ok(v == 8 && cls == 1, "2x2x2 = 8, class B");
  isms_method_value(m, 1, 2, 3, &v, &cls);
  ok(v == 6 && cls == 2, "1x2x3 = 6, class C");
  isms_method_value(m, 0, 2, 3, &v, &cls);
  is_int(cls, -1, "a missing level is unvalued");
  is_int(isms_method_value(m, 16, 1, 1, &v, &cls), ISMS_INPUT, "beyond the scale is refused");
  isms_method_free(m);
}

static void test_bulk_matches_single(void) {
  isms_method *m = qism();
  isms_method_compile(m);
  enum { N = 10000 };
  int8_t *c = malloc(N), *i = malloc(N), *a = malloc(N), *cls = malloc(N);
  double *v = malloc(N * sizeof *v);
  srand(7);
  for (int k = 0; k < N; k++) {
    c[k] = (int8_t)(rand() % 6 - 1);  /* -1 .. 4: includes bad and missing */
    i[k] = (int8_t)(rand() % 4);
    a[k] = (int8_t)(rand() % 5);
  }
  is_int(isms_method_value_bulk(m, N, c, i, a, v, cls), ISMS_OK, "bulk kernel runs");
  int agree = 1;
  for (int k = 0; k < N; k++) {
    int want_cls = -1;
    double want_v = 0;
    if (c[k] >= 1 && c[k] <= 4 && i[k] >= 1 && i[k] <= 3 && a[k] >= 1 && a[k] <= 3) {
      int sc;
      isms_method_value(m, c[k], i[k], a[k], &want_v, &sc);
      want_cls = sc;
    }
    if (cls[k] != want_cls || v[k] != want_v) {
      diag("row %d: C=%d I=%d A=%d gave %g/%d, want %g/%d", k, c[k], i[k], a[k], v[k], cls[k],
           want_v, want_cls);
      agree = 0;
      break;
    }
  }
  ok(agree, "bulk kernel agrees with single valuation on %d random rows", N);
  free(c), free(i), free(a), free(cls), free(v);
  isms_method_free(m);
}

static void test_parse(void) {
  isms_method *m = qism();
  int v;
  is_int(isms_method_parse_level(m, ISMS_DIM_C, "sEcReT", 6, &v), ISMS_OK, "labels ignore case");
  is_int(v, 4, "Secret is 4");
  isms_method_parse_level(m, ISMS_DIM_C, "PUBLIC", 6, &v);
  is_int(v, 1, "aliases work");
  isms_method_parse_level(m, ISMS_DIM_I, "3", 1, &v);
  is_int(v, 3, "numbers work");
  is_int(isms_method_parse_level(m, ISMS_DIM_I, "4", 1, &v), ISMS_INPUT, "4 is not an I tier");
  is_str(isms_method_errmsg(m), "4 is out of range; expected 1-3 or Low, Moderate, High",
         "out-of-range message");
  isms_method_parse_level(m, ISMS_DIM_A, "1.5", 3, &v);
  is_str(isms_method_errmsg(m), "'1.5' is not a whole number; expected 1-3 or Low, Moderate, High",
         "decimal message");
  isms_method_free(m);
}

static void test_invalid(void) {
  isms_method *m;
  isms_method_new("gappy", &m);
  isms_method_add_tier(m, ISMS_DIM_C, 1, "Low");
  isms_method_add_tier(m, ISMS_DIM_C, 3, "High");
  isms_method_add_tier(m, ISMS_DIM_I, 1, "Low");
  isms_method_add_tier(m, ISMS_DIM_A, 1, "Low");
  int k;
  isms_method_add_class(m, "all", &k);
  isms_method_class_add_range(m, k, 0, 100);
  is_int(isms_method_compile(m), ISMS_INPUT, "a gap in tiers is refused");
  is_str(isms_method_errmsg(m), "scale C: tiers must run 1..3 without gaps; tier 2 is missing",
         "gap message");
  is_int(isms_method_add_tier(m, ISMS_DIM_I, 2, "low"), ISMS_INPUT, "duplicate label refused");
  like(isms_method_errmsg(m), "already names tier 1", "duplicate label message");
  is_int(isms_method_add_tier(m, ISMS_DIM_I, 2, "7"), ISMS_INPUT, "numeric label refused");
  isms_method_free(m);

  m = qism();
  isms_method_add_class(m, "extra", &k);
  isms_method_class_add_value(m, k, 12);
  is_int(isms_method_compile(m), ISMS_INPUT, "overlapping classes are refused");
  is_str(isms_method_errmsg(m),
         "value 12 (C=2, I=2, A=3) falls in both class 'B' and class 'extra'",
         "overlap message names the first cell and both classes");
  isms_method_free(m);
}

int main(void) {
  test_compile_and_value();
  test_bulk_matches_single();
  test_parse();
  test_invalid();
  isms_method_free(NULL);
  ok(1, "freeing NULL is a no-op");
  return done_testing();
}
