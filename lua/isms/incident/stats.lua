--- Incident statistics, computed in SQL over the incident register and
-- its links (no row per incident in Lua): counts per period, severity,
-- category, threat and asset class, and the time to contain and to close
-- (mean, median, 90th percentile, in hours). The same figures as a flat
-- list of metrics for the measurement programme and the review pack.
local irules = require "isms.incident.rules"
local records = require "isms.store.records"

local M = {}

--- Periods an incident's detection date is counted in.
M.PERIODS = {
  month = "substr(i.detected, 1, 7)",
  quarter = "substr(i.detected, 1, 4) || '-Q' || ((CAST(substr(i.detected, 6, 2) AS INTEGER) + 2) / 3)",
  year = "substr(i.detected, 1, 4)",
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

local function rows(reg, sql, args)
  local list = {}
  for row in reg:query(sql, unpack(args)) do list[#list + 1] = row end
  return list
end

-- Mean, median and 90th percentile (nearest rank) of the hours from
-- detection to `field`, over the incidents that have both times.
local function durations(reg, field, where, args)
  local sql = ([[
WITH d AS (
  SELECT (julianday(i.%s) - julianday(i.detected)) * 24.0 AS h
  FROM incidents i WHERE i.%s IS NOT NULL AND i.detected IS NOT NULL%s),
r AS (SELECT h, row_number() OVER (ORDER BY h) AS k, count(*) OVER () AS n FROM d
      WHERE h IS NOT NULL)
SELECT max(n) AS n, avg(h) AS mean,
       avg(CASE WHEN k IN ((n + 1) / 2, (n + 2) / 2) THEN h END) AS median,
       min(CASE WHEN k >= (n * 9 + 9) / 10 THEN h END) AS p90
FROM r]]):format(field, field, where)
  local row = rows(reg, sql, args)[1] or {}
  local function hours(v) return v and math.floor(tonumber(v) * 100 + 0.5) / 100 or nil end
  return { n = tonumber(row.n) or 0, mean = hours(row.mean), median = hours(row.median),
           p90 = hours(row.p90) }
end

local function counts(list, name)
  local out = {}
  for k, row in ipairs(list) do out[k] = { [name] = row.key, count = tonumber(row.n) } end
  return out
end

--- Statistics of the incidents detected within opts.from..opts.to (dates,
-- both optional). opts.period: "month" (default), "quarter" or "year".
-- @treturn table|nil { total, by_period, by_severity, by_category,
--   by_threat, by_class, contain = { n, mean, median, p90 }, close = {...} }
--   (hours), or nil, message, code
function M.stats(reg, opts)
  opts = opts or {}
  for _, name in ipairs({ "from", "to" }) do
    if opts[name] then
      local ok, e = records.date(opts[name], name)
      if not ok then return nil, e, "USAGE" end
    end
  end
  local period = M.PERIODS[opts.period or "month"]
  if not period then
    return nil, ("unknown period '%s'; expected month, quarter or year"):format(tostring(opts.period)),
      "USAGE"
  end
  local spec, err, code = irules.of(reg)
  if not spec then return nil, err, code end
  local where, args = window(opts)
  local out = {}
  out.total = tonumber(rows(reg, "SELECT count(*) AS n FROM incidents i WHERE 1" .. where, args)[1].n)
  out.by_period = counts(rows(reg, ("SELECT %s AS key, count(*) AS n FROM incidents i WHERE "
    .. "i.detected IS NOT NULL%s GROUP BY key ORDER BY key"):format(period, where), args), "period")
  for _, name in ipairs({ "severity", "category" }) do
    local found = {}
    for _, row in ipairs(rows(reg, ("SELECT coalesce(i.%s, '') AS key, count(*) AS n FROM "
        .. "incidents i WHERE 1%s GROUP BY key"):format(name, where), args)) do
      found[row.key] = tonumber(row.n)
    end
    -- in the order of the scale, then anything no longer on it
    local list = {}
    for _, label in ipairs(spec.scales[name].labels) do
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
    out["by_" .. name] = list
  end
  out.by_threat = counts(rows(reg, ("SELECT l.target AS key, count(*) AS n FROM record_links l "
    .. "JOIN incidents i ON i.id = l.id WHERE l.kind = 'incident' AND l.rel = 'threats'%s "
    .. "GROUP BY l.target ORDER BY n DESC, key"):format(where), args), "threat")
  out.by_class = counts(rows(reg, ("SELECT coalesce(a.class, '(unvalued)') AS key, "
    .. "count(DISTINCT l.id) AS n FROM record_links l JOIN incidents i ON i.id = l.id "
    .. "JOIN assets a ON a.id = l.target WHERE l.kind = 'incident' AND l.rel = 'assets'%s "
    .. "GROUP BY key ORDER BY key"):format(where), args), "class")
  out.contain = durations(reg, "contained", where, args)
  out.close = durations(reg, "closed", where, args)
  out.period = opts.period or "month"
  return out
end

--- The statistics as metrics { name, value, unit } for the measurement
-- programme and the management review pack.
function M.metrics(reg, opts)
  local s, err, code = M.stats(reg, opts)
  if not s then return nil, err, code end
  local list = { { name = "incidents", value = s.total, unit = "count" } }
  for _, row in ipairs(s.by_severity) do
    list[#list + 1] = { name = "incidents.severity." .. row.severity, value = row.count,
                        unit = "count" }
  end
  for _, what in ipairs({ "contain", "close" }) do
    for _, stat in ipairs({ "mean", "median", "p90" }) do
      list[#list + 1] = { name = ("incidents.time_to_%s.%s"):format(what, stat),
                          value = s[what][stat], unit = "hours" }
    end
  end
  return list
end

return M
