--- Roadmap workflows: loading and validating the rule files of
-- rules/roadmaps/ (docs/roadmaps.md).
--
--   roadmap "qism-24" { title = "...", calendar = "weekdays", extends = "..." }
--   role "lead-team" { title = "ISMS lead team" }
--   phase "awareness" { title = "Awareness" }
--   criterion "soa-issued" { text = "an approved SoA revision is on record",
--                            counts = { "soa_revisions" },
--                            check = function(r) return r.count.soa_revisions > 0 end }
--   step "8" { phase = "preparation", title = "Define scope and policy",
--              role = "steering-committee", duration = { 10, 20 },
--              depends = { "4", { "6", lag = 5 } }, evidence = { "ISMS scope" },
--              entry = { ... }, exit = { "soa-issued" } }
--
-- Every fault is reported as "file:line: kind 'name': field: reason" and
-- rejects the file as a whole. A file may extend another workflow: it
-- inherits the roles, phases, criteria and steps, a step of the same id
-- changes the fields it gives, and `remove = true` drops an inherited
-- declaration.
local rules = require "isms.rules"
local check = require "isms.rules.check"
local criteria = require "isms.roadmap.criteria"
local calendar = require "isms.roadmap.calendar"

local M = {}
local Workflow = {}
Workflow.__index = Workflow

local MAX_EXTENDS = 8
local MAX_DURATION = 100000  -- working days (about 400 years)
local MAX_LAG = 10000
local MAX_MONTHS = 1200

local fail = check.fail

local ALLOWED = {
  roadmap = { title = true, description = true, reference = true, version = true,
              extends = true, calendar = true },
  role = { title = true, description = true, remove = true },
  phase = { title = true, description = true, remove = true },
  criterion = { text = true, description = true, check = true, counts = true, sql = true,
                remove = true },
  step = { phase = true, title = true, description = true, role = true, duration = true,
           depends = true, evidence = true, entry = true, exit = true, optional = true,
           earliest = true, deadline = true, remove = true },
}
local WHEN = { after = true, months = true, days = true, title = true }

-- `roadmap_step`, the word the sandbox reserved for roadmaps before they
-- came, reads as `step`.
local function kind_of(d) return d.kind == "roadmap_step" and "step" or d.kind end

local function describe(v)
  if type(v) == "string" then return ("'%s'"):format(v) end
  if type(v) == "table" then return "a table" end
  return tostring(v)
end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- ------------------------------------------------------------ loading

