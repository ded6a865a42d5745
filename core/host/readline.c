/*
** readline.c -- line editing, history, tab completion and Ctrl-C for
** `isms repl`, exposed to Lua as the private module "isms._host" (only
** inside the executable; a plain luajit REPL falls back to io.read).
**
** Lines are read through readline's callback interface in a pselect()
** loop (as Python's readline module does), so a SIGINT can end the wait:
** Ctrl-C at the prompt drops the line being typed and returns false.
** While a statement runs, the same handler sets a count hook that raises
** "interrupted" in the Lua code (as lua.c does), so Ctrl-C stops a long
** statement and the REPL goes on.
*/
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <unistd.h>

#include <lauxlib.h>

#include "host.h"

/* ------------------------------------------------------------ Ctrl-C */

static volatile sig_atomic_t interrupted;
static lua_State *running; /* set while a statement runs (host.run) */

static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  interrupted = 0;
  luaL_error(L, "interrupted");
}

static void on_sigint(int sig) {
  (void)sig;
  interrupted = 1;
  /* lua_sethook is safe to call from a signal handler (lua.c, luajit.c). */
  if (running) lua_sethook(running, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* Installs the handler; without SA_RESTART, so a wait for input ends. */
static int l_catch_interrupt(lua_State *L) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  lua_pushboolean(L, sigaction(SIGINT, &sa, NULL) == 0);
  return 1;
}

/* host.run(fn, handler): xpcall(fn, handler) with Ctrl-C armed. */
static int l_run(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  lua_insert(L, 1); /* handler, fn */
  running = L;
  /* a Ctrl-C since the line was read (readline clears the flag) stops it too */
  if (interrupted) lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
  int rc = lua_pcall(L, 0, LUA_MULTRET, 1);
  running = NULL;
  lua_sethook(L, NULL, 0, 0);
  interrupted = 0;
  lua_pushboolean(L, rc == 0);
  lua_replace(L, 1); /* ok, results... or ok, message */
  return lua_gettop(L);
}

/* ------------------------------------------------------------ completion */

static lua_State *completing; /* the state calling readline */
static int completer_ref = LUA_NOREF;

/* Asks the Lua completer for the words that complete text; NULL falls
** back to readline's file names (the completer returns nil in strings). */
static char **complete(const char *text, int start, int end) {
  (void)text;
  lua_State *L = completing;
  if (!L || completer_ref == LUA_NOREF) return NULL;
  int top = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, completer_ref);
  lua_pushstring(L, rl_line_buffer);
  lua_pushinteger(L, start);
  lua_pushinteger(L, end);
  char **matches = NULL;
  if (lua_pcall(L, 3, 1, 0) == 0 && lua_istable(L, -1)) {
    rl_attempted_completion_over = 1; /* no file names outside strings */
    size_t n = lua_objlen(L, -1);
    if (n > 0) {
      matches = calloc(n + 2, sizeof *matches);
      /* matches[0] is the longest common prefix, readline's convention */
      for (size_t k = 0; matches && k < n; k++) {
        lua_rawgeti(L, -1, (int)k + 1);
        const char *s = lua_tostring(L, -1);
        matches[k + 1] = strdup(s ? s : "");
        lua_pop(L, 1);
      }
      if (matches) {
        size_t common = strlen(matches[1]);
        for (size_t k = 2; k <= n; k++) {
          size_t j = 0;
          while (j < common && matches[k][j] == matches[1][j]) j++;
          common = j;
        }
        matches[0] = strndup(matches[1], common);
        rl_completion_append_character = '\0'; /* "isms.gap" may go on with "." */
      }
    }
  }
  lua_settop(L, top);
  return matches;
}

/* host.set_completer(fn): fn(line, start, end) -> list of words or nil. */
static int l_set_completer(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  if (completer_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, completer_ref);
  lua_pushvalue(L, 1);
  completer_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  rl_attempted_completion_function = complete;
  /* '.' and ':' stay inside a word: "isms.gap.ca" and "reg:as" complete whole */
  rl_basic_word_break_characters = " \t\n\"'`@$><=;|&{(,+-*/%^~[]#";
  rl_completer_quote_characters = "\"'";
  return 0;
}

/* ------------------------------------------------------------ reading */

static char *got_line;
static int line_done;

static void on_line(char *line) {
  got_line = line;
  line_done = 1;
  rl_callback_handler_remove();
}

/* host.readline(prompt) -> line, nil at end of input, false on Ctrl-C. */
static int l_readline(lua_State *L) {
  const char *prompt = luaL_optstring(L, 1, "> ");
  /* SIGINT stays blocked but while pselect waits, from before the prompt
  ** is shown: a Ctrl-C that comes while the prompt is drawn or a key is
  ** handled is not lost, it ends the next wait. */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, &old);
  rl_catch_signals = 0; /* our handler; the pselect loop sees EINTR */
  completing = L;
  got_line = NULL;
  line_done = 0;
  interrupted = 0;
  rl_callback_handler_install(prompt, on_line);
  while (!line_done) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(fileno(rl_instream), &fds);
    int r = pselect(fileno(rl_instream) + 1, &fds, NULL, NULL, NULL, &old);
    if (r < 0 && errno == EINTR) {
      if (interrupted) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        interrupted = 0;
        rl_free_line_state();
        rl_callback_sigcleanup();
        rl_callback_handler_remove();
        fputs("\n", rl_outstream ? rl_outstream : stdout);
        completing = NULL;
        lua_pushboolean(L, 0);
        return 1;
      }
      continue;
    }
    if (r < 0) break;
    if (r > 0) rl_callback_read_char();
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  completing = NULL;
  if (!line_done) rl_callback_handler_remove();
  if (!got_line) return 0; /* end of input */
  lua_pushstring(L, got_line);
  free(got_line);
  return 1;
}

static int l_add_history(lua_State *L) {
  add_history(luaL_checkstring(L, 1));
  return 0;
}

static int l_read_history(lua_State *L) {
  lua_pushboolean(L, read_history(luaL_checkstring(L, 1)) == 0);
  return 1;
}

/* Appends the newest entry, so history survives a crash or kill. */
static int l_append_history(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  FILE *f = fopen(path, "a");
  if (f) fclose(f);
  lua_pushboolean(L, append_history(1, path) == 0);
  history_truncate_file(path, 2000);
  return 1;
}

/* Line editing only makes sense on a terminal; piped input is read plainly. */
static int l_interactive(lua_State *L) {
  lua_pushboolean(L, isatty(0) && isatty(1));
  return 1;
}

static const luaL_Reg host_funcs[] = {{"readline", l_readline},
                                      {"interactive", l_interactive},
                                      {"add_history", l_add_history},
                                      {"read_history", l_read_history},
                                      {"append_history", l_append_history},
                                      {"set_completer", l_set_completer},
                                      {"catch_interrupt", l_catch_interrupt},
                                      {"run", l_run},
                                      {NULL, NULL}};

int isms_host_open_readline(lua_State *L) {
  lua_newtable(L);
  luaL_register(L, NULL, host_funcs);
  isms_host_progress_register(L);
  return 1;
}
