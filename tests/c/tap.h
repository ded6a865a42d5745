/*
** tap.h -- a tiny Test Anything Protocol helper for the C tests.
**
**   ok(cond, "name %d", ...)        passes when cond is true
**   is_int(got, want, "name")       integers (printed on failure)
**   is_str(got, want, "name")       strings; NULL only equals NULL
**   like(got, substring, "name")    got contains substring
**   diag("fmt", ...)                a "# ..." comment line
**   return done_testing();          prints the plan "1..N"; nonzero if any failed
**
** The plan comes at the end, which TAP allows, so tests need not count.
*/
#ifndef ISMS_TAP_H
#define ISMS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failures;

static inline void tap_vdiag(const char *fmt, va_list ap) {
  printf("# ");
  vprintf(fmt, ap);
  printf("\n");
  fflush(stdout);
}

static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tap_vdiag(fmt, ap);
  va_end(ap);
}

static inline int tap_vreport(int pass, const char *file, int line, const char *fmt,
                              va_list ap) {
  tap_count++;
  if (!pass) tap_failures++;
  printf("%sok %d - ", pass ? "" : "not ", tap_count);
  vprintf(fmt, ap);
  printf("\n");
  if (!pass) printf("#   Failed test at %s line %d.\n", file, line);
  fflush(stdout);
  return pass;
}

static inline int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int tap_ok(int pass, const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tap_vreport(pass, file, line, fmt, ap);
  va_end(ap);
  return pass;
}

static inline int tap_is_int(long long got, long long want, const char *file, int line,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline int tap_is_int(long long got, long long want, const char *file, int line,
                             const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int pass = tap_vreport(got == want, file, line, fmt, ap);
  va_end(ap);
  if (!pass) tap_diag("       got: %lld\n#  expected: %lld", got, want);
  return pass;
}

static inline int tap_is_str(const char *got, const char *want, const char *file, int line,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline int tap_is_str(const char *got, const char *want, const char *file, int line,
                             const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int same = (got && want) ? strcmp(got, want) == 0 : got == want;
  int pass = tap_vreport(same, file, line, fmt, ap);
  va_end(ap);
  if (!pass)
    tap_diag("       got: %s%s%s\n#  expected: %s%s%s", got ? "'" : "", got ? got : "NULL",
             got ? "'" : "", want ? "'" : "", want ? want : "NULL", want ? "'" : "");
  return pass;
}

static inline int tap_like(const char *got, const char *sub, const char *file, int line,
                           const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline int tap_like(const char *got, const char *sub, const char *file, int line,
                           const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int pass = tap_vreport(got && sub && strstr(got, sub) != NULL, file, line, fmt, ap);
  va_end(ap);
  if (!pass)
    tap_diag("                  '%s'\n#     doesn't contain '%s'", got ? got : "NULL",
             sub ? sub : "NULL");
  return pass;
}

static inline int done_testing(void) {
  printf("1..%d\n", tap_count);
  if (tap_failures) printf("# Looks like you failed %d test(s) of %d.\n", tap_failures, tap_count);
  fflush(stdout);
  return tap_failures != 0;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
  tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define like(got, sub, ...) tap_like((got), (sub), __FILE__, __LINE__, __VA_ARGS__)
#define diag(...) tap_diag(__VA_ARGS__)

#endif /* ISMS_TAP_H */
