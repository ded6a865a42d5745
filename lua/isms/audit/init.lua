--- Internal audit (ISO/IEC 27001 9.2; guideline section 8): the audit
-- programme (areas -- requirements and controls -- and how often each is
-- audited, weighted by the risks its controls treat), audits planned as
-- the guideline's a-g (objectives, scope, criteria, team, schedule,
-- methods, reporting), a checklist from the requirement catalogs and the
-- SoA, an independence check (no auditor audits what they own), findings
-- classed major / minor nonconformity, opportunity for improvement or
-- observation, and the audit report with its approval and distribution.
-- Nonconformities and corrective actions: isms.audit.nonconformity.
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local dates = require "isms.docs.dates"
local docs = require "isms.docs"
local nonconformity = require "isms.audit.nonconformity"
local workflow = require "isms.audit.workflow"
local scope = require "isms.context.scope"
local scope_view = require "isms.context.scope_view"

local M = {}

M.nonconformity = nonconformity
M.workflow = workflow
M.CLASSES = { "major", "minor", "ofi", "observation" }
M.CLASS_TITLES = { major = "major nonconformity", minor = "minor nonconformity",
                   ofi = "opportunity for improvement", observation = "observation" }
M.TRIGGERS = { "plan", "incident", "asset_change", "interested_party", "certification", "other" }
M.STATUSES = { "planned", "in_progress", "reported", "closed" }

local function before(a, b) return a and b and a < b end
local function person(s) return s and (s:lower():gsub("^%s+", ""):gsub("%s+$", "")) or nil end

-- ------------------------------------------------------------ kinds

M.area_kind = kind.define {
  kind = "audit_area", plural = "audit_areas", noun = "audit-programme", table = "audit_programme",
  key = "id", id_prefix = "AP-", title = "The audit programme: areas and how often they are audited",
  list_columns = { "id", "title", "frequency_months", "owner" },
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    docs.requirements_field("requirements the area covers"),
    { name = "controls", type = "links", to = "control" },
    { name = "frequency_months", type = "int", min = 1, max = 60, required = true },
    { name = "owner", type = "text", help = "who owns the area (no one audits their own)" },
    { name = "notes", type = "text" },
    { name = "scopes", type = "links", to = "scope",
      help = "the ISMS scopes the area is audited in (none: every scope)" },
  },
  -- The programme covers every scope: a scope no area is audited in.
  check = function(reg, rows, problem)
    local every = false
    local covered = {}
    for _, area in ipairs(rows) do
      if #area.scopes == 0 then every = true end
      for _, s in ipairs(area.scopes) do covered[s] = true end
    end
    if every then return end
    for row in reg:query("SELECT id FROM scopes ORDER BY id") do
      if not covered[row.id] then
        problem(row.id, "scopes", ("no area of the audit programme covers scope %s"):format(row.id))
      end
    end
  end,
}

-- Why an audit does not fit its ISMS scope: its programme area is not
-- audited in that scope, or an asset it names is outside the scope.
-- Returns the reason and the field, or nil.
local function scope_problem(reg, row)
  if not row.isms_scope then return nil end
  if row.programme then
    local area = reg:records("audit_area"):get(row.programme)
    if area and #area.scopes > 0 then
      local covers = false
      for _, s in ipairs(area.scopes) do covers = covers or s == row.isms_scope end
      if not covers then
        return ("programme area %s is audited in %s, not in %s"):format(area.id,
          table.concat(area.scopes, ", "), row.isms_scope), "isms_scope"
      end
    end
  end
  for _, a in ipairs(row.assets or {}) do
    if not scope.contains(reg, a, row.isms_scope) then
      return ("asset %s is not in scope %s"):format(a, row.isms_scope), "assets"
    end
  end
  return nil
end

