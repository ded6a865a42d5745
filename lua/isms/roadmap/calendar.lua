--- Working-day calendars and calendar dates for roadmap schedules.
--
-- A calendar is a rule file in rules/calendars/ (docs/roadmaps.md):
--
--   calendar "hk-office" {
--     extends = "weekdays",               -- optional: the parent's holidays too
--     weekend = { "saturday", "sunday" },
--     holidays = { "2027-01-01", { annual = "12-25", title = "Christmas Day" } },
--   }
--
-- Dates are handled as day numbers (days since 1970-01-01, proleptic
-- Gregorian, computed with integer arithmetic, never os.time), so month
-- arithmetic and leap days do not depend on the machine's time zone. A
-- Timeline numbers the working days of a calendar from an origin, which
-- is what the schedule's forward and backward passes count in.
local rules = require "isms.rules"
local check = require "isms.rules.check"

local floor = math.floor
local M = {}

-- ------------------------------------------------------------ dates

--- Day number of a civil date (days since 1970-01-01).
function M.day_number(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

--- The civil date of a day number: year, month, day.
function M.civil(z)
  z = z + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local d = doy - floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  return y, m, d
end

local function leap(y) return y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0) end

local function month_days(y, m)
  if m == 2 then return leap(y) and 29 or 28 end
  return (m == 4 or m == 6 or m == 9 or m == 11) and 30 or 31
end
M.month_days = month_days

--- A date YYYY-MM-DD as a day number, or nil if it is not a real date.
function M.parse(s)
  if type(s) ~= "string" then return nil end
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if not y or m < 1 or m > 12 or d < 1 or d > month_days(y, m) then return nil end
  return M.day_number(y, m, d)
end

--- A day number as YYYY-MM-DD.
function M.format(z)
  local y, m, d = M.civil(z)
  return ("%04d-%02d-%02d"):format(y, m, d)
end

--- Day of the week: 0 Sunday .. 6 Saturday (1970-01-01 was a Thursday).
function M.weekday(z) return (z + 4) % 7 end

--- Adds calendar months to a day number; a day past the end of the
-- target month becomes its last day (2028-02-29 + 12 months = 2029-02-28,
-- 2027-01-31 + 1 month = 2027-02-28).
function M.add_months(z, n)
  local y, m, d = M.civil(z)
  local k = (y * 12 + (m - 1)) + n
  y, m = floor(k / 12), k % 12 + 1
  return M.day_number(y, m, math.min(d, month_days(y, m)))
end

-- ------------------------------------------------------------ calendars

local WEEKDAYS = { sunday = 0, monday = 1, tuesday = 2, wednesday = 3, thursday = 4,
                   friday = 5, saturday = 6, sun = 0, mon = 1, tue = 2, wed = 3, thu = 4,
                   fri = 5, sat = 6 }
local ALLOWED = { title = true, description = true, extends = true, weekend = true,
                  holidays = true }
local HOLIDAY = { date = true, annual = true, title = true }
local MAX_EXTENDS = 8

local fail = check.fail

local Calendar = {}
Calendar.__index = Calendar

-- Reads one file's calendar declaration into cal (a parent's, when extending).
local function apply(path, decl, cal)
  local f = decl.fields
  check.fields(path, decl, f, ALLOWED)
  check.string(path, decl, "title", f.title, true)
  check.string(path, decl, "description", f.description, true)
  if f.weekend ~= nil then
    if type(f.weekend) ~= "table" then
      fail(path, decl, "weekend", "expected a list of day names, e.g. { \"saturday\", \"sunday\" }")
    end
    local weekend, n = {}, 0
    for k, name in ipairs(f.weekend) do
      local wd = type(name) == "string" and WEEKDAYS[name:lower()]
      if not wd then
        fail(path, decl, ("weekend[%d]"):format(k),
             ("'%s' is not a day of the week (monday .. sunday)"):format(tostring(name)))
      end
      if not weekend[wd] then n = n + 1 end
      weekend[wd] = true
    end
    if n == 7 then fail(path, decl, "weekend", "every day of the week is a weekend day") end
    cal.weekend = weekend
  end
  if f.holidays ~= nil then
    if type(f.holidays) ~= "table" then
      fail(path, decl, "holidays", "expected a list of dates or { date = , title = } tables")
    end
    for k, h in ipairs(f.holidays) do
      local at = ("holidays[%d]"):format(k)
      if type(h) == "string" then h = { date = h } end
      if type(h) ~= "table" then fail(path, decl, at, "expected a date or a table") end
      check.fields(path, decl, h, HOLIDAY, at .. ".")
      check.string(path, decl, at .. ".title", h.title, true)
      if (h.date == nil) == (h.annual == nil) then
        fail(path, decl, at, "give date = \"YYYY-MM-DD\" or annual = \"MM-DD\"")
      end
      if h.date ~= nil then
        local z = M.parse(h.date)
        if not z then
          fail(path, decl, at .. ".date", ("'%s' is not a date YYYY-MM-DD"):format(tostring(h.date)))
        end
        cal.holidays[z] = h.title or "holiday"
      else
        local mm, dd = tostring(h.annual):match("^(%d%d)%-(%d%d)$")
        mm, dd = tonumber(mm), tonumber(dd)
        if not mm or mm < 1 or mm > 12 or dd < 1 or dd > month_days(2000, mm) then
          fail(path, decl, at .. ".annual", ("'%s' is not a day of the year MM-DD")
               :format(tostring(h.annual)))
        end
        cal.annual[mm * 100 + dd] = h.title or "holiday"
      end
    end
  end
  cal.title = f.title or cal.title
  cal.description = f.description or cal.description
