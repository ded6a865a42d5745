--- Context, leadership and planning (ISO/IEC 27001 clauses 4, 5, 6.2 and
-- 7.4; guideline chapter 4): interested parties, internal and external
-- issues, the obligations register, scopes with their exclusions and
-- approved versions, business cases, information security objectives,
-- the communication plan and what was sent. Each is a record kind
-- (isms.store.kind), so each has the same verbs, CSV and history; this
-- package adds the rules between them and the questions across them:
-- which assets are outside every scope (isms.context.scope), the status
-- of each objective, the communications falling due, the business case
-- as Markdown and HTML (isms.context.business_case).
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local actions = require "isms.actions"
local people = require "isms.people"
local scope = require "isms.context.scope"
local objectives = require "isms.context.objectives"
local communication = require "isms.context.communication"
local business_case = require "isms.context.business_case"
local scope_view = require "isms.context.scope_view"
local scope_report = require "isms.context.scope_report"

local M = {}

M.scope = scope
M.objectives = objectives
M.communication = communication
M.business_case = business_case
M.scope_view = scope_view
M.scope_report = scope_report

local SIDES = { "internal", "external" }

-- ------------------------------------------------------------ 4.1, 4.2

kind.define {
  kind = "interested_party", plural = "interested-parties", table = "interested_parties",
  key = "id", id_prefix = "IP-",
  title = "Interested parties (clause 4.2: who has a stake in the ISMS and what they require)",
  list_columns = { "id", "name", "category", "side", "owner", "review_on" },
  fields = {
    { name = "id", type = "id" },
    { name = "name", type = "text", required = true },
    { name = "category", type = "enum", values = { "customer", "regulator", "authority",
      "supplier", "partner", "employee", "shareholder", "insurer", "public", "other" } },
    { name = "side", type = "enum", values = SIDES, default = "external" },
    { name = "requirements", type = "text", help = "what they require of the ISMS" },
    { name = "how_met", type = "text", help = "how the ISMS meets it" },
    { name = "owner", type = "text", help = "who looks after the relationship" },
    { name = "review_on", type = "date" },
    { name = "notes", type = "text" },
  },
  check = function(_, rows, problem)
    for _, r in ipairs(rows) do
      if r.requirements and not r.how_met then
        problem(r.id, "how_met", "its requirements are recorded but not how they are met")
      end
    end
  end,
}

kind.define {
  kind = "context_issue", plural = "context-issues", table = "context_issues", key = "id",
  id_prefix = "ISS-",
  title = "Internal and external issues (clause 4.1: what affects the ISMS's intended outcome)",
  list_columns = { "id", "title", "side", "category", "review_on" },
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    { name = "side", type = "enum", values = SIDES, required = true },
    { name = "category", type = "text",
      help = "e.g. political, economic, social, technological, legal, environmental, organisational" },
    { name = "description", type = "text" },
    { name = "effect", type = "text", help = "how it affects the ISMS" },
    { name = "owner", type = "text" },
    { name = "review_on", type = "date" },
  },
}

-- The risk register's obligation flags (risks.obligations bits 1, 2, 4).
M.OBLIGATION_BITS = { legal = 1, regulatory = 2, contractual = 4 }

kind.define {
  kind = "obligation", plural = "obligations", table = "obligations", key = "id",
  id_prefix = "OBL-",
  title = "Legal, regulatory and contractual obligations (clause 4.2 c; guideline 4.1 d)",
  list_columns = { "id", "type", "source", "clause", "title", "owner" },
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    { name = "type", type = "enum", values = { "legal", "regulatory", "contractual" },
      required = true },
    { name = "source", type = "text", required = true, help = "the law, regulation or contract" },
    { name = "clause", type = "text" },
    { name = "owner", type = "text" },
    { name = "description", type = "text" },
    { name = "review_on", type = "date" },
    { name = "assets", type = "links", to = "asset", help = "assets it touches" },
    { name = "controls", type = "links", to = "control", help = "controls that meet it" },
  },
  -- A risk flagged legal (regulatory, contractual) should have an
  -- obligation of that type touching its asset.
  check = function(reg, _, problem)
    for row in reg:query([[
      SELECT r.ref, r.asset, r.obligations FROM risks r WHERE r.obligations <> 0
      AND EXISTS (
        SELECT 1 FROM (SELECT 'legal' AS type, 1 AS bit UNION ALL SELECT 'regulatory', 2
                       UNION ALL SELECT 'contractual', 4) t
        WHERE (r.obligations & t.bit) <> 0 AND NOT EXISTS (
          SELECT 1 FROM record_links l JOIN obligations o ON o.id = l.id
          WHERE l.kind = 'obligation' AND l.rel = 'assets' AND l.target = r.asset
            AND o.type = t.type))
      ORDER BY r.ref LIMIT 1000]]) do
      local missing = {}
      local bits = tonumber(row.obligations)
      for _, t in ipairs({ "legal", "regulatory", "contractual" }) do
        if bit.band(bits, M.OBLIGATION_BITS[t]) ~= 0 and #M.obligations_of(reg, row.asset, t) == 0 then
          missing[#missing + 1] = t
        end
      end
      problem(row.ref, "risk", ("flagged %s, but no %s obligation touches its asset %s")
        :format(table.concat(missing, ", "), table.concat(missing, " or "), row.asset))
    end
  end,
}

