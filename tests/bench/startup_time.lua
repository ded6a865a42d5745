-- Bench helper of area-startup.sh (run by plain luajit): runs a command
-- N times (after one warm-up run) with its output sent to /dev/null and
-- prints "median_wall_ms median_cpu_ms min_wall_ms" to 0.01 ms.
-- /usr/bin/time rounds to 10 ms, too coarse for a start-up of 10-30 ms;
-- this forks and execs directly (no shell in between), times the child
-- with CLOCK_MONOTONIC and its CPU (user + system) with wait4's rusage.
--   luajit tests/bench/startup_time.lua N COMMAND [ARGS...]
local ffi = require "ffi"

ffi.cdef [[
typedef long time_t;
typedef long suseconds_t;
struct timespec { time_t tv_sec; long tv_nsec; };
struct timeval { time_t tv_sec; suseconds_t tv_usec; };
struct rusage { struct timeval ru_utime; struct timeval ru_stime; long ru_pad[14]; };
int clock_gettime(int clk, struct timespec *tp);
int fork(void);
int execvp(const char *file, char *const argv[]);
int open(const char *path, int flags, ...);
int dup2(int a, int b);
void _exit(int status);
int wait4(int pid, int *status, int options, struct rusage *ru);
]]
local C = ffi.C
local CLOCK_MONOTONIC, O_WRONLY = 1, 1

local n = tonumber(arg[1])
assert(n and n >= 1 and #arg >= 2, "usage: startup_time.lua N COMMAND [ARGS...]")
local argv = ffi.new("char *[?]", #arg)   -- #arg - 1 words and the NULL
local keep = {}
for k = 2, #arg do
  keep[k] = ffi.new("char[?]", #arg[k] + 1, arg[k])
  argv[k - 2] = keep[k]
end

local ts, ru, status = ffi.new("struct timespec"), ffi.new("struct rusage"), ffi.new("int[1]")
local function now()
  C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1e3 + tonumber(ts.tv_nsec) / 1e6
end

-- One run: wall ms, cpu ms; raises when the command fails.
local function run()
  local t0 = now()
  local pid = C.fork()
  if pid == 0 then
    local null = C.open("/dev/null", O_WRONLY)
    C.dup2(null, 1)
    C.dup2(null, 2)
    C.execvp(argv[0], argv)
    C._exit(127)
  end
  assert(pid > 0, "fork failed")
  assert(C.wait4(pid, status, 0, ru) == pid, "wait4 failed")
  local wall = now() - t0
  if status[0] ~= 0 then error(arg[2] .. " failed (wait status " .. status[0] .. ")") end
  local cpu = (tonumber(ru.ru_utime.tv_sec) + tonumber(ru.ru_stime.tv_sec)) * 1e3
            + (tonumber(ru.ru_utime.tv_usec) + tonumber(ru.ru_stime.tv_usec)) / 1e3
  return wall, cpu
end

local function median(t)
  table.sort(t)
  local m = #t
  if m % 2 == 1 then return t[(m + 1) / 2] end
  return (t[m / 2] + t[m / 2 + 1]) / 2
end

run()   -- warm-up: the page cache holds the binary, the package and the register
local walls, cpus = {}, {}
for k = 1, n do walls[k], cpus[k] = run() end
local min_wall = math.min(unpack(walls))
print(("%.2f %.2f %.2f"):format(median(walls), median(cpus), min_wall))
