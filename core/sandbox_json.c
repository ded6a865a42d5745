/*
** sandbox_json.c -- declarations from the rule sandbox, as JSON text.
**
** Runs in the sandbox child (core/sandbox.c) after the rule file has run,
** on the declaration list the prelude collected. The values were built by
** untrusted code, so the writer trusts nothing about them:
**   - raw accesses only (lua_next, lua_rawget): no metamethod, no rule
**     code runs while they are written;
**   - tables nest at most ISMS__JSON_DEPTH deep and may not contain
**     themselves; tables with metatables (library proxies) are refused;
**   - keys are names or positive integers; strings must be valid UTF-8;
**     numbers must be finite; functions must come from the rule file;
**   - the output has a size cap, checked as it grows.
** Every refusal names "<file>:<line>: <kind> '<name>': <field path>: ...".
**
** Shapes: a table whose keys are exactly 1..n (n >= 1) is an array; any
** other table, the empty one included, is an object (an empty list thus
** arrives as {}). Object keys are sorted -- positive integers first,
** written as decimal strings, then names bytewise -- so the output is
** deterministic. A function is {"__function__":true,"line":N}, N being
** the line it was defined on; keys starting with "__" are reserved for
** such markers.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "isms_internal.h"
#include "sandbox_json.h"


#define ISMS__JSON_DEPTH 32  /* deepest table nesting in a declaration */

typedef struct sb_buf {
  char *p;
  size_t n, cap, limit;
  int over, nomem;
} sb_buf;

typedef struct sb_key {
  const char *s;  /* NULL for an integer key */
  size_t len;
  double num;
} sb_key;

typedef struct sb_json {
  lua_State *L;
  const char *chunkname;    /* the rule file, for messages */
  const char *source;       /* "@" .. chunkname: functions from the rule file */
  sb_buf out;
  const char *kind, *name;  /* the declaration being written */
  int line;
  char path[256];           /* field path, e.g. tiers[2].label */
  size_t pathlen;
  const void *open[ISMS__JSON_DEPTH + 1];  /* tables on the path: cycle check */
  sb_key *keys[ISMS__JSON_DEPTH + 1];      /* key arrays per depth, reused */
  size_t keycap[ISMS__JSON_DEPTH + 1];
  int depth;
  char *err;                /* malloc'd message once something failed */
  int err_nomem;
} sb_json;

static void buf_put(sb_buf *b, const char *s, size_t n) {
  if (b->over || b->nomem) return;
  if (n > b->limit - b->n) {
    b->over = 1;
    return;
  }
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n + 1) cap *= 2;
    if (cap > b->limit + 1) cap = b->limit + 1;
    char *np = realloc(b->p, cap);
    if (!np) {
      b->nomem = 1;
      return;
    }
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
}

