-- The shipped methodologies, checked cell by cell against the sources they
-- cite. Every expected table below is written out here from the source,
-- independently of the rule files, so a slip in either shows up.
--
-- Two layers: "declares" tests read the rule file through the sandbox only
-- (isms.rules.eval); the others load it with isms.methodology.load and
-- score through the compiled tables.
local isms = require "isms"

local DIR = "rules/methodologies/"

local function decls_of(name)
  local decls, err = isms.rules.eval(DIR .. name .. ".lua")
  assert(decls, err)
  return decls
end

local function decl(decls, kind, name)
  for _, d in ipairs(decls) do
    if d.kind == kind and (name == nil or d.name == name) then return d end
  end
  error(("no %s '%s' declared"):format(kind, tostring(name)), 2)
end

local function all(decls, kind)
  local list = {}
  for _, d in ipairs(decls) do
    if d.kind == kind then list[#list + 1] = d end
  end
  return list
end

local function labels_of(d)
  local out = {}
  for k, t in ipairs(d.fields.tiers) do
    assert.are.equal(k, t.value, d.name .. " tiers must be listed in order")
    out[k] = t.label
  end
  return out
end

local function load(name)
  local m, err = isms.methodology.load(name)
  assert(m, err)
  return m
end

local function level_names(m)
  local out = {}
  for k, lv in ipairs(m:levels()) do
    assert.are.equal(k, lv.rank)
    out[k] = lv.name
  end
  return out
end

-- Score and level of a risk, as a pair (m:score may return more).
local function scored(m, ratings)
  local score, level = m:score(ratings)
  return { score, level }
end

-- The band a score falls in: bands = { { name, lo, hi }, ... }.
local function band(bands, score)
  local found
  for _, b in ipairs(bands) do
    if score >= b[2] and score <= b[3] then
      assert(found == nil, "bands overlap at " .. score)
      found = b[1]
    end
  end
  return found
end

describe("shipped methodologies", function()
  local SHIPPED = { "qism-fmea", "guideline-3tier", "iso27005-5x5",
                    "nist-800-30-qualitative", "nist-800-30-semiquant" }

  for _, name in ipairs(SHIPPED) do
    it(name .. " evaluates in the sandbox and declares one methodology of its own name", function()
      local decls = decls_of(name)
      assert.are.equal(1, #all(decls, "methodology"))
      assert.are.equal(name, decl(decls, "methodology").name)
      for _, d in ipairs(decls) do
        assert.is_string(d.kind)
        assert.is_number(d.line)
        assert.is_table(d.fields)
      end
      assert.are.equal(1, #all(decls, "risk_score"))
      assert.truthy(#all(decls, "risk_level") >= 3)
      assert.truthy(#all(decls, "acceptance") >= 1)
      assert.truthy(#all(decls, "residual_acceptance") >= 1)
    end)

    it(name .. " loads without warnings", function()
      local m = load(name)
      assert.are.equal(name, m:name())
      assert.are.same({}, m:warnings())
    end)
  end

  it("are all listed on the rules path", function()
    local listed = {}
    for _, n in ipairs(isms.methodology.list()) do listed[n] = true end
    for _, name in ipairs(SHIPPED) do assert.is_true(listed[name], name) end
  end)
end)

-- ---------------------------------------------------------------- QISM FMEA

describe("qism-fmea risk scoring", function()
  -- RPN tiers as the product fixes them (a benchmark depends on these).
  local RPN_BANDS = { { "Low", 1, 99 }, { "Medium", 100, 199 }, { "High", 200, 1000 } }

  it("declares S, O and D as 1..10 rankings, 10 the bad end (IEC 60812 convention)", function()
    local decls = decls_of("qism-fmea")
    for _, f in ipairs({ "S", "O", "D" }) do
      local labels = labels_of(decl(decls, "scale", f))
      assert.are.equal(10, #labels, f)
    end
    assert.are.equal("None", labels_of(decl(decls, "scale", "S"))[1])
    assert.are.equal("Hazardous", labels_of(decl(decls, "scale", "S"))[10])
    assert.are.equal("Remote", labels_of(decl(decls, "scale", "O"))[1])
    assert.are.equal("Almost certain", labels_of(decl(decls, "scale", "O"))[10])
    assert.are.equal("Almost certain", labels_of(decl(decls, "scale", "D"))[1])
    assert.are.equal("Absolutely uncertain", labels_of(decl(decls, "scale", "D"))[10])
    local score = decl(decls, "risk_score").fields
    assert.are.same({ "S", "O", "D" }, score.factors)
    assert.are.equal("product", score.combine)
    local bands = {}
    for k, lv in ipairs(all(decls, "risk_level")) do
      bands[k] = { lv.name, lv.fields.range[1], lv.fields.range[2] }
    end
    assert.are.same(RPN_BANDS, bands)
  end)

  it("keeps the case study's asset valuation", function()
    local m = load("qism-fmea")
    assert.are.same({ 36, "A" }, { m:value(4, 3, 3) })
    assert.are.same({ 16, "B" }, { m:value(4, 2, 2) })
    assert.are.same({ 6, "C" }, { m:value(1, 2, 3) })
  end)

  it("has factors S, O, D and levels Low, Medium, High", function()
    local m = load("qism-fmea")
    assert.are.same({ "S", "O", "D" }, m:factors())
    assert.are.same({ "Low", "Medium", "High" }, level_names(m))
    for _, lv in ipairs(m:levels()) do assert.truthy(lv.color:match("^#%x%x%x%x%x%x$")) end
    assert.is_nil(m:matrix())
  end)

  it("scores all 1000 S x O x D combinations as RPN = S x O x D, banded 1-99, 100-199, 200-1000", function()
    local m = load("qism-fmea")
    local count = { Low = 0, Medium = 0, High = 0 }
    for s = 1, 10 do
      for o = 1, 10 do
        for d = 1, 10 do
          local score, level = m:score({ S = s, O = o, D = d })
          local rpn = s * o * d
          local at = ("S=%d O=%d D=%d"):format(s, o, d)
          assert.are.equal(rpn, score, at)
          assert.are.equal(band(RPN_BANDS, rpn), level, at)
          count[level] = count[level] + 1
        end
      end
    end
    assert.are.same({ Low = 487, Medium = 211, High = 302 }, count)
  end)

  it("reads ratings by label in any case", function()
    local m = load("qism-fmea")
    assert.are.same({ 1000, "High" },
      scored(m, { S = "Hazardous", O = "almost certain", D = "ABSOLUTELY UNCERTAIN" }))
    assert.are.same({ 1, "Low" }, scored(m, { S = "None", O = "Remote", D = "Almost certain" }))
    -- "High" is a label on all three scales, with different ranks.
    assert.are.same({ 7 * 7 * 3, "Medium" }, scored(m, { S = "High", O = "High", D = "High" }))
  end)

  it("puts the band edges where they belong", function()
    local m = load("qism-fmea")
    assert.are.same({ 98, "Low" }, scored(m, { S = 7, O = 7, D = 2 }))      -- largest Low RPN
    assert.are.same({ 100, "Medium" }, scored(m, { S = 4, O = 5, D = 5 }))
    assert.are.same({ 196, "Medium" }, scored(m, { S = 7, O = 7, D = 4 }))  -- largest Medium RPN
    assert.are.same({ 200, "High" }, scored(m, { S = 5, O = 5, D = 8 }))
  end)

  describe("acceptance", function()
    local m
    setup(function() m = load("qism-fmea") end)

    local function accept(risk, residual)
      local ok, why = m:acceptable(risk, residual)
      return ok, why
    end

    it("retains Medium risks in general", function()
      assert.is_true(accept({ ratings = { S = 5, O = 5, D = 6 }, asset = { class = "B", type = "information" } }))
      assert.is_true(accept({ ratings = { S = 4, O = 7, D = 7 }, asset = { class = "C", type = "physical" } }))
    end)

    it("treats High risks", function()
      local ok, why = accept({ ratings = { S = 5, O = 5, D = 8 }, asset = { class = "C", type = "service" } })
      assert.is_false(ok)
      assert.truthy(why:find("general", 1, true), why)
    end)

    it("retains only Low risks to class A assets", function()
      local ok, why = accept({ ratings = { S = 5, O = 5, D = 6 }, asset = { class = "A", type = "information" } })
      assert.is_false(ok)
      assert.truthy(why:find("class A assets", 1, true), why)
      assert.is_true(accept({ ratings = { S = 7, O = 7, D = 2 }, asset = { class = "A", type = "information" } }))
    end)

    it("retains only Low risks that carry a legal, regulatory or contractual obligation", function()
      for _, ob in ipairs({ "legal", "regulatory", "contractual" }) do
        local ok, why = accept({ ratings = { S = 4, O = 5, D = 5 }, asset = { class = "C" },
                                 obligations = { [ob] = true } })
        assert.is_false(ok, ob)
        assert.truthy(why:find("obligations", 1, true), why)
        assert.is_true(accept({ ratings = { S = 3, O = 3, D = 3 }, asset = { class = "C" },
                                obligations = { [ob] = true } }))
      end
    end)

    it("takes a risk given by level and score", function()
      assert.is_true(accept({ level = "Medium", score = 150, asset = { class = "B" } }))
      assert.is_false(accept({ level = "Medium", score = 150, asset = { class = "A" } }))
    end)

    it("accepts residual risk only when Low", function()
      assert.is_true(accept({ ratings = { S = 7, O = 7, D = 2 }, asset = { class = "C" } }, true))
      local ok, why = accept({ ratings = { S = 4, O = 5, D = 5 }, asset = { class = "C" } }, true)
      assert.is_false(ok)
      assert.truthy(why:find("residual", 1, true), why)
    end)
  end)
end)

-- ---------------------------------------------------- guideline 3-tier (6.1)

describe("guideline-3tier", function()
  -- Guideline 6.1 b-e: tier names, lowest first.
  local CIA = { "Low", "Medium", "High" }
  local LIKELIHOOD = { "Rare", "Possible", "High possibility" }
  local IMPACT = { "Low", "Medium", "High" }
  local LEVELS = { "Low", "Medium", "High" }
  -- Our documented choice for the cells (rows likelihood, columns impact).
  local GRID = {
    Rare = { Low = "Low", Medium = "Low", High = "Medium" },
    Possible = { Low = "Low", Medium = "Medium", High = "High" },
    ["High possibility"] = { Low = "Medium", Medium = "High", High = "High" },
  }

  it("declares the guideline's tiers", function()
    local decls = decls_of("guideline-3tier")
    for _, d in ipairs({ "C", "I", "A" }) do
      assert.are.same(CIA, labels_of(decl(decls, "scale", d)))
    end
    assert.are.same(LIKELIHOOD, labels_of(decl(decls, "scale", "likelihood")))
    assert.are.same(IMPACT, labels_of(decl(decls, "scale", "impact")))
    local names = {}
    for k, lv in ipairs(all(decls, "risk_level")) do names[k] = lv.name end
    assert.are.same(LEVELS, names)
    local cells = decl(decls, "risk_matrix", "guideline").fields.cells
    for i, l in ipairs(LIKELIHOOD) do
      for j, imp in ipairs(IMPACT) do
        assert.are.equal(GRID[l][imp], cells[i][j], l .. " x " .. imp)
      end
    end
  end)

  it("values an asset as the highest of C, I and A, in classes Low, Medium, High", function()
    local m = load("guideline-3tier")
    for c = 1, 3 do
      for i = 1, 3 do
        for a = 1, 3 do
          local top = math.max(c, i, a)
          assert.are.same({ top, CIA[top] }, { m:value(c, i, a) }, ("C=%d I=%d A=%d"):format(c, i, a))
        end
      end
    end
  end)

  it("looks every cell up in the 3 x 3 matrix", function()
    local m = load("guideline-3tier")
    assert.are.same({ "likelihood", "impact" }, m:factors())
    assert.are.same(LEVELS, level_names(m))
    local grid = m:matrix()
    assert.are.equal("likelihood", grid.rows)
    assert.are.equal("impact", grid.columns)
    for i, l in ipairs(LIKELIHOOD) do
      for j, imp in ipairs(IMPACT) do
        local expected = GRID[l][imp]
        local rank = ({ Low = 1, Medium = 2, High = 3 })[expected]
        assert.are.equal(expected, grid.cells[i][j], l .. " x " .. imp)
        assert.are.same({ rank, expected }, scored(m, { likelihood = l, impact = imp }))
        assert.are.same({ rank, expected }, scored(m, { likelihood = i, impact = j }))
      end
    end
    assert.are.same({ 3, "High" }, scored(m, { likelihood = "likely", impact = "moderate" }))
  end)

  it("applies its acceptance criteria", function()
    local m = load("guideline-3tier")
    local medium = { likelihood = "Possible", impact = "Medium" }
    local high = { likelihood = "Possible", impact = "High" }
    local low = { likelihood = "Rare", impact = "Medium" }
    assert.is_true(m:acceptable({ ratings = medium, asset = { class = "Medium" } }))
    assert.is_false(m:acceptable({ ratings = high, asset = { class = "Low" } }))
    assert.is_false(m:acceptable({ ratings = medium, asset = { class = "High" } }))
    assert.is_true(m:acceptable({ ratings = low, asset = { class = "High" } }))
    assert.is_false(m:acceptable({ ratings = medium, asset = { class = "Low" },
                                   obligations = { contractual = true } }))
    -- residual: up to Medium, but Low where an obligation is at stake
    assert.is_true(m:acceptable({ ratings = medium, asset = { class = "High" } }, true))
    assert.is_false(m:acceptable({ ratings = medium, asset = { class = "Low" },
                                   obligations = { legal = true } }, true))
    assert.is_false(m:acceptable({ ratings = high, asset = { class = "Low" } }, true))
  end)
end)

-- ------------------------------------------------------ ISO/IEC 27005 5x5

describe("iso27005-5x5", function()
  local LIKELIHOOD = { "Rare", "Unlikely", "Possible", "Likely", "Almost certain" }
  local IMPACT = { "Negligible", "Minor", "Moderate", "Major", "Severe" }
  -- Our documented choice: score = likelihood x impact, written out.
  local SCORES = {
    { 1,  2,  3,  4,  5 },
    { 2,  4,  6,  8, 10 },
    { 3,  6,  9, 12, 15 },
    { 4,  8, 12, 16, 20 },
    { 5, 10, 15, 20, 25 },
  }
  local BANDS = { { "Low", 1, 4 }, { "Medium", 5, 9 }, { "High", 10, 16 }, { "Very high", 17, 25 } }

  it("declares a numeric 5 x 5 matrix of likelihood x impact", function()
    local decls = decls_of("iso27005-5x5")
    assert.are.same(LIKELIHOOD, labels_of(decl(decls, "scale", "likelihood")))
    assert.are.same(IMPACT, labels_of(decl(decls, "scale", "impact")))
    local score = decl(decls, "risk_score").fields
    assert.are.equal("matrix", score.combine)
    local mx = decl(decls, "risk_matrix", score.matrix).fields
    assert.are.equal("likelihood", mx.rows)
    assert.are.equal("impact", mx.columns)
    assert.are.same(SCORES, mx.cells)
    for i = 1, 5 do
      for j = 1, 5 do assert.are.equal(i * j, SCORES[i][j]) end
    end
  end)

  it("scores and bands every cell", function()
    local m = load("iso27005-5x5")
    assert.are.same({ "Low", "Medium", "High", "Very high" }, level_names(m))
    local grid = m:matrix()
    assert.are.equal("likelihood", grid.rows)
    local count = { Low = 0, Medium = 0, High = 0, ["Very high"] = 0 }
    for i, l in ipairs(LIKELIHOOD) do
      for j, imp in ipairs(IMPACT) do
        local expected = band(BANDS, SCORES[i][j])
        assert.are.same({ SCORES[i][j], expected }, scored(m, { likelihood = l, impact = imp }))
        assert.are.equal(expected, grid.cells[i][j])
        count[expected] = count[expected] + 1
      end
    end
    assert.are.same({ Low = 8, Medium = 7, High = 7, ["Very high"] = 3 }, count)
  end)

  it("applies its acceptance criteria", function()
    local m = load("iso27005-5x5")
    assert.is_true(m:acceptable({ ratings = { likelihood = 3, impact = 3 } }))          -- 9 Medium
    assert.is_false(m:acceptable({ ratings = { likelihood = 2, impact = 5 } }))         -- 10 High
    assert.is_false(m:acceptable({ ratings = { likelihood = 1, impact = 5 },
                                   obligations = { regulatory = true } }))              -- 5 Medium
    assert.is_true(m:acceptable({ ratings = { likelihood = 2, impact = 2 },
                                  obligations = { regulatory = true } }))               -- 4 Low
    assert.is_true(m:acceptable({ ratings = { likelihood = 3, impact = 3 } }, true))
    assert.is_false(m:acceptable({ ratings = { likelihood = 4, impact = 4 } }, true))
  end)
end)

-- ------------------------------------------------------------ NIST 800-30

-- SP 800-30 Rev. 1, the five values of every assessment scale.
local NIST = { "Very Low", "Low", "Moderate", "High", "Very High" }

-- Table I-2 as printed: likelihood rows from Very High down to Very Low,
-- impact columns Very Low .. Very High.
local I2_PRINTED = {
  { "Very High", { "Very Low", "Low",      "Moderate", "High",     "Very High" } },
  { "High",      { "Very Low", "Low",      "Moderate", "High",     "Very High" } },
  { "Moderate",  { "Very Low", "Low",      "Moderate", "Moderate", "High" } },
  { "Low",       { "Very Low", "Low",      "Low",      "Low",      "Moderate" } },
  { "Very Low",  { "Very Low", "Very Low", "Very Low", "Low",      "Low" } },
}

-- Tables G-2, G-3, G-4, H-3 and I-3: value, 0-100 band, representative value (0-10).
local SEMIQUANT = {
  { "Very Low",  0,  4,  0 },
  { "Low",       5,  20, 2 },
  { "Moderate",  21, 79, 5 },
  { "High",      80, 95, 8 },
  { "Very High", 96, 100, 10 },
}

local function tier_of(label)
  for k, v in ipairs(NIST) do if v == label then return k end end
  error("not a NIST value: " .. label)
end

-- Calls f(likelihood label, likelihood tier, impact label, impact tier, I-2 level) for all 25 cells.
local function each_i2_cell(f)
  local seen = 0
  for _, row in ipairs(I2_PRINTED) do
    for j, level in ipairs(row[2]) do
      f(row[1], tier_of(row[1]), NIST[j], j, level)
      seen = seen + 1
    end
  end
  assert.are.equal(25, seen)
end

describe("nist-800-30-qualitative", function()
  it("declares Table I-2 cell by cell (rows from Very Low)", function()
    local decls = decls_of("nist-800-30-qualitative")
    assert.are.same(NIST, labels_of(decl(decls, "scale", "likelihood")))
    assert.are.same(NIST, labels_of(decl(decls, "scale", "impact")))
    local names = {}
    for k, lv in ipairs(all(decls, "risk_level")) do
      names[k] = lv.name
      assert.is_nil(lv.fields.range)
      assert.is_nil(lv.fields.values)
    end
    assert.are.same(NIST, names)
    local score = decl(decls, "risk_score").fields
    assert.are.equal("matrix", score.combine)
    local mx = decl(decls, "risk_matrix", score.matrix).fields
    assert.are.equal("likelihood", mx.rows)
    assert.are.equal("impact", mx.columns)
    each_i2_cell(function(l, li, imp, ii, level)
      assert.are.equal(level, mx.cells[li][ii], l .. " x " .. imp)
    end)
  end)

  it("scores every cell as Table I-2 does; the score is the level's rank", function()
    local m = load("nist-800-30-qualitative")
    assert.are.same({ "likelihood", "impact" }, m:factors())
    assert.are.same(NIST, level_names(m))
    local grid = m:matrix()
    assert.are.equal("likelihood", grid.rows)
    assert.are.equal("impact", grid.columns)
    each_i2_cell(function(l, li, imp, ii, level)
      local at = l .. " x " .. imp
      assert.are.equal(level, grid.cells[li][ii], at)
      assert.are.same({ tier_of(level), level }, scored(m, { likelihood = l, impact = imp }), at)
      assert.are.same({ tier_of(level), level }, scored(m, { likelihood = li, impact = ii }), at)
    end)
  end)

  it("reads the short aliases", function()
    local m = load("nist-800-30-qualitative")
    assert.are.same({ 5, "Very High" }, scored(m, { likelihood = "VH", impact = "vh" }))
    assert.are.same({ 3, "Moderate" }, scored(m, { likelihood = "M", impact = "medium" }))
  end)

  it("applies its acceptance criteria", function()
    local m = load("nist-800-30-qualitative")
    assert.is_true(m:acceptable({ ratings = { likelihood = "Low", impact = "High" } }))       -- Low
    assert.is_false(m:acceptable({ ratings = { likelihood = "Moderate", impact = "Moderate" } }))
    assert.is_false(m:acceptable({ ratings = { likelihood = "Low", impact = "High" },
                                   obligations = { legal = true } }))
    assert.is_true(m:acceptable({ ratings = { likelihood = "Very High", impact = "Very Low" },
                                  obligations = { legal = true } }))                       -- Very Low
    assert.is_true(m:acceptable({ ratings = { likelihood = "Low", impact = "High" } }, true))
    assert.is_false(m:acceptable({ ratings = { likelihood = "High", impact = "High" } }, true))
  end)
end)

describe("nist-800-30-semiquant", function()
  local function rep(level)
    for _, s in ipairs(SEMIQUANT) do if s[1] == level then return s[4] end end
  end
  local BANDS = {}
  for k, s in ipairs(SEMIQUANT) do BANDS[k] = { s[1], s[2], s[3] } end

  it("declares the Table I-3 bands and Table I-2 scored as 10 x the representative value", function()
    local decls = decls_of("nist-800-30-semiquant")
    assert.are.same(NIST, labels_of(decl(decls, "scale", "likelihood")))
    assert.are.same(NIST, labels_of(decl(decls, "scale", "impact")))
    for _, f in ipairs({ "likelihood", "impact" }) do
      for k, t in ipairs(decl(decls, "scale", f).fields.tiers) do
        local s = SEMIQUANT[k]
        local prefix = ("%d-%d, representative value %d"):format(s[2], s[3], s[4])
        assert.are.equal(prefix, t.description:sub(1, #prefix), f .. " " .. t.label)
      end
    end
    local bands = {}
    for k, lv in ipairs(all(decls, "risk_level")) do
      bands[k] = { lv.name, lv.fields.range[1], lv.fields.range[2] }
    end
    assert.are.same(BANDS, bands)
    local score = decl(decls, "risk_score").fields
    assert.are.equal("matrix", score.combine)
    local mx = decl(decls, "risk_matrix", score.matrix).fields
    each_i2_cell(function(l, li, imp, ii, level)
      assert.are.equal(10 * rep(level), mx.cells[li][ii], l .. " x " .. imp)
    end)
  end)

  it("scores every cell inside its Table I-3 band and at its Table I-2 level", function()
    local m = load("nist-800-30-semiquant")
    assert.are.same(NIST, level_names(m))
    for k, lv in ipairs(m:levels()) do
      assert.are.same({ SEMIQUANT[k][2], SEMIQUANT[k][3] }, lv.range)
    end
    local grid = m:matrix()
    each_i2_cell(function(l, li, imp, ii, level)
      local at = l .. " x " .. imp
      local score, got = m:score({ likelihood = l, impact = imp })
      assert.are.equal(10 * rep(level), score, at)
      assert.are.equal(level, got, at)
      assert.are.equal(level, band(BANDS, score), at)
      assert.are.equal(level, grid.cells[li][ii], at)
    end)
  end)

  it("ranks every cell as the qualitative method does", function()
    local q, s = load("nist-800-30-qualitative"), load("nist-800-30-semiquant")
    for li = 1, 5 do
      for ii = 1, 5 do
        local _, ql = q:score({ likelihood = li, impact = ii })
        local _, sl = s:score({ likelihood = li, impact = ii })
        assert.are.equal(ql, sl)
      end
    end
  end)

  it("documents truly that a product of representative values disagrees with Table I-2 in 7 cells", function()
    local differ = 0
    each_i2_cell(function(l, _, imp, _, level)
      local product = rep(l) * rep(imp)   -- on the 0-100 scale
      if band(BANDS, product) ~= level then differ = differ + 1 end
    end)
    assert.are.equal(7, differ)
  end)

  it("applies its acceptance criteria by score", function()
    local m = load("nist-800-30-semiquant")
    assert.is_true(m:acceptable({ ratings = { likelihood = "Low", impact = "High" } }))       -- 20
    assert.is_false(m:acceptable({ ratings = { likelihood = "Moderate", impact = "Moderate" } }))
    assert.is_false(m:acceptable({ ratings = { likelihood = "Low", impact = "High" },
                                   obligations = { contractual = true } }))
    assert.is_true(m:acceptable({ ratings = { likelihood = "High", impact = "Very Low" },
                                  obligations = { contractual = true } }))                 -- 0
    assert.is_true(m:acceptable({ level = "Low", score = 20 }, true))
    assert.is_false(m:acceptable({ level = "Moderate", score = 50 }, true))
  end)
end)
