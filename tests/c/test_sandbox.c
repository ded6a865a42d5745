/*
** test_sandbox.c -- the rule sandbox against good and hostile rule files.
**
** Run from the repository root (fixture paths are relative):
**   build/tests/test_sandbox
** Every file in tests/fixtures/rules/hostile/ must have an entry in the
** table below (the expected line and message), so a new fixture cannot be
** forgotten.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "isms.h"
#include "tap.h"

#define GOOD "tests/fixtures/rules/good/"
#define HOSTILE "tests/fixtures/rules/hostile/"

/* Limits the hostile cases run under. */
enum { LIM_DEFAULT, LIM_TIME, LIM_MEMORY };

static const isms_rule_limits limits_time = {300, 0, (int64_t)1 << 50, 0};  /* 300 ms */
static const isms_rule_limits limits_memory = {0, 16 << 20, 0, 0};          /* 16 MiB */

typedef struct hostile_case {
  const char *file;
  int limits;
  int line;          /* expected line in the message; 0: the file name only */
  const char *want;  /* a substring of the message */
} hostile_case;

static const hostile_case hostile[] = {
  /* capabilities that are simply absent */
  {"os_execute.lua", LIM_DEFAULT, 2, "unknown name 'os'"},
  {"io_open.lua", LIM_DEFAULT, 2, "unknown name 'io'"},
  {"require.lua", LIM_DEFAULT, 2, "unknown name 'require'"},
  {"require_ffi.lua", LIM_DEFAULT, 2, "unknown name 'require'"},
  {"load.lua", LIM_DEFAULT, 2, "unknown name 'load'"},
  {"loadstring.lua", LIM_DEFAULT, 2, "unknown name 'loadstring'"},
  {"loadfile.lua", LIM_DEFAULT, 2, "unknown name 'loadfile'"},
  {"dofile.lua", LIM_DEFAULT, 2, "unknown name 'dofile'"},
  {"debug.lua", LIM_DEFAULT, 2, "unknown name 'debug'"},
  {"getfenv.lua", LIM_DEFAULT, 2, "unknown name 'getfenv'"},
  {"setfenv.lua", LIM_DEFAULT, 2, "unknown name 'setfenv'"},
  {"rawset.lua", LIM_DEFAULT, 2, "unknown name 'rawset'"},
  {"rawget.lua", LIM_DEFAULT, 2, "unknown name 'rawget'"},
  {"rawequal.lua", LIM_DEFAULT, 2, "unknown name 'rawequal'"},
  {"setmetatable.lua", LIM_DEFAULT, 2, "unknown name 'setmetatable'"},
  {"getmetatable_string.lua", LIM_DEFAULT, 2, "unknown name 'getmetatable'"},
  {"string_dump.lua", LIM_DEFAULT, 2, "unknown name 'string.dump'"},
  {"string_dump_method.lua", LIM_DEFAULT, 3, "unknown name 'string.dump'"},
  {"collectgarbage.lua", LIM_DEFAULT, 2, "unknown name 'collectgarbage'"},
  {"package.lua", LIM_DEFAULT, 2, "unknown name 'package'"},
  {"newproxy.lua", LIM_DEFAULT, 2, "unknown name 'newproxy'"},
  {"jit.lua", LIM_DEFAULT, 2, "unknown name 'jit'"},
  {"module.lua", LIM_DEFAULT, 2, "unknown name 'module'"},
  {"global_G.lua", LIM_DEFAULT, 2, "unknown name '_G'"},
  /* the environment is strict and read-only */
  {"global_write.lua", LIM_DEFAULT, 2, "cannot assign global 'threshold'"},
  {"global_read.lua", LIM_DEFAULT, 2, "unknown name 'scael'"},
  {"string_modify.lua", LIM_DEFAULT, 2, "cannot modify 'string' (read-only)"},
  {"string_add.lua", LIM_DEFAULT, 2, "cannot modify 'string' (read-only): tried to set 'x'"},
  {"math_unknown.lua", LIM_DEFAULT, 2, "unknown name 'math.sqroot'"},
  /* CPU and time */
  {"loop.lua", LIM_TIME, 3, "time limit of 300 ms"},
  {"loop_coroutine.lua", LIM_TIME, 3, "time limit of 300 ms"},
  {"loop_yield.lua", LIM_TIME, 0, "time limit of 300 ms"},
  {"pcall_loop.lua", LIM_TIME, 3, "time limit of 300 ms"},
  {"xpcall_loop.lua", LIM_TIME, 3, "time limit of 300 ms"},
  {"xpcall_swallow.lua", LIM_TIME, 3, "time limit of 300 ms"},
  {"resume_swallow.lua", LIM_TIME, 3, "time limit of 300 ms"},
  {"wrap_pcall_swallow.lua", LIM_TIME, 3, "time limit of 300 ms"},
  {"gsub_callback_loop.lua", LIM_TIME, 3, "time limit of 300 ms"},
  {"sort_loop.lua", LIM_TIME, 4, "time limit of 300 ms"},
  {"pattern_bomb.lua", LIM_TIME, 4, "time limit of 300 ms"},
  {"recursion.lua", LIM_DEFAULT, 2, "stack overflow"},
  {"recursion_coroutine.lua", LIM_DEFAULT, 4, "recursion too deep"},
  {"recursion_gsub.lua", LIM_DEFAULT, 3, "recursion too deep"},
  /* memory */
  {"memory_table.lua", LIM_MEMORY, 0, "memory limit of 16777216 bytes"},
  {"memory_rep.lua", LIM_MEMORY, 2, "memory limit of 16777216 bytes"},
  {"memory_rep_huge.lua", LIM_MEMORY, 2, "memory limit of 16777216 bytes"},
  {"memory_concat.lua", LIM_MEMORY, 0, "memory limit of 16777216 bytes"},
  {"memory_pcall.lua", LIM_MEMORY, 0, "memory limit of 16777216 bytes"},
  /* errors keep file:line */
  {"syntax_error.lua", LIM_DEFAULT, 4, "'}' expected (to close '{' at line 2) near 'tiers'"},
  {"runtime_error.lua", LIM_DEFAULT, 3, "attempt to index local 't' (a nil value)"},
  {"error_level0.lua", LIM_DEFAULT, 2, "plain message"},
  {"error_table.lua", LIM_DEFAULT, 2, "error object is a table value"},
  {"error_escape.lua", LIM_DEFAULT, 2, "\\27[31mred\\27[0m\\7"},
  /* the DSL */
  {"missing_name.lua", LIM_DEFAULT, 2, "scale: expected a name string, e.g. scale \"C\" { ... }"},
  {"missing_body.lua", LIM_DEFAULT, 2, "scale 'C' declared without a body {...}"},
  {"missing_body_end.lua", LIM_DEFAULT, 3, "scale 'C' declared without a body {...}"},
  {"body_not_table.lua", LIM_DEFAULT, 2, "scale 'C': expected a table body {...}, got number"},
  {"anonymous_not_table.lua", LIM_DEFAULT, 2, "asset_value: expected a table body"},
  {"body_twice.lua", LIM_DEFAULT, 4, "scale 'C' already has a body"},
  /* what can be declared */
  {"nested_deep.lua", LIM_DEFAULT, 5, "tables are nested deeper than 32 levels"},
  {"cyclic.lua", LIM_DEFAULT, 4, "scale 'C': tiers[1].self: the table contains itself"},
  {"bad_key.lua", LIM_DEFAULT, 2, "scale 'C': field key of type boolean is not allowed"},
  {"bad_key_float.lua", LIM_DEFAULT, 2, "field key 1.5 is not allowed"},
  {"nan.lua", LIM_DEFAULT, 2, "scale 'C': tiers[1].value: nan is not a finite number"},
  {"bad_utf8.lua", LIM_DEFAULT, 2, "scale 'C': tiers[2].label: text is not valid UTF-8"},
  {"nul_byte.lua", LIM_DEFAULT, 2, "scale 'C': label: text contains a NUL byte"},
  {"builtin_function.lua", LIM_DEFAULT, 2, "scale 'C': f: a built-in function cannot be declared"},
  {"thread_value.lua", LIM_DEFAULT, 2, "co: values of type thread cannot be declared"},
  {"library_table.lua", LIM_DEFAULT, 2, "lib: a library table"},
  {"reserved_key.lua", LIM_DEFAULT, 2, "field names starting with '__' are reserved"},
  {"key_clash.lua", LIM_DEFAULT, 2, "field key 2 is given both as a number and as a string"},
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int has_control_chars(const char *s) {
  for (; s && *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
  return 0;
}

/* The lowest free descriptor: unchanged across the tests means no leak. */
static int lowest_free_fd(void) {
  int fd = dup(0);
  if (fd >= 0) close(fd);
  return fd;
}

static const hostile_case *find_case(const char *file) {
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
    if (strcmp(hostile[i].file, file) == 0) return &hostile[i];
  return NULL;
}

static void run_hostile(const hostile_case *c) {
  char path[512], prefix[600];
  snprintf(path, sizeof path, HOSTILE "%s", c->file);
  if (c->line) snprintf(prefix, sizeof prefix, "%s:%d: ", path, c->line);
  else snprintf(prefix, sizeof prefix, "%s:", path);
  const isms_rule_limits *lim = c->limits == LIM_TIME     ? &limits_time
                                : c->limits == LIM_MEMORY ? &limits_memory
                                                          : NULL;
  char *json = (char *)1, *err = NULL;
  double t0 = now_s();
  int rc = isms_rules_eval(path, lim, &json, &err);
  double elapsed = now_s() - t0;
  is_int(rc, ISMS_RULE, "%s is refused", c->file);
  ok(json == NULL, "%s: no JSON", c->file);
  ok(err && strncmp(err, prefix, strlen(prefix)) == 0, "%s: message starts with '%s'", c->file,
     prefix);
  like(err, c->want, "%s: message says what happened", c->file);
  ok(!has_control_chars(err), "%s: message has no control characters", c->file);
  if (c->limits == LIM_TIME) ok(elapsed < 3.0, "%s: stopped in %.2f s", c->file, elapsed);
  if (!err || strncmp(err, prefix, strlen(prefix)) != 0) diag("message: %s", err ? err : "NULL");
  isms_free(json);
  isms_free(err);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_hostile_fixtures(void) {
  DIR *dir = opendir(HOSTILE);
  if (!ok(dir != NULL, "open " HOSTILE " (run from the repository root)")) return;
  char *names[512];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(dir)) && n < 512) {
    size_t len = strlen(e->d_name);
    if (len > 4 && strcmp(e->d_name + len - 4, ".lua") == 0) names[n++] = strdup(e->d_name);
  }
  closedir(dir);
  qsort(names, n, sizeof names[0], cmp_str);
  for (size_t i = 0; i < n; i++) {
    const hostile_case *c = find_case(names[i]);
    if (ok(c != NULL, "%s has an expectation in test_sandbox.c", names[i])) run_hostile(c);
    free(names[i]);
  }
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, HOSTILE "%s", hostile[i].file);
    ok(access(path, R_OK) == 0, "fixture %s exists", hostile[i].file);
  }
}

