-- Documented information (isms.docs): the document register with file
-- digests, derived review and retention dates, versions with reasons,
-- the mandatory list of a rule file, docs check and docs verify; every
-- bad input refused with nothing written.
local H = require "helper"
local F = require "operations_fixture"
local docs = require "isms.docs"

local function dir_of(path) return path:match("^(.*)/[^/]*$") end

describe("documented information", function()
  local reg, path, coll, dir
  before_each(function()
    reg, path = F.register()
    coll = reg:records("document")
    dir = dir_of(path)
    H.write(dir .. "/isp.txt", "information security policy, version 1\n")
  end)
  after_each(function() reg:close() end)

  it("takes SHA-256 digests from libcrypto (FIPS 180-2 test vectors)", function()
    assert.are.equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", docs.sha256("abc"))
    assert.are.equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", docs.sha256(""))
    local f = H.write(dir .. "/vector.txt", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
    assert.are.equal("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", docs.sha256_file(f))
    local _, err, code = docs.sha256_file(dir .. "/nothing-here")
    assert.are.equal("NOTFOUND", code)
    assert.truthy(err:find("no file at", 1, true))
    _, err, code = docs.sha256_file(dir)
    assert.are.equal("IO", code)
    assert.truthy(err:find("cannot be read as a file", 1, true))
  end)

  it("registers a file with its SHA-256 and derives the next review and retention dates", function()
    assert(coll:add({ id = "POL-001", title = "Information security policy", type = "policy",
                      path = "isp.txt", status = "approved", approver = "Managing Director",
                      approved = "2026-01-31", review_months = 1, retention_months = 24,
                      fulfils = "policy", controls = "A.5.1" }))
    local d = coll:get("POL-001")
    assert.are.equal(docs.sha256("information security policy, version 1\n"), d.sha256)
    assert.are.equal(64, #d.sha256)
    assert.are.equal("2026-02-28", d.next_review)     -- a month on, clamped to February
    assert.are.equal("2028-01-31", d.retain_until)
    assert.are.same({ "A.5.1" }, d.controls)
    -- an explicit next review date stays as given
    assert(coll:set("POL-001", { next_review = "2026-06-30" }))
    assert.are.equal("2026-06-30", coll:get("POL-001").next_review)
    -- a URL is kept without a digest
    assert(coll:add({ id = "WEB-1", title = "Intranet page", path = "https://intranet.example/isms" }))
    assert.is_nil(coll:get("WEB-1").sha256)
  end)

  it("refuses bad documents with a clear message and writes nothing", function()
    assert(coll:add({ id = "POL-001", title = "Policy", path = "isp.txt" }))
    local cases = {
      { { id = "POL-001", title = "again" }, "document 'POL-001' exists already" },
      { { title = "x", approved = "2026-02-30" }, "approved: '2026-02-30' is not a date" },
      { { title = "x", approved = "yesterday" }, "approved: 'yesterday' is not a date" },
      { { title = "x", approved = "2026-05-01", next_review = "2026-04-01" },
        "next_review: 2026-04-01 is before the approval on 2026-05-01" },
      { { title = "x", approved = "2026-05-01", withdrawn = "2025-01-01" },
        "withdrawn: 2025-01-01 is before the approval on 2026-05-01" },
      { { title = "x", status = "approved" }, "names its approver and the approval date" },
      { { title = "x", status = "disposed", disposed = "2026-01-01" },
        "records when (disposed), who (disposed_by) and why" },
      { { title = "x", path = "no-such-file.pdf" }, "path: no file at" },
      { { title = "x", controls = "A.5.1; A.99.9" }, "controls: no control 'A.99.9' in the register" },
      { { title = "x", fulfils = "policy; nonsense" }, "'nonsense' is not an item of the mandatory list" },
      { { title = "x", type = "memo" }, "type: 'memo' is not one of policy" },
      { { title = "x", review_months = 0 }, "review_months: 0 is below the least allowed" },
      { { title = "x", sha256 = "abc" }, "sha256: expected 64 hex digits" },
    }
    for _, c in ipairs(cases) do
      F.refused(path, c[2], function() return coll:add(c[1]) end)
    end
    F.refused(path, "no document 'DOC-404'", function() return coll:set("DOC-404", { title = "x" }) end,
              "NOTFOUND")
  end)

  it("revises: a new version with its reason and digest in one batch, or nothing", function()
    assert(coll:add({ id = "POL-001", title = "Policy", path = "isp.txt", version = "1.0",
                      status = "approved", approver = "MD", approved = "2026-01-10", review_months = 12 }))
    H.write(dir .. "/isp.txt", "information security policy, version 2\n")
    local rep = assert(docs.revise(reg, "POL-001", { version = "2.0", reason = "2022 edition of the standard",
                                                     author = "CISO", date = "2026-03-01" }))
    assert.are.equal(1, rep.created)
    local d = coll:get("POL-001")
    assert.are.equal("2.0", d.version)
    assert.are.equal("draft", d.status)            -- a new version is approved anew
    assert.is_nil(d.approved)
    assert.are.equal(docs.sha256("information security policy, version 2\n"), d.sha256)
    local v = docs.versions(reg, "POL-001")
    assert.are.equal(1, #v)
    assert.are.equal("2022 edition of the standard", v[1].reason)
    assert.are.equal(d.sha256, v[1].sha256)
    assert(docs.revise(reg, "POL-001", { version = "3.0", reason = "new CISO", approved_by = "MD",
                                         date = "2026-04-01" }))
    assert.are.equal("approved", coll:get("POL-001").status)
    assert.are.equal("2027-04-01", coll:get("POL-001").next_review)
    -- a version recorded before: the document's change is rolled back with it
    F.refused(path, "document_version POL-001 / 2.0", function()
      return docs.revise(reg, "POL-001", { version = "2.0", reason = "back" })
    end)
    assert.are.equal("3.0", coll:get("POL-001").version)
    F.refused(path, "a new version records the reason", function()
      return docs.revise(reg, "POL-001", { version = "4.0" })
    end)
    F.refused(path, "3.0 is the current version", function()
      return docs.revise(reg, "POL-001", { version = "3.0", reason = "x" })
    end)
    F.refused(path, "date: '2026-04-31' is not a date", function()
      return docs.revise(reg, "POL-001", { version = "4.0", reason = "x", date = "2026-04-31" })
    end)
    -- a version entry, once recorded, is not changed
    F.refused(path, "stays as it was", function()
      return reg:records("document_version"):set("POL-001 / 2.0", { reason = "rewritten" })
    end)
  end)

  it("verifies the files: unchanged, changed, vanished, or a URL", function()
    H.write(dir .. "/a.txt", "a")
    H.write(dir .. "/b.txt", "b")
    assert(coll:add({ id = "D-1", title = "isp", path = "isp.txt" }))
    assert(coll:add({ id = "D-2", title = "a", path = "a.txt" }))
    assert(coll:add({ id = "D-3", title = "b", path = dir .. "/b.txt" }))
    assert(coll:add({ id = "D-4", title = "web", path = "https://example.org/x" }))
    H.write(dir .. "/a.txt", "changed")
    os.remove(dir .. "/b.txt")
    local status = {}
    for _, r in ipairs(docs.verify(reg)) do status[r.id] = r.status end
    assert.are.same({ ["D-1"] = "ok", ["D-2"] = "changed", ["D-3"] = "missing", ["D-4"] = "url" }, status)
    local out, _, code = F.run(path, "docs", "verify")
    assert.are.equal(1, code)
    assert.truthy(out:find("D-2%s+changed"), out)
    assert.truthy(out:find("D-3%s+missing"), out)
    assert.truthy(out:find("4 files, 2 changed or missing", 1, true), out)
    local _, err, vcode = F.run(path, "docs", "verify", "D-404")
    assert.are.equal(4, vcode)
    assert.truthy(err:find("no document 'D-404'", 1, true))
  end)

  it("checks: missing mandatory items, drafts, overdue reviews, past retention, bad links", function()
    local today = "2026-12-01"
    local res = assert(docs.check(reg, { today = today }))
    assert.are.equal(16, res.counts.missing)
    assert(coll:add({ id = "SCOPE", title = "ISMS scope", fulfils = "scope", status = "approved",
                      approver = "MD", approved = "2026-01-05", review_months = 6 }))
    assert(coll:add({ id = "DRAFT", title = "Draft procedure", fulfils = "objectives" }))
    assert(coll:add({ id = "OLD", title = "Old record", type = "record", status = "withdrawn",
                      approved = "2019-01-01", approver = "MD", withdrawn = "2020-01-01", retention_months = 12 }))
    assert(coll:add({ id = "NOCYCLE", title = "No cycle", status = "approved", approver = "MD",
                      approved = "2026-01-01", controls = "A.5.1" }))
    -- an audit on record meets the audit programme item
    assert(reg:records("audit"):add({ title = "First audit" }))
    -- a link to a control that is not in the catalogs (written behind the library's back)
    reg:close()
    assert(os.execute("sqlite3 " .. H.shell_quote(path) .. " \"INSERT INTO record_links VALUES "
      .. "('document', 'NOCYCLE', 'controls', 'A.99.1')\"") == 0)
    reg = assert(require("isms").open(path))
    res = assert(docs.check(reg, { today = today }))
    local by = {}
    for _, p in ipairs(res.problems) do by[p.category .. ":" .. p.id] = p.problem end
    assert.is_nil(by["missing:scope"])
    assert.is_nil(by["missing:audit-programme"])
    assert.truthy(by["missing:policy"]:find("Information security policy (2013: 5.2 e), 2022: 5.2 e))", 1, true))
    assert.truthy(by["missing:objectives"])      -- only a draft fulfils it
    assert.truthy(by["unapproved:DRAFT"])
    assert.truthy(by["review:SCOPE"]:find("review overdue since 2026-07-05", 1, true), by["review:SCOPE"])
    assert.truthy(by["review:NOCYCLE"]:find("without a review cycle", 1, true))
    assert.truthy(by["retention:OLD"]:find("retained until 2021-01-01", 1, true))
    assert.truthy(by["links:NOCYCLE"]:find("control 'A.99.1', which is not in the SoA catalogs", 1, true))
    -- the CLI prints the counts and exits 1
    local out, _, code = F.run(path, "docs", "check", "--today", today)
    assert.are.equal(1, code)
    assert.truthy(out:find("docs: %d+ problems %(missing 14, unapproved 1, review 2, retention 1, links 1%)"), out)
    local json = F.run(path, "docs", "check", "--today", today, "--json")
    assert.are.equal(#res.problems, #require("cjson").decode(json))
  end)

  it("reads the mandatory list from a rule file an organisation extends", function()
    local own = H.file("acme.lua", [[
document_list "acme" { title = "ACME list", extends = "iso27001" }
mandatory "supplier-register" { title = "Register of suppliers", clause_2022 = "A.5.19" }
mandatory "competence" { remove = true }
]])
    local list = assert(docs.mandatory.load(own))
    assert.are.equal(16, #list.items)
    assert.truthy(list.by_id["supplier-register"])
    assert.is_nil(list.by_id.competence)
    assert.are.equal("10.2 g)", list.by_id["corrective-action-results"].clause_2022)
    assert.are.equal("10.1 g)", list.by_id["corrective-action-results"].clause_2013)
    local bad = H.file("bad.lua", 'document_list "b" { title = "B" }\nmandatory "x" { title = "X", clause = "1" }\n')
    local ok, err, code = docs.mandatory.load(bad)
    assert.is_nil(ok)
    assert.are.equal("RULE", code)
    assert.truthy(err:find(bad .. ":2: mandatory 'x': clause: unknown field", 1, true), err)
    local none = H.file("none.lua", 'document_list "n" { title = "N" }\nmandatory "x" { title = "X" }\n')
    ok, err = docs.mandatory.load(none)
    assert.is_nil(ok)
    assert.truthy(err:find("needs clause_2013 or clause_2022", 1, true), err)
    -- the register uses the organisation's list
    local out, _, code2 = F.run(path, "docs", "mandatory", "--use", own)
    assert.are.equal(0, code2)
    assert.truthy(out:find("supplier-register", 1, true), out)
    assert.truthy(out:find("A.5.19", 1, true), out)
  end)

  it("round-trips through CSV; a bad file is refused whole with file:line:column", function()
    assert(coll:add({ id = "POL-001", title = "Policy", path = "isp.txt", distribution = "all staff; auditors",
                      controls = "A.5.1, A.5.2", fulfils = "policy" }))
    local out = H.tmp("docs.csv")
    assert(coll:export(out))
    local rep = assert(coll:import(out))
    assert.are.equal(0, rep.created)
    assert.are.equal(0, rep.updated)
    local bad = H.file("bad.csv", "id,title,approved,controls\n"
      .. "D-1,one,2026-01-01,A.5.1\n"
      .. "D-2,two,2026-02-31,\n"
      .. "D-1,three,,A.5.404\n")
    F.refused(path, bad .. ":3:9: approved: '2026-02-31' is not a date", function() return coll:import(bad) end)
    local _, err = coll:import(bad)
    assert.truthy(err:find(bad .. ":4:1: id: 'D-1' is also on line 2", 1, true), err)
    assert.truthy(err:find(bad .. ":4:12: controls: no control 'A.5.404'", 1, true), err)
  end)
end)
