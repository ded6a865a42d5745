/*
** schema.c -- the register's schema and its migrations.
**
** PRAGMA user_version holds the schema version. Each migration moves the
** schema up by one inside one transaction, so a register is always at a
** version this list describes. A register newer than this library is
** refused rather than guessed at.
*/
#include <stdio.h>

#include "isms_internal.h"

static const char *const migrations[] = {
    /* 1: the first register: settings, change log, scope, assets. */
    "CREATE TABLE settings("
    "  key   TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") WITHOUT ROWID;"

    /* Who did what, when and why: one batch per command, one change_log row
    ** per changed field. A created asset points at its batch
    ** (assets.created_batch) instead of repeating its values here. */
    "CREATE TABLE change_batches("
    "  id      INTEGER PRIMARY KEY,"
    "  at      TEXT NOT NULL,"
    "  actor   TEXT NOT NULL,"
    "  command TEXT NOT NULL,"
    "  source  TEXT,"
    "  reason  TEXT,"
    "  created INTEGER NOT NULL DEFAULT 0,"
    "  updated INTEGER NOT NULL DEFAULT 0,"
    "  deleted INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE TABLE change_log("
    "  id        INTEGER PRIMARY KEY,"
    "  batch     INTEGER NOT NULL REFERENCES change_batches(id),"
    "  entity    TEXT NOT NULL,"
    "  entity_id TEXT NOT NULL,"
    "  action    TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),"
    "  field     TEXT,"
    "  old       TEXT,"
    "  new       TEXT"
    ");"
    "CREATE INDEX change_log_entity ON change_log(entity, entity_id);"

    "CREATE TABLE scopes("
    "  id             INTEGER PRIMARY KEY,"
    "  name           TEXT NOT NULL UNIQUE,"
    "  statement      TEXT,"
    "  organisational TEXT,"
    "  ict            TEXT,"
    "  physical       TEXT,"
    "  interfaces     TEXT,"
    "  soa_revision   TEXT"
    ");"

    /* Owners and custodians are parties, locations are places: kept once
    ** and referenced, as an estate repeats them across many assets. */
    "CREATE TABLE parties(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE locations(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"

    "CREATE TABLE assets("
    "  id            TEXT PRIMARY KEY,"
    "  name          TEXT NOT NULL,"
    "  type          INTEGER NOT NULL CHECK (type BETWEEN 1 AND 6),"
    "  owner         INTEGER REFERENCES parties(id),"
    "  custodian     INTEGER REFERENCES parties(id),"
    "  location      INTEGER REFERENCES locations(id),"
    "  outsourced    INTEGER NOT NULL DEFAULT 0 CHECK (outsourced IN (0, 1)),"
    "  contract      TEXT,"
    "  is_group      INTEGER NOT NULL DEFAULT 0 CHECK (is_group IN (0, 1)),"
    "  units         INTEGER NOT NULL DEFAULT 1 CHECK (units >= 1),"
    "  c             INTEGER,"
    "  i             INTEGER,"
    "  a             INTEGER,"
    "  value         REAL,"
    "  class         TEXT,"
    "  notes         TEXT,"
    "  scope         INTEGER REFERENCES scopes(id),"
    "  created_batch INTEGER NOT NULL,"
    "  updated_batch INTEGER"
    ") WITHOUT ROWID;"

    /* The asset register as people read it: names instead of references. */
    "CREATE VIEW asset_view AS SELECT"
    "  a.id, a.name,"
    "  CASE a.type WHEN 1 THEN 'information' WHEN 2 THEN 'software'"
    "    WHEN 3 THEN 'physical' WHEN 4 THEN 'service' WHEN 5 THEN 'people'"
    "    WHEN 6 THEN 'intangible' END AS type,"
    "  o.name AS owner, cu.name AS custodian, l.name AS location,"
    "  a.outsourced, a.contract, a.is_group, a.units, a.c, a.i, a.a,"
    "  a.value, a.class, a.notes"
    " FROM assets a"
    " LEFT JOIN parties o ON o.id = a.owner"
    " LEFT JOIN parties cu ON cu.id = a.custodian"
    " LEFT JOIN locations l ON l.id = a.location;",

    /* 2: the risk register (asset x threat x vulnerability). Ratings are
    ** tier values on the register's risk factors (setting risk_factors,
    ** in order r1..r4); score is in millionths and level_rank is 1 = lowest
    ** under the register's methodology, which wrote them. */
    "CREATE TABLE threats("
    "  id TEXT PRIMARY KEY, class TEXT, title TEXT NOT NULL, catalog TEXT);"
    "CREATE TABLE vulnerabilities("
    "  id TEXT PRIMARY KEY, title TEXT NOT NULL, catalog TEXT);"
    "CREATE TABLE risks("
    "  ref           TEXT PRIMARY KEY,"
    "  asset         TEXT NOT NULL REFERENCES assets(id),"
    "  threat        TEXT NOT NULL,"
    "  vulnerability TEXT,"
    "  title         TEXT,"
    "  category      TEXT CHECK (category IN ('management', 'operational', 'reputation',"
    "                  'governance', 'project')),"
    "  impacts       TEXT,"
    "  owners        TEXT,"
    "  controls      TEXT,"
    "  obligations   INTEGER NOT NULL DEFAULT 0 CHECK (obligations BETWEEN 0 AND 7),"
    "  r1 INTEGER, r2 INTEGER, r3 INTEGER, r4 INTEGER,"
    "  score         INTEGER,"
    "  level         TEXT,"
    "  level_rank    INTEGER,"
    "  acceptable    INTEGER CHECK (acceptable IN (0, 1)),"
    "  decision      TEXT CHECK (decision IN ('accept', 'treat')),"
    "  decided_by    TEXT,"
    "  decided_at    TEXT,"
    "  rationale     TEXT,"
    "  created_batch INTEGER NOT NULL,"
    "  updated_batch INTEGER"
    ") WITHOUT ROWID;"
    "CREATE INDEX risks_asset ON risks(asset);",

    /* 3: treatment, Statement of Applicability, Risk Treatment Plan.
    ** A treatment belongs to one risk; its controls are rows of their own
    ** so the SoA finds every risk a control treats by index. Residual
    ** ratings (rr1..rr4) are on the register's risk factors like r1..r4;
    ** residual_score is in millionths. Acceptance of a risk is recorded
    ** once per person and role (top management, each risk owner). The SoA
    ** holds the current entry per control of the register's edition
    ** (setting soa_edition); each issued revision keeps a JSON snapshot.
    ** RTP tasks carry their current due date; every re-dating is a delay
    ** row with its reason, the dates and who approved it. Dates are
    ** YYYY-MM-DD. */
    "CREATE TABLE treatments("
    "  risk                TEXT PRIMARY KEY REFERENCES risks(ref),"
    "  option              TEXT NOT NULL CHECK (option IN ('modify', 'retain', 'avoid', 'share')),"
    "  rationale           TEXT,"
    "  shared_with         TEXT,"
    "  rr1 INTEGER, rr2 INTEGER, rr3 INTEGER, rr4 INTEGER,"
    "  residual_score      INTEGER,"
    "  residual_level      TEXT,"
    "  residual_rank       INTEGER,"
    "  residual_acceptable INTEGER CHECK (residual_acceptable IN (0, 1)),"
    "  override_by         TEXT,"
    "  override_at         TEXT,"
    "  override_reason     TEXT,"
    "  decided_by          TEXT,"
    "  decided_at          TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE treatment_controls("
    "  risk    TEXT NOT NULL REFERENCES treatments(risk),"
    "  control TEXT NOT NULL,"
    "  PRIMARY KEY (risk, control)"
    ") WITHOUT ROWID;"
    "CREATE INDEX treatment_controls_control ON treatment_controls(control);"
    "CREATE TABLE acceptances("
    "  risk      TEXT NOT NULL REFERENCES risks(ref),"
    "  role      TEXT NOT NULL CHECK (role IN ('management', 'owner')),"
    "  who       TEXT NOT NULL,"
    "  at        TEXT NOT NULL,"
    "  rationale TEXT NOT NULL,"
    "  PRIMARY KEY (risk, role, who)"
    ") WITHOUT ROWID;"
    "CREATE TABLE soa("
    "  control       TEXT PRIMARY KEY,"
    "  applicable    INTEGER NOT NULL CHECK (applicable IN (0, 1)),"
    "  reasons       INTEGER NOT NULL DEFAULT 0 CHECK (reasons BETWEEN 0 AND 15),"
    "  justification TEXT,"
    "  status        TEXT CHECK (status IN ('not_started', 'planned', 'partial', 'implemented')),"
    "  owner         TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE soa_revisions("
    "  rev         INTEGER PRIMARY KEY CHECK (rev >= 1),"
    "  edition     TEXT NOT NULL,"
    "  issued_at   TEXT NOT NULL,"
    "  approved_by TEXT NOT NULL,"
    "  note        TEXT,"
    "  entries     TEXT NOT NULL"
    ");"
    "CREATE TABLE rtp_tasks("
    "  id      TEXT PRIMARY KEY,"
    "  risk    TEXT NOT NULL REFERENCES treatments(risk),"
    "  control TEXT,"
    "  title   TEXT NOT NULL,"
    "  owner   TEXT NOT NULL,"
    "  due     TEXT NOT NULL,"
    "  status  TEXT NOT NULL DEFAULT 'planned'"
    "          CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),"
    "  done_at TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX rtp_tasks_risk ON rtp_tasks(risk);"
    "CREATE TABLE rtp_delays("
    "  task        TEXT NOT NULL REFERENCES rtp_tasks(id),"
    "  seq         INTEGER NOT NULL CHECK (seq >= 1),"
    "  reason      TEXT NOT NULL,"
    "  old_due     TEXT NOT NULL,"
    "  revised_due TEXT NOT NULL,"
    "  approved_by TEXT NOT NULL,"
    "  recorded_at TEXT NOT NULL,"
    "  PRIMARY KEY (task, seq)"
    ") WITHOUT ROWID;",

    /* 4: links between records of any kind (record kind "link"): an audit
    ** finding names the controls it concerns, an incident the assets it
    ** touched. Kept apart from the records so "what points at X" is one
    ** index lookup; logged like any record (entity "link"). */
    "CREATE TABLE record_links("
    "  kind   TEXT NOT NULL,"
    "  id     TEXT NOT NULL,"
    "  rel    TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  PRIMARY KEY (kind, id, rel, target)"
    ") WITHOUT ROWID;"
    "CREATE INDEX record_links_target ON record_links(rel, target);",

    /* 5: gap analysis. Requirement catalogs (frameworks) imported into the
    ** register from rule files, CISO Assistant libraries or OSCAL
    ** catalogs; their nodes keyed "framework:ref"; mapping sets between
    ** frameworks; assessments and one answer per requirement assessed. */
    "CREATE TABLE frameworks("
    "  id TEXT PRIMARY KEY, title TEXT NOT NULL, standard TEXT, edition TEXT, version TEXT,"
    "  urn TEXT, format TEXT, source TEXT, nodes INTEGER, imported_at TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE requirements("
    "  id TEXT PRIMARY KEY, framework TEXT NOT NULL, ref TEXT NOT NULL, parent TEXT,"
    "  depth INTEGER, ord INTEGER, title TEXT, text TEXT, assessable INTEGER, mandatory INTEGER,"
    "  groups TEXT, urn TEXT, control INTEGER"
    ") WITHOUT ROWID;"
    "CREATE INDEX requirements_framework ON requirements(framework, ord);"
    "CREATE INDEX requirements_urn ON requirements(urn);"
    "CREATE TABLE requirement_mappings("
    "  id TEXT PRIMARY KEY, title TEXT, source_framework TEXT NOT NULL,"
    "  target_framework TEXT NOT NULL, format TEXT, source TEXT, pairs INTEGER, imported_at TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE requirement_maps("
    "  id TEXT PRIMARY KEY, mapping TEXT NOT NULL, source_ref TEXT NOT NULL,"
    "  target_ref TEXT NOT NULL, relation TEXT NOT NULL, note TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX requirement_maps_mapping ON requirement_maps(mapping);"
    "CREATE TABLE assessments("
    "  id TEXT PRIMARY KEY, framework TEXT NOT NULL, title TEXT, scope TEXT, assessed_on TEXT,"
    "  assessor TEXT, method TEXT, state TEXT, based_on TEXT, notes TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE answers("
    "  assessment TEXT NOT NULL, requirement TEXT NOT NULL, status TEXT, maturity INTEGER,"
    "  target INTEGER, justification TEXT, evidence TEXT, owner TEXT, remediation TEXT,"
    "  effort REAL, due TEXT, notes TEXT, origin TEXT,"
    "  PRIMARY KEY (assessment, requirement)"
    ") WITHOUT ROWID;",

    /* 6: quantitative risk (docs/quantitative.md): one row per simulation run, with
    ** the portfolio's annual loss before and after treatment (money, in the
    ** method's currency), the loss exceedance curve on a shared grid, and
    ** per risk its statistics, the level its loss bands into and its
    ** acceptance. Results keep the risk's ref as it was (no reference): a
    ** run is a record of what was computed, and stays when a risk goes. */
    "CREATE TABLE quant_runs("
    "  id           INTEGER PRIMARY KEY,"
    "  batch        INTEGER NOT NULL REFERENCES change_batches(id),"
    "  method       TEXT NOT NULL,"
    "  currency     TEXT,"
    "  metric       TEXT,"
    "  seed         INTEGER NOT NULL,"
    "  iterations   INTEGER NOT NULL CHECK (iterations >= 1),"
    "  correlation  REAL NOT NULL DEFAULT 0,"
    "  risks        INTEGER NOT NULL,"
    "  threshold    REAL,"
    "  risk_threshold REAL,"
    "  control_cost REAL,"
    "  mean REAL, sd REAL, p50 REAL, p90 REAL, p95 REAL, p99 REAL, max REAL,"
    "  p_exceed REAL, p_loss REAL,"
    "  after_mean REAL, after_sd REAL, after_p50 REAL, after_p90 REAL, after_p95 REAL,"
    "  after_p99 REAL, after_max REAL, after_p_exceed REAL, after_p_loss REAL"
    ");"
    "CREATE TABLE quant_curve("
    "  run    INTEGER NOT NULL REFERENCES quant_runs(id),"
    "  point  INTEGER NOT NULL,"
    "  loss   REAL NOT NULL,"
    "  before REAL NOT NULL,"
    "  after  REAL NOT NULL,"
    "  PRIMARY KEY (run, point)"
    ") WITHOUT ROWID;"
    "CREATE TABLE quant_results("
    "  run  INTEGER NOT NULL REFERENCES quant_runs(id),"
    "  risk TEXT NOT NULL,"
    "  mean REAL, sd REAL, p50 REAL, p90 REAL, p95 REAL, p99 REAL, max REAL,"
    "  p_exceed REAL, p_loss REAL,"
    "  level TEXT, acceptable INTEGER CHECK (acceptable IN (0, 1)),"
    "  after_mean REAL, after_sd REAL, after_p50 REAL, after_p90 REAL, after_p95 REAL,"
    "  after_p99 REAL, after_max REAL, after_p_exceed REAL, after_p_loss REAL,"
    "  after_level TEXT, after_acceptable INTEGER CHECK (after_acceptable IN (0, 1)),"
    "  cost REAL,"
    "  PRIMARY KEY (run, risk)"
    ") WITHOUT ROWID;"
    "CREATE INDEX quant_results_risk ON quant_results(risk);",

    /* 7: roadmap progress (record kinds roadmap_run and roadmap_step, in
    ** lua/isms/roadmap/): a run follows one workflow rule file from a start
    ** date towards an optional target; a step record says a step of a run
    ** was started, done (by hand with evidence, or because its exit
    ** criteria held) or skipped, and when. Steps without a record are
    ** pending; the schedule is computed, never stored. */
    "CREATE TABLE roadmap_runs("
    "  id       TEXT PRIMARY KEY,"
    "  workflow TEXT NOT NULL,"
    "  title    TEXT,"
    "  started  TEXT NOT NULL,"
    "  target   TEXT,"
    "  calendar TEXT,"
    "  status   TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),"
    "  notes    TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE roadmap_steps("
    "  run          TEXT NOT NULL REFERENCES roadmap_runs(id),"
    "  step         TEXT NOT NULL,"
    "  status       TEXT NOT NULL CHECK (status IN ('started', 'done', 'skipped')),"
    "  started_on   TEXT,"
    "  done_on      TEXT,"
    "  how          TEXT CHECK (how IN ('hand', 'criteria')),"
    "  completed_by TEXT,"
    "  evidence     TEXT,"
    "  note         TEXT,"
    "  PRIMARY KEY (run, step)"
    ") WITHOUT ROWID;",

    /* 8: context, leadership and support (ISO/IEC 27001 clauses 4-7):
    ** interested parties, internal and external issues, obligations,
    ** scopes (the unused integer-keyed table of migration 1 is replaced
    ** by one keyed by text, as every record kind is) with their
    ** exclusions and approved versions, business cases, objectives,
    ** people, role assignments, competences, training and awareness
    ** records, RACI, the communication plan and what was sent. Which
    ** assets, locations and parties a scope takes in or leaves out are
    ** record_links rows (kind 'scope' / 'scope_exclusion'). Dates are
    ** YYYY-MM-DD. */
    "CREATE TABLE interested_parties("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, category TEXT, side TEXT,"
    "  requirements TEXT, how_met TEXT, owner TEXT, review_on TEXT, notes TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE context_issues("
    "  id TEXT PRIMARY KEY, title TEXT NOT NULL, side TEXT NOT NULL, category TEXT,"
    "  description TEXT, effect TEXT, owner TEXT, review_on TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE obligations("
    "  id TEXT PRIMARY KEY, title TEXT NOT NULL, type TEXT NOT NULL, source TEXT NOT NULL,"
    "  clause TEXT, owner TEXT, description TEXT, review_on TEXT"
    ") WITHOUT ROWID;"
    "DROP TABLE scopes;"
    "CREATE TABLE scopes("
    "  id TEXT PRIMARY KEY, title TEXT NOT NULL, statement TEXT, organisational TEXT,"
    "  ict TEXT, physical TEXT, interfaces TEXT, soa_revision TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE scope_exclusions("
    "  id TEXT PRIMARY KEY, scope TEXT NOT NULL, boundary TEXT, what TEXT NOT NULL,"
    "  justification TEXT NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE scope_versions("
    "  scope TEXT NOT NULL, version INTEGER NOT NULL CHECK (version >= 1),"
    "  approved_by TEXT NOT NULL, approved_on TEXT NOT NULL, note TEXT, content TEXT NOT NULL,"
    "  PRIMARY KEY (scope, version)"
    ") WITHOUT ROWID;"
    "CREATE TABLE business_cases("
    "  id TEXT PRIMARY KEY, title TEXT NOT NULL, scope TEXT, goals TEXT, benefits TEXT,"
    "  work TEXT, resources TEXT, considerations TEXT, start_on TEXT, target_on TEXT,"
    "  effort_days REAL, costs REAL, currency TEXT, success_factors TEXT, other_factors TEXT,"
    "  prepared_by TEXT, approved_by TEXT, approved_on TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE objectives("
    "  id TEXT PRIMARY KEY, title TEXT NOT NULL, metric TEXT NOT NULL, comparison TEXT,"
    "  target REAL NOT NULL, unit TEXT, owner TEXT, due TEXT, plan TEXT, resources TEXT,"
    "  responsible TEXT, evaluation TEXT, current REAL, measured_on TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE people("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, unit TEXT, type TEXT, email TEXT,"
    "  joined TEXT, left_on TEXT, areas TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE role_assignments("
    "  id TEXT PRIMARY KEY, person TEXT NOT NULL, role TEXT NOT NULL, held_from TEXT NOT NULL,"
    "  held_to TEXT, note TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX role_assignments_role ON role_assignments(role, held_from);"
    "CREATE INDEX role_assignments_person ON role_assignments(person);"
    "CREATE TABLE competences("
    "  id TEXT PRIMARY KEY, person TEXT NOT NULL, competence TEXT NOT NULL, evidence TEXT,"
    "  obtained TEXT, expires TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX competences_person ON competences(person, competence);"
    /* The people check asks for each person's latest completion of each
    ** programme: this index answers it without reading the rows. */
    "CREATE TABLE training_records("
    "  id TEXT PRIMARY KEY, person TEXT NOT NULL, programme TEXT NOT NULL,"
    "  completed TEXT NOT NULL, result TEXT, hours REAL, evidence TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX training_latest ON training_records(person, programme, completed, result);"
    "CREATE TABLE raci("
    "  id TEXT PRIMARY KEY, activity TEXT NOT NULL, accountable TEXT NOT NULL,"
    "  responsible TEXT, consulted TEXT, informed TEXT, note TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE communications("
    "  id TEXT PRIMARY KEY, what TEXT NOT NULL, audience TEXT NOT NULL, responsible TEXT NOT NULL,"
    "  channel TEXT, frequency TEXT NOT NULL, first_on TEXT NOT NULL, notes TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE communications_sent("
    "  id TEXT PRIMARY KEY, communication TEXT NOT NULL, sent_on TEXT NOT NULL, sent_by TEXT,"
    "  audience TEXT, evidence TEXT, note TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX communications_sent_plan ON communications_sent(communication, sent_on);",

    /* 9: keeping the ISMS current (lua/isms/incident, supplier, currency):
    ** the incident register and its timeline, suppliers with their
    ** contracts and certifications, and the last review of any record.
    ** Record kinds of the kit: one column per field, links (assets,
    ** threats, controls, ...) in record_links. */
    "CREATE TABLE incidents("
    "  id            TEXT PRIMARY KEY,"
    "  title         TEXT NOT NULL,"
    "  description   TEXT,"
    "  detected      TEXT,"
    "  reported      TEXT,"
    "  contained     TEXT,"
    "  closed        TEXT,"
    "  category      TEXT,"
    "  severity      TEXT,"
    "  affected      TEXT,"
    "  owner         TEXT,"
    "  lessons       TEXT,"
    "  evidence      TEXT,"
    "  nonconformity TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX incidents_detected ON incidents(detected);"
    "CREATE TABLE incident_events("
    "  id       TEXT PRIMARY KEY,"
    "  incident TEXT NOT NULL,"
    "  at       TEXT NOT NULL,"
    "  type     TEXT NOT NULL,"
    "  text     TEXT NOT NULL,"
    "  actor    TEXT,"
    "  owner    TEXT,"
    "  due      TEXT,"
    "  done     TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX incident_events_incident ON incident_events(incident);"
    "CREATE TABLE suppliers("
    "  id          TEXT PRIMARY KEY,"
    "  name        TEXT NOT NULL,"
    "  services    TEXT,"
    "  contacts    TEXT,"
    "  criticality TEXT,"
    "  owner       TEXT,"
    "  notes       TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE supplier_contracts("
    "  id               TEXT PRIMARY KEY,"
    "  supplier         TEXT NOT NULL,"
    "  title            TEXT,"
    "  starts           TEXT NOT NULL,"
    "  ends             TEXT,"
    "  notice_days      INTEGER,"
    "  status           TEXT,"
    "  security_clauses TEXT,"
    "  right_to_audit   INTEGER,"
    "  data_locations   TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX supplier_contracts_supplier ON supplier_contracts(supplier);"
    "CREATE TABLE supplier_certifications("
    "  id          TEXT PRIMARY KEY,"
    "  supplier    TEXT NOT NULL,"
    "  standard    TEXT NOT NULL,"
    "  certificate TEXT,"
    "  body        TEXT,"
    "  scope       TEXT,"
    "  issued      TEXT,"
    "  expires     TEXT NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX supplier_certifications_supplier ON supplier_certifications(supplier);"
    /* The last review of any record (kind 'risk', 'asset', 'supplier',
    ** 'soa', 'rule_file', ...); its history is the change log's. */
    "CREATE TABLE record_reviews("
    "  kind        TEXT NOT NULL,"
    "  record      TEXT NOT NULL,"
    "  reviewed    TEXT NOT NULL,"
    "  reviewer    TEXT,"
    "  note        TEXT,"
    "  next_review TEXT,"
    "  count       INTEGER,"
    "  PRIMARY KEY (kind, record)"
    ") WITHOUT ROWID;"

    /* A rated risk is current as of its assessment: the batch that last
    ** rated or reviewed it (assessed_batch, kept by triggers), or, never
    ** re-rated since, the batch that created it (created_batch), so that
    ** `isms stale` compares columns instead of searching the change log
    ** per risk. Risks are rated when they have a level; the indexes hold
    ** the rated ones only, so generating unrated risks costs nothing more.
    ** Existing registers: the last batch that changed a rating. */
    "ALTER TABLE risks ADD COLUMN assessed_batch INTEGER;"
    "UPDATE risks SET assessed_batch = x.batch FROM ("
    "  SELECT entity_id, max(batch) AS batch FROM change_log"
    "  WHERE entity = 'risk' AND field IN ('r1', 'r2', 'r3', 'r4') GROUP BY entity_id) x"
    " WHERE risks.ref = x.entity_id;"
    "CREATE TRIGGER risks_assessed_rating AFTER UPDATE OF r1, r2, r3, r4 ON risks"
    " WHEN NEW.r1 IS NOT OLD.r1 OR NEW.r2 IS NOT OLD.r2 OR NEW.r3 IS NOT OLD.r3"
    "   OR NEW.r4 IS NOT OLD.r4 BEGIN"
    "  UPDATE risks SET assessed_batch = NEW.updated_batch WHERE ref = NEW.ref;"
    " END;"
    "CREATE TRIGGER record_reviews_assess_insert AFTER INSERT ON record_reviews WHEN NEW.kind = 'risk' BEGIN"
    "  UPDATE risks SET assessed_batch = (SELECT max(id) FROM change_batches)"
    "   WHERE ref = NEW.record;"
    " END;"
    "CREATE TRIGGER record_reviews_assess_update AFTER UPDATE ON record_reviews WHEN NEW.kind = 'risk' BEGIN"
    "  UPDATE risks SET assessed_batch = (SELECT max(id) FROM change_batches)"
    "   WHERE ref = NEW.record;"
    " END;"
    "CREATE INDEX risks_assessed ON risks(assessed_batch, created_batch, level)"
    " WHERE level IS NOT NULL;"
    /* Rated risks by threat (and asset): the incident and threat triggers;
    ** covering, with the assessment, for the incidents' asset and threat. */
    "CREATE INDEX risks_threat ON risks(threat, asset, assessed_batch, created_batch, level)"
    " WHERE level IS NOT NULL;"

    /* Catalog threats and vulnerabilities were loaded without a field
    ** log; a change of one is now logged against the batch that loads
    ** it (the newest), so the risks that use it can be found stale. */
    "CREATE TRIGGER threats_log AFTER UPDATE ON threats"
    " WHEN OLD.title IS NOT NEW.title OR OLD.class IS NOT NEW.class BEGIN"
    "  INSERT INTO change_log(batch, entity, entity_id, action, field, old, new)"
    "   SELECT (SELECT max(id) FROM change_batches), 'threat', NEW.id, 'update', 'title',"
    "   OLD.title, NEW.title WHERE OLD.title IS NOT NEW.title;"
    "  INSERT INTO change_log(batch, entity, entity_id, action, field, old, new)"
    "   SELECT (SELECT max(id) FROM change_batches), 'threat', NEW.id, 'update', 'class',"
    "   OLD.class, NEW.class WHERE OLD.class IS NOT NEW.class;"
    " END;"
    "CREATE TRIGGER vulnerabilities_log AFTER UPDATE ON vulnerabilities"
    " WHEN OLD.title IS NOT NEW.title BEGIN"
    "  INSERT INTO change_log(batch, entity, entity_id, action, field, old, new)"
    "   SELECT max(id), 'vulnerability', NEW.id, 'update', 'title', OLD.title, NEW.title"
    "   FROM change_batches;"
    " END;"

    /* The changes that make records stale, each found by a range of its
    ** own small index from the oldest assessment on (partial indexes:
    ** the rest of the log does not enter them; covering, so the log's
    ** rows are not read). */
    "CREATE INDEX change_log_valuation ON change_log(batch, entity_id, entity, field)"
    " WHERE entity = 'asset' AND field IN ('c', 'i', 'a', 'class', 'value');"
    "CREATE INDEX change_log_scope ON change_log(batch, entity_id, entity, field)"
    " WHERE entity = 'asset' AND field = 'scope';"
    "CREATE INDEX change_log_catalog ON change_log(batch, entity, entity_id)"
    " WHERE entity IN ('threat', 'vulnerability');"
    "CREATE INDEX change_log_soa_status ON change_log(batch, entity_id, entity, field)"
    " WHERE entity = 'soa' AND field IN ('status', 'applicable');"
    /* What each incident touched (its assets, threats and risks links)
    ** and the batch that linked it, kept by triggers on record_links, so
    ** that the incidents after a risk's assessment are a join of columns.
    ** Incidents are new in this schema: there is nothing to carry over. */
    "CREATE TABLE incident_touches("
    "  incident TEXT NOT NULL,"
    "  rel      TEXT NOT NULL,"
    "  target   TEXT NOT NULL,"
    "  batch    INTEGER NOT NULL,"
    "  PRIMARY KEY (incident, rel, target)"
    ") WITHOUT ROWID;"
    "CREATE INDEX incident_touches_batch ON incident_touches(batch);"
    "CREATE TRIGGER incident_touches_link AFTER INSERT ON record_links"
    " WHEN NEW.kind = 'incident' AND NEW.rel IN ('assets', 'threats', 'risks') BEGIN"
    "  INSERT OR REPLACE INTO incident_touches(incident, rel, target, batch)"
    "   VALUES (NEW.id, NEW.rel, NEW.target, (SELECT max(id) FROM change_batches));"
    " END;"
    "CREATE TRIGGER incident_touches_unlink AFTER DELETE ON record_links"
    " WHEN OLD.kind = 'incident' BEGIN"
    "  DELETE FROM incident_touches WHERE incident = OLD.id AND rel = OLD.rel"
    "   AND target = OLD.target;"
    " END;",

    /* 10: running the ISMS (clauses 7.5, 9 and 10; issue #14): documented
    ** information and its versions, measurements of the metrics that rule
    ** files define, the audit programme, audits and their findings,
    ** nonconformities and corrective actions, management reviews, their
    ** actions and interested-party feedback. Record kinds of lua/isms/docs,
    ** measure, audit and review; links (controls, assets) go to
    ** record_links. */
    "CREATE TABLE documents("
    "  id               TEXT PRIMARY KEY,"
    "  title            TEXT NOT NULL,"
    "  type             TEXT,"
    "  version          TEXT,"
    "  status           TEXT NOT NULL DEFAULT 'draft',"
    "  author           TEXT,"
    "  approver         TEXT,"
    "  approved         TEXT,"
    "  review_months    INTEGER,"
    "  next_review      TEXT,"
    "  distribution     TEXT,"
    "  access           TEXT,"
    "  location         TEXT,"
    "  path             TEXT,"
    "  sha256           TEXT,"
    "  retention_months INTEGER,"
    "  retain_until     TEXT,"
    "  withdrawn        TEXT,"
    "  disposed         TEXT,"
    "  disposed_by      TEXT,"
    "  disposal_reason  TEXT,"
    "  fulfils          TEXT,"
    "  clauses          TEXT"
    ") WITHOUT ROWID;"
    /* docs check and the review pack read drafts, reviews due, retention
    ** ended and the mandatory items by these, not by a scan. */
    "CREATE INDEX documents_status ON documents(status, next_review);"
    "CREATE INDEX documents_fulfils ON documents(fulfils, status) WHERE fulfils IS NOT NULL;"
    "CREATE INDEX documents_retain ON documents(retain_until) WHERE retain_until IS NOT NULL;"
    "CREATE TABLE document_versions("
    "  document    TEXT NOT NULL,"
    "  version     TEXT NOT NULL,"
    "  date        TEXT NOT NULL,"
    "  author      TEXT,"
    "  reason      TEXT NOT NULL,"
    "  sha256      TEXT,"
    "  approved_by TEXT,"
    "  PRIMARY KEY (document, version)"
    ") WITHOUT ROWID;"
    "CREATE TABLE measurements("
    "  id          TEXT PRIMARY KEY,"
    "  metric      TEXT NOT NULL,"
    "  date        TEXT NOT NULL,"
    "  value       REAL,"
    "  status      TEXT NOT NULL,"
    "  method      TEXT,"
    "  recorded_by TEXT,"
    "  note        TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX measurements_metric ON measurements(metric, date);"
    "CREATE TABLE audit_programme("
    "  id               TEXT PRIMARY KEY,"
    "  title            TEXT NOT NULL,"
    "  clauses          TEXT,"
    "  frequency_months INTEGER NOT NULL,"
    "  owner            TEXT,"
    "  notes            TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE audits("
    "  id                 TEXT PRIMARY KEY,"
    "  title              TEXT NOT NULL,"
    "  programme          TEXT,"
    "  triggered_by       TEXT,"
    "  objectives         TEXT,"
    "  scope              TEXT,"
    "  criteria           TEXT,"
    "  lead               TEXT,"
    "  team               TEXT,"
    "  start_date         TEXT,"
    "  end_date           TEXT,"
    "  methods            TEXT,"
    "  reporting          TEXT,"
    "  clauses            TEXT,"
    "  auditees           TEXT,"
    "  status             TEXT NOT NULL DEFAULT 'planned',"
    "  summary            TEXT,"
    "  report_approved_by TEXT,"
    "  report_approved    TEXT,"
    "  distribution       TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX audits_start ON audits(start_date);"
    "CREATE TABLE findings("
    "  id            TEXT PRIMARY KEY,"
    "  audit         TEXT NOT NULL,"
    "  class         TEXT NOT NULL,"
    "  title         TEXT NOT NULL,"
    "  description   TEXT,"
    "  clauses       TEXT,"
    "  evidence      TEXT,"
    "  raised_by     TEXT,"
    "  raised        TEXT,"
    "  nonconformity TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX findings_audit ON findings(audit, class);"
    "CREATE INDEX findings_class ON findings(class, raised);"
    "CREATE TABLE nonconformities("
    "  id           TEXT PRIMARY KEY,"
    "  title        TEXT NOT NULL,"
    "  source       TEXT NOT NULL,"
    "  source_ref   TEXT,"
    "  description  TEXT,"
    "  raised_by    TEXT,"
    "  raised       TEXT NOT NULL,"
    "  correction   TEXT,"
    "  root_cause   TEXT,"
    "  areas        TEXT,"
    "  clauses      TEXT,"
    "  state        TEXT NOT NULL,"
    "  verified_by  TEXT,"
    "  verified     TEXT,"
    "  verification TEXT,"
    "  closed       TEXT,"
    "  closed_by    TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX nonconformities_raised ON nonconformities(raised);"
    "CREATE TABLE corrective_actions("
    "  id            TEXT PRIMARY KEY,"
    "  nonconformity TEXT NOT NULL,"
    "  title         TEXT NOT NULL,"
    "  owner         TEXT NOT NULL,"
    "  due           TEXT NOT NULL,"
    "  status        TEXT NOT NULL DEFAULT 'planned',"
    "  done          TEXT,"
    "  done_by       TEXT,"
    "  result        TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX corrective_actions_nc ON corrective_actions(nonconformity);"
    /* the action tracker lists what is open and due by these */
    "CREATE INDEX corrective_actions_due ON corrective_actions(status, due);"
    "CREATE TABLE reviews("
    "  id          TEXT PRIMARY KEY,"
    "  title       TEXT NOT NULL,"
    "  held        TEXT,"
    "  period_from TEXT,"
    "  period_to   TEXT,"
    "  chair       TEXT,"
    "  attendees   TEXT,"
    "  status      TEXT NOT NULL DEFAULT 'planned',"
    "  decisions   TEXT,"
    "  changes     TEXT,"
    "  pack        TEXT"
    ") WITHOUT ROWID;"
    "CREATE TABLE review_actions("
    "  id     TEXT PRIMARY KEY,"
    "  review TEXT NOT NULL,"
    "  title  TEXT NOT NULL,"
    "  kind   TEXT,"
    "  owner  TEXT NOT NULL,"
    "  due    TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'open',"
    "  done   TEXT,"
    "  note   TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX review_actions_review ON review_actions(review, status, due);"
    "CREATE INDEX review_actions_due ON review_actions(status, due);"
    "CREATE TABLE feedback("
    "  id            TEXT PRIMARY KEY,"
    "  party         TEXT NOT NULL,"
    "  received      TEXT NOT NULL,"
    "  kind          TEXT,"
    "  summary       TEXT NOT NULL,"
    "  response      TEXT,"
    "  nonconformity TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX feedback_received ON feedback(received);",

    /* 11: indexes for the speed goals of issues #15 and #21 (small, or
    ** empty in a register whose risks are rated and decided).
    ** Incident statistics: the counts per severity, category and month
    ** in index order (no sort; the detection date for a window), and the
    ** hours to contain and to close in order (median and 90th percentile
    ** by position, not by sorting every incident). */
    "CREATE INDEX incidents_stats ON incidents(severity, category, substr(detected, 1, 7),"
    " detected);"
    "CREATE INDEX incidents_contain ON incidents("
    " ((julianday(contained) - julianday(detected)) * 24.0), detected, contained)"
    " WHERE contained IS NOT NULL;"
    "CREATE INDEX incidents_close ON incidents("
    " ((julianday(closed) - julianday(detected)) * 24.0), detected, closed)"
    " WHERE closed IS NOT NULL;"
    /* What incidents touched, by target: `isms stale` probes the risks of
    ** an incident's threat and asset threat by threat (the probes of
    ** risks_threat stay in one part of it at a time). */
    "CREATE INDEX incident_touches_target ON incident_touches(rel, target, incident, batch);"
    /* Roadmap criteria count the risks not yet rated or levelled and the
    ** unacceptable ones not yet decided from these, not by a scan. */
    "CREATE INDEX risks_open ON risks(score, level) WHERE score IS NULL OR level IS NULL;"
    "CREATE INDEX risks_undecided ON risks(acceptable, decision)"
    " WHERE acceptable = 0 AND decision IS NULL;",
    /* 12: per-scope operation (issue #19): an audit names the ISMS scope
    ** it audits (none: every scope). Programme areas name the scopes they
    ** cover, and scope exclusions the controls they make not applicable,
    ** through record_links. */
    "ALTER TABLE audits ADD COLUMN isms_scope TEXT;"
    "CREATE INDEX audits_isms_scope"
    "  ON audits(isms_scope, programme);",

    /* 13: methods of any number of factors, and scores that read the
    ** threat (issue #16). Ratings past the fourth (r5..rN) are packed one
    ** byte each (the tier's position, 0 = not rated) in rx, so a register
    ** of 16 factors reads them in one column and the kernels still get a
    ** column per factor; a threat says which of C, I and A it affects
    ** ("C,I,A"), for per-property scores, and its own ratings on scales
    ** ("likelihood=Possible;..."), for scores that read threat.NAME.
    ** Existing risks need nothing: no rx is no further rating. */
    "ALTER TABLE risks ADD COLUMN rx BLOB;"
    " ALTER TABLE threats ADD COLUMN affects TEXT;"
    " ALTER TABLE threats ADD COLUMN ratings TEXT;",

    /* 14: the valuation index holds every asset change, not only those of
    ** c, i, a, class and value. Its readers (currency/stale.lua) still
    ** name those fields, and read them from the index (it covers field).
    ** The five-name IN list of the old WHERE cost each logged asset change
    ** a temporary table in SQLite 3.40 (a list of more than two constants
    ** is looked up in one, built anew per row inside an index's WHERE):
    ** the most of a re-valuation's time after the log rows themselves. */
    "DROP INDEX IF EXISTS change_log_valuation;"
    "CREATE INDEX change_log_valuation ON change_log(batch, entity_id, entity, field)"
    " WHERE entity = 'asset';",

    /* 15: tamper evidence (core/chain.c, docs/tamper-evidence.md). Each
    ** table's row count and the sum (mod 2^256, little-endian) of its rows'
    ** SHA-256 digests; the rows' fingerprints (the digests' first 8 bytes)
    ** in buckets, one blob per table and bucket of keys (chain.c), to name
    ** the rows that change outside isms (a rowid table: a blob of many KB
    ** fills its overflow pages, where an index b-tree's cell of a WITHOUT
    ** ROWID table would leave most of one empty); one link per write,
    ** chained by hash. The rows are hashed, and
    ** the first link written, when a register first opens at this version
    ** (chain.c, genesis). */
    "CREATE TABLE chain_tables("
    "  name TEXT PRIMARY KEY,"
    "  id   INTEGER NOT NULL UNIQUE,"
    "  rows INTEGER NOT NULL,"
    "  sum  BLOB NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE chain_rows("
    "  tbl    INTEGER NOT NULL,"
    "  bucket NOT NULL,"
    "  fps    BLOB NOT NULL,"
    "  UNIQUE (tbl, bucket)"
    ");"
    "CREATE TABLE chain_links("
    "  seq         INTEGER PRIMARY KEY,"
    "  at          TEXT NOT NULL,"
    "  first_batch INTEGER,"
    "  last_batch  INTEGER,"
    "  note        TEXT NOT NULL,"
    "  delta       BLOB NOT NULL,"
    "  state       BLOB NOT NULL,"
    "  prev        BLOB NOT NULL,"
    "  hash        BLOB NOT NULL"
    ");",

    /* 16: residual ratings of methods of any number of factors (issue
    ** #16): a treatment's expected ratings past the fourth (rr5..rrN) are
    ** packed one byte each (the tier's position) in rrx, as the risk's in
    ** rx. Existing treatments need nothing: their methods rated at most
    ** four factors, all in rr1..rr4. No DEFAULT: no row is rewritten. */
    "ALTER TABLE treatments ADD COLUMN rrx BLOB;",
    /* 17: the report's overdue and slipping tasks, the first by due date:
    ** from an index on due (entries ordered by due, then id) they are the
    ** first rows of a range, not a sort of every task. */
    "CREATE INDEX rtp_tasks_due ON rtp_tasks(due);",
    /* 18: incident statistics per asset class without a join to the
    ** assets (issue #21's goal: under 100 ms over 100,000 incidents and
    ** 1,000,000 assets). Each asset an incident touched carries the
    ** asset's class; the link trigger fills it and the library's writes of
    ** a class (valuation, import, asset set) keep it (asset_edit.c,
    ** isms__touch_classes). An asset deleted keeps the class it had. The
    ** open incidents and those that raised a nonconformity, counted for
    ** the measurement programme, are read from small indexes. */
    "ALTER TABLE incident_touches ADD COLUMN class TEXT;"
    "UPDATE incident_touches SET class = a.class FROM assets a"
    " WHERE incident_touches.rel = 'assets' AND a.id = incident_touches.target;"
    "DROP TRIGGER incident_touches_link;"
    "CREATE TRIGGER incident_touches_link AFTER INSERT ON record_links"
    " WHEN NEW.kind = 'incident' AND NEW.rel IN ('assets', 'threats', 'risks') BEGIN"
    "  INSERT OR REPLACE INTO incident_touches(incident, rel, target, batch, class)"
    "   VALUES (NEW.id, NEW.rel, NEW.target, (SELECT max(id) FROM change_batches),"
    "   CASE NEW.rel WHEN 'assets' THEN (SELECT class FROM assets WHERE id = NEW.target) END);"
    " END;"
    "CREATE INDEX incident_touches_class ON incident_touches(class, incident)"
    " WHERE rel = 'assets';"
    /* (the column of the WHERE in each makes it covering: SQLite 3.40
    ** still reads the row to test a term the partial index implies) */
    "CREATE INDEX incidents_open ON incidents(detected, closed) WHERE closed IS NULL;"
    "CREATE INDEX incidents_nonconformity ON incidents(detected, nonconformity)"
    " WHERE nonconformity IS NOT NULL;",
    /* 19: a vulnerability's own ratings on methodology scales, as a
    ** threat's (migration 13): "severity=High;...", read by scores that
    ** name vulnerability.NAME (issue #16). No DEFAULT: no row rewritten. */
    "ALTER TABLE vulnerabilities ADD COLUMN ratings TEXT;",
    /* 20: the change log's action check as comparisons. SQLite 3.40 looks
    ** a list of more than two constants up in a temporary table built anew
    ** for every row a statement inserts (EXPLAIN: OpenEphemeral), so
    ** "action IN ('create', 'update', 'delete')" cost each logged change
    ** one (issue #13: a 5,000-answer import logs 5,000). SQLite cannot
    ** change a CHECK in place: the rows go to a temporary copy and back
    ** into the table made anew under its own name (no RENAME, which would
    ** refuse the triggers of migration 9 that write to the log), then its
    ** indexes as migrations 1, 9 and 14 left them. The hash chain re-hashes
    ** the table, whose CREATE changed (chain.c, schema_moved). */
    "CREATE TEMP TABLE change_log_copy AS SELECT * FROM change_log;"
    "DROP TABLE change_log;"
    "CREATE TABLE change_log("
    "  id        INTEGER PRIMARY KEY,"
    "  batch     INTEGER NOT NULL REFERENCES change_batches(id),"
    "  entity    TEXT NOT NULL,"
    "  entity_id TEXT NOT NULL,"
    "  action    TEXT NOT NULL"
    "            CHECK (action = 'create' OR action = 'update' OR action = 'delete'),"
    "  field     TEXT,"
    "  old       TEXT,"
    "  new       TEXT"
    ");"
    "INSERT INTO change_log(id, batch, entity, entity_id, action, field, old, new)"
    "  SELECT id, batch, entity, entity_id, action, field, old, new FROM temp.change_log_copy"
    "  ORDER BY id;"
    "DROP TABLE temp.change_log_copy;"
    "CREATE INDEX change_log_entity ON change_log(entity, entity_id);"
    "CREATE INDEX change_log_valuation ON change_log(batch, entity_id, entity, field)"
    " WHERE entity = 'asset';"
    "CREATE INDEX change_log_scope ON change_log(batch, entity_id, entity, field)"
    " WHERE entity = 'asset' AND field = 'scope';"
    "CREATE INDEX change_log_catalog ON change_log(batch, entity, entity_id)"
    " WHERE entity IN ('threat', 'vulnerability');"
    "CREATE INDEX change_log_soa_status ON change_log(batch, entity_id, entity, field)"
    " WHERE entity = 'soa' AND field IN ('status', 'applicable');",
    /* 21: the report's and the RTP's task counts (issue #18): per status,
    ** and the open ones due before a day or in a window, are ranges of an
    ** index on (status, due) that holds the task ids too, not a pass over
    ** every task's row. */
    "CREATE INDEX rtp_tasks_status ON rtp_tasks(status, due);",
    /* 22: the pairs of a threat and an asset that one incident touched,
    ** and the later of the two links' batches, kept by triggers on
    ** incident_touches (issue #21). The stale trigger "asset and threat"
    ** reads them in (threat, asset) order and probes risks_threat in the
    ** same order, instead of joining each threat touch to its incident's
    ** asset touches and probing the risks in no order (0.39 s of 3M risks
    ** and 100k incidents, against 0.14 s). An incident's touches are few;
    ** a change of one re-makes its pairs. */
    "CREATE TABLE incident_pairs("
    "  threat   TEXT NOT NULL,"
    "  asset    TEXT NOT NULL,"
    "  incident TEXT NOT NULL,"
    "  batch    INTEGER NOT NULL,"
    "  PRIMARY KEY (threat, asset, incident)"
    ") WITHOUT ROWID;"
    "CREATE INDEX incident_pairs_incident ON incident_pairs(incident);"
    "INSERT INTO incident_pairs(threat, asset, incident, batch)"
    "  SELECT h.target, a.target, h.incident, max(h.batch, a.batch)"
    "  FROM incident_touches h JOIN incident_touches a"
    "    ON a.incident = h.incident AND a.rel = 'assets'"
    "  WHERE h.rel = 'threats' ORDER BY 1, 2, 3;"
    "CREATE TRIGGER incident_pairs_threat AFTER INSERT ON incident_touches"
    " WHEN NEW.rel = 'threats' BEGIN"
    "  INSERT OR REPLACE INTO incident_pairs(threat, asset, incident, batch)"
    "   SELECT NEW.target, a.target, NEW.incident, max(NEW.batch, a.batch)"
    "   FROM incident_touches a WHERE a.incident = NEW.incident AND a.rel = 'assets';"
    " END;"
    "CREATE TRIGGER incident_pairs_asset AFTER INSERT ON incident_touches"
    " WHEN NEW.rel = 'assets' BEGIN"
    "  INSERT OR REPLACE INTO incident_pairs(threat, asset, incident, batch)"
    "   SELECT h.target, NEW.target, NEW.incident, max(NEW.batch, h.batch)"
    "   FROM incident_touches h WHERE h.incident = NEW.incident AND h.rel = 'threats';"
    " END;"
    "CREATE TRIGGER incident_pairs_unlink AFTER DELETE ON incident_touches"
    " WHEN OLD.rel = 'threats' OR OLD.rel = 'assets' BEGIN"
    "  DELETE FROM incident_pairs WHERE incident = OLD.incident"
    "   AND CASE OLD.rel WHEN 'threats' THEN threat ELSE asset END = OLD.target;"
    " END;"
    "CREATE TRIGGER incident_pairs_change AFTER UPDATE OF incident, rel, target, batch"
    " ON incident_touches BEGIN"
    "  DELETE FROM incident_pairs WHERE incident = OLD.incident OR incident = NEW.incident;"
    "  INSERT OR REPLACE INTO incident_pairs(threat, asset, incident, batch)"
    "   SELECT h.target, a.target, h.incident, max(h.batch, a.batch)"
    "   FROM incident_touches h JOIN incident_touches a"
    "     ON a.incident = h.incident AND a.rel = 'assets'"
    "   WHERE h.rel = 'threats' AND (h.incident = OLD.incident OR h.incident = NEW.incident);"
    " END;",
    /* 23: change sets (issue #18): a bulk write's field changes as one row,
    ** a line per changed field (core/change_set.c), where change_log would
    ** take a row per field: a re-valuation of every asset logs its moves in
    ** one row instead of two million. Readers see both through the view
    ** change_entries, which each connection makes (isms__change_entries). */
    "CREATE TABLE change_sets("
    "  id      INTEGER PRIMARY KEY,"
    "  batch   INTEGER NOT NULL REFERENCES change_batches(id),"
    "  entity  TEXT NOT NULL,"
    "  changes TEXT NOT NULL,"
    "  UNIQUE (batch, entity)"
    ");",
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

