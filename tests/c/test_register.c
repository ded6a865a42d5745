/*
** test_register.c -- opening registers, migrations, settings, import,
** cursors and export through the public C API.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isms.h"
#include "isms_internal.h" /* the connection, to read its pragmas */
#include "fixtures.h"
#include "tap.h"




static int count_rows(isms_db *db, int view, const char *filter) {
  isms_cursor *cur;
  if (isms_cursor_open(db, view, filter, &cur)) return -1;
  int n = 0;
  while (isms_cursor_next(cur) == ISMS_ROW) n++;
  isms_cursor_close(cur);
  return n;
}

static void test_open_and_settings(void) {
  isms_db *db;
  is_int(isms_open(path_of("a.db"), &db), ISMS_OK, "open creates a register");
  int v = 0;
  isms_schema_version(db, &v);
  is_int(v, isms_schema_version_supported(), "migrated to the latest schema");
  char buf[64];
  is_int(isms_setting_get(db, "methodology", buf, sizeof buf), ISMS_NOTFOUND, "unset setting");
  is_int(isms_setting_set(db, "methodology", "qism-fmea", "first"), ISMS_OK, "set setting");
  isms_setting_get(db, "methodology", buf, sizeof buf);
  is_str(buf, "qism-fmea", "setting reads back");
  is_int(count_rows(db, ISMS_VIEW_CHANGES, "methodology"), 1, "the setting change is logged");
  isms_close(db);
  is_int(isms_close(NULL), ISMS_OK, "closing NULL is a no-op");
}

static void test_newer_schema_refused(void) {
  sqlite3 *raw;
  sqlite3_open(path_of("new.db"), &raw);
  sqlite3_exec(raw, "PRAGMA user_version = 42", NULL, NULL, NULL);
  sqlite3_close(raw);
  isms_db *db;
  is_int(isms_open(path_of("new.db"), &db), ISMS_SCHEMA, "a newer register is refused");
  like(isms_errmsg(db), "schema version 42 is newer than this isms supports", "and says why");
  isms_close(db);
}

static void test_import_export(void) {
  isms_db *db;
  isms_open(path_of("b.db"), &db);
  write_file(path_of("in.csv"),
             "id,name,type,c,i,a,notes\n"
             "X-2,Second,software,2,2,2,\"quoted, with comma\"\n"
             "X-1,First,people,1,1,1,\n");
  isms_import_report rep;
  is_int(isms_import_assets(db, path_of("in.csv"), NULL, NULL, &rep), ISMS_OK,
         "numbers import without a methodology");
  ok(rep.rows == 2 && rep.created == 2, "two rows created");
  is_int(count_rows(db, ISMS_VIEW_ASSETS, NULL), 2, "two assets listed");
  is_int(isms_export_assets(db, path_of("out.csv")), ISMS_OK, "export");
  FILE *f = fopen(path_of("out.csv"), "rb");
  char text[1024] = {0};
  fread(text, 1, sizeof text - 1, f);
  fclose(f);
  is_str(text,
         "id,name,type,owner,custodian,location,outsourced,contract,group,units,c,i,a,notes\n"
         "X-1,First,people,,,,no,,no,1,1,1,1,\n"
         "X-2,Second,software,,,,no,,no,1,2,2,2,\"quoted, with comma\"\n",
         "export is sorted by id and quotes only when needed");

  write_file(path_of("bad.csv"), "id,name,type,c,i,a\nX-3,Third,software,High,1,1\n");
  is_int(isms_import_assets(db, path_of("bad.csv"), NULL, NULL, &rep), ISMS_INPUT,
         "labels need a methodology");
  like(isms_errmsg(db), "bad.csv:2:20: c: 'High' is not a tier number", "and the error says so");
  is_int(count_rows(db, ISMS_VIEW_ASSETS, NULL), 2, "nothing was stored");
  isms_close(db);
}

static int pragma_int(isms_db *db, const char *sql) {
  sqlite3_stmt *q;
  int v = -1;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &q, NULL) != SQLITE_OK) return -2;
  if (sqlite3_step(q) == SQLITE_ROW) v = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  return v;
}

/* An import turns reference and CHECK enforcement off for its own rows,
** which the parser validated; every other write must find them on again. */
static void test_import_restores_enforcement(void) {
  isms_db *db;
  isms_open(path_of("e.db"), &db);
  write_file(path_of("ok.csv"), "id,name,type,owner\nE-1,One,software,IT\n");
  write_file(path_of("no.csv"), "id,name,type,owner\nE-2,,software,IT\n");
  const char *files[] = {path_of("ok.csv"), path_of("no.csv")};
  const char *what[] = {"after an import", "after a rejected import"};
  for (int k = 0; k < 2; k++) {
    isms_import_assets(db, files[k], NULL, NULL, NULL);
    is_int(pragma_int(db, "PRAGMA foreign_keys"), 1, "foreign keys enforced %s", what[k]);
    is_int(pragma_int(db, "PRAGMA ignore_check_constraints"), 0, "CHECKs enforced %s", what[k]);
  }
  isms_close(db);
}

