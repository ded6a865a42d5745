-- The whole report's model (lua/isms/report/models.lua, M.full) built
-- twice in one process: from the one-pass scan (core/report_scan.c) and
-- from the register read into columns (path "columns", the way before
-- issue #18), CPU seconds each and whether the models are the same.
--   isms --db REG run tests/bench/report_paths.lua TODAY   (report.sh runs it)
local isms = require "isms"
local models = require "isms.report.models"
local reg = assert(isms.open(isms.default_db()))
local today = arg[1] or "2027-01-15"
local function build(path)
  collectgarbage()
  local t0 = os.clock()
  local model = assert(models.full(reg, { today = today, path = path }))
  return os.clock() - t0, model
end
local cols_s, slow = build("columns")
local scan_s, fast = build(nil)
local function same_as(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same_as(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
local same = same_as(slow, fast)
print(("%.2f %.2f %s"):format(scan_s, cols_s, same and "same" or "DIFFERENT"))
