-- The cookbook of docs/rule-files.md: every complete rule file shown there
-- loads as it stands, and scores what the text says it scores.
local H = require "helper"
local isms = require "isms"

local function two(a, b) return { a, b } end  -- score and level

local function cookbook()
  local doc = H.read("docs/rule-files.md")
  local from = assert(doc:find("## Cookbook", 1, true))
  local blocks = {}
  for body in doc:sub(from):gmatch("```lua\n(.-)```") do
    if body:find('methodology "', 1, true) and not body:find("extends", 1, true) then
      blocks[#blocks + 1] = body
    end
  end
  return blocks
end

describe("the cookbook of docs/rule-files.md", function()
  local blocks = cookbook()
  local loaded = {}

  it("has five complete methods (the sixth is an import)", function()
    assert.are.equal(5, #blocks)
  end)

  for k = 1, 5 do
    it(("method %d loads"):format(k), function()
      local m, err = isms.methodology.load(H.file(("cook%d.lua"):format(k), blocks[k]))
      assert.is_nil(err)
      loaded[m:name()] = m
    end)
  end

  it("scores as the text says", function()
    local owasp = loaded["owasp-cookbook"]
    local r = { skill = 5, motive = 2, opportunity = 7, size = 1, discovery = 3, exploit = 6,
                awareness = 9, detection = 2, confidentiality = 9, integrity = 7, availability = 5,
                accountability = 8, financial = 1, reputation = 2, compliance = 1, privacy = 5 }
    assert.are.equal("Low", select(2, owasp:score(r)))
    local cvss = loaded["cvss-cookbook"]
    assert.are.same({ 7.5, "High" }, two(cvss:score { AV = "N", AC = "L", PR = "N", UI = "N", S = "U",
      C = "H", I = "N", A = "N" }))
    local nist = loaded["nist-cookbook"]
    assert.are.equal("Moderate", select(2, nist:score { likelihood = 79, impact = 80 }))
    assert.is_nil((nist:score { likelihood = "not assessed", impact = 80 }))
    local iso = loaded["iso27005-e-cookbook"]
    assert.are.equal(4, (iso:score({ threat = "Medium", ease = "Medium" },
      { asset = { C = 5, I = 2, A = 3 }, threat = { affects = { "I", "A" } } })))
    local octave = loaded["octave-cookbook"]
    assert.are.same({ 45, "Mitigate" }, two(octave:score { reputation = 3, financial = 3,
      productivity = 3, safety = 3, fines = 3 }))
    assert.are.same({ 15, "Accept" }, two(octave:score { reputation = 1, financial = 1,
      productivity = 1, safety = 1, fines = 1 }))
  end)
end)
