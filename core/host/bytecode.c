/*
** bytecode.c -- loads the isms Lua package from bytecode compiled at build
** time (`make` writes build/luabc/, `make install` PREFIX/lib/isms/luabc/).
**
** Parsing the package's source is most of a command's start-up (about
** 35 of 45 ms); its bytecode loads in a fraction of that, which keeps a
** cold `isms assess` under its 20 ms goal. The package is our own trusted
** code: rule files are never loaded this way (they stay text only, see
** core/sandbox.c).
**
** A bytecode file is used only while it is at least as new as the source
** beside it, so editing lua/ without running make never runs stale code:
** the ordinary source searcher takes over for that module.
*/
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"

static int modified(const char *path, struct timespec *when) {
  struct stat st;
  if (stat(path, &st) != 0) return 0;
  *when = st.st_mtim;
  return 1;
}

static int not_older(struct timespec a, struct timespec b) {
  return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec >= b.tv_nsec);
}

/* package.loaders entry: upvalues 1 = source dir, 2 = bytecode dir. */
static int search(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const char *src_dir = lua_tostring(L, lua_upvalueindex(1));
  const char *bc_dir = lua_tostring(L, lua_upvalueindex(2));
  if (strncmp(name, "isms", 4) != 0 || (name[4] != 0 && name[4] != '.')) {
    lua_pushstring(L, "");
    return 1;
  }
  char rel[PATH_MAX / 2];
  size_t n = strlen(name);
  if (n + 10 >= sizeof rel) {
    lua_pushstring(L, "");
    return 1;
  }
  for (size_t k = 0; k <= n; k++) rel[k] = name[k] == '.' ? '/' : name[k];
  static const char *const forms[] = {"%s/%s.lua", "%s/%s/init.lua"};
  for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
    char src[PATH_MAX], bc[PATH_MAX];
    struct timespec src_time, bc_time;
    if ((size_t)snprintf(src, sizeof src, forms[f], src_dir, rel) >= sizeof src) continue;
    if ((size_t)snprintf(bc, sizeof bc, forms[f], bc_dir, rel) >= sizeof bc) continue;
    if (!modified(src, &src_time)) continue;
    if (!modified(bc, &bc_time) || !not_older(bc_time, src_time)) break;
    if (luaL_loadfile(L, bc) == 0) return 1;
    lua_pop(L, 1); /* unreadable or damaged: the source searcher loads the module */
    break;
  }
  lua_pushfstring(L, "\n\tno current bytecode for '%s' in '%s'", name, bc_dir);
  return 1;
}

void isms_host_bytecode_searcher(lua_State *L, const char *src_dir, const char *bc_dir) {
  lua_pushstring(L, src_dir);
  lua_pushstring(L, bc_dir);
  lua_pushcclosure(L, search, 2);
}
