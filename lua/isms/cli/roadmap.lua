--- `isms roadmap list|show|check|start|status|schedule|complete|whatif`:
-- roadmap workflows (rules/roadmaps/) and their runs in the register.
-- The run and step records themselves have the kit's verbs too
-- (`isms roadmap-runs`, `isms roadmap-steps`).
local roadmap = require "isms.roadmap"
local workflow = require "isms.roadmap.workflow"
local gantt = require "isms.roadmap.gantt"
local format = require "isms.store.format"
local records = require "isms.store.records"
local cjson = require "cjson"

local VERBS = { "list", "show", "check", "start", "status", "schedule", "complete", "whatif" }

local HELP = [[
Roadmaps are workflows written as rule files (rules/roadmaps/: qism-24,
pre-implementation, risk-assessment, internal-audit, certification); a run
follows one in the register from a start date. See docs/roadmaps.md.

  list                          the workflows, and the runs of the register
  show WORKFLOW [--start D] [--calendar C]
                                phases, steps, roles, criteria; the plan from D
  check FILE                    validate a workflow; with --db, run its criteria
  start WORKFLOW [--start D] [--target D] [--id ID] [--title T] [--calendar C]
  status [RUN] [--today D]      done, ready, blocked (why), overdue; next
                                actions by role; critical path; projected
                                finish. Records the steps whose exit criteria
                                hold as done (--no-record: only show them)
  schedule [RUN] [--format text|json|svg|html] [--out FILE] [--width N]
                                early and late dates, slack, critical path, Gantt
  complete [RUN] STEP --evidence "TEXT; TEXT" [--date D] [--started D]
           [--by WHO] [--note N] [--skip | --begin] [--override REASON]
                                record a step done by hand (or skipped, or begun)
  whatif [RUN] STEP --delay N   what N more working days on STEP do to the finish

RUN may be left out when the register has one active run. --today fixes
today's date (check, status, schedule, complete, whatif); --estimate
low|mid|high picks from duration ranges (show, status, schedule, whatif);
--json prints JSON (list, show, status, schedule, whatif); the writes
(start, status, complete) take --reason TEXT, which the change log keeps.
A verb refuses the options it does not read.]]

local function json_status(model)
  local steps = {}
  for k, item in ipairs(model.steps) do
    steps[k] = {
      id = item.id, title = item.title, phase = item.phase, role = item.role,
      status = item.status, how = item.how, done_on = item.done_on,
      started_on = item.started_on, start = item.start, finish = item.finish,
      late_start = item.late_start, late_finish = item.late_finish, slack = item.slack,
      critical = item.critical, due = item.due, overdue = item.overdue or false,
      deadline = item.deadline, deadline_title = item.deadline_title,
      planned_finish = item.planned_finish, late = item.late,
      misses_deadline = item.misses_deadline, why = item.why, entry = item.entry,
      exit = item.exit, evidence_expected = item.evidence_expected,
      newly_done = item.newly_done or false,
    }
  end
  local actions = {}
  for k, a in ipairs(model.next_actions) do
    local ids = {}
    for j, item in ipairs(a.steps) do ids[j] = item.id end
    actions[k] = { role = a.role, title = a.title, steps = ids }
  end
  return {
    run = model.run.id, workflow = model.workflow.name, title = model.workflow.title,
    started = model.run.started, target = model.target, today = model.today,
    finish = model.finish, finish_low = model.finish_low, finish_high = model.finish_high,
    late_by = model.late_by, done = model.done, total = model.total, phases = model.phases,
    steps = steps, next_actions = actions, critical_path = model.critical_path,
    recorded = model.recorded or 0,
  }
end

