--- Stale records: which records are out of date, and why, as set
-- operations in SQL over the change log and the register's columns.
--
-- A rated risk is current as of its assessment -- the batch that last
-- rated or reviewed it (risks.assessed_batch, kept by the schema's
-- triggers). Each trigger of the register's trigger file is one SELECT:
-- the changes of its kind after the oldest assessment, found by a range
-- of a small partial index over the change log, joined by index to the
-- risks they concern, kept where the change is newer than the risk's
-- assessment. The review cycles add the records whose next review date
-- has passed: for risks a range of the risks_assessed index (an
-- assessment made before the cycle's cut-off batch), for the other kinds
-- their last review. Nothing is computed per risk in Lua; Lua only words
-- the reasons of the rows it lists.
local crules = require "isms.currency.rules"
local irules = require "isms.incident.rules"
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local sql_read = require "isms.incident._sql"

local M = {}

-- ------------------------------------------------------------ helpers

local first = sql_read.first

local function quote(s) return "'" .. tostring(s):gsub("'", "''") .. "'" end

-- The newest batch made before a date (0 if none): a record assessed in
-- that batch or earlier was assessed before the date. Batch ids grow
-- with time, as the register numbers them.
local function batch_before(reg, date)
  return tonumber(first(reg, "SELECT coalesce(max(id), 0) AS b FROM change_batches WHERE at < ?1",
                        date).b)
end

local function months_ago(reg, today, n)
  return first(reg, "SELECT date(?1, ?2) AS d", today, ("-%d months"):format(n)).d
end

-- "CASE col WHEN 'x' THEN a ... ELSE d END" over a cycle's shorter cycles,
-- with value(months) giving each arm.
local function by_value(col, cycle, value)
  local arms = {}
  local names = {}
  for name in pairs(cycle.shorter) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    arms[#arms + 1] = ("WHEN %s THEN %s"):format(quote(name), value(cycle.shorter[name]))
  end
  if #arms == 0 then return value(cycle.months) end
  return ("(CASE %s %s ELSE %s END)"):format(col, table.concat(arms, " "), value(cycle.months))
end

-- ------------------------------------------------------------ risk triggers

-- Each returns SQL selecting (kind, id, trig, batch, since, detail) and
-- CTEs it needs, or nil when nothing of its kind changed after `lo` (the
-- oldest assessment): then the part is left out, and no risk is read.
local PART = {}

-- A rated risk's assessment over alias r ({assessed} in the parts below).
local ASSESSED = "coalesce(r.assessed_batch, r.created_batch)"

local function changed(reg, index, where, lo)
  return first(reg, ("SELECT 1 AS x FROM change_log INDEXED BY %s WHERE %s AND batch > %d LIMIT 1")
                 :format(index, where, lo)) ~= nil
end

local VALUATION = "entity = 'asset' AND field IN ('c', 'i', 'a', 'class', 'value')"
local SCOPE = "entity = 'asset' AND field = 'scope'"
local CATALOG = "entity IN ('threat', 'vulnerability')"
local SOA_STATUS = "entity = 'soa' AND field IN ('status', 'applicable')"

-- The asset changes in change sets after lo (a re-valuation logs its
-- moves as one set: core/change_set.c), as SQL selecting (asset, batch),
-- or nil when there is no such set.
local function set_changes(reg, fields, lo)
  if not first(reg, "SELECT 1 AS x FROM change_sets WHERE entity = 'asset' AND batch > ?1 LIMIT 1",
               lo) then
    return nil
  end
  return ("SELECT x.entity_id AS asset, s.batch FROM change_sets s, isms_change_set(s.changes) x "
          .. "WHERE s.entity = 'asset' AND s.batch > %d AND x.field IN (%s)"):format(lo, fields)
end

-- Changes per asset (valuation, scope) joined to the asset's risks.
local function per_asset(index, where, fields)
  return function(reg, _, ti, ctx)
    local sets = set_changes(reg, fields, ctx.lo)
    if not sets and not changed(reg, index, where, ctx.lo) then return nil end
    local log = ("SELECT entity_id AS asset, batch FROM change_log INDEXED BY %s WHERE %s AND batch > %d")
      :format(index, where, ctx.lo)
    return ([[SELECT 'risk' AS kind, r.ref AS id, %d AS trig, e.batch AS batch,
  {assessed} AS since, e.asset AS detail, NULL AS months, r.level AS grp
FROM (SELECT asset, max(batch) AS batch FROM (%s) GROUP BY asset) e
CROSS JOIN risks r ON r.asset = e.asset WHERE r.level IS NOT NULL AND {assessed} < e.batch]]):format(
      ti, sets and (log .. " UNION ALL " .. sets) or log)
  end
end
PART.valuation = per_asset("change_log_valuation", VALUATION, "'c', 'i', 'a', 'class', 'value'")
PART.scope = per_asset("change_log_scope", SCOPE, "'scope'")

PART.threat = function(reg, _, ti, ctx)
  if not changed(reg, "change_log_catalog", CATALOG .. " AND entity = 'threat'", ctx.lo) then
    return nil
  end
  return ([[SELECT 'risk' AS kind, r.ref AS id, %d AS trig, e.batch AS batch,
  {assessed} AS since, e.threat AS detail, NULL AS months, r.level AS grp
FROM (SELECT entity_id AS threat, max(batch) AS batch FROM change_log INDEXED BY change_log_catalog
      WHERE %s AND entity = 'threat' AND batch > %d GROUP BY entity_id) e
CROSS JOIN risks r INDEXED BY risks_threat ON r.threat = e.threat
WHERE r.level IS NOT NULL AND {assessed} < e.batch]]):format(
    ti, CATALOG, ctx.lo)
end

-- Risks have no index by vulnerability: one pass over the risks, each
-- looked up in the (few) changed vulnerabilities.
PART.vulnerability = function(reg, _, ti, ctx)
  if not changed(reg, "change_log_catalog", CATALOG .. " AND entity = 'vulnerability'", ctx.lo) then
    return nil
  end
  return ([[SELECT 'risk' AS kind, r.ref AS id, %d AS trig, e.batch AS batch,
  {assessed} AS since, e.vulnerability AS detail, NULL AS months, r.level AS grp
FROM risks r CROSS JOIN (SELECT entity_id AS vulnerability, max(batch) AS batch
      FROM change_log INDEXED BY change_log_catalog
      WHERE %s AND entity = 'vulnerability' AND batch > %d GROUP BY entity_id) e
  ON r.vulnerability = e.vulnerability WHERE r.level IS NOT NULL AND {assessed} < e.batch]]):format(
    ti, CATALOG, ctx.lo)
end

PART.control_status = function(reg, _, ti, ctx)
  if not changed(reg, "change_log_soa_status", SOA_STATUS, ctx.lo) then return nil end
  return ([[SELECT 'risk' AS kind, r.ref AS id, %d AS trig, e.batch AS batch,
  {assessed} AS since, e.control AS detail, NULL AS months, r.level AS grp
FROM (SELECT entity_id AS control, max(batch) AS batch FROM change_log INDEXED BY change_log_soa_status
      WHERE %s AND batch > %d GROUP BY entity_id) e
CROSS JOIN treatment_controls tc ON tc.control = e.control
CROSS JOIN risks r ON r.ref = tc.risk WHERE r.level IS NOT NULL AND {assessed} < e.batch]]):format(
    ti, SOA_STATUS, ctx.lo)
end

PART.methodology = function(reg, _, ti, ctx)
  local m = first(reg, "SELECT batch, old, new FROM change_log WHERE entity = 'setting' AND "
                    .. "entity_id = 'methodology' AND batch > ?1 ORDER BY batch DESC LIMIT 1", ctx.lo)
  if not m then return nil end
  local detail = (m.old or "none") .. " -> " .. (m.new or "none")
  -- two ranges of risks_assessed: assessed before the change, or never
  -- re-assessed and created before it
  local head = ("SELECT 'risk' AS kind, ref AS id, %d AS trig, %d AS batch, "
    .. "coalesce(assessed_batch, created_batch) AS since, %s AS detail, NULL AS months, level AS grp "
    .. "FROM risks INDEXED BY risks_assessed WHERE level IS NOT NULL AND "):format(
      ti, tonumber(m.batch), quote(detail))
  return head .. ("assessed_batch < %d\nUNION ALL\n"):format(tonumber(m.batch)) .. head
    .. ("assessed_batch IS NULL AND created_batch < %d"):format(tonumber(m.batch))
end

-- An incident touches a risk through what it links (assets, threats,
-- risks), each as of the batch that linked it (incident_touches, kept by
-- the schema's triggers; links since removed are gone from it; an
-- asset and a threat of one incident also as a pair, incident_pairs). The
-- trigger's match says which must meet; min_severity keeps the incidents
-- at or above a tier of the severity scale. The touches are read by
-- target (incident_touches_target), so the risks of one threat (or
-- asset) are probed together rather than all over the index.
PART.incident = function(reg, t, ti, ctx)
  if not first(reg, ("SELECT 1 AS x FROM incident_touches WHERE batch > %d LIMIT 1"):format(ctx.lo)) then
    return nil
  end
  local severity = ""
  if t.min_severity then
    local spec, err = irules.of(reg)
    if not spec then error({ msg = err }) end
    local sc = spec.scales.severity
    local least = sc:rank(t.min_severity)
    if not least then
      error({ msg = ("%s:%d: trigger '%s': min_severity: %s"):format(ctx.file, t.line, t.name,
                                                                    select(2, sc:parse(t.min_severity))) })
    end
    local labels = {}
    for _, tier in ipairs(sc.tiers) do
      if tier.value >= least then labels[#labels + 1] = quote(tier.label) end
    end
    severity = (" AND %%s.incident IN (SELECT id FROM incidents WHERE severity IN (%s))"):format(
      table.concat(labels, ", "))
  end
  local function sev(alias) return severity ~= "" and severity:format(alias) or "" end
  local head = ("SELECT 'risk' AS kind, r.ref AS id, %d AS trig, "):format(ti)
  local tail = ", NULL AS months, r.level AS grp"
  local parts = {}
  if t.match == "asset and threat" then
    -- the pairs (incident_pairs) in the order of risks_threat, so each
    -- probe lands next to the one before
    parts[#parts + 1] = head .. ([[p.batch AS batch, {assessed} AS since, p.incident AS detail%s
FROM incident_pairs p
CROSS JOIN risks r INDEXED BY risks_threat ON r.threat = p.threat AND r.asset = p.asset
WHERE p.batch > %d AND r.level IS NOT NULL AND {assessed} < p.batch%s]])
      :format(tail, ctx.lo, sev("p"))
  end
  if t.match == "asset" or t.match == "asset or threat" then
    parts[#parts + 1] = head .. ([[a.batch AS batch, {assessed} AS since, a.incident AS detail%s
FROM incident_touches a INDEXED BY incident_touches_target CROSS JOIN risks r ON r.asset = a.target
WHERE a.rel = 'assets' AND a.batch > %d AND r.level IS NOT NULL AND {assessed} < a.batch%s]])
      :format(tail, ctx.lo, sev("a"))
  end
  if t.match == "threat" or t.match == "asset or threat" then
    parts[#parts + 1] = head .. ([[h.batch AS batch, {assessed} AS since, h.incident AS detail%s
FROM incident_touches h INDEXED BY incident_touches_target
CROSS JOIN risks r INDEXED BY risks_threat ON r.threat = h.target
WHERE h.rel = 'threats' AND h.batch > %d AND r.level IS NOT NULL AND {assessed} < h.batch%s]])
      :format(tail, ctx.lo, sev("h"))
  end
  parts[#parts + 1] = head .. ([[k.batch AS batch, {assessed} AS since, k.incident AS detail%s
FROM incident_touches k CROSS JOIN risks r ON r.ref = k.target
WHERE k.rel = 'risks' AND k.batch > %d AND r.level IS NOT NULL AND {assessed} < k.batch%s]])
    :format(tail, ctx.lo, sev("k"))
  return table.concat(parts, "\nUNION ALL\n")