M.audit_kind = kind.define {
  kind = "audit", plural = "audits", table = "audits", key = "id", id_prefix = "AUD-",
  title = "Internal audits (ISO/IEC 27001 9.2)",
  list_columns = { "id", "title", "start_date", "end_date", "lead", "status" },
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    { name = "programme", type = "ref", to = "audit_area", help = "the programme area it audits" },
    { name = "isms_scope", type = "ref", to = "scope",
      help = "the ISMS scope audited (none: every scope)" },
    { name = "triggered_by", type = "enum", values = M.TRIGGERS, default = "plan" },
    { name = "objectives", type = "text", help = "a: what the audit is to establish" },
    { name = "scope", type = "text", help = "b: the areas, sites and processes" },
    { name = "criteria", type = "text", help = "c: the standard, policies, procedures" },
    { name = "lead", type = "text", help = "d: the lead auditor" },
    { name = "team", type = "list", help = "d: the audit team" },
    { name = "start_date", type = "date", help = "e: schedule" },
    { name = "end_date", type = "date", help = "e: schedule" },
    { name = "methods", type = "text", help = "f: interviews, sampling, observation" },
    { name = "reporting", type = "text", help = "g: to whom and how results are reported" },
    docs.requirements_field("requirements audited (refs of the register's framework)"),
    { name = "controls", type = "links", to = "control", help = "controls audited" },
    { name = "assets", type = "links", to = "asset", help = "assets in scope" },
    { name = "auditees", type = "list", help = "people and areas audited" },
    { name = "status", type = "enum", values = M.STATUSES, default = "planned" },
    { name = "summary", type = "text", help = "the conclusion of the report" },
    { name = "report_approved_by", type = "text" },
    { name = "report_approved", type = "date" },
    { name = "distribution", type = "list", help = "who receives the report" },
  },
  validate = function(row, old, reg)
    -- Checked when the audit's scope, area or assets change, not on every
    -- later edit: a scope may change after it was audited.
    if not old or old.isms_scope ~= row.isms_scope or old.programme ~= row.programme
        or table.concat(old.assets or {}, ";") ~= table.concat(row.assets or {}, ";") then
      local why, field = scope_problem(reg, row)
      if why then return why, field end
    end
    if before(row.end_date, row.start_date) then
      return ("%s is before the start, %s"):format(row.end_date, row.start_date), "end_date"
    end
    if before(row.report_approved, row.end_date or row.start_date) then
      return ("%s is before the audit ended (%s)"):format(row.report_approved,
                                                        row.end_date or row.start_date), "report_approved"
    end
    if (row.report_approved_by == nil) ~= (row.report_approved == nil) then
      return "an approval names who approved the report and when", "report_approved"
    end
    if (row.status == "reported" or row.status == "closed") and not (row.start_date and row.end_date) then
      return "a reported audit has its start and end dates", "status"
    end
    if row.status == "closed" and not row.report_approved then
      return "an audit closes once its report is approved (report_approved_by, report_approved)",
        "status"
    end
  end,
  -- Audits that no longer fit their scope (the scope or the area changed).
  check = function(reg, rows, problem)
    for _, r in ipairs(rows) do
      local why, field = scope_problem(reg, r)
      if why then problem(r.id, field, why) end
    end
  end,
}

M.finding_kind = kind.define {
  kind = "finding", plural = "findings", table = "findings", key = "id", id_prefix = "FND-",
  title = "Audit findings: nonconformities, opportunities for improvement, observations",
  list_columns = { "id", "audit", "class", "title", "nonconformity" },
  fields = {
    { name = "id", type = "id" },
    { name = "audit", type = "ref", to = "audit", required = true },
    { name = "class", type = "enum", values = M.CLASSES, required = true,
      help = "major, minor (nonconformities), ofi, observation" },
    { name = "title", type = "text", required = true },
    { name = "description", type = "text" },
    docs.requirements_field("requirements concerned"),
    { name = "controls", type = "links", to = "control" },
    { name = "assets", type = "links", to = "asset" },
    { name = "evidence", type = "text" },
    { name = "raised_by", type = "text" },
    { name = "raised", type = "date" },
    { name = "nonconformity", type = "ref", to = "nonconformity" },
  },
  validate = function(row, _, reg)
    local a = reg:records("audit"):get(row.audit)
    if a and before(row.raised, a.start_date) then
      return ("%s is before audit %s started (%s)"):format(row.raised, a.id, a.start_date), "raised"
    end
    if row.nonconformity and row.class ~= "major" and row.class ~= "minor" then
      return ("an %s is not a nonconformity"):format(M.CLASS_TITLES[row.class]), "nonconformity"
    end
  end,
  check = function(_, rows, problem)
    for _, r in ipairs(rows) do
      if (r.class == "major" or r.class == "minor") and not r.nonconformity then
        problem(r.id, "nonconformity", ("a %s without a nonconformity record (isms findings "
                .. "raise %s)"):format(M.CLASS_TITLES[r.class], r.id))
      end
    end
  end,
}

-- ------------------------------------------------------------ programme

