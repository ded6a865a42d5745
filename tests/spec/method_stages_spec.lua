-- Staged scores (issue #16): risk_stage declarations, scales without the
-- old limits, scores that read the asset, the threat and related records,
-- the C kernels against a per-row reference, and every bad input reported
-- at its file, line and field.
local H = require "helper"
local isms = require "isms"
local stages = require "isms.method.stages"
local risk_view = require "isms.method.risk_view"

local function load_text(text, name)
  local path = H.file(name or "staged.lua", text)
  local m, err, code = isms.methodology.load(path)
  return m, err and (err:gsub("^.*/%d+%-", "")), code
end

-- A scale of whole values lo..hi labelled by their numbers.
local NUMERIC = [[
local function numeric(lo, hi)
  local t = {}
  for v = lo, hi do t[#t + 1] = { value = v, label = tostring(v) } end
  return t
end
]]

describe("scales without the old limits", function()
  local m = assert(load_text(NUMERIC .. [[
methodology "wide" {}
scale "a" { tiers = numeric(0, 9), not_rated = { value = -1, label = "n/a" } }
scale "b" { tiers = { { value = 0.25, label = "quarter" }, { value = 2.5, label = "two and a half" },
                      { value = -3, label = "minus three" } } }
risk_score { factors = { "a", "b" }, combine = "sum" }
risk_level "Negative" { range = { -3, -0.000001 } }
risk_level "Zero to ten" { range = { 0, 11.5 } }
]]))

  it("rates 0-9 with numeric labels, decimals and negatives, by value, label or alias", function()
    assert.are.equal(1, m:parse_rating("a", "0"))
    assert.are.equal(10, m:parse_rating("a", 9))
    assert.are.equal(11, m:parse_rating("a", "n/a"))   -- the not rated tier comes last
    assert.are.equal(1, m:parse_rating("b", "minus three"))
    assert.are.equal(2, m:parse_rating("b", "0.25"))
    assert.are.equal(3, m:parse_rating("b", 2.5))
    local v, why = m:parse_rating("b", "1")
    assert.is_nil(v)
    assert.are.equal("'1' is not a tier of b (minus three, quarter, two and a half, or -3, 0.25, 2.5)",
                     why)
  end)

  it("scores below zero and with decimals, exactly", function()
    assert.are.same({ "-3", "Negative", 1 }, { m:score_text { a = 0, b = -3 } })
    assert.are.same({ "9.25", "Zero to ten", 2 }, { m:score_text { a = 9, b = 0.25 } })
    assert.are.same({ "-1", "Negative", 1 }, { m:score_text { a = "2", b = "minus three" } })
  end)

  it("a not rated tier gives a not rated result, never a silent 0", function()
    local s, why, code = m:score { a = "n/a", b = 2.5 }
    assert.is_nil(s)
    assert.are.equal("not rated: a is 'n/a'", why)
    assert.are.equal("UNRATED", code)
  end)

  it("tabulates a score over few factors of few tiers (the fast path)", function()
    assert.is_true(m.spec.risk.tabulated)
    assert.are.equal(10 * 3 - 1, #m.spec.risk.scores)  -- cells 0..29
  end)

  it("lists a scale's tiers by position, the not rated one last", function()
    local t = m:tiers("a")
    assert.are.equal(11, #t)
    assert.are.same({ -1, "n/a", true }, { t[11].value, t[11].label, t[11].not_rated })
    assert.are.same({ 0, "0", 1 }, { t[1].value, t[1].label, t[1].position })
  end)
end)

describe("staged scores", function()
  -- DREAD as in "Improving Web Application Security" (Microsoft, 2003),
  -- chapter 3: five factors rated 1-3, summed; 5-7 Low, 8-11 Medium, 12-15 High.
  local DREAD = [[
local lmh = { { value = 1, label = "Low" }, { value = 2, label = "Medium" },
              { value = 3, label = "High" } }
methodology "dread" {}
for _, f in ipairs({ "damage", "reproducibility", "exploitability", "affected", "discoverability" }) do
  scale(f) { tiers = lmh }
end
risk_score { factors = { "damage", "reproducibility", "exploitability", "affected", "discoverability" },
             combine = "sum" }
risk_level "Low" { range = { 5, 7 } }
risk_level "Medium" { range = { 8, 11 } }
risk_level "High" { range = { 12, 15 } }
]]

  it("takes more than four factors (here five, summed) and runs them as a kernel", function()
    local m = assert(load_text(DREAD))
    assert.is_false(m.spec.risk.tabulated)
    local n = 0
    for d = 1, 3 do for r = 1, 3 do for e = 1, 3 do for a = 1, 3 do for c = 1, 3 do
      local sum = d + r + e + a + c
      local want = sum <= 7 and "Low" or sum <= 11 and "Medium" or "High"
      local s, level = m:score { damage = d, reproducibility = r, exploitability = e, affected = a,
                                 discoverability = c }
      assert.are.equal(sum, s)
      assert.are.equal(want, level)
      n = n + 1
    end end end end end
    assert.are.equal(243, n)
  end)

  it("finds the gap a decimal mean leaves between integer bands", function()
    local _, err = load_text([[
local lmh = { { value = 1, label = "Low" }, { value = 2, label = "Medium" }, { value = 3, label = "High" } }
methodology "gappy" {}
scale "p" { tiers = lmh }
scale "q" { tiers = lmh }
scale "r" { tiers = lmh }
scale "s" { tiers = lmh }
scale "t" { tiers = lmh }
risk_stage "avg" { combine = "mean", inputs = { "p", "q", "r", "s", "t" } }
risk_score { factors = { "p", "q", "r", "s", "t" }, combine = "avg" }
risk_level "Low" { range = { 1, 2 } }
risk_level "High" { range = { 3, 3 } }
]])
    assert.are.equal("staged.lua:11: risk_level 'High': range: a score of 2.2 falls in no risk_level: " ..
      "the levels leave a gap between level 'Low' and this one; make them meet, or band with from = x",
      err)
  end)

  it("bands a mean exactly with from = x (2.999999... is not 3)", function()
    local m = assert(load_text(NUMERIC .. [[
methodology "exact" {}
scale "x" { tiers = numeric(0, 9) }
scale "y" { tiers = numeric(0, 9) }
scale "z" { tiers = numeric(0, 9) }
risk_stage "avg" { combine = "mean", inputs = { "x", "y", "z" } }
risk_score { factors = { "x", "y", "z" }, combine = "avg" }
risk_level "Low" {}
risk_level "High" { from = 3 }
]]))
    -- 2 + 3 + 3 = 8: 8/3 = 2.666667 rounded; 3 + 3 + 2.999 cannot occur,
    -- but 9/3 = 3 exactly is High and 8/3 is Low
    assert.are.same({ "2.666667", "Low", 1 }, { m:score_text { x = 2, y = 3, z = 3 } })
    assert.are.same({ "3", "High", 2 }, { m:score_text { x = 3, y = 3, z = 3 } })
    assert.is_true(m.spec.risk.tabulated)
  end)
end)

describe("scores that read the asset and the threat", function()
  -- Per property: the asset's rating on C, I or A x threat x vulnerability,
  -- over the properties the threat affects, the largest kept.
  local m = assert(load_text([[
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
  properties = { "C", "I", "A" }, affected = "threat.affects", reduce = "max",
}
risk_score { factors = { "threat", "vulnerability" }, combine = "risk" }
risk_level "Low" { range = { 1, 9 } }
risk_level "High" { range = { 10, 36 } }
]], "perprop.lua"))

  it("keeps the largest property the threat affects", function()
    local asset = { C = 4, I = 1, A = 2 }
    assert.are.same({ 12, "High", 2 }, { m:score({ threat = 3, vulnerability = 1 },
      { asset = asset, threat = { affects = { "C" } } }) })
    assert.are.same({ 6, "Low", 1 }, { m:score({ threat = 3, vulnerability = 1 },
      { asset = asset, threat = { affects = "I,A" } }) })
    -- a threat of unknown reach affects all three
    assert.are.same({ 36, "High", 2 }, { m:score({ threat = 3, vulnerability = 3 }, { asset = asset }) })
  end)

  it("needs reduce to say how the properties combine", function()
    local _, err = load_text(H.read(m:file()):gsub('reduce = "max",', ""), "perprop2.lua")
    assert.are.equal("perprop2.lua:10: risk_stage 'risk': reduce: expected max, min or sum: how the " ..
                     "properties' values combine, got nil", err)
  end)

  it("is not rated without the asset's ratings", function()
    local s, why = m:score({ threat = 3, vulnerability = 3 }, {})
    assert.is_nil(s)
    assert.matches("not rated", why)
    assert.is_false(m.spec.risk.tabulated)
  end)
end)

describe("scores over related records", function()
  local m = assert(load_text([[
local function n(k) local t = {} for v = 1, k do t[v] = { value = v, label = "L" .. v } end return t end
methodology "linked" {}
scale "C" { tiers = n(3) }
scale "I" { tiers = n(3) }
scale "A" { tiers = n(3) }
asset_value { combine = "sum" }
asset_class "all" { range = { 3, 9 } }
scale "likelihood" { tiers = n(5) }
risk_stage "exposure" { combine = "sum", inputs = { "assets.value" } }
risk_stage "critical_assets" { combine = "count", inputs = { "assets.C" }, at_least = 3 }
risk_stage "score" { combine = "product", inputs = { "exposure", "likelihood" } }
risk_score { factors = { "likelihood" }, combine = "score" }
risk_level "Low" { from = 0 }
risk_level "High" { from = 50 }
]], "linked.lua"))

  it("sums the values of every asset a risk is linked to", function()
    local assets = { { value = 9, C = 3 }, { value = 4.5, C = 1 }, { value = 7, C = 3 } }
    -- (9 + 4.5 + 7) x 3, exactly
    assert.are.same({ 61.5, "High", 2 }, { m:score({ likelihood = 3 }, { assets = assets }) })
    assert.are.same({ 9, "Low", 1 }, { m:score({ likelihood = 1 }, { assets = { { value = 9 } } }) })
  end)

  it("counts the linked assets at or above a tier", function()
    local prog = m.spec.risk.program
    local row = risk_view.staged_row(m, { likelihood = 1 },
      { assets = { { value = 9, C = 3 }, { value = 4, C = 1 }, { value = 7, C = "L3" } } })
    local res = stages.run(prog, { row }, true)
    local slot = prog.by_name.critical_assets.index + 1
    assert.are.equal(2000000, res.trace[1][slot].num)
  end)
end)

describe("bad staged methodologies", function()
  local HEAD = [[
local lmh = { { value = 1, label = "Low" }, { value = 2, label = "Medium" }, { value = 3, label = "High" } }
methodology "bad" {}
scale "p" { tiers = lmh }
scale "q" { tiers = lmh }
]]
  local TAIL = [[
risk_score { factors = { "p", "q" }, combine = "s1" }
risk_level "Low" { from = 0 }
]]
  local cases = {
    { "a stage that refers to an unknown factor",
      'risk_stage "s1" { combine = "sum", inputs = { "p", "x" } }\n',
      "bad.lua:5: risk_stage 's1': inputs[2]: no factor, risk_stage or input named 'x'; expected a " ..
      "factor (p, q), a risk_stage (s1), asset.C, asset.I, asset.A, asset.value, asset.class, asset.type, " ..
      "threat.NAME, vulnerability.NAME or assets.value" },
    { "a cycle of stages",
      'risk_stage "s1" { combine = "sum", inputs = { "p", "s2" } }\n' ..
      'risk_stage "s2" { combine = "max", inputs = { "q", "s1" } }\n',
      "bad.lua:6: risk_stage 's2': inputs[2]: 's1' is computed from this stage: a cycle (s1 -> s2 -> s1)" },
    { "weights that do not match the inputs",
      'risk_stage "s1" { combine = "weighted", inputs = { "p", "q" }, weights = { p = 0.5, r = 0.5 } }\n',
      "bad.lua:5: risk_stage 's1': weights.r: not one of the inputs" },
    { "a missing weight",
      'risk_stage "s1" { combine = "weighted", inputs = { "p", "q" }, weights = { p = 0.5 } }\n',
      "bad.lua:5: risk_stage 's1': weights: no weight for input 'q'" },
    { "a reduction over an empty group",
      'risk_stage "s1" { combine = "sum", inputs = {} }\n',
      "bad.lua:5: risk_stage 's1': inputs: an empty group: a reduction needs at least one input" },
    { "an aggregate over records that do not exist",
      'risk_stage "s1" { combine = "sum", inputs = { "vendors.value" } }\n',
      "bad.lua:5: risk_stage 's1': inputs[1]: no related records of kind 'vendors'; expected assets or threats" },
    { "an attribute related records do not have",
      'risk_stage "s1" { combine = "sum", inputs = { "assets.colour" } }\n',
      "bad.lua:5: risk_stage 's1': inputs[1]: assets have no attribute 'colour'; expected value, C, I or A" },
    { "asset values in a methodology that values no assets",
      'risk_stage "s1" { combine = "max", inputs = { "assets.value" } }\n',
      "bad.lua:5: risk_stage 's1': inputs[1]: assets.value: this methodology does not value assets " ..
      "(asset_value, asset_class)" },
    { "bands that do not rise",
      'risk_stage "s1" { combine = "sum", inputs = { "p", "q" }, bands = { "lo", 3, "mid", 3, "hi" } }\n',
      "bad.lua:5: risk_stage 's1': bands[4]: edges must rise: 3 after 3" },
    { "a band edge that is not a number",
      'risk_stage "s1" { combine = "sum", inputs = { "p", "q" }, bands = { "lo", "mid" } }\n',
      "bad.lua:5: risk_stage 's1': bands: expected labels and the edges between them, e.g. " ..
      "{ \"Low\", 3, \"High\" }" },
    { "count without a threshold",
      'risk_stage "s1" { combine = "count", inputs = { "p", "q" } }\n',
      "bad.lua:5: risk_stage 's1': at_least: expected a number: count the inputs at or above it" },
    { "an unknown rule",
      'risk_stage "s1" { combine = "median", inputs = { "p", "q" } }\n',
      "bad.lua:5: risk_stage 's1': combine: unknown rule 'median'; expected sum, mean, min, max, " ..
      "product, weighted, count, first, matrix, or a function" },
    { "a per-property stage in a file without scales C, I and A",
      'risk_stage "s1" { combine = "product", inputs = { "asset.*", "p" } }\n',
      "bad.lua:5: risk_stage 's1': properties[1]: asset.* reads the asset's C tier: declare scale \"C\"" },
    { "a function over an input without tiers",
      'risk_stage "s0" { combine = "sum", inputs = { "p", "q" } }\n' ..
      'risk_stage "s1" { combine = function(t) return 1 end, inputs = { "s0" } }\n',
      "bad.lua:6: risk_stage 's1': inputs[1]: a function is tabulated over its inputs' tiers; 's0' has " ..
      "none (use a built-in reduction, or band it)" },
    { "a stage named like a scale",
      'risk_stage "p" { combine = "sum", inputs = { "q" } }\nrisk_stage "s1" { combine = "sum", inputs = { "q" } }\n',
      "bad.lua:5: risk_stage 'p': 'p' is also a scale; a stage needs a name of its own" },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      local m, err, code = load_text(HEAD .. case[2] .. TAIL, "bad.lua")
      assert.is_nil(m)
      assert.are.equal("RULE", code)
      assert.are.equal(case[3], err)
    end)
  end

  it("levels that leave scores above them", function()
    local _, err = load_text(HEAD .. 'risk_stage "s1" { combine = "sum", inputs = { "p", "q" } }\n' ..
      'risk_score { factors = { "p", "q" }, combine = "s1" }\nrisk_level "Low" { range = { 2, 5 } }\n',
      "bad.lua")
    assert.are.equal("bad.lua:6: risk_score: score 6 (p=3, q=3) falls in no risk_level", err)
  end)

  it("a tier value twice, a numeric label that is not its value", function()
    local _, err = load_text('methodology "x" {}\nscale "p" { tiers = { { value = 1, label = "2" } } }\n' ..
      'risk_score { factors = { "p" }, combine = "sum" }\nrisk_level "Low" { from = 0 }\n', "bad.lua")
    assert.are.equal("bad.lua:2: scale 'p': tiers[1]: label '2' reads as a number other than the " ..
      "tier's value 1", err)
    _, err = load_text('methodology "x" {}\nscale "p" { tiers = { { value = 0.5, label = "a" }, ' ..
      '{ value = 0.50, label = "b" } } }\nrisk_score { factors = { "p" }, combine = "sum" }\n' ..
      'risk_level "Low" { from = 0 }\n', "bad.lua")
    assert.are.equal("bad.lua:2: scale 'p': tiers[2].value: tier 0.5 is declared twice (also tiers[1])", err)
  end)
end)

describe("the staged kernel against a per-row reference", function()
  it("agrees on 20,000 random risks with unrated inputs, means, weights, products and bands", function()
    local m = assert(load_text(NUMERIC .. [[
methodology "mix" {}
scale "a" { tiers = numeric(0, 9), not_rated = { value = -1, label = "?" } }
scale "b" { tiers = numeric(0, 9) }
scale "c" { tiers = numeric(1, 5) }
scale "d" { tiers = numeric(-2, 2) }
scale "e" { tiers = numeric(0, 3) }
risk_stage "m" { combine = "mean", inputs = { "a", "b", "c" }, bands = { "lo", 3, "mid", 6, "hi" } }
risk_stage "w" { combine = "weighted", inputs = { "d", "e", "m" }, weights = { d = 0.5, e = 1.25, m = -0.1 } }
risk_stage "p" { combine = "product", inputs = { "w", "c" } }
risk_score { factors = { "a", "b", "c", "d", "e" }, combine = "p" }
risk_level "Low" {}
risk_level "Mid" { from = 0 }
risk_level "High" { from = 10 }
]], "mix.lua"))
    local prog = m.spec.risk.program
    local rows = {}
    math.randomseed(16)
    for i = 1, 20000 do
      rows[i] = { a = math.random(0, 11), b = math.random(1, 10), c = math.random(1, 5),
                  d = math.random(1, 5), e = math.random(1, 4) }
    end
    local res = stages.run(prog, rows)
    local function round(num, den)  -- half away from zero
      if num >= 0 then return math.floor((2 * num + den) / (2 * den)) end
      return -math.floor((-2 * num + den) / (2 * den))
    end
    local bad = 0
    for i, r in ipairs(rows) do
      local want_score, want_rank = 0, 0
      if r.a >= 1 and r.a <= 10 then
        local a, b, c = (r.a - 1) * 1e6, (r.b - 1) * 1e6, r.c * 1e6
        local d, e = (r.d - 3) * 1e6, (r.e - 1) * 1e6
        local mean = round(a + b + c, 3)
        local w = round(500000 * d + 1250000 * e - 100000 * mean, 1e6)
        local p = round(w * c, 1e6)
        want_score = p
        want_rank = p < 0 and 1 or p < 10e6 and 2 or 3
      end
      if res.score[i] ~= want_score or res.rank[i] ~= want_rank then bad = bad + 1 end
    end
    assert.are.equal(0, bad)
  end)
end)

describe("the asset's class and type as inputs", function()
  it("reads them as tiers: a matrix of asset class x likelihood", function()
    local m = assert(load_text([[
local lmh = { { value = 1, label = "Low" }, { value = 2, label = "Medium" }, { value = 3, label = "High" } }
methodology "by-class" {}
scale "C" { tiers = lmh }
scale "I" { tiers = lmh }
scale "A" { tiers = lmh }
asset_value { combine = "max" }
asset_class "critical" { values = { 3 } }
asset_class "ordinary" { range = { 1, 2 } }
scale "likelihood" { tiers = lmh }
risk_score { factors = { "likelihood" }, combine = "matrix", matrix = "m" }
risk_matrix "m" {
  rows = "asset.class", columns = "likelihood",
  cells = { { "Medium", "High", "High" }, { "Low", "Low", "Medium" } },
}
risk_level "Low" {}
risk_level "Medium" {}
risk_level "High" {}
]], "byclass.lua"))
    local function level(class, l) return (select(2, m:score({ likelihood = l }, { asset = { class = class } }))) end
    assert.are.same({ "Medium", "High", "Low", "Medium" },
                    { level("critical", 1), level("critical", 2), level("ordinary", 1), level("ordinary", 3) })
    assert.is_nil((m:score({ likelihood = 1 }, {})))
  end)
end)

describe("stage hints", function()
  it("warns of a stage the score does not read", function()
    local m = assert(load_text([[
local lmh = { { value = 1, label = "Low" }, { value = 2, label = "Medium" }, { value = 3, label = "High" } }
methodology "spare" {}
scale "p" { tiers = lmh }
scale "q" { tiers = lmh }
risk_stage "used" { combine = "sum", inputs = { "p", "q" } }
risk_stage "spare" { combine = "max", inputs = { "p", "q" } }
risk_score { factors = { "p", "q" }, combine = "used" }
risk_level "Low" { from = 0 }
]], "spare.lua"))
    local w = m:warnings()
    assert.are.equal(1, #w)
    assert.are.equal("spare.lua:6: risk_stage 'spare': the score does not read it", (w[1]:gsub("^.*/%d+%-", "")))
  end)

  it("says when an input is a scale left out of the factors", function()
    local _, err = load_text([[
local lmh = { { value = 1, label = "Low" }, { value = 2, label = "Medium" }, { value = 3, label = "High" } }
methodology "left-out" {}
scale "p" { tiers = lmh }
scale "q" { tiers = lmh }
risk_stage "s" { combine = "sum", inputs = { "p", "q" } }
risk_score { factors = { "p" }, combine = "s" }
risk_level "Low" { from = 0 }
]], "left.lua")
    assert.are.equal("left.lua:5: risk_stage 's': inputs[2]: 'q' is a scale but not one of risk_score's " ..
                     "factors; add it to factors", err)
  end)
end)
