--- Risk scoring in a methodology: validates risk_score, risk_matrix,
-- risk_level and the acceptance criteria (docs/risk-rules.md) and compiles
-- them into a C scorer. Every combination of factor tiers is scored here,
-- once, in exact decimal millionths (isms.decimal); the C kernels then
-- only look results up.
local b = require "isms.store._ffi"
local check = require "isms.rules.check"
local decimal = require "isms.store.decimal"
local stages = require "isms.method.stages"

local ffi, C = b.ffi, b.C
local fail = check.fail
local M = {}

M.TYPES = { "information", "software", "physical", "service", "people", "intangible" }
M.CATEGORIES = { "management", "operational", "reputation", "governance", "project" }
M.OBLIGATIONS = { legal = 1, regulatory = 2, contractual = 4 }
M.OBLIGATION_ORDER = { "legal", "regulatory", "contractual" }
M.IMPACTS = { "repair", "time_loss", "opportunity", "health_safety", "skills_cost",
              "reputation" }

local function index_of(list)
  local t = {}
  for k, v in ipairs(list) do t[v] = k end
  return t
end
M.TYPE_INDEX = index_of(M.TYPES)
M.CATEGORY_INDEX = index_of(M.CATEGORIES)
M.IMPACT_INDEX = index_of(M.IMPACTS)

local set = check.set

local ALLOWED = {
  risk_score = set { "factors", "combine", "weights", "matrix", "description" },
  risk_matrix = set { "rows", "columns", "cells", "title", "description" },
  risk_level = set { "range", "values", "from", "title", "description", "color" },
  acceptance = set { "when", "max_level", "max_score", "predicate", "description" },
  when = set { "asset_class", "asset_type", "category", "level", "obligations" },
}
local COMBINES = { "product", "sum", "max", "min", "weighted", "matrix" }
local COMBINE_SET = set(COMBINES)
local RISK_KINDS = set { "risk_score", "risk_matrix", "risk_level", "acceptance",
                         "residual_acceptance", "risk_stage" }
M.KINDS = RISK_KINDS

-- ------------------------------------------------------------ cells

-- Tier values of every factor for a cell (factor 1 varies fastest, as in C),
-- in a new table or in `into` (a loop over every cell of a method of
-- 10 x 10 x 10 tiers makes a thousand tables at each load otherwise).
local function tiers_of(factors, cell, into)
  local t = into or {}
  for _, f in ipairs(factors) do
    t[f.name] = cell % f.ntiers + 1
    cell = math.floor(cell / f.ntiers)
  end
  return t
end
M.tiers_of = tiers_of

