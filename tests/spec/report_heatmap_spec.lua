-- The risk heat map as risk managers read it (issue #18 item 10, issue #16
-- item 7): a cell's colour is its zone, the level the methodology gives
-- that position, so empty cells are coloured too; with more than two
-- factors the zone is the worst case over the hidden ones, and the caption
-- says so; the axes carry the scales' names and tier labels (decimal and
-- negative tiers too); before and after treatment are told apart; table
-- words never break mid-word.
local H = require "helper"
local report = require "isms.report.models"
local html = require "isms.report.html"
local colors = require "isms.report.colors"

local function section(model, id)
  for _, s in ipairs(model.sections) do if s.id == id then return s end end
end

local function register(methodology, risks)
  local reg = assert(require("isms").open(H.tmp("heat.db")))
  assert(reg:set_methodology(methodology))
  assert(reg:import_assets(H.file("a.csv", "id,name,type,c,i,a\nX-1,One,software,2,2,2\n")))
  local catalog = H.file("cat.lua", [[
catalog "c" { title = "c" }
threat_class "k" { title = "k" }
threat "T-1" { class = "k", title = "One", applies_to = { "software" } }
]])
  assert(reg:generate_risks(catalog))
  local rows = {}
  for k, ratings in ipairs(risks) do
    rows[k] = { ref = "R-" .. k, asset = "X-1", threat = "T-1", ratings = ratings }
  end
  if #rows > 0 then assert(reg:put_risks(rows)) end
  return reg
end

describe("risk heat map", function()
  before_each(function()
    os.remove(H.tmp("heat.db"))
  end)

  it("colours every cell of a 5x5 by the level its position maps to, empty or not", function()
    local reg = register("iso27005-5x5", { { likelihood = 5, impact = 5 } })
    local m = assert(reg:methodology())
    local model = assert(report.full(reg, { today = "2027-01-15" }))
    local s = section(model, "heatmap")
    local map = s.maps[1]
    local grid = m:matrix()  -- rows likelihood 1..5, columns impact 1..5
    for r = 1, 5 do
      for c = 1, 5 do
        assert.are.equal(grid.cells[6 - r][c], map.cells[r][c].zone, ("cell %d,%d"):format(r, c))
      end
    end
    assert.are.same({ count = 1, level = "Very high", zone = "Very high" }, map.cells[1][5])
    assert.are.same({ count = 0, zone = "Low" }, map.cells[5][1])
    assert.are.same({ "Likelihood", "Impact" }, { map.row_title, map.col_title })
    assert.are.same({ "5 Almost certain", "1 Negligible" }, { map.rows[1], map.cols[1] })
    assert.truthy(s.note:find("whether or not risks sit there", 1, true), s.note)
    -- the page: an empty Low cell is filled with Low's colour, not grey
    local page = html.render(model)
    local low = colors.level_colors(s.levels).Low
    assert.truthy(page:find("1 Rare x 1 Negligible: 0 risks, zone Low", 1, true))
    local tip = page:find("1 Rare x 1 Negligible: 0 risks, zone Low", 1, true)
    local rect = page:sub(tip, tip + 300):match('<rect [^>]*fill="(#%x+)"')
    assert.are.equal(low, rect)
    assert.falsy(page:find(">No risks<", 1, true))   -- no grey "empty" swatch
  end)

  it("labels decimal and negative tiers by value and name", function()
    local reg = register("tests/fixtures/methods/pmbok-threats-opportunities.lua",
                         { { probability = 0.9, impact = -0.8 }, { probability = 0.1, impact = 0.05 } })
    local model = assert(report.full(reg, { today = "2027-01-15" }))
    local map = section(model, "heatmap").maps[1]
    assert.are.equal("0.9 Very high", map.rows[1])
    assert.are.equal("0.1 Very low", map.rows[5])
    assert.are.equal("-0.8 threat, very high", map.cols[1])
    assert.are.equal("0.8 opportunity, very high", map.cols[10])
    assert.are.same({ count = 1, level = "High threat", zone = "High threat" }, map.cells[1][1])
    assert.are.same({ count = 1, level = "Low opportunity", zone = "Low opportunity" }, map.cells[5][6])
    assert.are.equal("Moderate threat", map.cells[5][1].zone)   -- 0.1 x -0.8 = -0.08
    assert.truthy(html.render(model):find("0.9 Very high", 1, true))
  end)

  it("tells before from after treatment in words and form", function()
    local reg = register("iso27005-5x5", { { likelihood = 4, impact = 4 } })
    local page = html.render(assert(report.full(reg, { today = "2027-01-15" })))
    assert.truthy(page:find('<figure class="heatmap stage-before">', 1, true))
    assert.truthy(page:find('<figure class="heatmap stage-after">', 1, true))
    assert.truthy(page:find('<span class="stage">BEFORE treatment</span> Before treatment: inherent risk', 1, true))
    assert.truthy(page:find('<span class="stage">AFTER treatment</span> After treatment: residual risk', 1, true))
  end)

  it("never breaks table words mid-word", function()
    local page = html.render({ title = "t", sections = {
      { id = "t", title = "t", kind = "table", columns = { { key = "a", title = "A" } },
        rows = { { a = "Supercalifragilistic" } } } } })
    local css = page:match("<style>(.-)</style>")
    assert.falsy(css:find("break-all", 1, true))
    assert.falsy(css:find("anywhere", 1, true))
    assert.truthy(css:find("word-break: normal", 1, true))
    assert.truthy(page:find('<div class="table-wrap"><table class="data">', 1, true))
    assert.truthy(page:find('<td class="word">Supercalifragilistic</td>', 1, true))
  end)
end)

describe("roadmap in the report", function()
  it("isms report shows the active roadmap run: its steps and the roadmap's own Gantt chart", function()
    local reg, path = H.register()
    -- no run: no section
    local model = assert(report.full(reg, { today = "2027-03-01" }))
    for _, s in ipairs(model.sections) do assert.falsy(s.id:find("^roadmap")) end
    local roadmap = require "isms.roadmap"
    assert(roadmap.start(reg, "qism-24", { start = "2027-01-04", target = "2027-12-31" }))
    reg:close()
    local out, err, code = H.run("--db", path, "report", "--format", "html", "--today", "2027-03-01")
    assert.are.equal(0, code, err)
    local sec = out:match('<section id="roadmap%-[^"]*".-</section>')
    assert.truthy(sec, "a roadmap section")
    assert.truthy(sec:find('<figure class="figure"><svg', 1, true))
    assert.truthy(sec:find('class="gantt"', 1, true))
    assert.truthy(sec:find("projected finish", 1, true))
    assert.truthy(sec:find("critical", 1, true))
    -- the same chart `isms roadmap schedule --format svg` draws
    local svg = H.run("--db", path, "roadmap", "schedule", "--format", "svg", "--today", "2027-03-01")
    assert.truthy(sec:find(svg:match("<title>[^<]+</title>"), 1, true))
    out, err, code = H.run("--db", path, "report", "--format", "markdown", "--today", "2027-03-01")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("## Roadmap", 1, true))
  end)
end)
