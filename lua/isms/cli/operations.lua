--- Running the ISMS on the command line (docs/operations.md): the verbs
-- the registers of documented information, audits, findings and
-- nonconformities add to their record commands (isms docs check|verify|
-- revise|versions|mandatory, isms audits programme|checklist|independence|
-- report, isms findings raise, isms nonconformities trends|workflow), and
-- the commands of their own: isms metrics (view, collect, record, check,
-- use), isms review pack, isms actions (the one action tracker, and its
-- iCalendar export).
local cjson = require "cjson"
local records_cli = require "isms.cli.records"
local records = require "isms.store.records"
local format = require "isms.store.format"
local report = require "isms.report"
local actions = require "isms.actions"
local ics = require "isms.actions.ics"
local docs = require "isms.docs"
local measure = require "isms.measure"
local audit = require "isms.audit"
local review = require "isms.review"
local currency = require "isms.currency"

local REPORT_FORMATS = { table = true, csv = true, json = true, markdown = true, html = true,
                         xlsx = true }

return function(kit)
  local out, EXIT = kit.out, kit.EXIT

  local function fail(e, code)
    kit.err(e)
    return code == "USAGE" and EXIT.USAGE or kit.exit_for(code)
  end

  local function today_of(opts)
    if opts.today then
      local ok, why = records.date(opts.today, "--today")
      if not ok then return nil, why end
    end
    return records.today(opts.today)
  end

  -- Writes text to opts.out, or standard output.
  local function emit_text(text, opts)
    if opts.out and opts.out ~= "-" then
      local f, e = io.open(opts.out, "wb")
      if not f then return fail(e, "IO") end
      f:write(text)
      f:close()
    else
      out(text)
    end
    return EXIT.OK
  end

  -- A report model in opts.format (default `default`), to opts.out or stdout.
  local function emit_model(reg, model, opts, default)
    local fmt = opts.json and "json" or opts.format or default
    if not REPORT_FORMATS[fmt] then
      return fail(("unknown format '%s'; expected %s"):format(fmt, report.FORMATS), "USAGE")
    end
    if fmt == "xlsx" then
      if not opts.out then return fail("--format xlsx needs --out FILE.xlsx (or -)", "USAGE") end
      local ok, e, code = kit.via_file(opts.out, function(path)
        return report.write_xlsx(reg, model, path)
      end)
      if not ok then return fail(e, code) end
      return EXIT.OK
    end
    return emit_text(report.render(model, fmt), opts)
  end

  local function table_out(rows, columns, opts)
    local names, specs = {}, {}
    for k, c in ipairs(columns) do
      if type(c) == "table" then names[k], specs[k] = c[1], c else names[k], specs[k] = c, c end
    end
    local fmt = opts.json and "json" or opts.format or "table"
    local ok, e = kit.check_format(fmt)
    if not ok then return fail(e, "USAGE") end
    out(kit.render(rows, names, fmt, specs))
    return EXIT.OK
  end

  -- ------------------------------------------------------------ docs

  records_cli.verb("document", "check", {
    common = { "json", "format" },
    usage = "check [--today D] [--all]", options = { today = "value", all = "flag" },
    summary = "missing mandatory, unapproved, overdue review, past retention, bad links",
    run = function(reg, opts)
      local today, terr = today_of(opts)
      if not today then return fail(terr, "USAGE") end
      local res, e, code = docs.check(reg, { today = today })
      if not res then return fail(e, code) end
      if opts.json or opts.format == "json" then
        out(#res.problems > 0 and cjson.encode(res.problems) or "[]", "\n")
        return #res.problems == 0 and EXIT.OK or EXIT.FAIL
      end
      if #res.problems == 0 then
        out("docs: no problems\n")
        return EXIT.OK
      end
      local summary = {}
      for _, c in ipairs(docs.CATEGORIES) do
        if res.counts[c] > 0 then summary[#summary + 1] = ("%s %d"):format(c, res.counts[c]) end
      end
      out(("docs: %d problems (%s)\n"):format(#res.problems, table.concat(summary, ", ")))
      local shown, per = {}, {}
      for _, p in ipairs(res.problems) do
        per[p.category] = (per[p.category] or 0) + 1
        if opts.all or per[p.category] <= 20 then shown[#shown + 1] = p end
      end
      out(kit.render(shown, { "category", "id", "field", "problem" }, "table",
                     { "category", "id", "field", { "problem", "problem", 130 } }))
      if #shown < #res.problems then
        out(("(%d of %d shown, 20 per category; --all for every one)\n"):format(#shown,
                                                                                 #res.problems))
      end
      return EXIT.FAIL
    end,
  })

  records_cli.verb("document", "verify", {
    common = { "json", "format" },
    usage = "verify [ID ...] [--all]", options = { all = "flag" },
    summary = "which registered files changed or vanished since (SHA-256)",
    args = math.huge,
    run = function(reg, opts, args)
      local res, e, code = docs.verify(reg, { ids = args })
      if not res then return fail(e, code) end
      local bad, shown = 0, {}
      for _, r in ipairs(res) do
        local wrong = r.status == "changed" or r.status == "missing" or r.status == "unreadable"
        if wrong then bad = bad + 1 end
        if opts.all or r.status ~= "ok" or #args > 0 then shown[#shown + 1] = r end
      end
      if opts.json or opts.format == "json" then
        out(format.json(res, { "id", "path", "status", "recorded", "actual" }))
      else
        if #shown > 0 then
          out(kit.render(shown, { "id", "status", "path" }, "table",
                         { "id", "status", { "path", "path", 80 } }))
        end
        out(("docs verify: %d files, %d changed or missing\n"):format(#res, bad))
      end
      return bad == 0 and EXIT.OK or EXIT.FAIL
    end,
  })

  records_cli.verb("document", "revise", {
    common = { "reason" },
    usage = "revise ID --version V --reason WHY [--approved-by WHO] [--author A] [--path P] [--date D]",
    options = { ["approved-by"] = "value", date = "value", version = "value", author = "value",
                path = "value" },
    summary = "a new version: digest taken again, history entry with the reason",
    args = 1,
    run = function(reg, opts, args)
      if not args[1] then return fail("usage: isms docs revise ID --version V --reason WHY", "USAGE") end
      local rep, e, code = docs.revise(reg, args[1], {
        version = opts.version, reason = opts.reason, approved_by = opts["approved-by"],
        author = opts.author, path = opts.path, date = opts.date })
      if not rep then return fail(e, code) end
      out(("%s: version %s recorded (batch %d)\n"):format(args[1], opts.version, rep.batch))
      return EXIT.OK
    end,
  })

  records_cli.verb("document", "versions", {
    common = { "json", "format" },
    usage = "versions ID", summary = "the version history with the reason for each change",
    args = 1,
    run = function(reg, opts, args)
      if not args[1] then return fail("usage: isms docs versions ID", "USAGE") end
      if not reg:records("document"):get(args[1]) then
        return fail(("no document '%s' in the register"):format(args[1]), "NOTFOUND")
      end
      return table_out(docs.versions(reg, args[1]),
                       { "version", "date", "author", "approved_by", { "reason", "reason", 60 },
                         "sha256" }, opts)
    end,
  })

  records_cli.verb("document", "mandatory", {
    common = { "json", "format", "reason" },
    usage = "mandatory [--use LIST]", options = { use = "value" },
    summary = "the mandatory list (2013 and 2022 clauses) and how each item is met",
    run = function(reg, opts)
      if opts.use then
        local list, e, code = docs.mandatory.load(opts.use)
        if not list then return fail(e, code) end
        local ok, se, scode = reg:set_setting(docs.mandatory.SETTING, opts.use, opts.reason)
        if not ok then return fail(se, scode) end
      end
      local cov, e, code = docs.coverage(reg)
      if not cov then return fail(e, code) end
      local rows = {}
      for _, it in ipairs(cov.items) do
        rows[#rows + 1] = { id = it.id, title = it.title, clause_2013 = it.clause_2013,
                            clause_2022 = it.clause_2022, documents = it.documents,
                            records = it.records_kind and (it.records .. " " .. it.records_kind) or "",
                            met = it.met }
      end
      if not (opts.json or opts.format) then out(("%s: %s\n"):format(cov.list.name, cov.list.title)) end
      return table_out(rows, { "id", { "title", "title", 50 }, "clause_2013", "clause_2022",
                               "documents", "records", "met" }, opts)
    end,
  })

  -- ------------------------------------------------------------ audits

  records_cli.verb("audit", "programme", {
    common = { "json", "format" },
    usage = "programme [--today D] [--scope ID]", options = { today = "value", scope = "value" },
    summary = "the audit programme: areas by due date and risk weight (--scope: in one ISMS scope)",
    run = function(reg, opts)
      local today, terr = today_of(opts)
      if not today then return fail(terr, "USAGE") end
      local rows, e, code = audit.programme(reg, { today = today, scope = opts.scope })
      if not rows then return fail(e, code) end
      for _, r in ipairs(rows) do
        r.controls, r.requirements = table.concat(r.controls, "; "), table.concat(r.requirements, "; ")
        r.scopes = #r.scopes > 0 and table.concat(r.scopes, "; ") or "every scope"
      end
      local rc = table_out(rows, { "id", { "title", "title", 40 }, "owner", "scopes", "interval_months",
                                   "risks", "unacceptable", "last", "due", "overdue", "planned" }, opts)
      if rc ~= EXIT.OK or opts.json or (opts.format and opts.format ~= "table") then return rc end
      -- the internal audits the trigger file proposes (guideline 8.2: an
      -- incident, a change in information assets, an interested party's
      -- requirement; docs/keeping-current.md)
      local proposed, perr = currency.audits(reg, { today = today })
      if not proposed then
        out(("\ninternal audits proposed: unknown (%s)\n"):format(perr))
      elseif #proposed > 0 then
        out(("\ninternal audits the trigger file proposes (isms propose-audits): %d\n"):format(#proposed))
        for _, a in ipairs(proposed) do out(("  %s: %s\n"):format(a.trigger, a.reason)) end
      end
      return rc
    end,
  })

  records_cli.verb("audit", "coverage", {
    common = { "json", "format" },
    usage = "coverage [--today D]", options = { today = "value" },
    summary = "the programme across the ISMS scopes: every scope's areas, last audit, next due "
              .. "(exit 1 if a scope has none)",
    run = function(reg, opts)
      local today, terr = today_of(opts)
      if not today then return fail(terr, "USAGE") end
      local cov = audit.coverage(reg, { today = today })
      local rc = table_out(cov.rows, { "scope", { "title", "title", 30 }, "area",
        { "area_title", "area_title", 30 }, "interval_months", "risks", "unacceptable", "last",
        "due", "overdue", "planned" }, opts)
      if rc ~= EXIT.OK then return rc end
      if #cov.uncovered > 0 then
        if not (opts.json or opts.format == "json") then
          out(("no programme area covers scope(s) %s\n"):format(table.concat(cov.uncovered, ", ")))
        end
        return EXIT.FAIL
      end
      return EXIT.OK
    end,
  })

  records_cli.verb("audit", "independence", {
    common = { "json", "format" },
    usage = "independence ID", summary = "auditors who own something the audit covers (exit 1)",
    args = 1,
    run = function(reg, opts, args)
      if not args[1] then return fail("usage: isms audits independence ID", "USAGE") end
      local res, e, code = audit.independence(reg, args[1])
      if not res then return fail(e, code) end
      if opts.json or opts.format == "json" then
        out(cjson.encode({ audit = res.audit, team = res.team, conflicts = res.conflicts })
          :gsub('"team":{}', '"team":[]'):gsub('"conflicts":{}', '"conflicts":[]'), "\n")
      elseif #res.team == 0 then
        out(("%s: no audit team recorded (lead, team)\n"):format(res.audit))
      elseif #res.conflicts == 0 then
        out(("%s: independent (team: %s)\n"):format(res.audit, table.concat(res.team, ", ")))
      else
        out(("%s: %d conflicts: an auditor audits what they own\n"):format(res.audit, #res.conflicts))
        out(kit.render(res.conflicts, { "auditor", "owns" }, "table"))
      end
      return (#res.conflicts == 0 and #res.team > 0) and EXIT.OK or EXIT.FAIL
    end,
  })

  records_cli.verb("audit", "checklist", {
    common = { "json", "format", "out" },
    usage = "checklist ID [--format table|csv|json|markdown|html] [--out FILE]",
    summary = "the checklist from the requirement catalog and the SoA",
    args = 1,
    run = function(reg, opts, args)
      if not args[1] then return fail("usage: isms audits checklist ID", "USAGE") end
      local ck, e, code = audit.checklist(reg, args[1])
      if not ck then return fail(e, code) end
      local model = { title = ("Audit checklist %s: %s"):format(ck.audit.id, ck.audit.title),
                      generated_at = records.today(), sections = { {
        id = "checklist", title = "Checklist", kind = "table", rows = ck.items, total = #ck.items,
        columns = { { key = "ref", title = "Requirement / control" }, { key = "title", title = "Title" },
                    { key = "question", title = "Question" }, { key = "soa", title = "SoA" },
                    { key = "evidence", title = "Evidence" }, { key = "findings", title = "Findings" },
                    { key = "result", title = "Result" } } } } }
      return emit_model(reg, model, opts, "table")
    end,
  })

  records_cli.verb("audit", "report", {
    common = { "json", "format", "out" },
    usage = "report ID [--format markdown|html|...] [--out FILE] [--today D]",
    options = { today = "value" },
    summary = "the audit report: plan a-g, findings, independence, checklist, approval",
    args = 1,
    run = function(reg, opts, args, ctx)
      if not args[1] then return fail("usage: isms audits report ID --format html", "USAGE") end
      local today, terr = today_of(opts)
      if not today then return fail(terr, "USAGE") end
      local model, e, code = audit.report_model(reg, args[1], { today = today, register = ctx.db })
      if not model then return fail(e, code) end
      return emit_model(reg, model, opts, "markdown")
    end,
  })

  records_cli.verb("finding", "raise", {
    common = { "reason" },
    usage = "raise ID [--by WHO] [--raised D]", options = { by = "value", raised = "value" },
    summary = "raise the nonconformity of a major or minor finding",
    args = 1,
    run = function(reg, opts, args)
      if not args[1] then return fail("usage: isms findings raise ID --by WHO", "USAGE") end
      local rep, e, code = audit.nonconformity.raise_from_finding(reg, args[1], {
        raised_by = opts.by, raised = opts.raised }, { reason = opts.reason })
      if not rep then return fail(e, code) end
      out(rep.id, "\n")
      return EXIT.OK
    end,
  })

  records_cli.verb("nonconformity", "trends", {
    common = { "json", "format" },
    usage = "trends [--from D] [--to D] [--today D]",
    options = { from = "value", to = "value", today = "value" },
    summary = "nonconformities by source, requirement, quarter and age",
    run = function(reg, opts)
      for _, k in ipairs { "from", "to", "today" } do
        if opts[k] then
          local ok, why = records.date(opts[k], "--" .. k)
          if not ok then return fail(why, "USAGE") end
        end
      end
      if opts.from and opts.to and opts.to < opts.from then
        return fail(("--to %s is before --from %s"):format(opts.to, opts.from), "USAGE")
      end
      local t = audit.nonconformity.trends(reg, { from = opts.from, to = opts.to, today = opts.today })
      if opts.json or opts.format == "json" then
        out(cjson.encode(t):gsub(':{}', ':[]'), "\n")
        return EXIT.OK
      end
      out(("%d nonconformities raised, %d open\n\nby source:\n"):format(t.total, t.open))
      out(kit.render(t.by_source, { "source", "total", "open" }, "table"))
      out("\nby requirement:\n", kit.render(t.by_requirement, { "requirement", "total" }, "table"))
      out("\nby quarter raised:\n", kit.render(t.by_quarter, { "quarter", "total" }, "table"))
      out("\nopen, by age:\n", kit.render(t.by_age, { "age", "open" }, "table"))
      return EXIT.OK
    end,
  })

  records_cli.verb("nonconformity", "workflow", {
    common = { "json", "format" },
    usage = "workflow", summary = "the lifecycle the register enforces (states, transitions)",
    run = function(reg, opts)
      local wf, e, code = audit.nonconformity.workflow(reg)
      if not wf then return fail(e, code) end
      local rows = {}
      for _, t in ipairs(wf.transitions) do
        rows[#rows + 1] = { transition = t.id, from = t.from, to = t.to,
                            requires = table.concat(t.requires or {}, ", "),
                            actions = t.actions, independent = t.independent }
      end
      if not (opts.json or opts.format) then
        out(("%s (%s), starts %s\n"):format(wf.title, wf.file, wf.initial))
      end
      return table_out(rows, { "transition", "from", "to", "requires", "actions", "independent" }, opts)
    end,
  })

  -- ------------------------------------------------------------ metrics

  kit.command("metrics", {
    usage = "isms metrics [view|collect|record|check|use] [ARGS]",
    summary = "the measurement programme: metrics, collection, trends",
    help = table.concat({
      "  isms metrics [view] [--today D] [--json|--format F]",
      "                                         latest vs target, status, trend, next due",
      "  isms metrics collect [ID ...] [--all] [--today D]",
      "                                         measure every due automatic metric (exit 1 if one failed)",
      "  isms metrics record ID VALUE [--date D] [--by WHO] [--note TEXT]",
      "                                         a measurement entered by hand (--date: default",
      "                                         --today)",
      "  isms metrics check [NAME|FILE]         validate a metric set (rules/metrics/)",
      "  isms metrics use NAME                  the register's metric set (default iso27001)",
      "Metrics are defined in rule files; an automatic one is a read-only SQL query,",
      "run with a step and time budget. Measurements: isms measurements list|export|...",
      "The writes (collect, record, use) take --reason TEXT, which the change log keeps.",
    }, "\n"),
    options = { today = "value", all = "flag", json = "flag", format = "value", date = "value",
                by = "value", note = "value", reason = "value" },
    verbs = { view = 0, list = 0, collect = math.huge, record = 2, check = 1, use = 1 },
    default_verb = "view",
    verb_options = {
      view = { "today", "json", "format" }, list = { "today", "json", "format" },
      collect = { "today", "all", "reason" },
      record = { "date", "by", "note", "today", "reason" }, check = {}, use = { "reason" },
    },
    run = function(ctx, opts, pos)
      local verb = pos[1] or "view"
      if verb == "check" then
        local s, e, code = measure.load(pos[2])
        if not s then return fail(e, code) end
        out(("%s: %d metrics, ok (%s)\n"):format(s.name, #s.metrics, s.file))
        return EXIT.OK
      end
      local today, terr = today_of(opts)
      if not today then return fail(terr, "USAGE") end
      return kit.with_register(ctx, function(reg)
        if verb == "view" or verb == "list" then
          local view, e, code = measure.view(reg, { today = today })
          if not view then return fail(e, code) end
          for _, m in ipairs(view) do
            m.target_text = m.target and ((m.direction == "lower" and "<= " or ">= ")
                                          .. format.number(m.target)) or ""
            m.latest_text = m.latest and (format.number(m.latest) .. (m.unit and (" " .. m.unit) or "")) or ""
          end
          if opts.json or opts.format == "json" then
            out(format.json(view, { "id", "title", "unit", "how", "frequency", "target", "warning",
                                    "direction", "latest", "date", "status", "due", "trend" }))
            return EXIT.OK
          end
          out(kit.render(view, { "id", "title", "target_text", "latest_text", "date", "status",
                                 "spark", "due" }, opts.format or "table",
                         { "id", { "title", "title", 40 }, { "target_text", "target" },
                           { "latest_text", "latest" }, "date", "status", { "spark", "trend" },
                           { "due", "next due" } }))
          return EXIT.OK
        elseif verb == "collect" then
          local res, e, code = measure.collect(reg, { today = today, all = opts.all,
                                                      ids = { unpack(pos, 2) }, reason = opts.reason })
          if not res then return fail(e, code) end
          local failed = 0
          for _, r in ipairs(res.results) do
            if r.status == "failed" then
              failed = failed + 1
              out(("%-24s failed: %s\n"):format(r.metric, r.error))
            elseif r.status == "no value" then
              out(("%-24s no value, not recorded: %s\n"):format(r.metric, r.error))
            else
              out(("%-24s %s (%s)\n"):format(r.metric, format.number(r.value), r.status))
            end
          end
          out(("collected %d metrics, %d failed%s\n"):format(#res.results, failed,
              res.batch and (" (batch %d)"):format(res.batch) or "; none was due"))
          return failed == 0 and EXIT.OK or EXIT.FAIL
        elseif verb == "record" then
          if not pos[2] or not pos[3] then
            return fail("usage: isms metrics record ID VALUE [--date D]", "USAGE")
          end
          local rep, e, code = measure.record(reg, pos[2], pos[3], {
            date = opts.date or today, by = opts.by, note = opts.note, reason = opts.reason })
          if not rep then return fail(e, code) end
          out(rep.id, "\n")
          return EXIT.OK
        elseif verb == "use" then
          if not pos[2] then return fail("usage: isms metrics use NAME", "USAGE") end
          local s, e, code = measure.load(pos[2])
          if not s then return fail(e, code) end
          local ok, se, scode = reg:set_setting(measure.SETTING, pos[2], opts.reason)
          if not ok then return fail(se, scode) end
          out(("metrics: %s (%d metrics)\n"):format(s.name, #s.metrics))
          return EXIT.OK
        end
        return fail(("unknown verb '%s'; expected view, collect, record, check or use"):format(verb),
                    "USAGE")
      end)
    end,
  })

  -- ------------------------------------------------------------ review

  kit.command("review", {
    usage = "isms review pack --from DATE --to DATE [--format markdown|html|xlsx|json] [--out FILE]",
    summary = "the management review pack (inputs a-f of 9.3)",
    help = "Reviews themselves: isms reviews list|add|set ...; their actions: isms review-actions.",
    options = { from = "value", to = "value", today = "value", format = "value", out = "value",
                json = "flag" },
    verbs = { pack = 0 },
    verb_options = { pack = { "from", "to", "today", "format", "out", "json" } },
    run = function(ctx, opts, pos)
      if pos[1] ~= "pack" then return fail("usage: isms review pack --from DATE --to DATE", "USAGE") end
      local today, terr = today_of(opts)
      if not today then return fail(terr, "USAGE") end
      return kit.with_register(ctx, function(reg)
        local model, e, code = review.pack(reg, { from = opts.from, to = opts.to, today = today,
                                                  register = ctx.db })
        if not model then return fail(e, code == "USAGE" and "USAGE" or code) end
        return emit_model(reg, model, opts, "markdown")
      end)
    end,
  })

  -- ------------------------------------------------------------ actions

  kit.command("actions", {
    usage = "isms actions [--overdue] [--within N] [--owner WHO] [--source S] [--open] "
            .. "[--today D] [--format table|csv|json|ics] [--out FILE]",
    summary = "the one action tracker: RTP tasks, corrective and review actions, ...",
    help = "Sources: " .. "the registers that hold dated actions (isms.actions.sources()).\n"
      .. "--format ics writes an iCalendar file of the due dates (open actions unless --all).",
    options = { overdue = "flag", within = "count", owner = "value", source = "value", open = "flag",
                today = "value", format = "value", out = "value", json = "flag", all = "flag" },
    run = function(ctx, opts)
      local today, terr = today_of(opts)
      if not today then return fail(terr, "USAGE") end
      if opts.source then
        local known = false
        for _, s in ipairs(actions.sources()) do known = known or s == opts.source end
        if not known then
          return fail(("unknown source '%s'; the tracker has %s"):format(opts.source,
                       table.concat(actions.sources(), ", ")), "USAGE")
        end
      end
      local fmt = opts.json and "json" or opts.format or "table"
      if fmt ~= "ics" then
        local ok, e = kit.check_format(fmt)
        if not ok then return fail(e .. " or ics", "USAGE") end
      end
      return kit.with_register(ctx, function(reg)
        local list = actions.list(reg, { today = today, overdue = opts.overdue, within = opts.within,
                                         owner = opts.owner, source = opts.source,
                                         open = opts.open or (fmt == "ics" and not opts.all) })
        if fmt == "ics" then
          return emit_text(ics.calendar(list, { today = today }), opts)
        end
        for _, a in ipairs(list) do a.done_text = a.done and "yes" or "no" end
        local text = kit.render(list, { "source", "id", "title", "owner", "due", "status",
                                        "overdue_days", "ref" }, fmt,
                                { "source", "id", { "title", "title", 40 }, "owner", "due",
                                  "status", { "overdue_days", "overdue" }, "ref" })
        if fmt == "table" and #list == 0 then text = "no actions\n" end
        return emit_text(text, opts)
      end)
    end,
  })
end
