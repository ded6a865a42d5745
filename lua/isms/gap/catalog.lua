--- Requirement catalogs: the frameworks a gap analysis assesses against.
--
-- One model whatever the source: { id, title, standard, edition, version,
-- urn, source, format, nodes = { { ref, parent, title, text, assessable,
-- mandatory, groups, urn, line } } in document order, by_ref }. Three
-- sources read into it, each checked the same way (duplicate ids, missing
-- parents, parent cycles, size limits), each fault naming the file and
-- the node:
--   * rule files (rules/requirements/, the sandboxed loader): words
--     requirement_catalog and requirement; `annex_controls` adds a shipped
--     control catalog's groups and controls as assessable nodes under "A";
--   * CISO Assistant framework libraries (YAML, objects.framework.
--     requirement_nodes: urn, ref_id, parent_urn, depth, assessable,
--     implementation_groups, annotation);
--   * OSCAL catalogs and resolved profiles (JSON: groups, controls,
--     enhancements; statement parts become the node's text, parameters
--     shown as [Assignment: ...] / [Selection: ...]).
local rules = require "isms.rules"
local check = require "isms.rules.check"
local controls = require "isms.treat.controls"

local M = {}

M.MAX_NODES = 200000          -- a catalog larger than this is refused
M.MAX_FILE_BYTES = 64 * 1024 * 1024
M.REF_MAX = 128

-- A fault: { msg = "FILE: node 'REF': reason" } (or FILE:LINE for rule files).
local function fault(file, node, reason, line)
  local where = file .. (line and (":" .. line) or "")
  error({ msg = ("%s: %s%s"):format(where, node and ("node '" .. tostring(node) .. "': ") or "",
                                    reason) }, 0)
end

local function trim(s) return (tostring(s):gsub("^%s+", ""):gsub("%s+$", "")) end

-- Collapses runs of white space (YAML folded text, OSCAL prose).
local function squash(s)
  if s == nil then return nil end
  s = trim(tostring(s):gsub("%s+", " "))
  return s ~= "" and s or nil
end