end

local function load_file(path, depth, seen)
  if depth > MAX_EXTENDS then
    error({ msg = path .. ": calendar extends more than " .. MAX_EXTENDS .. " levels deep" })
  end
  if seen[path] then error({ msg = path .. ": calendar extends itself (a cycle)" }) end
  seen[path] = true
  local decls, err = rules.eval(path)
  if not decls then error({ msg = err, code = "RULE" }) end
  local head
  for _, d in ipairs(decls) do
    if type(d.fields) ~= "table" then d.fields = {} end
    if d.kind ~= "calendar" then
      fail(path, d, nil, "not a calendar word; a calendar file declares calendar \"name\" { ... }")
    end
    if head then fail(path, d, nil, ("a file declares one calendar (first at line %d)")
                              :format(head.line)) end
    head = d
  end
  if not head then error({ msg = path .. ":1: no calendar declared; write calendar \"name\" { ... }",
                          code = "RULE" }) end
  local cal
  local parent = head.fields.extends
  if parent ~= nil then
    if type(parent) ~= "string" or parent == "" then
      fail(path, head, "extends", "expected the name or path of a calendar")
    end
    local ppath, perr = rules.find("calendars", parent, path)
    if not ppath then fail(path, head, "extends", perr) end
    cal = load_file(ppath, depth + 1, seen)
  else
    cal = setmetatable({ weekend = { [0] = true, [6] = true }, holidays = {}, annual = {} },
                       Calendar)
  end
  apply(path, head, cal)
  cal.name, cal.file = head.name, path
  return cal
end

local cache = {}

--- Loads a calendar by name (rules/calendars/NAME.lua on the rules path)
-- or path. `from` is the rule file that names it (relative paths).
-- @treturn Calendar|nil the calendar, or nil, message, code
function M.load(name, from)
  if type(name) ~= "string" then error("calendar.load: expected a name or path", 2) end
  local path, ferr = rules.find("calendars", name, from)
  if not path then return nil, ferr, "NOTFOUND" end
  if cache[path] then return cache[path] end
  local ok, res = pcall(load_file, path, 1, {})
  if not ok then
    if type(res) == "table" then return nil, res.msg, res.code or "RULE" end
    error(res, 0)
  end
  cache[path] = res
  return res
end

--- Is day number z a working day?
function Calendar:working(z)
  if self.weekend[M.weekday(z)] or self.holidays[z] then return false end
  local _, m, d = M.civil(z)
  return not self.annual[m * 100 + d]
end

--- What makes z a day off: "weekend", a holiday's title, or nil.
function Calendar:day_off(z)
  if self.weekend[M.weekday(z)] then return "weekend" end
  if self.holidays[z] then return self.holidays[z] end
  local _, m, d = M.civil(z)
  return self.annual[m * 100 + d]
end

-- ------------------------------------------------------------ timeline

local Timeline = {}
Timeline.__index = Timeline

--- Working days of cal numbered 0, 1, 2, ... from the first working day on
-- or after day number origin.
function Calendar:timeline(origin)
  return setmetatable({ cal = self, origin = origin, days = {}, scanned = origin - 1 }, Timeline)
end

local SCAN_LIMIT = 3700  -- days without a working day before giving up

-- Scans forward until the list holds a working day on or after z.
function Timeline:reach(z)
  local days = self.days
  local idle = 0
  while self.scanned < z or #days == 0 or days[#days] < z do
    local next_day = self.scanned + 1
    self.scanned = next_day
    if self.cal:working(next_day) then
      days[#days + 1] = next_day
      idle = 0
    else
      idle = idle + 1
      if idle > SCAN_LIMIT then
        error({ msg = ("calendar %s: no working day in ten years after %s"):format(
          self.cal.name, M.format(next_day - idle)) })
      end
    end
  end
end

--- Index of the first working day on or after day number z.
function Timeline:ceil(z)
  if z < self.origin then z = self.origin end
  self:reach(z)
  local days = self.days
  local lo, hi = 1, #days
  while lo < hi do
    local mid = floor((lo + hi) / 2)
    if days[mid] < z then lo = mid + 1 else hi = mid end
  end
  return lo - 1
end

--- Index of the first working day after day number z: where work that
-- finishes on z is over (the exclusive end of a step).
function Timeline:after(z) return self:ceil(z + 1) end

--- The day number of working day i.
function Timeline:day(i)
  local days = self.days
  while #days <= i do self:reach(days[#days] and days[#days] + 1 or self.origin) end
  return days[i + 1]
end

M.Calendar = Calendar
return M
