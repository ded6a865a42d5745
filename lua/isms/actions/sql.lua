--- The tracker's filters (isms.actions.list opts) as an SQL WHERE clause
-- for a source whose actions are rows of one table (due, owner, status
-- columns), so a register of 100,000 actions hands the tracker only the
-- ones it asked for. The tracker filters again: this only lists less.
local records = require "isms.store.records"

local M = {}

--- Returns " WHERE ..." (or "") and its parameters. statuses: which
-- statuses are open, as { open = { "planned", "in_progress" } }, or which
-- are done, as { done = { "met", "not_applicable" } } (a plain list is the
-- open ones).
function M.where(opts, statuses)
  opts = opts or {}
  local open_list = statuses.open or (not statuses.done and statuses) or nil
  local where, args = {}, {}
  local function arg(v)
    args[#args + 1] = v
    return "?" .. #args
  end
  if opts.open or opts.overdue or opts.within then
    local ph = {}
    for _, s in ipairs(open_list or statuses.done) do ph[#ph + 1] = arg(s) end
    where[#where + 1] = ("status %s (%s)"):format(open_list and "IN" or "IS NULL OR status NOT IN",
                                                   table.concat(ph, ", "))
    if not open_list then where[#where] = "(" .. where[#where] .. ")" end
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
