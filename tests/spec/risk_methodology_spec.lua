-- Risk methodologies in rule files: a fictional organisation's method with
-- no C change, exact decimal bands, inheritance, custom functions, and
-- every invalid case reported at its file and line.
local H = require "helper"
local isms = require "isms"

local function load_text(text, name)
  local path = H.file(name or "risk.lua", text)
  local m, err, code = isms.methodology.load(path)
  return m, err and (err:gsub("^.*/%d+%-", "")), code
end

-- Northwind Logistics: 4 tiers, weighted sum with decimal weights, and a
-- predicate: contractual risks on outsourced assets are never retained
-- above Low.
local NORTHWIND = [[
local function four(a, b, c, d)
  return { { value = 1, label = a }, { value = 2, label = b }, { value = 3, label = c },
           { value = 4, label = d } }
end
methodology "northwind" { title = "Northwind Logistics", version = "2026.1" }
scale "likelihood" { tiers = four("Rare", "Unlikely", "Likely", "Frequent") }
scale "impact" { tiers = four("Minor", "Moderate", "Major", "Severe") }
risk_score { factors = { "likelihood", "impact" }, combine = "weighted",
             weights = { likelihood = 0.4, impact = 0.6 } }
risk_level "Low" { range = { 0, 1.6 } }
risk_level "Medium" { range = { 1.8, 2.6 } }
risk_level "High" { range = { 2.8, 3.4 } }
risk_level "Critical" { range = { 3.6, 4 } }
acceptance "general" { max_level = "Medium" }
acceptance "outsourced contracts" {
  when = { obligations = { "contractual" } },
  predicate = function(risk)
    if risk.asset.outsourced and risk.rank > 1 then return false, "outsourced and above Low" end
    return true
  end,
}
residual_acceptance "residual" { max_level = "Low" }
]]

