-- Risk-scoring baseline: the per-row Lua path.
--
--   luajit tests/bench/risks_perrow.lua SPEC.json
--
-- Scores N*T generated risks the way a rule engine that calls Lua once per
-- row would: for every risk, score_risk() computes the score from the
-- ratings, level_of() finds the level by scanning the bands (product), and
-- accept_risk() evaluates the acceptance rules; a bounded min-heap keeps the
-- top 100. The workload, the digest and the output format are defined in
-- tests/bench/risks-spec.md; risks_numpy.py must print the same digest line.
--
-- Arithmetic is on doubles holding exact integers: every intermediate stays
-- below 2^53 (the hash is computed in two halves; the spec is checked so the
-- score sum stays below 2^53 too).

local cjson = require "cjson"

local floor = math.floor
local TWO32 = 4294967296
local TWO53 = 9007199254740992
local MULT = 2654435761
local UNIT = 1000000           -- scores are in millionths
local TOP = 100

local function die(msg)
  io.stderr:write("risks_perrow: ", msg, "\n")
  os.exit(2)
end

---------------------------------------------------------------------------
-- Spec loading and validation

local function is_int(x, lo, hi)
  return type(x) == "number" and x == floor(x) and x >= lo and (hi == nil or x <= hi)
end

local function is_array(t)
  if type(t) ~= "table" then return false end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n == #t
end

local function check_keys(t, allowed, where)
  for key in pairs(t) do
    if not allowed[key] then die(where .. ": unknown key " .. tostring(key)) end
  end
end

local function load_spec(path)
  local fh, err = io.open(path, "rb")
  if not fh then die(err) end
  local text = fh:read("*a")
  fh:close()
  local ok, spec = pcall(cjson.decode, text)
  if not ok then die(path .. ": " .. tostring(spec)) end
  if type(spec) ~= "table" then die(path .. ": not a JSON object") end
  check_keys(spec, { assets = true, threats = true, factors = true, combine = true,
                     matrix = true, levels = true, rules = true }, "spec")

  local N, T = spec.assets, spec.threats
  if not is_int(N, 1) then die("assets: want an integer >= 1") end
  if not is_int(T, 1) then die("threats: want an integer >= 1") end
  if N * T > TWO32 then die("assets*threats must be at most 2^32") end

  local factors = spec.factors
  if not is_array(factors) or #factors < 1 then die("factors: want a non-empty array") end
  local tiers, P, prod = {}, {}, 1
  for f, fac in ipairs(factors) do
    if type(fac) ~= "table" then die("factors[" .. f .. "]: want an object") end
    check_keys(fac, { name = true, tiers = true }, "factors[" .. f .. "]")
    if type(fac.name) ~= "string" then die("factors[" .. f .. "].name: want a string") end
    if not is_int(fac.tiers, 1) then die("factors[" .. f .. "].tiers: want an integer >= 1") end
    tiers[f], P[f] = fac.tiers, prod
    prod = prod * fac.tiers
    if prod >= TWO32 then die("product of tiers must be below 2^32") end
  end

  local levels = spec.levels
  if not is_array(levels) or #levels < 1 then die("levels: want a non-empty array") end
  local L = #levels

  local combine = spec.combine
  local lo, hi, matrix = {}, {}, nil
  local max_score
  if combine == "product" then
    if spec.matrix ~= nil then die("matrix: only with combine = \"matrix\"") end
    for r, lev in ipairs(levels) do
      local where = "levels[" .. r .. "]"
      if type(lev) ~= "table" then die(where .. ": want an object") end
      check_keys(lev, { name = true, lo = true, hi = true }, where)
      if type(lev.name) ~= "string" then die(where .. ".name: want a string") end
      if not is_int(lev.lo, 0, TWO53 - 1) then die(where .. ".lo: want an integer >= 0") end
      if not is_int(lev.hi, 0, TWO53 - 1) then die(where .. ".hi: want an integer >= 0") end
      lo[r], hi[r] = lev.lo, lev.hi
    end
    max_score = prod * UNIT
  elseif combine == "matrix" then
    if #factors ~= 2 then die("combine = \"matrix\" needs exactly 2 factors") end
    for r, lev in ipairs(levels) do
      local where = "levels[" .. r .. "]"
      if type(lev) ~= "table" then die(where .. ": want an object") end
      check_keys(lev, { name = true, lo = true, hi = true }, where)
      if type(lev.name) ~= "string" then die(where .. ".name: want a string") end
    end
    matrix = spec.matrix
    if not is_array(matrix) or #matrix ~= tiers[1] then
      die("matrix: want " .. tiers[1] .. " rows (tiers of factor 1)")
    end
    for r, row in ipairs(matrix) do
      if not is_array(row) or #row ~= tiers[2] then
        die("matrix[" .. r .. "]: want " .. tiers[2] .. " cells (tiers of factor 2)")
      end
      for c, cell in ipairs(row) do
        if not is_int(cell, 1, L) then
          die("matrix[" .. r .. "][" .. c .. "]: want a level rank 1.." .. L)
        end
      end
    end
    max_score = L * UNIT
  else
    die("combine: want \"product\" or \"matrix\"")
  end
  if N * T * max_score >= TWO53 then die("score sum could exceed 2^53") end

  local rules = spec.rules
  if not is_array(rules) then die("rules: want an array") end
  local R = {}
  for n, rule in ipairs(rules) do
    local where = "rules[" .. n .. "]"
    if type(rule) ~= "table" then die(where .. ": want an object") end
    check_keys(rule, { when_class = true, when_obligations = true,
                       max_rank = true, max_score = true }, where)
    local r = {}
    if rule.when_class ~= nil then
      if not is_array(rule.when_class) then die(where .. ".when_class: want an array") end
      r.classes = { [0] = false, false, false }
      for _, c in ipairs(rule.when_class) do
        if not is_int(c, 0, 2) then die(where .. ".when_class: want class indices 0..2") end
        r.classes[c] = true
      end
    end
    if rule.when_obligations ~= nil then
      if not is_int(rule.when_obligations, 0, 7) then
        die(where .. ".when_obligations: want a mask 0..7")
      end
      r.obligations = rule.when_obligations
    end
    if rule.max_rank ~= nil then
      if not is_int(rule.max_rank, 0) then die(where .. ".max_rank: want an integer >= 0") end
      r.max_rank = rule.max_rank
    end
    if rule.max_score ~= nil then
      if not is_int(rule.max_score, 0, TWO53 - 1) then
        die(where .. ".max_score: want an integer >= 0 (millionths)")
      end
      r.max_score = rule.max_score
    end
    R[n] = r
  end

  return { N = N, T = T, F = #factors, tiers = tiers, P = P, combine = combine,
           matrix = matrix, L = L, lo = lo, hi = hi, rules = R }
