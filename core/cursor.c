/*
** cursor.c -- read-only views of the register, one row at a time.
**
** Cursors keep SQL out of the bindings: the Lua layer and other callers
** name a view and get text columns, and the queries live here next to the
** schema they depend on.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isms_internal.h"

struct isms_cursor {
  isms_db *db;
  sqlite3_stmt *st;
  /* A bounded cursor (isms_cursor_query_bounded): what is left of its
  ** step budget, its deadline, and which one struck. */
  int bounded;
  int64_t steps_left;
  double deadline;
  const char *tripped;
  uint64_t steps, time_ms;
};

/* A view is two statements: `all` for a NULL filter, `one` for a filter
** bound to ?1 (NULL: the view takes none and ignores it). They are two
** because "?1 IS NULL OR col = ?1" is planned once, before the value is
** known, as a scan of the whole table: a lookup by key would not use the
** index the schema has for it. */
typedef struct view_def {
  const char *all, *one;
} view_def;
#define FILTERED(select, where, order) \
  { select " ORDER BY " order, select " WHERE " where " ORDER BY " order }
#define UNFILTERED(select) { select, NULL }
#define KEYED(select, where) { NULL, select " WHERE " where } /* a filter is required */

/* A task with its delay count and first due date (the plan and one task). */
#define TASK_COLUMNS                                                                        \
  "SELECT k.id, k.risk, k.control, k.title, k.owner, k.due, k.status, k.done_at,"           \
  " (SELECT count(*) FROM rtp_delays d WHERE d.task = k.id) AS delays,"                    \
  " coalesce((SELECT old_due FROM rtp_delays d WHERE d.task = k.id AND d.seq = 1),"         \
  "   k.due) AS first_due"                                                                 \
  " FROM rtp_tasks k"

