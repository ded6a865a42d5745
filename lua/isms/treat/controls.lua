--- Control catalogs and edition mappings (docs/controls.md).
-- A control catalog is a rule file under controls/ that declares the
-- controls of one ISO/IEC 27001 Annex A edition, or an organisation's own
-- set, grouped by clause or theme. A mapping is a rule file under
-- mappings/ that says where each control of one catalog went in another,
-- so a Statement of Applicability can be carried to a newer edition.
-- Both are checked here with file:line, like methodologies and threat
-- catalogs; a fault is returned as `nil, "file:line: kind 'name': field:
-- reason", "RULE"`.
local rules = require "isms.rules"
local check = require "isms.rules.check"

local fail = check.fail
local M = {}

local set = check.set

--- How a source control compares with its target, source on the left.
-- `removed` has no target.
M.RELATIONS = { "equal", "subset", "superset", "intersect", "removed" }
local RELATION_INDEX = set(M.RELATIONS)

local CATALOG_WORDS = {
  control_catalog = set { "title", "edition", "description", "reference" },
  control_group = set { "title", "description" },
  control = set { "group", "title", "description" },
}

local MAPPING_WORDS = {
  control_mapping = set { "from", "to", "title", "description", "reference" },
  maps = set { "to", "relation", "note" },
  new_control = set { "note" },
}

local ID_MAX = 64

-- Ids are shown in tables, CSV and file names of reports: keep them to
-- letters, digits and a little punctuation, with spaces only inside.
local function check_id(file, d)
  local id = d.name
  if #id > ID_MAX or not id:match("^[%w][%w%._:/%- ]*$") or id:match(" $") then
    fail(file, d, nil, ("bad id; use up to %d letters, digits, '.', '_', ':', '/', '-' or "
         .. "inner spaces, starting with a letter or digit"):format(ID_MAX))
  end
end

