-- Quantitative risk (docs/quantitative.md): the quant_* words of rule files and
-- their faults (file:line, kind, name and field), the estimates a risk gets
-- from the tables and its treatment, runs on a register (stored, read back,
-- reproducible), and the `isms quant` command. The engine's numbers are
-- checked in tests/c/test_quant.c.
local H = require "helper"
local isms = require "isms"
local cjson = require "cjson"
local qmodel = require("isms.quant").model

-- A methodology file extending qism-fmea with the given quant text.
local function method_file(body, name)
  return H.file(name or "quant.lua", 'methodology "q" { extends = "qism-fmea" }\n' .. body)
end

local BASE = [[
quant_model "fair" { iterations = 4000, seed = 7, currency = "EUR",
  bands = { Low = 0, Medium = 2000, High = 20000 }, threshold = 100000 }
quant_frequency "T-FIRE" { lef = { min = 0.01, most_likely = 0.05, max = 0.2 } }
quant_frequency "physical" { lef = 0.02 }
quant_frequency "T-MALWARE" { tef = { triangular = { 1, 3, 9 } },
  vulnerability = { uniform = { 0.01, 0.05 } } }
quant_magnitude "A" { primary = { low = 20000, high = 800000 },
  secondary_probability = 0.1, secondary = { pert = { 10000, 50000, 400000 }, gamma = 3 } }
quant_magnitude "B" { primary = { low = 5000, high = 100000, confidence = 0.8 } }
quant_control "A.8.7" { vulnerability = 0.25, cost = 3000 }
quant_control "A.7.8" { frequency = 0.5, magnitude = 0.8, cost = 1000 }
quant_acceptance "ale" { metric = "mean", max = 20000 }
quant_acceptance "residual" { metric = "p99", max = 500000, residual = true }
]]

local function model_of(body)
  local m = assert(isms.methodology.load(method_file(body)))
  return qmodel.from(m)
end

-- The fault a rule text raises, as a message.
local function fault(body)
  local path = method_file(body, "bad.lua")
  local m, err = isms.methodology.load(path)
  if not m then return err end
  local ok, e = pcall(qmodel.from, m)
  assert(not ok, "expected a fault")
  return e.msg
end

