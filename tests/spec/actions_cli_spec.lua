-- The one action tracker on the command line: RTP tasks, corrective and
-- review actions in one list, filtered (overdue, within N days, owner,
-- source), as a table, CSV, JSON and an iCalendar file.
local H = require "helper"
local F = require "operations_fixture"
local cjson = require "cjson"
local ics = require "isms.actions.ics"

local function setup()
  local reg, path = F.register()
  assert(reg:generate_risks("generic"))
  local ref = reg:risks({ asset = "AST-1" })[1].ref
  assert(reg:set_risk(ref, { ratings = { S = 9, O = 8, D = 8 } }))
  assert(reg:treat(ref, { option = "modify", controls = { "A.8.13" }, residual = { S = 9, O = 1, D = 2 } }))
  assert(reg:add_task({ risk = ref, control = "A.8.13", title = "Off-site backup", owner = "IT Operations",
                        due = "2026-03-01" }))
  assert(reg:records("nonconformity"):add({ title = "Reviews late", source = "audit", raised_by = "Alice",
                                            raised = "2026-01-10" }))
  assert(reg:records("corrective_action"):add({ nonconformity = "NC-001", owner = "Bob", due = "2026-04-15",
    title = "Quarterly access review; with sign-off, by the owner" }))
  assert(reg:records("corrective_action"):add({ nonconformity = "NC-001", owner = "Bob", due = "2026-02-01",
    title = "Disable leavers", status = "done", done = "2026-01-20" }))
  assert(reg:records("review"):add({ id = "MR-1", title = "Review", held = "2026-01-15", status = "held" }))
  assert(reg:records("review_action"):add({ review = "MR-1", title = "Budget for IAM", owner = "CFO",
                                            due = "2026-06-30" }))
  reg:close()
  return path
end

