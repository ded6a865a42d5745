-- Explaining results (issue #16): `isms risks explain REF` and `isms value
-- --explain ASSET` show the computation as an auditor checks it by hand,
-- in text and JSON; m:explain gives the same as data.
local H = require "helper"
local isms = require "isms"
local cjson = require "cjson"

describe("explaining a risk of a register", function()
  local reg, path = H.register()
  assert(reg:import_assets(H.file("assets.csv", H.GOOD)))
  assert(reg:put_risks({
    { ref = "R1", asset = "AST-1", threat = "T-FIRE", ratings = { S = 9, O = 10, D = 9 } },
    { ref = "R2", asset = "AST-2", threat = "T-FIRE", ratings = { S = 2, O = 3, D = 4 },
      obligations = { legal = true } },
    { ref = "R3", asset = "AST-3", threat = "T-FIRE", ratings = { S = 2 } },
  }))

  it("shows inputs, the formula, the band and each criterion", function()
    local out, err, code = H.run("--db", path, "risks", "explain", "R1")
    assert.are.equal("", err)
    assert.are.equal(0, code)
    assert.truthy(out:find("S 9 (Serious) x O 10 (Almost certain) x D 9 (Very remote) = 810", 1, true))
    assert.truthy(out:find("score 810: level High (rank 3; range 200 to 1000)", 1, true))
    assert.truthy(out:find("acceptance 'general' (line 168): applies and fails: level High is above Medium",
                           1, true))
    assert.truthy(out:find("acceptance 'class A assets' (line 173): applies and fails: level High is " ..
                           "above Low", 1, true))
    assert.truthy(out:find("\nnot acceptable: acceptance 'general' fails\n", 1, true))
  end)

  it("says why a criterion does not apply and which one decided", function()
    local out = H.run("--db", path, "risks", "explain", "R2")
    assert.truthy(out:find("S 2 (Very minor) x O 3 (Low) x D 4 (Moderately high) = 24", 1, true))
    assert.truthy(out:find("acceptance 'class A assets' (line 173): does not apply: asset class C is not A",
                           1, true))
    assert.truthy(out:find("acceptance 'obligations' (line 179): applies and holds: level Low is at most Low",
                           1, true))
    assert.truthy(out:find("\nacceptable: general, obligations apply and hold\n", 1, true))
  end)

  it("gives the same as JSON", function()
    local out, _, code = H.run("--db", path, "risks", "explain", "R1", "--format", "json")
    assert.are.equal(0, code)
    local e = cjson.decode(out)
    assert.are.same({ "R1", "810", "High", 3, false },
                    { e.ref, e.score, e.level, e.rank, e.acceptance.acceptable })
    assert.are.same({ "S", "9", "Serious" }, { e.inputs[1].name, e.inputs[1].value, e.inputs[1].label })
    assert.are.equal("S 9 (Serious) x O 10 (Almost certain) x D 9 (Very remote) = 810", e.stages[1].formula)
  end)

  it("says a risk with an unrated factor is not rated", function()
    local out = H.run("--db", path, "risks", "explain", "R3")
    assert.truthy(out:find("O                        not rated", 1, true))
    assert.truthy(out:find("not rated: an input is not rated, so the risk has no level", 1, true))
  end)

  it("refuses an unknown ref", function()
    local _, err, code = H.run("--db", path, "risks", "explain", "NOPE")
    assert.are.equal("isms: no risk 'NOPE' in the register\n", err)
    assert.are_not.equal(0, code)
  end)

  it("explains an asset's value and class", function()
    local out, err, code = H.run("--db", path, "value", "--explain", "AST-1")
    assert.are.equal("", err)
    assert.are.equal(0, code)
    assert.truthy(out:find("asset value = C 4 x I 3 x A 3 = 36\nvalue 36: class A (line 48: values 18, 24, " ..
                           "27, 32, 36)", 1, true))
    local j = cjson.decode((H.run("--db", path, "value", "--explain", "AST-2", "--format", "json")))
    assert.are.same({ "AST-2", 4, "C", "C 2 x I 2 x A 1 = 4" }, { j.asset, j.value, j.class, j.formula })
  end)
end)

describe("m:explain on staged methods", function()
  it("shows each property of a per-property stage and the affected ones", function()
    local m = assert(isms.methodology.load(H.file("pp.lua", [[
local function n(k) local t = {} for v = 1, k do t[v] = { value = v, label = "L" .. v } end return t end
methodology "per-property" {}
scale "C" { tiers = n(4) }
scale "I" { tiers = n(4) }
scale "A" { tiers = n(4) }
asset_value { combine = "max" }
asset_class "all" { range = { 1, 4 } }
scale "threat" { tiers = n(3) }
scale "vulnerability" { tiers = n(3) }
risk_stage "risk" {
  combine = "product", inputs = { "asset.*", "threat", "vulnerability" },
  affected = "threat.affects", reduce = "max",
}
risk_score { factors = { "threat", "vulnerability" }, combine = "risk" }
risk_level "Low" { range = { 1, 9 } }
risk_level "High" { range = { 10, 64 } }
acceptance "all" { max_level = "Low" }
]])))
    local text = m:explain_text({ ratings = { threat = 3, vulnerability = 2 },
                                  asset = { C = 4, I = 1, A = 2 }, threat = { affects = { "I", "A" } } })
    assert.truthy(text:find("  threat.affects           I, A\n", 1, true))
    assert.truthy(text:find("      C: asset.C L4 (4) x threat L3 (3) x vulnerability L2 (2) = 24\n", 1, true))
    assert.truthy(text:find("      A: asset.A L2 (2) x threat L3 (3) x vulnerability L2 (2) = 12\n", 1, true))
    assert.truthy(text:find("      max over the properties the threat affects = 12\n", 1, true))
    assert.truthy(text:find("score 12: level High (rank 2; range 10 to 64)", 1, true))
    assert.truthy(text:find("acceptance 'all' (line 17): applies and fails: level High is above Low", 1, true))
  end)

  it("shows a mean that is not exact in six places as its fraction", function()
    local m = assert(isms.methodology.load(H.file("avg.lua", [[
local t = {} for v = 0, 9 do t[#t + 1] = { value = v, label = tostring(v) } end
methodology "avg" {}
scale "x" { tiers = t }
scale "y" { tiers = t }
scale "z" { tiers = t }
risk_stage "m" { combine = "mean", inputs = { "x", "y", "z" }, bands = { "lo", 3, "hi" } }
risk_score { factors = { "x", "y", "z" }, combine = "m" }
risk_level "Low" {}
risk_level "High" { from = 3 }
]])))
    local e = m:explain({ x = 2, y = 3, z = 3 })
    assert.are.same({ "m", "2.666667", "8/3", "lo", "below 3" },
                    { e.stages[1].name, e.stages[1].value, e.stages[1].exact, e.stages[1].band,
                      e.stages[1].band_rule })
    assert.are.equal("(x 2 + y 3 + z 3) / 3 = 2.666667", e.stages[1].formula)
    assert.are.same({ "Low", "from the lowest score up to (not including) 3" }, { e.level, e.level_rule })
  end)
end)

describe("a target score from the same definition", function()
  local m = assert(isms.methodology.load("owasp-risk-rating"))
  local r = { skill = 5, motive = 2, opportunity = 7, size = 1, discovery = 3, exploit = 6,
              awareness = 9, detection = 2, confidentiality = 9, integrity = 7, availability = 5,
              accountability = 8, financial = 1, reputation = 2, compliance = 1, privacy = 5 }

  it("scores the planned changes with the same stages", function()
    -- exploit 6 -> 1 and discovery 3 -> 1: likelihood (35 - 7) / 8 = 3.5, still MEDIUM
    assert.are.same({ 2, "Low", 2 }, { m:target_score(r, { exploit = 1, discovery = 1 }) })
    -- awareness 9 -> 1 as well: (28 - 8) / 8 = 2.5, LOW: severity Note
    assert.are.same({ 1, "Note", 1 }, { m:target_score(r, { exploit = 1, discovery = 1, awareness = 1 }) })
  end)

  it("explains the target beside the current result, judged as residual risk", function()
    local e = m:explain({ ratings = r }, { target = { awareness = 1, exploit = 1, discovery = 1 } })
    assert.are.same({ "Low", "Note" }, { e.level, e.target.level })
    assert.are.same({ "awareness 9 -> 1", "discovery 3 -> 1", "exploit 6 -> 1" }, e.target.changes)
    assert.are.equal("acceptable: general apply and hold", e.target.decision)
    local text = m:explain_text({ ratings = r }, { target = { awareness = 1, exploit = 1, discovery = 1 } })
    assert.truthy(text:find("target (awareness 9 -> 1, discovery 3 -> 1, exploit 6 -> 1):\n", 1, true))
    assert.truthy(text:find("  likelihood = 2.5  band LOW\n", 1, true))
  end)
end)

describe("isms risks explain --target", function()
  it("adds the score after the planned changes, judged as residual risk", function()
    local reg, path = H.register()
    assert(reg:import_assets(H.file("assets.csv", H.GOOD)))
    assert(reg:put_risks({ { ref = "R1", asset = "AST-1", threat = "T-FIRE",
                             ratings = { S = 9, O = 10, D = 9 } } }))
    local out, err, code = H.run("--db", path, "risks", "explain", "R1", "--target", "O=1,D=2")
    assert.are.same({ "", 0 }, { err, code })
    assert.truthy(out:find("\ntarget (D Very remote -> 2, O Almost certain -> 1):\n  risk_score = 18\n" ..
                           "score 18: level Low; as residual risk, acceptable: residual apply and hold\n", 1, true))
    local _, err2, code2 = H.run("--db", path, "risks", "explain", "R1", "--target", "O")
    assert.are.equal("isms: --target: expected FACTOR=VALUE,..., got O\n", err2)
    assert.are_not.equal(0, code2)
  end)
end)