end

-- ------------------------------------------------------------ review cycles

local function months_of(col, cycle)
  return by_value(col, cycle, function(m) return tostring(m) end)
end

-- Records whose next review date has passed. For risks: assessed at or
-- before the cut-off batch of their level's cycle, unless a review set
-- an explicit next review date (then that date decides).
local function risk_reviews(reg, cycle, ti, ctx)
  local cuts, most = {}, 0
  local function cut(months)
    if not cuts[months] then
      cuts[months] = batch_before(reg, months_ago(reg, ctx.today, months))
      if cuts[months] > most then most = cuts[months] end
    end
    return tostring(cuts[months])
  end
  local bound = by_value("level", cycle, cut)
  local parts = {}
  local explicit = "SELECT record FROM record_reviews WHERE kind = 'risk' AND next_review IS NOT NULL"
  local passed = ("SELECT record FROM record_reviews WHERE kind = 'risk' AND next_review < %s"):format(
    quote(ctx.today))
  if most > 0 then
    -- two ranges of risks_assessed: assessed, or never re-assessed since created
    for _, col in ipairs({ "assessed_batch", "created_batch" }) do
      parts[#parts + 1] = ([[SELECT 'risk' AS kind, ref AS id, %d AS trig, NULL AS batch,
  %s AS since, level AS detail, %s AS months, level AS grp
FROM risks INDEXED BY risks_assessed WHERE level IS NOT NULL AND %s%s <= %d
  AND %s <= %s AND ref NOT IN (%s)]]):format(ti, col, months_of("level", cycle),
        col == "created_batch" and "assessed_batch IS NULL AND " or "", col, most, col, bound,
        explicit)
    end
  end
  parts[#parts + 1] = ([[SELECT 'risk' AS kind, v.record AS id, %d AS trig, NULL AS batch,
  coalesce(r.assessed_batch, r.created_batch) AS since, 'next review ' || v.next_review AS detail,
  NULL AS months, NULL AS grp
FROM record_reviews v JOIN risks r ON r.ref = v.record
WHERE v.kind = 'risk' AND v.next_review < %s AND r.level IS NOT NULL]]):format(ti, quote(ctx.today))
  -- The same test over a row of another trigger (its since, grp and id),
  -- so a summary counts a risk due for review and stale for a change once.
  local case = by_value("\1", cycle, cut)
  ctx.risk_due = function(since, grp, id)
    local tests = {}
    if most > 0 then
      tests[1] = ("(%s <= %d AND %s <= %s AND %s NOT IN (%s))"):format(since, most, since,
        (case:gsub("\1", function() return grp end)), id, explicit)
    end
    tests[#tests + 1] = ("%s IN (%s)"):format(id, passed)
    return "(" .. table.concat(tests, " OR ") .. ")"
  end
  return table.concat(parts, "\nUNION ALL\n")
end

-- The other kinds: last reviewed (reviews) or, never reviewed, recorded
-- (the batch that created the record) more than a cycle ago. spec: the
-- table, its key, the column of the shorter cycles (by) and an SQL
-- expression of the record's creating batch over alias x.
local function record_reviews(reg, cycle, ti, ctx, spec)
  local grp = spec.by and ("x." .. spec.by) or "NULL"
  local months_sql = months_of(grp, cycle)
  local parts = {}
  -- reviewed: the review's next date, else the date of the review + cycle
  parts[#parts + 1] = ([[SELECT %s AS kind, v.record AS id, %d AS trig, NULL AS batch,
  NULL AS since, 'last reviewed ' || v.reviewed || coalesce(', next review ' || v.next_review, '')
  AS detail, %s AS months, %s AS grp
FROM record_reviews v JOIN %s x ON x.%s = v.record
WHERE v.kind = %s AND CASE WHEN v.next_review IS NOT NULL THEN v.next_review < %s
  ELSE date(v.reviewed, '+' || %s || ' months') < %s END]]):format(
    quote(cycle.kind), ti, months_sql, grp, spec.table, spec.key, quote(cycle.kind), quote(ctx.today),
    months_sql, quote(ctx.today))
  -- never reviewed: created in a batch before the cut-off of its cycle
  local cuts, most = {}, 0
  local cut_sql = by_value(spec.by and ("x." .. spec.by) or "NULL", cycle, function(m)
    if not cuts[m] then
      cuts[m] = batch_before(reg, months_ago(reg, ctx.today, m))
      if cuts[m] > most then most = cuts[m] end
    end
    return tostring(cuts[m])
  end)
  local made = first(reg, "SELECT 1 AS x FROM change_batches WHERE id <= ?1 AND created > 0 LIMIT 1",
                     most)
  if most > 0 and made then
    parts[#parts + 1] = ([[SELECT %s AS kind, x.%s AS id, %d AS trig, NULL AS batch,
  %s AS since, 'never reviewed' AS detail, %s AS months, %s AS grp
FROM %s x WHERE %s <= %s
  AND x.%s NOT IN (SELECT record FROM record_reviews WHERE kind = %s)]]):format(
      quote(cycle.kind), spec.key, ti, spec.created, months_sql, grp, spec.table, spec.created,
      cut_sql, spec.key, quote(cycle.kind))
  end
  return table.concat(parts, "\nUNION ALL\n")