describe("isms actions", function()
  local path
  before_each(function() path = setup() end)

  local function ids(out)
    local list = {}
    for _, a in ipairs(cjson.decode(out)) do list[#list + 1] = a.source .. ":" .. a.id end
    return table.concat(list, " ")
  end

  it("lists every source's actions by due date, and filters them", function()
    local out, _, code = F.run(path, "actions", "--today", "2026-03-15", "--json")
    assert.are.equal(0, code)
    assert.are.equal("corrective:CA-002 rtp:RTP-0001 corrective:CA-001 review:RA-001", ids(out))
    out = F.run(path, "actions", "--today", "2026-03-15", "--overdue", "--json")
    assert.are.equal("rtp:RTP-0001", ids(out))
    out = F.run(path, "actions", "--today", "2026-03-15", "--within", "31", "--json")
    assert.are.equal("rtp:RTP-0001 corrective:CA-001", ids(out))
    out = F.run(path, "actions", "--today", "2026-03-15", "--owner", "Bob", "--open", "--json")
    assert.are.equal("corrective:CA-001", ids(out))
    out = F.run(path, "actions", "--today", "2026-03-15", "--source", "review", "--json")
    assert.are.equal("review:RA-001", ids(out))
    out = F.run(path, "actions", "--today", "2026-03-15", "--overdue")
    assert.truthy(out:find("rtp%s+RTP%-0001%s+Off%-site backup%s+IT Operations%s+2026%-03%-01%s+planned%s+14"), out)
    out = F.run(path, "actions", "--today", "2026-03-15", "--format", "csv", "--source", "corrective")
    assert.truthy(out:find("^source,id,title,owner,due,status,overdue_days,ref\n"), out)
    assert.truthy(out:find('corrective,CA-001,"Quarterly access review; with sign-off, by the owner",Bob', 1, true), out)
    out = F.run(path, "actions", "--today", "2027-01-01", "--owner", "Nobody")
    assert.are.equal("no actions\n", out)
  end)

  it("tracks gap remediation: answers that plan one, done once the requirement is met", function()
    local reg = assert(require("isms").open(path))
    local a = assert(reg:new_assessment({ framework = "iso27001-2022", assessed_on = "2026-01-05",
                                          assessor = "Lead Implementer" }))
    assert(reg:answer(a, "6.1.3 d)", { status = "not_met", owner = "CISO", remediation = "issue the SoA",
                                       due = "2026-02-28" }))
    assert(reg:answer(a, "A.7.8", { status = "partially_met", owner = "Facilities",
                                    remediation = "shield the lab room", due = "2026-09-30" }))
    reg:close()
    local out = F.run(path, "actions", "--today", "2026-03-15", "--source", "gap", "--json")
    assert.are.equal("gap:" .. a .. "/6.1.3 d) gap:" .. a .. "/A.7.8", ids(out))
    out = F.run(path, "actions", "--today", "2026-03-15", "--overdue", "--json")
    assert.are.equal("gap:" .. a .. "/6.1.3 d) rtp:RTP-0001", ids(out))   -- by due date
    reg = assert(require("isms").open(path))
    assert(reg:answer(a, "6.1.3 d)", { status = "met" }))
    reg:close()
    out = F.run(path, "actions", "--today", "2026-03-15", "--overdue", "--json")
    assert.are.equal("rtp:RTP-0001", ids(out))
  end)

  it("refuses bad options", function()
    local cases = {
      { { "--source", "gossip" }, "unknown source 'gossip'; the tracker has rtp, " },
      { { "--today", "2026-02-30" }, "--today: '2026-02-30' is not a date" },
      { { "--within", "-3" }, "option --within expects a whole number, 0 or more" },
      { { "--format", "pdf" }, "unknown format 'pdf'" },
    }
    for _, c in ipairs(cases) do
      local _, err, code = F.run(path, "actions", unpack(c[1]))
      assert.are.equal(2, code, err)
      assert.truthy(err:find(c[2], 1, true), err)
    end
  end)

  it("exports the open actions' due dates as an iCalendar file", function()
    local file = H.tmp("actions.ics")
    local _, _, code = F.run(path, "actions", "--today", "2026-03-15", "--format", "ics", "--out", file)
    assert.are.equal(0, code)
    local text = H.read(file)
    assert.truthy(text:find("^BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"), text)
    assert.truthy(text:find("END:VCALENDAR\r\n$"))
    assert.are.equal(3, H.count(text, "BEGIN:VEVENT"))        -- the done one is left out
    assert.are.equal(0, H.count(text:gsub("\r\n", ""), "\n"))  -- every line ends in CRLF
    assert.truthy(text:find("UID:rtp-RTP-0001@isms\r\n", 1, true))
    assert.truthy(text:find("DTSTART;VALUE=DATE:20260301\r\nDTEND;VALUE=DATE:20260302\r\n", 1, true))
    assert.truthy(text:find("DTSTAMP:20260315T000000Z", 1, true))
    -- TEXT escaping and folding at 75 octets
    local unfolded = text:gsub("\r\n ", "")
    assert.truthy(unfolded:find("SUMMARY:CA-001: Quarterly access review\\; with sign-off\\, by the owner\r\n", 1, true),
                  unfolded)
    for line in text:gmatch("([^\r\n]*)\r\n") do assert.truthy(#line <= 75, line) end
    -- --all adds the done ones
    local out = F.run(path, "actions", "--today", "2026-03-15", "--format", "ics", "--all")
    assert.are.equal(4, H.count(out, "BEGIN:VEVENT"))
    assert.truthy(out:find("SUMMARY:(done) CA-002: Disable leavers", 1, true))
  end)

  it("folds long lines without splitting a UTF-8 character", function()
    local title = ("Überprüfung der Zugriffsrechte ✓ "):rep(5)
    local text = ics.calendar({ { id = "X-1", title = title, due = "2026-12-31", source = "test" } },
                              { today = "2026-01-01" })
    for line in text:gmatch("([^\r\n]*)\r\n") do assert.truthy(#line <= 75) end
    local unfolded = text:gsub("\r\n ", "")
    assert.truthy(unfolded:find("SUMMARY:X-1: " .. title, 1, true))
    -- each folded piece is valid UTF-8 on its own
    for piece in text:gmatch("[^\r\n]+") do
      assert.is_nil(piece:find("^ ?[\128-\191]"), piece)
    end
  end)
end)
