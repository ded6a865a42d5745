--- The assessment exercise of the guideline (6.2 a-j) over a RiskTable
-- evaluated under a methodology, and the prioritised register, for the
-- whole register or for the assets a mask keeps (one ISMS scope:
-- isms.context.scope_view.mask). What `isms assess` and the per-scope
-- report print.
local ffi_b = require "isms.store._ffi"
local format = require "isms.store.format"

local ffi, C = ffi_b.ffi, ffi_b.C

local M = {}

local function obligations_text(mask)
  local t = {}
  if bit.band(mask or 0, 1) ~= 0 then t[#t + 1] = "legal" end
  if bit.band(mask or 0, 2) ~= 0 then t[#t + 1] = "regulatory" end
  if bit.band(mask or 0, 4) ~= 0 then t[#t + 1] = "contractual" end
  return table.concat(t, ",")
end
M.obligations_text = obligations_text

--- The risks of a RiskTable in priority order with their position: the
-- first `limit` (all with nil) of those whose asset `keep` marks (an
-- array over t.c.assets, 1 = kept; nil keeps every risk).
function M.prioritised(t, res, limit, keep)
  local list = {}
  local order, k
  if keep then order, k = res.order(res.n) else order, k = res.order(limit or res.n) end
  local asset = t.c.asset
  for p = 1, k do
    local i = order[p - 1]
    if not keep or keep[asset[i]] == 1 then
      local rank = res.rank[i]
      list[#list + 1] = { priority = #list + 1, ref = t:ref(i), asset = t:asset_id(i),
                  class = t:class(i), threat = t:threat(i),
                  level = rank > 0 and res.level_names[rank] or "unrated",
                  score = rank > 0 and format.number(tonumber(res.score[i]) / 1e6) or "",
                  obligations = obligations_text(t.c.obligations[i]),
                  acceptable = rank > 0 and (res.acceptable[i] == 1 and "yes" or "no") or "",
                  decision = t:decision(i) }
      if limit and #list >= limit then break end
    end
  end
  return list
end

--- The steps a-j: what is done and what is missing, over the assets
-- `keep` marks and their risks (all with nil). Returns steps ({ step,
-- what, status, done, missing }), the number of assets and of risks.
function M.steps(t, res, keep)
  local c, n = t.c, t.n
  local A = c.assets
  local nall = tonumber(A.n)
  local nassets, no_owner, no_value, no_risk = 0, 0, 0, 0
  for a = 0, nall - 1 do
    if not keep or keep[a] == 1 then
      nassets = nassets + 1
      if bit.band(A.flags[a], C.ISMS_ASSET_OWNED) == 0 then no_owner = no_owner + 1 end
      if bit.band(A.flags[a], C.ISMS_ASSET_VALUED) == 0 then no_value = no_value + 1 end
      if A.risks[a] == 0 then no_risk = no_risk + 1 end
    end
  end
  -- A stored level is current when it names the level now computed:
  -- the rank of each stored level name under the method (0: none).
  local rank_of_name = {}
  for k, name in ipairs(res.level_names) do rank_of_name[name] = k end
  local stored_rank = ffi.new("int16_t[?]", math.max(c.nlevels, 1))
  for k = 0, c.nlevels - 1 do
    stored_rank[k] = rank_of_name[ffi.string(c.level_names[k])] or -1
  end
  local cnt = { impacts = 0, owners = 0, controls = 0, unrated = 0, stale = 0,
                undecided = 0, unacceptable = 0 }
  local OWNERS, CONTROLS = C.ISMS_RISK_OWNERS, C.ISMS_RISK_CONTROLS
  local rank, acc = res.rank, res.acceptable
  local asset = c.asset
  local nrisks = 0
  for i = 0, n - 1 do
    if not keep or keep[asset[i]] == 1 then
      nrisks = nrisks + 1
      local fl = c.flags[i]
      if c.impacts[i] < 0 then cnt.impacts = cnt.impacts + 1 end
      if bit.band(fl, OWNERS) == 0 then cnt.owners = cnt.owners + 1 end
      if bit.band(fl, CONTROLS) == 0 then cnt.controls = cnt.controls + 1 end
      local rk = rank[i]
      if rk == 0 then cnt.unrated = cnt.unrated + 1
      else
        local lv = c.level[i]
        if lv < 0 or stored_rank[lv] ~= rk or c.acceptable[i] ~= acc[i] then
          cnt.stale = cnt.stale + 1
        end
        if acc[i] == 0 then
          cnt.unacceptable = cnt.unacceptable + 1
          if c.decision[i] == 0 then cnt.undecided = cnt.undecided + 1 end
        end
      end
    end
  end
  local function step(id, what, done, missing)
    return { step = id, what = what, status = missing == 0 and "done" or "missing",
             done = done, missing = missing }
  end
  n = nrisks
  return {
    step("a", "assets and owners", nassets - no_owner, no_owner),
    step("b", "asset values", nassets - no_value, no_value),
    step("c", "threats and vulnerabilities (assets with risks)", nassets - no_risk, no_risk),
    step("d", "impacts identified", n - cnt.impacts, cnt.impacts),
    step("e", "risks and risk owners", n - cnt.owners, cnt.owners),
    step("f", "existing controls recorded", n - cnt.controls, cnt.controls),
    step("g-h", "impact and likelihood rated", n - cnt.unrated, cnt.unrated),
    step("i", "risk levels determined (stored level current)", n - cnt.unrated - cnt.stale,
         cnt.stale + cnt.unrated),
    step("j", "evaluated: unacceptable risks with a decision",
         cnt.unacceptable - cnt.undecided, cnt.undecided),
  }, nassets, nrisks
end

return M
