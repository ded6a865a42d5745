--- Rendering rows as a text table, CSV or JSON (for the CLI and scripts).
local cjson = require "cjson"

local M = {}

-- Display width in characters (UTF-8 continuation bytes do not count).
local function width(s)
  local _, cont = s:gsub("[\128-\191]", "")
  return #s - cont
end

local function cell_text(v)
  if v == nil then return "" end
  if v == true then return "yes" end
  if v == false then return "no" end
  if type(v) == "number" and v == math.floor(v) and math.abs(v) < 2^53 then
    return ("%d"):format(v)
  end
  return tostring(v)
end

local function truncate(s, max)
  if width(s) <= max then return s end
  -- cut on a character boundary
  local out, w = {}, 0
  for ch in s:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
    if w + 1 > max - 1 then break end
    out[#out + 1] = ch
    w = w + 1
  end
  return table.concat(out) .. "…"
end

--- The keys of t that are not its array part 1..n, sorted by their text:
-- what a printer of tables writes after the list items.
function M.extra_keys(t, n)
  local keys = {}
  for k in pairs(t) do
    if not (type(k) == "number" and k >= 1 and k <= n and k == math.floor(k)) then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

--- A number as short decimal text: 36 -> "36", 2.5 -> "2.5".
function M.number(x)
  if x == nil then return "" end
  return cell_text(tonumber(("%.15g"):format(x)))
end

--- Renders rows as an aligned text table.
-- @tparam table rows list of row tables
-- @tparam table columns list of column names (or {name, title, max})
function M.table(rows, columns)
  local cols = {}
  for k, c in ipairs(columns) do
    if type(c) == "string" then c = { c } end
    cols[k] = { key = c[1], title = c[2] or c[1], max = c[3] or 40 }
  end
  local widths, cells = {}, {}
  for k, c in ipairs(cols) do widths[k] = width(c.title) end
  for r, row in ipairs(rows) do
    cells[r] = {}
    for k, c in ipairs(cols) do
      local s = truncate(cell_text(row[c.key]), c.max)
      cells[r][k] = s
      if width(s) > widths[k] then widths[k] = width(s) end
    end
  end
  local out = {}
  local function line(values)
    local parts = {}
    for k, v in ipairs(values) do
      parts[k] = v .. (" "):rep(widths[k] - width(v))
    end
    out[#out + 1] = (table.concat(parts, "  "):gsub("%s+$", ""))
  end
  local titles, rules = {}, {}
  for k, c in ipairs(cols) do
    titles[k] = c.title
    rules[k] = ("-"):rep(widths[k])
  end
  line(titles)
  line(rules)
  for _, r in ipairs(cells) do line(r) end
  return table.concat(out, "\n") .. "\n"
end

local function csv_cell(v)
  local s = cell_text(v)
  if s:find('[,"\r\n]') or s:match("^%s") or s:match("%s$") then
    s = '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

--- Renders rows as CSV with a header line.
function M.csv(rows, columns)
  local out = {}
  local head = {}
  for k, c in ipairs(columns) do head[k] = csv_cell(c) end
  out[1] = table.concat(head, ",")
  for _, row in ipairs(rows) do
    local line = {}
    for k, c in ipairs(columns) do line[k] = csv_cell(row[c]) end
    out[#out + 1] = table.concat(line, ",")
  end
  return table.concat(out, "\n") .. "\n"
end

--- Renders rows as a JSON array of objects, keys in column order.
function M.json(rows, columns)
  local out = {}
  for r, row in ipairs(rows) do
    local fields = {}
    for k, c in ipairs(columns) do
      local v = row[c]
      fields[k] = cjson.encode(c) .. ":" .. (v == nil and "null" or cjson.encode(v))
    end
    out[r] = "{" .. table.concat(fields, ",") .. "}"
  end
  return "[" .. table.concat(out, ",\n ") .. "]\n"
end

return M
