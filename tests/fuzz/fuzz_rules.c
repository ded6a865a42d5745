/*
** fuzz_rules.c -- libFuzzer harness for the rule-file sandbox
** (core/sandbox.c, core/sandbox_json.c, core/sandbox_prelude.lua): any
** bytes as a rule file are evaluated in the sandbox child with small
** limits; the parent gets JSON that starts as an array, or a message,
** never both, never neither. The child's crashes would show as a message
** here; the parent's (reading the pipe, checking the JSON) as a crash.
*/
#include "fuzz_common.h"

static isms_rule_limits limits;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  limits.time_ms = 200;  /* a hostile input that runs to the clock costs this */
  limits.memory_bytes = 16 << 20;
  limits.instructions = 1000000;
  limits.output_bytes = 1 << 20;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *json = NULL, *err = NULL;
  int rc = isms_rules_eval_buffer((const char *)data, size, "@fuzz.lua", &limits, &json, &err);
  if (rc == ISMS_OK) {
    if (!json || json[0] != '[' || err) abort();
  } else {
    if (json || !err || !*err) abort();
  }
  isms_free(json);
  isms_free(err);
  return 0;
}
