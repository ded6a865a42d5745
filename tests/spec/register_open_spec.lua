-- What `--db` may name (issue #18, the first hour): every command but
-- `init` refuses a register that does not exist, and every command
-- refuses a directory, an empty file, a file that is not SQLite, an SQLite
-- database that is not a register and a newer schema, each with its own
-- message and exit 4; nothing is created or changed on the way.
-- Also the CSV inputs found by fuzzing: a CR and a NUL in the header
-- crashed the import (exit 139); a directory as input, a NUL in a header
-- cell, and "--top -5".
local H = require "helper"
local isms = require "isms"

local function bytes(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function exists(path) return bytes(path) ~= nil end

describe("--db", function()
  local function refused(path, message)
    local before = bytes(path)
    for _, args in ipairs({ { "assets" }, { "risks", "list" }, { "history" }, { "value" } }) do
      local out, err, code = H.run("--db", path, unpack(args))
      assert.are.equal(4, code, table.concat(args, " ") .. ": " .. err)
      assert.are.equal("", out)
      assert.are.equal("isms: " .. message .. "\n", err)
    end
    assert.are.equal(before, bytes(path))  -- nothing created or changed
    assert.is_false(exists(path .. "-wal"))
  end

  it("refuses a register that does not exist, and creates none", function()
    local path = H.tmp("missing.db")
    refused(path, ("no register at %s; create one with isms init %s"):format(path, path))
    assert.is_false(exists(path))
  end)

  it("refuses a directory", function()
    local path = H.tmp("dir.db")
    assert(os.execute("mkdir " .. path) == 0)
    refused(path, path .. " is a directory, not a register file")
  end)

  it("refuses an empty file, also for init", function()
    local path = H.file("empty.db", "")
    refused(path, path .. " is an empty file, not a register; isms init creates a register"
                  .. " only where no file is")
    local _, err, code = H.run("init", path)
    assert.are.equal(4, code)
    assert.matches("is an empty file, not a register", err, 1, true)
    assert.are.equal("", bytes(path))
  end)

  it("refuses a file that is not SQLite", function()
    local path = H.file("notes.db", "id,name\nA,B\n")
    refused(path, path .. " is not an isms register (not an SQLite database)")
  end)

  it("refuses an SQLite database of another program, also for init", function()
    local path = H.tmp("other.db")
    assert(os.execute("sqlite3 " .. path .. " 'CREATE TABLE t(x); INSERT INTO t VALUES (1)'") == 0)
    refused(path, path .. " is an SQLite database but not an isms register (no isms schema)")
    local _, _, code = H.run("init", path)
    assert.are.equal(4, code)
    local p = io.popen("sqlite3 " .. path .. " 'SELECT count(*) FROM sqlite_master'")
    assert.are.equal("1", p:read("*l"))  -- no isms table was added
    p:close()
  end)

  it("refuses a register of a newer schema", function()
    local _, path = H.register()
    local newer = isms.open(path):schema_version() + 1
    assert(os.execute(("sqlite3 %s 'PRAGMA user_version = %d'"):format(path, newer)) == 0)
    local _, err, code = H.run("--db", path, "assets")
    assert.are.equal(4, code)
    assert.matches(("register schema version %d is newer than this isms supports"):format(newer),
                   err, 1, true)
  end)

  it("still lets init create a register where nothing is, and the API create one", function()
    local path = H.tmp("new.db")
    local out, _, code = H.run("init", path)
    assert.are.equal(0, code)
    assert.matches("^created register ", out)
    local _, _, code2 = H.run("--db", path, "assets")
    assert.are.equal(0, code2)
    local api = H.tmp("api.db")
    assert.truthy(isms.open(api))
    local reg, err, code3 = isms.open(H.tmp("nothing.db"), { create = false })
    assert.is_nil(reg)
    assert.matches("^no register at ", err)
    assert.are.equal("NOTFOUND", code3)
  end)
end)

describe("hostile CSV input", function()
  local function register_with_assets()
    local reg, path = H.register()
    assert(reg:import_assets(H.file("good.csv", H.GOOD)))
    local snap = H.snapshot(reg)
    reg:close()
    return path, snap
  end

  local function unchanged(path, snap)
    local reg = assert(isms.open(path))
    assert.are.equal(snap, H.snapshot(reg))
    reg:close()
  end

  it("refuses a CR and a NUL in the header instead of crashing (was exit 139)", function()
    local path, snap = register_with_assets()
    for _, text in ipairs({ "i\r\0", "i\r", "id\r\0\r\0", "c\r\0\n", "\r\n\0", "i\r\0,x\r\0" }) do
      local csv = H.file("hostile.csv", text)
      local _, err, code = H.run("--db", path, "import", "assets", csv)
      assert.are.equal(3, code, ("%q: %s"):format(text, err))
      assert.matches("nothing was stored", err, 1, true)
    end
    unchanged(path, snap)
  end)

  it("reads a file whose lines end in CR alone", function()
    local path = select(2, H.register())
    local csv = H.file("mac.csv", "id,name,type\rM-1,Old Mac file,information\rM-2,Second,software\r")
    local out, err, code = H.run("--db", path, "import", "assets", csv)
    assert.are.equal(0, code, err)
    assert.matches("2 rows; 2 created", out, 1, true)
  end)

  it("names a NUL or a bad byte in a header cell instead of cutting the name", function()
    local path, snap = register_with_assets()
    local _, err, code = H.run("--db", path, "import", "assets",
                               H.file("nul.csv", "id,name\0x,type\nA,B,information\n"))
    assert.are.equal(3, code)
    assert.matches(":1:4: header cell 2 contains a NUL byte at byte 5", err, 1, true)
    _, err = H.run("--db", path, "import", "assets",
                   H.file("latin1.csv", "id,n\xe4me,type\nA,B,information\n"))
    assert.matches(":1:4: header cell 2 is not valid UTF-8: byte 0xE4 at byte 2", err, 1, true)
    unchanged(path, snap)
  end)

  it("says a directory is a directory, for assets and risks", function()
    local path, snap = register_with_assets()
    local dir = H.tmp("inputs")
    assert(os.execute("mkdir " .. dir) == 0)
    for _, kind in ipairs({ "assets", "risks" }) do
      local _, err, code = H.run("--db", path, "import", kind, dir)
      assert.are_not.equal(0, code)
      assert.matches(dir .. ": is a directory, not a file", err, 1, true)
      assert.is_nil(err:find("empty", 1, true))
    end
    unchanged(path, snap)
  end)
end)

describe("whole-number options", function()
  it("refuses a negative or fractional --top and a zero --max-errors", function()
    local _, path = H.register()
    for _, args in ipairs({
      { { "risks", "list", "--top", "-5" }, "option --top expects a whole number, 0 or more, got '-5'" },
      { { "risks", "list", "--top=2.5" }, "option --top expects a whole number, 0 or more, got '2.5'" },
      { { "assess", "--top", "x" }, "option --top expects a whole number, 0 or more, got 'x'" },
      { { "import", "assets", "f.csv", "--max-errors", "0" },
        "option --max-errors expects a whole number, 1 or more, got '0'" },
    }) do
      local _, err, code = H.run("--db", path, unpack(args[1]))
      assert.are.equal(2, code, table.concat(args[1], " "))
      assert.matches(args[2], err, 1, true)
    end
  end)
end)

describe("the change log's actor", function()
  it("is the login name when USER and LOGNAME are unset", function()
    local path = H.tmp("actor.db")
    os.remove(path)
    assert.are.equal(0, select(3, H.run("init", path)))
    local login = io.popen("id -un"):read("*l")
    local p = io.popen("env -u USER -u LOGNAME -u ISMS_ACTOR " .. H.exe .. " --db " .. H.shell_quote(path)
      .. " import assets " .. H.shell_quote(H.file("a.csv", H.GOOD)) .. " >/dev/null 2>&1; echo $?")
    assert.are.equal("0", p:read("*l"))
    p:close()
    local q = io.popen("sqlite3 " .. H.shell_quote(path) .. " 'SELECT actor FROM change_batches ORDER BY id DESC LIMIT 1'")
    assert.are.equal(login, q:read("*l"))
    q:close()
  end)
end)
