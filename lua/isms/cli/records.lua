--- The same verbs for every record kind (isms.store.kind): one command per
-- kind, named by its plural --
--   isms NOUN list [--FIELD VALUE ...] [--format table|csv|json] [--json]
--   isms NOUN show ID [--json]
--   isms NOUN add FIELD=VALUE ...          isms NOUN set ID FIELD=VALUE ...
--   isms NOUN delete ID... [--force]       isms NOUN check [--json]
--   isms NOUN import FILE [--max-errors N] [--sheet S]   isms NOUN export [FILE|-]
-- Writes take --reason, which the change log keeps. A command family adds
-- verbs of its own to a kind's command with M.verb (reports, approvals),
-- and may replace a generic one (a richer `check`).
local kind = require "isms.store.kind"
local fields = require "isms.store.fields"
local cjson = require "cjson"

local M = {}

-- The options every kind's command has (the generic verbs read them).
local COMMON = { format = "value", json = "flag", reason = "value", force = "flag",
                 ["max-errors"] = "positive", out = "value", sheet = "value" }

-- noun -> { verb = def, ... } from M.verb, and the order they were given.
local extra_verbs, extra_order = {}, {}

--- Adds a verb to the command of a record kind (named by its kind, plural
-- or noun), or replaces a generic one. def: { usage = "VERB ARGS", summary
-- = "...", options = { name = kind, ... } (as for kit.command), common =
-- { "json", ... }: which of the kit's common options (--json, --format,
-- --reason, --out, --force, --max-errors, --sheet) the verb reads (default
-- json, format and reason); the verb takes these and its options, the
-- dispatcher refuses the others (isms.cli check_verb_options). args = N:
-- the most words the verb takes after it (default 0), no_register = true
-- for a verb that opens none, run = function(reg, opts, args, ctx) -> exit
-- code | true | nil, message, code }. args are the words after the verb.
-- Called by cli family files before install.
function M.verb(noun, name, def)
  if type(def) ~= "table" or type(def.run) ~= "function" then
    error("records.verb: " .. tostring(noun) .. " " .. tostring(name) .. ": needs a run function", 2)
  end
  for _, o in ipairs(def.common or {}) do
    if not COMMON[o] then
      error(("records.verb: %s %s: common option '%s' is not one of the kit's"):format(
        tostring(noun), tostring(name), tostring(o)), 2)
    end
  end
  if not extra_verbs[noun] then
    extra_verbs[noun] = {}
    extra_order[noun] = {}
  end
  if not extra_verbs[noun][name] then table.insert(extra_order[noun], name) end
  extra_verbs[noun][name] = def
end

local VERBS = { "list", "show", "add", "set", "delete", "import", "export", "check" }
-- The most words each generic verb takes after it (the dispatcher refuses
-- more: isms.cli check_words); an added verb says its own in def.args
-- (default 0).
local WORDS = { list = 0, show = 1, add = math.huge, set = math.huge, delete = math.huge, import = 1,
                export = 1, check = 0 }
-- The options each generic verb reads (list: also a filter per field).
local TAKES = { list = { "format", "json" }, show = { "format", "json" }, add = { "reason" },
                set = { "reason" }, delete = { "reason", "force" },
                import = { "reason", "max-errors", "sheet" }, export = { "out" },
                check = { "format", "json" } }
local DEFAULT_COMMON = { "json", "format", "reason" }

-- A typed row as JSON, fields in descriptor order, lists always arrays.
local function json_row(d, row)
  local parts = {}
  for k, f in ipairs(d.fields) do
    local v = row[f.name]
    local text
    if type(v) == "table" then
      local items = {}
      for j, x in ipairs(v) do items[j] = cjson.encode(x) end
      text = "[" .. table.concat(items, ",") .. "]"
    else
      text = v == nil and "null" or cjson.encode(v)
    end
    parts[k] = cjson.encode(f.name) .. ":" .. text
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

