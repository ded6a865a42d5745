-- Calendars and the schedule (lua/isms/roadmap/calendar.lua, schedule.lua):
-- date arithmetic, working days from a calendar rule file, the forward
-- and backward pass worked out by hand on a small workflow, the critical
-- path, a target, estimates, what a delay does, and the certification
-- cycle's dates on their edge cases.
local H = require "helper"
local roadmap = require "isms.roadmap"
local calendar = require "isms.roadmap.calendar"
local schedule = require "isms.roadmap.schedule"

local D, F = calendar.parse, calendar.format

describe("roadmap dates", function()
  it("counts days without the machine's clock and adds months to the month's end", function()
    for z = -800000, 800000, 997 do
      assert.are.equal(z, calendar.day_number(calendar.civil(z)))
    end
    assert.are.equal(0, D("1970-01-01"))
    assert.are.equal(1, calendar.weekday(D("2027-01-04")))  -- a Monday
    assert.is_nil(D("2027-02-29"))
    assert.is_nil(D("2027-13-01"))
    assert.is_nil(D("27-01-01"))
    assert.are.equal("2029-02-28", F(calendar.add_months(D("2028-02-29"), 12)))
    assert.are.equal("2032-02-29", F(calendar.add_months(D("2028-02-29"), 48)))
    assert.are.equal("2027-02-28", F(calendar.add_months(D("2027-01-31"), 1)))
    assert.are.equal("2028-02-29", F(calendar.add_months(D("2028-01-31"), 1)))
    assert.are.equal("2026-12-31", F(calendar.add_months(D("2027-03-31"), -3)))
    assert.are.equal("2031-04-20", F(calendar.add_months(D("2028-04-20"), 36)))
  end)
end)

