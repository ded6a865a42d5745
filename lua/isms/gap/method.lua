--- Gap methods (rules/gap/): the status scale, the maturity scale, what a
-- gap is, how results roll up and the priority order of gaps. Loaded
-- through the one sandboxed loader; functions a method declares (a custom
-- gap test or roll-up) run in the sandbox too (isms.rules.call_functions).
local rules = require "isms.rules"
local check = require "isms.rules.check"

local M = {}

local ROLLUPS = check.set { "percent_met", "weighted", "mean_maturity", "min_maturity" }
local WEIGHT_WORDS = check.set { "mandatory", "other", "groups", "requirements" }
local GAPS = check.set { "status", "maturity", "either" }
local PRIORITY = check.set { "mandatory", "risk", "score", "maturity_gap", "effort", "due", "order" }

local WORDS = {
  gap_method = check.set { "title", "description", "rollup", "gap", "priority", "default_target",
                           "days_per_week", "weights" },
  answer_status = check.set { "title", "score", "assessed", "applicable", "justification" },
  maturity_level = check.set { "title", "description" },
}

local function weight(path, d, what, v)
  if type(v) ~= "number" or v < 0 or v ~= v or v == math.huge then
    check.fail(path, d, "weights", ("%s: expected a number, 0 or more"):format(what))
  end
  return v
end

-- weights = { mandatory = N, other = N, groups = { NAME = N },
-- requirements = { REF = N } }: a requirement's weight is its own, else
-- the largest of its groups', else mandatory's or other's (1 if not given).
local function validate_weights(path, d, w)
  if w == nil then w = {} end
  if type(w) ~= "table" then check.fail(path, d, "weights", "expected a table") end
  check.fields(path, d, w, WEIGHT_WORDS, "weights.")
  local out = { mandatory = w.mandatory ~= nil and weight(path, d, "mandatory", w.mandatory) or nil,
                other = w.other ~= nil and weight(path, d, "other", w.other) or nil,
                groups = {}, requirements = {} }
  for _, part in ipairs({ "groups", "requirements" }) do
    local t = w[part]
    if t ~= nil then
      if type(t) ~= "table" then check.fail(path, d, "weights", part .. ": expected a table") end
      for k, v in pairs(t) do
        if type(k) ~= "string" then
          check.fail(path, d, "weights", part .. ": expected NAME = number entries")
        end
        out[part][k] = weight(path, d, part .. "." .. k, v)
      end
    end
  end
  return out
end

