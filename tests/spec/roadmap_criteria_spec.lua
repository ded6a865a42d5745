-- Entry and exit criteria (lua/isms/roadmap/criteria.lua): predicates of
-- the rule file run in the sandbox over a read-only register view. A
-- predicate that errors, writes, runs away or returns nonsense fails on
-- its own, named; SQL that would write is refused by the register; a
-- table the register does not have makes a criterion unavailable.
local H = require "helper"
local roadmap = require "isms.roadmap"

local FILE = [[
roadmap "crit" { }
role "r" { }
criterion "ok" { text = "assets on record", counts = { "assets", "assets_unvalued" },
  check = function(r) return r.count.assets > 0, r.count.assets .. " assets" end }
criterion "atleast" { text = "enough assets", counts = { "assets" },
  check = function(r, n) return r.count.assets >= n, "need " .. n end }
criterion "boom" { text = "errors", check = function(r) error("boom") end }
criterion "writes" { text = "writes a count", counts = { "assets" },
  check = function(r) r.count.assets = 0 return true end }
criterion "writes-map" { text = "writes a map", sql = { by_type = "SELECT type, count(*) FROM asset_view GROUP BY type" },
  check = function(r) r.sql.by_type.physical = 99 return true end }
criterion "undeclared" { text = "reads a count it did not name",
  check = function(r) return r.count.risks == 0 end }
criterion "delete" { text = "SQL that deletes", sql = { gone = "DELETE FROM assets" },
  check = function(r) return true end }
criterion "two" { text = "two statements", sql = { two = "SELECT 1; DELETE FROM assets" },
  check = function(r) return true end }
criterion "missing" { text = "a table of another area", sql = { audits = "SELECT count(*) FROM audits" },
  check = function(r) return r.sql.audits > 0 end }
criterion "map" { text = "assets by type", sql = { by_type = "SELECT type, count(*) FROM asset_view GROUP BY type",
                                                   n = "SELECT count(*) FROM assets" },
  check = function(r)
    local total = 0
    for _, k in pairs(r.sql.by_type) do total = total + k end
    return total == r.sql.n and r.sql.by_type.service == 1 and r.sql.by_type.nothing == nil,
           total .. " by type"
  end }
criterion "spin" { text = "runs away", check = function(r) while true do end end }
criterion "number" { text = "returns a number", check = function(r) return 42 end }
step "s" { role = "r", title = "S", duration = 1,
  exit = { "ok", { "atleast", 3 }, { "atleast", 5 }, "boom", "writes", "writes-map", "undeclared",
           "delete", "two", "missing", "map", "spin", "number" } }
]]

describe("roadmap criteria", function()
  local reg, wf, results
  setup(function()
    reg = H.register()
    assert(reg:import_assets(H.file("a.csv", H.GOOD)))
    wf = assert(roadmap.load(H.file("crit.lua", FILE)))
    results = roadmap.criteria.evaluate(reg, wf.by_id.s.exit, "2027-01-04")
  end)
  teardown(function() reg:close() end)

  local function result(k) return results[k] end

  it("run over the register's counts and SQL, with arguments", function()
    assert.are.same({ state = "holds", reason = "3 assets" }, result(1))
    assert.are.same({ state = "holds", reason = "need 3" }, result(2))
    assert.are.same({ state = "fails", reason = "need 5" }, result(3))
    assert.are.same({ state = "holds", reason = "3 by type" }, result(11))
  end)

  it("fail on their own when they error, naming the file and line", function()
    local r = result(4)
    assert.are.equal("error", r.state)
    assert.truthy(r.reason:find("crit.lua:7: boom", 1, true), r.reason)
    assert.are.equal("error", result(13).state)
    assert.truthy(result(13).reason:find("returned a number; a criterion returns true or false",
                                         1, true))
  end)

  it("cannot write: the register view is read-only", function()
    assert.are.equal("error", result(5).state)
    assert.truthy(result(5).reason:find("crit.lua:9: cannot modify 'register.count.assets': "
                                        .. "the register view is read-only", 1, true), result(5).reason)
    assert.truthy(result(6).reason:find("cannot modify 'register.sql.by_type.physical'", 1, true),
                  result(6).reason)
  end)

  it("name a count they read without declaring it", function()
    assert.are.equal("error", result(7).state)
    assert.truthy(result(7).reason:find("unknown name 'register.count.risks' (name it in the "
                                        .. "criterion's counts = { ... })", 1, true), result(7).reason)
  end)

  it("cannot write through SQL: the register refuses, and nothing changes", function()
    assert.are.equal("error", result(8).state)
    assert.truthy(result(8).reason:find("sql gone:", 1, true), result(8).reason)
    assert.are.equal("error", result(9).state)
    local n = 0
    for _ in reg:query("SELECT id FROM assets") do n = n + 1 end
    assert.are.equal(3, n)
  end)

  it("are unavailable where the register lacks the table they read", function()
    assert.are.equal("unavailable", result(10).state)
    assert.truthy(result(10).reason:find("no such table: audits", 1, true), result(10).reason)
  end)

  it("stop a runaway at the sandbox's limits without sinking the others", function()
    local r = result(12)
    assert.are.equal("error", r.state)
    assert.truthy(r.reason:find("limit", 1, true) or r.reason:find("budget", 1, true), r.reason)
    -- Its neighbours in the same sandbox run were evaluated all the same.
    assert.are.equal("holds", result(11).state)
    assert.are.equal("error", result(13).state)
  end)
end)
