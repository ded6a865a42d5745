--- Renders a report model (docs/report-model.md) as a text table, CSV,
-- JSON or Markdown. Rows go through `isms.format`, so a cell reads the same
-- here as in every other table the CLI prints.
--
-- Layout per format:
--
-- * table: the report title, then each section under its title; notes and
--   problems ("error: ...") before the rows; heat maps as grids of
--   "count level" cells. Control characters in cells become spaces.
-- * csv: each section starts with a one-cell line holding its title and
--   sections are separated by an empty line; then the note and the problems
--   ("error: ...") as one-cell lines, then the section's lines: facts as
--   `label,value`, a table as a header line and its rows, each heat map as
--   a one-cell line with the map's title and a grid of counts.
-- * json: the model with keys in a fixed order (see `json_model`); table
--   rows as objects keyed by column key in column order, and a
--   `"confidential"` array of column keys in every table section.
-- * markdown: `#` title, `##` per section, `###` per heat map, pipe tables.
-- @module isms.report.text
local cjson = require "cjson"
local format = require "isms.store.format"
local contract = require "isms.report.contract"

local M = {}

local cell_text, width = contract.cell_text, contract.width

-- ------------------------------------------------------------------- table

-- One line of terminal text: control characters (newlines, tabs, escape
-- sequences) would break the alignment or the terminal.
local function line_text(v)
  return (cell_text(v):gsub("\r\n", " "):gsub("%c", " "))
end

local function underline(title, ch)
  return title .. "\n" .. ch:rep(width(title)) .. "\n"
end

local function table_facts(s)
  local rows, label_w = {}, 1
  for i, f in ipairs(s.facts or {}) do
    rows[i] = { label = line_text(f.label), value = line_text(f.value) }
    label_w = math.max(label_w, width(rows[i].label))
  end
  if #rows == 0 then return "" end
  -- format.table aligns by display width; facts have no header, so its
  -- header and rule lines are dropped.
  local t = format.table(rows, { { "label", "", label_w }, { "value", "", 1000 } })
  return (t:gsub("^[^\n]*\n[^\n]*\n", ""))
end

local function table_table(s)
  local cols, rows = {}, {}
  for r in ipairs(s.rows) do rows[r] = {} end
  for k, c in ipairs(s.columns) do
    local title = line_text(contract.column_title(c))
    local w = width(title)
    for r, row in ipairs(s.rows) do
      rows[r][k] = line_text(row[c.key])
      w = math.max(w, width(rows[r][k]))
    end
    if c.numeric then
      -- format.table left-aligns: numbers are padded to the column width.
      for r in ipairs(s.rows) do
        rows[r][k] = (" "):rep(w - width(rows[r][k])) .. rows[r][k]
      end
    end
    cols[k] = { k, title, c.numeric and math.max(40, w) or nil }
  end
  return format.table(rows, cols)
end

local function heat_cell(cell)
  if not cell then return "0" end
  local s = format.number(cell.count or 0)
  if cell.level ~= nil then s = s .. " " .. line_text(cell.level) end
  return s
end

