-- Editing single assets, the change log, schema versions, and that hostile
-- rule files never reach the register.
local H = require "helper"
local isms = require "isms"

describe("register", function()
  it("creates a register at the current schema version", function()
    local reg = H.register()
    -- the library's latest (each area's migration moves it)
    local C = require("isms.store._ffi").C
    assert.are.equal(C.isms_schema_version_supported(), reg:schema_version())
    assert.are.equal("qism-fmea", reg:setting("methodology"))
  end)

  it("sets one field, logs it, and re-values on C/I/A changes", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("a.csv", H.GOOD)))
    assert(reg:set_asset("AST-2", "owner", "CISO", "handover"))
    assert(reg:set_asset("AST-2", "c", "Secret", "reclassified"))
    local a = reg:asset("AST-2")
    assert.are.same({ "CISO", 4, 8, "B" }, { a.owner, a.c, a.value, a.class })
    local log = {}
    for _, c in ipairs(reg:changes("AST-2")) do
      log[#log + 1] = ("%s %s->%s (%s)"):format(c.field, tostring(c.old), tostring(c.new), c.reason)
    end
    assert.are.same({
      "owner IT Manager->CISO (handover)",
      "c 2->4 (reclassified)",
      "class C->nil (reclassified)",
      "value 4->nil (reclassified)",
      "class nil->B (reclassified)",
      "value nil->8 (reclassified)",
    }, log)
  end)

  it("does not log a change that changes nothing", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("a.csv", H.GOOD)))
    local before = #reg:batches()
    assert(reg:set_asset("AST-1", "owner", "Head of Design"))
    assert.are.equal(before, #reg:batches())
  end)

  it("rejects bad edits and leaves the asset alone", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("a.csv", H.GOOD)))
    local before = H.snapshot(reg)
    local cases = {
      { "AST-1", "colour", "red", "INPUT", "unknown asset field 'colour'" },
      { "AST-1", "type", "gizmo", "INPUT", "type: unknown asset type 'gizmo'" },
      { "AST-1", "units", "0", "INPUT", "units: '0' is not a whole number from 1 to 100000000" },
      { "AST-1", "c", "Extreme", "INPUT", "c: 'Extreme' is not a tier of C" },
      { "AST-1", "name", "", "INPUT", "name: must not be empty" },
      { "NOPE", "owner", "x", "NOTFOUND", "no asset with id 'NOPE'" },
    }
    for _, c in ipairs(cases) do
      local ok, err, code = reg:set_asset(c[1], c[2], c[3])
      assert.is_nil(ok)
      assert.are.equal(c[4], code)
      assert.truthy(err:find(c[5], 1, true), err)
    end
    assert.are.equal(before, H.snapshot(reg))
  end)

  it("deletes an asset and keeps its last values in the log", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("a.csv", H.GOOD)))
    assert(reg:delete_asset("AST-3", "contract ended"))
    assert.is_nil(reg:asset("AST-3"))
    local fields = {}
    for _, c in ipairs(reg:changes("AST-3")) do
      assert.are.equal("delete", c.action)
      fields[c.field] = c.old
    end
    assert.are.same({ name = "Foundry shuttle", type = "service", owner = "Operations",
                      location = "Hsinchu", outsourced = "1", contract = "MSA-17", group = "0",
                      units = "1", c = "3", i = "2", a = "2", notes = "NDA, shuttle",
                      value = "12.0", class = "B" }, fields)
    local ok, _, code = reg:delete_asset("AST-3")
    assert.is_nil(ok)
    assert.are.equal("NOTFOUND", code)
  end)

  it("values with another methodology without changing the register's own", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("a.csv", H.GOOD)))
    local other = assert(isms.methodology.load(H.file("max.lua", [[
methodology "max3" {}
scale "C" { tiers = { { value = 1, label = "L" }, { value = 2, label = "M" }, { value = 3, label = "H" }, { value = 4, label = "X" } } }
scale "I" { tiers = { { value = 1, label = "L" }, { value = 2, label = "M" }, { value = 3, label = "H" } } }
scale "A" { tiers = { { value = 1, label = "L" }, { value = 2, label = "M" }, { value = 3, label = "H" } } }
asset_value { combine = "max" }
asset_class "high" { range = { 3, 4 } }
asset_class "low" { range = { 1, 2 } }
]])))
    local r = assert(reg:value(other, "what if"))
    assert.are.same({ 3, 3, 0, 3 }, { r.assets, r.valued, r.unvalued, r.changed })
    assert.are.equal("high", reg:asset("AST-1").class)
    assert.are.equal("low", reg:asset("AST-2").class)
    assert.are.equal("qism-fmea", reg:setting("methodology"))
    r = assert(reg:value())
    assert.are.equal(3, r.changed)
    assert.are.equal("A", reg:asset("AST-1").class)
  end)

  it("raises on API misuse", function()
    assert.has_error(function() isms.open(42) end, "isms.open: expected a path")
    local reg = H.register()
    reg:close()
    assert.has_error(function() reg:assets() end)
  end)
