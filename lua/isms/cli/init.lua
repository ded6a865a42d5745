--- The `isms` command line. cli.main(argv) runs one command and returns
-- the process exit code (documented in docs/isms.1):
--   0 success, 1 failure, 2 usage error, 3 input rejected (CSV or rule
--   file; nothing stored), 4 register problem (cannot open, newer schema,
--   storage error, not found).
local isms = require "isms"
local format = require "isms.store.format"
local domains = require "isms.store._domains"

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

-- Edit distance (insertions, deletions, substitutions, adjacent swaps),
-- for "did you mean" on mistyped commands and options.
local function distance(a, b)
  local d = {}
  for i = 0, #a do d[i] = { [0] = i } end
  for j = 0, #b do d[0][j] = j end
  for i = 1, #a do
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      d[i][j] = math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if i > 1 and j > 1 and a:sub(i, i) == b:sub(j - 1, j - 1) and a:sub(i - 1, i - 1) == b:sub(j, j) then
        d[i][j] = math.min(d[i][j], d[i - 2][j - 2] + 1)
      end
    end
  end
  return d[#a][#b]
end

--- The closest of names to word (within a third of its length), or nil.
local function closest(word, names)
  local best, best_d
  for _, n in ipairs(names) do
    local dd = distance(word, n)
    if (not best_d or dd < best_d) and dd <= math.max(1, math.floor(#word / 3)) then
      best, best_d = n, dd
    end
  end
  return best
end
M.closest = closest

-- Whole-number option kinds: the value is checked and converted here, so
-- no command sees "--top -5" or "--max-errors x".
local NUMBER_KINDS = { count = { 0, "a whole number, 0 or more" },
                       positive = { 1, "a whole number, 1 or more" } }

-- Parses argv against spec {name = "value"|"flag"|"count"|"positive"};
-- returns opts, positionals.
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
      if kind == nil then
        local names = {}
        for n in pairs(spec) do names[#names + 1] = n end
        table.sort(names)
        local near = closest(name, names)
        return nil, "unknown option --" .. name .. (near and ("; did you mean --" .. near .. "?") or "")
      end
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
        local kind_number = NUMBER_KINDS[kind]
        if kind_number then
          local n = tonumber(v)
          if not n or n ~= math.floor(n) or n < kind_number[1] or n > 2 ^ 53 then
            return nil, ("option --%s expects %s, got '%s'"):format(name, kind_number[2], v)
          end
          v = n
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

-- ------------------------------------------------------------ words

-- The words (positional arguments) a command takes, checked here once for
-- every command, so none runs as if a stray word were not there:
--   def.args = N       at most N words (default 0; math.huge: any number)
--   def.verbs = { VERB = N, ... }   the first word names a verb, then at
--                      most N words (no word at all: the command's default verb)
--   def.other_args = N (with verbs) a first word that is not a verb is the
--                      first of at most N words (isms gap ASSESSMENT)
-- (and, below, the options each verb takes: def.verb_options)
-- Returns true, or nil and the message.
local function verb_names(verbs)
  local names = {}
  for v in pairs(verbs) do names[#names + 1] = v end
  table.sort(names)
  return names
end

local function check_words(name, def, pos)
  local see = "; see isms help " .. name
  local verbs = def.verbs
  if verbs and pos[1] ~= nil and verbs[pos[1]] == nil and not def.other_args then
    local names = verb_names(verbs)
    local near = closest(pos[1], names)
    return nil, ("isms %s: unknown verb '%s'%s; expected %s%s"):format(name, pos[1],
      near and (" (did you mean '" .. near .. "'?)") or "", table.concat(names, ", "), see)
  end
  local verb = verbs and pos[1] ~= nil and verbs[pos[1]] ~= nil and pos[1]
  local max, first
  if verb then
    max, first = verbs[verb], 2
  elseif verbs and pos[1] ~= nil then
    max, first = def.other_args, 1
  else
    max, first = def.args or 0, 1
  end
  local stray = pos[first + max]
  if stray == nil then return true end
  local near
  if verbs and not verb then near = closest(stray, verb_names(verbs)) end
  return nil, ("isms %s%s: unexpected argument '%s'%s%s"):format(name,
    verb and (" " .. verb) or "", stray,
    near and (" (did you mean '" .. near .. "'?)") or "", see)
end
M.check_words = check_words

-- The options a verb takes, where a command declares them:
--   def.verb_options = { VERB = { "opt", ... }, ... }, with def.default_verb
--   the verb of no word at all (and, with other_args, of a first word that
--   is no verb: isms gap ASSESSMENT); a verb left out takes every option.
-- Returns true, or nil and the message naming the option and what the verb takes.
local function check_verb_options(name, def, opts, pos)
  local vo = def.verb_options
  if not vo then return true end
  local verb = def.verbs and pos[1] ~= nil and def.verbs[pos[1]] ~= nil and pos[1]
    or ((pos[1] == nil or def.other_args) and def.default_verb) or nil
  local allowed = verb and vo[verb]
  if not allowed then return true end
  local set = {}
  for _, o in ipairs(allowed) do set[o] = true end
  local given = {}
  for o in pairs(opts) do
    if o ~= "help" and not set[o] then given[#given + 1] = o end
  end
  if #given == 0 then return true end
  table.sort(given)
  local takes = {}
  for k, o in ipairs(allowed) do takes[k] = "--" .. o end
  return nil, ("isms %s %s: --%s does not apply to %s (%s); see isms help %s"):format(name, verb,
    given[1], verb, #takes > 0 and ("it takes " .. table.concat(takes, ", ")) or "it takes no option",
    name)
end
M.check_verb_options = check_verb_options

-- ------------------------------------------------------------ commands

-- commands[name] = def; own[family] = the names a family file defined, in
-- its order (`isms help` lists the families in FAMILIES order, then the
-- record kinds' commands, then help).
local commands, own = {}, {}
local defining = "help"   -- the family file being loaded

local function command(name, def)
  def.name = name
  def.family = defining
  commands[name] = def
  own[defining] = own[defining] or {}
  table.insert(own[defining], name)
end

-- Every command but `init` opens a register that exists already.
local function open_path(ctx, path, create)
  local reg, e, code = isms.open(path, { create = create or false })
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

--- Writes text to path, or to standard output when path is nil or "-"
-- (every export and report takes "-").
local function write_out(path, text)
  if path == nil or path == "-" then
    out(text)
    return true
  end
  local f, e = io.open(path, "wb")
  if not f then return nil, e, "IO" end
  f:write(text)
  f:close()
  return true
end

--- Runs writer(file, ...) that needs a file name (the C writers: CSV
-- export, XLSX); for "-" it writes a temporary file and copies it to
-- standard output. Returns what writer returns.
local function via_file(path, writer, ...)
  if path ~= "-" then return writer(path, ...) end
  local tmp = os.tmpname()
  local r = { writer(tmp, ...) }
  if r[1] then
    local f = io.open(tmp, "rb")
    if f then
      while true do
        local chunk = f:read(1048576)
        if not chunk then break end
        io.stdout:write(chunk)
      end
      f:close()
    end
  end
  os.remove(tmp)
  return unpack(r, 1, table.maxn(r))
end

--- Runs an importer on one row (`isms assets add`, `isms risks add`: one
-- record, with the checks and the one transaction of an import):
-- importer(path) reads a CSV file holding the header `columns` and the row
-- `values` (column -> text). Returns what importer returns; its messages
-- lose the temporary file's name and position (the user wrote no file).
local function import_row(columns, values, importer)
  local tmp = os.tmpname()
  local f, ferr = io.open(tmp, "wb")
  if not f then return nil, ferr, "IO" end
  f:write(format.csv({ values }, columns))
  f:close()
  local rep, e, code = importer(tmp)
  os.remove(tmp)
  if rep then return rep end
  local lines = {}
  for line in tostring(e):gmatch("[^\n]+") do
    if line:sub(1, #tmp) == tmp then
      line = line:sub(#tmp + 1):gsub("^:%d+:%d+: ", ""):gsub("^: rejected.*", "")
    end
    if line ~= "" then lines[#lines + 1] = line end
  end
  return nil, table.concat(lines, "\n"), code
end

-- Renders a report model (docs/report-model.md) to opts.out (or stdout)
-- in opts.format: table, csv, json, markdown, html or xlsx.
local REPORT_FORMATS = { table = true, csv = true, json = true, markdown = true, html = true,
                         xlsx = true }
local function emit(reg, model, opts, xlsx_opts)
  local report = require "isms.report"
  local fmt = opts.format or "table"
  if not REPORT_FORMATS[fmt] then
    err(("unknown format '%s'; expected %s"):format(fmt, report.FORMATS))
    return EXIT.USAGE
  end
  if fmt == "xlsx" then
    if not opts.out then
      err("--format xlsx needs --out FILE.xlsx (or --out - for standard output)")
      return EXIT.USAGE
    end
    local ok, e, code = require("isms.cli.progress").during("writing " .. opts.out, nil, via_file,
      opts.out, function(path) return require("isms.report.models").xlsx(reg, model, path, xlsx_opts) end)
    if not ok then
      err(e)
      return exit_for(code)
    end
    return EXIT.OK
  end
  local text = require("isms.cli.progress").during("rendering the report", nil, report.render,
                                                   model, fmt)
  local ok, e = write_out(opts.out, text)
  if not ok then
    err(e)
    return EXIT.FAIL
  end
  return EXIT.OK
end

-- Says why a command failed; returns the exit code for the failure's code.
local function fail(e, code)
  err(e)
  return code == "USAGE" and EXIT.USAGE or exit_for(code)
end

-- "a, b,c" -> { "a", "b", "c" } (or by another separator: list_of(t, ";")).
local function list_of(text, sep)
  local list = {}
  for item in (text or ""):gmatch("[^" .. (sep or ",") .. "]+") do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" then list[#list + 1] = item end
  end
  return list
end

-- Each command family lives in its own file and gets the same helpers
-- through this kit; the order of FAMILIES is the order of `isms help`.
-- A new family file: append a line to FAMILIES and name its commands in
-- FAMILY_OF below.
local kit = { command = command, commands = commands, out = out, err = err, EXIT = EXIT,
              exit_for = exit_for, open_register = open_register, open_path = open_path,
              with_register = with_register, render = render, check_format = check_format,
              emit = emit, fail = fail, list_of = list_of, write_out = write_out,
              via_file = via_file, import_row = import_row }
local FAMILIES = {
  { "assets", function() return require "isms.cli.assets" end },
  { "methodology", function() return require "isms.cli.methodology" end },
  { "risk", function() return require "isms.cli.risk" end },
  { "treatment", function() return require "isms.cli.treatment" end },
  { "gap", function() return require "isms.cli.gap" end },
  { "script", function() return require "isms.cli.script" end },
  { "backup", function() return require "isms.cli.backup" end },
  { "quant", function() return require "isms.cli.quant" end },
  { "roadmap", function() return require "isms.cli.roadmap" end },
  { "context", function() return require "isms.cli.context" end },
  { "current", function() return require "isms.cli.current" end },
  { "operations", function() return require "isms.cli.operations" end },
  { "verify", function() return require "isms.cli.verify" end },
}

-- Start-up (issue #18): a command loads only the family file that defines
-- it, named here. A command not named here (the record kinds' commands,
-- a name mistyped) loads every family, then the record kinds; so does
-- `isms help`. tests/spec/startup_spec.lua checks this table against
-- what the families define.
local FAMILY_OF = {
  init = "assets", import = "assets", export = "assets", assets = "assets", value = "assets",
  changes = "assets", history = "assets",
  methodology = "methodology",
  risks = "risk", assess = "risk", whatif = "risk",
  treat = "treatment", accept = "treatment", soa = "treatment", rtp = "treatment",
  report = "treatment",
  requirements = "gap", gap = "gap", readiness = "gap",
  run = "script", repl = "script",
  backup = "backup", restore = "backup",
  quant = "quant",
  roadmap = "roadmap",
  stale = "current", reviewed = "current", current = "current", ["propose-audits"] = "current",
  ["incident-stats"] = "current", likelihood = "current", ["supplier-risks"] = "current",
  ["supplier-assets"] = "current",
  metrics = "operations", review = "operations", actions = "operations",
  verify = "verify",
}
-- Commands that list what every domain package registers (the action
-- sources): the packages load first, in their usual order.
local NEEDS_DOMAINS = { actions = true }

local loaded_family, loaded_everything = {}, false

local function load_family(name)
  if loaded_family[name] then return end
  for _, f in ipairs(FAMILIES) do
    if f[1] == name then
      loaded_family[name] = true
      local before = defining
      defining = name
      f[2]()(kit)
      defining = before
      return
    end
  end
end

-- Every family, then one command per record kind the domain packages
-- define (isms.store.kind), after the families (which may add verbs to
-- them), as a start-up before issue #18 did.
local function load_everything()
  if loaded_everything then return end
  loaded_everything = true
  domains.load_all()
  for _, f in ipairs(FAMILIES) do load_family(f[1]) end
  defining = "records"
  require("isms.cli.records").install(kit)
  defining = "help"
end

-- The definition of a command, loading what defines it; nil if none.
local function find_command(name)
  local family = FAMILY_OF[name]
  if family and not rawget(commands, name) then
    if NEEDS_DOMAINS[name] then domains.load_all() end
    load_family(family)
  end
  if not rawget(commands, name) then load_everything() end
  return rawget(commands, name)
end
-- A family may run another's command (`isms import risks` is `isms risks
-- import`): kit.commands loads it as the dispatcher does.
setmetatable(commands, { __index = function(_, name) return find_command(name) end })

-- Every command name in the order of `isms help` (loads them all).
local function all_commands()
  load_everything()
  local order = {}
  for _, group in ipairs(FAMILIES) do
    for _, n in ipairs(own[group[1]] or {}) do order[#order + 1] = n end
  end
  for _, group in ipairs({ "records", "help" }) do
    for _, n in ipairs(own[group] or {}) do order[#order + 1] = n end
  end
  return order
end

--- The dispatch table (command -> family) and the families in order
-- (tests/spec/startup_spec.lua checks it against command_families()).
function M.dispatch_table()
  local names = {}
  for _, f in ipairs(FAMILIES) do names[#names + 1] = f[1] end
  return FAMILY_OF, names
end

--- The definition of the command name (loading what defines it), or nil
-- (tests/spec/cli_verb_options_spec.lua walks them).
M.definition = find_command

--- Loads every command; returns command -> the family file that defined
-- it ("records" for a record kind's command, "help").
function M.command_families()
  local families = {}
  for _, n in ipairs(all_commands()) do families[n] = commands[n].family end
  return families
end

command("help", {
  usage = "isms help [COMMAND]",
  summary = "show help",
  options = {},
  args = 1,
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
    local c = find_command(name)
    if not c then
      err("unknown command '" .. name .. "'")
      return EXIT.USAGE
    end
    out("usage: ", c.usage, "\n\n", c.summary, "\n")
    if c.help then out("\n", c.help, "\n") end
    -- every option, so the shell completions (core/host/completion) see them all
    local names = {}
    for o in pairs(c.options or {}) do names[#names + 1] = "--" .. o end
    table.sort(names)
    if #names > 0 then
      local line = "\noptions:"
      for _, n in ipairs(names) do
        if #line + #n > 78 then
          out(line, "\n")
          line = "        "
        end
        line = line .. " " .. n
      end
      out(line, "\n")
    end
    return EXIT.OK
  end
  out(MAIN_USAGE)
  for _, n in ipairs(all_commands()) do
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
  local c = find_command(name)
  if not c then
    local near = closest(name, all_commands())
    err("unknown command '" .. name .. "'" .. (near and ("; did you mean '" .. near .. "'?") or "")
        .. "; see isms --help")
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
  local wok, werr = check_words(name, c, pos)
  if wok then wok, werr = check_verb_options(name, c, opts, pos) end
  if not wok then
    io.stderr:write(werr, "\n")
    return EXIT.USAGE
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