static const view_def views[] = {
    [ISMS_VIEW_ASSETS] = FILTERED(
        "SELECT id, name, type, owner, custodian, location, outsourced, contract,"
        " is_group AS \"group\", units, c, i, a, value, class, notes FROM asset_view",
        "class = ?1", "id"),
    [ISMS_VIEW_CHANGES] = FILTERED(
        "SELECT l.id, b.id AS batch, b.at, b.actor, b.command, b.reason, l.entity,"
        " l.entity_id, l.action, l.field, l.old, l.new"
        " FROM change_entries l JOIN change_batches b ON b.id = l.batch",
        "l.entity_id = ?1", "l.batch, l.part, l.seq"),
    [ISMS_VIEW_BATCHES] = UNFILTERED(
        "SELECT id, at, actor, command, source, reason, created, updated, deleted"
        " FROM change_batches ORDER BY id"),
    [ISMS_VIEW_ASSET] = KEYED(
        "SELECT v.id, v.name, v.type, v.owner, v.custodian, v.location, v.outsourced,"
        " v.contract, v.is_group AS \"group\", v.units, v.c, v.i, v.a, v.value, v.class,"
        " v.notes, a.created_batch, a.updated_batch"
        " FROM asset_view v JOIN assets a ON a.id = v.id",
        "v.id = ?1"),
    [ISMS_VIEW_RISKS] = FILTERED(
        "SELECT r.ref, r.asset, r.threat, r.vulnerability, r.title, r.category, r.impacts,"
        " r.owners, r.controls, r.obligations, r.r1, r.r2, r.r3, r.r4, r.score, r.level,"
        " r.level_rank, r.acceptable, r.decision, r.decided_by, r.decided_at, r.rationale,"
        " a.class AS asset_class,"
        " CASE a.type WHEN 1 THEN 'information' WHEN 2 THEN 'software' WHEN 3 THEN 'physical'"
        "   WHEN 4 THEN 'service' WHEN 5 THEN 'people' WHEN 6 THEN 'intangible' END"
        "   AS asset_type,"
        " a.value AS asset_value, a.outsourced AS asset_outsourced, a.is_group AS asset_group,"
        " t.title AS threat_title, v.title AS vulnerability_title,"
        " hex(r.rx) AS rx, a.c AS asset_c, a.i AS asset_i, a.a AS asset_a,"
        " t.affects AS threat_affects, t.ratings AS threat_ratings,"
        " v.ratings AS vulnerability_ratings"
        " FROM risks r JOIN assets a ON a.id = r.asset"
        " LEFT JOIN threats t ON t.id = r.threat"
        " LEFT JOIN vulnerabilities v ON v.id = r.vulnerability",
        "r.asset = ?1", "r.ref"),
    [ISMS_VIEW_THREATS] = UNFILTERED(
        "SELECT id, class, title, catalog, affects, ratings FROM threats ORDER BY id"),
    [ISMS_VIEW_TREATMENTS] = FILTERED(
        "SELECT t.risk, t.option, t.rationale, t.shared_with, t.rr1, t.rr2, t.rr3, t.rr4,"
        " t.residual_score, t.residual_level, t.residual_rank, t.residual_acceptable,"
        " t.override_by, t.override_at, t.override_reason, t.decided_by, t.decided_at,"
        " hex(t.rrx) AS rrx,"
        " (SELECT group_concat(control, ' ') FROM (SELECT control FROM treatment_controls c"
        "   WHERE c.risk = t.risk ORDER BY control)) AS controls"
        " FROM treatments t",
        "t.risk = ?1", "t.risk"),
    [ISMS_VIEW_ACCEPTANCES] = FILTERED(
        "SELECT risk, role, who, at, rationale FROM acceptances", "risk = ?1", "risk, role, who"),
    [ISMS_VIEW_SOA] = FILTERED(
        "SELECT s.control, s.applicable, s.reasons, s.justification, s.status, s.owner,"
        " (SELECT count(*) FROM treatment_controls c WHERE c.control = s.control) AS risks"
        " FROM soa s",
        "s.control = ?1", "s.control"),
    [ISMS_VIEW_SOA_REVISIONS] = FILTERED(
        "SELECT rev, edition, issued_at, approved_by, note, entries FROM soa_revisions",
        "rev = CAST(?1 AS INTEGER)", "rev"),
    [ISMS_VIEW_TASKS] = FILTERED(TASK_COLUMNS, "k.risk = ?1", "k.id"),
    [ISMS_VIEW_TASK] = KEYED(TASK_COLUMNS, "k.id = ?1"),
    [ISMS_VIEW_DELAYS] = FILTERED(
        "SELECT task, seq, reason, old_due, revised_due, approved_by, recorded_at"
        " FROM rtp_delays",
        "task = ?1", "task, seq"),
    [ISMS_VIEW_CONTROL_RISKS] = KEYED(
        "SELECT control, risk FROM treatment_controls", "control = ?1 ORDER BY risk"),
    [ISMS_VIEW_SELECTED] = UNFILTERED(
        "SELECT control, count(*) AS risks FROM treatment_controls GROUP BY control"
        " ORDER BY control"),
};

ISMS_API int isms_cursor_open(isms_db *db, int view, const char *filter, isms_cursor **out) {
  if (!db || !out) return ISMS_MISUSE;
  *out = NULL;
  isms__clear_error(db);
  if (view < 0 || view >= (int)(sizeof views / sizeof views[0]))
    return isms__fail(db, ISMS_MISUSE, "unknown view %d", view);
  const view_def *v = &views[view];
  if (!v->all && !filter) return isms__fail(db, ISMS_MISUSE, "this view needs an id");
  const int keyed = filter && v->one;
  isms_cursor *cur = calloc(1, sizeof *cur);
  if (!cur) return isms__fail(db, ISMS_NOMEM, "out of memory");
  cur->db = db;
  if (sqlite3_prepare_v2(db->sql, keyed ? v->one : v->all, -1, &cur->st, NULL) != SQLITE_OK) {
    free(cur);
    return isms__fail_sql(db, "opening view");
  }
  if (keyed) sqlite3_bind_text(cur->st, 1, filter, -1, SQLITE_TRANSIENT);
  *out = cur;
  return ISMS_OK;
}