/* ------------------------------------------------------------ good files */

static char *eval_ok(const char *path) {
  char *json = NULL, *err = NULL;
  int rc = isms_rules_eval(path, NULL, &json, &err);
  is_int(rc, ISMS_OK, "%s evaluates", path);
  if (rc) diag("%s", err ? err : "NULL");
  ok(err == NULL, "%s: no message", path);
  isms_free(err);
  return json;
}

static void test_good_files(void) {
  char *json = eval_ok(GOOD "qism_fmea.lua");
  ok(json && json[0] == '[', "qism_fmea: a JSON array");
  like(json, "{\"kind\":\"methodology\",\"name\":\"qism-fmea\",\"line\":3,\"fields\":{",
       "methodology with its line");
  like(json, "\"kind\":\"scale\",\"name\":\"C\",\"line\":9,", "scale with its line");
  like(json,
       "\"tiers\":[{\"aliases\":[\"public\"],\"description\":\"May be published.\","
       "\"label\":\"Unclassified\",\"value\":1},",
       "tiers are an array of objects with sorted keys");
  like(json, "{\"kind\":\"asset_value\",\"line\":19,\"fields\":{\"combine\":\"product\"}}",
       "anonymous word has no name");
  like(json, "\"name\":\"A\",\"line\":21,\"fields\":{\"description\":\"Critical\","
             "\"values\":[18,24,27,32,36]}",
       "asset class with values");
  like(json, "\"range\":[1,17]", "asset class with a range");
  isms_free(json);

  json = eval_ok(GOOD "functions.lua");
  like(json, "\"band\":{\"__function__\":true,\"line\":2}", "local function: its line");
  like(json, "\"score\":{\"__function__\":true,\"line\":8}", "inline function: its line");
  isms_free(json);

  json = eval_ok(GOOD "all_words.lua");
  static const char *const words[] = {
    "{\"kind\":\"methodology\",\"name\":\"m\",\"line\":2,\"fields\":{}}",
    "\"kind\":\"scale\",\"name\":\"I\",\"line\":3",
    "{\"kind\":\"asset_value\",\"line\":4,",
    "\"kind\":\"asset_class\",\"name\":\"C\",\"line\":5",
    "\"kind\":\"risk_matrix\",\"name\":\"default\",\"line\":6",
    "\"kind\":\"acceptance\",\"name\":\"default\",\"line\":7",
    "\"kind\":\"roadmap_step\",\"name\":\"1\",\"line\":8"};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    like(json, words[i], "all_words: %.40s", words[i]);
  isms_free(json);

  json = eval_ok(GOOD "language.lua");
  is_str(json,
         "[{\"kind\":\"risk_matrix\",\"name\":\"checks\",\"line\":16,\"fields\":{"
         "\"big\":9007199254740992,\"co\":[1,2],\"double\":42,\"err\":\"caught\","
         "\"fmt\":\"003.1\",\"found\":7,\"half\":0.5,\"handled\":\"handled\",\"max\":9,"
         "\"n\":3,\"neg\":-7,\"num\":16,\"ok\":false,\"rep\":\"AB-AB\",\"sorted\":[1,2,3],"
         "\"text\":\"tab\\there \\\"quoted\\\" \\\\ caf\xc3\xa9\",\"words\":\"a,b,c\"}}]",
         "language.lua: ordinary Lua works inside the sandbox");
  isms_free(json);
}

