-- The one action tracker (isms.actions): sources merged, filtered and
-- sorted; RTP tasks are one source.
local actions = require "isms.actions"
local H = require "helper"

describe("action tracker", function()
  it("merges sources and filters overdue, due within, owner and open", function()
    actions.source("test_a", function()
      return { { id = "A1", title = "x", owner = "ann", due = "2026-01-10", status = "open", done = false },
               { id = "A2", title = "y", owner = "bob", due = "2026-03-01", status = "open", done = false },
               { id = "A3", title = "z", owner = "ann", due = "2025-12-01", status = "closed", done = true } }
    end)
    actions.source("test_b", function()
      return { { id = "B1", title = "w", owner = "bob", due = "2026-01-20", status = "open", done = false },
               { id = "B2", title = "v", owner = "bob", status = "open", done = false } }
    end)
    local function ids(list)
      local out = {}
      for _, a in ipairs(list) do
        if a.source:match("^test_") then out[#out + 1] = a.id end
      end
      return table.concat(out, ",")
    end
    local reg = H.register()
    local today = "2026-02-01"
    assert.are.equal("A3,A1,B1,A2,B2", ids(actions.list(reg, { today = today })))
    assert.are.equal("A1,B1", ids(actions.list(reg, { today = today, overdue = true })))
    assert.are.equal("A1,B1,A2", ids(actions.list(reg, { today = today, within = 30 })))
    assert.are.equal("B1,A2,B2", ids(actions.list(reg, { today = today, owner = "bob" })))
    assert.are.equal("B1", ids(actions.list(reg, { today = today, owner = "bob", overdue = true })))
    local overdue = actions.list(reg, { today = today, overdue = true, source = "test_a" })
    assert.are.equal(22, overdue[1].overdue_days)
    assert.are.equal(4, #actions.list(reg, { today = today, open = true, source = nil }) - 0
      - #actions.list(reg, { today = today, open = true, source = "rtp" }))
  end)
end)
