/*
** sandbox.c -- evaluating untrusted rule files.
**
** Trust boundary
** --------------
** A rule file is text written by whoever can edit the rules directory:
** treat it as hostile. The host process (the library and whatever links
** it: a register with SQLite handles, the user's terminal) is trusted.
** The boundary is the pipe between the host and a forked child: only the
** child runs rule code, and only bytes come back -- a JSON array of
** declarations or an error message -- which the parent checks again
** before handing them on. A rule file can at worst make its own
** evaluation fail.
**
** Layers of defence, outermost first:
**   1. Process: the file runs in a fork()ed child that never returns to
**      the caller (it _exit()s). The parent waits with poll() against a
**      wall-clock deadline and SIGKILLs the child when it passes, caps
**      the bytes it will read, and reaps the child (no zombies, no fds
**      left open). The child closes every descriptor it inherited but
**      the pipe (the register's among them), drops core dumps, cannot
**      grow files (RLIMIT_FSIZE 0) and has a CPU-seconds rlimit. It is
**      not a privilege boundary: the child keeps the caller's uid.
**   2. Timer: a SIGALRM in the child fires shortly after the deadline,
**      even inside a long C call such as a catastrophic pattern match,
**      writes the time-limit message (with the last line seen) and
**      _exit()s.
**   3. Lua state: a fresh lua_State with a counting allocator that
**      refuses memory beyond the cap, the JIT switched off (compiled
**      traces do not run count hooks) and a count hook that enforces an
**      instruction budget and the deadline. A limit, once struck, is
**      final: pcall, xpcall, coroutine.resume and coroutine.wrap are C
**      wrappers that re-raise it, and xpcall handlers are not run.
**   4. Environment: only base, table, string and math are opened; the
**      rule file sees a fresh table of allowed names whose misses raise
**      "unknown name", whose writes raise, and whose libraries are
**      read-only proxies. string.dump is removed, the string metatable
**      is locked and points at the safe string table. The real globals
**      are wiped before the rule file runs.
**   5. Loading: text only (a leading ESC byte is refused, and the chunk
**      is loaded with mode "t"); rule text is never pasted into other
**      Lua source.
**   6. Output: declarations are serialised in C with raw accesses (no
**      metamethods), bounded depth, no cycles, strict UTF-8, finite
**      numbers and an output cap. Error messages are truncated and have
**      control characters escaped before they reach a terminal.
**
** Assumption: the host is single-threaded while it loads rules. The child
** is a fork of the calling thread and goes on to use malloc and LuaJIT;
** that is safe with glibc (which resets its malloc locks at fork) but not
** in general if another thread holds a lock at the moment of fork().
*/
/* sigaltstack and SA_ONSTACK are XSI; the build asks for POSIX 2008 only. */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <luajit.h>

#include "isms_internal.h"
#include "sandbox_json.h"

/* core/sandbox_prelude.lua, embedded by the build (core/embed.awk). */
extern const char isms_prelude_text[];


#define SB_DEFAULT_TIME_MS      2000
#define SB_DEFAULT_MEMORY       ((int64_t)64 << 20)
#define SB_DEFAULT_INSTRUCTIONS ((int64_t)200000000)
#define SB_DEFAULT_OUTPUT       ((int64_t)16 << 20)

#define SB_HOOK_EVERY   1000       /* VM instructions between hook calls */
#define SB_ALARM_SLACK  100        /* ms after the deadline the child's SIGALRM fires */
#define SB_PARENT_GRACE 1000       /* ms after the deadline the parent SIGKILLs */
#define SB_MEM_RESERVE  (1 << 20)  /* heap allowed past the cap to unwind a kill */
#define SB_MSG_MAX      2048       /* longest error message passed on */
#define SB_CSTACK       (1 << 20)  /* C stack rule code may use through C calls */
#define SB_ALTSTACK     (64 << 10) /* signal stack for the crash handler */

/* What the child writes: one tag byte, then the payload, then _exit(0). */
#define SB_TAG_OK    'O'  /* payload: the JSON array */
#define SB_TAG_ERR   'E'  /* payload: "<file>:<line>: reason" */
#define SB_TAG_NOMEM 'M'  /* the child's own (non-Lua) heap ran out */

typedef struct sb_limits {
  int64_t time_ms, memory, instructions, output;
} sb_limits;

enum { SB_KILL_CPU = 1, SB_KILL_TIME, SB_KILL_MEM };

/* ====================================================== child: state
** Everything the child needs lives in one static: the child is a
** separate process, so nothing here is ever shared with the caller's
** threads, and signal handlers and the allocator can reach it. */

typedef struct sb_child {
  int fd;                         /* write end of the result pipe */
  const char *chunkname;          /* rule file name as given */
  char *source;                   /* "@" .. chunkname, as lua_getinfo reports it */
  sb_limits lim;
  size_t mem_used;                /* bytes the Lua heap holds now */
  int64_t steps;                  /* instructions run, in hook-sized steps */
  struct timespec deadline;
  volatile sig_atomic_t killed;   /* SB_KILL_*: a limit struck; it is final */
  volatile sig_atomic_t last_line;  /* last rule-file line seen (hook, trackers) */
  int err_line;                   /* rule-file line of the last uncaught error */
  char *killmsg;                  /* the message of the limit that struck */
  size_t killmsg_size;
  char *alarmbuf;                 /* preallocated: the SIGALRM handler can't malloc */
  size_t alarmbuf_size;
  char time_reason[96];           /* "rule file exceeded its time limit of N ms" */
  uintptr_t stack_base;           /* C stack address when the child started */
  void *altstack;                 /* the crash handler's stack */
} sb_child;

