--- Risk register commands: `isms risks ...`, `isms assess` (the guideline's
-- assessment exercise, 6.2 a-j) and `isms whatif` (re-scoring under another
-- methodology without changing anything).
local isms = require "isms"
local ffi_b = require "isms.store._ffi"
local format = require "isms.store.format"
local records = require "isms.store.records"
local risk_register = require "isms.risk.register"
require "isms.asset.register"   -- reg:methodology()

local risk_csv = require "isms.risk.csv"
local assess = require "isms.risk.assess"
-- Scopes (and the record kinds they bring) load only for --scope: a cold
-- `isms assess` does without them (issue #18).
local function scope_view() return require "isms.context.scope_view" end
local incidents_beside = require "isms.incident.beside"

local progress = require "isms.cli.progress"
local risk_method = require "isms.method.risk_method"

local ffi = ffi_b.ffi
local flat, csv_columns = risk_csv.flat, risk_csv.columns

-- `risks generate` asks for --yes beyond this many new risks; each takes
-- about BYTES_PER_RISK in the register (measured: 1.26M risks of the
-- generic catalog, 543 MB written and stored).
local GENERATE_LIMIT = tonumber(os.getenv("ISMS_GENERATE_LIMIT")) or 1000000
local BYTES_PER_RISK = 430

local function size_text(bytes)
  if bytes >= 1e9 then return ("%.1f GB"):format(bytes / 1e9) end
  if bytes >= 1e6 then return ("%.0f MB"):format(bytes / 1e6) end
  if bytes < 1e3 then return "under 1 kB" end
  return ("%.0f kB"):format(bytes / 1e3)
end

-- How many risks generating from catalog cat adds: every asset times the
-- catalog's pairs for its type, less the risks of the catalog's threats
-- the register holds already (generation keeps those).
local function planned_risks(reg, cat)
  local per_type = {}
  for k, ty in ipairs(risk_method.TYPES) do  -- the register stores a type as its number
    per_type[k] = #isms.catalog.pairs_for(cat, ty)
    per_type[ty] = per_type[k]
  end
  local candidates, assets = 0, 0
  for row in reg:query("SELECT type, count(*) AS n FROM assets GROUP BY type") do
    assets = assets + tonumber(row.n)
    candidates = candidates + (per_type[tonumber(row.type) or row.type] or 0) * row.n
  end
  local existing = 0
  local ids = {}
  for _, t in ipairs(cat.threats) do ids[#ids + 1] = "'" .. t.id:gsub("'", "''") .. "'" end
  if #ids > 0 then
    for row in reg:query("SELECT count(*) AS n FROM risks WHERE threat IN (" ..
                         table.concat(ids, ",") .. ")") do
      existing = tonumber(row.n)
    end
  end
  return math.max(0, candidates - existing), assets
end

-- "Alice; Bob" -> is name one of them?
-- --today DATE, checked: the day the incident window counts back from.
local function today_option(opts)
  if not opts.today then return true end
  return records.date(opts.today, "--today")
end

local function owned_by(owners, name)
  for o in (owners or ""):gmatch("[^;,]+") do
    if o:match("^%s*(.-)%s*$") == name then return true end
  end
  return false
end

-- ref -> owners text of the register's risks: of `refs` only when they are
-- few, else of all.
local function owners_of(reg, refs)
  local map = {}
  if refs and #refs <= 2000 then
    for _, ref in ipairs(refs) do
      for row in reg:query("SELECT owners FROM risks WHERE ref = ?1", ref) do map[ref] = row.owners end
    end
  else
    for row in reg:query("SELECT ref, owners FROM risks") do map[row.ref] = row.owners end
  end
  return map
end

-- The prioritised register (isms.risk.assess) with each risk's owners,
-- the first `limit` of those on assets `keep` marks that pass the
-- filter { level, class, owner } (positions count the risks listed).
local function prioritised(reg, t, res, limit, keep, filter)
  filter = filter or {}
  local filtered = filter.level or filter.class or filter.owner
  local list = assess.prioritised(t, res, not filtered and limit or nil, keep)
  local owners = filter.owner and owners_of(reg, nil)
  if filtered then
    local kept = {}
    for _, row in ipairs(list) do
      if (not filter.level or row.level == filter.level) and (not filter.class or row.class == filter.class)
         and (not filter.owner or owned_by(owners[row.ref], filter.owner)) then
        kept[#kept + 1] = row
        row.priority = #kept
        if limit and #kept >= limit then break end
      end
    end
    list = kept
  end
  local refs = {}
  for n, row in ipairs(list) do refs[n] = row.ref end
  owners = owners or owners_of(reg, refs)
  for _, row in ipairs(list) do row.owners = owners[row.ref] end
  return list
end

-- Reads the register's risks into columns and evaluates them under m;
-- raises what the kit reports (a failing rule function: {msg, code}).
local function evaluated(reg, m, opts)
  local t, err, code = reg:risk_table(opts)
  if not t then error({ msg = err, code = code }) end
  local res, eerr, ecode = risk_register.try_evaluate_table(m, t)
  if not res then error({ msg = eerr, code = ecode }) end
  return t, res
end

local PRIORITY_TABLE = { "priority", { "ref", "ref", 40 }, "class", "level", "score",
                         "obligations", "acceptable", "decision", { "owners", "owners", 24 } }
local PRIORITY_COLUMNS = { "priority", "ref", "asset", "class", "threat", "level", "score",
                           "obligations", "acceptable", "decision", "owners" }

return function(kit)
  local out, EXIT = kit.out, kit.EXIT

  local function method_or_fail(reg)
    local m, e, code = reg:methodology()
    if not m then return nil, e, code end
    if not m:scores_risks() then
      return nil, ("methodology %s does not score risks; choose one that does with "
                   .. "isms init DB --methodology NAME"):format(m:name()), "INPUT"
    end
    return m
  end

  -- Runs fn(reg, m) on the register with its risk-scoring methodology.
  local function with_method(ctx, fn)
    return kit.with_register(ctx, function(reg)
      local m, e, code = method_or_fail(reg)
      if not m then
        kit.err(e)
        return kit.exit_for(code)
      end
      return fn(reg, m)
    end)
  end

  kit.command("risks", {
    usage = "isms risks [list|show REF|add FIELD=VALUE...|generate CATALOG|"
            .. "set REF FIELD=VALUE...|delete REF...|score|export FILE|import FILE|explain REF|"
            .. "check]",
    summary = "the risk register: list, show, add, generate from catalogs, set, score, check, CSV",
    help = [[
list [--asset ID] [--scope ID] [--owner NAME] [--level L] [--class C] [--top N] [--format F]
     [--json] [--today DATE]
                 the risks, by ref (or the N most urgent, in priority order,
                 with their owners): of one asset, of one ISMS scope's
                 assets, owned by NAME, at level L, on assets of class C
                 (filters combine); when the register holds incidents, the
                 incidents on each risk's asset and threat within the
                 incident rule file's window back from --today (default
                 today), and the flag of a rating they contradict
show REF [--json] every field of one risk (as the CSV has them) and its change
                 history
add ref=REF asset=ID threat=ID FIELD=VALUE ...
                 a new risk, checked as a row of isms risks import is (the
                 fields of the CSV: ratings by factor name, owners, ...)
check [--json]   risks without owners, not rated on every factor, or not
                 acceptable and without a decision (exit 1 if any)
generate CATALOG one risk per asset, threat and vulnerability of the catalog
                 that applies to the asset's type (catalogs/CATALOG.lua);
                 existing risks are kept as they are; says first how many
                 it creates, and refuses more than 1,000,000 (exit 2)
                 without --yes
set REF FIELD=VALUE ...
                 change a risk: ratings by factor name (S=7, likelihood=High),
                 category, impacts, owners, controls, obligations
                 (legal,contractual), decision (accept|treat), decided_by,
                 decided_at, rationale, title, assets (the other assets the
                 risk bears on: assets=DB-1,APP-2; empty unlinks them),
                 threats (other catalog threats of the risk, the same way);
                 the risk is re-scored
delete REF ...   delete risks (their values stay in the change log)
score            re-score every risk under the register's methodology
export FILE|-    the risks as CSV (the import format; - for standard output)
import FILE      create or update risks from CSV, all or nothing
explain REF [--residual] [--target F=V,...] [--format json] [--today DATE]
                 how the risk's score, level and acceptance come about, step
                 by step: inputs, stages, band or matrix cell, criteria;
                 --target adds the score after planned changes of ratings;
                 --residual judges by the residual acceptance criteria, a
                 treated risk at the ratings its treatment expects; the
                 incidents beside the likelihood counted back from --today]],
    options = { asset = "value", scope = "value", top = "count", format = "value", reason = "value",
                ["max-errors"] = "positive", residual = "flag", target = "value", yes = "flag",
                owner = "value", level = "value", class = "value", today = "value",
                json = "flag" },
    verbs = { list = 0, generate = 1, set = math.huge, delete = math.huge, score = 0, export = 1,
              import = 1, explain = 1, show = 1, add = math.huge, check = 0 },
    default_verb = "list",
    verb_options = {
      list = { "asset", "scope", "owner", "level", "class", "top", "format", "json", "today" },
      show = { "format", "json" }, check = { "format", "json" },
      add = { "reason" }, set = { "reason" }, delete = { "reason" }, score = { "reason" },
      generate = { "yes", "reason" }, import = { "reason", "max-errors" }, export = {},
      explain = { "residual", "target", "format", "json", "today" },
    },
    run = function(ctx, opts, pos)
      local sub = pos[1] or "list"
      if opts.json then
        if opts.format and opts.format ~= "json" then
          return nil, "--json and --format " .. opts.format .. " contradict", "USAGE"
        end
        opts.format = "json"
      end
      local ok, ferr = kit.check_format(opts.format)
      if not ok then return nil, ferr, "USAGE" end
      local tok, terr = today_option(opts)
      if not tok then return nil, terr, "USAGE" end
      -- the day the incident window counts back from (nil: today)
      local window = { today = opts.today }
      return with_method(ctx, function(reg, m)
        local fail = kit.fail
        local factors = reg:risk_factors() or m:factors()
        if sub == "list" then
          local filter = { level = opts.level, class = opts.class, owner = opts.owner }
          if opts.top then
            local t, res = evaluated(reg, m, { asset = opts.asset })
            local keep
            if opts.scope then
              local serr, scode
              keep, serr, scode = scope_view().mask(reg, opts.scope, t)
              if not keep then return fail(serr, scode) end
            end
            local top = prioritised(reg, t, res, opts.top > 0 and opts.top or nil, keep, filter)
            local tcols, dcols = incidents_beside.list_columns(reg, top, PRIORITY_TABLE,
                                                               PRIORITY_COLUMNS, opts.format, window)
            out(kit.render(top, dcols, opts.format, tcols))
            return EXIT.OK
          end
          local rows
          if opts.scope then
            local serr, scode
            rows, serr, scode = scope_view().risks(reg, opts.scope)
            if not rows then return fail(serr, scode) end
            if opts.asset then
              local only = {}
              for _, r in ipairs(rows) do if r.asset == opts.asset then only[#only + 1] = r end end
              rows = only
            end
          else
            rows = reg:risks({ asset = opts.asset })
          end
          if filter.level or filter.class or filter.owner then
            local class_of = {}
            if filter.class then
              for _, a in ipairs(reg:assets()) do class_of[a.id] = a.class end
            end
            local kept = {}
            for _, r in ipairs(rows) do
              if (not filter.level or r.level == filter.level)
                 and (not filter.class or class_of[r.asset] == filter.class)
                 and (not filter.owner or owned_by(r.owners, filter.owner)) then
                kept[#kept + 1] = r
              end
            end
            rows = kept
          end
          local cols = { { "ref", "ref", 40 } }
          for _, f in ipairs(factors) do cols[#cols + 1] = f end
          for _, c in ipairs({ "score", "level", "acceptable", "decision",
                               { "owners", "owners", 24 } }) do
            cols[#cols + 1] = c
          end
          local any_links, any_tlinks = false, false
          for _, r in ipairs(rows) do
            any_links = any_links or r.assets ~= nil
            any_tlinks = any_tlinks or r.threats ~= nil
          end
          local all = csv_columns(factors, any_links, any_tlinks)
          local list = flat(rows, factors, m)
          cols, all = incidents_beside.list_columns(reg, list, cols, all, opts.format, window)
          if opts.format == "csv" or opts.format == "json" then
            out(kit.render(list, all, opts.format))
          else
            out(kit.render(list, all, opts.format, cols))
          end
          return EXIT.OK
        elseif sub == "generate" then
          if not pos[2] then return fail("usage: isms risks generate CATALOG", "USAGE") end
          local cat, cerr, ccode = isms.catalog.load(pos[2])
          if not cat then return fail(cerr, ccode) end
          local n, assets = planned_risks(reg, cat)
          local size = size_text(n * BYTES_PER_RISK)
          if n > GENERATE_LIMIT and not opts.yes then
            return fail(("risks generate would create %d risks (%d assets, catalog %s), about %s "
              .. "in the register; more than %d needs --yes"):format(n, assets, pos[2], size,
              GENERATE_LIMIT), "USAGE")
          end
          out(("creating %d risks from catalog %s for %d assets (about %s)\n"):format(n, pos[2],
              assets, size))
          local rep, gerr, gcode = progress.during("generating risks", { bytes = n * BYTES_PER_RISK },
            reg.generate_risks, reg, pos[2], { reason = opts.reason })
          if not rep then return fail(gerr, gcode) end
          out(("generated %d risks from catalog %s (batch %d)\n"):format(rep.created, pos[2],
                                                                        rep.batch))
          return EXIT.OK
        elseif sub == "set" then
          local ref = pos[2]
          if not ref or not pos[3] then
            return fail("usage: isms risks set REF FIELD=VALUE ...", "USAGE")
          end
          local fields, ratings = {}, {}
          local factor = {}
          for _, f in ipairs(factors) do factor[f] = true end
          for k = 3, #pos do
            local key, value = pos[k]:match("^([%w_%-]+)=(.*)$")
            if not key then return fail("expected FIELD=VALUE, got " .. pos[k], "USAGE") end
            if factor[key] then ratings[key] = value
            elseif key == "obligations" then
              local ob = {}
              for o in value:gmatch("[^,%s]+") do ob[o] = true end
              fields.obligations = ob
            else
              fields[key] = value
            end
          end
          if next(ratings) then fields.ratings = ratings end
          local sok, serr, scode = reg:set_risk(ref, fields, opts.reason)
          if not sok then return fail(serr, scode) end
          local r = reg:risk(ref)
          out(("%s: %s %s%s\n"):format(ref, r.level or "unrated", format.number(r.score),
              r.acceptable and ", acceptable" or r.level and ", not acceptable" or ""))
          return EXIT.OK
        elseif sub == "delete" then
          if not pos[2] then return fail("usage: isms risks delete REF ...", "USAGE") end
          local refs = {}
          for k = 2, #pos do refs[#refs + 1] = pos[k] end
          local dok, derr, dcode = reg:delete_risks(refs, opts.reason)
          if not dok then return fail(derr, dcode) end
          out(("deleted %d risks\n"):format(#refs))
          return EXIT.OK
        elseif sub == "show" then
          local ref = pos[2]
          if not ref then return fail("usage: isms risks show REF", "USAGE") end
          local row = reg:risk(ref)
          if not row then return fail(("no risk '%s' in the register"):format(ref), "NOTFOUND") end
          -- the CSV's columns, as the kit's show prints a record's fields
          local shown = flat({ row }, factors, m)[1]
          shown.assets, shown.threats = row.assets, row.threats
          local d = { fields = {} }
          for _, name in ipairs(csv_columns(factors, true, true)) do
            d.fields[#d.fields + 1] = { name = name, type = "text" }
          end
          -- the log keeps ratings as r1..r4 (tier positions) and scores in
          -- millionths: shown as the factors' tiers and the score
          local history = require("isms.store.kind").history(reg, "risk", ref)
          for _, h in ipairs(history) do
            local n = h.field and tonumber(h.field:match("^r(%d)$"))
            if n and factors[n] then
              h.field = factors[n]
              h.old = h.old and risk_csv.shown(m, h.field, tonumber(h.old)) or nil
              h.new = h.new and risk_csv.shown(m, h.field, tonumber(h.new)) or nil
            elseif h.field == "score" then
              h.old = h.old and format.number(tonumber(h.old) / 1e6) or nil
              h.new = h.new and format.number(tonumber(h.new) / 1e6) or nil
            end
          end
          require("isms.cli.records").render_show(out, d, shown, history, opts.format == "json")
          return EXIT.OK
        elseif sub == "add" then
          local values, columns = {}, {}
          local known = {}
          for _, c in ipairs(csv_columns(factors, true, true)) do known[c:lower()] = c end
          for k = 2, #pos do
            local key, value = pos[k]:match("^([%w_%-]+)=(.*)$")
            if not key then return fail("expected FIELD=VALUE, got " .. pos[k], "USAGE") end
            local name = known[key:lower()]
            if not name then
              return fail(("risks have no field '%s'; they have %s"):format(key,
                table.concat(csv_columns(factors, true, true), ", ")), "USAGE")
            end
            if values[name] then return fail(("field '%s' given twice"):format(name), "USAGE") end
            values[name] = value
            columns[#columns + 1] = name
          end
          if not values.ref or values.ref == "" then
            return fail("isms risks add needs ref=REF (and asset=, threat=)", "USAGE")
          end
          if reg:risk(values.ref) then
            return fail(("risk '%s' is in the register already; change it with isms risks set")
                        :format(values.ref), "INPUT")
          end
          local rep, aerr, acode = kit.import_row(columns, values, function(path)
            return risk_csv.import(reg, path, { reason = opts.reason })
          end)
          if not rep then
            return fail(aerr .. ("\nisms risks add: risk %s not added"):format(values.ref), acode)
          end
          out(values.ref, "\n")
          return EXIT.OK
        elseif sub == "check" then
          local problems = {}
          local function problem(ref, field, text)
            problems[#problems + 1] = { id = ref, field = field, problem = text }
          end
          for _, r in ipairs(reg:risks()) do
            if not r.owners or r.owners == "" then problem(r.ref, "owners", "no owner") end
            local missing = {}
            for _, f in ipairs(factors) do
              if r.ratings[f] == nil then missing[#missing + 1] = f end
            end
            if #missing > 0 then
              problem(r.ref, table.concat(missing, ","), "not rated on " .. table.concat(missing, ", "))
            elseif r.acceptable == false and not r.decision then
              problem(r.ref, "decision", ("level %s is not acceptable and no decision is recorded")
                      :format(r.level or "?"))
            end
          end
          return require("isms.cli.records").render_check(kit, "risks", problems,
                                                            opts.format == "json")
        elseif sub == "score" then
          local n, serr, scode = reg:score_risks(nil, opts.reason)
          if not n then return fail(serr, scode) end
          out(("scored %d risks under %s; %d changed\n"):format(serr, m:name(), n))
          return EXIT.OK
        elseif sub == "export" then
          if not pos[2] then return fail("usage: isms risks export FILE|-", "USAGE") end
          local rows = reg:risks()
          local any_links, any_tlinks = false, false
          for _, r in ipairs(rows) do
            any_links = any_links or r.assets ~= nil
            any_tlinks = any_tlinks or r.threats ~= nil
          end
          local wok, oerr, ocode = kit.write_out(pos[2], format.csv(flat(rows, factors, m),
            csv_columns(factors, any_links, any_tlinks)))
          if not wok then return fail(oerr, ocode) end
          return EXIT.OK
        elseif sub == "import" then
          if not pos[2] then return fail("usage: isms risks import FILE", "USAGE") end
          local rep, ierr, icode = progress.during("importing " .. pos[2], { file = pos[2] },
            risk_csv.import, reg, pos[2], { reason = opts.reason, max_errors = opts["max-errors"] })
          if not rep then
            io.stderr:write(ierr, "\n")
            return kit.exit_for(icode)
          end
          out(("imported %s: %d rows; %d created, %d updated (batch %d)\n"):format(pos[2],
            rep.rows, rep.created, rep.updated, rep.batch))
          return EXIT.OK
        elseif sub == "explain" then
          if not pos[2] then return fail("usage: isms risks explain REF", "USAGE") end
          local row = reg:risk(pos[2])
          if not row then
            return fail(("no risk '%s' in the register"):format(pos[2]), "NOTFOUND")
          end
          -- --residual on a treated risk: the ratings its treatment expects
          -- (as stored with it), so the explanation agrees with the stored
          -- residual level; untreated, the ratings as they are
          local stored, treated = row.ratings, nil
          if opts.residual and not opts.target then
            treated = reg:treatment(pos[2])
            if treated and treated.residual then stored = treated.residual else treated = nil end
          end
          -- stored ratings are tier positions: hand the tiers' labels on
          local ratings = {}
          for name, p in pairs(stored) do
            local t = m.spec.scales[name] and m:tiers(name)[p]
            ratings[name] = t and t.label or p
          end
          local risk = risk_register.risk_context(row, { ratings = ratings })
          -- the risk's assets (its own and those linked to it), for a score over them
          local linked = require("isms.risk.inputs").linked_assets(reg, pos[2])[pos[2]] or {}
          risk.assets = {}
          for k, id in ipairs({ row.asset, unpack(linked) }) do
            local a = (k == 1 or id ~= row.asset) and reg:asset(id)
            if a then
              risk.assets[#risk.assets + 1] = { value = a.value, C = a.c, I = a.i, A = a.a }
            end
          end
          -- the risk's threats (its own and those linked to it), by their
          -- catalog ratings, for a score over them
          local inputs = require "isms.risk.inputs"
          local tlinked = inputs.linked_assets(reg, pos[2], "threats")[pos[2]] or {}
          local tratings = {}
          for trow in reg:query("SELECT id, ratings FROM threats") do tratings[trow.id] = trow.ratings end
          risk.threats = {}
          for k, id in ipairs({ row.threat, unpack(tlinked) }) do
            if k == 1 or id ~= row.threat then
              risk.threats[#risk.threats + 1] = inputs.threat_ratings(tratings[id])
            end
          end
          local target
          for pair in (opts.target or ""):gmatch("[^,]+") do
            local k, v = pair:match("^%s*([%w_%-]+)=(.-)%s*$")
            if not k then return fail("--target: expected FACTOR=VALUE,..., got " .. pair, "USAGE") end
            target = target or {}
            target[k] = v
          end
          local e, eerr = m:explain(risk, { residual = opts.residual, target = target })
          if not e then return fail(eerr, "INPUT") end
          e.ref = pos[2]
          if treated then
            e.residual_of = ("the expected ratings of its treatment (%s, %s)")
              :format(treated.option, treated.decided_at or "")
          end
          local itext, ibeside = incidents_beside.explain(reg, e.ref, window)  -- nil: no incidents
          if opts.format == "json" then
            e.incidents = itext and ibeside or ibeside and { error = ibeside } or nil
            out(require("cjson").encode(e), "\n")
          else
            out("risk ", e.ref, "\n")
            if e.residual_of then out("residual risk: ", e.residual_of, "\n") end
            out(require("isms.method.explain").text(e),
                itext or ibeside and ("incidents: " .. ibeside .. "\n") or "")
          end
          return EXIT.OK
        end
        return fail("usage: " .. kit.commands.risks.usage, "USAGE")
      end)
    end,
  })

  kit.command("assess", {
    usage = "isms assess [--scope ID] [--top N] [--format table|csv|json] [--today DATE]",
    summary = "where the risk assessment stands (6.2 a-j) and the prioritised register",
    help = [[
Walks the assessment exercise of the guideline (6.2 a-j) over the register
and says, for each step, what is done and what is missing: assets without
an owner or a value, assets without risks, risks without impacts, owners or
existing controls, unrated risks, risks whose stored level is out of date,
unacceptable risks without a decision. Then prints the risks in priority
order (level, score, then legal, regulatory and contractual obligations),
the first --top N (default 20; 0 for all). --scope ID assesses one ISMS
scope: its assets (isms scopes assets ID) and their risks. When the
register holds incidents, each risk shows those on its asset and threat
within the incident rule file's window back from --today (default today).]],
    options = { top = "count", format = "value", scope = "value", today = "value" },
    run = function(ctx, opts)
      local ok, ferr = kit.check_format(opts.format)
      if not ok then return nil, ferr, "USAGE" end
      local tok, terr = today_option(opts)
      if not tok then return nil, terr, "USAGE" end
      local window = { today = opts.today }
      return with_method(ctx, function(reg, m)
        local t, res = evaluated(reg, m)
        local keep
        if opts.scope then
          local serr, scode
          keep, serr, scode = scope_view().mask(reg, opts.scope, t)
          if not keep then return kit.fail(serr, scode) end
        end
        local steps, nassets, n = assess.steps(t, res, keep)
        if opts.format == "csv" or opts.format == "json" then
          local all = prioritised(reg, t, res, nil, keep)
          local _, dcols = incidents_beside.list_columns(reg, all, PRIORITY_TABLE, PRIORITY_COLUMNS,
                                                         opts.format, window)
          out(kit.render(all, dcols, opts.format, PRIORITY_TABLE))
          return EXIT.OK
        end
        out(("assessment under %s%s: %d assets, %d risks\n\n"):format(m:name(),
          opts.scope and (" of scope " .. opts.scope) or "", nassets, n))
        out(format.table(steps, { "step", { "what", "what", 50 }, "status", "done",
                                  "missing" }), "\n")
        local top = opts.top or 20
        out(("prioritised register%s:\n"):format(top > 0 and (" (top " .. top .. ")") or ""))
        local list = prioritised(reg, t, res, top > 0 and top or nil, keep)
        out(format.table(list, (incidents_beside.list_columns(reg, list, PRIORITY_TABLE, {}, nil,
                                                              window))))
        return EXIT.OK
      end)
    end,
  })

  kit.command("whatif", {
    usage = "isms whatif METHODOLOGY [--format table|csv|json]",
    summary = "re-score the register under another methodology, changing nothing",
    help = [[
Scores every risk under METHODOLOGY (a name or path) and compares with the
register's methodology: the risks whose level or acceptance would change,
a summary matrix of current level (rows) against the other level
(columns), and the other methodology's heat map with the risks in its
cells (axes that are stages, such as OWASP's impact x likelihood bands,
computed for every risk), each cell "now -> what if" where the two heat
maps share their axes. The register is not changed. Both methodologies
must rate risks on the register's factors.]],
    options = { format = "value", limit = "value" },
    args = 1,
    run = function(ctx, opts, pos)
      if not pos[1] then return nil, "usage: isms whatif METHODOLOGY", "USAGE" end
      local ok, ferr = kit.check_format(opts.format)
      if not ok then return nil, ferr, "USAGE" end
      local other, oerr, ocode = isms.methodology.load(pos[1])
      if not other then return nil, oerr, ocode end
      if not other:scores_risks() then
        return nil, ("methodology %s does not score risks"):format(other:name()), "INPUT"
      end
      return with_method(ctx, function(reg, m)
        local have = {}
        for _, f in ipairs(reg:risk_factors() or m:factors()) do have[f] = true end
        for _, f in ipairs(other:factors()) do
          if not have[f] then
            kit.err(("%s rates risks on %s; this register's ratings are on %s"):format(
              other:name(), table.concat(other:factors(), ", "),
              table.concat(reg:risk_factors() or m:factors(), ", ")))
            return EXIT.INPUT
          end
        end
        local t, now = evaluated(reg, m)
        local next_, eerr, ecode = risk_register.try_evaluate_table(other, t)
        if not next_ then error({ msg = eerr, code = ecode }) end
        local n = t.n
        -- Levels by name ("unrated" for rank 0); counts per pair of ranks.
        local function names_of(res)
          local list = { [0] = "unrated" }
          for k, name in ipairs(res.level_names) do list[k] = name end
          return list
        end
        local name_a, name_b = names_of(now), names_of(next_)
        local nb = #name_b + 1
        local pairs_n = ffi.new("int64_t[?]", (#name_a + 1) * nb)
        local differ = ffi.new("uint8_t[?]", (#name_a + 1) * nb)
        for a = 0, #name_a do
          for b = 0, #name_b do differ[a * nb + b] = name_a[a] ~= name_b[b] and 1 or 0 end
        end
        local limit = tonumber(opts.limit or 50)
        local all = opts.format == "csv" or opts.format == "json"
        local changes, nchanges = {}, 0
        local ra, rb, aa, ab = now.rank, next_.rank, now.acceptable, next_.acceptable
        for i = 0, n - 1 do
          local a, b = ra[i], rb[i]
          pairs_n[a * nb + b] = pairs_n[a * nb + b] + 1
          if differ[a * nb + b] == 1 or aa[i] ~= ab[i] then
            nchanges = nchanges + 1
            if all or nchanges <= limit then
              changes[nchanges] = { ref = t:ref(i), level = name_a[a], ["whatif level"] = name_b[b],
                                    acceptable = aa[i] == 1, ["whatif acceptable"] = ab[i] == 1,
                                    score = format.number(tonumber(now.score[i]) / 1e6),
                                    ["whatif score"] = format.number(tonumber(next_.score[i]) / 1e6) }
            end
          end
        end
        local grid = {}
        for a = 0, #name_a do
          for b = 0, #name_b do
            local k = tonumber(pairs_n[a * nb + b])
            if k > 0 then
              local ga = grid[name_a[a]] or {}
              grid[name_a[a]] = ga
              ga[name_b[b]] = (ga[name_b[b]] or 0) + k
            end
          end
        end
        local cols = { { "ref", "ref", 40 }, "level", "score", "acceptable", "whatif level",
                       "whatif score", "whatif acceptable" }
        if opts.format == "csv" or opts.format == "json" then
          local names = {}
          for _, c in ipairs(cols) do names[#names + 1] = type(c) == "table" and c[1] or c end
          out(kit.render(changes, names, opts.format))
          return EXIT.OK
        end
        out(("what if %s replaced %s: %d of %d risks change level or acceptance\n\n")
            :format(other:name(), m:name(), nchanges, n))
        -- The summary matrix: current levels down, the other's across.
        local across = {}
        for _, lv in ipairs(other:levels()) do across[#across + 1] = lv.name end
        across[#across + 1] = "unrated"
        local mcols = { { "now", m:name() .. " \\ " .. other:name() } }
        for _, name in ipairs(across) do mcols[#mcols + 1] = { "x" .. name, name } end
        local mrows = {}
        local down = {}
        for _, lv in ipairs(m:levels()) do down[#down + 1] = lv.name end
        down[#down + 1] = "unrated"
        for _, a in ipairs(down) do
          local row = { now = a }
          for _, b in ipairs(across) do row["x" .. b] = grid[a] and grid[a][b] or 0 end
          mrows[#mrows + 1] = row
        end
        out(format.table(mrows, mcols), "\n")
        -- where the risks would sit on the other's heat map (stage bands
        -- counted in C), against where they sit now when both maps have
        -- the same axes and tiers
        local report = require "isms.report.models"
        local wmap = report.heat_grid(reg, other, t, next_.rank)
        if wmap then
          local nmap = report.heat_grid(reg, m, t, now.rank)
          local same = nmap ~= nil and nmap.row_title == wmap.row_title
            and nmap.col_title == wmap.col_title
            and table.concat(nmap.rows, "\0") == table.concat(wmap.rows, "\0")
            and table.concat(nmap.cols, "\0") == table.concat(wmap.cols, "\0")
          out(("%s's heat map, %s x %s%s:\n\n"):format(other:name(), wmap.row_title,
              wmap.col_title ~= "" and wmap.col_title or "all",
              same and " (risks now -> what if, where they differ)" or ""))
          local hcols = { { "row", wmap.row_title .. " \\ " .. wmap.col_title } }
          for c, label in ipairs(wmap.cols) do hcols[#hcols + 1] = { "c" .. c, label } end
          local hrows = {}
          for r, label in ipairs(wmap.rows) do
            local row = { row = label }
            for c = 1, #wmap.cols do
              local w = wmap.cells[r][c].count
              local nw = same and nmap.cells[r][c].count
              row["c" .. c] = (same and nw ~= w) and (nw .. " -> " .. w) or tostring(w)
            end
            hrows[#hrows + 1] = row
          end
          out(format.table(hrows, hcols), "\n")
        end
        local shown = {}
        for k = 1, math.min(nchanges, limit) do shown[k] = changes[k] end
        out(format.table(shown, cols))
        if nchanges > limit then
          out(("... and %d more (--limit N, or --format csv for all)\n"):format(nchanges - limit))
        end
        return EXIT.OK
      end)
    end,
  })
end
