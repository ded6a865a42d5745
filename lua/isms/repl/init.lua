--- The interactive Lua REPL of `isms repl` (trusted: full Lua).
-- Globals: `isms` (the API), `reg` (the register given by --db or
-- ISMS_DB, if any) and `help`. Expressions print their values (lists of
-- records as tables); incomplete statements continue on the next line.
-- Inside the isms executable input has readline editing, history
-- (~/.isms_history), tab completion of the API, and Ctrl-C cancels the
-- line or stops a running statement; elsewhere it reads plain lines.
local isms = require "isms"
local pretty = require "isms.repl.pretty"
local help = require "isms.repl.help"
local complete = require "isms.repl.complete"

local M = {}

--- A value as the REPL prints it (bounded; lists of records as tables).
M.show = pretty.show

--- Compiles a line as an expression first, then as a statement.
-- @treturn function|nil, string|nil chunk, or nil and error ("incomplete" for more input)
function M.compile(src)
  -- not `return SRC`: a tail call would hide the statement's line from errors
  local chunk = loadstring("local pack = ...; return pack(" .. src .. "\n)", "=stdin")
  if chunk then return chunk, nil, true end
  local err
  chunk, err = loadstring(src, "=stdin")
  if chunk then return chunk end
  if err:match("<eof>") then return nil, "incomplete" end
  return nil, err
end

-- "/…/lua/isms/x.lua:12: msg" -> "msg": positions inside the package are
-- not the user's.
local function strip_position(msg)
  local rest = msg:match("^[^\n]-%.lua:%d+: (.*)$") or msg:match("^%[string [^\n]-%]:%d+: (.*)$")
  return rest or msg
end

--- The one line the REPL shows for an error raised by a statement: the
-- statement's line ("stdin:N:") and the message, no traceback.
-- @param e the error value
-- @tparam[opt] number line the statement's line where it was raised
-- @treturn string
function M.error_text(e, line)
  local msg
  if type(e) == "table" then
    msg = e.msg or e.message or pretty.show(e)
  else
    msg = tostring(e)
  end
  if msg:match("^stdin:%d+: ") then return msg end
  msg = strip_position(msg)
  return line and ("stdin:%d: %s"):format(line, msg) or msg
end

-- The message handler: finds the user's line on the stack before it unwinds.
local function handler(e)
  local line
  for level = 2, 60 do
    local info = debug.getinfo(level, "Sl")
    if not info then break end
    if info.source == "=stdin" and info.currentline and info.currentline > 0 then
      line = info.currentline
      break
    end
  end
  return M.error_text(e, line)
end
M.handler = handler

local function pack(...) return { n = select("#", ...), ... } end

--- Runs one chunk of input; returns the text to print ("" for none).
-- @tparam string src a complete statement or expression
-- @tparam[opt] function runner how to call (host.run: Ctrl-C armed)
function M.eval(src, runner)
  local chunk, err, expression = M.compile(src)
  if not chunk then return err == "incomplete" and "" or err, err == "incomplete" end
  -- the user's own loops run in the interpreter, where Ctrl-C's hook is seen
  if jit then jit.off(chunk, true) end
  local ok, packed = (runner or xpcall)(function()
    if expression then return chunk(pack) end
    return pack(chunk())
  end, handler)
  if not ok then return tostring(packed) end
  local parts = {}
  for k = 1, packed.n do parts[k] = pretty.show(packed[k]) end
  return table.concat(parts, "\t")
end

local function reader(host)
  if host and host.readline and host.interactive() then
    local home = os.getenv("HOME")
    local history = home and (home .. "/.isms_history")
    if history then host.read_history(history) end
    host.set_completer(function(line, start, stop) return complete.complete(line, start, stop, _G) end)
    return function(prompt)
      local line = host.readline(prompt)
      if line and line:match("%S") then
        host.add_history(line)
        if history then host.append_history(history) end
      end
      return line
    end, true
  end
  return function(prompt)
    io.stdout:write(prompt)
    io.stdout:flush()
    return io.read("*l")
  end, false
end

local function name_objects(reg)
  if reg then
    pretty.name_class(getmetatable(reg), function(r)
      return ("<register %s%s>"):format(r.path, r.db and "" or ", closed")
    end)
  end
end

--- Runs the REPL until end of input; returns the exit code.
function M.run(opts)
  opts = opts or {}
  -- every package and register method now: completion and help() list
  -- what is there, and isms loads its packages on first use otherwise
  isms.load_all()
  _G.isms = isms
  if opts.db then
    local reg, err = isms.open(opts.db, { create = false })
    if not reg then
      io.stderr:write("isms: ", err, "\n")
      return 4
    end
    _G.reg = reg
    name_objects(reg)
  else
    -- a register opened later prints by name too
    local open = isms.open
    isms.open = function(...)
      local reg, e, code = open(...)
      if reg then name_objects(reg) end
      return reg, e, code
    end
    help.attach(isms.open, help.doc(open))
  end
  local function write(s) io.stdout:write(s, "\n") end
  _G.help = help.function_for(_G, write)
  local ok, host = pcall(require, "isms._host")
  if not ok then host = nil end
  local read, interactive = reader(host)
  local runner
  if host and host.run then
    host.catch_interrupt()
    runner = host.run
  end
  if interactive then
    io.stdout:write(("isms %s — Lua %s. `isms` is the API%s; help() for help, Tab completes, "
      .. "Ctrl-D leaves.\n"):format(isms.version, jit and jit.version or _VERSION,
                                     _G.reg and ", `reg` the register" or ""))
  end
  local buffer
  while true do
    local line = read(buffer and ">> " or "isms> ")
    if line == nil then break end
    if line == false then
      buffer = nil  -- Ctrl-C: the line (or the unfinished statement) is dropped
    else
      buffer = buffer and (buffer .. "\n" .. line) or line
      local text, more = M.eval(buffer, runner)
      if not more then
        buffer = nil
        if text ~= "" then write(text) end
      end
    end
  end
  if interactive then io.stdout:write("\n") end
  if _G.reg and _G.reg.db then _G.reg:close() end
  return 0
end

return M
