-- The incident register (isms.incident): incidents and their timelines
-- as record kinds, checked against the incident rule file's scales and
-- the register; statistics in SQL; incidents beside likelihood. Every
-- refused input leaves the register as it was.
local H = require "helper"
local F = require "current_fixture"
local isms = require "isms"
local actions = require "isms.actions"

local function incident(over)
  local t = { title = "Malware on the design server", detected = "2026-11-02T08:00",
              severity = "high", category = "malware", assets = "AST-1", threats = "T-MALWARE" }
  for k, v in pairs(over or {}) do t[k] = v end
  return t
end

describe("incident register", function()
  local reg, path, incidents
  before_each(function()
    reg, path = F.register()
    incidents = reg:records("incidents")
  end)
  after_each(function() reg:close() end)

  it("adds an incident with its scales normalised, links and C/I/A affected", function()
    assert(reg:records("nonconformities"):add({ id = "NC-007", title = "Patch window missed",
      source = "incident", source_ref = "the design server malware", raised_by = "CISO",
      raised = "2026-11-02" }))
    local rep = assert(incidents:add(incident({
      severity = "SEVERE", category = "ransomware", affected = "c; a", reported = "2026-11-02T09:30Z",
      contained = "2026-11-02T14:00+01:00", risks = F.MALWARE, vulnerabilities = "V-NO-ANTIMALWARE",
      controls_failed = "A.8.7", controls_worked = "A.8.13", evidence = "EDR-4411; mail 2026-11-02",
      nonconformity = "NC-007", lessons = "patch within 7 days" })))
    assert.are.equal("INC-001", rep.id)
    local i = incidents:get("INC-001")
    assert.are.equal("critical", i.severity)   -- an alias of the scale
    assert.are.equal("malware", i.category)
    assert.are.same({ "C", "A" }, i.affected)
    assert.are.same({ "AST-1" }, i.assets)
    assert.are.same({ "T-MALWARE" }, i.threats)
    assert.are.same({ "A.8.7" }, i.controls_failed)
    assert.are.same({ "EDR-4411", "mail 2026-11-02" }, i.evidence)
    assert.are.equal("NC-007", i.nonconformity)
    -- the nonconformity it raised is a reference: it is not deleted from under the incident
    local ok, err = reg:records("nonconformities"):delete("NC-007")
    assert.is_nil(ok)
    assert.truthy(tostring(err):find("referred to by incident INC-001", 1, true), err)
    assert.are.equal(2, #incidents:list({ severity = "Critical" }) + #incidents:list({ assets = "AST-1" }))
  end)

  it("refuses every bad input with a clear message and writes nothing", function()
    local cases = {
      { { reported = "2026-11-01T08:00" }, "reported (2026-11-01T08:00) is before detected "
        .. "(2026-11-02T08:00); times run detected <= reported <= contained <= closed" },
      { { contained = "2026-11-03", closed = "2026-11-02T23:00" }, "closed (2026-11-02T23:00) is "
        .. "before contained (2026-11-03)" },
      -- time zones count: 09:00+02:00 is 07:00 UTC, before detection at 08:00 UTC
      { { detected = "2026-11-02T08:00Z", reported = "2026-11-02T09:00+02:00" },
        "reported (2026-11-02T09:00+02:00) is before detected" },
      { { severity = "apocalyptic" }, "severity: 'apocalyptic' is not on the Incident severity scale "
        .. "(low, medium, high, critical)" },
      { { category = "aliens" }, "category: 'aliens' is not on the Incident category scale" },
      { { assets = "AST-1; NOPE" }, "assets: no asset 'NOPE' in the register" },
      { { threats = "T-NONE" }, "threats: no threat 'T-NONE' in the register" },
      { { vulnerabilities = "V-NONE" }, "vulnerabilities: no vulnerability 'V-NONE' in the register" },
      { { risks = "AST-1/T-NONE" }, "risks: no risk 'AST-1/T-NONE' in the register" },
      { { controls_failed = "A.99.1" }, "controls_failed: no control 'A.99.1' in the register" },
      { { detected = "" }, "detected: required" },
      { { detected = "2026-02-30" }, "detected: '2026-02-30' is not a time" },
      { { affected = "C; X" }, "affected: 'X' is not one of C, I, A" },
      { { nonconformity = "NC-404" }, "nonconformity: no nonconformity 'NC-404' in the register" },
    }
    for _, c in ipairs(cases) do
      F.refused(path, c[2], function() return incidents:add(incident(c[1])) end)
    end
    -- a change that would put the times out of order is refused the same way
    assert(incidents:add(incident({ contained = "2026-11-02T12:00" })))
    F.refused(path, "contained (2026-11-02T12:00) is before detected (2026-11-03)", function()
      return incidents:set("INC-001", { detected = "2026-11-03" })
    end)
  end)

  it("imports CSV all or nothing, naming file, line and column", function()
    local bad = H.file("incidents.csv", "title,detected,reported,severity,assets\n"
      .. "Phish,2026-10-01T08:00,2026-10-01T09:00,medium,AST-1\n"
      .. "Theft,2026-10-05,2026-10-04,high,AST-2\n"
      .. "Flood,2026-10-07,,biblical,AST-9\n")
    local err = F.refused(path, "rejected; nothing was stored", function()
      return incidents:import(bad)
    end)
    assert.truthy(err:find(bad .. ":3:18: reported: reported", 1, true), err)
    assert.truthy(err:find("reported (2026-10-04) is before detected (2026-10-05)", 1, true), err)
    assert.truthy(err:find(bad .. ":4:19: severity: 'biblical' is not on", 1, true), err)
    assert.truthy(err:find(bad .. ":4:28: assets: no asset 'AST-9'", 1, true), err)
    -- a nonconformity that is not in its register, named by line and column
    local nc = H.file("nc.csv", "title,detected,severity,nonconformity\nPhish,2026-10-01,low,NC-404\n")
    err = F.refused(path, "rejected; nothing was stored", function() return incidents:import(nc) end)
    assert.truthy(err:find(nc .. ":2:22: nonconformity: no nonconformity 'NC-404' in the register", 1, true),
                  err)
    local good = H.file("good.csv", "id,title,detected,severity,category,assets,threats\n"
      .. "INC-010,Phish,2026-10-01T08:00,Moderate,phishing,AST-1,T-SOCIAL-ENGINEERING\n")
    local rep = assert(incidents:import(good))
    assert.are.equal(1, rep.created)
    assert.are.equal("medium", incidents:get("INC-010").severity)
    -- its export imports back unchanged
    local out = H.tmp("export.csv")
    assert(incidents:export(out))
    rep = assert(incidents:import(out))
    assert.are.equal(0, rep.created + rep.updated)
  end)

  it("keeps a timeline whose response actions are in the action tracker", function()
    assert(incidents:add(incident()))
    local events = reg:records("incident-events")
    assert(events:add({ incident = "INC-001", at = "2026-11-02T08:05", type = "detection",
                        text = "EDR alert", actor = "SOC" }))
    assert(events:add({ incident = "INC-001", at = "2026-11-02T10:00", type = "action",
                        text = "Re-image the server", owner = "IT Operations", due = "2026-11-10" }))
    F.refused(path, "due: a response action needs a due date", function()
      return events:add({ incident = "INC-001", at = "2026-11-02T10:00", type = "action", text = "x" })
    end)
    F.refused(path, "due: only a response action (type action) has a due or done date", function()
      return events:add({ incident = "INC-001", at = "2026-11-02T10:00", text = "x", due = "2026-12-01" })
    end)
    F.refused(path, "incident: no incident 'INC-404' in the register", function()
      return events:add({ incident = "INC-404", at = "2026-11-02T10:00", text = "x" })
    end)
    local list = actions.list(reg, { source = "incidents", today = "2026-11-20", overdue = true })
    assert.are.equal(1, #list)
    assert.are.equal("Re-image the server", list[1].title)
    assert.are.equal("incident INC-001", list[1].ref)
    assert.are.equal(10, list[1].overdue_days)
    assert(events:set("EV-002", { done = "2026-11-09" }))
    assert.are.equal(0, #actions.list(reg, { source = "incidents", today = "2026-11-20", open = true }))
    -- an incident with a timeline is not deleted unless forced
    local _, err = incidents:delete("INC-001")
    assert.truthy(err:find("referred to by incident_event EV-001", 1, true), err)
  end)

  it("checks the register: closed without lessons or containment, values off the scale", function()
    assert(incidents:add(incident({ contained = "2026-11-02T12:00", closed = "2026-11-04" })))
    assert(incidents:add(incident({ closed = "2026-11-05", lessons = "segment the network" })))
    local scale = H.file("strict.lua", [[
scale "severity" { tiers = { { value = 1, label = "minor" }, { value = 2, label = "major" } } }
scale "category" { tiers = { { value = 1, label = "malware" } } }
scale "criticality" { tiers = { { value = 1, label = "low" } } }
]])
    assert(reg:set_setting("incident_rules", scale))
    local text = {}
    for _, p in ipairs(incidents:check()) do text[#text + 1] = p.id .. "|" .. p.field .. "|" .. p.problem end
    text = table.concat(text, "\n")
    assert.truthy(text:find("INC-001|lessons|closed without lessons learned", 1, true), text)
    assert.truthy(text:find("INC-002|contained|closed, but no time of containment", 1, true), text)
    assert.truthy(text:find("INC-001|severity|'high' is no longer on the severity scale", 1, true), text)
    -- and the new scale decides new writes
    assert.are.equal("major", incidents:get(assert(incidents:add(incident({ severity = "MAJOR" }))).id)
      .severity)
  end)

  it("counts per period, severity, category, threat and asset class, and times them", function()
    -- contained after 1, 2, 3 and 10 hours; closed after 24 and 48
    local list = {
      { detected = "2026-01-10T08:00", contained = "2026-01-10T09:00", closed = "2026-01-11T08:00",
        severity = "low", category = "phishing", assets = "AST-1", threats = "T-SOCIAL-ENGINEERING" },
      { detected = "2026-02-10T08:00", contained = "2026-02-10T10:00", severity = "high",
        assets = "AST-1; AST-2", threats = "T-MALWARE" },
      { detected = "2026-02-20T08:00Z", contained = "2026-02-20T12:00+01:00",
        closed = "2026-02-22T08:00", severity = "high", assets = "AST-3" },
      { detected = "2026-04-01", contained = "2026-04-01T10:00", severity = "critical",
        category = "phishing", threats = "T-MALWARE" },
      { detected = "2025-12-31", severity = "medium" },
    }
    for _, i in ipairs(list) do
      i.title = "incident"
      i.lessons = "x"
      assert(incidents:add(i))
    end
    local s = assert(isms.incidents.stats(reg, { from = "2026-01-01", to = "2026-12-31" }))
    assert.are.equal(4, s.total)
    assert.are.same({ { period = "2026-01", count = 1 }, { period = "2026-02", count = 2 },
                      { period = "2026-04", count = 1 } }, s.by_period)
    assert.are.same({ { severity = "low", count = 1 }, { severity = "high", count = 2 },
                      { severity = "critical", count = 1 } }, s.by_severity)
    assert.are.same({ { category = "phishing", count = 2 }, { category = "(none)", count = 2 } },
                    s.by_category)
    assert.are.same({ { threat = "T-MALWARE", count = 2 }, { threat = "T-SOCIAL-ENGINEERING", count = 1 } },
                    s.by_threat)
    assert.are.same({ { class = "A", count = 2 }, { class = "B", count = 1 }, { class = "C", count = 1 } },
                    s.by_class)
    assert.are.same({ n = 4, mean = 4, median = 2.5, p90 = 10 }, s.contain)
    assert.are.same({ n = 2, mean = 36, median = 36, p90 = 48 }, s.close)
    -- brief: the counts and times without the links (what metrics and the review pack read)
    local b = assert(isms.incidents.stats(reg, { from = "2026-01-01", to = "2026-12-31", brief = true }))
    assert.is_nil(b.by_threat)
    assert.is_nil(b.by_class)
    assert.are.same({ s.total, s.by_severity, s.contain, s.close }, { b.total, b.by_severity, b.contain, b.close })
    local q = assert(isms.incidents.stats(reg, { period = "quarter" }))
    assert.are.same({ { period = "2025-Q4", count = 1 }, { period = "2026-Q1", count = 3 },
                      { period = "2026-Q2", count = 1 } }, q.by_period)
    local m = assert(isms.incidents.metrics(reg, { from = "2026-01-01" }))
    local by = {}
    for _, x in ipairs(m) do by[x.name] = x.value end
    assert.are.equal(4, by.incidents)
    assert.are.equal(2.5, by["incidents.time_to_contain.median"])
    local _, err, code = isms.incidents.stats(reg, { period = "week" })
    assert.are.equal("USAGE", code)
    assert.truthy(err:find("unknown period 'week'", 1, true))
  end)

  it("counts per asset class by the class each asset has now: set, imported, valued again", function()
    -- the incidents per class, and the touches whose class is not their asset's (none, ever)
    local function classes()
      local out = {}
      for _, r in ipairs(assert(isms.incidents.stats(reg)).by_class) do out[r.class] = r.count end
      return out
    end
    local function astray()
      return tonumber(reg:query("SELECT count(*) AS n FROM incident_touches t JOIN assets a "
        .. "ON a.id = t.target WHERE t.rel = 'assets' AND t.class IS NOT a.class")().n)
    end
    assert(incidents:add(incident({ assets = "AST-1; AST-2" })))   -- A and C: counted in each
    assert(incidents:add(incident({ assets = "AST-2; AST-3" })))   -- C and B
    assert.are.same({ A = 1, B = 1, C = 2 }, classes())
    -- AST-2's C raised (Restricted -> Secret): qism-fmea values it 4 x 2 x 1 = 8, class B;
    -- the second incident touches two assets of class B now and counts once there
    assert(reg:set_asset("AST-2", "c", "Secret"))
    assert.are.equal("B", reg:asset("AST-2").class)
    assert.are.same({ A = 1, B = 2 }, classes())
    assert.are.equal(0, astray())
    -- C unset: unvalued until rated again
    assert(reg:set_asset("AST-2", "c", ""))
    assert.are.same({ A = 1, B = 1, ["(unvalued)"] = 2 }, classes())
    -- the inventory imported again: AST-2 back to Restricted, class C
    assert(reg:import_assets(H.file("again.csv", H.GOOD)))
    assert.are.same({ A = 1, B = 1, C = 2 }, classes())
    -- valued under another methodology (C + I + A; 6..10 high, else low): every class moves
    local other = assert(isms.methodology.load(H.file("sum.lua", [[
methodology "sum" {}
scale "C" { tiers = { { value = 1, label = "Public" }, { value = 2, label = "Restricted" },
                      { value = 3, label = "Confidential" }, { value = 4, label = "Secret" } } }
scale "I" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "Moderate" }, { value = 3, label = "High" } } }
scale "A" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "Moderate" }, { value = 3, label = "High" } } }
asset_value { combine = "sum" }
asset_class "high" { range = { 6, 10 } }
asset_class "low" { range = { 1, 5.75 } }
]])))
    assert(reg:value(other))
    assert.are.same({ "high", "low", "high" },
                    { reg:asset("AST-1").class, reg:asset("AST-2").class, reg:asset("AST-3").class })
    assert.are.same({ high = 2, low = 2 }, classes())
    assert.are.equal(0, astray())
    -- an asset deleted: its incidents still count under the class it had
    local refs = {}
    for row in reg:query("SELECT ref FROM risks WHERE asset = 'AST-3'") do refs[#refs + 1] = row.ref end
    assert(reg:delete_risks(refs))
    assert(reg:delete_asset("AST-3"))
    assert.are.same({ high = 2, low = 2 }, classes())
    -- a window counts the incidents detected in it only
    assert(incidents:add(incident({ detected = "2025-01-05T10:00", assets = "AST-1" })))
    assert.are.same({ { class = "high", count = 1 } },
                    assert(isms.incidents.stats(reg, { to = "2025-12-31" })).by_class)
  end)

  it("sums up times in C: mean, median (middle or mean of two) and 90th percentile by rank", function()
    local function summary(values)
      local rows = {}
      for k, v in ipairs(values) do rows[k] = "SELECT " .. v .. " AS x" end
      local sql = "SELECT isms_summary(x) AS s FROM (" .. table.concat(rows, " UNION ALL ") .. ")"
      local s = reg:query(sql)().s
      return s and require("cjson").decode(s)
    end
    assert.are.same({ n = 4, mean = 4, median = 2.5, p90 = 10 }, summary({ 10, 2, 3, 1 }))
    assert.are.same({ n = 3, mean = 2, median = 2, p90 = 3 }, summary({ 3, "NULL", 1, "'text'", 2 }))
    assert.are.same({ n = 1, mean = 7.5, median = 7.5, p90 = 7.5 }, summary({ 7.5 }))
    -- nearest rank: ceil(0.9 n), 1-based: the 9th of 10, the 10th of 11
    assert.are.equal(9, summary({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }).p90)
    assert.are.equal(10, summary({ 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 }).p90)
    assert.is_nil(summary({ "NULL" }))
  end)

  it("stands incidents beside likelihood and flags a rating they contradict", function()
    -- F.MALWARE is rated O = 2; three incidents on AST-1 and T-MALWARE in the window
    for k, day in ipairs({ "2026-03-01", "2026-06-01", "2026-09-01", "2025-01-01" }) do
      assert(incidents:add(incident({ detected = day, title = "malware " .. k })))
    end
    local b = assert(isms.incidents.beside_likelihood(reg, F.MALWARE, { today = "2026-12-01" }))
    assert.are.equal(3, b.count)
    assert.are.same({ "INC-001", "INC-002", "INC-003" }, b.incidents)
    assert.truthy(b.text:find("^O = 2 %(.+%); 3 incidents in the last 12 months$"), b.text)
    assert.are.equal("three or more incidents in the window, yet rated among the least likely", b.flag)
    -- F.MALWARE2 is rated O = 6: the same history, no flag
    b = assert(isms.incidents.beside_likelihood(reg, F.MALWARE2, { today = "2026-12-01" }))
    assert.are.equal(3, b.count)
    assert.is_nil(b.flag)
    -- no incident on its asset and threat
    b = assert(isms.incidents.beside_likelihood(reg, F.THEFT, { today = "2026-12-01" }))
    assert.are.equal(0, b.count)
    assert.truthy(b.text:find("; 0 incidents in the last 12 months", 1, true), b.text)
    local flagged = assert(isms.incidents.history(reg, { today = "2026-12-01", flagged = true }))
    assert.are.equal(1, #flagged)
    assert.are.equal(F.MALWARE, flagged[1].ref)
    -- the history of a few risks only (the views that show some) is the same for those
    local few = assert(isms.incidents.history(reg, { today = "2026-12-01",
                                                     refs = { F.THEFT, F.MALWARE2, F.MALWARE } }))
    assert.are.same({ F.MALWARE, F.MALWARE2 }, { few[1].ref, few[2].ref })
    assert.are.equal(2, #few)
    assert.are.same(flagged[1], few[1])
    assert.are.same({}, assert(isms.incidents.history(reg, { today = "2026-12-01", refs = {} })))
    local _, err, code = isms.incidents.beside_likelihood(reg, "AST-1/T-NONE")
    assert.are.equal("NOTFOUND", code)
    assert.truthy(err:find("no risk 'AST-1/T-NONE'", 1, true))
  end)

  it("matches incidents to risks as the rule file says", function()
    assert(incidents:add(incident({ detected = "2026-11-01", threats = "T-EQUIPMENT-THEFT" })))
    local function with_match(match)
      local file = H.file("m.lua", H.read("rules/incidents/default.lua")
        :gsub('match = "asset and threat"', 'match = "' .. match .. '"'))
      assert(reg:set_setting("incident_rules", file))
      local refs = {}
      for _, r in ipairs(assert(isms.incidents.history(reg, { today = "2026-12-01" }))) do
        refs[r.ref] = true
      end
      return refs
    end
    -- asset and threat: AST-1's theft risks only
    local refs = with_match("asset and threat")
    assert.truthy(refs["AST-1/T-EQUIPMENT-THEFT/V-NO-ENCRYPTION"])
    assert.is_nil(refs[F.MALWARE])
    assert.is_nil(refs[F.THEFT])
    refs = with_match("asset")
    assert.truthy(refs[F.MALWARE])
    assert.is_nil(refs[F.THEFT])
    refs = with_match("threat")
    assert.truthy(refs[F.THEFT])
    assert.is_nil(refs[F.MALWARE])
    refs = with_match("asset or threat")
    assert.truthy(refs[F.THEFT] and refs[F.MALWARE])
  end)

  it("refuses incident rule files that break the rules, naming file and line", function()
    local cases = {
      { 'scale "severity" { tiers = { { value = 1, label = "low" } } }\n'
        .. 'scale "colour" { tiers = { { value = 1, label = "red" } } }\n',
        ":2: scale 'colour': unknown scale" },
      { 'scale "severity" { tiers = { { value = 1, label = "low" } } }\n',
        ':1: no scale "category" declared' },
      { 'incident_history { match = "nearby" }\n', ":1: incident_history: match: unknown match 'nearby'" },
      { 'incident_history { flag = { { incidents_at_least = 0, rated_at_most = 1 } } }\n',
        "flag[1].incidents_at_least: expected a whole number, 1 or more" },
      { 'incident_history { window = 12 }\n', "window: unknown field" },
      { 'scale "severity" { tiers = { { value = 2, label = "low" } } }\n',
        "tiers must run 1..1 without gaps" },
    }
    for _, c in ipairs(cases) do
      local file = H.file("bad.lua", c[1])
      local spec, err, code = isms.incidents.rules.load(file)
      assert.is_nil(spec)
      assert.are.equal("RULE", code)
      assert.truthy(err:find(c[2], 1, true), err)
    end
  end)
end)

describe("the migration that puts the asset class on incident touches", function()
  it("fills the class of the touches an existing register holds", function()
    local reg, path = F.register()
    assert(reg:records("incidents"):add(incident({ assets = "AST-1; AST-2" })))
    assert(reg:records("incidents"):add(incident({ assets = "AST-2" })))
    local want = assert(isms.incidents.stats(reg)).by_class
    assert.are.same({ { class = "A", count = 1 }, { class = "C", count = 2 } }, want)
    local version = reg:schema_version()
    reg:close()
    -- this migration's number (later ones run again after it, as they would)
    local this = H.migration_number("ALTER TABLE incident_touches ADD COLUMN class")
    assert.is_truthy(this)
    -- back to the schema before it: no class, the link trigger without it
    F.sql(path, "DROP INDEX incident_touches_class; DROP INDEX incidents_open; "
      .. "DROP INDEX incidents_nonconformity; DROP TRIGGER incident_touches_link; "
      .. "CREATE TRIGGER incident_touches_link AFTER INSERT ON record_links "
      .. "WHEN NEW.kind = 'incident' AND NEW.rel IN ('assets', 'threats', 'risks') BEGIN "
      .. "INSERT OR REPLACE INTO incident_touches(incident, rel, target, batch) VALUES (NEW.id, "
      .. "NEW.rel, NEW.target, (SELECT max(id) FROM change_batches)); END; "
      .. "ALTER TABLE incident_touches DROP COLUMN class; "
      -- the migrations after it go too and run again (19's vulnerability ratings, 21's task
      -- index, 22's incident pairs, 23's change sets)
      .. "ALTER TABLE vulnerabilities DROP COLUMN ratings; DROP INDEX rtp_tasks_status; "
      .. "DROP TABLE incident_pairs; DROP TRIGGER incident_pairs_threat; "
      .. "DROP TRIGGER incident_pairs_asset; DROP TRIGGER incident_pairs_unlink; "
      .. "DROP TRIGGER incident_pairs_change; DROP TABLE change_sets; "
      .. "PRAGMA user_version = " .. (this - 1))
    reg = assert(isms.open(path))
    assert.are.equal(version, reg:schema_version())
    assert.are.same(want, assert(isms.incidents.stats(reg)).by_class)
    -- and links made from now on carry it
    assert(reg:records("incidents"):add(incident({ assets = "AST-3" })))
    assert.are.same({ { class = "A", count = 1 }, { class = "B", count = 1 }, { class = "C", count = 2 } },
                    assert(isms.incidents.stats(reg)).by_class)
    reg:close()
  end)
end)

describe("incident commands", function()
  it("add refuses bad input (exit 3), and stats and likelihood answer in JSON", function()
    local reg, path = F.register()
    reg:close()
    local _, err, code = H.run("--db", path, "incidents", "add", "title=x", "detected=2026-11-02",
                               "severity=apocalyptic")
    assert.are.equal(3, code)
    assert.truthy(err:find("severity: 'apocalyptic' is not on the Incident severity scale", 1, true), err)
    local out
    out, err, code = H.run("--db", path, "incidents", "add", "title=Malware", "detected=2026-11-02",
                           "severity=high", "assets=AST-1", "threats=T-MALWARE")
    assert.are.equal(0, code, err)
    assert.are.equal("INC-001\n", out)
    out, _, code = H.run("--db", path, "incident-stats", "--json")
    assert.are.equal(0, code)
    local s = require("cjson").decode(out)
    assert.are.equal(1, s.total)
    -- lists stay lists when empty: nothing closed or contained, no category, in 2025 none at all
    assert.truthy(out:find('"by_category":[{', 1, true), out)
    out = H.run("--db", path, "incident-stats", "--to", "2025-12-31", "--json")
    for _, list in ipairs({ "by_class", "by_threat", "by_period", "by_severity", "by_category" }) do
      assert.truthy(out:find('"' .. list .. '":[]', 1, true), out)
    end
    out, _, code = H.run("--db", path, "likelihood", F.MALWARE, "--today", "2026-12-01")
    assert.are.equal(0, code)
    assert.truthy(out:find("O = 2 (", 1, true), out)
    assert.truthy(out:find("1 incident in the last 12 months", 1, true), out)
    assert.is_nil(out:find("yet rated", 1, true))  -- O = 2 with one incident: no flag
  end)
end)

describe("incidents beside likelihood where risks are shown", function()
  local dates = require "isms.docs.dates"
  local cjson = require "cjson"
  local report = require "isms.report"
  local models = require "isms.report.models"
  -- the risk list has no --today: the incidents are dated from today
  local today = os.date("!%Y-%m-%d")
  local reg, path

  local function with_incidents()
    for k = 1, 3 do
      assert(reg:records("incidents"):add(incident({ title = "malware " .. k,
        detected = dates.add_days(today, -30 * k) })))
    end
    -- outside the 12-month window: not counted
    assert(reg:records("incidents"):add(incident({ title = "old", detected = dates.add_days(today, -400) })))
  end

  before_each(function() reg, path = F.register() end)
  after_each(function() reg:close() end)

  it("lists risks with an incidents column and the flag only when the register holds incidents", function()
    local out, _, code = H.run("--db", path, "risks", "list", "--asset", "AST-1")
    assert.are.equal(0, code)
    assert.is_nil(out:find("incident", 1, true))
    out = H.run("--db", path, "risks", "list", "--asset", "AST-1", "--format", "json")
    assert.is_nil(out:find("incident", 1, true))
    with_incidents()
    out, _, code = H.run("--db", path, "risks", "list", "--asset", "AST-1")
    assert.are.equal(0, code)
    assert.truthy(out:find("incidents%s+incident flag"), out)
    local line = out:match("\n(" .. F.MALWARE:gsub("%p", "%%%0") .. "[^\n]*)")
    assert.truthy(line:find("%s3%s+three or more incidents in the window"), line)
    line = out:match("\n(" .. F.MALWARE2:gsub("%p", "%%%0") .. "[^\n]*)")
    assert.truthy(line:find("%s3%s*$"), line)                 -- rated O = 6: no flag
    out = H.run("--db", path, "risks", "list", "--asset", "AST-1", "--format", "json")
    local by = {}
    for _, r in ipairs(cjson.decode(out)) do by[r.ref] = r end
    assert.are.equal(3, by[F.MALWARE].incidents)
    assert.are.equal("three or more incidents in the window, yet rated among the least likely",
                     by[F.MALWARE].incident_flag)
    assert.are.equal(3, by[F.MALWARE2].incidents)
    assert.are.equal(cjson.null, by[F.MALWARE2].incident_flag)
    assert.are.equal(0, by["AST-1/T-DESTRUCTION/V-NO-BACKUP"].incidents)
    -- CSV stays the import format of the risk register
    out = H.run("--db", path, "risks", "list", "--asset", "AST-1", "--format", "csv")
    assert.is_nil(out:find("incident", 1, true))
    -- the prioritised list too
    out = H.run("--db", path, "risks", "list", "--top", "3", "--format", "json")
    by = {}
    for _, r in ipairs(cjson.decode(out)) do by[r.ref] = r end
    assert.are.equal(3, by[F.MALWARE].incidents)
    assert.truthy(by[F.MALWARE].incident_flag)
    assert.are.equal(0, by[F.THEFT].incidents)
    -- and the prioritised register of isms assess
    out, _, code = H.run("--db", path, "assess", "--top", "5")
    assert.are.equal(0, code)
    line = out:match("\n(%d+%s+" .. F.MALWARE:gsub("%p", "%%%0") .. "[^\n]*)")
    assert.truthy(line and line:find("%s3%s+three or more incidents in the window"), out)
    out = H.run("--db", path, "assess", "--format", "json")
    by = {}
    for _, r in ipairs(cjson.decode(out)) do by[r.ref] = r end
    assert.are.equal(3, by[F.MALWARE].incidents)
    assert.are.equal(0, by[F.THEFT].incidents)
  end)

  it("explains a risk with the incidents beside its likelihood and the flag", function()
    local out, _, code = H.run("--db", path, "risks", "explain", F.MALWARE)
    assert.are.equal(0, code)
    assert.is_nil(out:find("incidents:", 1, true))
    with_incidents()
    out, _, code = H.run("--db", path, "risks", "explain", F.MALWARE)
    assert.are.equal(0, code)
    assert.truthy(out:find("\nincidents: O = 2 %(.-%); 3 incidents in the last 12 months "
      .. "%(INC%-001, INC%-002, INC%-003%)\n  flag: three or more incidents in the window, yet rated "
      .. "among the least likely\n"), out)
    out = H.run("--db", path, "risks", "explain", F.THEFT)
    assert.truthy(out:find("\nincidents: O = 4 %(.-%); 0 incidents in the last 12 months\n$"), out)
    out = H.run("--db", path, "risks", "explain", F.MALWARE, "--format", "json")
    local e = cjson.decode(out)
    assert.are.equal(3, e.incidents.count)
    assert.are.same({ "INC-001", "INC-002", "INC-003" }, e.incidents.incidents)
    assert.truthy(e.incidents.flag)
    assert.are.equal("80", e.score)
  end)

  it("counts back from --today in risks list, risks explain and assess, reproducibly", function()
    for k, day in ipairs({ "2026-03-01", "2026-06-01", "2026-09-01", "2025-01-01" }) do
      assert(reg:records("incidents"):add(incident({ title = "malware " .. k, detected = day })))
    end
    local function listed(as_of, ...)
      local out, err, code = H.run("--db", path, "risks", "list", "--asset", "AST-1", "--today", as_of,
                                   "--format", "json", ...)
      assert.are.equal(0, code, err)
      local by = {}
      for _, r in ipairs(cjson.decode(out)) do by[r.ref] = r end
      return by[F.MALWARE]
    end
    -- the 12 months up to 2026-12-01: three, and the rating O = 2 flagged
    local r = listed("2026-12-01")
    assert.are.same({ 3, "three or more incidents in the window, yet rated among the least likely" },
                    { r.incidents, r.incident_flag })
    -- up to 2027-04-01: June and September; up to 2027-10-01: none
    assert.are.same({ 2, cjson.null }, { listed("2027-04-01").incidents, listed("2027-04-01").incident_flag })
    assert.are.equal(0, listed("2027-10-01").incidents)
    -- up to 2026-05-01: March only (and January 2025 is outside); later ones are not yet detected
    assert.are.equal(1, listed("2026-05-01").incidents)
    -- the detection day itself is in the window that ends on it
    assert.are.equal(2, listed("2026-06-01").incidents)
    assert.are.equal(1, listed("2026-04-01", "--top", "5").incidents)
    local out, err, code = H.run("--db", path, "risks", "explain", F.MALWARE, "--today", "2027-04-01")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("\nincidents: O = 2 %(.-%); 2 incidents in the last 12 months "
      .. "%(INC%-002, INC%-003%)\n$"), out)
    out = H.run("--db", path, "risks", "explain", F.MALWARE, "--today", "2027-04-01", "--format", "json")
    assert.are.same({ "INC-002", "INC-003" }, cjson.decode(out).incidents.incidents)
    out, err, code = H.run("--db", path, "assess", "--today", "2027-10-01", "--format", "json")
    assert.are.equal(0, code, err)
    for _, row in ipairs(cjson.decode(out)) do
      if row.ref == F.MALWARE then assert.are.equal(0, row.incidents) end
    end
    -- a bad date or --today where no window is counted: refused, exit 2
    for _, args in ipairs({ { "risks", "list", "--today", "2026-13-01" },
                            { "risks", "explain", F.MALWARE, "--today", "yesterday" },
                            { "assess", "--today", "2026-02-30" },
                            { "risks", "export", "-", "--today", "2026-12-01" } }) do
      local _, e, c = H.run("--db", path, unpack(args))
      assert.are.equal(2, c, e)
      assert.truthy(e:find("--today", 1, true), e)
    end
  end)

  it("puts the incidents and the flag in the report's most urgent risks", function()
    local model = assert(models.full(reg, { today = today, limit = 5 }))
    local risks
    for _, s in ipairs(model.sections) do if s.id == "risks" then risks = s end end
    for _, c in ipairs(risks.columns) do assert.are_not.equal("incidents", c.key) end
    with_incidents()
    model = assert(models.full(reg, { today = today, limit = 5 }))
    for _, s in ipairs(model.sections) do if s.id == "risks" then risks = s end end
    local keys = {}
    for _, c in ipairs(risks.columns) do keys[c.key] = c.title end
    assert.are.equal("Incidents", keys.incidents)
    assert.are.equal("Incident history flag", keys.incident_flag)
    local by = {}
    for _, r in ipairs(risks.rows) do by[r.ref] = r end
    assert.are.equal(3, by[F.MALWARE].incidents)
    assert.are.equal("three or more incidents in the window, yet rated among the least likely",
                     by[F.MALWARE].incident_flag)
    assert.are.equal(0, by[F.THEFT].incidents)
    local md = report.render(model, "markdown")
    assert.truthy(md:find("| Incidents | Incident history flag |", 1, true), md)
    assert.truthy(md:find("| 3 | three or more incidents in the window, yet rated among the least likely |",
                          1, true), md)
    local html = report.render(model, "html")
    assert.truthy(html:find("Incident history flag", 1, true))
    assert.truthy(html:find("three or more incidents in the window, yet rated among the least likely", 1,
                            true))
    local text = report.render(model, "table")
    assert.truthy(text:find("Incident history flag", 1, true), text)
    -- many rows read every incident once instead of looking up those of the rows: the same
    local beside = require "isms.incident.beside"
    local few = beside.FEW
    beside.FEW = 0
    local ok, again = pcall(models.full, reg, { today = today, limit = 5 })
    beside.FEW = few
    assert(ok, again)
    for _, s in ipairs(again.sections) do
      if s.id == "risks" then assert.are.same(risks.rows, s.rows) end
    end
    -- the report of one ISMS scope (isms report --scope) too
    assert(reg:records("scopes"):add({ id = "SR", title = "Server room", locations = "Server room" }))
    local scoped = assert(require("isms.context.scope_report").model(reg, "SR", { today = today }))
    for _, s in ipairs(scoped.sections) do if s.id == "risks" then risks = s end end
    keys, by = {}, {}
    for _, c in ipairs(risks.columns) do keys[c.key] = c.title end
    for _, r in ipairs(risks.rows) do by[r.ref] = r end
    assert.are.equal("Incident history flag", keys.incident_flag)
    assert.are.equal(3, by[F.MALWARE].incidents)
    assert.truthy(by[F.MALWARE].incident_flag)
    assert.is_nil(by[F.THEFT])   -- AST-2 is in the office
    -- the workbook's full risk sheet (streamed from SQLite) too, as of --today
    local tab = require "isms.store.tabular"
    local function sheet(as_of)
      local xlsx = H.tmp("full-" .. as_of .. ".xlsx")
      os.remove(xlsx)
      local _, err, code = H.run("--db", path, "report", "--full", "--format", "xlsx", "--out", xlsx,
                                 "--today", as_of)
      assert.are.equal(0, code, err)
      local t = assert(tab.open_xlsx(xlsx, { sheet = "Risks" }))
      local col, rows = {}, {}
      for k, h in ipairs(t.header) do col[h] = k end
      for row in function() return t:next() end do
        local flag = row[col["Incident history flag"]]
        rows[row[col.Risk]] = { tonumber(row[col.Incidents]), flag ~= "" and flag or nil }
      end
      return rows
    end
    local rows = sheet(today)
    assert.are.same({ 3, "three or more incidents in the window, yet rated among the least likely" },
                    rows[F.MALWARE])
    assert.are.same({ 3 }, rows[F.MALWARE2])      -- rated O = 6: no flag
    assert.are.same({ 0 }, rows[F.THEFT])
    -- a year on, the window holds none of them
    assert.are.same({ 0 }, sheet(dates.add_days(today, 400))[F.MALWARE])
  end)
end)

