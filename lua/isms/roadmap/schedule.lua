--- The schedule of a roadmap run: a forward and a backward pass over the
-- dependency graph in working days (critical path method).
--
-- Time is counted in working days of the run's calendar (a Timeline:
-- index 0, 1, 2, ... from an origin). A step occupies [es, ef): it starts
-- on working day es and is over before working day ef, so a 5-day step
-- starting on a Monday has ef on the next Monday and finishes on Friday;
-- a milestone (duration 0) has es = ef. A successor with lag L may start
-- on working day ef + L.
--
-- Forward pass (in topological order): a done step keeps its recorded
-- dates; a started one runs from its start and is not over before today;
-- a pending one starts no earlier than the run's start, today, each
-- predecessor's finish plus lag, and its `earliest` date. Backward pass
-- (in reverse order): a step must finish by the target (or, without one,
-- the projected finish), before each pending successor's late start less
-- lag, and by its deadline. Slack = late start - early start; the
-- critical steps are the pending ones with the least slack, and the
-- critical path is the chain of them that drives the projected finish.
local calendar = require "isms.roadmap.calendar"

local M = {}

local ESTIMATES = { low = "lo", mid = "mid", high = "hi", lo = "lo", hi = "hi" }
M.ESTIMATES = ESTIMATES

-- Successors with lag, per step index (built once per workflow).
local function successors(wf)
  if wf._succ_lag then return wf._succ_lag end
  local succ = {}
  for i = 1, #wf.steps do succ[i] = {} end
  for j, s in ipairs(wf.steps) do
    for _, p in ipairs(s.pred) do
      local list = succ[p.index]
      list[#list + 1] = { index = j, lag = p.lag }
    end
  end
  wf._succ_lag = succ
  return succ
end

-- A relative date ({ after, months, days }) as a day number: from the
-- finish of step `after` (recorded or projected), else from the start.
local function relative(w, fdate, start)
  local base = w.index and fdate[w.index] or start
  return calendar.add_months(base, w.months) + w.days
end

--- Computes the schedule.
-- opts: calendar (Calendar), start, today, target (day numbers; target
-- optional), progress ({ [step id] = { status = "done"|"skipped"|"started",
-- started = day, done = day } }), estimate ("low"|"mid"|"high"), delay
-- ({ [step id] = extra working days }).
-- @treturn table the schedule (see the fields set below)
function M.compute(wf, opts)
  local est = ESTIMATES[opts.estimate or "mid"] or error("schedule: unknown estimate", 2)
  local progress, delay = opts.progress or {}, opts.delay or {}
  local start, today, target = opts.start, opts.today, opts.target
  -- The origin: before every date the run knows of.
  local origin = math.min(start, today)
  for _, p in pairs(progress) do
    if p.started and p.started < origin then origin = p.started end
    if p.done and p.done < origin then origin = p.done end
  end
  local tl = opts.calendar:timeline(origin - 31)
  local S0, T = tl:ceil(start), tl:ceil(today)
  local steps, n = wf.steps, #wf.steps
  local es, ef, ls, lf, dur, state = {}, {}, {}, {}, {}, {}
  local fdate, deadline, deadline_end, deadline_title = {}, {}, {}, {}
  -- What set each pending step's start: the predecessor (or the step an
  -- `earliest` date follows) it waits for; the critical path follows these.
  local driver = {}
  -- Forward pass.
  for _, i in ipairs(wf.order) do
    local s = steps[i]
    local p = progress[s.id]
    local d = s.duration[est] + (delay[s.id] or 0)
    dur[i] = d
    local st = p and p.status or "pending"
    state[i] = st
    if st == "done" then
      ef[i] = tl:after(p.done)
      es[i] = p.started and math.min(tl:ceil(p.started), ef[i]) or math.max(ef[i] - d, 0)
      fdate[i] = p.done
    else
      local at, by = S0, nil
      if st ~= "skipped" and T > at then at = T end
      for _, q in ipairs(s.pred) do
        local t = ef[q.index] + q.lag
        if t > at then at, by = t, q.index end
      end
      if s.earliest and st ~= "skipped" then
        local t = tl:ceil(relative(s.earliest, fdate, start))
        if t > at then at, by = t, s.earliest.index end
      end
      driver[i] = by
      if st == "skipped" then
        es[i], ef[i] = at, at
      elseif st == "started" and p.started then
        es[i] = tl:ceil(p.started)
        ef[i] = math.max(es[i] + d, d > 0 and T + 1 or T)
      else
        es[i], ef[i] = at, at + d
      end
      -- A milestone is dated the day the work it waits for ends.
      local milestone_after = ef[i] == es[i] and by and es[i] > 0 and ef[by] == es[i]
      fdate[i] = (ef[i] > es[i] or milestone_after) and tl:day(ef[i] - 1) or tl:day(es[i])
    end
    if s.deadline then
      for _, w in ipairs(s.deadline) do
        local z = relative(w, fdate, start)
        if not deadline[i] or z < deadline[i] then deadline[i], deadline_title[i] = z, w.title end
      end
      deadline_end[i] = tl:after(deadline[i])
    end
  end
  -- The projected finish: the latest finish of any step.
  local PF, finish = S0, start
  for i = 1, n do
    if ef[i] > PF then PF = ef[i] end
    if fdate[i] > finish then finish = fdate[i] end
  end
  local END = target and tl:after(target) or PF
  -- Backward pass.
  local succ = successors(wf)
  local order = wf.order
  local slack, min_slack = {}, nil
  for k = #order, 1, -1 do
    local i = order[k]
    if state[i] == "done" or state[i] == "skipped" then
      lf[i], ls[i] = ef[i], es[i]
    else
      local late = END
      for _, x in ipairs(succ[i]) do
        local j = x.index
        if state[j] ~= "done" and state[j] ~= "skipped" then
          local t = ls[j] - x.lag
          if t < late then late = t end
        end
      end
      if deadline_end[i] and deadline_end[i] < late then late = deadline_end[i] end
      lf[i] = late
      ls[i] = late - (ef[i] - es[i])
      slack[i] = ls[i] - es[i]
      if not min_slack or slack[i] < min_slack then min_slack = slack[i] end
    end
  end
  local critical = {}
  for i = 1, n do critical[i] = slack[i] ~= nil and slack[i] == min_slack end
  -- The critical path: back from the pending step that finishes last,
  -- through the predecessors that drive each start.
  local last
  for _, i in ipairs(order) do
    if slack[i] ~= nil and (not last or ef[i] > ef[last]
        or (ef[i] == ef[last] and slack[i] <= slack[last])) then
      last = i
    end
  end
  local path = {}
  local v = last
  while v do
    table.insert(path, 1, v)
    local drive
    for _, q in ipairs(steps[v].pred) do
      local j = q.index
      if slack[j] ~= nil and ef[j] + q.lag == es[v] and (not drive or slack[j] < slack[drive]) then
        drive = j
      end
    end
    if not drive and driver[v] and slack[driver[v]] ~= nil then drive = driver[v] end
    v = drive
  end
  return {
    wf = wf, tl = tl, es = es, ef = ef, ls = ls, lf = lf, slack = slack, dur = dur,
    state = state, critical = critical, min_slack = min_slack, path = path,
    fdate = fdate, deadline = deadline, deadline_end = deadline_end,
    deadline_title = deadline_title,
    start = start, today = today, target = target, S0 = S0, T = T,
    finish = finish, finish_idx = PF, end_idx = END,
    late_by = target and (PF - END) or nil, estimate = est,
  }
