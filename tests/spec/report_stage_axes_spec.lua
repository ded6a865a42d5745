-- A staged score's heat map (issue #16 item 7): OWASP's matrix is impact x
-- likelihood, stages of the score rather than stored ratings. Its risks
-- must not be placed by their first two stored factors (skill, motive),
-- which put a risk rated skill=2 motive=2 in the MEDIUM x MEDIUM cell
-- whatever its likelihood and impact; the map says it does not place them.
local H = require "helper"
local cjson = require "cjson"

describe("the heat map of a staged score", function()
  it("places no risk by its stored factors and says why", function()
    local _, path = H.register()
    local _, err, code = H.run("--db", path, "init", path, "--methodology", "owasp-risk-rating")
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "import", "assets",
                         H.file("a.csv", "id,name,type,c,i,a\nDB-1,Customer DB,information,3,3,2\n"))
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "risks", "generate", "generic")
    assert.are.equal(0, code, err)
    local ref = "DB-1/T-ABUSE-OF-RIGHTS/V-EXCESS-ACCESS"
    local out
    out, err, code = H.run("--db", path, "risks", "set", ref, "skill=2", "motive=2",
      "opportunity=7", "size=1", "discovery=3", "exploit=6", "awareness=9", "detection=2",
      "confidentiality=2", "integrity=1", "availability=1", "accountability=1", "financial=1",
      "reputation=2", "compliance=1", "privacy=5")
    assert.are.equal(0, code, err .. out)
    out, err, code = H.run("--db", path, "report", "--format", "json")
    assert.are.equal(0, code, err)
    local model = cjson.decode(out)
    local heat
    for _, s in ipairs(model.sections) do if s.id == "heatmap" then heat = s end end
    assert.truthy(heat, out)
    assert.matches("impact x likelihood are stages of the score", heat.note, 1, true)
    for _, map in ipairs(heat.maps) do
      for _, row in ipairs(map.cells) do
        for _, cell in ipairs(row) do assert.are.equal(0, cell.count) end
      end
    end
  end)

  it("still places the risks of a method whose axes are stored factors", function()
    local _, path = H.register()
    local _, err, code = H.run("--db", path, "import", "assets",
                               H.file("a.csv", "id,name,type,c,i,a\nDB-1,Customer DB,information,3,3,2\n"))
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "risks", "generate", "generic")
    assert.are.equal(0, code, err)
    local out
    out, err, code = H.run("--db", path, "report", "--format", "json")
    assert.are.equal(0, code, err)
    local heat
    for _, s in ipairs(cjson.decode(out).sections) do if s.id == "heatmap" then heat = s end end
    assert.falsy((heat.note or ""):find("stages of the score", 1, true))
  end)
end)