--- FIELD=VALUE words of the command line as a values table, checked
-- against d.fields (d: a kind's descriptor, or { plural, fields, by_name }).
local function assignments(d, words)
  local values = {}
  for _, w in ipairs(words) do
    local name, v = w:match("^([%w_%-]+)=(.*)$")
    if not name then return nil, ("'%s' is not FIELD=VALUE"):format(w) end
    name = name:lower():gsub("%-", "_")
    if not d.by_name[name] then
      local known = {}
      for _, f in ipairs(d.fields) do known[#known + 1] = f.name end
      return nil, ("%s have no field '%s'; they have %s"):format(d.plural, name,
                   table.concat(known, ", "))
    end
    values[name] = v
  end
  return values
end

M.assignments = assignments

--- Writes one record (row: field -> value, in d.fields' order) and its
-- change history (isms.store.kind.history) as `show` does: a field per
-- line, then the history; as_json: one JSON object with a "history" list.
function M.render_show(out, d, row, history, as_json)
  if as_json then
    out(json_row(d, row):sub(1, -2), ',"history":',
        #history > 0 and cjson.encode(history) or "[]", "}\n")
    return
  end
  local width = 0
  for _, f in ipairs(d.fields) do width = math.max(width, #f.name) end
  for _, f in ipairs(d.fields) do
    out(("%-" .. width .. "s  %s\n"):format(f.name, fields.cell(f, row[f.name])))
  end
  if #history > 0 then
    out("\nhistory:\n")
    for _, h in ipairs(history) do
      local what = h.action
      if h.field then
        what = ("%s %s: %s -> %s"):format(h.action, h.field, h.old or "", h.new or "")
      end
      out(("  %s  %s  %s%s\n"):format(h.at, h.actor, what,
                                      h.reason and ("  (" .. h.reason .. ")") or ""))
    end
  end
end

--- Writes the problems `check` found ({ id, field, problem } each) as
-- `check` does; returns the exit code (1 when there are any).
function M.render_check(kit, plural, problems, as_json)
  if as_json then
    kit.out(cjson.encode(problems):gsub("^{}$", "[]"), "\n")
  elseif #problems == 0 then
    kit.out(("%s: no problems\n"):format(plural))
  else
    kit.out(kit.render(problems, { "id", "field", { "problem", "problem", 100 } }, "table"))
  end
  return #problems == 0 and kit.EXIT.OK or kit.EXIT.FAIL
end

local function usage(d)
  return ("isms %s list|show|add|set|delete|import|export|check [ARGS]"):format(d.noun or d.plural)
end

local function help(d, extra, extra_names)
  local lines = { d.title .. ".", "", "fields:" }
  for _, f in ipairs(d.fields) do
    local what = f.type
    if f.values then what = what .. " (" .. table.concat(f.values, ", ") .. ")" end
    if f.to then what = what .. " of " .. f.to end
    if f.required or d.is_key[f.name] then what = what .. ", required" end
    lines[#lines + 1] = ("  %-18s %s%s"):format(f.name, what,
                                                 f.help and (" -- " .. f.help) or "")
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "verbs:"
  lines[#lines + 1] = "  list [--FIELD VALUE ...]   records matching every filter given"
  lines[#lines + 1] = "  show ID                    one record and its change history"
  lines[#lines + 1] = "  add FIELD=VALUE ...        a new record" ..
    (d.id_prefix and (" (ids " .. d.id_prefix .. "001, ... when none is given)") or "")
  lines[#lines + 1] = "  set ID FIELD=VALUE ...     change fields (FIELD= clears one)"
  lines[#lines + 1] = "  delete ID ... [--force]    all or none; refused while others refer to one"
  lines[#lines + 1] = "  import FILE [--sheet S]    CSV or XLSX, a header of field names; all or nothing"
  lines[#lines + 1] = "  export [FILE|-]            CSV of every record"
  if not extra.check then
    lines[#lines + 1] = "  check                      problems in the records (exit 1 if any)"
  end
  for _, name in ipairs(extra_names) do
    local def = extra[name]
    lines[#lines + 1] = ("  %-26s %s"):format(def.usage or name, def.summary or "")
  end
  lines[#lines + 1] = "lists (links) take ids separated by ';'. Writes take --reason TEXT; list,"
  lines[#lines + 1] = "show and check --json or --format F; import --max-errors N; export --out FILE."
  lines[#lines + 1] = "A verb refuses the options it does not read."
  return table.concat(lines, "\n")
end

--- Adds one command per record kind to the kit's command table (kinds
-- with cli = false are left to their own family, which may call
-- install_kind under another name).
function M.install(kit)
  for noun in pairs(extra_verbs) do
    if not kind.get(noun) then error("records.verb: no record kind '" .. noun .. "'") end
  end
  for _, d in ipairs(kind.all()) do
    if d.cli ~= false then M.install_kind(kit, d) end
  end
end

--- The command of one kind, named command_name, d.noun or d.plural.
function M.install_kind(kit, d, command_name)
  local out, EXIT = kit.out, kit.EXIT

  local function fail(e, code)  -- (kit.fail, spelled out: tests install into a kit of their own)
    kit.err(e)
    return code == "USAGE" and EXIT.USAGE or kit.exit_for(code)
  end

  do
    local noun = command_name or d.noun or d.plural
    -- Verbs added under the kind's name, its plural or its noun.
    local extra, extra_names = {}, {}
    for _, key in ipairs({ d.kind, d.plural, d.noun or false }) do
      for _, name in ipairs(key and extra_order[key] or {}) do
        if not extra[name] then extra_names[#extra_names + 1] = name end
        extra[name] = extra_verbs[key][name]
      end
    end
    local options = {}
    for k, v in pairs(COMMON) do options[k] = v end
    -- Options only an added verb takes, and which verb: no other verb
    -- accepts them silently.
    local own_option = {}
    for _, name in ipairs(extra_names) do
      for opt, okind in pairs(extra[name].options or {}) do
        if not COMMON[opt] then
          options[opt] = options[opt] or okind
          own_option[opt] = own_option[opt] or {}
          own_option[opt][name] = true
        end
        -- an option two added verbs take belongs to both
        if own_option[opt] then own_option[opt][name] = true end
      end
    end
    local filter_option = {}
    for _, f in ipairs(d.fields) do
      local opt = f.name:gsub("_", "-")
      if not options[opt] or own_option[opt] then
        options[opt] = "value"
        filter_option[opt] = f.name
      end
    end

    local function list(reg, opts)
      local filter = {}
      for opt, name in pairs(filter_option) do
        if opts[opt] then filter[name] = opts[opt] end
      end
      local coll = reg:records(d.kind)
      local fmt = opts.json and "json" or opts.format or "table"
      if fmt == "csv" then
        local text, e, code = coll:csv(filter)
        if not text then return fail(e, code) end
        out(text)
        return EXIT.OK
      end
      local ok, ferr = kit.check_format(fmt)
      if not ok then return fail(ferr, "USAGE") end
      local rows, e, code = coll:list(filter)
      if not rows then return fail(e, code) end
      if fmt == "json" then
        local parts = {}
        for k, row in ipairs(rows) do parts[k] = json_row(d, row) end
        out("[", table.concat(parts, ",\n "), "]\n")
        return EXIT.OK
      end
      local cells, columns = {}, d.list_columns
      if not columns then
        columns = {}
        for _, f in ipairs(d.fields) do columns[#columns + 1] = f.name end
      end
      for k, row in ipairs(rows) do
        local c = {}
        for _, name in ipairs(columns) do c[name] = fields.cell(d.by_name[name], row[name]) end
        cells[k] = c
      end
      out(kit.render(cells, columns, "table"))
      return EXIT.OK
    end

    local function show(reg, opts, id)
      if not id then return fail("usage: isms " .. d.plural .. " show ID", "USAGE") end
      local coll = reg:records(d.kind)
      local row = coll:get(id)
      if not row then return fail(("no %s '%s' in the register"):format(d.kind, id), "NOTFOUND") end
      M.render_show(out, d, row, coll:history(id), opts.json or opts.format == "json")
      return EXIT.OK
    end

    local function write(reg, opts, verb, pos)
      local coll = reg:records(d.kind)
      local wopts = { reason = opts.reason, command = d.plural .. " " .. verb }
      local rep, e, code
      if verb == "add" then
        local values, verr = assignments(d, { unpack(pos, 2) })
        if not values then return fail(verr, "USAGE") end
        rep, e, code = coll:add(values, wopts)
      elseif verb == "set" then
        if not pos[2] then return fail("usage: isms " .. d.plural .. " set ID FIELD=VALUE ...",
                                       "USAGE") end
        local values, verr = assignments(d, { unpack(pos, 3) })
        if not values then return fail(verr, "USAGE") end
        if next(values) == nil then return fail("nothing to set; give FIELD=VALUE", "USAGE") end
        rep, e, code = coll:set(pos[2], values, wopts)
      elseif verb == "delete" then
        if not pos[2] then return fail("usage: isms " .. d.plural .. " delete ID ...", "USAGE") end
        wopts.force = opts.force
        rep, e, code = coll:delete({ unpack(pos, 2) }, wopts)
      else -- import
        if not pos[2] then return fail("usage: isms " .. d.plural .. " import FILE", "USAGE") end
        wopts.max_errors = opts["max-errors"]
        wopts.sheet = opts.sheet
        wopts.command = "import " .. d.plural
        rep, e, code = coll:import(pos[2], wopts)
      end
      if not rep then return fail(e, code) end
      if verb == "add" then out(rep.id, "\n")
      elseif verb == "import" then
        out(("%s: %d rows, %d created, %d updated (batch %d)\n"):format(pos[2], rep.rows,
            rep.created, rep.updated, rep.batch))
      end
      return EXIT.OK
    end

    local function check(reg, opts)
      return M.render_check(kit, d.plural, reg:records(d.kind):check(),
                            opts.json or opts.format == "json")
    end

    local verbs = {}
    for _, v in ipairs(VERBS) do verbs[#verbs + 1] = v end
    for _, v in ipairs(extra_names) do
      local generic = false
      for _, g in ipairs(VERBS) do generic = generic or g == v end
      if not generic then verbs[#verbs + 1] = v end
    end
    local usage_text = usage(d)
    if #verbs > #VERBS then
      usage_text = ("isms %s %s [ARGS]"):format(noun, table.concat(verbs, "|"))
    end

    local words = {}
    for _, v in ipairs(verbs) do
      words[v] = extra[v] and (extra[v].args or 0) or WORDS[v]
    end

    -- The options each verb takes (the dispatcher refuses the others): a
    -- generic verb its own (list: a filter per field too), an added one
    -- its options and the common ones it reads.
    local verb_options = {}
    for _, v in ipairs(verbs) do
      local takes = {}
      if extra[v] then
        local seen = {}
        for _, o in ipairs(extra[v].common or DEFAULT_COMMON) do
          takes[#takes + 1], seen[o] = o, true
        end
        local own = {}
        for o in pairs(extra[v].options or {}) do
          if not seen[o] then own[#own + 1] = o end
        end
        table.sort(own)
        for _, o in ipairs(own) do takes[#takes + 1] = o end
      else
        for _, o in ipairs(TAKES[v]) do takes[#takes + 1] = o end
        if v == "list" then
          local filters = {}
          for o in pairs(filter_option) do filters[#filters + 1] = o end
          table.sort(filters)
          for _, o in ipairs(filters) do takes[#takes + 1] = o end
        end
      end
      verb_options[v] = takes
    end

    kit.command(noun, {
      usage = usage_text,
      summary = d.summary or d.title,
      help = help(d, extra, extra_names),
      options = options,
      verbs = words,
      default_verb = "list",
      verb_options = verb_options,
      run = function(ctx, opts, pos)
        local verb = pos[1] or "list"
        local known = false
        for _, v in ipairs(verbs) do known = known or v == verb end
        if not known then
          return fail(("unknown verb '%s'; expected %s"):format(verb, table.concat(verbs, ", ")),
                      "USAGE")
        end
        local def = extra[verb]
        if def then
          local function run_verb(reg)
            local rc, e, code = def.run(reg, opts, { unpack(pos, 2) }, ctx)
            if rc == nil then return fail(e, code) end
            if rc == true then return EXIT.OK end
            return rc
          end
          -- A verb that needs no register (a template, a rule file check).
          if def.no_register then return run_verb(nil) end
          return kit.with_register(ctx, run_verb)
        end
        return kit.with_register(ctx, function(reg)
          if verb == "list" then return list(reg, opts) end
          if verb == "show" then return show(reg, opts, pos[2]) end
          if verb == "check" then return check(reg, opts) end
          if verb == "export" then
            local ok, e, code = reg:records(d.kind):export(pos[2] or opts.out or "-")
            if not ok then return fail(e, code) end
            return EXIT.OK
          end
          return write(reg, opts, verb, pos)
        end)
      end,
    })
  end
end

return M
