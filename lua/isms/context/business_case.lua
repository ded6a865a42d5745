--- The business case for top management (guideline 4.4 a-g), built from
-- the register as a report model (docs/report-model.md) and rendered as
-- Markdown or HTML by the report renderers: a) the governing structure
-- (roles and who holds them), b) goals and objectives, c) benefits, d)
-- the preliminary scope with its exclusions and asset coverage, e) the
-- implementation plan (work, resources, people, training, existing
-- controls and risks, gap analysis, timeline, costs), f) critical success
-- factors, g) other factors (issues, interested parties, obligations),
-- and top management's approval.
local format = require "isms.store.format"
local records = require "isms.store.records"
local people = require "isms.people"
local scope = require "isms.context.scope"
local objectives = require "isms.context.objectives"

local M = {}

local function all(reg, sql, ...)
  local out = {}
  for row in reg:query(sql, ...) do out[#out + 1] = row end
  return out
end

local function one(reg, sql, ...) return all(reg, sql, ...)[1] end

local function num(v) return v and format.number(v) or nil end

local function name_of(reg, person)
  if not person then return nil end
  local p = reg:records("person"):get(person)
  return p and ("%s (%s)"):format(p.name, person) or person
end

local function facts(id, title, list)
  local f = {}
  for _, kv in ipairs(list) do
    if kv[2] ~= nil and kv[2] ~= "" then f[#f + 1] = { label = kv[1], value = kv[2] } end
  end
  if #f == 0 then f[1] = { label = "Recorded", value = "nothing yet" } end
  return { id = id, title = title, kind = "facts", facts = f }
end

local function tbl(id, title, columns, rows, note)
  local cols = {}
  for k, c in ipairs(columns) do cols[k] = { key = c[1], title = c[2], numeric = c[3] } end
  return { id = id, title = title, kind = "table", columns = cols, rows = rows, total = #rows,
           note = note or (#rows == 0 and "none on record" or nil) }
end

-- Months between two dates (whole, rounded).
local function months(from, to)
  return math.floor(records.days(from, to) / 30.44 + 0.5)
end

--- The business case `id` as a report model, or nil, message, code.
-- opts.today fixes the date the model is generated on.
function M.model(reg, id, opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local bc = reg:records("business_case"):get(id)
  if not bc then return nil, ("no business case '%s' in the register"):format(tostring(id)),
    "NOTFOUND" end
  local config, e, code = people.config(reg)
  if not config then return nil, e, code end
  local sections = {}
  local function add(s) sections[#sections + 1] = s end

  local approval = bc.approved_by
    and ("approved by %s on %s"):format(name_of(reg, bc.approved_by), bc.approved_on)
    or "awaiting approval by top management"
  add(facts("summary", "Summary", {
    { "Business case", bc.title }, { "Prepared by", name_of(reg, bc.prepared_by) },
    { "Preliminary scope", bc.scope }, { "Start", bc.start_on }, { "Target", bc.target_on },
    { "Effort", bc.effort_days and (num(bc.effort_days) .. " person-days") },
    { "Expected costs", bc.costs and (num(bc.costs) .. (bc.currency and (" " .. bc.currency) or "")) },
    { "Status", approval },
  }))

  -- a) governance
  local roles = {}
  for _, r in ipairs(config.roles.roles) do
    local names = {}
    for _, h in ipairs(people.holders(reg, r.id, today)) do names[#names + 1] = h.name or h.person end
    roles[#roles + 1] = { role = r.title .. (r.chair and (" (chaired by the " ..
      config.roles.by_id[r.chair].title .. ")") or ""),
      responsibilities = table.concat(r.responsibilities, "; "),
      holders = #names > 0 and table.concat(names, ", ") or "to be appointed" }
  end
  add(tbl("governance", "a) ISMS governing structure", { { "role", "Role" },
    { "responsibilities", "Responsibilities" }, { "holders", "Held by" } }, roles))

  -- b) goals and objectives
  add(facts("goals", "b) Goals", { { "Goals", bc.goals } }))
  local objs = {}
  for _, o in ipairs(objectives.status(reg, { today = today })) do
    objs[#objs + 1] = { id = o.id, title = o.title, target = o.metric .. " " .. o.target_text,
                        due = o.due, owner = name_of(reg, o.owner), status = o.status }
  end
  add(tbl("objectives", "b) Information security objectives", { { "id", "Id" },
    { "title", "Objective" }, { "target", "Target" }, { "due", "Due" }, { "owner", "Owner" },
    { "status", "Status" } }, objs))

  -- c) benefits
  add(facts("benefits", "c) Benefits", { { "Benefits", bc.benefits } }))

  -- d) preliminary scope
  local sc = bc.scope and reg:records("scope"):get(bc.scope)
  if sc then
    local st = scope.status(reg, sc.id)
    local members = scope.members(reg, sc.id, { limit = 0 })
    local outside = scope.out_of_scope(reg, { limit = 0 })
    add(facts("scope", "d) Preliminary scope: " .. sc.title, {
      { "Scope statement", sc.statement }, { "Organisational", sc.organisational },
      { "ICT", sc.ict }, { "Physical", sc.physical }, { "Interfaces and dependencies", sc.interfaces },
      { "Statement of Applicability", sc.soa_revision },
      { "Assets in this scope", ("%s of %s"):format(num(members.count), num(outside.total)) },
      { "Assets outside every scope", num(outside.count) },
      { "Approved version", st.version and ("%d, by %s on %s%s"):format(st.version,
        name_of(reg, st.approved_by), st.approved_on, st.changed and "; changed since" or "")
        or "not approved yet" },
    }))
    local ex = {}
    for _, x in ipairs(reg:records("scope_exclusion"):list({ scope = sc.id })) do
      ex[#ex + 1] = { what = x.what, boundary = x.boundary, justification = x.justification }
    end
    add(tbl("exclusions", "d) Exclusions", { { "what", "Left out" }, { "boundary", "Boundary" },
      { "justification", "Justification" } }, ex))
  else
    add(facts("scope", "d) Preliminary scope", { { "Scope", "no scope named yet" } }))
  end

  -- e) implementation plan
  local n_people = tonumber(one(reg, "SELECT count(*) AS n FROM people WHERE left_on IS NULL "
    .. "OR left_on > ?1", today).n)
  local risks = one(reg, "SELECT count(*) AS n, count(level) AS rated, "
    .. "sum(acceptable = 0) AS unacceptable FROM risks")
  local treated = one(reg, "SELECT count(*) AS n FROM treatments").n
  local soa = one(reg, "SELECT count(*) AS n, sum(applicable) AS applicable, "
    .. "sum(status = 'implemented') AS implemented FROM soa")
  -- The gap analysis: the latest assessment of this scope, else the latest.
  local gap_text, gap_rows = "no gap analysis on record yet", nil
  local latest = one(reg, "SELECT id FROM assessments ORDER BY (scope IS ?1) DESC, "
    .. "assessed_on DESC, id DESC LIMIT 1", bc.scope or "")
  local results = latest and reg.gap_results and reg:gap_results(latest.id)
  if results then
    local c = results.total.counts
    gap_text = ("assessment %s (%s, %s): %s of %s applicable requirements met, %s gaps; "
      .. "remediation %s person-days estimated (about %s weeks for one person)%s"):format(
      latest.id, results.framework, results.assessment.assessed_on or "undated", num(c.met),
      num(c.applicable), num(#results.gaps), num(results.effort),
      num(math.floor(results.weeks * 10 + 0.5) / 10),
      results.unestimated > 0 and ("; %d gaps not estimated"):format(results.unestimated) or "")
    gap_rows = {}
    for k = 1, math.min(10, #results.gaps) do
      local g = results.gaps[k]
      gap_rows[k] = { priority = g.priority, ref = g.ref, title = g.title, status = g.status_title,
                      remediation = g.remediation, effort = g.effort, owner = g.owner }
    end
  end
  local timeline
  if bc.start_on and bc.target_on then
    local m = months(bc.start_on, bc.target_on)
    timeline = ("%s to %s, about %d months (of certified organisations, 20%% took 6 months or "
      .. "less, 60%% 12 months or less, 93%% within 2 years: guideline Appendix B)"):format(
      bc.start_on, bc.target_on, m)
  end
  add(facts("plan", "e) Initial implementation plan", {
    { "i) Scope of work", bc.work },
    { "ii) Resources", bc.resources },
    { "iii) Personnel", ("%d people in the register; roles above"):format(n_people) },
    { "iv) Considerations", bc.considerations },
    { "Existing risks and controls", ("%s risks (%s rated, %s not acceptable), %s treated; "
      .. "SoA: %s of %s controls applicable, %s implemented"):format(num(tonumber(risks.n)),
      num(tonumber(risks.rated)), num(tonumber(risks.unacceptable) or 0), num(tonumber(treated)),
      num(tonumber(soa.applicable) or 0), num(tonumber(soa.n)), num(tonumber(soa.implemented) or 0)) },
    { "Gap analysis", gap_text },
    { "v) Timeline", timeline },
    { "Effort", bc.effort_days and (num(bc.effort_days) .. " person-days") },
    { "vi) Expected costs", bc.costs and (num(bc.costs) .. (bc.currency and (" " .. bc.currency)
      or "")) },
  }))
  if gap_rows then
    add(tbl("gaps", "e) The largest gaps, in priority order", { { "priority", "#", true },
      { "ref", "Requirement" }, { "title", "Title" }, { "status", "Status" },
      { "remediation", "Remediation" }, { "effort", "Days", true }, { "owner", "Owner" } },
      gap_rows))
  end
  local training = {}
  for _, p in ipairs(config.programmes.programmes) do
    training[#training + 1] = { programme = p.title, audience = table.concat(p.audience, ", "),
      frequency = table.concat(p.frequency, ", "), days = p.days }
  end
  add(tbl("training", "e) Competence and awareness programmes", { { "programme", "Programme" },
    { "audience", "Audience" }, { "frequency", "Frequency" }, { "days", "Days", true } }, training))

  -- f) critical success factors
  local csf = {}
  for k, f in ipairs(bc.success_factors or {}) do csf[k] = { n = k, factor = f } end
  add(tbl("success", "f) Critical success factors", { { "n", "#", true }, { "factor", "Factor" } },
    csf))

  -- g) other factors: context
  add(facts("other", "g) Other factors", { { "Other factors", bc.other_factors } }))
  add(tbl("issues", "g) Internal and external issues", { { "side", "Side" }, { "title", "Issue" },
    { "effect", "Effect on the ISMS" } }, all(reg, "SELECT side, title, effect FROM context_issues "
    .. "ORDER BY side, id")))
  add(tbl("parties", "g) Interested parties and their requirements", { { "name", "Party" },
    { "requirements", "Requirements" }, { "how_met", "How they are met" } }, all(reg,
    "SELECT name, requirements, how_met FROM interested_parties ORDER BY id")))
  add(tbl("obligations", "g) Legal, regulatory and contractual obligations", { { "type", "Type" },
    { "source", "Source" }, { "clause", "Clause" }, { "title", "Obligation" } }, all(reg,
    "SELECT type, source, clause, title FROM obligations ORDER BY type, id")))

  add(facts("approval", "Approval by top management", {
    { "Approved by", bc.approved_by and name_of(reg, bc.approved_by) or "not yet" },
    { "Approved on", bc.approved_on },
  }))

  return { title = "Business case: " .. bc.title,
           subtitle = "Information security management system, for top management",
           generated_at = today, register = opts.register, sections = sections }
end

return M
