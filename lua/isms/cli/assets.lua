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
      .. "[--encoding NAME] [--threads T]",
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
more than one unit is a group. --threads 1 parses and stores a CSV on one
thread (default: parsing and storing run in parallel).
`isms import risks FILE` is `isms risks import FILE` (--reason and
--max-errors only).]],
    options = { reason = "value", ["max-errors"] = "positive", threads = "count",
                encoding = "value", sheet = "value" },
    verbs = { assets = 1, risks = 1 },   -- the register, then FILE
    -- (isms import risks runs isms risks import: its options)
    verb_options = { assets = { "reason", "max-errors", "threads", "encoding", "sheet" },
                     risks = { "reason", "max-errors" } },
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
    verbs = { assets = 1, risks = 1 },
    verb_options = { assets = {}, risks = {} },
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

  -- The asset register speaks the register verbs (as isms.cli.records
  -- gives every record kind), through the C write paths; this adapter
  -- hands asset rows to the kit's renderers. Fields as in the CSV format.
  -- (the kit's renderers load when a verb needs them: isms import and
  -- isms value start without them)
  local function records_cli() return require "isms.cli.records" end
  local EDITABLE = { "id", "name", "type", "owner", "custodian", "location", "outsourced",
                     "contract", "group", "units", "c", "i", "a", "notes" }
  local ASSET = { kind = "asset", plural = "assets", fields = {}, by_name = {} }
  for _, name in ipairs(ASSET_COLUMNS) do
    local f = { name = name, type = "text" }
    ASSET.fields[#ASSET.fields + 1] = f
    ASSET.by_name[name] = f
  end
  -- add and set take the editable fields only (value and class come from
  -- the methodology: isms value)
  local EDIT = { plural = "assets", fields = {}, by_name = {} }
  for _, name in ipairs(EDITABLE) do
    EDIT.fields[#EDIT.fields + 1] = ASSET.by_name[name]
    EDIT.by_name[name] = ASSET.by_name[name]
  end

  -- an asset row as stored (type and flags as numbers) -> as shown
  local function shown(row)
    row.type = TYPES[tonumber(row.type)] or row.type
    for _, flag in ipairs({ "outsourced", "group" }) do
      if row[flag] == 1 or row[flag] == "1" then row[flag] = "yes"
      elseif row[flag] == 0 or row[flag] == "0" then row[flag] = "no" end
    end
    return row
  end

  local function list(ctx, opts)
    if opts.json and opts.format and opts.format ~= "json" then
      return nil, "--json and --format " .. opts.format .. " contradict", "USAGE"
    end
    local fmt = opts.json and "json" or opts.format
    local ok, ferr = check_format(fmt)
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
      out(render(rows, ASSET_COLUMNS, fmt, ASSET_TABLE))
      if not fmt or fmt == "table" then out(class_summary(rows)) end
      return EXIT.OK
    end)
  end

  local function show(reg, opts, id)
    if not id then return kit.fail("usage: isms assets show ID", "USAGE") end
    local row = reg:asset(id)
    if not row then return kit.fail(("no asset '%s' in the register"):format(id), "NOTFOUND") end
    local history = require("isms.store.kind").history(reg, "asset", id)
    -- an import logs its batch, not each asset it creates: the asset's
    -- created_batch says when, by whom and why it came
    for b in reg:query("SELECT at, actor, command, reason FROM change_batches WHERE id = ?1",
                       row.created_batch or -1) do
      local at = 1
      while history[at] and history[at].at <= b.at do at = at + 1 end
      table.insert(history, at, { at = b.at, actor = b.actor, command = b.command,
                                  reason = b.reason, action = "create" })
    end
    row.created_batch, row.updated_batch = nil, nil
    records_cli().render_show(out, ASSET, shown(row), history, opts.json or opts.format == "json")
    return EXIT.OK
  end

  -- add: one new asset through the importer (the same checks as an
  -- inventory file, one transaction); its messages name the fields.
  local function add(reg, opts, words)
    local values, verr = records_cli().assignments(EDIT, words)
    if not values then return kit.fail(verr, "USAGE") end
    if not values.id or values.id == "" then
      return kit.fail("isms assets add needs id=ID (and name=, type=)", "USAGE")
    end
    if reg:asset(values.id) then
      return kit.fail(("asset '%s' is in the register already; change it with isms assets set")
                      :format(values.id), "INPUT")
    end
    local header = {}
    for _, name in ipairs(EDITABLE) do
      if values[name] ~= nil then header[#header + 1] = name end
    end
    local r, e, code = kit.import_row(header, values, function(path)
      return reg:import_assets(path, { reason = opts.reason })
    end)
    if not r then
      return kit.fail(e .. ("\nisms assets add: asset %s not added"):format(values.id), code)
    end
    out(values.id, "\n")
    return EXIT.OK
  end

  local function set(reg, opts, words)
    local id = words[1]
    if not id then return kit.fail("usage: isms assets set ID FIELD=VALUE ...", "USAGE") end
    local values, verr = records_cli().assignments(EDIT, { unpack(words, 2) })
    if not values then return kit.fail(verr, "USAGE") end
    if next(values) == nil then return kit.fail("nothing to set; give FIELD=VALUE", "USAGE") end
    if values.id then return kit.fail("an asset's id cannot change", "USAGE") end
    if not reg:asset(id) then
      return kit.fail(("no asset '%s' in the register"):format(id), "NOTFOUND")
    end
    local ok, e, code = reg:set_asset_fields(id, values, opts.reason)
    if not ok then return kit.fail(e, code) end
    return EXIT.OK
  end

  -- delete: refused while risks are on the asset (a risk needs its asset:
  -- isms risks delete them first) and, without --force, while risks or
  -- other records link to it.
  local function delete(reg, opts, ids)
    if #ids == 0 then return kit.fail("usage: isms assets delete ID ... [--force]", "USAGE") end
    require("isms.store._domains").load_all()   -- every kind that may refer to an asset
    local kind = require "isms.store.kind"
    local seen, own, linked = {}, {}, {}
    for _, id in ipairs(ids) do
      if seen[id] then return kit.fail(("asset '%s' given twice"):format(id), "USAGE") end
      seen[id] = true
      if not reg:asset(id) then
        return kit.fail(("no asset '%s' in the register; nothing deleted"):format(id), "NOTFOUND")
      end
      local refs = {}
      for row in reg:query("SELECT ref FROM risks WHERE asset = ?1 ORDER BY ref", id) do
        refs[#refs + 1] = row.ref
      end
      if #refs > 0 then
        own[#own + 1] = ("%s (%d risk%s: %s%s)"):format(id, #refs, #refs == 1 and "" or "s",
          table.concat(refs, ", ", 1, math.min(#refs, 3)), #refs > 3 and ", ..." or "")
      end
      for row in reg:query("SELECT id FROM record_links WHERE kind = 'risk' AND rel = 'assets' "
                           .. "AND target = ?1 ORDER BY id", id) do
        linked[#linked + 1] = ("%s: risk %s (assets)"):format(id, row.id)
      end
      for _, r in ipairs(kind.referrers(reg, "asset", id)) do
        linked[#linked + 1] = id .. ": " .. r
      end
    end
    local function some(items)
      return table.concat(items, ", ", 1, math.min(#items, 10))
        .. (#items > 10 and (" and %d more"):format(#items - 10) or "")
    end
    if #own > 0 then
      return kit.fail(("risks are on %s; a risk needs its asset: delete those risks first "
                       .. "(isms risks list --asset ID, isms risks delete REF ...); nothing "
                       .. "deleted"):format(some(own)), "INPUT")
    end
    if #linked > 0 and not opts.force then
      return kit.fail(("other records refer to these assets (asset: record (field)): %s; "
                       .. "change those first, or use --force to delete anyway (their links "
                       .. "then name a missing asset, as their check reports); nothing deleted")
                        :format(some(linked)), "INPUT")
    end
    local ok, e, code = reg:delete_asset(ids, opts.reason)
    if not ok then return kit.fail(e, code) end
    out(("deleted %d asset%s\n"):format(#ids, #ids == 1 and "" or "s"))
    return EXIT.OK
  end

  -- check: what the register can say of its assets without a methodology
  -- run: no owner, C, I or A missing, rated but not valued (isms value).
  local function check(reg, opts)
    local problems = {}
    local function problem(id, field, text)
      problems[#problems + 1] = { id = id, field = field, problem = text }
    end
    for _, a in ipairs(reg:assets()) do
      if not a.owner then problem(a.id, "owner", "no owner") end
      local missing = {}
      for _, f in ipairs({ "c", "i", "a" }) do
        if a[f] == nil then missing[#missing + 1] = f:upper() end
      end
      if #missing > 0 then
        problem(a.id, "c,i,a", table.concat(missing, ", ") .. " not rated; the asset is unvalued")
      elseif a.class == nil then
        problem(a.id, "class", "rated but not valued; run isms value")
      end
    end
    return records_cli().render_check(kit, "assets", problems, opts.json or opts.format == "json")
  end

  command("assets", {
    usage = "isms assets [list|show|add|set|delete|import|export|check] [ARGS]",
    summary = "the asset register: list, show, add, set, delete, import, export, check",
    help = [[
list [--class NAME] [--owner NAME] [--type TYPE] [--format F] [--json]
                           the assets by id with their ratings, value and
                           class (the default verb: isms assets); filters
                           combine: --class NAME (unvalued: no class),
                           --owner NAME (exact), --type information|software|
                           physical|service|people|intangible
show ID [--json]           every field of one asset and its change history
add id=ID name=N type=T FIELD=VALUE ...
                           a new asset, checked as an inventory row is
set ID FIELD=VALUE ...     change fields in one batch (FIELD= clears one);
                           C, I or A re-values the register
delete ID ... [--force]    delete assets, all or none; refused while risks
                           are on them, and without --force while risks or
                           other records link to them
import FILE                as isms import assets FILE (same options)
export [FILE|-]            as isms export assets FILE (default: -)
check [--json]             assets without an owner, unrated, or not valued
                           (exit 1 if any)
fields: id, name, type, owner, custodian, location, outsourced (yes|no),
contract, group (yes|no), units, c, i, a (tier numbers or the methodology's
labels), notes; value and class come from isms value. Writes take --reason
TEXT, which the change log keeps.]],
    options = { class = "value", format = "value", owner = "value", type = "value",
                json = "flag", reason = "value", force = "flag", ["max-errors"] = "positive",
                threads = "count", encoding = "value", sheet = "value" },
    verbs = { list = 0, show = 1, add = math.huge, set = math.huge, delete = math.huge,
              import = 1, export = 1, check = 0 },
    -- which options each verb takes (the dispatcher refuses the others)
    default_verb = "list",
    verb_options = {
      list = { "class", "owner", "type", "format", "json" },
      show = { "json", "format" }, check = { "json", "format" },
      add = { "reason" }, set = { "reason" }, delete = { "reason", "force" },
      import = { "reason", "max-errors", "threads", "encoding", "sheet" }, export = {},
    },
    run = function(ctx, opts, pos)
      local verb = pos[1] or "list"
      if verb == "list" then return list(ctx, opts) end
      if verb == "import" then
        if not pos[2] then return nil, "usage: isms assets import FILE", "USAGE" end
        return commands.import.run(ctx, opts, { "assets", pos[2] })
      end
      if verb == "export" then
        return commands.export.run(ctx, opts, { "assets", pos[2] or "-" })
      end
      return with_register(ctx, function(reg)
        if verb == "show" then return show(reg, opts, pos[2]) end
        if verb == "add" then return add(reg, opts, { unpack(pos, 2) }) end
        if verb == "set" then return set(reg, opts, { unpack(pos, 2) }) end
        if verb == "delete" then return delete(reg, opts, { unpack(pos, 2) }) end
        return check(reg, opts)
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
