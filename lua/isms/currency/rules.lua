--- The rule files that keep a register current: review cycles
-- (rules/cycles/NAME.lua, `review_cycle "KIND" { months = N, ... }`) and
-- the triggers that make records stale and propose internal audits
-- (rules/triggers/NAME.lua, `trigger "name" { on = KIND, ... }`). Checked
-- with file:line like every rule file; a register uses the files its
-- settings `cycle_rules` and `trigger_rules` name ("default" if none).
local rules = require "isms.rules"
local check = require "isms.rules.check"
local kind = require "isms.store.kind"
local irules = require "isms.incident.rules"

local M = {}

local fail = check.fail

-- ------------------------------------------------------------ cycles

--- Kinds of record a review cycle may name besides the record kinds
-- (isms.store.kind), and the field a shorter cycle may depend on.
M.CYCLE_KINDS = { risk = "level", asset = "class", supplier = "criticality", soa = false,
                  rule_file = false }

local function months(file, d, field, v)
  if not check.is_int(v) or v < 1 or v > 120 then
    fail(file, d, field, ("expected a whole number of months from 1 to 120, got %s"):format(tostring(v)))
  end
  return v
end

local function cycle_of(file, d)
  local name = d.name
  local by = M.CYCLE_KINDS[name]
  if by == nil then
    local kd = kind.get(name)
    if not kd then
      local names = {}
      for k in pairs(M.CYCLE_KINDS) do names[#names + 1] = k end
      for _, k in ipairs(kind.all()) do names[#names + 1] = k.kind end
      table.sort(names)
      fail(file, d, nil, ("unknown kind of record; expected one of %s"):format(table.concat(names, ", ")))
    end
    name, by = kd.kind, false
  end
  local f = d.fields
  local allowed = { months = true }
  if by then allowed[by] = true end
  check.fields(file, d, f, allowed)
  local c = { kind = name, months = months(file, d, "months", f.months), by = by or nil,
              shorter = {}, line = d.line }
  if by and f[by] ~= nil then
    if type(f[by]) ~= "table" or #f[by] > 0 then
      fail(file, d, by, ("expected a table { NAME = months, ... } by %s"):format(by))
    end
    for k, v in pairs(f[by]) do
      if type(k) ~= "string" or k == "" then fail(file, d, by, "expected names as keys") end
      c.shorter[k] = months(file, d, by .. "." .. k, v)
    end
  end
  return c
end

local function validate_cycles(file, decls)
  local spec = { file = file, cycles = {}, order = {} }
  for _, d in ipairs(decls) do
    if type(d.fields) ~= "table" then d.fields = {} end
    if d.kind ~= "review_cycle" then fail(file, d, nil, "not a review cycle word (review_cycle)") end
    local c = cycle_of(file, d)
    if spec.cycles[c.kind] then
      fail(file, d, nil, ("declared twice (first at line %d)"):format(spec.cycles[c.kind].line))
    end
    spec.cycles[c.kind] = c
    spec.order[#spec.order + 1] = c.kind
  end
  return spec
end

--- The months of a kind's cycle for one value of its `by` field.
function M.months_for(cycle, value)
  return value and cycle.shorter[value] or cycle.months
end

-- ------------------------------------------------------------ triggers

--- Trigger kinds: what each watches, whether it can make records stale
-- and whether it can propose an internal audit.
M.TRIGGERS = {
  valuation = { stale = true, audit = true, what = "an asset's C, I, A, class or value changed" },
  incident = { stale = true, audit = true, what = "an incident touched the risk's asset or threat" },
  threat = { stale = true, audit = true, what = "a threat of the catalog changed" },
  vulnerability = { stale = true, audit = true, what = "a vulnerability of the catalog changed" },
  control_status = { stale = true, audit = true,
                     what = "a control of the risk's treatment changed status in the SoA" },
  methodology = { stale = true, audit = true, what = "the register's methodology changed" },
  review_due = { stale = true, audit = false, what = "the record's next review date passed" },
  scope = { stale = true, audit = true, what = "the risk's asset changed scope" },
  asset_change = { stale = false, audit = true, what = "assets were added, changed or removed" },
  requirement = { stale = false, audit = true,
                  what = "an interested party's requirement was recorded or changed" },
}
local TRIGGER_NAMES = {}
for k in pairs(M.TRIGGERS) do TRIGGER_NAMES[#TRIGGER_NAMES + 1] = k end
table.sort(TRIGGER_NAMES)
M.TRIGGER_NAMES = TRIGGER_NAMES

local TRIGGER_FIELDS = check.set { "on", "stale", "audit", "match", "min_severity", "within_days",
                                   "entities", "description" }
local ONLY = { match = "incident", min_severity = "incident", entities = "requirement" }

local function trigger_of(file, d)
  local f = d.fields
  check.fields(file, d, f, TRIGGER_FIELDS)
  if f.on == nil then
    fail(file, d, "on", ("missing; give the kind of change, one of %s"):format(
      table.concat(TRIGGER_NAMES, ", ")))
  end
  local tk = M.TRIGGERS[f.on]
  if not tk then
    fail(file, d, "on", ("unknown trigger kind '%s'; expected one of %s"):format(
      tostring(f.on), table.concat(TRIGGER_NAMES, ", ")))
  end
  for field, only in pairs(ONLY) do
    if f[field] ~= nil and f.on ~= only then
      fail(file, d, field, ("only a trigger on %s takes %s"):format(only, field))
    end
  end
  for _, b in ipairs({ "stale", "audit" }) do
    if f[b] ~= nil and type(f[b]) ~= "boolean" then fail(file, d, b, "expected true or false") end
  end
  local t = { name = d.name, on = f.on, line = d.line, description = f.description,
              stale = f.stale, audit = f.audit == true, within_days = 90 }
  if t.stale == nil then t.stale = tk.stale end
  if t.stale and not tk.stale then
    fail(file, d, "stale", ("a trigger on %s proposes audits only; it cannot make records stale")
         :format(f.on))
  end
  if t.audit and not tk.audit then
    fail(file, d, "audit", ("a trigger on %s does not propose audits"):format(f.on))
  end
  if not t.stale and not t.audit then
    fail(file, d, nil, "neither makes records stale nor proposes audits; give audit = true")
  end
  check.string(file, d, "description", f.description, true)
  if f.within_days ~= nil then
    if not check.is_int(f.within_days) or f.within_days < 1 then
      fail(file, d, "within_days", "expected a whole number of days, 1 or more")
    end
    t.within_days = f.within_days
  end
  if f.on == "incident" then
    t.match = f.match or "asset and threat"
    if not check.set(irules.MATCH)[t.match] then
      fail(file, d, "match", ("unknown match '%s'; expected %s"):format(tostring(t.match),
                                                                      table.concat(irules.MATCH, ", ")))
    end
    check.string(file, d, "min_severity", f.min_severity, true)
    t.min_severity = f.min_severity
  end
  if f.on == "requirement" then
    t.entities = check.strings(file, d, "entities", f.entities, true)
    if #t.entities == 0 then t.entities = { "requirement", "obligation", "interested_party" } end
  end
  return t
end

local function validate_triggers(file, decls)
  local spec = { file = file, triggers = {} }
  local seen = {}
  for _, d in ipairs(decls) do
    if type(d.fields) ~= "table" then d.fields = {} end
    if d.kind ~= "trigger" then fail(file, d, nil, "not a trigger word (trigger)") end
    if seen[d.name] then fail(file, d, nil, ("declared twice (first at line %d)"):format(seen[d.name])) end
    seen[d.name] = d.line
    spec.triggers[#spec.triggers + 1] = trigger_of(file, d)
  end
  return spec
end

-- ------------------------------------------------------------ loading

local cache = {}

local function loader(dir, validate)
  return function(name)
    local path, err = rules.find(dir, name)
    if not path then return nil, err, "NOTFOUND" end
    if cache[path] then return cache[path] end
    local spec, lerr, code = rules.load(dir, path, validate)
    if not spec then return nil, lerr, code end
    cache[path] = spec
    return spec
  end
end

--- Loads a review-cycle file by name (rules/cycles/NAME.lua) or path:
-- { file, cycles = { [kind] = { kind, months, by, shorter } }, order }.
M.load_cycles = loader("cycles", validate_cycles)

--- Loads a trigger file by name (rules/triggers/NAME.lua) or path:
-- { file, triggers = { { name, on, stale, audit, match, ... }, ... } }.
M.load_triggers = loader("triggers", validate_triggers)

--- The settings that name a register's files.
M.SETTINGS = { cycles = "cycle_rules", triggers = "trigger_rules", incidents = irules.SETTING }

function M.cycles_of(reg) return M.load_cycles(reg:setting(M.SETTINGS.cycles) or "default") end
function M.triggers_of(reg) return M.load_triggers(reg:setting(M.SETTINGS.triggers) or "default") end

return M
