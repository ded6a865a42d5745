--- The tracker's filters (isms.actions.list opts) as an SQL WHERE clause
-- for a source whose actions are rows of one table (due, owner, status
-- columns), so a register of 100,000 actions hands the tracker only the
-- ones it asked for. The tracker filters again: this only lists less.
local records = require "isms.store.records"

local M = {}

--- Returns " WHERE ..." (or "") and its parameters. open_statuses: the
-- statuses of actions not yet done, e.g. { "planned", "in_progress" }.
function M.where(opts, open_statuses)
  opts = opts or {}
  local where, args = {}, {}
  local function arg(v)
    args[#args + 1] = v
    return "?" .. #args
  end
  if opts.open or opts.overdue or opts.within then
    local ph = {}
    for _, s in ipairs(open_statuses) do ph[#ph + 1] = arg(s) end
    where[#where + 1] = "status IN (" .. table.concat(ph, ", ") .. ")"
  end
  local today = records.today(opts.today)
  if opts.overdue then where[#where + 1] = "due < " .. arg(today) end
  if opts.within then
    where[#where + 1] = ("due <= date(%s, '+' || %s || ' days')"):format(arg(today),
                                                                         arg(tostring(opts.within)))
  end
  if opts.owner then where[#where + 1] = "owner = " .. arg(opts.owner) end
  return #where > 0 and (" WHERE " .. table.concat(where, " AND ")) or "", args
end

return M
