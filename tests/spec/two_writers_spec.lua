-- Two writers on one register (issue #18, point 5): two `isms` processes
-- importing at once both succeed and lose nothing; a writer that waits
-- for a lock longer than the busy timeout fails with a clear message and
-- exit 4, before anything is written.
--
-- The lock holder is a plain SQLite connection in this process (the
-- system libsqlite3 through the FFI), so the tests decide exactly when
-- the register is locked and when it is released.
local H = require "helper"
local connect = require("sqlite_ffi").connect

-- An inventory of n assets PREFIX-1..n; `extra` lines are appended.
local function inventory(prefix, n, extra)
  local lines = { "id,name,type,owner,c,i,a" }
  for k = 1, n do
    lines[#lines + 1] = ("%s-%d,Asset %d,software,Owner %d,%d,%d,%d"):format(
      prefix, k, k, k % 7, k % 4 + 1, k % 3 + 1, (k + 1) % 3 + 1)
  end
  for _, l in ipairs(extra or {}) do lines[#lines + 1] = l end
  return H.file(prefix .. ".csv", table.concat(lines, "\n") .. "\n")
end

local function sql1(path, query)
  local p = io.popen(("sqlite3 %s %s"):format(H.shell_quote(path), H.shell_quote(query)))
  local s = p:read("*a"):gsub("\n$", "")
  p:close()
  return s
end

local function command(env, ...)
  local args = { env, H.shell_quote(H.exe) }
  for _, a in ipairs({ ... }) do args[#args + 1] = H.shell_quote(a) end
  return table.concat(args, " ")
end

describe("two writers", function()
  it("two imports at once both succeed and lose no update", function()
    -- Each file creates its own assets and updates one shared asset of its
    -- own; the race the issue found (3 runs in 10) was at open, while the
    -- other process wrote through a rollback journal, so several rounds.
    local a = inventory("A", 3000, { "SHARED-1,Shared one,software,Owner from A,1,1,1" })
    local b = inventory("B", 3000, { "SHARED-2,Shared two,software,Owner from B,2,2,2" })
    for round = 1, 8 do
      local path = H.tmp("two.db")
      assert.are.equal(0, select(3, H.run("init", path, "--methodology", "qism-fmea")))
      local base = H.file("base.csv", "id,name,type,owner,c,i,a\n" ..
                          "SHARED-1,Shared one,software,Old,1,1,1\n" ..
                          "SHARED-2,Shared two,software,Old,2,2,2\n")
      local _, err, code = H.run("--db", path, "import", "assets", base)
      assert.are.equal(0, code, err)
      local ea, eb = H.tmp("ea"), H.tmp("eb")
      local sh = ("%s >/dev/null 2>%s & %s >/dev/null 2>%s & wait"):format(
        command("", "--db", path, "import", "assets", a), ea,
        command("", "--db", path, "import", "assets", b), eb)
      assert(os.execute(sh) == 0)
      assert.are.equal("", H.read(ea), "round " .. round)
      assert.are.equal("", H.read(eb), "round " .. round)
      assert.are.equal("6002", sql1(path, "SELECT count(*) FROM assets"))
      assert.are.equal("Owner from A|Owner from B", sql1(path,
        "SELECT group_concat(p.name, '|') FROM (SELECT owner FROM assets WHERE id LIKE"
        .. " 'SHARED-%' ORDER BY id) s JOIN parties p ON p.id = s.owner"))
      -- one batch per import, each with its own counts, and both updates logged
      assert.are.equal("import assets|3000|1\nimport assets|3000|1", sql1(path,
        "SELECT command, created, updated FROM change_batches WHERE id > 2 ORDER BY id"))
      assert.are.equal("2", sql1(path,
        "SELECT count(*) FROM change_log WHERE field = 'owner' AND new LIKE 'Owner from %'"))
      assert.are.equal("ok", sql1(path, "PRAGMA integrity_check"))
    end
  end)

  local function locked_register(journal)
    local path = H.tmp("locked.db")
    assert.are.equal(0, select(3, H.run("init", path, "--methodology", "qism-fmea")))
    local holder = connect(path)
    -- A bulk write holds the register this way: a rollback journal and
    -- the write lock (txn.c); a normal write holds it in WAL.
    holder:exec("PRAGMA journal_mode = " .. journal)
    holder:exec("BEGIN IMMEDIATE; INSERT INTO settings(key, value) VALUES ('holder', 'x')")
    return path, holder
  end

  for _, journal in ipairs({ "DELETE", "WAL" }) do
    it("a writer that waits past the busy timeout fails with exit 4 (" .. journal .. ")",
       function()
      local path, holder = locked_register(journal)
      local file = inventory("W", 10)
      local p = io.popen(command("ISMS_BUSY_TIMEOUT=200", "--db", path, "import", "assets",
                                 file) .. " 2>&1; echo \"EXIT:$?\"")
      local out = p:read("*a")
      p:close()
      holder:exec("ROLLBACK")
      holder:close()
      assert.matches("EXIT:4\n$", out)
      assert.matches("^[^\n]*register [^\n]*locked%.db is busy: another process has held"
                     .. " it for longer than the busy timeout %(200 ms%); nothing was stored;"
                     .. " try again when it has finished, or set ISMS_BUSY_TIMEOUT", out)
      assert.is_nil(out:find("traceback", 1, true))
      assert.are.equal("0", sql1(path, "SELECT count(*) FROM assets"))
      assert.are.equal("ok", sql1(path, "PRAGMA integrity_check"))
    end)

    it("a writer waits for the lock and then writes (" .. journal .. ")", function()
      local path, holder = locked_register(journal)
      local file = inventory("W", 10)
      local p = io.popen(command("ISMS_BUSY_TIMEOUT=20000", "--db", path, "import", "assets",
                                 file) .. " 2>&1; echo \"EXIT:$?\"")
      os.execute("sleep 0.3")  -- the writer is waiting now (or soon will be)
      holder:exec("COMMIT")
      holder:close()
      local out = p:read("*a")
      p:close()
      assert.matches("EXIT:0\n$", out)
      assert.matches("10 created", out, 1, true)
      assert.are.equal("10", sql1(path, "SELECT count(*) FROM assets"))
      assert.are.equal("x", sql1(path, "SELECT value FROM settings WHERE key = 'holder'"))
    end)
  end

  it("ISMS_BUSY_TIMEOUT that is not a number of milliseconds keeps the default", function()
    local path, holder = locked_register("WAL")
    local p = io.popen(command("ISMS_BUSY_TIMEOUT=soon", "--db", path, "import", "assets",
                               inventory("W", 1)) .. " 2>&1; echo \"EXIT:$?\"")
    os.execute("sleep 0.3")
    holder:exec("COMMIT")
    holder:close()
    assert.matches("EXIT:0\n$", p:read("*a"))
    p:close()
  end)
end)
