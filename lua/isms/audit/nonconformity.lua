--- Nonconformities and corrective action (ISO/IEC 27001:2022 10.2,
-- 2013 10.1; guideline section 8): what was found and where it came from,
-- the correction, the root cause, the areas affected, corrective actions
-- with owners and due dates, and the verification of their effectiveness.
-- The lifecycle is a workflow rule file (isms.audit.workflow; default
-- rules/workflows/nonconformity.lua) enforced on every write: a change of
-- state it does not allow, or whose conditions are not met -- closing
-- without verification, verification by a person who did an action -- is
-- refused with the reason, and nothing is written.
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local actions = require "isms.actions"
local action_sql = require "isms.actions.sql"
local dates = require "isms.docs.dates"
local docs = require "isms.docs"
local workflow = require "isms.audit.workflow"

local M = {}

M.SOURCES = { "audit", "incident", "review", "measurement", "complaint", "other" }
M.ACTION_STATUSES = { "planned", "in_progress", "done", "cancelled" }
M.SETTING = "workflow.nonconformity"
M.DEFAULT_WORKFLOW = "nonconformity"

--- The workflow the register's nonconformities follow.
function M.workflow(reg)
  return workflow.load(reg:setting(M.SETTING) or M.DEFAULT_WORKFLOW)
end

local function person(s) return s and s:lower():gsub("^%s+", ""):gsub("%s+$", "") or nil end

