--- Risk scoring in a methodology: validates risk_score, risk_matrix,
-- risk_level and the acceptance criteria (docs/risk-rules.md) and compiles
-- them into a C scorer. Every combination of factor tiers is scored here,
-- once, in exact decimal millionths (isms.decimal); the C kernels then
-- only look results up.
local b = require "isms.store._ffi"
local check = require "isms.rules.check"
local decimal = require "isms.store.decimal"

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
  risk_level = set { "range", "values", "title", "description", "color" },
  acceptance = set { "when", "max_level", "max_score", "predicate", "description" },
  when = set { "asset_class", "asset_type", "category", "level", "obligations" },
}
local COMBINES = { "product", "sum", "max", "min", "weighted", "matrix" }
local COMBINE_SET = set(COMBINES)
local RISK_KINDS = set { "risk_score", "risk_matrix", "risk_level", "acceptance",
                         "residual_acceptance" }
M.KINDS = RISK_KINDS

-- ------------------------------------------------------------ cells

-- Tier values of every factor for a cell (factor 1 varies fastest, as in C).
local function tiers_of(factors, cell)
  local t = {}
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

local function check_score(file, d, scales)
  local f = d.fields
  check.fields(file, d, f, ALLOWED.risk_score)
  if type(f.factors) ~= "table" or #f.factors < 1 or #f.factors > 4 then
    fail(file, d, "factors",
         "expected a list of 1 to 4 scale names, e.g. { \"likelihood\", \"impact\" }")
  end
  local factors, seen = {}, {}
  for k, name in ipairs(f.factors) do
    local at = ("factors[%d]"):format(k)
    check.string(file, d, at, name)
    local scale = scales[name]
    if not scale then fail(file, d, at, ("no scale named '%s'"):format(name)) end
    if seen[name] then fail(file, d, at, ("'%s' is listed twice"):format(name)) end
    seen[name] = true
    factors[k] = { name = name, ntiers = #scale.tiers, scale = scale }
  end
  local how = f.combine
  if check.is_function(how) then
    how = "function"
  elseif not COMBINE_SET[how] then
    fail(file, d, "combine", ("unknown rule '%s'; expected %s, or a function")
         :format(tostring(how), table.concat(COMBINES, ", ")))
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
  return { decl = d, factors = factors, combine = how, weights = weights,
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
  for cell = 0, n - 1 do
    local t = tiers_of(factors, cell)
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
        ("%s:%d: risk_level '%s': range: no combination of tiers scores from %s to %s")
        :format(lv.decl.file or file, lv.line, lv.name, decimal.format(lv.lo),
                decimal.format(lv.hi))
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

--- Validates and compiles the risk part of a methodology.
-- @param file the methodology's file (for messages)
-- @param decls merged declarations (each may carry .file from a parent)
-- @param scales validated scales by name
-- @param classes the asset classes (list of {name}), possibly empty
-- @param call function(calls) -> results, running rule functions in the sandbox
-- @treturn table|nil the risk spec, or nil if the methodology scores no risks
function M.build(file, decls, scales, classes, call)
  local score_decl, matrices, level_decls, accept_decls = nil, {}, {}, {}
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
    end
  end
  if not score_decl then
    local stray = level_decls[1] or accept_decls[1] or next(matrices) and matrices[next(matrices)]
    if stray then
      fail(file, stray, nil, "declared without a risk_score { factors = ..., combine = ... }")
    end
    return nil
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
  return { factors = score.factors, combine = score.combine, weights = score.weights,
           decl = score_decl, description = score.description, levels = levels,
           level_by_name = level_by_name, matrix = matrix, scores = scores, ranks = ranks,
           rules = rules, class_names = class_names, class_idx = class_idx,
           warnings = warnings }
end

--- Builds the C scorer for a risk spec.
function M.compile(risk)
  local nf = #risk.factors
  local ntiers = ffi.new("int[?]", nf)
  for k, f in ipairs(risk.factors) do ntiers[k - 1] = f.ntiers end
  local out = ffi.new("isms_scorer *[1]")
  local rc = C.isms_scorer_new(nf, ntiers, out)
  if rc ~= 0 then error({ msg = "cannot create the risk scorer: " .. (b.code_names[rc] or rc) }) end
  local h = ffi.gc(out[0], C.isms_scorer_free)
  for cell = 0, C.isms_scorer_cells(h) - 1 do
    assert(C.isms_scorer_set_cell(h, cell, risk.scores[cell], risk.ranks[cell]) == 0)
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
