--- Level colours of the report model: the fill of each risk level (its
-- own colour, or a green -> amber -> red scale over the ranks) and the
-- text colour that reads on a fill. Used by the HTML heat maps and the
-- XLSX fills alike, so a level has one colour in every format.
-- @module isms.report.colors
local M = {}

--- Fill of a cell without risks, and of a cell whose risks have no level.
M.EMPTY_FILL = "#EEEEEE"
M.NO_LEVEL_FILL = "#BDBDBD"

local STOPS = { "#2E7D32", "#F9A825", "#C62828" }   -- green, amber, red

local function hex_rgb(h)
  return tonumber(h:sub(2, 3), 16) / 255, tonumber(h:sub(4, 5), 16) / 255,
         tonumber(h:sub(6, 7), 16) / 255
end

local function rgb_hsl(r, g, b)
  local max, min = math.max(r, g, b), math.min(r, g, b)
  local l, d = (max + min) / 2, max - min
  if d == 0 then return 0, 0, l end
  local s = d / (1 - math.abs(2 * l - 1))
  local h
  if max == r then h = ((g - b) / d) % 6
  elseif max == g then h = (b - r) / d + 2
  else h = (r - g) / d + 4 end
  return h * 60, s, l
end

local function hsl_hex(h, s, l)
  local a = s * math.min(l, 1 - l)
  local function f(k0)
    local k = (k0 + h / 30) % 12
    return math.floor((l - a * math.max(-1, math.min(k - 3, 9 - k, 1))) * 255 + 0.5)
  end
  return ("#%02X%02X%02X"):format(f(0), f(8), f(4))
end

--- The colour at t (0..1) of the green -> amber -> red scale, as #RRGGBB.
function M.scale(t)
  t = math.max(0, math.min(1, t))
  local a, b, u = STOPS[1], STOPS[2], t * 2
  if t > 0.5 then a, b, u = STOPS[2], STOPS[3], (t - 0.5) * 2 end
  if u == 0 then return a end
  if u == 1 then return b end
  local h1, s1, l1 = rgb_hsl(hex_rgb(a))
  local h2, s2, l2 = rgb_hsl(hex_rgb(b))
  return hsl_hex(h1 + (h2 - h1) * u, s1 + (s2 - s1) * u, l1 + (l2 - l1) * u)
end

-- A colour given by a rule file, if it is one: #RGB or #RRGGBB, returned
-- as #RRGGBB (the XLSX writer takes the same value). Anything else (a
-- name, or text that could smuggle CSS or a URL into a style attribute)
-- is ignored.
local function given_color(c)
  if type(c) ~= "string" then return nil end
  if c:match("^#%x%x%x$") then c = c:gsub("%x", "%0%0") end
  if c:match("^#%x%x%x%x%x%x$") then return c:upper() end
  return nil
end

--- The fill of each level, by name, as #RRGGBB: its own `color` when it
-- is #RGB or #RRGGBB, else the green -> amber -> red scale at its rank's place among the
-- distinct ranks (lowest green, highest red, a lone rank amber).
-- @tparam table levels list of { name, rank, color }
-- @treturn table name -> colour
function M.level_colors(levels)
  local ranks, seen = {}, {}
  for i, l in ipairs(levels or {}) do
    local r = tonumber(l.rank) or i
    if not seen[r] then seen[r] = true; ranks[#ranks + 1] = r end
  end
  table.sort(ranks)
  local place = {}
  for i, r in ipairs(ranks) do place[r] = i end
  local out = {}
  for i, l in ipairs(levels or {}) do
    local t = #ranks > 1 and (place[tonumber(l.rank) or i] - 1) / (#ranks - 1) or 0.5
    out[l.name] = given_color(l.color) or M.scale(t)
  end
  return out
end

local function rgb(c)
  c = type(c) == "string" and given_color(c)
  if not c then return nil end
  return hex_rgb(c)
end

--- Black or white, whichever contrasts more with fill (WCAG relative
-- luminance); black for a colour it cannot read.
function M.text_color(fill)
  local r, g, b = rgb(fill)
  if not r then return "#000000" end
  local function lin(x) return x <= 0.03928 and x / 12.92 or ((x + 0.055) / 1.055) ^ 2.4 end
  local l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) and "#000000" or "#FFFFFF"
end

return M
