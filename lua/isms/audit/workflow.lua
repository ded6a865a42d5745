--- Lifecycles as state machines in rule files (rules/workflows/): states,
-- the transitions between them and the conditions of each (fields filled
-- in, corrective actions planned or done, an independent verifier). The
-- nonconformity register enforces one on every write: a change of state
-- the workflow does not allow, or whose conditions are not met, is
-- refused with the reason and nothing is written.
--
--   workflow "nonconformity" { title = "...", record = "nonconformity", initial = "open" }
--   state "open" { title = "Open" }
--   state "closed" { title = "Closed", final = true }
--   transition "close" { from = "verified", to = "closed", requires = { "closed_by" } }
local check = require "isms.rules.check"
local ruleset = require "isms.docs.ruleset"

local M = {}

local set = check.set
local SPEC = {
  dir = "workflows", head = "workflow",
  head_fields = set { "title", "description", "record", "initial", "extends" },
  items = {
    state = set { "title", "description", "final" },
    transition = set { "from", "to", "title", "description", "requires", "actions",
                       "independent" },
  },
}

M.ACTIONS = { some = true, all_done = true }

local function validate(rs)
  local file, head = rs.file, rs.head
  local hf = head.fields
  check.string(file, head, "title", hf.title)
  check.string(file, head, "record", hf.record)
  check.string(file, head, "initial", hf.initial)
  local wf = { name = head.name, title = hf.title, record = hf.record, initial = hf.initial,
               file = file, states = {}, state = {}, transitions = {}, from = {} }
  for _, d in ipairs(rs.items) do
    if d.kind == "state" then
      if not d.name:match("^[a-z][a-z0-9_]*$") then
        check.fail(d.file, d, nil, "a state is a lower-case name (letters, digits, '_')")
      end
      check.string(d.file, d, "title", d.fields.title)
      if d.fields.final ~= nil and type(d.fields.final) ~= "boolean" then
        check.fail(d.file, d, "final", "expected true or false")
      end
      local s = { id = d.name, title = d.fields.title, final = d.fields.final == true }
      wf.states[#wf.states + 1] = s
      wf.state[s.id] = s
    end
  end
  if not wf.state[wf.initial] then
    check.fail(file, head, "initial", ("no state '%s' is declared"):format(wf.initial))
  end
  for _, d in ipairs(rs.items) do
    if d.kind == "transition" then
      local f = d.fields
      check.string(d.file, d, "from", f.from)
      check.string(d.file, d, "to", f.to)
      for _, k in ipairs { "from", "to" } do
        if not wf.state[f[k]] then check.fail(d.file, d, k, ("no state '%s'"):format(f[k])) end
      end
      if wf.state[f.from].final then
        check.fail(d.file, d, "from", ("'%s' is final: nothing leaves it"):format(f.from))
      end
      local requires = check.strings(d.file, d, "requires", f.requires, true)
      if f.actions ~= nil and not M.ACTIONS[f.actions] then
        check.fail(d.file, d, "actions", "expected \"some\" or \"all_done\"")
      end
      check.string(d.file, d, "independent", f.independent, true)
      local key = f.from .. "\0" .. f.to
      for _, t in ipairs(wf.transitions) do
        if t.from .. "\0" .. t.to == key then
          check.fail(d.file, d, nil, ("'%s' already goes from %s to %s"):format(t.id, f.from, f.to))
        end
      end
      local t = { id = d.name, from = f.from, to = f.to, title = f.title, requires = requires,
                  actions = f.actions, independent = f.independent, description = f.description }
      wf.transitions[#wf.transitions + 1] = t
      wf.from[f.from] = wf.from[f.from] or {}
      table.insert(wf.from[f.from], t)
    end
  end
  -- Every state is reachable from the initial one, and some final state
  -- is reachable from every state: no record can be stuck.
  local reach = { [wf.initial] = true }
  local changed = true
  while changed do
    changed = false
    for _, t in ipairs(wf.transitions) do
      if reach[t.from] and not reach[t.to] then reach[t.to], changed = true, true end
    end
  end
  for _, s in ipairs(wf.states) do
    if not reach[s.id] then
      check.fail(file, head, nil, ("state '%s' cannot be reached from '%s'"):format(s.id, wf.initial))
    end
  end
  local ends = {}
  for _, s in ipairs(wf.states) do if s.final then ends[s.id] = true end end
  if not next(ends) then check.fail(file, head, nil, "no state is final") end
  changed = true
  while changed do
    changed = false
    for _, t in ipairs(wf.transitions) do
      if ends[t.to] and not ends[t.from] then ends[t.from], changed = true, true end
    end
  end
  for _, s in ipairs(wf.states) do
    if not ends[s.id] then
      check.fail(file, head, nil, ("no final state can be reached from '%s'"):format(s.id))
    end
  end
  return wf
end

--- Loads a workflow by name (rules/workflows/NAME.lua) or path.
-- @treturn table|nil { name, title, record, initial, states = { { id, title,
--   final } }, state = { [id] }, transitions = { { id, from, to, requires,
--   actions, independent } }, from = { [state] = { transition } } }, or
--   nil, message, code
function M.load(name)
  local rs, err, code = ruleset.load(SPEC, name)
  if not rs then return nil, err, code end
  if rs.workflow then return rs.workflow end
  local wf, verr, vcode = ruleset.protect(validate, rs)
  if not wf then return nil, verr, vcode end
  rs.workflow = wf
  return wf
end

--- The transition from one state to another, or nil and a message that
-- says which moves the workflow allows from there.
function M.transition(wf, from, to)
  for _, t in ipairs(wf.from[from] or {}) do
    if t.to == to then return t end
  end
  local allowed = {}
  for _, t in ipairs(wf.from[from] or {}) do
    allowed[#allowed + 1] = ("%s (%s)"):format(t.to, t.id)
  end
  if not wf.state[to] then
    local names = {}
    for _, s in ipairs(wf.states) do names[#names + 1] = s.id end
    return nil, ("'%s' is not a state of the %s workflow (%s)"):format(to, wf.name,
                                                                       table.concat(names, ", "))
  end
  return nil, ("the %s workflow has no transition from %s to %s; from %s it allows %s"):format(
    wf.name, from, to, from, #allowed > 0 and table.concat(allowed, ", ") or "nothing (final)")
end

return M
