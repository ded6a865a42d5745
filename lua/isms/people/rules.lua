--- The two rule files of clauses 5.3 and 7.2-7.3: the ISMS roles
-- (rules/roles/NAME.lua, `role "id" { ... }`) and the competence and
-- awareness programmes (rules/programmes/NAME.lua, `programme "id" {
-- ... }`). Both are evaluated in the sandbox (isms.rules) and checked
-- here; a fault comes back as nil, "file:line: kind 'name': field:
-- reason", "RULE", like every other rule file.
local rules = require "isms.rules"
local check = require "isms.rules.check"

local fail, set = check.fail, check.set
local M = {}

--- What a role may approve (`approves`), checked by approvals.
M.APPROVALS = { "scope", "business_case", "objectives", "policy", "risk_acceptance" }

--- Programme frequencies: one-off occasions and intervals (months).
M.ONCE = { once = true, before_kickoff = true, at_induction = true }
M.INTERVAL = { monthly = 1, quarterly = 3, half_yearly = 6, yearly = 12, every_2_years = 24 }

--- The audience word for every current person.
M.ALL = "all"

local ROLE_FIELDS = set { "title", "description", "responsibilities", "overlap", "min_holders",
                          "competence", "approves", "chair", "conflicts_with" }
local PROGRAMME_FIELDS = set { "title", "description", "audience", "frequency", "induction_days",
                               "grants", "days", "form" }

local ID_PATTERN = "^[%w][%w%._%-]*$"

local function check_id(file, d)
  if #d.name > 64 or not d.name:match(ID_PATTERN) then
    fail(file, d, nil, "bad id; use up to 64 letters, digits, '.', '_' or '-', starting with a "
         .. "letter or digit")
  end
end

