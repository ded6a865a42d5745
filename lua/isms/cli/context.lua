--- Context, leadership and support on the command line (clauses 4-7).
-- The registers are record kinds with the generic verbs
-- (isms.cli.records); this family adds the verbs that ask questions
-- across them:
--   isms people check [--today D] [--within N]    training, competence, roles
--   isms people setup [--roles N] [--programmes N] [--kickoff D]
--   isms people roles [--today D]                  roles and their holders
--   isms people programmes                         the programmes file
--   isms people assets ID                          assets a person owns
--   isms scopes check [--limit N] [--all]          assets outside every scope
--   isms scopes assets ID [--limit N]              the assets of one scope
--   isms scopes approve ID --by PERSON [--on D] [--note T]
--   isms scopes status                             versions and approvals
--   isms scopes statement ID                       a statement drafted in Appendix A form
--   isms business-cases render ID [--format markdown|html] [--out F]
--   isms business-cases approve ID --by PERSON [--on D]
--   isms objectives status [--today D]             status from the metrics
--   isms objectives metrics                        the metrics objectives can name
--   isms communications due [--today D] [--within N]
--   isms obligations risk REF                      the obligations behind a risk's flags
-- Every one takes --json but business-cases render (--format json) and
-- approve; each names the common options it reads (def.common).
local cjson = require "cjson"
local records_cli = require "isms.cli.records"
local records = require "isms.store.records"
local format = require "isms.store.format"
local people = require "isms.people"
local people_check = require "isms.people.check"
local context = require "isms.context"
local report = require "isms.report"

