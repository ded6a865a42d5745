--- Management review (ISO/IEC 27001 9.3; guideline section 8): reviews
-- with their period, attendees, decisions and the need for changes;
-- review actions with owners and due dates, which join the one action
-- tracker; interested-party feedback as recorded entries; and the review
-- pack (isms.review.pack) that assembles the inputs a-f from the register.
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local actions = require "isms.actions"
local action_sql = require "isms.actions.sql"
local pack = require "isms.review.pack"

local M = {}

M.pack = pack.model
M.STATUSES = { "planned", "held" }
M.ACTION_STATUSES = { "open", "in_progress", "done", "cancelled" }
M.ACTION_KINDS = { "improvement", "change", "resource", "other" }
M.FEEDBACK_KINDS = { "complaint", "suggestion", "praise", "requirement", "other" }

local function before(a, b) return a and b and a < b end

M.kind = kind.define {
  kind = "review", plural = "reviews", table = "reviews", key = "id", id_prefix = "MR-",
  title = "Management reviews (ISO/IEC 27001 9.3)",
  list_columns = { "id", "title", "held", "period_from", "period_to", "status" },
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    { name = "held", type = "date" },
    { name = "period_from", type = "date", help = "the period it reviews" },
    { name = "period_to", type = "date" },
    { name = "chair", type = "text" },
    { name = "attendees", type = "list" },
    { name = "status", type = "enum", values = M.STATUSES, default = "planned" },
    { name = "decisions", type = "text", help = "decisions on continual improvement" },
    { name = "changes", type = "text", help = "the need for changes to the ISMS" },
    { name = "pack", type = "text", help = "the review pack it discussed (file)" },
  },
  validate = function(row)
    if before(row.period_to, row.period_from) then
      return ("%s is before the period's start, %s"):format(row.period_to, row.period_from),
        "period_to"
    end
    if row.status == "held" and not row.held then return "a held review has its date", "held" end
    if before(row.held, row.period_from) then
      return ("%s is before the period it reviews starts (%s)"):format(row.held, row.period_from),
        "held"
    end
  end,
}

M.action_kind = kind.define {
  kind = "review_action", plural = "review_actions", noun = "review-actions",
  table = "review_actions", key = "id", id_prefix = "RA-",
  title = "Actions decided by management reviews",
  list_columns = { "id", "review", "title", "owner", "due", "status" },
  fields = {
    { name = "id", type = "id" },
    { name = "review", type = "ref", to = "review", required = true },
    { name = "title", type = "text", required = true },
    { name = "kind", type = "enum", values = M.ACTION_KINDS, default = "improvement" },
    { name = "owner", type = "text", required = true },
    { name = "due", type = "date", required = true },
    { name = "status", type = "enum", values = M.ACTION_STATUSES, default = "open" },
    { name = "done", type = "date" },
    { name = "note", type = "text" },
  },
  derive = function(row)
    if row.status == "done" and not row.done then return { done = records.today() } end
  end,
  validate = function(row, _, reg)
    local r = reg:records("review"):get(row.review)
    local held = r and (r.held or r.period_to)
    if before(row.due, held) then
      return ("%s is before review %s (%s)"):format(row.due, r.id, held), "due"
    end
    if before(row.done, held) then
      return ("%s is before review %s (%s)"):format(row.done, r.id, held), "done"
    end
  end,
}

M.feedback_kind = kind.define {
  kind = "feedback", plural = "feedback", table = "feedback", key = "id", id_prefix = "FB-",
  title = "Interested-party feedback (an input of the management review)",
  list_columns = { "id", "party", "received", "kind", "summary" },
  fields = {
    { name = "id", type = "id" },
    { name = "party", type = "text", required = true, help = "who gave it" },
    { name = "received", type = "date", required = true },
    { name = "kind", type = "enum", values = M.FEEDBACK_KINDS, default = "other" },
    { name = "summary", type = "text", required = true },
    { name = "response", type = "text" },
    { name = "nonconformity", type = "ref", to = "nonconformity", help = "raised from it" },
  },
}

-- Review actions are actions of the one tracker.
actions.source("review", function(reg, opts)
  local list = {}
  local where, args = action_sql.where(opts, { "open", "in_progress" })
  for row in reg:query("SELECT id, review, title, owner, due, status FROM review_actions" .. where,
                       unpack(args)) do
    list[#list + 1] = { id = row.id, title = row.title, owner = row.owner, due = row.due,
                        status = row.status,
                        done = row.status == "done" or row.status == "cancelled",
                        ref = "review " .. row.review }
  end
  return list
end)

return M