end

---------------------------------------------------------------------------
-- The per-row functions

local spec = load_spec(arg[1] or die("usage: luajit risks_perrow.lua SPEC.json"))
local N, T, F, L = spec.N, spec.T, spec.F, spec.L
local tiers, P = spec.tiers, spec.P
local lo, hi, matrix, rules = spec.lo, spec.hi, spec.matrix, spec.rules
local nrules = #rules

-- score_risk(ratings) -> score (millionths), rank or nil
local score_risk
if spec.combine == "product" then
  score_risk = function(ratings)
    local p = 1
    for f = 1, F do p = p * ratings[f] end
    return p * UNIT, nil
  end
else
  score_risk = function(ratings)
    local rank = matrix[ratings[1]][ratings[2]]
    return rank * UNIT, rank
  end
end

-- level_of(score) -> rank of the first band containing score, 0 if none
local function level_of(score)
  for r = 1, L do
    if score >= lo[r] and score <= hi[r] then return r end
  end
  return 0
end

local band = bit.band
local POPCOUNT = { [0] = 0, 1, 1, 2, 1, 2, 2, 3 }

-- accept_risk(cls, ob, rank, score) -> true if some rule applies and every
-- applying rule holds
local function accept_risk(cls, ob, rank, score)
  local applied = false
  for n = 1, nrules do
    local r = rules[n]
    local classes, obl = r.classes, r.obligations
    if (classes == nil or classes[cls]) and (obl == nil or band(ob, obl) ~= 0) then
      applied = true
      local mr, ms = r.max_rank, r.max_score
      if (mr ~= nil and rank > mr) or (ms ~= nil and score > ms) then return false end
    end
  end
  return applied
end

---------------------------------------------------------------------------
-- Top 100: a min-heap on priority (worst kept risk at the root)

local hr, hs, hp, hk = {}, {}, {}, {}   -- rank, score, popcount, k
local hn = 0

