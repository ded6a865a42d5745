-- Where a CSV import's cells are (file:line:column in messages): the
-- reader finds every column of a row in one walk (isms_csv_columns), the
-- same columns as a walk per field (isms_csv_column) gives, with quotes,
-- separators inside quotes, multi-byte characters, cells that span lines
-- and rows shorter than the header.
local H = require "helper"
local csv_file = require "isms.store.csv_file"
local b = require "isms.store._ffi"

local ffi, C = b.ffi, b.C

local TEXT = table.concat({
  "requirement,title,status,notes",
  'A.5.1,"Policies, for security",met,plain',
  'A.5.2,"Rôles ""quoted""",not_met,"two',
  'lines, here",',
  "A.5.3,Zürich,,",
  "A.5.4,short",
  "",
}, "\n")

describe("CSV cell positions", function()
  it("are the columns a walk per field finds, from one walk per row", function()
    local path = H.file("positions.csv", TEXT)
    local rd = assert(csv_file.open(path))
    local col = { requirement = 1, title = 2, status = 3, notes = 4 }
    local seen = {}
    for _ in rd.next, rd do
      local where = rd:positions(col)
      local n = C.isms_csv_fields(rd.r)
      local line_out = ffi.new("int64_t[1]")
      for name, k in pairs(col) do
        local want = C.isms_csv_column(rd.r, math.min(k, n) - 1, line_out)
        assert.are.equal(("%s:%d:%d"):format(path, where[0], want), where[name])
      end
      seen[#seen + 1] = where.status
    end
    rd:close()
    assert.are.same({ path .. ":2:32", path .. ":3:26", path .. ":5:14", path .. ":6:7" }, seen)
  end)
end)
