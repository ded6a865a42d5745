--- Risk scoring methods of a loaded methodology (mixed into Methodology):
-- factors, levels, score, matrix, acceptance of one risk, and running the
-- rule file's acceptance predicates over risk views. The bulk paths (the
-- register, what-if) call the C scorer directly; these serve the API, the
-- REPL and `isms methodology show`.
local b = require "isms.store._ffi"
local decimal = require "isms.store.decimal"
local risk_method = require "isms.method.risk_method"
local rules = require "isms.rules"
local scales = require "isms.method.scale"
local stages = require "isms.method.stages"

local C = b.C
local M = { methods = {} }
local methods = M.methods

local function risk_of(m)
  local r = m.spec.risk
  if not r then error(m.spec.name .. " does not score risks (no risk_score)", 3) end
  return r
end

--- Factor names in order, e.g. { "S", "O", "D" }.
function methods:factors()
  local list = {}
  for k, f in ipairs(risk_of(self).factors) do list[k] = f.name end
  return list
end

--- Risk levels, lowest first: list of { name, rank, title, description,
-- color, range = { lo, hi } | nil, values = { ... } | nil } (numbers).
function methods:levels()
  local list = {}
  for k, lv in ipairs(risk_of(self).levels) do
    local values
    if lv.values then
      values = {}
      for j, v in ipairs(lv.values) do values[j] = decimal.to_number(v) end
    end
    list[k] = { name = lv.name, rank = lv.rank, title = lv.title, description = lv.description,
                color = lv.color, values = values,
                range = lv.lo and { decimal.to_number(lv.lo), decimal.to_number(lv.hi) } or nil }
  end
  return list
end

--- How the factors combine: "product", "weighted", "matrix", "function", ...
function methods:risk_combine() return risk_of(self).combine end

--- Reads a rating on a factor: a tier value, label or alias, any case.
-- @treturn integer|nil the tier's position (its value on a scale whose
--   values run 1..n), or nil and the reason
function methods:parse_rating(factor, text)
  local scale = self.spec.scales[factor]
  if not scale then return nil, ("no scale named '%s'"):format(tostring(factor)), "INPUT" end
  return scales.position(scale, factor, text)
end

-- The not rated tier a rating names, or nil.
local function not_rated_tier(m, factor, p)
  local t = m.spec.scales[factor].positions[p]
  return t and t.not_rated and t or nil
end

local function cell_of(m, ratings)
  local r = risk_of(m)
  local cell, stride = 0, 1
  for _, f in ipairs(r.factors) do
    local v = ratings[f.name]
    if v == nil then return nil, ("no rating for %s"):format(f.name) end
    local t, why = methods.parse_rating(m, f.name, v)
    if not t then return nil, why end
    local nr = not_rated_tier(m, f.name, t)
    if nr then return nil, ("not rated: %s is '%s'"):format(f.name, nr.label), "UNRATED" end
    cell = cell + (t - 1) * stride
    stride = stride * f.ntiers
  end
  return cell
end

local PROP_BIT = { C = 1, I = 2, A = 4 }

