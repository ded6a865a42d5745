--- The incident rule file (rules/incidents/NAME.lua): the scales of the
-- incident and supplier registers -- `scale "severity"`, `scale
-- "category"`, `scale "criticality"`, written like a methodology's scales
-- -- and `incident_history { ... }`, how incidents stand beside a risk's
-- likelihood. Checked with file:line like every rule file; a register
-- uses the file its setting `incident_rules` names ("default" if none).
local rules = require "isms.rules"
local check = require "isms.rules.check"
local methodology = require "isms.method.methodology"

local M = {}

local fail = check.fail

--- The scales a file must declare, and what each rates.
M.SCALES = { severity = "incident severity", category = "incident category",
             criticality = "supplier criticality" }

--- How incidents are matched to a risk (incident_history.match and the
-- incident trigger's match).
M.MATCH = { "asset and threat", "asset", "threat", "asset or threat" }
local MATCH = check.set(M.MATCH)

local HISTORY = check.set { "window_months", "factor", "match", "flag" }
local FLAG = check.set { "incidents_at_least", "rated_at_most", "reason" }

local function whole(file, d, field, v, least)
  if not check.is_int(v) or v < least then
    fail(file, d, field, ("expected a whole number, %d or more, got %s"):format(least, tostring(v)))
  end
  return v
end

-- The words of a scale as people type them: any case, spaces or hyphens
-- for '_'.
local function word(s) return (tostring(s):lower():gsub("[%s%-]+", "_")) end

local Scale = {}
Scale.__index = Scale

--- The label of a tier named by its label, an alias or its number; nil
-- and a reason naming the scale's labels otherwise.
function Scale:parse(v)
  local t = self.by_word[word(v)] or self.by_value[tonumber(v) or -1]
  if t then return t.label, t.value end
  return nil, ("'%s' is not on the %s scale (%s) of %s"):format(tostring(v), self.title,
                                                               table.concat(self.labels, ", "),
                                                               self.file)
end

--- The rank (tier value) of a label, or nil.
function Scale:rank(label)
  local t = label and self.by_word[word(label)]
  return t and t.value or nil
end

local function scale_of(file, d)
  local s = { name = d.name }
  methodology.check_scale(file, d, s)
  -- Incident scales rank by position: tiers 1..N, nothing "not rated".
  if not s.classic then
    error({ msg = ("%s:%d: scale '%s': tiers must run 1..%d without gaps"):format(file, d.line or 0,
          d.name, #s.tiers) }, 0)
  end
  local sc = setmetatable({ name = d.name, title = d.fields.title or M.SCALES[d.name], file = file,
                            tiers = {}, by_word = {}, by_value = {}, labels = {} }, Scale)
  for _, t in ipairs(s.tiers) do sc.tiers[#sc.tiers + 1] = t end
  table.sort(sc.tiers, function(x, y) return x.value < y.value end)
  for _, t in ipairs(sc.tiers) do
    sc.labels[#sc.labels + 1] = t.label
    sc.by_value[t.value] = t
    sc.by_word[word(t.label)] = t
    for _, a in ipairs(t.aliases or {}) do sc.by_word[word(a)] = t end
  end
  return sc
end

local function history_of(file, d)
  local f = d.fields
  check.fields(file, d, f, HISTORY)
  local h = { window_months = 12, factor = { "O", "L", "likelihood" }, match = "asset and threat",
              flag = {}, line = d.line }
  if f.window_months ~= nil then h.window_months = whole(file, d, "window_months", f.window_months, 1) end
  if f.factor ~= nil then
    h.factor = type(f.factor) == "string" and { f.factor } or check.strings(file, d, "factor", f.factor)
  end
  if f.match ~= nil then
    if not MATCH[f.match] then
      fail(file, d, "match", ("unknown match '%s'; expected %s"):format(tostring(f.match),
                                                                      table.concat(M.MATCH, ", ")))
    end
    h.match = f.match
  end
  if f.flag ~= nil then
    if type(f.flag) ~= "table" then fail(file, d, "flag", "expected a list of { ... }") end
    for k, rule in ipairs(f.flag) do
      local at = ("flag[%d]"):format(k)
      if type(rule) ~= "table" then fail(file, d, at, "expected a table") end
      check.fields(file, d, rule, FLAG, at .. ".")
      h.flag[k] = {
        incidents_at_least = whole(file, d, at .. ".incidents_at_least", rule.incidents_at_least, 1),
        rated_at_most = whole(file, d, at .. ".rated_at_most", rule.rated_at_most, 1),
        reason = rule.reason,
      }
      check.string(file, d, at .. ".reason", rule.reason, true)
    end
  end
  return h
end

local function validate(file, decls)
  local spec = { file = file, scales = {} }
  local seen = {}
  for _, d in ipairs(decls) do
    if type(d.fields) ~= "table" then d.fields = {} end
    if d.kind == "scale" then
      if not M.SCALES[d.name] then
        fail(file, d, nil, ("unknown scale; an incident rule file has %s"):format(
          "severity, category and criticality"))
      end
      if seen[d.name] then
        fail(file, d, nil, ("scale declared twice (first at line %d)"):format(seen[d.name]))
      end
      seen[d.name] = d.line
      spec.scales[d.name] = scale_of(file, d)
    elseif d.kind == "incident_history" then
      if spec.history then fail(file, d, nil, "declared twice") end
      spec.history = history_of(file, d)
    else
      fail(file, d, nil, "not an incident rule word (scale, incident_history)")
    end
  end
  for _, name in ipairs({ "severity", "category", "criticality" }) do
    if not spec.scales[name] then
      error({ msg = ("%s:1: no scale \"%s\" declared (the %s)"):format(file, name, M.SCALES[name]) })
    end
  end
  spec.history = spec.history or history_of(file, { kind = "incident_history", line = 0, fields = {} })
  return spec
end

local cache = {}

--- Loads an incident rule file by name (rules/incidents/NAME.lua) or path.
-- @treturn table|nil { file, scales = { severity, category, criticality },
--   history = { window_months, factor, match, flag } }, or nil, message, code
function M.load(name)
  local path, err = rules.find("incidents", name)
  if not path then return nil, err, "NOTFOUND" end
  if cache[path] then return cache[path] end
  local spec, lerr, code = rules.load("incidents", path, validate)
  if not spec then return nil, lerr, code end
  cache[path] = spec
  return spec
end

--- The setting that names a register's incident rule file.
M.SETTING = "incident_rules"

--- The incident rules a register uses (its setting, else "default").
function M.of(reg)
  return M.load(reg:setting(M.SETTING) or "default")
end

--- A field check (isms.store.kind) for a value on one of the scales.
function M.scale_check(name)
  return function(v, reg)
    local spec, err = M.of(reg)
    if not spec then return nil, err end
    return spec.scales[name]:parse(v)
  end
end

return M