ISMS_API int isms_schema_version_supported(void) { return MIGRATION_COUNT; }

static int read_version(isms_db *db, int *out) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading schema version");
  int rc = sqlite3_step(st);
  *out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? ISMS_OK : isms__fail_sql(db, "reading schema version");
}

ISMS_API int isms_schema_version(isms_db *db, int *out) {
  if (!db || !out) return ISMS_MISUSE;
  isms__clear_error(db);
  return read_version(db, out);
}

int isms__migrate(isms_db *db) {
  int version;
  int rc = read_version(db, &version);
  if (rc) return rc;
  if (version > MIGRATION_COUNT)
    return isms__fail(db, ISMS_SCHEMA,
                      "register schema version %d is newer than this isms supports (%d); "
                      "upgrade isms",
                      version, MIGRATION_COUNT);
  /* The hash chain follows every migration after its own (chain.c). */
  if ((rc = isms__chain_start(db))) return rc;
  while (version < MIGRATION_COUNT) {
    if ((rc = isms__begin(db))) return rc;
    /* Another process may have migrated while this one waited for the
    ** lock: read the version again under it. */
    if ((rc = read_version(db, &version))) {
      isms__rollback(db);
      return rc;
    }
    if (version >= MIGRATION_COUNT) {
      isms__rollback(db);
      break;
    }
    if (sqlite3_exec(db->sql, migrations[version], NULL, NULL, NULL) != SQLITE_OK) {
      rc = isms__fail(db, ISMS_SCHEMA, "migration to schema version %d failed: %s",
                      version + 1, sqlite3_errmsg(db->sql));
      isms__rollback(db);
      return rc;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version + 1);
    if ((rc = isms__exec(db, sql)) || (rc = isms__commit(db))) {
      isms__rollback(db);
      return rc;
    }
    version++;
    if ((rc = isms__chain_start(db))) return rc;
  }
  return ISMS_OK;
}
