/*
** cpu.c -- which copy of the bulk kernels runs (see ISMS_HAVE_AVX2 in
** isms_internal.h): decided once per process, from the CPU and the
** ISMS_DISABLE_AVX2 environment variable (any value but "" or "0" turns
** the AVX2 copy off, for comparing and testing the baseline one).
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

static int avx2;
static pthread_once_t avx2_once = PTHREAD_ONCE_INIT;

static void avx2_init(void) {
#if defined(ISMS_HAVE_AVX2)
  const char *env = getenv("ISMS_DISABLE_AVX2");
  const int off = env && *env && strcmp(env, "0") != 0;
  __builtin_cpu_init();
  avx2 = !off && __builtin_cpu_supports("avx2");
#else
  avx2 = 0;
#endif
}

int isms__use_avx2(void) {
  pthread_once(&avx2_once, avx2_init);
  return avx2;
}

ISMS_API const char *isms_kernels(void) { return isms__use_avx2() ? "avx2" : "baseline"; }
