-- Stale records (isms.currency): each trigger of rules/triggers/ makes the
-- rated risks its change concerns stale, with the reason in words and the
-- batch that caused it; re-rating or reviewing clears them; review cycles
-- (rules/cycles/) make records due; the same rules propose internal
-- audits. Bad rule files and reviews are refused with nothing written.
local H = require "helper"
local F = require "current_fixture"
local isms = require "isms"
local cjson = require "cjson"

local currency = isms.currency

-- { [ref] = { trigger = reason, ... } } of the stale risks.
local function stale(reg, opts)
  local by = {}
  for _, r in ipairs(assert(currency.stale(reg, opts))) do
    by[r.id] = by[r.id] or {}
    for _, x in ipairs(r.reasons) do by[r.id][x.trigger] = x end
  end
  return by
end

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

local function rerate(reg, ref, ratings)
  assert(reg:set_risk(ref, { ratings = ratings }))
end

describe("stale risks", function()
  local reg, path
  before_each(function() reg, path = F.register() end)
  after_each(function() reg:close() end)

  it("are none in a register just rated", function()
    assert.are.same({}, assert(currency.stale(reg)))
    assert.are.equal(0, assert(currency.stale_summary(reg)).total)
  end)

  it("valuation: an asset re-valued after its risks were rated; re-rating clears it", function()
    -- setting C re-values the register in a batch of its own (command "value")
    assert(reg:set_asset("AST-1", "c", "Confidential", "downgraded"))
    local batch = reg:batches()[#reg:batches()].id
    local s = stale(reg)
    assert.are.equal(2, count(s))  -- AST-1's two rated risks; unrated ones are not stale
    local why = s[F.MALWARE].valuation
    assert.are.equal(batch, why.batch)
    assert.are.equal("value", why.command)
    assert.truthy(why.reason:find("^the valuation of asset AST%-1 changed in batch %d+ %(value, "
                                  .. "%d%d%d%d%-%d%d%-%d%d%), after the risk was assessed %(batch %d+%)$"),
                  why.reason)
    assert.is_nil(s[F.THEFT])
    rerate(reg, F.MALWARE, { S = 8, O = 3, D = 5 })
    s = stale(reg)
    assert.is_nil(s[F.MALWARE])
    assert.truthy(s[F.MALWARE2])
    -- a risk created with its ratings is assessed by the batch that created it
    assert(reg:put_risks({ { ref = "AST-2/OWN-1", asset = "AST-2", threat = "T-MALWARE",
                             ratings = { S = 3, O = 3, D = 3 } } }))
    assert.is_nil(stale(reg)["AST-2/OWN-1"])
    assert(reg:set_asset("AST-2", "i", "High"))
    assert.truthy(stale(reg)["AST-2/OWN-1"].valuation)
  end)

  it("incident: one on the risk's asset and threat, recorded after the rating", function()
    local incidents = reg:records("incidents")
    -- on AST-1 but another threat: not these risks
    assert(incidents:add({ title = "Theft", detected = "2026-11-01", severity = "low",
                           assets = "AST-1", threats = "T-EQUIPMENT-THEFT" }))
    assert.is_nil(stale(reg)[F.MALWARE])
    local rep = assert(incidents:add({ title = "Ransomware", detected = "2026-11-02", severity = "high",
                                       assets = "AST-1", threats = "T-MALWARE" }))
    local s = stale(reg)
    assert.are.equal(2, count(s))
    local why = s[F.MALWARE].incident
    assert.are.equal(rep.batch, why.batch)
    assert.truthy(why.reason:find("incident INC-002 (high, detected 2026-11-02) touched it in batch "
                                  .. rep.batch, 1, true), why.reason)
    -- an incident that names a risk itself always touches it
    assert(incidents:add({ title = "DoS", detected = "2026-11-03", severity = "medium", risks = F.DOS }))
    assert.truthy(stale(reg)[F.DOS].incident)
    -- a link taken back (a correction) no longer counts
    assert(incidents:set("INC-002", { threats = "" }))
    assert.is_nil(stale(reg)[F.MALWARE])
    -- an incident recorded before the rating is in it already
    rerate(reg, F.DOS, { S = 6, O = 5, D = 3 })
    assert.is_nil(stale(reg)[F.DOS])
  end)

  it("incident: the trigger file's match and least severity decide", function()
    local incidents = reg:records("incidents")
    assert(incidents:add({ title = "Theft", detected = "2026-11-01", severity = "low",
                           assets = "AST-1", threats = "T-EQUIPMENT-THEFT" }))
    local file = H.file("t.lua", 'trigger "incident" { on = "incident", match = "asset" }\n')
    assert(reg:set_setting("trigger_rules", file))
    local s = stale(reg)
    assert.truthy(s[F.MALWARE] and s[F.MALWARE2])
    file = H.file("t.lua", 'trigger "incident" { on = "incident", match = "threat" }\n')
    assert(reg:set_setting("trigger_rules", file))
    s = stale(reg)
    assert.truthy(s[F.THEFT])
    assert.is_nil(s[F.MALWARE])
    file = H.file("t.lua", 'trigger "incident" { on = "incident", match = "threat", min_severity = "high" }\n')
    assert(reg:set_setting("trigger_rules", file))
    assert.are.same({}, stale(reg))
    file = H.file("t.lua", 'trigger "incident" { on = "incident", min_severity = "dire" }\n')
    assert(reg:set_setting("trigger_rules", file))
    local _, err, code = currency.stale(reg)
    assert.are.equal("RULE", code)
    assert.truthy(err:find(file .. ":1: trigger 'incident': min_severity: 'dire' is not on the "
                           .. "Incident severity scale", 1, true), err)
  end)

  it("a review clears a stale risk, and later changes make it stale again", function()
    assert(reg:set_asset("AST-1", "c", "Confidential"))
    assert.truthy(stale(reg)[F.MALWARE])
    local rep = assert(currency.review(reg, "risks", F.MALWARE, { by = "CISO", note = "still valid" }))
    assert.are.equal(1, rep.count)
    assert.is_nil(stale(reg)[F.MALWARE])
    assert.truthy(stale(reg)[F.MALWARE2])
    local r = reg:records("record_review"):get("risk / " .. F.MALWARE)
    assert.are.equal("CISO", r.reviewer)
    assert.are.equal("still valid", r.note)
    -- the same day again: still one more review, so the risk is assessed anew
    assert(reg:set_asset("AST-1", "c", "Secret"))
    assert.truthy(stale(reg)[F.MALWARE])
    assert.are.equal(2, assert(currency.review(reg, "risk", F.MALWARE)).count)
    assert.is_nil(stale(reg)[F.MALWARE])
  end)

  it("threat and vulnerability: a catalog that changes one", function()
    local text = H.read("rules/catalogs/generic.lua")
    text = text:gsub('title = "Malware, including ransomware"', 'title = "Malware and ransomware"', 1)
    local changed = H.file("generic.lua", text)
    assert(reg:generate_risks(changed))
    local s = stale(reg)
    assert.truthy(s[F.MALWARE].threat.reason:find("threat T-MALWARE changed in batch", 1, true))
    assert.is_nil(s[F.THEFT])
    -- the change is logged like any other
    local logged = false
    for _, c in ipairs(reg:changes("T-MALWARE")) do
      if c.entity == "threat" and c.field == "title" and c.new == "Malware and ransomware" then
        logged = true
      end
    end
    assert.is_true(logged)
    rerate(reg, F.MALWARE, { S = 8, O = 3, D = 5 })
    rerate(reg, F.MALWARE2, { S = 8, O = 5, D = 5 })
    local vtext = text:gsub('title = "Sensitive data stored or sent without encryption"',
                            'title = "Data not encrypted at rest or in transit"', 1)
    assert(vtext ~= text)
    assert(reg:generate_risks(H.file("generic.lua", vtext)))
    s = stale(reg)
    assert.truthy(s[F.THEFT].vulnerability.reason:find("vulnerability V-NO-ENCRYPTION changed", 1, true))
    assert.is_nil(s[F.MALWARE])
  end)

  it("control status: a control of the risk's treatment changes status in the SoA", function()
    assert(reg:treat(F.MALWARE2, { option = "modify", controls = { "A.8.7" },
                                   residual = { S = 8, O = 2, D = 3 } }))
    assert(reg:set_soa("A.8.7", { applicable = true, reasons = { "risk" }, status = "planned" }))
    rerate(reg, F.MALWARE2, { S = 8, O = 6, D = 4 })
    assert.are.same({}, stale(reg))
    assert(reg:set_soa("A.8.7", { applicable = true, reasons = { "risk" }, status = "implemented" }))
    local s = stale(reg)
    assert.are.equal(1, count(s))
    assert.truthy(s[F.MALWARE2].control.reason:find("control A.8.7 of its treatment changed status "
                                                     .. "in the SoA", 1, true))
  end)

  it("methodology: every risk rated under the old one", function()
    assert(reg:set_methodology("demo/qism-strict.lua", "stricter bands"))
    local s = stale(reg)
    assert.are.equal(4, count(s))
    assert.truthy(s[F.DOS].methodology.reason:find("the methodology changed (qism-fmea -> "
                                                   .. "demo/qism-strict.lua)", 1, true))
  end)

  it("scope: an asset whose scope changed after the rating", function()
    reg:close()
    F.sql(path, "INSERT INTO change_batches(at, actor, command) VALUES ('2026-12-01T00:00:00Z', "
      .. "'test', 'scope'); INSERT INTO change_log(batch, entity, entity_id, action, field, old, new) "
      .. "VALUES ((SELECT max(id) FROM change_batches), 'asset', 'AST-2', 'update', 'scope', 'HQ', NULL)")
    reg = assert(isms.open(path))
    local s = stale(reg)
    assert.are.equal(1, count(s))
    assert.truthy(s[F.THEFT].scope.reason:find("asset AST-2 changed scope in batch", 1, true))
  end)

  it("review due: a passed review date, by the cycle of the risk's level", function()
    -- today + 7 months: the High risk (6 months) is due, the others (12) not yet
    local today = assert(reg:query("SELECT date('now', '+7 months') AS d")()).d
    local s = stale(reg, { today = today })
    local high = {}
    for _, r in ipairs(reg:risks()) do if r.level == "High" then high[r.ref] = true end end
    assert.is_true(next(high) ~= nil)
    for ref in pairs(s) do
      if ref:find("/", 1, true) then assert.truthy(high[ref], ref) end
    end
    local one = next(high)
    assert.truthy(s[one].review.reason:find("risks of level High are reviewed every 6 months", 1, true),
                  s[one].review.reason)
    assert.is_nil(s[one].review.batch)
    -- a review with its own next date decides instead of the cycle
    assert(currency.review(reg, "risk", one, { next = today }))
    assert.is_nil(stale(reg, { today = today })[one])
    local later = assert(reg:query("SELECT date(?1, '+1 day') AS d", today)()).d
    assert.truthy(stale(reg, { today = later })[one].review.reason:find("next review " .. today
                                                                        .. " passed", 1, true))
    -- two years on, every record with a cycle is due, the rule files too; the two
    -- risks re-valued are both stale and due, and counted once
    assert(reg:set_asset("AST-1", "c", "Confidential"))
    local far = assert(reg:query("SELECT date('now', '+25 months') AS d")()).d
    local summary = assert(currency.stale_summary(reg, { today = far }))
    local all = assert(currency.stale(reg, { today = far }))
    assert.are.equal(#all, summary.total)
    local reasons = 0
    for _, r in ipairs(all) do reasons = reasons + #r.reasons end
    assert.are.equal(#all + 2, reasons)
    local per = 0
    for _, t in ipairs(summary.by_trigger) do per = per + t.reasons end
    assert.are.equal(reasons, per)
    local kinds = {}
    for _, r in ipairs(all) do kinds[r.kind] = (kinds[r.kind] or 0) + 1 end
    assert.are.equal(3, kinds.asset)
    assert.are.equal(4, kinds.risk)
    assert.are.equal(4, kinds.rule_file)  -- methodology, incident, cycle and trigger rules
  end)

  it("review due: documents by their own approval and cycle, or a review of them", function()
    local docs = reg:records("document")
    -- approved with a 6-month cycle (next review 2026-07-15); approved without one (the
    -- cycle file's 12 months); a draft, never due
    assert(docs:add({ id = "DOC-A", title = "Access policy", status = "approved", approver = "CISO",
                      approved = "2026-01-15", review_months = 6 }))
    assert(docs:add({ id = "DOC-B", title = "Backup procedure", status = "approved", approver = "CISO",
                      approved = "2026-02-01" }))
    assert(docs:add({ id = "DOC-C", title = "Clear desk", status = "draft" }))
    local function due(today)
      local out = {}
      for _, r in ipairs(assert(currency.stale(reg, { today = today, kind = "document" }))) do
        out[r.id] = r.reasons[1].reason
      end
      return out
    end
    assert.are.same({}, due("2026-07-15"))
    assert.are.same({ ["DOC-A"] = "review due: approved 2026-01-15, next review 2026-07-15; documents "
      .. "are reviewed every 6 months" }, due("2026-07-16"))
    -- a review moves the next one by the document's cycle (or to its own date)
    assert(currency.review(reg, "document", "DOC-A", { on = "2026-08-01" }))
    assert.are.same({}, due("2026-08-02"))
    local later = due("2027-02-02")
    assert.are.equal("review due: last reviewed 2026-08-01, next review 2027-02-01; documents are "
      .. "reviewed every 6 months", later["DOC-A"])
    assert.are.equal("review due: approved 2026-02-01, next review 2027-02-01; documents are reviewed "
      .. "every 12 months", later["DOC-B"])
    assert.is_nil(later["DOC-C"])
    -- approved again after the review: the new approval counts
    assert(docs:set("DOC-B", { approved = "2027-01-20" }))
    assert.is_nil(due("2027-02-02")["DOC-B"])
    -- counted by the summary, and by the noun or plural of the kind
    assert.are.equal(1, assert(currency.stale_summary(reg, { today = "2027-02-02", kind = "documents" })).total)
    assert.are.equal(1, #assert(currency.stale(reg, { today = "2027-02-02", kind = "docs" })))
  end)

  it("refuses a kind or trigger that makes nothing stale, naming those that do", function()
    local _, err, code = currency.stale(reg, { kind = "gizmo" })
    assert.are.equal("USAGE", code)
    assert.truthy(err:find("--kind: no record of kind 'gizmo' can be stale under ", 1, true), err)
    assert.truthy(err:find("expected one of risk, asset, supplier, soa, rule_file, document", 1, true), err)
    _, err, code = currency.stale_summary(reg, { trigger = "moon" })
    assert.are.equal("USAGE", code)
    assert.truthy(err:find("--trigger: no trigger 'moon' makes records stale in ", 1, true), err)
    assert.truthy(err:find("expected one of valuation, incident, ", 1, true), err)
    reg:close()
    for _, args in ipairs({ { "--kind", "gizmo" }, { "--trigger", "moon", "--summary" } }) do
      local out, e, c = H.run("--db", path, "stale", unpack(args))
      assert.are.equal(2, c, e)
      assert.are.equal("", out)
      assert.truthy(e:find("no ", 1, true), e)
    end
    reg = assert(isms.open(path))
  end)

  it("lists every stale record in JSON from the command line, and reviewing clears it", function()
    assert(reg:set_asset("AST-3", "a", "High"))
    reg:close()
    local out, err, code = H.run("--db", path, "stale", "--json")
    assert.are.equal(0, code, err)
    local list = cjson.decode(out)
    assert.are.equal(1, #list)
    assert.are.equal(F.DOS, list[1].id)
    assert.are.equal("valuation", list[1].reasons[1].trigger)
    assert.is_number(list[1].reasons[1].batch)
    out = H.run("--db", path, "stale", "--summary")
    assert.truthy(out:find("valuation  valuation  1        1", 1, true), out)
    assert.truthy(out:find("1 stale records", 1, true), out)
    out, err, code = H.run("--db", path, "reviewed", "risk", F.DOS, "--note", "checked")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("reviewed risk " .. F.DOS .. " (review 1, batch", 1, true), out)
    out = H.run("--db", path, "stale")
    assert.are.equal("no stale records\n", out)
  end)
end)

describe("reviews", function()
  it("refuses reviews of nothing, and dates out of order, writing nothing", function()
    local reg, path = F.register()
    local reviews = reg:records("record_review")
    F.refused(path, "record: no risk 'AST-1/T-NONE' in the register", function()
      return currency.review(reg, "risk", "AST-1/T-NONE")
    end)
    F.refused(path, "'gizmo' is not a kind of record", function()
      return currency.review(reg, "gizmo", "X-1")
    end)
    F.refused(path, "next_review: the next review (2026-01-01) comes after this one (2026-06-01)",
      function() return currency.review(reg, "asset", "AST-1", { on = "2026-06-01", next = "2026-01-01" }) end)
    F.refused(path, "record: no rule_file 'methodologies/nope' in the register", function()
      return reviews:add({ kind = "rule_file", record = "methodologies/nope", reviewed = "2026-01-01" })
    end)
    assert(currency.review(reg, "rule-file", "methodologies/qism-fmea", { on = "2026-06-01" }))
    F.refused(path, "record: no supplier 'SUP-1' in the register", function()
      return currency.review(reg, "suppliers", "SUP-1", { on = "2026-06-01" })
    end)
    reg:close()
  end)
end)

describe("trigger and cycle rule files", function()
  it("refuse unknown trigger kinds and fields that do not fit, naming file and line", function()
    local cases = {
      { 'trigger "a" { on = "valuation" }\ntrigger "b" { on = "moon_phase" }\n',
        ":2: trigger 'b': on: unknown trigger kind 'moon_phase'; expected one of asset_change, "
        .. "control_status, incident, methodology, requirement, review_due, scope, threat, valuation, "
        .. "vulnerability" },
      { 'trigger "a" { }\n', ":1: trigger 'a': on: missing" },
      { 'trigger "a" { on = "requirement", stale = true }\n',
        "a trigger on requirement proposes audits only; it cannot make records stale" },
      { 'trigger "a" { on = "review_due", audit = true }\n', "a trigger on review_due does not propose audits" },
      { 'trigger "a" { on = "valuation", match = "asset" }\n', "match: only a trigger on incident takes match" },
      { 'trigger "a" { on = "incident", match = "anywhere" }\n', "match: unknown match 'anywhere'" },
      { 'trigger "a" { on = "valuation", when = 1 }\n', "when: unknown field" },
      { 'trigger "a" { on = "valuation" }\ntrigger "a" { on = "threat" }\n', ":2: trigger 'a': declared twice" },
      { 'review_cycle "risk" { months = 6 }\n', ":1: review_cycle 'risk': not a trigger word" },
    }
    for _, c in ipairs(cases) do
      local spec, err, code = currency.rules.load_triggers(H.file("triggers.lua", c[1]))
      assert.is_nil(spec)
      assert.are.equal("RULE", code)
      assert.truthy(err:find(c[2], 1, true), err)
    end
    local cycles = {
      { 'review_cycle "gizmo" { months = 6 }\n', ":1: review_cycle 'gizmo': unknown kind of record" },
      { 'review_cycle "risk" { months = 0 }\n', "months: expected a whole number of months from 1 to 120" },
      { 'review_cycle "risk" { months = 12, class = { A = 6 } }\n', "class: unknown field" },
      { 'review_cycle "soa" { months = 12 }\nreview_cycle "soa" { months = 6 }\n', ":2: review_cycle 'soa': declared twice" },
    }
    for _, c in ipairs(cycles) do
      local spec, err, code = currency.rules.load_cycles(H.file("cycles.lua", c[1]))
      assert.is_nil(spec)
      assert.are.equal("RULE", code)
      assert.truthy(err:find(c[2], 1, true), err)
    end
  end)

  it("are chosen with isms current, and a bad one is refused with nothing written", function()
    local reg, path = F.register()
    reg:close()
    local bad = H.file("bad.lua", 'trigger "x" { on = "sunspots" }\n')
    local before = F.dump(path)
    local _, err, code = H.run("--db", path, "current", "--triggers", bad)
    assert.are.equal(3, code)
    assert.truthy(err:find("unknown trigger kind 'sunspots'", 1, true), err)
    assert.are.equal(before, F.dump(path))
    local good = H.file("good.lua", 'trigger "v" { on = "valuation" }\n')
    local out
    out, err, code = H.run("--db", path, "current", "--triggers", good)
    assert.are.equal(0, code, err)
    assert.truthy(out:find(good, 1, true), out)
    assert.truthy(out:find("stale records: 0", 1, true), out)
  end)
end)

describe("internal audits proposed", function()
  it("by incidents, asset changes and interested-party requirements within the window", function()
    local reg, path = F.register()
    local incidents = reg:records("incidents")
    assert(incidents:add({ title = "Old", detected = "2025-01-01", severity = "low" }))
    assert(incidents:add({ title = "Recent", detected = "2026-11-20", severity = "high" }))
    local list = assert(currency.audits(reg, { today = "2026-12-01" }))
    local by = {}
    for _, a in ipairs(list) do by[a.on] = a end
    assert.are.equal(1, by.incident.count)
    assert.truthy(by.incident.reason:find("1 incidents detected since 2026-09-02: INC-002 (high)", 1, true),
                  by.incident.reason)
    assert.is_nil(by.requirement)
    reg:close()
    F.sql(path, "INSERT INTO change_batches(at, actor, command) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', "
      .. "'now'), 'test', 'obligations add'); INSERT INTO change_log(batch, entity, entity_id, action) "
      .. "VALUES ((SELECT max(id) FROM change_batches), 'obligation', 'OBL-1', 'create')")
    local out = H.run("--db", path, "propose-audits")
    assert.truthy(out:find("interested party", 1, true), out)
    assert.truthy(out:find("obligation OBL-1", 1, true), out)
    assert.truthy(out:find("asset change", 1, true), out)
    -- the audit programme shows them under its areas; its JSON stays the areas
    out = H.run("--db", path, "audits", "programme", "--today", "2026-12-01")
    assert.truthy(out:find("\ninternal audits the trigger file proposes (isms propose-audits): ", 1, true),
                  out)
    assert.truthy(out:find("\n  incident: 1 incidents detected since 2026-09-02: INC-002 (high)\n", 1, true),
                  out)
    out = H.run("--db", path, "audits", "programme", "--today", "2026-12-01", "--json")
    assert.is_nil(out:find("proposes", 1, true), out)
    assert.are.same({}, cjson.decode(out))
  end)
end)

describe("the incident pairs (a threat and an asset of one incident)", function()
  -- every (threat, asset, incident, later batch) the touches give, as "T A I B" lines
  local function pairs_of(reg, from_touches)
    local sql = from_touches
      and "SELECT h.target || ' ' || a.target || ' ' || h.incident || ' ' || max(h.batch, a.batch) AS x "
        .. "FROM incident_touches h JOIN incident_touches a ON a.incident = h.incident AND "
        .. "a.rel = 'assets' WHERE h.rel = 'threats' ORDER BY 1"
      or "SELECT threat || ' ' || asset || ' ' || incident || ' ' || batch AS x FROM incident_pairs ORDER BY 1"
    local out = {}
    for row in reg:query(sql) do out[#out + 1] = row.x end
    return out
  end

  it("follow every add, change and delete of an incident's links", function()
    local reg, path = F.register()
    local incidents = reg:records("incidents")
    assert(incidents:add({ title = "A", detected = "2026-11-01", severity = "low",
                           assets = "AST-1; AST-2", threats = "T-MALWARE" }))
    assert(incidents:add({ title = "B", detected = "2026-11-02", severity = "high", assets = "AST-1" }))
    assert.are.equal(2, #pairs_of(reg))
    -- a threat linked later: the pair dates from the later link, and stale says so
    local rep = assert(incidents:set("INC-002", { threats = "T-MALWARE" }))
    local p = pairs_of(reg)
    assert.are.same(pairs_of(reg, true), p)
    assert.are.equal(3, #p)
    assert.are.equal("T-MALWARE AST-1 INC-002 " .. rep.batch, p[2])
    assert(incidents:set("INC-001", { assets = "AST-2; AST-3", threats = "T-MALWARE; T-DOS-ATTACK" }))
    assert.are.same(pairs_of(reg, true), pairs_of(reg))
    assert.are.equal(5, #pairs_of(reg))
    assert(incidents:set("INC-001", { threats = "" }))
    assert.are.same({ "T-MALWARE AST-1 INC-002 " .. rep.batch }, pairs_of(reg))
    assert(incidents:delete("INC-002"))
    assert.are.same({}, pairs_of(reg))
    assert.are.same({}, assert(currency.stale(reg)))
    -- a touch's batch moved by hand (as a repair would) moves its pairs
    assert(incidents:add({ title = "C", detected = "2026-11-03", severity = "low",
                           assets = "AST-1", threats = "T-MALWARE" }))
    reg:close()
    F.sql(path, "UPDATE incident_touches SET batch = batch + 5 WHERE rel = 'threats'")
    reg = assert(isms.open(path))
    assert.are.same(pairs_of(reg, true), pairs_of(reg))
    assert.are.equal(1, #pairs_of(reg))
    reg:close()
  end)

  it("are made by the migration for the incidents an existing register holds", function()
    local reg, path = F.register()
    local incidents = reg:records("incidents")
    assert(incidents:add({ title = "A", detected = "2026-11-01", severity = "low",
                           assets = "AST-1; AST-2", threats = "T-MALWARE; T-DOS-ATTACK" }))
    local want = pairs_of(reg)
    assert.are.equal(4, #want)
    local stale_before = stale(reg)
    local version = reg:schema_version()
    reg:close()
    local this = H.migration_number("CREATE TABLE incident_pairs")
    -- (and 23's change sets, made again after it)
    F.sql(path, "DROP TABLE incident_pairs; DROP TRIGGER incident_pairs_threat; "
      .. "DROP TRIGGER incident_pairs_asset; DROP TRIGGER incident_pairs_unlink; "
      .. "DROP TRIGGER incident_pairs_change; DROP TABLE change_sets; PRAGMA user_version = "
      .. (this - 1))
    reg = assert(isms.open(path))
    assert.are.equal(version, reg:schema_version())
    assert.are.same(want, pairs_of(reg))
    assert.truthy(stale_before[F.MALWARE].incident)
    assert.are.same(stale_before, stale(reg))
    reg:close()
  end)
end)

describe("the keeping-current schema migration", function()
  it("gives the rated risks of an existing register their assessment from the change log", function()
    local reg, path = F.register()
    local version = reg:schema_version()
    -- This migration is 9; 10 (running the ISMS, issue #14), 11 (the
    -- indexes of the speed goals) and 13 (further ratings and threat
    -- affects, issue #16) came after it: their tables, indexes and columns
    -- go too, and every migration from 9 on runs again (12 only adds to a
    -- table dropped here; 14 re-makes the valuation index that 9 makes; 15's
    -- hash chain tables go and the chain starts again; 16's residual
    -- column rrx goes and is added again; 17's index on the tasks' due
    -- dates goes; 19's vulnerability ratings go and come again; 20 rebuilds the
    -- change log as it stands; 21's index on the tasks' status goes; 22's
    -- incident pairs and 23's change sets go; 18 only adds to tables
    -- dropped here).
    local LATER = "DROP INDEX risks_open; DROP INDEX risks_undecided; DROP TABLE documents; DROP TABLE document_versions; DROP TABLE measurements; "
      .. "DROP TABLE audit_programme; DROP TABLE audits; DROP TABLE findings; "
      .. "DROP TABLE nonconformities; DROP TABLE corrective_actions; DROP TABLE reviews; "
      .. "DROP TABLE review_actions; DROP TABLE feedback; "
      .. "ALTER TABLE risks DROP COLUMN rx; ALTER TABLE threats DROP COLUMN affects; "
      .. "ALTER TABLE threats DROP COLUMN ratings; ALTER TABLE treatments DROP COLUMN rrx; "
      .. "DROP TABLE chain_tables; DROP TABLE chain_rows; DROP TABLE chain_links; "
      .. "DROP INDEX rtp_tasks_due; ALTER TABLE vulnerabilities DROP COLUMN ratings; "
      .. "DROP INDEX rtp_tasks_status; DROP TABLE incident_pairs; DROP TABLE change_sets; "
    rerate(reg, F.MALWARE, { S = 9, O = 2, D = 5 })
    local want = {}
    for row in reg:query("SELECT ref, assessed_batch FROM risks WHERE assessed_batch IS NOT NULL") do
      want[row.ref] = row.assessed_batch
    end
    reg:close()
    -- back to the schema before, as a register made before this one was
    F.sql(path, "DROP TRIGGER risks_assessed_rating; "
      .. "DROP INDEX risks_assessed; DROP INDEX risks_threat; ALTER TABLE risks DROP COLUMN "
      .. "assessed_batch; DROP TABLE incidents; DROP TABLE incident_events; DROP TABLE suppliers; "
      .. "DROP TABLE supplier_contracts; DROP TABLE supplier_certifications; DROP TABLE record_reviews; "
      .. "DROP TRIGGER threats_log; DROP TRIGGER vulnerabilities_log; DROP INDEX change_log_valuation; "
      .. "DROP INDEX change_log_scope; DROP INDEX change_log_catalog; DROP INDEX change_log_soa_status; "
      .. "DROP TRIGGER incident_touches_link; DROP TRIGGER incident_touches_unlink; "
      .. "DROP TABLE incident_touches; " .. LATER .. "PRAGMA user_version = 8")
    reg = assert(isms.open(path))
    assert.are.equal(version, reg:schema_version())
    local got = {}
    for row in reg:query("SELECT ref, assessed_batch FROM risks WHERE assessed_batch IS NOT NULL") do
      got[row.ref] = row.assessed_batch
    end
    assert.are.same(want, got)
    assert.are.same({}, assert(currency.stale(reg)))
    reg:close()
  end)
end)
