--- Information security objectives (ISO/IEC 27001 6.2): each has a
-- measurable target on a named metric, an owner, a due date and the plan
-- to reach it (what, resources, who, when, how results are evaluated).
-- Its status comes from the metric's latest measurement: a metric this
-- package or another registers (M.metric), else the value last recorded
-- on the objective itself (current, measured_on).
--
-- Shipped metrics (percentages):
--   people-trained     people with every programme they need current
--   roles-filled       ISMS roles with at least their minimum of holders
--   assets-in-scope    assets inside some scope
--   communications-on-time  communication plan entries not overdue
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local format = require "isms.store.format"
local people = require "isms.people"
local scope = require "isms.context.scope"
local communication = require "isms.context.communication"

local M = {}

M.COMPARISONS = { "at_least", "at_most", "equal" }

local metrics, metric_order = {}, {}

--- Registers a metric objectives can name: def = { title, unit,
-- measure = function(reg, today) -> value (number) or nil, why }. The
-- measurement programme registers its own metrics the same way (their
-- latest measurement as the value).
function M.metric(name, def)
  if type(def) ~= "table" or type(def.measure) ~= "function" then
    error("objectives.metric: " .. tostring(name) .. " needs a measure function", 2)
  end
  if not metrics[name] then metric_order[#metric_order + 1] = name end
  metrics[name] = def
end

--- The registered metrics: { { name, title, unit }, ... }.
function M.metrics()
  local out = {}
  for _, n in ipairs(metric_order) do
    out[#out + 1] = { name = n, title = metrics[n].title, unit = metrics[n].unit }
  end
  return out
end

local function percent(part, whole)
  if whole == 0 then return 100 end
  return math.floor(part / whole * 1000 + 0.5) / 10
end

M.metric("people-trained", {
  title = "Share of people with every required programme current", unit = "%",
  measure = function(reg, today)
    local t, e = people.trained_share(reg, { today = today, within = 0 })
    if not t then return nil, e end
    return percent(t.trained, t.people)
  end,
})

M.metric("roles-filled", {
  title = "Share of ISMS roles with at least their minimum of holders", unit = "%",
  measure = function(reg, today)
    local rep, e = people.check(reg, { today = today, within = 0 })
    if not rep then return nil, e end
    local n = #people.config(reg).roles.roles
    return percent(n - #rep.unfilled, n)
  end,
})

M.metric("assets-in-scope", {
  title = "Share of assets inside some ISMS scope", unit = "%",
  measure = function(reg)
    local r = scope.out_of_scope(reg, { limit = 0 })
    return percent(r.total - r.count, r.total)
  end,
})

M.metric("communications-on-time", {
  title = "Share of communication plan entries not overdue", unit = "%",
  measure = function(reg, today)
    local rows = communication.schedule(reg, { today = today, within = 0 })
    local late = 0
    for _, r in ipairs(rows) do if r.status == "overdue" then late = late + 1 end end
    return percent(#rows - late, #rows)
  end,
})

function M.define()
  kind.define {
    kind = "objective", plural = "objectives", table = "objectives", key = "id",
    id_prefix = "OBJ-",
    title = "Information security objectives (clause 6.2: measurable targets and the plan)",
    summary = "information security objectives (isms objectives status)",
    list_columns = { "id", "title", "metric", "comparison", "target", "unit", "due", "owner" },
    fields = {
      { name = "id", type = "id" },
      { name = "title", type = "text", required = true },
      { name = "metric", type = "text", required = true,
        help = "the metric it is measured by (isms objectives metrics)" },
      { name = "comparison", type = "enum", values = M.COMPARISONS, default = "at_least" },
      { name = "target", type = "number", help = "the value to reach (required)" },
      { name = "unit", type = "text" },
      { name = "owner", type = "ref", to = "person" },
      { name = "due", type = "date" },
      { name = "plan", type = "text", help = "what will be done" },
      { name = "resources", type = "text", help = "what it needs" },
      { name = "responsible", type = "ref", to = "person", help = "who does it" },
      { name = "evaluation", type = "text", help = "how the results are evaluated" },
      { name = "current", type = "number", help = "the latest value, when no metric gives one" },
      { name = "measured_on", type = "date" },
    },
    validate = function(row)
      if row.target == nil then
        return "an objective needs a measurable target: the value its metric must reach, "
          .. "e.g. target=95 unit=%", "target"
      end
      if row.current ~= nil and not row.measured_on then
        return "a value recorded by hand needs the date it was measured", "measured_on"
      end
    end,
    check = function(_, rows, problem)
      for _, r in ipairs(rows) do
        if not r.owner then problem(r.id, "owner", "no owner") end
        if not r.due then problem(r.id, "due", "no due date") end
        if not r.plan then problem(r.id, "plan", "no plan to reach it") end
        if not r.evaluation then problem(r.id, "evaluation", "no way to evaluate the results") end
      end
    end,
  }
end

local function meets(comparison, value, target)
  if comparison == "at_most" then return value <= target end
  if comparison == "equal" then return math.abs(value - target) < 1e-9 end
  return value >= target
end

local WORD = { at_least = ">=", at_most = "<=", equal = "=" }

--- Each objective with its status as of opts.today: the row plus value,
-- source ("metric" or "recorded"), measured_on, met (boolean), status
-- (met, open, overdue, not_measured), target_text.
function M.status(reg, opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local out = {}
  for _, o in ipairs(reg:records("objective"):list()) do
    local def = metrics[o.metric]
    local value, source, when, why
    if def then
      value, why = def.measure(reg, today)
      source, when = "metric", today
    end
    if value == nil and o.current ~= nil then
      value, source, when = o.current, "recorded", o.measured_on
    end
    o.value, o.source, o.measured_on, o.why = value, source, when, why
    o.target_text = ("%s %s%s"):format(WORD[o.comparison or "at_least"], format.number(o.target),
                                       o.unit and (" " .. o.unit) or "")
    if value == nil then
      o.status = o.due and o.due < today and "overdue" or "not_measured"
      o.met = false
    else
      o.met = meets(o.comparison or "at_least", value, o.target)
      o.status = o.met and "met" or (o.due and o.due < today and "overdue" or "open")
    end
    out[#out + 1] = o
  end
  return out
end

--- Objectives as actions of the tracker: done once met.
function M.actions(reg, opts)
  local out = {}
  for _, o in ipairs(M.status(reg, { today = opts and opts.today })) do
    out[#out + 1] = { id = o.id, title = o.title, owner = o.owner, due = o.due,
                      status = o.status, done = o.met, ref = "objective " .. o.id }
  end
  return out
end

return M
