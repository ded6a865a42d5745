--- Progress bars for long commands (import, value, risks generate,
-- reports, quant run): on stderr, only when stderr is a terminal and
-- ISMS_PROGRESS is not "0"; nothing at all in pipes and files.
-- Two kinds, one look:
--   M.bar(label)            a bar the caller moves: fn(fraction 0..1);
--   M.during(label, source, fn, ...)  a bar drawn by a thread of the
--                           host while fn runs one long C call, its
--                           fraction read from outside the call (the
--                           input file's read position, or the bytes
--                           written against an estimate; else a moving
--                           block and the time so far).
local ffi = require "ffi"

pcall(ffi.cdef, "int isatty(int fd);")

local M = {}

local WIDTH = 30

--- Whether bars are drawn: stderr is a terminal and ISMS_PROGRESS ~= "0".
function M.enabled()
  if os.getenv("ISMS_PROGRESS") == "0" then return false end
  return ffi.C.isatty(2) == 1
end

--- A bar moved by the caller, or nil when bars are off.
-- @tparam string label what runs ("simulating annual loss")
-- @treturn function|nil fn(fraction): draws; at 1 the line is cleared
function M.bar(label)
  if not M.enabled() then return nil end
  local last = -1
  return function(p)
    local pc = math.floor(math.max(0, math.min(1, p)) * 100)
    if pc == last then return end
    last = pc
    local filled = math.floor(pc * WIDTH / 100)
    io.stderr:write(("\r%s [%s%s] %3d%%"):format(label, ("#"):rep(filled),
      ("."):rep(WIDTH - filled), pc))
    if pc >= 100 then io.stderr:write("\r", (" "):rep(#label + WIDTH + 8), "\r") end
    io.stderr:flush()
  end
end

local host
local function host_module()
  if host == nil then
    local ok, h = pcall(require, "isms._host")
    host = ok and h.progress_start and h or false
  end
  return host or nil
end

--- Runs fn(...) with a bar drawn beside it (when bars are on and the
-- isms executable hosts the thread); returns what fn returns.
-- @tparam string label
-- @tparam[opt] table source `{ file = PATH }` (fraction: its read
--   position), `{ bytes = N }` (bytes this process writes, estimated), or nil
-- @tparam function fn
function M.during(label, source, fn, ...)
  local h = M.enabled() and host_module()
  if not h then return fn(...) end
  local mode, path, total = "none", nil, nil
  if source and source.file then
    local f = io.open(source.file, "rb")
    if f then
      mode, path, total = "file", source.file, f:seek("end")
      f:close()
    end
  elseif source and source.bytes then
    mode, total = "io", source.bytes
  end
  local started = h.progress_start(label, mode, path, total)
  local results = { pcall(fn, ...) }
  if started then h.progress_stop() end
  if not results[1] then error(results[2], 0) end
  return unpack(results, 2, table.maxn(results))
end

return M
