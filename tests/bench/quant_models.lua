--- The quantitative bench's models (issue #17), simulated by libisms:
--   build/isms run tests/bench/quant_models.lua MODEL N ITERATIONS [THREADS]
-- MODEL A: K ~ Poisson(lam_i) events a year, each lognormal from the 90%
-- interval (low_i, high_i); MODEL B: FAIR's product LEF x LM with both PERT
-- (gamma 4). Prints one line: model, risks, years, seconds (the
-- simulation alone, wall clock), the portfolio mean and sd, its standard
-- error and E[S] from the closed-form moments.
local ffi = require "ffi"
local engine = require("isms.quant").engine

pcall(ffi.cdef, [[
typedef struct { long tv_sec; long tv_nsec; } isms_bench_timespec;
int clock_gettime(int clk, isms_bench_timespec *tp);
]])
local ts = ffi.new("isms_bench_timespec")
local function now()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local which, n, years, threads = arg[1], tonumber(arg[2]), tonumber(arg[3]), tonumber(arg[4])
assert(which == "A" or which == "B", "usage: quant_models.lua A|B N ITERATIONS [THREADS]")
local Z90 = 1.6448536269514722
local list, exact = {}, 0
for i = 0, n - 1 do
  local lam = 0.05 * (1 + i % 20)
  local low = 10000 * (1 + i % 10)
  local high = low * (10 + 5 * (i % 7))
  local e
  if which == "A" then
    e = { events = "poisson", lef = { kind = "constant", a = lam },
          primary = { kind = "lognormal", a = low, b = high, shape = 0.9 } }
    local mu, sigma = (math.log(low) + math.log(high)) / 2, (math.log(high) - math.log(low)) / (2 * Z90)
    exact = exact + lam * math.exp(mu + sigma * sigma / 2)
  else
    e = { events = "product", lef = { kind = "pert", a = 0.25 * lam, b = lam, c = 3 * lam, shape = 4 },
          primary = { kind = "pert", a = low, b = 3 * low, c = high, shape = 4 } }
    exact = exact + (0.25 * lam + 4 * lam + 3 * lam) / 6 * (low + 12 * low + high) / 6
  end
  list[#list + 1] = { ref = ("R%05d"):format(i), before = e }
end
local t0 = now()
local run = assert(engine.run(list, { seed = 2026, iterations = years, threads = threads or 0 }))
local s = run:portfolio(false)
local dt = now() - t0
print(("%s %d %d %.3f %.2f %.2f %.2f %.2f"):format(which, n, years, dt, s.mean, s.sd,
      s.sd / math.sqrt(years), exact))
