/*
** asset_fields.c -- the asset columns of the register and how their text
** forms are spelled in CSV files.
*/
#include <string.h>
#include <strings.h>

#include "isms_internal.h"

const char *const isms__asset_col_names[ACOL_COUNT] = {
    "id",       "name",  "type",  "owner", "custodian", "location", "outsourced",
    "contract", "group", "units", "c",     "i",         "a",        "notes"};

/* Index + 1 is the stored type code (see the CHECK in schema.c). */
const char *const isms__asset_types[] = {"information", "software", "physical",
                                         "service",     "people",   "intangible", NULL};

int isms__asset_type_parse(const char *s, size_t n) {
  for (int k = 0; isms__asset_types[k]; k++)
    if (strlen(isms__asset_types[k]) == n && strncasecmp(s, isms__asset_types[k], n) == 0)
      return k + 1;
  return -1;
}

static int word_is(const char *s, size_t n, const char *w) {
  return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

int isms__flag_parse(const char *s, size_t n) {
  if (n == 0) return 0;
  if (word_is(s, n, "yes") || word_is(s, n, "y") || word_is(s, n, "true") ||
      word_is(s, n, "1"))
    return 1;
  if (word_is(s, n, "no") || word_is(s, n, "n") || word_is(s, n, "false") ||
      word_is(s, n, "0"))
    return 0;
  return -1;
}
