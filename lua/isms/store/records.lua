--- Writing treatment, SoA and RTP records (isms_records_*): one batch is
-- one transaction and one change batch, every field change logged. The
-- modules treatment.lua, soa.lua and rtp.lua check their input first and
-- write through here; a failure anywhere rolls the whole batch back.
local b = require "isms.store._ffi"

local ffi, C = b.ffi, b.C
local M = {}

local function failure(reg, rc)
  return nil, ffi.string(C.isms_errmsg(reg.db)), b.code_names[rc] or "ERROR"
end

-- Names and values of a field table as C arrays (nil and false -> "", which
-- the store reads as no value; true -> "1"). The arrays are the module's,
-- reused by every call (a store call takes at most 64 fields; the C side
-- keeps no pointer past the call); the texts they point into are the
-- field table's own strings (the caller keeps it alive over the call) or
-- conversions kept in KEEP until the next call.
local NAMES = ffi.new("const char *[64]")
local VALUES = ffi.new("const char *[64]")
local KEEP = {}
local function arrays(fields)
  local n = 0
  for _ in pairs(fields) do n = n + 1 end
  local cn, cv = NAMES, VALUES
  if n > 64 then
    cn, cv = ffi.new("const char *[?]", n), ffi.new("const char *[?]", n)
  end
  local k = 0
  for name, v in pairs(fields) do
    if type(v) ~= "string" then
      if v == true then v = "1" elseif v == false or v == nil then v = "" else v = tostring(v) end
      KEEP[k + 1] = v
    end
    cn[k], cv[k] = name, v
    k = k + 1
  end
  return n, cn, cv, KEEP
end

--- Runs fn(w) in one batch. `w.put(kind, fields)` writes a record
-- (`w.create` one the caller knows is new),
-- `w.delete(kind, key fields)` deletes one, `w.fail(message, code)` gives
-- up; a failing put or delete gives up the same way. The batch commits
-- when fn returns; on giving up nothing is written and the reason comes
-- back.
-- @treturn table|nil `{ created, updated, batch }`, or nil, message, code
function M.run(reg, command, reason, fn, source)
  local out = ffi.new("isms_records *[1]")
  local rc = C.isms_records_begin(reg.db, command, source, reason, out)
  if rc ~= 0 then return failure(reg, rc) end
  local rec = out[0]
  local stop = {}  -- what w.fail raises: the one error this function catches
  local w = {}
  function w.fail(msg, code)
    stop.msg, stop.code = msg, code or "INPUT"
    error(stop, 0)
  end
  local function call(f, kind, fields)
    local n, cn, cv, keep = arrays(fields)
    local frc = f(rec, kind, n, cn, cv)
    assert(fields and keep)  -- the strings cv points into live until here
    if frc ~= 0 then
      stop.msg, stop.code = ffi.string(C.isms_errmsg(reg.db)), b.code_names[frc] or "ERROR"
      error(stop, 0)
    end
  end
  function w.put(kind, fields) call(C.isms_records_put, kind, fields) end
  -- A put of a record known to be new (not read from the register first).
  function w.create(kind, fields) call(C.isms_records_create, kind, fields) end
  function w.delete(kind, key) call(C.isms_records_delete, kind, key) end
  local ok, err = pcall(fn, w)
  if not ok then
    C.isms_records_end(rec, 0, nil)
    if err == stop then return nil, stop.msg, stop.code end
    error(err, 0)
  end
  local rep = ffi.new("isms_import_report")
  rc = C.isms_records_end(rec, 1, rep)
  if rc ~= 0 then return failure(reg, rc) end
  return { created = tonumber(rep.created), updated = tonumber(rep.updated),
           batch = tonumber(rep.batch) }
end

-- ------------------------------------------------------------ checks

--- A calendar date YYYY-MM-DD, or nil and a reason.
function M.date(s, what)
  if type(s) ~= "string" then return nil, ("%s: expected a date YYYY-MM-DD"):format(what) end
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if not y or m < 1 or m > 12 or d < 1 then
    return nil, ("%s: '%s' is not a date YYYY-MM-DD"):format(what, s)
  end
  local days = { 31, (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) and 29 or 28, 31, 30, 31,
                 30, 31, 31, 30, 31, 30, 31 }
  if d > days[m] then return nil, ("%s: '%s' is not a date YYYY-MM-DD"):format(what, s) end
  return s
end

--- Today as YYYY-MM-DD (UTC), unless the caller fixes it.
function M.today(given) return given or os.date("!%Y-%m-%d") end

--- Days from one date to another (both YYYY-MM-DD).
function M.days(from, to)
  local function t(s)
    local y, m, d = s:match("^(%d+)%-(%d+)%-(%d+)$")
    return os.time({ year = tonumber(y), month = tonumber(m), day = tonumber(d), hour = 12 })
  end
  return math.floor((t(to) - t(from)) / 86400 + 0.5)
end

--- A non-empty string field, or nil and a reason.
function M.text(v, what)
  if type(v) ~= "string" or not v:match("%S") then
    return nil, ("%s: expected a non-empty text"):format(what)
  end
  return v
end

return M
