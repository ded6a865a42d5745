--- Gap remediation on the one action tracker (source "gap"): each answer
-- of a gap assessment (isms.gap) that plans a remediation is an action --
-- its owner, its due date, the remediation as its title -- done once the
-- requirement is met or found not applicable. Read straight from the
-- answers table, so this needs nothing of the gap package's code; a
-- register without one lists nothing.
local actions = require "isms.actions"
local action_sql = require "isms.actions.sql"

local DONE = { met = true, not_applicable = true }

actions.source("gap", function(reg, opts)
  local list = {}
  local where, args = action_sql.where(opts, { done = { "met", "not_applicable" } })
  where = (where == "" and " WHERE " or where .. " AND ") .. "remediation IS NOT NULL"
  local ok, err = pcall(function()
    for row in reg:query("SELECT assessment, requirement, status, owner, remediation, due FROM "
                         .. "answers" .. where, unpack(args)) do
      list[#list + 1] = { id = row.assessment .. "/" .. row.requirement, title = row.remediation,
                          owner = row.owner, due = row.due, status = row.status or "not_assessed",
                          done = DONE[row.status] == true,
                          ref = ("requirement %s of %s"):format(row.requirement, row.assessment) }
    end
  end)
  if not ok and not tostring(err):find("no such table", 1, true) then error(err, 0) end
  return list
end)

return true
