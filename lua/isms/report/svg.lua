--- One risk heat map (a map of a `heatmaps` section, docs/report-model.md)
-- as inline SVG for an HTML page.
--
-- The SVG carries no xmlns: the HTML parser puts an inline <svg> in the
-- SVG namespace, and the page must hold no URL at all. Sizes are estimated
-- from character counts (no font metrics here): labels that would not fit
-- are wrapped or cut with "…", and the cut text gets a <title> with the
-- full label, shown as a tooltip.
-- @module isms.report.svg
local format = require "isms.store.format"
local text = require "isms.report.contract"
local colors = require "isms.report.colors"

local M = {}

-- ------------------------------------------------------------------- text

local ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

--- Escapes text for XML and HTML content and attribute values. Control
-- characters XML does not allow become U+FFFD.
function M.escape(s)
  s = tostring(s):gsub("[%z\1-\8\11\12\14-\31]", "\239\191\189")
  return (s:gsub("[&<>\"']", ESC))
end
local esc = M.escape

local UTF8_CHAR = "[%z\1-\127\194-\244][\128-\191]*"

-- Estimated advance of a character in em: CJK and other 3- and 4-byte
-- characters are about square, the rest of a sans-serif face about 0.62.
local function em(ch) return #ch >= 3 and 1 or 0.62 end

local function text_em(s)
  local w = 0
  for ch in s:gmatch(UTF8_CHAR) do w = w + em(ch) end
  return w
end

