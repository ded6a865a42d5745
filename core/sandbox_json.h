/*
** sandbox_json.h -- between the rule sandbox (sandbox.c) and the writer of
** its declarations (sandbox_json.c). Kept apart from isms_internal.h so
** only these two files see lua.h.
*/
#ifndef ISMS_SANDBOX_JSON_H
#define ISMS_SANDBOX_JSON_H

#include <lua.h>

#include "isms_internal.h"

/* Writes the declaration list at the top of L's stack as a JSON array --
** or, when results is a stack index (not 0), as an object
** {"declarations":[...],"results":[...]} with the list of call results at
** that index: ISMS_OK with *out (malloc'd, NUL-terminated, *outlen bytes),
** ISMS_RULE with *err (malloc'd, "<file>:<line>: ..."), or ISMS_NOMEM. */
ISMS_HIDDEN int isms__sandbox_json(lua_State *L, int results, const char *chunkname,
                                   const char *source, size_t limit, char **out,
                                   size_t *outlen, char **err);

#endif
