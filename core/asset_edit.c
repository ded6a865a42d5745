/*
** asset_edit.c -- changing or deleting one asset, logged.
**
** Fields are named as in the CSV format ("owner", "group", "c"). Changing
** C, I or A clears the stored value and class in the same transaction (and
** logs that), because only a methodology can value the asset again; the Lua
** layer re-values right after with the register's methodology.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

/* Register column and asset_view column of each editable CSV column. */
static const char *const register_column[ACOL_COUNT] = {
    NULL, "name", "type", "owner", "custodian", "location", "outsourced",
    "contract", "is_group", "units", "c", "i", "a", "notes"};

static int field_index(const char *field) {
  for (int k = ACOL_NAME; k < ACOL_COUNT; k++)
    if (strcmp(field, isms__asset_col_names[k]) == 0) return k;
  return -1;
}

/* Looks up or adds a party or location by name, returning its id. */
static int name_ref(isms_db *db, const char *table, const char *name, int64_t *id) {
  char sql[128];
  sqlite3_stmt *q;
  snprintf(sql, sizeof sql, "INSERT INTO %s(name) VALUES(?1) ON CONFLICT(name) DO NOTHING",
           table);
  if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "storing a name");
  sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) return isms__fail_sql(db, "storing a name");
  snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE name = ?1", table);
  if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "storing a name");
  sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step(q);
  *id = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return rc == SQLITE_ROW ? ISMS_OK : isms__fail_sql(db, "storing a name");
}

/* Checks value for the column and turns it into what is stored: *num for
** numeric columns (has_num), else the text itself; NULL value = empty. */
static int convert(isms_db *db, int col, const char *value, int64_t *num, int *is_null,
                   char *shown, size_t size) {
  size_t n = value ? strlen(value) : 0;
  *is_null = n == 0;
  snprintf(shown, size, "%s", value ? value : "");
  switch (col) {
    case ACOL_NAME:
      if (*is_null) return isms__fail(db, ISMS_INPUT, "name: must not be empty");
      return ISMS_OK;
    case ACOL_TYPE: {
      int t = isms__asset_type_parse(value ? value : "", n);
      if (t < 0)
        return isms__fail(db, ISMS_INPUT, "type: unknown asset type '%s'; expected "
                          "information, software, physical, service, people or intangible",
                          shown);
      *num = t;
      snprintf(shown, size, "%s", isms__asset_types[t - 1]);
      return ISMS_OK;
    }
    case ACOL_OUTSOURCED: case ACOL_GROUP: {
      int f = isms__flag_parse(value ? value : "", n);
      if (f < 0) return isms__fail(db, ISMS_INPUT, "%s: expected yes or no, found '%s'",
                                   isms__asset_col_names[col], shown);
      *num = f;
      *is_null = 0;
      snprintf(shown, size, "%d", f);
      return ISMS_OK;
    }
    case ACOL_UNITS: case ACOL_C: case ACOL_I: case ACOL_A: {
      if (*is_null && col == ACOL_UNITS) return isms__fail(db, ISMS_INPUT, "units: must not be empty");
      if (*is_null) return ISMS_OK;
      char *end;
      long v = strtol(value, &end, 10);
      long hi = col == ACOL_UNITS ? 100000000L : ISMS_MAX_TIER;
      if (*end || v < 1 || v > hi)
        return isms__fail(db, ISMS_INPUT, "%s: '%s' is not a whole number from 1 to %ld",
                          isms__asset_col_names[col], shown, hi);
      *num = v;
      snprintf(shown, size, "%ld", v);
      return ISMS_OK;
    }
    default:
      return ISMS_OK;
  }
}

static int read_old(isms_db *db, const char *id, int col, char *old, size_t size, int *had,
                    int *exists) {
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT %s FROM asset_view WHERE id = ?1",
           col == ACOL_GROUP ? "is_group" : register_column[col]);
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading asset");
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  *exists = rc == SQLITE_ROW;
  *had = *exists && sqlite3_column_type(q, 0) != SQLITE_NULL;
  if (*had) snprintf(old, size, "%s", (const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return isms__fail_sql(db, "reading asset");
  return ISMS_OK;
}

/* The class each incident touch of an asset carries (schema migration 18)
** set to the asset's class, for one asset (id) or every asset (NULL), where
** it differs; a touch of an asset no longer in the register keeps the
** class it had. Called by every write of assets.class (here, asset_store.c,
** value.c) in its transaction; a register without incidents has no touch,
** and the statement finds none at once. */
int isms__touch_classes(isms_db *db, const char *id) {
  const char *sql =
      id ? "UPDATE incident_touches SET class = a.class FROM assets a"
           " WHERE incident_touches.rel = 'assets' AND incident_touches.target = ?1"
           " AND a.id = ?1 AND incident_touches.class IS NOT a.class"
         : "UPDATE incident_touches SET class = a.class FROM assets a"
           " WHERE incident_touches.rel = 'assets' AND a.id = incident_touches.target"
           " AND incident_touches.class IS NOT a.class";
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "updating incident touches");
  if (id) sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "updating incident touches");
}

