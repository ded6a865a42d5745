--- The workload spec of the risk-scoring benchmark (tests/bench/risks-spec.md,
-- section 1): reading the JSON file and checking it, for risks_perrow.lua and
-- risks_engine.lua (risks_numpy.py keeps its own copy of these checks).
--
--   package.path = here .. "/?.lua;" .. package.path
--   local spec, err = require("risks_spec").load(path, limits)
local cjson = require "cjson"

local floor = math.floor
local TWO32 = 4294967296
local TWO53 = 9007199254740992
local UNIT = 1000000           -- scores are in millionths

local M = {}

-- A bad spec: unwinds to load, which returns the message.
local failure = {}
local function fail(msg)
  error(setmetatable({ msg = msg }, failure), 0)
end

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
    if not allowed[key] then fail(where .. ": unknown key " .. tostring(key)) end
  end
end

local function parse(path, limits)
  local who = limits.who or "this implementation"
  local fh, err = io.open(path, "rb")
  if not fh then fail(err) end
  local text = fh:read("*a")
  fh:close()
  local ok, spec = pcall(cjson.decode, text)
  if not ok then fail(path .. ": " .. tostring(spec)) end
  if type(spec) ~= "table" then fail(path .. ": not a JSON object") end
  check_keys(spec, { assets = true, threats = true, factors = true, combine = true,
                     matrix = true, levels = true, rules = true }, "spec")

  local N, T = spec.assets, spec.threats
  if not is_int(N, 1) then fail("assets: want an integer >= 1") end
  if not is_int(T, 1) then fail("threats: want an integer >= 1") end
  if limits.risk_bits and N * T >= 2 ^ limits.risk_bits then
    fail("assets*threats: " .. who .. " takes fewer than 2^" .. limits.risk_bits .. " risks")
  end
  if N * T > TWO32 then fail("assets*threats must be at most 2^32") end

  local factors = spec.factors
  if not is_array(factors) or #factors < 1 then fail("factors: want a non-empty array") end
  if limits.factors and #factors > limits.factors then
    fail("factors: " .. who .. " takes at most " .. limits.factors)
  end
  local tiers, P, prod = {}, {}, 1
  for f, fac in ipairs(factors) do
    local where = "factors[" .. f .. "]"
    if type(fac) ~= "table" then fail(where .. ": want an object") end
    check_keys(fac, { name = true, tiers = true }, where)
    if type(fac.name) ~= "string" then fail(where .. ".name: want a string") end
    if not is_int(fac.tiers, 1) then fail(where .. ".tiers: want an integer >= 1") end
    if limits.tiers and fac.tiers > limits.tiers then
      fail(where .. ".tiers: " .. who .. " takes at most " .. limits.tiers)
    end
    tiers[f], P[f] = fac.tiers, prod
    prod = prod * fac.tiers
    if prod >= TWO32 then fail("product of tiers must be below 2^32") end
  end

  local levels = spec.levels
  if not is_array(levels) or #levels < 1 then fail("levels: want a non-empty array") end
  local L = #levels
  if limits.levels and L > limits.levels then
    fail("levels: " .. who .. " takes at most " .. limits.levels)
  end
  local combine, lo, hi, matrix, max_score = spec.combine, {}, {}, nil, nil
  for r, lev in ipairs(levels) do
    local where = "levels[" .. r .. "]"
    if type(lev) ~= "table" then fail(where .. ": want an object") end
    check_keys(lev, { name = true, lo = true, hi = true }, where)
    if type(lev.name) ~= "string" then fail(where .. ".name: want a string") end
    if combine == "product" then
      if not is_int(lev.lo, 0, TWO53 - 1) then fail(where .. ".lo: want an integer >= 0") end
      if not is_int(lev.hi, 0, TWO53 - 1) then fail(where .. ".hi: want an integer >= 0") end
      lo[r], hi[r] = lev.lo, lev.hi
    end
  end
  if combine == "product" then
    if spec.matrix ~= nil then fail("matrix: only with combine = \"matrix\"") end
    max_score = prod * UNIT
  elseif combine == "matrix" then
    if #factors ~= 2 then fail("combine = \"matrix\" needs exactly 2 factors") end
    matrix = spec.matrix
    if not is_array(matrix) or #matrix ~= tiers[1] then
      fail("matrix: want " .. tiers[1] .. " rows (tiers of factor 1)")
    end
    for r, row in ipairs(matrix) do
      if not is_array(row) or #row ~= tiers[2] then
        fail("matrix[" .. r .. "]: want " .. tiers[2] .. " cells (tiers of factor 2)")
      end
      for c, cell in ipairs(row) do
        if not is_int(cell, 1, L) then
          fail("matrix[" .. r .. "][" .. c .. "]: want a level rank 1.." .. L)
        end
      end
    end
    max_score = L * UNIT
  else
    fail("combine: want \"product\" or \"matrix\"")
  end
  if N * T * max_score >= TWO53 then fail("score sum could exceed 2^53") end

  local rules = spec.rules
  if not is_array(rules) then fail("rules: want an array") end
  local R = {}
  for x, rule in ipairs(rules) do
    local where = "rules[" .. x .. "]"
    if type(rule) ~= "table" then fail(where .. ": want an object") end
    check_keys(rule, { when_class = true, when_obligations = true, max_rank = true,
                       max_score = true }, where)
    local r = {}
    if rule.when_class ~= nil then
      if not is_array(rule.when_class) then fail(where .. ".when_class: want an array") end
      r.classes = {}
      for _, c in ipairs(rule.when_class) do
        if not is_int(c, 0, 2) then fail(where .. ".when_class: want class indices 0..2") end
        r.classes[#r.classes + 1] = c
      end
    end
    if rule.when_obligations ~= nil then
      if not is_int(rule.when_obligations, 0, 7) then
        fail(where .. ".when_obligations: want a mask 0..7")
      end
      r.obligations = rule.when_obligations
    end
    if rule.max_rank ~= nil then
      if not is_int(rule.max_rank, 0) then fail(where .. ".max_rank: want an integer >= 0") end
      r.max_rank = rule.max_rank
    end
    if rule.max_score ~= nil then
      if not is_int(rule.max_score, 0, TWO53 - 1) then
        fail(where .. ".max_score: want an integer >= 0 (millionths)")
      end
      r.max_score = rule.max_score
    end
    R[x] = r
  end
  if limits.rules and #R > limits.rules then
    fail("rules: " .. who .. " takes at most " .. limits.rules)
  end
  return { N = N, T = T, F = #factors, tiers = tiers, P = P, combine = combine,
           matrix = matrix, L = L, lo = lo, hi = hi, rules = R }
end

--- Reads and checks the spec file at path.
-- Limits every implementation has: at most 2^32 risks, a product of the
-- tiers below 2^32, a score sum below 2^53.
-- @tparam string path the JSON file
-- @tparam[opt] table limits an implementation's own, tighter limits, each
--   optional: `who` (the implementation, as the messages name it),
--   `risk_bits` (assets*threats must be below 2^risk_bits), at most
--   `factors` factors of at most `tiers` tiers, `levels` levels, `rules` rules
-- @treturn table `N`, `T`, `F` (factors), `tiers[f]`, `P[f]` (product of
--   the tiers before f), `combine`, `matrix` (rows of ranks, or nil), `L`
--   (levels), `lo[r]`, `hi[r]` (product only) and `rules`, each with any of
--   `classes` (a list of class indices 0..2), `obligations`, `max_rank`,
--   `max_score`
-- @return nil and a message when the file cannot be read or the spec is bad;
--   the message names the first problem found
function M.load(path, limits)
  local ok, res = pcall(parse, path, limits or {})
  if ok then return res end
  if getmetatable(res) == failure then return nil, res.msg end
  error(res, 0)  -- a bug here, not a bad spec
end

return M
