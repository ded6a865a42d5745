-- CISO Assistant import, issue #16: levels given without ids (CISO
-- Assistant orders them by position), libraries in another locale with
-- translations, and every matrix reproducing its grid cell by cell.
local H = require "helper"
local isms = require "isms"
local ciso = require "isms.method.ciso_matrix"
local lyaml = require "lyaml"

local FIXTURE = "tests/fixtures/methods/ciso-no-ids-fr.yaml"

-- Converts, loads the rule text as a methodology and checks every cell
-- against the YAML grid: the level of (probability p, impact i) is the
-- risk entry grid[p][i] names, in the language asked for.
local function reproduces(yaml_text, lang, k)
  local doc = lyaml.load(yaml_text)
  local mx = doc.objects.risk_matrix[k or 1]
  local text = assert(ciso.convert(yaml_text, { source = "lib.yaml", lang = lang,
                                                matrix = k and mx.ref_id or nil }))
  local m = assert(isms.methodology.load(H.file("converted.lua", text)))
  local function name(e)
    local tr = e.translations and e.translations[lang]
    return tr and tr.name or e.name
  end
  local cells = 0
  for p, row in ipairs(mx.grid) do
    for i, cell in ipairs(row) do
      local _, level = m:score { probability = p, impact = i }
      assert.are.equal(name(mx.risk[tonumber(cell) + 1]), level, ("cell %d, %d"):format(p - 1, i - 1))
      cells = cells + 1
    end
  end
  return cells, m, text
end

describe("CISO Assistant libraries without ids", function()
  local yaml_text = H.read(FIXTURE)

  it("orders the levels by position and reproduces the grid, in each language", function()
    for _, lang in ipairs({ "fr", "en", "de" }) do
      assert.are.equal(16, (reproduces(yaml_text, lang)))
    end
  end)

  it("takes the library's own names for its locale, translations for others", function()
    local _, fr = reproduces(yaml_text, "fr")
    local _, de = reproduces(yaml_text, "de")
    assert.are.same({ "Peu vraisemblable", "Vraisemblable", "Très vraisemblable", "Quasi certain" },
      (function() local t = {} for k, x in ipairs(fr:tiers("probability")) do t[k] = x.label end return t end)())
    assert.are.equal("Kritisch", de:tiers("impact")[4].label)
    local names = {}
    for k, lv in ipairs(de:levels()) do names[k] = lv.name end
    assert.are.same({ "Niedrig", "Mittel", "Hoch" }, names)
    assert.are.equal("#E6686D", de:levels()[3].color)
  end)

  it("says in the header that the ids were taken by position", function()
    local _, _, text = reproduces(yaml_text, "en")
    assert.truthy(text:find("-- No ids in probability, impact, risk: entries taken in the order listed " ..
                            "(id = position from 0).\n", 1, true))
  end)

  it("still refuses ids given to some entries only", function()
    local doc = lyaml.load(yaml_text)
    doc.objects.risk_matrix[1].impact[3].id = 2
    local rules, err = ciso.convert(lyaml.dump({ doc }), { source = "mixed.yaml" })
    assert.is_nil(rules)
    assert.are.equal("mixed.yaml: impact entry 1: id must be a whole number, got nothing", err)
  end)
end)

-- Every library of risk matrices in the shared copy of CISO Assistant's
-- library (../shared/external/ciso-assistant), whatever its name: the two
-- known ones when the copy is absent (their tests are then pending).
local function matrix_files()
  local dir = (os.getenv("ISMS_SHARED") or "../shared") .. "/external/ciso-assistant"
  local list = {}
  local p = io.popen("ls " .. H.shell_quote(dir) .. " 2>/dev/null")
  for name in p:lines() do
    local f = name:match("%.ya?ml$") and io.open(dir .. "/" .. name, "rb")
    if f then
      if f:read("*a"):find("risk_matrix:", 1, true) then list[#list + 1] = name end
      f:close()
    end
  end
  p:close()
  table.sort(list)
  if #list == 0 then list = { "risk-matrix-3x3-mult.yaml", "risk-matrix-5x5-iso-27005.yaml" } end
  return list
end

describe("the CISO Assistant library's matrices", function()
  local files = matrix_files()
  it("are all found (the known two at least)", function()
    H.external("ciso-assistant/risk-matrix-3x3-mult.yaml", pending)
    assert.is_true(#files >= 2)
  end)
  for _, file in ipairs(files) do
    it(file .. " reproduces each of its grids in its own locale and in English", function()
      local text = H.read(H.external("ciso-assistant/" .. file, pending))
      local doc = lyaml.load(text)
      for k, mx in ipairs(doc.objects.risk_matrix) do
        for _, lang in ipairs({ doc.locale or "en", "en" }) do
          assert.are.equal(#mx.probability * #mx.impact,
                           (reproduces(text, lang, #doc.objects.risk_matrix > 1 and k or nil)))
        end
      end
    end)
  end
end)
