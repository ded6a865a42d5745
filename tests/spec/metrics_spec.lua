-- The measurement programme (isms.measure): metric sets in rule files,
-- automatic metrics as bounded read-only queries (isms_cursor_query_bounded),
-- manual measurements, status against targets, the view with its
-- sparkline; a metric that errors or runs over its limits is marked failed
-- and the others are still collected.
local H = require "helper"
local F = require "operations_fixture"
local measure = require "isms.measure"

local SET = [[
metric_set "test" { title = "Test metrics" }
metric "M-ASSETS" { title = "Assets", query = "SELECT count(*) FROM assets", target = 2,
                    direction = "higher", frequency = "monthly" }
metric "M-SYNTAX" { title = "Broken", query = "SELEC count(*) FROM assets" }
metric "M-WRITE" { title = "Writes", query = "DELETE FROM assets" }
metric "M-ATTACH" { title = "Attaches", query = "ATTACH DATABASE '/tmp/isms-metric.db' AS x" }
metric "M-PRAGMA" { title = "Pragma", query = "PRAGMA writable_schema = 1" }
metric "M-RANDOM" { title = "Random", query = "SELECT length(randomblob(1000000000))" }
metric "M-LOOP" { title = "Loops", steps = 100000,
                  query = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c" }
metric "M-SLOW" { title = "Slow", time_ms = 1,
                  query = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 50000000) SELECT count(*) FROM c" }
metric "M-TEXT" { title = "Text", query = "SELECT 'many'" }
metric "M-NULL" { title = "Null", query = "SELECT NULL" }
metric "M-TWO" { title = "Two statements", query = "SELECT 1; SELECT 2" }
metric "M-TODAY" { title = "Days since 2026-01-01", query = "SELECT julianday(?1) - julianday('2026-01-01')",
                   target = 10, warning = 20, direction = "lower", frequency = "weekly" }
metric "M-MANUAL" { title = "Awareness", unit = "%", target = 90, warning = 80, method = "subjective" }
]]

describe("metric sets", function()
  it("loads the shipped programme", function()
    local s = assert(measure.load())
    assert.are.equal("iso27001", s.name)
    assert.truthy(s.by_id["M-RISK-UNACCEPTABLE"].automatic)
    assert.is_false(s.by_id["M-AWARENESS"].automatic)
    assert.are.equal("subjective", s.by_id["M-MGMT-SATISFACTION"].method)
  end)

  it("refuses bad metrics with file:line", function()
    local cases = {
      { 'metric "M" { title = "x", frequency = "hourly" }', "frequency: expected one of daily" },
      { 'metric "M" { title = "x", direction = "up" }', "direction: expected \"higher\"" },
      { 'metric "M" { title = "x", target = "high" }', "target: expected a number" },
      { 'metric "M" { title = "x", target = 90, warning = 95 }', "warning threshold lies beyond the target" },
      { 'metric "M" { title = "x", warning = 5 }', "warning: needs a target" },
      { 'metric "M" { title = "x", method = "gut" }', "method: expected \"objective\" or \"subjective\"" },
      { 'metric "M" { title = "x", steps = -1 }', "steps: expected a whole number" },
      { 'metric "M" { title = "x", querry = "SELECT 1" }', "querry: unknown field" },
      { 'metric "M" { query = "SELECT 1" }', "title: expected a non-empty string" },
    }
    for _, c in ipairs(cases) do
      local f = H.file("m.lua", 'metric_set "s" { title = "S" }\n' .. c[1] .. "\n")
      local ok, err, code = measure.load(f)
      assert.is_nil(ok)
      assert.are.equal("RULE", code)
      assert.truthy(err:find(f .. ":2: metric 'M': ", 1, true), err)
      assert.truthy(err:find(c[2], 1, true), err)
    end
  end)

  it("extends a set: the parent's metrics, replaced and removed by the child's", function()
    local f = H.file("acme.lua", [[
metric_set "acme" { title = "ACME", extends = "iso27001" }
metric "M-RTP-OVERDUE" { title = "Overdue tasks (ACME)", target = 2, direction = "lower",
                         query = "SELECT count(*) FROM rtp_tasks WHERE due < ?1" }
metric "M-AWARENESS" { remove = true }
]])
    local s = assert(measure.load(f))
    assert.are.equal(13, #s.metrics)
    assert.are.equal("Overdue tasks (ACME)", s.by_id["M-RTP-OVERDUE"].title)
    assert.is_nil(s.by_id["M-AWARENESS"])
  end)
end)

describe("measurements", function()
  local reg, path
  before_each(function()
    reg, path = F.register()
    assert(reg:set_setting("metrics", H.file("test-metrics.lua", SET)))
  end)
  after_each(function() reg:close() end)

  it("collects every automatic metric; the failing ones are marked failed, the others recorded", function()
    local assets_before = reg:records("document"):list()  -- nothing; the register is read only
    local res = assert(measure.collect(reg, { today = "2026-01-08" }))
    local by = {}
    for _, r in ipairs(res.results) do by[r.metric] = r end
    assert.are.equal(3, by["M-ASSETS"].value)
    assert.are.equal("ok", by["M-ASSETS"].status)
    assert.are.equal(7, by["M-TODAY"].value)
    assert.are.equal("ok", by["M-TODAY"].status)
    local failed = {
      ["M-SYNTAX"] = "syntax error", ["M-WRITE"] = "query refused", ["M-ATTACH"] = "query refused",
      ["M-PRAGMA"] = "query refused", ["M-RANDOM"] = "calls a function a query may not use",
      ["M-LOOP"] = "over its limit of 100000 steps", ["M-SLOW"] = "over its time limit of 1 ms",
      ["M-TEXT"] = "gave 'many', not a number", ["M-NULL"] = "gave no value",
      ["M-TWO"] = "one statement only" }
    for id, want in pairs(failed) do
      assert.are.equal("failed", by[id].status, id)
      assert.truthy(by[id].error:find(want, 1, true), id .. ": " .. tostring(by[id].error))
    end
    assert.is_nil(by["M-MANUAL"])                   -- entered by hand
    assert.are.equal(12, #res.results)
    -- the register still has its assets: nothing the queries tried was written
    local n = 0
    for _ in reg:rows("assets") do n = n + 1 end
    assert.are.equal(3, n)
    assert.are.same(assets_before, reg:records("document"):list())
    local stored = reg:records("measurement"):list({ status = "failed" })
    assert.are.equal(10, #stored)
    assert.truthy(stored[1].note)
    -- the same day: only the failed ones are due again; --all measures every one
    assert.are.equal(10, #assert(measure.collect(reg, { today = "2026-01-08" })).results)
    assert.are.equal(12, #assert(measure.collect(reg, { today = "2026-01-08", all = true })).results)
    res = assert(measure.collect(reg, { today = "2026-01-15" }))
    -- the weekly one, and the failed ones (a failure does not count as measured)
    assert.are.equal(11, #res.results)
    assert.are.equal("warning", res.results[#res.results].status)  -- M-TODAY: 14 days
  end)

  it("round-trips measurements through CSV", function()
    assert(measure.collect(reg, { today = "2026-01-08" }))
    local out = H.tmp("measurements.csv")
    assert(reg:records("measurement"):export(out))
    local rep = assert(reg:records("measurement"):import(out))
    assert.are.equal(0, rep.created + rep.updated)
  end)

  it("marks statuses against the target and warning threshold, in both directions", function()
    local hi = { target = 90, warning = 80, direction = "higher" }
    local lo = { target = 0, warning = 3, direction = "lower" }
    assert.are.equal("ok", measure.status(hi, 95))
    assert.are.equal("warning", measure.status(hi, 85))
    assert.are.equal("breach", measure.status(hi, 70))
    assert.are.equal("ok", measure.status(lo, 0))
    assert.are.equal("warning", measure.status(lo, 3))
    assert.are.equal("breach", measure.status(lo, 4))
    assert.are.equal("none", measure.status({ direction = "higher" }, 4))
  end)

  it("records manual measurements; bad ones are refused and nothing is written", function()
    local rep = assert(measure.record(reg, "M-MANUAL", 85, { date = "2026-03-31", by = "HR" }))
    local m = reg:records("measurement"):get(rep.id)
    assert.are.equal("warning", m.status)
    assert.are.equal("manual", m.method)
    F.refused(path, "no metric 'M-NOPE'", function() return measure.record(reg, "M-NOPE", 1) end, "NOTFOUND")
    F.refused(path, "value: expected a number", function() return measure.record(reg, "M-MANUAL", "lots") end)
    F.refused(path, "date: '2026-02-30' is not a date", function()
      return measure.record(reg, "M-MANUAL", 5, { date = "2026-02-30" })
    end)
    F.refused(path, "metric: no metric 'M-GONE' in the register", function()
      return reg:records("measurement"):add({ metric = "M-GONE", date = "2026-01-01", value = 1 })
    end)
    F.refused(path, "measurement 'MEA-001' exists already", function()
      return reg:records("measurement"):add({ id = "MEA-001", metric = "M-MANUAL", date = "2026-01-01", value = 1 })
    end)
    F.refused(path, "a failed measurement says why", function()
      return reg:records("measurement"):add({ metric = "M-MANUAL", date = "2026-01-01", status = "failed" })
    end)
  end)

  it("shows each metric's latest value, status, next due date and trend", function()
    for k, v in ipairs { 60, 70, 85, 95 } do
      assert(measure.record(reg, "M-MANUAL", v, { date = ("2026-0%d-01"):format(k) }))
    end
    local view = assert(measure.view(reg, { today = "2026-05-01" }))
    local m
    for _, x in ipairs(view) do if x.id == "M-MANUAL" then m = x end end
    assert.are.equal(95, m.latest)
    assert.are.equal("ok", m.status)
    assert.are.same({ 60, 70, 85, 95 }, m.trend)
    assert.are.equal("▁▃▆█", m.spark)
    assert.are.equal("2026-05-01", m.due)
    local out, _, code = F.run(path, "metrics", "--today", "2026-05-01")
    assert.are.equal(0, code)
    assert.truthy(out:find("M-MANUAL", 1, true) and out:find("▁▃▆█", 1, true), out)
    assert.truthy(out:find(">= 90", 1, true), out)
    assert.are.equal("▄▄", measure.sparkline({ 5, 5 }))
    assert.are.equal("▁ █", measure.sparkline({ 1, false, 9 }))
  end)

  it("collects from the command line: exit 1 when a metric failed, the rest recorded", function()
    local out, _, code = F.run(path, "metrics", "collect", "--today", "2026-01-08")
    assert.are.equal(1, code)
    assert.truthy(out:find("M-ASSETS%s+3 %(ok%)"), out)
    assert.truthy(out:find("M-WRITE%s+failed: query refused"), out)
    assert.truthy(out:find("collected 12 metrics, 10 failed", 1, true), out)
    local _, err, code2 = F.run(path, "metrics", "collect", "M-MANUAL")
    assert.are.equal(3, code2)
    assert.truthy(err:find("entered by hand", 1, true), err)
    local _, err3, code3 = F.run(path, "metrics", "record", "M-MANUAL", "80", "--date", "2026-13-01")
    assert.are.equal(3, code3)
    assert.truthy(err3:find("is not a date", 1, true), err3)
  end)
end)

describe("incident figures in the measurement programme", function()
  local FIG = [[
metric_set "fig" { title = "Incident figures" }
metric "M-INC" { title = "Incidents", figure = "incidents", frequency = "monthly", direction = "lower" }
metric "M-INC-HIGH" { title = "High", figure = "incidents.severity.high", frequency = "quarterly",
                      target = 0, warning = 1, direction = "lower" }
metric "M-CONTAIN" { title = "Contain", figure = "incidents.time_to_contain.median", window_months = 12,
                     target = 24, warning = 48, direction = "lower" }
metric "M-CLOSE" { title = "Close", figure = "incidents.time_to_close.p90", window_months = 12 }
metric "M-OPEN" { title = "Open", figure = "incidents.open", target = 0, direction = "lower" }
metric "M-NC" { title = "Raised NCs", figure = "incidents.nonconformities", window_months = 12 }
]]
  local reg, path
  before_each(function()
    reg, path = F.register()
    assert(reg:set_setting("metrics", H.file("fig-metrics.lua", FIG)))
  end)
  after_each(function() reg:close() end)

  local function add(t)
    t.title = t.title or "incident"
    return assert(reg:records("incidents"):add(t))
  end

  it("measures the incident statistics over the metric's window", function()
    assert(reg:records("nonconformities"):add({ id = "NC-1", title = "No call-back",
      source = "incident", source_ref = "INC-001", raised_by = "CISO", raised = "2026-03-02" }))
    -- in the month up to 2026-03-31: two; in the quarter: three (two high); in 12 months: four
    add({ detected = "2026-03-02T08:00", contained = "2026-03-02T12:00", closed = "2026-03-05T08:00",
          severity = "high", nonconformity = "NC-1", lessons = "x" })
    add({ detected = "2026-03-20T08:00", contained = "2026-03-21T08:00", severity = "low" })
    add({ detected = "2026-01-10", contained = "2026-01-10T02:00", severity = "high" })
    add({ detected = "2025-06-01", contained = "2025-06-03", closed = "2025-06-10", severity = "medium",
          lessons = "x" })
    add({ detected = "2024-01-01", severity = "critical" })  -- outside every window, still open
    local res = assert(measure.collect(reg, { today = "2026-03-31" }))
    local by = {}
    for _, r in ipairs(res.results) do by[r.metric] = r end
    assert.are.equal(2, by["M-INC"].value)
    assert.are.equal("none", by["M-INC"].status)
    assert.are.equal(2, by["M-INC-HIGH"].value)
    assert.are.equal("breach", by["M-INC-HIGH"].status)
    -- contained after 2, 4, 24 and 48 hours: the median is 14
    assert.are.equal(14, by["M-CONTAIN"].value)
    assert.are.equal("ok", by["M-CONTAIN"].status)
    -- closed after 72 and 216 hours: the 90th percentile is the second
    assert.are.equal(216, by["M-CLOSE"].value)
    assert.are.equal(3, by["M-OPEN"].value)
    assert.are.equal(1, by["M-NC"].value)
    -- recorded as automatic measurements, like a query's
    local stored = reg:records("measurement"):list({ metric = "M-CONTAIN" })
    assert.are.equal(1, #stored)
    assert.are.equal("automatic", stored[1].method)
    assert.are.equal(14, stored[1].value)
  end)

  it("records nothing for a time the window has no incident to give, and says why", function()
    add({ detected = "2026-03-02T08:00", severity = "low" })
    local res = assert(measure.collect(reg, { today = "2026-03-31" }))
    local by = {}
    for _, r in ipairs(res.results) do by[r.metric] = r end
    assert.are.equal("no value", by["M-CONTAIN"].status)
    assert.truthy(by["M-CONTAIN"].error:find("no incident detected in the window has been contained "
      .. "yet (2025-04-01 to 2026-03-31)", 1, true), by["M-CONTAIN"].error)
    assert.are.equal(0, #reg:records("measurement"):list({ metric = "M-CONTAIN" }))
    assert.are.equal(0, by["M-INC-HIGH"].value)   -- a severity with no incident counts 0
    -- still due the next day; the others are not
    res = assert(measure.collect(reg, { today = "2026-04-01" }))
    local ids = {}
    for _, r in ipairs(res.results) do ids[#ids + 1] = r.metric end
    table.sort(ids)
    assert.are.same({ "M-CLOSE", "M-CONTAIN" }, ids)
    -- the command line says so and exits 0: nothing failed
    local out, _, code = F.run(path, "metrics", "collect", "M-CONTAIN", "--today", "2026-04-02")
    assert.are.equal(0, code)
    assert.truthy(out:find("M-CONTAIN%s+no value, not recorded: no incident detected"), out)
  end)

  it("marks a figure that does not exist failed, naming those there are", function()
    local f = H.file("bad-fig.lua", 'metric_set "b" { title = "B" }\n'
      .. 'metric "M-X" { title = "x", figure = "incidents.severity.apocalyptic" }\n'
      .. 'metric "M-Y" { title = "y", figure = "weather.rain" }\n')
    assert(reg:set_setting("metrics", f))
    local res = assert(measure.collect(reg, { today = "2026-03-31" }))
    assert.are.equal("failed", res.results[1].status)
    assert.truthy(res.results[1].error:find("no figure 'incidents.severity.apocalyptic'; incidents "
      .. "gives incidents, incidents.severity.low", 1, true), res.results[1].error)
    assert.are.equal("failed", res.results[2].status)
    assert.truthy(res.results[2].error:find("no figures from 'weather' (known: incidents", 1, true),
                  res.results[2].error)
  end)

  it("refuses figure metrics that break the rules, with file:line", function()
    local cases = {
      { 'metric "M" { title = "x", figure = "incidents", query = "SELECT 1" }',
        "figure: a metric has a query or a figure, not both" },
      { 'metric "M" { title = "x", figure = "incidents open" }', "figure: expected SOURCE[.NAME...]" },
      { 'metric "M" { title = "x", query = "SELECT 1", window_months = 3 }',
        "window_months: only a figure has a window" },
      { 'metric "M" { title = "x", figure = "incidents", window_months = 0 }',
        "window_months: expected a whole number, 1 or more" },
    }
    for _, c in ipairs(cases) do
      local f = H.file("m.lua", 'metric_set "s" { title = "S" }\n' .. c[1] .. "\n")
      local ok, err, code = measure.load(f)
      assert.is_nil(ok)
      assert.are.equal("RULE", code)
      assert.truthy(err:find(f .. ":2: metric 'M': ", 1, true), err)
      assert.truthy(err:find(c[2], 1, true), err)
    end
    -- the shipped programme measures incidents
    local s = assert(measure.load())
    assert.are.equal("incidents.time_to_contain.median", s.by_id["M-INCIDENT-CONTAIN"].figure)
    assert.is_true(s.by_id["M-INCIDENT-CONTAIN"].automatic)
  end)
end)