-- Evaluates a file and its ancestors; returns one list of declarations in
-- which a child's role, phase or criterion replaces its parent's of the
-- same name, a child's step changes the fields it gives, and remove =
-- true drops one. Each declaration keeps its file and index (for calls).
local function load_decls(path, depth, seen)
  if depth > MAX_EXTENDS then
    error({ msg = path .. ": roadmap extends more than " .. MAX_EXTENDS .. " levels deep" })
  end
  if seen[path] then error({ msg = path .. ": roadmap extends itself (a cycle)" }) end
  seen[path] = true
  local decls, err = rules.eval(path)
  if not decls then error({ msg = err, code = "RULE" }) end
  local head
  for k, d in ipairs(decls) do
    d.file, d.index = path, k
    if type(d.fields) ~= "table" then d.fields = {} end
    d.kind = kind_of(d)
    if not ALLOWED[d.kind] then
      fail(path, d, nil, "not a roadmap word; a roadmap file declares roadmap, role, phase, "
           .. "criterion and step")
    end
    if d.kind == "roadmap" then
      if head then
        fail(path, d, nil, ("a file declares one roadmap (first at line %d)"):format(head.line))
      end
      head = d
    end
  end
  if not head then
    error({ msg = path .. ":1: no roadmap declared; start with roadmap \"name\" { ... }",
            code = "RULE" })
  end
  -- Names are unique within one file.
  local first = {}
  for _, d in ipairs(decls) do
    if d.kind ~= "roadmap" then
      local key = d.kind .. "\0" .. tostring(d.name)
      if first[key] then
        fail(path, d, nil, ("declared twice in this file (first at line %d)"):format(first[key]))
      end
      first[key] = d.line
    end
  end
  local parent = head.fields.extends
  if parent == nil then
    for _, d in ipairs(decls) do
      if d.fields.remove ~= nil then
        fail(path, d, "remove", "nothing to remove: this roadmap extends no other")
      end
    end
    return decls
  end
  if type(parent) ~= "string" or parent == "" then
    fail(path, head, "extends", "expected the name or path of a roadmap")
  end
  local ppath, perr = rules.find("roadmaps", parent, path)
  if not ppath then fail(path, head, "extends", perr) end
  local merged = load_decls(ppath, depth + 1, seen)
  local at_of = {}
  local function key(d) return d.kind == "roadmap" and "roadmap" or d.kind .. "\0" .. d.name end
  for j, d in ipairs(merged) do at_of[key(d)] = j end
  local dropped = {}
  for _, d in ipairs(decls) do
    local k = key(d)
    local at = at_of[k]
    if d.fields.remove ~= nil then
      if d.fields.remove ~= true or next(d.fields, next(d.fields)) ~= nil then
        fail(path, d, "remove", "write remove = true alone to drop an inherited declaration")
      end
      if not at then fail(path, d, "remove", "nothing inherited by that kind and name") end
      dropped[at] = true
    elseif at and d.kind == "step" then
      -- A step of the same id changes the fields it gives.
      local old = merged[at]
      local fields = copy(old.fields)
      for name, v in pairs(d.fields) do fields[name] = v end
      d.fields = fields
      d.inherited = old
      merged[at] = d
    elseif at then
      merged[at] = d
    else
      merged[#merged + 1] = d
      at_of[k] = #merged
    end
  end
  local out = {}
  for j, d in ipairs(merged) do
    if not dropped[j] then out[#out + 1] = d end
  end
  return out
end

-- ------------------------------------------------------------ checks

--- Reads a duration: working days, or a range { low, high } or
-- { low, likely, high }; returns { lo, mid, hi }.
local function whole(x) return check.is_int(x) and x >= 0 and x <= MAX_DURATION end

local function duration_of(file, decl, v)
  if whole(v) then return { lo = v, mid = v, hi = v } end
  if type(v) == "table" and (#v == 2 or #v == 3) and next(v, #v) == nil then
    local ok = true
    for k = 1, #v do ok = ok and whole(v[k]) end
    if ok then
      local lo, hi = v[1], v[#v]
      local mid = #v == 3 and v[2] or math.ceil((lo + hi) / 2)
      if lo <= mid and mid <= hi then return { lo = lo, mid = mid, hi = hi } end
      fail(file, decl, "duration", ("a range runs low to high; got { %s }")
           :format(table.concat(v, ", ")))
    end
  end
  fail(file, decl, "duration", ("expected working days (a whole number from 0 to %d) or a range "
       .. "{ low, high } of them, got %s"):format(MAX_DURATION, describe(v)))
end

-- A list of criterion references: "id" or { "id", arg, ... }.
local function refs_of(file, decl, field, v)
  if v == nil then return {} end
  if type(v) == "string" then v = { v } end
  if type(v) ~= "table" then
    fail(file, decl, field, "expected a list of criteria, e.g. { \"soa-issued\" }")
  end
  local out = {}
  for k, item in ipairs(v) do
    local at = ("%s[%d]"):format(field, k)
    local id, args = item, {}
    if type(item) == "table" then
      id = item[1]
      for j = 2, #item do
        local a = item[j]
        local t = type(a)
        if t ~= "string" and t ~= "number" and t ~= "boolean" then
          fail(file, decl, at, ("argument %d: expected a string, number or boolean, got %s")
               :format(j - 1, t))
        end
        args[#args + 1] = a
      end
      for name in pairs(item) do
        if type(name) ~= "number" then
          fail(file, decl, at .. "." .. tostring(name), "unknown field; write { \"criterion\", "
               .. "argument, ... }")
        end
      end
    end
    if type(id) ~= "string" or id == "" then
      fail(file, decl, at, "expected a criterion id, or { id, argument, ... }")
    end
    out[#out + 1] = { id = id, args = args, at = at }
  end
  return out
end

local function dependency_list(file, decl, v)
  if v == nil then return {} end
  if type(v) == "string" then v = { v } end
  if type(v) ~= "table" then
    fail(file, decl, "depends", "expected a list of step ids, e.g. { \"1\", { \"2\", lag = 5 } }")
  end
  local out = {}
  for k, item in ipairs(v) do
    local at = ("depends[%d]"):format(k)
    local id, lag = item, 0
    if type(item) == "table" then
      -- { "2", lag = 5 } comes from the sandbox as { ["1"] = "2", lag = 5 }.
      id = item[1] or item["1"] or item.step
      lag = item.lag or 0
      for name in pairs(item) do
        if name ~= 1 and name ~= "1" and name ~= "step" and name ~= "lag" then
          fail(file, decl, at .. "." .. tostring(name), "unknown field; expected step and lag")
        end
      end
      if not check.is_int(lag) or lag < 0 or lag > MAX_LAG then
        fail(file, decl, at .. ".lag", ("expected working days, a whole number from 0 to %d, "
             .. "got %s"):format(MAX_LAG, describe(lag)))
      end
    end
    if type(id) ~= "string" or id == "" then
      fail(file, decl, at, "expected a step id or { \"id\", lag = N }, got " .. describe(id))
    end
    out[#out + 1] = { id = id, lag = lag, at = at }
  end
  return out
end

-- earliest / deadline: { after = "step" (or the run's start), months =, days = };
-- a deadline may be a list of them (the earliest date counts).
local function when_of(file, decl, field, v)
  if v == nil then return nil end
  if type(v) ~= "table" then
    fail(file, decl, field, "expected { after = \"step\", months = N, days = N }")
  end
  if #v > 0 and field == "deadline" then
    local list = {}
    for k, w in ipairs(v) do
      if type(w) ~= "table" or #w > 0 then
        fail(file, decl, ("%s[%d]"):format(field, k), "expected { after = \"step\", months = N }")
      end
      list[k] = when_of(file, decl, ("%s[%d]"):format(field, k), w)
    end
    return list
  end
  check.fields(file, decl, v, WHEN, field .. ".")
  if v.after ~= nil then check.string(file, decl, field .. ".after", v.after) end
  check.string(file, decl, field .. ".title", v.title, true)
  for _, unit in ipairs({ "months", "days" }) do
    local n = v[unit]
    if n ~= nil and (not check.is_int(n) or math.abs(n) > MAX_MONTHS * 31) then
      fail(file, decl, field .. "." .. unit, "expected a whole number, got " .. describe(n))
    end
  end
  if v.months == nil and v.days == nil then
    fail(file, decl, field, "give months = N and/or days = N")
  end
  return { after = v.after, months = v.months or 0, days = v.days or 0, title = v.title,
           field = field }
end

local function check_criterion(file, decl)
  local f = decl.fields
  check.fields(file, decl, f, ALLOWED.criterion)
  check.string(file, decl, "text", f.text)
  check.string(file, decl, "description", f.description, true)
  if not check.is_function(f.check) then
    fail(file, decl, "check", "expected a function(r, ...) returning true or false (and a reason)")
  end
  local counts = check.strings(file, decl, "counts", f.counts, true)
  for k, name in ipairs(counts) do
    if not criteria.FACTS[name] then
      fail(file, decl, ("counts[%d]"):format(k), ("unknown count '%s'; the register counts %s")
           :format(name, table.concat(criteria.fact_names(), ", ")))
    end
  end
  local sql = {}
  if f.sql ~= nil then
    if type(f.sql) ~= "table" or #f.sql > 0 then
      fail(file, decl, "sql", "expected a table of name = \"SELECT ...\"")
    end
    for name, text in pairs(f.sql) do
      if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
        fail(file, decl, "sql", ("'%s' is not a name (letters, digits and _)"):format(
          tostring(name)))
      end
      check.string(file, decl, "sql." .. name, text)
      sql[name] = text
    end
  end
  return { id = decl.name, text = f.text, description = f.description, counts = counts,
           sql = sql, decl = decl, line = decl.line, file = decl.file or file }
end

-- Topological order of the steps (Kahn); on a cycle, fails naming it.
local function order_steps(file, steps)
  local n = #steps
  local indeg, succ = {}, {}
  for i = 1, n do indeg[i], succ[i] = 0, {} end
  for i, s in ipairs(steps) do
    for _, e in ipairs(s.edges) do
      indeg[i] = indeg[i] + 1
      local list = succ[e]
      list[#list + 1] = i
    end
  end
  local queue, head, order = {}, 1, {}
  for i = 1, n do if indeg[i] == 0 then queue[#queue + 1] = i end end
  while head <= #queue do
    local i = queue[head]
    head = head + 1
    order[#order + 1] = i
    for _, j in ipairs(succ[i]) do
      indeg[j] = indeg[j] - 1
      if indeg[j] == 0 then queue[#queue + 1] = j end
    end
  end
  if #order == n then return order, succ end
  -- Every step left waits for another step left: walk the waits-for
  -- edges until one repeats; the walk from there is a cycle.
  local start
  for i = 1, n do if indeg[i] > 0 then start = i; break end end
  local seen, path, v = {}, {}, start
  while not seen[v] do
    seen[v] = #path + 1
    path[#path + 1] = v
    local nxt
    for _, e in ipairs(steps[v].edges) do
      if indeg[e] > 0 then nxt = e; break end
    end
    v = nxt
  end
  local cycle = {}
  for k = seen[v], #path do cycle[#cycle + 1] = path[k] end
  -- Name the cycle from its first-declared step.
  local low = 1
  for k = 2, #cycle do if cycle[k] < cycle[low] then low = k end end
  local words = {}
  for k = 0, #cycle - 1 do
    local a = steps[cycle[(low + k - 1) % #cycle + 1]]
    local b = steps[cycle[(low + k) % #cycle + 1]]
    words[#words + 1] = ("%s waits for %s"):format(a.id, b.id)
  end
  local s = steps[cycle[low]]
  fail(file, s.decl, "depends", "dependency cycle: " .. table.concat(words, ", "))
end

local function validate(file, decls)
  local wf = setmetatable({ file = file, roles = {}, role_by_id = {}, phases = {},
                            phase_by_id = {}, criteria = {}, criterion_list = {}, steps = {},
                            by_id = {}, sql = {} }, Workflow)
  local step_decls = {}
  for _, d in ipairs(decls) do
    local f = d.fields
    local kind = d.kind
    if kind == "roadmap" then
      check.fields(file, d, f, ALLOWED.roadmap)
      check.string(file, d, "title", f.title, true)
      check.string(file, d, "description", f.description, true)
      check.string(file, d, "reference", f.reference, true)
      check.string(file, d, "version", f.version, true)
      check.string(file, d, "calendar", f.calendar, true)
      wf.decl, wf.name = d, d.name
      wf.title, wf.description, wf.reference = f.title or d.name, f.description, f.reference
      wf.version, wf.extends, wf.calendar = f.version, f.extends, f.calendar
      wf.calendar_from = d.file or file
    elseif kind == "role" or kind == "phase" then
      check.fields(file, d, f, ALLOWED[kind])
      check.string(file, d, "title", f.title, true)
      check.string(file, d, "description", f.description, true)
      local item = { id = d.name, title = f.title or d.name, description = f.description,
                     line = d.line, file = d.file or file }
      if kind == "role" then
        wf.roles[#wf.roles + 1] = item
        wf.role_by_id[d.name] = item
      else
        item.index = #wf.phases + 1
        wf.phases[#wf.phases + 1] = item
        wf.phase_by_id[d.name] = item
      end
    elseif kind == "criterion" then
      local c = check_criterion(file, d)
      wf.criteria[c.id] = c
      wf.criterion_list[#wf.criterion_list + 1] = c
      for name, text in pairs(c.sql) do
        local other = wf.sql[name]
        if other and other.text ~= text then
          fail(file, d, "sql." .. name, ("criterion '%s' (line %d) names other SQL '%s'; one "
               .. "name, one statement"):format(other.by.id, other.by.line, name))
        end
        wf.sql[name] = { text = text, by = c }
      end
    else
      step_decls[#step_decls + 1] = d
    end
  end
  -- Steps, once roles, phases and criteria are all known.
  local role_names = {}
  for _, r in ipairs(wf.roles) do role_names[#role_names + 1] = r.id end
  for _, d in ipairs(step_decls) do
    local f = d.fields
    check.fields(file, d, f, ALLOWED.step)
    check.string(file, d, "title", f.title)
    check.string(file, d, "description", f.description, true)
    local s = { id = d.name, decl = d, line = d.line, file = d.file or file, title = f.title,
                description = f.description, index = #wf.steps + 1 }
    if f.phase ~= nil or #wf.phases > 0 then
      check.string(file, d, "phase", f.phase)
      local ph = wf.phase_by_id[f.phase]
      if not ph then
        local names = {}
        for _, p in ipairs(wf.phases) do names[#names + 1] = p.id end
        fail(file, d, "phase", ("unknown phase '%s'; %s"):format(f.phase, #names > 0 and
             ("the phases are " .. table.concat(names, ", ")) or "the roadmap declares no phase"))
      end
      s.phase = ph
    end
    check.string(file, d, "role", f.role)
    if not wf.role_by_id[f.role] then
      fail(file, d, "role", ("unknown role '%s'; %s"):format(f.role, #role_names > 0 and
           ("the roles are " .. table.concat(role_names, ", "))
           or "the roadmap declares no role (role \"id\" { title = ... })"))
    end
    s.role = wf.role_by_id[f.role]
    if f.duration == nil then fail(file, d, "duration", "required: working days, e.g. 5") end
    s.duration = duration_of(file, d, f.duration)
    s.depends = dependency_list(file, d, f.depends)
    s.evidence = check.strings(file, d, "evidence", f.evidence, true)
    if f.optional ~= nil and type(f.optional) ~= "boolean" then
      fail(file, d, "optional", "expected true or false")
    end
    s.optional = f.optional == true
    s.entry = refs_of(file, d, "entry", f.entry)
    s.exit = refs_of(file, d, "exit", f.exit)
    for _, list in ipairs({ s.entry, s.exit }) do
      for _, ref in ipairs(list) do
        local c = wf.criteria[ref.id]
        if not c then
          local names = {}
          for _, x in ipairs(wf.criterion_list) do names[#names + 1] = x.id end
          fail(file, d, ref.at, ("unknown criterion '%s'; %s"):format(ref.id, #names > 0 and
               ("the criteria are " .. table.concat(names, ", "))
               or "the roadmap declares no criterion"))
        end
        ref.criterion = c
        ref.key = ref.id .. (#ref.args > 0 and rules.serialize(ref.args) or "")
      end
    end
    s.earliest = when_of(file, d, "earliest", f.earliest)
    s.deadline = when_of(file, d, "deadline", f.deadline)
    if s.deadline and not s.deadline[1] then s.deadline = { s.deadline } end
    wf.steps[#wf.steps + 1] = s
    wf.by_id[s.id] = s
  end
  -- References between steps.
  for _, s in ipairs(wf.steps) do
    s.pred, s.edges = {}, {}
    local seen = {}
    for _, dep in ipairs(s.depends) do
      local p = wf.by_id[dep.id]
      if not p then
        fail(file, s.decl, dep.at, ("unknown step '%s'"):format(dep.id))
      end
      if p == s then fail(file, s.decl, dep.at, "a step cannot wait for itself") end
      if seen[p.index] then fail(file, s.decl, dep.at, ("step '%s' named twice"):format(dep.id)) end
      seen[p.index] = true
      s.pred[#s.pred + 1] = { index = p.index, lag = dep.lag }
      s.edges[#s.edges + 1] = p.index
    end
    local whens = { s.earliest }
    for _, w in ipairs(s.deadline or {}) do whens[#whens + 1] = w end
    for _, w in ipairs(whens) do
      if w.after then
        local p = wf.by_id[w.after]
        if not p then fail(file, s.decl, w.field .. ".after", ("unknown step '%s'"):format(w.after)) end
        if p == s then fail(file, s.decl, w.field .. ".after", "a step cannot follow itself") end
        w.index = p.index
        if not seen[p.index] then
          seen[p.index] = true
          s.edges[#s.edges + 1] = p.index
        end
      end
    end
  end
  wf.order, wf.succ = order_steps(file, wf.steps)
  if wf.calendar then
    local cal, cerr = calendar.load(wf.calendar, wf.calendar_from)
    if not cal then fail(file, wf.decl, "calendar", cerr) end
  end
  return wf
end

-- ------------------------------------------------------------ API

--- Loads a workflow by name (rules/roadmaps/NAME.lua on the rules path) or path.
-- @treturn Workflow|nil the workflow, or nil, message, code
function M.load(spec)
  if type(spec) ~= "string" then error("roadmap.load: expected a name or path", 2) end
  local path, ferr = rules.find("roadmaps", spec)
  if not path then return nil, ferr, "NOTFOUND" end
  local ok, res = pcall(function() return validate(path, load_decls(path, 1, {})) end)
  if not ok then
    if type(res) == "table" and res.msg then return nil, res.msg, res.code or "RULE" end
    error(res, 0)
  end
  res.spec = spec
  return res
end

--- Names of the workflows on the rules path.
function M.list() return rules.list("roadmaps") end

--- The workflow's calendar (its own, or the given name, or "weekdays").
function Workflow:calendar_of(name)
  local cal, err = calendar.load(name or self.calendar or "weekdays",
                                 not name and self.calendar_from or nil)
  if not cal then return nil, err, "NOTFOUND" end
  return cal
end

--- Steps in reading order: by phase, then as declared.
function Workflow:reading_order()
  local list = {}
  for k, s in ipairs(self.steps) do list[k] = s end
  table.sort(list, function(a, b)
    local pa, pb = a.phase and a.phase.index or 0, b.phase and b.phase.index or 0
    if pa ~= pb then return pa < pb end
    return a.index < b.index
  end)
  return list
end

M.Workflow = Workflow
return M
