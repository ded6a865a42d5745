-- Start-up (issue #18): `require "isms"` loads the register handle only and
-- hands the domain packages out on first use; the command line loads the
-- family file of the command it runs. Each test runs a fresh luajit (or
-- the executable), since this busted process has long loaded everything.
local H = require "helper"
local cjson = require "cjson"

-- Runs Lua code in a fresh luajit on the package's sources; returns what
-- it printed (stderr too) and the exit code.
local function fresh(code)
  local script = H.file("fresh.lua", code)
  return H.sh(("LUA_PATH='lua/?.lua;lua/?/init.lua;;' ISMS_LIB='%s/libisms.so' luajit %s")
              :format(H.build, script))
end

-- The domain packages loaded in a fresh state after `code` ran, as JSON.
local LOADED = [[
local names = {}
for _, m in ipairs({ "isms.gap", "isms.people", "isms.context", "isms.audit", "isms.docs",
                     "isms.supplier", "isms.roadmap", "isms.quant.register" }) do
  if package.loaded[m] then names[#names + 1] = m end
end
print(require("cjson").encode({ loaded = names,
                                all = require("isms.store._domains").loaded_all == true }))
]]

local function loaded_after(code)
  local out, rc = fresh(code .. "\n" .. LOADED)
  assert.are.equal(0, rc, out)
  return cjson.decode(out:match("([^\n]+)\n?$"))
end

describe("require 'isms'", function()
  it("loads no domain package until one is used", function()
    local r = loaded_after([[local isms = require "isms"; assert(isms.version and isms.open)]])
    assert.are.same({}, r.loaded)
    assert.is_false(r.all)
  end)

  it("hands a package out on first use: the same table require gives", function()
    local r = loaded_after([[
      local isms = require "isms"
      assert(isms.gap == require "isms.gap")
      assert(isms.gap.catalog and isms.incidents == require "isms.incident")
      assert(isms.no_such_package == nil)]])
    assert.are.same({ "isms.gap" }, { r.loaded[1] })
  end)

  it("loads every domain package for a register method none loaded defines", function()
    local db = H.tmp("lazy.db")
    local r = loaded_after(([[
      local isms = require "isms"
      local reg = assert(isms.open(%q))
      assert(type(reg.soa) == "function", "reg:soa")
      assert(type(reg:soa()) == "table")
      assert(reg.no_such_method == nil)
      reg:close()]]):format(db))
    assert.is_true(r.all)
    assert.are.equal(8, #r.loaded)
  end)

  it("loads them for a record kind or the action sources, in the usual order", function()
    local out, rc = fresh([[
      local isms = require "isms"
      assert(isms.kinds.get("supplier"), "supplier kind")
      print(table.concat(isms.actions.sources(), ", "))]])
    assert.are.equal(0, rc, out)
    assert.truthy(out:find("^rtp, .*, roadmap\n$"), out)
    -- `isms actions` names the sources in the same order, though its family
    -- file loads some of the domain packages first
    local _, err, code = H.run("--db", H.tmp("none.db"), "actions", "--source", "x")
    assert.are.equal(2, code)
    assert.are.equal("isms: unknown source 'x'; the tracker has " .. out, err)
  end)

  it("isms.load_all() loads every package and hands them all out", function()
    local out, rc = fresh([[
      local isms = require "isms"
      isms.load_all()
      local names = {}
      for k, v in pairs(isms) do if type(v) == "table" then names[#names + 1] = k end end
      table.sort(names)
      print(table.concat(names, " "))]])
    assert.are.equal(0, rc, out)
    -- every package isms/init.lua hands out lazily
    local want = {}
    for name in H.read("lua/isms/init.lua"):gmatch("\nlazy%.([%w_]+) = ") do want[#want + 1] = name end
    table.sort(want)
    assert.truthy(#want >= 17)
    assert.are.equal(table.concat(want, " ") .. "\n", out)
  end)
end)

describe("the command line at start-up", function()
  local db

  local function setup()
    if db then return db end
    db = H.tmp("startup.db")
    assert.are.equal(0, select(3, H.run("init", db, "--methodology", "qism-fmea")))
    assert.are.equal(0, select(3, H.run("--db", db, "import", "assets", H.file("a.csv", H.GOOD))))
    assert.are.equal(0, select(3, H.run("--db", db, "risks", "generate", "generic")))
    return db
  end

  it("runs isms assess without loading the other domains", function()
    local r = loaded_after(([[
      local rc = require("isms.cli").main({ "--db", %q, "assess", "--top", "1" })
      assert(rc == 0, "exit " .. tostring(rc))]]):format(setup()))
    assert.is_false(r.all)
    assert.are.same({}, r.loaded)
  end)

  it("names the family file of every command the families define", function()
    local out, rc = fresh([[
      local cli = require "isms.cli"
      local family_of, families = cli.dispatch_table()
      local defined = cli.command_families()  -- loads every family and kind
      local problems = {}
      for name, family in pairs(defined) do
        if family ~= "records" and family ~= "help" and family_of[name] ~= family then
          problems[#problems + 1] = name .. " is defined by " .. family .. ", the table says "
                                    .. tostring(family_of[name])
        end
      end
      for name, family in pairs(family_of) do
        if defined[name] ~= family then
          problems[#problems + 1] = name .. ": the table says " .. family .. ", defined by "
                                    .. tostring(defined[name])
        end
      end
      table.sort(problems)
      print(#families, table.concat(problems, "; "))]])
    assert.are.equal(0, rc, out)
    assert.are.equal("13\t\n", out)
  end)

  it("lists every command once in isms help, families first and help last", function()
    local out, _, code = H.run("help")
    assert.are.equal(0, code)
    local names, seen = {}, {}
    for line in out:match("\ncommands:\n(.-)\n\n"):gmatch("[^\n]+") do
      local name = line:match("^  (%S+)")
      assert.is_nil(seen[name], name)
      seen[name] = true
      names[#names + 1] = name
    end
    assert.are.equal("init", names[1])
    assert.are.equal("help", names[#names])
    -- record kinds' commands come after the families' (which may add verbs to them)
    assert.truthy(seen.people and seen.suppliers and seen.verify)
    local at = {}
    for k, n in ipairs(names) do at[n] = k end
    assert.truthy(at.verify < at.people)
  end)

  it("runs a record kind's command and a mistyped one as before", function()
    local d = setup()
    local out, _, code = H.run("--db", d, "suppliers", "list", "--format", "csv")
    assert.are.equal(0, code)
    assert.truthy(out:find("^id,"))
    local _, err, code2 = H.run("--db", d, "asess")
    assert.are.equal(2, code2)
    assert.truthy(err:find("did you mean 'assess'", 1, true), err)
  end)
end)
