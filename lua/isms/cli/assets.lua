--- Register and asset commands: `isms init`, `import`, `export`, `assets`,
-- `value`, `changes` and `history`.
local isms = require "isms"
local progress = require "isms.cli.progress"
require "isms.asset.register"   -- the register's asset methods

return function(kit)
  local command, out, err, EXIT = kit.command, kit.out, kit.err, kit.EXIT
  local exit_for, with_register, render = kit.exit_for, kit.with_register, kit.render
  local check_format, open_path, commands = kit.check_format, kit.open_path, kit.commands

  command("init", {
    usage = "isms init DB [--methodology NAME]",
    summary = "create a register (or change its methodology)",
    help = [[
Creates the register file DB (SQLite) with the current schema and records
its methodology (default qism-fmea; any name on the rules path or a path to
a rule file). On an existing register, --methodology changes the
methodology, logged in the change log.]],
    options = { methodology = "value", reason = "value" },
    args = 1,
    run = function(ctx, opts, pos)
      local path = pos[1] or ctx.db
      if not path or pos[2] then return nil, "usage: isms init DB [--methodology NAME]", "USAGE" end
      local existed = io.open(path, "rb")
      if existed then existed:close() end
      local reg, e, code = open_path(ctx, path, true)
      if not reg then return nil, e, code end
      local current = reg:setting("methodology")
      local wanted = opts.methodology or (not current and "qism-fmea") or nil
      if wanted and wanted ~= current then
        local m, merr, mcode = reg:set_methodology(wanted, opts.reason)
        if not m then
          reg:close()
          if not existed then
            os.remove(path)
            os.remove(path .. "-wal")
            os.remove(path .. "-shm")
          end
          return nil, merr, mcode
        end
      end
      out(("%s register %s (schema %d, methodology %s)\n"):format(
        existed and "updated" or "created", path, reg:schema_version(),
        reg:setting("methodology")))
      reg:close()
      return true
    end,
  })

  command("import", {
    usage = "isms import assets|risks FILE [--sheet S] [--reason TEXT] [--max-errors N] "
      .. "[--encoding NAME]",
    summary = "import an asset inventory CSV or XLSX (all or nothing)",
    help = [[
Reads FILE: CSV with a header row, or a worksheet of an XLSX workbook when
FILE ends in .xlsx (--sheet S picks it, else the first). Columns by name,
any order, any case: id, name, type, owner, custodian, location,
outsourced, contract, group, units, c, i, a, notes. C, I and A take tier
numbers or the labels of the register's methodology ("Secret", "high").
Assets are created or updated by id and every change is logged. Any bad
row rejects the whole file: each error is printed as FILE:LINE:COLUMN:
reason (FILE:Sheet!C7: reason in a workbook) and nothing is stored.
Commas or, when the header has semicolons and no comma, semicolons separate
the cells; a UTF-8 BOM is skipped. A file that is not UTF-8 is read with
--encoding NAME (an iconv name: cp1252 for Excel's CSV on Western European
Windows, latin1, ...). With a units column and no group column, an asset of
more than one unit is a group.
`isms import risks FILE` is `isms risks import FILE`.]],
    options = { reason = "value", ["max-errors"] = "positive", threads = "count",
                encoding = "value", sheet = "value" },
    args = 2,
    run = function(ctx, opts, pos)
      if pos[1] == "risks" and pos[2] and not pos[3] then
        return commands.risks.run(ctx, opts, { "import", pos[2] })
      end
      if pos[1] ~= "assets" or not pos[2] or pos[3] then
        return nil, "usage: isms import assets|risks FILE", "USAGE"
      end
      return with_register(ctx, function(reg)
        local xlsx = pos[2]:lower():match("%.xlsx$")
        local r, e, code = progress.during("importing " .. pos[2], not xlsx and { file = pos[2] },
          reg.import_assets, reg, pos[2], {
            reason = opts.reason, max_errors = opts["max-errors"], threads = opts.threads,
            sheet = opts.sheet, encoding = opts.encoding,
          })
        if not r then
          io.stderr:write(e, "\n")
          return exit_for(code)
        end
        out(("imported %s: %d rows; %d created, %d updated, %d unchanged (batch %d)\n"):format(
          pos[2], r.rows, r.created, r.updated, r.unchanged, r.batch))
        return EXIT.OK
      end)
    end,
  })

  command("export", {
    usage = "isms export assets|risks FILE|-",
    summary = "write the assets as CSV in the import format (- for standard output)",
    options = {},
    args = 2,
    run = function(ctx, opts, pos)
      if pos[1] == "risks" and pos[2] and not pos[3] then
        return commands.risks.run(ctx, opts, { "export", pos[2] })
      end
      if pos[1] ~= "assets" or not pos[2] or pos[3] then
        return nil, "usage: isms export assets|risks FILE|-", "USAGE"
      end
      return with_register(ctx, function(reg)
        local ok, e, code = kit.via_file(pos[2], function(path) return reg:export_assets(path) end)
        if not ok then
          err(e)
          return exit_for(code)
        end
        return EXIT.OK
      end)
    end,
  })

  local ASSET_COLUMNS = { "id", "name", "type", "owner", "custodian", "location", "outsourced",
                          "contract", "group", "units", "c", "i", "a", "value", "class", "notes" }
  local ASSET_TABLE = { "id", { "name", "name", 34 }, "type", { "owner", "owner", 22 },
                        { "c", "C" }, { "i", "I" }, { "a", "A" }, "value", "class" }

  local function class_summary(rows)
    local counts, names = {}, {}
    for _, row in ipairs(rows) do
      local cls = row.class or "unvalued"
      if not counts[cls] then
        counts[cls] = 0
        names[#names + 1] = cls
      end
      counts[cls] = counts[cls] + 1
    end
    table.sort(names, function(x, y)
      if x == "unvalued" or y == "unvalued" then return y == "unvalued" and x ~= y end
      return x < y
    end)
    local parts = {}
    for _, n in ipairs(names) do
      parts[#parts + 1] = ("%s %d"):format(n == "unvalued" and n or ("class " .. n), counts[n])
    end
    return ("%d asset%s — %s\n"):format(#rows, #rows == 1 and "" or "s", table.concat(parts, ", "))
  end

  -- "information" or its number as stored -> the type's name
  local TYPES = require("isms.method.risk_method").TYPES

  command("assets", {
    usage = "isms assets [--class NAME] [--owner NAME] [--type TYPE] [--format table|csv|json]",
    summary = "list the asset register",
    help = [[
Lists the assets by id with their ratings, value and class; filters
combine: --class NAME (unvalued: no class), --owner NAME (exact),
--type information|software|physical|service|people|intangible.]],
    options = { class = "value", format = "value", owner = "value", type = "value" },
    run = function(ctx, opts)
      local ok, ferr = check_format(opts.format)
      if not ok then return nil, ferr, "USAGE" end
      if opts.type then
        local known = false
        for _, t in ipairs(TYPES) do known = known or t == opts.type end
        if not known then
          return nil, ("--type: expected one of %s, got '%s'"):format(table.concat(TYPES, ", "),
                                                                      opts.type), "USAGE"
        end
      end
      return with_register(ctx, function(reg)
        local unvalued = opts.class == "unvalued"
        local rows = reg:assets({ class = not unvalued and opts.class or nil })
        if unvalued or opts.owner or opts.type then
          local kept = {}
          for _, r in ipairs(rows) do
            local ty = TYPES[tonumber(r.type)] or r.type
            if (not unvalued or r.class == nil) and (not opts.owner or r.owner == opts.owner)
               and (not opts.type or ty == opts.type) then
              kept[#kept + 1] = r
            end
          end
          rows = kept
        end
        out(render(rows, ASSET_COLUMNS, opts.format, ASSET_TABLE))
        if not opts.format or opts.format == "table" then out(class_summary(rows)) end
        return EXIT.OK
      end)
    end,
  })

  command("value", {
    usage = "isms value [--methodology NAME] [--reason TEXT] [--explain ASSET [--format json]]",
    summary = "value every asset with the methodology (in C)",
    help = [[
Computes each asset's value and class from its C, I and A with the
register's methodology (or --methodology for this run only; the register
keeps its own) and logs every change. Assets missing C, I or A are counted
as unvalued. --explain ASSET changes nothing: it shows how that asset's
value and class come about (tiers, formula, class band).]],
    options = { methodology = "value", reason = "value", explain = "value", format = "value" },
    run = function(ctx, opts)
      return with_register(ctx, function(reg)
        local m, e, code
        if opts.methodology then
          m, e, code = isms.methodology.load(opts.methodology)
        else
          m, e, code = reg:methodology()
        end
        if not m then
          err(e)
          return exit_for(code)
        end
        if opts.explain then
          local a = reg:asset(opts.explain)
          if not a then
            err(("no asset '%s' in the register"):format(opts.explain))
            return exit_for("NOTFOUND")
          end
          local x, xerr = m:explain_value(a)
          if not x then
            err(xerr)
            return exit_for("INPUT")
          end
          x.asset = a.id
          if opts.format == "json" then out(require("cjson").encode(x), "\n")
          else out("asset ", a.id, "\n", require("isms.method.explain").value_text(x)) end
          return EXIT.OK
        end
        local r
        r, e, code = progress.during("valuing assets", nil, reg.value, reg, m, opts.reason)
        if not r then
          err(e)
          return exit_for(code)
        end
        out(("valued %d assets with %s: %d valued, %d unvalued, %d changed (batch %d)\n"):format(
          r.assets, m:name(), r.valued, r.unvalued, r.changed, r.batch))
        return EXIT.OK
      end)
    end,
  })

  command("changes", {
    usage = "isms changes [ID] [--format table|csv|json]",
    summary = "show the change log (of one asset)",
    options = { format = "value" },
    args = 1,
    run = function(ctx, opts, pos)
      local ok, ferr = check_format(opts.format)
      if not ok then return nil, ferr, "USAGE" end
      return with_register(ctx, function(reg)
        local rows, columns = reg:changes(pos[1])
        out(render(rows, columns, opts.format,
                   { "batch", "at", "actor", "command", "entity_id", "action", "field",
                     { "old", "old", 24 }, { "new", "new", 24 }, { "reason", "reason", 30 } }))
        return EXIT.OK
      end)
    end,
  })

  command("history", {
    usage = "isms history [--format table|csv|json]",
    summary = "show the change batches: who did what, when and why",
    options = { format = "value" },
    run = function(ctx, opts)
      local ok, ferr = check_format(opts.format)
      if not ok then return nil, ferr, "USAGE" end
      return with_register(ctx, function(reg)
        local rows, columns = reg:batches()
        out(render(rows, columns, opts.format,
                   { "id", "at", "actor", "command", { "source", "source", 30 },
                     { "reason", "reason", 30 }, "created", "updated", "deleted" }))
        return EXIT.OK
      end)
    end,
  })
end