-- The row a staged program reads for one risk: factor positions, the
-- asset's C/I/A positions and value, the threat's affected properties and
-- related records, from `ratings` and `context` ({ asset = { C, I, A,
-- value }, threat = { affects = { "C", ... } }, assets = { { value, C,
-- I, A }, ... } }). Returns the row, or nil and the reason.
local function staged_row(m, ratings, context)
  local r = risk_of(m)
  context = context or {}
  local row = {}
  for _, f in ipairs(r.factors) do
    local v = ratings[f.name]
    if v ~= nil and v ~= "" then
      local t, why = methods.parse_rating(m, f.name, v)
      if not t then return nil, why end
      row[f.name] = t
    end
  end
  for _, e in ipairs(r.program.inputs) do
    local src = e.source or {}
    if src.kind == "asset" then
      local v = (context.asset or {})[src.prop]
      if v ~= nil and v ~= "" and v ~= 0 then
        local t, why = scales.position(m.spec.scales[src.prop], "asset." .. src.prop, v)
        if not t then return nil, why end
        row[e.name] = t
      end
    elseif src.kind == "asset_class" or src.kind == "asset_type" then
      local v = (context.asset or {})[src.kind == "asset_class" and "class" or "type"]
      if v ~= nil then
        for p, t in ipairs(e.scale.positions) do
          if t.label == v then row[e.name] = p end
        end
      end
    elseif src.kind == "asset_value" then
      local v = (context.asset or {}).value
      if v ~= nil then row[e.name] = decimal.round(tonumber(v)) end
    elseif src.kind == "affects" then
      local a = (context.threat or {}).affects
      if a ~= nil then
        local bits = 0
        local list = type(a) == "string" and { a } or a
        for _, item in ipairs(list) do
          for p in tostring(item):gmatch("[^,;%s]+") do
            local bv = PROP_BIT[p:upper()]
            if not bv then return nil, ("threat.affects: '%s' is not C, I or A"):format(p) end
            bits = bit.bor(bits, bv)
          end
        end
        row[e.name] = bits
      end
    elseif src.kind == "threat_rating" or src.kind == "vulnerability_rating" then
      -- the threat's (vulnerability's) own rating: { ratings = { likelihood = "Possible" } }
      local of = src.kind == "threat_rating" and context.threat or context.vulnerability
      local v = ((of or {}).ratings or {})[src.scale]
      if v ~= nil and v ~= "" then
        local t, why = scales.position(m.spec.scales[src.scale], src.name, v)
        if not t then return nil, why end
        row[e.name] = t
      end
    elseif src.kind == "records" then
      local list = context[src.of]
      if list ~= nil then
        local vals = {}
        for k, rec in ipairs(list) do
          local v = rec[src.attr]
          if v == nil or v == "" then
            vals[k] = stages.NR
          elseif src.attr == "value" then
            vals[k] = decimal.round(tonumber(v))
          else
            local sc = m.spec.scales[src.attr]
            local t, why = scales.position(sc, src.name, v)
            if not t then return nil, why end
            vals[k] = sc.positions[t].not_rated and stages.NR or sc.positions[t].micro
          end
        end
        row[e.name] = vals
      end
    end
  end
  return row
end
M.staged_row = staged_row

-- Scores one risk: score (millionths), rank; or nil and the reason.
local function score_micro(m, ratings, context)
  local r = risk_of(m)
  if r.tabulated then
    local cell, why, code = cell_of(m, ratings)
    if not cell then return nil, why, code end
    return r.scores[cell], r.ranks[cell]
  end
  local row, why = staged_row(m, ratings, context)
  if not row then return nil, why end
  local res = stages.run(r.program, { row })
  if res.rank[1] < 1 then
    -- say which input left it unrated (a stage such as `first` may do
    -- without some of them, so only now)
    for _, f in ipairs(r.factors) do
      if row[f.name] == nil then return nil, ("not rated: no rating for %s"):format(f.name), "UNRATED" end
      local nr = not_rated_tier(m, f.name, row[f.name])
      if nr then return nil, ("not rated: %s is '%s'"):format(f.name, nr.label), "UNRATED" end
    end
    return nil, "not rated: an input the score reads is not given (asset, threat or records)",
      "UNRATED"
  end
  return res.score[1], res.rank[1]
end
M.score_micro = score_micro

-- One risk: the score through `as`, level name and rank.
local function lookup(m, ratings, as, context)
  local r = risk_of(m)
  local micro, rank, code = score_micro(m, ratings, context)
  if not micro then return nil, rank, code == "UNRATED" and "UNRATED" or "INPUT" end
  return as(micro), r.levels[rank].name, rank
end

--- Scores one risk from its ratings, e.g. { S = 3, O = "Frequent", D = 2 }.
-- A staged score that reads the asset, the threat or related records takes
-- them in `context`: { asset = { C =, I =, A =, value = }, threat = {
-- affects = { "C", "I" } }, assets = { { value =, C =, ... }, ... } }.
-- @treturn number,string,integer the score, level name and rank; or nil,
--   reason, code ("UNRATED" when an input is not rated)
function methods:score(ratings, context) return lookup(self, ratings, decimal.to_number, context) end

