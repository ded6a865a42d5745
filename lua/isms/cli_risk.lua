--- Risk register commands: `isms risks ...`, `isms assess` (the guideline's
-- assessment exercise, 6.2 a-j) and `isms whatif` (re-scoring under another
-- methodology without changing anything).
local isms = require "isms"
local format = require "isms.format"
local risk_register = require "isms.risk_register"

local risk_csv = require "isms.risk_csv"

local function obligations_text(mask)
  local t = {}
  if bit.band(mask or 0, 1) ~= 0 then t[#t + 1] = "legal" end
  if bit.band(mask or 0, 2) ~= 0 then t[#t + 1] = "regulatory" end
  if bit.band(mask or 0, 4) ~= 0 then t[#t + 1] = "contractual" end
  return table.concat(t, ",")
end

local flat, csv_columns = risk_csv.flat, risk_csv.columns

-- The prioritised register: rows in priority order with their position.
local function prioritised(rows, res, limit)
  local list = {}
  for k, i in ipairs(res.order) do
    if limit and k > limit then break end
    local r = rows[i]
    list[#list + 1] = { priority = k, ref = r.ref, asset = r.asset, class = r.asset_class,
                        threat = r.threat, level = res.level[i] or "unrated",
                        score = res.rank[i] > 0 and format.number(res.score[i] / 1e6) or "",
                        obligations = obligations_text(r.obligations),
                        acceptable = res.rank[i] > 0 and (res.acceptable[i] and "yes" or "no")
                                     or "",
                        decision = r.decision }
  end
  return list
end

local PRIORITY_TABLE = { "priority", { "ref", "ref", 40 }, "class", "level", "score",
                         "obligations", "acceptable", "decision" }
local PRIORITY_COLUMNS = { "priority", "ref", "asset", "class", "threat", "level", "score",
                           "obligations", "acceptable", "decision" }

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

  kit.command("risks", {
    usage = "isms risks [list|generate CATALOG|set REF FIELD=VALUE...|delete REF...|score|"
            .. "export FILE|import FILE]",
    summary = "the risk register: list, generate from catalogs, edit, score, CSV",
    help = [[
list [--asset ID] [--top N] [--format F]
                 the risks, by ref (or the N most urgent, in priority order)
generate CATALOG one risk per asset, threat and vulnerability of the catalog
                 that applies to the asset's type (catalogs/CATALOG.lua);
                 existing risks are kept as they are
set REF FIELD=VALUE ...
                 change a risk: ratings by factor name (S=7, likelihood=High),
                 category, impacts, owners, controls, obligations
                 (legal,contractual), decision (accept|treat), decided_by,
                 decided_at, rationale, title; the risk is re-scored
delete REF ...   delete risks (their values stay in the change log)
score            re-score every risk under the register's methodology
export FILE      the risks as CSV (the import format)
import FILE      create or update risks from CSV, all or nothing]],
    options = { asset = "value", top = "value", format = "value", reason = "value",
                ["max-errors"] = "value" },
    run = function(ctx, opts, pos)
      local sub = pos[1] or "list"
      local ok, ferr = kit.check_format(opts.format)
      if not ok then return nil, ferr, "USAGE" end
      return kit.with_register(ctx, function(reg)
        local function fail(e, code)
          kit.err(e)
          return code == "USAGE" and EXIT.USAGE or kit.exit_for(code)
        end
        local m, e, code = method_or_fail(reg)
        if not m then return fail(e, code) end
        local factors = reg:risk_factors() or m:factors()
        if sub == "list" then
          local rows = reg:risks({ asset = opts.asset })
          if opts.top then
            local res = risk_register.evaluate(m, rows)
            out(kit.render(prioritised(rows, res, tonumber(opts.top)), PRIORITY_COLUMNS, opts.format,
                           PRIORITY_TABLE))
            return EXIT.OK
          end
          local cols = { { "ref", "ref", 40 } }
          for _, f in ipairs(factors) do cols[#cols + 1] = f end
          for _, c in ipairs({ "score", "level", "acceptable", "decision",
                               { "owners", "owners", 24 } }) do
            cols[#cols + 1] = c
          end
          local all = csv_columns(factors)
          local list = flat(rows, factors)
          if opts.format == "csv" or opts.format == "json" then
            out(kit.render(list, all, opts.format))
          else
            out(kit.render(list, all, opts.format, cols))
          end
          return EXIT.OK
        elseif sub == "generate" then
          if not pos[2] then return fail("usage: isms risks generate CATALOG", "USAGE") end
          local rep, gerr, gcode = reg:generate_risks(pos[2], { reason = opts.reason })
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
        elseif sub == "score" then
          local n, serr, scode = reg:score_risks(nil, opts.reason)
          if not n then return fail(serr, scode) end
          out(("scored %d risks under %s; %d changed\n"):format(#reg:risks(), m:name(), n))
          return EXIT.OK
        elseif sub == "export" then
          if not pos[2] then return fail("usage: isms risks export FILE", "USAGE") end
          local f, oerr = io.open(pos[2], "wb")
          if not f then return fail(oerr, "IO") end
          f:write(format.csv(flat(reg:risks(), factors), csv_columns(factors)))
          f:close()
          return EXIT.OK
        elseif sub == "import" then
          if not pos[2] then return fail("usage: isms risks import FILE", "USAGE") end
          local max = opts["max-errors"] and tonumber(opts["max-errors"])
          local rep, ierr, icode = risk_csv.import(reg, pos[2], { reason = opts.reason,
                                                                 max_errors = max })
          if not rep then
            io.stderr:write(ierr, "\n")
            return kit.exit_for(icode)
          end
          out(("imported %s: %d rows; %d created, %d updated (batch %d)\n"):format(pos[2],
            rep.rows, rep.created, rep.updated, rep.batch))
          return EXIT.OK
        end
        return fail("usage: " .. kit.commands.risks.usage, "USAGE")
      end)
    end,
  })

  kit.command("assess", {
    usage = "isms assess [--top N] [--format table|csv|json]",
    summary = "where the risk assessment stands (6.2 a-j) and the prioritised register",
    help = [[
Walks the assessment exercise of the guideline (6.2 a-j) over the register
and says, for each step, what is done and what is missing: assets without
an owner or a value, assets without risks, risks without impacts, owners or
existing controls, unrated risks, risks whose stored level is out of date,
unacceptable risks without a decision. Then prints the risks in priority
order (level, score, then legal, regulatory and contractual obligations),
the first --top N (default 20; 0 for all).]],
    options = { top = "value", format = "value" },
    run = function(ctx, opts)
      local ok, ferr = kit.check_format(opts.format)
      if not ok then return nil, ferr, "USAGE" end
      return kit.with_register(ctx, function(reg)
        local m, e, code = method_or_fail(reg)
        if not m then
          kit.err(e)
          return kit.exit_for(code)
        end
        local assets, rows = reg:assets(), reg:risks()
        local res = risk_register.evaluate(m, rows)
        local no_owner, no_value, at_risk = 0, 0, {}
        for _, r in ipairs(rows) do at_risk[r.asset] = true end
        local no_risk = 0
        for _, a in ipairs(assets) do
          if not a.owner then no_owner = no_owner + 1 end
          if not a.value then no_value = no_value + 1 end
          if not at_risk[a.id] then no_risk = no_risk + 1 end
        end
        local c = { impacts = 0, owners = 0, controls = 0, unrated = 0, stale = 0, undecided = 0,
                    unacceptable = 0 }
        for i, r in ipairs(rows) do
          if not r.impacts then c.impacts = c.impacts + 1 end
          if not r.owners then c.owners = c.owners + 1 end
          if not r.controls then c.controls = c.controls + 1 end
          if res.rank[i] == 0 then c.unrated = c.unrated + 1
          else
            if r.level ~= res.level[i] or r.acceptable ~= res.acceptable[i] then
              c.stale = c.stale + 1
            end
            if not res.acceptable[i] then
              c.unacceptable = c.unacceptable + 1
              if not r.decision then c.undecided = c.undecided + 1 end
            end
          end
        end
        local n = #rows
        local function step(id, what, done, missing)
          return { step = id, what = what, status = missing == 0 and "done" or "missing",
                   done = done, missing = missing }
        end
        local steps = {
          step("a", "assets and owners", #assets - no_owner, no_owner),
          step("b", "asset values", #assets - no_value, no_value),
          step("c", "threats and vulnerabilities (assets with risks)", #assets - no_risk, no_risk),
          step("d", "impacts identified", n - c.impacts, c.impacts),
          step("e", "risks and risk owners", n - c.owners, c.owners),
          step("f", "existing controls recorded", n - c.controls, c.controls),
          step("g-h", "impact and likelihood rated", n - c.unrated, c.unrated),
          step("i", "risk levels determined (stored level current)", n - c.unrated - c.stale,
               c.stale + c.unrated),
          step("j", "evaluated: unacceptable risks with a decision",
               c.unacceptable - c.undecided, c.undecided),
        }
        if opts.format == "csv" or opts.format == "json" then
          out(kit.render(prioritised(rows, res, nil), PRIORITY_COLUMNS, opts.format, PRIORITY_TABLE))
          return EXIT.OK
        end
        out(("assessment under %s: %d assets, %d risks\n\n"):format(m:name(), #assets, n))
        out(format.table(steps, { "step", { "what", "what", 50 }, "status", "done",
                                  "missing" }), "\n")
        local top = tonumber(opts.top or 20)
        out(("prioritised register%s:\n"):format(top > 0 and (" (top " .. top .. ")") or ""))
        out(format.table(prioritised(rows, res, top > 0 and top or nil), PRIORITY_TABLE))
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
and a summary matrix of current level (rows) against the other level
(columns). The register is not changed. Both methodologies must rate risks
on the register's factors.]],
    options = { format = "value", limit = "value" },
    run = function(ctx, opts, pos)
      if not pos[1] then return nil, "usage: isms whatif METHODOLOGY", "USAGE" end
      local ok, ferr = kit.check_format(opts.format)
      if not ok then return nil, ferr, "USAGE" end
      local other, oerr, ocode = isms.methodology.load(pos[1])
      if not other then return nil, oerr, ocode end
      if not other:scores_risks() then
        return nil, ("methodology %s does not score risks"):format(other:name()), "INPUT"
      end
      return kit.with_register(ctx, function(reg)
        local m, e, code = method_or_fail(reg)
        if not m then
          kit.err(e)
          return kit.exit_for(code)
        end
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
        local rows = reg:risks()
        local now, next_ = risk_register.evaluate(m, rows), risk_register.evaluate(other, rows)
        local changes, grid = {}, {}
        for i, r in ipairs(rows) do
          local a, b = now.level[i] or "unrated", next_.level[i] or "unrated"
          grid[a] = grid[a] or {}
          grid[a][b] = (grid[a][b] or 0) + 1
          local acc_a, acc_b = now.acceptable[i], next_.acceptable[i]
          if a ~= b or acc_a ~= acc_b then
            changes[#changes + 1] = { ref = r.ref, level = a, ["whatif level"] = b,
                                      acceptable = acc_a, ["whatif acceptable"] = acc_b,
                                      score = format.number(now.score[i] / 1e6),
                                      ["whatif score"] = format.number(next_.score[i] / 1e6) }
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
            :format(other:name(), m:name(), #changes, #rows))
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
        local limit = tonumber(opts.limit or 50)
        local shown = {}
        for k = 1, math.min(#changes, limit) do shown[k] = changes[k] end
        out(format.table(shown, cols))
        if #changes > limit then
          out(("... and %d more (--limit N, or --format csv for all)\n"):format(#changes - limit))
        end
        return EXIT.OK
      end)
    end,
  })
end
