--- Entry and exit criteria of roadmap steps: predicates over the register,
-- run in the rule sandbox with read-only access.
--
-- A criterion is a function of the roadmap file (criterion "id" { text =,
-- check = function(r, ...) ... end, counts = { ... }, sql = { ... } }).
-- The host never runs it. It builds the criterion's register view -- the
-- counts the criteria name (computed here with a few aggregate queries)
-- and the results of their SQL (run through reg:query, which refuses any
-- statement that writes) -- and asks the sandbox to call the functions
-- with that view as their first argument. In the sandbox the view is
-- read-only (a write raises, naming what it tried to change) and the
-- sandbox child has no handle on the register at all.
local rules = require "isms.rules"

local M = {}

-- ------------------------------------------------------------ counts

-- Each group is one query over the register, of the facts that are
-- wanted only: a criterion's `counts` names facts, and a scan of 3
-- million risks costs per expression it computes (count(*) alone is
-- answered from an index). ?1 is today (YYYY-MM-DD).
local GROUPS = {
  { name = "assets", from = " FROM assets", facts = {
    { "assets", "count(*)" },
    { "assets_unowned", "coalesce(sum(owner IS NULL), 0)" },
    { "assets_unvalued", "coalesce(sum(value IS NULL OR class IS NULL), 0)" },
  } },
  { name = "assets_without_risks", facts = {
    { "assets_without_risks", "(SELECT count(*) FROM assets a WHERE NOT EXISTS "
      .. "(SELECT 1 FROM risks r WHERE r.asset = a.id))" },
  } },
  -- These four are each answered from an index (the table's b-tree
  -- count, and the schema's partial indexes risks_open and
  -- risks_undecided, empty in a register that is rated and decided), so
  -- naming them costs no pass over the risks.
  { name = "risks_indexed", facts = {
    { "risks", "(SELECT count(*) FROM risks)" },
    { "risks_unrated", "(SELECT count(*) FROM risks WHERE score IS NULL)" },
    { "risks_without_level", "(SELECT count(*) FROM risks WHERE level IS NULL)" },
    { "risks_undecided", "(SELECT count(*) FROM risks WHERE acceptable = 0 AND decision IS NULL)" },
  } },
  { name = "risks", from = " FROM risks", facts = {
    { "risks_without_impacts", "coalesce(sum(impacts IS NULL OR impacts = ''), 0)" },
    { "risks_without_owners", "coalesce(sum(owners IS NULL OR owners = ''), 0)" },
    { "risks_without_controls", "coalesce(sum(controls IS NULL OR controls = ''), 0)" },
    { "risks_unacceptable", "coalesce(sum(acceptable = 0), 0)" },
    { "risks_to_treat", "coalesce(sum(decision = 'treat'), 0)" },
  } },
  { name = "treatments", facts = {
    { "treatments", "(SELECT count(*) FROM treatments)" },
    { "risks_untreated", "(SELECT count(*) FROM risks r WHERE (r.acceptable = 0 OR "
      .. "r.decision = 'treat') AND NOT EXISTS (SELECT 1 FROM treatments t WHERE t.risk = r.ref))" },
    { "treatments_unaccepted", "(SELECT count(*) FROM treatments t WHERE NOT EXISTS "
      .. "(SELECT 1 FROM acceptances a WHERE a.risk = t.risk AND a.role = 'management'))" },
  } },
  { name = "soa", facts = {
    { "soa_entries", "(SELECT count(*) FROM soa)" },
    { "soa_applicable", "(SELECT count(*) FROM soa WHERE applicable = 1)" },
    { "soa_not_implemented", "(SELECT count(*) FROM soa WHERE applicable = 1 AND "
      .. "(status IS NULL OR status <> 'implemented'))" },
    { "soa_revisions", "(SELECT count(*) FROM soa_revisions)" },
  } },
  { name = "rtp", from = " FROM rtp_tasks", facts = {
    { "rtp_tasks", "count(*)" },
    { "rtp_tasks_open", "coalesce(sum(status IN ('planned', 'in_progress')), 0)" },
    { "rtp_tasks_done", "coalesce(sum(status = 'done'), 0)" },
    { "rtp_tasks_overdue", "coalesce(sum(status IN ('planned', 'in_progress') AND due < ?1), 0)" },
  } },
  { name = "register", facts = {
    { "methodology_set", "(SELECT count(*) FROM settings WHERE key = 'methodology' "
      .. "AND value <> '')" },
    { "register_days", "coalesce((SELECT CAST(julianday(?1) - julianday(substr(min(at), 1, 10)) "
      .. "AS INTEGER) FROM change_batches), 0)" },
  } },
}

