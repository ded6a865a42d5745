--- Roadmaps: workflows as rule files (rules/roadmaps/), working-day
-- calendars (rules/calendars/), the computed schedule, and runs of a
-- workflow in the register. See docs/roadmaps.md.
--
--   local roadmap = require "isms.roadmap"
--   local wf = assert(roadmap.load("qism-24"))
--   local id = assert(roadmap.start(reg, "qism-24", { start = "2027-01-04",
--                                                      target = "2027-12-31" }))
--   local st = assert(roadmap.status(reg, id, { today = "2027-03-01" }))
--   print(st.finish, st.late_by, table.concat(st.critical_path, " -> "))
local workflow = require "isms.roadmap.workflow"
local calendar = require "isms.roadmap.calendar"
local schedule = require "isms.roadmap.schedule"
local criteria = require "isms.roadmap.criteria"
local progress = require "isms.roadmap.progress"
local gantt = require "isms.roadmap.gantt"

local M = {}

--- Loads a workflow by name or path: a Workflow, or nil, message, code.
M.load = workflow.load

--- Names of the workflows on the rules path.
M.list = workflow.list

--- Loads a working-day calendar by name or path.
M.calendar = calendar.load

--- Date helpers: parse, format, add_months, weekday (day numbers).
M.dates = calendar

--- The counts a criterion may name (`counts = { ... }`), in order.
M.facts = criteria.fact_names

--- Starts a run of a workflow; returns its id, or nil, message, code.
M.start = progress.start

--- The run with that id, or the one active run (id nil).
M.run = progress.find_run

--- Records a step done by hand (or started, or skipped) with evidence.
function M.complete(reg, run_id, step_id, opts)
  return progress.complete(reg, run_id, step_id, opts)
end

--- Where a run stands (see docs/roadmaps.md, "The status model"); with
-- opts.record, steps whose exit criteria now hold are recorded done.
function M.status(reg, run_id, opts)
  opts = opts or {}
  local run, err, code = progress.find_run(reg, run_id)
  if not run then return nil, err, code end
  local model, merr, mcode = progress.status(reg, run, opts)
  if not model then return nil, merr, mcode end
  if opts.record and #model.newly_done > 0 then
    local n, batch_or_err, rcode = progress.record_newly_done(reg, model, opts.reason)
    if not n then return nil, batch_or_err, rcode end
    model.recorded, model.recorded_batch = n, batch_or_err
  end
  return model
end

--- What a delay of n working days to one step does to the run.
-- @treturn table { before, after, moved = { { index, by } }, finish_by } or nil, message, code
function M.whatif(reg, run_id, step_id, n, opts)
  opts = opts or {}
  local model, err, code = M.status(reg, run_id, opts)
  if not model then return nil, err, code end
  local wf = model.workflow
  local s = wf.by_id[step_id]
  if not s then return nil, ("workflow %s has no step '%s'"):format(wf.name, tostring(step_id)),
    "INPUT" end
  local st = model.by_id[s.id].status
  if st == "done" or st == "skipped" then
    return nil, ("step %s is %s; only a step still to do can slip"):format(s.id, st), "INPUT"
  end
  local S = model.schedule
  local progress_now = {}
  for k, v in pairs(progress.progress(reg, model.run.id)) do progress_now[k] = v end
  for _, item in ipairs(model.newly_done) do
    progress_now[item.id] = { status = "done", done = calendar.parse(model.today) }
  end
  local res = schedule.whatif(wf, { calendar = model.calendar, start = S.start, today = S.today,
                                    target = S.target, progress = progress_now,
                                    estimate = opts.estimate }, s.id, n)
  res.model = model
  return res
end

--- The schedule of a workflow on its own (no run): from a start date.
function M.plan(wf, opts)
  opts = opts or {}
  local cal, err, code = wf:calendar_of(opts.calendar)
  if not cal then return nil, err, code end
  local start = calendar.parse(opts.start)
  if not start then return nil, "plan: start must be a date YYYY-MM-DD", "USAGE" end
  local target = opts.target and calendar.parse(opts.target)
  return schedule.compute(wf, { calendar = cal, start = start, today = start, target = target,
                                estimate = opts.estimate })
end

M.schedule = schedule
M.criteria = criteria
M.gantt = gantt

return M
