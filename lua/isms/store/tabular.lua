--- One reader for the tables imports read: CSV (isms.store.csv_file) and
-- XLSX (one worksheet, read by the core with minizip and expat:
-- isms_xlsx_sheet_json). Both give the same object: `header` (the first
-- row's trimmed cells), `header_at[k]` (where header cell k is), `next()`
-- (the next data row as a list of cells, rows of empty cells skipped),
-- `positions(column_of)` (where the current row's cells are, formatted
-- only when read) and `close()`. Positions are "file:line:column" in a CSV
-- and "file:Sheet!C7" in a workbook.
--
-- In a worksheet the table starts at its first row holding a value (the
-- header) and at the header's first cell: cells left of it are not part
-- of the table. Cells come as a person reads them (dates YYYY-MM-DD,
-- booleans TRUE/FALSE); a cell holding an error value (#N/A) refuses the
-- whole file, naming the cell.
local b = require "isms.store._ffi"
local csv_file = require "isms.store.csv_file"
local cjson = require("cjson.safe").new()

local ffi, C = b.ffi, b.C
local M = {}

--- Whether path names a workbook (by its extension: .xlsx or .xlsm).
function M.is_xlsx(path)
  local ext = tostring(path):match("%.(%w+)$")
  ext = ext and ext:lower()
  return ext == "xlsx" or ext == "xlsm"
end

--- Column letters of a 1-based column: 1 -> "A", 28 -> "AB".
function M.column_name(k)
  local s = ""
  while k > 0 do
    local rem = (k - 1) % 26
    s = string.char(65 + rem) .. s
    k = (k - 1 - rem) / 26
  end
  return s
end

--- 1-based column of a reference's letters: "AB7" -> 28.
local byte = string.byte
local function column_of_ref(ref)
  local n, i = 0, 1
  local c = byte(ref, 1)
  while c and c >= 65 and c <= 90 do
    n = n * 26 + c - 64
    i = i + 1
    c = byte(ref, i)
  end
  return n
end
M.column_of_ref = column_of_ref

local Sheet = {}
Sheet.__index = Sheet

local json_out, err_out = ffi.new("char *[1]"), ffi.new("char *[1]")

-- The sheet's rows as the core reads them: { sheet, sheets, rows }.
local function read_sheet(path, sheet)
  json_out[0], err_out[0] = nil, nil
  local rc = C.isms_xlsx_sheet_json(path, sheet, json_out, err_out)
  if rc ~= 0 then
    local msg = err_out[0] ~= nil and ffi.string(err_out[0]) or (path .. ": cannot read")
    C.isms_free(err_out[0])
    return nil, msg, rc == 3 and "IO" or rc == 2 and "NOMEM" or "INPUT"
  end
  local text = ffi.string(json_out[0])
  C.isms_free(json_out[0])
  local doc, e = cjson.decode(text)
  if not doc then return nil, path .. ": " .. tostring(e), "INPUT" end
  return doc
end

--- Opens one worksheet (opts.sheet, or the first); the same interface as
-- a CSV reader. Returns nil, message, code ("IO" or "INPUT") on failure.
function M.open_xlsx(path, opts)
  local doc, e, code = read_sheet(path, opts and opts.sheet)
  if not doc then return nil, e, code end
  local self = setmetatable({ path = path, sheet = doc.sheet, sheets = doc.sheets,
                              rows = doc.rows, i = 1 }, Sheet)
  self.prefix = ("%s:%s!"):format(path, doc.sheet)
  local head = doc.rows[1]
  if not head then
    return nil, ("%sA1: sheet '%s' is empty; expected a header row"):format(self.prefix, doc.sheet),
      "INPUT"
  end
  -- The table's columns: from the header's first cell to its last.
  local first = column_of_ref(head.cells[1][1])
  local last = column_of_ref(head.cells[#head.cells][1])
  self.first, self.ncols, self.line = first, last - first + 1, head.r
  self.header, self.header_at = {}, {}
  for k = 1, self.ncols do self.header[k] = "" end
  for _, cell in ipairs(head.cells) do
    self.header[column_of_ref(cell[1]) - first + 1] = cell[2]:match("^%s*(.-)%s*$")
  end
  for k = 1, self.ncols do
    self.header_at[k] = self.prefix .. M.column_name(first + k - 1) .. head.r
  end
  return self
end

--- The next data row as a list of cells ("" for an empty one), or nil at
-- the end. Rows whose cells in the table's columns are all empty are
-- skipped, as a CSV reader skips rows of empty cells.
function Sheet:next()
  while true do
    self.i = self.i + 1
    local row = self.rows[self.i]
    if not row then
      self.cur = nil
      return nil
    end
    local cells, any, n = {}, false, self.ncols
    for _, cell in ipairs(row.cells) do
      local k = column_of_ref(cell[1]) - self.first + 1
      if k >= 1 then
        cells[k] = cell[2]
        if k > n then n = k end
        if not any and cell[2]:find("%S") then any = true end
      end
    end
    if any then
      for k = 1, n do cells[k] = cells[k] or "" end
      self.line = row.r
      return cells
    end
  end
end

--- "file:Sheet!C7" of cell k of the current row (k = 1 for the row).
function Sheet:where(k)
  return self.prefix .. M.column_name(self.first + math.max(k, 1) - 1) .. self.line
end

--- Where the cells of the current row are: a table field -> "file:Sheet!
-- C7" formatting a position only when read, and the row's position.
-- column_of: field name -> cell index k.
function Sheet:positions(column_of)
  local prefix, first, line = self.prefix, self.first, self.line
  return setmetatable({}, { __index = function(_, name)
    local k = column_of[name]
    if k then return prefix .. M.column_name(first + k - 1) .. line end
  end }), prefix .. M.column_name(first) .. line
end

function Sheet:close()
  self.rows = nil
end

-- ------------------------------------------------------------ writing

local table_err = ffi.new("char *[1]")

--- Writes a table people fill in as an XLSX worksheet (isms_xlsx_table):
-- columns = { { name, title, width, locked, numeric, values = { ... } } }
-- (values: a drop-down list), rows = list of tables keyed by column name
-- (or by position). Returns true, or nil, message, code.
function M.write_xlsx(path, sheet, columns, rows)
  local nc, nr = #columns, #rows
  local cols = ffi.new("isms_xlsx_column[?]", nc)
  local keep = {}
  local function cstrings(list)
    local arr = ffi.new("const char *[?]", math.max(#list, 1))
    for k, v in ipairs(list) do arr[k - 1] = v end
    keep[#keep + 1] = arr
    keep[#keep + 1] = list
    return arr
  end
  for k, col in ipairs(columns) do
    local c = cols[k - 1]
    local title = col.title or col.name or ""
    keep[#keep + 1] = title
    c.title, c.width = title, col.width or 0
    c.locked, c.numeric = col.locked and 1 or 0, col.numeric and 1 or 0
    if col.values and #col.values > 0 then
      local values = {}
      for j, v in ipairs(col.values) do values[j] = tostring(v) end
      c.nvalues, c.values = #values, cstrings(values)
    end
  end
  local cells = ffi.new("const char *[?]", math.max(nr * nc, 1))
  for r, row in ipairs(rows) do
    for k, col in ipairs(columns) do
      local v = row[col.name]
      if v == nil then v = row[k] end
      if v ~= nil and v ~= "" then
        v = tostring(v)
        keep[#keep + 1] = v
        cells[(r - 1) * nc + k - 1] = v
      end
    end
  end
  table_err[0] = nil
  local rc = C.isms_xlsx_table(path, sheet, nc, cols, nr, cells, table_err)
  keep = nil  -- luacheck: ignore 311 (the strings live until here)
  if rc ~= 0 then
    local msg = table_err[0] ~= nil and ffi.string(table_err[0]) or (path .. ": cannot write")
    C.isms_free(table_err[0])
    return nil, msg, rc == 3 and "IO" or rc == 9 and "USAGE" or "ERROR"
  end
  return true
end

--- Opens path as a table: a workbook (.xlsx, .xlsm) or CSV. opts.sheet
-- picks a worksheet by name (a workbook only). Returns a reader (see the
-- top of this file) or nil, message, code.
function M.open(path, opts)
  opts = opts or {}
  if M.is_xlsx(path) then return M.open_xlsx(path, opts) end
  if opts.sheet then
    return nil, ("%s: --sheet is for XLSX workbooks; this is read as CSV"):format(path), "USAGE"
  end
  return csv_file.open(path)
end

return M
