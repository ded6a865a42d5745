-- The report's counts, read from indexes (issue #18: the HTML report of a
-- 3M-risk register under 2 s), against the per-record rules they stand
-- for: the RTP's tasks by status, overdue and slipping as reg:tasks()
-- flags them one by one.
local H = require "helper"
local report = require "isms.report.models"

local function section(model, id)
  for _, s in ipairs(model.sections) do if s.id == id then return s end end
end

local function facts(s)
  local out = {}
  for _, f in ipairs(s.facts) do out[f.label] = f.value end
  return out
end

-- A register with one treated risk and tasks of every status, due around
-- 2027-01-15 (before, on, inside and past the 14-day window), some
-- re-dated once or twice (finished ones too).
local function planned_register()
  local reg = H.register()
  assert(reg:import_assets(H.file("assets.csv", "id,name,type,owner,c,i,a\nSRV-1,Build server,physical,IT,2,2,2\n")))
  assert(reg:generate_risks("generic"))
  local ref = reg:risks()[1].ref
  assert(reg:set_risk(ref, { ratings = { S = 8, O = 5, D = 6 } }))
  assert(reg:treat(ref, { option = "modify", controls = { "A.8.7" },
                          residual = { S = 8, O = 1, D = 6 } }))
  local dues = { "2026-12-01", "2027-01-14", "2027-01-15", "2027-01-20", "2027-01-29",
                 "2027-01-30", "2027-03-01" }
  local statuses = { "planned", "in_progress", "done", "cancelled" }
  local k = 0
  for _, due in ipairs(dues) do
    for _, status in ipairs(statuses) do
      for delays = 0, 2 do
        k = k + 1
        local id = ("RTP-%04d"):format(k)
        -- re-dated tasks end on `due`, from a first date a week earlier
        local first = delays > 0 and os.date("!%Y-%m-%d", os.time {
          year = tonumber(due:sub(1, 4)), month = tonumber(due:sub(6, 7)),
          day = tonumber(due:sub(9, 10)) - 7 * delays, hour = 12 }) or due
        assert(reg:add_task({ id = id, risk = ref, title = "Task " .. k, owner = "IT",
                              due = first }))
        for d = delays - 1, 0, -1 do
          local to = os.date("!%Y-%m-%d", os.time {
            year = tonumber(due:sub(1, 4)), month = tonumber(due:sub(6, 7)),
            day = tonumber(due:sub(9, 10)) - 7 * d, hour = 12 })
          assert(reg:delay_task(id, { reason = "late", revised_due = to, approved_by = "CISO" }))
        end
        if status ~= "planned" then assert(reg:set_task(id, { status = status })) end
      end
    end
  end
  return reg
end

describe("the report's task counts", function()
  it("are the tasks reg:tasks() flags, by status, overdue and slipping", function()
    local reg = planned_register()
    for _, today in ipairs { "2027-01-15", "2027-01-16", "2026-11-01", "2027-06-01" } do
      local want = { Tasks = 0, Overdue = 0, Slipping = 0, Planned = 0, ["In progress"] = 0,
                     Done = 0, Cancelled = 0 }
      for _, t in ipairs(reg:tasks({ today = today })) do
        want.Tasks = want.Tasks + 1
        local label = t.status:gsub("_", " "):gsub("^%l", string.upper)
        want[label] = want[label] + 1
        if t.overdue then want.Overdue = want.Overdue + 1 end
        if t.slipping then want.Slipping = want.Slipping + 1 end
      end
      local model = report.rtp(reg, { today = today })
      assert.are.same(want, facts(section(model, "rtp-summary")), today)
      assert.are.equal(want.Overdue, section(model, "overdue").total)
      assert.are.equal(want.Slipping, section(model, "slipping").total)
      assert.are.equal(math.min(want.Slipping, report.LIMIT), #section(model, "slipping").rows)
    end
    -- the counts come from the index on (status, due), not a pass over the table
    local plan = {}
    for row in reg:query("EXPLAIN QUERY PLAN SELECT status, count(*) AS n, coalesce(sum(due < ?1), 0)"
                         .. " FROM rtp_tasks GROUP BY status", "2027-01-15") do
      plan[#plan + 1] = row.detail
    end
    assert.truthy(table.concat(plan, "\n"):find("COVERING INDEX rtp_tasks_status", 1, true))
  end)
end)
