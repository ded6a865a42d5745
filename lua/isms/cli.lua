--- The `isms` command line. cli.main(argv) runs one command and returns
-- the process exit code (documented in docs/isms.1):
--   0 success, 1 failure, 2 usage error, 3 input rejected (CSV or rule
--   file; nothing stored), 4 register problem (cannot open, newer schema,
--   storage error, not found).
local isms = require "isms"
local format = require "isms.format"

local M = {}

local EXIT = { OK = 0, FAIL = 1, USAGE = 2, INPUT = 3, REGISTER = 4 }
M.EXIT = EXIT

local function exit_for(code)
  if code == "INPUT" or code == "RULE" then return EXIT.INPUT end
  if code == "SCHEMA" or code == "STORAGE" or code == "NOTFOUND" then return EXIT.REGISTER end
  return EXIT.FAIL
end

local function out(...) io.stdout:write(...) end
local function err(s) io.stderr:write("isms: ", s, "\n") end

-- ------------------------------------------------------------ options

-- Parses argv against spec {name = "value"|"flag"}; returns opts, positionals.
local function parse_options(args, spec)
  local opts, pos = {}, {}
  local k = 1
  while k <= #args do
    local a = args[k]
    if a == "--" then
      for j = k + 1, #args do pos[#pos + 1] = args[j] end
      break
    end
    local name, inline = a:match("^%-%-([%w-]+)=(.*)$")
    name = name or a:match("^%-%-([%w-]+)$")
    if a == "-h" then name = "help" end
    if name then
      local kind = spec[name]
      if kind == nil then return nil, "unknown option --" .. name end
      if kind == "flag" then
        if inline then return nil, "option --" .. name .. " takes no value" end
        opts[name] = true
      else
        local v = inline
        if not v then
          k = k + 1
          v = args[k]
          if v == nil then return nil, "option --" .. name .. " needs a value" end
        end
        opts[name] = v
      end
    else
      pos[#pos + 1] = a
    end
    k = k + 1
  end
  return opts, pos
end

-- ------------------------------------------------------------ commands

local commands, order = {}, {}

local function command(name, def)
  def.name = name
  commands[name] = def
  order[#order + 1] = name
end

local function open_path(ctx, path)
  local reg, e, code = isms.open(path)
  if reg and ctx.actor then reg:set_actor(ctx.actor) end
  return reg, e, code
end

local function open_register(ctx)
  local path = ctx.db or isms.default_db()
  if not path then
    return nil, "no register given; use --db FILE or set ISMS_DB", "USAGE"
  end
  return open_path(ctx, path)
end

local function with_register(ctx, fn)
  local reg, e, code = open_register(ctx)
  if not reg then
    err(e)
    return code == "USAGE" and EXIT.USAGE or EXIT.REGISTER
  end
  local rc = fn(reg)
  reg:close()
  return rc
end

local function render(rows, columns, fmt, table_columns)
  if fmt == "csv" then return format.csv(rows, columns) end
  if fmt == "json" then return format.json(rows, columns) end
  return format.table(rows, table_columns or columns)
end

local function check_format(fmt)
  if fmt and fmt ~= "table" and fmt ~= "csv" and fmt ~= "json" then
    return nil, "unknown format '" .. fmt .. "'; expected table, csv or json"
  end
  return true
end

command("init", {
  usage = "isms init DB [--methodology NAME]",
  summary = "create a register (or change its methodology)",
  help = [[
Creates the register file DB (SQLite) with the current schema and records
its methodology (default qism-fmea; any name on the rules path or a path to
a rule file). On an existing register, --methodology changes the
methodology, logged in the change log.]],
  options = { methodology = "value", reason = "value" },
  run = function(ctx, opts, pos)
    local path = pos[1] or ctx.db
    if not path or pos[2] then return nil, "usage: isms init DB [--methodology NAME]", "USAGE" end
    local existed = io.open(path, "rb")
    if existed then existed:close() end
    local reg, e, code = open_path(ctx, path)
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
  usage = "isms import assets|risks FILE [--reason TEXT] [--max-errors N]",
  summary = "import an asset inventory CSV (all or nothing)",
  help = [[
Reads FILE (CSV with a header row; columns by name, any order, any case:
id, name, type, owner, custodian, location, outsourced, contract, group,
units, c, i, a, notes). C, I and A take tier numbers or the labels of the
register's methodology ("Secret", "high"). Assets are created or updated by
id and every change is logged. Any bad row rejects the whole file: each
error is printed as FILE:LINE:COLUMN: reason and nothing is stored.
`isms import risks FILE` is `isms risks import FILE`.]],
  options = { reason = "value", ["max-errors"] = "value", threads = "value" },
  run = function(ctx, opts, pos)
    if pos[1] == "risks" and pos[2] and not pos[3] then
      return commands.risks.run(ctx, opts, { "import", pos[2] })
    end
    if pos[1] ~= "assets" or not pos[2] or pos[3] then
      return nil, "usage: isms import assets|risks FILE", "USAGE"
    end
    local max = opts["max-errors"] and tonumber(opts["max-errors"])
    if opts["max-errors"] and (not max or max < 1) then
      return nil, "--max-errors expects a positive number", "USAGE"
    end
    return with_register(ctx, function(reg)
      local r, e, code = reg:import_assets(pos[2], {
        reason = opts.reason, max_errors = max, threads = tonumber(opts.threads),
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
  usage = "isms export assets|risks FILE",
  summary = "write the assets as CSV in the import format",
  options = {},
  run = function(ctx, opts, pos)
    if pos[1] == "risks" and pos[2] and not pos[3] then
      return commands.risks.run(ctx, opts, { "export", pos[2] })
    end
    if pos[1] ~= "assets" or not pos[2] or pos[3] then
      return nil, "usage: isms export assets|risks FILE", "USAGE"
    end
    return with_register(ctx, function(reg)
      local ok, e, code = reg:export_assets(pos[2])
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

command("assets", {
  usage = "isms assets [--class NAME] [--format table|csv|json]",
  summary = "list the asset register",
  options = { class = "value", format = "value" },
  run = function(ctx, opts)
    local ok, ferr = check_format(opts.format)
    if not ok then return nil, ferr, "USAGE" end
    return with_register(ctx, function(reg)
      local rows = reg:assets({ class = opts.class })
      out(render(rows, ASSET_COLUMNS, opts.format, ASSET_TABLE))
      if not opts.format or opts.format == "table" then out(class_summary(rows)) end
      return EXIT.OK
    end)
  end,
})

command("value", {
  usage = "isms value [--methodology NAME] [--reason TEXT]",
  summary = "value every asset with the methodology (in C)",
  help = [[
Computes each asset's value and class from its C, I and A with the
register's methodology (or --methodology for this run only; the register
keeps its own) and logs every change. Assets missing C, I or A are counted
as unvalued.]],
  options = { methodology = "value", reason = "value" },
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
      local r
      r, e, code = reg:value(m, opts.reason)
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

-- Methodology and risk commands live in their own files; they get the
-- same helpers through this kit.
local kit = { command = command, commands = commands, out = out, err = err, EXIT = EXIT,
              exit_for = exit_for, open_register = open_register,
              with_register = with_register, render = render, check_format = check_format }
require("isms.cli_methodology")(kit)
require("isms.cli_risk")(kit)
require("isms.cli_treatment")(kit)

command("run", {
  usage = "isms run SCRIPT.lua [ARGS...]",
  summary = "run a Lua script with the isms API (trusted code)",
  help = [[
Runs SCRIPT with the full Lua standard library and `require "isms"`; its
arguments are in `arg` (arg[0] is the script). The script is your own code
and is trusted; only rule files are sandboxed. ISMS_DB / --db give the
register path to isms.default_db().]],
  options = {},
  stop_at_positional = true,
  run = function(ctx, _, pos)
    isms.db_override = ctx.db
    local script = pos[1]
    if not script then return nil, "usage: isms run SCRIPT.lua [ARGS...]", "USAGE" end
    local chunk, lerr = loadfile(script)
    if not chunk then return nil, lerr, "IO" end
    local script_arg = { [0] = script }
    for k = 2, #pos do script_arg[k - 1] = pos[k] end
    _G.arg = script_arg
    local ok, rerr = xpcall(function() return chunk(unpack(script_arg)) end, debug.traceback)
    if not ok then return nil, tostring(rerr), "ERROR" end
    return true
  end,
})

command("repl", {
  usage = "isms repl",
  summary = "interactive Lua with the isms API (line editing, history)",
  options = {},
  run = function(ctx)
    local repl = require "isms.repl"
    return repl.run({ db = ctx.db or isms.default_db() })
  end,
})

command("help", {
  usage = "isms help [COMMAND]",
  summary = "show help",
  options = {},
  run = function(_, _, pos)
    return M.help(pos[1])
  end,
})

-- ------------------------------------------------------------ help

local MAIN_USAGE = [[
usage: isms [--db FILE] [--actor NAME] COMMAND [ARGS]

The ISMS workbench: an asset register in SQLite, valued by rule-file
methodologies (ISO/IEC 27001). --db (or ISMS_DB) picks the register.

commands:
]]

function M.help(name)
  if name then
    local c = commands[name]
    if not c then
      err("unknown command '" .. name .. "'")
      return EXIT.USAGE
    end
    out("usage: ", c.usage, "\n\n", c.summary, "\n")
    if c.help then out("\n", c.help, "\n") end
    return EXIT.OK
  end
  out(MAIN_USAGE)
  for _, n in ipairs(order) do
    out(("  %-12s %s\n"):format(n, commands[n].summary))
  end
  out("\nexit codes: 0 ok, 1 failure, 2 usage, 3 input rejected, 4 register problem\n")
  out("see isms help COMMAND, man isms, and docs/ in the source tree\n")
  return EXIT.OK
end

-- ------------------------------------------------------------ main

--- Runs the command line; returns the exit code.
function M.main(argv)
  local ctx = {}
  local k = 1
  -- Global options come before the command.
  while argv[k] and argv[k]:sub(1, 1) == "-" do
    local a = argv[k]
    local name, inline = a:match("^%-%-(%w+)=(.*)$")
    name = name or a:match("^%-%-(%w+)$")
    if a == "-h" or name == "help" then return M.help() end
    if name == "version" then
      out("isms ", isms.version, " (scoring kernels: ", isms.kernels, ")\n")
      return EXIT.OK
    end
    if name == "db" or name == "actor" then
      local v = inline
      if not v then
        k = k + 1
        v = argv[k]
      end
      if not v then
        err("option --" .. name .. " needs a value")
        return EXIT.USAGE
      end
      ctx[name] = v
    else
      err("unknown option " .. a .. "; see isms --help")
      return EXIT.USAGE
    end
    k = k + 1
  end
  local name = argv[k]
  if not name then return M.help() end
  local c = commands[name]
  if not c then
    err("unknown command '" .. name .. "'; see isms --help")
    return EXIT.USAGE
  end
  local rest = {}
  for j = k + 1, #argv do rest[#rest + 1] = argv[j] end
  local opts, pos
  if c.stop_at_positional then
    -- isms run passes everything after the script to the script.
    if rest[1] == "--help" or rest[1] == "-h" then return M.help(name) end
    opts, pos = {}, rest
  else
    local spec = { help = "flag" }
    for o, kind in pairs(c.options) do spec[o] = kind end
    opts, pos = parse_options(rest, spec)
    if not opts then
      err(pos .. "; see isms help " .. name)
      return EXIT.USAGE
    end
    if opts.help then return M.help(name) end
  end
  local ok, result, e, code = pcall(c.run, ctx, opts, pos)
  if not ok then
    -- Rule functions that fail while risks are evaluated raise {msg, code}.
    if type(result) == "table" and result.msg then
      err(result.msg)
      return exit_for(result.code or "RULE")
    end
    err("internal error: " .. tostring(result))
    return EXIT.FAIL
  end
  if result == nil then
    err(e)
    if code == "USAGE" then return EXIT.USAGE end
    return exit_for(code)
  end
  if result == true then return EXIT.OK end
  return result
end

return M