describe("quant rule files", function()
  it("validate into a model; the qualitative part still loads", function()
    local spec = model_of(BASE)
    assert.are.equal("fair", spec.model.name)
    assert.are.equal(4000, spec.model.iterations)
    assert.are.equal("mean", spec.model.metric)
    assert.are.same({ "Low", "Medium", "High" },
                    { spec.model.bands[1].level, spec.model.bands[2].level,
                      spec.model.bands[3].level })
    assert.are.same({ kind = "pert", a = 0.01, b = 0.05, c = 0.2, shape = 0 },
                    spec.frequency["T-FIRE"].lef)
    assert.are.same({ kind = "constant", a = 0.02 }, spec.frequency.physical.lef)
    assert.are.same({ kind = "lognormal", a = 5000, b = 100000, shape = 0.8 },
                    spec.magnitude.B.primary)
    assert.are.equal(3, spec.magnitude.A.secondary.shape)
    assert.are.equal(0.25, spec.controls["A.8.7"].vulnerability)
    local m = assert(isms.methodology.load(method_file(BASE)))
    assert.is_true(m:values_assets() and m:scores_risks())
    assert.is_nil(qmodel.from(H.qism()))  -- no quant words: no model
  end)

  it("the shipped fair-qism loads, and its controls are Annex A 2022 controls", function()
    local m = assert(isms.methodology.load("fair-qism"))
    local spec = qmodel.from(m)
    assert.are.equal("EUR", spec.model.currency)
    local cat = assert(isms.controls.load("iso27001-2022"))
    for id in pairs(spec.controls) do
      assert.is_truthy(cat.by_id[id], id .. " is not an ISO/IEC 27001:2022 control")
    end
    assert.are.equal(1000000, spec.model.risk_threshold)  -- from its "class A tail" criterion
  end)

  local BAD = {
    { "PERT min above most likely",
      'quant_model "m" {}\nquant_frequency "T-FIRE" { lef = { min = 5, most_likely = 3, max = 9 } }',
      "bad.lua:3: quant_frequency 'T-FIRE': lef: min 5 > most likely 3" },
    { "most likely above max",
      'quant_model "m" {}\nquant_magnitude "A" { primary = { triangular = { 1, 9, 6 } } }',
      "bad.lua:3: quant_magnitude 'A': primary: most likely 9 > max 6" },
    { "a negative frequency",
      'quant_model "m" {}\nquant_frequency "T-FIRE" { lef = -0.5 }',
      "bad.lua:3: quant_frequency 'T-FIRE': lef: -0.5 is negative; a rate cannot be" },
    { "a negative tef",
      'quant_model "m" {}\nquant_frequency "T-X" { tef = { uniform = { -1, 2 } }, vulnerability = 0.1 }',
      "bad.lua:3: quant_frequency 'T-X': tef: -1 is negative; a rate cannot be" },
    { "a 90% interval with low = high",
      'quant_model "m" {}\nquant_magnitude "A" { primary = { low = 500, high = 500 } }',
      "bad.lua:3: quant_magnitude 'A': primary: lognormal low 500 >= high 500" },
    { "a 90% interval with low > high",
      'quant_model "m" {}\nquant_magnitude "B" { primary = { lognormal = { 900, 100 } } }',
      "bad.lua:3: quant_magnitude 'B': primary: lognormal low 900 >= high 100" },
    { "a vulnerability above 1",
      'quant_model "m" {}\nquant_frequency "T-X" { tef = 3, vulnerability = 1.5 }',
      "bad.lua:3: quant_frequency 'T-X': vulnerability: 1.5 is above 1; a probability is 0..1" },
    { "iterations of 0",
      'quant_model "m" { iterations = 0 }',
      "bad.lua:2: quant_model 'm': iterations: expected a whole number from 1 to 10000000, got 0" },
    { "iterations beyond the limit",
      'quant_model "m" { iterations = 20000000 }',
      "bad.lua:2: quant_model 'm': iterations: expected a whole number from 1 to 10000000, "
        .. "got 20000000" },
    { "a seed that is not a number",
      'quant_model "m" { seed = "abc" }',
      "bad.lua:2: quant_model 'm': seed: expected a whole number from 0 to 9007199254740992, got abc" },
    { "a fractional seed",
      'quant_model "m" { seed = 1.5 }',
      "bad.lua:2: quant_model 'm': seed: expected a whole number" },
    { "a typo in a field",
      'quant_model "m" { iteratoins = 5 }',
      "bad.lua:2: quant_model 'm': iteratoins: unknown field; expected one of" },
    { "a distribution with too few numbers",
      'quant_model "m" {}\nquant_frequency "T-FIRE" { lef = { pert = { 1, 2 } } }',
      "bad.lua:3: quant_frequency 'T-FIRE': lef.pert: expected 3 numbers" },
    { "two distributions at once",
      'quant_model "m" {}\nquant_frequency "T-FIRE" { lef = { pert = { 1, 2, 3 }, uniform = { 1, 2 } } }',
      "bad.lua:3: quant_frequency 'T-FIRE': lef: give one distribution" },
    { "a band on a level the methodology lacks",
      'quant_model "m" { bands = { Low = 0, Severe = 10 } }',
      "bad.lua:2: quant_model 'm': bands.Severe: not a risk level of the methodology (Low, Medium, High)" },
    { "bands that do not rise with the level",
      'quant_model "m" { bands = { Low = 0, Medium = 500, High = 100 } }',
      "bad.lua:2: quant_model 'm': bands.High: must start above Medium's 500" },
    { "a magnitude for a class the methodology lacks",
      'quant_model "m" {}\nquant_magnitude "Z" { primary = 5 }',
      "bad.lua:3: quant_magnitude 'Z': 'Z' is not an asset class of the methodology" },
    { "an acceptance without a bound",
      'quant_model "m" {}\nquant_acceptance "x" { metric = "p90" }',
      "bad.lua:3: quant_acceptance 'x': give metric and max" },
    { "a secondary loss without its probability",
      'quant_model "m" {}\nquant_magnitude "A" { primary = 5, secondary = 10 }',
      "bad.lua:3: quant_magnitude 'A': secondary_probability: a secondary loss needs both" },
    { "a control factor below 0",
      'quant_model "m" {}\nquant_control "A.8.7" { frequency = -1 }',
      "bad.lua:3: quant_control 'A.8.7': frequency: expected a factor, 0 or more" },
    { "a second quant_model",
      'quant_model "m" {}\nquant_model "n" {}',
      "bad.lua:3: quant_model 'n': a methodology has one quant_model (first at line 2)" },
    { "estimates without a model",
      'quant_frequency "T-FIRE" { lef = 1 }',
      "bad.lua:1: quantitative declarations without quant_model" },
  }
  for _, case in ipairs(BAD) do
    it("refuses " .. case[1] .. " with file:line and the field", function()
      local msg = fault(case[2])
      assert.is_truthy(msg:find(case[3], 1, true), "got: " .. msg)
    end)
  end

  it("isms methodology check reports the quant faults too", function()
    local path = method_file('quant_model "m" {}\nquant_frequency "T-FIRE" { lef = -2 }', "bad.lua")
    local _, err, code = H.run("methodology", "check", path)
    assert.are.equal(3, code)
    assert.is_truthy(err:find("bad.lua:3: quant_frequency 'T-FIRE': lef: -2 is negative", 1, true))
    local out, _, ok = H.run("methodology", "check", "rules/methodologies/fair-qism.lua")
    assert.are.equal(0, ok)
    assert.is_truthy(out:find("quantitative model fair: 12 frequencies", 1, true))
  end)
end)

