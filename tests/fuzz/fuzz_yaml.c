/*
** fuzz_yaml.c -- libFuzzer harness for the YAML reader (core/yaml_json.c:
** libyaml events written out as JSON) that every framework library and
** mapping set goes through before cjson decodes it. Any bytes either give
** JSON and no message, or a message and no JSON. The JSON is checked here
** by a strict reader (RFC 8259: one value, no trailing bytes, no bare
** control characters in strings, numbers in the JSON grammar), because
** text cjson refuses would surface later as a confusing error.
*/
#include "fuzz_common.h"

typedef struct reader {
  const char *p, *end;
} reader;

static void ws(reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static int lit(reader *r, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return 0;
  r->p += n;
  return 1;
}

static int digits(reader *r) {
  const char *start = r->p;
  while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
  return r->p > start;
}

static int number(reader *r) {
  if (r->p < r->end && *r->p == '-') r->p++;
  if (r->p < r->end && *r->p == '0') {
    r->p++;
  } else if (!digits(r)) {
    return 0;
  }
  if (r->p < r->end && *r->p == '.') {
    r->p++;
    if (!digits(r)) return 0;
  }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
    r->p++;
    if (r->p < r->end && (*r->p == '+' || *r->p == '-')) r->p++;
    if (!digits(r)) return 0;
  }
  return 1;
}

static int string(reader *r) {
  r->p++; /* the opening quote */
  while (r->p < r->end) {
    unsigned char c = (unsigned char)*r->p++;
    if (c == '"') return 1;
    if (c < 0x20) return 0;
    if (c == '\\') {
      if (r->p >= r->end) return 0;
      char e = *r->p++;
      if (e == 'u') {
        for (int k = 0; k < 4; k++, r->p++)
          if (r->p >= r->end || !strchr("0123456789abcdefABCDEF", *r->p)) return 0;
      } else if (!strchr("\"\\/bfnrt", e)) {
        return 0;
      }
    }
  }
  return 0;
}

static int value(reader *r, int depth) {
  if (depth > 300) return 0;
  ws(r);
  if (r->p >= r->end) return 0;
  switch (*r->p) {
    case '"':
      return string(r);
    case '{':
    case '[': {
      char close = *r->p == '{' ? '}' : ']';
      int object = close == '}';
      r->p++;
      ws(r);
      if (r->p < r->end && *r->p == close) {
        r->p++;
        return 1;
      }
      for (;;) {
        if (object) {
          ws(r);
          if (r->p >= r->end || *r->p != '"' || !string(r)) return 0;
          ws(r);
          if (r->p >= r->end || *r->p++ != ':') return 0;
        }
        if (!value(r, depth + 1)) return 0;
        ws(r);
        if (r->p >= r->end) return 0;
        char c = *r->p++;
        if (c == close) return 1;
        if (c != ',') return 0;
      }
    }
    case 't':
      return lit(r, "true");
    case 'f':
      return lit(r, "false");
    case 'n':
      return lit(r, "null");
    default:
      return number(r);
  }
}

static int valid_json(const char *text) {
  reader r = {text, text + strlen(text)};
  if (!value(&r, 0)) return 0;
  ws(&r);
  return r.p == r.end;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *json = NULL, *err = NULL;
  int rc = isms_yaml_to_json(size ? (const char *)data : "", size, &json, &err);
  if (rc == ISMS_OK) {
    if (!json || err) abort();
    if (!valid_json(json)) {
      fprintf(stderr, "not JSON: %.300s\n", json);
      abort();
    }
  } else if (json || !err || !*err) {
    abort();
  }
  isms_free(json);
  isms_free(err);
  return 0;
}