static void buf_puts(sb_buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static int json_fail(sb_json *J, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "<file>:<line>: <kind> '<name>': <path>: <reason>" */
static int json_fail(sb_json *J, const char *fmt, ...) {
  char reason[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  size_t size = strlen(J->chunkname) + strlen(J->kind) + (J->name ? strlen(J->name) : 0) +
                J->pathlen + strlen(reason) + 64;
  free(J->err);
  J->err = malloc(size);
  if (!J->err) {
    J->err_nomem = 1;
    return -1;
  }
  char what[64 + sizeof J->path];
  if (J->pathlen) snprintf(what, sizeof what, "%s: ", J->path);
  else what[0] = 0;
  if (J->name)
    snprintf(J->err, size, "%s:%d: %s '%s': %s%s", J->chunkname, J->line, J->kind, J->name,
             what, reason);
  else
    snprintf(J->err, size, "%s:%d: %s: %s%s", J->chunkname, J->line, J->kind, what, reason);
  return -1;
}

static int json_check_out(sb_json *J) {
  if (J->out.nomem) {
    J->err_nomem = 1;
    return -1;
  }
  if (J->out.over)
    return json_fail(J, "declarations exceed the output limit of %lld bytes",
                     (long long)J->out.limit);
  return 0;
}

static int is_name(const char *s, size_t len) {
  if (len == 0 || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_'))
      return 0;
  }
  return 1;
}

/* Appends one step to the field path; returns the old length to restore. */
static size_t path_push(sb_json *J, const sb_key *k) {
  size_t old = J->pathlen, room = sizeof J->path - old;
  int n;
  if (!k->s)
    n = snprintf(J->path + old, room, "[%.0f]", k->num);
  else if (is_name(k->s, k->len))
    n = snprintf(J->path + old, room, "%s%.*s", old ? "." : "", (int)k->len, k->s);
  else
    n = snprintf(J->path + old, room, "[\"%.*s\"]", (int)(k->len > 64 ? 64 : k->len), k->s);
  if (n < 0 || (size_t)n >= room) {  /* too deep to name: keep a marker */
    J->path[sizeof J->path - 4] = 0;
    strcat(J->path, "...");
    J->pathlen = strlen(J->path);
  } else {
    J->pathlen = old + (size_t)n;
  }
  return old;
}

static void path_pop(sb_json *J, size_t old) {
  J->pathlen = old;
  J->path[old] = 0;
}

/* Register text is strict UTF-8 without NUL bytes (isms__utf8_check). */
static int check_text(sb_json *J, const char *what, const char *s, size_t len) {
  size_t bad = isms__utf8_check((const unsigned char *)s, len);
  if (!bad) return 0;
  if (s[bad - 1] == 0) return json_fail(J, "%s contains a NUL byte (byte %zu)", what, bad);
  return json_fail(J, "%s is not valid UTF-8 (byte %zu)", what, bad);
}

static int json_string(sb_json *J, const char *s, size_t len) {
  if (check_text(J, "text", s, len)) return -1;
  sb_buf *b = &J->out;
  buf_put(b, "\"", 1);
  size_t run = 0;  /* start of the pending run of bytes that need no escape */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
    buf_put(b, s + run, i - run);
    run = i + 1;
    char esc[8];
    switch (c) {
      case '"': buf_put(b, "\\\"", 2); break;
      case '\\': buf_put(b, "\\\\", 2); break;
      case '\n': buf_put(b, "\\n", 2); break;
      case '\r': buf_put(b, "\\r", 2); break;
      case '\t': buf_put(b, "\\t", 2); break;
      default:
        snprintf(esc, sizeof esc, "\\u%04x", c);
        buf_put(b, esc, 6);
    }
  }
  buf_put(b, s + run, len - run);
  buf_put(b, "\"", 1);
  return 0;
}

static int json_number(sb_json *J, double d) {
  char tmp[40];
  if (!isfinite(d)) return json_fail(J, "%s is not a finite number", isnan(d) ? "nan" : "inf");
  /* Integers (the common case: tiers, values) print without a point;
  ** beyond 2^53 a double is no longer an exact integer. */
  if (d == floor(d) && fabs(d) < 9007199254740992.0)
    snprintf(tmp, sizeof tmp, "%lld", (long long)d);
  else
    snprintf(tmp, sizeof tmp, "%.17g", d);
  buf_puts(&J->out, tmp);
  return 0;
}

/* A function is written as its place in the rule file; only functions the
** rule file wrote qualify (not built-ins, not DSL words). */
static int json_function(sb_json *J, int idx) {
  lua_State *L = J->L;
  lua_Debug ar;
  lua_pushvalue(L, idx);
  if (!lua_getinfo(L, ">S", &ar) || strcmp(ar.what, "C") == 0 ||
      strcmp(ar.source, J->source) != 0)
    return json_fail(J, "a built-in function cannot be declared; "
                        "write the function in the rule file");
  char tmp[64];
  snprintf(tmp, sizeof tmp, "{\"__function__\":true,\"line\":%d}", ar.linedefined);
  buf_puts(&J->out, tmp);
  return 0;
}

static int key_cmp(const void *pa, const void *pb) {
  const sb_key *a = pa, *b = pb;
  if (!a->s || !b->s) {
    if (a->s) return 1;
    if (b->s) return -1;
    return (a->num > b->num) - (a->num < b->num);
  }
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->s, b->s, n);
  if (c) return c;
  return (a->len > b->len) - (a->len < b->len);
}

/* "12" as a string key would collide with the integer key 12 in JSON. */
static int canonical_index(const char *s, size_t len, double *out) {
  if (len == 0 || len > 15 || s[0] < '1' || s[0] > '9') return 0;
  double v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 1;
}

static int json_value(sb_json *J, int idx);

/* Collects and checks the keys of the table at idx into J->keys[depth]. */
static int json_keys(sb_json *J, int idx, size_t *count, int *is_array) {
  lua_State *L = J->L;
  int d = J->depth;
  size_t n = 0;
  double max = 0;
  int all_int = 1;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    sb_key k = {NULL, 0, 0};
    int t = lua_type(L, -1);
    if (t == LUA_TSTRING) {
      k.s = lua_tolstring(L, -1, &k.len);
      all_int = 0;
      if (k.len >= 2 && k.s[0] == '_' && k.s[1] == '_') {
        lua_pop(L, 1);
        return json_fail(J, "field names starting with '__' are reserved");
      }
      if (check_text(J, "a field name", k.s, k.len)) {
        lua_pop(L, 1);
        return -1;
      }
    } else if (t == LUA_TNUMBER) {
      k.num = lua_tonumber(L, -1);
      if (!(k.num >= 1 && k.num < 9007199254740992.0 && k.num == floor(k.num))) {
        lua_pop(L, 1);
        return json_fail(J, "field key %.14g is not allowed (keys are names or positive "
                            "integers)", k.num);
      }
      if (k.num > max) max = k.num;
    } else {
      const char *tn = lua_typename(L, t);
      lua_pop(L, 1);
      return json_fail(J, "field key of type %s is not allowed", tn);
    }
    if (n == J->keycap[d]) {
      size_t cap = J->keycap[d] ? J->keycap[d] * 2 : 16;
      sb_key *nk = realloc(J->keys[d], cap * sizeof *nk);
      if (!nk) {
        lua_pop(L, 1);
        J->err_nomem = 1;
        return -1;
      }
      J->keys[d] = nk;
      J->keycap[d] = cap;
    }
    J->keys[d][n++] = k;
  }
  *count = n;
  *is_array = n > 0 && all_int && max == (double)n;
  return 0;
}

