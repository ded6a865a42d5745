--- Reading a CSV file row by row for imports done in Lua (the C reader:
-- libcsv, UTF-8 checked, BOM skipped), with the file:line:column of every
-- cell for messages.
local b = require "isms.store._ffi"

local ffi, C = b.ffi, b.C
local new_table = require "table.new"  -- rows sized up front: no rehash as one fills
local M = {}

local Reader = {}
Reader.__index = Reader

--- Opens path; returns a reader whose `header` holds the first row's
-- trimmed cells, or nil, message, code ("IO" or "INPUT").
function M.open(path)
  local out = ffi.new("isms_csv_reader *[1]")
  local rc = C.isms_csv_open(path, out)
  local r = out[0] ~= nil and ffi.gc(out[0], C.isms_csv_close) or nil
  if rc ~= 0 then
    local msg = r and ffi.string(C.isms_csv_error(r)) or "out of memory"
    return nil, msg, rc == 3 and "IO" or "INPUT"
  end
  local self = setmetatable({ r = r, path = path, len = ffi.new("size_t[1]"),
                              line_out = ffi.new("int64_t[1]") }, Reader)
  if not self:next_raw() then return nil, path .. ":1:1: file is empty; expected a header row",
    "INPUT" end
  self.header, self.header_at = {}, {}
  for k = 1, self.n do
    self.header[k] = (self:cell(k) or ""):match("^%s*(.-)%s*$")
    self.header_at[k] = self:where(k)
  end
  return self
end

function Reader:next_raw()
  if C.isms_csv_next(self.r) ~= 100 then return false end
  self.n = C.isms_csv_fields(self.r)
  return true
end

--- Cell k (1-based) of the current row, or nil past its end.
function Reader:cell(k)
  if k > self.n then return nil end
  local p = C.isms_csv_field(self.r, k - 1, self.len)
  return p ~= nil and ffi.string(p, self.len[0]) or nil
end

--- The next data row as a list of cells, or nil at the end. A row of
-- nothing but empty cells is skipped (spreadsheets leave them).
function Reader:next()
  while self:next_raw() do
    local row, any = new_table(self.n, 0), false
    for k = 1, self.n do
      local v = self:cell(k)
      row[k] = v
      if not any and v and v:find("%S") then any = true end
    end
    if any then return row end
  end
  return nil
end

--- "path:line:col" of cell k of the current row (k = 1 for the row).
function Reader:where(k)
  local col = C.isms_csv_column(self.r, math.min(k, self.n) - 1, self.line_out)
  return ("%s:%d:%d"):format(self.path, tonumber(self.line_out[0]), col)
end

--- Where the cells of the current row are, as a table field -> "path:
-- line:col" that formats a position only when one is read (a message
-- needs a few; an import of thousands of rows would pay for all).
-- column_of: field name -> cell index k (the same table for every row of
-- an import). A row keeps its line at [0] and the column of each cell at
-- [k]; one metatable per reader and column_of turns a field name into
-- the text, so a row costs one small table (no closure, which LuaJIT
-- does not compile, and no pairs()).
function Reader:positions(column_of)
  local mt = self.pos_mt
  if not mt or self.pos_of ~= column_of then
    local path, most = self.path, 0
    for _, k in pairs(column_of) do most = math.max(most, k) end
    mt = { __index = function(t, name)
      local k = type(name) == "string" and column_of[name]
      if k then return ("%s:%d:%d"):format(path, t[0], t[k]) end
    end }
    self.pos_mt, self.pos_of, self.pos_most = mt, column_of, most
    self.pos_cols = ffi.new("int[?]", most + 1)
  end
  local r, n, most, cols = self.r, self.n, self.pos_most, self.pos_cols
  local line = tonumber(C.isms_csv_line(r))
  local t = new_table(most, 0)
  t[0] = line
  C.isms_csv_columns(r, math.min(most, n), cols)  -- every column in one walk of the row
  for k = 1, most do t[k] = cols[math.min(k, n) - 1] end
  return setmetatable(t, mt), ("%s:%d:1"):format(self.path, line)
end

function Reader:close()
  if self.r then
    C.isms_csv_close(ffi.gc(self.r, nil))
    self.r = nil
  end
end

return M
