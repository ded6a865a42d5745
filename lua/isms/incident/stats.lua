--- Incident statistics, computed in SQL over the incident register and
-- its links (no row per incident in Lua): counts per period, severity,
-- category, threat and asset class, and the time to contain and to close
-- (mean, median, 90th percentile, in hours). The same figures as a flat
-- list of metrics for the measurement programme and the review pack.
local irules = require "isms.incident.rules"
local records = require "isms.store.records"
local sql_read = require "isms.incident._sql"

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

local function rows(reg, sql, args) return sql_read.all(reg, sql, unpack(args)) end

-- Mean, median and 90th percentile (nearest rank) of the hours from
-- detection to containment and to closure, over the incidents that have
-- both times: one pass over the incidents, one sort per measure.
local function durations(reg, where, args)
  local function ranked(col)
    return ("SELECT '%s' AS what, %s AS h, row_number() OVER (ORDER BY %s) AS k, count(*) OVER () AS n "
            .. "FROM d WHERE %s IS NOT NULL"):format(col, col, col, col)
  end
  local sql = ([[
WITH d AS MATERIALIZED (
  SELECT (julianday(i.contained) - julianday(i.detected)) * 24.0 AS contain,
         (julianday(i.closed) - julianday(i.detected)) * 24.0 AS close
  FROM incidents i WHERE (i.contained IS NOT NULL OR i.closed IS NOT NULL)%s),
r AS (%s UNION ALL %s)
SELECT what, max(n) AS n, avg(h) AS mean,
       avg(CASE WHEN k IN ((n + 1) / 2, (n + 2) / 2) THEN h END) AS median,
       min(CASE WHEN k >= (n * 9 + 9) / 10 THEN h END) AS p90
FROM r GROUP BY what]]):format(where, ranked("contain"), ranked("close"))
  local function hours(v) return v and math.floor(tonumber(v) * 100 + 0.5) / 100 or nil end
  local out = { contain = { n = 0 }, close = { n = 0 } }
  for _, row in ipairs(rows(reg, sql, args)) do
    out[row.what] = { n = tonumber(row.n) or 0, mean = hours(row.mean), median = hours(row.median),
                      p90 = hours(row.p90) }
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

--- Statistics of the incidents detected within opts.from..opts.to (dates,
-- both optional). opts.period: "month" (default), "quarter" or "year".
-- Severity, category and period come from one pass over the incidents;
-- threats and asset classes from the links in the order of their
-- targets (so the assets are read in key order).
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
  local period = M.PERIODS[opts.period or "month"]
  if not period then
    return nil, ("unknown period '%s'; expected month, quarter or year"):format(tostring(opts.period)),
      "USAGE"
  end
  local spec, err, code = irules.of(reg)
  if not spec then return nil, err, code end
  local where, args = window(opts)
  local out = { total = 0, period = opts.period or "month" }
  local sev, cat, per = {}, {}, {}
  for _, row in ipairs(rows(reg, ("SELECT coalesce(i.severity, '') AS s, coalesce(i.category, '') AS c, "
      .. "%s AS p, count(*) AS n FROM incidents i WHERE 1%s GROUP BY 1, 2, 3"):format(period, where),
      args)) do
    local n = tonumber(row.n)
    out.total = out.total + n
    sev[row.s] = (sev[row.s] or 0) + n
    cat[row.c] = (cat[row.c] or 0) + n
    if row.p then per[row.p] = (per[row.p] or 0) + n end
  end
  out.by_severity = in_scale_order(sev, spec.scales.severity, "severity")
  out.by_category = in_scale_order(cat, spec.scales.category, "category")
  local periods = {}
  for p in pairs(per) do periods[#periods + 1] = p end
  table.sort(periods)
  out.by_period = {}
  for k, p in ipairs(periods) do out.by_period[k] = { period = p, count = per[p] } end
  local only = where ~= "" and (" AND l.id IN (SELECT i.id FROM incidents i WHERE 1" .. where .. ")") or ""
  out.by_threat = counts(rows(reg, "SELECT l.target AS key, count(*) AS n FROM record_links l "
    .. "INDEXED BY record_links_target WHERE l.rel = 'threats' AND l.kind = 'incident'" .. only
    .. " GROUP BY l.target ORDER BY n DESC, key", args), "threat")
  out.by_class = counts(rows(reg, "SELECT coalesce(a.class, '(unvalued)') AS key, "
    .. "count(DISTINCT l.id) AS n FROM record_links l INDEXED BY record_links_target "
    .. "JOIN assets a ON a.id = l.target WHERE l.rel = 'assets' AND l.kind = 'incident'" .. only
    .. " GROUP BY key ORDER BY key", args), "class")
  local d = durations(reg, where, args)
  out.contain, out.close = d.contain, d.close
  return out
end
function M.stats(reg, opts) return sql_read.mapped(reg, stats, reg, opts or {}) end

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
