--- Methodologies: validating a rule file and compiling it into libisms.
-- The rule file declares scales, how C, I and A combine into asset classes
-- (docs/rule-files.md) and how risks are scored, banded and accepted
-- (docs/risk-rules.md, lua/isms/risk_method.lua). Everything is checked
-- here with the file and line of the offending declaration, then built
-- into C lookup tables (isms_method_*, isms_scorer_*), which value assets
-- and score risks without running Lua per row.
local b = require "isms.store._ffi"
local rules = require "isms.rules"
local check = require "isms.rules.check"
local decimal = require "isms.store.decimal"
local risk_method = require "isms.method.risk_method"
local Risk = require "isms.method.risk_view"
local scales = require "isms.method.scale"

local ffi, C = b.ffi, b.C
local M = {}
local Methodology = {}
Methodology.__index = Methodology

local DIMS = { C = 0, I = 1, A = 2 }
local DIM_ORDER = { "C", "I", "A" }
local MAX_EXTENDS = 8
local COMBINE = { product = 0, sum = 1, max = 2 }

local ALLOWED = {
  methodology = { title = true, description = true, reference = true, version = true,
                  extends = true },
  asset_value = { combine = true, description = true, weights = true },
  asset_class = { values = true, range = true, description = true, title = true },
}

local fail = check.fail
local check_fields, check_string = check.fields, check.string

local function check_class(file, decl)
  local f = decl.fields
  check_fields(file, decl, f, ALLOWED.asset_class)
  check_string(file, decl, "name", decl.name)
  if f.values == nil and f.range == nil then
    fail(file, decl, nil, "give values = { ... } or range = { lo, hi }")
  end
  if f.values ~= nil then
    if type(f.values) ~= "table" or #f.values == 0 then
      fail(file, decl, "values", "expected a non-empty list of numbers")
    end
    for k, v in ipairs(f.values) do
      if type(v) ~= "number" then
        fail(file, decl, ("values[%d]"):format(k), "expected a number, got " .. type(v))
      end
    end
  end
  if f.range ~= nil then
    local r = f.range
    if type(r) ~= "table" or type(r[1]) ~= "number" or type(r[2]) ~= "number" or r[1] > r[2] then
      fail(file, decl, "range", "expected { lo, hi } with lo <= hi")
    end
  end
end

