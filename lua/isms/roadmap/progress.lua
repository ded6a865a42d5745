--- Roadmap runs in the register: a run follows one workflow from a start
-- date towards an optional target; step records say what was started,
-- done or skipped, and when. Both are record kinds (isms.store.kind), so
-- they get the kit's checked, logged writes, CSV import and export, and
-- the `isms roadmap-runs` and `isms roadmap-steps` verbs.
--
-- Where a run stands is computed, never stored: the step records, the
-- exit and entry criteria over the register as it is now (in the
-- sandbox), and the schedule (forward and backward pass) from today.
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local actions = require "isms.actions"
local workflow = require "isms.roadmap.workflow"
local calendar = require "isms.roadmap.calendar"
local schedule = require "isms.roadmap.schedule"
local criteria = require "isms.roadmap.criteria"

local M = {}

-- Workflows by the name or path a run gives, loaded once per process.
local loaded = {}
local function workflow_of(spec)
  local wf = loaded[spec]
  if wf then return wf end
  local w, err, code = workflow.load(spec)
  if not w then return nil, err, code end
  loaded[spec] = w
  return w
end
M.workflow_of = workflow_of

--- Forgets the workflows loaded so far (after a rule file changed).
function M.reload() loaded = {} end

kind.define {
  kind = "roadmap_run", plural = "roadmap-runs", table = "roadmap_runs", key = "id",
  id_prefix = "RM-", title = "Roadmap runs (a workflow followed from a start date)",
  summary = "roadmap runs: list|show|add|set|delete|import|export|check",
  list_columns = { "id", "workflow", "title", "started", "target", "status" },
  fields = {
    { name = "id", type = "id" },
    { name = "workflow", type = "text", required = true,
      help = "a roadmap rule file: name (rules/roadmaps/NAME.lua) or path" },
    { name = "title", type = "text" },
    { name = "started", type = "date", required = true, help = "the day work starts" },
    { name = "target", type = "date", help = "the day the last step should be done" },
    { name = "calendar", type = "text", help = "working days (rules/calendars/); default: the "
      .. "workflow's, else weekdays" },
    { name = "status", type = "enum", values = { "active", "closed" }, default = "active" },
    { name = "notes", type = "text" },
  },
  validate = function(row)
    local wf, err = workflow_of(row.workflow)
    if not wf then return err, "workflow" end
    if row.target and row.target < row.started then
      return ("the target %s is before the start %s"):format(row.target, row.started), "target"
    end
    if row.calendar then
      local _, cerr = calendar.load(row.calendar)
      if cerr then return cerr, "calendar" end
    end
  end,
  check = function(_, rows, problem)
    for _, row in ipairs(rows) do
      local _, err = workflow_of(row.workflow)
      if err then problem(row.id, "workflow", err) end
    end
  end,
}

local function run_workflow(reg, run_id)
  local run = reg:records("roadmap_run"):get(run_id)
  if not run then return nil end
  return workflow_of(run.workflow)
end

kind.define {
  kind = "roadmap_step", plural = "roadmap-steps", table = "roadmap_steps",
  key = { "run", "step" }, title = "Roadmap step records (started, done, skipped)",
  summary = "roadmap step records: list|show|add|set|delete|import|export|check",
  list_columns = { "run", "step", "status", "started_on", "done_on", "how", "completed_by" },
  fields = {
    { name = "run", type = "ref", to = "roadmap_run", required = true },
    { name = "step", type = "id", required = true },
    { name = "status", type = "enum", values = { "started", "done", "skipped" }, required = true },
    { name = "started_on", type = "date" },
    { name = "done_on", type = "date", help = "for a multi-day audit, its last day" },
    { name = "how", type = "enum", values = { "hand", "criteria" },
      help = "done by hand (with evidence) or because its exit criteria held" },
    { name = "completed_by", type = "text" },
    { name = "evidence", type = "list" },
    { name = "note", type = "text" },
  },
  validate = function(row, _, reg)
    local wf, err = run_workflow(reg, row.run)
    if not wf then return err or ("no roadmap run '%s'"):format(row.run), "run" end
    local s = wf.by_id[row.step]
    if not s then
      return ("workflow %s has no step '%s'"):format(wf.name, row.step), "step"
    end
    if row.status == "done" and not row.done_on then return "required when a step is done",
      "done_on" end
    if row.status == "started" and not row.started_on then
      return "required when a step is started", "started_on"
    end
    if row.status ~= "done" and row.done_on then
      return ("a %s step has no done_on"):format(row.status), "done_on"
    end
    if row.started_on and row.done_on and row.started_on > row.done_on then
      return ("started %s, after it was done (%s)"):format(row.started_on, row.done_on),
        "started_on"
    end
    if row.status == "skipped" and not s.optional then
      return ("step %s is not optional; only optional steps may be skipped"):format(s.id), "status"
    end
    if row.status == "done" and row.how == "hand" and #(row.evidence or {}) == 0 then
      return "a step completed by hand needs evidence", "evidence"
    end
  end,
  -- The rule file may have changed since a step was recorded.
  check = function(reg, rows, problem)
    for _, row in ipairs(rows) do
      local wf, err = run_workflow(reg, row.run)
      local id = row.run .. " / " .. row.step
      if not wf then
        if err then problem(id, "run", err) end
      elseif not wf.by_id[row.step] then
        problem(id, "step", ("workflow %s has no step '%s' any more"):format(wf.name, row.step))
      elseif row.status == "skipped" and not wf.by_id[row.step].optional then
        problem(id, "status", ("step %s is skipped but no longer optional"):format(row.step))
      end
    end
  end,
}