static int json_table(sb_json *J, int idx) {
  lua_State *L = J->L;
  const void *self = lua_topointer(L, idx);
  for (int i = 0; i < J->depth; i++)
    if (J->open[i] == self) return json_fail(J, "the table contains itself (a cycle)");
  if (J->depth >= ISMS__JSON_DEPTH)
    return json_fail(J, "tables are nested deeper than %d levels", ISMS__JSON_DEPTH);
  if (lua_getmetatable(L, idx)) {
    lua_pop(L, 1);
    return json_fail(J, "a library table (such as string or math) cannot be declared");
  }
  luaL_checkstack(L, 8, "declaration nested too deeply");
  size_t n = 0;
  int is_array = 0;
  if (json_keys(J, idx, &n, &is_array)) return -1;
  int d = J->depth;
  J->open[J->depth++] = self;
  sb_key *keys = J->keys[d];
  if (is_array) {
    buf_put(&J->out, "[", 1);
    for (size_t i = 1; i <= n; i++) {
      if (i > 1) buf_put(&J->out, ",", 1);
      sb_key k = {NULL, 0, (double)i};
      size_t old = path_push(J, &k);
      lua_rawgeti(L, idx, (int)i);
      int rc = json_value(J, lua_gettop(L));
      lua_pop(L, 1);
      if (rc || json_check_out(J)) return -1;
      path_pop(J, old);
    }
    buf_put(&J->out, "]", 1);
  } else {
    if (n > 1) qsort(keys, n, sizeof *keys, key_cmp);
    buf_put(&J->out, "{", 1);
    for (size_t i = 0; i < n; i++) {
      /* keys[] may be reallocated by nested tables at a deeper level only,
      ** never at this one, so the pointer stays valid. */
      sb_key k = keys[i];
      double asnum;
      if (k.s && canonical_index(k.s, k.len, &asnum)) {
        lua_rawgeti(L, idx, (int)asnum);
        int clash = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (clash)
          return json_fail(J, "field key %.*s is given both as a number and as a string",
                           (int)k.len, k.s);
      }
      if (i > 0) buf_put(&J->out, ",", 1);
      if (k.s) {
        json_string(J, k.s, k.len);
        lua_pushlstring(L, k.s, k.len);
      } else {
        char tmp[40];
        snprintf(tmp, sizeof tmp, "\"%.0f\"", k.num);
        buf_puts(&J->out, tmp);
        lua_pushnumber(L, k.num);
      }
      buf_put(&J->out, ":", 1);
      size_t old = path_push(J, &k);
      lua_rawget(L, idx);
      int rc = json_value(J, lua_gettop(L));
      lua_pop(L, 1);
      if (rc || json_check_out(J)) return -1;
      path_pop(J, old);
    }
    buf_put(&J->out, "}", 1);
  }
  J->depth--;
  return 0;
}

