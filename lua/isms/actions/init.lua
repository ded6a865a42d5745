--- One action tracker over every register that holds dated actions (RTP
-- tasks, corrective actions, management review actions, gap remediation,
-- supplier reviews, ...). Each domain registers a source -- a function
-- that lists its open and closed actions in one shape -- and the tracker
-- merges, filters and sorts them; nothing is copied, so an action is
-- always as its own register says.
--
--   actions.source("rtp", function(reg) return { {
--     id = "T-1", title = "...", owner = "CISO", due = "2026-03-01",
--     status = "planned", done = false, ref = "risk R-12" } } end)
--   actions.list(reg, { overdue = true, today = "2026-12-07" })
local records = require "isms.store.records"

local M = {}

local sources, order = {}, {}

--- Registers (or replaces) the source `name`: fn(reg, opts) -> list of
-- actions { id, title, owner, due (YYYY-MM-DD or nil), status, done
-- (boolean), ref (what the action is for, as text) }; opts are the list's
-- (a source whose state depends on the date reads opts.today).
function M.source(name, fn)
  if not sources[name] then order[#order + 1] = name end
  sources[name] = fn
end

--- The names of the registered sources, in the order registered.
function M.sources() return order end

--- Actions of every source (or opts.source), each with `source` set,
-- filtered by opts: overdue (open and due before today), within (open
-- and due within that many days from today), owner, open (not done);
-- sorted by due date (none last), then source and id.
-- opts.today fixes today (YYYY-MM-DD) for tests and reports.
function M.list(reg, opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local out = {}
  for _, name in ipairs(order) do
    if not opts.source or opts.source == name then
      for _, a in ipairs(sources[name](reg, opts) or {}) do
        a.source = name
        local open = not a.done
        local keep = true
        if opts.open and not open then keep = false end
        if opts.owner and a.owner ~= opts.owner then keep = false end
        if opts.overdue and not (open and a.due and a.due < today) then keep = false end
        if opts.within and not (open and a.due and records.days(today, a.due) <= opts.within) then
          keep = false
        end
        if keep then
          a.overdue_days = open and a.due and a.due < today and records.days(a.due, today) or nil
          out[#out + 1] = a
        end
      end
    end
  end
  table.sort(out, function(x, y)
    if (x.due or "~") ~= (y.due or "~") then return (x.due or "~") < (y.due or "~") end
    if x.source ~= y.source then return x.source < y.source end
    return tostring(x.id) < tostring(y.id)
  end)
  return out
end

return M