-- ------------------------------------------------------------ runs

--- Starts a run: opts { id, title, start (YYYY-MM-DD, default today),
-- target, calendar, reason }. Returns the new run's id, or nil, message, code.
function M.start(reg, spec, opts)
  opts = opts or {}
  local wf, err, code = workflow_of(spec)
  if not wf then return nil, err, code end
  local rep, werr, wcode = reg:records("roadmap_run"):add({
    id = opts.id, workflow = spec, title = opts.title or wf.title,
    started = opts.start or records.today(), target = opts.target, calendar = opts.calendar,
  }, { reason = opts.reason, command = "roadmap start" })
  if not rep then return nil, werr, wcode end
  return rep.id
end

--- The run named, or the one active run when id is nil.
function M.find_run(reg, id)
  local runs = reg:records("roadmap_run")
  if id then
    local run = runs:get(id)
    if not run then return nil, ("no roadmap run '%s' in the register"):format(id), "NOTFOUND" end
    return run
  end
  local active = runs:list({ status = "active" })
  if #active == 1 then return active[1] end
  if #active == 0 then
    return nil, "no active roadmap run; start one with isms roadmap start WORKFLOW", "NOTFOUND"
  end
  local ids = {}
  for k, r in ipairs(active) do ids[k] = r.id end
  return nil, ("%d active roadmap runs (%s); name one"):format(#active, table.concat(ids, ", ")),
    "USAGE"
end

--- The step records of a run as schedule progress: step id ->
-- { status, started, done (day numbers), how, record }.
function M.progress(reg, run_id)
  local out = {}
  for _, row in ipairs(reg:records("roadmap_step"):list({ run = run_id })) do
    out[row.step] = { status = row.status, started = calendar.parse(row.started_on),
                      done = calendar.parse(row.done_on), how = row.how, record = row }
  end
  return out
end

--- Records that a step was done by hand (or started, or skipped), with
-- evidence. opts: date (default today), started, evidence (list),
-- by, note, status ("done", "started", "skipped"), override (a step
-- whose exit criteria are evaluable completes by itself; override with a
-- reason to record it by hand anyway), reason.
function M.complete(reg, run_id, step_id, opts)
  opts = opts or {}
  local run, err, code = M.find_run(reg, run_id)
  if not run then return nil, err, code end
  local wf, werr, wcode = workflow_of(run.workflow)
  if not wf then return nil, werr, wcode end
  local s = wf.by_id[step_id]
  if not s then
    return nil, ("workflow %s has no step '%s'"):format(wf.name, tostring(step_id)), "INPUT"
  end
  local status = opts.status or "done"
  if status == "done" and #s.exit > 0 and not opts.override then
    -- Criteria that cannot be evaluated on this register leave the step to the hand.
    local res = criteria.evaluate(reg, s.exit, opts.today or records.today())
    local all_available = true
    for _, r in ipairs(res) do all_available = all_available and r.state ~= "unavailable" end
    if all_available then
      local words = {}
      for k, ref in ipairs(s.exit) do
        words[#words + 1] = ("'%s' (%s)"):format(ref.criterion.text, res[k].state)
      end
      return nil, ("step %s completes when its exit criteria hold: %s; to record it by hand "
        .. "anyway, give an override reason"):format(s.id, table.concat(words, ", ")), "INPUT"
    end
  end
  local old = reg:records("roadmap_step"):get(run.id .. " / " .. s.id)
  local evidence = {}
  for _, e in ipairs(old and old.evidence or {}) do evidence[#evidence + 1] = e end
  for _, e in ipairs(opts.evidence or {}) do evidence[#evidence + 1] = e end
  local date = opts.date or records.today()
  local values = {
    run = run.id, step = s.id, status = status,
    started_on = opts.started or (status == "started" and date)
                 or (old and old.started_on) or "",
    done_on = status == "done" and date or "",
    how = status == "done" and "hand" or "",
    completed_by = opts.by or reg.actor or "",
    evidence = evidence,
    note = opts.note or (opts.override and ("by hand over its exit criteria: " .. opts.override))
           or (old and old.note) or "",
  }
  local rep, perr, pcode = reg:records("roadmap_step"):put(values, {
    reason = opts.reason or opts.override, command = "roadmap complete" })
  if not rep then return nil, perr, pcode end
  return rep
end

-- ------------------------------------------------------------ status

local function role_order(wf)
  local at = {}
  for k, r in ipairs(wf.roles) do at[r.id] = k end
  return at
end

local function criterion_words(ref, res)
  local text = ref.criterion.text
  if #ref.args > 0 then
    local a = {}
    for k, v in ipairs(ref.args) do a[k] = tostring(v) end
    text = text .. " (" .. table.concat(a, ", ") .. ")"
  end
  local why = res.reason and (": " .. res.reason) or ""
  if res.state == "holds" then return text .. " holds" .. why end
  if res.state == "fails" then return text .. " does not hold" .. why end
  if res.state == "unavailable" then
    return text .. " cannot be evaluated on this register" .. why
  end
  return text .. " fails to evaluate" .. why
end
M.criterion_words = criterion_words

--- Where a run stands. opts: today (YYYY-MM-DD), estimate (low, mid,
-- high), criteria (false: skip the criteria, use the records only).
-- @treturn table the model (docs/roadmaps.md, "The status model"), or
--   nil, message, code
function M.status(reg, run, opts)
  opts = opts or {}
  local wf, err, code = workflow_of(run.workflow)
  if not wf then return nil, err, code end
  local cal, cerr, ccode = wf:calendar_of(run.calendar)
  if not cal then return nil, cerr, ccode end
  local today_s = records.today(opts.today)
  local today = calendar.parse(today_s)
  if not today then return nil, ("'%s' is not a date YYYY-MM-DD"):format(today_s), "USAGE" end
  local progress = M.progress(reg, run.id)
  local steps = wf.steps
  -- The criteria to evaluate, each distinct reference once.
  local refs, ref_at = {}, {}
  local function want(ref)
    if not ref_at[ref.key] then
      refs[#refs + 1] = ref
      ref_at[ref.key] = #refs
    end
  end
  if opts.criteria ~= false then
    for _, s in ipairs(steps) do
      local p = progress[s.id]
      local st = p and p.status
      if st ~= "skipped" and not (st == "done" and p.how == "hand") then
        for _, ref in ipairs(s.exit) do want(ref) end
      end
      if st ~= "done" and st ~= "skipped" then
        for _, ref in ipairs(s.entry) do want(ref) end
      end
    end
  end
  local results = criteria.evaluate(reg, refs, today_s)
  local function result_of(ref)
    local k = ref_at[ref.key]
    return k and results[k] or nil
  end
  -- Steps whose exit criteria all hold are done now (recorded by the caller).
  local newly = {}
  for _, s in ipairs(steps) do
    local p = progress[s.id]
    if (not p or p.status == "started") and #s.exit > 0 and opts.criteria ~= false then
      local all = true
      for _, ref in ipairs(s.exit) do
        local r = result_of(ref)
        all = all and r ~= nil and r.state == "holds"
      end
      if all then
        newly[s.id] = true
        progress[s.id] = { status = "done", done = today, started = p and p.started,
                           how = "criteria" }
      end
    end
  end
  local start = calendar.parse(run.started)
  local target = run.target and calendar.parse(run.target) or nil
  local sopts = { calendar = cal, start = start, today = today, target = target,
                  progress = progress, estimate = opts.estimate }
  local S = schedule.compute(wf, sopts)
  local B = schedule.compute(wf, { calendar = cal, start = start, today = start, target = target,
                                   estimate = opts.estimate })
  local lo = schedule.compute(wf, { calendar = cal, start = start, today = today,
                                    target = target, progress = progress, estimate = "low" })
  local hi = schedule.compute(wf, { calendar = cal, start = start, today = today,
                                    target = target, progress = progress, estimate = "high" })
  local model = { run = run, workflow = wf, calendar = cal, today = today_s, schedule = S,
                  baseline = B, steps = {}, by_id = {}, newly_done = {}, phases = {},
                  next_actions = {}, critical_path = {} }
  for _, s in ipairs(wf:reading_order()) do
    local i = s.index
    local p = progress[s.id]
    local st = p and p.status or "pending"
    local item = { id = s.id, title = s.title, phase = s.phase and s.phase.id,
                   role = s.role.id, role_title = s.role.title, index = i,
                   duration = s.duration, evidence_expected = s.evidence,
                   critical = S.critical[i], slack = S.slack[i], entry = {}, exit = {},
                   why = {} }
    for _, ref in ipairs(s.exit) do
      local r = result_of(ref)
      if r then item.exit[#item.exit + 1] = { id = ref.id, args = ref.args, state = r.state,
                                              reason = r.reason,
                                              words = criterion_words(ref, r) } end
    end
    for _, ref in ipairs(s.entry) do
      local r = result_of(ref)
      if r then item.entry[#item.entry + 1] = { id = ref.id, args = ref.args, state = r.state,
                                                reason = r.reason,
                                                words = criterion_words(ref, r) } end
    end
    local d = schedule.dates(S, i)
    item.start, item.finish, item.late_start, item.late_finish = d.start, d.finish,
      d.late_start, d.late_finish
    item.deadline = d.deadline
    item.deadline_title = S.deadline_title[i]
    item.planned_finish = calendar.format(B.fdate[i])
    if st == "done" or st == "skipped" then
      item.status = st
      item.how = p.how
      item.done_on = p.done and calendar.format(p.done) or nil
      item.started_on = p.started and calendar.format(p.started) or nil
      item.record = p.record
      if newly[s.id] then
        item.newly_done = true
        model.newly_done[#model.newly_done + 1] = item
      elseif p.how == "criteria" then
        for _, x in ipairs(item.exit) do
          if x.state ~= "holds" then
            item.why[#item.why + 1] = "recorded done, but now: " .. x.words
          end
        end
      end
      local miss, unit = schedule.deadline_miss(S, i)
      if miss and miss > 0 then
        item.late = miss
        item.why[#item.why + 1] = ("done %d %s after its deadline %s%s"):format(miss, unit,
          d.deadline, item.deadline_title and (" (" .. item.deadline_title .. ")") or "")
      end
    else
      item.started_on = p and p.started and calendar.format(p.started) or nil
      local waiting = {}
      for _, q in ipairs(s.pred) do
        local ps = progress[steps[q.index].id]
        if not ps or (ps.status ~= "done" and ps.status ~= "skipped") then
          waiting[#waiting + 1] = ("%s (%s)"):format(steps[q.index].id, steps[q.index].title)
        end
      end
      if #waiting > 0 then
        item.why[#item.why + 1] = "waiting for " .. table.concat(waiting, ", ")
      end
      for _, x in ipairs(item.entry) do
        if x.state ~= "holds" then item.why[#item.why + 1] = "entry: " .. x.words end
      end
      if s.earliest and S.es[i] > S.T and #waiting == 0 then
        item.why[#item.why + 1] = ("not before %s%s"):format(calendar.format(S.tl:day(S.es[i])),
          s.earliest.title and (" (" .. s.earliest.title .. ")") or "")
      end
      for _, x in ipairs(item.exit) do
        if x.state == "unavailable" or x.state == "error" then
          item.why[#item.why + 1] = "exit: " .. x.words
        end
      end
      local blocked = #waiting > 0
      for _, x in ipairs(item.entry) do blocked = blocked or x.state ~= "holds" end
      if s.earliest and S.es[i] > S.T then blocked = true end
      item.status = st == "started" and "started" or (blocked and "blocked" or "ready")
      -- Due: by its deadline (computed from the dates recorded so far)
      -- if it has one, else by its planned finish (the plan from the
      -- run's start, before any progress).
      local due = S.deadline[i] or B.fdate[i]
      item.due = calendar.format(due)
      item.overdue = today > due
      local miss = schedule.deadline_miss(S, i)
      if miss and miss > 0 then
        item.misses_deadline = miss
        item.why[#item.why + 1] = ("projected to finish %d working days after its deadline %s%s")
          :format(miss, d.deadline, item.deadline_title and (" (" .. item.deadline_title .. ")")
                  or "")
      end
    end
    model.steps[#model.steps + 1] = item
    model.by_id[s.id] = item
  end
  -- Phases.
  local phase_list = #wf.phases > 0 and wf.phases or { { id = false, title = "steps" } }
  for _, ph in ipairs(phase_list) do
    local sum = { id = ph.id or nil, title = ph.title, total = 0, done = 0, ready = 0,
                  started = 0, blocked = 0, overdue = 0 }
    for _, item in ipairs(model.steps) do
      if (item.phase or false) == ph.id then
        sum.total = sum.total + 1
        if item.status == "done" or item.status == "skipped" then sum.done = sum.done + 1
        else sum[item.status] = sum[item.status] + 1 end
        if item.overdue then sum.overdue = sum.overdue + 1 end
      end
    end
    sum.status = sum.done == sum.total and "done" or (sum.done > 0 or sum.started > 0) and
      "in progress" or "not started"
    model.phases[#model.phases + 1] = sum
  end
  -- Next actions by role: ready and started steps, most urgent first.
  local by_role, at = {}, role_order(wf)
  for _, item in ipairs(model.steps) do
    if item.status == "ready" or item.status == "started" then
      by_role[item.role] = by_role[item.role] or {}
      table.insert(by_role[item.role], item)
    end
  end
  local roles = {}
  for role in pairs(by_role) do roles[#roles + 1] = role end
  table.sort(roles, function(a, b) return at[a] < at[b] end)
  for _, role in ipairs(roles) do
    local list = by_role[role]
    table.sort(list, function(a, b)
      local sa, sb = S.ls[a.index], S.ls[b.index]
      if sa ~= sb then return sa < sb end
      return a.index < b.index
    end)
    model.next_actions[#model.next_actions + 1] = { role = role,
      title = wf.role_by_id[role].title, steps = list }
  end
  for _, i in ipairs(S.path) do model.critical_path[#model.critical_path + 1] = steps[i].id end
  model.finish = calendar.format(S.finish)
  model.finish_low, model.finish_high = calendar.format(lo.finish), calendar.format(hi.finish)
  model.target = run.target
  model.late_by = S.late_by
  local done = 0
  for _, item in ipairs(model.steps) do
    if item.status == "done" or item.status == "skipped" then done = done + 1 end
  end
  model.done, model.total = done, #model.steps
  return model
end

--- Records the steps a status found done by their exit criteria, in one
-- batch. Returns the number recorded (and the batch), or nil, message, code.
function M.record_newly_done(reg, model, reason)
  local list = {}
  for _, item in ipairs(model.newly_done) do
    local words = {}
    for _, x in ipairs(item.exit) do words[#words + 1] = x.words end
    list[#list + 1] = { run = model.run.id, step = item.id, status = "done",
                        started_on = item.started_on or "", done_on = model.today,
                        how = "criteria", evidence = words }
  end
  if #list == 0 then return 0 end
  local rep, err, code = reg:records("roadmap_step"):put_all(list, {
    command = "roadmap status", reason = reason or "exit criteria hold" })
  if not rep then return nil, err, code end
  return #list, rep.batch
end

-- ------------------------------------------------------------ actions

-- Pending steps of active runs join the action tracker, due on their
-- planned finish (or deadline, if earlier); done steps as closed actions.
-- The records decide what is done here: criteria are not run.
actions.source("roadmap", function(reg)
  local ok, runs = pcall(function() return reg:records("roadmap_run"):list({ status = "active" }) end)
  if not ok then return {} end
  local out = {}
  for _, run in ipairs(runs) do
    local model = M.status(reg, run, { criteria = false })
    if model then
      for _, item in ipairs(model.steps) do
        local done = item.status == "done" or item.status == "skipped"
        out[#out + 1] = {
          id = run.id .. "/" .. item.id, title = item.title, owner = item.role_title,
          due = done and item.done_on or item.due, status = item.status, done = done,
          ref = ("roadmap %s (%s)"):format(run.id, model.workflow.name),
        }
      end
    end
  end
  return out
end)

return M
