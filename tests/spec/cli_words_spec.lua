-- Words a command does not take are refused (issue #18, the first hour):
-- the dispatcher (isms.cli check_words) checks every command's words once,
-- from what its definition declares (args, verbs, other_args).
local H = require "helper"
local cjson = require "cjson"

local function register() return H.cli_register("words.db") end
local snapshot = H.snapshot_at

describe("stray words", function()
  local db
  setup(function() db = register() end)

  it("a command without words refuses one, changing nothing", function()
    local before = snapshot(db)
    for _, c in ipairs({ "history", "assess", "stale", "value", "readiness", "actions" }) do
      local out, err, code = H.run("--db", db, c, "foo")
      assert.are.equal(2, code, c .. ": " .. err)
      assert.are.equal("", out, c)
      assert.are.equal(("isms %s: unexpected argument 'foo'; see isms help %s\n"):format(c, c), err)
    end
    assert.are.equal(before, snapshot(db))
  end)

  it("a command with words refuses one more than it takes", function()
    local _, err, code = H.run("--db", db, "changes", "AST-1", "AST-2")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms changes: unexpected argument 'AST-2'", 1, true), err)
    _, err, code = H.run("--db", db, "import", "assets", "a.csv", "b.csv")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms import assets: unexpected argument 'b.csv'", 1, true), err)
    _, err, code = H.run("--db", db, "import", "asets", "a.csv")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms import: unknown verb 'asets' (did you mean 'assets'?)", 1, true),
                  err)
    _, err, code = H.run("help", "assets", "x")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms help: unexpected argument 'x'", 1, true), err)
  end)

  it("a command with verbs refuses an unknown verb, with a near one", function()
    local _, err, code = H.run("--db", db, "risks", "lst")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms risks: unknown verb 'lst' (did you mean 'list'?); expected ",
                           1, true), err)
    assert.truthy(err:find("see isms help risks", 1, true), err)
    _, err, code = H.run("--db", db, "methodology", "chek", "x.lua")
    assert.are.equal(2, code)
    assert.truthy(err:find("did you mean 'check'?", 1, true), err)
    -- far from every verb: no guess
    _, err, code = H.run("--db", db, "soa", "frobnicate")
    assert.are.equal(2, code)
    assert.truthy(err:find("unknown verb 'frobnicate'; expected", 1, true), err)
  end)

  it("a verb refuses words beyond its own", function()
    local before = snapshot(db)
    local _, err, code = H.run("--db", db, "risks", "score", "x")
    assert.are.equal(2, code)
    assert.are.equal("isms risks score: unexpected argument 'x'; see isms help risks\n", err)
    _, err, code = H.run("--db", db, "quant", "runs", "7")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms quant runs: unexpected argument '7'", 1, true), err)
    assert.are.equal(before, snapshot(db))
  end)

  it("a verb refuses an option it does not take; the default verb takes its own", function()
    local before = snapshot(db)
    local _, err, code = H.run("--db", db, "risks", "set", "R-1", "owners=X", "--top", "5")
    assert.are.equal(2, code)
    assert.are.equal("isms risks set: --top does not apply to set (it takes --reason); "
                     .. "see isms help risks\n", err)
    _, err, code = H.run("--db", db, "risks", "export", "-", "--json")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms risks export: --json does not apply to export (it takes no "
                           .. "option)", 1, true), err)
    assert.are.equal(before, snapshot(db))
    -- no word: the list, with the list's options
    local out
    out, err, code = H.run("--db", db, "risks", "--top", "3", "--json")
    assert.are.equal(0, code, err)
    assert.are.equal("table", type(cjson.decode(out)))
  end)

  it("a record kind's verbs, generic and added, refuse stray words", function()
    local _, err, code = H.run("--db", db, "people", "list", "x")
    assert.are.equal(2, code)
    assert.are.equal("isms people list: unexpected argument 'x'; see isms help people\n", err)
    _, err, code = H.run("--db", db, "people", "assets", "P-1", "P-2")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms people assets: unexpected argument 'P-2'", 1, true), err)
    _, err, code = H.run("--db", db, "incidents", "show", "INC-1", "INC-2")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms incidents show: unexpected argument 'INC-2'", 1, true), err)
    _, err, code = H.run("--db", db, "suppliers", "lsit")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms suppliers: unknown verb 'lsit' (did you mean 'list'?)", 1, true),
                  err)
  end)

  it("commands that take many words still get them", function()
    -- docs verify ID ...: each id is looked up (none is in the register)
    local _, err, code = H.run("--db", db, "docs", "verify", "DOC-1", "DOC-2", "DOC-3")
    assert.are.equal(4, code, err)
    assert.truthy(err:find("no document 'DOC-1'", 1, true), err)
    -- isms run passes every word after the script to it
    local script = H.file("args.lua", "print(table.concat(arg, ' '))\n")
    local out
    out, err, code = H.run("--db", db, "run", script, "a", "b", "--c", "d")
    assert.are.equal(0, code, err)
    assert.are.equal("a b --c d\n", out)
    -- a record kind's delete takes several ids: one batch, all or none
    for _, name in ipairs({ "Foundry", "Courier" }) do
      local _, aerr, acode = H.run("--db", db, "suppliers", "add", "name=" .. name,
                                   "criticality=high")
      assert.are.equal(0, acode, aerr)
    end
    _, err, code = H.run("--db", db, "suppliers", "delete", "SUP-001", "SUP-009")
    assert.are.equal(4, code, err)
    assert.are.equal(2, #cjson.decode((H.run("--db", db, "suppliers", "list", "--json"))))
    _, err, code = H.run("--db", db, "suppliers", "delete", "SUP-001", "SUP-002")
    assert.are.equal(0, code, err)
    assert.are.equal(0, #cjson.decode((H.run("--db", db, "suppliers", "list", "--json"))))
    -- isms gap ASSESSMENT: a first word that is no verb is the assessment
    _, err, code = H.run("--db", db, "gap", "GA-9")
    assert.are_not.equal(2, code, err)
    _, err, code = H.run("--db", db, "gap", "GA-9", "GA-8")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms gap: unexpected argument 'GA-8'", 1, true), err)
  end)

  it("every command refuses a pile of stray words before it opens a register", function()
    local out = H.run("help")
    local names = {}
    for name in out:gmatch("\n  ([%w-]+)%s") do names[#names + 1] = name end
    assert.is_true(#names >= 70, #names)
    local missing = H.tmp("none.db")
    for _, name in ipairs(names) do
      if name ~= "run" then
        local _, err, code = H.run("--db", missing, name, "zz1", "zz2", "zz3", "zz4", "zz5")
        assert.are.equal(2, code, name .. ": " .. err)
        assert.truthy(err:find("^isms " .. name:gsub("%-", "%%-")), name .. ": " .. err)
        assert.truthy(err:find("unexpected argument 'zz", 1, true)
                      or err:find("unknown verb 'zz1'", 1, true), name .. ": " .. err)
        assert.truthy(err:find("see isms help " .. name, 1, true), name .. ": " .. err)
      end
      -- and its help still says how to use it
      local help, herr, hcode = H.run("help", name)
      assert.are.equal(0, hcode, name .. ": " .. herr)
      assert.truthy(help:find("^usage: isms " .. name:gsub("%-", "%%-")), name .. ": " .. help)
    end
  end)
end)
