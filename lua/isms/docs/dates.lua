--- Calendar arithmetic on YYYY-MM-DD texts for the registers of running
-- the ISMS (review cycles, retention periods, audit intervals, metric
-- frequencies). Dates are checked by isms.store.records.date.
local M = {}

local function leap(y) return y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0) end

local function month_days(y, m)
  return ({ 31, leap(y) and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 })[m]
end

--- The date n months after d (the day clamped to the month's last:
-- 2026-01-31 plus one month is 2026-02-28).
function M.add_months(d, n)
  local y, m, day = d:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  y, m, day = tonumber(y), tonumber(m), tonumber(day)
  local total = y * 12 + (m - 1) + n
  y, m = math.floor(total / 12), total % 12 + 1
  return ("%04d-%02d-%02d"):format(y, m, math.min(day, month_days(y, m)))
end

--- The date n days after d.
function M.add_days(d, n)
  local y, m, day = d:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  local t = os.time({ year = tonumber(y), month = tonumber(m), day = tonumber(day) + n, hour = 12 })
  return os.date("%Y-%m-%d", t)
end

--- Whole days from a to b (b - a): the store's own.
M.days = require("isms.store.records").days

--- "2026-Q3" style quarter of a date.
function M.quarter(d)
  return ("%s-Q%d"):format(d:sub(1, 4), math.floor((tonumber(d:sub(6, 7)) - 1) / 3) + 1)
end

return M
