--- Incident statistics, computed in SQL over the incident register and
-- its links (no row per incident in Lua): counts per period, severity,
-- category, threat and asset class, and the time to contain and to close
-- (mean, median, 90th percentile, in hours). The same figures as a flat
-- list of metrics for the measurement programme and the review pack.
local cjson = require "cjson"
local irules = require "isms.incident.rules"
local records = require "isms.store.records"
local sql_read = require "isms.incident._sql"

local M = {}

-- The period an incident detected in month "YYYY-MM" is counted in.
local PERIOD_OF = {
  month = function(m) return m end,
  quarter = function(m)
    return ("%s-Q%d"):format(m:sub(1, 4), math.floor(((tonumber(m:sub(6, 7)) or 0) + 2) / 3))
  end,
  year = function(m) return m:sub(1, 4) end,
}

-- The WHERE clause and arguments of opts.from / opts.to (dates, inclusive).
local function window(opts)
  local where, args = {}, {}
  if opts.from then
    args[#args + 1] = opts.from
    where[#where + 1] = ("i.detected >= ?%d"):format(#args)
  end
  if opts.to then
    args[#args + 1] = opts.to .. "~"  -- after every time of that day
    where[#where + 1] = ("i.detected <= ?%d"):format(#args)
  end
  return #where > 0 and (" AND " .. table.concat(where, " AND ")) or "", args
end

local function rows(reg, sql, args) return sql_read.all(reg, sql, unpack(args)) end

-- Mean, median and 90th percentile (nearest rank) of the hours from
-- detection to containment and to closure, over the incidents that have
-- both times: one pass each over the schema's index incidents_contain or
-- incidents_close, the hours computed once per incident and summed up by
-- the aggregate isms_summary of libisms (core/sql_summary.c), so no
-- incident row reaches Lua.
local DURATION = {
  contain = { index = "incidents_contain", col = "contained" },
  close = { index = "incidents_close", col = "closed" },
}
local function durations(reg, where, args)
  local function hours(v) return v and math.floor(tonumber(v) * 100 + 0.5) / 100 or nil end
  local out = {}
  for what, d in pairs(DURATION) do
    local row = sql_read.first(reg, ("SELECT isms_summary((julianday(i.%s) - julianday(i.detected)) "
      .. "* 24.0) AS s FROM incidents i INDEXED BY %s WHERE i.%s IS NOT NULL%s")
      :format(d.col, d.index, d.col, where), unpack(args))
    local s = row.s and cjson.decode(row.s)
    out[what] = s and { n = s.n, mean = hours(s.mean), median = hours(s.median), p90 = hours(s.p90) }
      or { n = 0 }
  end
  return out
end

-- Counts of one field as a list, in the order of its scale, then the
-- values no longer on it ("" as "(none)").
local function in_scale_order(found, scale, name)
  local list = {}
  for _, label in ipairs(scale.labels) do
    if found[label] then
      list[#list + 1] = { [name] = label, count = found[label] }
      found[label] = nil
    end
  end
  local rest = {}
  for key in pairs(found) do rest[#rest + 1] = key end
  table.sort(rest)
  for _, key in ipairs(rest) do
    list[#list + 1] = { [name] = key == "" and "(none)" or key, count = found[key] }
  end
  return list
end

local function counts(list, name)
  local out = {}
  for k, row in ipairs(list) do out[k] = { [name] = row.key, count = tonumber(row.n) } end
  return out
end

-- Incidents per class of the assets they touched (an incident counted
-- once per class; "(unvalued)" for an asset without a class): the class
-- is on each touch (schema migration 18, kept by the library's writes of
-- a class), so this is one pass over the index incident_touches_class
-- (class, incident), in order, with no asset read.
local function by_class(reg, only, args)
  local list = {}
  for k, row in ipairs(rows(reg, "SELECT coalesce(t.class, '(unvalued)') AS key, "
      .. "count(DISTINCT t.incident) AS n FROM incident_touches t INDEXED BY incident_touches_class "
      .. "WHERE t.rel = 'assets'" .. only .. " GROUP BY t.class", args)) do
    list[k] = { class = row.key, count = tonumber(row.n) }
  end
  table.sort(list, function(a, b) return a.class < b.class end)
  return list
end

--- Statistics of the incidents detected within opts.from..opts.to (dates,
-- both optional). opts.period: "month" (default), "quarter" or "year";
-- opts.brief leaves out by_threat and by_class (the links).
-- Severity, category and period come from one pass over the incidents;
-- threats and asset classes from what the incidents touched
-- (incident_touches, with the asset's class on it).
-- @treturn table|nil { total, by_period, by_severity, by_category,
--   by_threat, by_class, contain = { n, mean, median, p90 }, close = {...} }
--   (hours), or nil, message, code
local function stats(reg, opts)
  for _, name in ipairs({ "from", "to" }) do
    if opts[name] then
      local ok, e = records.date(opts[name], name)
      if not ok then return nil, e, "USAGE" end
    end
  end
  local period = PERIOD_OF[opts.period or "month"]
  if not period then
    return nil, ("unknown period '%s'; expected month, quarter or year"):format(tostring(opts.period)),
      "USAGE"
  end
  local spec, err, code = irules.of(reg)
  if not spec then return nil, err, code end
  local where, args = window(opts)
  local out = { total = 0, period = opts.period or "month" }
  local sev, cat, per = {}, {}, {}
  -- In the order of the index incidents_stats: no sort. Quarters and
  -- years are summed from the months here.
  for _, row in ipairs(rows(reg, "SELECT i.severity AS s, i.category AS c, substr(i.detected, 1, 7) "
      .. "AS m, count(*) AS n FROM incidents i INDEXED BY incidents_stats WHERE 1" .. where
      .. " GROUP BY i.severity, i.category, substr(i.detected, 1, 7)", args)) do
    local n = tonumber(row.n)
    local s, c = row.s or "", row.c or ""
    out.total = out.total + n
    sev[s] = (sev[s] or 0) + n
    cat[c] = (cat[c] or 0) + n
    local p = row.m and period(row.m)
    if p then per[p] = (per[p] or 0) + n end
  end
  out.by_severity = in_scale_order(sev, spec.scales.severity, "severity")
  out.by_category = in_scale_order(cat, spec.scales.category, "category")
  local periods = {}
  for p in pairs(per) do periods[#periods + 1] = p end
  table.sort(periods)
  out.by_period = {}
  for k, p in ipairs(periods) do out.by_period[k] = { period = p, count = per[p] } end
  local d = durations(reg, where, args)
  out.contain, out.close = d.contain, d.close
  if opts.brief then return out end
  local only = where ~= "" and (" AND t.incident IN (SELECT i.id FROM incidents i WHERE 1" .. where
    .. ")") or ""
  out.by_threat = counts(rows(reg, "SELECT t.target AS key, count(*) AS n FROM incident_touches t "
    .. "INDEXED BY incident_touches_target WHERE t.rel = 'threats'" .. only
    .. " GROUP BY t.target ORDER BY n DESC, key", args), "threat")
  out.by_class = by_class(reg, only, args)
  return out
end
function M.stats(reg, opts) return sql_read.mapped(reg, stats, reg, opts or {}) end

--- The statistics as metrics { name, value, unit [, why] } for the
-- measurement programme (isms.measure figures "incidents...") and the
-- management review pack, over the incidents detected within
-- opts.from..opts.to:
--   incidents                          detected in the window
--   incidents.severity.LABEL           per label of the severity scale (0 included)
--   incidents.time_to_contain.mean|median|p90, incidents.time_to_close.*  (hours;
--                                      nil with `why` when no incident has both times)
--   incidents.open                     not closed, detected by opts.to (any time before)
--   incidents.nonconformities          detected in the window and raised a nonconformity
function M.metrics(reg, opts)
  opts = opts or {}
  local s, err, code = M.stats(reg, { from = opts.from, to = opts.to, brief = true })
  if not s then return nil, err, code end
  local spec = irules.of(reg)
  local list = { { name = "incidents", value = s.total, unit = "incidents" } }
  local sev = {}
  for _, row in ipairs(s.by_severity) do sev[row.severity] = row.count end
  local labels = {}
  for _, label in ipairs(spec.scales.severity.labels) do labels[#labels + 1] = label end
  for _, row in ipairs(s.by_severity) do
    if not spec.scales.severity:parse(row.severity) then labels[#labels + 1] = row.severity end
  end
  for _, label in ipairs(labels) do
    list[#list + 1] = { name = "incidents.severity." .. label, value = sev[label] or 0,
                        unit = "incidents" }
  end
  for _, what in ipairs({ "contain", "close" }) do
    local why = s[what].n == 0 and ("no incident detected in the window has been %s yet")
      :format(what == "contain" and "contained" or "closed") or nil
    for _, stat in ipairs({ "mean", "median", "p90" }) do
      list[#list + 1] = { name = ("incidents.time_to_%s.%s"):format(what, stat),
                          value = s[what][stat], unit = "hours", why = why }
    end
  end
  local where, args = window({ to = opts.to })
  list[#list + 1] = { name = "incidents.open", unit = "incidents", value = tonumber(sql_read.first(
    reg, "SELECT count(*) AS n FROM incidents i WHERE i.closed IS NULL" .. where, unpack(args)).n) }
  where, args = window(opts)
  list[#list + 1] = { name = "incidents.nonconformities", unit = "incidents",
    value = tonumber(sql_read.first(reg, "SELECT count(*) AS n FROM incidents i WHERE "
      .. "i.nonconformity IS NOT NULL" .. where, unpack(args)).n) }
  return list
end

return M
