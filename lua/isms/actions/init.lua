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
local domains = require "isms.store._domains"

local M = {}

local sources, order = {}, {}

--- Registers (or replaces) the source `name`: fn(reg, opts) -> list of
-- actions { id, title, owner, due (YYYY-MM-DD or nil), status, done
-- (boolean), ref (what the action is for, as text) }. opts are the
-- filters of M.list: a source may use them to list less (in SQL, say);
-- the tracker applies them to whatever it is given.
function M.source(name, fn)
  if not sources[name] then order[#order + 1] = name end
  sources[name] = fn
end

-- Days from 1970-01-01 to a YYYY-MM-DD date, by arithmetic (Howard
-- Hinnant's days_from_civil) and remembered: a tracker of 100,000 actions
-- compares as many due dates with today.
local day_numbers = {}
local function day_number(s)
  local n = day_numbers[s]
  if n then return n end
  local y, m, d = tonumber(s:sub(1, 4)), tonumber(s:sub(6, 7)), tonumber(s:sub(9, 10))
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1
  n = era * 146097 + yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy - 719468
  day_numbers[s] = n
  return n
end

--- The names of the registered sources, in the order registered (the
-- domain packages load first: each registers its own).
function M.sources()
  domains.load_all()
  return order
end

--- Actions of every source (or opts.source), each with `source` set,
-- filtered by opts: overdue (open and due before today), within (open
-- and due within that many days from today), owner, open (not done);
-- sorted by due date (none last), then source and id.
-- opts.today fixes today (YYYY-MM-DD) for tests and reports.
function M.list(reg, opts)
  domains.load_all()
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
        if opts.within and not (open and a.due and day_number(a.due) - day_number(today) <= opts.within) then
          keep = false
        end
        if keep then
          a.overdue_days = open and a.due and a.due < today and day_number(today) - day_number(a.due)
                           or nil
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
