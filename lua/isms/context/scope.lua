--- Which assets a scope takes in (ISO/IEC 27001 4.3; guideline 4.2):
-- a scope names the locations, parties (asset owners) and assets it
-- takes in; its exclusions name the ones it leaves out, each with a
-- justification. An asset is in scope S when its location, its owner or
-- the asset itself is taken in by S and none of them is left out by an
-- exclusion of S. An asset outside every scope is reported.
--
-- Both questions are one SQL statement over the register, built from the
-- scopes' definitions (small) and run over the assets (large): the
-- locations and owners that put an asset in some scope whatever else is
-- true of it are one set each, so most assets are decided by one or two
-- lookups; only the rest are tried scope by scope. Scope ids travel as
-- parameters; nothing a user typed is pasted into the SQL.
local records = require "isms.store.records"
local rules = require "isms.rules"

local M = {}

-- Every link of a scope or an exclusion to a location or party, as the
-- integer id the asset register uses, with its scope and whether it
-- takes in (incl = 1) or leaves out (incl = 0); and the same for assets.
local MEMBERS = [[
mem AS MATERIALIZED (
  SELECT coalesce(s.id, e.scope) AS scope, r.kind = 'scope' AS incl, r.rel,
         CASE r.rel WHEN 'locations' THEN l.id ELSE p.id END AS v
  FROM record_links r
  LEFT JOIN scopes s ON r.kind = 'scope' AND s.id = r.id
  LEFT JOIN scope_exclusions e ON r.kind = 'scope_exclusion' AND e.id = r.id
  LEFT JOIN locations l ON r.rel = 'locations' AND l.name = r.target
  LEFT JOIN parties p ON r.rel = 'parties' AND p.name = r.target
  WHERE r.kind IN ('scope', 'scope_exclusion') AND r.rel IN ('locations', 'parties')
    AND coalesce(s.id, e.scope) IS NOT NULL
    AND CASE r.rel WHEN 'locations' THEN l.id ELSE p.id END IS NOT NULL),
ids AS (
  SELECT coalesce(s.id, e.scope) AS scope, r.kind = 'scope' AS incl, r.target AS v
  FROM record_links r
  LEFT JOIN scopes s ON r.kind = 'scope' AND s.id = r.id
  LEFT JOIN scope_exclusions e ON r.kind = 'scope_exclusion' AND e.id = r.id
  WHERE r.kind IN ('scope', 'scope_exclusion') AND r.rel = 'assets'
    AND coalesce(s.id, e.scope) IS NOT NULL)]]

-- Locations that put an asset in scope whatever its owner (a scope takes
-- the location in, does not leave it out, and leaves out no owner), and
-- owners likewise; an asset a scope leaves out by id is never decided here.
-- (Set tests, not a correlated scan of mem per member: mem has a row per
-- link, and a site scope takes in hundreds of rooms.)
local ALWAYS = [[
la AS (
  SELECT m.v FROM mem m WHERE m.incl AND m.rel = 'locations'
  AND m.scope NOT IN (SELECT scope FROM mem WHERE NOT incl AND rel = 'parties')
  AND (m.scope, m.v) NOT IN (SELECT scope, v FROM mem WHERE NOT incl AND rel = 'locations')),
oa AS (
  SELECT m.v FROM mem m WHERE m.incl AND m.rel = 'parties'
  AND m.scope NOT IN (SELECT scope FROM mem WHERE NOT incl AND rel = 'locations')
  AND (m.scope, m.v) NOT IN (SELECT scope, v FROM mem WHERE NOT incl AND rel = 'parties'))]]

-- What each scope has: { id, il, ip, ia, xl, xp, xa } (counts of taken-in
-- and left-out locations, parties and assets), in id order.
local SHAPE = "WITH " .. MEMBERS .. [[
SELECT s.id,
  (SELECT count(*) FROM mem WHERE scope = s.id AND incl AND rel = 'locations') AS il,
  (SELECT count(*) FROM mem WHERE scope = s.id AND incl AND rel = 'parties') AS ip,
  (SELECT count(*) FROM ids WHERE scope = s.id AND incl) AS ia,
  (SELECT count(*) FROM mem WHERE scope = s.id AND NOT incl AND rel = 'locations') AS xl,
  (SELECT count(*) FROM mem WHERE scope = s.id AND NOT incl AND rel = 'parties') AS xp,
  (SELECT count(*) FROM ids WHERE scope = s.id AND NOT incl) AS xa
FROM scopes s ORDER BY s.id]]

