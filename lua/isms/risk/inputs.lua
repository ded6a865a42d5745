--- The inputs of a staged risk score, taken from the register (issue #16).
--
-- A score that is not a table of tier combinations (more than four
-- factors, scales of many tiers, a score that reads the asset or the
-- threat) runs as a program of stages over columns (isms_stages_run,
-- core/method_stage.c). Here the register hands the program its inputs:
--
--   factors          the risk's rating columns r1..rN (isms_risk_table.rating)
--   asset.C/I/A      the asset's tiers, a column per asset read through each
--                    risk's asset (isms_stage_column.index): no copy per risk
--   asset.value      the asset's value in millionths, per asset, the same way
--   asset.class/type the asset's class (its position among the methodology's
--                    classes) and type, per asset
--   threat.affects   what the risk's threat affects (bits C 1, I 2, A 4), per
--                    threat of the register's catalog entries
--   threat.NAME      the threat's own rating on scale NAME (its catalog
--                    entry's ratings), per threat, the same way
--   vulnerability.NAME  the risk's vulnerability's own rating on scale NAME,
--                    per rated vulnerability, the same way
--   assets.ATTR      the risk's assets: its own and those linked to it
--                    (record_links: kind risk, rel assets), as records
--
-- for a whole RiskTable (columns) or for a few risks given as rows (a put,
-- an explanation), so the register, `isms assess`, `isms risks list --top`
-- and `isms risks explain` compute the same values.
local b = require "isms.store._ffi"
local stages = require "isms.method.stages"

local ffi, C = b.ffi, b.C
local M = {}

local NR = stages.NR
local UINT32_MAX = 0xffffffff
local PROP_FIELD = { C = "c", I = "i", A = "a" }
local AFFECTS_BIT = { C = 1, I = 2, A = 4 }

--- Does m score through the program of stages (not a table)?
function M.staged(m)
  local r = m.spec.risk
  return r ~= nil and r.staged == true and not r.tabulated
end

-- The program's inputs by what they read.
local function reads(m, kind)
  for _, e in ipairs(m.spec.risk.program.inputs) do
    if e.source and e.source.kind == kind then return true end
  end
  return false
end
M.reads = reads

--- Does m's program aggregate the risk's threats (threats.NAME)?
function M.reads_threats(m)
  for _, e in ipairs(m.spec.risk.program.inputs) do
    if e.source and e.source.kind == "records" and e.source.of == "threats" then return true end
  end
  return false
end

-- An asset value (a double) in millionths, rounded half away from zero.
local function micro(v)
  local x = v * 1e6
  return x >= 0 and math.floor(x + 0.5) or -math.floor(-x + 0.5)
end

-- "C,I" (any separators, any case) as bits; 0 when nothing is said.
local function affects_bits(text)
  local bits = 0
  if type(text) == "table" then text = table.concat(text, ",") end
  for p in tostring(text or ""):gmatch("[^,;%s]+") do
    local bv = AFFECTS_BIT[p:upper()]
    if bv then bits = bit.bor(bits, bv) end
  end
  return bits
end
M.affects_bits = affects_bits

--- A threat's stored ratings ("likelihood=Possible;size=2") by scale name.
function M.threat_ratings(text)
  local out = {}
  for k, v in tostring(text or ""):gmatch("([^;=]+)=([^;]*)") do out[k] = v end
  return out
end