-- s cut to at most max_em (with "…"); second result true when cut.
local function fit(s, max_em)
  if text_em(s) <= max_em then return s, false end
  local out, w = {}, em("…")
  for ch in s:gmatch(UTF8_CHAR) do
    if w + em(ch) > max_em then break end
    out[#out + 1] = ch
    w = w + em(ch)
  end
  return (table.concat(out):gsub("%s+$", "")) .. "…", true
end

-- Words of s in lines of at most max_em; second result false when a word
-- is longer than a line or more than max_lines lines are needed.
local function wrap(s, max_em, max_lines)
  local lines, line, ok = {}, nil, true
  for word in s:gmatch("%S+") do
    if text_em(word) > max_em then ok = false end
    local try = line and line .. " " .. word or word
    if line and text_em(try) > max_em then
      lines[#lines + 1] = line
      line = word
    else
      line = try
    end
  end
  lines[#lines + 1] = line or ""
  return lines, ok and #lines <= max_lines
end

-- Coordinates with at most one decimal.
local function n(x)
  return (("%.1f"):format(x):gsub("%.0$", ""))
end


-- ------------------------------------------------------------------ layout

local LABEL = 11          -- label font size (px)
local AXIS = 12           -- axis title font size
local PAD = 6
local ROW_LABEL_EM = 20   -- longest row label before it is cut
local ROT_LABEL_EM = 18   -- longest rotated column label before it is cut
local SIN45 = math.sqrt(0.5)

-- Text that may have been cut: with a <title> holding the full text.
local function label(full, shown, cut, attrs)
  local t = "<text " .. attrs .. ">" .. esc(shown) .. "</text>"
  if cut then return "<g><title>" .. esc(full) .. "</title>" .. t .. "</g>" end
  return t
end

local function plan(map)
  local nrows, ncols = #map.rows, #map.cols
  local p = { nrows = nrows, ncols = ncols }
  -- Cells are as wide as the longest word of a column label (within
  -- bounds), narrower when there are many columns.
  local word_em = 0
  for _, l in ipairs(map.cols) do
    for w in tostring(l):gmatch("%S+") do word_em = math.max(word_em, text_em(w)) end
  end
  local max_w = math.max(44, math.floor(840 / math.max(ncols, 1)))
  p.cell_w = math.max(44, math.min(96, max_w, math.ceil(word_em * LABEL + 8)))
  p.cell_h = nrows > 8 and 32 or 40
  -- Column labels: wrapped under their cell when every one fits in three
  -- lines, else one line each, rotated 45 degrees.
  p.col_lines, p.rotated = {}, false
  local line_em = (p.cell_w - 6) / LABEL
  local lines_max = 1
  for c, l in ipairs(map.cols) do
    local lines, ok = wrap(tostring(l), line_em, 3)
    p.col_lines[c] = lines
    lines_max = math.max(lines_max, #lines)
    if not ok then p.rotated = true end
  end
  local rot_em = 0
  if p.rotated then
    for c, l in ipairs(map.cols) do
      local shown, cut = fit(tostring(l), ROT_LABEL_EM)
      p.col_lines[c] = { shown, cut = cut }
      rot_em = math.max(rot_em, text_em(shown))
    end
  end
  -- Row labels, right-aligned against the grid.
  local row_em = 1
  p.row_labels = {}
  for r, l in ipairs(map.rows) do
    local shown, cut = fit(tostring(l), ROW_LABEL_EM)
    p.row_labels[r] = { shown, cut = cut }
    row_em = math.max(row_em, text_em(shown))
  end
  p.grid_x = PAD + AXIS + 8 + math.ceil(row_em * LABEL) + 6
  p.grid_y = PAD
  if p.rotated then
    -- the first column's label runs down-left from its cell's centre
    local reach = rot_em * LABEL * SIN45
    p.grid_x = math.max(p.grid_x, math.ceil(PAD + reach - p.cell_w / 2))
    p.labels_h = math.ceil(reach + LABEL + 8)
  else
    p.labels_h = lines_max * (LABEL + 2) + 8
  end
  p.grid_w, p.grid_h = ncols * p.cell_w, nrows * p.cell_h
  p.width = p.grid_x + p.grid_w + PAD
  p.axis_y = p.grid_y + p.grid_h + p.labels_h + AXIS
  p.height = p.axis_y + PAD + 4
  return p
end

-- ------------------------------------------------------------------ render

local function cell_of(map, r, c)
  local row = map.cells and map.cells[r]
  return row and row[c] or {}
end

--- Renders one heat map as an inline `<svg class="heatmap">`: one <rect>
-- per cell, filled with the colour of the cell's level (light grey when it
-- has no risks), the count centred, a <title> tooltip
-- "ROW x COL: N risks, LEVEL" per cell, row labels left, column labels
-- below, the axis titles (the row title rotated).
-- @tparam table map a map of a heatmaps section
-- @tparam table levels the section's levels (lowest first)
-- @treturn string SVG markup
function M.render(map, levels)
  if type(map) ~= "table" or type(map.rows) ~= "table" or type(map.cols) ~= "table" then
    error("heatmap: a map needs rows and cols lists", 2)
  end
  local fills = colors.level_colors(levels)
  local p = plan(map)
  local out = {}
  local function put(s) out[#out + 1] = s end
  local name = map.title or ((map.row_title or "") .. " x " .. (map.col_title or ""))
  put(('<svg class="heatmap" viewBox="0 0 %d %d" width="%d" height="%d" role="img" '
       .. 'font-family="system-ui, sans-serif" font-size="%d">')
      :format(p.width, p.height, p.width, p.height, LABEL))
  put("<title>" .. esc(name) .. "</title>")
  -- cells
  for r = 1, p.nrows do
    for c = 1, p.ncols do
      local cell = cell_of(map, r, c)
      local count = tonumber(cell.count) or 0
      -- A cell with a zone (the level its position maps to) has that
      -- zone's colour, empty or not; without one, its risks' highest level.
      local fill
      if cell.zone ~= nil then fill = fills[cell.zone] or colors.NO_LEVEL_FILL
      else fill = count == 0 and colors.EMPTY_FILL or fills[cell.level] or colors.NO_LEVEL_FILL end
      local tip = ("%s x %s: %s"):format(tostring(map.rows[r]), tostring(map.cols[c]), text.risks(count))
      if cell.zone ~= nil then
        tip = tip .. ", zone " .. tostring(cell.zone)
        if count > 0 and cell.level ~= nil and cell.level ~= cell.zone then
          tip = tip .. " (its risks at most " .. tostring(cell.level) .. ")"
        end
      elseif count > 0 then
        tip = tip .. ", " .. (cell.level ~= nil and tostring(cell.level) or "no level")
      end
      local x, y = p.grid_x + (c - 1) * p.cell_w, p.grid_y + (r - 1) * p.cell_h
      -- an empty cell of a zoned map shows its colour only, as the
      -- matrix people know; its tooltip still says 0 risks
      local digits = (count == 0 and cell.zone ~= nil) and "" or format.number(count)
      local size = math.min(15, math.floor(p.cell_h * 0.45),
                            math.floor((p.cell_w - 8) / (math.max(#digits, 1) * 0.62)))
      put(('<g class="cell"><title>%s</title>'
           .. '<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#FFFFFF" stroke-width="2"/>'
           .. '<text x="%s" y="%s" text-anchor="middle" dominant-baseline="central" '
           .. 'font-size="%d" font-weight="%s" fill="%s">%s</text></g>')
          :format(esc(tip), n(x), n(y), n(p.cell_w), n(p.cell_h), esc(fill),
                  n(x + p.cell_w / 2), n(y + p.cell_h / 2), size, count == 0 and "400" or "600",
                  count == 0 and cell.zone == nil and "#757575" or colors.text_color(fill), digits))
    end
  end
  -- row labels
  for r, l in ipairs(p.row_labels) do
    put(label(tostring(map.rows[r]), l[1], l.cut,
              ('x="%s" y="%s" text-anchor="end" dominant-baseline="central" fill="#333333"')
              :format(n(p.grid_x - 6), n(p.grid_y + (r - 0.5) * p.cell_h))))
  end
  -- column labels
  local top = p.grid_y + p.grid_h + 6
  for c, lines in ipairs(p.col_lines) do
    local cx = p.grid_x + (c - 0.5) * p.cell_w
    if p.rotated then
      put(label(tostring(map.cols[c]), lines[1], lines.cut,
                ('x="%s" y="%s" text-anchor="end" dominant-baseline="central" fill="#333333" '
                 .. 'transform="rotate(-45 %s %s)"'):format(n(cx), n(top + 4), n(cx), n(top + 4))))
    else
      local spans = {}
      for i, line in ipairs(lines) do
        spans[i] = ('<tspan x="%s" dy="%s">%s</tspan>'):format(n(cx), i == 1 and "0" or "1.15em", esc(line))
      end
      put(('<text x="%s" y="%s" text-anchor="middle" dominant-baseline="hanging" fill="#333333">%s</text>')
          :format(n(cx), n(top), table.concat(spans)))
    end
  end
  -- axis titles: the column title under the labels, the row title rotated
  if map.col_title then
    local shown, cut = fit(tostring(map.col_title), (p.width - 2 * PAD) / AXIS)
    put(label(tostring(map.col_title), shown, cut,
              ('x="%s" y="%s" text-anchor="middle" font-size="%d" font-weight="600" fill="#1F2328"')
              :format(n(p.grid_x + p.grid_w / 2), n(p.axis_y), AXIS)))
  end
  if map.row_title then
    local shown, cut = fit(tostring(map.row_title), math.max(p.grid_h, 40) / AXIS)
    local x, y = PAD + AXIS / 2 + 2, p.grid_y + p.grid_h / 2
    put(label(tostring(map.row_title), shown, cut,
              ('x="%s" y="%s" text-anchor="middle" dominant-baseline="central" font-size="%d" '
               .. 'font-weight="600" fill="#1F2328" transform="rotate(-90 %s %s)"')
              :format(n(x), n(y), AXIS, n(x), n(y))))
  end
  put("</svg>")
  return table.concat(out)
end

-- ------------------------------------------------------------ line charts

--- One small line chart (a metric's trend) as an <svg class="linechart">:
-- chart = { title, unit, points = { { label = "2026-01-31", value = 12 },
-- ... } (oldest first; value nil for a gap), target = number (a dashed
-- line) }. Each point has a <title> tooltip "label: value unit".
function M.line_chart(chart)
  local W, H, L, R, T, B = 320, 120, 44, 10, 10, 22
  local pts = chart.points or {}
  local lo, hi
  for _, p in ipairs(pts) do
    local v = tonumber(p.value)
    if v then lo, hi = lo and math.min(lo, v) or v, hi and math.max(hi, v) or v end
  end
  local target = tonumber(chart.target)
  if target then
    lo, hi = lo and math.min(lo, target) or target, hi and math.max(hi, target) or target
  end
  lo, hi = lo or 0, hi or 1
  if hi == lo then lo, hi = lo - 1, hi + 1 end
  local function x(i)
    return L + (#pts > 1 and (i - 1) * (W - L - R) / (#pts - 1) or (W - L - R) / 2)
  end
  local function y(v) return T + (hi - v) * (H - T - B) / (hi - lo) end
  local out = { ('<svg class="linechart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" '
    .. 'width="%d" height="%d" role="img" aria-label="%s">'):format(W, H, W, H,
    esc(chart.title or "trend")) }
  out[#out + 1] = ('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8c959f"/>'):format(L, H - B, W - R,
                                                                                   H - B)
  out[#out + 1] = ('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8c959f"/>'):format(L, T, L, H - B)
  for _, v in ipairs { lo, hi } do
    out[#out + 1] = ('<text x="%d" y="%s" font-size="%d" text-anchor="end" dominant-baseline="middle" '
      .. 'fill="#57606a">%s</text>'):format(L - 4, n(y(v)), LABEL, esc(("%.4g"):format(v)))
  end
  if target then
    out[#out + 1] = ('<line class="target" x1="%d" y1="%s" x2="%d" y2="%s" stroke="#1a7f37" '
      .. 'stroke-dasharray="4 3"><title>target %s</title></line>'):format(L, n(y(target)), W - R,
      n(y(target)), esc(("%.4g"):format(target)))
  end
  local path = {}
  for i, p in ipairs(pts) do
    local v = tonumber(p.value)
    if v then path[#path + 1] = (#path == 0 and "M" or "L") .. n(x(i)) .. " " .. n(y(v))
    elseif #path > 0 then
      out[#out + 1] = '<path d="' .. table.concat(path, " ")
        .. '" fill="none" stroke="#0550ae" stroke-width="2"/>'
      path = {}
    end
  end
  if #path > 0 then
    out[#out + 1] = '<path d="' .. table.concat(path, " ")
      .. '" fill="none" stroke="#0550ae" stroke-width="2"/>'
  end
  for i, p in ipairs(pts) do
    local v = tonumber(p.value)
    if v then
      out[#out + 1] = ('<circle cx="%s" cy="%s" r="3" fill="#0550ae"><title>%s: %s%s</title></circle>')
        :format(n(x(i)), n(y(v)), esc(p.label or ""), esc(("%.4g"):format(v)),
                chart.unit and (" " .. esc(chart.unit)) or "")
    end
  end
  if pts[1] then
    out[#out + 1] = ('<text x="%d" y="%d" font-size="%d" fill="#57606a">%s</text>'):format(L, H - 6,
      LABEL, esc(pts[1].label or ""))
    out[#out + 1] = ('<text x="%d" y="%d" font-size="%d" text-anchor="end" fill="#57606a">%s</text>')
      :format(W - R, H - 6, LABEL, esc(pts[#pts].label or ""))
  end
  out[#out + 1] = "</svg>"
  return table.concat(out)
end

return M
