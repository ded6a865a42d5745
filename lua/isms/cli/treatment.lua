--- Treatment, SoA, RTP and report commands: `isms treat`, `isms accept`,
-- `isms soa ...`, `isms rtp ...` and `isms report`. Reports are built as
-- models (isms.report.models) and rendered by format (isms.report): table,
-- csv, json, markdown, html or xlsx (C, libxlsxwriter).
local report = require "isms.report.models"
local records = require "isms.store.records"
local format = require "isms.store.format"
local treatment = require "isms.treat.treatment"
local scope_view = require "isms.context.scope_view"
local scope_report = require "isms.context.scope_report"
local audit = require "isms.audit"

-- "S=3,O=2" -> { S = "3", O = "2" }
local function ratings_of(text, list_of, option)
  local t = {}
  for _, item in ipairs(list_of(text)) do
    local k, v = item:match("^([^=]+)=(.+)$")
    if not k then
      return nil, ("%s: '%s' is not FACTOR=RATING"):format(option or "--residual", item)
    end
    t[k] = v
  end
  return t
end

return function(kit)
  local out, EXIT = kit.out, kit.EXIT

  local fail, list_of = kit.fail, kit.list_of

  local emit = kit.emit

  local REPORT_OPTIONS = { format = "value", out = "value", today = "value", limit = "value",
                           scope = "value", full = "flag" }
  local function report_opts(ctx, opts)
    if opts.today then
      local ok, why = records.date(opts.today, "--today")
      if not ok then return nil, why end
    end
    local limit = opts.limit and tonumber(opts.limit)
    if opts.limit and (not limit or limit < 0) then return nil, "--limit: expected a number" end
    return { today = opts.today, limit = limit, register = ctx.db }
  end

  -- isms treat list: the treatments, filtered.
  local TREAT_COLUMNS = { "risk", "option", "controls", "residual_level", "residual_acceptable",
                          "status", "owners" }
  local function list_treatments(ctx, opts)
    local ok, ferr = kit.check_format(opts.format)
    if not ok then return nil, ferr, "USAGE" end
    if opts.status and opts.status ~= "accepted" and opts.status ~= "awaiting" then
      return nil, ("--status: expected accepted or awaiting, got '%s'"):format(opts.status), "USAGE"
    end
    return kit.with_register(ctx, function(reg)
      local rows = {}
      for _, tr in ipairs(reg:treatments()) do
        local risk = reg:risk(tr.risk) or {}
        local owners = type(risk.owners) == "table" and table.concat(risk.owners, "; ")
                       or risk.owners
        local state = treatment.acceptance_state(risk, tr)
        local row = { risk = tr.risk, option = tr.option, controls = table.concat(tr.controls, ", "),
                      residual_level = tr.residual_level,
                      residual_acceptable = tr.residual_level and tr.residual_acceptable or nil,
                      status = state.accepted and "accepted" or "awaiting", owners = owners }
        local owned = not opts.owner
        for o in (owners or ""):gmatch("[^;,]+") do
          owned = owned or o:match("^%s*(.-)%s*$") == opts.owner
        end
        if owned and (not opts.option or row.option == opts.option)
           and (not opts.level or row.residual_level == opts.level)
           and (not opts.status or row.status == opts.status) then
          rows[#rows + 1] = row
        end
      end
      out(kit.render(rows, TREAT_COLUMNS, opts.format,
                     { { "risk", "risk", 40 }, "option", { "controls", "controls", 30 },
                       { "residual_level", "residual" }, { "residual_acceptable", "acceptable" },
                       "status", { "owners", "owners", 24 } }))
      return EXIT.OK
    end)
  end

  kit.command("treat", {
    usage = "isms treat REF modify|retain|avoid|share [--controls IDS] [--residual F=R,...] "
            .. "[--target F=R,...] [--rationale TEXT] [--shared-with PARTY] "
            .. "[--override-by WHO --override-reason WHY]"
            .. " | isms treat list [--option O] [--owner NAME] [--level L] [--status S] [--format F]",
    summary = "decide a risk's treatment (controls, expected residual ratings)",
    help = [[
modify   --controls A.8.7,A.8.13 --residual S=8,O=2,D=3: the controls that
         modify the risk and the ratings expected once they work, re-scored
         by the methodology and judged by its residual acceptance criteria;
         or --target F=R,...: only the ratings the controls change, the
         others stay as rated (a method of 16 factors: --target skill=1)
retain   the risk as rated: it must meet the acceptance criteria, or carry
         --override-by and --override-reason (a logged management override)
avoid    --rationale: how the activity that causes the risk is given up
share    --shared-with PARTY, optional --residual or --target
list     the treatments with their residual level, acceptance status
         (accepted | awaiting) and the risk's owners; filters combine:
         --option modify|retain|avoid|share, --owner NAME, --level L
         (residual), --status accepted|awaiting; --format table|csv|json]],
    options = { controls = "value", residual = "value", target = "value", rationale = "value",
                ["shared-with"] = "value", ["override-by"] = "value",
                ["override-reason"] = "value", reason = "value", option = "value",
                owner = "value", level = "value", status = "value", format = "value" },
    args = 2,
    run = function(ctx, opts, pos)
      if pos[1] == "list" and not pos[2] then return list_treatments(ctx, opts) end
      if not pos[1] or not pos[2] or pos[3] then
        return nil, "usage: " .. kit.commands.treat.usage, "USAGE"
      end
      local t = { option = pos[2], rationale = opts.rationale, shared_with = opts["shared-with"] }
      if opts.controls then t.controls = list_of(opts.controls) end
      if opts.residual then
        local r, why = ratings_of(opts.residual, list_of)
        if not r then return nil, why, "USAGE" end
        t.residual = r
      end
      if opts.target then
        local r, why = ratings_of(opts.target, list_of, "--target")
        if not r then return nil, why, "USAGE" end
        t.target = r
      end
      if opts["override-by"] or opts["override-reason"] then
        t.override = { by = opts["override-by"], reason = opts["override-reason"] }
      end
      return kit.with_register(ctx, function(reg)
        local tr, e, code = reg:treat(pos[1], t, { reason = opts.reason })
        if not tr then return fail(e, code) end
        out(("%s: %s"):format(tr.risk, tr.option))
        if #tr.controls > 0 then out(" with ", table.concat(tr.controls, ", ")) end
        if tr.residual_level then
          out(("; residual %s (%s), %s"):format(tr.residual_level,
            format.number(tr.residual_score),
            tr.residual_acceptable and "acceptable" or "NOT acceptable"))
        end
        if tr.override then out("; management override by ", tr.override.by) end
        out("\n")
        return EXIT.OK
      end)
    end,
  })

  kit.command("accept", {
    usage = "isms accept REF --role management|owner --who NAME --rationale TEXT [--at DATE]",
    summary = "record acceptance of a treated risk's residual risk",
    options = { role = "value", who = "value", rationale = "value", at = "value",
                reason = "value" },
    args = 1,
    run = function(ctx, opts, pos)
      if not pos[1] or pos[2] then return nil, "usage: " .. kit.commands.accept.usage, "USAGE" end
      return kit.with_register(ctx, function(reg)
        local ok, e, code = reg:accept_risk(pos[1], { role = opts.role, who = opts.who,
          rationale = opts.rationale, at = opts.at }, opts.reason)
        if not ok then return fail(e, code) end
        local tr = reg:treatment(pos[1])
        local state = treatment.acceptance_state(reg:risk(pos[1]), tr)
        out(("%s: accepted by %s (%s)"):format(pos[1], opts.who, opts.role))
        out(state.accepted and "; fully accepted\n"
            or ("; still to accept: %s\n"):format(table.concat(state.missing, ", ")))
        return EXIT.OK
      end)
    end,
  })

  kit.command("soa", {
    usage = "isms soa [show|check|set CONTROL|issue|catalogs NAMES] [--scope ID] [--format F] "
            .. "[--out FILE]",
    summary = "the Statement of Applicability: show, check, set entries, issue revisions",
    help = [[
show        every control of the SoA's catalogs (default): applicability,
            reasons, justification, status, linked risks; --format table,
            csv, json, markdown, html or xlsx (with --out FILE)
check       the consistency problems; exit 3 when there are any
--scope ID  show and check the SoA of one ISMS scope: the controls its
            risks select, the organisation's exclusions and the scope's
            own (scope-exclusions with controls=...), each justified
set CONTROL --applicable | --excluded, --reasons risk,legal,contractual,business,
            --justification TEXT, --status not_started|planned|partial|implemented,
            --owner NAME
issue       --approved-by NAME [--note TEXT]: the next revision (refused while
            the SoA has problems)
catalogs NAMES
            the catalogs the SoA covers, comma-separated, the Annex A edition
            first (default iso27001-2022)
show takes --today DATE and --limit N as isms report does; issue takes
--today DATE (the revision's date); the writes (set, issue, catalogs) take
--reason TEXT, which the change log keeps.]],
    options = { format = "value", out = "value", today = "value", limit = "value",
                applicable = "flag", excluded = "flag", reasons = "value",
                justification = "value", status = "value", owner = "value",
                ["approved-by"] = "value", note = "value", reason = "value", scope = "value" },
    verbs = { show = 0, check = 0, set = 1, issue = 0, catalogs = 1 },
    default_verb = "show",
    verb_options = {
      show = { "scope", "format", "out", "today", "limit" }, check = { "scope" },
      set = { "applicable", "excluded", "reasons", "justification", "status", "owner", "reason" },
      issue = { "approved-by", "note", "today", "reason" }, catalogs = { "reason" },
    },
    run = function(ctx, opts, pos)
      local sub = pos[1] or "show"
      return kit.with_register(ctx, function(reg)
        if opts.scope and sub == "show" then
          local ro, why = report_opts(ctx, opts)
          if not ro then return fail(why, "USAGE") end
          local model, e, code = scope_view.soa_model(reg, opts.scope, ro)
          if not model then return fail(e, code) end
          return emit(reg, model, opts)
        elseif opts.scope then
          local soa, e, code = scope_view.soa(reg, opts.scope, { assets = false })
          if not soa then return fail(e, code) end
          for _, p in ipairs(soa.problems) do out("error: ", p, "\n") end
          out(("%d problem(s) in the SoA of scope %s\n"):format(#soa.problems, opts.scope))
          return #soa.problems == 0 and EXIT.OK or EXIT.INPUT
        elseif sub == "show" then
          local ro, why = report_opts(ctx, opts)
          if not ro then return fail(why, "USAGE") end
          local model, e, code = report.soa(reg, ro)
          if not model then return fail(e, code) end
          return emit(reg, model, opts)
        elseif sub == "check" then
          local problems, e, code = reg:soa_problems()
          if not problems then return fail(e, code) end
          for _, p in ipairs(problems) do out("error: ", p, "\n") end
          out(("%d problem(s)\n"):format(#problems))
          return #problems == 0 and EXIT.OK or EXIT.INPUT
        elseif sub == "set" then
          if not pos[2] then return fail("usage: isms soa set CONTROL --applicable|--excluded ...",
                                         "USAGE") end
          if opts.applicable == opts.excluded then
            return fail("isms soa set: give one of --applicable or --excluded", "USAGE")
          end
          local rep, e, code = reg:set_soa(pos[2], {
            applicable = opts.applicable or false, reasons = list_of(opts.reasons),
            justification = opts.justification, status = opts.status, owner = opts.owner },
            opts.reason)
          if not rep then return fail(e, code) end
          out(("SoA %s: %s\n"):format(pos[2], opts.applicable and "applicable" or "excluded"))
          return EXIT.OK
        elseif sub == "issue" then
          local rev, e, code = reg:issue_soa({ approved_by = opts["approved-by"], note = opts.note,
                                               issued_at = opts.today }, opts.reason)
          if not rev then return fail(e, code) end
          out(("SoA revision %d issued\n"):format(rev))
          return EXIT.OK
        elseif sub == "catalogs" then
          if not pos[2] then return fail("usage: isms soa catalogs NAMES", "USAGE") end
          local ok, e, code = reg:set_soa_catalogs(list_of(pos[2]), opts.reason)
          if not ok then return fail(e, code) end
          out(("SoA catalogs: %s\n"):format(pos[2]))
          return EXIT.OK
        end
        return fail("usage: " .. kit.commands.soa.usage, "USAGE")
      end)
    end,
  })

  kit.command("rtp", {
    usage = "isms rtp [show|add|set ID|delay ID] [--today DATE] [--format F] [--out FILE]",
    summary = "the Risk Treatment Plan: tasks, delays, overdue and slipping",
    help = [[
show        the plan as of --today (default today): summary, overdue and
            slipping tasks, all tasks; formats as for isms report
add         --risk REF --title TEXT --owner NAME --due DATE [--control ID]
            [--id ID] [--status S]
set ID      --status planned|in_progress|done|cancelled [--owner NAME]
            [--title TEXT] [--control ID]
delay ID    --to DATE --why TEXT --approved-by NAME [--today DATE]: a
            recorded re-dating (--today: the day it is recorded)
show takes --limit N as isms report does; the writes (add, set, delay) take
--reason TEXT, which the change log keeps.]],
    options = { format = "value", out = "value", today = "value", limit = "value",
                risk = "value", title = "value", owner = "value", due = "value",
                control = "value", id = "value", status = "value", to = "value",
                why = "value", ["approved-by"] = "value", reason = "value" },
    verbs = { show = 0, add = 0, set = 1, delay = 1 },
    default_verb = "show",
    verb_options = {
      show = { "format", "out", "today", "limit" },
      add = { "id", "risk", "title", "owner", "due", "control", "status", "reason" },
      set = { "title", "owner", "control", "status", "reason" },
      delay = { "to", "why", "approved-by", "today", "reason" },
    },
    run = function(ctx, opts, pos)
      local sub = pos[1] or "show"
      return kit.with_register(ctx, function(reg)
        if sub == "show" then
          local ro, why = report_opts(ctx, opts)
          if not ro then return fail(why, "USAGE") end
          local model = report.rtp(reg, ro)
          return emit(reg, model, opts, { full_tasks = true, today = ro.today })
        elseif sub == "add" then
          local id, e, code = reg:add_task({ id = opts.id, risk = opts.risk, title = opts.title,
            owner = opts.owner, due = opts.due, control = opts.control, status = opts.status },
            opts.reason)
          if not id then return fail(e, code) end
          out(("task %s added\n"):format(id))
          return EXIT.OK
        elseif sub == "set" and pos[2] then
          local fields = {}
          for _, k in ipairs { "title", "owner", "control", "status" } do fields[k] = opts[k] end
          local ok, e, code = reg:set_task(pos[2], fields, opts.reason)
          if not ok then return fail(e, code) end
          out(("task %s updated\n"):format(pos[2]))
          return EXIT.OK
        elseif sub == "delay" and pos[2] then
          local ok, e, code = reg:delay_task(pos[2], { reason = opts.why, revised_due = opts.to,
            approved_by = opts["approved-by"], at = opts.today }, opts.reason)
          if not ok then return fail(e, code) end
          out(("task %s now due %s\n"):format(pos[2], opts.to))
          return EXIT.OK
        end
        return fail("usage: " .. kit.commands.rtp.usage, "USAGE")
      end)
    end,
  })

  kit.command("report", {
    usage = "isms report [--format table|csv|json|markdown|html|xlsx] [--out FILE] [--today DATE] "
            .. "[--limit N] [--scope ID] [--full]",
    summary = "the risk report: summary, heat maps, urgent risks, acceptance, SoA, RTP",
    help = [[
One report of the register: a summary, the risk heat map before and after
treatment, the most urgent risks (--limit, default 100) with their
treatment, residual risk awaiting acceptance, the SoA with its problems and
the RTP as of --today. HTML is one self-contained page (inline SVG heat
maps, no script); XLSX has a sheet per section with typed numbers and
dates, frozen headers, filters and print setup. --full --format xlsx adds
the whole register (every risk, task and delay), an export rather than a
report. Confidential columns are marked in every format. --scope ID
reports one ISMS scope: its boundaries and exclusions, the assessment of
its assets' risks (6.2 a-j) with the most urgent, its SoA and its audits.]],
    options = REPORT_OPTIONS,
    run = function(ctx, opts, pos)
      if pos[1] then return nil, "usage: " .. kit.commands.report.usage, "USAGE" end
      local ro, why = report_opts(ctx, opts)
      if not ro then return nil, why, "USAGE" end
      if opts.full and opts.format ~= "xlsx" then
        return nil, "--full writes the whole register to a workbook: give --format xlsx --out FILE",
          "USAGE"
      end
      return kit.with_register(ctx, function(reg)
        if opts.scope then
          ro.programme = audit.programme
          local model, e, code = scope_report.model(reg, opts.scope, ro)
          if not model then return fail(e, code) end
          return emit(reg, model, opts, { today = ro.today })
        end
        local model, e, code = report.full(reg, ro)
        if not model then return fail(e, code) end
        -- the whole register only when asked: a report is a report
        local full = opts.full and true or nil
        return emit(reg, model, opts, { full_risks = full, full_tasks = full, today = ro.today })
      end)
    end,
  })
end