static int clear_valuation(isms_db *db, const char *id, int64_t batch) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "SELECT value, class FROM assets WHERE id = ?1", -1, &q,
                         NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading asset");
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  int rc = ISMS_OK;
  if (sqlite3_step(q) == SQLITE_ROW) {
    int logged;
    rc = isms__log_valuation(db, batch, id, (const char *)sqlite3_column_text(q, 1),
                             sqlite3_column_type(q, 0) != SQLITE_NULL,
                             sqlite3_column_double(q, 0), NULL, 0, 0, &logged);
  }
  sqlite3_finalize(q);
  if (!rc) {
    char sql[] = "UPDATE assets SET value = NULL, class = NULL WHERE id = ?1";
    if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK)
      return isms__fail_sql(db, "updating asset");
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) rc = isms__fail_sql(db, "updating asset");
    sqlite3_finalize(q);
  }
  if (!rc) rc = isms__touch_classes(db, id);
  return rc;
}

/* Sets one field (column col, value already converted) inside the open
** transaction; opens the change batch at the first real change (*batch 0
** until then) and counts the field in *changed. */
static int set_one(isms_db *db, const char *id, const char *field, int col, const char *value,
                   const char *reason, int64_t *batch, int *changed) {
  int64_t num = 0;
  int is_null;
  char shown[1024];
  int rc = convert(db, col, value, &num, &is_null, shown, sizeof shown);
  if (rc) return rc;
  char old[1024];
  int had, exists;
  if ((rc = read_old(db, id, col, old, sizeof old, &had, &exists))) return rc;
  if (!exists) return isms__fail(db, ISMS_NOTFOUND, "no asset with id '%s'", id);
  if (had == !is_null && (!had || strcmp(old, shown) == 0))
    return ISMS_OK;  /* nothing changes, nothing is logged */
  if (!*batch && (rc = isms__batch_open(db, "asset set", id, reason, batch))) return rc;
  if (!is_null && (col == ACOL_OWNER || col == ACOL_CUSTODIAN || col == ACOL_LOCATION) &&
      (rc = name_ref(db, col == ACOL_LOCATION ? "locations" : "parties", value, &num)))
    return rc;
  char sql[160];
  sqlite3_stmt *q;
  snprintf(sql, sizeof sql, "UPDATE assets SET %s = ?2, updated_batch = ?3 WHERE id = ?1",
           register_column[col]);
  if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "updating asset");
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  int numeric = col == ACOL_TYPE || col == ACOL_OUTSOURCED || col == ACOL_GROUP ||
                col == ACOL_UNITS || col == ACOL_C || col == ACOL_I || col == ACOL_A ||
                col == ACOL_OWNER || col == ACOL_CUSTODIAN || col == ACOL_LOCATION;
  if (is_null) sqlite3_bind_null(q, 2);
  else if (numeric) sqlite3_bind_int64(q, 2, num);
  else sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
  sqlite3_bind_int64(q, 3, *batch);
  rc = sqlite3_step(q) == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "updating asset");
  sqlite3_finalize(q);
  if (rc) return rc;
  (*changed)++;
  return isms__log_change(db, *batch, "asset", id, "update", field, had ? old : NULL,
                          is_null ? NULL : shown);
}

/* The rule an import checks across fields (csv_import.c): more than one
** unit is a group. Checked on the asset as the fields left it, so
** "units=5 group=yes" passes in either order. */
static int check_units(isms_db *db, const char *id) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "SELECT units FROM assets WHERE id = ?1 AND units > 1"
                         " AND is_group = 0", -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading asset");
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  int rc = ISMS_OK;
  if (sqlite3_step(q) == SQLITE_ROW)
    rc = isms__fail(db, ISMS_INPUT, "units: %lld units given for an asset that is not a group "
                    "(set group to yes)", (long long)sqlite3_column_int64(q, 0));
  sqlite3_finalize(q);
  return rc;
}

