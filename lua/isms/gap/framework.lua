--- Frameworks and mapping sets in a register: importing a catalog (rule
-- file, CISO Assistant YAML, OSCAL JSON) or a mapping set (rule file,
-- CISO Assistant requirement_mapping_set) writes it in one batch, all or
-- nothing, replacing an earlier import of the same id; answers whose
-- requirement the new version lacks are kept and named.
local catalog = require "isms.gap.catalog"
local kinds = require "isms.gap.kinds"
local records = require "isms.store.records"
local rules = require "isms.rules"
local check = require "isms.rules.check"

local M = { methods = {} }
local R = M.methods

local function now() return os.date("!%Y-%m-%dT%H:%M:%SZ") end

local function b(v) return v and "1" or "0" end

--- Imports a requirement catalog into the register (a shipped name or a
-- file). Returns { framework, nodes, created, removed, lost = { answers } }
-- or nil, message, code.
function R:import_framework(name_or_path, opts)
  opts = opts or {}
  local cat, err, code = catalog.load(name_or_path)
  if not cat then return nil, err .. "\n" .. name_or_path .. ": rejected; nothing was stored", code end
  if opts.id then cat.id = opts.id end
  kinds.ensure(self)
  local old = {}
  for row in self:query("SELECT id, ref FROM requirements WHERE framework = ?1", cat.id) do
    old[row.ref] = row.id
  end
  local lost = {}
  for row in self:query("SELECT a.assessment, a.requirement FROM answers a JOIN assessments s "
      .. "ON s.id = a.assessment WHERE s.framework = ?1 ORDER BY 1, 2", cat.id) do
    if not cat.by_ref[row.requirement] then lost[#lost + 1] = row end
  end
  local existing = self:records("framework"):get(cat.id)
  local created, removed = 0, 0
  local rep, werr, wcode = records.run(self, opts.command or "requirements import", opts.reason,
    function(w)
      w.put("framework", { id = cat.id, title = cat.title, standard = cat.standard,
                           edition = cat.edition, version = cat.version, urn = cat.urn,
                           format = cat.format, source = cat.source, nodes = #cat.nodes,
                           imported_at = now() })
      for _, n in ipairs(cat.nodes) do
        if not old[n.ref] then created = created + 1 end
        w.put("requirement", {
          id = cat.id .. ":" .. n.ref, framework = cat.id, ref = n.ref,
          parent = n.parent or "", depth = n.depth, ord = n.order, title = n.title,
          text = n.text or "", assessable = b(n.assessable), mandatory = b(n.mandatory),
          groups = n.groups and table.concat(n.groups, "; ") or "", urn = n.urn or "",
          control = b(n.control) })
      end
      for ref, id in pairs(old) do
        if not cat.by_ref[ref] then
          removed = removed + 1
          w.delete("requirement", { id = id })
        end
      end
    end, cat.source)
  if not rep then return nil, werr, wcode end
  return { framework = cat.id, title = cat.title, nodes = #cat.nodes, created = created,
           removed = removed, replaced = existing ~= nil, lost = lost, batch = rep.batch }
end

-- ------------------------------------------------------------ mappings

local MAPPING_WORDS = {
  requirement_mapping = check.set { "from", "to", "title", "description" },
  maps = check.set { "to", "relation", "note" },
  new_requirement = check.set { "note" },
}
local RELATION = check.set(kinds.RELATIONS)

-- A mapping model: { id, title, from, to, pairs = { { source, target,
-- relation, note } }, source, format }.
local function mapping_from_rules(path, decls)
  local m, head = { pairs = {}, source = path, format = "rules" }, nil
  for _, d in ipairs(decls) do
    local f = type(d.fields) == "table" and d.fields or {}
    if not MAPPING_WORDS[d.kind] then
      check.fail(path, d, nil, "not a requirement mapping word (requirement_mapping, maps, "
                 .. "new_requirement)")
    end
    check.fields(path, d, f, MAPPING_WORDS[d.kind])
    if d.kind == "requirement_mapping" then
      if head then check.fail(path, d, nil, "a file declares one mapping") end
      head = d
      check.string(path, d, "from", f.from)
      check.string(path, d, "to", f.to)
      m.id, m.title, m.from, m.to = d.name, f.title, f.from, f.to
    elseif not head then
      check.fail(path, d, nil, "declare requirement_mapping \"ID\" { from = ..., to = ... } first")
    elseif d.kind == "maps" then
      check.string(path, d, "to", f.to)
      if not RELATION[f.relation or ""] then
        check.fail(path, d, "relation", "expected " .. table.concat(kinds.RELATIONS, ", "))
      end
      m.pairs[#m.pairs + 1] = { source = d.name, target = f.to, relation = f.relation,
                                note = f.note, line = d.line }
    else
      m.pairs[#m.pairs + 1] = { source = "*", target = d.name, relation = "none", note = f.note,
                                line = d.line }
    end
  end
  if not head then catalog.fault(path, nil, "no requirement_mapping declaration") end
  return m
end

local function mapping_from_ciso(path, doc, reg)
  local set = doc.objects.requirement_mapping_set
  if type(set) ~= "table" or type(set.requirement_mappings) ~= "table" then
    catalog.fault(path, nil, "objects.requirement_mapping_set has no requirement_mappings list")
  end
  local m = { id = catalog.urn_tail(set.urn) or catalog.urn_tail(doc.urn), title = set.name,
              from = catalog.urn_tail(set.source_framework_urn),
              to = catalog.urn_tail(set.target_framework_urn),
              pairs = {}, source = path, format = "ciso" }
  if type(doc.ref_id) == "string" then m.id = doc.ref_id end
  -- URNs of requirement nodes to refs: by the stored urn, else by the
  -- URN's tail compared with the ref (any case).
  local function resolver(framework)
    local by_urn, by_lower = {}, {}
    for row in reg:query("SELECT ref, urn FROM requirements WHERE framework = ?1", framework) do
      if row.urn then by_urn[row.urn] = row.ref end
      by_lower[row.ref:lower()] = row.ref
    end
    return function(urn)
      return by_urn[urn] or by_lower[(catalog.urn_tail(urn) or ""):lower()]
    end
  end
  local from_ref, to_ref = resolver(m.from), resolver(m.to)
  for k, p in ipairs(set.requirement_mappings) do
    if type(p) ~= "table" then catalog.fault(path, k, "a mapping that is not a mapping") end
    local s = from_ref(p.source_requirement_urn)
    local t = to_ref(p.target_requirement_urn)
    if not s then
      catalog.fault(path, tostring(p.source_requirement_urn), ("not a requirement of %s"):format(m.from))
    end
    if not t then
      catalog.fault(path, tostring(p.target_requirement_urn), ("not a requirement of %s"):format(m.to))
    end
    if not RELATION[p.relationship or ""] then
      catalog.fault(path, s, ("relationship '%s' is not one of %s"):format(tostring(p.relationship),
                    table.concat(kinds.RELATIONS, ", ")))
    end
    m.pairs[#m.pairs + 1] = { source = s, target = t, relation = p.relationship,
                              note = type(p.rationale) == "string" and p.rationale or nil }
  end
  return m
end

local function check_mapping(m, reg)
  local path = m.source
  for _, which in ipairs({ "from", "to" }) do
    if not reg:records("framework"):get(m[which] or "") then
      catalog.fault(path, nil, ("%s framework '%s' is not in the register; import it first "
        .. "(isms requirements import NAME|FILE)"):format(which, tostring(m[which])))
    end
  end
  local refs = {}
  for _, which in ipairs({ "from", "to" }) do
    refs[which] = {}
    for row in reg:query("SELECT ref FROM requirements WHERE framework = ?1", m[which]) do
      refs[which][row.ref] = true
    end
  end
  local seen = {}
  for _, p in ipairs(m.pairs) do
    if p.source ~= "*" and not refs.from[p.source] then
      catalog.fault(path, p.source, ("not a requirement of %s"):format(m.from), p.line)
    end
    if not refs.to[p.target] then
      catalog.fault(path, p.target, ("maps to '%s', which is not a requirement of %s")
                    :format(p.target, m.to), p.line)
    end
    local key = p.source .. " -> " .. p.target
    if seen[key] then catalog.fault(path, p.source, "mapped to " .. p.target .. " twice", p.line) end
    seen[key] = true
  end
  if type(m.id) ~= "string" or not m.id:match("^[%w][%w%._%-]*$") then
    catalog.fault(path, nil, "the mapping set has no usable id")
  end
  return m
end

--- Imports a mapping set (a shipped name under rules/requirement-mappings,
-- a rule file, or a CISO Assistant mapping library); both frameworks must
-- be in the register. Returns { mapping, pairs } or nil, message, code.
function R:import_mapping(name_or_path, opts)
  opts = opts or {}
  local path = name_or_path
  if not (path:find("/", 1, true) or path:match("%.%w+$")) then
    local found, err = rules.find("requirement-mappings", path)
    if not found then return nil, err, "NOTFOUND" end
    path = found
  end
  kinds.ensure(self)
  local kindof, doc, code = catalog.sniff(path)
  if not kindof then return nil, doc, code end
  local m, err
  if kindof == "rules" then
    local decls, eerr, ecode = rules.eval(path)
    if not decls then return nil, eerr, ecode end
    m, err = catalog.run(mapping_from_rules, path, decls)
  elseif kindof == "ciso_mapping" then
    m, err = catalog.run(mapping_from_ciso, path, doc, self)
  else
    return nil, path .. ": a framework, not a mapping set; import it with isms requirements import",
      "INPUT"
  end
  if m then m, err = catalog.run(check_mapping, m, self) end
  if not m then return nil, err .. "\n" .. path .. ": rejected; nothing was stored", "INPUT" end
  local old = {}
  for row in self:query("SELECT id FROM requirement_maps WHERE mapping = ?1", m.id) do
    old[row.id] = true
  end
  local rep, werr, wcode = records.run(self, opts.command or "requirements import", opts.reason,
    function(w)
      w.put("requirement_mapping", { id = m.id, title = m.title or "", source_framework = m.from,
        target_framework = m.to, format = m.format, source = path, pairs = #m.pairs,
        imported_at = now() })
      local keep = {}
      for _, p in ipairs(m.pairs) do
        local id = m.id .. ":" .. p.source .. " -> " .. p.target
        keep[id] = true
        w.put("requirement_map", { id = id, mapping = m.id, source_ref = p.source,
                                   target_ref = p.target, relation = p.relation, note = p.note or "" })
      end
      for id in pairs(old) do
        if not keep[id] then w.delete("requirement_map", { id = id }) end
      end
    end, path)
  if not rep then return nil, werr, wcode end
  return { mapping = m.id, from = m.from, to = m.to, pairs = #m.pairs, batch = rep.batch }
end

--- Imports whatever FILE holds: a framework or a mapping set.
function R:import_requirements(name_or_path, opts)
  local path = name_or_path
  local is_mapping = false
  if path:match("%.ya?ml$") then
    local kindof = catalog.sniff(path)
    is_mapping = kindof == "ciso_mapping"
  elseif path:match("%.lua$") then
    local text = catalog.read_file(path) or ""
    is_mapping = text:find("requirement_mapping%s*[\"']") ~= nil
  elseif not path:find("/", 1, true) and not path:match("%.%w+$") then
    is_mapping = rules.find("requirement-mappings", path) ~= nil
      and not rules.find("requirements", path)
  end
  if is_mapping then return self:import_mapping(path, opts) end
  return self:import_framework(path, opts)
end

--- The frameworks in the register, with their assessable counts.
function R:frameworks()
  local list = self:records("framework"):list()
  for _, f in ipairs(list) do
    for row in self:query("SELECT count(*) AS n FROM requirements WHERE framework = ?1 "
        .. "AND assessable = 1", f.id) do
      f.assessable = tonumber(row.n)
    end
  end
  return list
end

--- The requirements of a framework, in catalog order (typed rows).
function R:requirements(framework)
  local list = {}
  local reqs = self:records("requirement")
  for raw in self:query("SELECT id FROM requirements WHERE framework = ?1 ORDER BY ord",
                        framework) do
    list[#list + 1] = raw.id
  end
  for k, id in ipairs(list) do list[k] = reqs:get(id) end
  return list
end

--- The pairs of the mapping sets between two frameworks, either way
-- (reversed pairs have source and target swapped and subset/superset
-- exchanged): { { source, target, relation, note, mapping } }.
function R:mapping_pairs(from, to)
  local out = {}
  local SWAP = { subset = "superset", superset = "subset" }
  for row in self:query("SELECT m.mapping, m.source_ref, m.target_ref, m.relation, m.note, "
      .. "s.source_framework AS sf FROM requirement_maps m JOIN requirement_mappings s "
      .. "ON s.id = m.mapping WHERE (s.source_framework = ?1 AND s.target_framework = ?2) "
      .. "OR (s.source_framework = ?2 AND s.target_framework = ?1) ORDER BY m.id", from, to) do
    if row.sf == from then
      out[#out + 1] = { source = row.source_ref, target = row.target_ref, relation = row.relation,
                        note = row.note, mapping = row.mapping }
    elseif row.source_ref ~= "*" then
      out[#out + 1] = { source = row.target_ref, target = row.source_ref,
                        relation = SWAP[row.relation] or row.relation, note = row.note,
                        mapping = row.mapping }
    end
  end
  return out
end

require("isms.store.register").extend(M.methods)

return M
