--- Incident statistics, computed in SQL over the incident register and
-- its links (no row per incident in Lua): counts per period, severity,
-- category, threat and asset class, and the time to contain and to close
-- (mean, median, 90th percentile, in hours). The same figures as a flat
-- list of metrics for the measurement programme and the review pack.
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
-- both times. The schema's indexes incidents_contain and incidents_close
-- hold the hours in order: the count and mean are one pass over an index,
-- the median and the 90th percentile are read at their rank (OFFSET), and
-- no incident is sorted here.
local DURATION = {
  contain = { index = "incidents_contain", col = "contained" },
  close = { index = "incidents_close", col = "closed" },
}
local function durations(reg, where, args)
  local function hours(v) return v and math.floor(tonumber(v) * 100 + 0.5) / 100 or nil end
  local out = {}
  for what, d in pairs(DURATION) do
    local h = ("((julianday(i.%s) - julianday(i.detected)) * 24.0)"):format(d.col)
    local from = ("FROM incidents i INDEXED BY %s WHERE i.%s IS NOT NULL AND %s IS NOT NULL%s")
      :format(d.index, d.col, h, where)
    local row = sql_read.first(reg, ("SELECT count(*) AS n, avg(%s) AS mean %s"):format(h, from),
                               unpack(args))
    local n = tonumber(row.n) or 0
    local t = { n = n }
    if n > 0 then
      t.mean = hours(row.mean)
      -- ranks (1-based): the median is the mean of ranks (n+1)/2 and (n+2)/2
      -- (one rank when n is odd), the 90th percentile rank (9n+9)/10
      local lo, hi = math.floor((n + 1) / 2), math.floor((n + 2) / 2)
      local at = ("SELECT %s AS h %s ORDER BY %s LIMIT %%d OFFSET %%d"):format(h, from, h)
      local sum, k = 0, 0
      for _, r in ipairs(rows(reg, at:format(hi - lo + 1, lo - 1), args)) do
        sum, k = sum + tonumber(r.h), k + 1
      end
      t.median = k > 0 and hours(sum / k) or nil
      local p = rows(reg, at:format(1, math.floor((n * 9 + 9) / 10) - 1), args)[1]
      t.p90 = p and hours(p.h) or nil
    end
    out[what] = t
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
-- once per class). The links are read in the order of their targets,
-- so the assets are looked up in key order, and counted per class in
-- one pass (count FILTER) over the classes a sample of them shows --
-- SQLite groups by sorting, which costs more than the lookups. A class
-- the sample missed sends it to the plain GROUP BY. An incident with
-- several assets of one class is taken off once for each extra: those
-- incidents are found in the links' key order, without a sort.
local LINKS = " FROM record_links l INDEXED BY record_links_target JOIN assets a ON a.id = l.target "
  .. "WHERE l.rel = 'assets' AND l.kind = 'incident'"
local function by_class(reg, only, args)
  local classes = {}
  for _, row in ipairs(rows(reg, "SELECT DISTINCT a.class AS c FROM (SELECT l.target FROM "
      .. "record_links l INDEXED BY record_links_target WHERE l.rel = 'assets' AND "
      .. "l.kind = 'incident' LIMIT 1000) t JOIN assets a ON a.id = t.target "
      .. "WHERE a.class IS NOT NULL ORDER BY 1", {})) do
    classes[#classes + 1] = row.c
  end
  local n = #args
  local cols, known = { "count(*) FILTER (WHERE a.class IS NULL) AS c0" }, {}
  for k in ipairs(classes) do
    known[k] = ("?%d"):format(n + k)
    cols[#cols + 1] = ("count(*) FILTER (WHERE a.class = ?%d) AS c%d"):format(n + k, k)
  end
  cols[#cols + 1] = "count(*) FILTER (WHERE a.class IS NOT NULL" .. (#known > 0 and
    (" AND a.class NOT IN (%s)"):format(table.concat(known, ", ")) or "") .. ") AS other"
  local params = { unpack(args) }
  for _, c in ipairs(classes) do params[#params + 1] = c end
  local row = rows(reg, "SELECT " .. table.concat(cols, ", ") .. LINKS .. only, params)[1]
  local found = {}
  if tonumber(row.other) > 0 then
    for _, r in ipairs(rows(reg, "SELECT coalesce(a.class, '(unvalued)') AS key, count(*) AS n"
        .. LINKS .. only .. " GROUP BY key", args)) do
      found[r.key] = tonumber(r.n)
    end
  else
    found["(unvalued)"] = tonumber(row.c0)
    for k, c in ipairs(classes) do found[c] = (found[c] or 0) + tonumber(row["c" .. k]) end
  end
  for _, r in ipairs(rows(reg, "SELECT coalesce(a.class, '(unvalued)') AS key, "
      .. "count(*) - count(DISTINCT l.id) AS n" .. LINKS .. only .. " AND l.id IN (SELECT m.id FROM "
      .. "record_links m WHERE m.kind = 'incident' AND m.rel = 'assets' GROUP BY m.id "
      .. "HAVING count(*) > 1) GROUP BY key", args)) do
    found[r.key] = found[r.key] - tonumber(r.n)
  end
  local keys = {}
  for key, c in pairs(found) do if c > 0 then keys[#keys + 1] = key end end
  table.sort(keys)
  local list = {}
  for k, key in ipairs(keys) do list[k] = { class = key, count = found[key] } end
  return list
end

--- Statistics of the incidents detected within opts.from..opts.to (dates,
-- both optional). opts.period: "month" (default), "quarter" or "year";
-- opts.brief leaves out by_threat and by_class (the links).
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
  local only = where ~= "" and (" AND l.id IN (SELECT i.id FROM incidents i WHERE 1" .. where .. ")") or ""
  out.by_threat = counts(rows(reg, "SELECT l.target AS key, count(*) AS n FROM record_links l "
    .. "INDEXED BY record_links_target WHERE l.rel = 'threats' AND l.kind = 'incident'" .. only
    .. " GROUP BY l.target ORDER BY n DESC, key", args), "threat")
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
