--- The Risk Treatment Plan (mixed into Register), guideline 6.4 /
-- domain.md §4: tasks that carry out treatments, each with an owner, a
-- due date and a status. A task is never silently re-dated: a delay
-- records the reason, the old and the revised date and who approved it,
-- and the history stays. The plan lists what is overdue (past due and not
-- finished) and what is slipping (re-dated at least once, or due within
-- the warning window and not started).
local records = require "isms.store.records"
local actions = require "isms.actions"

local M = { methods = {} }
local P = M.methods

M.STATUSES = { "planned", "in_progress", "done", "cancelled" }
local STATUS = require("isms.rules.check").set(M.STATUSES)
M.WARN_DAYS = 14  -- "due soon" for a task not started yet

local function finished(status) return status == "done" or status == "cancelled" end

local KNOWN = { id = true, risk = true, control = true, title = true, owner = true, due = true,
                status = true, done_at = true }

-- The next free task id: RTP-0001, RTP-0002, ... (one past the highest
-- RTP-<digits>; other ids are the user's own and do not count). One query,
-- not a walk over the plan: a bulk plan adds many tasks.
local function next_id(self)
  local max = 0
  for row in self:query([[SELECT max(CAST(substr(id, 5) AS INTEGER)) AS n FROM rtp_tasks
                          WHERE id GLOB 'RTP-[0-9]*' AND substr(id, 5) NOT GLOB '*[^0-9]*']]) do
    max = tonumber(row.n) or 0
  end
  return ("RTP-%04d"):format(max + 1)
end

-- Checks a task's fields (merged over the stored task, if any).
local function check_task(self, t, old)
  local function bad(why) return nil, ("task %s: %s"):format(t.id or "(new)", why) end
  for k in pairs(t) do
    if not KNOWN[k] then return bad(("unknown field '%s'"):format(tostring(k))) end
  end
  local v = {}
  for k in pairs(KNOWN) do
    if t[k] ~= nil then v[k] = t[k] elseif old then v[k] = old[k] end
  end
  v.status = v.status or "planned"
  if not STATUS[v.status] then
    return bad(("status: expected one of %s"):format(table.concat(M.STATUSES, ", ")))
  end
  for _, f in ipairs { "title", "owner" } do
    local ok, why = records.text(v[f], f)
    if not ok then return bad(why) end
  end
  local ok, why = records.date(v.due, "due")
  if not ok then return bad(why) end
  local tr = v.risk and self:treatment(v.risk)
  if not tr then
    return bad(("risk %s has no treatment; the RTP carries out treatments"):format(
      tostring(v.risk)))
  end
  if tr.option == "retain" then
    return bad(("risk %s is retained: there is nothing to carry out"):format(v.risk))
  end
  if v.control and v.control ~= "" then
    local selected = false
    for _, id in ipairs(tr.controls) do if id == v.control then selected = true end end
    if not selected then
      return bad(("control %s is not selected by the treatment of risk %s (%s)"):format(
        v.control, v.risk, #tr.controls > 0 and table.concat(tr.controls, ", ") or "none"))
    end
  end
  if v.status == "done" then
    v.done_at = v.done_at or records.today()
    local dok, dwhy = records.date(v.done_at, "done_at")
    if not dok then return bad(dwhy) end
  elseif t.status and old and old.status == "done" then
    v.done_at = ""  -- re-opened
  end
  return v
end

--- Adds a task to the plan.
-- @tparam table t `{ id (default the next RTP-NNNN), risk, control, title,
--   owner, due = "YYYY-MM-DD", status = "planned" }`
-- @treturn string|nil the task's id, or nil, message, code
function P:add_task(t, reason)
  if type(t) ~= "table" then return nil, "add_task: expected a table", "MISUSE" end
  local id = t.id or next_id(self)
  if self:task(id) then return nil, ("task %s is already in the plan"):format(id), "INPUT" end
  local fields = {}
  for k, v in pairs(t) do fields[k] = v end
  fields.id = id
  local v, why = check_task(self, fields, nil)
  if not v then return nil, why, "INPUT" end
  local rep, err, code = records.run(self, "rtp add", reason, function(w)
    w.put("task", v)
  end)
  if not rep then return nil, err, code end
  return id
end

--- Changes a task's fields other than its due date (status, owner, ...);
-- a new due date is a delay (delay_task).
function P:set_task(id, fields, reason)
  local old = self:task(id)
  if not old then return nil, ("no task '%s' in the plan"):format(id), "NOTFOUND" end
  if fields.due ~= nil and fields.due ~= old.due then
    return nil, ("task %s: the due date changes only by a recorded delay (delay_task)")
      :format(id), "INPUT"
  end
  if fields.id ~= nil and fields.id ~= id then
    return nil, ("task %s: a task keeps its id"):format(id), "INPUT"
  end
  local t = {}
  for k, v in pairs(fields) do t[k] = v end
  t.id = id
  local v, why = check_task(self, t, old)
  if not v then return nil, why, "INPUT" end
  local rep, err, code = records.run(self, "rtp set", reason, function(w)
    w.put("task", v)
  end)
  if not rep then return nil, err, code end
  return true
end

--- Re-dates a task, recording why, to when and who approved it.
-- @tparam table d `{ reason, revised_due = "YYYY-MM-DD", approved_by, at }`
function P:delay_task(id, d, reason)
  local old = self:task(id)
  if not old then return nil, ("no task '%s' in the plan"):format(id), "NOTFOUND" end
  local function bad(why) return nil, ("task %s: %s"):format(id, why), "INPUT" end
  if type(d) ~= "table" then return bad("expected { reason, revised_due, approved_by }") end
  if finished(old.status) then return bad(("it is %s: nothing to delay"):format(old.status)) end
  local why_text, e1 = records.text(d.reason, "reason")
  if not why_text then return bad(e1) end
  local by, e2 = records.text(d.approved_by, "approved_by")
  if not by then return bad(e2) end
  local due, e3 = records.date(d.revised_due, "revised_due")
  if not due then return bad(e3) end
  local at, e4 = records.date(records.today(d.at), "at")
  if not at then return bad(e4) end
  if due <= old.due then
    return bad(("revised_due %s is not after the current due date %s"):format(due, old.due))
  end
  local rep, err, code = records.run(self, "rtp delay", reason, function(w)
    w.put("delay", { task = id, seq = old.delays + 1, reason = why_text, old_due = old.due,
                     revised_due = due, approved_by = by, recorded_at = at })
    w.put("task", { id = id, due = due })
  end)
  if not rep then return nil, err, code end
  return true
end

--- Removes a task with its delay history (the change log keeps both).
function P:delete_task(id, reason)
  local old = self:task(id)
  if not old then return nil, ("no task '%s' in the plan"):format(id), "NOTFOUND" end
  local rep, err, code = records.run(self, "rtp delete", reason, function(w)
    for _, d in ipairs(old.history) do w.delete("delay", { task = id, seq = d.seq }) end
    w.delete("task", { id = id })
  end)
  if not rep then return nil, err, code end
  return true
end

local function task_row(row, today, warn)
  row.delays = tonumber(row.delays)
  row.slip_days = records.days(row.first_due, row.due)
  local open = not finished(row.status)
  row.overdue = open and row.due < today
  row.days_overdue = row.overdue and records.days(row.due, today) or 0
  row.slipping = open and not row.overdue and (row.delays > 0 or
    (row.status == "planned" and records.days(today, row.due) <= warn))
  return row
end

--- The plan's tasks, by id.
-- @tparam[opt] table opts `{ risk = ref, today = "YYYY-MM-DD", warn_days }`
-- @treturn table `{ { id, risk, control, title, owner, due, status, done_at,
--   delays, first_due, slip_days, overdue, days_overdue, slipping } }`
function P:tasks(opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local list = {}
  for row in self:rows("tasks", opts.risk) do
    list[#list + 1] = task_row(row, today, opts.warn_days or M.WARN_DAYS)
  end
  return list
end

-- RTP tasks are actions of the one tracker (isms.actions).
actions.source("rtp", function(reg)
  local list = {}
  for _, t in ipairs(reg:tasks()) do
    list[#list + 1] = { id = t.id, title = t.title, owner = t.owner, due = t.due,
                        status = t.status, done = t.status == "done" or t.status == "cancelled",
                        ref = "risk " .. t.risk }
  end
  return list
end)

--- One task with its delay history (`history`: { seq, reason, old_due,
-- revised_due, approved_by, recorded_at }, oldest first), or nil.
function P:task(id, opts)
  opts = opts or {}
  if type(id) ~= "string" then return nil end
  local row
  for r in self:rows("task", id) do row = r end  -- one row or none; the cursor closes
  if not row then return nil end
  local t = task_row(row, records.today(opts.today), opts.warn_days or M.WARN_DAYS)
  t.history = {}
  for d in self:rows("delays", id) do
    d.seq = tonumber(d.seq)
    t.history[#t.history + 1] = d
  end
  return t
end

--- The plan: every task, and the overdue and slipping ones (most overdue
-- first; slipping by due date).
function P:rtp(opts)
  local tasks = self:tasks(opts)
  local overdue, slipping = {}, {}
  for _, t in ipairs(tasks) do
    if t.overdue then overdue[#overdue + 1] = t elseif t.slipping then slipping[#slipping + 1] = t end
  end
  table.sort(overdue, function(a, b)
    if a.days_overdue ~= b.days_overdue then return a.days_overdue > b.days_overdue end
    return a.id < b.id
  end)
  table.sort(slipping, function(a, b)
    if a.due ~= b.due then return a.due < b.due end
    return a.id < b.id
  end)
  return { today = records.today(opts and opts.today), tasks = tasks, overdue = overdue,
           slipping = slipping }
end

require("isms.store.register").extend(M.methods)

return M