--- The links risk -> assets (rel "assets", the default) or threats (rel
-- "threats") of the register: { [ref] = { id, ... } }.
function M.linked_assets(reg, ref, rel)
  local out = {}
  local sql = ("SELECT id, target FROM record_links WHERE kind = 'risk' AND rel = '%s'")
    :format(rel == "threats" and "threats" or "assets")
  local it = ref and reg:query(sql .. " AND id = ?1 ORDER BY target", ref)
    or reg:query(sql .. " ORDER BY id, target")
  for row in it do
    local l = out[row.id]
    if not l then l = {}; out[row.id] = l end
    l[#l + 1] = row.target
  end
  return out
end

-- The value of an asset's attribute as a record value (millionths, NR).
local function record_value(m, attr, c, i, a, valued, value)
  if attr == "value" then return valued and micro(value) or NR end
  local tier = attr == "C" and c or attr == "I" and i or a
  local sc = m.spec.scales[attr]
  local t = tier and tier > 0 and sc.positions[tier]
  if not t or t.not_rated then return NR end
  return t.micro
end

-- A threat's rating on a scale (its ratings text) in millionths, NR when
-- it has none or a not rated tier.
local function record_rating(scale, name, text, attr)
  local v = M.threat_ratings(text)[attr]
  local p = v and require("isms.method.scale").position(scale, name, v)
  local t = p and scale.positions[p]
  if not t or t.not_rated then return NR end
  return t.micro
end

-- Raises the register's message when a read of the risk table failed.
local function read_ok(reg, rc)
  if rc ~= 0 then error({ msg = ffi.string(C.isms_errmsg(reg.db)), code = b.code_names[rc] }) end
end

-- The tier positions on src.scale of n records' ratings texts (a C array
-- of strings, NULL for none): 0 when the record has no rating on the
-- scale, or one the scale does not know (not rated, as in explain).
local function rating_tiers(texts, n, scale, src)
  local arr = ffi.new("uint8_t[?]", math.max(n, 1))
  for k = 0, n - 1 do
    local text = texts[k]
    local v = text ~= nil and M.threat_ratings(ffi.string(text))[src.scale]
    arr[k] = v and require("isms.method.scale").position(scale, src.name, v) or 0
  end
  return arr
end

-- A column of several values per risk (offsets into values): the risk's
-- own record, then each record linked to it. own(i) gives the value of
-- risk i's own record and that record's key; linked(id, key) the value
-- of a linked record, or nil to leave it out.
local function linked_column(t, n, links, own, linked)
  local has_links = next(links) ~= nil
  local total = n
  if has_links then
    for i = 0, n - 1 do
      local l = links[t:ref(i)]
      if l then total = total + #l end
    end
  end
  local off = ffi.new("uint32_t[?]", n + 1)
  local vals = ffi.new("int64_t[?]", math.max(total, 1))
  local at = 0
  for i = 0, n - 1 do
    off[i] = at
    local v, key = own(i)
    vals[at] = v
    at = at + 1
    if has_links then
      for _, id in ipairs(links[t:ref(i)] or {}) do
        local lv = linked(id, key)
        if lv then
          vals[at] = lv
          at = at + 1
        end
      end
    end
  end
  off[n] = at
  return off, vals
end

