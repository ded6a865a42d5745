-- Where a command's start-up goes (issue #18): runs one `isms` command
-- line in this luajit, timing every `require` of the package (self time,
-- without the modules it requires in turn) and the command itself, and
-- prints the largest items. Not run by make bench; a tool for looking:
--   LUA_PATH='build/luabc/?.lua;build/luabc/?/init.lua;;' ISMS_LIB=build/libisms.so \
--     luajit tests/bench/startup_profile.lua --db DB assess
-- (lua/ instead of build/luabc/ times the sources as they parse.)
local ffi = require "ffi"
ffi.cdef [[
struct isms_prof_ts { long tv_sec; long tv_nsec; };
int clock_gettime(int clk, struct isms_prof_ts *tp);
]]
local ts = ffi.new("struct isms_prof_ts")
local function now()   -- CPU time of this process, ms
  ffi.C.clock_gettime(2, ts)   -- CLOCK_PROCESS_CPUTIME_ID
  return tonumber(ts.tv_sec) * 1e3 + tonumber(ts.tv_nsec) / 1e6
end

local t_start = now()
local self_ms, count, stack = {}, 0, {}
local plain_require = require
function require(name)   -- luacheck: ignore 121
  if package.loaded[name] ~= nil then return package.loaded[name] end
  count = count + 1
  local t0 = now()
  stack[#stack + 1] = 0   -- time spent in nested requires
  local r = plain_require(name)
  local nested = table.remove(stack)
  local total = now() - t0
  self_ms[name] = (self_ms[name] or 0) + total - nested
  if #stack > 0 then stack[#stack] = stack[#stack] + total end
  return r
end

local cli = require "isms.cli"
local t_loaded = now()
io.stdout:setvbuf("full")
local out = io.stdout
io.stdout = io.open("/dev/null", "w")   -- luacheck: ignore 122
local rc = cli.main(arg)
io.stdout = out   -- luacheck: ignore 122
local t_done = now()

local names = {}
for n in pairs(self_ms) do names[#names + 1] = n end
table.sort(names, function(a, b) return self_ms[a] > self_ms[b] end)
print(("exit %s; %d modules; require \"isms.cli\" %.2f ms; the command %.2f ms; total %.2f ms")
      :format(tostring(rc), count, t_loaded - t_start, t_done - t_loaded, t_done - t_start))
print("largest self times (ms), including modules the command loads late:")
for k = 1, math.min(#names, tonumber(os.getenv("TOP") or 25)) do
  print(("  %7.2f  %s"):format(self_ms[names[k]], names[k]))
end