describe("incidents beside a likelihood past the fourth factor", function()
  it("reads the rating from rx and shows the tier's value and label", function()
    local _, path = H.register()
    local _, err, code = H.run("init", path, "--methodology", "tests/fixtures/methods/six-factors.lua")
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "import", "assets", H.file("assets.csv",
      "id,name,type,c,i,a\nDB-1,Customer DB,information,3,3,2\n"))
    assert.are.equal(0, code, err)
    -- financial (the fifth factor, stored in rx) rated 4 and 8; reputation (the sixth) not at all
    _, err, code = H.run("--db", path, "import", "risks", H.file("risks.csv",
      "ref,asset,threat,skill,motive,opportunity,technical,financial,reputation\n"
      .. "R1,DB-1,T-LEAK,5,2,8,3,4,8\nR2,DB-1,T-FIRE,9,9,9,9,8,unknown\n"))
    assert.are.equal(0, code, err)
    local reg = assert(isms.open(path))
    local rules = H.file("fin.lua", H.read("rules/incidents/default.lua")
      :gsub('factor = {[^}]*}', 'factor = { "financial" }')
      :gsub("flag = {.-\n  },\n", 'flag = { { incidents_at_least = 1, rated_at_most = 4, reason = "hit" } },\n', 1))
    assert(reg:set_setting("incident_rules", rules))
    assert(reg:records("incidents"):add({ title = "leak", detected = "2026-11-01", severity = "high",
                                          risks = "R1; R2" }))
    local b = assert(isms.incidents.beside_likelihood(reg, "R1", { today = "2026-12-01" }))
    assert.are.equal(4, b.tier)
    assert.are.equal("financial = 4 (4); 1 incident in the last 12 months", b.text)
    assert.are.equal("hit", b.flag)
    b = assert(isms.incidents.beside_likelihood(reg, "R2", { today = "2026-12-01" }))
    assert.are.equal(8, b.tier)
    assert.is_nil(b.flag)
    -- the sixth factor, not rated: no tier
    assert(reg:set_setting("incident_rules", H.file("rep.lua", H.read(rules):gsub('"financial"', '"reputation"'))))
    b = assert(isms.incidents.beside_likelihood(reg, "R2", { today = "2026-12-01" }))
    assert.is_nil(b.tier)
    assert.are.equal("reputation not rated; 1 incident in the last 12 months", b.text)
    b = assert(isms.incidents.beside_likelihood(reg, "R1", { today = "2026-12-01" }))
    assert.are.equal(8, b.tier)
    reg:close()
  end)
end)