end

--- A step's dates as text: start, finish, late start, late finish.
function M.dates(S, i)
  local tl, fmt = S.tl, calendar.format
  local sdate = S.es[i] == S.ef[i] and S.fdate[i] or tl:day(S.es[i])
  local out = { start = fmt(sdate), finish = fmt(S.fdate[i]) }
  if S.slack[i] ~= nil then
    out.late_start = fmt(tl:day(math.max(S.ls[i], 0)))
    out.late_finish = fmt(S.lf[i] > S.ls[i] and tl:day(math.max(S.lf[i] - 1, 0))
                          or tl:day(math.max(S.lf[i], 0)))
  end
  if S.deadline[i] then out.deadline = fmt(S.deadline[i]) end
  return out
end

--- Working days between the recorded or projected finish of step i and
-- its deadline: > 0 late, <= 0 in time (nil without a deadline).
function M.deadline_miss(S, i)
  if not S.deadline[i] then return nil end
  if S.state[i] == "done" then
    -- Calendar days for work already done: the record says when.
    return S.fdate[i] > S.deadline[i] and (S.fdate[i] - S.deadline[i]) or 0, "days"
  end
  return S.ef[i] - S.deadline_end[i], "working days"
end

--- What delaying one step by n working days does: the schedule with the
-- delay, the steps whose finish moves (with by how much) and the change
-- of the projected finish.
function M.whatif(wf, opts, step_id, n)
  local base = M.compute(wf, opts)
  local delayed = {}
  for k, v in pairs(opts.delay or {}) do delayed[k] = v end
  delayed[step_id] = (delayed[step_id] or 0) + n
  local o2 = {}
  for k, v in pairs(opts) do o2[k] = v end
  o2.delay = delayed
  local after = M.compute(wf, o2)
  local moved = {}
  for i = 1, #wf.steps do
    local d = after.ef[i] - base.ef[i]
    if d ~= 0 then moved[#moved + 1] = { index = i, by = d } end
  end
  table.sort(moved, function(a, b)
    if base.es[a.index] ~= base.es[b.index] then return base.es[a.index] < base.es[b.index] end
    return a.index < b.index
  end)
  return { before = base, after = after, moved = moved,
           finish_by = after.finish_idx - base.finish_idx }
end

return M
