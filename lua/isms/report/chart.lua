--- A line chart of a table section's rows (its optional `chart` field,
-- docs/report-model.md) as inline SVG for an HTML page: the loss
-- exceedance curve of quantitative risk -- loss on a log axis, the
-- probability of a year above it on a linear one, one line per series
-- (before and after treatment), and vertical marks (a threshold).
--
-- Like the heat maps (isms.report.svg): no xmlns and no URL, sizes from
-- character counts, every text escaped.
-- @module isms.report.chart
local svg = require "isms.report.svg"

local M = {}

local esc = svg.escape
local W, H = 720, 380
local LEFT, RIGHT, TOP, BOTTOM = 64, 24, 16, 58
local FONT = 11
local COLORS = { "#C62828", "#2E7D32", "#1565C0", "#6A1B9A" }

local function n(x) return (("%.1f"):format(x):gsub("%.0$", "")) end

--- 1500 -> "1.5k", 2000000 -> "2M".
function M.short(x)
  local units = { { 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" } }
  for _, u in ipairs(units) do
    if x >= u[1] then
      local v = x / u[1]
      return (("%.1f"):format(v):gsub("%.0$", "")) .. u[2]
    end
  end
  return (("%.1f"):format(x):gsub("%.0$", ""))
end

--- Renders the chart of a table section as `<svg class="chart">`, or nil
-- when it has fewer than two points with a positive x.
-- @tparam table s a table section with `chart = { x = key, x_title,
--   y_title, series = { { key, name, color } }, log_x = true,
--   marks = { { x, label } } }`; y values are probabilities 0..1
-- @treturn string|nil SVG markup
function M.render(s)
  local c = s.chart
  local pts = {}
  for _, row in ipairs(s.rows or {}) do
    local x = tonumber(row[c.x])
    if x and x > 0 then pts[#pts + 1] = row end
  end
  if #pts < 2 then return nil end
  local xmin, xmax = math.huge, 0
  for _, row in ipairs(pts) do
    local x = tonumber(row[c.x])
    xmin, xmax = math.min(xmin, x), math.max(xmax, x)
  end
  local lo, hi = math.floor(math.log10(xmin)), math.ceil(math.log10(xmax))
  if hi <= lo then hi = lo + 1 end
  local pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
  local function px(x) return LEFT + (math.log10(x) - lo) / (hi - lo) * pw end
  local function py(y) return TOP + (1 - y) * ph end
  local out = {}
  local function put(t) out[#out + 1] = t end
  put(('<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" '
       .. 'font-family="system-ui, sans-serif" font-size="%d">'):format(W, H, W, H, FONT))
  put("<title>" .. esc(s.title or "chart") .. "</title>")
  put(('<rect x="%d" y="%d" width="%d" height="%d" fill="#FFFFFF" stroke="#8C959F"/>')
      :format(LEFT, TOP, pw, ph))
  -- grid: y every 10%, labels every 20%; x at 1, 2, 5 of each decade
  for k = 0, 10 do
    local y = py(k / 10)
    put(('<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="%s"/>'):format(LEFT, n(y), LEFT + pw,
        n(y), k % 2 == 0 and "#D0D7DE" or "#EEF1F4"))
    if k % 2 == 0 then
      put(('<text x="%d" y="%s" text-anchor="end" dominant-baseline="central" fill="#424A53">'
           .. '%d%%</text>'):format(LEFT - 6, n(y), k * 10))
    end
  end
  for d = lo, hi do
    for _, m in ipairs({ 1, 2, 5 }) do
      local x = m * 10 ^ d
      if x >= 10 ^ lo and x <= 10 ^ hi then
        local X = px(x)
        put(('<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="%s"/>'):format(n(X), TOP, n(X),
            TOP + ph, m == 1 and "#D0D7DE" or "#EEF1F4"))
        if m == 1 or hi - lo <= 3 then
          put(('<text x="%s" y="%d" text-anchor="middle" dominant-baseline="hanging" '
               .. 'fill="#424A53">%s</text>'):format(n(X), TOP + ph + 6, esc(M.short(x))))
        end
      end
    end
  end
  -- marks (a threshold)
  for _, mark in ipairs(c.marks or {}) do
    local x = tonumber(mark.x)
    if x and x >= 10 ^ lo and x <= 10 ^ hi then
      local X = px(x)
      put(('<g><title>%s</title><line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#57606A" '
           .. 'stroke-dasharray="5 4"/><text x="%s" y="%d" fill="#57606A">%s</text></g>')
          :format(esc(mark.label or ""), n(X), TOP, n(X), TOP + ph, n(X + 4), TOP + 12,
                  esc(mark.label or "")))
    end
  end
  -- series
  for k, ser in ipairs(c.series or {}) do
    local color = ser.color or COLORS[(k - 1) % #COLORS + 1]
    local coords = {}
    for _, row in ipairs(pts) do
      local y = tonumber(row[ser.key])
      if y then coords[#coords + 1] = n(px(tonumber(row[c.x]))) .. "," .. n(py(math.max(0,
                                                                                  math.min(1, y)))) end
    end
    put(('<g class="series"><title>%s</title><polyline points="%s" fill="none" stroke="%s" '
         .. 'stroke-width="2.2" stroke-linejoin="round"/></g>')
        :format(esc(ser.name or ser.key), table.concat(coords, " "), esc(color)))
    -- legend, bottom left: an exceedance curve starts high on the left and
    -- falls to the right, so that corner stays empty
    local ly = TOP + ph - 14 - (#c.series - k) * 18
    put(('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>'
         .. '<text x="%d" y="%d" dominant-baseline="central" fill="#1F2328">%s</text>')
        :format(LEFT + 12, ly, LEFT + 36, ly, esc(color), LEFT + 42, ly,
                esc(ser.name or ser.key)))
  end
  -- axis titles
  put(('<text x="%s" y="%d" text-anchor="middle" font-size="12" font-weight="600" '
       .. 'fill="#1F2328">%s</text>'):format(n(LEFT + pw / 2), H - 10, esc(c.x_title or "")))
  put(('<text x="14" y="%s" text-anchor="middle" dominant-baseline="central" font-size="12" '
       .. 'font-weight="600" fill="#1F2328" transform="rotate(-90 14 %s)">%s</text>')
      :format(n(TOP + ph / 2), n(TOP + ph / 2), esc(c.y_title or "")))
  put("</svg>")
  return table.concat(out)
end

return M