static int json_value(sb_json *J, int idx) {
  lua_State *L = J->L;
  int t = lua_type(L, idx);
  switch (t) {
    case LUA_TBOOLEAN:
      buf_puts(&J->out, lua_toboolean(L, idx) ? "true" : "false");
      return 0;
    case LUA_TNUMBER: return json_number(J, lua_tonumber(L, idx));
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      return json_string(J, s, len);
    }
    case LUA_TTABLE: return json_table(J, idx);
    case LUA_TFUNCTION: return json_function(J, idx);
    default: return json_fail(J, "values of type %s cannot be declared", lua_typename(L, t));
  }
}

static const char *decl_string(lua_State *L, int decl, const char *field, size_t *len) {
  lua_pushstring(L, field);
  lua_rawget(L, decl);
  const char *s = lua_tolstring(L, -1, len);  /* kept alive by the declaration */
  lua_pop(L, 1);
  return s;
}

/* Writes the prelude's declaration list (at the top of the stack):
** [{"kind":K,"name":N,"line":L,"fields":{...}}, ...]. */
static int json_declarations(sb_json *J) {
  lua_State *L = J->L;
  int list = lua_gettop(L);
  luaL_checkstack(L, 8, "declarations");
  size_t count = lua_objlen(L, list);
  buf_put(&J->out, "[", 1);
  for (size_t i = 1; i <= count; i++) {
    lua_rawgeti(L, list, (int)i);
    int decl = lua_gettop(L);
    size_t kindlen = 0, namelen = 0;
    J->kind = decl_string(L, decl, "kind", &kindlen);
    J->name = decl_string(L, decl, "name", &namelen);
    lua_getfield(L, decl, "line");  /* the prelude's own table: no metatable */
    J->line = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (!J->kind) {
      J->kind = "?";
      kindlen = 1;
    }
    if (i > 1) buf_put(&J->out, ",", 1);
    buf_puts(&J->out, "{\"kind\":");
    json_string(J, J->kind, kindlen);
    if (J->name) {
      buf_puts(&J->out, ",\"name\":");
      if (json_string(J, J->name, namelen)) return -1;
    }
    char tmp[48];
    snprintf(tmp, sizeof tmp, ",\"line\":%d,\"fields\":", J->line);
    buf_puts(&J->out, tmp);
    lua_getfield(L, decl, "body");
    if (json_value(J, lua_gettop(L))) return -1;
    lua_pop(L, 2);
    buf_put(&J->out, "}", 1);
    if (json_check_out(J)) return -1;
  }
  buf_put(&J->out, "]", 1);
  return json_check_out(J);
}

/* Writes the call results at index results: values made by rule code, so
** they get the same scrutiny as declarations. */
static int json_results(sb_json *J, int results) {
  J->kind = "call";
  J->name = NULL;
  J->line = 0;
  return json_value(J, results);
}

ISMS_HIDDEN int isms__sandbox_json(lua_State *L, int results, const char *chunkname,
                                   const char *source, size_t limit, char **out,
                                   size_t *outlen, char **err) {
  sb_json J;
  memset(&J, 0, sizeof J);
  J.L = L;
  J.chunkname = chunkname;
  J.source = source;
  J.out.limit = limit;
  *out = NULL;
  *outlen = 0;
  *err = NULL;
  /* A Lua error here (only growing the Lua stack can raise one) skips the
  ** frees below; the child exits right after, so nothing is lost. */
  int failed;
  if (results) {
    buf_puts(&J.out, "{\"declarations\":");
    failed = json_declarations(&J);
    if (!failed) {
      buf_puts(&J.out, ",\"results\":");
      failed = json_results(&J, results);
      if (!failed) {
        buf_put(&J.out, "}", 1);
        failed = json_check_out(&J);
      }
    }
  } else {
    failed = json_declarations(&J);
  }
  for (int i = 0; i <= ISMS__JSON_DEPTH; i++) free(J.keys[i]);
  if (J.err_nomem || (!failed && J.out.nomem)) {
    free(J.err);
    free(J.out.p);
    return ISMS_NOMEM;
  }
  if (failed) {
    free(J.out.p);
    *err = J.err;
    return ISMS_RULE;
  }
  if (!J.out.p) return ISMS_NOMEM;  /* "[]" always allocates; cannot happen */
  J.out.p[J.out.n] = 0;
  *out = J.out.p;
  *outlen = J.out.n;
  return ISMS_OK;
}
