--- Read-only SQL helpers shared by the incident, supplier and currency
-- packages (private): the first row or all rows of a query, and running
-- a large read with the register file mapped into memory.
local M = {}

--- The first row of a query, or nil (the cursor is read to its end, so
-- it closes at once).
function M.first(reg, sql, ...)
  local row
  for r in reg:query(sql, ...) do row = row or r end
  return row
end

--- The rows of a query as a list.
function M.all(reg, sql, ...)
  local list = {}
  for r in reg:query(sql, ...) do list[#list + 1] = r end
  return list
end

-- How much of the register a large read maps (SQLite caps it at 2 GiB).
local MAP_BYTES = 1073741824

--- Runs fn(...) with the register file memory-mapped for reading: a set
-- computation over millions of risks then reads pages in place instead
-- of copying each through SQLite's small page cache (system time falls
-- from about the query's own CPU time to almost nothing). The mapping is
-- dropped afterwards, even if fn raises.
function M.mapped(reg, fn, ...)
  for _ in reg:query("PRAGMA mmap_size = " .. MAP_BYTES) do end  -- luacheck: ignore 512
  local res = { pcall(fn, ...) }
  for _ in reg:query("PRAGMA mmap_size = 0") do end  -- luacheck: ignore 512
  if not res[1] then error(res[2], 0) end
  return unpack(res, 2, table.maxn(res))
end

return M