static sb_child S;

static int sb_past_deadline(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec > S.deadline.tv_sec ||
         (now.tv_sec == S.deadline.tv_sec && now.tv_nsec >= S.deadline.tv_nsec);
}

/* Line of the innermost frame that runs rule-file code, or 0. Prelude
** functions and C functions are skipped, so DSL words and wrappers report
** the line of the rule file that called them. */
static int sb_user_line(lua_State *L) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar); level++) {
    if (!lua_getinfo(L, "Sl", &ar)) break;
    if (ar.currentline > 0 && strcmp(ar.source, S.source) == 0) return ar.currentline;
  }
  return 0;
}

/* Records which limit struck (the first one wins) and its message. The
** message is complete before the flag is set, for the SIGALRM handler. */
static void sb_set_kill(int reason, int line) {
  if (S.killed) return;
  if (line > 0) S.last_line = line;
  line = S.last_line;
  int n = line > 0 ? snprintf(S.killmsg, S.killmsg_size, "%s:%d: ", S.chunkname, line)
                   : snprintf(S.killmsg, S.killmsg_size, "%s: ", S.chunkname);
  if (n < 0 || (size_t)n >= S.killmsg_size) n = 0;
  char *p = S.killmsg + n;
  size_t room = S.killmsg_size - (size_t)n;
  switch (reason) {
    case SB_KILL_CPU:
      snprintf(p, room, "rule file exceeded its CPU budget (%lld instructions)",
               (long long)S.lim.instructions);
      break;
    case SB_KILL_TIME: snprintf(p, room, "%s", S.time_reason); break;
    default:
      snprintf(p, room, "rule file exceeded its memory limit of %lld bytes",
               (long long)S.lim.memory);
      break;
  }
  S.killed = reason;
}

/* Raises the kill message. It may need a little memory, which the
** allocator grants from its reserve once a kill is recorded. */
static int sb_raise_kill(lua_State *L) {
  lua_pushstring(L, S.killmsg);
  return lua_error(L);
}

/* ================================================= child: allocator */

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  if (!ptr) osize = 0;
  if (nsize == 0) {
    free(ptr);
    S.mem_used -= osize;
    return NULL;
  }
  if (nsize > osize) {
    size_t cap = (size_t)S.lim.memory + (S.killed ? SB_MEM_RESERVE : 0);
    if (nsize - osize > cap || S.mem_used > cap - (nsize - osize)) {
      /* Refusing makes Lua raise "not enough memory"; the flag makes the
      ** refusal final even if the rule catches that error. */
      sb_set_kill(SB_KILL_MEM, 0);
      return NULL;
    }
  }
  void *np = realloc(ptr, nsize);
  if (!np) {
    if (nsize <= osize) return ptr;  /* Lua assumes shrinking never fails */
    sb_set_kill(SB_KILL_MEM, 0);
    return NULL;
  }
  S.mem_used = S.mem_used - osize + nsize;
  return np;
}

/* ==================================================== child: limits */

/* Count hook, every SB_HOOK_EVERY instructions, in every coroutine (hooks
** are per state in LuaJIT). Once a limit has struck it raises again each
** time, so no rule code gets to run on. */
static void sb_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  if (S.killed) {
    sb_raise_kill(L);
    return;
  }
  int line = sb_user_line(L);
  if (line > 0) S.last_line = line;
  S.steps += SB_HOOK_EVERY;
  if (S.steps > S.lim.instructions) {
    sb_set_kill(SB_KILL_CPU, line);
    sb_raise_kill(L);
  } else if (sb_past_deadline()) {
    sb_set_kill(SB_KILL_TIME, line);
    sb_raise_kill(L);
  }
}

static size_t sb_cpy(char *dst, const char *src) {
  size_t n = 0;
  while (src[n]) {
    dst[n] = src[n];
    n++;
  }
  return n;
}

static int sb_write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Writes "<file>:<last line>: reason" (or the kill message, if a limit
** already struck) and exits. For signal handlers: async-signal-safe, it
** only copies into a preallocated buffer and calls write(2) and _exit(2);
** the handlers block each other, so the buffer has one user. */
static void sb_signal_exit(const char *reason) {
  char *b = S.alarmbuf;
  size_t n = 0;
  b[n++] = SB_TAG_ERR;
  if (S.killed) {
    n += sb_cpy(b + n, S.killmsg);
  } else {
    n += sb_cpy(b + n, S.chunkname);
    int line = S.last_line;
    if (line > 0) {
      char digits[16];
      size_t k = 0;
      while (line > 0 && k < sizeof digits) {
        digits[k++] = (char)('0' + line % 10);
        line /= 10;
      }
      b[n++] = ':';
      while (k > 0) b[n++] = digits[--k];
    }
    n += sb_cpy(b + n, ": ");
    n += sb_cpy(b + n, reason);
  }
  sb_write_all(S.fd, b, n);
  _exit(0);
}

/* The deadline passed while the child was stuck where the hook cannot
** run (a C function such as a pattern match). */
static void sb_on_alarm(int sig) {
  (void)sig;
  sb_signal_exit(S.time_reason);
}

/* A crash. The known way for a rule to cause one is recursion that runs
** through C faster than the guard in sb_check_cstack notices (the calling
** thread may have less stack than SB_CSTACK); runs on its own stack. */
static void sb_on_crash(int sig) {
  (void)sig;
  sb_signal_exit("the rule file crashed the sandbox, most likely by recursion too deep "
                 "for the C stack");
}

