--- The risk register (mixed into Register): risks = asset x threat x
-- vulnerability, with ratings on the methodology's factors, score, level,
-- acceptance and decision. Writes go through isms_risk_* (one transaction
-- and one change batch each, every field change logged); evaluation and
-- prioritisation run in the C kernels over columns (isms_scorer_*,
-- isms_risk_order).
local b = require "isms.store._ffi"
local decimal = require "isms.store.decimal"
local risk_method = require "isms.method.risk_method"
local risk_view = require "isms.method.risk_view"
local catalog = require "isms.risk.catalog"
local inputs = require "isms.risk.inputs"
local stages = require "isms.method.stages"

local ffi, C = b.ffi, b.C
local M = { methods = {} }
local R = M.methods

local TEXT_FIELDS = { "asset", "threat", "vulnerability", "title", "category", "owners",
                      "controls", "decision", "decided_by", "decided_at", "rationale" }

local function failure(self, rc)
  return nil, ffi.string(C.isms_errmsg(self.db)), b.code_names[rc] or "ERROR"
end

--- The factor names the register's ratings are on (setting risk_factors).
function R:risk_factors()
  local s = self:setting("risk_factors")
  if not s then return nil end
  local list = {}
  for name in s:gmatch("[^,]+") do list[#list + 1] = name end
  return list
end

-- The column (r1..rN) of each of m's factors; the register's factors are
-- fixed by the first methodology that rates risks in it. r1..r4 are
-- columns of their own, r5..rN one byte each in rx (core/risk_store.c).
local MAX_RATINGS = 255

local function factor_columns(self, m, reason)
  local have = self:risk_factors()
  local want = m:factors()
  if #want > MAX_RATINGS then
    return nil, ("methodology %s rates risks on %d factors; a register holds at most %d")
      :format(m:name(), #want, MAX_RATINGS), "INPUT"
  end
  if not have then
    local ok, err, code = self:set_setting("risk_factors", table.concat(want, ","), reason)
    if not ok then return nil, err, code end
    have = want
  end
  local col = {}
  for k, name in ipairs(have) do col[name] = "r" .. k end
  for _, name in ipairs(want) do
    if not col[name] then
      return nil, ("methodology %s rates risks on %s; this register's ratings are on %s")
        :format(m:name(), table.concat(want, ", "), table.concat(have, ", ")), "INPUT"
    end
  end
  return col
end

local function method_of(self, m)
  if m then return m end
  local mm, err, code = self:methodology()
  if not mm then return nil, err, code end
  if not mm:scores_risks() then
    return nil, ("methodology %s does not score risks (no risk_score)"):format(mm:name()), "INPUT"
  end
  return mm
end

-- ------------------------------------------------------------ reading

--- A row's tier positions by factor name: the columns PREFIX1..PREFIX4
-- (r or rr), then one byte per factor from the fifth on in rx (the blob
-- as hex text); 0 there is not rated.
function M.tier_positions(row, prefix, rx, factors)
  local out = {}
  for k = 1, math.min(#factors, 4) do out[factors[k]] = tonumber(row[prefix .. k]) end
  rx = rx or ""
  for k = 5, #factors do
    local v = tonumber(rx:sub(2 * k - 9, 2 * k - 8), 16)
    out[factors[k]] = v and v > 0 and v or nil
  end
  return out
end

--- All risks (optionally of one asset), ordered by ref. Each row has the
-- stored fields, `ratings` by factor name, `score` as a number and the
-- asset's class, type and value.
function R:risks(opts)
  local factors = self:risk_factors() or {}
  local list = {}
  -- the assets linked to each risk besides its own (text: ids by spaces)
  local links = inputs.linked_assets(self)
  local tlinks = inputs.linked_assets(self, nil, "threats")
  local iter = self:rows("risks", opts and opts.asset)
  for row in iter do
    row.ratings = M.tier_positions(row, "r", row.rx, factors)
    row.rx = nil
    row.assets = links[row.ref] and table.concat(links[row.ref], " ") or nil
    row.threats = tlinks[row.ref] and table.concat(tlinks[row.ref], " ") or nil
    row.score = row.score and decimal.to_number(tonumber(row.score))
    row.level_rank = tonumber(row.level_rank)
    row.acceptable = row.acceptable and row.acceptable == "1"
    row.obligations = tonumber(row.obligations) or 0
    list[#list + 1] = row
  end
  return list
end

--- One risk by ref, or nil.
function R:risk(ref)
  -- The columns find the ref's asset; the cursor gives that asset's rows.
  local t = self:risk_table()
  local i = t and t:find(ref)
  if not i then return nil end
  for _, r in ipairs(self:risks({ asset = t:asset_id(i) })) do
    if r.ref == ref then return r end
  end
  return nil
end

-- ------------------------------------------------------------ columns

--- The risks read in C into columns (isms_risks_read), for the commands
-- that go over the whole register. Rows are numbered from 0, in ref
-- order; `c` is the isms_risk_table (freed with the object), `n` its
-- number of risks and `factors` the register's factor names (the ratings
-- columns r1..r4 in that order).
local RiskTable = {}
RiskTable.__index = RiskTable
M.RiskTable = RiskTable

local table_out = ffi.new("isms_risk_table *[1]")

--- Reads the risks (of opts.asset, or all) into columns.
-- @treturn RiskTable|nil the table, or nil, message, code
function R:risk_table(opts)
  local rc = C.isms_risks_read(self.db, opts and opts.asset, table_out)
  if rc ~= 0 then return failure(self, rc) end
  local c = ffi.gc(table_out[0], C.isms_risk_table_free)
  return setmetatable({ c = c, n = tonumber(c.n), factors = self:risk_factors() or {}, reg = self },
                      RiskTable)
end

local function text_at(c, off) return ffi.string(c.text + off) end

function RiskTable:ref(i) return text_at(self.c, self.c.ref[i]) end
function RiskTable:threat(i) return text_at(self.c, self.c.threat[i]) end
function RiskTable:asset_id(i) return text_at(self.c, self.c.assets.id[self.c.asset[i]]) end

--- The ratings text of row i's vulnerability ("severity=High;..."), or
-- nil when it has none (isms_risk_table_read_vulnerabilities, once).
function RiskTable:vulnerability_ratings(i)
  local c = self.c
  if c.vulnerability_index == nil then
    local rc = C.isms_risk_table_read_vulnerabilities(self.reg.db, c)
    if rc ~= 0 then error({ msg = ffi.string(C.isms_errmsg(self.reg.db)), code = b.code_names[rc] }) end
  end
  local k = c.vulnerability_index[i]
  if k == 0xffffffff then return nil end
  return ffi.string(c.vulnerabilities.ratings[k])
end

--- The asset class of row i (text), or nil.
function RiskTable:class(i)
  local k = self.c.asset_class[i]
  return k >= 0 and ffi.string(self.c.class_names[k]) or nil
end

local DECISIONS = { [1] = "accept", [2] = "treat" }
--- The stored decision of row i, or nil.
function RiskTable:decision(i) return DECISIONS[self.c.decision[i]] end

--- The row of a ref, or nil.
function RiskTable:find(ref)
  local i = C.isms_risk_table_find(self.c, ref)
  return i >= 0 and tonumber(i) or nil
end

--- An asset of the table by id, as the fields a risk view takes
-- (`{ class, type, value, outsourced, group }`), or nil.
function RiskTable:asset(id)
  local a = C.isms_risk_table_find_asset(self.c, id)
  if a < 0 then return nil end
  local A = self.c.assets
  local fl, k = A.flags[a], A.cls[a]
  return { class = k >= 0 and ffi.string(self.c.class_names[k]) or nil,
           type = risk_method.TYPES[A.type[a]],
           value = bit.band(fl, C.ISMS_ASSET_VALUED) ~= 0 and tonumber(A.value[a]) or nil,
           outsourced = bit.band(fl, C.ISMS_ASSET_OUTSOURCED) ~= 0,
           group = bit.band(fl, C.ISMS_ASSET_GROUP) ~= 0,
           c = A.c[a] > 0 and A.c[a] or nil, i = A.i[a] > 0 and A.i[a] or nil,
           a = A.a[a] > 0 and A.a[a] or nil }
end

--- The stored fields of row i that a put overlays: `{ asset, category,
-- obligations, impacts, ratings = { factor = tier } }`.
function RiskTable:stored(i)
  local c = self.c
  local imp = c.impacts[i]
  local ratings = {}
  for k, name in ipairs(self.factors) do
    local v = k <= c.nratings and c.rating[k - 1][i] or 0
    ratings[name] = v > 0 and v or nil
  end
  return { asset = self:asset_id(i), category = risk_method.CATEGORIES[c.category[i]],
           obligations = c.obligations[i],
           impacts = imp >= 0 and ffi.string(c.impact_names[imp]) or nil, ratings = ratings }
end

-- ----------------------------------------------------------- evaluation

local function obligation_flags(mask)
  return { legal = bit.band(mask, 1) ~= 0, regulatory = bit.band(mask, 2) ~= 0,
           contractual = bit.band(mask, 4) ~= 0 }
end

local function impacts_of(text)
  local t = {}
  for k in (text or ""):gmatch("[^,%s]+") do t[k] = true end
  return t
end

--- A stored risk row's context as the methodology's acceptance sees it
-- (risk_view.view): category, impacts, obligations and asset, plus the
-- given fields (ratings, or rank and score).
function M.risk_context(row, fields)
  local view = fields or {}
  view.category, view.impacts = row.category, impacts_of(row.impacts)
  view.obligations = obligation_flags(row.obligations or 0)
  view.asset = { class = row.asset_class, type = row.asset_type,
                 value = tonumber(row.asset_value), outsourced = row.asset_outsourced == "1",
                 group = row.asset_group == "1", C = tonumber(row.asset_c),
                 I = tonumber(row.asset_i), A = tonumber(row.asset_a) }
  view.threat = { affects = row.threat_affects,
                  ratings = inputs.threat_ratings(row.threat_ratings) }
  view.vulnerability = { ratings = inputs.threat_ratings(row.vulnerability_ratings) }
  return view
end

--- Scores, evaluates and orders risks under a methodology in the C kernels,
-- without storing anything.
-- @param rows risk rows (reg:risks()); their ratings are by factor name
-- @treturn table { score, rank, acceptable, order (1-based row indices, most urgent first) }
-- A staged score (not a table) runs as the program of stages over the
-- risks' inputs (isms.risk.inputs): any number of factors, the asset's
-- C/I/A, value, class and type, what the threat affects, linked assets.
function M.evaluate(m, rows)
  local n = #rows
  local r = m.spec.risk
  local staged = inputs.staged(m)
  local cols = ffi.new("isms_risk_cols")
  cols.n = n
  local keep = {}  -- the rating arrays must outlive the C call
  for k, f in ipairs(r.factors) do
    if k > 4 then break end  -- the table scorer reads four; a program reads rows
    local arr = ffi.new("uint8_t[?]", math.max(n, 1))
    for i = 1, n do
      local v = rows[i].ratings[f.name]
      arr[i - 1] = (v and v >= 1 and v <= f.ntiers) and v or 0
    end
    cols.ratings[k - 1] = arr
    keep[#keep + 1] = arr
  end
  local cls = ffi.new("int8_t[?]", math.max(n, 1))
  local typ = ffi.new("uint8_t[?]", math.max(n, 1))
  local cat = ffi.new("uint8_t[?]", math.max(n, 1))
  local obl = ffi.new("uint8_t[?]", math.max(n, 1))
  for i = 1, n do
    local row = rows[i]
    cls[i - 1] = row.asset_class and r.class_idx[row.asset_class] or -1
    typ[i - 1] = risk_method.TYPE_INDEX[row.asset_type or ""] or 0
    cat[i - 1] = risk_method.CATEGORY_INDEX[row.category or ""] or 0
    obl[i - 1] = row.obligations or 0
  end
  cols.asset_class, cols.asset_type, cols.category, cols.obligations = cls, typ, cat, obl
  local score = ffi.new("int64_t[?]", math.max(n, 1))
  local rank = ffi.new("int16_t[?]", math.max(n, 1))
  cols.score, cols.rank = score, rank
  if staged then
    local list = {}
    for i = 1, n do
      local row = rows[i]
      list[i] = inputs.row(m, row.ratings, {
        asset = { c = row.asset_c, i = row.asset_i, a = row.asset_a, value = row.asset_value,
                  class = row.asset_class, type = row.asset_type },
        affects = row.threat_affects, threat_ratings = row.threat_ratings,
        vulnerability_ratings = row.vulnerability_ratings, threats = row.linked_threats,
        assets = row.linked_assets })
    end
    local res = stages.run(r.program, list)
    for i = 1, n do score[i - 1], rank[i - 1] = res.score[i], res.rank[i] end
  else
    assert(C.isms_scorer_score(m.scorer, cols) == 0)
  end
  -- Predicates run once per distinct risk view, in the sandbox.
  local verdicts
  local has_pred = false
  for _, rule in ipairs(r.rules) do if rule.predicate_bit then has_pred = true end end
  if has_pred then
    verdicts = ffi.new("uint8_t[?]", math.max(n, 1))
    local views, index, row_view = {}, {}, {}
    for i = 1, n do
      if rank[i - 1] > 0 then
        local row = rows[i]
        local view = risk_view.view(m, M.risk_context(row, {
          rank = rank[i - 1], score = decimal.to_number(tonumber(score[i - 1])) }))
        view.ratings = {}
        for _, f in ipairs(r.factors) do view.ratings[f.name] = rows[i].ratings[f.name] end
        local key = risk_view.key(view)
        if not index[key] then views[#views + 1] = view; index[key] = #views end
        row_view[i] = index[key]
      end
    end
    local bits = risk_view.verdicts(m, views, false)
    for i = 1, n do verdicts[i - 1] = row_view[i] and bits[row_view[i]] or 0 end
    cols.verdicts = verdicts
  end
  local acc = ffi.new("uint8_t[?]", math.max(n, 1))
  assert(C.isms_scorer_accept(m.scorer, cols, 0, acc) == 0)
  local order_out = ffi.new("uint32_t[?]", math.max(n, 1))
  assert(C.isms_risk_order(n, rank, score, obl, n, order_out) == 0)
  local res = { score = {}, rank = {}, acceptable = {}, order = {}, level = {}, _arrays = keep }
  for i = 1, n do
    res.score[i] = tonumber(score[i - 1])
    res.rank[i] = rank[i - 1]
    res.level[i] = rank[i - 1] > 0 and r.levels[rank[i - 1]].name or nil
    res.acceptable[i] = acc[i - 1] == 1
    res.order[i] = order_out[i - 1] + 1
  end
  return res
end

--- Scores, evaluates and can order the risks of a RiskTable under a
-- methodology, in the C kernels, storing nothing. The kernels' columns are
-- the table's own (the classes renumbered in C); Lua runs only once per
-- distinct risk view, for the methodology's predicates.
-- @tparam RiskTable t from reg:risk_table()
-- @treturn table `{ n, score (int64_t[n], millionths), rank (int16_t[n], 0 =
--   unrated), acceptable (uint8_t[n]), level_names (by rank), order(k) }`;
--   `order(k)` gives the k most urgent rows (0-based) as a uint32_t array
-- A zeroed result column of n rows (isms_column_alloc: huge pages for a
-- large one), freed by the garbage collector.
local function result_column(ctype, n)
  local bytes = n * ffi.sizeof(ctype)
  local p = C.isms_column_alloc(bytes)
  if p == nil then error({ msg = "out of memory for " .. n .. " risks", code = "NOMEM" }) end
  return ffi.gc(ffi.cast(ctype .. " *", p), C.isms_free)
end

function M.evaluate_table(m, t)
  local r = m.spec.risk
  local staged = inputs.staged(m)
  local c, n = t.c, t.n
  local N = math.max(n, 1)
  local cols = ffi.new("isms_risk_cols")
  local nc = c.nclasses
  local map = ffi.new("int8_t[?]", math.max(nc, 1))
  for k = 0, nc - 1 do map[k] = r.class_idx[ffi.string(c.class_names[k])] or -1 end
  local cls = result_column("int8_t", N)
  assert(C.isms_risk_table_cols(c, map, cls, cols) == 0)
  local column = {}
  for k, name in ipairs(t.factors) do column[name] = k - 1 end
  local zeros  -- a factor the register does not rate on: every risk unrated
  -- every factor's column, for the program and the predicates' views
  local fcols = ffi.new("const uint8_t *[?]", math.max(#r.factors, 1))
  for k, f in ipairs(r.factors) do
    local col = column[f.name]
    if col and col < c.nratings then fcols[k - 1] = c.rating[col]
    else
      zeros = zeros or ffi.new("uint8_t[?]", N)
      fcols[k - 1] = zeros
    end
    if k <= 4 then cols.ratings[k - 1] = fcols[k - 1] end
  end
  local score = result_column("int64_t", N)
  local rank = result_column("int16_t", N)
  cols.score, cols.rank = score, rank
  local staged_keep
  if staged then
    staged_keep = inputs.score_table(m, t, t.reg, score, rank)
  else
    assert(C.isms_scorer_score(m.scorer, cols) == 0)
  end
  local has_pred = false
  for _, rule in ipairs(r.rules) do if rule.predicate_bit then has_pred = true end end
  local verdicts
  if has_pred then
    -- Predicates run once per distinct risk view, in the sandbox.
    local view_of = ffi.new("uint32_t[?]", N)
    local first = ffi.new("uint32_t[?]", N)
    local nviews = ffi.new("size_t[1]")
    assert(C.isms_risk_table_views(c, cols, #r.factors, fcols, view_of, first, nviews) == 0)
    local views = {}
    for v = 0, tonumber(nviews[0]) - 1 do
      local i = first[v]
      local a = c.asset[i]
      local aflags = c.assets.flags[a]
      local imp = c.impacts[i]
      local view = risk_view.view(m, {
        rank = rank[i], score = decimal.to_number(tonumber(score[i])),
        category = risk_method.CATEGORIES[c.category[i]],
        impacts = impacts_of(imp >= 0 and ffi.string(c.impact_names[imp]) or nil),
        obligations = obligation_flags(c.obligations[i]),
        asset = { class = t:class(i), type = risk_method.TYPES[c.asset_type[i]],
                  value = bit.band(aflags, C.ISMS_ASSET_VALUED) ~= 0 and
                          tonumber(c.assets.value[a]) or nil,
                  outsourced = bit.band(aflags, C.ISMS_ASSET_OUTSOURCED) ~= 0,
                  group = bit.band(aflags, C.ISMS_ASSET_GROUP) ~= 0 } })
      view.ratings = {}
      for k, f in ipairs(r.factors) do view.ratings[f.name] = fcols[k - 1][i] end
      views[v + 1] = view
    end
    local bits = risk_view.verdicts(m, views, false)
    local vbits = ffi.new("uint8_t[?]", #bits + 1)
    for v = 1, #bits do vbits[v - 1] = bits[v] end
    verdicts = ffi.new("uint8_t[?]", N)
    for i = 0, n - 1 do
      local v = view_of[i]
      verdicts[i] = v ~= 0xffffffff and vbits[v] or 0
    end
    cols.verdicts = verdicts
  end
  local acc = result_column("uint8_t", N)
  assert(C.isms_scorer_accept(m.scorer, cols, 0, acc) == 0)
  local level_names = {}
  for k, lv in ipairs(r.levels) do level_names[k] = lv.name end
  local res = { n = n, score = score, rank = rank, acceptable = acc,
                level_names = level_names,
                _keep = { cols, map, cls, zeros, verdicts, c, fcols, staged_keep } }
  function res.order(k)
    k = math.max(0, math.min(math.floor(k or n), n))
    local out = ffi.new("uint32_t[?]", math.max(k, 1))
    assert(C.isms_risk_order(n, rank, score, c.obligations, k, out) == 0)
    return out, k
  end
  return res
end

-- evaluate() raises {msg, code} when a rule function fails on real data
-- (or strikes a sandbox limit); writers return that as nil, msg, code.
local function try_evaluate(m, rows, fn)
  local ok, res = pcall(fn or M.evaluate, m, rows)
  if ok then return res end
  if type(res) == "table" and res.msg then return nil, res.msg, res.code or "RULE" end
  error(res, 0)
end
M.try_evaluate_table = function(m, t) return try_evaluate(m, t, M.evaluate_table) end

-- ------------------------------------------------------------ writing

-- Runs fn(batch) inside one risk batch; commits if it returns true. A
-- bulk batch (many risks) goes through a rollback journal when it can.
local function in_batch(self, command, source, reason, fn, bulk)
  local out = ffi.new("isms_risk_batch *[1]")
  local begin = bulk and C.isms_risk_begin_bulk or C.isms_risk_begin
  local rc = begin(self.db, command, source, reason, out)
  if rc ~= 0 then return failure(self, rc) end
  local rb = out[0]
  local ok, err, code = fn(rb)
  if not ok then
    C.isms_risk_end(rb, 0, nil)
    return nil, err, code
  end
  local rep = ffi.new("isms_import_report")
  rc = C.isms_risk_end(rb, 1, rep)
  if rc ~= 0 then return failure(self, rc) end
  return { created = tonumber(rep.created), updated = tonumber(rep.updated),
           batch = tonumber(rep.batch) }
end

local function put(self, rb, ref, fields)
  local names, values = {}, {}
  for k, v in pairs(fields) do names[#names + 1] = k; values[#values + 1] = v end
  local n = #names
  local cn = ffi.new("const char *[?]", math.max(n, 1))
  local cv = ffi.new("const char *[?]", math.max(n, 1))
  for k = 1, n do cn[k - 1] = names[k]; cv[k - 1] = tostring(values[k]) end
  local rc = C.isms_risk_put(rb, ref, n, cn, cv)
  if rc ~= 0 then return failure(self, rc) end
  return true
end

-- Turns an API risk ({asset, threat, ratings = {S = 3}, obligations =
-- {legal = true}, impacts = {...}, owners = {...}, ...}) into stored fields,
-- scored under m. Returns fields or nil, reason (and "USAGE" for a field it
-- does not know, as every register's set says).
local KNOWN = { ref = true, ratings = true, impacts = true, obligations = true, assets = true,
                threats = true }
for _, k in ipairs(TEXT_FIELDS) do KNOWN[k] = true end

local function fields_of(m, cols, risk)
  for k in pairs(risk) do
    if not KNOWN[k] then
      local names = {}
      for n in pairs(KNOWN) do names[#names + 1] = n end
      table.sort(names)
      return nil, ("unknown field '%s'; expected one of %s"):format(tostring(k),
                                                                  table.concat(names, ", ")),
        "USAGE"
    end
  end
  local f = {}
  for _, k in ipairs(TEXT_FIELDS) do
    local v = risk[k]
    if type(v) == "table" then v = table.concat(v, "; ") end
    if v ~= nil then f[k] = v end
  end
  -- the assets and the (catalog) threats linked to the risk besides its
  -- own: a list of ids, or one text of them
  for _, rel in ipairs({ "assets", "threats" }) do
    if risk[rel] ~= nil then
      local list = {}
      local src = type(risk[rel]) == "table" and risk[rel] or { risk[rel] }
      for _, v in ipairs(src) do
        for id in tostring(v):gmatch("[^,;%s]+") do list[#list + 1] = id end
      end
      f[rel] = table.concat(list, " ")
    end
  end
  if risk.decision and risk.decision ~= "" and risk.decision ~= "accept" and
     risk.decision ~= "treat" then
    return nil, ("decision: '%s' is not accept or treat"):format(tostring(risk.decision))
  end
  if risk.category and risk.category ~= "" and not risk_method.CATEGORY_INDEX[risk.category] then
    return nil, ("category: unknown category '%s'; expected %s")
      :format(tostring(risk.category), table.concat(risk_method.CATEGORIES, ", "))
  end
  if risk.impacts ~= nil then
    local list = {}
    local src = risk.impacts
    if type(src) == "string" then src = { src } end
    for _, v in ipairs(src) do
      for kind in tostring(v):gmatch("[^,;%s]+") do
        if not risk_method.IMPACT_INDEX[kind] then
          return nil, ("impacts: unknown impact kind '%s'; expected %s")
            :format(kind, table.concat(risk_method.IMPACTS, ", "))
        end
        list[#list + 1] = kind
      end
    end
    f.impacts = table.concat(list, ",")
  end
  if risk.obligations ~= nil then
    local mask = 0
    if type(risk.obligations) == "number" then mask = risk.obligations
    else
      for name, bitv in pairs(risk_method.OBLIGATIONS) do
        if risk.obligations[name] then mask = mask + bitv end
      end
    end
    f.obligations = mask
  end
  if risk.ratings then
    for name, v in pairs(risk.ratings) do
      if not cols[name] then return nil, ("ratings: %s is not a factor of %s"):format(name, m:name()) end
      if v == "" or v == false then f[cols[name]] = ""
      else
        local t, why = m:parse_rating(name, v)
        if not t then return nil, "ratings: " .. why end
        f[cols[name]] = t
      end
    end
  end
  return f
end

-- Scores every stored risk under m and writes score, level and acceptance
-- where they changed, in C over the columns. Returns changed, total.
local function rescore(self, m, rb)
  local t, terr, tcode = self:risk_table()
  if not t then return nil, terr, tcode end
  local res, eerr, ecode = try_evaluate(m, t, M.evaluate_table)
  if not res then return nil, eerr, ecode end
  local names = ffi.new("const char *[?]", math.max(#res.level_names, 1))
  for k, name in ipairs(res.level_names) do names[k - 1] = name end  -- kept by res
  local written = ffi.new("int64_t[1]")
  local rc = C.isms_risk_put_scores(rb, t.c, res.score, res.rank, res.acceptable,
                                    #res.level_names, names, written)
  if rc ~= 0 then return failure(self, rc) end
  return tonumber(written[0]), t.n
end

--- Creates or updates risks, all or nothing, scoring them under the
-- register's methodology (or opts.methodology).
-- @param list risks `{ ref =, asset =, threat =, vulnerability =, title =, category =,
--   impacts = {...}, owners = {...}, controls =, obligations = {legal = true, ...},
--   ratings = { factor = tier or label }, decision =, decided_by =, decided_at =, rationale = }`
-- @tparam[opt] table opts `{ reason =, command =, source =, methodology = m }`
-- @treturn table|nil `{ created, updated, batch }` or nil, message, code
function R:put_risks(list, opts)
  return M.put_risks(self, list, opts)
end

-- put_risks, given the register's risks already read (t), or not.
function M.put_risks(self, list, opts, t)
  opts = opts or {}
  local m, err, code = method_of(self, opts.methodology)
  if not m then return nil, err, code end
  local cols, cerr, ccode = factor_columns(self, m, opts.reason)
  if not cols then return nil, cerr, ccode end
  -- Each risk as it will be once written (stored values overlaid with the
  -- new ones), so all are scored in one pass and each is written once. The
  -- stored values and the assets come from the columns, found by binary
  -- search, so a small edit of a large register reads it once, in C.
  if not t then
    local terr, tcode
    t, terr, tcode = self:risk_table()
    if not t then return nil, terr, tcode end
  end
  t.factors = self:risk_factors() or {}  -- factor_columns may have just fixed them
  local assets = {}
  local function asset_of(id)
    if id == nil then return {} end
    if assets[id] == nil then assets[id] = t:asset(id) or false end
    return assets[id] or {}
  end
  -- what a staged score reads beyond the ratings: the threat's affects,
  -- the assets linked to the risk
  local staged = inputs.staged(m)
  local affects_of, ratings_of, links
  if staged and (inputs.reads(m, "affects") or inputs.reads(m, "threat_rating")) then
    affects_of, ratings_of = {}, {}
    for row in self:query("SELECT id, affects, ratings FROM threats") do
      affects_of[row.id], ratings_of[row.id] = row.affects, row.ratings
    end
  end
  if staged and inputs.reads(m, "records") then links = inputs.linked_assets(self) end
  local tlinks, tratings_of
  if staged and inputs.reads_threats(m) then
    tlinks, tratings_of = inputs.linked_assets(self, nil, "threats"), {}
    for row in self:query("SELECT id, ratings FROM threats") do tratings_of[row.id] = row.ratings or false end
  end
  local vratings_of
  if staged and inputs.reads(m, "vulnerability_rating") then
    vratings_of = {}
    for row in self:query("SELECT id, ratings FROM vulnerabilities WHERE ratings IS NOT NULL") do
      vratings_of[row.id] = row.ratings
    end
  end
  local fields, merged = {}, {}
  for k, risk in ipairs(list) do
    local ref = risk.ref
    if type(ref) ~= "string" or ref == "" then
      return nil, ("risk %d: ref: expected a non-empty string"):format(k), "INPUT"
    end
    local f, why, fcode = fields_of(m, cols, risk)
    if not f then return nil, ("risk %s: %s"):format(ref, why), fcode or "INPUT" end
    -- A decision records who took it and when, unless the caller says.
    if f.decision and f.decision ~= "" then
      if f.decided_by == nil then f.decided_by = self.actor end
      if f.decided_at == nil then f.decided_at = os.date("!%Y-%m-%d") end
    end
    local i = t:find(ref)
    local old = i and t:stored(i) or { ratings = {}, obligations = 0 }
    local asset = asset_of(f.asset or old.asset)
    local row = { ref = ref, ratings = {}, category = f.category or old.category,
                  obligations = f.obligations or old.obligations,
                  impacts = f.impacts or old.impacts, asset_class = asset.class,
                  asset_type = asset.type, asset_value = asset.value,
                  asset_outsourced = asset.outsourced and "1" or "0",
                  asset_group = asset.group and "1" or "0",
                  asset_c = asset.c, asset_i = asset.i, asset_a = asset.a }
    if affects_of then
      local th = f.threat or (i and t:threat(i)) or ""
      row.threat_affects, row.threat_ratings = affects_of[th], ratings_of[th]
    end
    if vratings_of then
      if f.vulnerability ~= nil then row.vulnerability_ratings = vratings_of[f.vulnerability]
      elseif i then row.vulnerability_ratings = t:vulnerability_ratings(i) end
    end
    if tlinks then
      -- the risk's threat and those linked to it, by their catalog ratings
      local own = f.threat or (i and t:threat(i)) or ""
      local linked = tlinks[ref] or {}
      if f.threats then
        linked = {}
        for id in f.threats:gmatch("%S+") do linked[#linked + 1] = id end
      end
      row.linked_threats = { tratings_of[own] or false }
      for _, id in ipairs(linked) do
        if id ~= own then row.linked_threats[#row.linked_threats + 1] = tratings_of[id] or false end
      end
    end
    if links then
      local own = f.asset or old.asset
      local linked = links[ref] or {}
      if f.assets then
        linked = {}
        for id in f.assets:gmatch("%S+") do linked[#linked + 1] = id end
      end
      row.linked_assets = { asset }
      for _, id in ipairs(linked) do
        if id ~= own then row.linked_assets[#row.linked_assets + 1] = asset_of(id) end
      end
    end
    for name, column in pairs(cols) do
      local v = f[column]
      if v == nil then v = old.ratings[name] end
      row.ratings[name] = v ~= "" and v or nil
    end
    fields[k], merged[k] = f, row
  end
  local res, eerr, ecode = try_evaluate(m, merged)
  if not res then return nil, eerr, ecode end
  local rep, perr, pcode = in_batch(self, opts.command or "risks put", opts.source, opts.reason,
    function(rb)
      for k, risk in ipairs(list) do
        local f, rank = fields[k], res.rank[k]
        f.score = rank > 0 and res.score[k] or ""
        f.level = res.level[k] or ""
        f.level_rank = rank > 0 and rank or ""
        f.acceptable = rank > 0 and (res.acceptable[k] and 1 or 0) or ""
        local ok, e, c = put(self, rb, risk.ref, f)
        if not ok then return nil, e, c end
      end
      return true
    end)
  if not rep then return nil, perr, pcode end
  return rep
end

--- Changes fields of one risk (see put_risks for the fields).
function R:set_risk(ref, fields, reason)
  local risk = {}
  for k, v in pairs(fields) do risk[k] = v end
  risk.ref = ref
  local t, terr, tcode = self:risk_table()
  if not t then return nil, terr, tcode end
  if not t:find(ref) then return nil, ("no risk '%s' in the register"):format(ref), "NOTFOUND" end
  local rep, err, code = M.put_risks(self, { risk }, { reason = reason, command = "risks set" }, t)
  if not rep then return nil, err, code end
  return true
end

--- Deletes risks by ref; their last values stay in the change log.
function R:delete_risks(refs, reason)
  if type(refs) == "string" then refs = { refs } end
  local rep, err, code = in_batch(self, "risks delete", nil, reason, function(rb)
    for _, ref in ipairs(refs) do
      local rc = C.isms_risk_delete(rb, ref)
      if rc ~= 0 then return failure(self, rc) end
    end
    return true
  end)
  if not rep then return nil, err, code end
  return true
end

--- Re-scores every stored risk under the methodology (the register's by
-- default) and records what changed.
-- @treturn integer|nil the number of risks that changed (or nil, message,
--   code), and the number of risks scored
function R:score_risks(m, reason)
  local mm, err, code = method_of(self, m)
  if not mm then return nil, err, code end
  local ok, cerr, ccode = factor_columns(self, mm, reason)
  if not ok then return nil, cerr, ccode end
  local changed, total
  local rep, rerr, rcode = in_batch(self, "risks score", "methodology " .. mm:name(), reason,
    function(rb)
      local n, scored_or_err, c = rescore(self, mm, rb)
      if not n then return nil, scored_or_err, c end
      changed, total = n, scored_or_err
      return true
    end, true)
  if not rep then return nil, rerr, rcode end
  return changed, total
end

--- Generates risks from a catalog for every asset whose type a threat
-- applies to: ref "ASSET/THREAT[/VULNERABILITY]". Existing risks are left
-- as they are, so generating again only adds what is new. The risks are
-- made in C (isms_risk_generate) from templates: the catalog's pairs for
-- each asset type, in catalog.pairs_for's order.
-- @treturn table|nil `{ created, updated, batch }`
function R:generate_risks(name, opts)
  opts = opts or {}
  local cat, err, code = catalog.load(name)
  if not cat then return nil, err, code end
  local m, merr, mcode = method_of(self, opts.methodology)
  if not m then return nil, merr, mcode end
  -- The first methodology to write risks fixes the register's factors.
  local cols, cerr, ccode = factor_columns(self, m, opts.reason)
  if not cols then return nil, cerr, ccode end
  local list = {}
  for k, type_name in ipairs(risk_method.TYPES) do
    for _, p in ipairs(catalog.pairs_for(cat, type_name)) do
      local v = p.vulnerability
      list[#list + 1] = { threat = p.threat.id, vulnerability = v and v.id,
                          title = p.threat.title .. (v and (": " .. v.title) or ""),
                          category = p.threat.category,
                          impacts = table.concat(p.threat.impacts or {}, ","),
                          types = bit.lshift(1, k - 1) }
    end
  end
  -- The strings stay referenced by list while C reads them.
  local tpl = ffi.new("isms_risk_template[?]", math.max(#list, 1))
  for k, p in ipairs(list) do
    local x = tpl[k - 1]
    x.threat, x.vulnerability, x.title = p.threat, p.vulnerability, p.title
    x.category, x.impacts, x.types = p.category, p.impacts, p.types
  end
  local rep, perr, pcode = in_batch(self, "risks generate", "catalog " .. cat.name, opts.reason,
    function(rb)
      local rc = C.isms_risk_generate(rb, #list, tpl, nil)
      if rc ~= 0 then return failure(self, rc) end
      return true
    end, true)
  if not rep then return nil, perr, pcode end
  -- Name the catalog's threats and vulnerabilities in the register.
  local ok, e, c = in_batch(self, "catalog " .. cat.name, cat.file, opts.reason, function(rb)
    for _, t in ipairs(cat.threats) do
      local rc = C.isms_risk_catalog_entry(rb, "threat", t.id, t.class, t.title, cat.name,
                                           t.affects and table.concat(t.affects, ",") or nil,
                                           t.ratings)
      if rc ~= 0 then return failure(self, rc) end
    end
    for _, v in ipairs(cat.vulnerabilities) do
      local rc = C.isms_risk_catalog_entry(rb, "vulnerability", v.id, nil, v.title, cat.name, nil,
                                           v.ratings)
      if rc ~= 0 then return failure(self, rc) end
    end
    return true
  end)
  if not ok then return nil, e, c end
  return rep
end

require("isms.store.register").extend(M.methods)

return M