local function words_of(allowed)
  local names = {}
  for w in pairs(allowed) do names[#names + 1] = w end
  table.sort(names)
  return table.concat(names, ", ")
end

-- A list of ids as text, at most ten of them.
local function id_list(ids)
  local shown = {}
  for k = 1, math.min(#ids, 10) do shown[k] = ids[k] end
  local text = table.concat(shown, ", ")
  if #ids > 10 then text = text .. (", and %d more"):format(#ids - 10) end
  return text
end

-- ------------------------------------------------------------- catalogs

local function validate_catalog(file, decls)
  local cat = { file = file, groups = {}, controls = {}, by_id = {}, group_by_id = {} }
  local head
  for _, d in ipairs(decls) do
    local f = type(d.fields) == "table" and d.fields or {}
    local allowed = CATALOG_WORDS[d.kind]
    if not allowed then
      fail(file, d, nil, "not a control catalog word (" .. words_of(CATALOG_WORDS) .. ")")
    end
    check.fields(file, d, f, allowed)
    check.string(file, d, "title", f.title)
    check.string(file, d, "description", f.description, true)
    if d.kind == "control_catalog" then
      if head then
        fail(file, d, nil, ("a file declares one catalog (first at line %d)"):format(head.line))
      end
      head = d
      check.string(file, d, "edition", f.edition, true)
      check.string(file, d, "reference", f.reference, true)
      cat.name, cat.title, cat.edition = d.name, f.title, f.edition
      cat.description, cat.reference = f.description, f.reference
    elseif d.kind == "control_group" then
      check_id(file, d)
      local first = cat.group_by_id[d.name]
      if first then fail(file, d, nil, ("declared twice (first at line %d)"):format(first.line)) end
      local g = { id = d.name, title = f.title, description = f.description, line = d.line,
                  controls = {} }
      cat.groups[#cat.groups + 1] = g
      cat.group_by_id[d.name] = g
    else
      check_id(file, d)
      local first = cat.by_id[d.name]
      if first then fail(file, d, nil, ("declared twice (first at line %d)"):format(first.line)) end
      check.string(file, d, "group", f.group)
      local c = { id = d.name, group = f.group, title = f.title, description = f.description,
                  line = d.line, decl = d }
      cat.controls[#cat.controls + 1] = c
      cat.by_id[d.name] = c
    end
  end
  if not head then
    error({ msg = file .. ":1: no control catalog declared; start with control_catalog \"name\" { ... }" })
  end
  -- Groups may be declared after their controls; check once all are known.
  for _, c in ipairs(cat.controls) do
    local g = cat.group_by_id[c.group]
    if not g then
      fail(file, c.decl, "group", ("no control_group named '%s'"):format(c.group))
    end
    g.controls[#g.controls + 1] = c.id
    c.decl = nil
  end
  for _, g in ipairs(cat.groups) do
    if #g.controls == 0 then
      fail(file, { kind = "control_group", name = g.id, line = g.line }, nil,
           "no control is in this group")
    end
  end
  if #cat.controls == 0 then
    fail(file, head, nil, "declares no controls; add control \"ID\" { group = ..., title = ... }")
  end
  return cat
end

local function run(fn, path, ...)
  local ok, result = pcall(fn, path, ...)
  if ok then return result end
  if type(result) == "table" then return nil, result.msg, "RULE" end
  error(result, 0)
end

--- Loads a control catalog by name (controls/NAME.lua on the rules path)
-- or path.
-- @tparam string name e.g. `"iso27001-2022"` or `"./sector.lua"`
-- @treturn table|nil `{ name, title, edition, description, reference, file,
--   groups = { { id, title, description, line, controls = { id, ... } } },
--   controls = { { id, group, title, description, line } },
--   by_id = { [id] = control }, group_by_id = { [id] = group } }`, in file order
-- @treturn string message `file:line: ...` on failure
-- @treturn string code `NOTFOUND` or `RULE`
function M.load(name)
  local path, err = rules.find("controls", name)
  if not path then return nil, err, "NOTFOUND" end
  local decls, eerr, code = rules.eval(path)
  if not decls then return nil, eerr, code end
  return run(validate_catalog, path, decls)
end

-- ------------------------------------------------------------- mappings

-- The catalog a mapping names in `from` or `to`: given by the caller, or
-- loaded by name or path.
local function catalog_for(file, head, field, name, given)
  if given then return given end
  local cat, err = M.load(name)
  if not cat then fail(file, head, field, ("catalog '%s' does not load: %s"):format(name, err)) end
  return cat
end

local function validate_mapping(file, decls, opts)
  local head
  for _, d in ipairs(decls) do
    local f = type(d.fields) == "table" and d.fields or {}
    local allowed = MAPPING_WORDS[d.kind]
    if not allowed then
      fail(file, d, nil, "not a control mapping word (" .. words_of(MAPPING_WORDS) .. ")")
    end
    check.fields(file, d, f, allowed)
    if d.kind == "control_mapping" then
      if head then
        fail(file, d, nil, ("a file declares one mapping (first at line %d)"):format(head.line))
      end
      head = d
    end
  end
  if not head then
    error({ msg = file .. ":1: no control mapping declared; start with control_mapping \"name\" "
            .. "{ from = ..., to = ... }" })
  end
  local hf = head.fields or {}
  check.string(file, head, "from", hf.from)
  check.string(file, head, "to", hf.to)
  check.string(file, head, "title", hf.title, true)
  check.string(file, head, "description", hf.description, true)
  check.string(file, head, "reference", hf.reference, true)
  local from = catalog_for(file, head, "from", hf.from, opts.from)
  local to = catalog_for(file, head, "to", hf.to, opts.to)

  local map = { name = head.name, title = hf.title, description = hf.description,
                reference = hf.reference, file = file, from = from, to = to,
                links = {}, removed = {}, new = {}, targets_of = {}, sources_of = {} }
  local pair_line, removed_by_id, new_by_id = {}, {}, {}
  for _, d in ipairs(decls) do
    local f = d.fields or {}
    if d.kind == "maps" then
      local src = d.name
      if not from.by_id[src] then
        fail(file, d, nil, ("no control '%s' in catalog '%s'"):format(src, from.name))
      end
      check.string(file, d, "note", f.note, true)
      local rel = f.relation
      if type(rel) ~= "string" or not RELATION_INDEX[rel] then
        fail(file, d, "relation", ("%s; expected one of %s"):format(
             rel == nil and "missing" or ("unknown relation '" .. tostring(rel) .. "'"),
             table.concat(M.RELATIONS, ", ")))
      end
      if removed_by_id[src] then
        fail(file, d, nil, ("already marked removed at line %d"):format(removed_by_id[src].line))
      end
      if rel == "removed" then
        if f.to ~= nil then
          fail(file, d, "to", "a removed control maps to nothing; drop `to` or choose another relation")
        end
        if map.targets_of[src] then
          fail(file, d, nil, ("marked removed, but mapped at line %d"):format(map.targets_of[src][1].line))
        end
        local r = { id = src, note = f.note, line = d.line }
        map.removed[#map.removed + 1] = r
        removed_by_id[src] = r
      else
        local targets = f.to
        if type(targets) == "string" then targets = { targets } end
        if type(targets) ~= "table" or #targets == 0 then
          fail(file, d, "to", "expected a control id or a list of them, e.g. to = { \"A.5.1\" }")
        end
        check.strings(file, d, "to", targets)
        for k, tgt in ipairs(targets) do
          local field = type(f.to) == "string" and "to" or ("to[%d]"):format(k)
          if not to.by_id[tgt] then
            fail(file, d, field, ("no control '%s' in catalog '%s'"):format(tgt, to.name))
          end
          local key = src .. "\0" .. tgt
          if pair_line[key] then
            fail(file, d, field, ("'%s' to '%s' already mapped at line %d"):format(src, tgt, pair_line[key]))
          end
          pair_line[key] = d.line
          local link = { from = src, to = tgt, relation = rel, note = f.note, line = d.line }
          map.links[#map.links + 1] = link
          map.targets_of[src] = map.targets_of[src] or {}
          table.insert(map.targets_of[src], link)
          map.sources_of[tgt] = map.sources_of[tgt] or {}
          table.insert(map.sources_of[tgt], link)
        end
      end
    elseif d.kind == "new_control" then
      local tgt = d.name
      check.string(file, d, "note", f.note, true)
      if not to.by_id[tgt] then
        fail(file, d, nil, ("no control '%s' in catalog '%s'"):format(tgt, to.name))
      end
      if new_by_id[tgt] then
        fail(file, d, nil, ("declared twice (first at line %d)"):format(new_by_id[tgt].line))
      end
      local n = { id = tgt, note = f.note, line = d.line }
      map.new[#map.new + 1] = n
      new_by_id[tgt] = n
    end
  end
  -- A target marked new must not also have a source (checked once every
  -- maps line is known, whatever the order).
  for _, n in ipairs(map.new) do
    local src = map.sources_of[n.id]
    if src then
      fail(file, { kind = "new_control", name = n.id, line = n.line }, nil,
           ("marked new, but maps '%s' at line %d leads to it"):format(src[1].from, src[1].line))
    end
  end
  -- Coverage: a mapping that lets a control fall through would drop it
  -- silently from a carried SoA, so every control must be accounted for.
  local unmapped, orphans = {}, {}
  for _, c in ipairs(from.controls) do
    if not map.targets_of[c.id] and not removed_by_id[c.id] then unmapped[#unmapped + 1] = c.id end
  end
  if #unmapped > 0 then
    fail(file, head, nil, ("%d control%s of '%s' %s not mapped: %s; add maps \"%s\" { to = ..., "
         .. "relation = ... } or relation = \"removed\""):format(#unmapped,
         #unmapped == 1 and "" or "s", from.name, #unmapped == 1 and "is" or "are",
         id_list(unmapped), unmapped[1]))
  end
  for _, c in ipairs(to.controls) do
    if not map.sources_of[c.id] and not new_by_id[c.id] then orphans[#orphans + 1] = c.id end
  end
  if #orphans > 0 then
    local one = #orphans == 1
    fail(file, head, nil, ("%d control%s of '%s' %s no source and %s not marked new: %s; add maps "
         .. "... { to = \"%s\" } or new_control \"%s\" {}"):format(#orphans, one and "" or "s",
         to.name, one and "has" or "have", one and "is" or "are", id_list(orphans), orphans[1],
         orphans[1]))
  end
  return map
end

--- Loads a mapping between two catalogs by name (mappings/NAME.lua on the
-- rules path) or path. The catalogs it names in `from` and `to` are
-- loaded the same way, unless given in `opts`.
-- @tparam string name e.g. `"iso27001-2013-to-2022"`
-- @tparam[opt] table opts `{ from = catalog, to = catalog }`, already loaded
-- @treturn table|nil `{ name, title, description, reference, file, from, to,
--   links = { { from, to, relation, note, line } },
--   removed = { { id, note, line } }, new = { { id, note, line } },
--   targets_of = { [from id] = { link, ... } }, sources_of = { [to id] = { link, ... } } }`
-- @treturn string message `file:line: ...` on failure
-- @treturn string code `NOTFOUND` or `RULE`
function M.load_mapping(name, opts)
  local path, err = rules.find("mappings", name)
  if not path then return nil, err, "NOTFOUND" end
  local decls, eerr, code = rules.eval(path)
  if not decls then return nil, eerr, code end
  return run(validate_mapping, path, decls, opts or {})
end

-- ------------------------------------------------------ what a mapping does

-- How one target control came to be: see M.carry.
local function change_of(map, id)
  local sources = map.sources_of[id]
  if not sources then return "new" end
  if #sources > 1 then return "merged" end
  local link = sources[1]
  if #map.targets_of[link.from] > 1 then return "split" end
  if link.relation ~= "equal" then return "rescoped" end
  return link.from == id and "same" or "renumbered"
end

--- What a mapping does to the controls, for a report.
-- @treturn table `{ same = { id }, renumbered = { { from, to } },
--   rescoped = { { from, to, relation } }, merged = { { to, from = { id, ... } } },
--   split = { { from, to = { id, ... } } }, new = { id }, removed = { { id, note } } }`,
--   each in catalog order. A control both merged and split is listed in both.
function M.changes(map)
  local r = { same = {}, renumbered = {}, rescoped = {}, merged = {}, split = {}, new = {},
              removed = {} }
  for _, c in ipairs(map.to.controls) do
    local change = change_of(map, c.id)
    local sources = map.sources_of[c.id]
    if change == "new" then
      r.new[#r.new + 1] = c.id
    elseif change == "merged" then
      local from = {}
      for k, link in ipairs(sources) do from[k] = link.from end
      r.merged[#r.merged + 1] = { to = c.id, from = from }
    elseif change == "same" then
      r.same[#r.same + 1] = c.id
    elseif change == "renumbered" then
      r.renumbered[#r.renumbered + 1] = { from = sources[1].from, to = c.id }
    elseif change == "rescoped" then
      r.rescoped[#r.rescoped + 1] = { from = sources[1].from, to = c.id,
                                      relation = sources[1].relation }
    end
  end
  for _, c in ipairs(map.from.controls) do
    local targets = map.targets_of[c.id]
    if targets and #targets > 1 then
      local to = {}
      for k, link in ipairs(targets) do to[k] = link.to end
      r.split[#r.split + 1] = { from = c.id, to = to }
    end
  end
  for _, rm in ipairs(map.removed) do r.removed[#r.removed + 1] = { id = rm.id, note = rm.note } end
  return r
end

--- Carries per-control entries (say, SoA decisions keyed by control id)
-- from the mapping's source edition to its target edition.
-- @tparam table map from M.load_mapping
-- @tparam table entries `{ [from id] = value }`; any values, passed through
-- @treturn table one row per control of the target catalog, in its order:
--   `{ id, group, title, change, sources = { { id, relation, note, entry } } }`,
--   where change is `same`, `renumbered`, `rescoped` (one source, scope
--   changed), `merged` (several sources), `split` (its source also went
--   elsewhere) or `new` (no source: decide afresh)
-- @treturn table the removed source controls:
--   `{ { id, title, note, entry } }`, in catalog order
function M.carry(map, entries)
  entries = entries or {}
  local rows = {}
  for _, c in ipairs(map.to.controls) do
    local sources = {}
    for k, link in ipairs(map.sources_of[c.id] or {}) do
      sources[k] = { id = link.from, relation = link.relation, note = link.note,
                     entry = entries[link.from] }
    end
    rows[#rows + 1] = { id = c.id, group = c.group, title = c.title,
                        change = change_of(map, c.id), sources = sources }
  end
  local removed = {}
  for _, rm in ipairs(map.removed) do
    removed[#removed + 1] = { id = rm.id, title = map.from.by_id[rm.id].title, note = rm.note,
                              entry = entries[rm.id] }
  end
  return rows, removed
end

--- Names of the control catalogs on the rules path (shipped editions and
-- an organisation's own).
function M.list() return rules.list("controls") end

--- Names of the mappings on the rules path.
function M.list_mappings() return rules.list("mappings") end

return M