describe("a fictional organisation's methodology", function()
  local m = assert(load_text(NORTHWIND, "northwind.lua"))

  it("scores with decimal weights exactly, on band edges", function()
    -- 0.4 * 1 + 0.6 * 2 = 1.6 exactly: on the Low edge, not 1.6000000000000001.
    local s, level = m:score_text { likelihood = 1, impact = 2 }
    assert.are.equal("1.6", s)
    assert.are.equal("Low", level)
    local expect = {}
    for l = 1, 4 do
      for i = 1, 4 do
        local tenths = 4 * l + 6 * i  -- score x 10, exact in integers
        local want = tenths <= 16 and "Low" or tenths <= 26 and "Medium"
          or tenths <= 34 and "High" or "Critical"
        expect[#expect + 1] = ("%d,%d=%s"):format(l, i, want)
        local _, got = m:score { likelihood = l, impact = i }
        assert.are.equal(want, got, ("likelihood %d, impact %d"):format(l, i))
      end
    end
    assert.are.equal(16, #expect)
  end)

  it("reads ratings by label, any case", function()
    local s1 = m:score { likelihood = "frequent", impact = "SEVERE" }
    assert.are.equal(4, s1)
  end)

  it("applies the predicate only where its condition holds", function()
    local outsourced = { ratings = { likelihood = 2, impact = 2 }, asset = { outsourced = true },
                         obligations = { contractual = true } }
    local ok, why = m:acceptable(outsourced)
    assert.is_false(ok)
    assert.are.equal("acceptance 'outsourced contracts': outsourced and above Low", why)
    outsourced.asset.outsourced = false
    assert.is_true((m:acceptable(outsourced)))
    assert.is_true((m:acceptable { ratings = { likelihood = 2, impact = 2 }, asset = { outsourced = true } }))
    assert.is_false((m:acceptable { ratings = { likelihood = 4, impact = 4 } }))
    assert.is_false((m:acceptable({ ratings = { likelihood = 2, impact = 2 } }, true)))
    assert.is_true((m:acceptable({ ratings = { likelihood = 1, impact = 1 } }, true)))
  end)

  it("keeps its version and title", function()
    assert.are.equal("2026.1", m:version())
    assert.are.equal("Northwind Logistics", m:title())
    assert.is_false(m:values_assets())
  end)
end)

describe("custom score functions", function()
  it("score every combination of tiers, rounded to exact millionths", function()
    local m = assert(load_text([[
methodology "f" {}
scale "p" { tiers = { { value = 1, label = "Lo" }, { value = 2, label = "Hi" } } }
scale "q" { tiers = { { value = 1, label = "Lo" }, { value = 2, label = "Hi" } } }
risk_score { factors = { "p", "q" }, combine = function(t) return t.p * t.p + t.q / 4 end }
risk_level "Low" { range = { 0, 2 } }
risk_level "High" { range = { 2.25, 5 } }
]]))
    assert.are.same({ "1.25", "Low", 1 }, { m:score_text { p = 1, q = 1 } })
    assert.are.same({ "4.5", "High", 2 }, { m:score_text { p = 2, q = 2 } })
  end)

  it("report an error inside the function with its line and the tiers", function()
    local m, err = load_text([[
methodology "f" {}
scale "p" { tiers = { { value = 1, label = "Lo" }, { value = 2, label = "Hi" } } }
risk_score { factors = { "p" }, combine = function(t)
  if t.p == 2 then error("no second tier") end
  return t.p end }
risk_level "Low" { range = { 0, 2 } }
]])
    assert.is_nil(m)
    assert.are.equal("risk.lua:4: no second tier (combine, for p=2)", err)
  end)
end)

describe("extends", function()
  it("overrides levels in place and removes criteria", function()
    local child = H.file("child.lua", [[
methodology "strict-fmea" { extends = "qism-fmea" }
risk_level "Low" { range = { 1, 49 } }
risk_level "Medium" { range = { 50, 149 } }
risk_level "High" { range = { 150, 1000 } }
acceptance "class A assets" { remove = true }
]])
    local m = assert(isms.methodology.load(child))
    assert.are.equal("strict-fmea", m:name())
    local _, level = m:score { S = 5, O = 5, D = 5 }
    assert.are.equal("Medium", level)   -- 125: Medium in both
    local _, l2 = m:score { S = 10, O = 4, D = 4 }
    assert.are.equal("High", l2)        -- 160: Medium in qism-fmea, High here
    local names = {}
    for _, c in ipairs(m:criteria()) do names[#names + 1] = c.name end
    assert.are.same({ "general", "obligations", "residual" }, names)
    assert.is_true(m:values_assets())   -- asset valuation inherited
  end)

  it("takes a relative path from the extending file's directory, not the current one", function()
    local dir = H.tmp("org-rules")
    assert(os.execute(("mkdir -p %q"):format(dir .. "/base")))
    H.write(dir .. "/base/house.lua", [[
methodology "house" { extends = "qism-fmea" }
risk_level "Low" { range = { 1, 49 } }
risk_level "Medium" { range = { 50, 149 } }
risk_level "High" { range = { 150, 1000 } }
]])
    H.write(dir .. "/unit.lua", 'methodology "unit" { extends = "base/house.lua" }\n')
    H.write(dir .. "/sibling.lua", 'methodology "sibling" { extends = "./base/../base/house.lua" }\n')
    -- the specs run from the repository root: dir is elsewhere
    for _, name in ipairs { "unit", "sibling" } do
      local m = assert(isms.methodology.load(dir .. "/" .. name .. ".lua"))
      local _, level = m:score { S = 10, O = 4, D = 4 }
      assert.are.equal("High", level)   -- 160: the house bands, not qism-fmea's Medium
    end
    -- a missing parent is named by the path it resolved to
    H.write(dir .. "/lost.lua", 'methodology "lost" { extends = "nowhere/house.lua" }\n')
    local m, err = isms.methodology.load(dir .. "/lost.lua")
    assert.is_nil(m)
    assert.are.equal(dir .. "/lost.lua:1: methodology 'lost': extends: " .. dir ..
                     "/nowhere/house.lua: no such rule file", err)
  end)

  it("refuses a cycle", function()
    local a = H.tmp("a.lua")
    local bpath = H.tmp("b.lua")
    H.write(a, ('methodology "a" { extends = %q }\n'):format(bpath))
    H.write(bpath, ('methodology "b" { extends = %q }\n'):format(a))
    local m, err = isms.methodology.load(a)
    assert.is_nil(m)
    assert.truthy(err:find("extends itself (a cycle)", 1, true))
  end)
end)

-- A valid risk method to break: line numbers below refer to this text.
local BASE = [[
methodology "t" {}
scale "L" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "High" } } }
scale "I" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "High" } } }
risk_score { factors = { "L", "I" }, combine = "product" }
risk_level "Low" { range = { 1, 2 } }
risk_level "High" { values = { 4 } }
]]