return function(kit)
  local out, EXIT = kit.out, kit.EXIT

  -- Tables marked by array() are JSON arrays even when empty; other
  -- tables with a list part are arrays, the rest objects (keys sorted).
  local ARRAY = {}
  local function encode(v)
    if type(v) ~= "table" then return cjson.encode(v) end
    local n = #v
    if getmetatable(v) == ARRAY or n > 0 then
      local parts = {}
      for k = 1, n do parts[k] = encode(v[k]) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    local parts = {}
    for k, key in ipairs(keys) do parts[k] = cjson.encode(key) .. ":" .. encode(v[key]) end
    return "{" .. table.concat(parts, ",") .. "}"
  end

  local function json(v)
    out(encode(v), "\n")
    return EXIT.OK
  end

  local function table_of(rows, columns)
    out(kit.render(rows, columns, "table"))
  end

  local function date_opt(v, name)
    if v == nil then return true end
    return records.date(v, "--" .. name)
  end

  local function days_opt(v, name)
    if v == nil then return nil end
    local n = tonumber(v)
    if not n or n < 0 or n ~= math.floor(n) then
      return nil, ("--%s: expected a whole number of days"):format(name)
    end
    return n
  end

  -- Lists of JSON arrays stay arrays when empty.
  local function array(t)
    return setmetatable(t, ARRAY)
  end

  -- ------------------------------------------------------------ people

  records_cli.verb("people", "check", {
    common = { "json" },
    usage = "check [--today D] [--within N]",
    summary = "who lacks a programme or competence, refreshers due, unfilled roles",
    options = { today = "value", within = "value" },
    run = function(reg, opts)
      local ok, e = date_opt(opts.today, "today")
      if not ok then return nil, e, "USAGE" end
      local within
      within, e = days_opt(opts.within, "within")
      if e then return nil, e, "USAGE" end
      local rep, err, code = people.check(reg, { today = opts.today, within = within })
      if not rep then return nil, err, code end
      local n = people_check.count(rep)
      if opts.json then
        json({ today = rep.today, within = rep.within, kickoff = rep.kickoff,
               programmes = array(rep.programmes), competence = array(rep.competence),
               unfilled = array(rep.unfilled), problems = array(rep.problems),
               trained = rep.trained, problem_count = n })
        return n == 0 and EXIT.OK or EXIT.FAIL
      end
      local lacking, due = {}, {}
      for _, p in ipairs(rep.programmes) do
        if p.status == "missing" then
          p.why = p.occasion == "kickoff" and "not before the kick-off"
            or p.occasion == "induction" and ("not within induction (joined " .. p.joined .. ")")
            or "never taken"
          lacking[#lacking + 1] = p
        else
          p.why = p.status == "overdue" and ("refresher overdue (last " .. p.last .. ")")
            or p.status == "refresher" and ("refresher due (last " .. p.last .. ")")
            or "falls due"
          due[#due + 1] = p
        end
      end
      out(("people check as of %s (%s; roles %s, programmes %s)\n\n"):format(rep.today,
        rep.kickoff and ("kick-off " .. rep.kickoff) or "no kick-off date set",
        people.config(reg).roles_name, people.config(reg).programmes_name))
      if #lacking > 0 then
        out(("lacking a required programme (%d):\n"):format(#lacking))
        table_of(lacking, { "person", "programme", { "due_on", "due" }, { "why", "why", 60 } })
        out("\n")
      end
      if #due > 0 then
        out(("refreshers and programmes due by %s days from now (%d):\n"):format(rep.within, #due))
        table_of(due, { "person", "programme", { "due_on", "due" }, { "why", "status", 60 } })
        out("\n")
      end
      if #rep.competence > 0 then
        out(("lacking a competence their role requires (%d):\n"):format(#rep.competence))
        table_of(rep.competence, { "person", "role", { "competence", "competence", 60 } })
        out("\n")
      end
      if #rep.unfilled > 0 then
        out(("unfilled roles (%d):\n"):format(#rep.unfilled))
        table_of(rep.unfilled, { "role", { "holders", "holders" }, { "min_holders", "needs" } })
        out("\n")
      end
      if #rep.problems > 0 then
        out(("other problems (%d):\n"):format(#rep.problems))
        table_of(rep.problems, { "person", "role", { "problem", "problem", 90 } })
        out("\n")
      end
      local t = rep.trained
      out(("trained: %d of %d people (%s%%) have every programme they need\n"):format(t.trained,
        t.people, format.number(math.floor(t.share * 1000 + 0.5) / 10)))
      out(n == 0 and "no problems\n" or ("%d problems\n"):format(n))
      return n == 0 and EXIT.OK or EXIT.FAIL
    end,
  })

  records_cli.verb("people", "setup", {
    common = { "json", "reason" },
    usage = "setup [--roles NAME] [--programmes NAME] [--kickoff D]",
    summary = "the roles and programmes files and the ISMS kick-off date in use",
    options = { roles = "value", programmes = "value", kickoff = "value" },
    run = function(reg, opts)
      local c, e, code
      if opts.roles or opts.programmes or opts.kickoff then
        c, e, code = people.configure(reg, { roles = opts.roles, programmes = opts.programmes,
                                             kickoff = opts.kickoff }, opts.reason)
      else
        c, e, code = people.config(reg)
      end
      if not c then return nil, e, code end
      if opts.json then
        return json({ roles = c.roles_name, roles_file = c.roles.file, programmes = c.programmes_name,
                      programmes_file = c.programmes.file, kickoff = c.kickoff })
      end
      out(("roles       %s (%s)\nprogrammes  %s (%s)\nkick-off    %s\n"):format(c.roles_name,
        c.roles.file, c.programmes_name, c.programmes.file, c.kickoff or "not set"))
      return EXIT.OK
    end,
  })

  records_cli.verb("people", "roles", {
    common = { "json" },
    usage = "roles [--today D]",
    summary = "the ISMS roles, their responsibilities and current holders",
    options = { today = "value" },
    run = function(reg, opts)
      local ok, e = date_opt(opts.today, "today")
      if not ok then return nil, e, "USAGE" end
      local c, err, code = people.config(reg)
      if not c then return nil, err, code end
      local rows = {}
      for _, r in ipairs(c.roles.roles) do
        local holders = {}
        for _, h in ipairs(people.holders(reg, r.id, opts.today)) do holders[#holders + 1] = h.person end
        rows[#rows + 1] = { role = r.id, title = r.title, holders = array(holders),
          min_holders = r.min_holders, overlap = r.overlap, chair = r.chair,
          competence = array(r.competence), approves = array(r.approves),
          responsibilities = array(r.responsibilities) }
      end
      if opts.json then return json(rows) end
      local shown = {}
      for k, r in ipairs(rows) do
        shown[k] = { role = r.role, title = r.title, holders = table.concat(r.holders, ", "),
                     needs = r.min_holders, overlap = r.overlap and "yes" or "no",
                     competence = table.concat(r.competence, "; ") }
      end
      table_of(shown, { "role", { "title", "title", 34 }, "needs", { "holders", "holders", 30 },
                        "overlap", { "competence", "competence", 50 } })
      return EXIT.OK
    end,
  })

  records_cli.verb("people", "programmes", {
    common = { "json" },
    usage = "programmes",
    summary = "the competence and awareness programmes in use",
    run = function(reg, opts)
      local c, err, code = people.config(reg)
      if not c then return nil, err, code end
      local rows = {}
      for _, p in ipairs(c.programmes.programmes) do
        rows[#rows + 1] = { programme = p.id, title = p.title, audience = array(p.audience),
          frequency = array(p.frequency), induction_days = p.induction_days,
          grants = array(p.grants), days = p.days, form = p.form }
      end
      if opts.json then return json(rows) end
      local shown = {}
      for k, r in ipairs(rows) do
        shown[k] = { programme = r.programme, title = r.title,
                     audience = table.concat(r.audience, ", "),
                     frequency = table.concat(r.frequency, ", "), days = r.days }
      end
      table_of(shown, { "programme", { "title", "title", 36 }, { "audience", "audience", 50 },
                        { "frequency", "frequency", 40 }, "days" })
      return EXIT.OK
    end,
  })

  records_cli.verb("people", "assets", {
    common = { "json" },
    usage = "assets ID",
    summary = "the assets a person owns (as the parties they act as)",
    args = 1,
    run = function(reg, opts, args)
      if not args[1] then return nil, "usage: isms people assets ID", "USAGE" end
      if not reg:records("person"):get(args[1]) then
        return nil, ("no person '%s' in the register"):format(args[1]), "NOTFOUND"
      end
      local ids = people.owned_assets(reg, args[1])
      if opts.json then return json(array(ids)) end
      for _, id in ipairs(ids) do out(id, "\n") end
      return EXIT.OK
    end,
  })

  -- ------------------------------------------------------------ scopes

  records_cli.verb("scopes", "check", {
    common = { "json" },
    usage = "check [--limit N] [--all]",
    summary = "problems in the scopes and the assets outside every scope (exit 1 if any)",
    options = { limit = "count", all = "flag" },
    run = function(reg, opts)
      local problems = reg:records("scope"):check()
      local limit = not opts.all and (opts.limit or 20) or nil
      local r = context.scope.out_of_scope(reg, { limit = limit })
      local bad = #problems + r.count
      if opts.json then
        json({ problems = array(problems), total = r.total, outside = r.count, scopes = r.scopes,
               assets = array(r.assets) })
        return bad == 0 and EXIT.OK or EXIT.FAIL
      end
      if #problems > 0 then
        out(("scope problems (%d):\n"):format(#problems))
        table_of(problems, { "id", "field", { "problem", "problem", 100 } })
        out("\n")
      end
      out(("%s of %s assets are outside every scope (%d scopes)\n"):format(
        format.number(r.count), format.number(r.total), r.scopes))
      if #r.assets > 0 then
        table_of(r.assets, { "id", { "name", "name", 40 }, { "location", "location", 30 },
                             { "owner", "owner", 30 } })
        if #r.assets < r.count then
          out(("... and %s more (--all lists every one)\n"):format(format.number(r.count - #r.assets)))
        end
      end
      return bad == 0 and EXIT.OK or EXIT.FAIL
    end,
  })

  records_cli.verb("scopes", "assets", {
    common = { "json" },
    usage = "assets ID [--limit N]",
    summary = "the assets a scope takes in",
    options = { limit = "count" },
    args = 1,
    run = function(reg, opts, args)
      if not args[1] then return nil, "usage: isms scopes assets ID", "USAGE" end
      local m, e, code = context.scope.members(reg, args[1], { limit = opts.limit })
      if not m then return nil, e, code end
      if opts.json then return json({ scope = m.scope, count = m.count, assets = array(m.assets) }) end
      out(("%s takes in %s assets\n"):format(m.scope, format.number(m.count)))
      if #m.assets > 0 then
        table_of(m.assets, { "id", { "name", "name", 40 }, { "location", "location", 30 },
                             { "owner", "owner", 30 } })
      end
      return EXIT.OK
    end,
  })

  records_cli.verb("scopes", "approve", {
    common = { "json", "reason" },
    usage = "approve ID --by PERSON [--on D] [--note T]",
    summary = "record top management's approval of the scope as its next version",
    options = { by = "value", on = "value", note = "value" },
    args = 1,
    run = function(reg, opts, args)
      if not args[1] or not opts.by then
        return nil, "usage: isms scopes approve ID --by PERSON [--on DATE] [--note TEXT]", "USAGE"
      end
      local rep, e, code = context.approve_scope(reg, args[1], { by = opts.by, on = opts.on,
        note = opts.note, reason = opts.reason })
      if not rep then return nil, e, code end
      if opts.json then return json(rep) end
      out(("%s: version %d approved (batch %d)\n"):format(rep.scope, rep.version, rep.batch))
      return EXIT.OK
    end,
  })

  records_cli.verb("scopes", "statement", {
    common = { "json" },
    usage = "statement ID",
    summary = "a scope statement drafted from the register (the guideline's Appendix A form)",
    args = 1,
    run = function(reg, opts, args)
      if not args[1] then return nil, "usage: isms scopes statement ID", "USAGE" end
      local text, e, code = context.scope.draft_statement(reg, args[1])
      if not text then return nil, e, code end
      if opts.json then return json({ scope = args[1], statement = text }) end
      out(text, "\n")
      return EXIT.OK
    end,
  })

  records_cli.verb("scopes", "status", {
    common = { "json" },
    usage = "status",
    summary = "each scope's approved version and whether it changed since",
    run = function(reg, opts)
      local rows = {}
      for _, s in ipairs(reg:records("scope"):list()) do
        local st = context.scope_status(reg, s.id)
        rows[#rows + 1] = { scope = s.id, title = s.title, version = st.version,
          approved_by = st.approved_by, approved_on = st.approved_on,
          state = not st.version and "not approved" or st.changed and "changed since approval"
            or "as approved" }
      end
      if opts.json then return json(array(rows)) end
      table_of(rows, { "scope", { "title", "title", 40 }, "version", "approved_by", "approved_on",
                       "state" })
      return EXIT.OK
    end,
  })

  -- ------------------------------------------------------------ business cases

  records_cli.verb("business-cases", "render", {
    common = { "format", "out" },
    usage = "render ID [--format markdown|html] [--out F] [--today D]",
    summary = "the business case for top management, from the register",
    options = { today = "value" },
    args = 1,
    run = function(reg, opts, args)
      if not args[1] then return nil, "usage: isms business-cases render ID", "USAGE" end
      local fmt = opts.format or "markdown"
      if fmt ~= "markdown" and fmt ~= "html" and fmt ~= "json" then
        return nil, ("unknown format '%s'; expected markdown, html or json"):format(fmt), "USAGE"
      end
      local ok, e = date_opt(opts.today, "today")
      if not ok then return nil, e, "USAGE" end
      local model, err, code = context.business_case.model(reg, args[1], { today = opts.today,
        register = reg.path })
      if not model then return nil, err, code end
      local wok, ferr, fcode = kit.write_out(opts.out, report.render(model, fmt))
      if not wok then return nil, ferr, fcode end
      return EXIT.OK
    end,
  })

  records_cli.verb("business-cases", "approve", {
    common = { "reason" },
    usage = "approve ID --by PERSON [--on D]",
    summary = "record top management's approval (date and name)",
    options = { by = "value", on = "value" },
    args = 1,
    run = function(reg, opts, args)
      if not args[1] or not opts.by then
        return nil, "usage: isms business-cases approve ID --by PERSON [--on DATE]", "USAGE"
      end
      local rep, e, code = context.approve_business_case(reg, args[1], { by = opts.by,
        on = opts.on, reason = opts.reason })
      if not rep then return nil, e, code end
      out(("%s: approved by %s (batch %d)\n"):format(args[1], opts.by, rep.batch))
      return EXIT.OK
    end,
  })

  -- ------------------------------------------------------------ objectives

  records_cli.verb("objectives", "status", {
    common = { "json" },
    usage = "status [--today D]",
    summary = "each objective against its target, from its metric's latest value",
    options = { today = "value" },
    run = function(reg, opts)
      local ok, e = date_opt(opts.today, "today")
      if not ok then return nil, e, "USAGE" end
      local rows = context.objectives.status(reg, { today = opts.today })
      if opts.json then
        local list = {}
        for k, o in ipairs(rows) do
          list[k] = { id = o.id, title = o.title, metric = o.metric, comparison = o.comparison,
            target = o.target, unit = o.unit, value = o.value, source = o.source,
            measured_on = o.measured_on, due = o.due, owner = o.owner, met = o.met,
            status = o.status }
        end
        return json(array(list))
      end
      for _, o in ipairs(rows) do
        o.value_text = o.value and (format.number(o.value) .. (o.unit and (" " .. o.unit) or ""))
          or "-"
      end
      table_of(rows, { "id", { "title", "objective", 40 }, "metric", { "target_text", "target" },
                       { "value_text", "value" }, "source", "due", "status" })
      return EXIT.OK
    end,
  })

  records_cli.verb("objectives", "metrics", {
    common = { "json" },
    usage = "metrics",
    summary = "the metrics an objective can name",
    run = function(_, opts)
      local list = context.objectives.metrics()
      if opts.json then return json(array(list)) end
      table_of(list, { "name", { "title", "title", 70 }, "unit" })
      return EXIT.OK
    end,
  })

  -- ------------------------------------------------------------ communication

  records_cli.verb("communications", "due", {
    common = { "json" },
    usage = "due [--today D] [--within N]",
    summary = "the communication schedule: what is overdue or falls due",
    options = { today = "value", within = "value" },
    run = function(reg, opts)
      local ok, e = date_opt(opts.today, "today")
      if not ok then return nil, e, "USAGE" end
      local within
      within, e = days_opt(opts.within, "within")
      if e then return nil, e, "USAGE" end
      local rows = context.communication.schedule(reg, { today = opts.today, within = within })
      local late = 0
      for _, r in ipairs(rows) do if r.status == "overdue" then late = late + 1 end end
      if opts.json then
        json(array(rows))
      else
        table_of(rows, { "id", { "what", "what", 40 }, { "audience", "to", 24 },
                         { "responsible", "by", 20 }, "frequency", "last_sent", "next_due",
                         "status" })
      end
      return late == 0 and EXIT.OK or EXIT.FAIL
    end,
  })

  -- ------------------------------------------------------------ obligations

  records_cli.verb("obligations", "risk", {
    common = { "json" },
    usage = "risk REF",
    summary = "the obligation records behind a risk's legal, regulatory and contractual flags",
    args = 1,
    run = function(reg, opts, args)
      if not args[1] then return nil, "usage: isms obligations risk REF", "USAGE" end
      local found, e, code = context.risk_obligations(reg, args[1])
      if not found then return nil, e, code end
      if opts.json then
        local t = {}
        for k, v in pairs(found) do t[k] = array(v) end
        return json(t)
      end
      local any = false
      for _, t in ipairs({ "legal", "regulatory", "contractual" }) do
        if found[t] then
          any = true
          out(("%-12s %s\n"):format(t, #found[t] > 0 and table.concat(found[t], ", ")
            or "flagged, but no obligation on record touches its asset"))
        end
      end
      if not any then out(args[1], ": no obligation flags\n") end
      return EXIT.OK
    end,
  })
end