static void sb_block_alarm(void) {
  struct itimerval off;
  memset(&off, 0, sizeof off);
  setitimer(ITIMER_REAL, &off, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGALRM);
  sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Panics only come from errors outside any protected call: report and go. */
static int sb_panic(lua_State *L) {
  const char *msg = S.killed ? S.killmsg : lua_tostring(L, -1);
  const char *sep = S.killed ? "" : ": rule sandbox panic: ";
  sb_block_alarm();
  char tag = SB_TAG_ERR;
  sb_write_all(S.fd, &tag, 1);
  if (!S.killed) sb_write_all(S.fd, S.chunkname, strlen(S.chunkname));
  sb_write_all(S.fd, sep, strlen(sep));
  if (msg) sb_write_all(S.fd, msg, strlen(msg) > SB_MSG_MAX ? SB_MSG_MAX : strlen(msg));
  _exit(0);
}

/* ============================================ child: sandbox helpers
** C functions handed to the prelude (see core/sandbox_prelude.lua). */

/* LuaJIT does not bound recursion that passes through C -- a coroutine
** resumed from a coroutine, a gsub callback calling gsub -- because each
** level starts on fresh Lua stack; plain LuaJIT segfaults. Every wrapper
** that calls back into Lua measures the C stack first. */
static void sb_check_cstack(lua_State *L) {
  char here;
  uintptr_t at = (uintptr_t)&here;
  uintptr_t used = at < S.stack_base ? S.stack_base - at : at - S.stack_base;
  if (used > SB_CSTACK)
    luaL_error(L, "recursion too deep (through coroutines, pcall or pattern callbacks)");
}

/* After a protected call inside the rule: a kill keeps unwinding. A memory
** error is always final, even one LuaJIT raised without asking the
** allocator (e.g. a string over its own size limit). */
static void sb_after_protected(lua_State *L, int status) {
  if (status == LUA_ERRMEM) sb_set_kill(SB_KILL_MEM, sb_user_line(L));
  if (S.killed) sb_raise_kill(L);
}

static int sb_pcall(lua_State *L) {
  luaL_checkany(L, 1);
  sb_check_cstack(L);
  int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  sb_after_protected(L, status);
  lua_pushboolean(L, status == 0);
  lua_insert(L, 1);
  return lua_gettop(L);
}

/* The message handler around a rule's xpcall handler: after a kill the
** rule's handler is not run at all (it could loop while the kill
** unwinds). */
static int sb_xpcall_handler(lua_State *L) {
  if (S.killed) return 1;
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

static int sb_xpcall(lua_State *L) {
  int n = lua_gettop(L);
  luaL_checkany(L, 2);
  sb_check_cstack(L);
  luaL_checkstack(L, n + 2, "too many arguments");
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, sb_xpcall_handler, 1);  /* at n + 1 */
  lua_pushvalue(L, 1);
  for (int i = 3; i <= n; i++) lua_pushvalue(L, i);
  int status = lua_pcall(L, n - 2, LUA_MULTRET, n + 1);
  sb_after_protected(L, status);
  lua_pushboolean(L, status == 0);
  lua_replace(L, n + 1);
  return lua_gettop(L) - n;
}

/* Calls its upvalue with the arguments and re-raises a kill it returned
** from. coroutine.resume is wrapped this way, as it catches errors raised
** inside the coroutine, the kill among them; so is the function inside a
** coroutine.wrap. */
static int sb_wrapped_call(lua_State *L) {
  sb_check_cstack(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  if (S.killed) sb_raise_kill(L);
  return lua_gettop(L);
}

/* coroutine.wrap: the real one, with its function guarded as above. */
static int sb_wrap(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  lua_pushcclosure(L, sb_wrapped_call, 1);
  return 1;
}

/* A pattern function (find, match, gmatch, gsub) runs in C where the hook
** cannot see it: note the line first, for the SIGALRM message. */
static int sb_tracked_call(lua_State *L) {
  int line = sb_user_line(L);
  if (line > 0) S.last_line = line;
  sb_check_cstack(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

static int sb_track(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 1);
  lua_pushcclosure(L, sb_tracked_call, 1);
  return 1;
}

/* string.rep sized before it runs: string.rep("x", 1e10) is a memory-limit
** error, not a count overflow or a long stall. Upvalue: the real rep. */
static int sb_rep(lua_State *L) {
  size_t len, seplen = 0;
  luaL_checklstring(L, 1, &len);
  lua_Number n = luaL_checknumber(L, 2);
  luaL_optlstring(L, 3, "", &seplen);
  if (n >= 1) {
    double total = (double)len * n + (double)seplen * (n - 1);
    double room = (double)S.lim.memory - (double)S.mem_used;
    if (total > room) {
      sb_set_kill(SB_KILL_MEM, sb_user_line(L));
      return sb_raise_kill(L);
    }
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

static int sb_caller_line(lua_State *L) {
  lua_pushinteger(L, sb_user_line(L));
  return 1;
}

/* Message handler for the rule chunk: remember where the error happened
** (for messages that carry no position) and make the value a string. No
** traceback: messages are "<file>:<line>: reason". */
static int sb_msgh(lua_State *L) {
  S.err_line = sb_user_line(L);
  if (!lua_isstring(L, 1))
    lua_pushfstring(L, "error object is a %s value, not a message", luaL_typename(L, 1));
  return 1;
}

/* ======================================================== child: run */

typedef struct sb_run_ctx {
  const char *text;
  size_t len;
  const char *calls;  /* a Lua data chunk listing functions to call, or NULL */
  size_t calls_len;
  int rc;         /* of isms__sandbox_json */
  char *json;     /* the result, or */
  size_t jsonlen;
  char *err;      /* why the declarations cannot be written */
} sb_run_ctx;

/* Everything that touches the Lua state, under one lua_cpcall so that a
** memory error anywhere (opening libraries included) is caught. */
static int sb_run(lua_State *L) {
  sb_run_ctx *ctx = lua_touserdata(L, 1);
  lua_settop(L, 0);

  /* Only these libraries, one by one (no package, io, os, debug, jit, ffi). */
  static const luaL_Reg libs[] = {{"", luaopen_base},
                                  {LUA_TABLIBNAME, luaopen_table},
                                  {LUA_STRLIBNAME, luaopen_string},
                                  {LUA_MATHLIBNAME, luaopen_math},
                                  {NULL, NULL}};
  for (const luaL_Reg *lib = libs; lib->func; lib++) {
    lua_pushcfunction(L, lib->func);
    lua_pushstring(L, lib->name);
    lua_call(L, 1, 0);
  }
  /* string.dump turns functions into bytecode; gone from the real table too. */
  lua_getglobal(L, "string");
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lua_pop(L, 1);

  /* The prelude builds the environment and the DSL from the real globals
  ** and the private helpers below; it returns env and finish. */
  if (luaL_loadbufferx(L, isms_prelude_text, strlen(isms_prelude_text), "=isms-prelude", "t"))
    return lua_error(L);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_newtable(L);
  lua_pushstring(L, S.chunkname);
  lua_setfield(L, -2, "chunkname");
  static const luaL_Reg helpers[] = {{"caller_line", sb_caller_line},
                                     {"pcall", sb_pcall},
                                     {"xpcall", sb_xpcall},
                                     {"track", sb_track},
                                     {NULL, NULL}};
  for (const luaL_Reg *h = helpers; h->func; h++) {
    lua_pushcfunction(L, h->func);
    lua_setfield(L, -2, h->name);
  }
  static const struct {
    const char *lib, *name;
    lua_CFunction wrapper;
  } wrapped[] = {{"coroutine", "resume", sb_wrapped_call},
                 {"coroutine", "wrap", sb_wrap},
                 {"string", "rep", sb_rep}};
  for (size_t i = 0; i < sizeof wrapped / sizeof wrapped[0]; i++) {
    lua_getglobal(L, wrapped[i].lib);
    lua_getfield(L, -1, wrapped[i].name);
    lua_pushcclosure(L, wrapped[i].wrapper, 1);
    lua_setfield(L, -3, wrapped[i].name);
    lua_pop(L, 1);
  }
  lua_call(L, 2, 3);
  int env = 1, finish = 2, run_calls = 3;

  /* Defence in depth: nothing below needs the real globals any more. */
  lua_pushnil(L);
  while (lua_next(L, LUA_GLOBALSINDEX)) {
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_pushnil(L);
    lua_rawset(L, LUA_GLOBALSINDEX);
  }

  /* The rule file: text only, with the sandbox as its environment. */
  const char *text = ctx->text;
  size_t len = ctx->len;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {  /* editors' UTF-8 BOM */
    text += 3;
    len -= 3;
  }
  lua_pushcfunction(L, sb_msgh);
  int msgh = lua_gettop(L);
  if (luaL_loadbufferx(L, text, len, S.source, "t")) return lua_error(L);
  lua_pushvalue(L, env);
  lua_setfenv(L, -2);
  if (lua_pcall(L, 0, 0, msgh)) return lua_error(L);
  lua_pushvalue(L, finish);
  if (lua_pcall(L, 0, 1, msgh)) return lua_error(L);
  int decls = lua_gettop(L);

  int results = 0;
  if (ctx->calls) {
    /* The calls come from the host, not the rule file: plain data in an
    ** empty environment, text only. The prelude makes each call with the
    ** same limits and returns one result per call. */
    lua_pushvalue(L, run_calls);
    lua_pushvalue(L, decls);
    if (luaL_loadbufferx(L, ctx->calls, ctx->calls_len, "=calls", "t")) return lua_error(L);
    lua_newtable(L);
    lua_setfenv(L, -2);
    lua_call(L, 0, 1);
    if (lua_pcall(L, 2, 1, msgh)) return lua_error(L);
    results = lua_gettop(L);
  }
  lua_pushvalue(L, decls);
  ctx->rc = isms__sandbox_json(L, results, S.chunkname, S.source, (size_t)S.lim.output,
                               &ctx->json, &ctx->jsonlen, &ctx->err);
  return 0;
}

/* Lua writes positions with the chunk name shortened to LUA_IDSIZE
** ("...tail"); messages should carry the name as the caller gave it. */
static char *sb_fix_position(const char *msg) {
  size_t cn = strlen(S.chunkname), mlen = strlen(msg);
  if (mlen > SB_MSG_MAX) mlen = SB_MSG_MAX;
  char *out = malloc(cn + mlen + 32);
  if (!out) return NULL;
  if (strncmp(msg, S.chunkname, cn) == 0 && msg[cn] == ':') {
    memcpy(out, msg, mlen);
    out[mlen] = 0;
    return out;
  }
  if (cn >= LUA_IDSIZE) {
    const char *tail = S.chunkname + cn - (LUA_IDSIZE - 4);
    size_t tl = strlen(tail);
    if (strncmp(msg, "...", 3) == 0 && strncmp(msg + 3, tail, tl) == 0 && msg[3 + tl] == ':') {
      size_t rest = mlen > 3 + tl ? mlen - 3 - tl : 0;
      memcpy(out, S.chunkname, cn);
      memcpy(out + cn, msg + 3 + tl, rest);
      out[cn + rest] = 0;
      return out;
    }
  }
  /* No position (error("x", 0), errors from C): add the line it came from. */
  int n = S.err_line > 0 ? sprintf(out, "%s:%d: ", S.chunkname, S.err_line)
                         : sprintf(out, "%s: ", S.chunkname);
  memcpy(out + n, msg, mlen);
  out[(size_t)n + mlen] = 0;
  return out;
}

static void sb_child_send(char tag, const char *p, size_t n) {
  sb_write_all(S.fd, &tag, 1);
  if (n) sb_write_all(S.fd, p, n);
}

/* The child needs only its pipe: close what it inherited (the register's
** SQLite file among them), so even a child subverted through a LuaJIT
** bug cannot write to it; stdin and stdout go to /dev/null, stderr stays
** for diagnostics. The descriptors are listed first, then closed.
** Returns the pipe's descriptor, moved above 2 if it was one of those. */
static int sb_child_fds(int keep) {
  if (keep <= 2) {  /* a host that runs with stdio closed */
    int moved = fcntl(keep, F_DUPFD, 3);
    if (moved >= 0) {
      close(keep);
      keep = moved;
    }
  }
  int devnull = open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    if (devnull != 0) dup2(devnull, 0);
    if (devnull != 1) dup2(devnull, 1);
    if (devnull > 2) close(devnull);
  }
  for (;;) {
    int fds[256], n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) break;
    struct dirent *e;
    while (n < 256 && (e = readdir(d))) {
      int fd = atoi(e->d_name);
      if (fd > 2 && fd != keep && fd != dirfd(d)) fds[n++] = fd;
    }
    closedir(d);
    int closed = 0;
    for (int i = 0; i < n; i++) closed += close(fds[i]) == 0;
    /* Another round only for a full list that made progress (a debugger
    ** or valgrind may keep descriptors that cannot be closed). */
    if (n < 256 || closed == 0) return keep;
  }
  /* No /proc: close the usual range. */
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536) max = 65536;
  for (int fd = 3; fd < max; fd++)
    if (fd != keep) close(fd);
  return keep;
}

static void sb_child_limits(void) {
  struct rlimit rl;
  rl.rlim_cur = rl.rlim_max = 0;
  setrlimit(RLIMIT_CORE, &rl);
  setrlimit(RLIMIT_FSIZE, &rl);  /* the child never writes files (pipes are exempt) */
  /* Coarse CPU seconds, a backstop behind the timer and the parent. */
  rlim_t secs = (rlim_t)((S.lim.time_ms + SB_PARENT_GRACE) / 1000 + 2);
  if (getrlimit(RLIMIT_CPU, &rl) == 0) {
    if (rl.rlim_max == RLIM_INFINITY || secs + 1 <= rl.rlim_max) {
      rl.rlim_cur = secs;
      rl.rlim_max = secs + 1;
      setrlimit(RLIMIT_CPU, &rl);
    }
  }
}

static void sb_child_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = SIG_DFL;
  /* The host's handlers (a REPL's SIGINT, say) must not run in the child. */
  static const int dfl[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGXCPU};
  for (size_t i = 0; i < sizeof dfl / sizeof dfl[0]; i++) sigaction(dfl[i], &sa, NULL);
  sigaddset(&sa.sa_mask, SIGALRM);
  sigaddset(&sa.sa_mask, SIGSEGV);
  sigaddset(&sa.sa_mask, SIGBUS);
  sa.sa_handler = sb_on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  /* A crash handler needs a stack of its own: the usual crash is an
  ** exhausted stack. Without one, the parent reports the signal instead. */
  stack_t ss;
  memset(&ss, 0, sizeof ss);
  ss.ss_sp = S.altstack = malloc(SB_ALTSTACK);
  ss.ss_size = SB_ALTSTACK;
  if (ss.ss_sp && sigaltstack(&ss, NULL) == 0) {
    sa.sa_handler = sb_on_crash;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGALRM);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* The child: evaluates, writes one result to fd and exits. Never returns. */
static void sb_child_main(int fd, const char *text, size_t len, const char *calls,
                          size_t calls_len, const char *chunkname, const sb_limits *lim) {
  char base;
  memset(&S, 0, sizeof S);
  S.stack_base = (uintptr_t)&base;
  S.fd = fd;
  S.chunkname = chunkname;
  S.lim = *lim;
  size_t cn = strlen(chunkname);
  S.source = malloc(cn + 2);
  S.killmsg_size = cn + 160;
  S.killmsg = malloc(S.killmsg_size);
  S.alarmbuf_size = S.killmsg_size + sizeof S.time_reason + 32;
  S.alarmbuf = malloc(S.alarmbuf_size);
  if (!S.source || !S.killmsg || !S.alarmbuf) {
    sb_child_send(SB_TAG_NOMEM, "", 0);
    _exit(0);
  }
  S.source[0] = '@';
  memcpy(S.source + 1, chunkname, cn + 1);
  S.killmsg[0] = 0;
  snprintf(S.time_reason, sizeof S.time_reason, "rule file exceeded its time limit of %lld ms",
           (long long)lim->time_ms);

  clock_gettime(CLOCK_MONOTONIC, &S.deadline);
  S.deadline.tv_sec += (time_t)(lim->time_ms / 1000);
  S.deadline.tv_nsec += (long)(lim->time_ms % 1000) * 1000000L;
  if (S.deadline.tv_nsec >= 1000000000L) {
    S.deadline.tv_sec++;
    S.deadline.tv_nsec -= 1000000000L;
  }
  fd = S.fd = sb_child_fds(fd);
  sb_child_signals();
  sb_child_limits();
  int64_t alarm_ms = lim->time_ms + SB_ALARM_SLACK;
  struct itimerval it;
  memset(&it, 0, sizeof it);
  it.it_value.tv_sec = (time_t)(alarm_ms / 1000);
  it.it_value.tv_usec = (suseconds_t)(alarm_ms % 1000) * 1000;
  setitimer(ITIMER_REAL, &it, NULL);

  /* Fail closed: no state within the cap, no evaluation. */
  lua_State *L = lua_newstate(sb_alloc, NULL);
  if (!L) {
    sb_block_alarm();
    char msg[256];
    int n = snprintf(msg, sizeof msg, "cannot create a Lua state within the memory limit "
                     "of %lld bytes", (long long)lim->memory);
    sb_child_send(SB_TAG_ERR, chunkname, cn);
    sb_write_all(fd, ": ", 2);
    sb_write_all(fd, msg, (size_t)n);
    _exit(0);
  }
  lua_atpanic(L, sb_panic);
  /* JIT off: compiled traces never call the count hook. */
  luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
  lua_sethook(L, sb_hook, LUA_MASKCOUNT, SB_HOOK_EVERY);

  sb_run_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.text = text;
  ctx.len = len;
  ctx.calls = calls;
  ctx.calls_len = calls_len;
  int status = lua_cpcall(L, sb_run, &ctx);
  sb_block_alarm();  /* from here on the one result is written whole */

  if (status != 0 || S.killed) {
    const char *msg = S.killed ? S.killmsg : lua_tostring(L, -1);
    char *fixed = S.killed ? NULL : sb_fix_position(msg ? msg : "unknown error");
    if (S.killed) sb_child_send(SB_TAG_ERR, S.killmsg, strlen(S.killmsg));
    else if (fixed) sb_child_send(SB_TAG_ERR, fixed, strlen(fixed));
    else sb_child_send(SB_TAG_NOMEM, "", 0);
    free(fixed);
  } else if (ctx.rc == ISMS_OK) {
    sb_child_send(SB_TAG_OK, ctx.json, ctx.jsonlen);
  } else if (ctx.rc == ISMS_RULE) {
    sb_child_send(SB_TAG_ERR, ctx.err, strlen(ctx.err));
  } else {
    sb_child_send(SB_TAG_NOMEM, "", 0);
  }
  /* Tidy exit (lets leak checkers follow the child); after a kill the
  ** state may be huge and nothing is gained by freeing it. */
  if (!S.killed) {
    lua_close(L);
    free(ctx.json);
    free(ctx.err);
    free(S.source);
    free(S.killmsg);
    free(S.alarmbuf);
    free(S.altstack);  /* never used again: _exit is next */
  }
  _exit(0);
}

/* ============================================================ parent */

static int64_t sb_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Messages are untrusted bytes on their way to a terminal (the child's
** text, but also file names, which whoever writes the rules directory
** chooses): control characters (C0, DEL, C1) and invalid UTF-8 become
** \ddd escapes, and the length is capped. */
static char *sb_sanitize(const char *s, size_t n, size_t max) {
  if (n > max) n = max;
  char *out = malloc(n * 4 + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    size_t seq = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    int ok;
    if (c < 0x80) ok = c >= 0x20 && c != 0x7f;
    else ok = i + seq <= n && isms__utf8_check((const unsigned char *)s + i, seq) == 0 &&
              !(c == 0xC2 && (unsigned char)s[i + 1] < 0xA0);  /* C1 controls */
    if (ok) {
      memcpy(out + o, s + i, seq);
      o += seq;
      i += seq;
    } else {
      o += (size_t)sprintf(out + o, "\\%u", c);
      i++;
    }
  }
  out[o] = 0;
  return out;
}

static int sb_fail(char **errmsg, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int sb_fail(char **errmsg, int code, const char *fmt, ...) {
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return code;
  char *text = small;
  if ((size_t)n >= sizeof small) {  /* a long file name */
    text = malloc((size_t)n + 1);
    if (!text) return ISMS_NOMEM;
    va_start(ap, fmt);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  *errmsg = sb_sanitize(text, (size_t)n, (size_t)n);
  if (text != small) free(text);
  return *errmsg ? code : ISMS_NOMEM;
}

/* The child's JSON is checked before it is trusted: printable, UTF-8, an
** array. A parser still has to validate it; this catches a broken child. */
static int sb_json_plausible(const char *p, size_t n) {
  /* An array of declarations, or an object holding them and call results. */
  if (n < 2 || !((p[0] == '[' && p[n - 1] == ']') || (p[0] == '{' && p[n - 1] == '}'))) return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)p[i] < 0x20) return 0;
  return isms__utf8_check((const unsigned char *)p, n) == 0;
}

/* The default wall-clock limit, or ISMS_RULE_TIME_MS (whole milliseconds,
** 1 to 600000) when set: the user's own setting, for machines where a rule
** file's run is slow for reasons of their own -- a sanitizer build
** (make check-asan) runs the sandbox child 10-50 times slower. A limit a
** caller passes is kept as given. */
static int64_t sb_default_time_ms(void) {
  const char *env = getenv("ISMS_RULE_TIME_MS");
  if (env && *env) {
    char *end;
    long long v = strtoll(env, &end, 10);
    if (*end == 0 && v >= 1 && v <= 600000) return (int64_t)v;
  }
  return SB_DEFAULT_TIME_MS;
}

static int sb_resolve(const isms_rule_limits *in, sb_limits *out) {
  out->time_ms = sb_default_time_ms();
  out->memory = SB_DEFAULT_MEMORY;
  out->instructions = SB_DEFAULT_INSTRUCTIONS;
  out->output = SB_DEFAULT_OUTPUT;
  if (!in) return 0;
  if (in->time_ms < 0 || in->memory_bytes < 0 || in->instructions < 0 || in->output_bytes < 0)
    return -1;
  /* Clamped so the timer and time arithmetic cannot overflow (~1 year). */
  if (in->time_ms) out->time_ms = in->time_ms > ((int64_t)1 << 35) ? (int64_t)1 << 35 : in->time_ms;
  if (in->memory_bytes) out->memory = in->memory_bytes;
  if (in->instructions) out->instructions = in->instructions;
  if (in->output_bytes) out->output = in->output_bytes;
  if ((uint64_t)out->memory > SIZE_MAX / 2) out->memory = (int64_t)(SIZE_MAX / 2);
  if ((uint64_t)out->output > SIZE_MAX / 2) out->output = (int64_t)(SIZE_MAX / 2);
  return 0;
}

/* Reads what the child sends until EOF, the deadline or the size cap.
** Returns 0 on EOF, 1 on timeout, 2 on overflow, -1 with errno. */
static int sb_collect(int fd, int64_t deadline, size_t cap, char **buf, size_t *len) {
  size_t n = 0, size = 0;
  char *p = NULL;
  int rc;
  for (;;) {
    int64_t left = deadline - sb_now_ms();
    if (left <= 0) {
      rc = 1;
      break;
    }
    struct pollfd pfd = {fd, POLLIN, 0};
    int r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (r < 0) {
      if (errno == EINTR) continue;
      rc = -1;
      break;
    }
    if (r == 0) continue;  /* the deadline is checked at the top */
    if (size - n < 65536) {
      size_t nsize = size ? size * 2 : 65536;
      if (nsize > cap + 1) nsize = cap + 1;
      if (nsize <= n) {
        rc = 2;
        break;
      }
      char *np = realloc(p, nsize + 1);
      if (!np) {
        errno = ENOMEM;
        rc = -1;
        break;
      }
      p = np;
      size = nsize;
    }
    ssize_t got = read(fd, p + n, size - n);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      rc = -1;
      break;
    }
    if (got == 0) {
      rc = 0;
      break;
    }
    n += (size_t)got;
    if (n > cap) {
      rc = 2;
      break;
    }
  }
  int saved = errno;
  *buf = p;
  *len = n;
  errno = saved;
  return rc;
}

static int sb_evaluate(const char *text, size_t len, const char *calls, const char *chunkname,
                       const sb_limits *lim, char **json, char **errmsg) {
  int fds[2];
  if (pipe(fds) != 0)
    return sb_fail(errmsg, ISMS_ERROR, "%s: cannot start the rule sandbox: pipe: %s", chunkname,
                   strerror(errno));
  /* Other processes the host starts must not hold the write end open. */
  fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  int64_t deadline = sb_now_ms() + lim->time_ms + SB_PARENT_GRACE;
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(fds[0]);
    close(fds[1]);
    return sb_fail(errmsg, e == ENOMEM ? ISMS_NOMEM : ISMS_ERROR,
                   "%s: cannot start the rule sandbox: fork: %s", chunkname, strerror(e));
  }
  if (pid == 0) {
    close(fds[0]);
    sb_child_main(fds[1], text, len, calls, calls ? strlen(calls) : 0, chunkname, lim);
    _exit(0);  /* not reached */
  }
  close(fds[1]);

  char *buf;
  size_t n;
  size_t cap = (size_t)lim->output + SB_MSG_MAX * 4 + 64;
  int got = sb_collect(fds[0], deadline, cap, &buf, &n);
  int err = errno;
  close(fds[0]);
  if (got != 0) kill(pid, SIGKILL);
  int status = 0, reaped;
  while ((reaped = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  /* ECHILD: the host reaps children itself (SIGCHLD ignored or a
  ** handler); the result then speaks for itself. */
  if (reaped < 0) status = 0;

  int rc;
  if (got == 1) {
    rc = sb_fail(errmsg, ISMS_RULE,
                 "%s: rule file exceeded its time limit of %lld ms (the sandbox was killed)",
                 chunkname, (long long)lim->time_ms);
  } else if (got == 2) {
    rc = sb_fail(errmsg, ISMS_RULE, "%s: declarations exceed the output limit of %lld bytes",
                 chunkname, (long long)lim->output);
  } else if (got < 0) {
    rc = sb_fail(errmsg, err == ENOMEM ? ISMS_NOMEM : ISMS_ERROR,
                 "%s: reading from the rule sandbox: %s", chunkname, strerror(err));
  } else if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGXCPU)
      rc = sb_fail(errmsg, ISMS_RULE, "%s: rule file exceeded its CPU time limit", chunkname);
    else
      rc = sb_fail(errmsg, ISMS_RULE, "%s: the rule sandbox died from signal %d (%s)",
                   chunkname, sig, strsignal(sig));
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    rc = sb_fail(errmsg, ISMS_RULE, "%s: the rule sandbox failed (exit status %d)", chunkname,
                 WEXITSTATUS(status));
  } else if (n == 0) {
    rc = sb_fail(errmsg, ISMS_RULE, "%s: the rule sandbox returned no result", chunkname);
  } else if (buf[0] == SB_TAG_OK && sb_json_plausible(buf + 1, n - 1)) {
    memmove(buf, buf + 1, n - 1);
    buf[n - 1] = 0;
    *json = buf;
    return ISMS_OK;
  } else if (buf[0] == SB_TAG_ERR) {
    char *msg = sb_sanitize(buf + 1, n - 1, SB_MSG_MAX);
    if (msg) *errmsg = msg;
    rc = msg ? ISMS_RULE : ISMS_NOMEM;
  } else if (buf[0] == SB_TAG_NOMEM) {
    rc = sb_fail(errmsg, ISMS_NOMEM, "%s: out of memory in the rule sandbox", chunkname);
  } else {
    rc = sb_fail(errmsg, ISMS_RULE, "%s: the rule sandbox returned malformed output",
                 chunkname);
  }
  free(buf);
  return rc;
}

