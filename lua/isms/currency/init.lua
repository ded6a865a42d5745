--- Keeping the register current: reviews of any record, review cycles
-- and the triggers that make records stale or propose internal audits
-- (rules/cycles/, rules/triggers/; docs/keeping-current.md).
--
--   local currency = isms.currency
--   currency.stale(reg)                 --> { { kind, id, reasons = {...} }, ... }
--   currency.stale_summary(reg)         --> { total, by_trigger = {...} }
--   currency.review(reg, "risk", ref, { by = "CISO", note = "still valid" })
--   currency.audits(reg)                --> proposed internal audits
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local rules = require "isms.rules"
local actions = require "isms.actions"
local crules = require "isms.currency.rules"
local stale = require "isms.currency.stale"
local sql_read = require "isms.incident._sql"
require "isms.supplier"  -- suppliers have review cycles by criticality

local M = {}

M.rules = crules
M.stale = stale.list
M.stale_summary = stale.summary
M.rule_files = stale.rule_files

local first, rows = sql_read.first, sql_read.all

-- ------------------------------------------------------------ reviews

-- A kind of record as reviews name it: a review-cycle kind or a record
-- kind (by kind or plural name, any case, '-' for '_').
local function review_kind(v)
  local name = v:lower():gsub("%-", "_")
  if crules.CYCLE_KINDS[name] ~= nil then return name end
  local plural = name:gsub("s$", "")
  if crules.CYCLE_KINDS[plural] ~= nil then return plural end
  local d = kind.get(name) or kind.get((name:gsub("_", "-")))
  if d then return d.kind end
  local names = {}
  for k in pairs(crules.CYCLE_KINDS) do names[#names + 1] = k end
  table.sort(names)
  return nil, ("'%s' is not a kind of record; expected %s or a record kind"):format(v,
    table.concat(names, ", "))
end

-- Does the record a review names exist?
local function record_exists(reg, k, id)
  if k == "soa" then
    return first(reg, "SELECT 1 AS x FROM soa WHERE control = ?1", id) ~= nil
  end
  if k == "rule_file" then
    local dir, name = id:match("^([%w_%-]+)/(.+)$")
    return dir ~= nil and rules.find(dir, name) ~= nil
  end
  return kind.exists(reg, k, id)
end

--- Reviews (reg:records("record_review")): the last review of any record, keyed
-- by its kind and id; writing one clears a risk's staleness (the schema's
-- trigger makes the review the risk's assessment).
M.kind = kind.define {
  kind = "record_review", plural = "record-reviews", table = "record_reviews", key = { "kind", "record" },
  title = "Reviews: the last review of a record and its next date",
  list_columns = { "kind", "record", "reviewed", "reviewer", "next_review", "count" },
  fields = {
    { name = "kind", type = "text", check = review_kind,
      help = "risk, asset, supplier, soa, rule_file or a record kind" },
    { name = "record", type = "id", help = "its id (a rule file: DIR/NAME, e.g. methodologies/qism-fmea)" },
    { name = "reviewed", type = "date", required = true },
    { name = "reviewer", type = "text" },
    { name = "note", type = "text" },
    { name = "next_review", type = "date", help = "instead of the cycle's" },
    { name = "count", type = "int", min = 1, help = "reviews so far" },
  },
  validate = function(row, _, reg)
    if not record_exists(reg, row.kind, row.record) then
      return ("no %s '%s' in the register"):format(row.kind, row.record), "record"
    end
    if row.next_review and row.next_review <= row.reviewed then
      return ("the next review (%s) comes after this one (%s)"):format(row.next_review, row.reviewed),
        "next_review"
    end
  end,
}

--- Records a review of one record (today, unless opts.on): re-reviewing a
-- risk clears its staleness as re-rating does. opts: on (YYYY-MM-DD), by,
-- note, next (YYYY-MM-DD), reason.
-- @treturn table|nil { batch, kind, record, count }, or nil, message, code
function M.review(reg, what, id, opts)
  opts = opts or {}
  if type(what) ~= "string" or type(id) ~= "string" then
    error("currency.review: expected a kind and an id", 2)
  end
  local k, err = review_kind(what)
  if not k then return nil, err, "INPUT" end
  local coll = reg:records("record_review")
  local old = coll:get(k .. " / " .. id)
  local on = records.today(opts.on)
  local rep, werr, code = coll:put({
    kind = k, record = id, reviewed = on, reviewer = opts.by or reg.actor, note = opts.note or "",
    next_review = opts.next or "", count = (old and old.count or 0) + 1,
  }, { reason = opts.reason or opts.note, command = "review " .. k })
  if not rep then return nil, werr, code end
  return { batch = rep.batch, kind = k, record = id, count = (old and old.count or 0) + 1 }
end

-- ------------------------------------------------------------ audits

-- The events of one audit trigger since a date: a count and a few ids.
local EVENTS = {
  incident = function(reg, t, since)
    local list = rows(reg, "SELECT id, severity FROM incidents WHERE detected >= ?1 ORDER BY "
                        .. "detected, id", since)
    if t.min_severity then
      local spec = require("isms.incident.rules").of(reg)
      local least = spec and spec.scales.severity:rank(t.min_severity) or 0
      local keep = {}
      for _, r in ipairs(list) do
        if (spec.scales.severity:rank(r.severity) or 0) >= least then keep[#keep + 1] = r end
      end
      list = keep
    end
    local ids = {}
    for _, r in ipairs(list) do ids[#ids + 1] = r.id .. " (" .. (r.severity or "?") .. ")" end
    return ids, "incidents detected"
  end,
  asset_change = function(reg, _, since)
    local ids = {}
    for _, r in ipairs(rows(reg, "SELECT DISTINCT l.entity_id FROM change_entries l JOIN "
        .. "change_batches b ON b.id = l.batch WHERE l.entity = 'asset' AND b.at >= ?1 "
        .. "UNION SELECT a.id FROM assets a JOIN change_batches b ON b.id = a.created_batch "
        .. "WHERE b.at >= ?1 ORDER BY 1", since)) do
      ids[#ids + 1] = r.entity_id
    end
    return ids, "assets added, changed or removed"
  end,
  requirement = function(reg, t, since)
    local names = {}
    for k, e in ipairs(t.entities) do names[k] = "'" .. e:gsub("'", "''") .. "'" end
    local ids = {}
    for _, r in ipairs(rows(reg, ("SELECT DISTINCT l.entity || ' ' || l.entity_id AS id FROM "
        .. "change_entries l JOIN change_batches b ON b.id = l.batch WHERE l.entity IN (%s) AND "
        .. "b.at >= ?1 ORDER BY 1"):format(table.concat(names, ", ")), since)) do
      ids[#ids + 1] = r.id
    end
    return ids, "interested-party requirements recorded or changed"
  end,
}

local LOGGED = {
  valuation = { "entity = 'asset' AND l.field IN ('c', 'i', 'a', 'class', 'value')", "assets re-valued" },
  scope = { "entity = 'asset' AND l.field = 'scope'", "assets that changed scope" },
  threat = { "entity = 'threat'", "threats changed" },
  vulnerability = { "entity = 'vulnerability'", "vulnerabilities changed" },
  control_status = { "entity = 'soa' AND l.field IN ('status', 'applicable')",
                     "controls that changed status" },
  methodology = { "entity = 'setting' AND l.entity_id = 'methodology'", "methodology changes" },
}
for on, w in pairs(LOGGED) do
  EVENTS[on] = function(reg, _, since)
    local ids = {}
    for _, r in ipairs(rows(reg, "SELECT DISTINCT l.entity_id FROM change_entries l JOIN change_batches "
        .. "b ON b.id = l.batch WHERE l." .. w[1] .. " AND b.at >= ?1 ORDER BY 1", since)) do
      ids[#ids + 1] = r.entity_id
    end
    return ids, w[2]
  end
end

--- Internal audits the trigger file proposes (guideline 8.2: an incident,
-- a change in information assets, an interested party's requirement):
-- for each trigger with audit = true and events within its within_days
-- (from opts.today), { trigger, on, since, count, records (up to 10),
-- reason }.
function M.audits(reg, opts)
  opts = opts or {}
  local spec, err, code = crules.triggers_of(reg)
  if not spec then return nil, err, code end
  local today = records.today(opts.today)
  local out = {}
  for _, t in ipairs(spec.triggers) do
    if t.audit then
      local since = first(reg, "SELECT date(?1, ?2) AS d", today, ("-%d days"):format(t.within_days)).d
      local ids, what = EVENTS[t.on](reg, t, since)
      if #ids > 0 then
        local shown = {}
        for k = 1, math.min(#ids, 10) do shown[k] = ids[k] end
        out[#out + 1] = {
          trigger = t.name, on = t.on, since = since, count = #ids, records = shown,
          reason = ("%d %s since %s: %s%s"):format(#ids, what, since, table.concat(shown, ", "),
                                                  #ids > 10 and (" and %d more"):format(#ids - 10) or ""),
        }
      end
    end
  end
  return out
end

-- ------------------------------------------------------------ next reviews

--- The next review of each supplier and rule file (few; the large kinds
-- are counted by `stale`): { kind, id, name, last, next, months }.
function M.next_reviews(reg)
  local cycles = crules.cycles_of(reg)
  local out = {}
  if not cycles then return out end
  local c = cycles.cycles.supplier
  if c then
    local months = "CASE s.criticality"
    local any = false
    for name, m in pairs(c.shorter) do
      any = true
      months = months .. (" WHEN '%s' THEN %d"):format(name:gsub("'", "''"), m)
    end
    months = any and (months .. (" ELSE %d END"):format(c.months)) or tostring(c.months)
    for _, r in ipairs(rows(reg, ("SELECT s.id, s.name, s.owner, %s AS months, coalesce(v.reviewed, "
        .. "(SELECT substr(min(b.at), 1, 10) FROM change_entries l JOIN change_batches b ON "
        .. "b.id = l.batch WHERE l.entity = 'supplier' AND l.entity_id = s.id AND l.action = "
        .. "'create')) AS last, v.next_review FROM suppliers s LEFT JOIN record_reviews v ON "
        .. "v.kind = 'supplier' AND v.record = s.id ORDER BY s.id"):format(months))) do
      local nxt = r.next_review or (r.last and first(reg, "SELECT date(?1, ?2) AS d", r.last,
                                                     ("+%d months"):format(tonumber(r.months))).d)
      out[#out + 1] = { kind = "supplier", id = r.id, name = r.name, owner = r.owner, last = r.last,
                        next = nxt, months = tonumber(r.months) }
    end
  end
  local rc = cycles.cycles.rule_file
  if rc then
    for _, rf in ipairs(stale.rule_files(reg)) do
      local v = first(reg, "SELECT reviewed, next_review FROM record_reviews WHERE kind = 'rule_file' AND "
                        .. "record = ?1", rf.id)
      local set = first(reg, "SELECT substr(max(b.at), 1, 10) AS at FROM change_entries l JOIN "
        .. "change_batches b ON b.id = l.batch WHERE l.entity = 'setting' AND l.entity_id = ?1",
        rf.setting)
      local began = first(reg, "SELECT substr(min(at), 1, 10) AS at FROM change_batches")
      local last = v and v.reviewed or (set and set.at) or (began and began.at)
      local nxt = v and v.next_review or (last and first(reg, "SELECT date(?1, ?2) AS d", last,
                                                         ("+%d months"):format(rc.months)).d)
      out[#out + 1] = { kind = "rule_file", id = rf.id, name = rf.id, last = last, next = nxt,
                        months = rc.months }
    end
  end
  return out
end

-- Due supplier reviews in the one action tracker (never done: each
-- review sets the next). Rule files' reviews are shown by `isms current`
-- and found by `isms stale`.
actions.source("supplier-reviews", function(reg)
  local out = {}
  for _, r in ipairs(M.next_reviews(reg)) do
    if r.kind == "supplier" then
      out[#out + 1] = { id = "supplier " .. r.id, owner = r.owner, due = r.next, status = "scheduled",
                        done = false, ref = "supplier " .. r.id,
                        title = ("Review supplier %s (every %d months)"):format(r.name, r.months) }
    end
  end
  return out
end)

return M
