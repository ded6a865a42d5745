/*
** host.h -- the isms executable: LuaJIT with the isms package and a
** readline binding for the REPL.
*/
#ifndef ISMS_HOST_H
#define ISMS_HOST_H

#include <lua.h>

/* Opens the private module "isms._host" (readline, history). */
int isms_host_open_readline(lua_State *L);

/* Adds progress_start and progress_stop to the table on top of the stack. */
void isms_host_progress_register(lua_State *L);

/* Pushes a package.loaders function that loads isms.* modules from the
** bytecode under bc_dir while it is not older than the source under
** src_dir (core/host/bytecode.c). */
void isms_host_bytecode_searcher(lua_State *L, const char *src_dir, const char *bc_dir);

#endif
