--- Methodologies: validating a rule file and compiling it into libisms.
-- The rule file declares scales, how C, I and A combine and the asset
-- classes (see docs/rule-files.md). Everything is checked here with the
-- file and line of the offending declaration, then built into C lookup
-- tables (isms_method_*), which value assets without running Lua per row.
local b = require "isms._ffi"
local rules = require "isms.rules"

local ffi, C = b.ffi, b.C
local M = {}
local Methodology = {}
Methodology.__index = Methodology

local DIMS = { C = 0, I = 1, A = 2 }
local DIM_ORDER = { "C", "I", "A" }
local MAX_TIER = 15
local COMBINE = { product = 0, sum = 1, max = 2 }

local ALLOWED = {
  methodology = { title = true, description = true, reference = true, version = true },
  scale = { title = true, description = true, tiers = true },
  tier = { value = true, label = true, description = true, aliases = true },
  asset_value = { combine = true, description = true },
  asset_class = { values = true, range = true, description = true, title = true },
}

-- Errors carry "file:line: what: field: reason", like a compiler's.
local function fail(file, decl, field, reason)
  local what = decl.kind .. (decl.name and (" '" .. tostring(decl.name) .. "'") or "")
  error({ msg = ("%s:%d: %s: %s%s"):format(file, decl.line or 0, what,
                                          field and (field .. ": ") or "", reason) })
end

local function is_int(v) return type(v) == "number" and v == math.floor(v) end

