--- The interactive Lua REPL of `isms repl` (trusted: full Lua).
-- Globals: `isms` (the API) and `reg` (the register given by --db or
-- ISMS_DB, if any). Expressions print their values; incomplete statements
-- continue on the next line. Inside the isms executable input has readline
-- editing and history (~/.isms_history); elsewhere it reads plain lines.
local isms = require "isms"
local format = require "isms.store.format"

local M = {}

local function show(v, depth, seen)
  depth, seen = depth or 0, seen or {}
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) ~= "table" or seen[v] then return tostring(v) end
  if depth >= 2 then return "{…}" end
  seen[v] = true
  local parts, n = {}, 0
  for k, x in ipairs(v) do
    n = k
    if k > 20 then parts[#parts + 1] = ("… (%d items)"):format(#v) break end
    parts[#parts + 1] = show(x, depth + 1, seen)
  end
  for _, k in ipairs(format.extra_keys(v, n)) do
    local key = type(k) == "string" and k:match("^[%a_][%w_]*$") and k or ("[" .. show(k) .. "]")
    parts[#parts + 1] = key .. " = " .. show(v[k], depth + 1, seen)
  end
  return "{ " .. table.concat(parts, ", ") .. " }"
end
M.show = show

local function reader()
  local ok, host = pcall(require, "isms._host")
  if ok and host.readline and host.interactive() then
    local home = os.getenv("HOME")
    local history = home and (home .. "/.isms_history")
    if history then host.read_history(history) end
    return function(prompt)
      local line = host.readline(prompt)
      if line and line:match("%S") then
        host.add_history(line)
        if history then host.append_history(history) end
      end
      return line
    end
  end
  return function(prompt)
    io.stdout:write(prompt)
    io.stdout:flush()
    return io.read("*l")
  end
end

--- Compiles a line as an expression first, then as a statement.
-- @treturn function|nil, string|nil chunk, or nil and error ("incomplete" for more input)
local function compile(src)
  local chunk = loadstring("return " .. src, "=repl")
  if chunk then return chunk end
  local err
  chunk, err = loadstring(src, "=repl")
  if chunk then return chunk end
  if err:match("<eof>") then return nil, "incomplete" end
  return nil, err
end

--- Runs the REPL until end of input; returns the exit code.
function M.run(opts)
  opts = opts or {}
  _G.isms = isms
  if opts.db then
    local reg, err = isms.open(opts.db, { create = false })
    if not reg then
      io.stderr:write("isms: ", err, "\n")
      return 4
    end
    _G.reg = reg
  end
  local read = reader()
  io.stdout:write(("isms %s — Lua %s. `isms` is the API%s. Ctrl-D to leave.\n"):format(
    isms.version, jit and jit.version or _VERSION, _G.reg and ", `reg` the register" or ""))
  local buffer
  while true do
    local line = read(buffer and ">> " or "isms> ")
    if not line then break end
    buffer = buffer and (buffer .. "\n" .. line) or line
    local chunk, err = compile(buffer)
    if err ~= "incomplete" then  -- an incomplete statement keeps reading
      buffer = nil
      if not chunk then
        io.stdout:write(err, "\n")
      else
        local results = { xpcall(chunk, debug.traceback) }
        if not results[1] then
          io.stdout:write(tostring(results[2]), "\n")
        else
          local n = table.maxn(results)
          if n > 1 then
            local parts = {}
            for k = 2, n do parts[#parts + 1] = show(results[k]) end
            io.stdout:write(table.concat(parts, "\t"), "\n")
          end
        end
      end
    end
  end
  io.stdout:write("\n")
  if _G.reg then _G.reg:close() end
  return 0
end

return M
