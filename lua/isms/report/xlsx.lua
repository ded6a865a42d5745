--- A report model as an XLSX workbook: each section as a sheet (facts,
-- tables, heat maps with their level fills), plus any sheets a builder
-- streams straight from the register, written by isms_report_xlsx in C
-- (libxlsxwriter, constant memory).
-- @module isms.report.xlsx
local b = require "isms.store._ffi"
local contract = require "isms.report.contract"
local colors = require "isms.report.colors"

local ffi, C = b.ffi, b.C
local M = {}

local NAME_MAX = 31  -- characters in a sheet name (Excel)

local function chars(t) return #t - select(2, t:gsub("[\128-\191]", "")) end

-- The first n characters of t (UTF-8).
local function prefix(t, n)
  local out, k = {}, 0
  for ch in t:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
    k = k + 1
    if k > n then break end
    out[k] = ch
  end
  return table.concat(out)
end

--- A sheet name for a title, never cut mid-word: characters Excel refuses
-- become spaces; a title longer than 31 characters keeps its first words
-- that fit (a single long word is cut); names already in `taken` (any
-- case) get " 2", " 3", ... within the limit.
-- @tparam string title
-- @tparam table taken lower-cased names already used (updated)
function M.sheet_name(title, taken)
  local t = tostring(title):gsub("[%[%]:%*%?/\\]", " "):gsub("%s+", " ")
  t = t:gsub("^[%s']+", ""):gsub("[%s']+$", "")
  if t == "" then t = "Sheet" end
  local function fit(text, max)
    if chars(text) <= max then return text end
    local out = ""
    for word in text:gmatch("%S+") do
      local try = out == "" and word or out .. " " .. word
      if chars(try) > max then break end
      out = try
    end
    if out == "" then out = prefix(text, max) end
    return (out:gsub("[%s%p]+$", ""))
  end
  local name = fit(t, NAME_MAX)
  local k = 1
  while taken[name:lower()] or name:lower() == "history" do
    k = k + 1
    local suffix = " " .. k
    name = fit(t, NAME_MAX - #suffix) .. suffix
  end
  taken[name:lower()] = true
  return name
end

--- A model section as in-memory sheets (facts, tables, heat maps); a
-- section's `sheet` field, when given, is its short sheet name.
function M.section_sheets(s, sheets)
  local function name(text)
    sheets.taken = sheets.taken or {}
    return M.sheet_name(text, sheets.taken)
  end
  if s.kind == "facts" then
    local cells = {}
    for _, f in ipairs(s.facts) do cells[#cells + 1] = { f.label, f.value } end
    -- a number stays a number, a date a date; other values are text
    sheets[#sheets + 1] = { name = name(s.sheet or s.title),
                            cols = { { "", "Item" }, { "", "Value", number = true, date = true } },
                            rows = cells }
  elseif s.kind == "table" then
    local cols, cells = {}, {}
    for k, c in ipairs(s.columns) do
      cols[k] = { "", c.title, number = c.numeric, date = c.date, confidential = c.confidential }
    end
    for _, p in ipairs(s.problems or {}) do
      local row = { "Problem: " .. p }
      cells[#cells + 1] = row
    end
    for _, r in ipairs(s.rows) do
      local row = {}
      for k, c in ipairs(s.columns) do row[k] = r[c.key] end
      cells[#cells + 1] = row
    end
    sheets[#sheets + 1] = { name = name(s.sheet or s.title), cols = cols, rows = cells }
  elseif s.kind == "heatmaps" then
    local fills_of = colors.level_colors(s.levels)
    for _, map in ipairs(s.maps) do
      local cols = { { "", map.row_title .. " \\ " .. map.col_title } }
      for _, label in ipairs(map.cols) do cols[#cols + 1] = { "", label, number = true } end
      local cells, fills = {}, {}
      for r, label in ipairs(map.rows) do
        local row, fill = { label }, { false }
        for c = 1, #map.cols do
          local cell = map.cells[r][c]
          row[c + 1] = cell.count
          -- the zone's colour (the level of the position), else the
          -- highest level of the cell's risks
          local lv = cell.zone or cell.level
          fill[c + 1] = lv and fills_of[lv] or false
        end
        cells[r], fills[r] = row, fill
      end
      local which = map.stage and (map.stage .. " treatment") or map.title:lower()
      sheets[#sheets + 1] = { name = name("Heat map " .. which), cols = cols,
                              rows = cells, fills = fills }
    end
  end
end

-- A cell as the text formats write it; empty is a blank cell.
local function cell_text(v)
  local s = contract.cell_text(v)
  return s ~= "" and s or nil
end

--- Writes sheets (`{ name, cols = { { expr, title, number, confidential } },
-- query, params | rows, fills }`) to an XLSX file through isms_report_xlsx.
function M.write(reg, path, title, sheets)
  local n = #sheets
  local cs = ffi.new("isms_sheet[?]", n)
  local keep = {}
  local function strings(list, len)
    local arr = ffi.new("const char *[?]", math.max(len, 1))
    for k = 1, len do
      local v = list[k]
      if v ~= nil then arr[k - 1] = v end
    end
    keep[#keep + 1] = arr
    keep[#keep + 1] = list
    return arr
  end
  for k, s in ipairs(sheets) do
    local sh = cs[k - 1]
    local nc = #s.cols
    local titles, kinds, conf = {}, ffi.new("uint8_t[?]", nc), ffi.new("uint8_t[?]", nc)
    for c, col in ipairs(s.cols) do
      titles[c] = col[2]
      kinds[c - 1] = (col.number and col.date) and C.ISMS_CELL_VALUE
        or col.number and C.ISMS_CELL_NUMBER or col.date and C.ISMS_CELL_DATE or C.ISMS_CELL_TEXT
      conf[c - 1] = col.confidential and 1 or 0
    end
    keep[#keep + 1] = kinds
    keep[#keep + 1] = conf
    keep[#keep + 1] = s.name
    sh.name, sh.ncols = s.name, nc
    sh.titles, sh.kinds, sh.confidential = strings(titles, nc), kinds, conf
    if s.query then
      local q = s.query
      -- the report's queries take the date as ?1: inline it (isms_sheet
      -- has no parameters); dates are checked YYYY-MM-DD text
      for _, p in ipairs(s.params or {}) do q = q:gsub("%?1", "'" .. p .. "'") end
      keep[#keep + 1] = q
      sh.query = q
    else
      local texts, fills = {}, {}
      local nr = #s.rows
      for r, row in ipairs(s.rows) do
        for c = 1, nc do
          texts[(r - 1) * nc + c] = cell_text(row[c])
          if s.fills then fills[(r - 1) * nc + c] = s.fills[r][c] or nil end
        end
      end
      sh.nrows = nr
      sh.cells = strings(texts, nr * nc)
      if s.fills then sh.fills = strings(fills, nr * nc) end
    end
  end
  local rc = C.isms_report_xlsx(reg.db, path, title, n, cs)
  keep = nil  -- luacheck: ignore 311 (the arrays live until here)
  if rc ~= 0 then return nil, ffi.string(C.isms_errmsg(reg.db)), b.code_names[rc] or "ERROR" end
  return true
end

return M
