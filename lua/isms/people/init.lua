--- People, roles and competence (ISO/IEC 27001 clauses 5.3, 7.2, 7.3):
-- the people register, who holds which ISMS role from when to when, the
-- competences people have, their training and awareness records and who
-- is responsible, accountable, consulted and informed for an activity
-- (RACI). The roles and the programmes are rule files (rules/roles/,
-- rules/programmes/; isms.people.rules); which ones a register uses, and
-- the ISMS kick-off date, are register settings.
--
--   local people = require "isms.people"
--   reg:records("people"):add { id = "P-001", name = "Mei Lin", joined = "2019-04-01" }
--   reg:records("role-assignments"):add { person = "P-001", role = "ciso", held_from = "2026-01-05" }
--   people.check(reg, { today = "2026-12-01" })   --> lacking, refreshers, competence, unfilled
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local rules = require "isms.people.rules"
local check = require "isms.people.check"

local M = {}

M.rules = rules

-- ------------------------------------------------------------ settings

--- Register settings this package reads.
M.SETTINGS = { roles = "roles_rules", programmes = "programmes_rules", kickoff = "isms_kickoff" }

--- The roles file, the programmes file and the kick-off date a register
-- uses (settings roles_rules, programmes_rules, isms_kickoff; the shipped
-- "default" files when unset), loaded once per register and setting.
-- @treturn table|nil `{ roles, programmes, kickoff, roles_name,
--   programmes_name }`, or nil, message, code
function M.config(reg)
  local rn = reg:setting(M.SETTINGS.roles) or "default"
  local pn = reg:setting(M.SETTINGS.programmes) or "default"
  local kickoff = reg:setting(M.SETTINGS.kickoff)
  local key = rn .. "\0" .. pn .. "\0" .. tostring(kickoff)
  local c = reg._people_config
  if c and c.key == key then return c end
  local roles, e, code = rules.load_roles(rn)
  if not roles then return nil, e, code end
  local programmes
  programmes, e, code = rules.load_programmes(pn)
  if not programmes then return nil, e, code end
  local ok
  ok, e, code = rules.match(roles, programmes)
  if not ok then return nil, e, code end
  c = { key = key, roles = roles, programmes = programmes, kickoff = kickoff, roles_name = rn,
        programmes_name = pn }
  reg._people_config = c
  return c
end

