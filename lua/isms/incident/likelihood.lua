--- Incidents beside likelihood (guideline 6.2 h): wherever a risk is
-- listed, explained or reported, the incidents detected on its asset and
-- threat within the window of the incident rule file stand beside its
-- likelihood rating -- "O = 2 (Remote); 3 incidents in the last 12
-- months" -- and the file's flag rules say when the history contradicts
-- the rating. One SQL query finds the incidents of every risk at once.
local irules = require "isms.incident.rules"
local records = require "isms.store.records"
local sql_read = require "isms.incident._sql"
local cjson = require "cjson"

local M = {}

-- The SQL of the k-th rating of risk row `alias`: r1..r4 are columns,
-- factors 5.. one byte each in rx (the tier's position; 0 = not rated).
local HEX = "'0123456789ABCDEF'"
local function rating_sql(k, alias)
  if k <= 4 then return alias .. ".r" .. k end
  local h = ("substr(hex(%s.rx), %d, 2)"):format(alias, 2 * k - 9)
  return ("nullif((instr(%s, substr(%s, 1, 1)) - 1) * 16 + instr(%s, substr(%s, 2, 1)) - 1, 0)")
    :format(HEX, h, HEX, h)
end
M.rating_sql = rating_sql

-- The likelihood factor of the register: the first of the rule file's
-- factor names the register rates risks on; its column and its tiers.
local function factor_of(reg, history)
  local factors = reg:risk_factors() or {}
  for _, want in ipairs(history.factor) do
    for k, name in ipairs(factors) do
      if name:lower() == want:lower() then
        -- the register stores a tier's position: its value and label by position
        -- (the scale's "not rated" tier, if it has one, is no rating)
        local labels, values, unrated = {}, {}, {}
        local m = reg:methodology()
        local ok, tiers = pcall(function() return m and m:tiers(name) end)
        for pos, t in ipairs(ok and tiers or {}) do
          labels[pos], values[pos], unrated[pos] = t.label, t.value, t.not_rated
        end
        return { name = name, k = k, labels = labels, values = values, unrated = unrated }
      end
    end
  end
  return nil
end

-- The incident/risk pairs of the incidents detected from `from` to
-- `today` (both days included), for the rule file's match; args[1] is
-- `from`, args[2] `today`. `only` limits the risks to one ref (args[3]),
-- or with only == "refs" to those of a JSON array (args[3]).
local function hits_sql(match, only)
  local inc = "SELECT id FROM incidents WHERE detected >= ?1 AND detected <= ?2 || '~'"
  local ia = "SELECT l.id, l.target AS asset FROM record_links l JOIN inc ON inc.id = l.id "
    .. "WHERE l.kind = 'incident' AND l.rel = 'assets'"
  local it = "SELECT l.id, l.target AS threat FROM record_links l JOIN inc ON inc.id = l.id "
    .. "WHERE l.kind = 'incident' AND l.rel = 'threats'"
  local set = only == "refs" and " IN (SELECT value FROM json_each(?3))" or " = ?3"
  local restrict = only and (" AND r.ref" .. set) or ""
  local parts = {}
  if match == "asset and threat" then
    parts[#parts + 1] = "SELECT r.ref, ia.id FROM ia JOIN it ON it.id = ia.id JOIN risks r "
      .. "ON r.asset = ia.asset AND r.threat = it.threat WHERE 1" .. restrict
  end
  if match == "asset" or match == "asset or threat" then
    parts[#parts + 1] = "SELECT r.ref, ia.id FROM ia JOIN risks r ON r.asset = ia.asset WHERE 1"
      .. restrict
  end
  if match == "threat" or match == "asset or threat" then
    parts[#parts + 1] = "SELECT r.ref, it.id FROM it JOIN risks r ON r.threat = it.threat WHERE 1"
      .. restrict
  end
  -- an incident that names the risk itself always counts
  parts[#parts + 1] = "SELECT l.target AS ref, l.id FROM record_links l JOIN inc ON inc.id = l.id "
    .. "WHERE l.kind = 'incident' AND l.rel = 'risks'" .. (only and (" AND l.target" .. set) or "")
  -- a few risks look their incidents up by id; every risk reads them all once
  return ("WITH inc AS %s(%s), ia AS (%s), it AS (%s), hits AS (%s) "):format(
    only and "NOT MATERIALIZED " or "", inc, ia, it, table.concat(parts, " UNION "))
end

-- The first flag rule the count and the tier meet.
local function flag_of(history, count, tier)
  if not tier then return nil end
  for _, rule in ipairs(history.flag) do
    if count >= rule.incidents_at_least and tier <= rule.rated_at_most then
      return rule.reason or ("%d incidents in the window, yet rated %s"):format(count, tier)
    end
  end
end

local function months_text(n) return n == 1 and "month" or (n .. " months") end

-- The tier value and label of a stored position.
local function tier_of(f, pos)
  if not (f and pos) or f.unrated[pos] then return nil end
  return f.values[pos] or pos, f.labels[pos]
end

-- The words beside the likelihood.
local function text_of(f, tier, label, count, months)
  local rating
  if f and tier then
    rating = ("%s = %s%s"):format(f.name, tier, label and (" (" .. label .. ")") or "")
  elseif f then
    rating = f.name .. " not rated"
  end
  local inc = ("%d incident%s in the last %s"):format(count, count == 1 and "" or "s",
                                                     months_text(months))
  return rating and (rating .. "; " .. inc) or inc
end

local first = sql_read.first

-- The first day of the window that ends on opts.today (default today),
-- and that day.
local function window_start(reg, opts, months)
  local today = records.today(opts.today)
  return first(reg, "SELECT date(?1, ?2) AS d", today, ("-%d months"):format(months)).d, today
end

--- Incidents beside likelihood for every risk that has any in the window
-- (or only opts.ref, or those of the list opts.refs): a list of { ref,
-- count, incidents (ids), factor, tier, label, text, flag (a reason, or
-- nil) }, ordered by ref. opts: today (YYYY-MM-DD; the window ends that
-- day: an incident detected later is not counted), flagged (only risks
-- the history contradicts), ref, refs.
local function history(reg, opts)
  local spec, err, code = irules.of(reg)
  if not spec then return nil, err, code end
  local h = spec.history
  local f = factor_of(reg, h)
  local from, today = window_start(reg, opts, h.window_months)
  local only = opts.ref and "ref" or opts.refs and "refs" or nil
  local sql = hits_sql(h.match, only)
    .. ("SELECT hits.ref, group_concat(DISTINCT hits.id) AS ids, count(DISTINCT hits.id) AS n, "
    .. "%s AS tier FROM hits JOIN risks r ON r.ref = hits.ref GROUP BY hits.ref ORDER BY hits.ref")
      :format(f and rating_sql(f.k, "r") or "NULL")
  local list = {}
  local args = { from, today,
                 opts.ref or opts.refs and (#opts.refs > 0 and cjson.encode(opts.refs) or "[]") }
  for row in reg:query(sql, unpack(args, 1, only and 3 or 2)) do
    local n = tonumber(row.n)
    local tier, label = tier_of(f, tonumber(row.tier))
    local ids = {}
    for id in (row.ids or ""):gmatch("[^,]+") do ids[#ids + 1] = id end
    table.sort(ids)
    local item = { ref = row.ref, count = n, incidents = ids, factor = f and f.name, tier = tier,
                   label = label, window_months = h.window_months,
                   since = from, flag = flag_of(h, n, tier) }
    item.text = text_of(f, tier, label, n, h.window_months)
    if not opts.flagged or item.flag then list[#list + 1] = item end
  end
  return list
end

function M.history(reg, opts) return sql_read.mapped(reg, history, reg, opts or {}) end

-- A date or text as an SQL literal.
local function literal(v) return "'" .. tostring(v):gsub("'", "''") .. "'" end

--- The incident history as SQL over every risk, for a sheet that streams
-- them from SQLite (the XLSX report's full risk sheet): `with`, a WITH
-- clause whose table `hist` (ref, n) holds the risks with incidents in
-- the window that ends on opts.today; `count` and `flag`, expressions over
-- the risk row `r` LEFT JOINed to hist (the count, 0 when none; the first
-- flag rule's reason, or NULL), as history() gives them. nil, and why,
-- when the incident rule file does not load.
function M.sheet_sql(reg, opts)
  local spec, err = irules.of(reg)
  if not spec then return nil, err end
  local h = spec.history
  local f = factor_of(reg, h)
  local from, today = window_start(reg, opts or {}, h.window_months)
  local with = hits_sql(h.match, nil):gsub("%?1", literal(from)):gsub("%?2", literal(today))
  with = with:gsub("%s+$", "") .. ", hist AS (SELECT ref, count(DISTINCT id) AS n FROM hits GROUP BY ref) "
  local count = "coalesce(hist.n, 0)"
  local flag = "NULL"
  if f and #h.flag > 0 then
    -- the tier value of the stored position (an unrated tier is no rating)
    local tier = { "CASE " .. rating_sql(f.k, "r") }
    for pos, v in pairs(f.values) do
      if not f.unrated[pos] then tier[#tier + 1] = ("WHEN %d THEN %s"):format(pos, literal(v)) end
    end
    local tv = #tier > 1 and (table.concat(tier, " ") .. " END") or "NULL"
    local cases = { "CASE" }
    for _, rule in ipairs(h.flag) do
      cases[#cases + 1] = ("WHEN %s >= %s AND CAST(%s AS REAL) <= %s THEN %s"):format(count,
        tostring(rule.incidents_at_least), tv, tostring(rule.rated_at_most),
        rule.reason and literal(rule.reason)
          or (count .. " || ' incidents in the window, yet rated ' || " .. tv))
    end
    flag = table.concat(cases, " ") .. " END"
  end
  return { with = with, count = count, flag = flag }
end

--- The incidents beside one risk's likelihood (a risk with none in the
-- window gets count 0): { ref, count, incidents, factor, tier, label,
-- text, flag }; nil, message, "NOTFOUND" for an unknown risk.
function M.beside_likelihood(reg, ref, opts)
  opts = opts or {}
  local spec, err, code = irules.of(reg)
  if not spec then return nil, err, code end
  local h = spec.history
  local f = factor_of(reg, h)
  local risk = first(reg, ("SELECT r.ref, %s AS tier FROM risks r WHERE r.ref = ?1"):format(
    f and rating_sql(f.k, "r") or "NULL"), ref)
  if not risk then return nil, ("no risk '%s' in the register"):format(ref), "NOTFOUND" end
  local found = M.history(reg, { ref = ref, today = opts.today })[1]
  if found then return found end
  local tier, label = tier_of(f, tonumber(risk.tier))
  return { ref = ref, count = 0, incidents = {}, factor = f and f.name, tier = tier,
           label = label, window_months = h.window_months,
           since = window_start(reg, opts, h.window_months), flag = flag_of(h, 0, tier),
           text = text_of(f, tier, label, 0, h.window_months) }
end

return M