--- Every count a criterion may name, with the group computing it.
M.FACTS = {}
for _, g in ipairs(GROUPS) do
  for _, f in ipairs(g.facts) do M.FACTS[f[1]] = g end
end

--- The fact names in documentation order.
function M.fact_names()
  local list = {}
  for _, g in ipairs(GROUPS) do
    for _, f in ipairs(g.facts) do list[#list + 1] = f[1] end
  end
  return list
end

-- A query's values as Lua values: texts that read as numbers are numbers.
local function value_of(s)
  if s == nil then return nil end
  local n = tonumber(s)
  if n and s:match("^%s*[-+]?[%d.]+[eE]?[-+]?%d*%s*$") then return n end
  return s
end

-- Runs one read-only statement; returns its rows (lists of texts) and
-- column count, or nil and the message.
local function run_sql(reg, sql, ...)
  local args = { ... }
  local ok, res = pcall(function()
    local rows = {}
    local iter, names = reg:query(sql, unpack(args))
    local ncols = #names
    for row in iter do
      local list = {}
      for k, name in ipairs(names) do list[k] = row[name] end
      rows[#rows + 1] = list
    end
    return { rows = rows, ncols = ncols }
  end)
  if not ok then
    -- The register's own words, without the Lua position of the call.
    local msg = tostring(type(res) == "table" and res.msg or res)
    return nil, (msg:gsub("^[^\n]-:%d+: ", ""):gsub("^query: ", ""))
  end
  return res
end
M.run_sql = run_sql

--- Computes the named counts (a set of fact names) on the register.
-- @treturn table fact -> number
function M.counts(reg, wanted, today)
  local out = {}
  for _, g in ipairs(GROUPS) do
    local names, exprs = {}, {}
    for _, f in ipairs(g.facts) do
      if wanted[f[1]] then names[#names + 1], exprs[#exprs + 1] = f[1], f[2] end
    end
    if #names > 0 then
      local sql = "SELECT " .. table.concat(exprs, ", ") .. (g.from or "")
      local res, err = run_sql(reg, sql, today)
      if not res then error(("counting %s: %s"):format(g.name, err)) end
      local row = res.rows[1] or {}
      for k, name in ipairs(names) do out[name] = tonumber(row[k]) or 0 end
    end
  end
  return out
end

--- The result of one declared SQL statement as the view shows it: one
-- column gives the first row's value; two columns give a map from the
-- first to the second. A statement that fails comes back as nil and the
-- reason; `missing` is true when the table it reads is not in this
-- register (a register an older or newer isms made, or an area that
-- has not landed), which makes its criteria unavailable rather than
-- wrong.
function M.sql_value(reg, sql)
  local res, err = run_sql(reg, sql)
  if not res then
    return nil, err, err:find("no such table", 1, true) ~= nil
  end
  if res.ncols == 1 then
    local row = res.rows[1]
    return { value = row and value_of(row[1]) }
  elseif res.ncols == 2 then
    local map = {}
    for _, row in ipairs(res.rows) do
      if row[1] ~= nil then map[row[1]] = value_of(row[2]) end
    end
    return { value = map }
  end
  return nil, ("returns %d columns; a criterion's SQL returns one (a value) or two (a map)")
    :format(res.ncols)
end

-- ------------------------------------------------------------ evaluation

local CALLS_PER_RUN = 1000
-- A sandbox run of criteria: the file's evaluation and up to CALLS_PER_RUN
-- predicates, each reading a few counts. Tighter than a loader's limits,
-- so a runaway predicate is found (by halving, below) in a second or two.
M.LIMITS = { time_ms = 1000, instructions = 50000000 }

-- Calls list[first..last] (each { decl = criterion decl, args = }) in one
-- sandbox run of file; on a failure of the whole run (a limit struck, the
-- file no longer loading), halves the range until the calls that fail
-- are found, so one runaway criterion does not sink the others.
local function call_range(file, list, first, last, view, out)
  local calls = { view = view, strict = { "register", "register.count", "register.sql" },
                  results_only = true }
  for j = first, last do
    local c = list[j]
    calls[#calls + 1] = { decl = c.decl.index, field = "check", view = true, args = c.args }
  end
  local _, res = rules.call(file, calls, M.LIMITS)
  if _ then
    for j = first, last do
      out[j] = res[j - first + 1] or { ok = false, error = "no result" }
    end
    return
  end
  if first == last then
    out[first] = { ok = false, error = res }
    return
  end
  local mid = math.floor((first + last) / 2)
  call_range(file, list, first, mid, view, out)
  call_range(file, list, mid + 1, last, view, out)
end

--- Evaluates criterion references against the register.
-- refs: list of { criterion = <criterion>, args = { ... } } (see
-- workflow.lua); returns a list of results in the same order:
-- { state = "holds" | "fails" | "error" | "unavailable", reason = text }.
function M.evaluate(reg, refs, today)
  local results = {}
  if #refs == 0 then return results end
  local wanted, sqls = {}, {}
  for _, ref in ipairs(refs) do
    for _, f in ipairs(ref.criterion.counts) do wanted[f] = true end
    for name, sql in pairs(ref.criterion.sql) do sqls[name] = sql end
  end
  local ok, counts = pcall(M.counts, reg, wanted, today)
  if not ok then
    for k in ipairs(refs) do results[k] = { state = "error", reason = tostring(counts) } end
    return results
  end
  local sql_values, sql_fault = {}, {}
  for name, sql in pairs(sqls) do
    local v, err, missing = M.sql_value(reg, sql)
    if v then sql_values[name] = v.value
    else sql_fault[name] = { state = missing and "unavailable" or "error",
                             reason = ("sql %s: %s"):format(name, err) } end
  end
  local view = { count = counts, sql = sql_values, today = today }
  -- Calls per file (an inherited criterion runs in its own file).
  local by_file, files = {}, {}
  for k, ref in ipairs(refs) do
    local c = ref.criterion
    local fault
    for name in pairs(c.sql) do fault = fault or sql_fault[name] end
    if fault then
      results[k] = { state = fault.state, reason = fault.reason }
    else
      local f = c.decl.file
      if not by_file[f] then by_file[f] = {}; files[#files + 1] = f end
      local list = by_file[f]
      list[#list + 1] = { k = k, decl = c.decl, args = ref.args or {} }
    end
  end
  for _, f in ipairs(files) do
    local list, out = by_file[f], {}
    for first = 1, #list, CALLS_PER_RUN do
      call_range(f, list, first, math.min(#list, first + CALLS_PER_RUN - 1), view, out)
    end
    for j, c in ipairs(list) do
      local r = out[j]
      if not r.ok then
        local msg = tostring(r.error)
        local fact = msg:match("unknown name 'register%.count%.([%w_]+)'")
        if fact and M.FACTS[fact] then
          msg = msg .. (" (name it in the criterion's counts = { ... })")
        end
        results[c.k] = { state = "error", reason = msg }
      elseif type(r.value) ~= "boolean" then
        results[c.k] = { state = "error",
                         reason = ("returned %s; a criterion returns true or false (and a reason)")
                           :format(r.value == nil and "nothing" or "a " .. type(r.value)) }
      else
        results[c.k] = { state = r.value and "holds" or "fails",
                         reason = r.reason ~= nil and tostring(r.reason) or nil }
      end
    end
  end
  return results
end

return M
