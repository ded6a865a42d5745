--- Mandatory documented information lists (rules/documents/): which
-- documents an ISMS must keep, with their clauses in the 2012 draft the
-- national guideline cites, in ISO/IEC 27001:2013 and in :2022. A list is
-- a rule file an organisation can extend (isms.docs.ruleset).
--
--   document_list "iso27001" { title = "...", reference = "..." }
--   mandatory "scope" { title = "Scope of the ISMS", clause_2013 = "4.3",
--                       clause_2022 = "4.3", records = "audit" }
local ruleset = require "isms.docs.ruleset"
local check = require "isms.rules.check"

local M = {}

M.DEFAULT = "iso27001"
M.SETTING = "docs.mandatory"

local set = check.set
local SPEC = {
  dir = "documents", head = "document_list",
  head_fields = set { "title", "description", "reference", "extends" },
  items = { mandatory = set { "title", "description", "clause_dis", "clause_2013", "clause_2022",
                              "records", "note" } },
}

local function validate(rs)
  local file = rs.file
  check.string(file, rs.head, "title", rs.head.fields.title)
  local list = { name = rs.head.name, title = rs.head.fields.title, file = file,
                 reference = rs.head.fields.reference, items = {}, by_id = {} }
  for _, d in ipairs(rs.items) do
    local f = d.fields
    if not d.name:match("^[%w][%w%._%-]*$") or #d.name > 64 then
      check.fail(d.file, d, nil, "bad id; use letters, digits, '.', '_' or '-'")
    end
    check.string(d.file, d, "title", f.title)
    for _, k in ipairs { "description", "clause_dis", "clause_2013", "clause_2022", "note" } do
      check.string(d.file, d, k, f[k], true)
    end
    if not (f.clause_2013 or f.clause_2022) then
      check.fail(d.file, d, nil, "needs clause_2013 or clause_2022")
    end
    if f.records ~= nil and (type(f.records) ~= "string" or not f.records:match("^[a-z][a-z0-9_]*$")) then
      check.fail(d.file, d, "records", "expected the name of a record kind, e.g. \"audit\"")
    end
    local item = { id = d.name, title = f.title, description = f.description,
                   clause_dis = f.clause_dis, clause_2013 = f.clause_2013,
                   clause_2022 = f.clause_2022, records = f.records, note = f.note,
                   file = d.file, line = d.line }
    list.items[#list.items + 1] = item
    list.by_id[item.id] = item
  end
  if #list.items == 0 then check.fail(file, rs.head, nil, "lists no mandatory documents") end
  return list
end

--- Loads a list by name or path.
-- @treturn table|nil { name, title, file, reference, items = { { id, title,
--   clause_dis, clause_2013, clause_2022, records, note } }, by_id }, or
--   nil, message, code
function M.load(name)
  local rs, err, code = ruleset.load(SPEC, name or M.DEFAULT)
  if not rs then return nil, err, code end
  if rs.list then return rs.list end
  local list, verr, vcode = ruleset.protect(validate, rs)
  if not list then return nil, verr, vcode end
  rs.list = list
  return list
end

--- The list a register uses (setting docs.mandatory, else iso27001).
function M.of(reg)
  return M.load(reg:setting(M.SETTING) or M.DEFAULT)
end

return M
