--- CISO Assistant risk matrices as isms methodologies.
-- Converts one `risk_matrix` of a CISO Assistant library (YAML) into a
-- methodology rule file (docs/risk-rules.md): probability and impact become
-- scales (tier value = id + 1), the risks become risk levels, lowest first,
-- and the grid becomes a risk_matrix whose cells are level names.
--
-- Input is checked, never guessed at: a fault is reported as
-- "SOURCE: what is wrong". Entries are counted from 1 ("impact entry 2"),
-- ids and grid positions from 0, as in the YAML (`grid[p][i]`). A risk's
-- hexcolor must be #RRGGBB or #RGB (written out as upper-case #RRGGBB);
-- anything else is an error. Probability and impact colours are dropped:
-- scales have no colour field.
local lyaml = require "lyaml"

local M = {}

local MAX_TIERS = 15   -- a scale's limit (docs/rule-files.md)

-- ------------------------------------------------------------ faults

local Fault = {}   -- metatable that tells a fault in the input from a bug

local function fault(fmt, ...)
  error(setmetatable({ msg = fmt:format(...) }, Fault), 0)
end

-- --------------------------------------------------------- YAML values

-- A scalar as text: strings as they are, whole numbers without a fraction
-- (YAML reads `abbreviation: 1` as a number). Null, booleans and tables
-- count as absent.
local function scalar(v)
  if type(v) == "string" then return v end
  if type(v) == "number" and v == v and v - v == 0 then
    if v == math.floor(v) and math.abs(v) < 2^53 then return ("%d"):format(v) end
    return ("%.17g"):format(v)
  end
  return nil
end

-- Collapses runs of white space (line breaks too) and trims: for names.
local function squash(s)
  return (s:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

local function is_list(t)
  if type(t) ~= "table" or t == lyaml.null then return false end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  for i = 1, n do
    if t[i] == nil then return false end
  end
  return true
end

-- A value as a message shows it.
local function show(v)
  if v == nil or v == lyaml.null then return "nothing" end
  if type(v) == "string" then return ("'%s'"):format(v) end
  if type(v) == "number" then return tostring(v) end
  if type(v) ~= "table" then return "a " .. type(v) end
  if next(v) == nil then return "an empty list" end
  return is_list(v) and "a list" or "a mapping"
end

--- The text of obj[field] in language lang: translations[lang][field] when
-- given and not blank, else the base field; nil if neither is given.
local function text(obj, field, lang)
  local tr = type(obj.translations) == "table" and obj.translations[lang]
  local s = type(tr) == "table" and scalar(tr[field]) or nil
  if not s or not s:find("%S") then s = scalar(obj[field]) end
  return s
end

-- ------------------------------------------------------------- output

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

--- A Lua string literal for s (valid UTF-8 in, valid UTF-8 out): quotes,
-- backslashes and control characters escaped, other bytes as they are.
local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return ESCAPES[c] or ("\\%03d"):format(c:byte())
  end) .. '"'
end

-- Text safe inside a `--` comment: a line break would end it.
local function comment(s)
  return (s:gsub("%c", " "))
end

-- ------------------------------------------------------------ entries

