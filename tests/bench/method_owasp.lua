-- The OWASP Risk Rating workload of tests/bench/area-method.sh, shared by
-- the isms engine (method_engine.lua) and the per-row Lua baseline
-- (method_perrow.lua); method_numpy.py computes the same in NumPy.
--
-- N risks numbered k = 0 .. N-1. Factor f (0..15, in the order of the
-- methodology's risk_score) is rated v = floor(h / 2048) mod 10, where
-- h = (k * 2654435761 + f * 2654404609) mod 2^32, stored as the tier's
-- position v + 1. When floor(((k * 2246822519) mod 2^32) / 8192) mod 8 is
-- 0 the four business factors (12..15) are "unknown" (position 11). The
-- obligations of risk k are (k * 31) mod 8.
--
-- Digest: the risks per level (Note, Low, Medium, High, Critical), the
-- acceptable ones (Low at most; Note at most with an obligation), and
-- check = sum over k of rank_k * (k mod 1000).
local ffi = require "ffi"

local M = {}
M.FACTORS = 16
-- Each implementation times the fastest of several passes over the same
-- columns: REPS for the quick ones (the engine, NumPy), REPS_SLOW for the
-- per-row Lua path, whose passes take seconds.
M.REPS, M.REPS_SLOW = 10, 3
M.UNKNOWN = 11

--- Fills 16 rating columns and the obligations column (uint8_t[n] each).
function M.generate(n)
  local cols = {}
  for f = 0, M.FACTORS - 1 do cols[f] = ffi.new("uint8_t[?]", n) end
  local ob = ffi.new("uint8_t[?]", n)
  local floor = math.floor
  for k = 0, n - 1 do
    local unknown = floor(((k * 2246822519) % 4294967296) / 8192) % 8 == 0
    for f = 0, M.FACTORS - 1 do
      local h = (k * 2654435761 + f * 2654404609) % 4294967296
      cols[f][k] = floor(h / 2048) % 10 + 1
    end
    if unknown then
      for f = 12, 15 do cols[f][k] = M.UNKNOWN end
    end
    ob[k] = (k * 31) % 8
  end
  return cols, ob
end

--- The digest line of ranks (int16_t[n], 1..5) and acceptable flags.
function M.digest(n, rank, acceptable)
  local levels = { 0, 0, 0, 0, 0 }
  local acc, check = 0, 0
  for k = 0, n - 1 do
    local r = rank[k]
    levels[r] = levels[r] + 1
    acc = acc + acceptable[k]
    check = check + r * (k % 1000)
  end
  return ("levels=%s acceptable=%d check=%d"):format(table.concat(levels, ","), acc, check)
end

return M
