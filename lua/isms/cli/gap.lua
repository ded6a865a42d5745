--- Gap analysis commands: `isms requirements ...` (the frameworks and
-- mapping sets a register holds), `isms gap ...` (assessments, answers,
-- the questionnaire round trip, pre-fill, ISO 9001 credit, results and
-- reports). Assessments themselves have the record verbs under
-- `isms assessments`.
local gap_report = require "isms.gap.report"
local catalog = require "isms.gap.catalog"
local fields = require "isms.store.fields"
local records = require "isms.store.records"


return function(kit)
  local out, EXIT = kit.out, kit.EXIT

  local fail = kit.fail

  local function json(v) return require("cjson").encode(v) end

  kit.command("requirements", {
    usage = "isms requirements import FILE|NAME [--as ID] | list [FRAMEWORK] | show FRAMEWORK:REF"
      .. " | export FRAMEWORK [FILE|-] | shipped",
    summary = "requirement catalogs (frameworks) and mapping sets in the register",
    help = [[
import   reads a requirement catalog or a mapping set: a shipped name
         (isms requirements shipped), a rule file, a CISO Assistant library
         (YAML: a framework or a requirement_mapping_set) or an OSCAL
         catalog or resolved profile (JSON). All or nothing; a re-import
         replaces the earlier version and names answers that lost their
         requirement. --as ID stores a framework under another id.
list     the frameworks and mapping sets held, or one framework's nodes
show     one requirement
export   one framework's nodes as CSV
shipped  the catalogs shipped in rules/requirements/
import takes --reason TEXT (the change log keeps it); list takes --json or
--format json, show --json.]],
    options = { as = "value", reason = "value", json = "flag", format = "value" },
    verbs = { import = 1, list = 1, show = 1, export = 2, shipped = 0 },
    default_verb = "list",
    verb_options = { import = { "as", "reason" }, list = { "json", "format" }, show = { "json" },
                     export = {}, shipped = {} },
    run = function(ctx, opts, pos)
      local verb = pos[1] or "list"
      if verb == "shipped" then
        for _, n in ipairs(catalog.list()) do out(n, "\n") end
        return EXIT.OK
      end
      return kit.with_register(ctx, function(reg)
        if verb == "import" then
          if not pos[2] then return fail("usage: isms requirements import FILE|NAME", "USAGE") end
          local rep, e, code = reg:import_requirements(pos[2], { id = opts.as, reason = opts.reason })
          if not rep then return fail(e, code) end
          if rep.mapping then
            out(("mapping %s: %s -> %s, %d pairs (batch %d)\n"):format(rep.mapping, rep.from,
                rep.to, rep.pairs, rep.batch))
          else
            out(("framework %s: %d requirements, %d new, %d removed%s (batch %d)\n"):format(
              rep.framework, rep.nodes, rep.created, rep.removed,
              rep.replaced and ", replacing the earlier version" or "", rep.batch))
            for _, l in ipairs(rep.lost) do
              out(("  answer kept without its requirement: %s %s\n"):format(l.assessment,
                                                                           l.requirement))
            end
          end
          return EXIT.OK
        elseif verb == "list" then
          if pos[2] then
            local rows = reg:requirements(pos[2])
            if #rows == 0 then
              return fail(("no framework '%s' in the register"):format(pos[2]), "NOTFOUND")
            end
            if opts.json or opts.format == "json" then
              out(json(rows), "\n")
              return EXIT.OK
            end
            for _, r in ipairs(rows) do
              r.node = ("  "):rep(r.depth - 1) .. r.ref
              r.kind = r.assessable and (r.mandatory and "mandatory" or "assessable") or "heading"
            end
            out(kit.render(rows, { "node", { "title", "title", 70 }, "kind" }, "table"))
            return EXIT.OK
          end
          local list = reg:frameworks()
          local maps = reg:records("requirement_mapping"):list()
          if opts.json or opts.format == "json" then
            out(json({ frameworks = list, mappings = #maps > 0 and maps or nil }), "\n")
            return EXIT.OK
          end
          out(kit.render(list, { "id", { "title", "title", 60 }, "format", "nodes", "assessable" },
                         "table"))
          if #maps > 0 then
            out("\nmapping sets:\n")
            out(kit.render(maps, { "id", "source_framework", "target_framework", "pairs" }, "table"))
          end
          return EXIT.OK
        elseif verb == "show" then
          local r = pos[2] and reg:records("requirement"):get(pos[2])
          if not r then
            return fail(("no requirement '%s'; give FRAMEWORK:REF"):format(tostring(pos[2])),
                        "NOTFOUND")
          end
          if opts.json then out(json(r), "\n") return EXIT.OK end
          for _, f in ipairs(require("isms.gap.kinds").requirement.fields) do
            out(("%-11s %s\n"):format(f.name, fields.cell(f, r[f.name])))
          end
          return EXIT.OK
        elseif verb == "export" then
          if not pos[2] then return fail("usage: isms requirements export FRAMEWORK", "USAGE") end
          local ok, e, code = reg:records("requirement"):export(pos[3] or "-",
                                                               { framework = pos[2] })
          if not ok then return fail(e, code) end
          return EXIT.OK
        end
        return fail(("unknown verb '%s'; expected import, list, show, export, shipped")
                    :format(verb), "USAGE")
      end)
    end,
  })

  local GAP_OPTIONS = { format = "value", out = "value", json = "flag", top = "positive",
                        team = "positive", reason = "value", framework = "value",
                        assessor = "value", date = "value", title = "value", scope = "value",
                        method = "value", from = "value", certified = "flag", except = "value",
                        overwrite = "flag", compare = "value", ["max-errors"] = "positive",
                        sheet = "value" }

  kit.command("gap", {
    usage = "isms gap [ASSESSMENT] | new | answer | export | import | prefill | credit | compare"
      .. " | report",
    summary = "gap analysis: assessments, questionnaires, results",
    help = [[
isms gap [show] [ASSESSMENT]       results: by clause, by theme, top gaps
                                   (--top N, --team N, --compare B, --format,
                                   --json, --out F)
isms gap new --framework F --assessor NAME [--date D] [--title T] [--scope S]
                                   [--method M]            start an assessment
isms gap answer A REF FIELD=VALUE ...   answer one requirement (status=met ...)
isms gap export A [FILE|-|--out F] the questionnaire, one row per requirement: CSV,
                                   or XLSX when FILE ends in .xlsx
isms gap import A FILE [--sheet S] [--max-errors N]
                                   read a filled questionnaire (CSV or XLSX)
                                   back, all or nothing
isms gap prefill FROM TO [--overwrite]   pre-fill TO from FROM through mapping sets
isms gap credit A (--from A9001 | --certified [--except 8.3,8.5]) [--overwrite]
                                   ISO 9001 credit for a 27001 assessment
isms gap compare A B [--json]      what improved, regressed, is new
isms gap report A [--compare B] --format markdown|html|json|csv|xlsx [--out F]
                                   (and --top N, --team N, --json as show)
The latest assessment is used when none is named. Writes (new, answer,
import, prefill, credit) take --reason TEXT, which the change log keeps.]],
    options = GAP_OPTIONS,
    verbs = { new = 0, answer = math.huge, export = 2, import = 2, prefill = 2, credit = 1,
              compare = 2, report = 1, show = 1 },
    other_args = 1,  -- isms gap ASSESSMENT
    default_verb = "show",  -- of no word, or of a first word that is no verb
    verb_options = (function()
      local results = { "top", "team", "compare", "format", "json", "out" }
      return {
        new = { "framework", "assessor", "date", "title", "scope", "method", "reason" },
        answer = { "reason" }, export = { "out" },
        import = { "reason", "max-errors", "sheet" }, prefill = { "overwrite", "reason" },
        credit = { "from", "certified", "except", "overwrite", "reason" },
        compare = { "json" }, show = results, report = results,
      }
    end)(),
    run = function(ctx, opts, pos)
      return kit.with_register(ctx, function(reg)
        local verbs = { new = true, answer = true, export = true, import = true, prefill = true,
                        credit = true, compare = true, report = true, show = true }
        local verb = pos[1]
        local args = { unpack(pos, 2) }
        if not verbs[verb] then verb, args = "show", pos end
        local function latest()
          local list = reg:records("assessment"):list()
          table.sort(list, function(x, y)
            if x.assessed_on ~= y.assessed_on then return x.assessed_on < y.assessed_on end
            return x.id < y.id
          end)
          return list[#list] and list[#list].id
        end
        if verb == "new" then
          local id, e, code = reg:new_assessment({
            framework = opts.framework, assessor = opts.assessor or reg.actor,
            assessed_on = opts.date or records.today(), title = opts.title, scope = opts.scope,
            method = opts.method }, { reason = opts.reason, command = "gap new" })
          if not id then return fail(e, code) end
          out(id, "\n")
          return EXIT.OK
        elseif verb == "answer" then
          if not args[2] then return fail("usage: isms gap answer ASSESSMENT REF FIELD=VALUE ...",
                                          "USAGE") end
          local values = {}
          for k = 3, #args do
            local name, v = args[k]:match("^([%w_]+)=(.*)$")
            if not name then return fail(("'%s' is not FIELD=VALUE"):format(args[k]), "USAGE") end
            values[name] = v
          end
          local rep, e, code = reg:answer(args[1], args[2], values,
                                          { reason = opts.reason, command = "gap answer" })
          if not rep then return fail(e, code) end
          return EXIT.OK
        elseif verb == "export" then
          local a = args[1] or latest()
          local n, e, code = reg:export_questionnaire(a, args[2] or opts.out or "-")
          if not n then return fail(e, code) end
          return EXIT.OK
        elseif verb == "import" then
          if not args[2] then return fail("usage: isms gap import ASSESSMENT FILE", "USAGE") end
          local rep, e, code = reg:import_questionnaire(args[1], args[2],
            { reason = opts.reason, max_errors = opts["max-errors"], sheet = opts.sheet })
          if not rep then return fail(e, code) end
          out(("%s: %d answers, %d new, %d changed (batch %d)\n"):format(args[2], rep.rows,
              rep.created, rep.updated, rep.batch))
          return EXIT.OK
        elseif verb == "prefill" then
          if not args[2] then return fail("usage: isms gap prefill FROM TO", "USAGE") end
          local rep, e, code = reg:prefill(args[1], args[2],
                                           { overwrite = opts.overwrite, reason = opts.reason })
          if not rep then return fail(e, code) end
          out(("%s: %d answers pre-filled, %d kept as answered, %d of %d requirements covered\n")
              :format(args[2], rep.filled, rep.kept, rep.covered, rep.assessable))
          return EXIT.OK
        elseif verb == "credit" then
          if not args[1] then return fail("usage: isms gap credit ASSESSMENT --from A | --certified",
                                          "USAGE") end
          local rep, e, code = reg:credit_9001(args[1], { from = opts.from,
            certified = opts.certified, except = kit.list_of(opts.except, ",;"), overwrite = opts.overwrite,
            reason = opts.reason })
          if not rep then return fail(e, code) end
          out(("%s: %d answers credited from ISO 9001, %d kept as answered; the QMS covers %d of "
               .. "%d management-system requirements (%.0f%%), %d of %d sub-clauses (%.0f%%); "
               .. "the rest, and Annex A, is the ISMS's own work\n")
              :format(args[1], rep.filled, rep.kept, rep.credited, rep.clause_requirements,
                      100 * rep.share, rep.subclauses_credited, rep.subclauses,
                      100 * rep.subclause_share))
          return EXIT.OK
        elseif verb == "compare" then
          if not args[2] then return fail("usage: isms gap compare A B", "USAGE") end
          local cmp, e, code = reg:compare_assessments(args[1], args[2])
          if not cmp then return fail(e, code) end
          if opts.json then out(json(cmp), "\n") return EXIT.OK end
          out(("%d improved, %d regressed, %d unchanged, %d new, %d dropped\n"):format(
            #cmp.improved, #cmp.regressed, #cmp.unchanged, #cmp.new, #cmp.dropped))
          for _, k in ipairs({ "improved", "regressed", "new", "dropped" }) do
            for _, it in ipairs(cmp[k]) do
              out(("  %-9s %-14s %s -> %s\n"):format(k, it.ref, it.from or "-", it.to or "-"))
            end
          end
          return EXIT.OK
        end
        -- show / report
        local a = args[1] or latest()
        if not a then return fail("no assessment in the register; start one with isms gap new",
                                  "NOTFOUND") end
        local res, e, code = reg:gap_results(a, { team = opts.team })
        if not res then return fail(e, code) end
        local cmp
        local with = opts.compare or res.assessment.based_on
        if with then
          cmp = reg:compare_assessments(with, a)
        end
        local model = gap_report.model(res, { top = opts.top or (verb == "show" and not opts.out
          and (opts.format or "table") == "table" and 10 or nil), compare = cmp,
          compare_with = with })
        local o = { format = opts.json and "json" or opts.format, out = opts.out }
        return kit.emit(reg, model, o)
      end)
    end,
  })

  kit.command("readiness", {
    usage = "isms readiness [--criteria NAME|FILE] [--today DATE] [--json]",
    summary = "certification readiness: every criterion, explained (exit 0 only when ready)",
    help = [[
Evaluates the readiness criteria (rules/readiness/default.lua: no open
mandatory gap, six months of documented information, an internal audit and a
management review on record, every nonconformity closed, mandatory documents
approved). A criterion whose records do not exist yet says "no records" and
fails. Exit 0 when ready, 1 when not, so a script can gate on it.]],
    options = { criteria = "value", today = "value", json = "flag" },
    run = function(ctx, opts)
      return kit.with_register(ctx, function(reg)
        local r, e, code = reg:readiness({ criteria = opts.criteria, today = opts.today })
        if not r then return fail(e, code) end
        if opts.json then
          out(json(r):gsub('"records":{}', '"records":[]'), "\n")
        else
          out(r.title, ": ", r.ready and "READY" or "NOT READY", "\n")
          for _, c in ipairs(r.criteria) do
            out(("  [%s] %s: %s\n"):format(c.state == "pass" and "ok" or c.state, c.title,
                                           c.detail or ""))
            for k = 1, math.min(#c.records, 10) do out("      ", c.records[k], "\n") end
            if #c.records > 10 then out(("      ... and %d more\n"):format(#c.records - 10)) end
          end
        end
        return r.ready and EXIT.OK or EXIT.FAIL
      end)
    end,
  })
end
