--- Keeping the register current (docs/keeping-current.md): `isms stale`,
-- `isms review`, `isms current`, `isms propose-audits`,
-- `isms incident-stats`, `isms likelihood`, `isms supplier-risks` and
-- `isms supplier-assets`. The registers themselves (incidents,
-- incident-events, suppliers, contracts, certifications, reviews) have the
-- record kit's verbs (isms.cli.records).
local cjson = require "cjson"
local records = require "isms.store.records"
local incidents = require "isms.incident"
local suppliers = require "isms.supplier"
local currency = require "isms.currency"

return function(kit)
  local out, EXIT = kit.out, kit.EXIT

  local function fail(e, code)
    kit.err(e)
    return code == "USAGE" and EXIT.USAGE or kit.exit_for(code)
  end

  -- JSON of a command's result: every empty table in it is an empty list
  -- (cjson would write {}), as the lists these commands return are
  -- ({"by_class": []}, no stale record: []).
  local EMPTY = "\1isms empty list\1"
  local function lists(v)
    if type(v) ~= "table" then return v end
    if next(v) == nil then return EMPTY end
    local c = {}
    for k, x in pairs(v) do c[k] = lists(x) end
    return c
  end
  local function json(v)
    out((cjson.encode(lists(v)):gsub('"\\u0001isms empty list\\u0001"', "[]")), "\n")
  end

  local function check_today(opts)
    if opts.today then
      local ok, why = records.date(opts.today, "--today")
      if not ok then return nil, why end
    end
    return true
  end

  -- ------------------------------------------------------------ stale

  kit.command("stale", {
    usage = "isms stale [--kind KIND] [--trigger NAME] [--today DATE] [--summary] [--limit N] [--json]",
    summary = "records out of date, each reason in words and the batch that caused it",
    help = [[A record is stale when a trigger of the register's trigger file
(rules/triggers/, `isms current`) fired after it was last assessed: its
asset re-valued, an incident on its asset and threat, a threat or
vulnerability changed, a control of its treatment changed status, the
methodology changed, its asset changed scope -- or its review date passed
(rules/cycles/). Re-rating a risk or `isms reviewed KIND ID` clears it.
--summary counts per trigger (computed in SQL, fast on any register).]],
    options = { kind = "value", trigger = "value", today = "value", summary = "flag",
                limit = "positive", json = "flag", format = "value" },
    run = function(ctx, opts)
      local ok, why = check_today(opts)
      if not ok then return fail(why, "USAGE") end
      return kit.with_register(ctx, function(reg)
        local q = { today = opts.today, kind = opts.kind, trigger = opts.trigger, limit = opts.limit }
        local as_json = opts.json or opts.format == "json"
        if opts.summary then
          local s, e, code = currency.stale_summary(reg, q)
          if not s then return fail(e, code) end
          if as_json then json(s) return EXIT.OK end
          out(kit.render(s.by_trigger, { "trigger", "on", "records", "reasons" }, "table"))
          out(("%d stale records (as of %s)\n"):format(s.total, s.today))
          return EXIT.OK
        end
        local list, e, code = currency.stale(reg, q)
        if not list then return fail(e, code) end
        if as_json then json(list) return EXIT.OK end
        local rows = {}
        for _, r in ipairs(list) do
          for _, x in ipairs(r.reasons) do
            rows[#rows + 1] = { kind = r.kind, id = r.id, trigger = x.trigger, batch = x.batch,
                                reason = x.reason }
          end
        end
        if opts.format == "csv" then
          out(kit.render(rows, { "kind", "id", "trigger", "batch", "reason" }, "csv"))
          return EXIT.OK
        end
        if #rows == 0 then out("no stale records\n") return EXIT.OK end
        out(kit.render(rows, { "kind", { "id", "id", 48 }, "trigger", "batch",
                               { "reason", "reason", 160 } }, "table"))
        out(("%d stale records\n"):format(#list))
        return EXIT.OK
      end)
    end,
  })

  -- ------------------------------------------------------------ review

  kit.command("reviewed", {
    usage = "isms reviewed KIND ID [--on DATE] [--by NAME] [--note TEXT] [--next DATE] [--reason TEXT]",
    summary = "record a review of a record (clears a stale risk as re-rating does)",
    help = [[KIND is risk, asset, supplier, soa, rule_file or a record kind; a rule
file's id is DIR/NAME (methodologies/qism-fmea). --next sets the next
review date instead of the cycle's.]],
    options = { on = "value", by = "value", note = "value", next = "value", reason = "value" },
    args = 2,
    run = function(ctx, opts, pos)
      if not pos[1] or not pos[2] then return fail("usage: isms reviewed KIND ID", "USAGE") end
      return kit.with_register(ctx, function(reg)
        local rep, e, code = currency.review(reg, pos[1], pos[2], { on = opts.on, by = opts.by,
          note = opts.note, next = opts.next, reason = opts.reason })
        if not rep then return fail(e, code) end
        out(("reviewed %s %s (review %d, batch %d)\n"):format(rep.kind, rep.record, rep.count,
                                                             rep.batch))
        return EXIT.OK
      end)
    end,
  })

  -- ------------------------------------------------------------ current

  kit.command("current", {
    usage = "isms current [--incidents NAME] [--cycles NAME] [--triggers NAME] [--today DATE] [--json]",
    summary = "the rule files that keep the register current, and where it stands",
    help = [[Shows (or, with an option, chooses) the incident, review-cycle and
trigger rule files of the register, then the stale records per trigger,
the proposed internal audits and the next supplier and rule-file reviews.]],
    options = { incidents = "value", cycles = "value", triggers = "value", today = "value",
                reason = "value", json = "flag" },
    run = function(ctx, opts)
      local ok, why = check_today(opts)
      if not ok then return fail(why, "USAGE") end
      return kit.with_register(ctx, function(reg)
        local loaders = { incidents = incidents.rules.load, cycles = currency.rules.load_cycles,
                          triggers = currency.rules.load_triggers }
        for _, what in ipairs({ "incidents", "cycles", "triggers" }) do
          if opts[what] then
            local spec, e, code = loaders[what](opts[what])
            if not spec then return fail(e, code) end
            local done, serr, scode = reg:set_setting(currency.rules.SETTINGS[what], opts[what],
                                                      opts.reason)
            if not done then return fail(serr, scode) end
          end
        end
        local files = {}
        for _, what in ipairs({ "incidents", "cycles", "triggers" }) do
          local spec, e, code = loaders[what](reg:setting(currency.rules.SETTINGS[what]) or "default")
          if not spec then return fail(e, code) end
          files[#files + 1] = { rules = what, file = spec.file }
        end
        local s, e, code = currency.stale_summary(reg, { today = opts.today })
        if not s then return fail(e, code) end
        local audits, aerr, acode = currency.audits(reg, { today = opts.today })
        if not audits then return fail(aerr, acode) end
        local reviews = currency.next_reviews(reg)
        if opts.json then
          json({ rule_files = files, stale = s, audits = audits, next_reviews = reviews })
          return EXIT.OK
        end
        out(kit.render(files, { "rules", { "file", "file", 100 } }, "table"), "\n")
        out(("stale records: %d (as of %s)\n"):format(s.total, s.today))
        if #s.by_trigger > 0 then
          out(kit.render(s.by_trigger, { "trigger", "on", "records", "reasons" }, "table"))
        end
        out(("\ninternal audits proposed: %d\n"):format(#audits))
        for _, a in ipairs(audits) do out(("  %s: %s\n"):format(a.trigger, a.reason)) end
        if #reviews > 0 then
          out("\nnext reviews:\n")
          out(kit.render(reviews, { "kind", { "id", "id", 48 }, "last", "next", "months" }, "table"))
        end
        return EXIT.OK
      end)
    end,
  })

  kit.command("propose-audits", {
    usage = "isms propose-audits [--today DATE] [--json]",
    summary = "internal audits the trigger file proposes (incidents, asset changes, requirements)",
    options = { today = "value", json = "flag" },
    run = function(ctx, opts)
      local ok, why = check_today(opts)
      if not ok then return fail(why, "USAGE") end
      return kit.with_register(ctx, function(reg)
        local list, e, code = currency.audits(reg, { today = opts.today })
        if not list then return fail(e, code) end
        if opts.json then json(list) return EXIT.OK end
        if #list == 0 then out("no internal audit proposed\n") return EXIT.OK end
        out(kit.render(list, { "trigger", "on", "since", "count", { "reason", "reason", 160 } },
                       "table"))
        return EXIT.OK
      end)
    end,
  })

  -- ------------------------------------------------------------ incidents

  kit.command("incident-stats", {
    usage = "isms incident-stats [--from DATE] [--to DATE] [--period month|quarter|year] [--json]",
    summary = "incident counts per period, severity, category, threat and asset class; times",
    options = { from = "value", to = "value", period = "value", json = "flag" },
    run = function(ctx, opts)
      return kit.with_register(ctx, function(reg)
        local s, e, code = incidents.stats(reg, { from = opts.from, to = opts.to,
                                                  period = opts.period })
        if not s then return fail(e, code) end
        if opts.json then json(s) return EXIT.OK end
        out(("incidents: %d\n\n"):format(s.total))
        local sections = { { "by_period", s.period }, { "by_severity", "severity" },
                           { "by_category", "category" }, { "by_threat", "threat" },
                           { "by_class", "class" } }
        for _, sec in ipairs(sections) do
          local list = s[sec[1]]
          if #list > 0 then
            local key = sec[1] == "by_period" and "period" or sec[2]
            out(kit.render(list, { key, "count" }, "table"), "\n")
          end
        end
        local times = {}
        for _, what in ipairs({ "contain", "close" }) do
          local t = s[what]
          times[#times + 1] = { time = "to " .. what, incidents = t.n, mean_h = t.mean,
                                median_h = t.median, p90_h = t.p90 }
        end
        out(kit.render(times, { "time", "incidents", "mean_h", "median_h", "p90_h" }, "table"))
        return EXIT.OK
      end)
    end,
  })

  kit.command("likelihood", {
    usage = "isms likelihood [REF] [--flagged] [--today DATE] [--json]",
    summary = "incidents beside each risk's likelihood, and ratings the history contradicts",
    help = [[Counts the incidents detected within the window of the incident rule
file on each risk's asset and threat, beside the likelihood rating:
"O = 2 (Remote); 3 incidents in the last 12 months". --flagged keeps the
risks whose rating the history contradicts (the file's flag rules).]],
    options = { flagged = "flag", today = "value", json = "flag" },
    args = 1,
    run = function(ctx, opts, pos)
      local ok, why = check_today(opts)
      if not ok then return fail(why, "USAGE") end
      return kit.with_register(ctx, function(reg)
        local list, e, code
        if pos[1] then
          local one
          one, e, code = incidents.beside_likelihood(reg, pos[1], { today = opts.today })
          list = one and { one }
        else
          list, e, code = incidents.history(reg, { today = opts.today, flagged = opts.flagged })
        end
        if not list then return fail(e, code) end
        if opts.json then json(list) return EXIT.OK end
        if #list == 0 then out("no risk has incidents in the window\n") return EXIT.OK end
        local rows = {}
        for k, r in ipairs(list) do
          rows[k] = { ref = r.ref, likelihood = r.text, incidents = table.concat(r.incidents, ", "),
                      flag = r.flag }
        end
        out(kit.render(rows, { { "ref", "ref", 48 }, { "likelihood", "likelihood", 60 },
                               "incidents", { "flag", "flag", 80 } }, "table"))
        return EXIT.OK
      end)
    end,
  })

  -- ------------------------------------------------------------ suppliers

  kit.command("supplier-risks", {
    usage = "isms supplier-risks SUPPLIER [--json]",
    summary = "a supplier's risk roll-up: the risks on the assets it holds",
    options = { json = "flag" },
    args = 1,
    run = function(ctx, opts, pos)
      if not pos[1] then return fail("usage: isms supplier-risks SUPPLIER", "USAGE") end
      return kit.with_register(ctx, function(reg)
        local r, e, code = suppliers.risks(reg, pos[1])
        if not r then return fail(e, code) end
        if opts.json then json(r) return EXIT.OK end
        out(("%s %s (%s): %d assets, %d risks, %d not acceptable, %d unrated\n"):format(r.supplier,
          r.name, r.criticality or "?", #r.assets, r.total, r.unacceptable, r.unrated))
        if #r.levels > 0 then out(kit.render(r.levels, { "level", "count" }, "table")) end
        if #r.top > 0 then
          out("\nhighest:\n")
          out(kit.render(r.top, { { "ref", "ref", 60 }, "level", "score", "acceptable" }, "table"))
        end
        if #r.assessments > 0 then
          out("\nassessments:\n")
          for _, a in ipairs(r.assessments) do
            a.value = a.value and ("%.1f"):format(a.value) or nil
          end
          out(kit.render(r.assessments, { "id", "framework", "assessed_on", "state", "value", "met",
                                          "requirements", "gaps" }, "table"))
        end
        return EXIT.OK
      end)
    end,
  })

  kit.command("supplier-assets", {
    usage = "isms supplier-assets [--link] [--reason TEXT] [--json]",
    summary = "outsourced assets and their suppliers; --link names them from the contracts",
    help = [[Lists every outsourced asset with the suppliers that hold it. --link
links, in one batch, each outsourced asset that names no supplier yet to
the supplier whose contract its `contract` column names (a register made
before the supplier register migrates this way).]],
    options = { link = "flag", reason = "value", json = "flag" },
    run = function(ctx, opts)
      return kit.with_register(ctx, function(reg)
        if opts.link then
          local rep, e, code = suppliers.link_assets(reg, { reason = opts.reason })
          if not rep then return fail(e, code) end
          for _, l in ipairs(rep.linked) do out(("linked %s to %s\n"):format(l.asset, l.supplier)) end
          out(("%d linked%s; %d outsourced assets still name no supplier\n"):format(#rep.linked,
            rep.batch and (" (batch " .. rep.batch .. ")") or "", #rep.left))
          return EXIT.OK
        end
        local list = suppliers.outsourced(reg)
        if opts.json then json(list) return EXIT.OK end
        local rows = {}
        for k, a in ipairs(list) do
          rows[k] = { asset = a.asset, name = a.name, contract = a.contract,
                      suppliers = #a.suppliers > 0 and table.concat(a.suppliers, ", ")
                        or ("none" .. (a.by_contract and (" (contract: " .. a.by_contract .. ")") or "")) }
        end
        out(kit.render(rows, { "asset", "name", "contract", "suppliers" }, "table"))
        return EXIT.OK
      end)
    end,
  })
end