ISMS_API int isms_asset_set_fields(isms_db *db, const char *id, int n,
                                   const char *const *fields, const char *const *values,
                                   const char *reason) {
  if (!db || !id || n < 0 || (n > 0 && (!fields || !values))) return ISMS_MISUSE;
  isms__clear_error(db);
  int cols[ACOL_COUNT];
  if (n > ACOL_COUNT) return isms__fail(db, ISMS_INPUT, "%d fields given; an asset has %d",
                                       n, ACOL_COUNT - 1);
  /* Every field and value is checked before the transaction opens. */
  for (int k = 0; k < n; k++) {
    if (!fields[k]) return ISMS_MISUSE;
    cols[k] = field_index(fields[k]);
    if (cols[k] < 0)
      return isms__fail(db, ISMS_INPUT, "unknown asset field '%s'; expected name, type, owner, "
                        "custodian, location, outsourced, contract, group, units, c, i, a, notes",
                        fields[k]);
    for (int j = 0; j < k; j++)
      if (cols[j] == cols[k])
        return isms__fail(db, ISMS_INPUT, "field '%s' given twice", fields[k]);
    int64_t num;
    int is_null;
    char shown[1024];
    int rc = convert(db, cols[k], values[k], &num, &is_null, shown, sizeof shown);
    if (rc) return rc;
  }
  int rc = isms__begin(db);
  if (rc) return rc;
  int64_t batch = 0;
  int changed = 0, rated = 0;
  int had, exists;
  char old[8];
  if ((rc = read_old(db, id, ACOL_NAME, old, sizeof old, &had, &exists))) goto fail;
  if (!exists) {
    rc = isms__fail(db, ISMS_NOTFOUND, "no asset with id '%s'", id);
    goto fail;
  }
  for (int k = 0; k < n && !rc; k++) {
    int before = changed;
    rc = set_one(db, id, fields[k], cols[k], values[k], reason, &batch, &changed);
    if (changed > before && (cols[k] == ACOL_C || cols[k] == ACOL_I || cols[k] == ACOL_A))
      rated = 1;
  }
  if (rc) goto fail;
  if (!batch) {
    isms__rollback(db);
    return ISMS_OK;  /* nothing changed, nothing is logged */
  }
  if ((rc = check_units(db, id))) goto fail;
  if (rated && (rc = clear_valuation(db, id, batch))) goto fail;
  if ((rc = isms__batch_close(db, batch, 0, 1, 0))) goto fail;
  return isms__commit(db);
fail:
  isms__rollback(db);
  return rc;
}

ISMS_API int isms_asset_set(isms_db *db, const char *id, const char *field, const char *value,
                            const char *reason) {
  if (!db || !id || !field) return ISMS_MISUSE;
  return isms_asset_set_fields(db, id, 1, &field, &value, reason);
}

/* Deletes one asset inside the open transaction of batch, logging every
** field it had. */
static int delete_one(isms_db *db, const char *id, int64_t batch) {
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT name, type, owner, custodian, location, outsourced, contract,"
                         " is_group, units, c, i, a, notes, value, class FROM asset_view"
                         " WHERE id = ?1",
                         -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading asset");
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  int step = sqlite3_step(q), rc = ISMS_OK;
  if (step == SQLITE_DONE) rc = isms__fail(db, ISMS_NOTFOUND, "no asset with id '%s'", id);
  else if (step != SQLITE_ROW) rc = isms__fail_sql(db, "reading asset");
  /* The log keeps every field the asset had, so a deletion can be undone. */
  for (int k = 0; step == SQLITE_ROW && k < sqlite3_column_count(q) && !rc; k++) {
    if (sqlite3_column_type(q, k) == SQLITE_NULL) continue;
    const char *name = sqlite3_column_name(q, k);
    rc = isms__log_change(db, batch, "asset", id, "delete",
                          strcmp(name, "is_group") == 0 ? "group" : name,
                          (const char *)sqlite3_column_text(q, k), NULL);
  }
  sqlite3_finalize(q);
  if (rc) return rc;
  if (sqlite3_prepare_v2(db->sql, "DELETE FROM assets WHERE id = ?1", -1, &q, NULL) !=
      SQLITE_OK)
    return isms__fail_sql(db, "deleting asset");
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  rc = sqlite3_step(q) == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "deleting asset");
  sqlite3_finalize(q);
  return rc;
}

ISMS_API int isms_assets_delete(isms_db *db, int n, const char *const *ids,
                                const char *reason) {
  if (!db || n < 1 || !ids) return ISMS_MISUSE;
  for (int k = 0; k < n; k++)
    if (!ids[k]) return ISMS_MISUSE;
  isms__clear_error(db);
  int rc = isms__begin(db);
  if (rc) return rc;
  int64_t batch;
  if ((rc = isms__batch_open(db, "asset delete", n == 1 ? ids[0] : NULL, reason, &batch)))
    goto fail;
  for (int k = 0; k < n && !rc; k++) rc = delete_one(db, ids[k], batch);
  if (rc) goto fail;
  if ((rc = isms__batch_close(db, batch, 0, 0, n))) goto fail;
  return isms__commit(db);
fail:
  isms__rollback(db);
  return rc;
}

ISMS_API int isms_asset_delete(isms_db *db, const char *id, const char *reason) {
  if (!db || !id) return ISMS_MISUSE;
  return isms_assets_delete(db, 1, &id, reason);
}