-- is entry a a worse priority than entry b?
local function worse(ra, sa, pa, ka, rb, sb, pb, kb)
  if ra ~= rb then return ra < rb end
  if sa ~= sb then return sa < sb end
  if pa ~= pb then return pa < pb end
  return ka > kb
end

local function sift_up(x)
  while x > 1 do
    local parent = floor(x / 2)
    if not worse(hr[x], hs[x], hp[x], hk[x], hr[parent], hs[parent], hp[parent], hk[parent]) then
      break
    end
    hr[x], hr[parent] = hr[parent], hr[x]
    hs[x], hs[parent] = hs[parent], hs[x]
    hp[x], hp[parent] = hp[parent], hp[x]
    hk[x], hk[parent] = hk[parent], hk[x]
    x = parent
  end
end

local function sift_down(x)
  while true do
    local c = 2 * x
    if c > hn then break end
    if c < hn and worse(hr[c + 1], hs[c + 1], hp[c + 1], hk[c + 1], hr[c], hs[c], hp[c], hk[c]) then
      c = c + 1
    end
    if not worse(hr[c], hs[c], hp[c], hk[c], hr[x], hs[x], hp[x], hk[x]) then break end
    hr[x], hr[c] = hr[c], hr[x]
    hs[x], hs[c] = hs[c], hs[x]
    hp[x], hp[c] = hp[c], hp[x]
    hk[x], hk[c] = hk[c], hk[x]
    x = c
  end
end

local function offer_top(rank, score, pc, k)
  if hn < TOP then
    hn = hn + 1
    hr[hn], hs[hn], hp[hn], hk[hn] = rank, score, pc, k
    sift_up(hn)
  elseif worse(hr[1], hs[1], hp[1], hk[1], rank, score, pc, k) then
    hr[1], hs[1], hp[1], hk[1] = rank, score, pc, k
    sift_down(1)
  end
end

---------------------------------------------------------------------------
-- The run

local wall
do  -- wall clock with sub-second resolution, via clock_gettime
  local ok, ffi = pcall(require, "ffi")
  if ok then
    ffi.cdef [[
      typedef struct { long tv_sec; long tv_nsec; } risks_timespec;
      int clock_gettime(int clk, risks_timespec *tp);
    ]]
    local ts = ffi.new("risks_timespec")
    wall = function()
      ffi.C.clock_gettime(1, ts)          -- CLOCK_MONOTONIC
      return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
    end
  else
    wall = os.clock
  end
end

local t0 = wall()

local counts = {}
for r = 0, L do counts[r] = 0 end
local acceptable, score_sum = 0, 0
local ratings = {}
for f = 1, F do ratings[f] = 1 end

for i = 0, N - 1 do
  local cls = (i * 7) % 3
  for j = 0, T - 1 do
    local k = i * T + j
    -- h = k*2654435761 mod 2^32, split so every product stays below 2^53
    local h = ((k % 65536) * MULT + ((floor(k / 65536) * MULT) % 65536) * 65536) % TWO32
    for f = 1, F do ratings[f] = 1 + floor(h / P[f]) % tiers[f] end
    local ob = (i * 31 + j * 17) % 8
    local score, rank = score_risk(ratings)
    if rank == nil then rank = level_of(score) end
    counts[rank] = counts[rank] + 1
    score_sum = score_sum + score
    if accept_risk(cls, ob, rank, score) then acceptable = acceptable + 1 end
    offer_top(rank, score, POPCOUNT[ob], k)
  end
end

-- the kept entries, best first
local order = {}
for x = 1, hn do order[x] = x end
table.sort(order, function(a, b)
  return worse(hr[b], hs[b], hp[b], hk[b], hr[a], hs[a], hp[a], hk[a])
end)

local seconds = wall() - t0
if seconds <= 0 then seconds = 1e-9 end

local risks = N * T
local top = {}
for x = 1, hn do top[x] = string.format("%d", hk[order[x]]) end
local lv = {}
for r = 0, L do lv[r + 1] = string.format("%d", counts[r]) end
io.write(string.format("impl=perrow-lua risks=%d seconds=%.3f risks_per_s=%d\n",
                       risks, seconds, floor(risks / seconds)))
io.write(string.format("digest levels=%s acceptable=%d score_sum=%s top=%s\n",
                       table.concat(lv, ","), acceptable,
                       string.format("%.0f", score_sum), table.concat(top, ",")))
