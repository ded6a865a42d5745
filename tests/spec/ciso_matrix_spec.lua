-- CISO Assistant risk matrix libraries converted into methodology rule
-- files: every grid cell of the shipped examples and of synthetic grids,
-- evaluated in the sandbox; names, colours and quoting; determinism; and
-- every rejected input with its message.
local H = require "helper"
local isms = require "isms"
local lyaml = require "lyaml"
local ciso = require "isms.method.ciso_matrix"

local function external(name) return H.external("ciso-assistant/" .. name, pending) end
local FILES = { "risk-matrix-3x3-mult.yaml", "risk-matrix-5x5-iso-27005.yaml" }

-- The rule text for a shared external file, and the parsed library.
local function convert_file(name, opts)
  local yaml = H.read(external(name))
  opts = opts or {}
  opts.source = name
  return assert(ciso.convert(yaml, opts)), lyaml.load(yaml)
end

-- Evaluates rule text in the sandbox; returns the declarations by kind:
-- { methodology =, scale = { name = fields }, risk_score =,
--   risk_matrix = { name = fields }, levels = { decl, ... } in order, all = list }.
local function declarations(text)
  local decls = assert(isms.rules.eval(H.file("converted.lua", text)))
  local by = { scale = {}, risk_matrix = {}, levels = {}, all = decls }
  for _, d in ipairs(decls) do
    if d.kind == "methodology" then
      assert.is_nil(by.methodology, "one methodology")
      by.methodology = d
    elseif d.kind == "risk_score" then
      by.risk_score = d.fields
    elseif d.kind == "risk_level" then
      by.levels[#by.levels + 1] = d
    else
      by[d.kind][d.name] = d.fields
    end
  end
  return by
end

-- The (translated) names of an axis's entries, indexed by id + 1.
local function names(list, lang)
  local out = {}
  for _, e in ipairs(list) do
    local tr = e.translations and e.translations[lang]
    out[e.id + 1] = tostring(tr and tr.name or e.name)
  end
  return out
end

-- Checks a converted matrix against its YAML one: every grid cell, the
-- tiers and the levels in order with their colours. want gives the names
-- by id + 1 ({ risk =, probability =, impact = }); by default the YAML
-- names in lang. Returns the number of cells checked.
local function check_matrix(d, mx, lang, want)
  want = want or {}
  local risk_names = want.risk or names(mx.risk, lang)
  local ref = tostring(mx.ref_id)
  assert.are.same({ factors = { "probability", "impact" }, combine = "matrix", matrix = ref },
                  d.risk_score)
  local m = d.risk_matrix[ref]
  assert.are.equal("probability", m.rows)
  assert.are.equal("impact", m.columns)
  assert.are.equal(#mx.grid, #m.cells)
  local checked = 0
  for p, row in ipairs(mx.grid) do
    assert.are.equal(#row, #m.cells[p], "row " .. p)
    for i, risk_id in ipairs(row) do
      assert.are.equal(risk_names[risk_id + 1], m.cells[p][i], ("grid[%d][%d]"):format(p - 1, i - 1))
      checked = checked + 1
    end
  end
  for axis, list in pairs({ probability = mx.probability, impact = mx.impact }) do
    local tiers = d.scale[axis].tiers
    local labels = want[axis] or names(list, lang)
    assert.are.equal(#list, #tiers)
    for v, tier in ipairs(tiers) do
      assert.are.equal(v, tier.value)
      assert.are.equal(labels[v], tier.label)
    end
  end
  assert.are.equal(#mx.risk, #d.levels)
  local by_id = {}
  for _, r in ipairs(mx.risk) do by_id[r.id + 1] = r end
  for k, level in ipairs(d.levels) do
    assert.are.equal(risk_names[k], level.name)
    local hex = by_id[k].hexcolor
    assert.are.equal(hex and hex:upper(), level.fields.color)
  end
  return checked
end

-- A synthetic library: np probabilities, ni impacts, nr risks; cell(p, i)
-- gives the risk id for probability id p and impact id i.
local function library(np, ni, nr, cell)
  local function axis(n, what)
    local list = {}
    for id = 0, n - 1 do
      list[#list + 1] = { id = id, abbreviation = what:sub(1, 1):upper() .. (id + 1),
                          name = what .. " " .. (id + 1), description = what .. " number " .. (id + 1) }
    end
    return list
  end
  local risks = axis(nr, "risk")
  for k, r in ipairs(risks) do r.hexcolor = ("#%02x%02x%02x"):format(k * 20 % 256, 255 - k, 7) end
  local grid = {}
  for p = 0, np - 1 do
    grid[p + 1] = {}
    for i = 0, ni - 1 do grid[p + 1][i + 1] = cell(p, i) end
  end
  local ref = ("synthetic-%dx%d"):format(np, ni)
  return {
    urn = "urn:test:risk:library:" .. ref, ref_id = ref, name = "Synthetic", version = 2,
    provider = "tests", copyright = "none", locale = "en",
    objects = { risk_matrix = { {
      urn = "urn:test:risk:matrix:" .. ref, ref_id = ref, name = "Synthetic " .. ref,
      description = "made up", probability = axis(np, "probability"), impact = axis(ni, "impact"),
      risk = risks, grid = grid,
    } } },
  }
end

local function yaml(lib) return lyaml.dump({ lib }) end

-- Loads rule text as a methodology and checks that m:score gives, for every
-- cell, the level the YAML grid names (and its rank, 1 = lowest). Returns
-- the number of cells checked.
local function check_scores(text, mx, risk_names)
  local m = assert(isms.methodology.load(H.file("converted.lua", text)))
  local checked = 0
  for p, row in ipairs(mx.grid) do
    for i, risk_id in ipairs(row) do
      local score, level = m:score { probability = p, impact = i }
      local at = ("probability %d, impact %d"):format(p, i)
      assert.are.equal(risk_names[risk_id + 1], level, at)
      assert.are.equal(risk_id + 1, score, at)
      checked = checked + 1
    end
  end
  return checked
end

describe("the shipped CISO Assistant matrices", function()
  for _, file in ipairs(FILES) do
    for _, lang in ipairs({ "en", "fr", "de" }) do
      it(file .. " (" .. lang .. ") converts cell by cell", function()
        local text, lib = convert_file(file, { lang = lang })
        local mx = lib.objects.risk_matrix[1]
        local d = declarations(text)
        local cells = check_matrix(d, mx, lang)
        assert.are.equal(cells, check_scores(text, mx, names(mx.risk, lang)))
        assert.are.equal(#mx.probability * #mx.impact, cells)
        assert.are.equal(file:match("3x3") and 9 or 25, cells)
        assert.are.equal(mx.ref_id, d.methodology.name)
        assert.are.equal(("%s version %d"):format(lib.urn, lib.version), d.methodology.fields.reference)
      end)
    end
  end

  it("3x3: levels lowest first, with their colours", function()
    local d = declarations((convert_file(FILES[1])))
    local got = {}
    for k, level in ipairs(d.levels) do got[k] = level.name .. " " .. level.fields.color end
    assert.are.same({ "[1] low #92D050", "[2] medium #D3FF4E", "[3] medium #EAFF03",
                      "[4] medium #FFFF00", "[6] high #FFC000", "[9] critical #FF0000" }, got)
    assert.are.same({ "[1] low", "[2] medium", "[3] medium" }, d.risk_matrix["risk-matrix-3x3-mult"].cells[1])
    assert.are.equal("3x3 multiplicative matrix", d.methodology.fields.title)
  end)

  it("3x3 in French keeps the library's own names", function()
    local d = declarations((convert_file(FILES[1], { lang = "fr" })))
    assert.are.equal("[2] moyennement probable", d.scale.probability.tiers[2].label)
    assert.are.equal("[9] critique", d.levels[6].name)
    assert.are.equal("Remédiation sous 2 mois", d.levels[6].fields.description)
    assert.are.equal("Matrice 3x3 multiplicative", d.methodology.fields.title)
  end)

  it("5x5: scales, descriptions and YAML escapes in translations", function()
    local text = convert_file(FILES[2])
    local d = declarations(text)
    assert.are.same({ value = 3, label = "3 - serious",
                      description = "Substantial consequences for the organization" },
                    d.scale.impact.tiers[3])
    assert.are.equal("5 - very high", d.levels[5].name)
    assert.are.equal("very high - unacceptable risk", d.levels[5].fields.description)
    -- "4 - Cr\xedtico" in the YAML is U+00ED, written as UTF-8.
    local es = declarations((convert_file(FILES[2], { lang = "es" })))
    assert.are.equal("4 - Crítico", es.scale.impact.tiers[4].label)
    assert.truthy(text:find("-- Copyright: ISO\n", 1, true))
    assert.truthy(text:find("-- Provider: intuitem\n", 1, true))
  end)

  it("is deterministic: the same input gives the same bytes", function()
    for _, file in ipairs(FILES) do
      local a = convert_file(file)
      package.loaded["isms.method.ciso_matrix"] = nil
      local fresh = require "isms.method.ciso_matrix"
      local b = assert(fresh.convert(H.read(external(file)), { source = file }))
      assert.are.equal(a, b)
      assert.are.equal(a, (convert_file(file)))
    end
  end)

  it("names the methodology after opts.name when given", function()
    local d = declarations((convert_file(FILES[2], { name = "our-5x5" })))
    assert.are.equal("our-5x5", d.methodology.name)
    assert.is_table(d.risk_matrix["risk-matrix-5x5-iso27005"])
  end)

  it("a framework library is not a risk matrix library", function()
    local rules, err = ciso.convert(H.read(external("iso27001-2022.yaml")), { source = "iso27001-2022.yaml" })
    assert.is_nil(rules)
    assert.are.equal("iso27001-2022.yaml: no objects.risk_matrix; not a CISO Assistant risk matrix library", err)
  end)

  for _, file in ipairs(FILES) do
    it(file .. " loads as a methodology that scores every cell as the YAML grid", function()
      local text, lib = convert_file(file)
      local mx = lib.objects.risk_matrix[1]
      assert.are.equal(#mx.probability * #mx.impact, check_scores(text, mx, names(mx.risk, "en")))
    end)
  end
end)

describe("synthetic grids", function()
  local shapes = {
    { "1x1", 1, 1, 1, function() return 0 end },
    { "2x7", 2, 7, 4, function(p, i) return (p + i) % 4 end },
    { "7x2", 7, 2, 3, function(p, i) return math.floor((p * 2 + i) / 5) end },
    { "10x10", 10, 10, 19, function(p, i) return p + i end },
    { "15x3", 15, 3, 2, function(p, i) return (p * i) % 2 end },
  }
  for _, s in ipairs(shapes) do
    it(s[1] .. " converts cell by cell", function()
      local lib = library(s[2], s[3], s[4], s[5])
      local text = assert(ciso.convert(yaml(lib), { source = s[1] .. ".yaml" }))
      local d = declarations(text)
      local mx = lib.objects.risk_matrix[1]
      assert.are.equal(s[2] * s[3], check_matrix(d, mx, "en"))
      assert.are.equal(s[2] * s[3], check_scores(text, mx, names(mx.risk, "en")))
      assert.are.equal(s[4], #d.levels)
    end)
  end

  it("sorts entries listed out of id order", function()
    local lib = library(3, 3, 3, function(p, i) return math.max(p, i) end)
    local mx = lib.objects.risk_matrix[1]
    mx.probability = { mx.probability[3], mx.probability[1], mx.probability[2] }
    mx.risk = { mx.risk[2], mx.risk[3], mx.risk[1] }
    local d = declarations(assert(ciso.convert(yaml(lib))))
    assert.are.equal("probability 1", d.scale.probability.tiers[1].label)
    assert.are.same({ "risk 1", "risk 2", "risk 3" },
                    { d.levels[1].name, d.levels[2].name, d.levels[3].name })
    assert.are.same({ "risk 1", "risk 2", "risk 3" }, d.risk_matrix["synthetic-3x3"].cells[1])
  end)

  it("picks a matrix by ref_id and says so", function()
    local lib = library(2, 2, 2, function(p) return p end)
    local other = library(3, 2, 2, function(_, i) return i end).objects.risk_matrix[1]
    lib.objects.risk_matrix[2] = other
    local first = assert(ciso.convert(yaml(lib)))
    assert.truthy(first:find("-- The library holds 2 risk matrices (synthetic-2x2, synthetic-3x2); "
                             .. "this file converts the first (opts.matrix chooses another).", 1, true))
    local text = assert(ciso.convert(yaml(lib), { matrix = "synthetic-3x2" }))
    assert.truthy(text:find("this file converts 'synthetic-3x2', chosen by opts.matrix.", 1, true))
    local d = declarations(text)
    assert.are.equal(6, check_matrix(d, other, "en"))
  end)

  it("makes shared and numeric names unique, and says so", function()
    local lib = library(2, 2, 5, function(p, i) return p * 2 + i + (p * i) end)
    local mx = lib.objects.risk_matrix[1]
    mx.risk[1].name, mx.risk[2].name, mx.risk[3].name = "Medium", "medium", "MEDIUM"
    mx.risk[2].abbreviation = nil
    mx.risk[4].name, mx.risk[4].abbreviation = "3", nil
    mx.risk[5].name = "inf"
    mx.impact[2].name = "Impact 1"   -- clashes with "impact 1" ignoring case
    local text = assert(ciso.convert(yaml(lib), { source = "dup.yaml" }))
    local d = declarations(text)
    assert.are.equal(4, check_matrix(d, mx, "en", {
      risk = { "Medium (R1)", "medium (id 1)", "MEDIUM (R3)", "3 (id 3)", "inf (R5)" },
      impact = { "impact 1 (I1)", "Impact 1 (I2)" },
    }))
    assert.are.equal(4, check_scores(text, mx, { "Medium (R1)", "medium (id 1)", "MEDIUM (R3)", "3 (id 3)",
                                                 "inf (R5)" }))
    for _, note in ipairs({
      "--   impact id 0: 'impact 1' is shared with another entry; written as 'impact 1 (I1)'",
      "--   risk id 1: 'medium' is shared with another entry; written as 'medium (id 1)'",
      "--   risk id 3: '3' reads as a number; written as '3 (id 3)'",
      "--   risk id 4: 'inf' reads as a number; written as 'inf (R5)'",
    }) do
      assert.truthy(text:find(note .. "\n", 1, true), note)
    end
  end)

  it("avoids a suffixed name that is already taken", function()
    local lib = library(1, 3, 3, function(_, i) return i end)
    local mx = lib.objects.risk_matrix[1]
    mx.risk[1].name, mx.risk[2].name, mx.risk[3].name = "x", "x", "x (R2)"
    mx.risk[1].abbreviation, mx.risk[2].abbreviation = "R2", "R2"
    local d = declarations(assert(ciso.convert(yaml(lib))))
    assert.are.same({ "x (id 0)", "x (id 1)", "x (R2)" }, d.risk_matrix["synthetic-1x3"].cells[1])
  end)

  it("quotes names and keeps YAML text out of the code", function()
    local lib = library(2, 2, 2, function(p, i) return (p + i) % 2 end)
    local mx = lib.objects.risk_matrix[1]
    local odd = 'say "hi" \\ ]] ]=] \1\127 é ✓'
    mx.risk[1].name = odd
    mx.risk[1].description = "two\nlines\r\n\ttabbed " .. odd
    mx.probability[1].name = "  wrapped\n  name  "
    lib.copyright = 'x\nmethodology "evil" { }\n--[['
    lib.provider = "]]\nerror('boom')"
    local text = assert(ciso.convert(yaml(lib), { source = "odd\nname.yaml" }))
    local d = declarations(text)
    -- methodology, two scales, risk_score, risk_matrix and the levels: no more
    assert.are.equal(5 + #d.levels, #d.all)
    assert.are.equal(odd, d.levels[1].name)
    assert.are.equal(mx.risk[1].description, d.levels[1].fields.description)
    assert.are.equal("wrapped name", d.scale.probability.tiers[1].label)
    assert.truthy(text:find('-- Copyright: x methodology "evil" { } --[[\n', 1, true))
    assert.truthy(text:find("-- Source: odd name.yaml\n", 1, true))
    assert.are.equal(4, check_scores(text, mx, { odd, "risk 2" }))
  end)

  it("accepts #RGB and lower-case colours and writes #RRGGBB", function()
    local lib = library(1, 2, 2, function(_, i) return i end)
    local mx = lib.objects.risk_matrix[1]
    mx.risk[1].hexcolor, mx.risk[2].hexcolor = "#f0a", nil
    local d = declarations(assert(ciso.convert(yaml(lib))))
    assert.are.equal("#FF00AA", d.levels[1].fields.color)
    assert.is_nil(d.levels[2].fields.color)
  end)
end)

describe("rejected libraries", function()
  -- A valid 3x3 library with 5 risks, changed by edit(matrix, library).
  local function bad(edit)
    local lib = library(3, 3, 5, function(p, i) return p + i end)
    edit(lib.objects.risk_matrix[1], lib)
    return yaml(lib)
  end
  local cases = {
    { "not YAML", "a: [1, 2", "not valid YAML: 1:8: did not find expected ',' or ']'" },
    { "a plain string", "just text", "no objects.risk_matrix; not a CISO Assistant risk matrix library" },
    { "an empty file", "", "no objects.risk_matrix; not a CISO Assistant risk matrix library" },
    { "no risk_matrix", bad(function(_, lib) lib.objects.risk_matrix = nil end),
      "no objects.risk_matrix; not a CISO Assistant risk matrix library" },
    { "no matrices", bad(function(_, lib) lib.objects.risk_matrix = {} end),
      "objects.risk_matrix: expected a non-empty list of matrices, got an empty list" },
    { "a matrix that is not a mapping", bad(function(_, lib) lib.objects.risk_matrix[2] = "x" end),
      "objects.risk_matrix entry 2: expected a mapping, got 'x'" },
    { "no probability", bad(function(mx) mx.probability = nil end),
      "the matrix has no probability list" },
    { "empty impact", bad(function(mx) mx.impact = {} end), "impact is empty" },
    { "risk as a mapping", bad(function(mx) mx.risk = { low = 1 } end),
      "risk: expected a list of entries, got a mapping" },
    { "an entry that is not a mapping", bad(function(mx) mx.risk[2] = 7 end),
      "risk entry 2: expected a mapping with id and name, got 7" },
    { "a missing id", bad(function(mx) mx.probability[2].id = nil end),
      "probability entry 2: id must be a whole number, got nothing" },
    { "a fractional id", bad(function(mx) mx.impact[1].id = 0.5 end),
      "impact entry 1: id must be a whole number, got 0.5" },
    { "ids from 1", bad(function(mx) for k, e in ipairs(mx.impact) do e.id = k end end),
      "impact entry 3: id 3 is out of range; the 3 impact ids must run 0..2" },
    { "a negative id", bad(function(mx) mx.risk[1].id = -1 end),
      "risk entry 1: id -1 is out of range; the 5 risk ids must run 0..4" },
    { "a repeated id", bad(function(mx) mx.risk[3].id = 1 end),
      "risk entry 3: id 1 is already used by risk entry 2" },
    { "no name", bad(function(mx) mx.risk[2].name = nil end), "risk id 1: no name" },
    { "a blank name", bad(function(mx) mx.probability[3].name = " \n " end), "probability id 2: no name" },
    { "too many tiers", bad(function(mx)
        for id = 3, 15 do mx.probability[id + 1] = { id = id, name = "p" .. id } end
      end), "probability has 16 entries; an isms scale has at most 15 tiers" },
    { "a colour name", bad(function(mx) mx.risk[3].hexcolor = "red" end),
      "risk id 2: hexcolor 'red' is not #RRGGBB" },
    { "a short colour", bad(function(mx) mx.risk[5].hexcolor = "#12345" end),
      "risk id 4: hexcolor '#12345' is not #RRGGBB" },
    { "a colour without #", bad(function(mx) mx.risk[1].hexcolor = "FF0000" end),
      "risk id 0: hexcolor 'FF0000' is not #RRGGBB" },
    { "no grid", bad(function(mx) mx.grid = nil end), "the matrix has no grid" },
    { "a grid that is not a list", bad(function(mx) mx.grid = "0 1 2" end),
      "grid: expected a list of rows, got '0 1 2'" },
    { "a missing grid row", bad(function(mx) mx.grid[3] = nil end),
      "grid has 2 rows; expected 3, one per probability" },
    { "an extra grid row", bad(function(mx) mx.grid[4] = { 0, 0, 0 } end),
      "grid has 4 rows; expected 3, one per probability" },
    { "a short row", bad(function(mx) mx.grid[2][3] = nil end),
      "grid[1] (probability 'probability 2') has 2 cells; expected 3, one per impact" },
    { "a long row", bad(function(mx) mx.grid[1][4] = 0 end),
      "grid[0] (probability 'probability 1') has 4 cells; expected 3, one per impact" },
    { "a row that is not a list", bad(function(mx) mx.grid[3] = 4 end),
      "grid[2] (probability 'probability 3'): expected a list of 3 risk ids, got 4" },
    { "a cell past the risks", bad(function(mx) mx.grid[3][1] = 5 end),
      "grid[2][0] (probability 'probability 3', impact 'impact 1'): 5 is not a risk id; expected 0..4" },
    { "a negative cell", bad(function(mx) mx.grid[1][2] = -1 end),
      "grid[0][1] (probability 'probability 1', impact 'impact 2'): -1 is not a risk id; expected 0..4" },
    { "a fractional cell", bad(function(mx) mx.grid[2][2] = 1.5 end),
      "grid[1][1] (probability 'probability 2', impact 'impact 2'): 1.5 is not a risk id; expected 0..4" },
    { "a named cell", bad(function(mx) mx.grid[2][3] = "high" end),
      "grid[1][2] (probability 'probability 2', impact 'impact 3'): 'high' is not a risk id; expected 0..4" },
    { "a null cell", bad(function(mx) mx.grid[3][3] = lyaml.null end),
      "grid[2][2] (probability 'probability 3', impact 'impact 3'): nothing is not a risk id; expected 0..4" },
    { "no ref_id", bad(function(mx, lib) mx.ref_id, lib.ref_id = nil, nil end),
      "the matrix has no ref_id; pass opts.name to name the methodology and matrix" },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      local rules, err = ciso.convert(case[2], { source = "bad.yaml" })
      assert.is_nil(rules)
      assert.are.equal("bad.yaml: " .. case[3], err)
    end)
  end

  it("an unknown opts.matrix", function()
    local rules, err = ciso.convert(bad(function() end), { source = "bad.yaml", matrix = "nope" })
    assert.is_nil(rules)
    assert.are.equal("bad.yaml: no risk matrix with ref_id 'nope'; the library holds synthetic-3x3", err)
  end)

  it("names the input 'library' when no source is given", function()
    assert.are.same({ nil, "library: impact is empty" },
                    { ciso.convert(bad(function(mx) mx.impact = {} end)) })
  end)

  it("without a ref_id, opts.name names the methodology and the matrix", function()
    local text = bad(function(mx, lib) mx.ref_id, lib.ref_id = nil, nil end)
    local d = declarations(assert(ciso.convert(text, { name = "ours" })))
    assert.are.equal("ours", d.methodology.name)
    assert.is_table(d.risk_matrix.ours)
  end)

  it("misuse raises", function()
    assert.has_error(function() ciso.convert(nil) end, "convert: yaml_text must be a string")
    assert.has_error(function() ciso.convert("", { lang = 3 }) end,
                     "convert: opts.lang must be a non-empty string")
  end)
end)
