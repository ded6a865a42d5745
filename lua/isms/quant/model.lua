--- The quantitative model of a methodology: its `quant_*` declarations
-- (docs/quantitative.md) validated into a plain description, and each risk's
-- estimates built from it -- before treatment and after, with the effect
-- of the controls its treatment selects.
--
-- A model is one `quant_model` (events, currency, run settings, the bands
-- that turn a loss statistic into the methodology's risk levels), tables of
-- estimates -- `quant_frequency` by threat id or threat class,
-- `quant_magnitude` by asset class, `quant_risk` for one risk -- the
-- effects and costs of controls (`quant_control`) and acceptance criteria
-- on a loss statistic (`quant_acceptance`). Faults are raised as
-- `file:line: kind 'name': field: reason`, the checks of the numbers
-- themselves coming from libisms (isms_dist_check), so the C engine and the
-- rule files agree on what is valid.
-- @module isms.quant.model
local b = require "isms.store._ffi"
local check = require "isms.rules.check"

local ffi, C = b.ffi, b.C
local fail, check_fields, check_string = check.fail, check.fields, check.string

local M = {}

M.DEFAULTS = { iterations = 100000, seed = 1, events = "poisson", currency = "EUR",
               metric = "mean", curve_points = 64, correlation = 0 }
M.METRICS = { mean = true, p50 = true, p90 = true, p95 = true, p99 = true, max = true }
M.MAX_ITERATIONS = 10000000
local EVENTS = { poisson = 0, product = 1 }
M.EVENTS = EVENTS

-- enum isms_dist_kind and isms_dist_role
local KIND = { none = 0, constant = 1, uniform = 2, triangular = 3, pert = 4, lognormal = 5 }
local PARAMS = { constant = 1, uniform = 2, triangular = 3, pert = 3, lognormal = 2 }
local ROLE = { rate = 0, probability = 1, amount = 2 }
M.KIND, M.ROLE = KIND, ROLE

local ALLOWED = {
  quant_model = { title = true, description = true, events = true, currency = true,
                  iterations = true, seed = true, correlation = true, metric = true,
                  bands = true, threshold = true, risk_threshold = true, curve_points = true },
  quant_frequency = { lef = true, tef = true, vulnerability = true, events = true,
                      description = true },
  quant_magnitude = { primary = true, secondary = true, secondary_probability = true,
                      multiply_by = true, description = true },
  quant_control = { frequency = true, vulnerability = true, magnitude = true, cost = true,
                    title = true, description = true },
  quant_acceptance = { metric = true, max = true, above = true, max_probability = true,
                       residual = true, when = true, description = true },
}
ALLOWED.quant_risk = {}
for k in pairs(ALLOWED.quant_frequency) do ALLOWED.quant_risk[k] = true end
for k in pairs(ALLOWED.quant_magnitude) do ALLOWED.quant_risk[k] = true end

local function is_number(v) return type(v) == "number" and v == v and v ~= math.huge
  and v ~= -math.huge end

-- ------------------------------------------------------------ distributions

local why_buf = ffi.new("char[256]")
local one_dist = ffi.new("isms_dist")

--- Checks a distribution with libisms; nil or the reason.
local function c_check(d, role)
  one_dist.kind, one_dist.a, one_dist.b, one_dist.c, one_dist.shape =
    KIND[d.kind], d.a or 0, d.b or 0, d.c or 0, d.shape or 0
  if C.isms_dist_check(one_dist, ROLE[role], why_buf, 256) ~= 0 then
    return ffi.string(why_buf)
  end
end

local DIST_HELP = "expected a number, or { pert = { min, most_likely, max } }, "
  .. "{ lognormal = { low, high } }, { triangular = {...} }, { uniform = { low, high } }, "
  .. "{ constant = x }, { min =, most_likely =, max = } or { low =, high = }"

--- A distribution as written in a rule file, as { kind, a, b, c, shape }.
-- A number is a constant; { min, most_likely, max } (with gamma) is a PERT;
-- { low, high } (with confidence) a lognormal from that interval.
function M.dist(file, decl, field, v, role)
  if is_number(v) then
    local d = { kind = "constant", a = v }
    local why = c_check(d, role)
    if why then fail(file, decl, field, why) end
    return d
  end
  if type(v) ~= "table" then fail(file, decl, field, DIST_HELP) end
  local d
  local function shape_of(key)
    local s = v[key]
    if s ~= nil and not is_number(s) then fail(file, decl, field .. "." .. key, "expected a number") end
    return s or 0
  end
  if v.min ~= nil or v.most_likely ~= nil or v.max ~= nil then
    check_fields(file, decl, v, { min = true, most_likely = true, max = true, gamma = true },
                 field .. ".")
    for _, k in ipairs({ "min", "most_likely", "max" }) do
      if not is_number(v[k]) then fail(file, decl, field .. "." .. k, "expected a number") end
    end
    d = { kind = "pert", a = v.min, b = v.most_likely, c = v.max, shape = shape_of("gamma") }
  elseif v.low ~= nil or v.high ~= nil then
    check_fields(file, decl, v, { low = true, high = true, confidence = true }, field .. ".")
    for _, k in ipairs({ "low", "high" }) do
      if not is_number(v[k]) then fail(file, decl, field .. "." .. k, "expected a number") end
    end
    d = { kind = "lognormal", a = v.low, b = v.high, shape = shape_of("confidence") }
  else
    local kind
    for k in pairs(v) do
      if PARAMS[k] then
        if kind then fail(file, decl, field, ("give one distribution, not %s and %s"):format(kind, k)) end
        kind = k
      end
    end
    if not kind then fail(file, decl, field, DIST_HELP) end
    local extra = { [kind] = true }
    if kind == "pert" then extra.gamma = true end
    if kind == "lognormal" then extra.confidence = true end
    check_fields(file, decl, v, extra, field .. ".")
    local p = v[kind]
    if kind == "constant" and is_number(p) then p = { p } end
    if type(p) ~= "table" or #p ~= PARAMS[kind] then
      fail(file, decl, field .. "." .. kind, ("expected %d number%s"):format(PARAMS[kind],
           PARAMS[kind] > 1 and "s" or ""))
    end
    for k = 1, PARAMS[kind] do
      if not is_number(p[k]) then
        fail(file, decl, ("%s.%s[%d]"):format(field, kind, k), "expected a number")
      end
    end
    d = { kind = kind, a = p[1], b = p[2], c = p[3],
          shape = kind == "pert" and shape_of("gamma") or kind == "lognormal"
                  and shape_of("confidence") or 0 }
  end
  local why = c_check(d, role)
  if why then fail(file, decl, field, why) end
  return d
end

--- d with every value multiplied by k (a control's effect).
function M.scale(d, k)
  if not d or k == 1 then return d end
  if k == 0 then return { kind = "constant", a = 0 } end
  return { kind = d.kind, a = d.a and d.a * k, b = d.b and d.b * k, c = d.c and d.c * k,
           shape = d.shape }
end

--- Fills a C isms_dist from a description (nil: none).
function M.to_c(cd, d)
  if not d then
    cd.kind, cd.a, cd.b, cd.c, cd.shape = 0, 0, 0, 0, 0
    return
  end
  cd.kind, cd.a, cd.b, cd.c, cd.shape = KIND[d.kind], d.a or 0, d.b or 0, d.c or 0, d.shape or 0
end

-- ------------------------------------------------------------ declarations

local function check_multiplier(file, decl, field, v)
  if v == nil then return 1 end
  if not is_number(v) or v < 0 then
    fail(file, decl, field, "expected a factor, 0 or more (0.5 halves it)")
  end
  return v
end

local function frequency_of(file, decl, f)
  local e = {}
  if f.events ~= nil and EVENTS[f.events] == nil then
    fail(file, decl, "events", "expected \"poisson\" (a count of events a year) or \"product\" "
         .. "(frequency x magnitude)")
  end
  e.events = f.events
  if f.lef ~= nil then
    if f.tef ~= nil or f.vulnerability ~= nil then
      fail(file, decl, "lef", "give lef, or tef and vulnerability, not both")
    end
    e.lef = M.dist(file, decl, "lef", f.lef, "rate")
  elseif f.tef ~= nil or f.vulnerability ~= nil then
    if f.tef == nil then fail(file, decl, "tef", "vulnerability needs a threat event frequency (tef)") end
    if f.vulnerability == nil then
      fail(file, decl, "vulnerability", "tef needs a vulnerability (the share of threat events "
           .. "that become loss events, 0..1)")
    end
    e.tef = M.dist(file, decl, "tef", f.tef, "rate")
    e.vulnerability = M.dist(file, decl, "vulnerability", f.vulnerability, "probability")
  end
  return e
end

local function magnitude_of(file, decl, f, e)
  e = e or {}
  if f.primary ~= nil then e.primary = M.dist(file, decl, "primary", f.primary, "amount") end
  if (f.secondary == nil) ~= (f.secondary_probability == nil) then
    fail(file, decl, f.secondary == nil and "secondary" or "secondary_probability",
         "a secondary loss needs both secondary (its magnitude) and secondary_probability")
  end
  if f.secondary ~= nil then
    e.secondary = M.dist(file, decl, "secondary", f.secondary, "amount")
    e.secondary_probability = M.dist(file, decl, "secondary_probability",
                                     f.secondary_probability, "probability")
  end
  if f.multiply_by ~= nil then
    if f.multiply_by ~= "units" and f.multiply_by ~= "value" then
      fail(file, decl, "multiply_by", "expected \"units\" (of an asset group) or \"value\" "
           .. "(the asset's valuation)")
    end
    e.multiply_by = f.multiply_by
  end
  return e
end

local function bands_of(file, decl, bands, levels)
  if type(bands) ~= "table" or next(bands) == nil then
    fail(file, decl, "bands", "expected { LEVEL = lowest annual loss, ... }, e.g. "
         .. "{ Low = 0, Medium = 100000, High = 1000000 }")
  end
  local rank = {}
  for _, lv in ipairs(levels) do rank[lv.name] = lv.rank end
  local list = {}
  for name, from in pairs(bands) do
    if type(name) ~= "string" or not rank[name] then
      local names = {}
      for _, lv in ipairs(levels) do names[#names + 1] = lv.name end
      fail(file, decl, "bands." .. tostring(name), "not a risk level of the methodology ("
           .. (#names > 0 and table.concat(names, ", ") or "it declares none") .. ")")
    end
    if not is_number(from) or from < 0 then
      fail(file, decl, "bands." .. name, "expected the lowest annual loss of the level, 0 or more")
    end
    list[#list + 1] = { level = name, rank = rank[name], from = from }
  end
  table.sort(list, function(x, y) return x.rank < y.rank end)
  if list[1].from ~= 0 then
    fail(file, decl, "bands." .. list[1].level, "the lowest level must start at 0")
  end
  for k = 2, #list do
    if list[k].from <= list[k - 1].from then
      fail(file, decl, "bands." .. list[k].level, ("must start above %s's %s (levels rise with "
           .. "the loss)"):format(list[k - 1].level, tostring(list[k - 1].from)))
    end
  end
  return list
end

local function whole(file, decl, field, v, lo, hi)
  if not (is_number(v) and v == math.floor(v) and v >= lo and v <= hi) then
    fail(file, decl, field, ("expected a whole number from %d to %d, got %s")
         :format(lo, hi, tostring(v)))
  end
  return v
end

local function model_of(file, decl, f, levels)
  local m = { line = decl.line, file = decl.file or file, name = decl.name }
  check_string(file, decl, "title", f.title, true)
  check_string(file, decl, "currency", f.currency, true)
  m.title, m.description = f.title, f.description
  m.currency = f.currency or M.DEFAULTS.currency
  if f.events ~= nil and EVENTS[f.events] == nil then
    fail(file, decl, "events", "expected \"poisson\" or \"product\"")
  end
  m.events = f.events or M.DEFAULTS.events
  m.iterations = f.iterations ~= nil and whole(file, decl, "iterations", f.iterations, 1,
                                               M.MAX_ITERATIONS) or M.DEFAULTS.iterations
  m.seed = f.seed ~= nil and whole(file, decl, "seed", f.seed, 0, 2 ^ 53) or M.DEFAULTS.seed
  if f.correlation ~= nil and not (is_number(f.correlation) and f.correlation >= 0
                                   and f.correlation <= 1) then
    fail(file, decl, "correlation", "expected a number from 0 (independent) to 1")
  end
  m.correlation = f.correlation or 0
  m.curve_points = f.curve_points ~= nil and whole(file, decl, "curve_points", f.curve_points, 2,
                                                   1000) or M.DEFAULTS.curve_points
  if f.metric ~= nil and not M.METRICS[f.metric] then
    fail(file, decl, "metric", "expected mean, p50, p90, p95, p99 or max")
  end
  m.metric = f.metric or M.DEFAULTS.metric
  for _, k in ipairs({ "threshold", "risk_threshold" }) do
    if f[k] ~= nil and not (is_number(f[k]) and f[k] >= 0) then
      fail(file, decl, k, "expected an annual loss, 0 or more")
    end
    m[k] = f[k]
  end
  if f.bands ~= nil then m.bands = bands_of(file, decl, f.bands, levels) end
  return m
end

local function acceptance_of(file, decl, f, classes)
  local a = { name = decl.name, line = decl.line, file = decl.file or file,
              description = f.description }
  if f.max ~= nil then
    if f.above ~= nil or f.max_probability ~= nil then
      fail(file, decl, "max", "give metric and max, or above and max_probability, not both")
    end
    if f.metric == nil or not M.METRICS[f.metric] then
      fail(file, decl, "metric", "expected mean, p50, p90, p95, p99 or max (the statistic "
           .. "max bounds)")
    end
    if not is_number(f.max) or f.max < 0 then fail(file, decl, "max", "expected an annual loss") end
    a.metric, a.max = f.metric, f.max
  elseif f.above ~= nil or f.max_probability ~= nil then
    if f.metric ~= nil then fail(file, decl, "metric", "not used with above and max_probability") end
    if not is_number(f.above) or f.above < 0 then
      fail(file, decl, "above", "expected an annual loss")
    end
    if not is_number(f.max_probability) or f.max_probability < 0 or f.max_probability > 1 then
      fail(file, decl, "max_probability", "expected a probability, 0..1")
    end
    a.above, a.max_probability = f.above, f.max_probability
  else
    fail(file, decl, nil, "give metric and max (e.g. metric = \"p90\", max = 100000), or above "
         .. "and max_probability")
  end
  if f.residual ~= nil and type(f.residual) ~= "boolean" then
    fail(file, decl, "residual", "expected true (after treatment) or false")
  end
  a.residual = f.residual == true
  if f.when ~= nil then
    if type(f.when) ~= "table" then fail(file, decl, "when", "expected { asset_class = { ... } }") end
    check_fields(file, decl, f.when, { asset_class = true }, "when.")
    local list = check.strings(file, decl, "when.asset_class", f.when.asset_class)
    local known = {}
    for _, c in ipairs(classes) do known[c.name] = true end
    for k, name in ipairs(list) do
      if not known[name] then
        fail(file, decl, ("when.asset_class[%d]"):format(k), ("'%s' is not an asset class of the "
             .. "methodology"):format(name))
      end
    end
    a.classes = check.set(list)
  end
  return a
end

--- The quantitative model of a loaded methodology, or nil when it has none.
-- @tparam Methodology m a methodology from isms.methodology.load
-- @treturn table|nil the model; raises { msg = "file:line: ..." } on a fault
function M.from(m)
  local decls = m.decls or {}
  local file = m:file()
  local spec = { frequency = {}, magnitude = {}, risks = {}, controls = {}, acceptance = {},
                 method = m:name() }
  local levels = m:scores_risks() and m:levels() or {}
  local classes = m:values_assets() and m:classes() or {}
  local class_known = {}
  for _, c in ipairs(classes) do class_known[c.name] = true end
  local seen = {}
  for _, decl in ipairs(decls) do
    local kind = decl.kind
    if kind:match("^quant_") then
      local f = decl.fields
      if not ALLOWED[kind] then
        fail(file, decl, nil, "not a quantitative word (quant_model, quant_frequency, "
             .. "quant_magnitude, quant_risk, quant_control, quant_acceptance)")
      end
      check_fields(file, decl, f, ALLOWED[kind])
      local key = kind .. "\0" .. decl.name
      if seen[key] then
        fail(file, decl, nil, ("declared twice (first at line %d)"):format(seen[key]))
      end
      seen[key] = decl.line
      if kind == "quant_model" then
        if spec.model then
          fail(file, decl, nil, ("a methodology has one quant_model (first at line %d)")
               :format(spec.model.line))
        end
        spec.model = model_of(file, decl, f, levels)
      elseif kind == "quant_frequency" then
        local e = frequency_of(file, decl, f)
        if not e.lef and not e.tef then
          fail(file, decl, nil, "give lef, or tef and vulnerability")
        end
        spec.frequency[decl.name] = e
      elseif kind == "quant_magnitude" then
        if decl.name ~= "*" and not class_known[decl.name] then
          fail(file, decl, nil, ("'%s' is not an asset class of the methodology (or \"*\" for "
               .. "any)"):format(decl.name))
        end
        local e = magnitude_of(file, decl, f)
        if not e.primary then fail(file, decl, "primary", "a magnitude table entry needs primary") end
        spec.magnitude[decl.name] = e
      elseif kind == "quant_risk" then
        local e = frequency_of(file, decl, f)
        magnitude_of(file, decl, f, e)
        spec.risks[decl.name] = e
      elseif kind == "quant_control" then
        local cost = f.cost
        if cost ~= nil and (not is_number(cost) or cost < 0) then
          fail(file, decl, "cost", "expected the control's yearly cost, 0 or more")
        end
        spec.controls[decl.name] = {
          frequency = check_multiplier(file, decl, "frequency", f.frequency),
          vulnerability = check_multiplier(file, decl, "vulnerability", f.vulnerability),
          magnitude = check_multiplier(file, decl, "magnitude", f.magnitude),
          cost = cost or 0, title = f.title,
        }
      elseif kind == "quant_acceptance" then
        spec.acceptance[#spec.acceptance + 1] = acceptance_of(file, decl, f, classes)
      end
    end
  end
  if not spec.model then
    if next(seen) == nil then return nil end
    error({ msg = file .. ":1: quantitative declarations without quant_model \"name\" { ... }" })
  end
  -- P(loss > above) of the criteria is the run's per-risk exceedance: one
  -- threshold for the model.
  for _, a in ipairs(spec.acceptance) do
    if a.above ~= nil then
      local t = spec.model.risk_threshold
      if t ~= nil and t ~= a.above then
        error({ msg = ("%s:%d: quant_acceptance '%s': above: %s, but the model's risk threshold "
                       .. "is %s; criteria on P(loss > X) share one X"):format(a.file, a.line,
                       a.name, tostring(a.above), tostring(t)) })
      end
      spec.model.risk_threshold = a.above
    end
  end
  return spec
end

-- ------------------------------------------------------------ estimates

local function apply(e, eff)
  local out = {}
  for k, v in pairs(e) do out[k] = v end
  if eff.frequency ~= 1 then
    if out.lef then out.lef = M.scale(out.lef, eff.frequency)
    else out.tef = M.scale(out.tef, eff.frequency) end
  end
  if eff.vulnerability ~= 1 then
    if out.vulnerability then out.vulnerability = M.scale(out.vulnerability, eff.vulnerability)
    else out.lef = M.scale(out.lef, eff.vulnerability) end
  end
  if eff.magnitude ~= 1 then
    out.primary = M.scale(out.primary, eff.magnitude)
    out.secondary = M.scale(out.secondary, eff.magnitude)
  end
  return out
end

--- The estimates of one risk: { ref, events, lef | tef + vulnerability,
-- primary, secondary, secondary_probability } before treatment, after, the
-- yearly cost of its controls and their ids; or nil and why there are none.
-- `risk` is { ref, threat, threat_class, asset_class, units, value, option,
-- controls = { ids } }.
function M.estimates(spec, risk)
  local own = spec.risks[risk.ref]
  local freq = own and (own.lef or own.tef) and own
    or spec.frequency[risk.threat] or spec.frequency[risk.threat_class or ""]
    or spec.frequency["*"]
  if not freq then return nil, "no frequency for threat " .. tostring(risk.threat) end
  local mag = own and own.primary and own
    or spec.magnitude[risk.asset_class or ""] or spec.magnitude["*"]
  if not mag then
    return nil, risk.asset_class and ("no magnitude for asset class " .. risk.asset_class)
      or "the asset has no class (not valued) and no magnitude for \"*\""
  end
  local e = { ref = risk.ref, events = (own and own.events) or freq.events or spec.model.events,
              lef = freq.lef, tef = freq.tef, vulnerability = freq.vulnerability,
              primary = mag.primary, secondary = mag.secondary,
              secondary_probability = mag.secondary_probability }
  local by = mag.multiply_by
  if by then
    local k = by == "units" and (risk.units or 1) or (risk.value or 0)
    e.primary, e.secondary = M.scale(e.primary, k), M.scale(e.secondary, k)
  end
  local after, cost, used = nil, 0, {}
  if risk.option == "avoid" then
    after = { ref = e.ref, events = e.events, lef = { kind = "constant", a = 0 },
              primary = { kind = "constant", a = 0 } }
  else
    local eff = { frequency = 1, vulnerability = 1, magnitude = 1 }
    for _, id in ipairs(risk.controls or {}) do
      local c = spec.controls[id]
      if c then
        eff.frequency = eff.frequency * c.frequency
        eff.vulnerability = eff.vulnerability * c.vulnerability
        eff.magnitude = eff.magnitude * c.magnitude
        cost = cost + c.cost
        used[#used + 1] = id
      end
    end
    if #used > 0 then after = apply(e, eff) end
  end
  return e, after, cost, used
end

--- The level a statistic bands into (the highest band it reaches), or nil.
function M.level(spec, value)
  local bands = spec.model.bands
  if not bands or value == nil then return nil end
  local level
  for _, band in ipairs(bands) do
    if value >= band.from then level = band.level end
  end
  return level
end

--- Acceptance of a risk's statistics under the criteria of one kind
-- (residual or not; with no residual criteria the others apply after
-- treatment too): true, false, or nil when no criterion applies.
function M.acceptable(spec, stats, asset_class, residual)
  local list = {}
  for _, a in ipairs(spec.acceptance) do
    if a.residual == residual then list[#list + 1] = a end
  end
  if residual and #list == 0 then
    for _, a in ipairs(spec.acceptance) do list[#list + 1] = a end
  end
  local applies, holds = false, true
  for _, a in ipairs(list) do
    if not a.classes or (asset_class and a.classes[asset_class]) then
      applies = true
      if a.metric then
        if stats[a.metric] >= a.max then holds = false end
      elseif stats.p_exceed > a.max_probability then  -- the run's threshold is `above`
        holds = false
      end
    end
  end
  if not applies then return nil end
  return holds
end

return M