--- Chooses the roles file, the programmes file and the kick-off date
-- (each optional: opts.roles, opts.programmes, opts.kickoff), after
-- loading and matching them; nothing changes if any is wrong.
function M.configure(reg, opts, reason)
  opts = opts or {}
  local rn = opts.roles or reg:setting(M.SETTINGS.roles) or "default"
  local pn = opts.programmes or reg:setting(M.SETTINGS.programmes) or "default"
  local roles, e, code = rules.load_roles(rn)
  if not roles then return nil, e, code end
  local programmes
  programmes, e, code = rules.load_programmes(pn)
  if not programmes then return nil, e, code end
  local ok
  ok, e, code = rules.match(roles, programmes)
  if not ok then return nil, e, code end
  if opts.kickoff then
    ok, e = records.date(opts.kickoff, "kickoff")
    if not ok then return nil, e, "INPUT" end
  end
  -- Roles in use must still be declared.
  local in_use = {}
  for row in reg:query("SELECT DISTINCT role FROM role_assignments ORDER BY role") do
    in_use[#in_use + 1] = row
  end
  for _, row in ipairs(in_use) do
    if not roles.by_id[row.role] then
      return nil, ("%s: no role '%s', which role assignments use; keep it or reassign them first")
        :format(roles.file, row.role), "INPUT"
    end
  end
  if opts.roles then
    ok, e, code = reg:set_setting(M.SETTINGS.roles, opts.roles, reason)
    if not ok then return nil, e, code end
  end
  if opts.programmes then
    ok, e, code = reg:set_setting(M.SETTINGS.programmes, opts.programmes, reason)
    if not ok then return nil, e, code end
  end
  if opts.kickoff then
    ok, e, code = reg:set_setting(M.SETTINGS.kickoff, opts.kickoff, reason)
    if not ok then return nil, e, code end
  end
  reg._people_config = nil
  return M.config(reg)
end

-- ------------------------------------------------------------ periods

-- Do two periods [from, to] overlap? (to nil: open-ended; both ends
-- count, so a handover is one holder until the 30th, the next from the 1st.)
local function overlaps(s1, u1, s2, u2)
  return s1 <= (u2 or "9999-12-31") and s2 <= (u1 or "9999-12-31")
end
M.overlaps = overlaps

local function period(a)
  return ("%s to %s"):format(a.held_from, a.held_to or "open end")
end

-- ------------------------------------------------------------ kinds

--- A role id as given, checked against the register's roles file.
local function known_role(reg, id)
  local c, e = M.config(reg)
  if not c then return nil, e end
  if c.roles.by_id[id] then return true end
  local ids = {}
  for _, r in ipairs(c.roles.roles) do ids[#ids + 1] = r.id end
  return nil, ("no role '%s' in %s; roles are %s"):format(id, c.roles.file, table.concat(ids, ", "))
end
M.known_role = known_role

kind.define {
  kind = "person", plural = "people", table = "people", key = "id", id_prefix = "P-",
  title = "People (clause 7: who works in or for the ISMS)",
  summary = "the people register (isms people check: training, competence, unfilled roles)",
  list_columns = { "id", "name", "unit", "type", "joined", "left_on" },
  fields = {
    { name = "id", type = "id" },
    { name = "name", type = "text", required = true },
    { name = "unit", type = "text", help = "organisational unit" },
    { name = "type", type = "enum", values = { "employee", "contractor", "third_party" },
      default = "employee" },
    { name = "email", type = "text" },
    { name = "joined", type = "date" },
    { name = "left_on", type = "date" },
    { name = "areas", type = "list", help = "areas the person is responsible for" },
    { name = "acts_as", type = "links", to = "party",
      help = "asset owners (parties of the asset register) this person is" },
  },
  validate = function(row)
    if row.joined and row.left_on and row.left_on < row.joined then
      return ("left on %s, before joining on %s"):format(row.left_on, row.joined), "left_on"
    end
  end,
}

kind.define {
  kind = "role_assignment", plural = "role-assignments", table = "role_assignments", key = "id",
  id_prefix = "RA-",
  title = "Role assignments (clause 5.3: who holds which ISMS role, from when to when)",
  list_columns = { "id", "person", "role", "held_from", "held_to" },
  fields = {
    { name = "id", type = "id" },
    { name = "person", type = "ref", to = "person", required = true },
    { name = "role", type = "text", required = true, help = "a role of the roles file" },
    { name = "held_from", type = "date", required = true },
    { name = "held_to", type = "date", help = "empty: still held" },
    { name = "note", type = "text" },
  },
  -- A role must be one the roles file declares; a person holds a role
  -- once at a time; a role with overlap = false has one holder at a time.
  validate = function(row, _, reg, batch)
    local ok, e = known_role(reg, row.role)
    if not ok then return e, "role" end
    if row.held_to and row.held_to < row.held_from then
      return ("held to %s, before it is held from %s"):format(row.held_to, row.held_from), "held_to"
    end
    local role = M.config(reg).roles.by_id[row.role]
    local function clash(other)
      if other.id == row.id or other.role ~= row.role then return nil end
      if not overlaps(row.held_from, row.held_to, other.held_from, other.held_to) then return nil end
      if other.person == row.person then
        return ("%s holds %s already over %s (%s); periods of one person may not overlap")
          :format(row.person, row.role, period(other), other.id)
      end
      if not role.overlap then
        return ("%s is held by %s over %s (%s), and the roles file allows one holder at a time "
          .. "(overlap = false)"):format(row.role, other.person, period(other), other.id)
      end
    end
    for _, other in pairs(batch) do
      local why = clash(other)
      if why then return why, "held_from" end
    end
    -- Only the person's own periods matter where the role allows overlap.
    local sql = "SELECT id, person, role, held_from, held_to FROM role_assignments "
      .. "WHERE role = ?1 AND id <> ?2" .. (role.overlap and " AND person = ?3" or "")
    local iter
    if role.overlap then iter = reg:query(sql, row.role, row.id, row.person)
    else iter = reg:query(sql, row.role, row.id) end
    local others = {}  -- read to the end first: the cursor closes
    for other in iter do others[#others + 1] = other end
    for _, other in ipairs(others) do
      if not batch[other.id] then
        local why = clash(other)
        if why then return why, "held_from" end
      end
    end
  end,
}

kind.define {
  kind = "competence", plural = "competences", table = "competences", key = "id",
  id_prefix = "CMP-",
  title = "Competences (clause 7.2: what people are competent in, with evidence)",
  list_columns = { "id", "person", "competence", "obtained", "expires" },
  fields = {
    { name = "id", type = "id" },
    { name = "person", type = "ref", to = "person", required = true },
    { name = "competence", type = "text", required = true },
    { name = "evidence", type = "text", help = "certificate, degree, appraisal, ..." },
    { name = "obtained", type = "date" },
    { name = "expires", type = "date" },
  },
  validate = function(row)
    if row.obtained and row.expires and row.expires < row.obtained then
      return ("expires on %s, before it was obtained on %s"):format(row.expires, row.obtained),
        "expires"
    end
  end,
}

kind.define {
  kind = "training", plural = "training", table = "training_records", key = "id",
  id_prefix = "TR-",
  title = "Training and awareness records (clause 7.2-7.3: who completed which programme)",
  list_columns = { "id", "person", "programme", "completed", "result" },
  fields = {
    { name = "id", type = "id" },
    { name = "person", type = "ref", to = "person", required = true },
    { name = "programme", type = "text", required = true, help = "a programme of the programmes file" },
    { name = "completed", type = "date", required = true },
    { name = "result", type = "enum", values = { "completed", "passed", "attended", "failed" },
      default = "completed" },
    { name = "hours", type = "number", min = 0 },
    { name = "evidence", type = "text", help = "attendance list, certificate, quiz score, ..." },
  },
  validate = function(row, _, reg)
    local c, e = M.config(reg)
    if not c then return e, "programme" end
    if not c.programmes.by_id[row.programme] then
      local ids = {}
      for _, p in ipairs(c.programmes.programmes) do ids[#ids + 1] = p.id end
      return ("no programme '%s' in %s; programmes are %s"):format(row.programme,
        c.programmes.file, table.concat(ids, ", ")), "programme"
    end
  end,
}

-- A RACI name: a role of the roles file or a person of the register.
local function role_or_person(reg, name)
  local c = M.config(reg)
  if c and c.roles.by_id[name] then return true end
  return kind.exists(reg, "person", name)
end

kind.define {
  kind = "raci", plural = "raci", table = "raci", key = "id", id_prefix = "RACI-",
  title = "Responsibility assignments (RACI) for activities and roadmap steps",
  list_columns = { "id", "activity", "accountable", "responsible" },
  fields = {
    { name = "id", type = "id" },
    { name = "activity", type = "text", required = true,
      help = "the activity or roadmap step (its id)" },
    { name = "accountable", type = "text", required = true, help = "one role or person" },
    { name = "responsible", type = "list", help = "roles or people who do the work" },
    { name = "consulted", type = "list" },
    { name = "informed", type = "list" },
    { name = "note", type = "text" },
  },
  validate = function(row, _, reg)
    local c, e = M.config(reg)
    if not c then return e, "accountable" end
    for _, field in ipairs({ "accountable", "responsible", "consulted", "informed" }) do
      local v = row[field]
      for _, name in ipairs(type(v) == "table" and v or { v }) do
        if not role_or_person(reg, name) then
          return ("'%s' is neither a role of %s nor a person in the register"):format(name,
            c.roles.file), field
        end
      end
    end
    if not row.responsible or #row.responsible == 0 then
      return "name who is responsible (roles or people)", "responsible"
    end
  end,
}

-- Assets are owned by parties of the asset register (names); a person
-- acts as one or more of them.
kind.resolver("party", function(reg, name)
  local next_row = reg:query("SELECT 1 FROM parties WHERE name = ?1", name)
  local found = next_row() ~= nil
  if found then next_row() end
  return found
end)

-- ------------------------------------------------------------ queries

--- The current holders of a role on a date (default today):
-- { { person, name, held_from, held_to, assignment }, ... } by person.
function M.holders(reg, role, on)
  on = records.today(on)
  local out = {}
  for row in reg:query("SELECT a.person, p.name, a.held_from, a.held_to, a.id AS assignment "
      .. "FROM role_assignments a LEFT JOIN people p ON p.id = a.person WHERE a.role = ?1 "
      .. "AND a.held_from <= ?2 AND (a.held_to IS NULL OR a.held_to >= ?2) ORDER BY a.person", role, on) do
    out[#out + 1] = row
  end
  return out
end

--- The roles a person holds on a date (default today), sorted.
function M.roles_of(reg, person, on)
  on = records.today(on)
  local out = {}
  for row in reg:query("SELECT DISTINCT role FROM role_assignments WHERE person = ?1 "
      .. "AND held_from <= ?2 AND (held_to IS NULL OR held_to >= ?2) ORDER BY role", person, on) do
    out[#out + 1] = row.role
  end
  return out
end

--- Does a person hold a role that approves `what` (scope, business_case,
-- objectives, policy, risk_acceptance) on a date? true, or nil and why.
function M.may_approve(reg, person, what, on)
  local c, e = M.config(reg)
  if not c then return nil, e end
  local approvers = {}
  for _, r in ipairs(c.roles.roles) do
    if r.approves_set[what] then approvers[#approvers + 1] = r.id end
  end
  for _, role in ipairs(M.roles_of(reg, person, on)) do
    if c.roles.by_id[role] and c.roles.by_id[role].approves_set[what] then return true end
  end
  return nil, ("%s holds no role that approves %s on %s (%s)"):format(person,
    what:gsub("_", " "), on, #approvers > 0 and table.concat(approvers, ", ")
      or "no role of " .. c.roles.file .. " does")
end

--- The assets a person owns through the parties they act as: asset ids.
function M.owned_assets(reg, person)
  local out = {}
  for row in reg:query("SELECT a.id FROM record_links l JOIN parties p ON p.name = l.target "
      .. "JOIN assets a ON a.owner = p.id WHERE l.kind = 'person' AND l.rel = 'acts_as' "
      .. "AND l.id = ?1 ORDER BY a.id", person) do
    out[#out + 1] = row.id
  end
  return out
end

--- Who lacks a required programme or competence, who is due for a
-- refresher, which roles are unfilled (isms.people.check).
function M.check(reg, opts)
  local c, e, code = M.config(reg)
  if not c then return nil, e, code end
  return check.run(reg, c, opts)
end

--- The share of current people with every required programme current
-- (the shipped metric people-trained): { trained, people, share }.
function M.trained_share(reg, opts)
  local rep, e, code = M.check(reg, opts)
  if not rep then return nil, e, code end
  return rep.trained
end

return M
