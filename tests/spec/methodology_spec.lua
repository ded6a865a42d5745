-- Methodology rule files: the shipped qism-fmea tables, and every invalid
-- methodology reported with its file, line and field.
local H = require "helper"
local isms = require "isms"

local function load_text(text)
  local path = H.file("method.lua", text)
  local m, err, code = isms.methodology.load(path)
  return m, err and (err:gsub("^.*/%d+%-", "")), code
end

-- A valid methodology to mutate: line numbers below refer to this text.
local BASE = [[
methodology "tiny" { title = "Tiny" }
scale "C" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "High" } } }
scale "I" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "High" } } }
scale "A" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "High" } } }
asset_value { combine = "product" }
asset_class "hi" { values = { 4, 8 } }
asset_class "lo" { range = { 1, 2 } }
]]

describe("qism-fmea", function()
  local m = H.qism()

  it("has the QISM scales", function()
    local function labels(d)
      local out = {}
      for _, t in ipairs(m:tiers(d)) do out[#out + 1] = t.value .. "=" .. t.label end
      return table.concat(out, " ")
    end
    assert.are.equal("1=Unclassified 2=Restricted 3=Confidential 4=Secret", labels("C"))
    assert.are.equal("1=Low 2=Moderate 3=High", labels("I"))
    assert.are.equal("1=Low 2=Moderate 3=High", labels("A"))
    assert.are.equal("product", m:combine())
  end)

  it("classes every C x I x A cell as the case study does", function()
    local A = { [18] = true, [24] = true, [27] = true, [32] = true, [36] = true }
    local B = { [8] = true, [9] = true, [12] = true, [16] = true }
    local C = { [1] = true, [2] = true, [3] = true, [4] = true, [6] = true }
    local cells = 0
    for c = 1, 4 do
      for i = 1, 3 do
        for a = 1, 3 do
          local v, cls = m:value(c, i, a)
          local expected = A[c * i * a] and "A" or B[c * i * a] and "B" or C[c * i * a] and "C"
          assert.are.equal(c * i * a, v)
          assert.are.equal(expected, cls, ("C=%d I=%d A=%d"):format(c, i, a))
          cells = cells + 1
        end
      end
    end
    assert.are.equal(36, cells)
  end)

  it("reads labels, aliases and numbers case-insensitively", function()
    assert.are.equal(4, m:parse("C", "SECRET"))
    assert.are.equal(1, m:parse("C", "public"))
    assert.are.equal(2, m:parse("I", "medium"))
    assert.are.equal(3, m:parse("A", "3"))
    assert.are.equal(0, m:parse("A", ""))
    local v, err = m:parse("I", "Extreme")
    assert.is_nil(v)
    assert.are.equal("'Extreme' is not a tier of I; expected 1-3 or Low, Moderate, High", err)
  end)

  it("leaves a missing level unvalued", function()
    assert.is_nil(m:value(0, 2, 2))
  end)
end)

describe("invalid methodologies", function()
  local cases = {
    { "no methodology", BASE:gsub('methodology "tiny" { title = "Tiny" }', "-- none"),
      "method.lua:1: no methodology declared; start with methodology \"name\" { ... }" },
    { "gap in tiers", BASE:gsub('{ value = 2, label = "High" } } }\nscale "I"',
                                '{ value = 3, label = "High" } } }\nscale "I"'),
      "method.lua:2: scale 'C': tiers: tiers must run 1..2 without gaps; tier 2 is missing" },
    { "duplicate label", BASE:gsub('label = "High" } } }\nscale "A"', 'label = "low" } } }\nscale "A"'),
      "method.lua:3: scale 'I': tiers[2]: 'low' already names tier 1; labels and aliases must be unique" },
    { "tier out of range", BASE:gsub('scale "A" { tiers = { { value = 1', 'scale "A" { tiers = { { value = 16'),
      "method.lua:4: scale 'A': tiers[1].value: expected a whole number from 1 to 15, got 16" },
    { "unknown tier field", BASE:gsub('{ value = 1, label = "Low" }, { value = 2, label = "High" } } }\nasset_value',
                                      '{ value = 1, lable = "Low" }, { value = 2, label = "High" } } }\nasset_value'),
      "method.lua:4: scale 'A': tiers[1].lable: unknown field; expected one of aliases, description, label, value" },
    { "unused scale", BASE .. 'scale "X" { tiers = { { value = 1, label = "One" } } }\n',
      "method.lua:8: scale 'X': not used: not C, I or A, and not a factor of risk_score" },
    { "missing scale", BASE:gsub('scale "A"[^\n]*\n', ""),
      "method.lua:1: methodology 'tiny': scale A is missing; asset valuation needs scales C, I and A" },
    { "gap in bands", BASE:gsub("values = { 4, 8 }", "values = { 8 }"),
      "method.lua:5: asset_value: value 4 (C=1, I=2, A=2) falls in no class" },
    { "overlapping bands", BASE:gsub("range = { 1, 2 }", "range = { 1, 4 }"),
      "method.lua:7: asset_class 'lo': value 4 (C=1, I=2, A=2) falls in both class 'hi' and class 'lo'" },
    { "unknown combine", BASE:gsub('combine = "product"', 'combine = "average"'),
      "method.lua:5: asset_value: combine: unknown rule 'average'; expected product, sum or max" },
    { "class without values", BASE .. 'asset_class "x" { description = "none" }\n',
      "method.lua:8: asset_class 'x': give values = { ... } or range = { lo, hi }" },
    { "non-number value", BASE:gsub("values = { 4, 8 }", 'values = { 4, "8" }'),
      "method.lua:6: asset_class 'hi': values[2]: expected a number, got string" },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      local m, err, code = load_text(case[2])
      assert.is_nil(m)
      assert.are.equal("RULE", code)
      assert.are.equal(case[3], err)
    end)
  end

  it("the base methodology itself is valid", function()
    local m = assert(load_text(BASE))
    assert.are.same({ 8, "hi" }, { m:value(2, 2, 2) })
    assert.are.same({ 2, "lo" }, { m:value(2, 1, 1) })
  end)

  it("a syntax error names the line", function()
    local m, err = load_text('methodology "x" {\n  title = "a"\n  oops\n}\n')
    assert.is_nil(m)
    assert.truthy(err:match("^method%.lua:3: "), err)
  end)

  it("reports an unknown methodology name", function()
    local m, err, code = isms.methodology.load("no-such-method")
    assert.is_nil(m)
    assert.are.equal("NOTFOUND", code)
    assert.truthy(err:find("no methodology rule file named 'no-such-method'", 1, true))
  end)
end)
