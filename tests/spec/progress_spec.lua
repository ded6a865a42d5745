-- Progress bars of long commands (lua/isms/cli/progress.lua, the host's
-- core/host/progress.c) and the size check of `risks generate`.
local H = require "helper"

-- Runs the executable with extra environment: stdout, stderr, exit code.
local function run_env(env, ...)
  local args = { env, H.exe }
  for _, a in ipairs({ ... }) do args[#args + 1] = H.shell_quote(a) end
  local err_path = H.tmp("stderr")
  local p = io.popen(table.concat(args, " ") .. " 2>" .. err_path .. "; echo \"EXIT:$?\"")
  local out = p:read("*a")
  p:close()
  local code = tonumber(out:match("EXIT:(%d+)\n?$"))
  return (out:gsub("EXIT:%d+\n?$", "")), H.read(err_path), code
end

-- A register with n assets, one of each asset type in turn.
local TYPES = { "information", "software", "physical", "service", "people", "intangible" }
local function register_with(n)
  local db = H.tmp("progress.db")
  assert.are.equal(0, select(3, H.run("init", db)))
  local lines = { "id,name,type,owner,c,i,a" }
  for k = 1, n do
    lines[#lines + 1] = ("A%d,Asset %d,%s,Owner %d,2,2,2"):format(k, k, TYPES[(k - 1) % 6 + 1], k % 7)
  end
  local csv = H.file("assets.csv", table.concat(lines, "\n") .. "\n")
  assert.are.equal(0, select(3, H.run("--db", db, "import", "assets", csv)))
  return db, csv
end

-- Runs argv on a pseudo-terminal (python3's pty module); all it printed.
local function on_pty(...)
  local args = {}
  for _, a in ipairs({ H.exe, ... }) do args[#args + 1] = ("%q"):format(a) end
  local script = H.file("pty.py", ([[
import os, pty
pid, fd = pty.fork()
if pid == 0:
    os.execv(%s, [%s])
out = b""
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
os.waitpid(pid, 0)
os.write(1, out)
]]):format(args[1], table.concat(args, ", ")))
  local p = io.popen("python3 " .. H.shell_quote(script))
  local out = p:read("*a")
  p:close()
  return out
end

local function has_python_pty()
  return os.execute("python3 -c 'import pty' >/dev/null 2>&1") == 0
end

describe("risks generate", function()
  it("says how many risks it creates and refuses beyond the limit without --yes", function()
    local db = register_with(12)
    local out, err, code = run_env("ISMS_GENERATE_LIMIT=100", "--db", db, "risks", "generate",
                                   "generic")
    assert.are.equal(2, code)
    assert.are.equal("", out)
    local n = tonumber(err:match("would create (%d+) risks %(12 assets, catalog generic%), about "))
    assert.truthy(n and n > 100, err)
    assert.truthy(err:find("more than 100 needs --yes", 1, true), err)
    -- nothing was written
    out = H.run("--db", db, "risks", "list", "--format", "csv")
    assert.are.equal(1, select(2, out:gsub("\n", "")))

    out, err, code = run_env("ISMS_GENERATE_LIMIT=100", "--db", db, "risks", "generate", "generic",
                             "--yes")
    assert.are.equal(0, code, err)
    assert.truthy(out:find(("^creating %d risks from catalog generic for 12 assets %%(about %%d+ kB%%)\n")
                           :format(n)), out)
    assert.truthy(out:find(("generated %d risks"):format(n), 1, true), out)
    -- piped: no bar, no carriage returns
    assert.are.equal("", err)
    assert.falsy(out:find("\r", 1, true))

    -- a second run creates none, and says so first
    out, err, code = run_env("ISMS_GENERATE_LIMIT=100", "--db", db, "risks", "generate", "generic")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("^creating 0 risks"), out)
  end)
end)

describe("progress bars", function()
  it("are not drawn when stderr is not a terminal", function()
    local progress = require "isms.cli.progress"
    local db, csv = register_with(30)
    local _, err, code = H.run("--db", db, "import", "assets", csv)
    assert.are.equal(0, code)
    assert.are.equal("", err)
    _, err = H.run("--db", db, "value")
    assert.are.equal("", err)
    if not progress.enabled() then
      assert.is_nil(progress.bar("x"))
      assert.are.equal(7, progress.during("x", nil, function(a) return a + 1 end, 6))
    end
  end)

  it("are drawn on a terminal, then cleared before the result (pty)", function()
    if not has_python_pty() then
      pending("needs python3 with the pty module")
      return
    end
    local db, csv = register_with(30)
    local out = on_pty("--db", db, "import", "assets", csv)
    assert.truthy(out:find("\rimporting " .. csv .. " [", 1, true), out)
    assert.truthy(out:find("imported " .. csv, 1, true), out)
    out = on_pty("--db", db, "risks", "generate", "generic")
    assert.truthy(out:find("\rgenerating risks %[[#%.]+%]"), out)
    assert.truthy(out:find("generated %d+ risks"), out)
    out = on_pty("--db", db, "value")
    assert.truthy(out:find("\rvaluing assets %[[#%.]+%]"), out)
    -- ISMS_PROGRESS=0 turns them off on a terminal too
    local p = io.popen("ISMS_PROGRESS=0 luajit -e 'package.path=\"lua/?.lua;lua/?/init.lua;\"..package.path" ..
                       " print(require(\"isms.cli.progress\").enabled())'")
    assert.are.equal("false\n", p:read("*a"))
    p:close()
  end)
end)
