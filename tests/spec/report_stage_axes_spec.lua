-- A staged score's heat map (issue #16 item 7): OWASP's matrix is impact x
-- likelihood, stages of the score rather than stored ratings. Each risk is
-- placed in the cell of its impact and likelihood bands, computed by the
-- score's program over the register's columns (isms_stages_cells), before
-- treatment and after it (each treated risk at the bands of its residual
-- ratings, rrx included; avoided ones gone). The counts below are worked
-- by hand from OWASP's step 4.
local H = require "helper"
local cjson = require "cjson"

local FACTORS = { "skill", "motive", "opportunity", "size", "discovery", "exploit", "awareness",
                  "detection", "confidentiality", "integrity", "availability", "accountability",
                  "financial", "reputation", "compliance", "privacy" }

local function rate(values)
  local list = {}
  for k, f in ipairs(FACTORS) do list[k] = f .. "=" .. tostring(values[k]) end
  return list
end

local function all(v)
  local t = {}
  for k = 1, #FACTORS do t[k] = v end
  return t
end

local function section(model, id)
  for _, s in ipairs(model.sections) do if s.id == id then return s end end
end

-- { ["impact band x likelihood band"] = count } of the cells with risks,
-- and the zone of each cell.
local function cells(map)
  local counts, zones = {}, {}
  for r, row in ipairs(map.cells) do
    for c, cell in ipairs(row) do
      local key = map.rows[r] .. " x " .. map.cols[c]
      if cell.count > 0 then counts[key] = cell.count end
      zones[key] = cell.zone
    end
  end
  return counts, zones
end

local function unzip(path, member)
  local p = io.popen("unzip -p " .. H.shell_quote(path) .. " " .. H.shell_quote(member)
                     .. " 2>/dev/null")
  local data = p:read("*a")
  p:close()
  return data
end

