/*
** progress.c -- a progress bar on stderr while one long C call runs
** (import, valuation, risk generation, reports), drawn by a thread of its
** own because the Lua thread is inside the call. The fraction comes from
** what the call leaves visible to the outside:
**   "file"  the read position of the input file (/proc/self/fdinfo, as
**           pv -d does), against its size;
**   "io"    the bytes this process has written since the start
**           (/proc/self/io wchar) against an estimate, never past 99%;
**   "none"  no fraction: a moving block and the time so far.
** The Lua side (lua/isms/cli/progress.lua) decides whether to draw at all
** (stderr a terminal); this file only draws.
*/
#define _DEFAULT_SOURCE /* realpath */
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "host.h"

enum { BAR = 30, TICK_MS = 120 };

static struct {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int running, stop;
  char label[64];
  char mode[8];
  char path[PATH_MAX];
  double total, base;
  struct timespec start;
} job = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* The read position of the first descriptor of this process open on
** path, or -1. */
static double file_position(const char *path) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  double pos = -1;
  struct dirent *e;
  while (pos < 0 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char link[300], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = 0;
    if (strcmp(target, path) != 0) continue;
    char info[300];
    snprintf(info, sizeof info, "/proc/self/fdinfo/%s", e->d_name);
    FILE *f = fopen(info, "r");
    if (!f) continue;
    char line[128];
    while (fgets(line, sizeof line, f)) {
      long long p;
      if (sscanf(line, "pos: %lld", &p) == 1) {
        pos = (double)p;
        break;
      }
    }
    fclose(f);
  }
  closedir(d);
  return pos;
}

/* Bytes written by this process so far (wchar of /proc/self/io), or -1. */
static double written(void) {
  FILE *f = fopen("/proc/self/io", "r");
  if (!f) return -1;
  char line[128];
  double w = -1;
  while (fgets(line, sizeof line, f)) {
    long long n;
    if (sscanf(line, "wchar: %lld", &n) == 1) {
      w = (double)n;
      break;
    }
  }
  fclose(f);
  return w;
}

static double fraction(void) {
  if (strcmp(job.mode, "file") == 0) {
    double pos = file_position(job.path);
    return pos < 0 || job.total <= 0 ? -1 : pos / job.total;
  }
  if (strcmp(job.mode, "io") == 0) {
    double w = written();
    if (job.total <= 0 || w < 0) return -1;
    double f = (w - job.base) / job.total;
    return f > 0.99 ? 0.99 : f < 0 ? 0 : f;
  }
  return -1;
}

static double elapsed(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - job.start.tv_sec) + (double)(now.tv_nsec - job.start.tv_nsec) / 1e9;
}

static void draw(int tick) {
  char bar[BAR + 1], line[192];
  double f = fraction();
  if (f >= 0) {
    if (f > 1) f = 1;
    int filled = (int)(f * BAR);
    for (int k = 0; k < BAR; k++) bar[k] = k < filled ? '#' : '.';
    bar[BAR] = 0;
    snprintf(line, sizeof line, "\r%s [%s] %3d%% %5.1fs", job.label, bar, (int)(f * 100), elapsed());
  } else {
    /* a block of five moving to and fro: something runs, length unknown */
    int span = BAR - 5, p = tick % (2 * span);
    if (p > span) p = 2 * span - p;
    for (int k = 0; k < BAR; k++) bar[k] = k >= p && k < p + 5 ? '#' : '.';
    bar[BAR] = 0;
    snprintf(line, sizeof line, "\r%s [%s] %5.1fs", job.label, bar, elapsed());
  }
  ssize_t ignored = write(2, line, strlen(line));
  (void)ignored;
}

static void *run(void *arg) {
  (void)arg;
  int tick = 0;
  pthread_mutex_lock(&job.lock);
  while (!job.stop) {
    draw(tick++);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += TICK_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&job.wake, &job.lock, &until);
  }
  pthread_mutex_unlock(&job.lock);
  /* clear the line: the command's own output follows */
  char blank[160];
  size_t n = strlen(job.label) + BAR + 20;
  if (n > sizeof blank - 2) n = sizeof blank - 2;
  blank[0] = '\r';
  memset(blank + 1, ' ', n);
  blank[n + 1] = '\r';
  ssize_t ignored = write(2, blank, n + 2);
  (void)ignored;
  return NULL;
}

/* host.progress_start(label, mode, path, total) -> true, or false when
** one runs already or no thread can start. */
static int l_progress_start(lua_State *L) {
  const char *label = luaL_checkstring(L, 1);
  const char *mode = luaL_optstring(L, 2, "none");
  const char *path = luaL_optstring(L, 3, "");
  double total = luaL_optnumber(L, 4, 0);
  if (job.running) {
    lua_pushboolean(L, 0);
    return 1;
  }
  snprintf(job.label, sizeof job.label, "%s", label);
  snprintf(job.mode, sizeof job.mode, "%s", mode);
  if (!realpath(path, job.path)) snprintf(job.path, sizeof job.path, "%s", path);
  job.total = total;
  job.base = written();
  job.stop = 0;
  clock_gettime(CLOCK_MONOTONIC, &job.start);
  job.running = pthread_create(&job.thread, NULL, run, NULL) == 0;
  lua_pushboolean(L, job.running);
  return 1;
}

/* host.progress_stop(): stops the bar and clears its line. */
static int l_progress_stop(lua_State *L) {
  (void)L;
  if (!job.running) return 0;
  pthread_mutex_lock(&job.lock);
  job.stop = 1;
  pthread_cond_signal(&job.wake);
  pthread_mutex_unlock(&job.lock);
  pthread_join(job.thread, NULL);
  job.running = 0;
  return 0;
}

void isms_host_progress_register(lua_State *L) {
  lua_pushcfunction(L, l_progress_start);
  lua_setfield(L, -2, "progress_start");
  lua_pushcfunction(L, l_progress_stop);
  lua_setfield(L, -2, "progress_stop");
}