static void test_misuse(void) {
  isms_db *db = NULL;
  is_int(isms_open(NULL, &db), ISMS_MISUSE, "open without a path");
  isms_close(db);
  is_int(isms_open("x", NULL), ISMS_MISUSE, "open without an out pointer");
  isms_open(path_of("c.db"), &db);
  isms_cursor *cur;
  is_int(isms_cursor_open(db, 99, NULL, &cur), ISMS_MISUSE, "unknown view");
  is_int(isms_cursor_open(db, ISMS_VIEW_ASSET, NULL, &cur), ISMS_MISUSE, "asset view needs an id");
  is_int(isms_asset_set(db, "nope", "name", "x", NULL), ISMS_NOTFOUND, "set on a missing asset");
  isms_close(db);
}

static void test_open_existing(void) {
  isms_db *db = NULL;
  const char *missing = path_of("missing.db");
  is_int(isms_open_existing(missing, &db), ISMS_NOTFOUND, "open_existing: nothing at path");
  ok(strstr(isms_errmsg(db), "no register at ") != NULL, "open_existing names the path");
  isms_close(db);
  ok(access(missing, F_OK) != 0, "open_existing creates no file");
  FILE *f = fopen(path_of("empty.db"), "wb");
  if (f) fclose(f);
  is_int(isms_open(path_of("empty.db"), &db), ISMS_SCHEMA, "open refuses an empty file");
  isms_close(db);
  is_int(isms_open(fixture_dir, &db), ISMS_IO, "open refuses a directory");
  isms_close(db);
  isms_open(path_of("made.db"), &db);
  isms_close(db);
  is_int(isms_open_existing(path_of("made.db"), &db), ISMS_OK, "open_existing opens a register");
  isms_close(db);
}

static int count_sql(isms_db *db, const char *sql) {
  return pragma_int(db, sql);
}

/* Several fields of an asset in one batch; several assets deleted in one
** batch; one bad field, value or id and nothing is written. */
static void test_edit_many(void) {
  isms_db *db;
  isms_open(path_of("m.db"), &db);
  write_file(path_of("m.csv"), "id,name,type,c,i,a\nM-1,One,software,1,1,1\n"
             "M-2,Two,software,2,2,2\nM-3,Three,people,3,3,3\n");
  isms_import_assets(db, path_of("m.csv"), NULL, NULL, NULL);
  int batches = count_sql(db, "SELECT count(*) FROM change_batches");
  const char *f[] = {"owner", "notes", "c"};
  const char *v[] = {"IT", "moved", "2"};
  is_int(isms_asset_set_fields(db, "M-1", 3, f, v, "why"), ISMS_OK, "three fields set");
  is_int(count_sql(db, "SELECT count(*) FROM change_batches"), batches + 1, "in one batch");
  is_int(count_sql(db, "SELECT count(*) FROM change_log WHERE entity_id = 'M-1' AND action = "
                       "'update' AND field IN ('owner', 'notes', 'c')"), 3, "each logged");
  const char *bad_v[] = {"Ops", "x", "99"};
  is_int(isms_asset_set_fields(db, "M-1", 3, f, bad_v, NULL), ISMS_INPUT, "a bad value");
  like(isms_errmsg(db), "c: '99' is not a whole number", "named");
  const char *bad_f[] = {"owner", "colour"};
  is_int(isms_asset_set_fields(db, "M-1", 2, bad_f, v, NULL), ISMS_INPUT, "an unknown field");
  const char *twice[] = {"owner", "owner"};
  is_int(isms_asset_set_fields(db, "M-1", 2, twice, v, NULL), ISMS_INPUT, "a field twice");
  is_int(isms_asset_set_fields(db, "M-9", 1, f, v, NULL), ISMS_NOTFOUND, "an unknown asset");
  const char *units[] = {"units"}, *five[] = {"5"};
  is_int(isms_asset_set_fields(db, "M-1", 1, units, five, NULL), ISMS_INPUT,
         "5 units on an asset that is not a group, as the import refuses it");
  like(isms_errmsg(db), "units: 5 units given for an asset that is not a group", "named");
  const char *both[] = {"units", "group"}, *both_v[] = {"5", "yes"};
  is_int(count_sql(db, "SELECT count(*) FROM change_batches"), batches + 1, "nothing written");
  is_int(isms_asset_set_fields(db, "M-1", 2, both, both_v, NULL), ISMS_OK, "with group=yes: set");
  batches++;
  const char *ids[] = {"M-2", "M-3"};
  is_int(isms_assets_delete(db, 2, ids, "gone"), ISMS_OK, "two deleted");
  is_int(count_rows(db, ISMS_VIEW_ASSETS, NULL), 1, "one left");
  is_int(count_sql(db, "SELECT count(*) FROM change_batches"), batches + 2, "in one batch");
  const char *some_missing[] = {"M-1", "M-7"};
  is_int(isms_assets_delete(db, 2, some_missing, NULL), ISMS_NOTFOUND, "one unknown id");
  is_int(count_rows(db, ISMS_VIEW_ASSETS, NULL), 1, "and none deleted");
  isms_close(db);
}

int main(void) {
  if (!mkdtemp(fixture_dir)) return 1;
  test_open_existing();
  test_open_and_settings();
  test_newer_schema_refused();
  test_import_export();
  test_import_restores_enforcement();
  test_misuse();
  test_edit_many();
  int rc = done_testing();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", fixture_dir);
  if (system(cmd) != 0) diag("could not remove %s", fixture_dir);
  return rc;
}
