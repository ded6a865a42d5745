--- Results of an assessment under its gap method (mixed into Register):
-- every assessable requirement with its answer, score and whether it is a
-- gap; roll-ups by section (the framework's clauses or families), by
-- group (themes, implementation groups) and overall; the gaps in the
-- method's priority order; the remediation effort and the weeks it
-- implies for a team.
local assess = require "isms.gap.assess"
local method = require "isms.gap.method"
local fields = require "isms.store.fields"
local ITEMS = require("isms.gap.filter").methods("items")

-- The requirements of a framework (?1) in catalog order with the answers
-- of an assessment (?2), read by position in gap_results: 1-9 the node,
-- 10 whether it is answered, 11-20 the answer's fields.
local RESULTS_SQL = "SELECT r.ref, r.parent, r.depth, r.ord, r.title, r.assessable, r.mandatory, "
  .. "r.control, r.groups, a.requirement, a.status, a.maturity, a.target, a.justification, "
  .. "a.evidence, a.owner, a.remediation, a.effort, a.due, a.origin FROM requirements r "
  .. "LEFT JOIN answers a ON a.assessment = ?2 AND a.requirement = r.ref "
  .. "WHERE r.framework = ?1 ORDER BY r.ord"

local M = { methods = {} }
local R = M.methods

-- The risks each control's treatments select: { [control] = { rank, count } }.
local function control_risks(reg)
  local out = {}
  for row in reg:query("SELECT tc.control AS control, max(r.level_rank) AS rank, count(*) AS n "
      .. "FROM treatment_controls tc JOIN risks r ON r.ref = tc.risk GROUP BY tc.control") do
    out[row.control] = { rank = tonumber(row.rank) or 0, count = tonumber(row.n) or 0 }
  end
  return out
end

-- The section depth: the shallowest depth with at least three nodes that
-- hold assessable requirements (clauses 4-10 and A; CISO's core/annex-a
-- roots are skipped; OSCAL's families).
local function section_depth(nodes)
  local at = {}
  for _, n in ipairs(nodes) do
    if n.assessable then
      local p = n
      while p do
        at[p.depth] = at[p.depth] or {}
        at[p.depth][p.ref] = true
        p = p.parent_node
      end
    end
  end
  for d = 1, 8 do
    local count = 0
    for _ in pairs(at[d] or {}) do count = count + 1 end
    if count >= 3 then return d end
  end
  return 1
end

-- A requirement's weight under a method's weights (method.lua): its own,
-- else the largest of its groups', else mandatory's (a mandatory one) or
-- other's, else 1.
local function weight_of(w, it)
  local v = w.requirements[it.ref]
  if v then return v end
  local best
  for g in (it.groups or ""):gmatch("[^;]+") do
    local x = w.groups[g:match("^%s*(.-)%s*$")]
    if x and (not best or x > best) then best = x end
  end
  if best then return best end
  if it.mandatory and w.mandatory then return w.mandatory end
  return w.other or 1
end

local function rollup_value(m, list)
  if m.rollup == "weighted" then
    local sum, n = 0, 0
    for _, a in ipairs(list) do
      if a.applicable then sum, n = sum + a.weight * a.score, n + a.weight end
    end
    return n > 0 and 100 * sum / n or nil
  end
  if m.rollup == "percent_met" then
    local sum, n = 0, 0
    for _, a in ipairs(list) do
      if a.applicable then sum, n = sum + a.score, n + 1 end
    end
    return n > 0 and 100 * sum / n or nil
  end
  local sum, n, least = 0, 0, nil
  for _, a in ipairs(list) do
    if a.applicable and a.maturity then
      sum, n = sum + a.maturity, n + 1
      least = least and math.min(least, a.maturity) or a.maturity
    end
  end
  if m.rollup == "mean_maturity" then return n > 0 and sum / n or nil end
  return least
end

local COMPARE = {
  mandatory = function(a, b) if a.mandatory ~= b.mandatory then return a.mandatory end end,
  risk = function(a, b)
    if a.risk_rank ~= b.risk_rank then return a.risk_rank > b.risk_rank end
    if a.risk_count ~= b.risk_count then return a.risk_count > b.risk_count end
  end,
  score = function(a, b) if a.score ~= b.score then return a.score < b.score end end,
  maturity_gap = function(a, b)
    if a.maturity_gap ~= b.maturity_gap then return a.maturity_gap > b.maturity_gap end
  end,
  effort = function(a, b)
    local x, y = a.effort or math.huge, b.effort or math.huge
    if x ~= y then return x < y end
  end,
  due = function(a, b)
    local x, y = a.due or "~", b.due or "~"
    if x ~= y then return x < y end
  end,
  order = function(a, b) if a.order ~= b.order then return a.order < b.order end end,
}

-- Sorts list in place by less(a, b) (a merge sort): in Lua the JIT
-- compiles the loop together with less, where table.sort calls less from
-- C, about a thousand instructions a call (a catalog has thousands of gaps).
local function sort(list, less)
  local n = #list
  local src, dst = list, {}
  local width = 1
  while width < n do
    for lo = 1, n, 2 * width do
      local mid, hi = math.min(lo + width, n + 1), math.min(lo + 2 * width, n + 1)
      local i, j, k = lo, mid, lo
      while i < mid and j < hi do
        if less(src[j], src[i]) then
          dst[k], j = src[j], j + 1
        else
          dst[k], i = src[i], i + 1
        end
        k = k + 1
      end
      for x = i, mid - 1 do dst[k], k = src[x], k + 1 end
      for x = j, hi - 1 do dst[k], k = src[x], k + 1 end
    end
    src, dst = dst, src
    width = width * 2
  end
  if src ~= list then
    for k = 1, n do list[k] = src[k] end
  end
end

--- The results of an assessment.
-- @tparam string id the assessment
-- @tparam[opt] table opts `{ team = people working on remediation (1) }`
-- @treturn table `{ assessment, framework, method, items, sections, groups,
--   total, gaps, effort, weeks, counts }` or nil, message, code
function R:gap_results(id, opts)
  opts = opts or {}
  local a, m, code = assess.assessment(self, id)
  if not a then return nil, m, code end
  -- The catalog and the answers in one pass, each row an array (no keyed
  -- table per row: a catalog may hold thousands of requirements): the
  -- node's columns, then the answer's (answered: a.requirement is set,
  -- its fields typed as the answer kind reads them; unanswered: none).
  local nodes, by_ref = {}, {}
  for row in self:tuples(RESULTS_SQL, a.framework, id) do
    local n = { ref = row[1], parent = row[2], depth = tonumber(row[3]), order = tonumber(row[4]),
                title = row[5], assessable = row[6] == "1", mandatory = row[7] == "1",
                control = row[8] == "1", groups = row[9], answer = row[10] and row or nil }
    nodes[#nodes + 1] = n
    by_ref[n.ref] = n
  end
  for _, n in ipairs(nodes) do n.parent_node = n.parent and by_ref[n.parent] or nil end
  local depth = section_depth(nodes)
  local risks = control_risks(self)
  local items = {}
  local target_default = m.default_target
  local no_risk = { rank = 0, count = 0 }
  for _, n in ipairs(nodes) do
    if n.assessable then
      local row = n.answer
      local status, maturity, target, evidence, effort
      if row then
        status, maturity, target = row[11], tonumber(row[12]), tonumber(row[13])
        evidence = row[15] and fields.items(row[15]) or {}
        effort = tonumber(row[18])
      end
      local s = method.status(m, status) or m.unanswered
      local section = n
      while section.parent_node and section.depth > depth do section = section.parent_node end
      target = target or target_default
      local r = risks[n.ref] or no_risk
      items[#items + 1] = {
        ref = n.ref, title = n.title, order = n.order, section = section.ref,
        section_title = section.title, groups = n.groups, mandatory = n.mandatory,
        control = n.control, status = s.id, status_title = s.title, applicable = s.applicable,
        assessed = s.assessed, score = s.score or 0, maturity = maturity, target = target,
        maturity_gap = (target and maturity) and math.max(0, target - maturity) or 0,
        owner = row and row[16], remediation = row and row[17], effort = effort,
        due = row and row[19], origin = row and row[20], evidence = evidence,
        justification = row and row[14], risk_rank = r.rank, risk_count = r.count,
      }
    end
  end
  if m.weights then
    for _, it in ipairs(items) do it.weight = weight_of(m.weights, it) end
  end
  -- Gaps: by the method's rule, or its function in the sandbox.
  if m.gap == "function" then
    local args = {}
    for k, it in ipairs(items) do
      args[k] = { { ref = it.ref, status = it.status, score = it.score, maturity = it.maturity,
                    target = it.target, mandatory = it.mandatory, control = it.control } }
    end
    local results = method.call(m, "gap", args)
    for k, it in ipairs(items) do
      local r = results[k]
      if not r.ok then return nil, ("%s: gap(%s): %s"):format(m.file, it.ref, r.error), "RULE" end
      it.gap = it.applicable and r.value == true
      it.reason = r.reason
    end
  else
    for _, it in ipairs(items) do
      local by_status = it.applicable and it.score < 1
      local by_maturity = it.applicable and it.maturity_gap > 0
      if m.gap == "status" then it.gap = by_status
      elseif m.gap == "maturity" then it.gap = by_maturity
      else it.gap = by_status or by_maturity end
      if it.gap then
        it.reason = by_status and (it.assessed and it.status_title or "not assessed")
          or ("maturity %d, target %d"):format(it.maturity, it.target)
      end
    end
  end
  -- Roll-ups: by section, and by group (a requirement's groups, ';'
  -- between; none: "Controls" or "Requirements").
  local sections, groups = {}, {}
  local section_of, group_of = {}, {}
  local function add(list, index, key, it)
    local g = index[key]
    if not g then
      g = { id = key, items = {} }
      index[key] = g
      list[#list + 1] = g
    end
    local gi = g.items
    gi[#gi + 1] = it
  end
  for _, it in ipairs(items) do
    add(sections, section_of, it.section, it)
    local any = false
    if it.groups then
      for g in it.groups:gmatch("[^;]+") do
        add(groups, group_of, (g:match("^%s*(.-)%s*$")), it)
        any = true
      end
    end
    if not any then add(groups, group_of, it.control and "Controls" or "Requirements", it) end
  end
  local all = { { id = "total", items = items } }
  local function summarise(list)
    for _, g in ipairs(list) do
      local node = by_ref[g.id]
      g.title = node and node.title or g.id
      local counts = { requirements = #g.items, gaps = 0, met = 0, applicable = 0, assessed = 0 }
      for _, it in ipairs(g.items) do
        if it.gap then counts.gaps = counts.gaps + 1 end
        if it.applicable then counts.applicable = counts.applicable + 1 end
        if it.assessed then counts.assessed = counts.assessed + 1 end
        if it.applicable and it.score >= 1 then counts.met = counts.met + 1 end
      end
      g.counts = counts
      if m.rollup ~= "function" then g.value = rollup_value(m, g.items) end
    end
  end
  summarise(sections)
  summarise(groups)
  summarise(all)
  if m.rollup == "function" then
    local targets, args = {}, {}
    for _, list in ipairs({ sections, groups, all }) do
      for _, g in ipairs(list) do
        local plain = {}
        for k, it in ipairs(g.items) do
          plain[k] = { status = it.status, score = it.score, maturity = it.maturity,
                       target = it.target, applicable = it.applicable }
        end
        targets[#targets + 1] = g
        args[#args + 1] = { plain }
      end
    end
    local results = method.call(m, "rollup", args)
    for k, g in ipairs(targets) do
      local r = results[k]
      if not r.ok or (r.value ~= nil and type(r.value) ~= "number") then
        return nil, ("%s: rollup(%s): %s"):format(m.file, g.id, r.error or "not a number"), "RULE"
      end
      g.value = r.value
    end
  end
  for _, list in ipairs({ sections, groups, all }) do
    for _, g in ipairs(list) do g.items = nil end
  end
  -- Gaps in priority order.
  local gaps = {}
  for _, it in ipairs(items) do if it.gap then gaps[#gaps + 1] = it end end
  sort(gaps, function(x, y)
    for _, key in ipairs(m.priority) do
      local r = COMPARE[key](x, y)
      if r ~= nil then return r end
    end
    return x.order < y.order
  end)
  for k, g in ipairs(gaps) do g.priority = k end
  local effort, unestimated = 0, 0
  for _, g in ipairs(gaps) do
    if g.effort then effort = effort + g.effort else unestimated = unestimated + 1 end
  end
  -- ISO 9001 credit: the management-system (clause) requirements whose
  -- answer was credited from the QMS, of all of them.
  local credited, clauses = 0, 0
  for _, it in ipairs(items) do
    if not it.control then
      clauses = clauses + 1
      if it.origin and it.origin:find("^credited from") then credited = credited + 1 end
    end
  end
  local team = opts.team or 1
  -- res:select(filter) and res:each(filter) over the items (isms.gap.filter)
  return setmetatable({
    credited = credited, clause_requirements = clauses,
    assessment = a, framework = a.framework, method = m.name, method_title = m.title,
    rollup = m.rollup, items = items, sections = sections, groups = groups, total = all[1],
    gaps = gaps, effort = effort, unestimated = unestimated, team = team,
    weeks = effort / (m.days_per_week * team),
  }, ITEMS)
end

require("isms.store.register").extend(M.methods)

return M