local function validate(path, decls)
  local m = { file = path, statuses = {}, status_by_id = {}, maturity = {}, maturity_by = {} }
  local head
  for index, d in ipairs(decls) do
    local f = type(d.fields) == "table" and d.fields or {}
    if not WORDS[d.kind] then
      check.fail(path, d, nil, "not a gap method word (gap_method, answer_status, maturity_level)")
    end
    check.fields(path, d, f, WORDS[d.kind])
    if d.kind == "gap_method" then
      if head then
        check.fail(path, d, nil, ("a file declares one method (first at line %d)"):format(head.line))
      end
      head = d
      m.name, m.title, m.decl = d.name, f.title, d
      d.index, d.file = index, path
      check.string(path, d, "title", f.title)
      if check.is_function(f.rollup) then m.rollup = "function"
      elseif f.rollup == nil or ROLLUPS[f.rollup] then m.rollup = f.rollup or "percent_met"
      else
        check.fail(path, d, "rollup",
                   "expected percent_met, weighted, mean_maturity, min_maturity or a function")
      end
      -- weighted: per cent met with each requirement counted by its weight
      if f.weights ~= nil or m.rollup == "weighted" then
        m.weights = validate_weights(path, d, f.weights)
      end
      if check.is_function(f.gap) then m.gap = "function"
      elseif f.gap == nil or GAPS[f.gap] then m.gap = f.gap or "either"
      else check.fail(path, d, "gap", "expected status, maturity, either or a function") end
      m.priority = f.priority or { "mandatory", "risk", "score", "order" }
      check.strings(path, d, "priority", m.priority)
      for _, p in ipairs(m.priority) do
        if not PRIORITY[p] then
          check.fail(path, d, "priority", ("unknown key '%s'; expected mandatory, risk, score, "
                     .. "maturity_gap, effort, due or order"):format(p))
        end
      end
      m.default_target = f.default_target
      if m.default_target ~= nil and not check.is_int(m.default_target) then
        check.fail(path, d, "default_target", "expected a whole number")
      end
      m.days_per_week = f.days_per_week or 5
      if type(m.days_per_week) ~= "number" or m.days_per_week <= 0 or m.days_per_week > 7 then
        check.fail(path, d, "days_per_week", "expected a number above 0, at most 7")
      end
    elseif d.kind == "answer_status" then
      if not head then check.fail(path, d, nil, "declare gap_method \"NAME\" { ... } first") end
      if m.status_by_id[d.name] then check.fail(path, d, nil, "declared twice") end
      if not d.name:match("^[%w_]+$") then
        check.fail(path, d, nil, "a status id is letters, digits and '_'")
      end
      check.string(path, d, "title", f.title)
      local applicable = f.applicable ~= false
      if applicable and (type(f.score) ~= "number" or f.score < 0 or f.score > 1) then
        check.fail(path, d, "score", "expected a number from 0 to 1")
      end
      local s = { id = d.name, title = f.title, score = applicable and f.score or nil,
                  assessed = f.assessed ~= false, applicable = applicable,
                  justification = f.justification == true }
      m.statuses[#m.statuses + 1] = s
      m.status_by_id[s.id] = s
    else
      if not head then check.fail(path, d, nil, "declare gap_method \"NAME\" { ... } first") end
      local level = tonumber(d.name)
      if not level or level ~= math.floor(level) then
        check.fail(path, d, nil, "a maturity level is a whole number")
      end
      if m.maturity_by[level] then check.fail(path, d, nil, "declared twice") end
      if #m.maturity > 0 and level <= m.maturity[#m.maturity].level then
        check.fail(path, d, nil, "levels go from lowest to highest")
      end
      check.string(path, d, "title", f.title)
      local lv = { level = level, title = f.title }
      m.maturity[#m.maturity + 1] = lv
      m.maturity_by[level] = lv
    end
  end
  if not head then check.fail(path, { kind = "file", line = 1 }, nil, "no gap_method declaration") end
  if #m.statuses < 2 then check.fail(path, head, nil, "declare at least two answer_status") end
  local full = false
  for _, s in ipairs(m.statuses) do full = full or (s.applicable and s.score == 1) end
  if not full then check.fail(path, head, nil, "no answer_status scores 1 (met)") end
  m.unanswered = m.statuses[1]
  if #m.maturity > 0 then
    m.maturity_min, m.maturity_max = m.maturity[1].level, m.maturity[#m.maturity].level
    if m.default_target and not m.maturity_by[m.default_target] then
      check.fail(path, head, "default_target", "not a maturity level of this method")
    end
  end
  return m
end

local cache = {}

--- Loads a gap method by name (rules/gap/NAME.lua) or path.
-- @treturn table|nil the method, or nil, message, code
function M.load(name)
  name = name or "default"
  if cache[name] then return cache[name] end
  local m, err, code = rules.load("gap", name, validate)
  if not m then return nil, err, code end
  cache[name] = m
  return m
end

-- The statuses each method has found by text so far (an import or the
-- results ask for the same few texts thousands of times).
local found = setmetatable({}, { __mode = "k" })

--- The status of an id (any case; spaces or hyphens for '_'), or nil.
function M.status(m, text)
  if text == nil then return nil end
  local memo = found[m]
  if not memo then
    memo = {}
    found[m] = memo
  end
  local s = memo[text]
  if s ~= nil then return s or nil end
  local want = tostring(text):lower():gsub("[%s%-]+", "_")
  for _, x in ipairs(m.statuses) do
    if x.id:lower() == want or x.title:lower() == tostring(text):lower() then s = x break end
  end
  memo[text] = s or false
  return s
end

--- The status ids as one text, for messages.
function M.status_names(m)
  local names = {}
  for _, s in ipairs(m.statuses) do names[#names + 1] = s.id end
  return table.concat(names, ", ")
end

--- Runs the method's custom gap test or roll-up over many inputs at once
-- (one sandbox run per thousand): returns the list of { ok, value, reason }.
function M.call(m, field, arg_lists)
  local calls = {}
  for k, args in ipairs(arg_lists) do calls[k] = { decl = m.decl, field = field, args = args } end
  return rules.call_functions(calls)
end

return M