/* --------------------------------------------------------------- the API */

static void expect_rule(const char *text, const char *chunk, const isms_rule_limits *lim,
                        const char *want, const char *name) {
  char *json = NULL, *err = NULL;
  int rc = isms_rules_eval_buffer(text, strlen(text), chunk, lim, &json, &err);
  is_int(rc, ISMS_RULE, "%s: refused", name);
  like(err, want, "%s: message", name);
  isms_free(json);
  isms_free(err);
}

static void test_api(void) {
  char *json = NULL, *err = NULL;
  is_int(isms_rules_eval(GOOD "qism_fmea.lua", NULL, NULL, &err), ISMS_MISUSE, "NULL json");
  is_int(isms_rules_eval(GOOD "qism_fmea.lua", NULL, &json, NULL), ISMS_MISUSE, "NULL errmsg");
  is_int(isms_rules_eval(NULL, NULL, &json, &err), ISMS_MISUSE, "NULL path");
  like(err, "path is NULL", "NULL path: message");
  isms_free(err);
  is_int(isms_rules_eval_buffer(NULL, 3, "x", NULL, &json, &err), ISMS_MISUSE, "NULL text");
  isms_free(err);
  is_int(isms_rules_eval_buffer("", 0, NULL, NULL, &json, &err), ISMS_MISUSE, "NULL chunk");
  isms_free(err);
  isms_rule_limits neg = {-1, 0, 0, 0};
  is_int(isms_rules_eval_buffer("", 0, "x", &neg, &json, &err), ISMS_MISUSE, "negative limit");
  isms_free(err);

  is_int(isms_rules_eval("tests/fixtures/rules/no-such-file.lua", NULL, &json, &err), ISMS_IO,
         "missing file");
  like(err, "tests/fixtures/rules/no-such-file.lua: cannot open rule file", "missing: message");
  isms_free(err);
  is_int(isms_rules_eval(GOOD, NULL, &json, &err), ISMS_IO, "a directory");
  isms_free(err);
  /* File names are chosen by whoever writes the rules directory too. */
  is_int(isms_rules_eval("no-such-\x1b[2J.lua", NULL, &json, &err), ISMS_IO,
         "file name with an escape sequence");
  like(err, "no-such-\\27[2J.lua: cannot open", "file name: escaped in the message");
  ok(!has_control_chars(err), "file name: no control characters");
  isms_free(err);

  /* Empty text declares nothing. */
  is_int(isms_rules_eval_buffer("", 0, "empty", NULL, &json, &err), ISMS_OK, "empty text");
  is_str(json, "[]", "empty text: empty array");
  isms_free(json);
  isms_free(err);
  json = err = NULL;

  const char *good = "\xEF\xBB\xBFscale \"C\" { tiers = {} }\n";
  is_int(isms_rules_eval_buffer(good, strlen(good), "inline", NULL, &json, &err), ISMS_OK,
         "buffer with a UTF-8 BOM");
  is_str(json, "[{\"kind\":\"scale\",\"name\":\"C\",\"line\":1,\"fields\":{\"tiers\":{}}}]",
         "buffer: empty table is {}");
  isms_free(json);
  isms_free(err);
  json = err = NULL;

  /* Bytecode, in a buffer and in a file. */
  static const char bc[] = "\x1bLJ\x02\x0a\x00\x01\x02";
  is_int(isms_rules_eval_buffer(bc, sizeof bc - 1, "bc", NULL, &json, &err), ISMS_RULE,
         "bytecode buffer");
  is_str(err, "bc: binary (precompiled) chunks are refused; rule files must be text",
         "bytecode buffer: message");
  isms_free(err);
  static const char bombc[] = "\xEF\xBB\xBF\x1bLJ\x02";
  expect_rule(bombc, "bombc", NULL, "bombc: binary (precompiled) chunks are refused",
              "bytecode behind a BOM");
  char tmpl[] = "/tmp/isms-sandbox-bcXXXXXX";
  int fd = mkstemp(tmpl);
  if (ok(fd >= 0, "temporary file")) {
    ok(write(fd, bc, sizeof bc - 1) == (ssize_t)(sizeof bc - 1), "write bytecode file");
    close(fd);
    is_int(isms_rules_eval(tmpl, NULL, &json, &err), ISMS_RULE, "bytecode file");
    like(err, "binary (precompiled) chunks are refused", "bytecode file: message");
    ok(err && strncmp(err, tmpl, strlen(tmpl)) == 0, "bytecode file: message names the file");
    isms_free(err);
    unlink(tmpl);
  }

  /* Each limit on its own. */
  isms_rule_limits few = {0, 0, 1000000, 0};
  expect_rule("local n = 0\nwhile true do n = n + 1 end", "cpu", &few,
              "cpu:2: rule file exceeded its CPU budget (1000000 instructions)", "CPU budget");
  isms_rule_limits tiny_out = {0, 0, 0, 100};
  expect_rule("scale \"C\" { text = string.rep(\"x\", 200) }", "out", &tiny_out,
              "out:1: scale 'C': text: declarations exceed the output limit of 100 bytes",
              "output limit");
  isms_rule_limits tiny_mem = {0, 1000, 0, 0};
  expect_rule("scale \"C\" { }", "mem", &tiny_mem, "memory limit of 1000 bytes",
              "a memory limit too small for a Lua state");
  isms_rule_limits small_mem = {0, 100, 0, 0};
  expect_rule("-- a comment longer than one hundred bytes ......................................"
              "........................",
              "big", &small_mem, "big: rule file is larger than the memory limit of 100 bytes",
              "file larger than the memory limit");

  /* Long names: Lua shortens them to "...tail"; messages keep them whole. */
  char longname[200];
  memset(longname, 'd', sizeof longname);
  memcpy(longname + sizeof longname - 5, ".lua", 5);
  char want[260];
  snprintf(want, sizeof want, "%s:2: attempt to", longname);
  expect_rule("local t\nlocal x = t.y", longname, NULL, want, "long chunk name kept whole");
  snprintf(want, sizeof want, "%s:1: unexpected symbol", longname);
  expect_rule("scale \"C\" { = }", longname, NULL, want, "long chunk name in a syntax error");

  /* Messages are capped in length. */
  const char *huge = "error(string.rep('x', 100000))";
  is_int(isms_rules_eval_buffer(huge, strlen(huge), "huge", NULL, &json, &err), ISMS_RULE,
         "huge message");
  ok(err && strlen(err) <= 2100, "huge message: capped (%zu bytes)", err ? strlen(err) : 0);
  isms_free(err);

  /* A host running with stdin and stdout closed: the pipe gets fds 0 and 1. */
  fflush(stdout);
  int saved_in = dup(0), saved_out = dup(1);
  close(0);
  close(1);
  int rc = isms_rules_eval(GOOD "all_words.lua", NULL, &json, &err);
  dup2(saved_in, 0);
  dup2(saved_out, 1);
  close(saved_in);
  close(saved_out);
  is_int(rc, ISMS_OK, "works with stdin and stdout closed");
  if (rc) diag("%s", err ? err : "NULL");
  isms_free(json);
  isms_free(err);
  json = err = NULL;

  /* A host that ignores SIGCHLD (children reaped by the kernel) still works. */
  struct sigaction ign, old;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &ign, &old);
  is_int(isms_rules_eval(GOOD "all_words.lua", NULL, &json, &err), ISMS_OK,
         "works with SIGCHLD ignored");
  isms_free(json);
  isms_free(err);
  json = err = NULL;
  sigaction(SIGCHLD, &old, NULL);
}

int main(void) {
  int fd0 = lowest_free_fd();
  test_api();
  test_good_files();
  test_hostile_fixtures();
  is_int(lowest_free_fd(), fd0, "no file descriptors leaked");
  errno = 0;
  ok(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD, "no children left behind");
  return done_testing();
}