describe("roadmap calendars", function()
  it("has weekends and holidays, fixed or every year, and extends another", function()
    local base = H.file("office.lua", [[
calendar "office" { weekend = { "saturday", "sunday" },
  holidays = { "2027-01-06", { annual = "12-25", title = "Christmas" } } }
]])
    local path = H.write(base:gsub("[^/]+$", "") .. "office-2027.lua", ([[
calendar "office-2027" { extends = "%s", holidays = { { date = "2027-03-26", title = "Good Friday" } } }
]]):format(base:match("[^/]+$")))
    local cal = assert(roadmap.calendar(path))
    assert.is_false(cal:working(D("2027-01-06")))
    assert.is_false(cal:working(D("2027-12-25")))
    assert.is_false(cal:working(D("2031-12-25")))
    assert.are.equal("Good Friday", cal:day_off(D("2027-03-26")))
    assert.are.equal("weekend", cal:day_off(D("2027-01-09")))
    assert.is_true(cal:working(D("2027-01-07")))
    local tl = cal:timeline(D("2027-01-01"))
    -- 2027-01-01 is a Friday and a working day here (no New Year's Day).
    assert.are.equal("2027-01-01", F(tl:day(0)))
    assert.are.equal(0, tl:ceil(D("2027-01-01")))
    assert.are.equal(1, tl:ceil(D("2027-01-02")))  -- Saturday: the Monday after
    assert.are.equal(3, tl:after(D("2027-01-05")))  -- Tue 5 -> Thu 7 (6th off)
    local shipped = assert(roadmap.calendar("hong-kong"))
    assert.is_false(shipped:working(D("2027-07-01")))
    assert.is_true(shipped:working(D("2027-07-02")))
  end)

  it("refuses a bad calendar, naming the file, line and field", function()
    local cases = {
      { 'calendar "x" { weekend = { "funday" } }', ":1: calendar 'x': weekend[1]: 'funday' is not a day of the week" },
      { 'calendar "x" { weekend = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" } }',
        "weekend: every day of the week is a weekend day" },
      { 'calendar "x" { holidays = { "2027-02-30" } }', "holidays[1].date: '2027-02-30' is not a date" },
      { 'calendar "x" { holidays = { { annual = "13-01" } } }', "holidays[1].annual: '13-01' is not a day of the year" },
      { 'calendar "x" { holidays = { { date = "2027-01-01", annual = "01-01" } } }',
        "holidays[1]: give date = \"YYYY-MM-DD\" or annual = \"MM-DD\"" },
      { 'calendar "x" { }\ncalendar "y" { }', ":2: calendar 'y': a file declares one calendar" },
      { 'step "x" { }', "not a calendar word" },
      { 'calendar "x" { extends = "nope" }', "extends: no calendar rule file named 'nope'" },
    }
    for _, c in ipairs(cases) do
      local path = H.file("cal.lua", c[1])
      local cal, err, code = roadmap.calendar(path)
      assert.is_nil(cal)
      assert.are.equal("RULE", code)
      assert.truthy(err:find(c[2], 1, true), "\nwant: " .. c[2] .. "\ngot:  " .. err)
    end
  end)
end)

-- a (3 days) -> b (2-4 days, lag 1) and c (5 days) -> d (1 day) -> m (milestone),
-- on weekdays with Wednesday 2027-01-06 off.
local function small()
  local cal = H.file("cal.lua", 'calendar "c" { holidays = { "2027-01-06" } }\n')
  local path = H.write(cal:gsub("[^/]+$", "") .. "small.lua", [[
roadmap "small" { calendar = "]] .. cal:match("[^/]+$") .. [[" }
role "r" { }
step "a" { role = "r", title = "A", duration = 3 }
step "b" { role = "r", title = "B", duration = { 2, 4 }, depends = { { "a", lag = 1 } } }
step "c" { role = "r", title = "C", duration = 5, depends = { "a" } }
step "d" { role = "r", title = "D", duration = 1, depends = { "b", "c" } }
step "m" { role = "r", title = "M", duration = 0, depends = { "d" } }
]])
  local wf = assert(roadmap.load(path))
  return wf, assert(wf:calendar_of())
end

local function at(S, wf, id)
  local d = schedule.dates(S, wf.by_id[id].index)
  d.slack = S.slack[wf.by_id[id].index]
  d.critical = S.critical[wf.by_id[id].index]
  return d
end

local function ids(wf, list)
  local out = {}
  for k, i in ipairs(list) do out[k] = wf.steps[i].id end
  return out
end

describe("roadmap schedule", function()
  it("passes forward and backward in working days: dates, slack, critical path", function()
    local wf, cal = small()
    local S = schedule.compute(wf, { calendar = cal, start = D("2027-01-04"),
                                     today = D("2027-01-04"), estimate = "low" })
    local a, b, c, d, m = at(S, wf, "a"), at(S, wf, "b"), at(S, wf, "c"), at(S, wf, "d"),
                          at(S, wf, "m")
    assert.are.same({ "2027-01-04", "2027-01-07" }, { a.start, a.finish })  -- the 6th is off
    assert.are.same({ "2027-01-11", "2027-01-12" }, { b.start, b.finish })  -- lag of one day
    assert.are.same({ "2027-01-08", "2027-01-14" }, { c.start, c.finish })
    assert.are.same({ "2027-01-15", "2027-01-15" }, { d.start, d.finish })
    assert.are.same({ "2027-01-15", "2027-01-15" }, { m.start, m.finish })  -- a milestone
    assert.are.same({ 0, 2, 0, 0, 0 }, { a.slack, b.slack, c.slack, d.slack, m.slack })
    assert.are.same({ "2027-01-13", "2027-01-14" }, { b.late_start, b.late_finish })
    assert.is_false(b.critical)
    assert.are.same({ "a", "c", "d", "m" }, ids(wf, S.path))
    assert.are.equal("2027-01-15", F(S.finish))
    assert.is_nil(S.late_by)
  end)

  it("measures the finish against a target and picks from duration ranges", function()
    local wf, cal = small()
    local base = { calendar = cal, start = D("2027-01-04"), today = D("2027-01-04"),
                   target = D("2027-01-20") }
    local lo = schedule.compute(wf, setmetatable({ estimate = "low" }, { __index = base }))
    assert.are.equal(-3, lo.late_by)                       -- three working days to spare
    assert.are.equal(3, lo.slack[wf.by_id.a.index])
    local hi = schedule.compute(wf, setmetatable({ estimate = "high" }, { __index = base }))
    -- b takes 4 days: it finishes on the 14th with c, nothing moves.
    assert.are.equal("2027-01-14", F(hi.fdate[wf.by_id.b.index]))
    assert.are.equal("2027-01-15", F(hi.finish))
    -- Two working days late (the 14th and 15th); c has to gain them.
    local late = schedule.compute(wf, setmetatable({ target = D("2027-01-13") }, { __index = base }))
    assert.are.equal(2, late.late_by)
    assert.are.equal(-2, late.slack[wf.by_id.c.index])
  end)

  it("says what delaying one step does", function()
    local wf, cal = small()
    local opts = { calendar = cal, start = D("2027-01-04"), today = D("2027-01-04"),
                   estimate = "low" }
    local w = schedule.whatif(wf, opts, "b", 2)           -- within b's slack
    assert.are.equal(0, w.finish_by)
    assert.are.same({ "b" }, ids(wf, { w.moved[1].index }))
    w = schedule.whatif(wf, opts, "b", 3)                 -- one day past it
    assert.are.equal(1, w.finish_by)
    assert.are.equal("2027-01-18", F(w.after.finish))
    local moved = {}
    for k, x in ipairs(w.moved) do moved[k] = wf.steps[x.index].id .. "+" .. x.by end
    assert.are.same({ "b+3", "d+1", "m+1" }, moved)
    w = schedule.whatif(wf, opts, "c", 2)                 -- critical: all of it
    assert.are.equal(2, w.finish_by)
  end)

  it("keeps recorded dates and starts the rest no earlier than today", function()
    local wf, cal = small()
    local S = schedule.compute(wf, {
      calendar = cal, start = D("2027-01-04"), today = D("2027-01-12"), estimate = "low",
      progress = { a = { status = "done", started = D("2027-01-04"), done = D("2027-01-08") },
                   b = { status = "started", started = D("2027-01-11") } } })
    assert.are.same({ "2027-01-04", "2027-01-08" }, { at(S, wf, "a").start, at(S, wf, "a").finish })
    assert.are.equal("2027-01-12", at(S, wf, "b").finish)
    assert.are.same({ "2027-01-12", "2027-01-18" }, { at(S, wf, "c").start, at(S, wf, "c").finish })
    assert.is_nil(S.slack[wf.by_id.a.index])               -- done steps have none
    assert.are.same({ "c", "d", "m" }, ids(wf, S.path))
    -- An optional step skipped takes no time.
    local S2 = schedule.compute(wf, { calendar = cal, start = D("2027-01-04"),
      today = D("2027-01-04"), estimate = "low", progress = { c = { status = "skipped" } } })
    assert.are.equal("2027-01-13", F(S2.fdate[wf.by_id.d.index]))
  end)
end)

describe("certification cycle dates", function()
  local wf, cal
  setup(function()
    wf = assert(roadmap.load("certification"))
    cal = assert(wf:calendar_of())
  end)

  local function done(list)
    local p = {}
    for id, date in pairs(list) do p[id] = { status = "done", done = D(date) } end
    return p
  end

  local BEFORE = { readiness = "2027-09-10", application = "2027-10-15", ["pre-assessment"] = "2027-11-10",
                   ["stage-1"] = "2027-12-03", ["stage-1-actions"] = "2028-01-28" }

  local function with(extra)
    local list = {}
    for k, v in pairs(BEFORE) do list[k] = v end
    for k, v in pairs(extra) do list[k] = v end
    return done(list)
  end

  local function compute(progress, today)
    return schedule.compute(wf, { calendar = cal, start = D("2027-09-01"), today = D(today),
                                  progress = progress })
  end

  it("puts the first surveillance within 12 months of stage 2's last day, 29 February too", function()
    local S = compute(with({ ["stage-2"] = "2028-02-29" }), "2028-03-01")
    local i = wf.by_id["surveillance-1"].index
    assert.are.equal("2029-02-28", F(S.deadline[i]))
    assert.are.equal("within 12 months of the last day of stage 2", S.deadline_title[i])
    -- Not before ten months after stage 2 (2028-12-29, a Friday).
    assert.are.equal("2028-12-29", schedule.dates(S, i).start)
  end)

  it("counts the next surveillance from a late one, and flags the late one", function()
    local S = compute(with({ ["stage-2"] = "2028-02-29", ["stage-2-actions"] = "2028-03-20",
                             approval = "2028-04-14", certificate = "2028-04-20",
                             ["surveillance-1"] = "2029-03-15" }), "2029-03-20")
    local s1, s2 = wf.by_id["surveillance-1"].index, wf.by_id["surveillance-2"].index
    local miss, unit = schedule.deadline_miss(S, s1)
    assert.are.same({ 15, "days" }, { miss, unit })      -- 2029-02-28 -> 2029-03-15
    assert.are.equal("2030-03-15", F(S.deadline[s2]))
    assert.are.equal("at least once a year", S.deadline_title[s2])
  end)

  it("has the recertification done before the certificate expires, or within a year", function()
    local base = { ["stage-2"] = "2028-02-29", ["stage-2-actions"] = "2028-03-20",
                   approval = "2028-04-14", certificate = "2028-04-20",
                   ["surveillance-1"] = "2029-02-20" }
    local r = wf.by_id.recertification.index
    local early = with(base)
    early["surveillance-2"] = { status = "done", done = D("2030-01-10") }
    local S = compute(early, "2030-01-11")
    assert.are.equal("2031-01-10", F(S.deadline[r]))
    assert.are.equal("at least once a year", S.deadline_title[r])
    local late = with(base)
    late["surveillance-2"] = { status = "done", done = D("2030-06-01") }
    S = compute(late, "2030-06-02")
    assert.are.equal("2031-04-19", F(S.deadline[r]))      -- three years less a day
    assert.are.equal("before the certificate expires", S.deadline_title[r])
    -- A recertification planned past that day is flagged before it happens.
    S = compute(late, "2031-04-17")
    assert.is_true(schedule.deadline_miss(S, r) > 0)
  end)
end)