--- A target score from the same definition: the risk's ratings with the
-- planned changes (`changes`, e.g. { vulnerability = "Low" }) applied.
-- @treturn number,string,integer the target's score, level and rank; or nil, reason, code
function methods:target_score(ratings, changes, context)
  local t = {}
  for k, v in pairs(ratings) do t[k] = v end
  for k, v in pairs(changes or {}) do t[k] = v end
  return lookup(self, t, decimal.to_number, context)
end

--- The score as exact decimal text ("2.5"), with level and rank.
function methods:score_text(ratings, context)
  return lookup(self, ratings, decimal.format, context)
end

--- A two-factor method as a grid of level names:
-- { rows = factor, columns = factor, cells = { { level, ... }, ... },
--   scores = { { number, ... }, ... } }. Nil for other shapes.
function methods:matrix()
  local r = risk_of(self)
  if r.staged then return M.stage_matrix(self) end
  if #r.factors ~= 2 then return nil end
  local rows = r.matrix and r.matrix.rows or r.factors[2].name
  local cols = r.matrix and r.matrix.columns or r.factors[1].name
  local nrows, ncols = self.spec.scales[rows], self.spec.scales[cols]
  local grid, scores = {}, {}
  for i = 1, #nrows.tiers do
    grid[i], scores[i] = {}, {}
    for j = 1, #ncols.tiers do
      local s, level = methods.score(self, { [rows] = i, [cols] = j })
      grid[i][j], scores[i][j] = level, s
    end
  end
  return { rows = rows, columns = cols, cells = grid, scores = scores }
end

-- The rank of a score (millionths) under a staged method's levels.
local function rank_of(r, micro)
  if r.by_names then return math.floor(micro / decimal.UNIT) end
  for _, iv in ipairs(r.level_list) do
    if micro >= iv.lo and (micro < iv.hi or (micro == iv.hi and not iv.open)) then
      return iv.rank
    end
  end
  return nil
end
M.rank_of = rank_of

-- The matrix of a staged method: over the axes its risk_matrix names
-- (factors or banded stages), or over two factors when it has two.
function M.stage_matrix(m)
  local r = risk_of(m)
  local res = r.result
  local function rated(e) return e.kind == "tiers" and e.scale.ntiers or e.npos end
  local grid, scores = {}, {}
  if res.axes then
    local rows, cols = res.axes[1], res.axes[2]
    for i = 1, rated(rows) do
      grid[i], scores[i] = {}, {}
      for j = 1, rated(cols) do
        local v = res.def.table[(i - 1) + (j - 1) * rows.npos + 1]
        local rk = rank_of(r, v)
        grid[i][j], scores[i][j] = rk and r.levels[rk].name, decimal.to_number(v)
      end
    end
    return { rows = rows.name, columns = cols.name, cells = grid, scores = scores }
  end
  if #r.factors ~= 2 or not r.tabulated then return nil end
  local cols, rows = r.factors[1], r.factors[2]
  for i = 1, rows.ntiers do
    grid[i], scores[i] = {}, {}
    for j = 1, cols.ntiers do
      local cell = (j - 1) + (i - 1) * cols.ntiers
      grid[i][j], scores[i][j] = r.levels[r.ranks[cell]].name, decimal.to_number(r.scores[cell])
    end
  end
  return { rows = rows.name, columns = cols.name, cells = grid, scores = scores }
end

--- The acceptance criteria: list of { name, residual, when, max_level,
-- max_score, predicate (line or nil), description, line }.
function methods:criteria()
  local list = {}
  for k, rule in ipairs(risk_of(self).rules) do
    list[k] = { name = rule.name, residual = rule.residual, when = rule.when,
                max_level = rule.max_level and rule.max_level.name,
                max_score = rule.max_score and decimal.to_number(rule.max_score),
                predicate = rule.predicate_line, description = rule.description,
                line = rule.line }
  end
  return list