end

-- Tables and creating batches of the kinds a cycle may name.
local function kind_spec(name)
  if name == "asset" then
    return { table = "assets", key = "id", by = "class", created = "x.created_batch" }
  end
  local d = kind.get(name)
  if not d or #d.key ~= 1 then return nil end
  return { table = d.table, key = d.key[1], by = crules.CYCLE_KINDS[name] or nil,
           created = ("(SELECT min(batch) FROM change_log WHERE entity = %s AND entity_id = x.%s "
                      .. "AND action = 'create')"):format(quote(d.kind), d.key[1]) }
end

-- SoA entries: reviewed by a review of their own or by the last issue of
-- the SoA, whichever is later; never issued nor reviewed: not due.
local function soa_reviews(_, cycle, ti, ctx)
  return ([[SELECT 'soa' AS kind, control AS id, %d AS trig, NULL AS batch, NULL AS since,
  'last reviewed ' || last AS detail, %d AS months, NULL AS grp FROM (
  SELECT s.control, v.next_review, max(coalesce(v.reviewed, ''),
    coalesce((SELECT substr(max(issued_at), 1, 10) FROM soa_revisions), '')) AS last
  FROM soa s LEFT JOIN record_reviews v ON v.kind = 'soa' AND v.record = s.control)
WHERE last <> '' AND CASE WHEN next_review IS NOT NULL THEN next_review < %s
  ELSE date(last, '+%d months') < %s END]]):format(ti, cycle.months, quote(ctx.today),
                                                    cycle.months, quote(ctx.today))
