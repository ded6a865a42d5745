--- Shared set-up for the specs: temporary files, fresh registers, running
-- the isms executable, and a snapshot of everything a register holds (so a
-- test can show that a rejected input changed nothing).
local isms = require "isms"

local H = {}

H.build = os.getenv("ISMS_TEST_BUILD") or "build"
H.exe = H.build .. "/isms"

-- The specs' scratch folder: under ISMS_TEST_TMP when tests/run.sh gives
-- one (it removes it after the run), else a fresh /tmp/lua_XXXXXX removed
-- when the Lua state closes. Some specs build registers of hundreds of MB:
-- left behind, a few runs fill a disk.
local dir = os.tmpname()
os.remove(dir)
local parent = os.getenv("ISMS_TEST_TMP")
if parent and parent ~= "" then dir = parent .. "/" .. dir:match("[^/]+$") end
assert(os.execute("mkdir -p " .. dir) == 0)
H.dir = dir
local sweeper = newproxy(true)
getmetatable(sweeper).__gc = function() os.execute("rm -rf '" .. dir .. "'") end
H._sweeper = sweeper

local counter = 0
--- A fresh path in the test's temporary directory.
function H.tmp(name)
  counter = counter + 1
  return ("%s/%d-%s"):format(dir, counter, name)
end

function H.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

function H.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

--- A file of the shared external data (../shared/external, or
-- $ISMS_SHARED/external), read-only data outside the repository that the
-- issues name for cross-checks. Where it is absent (a clone on its own)
-- the calling test is marked pending with the returned reason (`pending`
-- is given by the spec: busted only puts it in spec files).
function H.external(rel, pending)
  local path = (os.getenv("ISMS_SHARED") or "../shared") .. "/external/" .. rel
  local f = io.open(path, "rb")
  if not f then pending("needs " .. path .. " (shared external data, not in this clone)") end
  f:close()
  return path
end

--- Writes text to a new temporary file named name; returns its path.
function H.file(name, text) return H.write(H.tmp(name), text) end

local qism
--- The shipped qism-fmea methodology (loaded once).
function H.qism()
  qism = qism or assert(isms.methodology.load("qism-fmea"))
  return qism
end

--- A new register using qism-fmea.
function H.register()
  local path = H.tmp("register.db")
  local reg = assert(isms.open(path))
  assert(reg:set_methodology("qism-fmea"))
  return reg, path
end

--- Everything the register holds, as one string: assets as exported,
-- parties, locations, settings, change batches, the change log and risks.
function H.snapshot(reg)
  local out = H.tmp("snapshot.csv")
  assert(reg:export_assets(out))
  local parts = { H.read(out) }
  for _, view in ipairs({ "batches", "changes", "risks" }) do
    local rows = {}
    local iter, cols = reg:rows(view)
    for row in iter do
      local cells = {}
      for k, c in ipairs(cols) do cells[k] = tostring(row[c]) end
      rows[#rows + 1] = table.concat(cells, "|")
    end
    parts[#parts + 1] = view .. ":\n" .. table.concat(rows, "\n")
  end
  parts[#parts + 1] = "methodology=" .. tostring(reg:setting("methodology"))
  return table.concat(parts, "\n")
end

--- How many times needle occurs in s (plain text, not overlapping).
function H.count(s, needle)
  local n, i = 0, 1
  while true do
    local _, e = s:find(needle, i, true)
    if not e then return n end
    n, i = n + 1, e + 1
  end
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
H.shell_quote = shell_quote

--- Runs a shell command line (in a subshell, stderr with stdout):
-- its output and exit code.
function H.sh(cmd)
  local p = io.popen("(" .. cmd .. ") 2>&1; echo \"EXIT:$?\"")
  local out = p:read("*a")
  p:close()
  local code = tonumber(out:match("EXIT:(%d+)\n?$"))
  return out:gsub("EXIT:%d+\n?$", ""), code
end

--- Runs the isms executable; returns stdout, stderr, exit code.
function H.run(...)
  local args = { H.exe }
  for _, a in ipairs({ ... }) do args[#args + 1] = shell_quote(a) end
  local err_path = H.tmp("stderr")
  local p = io.popen(table.concat(args, " ") .. " 2>" .. err_path .. "; echo \"EXIT:$?\"")
  local out = p:read("*a")
  p:close()
  local code = tonumber(out:match("EXIT:(%d+)\n?$"))
  out = out:gsub("EXIT:%d+\n?$", "")
  return out, H.read(err_path), code
end

H.HEADER = "id,name,type,owner,custodian,location,outsourced,contract,group,units,c,i,a,notes\n"

--- A small valid inventory.
H.GOOD = H.HEADER ..
  "AST-1,Design database,information,Head of Design,CAD Team,Server room,no,,no,1,Secret,High,High,golden copy\n" ..
  "AST-2,Laptops,physical,IT Manager,IT Operations,Office,no,,yes,40,Restricted,Moderate,Low,\n" ..
  "AST-3,Foundry shuttle,service,Operations,,Hsinchu,yes,MSA-17,no,1,3,2,2,\"NDA, shuttle\"\n"

--- The entries of `static const char *const migrations[] = { ... };` in
-- a C source: adjacent string literals joined, comments skipped.
function H.migration_strings(src)
  local body = assert(src:match("migrations%[%]%s*=%s*(%b{})"), "no migrations[] in schema.c")
  body = body:sub(2, -2)
  local list, cur, k = {}, nil, 1
  local escapes = { n = "\n", t = "\t", ["\\"] = "\\", ['"'] = '"', ["'"] = "'" }
  while k <= #body do
    local c = body:sub(k, k)
    if body:sub(k, k + 1) == "/*" then
      k = assert(body:find("*/", k + 2, true), "unclosed comment") + 2
    elseif body:sub(k, k + 1) == "//" then
      k = (body:find("\n", k, true) or #body) + 1
    elseif c == '"' then
      local parts = {}
      k = k + 1
      while body:sub(k, k) ~= '"' do
        local ch = body:sub(k, k)
        if ch == "\\" then
          local e = body:sub(k + 1, k + 1)
          parts[#parts + 1] = assert(escapes[e], "unknown escape \\" .. e)
          k = k + 2
        else
          parts[#parts + 1] = ch
          k = k + 1
        end
      end
      k = k + 1
      cur = (cur or "") .. table.concat(parts)
    elseif c == "," then
      list[#list + 1] = assert(cur, "empty migration entry")
      cur = nil
      k = k + 1
    elseif c:match("%s") then
      k = k + 1
    else
      error("unexpected '" .. c .. "' in migrations[]")
    end
  end
  if cur then list[#list + 1] = cur end
  return list
end

--- The number of the (last) migration of core/schema.c whose text holds
-- text (plain), or nil: a spec that replays migrations from one on finds
-- it by what it does, not by a number later migrations would shift.
function H.migration_number(text)
  local this
  for v, m in ipairs(H.migration_strings(H.read("core/schema.c"))) do
    if m:find(text, 1, true) then this = v end
  end
  return this
end

--- A register made from the command line (init, then the H.GOOD assets
-- imported), for the specs that drive the CLI: its path.
function H.cli_register(name)
  local db = H.tmp(name or "cli.db")
  local _, _, code = H.run("init", db)
  assert(code == 0, "init failed")
  local _, e, icode = H.run("--db", db, "import", "assets", H.file("inv.csv", H.GOOD))
  assert(icode == 0, e)
  return db
end

--- H.snapshot of the register at path db (opened and closed for it).
function H.snapshot_at(db)
  local reg = assert(isms.open(db))
  local s = H.snapshot(reg)
  reg:close()
  return s
end

return H
