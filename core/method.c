/*
** method.c -- a methodology compiled into lookup tables.
**
** The rule loader (lua/isms/methodology.lua) validates a methodology rule
** file and builds it here through the isms_method_* calls. Compiling checks
** the properties the valuation relies on (tiers contiguous from 1, every
** reachable value in exactly one class) and then fills a C x I x A cube, so
** valuing an asset is one array lookup and no Lua runs per row.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "isms_internal.h"

#define DIM_COUNT 3
#define CUBE (ISMS_MAX_TIER + 1)

typedef struct spelling {   /* a label or alias of one tier */
  char *text;
  size_t len;
  int value;
} spelling;

typedef struct method_class {
  char *name;
  double *values;
  size_t nvalues;
  double (*ranges)[2];
  size_t nranges;
} method_class;

struct isms_method {
  char *name;
  char *errmsg;
  int combine;
  int64_t weights[DIM_COUNT];          /* ISMS_COMBINE_WEIGHTED: millionths */
  int compiled;
  char *label[DIM_COUNT][CUBE];        /* label of each tier, NULL if absent */
  spelling *spell[DIM_COUNT];          /* labels and aliases, for parsing */
  size_t nspell[DIM_COUNT];
  method_class *classes;
  int nclasses;
  /* Compiled: indexed [c][i][a]; class -1 where a coordinate is no tier. */
  double value_cube[CUBE][CUBE][CUBE];
  int8_t class_cube[CUBE][CUBE][CUBE];
};

static const char dim_letter[DIM_COUNT] = {'C', 'I', 'A'};

/* ================================================================ errors */