--- Checks a catalog model in place: refs, duplicates, parents, cycles,
-- size; sets depth and order. Raises a fault naming file and node.
function M.validate(cat)
  local file = cat.source or cat.id
  if type(cat.id) ~= "string" or not cat.id:match("^[%w][%w%._%-]*$") or #cat.id > 64 then
    fault(file, nil, ("catalog id '%s' must be up to 64 letters, digits, '.', '_' or '-'")
          :format(tostring(cat.id)))
  end
  if #cat.nodes == 0 then fault(file, nil, "the catalog has no requirements") end
  if #cat.nodes > M.MAX_NODES then
    fault(file, nil, ("%d requirements; at most %d are accepted"):format(#cat.nodes, M.MAX_NODES))
  end
  local by_ref = {}
  for k, n in ipairs(cat.nodes) do
    if type(n.ref) ~= "string" or n.ref == "" then fault(file, k, "no id", n.line) end
    if #n.ref > M.REF_MAX or n.ref:find("[%c;]") or n.ref:find(" / ", 1, true) then
      fault(file, n.ref, ("not an id: at most %d characters, no control characters, ';' "
            .. "or ' / '"):format(M.REF_MAX), n.line)
    end
    if by_ref[n.ref] then
      local first = by_ref[n.ref]
      fault(file, n.ref, "the id appears twice" .. (first.line and (" (first at line "
            .. first.line .. ")") or ""), n.line)
    end
    for _, g in ipairs(n.groups or {}) do
      if type(g) ~= "string" then
        fault(file, n.ref, "a group that is not a name: " .. tostring(g), n.line)
      end
    end
    n.title = squash(n.title) or n.ref
    n.order = k
    by_ref[n.ref] = n
  end
  for _, n in ipairs(cat.nodes) do
    if n.parent ~= nil and not by_ref[n.parent] then
      fault(file, n.ref, ("its parent '%s' is not in the catalog"):format(n.parent), n.line)
    end
  end
  -- Depth by walking up; a walk longer than the catalog is a cycle.
  for _, n in ipairs(cat.nodes) do
    local depth, p, seen = 1, n, {}
    while p.parent do
      if seen[p.ref] then
        local path = { n.ref }
        local q = by_ref[n.parent]
        while q and #path < 8 do
          path[#path + 1] = q.ref
          if q.ref == n.ref then break end
          q = by_ref[q.parent]
        end
        fault(file, n.ref, "its parents form a cycle: " .. table.concat(path, " -> "), n.line)
      end
      seen[p.ref] = true
      p = by_ref[p.parent]
      depth = depth + 1
    end
    n.depth = depth
  end
  -- A node is assessable unless told otherwise when it has no children.
  local has_children = {}
  for _, n in ipairs(cat.nodes) do if n.parent then has_children[n.parent] = true end end
  for _, n in ipairs(cat.nodes) do
    if n.assessable == nil then n.assessable = not has_children[n.ref] end
  end
  cat.by_ref = by_ref
  return cat
end

local function run(fn, ...)
  local ok, result = pcall(fn, ...)
  if ok then return result end
  if type(result) == "table" and result.msg then return nil, result.msg, "INPUT" end
  error(result, 0)
end

-- ------------------------------------------------------------ rule files

local WORDS = {
  requirement_catalog = check.set { "title", "standard", "edition", "version", "description",
                                    "annex_controls", "urn_prefix", "mandatory" },
  requirement = check.set { "parent", "title", "text", "assessable", "mandatory", "groups" },
}

local function from_rule_file(path, decls)
  local cat, head = { nodes = {}, source = path, format = "rules" }, nil
  for _, d in ipairs(decls) do
    local f = type(d.fields) == "table" and d.fields or {}
    if not WORDS[d.kind] then
      check.fail(path, d, nil, "not a requirement catalog word (requirement_catalog, requirement)")
    end
    check.fields(path, d, f, WORDS[d.kind])
    if d.kind == "requirement_catalog" then
      if head then
        check.fail(path, d, nil, ("a file declares one catalog (first at line %d)"):format(head.line))
      end
      head = d
      check.string(path, d, "title", f.title)
      cat.id, cat.title, cat.standard, cat.edition = d.name, f.title, f.standard, f.edition
      cat.version, cat.description = f.version and tostring(f.version), f.description
      cat.urn_prefix, cat.annex_controls = f.urn_prefix, f.annex_controls
      cat.mandatory = f.mandatory ~= false
    else
      if not head then check.fail(path, d, nil, "declare requirement_catalog \"ID\" { ... } first") end
      check.string(path, d, "title", f.title)
      check.string(path, d, "parent", f.parent, true)
      check.string(path, d, "text", f.text, true)
      for _, flag in ipairs({ "assessable", "mandatory" }) do
        if f[flag] ~= nil and type(f[flag]) ~= "boolean" then
          check.fail(path, d, flag, "expected true or false")
        end
      end
      check.strings(path, d, "groups", f.groups, true)
      cat.nodes[#cat.nodes + 1] = { ref = d.name, parent = f.parent, title = f.title, text = f.text,
        assessable = f.assessable, mandatory = f.mandatory, groups = f.groups, line = d.line }
    end
  end
  if not head then fault(path, nil, "no requirement_catalog declaration") end
  for _, n in ipairs(cat.nodes) do
    if n.mandatory == nil then n.mandatory = cat.mandatory end
  end
  if cat.annex_controls then
    local controls_cat, err = controls.load(cat.annex_controls)
    if not controls_cat then
      check.fail(path, head, "annex_controls", ("control catalog '%s' does not load: %s")
                 :format(cat.annex_controls, err))
    end
    cat.nodes[#cat.nodes + 1] = { ref = "A", title = controls_cat.title, assessable = false,
                                  mandatory = false, groups = { "Annex A" } }
    for _, g in ipairs(controls_cat.groups) do
      cat.nodes[#cat.nodes + 1] = { ref = g.id, parent = "A", title = g.title, assessable = false,
                                    mandatory = false, groups = { "Annex A" } }
    end
    for _, c in ipairs(controls_cat.controls) do
      cat.nodes[#cat.nodes + 1] = { ref = c.id, parent = c.group, title = c.title,
                                    text = c.description, assessable = true, mandatory = false,
                                    control = true, groups = { "Annex A" } }
    end
  end
  if cat.urn_prefix then
    for _, n in ipairs(cat.nodes) do n.urn = cat.urn_prefix .. n.ref:lower() end
  end
  return M.validate(cat)
end

-- ------------------------------------------------------------ CISO Assistant

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local size = f:seek("end")
  if size and size > M.MAX_FILE_BYTES then
    f:close()
    return nil, ("%s: %d bytes; files over %d MB are refused"):format(path, size,
                                                                        M.MAX_FILE_BYTES / 2 ^ 20)
  end
  f:seek("set")
  local text = f:read("*a")
  f:close()
  return text
end

-- The id a URN ends with: "urn:intuitem:risk:framework:iso27001-2022" -> "iso27001-2022".
function M.urn_tail(urn) return type(urn) == "string" and urn:match("([^:]+)$") or nil end

local function scalar(v)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return (("%.15g"):format(v)) end
  return nil
end

local function from_ciso(path, doc)
  local objects = type(doc) == "table" and doc.objects
  local fw = type(objects) == "table" and objects.framework
  if type(fw) ~= "table" then
    fault(path, nil, "not a CISO Assistant framework library (no objects.framework)")
  end
  local list = fw.requirement_nodes
  if type(list) ~= "table" then fault(path, nil, "objects.framework has no requirement_nodes list") end
  local id = M.urn_tail(fw.urn) or M.urn_tail(doc.urn) or scalar(fw.ref_id)
  local cat = { id = id, title = squash(fw.name or doc.name) or id, source = path, format = "ciso",
                urn = fw.urn, version = scalar(doc.version), standard = scalar(fw.ref_id),
                description = squash(fw.description), nodes = {} }
  if #list > M.MAX_NODES then
    fault(path, nil, ("%d requirements; at most %d are accepted"):format(#list, M.MAX_NODES))
  end
  local ref_of_urn, used = {}, {}
  for k, n in ipairs(list) do
    if type(n) ~= "table" then fault(path, k, "a requirement node must be a mapping") end
    local urn = scalar(n.urn)
    if not urn then fault(path, k, "a requirement node without a urn") end
    -- Nodes without a ref_id (headings, notes) take the end of their URN.
    local ref = trim(scalar(n.ref_id) or M.urn_tail(urn))
    if used[ref] then ref = M.urn_tail(urn) end  -- a repeated ref_id: the urn is unique
    if ref_of_urn[urn] then fault(path, ref, "the urn " .. urn .. " appears twice") end
    ref_of_urn[urn] = ref
    used[ref] = true
    local groups = n.implementation_groups
    if scalar(groups) then groups = { groups } end  -- one group written without a list
    if groups ~= nil then
      if type(groups) ~= "table" then
        fault(path, ref, "implementation_groups must be a list of group ids")
      end
      for _, g in ipairs(groups) do
        if not scalar(g) then
          fault(path, ref, "implementation_groups must be a list of group ids, got "
                .. (type(g) == "table" and "a nested list or mapping" or tostring(g)))
        end
      end
      local ids = {}
      for j, g in ipairs(groups) do ids[j] = scalar(g) end
      groups = #ids > 0 and ids or nil
    end
    local assessable = n.assessable
    if assessable ~= nil and type(assessable) ~= "boolean" then
      fault(path, ref, "assessable must be true or false")
    end
    cat.nodes[k] = { ref = ref, urn = urn, parent_urn = scalar(n.parent_urn),
                     title = squash(scalar(n.name)) or squash(scalar(n.description)) or ref,
                     text = squash(scalar(n.description)) or squash(scalar(n.annotation)),
                     assessable = assessable == true, groups = groups, mandatory = true }
  end
  for _, n in ipairs(cat.nodes) do
    if n.parent_urn then
      n.parent = ref_of_urn[n.parent_urn]
      if not n.parent then
        fault(path, n.ref, ("its parent %s is not in the framework"):format(n.parent_urn))
      end
    end
    n.parent_urn = nil
  end
  return M.validate(cat)
end

-- ------------------------------------------------------------ OSCAL

local function props_value(list, name)
  if type(list) ~= "table" then return nil end
  for _, p in ipairs(list) do
    if type(p) == "table" and p.name == name and p.class ~= "zero-padded" then
      return scalar(p.value)
    end
  end
end

local function param_text(params, id)
  local p = params[id]
  if not p then return "[" .. id .. "]" end
  if type(p.select) == "table" and type(p.select.choice) == "table" then
    local choices = {}
    for _, c in ipairs(p.select.choice) do choices[#choices + 1] = squash(scalar(c)) or "?" end
    return "[Selection: " .. table.concat(choices, "; ") .. "]"
  end
  return "[Assignment: " .. (squash(scalar(p.label)) or id) .. "]"
end

local function prose(text, params)
  if type(text) ~= "string" then return nil end
  return (text:gsub("{{%s*insert:%s*param,%s*([%w%._%-]+)%s*}}", function(id)
    return param_text(params, id)
  end))
end

-- The statement part of a control as one text: "a. ...; 1. ...".
local function statement(parts, params, out)
  for _, part in ipairs(type(parts) == "table" and parts or {}) do
    if type(part) == "table" and (part.name == "statement" or part.name == "item") then
      local label = props_value(part.props, "label")
      local p = prose(part.prose, params)
      if p then out[#out + 1] = (label and (label .. " ") or "") .. p end
      statement(part.parts, params, out)
    end
  end
  return out
end

local function from_oscal(path, doc)
  if type(doc) ~= "table" then fault(path, nil, "not an OSCAL document") end
  if doc.profile and not doc.catalog then
    fault(path, nil, "an OSCAL profile that is not resolved; resolve it against its catalog "
          .. "first (e.g. oscal-cli profile resolve) and import the resulting catalog")
  end
  local c = doc.catalog
  if type(c) ~= "table" then fault(path, nil, "not an OSCAL catalog (no catalog object)") end
  local meta = type(c.metadata) == "table" and c.metadata or {}
  local title = squash(scalar(meta.title)) or "OSCAL catalog"
  local id = title:lower():gsub("[^%w]+", "-"):gsub("^%-+", ""):gsub("%-+$", ""):sub(1, 64)
  local cat = { id = id, title = title, version = scalar(meta.version), urn = scalar(c.uuid),
                source = path, format = "oscal", nodes = {} }
  local count, seen = 0, {}
  local function add(node)
    count = count + 1
    if count > M.MAX_NODES then
      fault(path, nil, ("more than %d requirements; at most %d are accepted"):format(M.MAX_NODES,
            M.MAX_NODES))
    end
    cat.nodes[#cat.nodes + 1] = node
  end
  local function controls_of(list, parent, params_in)
    for _, ctl in ipairs(type(list) == "table" and list or {}) do
      if type(ctl) ~= "table" or type(ctl.id) ~= "string" then
        fault(path, parent, "a control without an id")
      end
      local params = setmetatable({}, { __index = params_in })
      for _, p in ipairs(type(ctl.params) == "table" and ctl.params or {}) do
        if type(p) == "table" and p.id then params[p.id] = p end
      end
      local ref = props_value(ctl.props, "label") or ctl.id
      if seen[ref] then ref = ctl.id end
      seen[ref] = true
      local withdrawn = props_value(ctl.props, "status") == "withdrawn"
      add({ ref = ref, parent = parent, title = squash(scalar(ctl.title)) or ref, urn = ctl.id,
            text = squash(table.concat(statement(ctl.parts, params, {}), " ")),
            assessable = not withdrawn, mandatory = true, groups = { scalar(ctl.class) } })
      controls_of(ctl.controls, ref, params)   -- enhancements
    end
  end
  local function groups_of(list, parent)
    for _, g in ipairs(type(list) == "table" and list or {}) do
      if type(g) ~= "table" then fault(path, parent, "a group that is not an object") end
      local ref = props_value(g.props, "label") or scalar(g.id) or squash(scalar(g.title))
      if not ref then fault(path, parent, "a group without an id or title") end
      if seen[ref] and scalar(g.id) then ref = scalar(g.id) end
      seen[ref] = true
      add({ ref = ref, parent = parent, title = squash(scalar(g.title)) or ref, urn = scalar(g.id),
            assessable = false, mandatory = true, groups = { scalar(g.class) } })
      groups_of(g.groups, ref)
      controls_of(g.controls, ref, {})
    end
  end
  groups_of(c.groups, nil)
  controls_of(c.controls, nil, {})
  return M.validate(cat)
end

-- ------------------------------------------------------------ loading

--- A YAML document as Lua data (libyaml in the core, decoded as JSON),
-- or nil and "line:col: not valid YAML: reason".
function M.yaml(text)
  local b = require "isms.store._ffi"
  local json_out, err_out = b.ffi.new("char *[1]"), b.ffi.new("char *[1]")
  local rc = b.C.isms_yaml_to_json(text, #text, json_out, err_out)
  local json, err = b.str(json_out[0]), b.str(err_out[0])
  b.C.isms_free(json_out[0])
  b.C.isms_free(err_out[0])
  if rc ~= 0 then
    local pos, why = (err or ""):match("^(%d+:%d+): (.*)$")
    return nil, ("%s: not valid YAML: %s"):format(pos or "1:1", why or err or "unreadable")
  end
  local doc = require("cjson.safe").decode(json)
  if doc == nil then return nil, "1:1: not valid YAML: too deeply nested" end
  return doc
end

--- What a file is: "rules" (.lua), "ciso" (YAML with objects.framework),
-- "ciso_mapping" (YAML with objects.requirement_mapping_set), "oscal"
-- (JSON with catalog or profile); with the decoded document.
function M.sniff(path)
  if path:match("%.lua$") then return "rules" end
  local text, err = read_file(path)
  if not text then return nil, err, "IO" end
  if text:match("^%s*{") then
    local cjson = require "cjson.safe"
    local doc, jerr = cjson.decode(text)
    if doc == nil then return nil, ("%s: not valid JSON: %s"):format(path, tostring(jerr)), "INPUT" end
    return "oscal", doc
  end
  local doc, yerr = M.yaml(text)
  if doc == nil then return nil, ("%s:%s"):format(path, yerr), "INPUT" end
  if type(doc) ~= "table" then return nil, path .. ": not a framework or mapping file", "INPUT" end
  local objects = type(doc.objects) == "table" and doc.objects or {}
  if objects.framework then return "ciso", doc end
  if objects.requirement_mapping_set then return "ciso_mapping", doc end
  return nil, path .. ": a YAML file without objects.framework or objects.requirement_mapping_set;"
    .. " expected a CISO Assistant framework or mapping library", "INPUT"
end

--- Loads a catalog from a shipped name (rules/requirements/NAME.lua) or
-- a file: a rule file, a CISO Assistant framework (YAML) or an OSCAL
-- catalog (JSON). Returns the model, or nil, message, code.
function M.load(name_or_path)
  local path = name_or_path
  if not (path:find("/", 1, true) or path:match("%.%w+$")) then
    local found, err = rules.find("requirements", path)
    if not found then return nil, err, "NOTFOUND" end
    path = found
  end
  local kind, doc, code = M.sniff(path)
  if not kind then return nil, doc, code end
  if kind == "rules" then
    local decls, err, ecode = rules.eval(path)
    if not decls then return nil, err, ecode end
    return run(from_rule_file, path, decls)
  end
  if kind == "ciso" then return run(from_ciso, path, doc) end
  if kind == "oscal" then return run(from_oscal, path, doc) end
  return nil, path .. ": a requirement mapping set, not a framework; import it as a mapping", "INPUT"
end

--- The names of the shipped requirement catalogs.
function M.list() return rules.list("requirements") end

M.read_file = read_file
M.fault = fault
M.run = run

return M
