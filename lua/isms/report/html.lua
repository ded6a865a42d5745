--- Renders a report model (docs/report-model.md) as one self-contained
-- HTML5 page: inline CSS, heat maps as inline SVG, no script and no URL of
-- any kind (fonts, images, style sheets), so it opens anywhere, prints and
-- can be mailed. Every value from the model is escaped.
-- @module isms.report.html
local text = require "isms.report.contract"
local colors = require "isms.report.colors"
local svg = require "isms.report.svg"
local chart = require "isms.report.chart"

local M = {}

local esc = svg.escape
local cell_text = text.cell_text

local CSS = [[
*, *::before, *::after { box-sizing: border-box; }
html { color-scheme: light; }
body { margin: 0 auto; max-width: 1280px; padding: 1.5rem 2rem 3rem;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1f2328; background: #fff; }
.classification { margin: 0 0 1.25rem; padding: .5rem 1rem; border-radius: 4px;
  background: #a40e26; color: #fff; font-weight: 700; text-align: center; letter-spacing: .02em; }
header h1 { margin: 0 0 .25rem; font-size: 1.8rem; line-height: 1.2; }
header .subtitle { margin: 0; font-size: 1.1rem; color: #424a53; }
header .meta { margin: .35rem 0 0; color: #57606a; }
nav.toc { margin: 1.5rem 0; padding: .75rem 1rem; border: 1px solid #d0d7de; border-radius: 6px;
  background: #f6f8fa; }
nav.toc h2 { margin: 0 0 .35rem; font-size: 1rem; border: 0; padding: 0; }
nav.toc ol { margin: 0; padding-left: 1.5rem; }
a { color: #0550ae; }
section { margin: 2.25rem 0; }
h2 { margin: 0 0 .5rem; padding-bottom: .3rem; font-size: 1.35rem; border-bottom: 1px solid #d0d7de; }
p.note { margin: .25rem 0 .75rem; color: #57606a; font-style: italic; white-space: pre-line; }
ul.problems { margin: 0 0 1rem; padding: .5rem .75rem .5rem 2rem; border: 1px solid #cf222e;
  border-left-width: 4px; border-radius: 4px; background: #ffebe9; color: #82071e; }
ul.problems li { white-space: pre-line; }
ul.problems li::marker { content: "\2716  "; }
dl.facts { display: table; margin: 0; border-collapse: collapse; }
dl.facts > div { display: table-row; }
dl.facts dt, dl.facts dd { display: table-cell; padding: .2rem 1.5rem .2rem 0; vertical-align: top; }
dl.facts dt { font-weight: 600; color: #424a53; white-space: nowrap; }
dl.facts dd { margin: 0; white-space: pre-line; overflow-wrap: break-word; }
table.data { width: 100%; border-collapse: separate; border-spacing: 0; font-size: .95em; }
table.data th, table.data td { padding: .35rem .6rem; text-align: left; vertical-align: top;
  border-bottom: 1px solid #d8dee4; white-space: pre-line; word-break: normal;
  overflow-wrap: normal; hyphens: manual; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table.data thead th { position: sticky; top: 0; z-index: 1; background: #eaeef2;
  border-bottom: 2px solid #8c959f; font-weight: 600; white-space: normal; }
table.data tbody tr:nth-child(even) td { background: #f6f8fa; }
table.data td.word { white-space: nowrap; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data th.confidential { color: #82071e; }
.badge { display: inline-block; margin-left: .4rem; padding: 0 .45rem; border-radius: 999px;
  background: #cf222e; color: #fff; font-size: .7rem; font-weight: 700; letter-spacing: .03em;
  text-transform: uppercase; vertical-align: .1em; }
p.shown, p.total { margin: .4rem 0 0; color: #57606a; font-size: .9em; }
div.heatmaps { display: flex; flex-wrap: wrap; gap: 1.5rem 2.5rem; align-items: flex-start; }
figure.heatmap { margin: 0; max-width: 100%; }
.linecharts { display: flex; flex-wrap: wrap; gap: 1rem 1.5rem; margin-top: 1rem; }
figure.linechart { margin: 0; width: 320px; }
figure.linechart figcaption { font-size: .9em; font-weight: 600; margin-bottom: .2rem; }
figure.heatmap figcaption { margin-bottom: .35rem; font-weight: 600; }
figure.heatmap figcaption .sub { display: block; font-weight: 400; font-size: .9em; color: #57606a; }
figure.stage-before, figure.stage-after { padding: .5rem .75rem .75rem; border: 2px solid;
  border-radius: 6px; }
figure.stage-before { border-color: #57606a; }
figure.stage-after { border-color: #0550ae; border-style: double; border-width: 4px; }
figure.heatmap .stage { display: inline-block; margin-right: .35rem; padding: 0 .45rem; border-radius: 3px;
  color: #fff; font-size: .8em; letter-spacing: .04em; }
figure.stage-before .stage { background: #57606a; }
figure.stage-after .stage { background: #0550ae; }
svg.heatmap { display: block; max-width: 100%; height: auto; overflow: visible; }
figure.chart { margin: 0; max-width: 100%; }
figure.figure { margin: 0 0 1rem; max-width: 100%; overflow-x: auto; }
svg.chart { display: block; max-width: 100%; height: auto; }
ul.legend { display: flex; flex-wrap: wrap; gap: .4rem 1.25rem; margin: 1rem 0 0; padding: 0;
  list-style: none; }
.swatch { display: inline-block; width: 1em; height: 1em; margin-right: .4rem; border-radius: 2px;
  border: 1px solid rgba(0, 0, 0, .25); vertical-align: -.15em; }
.classification, .badge, ul.problems, svg.heatmap, .swatch, table.data thead th, figure.heatmap .stage {
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@page { margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav.toc { break-after: page; }
  a { color: inherit; text-decoration: none; }
  table.data thead { display: table-header-group; }
  table.data thead th { position: static; }
  .table-wrap { overflow: visible; }
  tr, figure.heatmap, ul.problems, dl.facts > div { break-inside: avoid; }
  h2 { break-after: avoid; }
}
]]

-- -------------------------------------------------------------- sections

-- Section ids become HTML ids: kept to letters, digits and - _ . : so a
-- fragment link needs no encoding, and made unique.
local function anchors(sections)
  local out, used = {}, {}
  for i, s in ipairs(sections) do
    local id = tostring(s.id or ("section-" .. i)):gsub("[^%w%-_.:]", "-")
    if id == "" or not id:match("^%a") then id = "s-" .. id end
    local base, k = id, 1
    while used[id] do k = k + 1; id = base .. "-" .. k end
    used[id] = true
    out[i] = id
  end
  return out
end

local function has_confidential(s)
  if s.kind ~= "table" then return false end
  for _, c in ipairs(s.columns or {}) do
    if c.confidential then return true end
  end
  return false
end

local function facts(s, put)
  put('<dl class="facts">')
  for _, f in ipairs(s.facts or {}) do
    local num = type(f.value) == "number" and ' class="num"' or ""
    put(("<div><dt>%s</dt><dd%s>%s</dd></div>"):format(esc(cell_text(f.label)), num,
                                                       esc(cell_text(f.value))))
  end
  put("</dl>")
end

local function data_table(s, put)
  put('<div class="table-wrap"><table class="data">')
  put("<thead><tr>")
  for _, c in ipairs(s.columns) do
    local classes = {}
    if c.numeric then classes[#classes + 1] = "num" end
    if c.confidential then classes[#classes + 1] = "confidential" end
    local class = #classes > 0 and (' class="%s"'):format(table.concat(classes, " ")) or ""
    local badge = c.confidential and '<span class="badge">confidential</span>' or ""
    put(('<th scope="col"%s>%s%s</th>'):format(class, esc(cell_text(c.title or c.key)), badge))
  end
  put("</tr></thead>")
  put("<tbody>")
  for _, row in ipairs(s.rows) do
    local cells = {}
    for k, c in ipairs(s.columns) do
      local class = c.numeric and ' class="num"' or ""
      local v = row[c.key]
      local bar = ""
      if c.bar and type(v) == "number" then
        -- A bar of v out of c.bar, as inline SVG beside the number.
        local w = math.max(0, math.min(1, v / c.bar)) * 100
        bar = ('<svg class="bar" width="104" height="12" role="img" aria-label="%s of %s">'
          .. '<rect x="0" y="1" width="100" height="10" fill="#e0e0e0"/>'
          .. '<rect x="0" y="1" width="%.1f" height="10" fill="%s"/></svg> '):format(
          esc(cell_text(v)), esc(cell_text(c.bar)), w, w >= 80 and "#2E7D32" or w >= 50
          and "#F9A825" or "#C62828")
      end
      local t = cell_text(v)
      -- a short code (an id, a date, IC-PHY-002) is one word: never broken
      -- at its hyphens
      if not c.numeric and #t > 0 and #t <= 24 and not t:find("%s") then
        class = ' class="word"'
      end
      cells[k] = ("<td%s>%s%s</td>"):format(class, bar, esc(t))
    end
    put("<tr>" .. table.concat(cells) .. "</tr>")
  end
  put("</tbody></table></div>")
  if #s.rows == 0 then put('<p class="shown">No rows.</p>') end
  local shown = text.shown(s)
  if shown then put('<p class="shown">' .. esc(shown) .. "</p>") end
end

local function heatmaps(s, put)
  local fills = colors.level_colors(s.levels)
  put('<div class="heatmaps">')
  local unlevelled, zoned = false, false
  for _, map in ipairs(s.maps or {}) do
    local stage = map.stage == "before" or map.stage == "after"
    put(('<figure class="heatmap%s">'):format(stage and (" stage-" .. map.stage) or ""))
    if map.title or stage then
      -- before and after treatment: a word badge and a border of its own,
      -- so a reader cannot take one map for the other
      local badge = stage and ('<span class="stage">%s</span> '):format(map.stage == "before"
        and "BEFORE treatment" or "AFTER treatment") or ""
      local sub = map.subtitle and ('<span class="sub">' .. esc(map.subtitle) .. "</span>") or ""
      put("<figcaption>" .. badge .. esc(map.title or "") .. sub .. "</figcaption>")
    end
    put(svg.render(map, s.levels))
    if map.total then put('<p class="total">' .. esc(text.risks(map.total)) .. "</p>") end
    if map.note then put('<p class="note">' .. esc(map.note) .. "</p>") end
    put("</figure>")
    for r in ipairs(map.rows) do
      for c in ipairs(map.cols) do
        local cell = map.cells and map.cells[r] and map.cells[r][c]
        if cell and cell.zone ~= nil then zoned = true
        elseif cell and (tonumber(cell.count) or 0) > 0 and not fills[cell.level] then unlevelled = true end
      end
    end
  end
  put("</div>")
  put('<ul class="legend">')
  local function item(color, name)
    put(('<li><span class="swatch" style="background:%s"></span>%s</li>'):format(esc(color), esc(name)))
  end
  for _, l in ipairs(s.levels or {}) do item(fills[l.name], cell_text(l.name)) end
  if unlevelled then item(colors.NO_LEVEL_FILL, "No level") end
  if not zoned then item(colors.EMPTY_FILL, "No risks") end
  put("</ul>")
end

-- ------------------------------------------------------------------ page

--- Renders a report model as one HTML page.
-- @tparam table model a report model (docs/report-model.md)
-- @treturn string the page
-- @raise when model is not a report model
function M.render(model)
  text.check(model, 2)
  local out = {}
  local function put(s) out[#out + 1] = s end
  local ids = anchors(model.sections)
  local confidential = false
  for _, s in ipairs(model.sections) do
    if has_confidential(s) then confidential = true end
  end
  local title = cell_text(model.title or "Report")

  put("<!DOCTYPE html>")
  put('<html lang="en">')
  put("<head>")
  put('<meta charset="utf-8">')
  put('<meta name="viewport" content="width=device-width, initial-scale=1">')
  put('<meta name="generator" content="isms">')
  put("<title>" .. esc(title) .. "</title>")
  put("<style>" .. CSS .. "</style>")
  put("</head>")
  put("<body>")
  if confidential then
    put('<p class="classification" role="note">This report contains confidential information</p>')
  end
  put("<header>")
  put("<h1>" .. esc(title) .. "</h1>")
  if model.subtitle then put('<p class="subtitle">' .. esc(cell_text(model.subtitle)) .. "</p>") end
  local meta = {}
  if model.generated_at then
    meta[#meta + 1] = "Generated <time>" .. esc(cell_text(model.generated_at)) .. "</time>"
  end
  if model.register then
    meta[#meta + 1] = "from <code>" .. esc(cell_text(model.register)) .. "</code>"
  end
  if #meta > 0 then put('<p class="meta">' .. table.concat(meta, " ") .. "</p>") end
  put("</header>")

  if #model.sections > 0 then
    put('<nav class="toc" aria-label="Contents">')
    put("<h2>Contents</h2>")
    put("<ol>")
    for i, s in ipairs(model.sections) do
      put(('<li><a href="#%s">%s</a></li>'):format(esc(ids[i]), esc(cell_text(s.title or s.id))))
    end
    put("</ol>")
    put("</nav>")
  end

  put("<main>")
  for i, s in ipairs(model.sections) do
    put(('<section id="%s" class="%s">'):format(esc(ids[i]), esc(s.kind)))
    put("<h2>" .. esc(cell_text(s.title or s.id)) .. "</h2>")
    if s.note then put('<p class="note">' .. esc(cell_text(s.note)) .. "</p>") end
    if s.problems and #s.problems > 0 then
      put('<ul class="problems">')
      for _, p in ipairs(s.problems) do put("<li>" .. esc(cell_text(p)) .. "</li>") end
      put("</ul>")
    end
    if s.kind == "facts" then
      facts(s, put)
    elseif s.kind == "table" then
      -- a table with a chart (the loss exceedance curve) is drawn, its
      -- rows being the chart's points
      -- a figure drawn by the section's own domain (the roadmap's Gantt
      -- chart, isms.roadmap.gantt, which escapes every value) goes above
      -- the table as it is
      if type(s.figure) == "string" then put('<figure class="figure">' .. s.figure .. "</figure>") end
      local drawn = s.chart and chart.render(s)
      if drawn then put('<figure class="chart">' .. drawn .. "</figure>")
      else data_table(s, put) end
      -- a table may carry small line charts (a metric's trend): drawn here only
      if s.charts and #s.charts > 0 then
        put('<div class="linecharts">')
        for _, c in ipairs(s.charts) do
          put('<figure class="linechart"><figcaption>' .. esc(cell_text(c.title or "")) .. "</figcaption>")
          put(svg.line_chart(c))
          put("</figure>")
        end
        put("</div>")
      end
    else
      heatmaps(s, put)
    end
    put("</section>")
  end
  put("</main>")
  put("</body>")
  put("</html>")
  return table.concat(out, "\n") .. "\n"
end

return M