end

-- ------------------------------------------------------------ views

local function flag(v) return v == true or v == 1 or v == "yes" end

--- Normalises a risk for acceptance: scores it from `ratings` unless it
-- has `rank`/`score`, and shapes it as docs/risk-rules.md describes.
function M.view(m, risk)
  local r = risk_of(m)
  local score, rank = risk.score, risk.rank
  if risk.ratings and not (rank and score) then
    local micro, rk = score_micro(m, risk.ratings, risk)
    if not micro then return nil, rk end
    score, rank = decimal.to_number(micro), rk
  elseif risk.level and not rank then
    local lv = r.level_by_name[tostring(risk.level):lower()]
    if not lv then return nil, ("no risk level named '%s'"):format(tostring(risk.level)) end
    rank = lv.rank
  end
  if not rank or not score then return nil, "give ratings, or level and score" end
  local ob = risk.obligations or {}
  local asset = risk.asset or {}
  local impacts = {}
  for k, v in pairs(risk.impacts or {}) do
    if type(k) == "number" then impacts[v] = true elseif v then impacts[k] = true end
  end
  -- ratings by tier value (a position on a scale of values 1..n)
  local ratings = {}
  for k, v in pairs(risk.ratings or {}) do
    local p = m:parse_rating(k, v)
    local t = p and m.spec.scales[k].positions[p]
    ratings[k] = t and (t.value) or nil
  end
  return {
    level = r.levels[rank].name, rank = rank, score = score, ratings = ratings,
    category = risk.category, impacts = impacts,
    obligations = { legal = flag(ob.legal), regulatory = flag(ob.regulatory),
                    contractual = flag(ob.contractual) },
    asset = { class = asset.class, type = asset.type, value = asset.value,
              outsourced = flag(asset.outsourced), group = flag(asset.group) },
  }
end