describe("invalid risk methodologies", function()
  local cases = {
    { "a gap", BASE:gsub("range = { 1, 2 }", "range = { 1, 1 }"),
      "risk.lua:4: risk_score: score 2 (L=2, I=1) falls in no risk_level" },
    { "an overlap", BASE:gsub("values = { 4 }", "values = { 2, 4 }"),
      "risk.lua:6: risk_level 'High': score 2 (L=2, I=1) falls in both level 'Low' and level 'High'" },
    { "an unknown factor", BASE:gsub('"L", "I" }', '"L", "X" }'),
      "risk.lua:4: risk_score: factors[2]: no scale named 'X'" },
    { "an unknown field", BASE:gsub("combine =", "combien = 1, combine ="),
      "risk.lua:4: risk_score: combien: unknown field; expected one of combine, description, factors, matrix, weights" },
    { "an unknown combine rule", BASE:gsub('"product"', '"average"'),
      "risk.lua:4: risk_score: combine: unknown rule 'average'; expected product, sum, max, min, weighted, matrix, or a function" },
    { "too many decimal places", BASE:gsub("range = { 1, 2 }", "range = { 1, 2.0000001 }"),
      "risk.lua:5: risk_level 'Low': range[2]: 2.0000001 has more than 6 decimal places" },
    { "a matrix of the wrong shape", [[
methodology "t" {}
scale "L" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "High" } } }
scale "I" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "High" } } }
risk_score { factors = { "L", "I" }, combine = "matrix", matrix = "m" }
risk_matrix "m" { rows = "L", columns = "I", cells = { { "Low", "Low" }, { "Low" } } }
risk_level "Low" {}
]], "risk.lua:5: risk_matrix 'm': cells[2]: expected 2 cells (the 2 tiers of I), got 1" },
    { "a matrix naming an unknown level", [[
methodology "t" {}
scale "L" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "High" } } }
scale "I" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "High" } } }
risk_score { factors = { "L", "I" }, combine = "matrix", matrix = "m" }
risk_matrix "m" { rows = "L", columns = "I", cells = { { "Low", "Low" }, { "Low", "Hgh" } } }
risk_level "Low" {}
]], "risk.lua:5: risk_matrix 'm': cells[2][2]: no risk_level named 'Hgh'" },
    { "acceptance naming an unknown level", BASE .. 'acceptance "a" { max_level = "Medium" }\n',
      "risk.lua:7: acceptance 'a': max_level: no risk_level named 'Medium'" },
    { "acceptance without a test", BASE .. 'acceptance "a" { when = { category = { "project" } } }\n',
      "risk.lua:7: acceptance 'a': give max_level, max_score or predicate" },
    { "an unknown condition value", BASE .. 'acceptance "a" { when = { asset_type = { "car" } }, max_level = "Low" }\n',
      "risk.lua:7: acceptance 'a': when.asset_type[1]: unknown asset type 'car'" },
    { "a predicate that fails on a sample risk", BASE ..
      'acceptance "a" {\n  predicate = function(r) return r.asset.owner.name == "x" end }\n',
      "risk.lua:8: attempt to index field 'owner' (a nil value)" },
    { "a level without a risk score", [[
methodology "t" {}
scale "C" { tiers = { { value = 1, label = "Low" } } }
scale "I" { tiers = { { value = 1, label = "Low" } } }
scale "A" { tiers = { { value = 1, label = "Low" } } }
asset_class "x" { values = { 1 } }
risk_level "Low" { range = { 1, 2 } }
]], "risk.lua:6: risk_level 'Low': declared without a risk_score { factors = ..., combine = ... }" },
    { "neither valuation nor scoring", 'methodology "t" {}\n',
      "risk.lua:1: methodology 't': declares neither asset valuation (scales C, I, A and asset_class) nor risk scoring (risk_score)" },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      local m, err, code = load_text(case[2])
      assert.is_nil(m)
      assert.are.equal("RULE", code)
      assert.truthy(err:find(case[3], 1, true), "got: " .. tostring(err))
    end)
  end

  it("warns of band values no combination reaches", function()
    local m = assert(load_text((BASE:gsub("values = { 4 }", "values = { 3, 4 }"))))
    assert.are.same({ "risk.lua:6: risk_level 'High': values: 3 is reached by no combination of tiers" },
                    (function() local w = {}
                       for k, v in ipairs(m:warnings()) do w[k] = v:gsub("^.*/%d+%-", "") end
                       return w end)())
    local out, _, rc = H.run("methodology", "check", H.file("w.lua", BASE:gsub("values = { 4 }", "values = { 3, 4 }")))
    assert.are.equal(0, rc)
    assert.truthy(out:find("warning: ", 1, true))
    local _, err, rc2 = H.run("methodology", "check", H.file("bad.lua", BASE:gsub('"product"', '"nope"')))
    assert.are.equal(3, rc2)
    assert.truthy(err:find("bad.lua:4: risk_score: combine: unknown rule 'nope'", 1, true))
  end)
end)