end)

describe("hostile rule files", function()
  -- Each is refused with a clear message; this process and the register
  -- it has open carry on untouched.
  local cases = {
    { "os", "os.execute('touch /tmp/pwned')", "unknown name 'os'" },
    { "io", "io.open('/etc/passwd')", "unknown name 'io'" },
    { "require", "require('ffi')", "unknown name 'require'" },
    { "load", "load('return 1')", "unknown name 'load'" },
    { "loadstring", "loadstring('return 1')", "unknown name 'loadstring'" },
    { "dofile", "dofile('/etc/passwd')", "unknown name 'dofile'" },
    { "debug", "debug.getinfo(1)", "unknown name 'debug'" },
    { "getfenv", "getfenv(1)", "unknown name 'getfenv'" },
    { "setmetatable", "setmetatable({}, {})", "unknown name 'setmetatable'" },
    { "string metatable", "getmetatable('').__index = nil", "unknown name 'getmetatable'" },
    { "string.dump", "string.dump(function() end)", "unknown name 'string.dump'" },
    { "collectgarbage", "collectgarbage()", "unknown name 'collectgarbage'" },
    { "package", "package.loaded.x = 1", "unknown name 'package'" },
    { "infinite loop", "while true do end", "CPU budget" },
    { "coroutine loop", "coroutine.wrap(function() while true do end end)()", "CPU budget" },
    { "memory bomb", "local t = {} for i = 1, 1e9 do t[i] = i end", "memory limit" },
  }
  for _, c in ipairs(cases) do
    it("refuses " .. c[1], function()
      local reg = H.register()
      assert(reg:import_assets(H.file("a.csv", H.GOOD)))
      local before = H.snapshot(reg)
      local path = H.file("hostile.lua", "-- " .. c[1] .. "\n" .. c[2] .. "\n")
      local m, err, code = isms.methodology.load(path)
      assert.is_nil(m)
      assert.are.equal("RULE", code)
      -- On a machine busy enough, a loop's wall-clock limit can come before
      -- its CPU budget: either way the sandbox stopped it.
      local by_clock = c[3] == "CPU budget" and err:find("exceeded its time limit", 1, true)
      if not by_clock then
        assert.truthy(err:find(path .. ":2", 1, true), err)
        assert.truthy(err:find(c[3], 1, true), err)
      end
      assert.are.equal(before, H.snapshot(reg))
      assert.are.equal(3, #reg:assets())
    end)
  end

  it("refuses a bytecode file", function()
    local f = assert(io.popen("luajit -b -e 'methodology \"x\" {}' -", "r"))
    local bytes = f:read("*a")
    f:close()
    local path = H.file("bytecode.lua", bytes)
    local m, err, code = isms.methodology.load(path)
    assert.is_nil(m)
    assert.are.equal("RULE", code)
    assert.truthy(err:find("binary (precompiled) chunks are refused", 1, true), err)
  end)
end)