local function list_of(text)
  local out = {}
  for item in (text or ""):gmatch("[^;]+") do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" then out[#out + 1] = item end
  end
  return out
end

local function placeholders(n, first)
  local p = {}
  for k = 1, n do p[k] = "?" .. (first + k - 1) end
  return table.concat(p, ", ")
end

-- Risks treated by any of the controls: how many, how many unacceptable,
-- the highest level rank; of the risks of one scope's assets with `with`
-- (scope_view.condition: the WITH clause, the condition on `assets a`
-- and its parameters).
local function risk_weight(reg, controls, with, cond, params)
  if #controls == 0 then return { risks = 0, unacceptable = 0, top = nil } end
  local np = params and #params or 0
  local sql = ("SELECT count(DISTINCT c.risk) AS n, count(DISTINCT CASE WHEN r.acceptable = 0 "
    .. "THEN c.risk END) AS u, max(r.level_rank) AS top FROM treatment_controls c JOIN risks r "
    .. "ON r.ref = c.risk WHERE c.control IN (%s)"):format(placeholders(#controls, np + 1))
  local args = {}
  for k = 1, np do args[k] = params[k] end
  for _, c in ipairs(controls) do args[#args + 1] = c end
  if with then
    sql = with .. "\n" .. sql:gsub(" WHERE ", " JOIN assets a ON a.id = r.asset WHERE ", 1)
      .. " AND " .. cond
  end
  local row = docs.first_row(reg, sql, unpack(args))
  return { risks = tonumber(row.n) or 0, unacceptable = tonumber(row.u) or 0,
           top = tonumber(row.top) }
end

local function covers(area, id)
  if #area.scopes == 0 then return true end
  for _, s in ipairs(area.scopes) do if s == id then return true end end
  return false
end

--- The audit programme as it stands: each area with its risk weight,
-- its interval (halved, at least 3 months, where its controls treat
-- unacceptable risks), the last audit of it and when the next is due;
-- most overdue first, then by weight. opts: { today, scope }: with a
-- scope, the areas audited in that scope, weighed by the scope's risks,
-- and the audits of that scope (and those of every scope).
-- Returns the rows, or nil, message, "NOTFOUND" for an unknown scope.
function M.programme(reg, opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local with, cond, params
  if opts.scope then
    with, cond, params = scope_view.condition(reg, opts.scope)
    if not with then return nil, cond, params end
  end
  local which = opts.scope and " AND (isms_scope = ?2 OR isms_scope IS NULL)" or ""
  local of_scope = { opts.scope }
  local out = {}
  for _, area in ipairs(reg:records("audit_area"):list()) do
    if not opts.scope or covers(area, opts.scope) then
      local w = risk_weight(reg, area.controls, with, cond, params)
      local interval = area.frequency_months
      if w.unacceptable > 0 then interval = math.max(3, math.ceil(interval / 2)) end
      local last
      for row in reg:query("SELECT max(coalesce(end_date, start_date)) AS d FROM audits WHERE "
          .. "programme = ?1 AND status IN ('reported', 'closed')" .. which,
          area.id, unpack(of_scope)) do
        last = row.d
      end
      local planned
      for row in reg:query("SELECT min(start_date) AS d FROM audits WHERE programme = ?1 AND "
          .. "status IN ('planned', 'in_progress')" .. which, area.id, unpack(of_scope)) do
        planned = row.d
      end
      local due = last and dates.add_months(last, interval) or today
      out[#out + 1] = { id = area.id, title = area.title, owner = area.owner, scope = opts.scope,
                        frequency_months = area.frequency_months, interval_months = interval,
                        risks = w.risks, unacceptable = w.unacceptable, top_rank = w.top,
                        last = last, due = due, overdue = due <= today and not planned,
                        planned = planned, controls = area.controls,
                        requirements = area.requirements, scopes = area.scopes }
    end
  end
  table.sort(out, function(a, b)
    if a.due ~= b.due then return a.due < b.due end
    if a.unacceptable ~= b.unacceptable then return a.unacceptable > b.unacceptable end
    return a.id < b.id
  end)
  return out
end

--- The programme across the ISMS scopes (9.2: the programme covers every
-- scope): for each scope, each area audited in it with its last audit in
-- that scope and when the next is due; a scope no area covers has one
-- row with no area. opts: { today }. Returns { rows = { { scope, title,
-- area, area_title, interval_months, risks, unacceptable, last, due,
-- overdue, planned } }, uncovered = { scope ids } }.
function M.coverage(reg, opts)
  opts = opts or {}
  local rows, uncovered = {}, {}
  for _, s in ipairs(reg:records("scope"):list()) do
    local areas = assert(M.programme(reg, { today = opts.today, scope = s.id }))
    if #areas == 0 then
      uncovered[#uncovered + 1] = s.id
      rows[#rows + 1] = { scope = s.id, title = s.title }
    end
    for _, a in ipairs(areas) do
      rows[#rows + 1] = { scope = s.id, title = s.title, area = a.id, area_title = a.title,
                          interval_months = a.interval_months, risks = a.risks,
                          unacceptable = a.unacceptable, last = a.last, due = a.due,
                          overdue = a.overdue, planned = a.planned }
    end
  end
  return { rows = rows, uncovered = uncovered }
end

--- The audits of one scope (bound to it, or to every scope), by start
-- date: audit rows as reg:records("audit"):list() gives them.
function M.of_scope(reg, id)
  local out = {}
  for _, a in ipairs(reg:records("audit"):list()) do
    if a.isms_scope == nil or a.isms_scope == id then out[#out + 1] = a end
  end
  table.sort(out, function(x, y)
    if (x.start_date or "") ~= (y.start_date or "") then
      return (x.start_date or "") < (y.start_date or "")
    end
    return x.id < y.id
  end)
  return out
end

-- ------------------------------------------------------------ independence

--- Who owns what an audit covers: the programme area's owner, the
-- auditees, the SoA owners of its controls, the owners of its assets and
-- of the risks its controls treat. Returns { { who, what } }.
local function owners_in_scope(reg, a)
  local owned = {}
  local function add(who, what)
    for _, w in ipairs(list_of(who)) do owned[#owned + 1] = { who = w, what = what } end
  end
  if a.programme then
    local area = reg:records("audit_area"):get(a.programme)
    if area and area.owner then add(area.owner, "programme area " .. area.id) end
  end
  for _, who in ipairs(a.auditees) do add(who, "auditee") end
  if #a.controls > 0 then
    local sql = ("SELECT control, owner FROM soa WHERE owner IS NOT NULL AND control IN (%s)")
      :format(placeholders(#a.controls, 1))
    for row in reg:query(sql, unpack(a.controls)) do add(row.owner, "control " .. row.control) end
    sql = ("SELECT DISTINCT r.ref, r.owners FROM treatment_controls c JOIN risks r ON r.ref = "
      .. "c.risk WHERE r.owners IS NOT NULL AND c.control IN (%s)"):format(
      placeholders(#a.controls, 1))
    for row in reg:query(sql, unpack(a.controls)) do add(row.owners, "risk " .. row.ref) end
  end
  if #a.assets > 0 then
    local sql = ("SELECT id, owner, custodian FROM asset_view WHERE id IN (%s)"):format(
      placeholders(#a.assets, 1))
    for row in reg:query(sql, unpack(a.assets)) do
      if row.owner then add(row.owner, "asset " .. row.id) end
    end
  end
  return owned
end

--- The independence check of an audit (9.2: auditors do not audit their
-- own work): every member of the team (and the lead) who owns something
-- the audit covers. Returns { team = {...}, conflicts = { { auditor,
-- owns } } } or nil, message, code.
function M.independence(reg, id)
  local a = reg:records("audit"):get(id)
  if not a then return nil, ("no audit '%s' in the register"):format(tostring(id)), "NOTFOUND" end
  local team, seen = {}, {}
  for _, who in ipairs(a.lead and { a.lead } or {}) do team[#team + 1] = who; seen[person(who)] = true end
  for _, who in ipairs(a.team) do
    if not seen[person(who)] then team[#team + 1] = who; seen[person(who)] = true end
  end
  local conflicts = {}
  if #team > 0 then
    local members = {}
    for _, who in ipairs(team) do members[person(who)] = who end
    for _, o in ipairs(owners_in_scope(reg, a)) do
      local auditor = members[person(o.who)]
      if auditor then conflicts[#conflicts + 1] = { auditor = auditor, owns = o.what } end
    end
  end
  return { audit = a.id, team = team, conflicts = conflicts }
end

-- ------------------------------------------------------------ checklist

--- The checklist of an audit: one line per requirement it covers (its
-- title and text from the requirement catalog, the documents and findings
-- that link to it) and per control (the SoA entry, the documents that
-- evidence it, findings so far). Without controls given, every applicable
-- control of the SoA is on it.
-- @treturn table|nil { audit, items = { { ref, kind, title, question,
--   soa, evidence, findings } } }, or nil, message, code
function M.checklist(reg, id)
  local a = reg:records("audit"):get(id)
  if not a then return nil, ("no audit '%s' in the register"):format(tostring(id)), "NOTFOUND" end
  local items = {}
  local fw = docs.default_framework(reg)
  local requirements = reg:records("requirement")
  local function linked(rel_kind, table_name, target, extra)
    local out = {}
    for row in reg:query(("SELECT l.id FROM record_links l JOIN %s x ON x.id = l.id WHERE l.kind = "
        .. "'%s' AND l.rel = ?1 AND l.target = ?2%s ORDER BY l.id LIMIT 20"):format(table_name,
        rel_kind, extra or ""), "requirements", target, a.id) do
      out[#out + 1] = row.id
    end
    return table.concat(out, ", ")
  end
  for _, r in ipairs(a.requirements) do
    local req = requirements:get(r)
    items[#items + 1] = {
      ref = docs.short_ref(reg, r, fw), kind = "requirement", title = req and req.title or "",
      question = req and req.text
        or ("Is %s met, and is it evidenced?"):format(docs.short_ref(reg, r, fw)),
      evidence = linked("document", "documents", r, " AND x.status = 'approved'"),
      findings = linked("finding", "findings", r, " AND x.audit = ?3") }
  end
  local cat = reg:soa_catalog()
  local soa = {}
  for row in reg:rows("soa") do soa[row.control] = row end
  -- An audit of one scope reads that scope's SoA.
  local scoped
  if a.isms_scope then
    local ssoa = scope_view.soa(reg, a.isms_scope, { linked = 0, assets = false })
    if ssoa then
      scoped = {}
      for _, e in ipairs(ssoa.entries) do scoped[e.control] = e end
    end
  end
  local controls = a.controls
  if #controls == 0 then
    controls = {}
    for _, c in ipairs(cat and cat.controls or {}) do
      local s = soa[c.id]
      if scoped then
        if scoped[c.id].applicable then controls[#controls + 1] = c.id end
      elseif s and s.applicable == "1" then controls[#controls + 1] = c.id end
    end
  end
  for _, c in ipairs(controls) do
    local s = soa[c]
    local ev, found = {}, {}
    for row in reg:query("SELECT l.id FROM record_links l JOIN documents d ON d.id = l.id WHERE "
        .. "l.kind = 'document' AND l.rel = 'controls' AND l.target = ?1 AND d.status = 'approved' "
        .. "ORDER BY l.id LIMIT 20", c) do
      ev[#ev + 1] = row.id
    end
    for row in reg:query("SELECT l.id FROM record_links l JOIN findings f ON f.id = l.id WHERE "
        .. "l.kind = 'finding' AND l.rel = 'controls' AND l.target = ?1 AND f.audit = ?2 "
        .. "ORDER BY l.id", c, a.id) do
      found[#found + 1] = row.id
    end
    local soa_text = "not in the SoA"
    local e = scoped and scoped[c]
    if e and e.applicable ~= nil then
      soa_text = e.applicable and ("applicable in %s, %s"):format(a.isms_scope,
          e.status or "status not set")
        or ("excluded from %s: %s"):format(a.isms_scope, e.justification or "")
    elseif s then
      soa_text = s.applicable == "1" and ("applicable, " .. (s.status or "status not set"))
        or "excluded: " .. (s.justification or "")
    end
    items[#items + 1] = { ref = c, kind = "control",
                          title = cat and cat.by_id[c] and cat.by_id[c].title or "",
                          question = "Is the control implemented and operating as the SoA states?",
                          soa = soa_text, evidence = table.concat(ev, ", "),
                          findings = table.concat(found, ", ") }
  end
  return { audit = a, items = items }
end

-- ------------------------------------------------------------ report

local function join(list) return list and #list > 0 and table.concat(list, ", ") or nil end

--- The audit report as a report model (isms.report; docs/report-model.md):
-- the plan a-g, the findings by class, each nonconformity's state, the
-- independence check, the checklist, approval and distribution.
-- opts: { today, register }.
function M.report_model(reg, id, opts)
  opts = opts or {}
  local ck, err, code = M.checklist(reg, id)
  if not ck then return nil, err, code end
  local a = ck.audit
  local fw = docs.default_framework(reg)
  local function short(list)
    local out = {}
    for k, r in ipairs(list or {}) do out[k] = docs.short_ref(reg, r, fw) end
    return out
  end
  local ind = M.independence(reg, id)
  local findings = reg:records("finding"):list({ audit = a.id })
  local counts = { major = 0, minor = 0, ofi = 0, observation = 0 }
  local nc_state = {}
  for row in reg:query("SELECT n.id, n.state FROM nonconformities n JOIN findings f ON "
                       .. "f.nonconformity = n.id WHERE f.audit = ?1", a.id) do
    nc_state[row.id] = row.state
  end
  local rows = {}
  for _, f in ipairs(findings) do
    counts[f.class] = counts[f.class] + 1
    rows[#rows + 1] = { id = f.id, class = M.CLASS_TITLES[f.class], title = f.title,
                        requirements = join(short(f.requirements)), controls = join(f.controls),
                        nonconformity = f.nonconformity and (f.nonconformity .. " ("
                          .. (nc_state[f.nonconformity] or "?") .. ")") or nil,
                        evidence = f.evidence }
  end
  local conflicts = {}
  for _, c in ipairs(ind.conflicts) do conflicts[#conflicts + 1] = { auditor = c.auditor, owns = c.owns } end
  local checklist = {}
  for _, it in ipairs(ck.items) do
    checklist[#checklist + 1] = { ref = it.ref, title = it.title, soa = it.soa,
                                  evidence = it.evidence, findings = it.findings }
  end
  local schedule = a.start_date and (a.start_date .. (a.end_date and (" to " .. a.end_date) or ""))
  return {
    title = ("Internal audit report %s: %s"):format(a.id, a.title),
    subtitle = "ISO/IEC 27001 9.2",
    generated_at = records.today(opts.today),
    register = opts.register,
    sections = {
      { id = "plan", title = "Audit plan", kind = "facts", facts = {
        { label = "ISMS scope", value = a.isms_scope or "every scope" },
        { label = "Triggered by", value = a.triggered_by },
        { label = "a. Objectives", value = a.objectives },
        { label = "b. Scope", value = a.scope },
        { label = "c. Criteria", value = a.criteria },
        { label = "d. Team", value = join(ind.team) },
        { label = "e. Schedule", value = schedule },
        { label = "f. Methods", value = a.methods },
        { label = "g. Reporting", value = a.reporting },
        { label = "Requirements", value = join(short(a.requirements)) },
        { label = "Controls", value = join(a.controls) },
        { label = "Status", value = a.status },
      } },
      { id = "summary", title = "Summary", kind = "facts", facts = {
        { label = "Conclusion", value = a.summary },
        { label = "Major nonconformities", value = counts.major },
        { label = "Minor nonconformities", value = counts.minor },
        { label = "Opportunities for improvement", value = counts.ofi },
        { label = "Observations", value = counts.observation },
      } },
      { id = "findings", title = "Findings", kind = "table", columns = {
          { key = "id", title = "Finding" }, { key = "class", title = "Class" },
          { key = "title", title = "Title" }, { key = "requirements", title = "Requirements" },
          { key = "controls", title = "Controls" },
          { key = "nonconformity", title = "Nonconformity (state)" },
          { key = "evidence", title = "Evidence" } },
        rows = rows, total = #rows },
      { id = "independence", title = "Independence of the auditors", kind = "table",
        columns = { { key = "auditor", title = "Auditor" }, { key = "owns", title = "Owns" } },
        rows = conflicts, total = #conflicts,
        note = #ind.team == 0 and "no audit team is recorded"
          or #conflicts == 0 and "no auditor owns anything this audit covers" or nil,
        problems = #conflicts > 0 and { ("%d conflict(s): an auditor audits an area they own")
          :format(#conflicts) } or nil },
      { id = "checklist", title = "Checklist", kind = "table", columns = {
          { key = "ref", title = "Requirement / control" }, { key = "title", title = "Title" },
          { key = "soa", title = "SoA" }, { key = "evidence", title = "Evidence" },
          { key = "findings", title = "Findings" } },
        rows = checklist, total = #checklist },
      { id = "approval", title = "Approval and distribution", kind = "facts", facts = {
        { label = "Approved by", value = a.report_approved_by or "not approved yet" },
        { label = "Approved on", value = a.report_approved },
        { label = "Distribution", value = join(a.distribution) },
      } },
    },
  }
end

return M
