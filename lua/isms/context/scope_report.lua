--- The report of one ISMS scope (`isms report --scope ID`) as a report
-- model (docs/report-model.md): the scope's boundaries and exclusions,
-- the assessment of its assets' risks (guideline 6.2 a-j) with the most
-- urgent, its Statement of Applicability (isms.context.scope_view) and its
-- audits. The audit programme rows come from opts.programme (the CLI
-- passes isms.audit.programme; the audit package reads scopes, so scopes
-- do not read it back).
local records = require "isms.store.records"
local risk_register = require "isms.risk.register"
local assess = require "isms.risk.assess"
local scope = require "isms.context.scope"
local scope_view = require "isms.context.scope_view"

local M = {}

M.LIMIT = 100

local function join(list) return list and #list > 0 and table.concat(list, "; ") or nil end

local function columns(list)
  local out = {}
  for k, c in ipairs(list) do
    out[k] = { key = c[1], title = c[2], numeric = c[3] }
  end
  return out
end

-- The assessment of the scope: steps a-j and the most urgent risks.
local function assessment(reg, id, m, limit, today)
  local t, err, code = reg:risk_table()
  if not t then return nil, err, code end
  local res, eerr, ecode = risk_register.try_evaluate_table(m, t)
  if not res then return nil, eerr, ecode end
  local keep, kerr, kcode = scope_view.mask(reg, id, t)
  if not keep then return nil, kerr, kcode end
  local steps, nassets, nrisks = assess.steps(t, res, keep)
  local top = assess.prioritised(t, res, limit, keep)
  local unacceptable = 0
  local asset = t.c.asset
  for i = 0, t.n - 1 do
    if keep[asset[i]] == 1 and res.rank[i] > 0 and res.acceptable[i] == 0 then
      unacceptable = unacceptable + 1
    end
  end
  return {
    { id = "assessment", title = "Risk assessment of the scope (guideline 6.2 a-j)",
      kind = "table", columns = columns({ { "step", "Step" }, { "what", "What" },
        { "status", "Status" }, { "done", "Done", true }, { "missing", "Missing", true } }),
      rows = steps, total = #steps },
    { id = "risks", title = "Most urgent risks of the scope", kind = "table",
      columns = require("isms.incident.beside").report_columns(reg, top, columns({
        { "priority", "Priority", true }, { "ref", "Risk" },
        { "asset", "Asset" }, { "threat", "Threat" }, { "level", "Level" },
        { "score", "Score", true }, { "obligations", "Obligations" },
        { "acceptable", "Acceptable" }, { "decision", "Decision" } }), { today = today }),
      rows = top, total = nrisks,
      note = nrisks > #top and ("the %d most urgent of %d risks"):format(#top, nrisks) or nil },
  }, { assets = nassets, risks = nrisks, unacceptable = unacceptable }
end

-- The scope's audits and, with opts.programme, its programme areas.
local function audit_sections(reg, id, opts)
  local rows = {}
  local findings = {}
  for row in reg:query("SELECT f.audit, count(*) AS n FROM findings f JOIN audits a ON "
      .. "a.id = f.audit WHERE a.isms_scope = ?1 OR a.isms_scope IS NULL GROUP BY f.audit", id) do
    findings[row.audit] = tonumber(row.n)
  end
  for _, a in ipairs(reg:records("audit"):list()) do
    if a.isms_scope == nil or a.isms_scope == id then
      rows[#rows + 1] = { id = a.id, title = a.title, programme = a.programme,
                          scope = a.isms_scope or "every scope", start_date = a.start_date,
                          end_date = a.end_date, lead = a.lead, status = a.status,
                          findings = findings[a.id] or 0 }
    end
  end
  table.sort(rows, function(x, y)
    if (x.start_date or "") ~= (y.start_date or "") then
      return (x.start_date or "") < (y.start_date or "")
    end
    return x.id < y.id
  end)
  local out = {}
  if opts.programme then
    local areas, err, code = opts.programme(reg, { today = opts.today, scope = id })
    if not areas then return nil, err, code end
    local prows = {}
    for k, a in ipairs(areas) do
      prows[k] = { id = a.id, title = a.title, owner = a.owner,
                   interval_months = a.interval_months, risks = a.risks,
                   unacceptable = a.unacceptable, last = a.last, due = a.due,
                   overdue = a.overdue, planned = a.planned }
    end
    out[#out + 1] = { id = "programme", title = "Audit programme in the scope (9.2)",
      kind = "table", columns = columns({ { "id", "Area" }, { "title", "Title" },
        { "owner", "Owner" }, { "interval_months", "Every (months)", true },
        { "risks", "Risks of the scope", true }, { "unacceptable", "Not acceptable", true },
        { "last", "Last audit" }, { "due", "Next due" }, { "overdue", "Overdue" },
        { "planned", "Planned" } }),
      rows = prows, total = #prows,
      problems = #prows == 0 and { ("no area of the audit programme covers scope %s")
        :format(id) } or nil }
  end
  out[#out + 1] = { id = "audits", title = "Audits of the scope", kind = "table",
    columns = columns({ { "id", "Audit" }, { "title", "Title" }, { "programme", "Area" },
      { "scope", "Scope" }, { "start_date", "Start" }, { "end_date", "End" },
      { "lead", "Lead" }, { "status", "Status" }, { "findings", "Findings", true } }),
    rows = rows, total = #rows, note = #rows == 0 and "no audit of this scope yet" or nil }
  return out
end

--- The report of scope `id`. opts: { today, limit (urgent risks, default
-- 100), register, methodology, programme }. Returns the model, or nil,
-- message, code ("NOTFOUND" for an unknown scope).
function M.model(reg, id, opts)
  opts = opts or {}
  local s = type(id) == "string" and reg:records("scope"):get(id)
  if not s then
    return nil, ("no scope '%s' in the register"):format(tostring(id)), "NOTFOUND"
  end
  local m = opts.methodology
  if not m then
    local err, code
    m, err, code = reg:methodology()
    if not m then return nil, err, code end
  end
  local st = scope.status(reg, id)
  local risk_sections, counts = {}, nil
  if m:scores_risks() then
    local r, c, rcode = assessment(reg, id, m, opts.limit or M.LIMIT, opts.today)
    if not r then return nil, c, rcode end
    risk_sections, counts = r, c
  end
  local soa_sections, soa, code = scope_view.soa_sections(reg, id, opts)
  if not soa_sections then return nil, soa, code end
  local audits, aerr, acode = audit_sections(reg, id, opts)
  if not audits then return nil, aerr, acode end
  local facts = {
    { label = "Scope", value = ("%s: %s"):format(s.id, s.title) },
    { label = "Statement", value = s.statement },
    { label = "Organisational", value = s.organisational },
    { label = "ICT", value = s.ict },
    { label = "Physical", value = s.physical },
    { label = "Interfaces", value = s.interfaces },
    { label = "Locations", value = join(s.locations) or "none" },
    { label = "Parties", value = join(s.parties) or "none" },
    { label = "Single assets", value = join(s.assets) or "none" },
    { label = "Approved", value = st.version and ("version %d on %s by %s%s"):format(st.version,
        st.approved_on, st.approved_by, st.changed and "; changed since" or "")
        or "not approved" },
    { label = "Methodology", value = m:name() },
    { label = "Assets in scope", value = soa.assets },
  }
  if counts then
    facts[#facts + 1] = { label = "Risks", value = counts.risks }
    facts[#facts + 1] = { label = "Not acceptable before treatment", value = counts.unacceptable }
  end
  facts[#facts + 1] = { label = "SoA problems", value = #soa.problems }
  local sections = { { id = "summary", title = "Summary", kind = "facts", facts = facts } }
  for _, list in ipairs({ risk_sections, soa_sections, audits }) do
    for _, sec in ipairs(list) do sections[#sections + 1] = sec end
  end
  return { title = "ISMS scope report: " .. s.title, subtitle = ("scope %s"):format(id),
           generated_at = records.today(opts.today), register = opts.register,
           sections = sections }
end

return M