/* =============================================================== API */

static int sb_eval_text(const char *text, size_t len, const char *calls, const char *chunkname,
                        const isms_rule_limits *limits, char **json, char **errmsg) {
  if (!json || !errmsg) return ISMS_MISUSE;
  *json = NULL;
  *errmsg = NULL;
  if (!chunkname)
    return sb_fail(errmsg, ISMS_MISUSE, "isms_rules_eval_buffer: chunkname is NULL");
  if (!text && len)
    return sb_fail(errmsg, ISMS_MISUSE, "%s: isms_rules_eval_buffer: text is NULL", chunkname);
  sb_limits lim;
  if (sb_resolve(limits, &lim))
    return sb_fail(errmsg, ISMS_MISUSE, "%s: rule limits must not be negative", chunkname);
  /* Checked here for a clear message (behind a BOM too, which the child
  ** skips); the child also loads text-only. */
  size_t bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  if (len > bom && text[bom] == 0x1b)
    return sb_fail(errmsg, ISMS_RULE,
                   "%s: binary (precompiled) chunks are refused; rule files must be text",
                   chunkname);
  if ((uint64_t)len > (uint64_t)lim.memory)
    return sb_fail(errmsg, ISMS_RULE,
                   "%s: rule file is larger than the memory limit of %lld bytes", chunkname,
                   (long long)lim.memory);
  return sb_evaluate(text ? text : "", len, calls, chunkname, &lim, json, errmsg);
}

