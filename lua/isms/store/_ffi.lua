--- The LuaJIT FFI binding of libisms (private).
-- The declarations are not kept here: libisms returns the FFI block of its
-- own public header (isms_cdef), so the binding cannot drift from the C API.
local ffi = require "ffi"
local paths = require "isms.store._paths"

local M = { ffi = ffi }

-- Declared once per Lua state; ffi.cdef refuses redefinitions.
if not pcall(ffi.typeof, "isms_db") then
  ffi.cdef [[const char *isms_cdef(void);]]
end

local function bind()
  -- Inside the isms executable libisms is already linked: use it directly.
  local ok = pcall(function() return ffi.C.isms_cdef end)
  if ok then return ffi.C end
  local tried = {}
  for _, path in ipairs(paths.library_candidates()) do
    local loaded, lib = pcall(ffi.load, path)
    if loaded then return lib end
    tried[#tried + 1] = path
  end
  error("isms: cannot load libisms (tried " .. table.concat(tried, ", ") ..
        "); set ISMS_LIB to its path", 0)
end

local C = bind()
if not pcall(ffi.typeof, "isms_db") then
  ffi.cdef(ffi.string(C.isms_cdef()))
end
M.C = C

--- Copies a C string out, or returns nil for NULL.
function M.str(p)
  if p == nil then return nil end
  return ffi.string(p)
end

-- Symbolic names of the integer codes, for the third return value.
local code_names = {
  [0] = "OK", "ERROR", "NOMEM", "IO", "INPUT", "RULE", "SCHEMA", "STORAGE",
  "NOTFOUND", "MISUSE",
}
code_names[100] = "ROW"
code_names[101] = "DONE"
M.code_names = code_names

--- Exit codes of the CLI by failure kind (see docs/isms.1).
M.codes = {
  OK = 0, ERROR = 1, NOMEM = 2, IO = 3, INPUT = 4, RULE = 5, SCHEMA = 6,
  STORAGE = 7, NOTFOUND = 8, MISUSE = 9,
}

return M
