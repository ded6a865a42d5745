--- A raw SQLite connection for the specs, through the system libsqlite3
-- and the FFI: to hold a lock at a moment the spec chooses, or to build a
-- register the way an older isms left it.
local ffi = require "ffi"

pcall(ffi.cdef, [[
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
int sqlite3_open(const char *filename, sqlite3 **ppDb);
int sqlite3_exec(sqlite3 *, const char *sql, void *callback, void *arg, char **errmsg);
int sqlite3_close(sqlite3 *);
const char *sqlite3_errmsg(sqlite3 *);
int sqlite3_prepare_v2(sqlite3 *, const char *sql, int n, sqlite3_stmt **st, const char **tail);
int sqlite3_step(sqlite3_stmt *);
int sqlite3_column_count(sqlite3_stmt *);
const unsigned char *sqlite3_column_text(sqlite3_stmt *, int);
int sqlite3_finalize(sqlite3_stmt *);
]])
local lib = ffi.load("sqlite3")

local M = {}

--- Opens path: conn:exec(sql) raises on failure; conn:rows(sql) returns
-- the rows as lists of texts (nil for NULL); conn:close().
function M.connect(path)
  local out = ffi.new("sqlite3*[1]")
  assert(lib.sqlite3_open(path, out) == 0, "cannot open " .. path)
  local conn = out[0]
  local c = {}
  function c.exec(_, sql)
    if lib.sqlite3_exec(conn, sql, nil, nil, nil) ~= 0 then
      error(ffi.string(lib.sqlite3_errmsg(conn)) .. " in: " .. sql:sub(1, 200), 2)
    end
  end
  function c.rows(_, sql)
    local st = ffi.new("sqlite3_stmt*[1]")
    if lib.sqlite3_prepare_v2(conn, sql, -1, st, nil) ~= 0 then
      error(ffi.string(lib.sqlite3_errmsg(conn)), 2)
    end
    local rows = {}
    while lib.sqlite3_step(st[0]) == 100 do
      local row = {}
      for k = 0, lib.sqlite3_column_count(st[0]) - 1 do
        local t = lib.sqlite3_column_text(st[0], k)
        row[k + 1] = t ~= nil and ffi.string(t) or nil
      end
      rows[#rows + 1] = row
    end
    lib.sqlite3_finalize(st[0])
    return rows
  end
  function c.close() lib.sqlite3_close(conn) end
  return c
end

return M
