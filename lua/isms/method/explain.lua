--- Explaining a risk's result step by step, as an auditor checks it by
-- hand: the inputs with their tier labels, each stage with its formula and
-- value, the band or matrix cell, the level, and which acceptance
-- criterion decided and why the others did not.
--
-- The numbers come from the same C kernels that score the register (the
-- stage program's trace, or the score table), so the explanation cannot
-- drift from the result; the text around them is built here.
local decimal = require "isms.store.decimal"
local risk_view = require "isms.method.risk_view"
local stages = require "isms.method.stages"

local M = {}
local fmt = decimal.format

local function num_text(num, den)
  if num == nil then return nil end
  den = den or 1
  if den == 1 then return fmt(num) end
  local v = num / den
  local micro = v >= 0 and math.floor(v + 0.5) or -math.floor(-v + 0.5)
  return fmt(micro)
end

-- "35/8" when a mean is not exact in six places.
local function exact_text(num, den)
  if not num or not den or den == 1 or num % den == 0 then return nil end
  return ("%s/%d"):format(fmt(num), den)
end

local OPS = { sum = " + ", product = " x " }

-- The formula of one stage from its inputs' shown values.
local function formula(st, parts, value)
  local how = st.combine
  if how == "sum" or how == "product" then
    return table.concat(parts, OPS[how]) .. " = " .. value
  elseif how == "mean" then
    return ("(%s) / %d = %s"):format(table.concat(parts, " + "), #parts, value)
  elseif how == "min" or how == "max" then
    return ("%s(%s) = %s"):format(how, table.concat(parts, ", "), value)
  elseif how == "weighted" then
    local terms = {}
    for k, p in ipairs(parts) do terms[k] = fmt(st.weights[k]) .. " x " .. p end
    return table.concat(terms, " + ") .. " = " .. value
  elseif how == "count" then
    return ("inputs at or above %s among (%s): %s"):format(fmt(st.at_least), table.concat(parts, ", "),
                                                         value)
  elseif how == "first" then
    return ("the first rated of (%s): %s"):format(table.concat(parts, ", "), value)
  end
  return value
end

-- A shown input of a stage: "name 5" or "name not rated".
local function shown(e, slot, row)
  if e.kind == "records" then
    local list = row[e.name]
    if not list then return e.name .. " (not given)" end
    local vals = {}
    for k, v in ipairs(list) do vals[k] = v == stages.NR and "not rated" or fmt(v) end
    return ("%s [%s]"):format(e.name, table.concat(vals, ", "))
  end
  if not slot.num then return e.name .. " not rated" end
  local v = num_text(slot.num, e.den or 1)
  if e.labels and slot.pos > 0 and e.labels[slot.pos] ~= v then
    v = e.kind == "stage" and (v .. " (" .. e.labels[slot.pos] .. ")")
      or (e.labels[slot.pos] .. " (" .. v .. ")")
  end
  return e.name .. " " .. v
end

local function level_rule_text(r, lv)
  if r.by_names or (r.matrix and r.matrix.names) then return "named by the matrix cell" end
  if lv.open_from then
    local nxt = r.levels[lv.rank + 1]
    return ("from %s%s"):format(lv.from and fmt(lv.from) or "the lowest score",
                                nxt and (" up to (not including) " .. fmt(nxt.from)) or " up")
  end
  local parts = {}
  if lv.lo then parts[#parts + 1] = ("range %s to %s"):format(fmt(lv.lo), fmt(lv.hi)) end
  if lv.values then
    local vs = {}
    for k, v in ipairs(lv.values) do vs[k] = fmt(v) end
    parts[#parts + 1] = "values " .. table.concat(vs, ", ")
  end
  return table.concat(parts, "; ")
end

-- Stages of a staged method, from the program's trace of one row.
local function staged_steps(m, row, out)
  local r = m.spec.risk
  local prog = r.program
  local res = stages.run(prog, { row }, true)
  local trace = res.trace[1]
  for _, e in ipairs(prog.inputs) do
    local slot = trace[e.index + 1]
    local item = { name = e.name, kind = e.kind }
    if e.kind == "tiers" then
      local t = row[e.name] and e.scale.positions[row[e.name]]
      item.label = t and t.label
      item.value = t and not t.not_rated and fmt(t.micro) or nil
      item.rated = item.value ~= nil
      item.title = e.scale.title
    elseif e.kind == "records" then
      item.value = shown(e, slot, row)
      item.rated = row[e.name] ~= nil
    elseif e.name == "threat.affects" then
      item.value = slot.num and table.concat((function()
        local ps = {}
        for k, p in ipairs({ "C", "I", "A" }) do
          if bit.band(slot.num, bit.lshift(1, k - 1)) ~= 0 then ps[#ps + 1] = p end
        end
        return ps
      end)(), ", ") or nil
      item.rated = slot.num ~= nil
    else
      item.value = slot.num and fmt(slot.num) or nil
      item.rated = slot.num ~= nil
    end
    out.inputs[#out.inputs + 1] = item
  end
  for _, e in ipairs(prog.slots) do
    if e.kind == "stage" and (e.stage or e == r.result) and not e.name:find("%[") then
      local slot = trace[e.index + 1]
      local st = e.stage or { name = e.name, combine = r.combine, weights = nil }
      local item = { name = e.name, title = st.title, combine = st.combine,
                     runs = e.def.op == 7 and ("lookup table of %d cells"):format(#e.def.table)
                            or "kernel over columns" }
      if r.tabulated and e == r.result then
        item.runs = ("tabulated: the stages ran over every combination of tiers at load")
      end
      item.value = num_text(slot.num, e.den)
      item.exact = exact_text(slot.num, e.den)
      if e.bands and slot.pos > 0 then
        item.band = e.bands.labels[slot.pos]
        local lo, hi = e.bands.edges[slot.pos - 1], e.bands.edges[slot.pos]
        item.band_rule = (lo and ("at or above " .. fmt(lo)) or "") ..
          (lo and hi and " and " or "") .. (hi and ("below " .. fmt(hi)) or "")
      end
      local parts = {}
      if e.variants then
        local vs = {}
        for _, v in ipairs(e.variants) do
          local vslot = trace[v.index + 1]
          local ins = {}
          for k, ie in ipairs(v.def.inputs) do ins[k] = shown(ie, trace[ie.index + 1], row) end
          vs[#vs + 1] = { property = v.property, value = num_text(vslot.num, 1),
                          formula = formula(st, ins, num_text(vslot.num, 1) or "not rated") }
          parts[#parts + 1] = v.property .. " " .. (num_text(vslot.num, 1) or "not rated")
        end
        item.properties = vs
        local mask = e.def.mask and trace[e.def.mask.index + 1].num
        item.formula = ("%s over %s = %s"):format(st.reduce, mask and "the properties the threat affects"
          or "the properties", item.value or "not rated")
      elseif e.def.op == 7 then
        local ins = {}
        for k, ie in ipairs(e.def.inputs) do ins[k] = shown(ie, trace[ie.index + 1], row) end
        if e.matrix or st.matrix_decl then
          local cell = item.value or "not rated"
          if e == r.result and r.by_names and slot.num then
            cell = r.levels[math.floor(slot.num / decimal.UNIT)].name
            item.value = cell
          end
          item.formula = ("matrix '%s': row %s, column %s: %s"):format(
            (e.matrix or st.matrix_decl).name, ins[1], ins[2], cell)
        else
          local d = st.decl or r.decl
          local fn = d and d.fields.combine
          item.formula = ("the rule file's function (line %s) for %s: %s")
            :format(fn and fn.line or "?", table.concat(ins, ", "), item.value or "not rated")
        end
      else
        for k, ie in ipairs(e.def.inputs) do parts[k] = shown(ie, trace[ie.index + 1], row) end
        if e == r.result and not e.stage then st.weights = e.def.weights end
        item.formula = formula(st, parts, item.value or "not rated")
      end
      out.stages[#out.stages + 1] = item
    end
  end
  local rs = trace[r.result.index + 1]
  return res.score[1], res.rank[1], rs.num and num_text(rs.num, r.result.den)
end

-- The single step of a tabulated method: its formula over the factors.
local function table_steps(m, ratings, out)
  local r = m.spec.risk
  local parts, cell, stride = {}, 0, 1
  for _, f in ipairs(r.factors) do
    local p = ratings[f.name] and m:parse_rating(f.name, ratings[f.name])
    local t = p and f.scale.positions[p]
    out.inputs[#out.inputs + 1] = { name = f.name, kind = "tiers", title = f.scale.title,
                                    label = t and t.label, value = t and fmt(t.micro),
                                    rated = t ~= nil and not t.not_rated }
    if not t or t.not_rated then return nil end
    parts[#parts + 1] = f.name .. " " .. (t.label == fmt(t.micro) and t.label
                                          or ("%s (%s)"):format(fmt(t.micro), t.label))
    cell = cell + (p - 1) * stride
    stride = stride * f.ntiers
  end
  local score = r.scores[cell]
  local item = { name = "risk_score", combine = r.combine, value = fmt(score),
                 runs = ("lookup table of %d cells"):format(stride) }
  if r.combine == "matrix" then
    local mx = r.matrix
    local function axis(name)
      local t = m.spec.scales[name].positions[m:parse_rating(name, ratings[name])]
      return ("%s %s (%s)"):format(name, fmt(t.micro), t.label)
    end
    if mx.names then item.value = r.levels[r.ranks[cell]].name end
    item.formula = ("matrix '%s': row %s, column %s: %s"):format(mx.decl.name, axis(mx.rows),
      axis(mx.columns), mx.names and r.levels[r.ranks[cell]].name or fmt(score))
  elseif r.combine == "function" then
    item.formula = ("the rule file's function (line %s) for %s: %s")
      :format(r.decl.fields.combine.line, table.concat(parts, ", "), fmt(score))
  else
    local st = { combine = r.combine, weights = {} }
    for k, f in ipairs(r.factors) do st.weights[k] = r.weights[f.name] end
    item.formula = formula(st, parts, fmt(score))
  end
  out.stages[#out.stages + 1] = item
  return score, r.ranks[cell], fmt(score)
end

local KIND = { [false] = "acceptance", [true] = "residual_acceptance" }

-- Which criteria apply, which hold, and the decision.
local function acceptance(m, risk, view, residual)
  local r = m.spec.risk
  local verdicts, reasons = risk_view.verdicts(m, { view }, residual)
  local list, applied, failed = {}, {}, nil
  local micro = decimal.round(view.score)
  for _, rule in ipairs(r.rules) do
    if rule.residual == (residual and true or false) then
      local item = { name = rule.name, kind = KIND[rule.residual], line = rule.line }
      item.applies = risk_view.applies(rule, view, r)
      if not item.applies then
        -- the first condition of `when` the risk does not meet, with its value
        local have = { asset_class = view.asset.class, asset_type = view.asset.type,
                       category = view.category, level = view.level }
        local why = {}
        for _, key in ipairs({ "asset_class", "asset_type", "category", "level", "obligations" }) do
          local names = rule.when[key]
          if names then
            local hit = false
            for _, n in ipairs(names) do
              if key == "obligations" then hit = hit or view.obligations[n:lower()]
              elseif have[key] and tostring(have[key]):lower() == n:lower() then hit = true end
            end
            if not hit then
              why[#why + 1] = key == "obligations"
                and ("the risk carries none of the obligations %s"):format(table.concat(names, ", "))
                or ("%s %s is not %s"):format(key:gsub("_", " "), have[key] or "(none)",
                                              table.concat(names, " or "))
            end
          end
        end
        item.why = "does not apply: " .. table.concat(why, "; ")
      else
        local fails = {}
        if rule.max_level and view.rank > rule.max_level.rank then
          fails[#fails + 1] = ("level %s is above %s"):format(view.level, rule.max_level.name)
        end
        if rule.max_score and micro > rule.max_score then
          fails[#fails + 1] = ("score %s is above %s"):format(fmt(micro), fmt(rule.max_score))
        end
        if rule.predicate_bit and bit.band(verdicts[1], bit.lshift(1, rule.predicate_bit)) == 0 then
          fails[#fails + 1] = ("the predicate (line %d) says no%s"):format(rule.predicate_line,
            reasons[1][rule.name] and (": " .. reasons[1][rule.name]) or "")
        end
        item.holds = #fails == 0
        if item.holds then
          local ok = {}
          if rule.max_level then
            ok[#ok + 1] = ("level %s is at most %s"):format(view.level, rule.max_level.name)
          end
          if rule.max_score then
            ok[#ok + 1] = ("score %s is at most %s"):format(fmt(micro), fmt(rule.max_score))
          end
          if rule.predicate_bit then
            ok[#ok + 1] = ("the predicate (line %d) says yes"):format(rule.predicate_line)
          end
          item.why = "applies and holds: " .. table.concat(ok, "; ")
          applied[#applied + 1] = rule.name
        else
          item.why = "applies and fails: " .. table.concat(fails, "; ") ..
            (rule.description and (" (" .. rule.description .. ")") or "")
          failed = failed or rule.name
        end
      end
      list[#list + 1] = item
    end
  end
  local decision
  if failed then
    decision = ("not acceptable: %s '%s' fails"):format(KIND[residual and true or false], failed)
  elseif #applied == 0 then
    decision = "not acceptable: no criterion applies to this risk"
  else
    decision = ("acceptable: %s apply and hold"):format(table.concat(applied, ", "))
  end
  local _ = risk
  return { acceptable = failed == nil and #applied > 0, decision = decision, criteria = list }
end

--- Explains one risk's result. `risk` as for m:acceptable ({ ratings =,
-- asset =, threat =, assets =, category =, obligations =, impacts = }),
-- or a plain table of ratings.
-- @tparam table opts `{ residual = true }` to judge residual acceptance
-- @treturn table `{ methodology, inputs, stages, score, level, rank,
--   level_rule, acceptance }` or nil and the reason
function M.explain(m, risk, opts)
  opts = opts or {}
  local r = m.spec.risk
  if not r then return nil, m:name() .. " does not score risks (no risk_score)" end
  if risk.ratings == nil then risk = { ratings = risk } end
  local out = { methodology = m:name(), inputs = {}, stages = {} }
  local micro, rank, shown_score
  if r.staged then
    local row, why = risk_view.staged_row(m, risk.ratings, risk)
    if not row then return nil, why end
    micro, rank, shown_score = staged_steps(m, row, out)
  else
    micro, rank, shown_score = table_steps(m, risk.ratings, out)
  end
  if not micro or rank < 1 then
    out.rated = false
    out.level = nil
    out.decision = "not rated: an input is not rated, so the risk has no level and no criterion applies"
    return out
  end
  out.rated = true
  out.score = shown_score
  out.rank = rank
  local lv = r.levels[rank]
  out.level = lv.name
  out.level_rule = level_rule_text(r, lv)
  local view = risk_view.view(m, { ratings = risk.ratings, rank = rank,
    score = decimal.to_number(micro), category = risk.category, impacts = risk.impacts,
    obligations = risk.obligations, asset = risk.asset })
  out.acceptance = acceptance(m, risk, view, opts.residual)
  out.decision = out.acceptance.decision
  if opts.target then
    -- the target: the same definition after the planned changes of ratings
    local ratings, changes = {}, {}
    for k, v in pairs(risk.ratings) do ratings[k] = v end
    local names = {}
    for k in pairs(opts.target) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do
      ratings[k] = opts.target[k]
      changes[#changes + 1] = ("%s %s -> %s"):format(k, tostring(risk.ratings[k] or "not rated"),
                                                   tostring(opts.target[k]))
    end
    local tr = {}
    for k, v in pairs(risk) do tr[k] = v end
    tr.ratings = ratings
    local t = M.explain(m, tr, { residual = true })
    out.target = { changes = changes, score = t.score, level = t.level, rank = t.rank,
                   rated = t.rated, decision = t.decision, stages = t.stages }
  end
  return out
end

--- Explains one asset's valuation: its C, I and A tiers, how they combine,
-- the value and the class band it falls in.
-- @tparam table asset `{ C =, I =, A = }` (tier values, labels or aliases;
--   an asset row's c, i, a also do)
-- @treturn table `{ methodology, inputs, formula, value, class, class_rule }`
--   (valued = false when a tier is missing), or nil and the reason
function M.explain_value(m, asset)
  if not m:values_assets() then return nil, m:name() .. " does not value assets" end
  local out = { methodology = m:name(), inputs = {}, combine = m:combine() }
  local tiers, parts = {}, {}
  for _, d in ipairs({ "C", "I", "A" }) do
    local v = asset[d]
    if v == nil then v = asset[d:lower()] end
    local t, why
    if v ~= nil and v ~= "" and v ~= 0 then
      t, why = m:parse(d, v)
      if not t then return nil, why end
    end
    local tier = t and m.spec.scales[d].positions[t]
    out.inputs[#out.inputs + 1] = { name = d, value = t, label = tier and tier.label }
    tiers[#tiers + 1] = t
    parts[#parts + 1] = d .. " " .. tostring(t)
  end
  if #tiers < 3 then
    out.valued = false
    out.decision = "unvalued: C, I and A are all needed"
    return out
  end
  local value, class = m:value(tiers[1], tiers[2], tiers[3])
  out.valued, out.value, out.class = true, value, class
  local spec = m.spec
  local value_text = ("%.15g"):format(value)
  if spec.weights then
    local terms = {}
    for k, d in ipairs({ "C", "I", "A" }) do
      terms[k] = ("%s x %s %d"):format(fmt(spec.weights[d]), d, tiers[k])
    end
    out.formula = table.concat(terms, " + ") .. " = " .. value_text
  elseif spec.combine == "sum" then
    out.formula = table.concat(parts, " + ") .. " = " .. value_text
  elseif spec.combine == "max" then
    out.formula = ("max(%s) = %s"):format(table.concat(parts, ", "), value_text)
  else
    out.formula = table.concat(parts, " x ") .. " = " .. value_text
  end
  for _, c in ipairs(spec.classes) do
    if c.name == class then
      local rule = {}
      if c.values then
        local vs = {}
        for k, v in ipairs(c.values) do vs[k] = ("%.15g"):format(v) end
        rule[#rule + 1] = "values " .. table.concat(vs, ", ")
      end
      if c.range then rule[#rule + 1] = ("range %.15g to %.15g"):format(c.range[1], c.range[2]) end
      out.class_rule = table.concat(rule, "; ")
      out.class_line = c.line
    end
  end
  out.decision = ("value %s: class %s (line %d: %s)"):format(value_text, class, out.class_line or 0,
                                                            out.class_rule or "")
  return out
end

--- A valuation explanation as text.
function M.value_text(e)
  local lines = { ("methodology %s"):format(e.methodology), "", "inputs:" }
  for _, i in ipairs(e.inputs) do
    lines[#lines + 1] = ("  %-4s %s"):format(i.name, i.value and ("%d (%s)"):format(i.value, i.label)
                                              or "not valued")
  end
  lines[#lines + 1] = ""
  if e.formula then lines[#lines + 1] = "asset value = " .. e.formula end
  lines[#lines + 1] = e.decision
  return table.concat(lines, "\n") .. "\n"
end

--- The explanation as lines of text, in the order an auditor checks them.
function M.text(e)
  local lines = { ("methodology %s"):format(e.methodology), "", "inputs:" }
  for _, i in ipairs(e.inputs) do
    if i.kind == "tiers" then
      lines[#lines + 1] = ("  %-24s %s"):format(i.name, i.rated and
        (i.label == i.value and i.value or ("%s (%s)"):format(i.value, i.label))
        or (i.label and ("not rated (" .. i.label .. ")") or "not rated"))
    else
      lines[#lines + 1] = ("  %-24s %s"):format(i.name, i.value or "not given")
    end
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "stages:"
  for _, st in ipairs(e.stages) do
    lines[#lines + 1] = ("  %s = %s%s  [%s]"):format(st.name, st.value or "not rated",
      st.band and ("  band " .. st.band .. " (" .. st.band_rule .. ")") or "", st.runs or "")
    for _, p in ipairs(st.properties or {}) do
      lines[#lines + 1] = ("      %s: %s"):format(p.property, p.formula)
    end
    if st.formula then lines[#lines + 1] = "      " .. st.formula end
    if st.exact then lines[#lines + 1] = "      exactly " .. st.exact .. " (bands compare it exactly)" end
  end
  lines[#lines + 1] = ""
  if not e.rated then
    lines[#lines + 1] = e.decision
    return table.concat(lines, "\n") .. "\n"
  end
  lines[#lines + 1] = ("score %s: level %s (rank %d; %s)"):format(e.score, e.level, e.rank,
                                                                 e.level_rule)
  lines[#lines + 1] = ""
  lines[#lines + 1] = "acceptance:"
  for _, c in ipairs(e.acceptance.criteria) do
    lines[#lines + 1] = ("  %s '%s' (line %d): %s"):format(c.kind, c.name, c.line, c.why)
  end
  lines[#lines + 1] = e.decision
  if e.target then
    lines[#lines + 1] = ""
    lines[#lines + 1] = ("target (%s):"):format(table.concat(e.target.changes, ", "))
    for _, st in ipairs(e.target.stages) do
      lines[#lines + 1] = ("  %s = %s%s"):format(st.name, st.value or "not rated",
                                                 st.band and ("  band " .. st.band) or "")
    end
    lines[#lines + 1] = e.target.rated and ("score %s: level %s; as residual risk, %s"):format(
      e.target.score, e.target.level, e.target.decision) or e.target.decision
  end
  return table.concat(lines, "\n") .. "\n"
end

return M