-- The corrective actions of a nonconformity (stored texts).
local function actions_of(reg, id)
  local list = {}
  for row in reg:query("SELECT id, owner, status, done_by FROM corrective_actions WHERE "
                       .. "nonconformity = ?1 ORDER BY id", id) do
    list[#list + 1] = row
  end
  return list
end

-- Why a transition's conditions are not met by row (nil when they are).
local function unmet(reg, t, row)
  local missing = {}
  for _, f in ipairs(t.requires or {}) do
    local v = row[f]
    if v == nil or v == "" or (type(v) == "table" and #v == 0) then missing[#missing + 1] = f end
  end
  if #missing > 0 then
    return ("moving to %s (%s) needs %s"):format(t.to, t.id, table.concat(missing, ", ")),
      missing[1]
  end
  local list = actions_of(reg, row.id)
  if t.actions == "some" then
    local live = 0
    for _, a in ipairs(list) do if a.status ~= "cancelled" then live = live + 1 end end
    if live == 0 then
      return ("moving to %s (%s) needs at least one corrective action planned "
              .. "(isms corrective-actions add nonconformity=%s ...)"):format(t.to, t.id, row.id),
        "state"
    end
  elseif t.actions == "all_done" then
    local open, done = {}, 0
    for _, a in ipairs(list) do
      if a.status == "done" then done = done + 1
      elseif a.status ~= "cancelled" then open[#open + 1] = a.id end
    end
    if #open > 0 then
      return ("moving to %s (%s) needs every corrective action done; still open: %s"):format(
        t.to, t.id, table.concat(open, ", ")), "state"
    end
    if done == 0 then
      return ("moving to %s (%s) needs at least one corrective action done"):format(t.to, t.id),
        "state"
    end
  end
  if t.independent then
    local who = person(row[t.independent])
    for _, a in ipairs(list) do
      if a.status ~= "cancelled" and (person(a.done_by) == who or person(a.owner) == who) then
        return ("%s did corrective action %s of %s (owner or done_by): effectiveness is verified "
                .. "by someone else"):format(row[t.independent], a.id, row.id), t.independent
      end
    end
  end
end

local function validate(row, old, reg)
  local wf, err = M.workflow(reg)
  if not wf then return "the nonconformity workflow does not load: " .. err, "state" end
  if not wf.state[row.state] then
    local _, why = workflow.transition(wf, wf.initial, row.state)
    return why, "state"
  end
  if not old and row.state ~= wf.initial then
    return ("a nonconformity starts in state %s and moves on by the workflow's transitions"):format(
      wf.initial), "state"
  end
  if old and old.state ~= row.state then
    local t, why = workflow.transition(wf, old.state, row.state)
    if not t then return why, "state" end
    local reason, field = unmet(reg, t, row)
    if reason then return reason, field end
  end
  for _, f in ipairs { "verified", "closed" } do
    if row[f] and row[f] < row.raised then
      return ("%s is before the nonconformity was raised (%s)"):format(row[f], row.raised), f
    end
  end
  if row.closed and row.verified and row.closed < row.verified then
    return ("%s is before the verification on %s"):format(row.closed, row.verified), "closed"
  end
  if row.source == "audit" and row.source_ref and not kind.exists(reg, "finding", row.source_ref)
     and not kind.exists(reg, "audit", row.source_ref) then
    return ("no finding or audit '%s' in the register"):format(row.source_ref), "source_ref"
  end
end

M.kind = kind.define {
  kind = "nonconformity", plural = "nonconformities", table = "nonconformities", key = "id",
  id_prefix = "NC-", title = "Nonconformities (ISO/IEC 27001 10.2)",
  list_columns = { "id", "title", "source", "raised", "state" },
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    { name = "source", type = "enum", values = M.SOURCES, required = true },
    { name = "source_ref", type = "text", help = "the finding, incident, review, ... it came from" },
    { name = "description", type = "text" },
    { name = "raised_by", type = "text", required = true },
    { name = "raised", type = "date", required = true },
    { name = "correction", type = "text", help = "what was done at once to contain it" },
    { name = "root_cause", type = "text" },
    { name = "areas", type = "list", help = "areas affected" },
    docs.requirements_field("requirements not met"),
    { name = "controls", type = "links", to = "control" },
    { name = "state", type = "text", help = "by the workflow (isms nonconformities workflow)" },
    { name = "verified_by", type = "text" },
    { name = "verified", type = "date" },
    { name = "verification", type = "text", help = "evidence the actions were effective" },
    { name = "closed", type = "date" },
    { name = "closed_by", type = "text" },
  },
  derive = function(row, old, reg)
    if not old and not row.state then
      local wf = M.workflow(reg)
      if wf then return { state = wf.initial } end
    end
  end,
  validate = validate,
  check = function(reg, rows, problem)
    local wf = M.workflow(reg)
    for _, r in ipairs(rows) do
      if wf and not wf.state[r.state] then
        problem(r.id, "state", ("'%s' is not a state of the %s workflow"):format(r.state, wf.name))
      end
    end
  end,
}

local function action_validate(row, old, reg)
  local nc = reg:records("nonconformity"):get(row.nonconformity)
  if nc then
    local wf = M.workflow(reg)
    if not old and wf and wf.state[nc.state] and wf.state[nc.state].final then
      return ("nonconformity %s is %s: raise a new one"):format(nc.id, nc.state), "nonconformity"
    end
    if row.due < nc.raised then
      return ("%s is before the nonconformity was raised (%s)"):format(row.due, nc.raised), "due"
    end
    if row.done and row.done < nc.raised then
      return ("%s is before the nonconformity was raised (%s)"):format(row.done, nc.raised), "done"
    end
  end
  if row.status == "done" and not row.done then return "a done action has its date", "done" end
end

M.action_kind = kind.define {
  kind = "corrective_action", plural = "corrective_actions", noun = "corrective-actions",
  table = "corrective_actions", key = "id", id_prefix = "CA-",
  title = "Corrective actions (ISO/IEC 27001 10.2)",
  list_columns = { "id", "nonconformity", "title", "owner", "due", "status", "done" },
  fields = {
    { name = "id", type = "id" },
    { name = "nonconformity", type = "ref", to = "nonconformity", required = true },
    { name = "title", type = "text", required = true },
    { name = "owner", type = "text", required = true },
    { name = "due", type = "date", required = true },
    { name = "status", type = "enum", values = M.ACTION_STATUSES, default = "planned" },
    { name = "done", type = "date" },
    { name = "done_by", type = "text", help = "who did it (default: the owner)" },
    { name = "result", type = "text", help = "the result of the action" },
  },
  derive = function(row)
    if row.status == "done" then
      return { done = row.done or records.today(), done_by = row.done_by or row.owner }
    end
  end,
  validate = action_validate,
}

-- Corrective actions are actions of the one tracker.
actions.source("corrective", function(reg, opts)
  local list = {}
  local where, args = action_sql.where(opts, { "planned", "in_progress" })
  for row in reg:query("SELECT id, nonconformity, title, owner, due, status FROM corrective_actions"
                       .. where, unpack(args)) do
    list[#list + 1] = { id = row.id, title = row.title, owner = row.owner, due = row.due,
                        status = row.status,
                        done = row.status == "done" or row.status == "cancelled",
                        ref = "nonconformity " .. row.nonconformity }
  end
  return list
end)

--- Raises a nonconformity from an audit finding, in one batch: the
-- nonconformity (source audit, the finding's title, description, requirements
-- and controls) and the finding's link to it.
-- fields: { raised_by (required), raised (today), title, description }.
function M.raise_from_finding(reg, finding_id, fields, opts)
  fields, opts = fields or {}, opts or {}
  local f = reg:records("finding"):get(finding_id)
  if not f then return nil, ("no finding '%s' in the register"):format(tostring(finding_id)), "NOTFOUND" end
  if f.nonconformity then
    return nil, ("finding %s already has nonconformity %s"):format(f.id, f.nonconformity), "INPUT"
  end
  if f.class ~= "major" and f.class ~= "minor" then
    local what = f.class == "ofi" and "an opportunity for improvement" or "an observation"
    return nil, ("finding %s is %s, not a nonconformity"):format(f.id, what), "INPUT"
  end
  local id
  local rep, err, code = kind.batch(reg, { command = "findings raise", reason = opts.reason }, function(tx)
    id = tx.add("nonconformity", {
      title = fields.title or f.title, source = "audit", source_ref = f.id,
      description = fields.description or f.description, raised_by = fields.raised_by or f.raised_by,
      raised = fields.raised or f.raised or records.today(opts.today), requirements = f.requirements,
      controls = f.controls })
    tx.set("finding", f.id, { nonconformity = id })
  end)
  if not rep then return nil, err, code end
  rep.id = id
  return rep
end

--- Nonconformity trends: counts by source, by requirement, by quarter raised,
-- and the open ones by age, from one grouped pass. opts: { today, from,
-- to } (raised within).
function M.trends(reg, opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local from, to = opts.from or "0000-00-00", opts.to or "9999-12-31"
  local wf = M.workflow(reg)
  local finals = {}
  for _, s in ipairs(wf and wf.states or {}) do if s.final then finals[#finals + 1] = s.id end end
  if #finals == 0 then finals[1] = "closed" end
  local ph = {}
  for k = 1, #finals do ph[k] = "?" .. (k + 6) end
  local open = ("state NOT IN (%s)"):format(table.concat(ph, ", "))
  local out = { by_source = {}, by_requirement = {}, by_quarter = {}, by_age = {}, total = 0, open = 0 }
  local by_source, by_requirement, by_quarter = {}, {}, {}
  local ages = { "0-30 days", "31-90 days", "91-180 days", "over 180 days" }
  local age_n = { 0, 0, 0, 0 }
  -- one pass over the period's nonconformities, grouped by everything the
  -- trends count
  -- ages as dates to compare with, not date arithmetic per row
  local d30, d90, d180 = dates.add_days(today, -30), dates.add_days(today, -90),
                         dates.add_days(today, -180)
  local quarters = {}
  for row in reg:query("SELECT source, substr(raised, 1, 7) AS month, " .. open
      .. " AS open, CASE WHEN raised >= ?4 THEN 1 WHEN raised >= ?5 THEN 2 WHEN raised >= ?6 "
      .. "THEN 3 ELSE 4 END AS bucket, count(*) AS n FROM nonconformities WHERE raised >= ?1 AND "
      .. "raised <= ?2 AND ?3 = ?3 GROUP BY 1, 2, 3, 4", from, to, today, d30, d90, d180,
      unpack(finals)) do
    local q = quarters[row.month]
    if not q then
      q = dates.quarter(row.month .. "-01")
      quarters[row.month] = q
    end
    row.quarter = q
    local n, is_open = tonumber(row.n), row.open == "1"
    out.total = out.total + n
    local s = by_source[row.source] or { source = row.source, total = 0, open = 0 }
    by_source[row.source] = s
    s.total = s.total + n
    if is_open then
      s.open = s.open + n
      out.open = out.open + n
      local b = tonumber(row.bucket)
      age_n[b] = age_n[b] + n
    end
    by_quarter[row.quarter] = (by_quarter[row.quarter] or 0) + n
  end
  -- by requirement: the links of the period's nonconformities
  for row in reg:query("SELECT l.target, count(*) AS n FROM nonconformities c JOIN record_links l "
      .. "ON l.kind = 'nonconformity' AND l.id = c.id AND l.rel = 'requirements' WHERE c.raised "
      .. ">= ?1 AND c.raised <= ?2 GROUP BY l.target", from, to) do
    by_requirement[docs.short_ref(reg, row.target)] = tonumber(row.n)
  end
  for _, src in ipairs(M.SOURCES) do
    if by_source[src] then out.by_source[#out.by_source + 1] = by_source[src] end
  end
  for c, n in pairs(by_requirement) do
    out.by_requirement[#out.by_requirement + 1] = { requirement = c, total = n }
  end
  table.sort(out.by_requirement, function(a, b)
    return a.total > b.total or a.total == b.total and a.requirement < b.requirement
  end)
  for q, n in pairs(by_quarter) do out.by_quarter[#out.by_quarter + 1] = { quarter = q, total = n } end
  table.sort(out.by_quarter, function(a, b) return a.quarter < b.quarter end)
  for k, a in ipairs(ages) do out.by_age[k] = { age = a, open = age_n[k] } end
  return out
end

return M
