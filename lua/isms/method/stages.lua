--- Staged risk scores: risk_stage declarations, checked and compiled into
-- a program of C kernels over columns (isms_stages_*, core/method_stage.c).
--
-- A stage is a named value computed from factors, the asset and the
-- threat, related records or earlier stages by a built-in reduction
-- (sum, mean, min, max, product, weighted, count), a risk_matrix or a
-- rule-file function (tabulated over its inputs' tiers), optionally per
-- property (C, I, A) and banded. risk_score then combines factors or
-- names a stage. Every value is exact decimal millionths; see
-- docs/risk-rules.md ("Staged scores") for the language.
--
-- Here: the checks (file:line: risk_stage 'name': field: reason), the
-- order of the stages (unknown names and cycles refused), the range of
-- values each stage can reach (so levels are checked for gaps over
-- decimals without enumerating 10^16 combinations), the C program, and
-- running it on a few rows (scoring one risk, explaining a result).
local b = require "isms.store._ffi"
local check = require "isms.rules.check"
local decimal = require "isms.store.decimal"

local ffi, C = b.ffi, b.C
local fail = check.fail
local UNIT = decimal.UNIT
local INF = math.huge
local M = {}

M.NR = -9223372036854775807LL - 1     -- INT64_MIN: not rated, in a value column
M.MAX_TABLE = 65536                   -- cells of a tabulated rule-file function
local MAX_EXACT = 2 ^ 53              -- |values| in millionths kept exact

local set = check.set
local ALLOWED = set { "combine", "inputs", "weights", "at_least", "matrix", "bands",
                      "properties", "affected", "reduce", "title", "description" }
local BUILTIN = { sum = C.ISMS_OP_SUM, mean = C.ISMS_OP_MEAN, min = C.ISMS_OP_MIN,
                  max = C.ISMS_OP_MAX, product = C.ISMS_OP_PRODUCT,
                  weighted = C.ISMS_OP_WEIGHTED, count = C.ISMS_OP_COUNT,
                  first = C.ISMS_OP_FIRST }
local COMBINE_NAMES = "sum, mean, min, max, product, weighted, count, first, matrix, or a function"
local PROPS = { "C", "I", "A" }
local PROP_BIT = { C = 0, I = 1, A = 2 }
local REDUCE = { max = C.ISMS_OP_MAX, min = C.ISMS_OP_MIN, sum = C.ISMS_OP_SUM }
-- Related records a stage may aggregate, and their attributes (threats:
-- their catalog ratings, any scale of the file).
M.RECORDS = { assets = { value = true, C = true, I = true, A = true }, threats = {} }

-- ------------------------------------------------------------ names

-- What an input name refers to: a factor, a stage, the asset's C/I/A
-- rating or value, the threat's affected properties, related records, or
-- (per property) the asset's rating on the property ("asset.*").
local function resolve(ctx, file, d, at, name)
  if type(name) ~= "string" or name == "" then
    fail(file, d, at, "expected the name of a factor, a risk_stage or an input such as asset.C")
  end
  if ctx.factor[name] then return { kind = "factor", name = name } end
  if ctx.stage_decl[name] then return { kind = "stage", name = name } end
  if name == "asset.*" then return { kind = "prop" } end
  local prop = name:match("^asset%.([CIA])$")
  if prop then
    if not ctx.scales[prop] then
      fail(file, d, at, ("%s reads the asset's %s tier: declare scale \"%s\""):format(name, prop, prop))
    end
    return { kind = "asset", prop = prop, name = name }
  end
  if name == "asset.value" then
    if not ctx.valuation then
      fail(file, d, at, "asset.value: this methodology does not value assets (asset_value, asset_class)")
    end
    return { kind = "asset_value", name = name }
  end
  if name == "threat.affects" then return { kind = "affects", name = name } end
  -- the threat's own rating on a scale of this file, from its catalog
  -- entry (threat "T" { ratings = { likelihood = "Possible" } })
  local tscale = name:match("^threat%.([%a_][%w_]*)$")
  if tscale then
    if not ctx.scales[tscale] then
      fail(file, d, at, ("%s reads the threat's rating on scale '%s': declare scale \"%s\" "
           .. "(or threat.affects)"):format(name, tscale, tscale))
    end
    return { kind = "threat_rating", scale = tscale, name = name }
  end
  -- the risk's vulnerability's own rating, from its catalog entry
  -- (vulnerability "V" { ratings = { severity = "High" } })
  local vscale = name:match("^vulnerability%.([%a_][%w_]*)$")
  if vscale then
    if not ctx.scales[vscale] then
      fail(file, d, at, ("%s reads the vulnerability's rating on scale '%s': declare scale \"%s\"")
           :format(name, vscale, vscale))
    end
    return { kind = "vulnerability_rating", scale = vscale, name = name }
  end
  if name == "asset.class" then
    if not ctx.classes or #ctx.classes == 0 then
      fail(file, d, at, "asset.class: this methodology declares no asset_class")
    end
    return { kind = "asset_class", name = name }
  end
  if name == "asset.type" then return { kind = "asset_type", name = name } end
  local kind, attr = name:match("^([%a_]+)%.([%w_]+)$")
  if kind and kind ~= "asset" and kind ~= "threat" and kind ~= "vulnerability" then
    local known = M.RECORDS[kind]
    if not known then
      fail(file, d, at, ("no related records of kind '%s'; expected assets or threats"):format(kind))
    end
    if kind == "threats" then
      -- the risk's threat and those linked to it, each by its own rating
      if not ctx.scales[attr] then
        fail(file, d, at, ("%s reads each threat's rating on scale '%s': declare scale \"%s\"")
             :format(name, attr, attr))
      end
      return { kind = "records", of = kind, attr = attr, name = name }
    end
    if not known[attr] then
      fail(file, d, at, ("%s have no attribute '%s'; expected value, C, I or A"):format(kind, attr))
    end
    if (attr == "C" or attr == "I" or attr == "A") and not ctx.scales[attr] then
      fail(file, d, at, ("%s reads each asset's %s tier: declare scale \"%s\"")
           :format(name, attr, attr))
    end
    if attr == "value" and not ctx.valuation then
      fail(file, d, at, name .. ": this methodology does not value assets (asset_value, asset_class)")
    end
    return { kind = "records", of = kind, attr = attr, name = name }
  end
  if ctx.scales[name] then
    fail(file, d, at, ("'%s' is a scale but not one of risk_score's factors; add it to factors")
         :format(name))
  end
  local stages = {}
  for s in pairs(ctx.stage_decl) do stages[#stages + 1] = s end
  table.sort(stages)
  fail(file, d, at, ("no factor, risk_stage or input named '%s'; expected a factor (%s)%s, "
       .. "asset.C, asset.I, asset.A, asset.value, asset.class, asset.type, threat.NAME, "
       .. "vulnerability.NAME or assets.value")
       :format(name, table.concat(ctx.factor_names, ", "),
               #stages > 0 and (", a risk_stage (" .. table.concat(stages, ", ") .. ")") or ""))
end

-- ------------------------------------------------------------ bands

-- bands = { "Low", 3, "Medium", 6, "High" }: labels and rising edges; a
-- value is in the band whose lower edge it is at or above. A label may be
-- { "Low", value = 1, description = "..." }: then every band has a value,
-- which the stage takes after banding.
local function check_bands(file, d, bands)
  if type(bands) ~= "table" or #bands == 0 or #bands % 2 == 0 then
    fail(file, d, "bands", "expected labels and the edges between them, e.g. { \"Low\", 3, \"High\" }")
  end
  local labels, edges, values, descriptions, seen = {}, {}, {}, {}, {}
  local with_values
  for k, v in ipairs(bands) do
    local at = ("bands[%d]"):format(k)
    if k % 2 == 1 then
      local label, value, description = v, nil, nil
      if type(v) == "table" then
        -- { "Low", value = 1 } arrives from the sandbox with the label at "1"
        label, value, description = v[1] or v["1"], v.value, v.description
        for key in pairs(v) do
          if key ~= 1 and key ~= "1" and key ~= "value" and key ~= "description" then
            fail(file, d, at .. "." .. tostring(key), "unknown field; expected a label, value, description")
          end
        end
      end
      check.string(file, d, at, label)
      if seen[label:lower()] then
        fail(file, d, at, ("'%s' already names band %d"):format(label, seen[label:lower()]))
      end
      seen[label:lower()] = #labels + 1
      labels[#labels + 1] = label
      descriptions[#labels] = description
      if with_values == nil then with_values = value ~= nil end
      if (value ~= nil) ~= with_values then
        fail(file, d, at, "give every band a value, or none")
      end
      if value ~= nil then
        local micro, why = decimal.from_number(value)
        if not micro then fail(file, d, at .. ".value", why) end
        values[#labels] = micro
      end
    else
      local micro, why = decimal.from_number(v)
      if not micro then
        fail(file, d, at, ("expected an edge (a number) after '%s'%s")
             :format(labels[#labels], type(v) == "number" and (": " .. why) or ""))
      end
      if #edges > 0 and micro <= edges[#edges] then
        fail(file, d, at, ("edges must rise: %s after %s"):format(decimal.format(micro),
                                                                  decimal.format(edges[#edges])))
      end
      edges[#edges + 1] = micro
    end
  end
  return { labels = labels, edges = edges, values = with_values and values or nil,
           descriptions = descriptions }
end

-- -------------------------------------------------------- stage decls

local function check_stage(ctx, file, d)
  local f = d.fields
  check.fields(file, d, f, ALLOWED)
  if not d.name:match("^[%a_][%w_%-]*$") then
    fail(file, d, nil, "a stage name is letters, digits, _ and -, starting with a letter")
  end
  if ctx.scales[d.name] then
    fail(file, d, nil, ("'%s' is also a scale; a stage needs a name of its own"):format(d.name))
  end
  check.string(file, d, "title", f.title, true)
  check.string(file, d, "description", f.description, true)
  local st = { name = d.name, decl = d, title = f.title, description = f.description }
  local how = f.combine
  if check.is_function(how) then
    st.combine = "function"
  elseif how == "matrix" or BUILTIN[how] then
    st.combine = how
  else
    fail(file, d, "combine", ("unknown rule '%s'; expected %s"):format(tostring(how), COMBINE_NAMES))
  end
  -- inputs (a matrix takes its rows and columns)
  local names
  if st.combine == "matrix" then
    check.string(file, d, "matrix", f.matrix)
    local md = ctx.matrices[f.matrix]
    if not md then fail(file, d, "matrix", ("no risk_matrix named '%s'"):format(f.matrix)) end
    if f.inputs ~= nil then fail(file, d, "inputs", "a matrix stage reads the matrix's rows and columns") end
    st.matrix_decl = md
    names = { md.fields.rows, md.fields.columns }
  else
    if f.matrix ~= nil then fail(file, d, "matrix", "only used with combine = \"matrix\"") end
    if type(f.inputs) ~= "table" or (#f.inputs == 0 and next(f.inputs) ~= nil) then
      fail(file, d, "inputs", "expected a list of factor, stage or input names")
    end
    if #f.inputs == 0 then
      fail(file, d, "inputs", "an empty group: a reduction needs at least one input")
    end
    names = f.inputs
  end
  st.inputs, st.refs = {}, {}
  local seen = {}
  for k, name in ipairs(names) do
    local at = st.combine == "matrix" and (k == 1 and "rows" or "columns") or ("inputs[%d]"):format(k)
    local ref = resolve(ctx, file, st.combine == "matrix" and st.matrix_decl or d, at, name)
    if seen[name] and st.combine ~= "matrix" then
      fail(file, d, at, ("'%s' is listed twice"):format(name))
    end
    seen[name] = true
    if ref.kind == "affects" then
      fail(file, d, at, "threat.affects is a set of properties: name it in affected = \"threat.affects\"")
    end
    if ref.kind == "records" and (#names > 1 or not (st.combine == "sum" or st.combine == "mean" or
        st.combine == "min" or st.combine == "max" or st.combine == "count")) then
      fail(file, d, at, ("%s: related records are aggregated alone, by sum, mean, min, max or count")
           :format(name))
    end
    st.inputs[k], st.refs[k] = name, ref
  end
  -- per property
  local has_prop = false
  for _, ref in ipairs(st.refs) do if ref.kind == "prop" then has_prop = true end end
  if f.properties ~= nil or f.affected ~= nil or f.reduce ~= nil or has_prop then
    if not has_prop then
      fail(file, d, "inputs", "a per-property stage names asset.* among its inputs (the asset's " ..
           "rating on each property)")
    end
    if st.combine == "matrix" or st.combine == "function" or st.combine == "first" then
      fail(file, d, "combine", "a per-property stage combines by sum, mean, min, max, product, " ..
           "weighted or count")
    end
    local props = f.properties or PROPS
    local list = check.strings(file, d, "properties", props)
    if #list == 0 then fail(file, d, "properties", "an empty group: name C, I or A") end
    st.properties = {}
    for k, p in ipairs(list) do
      if PROP_BIT[p] == nil then
        fail(file, d, ("properties[%d]"):format(k), ("'%s' is not C, I or A"):format(p))
      end
      if not ctx.scales[p] then
        fail(file, d, ("properties[%d]"):format(k),
             ("asset.* reads the asset's %s tier: declare scale \"%s\""):format(p, p))
      end
      st.properties[k] = p
    end
    if f.reduce == nil or REDUCE[f.reduce] == nil then
      fail(file, d, "reduce", ("expected max, min or sum: how the properties' values combine, got %s")
           :format(tostring(f.reduce)))
    end
    st.reduce = f.reduce
    if f.affected ~= nil then
      if f.affected ~= "threat.affects" then
        fail(file, d, "affected", "expected \"threat.affects\" (the properties the threat affects)")
      end
      st.affected = true
    end
  end
  -- weights
  if st.combine == "weighted" then
    if type(f.weights) ~= "table" then
      fail(file, d, "weights", "expected { input = weight, ... } for combine = \"weighted\"")
    end
    for k in pairs(f.weights) do
      if not seen[k] then fail(file, d, "weights." .. tostring(k), "not one of the inputs") end
    end
    st.weights = {}
    for k, name in ipairs(st.inputs) do
      local w = f.weights[name]
      if w == nil then fail(file, d, "weights", ("no weight for input '%s'"):format(name)) end
      local micro, why = decimal.from_number(w)
      if not micro then fail(file, d, "weights." .. name, why) end
      st.weights[k] = micro
    end
  elseif f.weights ~= nil then
    fail(file, d, "weights", "only used with combine = \"weighted\"")
  end
  if st.combine == "count" then
    local micro, why = decimal.from_number(f.at_least)
    if not micro then
      fail(file, d, "at_least", "expected a number: count the inputs at or above it" ..
           (f.at_least ~= nil and (" (" .. why .. ")") or ""))
    end
    st.at_least = micro
  elseif f.at_least ~= nil then
    fail(file, d, "at_least", "only used with combine = \"count\"")
  end
  if f.bands ~= nil then st.bands = check_bands(file, d, f.bands) end
  return st
end

-- Orders the stages so each comes after what it reads; refuses cycles.
local function order(file, stages)
  local state, out = {}, {}
  local function visit(st, path)
    if state[st.name] == "done" then return end
    if state[st.name] == "active" then
      local from
      for k, n in ipairs(path) do if n == st.name then from = k end end
      local cycle = {}
      for k = from, #path do cycle[#cycle + 1] = path[k] end
      cycle[#cycle + 1] = st.name
      local last = stages[path[#path]]
      local at
      for k, name in ipairs(last.inputs) do if name == st.name then at = k end end
      fail(file, last.decl, last.combine == "matrix" and "matrix" or ("inputs[%d]"):format(at or 1),
           ("'%s' is computed from this stage: a cycle (%s)"):format(st.name,
                                                                     table.concat(cycle, " -> ")))
    end
    state[st.name] = "active"
    path[#path + 1] = st.name
    for _, ref in ipairs(st.refs) do
      if ref.kind == "stage" then visit(stages[ref.name], path) end
    end
    path[#path] = nil
    state[st.name] = "done"
    out[#out + 1] = st
  end
  local names = {}
  for name in pairs(stages) do names[#names + 1] = name end
  table.sort(names, function(x, y) return stages[x].decl.line < stages[y].decl.line end)
  for _, name in ipairs(names) do visit(stages[name], {}) end
  return out
end

-- ------------------------------------------------------------ ranges

-- Each slot's reachable values: lo, hi as exact numerators in millionths
-- (divide by den), `whole` if every numerator is a multiple of 1000000
-- (integer inputs: a mean of them moves in steps of 1/den).
local function span(lo, hi, den, whole) return { lo = lo, hi = hi, den = den or 1, whole = whole } end

local function value_span(sp)  -- the value other stages read (mean rounded)
  if sp.den == 1 then return sp end
  return span(sp.lo / sp.den, sp.hi / sp.den, 1, false)
end

local function mul(x, y)  -- 0 x infinity is 0 here: a factor of 0 zeroes any product
  if x == 0 or y == 0 then return 0 end
  return x * y
end

local function reduce_span(op, list, weights, at_least)
  local n = #list
  if op == "sum" or op == "mean" then
    local lo, hi, whole = 0, 0, true
    for _, s in ipairs(list) do lo, hi, whole = lo + s.lo, hi + s.hi, whole and s.whole end
    return span(lo, hi, op == "mean" and n or 1, whole)
  elseif op == "min" or op == "max" then
    local lo, hi, whole = list[1].lo, list[1].hi, true
    for _, s in ipairs(list) do
      lo, hi = math[op](lo, s.lo), math[op](hi, s.hi)
      whole = whole and s.whole
    end
    return span(lo, hi, 1, whole)
  elseif op == "product" then
    local lo, hi, whole = list[1].lo / UNIT, list[1].hi / UNIT, list[1].whole
    for k = 2, n do
      local s = list[k]
      local a, c = s.lo / UNIT, s.hi / UNIT
      local p = { mul(lo, a), mul(lo, c), mul(hi, a), mul(hi, c) }
      lo, hi = math.min(unpack(p)), math.max(unpack(p))
      whole = whole and s.whole
    end
    return span(lo * UNIT, hi * UNIT, 1, whole)
  elseif op == "weighted" then
    local lo, hi, whole = 0, 0, true
    for k, s in ipairs(list) do
      local w = weights[k] / UNIT
      local a, c = mul(w, s.lo), mul(w, s.hi)
      lo, hi = lo + math.min(a, c), hi + math.max(a, c)
      whole = whole and s.whole and weights[k] % UNIT == 0
    end
    return span(lo, hi, 1, whole)
  elseif op == "count" then
    local _ = at_least
    return span(0, n * UNIT, 1, true)
  elseif op == "first" then
    local lo, hi, whole = INF, -INF, true
    for _, s in ipairs(list) do
      lo, hi, whole = math.min(lo, s.lo), math.max(hi, s.hi), whole and s.whole
    end
    return span(lo, hi, 1, whole)
  end
end

-- Per-property reduction over a non-empty subset.
local function subset_span(op, list)
  if op == "sum" then
    local lo, hi, whole = INF, -INF, true
    local neg, pos = 0, 0
    for _, s in ipairs(list) do
      lo, hi = math.min(lo, s.lo), math.max(hi, s.hi)
      if s.lo < 0 then neg = neg + s.lo end
      if s.hi > 0 then pos = pos + s.hi end
      whole = whole and s.whole
    end
    return span(math.min(lo, neg), math.max(hi, pos), 1, whole)
  end
  return reduce_span(op, list)
end

-- ------------------------------------------------------------ build

--- Checks the risk_stage declarations (and the risk_score that may use
-- them) and returns the plan: ordered stages with their slots and spans.
-- ctx: { scales, factors (list of {name, scale}), matrices (decls by
-- name), valuation (bool), asset_span (span of asset values or nil) }.
function M.check(file, stage_decls, ctx)
  ctx.factor, ctx.factor_names = {}, {}
  for _, f in ipairs(ctx.factors) do
    ctx.factor[f.name] = f
    ctx.factor_names[#ctx.factor_names + 1] = f.name
  end
  ctx.stage_decl = {}
  for _, d in ipairs(stage_decls) do
    if ctx.stage_decl[d.name] then
      fail(file, d, nil, ("stage declared twice (first at line %d)"):format(ctx.stage_decl[d.name].line))
    end
    ctx.stage_decl[d.name] = d
  end
  local stages = {}
  for _, d in ipairs(stage_decls) do stages[d.name] = check_stage(ctx, file, d) end
  return order(file, stages), stages
end

-- The C program under construction: slots in order, each
-- { index, name, kind, span, npos, labels, ... }.
local Program = {}
Program.__index = Program

local function new_program()
  local out = ffi.new("isms_stages *[1]")
  if C.isms_stages_new(out) ~= 0 then error({ msg = "out of memory" }) end
  return setmetatable({ h = ffi.gc(out[0], C.isms_stages_free), slots = {}, by_name = {},
                        inputs = {}, keep = {} }, Program)
end

local slot_out = ffi.new("int[1]")

function Program:push(name, entry)
  entry.index = #self.slots
  entry.name = name
  self.slots[#self.slots + 1] = entry
  if name then self.by_name[name] = entry end
  return entry
end

function Program:fail_rc(file, d, field)
  fail(file, d, field, ffi.string(C.isms_stages_errmsg(self.h)))
end

-- An input slot of tiers from a scale (a factor, or the asset's C/I/A).
function Program:add_scale_input(name, scale, source)
  local n = #scale.positions
  local values = ffi.new("int64_t[?]", n)
  local rated = ffi.new("uint8_t[?]", n)
  local lo, hi = INF, -INF
  for p, t in ipairs(scale.positions) do
    values[p - 1] = t.micro
    rated[p - 1] = t.not_rated and 0 or 1
    if not t.not_rated then lo, hi = math.min(lo, t.micro), math.max(hi, t.micro) end
  end
  assert(C.isms_stages_add_tiers(self.h, n, values, rated, slot_out) == 0)
  local labels = {}
  for p, t in ipairs(scale.positions) do labels[p] = t.label end
  local e = self:push(name, { kind = "tiers", npos = n, scale = scale, labels = labels,
                              span = span(lo, hi, 1, scale.integral), source = source })
  self.inputs[#self.inputs + 1] = e
  return e
end

function Program:add_value_input(name, sp, source)
  assert(C.isms_stages_add_values(self.h, slot_out) == 0)
  local e = self:push(name, { kind = "values", npos = 0, span = sp, source = source })
  self.inputs[#self.inputs + 1] = e
  return e
end

function Program:add_records_input(name, sp, source)
  assert(C.isms_stages_add_records(self.h, slot_out) == 0)
  local e = self:push(name, { kind = "records", npos = 0, span = sp, source = source })
  self.inputs[#self.inputs + 1] = e
  return e
end

-- Adds one stage slot. def: { op, inputs (entries), weights, threshold,
-- table, mask (entry), bits, bands }.
function Program:add_stage(file, d, name, def, sp)
  local n = #def.inputs
  local ins = ffi.new("int[?]", n)
  for k, e in ipairs(def.inputs) do ins[k - 1] = e.index end
  local cdef = ffi.new("isms_stage_def")
  cdef.op, cdef.ninputs, cdef.inputs = def.op, n, ins
  local keep = { ins }
  if def.weights then
    local w = ffi.new("int64_t[?]", n)
    for k = 1, n do w[k - 1] = def.weights[k] end
    cdef.weights = w
    keep[#keep + 1] = w
  end
  cdef.threshold = def.threshold or 0
  if def.table then
    local t = ffi.new("int64_t[?]", #def.table + 1)
    for k, v in ipairs(def.table) do t[k - 1] = v end
    cdef.table = t
    keep[#keep + 1] = t
  end
  cdef.mask = def.mask and def.mask.index or -1
  if def.bits then
    local bits = ffi.new("int[?]", n)
    for k = 1, n do bits[k - 1] = def.bits[k] end
    cdef.bits = bits
    keep[#keep + 1] = bits
  end
  local bands = def.bands
  if bands then
    local ne = #bands.edges
    local edges = ffi.new("int64_t[?]", ne)
    for k, e in ipairs(bands.edges) do edges[k - 1] = e end
    cdef.nedges, cdef.edges = ne, edges
    keep[#keep + 1] = edges
    if bands.values then
      local bv = ffi.new("int64_t[?]", ne + 1)
      for k, v in ipairs(bands.values) do bv[k - 1] = v end
      cdef.band_values = bv
      keep[#keep + 1] = bv
    end
  end
  local rc = C.isms_stages_add(self.h, cdef, slot_out)
  self.keep[1] = keep  -- alive until the call returned (C copies them)
  if rc ~= 0 then self:fail_rc(file, d, nil) end
  local e = self:push(name, { kind = "stage", npos = bands and #bands.labels or 0,
                              labels = bands and bands.labels, bands = bands,
                              den = C.isms_stages_slot_den(self.h, slot_out[0]), def = def,
                              span = sp, decl = d })
  if sp and (math.abs(sp.lo) >= MAX_EXACT * sp.den and sp.lo > -INF or
             math.abs(sp.hi) >= MAX_EXACT * sp.den and sp.hi < INF) then
    fail(file, d, nil, ("values reach %s, beyond the 9e9 isms keeps exact to 6 decimal places")
         :format(("%.6g"):format((math.abs(sp.hi) > math.abs(sp.lo) and sp.hi or sp.lo) / sp.den
                                 / UNIT)))
  end
  return e
end

-- The span of a banded stage's values: its band values if it has them.
local function banded_span(sp, bands)
  if not bands or not bands.values then return sp end
  local lo, hi, whole = INF, -INF, true
  for _, v in ipairs(bands.values) do
    lo, hi = math.min(lo, v), math.max(hi, v)
    whole = whole and v % UNIT == 0
  end
  return span(lo, hi, 1, whole)
end

-- Cells of a table over the inputs' positions (first input fastest):
-- calls fn(positions) for each; returns the list (1-based) of values.
local function table_cells(inputs, fn)
  local sizes, total = {}, 1
  for k, e in ipairs(inputs) do sizes[k] = e.npos; total = total * e.npos end
  local cells = {}
  local pos = {}
  for cell = 0, total - 1 do
    local c = cell
    for k = 1, #inputs do pos[k] = c % sizes[k] + 1; c = math.floor(c / sizes[k]) end
    cells[cell + 1] = fn(pos)
  end
  return cells, total
end

M.table_cells = table_cells

--- The input entry of a ref, created on first use.
local function input_of(prog, ctx, ref)
  local e = prog.by_name[ref.name]
  if e then return e end
  if ref.kind == "asset" then
    return prog:add_scale_input(ref.name, ctx.scales[ref.prop], ref)
  elseif ref.kind == "asset_class" or ref.kind == "asset_type" then
    -- categories as tiers: the classes in declared order, or the six
    -- asset types, valued 1..n (a matrix or a function reads them)
    local names = {}
    if ref.kind == "asset_class" then
      for k, c in ipairs(ctx.classes) do names[k] = c.name end
    else
      names = { "information", "software", "physical", "service", "people", "intangible" }
    end
    local positions = {}
    for k, n in ipairs(names) do positions[k] = { micro = k * UNIT, label = n } end
    return prog:add_scale_input(ref.name, { positions = positions, ntiers = #positions,
                                            integral = true }, ref)
  elseif ref.kind == "asset_value" then
    local sp = ctx.asset_span or span(-INF, INF, 1, false)
    return prog:add_value_input(ref.name, sp, ref)
  elseif ref.kind == "affects" then
    return prog:add_value_input(ref.name, span(0, 7, 1, true), ref)
  elseif ref.kind == "threat_rating" or ref.kind == "vulnerability_rating" then
    return prog:add_scale_input(ref.name, ctx.scales[ref.scale], ref)
  elseif ref.kind == "records" then
    local el
    if ref.attr == "value" then
      el = ctx.asset_span or span(-INF, INF, 1, false)
    else
      local s = ctx.scales[ref.attr]
      local lo, hi = INF, -INF
      for _, t in ipairs(s.positions) do
        if not t.not_rated then lo, hi = math.min(lo, t.micro), math.max(hi, t.micro) end
      end
      el = span(lo, hi, 1, s.integral)
    end
    return prog:add_records_input(ref.name, el, ref)
  end
  error("no input for " .. tostring(ref.name))
end

local function describe_positions(inputs, pos)
  local parts = {}
  for k, e in ipairs(inputs) do
    parts[#parts + 1] = e.name .. "=" .. tostring(e.labels and e.labels[pos[k]] or pos[k])
  end
  return table.concat(parts, ", ")
end

-- The argument a rule-file function gets for one cell: { name = tier
-- value (number) | band label (string) }.
local function cell_args(inputs, pos)
  local t = {}
  for k, e in ipairs(inputs) do
    if e.kind == "tiers" then
      t[e.name:gsub("^asset%.", "")] = decimal.to_number(e.scale.positions[pos[k]].micro)
    else
      t[e.name] = e.labels[pos[k]]
    end
  end
  return t
end

--- A tabulated function over inputs with positions: calls the rule file
-- once per cell (in the sandbox, `call`), skipping not rated positions.
local function tabulate_function(file, d, field, inputs, call)
  local total = 1
  for k, e in ipairs(inputs) do
    if e.npos < 1 then
      fail(file, d, ("inputs[%d]"):format(k), ("a function is tabulated over its inputs' tiers; " ..
           "'%s' has none (use a built-in reduction, or band it)"):format(e.name))
    end
    total = total * e.npos
  end
  if total > M.MAX_TABLE then
    fail(file, d, field, ("a function of these inputs is a table of %d cells, more than %d; " ..
         "split it into stages"):format(total, M.MAX_TABLE))
  end
  local calls, where = {}, {}
  local cells = table_cells(inputs, function(pos)
    for k, e in ipairs(inputs) do
      if e.kind == "tiers" and e.scale.positions[pos[k]].not_rated then return false end
    end
    calls[#calls + 1] = { decl = d, field = field, args = { cell_args(inputs, pos) } }
    where[#calls] = { unpack(pos) }
    return #calls
  end)
  local results = #calls > 0 and call(calls) or {}
  local fline = d.fields[field] and d.fields[field].line or d.line
  local out = {}
  for cell, slot in ipairs(cells) do
    if slot == false then
      out[cell] = M.NR
    else
      local r = results[slot]
      local desc = describe_positions(inputs, where[slot])
      if not r.ok then
        local msg = r.error:find("^.-:%d+:") and r.error
          or ("%s:%d: %s: %s: %s"):format(d.file or file, fline, d.kind, field, r.error)
        error({ msg = ("%s (%s, for %s)"):format(msg, field, desc) })
      end
      local micro, why = decimal.round(r.value)
      if not micro then
        fail(file, { kind = d.kind, name = d.name, line = fline, file = d.file }, field,
             ("for %s: %s, got %s"):format(desc, why, tostring(r.value)))
      end
      out[cell] = micro
    end
  end
  return out
end

local function table_span(cells)
  local lo, hi, whole = INF, -INF, true
  for _, v in ipairs(cells) do
    if v ~= M.NR then
      lo, hi = math.min(lo, v), math.max(hi, v)
      whole = whole and v % UNIT == 0
    end
  end
  if lo == INF then lo, hi = 0, 0 end
  return span(lo, hi, 1, whole)
end

-- A matrix over two inputs with positions: rows first input.
local function matrix_table(file, md, rows, cols, level_by_name)
  local cells = md.fields.cells
  local nrows, ncols = rows.npos, cols.npos
  local function rated_count(e)
    if e.kind == "tiers" then return e.scale.ntiers end
    return e.npos
  end
  local rr, rc = rated_count(rows), rated_count(cols)
  if type(cells) ~= "table" or #cells ~= rr then
    fail(file, md, "cells", ("expected %d rows (the %d %s of %s), got %s")
         :format(rr, rr, rows.kind == "tiers" and "tiers" or "bands", rows.name,
                 type(cells) == "table" and #cells or type(cells)))
  end
  local names
  for r = 1, rr do
    local row = cells[r]
    if type(row) ~= "table" or #row ~= rc then
      fail(file, md, ("cells[%d]"):format(r), ("expected %d cells (the %d %s of %s), got %s")
           :format(rc, rc, cols.kind == "tiers" and "tiers" or "bands", cols.name,
                   type(row) == "table" and #row or type(row)))
    end
    for c = 1, rc do
      local v = row[c]
      local at = ("cells[%d][%d]"):format(r, c)
      local is_name = type(v) == "string"
      if names == nil then names = is_name end
      if is_name ~= names or (type(v) ~= "string" and type(v) ~= "number") then
        fail(file, md, at, "cells must be all level names or all numbers")
      end
      if is_name and not (level_by_name and level_by_name[v:lower()]) then
        fail(file, md, at, level_by_name and ("no risk_level named '%s'"):format(v)
             or "a stage's matrix holds numbers; only the risk_score's matrix names levels")
      end
    end
  end
  local out = {}
  for cell = 0, nrows * ncols - 1 do
    local r, c = cell % nrows + 1, math.floor(cell / nrows) + 1
    local v = r <= rr and c <= rc and cells[r][c] or nil
    if v == nil then
      out[cell + 1] = M.NR
    elseif names then
      out[cell + 1] = level_by_name[v:lower()].rank * UNIT
    else
      local micro, why = decimal.from_number(v)
      if not micro then fail(file, md, ("cells[%d][%d]"):format(r, c), why) end
      out[cell + 1] = micro
    end
  end
  return out, names
end

M.matrix_table = matrix_table

--- Builds the program of the checked stages (in order) into prog.
-- Returns nothing; prog.by_name[stage] holds each stage's entry.
function M.build(file, prog, ctx, ordered, call)
  for _, f in ipairs(ctx.factors) do
    if not prog.by_name[f.name] then prog:add_scale_input(f.name, f.scale, { kind = "factor" }) end
  end
  for _, st in ipairs(ordered) do
    local d = st.decl
    local entries = {}
    local prop_at
    for k, ref in ipairs(st.refs) do
      if ref.kind == "prop" then prop_at = k
      elseif ref.kind == "stage" or ref.kind == "factor" then entries[k] = prog.by_name[ref.name]
      else entries[k] = input_of(prog, ctx, ref) end
    end
    local bands = st.bands
    if st.properties then
      -- one hidden stage per property, then the reduction over the subset
      local variants, bits = {}, {}
      for _, p in ipairs(st.properties) do
        local ins = {}
        for k = 1, #st.refs do ins[k] = entries[k] end  -- entries[prop_at] is nil
        ins[prop_at] = input_of(prog, ctx, { kind = "asset", prop = p, name = "asset." .. p })
        local spans = {}
        for k, e in ipairs(ins) do spans[k] = value_span(e.span) end
        local sp = reduce_span(st.combine, spans, st.weights, st.at_least)
        variants[#variants + 1] = prog:add_stage(file, d, st.name .. "[" .. p .. "]",
          { op = BUILTIN[st.combine], inputs = ins, weights = st.weights,
            threshold = st.at_least }, sp)
        variants[#variants].property = p
        bits[#bits + 1] = PROP_BIT[p]
      end
      local mask = st.affected and input_of(prog, ctx, { kind = "affects", name = "threat.affects" })
      local spans = {}
      for k, e in ipairs(variants) do spans[k] = value_span(e.span) end
      local sp = st.affected and subset_span(st.reduce, spans) or reduce_span(st.reduce, spans)
      local e = prog:add_stage(file, d, st.name, { op = REDUCE[st.reduce], inputs = variants,
        mask = mask or nil, bits = mask and bits or nil, bands = bands }, sp)
      e.span = banded_span(e.span, bands)
      e.stage, e.variants = st, variants
    elseif st.combine == "function" then
      local cells = tabulate_function(file, d, "combine", entries, call)
      local e = prog:add_stage(file, d, st.name, { op = C.ISMS_OP_TABLE, inputs = entries,
        table = cells, bands = bands }, table_span(cells))
      e.span = banded_span(e.span, bands)
      e.stage, e.tabulated = st, #cells
    elseif st.combine == "matrix" then
      local rows, cols = entries[1], entries[2]
      for k, e in ipairs({ rows, cols }) do
        if e.npos < 1 then
          fail(file, st.matrix_decl, k == 1 and "rows" or "columns",
               ("'%s' has no tiers or bands; expected a factor, a banded risk_stage or asset.C/I/A")
               :format(e.name))
        end
      end
      local cells = matrix_table(file, st.matrix_decl, rows, cols, nil)
      local e = prog:add_stage(file, d, st.name, { op = C.ISMS_OP_TABLE, inputs = { rows, cols },
        table = cells, bands = bands }, table_span(cells))
      e.span = banded_span(e.span, bands)
      e.stage, e.matrix = st, st.matrix_decl
    else
      local spans = {}
      for k, e in ipairs(entries) do
        spans[k] = e.kind == "records" and e.span or value_span(e.span)
      end
      local sp
      if entries[1].kind == "records" then
        local el = spans[1]
        if st.combine == "count" then sp = span(0, INF, 1, true)
        elseif st.combine == "sum" then
          sp = span(el.lo < 0 and -INF or 0, el.hi > 0 and INF or 0, 1, el.whole)
        else
          sp = span(el.lo, el.hi, 1, st.combine ~= "mean" and el.whole)
        end
      else
        sp = reduce_span(st.combine, spans, st.weights, st.at_least)
      end
      local e = prog:add_stage(file, d, st.name, { op = BUILTIN[st.combine], inputs = entries,
        weights = st.weights, threshold = st.at_least, bands = bands }, sp)
      e.span = banded_span(e.span, bands)
      e.stage = st
    end
  end
end

M.span, M.reduce_span, M.value_span = span, reduce_span, value_span
M.tabulate_function, M.input_of, M.BUILTIN, M.new_program = tabulate_function, input_of,
  BUILTIN, new_program
M.Program = Program

-- ------------------------------------------------------------ running

--- Runs the program on rows given as Lua tables of inputs:
-- rows[i] = { [input name] = position (tiers) | millionths (values) |
--   list of millionths (records) }; a missing input is not rated.
-- @treturn table { score = {...}, rank = {...} } and, with trace, the
--   per-slot numerators and positions: trace[i][slot index + 1] = { num, pos }
function M.run(prog, rows, trace)
  local n = #rows
  local N = math.max(n, 1)
  local nslots = #prog.slots
  local cols = ffi.new("isms_stage_column[?]", nslots)
  local keep = {}
  for _, e in ipairs(prog.inputs) do
    local c = cols[e.index]
    if e.kind == "tiers" then
      local a = ffi.new("uint8_t[?]", N)
      for i = 1, n do a[i - 1] = rows[i][e.name] or 0 end
      c.tiers = a
      keep[#keep + 1] = a
    elseif e.kind == "values" then
      local a = ffi.new("int64_t[?]", N)
      for i = 1, n do
        local v = rows[i][e.name]
        a[i - 1] = v == nil and M.NR or v
      end
      c.values = a
      keep[#keep + 1] = a
    else
      local total, any = 0, false
      for i = 1, n do
        local list = rows[i][e.name]
        if list then any = true; total = total + #list end
      end
      if any then
        local off = ffi.new("uint32_t[?]", n + 1)
        local vals = ffi.new("int64_t[?]", math.max(total, 1))
        local at = 0
        for i = 1, n do
          off[i - 1] = at
          for _, v in ipairs(rows[i][e.name] or {}) do vals[at] = v; at = at + 1 end
        end
        off[n] = at
        c.offsets, c.values = off, vals
        keep[#keep + 1] = off
        keep[#keep + 1] = vals
      end
    end
  end
  local out = { score = {}, rank = {} }
  local score = ffi.new("int64_t[?]", N)
  local rank = ffi.new("int16_t[?]", N)
  assert(C.isms_stages_run(prog.h, n, cols, score, rank) == 0)
  out._keep = keep  -- the columns stay alive while C reads them
  for i = 1, n do out.score[i], out.rank[i] = tonumber(score[i - 1]), rank[i - 1] end
  if trace then
    local num = ffi.new("int64_t[?]", N * nslots)
    local pos = ffi.new("uint16_t[?]", N * nslots)
    assert(C.isms_stages_trace(prog.h, n, cols, num, pos) == 0)
    out.trace = {}
    for i = 1, n do
      local t = {}
      for s = 1, nslots do
        local v = num[(i - 1) * nslots + s - 1]
        t[s] = { num = v ~= M.NR and tonumber(v) or nil, pos = pos[(i - 1) * nslots + s - 1] }
      end
      out.trace[i] = t
    end
  end
  return out
end

return M
