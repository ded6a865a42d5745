--- Where the package finds its library and shipped rules.
-- Everything is found relative to this file, so the same code works from
-- the source tree (lua/isms/ next to build/ and rules/) and installed
-- (PREFIX/share/lua/5.1/isms/ next to PREFIX/lib and PREFIX/share/isms).
-- Environment variables override: ISMS_LIB, ISMS_RULES_PATH.
local M = {}

-- Folds "dir/.." pairs so messages show clean paths.
local function normalize(path)
  local absolute = path:sub(1, 1) == "/"
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." and #parts > 0 and parts[#parts] ~= ".." then
      parts[#parts] = nil
    elseif part ~= "." then
      parts[#parts + 1] = part
    end
  end
  local joined = table.concat(parts, "/")
  if absolute then return "/" .. joined end
  return joined == "" and "." or joined
end
M.normalize = normalize

--- The file a chunk name ("@path") stands for. The executable loads the
-- package from bytecode (core/host/bytecode.c) whose chunk names are
-- relative to the package path (isms/cli/init.lua): for those, the source
-- the package path finds. nil for a chunk that is no file ("=stdin").
function M.source_file(chunkname)
  local path = chunkname:match("^@(.*)$")
  if not path then return nil end
  local module = path:match("^(isms/.*)%.lua$")
  if module and package.searchpath then
    module = module:gsub("/init$", ""):gsub("/", ".")
    path = package.searchpath(module, package.path) or path
  end
  return path
end

-- This file is isms/store/_paths.lua: the package directory is one up.
local this_file = M.source_file(debug.getinfo(1, "S").source) or "."
local here = normalize((this_file:match("^(.*)/[^/]*$") or ".") .. "/..")

--- The package directory (…/isms).
M.package_dir = here

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end
M.exists = exists

--- Candidate paths of libisms, most specific first.
function M.library_candidates()
  local list = {}
  local env = os.getenv("ISMS_LIB")
  if env and env ~= "" then list[#list + 1] = env end
  list[#list + 1] = normalize(here .. "/../../build/libisms.so")        -- source tree
  list[#list + 1] = normalize(here .. "/../../../../lib/libisms.so.0")  -- PREFIX/share/lua/5.1/isms
  list[#list + 1] = "libisms.so.0"                              -- system search path
  return list
end

--- Directories searched for rule files, in order.
function M.rules_dirs()
  local dirs = {}
  local env = os.getenv("ISMS_RULES_PATH")
  if env and env ~= "" then
    for dir in env:gmatch("[^:]+") do dirs[#dirs + 1] = dir end
  end
  for _, dir in ipairs({ normalize(here .. "/../../rules"), normalize(here .. "/../../../isms/rules") }) do
    if exists(dir .. "/methodologies/qism-fmea.lua") then dirs[#dirs + 1] = dir end
  end
  return dirs
end

return M
