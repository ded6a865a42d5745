-- Report renderers (lua/isms/report_text.lua, report_html.lua,
-- heatmap_svg.lua; docs/report-model.md): one fixture model
-- (report_fixture.lua) with values that need escaping everywhere, read back
-- from every format: the text table aligned, CSV parsed back, JSON decoded
-- back and byte-stable, Markdown cells intact, HTML tags balanced with
-- every value escaped, one SVG rect and tooltip per heat-map cell, and the
-- confidential marks present exactly when a column is confidential.
local H = require "helper"
local cjson = require "cjson"
local F = require "report_fixture"
local text = require "isms.report"
local html = require "isms.report.html"
local svg = require "isms.report.svg"
local colors = require "isms.report.colors"

-- ----------------------------------------------------------------- helpers

local function width(s) return #s - select(2, s:gsub("[\128-\191]", "")) end

local function lines(s)
  local out = {}
  for l in (s .. "\n"):gmatch("([^\n]*)\n") do out[#out + 1] = l end
  return out
end

local count = H.count

local function index_of(list, pred)
  for i, v in ipairs(list) do if pred(v) then return i end end
end

-- RFC 4180 records (fields may hold quoted commas, quotes and newlines).
local function parse_csv(s)
  local records, record, i = {}, {}, 1
  while i <= #s do
    local value
    if s:sub(i, i) == '"' then
      local buf = {}
      i = i + 1
      while true do
        local q = assert(s:find('"', i, true), "unterminated quoted field")
        buf[#buf + 1] = s:sub(i, q - 1)
        if s:sub(q + 1, q + 1) == '"' then
          buf[#buf + 1] = '"'
          i = q + 2
        else
          i = q + 1
          break
        end
      end
      value = table.concat(buf)
    else
      local e = s:find("[,\n]", i) or #s + 1
      value = s:sub(i, e - 1)
      assert(not value:find('"', 1, true), "quote in an unquoted field: " .. value)
      i = e
    end
    record[#record + 1] = value
    local sep = s:sub(i, i)
    if sep == "," then
      i = i + 1
    elseif sep == "\n" or sep == "" then
      records[#records + 1] = record
      record = {}
      i = i + 1
    else
      error("text after a quoted field at byte " .. i)
    end
  end
  return records
end

local function strip_nulls(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do
    if x ~= cjson.null then out[k] = strip_nulls(x) end
  end
  return out
end

-- A deep copy whose tables get their keys in reverse sorted order, so
-- hash iteration order differs from the original's.
local function reinsert(v)
  if type(v) ~= "table" then return v end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) > tostring(b) end)
  local out = {}
  for _, k in ipairs(keys) do out[k] = reinsert(v[k]) end
  return out
end

local VOID = { meta = true, br = true, hr = true, img = true, link = true, input = true,
               col = true, wbr = true, source = true, area = true, base = true }

-- Every element closes in order and every attribute is name="value" with
-- no raw quote inside; text between tags holds no < or >.
local function check_markup(page)
  page = page:gsub("^<!DOCTYPE html>", ""):gsub("<style>.-</style>", "<style></style>")
  local stack = {}
  for close, name, rest in page:gmatch("<(/?)(%a[%w%-]*)([^>]*)>") do
    name = name:lower()
    if close == "/" then
      local top = table.remove(stack)
      if top ~= name then
        return nil, ("</%s> closes <%s> (open: %s)"):format(name, tostring(top), table.concat(stack, " "))
      end
    else
      local attrs = rest:gsub("/$", "")
      if not attrs:gsub('%s+[%a][%w:%-]*="[^"<>]*"', ""):match("^%s*$") then
        return nil, ("bad attributes in <%s%s>"):format(name, rest)
      end
      if not VOID[name] and not rest:match("/$") then stack[#stack + 1] = name end
    end
  end
  if #stack > 0 then return nil, "not closed: " .. table.concat(stack, " ") end
  local outside = page:gsub("<[^>]*>", "")
  if outside:find("[<>]") then return nil, "a raw < or > in text: " .. outside:match(".?.?.?.?.?.?.?.?[<>].?.?.?.?.?.?.?.?") end
  return true
end

local function esc(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"):gsub("'", "&#39;"))
end

-- The tooltip a cell must carry, written from the model independently of
-- the renderer.
local function tooltip(map, r, c)
  local cell = map.cells[r][c]
  local n = cell.count or 0
  local s = ("%s x %s: %d %s"):format(map.rows[r], map.cols[c], n, n == 1 and "risk" or "risks")
  if n > 0 then s = s .. ", " .. (cell.level or "no level") end
  return "<title>" .. esc(s) .. "</title>"
end

local NASTY = F.NASTY
local SOA = 2   -- the table section with numeric and confidential columns

-- ------------------------------------------------------------- formats

describe("report_text.render", function()
  it("refuses an unknown format, naming the formats", function()
    local ok, err = pcall(function() text.render(F.model(), "pdf") end)
    assert.is_false(ok)
    -- raised at the caller's line
    assert.matches("^tests/spec/report_render_spec.lua:%d+: report: unknown format 'pdf' "
                   .. "%(table, csv, json, markdown, html, xlsx%)$", err)
    ok, err = pcall(text.render, F.model(), nil)
    assert.is_false(ok)
    assert.matches("unknown format 'nil'", err, 1, true)
    ok, err = pcall(text.render, F.model(), "xlsx")
    assert.is_false(ok)
    assert.matches("isms_report_xlsx", err, 1, true)
  end)

  it("refuses a section of an unknown kind", function()
    local m = F.model()
    m.sections[3].kind = "chart"
    for _, fmt in ipairs({ "table", "csv", "json", "markdown", "html" }) do
      local ok, err = pcall(text.render, m, fmt)
      assert.is_false(ok)
      assert.matches("section 3 (owners) has unknown kind 'chart'", err, 1, true)
    end
    assert.has_error(function() html.render({ title = "x" }) end, nil)
  end)

  it("passes html to report_html", function()
    assert.are.equal(html.render(F.model()), text.render(F.model(), "html"))
  end)
end)

describe("table format", function()
  local out = text.render(F.model(), "table")
  local ls = lines(out)

  it("writes the title, meta and each section under an underlined title", function()
    assert.are.equal("Statement of Applicability & <Risk> Report", ls[1])
    assert.are.equal(("="):rep(width(ls[1])), ls[2])
    assert.truthy(out:find("Generated 2026-11-23 from registers/q&a <test>.db\n", 1, true))
    for _, title in ipairs({ "Summary", "Statement of Applicability", "Control owners", "Risk heat map" }) do
      local i = index_of(ls, function(l) return l == title end)
      assert.truthy(i, title)
      assert.are.equal(("-"):rep(width(title)), ls[i + 1])
    end
  end)

  it("aligns headers, marks confidential columns and right-aligns numbers", function()
    local h = index_of(ls, function(l) return l:match("^Control  ") end)
    local head, rule = ls[h], ls[h + 1]
    assert.matches("Justification %[confidential%]$", head)
    -- every column title starts where its rule of dashes starts
    for _, title in ipairs({ "Name, full", "Linked risks", "Applicable", "Justification" }) do
      local at = head:find(title, 1, true)
      assert.are.equal("  -", rule:sub(at - 2, at), title)
    end
    -- numbers end where their title ends
    local right = head:find("Linked risks", 1, true) + #"Linked risks" - 1
    for _, row in ipairs({ ls[h + 2], ls[h + 5] }) do
      assert.matches("^%d$", row:sub(right, right))
      assert.are.equal(" ", row:sub(right + 1, right + 1))
    end
    assert.are.equal(right, ls[h + 2]:find("12", 1, true) + 1)
    -- the row holding NASTY: display positions line up too
    local nasty = ls[h + 3]
    local b = nasty:find("3818", 1, true)
    assert.are.equal(right, width(nasty:sub(1, b + 3)))
  end)

  it("prints problems before the rows, and how many rows are shown", function()
    local p = index_of(ls, function(l) return l == "error: A.8.7 is excluded but used by the treatment of R-0012 <&>" end)
    local h = index_of(ls, function(l) return l:match("^Control  ") end)
    assert.truthy(p and p < h)
    assert.truthy(out:find("\n4 of 93 rows\n", 1, true))
    assert.falsy(out:find("2 of 2 rows", 1, true))
  end)

  it("keeps every row on one line: no control characters", function()
    assert.falsy(out:find("[%z\1-\9\11-\31\127]"))
    assert.truthy(out:find("Tom & Jerry <b>bold</b> \"quoted\" 'single' | piped, comma second line: Ünïcødé ✓ 日本語",
                           1, true))
  end)

  it("draws heat maps as grids of count and level", function()
    assert.truthy(out:find("Before treatment (470 risks)\n", 1, true))
    assert.truthy(out:find("\nLikelihood \\ Impact  1 Insignificant  2 Minor ", 1, true))
    assert.truthy(out:find("\n5 Almost certain     18 Medium ", 1, true))
    assert.truthy(out:find("\n1 Rare               2  ", 1, true))   -- risks without a level
    assert.truthy(out:find("One cell (1 risk)\n", 1, true))
    assert.truthy(out:find("Levels (lowest first): Low, Medium, High, Very high\n", 1, true))
  end)
end)

describe("csv format", function()
  local out = text.render(F.model(), "csv")
  local recs = parse_csv(out)

  local function find(first)
    return index_of(recs, function(r) return r[1] == first end)
  end

  it("parses back: facts as label,value, with quotes and newlines intact", function()
    assert.are.same({ "Summary" }, recs[1])
    assert.are.same({ "Risks", "3818" }, recs[2])
    assert.are.same({ "Methodology", "qism-fmea" }, recs[3])
    assert.are.same({ 'Scope <main> & "HQ"', NASTY }, recs[4])
    assert.are.same({ "Carried from 2013", "yes" }, recs[5])
    assert.are.same({ "Mean score", "2.5" }, recs[6])
  end)

  it("separates sections by an empty line and a title line", function()
    for _, title in ipairs({ "Statement of Applicability", "Control owners", "Exceptions", "Risk heat map" }) do
      local i = find(title)
      assert.truthy(i, title)
      assert.are.same({ "" }, recs[i - 1])
      assert.are.equal(1, #recs[i])
    end
    assert.falsy(out:find("\n\n\n", 1, true))
  end)

  it("writes a table's note, problems, header and rows", function()
    local i = find("Statement of Applicability")
    assert.are.same({ "The 4 first of 93 controls; all in XLSX" }, recs[i + 1])
    assert.are.same({ "error: A.8.7 is excluded but used by the treatment of R-0012 <&>" }, recs[i + 2])
    assert.are.same({ "error: A.5.2 has no owner, | no date" }, recs[i + 3])
    assert.are.same({ "Control", "Name, full", "Linked risks", "Applicable", "Justification [confidential]" },
                    recs[i + 4])
    assert.are.same({ "A.5.1", "Policies for information security", "12", "yes", "Required by clause 5.2" },
                    recs[i + 5])
    assert.are.same({ "A.5.2", NASTY, "3818", "no", NASTY }, recs[i + 6])
    assert.are.same({ "A.8.7", "Protection against malware", "", "yes", "" }, recs[i + 7])
    assert.are.same({ "A.8.24", "Use of cryptography", "7", "yes", "Kryptografie für Daten | at rest, in transit" },
                    recs[i + 8])
    -- the quoting itself
    assert.truthy(out:find('\nControl,"Name, full",Linked risks,', 1, true))
    assert.truthy(out:find('"Tom & Jerry <b>bold</b> ""quoted"" \'single\' | piped, comma\nsecond', 1, true))
    -- an empty table is its header alone
    assert.are.same({ "Id" }, recs[find("Exceptions") + 1])
  end)

  it("writes heat maps as grids of counts", function()
    local model = F.model()
    for _, map in ipairs(model.sections[5].maps) do
      local i = index_of(recs, function(r) return r[1] == map.title and #r == 1 end)
      assert.truthy(i, map.title)
      local head = { map.row_title .. " \\ " .. map.col_title }
      for c, l in ipairs(map.cols) do head[c + 1] = l end
      assert.are.same(head, recs[i + 1])
      for r, label in ipairs(map.rows) do
        local want = { label }
        for c = 1, #map.cols do want[c + 1] = tostring(map.cells[r][c].count) end
        assert.are.same(want, recs[i + 1 + r])
      end
    end
  end)
end)

describe("json format", function()
  local out = text.render(F.model(), "json")

  it("decodes back to the model", function()
    local got = strip_nulls(cjson.decode(out))
    local want = F.model()
    for i, s in ipairs(got.sections) do
      if s.kind == "table" then
        assert.is_table(s.confidential)
        s.confidential = nil
      end
      assert.are.same(want.sections[i], s)
    end
    assert.are.same(want, got)
  end)

  it("lists the confidential columns, [] when there are none", function()
    local got = cjson.decode(out)
    assert.are.same({ "justification" }, got.sections[SOA].confidential)
    assert.truthy(out:find('"confidential":["justification"]', 1, true))
    assert.truthy(out:find('"id":"owners","title":"Control owners","kind":"table",'
                           .. '"columns":[{"key":"owner","title":"Owner"},'
                           .. '{"key":"controls","title":"Controls","numeric":true}],"confidential":[],', 1, true))
    assert.truthy(out:find('"rows":[],', 1, true))
    assert.falsy(out:find("{}", 1, true))
  end)

  it("writes keys in a fixed order: model, sections, columns, rows in column order", function()
    local function before(a, b)
      local i, j = out:find(a, 1, true), out:find(b, 1, true)
      assert.truthy(i, a)
      assert.truthy(j, b)
      assert.is_true(i < j, a .. " before " .. b)
    end
    assert.are.equal(1, out:find('{"title":', 1, true))
    before('"title":', '"subtitle":')
    before('"subtitle":', '"generated_at":')
    before('"generated_at":', '"register":')
    before('"register":', '"sections":[')
    assert.truthy(out:find('{"id":"summary","title":"Summary","kind":"facts","facts":[{"label":"Risks","value":3818},', 1, true))
    assert.truthy(out:find('{"control":"A.5.1","name":"Policies for information security","risks":12,'
                           .. '"applicable":true,"justification":"Required by clause 5.2"}', 1, true))
    assert.truthy(out:find('{"control":"A.8.7","name":"Protection against malware","risks":null,'
                           .. '"applicable":true,"justification":null}', 1, true))
    assert.truthy(out:find('"cells":[[{"count":18,"level":"Medium"},', 1, true))
    assert.truthy(out:find('"levels":[{"name":"Low","rank":1,"color":"#2E7D32"},{"name":"Medium","rank":2},', 1, true))
  end)

  it("writes integers without a fraction", function()
    assert.truthy(out:find('"value":3818}', 1, true))
    assert.truthy(out:find('"value":2.5}', 1, true))
    assert.truthy(out:find('"total":93', 1, true))
    assert.falsy(out:find("%d%.0[,}%]]"))
  end)

  it("is deterministic: same model, same bytes, whatever the insertion order", function()
    assert.are.equal(out, text.render(F.model(), "json"))
    assert.are.equal(out, text.render(reinsert(F.model()), "json"))
  end)
end)

describe("markdown format", function()
  local out = text.render(F.model(), "markdown")
  local ls = lines(out)

  it("writes # title and ## sections, markup in titles escaped", function()
    assert.are.equal("# Statement of Applicability \\& \\<Risk\\> Report", ls[1])
    for _, t in ipairs({ "## Summary", "## Statement of Applicability", "## Control owners", "## Risk heat map",
                         "### Before treatment", "### One cell" }) do
      assert.truthy(index_of(ls, function(l) return l == t end), t)
    end
  end)

  it("keeps each table row on one line with pipes escaped", function()
    for _, l in ipairs(ls) do
      if l:match("^|") then
        assert.matches("|$", l)
      end
    end
    local head = index_of(ls, function(l) return l:match("^| Control |") end)
    assert.are.equal("| Control | Name, full | Linked risks | Applicable | Justification [confidential] |", ls[head])
    assert.are.equal("| --- | --- | ---: | --- | --- |", ls[head + 1])
    for r = head, head + 5 do
      -- unescaped pipes: the 6 cell borders
      local bare = select(2, ls[r]:gsub("\\|", ""):gsub("|", ""))
      assert.are.equal(6, bare, ls[r])
    end
    local nasty = ls[head + 3]
    assert.truthy(nasty:find("Tom \\& Jerry \\<b\\>bold\\</b\\> \"quoted\" 'single' \\| piped, comma<br>second line:", 1, true))
    assert.falsy(nasty:find("<b>", 1, true))
    assert.truthy(out:find("\n- **Error:** A.5.2 has no owner, \\| no date\n", 1, true))
    assert.truthy(out:find("\n4 of 93 rows.\n", 1, true))
  end)

  it("writes heat maps as tables of counts with levels", function()
    assert.truthy(out:find("| Likelihood \\\\ Impact | 1 Insignificant | 2 Minor | 3 Moderate | 4 Major | 5 Severe |\n"
                           .. "| --- | ---: | ---: | ---: | ---: | ---: |\n"
                           .. "| 5 Almost certain | 18 (Medium) | 23 (Medium) | 28 (High) | 33 (High) | 38 (Very high) |\n",
                           1, true))
    assert.truthy(out:find("| 1 Rare | 2 | 35 (Low) | 0 |", 1, true))
    assert.truthy(out:find("\n1 risk. 121 risks are not rated\n", 1, true))
  end)
end)

-- ------------------------------------------------------------- heat maps

describe("heatmap_svg", function()
  it("fills levels without a colour from green through amber to red by rank", function()
    assert.are.same({ Low = "#2E7D32", Mid = "#F9A825", Top = "#C62828" },
                    colors.level_colors({ { name = "Top", rank = 9 }, { name = "Low", rank = 1 },
                                       { name = "Mid", rank = 5 } }))
    local c = colors.level_colors(F.LEVELS)
    assert.are.equal("#2E7D32", c.Low)
    assert.are.equal("#B71C1C", c["Very high"])
    assert.are.equal(colors.scale(1 / 3), c.Medium)
    assert.are.equal(colors.scale(2 / 3), c.High)
    assert.matches("^#%x%x%x%x%x%x$", c.Medium)
    assert.are_not.equal(c.Medium, c.High)
    -- a lone level is amber; levels of one rank share a colour
    assert.are.same({ Only = "#F9A825" }, colors.level_colors({ { name = "Only", rank = 1 } }))
    local same = colors.level_colors({ { name = "a", rank = 1 }, { name = "b", rank = 1 }, { name = "c", rank = 2 } })
    assert.are.equal(same.a, same.b)
    -- given colours come back as #RRGGBB; anything else is ignored
    local given = colors.level_colors({ { name = "x", rank = 1, color = "red;background:url(https://e.x/)" },
                                     { name = "y", rank = 2, color = "teal" },
                                     { name = "z", rank = 3, color = "#a1b" },
                                     { name = "w", rank = 4, color = "#c0ffee" } })
    assert.are.same({ x = "#2E7D32", y = colors.scale(1 / 3), z = "#AA11BB", w = "#C0FFEE" }, given)
  end)

  it("picks the text colour with more contrast", function()
    assert.are.equal("#FFFFFF", colors.text_color("#2E7D32"))
    assert.are.equal("#FFFFFF", colors.text_color("#C62828"))
    assert.are.equal("#000000", colors.text_color("#F9A825"))
    assert.are.equal("#000000", colors.text_color(colors.EMPTY_FILL))
    assert.are.equal("#000000", colors.text_color("#FFF"))
    assert.are.equal("#FFFFFF", colors.text_color("#000"))
    assert.are.equal("#000000", colors.text_color("not a colour"))
  end)

  local function grid(nrows, ncols, long)
    local rows, cols, cells = {}, {}, {}
    for r = 1, nrows do
      rows[r] = long and ("Row %d <with> a label far too long to fit & more words"):format(r) or ("R" .. r)
      cells[r] = {}
      for c = 1, ncols do
        local n = (r * 31 + c * 17) % 5 == 0 and 0 or r * c * 1000 + c
        cells[r][c] = { count = n, level = n > 0 and F.LEVELS[(r + c) % 4 + 1].name or nil }
      end
    end
    for c = 1, ncols do
      cols[c] = long and ("Column %d \"quoted\" with a long label"):format(c) or ("C" .. c)
    end
    return { title = "T", row_title = "Rows <r>", col_title = "Cols & c", rows = rows, cols = cols, cells = cells }
  end

  it("draws one rect with a tooltip per cell, inside the view box, for 1x1 to 15x15", function()
    for _, size in ipairs({ { 1, 1 }, { 2, 3 }, { 5, 5 }, { 3, 15 }, { 15, 3 }, { 15, 15 } }) do
      for _, long in ipairs({ false, true }) do
        local map = grid(size[1], size[2], long)
        local s = svg.render(map, F.LEVELS)
        local what = ("%dx%d%s"):format(size[1], size[2], long and " long" or "")
        assert.are.equal(1, count(s, '<svg class="heatmap"'), what)
        assert.are.equal(size[1] * size[2], count(s, "<rect "), what)
        assert.is_true(check_markup(s))
        local w, h = s:match('viewBox="0 0 (%d+) (%d+)"')
        w, h = tonumber(w), tonumber(h)
        assert.is_true(w > 0 and w < 2000 and h > 0 and h < 1500, what)
        for x, y, rw, rh in s:gmatch('<rect x="([%d.]+)" y="([%d.]+)" width="([%d.]+)" height="([%d.]+)"') do
          assert.is_true(tonumber(x) >= 0 and tonumber(x) + tonumber(rw) <= w, what)
          assert.is_true(tonumber(y) >= 0 and tonumber(y) + tonumber(rh) <= h, what)
        end
        for r = 1, size[1] do
          for c = 1, size[2] do
            assert.truthy(s:find(tooltip(map, r, c), 1, true), what .. " " .. tooltip(map, r, c))
          end
        end
        if long then
          -- cut labels keep their full text in a tooltip
          assert.truthy(s:find("<g><title>" .. esc(map.rows[1]) .. "</title><text ", 1, true), what)
          assert.truthy(s:find("…</text>", 1, true), what)
        end
      end
    end
  end)

  it("fills cells by level, grey when empty, and escapes every label", function()
    local map = { title = "a<b", row_title = "L&\"", col_title = "I'>", rows = { "r<1>" }, cols = { "c&1", "c2", "c3" },
                  cells = { { { count = 4, level = "High" }, { count = 0 }, { count = 2 } } } }
    local s = svg.render(map, F.LEVELS)
    local high = colors.level_colors(F.LEVELS).High
    assert.truthy(s:find('fill="' .. high .. '"', 1, true))
    assert.truthy(s:find('fill="' .. colors.EMPTY_FILL .. '"', 1, true))
    assert.truthy(s:find('fill="' .. colors.NO_LEVEL_FILL .. '"', 1, true))
    assert.truthy(s:find("<title>r&lt;1&gt; x c&amp;1: 4 risks, High</title>", 1, true))
    assert.truthy(s:find("<title>r&lt;1&gt; x c2: 0 risks</title>", 1, true))
    assert.truthy(s:find("<title>r&lt;1&gt; x c3: 2 risks, no level</title>", 1, true))
    assert.truthy(s:find(">L&amp;&quot;</text>", 1, true))
    assert.truthy(s:find(">I&#39;&gt;</text>", 1, true))
    assert.truthy(s:find('transform="rotate(-90 ', 1, true))   -- the row title
    assert.is_true(check_markup(s))
    assert.falsy(s:find("http", 1, true))
  end)
end)

-- ------------------------------------------------------------------ html

describe("html", function()
  local model = F.model()
  local page = html.render(model)

  it("is one HTML5 page with inline CSS and balanced markup", function()
    assert.are.equal(1, page:find("<!DOCTYPE html>\n", 1, true))
    assert.truthy(page:find('<meta charset="utf-8">', 1, true))
    assert.are.equal(1, count(page, "<style>"))
    assert.truthy(page:find("position: sticky", 1, true))
    assert.truthy(page:find("nth-child(even)", 1, true))
    assert.truthy(page:find("@media print", 1, true))
    assert.is_true(check_markup(page))
    for _, tag in ipairs({ "html", "head", "body", "main", "section", "table", "thead", "tbody", "tr", "svg",
                           "figure", "ul", "li", "dl" }) do
      local open = select(2, page:gsub("<" .. tag .. "[ >]", ""))
      assert.are.equal(open, count(page, "</" .. tag .. ">"), tag)
    end
  end)

  it("holds no script and no URL", function()
    assert.falsy(page:lower():find("<script", 1, true))
    assert.falsy(page:find("http://", 1, true))
    assert.falsy(page:find("https://", 1, true))
    assert.falsy(page:find("url(", 1, true))
    assert.falsy(page:find("@import", 1, true))
    assert.falsy(page:find(" src=", 1, true))
    assert.falsy(page:find(" on%a+="))   -- no event handlers
  end)

  it("escapes every value", function()
    assert.truthy(page:find("<title>Statement of Applicability &amp; &lt;Risk&gt; Report</title>", 1, true))
    assert.truthy(page:find("<code>registers/q&amp;a &lt;test&gt;.db</code>", 1, true))
    assert.truthy(page:find("<td>" .. esc(NASTY) .. "</td>", 1, true))
    assert.truthy(page:find("<dt>Scope &lt;main&gt; &amp; &quot;HQ&quot;</dt>", 1, true))
    assert.truthy(page:find("&#39;single&#39;", 1, true))
    assert.falsy(page:find("<b>", 1, true))
    assert.falsy(page:find("'single'", 1, true))
  end)

  it("has a header, a table of contents and every section by id", function()
    assert.truthy(page:find("<h1>Statement of Applicability &amp; &lt;Risk&gt; Report</h1>", 1, true))
    assert.truthy(page:find('<p class="subtitle">ISO/IEC 27001:2022 Annex A, revision 3 — “draft”</p>', 1, true))
    assert.truthy(page:find("Generated <time>2026-11-23</time>", 1, true))
    for _, s in ipairs(model.sections) do
      assert.truthy(page:find(('<li><a href="#%s">%s</a></li>'):format(s.id, esc(s.title)), 1, true), s.id)
      assert.truthy(page:find(('<section id="%s" class="%s">\n<h2>%s</h2>'):format(s.id, s.kind, esc(s.title)), 1, true))
    end
    local m = F.model()
    m.sections[1].id = "a b<c>"
    m.sections[2].id = "a b<c>"
    local p = html.render(m)
    assert.truthy(p:find('<section id="a-b-c-"', 1, true))
    assert.truthy(p:find('<section id="a-b-c--2"', 1, true))
    assert.truthy(p:find('<a href="#a-b-c--2">', 1, true))
  end)

  it("writes facts as a description list and tables with numeric cells right-aligned", function()
    assert.truthy(page:find('<dl class="facts">\n<div><dt>Risks</dt><dd class="num">3818</dd></div>', 1, true))
    assert.truthy(page:find("<div><dt>Carried from 2013</dt><dd>yes</dd></div>", 1, true))
    assert.truthy(page:find('<th scope="col" class="num">Linked risks</th>', 1, true))
    assert.truthy(page:find('<td class="num">3818</td>', 1, true))
    assert.truthy(page:find('<tr><td class="word">A.8.7</td><td>Protection against malware</td><td class="num"></td><td class="word">yes</td><td></td></tr>',
                            1, true))
    assert.truthy(page:find('<p class="shown">4 of 93 rows</p>', 1, true))
    assert.truthy(page:find("No rows.", 1, true))
  end)

  it("puts the note under the title and problems, as errors, before the table", function()
    local sec = page:match('<section id="soa".-</section>')
    assert.truthy(sec:find('^<section id="soa" class="table">\n<h2>Statement of Applicability</h2>\n'
                           .. '<p class="note">The 4 first of 93 controls; all in XLSX</p>\n<ul class="problems">'))
    assert.truthy(sec:find("<li>A.8.7 is excluded but used by the treatment of R-0012 &lt;&amp;&gt;</li>", 1, true))
    assert.is_true(sec:find('<ul class="problems">', 1, true) < sec:find("<table", 1, true))
    assert.truthy(page:find("ul.problems {", 1, true))
  end)

  it("draws one svg per map, one rect and tooltip per cell, and a legend", function()
    local maps = model.sections[5].maps
    assert.are.equal(4, #maps)
    assert.are.equal(#maps, count(page, '<svg class="heatmap"'))
    assert.are.equal(#maps, count(page, '<figure class="heatmap">'))
    assert.are.equal(96, F.cell_count(model))
    assert.are.equal(96, count(page, "<rect "))
    for _, map in ipairs(maps) do
      for r in ipairs(map.rows) do
        for c in ipairs(map.cols) do
          assert.truthy(page:find(tooltip(map, r, c), 1, true), tooltip(map, r, c))
        end
      end
    end
    assert.truthy(page:find("<figcaption>Wide: " .. esc(NASTY) .. "</figcaption>", 1, true))
    assert.truthy(page:find('<p class="total">470 risks</p>', 1, true))
    assert.truthy(page:find('<p class="note">121 risks are not rated</p>', 1, true))
    local fills = colors.level_colors(model.sections[5].levels)
    for _, l in ipairs(model.sections[5].levels) do
      assert.truthy(page:find(('<li><span class="swatch" style="background:%s"></span>%s</li>')
                              :format(fills[l.name], l.name), 1, true), l.name)
    end
    assert.truthy(page:find("</span>No level</li>", 1, true))
    assert.truthy(page:find("</span>No risks</li>", 1, true))
    -- the maps sit side by side
    assert.truthy(page:find(".heatmaps { display: flex;", 1, true))
  end)

  it("marks confidential columns with a class and a badge, and the page with a banner", function()
    assert.truthy(page:find('<th scope="col" class="confidential">Justification<span class="badge">confidential</span></th>',
                            1, true))
    assert.are.equal(1, count(page, 'class="confidential"'))
    assert.are.equal(1, count(page, '<span class="badge">confidential</span>'))
    local banner = page:find('<p class="classification" role="note">This report contains confidential information</p>',
                             1, true)
    assert.truthy(banner)
    assert.is_true(banner < page:find("<header>", 1, true))
  end)

  it("has no confidential marks when no column is confidential", function()
    local p = html.render(F.public_model())
    assert.falsy(p:find('class="confidential"', 1, true))
    assert.falsy(p:find('class="badge"', 1, true))
    assert.falsy(p:find('class="classification"', 1, true))
    assert.falsy(p:find("This report contains confidential information", 1, true))
    assert.falsy(text.render(F.public_model(), "table"):find("[confidential]", 1, true))
    assert.falsy(text.render(F.public_model(), "markdown"):find("[confidential]", 1, true))
    assert.falsy(text.render(F.public_model(), "csv"):find("[confidential]", 1, true))
    assert.falsy(text.render(F.public_model(), "json"):find('"confidential":["', 1, true))
    assert.is_true(check_markup(p))
  end)

  it("renders a model with no sections", function()
    local p = html.render({ title = "Empty", sections = {} })
    assert.is_true(check_markup(p))
    assert.falsy(p:find("<nav", 1, true))
    assert.are.equal('{"title":"Empty","sections":[]}\n', text.render({ title = "Empty", sections = {} }, "json"))
  end)
end)