describe("quant estimates", function()
  local spec = model_of(BASE .. [[
quant_risk "DOC-1/T-FIRE" { lef = 0.3, primary = 1000 }
quant_magnitude "C" { primary = 100, multiply_by = "units" }
]])

  it("take a risk's own estimates, then its threat, then the threat's class", function()
    local e = qmodel.estimates(spec, { ref = "DOC-1/T-FIRE", threat = "T-FIRE", asset_class = "A" })
    assert.are.same({ kind = "constant", a = 0.3 }, e.lef)
    assert.are.same({ kind = "constant", a = 1000 }, e.primary)
    e = qmodel.estimates(spec, { ref = "SRV-1/T-FIRE", threat = "T-FIRE", asset_class = "A" })
    assert.are.equal("pert", e.lef.kind)
    assert.are.equal("lognormal", e.primary.kind)
    assert.are.equal("pert", e.secondary.kind)
    e = qmodel.estimates(spec, { ref = "X/T-FLOOD", threat = "T-FLOOD", threat_class = "physical",
                                 asset_class = "B" })
    assert.are.same({ kind = "constant", a = 0.02 }, e.lef)
    local none, why = qmodel.estimates(spec, { ref = "X/T-PANDEMIC", threat = "T-PANDEMIC",
                                               threat_class = "natural", asset_class = "A" })
    assert.is_nil(none)
    assert.are.equal("no frequency for threat T-PANDEMIC", why)
    none, why = qmodel.estimates(spec, { ref = "Y/T-FIRE", threat = "T-FIRE" })
    assert.is_nil(none)
    assert.is_truthy(why:find("no class", 1, true))
  end)

  it("scale by the asset's units when the table says so", function()
    local e = qmodel.estimates(spec, { ref = "L/T-FIRE", threat = "T-FIRE", asset_class = "C",
                                       units = 40 })
    assert.are.same({ kind = "constant", a = 4000 }, e.primary)
  end)

  it("apply the selected controls after treatment, and add up their cost", function()
    local risk = { ref = "S/T-MALWARE", threat = "T-MALWARE", asset_class = "B", option = "modify",
                   controls = { "A.8.7", "A.7.8", "A.5.1" } }
    local before, after, cost, used = qmodel.estimates(spec, risk)
    assert.are.same({ "A.8.7", "A.7.8" }, used)  -- A.5.1 has no quant_control: no effect
    assert.are.equal(4000, cost)
    assert.are.same({ kind = "triangular", a = 0.5, b = 1.5, c = 4.5, shape = 0 }, after.tef)
    assert.are.same({ kind = "uniform", a = 0.0025, b = 0.0125, shape = 0 }, after.vulnerability)
    assert.are.equal(before.primary.a * 0.8, after.primary.a)
    -- avoided: no loss after; retained without controls: the same
    local _, gone = qmodel.estimates(spec, { ref = "S/T-MALWARE", threat = "T-MALWARE",
                                            asset_class = "B", option = "avoid" })
    assert.are.same({ kind = "constant", a = 0 }, gone.lef)
    local _, same = qmodel.estimates(spec, { ref = "S/T-MALWARE", threat = "T-MALWARE",
                                            asset_class = "B", option = "retain" })
    assert.is_nil(same)
  end)

  it("band a statistic into the levels and judge it by the criteria", function()
    assert.are.equal("Low", qmodel.level(spec, 0))
    assert.are.equal("Low", qmodel.level(spec, 1999.99))
    assert.are.equal("Medium", qmodel.level(spec, 2000))
    assert.are.equal("High", qmodel.level(spec, 1e9))
    assert.is_true(qmodel.acceptable(spec, { mean = 19999 }, "A", false))
    assert.is_false(qmodel.acceptable(spec, { mean = 20000 }, "A", false))
    assert.is_true(qmodel.acceptable(spec, { mean = 1e6, p99 = 400000 }, "A", true))
    assert.is_false(qmodel.acceptable(spec, { mean = 1, p99 = 600000 }, "A", true))
  end)
end)