end

-- Documents (the documented information of lua/isms/docs): an approved
-- document carries its own review -- its approval date, review_months
-- and next_review, as `isms docs check` reads them -- and may be reviewed
-- with `isms reviewed document ID` as any record. The later of the
-- approval and that review counts: its next review date if it has one,
-- else that day plus the document's review_months (the cycle's months
-- when it has none). Drafts, withdrawn and disposed documents are not due.
local function document_reviews(_, cycle, ti, ctx)
  return ([[SELECT 'document' AS kind, id, %d AS trig, NULL AS batch, NULL AS since,
  CASE WHEN reviewed THEN 'last reviewed ' ELSE 'approved ' END || last || ', next review ' || due
  AS detail, months, NULL AS grp FROM (
  SELECT id, reviewed, last, months, coalesce(given, date(last, '+' || months || ' months')) AS due
  FROM (
    SELECT d.id, coalesce(d.review_months, %d) AS months,
      v.reviewed IS NOT NULL AND (d.approved IS NULL OR v.reviewed >= d.approved) AS reviewed,
      CASE WHEN v.reviewed IS NOT NULL AND (d.approved IS NULL OR v.reviewed >= d.approved)
        THEN v.reviewed ELSE d.approved END AS last,
      CASE WHEN v.reviewed IS NOT NULL AND (d.approved IS NULL OR v.reviewed >= d.approved)
        THEN v.next_review ELSE d.next_review END AS given
    FROM documents d LEFT JOIN record_reviews v ON v.kind = 'document' AND v.record = d.id
    WHERE d.status = 'approved'))
WHERE last IS NOT NULL AND due < %s]]):format(ti, cycle.months, quote(ctx.today))
end