describe("isms methodology on the command line", function()
  it("shows scales, levels, the matrix and the criteria", function()
    local out, err, rc = H.run("methodology", "show", "qism-fmea")
    assert.are.equal(0, rc, err)
    assert.truthy(out:find("risk score = product of S, O, D", 1, true))
    assert.truthy(out:find("acceptance  class A assets", 1, true))
    local grid = H.run("methodology", "show", "nist-800-30-qualitative")
    assert.truthy(grid:find("\\", 1, true))  -- the rows \ columns corner of the matrix
  end)

  it("imports a CISO Assistant matrix into a rule file that loads", function()
    local yaml = H.external("ciso-assistant/risk-matrix-5x5-iso-27005.yaml", pending)
    local dest = H.tmp("m5.lua")
    local out, err, rc = H.run("methodology", "import", yaml,
                               "--output", dest)
    assert.are.equal(0, rc, err)
    assert.truthy(out:find("5 x 5 matrix", 1, true), out)
    assert.truthy(isms.methodology.load(dest))
    local _, err2, rc2 = H.run("methodology", "import", H.file("bad.yaml", "objects: [1, 2\n"))
    assert.are.equal(3, rc2)
    assert.truthy(err2:find("bad.yaml", 1, true), err2)
  end)
end)

describe("rule functions stay in the sandbox", function()
  local HEAD = [[
methodology "t" {}
scale "L" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "High" } } }
risk_score { factors = { "L" }, combine = "max" }
risk_level "Low" { range = { 1, 2 } }
]]
  it("a predicate that never returns is stopped by the CPU budget", function()
    local m, err = load_text(HEAD .. 'acceptance "a" { predicate = function() while true do end end }\n')
    assert.is_nil(m)
    -- (a busy machine may reach the wall-clock limit first: stopped all the same)
    assert.truthy(err:find("rule file exceeded its CPU budget", 1, true)
                  or err:find("rule file exceeded its time limit", 1, true), err)
  end)

  it("the default wall-clock limit is 2 s, or ISMS_RULE_TIME_MS (the user's setting)", function()
    local loop = "tests/fixtures/rules/hostile/loop.lua"
    local out, code = H.sh("ISMS_RULE_TIME_MS=300 " .. H.exe .. " methodology check " .. loop)
    assert.are.equal(3, code)
    assert.truthy(out:find("loop.lua:3: rule file exceeded its time limit of 300 ms", 1, true), out)
    -- a value that is not a whole number of milliseconds in 1..600000 is ignored
    out, code = H.sh("ISMS_RULE_TIME_MS=0x10 " .. H.exe .. " methodology check " .. loop)
    assert.are.equal(3, code)
    assert.truthy(out:find("CPU budget", 1, true) or out:find("time limit of 2000 ms", 1, true), out)
  end)

  it("a predicate cannot reach os or io", function()
    local m, err = load_text(HEAD .. 'acceptance "a" { predicate = function() return os.time() > 0 end }\n')
    assert.is_nil(m)
    assert.truthy(err:find("risk.lua:5: unknown name 'os'", 1, true), err)
  end)

  it("a score function must return a number", function()
    local m, err = load_text([[
methodology "t" {}
scale "L" { tiers = { { value = 1, label = "Low" } } }
risk_score { factors = { "L" }, combine = function() return {} end }
risk_level "Low" { range = { 1, 2 } }
]])
    assert.is_nil(m)
    assert.are.equal("risk.lua:3: risk_score: combine: returned a table (combine, for L=1)", err)
  end)

  it("data passed to a function cannot run code in the host", function()
    local rules = require "isms.rules"
    local path = H.file("echo.lua", HEAD .. 'acceptance "a" { predicate = function(r) return r.s end }\n')
    local _, results = rules.call(path, { { decl = 5, field = "predicate",
                                             args = { { s = "]] os.exit(1) --[[" } } } })
    assert.are.equal("]] os.exit(1) --[[", results[1].value)
  end)
end)

describe("many distinct risk views", function()
  it("are sent to the sandbox in slices, each view judged once", function()
    local m = assert(load_text([[
methodology "v" {}
scale "L" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "High" } } }
risk_score { factors = { "L" }, combine = "max" }
risk_level "Low" { range = { 1, 2 } }
acceptance "even values" { predicate = function(r) return r.asset.value % 2 == 0 end }
]]))
    local views = {}
    for k = 1, 5000 do
      views[k] = require("isms.method.risk_view").view(m, { ratings = { L = 1 }, asset = { value = k } })
    end
    local bits = require("isms.method.risk_view").verdicts(m, views, false)
    assert.are.equal(5000, #bits)
    assert.are.equal(0, bits[4999])
    assert.are.equal(1, bits[5000])
  end)
end)