ISMS_API int isms_rules_eval_buffer(const char *text, size_t len, const char *chunkname,
                                    const isms_rule_limits *limits, char **json,
                                    char **errmsg) {
  return sb_eval_text(text, len, NULL, chunkname, limits, json, errmsg);
}

static int sb_eval_file(const char *path, const char *calls, const isms_rule_limits *limits,
                        char **json, char **errmsg) {
  if (!json || !errmsg) return ISMS_MISUSE;
  *json = NULL;
  *errmsg = NULL;
  if (!path) return sb_fail(errmsg, ISMS_MISUSE, "isms_rules_eval: path is NULL");
  sb_limits lim;
  if (sb_resolve(limits, &lim))
    return sb_fail(errmsg, ISMS_MISUSE, "%s: rule limits must not be negative", path);

  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sb_fail(errmsg, ISMS_IO, "%s: cannot open rule file: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return sb_fail(errmsg, ISMS_IO, "%s: cannot read rule file: is a directory", path);
  }
  /* Read at most one byte past the cap: enough to know it is too big. */
  size_t cap = (size_t)lim.memory, n = 0, size = 0;
  char *text = NULL;
  for (;;) {
    if (n == size) {
      size_t nsize = size ? size * 2 : 16384;
      if (nsize > cap + 1) nsize = cap + 1;
      if (nsize <= n) break;
      char *np = realloc(text, nsize);
      if (!np) {
        free(text);
        close(fd);
        return sb_fail(errmsg, ISMS_NOMEM, "%s: out of memory reading rule file", path);
      }
      text = np;
      size = nsize;
    }
    ssize_t got = read(fd, text + n, size - n);
    if (got < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      free(text);
      close(fd);
      return sb_fail(errmsg, ISMS_IO, "%s: cannot read rule file: %s", path, strerror(e));
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  close(fd);
  int rc = sb_eval_text(text, n, calls, path, limits, json, errmsg);
  free(text);
  return rc;
}

ISMS_API int isms_rules_eval(const char *path, const isms_rule_limits *limits, char **json,
                             char **errmsg) {
  return sb_eval_file(path, NULL, limits, json, errmsg);
}

ISMS_API int isms_rules_call(const char *path, const char *calls,
                             const isms_rule_limits *limits, char **json, char **errmsg) {
  if (!json || !errmsg) return ISMS_MISUSE;
  *json = NULL;
  *errmsg = NULL;
  if (!calls) return sb_fail(errmsg, ISMS_MISUSE, "isms_rules_call: calls is NULL");
  return sb_eval_file(path, calls, limits, json, errmsg);
}
