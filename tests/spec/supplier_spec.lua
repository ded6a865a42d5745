-- Suppliers (isms.supplier): the supplier register, contracts and
-- certifications as record kinds, the assets a supplier holds (and the
-- migration of registers that only had the outsourced flag), expiring
-- contracts and certificates in the action tracker, and a supplier's risk
-- roll-up. Every refused input leaves the register as it was.
local H = require "helper"
local F = require "current_fixture"
local isms = require "isms"
local actions = require "isms.actions"

describe("supplier register", function()
  local reg, path, suppliers, contracts, certs
  before_each(function()
    reg, path = F.register()
    suppliers = reg:records("suppliers")
    contracts = reg:records("contracts")
    certs = reg:records("certifications")
  end)
  after_each(function() reg:close() end)

  it("keeps suppliers with services, contacts, criticality on the scale and held assets", function()
    assert(suppliers:add({ name = "Hsinchu Foundry", services = "MPW shuttle; tape-out",
                           contacts = "ops@foundry.example; +886 3 555 0100", criticality = "CRITICAL",
                           owner = "Operations", assets = "AST-3" }))
    local s = suppliers:get("SUP-001")
    assert.are.equal("critical", s.criticality)
    assert.are.same({ "MPW shuttle", "tape-out" }, s.services)
    assert.are.same({ "AST-3" }, s.assets)
    assert.are.same({ "SUP-001" }, isms.suppliers.of_asset(reg, "AST-3"))
  end)

  it("refuses every bad input with a clear message and writes nothing", function()
    assert(suppliers:add({ id = "SUP-1", name = "Foundry", criticality = "high" }))
    local cases = {
      { suppliers, { name = "X", criticality = "vital" },
        "criticality: 'vital' is not on the Supplier criticality scale (low, medium, high, critical)" },
      { suppliers, { name = "X", criticality = "low", assets = "AST-404" },
        "assets: no asset 'AST-404' in the register" },
      { suppliers, { name = "X" }, "criticality: required" },
      { contracts, { supplier = "SUP-1", starts = "2026-01-01", ends = "2025-12-31" },
        "ends: a contract ends (2025-12-31) after it starts (2026-01-01)" },
      { contracts, { supplier = "SUP-1", starts = "2026-01-01", ends = "2026-01-01" },
        "ends: a contract ends (2026-01-01) after it starts (2026-01-01)" },
      { contracts, { supplier = "SUP-404", starts = "2026-01-01" },
        "supplier: no supplier 'SUP-404' in the register" },
      { contracts, { supplier = "SUP-1", starts = "2026-01-01", right_to_audit = "perhaps" },
        "right_to_audit: 'perhaps' is not yes or no" },
      { contracts, { supplier = "SUP-1", starts = "2026-01-01", status = "paused" },
        "status: 'paused' is not one of active, ended, terminated" },
      { certs, { supplier = "SUP-1", standard = "ISO/IEC 27001:2022" }, "expires: required" },
      { certs, { supplier = "SUP-1", standard = "ISO/IEC 27001:2022", issued = "2026-05-01",
                 expires = "2026-04-30" },
        "expires: a certificate expires (2026-04-30) after it is issued (2026-05-01)" },
      { certs, { supplier = "SUP-404", standard = "SOC 2", expires = "2027-01-01" },
        "supplier: no supplier 'SUP-404' in the register" },
    }
    for _, c in ipairs(cases) do
      F.refused(path, c[3], function() return c[1]:add(c[2]) end)
    end
    -- a supplier others refer to is not deleted
    assert(contracts:add({ supplier = "SUP-1", starts = "2026-01-01" }))
    F.refused(path, "supplier SUP-1 is referred to by contract CON-001 (supplier)", function()
      return suppliers:delete("SUP-1")
    end)
  end)

  it("imports contracts and certifications all or nothing, naming line and column", function()
    assert(suppliers:add({ id = "SUP-1", name = "Foundry", criticality = "high" }))
    local bad = H.file("contracts.csv", "id,supplier,starts,ends,security_clauses,data_locations\n"
      .. "MSA-17,SUP-1,2024-01-01,2026-12-31,NDA; breach notice 24h,TW; EU\n"
      .. "MSA-18,SUP-1,2025-06-01,2025-05-31,,\n")
    local err = F.refused(path, "rejected; nothing was stored", function() return contracts:import(bad) end)
    assert.truthy(err:find(bad .. ":3:25: ends: a contract ends (2025-05-31) after it starts", 1, true), err)
    local certs_csv = H.file("certs.csv", "supplier,standard,expires\nSUP-1,ISO/IEC 27001:2022,\n")
    err = F.refused(path, "rejected; nothing was stored", function() return certs:import(certs_csv) end)
    assert.truthy(err:find(certs_csv .. ":2:", 1, true) and err:find("expires: required", 1, true), err)
    local good = H.file("good.csv", "id,supplier,starts,ends,right_to_audit,data_locations\n"
      .. "MSA-17,SUP-1,2024-01-01,2026-12-31,yes,TW; EU\n")
    assert(contracts:import(good))
    local c = contracts:get("MSA-17")
    assert.is_true(c.right_to_audit)
    assert.are.same({ "TW", "EU" }, c.data_locations)
    assert.are.equal("active", c.status)
  end)

  it("puts ending contracts and expiring certificates in the action tracker", function()
    assert(suppliers:add({ id = "SUP-1", name = "Foundry", criticality = "high", owner = "Ops" }))
    assert(contracts:add({ id = "MSA-17", supplier = "SUP-1", title = "MPW", starts = "2024-01-01",
                           ends = "2027-03-31", notice_days = 90 }))
    assert(contracts:add({ id = "OLD-1", supplier = "SUP-1", starts = "2020-01-01",
                           ends = "2023-12-31", status = "ended" }))
    assert(certs:add({ supplier = "SUP-1", standard = "ISO/IEC 27001:2022", expires = "2027-01-15" }))
    local list = actions.list(reg, { source = "suppliers", today = "2026-12-20", within = 60 })
    local by = {}
    for _, a in ipairs(list) do by[a.id] = a end
    assert.are.equal("2026-12-31", by["MSA-17"].due)  -- 90 days before the end
    assert.truthy(by["MSA-17"].title:find("Contract MSA-17 (MPW) with Foundry ends 2027-03-31", 1, true))
    assert.are.equal("Ops", by["MSA-17"].owner)
    assert.are.equal("2027-01-15", by["CERT-001"].due)
    assert.truthy(by["CERT-001"].title:find("ISO/IEC 27001:2022 certificate of Foundry expires", 1, true))
    assert.is_nil(by["OLD-1"])  -- ended: done, and not due within
    -- a renewed certificate closes the old one's action
    assert(certs:add({ supplier = "SUP-1", standard = "ISO/IEC 27001:2022", expires = "2030-01-15" }))
    list = actions.list(reg, { source = "suppliers", today = "2026-12-20", open = true })
    local open = {}
    for _, a in ipairs(list) do open[a.id] = true end
    assert.is_nil(open["CERT-001"])
    assert.truthy(open["CERT-002"] and open["MSA-17"])
  end)

  it("schedules supplier reviews by the criticality's cycle, in the action tracker", function()
    assert(suppliers:add({ id = "SUP-1", name = "Foundry", criticality = "critical", owner = "Ops" }))
    assert(suppliers:add({ id = "SUP-2", name = "Cleaners", criticality = "low" }))
    local today = os.date("!%Y-%m-%d")
    local function due(months)
      return reg:query("SELECT date(?1, ?2) AS d", today, ("+%d months"):format(months))().d
    end
    local by = {}
    for _, a in ipairs(actions.list(reg, { source = "supplier-reviews" })) do by[a.id] = a end
    assert.are.equal(due(6), by["supplier SUP-1"].due)   -- critical: every 6 months
    assert.are.equal(due(12), by["supplier SUP-2"].due)  -- the default: every 12
    assert.are.equal("Review supplier Foundry (every 6 months)", by["supplier SUP-1"].title)
    assert(isms.currency.review(reg, "supplier", "SUP-2", { next = due(2) }))
    by = {}
    for _, a in ipairs(actions.list(reg, { source = "supplier-reviews" })) do by[a.id] = a end
    assert.are.equal(due(2), by["supplier SUP-2"].due)
  end)

  it("migrates registers that only flagged outsourced assets: linked by their contract", function()
    -- AST-3 is outsourced under MSA-17 and names no supplier yet
    assert(suppliers:add({ id = "SUP-1", name = "Foundry", criticality = "high" }))
    local text = {}
    for _, p in ipairs(suppliers:check()) do text[#text + 1] = p.id .. "|" .. p.problem end
    assert.truthy(table.concat(text, "\n"):find("AST-3|outsourced asset AST-3 names no supplier", 1, true))
    assert(contracts:add({ id = "MSA-17", supplier = "SUP-1", starts = "2024-01-01" }))
    local rep = assert(isms.suppliers.link_assets(reg, { reason = "migration" }))
    assert.are.same({ { asset = "AST-3", supplier = "SUP-1" } }, rep.linked)
    assert.are.same({}, rep.left)
    assert.are.same({ "AST-3" }, suppliers:get("SUP-1").assets)
    local out = isms.suppliers.outsourced(reg)
    assert.are.same({ "SUP-1" }, out[1].suppliers)
    assert.is_true(reg:asset("AST-3").outsourced)  -- the flag stays
    -- the link is in the change log like any other
    local h = suppliers:history("SUP-1")
    assert.are.equal("link", h[#h].action)
    assert.are.equal("migration", h[#h].reason)
    -- high criticality, a contract without the right to audit
    text = {}
    for _, p in ipairs(suppliers:check()) do text[#text + 1] = p.id .. "|" .. p.problem end
    assert.are.equal("SUP-1|high supplier without the right to audit", table.concat(text, "\n"))
    -- a supplier holding an asset not marked outsourced is reported
    assert(suppliers:set("SUP-1", { assets = "AST-3; AST-1" }))
    text = {}
    for _, p in ipairs(suppliers:check()) do text[#text + 1] = p.problem end
    assert.truthy(table.concat(text, "\n"):find("holds AST-1, which is not marked outsourced", 1, true))
  end)

  it("rolls up the risks on the assets a supplier holds", function()
    assert(suppliers:add({ id = "SUP-1", name = "Foundry", criticality = "high", assets = "AST-3" }))
    local r = assert(isms.suppliers.risks(reg, "SUP-1"))
    assert.are.equal(91, r.total)  -- the generic catalog's risks of a service
    assert.are.equal(90, r.unrated)
    assert.are.equal(1, #r.top)
    assert.are.equal(F.DOS, r.top[1].ref)
    assert.are.same({}, r.assessments)
    -- a questionnaire of any requirement catalog: a gap assessment the supplier names
    assert(reg:import_framework("iso27001-2022"))
    local a = assert(reg:new_assessment({ framework = "iso27001-2022", assessed_on = "2026-12-01",
                                          assessor = "Supplier manager", title = "Foundry 2026" }))
    assert(reg:answer(a, "A.5.1", { status = "met" }))
    assert(reg:answer(a, "A.5.2", { status = "partially met" }))
    F.refused(path, "assessments: no assessment 'GA-404' in the register", function()
      return suppliers:set("SUP-1", { assessments = "GA-404" })
    end)
    assert(suppliers:set("SUP-1", { assessments = a }))
    r = assert(isms.suppliers.risks(reg, "SUP-1"))
    assert.are.equal(1, #r.assessments)
    assert.are.equal(a, r.assessments[1].id)
    assert.are.equal("iso27001-2022", r.assessments[1].framework)
    assert.are.equal(1, r.assessments[1].met)
    assert.is_true(r.assessments[1].gaps > 0)
    local _, err, code = isms.suppliers.risks(reg, "SUP-404")
    assert.are.equal("NOTFOUND", code)
    assert.truthy(err:find("no supplier 'SUP-404'", 1, true))
  end)
end)

describe("supplier commands", function()
  it("supplier-assets --link, supplier-risks and the kit's verbs", function()
    local reg, path = F.register()
    reg:close()
    local _, err, code = H.run("--db", path, "suppliers", "add", "id=SUP-1", "name=Foundry",
                               "criticality=high")
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "contracts", "add", "supplier=SUP-1", "starts=2026-01-01",
                         "ends=2025-01-01")
    assert.are.equal(3, code)
    assert.truthy(err:find("ends: a contract ends (2025-01-01) after it starts (2026-01-01)", 1, true), err)
    assert.are.equal(0, select(3, H.run("--db", path, "contracts", "add", "id=MSA-17", "supplier=SUP-1",
                                        "starts=2024-01-01")))
    local out
    out, _, code = H.run("--db", path, "supplier-assets")
    assert.are.equal(0, code)
    assert.truthy(out:find("none (contract: SUP-1)", 1, true), out)
    out, _, code = H.run("--db", path, "supplier-assets", "--link")
    assert.are.equal(0, code)
    assert.truthy(out:find("linked AST-3 to SUP-1", 1, true), out)
    out, _, code = H.run("--db", path, "supplier-risks", "SUP-1")
    assert.are.equal(0, code)
    assert.truthy(out:find("SUP-1 Foundry (high): 1 assets, 91 risks", 1, true), out)
  end)
end)