ISMS_API int isms_cursor_query(isms_db *db, const char *sql, int nparams,
                               const char *const *params, isms_cursor **out) {
  if (!db || !out || !sql || nparams < 0 || (nparams && !params)) return ISMS_MISUSE;
  *out = NULL;
  isms__clear_error(db);
  sqlite3_stmt *st;
  const char *tail = NULL;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, &tail) != SQLITE_OK)
    return isms__fail(db, ISMS_INPUT, "query: %s", sqlite3_errmsg(db->sql));
  while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == '\r' || *tail == ';'))
    tail++;
  const char *why = !st                          ? "no statement"
                    : tail && *tail              ? "one statement only"
                    : !sqlite3_stmt_readonly(st) ? "a query must be read-only"
                    : sqlite3_bind_parameter_count(st) > nparams ? "missing parameters"
                                                                 : NULL;
  if (why) {
    sqlite3_finalize(st);
    return isms__fail(db, ISMS_MISUSE, "query: %s", why);
  }
  for (int k = 0; k < nparams && k < sqlite3_bind_parameter_count(st); k++)
    sqlite3_bind_text(st, k + 1, params[k], -1, SQLITE_TRANSIENT);
  isms_cursor *cur = calloc(1, sizeof *cur);
  if (!cur) {
    sqlite3_finalize(st);
    return isms__fail(db, ISMS_NOMEM, "out of memory");
  }
  cur->db = db;
  cur->st = st;
  *out = cur;
  return ISMS_OK;
}

/* ------------------------------------------------------ bounded queries
** SQL of untrusted origin -- the automatic method of a metric, from a rule
** file -- runs under three bounds. At prepare time an authorizer allows
** reading only: SELECT, reading columns, recursive CTEs and a list of
** plain functions; anything else (writes, ATTACH, PRAGMA, other functions)
** refuses the statement. While it steps, a progress handler counts SQLite
** virtual-machine steps against a budget and checks a wall-clock
** deadline, both shared by the cursor's whole life; and no text or blob
** may grow past BOUNDED_LENGTH, so a query cannot make a huge string. */

#define BOUNDED_STEPS_DEFAULT 200000000ull /* a scan of a few million rows */
#define BOUNDED_TIME_DEFAULT 10000u        /* ms */
#define BOUNDED_LENGTH 1000000             /* bytes in one text or blob */
#define PROGRESS_EVERY 1000                /* VM steps between handler calls */

/* Functions a metric may call: aggregates, arithmetic, text and dates;
** nothing random, nothing that reads files or makes large values. */
static const char *const plain_functions[] = {
    "abs", "avg", "coalesce", "count", "date", "datetime", "glob", "group_concat", "ifnull",
    "iif", "instr", "julianday", "length", "like", "lower", "ltrim", "max", "min", "nullif",
    "round", "rtrim", "strftime", "substr", "substring", "sum", "time", "total", "trim",
    "typeof", "unixepoch", "upper", "replace", NULL};