local function shape(reg)
  local list = {}
  for row in reg:query(SHAPE) do
    for _, k in ipairs({ "il", "ip", "ia", "xl", "xp", "xa" }) do row[k] = tonumber(row[k]) end
    list[#list + 1] = row
  end
  return list
end

-- "Is asset a in scope ?k": the terms a scope needs, nothing for the
-- sets it leaves empty. NULL location or owner is in no set; the
-- left-out tests are guarded so that NULL does not read as "left out".
local function scope_term(s, k)
  local p = "?" .. k
  local inc = {}
  if s.il > 0 then
    inc[#inc + 1] = ("a.location IN (SELECT v FROM mem WHERE scope = %s AND incl AND rel = "
      .. "'locations')"):format(p)
  end
  if s.ip > 0 then
    inc[#inc + 1] = ("a.owner IN (SELECT v FROM mem WHERE scope = %s AND incl AND rel = "
      .. "'parties')"):format(p)
  end
  if s.ia > 0 then
    inc[#inc + 1] = ("a.id IN (SELECT v FROM ids WHERE scope = %s AND incl)"):format(p)
  end
  if #inc == 0 then return nil end
  local exc = {}
  if s.xl > 0 then
    exc[#exc + 1] = ("(a.location IS NOT NULL AND a.location IN (SELECT v FROM mem WHERE scope "
      .. "= %s AND NOT incl AND rel = 'locations'))"):format(p)
  end
  if s.xp > 0 then
    exc[#exc + 1] = ("(a.owner IS NOT NULL AND a.owner IN (SELECT v FROM mem WHERE scope = %s "
      .. "AND NOT incl AND rel = 'parties'))"):format(p)
  end
  if s.xa > 0 then
    exc[#exc + 1] = ("a.id IN (SELECT v FROM ids WHERE scope = %s AND NOT incl)"):format(p)
  end
  local t = "(" .. table.concat(inc, " OR ") .. ")"
  if #exc > 0 then t = "(" .. t .. " AND NOT (" .. table.concat(exc, " OR ") .. "))" end
  return t
end

--- The SQL condition "asset `a` is in some scope" (or in `only`, one
-- scope id), with the CTEs it needs and its parameters (scope ids as
-- ?1..?n). Returns with, condition, params, loose: condition is exact
-- ("0" when no scope takes anything in); loose (all scopes only) skips
-- the test of assets left out by id on the fast path, and is true of
-- every asset the exact one is true of and of no other asset outside
-- the ids exclusions leave out (what out_of_scope corrects for).
function M.condition(reg, only)
  local scopes = shape(reg)
  local terms, params = {}, {}
  local explicit_out = false
  local fast_l, fast_o = false, false
  for _, s in ipairs(scopes) do
    if not only or s.id == only then
      params[#params + 1] = s.id
      local t = scope_term(s, #params)
      if t then terms[#terms + 1] = t end
      explicit_out = explicit_out or s.xa > 0
      fast_l = fast_l or (s.il > 0 and s.xp == 0)
      fast_o = fast_o or (s.ip > 0 and s.xl == 0)
    end
  end
  if only and #params == 0 then return nil end
  local with = "WITH " .. MEMBERS .. ",\n" .. ALWAYS
  if #terms == 0 then return with, "0", params, "0", false end
  -- The fast path: one or two lookups decide most assets.
  local fast = {}
  if not only and fast_l then fast[#fast + 1] = "a.location IN la" end
  if not only and fast_o then fast[#fast + 1] = "a.owner IN oa" end
  local cond = table.concat(terms, "\n  OR ")
  if #fast == 0 then return with, "(" .. cond .. ")", params, "(" .. cond .. ")", false end
  local f = "(" .. table.concat(fast, " OR ") .. ")"
  local loose = "(" .. f .. "\n  OR " .. cond .. ")"
  if explicit_out then
    f = "(" .. f .. " AND a.id NOT IN (SELECT v FROM ids WHERE NOT incl))"
  end
  return with, "(" .. f .. "\n  OR " .. cond .. ")", params, loose, explicit_out
end

local function run(reg, sql, params)
  local out = {}
  for row in reg:query(sql, unpack(params)) do out[#out + 1] = row end
  return out
end

local SELECT = "SELECT a.id, a.name, l.name AS location, p.name AS owner%s FROM assets a "
  .. "LEFT JOIN locations l ON l.id = a.location LEFT JOIN parties p ON p.id = a.owner WHERE "

--- Assets outside every scope: { total (assets in the register), count
-- (outside every scope), scopes (how many), assets = { { id, name,
-- location, owner } } (the first `limit`, by id; all with limit = nil) }.
local function out_of_scope(reg, opts)
  local with, cond, params, loose, explicit_out = M.condition(reg)
  -- One pass over the assets counts them all and those the loose
  -- condition leaves outside; a second lists the first few outside,
  -- stopping at the last one it needs.
  local counts = run(reg, with .. "\nSELECT count(*) AS total, count(*) FILTER (WHERE " .. loose
    .. " IS NOT TRUE) AS outside FROM assets a", params)[1]
  local total, count = tonumber(counts.total), tonumber(counts.outside)
  local rows = {}
  local want = opts.limit and math.min(opts.limit, count) or count
  if want > 0 then
    rows = run(reg, with .. "\n" .. SELECT:format("") .. loose .. " IS NOT TRUE ORDER BY a.id"
      .. (" LIMIT %d"):format(want), params)
  end
  -- The few assets left out by id that the loose pass took for inside.
  if explicit_out then
    local extra = run(reg, with .. "\n" .. SELECT:format("") .. "a.id IN (SELECT v FROM ids "
      .. "WHERE NOT incl) AND " .. loose .. " AND " .. cond .. " IS NOT TRUE ORDER BY a.id", params)
    if #extra > 0 then
      count = count + #extra
      for _, r in ipairs(extra) do rows[#rows + 1] = r end
      table.sort(rows, function(x, y) return x.id < y.id end)
      while opts.limit and #rows > opts.limit do rows[#rows] = nil end
    end
  end
  return { total = total, count = count, scopes = #params, assets = rows }
end
-- A pass over every asset reads the register mapped into memory rather
-- than copying each page through SQLite's cache (most of the system time).
function M.out_of_scope(reg, opts)
  for _ in reg:query("PRAGMA mmap_size = 1073741824") do end  -- luacheck: ignore 512
  local ok, res = pcall(out_of_scope, reg, opts or {})
  for _ in reg:query("PRAGMA mmap_size = 0") do end  -- luacheck: ignore 512
  if not ok then error(res, 0) end
  return res
end

--- The assets of one scope: { scope, count, assets = { ... } (the first
-- `limit` by id) }, or nil, message, "NOTFOUND".
function M.members(reg, id, opts)
  opts = opts or {}
  local with, cond, params = M.condition(reg, id)
  if not with then return nil, ("no scope '%s' in the register"):format(id), "NOTFOUND" end
  if opts.limit == 0 then
    return { scope = id, assets = {}, count = tonumber(run(reg, with
      .. "\nSELECT count(*) AS n FROM assets a WHERE " .. cond, params)[1].n) }
  end
  local limit = opts.limit and (" LIMIT " .. ("%d"):format(opts.limit)) or ""
  local rows = run(reg, with .. "\n" .. SELECT:format(", count(*) OVER () AS inside") .. cond
    .. " ORDER BY a.id" .. limit, params)
  local count = rows[1] and tonumber(rows[1].inside) or 0
  for _, r in ipairs(rows) do r.inside = nil end
  return { scope = id, count = count, assets = rows }
end

--- Is one asset in scope `scope` (or in any scope)?
function M.contains(reg, asset, scope)
  local with, cond, params = M.condition(reg, scope)
  if not with then return false end
  params[#params + 1] = asset
  local rows = run(reg, with .. "\nSELECT " .. cond .. " AS inside FROM assets a WHERE a.id = ?"
                   .. #params, params)
  return rows[1] ~= nil and rows[1].inside == "1"
end

-- ------------------------------------------------------------ statement

--- A scope statement drafted from the register in the form of the
-- guideline's Appendix A ("ISMS for ... at ... This is in accordance with
-- Statement of Applicability revision N dated D."): the scope's title,
-- its locations, and the SoA revision it names (else the latest issued).
-- Returns the text, or nil, message, "NOTFOUND".
function M.draft_statement(reg, id)
  local s = reg:records("scope"):get(id)
  if not s then return nil, ("no scope '%s' in the register"):format(tostring(id)), "NOTFOUND" end
  local text = "ISMS for " .. s.title
  if #s.locations > 0 then text = text .. " at " .. table.concat(s.locations, ", ") end
  text = text .. "."
  local rev
  for row in reg:query("SELECT rev, issued_at FROM soa_revisions ORDER BY (CAST(rev AS TEXT) = ?1) "
      .. "DESC, rev DESC LIMIT 1", s.soa_revision or "") do
    rev = row
  end
  if rev then
    text = text .. (" This is in accordance with Statement of Applicability revision %s dated %s.")
      :format(rev.rev, rev.issued_at:sub(1, 10))
  elseif s.soa_revision then
    text = text .. (" This is in accordance with Statement of Applicability revision %s.")
      :format(s.soa_revision)
  else
    text = text .. " This is in accordance with Statement of Applicability revision [number] "
      .. "dated [date]."
  end
  return text
end

-- ------------------------------------------------------------ versions

-- The scope as approved: its fields, links and exclusions, as one text
-- that is the same for the same scope (keys and lists in order).
local function snapshot(reg, id)
  local s = reg:records("scope"):get(id)
  if not s then return nil end
  local excl = reg:records("scope_exclusion"):list({ scope = id })
  -- Exclusions gained `controls` after scopes were first approved: an
  -- empty list is left out, so those approvals still match.
  for _, x in ipairs(excl) do
    if x.controls and #x.controls == 0 then x.controls = nil end
  end
  return rules.serialize({ scope = s, exclusions = excl })
end

--- The approval state of a scope: { version, approved_by, approved_on,
-- changed (the scope differs from what was approved) }; version nil when
-- never approved.
function M.status(reg, id)
  local last
  for row in reg:query("SELECT version, approved_by, approved_on, content FROM scope_versions "
      .. "WHERE scope = ?1 ORDER BY version DESC LIMIT 1", id) do
    last = row
  end
  if not last then return {} end
  return { version = tonumber(last.version), approved_by = last.approved_by,
           approved_on = last.approved_on, changed = snapshot(reg, id) ~= last.content }
end

--- Records top management's approval of a scope as its next version:
-- opts.by (a person holding a role that approves scopes on that date),
-- opts.on (default today), opts.note, opts.reason. Returns { scope,
-- version, batch } or nil, message, code.
function M.approve(reg, id, opts)
  opts = opts or {}
  if not reg:records("scope"):get(id) then
    return nil, ("no scope '%s' in the register"):format(tostring(id)), "NOTFOUND"
  end
  local st = M.status(reg, id)
  if st.version and not st.changed then
    return nil, ("scope %s is as version %d approved on %s; nothing new to approve"):format(id,
      st.version, st.approved_on), "INPUT"
  end
  local rep, e, code = reg:records("scope_version"):add({
    scope = id, version = (st.version or 0) + 1, approved_by = opts.by,
    approved_on = opts.on or records.today(), note = opts.note, content = snapshot(reg, id),
  }, { reason = opts.reason, command = "scopes approve" })
  if not rep then return nil, e, code end
  return { scope = id, version = (st.version or 0) + 1, batch = rep.batch }
end

return M
