--- The records of the gap analysis, as record kinds (docs/records.md):
-- frameworks and their requirements (written by isms.gap.framework from
-- catalogs), mapping sets between frameworks, assessments, and one answer
-- per requirement assessed. Requirement ids are "FRAMEWORK:REF"
-- ("iso27001-2022:6.1.2 c) 1)"), so other registers link to them.
local kind = require "isms.store.kind"
local method = require "isms.gap.method"

local M = {}

M.framework = kind.define {
  kind = "framework", plural = "frameworks", table = "frameworks", cli = false,
  title = "Requirement catalogs (frameworks) held by the register",
  list_columns = { "id", "title", "edition", "format", "nodes" },
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    { name = "standard", type = "text" },
    { name = "edition", type = "text" },
    { name = "version", type = "text" },
    { name = "urn", type = "text" },
    { name = "format", type = "enum", values = { "rules", "ciso", "oscal", "csv" } },
    { name = "source", type = "text" },
    { name = "nodes", type = "int", min = 0 },
    { name = "imported_at", type = "datetime" },
  },
}

M.requirement = kind.define {
  kind = "requirement", plural = "requirements", table = "requirements", cli = false,
  title = "Requirements of the frameworks, one node each",
  list_columns = { "ref", "title", "assessable", "mandatory" },
  fields = {
    { name = "id", type = "text" },
    { name = "framework", type = "ref", to = "framework", required = true },
    { name = "ref", type = "text", required = true },
    { name = "parent", type = "text" },
    { name = "depth", type = "int", min = 1 },
    { name = "ord", type = "int", min = 1 },
    { name = "title", type = "text" },
    { name = "text", type = "text" },
    { name = "assessable", type = "bool" },
    { name = "mandatory", type = "bool" },
    { name = "groups", type = "list" },
    { name = "urn", type = "text" },
    { name = "control", type = "bool" },
  },
}

M.mapping = kind.define {
  kind = "requirement_mapping", plural = "requirement_mappings", table = "requirement_mappings",
  cli = false, title = "Mapping sets between frameworks",
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text" },
    { name = "source_framework", type = "text", required = true },
    { name = "target_framework", type = "text", required = true },
    { name = "format", type = "enum", values = { "rules", "ciso" } },
    { name = "source", type = "text" },
    { name = "pairs", type = "int", min = 0 },
    { name = "imported_at", type = "datetime" },
  },
}

M.RELATIONS = { "equal", "subset", "superset", "intersect", "none" }

M.map = kind.define {
  kind = "requirement_map", plural = "requirement_maps", table = "requirement_maps", cli = false,
  title = "Pairs of a mapping set",
  fields = {
    { name = "id", type = "text" },
    { name = "mapping", type = "ref", to = "requirement_mapping", required = true },
    { name = "source_ref", type = "text", required = true },
    { name = "target_ref", type = "text", required = true },
    { name = "relation", type = "enum", values = M.RELATIONS, required = true },
    { name = "note", type = "text" },
  },
}

M.assessment = kind.define {
  kind = "assessment", plural = "assessments", table = "assessments", id_prefix = "GA-",
  title = "Gap assessments: a framework, a scope, a date, an assessor",
  summary = "gap assessments (see also isms gap)",
  list_columns = { "id", "framework", "title", "assessed_on", "assessor", "state" },
  fields = {
    { name = "id", type = "id" },
    { name = "framework", type = "ref", to = "framework", required = true },
    { name = "title", type = "text" },
    { name = "scope", type = "text" },
    { name = "assessed_on", type = "date", required = true },
    { name = "assessor", type = "text", required = true },
    { name = "method", type = "text", default = "default",
      help = "the gap method (rules/gap/NAME.lua)" },
    { name = "state", type = "enum", values = { "draft", "final" }, default = "draft" },
    { name = "based_on", type = "ref", to = "assessment" },
    { name = "notes", type = "text" },
  },
  validate = function(row, old)
    local m, err = method.load(row.method or "default")
    if not m then return err, "method" end
    if old and old.framework ~= row.framework then
      return "an assessment keeps its framework; start a new assessment instead", "framework"
    end
  end,
}

-- What answers are checked against -- the assessment, its framework's
-- requirements, its method -- looked up once per import: validate gets
-- the same batch table for every row of one import, and keeps them under
-- a key of its own.
local MEMO = {}
local function context_of(reg, id, batch)
  local memo = batch and rawget(batch, MEMO)
  if memo and memo.id == id then return memo end
  local a = reg:records("assessment"):get(id)
  if not a then return nil end
  local reqs = {}
  for r in reg:tuples("SELECT ref, assessable FROM requirements WHERE framework = ?1",
                      a.framework) do
    reqs[r[1]] = r[2] == "1"
  end
  memo = { id = id, a = a, reqs = reqs, method = { method.load(a.method or "default") } }
  if batch then rawset(batch, MEMO, memo) end
  return memo
end

M.answer = kind.define {
  kind = "answer", plural = "answers", table = "answers", key = { "assessment", "requirement" },
  cli = false, title = "Answers of gap assessments, one per requirement",
  fields = {
    { name = "assessment", type = "ref", to = "assessment", required = true },
    { name = "requirement", type = "text", help = "the requirement's ref in the framework" },
    { name = "status", type = "text" },
    { name = "maturity", type = "int" },
    { name = "target", type = "int" },
    { name = "justification", type = "text" },
    { name = "evidence", type = "list",
      help = "documented-information ids, files (path#sha256) or URLs, ';' between" },
    { name = "owner", type = "text" },
    { name = "remediation", type = "text" },
    { name = "effort", type = "number", min = 0, help = "person-days" },
    { name = "due", type = "date" },
    { name = "notes", type = "text" },
    { name = "origin", type = "text", help = "where a pre-filled answer came from" },
  },
  validate = function(row, _, reg, batch)
    local ctx = context_of(reg, row.assessment, batch)
    if not ctx then return ("no assessment '%s'"):format(tostring(row.assessment)), "assessment" end
    local a = ctx.a
    local assessable = ctx.reqs[row.requirement]
    if assessable == nil then
      return ("'%s' is not a requirement of %s"):format(row.requirement, a.framework),
        "requirement"
    end
    if not assessable then
      return ("'%s' is a heading of %s, not an assessable requirement"):format(row.requirement,
             a.framework), "requirement"
    end
    local m, err = ctx.method[1], ctx.method[2]
    if not m then return err, "status" end
    if row.status ~= nil then
      local s = method.status(m, row.status)
      if not s then
        return ("'%s' is not a status of method %s (%s)"):format(row.status, m.name,
               method.status_names(m)), "status"
      end
      if s.id ~= row.status then return ("write the status as '%s'"):format(s.id), "status" end
      if s.justification and not row.justification then
        return ("%s needs a justification"):format(s.id), "justification"
      end
    end
    for _, f in ipairs({ "maturity", "target" }) do
      local v = row[f]
      if v ~= nil and m.maturity_min and (v < m.maturity_min or v > m.maturity_max) then
        return ("%d is not on the maturity scale %d-%d of method %s"):format(v, m.maturity_min,
               m.maturity_max, m.name), f
      end
    end
  end,
}

--- Makes the gap kinds known to a register handle's C store (a batch
-- writes them through records.run before any collection was asked for).
function M.ensure(reg)
  for _, k in ipairs({ "framework", "requirement", "requirement_mapping", "requirement_map",
                       "assessment", "answer" }) do
    reg:records(k)
  end
end

return M