--- The entries of one axis ("probability", "impact" or "risk") in id order,
-- each { id, label, description, abbreviation, hexcolor }; checks that the
-- ids run 0..n-1.
local function entries(mx, axis, lang)
  local list = mx[axis]
  if list == nil or list == lyaml.null then fault("the matrix has no %s list", axis) end
  if not is_list(list) then fault("%s: expected a list of entries, got %s", axis, show(list)) end
  if #list == 0 then fault("%s is empty", axis) end
  -- A list whose entries give no id at all is ordered by position, as CISO
  -- Assistant orders it; ids given to some entries only are an error.
  local by_position = true
  for _, e in ipairs(list) do
    if type(e) == "table" and e ~= lyaml.null and e.id ~= nil then by_position = false end
  end
  local out = { by_position = by_position }
  for k, e in ipairs(list) do
    local at = ("%s entry %d"):format(axis, k)
    if type(e) ~= "table" or e == lyaml.null then
      fault("%s: expected a mapping with id and name, got %s", at, show(e))
    end
    local id = e.id
    if by_position then id = k - 1 end
    if type(id) ~= "number" or id ~= math.floor(id) then
      fault("%s: id must be a whole number, got %s", at, show(id))
    end
    if id < 0 or id >= #list then
      fault("%s: id %d is out of range; the %d %s ids must run 0..%d", at, id, #list, axis, #list - 1)
    end
    if out[id + 1] then
      fault("%s: id %d is already used by %s entry %d", at, id, axis, out[id + 1].entry)
    end
    at = ("%s id %d"):format(axis, id)
    local name = text(e, "name", lang)
    name = name and squash(name)
    if not name or name == "" then fault("%s: no name", at) end
    local abbreviation = scalar(e.abbreviation)
    abbreviation = abbreviation and squash(abbreviation)
    out[id + 1] = {
      id = id, entry = k, at = at, label = name,
      description = text(e, "description", lang),
      abbreviation = abbreviation ~= "" and abbreviation or nil,
      hexcolor = e.hexcolor,
    }
  end
  return out
end

--- Makes labels unique, ignoring case, and not numbers (the loader reads
-- "3" or "inf" as a number). Entries whose label is shared or numeric get
-- " (abbreviation)", else " (id N)", in id order. Returns notes for the
-- header, one per renamed entry.
local function unique_labels(list)
  local count, taken = {}, {}
  for _, e in ipairs(list) do
    local key = e.label:lower()
    count[key] = (count[key] or 0) + 1
  end
  for _, e in ipairs(list) do
    e.keep = count[e.label:lower()] == 1 and tonumber(e.label) == nil
    if e.keep then taken[e.label:lower()] = true end
  end
  local notes = {}
  for _, e in ipairs(list) do
    if not e.keep then
      local tries = { ("%s (id %d)"):format(e.label, e.id) }
      if e.abbreviation then table.insert(tries, 1, ("%s (%s)"):format(e.label, e.abbreviation)) end
      local name
      for _, try in ipairs(tries) do
        if not taken[try:lower()] then name = try; break end
      end
      local n = 2
      while not name do
        local try = ("%s (id %d, %d)"):format(e.label, e.id, n)
        if not taken[try:lower()] then name = try end
        n = n + 1
      end
      taken[name:lower()] = true
      notes[#notes + 1] = ("%s: '%s' %s; written as '%s'"):format(e.at, e.label,
        tonumber(e.label) and "reads as a number" or "is shared with another entry", name)
      e.label = name
    end
    e.keep = nil
  end
  return notes
end

--- A risk's colour as "#RRGGBB", or nil if it has none.
local function color(e)
  local v = e.hexcolor
  if v == nil or v == lyaml.null then return nil end
  local hex = type(v) == "string" and v:match("^%s*#(%x+)%s*$")
  if hex and #hex == 3 then hex = hex:gsub(".", "%0%0") end
  if not hex or #hex ~= 6 then fault("%s: hexcolor %s is not #RRGGBB", e.at, show(v)) end
  return "#" .. hex:upper()
end

--- The grid as rows of risk entries: grid[p][i] is the risk id for
-- probability id p and impact id i.
local function grid(mx, prob, imp, risk)
  local g = mx.grid
  if g == nil or g == lyaml.null then fault("the matrix has no grid") end
  if not is_list(g) then fault("grid: expected a list of rows, got %s", show(g)) end
  if #g ~= #prob then
    fault("grid has %d rows; expected %d, one per probability", #g, #prob)
  end
  local rows = {}
  for p, row in ipairs(g) do
    local at = ("grid[%d] (probability '%s')"):format(p - 1, prob[p].label)
    if not is_list(row) then fault("%s: expected a list of %d risk ids, got %s", at, #imp, show(row)) end
    if #row ~= #imp then
      fault("%s has %d cells; expected %d, one per impact", at, #row, #imp)
    end
    rows[p] = {}
    for i, cell in ipairs(row) do
      if type(cell) == "string" and cell:match("^%s*%d+%s*$") then cell = tonumber(cell) end
      if type(cell) ~= "number" or cell ~= math.floor(cell) or cell < 0 or cell >= #risk then
        fault("grid[%d][%d] (probability '%s', impact '%s'): %s is not a risk id; expected 0..%d",
              p - 1, i - 1, prob[p].label, imp[i].label, show(cell), #risk - 1)
      end
      rows[p][i] = risk[cell + 1]
    end
  end
  return rows
end

-- The matrix to convert: opts.matrix by ref_id, else the first.
local function pick(doc, want)
  local objects = type(doc) == "table" and doc.objects
  local list = type(objects) == "table" and objects.risk_matrix
  if not list or list == lyaml.null then
    fault("no objects.risk_matrix; not a CISO Assistant risk matrix library")
  end
  if not is_list(list) or #list == 0 then
    fault("objects.risk_matrix: expected a non-empty list of matrices, got %s", show(list))
  end
  local refs = {}
  for k, mx in ipairs(list) do
    if type(mx) ~= "table" or mx == lyaml.null then
      fault("objects.risk_matrix entry %d: expected a mapping, got %s", k, show(mx))
    end
    refs[k] = scalar(mx.ref_id) or ("entry " .. k)
  end
  if want == nil then return list[1], refs end
  for k, mx in ipairs(list) do
    if scalar(mx.ref_id) == want then return mx, refs, k end
  end
  fault("no risk matrix with ref_id '%s'; the library holds %s", want, table.concat(refs, ", "))
end

-- ------------------------------------------------------------- convert

--- Builds the rule text from a parsed library (faults raised as Fault).
local function build(doc, opts, source)
  local lang = opts.lang or "en"
  local mx, refs, chosen = pick(doc, opts.matrix)
  local prob = entries(mx, "probability", lang)
  local imp = entries(mx, "impact", lang)
  local risk = entries(mx, "risk", lang)
  for _, axis in ipairs({ { "probability", prob }, { "impact", imp } }) do
    if #axis[2] > MAX_TIERS then
      fault("%s has %d entries; an isms scale has at most %d tiers", axis[1], #axis[2], MAX_TIERS)
    end
  end
  local notes = {}
  for _, list in ipairs({ prob, imp, risk }) do
    for _, note in ipairs(unique_labels(list)) do notes[#notes + 1] = note end
  end
  for _, e in ipairs(risk) do e.color = color(e) end
  local cells = grid(mx, prob, imp, risk)

  -- The matrix's ref_id names the risk_matrix; opts.name stands in if none.
  local ref_id = scalar(mx.ref_id) or scalar(doc.ref_id) or opts.name
  if not ref_id or not ref_id:find("%S") then
    fault("the matrix has no ref_id; pass opts.name to name the methodology and matrix")
  end
  local name = opts.name or ref_id
  local lib = text(doc, "name", lang)
  local urn, version = scalar(doc.urn), scalar(doc.version)

  local out = {}
  local function line(s) out[#out + 1] = s end
  local function field(key, v) if v then line(("  %s = %s,"):format(key, quote(v))) end end

  line("-- Converted by isms.ciso_matrix from a CISO Assistant risk matrix library.")
  line("-- Source: " .. comment(source))
  line(("-- Library: %s, version %s"):format(comment(urn or "(no urn)"), comment(version or "(none)")))
  line("-- Provider: " .. comment(scalar(doc.provider) or "(not given)"))
  line("-- Copyright: " .. comment(text(doc, "copyright", lang) or "(not given)"))
  line(("-- Matrix: %s (%s)"):format(comment(scalar(mx.urn) or "(no urn)"), comment(ref_id)))
  if #refs > 1 then
    line(("-- The library holds %d risk matrices (%s); this file converts %s."):format(#refs,
      comment(table.concat(refs, ", ")),
      chosen and ("'" .. comment(opts.matrix) .. "', chosen by opts.matrix")
        or "the first (opts.matrix chooses another)"))
  end
  line(("-- Names and descriptions: the '%s' translations where given, else the library's own"
        .. " (locale %s)."):format(comment(lang), comment(scalar(doc.locale) or "not given")))
  local positional = {}
  for _, axis in ipairs({ { "probability", prob }, { "impact", imp }, { "risk", risk } }) do
    if axis[2].by_position then positional[#positional + 1] = axis[1] end
  end
  if #positional > 0 then
    line(("-- No ids in %s: entries taken in the order listed (id = position from 0)."):format(
      table.concat(positional, ", ")))
  end
  if #notes > 0 then
    line("-- Names made unique (ignoring case) and not numeric, as isms requires:")
    for _, note in ipairs(notes) do line("--   " .. comment(note)) end
  end
  line("")

  local reference = urn and (version and (urn .. " version " .. version) or urn)
  line(("methodology %s {"):format(quote(name)))
  field("title", text(mx, "name", lang) or lib)
  field("description", text(mx, "description", lang) or text(doc, "description", lang))
  field("reference", reference)
  line("}")

  for _, axis in ipairs({ { "probability", prob }, { "impact", imp } }) do
    line("")
    line(("scale %s {"):format(quote(axis[1])))
    line("  tiers = {")
    for _, e in ipairs(axis[2]) do
      line(("    { value = %d, label = %s%s },"):format(e.id + 1, quote(e.label),
        e.description and (", description = " .. quote(e.description)) or ""))
    end
    line("  },")
    line("}")
  end

  line("")
  line("risk_score {")
  line('  factors = { "probability", "impact" },')
  line('  combine = "matrix",')
  field("matrix", ref_id)
  line("}")

  line("")
  line(("-- Rows: probability tiers 1..%d; columns: impact tiers 1..%d."):format(#prob, #imp))
  line(("risk_matrix %s {"):format(quote(ref_id)))
  line('  rows = "probability",')
  line('  columns = "impact",')
  line("  cells = {")
  for p, row in ipairs(cells) do
    local names = {}
    for i, e in ipairs(row) do names[i] = quote(e.label) end
    line(("    { %s },  -- %d: %s"):format(table.concat(names, ", "), p, comment(prob[p].label)))
  end
  line("  },")
  line("}")

  for _, e in ipairs(risk) do
    line("")
    line(("risk_level %s {"):format(quote(e.label)))
    field("description", e.description)
    field("color", e.color)
    line("}")
  end
  return table.concat(out, "\n") .. "\n"
end

--- Converts a CISO Assistant risk matrix library into rule file text.
-- The same input and options always give the same text, byte for byte.
-- @tparam string yaml_text the library
-- @tparam[opt] table opts `{ source = "name for messages", lang = "en",
--   name = "methodology name", matrix = "ref_id" }`; `lang` picks
--   translations[lang] names and descriptions where given; `name` defaults
--   to the matrix's ref_id; `matrix` picks one of several (default: the first)
-- @treturn string|nil the rule text; or nil and "SOURCE: what is wrong"
-- @raise if yaml_text is not a string or opts are of the wrong types
function M.convert(yaml_text, opts)
  opts = opts or {}
  if type(yaml_text) ~= "string" then error("convert: yaml_text must be a string", 2) end
  if type(opts) ~= "table" then error("convert: opts must be a table", 2) end
  for _, k in ipairs({ "source", "lang", "name", "matrix" }) do
    if opts[k] ~= nil and (type(opts[k]) ~= "string" or opts[k] == "") then
      error(("convert: opts.%s must be a non-empty string"):format(k), 2)
    end
  end
  local source = opts.source or "library"
  local ok, doc = pcall(lyaml.load, yaml_text)
  if not ok then return nil, ("%s: not valid YAML: %s"):format(source, tostring(doc)) end
  local ok2, result = pcall(build, doc, opts, source)
  if ok2 then return result end
  if getmetatable(result) == Fault then return nil, source .. ": " .. result.msg end
  error(result, 0)
end

return M