--- The obligations touching an asset (of one type, if given): ids.
function M.obligations_of(reg, asset, type_)
  local out = {}
  for row in reg:query("SELECT o.id FROM record_links l JOIN obligations o ON o.id = l.id "
      .. "WHERE l.kind = 'obligation' AND l.rel = 'assets' AND l.target = ?1 "
      .. "AND (?2 = '' OR o.type = ?2) ORDER BY o.id", asset, type_ or "") do
    out[#out + 1] = row.id
  end
  return out
end

--- The obligation records behind a risk's flags: { legal = { ids },
-- regulatory = {...}, contractual = {...} } for the flags it has, or nil,
-- message, "NOTFOUND".
function M.risk_obligations(reg, ref)
  local risk
  for row in reg:query("SELECT asset, obligations FROM risks WHERE ref = ?1", ref) do risk = row end
  if not risk then return nil, ("no risk '%s' in the register"):format(ref), "NOTFOUND" end
  local out, bits = {}, tonumber(risk.obligations) or 0
  for t, b in pairs(M.OBLIGATION_BITS) do
    if bit.band(bits, b) ~= 0 then out[t] = M.obligations_of(reg, risk.asset, t) end
  end
  return out
end

-- ------------------------------------------------------------ 4.3 scope

kind.resolver("location", function(reg, name)
  local next_row = reg:query("SELECT 1 FROM locations WHERE name = ?1", name)
  local found = next_row() ~= nil
  if found then next_row() end
  return found
end)

kind.define {
  kind = "scope", plural = "scopes", table = "scopes", key = "id", id_prefix = "SCOPE-",
  title = "ISMS scopes (clause 4.3; guideline 4.2: boundaries and the scope statement)",
  summary = "ISMS scopes (isms scopes check: assets outside every scope; approve, assets)",
  list_columns = { "id", "title", "soa_revision" },
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    { name = "statement", type = "text",
      help = "e.g. ISMS for ... at [location], in accordance with SoA revision [n] dated [date]" },
    { name = "organisational", type = "text", help = "organisational scope and boundaries" },
    { name = "ict", type = "text", help = "ICT scope and boundaries" },
    { name = "physical", type = "text", help = "physical scope and boundaries" },
    { name = "interfaces", type = "text",
      help = "interfaces and dependencies on other organisations" },
    { name = "soa_revision", type = "text", help = "the SoA revision the statement refers to" },
    { name = "locations", type = "links", to = "location", help = "locations taken in" },
    { name = "parties", type = "links", to = "party", help = "units and owners taken in" },
    { name = "assets", type = "links", to = "asset", help = "single assets taken in" },
  },
  check = function(reg, rows, problem)
    for _, r in ipairs(rows) do
      if not r.statement then problem(r.id, "statement", "no scope statement") end
      local v = scope.status(reg, r.id)
      if not v.version then
        problem(r.id, "version", "not approved by top management (isms scopes approve)")
      elseif v.changed then
        problem(r.id, "version", ("changed since version %d was approved on %s"):format(v.version,
          v.approved_on))
      end
    end
  end,
}

kind.define {
  kind = "scope_exclusion", plural = "scope-exclusions", table = "scope_exclusions", key = "id",
  id_prefix = "EXCL-",
  title = "Scope exclusions (what a scope leaves out, each with its justification)",
  list_columns = { "id", "scope", "boundary", "what" },
  fields = {
    { name = "id", type = "id" },
    { name = "scope", type = "ref", to = "scope", required = true },
    { name = "boundary", type = "enum", values = { "organisational", "ict", "physical", "other" },
      default = "other" },
    { name = "what", type = "text", required = true },
    { name = "justification", type = "text", required = true,
      help = "why it is left out (an exclusion without one is refused)" },
    { name = "locations", type = "links", to = "location", help = "locations left out" },
    { name = "parties", type = "links", to = "party", help = "units and owners left out" },
    { name = "assets", type = "links", to = "asset", help = "single assets left out" },
    { name = "controls", type = "links", to = "control",
      help = "controls not applicable in the scope because of it (the scope's SoA)" },
  },
}