describe("the heat map of a staged score", function()
  local path
  local R1 = "DB-1/T-ABUSE-OF-RIGHTS/V-EXCESS-ACCESS"
  local R2 = "DB-1/T-MALWARE/V-NO-ANTIMALWARE"
  local R3, R4  -- two more of the generated risks
  setup(function()
    local _
    _, path = H.register()
    local _, err, code = H.run("--db", path, "init", path, "--methodology", "owasp-risk-rating")
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "import", "assets",
      H.file("a.csv", "id,name,type,c,i,a,owner\nDB-1,Customer DB,information,3,3,2,Ann\n"))
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "risks", "generate", "generic")
    assert.are.equal(0, code, err)
    local out
    out, err, code = H.run("--db", path, "risks", "list", "--format", "json")
    assert.are.equal(0, code, err)
    local others = {}
    for _, r in ipairs(cjson.decode(out)) do
      if r.ref ~= R1 and r.ref ~= R2 then others[#others + 1] = r.ref end
    end
    table.sort(others)
    R3, R4 = others[1], others[2]
    -- R1: likelihood (2+2+7+1+3+6+9+2)/8 = 4 MEDIUM; business impact
    -- (1+2+1+5)/4 = 2.25 LOW: impact LOW x likelihood MEDIUM, Low
    out, err, code = H.run("--db", path, "risks", "set", R1,
      unpack(rate { 2, 2, 7, 1, 3, 6, 9, 2, 2, 1, 1, 1, 1, 2, 1, 5 }))
    assert.are.equal(R1 .. ": Low 2, acceptable\n", out, err)
    assert.are.equal(0, code, err)
    -- R2: every factor 9: HIGH x HIGH, Critical
    out, err, code = H.run("--db", path, "risks", "set", R2, unpack(rate(all(9))))
    assert.are.equal(0, code, err)
    assert.are.equal(R2 .. ": Critical 5, not acceptable\n", out)
    -- R3: every factor 0: LOW x LOW, Note
    out, err, code = H.run("--db", path, "risks", "set", R3, unpack(rate(all(0))))
    assert.are.equal(0, code, err)
    assert.are.equal(R3 .. ": Note 1, acceptable\n", out)
    -- R4: likelihood 3 exactly (MEDIUM at its lower edge); the financial
    -- damage unknown, so the business impact is not rated and the
    -- technical one is used: (6+6+6+5)/4 = 5.75 MEDIUM: Medium
    out, err, code = H.run("--db", path, "risks", "set", R4,
      unpack(rate { 3, 3, 3, 3, 3, 3, 3, 3, 6, 6, 6, 5, "unknown", 1, 1, 1 }))
    assert.are.equal(R4 .. ": Medium 3, not acceptable\n", out, err)
    assert.are.equal(0, code, err)
    -- treatments: R2 modified on four factors past the fourth (rrx):
    -- likelihood (9*4 + 0*4)/8 = 4.5 MEDIUM, impact HIGH: High; R3
    -- avoided; R1 retained where it is
    out, err, code = H.run("--db", path, "treat", R2, "modify", "--controls", "A.8.7",
                           "--target", "discovery=0,exploit=0,awareness=0,detection=0")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("residual High", 1, true), out)
    out, err, code = H.run("--db", path, "treat", R3, "avoid", "--rationale",
                           "the service is given up")
    assert.are.equal(0, code, (err or "") .. (out or ""))
    out, err, code = H.run("--db", path, "treat", R1, "retain")
    assert.are.equal(0, code, (err or "") .. (out or ""))
  end)

  local function model()
    local out, err, code = H.run("--db", path, "report", "--format", "json", "--today",
                                 "2027-01-15")
    assert.are.equal(0, code, err)
    return cjson.decode(out)
  end

  it("places every rated risk in the cell of its impact and likelihood bands", function()
    local heat = section(model(), "heatmap")
    local before, after = heat.maps[1], heat.maps[2]
    assert.are.same({ "HIGH", "MEDIUM", "LOW" }, before.rows)
    assert.are.same({ "LOW", "MEDIUM", "HIGH" }, before.cols)
    assert.are.same({ "Impact", "Likelihood" },
                    { before.row_title, before.col_title })
    local counts = cells(before)
    assert.are.same({ ["LOW x MEDIUM"] = 1, ["HIGH x HIGH"] = 1, ["LOW x LOW"] = 1,
                      ["MEDIUM x MEDIUM"] = 1 }, counts)
    assert.are.equal(4, before.total)
    -- each cell holds its risks' level
    assert.are.same({ count = 1, level = "Critical", zone = "Critical" }, before.cells[1][3])
    assert.are.same({ count = 1, level = "Low", zone = "Low" }, before.cells[3][2])
    -- the other generated risks are not rated: said, not placed
    assert.truthy(before.note:find("risk(s) not rated", 1, true), before.note)
    assert.truthy(heat.note:find("impact x likelihood are stages of the score", 1, true), heat.note)
    local _, zones = cells(after)
    -- the zones are OWASP's step 4 matrix, cell by cell
    assert.are.same({
      ["LOW x LOW"] = "Note", ["LOW x MEDIUM"] = "Low", ["LOW x HIGH"] = "Medium",
      ["MEDIUM x LOW"] = "Low", ["MEDIUM x MEDIUM"] = "Medium", ["MEDIUM x HIGH"] = "High",
      ["HIGH x LOW"] = "Medium", ["HIGH x MEDIUM"] = "High", ["HIGH x HIGH"] = "Critical" }, zones)
  end)

  it("moves a treated risk to the bands of its residual ratings, avoided ones leave", function()
    local after = section(model(), "heatmap").maps[2]
    assert.are.same({ ["LOW x MEDIUM"] = 1, ["HIGH x MEDIUM"] = 1, ["MEDIUM x MEDIUM"] = 1 },
                    (cells(after)))
    assert.are.same({ count = 1, level = "High", zone = "High" }, after.cells[1][2])
    assert.are.equal(3, after.total)
    assert.truthy(after.note:find("1 risk(s) avoided", 1, true), after.note)
  end)

  it("draws the same counts in HTML and XLSX", function()
    local html = H.tmp("r.html")
    local _, err, code = H.run("--db", path, "report", "--format", "html", "--out", html)
    assert.are.equal(0, code, err)
    local page = H.read(html)
    assert.truthy(page:find("HIGH x HIGH: 1 risk", 1, true))
    assert.truthy(page:find("HIGH x MEDIUM: 1 risk", 1, true))
    assert.truthy(page:find("LOW x LOW: 1 risk", 1, true))
    local xlsx = H.tmp("r.xlsx")
    _, err, code = H.run("--db", path, "report", "--format", "xlsx", "--out", xlsx)
    assert.are.equal(0, code, err)
    local wb = unzip(xlsx, "xl/workbook.xml")
    local names = {}
    for name in wb:gmatch('<sheet name="([^"]+)"') do names[#names + 1] = name end
    local sheet
    for k, name in ipairs(names) do
      if name == "Heat map before treatment" then
        sheet = unzip(xlsx, ("xl/worksheets/sheet%d.xml"):format(k))
      end
    end
    assert.truthy(sheet, table.concat(names, ", "))
    -- four risks placed: the numbers of the grid add up to 4
    local sum = 0
    for v in sheet:gmatch('<c r="[B-D]%d+"[^>]*><v>(%d+)</v>') do sum = sum + tonumber(v) end
    assert.are.equal(4, sum)
  end)

  it("shows in isms whatif where the risks move between the bands", function()
    -- OWASP with HIGH from 5: R4's technical impact 5.75 becomes HIGH
    local text = H.read("rules/methodologies/owasp-risk-rating.lua")
      :gsub('{ "LOW", 3, "MEDIUM", 6, "HIGH" }', '{ "LOW", 3, "MEDIUM", 5, "HIGH" }')
      :gsub('methodology "owasp%-risk%-rating"', 'methodology "owasp-five"')
    local strict = H.file("owasp-five.lua", text)
    local out, err, code = H.run("--db", path, "whatif", strict)
    assert.are.equal(0, code, err)
    assert.truthy(out:find("owasp-five's heat map, Impact x Likelihood (risks now -> what if, "
                           .. "where they differ):", 1, true), out)
    local grid = {}
    for line in out:gmatch("[^\n]+") do
      local label, rest = line:match("^(%u+)%s%s+(.*)$")
      if label == "HIGH" or label == "MEDIUM" or label == "LOW" then grid[label] = rest end
    end
    assert.are.same({ HIGH = "0    0 -> 1  1", MEDIUM = "0    1 -> 0  0", LOW = "1    1       0" },
                    grid)
  end)

  it("agrees with the columns path and the one-pass scan of a factor grid", function()
    local isms = require "isms"
    local report = require "isms.report.models"
    local reg = assert(isms.open(path))
    local a = assert(report.full(reg, { today = "2027-01-15" }))
    local b = assert(report.full(reg, { today = "2027-01-15", path = "columns" }))
    assert.are.same(section(a, "heatmap"), section(b, "heatmap"))
    reg:close()
  end)

  it("places risks on stored factors past the fourth (r5), before and after treatment", function()
    -- five factors 1-3; the matrix is f5 (rows) x f4 (columns): f5 lives in rx
    local m = H.file("five.lua", [[
methodology "five-axes" {}
local lmh = { { value = 1, label = "L" }, { value = 2, label = "M" }, { value = 3, label = "H" } }
for _, f in ipairs { "f1", "f2", "f3", "f4", "f5" } do scale(f) { tiers = lmh } end
risk_score { factors = { "f1", "f2", "f3", "f4", "f5" }, combine = "matrix", matrix = "grid" }
risk_matrix "grid" {
  rows = "f5", columns = "f4",
  cells = { { "Low", "Low", "High" }, { "Low", "High", "High" }, { "High", "High", "High" } },
}
risk_level "Low" {}
risk_level "High" {}
acceptance "general" { max_level = "High" }
residual_acceptance "general" { max_level = "Low" }
]])
    local _, p = H.register()
    local _, err, code = H.run("init", p, "--methodology", m)
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", p, "import", "assets",
                         H.file("a.csv", "id,name,type,c,i,a,owner\nDB-1,Customer DB,information,3,3,2,Ann\n"))
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", p, "risks", "generate", "generic")
    assert.are.equal(0, code, err)
    local out
    out, err, code = H.run("--db", p, "risks", "set", R1, "f1=1", "f2=1", "f3=1", "f4=3", "f5=2")
    assert.are.equal(R1 .. ": High 2, acceptable\n", out, err)
    assert.are.equal(0, code, err)
    out, err, code = H.run("--db", p, "risks", "set", R2, "f1=1", "f2=1", "f3=1", "f4=1", "f5=1")
    assert.are.equal(0, code, err)
    assert.are.equal(R2 .. ": Low 1, acceptable\n", out)
    -- R1 treated down to f5 = L: from (M, H) to (L, H), still High
    out, err, code = H.run("--db", p, "treat", R1, "modify", "--controls", "A.8.7", "--target", "f5=1")
    assert.are.equal(0, code, (err or "") .. (out or ""))
    out, err, code = H.run("--db", p, "report", "--format", "json")
    assert.are.equal(0, code, err)
    local heat = section(cjson.decode(out), "heatmap")
    assert.are.same({ "3 H", "2 M", "1 L" }, heat.maps[1].rows)
    assert.are.same({ ["2 M x 3 H"] = 1, ["1 L x 1 L"] = 1 }, (cells(heat.maps[1])))
    assert.are.same({ ["1 L x 3 H"] = 1, ["1 L x 1 L"] = 1 }, (cells(heat.maps[2])))
    assert.truthy(heat.note:find("gives at that f5 x f4", 1, true), heat.note)
  end)

  it("still places the risks of a method whose axes are stored factors", function()
    local _, p = H.register()
    local _, err, code = H.run("--db", p, "import", "assets",
                               H.file("a.csv", "id,name,type,c,i,a\nDB-1,Customer DB,information,3,3,2\n"))
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", p, "risks", "generate", "generic")
    assert.are.equal(0, code, err)
    local out
    out, err, code = H.run("--db", p, "report", "--format", "json")
    assert.are.equal(0, code, err)
    local heat = section(cjson.decode(out), "heatmap")
    assert.falsy((heat.note or ""):find("stages of the score", 1, true))
  end)
end)