--- The rule files a register uses, as review record ids ("DIR/NAME"),
-- each with the setting that chose it.
function M.rule_files(reg)
  local list = {}
  local function add(dir, name, setting)
    list[#list + 1] = { id = dir .. "/" .. name, setting = setting }
  end
  local m = reg:setting("methodology")
  if m then add("methodologies", m, "methodology") end
  add("incidents", reg:setting(crules.SETTINGS.incidents) or "default", crules.SETTINGS.incidents)
  add("cycles", reg:setting(crules.SETTINGS.cycles) or "default", crules.SETTINGS.cycles)
  add("triggers", reg:setting(crules.SETTINGS.triggers) or "default", crules.SETTINGS.triggers)
  return list
end

-- Rule files: reviewed, else chosen (their setting's batch), else in use
-- since the register began; few, so found here rather than in SQL.
local function rule_file_rows(reg, cycle, ti, ctx)
  local rows = {}
  local due = months_ago(reg, ctx.today, cycle.months)
  local began = first(reg, "SELECT substr(min(at), 1, 10) AS at FROM change_batches")
  for _, rf in ipairs(M.rule_files(reg)) do
    local v = first(reg, "SELECT reviewed, next_review FROM record_reviews WHERE kind = 'rule_file' AND "
                      .. "record = ?1", rf.id)
    local set = first(reg, "SELECT substr(max(b.at), 1, 10) AS at FROM change_log l JOIN "
      .. "change_batches b ON b.id = l.batch WHERE l.entity = 'setting' AND l.entity_id = ?1",
      rf.setting)
    local last = v and v.reviewed or (set and set.at) or (began and began.at)
    local is_due
    if v and v.next_review then is_due = v.next_review < ctx.today
    else is_due = last ~= nil and last < due end
    if is_due then
      rows[#rows + 1] = { kind = "rule_file", id = rf.id, trig = ti, months = cycle.months,
                          detail = v and ("last reviewed " .. v.reviewed) or ("in use since " .. last) }
    end
  end
  return rows
end

-- ------------------------------------------------------------ words

local function batch_words(b)
  if not b then return "" end
  return (" in batch %d (%s, %s)"):format(b.id, b.command, b.at:sub(1, 10))
end

local function after(r) return (", after the risk was assessed (batch %s)"):format(r.since) end

local REASON = {
  valuation = function(r, b)
    return ("the valuation of asset %s changed%s"):format(r.detail, batch_words(b)) .. after(r)
  end,
  scope = function(r, b)
    return ("asset %s changed scope%s"):format(r.detail, batch_words(b)) .. after(r)
  end,
  threat = function(r, b)
    return ("threat %s changed%s"):format(r.detail, batch_words(b)) .. after(r)
  end,
  vulnerability = function(r, b)
    return ("vulnerability %s changed%s"):format(r.detail, batch_words(b)) .. after(r)
  end,
  control_status = function(r, b)
    return ("control %s of its treatment changed status in the SoA%s"):format(r.detail,
                                                                            batch_words(b)) .. after(r)
  end,
  methodology = function(r, b)
    return ("the methodology changed (%s)%s"):format(r.detail, batch_words(b)) .. after(r)
  end,
  incident = function(r, b, ctx)
    local i = ctx.incidents[r.detail]
    local what = i and (" (%s, detected %s)"):format(i.severity or "no severity",
                                                     (i.detected or "?"):sub(1, 10)) or ""
    return ("incident %s%s touched it%s"):format(r.detail, what, batch_words(b)) .. after(r)
  end,
  review_due = function(r, _, ctx, q)
    local every = ("every %s months"):format(r.months or "?")
    local c = q.cycles.cycles[r.kind]
    local who = (r.kind == "soa" and "SoA entries" or r.kind:gsub("_", " ") .. "s")
    if c and c.by and r.grp then who = ("%s of %s %s"):format(who, c.by, r.grp) end
    if r.kind == "risk" then
      if r.detail:match("^next review ") then return ("review due: %s passed"):format(r.detail) end
      local b = ctx.batches[tonumber(r.since)]
      return ("review due: last assessed %s (batch %s); %s are reviewed %s")
        :format(b and b.at:sub(1, 10) or "?", r.since, who, every)
    end
    if r.detail == "never reviewed" then
      local b = ctx.batches[tonumber(r.since)]
      return ("review due: never reviewed since recorded %s (batch %s); %s are reviewed %s")
        :format(b and b.at:sub(1, 10) or "?", r.since or "?", who, every)
    end
    return ("review due: %s; %s are reviewed %s"):format(r.detail, who, every)
  end,
}

-- ------------------------------------------------------------ the query

-- The SQL over every stale trigger of the file and the review cycles:
-- { ctes (list), body (the UNION ALL, or nil), extra (rows found in Lua),
-- triggers, cycles, today }. Columns: kind, id, trig (the trigger's
-- index), batch (the change), since (the record's assessment), detail,
-- months (of a review cycle).
local function build(reg, opts)
  local triggers, terr, tcode = crules.triggers_of(reg)
  if not triggers then return nil, terr, tcode end
  local cycles, cerr, ccode = crules.cycles_of(reg)
  if not cycles then return nil, cerr, ccode end
  local today = records.today(opts.today)
  if opts.trigger then
    local names = {}
    for _, t in ipairs(triggers.triggers) do
      if t.stale then names[#names + 1] = t.name end
      if t.name == opts.trigger and t.stale then names = nil break end
    end
    if names then
      return nil, ("--trigger: no trigger '%s' makes records stale in %s; expected one of %s")
        :format(opts.trigger, triggers.file, table.concat(names, ", ")), "USAGE"
    end
  end
  if opts.kind then
    -- a record kind by its noun too (documents, suppliers)
    local d = crules.CYCLE_KINDS[opts.kind] == nil and opts.kind ~= "risk" and kind.get(opts.kind)
    if d then opts = setmetatable({ kind = d.kind }, { __index = opts }) end
    if opts.kind ~= "risk" and not cycles.cycles[opts.kind] then
      local names = { "risk" }
      for _, name in ipairs(cycles.order) do
        if name ~= "risk" then names[#names + 1] = name end
      end
      return nil, ("--kind: no record of kind '%s' can be stale under %s; expected one of %s")
        :format(opts.kind, cycles.file, table.concat(names, ", ")), "USAGE"
    end
  end
  -- the oldest assessment of a rated risk: the first entry of either range of risks_assessed
  local lo
  for _, w in ipairs({ "assessed_batch IS NOT NULL", "assessed_batch IS NULL" }) do
    local col = w:find("NOT", 1, true) and "assessed_batch" or "created_batch"
    local b = tonumber(first(reg, ("SELECT min(%s) AS b FROM risks INDEXED BY risks_assessed "
                                   .. "WHERE level IS NOT NULL AND %s"):format(col, w)).b)
    if b and (not lo or b < lo) then lo = b end
  end
  local ctx = { today = today, lo = lo or 0, ctes = {}, file = triggers.file }
  local events, reviews, extra, event_trigs = {}, {}, {}, {}
  for ti, t in ipairs(triggers.triggers) do
    if t.stale and (not opts.trigger or opts.trigger == t.name) then
      if t.on == "review_due" then
        for _, name in ipairs(cycles.order) do
          local c = cycles.cycles[name]
          if not opts.kind or opts.kind == name then
            local sql
            if name == "risk" then sql = risk_reviews(reg, c, ti, ctx)
            elseif name == "soa" then sql = soa_reviews(reg, c, ti, ctx)
            elseif name == "document" then sql = document_reviews(reg, c, ti, ctx)
            elseif name == "rule_file" then
              for _, row in ipairs(rule_file_rows(reg, c, ti, ctx)) do extra[#extra + 1] = row end
            else
              local spec = kind_spec(name)
              if spec then sql = record_reviews(reg, c, ti, ctx, spec) end
            end
            if sql then reviews[#reviews + 1] = { sql = sql, trig = ti } end
          end
        end
      elseif lo and (not opts.kind or opts.kind == "risk") then
        local sql = PART[t.on](reg, t, ti, ctx)
        if sql then
          events[#events + 1] = sql:gsub("{assessed}", ASSESSED)
          event_trigs[#event_trigs + 1] = ti
        end
      end
    end
  end
  local all = {}
  for _, e in ipairs(events) do all[#all + 1] = e end
  for _, r in ipairs(reviews) do all[#all + 1] = r.sql end
  return { ctes = ctx.ctes, body = #all > 0 and table.concat(all, "\nUNION ALL\n") or nil,
           events = #events > 0 and table.concat(events, "\nUNION ALL\n") or nil,
           event_trigs = event_trigs,
           reviews = reviews, risk_due = ctx.risk_due, extra = extra, triggers = triggers,
           cycles = cycles, today = today }
end

local function built(reg, opts)
  local ok, q, err, code = pcall(build, reg, opts or {})
  if not ok then
    if type(q) == "table" and q.msg then return nil, q.msg, "RULE" end
    error(q, 0)
  end
  return q, err, code
end

-- "WITH ctes, name AS MATERIALIZED (body)" (body: q.body unless given).
local function with(q, name, body)
  local list = {}
  for k, c in ipairs(q.ctes) do list[k] = c end
  list[#list + 1] = name .. " AS MATERIALIZED (" .. (body or q.body) .. ")"
  return "WITH " .. table.concat(list, ",\n") .. "\n"
end

--- How many records are stale, per trigger and in all, counted in SQL
-- (no row reaches Lua). The changes' rows (few) are counted once per
-- record; the records due for review (possibly every record) are counted
-- by their ranges, and a risk both stale for a change and due for review
-- once. opts: today, kind, trigger.
-- @treturn table|nil { total, by_trigger = { { trigger, on, records,
--   reasons } }, today }, or nil, message, code
local function summary(reg, opts)
  local q, err, code = built(reg, opts)
  if not q then return nil, err, code end
  local by, total = {}, 0
  local function count(ti, records_n, reasons)
    local t = q.triggers.triggers[ti]
    local item = by[ti] or { trigger = t.name, on = t.on, records = 0, reasons = 0 }
    item.records, item.reasons = item.records + records_n, item.reasons + reasons
    by[ti] = item
  end
  for _, r in ipairs(q.reviews) do
    local n = 0
    for row in reg:query("SELECT count(*) AS n FROM (" .. r.sql .. ")") do n = tonumber(row.n) end
    if n > 0 then count(r.trig, n, n) end
    total = total + n
  end
  if q.events then
    -- One GROUP BY of the changes' rows by record (SQLite groups by
    -- sorting; counting DISTINCT per trigger and again for the total
    -- sorted them twice), then one pass over the records.
    local due = q.risk_due and ("NOT " .. q.risk_due("e.since", "e.grp", "e.id")) or "1"
    local per, outer, seen = {}, {}, {}
    for _, ti in ipairs(q.event_trigs) do
      if not seen[ti] then
        seen[ti] = true
        per[#per + 1] = ("sum(e.trig = %d) AS t%d"):format(ti, ti)
        outer[#outer + 1] = ("count(*) FILTER (WHERE t%d > 0) AS records%d, coalesce(sum(t%d), 0) "
                             .. "AS reasons%d"):format(ti, ti, ti, ti)
      end
    end
    local row = first(reg, with(q, "e", q.events) .. "SELECT " .. table.concat(outer, ", ")
      .. ", count(*) FILTER (WHERE nd) AS fresh FROM (SELECT e.id, " .. table.concat(per, ", ")
      .. ", max(" .. due .. ") AS nd FROM e GROUP BY e.id)")
    for ti in pairs(seen) do
      local records_n = tonumber(row["records" .. ti])
      if records_n > 0 then count(ti, records_n, tonumber(row["reasons" .. ti])) end
    end
    total = total + tonumber(row.fresh)
  end
  for _, row in ipairs(q.extra) do
    count(row.trig, 1, 1)
    total = total + 1
  end
  local list = {}
  for ti = 1, #q.triggers.triggers do if by[ti] then list[#list + 1] = by[ti] end end
  return { total = total, by_trigger = list, today = q.today }
end
function M.summary(reg, opts) return sql_read.mapped(reg, summary, reg, opts) end

-- Looks up the batches and incidents the reasons name, 500 at a time.
local function look_up(reg, ids, sql, into, key)
  for k = 1, #ids, 500 do
    local chunk = {}
    for j = k, math.min(k + 499, #ids) do chunk[#chunk + 1] = quote(ids[j]) end
    for row in reg:query(sql:format(table.concat(chunk, ","))) do into[key(row)] = row end
  end
end

--- Every stale record with each reason in words and the change batch
-- that caused it: a list of { kind, id, reasons = { { trigger, on,
-- reason, batch, at, command, actor } } }, ordered by kind and id.
-- opts: today (YYYY-MM-DD), kind, trigger (a trigger's name), limit
-- (records).
local function list(reg, opts)
  opts = opts or {}
  local q, err, code = built(reg, opts)
  if not q then return nil, err, code end
  local rows = {}
  if q.body then
    for row in reg:query(with(q, "s") .. "SELECT kind, id, trig, batch, since, detail, months, grp "
                         .. "FROM s ORDER BY kind, id, trig, batch") do
      rows[#rows + 1] = row
    end
  end
  if #q.extra > 0 then
    for _, row in ipairs(q.extra) do rows[#rows + 1] = row end
    table.sort(rows, function(x, y)
      if x.kind ~= y.kind then return x.kind < y.kind end
      if x.id ~= y.id then return x.id < y.id end
      return tonumber(x.trig) < tonumber(y.trig)
    end)
  end
  local ctx = { batches = {}, incidents = {} }
  local bids, iids, seen = {}, {}, {}
  for _, r in ipairs(rows) do
    for _, b in pairs({ r.batch or false, r.since or false }) do  -- either may be NULL
      if b and not seen["b" .. b] then seen["b" .. b] = true; bids[#bids + 1] = b end
    end
    if q.triggers.triggers[tonumber(r.trig)].on == "incident" and not seen["i" .. r.detail] then
      seen["i" .. r.detail] = true
      iids[#iids + 1] = r.detail
    end
  end
  look_up(reg, bids, "SELECT id, at, actor, command FROM change_batches WHERE id IN (%s)",
          ctx.batches, function(row) row.id = tonumber(row.id); return row.id end)
  look_up(reg, iids, "SELECT id, severity, detected FROM incidents WHERE id IN (%s)",
          ctx.incidents, function(row) return row.id end)
  local out, last = {}, nil
  for _, r in ipairs(rows) do
    if not last or last.kind ~= r.kind or last.id ~= r.id then
      if opts.limit and #out >= opts.limit then break end
      last = { kind = r.kind, id = r.id, reasons = {} }
      out[#out + 1] = last
    end
    local t = q.triggers.triggers[tonumber(r.trig)]
    local b = ctx.batches[tonumber(r.batch)]
    last.reasons[#last.reasons + 1] = {
      trigger = t.name, on = t.on, reason = REASON[t.on](r, b, ctx, q), batch = tonumber(r.batch),
      at = b and b.at, command = b and b.command, actor = b and b.actor,
    }
  end
  return out
end

function M.list(reg, opts) return sql_read.mapped(reg, list, reg, opts) end

return M
