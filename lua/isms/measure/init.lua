--- The measurement programme (ISO/IEC 27001 9.1): metrics are defined in
-- rule files (rules/metrics/; isms.docs.ruleset gives them `extends`),
-- measurements are records (kind "measurement"). An automatic metric is
-- one read-only SQL query over the register, run bounded by the C core
-- (isms_cursor_query_bounded: an authorizer that allows reading only, a
-- step budget and a time limit); a manual metric is entered by a person.
-- A metric may instead name a figure another package computes (`figure =
-- "incidents.time_to_contain.median"`, see M.figures): it is measured
-- over the window up to the day of collection, like a query.
--
--   local measure = require "isms.measure"
--   measure.collect(reg, { today = "2026-12-01" })   --> { { metric, status, value, error } }
--   measure.record(reg, "M-AWARENESS", 92, { by = "HR" })
--   measure.view(reg)  --> { { id, title, target, latest, status, trend, spark } }
local b = require "isms.store._ffi"
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local check = require "isms.rules.check"
local ruleset = require "isms.docs.ruleset"
local dates = require "isms.docs.dates"
local docs = require "isms.docs"

local ffi, C = b.ffi, b.C
local M = {}

M.DEFAULT = "iso27001"
M.SETTING = "metrics"
M.FREQUENCIES = { daily = { days = 1 }, weekly = { days = 7 }, monthly = { months = 1 },
                  quarterly = { months = 3 }, half_yearly = { months = 6 },
                  yearly = { months = 12 } }
M.STATUSES = { "ok", "warning", "breach", "none", "failed" }
-- The host's bounds; a metric may ask for less, never more.
M.MAX_STEPS = 200000000
M.MAX_TIME_MS = 10000

local set = check.set
local SPEC = {
  dir = "metrics", head = "metric_set",
  head_fields = set { "title", "description", "extends" },
  items = { metric = set { "title", "description", "measures", "method", "query", "unit",
                           "frequency", "target", "warning", "direction", "owner", "clause",
                           "collector", "reported_to", "steps", "time_ms", "figure",
                           "window_months" } },
}

-- ------------------------------------------------------------ figures

-- The figure sources by name (M.figures).
M.FIGURES = {}

--- Registers figures another package computes for the measurement
-- programme, by source: fn(reg, { from, to, today }) -> list of { name,
-- value, unit, why } (value nil, with why, when there is none in the
-- window), or nil, message, code. A metric names one by `figure =
-- "SOURCE.NAME"`.
function M.figures(source, fn) M.FIGURES[source] = fn end

