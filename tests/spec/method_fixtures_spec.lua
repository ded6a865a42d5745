-- Issue #16's "done when": each method refused before is a working rule
-- file in tests/fixtures/methods, written from the docs as a new user
-- would, and reproduces its source's table or examples cell by cell.
local isms = require "isms"

local DIR = "tests/fixtures/methods/"
local function load(name) return assert(isms.methodology.load(DIR .. name .. ".lua")) end
local function two(a, b) return { a, b } end  -- score and level, not the rank

describe("more than four factors: DREAD", function()
  local m = load("dread")
  it("sums five factors and bands 5-7, 8-11, 12-15 for all 243 ratings", function()
    local names = { "damage", "reproducibility", "exploitability", "affected_users", "discoverability" }
    local count = { Low = 0, Medium = 0, High = 0 }
    for cell = 0, 242 do
      local r, sum, c = {}, 0, cell
      for _, f in ipairs(names) do
        r[f] = c % 3 + 1
        sum = sum + r[f]
        c = math.floor(c / 3)
      end
      local s, level = m:score(r)
      assert.are.equal(sum, s)
      assert.are.equal(sum >= 12 and "High" or sum >= 8 and "Medium" or "Low", level)
      count[level] = count[level] + 1
    end
    -- sums of five 1-3 dice: 5..7 in 1 + 5 + 15 = 21 ways, 12..15 in 30 + 15 + 5 + 1 = 51
    assert.are.same({ Low = 21, Medium = 171, High = 51 }, count)
  end)
end)

describe("tiers 0-100, numeric labels, not rated: NIST SP 800-30 semi-quantitative", function()
  local m = load("nist-800-30-0-100")
  local I2 = {   -- Table I-2, likelihood Very Low (first) to Very High, impact Very Low to Very High
    { "Very Low", "Very Low", "Very Low", "Low", "Low" },
    { "Very Low", "Low", "Low", "Low", "Moderate" },
    { "Very Low", "Low", "Moderate", "Moderate", "High" },
    { "Very Low", "Low", "Moderate", "High", "Very High" },
    { "Very Low", "Low", "Moderate", "High", "Very High" },
  }
  -- each bin of Tables G-2..G-5 and H-3 by its edges: 0-4, 5-20, 21-79, 80-95, 96-100
  local BINS = { { 0, 4 }, { 5, 20 }, { 21, 79 }, { 80, 95 }, { 96, 100 } }

  it("reproduces Table I-2 at both edges of every bin", function()
    local checked = 0
    for l, lb in ipairs(BINS) do
      for i, ib in ipairs(BINS) do
        for _, lv in ipairs(lb) do
          for _, iv in ipairs(ib) do
            local _, level = m:score { likelihood = lv, impact = iv }
            assert.are.equal(I2[l][i], level, ("likelihood %d, impact %d"):format(lv, iv))
            checked = checked + 1
          end
        end
      end
    end
    assert.are.equal(100, checked)
  end)

  it("labels tiers 0..100 by their numbers and keeps a not rated value apart", function()
    assert.are.same({ 0, "0" }, { m:tiers("impact")[1].value, m:tiers("impact")[1].label })
    assert.are.equal(101, m:parse_rating("impact", "100"))
    local s, why, code = m:score { likelihood = "not assessed", impact = 50 }
    assert.is_nil(s)
    assert.are.same({ "not rated: likelihood is 'not assessed'", "UNRATED" }, { why, code })
    assert.are.same({ "Very Low", "Low" }, { m:tiers("likelihood_level")[1].label,
                                            m:tiers("likelihood_level")[2].label })
  end)
end)

describe("negative scores: threats and opportunities (PMBOK)", function()
  local m = load("pmbok-threats-opportunities")
  local P = { 0.1, 0.3, 0.5, 0.7, 0.9 }
  local I = { 0.05, 0.1, 0.2, 0.4, 0.8 }
  it("scores probability x impact exactly, negative for threats, and bands by size", function()
    for _, p in ipairs(P) do
      for _, i in ipairs(I) do
        for _, sign in ipairs({ -1, 1 }) do
          -- exact in integers: hundredths x hundredths = ten-thousandths
          local tt = math.floor(p * 100 + 0.5) * math.floor(i * 100 + 0.5)
          local want = sign * tt / 10000
          local size = tt >= 1800 and "High" or tt >= 500 and "Moderate" or "Low"
          local kind = sign < 0 and "threat" or "opportunity"
          local s, level = m:score { probability = p, impact = sign * i }
          assert.are.equal(("%.4f"):format(want), ("%.4f"):format(s))
          assert.are.equal(size .. " " .. kind, level, ("p %s, impact %s"):format(p, sign * i))
        end
      end
    end
  end)
  it("keeps 0.9 x 0.05 = 0.045, not the figure's rounded 0.05", function()
    assert.are.same({ "-0.045", "Low threat" }, two(m:score_text { probability = 0.9, impact = -0.05 }))
  end)
end)