-- The values asset valuation can give, in millionths, as a span for the
-- stages that read asset.value (nil if the file values no assets).
local function asset_span(spec)
  if not spec.valuation then return nil end
  local lo, hi, whole = math.huge, -math.huge, true
  local n = { #spec.scales.C.tiers, #spec.scales.I.tiers, #spec.scales.A.tiers }
  for c = 1, n[1] do
    for i = 1, n[2] do
      for a = 1, n[3] do
        local v
        if spec.weights then
          v = spec.weights.C * c + spec.weights.I * i + spec.weights.A * a
        elseif spec.combine == "sum" then v = (c + i + a) * decimal.UNIT
        elseif spec.combine == "max" then v = math.max(c, i, a) * decimal.UNIT
        else v = c * i * a * decimal.UNIT end
        lo, hi = math.min(lo, v), math.max(hi, v)
        whole = whole and v % decimal.UNIT == 0
      end
    end
  end
  return { lo = lo, hi = hi, den = 1, whole = whole }
end

-- Validates declarations and returns a plain description of the method.
local function validate(file, decls, call)
  local spec = { file = file, scales = {}, classes = {}, combine = "product" }
  for _, decl in ipairs(decls) do
    local kind = decl.kind
    if type(decl.fields) ~= "table" then decl.fields = {} end
    local f = decl.fields
    if kind == "methodology" then
      check_fields(file, decl, f, ALLOWED.methodology)
      if spec.decl then fail(file, decl, nil, ("a file declares one methodology (first at line %d)")
                                        :format(spec.decl.line)) end
      check_string(file, decl, "name", decl.name)
      check_string(file, decl, "version", f.version, true)
      spec.decl, spec.name = decl, decl.name
      spec.title, spec.description, spec.reference = f.title, f.description, f.reference
      spec.version, spec.extends = f.version, f.extends
    elseif kind == "scale" then
      if spec.scales[decl.name] then
        fail(file, decl, nil, ("scale declared twice (first at line %d)")
             :format(spec.scales[decl.name].line))
      end
      local scale = { name = decl.name, title = f.title, line = decl.line, decl = decl }
      scales.check(file, decl, scale)
      spec.scales[decl.name] = scale
    elseif kind == "asset_value" then
      check_fields(file, decl, f, ALLOWED.asset_value)
      local how = f.combine or (f.weights ~= nil and "sum") or "product"
      if COMBINE[how] == nil then
        fail(file, decl, "combine", ("unknown rule '%s'; expected product, sum or max")
             :format(tostring(how)))
      end
      spec.combine, spec.value_line = how, decl.line
      if f.weights ~= nil then
        -- combine = "sum" with weights: the weighted sum wC x C + wI x I + wA x A
        if how ~= "sum" then
          fail(file, decl, "weights", "only with combine = \"sum\" (a weighted sum)")
        end
        if type(f.weights) ~= "table" then
          fail(file, decl, "weights", "expected { C = weight, I = weight, A = weight }")
        end
        for k in pairs(f.weights) do
          if DIMS[k] == nil then fail(file, decl, "weights." .. tostring(k), "not C, I or A") end
        end
        spec.weights = {}
        for _, d in ipairs(DIM_ORDER) do
          local w = f.weights[d]
          if w == nil then fail(file, decl, "weights", ("no weight for %s"):format(d)) end
          local micro, why = decimal.from_number(w)
          if not micro then fail(file, decl, "weights." .. d, why) end
          if micro < 0 then fail(file, decl, "weights." .. d, "must not be negative") end
          spec.weights[d] = micro
        end
        spec.combine = "weighted"
      end
    elseif kind == "asset_class" then
      check_class(file, decl)
      for _, other in ipairs(spec.classes) do
        if other.name == decl.name then
          fail(file, decl, nil, ("class declared twice (first at line %d)"):format(other.line))
        end
      end
      spec.classes[#spec.classes + 1] = { name = decl.name, line = decl.line, kind = kind,
                                          file = decl.file, values = f.values, range = f.range,
                                          description = f.description, title = f.title }
    elseif not risk_method.KINDS[kind] and kind ~= "roadmap_step"
        and not kind:match("^quant_") then  -- quantitative words: isms.quant.model
      fail(file, decl, nil, "not a methodology word; catalogs and roadmaps have files of their own")
    end
  end
  if not spec.decl then
    error({ msg = file .. ":1: no methodology declared; start with methodology \"name\" { ... }" })
  end
  -- Asset valuation is all or nothing: C, I, A and at least one class.
  -- A file values assets if it declares classes or a combine rule, or all
  -- of C, I and A; a lone "I" may be a risk factor (impact).
  local all_cia = spec.scales.C and spec.scales.I and spec.scales.A
  -- C, I and A rated as risk factors (CVSS's metrics) are not a valuation
  for _, decl in ipairs(decls) do
    local factors = decl.kind == "risk_score" and decl.fields.factors
    if type(factors) == "table" then
      for _, name in ipairs(factors) do
        if DIMS[name] then all_cia = false end
      end
    end
  end
  spec.valuation = (all_cia or #spec.classes > 0 or spec.value_line ~= nil) and true or false
  if spec.valuation then
    for _, d in ipairs(DIM_ORDER) do
      if not spec.scales[d] then
        fail(file, spec.decl, nil, ("scale %s is missing; asset valuation needs scales C, I and A")
             :format(d))
      end
    end
    for _, d in ipairs(DIM_ORDER) do
      scales.check_asset(file, spec.scales[d].decl, spec.scales[d])
    end
    if #spec.classes == 0 then
      fail(file, spec.decl, nil, "no asset_class declared")
    end
  end
  spec.risk = risk_method.build(file, decls, spec.scales, spec.classes, call,
                                { valuation = spec.valuation, asset_span = asset_span(spec) })
  if not spec.valuation and not spec.risk then
    fail(file, spec.decl, nil, "declares neither asset valuation (scales C, I, A and asset_class) "
         .. "nor risk scoring (risk_score)")
  end
  local factor = {}
  for _, f in ipairs(spec.risk and spec.risk.factors or {}) do factor[f.name] = true end
  -- scales the stages read from the asset (asset.C, assets.I, per property)
  local prog = spec.risk and spec.risk.program
  for _, e in ipairs(prog and prog.inputs or {}) do
    if e.scale and e.scale.name then factor[e.scale.name] = true end
    if e.source and e.source.attr then factor[e.source.attr] = true end
  end
  for name, scale in pairs(spec.scales) do
    if not (spec.valuation and DIMS[name]) and not factor[name] then
      fail(file, scale.decl, nil, "not used: not C, I or A, and not a factor of risk_score")
    end
  end
  return spec
end

local class_idx = ffi.new("int[1]")

local function check_rc(spec, h, rc, decl)
  if rc ~= 0 then
    fail(spec.file, decl or spec.decl, nil, ffi.string(C.isms_method_errmsg(h)))
  end
end

-- Builds and compiles the C tables of asset valuation.
local function compile(spec)
  local out = ffi.new("isms_method *[1]")
  if C.isms_method_new(spec.name, out) ~= 0 then error({ msg = "out of memory" }) end
  local h = ffi.gc(out[0], C.isms_method_free)
  for _, d in ipairs(DIM_ORDER) do
    local scale = spec.scales[d]
    for _, tier in ipairs(scale.tiers) do
      check_rc(spec, h, C.isms_method_add_tier(h, DIMS[d], tier.value, tier.label), scale)
      for _, alias in ipairs(tier.aliases or {}) do
        check_rc(spec, h, C.isms_method_add_alias(h, DIMS[d], tier.value, alias), scale)
      end
    end
  end
  if spec.weights then
    check_rc(spec, h, C.isms_method_set_weights(h, spec.weights.C, spec.weights.I, spec.weights.A))
  else
    check_rc(spec, h, C.isms_method_set_combine(h, COMBINE[spec.combine]))
  end
  for _, cls in ipairs(spec.classes) do
    check_rc(spec, h, C.isms_method_add_class(h, cls.name, class_idx), cls)
    local idx = class_idx[0]
    for _, v in ipairs(cls.values or {}) do
      check_rc(spec, h, C.isms_method_class_add_value(h, idx, v), cls)
    end
    if cls.range then
      check_rc(spec, h, C.isms_method_class_add_range(h, idx, cls.range[1], cls.range[2]), cls)
    end
  end
  if C.isms_method_compile(h) ~= 0 then
    -- Point at the class the fault names last (an overlap), else at the
    -- asset_value declaration (a gap).
    local msg = ffi.string(C.isms_method_errmsg(h))
    local blamed
    for name in msg:gmatch("class '([^']+)'") do
      for _, cls in ipairs(spec.classes) do
        if cls.name == name then blamed = cls end
      end
    end
    local at = blamed or { kind = "asset_value", line = spec.value_line or spec.decl.line }
    fail(spec.file, at, nil, msg)
  end
  return h
end

-- Kinds declared at most once: a child's replaces its parent's.
local SINGLE = { methodology = true, risk_score = true, asset_value = true }

-- Evaluates a file and, through `extends`, its ancestors; returns one
-- declaration list in which a child's declaration replaces its parent's of
-- the same kind and name (in place, so levels keep their order) and
-- `remove = true` drops it. Each declaration remembers its file and its
-- index there, so functions can later be called in the right file.
local function load_decls(path, depth, seen)
  if depth > MAX_EXTENDS then
    error({ msg = path .. ": methodology extends more than " .. MAX_EXTENDS .. " levels deep" })
  end
  if seen[path] then error({ msg = path .. ": methodology extends itself (a cycle)" }) end
  seen[path] = true
  local decls, err = rules.eval(path)
  if not decls then error({ msg = err, code = "RULE" }) end
  local head
  for k, d in ipairs(decls) do
    d.file, d.index = path, k
    if type(d.fields) ~= "table" then d.fields = {} end
    if d.kind == "methodology" then head = head or d end
  end
  local parent = head and head.fields.extends
  if parent == nil then return decls end
  if type(parent) ~= "string" or parent == "" then
    check.fail(path, head, "extends", "expected the name or path of a methodology")
  end
  local ppath, perr = rules.find("methodologies", parent, path)
  if not ppath then check.fail(path, head, "extends", perr) end
  local merged = load_decls(ppath, depth + 1, seen)
  local function key(d) return d.kind .. "\0" .. (SINGLE[d.kind] and "" or tostring(d.name)) end
  for _, d in ipairs(decls) do
    local k, at = key(d), nil
    for j, old in ipairs(merged) do if key(old) == k then at = j end end
    if d.fields.remove ~= nil then
      if d.fields.remove ~= true or next(d.fields, next(d.fields)) ~= nil then
        check.fail(path, d, "remove", "write remove = true alone to drop an inherited declaration")
      end
      if not at then check.fail(path, d, "remove", "nothing inherited by that kind and name") end
      table.remove(merged, at)
    elseif at then
      merged[at] = d
    else
      merged[#merged + 1] = d
    end
  end
  return merged
end

local call_functions = rules.call_functions

--- Loads a methodology by name (searched on the rules path) or by path.
-- @tparam string spec "qism-fmea" or "path/to/file.lua"
-- @treturn Methodology|nil the compiled methodology, or nil, message, code
function M.load(spec)
  if type(spec) ~= "string" then error("methodology.load: expected a name or path", 2) end
  local path, err = rules.find("methodologies", spec)
  if not path then return nil, err, "NOTFOUND" end
  local ok, result = pcall(function()
    local decls = load_decls(path, 1, {})
    local s = validate(path, decls, call_functions)
    local m = setmetatable({ spec = s, decls = decls }, Methodology)
    if s.valuation then m.handle = compile(s) end
    if s.risk then
      m.scorer = risk_method.compile(s.risk)
      Risk.check_predicates(m)
    end
    return m
  end)
  if ok then return result end
  if type(result) == "table" then return nil, result.msg, result.code or "RULE" end
  error(result, 0)
end

--- Names of the methodologies on the rules path.
function M.list() return rules.list("methodologies") end

function Methodology:name() return self.spec.name end
function Methodology:version() return self.spec.version end
function Methodology:reference() return self.spec.reference end
function Methodology:description() return self.spec.description end
--- Does it value assets (C, I, A and classes)?
function Methodology:values_assets() return self.spec.valuation end
--- Does it score risks?
function Methodology:scores_risks() return self.spec.risk ~= nil end
--- Warnings found while loading (band values no combination reaches).
function Methodology:warnings()
  local list = {}
  for _, w in ipairs(self.spec.risk and self.spec.risk.warnings or {}) do list[#list + 1] = w end
  return list
end
function Methodology:file() return self.spec.file end
function Methodology:title() return self.spec.title end
function Methodology:combine() return self.spec.combine end

--- The tiers of a scale, in the order of their positions (ascending
-- value, the not rated tier last): list of {value, label, description,
-- aliases, position, not_rated}.
function Methodology:tiers(dim)
  local scale = self.spec.scales[dim]
  local prog = self.spec.risk and self.spec.risk.program
  local stage = not scale and prog and prog.by_name[dim]
  if stage and stage.bands then
    -- a banded stage's bands, as the tiers of a matrix axis
    local list = {}
    for p, label in ipairs(stage.bands.labels) do
      list[p] = { value = p, label = label, position = p, description = stage.bands.descriptions[p] }
    end
    return list
  end
  if not scale then error("tiers: no scale named " .. tostring(dim), 2) end
  local list = {}
  for p, t in ipairs(scale.positions) do
    list[p] = { value = t.value, label = t.label, description = t.description,
                aliases = t.aliases, position = p, not_rated = t.not_rated or nil }
  end
  return list
end

--- The classes in declaration order: list of {name, values, range, description}.
function Methodology:classes()
  local list = {}
  for _, c in ipairs(self.spec.classes) do
    list[#list + 1] = { name = c.name, values = c.values, range = c.range,
                        description = c.description, title = c.title }
  end
  return list
end

local level_out = ffi.new("int[1]")

--- Parses a C/I/A cell ("Secret", "high", "3").
-- @treturn integer|nil the tier value (0 for empty), or nil and the reason
function Methodology:parse(dim, text)
  if DIMS[dim] == nil then return self:parse_rating(dim, text) end
  if not self.handle then return nil, self.spec.name .. " does not value assets", "INPUT" end
  text = tostring(text)
  if C.isms_method_parse_level(self.handle, DIMS[dim], text, #text, level_out) ~= 0 then
    return nil, ffi.string(C.isms_method_errmsg(self.handle)), "INPUT"
  end
  return level_out[0]
end

local value_out = ffi.new("double[1]")
local class_out = ffi.new("int[1]")

--- Values one asset from tier values.
-- @treturn number,string|nil the combined value and class name (nil if unvalued)
function Methodology:value(c, i, a)
  if not self.handle then return nil, self.spec.name .. " does not value assets", "INPUT" end
  if C.isms_method_value(self.handle, c, i, a, value_out, class_out) ~= 0 then
    return nil, ffi.string(C.isms_method_errmsg(self.handle)), "INPUT"
  end
  if class_out[0] < 0 then return nil end
  return value_out[0], ffi.string(C.isms_method_class_name(self.handle, class_out[0]))
end

--- Checks one `scale` declaration (tiers 1..N, unique labels and aliases)
-- for the other registers' rule files that rate on scales (incidents,
-- suppliers); raises { msg } like the loader.
M.check_scale = scales.check

-- Risk scoring: factors, levels, score, acceptable, ... (isms.risk_view).
for name, fn in pairs(Risk.methods) do Methodology[name] = fn end

--- Explains one risk's result step by step (lua/isms/method/explain.lua):
-- inputs, stages with formulas, level, acceptance criteria.
-- @treturn table|nil the explanation, or nil and the reason
function Methodology:explain(risk, opts) return require("isms.method.explain").explain(self, risk, opts) end

--- The explanation as text.
function Methodology:explain_text(risk, opts)
  local explain = require "isms.method.explain"
  local e, why = explain.explain(self, risk, opts)
  if not e then return nil, why end
  return explain.text(e)
end

--- Explains one asset's valuation: tiers, formula, value, class band.
function Methodology:explain_value(asset)
  return require("isms.method.explain").explain_value(self, asset)
end

--- How the score runs: one line per stage, saying which are lookups in
-- a table and which are kernels over columns (see `isms methodology check`).
function Methodology:plan()
  local r = self.spec.risk
  if not r then return {} end
  local lines = {}
  if r.tabulated then
    local cells = 1
    for _, f in ipairs(r.factors) do cells = cells * f.ntiers end
    lines[1] = ("risk_score: a lookup in a table of %d cells (every combination of %s)")
      :format(cells, table.concat(self:factors(), ", "))
    return lines
  end
  for _, e in ipairs(r.program.slots) do
    if e.kind == "stage" and not e.name:find("%[") then
      local what = e.def.op == C.ISMS_OP_TABLE and ("a lookup in a table of %d cells"):format(#e.def.table)
        or ("a kernel over %d column%s"):format(#e.def.inputs, #e.def.inputs == 1 and "" or "s")
      lines[#lines + 1] = ("%s '%s': %s%s"):format(e == r.result and not e.stage and "risk_score"
        or "risk_stage", e.name, what, e.variants and (", per property (" .. #e.variants .. ")") or "")
    end
  end
  return lines
end

return M
