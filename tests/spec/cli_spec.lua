-- The isms executable: commands, formats, help and exit codes.
local H = require "helper"
local cjson = require "cjson"

local function setup()
  local db = H.tmp("cli.db")
  local _, _, code = H.run("init", db)
  assert.are.equal(0, code)
  return db
end

describe("isms executable", function()
  it("prints help with every command and the exit codes", function()
    local out, _, code = H.run("--help")
    assert.are.equal(0, code)
    for _, c in ipairs({ "init", "import", "assets", "value", "run", "repl", "export" }) do
      assert.truthy(out:find("\n  " .. c .. " ", 1, true), c)
    end
    assert.truthy(out:find("exit codes: 0 ok, 1 failure, 2 usage, 3 input rejected, 4 register problem",
                           1, true))
  end)

  it("says its version and which copy of the scoring kernels runs", function()
    local f = io.open("/proc/cpuinfo")
    local has_avx2 = f and f:read("*a"):find("%savx2%s") ~= nil
    if f then f:close() end
    local out, _, code = H.run("--version")
    assert.are.equal(0, code)
    assert.are.equal("isms 0.1.0 (scoring kernels: " .. (has_avx2 and "avx2" or "baseline") .. ")\n",
                     out)
    -- ISMS_DISABLE_AVX2 (not "0") forces the baseline copy
    for value, want in pairs { ["1"] = "baseline", yes = "baseline", ["0"] = has_avx2 and "avx2" or
                               "baseline" } do
      local p = io.popen("ISMS_DISABLE_AVX2=" .. value .. " " .. H.exe .. " --version")
      local o = p:read("*a")
      p:close()
      assert.are.equal("isms 0.1.0 (scoring kernels: " .. want .. ")\n", o, value)
    end
  end)

  it("has --help on every command", function()
    for _, c in ipairs({ "init", "import", "assets", "value", "run", "repl", "export", "changes" }) do
      local out, _, code = H.run(c, "--help")
      assert.are.equal(0, code, c)
      assert.truthy(out:match("^usage: isms " .. c), c)
    end
  end)

  it("reports usage errors with exit code 2", function()
    local _, err, code = H.run("frobnicate")
    assert.are.equal(2, code)
    assert.are.equal("isms: unknown command 'frobnicate'; see isms --help\n", err)
    _, err, code = H.run("assets", "--colour")
    assert.are.equal(2, code)
    assert.are.equal("isms: unknown option --colour; see isms help assets\n", err)
    _, err, code = H.run("assets")
    assert.are.equal(2, code)
    assert.are.equal("isms: no register given; use --db FILE or set ISMS_DB\n", err)
  end)

  it("imports, values and lists the register in three formats", function()
    local db = setup()
    local csv = H.file("a.csv", H.GOOD)
    local out, _, code = H.run("--db", db, "import", "assets", csv)
    assert.are.equal(0, code)
    assert.truthy(out:find("3 rows; 3 created, 0 updated, 0 unchanged", 1, true))
    out, _, code = H.run("--db", db, "value")
    assert.are.equal(0, code)
    assert.truthy(out:find("valued 3 assets with qism-fmea: 3 valued, 0 unvalued, 0 changed", 1, true))

    out = H.run("--db", db, "assets")
    assert.truthy(out:find("AST-1  Design database", 1, true))
    assert.truthy(out:find("3 assets — class A 1, class B 1, class C 1", 1, true))

    out = H.run("--db", db, "assets", "--format", "csv", "--class", "A")
    assert.are.equal("id,name,type,owner,custodian,location,outsourced,contract,group,units,c,i,a," ..
      "value,class,notes\nAST-1,Design database,information,Head of Design,CAD Team,Server room," ..
      "no,,no,1,4,3,3,36,A,golden copy\n", out)

    out = H.run("--db", db, "assets", "--format=json")
    local rows = cjson.decode(out)
    assert.are.equal(3, #rows)
    assert.are.equal("AST-3", rows[3].id)
    assert.are.equal(true, rows[3].outsourced)
    assert.are.equal(12, rows[3].value)
  end)

  it("rejects a bad CSV with exit code 3 and errors on stderr", function()
    local db = setup()
    local out, err, code = H.run("--db", db, "import", "assets",
                                 H.file("bad.csv", "id,name,type\nX,Thing,gizmo\n"))
    assert.are.equal(3, code)
    assert.are.equal("", out)
    assert.truthy(err:find("bad.csv:2:9: type: unknown asset type 'gizmo'", 1, true))
    out = H.run("--db", db, "assets", "--format", "csv")
    assert.are.equal(1, select(2, out:gsub("\n", "")))  -- header only
  end)

  it("refuses a register newer than itself with exit code 4", function()
    local db = setup()
    assert.are.equal(0, os.execute("sqlite3 " .. H.shell_quote(db) .. " 'PRAGMA user_version = 99'"))
    local _, err, code = H.run("--db", db, "assets")
    assert.are.equal(4, code)
    local latest = require("isms.store._ffi").C.isms_schema_version_supported()
    assert.truthy(err:find(("register schema version 99 is newer than this isms supports (%d)")
                           :format(latest), 1, true))
  end)

  it("takes the register from ISMS_DB", function()
    local db = setup()
    local p = io.popen("ISMS_DB=" .. H.shell_quote(db) .. " " .. H.exe .. " assets --format csv")
    local out = p:read("*a")
    p:close()
    assert.truthy(out:match("^id,name,type"))
  end)

  it("records the actor and reason in the change log", function()
    local db = setup()
    H.run("--db", db, "--actor", "alice", "import", "assets", H.file("a.csv", H.GOOD), "--reason", "first")
    local rows = cjson.decode((H.run("--db", db, "history", "--format", "json")))
    assert.are.equal("import assets", rows[#rows].command)
    assert.are.equal("alice", rows[#rows].actor)
    assert.are.equal("first", rows[#rows].reason)
    assert.are.equal(3, rows[#rows].created)
    H.run("--db", db, "--actor", "bob", "value", "--methodology", "qism-fmea", "--reason", "again")
    H.run("--db", db, "--actor", "carol", "import", "assets",
          H.file("b.csv", (H.GOOD:gsub("golden copy", "silver copy"))), "--reason", "notes")
    local changes = cjson.decode((H.run("--db", db, "changes", "AST-1", "--format", "json")))
    assert.are.equal(1, #changes)
    assert.are.same({ "carol", "notes", "update", "notes", "golden copy", "silver copy" },
      { changes[1].actor, changes[1].reason, changes[1].action, changes[1].field,
        changes[1].old, changes[1].new })
  end)

  it("runs scripts with the isms API and their arguments", function()
    local db = setup()
    H.run("--db", db, "import", "assets", H.file("a.csv", H.GOOD))
    local script = H.file("count.lua", [[
      local isms = require "isms"
      local reg = assert(isms.open(arg[1]))
      local n = 0
      for _, a in ipairs(reg:assets({ class = arg[2] })) do n = n + 1 end
      print(("%s has %d class %s assets"):format(isms.version, n, arg[2]))
    ]])
    local out, _, code = H.run("run", script, db, "A")
    assert.are.equal(0, code)
    assert.truthy(out:find("has 1 class A assets", 1, true))
  end)

  it("reports a failing script with a traceback and exit code 1", function()
    local _, err, code = H.run("run", H.file("boom.lua", "error('boom')\n"))
    assert.are.equal(1, code)
    assert.truthy(err:find("boom.lua:1: boom", 1, true))
  end)

  it("evaluates expressions and statements in the REPL", function()
    local db = setup()
    local input = H.file("repl.txt", "1 + 1\nx = 21\nx * 2\nfor i = 1, 2 do\nx = x + i\nend\nx\nreg:schema_version()\n")
    local p = io.popen(H.exe .. " --db " .. H.shell_quote(db) .. " repl < " .. H.shell_quote(input))
    local out = p:read("*a")
    p:close()
    assert.truthy(out:find("isms> 2\n", 1, true))
    assert.truthy(out:find("isms> 42\n", 1, true))
    assert.truthy(out:find(">> >> isms> 24\n", 1, true))
    assert.truthy(out:find("isms> 2\n", 1, true))
  end)
end)