describe("a weighted asset value with decimal weights", function()
  local m = load("weighted-asset-value")
  it("values all 27 assets exactly as 0.5 C + 0.3 I + 0.2 A and classes them", function()
    for c = 1, 3 do
      for i = 1, 3 do
        for a = 1, 3 do
          local tenths = 5 * c + 3 * i + 2 * a
          local value, class = m:value(c, i, a)
          assert.are.equal(tenths / 10, value)
          assert.are.equal(tenths >= 25 and "High" or tenths >= 17 and "Medium" or "Low", class)
        end
      end
    end
    assert.are.equal("asset value = 0.5 x C 3 + 0.3 x I 2 + 0.2 x A 1 = 2.3",
      m:explain_value({ C = 3, I = 2, A = 1 }).formula and
      "asset value = " .. m:explain_value({ C = 3, I = 2, A = 1 }).formula)
  end)
end)

describe("a score that reads the asset and the threat: ISO/IEC 27005 Annex E.2.1", function()
  local m = load("iso27005-annex-e")
  -- Table E.1: rows asset value 0-4; columns threat L, M, H each with ease L, M, H
  local E1 = {
    { 0, 1, 2, 1, 2, 3, 2, 3, 4 },
    { 1, 2, 3, 2, 3, 4, 3, 4, 5 },
    { 2, 3, 4, 3, 4, 5, 4, 5, 6 },
    { 3, 4, 5, 4, 5, 6, 5, 6, 7 },
    { 4, 5, 6, 5, 6, 7, 6, 7, 8 },
  }
  local LMH = { "Low", "Medium", "High" }
  it("reproduces Table E.1 on the one property a threat affects", function()
    for value = 0, 4 do
      for t = 1, 3 do
        for e = 1, 3 do
          local want = E1[value + 1][(t - 1) * 3 + e]
          local s = m:score({ threat = LMH[t], ease = LMH[e] },
                            { asset = { C = value + 1, I = 1, A = 1 }, threat = { affects = { "C" } } })
          assert.are.equal(want, s, ("value %d, threat %s, ease %s"):format(value, LMH[t], LMH[e]))
        end
      end
    end
  end)
  it("keeps the largest measure over the properties the threat affects", function()
    local asset = { C = 5, I = 2, A = 3 }   -- table values 4, 1, 2
    -- threat Medium (1) and ease Medium (1): I 1 + 2 = 3, A 2 + 2 = 4, C 4 + 2 = 6
    assert.are.same({ 4, "Medium" }, two(m:score({ threat = "Medium", ease = "Medium" },
      { asset = asset, threat = { affects = { "I", "A" } } })))
    assert.are.same({ 6, "High" }, two(m:score({ threat = "Medium", ease = "Medium" },
      { asset = asset, threat = { affects = { "C", "I", "A" } } })))
  end)
end)

describe("scores over related records", function()
  local m = load("linked-assets")
  it("sums the linked assets' values and counts the Secret ones", function()
    local assets = { { value = 36, C = "Secret" }, { value = 12, C = "Internal" } }
    assert.are.same({ 48, "Low" }, two(m:score({ likelihood = "Rare" }, { assets = assets })))
    assert.are.same({ 144, "Medium" }, two(m:score({ likelihood = "Likely" }, { assets = assets })))
    assets[2].C = 4
    assert.are.same({ 200, "High" }, two(m:score({ likelihood = "Rare" }, { assets = assets })))
    assert.are.same({ 192, "Medium" }, two(m:score({ likelihood = "Frequent" },
                                                   { assets = { { value = 48, C = 1 } } })))
  end)
  it("is not rated when the linked assets are not known", function()
    assert.is_nil((m:score({ likelihood = "Rare" }, {})))
  end)
end)