-- JSON with keys in a fixed order; an empty table is an empty list (every
-- object here has fields, every list may be empty), which cjson would
-- write as {}.
local function encode(v)
  if type(v) ~= "table" then return cjson.encode(v) end
  if next(v) == nil then return "[]" end
  local n = #v
  if n > 0 then
    local items = {}
    for k = 1, n do items[k] = encode(v[k]) end
    return "[" .. table.concat(items, ",") .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  local items = {}
  for k, key in ipairs(keys) do items[k] = cjson.encode(key) .. ":" .. encode(v[key]) end
  return "{" .. table.concat(items, ",") .. "}"
end

local function duration_text(d)
  if d.lo == d.hi then return tostring(d.lo) end
  if d.mid ~= math.ceil((d.lo + d.hi) / 2) then return ("%d-%d-%d"):format(d.lo, d.mid, d.hi) end
  return ("%d-%d"):format(d.lo, d.hi)
end

local function late_words(model)
  if not model.late_by then return "" end
  if model.late_by > 0 then
    return (", %d working days after the target %s"):format(model.late_by, model.target)
  end
  return (", %d working days before the target %s"):format(-model.late_by, model.target)
end

return function(kit)
  local out, EXIT = kit.out, kit.EXIT

  local fail = kit.fail
  local function list_of(text) return kit.list_of(text, ";") end

  local function check_date(opts, name)
    if opts[name] and not records.date(opts[name], "--" .. name) then
      return nil, ("--%s: '%s' is not a date YYYY-MM-DD"):format(name, opts[name])
    end
    return true
  end

  -- ---------------------------------------------------------- list, show

  local function list(ctx, opts)
    local rows = {}
    for _, name in ipairs(workflow.list()) do
      local wf, err = roadmap.load(name)
      rows[#rows + 1] = wf and { name = name, title = wf.title, steps = #wf.steps,
                                 phases = #wf.phases, roles = #wf.roles }
                       or { name = name, title = "(does not load: " .. err .. ")" }
    end
    local runs = {}
    if ctx.db or os.getenv("ISMS_DB") then
      local reg = kit.open_register(ctx)
      if reg then
        for _, r in ipairs(reg:records("roadmap_run"):list()) do runs[#runs + 1] = r end
        reg:close()
      end
    end
    if opts.json then
      out(encode({ workflows = rows, runs = runs }), "\n")
      return EXIT.OK
    end
    out(format.table(rows, { "name", { "title", "title", 60 }, "steps", "phases", "roles" }))
    if #runs > 0 then
      out("\nruns:\n", format.table(runs, { "id", "workflow", { "title", "title", 40 }, "started",
                                            "target", "status" }))
    end
    return EXIT.OK
  end

  local function show(opts, name)
    if not name then return fail("usage: isms roadmap show WORKFLOW", "USAGE") end
    local ok, derr = check_date(opts, "start")
    if not ok then return fail(derr, "USAGE") end
    local wf, err, code = roadmap.load(name)
    if not wf then return fail(err, code) end
    local S, serr, scode = roadmap.plan(wf, { start = opts.start or records.today(),
                                              calendar = opts.calendar, estimate = opts.estimate })
    if not S then return fail(serr, scode) end
    local rows = {}
    for _, s in ipairs(wf:reading_order()) do
      local deps = {}
      for k, d in ipairs(s.depends) do deps[k] = d.lag > 0 and (d.id .. "+" .. d.lag) or d.id end
      local crit = {}
      for _, r in ipairs(s.entry) do crit[#crit + 1] = "entry " .. r.id end
      for _, r in ipairs(s.exit) do crit[#crit + 1] = "exit " .. r.id end
      local d = roadmap.schedule.dates(S, s.index)
      rows[#rows + 1] = { step = s.id, phase = s.phase and s.phase.id, title = s.title,
                          role = s.role.id, days = duration_text(s.duration),
                          depends = table.concat(deps, ", "), criteria = table.concat(crit, ", "),
                          start = d.start, finish = d.finish,
                          optional = s.optional or nil, evidence = s.evidence }
    end
    if opts.json then
      local roles, phases, crits = {}, {}, {}
      for k, r in ipairs(wf.roles) do roles[k] = { id = r.id, title = r.title } end
      for k, p in ipairs(wf.phases) do phases[k] = { id = p.id, title = p.title } end
      for k, c in ipairs(wf.criterion_list) do
        crits[k] = { id = c.id, text = c.text, counts = c.counts, sql = c.sql }
      end
      out(encode({ name = wf.name, title = wf.title, description = wf.description,
                   reference = wf.reference, file = wf.file, roles = roles, phases = phases,
                   criteria = crits, steps = rows,
                   plan = { start = roadmap.dates.format(S.start),
                            finish = roadmap.dates.format(S.finish) } }), "\n")
      return EXIT.OK
    end
    out(("%s: %s\n"):format(wf.name, wf.title))
    if wf.description then out(wf.description, "\n") end
    if wf.reference then out("reference: ", wf.reference, "\n") end
    out(("file: %s; calendar: %s\n\n"):format(wf.file, wf.calendar or "weekdays"))
    local roles = {}
    for k, r in ipairs(wf.roles) do roles[k] = r.id .. " (" .. r.title .. ")" end
    out("roles: ", table.concat(roles, ", "), "\n")
    if #wf.criterion_list > 0 then
      out("criteria:\n")
      for _, c in ipairs(wf.criterion_list) do out(("  %-24s %s\n"):format(c.id, c.text)) end
    end
    out("\n", format.table(rows, { "step", "phase", { "title", "title", 50 }, "role", "days",
                                   "depends", "criteria", "start", "finish" }))
    out(("\nplan from %s: finish %s (durations in working days; ranges at their %s)\n"):format(
      roadmap.dates.format(S.start), roadmap.dates.format(S.finish), opts.estimate or "mid"))
    return EXIT.OK
  end

  -- ---------------------------------------------------------- check

  local function check(ctx, opts, path)
    if not path then return fail("usage: isms roadmap check FILE", "USAGE") end
    local wf, err, code = roadmap.load(path)
    if not wf then return fail(err, code) end
    local notes = {}
    for _, s in ipairs(wf.steps) do
      for _, d in ipairs(s.depends) do
        local p = wf.by_id[d.id]
        if s.phase and p.phase and p.phase.index > s.phase.index then
          notes[#notes + 1] = ("%s:%d: step '%s': depends: waits for step '%s' of a later phase "
            .. "(%s)"):format(s.file, s.line, s.id, p.id, p.phase.id)
        end
      end
    end
    local problems = 0
    if ctx.db or os.getenv("ISMS_DB") then
      local reg, rerr, rcode = kit.open_register(ctx)
      if not reg then return fail(rerr, rcode) end
      local refs, seen = {}, {}
      for _, c in ipairs(wf.criterion_list) do
        if not seen[c.id] then
          seen[c.id] = true
          refs[#refs + 1] = { criterion = c, args = {} }
        end
      end
      -- Criteria with arguments run with the arguments the steps give.
      for _, s in ipairs(wf.steps) do
        for _, refs_of in ipairs({ s.entry, s.exit }) do
          for _, ref in ipairs(refs_of) do
            if #ref.args > 0 and not seen[ref.key] then
              seen[ref.key] = true
              refs[#refs + 1] = ref
            end
          end
        end
      end
      local res = roadmap.criteria.evaluate(reg, refs, records.today(opts.today))
      reg:close()
      for k, ref in ipairs(refs) do
        local c, r = ref.criterion, res[k]
        local line = ("%s:%d: criterion '%s': check: "):format(c.file, c.line, c.id)
        if r.state == "error" then
          problems = problems + 1
          kit.err(line .. r.reason)
        elseif r.state == "unavailable" then
          notes[#notes + 1] = line .. "cannot be evaluated on this register: " .. r.reason
        end
      end
    end
    for _, n in ipairs(notes) do out("note: ", n, "\n") end
    if problems > 0 then
      out(("%s: %d criteria fail to evaluate on this register\n"):format(path, problems))
      return EXIT.INPUT
    end
    out(("%s: ok: roadmap %s, %d steps in %d phases, %d roles, %d criteria\n"):format(path,
      wf.name, #wf.steps, #wf.phases, #wf.roles, #wf.criterion_list))
    return EXIT.OK
  end

  -- ---------------------------------------------------------- runs

  local function start(reg, opts, name)
    if not name then return fail("usage: isms roadmap start WORKFLOW", "USAGE") end
    for _, o in ipairs({ "start", "target" }) do
      local ok, derr = check_date(opts, o)
      if not ok then return fail(derr, "USAGE") end
    end
    local id, err, code = roadmap.start(reg, name, { id = opts.id, title = opts.title,
      start = opts.start, target = opts.target, calendar = opts.calendar, reason = opts.reason })
    if not id then return fail(err, code) end
    out(id, "\n")
    return EXIT.OK
  end

  local function print_status(model)
    local run, wf = model.run, model.workflow
    out(("roadmap %s: %s (%s)\n"):format(run.id, run.title or wf.title, wf.name))
    out(("started %s%s; today %s: %d of %d steps done\n"):format(run.started,
      model.target and (", target " .. model.target) or "", model.today, model.done, model.total))
    out(("projected finish %s (between %s and %s)%s\n"):format(model.finish, model.finish_low,
      model.finish_high, late_words(model)))
    if model.recorded and model.recorded > 0 then
      local ids = {}
      for k, item in ipairs(model.newly_done) do ids[k] = item.id end
      out(("recorded %d steps done by their exit criteria (batch %d): %s\n"):format(
        model.recorded, model.recorded_batch, table.concat(ids, ", ")))
    elseif #model.newly_done > 0 then
      local ids = {}
      for k, item in ipairs(model.newly_done) do ids[k] = item.id end
      out(("exit criteria hold (not recorded): %s\n"):format(table.concat(ids, ", ")))
    end
    out("\n", format.table(model.phases, { "title", "status", "total", "done", "started",
                                           "ready", "blocked", "overdue" }), "\n")
    local rows = {}
    for _, item in ipairs(model.steps) do
      local state = item.status
      if item.overdue then state = state .. ", overdue" end
      if item.critical then state = state .. ", critical" end
      local when
      if item.status == "done" then when = item.done_on .. (item.how == "criteria" and " (criteria)"
                                                           or " (by hand)")
      elseif item.status == "skipped" then when = "skipped"
      else when = "due " .. item.due end
      rows[#rows + 1] = { step = item.id, title = item.title, role = item.role, state = state,
                          when = when, why = table.concat(item.why, "; ") }
    end
    out(format.table(rows, { "step", { "title", "title", 44 }, "role", "state", "when",
                             { "why", "why", 90 } }), "\n")
    if #model.next_actions > 0 then
      out("next actions by role:\n")
      for _, a in ipairs(model.next_actions) do
        local items = {}
        for k, item in ipairs(a.steps) do
          items[k] = ("%s %s (start by %s)"):format(item.id, item.title, item.late_start or "-")
        end
        out(("  %s: %s\n"):format(a.title, table.concat(items, "; ")))
      end
      out("\n")
    end
    if #model.critical_path > 0 then
      out("critical path: ", table.concat(model.critical_path, " -> "), "\n")
    end
  end

  local function status(reg, opts, run_id)
    local model, err, code = roadmap.status(reg, run_id, { today = opts.today,
      estimate = opts.estimate, record = not opts["no-record"], reason = opts.reason })
    if not model then return fail(err, code) end
    if opts.json then
      out(encode(json_status(model)), "\n")
    else
      print_status(model)
    end
    return EXIT.OK
  end

  local function schedule(reg, opts, run_id)
    local fmt = opts.json and "json" or opts.format or "text"
    if fmt ~= "text" and fmt ~= "json" and fmt ~= "svg" and fmt ~= "html" then
      return fail(("unknown format '%s'; expected text, json, svg or html"):format(fmt), "USAGE")
    end
    local model, err, code = roadmap.status(reg, run_id, { today = opts.today,
      estimate = opts.estimate, record = false })
    if not model then return fail(err, code) end
    local text
    if fmt == "json" then
      text = encode(json_status(model)) .. "\n"
    elseif fmt == "svg" then
      text = gantt.svg(model)
    elseif fmt == "html" then
      text = gantt.html(model)
    else
      local rows = {}
      for _, item in ipairs(model.steps) do
        rows[#rows + 1] = { step = item.id, days = duration_text(item.duration),
                            start = item.start, finish = item.finish,
                            late_start = item.late_start, late_finish = item.late_finish,
                            slack = item.slack, critical = item.critical and "yes" or nil,
                            deadline = item.deadline }
      end
      text = ("roadmap %s (%s): today %s, projected finish %s (between %s and %s)%s\n\n"):format(
        model.run.id, model.workflow.name, model.today, model.finish, model.finish_low,
        model.finish_high, late_words(model))
        .. format.table(rows, { "step", "days", "start", "finish", "late_start", "late_finish",
                                "slack", "critical", "deadline" })
        .. "\ncritical path: " .. table.concat(model.critical_path, " -> ") .. "\n\n"
        .. gantt.text(model, tonumber(opts.width) or 60)
    end
    local wok, ferr, fcode = kit.write_out(opts.out, text)
    if not wok then return fail(ferr, fcode) end
    if opts.out and opts.out ~= "-" then out(("wrote %s\n"):format(opts.out)) end
    return EXIT.OK
  end

  local function complete(reg, opts, pos)
    local run_id, step = pos[2], pos[3]
    if not step then run_id, step = nil, pos[2] end
    if not step then return fail("usage: isms roadmap complete [RUN] STEP --evidence TEXT",
                                 "USAGE") end
    for _, o in ipairs({ "date", "started" }) do
      local ok, derr = check_date(opts, o)
      if not ok then return fail(derr, "USAGE") end
    end
    if opts.skip and opts.begin then return fail("--skip and --begin exclude each other", "USAGE") end
    local rep, err, code = roadmap.complete(reg, run_id, step, {
      status = opts.skip and "skipped" or opts.begin and "started" or "done",
      date = opts.date, started = opts.started, evidence = list_of(opts.evidence),
      by = opts.by, note = opts.note, override = opts.override, reason = opts.reason,
      today = opts.today })
    if not rep then return fail(err, code) end
    out(("step %s: %s (batch %d)\n"):format(step, opts.skip and "skipped" or opts.begin and
      "started" or "done", rep.batch))
    return EXIT.OK
  end

  local function whatif(reg, opts, pos)
    local run_id, step = pos[2], pos[3]
    if not step then run_id, step = nil, pos[2] end
    local n = tonumber(opts.delay)
    if not step or not n or n ~= math.floor(n) or n < 1 then
      return fail("usage: isms roadmap whatif [RUN] STEP --delay N (working days, 1 or more)",
                  "USAGE")
    end
    local res, err, code = roadmap.whatif(reg, run_id, step, n, { today = opts.today,
                                                                 estimate = opts.estimate })
    if not res then return fail(err, code) end
    local fmt = roadmap.dates.format
    local wf = res.model.workflow
    local before, after = res.before, res.after
    local moved = {}
    for k, m in ipairs(res.moved) do
      local i = m.index
      moved[k] = { step = wf.steps[i].id, title = wf.steps[i].title, by = m.by,
                   finish = fmt(before.fdate[i]), new_finish = fmt(after.fdate[i]),
                   slack = before.slack[i] }
    end
    local missed = {}
    for i = 1, #wf.steps do
      local b = roadmap.schedule.deadline_miss(before, i)
      local a = roadmap.schedule.deadline_miss(after, i)
      if a and a > 0 and not (b and b > 0) then
        missed[#missed + 1] = { step = wf.steps[i].id, deadline = fmt(after.deadline[i]), by = a }
      end
    end
    if opts.json then
      out(encode({ step = step, delay = n, finish = fmt(before.finish),
                   new_finish = fmt(after.finish), finish_by = res.finish_by,
                   target = res.model.target, late_by = before.late_by,
                   new_late_by = after.late_by, moved = moved, deadlines_missed = missed }), "\n")
      return EXIT.OK
    end
    out(("delaying step %s by %d working days (slack %s):\n"):format(step, n,
      tostring(before.slack[wf.by_id[step].index])))
    out(("projected finish %s -> %s (%s%d working days)\n"):format(fmt(before.finish),
      fmt(after.finish), res.finish_by >= 0 and "+" or "", res.finish_by))
    if after.late_by then
      out(after.late_by > 0 and ("the target %s is missed by %d working days\n"):format(
        res.model.target, after.late_by) or ("the target %s still holds (%d working days to "
        .. "spare)\n"):format(res.model.target, -after.late_by))
    end
    for _, m in ipairs(missed) do
      out(("step %s would miss its deadline %s by %d working days\n"):format(m.step, m.deadline,
        m.by))
    end
    if #moved > 0 then
      out("\n", format.table(moved, { "step", { "title", "title", 50 }, "finish", "new_finish",
                                      "by" }))
    else
      out("no step moves: the delay fits in the step's slack\n")
    end
    return EXIT.OK
  end

  kit.command("roadmap", {
    usage = "isms roadmap " .. table.concat(VERBS, "|") .. " [ARGS]",
    summary = "roadmap workflows, their runs, schedule, status and Gantt chart",
    help = HELP,
    options = { json = "flag", today = "value", start = "value", target = "value", id = "value",
                title = "value", calendar = "value", estimate = "value", format = "value",
                out = "value", width = "positive", evidence = "value", date = "value",
                started = "value", by = "value", note = "value", skip = "flag", begin = "flag",
                override = "value", delay = "value", reason = "value", ["no-record"] = "flag" },
    verbs = { list = 0, show = 1, check = 1, start = 1, status = 1, schedule = 1,
              complete = 2, whatif = 2 },
    default_verb = "list",
    verb_options = {
      list = { "json" }, show = { "start", "calendar", "estimate", "json" }, check = { "today" },
      start = { "id", "title", "start", "target", "calendar", "reason" },
      status = { "today", "estimate", "no-record", "reason", "json" },
      schedule = { "today", "estimate", "format", "out", "width", "json" },
      complete = { "evidence", "date", "started", "by", "note", "skip", "begin", "override",
                   "reason", "today" },
      whatif = { "delay", "today", "estimate", "json" },
    },
    run = function(ctx, opts, pos)
      local verb = pos[1] or "list"
      local known = false
      for _, v in ipairs(VERBS) do known = known or v == verb end
      if not known then
        return fail(("unknown verb '%s'; expected %s"):format(verb, table.concat(VERBS, ", ")),
                    "USAGE")
      end
      if opts.estimate and not roadmap.schedule.ESTIMATES[opts.estimate] then
        return fail(("--estimate: '%s'; expected low, mid or high"):format(opts.estimate), "USAGE")
      end
      local ok, derr = check_date(opts, "today")
      if not ok then return fail(derr, "USAGE") end
      if verb == "list" then return list(ctx, opts) end
      if verb == "show" then return show(opts, pos[2]) end
      if verb == "check" then return check(ctx, opts, pos[2]) end
      return kit.with_register(ctx, function(reg)
        if verb == "start" then return start(reg, opts, pos[2]) end
        if verb == "status" then return status(reg, opts, pos[2]) end
        if verb == "schedule" then return schedule(reg, opts, pos[2]) end
        if verb == "complete" then return complete(reg, opts, pos) end
        return whatif(reg, opts, pos)
      end)
    end,
  })
end
