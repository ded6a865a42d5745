/*
** yaml_json.c -- a YAML document as JSON text, through libyaml.
**
** Framework libraries (CISO Assistant) come as YAML of several hundred
** kilobytes; building Lua tables event by event in Lua (lyaml) costs most
** of an import. Here libyaml's events are written straight out as JSON,
** which cjson decodes in one call. Plain scalars are typed as YAML 1.1
** core readers expect (null, booleans, integers, floats); quoted ones are
** strings. Anchors and aliases are refused: no library needs them, and
** they are how a small file expands into a huge one.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "isms_internal.h"

typedef struct buf {
  char *p;
  size_t len, cap;
  int failed;
} buf;

static void put(buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 65536;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_string(buf *b, const unsigned char *s, size_t n) {
  put(b, "\"", 1);
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\' || c < 0x20) {
      put(b, (const char *)s + start, i - start);
      char esc[8];
      if (c == '"') strcpy(esc, "\\\"");
      else if (c == '\\') strcpy(esc, "\\\\");
      else if (c == '\n') strcpy(esc, "\\n");
      else if (c == '\t') strcpy(esc, "\\t");
      else if (c == '\r') strcpy(esc, "\\r");
      else snprintf(esc, sizeof esc, "\\u%04x", c);
      puts_(b, esc);
      start = i + 1;
    }
  }
  put(b, (const char *)s + start, n - start);
  put(b, "\"", 1);
}

static int word_is(const unsigned char *s, size_t n, const char *const *words) {
  for (; *words; words++)
    if (strlen(*words) == n && memcmp(s, *words, n) == 0) return 1;
  return 0;
}

/* A plain scalar as JSON: null, true/false, a number, or a string. */
static void put_plain(buf *b, const unsigned char *s, size_t n) {
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
  static const char *const trues[] = {"true", "True", "TRUE", "yes", "Yes", "YES", NULL};
  static const char *const falses[] = {"false", "False", "FALSE", "no", "No", "NO", NULL};
  if (word_is(s, n, nulls)) return puts_(b, "null");
  if (word_is(s, n, trues)) return puts_(b, "true");
  if (word_is(s, n, falses)) return puts_(b, "false");
  if (n > 0 && n < 64) {
    char tmp[64];
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *end;
    int numeric = (tmp[0] >= '0' && tmp[0] <= '9') ||
                  ((tmp[0] == '-' || tmp[0] == '+' || tmp[0] == '.') && n > 1);
    /* 0x, 0o and leading-zero forms stay text: ids such as "01" must. */
    if (numeric && !(n > 1 && tmp[0] == '0' && tmp[1] != '.')) {
      double v = strtod(tmp, &end);
      char back[64];
      snprintf(back, sizeof back, "%.15g", v);
      /* A number only when it reads back the same ("4.10" stays text). */
      if (*end == 0 && isfinite(v) && strcmp(back, tmp[0] == '+' ? tmp + 1 : tmp) == 0)
        return puts_(b, back);
    }
  }
  put_string(b, s, n);
}

/* Containers: whether the next item needs a comma, and in a mapping
** whether the next scalar is a key. */
#define MAX_DEPTH 256
typedef struct frame {
  int mapping, count;
} frame;

ISMS_API int isms_yaml_to_json(const char *text, size_t len, char **json_out, char **err_out) {
  if (json_out) *json_out = NULL;
  if (err_out) *err_out = NULL;
  if (!text || !json_out || !err_out) return ISMS_MISUSE;
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return ISMS_NOMEM;
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  buf b = {0};
  frame stack[MAX_DEPTH];
  int depth = 0, docs = 0, done = 0, rc = ISMS_OK;
  char msg[256] = "";
  while (!done && !rc) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      snprintf(msg, sizeof msg, "%lu:%lu: %s", (unsigned long)parser.problem_mark.line + 1,
               (unsigned long)parser.problem_mark.column + 1,
               parser.problem ? parser.problem : "bad YAML");
      rc = ISMS_INPUT;
      break;
    }
    unsigned long line = (unsigned long)ev.start_mark.line + 1;
    unsigned long col = (unsigned long)ev.start_mark.column + 1;
    int value = ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
                ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_ALIAS_EVENT;
    if (value && depth > 0) {
      frame *f = &stack[depth - 1];
      if (f->mapping && f->count % 2 == 0 && ev.type != YAML_SCALAR_EVENT) {
        snprintf(msg, sizeof msg, "%lu:%lu: a mapping key must be a plain value", line, col);
        rc = ISMS_INPUT;
      } else if (f->count > 0) {
        put(&b, f->mapping && f->count % 2 == 1 ? ":" : ",", 1);
      }
      f->count++;
    }
    if (!rc) switch (ev.type) {
      case YAML_DOCUMENT_START_EVENT:
        if (++docs > 1) {
          snprintf(msg, sizeof msg, "%lu:%lu: more than one document in the file", line, col);
          rc = ISMS_INPUT;
        }
        break;
      case YAML_ALIAS_EVENT:
        snprintf(msg, sizeof msg, "%lu:%lu: anchors and aliases are not accepted", line, col);
        rc = ISMS_INPUT;
        break;
      case YAML_SCALAR_EVENT: {
        if (ev.data.scalar.anchor) {
          snprintf(msg, sizeof msg, "%lu:%lu: anchors and aliases are not accepted", line, col);
          rc = ISMS_INPUT;
          break;
        }
        int key = depth > 0 && stack[depth - 1].mapping && stack[depth - 1].count % 2 == 1;
        if (key || ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev.data.scalar.tag)
          put_string(&b, ev.data.scalar.value, ev.data.scalar.length);
        else
          put_plain(&b, ev.data.scalar.value, ev.data.scalar.length);
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        const yaml_char_t *anchor = ev.type == YAML_SEQUENCE_START_EVENT
                                        ? ev.data.sequence_start.anchor
                                        : ev.data.mapping_start.anchor;
        if (anchor) {
          snprintf(msg, sizeof msg, "%lu:%lu: anchors and aliases are not accepted", line, col);
          rc = ISMS_INPUT;
        } else if (depth == MAX_DEPTH) {
          snprintf(msg, sizeof msg, "%lu:%lu: nested deeper than %d levels", line, col, MAX_DEPTH);
          rc = ISMS_INPUT;
        } else {
          stack[depth].mapping = ev.type == YAML_MAPPING_START_EVENT;
          stack[depth].count = 0;
          depth++;
          put(&b, stack[depth - 1].mapping ? "{" : "[", 1);
        }
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        depth--;
        put(&b, ev.type == YAML_MAPPING_END_EVENT ? "}" : "]", 1);
        break;
      case YAML_STREAM_END_EVENT:
        done = 1;
        break;
      default:
        break;
    }
    yaml_event_delete(&ev);
    if (b.failed) rc = ISMS_NOMEM;
  }
  yaml_parser_delete(&parser);
  if (!rc && b.len == 0) puts_(&b, "null");
  if (!rc && b.failed) rc = ISMS_NOMEM;
  if (rc) {
    free(b.p);
    *err_out = strdup(msg[0] ? msg : "out of memory");
    return rc;
  }
  *json_out = b.p;
  return ISMS_OK;
}