local function table_map(map)
  local cols = { { 1, line_text(map.row_title or "") .. " \\ " .. line_text(map.col_title or "") } }
  for c, label in ipairs(map.cols) do cols[c + 1] = { c + 1, line_text(label) } end
  local rows = {}
  for r, label in ipairs(map.rows) do
    local row = { line_text(label) }
    for c in ipairs(map.cols) do row[c + 1] = heat_cell((map.cells[r] or {})[c]) end
    rows[r] = row
  end
  local out = { line_text(map.title or "") }
  if map.total then out[1] = out[1] .. " (" .. contract.risks(map.total) .. ")" end
  out[#out + 1] = "\n" .. format.table(rows, cols)
  if map.note then out[#out + 1] = line_text(map.note) .. "\n" end
  return table.concat(out)
end

local function levels_line(levels)
  local names = {}
  for i, l in ipairs(levels or {}) do names[i] = line_text(l.name) end
  if #names == 0 then return "" end
  return "Levels (lowest first): " .. table.concat(names, ", ") .. "\n"
end

local function render_table(model)
  local out = {}
  out[1] = underline(line_text(model.title or "Report"), "=")
  if model.subtitle then out[#out + 1] = line_text(model.subtitle) .. "\n" end
  local meta = {}
  if model.generated_at then meta[#meta + 1] = "Generated " .. line_text(model.generated_at) end
  if model.register then meta[#meta + 1] = "from " .. line_text(model.register) end
  if #meta > 0 then out[#out + 1] = table.concat(meta, " ") .. "\n" end
  for _, s in ipairs(model.sections) do
    local part = { "\n", underline(line_text(s.title or s.id or ""), "-") }
    if s.note then part[#part + 1] = line_text(s.note) .. "\n" end
    for _, p in ipairs(s.problems or {}) do part[#part + 1] = "error: " .. line_text(p) .. "\n" end
    if s.kind == "facts" then
      part[#part + 1] = table_facts(s)
    elseif s.kind == "table" then
      part[#part + 1] = table_table(s)
      local shown = contract.shown(s)
      if shown then part[#part + 1] = shown .. "\n" end
    else
      for i, map in ipairs(s.maps or {}) do
        if i > 1 then part[#part + 1] = "\n" end
        part[#part + 1] = table_map(map)
      end
      part[#part + 1] = "\n" .. levels_line(s.levels)
    end
    out[#out + 1] = table.concat(part)
  end
  return table.concat(out)
end

-- --------------------------------------------------------------------- csv

-- Lines through format.csv. It writes the keys as its header line, so the
-- rows are given as arrays (keys 1..n) and that line ("1,2,...") is dropped.
local function csv_lines(rows, n)
  local keys = {}
  for k = 1, n do keys[k] = k end
  return (format.csv(rows, keys):gsub("^[^\n]*\n", ""))
end

local function csv_one(text) return csv_lines({ { text } }, 1) end

local function csv_section(s)
  local out = { csv_one(s.title or s.id or "") }
  if s.note then out[#out + 1] = csv_one(s.note) end
  for _, p in ipairs(s.problems or {}) do out[#out + 1] = csv_one("error: " .. cell_text(p)) end
  if s.kind == "facts" then
    local rows = {}
    for i, f in ipairs(s.facts or {}) do rows[i] = { f.label, f.value } end
    out[#out + 1] = csv_lines(rows, 2)
  elseif s.kind == "table" then
    local rows, head = {}, {}
    for k, c in ipairs(s.columns) do head[k] = contract.column_title(c) end
    rows[1] = head
    for r, row in ipairs(s.rows) do
      local line = {}
      for k, c in ipairs(s.columns) do line[k] = row[c.key] end
      rows[r + 1] = line
    end
    out[#out + 1] = csv_lines(rows, #s.columns)
  else
    for i, map in ipairs(s.maps or {}) do
      if i > 1 then out[#out + 1] = "\n" end
      out[#out + 1] = csv_one(map.title or "")
      local rows = { { cell_text(map.row_title) .. " \\ " .. cell_text(map.col_title) } }
      for c, label in ipairs(map.cols) do rows[1][c + 1] = label end
      for r, label in ipairs(map.rows) do
        local line = { label }
        for c in ipairs(map.cols) do
          local cell = (map.cells[r] or {})[c]
          line[c + 1] = cell and cell.count or 0
        end
        rows[r + 1] = line
      end
      out[#out + 1] = csv_lines(rows, #map.cols + 1)
    end
  end
  return table.concat(out)
end

local function render_csv(model)
  local out = {}
  for i, s in ipairs(model.sections) do out[i] = csv_section(s) end
  return table.concat(out, "\n")
end

-- -------------------------------------------------------------------- json

local generic

local function jarray(list, enc)
  local out = {}
  for i, v in ipairs(list) do out[i] = (enc or generic)(v) end
  return "[" .. table.concat(out, ",") .. "]"
end

-- An object with the keys of `order` first, in that order (absent ones
-- left out), then any other keys sorted; enc[key] encodes a known key.
local function jobject(t, order, enc)
  local parts, known = {}, {}
  for _, k in ipairs(order) do
    known[k] = true
    if t[k] ~= nil then
      parts[#parts + 1] = cjson.encode(k) .. ":" .. (enc and enc[k] or generic)(t[k])
    end
  end
  for _, k in ipairs(format.extra_keys(t, 0)) do
    if not known[k] then
      parts[#parts + 1] = cjson.encode(tostring(k)) .. ":" .. generic(t[k])
    end
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- Any other value: a table with only list items (or none) is an array
-- (cjson would write an empty table as {}), else an object, keys sorted.
function generic(v)
  if type(v) ~= "table" then return cjson.encode(v) end
  if #format.extra_keys(v, #v) == 0 then return jarray(v) end
  return jobject(v, {})
end

local function list_of(order, enc)
  local function item(v) return jobject(v, order, enc) end
  return function(list) return jarray(list, item) end
end

local COLUMN = { "key", "title", "numeric", "confidential" }
local FACT = { "label", "value" }
local CELL = { "count", "level" }
local MAP = { "title", "row_title", "col_title", "rows", "cols", "cells", "total", "note" }
local LEVEL = { "name", "rank", "color" }

local function cell_grid(grid)
  return jarray(grid, list_of(CELL))
end

local SECTION = {
  facts = { order = { "id", "title", "kind", "note", "problems", "facts" },
            enc = { facts = list_of(FACT) } },
  table = { order = { "id", "title", "kind", "note", "problems", "columns", "confidential",
                      "rows", "total" },
            enc = { columns = list_of(COLUMN) } },
  heatmaps = { order = { "id", "title", "kind", "note", "problems", "maps", "levels" },
               enc = { maps = list_of(MAP, { cells = cell_grid }), levels = list_of(LEVEL) } },
}

local function json_section(s)
  local spec = SECTION[s.kind]
  if s.kind ~= "table" then return jobject(s, spec.order, spec.enc) end
  local keys, conf = {}, {}
  for k, c in ipairs(s.columns) do
    keys[k] = c.key
    if c.confidential then conf[#conf + 1] = c.key end
  end
  -- format.json writes the rows, keys in column order; "confidential" is
  -- derived from the columns, so it goes into a shallow copy.
  local enc = setmetatable({
    confidential = function(list) return jarray(list) end,
    rows = function(rows) return (format.json(rows, keys):gsub("\n$", "")) end,
  }, { __index = spec.enc })
  local t = {}
  for _, k in ipairs(format.extra_keys(s, 0)) do t[k] = s[k] end
  t.confidential = conf
  return jobject(t, spec.order, enc)
end

--- The model as JSON: keys title, subtitle, generated_at, register,
-- sections (then any others, sorted); each section id, title, kind, note,
-- problems, then facts | columns, confidential, rows, total | maps, levels.
local function json_model(model)
  local function sections(list)
    local out = {}
    for i, s in ipairs(list) do out[i] = json_section(s) end
    if #out == 0 then return "[]" end
    return "[\n" .. table.concat(out, ",\n") .. "\n]"
  end
  return jobject(model, { "title", "subtitle", "generated_at", "register", "sections" },
                 { sections = sections }) .. "\n"
end

-- ---------------------------------------------------------------- markdown

-- Inline Markdown text: punctuation that could start markup is escaped
-- with a backslash; newlines become <br> in cells and spaces elsewhere.
local function md(v, newline)
  local s = cell_text(v):gsub("\r\n", "\n"):gsub("[\\`*_{}%[%]<>|~&#!]", "\\%0")
  s = s:gsub("\n", newline or "<br>"):gsub("[%z\1-\31\127]", " ")
  return s
end

local function md_row(cells)
  return "| " .. table.concat(cells, " | ") .. " |\n"
end

local function md_table(head, align, rows)
  local out = { md_row(head) }
  local rule = {}
  for k in ipairs(head) do rule[k] = align[k] and "---:" or "---" end
  out[2] = md_row(rule)
  for _, r in ipairs(rows) do out[#out + 1] = md_row(r) end
  return table.concat(out)
end

local function md_section(s)
  local out = { "## " .. md(s.title or s.id or "", " ") .. "\n\n" }
  if s.note then out[#out + 1] = "*" .. md(s.note) .. "*\n\n" end
  if s.problems and #s.problems > 0 then
    for _, p in ipairs(s.problems) do out[#out + 1] = "- **Error:** " .. md(p) .. "\n" end
    out[#out + 1] = "\n"
  end
  if s.kind == "facts" then
    for _, f in ipairs(s.facts or {}) do
      out[#out + 1] = "- **" .. md(f.label, " ") .. ":** " .. md(f.value) .. "\n"
    end
    out[#out + 1] = "\n"
  elseif s.kind == "table" then
    local head, align, rows = {}, {}, {}
    for k, c in ipairs(s.columns) do
      head[k] = md(c.title or c.key) .. (c.confidential and " [confidential]" or "")
      align[k] = c.numeric
    end
    for r, row in ipairs(s.rows) do
      rows[r] = {}
      for k, c in ipairs(s.columns) do rows[r][k] = md(row[c.key]) end
    end
    out[#out + 1] = md_table(head, align, rows)
    local shown = contract.shown(s)
    if shown then out[#out + 1] = "\n" .. shown .. ".\n" end
    out[#out + 1] = "\n"
  else
    for _, map in ipairs(s.maps or {}) do
      out[#out + 1] = "### " .. md(map.title or "", " ") .. "\n\n"
      local about = {}
      if map.total then about[#about + 1] = contract.risks(map.total) .. "." end
      if map.note then about[#about + 1] = md(map.note) end
      if #about > 0 then out[#out + 1] = table.concat(about, " ") .. "\n\n" end
      local head, align = { md(map.row_title or "") .. " \\\\ " .. md(map.col_title or "") }, { false }
      for c, label in ipairs(map.cols) do head[c + 1], align[c + 1] = md(label), true end
      local rows = {}
      for r, label in ipairs(map.rows) do
        local row = { md(label) }
        for c in ipairs(map.cols) do
          local cell = (map.cells[r] or {})[c]
          local text = format.number(cell and cell.count or 0)
          if cell and cell.level ~= nil then text = text .. " (" .. md(cell.level) .. ")" end
          row[c + 1] = text
        end
        rows[r] = row
      end
      out[#out + 1] = md_table(head, align, rows) .. "\n"
    end
    local names = {}
    for i, l in ipairs(s.levels or {}) do names[i] = md(l.name) end
    if #names > 0 then
      out[#out + 1] = "Levels, lowest first: " .. table.concat(names, ", ") .. ".\n\n"
    end
  end
  return table.concat(out)
end

local function render_markdown(model)
  local out = { "# " .. md(model.title or "Report", " ") .. "\n\n" }
  if model.subtitle then out[#out + 1] = md(model.subtitle) .. "\n\n" end
  local meta = {}
  if model.generated_at then meta[#meta + 1] = "Generated " .. md(model.generated_at) end
  if model.register then meta[#meta + 1] = "from " .. md(model.register) end
  if #meta > 0 then out[#out + 1] = table.concat(meta, " ") .. ".\n\n" end
  for _, s in ipairs(model.sections) do out[#out + 1] = md_section(s) end
  return (table.concat(out):gsub("\n\n$", "\n"))
end

-- ------------------------------------------------------------------ render

local RENDER = {
  table = render_table,
  csv = render_csv,
  json = json_model,
  markdown = render_markdown,
}

--- Renders a report model.
-- @tparam table model a report model (docs/report-model.md)
-- @tparam string fmt "table", "csv", "json" or "markdown"
-- @treturn string the report
-- @raise on another format (isms.report.render dispatches every format)
--   or on a model that is not a report model
M.FORMATS = { table = true, csv = true, json = true, markdown = true }

function M.render(model, fmt)
  local render = RENDER[fmt]
  if not render then
    error(("report: unknown text format '%s' (table, csv, json, markdown)"):format(tostring(fmt)), 2)
  end
  contract.check(model, 2)
  return render(model)
end

return M