local function describe_cell(factors, t)
  local parts = {}
  for _, f in ipairs(factors) do parts[#parts + 1] = f.name .. "=" .. t[f.name] end
  return table.concat(parts, ", ")
end
M.describe_cell = describe_cell

local function ncells(factors)
  local n = 1
  for _, f in ipairs(factors) do n = n * f.ntiers end
  return n
end

-- ----------------------------------------------------------- checks

local function check_score(file, d, scales, stage_names)
  local f = d.fields
  check.fields(file, d, f, ALLOWED.risk_score)
  if type(f.factors) ~= "table" or #f.factors < 1 then
    fail(file, d, "factors",
         "expected a non-empty list of scale names, e.g. { \"likelihood\", \"impact\" }")
  end
  local factors, seen = {}, {}
  for k, name in ipairs(f.factors) do
    local at = ("factors[%d]"):format(k)
    check.string(file, d, at, name)
    local scale = scales[name]
    if not scale then fail(file, d, at, ("no scale named '%s'"):format(name)) end
    if seen[name] then fail(file, d, at, ("'%s' is listed twice"):format(name)) end
    seen[name] = true
    factors[k] = { name = name, ntiers = scale.ntiers, scale = scale }
  end
  local how = f.combine
  local stage
  if check.is_function(how) then
    how = "function"
  elseif stage_names and stage_names[how] then
    how, stage = "stage", how
  elseif not COMBINE_SET[how] then
    local names = {}
    for n in pairs(stage_names or {}) do names[#names + 1] = n end
    table.sort(names)
    fail(file, d, "combine", ("unknown rule '%s'; expected %s, or a function%s")
         :format(tostring(how), table.concat(COMBINES, ", "),
                 #names > 0 and (", or a risk_stage (" .. table.concat(names, ", ") .. ")") or ""))
  end
  if how == "weighted" then
    if type(f.weights) ~= "table" then
      fail(file, d, "weights", "expected { factor = weight, ... } for combine = \"weighted\"")
    end
  elseif f.weights ~= nil then
    fail(file, d, "weights", "only used with combine = \"weighted\"")
  end
  if how == "matrix" then
    check.string(file, d, "matrix", f.matrix)
  elseif f.matrix ~= nil then
    fail(file, d, "matrix", "only used with combine = \"matrix\"")
  end
  local weights = {}
  if how == "weighted" then
    for k in pairs(f.weights) do
      if not seen[k] then fail(file, d, "weights." .. tostring(k), "not one of the factors") end
    end
    for _, fac in ipairs(factors) do
      local w = f.weights[fac.name]
      if w == nil then fail(file, d, "weights", ("no weight for factor '%s'"):format(fac.name)) end
      local micro, why = decimal.from_number(w)
      if not micro then fail(file, d, "weights." .. fac.name, why) end
      if micro < 0 then fail(file, d, "weights." .. fac.name, "must not be negative") end
      weights[fac.name] = micro
    end
  end
  return { decl = d, factors = factors, combine = how, weights = weights, stage = stage,
           matrix_name = f.matrix, description = f.description }
end

local function check_levels(file, levels, by_matrix_names)
  local by_name = {}
  for rank, d in ipairs(levels) do
    local f = d.fields
    check.fields(file, d, f, ALLOWED.risk_level)
    local key = d.name:lower()
    if by_name[key] then
      fail(file, d, nil, ("level declared twice (first at line %d)"):format(by_name[key].line))
    end
    check.string(file, d, "title", f.title, true)
    check.string(file, d, "description", f.description, true)
    if f.color ~= nil and (type(f.color) ~= "string" or not f.color:match("^#%x%x%x%x%x%x$")) then
      fail(file, d, "color", "expected \"#RRGGBB\"")
    end
    local lv = { name = d.name, rank = rank, line = d.line, decl = d, title = f.title,
                 description = f.description, color = f.color }
    if by_matrix_names then
      if f.range ~= nil or f.values ~= nil then
        fail(file, d, f.range ~= nil and "range" or "values",
             "the risk matrix names levels in its cells; a level takes no range or values")
      end
    elseif f.from ~= nil or (rank == 1 and levels[2] and levels[2].fields and
                             levels[2].fields.from ~= nil) then
      -- Bands by lower edge: a level runs from its `from` up to the next
      -- level's (exclusive); the first may leave it out (no lower end).
      if f.range ~= nil or f.values ~= nil then
        fail(file, d, f.range ~= nil and "range" or "values",
             "a level gives from = x, or range and values, not both")
      end
      if f.from ~= nil then
        local micro, why = decimal.from_number(f.from)
        if not micro then fail(file, d, "from", why) end
        lv.from = micro
      end
    else
      if f.range == nil and f.values == nil then
        fail(file, d, nil, "give range = { lo, hi } or values = { ... }")
      end
      if f.values ~= nil then
        if type(f.values) ~= "table" or #f.values == 0 then
          fail(file, d, "values", "expected a non-empty list of numbers")
        end
        lv.values = {}
        for k, v in ipairs(f.values) do
          local micro, why = decimal.from_number(v)
          if not micro then fail(file, d, ("values[%d]"):format(k), why) end
          lv.values[k] = micro
        end
      end
      if f.range ~= nil then
        local r = f.range
        if type(r) ~= "table" or type(r[1]) ~= "number" or type(r[2]) ~= "number" or #r ~= 2 then
          fail(file, d, "range", "expected { lo, hi }")
        end
        local lo, why = decimal.from_number(r[1])
        if not lo then fail(file, d, "range[1]", why) end
        local hi, why2 = decimal.from_number(r[2])
        if not hi then fail(file, d, "range[2]", why2) end
        if lo > hi then fail(file, d, "range", "expected { lo, hi } with lo <= hi") end
        lv.lo, lv.hi = lo, hi
      end
    end
    by_name[key] = lv
    levels[rank] = lv
  end
  -- from-levels: each ends where the next begins; they must rise.
  local any_from = false
  for _, lv in ipairs(levels) do if lv.from then any_from = true end end
  if any_from then
    for rank, lv in ipairs(levels) do
      if rank > 1 and not lv.from then
        fail(file, lv.decl, nil, "give from = x: the levels above the first start at a score")
      end
      if rank > 1 and levels[rank - 1].from and lv.from <= levels[rank - 1].from then
        fail(file, lv.decl, "from", ("levels rise: %s is not above level '%s' (from %s)")
             :format(decimal.format(lv.from), levels[rank - 1].name,
                     decimal.format(levels[rank - 1].from)))
      end
      lv.lo = lv.from or -math.huge
      lv.hi = levels[rank + 1] and levels[rank + 1].from - 1 or math.huge
      lv.open_from = true
    end
  end
  return by_name
end

-- The matrix: its shape against the factor scales, cells all level names
-- or all numbers. Returns { rows, columns, cells, names (cells are level
-- names), decl, title }.
local function check_matrix(file, d, score, level_by_name)
  local f = d.fields
  check.fields(file, d, f, ALLOWED.risk_matrix)
  local factors = score.factors
  if #factors ~= 2 then
    fail(file, score.decl, "factors", "a matrix combines exactly two factors")
  end
  if f.rows ~= factors[1].name and f.rows ~= factors[2].name then
    fail(file, d, "rows", ("expected one of the factors %s, %s, got %s")
         :format(factors[1].name, factors[2].name, tostring(f.rows)))
  end
  if f.columns ~= factors[1].name and f.columns ~= factors[2].name or f.columns == f.rows then
    fail(file, d, "columns", ("expected the other factor (%s)")
         :format(f.rows == factors[1].name and factors[2].name or factors[1].name))
  end
  local nrows = factors[f.rows == factors[1].name and 1 or 2].ntiers
  local ncols = factors[f.columns == factors[1].name and 1 or 2].ntiers
  local cells = f.cells
  if type(cells) ~= "table" or #cells ~= nrows then
    fail(file, d, "cells", ("expected %d rows (the %d tiers of %s), got %s")
         :format(nrows, nrows, f.rows, type(cells) == "table" and #cells or type(cells)))
  end
  local names
  for r = 1, nrows do
    local row = cells[r]
    if type(row) ~= "table" or #row ~= ncols then
      fail(file, d, ("cells[%d]"):format(r), ("expected %d cells (the %d tiers of %s), got %s")
           :format(ncols, ncols, f.columns, type(row) == "table" and #row or type(row)))
    end
    for c = 1, ncols do
      local v = row[c]
      local at = ("cells[%d][%d]"):format(r, c)
      local is_name = type(v) == "string"
      if names == nil then names = is_name end
      if is_name ~= names or (type(v) ~= "string" and type(v) ~= "number") then
        fail(file, d, at, "cells must be all level names or all numbers")
      end
      if is_name and not level_by_name[v:lower()] then
        fail(file, d, at, ("no risk_level named '%s'"):format(v))
      end
    end
  end
  local matrix = { rows = f.rows, columns = f.columns, cells = cells, names = names,
                   decl = d, title = f.title }
  return matrix
end

-- ---------------------------------------------------------- scoring

--- A band edge as text; the ends of from-levels are unbounded.
function M.format_edge(v)
  if v == math.huge then return "infinity" end
  if v == -math.huge then return "-infinity" end
  return decimal.format(v)
end

-- Scores every cell: returns a list (0-based) of millionths, and for a
-- matrix of level names the ranks too.
local function score_cells(file, score, matrix, level_by_name, call)
  local factors, n = score.factors, ncells(score.factors)
  local scores, ranks = {}, {}
  local how = score.combine
  if how == "function" then
    local calls = {}
    for cell = 0, n - 1 do
      calls[cell + 1] = { decl = score.decl, field = "combine", args = { tiers_of(factors, cell) } }
    end
    local results = call(calls)
    local fline = score.decl.fields.combine.line
    for cell = 0, n - 1 do
      local r = results[cell + 1]
      local where = { kind = "risk_score", line = fline, file = score.decl.file }
      local tiers = describe_cell(factors, tiers_of(factors, cell))
      if not r.ok then
        local msg = r.error:find("^.-:%d+:") and r.error
          or ("%s:%d: risk_score: combine: %s"):format(score.decl.file or file, fline, r.error)
        error({ msg = ("%s (combine, for %s)"):format(msg, tiers) })
      end
      local micro, why = decimal.round(r.value)
      if not micro then
        fail(file, where, "combine", ("for %s: %s, got %s"):format(tiers, why, tostring(r.value)))
      end
      if micro < 0 then
        fail(file, where, "combine", ("for %s: scores must not be negative, got %s")
             :format(tiers, decimal.format(micro)))
      end
      scores[cell] = micro
    end
    return scores, nil
  end
  local t = {}
  for cell = 0, n - 1 do
    tiers_of(factors, cell, t)
    local s
    if how == "product" then
      s = 1
      for _, f in ipairs(factors) do s = s * t[f.name] end
      s = s * decimal.UNIT
    elseif how == "sum" then
      s = 0
      for _, f in ipairs(factors) do s = s + t[f.name] end
      s = s * decimal.UNIT
    elseif how == "max" or how == "min" then
      s = t[factors[1].name]
      for _, f in ipairs(factors) do s = math[how](s, t[f.name]) end
      s = s * decimal.UNIT
    elseif how == "weighted" then
      s = 0
      for _, f in ipairs(factors) do s = s + score.weights[f.name] * t[f.name] end
    else -- matrix
      local v = matrix.cells[t[matrix.rows]][t[matrix.columns]]
      if matrix.names then
        ranks[cell] = level_by_name[v:lower()].rank
        s = ranks[cell] * decimal.UNIT
      else
        local why
        s, why = decimal.from_number(v)
        if not s then
          fail(file, matrix.decl, ("cells[%d][%d]"):format(t[matrix.rows], t[matrix.columns]), why)
        end
        if s < 0 then
          fail(file, matrix.decl, ("cells[%d][%d]"):format(t[matrix.rows], t[matrix.columns]),
               "scores must not be negative")
        end
      end
    end
    scores[cell] = s
  end
  return scores, matrix and matrix.names and ranks or nil
end

-- Bands every reachable score into exactly one level; collects warnings
-- for band values no combination reaches.
local function band(file, score, levels, scores, warnings)
  local factors, n = score.factors, ncells(score.factors)
  local ranks, reached = {}, {}
  for cell = 0, n - 1 do
    local s = scores[cell]
    local hit
    for _, lv in ipairs(levels) do
      local inside = lv.lo and s >= lv.lo and s <= lv.hi
      if not inside and lv.values then
        for _, v in ipairs(lv.values) do if v == s then inside = true end end
      end
      if inside then
        if hit then
          fail(file, lv.decl, nil, ("score %s (%s) falls in both level '%s' and level '%s'")
               :format(decimal.format(s), describe_cell(factors, tiers_of(factors, cell)),
                       hit.name, lv.name))
        end
        hit = lv
      end
    end
    if not hit then
      fail(file, score.decl, nil, ("score %s (%s) falls in no risk_level")
           :format(decimal.format(s), describe_cell(factors, tiers_of(factors, cell))))
    end
    ranks[cell] = hit.rank
    reached[s] = true
  end
  for _, lv in ipairs(levels) do
    local any = false
    for s in pairs(reached) do
      if lv.lo and s >= lv.lo and s <= lv.hi then any = true end
    end
    for _, v in ipairs(lv.values or {}) do
      if reached[v] then any = true
      else
        warnings[#warnings + 1] =
          ("%s:%d: risk_level '%s': values: %s is reached by no combination of tiers")
          :format(lv.decl.file or file, lv.line, lv.name, decimal.format(v))
      end
    end
    if lv.lo and not any and not lv.values then
      warnings[#warnings + 1] =
        ("%s:%d: risk_level '%s': %s: no combination of tiers scores from %s to %s")
        :format(lv.decl.file or file, lv.line, lv.name, lv.from and "from" or "range",
                M.format_edge(lv.lo), M.format_edge(lv.hi))
    end
  end
  return ranks
end

-- -------------------------------------------------------- acceptance

local function check_acceptance(file, d, level_by_name, class_index)
  local f = d.fields
  check.fields(file, d, f, ALLOWED.acceptance)
  check.string(file, d, "description", f.description, true)
  local rule = { name = d.name, decl = d, line = d.line, residual = d.kind == "residual_acceptance",
                 description = f.description, when = {} }
  if f.max_level == nil and f.max_score == nil and f.predicate == nil then
    fail(file, d, nil, "give max_level, max_score or predicate")
  end
  if f.max_level ~= nil then
    check.string(file, d, "max_level", f.max_level)
    local lv = level_by_name[f.max_level:lower()]
    if not lv then fail(file, d, "max_level", ("no risk_level named '%s'"):format(f.max_level)) end
    rule.max_level = lv
  end
  if f.max_score ~= nil then
    local micro, why = decimal.from_number(f.max_score)
    if not micro then fail(file, d, "max_score", why) end
    rule.max_score = micro
  end
  if f.predicate ~= nil then
    if not check.is_function(f.predicate) then
      fail(file, d, "predicate", "expected a function(risk) returning true or false")
    end
    rule.predicate_line = f.predicate.line
  end
  local when = f.when
  if when ~= nil then
    if type(when) ~= "table" then fail(file, d, "when", "expected a table of conditions") end
    check.fields(file, d, when, ALLOWED.when, "when.")
    local function list(key, known, what)
      if when[key] == nil then return nil end
      local names = check.strings(file, d, "when." .. key, when[key])
      if #names == 0 then fail(file, d, "when." .. key, "expected a non-empty list") end
      local out = {}
      for k, name in ipairs(names) do
        local v = known(name)
        if v == nil then
          fail(file, d, ("when.%s[%d]"):format(key, k), ("unknown %s '%s'"):format(what, name))
        end
        out[#out + 1] = v
      end
      rule.when[key] = names
      return out
    end
    rule.classes = list("asset_class", function(n) return class_index(n) end, "asset class")
    rule.types = list("asset_type", function(n) return M.TYPE_INDEX[n:lower()] end, "asset type")
    rule.categories = list("category", function(n) return M.CATEGORY_INDEX[n:lower()] end,
                           "category")
    rule.levels = list("level", function(n)
      local lv = level_by_name[n:lower()]
      return lv and lv.rank
    end, "level")
    rule.obligations = list("obligations", function(n) return M.OBLIGATIONS[n:lower()] end,
                            "obligation (legal, regulatory, contractual)")
  end
  return rule
end

local function mask32(list)
  local m = 0
  for _, v in ipairs(list or {}) do m = bit.bor(m, bit.lshift(1, v - 1)) end
  return m
end

-- --------------------------------------------------------------- build

-- The acceptance criteria and the asset class names they use.
local function build_rules(file, accept_decls, level_by_name, classes)
  -- Asset classes: the methodology's own, then names only criteria mention.
  local class_names, class_idx = {}, {}
  for k, c in ipairs(classes) do class_names[k] = c.name; class_idx[c.name] = k - 1 end
  local function class_index(name)
    if class_idx[name] == nil then
      class_names[#class_names + 1] = name
      class_idx[name] = #class_names - 1
    end
    return class_idx[name]
  end
  local rules, npred = {}, { [false] = 0, [true] = 0 }
  if #accept_decls > 64 then
    fail(file, accept_decls[65], nil, "at most 64 acceptance and residual acceptance criteria")
  end
  for _, d in ipairs(accept_decls) do
    local rule = check_acceptance(file, d, level_by_name, class_index)
    if rule.predicate_line then
      if npred[rule.residual] == 8 then
        fail(file, d, "predicate", "at most 8 predicates per kind of criterion")
      end
      rule.predicate_bit = npred[rule.residual]
      npred[rule.residual] = npred[rule.residual] + 1
    end
    rules[#rules + 1] = rule
  end
  if #class_names > 128 then
    fail(file, accept_decls[1], "when.asset_class", "at most 128 asset classes")
  end
  return rules, class_names, class_idx
end

-- Does the score need the staged engine? Stages, more than four factors,
-- or a factor scale whose values do not run 1..n (or have a not rated
-- tier) do; everything else keeps the table path of before, byte for byte.
local function needs_stages(score_decl, scales, stage_decls, matrices)
  if #stage_decls > 0 then return true end
  local factors = score_decl.fields.factors
  if type(factors) ~= "table" then return false end
  if #factors > 4 then return true end
  -- a matrix over the asset's class, type or tiers
  local md = score_decl.fields.combine == "matrix" and matrices[score_decl.fields.matrix]
  if md then
    for _, axis in ipairs({ md.fields.rows, md.fields.columns }) do
      if type(axis) == "string" and axis:match("^asset%.") then return true end
    end
  end
  for _, name in ipairs(factors) do
    local sc = type(name) == "string" and scales[name]
    if sc and not sc.classic then return true end
  end
  return false
end

-- Level intervals { lo, hi, open, rank, level, field } in millionths;
-- unbounded ends are +-math.huge.
local function level_intervals(levels)
  local list = {}
  for _, lv in ipairs(levels) do
    if lv.open_from then
      local nxt = levels[lv.rank + 1]
      list[#list + 1] = { lo = lv.from or -math.huge, hi = nxt and nxt.from or math.huge,
                          open = nxt ~= nil, rank = lv.rank, level = lv, field = "from" }
    else
      if lv.lo then
        list[#list + 1] = { lo = lv.lo, hi = lv.hi, open = false, rank = lv.rank, level = lv,
                            field = "range" }
      end
      for _, v in ipairs(lv.values or {}) do
        list[#list + 1] = { lo = v, hi = v, open = false, rank = lv.rank, level = lv,
                            field = "values" }
      end
    end
  end
  table.sort(list, function(x, y)
    if x.lo ~= y.lo then return x.lo < y.lo end
    return x.rank < y.rank
  end)
  return list
end

local function check_overlaps(file, list)
  for k = 2, #list do
    local a, c = list[k - 1], list[k]
    if a.rank ~= c.rank and (c.lo < a.hi or (c.lo == a.hi and not a.open)) then
      local later, earlier = c, a
      if a.rank > c.rank then later, earlier = a, c end
      fail(file, later.level.decl, later.field, ("a score of %s falls in both level '%s' and level '%s'")
           :format(M.format_edge(c.lo), earlier.level.name, later.level.name))
    end
  end
end

local INT64_MAX = 0x7fffffffffffffffLL
local INT64_LOW = -0x7fffffffffffffffLL

local function c_edge(v)
  if v == math.huge then return INT64_MAX end
  if v == -math.huge then return INT64_LOW end
  return v
end

-- A numerator of the result as a decimal for messages (mean: num/den).
local function show_num(num, den)
  if num == math.huge or num == -math.huge then return M.format_edge(num) end
  local v = num / den
  local micro = v >= 0 and math.floor(v + 0.5) or -math.floor(-v + 0.5)
  return (micro * den == num and "" or "about ") .. decimal.format(micro)
end

-- Without a table to enumerate, the levels must cover every value the
-- score can reach: from its lowest to its highest (the span the stages
-- give), in steps of one millionth, or of one when every input is whole.
local function check_coverage(file, score_decl, list, sp, warnings)
  local den = sp.den
  local step = sp.whole and decimal.UNIT or 1
  local function num(v) return (v == math.huge or v == -math.huge) and v or v * den end
  local function bounds(iv)
    local lo, hi = num(iv.lo), num(iv.hi)
    if iv.open and hi ~= math.huge then hi = hi - 1 end
    return lo, hi
  end
  for _, iv in ipairs(list) do
    local lo, hi = bounds(iv)
    if hi < sp.lo or lo > sp.hi then
      warnings[#warnings + 1] = ("%s:%d: risk_level '%s': %s: no score reaches from %s to %s")
        :format(iv.level.decl.file or file, iv.level.line, iv.level.name, iv.field,
                M.format_edge(iv.lo), M.format_edge(iv.hi))
    end
  end
  -- need: the lowest score (as a numerator on the step grid) not yet in a level
  local need, prev = sp.lo, nil
  for _, iv in ipairs(list) do
    if need > sp.hi or need == math.huge then return end
    local lo, hi = bounds(iv)
    if hi >= need then
      if lo > need then
        if not prev then
          fail(file, score_decl, nil, ("a score can be %s, below every risk_level (the lowest, " ..
               "'%s', starts at %s)"):format(show_num(need, den), iv.level.name,
                                             M.format_edge(iv.lo)))
        end
        fail(file, iv.level.decl, iv.field, ("a score of %s falls in no risk_level: the levels " ..
             "leave a gap between level '%s' and this one; make them meet, or band with from = x")
             :format(show_num(need, den), prev.level.name))
      end
      need = hi == math.huge and math.huge or math.ceil((hi + 1) / step) * step
      prev = iv
    end
  end
  if need <= sp.hi and need ~= math.huge then
    fail(file, score_decl, nil, ("a score can be %s, above every risk_level%s")
         :format(show_num(need, den), prev and (" (the highest, '" .. prev.level.name ..
                 "', ends at " .. M.format_edge(prev.level.hi or list[#list].hi) .. ")") or ""))
  end
end

-- The staged path: stages, a result, levels in C; tabulated when the
-- score reads only factors and fits a table of at most 15^4 cells.
local function build_staged(file, score_decl, matrices, level_decls, accept_decls, stage_decls,
                            scales, classes, call, opts)
  local stage_names = {}
  for _, d in ipairs(stage_decls) do stage_names[d.name] = true end
  local score = check_score(file, score_decl, scales, stage_names)
  local matrix_decl
  if score.combine == "matrix" then
    matrix_decl = matrices[score.matrix_name]
    if not matrix_decl then
      fail(file, score_decl, "matrix", ("no risk_matrix named '%s'"):format(score.matrix_name))
    end
  end
  local by_names = false
  if matrix_decl then
    local c = matrix_decl.fields.cells
    by_names = type(c) == "table" and type(c[1]) == "table" and type(c[1][1]) == "string"
  end
  if #level_decls == 0 then fail(file, score_decl, nil, "no risk_level declared") end
  if #level_decls > 32 then fail(file, level_decls[33], nil, "at most 32 risk levels") end
  local levels = level_decls
  local level_by_name = check_levels(file, levels, by_names)

  local ctx = { scales = scales, factors = score.factors, matrices = matrices,
                valuation = opts.valuation, asset_span = opts.asset_span, classes = classes }
  local ordered = stages.check(file, stage_decls, ctx)
  local prog = stages.new_program()
  stages.build(file, prog, ctx, ordered, call)
  local factor_entries = {}
  for k, f in ipairs(score.factors) do factor_entries[k] = prog.by_name[f.name] end

  local result
  if score.combine == "stage" then
    result = prog.by_name[score.stage]
  elseif score.combine == "matrix" then
    local axes = {}
    for k, field in ipairs({ "rows", "columns" }) do
      local name = matrix_decl.fields[field]
      local e = type(name) == "string" and prog.by_name[name]
      if not e and type(name) == "string" and name:match("^asset%.[CIA]$") and scales[name:sub(-1)] then
        e = stages.input_of(prog, ctx, { kind = "asset", prop = name:sub(-1), name = name })
      elseif not e and (name == "asset.type" or name == "asset.class" and #classes > 0) then
        e = stages.input_of(prog, ctx, { kind = name == "asset.type" and "asset_type" or "asset_class",
                                         name = name })
      end
      if not e or e.npos < 1 then
        fail(file, matrix_decl, field, ("expected a factor (%s), a banded risk_stage, asset.C/I/A, " ..
             "asset.class or asset.type, got %s"):format(table.concat(ctx.factor_names, ", "),
                                                       tostring(name)))
      end
      axes[k] = e
    end
    if axes[1] == axes[2] then
      fail(file, matrix_decl, "columns", "rows and columns must differ")
    end
    local cells = stages.matrix_table(file, matrix_decl, axes[1], axes[2],
                                      by_names and level_by_name)
    local lo, hi = math.huge, -math.huge
    for _, v in ipairs(cells) do
      if v ~= stages.NR then lo, hi = math.min(lo, v), math.max(hi, v) end
    end
    local whole = true
    for _, v in ipairs(cells) do if v ~= stages.NR and v % decimal.UNIT ~= 0 then whole = false end end
    result = prog:add_stage(file, score_decl, "risk_score", { op = C.ISMS_OP_TABLE,
      inputs = axes, table = cells }, stages.span(lo, hi, 1, whole))
    result.matrix, result.axes = matrix_decl, axes
  elseif score.combine == "function" then
    local cells = stages.tabulate_function(file, score_decl, "combine", factor_entries, call)
    local lo, hi, whole = math.huge, -math.huge, true
    for _, v in ipairs(cells) do
      if v ~= stages.NR then
        lo, hi = math.min(lo, v), math.max(hi, v)
        whole = whole and v % decimal.UNIT == 0
      end
    end
    result = prog:add_stage(file, score_decl, "risk_score", { op = C.ISMS_OP_TABLE,
      inputs = factor_entries, table = cells }, stages.span(lo, hi, 1, whole))
    result.tabulated = #cells
  else
    local spans, weights = {}, nil
    for k, e in ipairs(factor_entries) do spans[k] = e.span end
    if score.combine == "weighted" then
      weights = {}
      for k, f in ipairs(score.factors) do weights[k] = score.weights[f.name] end
    end
    result = prog:add_stage(file, score_decl, "risk_score", { op = stages.BUILTIN[score.combine],
      inputs = factor_entries, weights = weights }, stages.reduce_span(score.combine, spans, weights))
  end
  assert(C.isms_stages_set_result(prog.h, result.index) == 0)
  -- stages the score never reads are declared for nothing: say so
  local warnings = {}
  do
    local used, stack = {}, { result }
    while #stack > 0 do
      local e = table.remove(stack)
      if not used[e] then
        used[e] = true
        for _, ie in ipairs(e.def and e.def.inputs or {}) do stack[#stack + 1] = ie end
        for _, v in ipairs(e.variants or {}) do stack[#stack + 1] = v end
        if e.def and e.def.mask then stack[#stack + 1] = e.def.mask end
      end
    end
    for _, st in ipairs(ordered) do
      if not used[prog.by_name[st.name]] then
        warnings[#warnings + 1] = ("%s:%d: risk_stage '%s': the score does not read it")
          :format(st.decl.file or file, st.decl.line, st.name)
      end
    end
  end
  local list
  if by_names then
    list = {}
    for _, lv in ipairs(levels) do
      local v = lv.rank * decimal.UNIT
      list[#list + 1] = { lo = v, hi = v, open = false, rank = lv.rank, level = lv, field = "values" }
    end
  else
    list = level_intervals(levels)
    check_overlaps(file, list)
  end
  for _, iv in ipairs(list) do
    if C.isms_stages_add_level(prog.h, c_edge(iv.lo), c_edge(iv.hi), iv.open and 1 or 0,
                               iv.rank) ~= 0 then
      prog:fail_rc(file, iv.level.decl, iv.field)
    end
  end

  -- Tabulate when the inputs are the factors alone and the table is small.
  local tabulable = #score.factors <= 4
  local cells = 1
  for _, f in ipairs(score.factors) do
    if f.ntiers > 15 then tabulable = false end
    cells = cells * f.ntiers
  end
  for _, e in ipairs(prog.inputs) do
    if not (e.source and e.source.kind == "factor") then tabulable = false end
  end
  local scores, ranks
  if tabulable and cells <= 50625 then
    local rows = {}
    for cell = 0, cells - 1 do rows[cell + 1] = tiers_of(score.factors, cell) end
    local res = stages.run(prog, rows)
    scores, ranks = {}, {}
    local reached = {}
    for cell = 0, cells - 1 do
      local rk = res.rank[cell + 1]
      if rk < 1 then
        -- the score, exactly as the program has it
        local one = stages.run(prog, { rows[cell + 1] }, true)
        local t = one.trace[1][result.index + 1]
        fail(file, score_decl, nil, ("score %s (%s) falls in no risk_level")
             :format(t.num and show_num(t.num, result.den) or "not rated",
                     describe_cell(score.factors, rows[cell + 1])))
      end
      scores[cell], ranks[cell] = res.score[cell + 1], rk
      reached[rk] = true
    end
    if not by_names then
      for _, lv in ipairs(levels) do
        if not reached[lv.rank] then
          warnings[#warnings + 1] = ("%s:%d: risk_level '%s': no combination of tiers falls in it")
            :format(lv.decl.file or file, lv.line, lv.name)
        end
      end
    end
  elseif not by_names then
    check_coverage(file, score_decl, list, result.span, warnings)
  end
  local rules, class_names, class_idx = build_rules(file, accept_decls, level_by_name, classes)
  return { factors = score.factors, combine = score.combine, weights = score.weights,
           decl = score_decl, description = score.description, levels = levels,
           level_by_name = level_by_name, stage = score.stage, scores = scores, ranks = ranks,
           tabulated = scores ~= nil, staged = true, program = prog, result = result,
           matrix = result.matrix and { rows = matrix_decl.fields.rows,
                                        columns = matrix_decl.fields.columns,
                                        names = by_names, decl = matrix_decl } or nil,
           rules = rules, class_names = class_names, class_idx = class_idx,
           warnings = warnings, stages = ordered, level_list = list, by_names = by_names }
end

--- Validates and compiles the risk part of a methodology.
-- @param file the methodology's file (for messages)
-- @param decls merged declarations (each may carry .file from a parent)
-- @param scales validated scales by name
-- @param classes the asset classes (list of {name}), possibly empty
-- @param call function(calls) -> results, running rule functions in the sandbox
-- @param opts `{ valuation = bool, asset_span = span of asset values }`
-- @treturn table|nil the risk spec, or nil if the methodology scores no risks
function M.build(file, decls, scales, classes, call, opts)
  local score_decl, matrices, level_decls, accept_decls = nil, {}, {}, {}
  local stage_decls = {}
  for _, d in ipairs(decls) do
    if d.kind == "risk_score" then
      if score_decl then
        fail(file, d, nil, ("risk_score declared twice (first at line %d)"):format(score_decl.line))
      end
      score_decl = d
    elseif d.kind == "risk_matrix" then
      if matrices[d.name] then
        fail(file, d, nil, ("matrix declared twice (first at line %d)"):format(matrices[d.name].line))
      end
      matrices[d.name] = d
    elseif d.kind == "risk_level" then
      level_decls[#level_decls + 1] = d
    elseif d.kind == "acceptance" or d.kind == "residual_acceptance" then
      accept_decls[#accept_decls + 1] = d
    elseif d.kind == "risk_stage" then
      stage_decls[#stage_decls + 1] = d
    end
  end
  if not score_decl then
    local stray = level_decls[1] or accept_decls[1] or stage_decls[1] or
                  next(matrices) and matrices[next(matrices)]
    if stray then
      fail(file, stray, nil, "declared without a risk_score { factors = ..., combine = ... }")
    end
    return nil
  end
  if needs_stages(score_decl, scales, stage_decls, matrices) then
    return build_staged(file, score_decl, matrices, level_decls, accept_decls, stage_decls,
                        scales, classes, call, opts or {})
  end
  local score = check_score(file, score_decl, scales)
  local matrix_decl
  if score.combine == "matrix" then
    matrix_decl = matrices[score.matrix_name]
    if not matrix_decl then
      fail(file, score_decl, "matrix", ("no risk_matrix named '%s'"):format(score.matrix_name))
    end
  end
  -- A matrix of level names decides the level itself; peek at its first cell.
  local by_names = false
  if matrix_decl then
    local c = matrix_decl.fields.cells
    by_names = type(c) == "table" and type(c[1]) == "table" and type(c[1][1]) == "string"
  end
  if #level_decls == 0 then fail(file, score_decl, nil, "no risk_level declared") end
  if #level_decls > 32 then fail(file, level_decls[33], nil, "at most 32 risk levels") end
  local levels = level_decls
  local level_by_name = check_levels(file, levels, by_names)
  local matrix = matrix_decl and check_matrix(file, matrix_decl, score, level_by_name)
  local warnings = {}
  local scores, ranks = score_cells(file, score, matrix, level_by_name, call)
  if not ranks then ranks = band(file, score, levels, scores, warnings) end
  local rules, class_names, class_idx = build_rules(file, accept_decls, level_by_name, classes)
  return { factors = score.factors, combine = score.combine, weights = score.weights,
           decl = score_decl, description = score.description, levels = levels,
           level_by_name = level_by_name, matrix = matrix, scores = scores, ranks = ranks,
           rules = rules, class_names = class_names, class_idx = class_idx,
           warnings = warnings, tabulated = true }
end

--- Builds the C scorer for a risk spec.
function M.compile(risk)
  local nf = #risk.factors
  local out = ffi.new("isms_scorer *[1]")
  local h
  if risk.tabulated then
    local ntiers = ffi.new("int[?]", nf)
    for k, f in ipairs(risk.factors) do ntiers[k - 1] = f.ntiers end
    local rc = C.isms_scorer_new(nf, ntiers, out)
    if rc ~= 0 then error({ msg = "cannot create the risk scorer: " .. (b.code_names[rc] or rc) }) end
    h = ffi.gc(out[0], C.isms_scorer_free)
    for cell = 0, C.isms_scorer_cells(h) - 1 do
      assert(C.isms_scorer_set_cell(h, cell, risk.scores[cell], risk.ranks[cell]) == 0)
    end
  else
    -- scores come from the program; the scorer keeps the criteria
    local slots = ffi.new("int[?]", nf)
    for k, f in ipairs(risk.factors) do slots[k - 1] = risk.program.by_name[f.name].index end
    local rc = C.isms_scorer_new_staged(risk.program.h, nf, slots, out)
    if rc ~= 0 then error({ msg = "cannot create the risk scorer: " .. (b.code_names[rc] or rc) }) end
    h = ffi.gc(out[0], C.isms_scorer_free)
  end
  for _, r in ipairs(risk.rules) do
    local cr = ffi.new("isms_accept_rule")
    cr.residual = r.residual and 1 or 0
    for _, ci in ipairs(r.classes or {}) do
      local w = math.floor(ci / 64)
      cr.classes[w] = bit.bor(cr.classes[w], bit.lshift(1ULL, ci % 64))
    end
    cr.types = mask32(r.types)
    cr.categories = mask32(r.categories)
    cr.levels = mask32(r.levels)
    local ob = 0
    for _, v in ipairs(r.obligations or {}) do ob = bit.bor(ob, v) end
    cr.obligations = ob
    cr.max_rank = r.max_level and r.max_level.rank or 0
    cr.has_max_score = r.max_score and 1 or 0
    cr.max_score = r.max_score or 0
    cr.predicate = r.predicate_bit or -1
    assert(C.isms_scorer_add_rule(h, cr) == 0)
  end
  return h
end

return M
