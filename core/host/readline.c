/*
** readline.c -- line editing and history for `isms repl`, exposed to Lua
** as the private module "isms._host" (only inside the executable; a plain
** luajit REPL falls back to io.read).
*/
#include <stdio.h>
#include <stdlib.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <unistd.h>

#include <lauxlib.h>

#include "host.h"

static int l_readline(lua_State *L) {
  const char *prompt = luaL_optstring(L, 1, "> ");
  char *line = readline(prompt);
  if (!line) return 0;  /* end of input */
  lua_pushstring(L, line);
  free(line);
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
                                      {NULL, NULL}};

int isms_host_open_readline(lua_State *L) {
  lua_newtable(L);
  luaL_register(L, NULL, host_funcs);
  return 1;
}