-- A deterministic text key for a view, to run each distinct one once.
function M.key(view)
  local parts = { view.rank, view.score, view.category or "", view.asset.class or "",
                  view.asset.type or "", tostring(view.asset.value),
                  view.asset.outsourced and 1 or 0, view.asset.group and 1 or 0,
                  view.obligations.legal and 1 or 0, view.obligations.regulatory and 1 or 0,
                  view.obligations.contractual and 1 or 0 }
  local keys = {}
  for k in pairs(view.ratings) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. view.ratings[k] end
  keys = {}
  for k in pairs(view.impacts) do keys[#keys + 1] = k end
  table.sort(keys)
  parts[#parts + 1] = table.concat(keys, "+")
  return table.concat(parts, "|")
end

--- Runs the predicates of one kind of criterion over distinct views.
-- @treturn table verdict bitmasks, one per view (bit = rule.predicate_bit),
--   and the reasons failing predicates gave: reasons[view][rule name]
function M.verdicts(m, views, residual)
  local r = risk_of(m)
  local calls, slots = {}, {}
  for vi, view in ipairs(views) do
    for _, rule in ipairs(r.rules) do
      if rule.predicate_bit and rule.residual == (residual and true or false) then
        calls[#calls + 1] = { decl = rule.decl, field = "predicate", args = { view } }
        slots[#calls] = { vi, rule }
      end
    end
  end
  local out, reasons = {}, {}
  for vi = 1, #views do out[vi], reasons[vi] = 0, {} end
  if #calls == 0 then return out, reasons end
  local results = rules.call_functions(calls)
  for k, res in ipairs(results) do
    local vi, rule = slots[k][1], slots[k][2]
    if not res.ok then
      local msg = res.error
      if not msg:find("^.-:%d+:") then
        msg = ("%s:%d: %s '%s': predicate: %s"):format(rule.decl.file, rule.predicate_line,
                                                       rule.decl.kind, rule.name, msg)
      end
      error({ msg = msg, code = "RULE" })
    end
    if res.value then out[vi] = bit.bor(out[vi], bit.lshift(1, rule.predicate_bit))
    elseif res.reason ~= nil then reasons[vi][rule.name] = tostring(res.reason) end
  end
  return out, reasons
end

-- Calls every predicate on a sample risk at load time, so one that fails
-- on ordinary input is reported with its line before any register sees it.
function M.check_predicates(m)
  local r = m.spec.risk
  local any = false
  for _, rule in ipairs(r.rules) do if rule.predicate_bit then any = true end end
  if not any then return end
  local ratings = {}
  for _, f in ipairs(r.factors) do ratings[f.name] = f.ntiers end
  local classes = r.class_names
  -- a staged score may read the asset or the threat, which the sample
  -- lacks: then it stands at the highest level
  local micro, rank = score_micro(m, ratings, {})
  local sample = M.view(m, {
    ratings = ratings, rank = micro and rank or #r.levels,
    score = micro and decimal.to_number(micro) or 0, category = "operational",
    impacts = { "reputation" },
    obligations = { legal = true, regulatory = true, contractual = true },
    asset = { class = classes[1] or "A", type = "information", value = 1 },
  })
  M.verdicts(m, { sample }, false)
  M.verdicts(m, { sample }, true)
end

local function class_index(r, name)
  local k = name and r.class_idx[name]
  return k or -1
end

--- Is one risk acceptable? `risk` as for M.view (ratings or level/score,
-- asset, obligations, category, ...). residual: judge residual risk.
-- @treturn boolean,string acceptable, and the reason when it is not
function methods:acceptable(risk, residual)
  local r = risk_of(self)
  local view, why = M.view(self, risk)
  if not view then return nil, why, "INPUT" end
  local verdicts, reasons = M.verdicts(self, { view }, residual)
  local verdict = verdicts[1]
  local ob = 0
  for name, bitv in pairs(risk_method.OBLIGATIONS) do
    if view.obligations[name] then ob = ob + bitv end
  end
  local micro = decimal.round(view.score)
  local rc = C.isms_scorer_accept_one(self.scorer, residual and 1 or 0, view.rank, micro,
    class_index(r, view.asset.class), risk_method.TYPE_INDEX[view.asset.type or ""] or 0,
    risk_method.CATEGORY_INDEX[view.category or ""] or 0, ob, verdict)
  if rc == 1 then return true end
  if rc == 0 then return false, "no acceptance criterion applies to this risk" end
  local kind = residual and "residual_acceptance" or "acceptance"
  for _, rule in ipairs(r.rules) do
    if rule.residual == (residual and true or false) then
      -- The C kernel reports only "no"; find the criterion that fails here.
      local fails = (rule.max_level and view.rank > rule.max_level.rank)
        or (rule.max_score and micro > rule.max_score)
        or (rule.predicate_bit and bit.band(verdict, bit.lshift(1, rule.predicate_bit)) == 0)
      if fails and M.applies(rule, view, r) then
        return false, ("%s '%s'%s"):format(kind, rule.name,
          reasons[1][rule.name] and (": " .. reasons[1][rule.name]) or
          rule.description and (": " .. rule.description) or
          rule.max_level and (": level " .. view.level .. " is above " .. rule.max_level.name) or
          ": not met")
      end
    end
  end
  return false, "not acceptable"
end

-- Does a criterion concern this view? (mirrors rule_applies in C, for messages)
function M.applies(rule, view, r)
  local function within(list, v)
    if not list then return true end
    for _, x in ipairs(list) do if x == v then return true end end
    return false
  end
  if not within(rule.classes, r.class_idx[view.asset.class or ""] or -1) then return false end
  if not within(rule.types, risk_method.TYPE_INDEX[view.asset.type or ""]) then return false end
  if not within(rule.categories, risk_method.CATEGORY_INDEX[view.category or ""]) then return false end
  if not within(rule.levels, view.rank) then return false end
  if rule.obligations then
    local hit = false
    for _, bitv in ipairs(rule.obligations) do
      for name, v in pairs(risk_method.OBLIGATIONS) do
        if v == bitv and view.obligations[name] then hit = true end
      end
    end
    if not hit then return false end
  end
  return true
end

return M