static int read_only_authorizer(void *ud, int action, const char *a, const char *b,
                                const char *c, const char *d) {
  (void)a, (void)c, (void)d;
  const char **why = ud;
  switch (action) {
  case SQLITE_SELECT:
  case SQLITE_READ:
  case SQLITE_RECURSIVE:
    return SQLITE_OK;
  case SQLITE_FUNCTION:
    for (int k = 0; plain_functions[k]; k++)
      if (b && sqlite3_stricmp(b, plain_functions[k]) == 0) return SQLITE_OK; /* b: its name */
    *why = "calls a function a query may not use";
    return SQLITE_DENY;
  default:
    *why = "does something other than reading the register";
    return SQLITE_DENY;
  }
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int progress(void *ud) {
  isms_cursor *cur = ud;
  cur->steps_left -= PROGRESS_EVERY;
  if (cur->steps_left < 0) cur->tripped = "steps";
  else if (now_ms() > cur->deadline) cur->tripped = "time";
  return cur->tripped != NULL;  /* nonzero interrupts the statement */
}

ISMS_API int isms_cursor_query_bounded(isms_db *db, const char *sql, int nparams,
                                       const char *const *params,
                                       const isms_query_limits *limits, isms_cursor **out) {
  if (!db || !out || !sql || nparams < 0 || (nparams && !params)) return ISMS_MISUSE;
  *out = NULL;
  isms__clear_error(db);
  const char *why = NULL;
  sqlite3_stmt *st = NULL;
  const char *tail = NULL;
  int old_length = sqlite3_limit(db->sql, SQLITE_LIMIT_LENGTH, BOUNDED_LENGTH);
  sqlite3_set_authorizer(db->sql, read_only_authorizer, (void *)&why);
  int prc = sqlite3_prepare_v2(db->sql, sql, -1, &st, &tail);
  sqlite3_set_authorizer(db->sql, NULL, NULL);
  sqlite3_limit(db->sql, SQLITE_LIMIT_LENGTH, old_length);
  if (prc != SQLITE_OK) {
    if (why) return isms__fail(db, ISMS_RULE, "query refused: it %s", why);
    return isms__fail(db, ISMS_RULE, "query: %s", sqlite3_errmsg(db->sql));
  }
  while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == '\r' || *tail == ';'))
    tail++;
  why = !st                          ? "no statement"
        : tail && *tail              ? "one statement only"
        : !sqlite3_stmt_readonly(st) ? "a query must be read-only"
        : sqlite3_bind_parameter_count(st) > nparams ? "missing parameters"
                                                     : NULL;
  if (why) {
    sqlite3_finalize(st);
    return isms__fail(db, ISMS_RULE, "query: %s", why);
  }
  for (int k = 0; k < nparams && k < sqlite3_bind_parameter_count(st); k++)
    sqlite3_bind_text(st, k + 1, params[k], -1, SQLITE_TRANSIENT);
  isms_cursor *cur = calloc(1, sizeof *cur);
  if (!cur) {
    sqlite3_finalize(st);
    return isms__fail(db, ISMS_NOMEM, "out of memory");
  }
  cur->db = db;
  cur->st = st;
  cur->bounded = 1;
  cur->steps = limits && limits->steps ? limits->steps : BOUNDED_STEPS_DEFAULT;
  cur->time_ms = limits && limits->time_ms ? limits->time_ms : BOUNDED_TIME_DEFAULT;
  cur->steps_left = (int64_t)(cur->steps > INT64_MAX ? INT64_MAX : cur->steps);
  cur->deadline = now_ms() + cur->time_ms;
  *out = cur;
  return ISMS_OK;
}

static int bounded_step(isms_cursor *cur) {
  isms_db *db = cur->db;
  int old_length = sqlite3_limit(db->sql, SQLITE_LIMIT_LENGTH, BOUNDED_LENGTH);
  sqlite3_progress_handler(db->sql, PROGRESS_EVERY, progress, cur);
  int rc = sqlite3_step(cur->st);
  sqlite3_progress_handler(db->sql, 0, NULL, NULL);
  sqlite3_limit(db->sql, SQLITE_LIMIT_LENGTH, old_length);
  if (rc == SQLITE_ROW) return ISMS_ROW;
  if (rc == SQLITE_DONE) return ISMS_DONE;
  if (cur->tripped && strcmp(cur->tripped, "steps") == 0)
    return isms__fail(db, ISMS_RULE, "query stopped: over its limit of %llu steps",
                      (unsigned long long)cur->steps);
  if (cur->tripped)
    return isms__fail(db, ISMS_RULE, "query stopped: over its time limit of %u ms",
                      (unsigned)cur->time_ms);
  return isms__fail(db, ISMS_RULE, "query: %s", sqlite3_errmsg(db->sql));
}

ISMS_API int isms_cursor_next(isms_cursor *cur) {
  if (!cur) return ISMS_MISUSE;
  if (cur->bounded) return bounded_step(cur);
  int rc = sqlite3_step(cur->st);
  if (rc == SQLITE_ROW) return ISMS_ROW;
  if (rc == SQLITE_DONE) return ISMS_DONE;
  return isms__fail_sql(cur->db, "reading view");
}

ISMS_API int isms_cursor_columns(isms_cursor *cur) {
  return cur ? sqlite3_column_count(cur->st) : 0;
}

ISMS_API const char *isms_cursor_name(isms_cursor *cur, int col) {
  return cur ? sqlite3_column_name(cur->st, col) : NULL;
}

ISMS_API const char *isms_cursor_text(isms_cursor *cur, int col) {
  return cur ? (const char *)sqlite3_column_text(cur->st, col) : NULL;
}

ISMS_API int isms_cursor_close(isms_cursor *cur) {
  if (!cur) return ISMS_OK;
  sqlite3_finalize(cur->st);
  free(cur);
  return ISMS_OK;
}
