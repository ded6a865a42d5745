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

-- This file is isms/store/_paths.lua: the package directory is one up.
-- Loaded from the executable's bytecode (core/host/bytecode.c) its chunk
-- name is relative (isms/store/_paths.lua); the source it came from is the
-- one the package path finds.
local function this_file()
  local source = debug.getinfo(1, "S").source:match("^@(.*)$") or "."
  if source:sub(1, 1) ~= "/" and package.searchpath then
    source = package.searchpath("isms.store._paths", package.path) or source
  end
  return source
end
local here = normalize((this_file():match("^(.*)/[^/]*$") or ".") .. "/..")

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