--- The program's columns for every risk of a RiskTable (t from
-- reg:risk_table()). Returns the isms_stage_column array and what must
-- stay alive while C reads it. `ratings` (optional, with `nratings`)
-- replaces the table's rating columns, in the table's order of factors:
-- the ratings after treatment (isms_risk_table_after).
function M.columns(m, t, reg, ratings, nratings)
  local prog = m.spec.risk.program
  local c, n = t.c, t.n
  local A = c.assets
  local na = tonumber(A.n)
  local cols = ffi.new("isms_stage_column[?]", #prog.slots)
  local keep = { cols, c }
  local column = {}
  for k, name in ipairs(t.factors) do column[name] = k - 1 end
  for _, e in ipairs(prog.inputs) do
    local src = e.source or {}
    local col = cols[e.index]
    if src.kind == "factor" then
      local k = column[e.name]
      if ratings then
        if k and k < nratings then col.tiers = ratings[k] end
      elseif k and k < c.nratings then col.tiers = c.rating[k] end  -- else: not rated
    elseif src.kind == "asset" then
      col.tiers = A[PROP_FIELD[src.prop]]
      col.index = c.asset
    elseif src.kind == "asset_type" then
      col.tiers = A.type
      col.index = c.asset
    elseif src.kind == "asset_class" then
      -- the table's class k -> its position among the methodology's classes
      local pos_of = {}
      for p, tier in ipairs(e.scale.positions) do pos_of[tier.label] = p end
      local map = {}
      for k = 0, c.nclasses - 1 do map[k] = pos_of[ffi.string(c.class_names[k])] or 0 end
      local arr = ffi.new("uint8_t[?]", math.max(na, 1))
      for a = 0, na - 1 do
        local k = A.cls[a]
        arr[a] = k >= 0 and map[k] or 0
      end
      col.tiers, col.index = arr, c.asset
      keep[#keep + 1] = arr
    elseif src.kind == "asset_value" then
      local arr = ffi.new("int64_t[?]", math.max(na, 1))
      local VALUED = C.ISMS_ASSET_VALUED
      for a = 0, na - 1 do
        arr[a] = bit.band(A.flags[a], VALUED) ~= 0 and micro(A.value[a]) or NR
      end
      col.values, col.index = arr, c.asset
      keep[#keep + 1] = arr
    elseif src.kind == "affects" then
      read_ok(reg, C.isms_risk_table_read_threats(reg.db, c))
      local nt = tonumber(c.threats.n)
      local arr = ffi.new("int64_t[?]", math.max(nt, 1))
      for k = 0, nt - 1 do
        local bits = c.threats.affects[k]
        arr[k] = bits ~= 0 and bits or NR  -- says nothing: every property
      end
      col.values, col.index = arr, c.threat_index
      keep[#keep + 1] = arr
    elseif src.kind == "threat_rating" then
      read_ok(reg, C.isms_risk_table_read_threats(reg.db, c))
      local arr = rating_tiers(c.threats.ratings, tonumber(c.threats.n), m.spec.scales[src.scale], src)
      col.tiers, col.index = arr, c.threat_index
      keep[#keep + 1] = arr
    elseif src.kind == "vulnerability_rating" then
      -- per rated vulnerability, read through each risk's (UINT32_MAX:
      -- none, or not rated: the input is not rated)
      read_ok(reg, C.isms_risk_table_read_vulnerabilities(reg.db, c))
      local arr = rating_tiers(c.vulnerabilities.ratings, tonumber(c.vulnerabilities.n),
                               m.spec.scales[src.scale], src)
      col.tiers, col.index = arr, c.vulnerability_index
      keep[#keep + 1] = arr
    elseif src.kind == "records" and src.of == "threats" then
      -- the risk's own threat and the threats linked to it, each by its
      -- catalog rating on the scale (not rated: none, or not in the catalog)
      read_ok(reg, C.isms_risk_table_read_threats(reg.db, c))
      local nt = tonumber(c.threats.n)
      local scale = m.spec.scales[src.attr]
      local per, k_of = ffi.new("int64_t[?]", math.max(nt, 1)), {}
      for k = 0, nt - 1 do
        k_of[ffi.string(c.threats.id[k])] = k
        local text = c.threats.ratings[k]
        per[k] = record_rating(scale, src.name, text ~= nil and ffi.string(text) or nil, src.attr)
      end
      local off, vals = linked_column(t, n, M.linked_assets(reg, nil, "threats"),
        function(i)
          local own = c.threat_index[i]
          return own ~= UINT32_MAX and per[own] or NR, own
        end,
        function(id, own)  -- a threat not in the catalog: not rated
          local k = k_of[id]
          if k ~= own then return k and per[k] or NR end
        end)
      col.offsets, col.values = off, vals
      keep[#keep + 1] = off
      keep[#keep + 1] = vals
      keep[#keep + 1] = per
    elseif src.kind == "records" then
      -- the risk's own asset and the assets linked to it
      local links = M.linked_assets(reg)
      local attr = src.attr
      local per_asset = ffi.new("int64_t[?]", math.max(na, 1))
      local VALUED = C.ISMS_ASSET_VALUED
      for a = 0, na - 1 do
        per_asset[a] = record_value(m, attr, A.c[a], A.i[a], A.a[a],
                                    bit.band(A.flags[a], VALUED) ~= 0, A.value[a])
      end
      local off, vals = linked_column(t, n, links,
        function(i)
          local own = c.asset[i]
          return per_asset[own], own
        end,
        function(id, own)  -- an asset not in the register: left out
          local a = C.isms_risk_table_find_asset(c, id)
          if a >= 0 and a ~= own then return per_asset[a] end
        end)
      col.offsets, col.values = off, vals
      keep[#keep + 1] = off
      keep[#keep + 1] = vals
    end
  end
  return cols, keep
end

--- Scores every risk of a RiskTable through the program: fills score
-- (int64_t[n]) and rank (int16_t[n]).
function M.score_table(m, t, reg, score, rank)
  local cols, keep = M.columns(m, t, reg)
  local rc = C.isms_stages_run(m.spec.risk.program.h, t.n, cols, score, rank)
  if rc ~= 0 then error({ msg = "scoring the register failed: " .. (b.code_names[rc] or rc) }) end
  return keep
end

--- One risk as a row of the program's inputs (stages.run): rating
-- positions by factor name, and from `ctx` the asset (`{ c, i, a, value,
-- class, type }`, tiers and numbers as stored), the threat's affects
-- (text or bits) and the related assets (list of asset tables as above).
function M.row(m, ratings, ctx)
  local row = {}
  local asset = ctx.asset or {}
  for _, e in ipairs(m.spec.risk.program.inputs) do
    local src = e.source or {}
    if src.kind == "factor" then
      local v = ratings[e.name]
      if v and v ~= "" then row[e.name] = tonumber(v) end
    elseif src.kind == "asset" then
      local v = tonumber(asset[PROP_FIELD[src.prop]])
      if v and v > 0 then row[e.name] = v end
    elseif src.kind == "asset_type" then
      local v = asset.type
      for p, tier in ipairs(e.scale.positions) do if tier.label == v then row[e.name] = p end end
    elseif src.kind == "asset_class" then
      local v = asset.class
      for p, tier in ipairs(e.scale.positions) do if tier.label == v then row[e.name] = p end end
    elseif src.kind == "asset_value" then
      local v = tonumber(asset.value)
      if v then row[e.name] = micro(v) end
    elseif src.kind == "affects" then
      local bits = type(ctx.affects) == "number" and ctx.affects or affects_bits(ctx.affects)
      if bits ~= 0 then row[e.name] = bits end
    elseif src.kind == "threat_rating" or src.kind == "vulnerability_rating" then
      local text = src.kind == "threat_rating" and ctx.threat_ratings or ctx.vulnerability_ratings
      local v = M.threat_ratings(text)[src.scale]
      local p = v and require("isms.method.scale").position(m.spec.scales[src.scale], src.name, v)
      if p then row[e.name] = p end
    elseif src.kind == "records" and src.of == "threats" then
      -- ctx.threats: the ratings texts of the risk's threat and those
      -- linked to it (default: its own threat's)
      local list = {}
      local scale = m.spec.scales[src.attr]
      for k, text in ipairs(ctx.threats or { ctx.threat_ratings or false }) do
        list[k] = record_rating(scale, src.name, text or nil, src.attr)
      end
      row[e.name] = list
    elseif src.kind == "records" then
      local list = {}
      for k, a in ipairs(ctx.assets or { asset }) do
        list[k] = record_value(m, src.attr, tonumber(a.c), tonumber(a.i), tonumber(a.a),
                               tonumber(a.value) ~= nil, tonumber(a.value))
      end
      row[e.name] = list
    end
  end
  return row
end

M.UINT32_MAX = UINT32_MAX
return M