--- The sources of figures, sorted.
function M.figure_sources()
  local list = {}
  for k in pairs(M.FIGURES) do list[#list + 1] = k end
  table.sort(list)
  return list
end

-- ------------------------------------------------------------ rule files

local function number_or_nil(file, d, field, v)
  if v ~= nil and (type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge) then
    check.fail(file, d, field, "expected a number")
  end
end

local function validate(rs)
  check.string(rs.file, rs.head, "title", rs.head.fields.title)
  local out = { name = rs.head.name, title = rs.head.fields.title, file = rs.file, metrics = {},
                by_id = {} }
  for _, d in ipairs(rs.items) do
    local f, file = d.fields, d.file
    if not d.name:match("^[%w][%w%._%-]*$") or #d.name > 64 then
      check.fail(file, d, nil, "bad id; use letters, digits, '.', '_' or '-'")
    end
    check.string(file, d, "title", f.title)
    for _, k in ipairs { "description", "measures", "unit", "owner", "clause", "collector",
                         "reported_to", "query", "figure" } do
      check.string(file, d, k, f[k], true)
    end
    local method = f.method or "objective"
    if method ~= "objective" and method ~= "subjective" then
      check.fail(file, d, "method", "expected \"objective\" or \"subjective\"")
    end
    local freq = f.frequency or "monthly"
    if not M.FREQUENCIES[freq] then
      local names = {}
      for k in pairs(M.FREQUENCIES) do names[#names + 1] = k end
      table.sort(names)
      check.fail(file, d, "frequency", "expected one of " .. table.concat(names, ", "))
    end
    local dir = f.direction or "higher"
    if dir ~= "higher" and dir ~= "lower" then
      check.fail(file, d, "direction", "expected \"higher\" (higher is better) or \"lower\"")
    end
    number_or_nil(file, d, "target", f.target)
    number_or_nil(file, d, "warning", f.warning)
    if f.warning and not f.target then check.fail(file, d, "warning", "needs a target") end
    if f.warning and f.target and ((dir == "higher" and f.warning > f.target)
                                   or (dir == "lower" and f.warning < f.target)) then
      check.fail(file, d, "warning", ("the warning threshold lies beyond the target (%s is "
                 .. "better)"):format(dir))
    end
    for _, k in ipairs { "steps", "time_ms" } do
      if f[k] ~= nil and not (check.is_int(f[k]) and f[k] >= 1) then
        check.fail(file, d, k, "expected a whole number, 1 or more")
      end
    end
    if f.figure ~= nil then
      if f.query ~= nil then check.fail(file, d, "figure", "a metric has a query or a figure, not both") end
      local source = f.figure:match("^([%w_%-]+)%.?[%w_%.%-]*$")
      if not source then check.fail(file, d, "figure", "expected SOURCE[.NAME...], e.g. incidents.open") end
    end
    if f.window_months ~= nil then
      if f.figure == nil then check.fail(file, d, "window_months", "only a figure has a window") end
      if not (check.is_int(f.window_months) and f.window_months >= 1) then
        check.fail(file, d, "window_months", "expected a whole number, 1 or more")
      end
    end
    if out.by_id[d.name] then check.fail(file, d, nil, "declared twice") end
    local m = { id = d.name, title = f.title, description = f.description, measures = f.measures,
                method = method, query = f.query, figure = f.figure,
                automatic = f.query ~= nil or f.figure ~= nil, window_months = f.window_months,
                unit = f.unit,
                frequency = freq, target = f.target, warning = f.warning, direction = dir,
                owner = f.owner, clause = f.clause, collector = f.collector,
                reported_to = f.reported_to,
                steps = math.min(f.steps or M.MAX_STEPS, M.MAX_STEPS),
                time_ms = math.min(f.time_ms or M.MAX_TIME_MS, M.MAX_TIME_MS),
                file = file, line = d.line }
    out.metrics[#out.metrics + 1] = m
    out.by_id[m.id] = m
  end
  return out
end

--- Loads a metric set by name (rules/metrics/NAME.lua) or path.
-- @treturn table|nil { name, title, file, metrics = { metric }, by_id }, or
--   nil, message, code
function M.load(name)
  local rs, err, code = ruleset.load(SPEC, name or M.DEFAULT)
  if not rs then return nil, err, code end
  if rs.set then return rs.set end
  local s, verr, vcode = ruleset.protect(validate, rs)
  if not s then return nil, verr, vcode end
  rs.set = s
  return s
end

--- The metric set a register uses (setting metrics, else iso27001).
function M.of(reg) return M.load(reg:setting(M.SETTING) or M.DEFAULT) end

kind.resolver("metric", function(reg, id)
  local s = M.of(reg)
  return s ~= nil and s.by_id[id] ~= nil
end)

-- ------------------------------------------------------------ records

M.kind = kind.define {
  kind = "measurement", plural = "measurements", table = "measurements", key = "id",
  id_prefix = "MEA-", title = "Measurements of the metrics (ISO/IEC 27001 9.1)",
  list_columns = { "id", "metric", "date", "value", "status", "method" },
  fields = {
    { name = "id", type = "id" },
    { name = "metric", type = "ref", to = "metric", required = true },
    { name = "date", type = "date", required = true },
    { name = "value", type = "number" },
    { name = "status", type = "enum", values = M.STATUSES, help = "from the value and target" },
    { name = "method", type = "enum", values = { "automatic", "manual" }, default = "manual" },
    { name = "recorded_by", type = "text" },
    { name = "note", type = "text" },
  },
  derive = function(row, _, reg)
    if row.status == "failed" then return {} end
    local s = M.of(reg)
    local m = s and s.by_id[row.metric]
    if not m then return {} end
    return { status = M.status(m, row.value) }
  end,
  validate = function(row)
    if row.status ~= "failed" and row.value == nil then
      return "a measurement has a value (or is marked failed with a note)", "value"
    end
    if row.status == "failed" and not row.note then
      return "a failed measurement says why in its note", "note"
    end
  end,
}

--- The status of a value against a metric's target and warning threshold:
-- ok, warning, breach, or none (no target).
function M.status(m, value)
  if value == nil or m.target == nil then return "none" end
  local better = m.direction == "lower" and function(x, y) return x <= y end
                 or function(x, y) return x >= y end
  if better(value, m.target) then return "ok" end
  if m.warning and better(value, m.warning) then return "warning" end
  return "breach"
end

-- ------------------------------------------------------------ collection

local cur_out = ffi.new("isms_cursor *[1]")

--- Runs a metric's query, bounded; returns the number, or nil and why.
function M.run_query(reg, m, today)
  local limits = ffi.new("isms_query_limits", { steps = m.steps or M.MAX_STEPS,
                                                time_ms = m.time_ms or M.MAX_TIME_MS })
  local params = ffi.new("const char *[1]", { today })
  local rc = C.isms_cursor_query_bounded(reg.db, m.query, 1, params, limits, cur_out)
  if rc ~= 0 then return nil, ffi.string(C.isms_errmsg(reg.db)) end
  local cur = cur_out[0]
  local step = C.isms_cursor_next(cur)
  local value, why
  if step == 100 then
    local text = C.isms_cursor_text(cur, 0)
    if text == nil then why = "the query gave no value (NULL)"
    else
      value = tonumber(ffi.string(text))
      if not value or value ~= value or value == math.huge or value == -math.huge then
        value, why = nil, ("the query gave '%s', not a number"):format(ffi.string(text))
      end
    end
  elseif step == 101 then
    why = "the query gave no row"
  else
    why = ffi.string(C.isms_errmsg(reg.db))
  end
  C.isms_cursor_close(cur)
  return value, why
end

--- The window a figure metric is measured over: the metric's
-- window_months, else its frequency, up to and including `today`.
function M.window(m, today)
  local f = M.FREQUENCIES[m.frequency]
  local start = m.window_months and dates.add_months(today, -m.window_months)
    or f.months and dates.add_months(today, -f.months) or dates.add_days(today, -f.days)
  return dates.add_days(start, 1), today
end

--- Computes a figure metric for the window up to `today`; returns the
-- number, or nil, why and whether that is a failure (false: the window
-- simply holds nothing to measure, such as no incident closed). `cache`
-- (a table) shares a source's figures between metrics of one window.
function M.run_figure(reg, m, today, cache)
  local source = m.figure:match("^[^%.]+")
  local fn = M.FIGURES[source]
  if not fn then
    return nil, ("no figures from '%s' (known: %s)"):format(source,
      table.concat(M.figure_sources(), ", ")), true
  end
  local from, to = M.window(m, today)
  local key = source .. " " .. from .. " " .. to
  local list = cache and cache[key]
  if not list then
    local ok, res, err = pcall(fn, reg, { from = from, to = to, today = today })
    if not ok then return nil, tostring(res), true end
    if not res then return nil, err, true end
    list = res
    if cache then cache[key] = list end
  end
  local names = {}
  for _, x in ipairs(list) do
    if x.name == m.figure then
      if x.value == nil then
        return nil, ("%s (%s to %s)"):format(x.why or "no value in the window", from, to), false
      end
      return x.value
    end
    names[#names + 1] = x.name
  end
  return nil, ("no figure '%s'; %s gives %s"):format(m.figure, source, table.concat(names, ", ")),
    true
end

-- The date of the last measurement of each metric that did not fail.
local function last_dates(reg)
  local last = {}
  for row in reg:query("SELECT metric, max(date) AS date FROM measurements WHERE status <> "
                       .. "'failed' GROUP BY metric") do
    last[row.metric] = row.date
  end
  return last
end

--- The date a metric is next due, from its last measurement (nil: now).
function M.next_due(m, last)
  if not last then return nil end
  local f = M.FREQUENCIES[m.frequency]
  return f.months and dates.add_months(last, f.months) or dates.add_days(last, f.days)
end

local function next_number(reg)
  local row = docs.first_row(reg, "SELECT max(CAST(substr(id, 5) AS INTEGER)) AS n FROM "
                             .. "measurements WHERE id GLOB 'MEA-[0-9]*'")
  return (row and tonumber(row.n) or 0) + 1
end

--- Records a measurement of every automatic metric that is due (or of
-- opts.ids, or of all with opts.all), in one batch. A query that fails or
-- runs over its limits records a failed measurement with the reason; the
-- other metrics are still collected.
-- opts: { today, all, ids = { ... }, reason }.
-- @treturn table|nil { results = { { metric, status, value, error, id } },
--   batch }, or nil, message, code
function M.collect(reg, opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local s, err, code = M.of(reg)
  if not s then return nil, err, code end
  local wanted
  if opts.ids and #opts.ids > 0 then
    wanted = {}
    for _, id in ipairs(opts.ids) do
      local m = s.by_id[id]
      if not m then return nil, ("no metric '%s' in %s"):format(id, s.name), "NOTFOUND" end
      if not m.automatic then
        return nil, ("metric %s is entered by hand: isms metrics record %s VALUE"):format(id, id),
          "INPUT"
      end
      wanted[id] = true
    end
  end
  local last = last_dates(reg)
  local results, cache = {}, {}
  for _, m in ipairs(s.metrics) do
    local due = M.next_due(m, last[m.id])
    if m.automatic and (wanted and wanted[m.id] or not wanted and (opts.all or not due or due <= today)) then
      local value, why, failed
      if m.figure then value, why, failed = M.run_figure(reg, m, today, cache)
      else value, why = M.run_query(reg, m, today) end
      if value == nil and failed == false then
        -- nothing to measure in the window: not recorded, still due
        results[#results + 1] = { metric = m.id, error = why, status = "no value" }
      else
        results[#results + 1] = { metric = m.id, value = value, error = why,
                                  status = value and M.status(m, value) or "failed" }
      end
    end
  end
  local writes = {}
  for _, r in ipairs(results) do if r.status ~= "no value" then writes[#writes + 1] = r end end
  if #writes == 0 then return { results = results } end
  local n = next_number(reg)
  local rep, werr, wcode = kind.batch(reg, { command = "metrics collect", reason = opts.reason },
    function(tx)
      for k, r in ipairs(writes) do
        r.id = ("MEA-%03d"):format(n + k - 1)
        tx.add("measurement", { id = r.id, metric = r.metric, date = today, value = r.value,
                                status = r.value and "" or "failed", method = "automatic",
                                recorded_by = reg.actor, note = r.error })
      end
    end)
  if not rep then return nil, werr, wcode end
  return { results = results, batch = rep.batch }
end

--- Records a measurement entered by hand (a manual metric, or an
-- automatic one measured another way). opts: { date (today), by, note,
-- reason }.
function M.record(reg, id, value, opts)
  opts = opts or {}
  local s, err, code = M.of(reg)
  if not s then return nil, err, code end
  if not s.by_id[id] then return nil, ("no metric '%s' in %s"):format(tostring(id), s.name), "NOTFOUND" end
  return reg:records("measurement"):add({ metric = id, date = opts.date or records.today(opts.today),
    value = value, method = "manual", recorded_by = opts.by or reg.actor, note = opts.note },
    { reason = opts.reason, command = "metrics record" })
end

-- ------------------------------------------------------------ the view

local BARS = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" }

--- A text sparkline of values, oldest first (nil, for a failed one, is
-- a space).
function M.sparkline(values)
  local lo, hi
  for k = 1, #values do
    local v = values[k]
    if v then
      lo = lo and math.min(lo, v) or v
      hi = hi and math.max(hi, v) or v
    end
  end
  local out = {}
  for k = 1, #values do
    local v = values[k]
    if not v then out[k] = " "
    elseif hi == lo then out[k] = BARS[4]
    else out[k] = BARS[math.floor((v - lo) / (hi - lo) * 7 + 0.5) + 1] end
  end
  return table.concat(out)
end

--- Every metric with its latest measurement against the target, its
-- status, when it is next due, and the trend of its last opts.points (12)
-- measurements (values oldest first, and as a sparkline).
-- opts: { today, points, from, to (dates bounding the measurements) }.
function M.view(reg, opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local s, err, code = M.of(reg)
  if not s then return nil, err, code end
  local points = opts.points or 12
  local last = last_dates(reg)
  local out = {}
  for _, m in ipairs(s.metrics) do
    local trend, statuses, dates_of, rows = {}, {}, {}, {}
    for row in reg:query("SELECT date, value, status FROM measurements WHERE metric = ?1 AND "
        .. "date >= ?2 AND date <= ?3 ORDER BY date DESC, id DESC LIMIT ?4", m.id,
        opts.from or "0000-00-00", opts.to or "9999-99-99", points) do
      rows[#rows + 1] = row
    end
    for k = #rows, 1, -1 do
      trend[#trend + 1] = tonumber(rows[k].value) or false
      statuses[#statuses + 1] = rows[k].status
      dates_of[#dates_of + 1] = rows[k].date
    end
    local latest = rows[1]
    local due = M.next_due(m, last[m.id])
    out[#out + 1] = {
      id = m.id, title = m.title, unit = m.unit, method = m.method,
      how = m.automatic and "automatic" or "manual", frequency = m.frequency,
      target = m.target, warning = m.warning, direction = m.direction, owner = m.owner,
      clause = m.clause,
      latest = latest and tonumber(latest.value), date = latest and latest.date,
      status = latest and latest.status or "not measured",
      due = due or today, overdue = due == nil or due < today,
      trend = trend, statuses = statuses, trend_dates = dates_of, spark = M.sparkline(trend) }
  end
  return out
end

return M
