--- Loading every domain package on demand (private).
-- `require "isms"` no longer loads the domain packages up front: a command
-- loads what it uses, and the packages add their register methods, record
-- kinds, resolvers and action sources when they load. What asks for all
-- of them -- a register method no loaded package defines, a record kind or
-- resolver not defined yet, the list of every kind or action source --
-- calls M.load_all() first, which runs the loader isms/init.lua set (its
-- list of domain packages, in their usual order). Without `require "isms"`
-- (a script that requires one package) there is no loader and nothing
-- more loads, as before.
local M = {}

local loader

--- Sets the function that loads every domain package (isms/init.lua).
function M.set_loader(fn) loader = fn end

--- Loads every domain package, once; later calls, and calls made while
-- the packages load, do nothing.
function M.load_all()
  local fn = loader
  if not fn then return end
  loader = nil
  M.loaded_all = true
  fn()
end

return M
