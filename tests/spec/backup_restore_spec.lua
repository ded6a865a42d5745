-- `isms backup FILE` and `isms restore FILE` (issue #18, point 6): a copy
-- through SQLite's online backup API, consistent while another process
-- writes; a restore that takes only an intact isms register and replaces
-- the register in one transaction.
local H = require "helper"
local isms = require "isms"
local connect = require("sqlite_ffi").connect

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local function sql1(path, query)
  local conn = connect(path)
  local rows = conn:rows(query)
  conn:close()
  return rows[1] and rows[1][1]
end

local function register_with_assets()
  local path = H.tmp("reg.db")
  local _, err, code = H.run("init", path)
  assert.are.equal(0, code, err)
  _, err, code = H.run("--db", path, "import", "assets", H.file("good.csv", H.GOOD))
  assert.are.equal(0, code, err)
  return path
end

describe("isms backup", function()
  it("writes one self-contained register file that isms opens", function()
    local path = register_with_assets()
    local copy = H.tmp("copy.db")
    local out, err, code = H.run("--db", path, "backup", copy)
    assert.are.equal(0, code, err)
    assert.are.equal(("backed up %s to %s\n"):format(path, copy), out)
    assert.is_false(exists(copy .. "-wal"))
    assert.are.equal("delete", sql1(copy, "PRAGMA journal_mode"))
    assert.are.equal("ok", sql1(copy, "PRAGMA integrity_check"))
    local a = assert(isms.open(copy, { create = false })):asset("AST-1")
    assert.are.equal("Design database", a.name)
  end)

  it("refuses an existing file unless --force, and the register itself", function()
    local path = register_with_assets()
    local copy = H.file("taken.db", "keep me")
    local _, err, code = H.run("--db", path, "backup", copy)
    assert.are.equal(1, code)
    assert.are.equal(("isms: %s exists; name a new file, or overwrite it with --force\n"):format(
      copy), err)
    assert.are.equal("keep me", H.read(copy))
    _, err, code = H.run("--db", path, "backup", copy, "--force")
    assert.are.equal(0, code, err)
    assert.are.equal("ok", sql1(copy, "PRAGMA integrity_check"))
    _, err, code = H.run("--db", path, "backup", path, "--force")
    assert.are.equal(1, code)
    assert.matches("is the register itself", err, 1, true)
    _, err, code = H.run("--db", path, "backup", H.dir)
    assert.are.equal(1, code)
    assert.matches("is a directory; name the backup file", err, 1, true)
  end)

  it("leaves no file behind when it fails", function()
    local path = register_with_assets()
    local copy = H.dir .. "/no-such-folder/copy.db"
    local _, err, code = H.run("--db", path, "backup", copy)
    assert.are.equal(1, code)
    assert.matches("cannot write " .. copy, err, 1, true)
    assert.is_false(exists(copy))
  end)

  it("copies one consistent state while another process imports", function()
    local path = register_with_assets()
    local lines = { "id,name,type,c,i,a" }
    for k = 1, 20000 do lines[#lines + 1] = ("B-%d,Asset %d,software,1,1,1"):format(k, k) end
    local big = H.file("big.csv", table.concat(lines, "\n") .. "\n")
    for round = 1, 4 do
      local copy = H.tmp("copy.db")
      local sh = ("%s --db %s import assets %s >/dev/null 2>&1 & %s --db %s backup %s"
                  .. " >/dev/null 2>&1; wait"):format(H.exe, path, big, H.exe, path, copy)
      os.execute(sh)
      assert.are.equal("ok", sql1(copy, "PRAGMA integrity_check"), "round " .. round)
      -- before the import (3 assets) or after it (20003), never between
      local n = tonumber(sql1(copy, "SELECT count(*) FROM assets"))
      assert.is_true(n == 3 or n == 20003, "round " .. round .. ": " .. n .. " assets")
      local batches = tonumber(sql1(copy, "SELECT count(*) FROM change_batches"))
      assert.are.equal(n == 3 and 2 or 3, batches - (round - 1))
      os.execute("sqlite3 " .. path .. " \"DELETE FROM assets WHERE id LIKE 'B-%'\"")
    end
  end)
end)

describe("isms restore", function()
  it("replaces the register with the backup and records the restore", function()
    local path = register_with_assets()
    local copy = H.tmp("copy.db")
    assert.are.equal(0, select(3, H.run("--db", path, "backup", copy)))
    local _, err, code = H.run("--db", path, "import", "assets",
                               H.file("more.csv", "id,name,type\nNEW-1,Later,software\n"))
    assert.are.equal(0, code, err)
    local out
    out, err, code = H.run("--db", path, "restore", copy, "--reason", "rolled back")
    assert.are.equal(0, code, err)
    assert.matches("^restored " .. path:gsub("%p", "%%%0") .. " from", out)
    local reg = assert(isms.open(path, { create = false }))
    assert.is_nil(reg:asset("NEW-1"))
    assert.are.equal(3, #reg:assets())
    local batches = reg:batches()
    local last = batches[#batches]
    assert.are.same({ "restore", copy, "rolled back" }, { last.command, last.source, last.reason })
    assert.are.equal("ok", sql1(path, "PRAGMA integrity_check"))
  end)

  local function refused(make, message)
    local path = register_with_assets()
    local reg = assert(isms.open(path, { create = false }))
    local before = H.snapshot(reg)
    reg:close()
    local file = make()
    local out, err, code = H.run("--db", path, "restore", file)
    assert.are.equal(3, code, err)
    assert.are.equal("", out)
    assert.are.equal("isms: " .. message:gsub("FILE", file) .. "\n", err)
    reg = assert(isms.open(path, { create = false }))
    assert.are.equal(before, H.snapshot(reg))
  end

  it("refuses a file that is not SQLite", function()
    refused(function() return H.file("notes.db", "id,name\n") end,
            "FILE is not an isms register (not an SQLite database)")
  end)

  it("refuses an empty file", function()
    refused(function() return H.file("empty.db", "") end, "FILE is an empty file, not a register")
  end)

  it("refuses an SQLite database of another program", function()
    refused(function()
      local p = H.tmp("other.db")
      local conn = connect(p)
      conn:exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)")
      conn:close()
      return p
    end, "FILE is an SQLite database but not an isms register (no isms schema)")
  end)

  it("refuses a register of a newer schema", function()
    local supported = assert(isms.open(H.tmp("fresh.db"))):schema_version()
    refused(function()
      local p = register_with_assets()
      local conn = connect(p)
      conn:exec("PRAGMA user_version = " .. (supported + 1))
      conn:close()
      return p
    end, ("FILE has register schema version %d, newer than this isms supports (%d);"
          .. " upgrade isms"):format(supported + 1, supported))
  end)

  it("refuses a damaged register", function()
    local path = register_with_assets()
    local copy = H.tmp("copy.db")
    assert.are.equal(0, select(3, H.run("--db", path, "backup", copy)))
    -- cut the file short: pages of the assets table are gone
    local bytes = H.read(copy)
    H.write(copy, bytes:sub(1, #bytes - 16384))
    local out, err, code = H.run("--db", path, "restore", copy)
    assert.are.equal(3, code, err)
    assert.are.equal("", out)
    assert.matches("is a damaged register: ", err, 1, true)
    assert.are.equal(3, #assert(isms.open(path, { create = false })):assets())
  end)

  it("refuses a missing file and the register itself", function()
    local path = register_with_assets()
    local _, err, code = H.run("--db", path, "restore", H.tmp("absent.db"))
    assert.are.equal(1, code)
    assert.matches("cannot open: No such file", err, 1, true)
    _, err, code = H.run("--db", path, "restore", path)
    assert.are.equal(3, code)
    assert.matches("is the register itself", err, 1, true)
  end)

  it("restores a backup of an older schema and migrates it", function()
    local path = register_with_assets()
    local old = H.tmp("old.db")
    local conn = connect(old)
    local src = H.read("core/schema.c")
    -- schema 1 only, from the first migration string (see migration_spec)
    local first = src:match('migrations%[%]%s*=%s*{(.-)\n    /%* 2:')
    assert(first, "schema 1 not found in core/schema.c")
    local sql = {}
    for lit in first:gmatch('"(.-[^\\])"') do sql[#sql + 1] = lit:gsub('\\"', '"') end
    conn:exec("BEGIN; " .. table.concat(sql) .. "; PRAGMA user_version = 1; COMMIT")
    conn:exec("INSERT INTO settings VALUES ('methodology', 'qism-fmea');"
              .. "INSERT INTO change_batches(id, at, actor, command) VALUES"
              .. " (1, '2026-01-01T00:00:00Z', 'x', 'import assets');"
              .. "INSERT INTO assets(id, name, type, created_batch) VALUES ('V1', 'Old', 1, 1)")
    conn:close()
    local _, err, code = H.run("--db", path, "restore", old)
    assert.are.equal(0, code, err)
    local reg = assert(isms.open(path, { create = false }))
    assert.are.equal(isms.open(H.tmp("fresh.db")):schema_version(), reg:schema_version())
    assert.are.equal("Old", reg:asset("V1").name)
    assert.is_nil(reg:asset("AST-1"))
  end)
end)
