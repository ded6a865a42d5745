/*
** main.c -- the isms executable: LuaJIT running the isms command line.
**
** The executable links libisms, so the Lua package binds to it through
** ffi.C without loading a second copy. It finds its Lua package next to
** itself in a source tree (build/isms -> lua/), else where `make install`
** put it relative to the executable (bin/isms -> share/lua/5.1/), and runs
** isms.cli.main(arg).
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "host.h"

#ifndef ISMS_LUA_DIR
#define ISMS_LUA_DIR "/usr/local/share/lua/5.1"
#endif

static int file_exists(const char *path) { return access(path, R_OK) == 0; }

/* The first of `relative` (dirs relative to the executable's folder, read
** from /proc/self/exe at run time) that holds isms/init.lua, as a path in
** out; 0 when none does. An installed tree works wherever it was installed
** or moved to. */
static int find_beside_exe(const char *const *relative, size_t count, char *out, size_t size) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return 0;
  exe[n] = 0;
  char *slash = strrchr(exe, '/');
  if (!slash) return 0;
  *slash = 0;
  for (size_t k = 0; k < count; k++) {
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/%s/isms/init.lua", exe, relative[k]);
    /* out is as large as probe's prefix: a path that fit there fits here. */
    if (file_exists(probe) && (size_t)snprintf(out, size, "%s/%s", exe, relative[k]) < size)
      return 1;
  }
  return 0;
}

/* The directory holding the isms Lua package: <exe>/../lua in a build
** tree, <exe>/../share/lua/5.1 under an install prefix (make install
** PREFIX=...). The directory compiled in (ISMS_LUA_DIR) is the last resort. */
static void find_lua_dir(char *out, size_t size) {
  static const char *const relative[] = {"../lua", "../share/lua/5.1"};
  if (!find_beside_exe(relative, sizeof relative / sizeof relative[0], out, size))
    snprintf(out, size, "%s", ISMS_LUA_DIR);
}

/* The directory of the package's bytecode (core/host/bytecode.c):
** <exe>/luabc in a build tree, <exe>/../lib/isms/luabc installed. Empty
** when there is none: the sources load as they are. */
static void find_bytecode_dir(char *out, size_t size) {
  static const char *const relative[] = {"luabc", "../lib/isms/luabc"};
  if (!find_beside_exe(relative, sizeof relative / sizeof relative[0], out, size)) out[0] = 0;
}

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  lua_getglobal(L, "debug");
  lua_getfield(L, -1, "traceback");
  lua_pushstring(L, msg ? msg : "(error object is not a string)");
  lua_pushinteger(L, 2);
  lua_call(L, 2, 1);
  return 1;
}

/* Lua side of main: prepends the package dir to package.path, puts the
** bytecode searcher (if there is bytecode) before the source searcher,
** makes os.exit close the state, then returns require("isms.cli").main(arg). */
static const char boot[] =
    "local dir, bytecode = ...\n"
    "package.path = dir .. '/?.lua;' .. dir .. '/?/init.lua;' .. package.path\n"
    "if bytecode then table.insert(package.loaders, 2, bytecode) end\n"
    /* os.exit in a script (isms run) closes the Lua state first, as the
    ** end of main does: open registers are closed by their finalizers
    ** (a transaction left open rolls back, nothing leaks). */
    "local exit = os.exit\n"
    "os.exit = function(code, close) return exit(code, close == nil or close) end\n"
    "return require('isms.cli').main(arg)\n";

int main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  if (!L) {
    fputs("isms: cannot create Lua state (out of memory)\n", stderr);
    return 1;
  }
  luaL_openlibs(L);

  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, isms_host_open_readline);
  lua_setfield(L, -2, "isms._host");
  lua_pop(L, 2);

  lua_createtable(L, argc, 1);
  for (int k = 0; k < argc; k++) {
    lua_pushstring(L, argv[k]);
    lua_rawseti(L, -2, k);
  }
  lua_setglobal(L, "arg");

  char dir[PATH_MAX + 32];
  find_lua_dir(dir, sizeof dir);
  int status = 1;
  lua_pushcfunction(L, traceback);
  if (luaL_loadbuffer(L, boot, sizeof boot - 1, "=isms") != 0) {
    fprintf(stderr, "isms: %s\n", lua_tostring(L, -1));
  } else {
    lua_pushstring(L, dir);
    char bc_dir[PATH_MAX + 32];
    find_bytecode_dir(bc_dir, sizeof bc_dir);
    if (bc_dir[0] && !getenv("ISMS_NO_BYTECODE"))
      isms_host_bytecode_searcher(L, dir, bc_dir);
    else
      lua_pushnil(L);
    if (lua_pcall(L, 2, 1, -4) != 0) {
      fprintf(stderr, "isms: %s\n", lua_tostring(L, -1));
    } else {
      status = lua_isnumber(L, -1) ? (int)lua_tointeger(L, -1) : 0;
    }
  }
  fflush(stdout);
  lua_close(L);
  return status;
}