kind.define {
  kind = "scope_version", plural = "scope-versions", table = "scope_versions",
  key = { "scope", "version" },
  title = "Approved scope versions (top management's approval of each version)",
  list_columns = { "scope", "version", "approved_by", "approved_on", "note" },
  fields = {
    { name = "scope", type = "ref", to = "scope" },
    { name = "version", type = "int", min = 1 },
    { name = "approved_by", type = "ref", to = "person", required = true },
    { name = "approved_on", type = "date", required = true },
    { name = "note", type = "text" },
    { name = "content", type = "text", required = true,
      help = "the scope as approved (written by isms scopes approve)" },
  },
  validate = function(row, _, reg)
    local ok, e = people.may_approve(reg, row.approved_by, "scope", row.approved_on)
    if not ok then return e, "approved_by" end
  end,
}

M.scope_status = scope.status
M.approve_scope = scope.approve

-- ------------------------------------------------------------ 4.4

local function approval_pair(row, what)
  if (row.approved_by == nil) ~= (row.approved_on == nil) then
    return "an approval needs both approved_by and approved_on", row.approved_by and
      "approved_on" or "approved_by"
  end
  return nil, what
end

kind.define {
  kind = "business_case", plural = "business-cases", table = "business_cases", key = "id",
  id_prefix = "BC-",
  title = "Business cases for top management (guideline 4.4 a-g)",
  summary = "business cases (render as Markdown or HTML; approve)",
  list_columns = { "id", "title", "scope", "approved_by", "approved_on" },
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    { name = "scope", type = "ref", to = "scope", help = "the preliminary scope" },
    { name = "goals", type = "text", help = "b) why the ISMS is implemented" },
    { name = "benefits", type = "text", help = "c) monetary, competitive, stakeholder confidence" },
    { name = "work", type = "text", help = "e i) scope of work, from the gap analysis" },
    { name = "resources", type = "text", help = "e ii) applications, systems, technologies" },
    { name = "considerations", type = "text",
      help = "e iv) existing controls, external parties involved" },
    { name = "start_on", type = "date" },
    { name = "target_on", type = "date", help = "e v) certification target" },
    { name = "effort_days", type = "number", min = 0 },
    { name = "costs", type = "number", min = 0, help = "e vi) expected costs" },
    { name = "currency", type = "text" },
    { name = "success_factors", type = "list", help = "f) critical success factors" },
    { name = "other_factors", type = "text",
      help = "g) technology, business environment, risk tolerance, geography" },
    { name = "prepared_by", type = "ref", to = "person" },
    { name = "approved_by", type = "ref", to = "person" },
    { name = "approved_on", type = "date" },
  },
  validate = function(row, _, reg)
    if row.start_on and row.target_on and row.target_on < row.start_on then
      return ("the target %s is before the start %s"):format(row.target_on, row.start_on),
        "target_on"
    end
    local why, field = approval_pair(row)
    if why then return why, field end
    if row.approved_by then
      local ok, e = people.may_approve(reg, row.approved_by, "business_case", row.approved_on)
      if not ok then return e, "approved_by" end
    end
  end,
}

--- Records top management's approval of a business case: opts.by,
-- opts.on (default today), opts.reason.
function M.approve_business_case(reg, id, opts)
  opts = opts or {}
  return reg:records("business_case"):set(id, { approved_by = opts.by or "",
    approved_on = opts.on or records.today() },
    { reason = opts.reason, command = "business-cases approve" })
end

-- ------------------------------------------------------------ 6.2, 7.4

objectives.define()
communication.define()

-- ------------------------------------------------------------ actions

-- Objectives falling due, communications due, reviews of parties,
-- issues and obligations join the one action tracker.
actions.source("objectives", function(reg, opts) return objectives.actions(reg, opts) end)
actions.source("communications", function(reg, opts) return communication.actions(reg, opts) end)
actions.source("context-reviews", function(reg)
  local out = {}
  for _, t in ipairs({ { "interested_parties", "interested party", "name" },
                       { "context_issues", "issue", "title" },
                       { "obligations", "obligation", "title" } }) do
    for row in reg:query(("SELECT id, %s AS title, owner, review_on FROM %s WHERE review_on IS "
        .. "NOT NULL ORDER BY id"):format(t[3], t[1])) do
      out[#out + 1] = { id = row.id, title = "review " .. t[2] .. ": " .. row.title,
                        owner = row.owner, due = row.review_on, status = "planned", done = false,
                        ref = t[2] .. " " .. row.id }
    end
  end
  return out
end)

return M