-- Two assets under qism-fmea (SRV-1 class B, DOC-1 class A) with the
-- generic catalog's risks; one malware risk treated with A.8.7.
local function setup()
  local reg, path = H.register()
  assert(reg:import_assets(H.file("assets.csv", [[
id,name,type,owner,outsourced,c,i,a
SRV-1,Build server,physical,IT,no,2,2,2
DOC-1,Design files,information,Engineering;Legal,no,4,3,2
]])))
  assert(reg:generate_risks("generic"))
  local treated
  for _, r in ipairs(reg:risks({ asset = "DOC-1" })) do
    if r.threat == "T-MALWARE" and not treated then treated = r.ref end
  end
  assert(reg:set_risk(treated, { ratings = { S = 8, O = 5, D = 6 } }))
  assert(reg:treat(treated, { option = "modify", controls = { "A.8.7" },
                              residual = { S = 8, O = 2, D = 3 } }))
  return reg, path, treated
end

describe("quant runs on a register", function()
  it("simulate the risks with estimates, store the run and read it back", function()
    local reg, _, treated = setup()
    local file = method_file(BASE)
    local res = assert(reg:quant_run({ method = file, threads = 2 }))
    assert.are.equal(1, res.run)
    assert.is_true(res.risks > 0 and res.skipped > 0)
    assert.are.equal(res.risks + res.skipped, #reg:risks())
    assert.are.equal(4000, res.iterations)
    -- the treated risk: lower after, its controls' cost, and the portfolio's reduction
    local row
    for _, r in ipairs(res.rows) do if r.ref == treated then row = r end end
    assert.is_true(row.treated)
    assert.is_true(row.after.mean < row.mean * 0.5)
    assert.are.equal(3000, row.cost)
    assert.are.equal(3000, res.control_cost)
    assert.is_true(res.after.mean < res.before.mean)
    assert.are.equal(res.before.mean - res.after.mean, res.reduction)
    assert.are.equal((res.reduction - 3000) / 3000, res.rosi)
    -- rows by annual loss, each banded and judged
    for k = 2, #res.rows do assert.is_true(res.rows[k - 1].mean >= res.rows[k].mean) end
    for _, r in ipairs(res.rows) do
      assert.are.equal(qmodel.level({ model = { bands = {
        { level = "Low", from = 0 }, { level = "Medium", from = 2000 },
        { level = "High", from = 20000 } } } }, r.mean), r.level)
      assert.are.equal(r.mean < 20000, r.acceptable)
    end
    -- the curve falls
    assert.are.equal(64, #res.curve)
    for k = 2, #res.curve do
      assert.is_true(res.curve[k].loss > res.curve[k - 1].loss)
      assert.is_true(res.curve[k].before <= res.curve[k - 1].before)
    end
    -- stored as computed
    local back = assert(reg:quant_result())
    assert.are.equal(1, back.run)
    assert.are.equal(res.before.p95, back.before.p95)
    assert.are.equal(res.after.mean, back.after.mean)
    assert.are.equal(#res.rows, #back.rows)
    for k, r in ipairs(res.rows) do
      local s = back.rows[k]
      assert.are.equal(r.ref, s.ref)
      assert.are.equal(r.p99, s.p99)
      assert.are.equal(r.after.mean, s.after.mean)
      assert.are.equal(r.level, s.level)
      assert.are.equal(r.acceptable, s.acceptable)
    end
    assert.are.same(res.curve, back.curve)
    -- one change batch, the run logged as created
    local batches = reg:batches()
    local last = batches[#batches]
    assert.are.equal("quant run", last.command)
    assert.are.equal("q", last.source)
    assert.are.equal(1, last.created)
    local runs = reg:quant_runs()
    assert.are.equal(1, #runs)
    assert.are.equal(res.before.mean, runs[1].mean)
  end)

  it("give the same results for the same seed on any number of threads", function()
    local reg = setup()
    local file = method_file(BASE)
    local a = assert(reg:quant_run({ method = file, threads = 1, store = false }))
    local b = assert(reg:quant_run({ method = file, threads = 3, store = false }))
    local c = assert(reg:quant_run({ method = file, threads = 2, seed = 8, store = false }))
    local ser = require("isms.rules").serialize
    assert.are.equal(ser(a.rows), ser(b.rows))
    assert.are.equal(ser(a.before), ser(b.before))
    assert.are.equal(ser(a.curve), ser(b.curve))
    assert.are_not.equal(ser(a.before), ser(c.before))
    assert.are.equal(0, #reg:quant_runs())  -- store = false stores nothing
  end)

  it("refuse a register without estimates, and a methodology without a model", function()
    local reg = setup()
    local res, err, code = reg:quant_run({ method = method_file('quant_model "m" {}') })
    assert.is_nil(res)
    assert.are.equal("INPUT", code)
    assert.is_truthy(err:find("no risk of the register has estimates", 1, true))
    res, err, code = reg:quant_run()
    assert.is_nil(res)
    assert.are.equal("INPUT", code)
    assert.is_truthy(err:find("qism-fmea has no quantitative model", 1, true))
    assert.is_nil(reg:quant_result())
  end)
end)

describe("isms quant", function()
  it("runs, prints the portfolio and the top risks, and stores the run", function()
    local _, path = setup()
    local file = method_file(BASE)
    local out, err, code = H.run("--db", path, "quant", "--method", file, "--top", "3")
    assert.are.equal(0, code, err)
    assert.is_truthy(out:find("quant run 1: q, %d+ risks x 4000 years %(seed 7%), EUR"))
    assert.is_truthy(out:find("mean (annualised loss expectancy)", 1, true))
    assert.is_truthy(out:find("P(year > 100,000)", 1, true))
    assert.is_truthy(out:find("return on the controls", 1, true))
    assert.is_truthy(out:find("top 3 risks by annual loss", 1, true))
    assert.are.equal("", err)  -- no progress bar when stderr is not a terminal
    out, err, code = H.run("--db", path, "quant", "show", "1", "--json")
    assert.are.equal(0, code, err)
    local data = cjson.decode(out)
    assert.are.equal(1, data.run)
    assert.are.equal(4000, data.iterations)
    assert.is_true(data.portfolio.before.mean > data.portfolio.after.mean)
    out = H.run("--db", path, "quant", "curve", "--format", "csv")
    assert.is_truthy(out:find("^loss,before,after\n"))
    out = H.run("--db", path, "quant", "runs")
    assert.is_truthy(out:find("\n1 ", 1, true))
  end)

  it("prints the same bytes for the same seed and any thread count", function()
    local _, path = setup()
    local file = method_file(BASE)
    local a = H.run("--db", path, "quant", "--method", file, "--no-store", "--json",
                    "--threads", "1", "--iterations", "3000")
    local b = H.run("--db", path, "quant", "--method", file, "--no-store", "--json",
                    "--threads", "2", "--iterations", "3000")
    local c = H.run("--db", path, "quant", "--method", file, "--no-store", "--json",
                    "--seed", "99", "--iterations", "3000")
    assert.are.equal(a, b)
    assert.are_not.equal(a, c)
    assert.are.equal(3000, cjson.decode(a).iterations)
  end)

  it("refuses bad options and bad rule files with the reason", function()
    local _, path = setup()
    local file = method_file(BASE)
    local _, err, code = H.run("--db", path, "quant", "--method", file, "--seed", "abc")
    assert.are.equal(2, code)
    assert.is_truthy(err:find("option --seed expects a whole number, 0 or more, got 'abc'", 1, true))
    _, err, code = H.run("--db", path, "quant", "--method", file, "--iterations", "0")
    assert.are.equal(2, code)
    assert.is_truthy(err:find("option --iterations expects a whole number, 1 or more", 1, true))
    _, err, code = H.run("--db", path, "quant", "--method", file, "--iterations", "20000000")
    assert.are.equal(3, code)
    assert.is_truthy(err:find("iterations: 20000000 is out of range (1 .. 10000000)", 1, true))
    _, err, code = H.run("--db", path, "quant", "--method", file, "--correlation", "2")
    assert.are.equal(2, code)
    assert.is_truthy(err:find("option --correlation expects a number from 0 to 1", 1, true))
    local bad = method_file('quant_model "m" {}\nquant_magnitude "A" { primary = { low = 9, high = 3 } }',
                            "bad.lua")
    _, err, code = H.run("--db", path, "quant", "--method", bad)
    assert.are.equal(3, code)
    assert.is_truthy(err:find("bad.lua:3: quant_magnitude 'A': primary: lognormal low 9 >= high 3",
                              1, true))
    _, err, code = H.run("--db", path, "quant", "show")
    assert.are.equal(4, code)
    assert.is_truthy(err:find("no quantitative run in the register yet", 1, true))
  end)
end)

describe("quant in the report", function()
  it("adds the latest run: annual loss, the drawn exceedance curve, the risks by loss", function()
    local reg, path = setup()
    local models = require "isms.report.models"
    local render = require("isms.report").render
    local before = assert(models.full(reg, { today = "2027-01-01" }))
    for _, s in ipairs(before.sections) do assert.is_nil(s.id:match("^quant")) end
    local res = assert(reg:quant_run({ method = method_file(BASE) }))
    local model = assert(models.full(reg, { today = "2027-01-01", limit = 5 }))
    local by = {}
    for _, s in ipairs(model.sections) do by[s.id] = s end
    assert.are.equal("facts", by["quant-summary"].kind)
    local curve = by["quant-curve"]
    assert.are.equal("table", curve.kind)
    assert.are.equal(64, #curve.rows)
    assert.are.equal("loss", curve.chart.x)
    assert.are.equal(100000, curve.chart.marks[1].x)
    local cross = by["quant-levels"]
    local counted = 0
    for _, row in ipairs(cross.rows) do
      for k = 2, #cross.columns do counted = counted + (row[cross.columns[k].key] or 0) end
    end
    assert.are.equal(res.risks, counted)  -- every simulated risk in the cross-table once
    -- the heat map says why quantified risks are not positions on its grid
    assert.truthy(by.heatmap.note:find(("%d risks have a quantitative estimate"):format(res.risks),
                                       1, true), by.heatmap.note)
    assert.truthy(by.heatmap.note:find("no position on this factor grid", 1, true))
    local risks = by["quant-risks"]
    assert.are.equal(5, #risks.rows)
    assert.are.equal(res.risks, risks.total)
    assert.are.equal(math.floor(res.rows[1].mean + 0.5), risks.rows[1].mean)
    -- HTML: the curve drawn as SVG, two lines, the threshold; no table of points
    local html = render(model, "html")
    assert.are.equal(1, H.count(html, '<svg class="chart"'))
    assert.are.equal(2, H.count(html, "<polyline "))
    assert.is_truthy(html:find("threshold 100k", 1, true))
    assert.is_truthy(html:find("Before treatment", 1, true))
    -- text formats keep the points as a table
    local md = render(model, "markdown")
    assert.is_truthy(md:find("## Loss exceedance curve", 1, true))
    -- XLSX --full: every risk of the run, streamed from the register
    local xlsx = H.tmp("quant.xlsx")
    local _, err, code = H.run("--db", path, "report", "--full", "--format", "xlsx", "--out", xlsx,
                               "--today", "2027-01-01")
    assert.are.equal(0, code, err)
    local p = io.popen("unzip -p " .. H.shell_quote(xlsx) .. " xl/workbook.xml")
    local wb = p:read("*a")
    p:close()
    assert.is_truthy(wb:find('name="Annual loss"', 1, true))
    assert.is_truthy(wb:find('name="Loss exceedance curve"', 1, true))
  end)
end)