local function words(t)
  local names = {}
  for k in pairs(t) do names[#names + 1] = k end
  table.sort(names)
  return table.concat(names, ", ")
end

local function run(fn, ...)
  local ok, result = pcall(fn, ...)
  if ok then return result end
  if type(result) == "table" and result.msg then return nil, result.msg, "RULE" end
  error(result, 0)
end

-- A list of strings, or one string taken as a list of one.
local function string_list(file, d, field, v)
  if type(v) == "string" then v = { v } end
  return check.strings(file, d, field, v, true)
end

-- ------------------------------------------------------------ roles

local function validate_roles(file, decls)
  local set_ = { file = file, roles = {}, by_id = {} }
  for _, d in ipairs(decls) do
    local f = type(d.fields) == "table" and d.fields or {}
    if d.kind ~= "role" then
      fail(file, d, nil, "not a roles word; a roles file declares role \"id\" { ... }")
    end
    check_id(file, d)
    local first = set_.by_id[d.name]
    if first then fail(file, d, nil, ("declared twice (first at line %d)"):format(first.line)) end
    check.fields(file, d, f, ROLE_FIELDS)
    check.string(file, d, "title", f.title)
    check.string(file, d, "description", f.description, true)
    if f.overlap ~= nil and type(f.overlap) ~= "boolean" then
      fail(file, d, "overlap", "expected true or false")
    end
    local min = f.min_holders == nil and 1 or f.min_holders
    if not check.is_int(min) or min < 0 or min > 100000 then
      fail(file, d, "min_holders", "expected a whole number, 0 or more")
    end
    local approves = string_list(file, d, "approves", f.approves)
    local allowed = set(M.APPROVALS)
    for k, a in ipairs(approves) do
      if not allowed[a] then
        fail(file, d, ("approves[%d]"):format(k), ("'%s' is not one of %s"):format(a,
             table.concat(M.APPROVALS, ", ")))
      end
    end
    check.string(file, d, "chair", f.chair, true)
    local r = {
      id = d.name, line = d.line, title = f.title, description = f.description,
      responsibilities = string_list(file, d, "responsibilities", f.responsibilities),
      overlap = f.overlap ~= false, min_holders = min,
      competence = string_list(file, d, "competence", f.competence),
      approves = approves, approves_set = set(approves), chair = f.chair,
      conflicts_with = string_list(file, d, "conflicts_with", f.conflicts_with),
      decl = d,
    }
    set_.roles[#set_.roles + 1] = r
    set_.by_id[r.id] = r
  end
  if #set_.roles == 0 then
    error({ msg = file .. ":1: declares no roles; add role \"id\" { title = ..., ... }" })
  end
  -- References between roles, once all are known.
  for _, r in ipairs(set_.roles) do
    if r.chair and not set_.by_id[r.chair] then
      fail(file, r.decl, "chair", ("no role '%s' in this file"):format(r.chair))
    end
    for k, other in ipairs(r.conflicts_with) do
      if not set_.by_id[other] then
        fail(file, r.decl, ("conflicts_with[%d]"):format(k), ("no role '%s' in this file"):format(
             other))
      end
      if other == r.id then
        fail(file, r.decl, ("conflicts_with[%d]"):format(k), "a role cannot conflict with itself")
      end
    end
    r.decl = nil
  end
  return set_
end

--- Loads a roles file by name (roles/NAME.lua on the rules path) or path.
-- @treturn table|nil `{ file, roles = { role, ... }, by_id }`, each role
--   `{ id, title, description, responsibilities, overlap, min_holders,
--   competence, approves, chair, conflicts_with, line }`; or nil, message,
--   "RULE"
function M.load_roles(name)
  local path, e = rules.find("roles", name)
  if not path then return nil, e, "RULE" end
  local decls, err, code = rules.eval(path)
  if not decls then return nil, err, code end
  return run(validate_roles, path, decls)
end

-- ------------------------------------------------------------ programmes

local function validate_programmes(file, decls)
  local set_ = { file = file, programmes = {}, by_id = {} }
  for _, d in ipairs(decls) do
    local f = type(d.fields) == "table" and d.fields or {}
    if d.kind ~= "programme" then
      fail(file, d, nil, "not a programmes word; a programmes file declares programme \"id\" "
           .. "{ ... }")
    end
    check_id(file, d)
    local first = set_.by_id[d.name]
    if first then fail(file, d, nil, ("declared twice (first at line %d)"):format(first.line)) end
    check.fields(file, d, f, PROGRAMME_FIELDS)
    check.string(file, d, "title", f.title)
    check.string(file, d, "description", f.description, true)
    check.string(file, d, "form", f.form, true)
    local audience = string_list(file, d, "audience", f.audience)
    if #audience == 0 then
      fail(file, d, "audience", "expected the roles it is for, or \"all\"")
    end
    local freq = string_list(file, d, "frequency", f.frequency)
    if #freq == 0 then
      fail(file, d, "frequency", "expected one or more of once, before_kickoff, at_induction, "
           .. words(M.INTERVAL))
    end
    local p = { id = d.name, line = d.line, title = f.title, description = f.description,
                form = f.form, audience = audience, grants = string_list(file, d, "grants",
                f.grants), once = {}, decl = d }
    for k, w in ipairs(freq) do
      if M.ONCE[w] then
        p.once[w] = true
      elseif M.INTERVAL[w] then
        if p.interval then
          fail(file, d, ("frequency[%d]"):format(k), ("a second interval ('%s' after '%s'); give "
               .. "one"):format(w, p.interval))
        end
        p.interval, p.months = w, M.INTERVAL[w]
      else
        fail(file, d, ("frequency[%d]"):format(k), ("'%s' is not one of once, before_kickoff, "
             .. "at_induction, %s"):format(w, words(M.INTERVAL)))
      end
    end
    p.frequency = freq
    local days = f.induction_days == nil and 30 or f.induction_days
    if not check.is_int(days) or days < 0 or days > 3660 then
      fail(file, d, "induction_days", "expected a whole number of days, 0 to 3660")
    end
    p.induction_days = days
    if f.days ~= nil and (type(f.days) ~= "number" or f.days < 0 or f.days > 1000) then
      fail(file, d, "days", "expected a number of days, 0 to 1000")
    end
    p.days = f.days
    set_.programmes[#set_.programmes + 1] = p
    set_.by_id[p.id] = p
  end
  if #set_.programmes == 0 then
    error({ msg = file .. ":1: declares no programmes; add programme \"id\" { title = ..., "
            .. "audience = ..., frequency = ... }" })
  end
  return set_
end

--- Loads a programmes file by name (programmes/NAME.lua) or path.
-- @treturn table|nil `{ file, programmes = { p, ... }, by_id }`, each
--   `{ id, title, audience, frequency, once = { word = true }, interval,
--   months, induction_days, grants, days, form, line }`; or nil, msg, "RULE"
function M.load_programmes(name)
  local path, e = rules.find("programmes", name)
  if not path then return nil, e, "RULE" end
  local decls, err, code = rules.eval(path)
  if not decls then return nil, err, code end
  return run(validate_programmes, path, decls)
end

--- Checks that a programmes file's audiences name roles of a roles file:
-- nil, "file:line: programme 'x': audience[k]: no role 'y' in ROLESFILE".
function M.match(roles, programmes)
  for _, p in ipairs(programmes.programmes) do
    for k, a in ipairs(p.audience) do
      if a ~= M.ALL and not roles.by_id[a] then
        return nil, ("%s:%d: programme '%s': audience[%d]: no role '%s' in %s"):format(
          programmes.file, p.line, p.id, k, a, roles.file), "RULE"
      end
    end
  end
  return true
end

return M