static int mfail(isms_method *m, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int mfail(isms_method *m, int code, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  free(m->errmsg);
  m->errmsg = strdup(buf);
  return code;
}

static void mclear(isms_method *m) {
  free(m->errmsg);
  m->errmsg = NULL;
}

ISMS_API const char *isms_method_errmsg(isms_method *m) {
  if (!m) return "out of memory or no methodology";
  return m->errmsg ? m->errmsg : "not an error";
}

/* =========================================================== life cycle */

ISMS_API int isms_method_new(const char *name, isms_method **out) {
  if (!out) return ISMS_MISUSE;
  *out = NULL;
  isms_method *m = calloc(1, sizeof *m);
  if (!m) return ISMS_NOMEM;
  m->name = strdup(name ? name : "unnamed");
  if (!m->name) {
    free(m);
    return ISMS_NOMEM;
  }
  *out = m;
  return ISMS_OK;
}

ISMS_API void isms_method_free(isms_method *m) {
  if (!m) return;
  for (int d = 0; d < DIM_COUNT; d++) {
    for (int v = 0; v < CUBE; v++) free(m->label[d][v]);
    for (size_t k = 0; k < m->nspell[d]; k++) free(m->spell[d][k].text);
    free(m->spell[d]);
  }
  for (int k = 0; k < m->nclasses; k++) {
    free(m->classes[k].name);
    free(m->classes[k].values);
    free(m->classes[k].ranges);
  }
  free(m->classes);
  free(m->errmsg);
  free(m->name);
  free(m);
}

ISMS_API const char *isms_method_name(isms_method *m) { return m ? m->name : NULL; }

int isms__method_is_compiled(const isms_method *m) { return m && m->compiled; }

/* ================================================================ tiers */

static int dim_ok(int dim) { return dim >= 0 && dim < DIM_COUNT; }

static const spelling *find_spelling(const isms_method *m, int dim, const char *s,
                                     size_t n) {
  for (size_t k = 0; k < m->nspell[dim]; k++) {
    const spelling *sp = &m->spell[dim][k];
    if (sp->len == n && strncasecmp(sp->text, s, n) == 0) return sp;
  }
  return NULL;
}

static int add_spelling(isms_method *m, int dim, int value, const char *text) {
  size_t n = strlen(text);
  const spelling *dup = find_spelling(m, dim, text, n);
  if (dup)
    return mfail(m, ISMS_INPUT, "%c: '%s' already names tier %d (labels and aliases "
                 "must be unique, ignoring case)", dim_letter[dim], text, dup->value);
  /* A label that reads as a number would make "2" ambiguous, unless it
  ** reads as the tier's own value ("3" for tier 3). */
  char *end;
  double num = strtod(text, &end);
  if (end != text && *end == 0 && num != value)
    return mfail(m, ISMS_INPUT, "%c: label '%s' must not be a number", dim_letter[dim],
                 text);
  spelling *grown = realloc(m->spell[dim], (m->nspell[dim] + 1) * sizeof *grown);
  if (!grown) return mfail(m, ISMS_NOMEM, "out of memory");
  m->spell[dim] = grown;
  char *copy = strdup(text);
  if (!copy) return mfail(m, ISMS_NOMEM, "out of memory");
  grown[m->nspell[dim]++] = (spelling){copy, n, value};
  return ISMS_OK;
}

ISMS_API int isms_method_add_tier(isms_method *m, int dim, int value, const char *label) {
  if (!m || !dim_ok(dim) || !label) return ISMS_MISUSE;
  mclear(m);
  if (m->compiled) return mfail(m, ISMS_MISUSE, "methodology is already compiled");
  if (value < 1 || value > ISMS_MAX_TIER)
    return mfail(m, ISMS_INPUT, "%c: tier value %d is outside 1..%d", dim_letter[dim],
                 value, ISMS_MAX_TIER);
  if (!*label) return mfail(m, ISMS_INPUT, "%c: tier %d has an empty label",
                            dim_letter[dim], value);
  if (m->label[dim][value])
    return mfail(m, ISMS_INPUT, "%c: tier %d is declared twice", dim_letter[dim], value);
  int rc = add_spelling(m, dim, value, label);
  if (rc) return rc;
  m->label[dim][value] = strdup(label);
  return m->label[dim][value] ? ISMS_OK : mfail(m, ISMS_NOMEM, "out of memory");
}

ISMS_API int isms_method_add_alias(isms_method *m, int dim, int value, const char *alias) {
  if (!m || !dim_ok(dim) || !alias) return ISMS_MISUSE;
  mclear(m);
  if (m->compiled) return mfail(m, ISMS_MISUSE, "methodology is already compiled");
  if (value < 1 || value > ISMS_MAX_TIER || !m->label[dim][value])
    return mfail(m, ISMS_INPUT, "%c: alias '%s' names tier %d, which is not declared",
                 dim_letter[dim], alias, value);
  if (!*alias) return mfail(m, ISMS_INPUT, "%c: empty alias", dim_letter[dim]);
  return add_spelling(m, dim, value, alias);
}

ISMS_API int isms_method_tier_count(isms_method *m, int dim) {
  if (!m || !dim_ok(dim)) return 0;
  int n = 0;
  for (int v = 1; v < CUBE; v++) n += m->label[dim][v] != NULL;
  return n;
}

ISMS_API int isms_method_tier(isms_method *m, int dim, int i, int *value,
                              const char **label) {
  if (!m || !dim_ok(dim) || !value || !label) return ISMS_MISUSE;
  for (int v = 1; v < CUBE; v++) {
    if (!m->label[dim][v]) continue;
    if (i-- == 0) {
      *value = v;
      *label = m->label[dim][v];
      return ISMS_OK;
    }
  }
  return ISMS_NOTFOUND;
}

/* Lists the valid spellings of a dimension into buf, for error messages. */
static void describe_tiers(const isms_method *m, int dim, char *buf, size_t size) {
  int lo = 0, hi = 0;
  for (int v = 1; v < CUBE; v++)
    if (m->label[dim][v]) {
      if (!lo) lo = v;
      hi = v;
    }
  size_t used = (size_t)snprintf(buf, size, "%d-%d", lo, hi);
  for (int v = lo; v && v <= hi && used < size; v++)
    if (m->label[dim][v])
      used += (size_t)snprintf(buf + used, size - used, "%s%s", v == lo ? " or " : ", ",
                               m->label[dim][v]);
}

int isms__method_parse(const isms_method *m, int dim, const char *s, size_t n, int *value,
                       char *why, size_t whysize) {
  if (n == 0) {
    *value = 0;  /* not valued yet */
    return ISMS_OK;
  }
  const spelling *sp = find_spelling(m, dim, s, n);
  if (sp) {
    *value = sp->value;
    return ISMS_OK;
  }
  /* Fast path for a bare tier number, the common case in large files. */
  if (n <= 2 && s[0] >= '1' && s[0] <= '9' && (n == 1 || (s[1] >= '0' && s[1] <= '9'))) {
    int v = n == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
    if (v <= ISMS_MAX_TIER && m->label[dim][v]) {
      *value = v;
      return ISMS_OK;
    }
  }
  char valid[512];
  describe_tiers(m, dim, valid, sizeof valid);
  int shown = n > 40 ? 40 : (int)n;
  /* Numbers: whole tier numbers only, so "2.5" or "-1" say what is wrong. */
  char text[48];
  memcpy(text, s, (size_t)shown);
  text[shown] = 0;
  char *end;
  double d = strtod(text, &end);
  if (end != text && *end == 0 && n <= 40) {
    if (d != floor(d))
      snprintf(why, whysize, "'%s' is not a whole number; expected %s", text, valid);
    else if (d < 1 || d > ISMS_MAX_TIER || !m->label[dim][(int)d])
      snprintf(why, whysize, "%s is out of range; expected %s", text, valid);
    else {
      *value = (int)d;
      return ISMS_OK;
    }
    return ISMS_INPUT;
  }
  snprintf(why, whysize, "'%.*s%s' is not a tier of %c; expected %s", shown, s,
           (size_t)shown < n ? "..." : "", dim_letter[dim], valid);
  return ISMS_INPUT;
}

ISMS_API int isms_method_parse_level(isms_method *m, int dim, const char *text, size_t len,
                                     int *value) {
  if (!m || !dim_ok(dim) || (!text && len) || !value) return ISMS_MISUSE;
  mclear(m);
  char why[700];
  int rc = isms__method_parse(m, dim, text, len, value, why, sizeof why);
  return rc ? mfail(m, rc, "%s", why) : ISMS_OK;
}

/* ============================================================== classes */

ISMS_API int isms_method_set_combine(isms_method *m, int combine) {
  if (!m) return ISMS_MISUSE;
  mclear(m);
  if (combine < ISMS_COMBINE_PRODUCT || combine > ISMS_COMBINE_MAX)
    return mfail(m, ISMS_INPUT, "unknown combine rule %d", combine);
  m->combine = combine;
  return ISMS_OK;
}

ISMS_API int isms_method_set_weights(isms_method *m, int64_t c, int64_t i, int64_t a) {
  if (!m) return ISMS_MISUSE;
  mclear(m);
  const int64_t lim = (int64_t)1 << 40;  /* 15 x 3 x 2^40 stays exact in a double */
  if (c < 0 || i < 0 || a < 0 || c > lim || i > lim || a > lim)
    return mfail(m, ISMS_INPUT, "weights must be from 0 to %lld millionths", (long long)lim);
  m->combine = ISMS_COMBINE_WEIGHTED;
  m->weights[0] = c;
  m->weights[1] = i;
  m->weights[2] = a;
  return ISMS_OK;
}

ISMS_API int isms_method_add_class(isms_method *m, const char *name, int *out) {
  if (!m || !name || !out) return ISMS_MISUSE;
  mclear(m);
  if (!*name) return mfail(m, ISMS_INPUT, "class name is empty");
  if (m->nclasses >= 127) return mfail(m, ISMS_INPUT, "too many classes (at most 127)");
  for (int k = 0; k < m->nclasses; k++)
    if (strcmp(m->classes[k].name, name) == 0)
      return mfail(m, ISMS_INPUT, "class '%s' is declared twice", name);
  method_class *grown = realloc(m->classes, (size_t)(m->nclasses + 1) * sizeof *grown);
  if (!grown) return mfail(m, ISMS_NOMEM, "out of memory");
  m->classes = grown;
  memset(&grown[m->nclasses], 0, sizeof *grown);
  if (!(grown[m->nclasses].name = strdup(name))) return mfail(m, ISMS_NOMEM, "out of memory");
  *out = m->nclasses++;
  return ISMS_OK;
}

ISMS_API int isms_method_class_add_value(isms_method *m, int cls, double value) {
  if (!m || cls < 0 || cls >= m->nclasses) return ISMS_MISUSE;
  mclear(m);
  if (!isfinite(value)) return mfail(m, ISMS_INPUT, "class value must be a finite number");
  method_class *c = &m->classes[cls];
  double *grown = realloc(c->values, (c->nvalues + 1) * sizeof *grown);
  if (!grown) return mfail(m, ISMS_NOMEM, "out of memory");
  c->values = grown;
  grown[c->nvalues++] = value;
  return ISMS_OK;
}

ISMS_API int isms_method_class_add_range(isms_method *m, int cls, double lo, double hi) {
  if (!m || cls < 0 || cls >= m->nclasses) return ISMS_MISUSE;
  mclear(m);
  if (!isfinite(lo) || !isfinite(hi) || lo > hi)
    return mfail(m, ISMS_INPUT, "class '%s': range {%g, %g} is not lo <= hi",
                 m->classes[cls].name, lo, hi);
  method_class *c = &m->classes[cls];
  double(*grown)[2] = realloc(c->ranges, (c->nranges + 1) * sizeof *grown);
  if (!grown) return mfail(m, ISMS_NOMEM, "out of memory");
  c->ranges = grown;
  grown[c->nranges][0] = lo;
  grown[c->nranges][1] = hi;
  c->nranges++;
  return ISMS_OK;
}

ISMS_API int isms_method_class_count(isms_method *m) { return m ? m->nclasses : 0; }

ISMS_API const char *isms_method_class_name(isms_method *m, int cls) {
  if (!m || cls < 0 || cls >= m->nclasses) return NULL;
  return m->classes[cls].name;
}

static int class_holds(const method_class *c, double v) {
  for (size_t k = 0; k < c->nvalues; k++)
    if (c->values[k] == v) return 1;
  for (size_t k = 0; k < c->nranges; k++)
    if (v >= c->ranges[k][0] && v <= c->ranges[k][1]) return 1;
  return 0;
}

static double combine(const isms_method *m, int c, int i, int a) {
  switch (m->combine) {
    case ISMS_COMBINE_WEIGHTED:
      /* exact in millionths, then one correctly rounded division: the
      ** double nearest the decimal, as a class's 2.3 in the rule file is */
      return (double)(m->weights[0] * c + m->weights[1] * i + m->weights[2] * a) / 1e6;
    case ISMS_COMBINE_SUM: return c + i + a;
    case ISMS_COMBINE_MAX: return c > i ? (c > a ? c : a) : (i > a ? i : a);
    default: return (double)c * i * a;
  }
}

/* ============================================================== compile */

static int check_contiguous(isms_method *m) {
  for (int d = 0; d < DIM_COUNT; d++) {
    int top = 0;
    for (int v = 1; v < CUBE; v++)
      if (m->label[d][v]) top = v;
    if (!top) return mfail(m, ISMS_INPUT, "scale %c has no tiers", dim_letter[d]);
    for (int v = 1; v <= top; v++)
      if (!m->label[d][v])
        return mfail(m, ISMS_INPUT, "scale %c: tiers must run 1..%d without gaps; "
                     "tier %d is missing", dim_letter[d], top, v);
  }
  return ISMS_OK;
}

ISMS_API int isms_method_compile(isms_method *m) {
  if (!m) return ISMS_MISUSE;
  mclear(m);
  if (m->compiled) return ISMS_OK;
  int rc = check_contiguous(m);
  if (rc) return rc;
  if (m->nclasses == 0) return mfail(m, ISMS_INPUT, "no asset classes declared");
  memset(m->class_cube, -1, sizeof m->class_cube);
  memset(m->value_cube, 0, sizeof m->value_cube);
  for (int c = 1; c < CUBE && m->label[0][c]; c++)
    for (int i = 1; i < CUBE && m->label[1][i]; i++)
      for (int a = 1; a < CUBE && m->label[2][a]; a++) {
        double v = combine(m, c, i, a);
        int found = -1;
        for (int k = 0; k < m->nclasses; k++) {
          if (!class_holds(&m->classes[k], v)) continue;
          if (found >= 0)
            return mfail(m, ISMS_INPUT, "value %.15g (C=%d, I=%d, A=%d) falls in both class "
                         "'%s' and class '%s'", v, c, i, a, m->classes[found].name,
                         m->classes[k].name);
          found = k;
        }
        if (found < 0)
          return mfail(m, ISMS_INPUT, "value %.15g (C=%d, I=%d, A=%d) falls in no class", v,
                       c, i, a);
        m->value_cube[c][i][a] = v;
        m->class_cube[c][i][a] = (int8_t)found;
      }
  m->compiled = 1;
  return ISMS_OK;
}

/* ============================================================ valuation */

ISMS_API int isms_method_value(isms_method *m, int c, int i, int a, double *value,
                               int *cls) {
  if (!m || !value || !cls) return ISMS_MISUSE;
  mclear(m);
  if (!m->compiled) return mfail(m, ISMS_MISUSE, "methodology is not compiled");
  if (c < 0 || c > ISMS_MAX_TIER || i < 0 || i > ISMS_MAX_TIER || a < 0 ||
      a > ISMS_MAX_TIER)
    return mfail(m, ISMS_INPUT, "C=%d, I=%d, A=%d is outside the scales", c, i, a);
  *value = m->value_cube[c][i][a];
  *cls = m->class_cube[c][i][a];
  return ISMS_OK;
}

/* Unsigned compare folds "negative" and "above the scale" into one test;
** such coordinates and 0 (not valued) land on class -1 of the cube. */
ISMS_API int isms_method_value_bulk(isms_method *m, size_t n, const int8_t *c,
                                    const int8_t *i, const int8_t *a, double *value,
                                    int8_t *cls) {
  if (!m || (n && (!c || !i || !a || !value || !cls))) return ISMS_MISUSE;
  if (!m->compiled) return mfail(m, ISMS_MISUSE, "methodology is not compiled");
  for (size_t k = 0; k < n; k++) {
    unsigned cc = (uint8_t)c[k], ii = (uint8_t)i[k], aa = (uint8_t)a[k];
    if ((cc | ii | aa) > ISMS_MAX_TIER) {
      value[k] = 0;
      cls[k] = -1;
      continue;
    }
    value[k] = m->value_cube[cc][ii][aa];
    cls[k] = m->class_cube[cc][ii][aa];
  }
  return ISMS_OK;
}