local function check_fields(file, decl, tbl, allowed, prefix)
  for k in pairs(tbl) do
    if not allowed[k] then
      local names = {}
      for n in pairs(allowed) do names[#names + 1] = n end
      table.sort(names)
      fail(file, decl, (prefix or "") .. tostring(k),
           "unknown field; expected one of " .. table.concat(names, ", "))
    end
  end
end

local function check_string(file, decl, field, v, optional)
  if v == nil and optional then return end
  if type(v) ~= "string" or v == "" then
    fail(file, decl, field, "expected a non-empty string, got " ..
         (v == nil and "nothing" or type(v) == "string" and "an empty string" or type(v)))
  end
end

local function check_scale(file, decl, scale)
  local f = decl.fields
  check_fields(file, decl, f, ALLOWED.scale)
  if DIMS[decl.name] == nil then
    fail(file, decl, nil, "unknown scale; asset valuation uses scales C, I and A")
  end
  local tiers = f.tiers
  if type(tiers) ~= "table" or #tiers == 0 then
    fail(file, decl, "tiers", "expected a list of tiers, e.g. { { value = 1, label = \"Low\" } }")
  end
  local seen_value, seen_word = {}, {}
  for k, tier in ipairs(tiers) do
    local at = ("tiers[%d]"):format(k)
    if type(tier) ~= "table" then fail(file, decl, at, "expected a table") end
    check_fields(file, decl, tier, ALLOWED.tier, at .. ".")
    local v = tier.value
    if not is_int(v) or v < 1 or v > MAX_TIER then
      fail(file, decl, at .. ".value", ("expected a whole number from 1 to %d, got %s")
           :format(MAX_TIER, tostring(v)))
    end
    if seen_value[v] then
      fail(file, decl, at .. ".value", ("tier %d is declared twice (also tiers[%d])")
           :format(v, seen_value[v]))
    end
    seen_value[v] = k
    check_string(file, decl, at .. ".label", tier.label)
    check_string(file, decl, at .. ".description", tier.description, true)
    local words = { tier.label }
    if tier.aliases ~= nil then
      if type(tier.aliases) ~= "table" then fail(file, decl, at .. ".aliases", "expected a list") end
      for j, alias in ipairs(tier.aliases) do
        check_string(file, decl, ("%s.aliases[%d]"):format(at, j), alias)
        words[#words + 1] = alias
      end
    end
    for _, word in ipairs(words) do
      local key = word:lower()
      if seen_word[key] then
        fail(file, decl, at, ("'%s' already names tier %d; labels and aliases must be unique")
             :format(word, seen_word[key]))
      end
      if tonumber(word) then fail(file, decl, at, ("label '%s' must not be a number"):format(word)) end
      seen_word[key] = v
    end
  end
  for v = 1, #tiers do
    if not seen_value[v] then
      fail(file, decl, "tiers", ("tiers must run 1..%d without gaps; tier %d is missing")
           :format(#tiers, v))
    end
  end
  scale.tiers = tiers
end

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

-- Validates declarations and returns a plain description of the method.
local function validate(file, decls)
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
      spec.decl, spec.name = decl, decl.name
      spec.title, spec.description, spec.reference = f.title, f.description, f.reference
    elseif kind == "scale" then
      if spec.scales[decl.name] then
        fail(file, decl, nil, ("scale declared twice (first at line %d)")
             :format(spec.scales[decl.name].line))
      end
      local scale = { name = decl.name, title = f.title, line = decl.line }
      check_scale(file, decl, scale)
      spec.scales[decl.name] = scale
    elseif kind == "asset_value" then
      check_fields(file, decl, f, ALLOWED.asset_value)
      local how = f.combine or "product"
      if COMBINE[how] == nil then
        fail(file, decl, "combine", ("unknown rule '%s'; expected product, sum or max")
             :format(tostring(how)))
      end
      spec.combine, spec.value_line = how, decl.line
    elseif kind == "asset_class" then
      check_class(file, decl)
      for _, other in ipairs(spec.classes) do
        if other.name == decl.name then
          fail(file, decl, nil, ("class declared twice (first at line %d)"):format(other.line))
        end
      end
      spec.classes[#spec.classes + 1] = { name = decl.name, line = decl.line, kind = kind,
                                          values = f.values, range = f.range,
                                          description = f.description, title = f.title }
    end
    -- Other kinds (risk matrices, acceptance, …) belong to later stages.
  end
  if not spec.decl then
    error({ msg = file .. ":1: no methodology declared; start with methodology \"name\" { ... }" })
  end
  for _, d in ipairs(DIM_ORDER) do
    if not spec.scales[d] then
      fail(file, spec.decl, nil, ("scale %s is missing; asset valuation needs scales C, I and A")
           :format(d))
    end
  end
  if #spec.classes == 0 then
    fail(file, spec.decl, nil, "no asset_class declared")
  end
  return spec
end

local class_idx = ffi.new("int[1]")

local function check_rc(spec, h, rc, decl)
  if rc ~= 0 then
    fail(spec.file, decl or spec.decl, nil, ffi.string(C.isms_method_errmsg(h)))
  end
end

-- Builds and compiles the C tables.
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
  check_rc(spec, h, C.isms_method_set_combine(h, COMBINE[spec.combine]))
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

--- Loads a methodology by name (searched on the rules path) or by path.
-- @tparam string spec "qism-fmea" or "path/to/file.lua"
-- @treturn Methodology|nil the compiled methodology, or nil, message, code
function M.load(spec)
  if type(spec) ~= "string" then error("methodology.load: expected a name or path", 2) end
  local path, err = rules.find("methodologies", spec)
  if not path then return nil, err, "NOTFOUND" end
  local decls, eerr, code = rules.eval(path)
  if not decls then return nil, eerr, code end
  local ok, result = pcall(function()
    local s = validate(path, decls)
    return setmetatable({ spec = s, handle = compile(s) }, Methodology)
  end)
  if ok then return result end
  if type(result) == "table" then return nil, result.msg, "RULE" end
  error(result, 0)
end

--- Names of the methodologies on the rules path.
function M.list() return rules.list("methodologies") end

function Methodology:name() return self.spec.name end
function Methodology:file() return self.spec.file end
function Methodology:title() return self.spec.title end
function Methodology:combine() return self.spec.combine end

--- The tiers of a scale ("C", "I" or "A"): list of {value, label, description, aliases}.
function Methodology:tiers(dim)
  local scale = self.spec.scales[dim]
  if not scale then error("tiers: expected C, I or A", 2) end
  local list = {}
  for _, t in ipairs(scale.tiers) do
    list[#list + 1] = { value = t.value, label = t.label, description = t.description,
                        aliases = t.aliases }
  end
  table.sort(list, function(x, y) return x.value < y.value end)
  return list
end

--- The classes in declaration order: list of {name, values, range, description}.
function Methodology:classes()
  local list = {}
  for _, c in ipairs(self.spec.classes) do
    list[#list + 1] = { name = c.name, values = c.values, range = c.range,
                        description = c.description }
  end
  return list
end

local level_out = ffi.new("int[1]")

--- Parses a C/I/A cell ("Secret", "high", "3").
-- @treturn integer|nil the tier value (0 for empty), or nil and the reason
function Methodology:parse(dim, text)
  if DIMS[dim] == nil then error("parse: expected C, I or A", 2) end
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
  if C.isms_method_value(self.handle, c, i, a, value_out, class_out) ~= 0 then
    return nil, ffi.string(C.isms_method_errmsg(self.handle)), "INPUT"
  end
  if class_out[0] < 0 then return nil end
  return value_out[0], ffi.string(C.isms_method_class_name(self.handle, class_out[0]))
end

return M
