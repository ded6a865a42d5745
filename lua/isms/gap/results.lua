--- Results of an assessment under its gap method (mixed into Register):
-- every assessable requirement with its answer, score and whether it is a
-- gap; roll-ups by section (the framework's clauses or families), by
-- group (themes, implementation groups) and overall; the gaps in the
-- method's priority order; the remediation effort and the weeks it
-- implies for a team.
local assess = require "isms.gap.assess"
local method = require "isms.gap.method"
local kinds = require "isms.gap.kinds"
local fields = require "isms.store.fields"

-- The answer fields the results read, and those that read as lists.
local ANSWER_COLUMNS = { "status", "maturity", "target", "justification", "evidence", "owner",
                         "remediation", "effort", "due", "origin" }
local LIST = { evidence = true }

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

local function rollup_value(m, list)
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

--- The results of an assessment.
-- @tparam string id the assessment
-- @tparam[opt] table opts `{ team = people working on remediation (1) }`
-- @treturn table `{ assessment, framework, method, items, sections, groups,
--   total, gaps, effort, weeks, counts }` or nil, message, code
function R:gap_results(id, opts)
  opts = opts or {}
  local a, m, code = assess.assessment(self, id)
  if not a then return nil, m, code end
  -- The catalog and the answers in one pass: each node with its answer's
  -- fields typed as the answer kind reads them (answered: a table, even
  -- if every field is empty; unanswered: none).
  local nodes, by_ref, answers = {}, {}, {}
  local afields = {}
  for _, f in ipairs(ANSWER_COLUMNS) do afields[#afields + 1] = "a." .. f end
  for row in self:query("SELECT r.ref, r.parent, r.depth, r.ord, r.title, r.assessable, "
      .. "r.mandatory, r.control, r.groups, a.requirement AS answered, "
      .. table.concat(afields, ", ") .. " FROM requirements r LEFT JOIN answers a "
      .. "ON a.assessment = ?2 AND a.requirement = r.ref WHERE r.framework = ?1 ORDER BY r.ord",
      a.framework, id) do
    local n = { ref = row.ref, parent = row.parent, depth = tonumber(row.depth),
                order = tonumber(row.ord), title = row.title, assessable = row.assessable == "1",
                mandatory = row.mandatory == "1", control = row.control == "1",
                groups = row.groups }
    nodes[#nodes + 1] = n
    by_ref[n.ref] = n
    if row.answered then
      local ans = {}
      for _, f in ipairs(ANSWER_COLUMNS) do
        local v = row[f]
        if v ~= nil or LIST[f] then ans[f] = fields.read(kinds.answer.by_name[f], v) end
      end
      answers[n.ref] = ans
    end
  end
  for _, n in ipairs(nodes) do n.parent_node = n.parent and by_ref[n.parent] or nil end
  local depth = section_depth(nodes)
  local risks = control_risks(self)
  local items = {}
  local target_default = m.default_target
  for _, n in ipairs(nodes) do
    if n.assessable then
      local ans = answers[n.ref] or {}
      local s = method.status(m, ans.status) or m.unanswered
      local section = n
      while section.parent_node and section.depth > depth do section = section.parent_node end
      local target = ans.target or target_default
      local r = risks[n.ref] or { rank = 0, count = 0 }
      local item = {
        ref = n.ref, title = n.title, order = n.order, section = section.ref,
        section_title = section.title, groups = n.groups, mandatory = n.mandatory,
        control = n.control, status = s.id, status_title = s.title, applicable = s.applicable,
        assessed = s.assessed, score = s.score or 0, maturity = ans.maturity, target = target,
        maturity_gap = (target and ans.maturity) and math.max(0, target - ans.maturity) or 0,
        owner = ans.owner, remediation = ans.remediation, effort = ans.effort, due = ans.due,
        origin = ans.origin, evidence = ans.evidence, justification = ans.justification,
        risk_rank = r.rank, risk_count = r.count,
      }
      items[#items + 1] = item
    end
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
  -- Roll-ups.
  local function group_by(key_of)
    local list, index = {}, {}
    for _, it in ipairs(items) do
      for _, key in ipairs(key_of(it)) do
        local g = index[key]
        if not g then
          g = { id = key, items = {} }
          index[key] = g
          list[#list + 1] = g
        end
        table.insert(g.items, it)
      end
    end
    return list
  end
  local sections = group_by(function(it) return { it.section } end)
  local groups = group_by(function(it)
    local out = {}
    for g in (it.groups or ""):gmatch("[^;]+") do out[#out + 1] = g:match("^%s*(.-)%s*$") end
    if #out == 0 then out[1] = it.control and "Controls" or "Requirements" end
    return out
  end)
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
  table.sort(gaps, function(x, y)
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
  local team = opts.team or 1
  return {
    assessment = a, framework = a.framework, method = m.name, method_title = m.title,
    rollup = m.rollup, items = items, sections = sections, groups = groups, total = all[1],
    gaps = gaps, effort = effort, unestimated = unestimated, team = team,
    weeks = effort / (m.days_per_week * team),
  }
end

require("isms.store.register").extend(M.methods)

return M
