--- Risk treatment (mixed into Register), guideline 6.3 / domain.md §4:
-- every risk to treat gets one of four options --
--   modify  controls selected from the SoA's catalogs, and the ratings
--           expected once they work (residual), re-scored by the
--           methodology and judged by its residual acceptance criteria;
--   retain  the risk as it is: it must meet the acceptance criteria, or
--           carry a management override (who and why), which is logged;
--   avoid   the activity that causes the risk is given up: no residual;
--   share   with a party (insurer, supplier); residual ratings optional.
-- Acceptance of the residual risk is recorded per person: top management
-- and each of the risk's owners (who, when, rationale); a treatment is
-- accepted when all of them have.
local records = require "isms.store.records"
local decimal = require "isms.store.decimal"
local risk_context = require("isms.risk.register").risk_context
local tier_positions = require("isms.risk.register").tier_positions
local risk_view = require "isms.method.risk_view"
local shown = require("isms.risk.csv").shown

local M = { methods = {} }
local T = M.methods

M.OPTIONS = { "modify", "retain", "avoid", "share" }
local OPTION = require("isms.rules.check").set(M.OPTIONS)
M.ROLES = { "management", "owner" }

local KNOWN = { option = true, controls = true, residual = true, target = true, rationale = true,
                shared_with = true, override = true, decided_by = true, decided_at = true }

--- The owners of a risk as a list (stored as text separated by ; or ,).
function M.owners_of(risk)
  local list = {}
  for o in (risk.owners or ""):gmatch("[^;,]+") do
    o = o:match("^%s*(.-)%s*$")
    if o ~= "" then list[#list + 1] = o end
  end
  return list
end

-- The methodology the register scores with (or the caller's).
local function method_for(self, m)
  if m then return m end
  local mm, err, code = self:methodology()
  if not mm then return nil, err, code end
  return mm
end

-- Ratings by factor as stored (tier positions) -> as a person gives them
-- (the tier's value, or the label of a not rated tier), which is what the
-- methodology reads: on a scale of 1..n the same numbers, on OWASP's 0-9
-- position 1 is the value 0.
local function values_of(m, positions)
  local out = {}
  for name, p in pairs(positions) do out[name] = shown(m, name, p) end
  return out
end
M.values_of = values_of

-- The risk as the methodology judges it: ratings by factor name (stored
-- positions) and its stored context.
local function view_of(m, risk, ratings)
  return risk_context(risk, { ratings = values_of(m, ratings) })
end

-- Residual ratings as positions -> the columns rr1..rr4 and rrx (factors
-- past the fourth, one byte each, hex; "" when there are none).
local function residual_columns(fields, factors, residual)
  for k = 1, math.min(#factors, 4) do fields["rr" .. k] = residual[factors[k]] or "" end
  local hex = {}
  for k = 5, #factors do hex[#hex + 1] = ("%02X"):format(residual[factors[k]] or 0) end
  fields.rrx = table.concat(hex)
end

-- Residual ratings given by factor name (tier values, labels or
-- aliases): `residual` names all of the methodology's factors; `target`
-- (from = the risk's ratings) only those the treatment changes, the rest
-- stay as rated. Returns { [factor] = tier position }, or nil, reason.
local function residual_ratings(m, given, what, from)
  if type(given) ~= "table" then
    return nil, what .. ": expected ratings by factor, e.g. { S = 2 }"
  end
  local factor = {}
  for _, name in ipairs(m:factors()) do factor[name] = true end
  for name in pairs(given) do
    if not factor[name] then
      return nil, ("%s: no factor named '%s' (%s)"):format(what, tostring(name),
                                                         table.concat(m:factors(), ", "))
    end
  end
  local out = {}
  for _, name in ipairs(m:factors()) do
    if given[name] == nil then
      if not from then return nil, ("%s: no rating for %s"):format(what, name) end
      out[name] = from[name]
    else
      local v, why = m:parse_rating(name, given[name])
      if not v then return nil, what .. ": " .. why end
      out[name] = v
    end
  end
  return out
end

--- Decides the treatment of a risk, replacing any earlier one.
-- @tparam string ref the risk
-- @tparam table t `{ option, controls = { ids }, residual = { [factor] =
--   rating }, rationale, shared_with, override = { by, reason },
--   decided_by, decided_at }`
-- @tparam[opt] table opts `{ methodology = m, reason = text }`
-- @treturn table|nil the stored treatment (as reg:treatment returns), or
--   nil, message, code; on failure nothing is written
function T:treat(ref, t, opts)
  opts = opts or {}
  if type(t) ~= "table" then return nil, "treat: expected a table", "MISUSE" end
  for k in pairs(t) do
    if not KNOWN[k] then
      return nil, ("risk %s: unknown treatment field '%s'"):format(ref, tostring(k)), "INPUT"
    end
  end
  local function bad(why) return nil, ("risk %s: %s"):format(ref, why), "INPUT" end
  if not OPTION[t.option] then
    return bad(("option: expected one of %s, got %s"):format(table.concat(M.OPTIONS, ", "),
                                                            tostring(t.option)))
  end
  local risk = self:risk(ref)
  if not risk then return nil, ("no risk '%s' in the register"):format(ref), "NOTFOUND" end
  local m, merr, mcode = method_for(self, opts.methodology)
  if not m then return nil, merr, mcode end

  -- Controls: known to the SoA's catalogs, each once; modify needs some.
  local controls = t.controls or {}
  if type(controls) ~= "table" then return bad("controls: expected a list of control ids") end
  local cat, cerr, ccode = self:soa_catalog()
  if not cat then return nil, cerr, ccode end
  local seen = {}
  for _, id in ipairs(controls) do
    if not cat.by_id[id] then
      return bad(("control '%s' is in none of the SoA's catalogs (%s)"):format(tostring(id),
                                                                            cat.names))
    end
    if seen[id] then return bad(("control '%s' is selected twice"):format(id)) end
    seen[id] = true
  end
  if t.option == "modify" and #controls == 0 then
    return bad("modify needs the controls that modify the risk (controls = { ... })")
  end
  if t.option == "avoid" and #controls > 0 then
    return bad("avoid selects no controls: the activity is given up")
  end

  -- Residual: re-scored by the methodology, judged by its residual criteria.
  local fields = { risk = ref, option = t.option, rationale = t.rationale or "",
                   shared_with = t.shared_with or "",
                   decided_by = t.decided_by or self.actor or "",
                   decided_at = records.today(t.decided_at),
                   override_by = "", override_at = "", override_reason = "" }
  for k = 1, 4 do fields["rr" .. k] = "" end
  fields.rrx = ""
  fields.residual_score, fields.residual_level, fields.residual_rank = "", "", ""
  fields.residual_acceptable = ""
  local factors = self:risk_factors() or m:factors()
  local residual
  if t.residual ~= nil and t.target ~= nil then
    return bad("give the residual ratings of every factor (residual) or the changes to the "
               .. "risk's ratings (target), not both")
  end
  local given = t.residual
  if t.option == "modify" and given == nil and t.target == nil then
    return bad("modify needs the expected residual ratings (residual = { ... }, or target = "
               .. "{ ... } for the factors it changes)")
  end
  if t.option == "retain" then
    if given ~= nil or t.target ~= nil then
      return bad("retain keeps the risk as rated: no residual ratings")
    end
    residual = risk.ratings
  elseif t.option == "avoid" then
    if given ~= nil or t.target ~= nil then
      return bad("avoid leaves no residual risk: no residual ratings")
    end
    if not (t.rationale or ""):match("%S") then
      return bad("avoid needs a rationale: how the activity is given up")
    end
  elseif given ~= nil then
    local why
    residual, why = residual_ratings(m, given, "residual")
    if not residual then return bad(why) end
  elseif t.target ~= nil then
    local why
    residual, why = residual_ratings(m, t.target, "target", risk.ratings)
    if not residual then return bad(why) end
  end
  if t.option == "share" and not (t.shared_with or ""):match("%S") then
    return bad("share needs the party the risk is shared with (shared_with)")
  end
  if t.option ~= "share" and (t.shared_with or "") ~= "" then
    return bad("shared_with is for the share option only")
  end

  local override = t.override
  if override ~= nil then
    if t.option ~= "retain" then return bad("an override is for retaining a risk only") end
    if type(override) ~= "table" or not (override.by or ""):match("%S")
       or not (override.reason or ""):match("%S") then
      return bad("override: give { by = who in management, reason = why }")
    end
  end

  if residual then
    local view = view_of(m, risk, residual)
    local rv, rwhy = risk_view.view(m, view)
    if not rv then
      return bad(("the risk is not rated on every factor (%s)"):format(tostring(rwhy)))
    end
    residual_columns(fields, factors, residual)
    fields.residual_score = decimal.round(rv.score)
    fields.residual_level, fields.residual_rank = rv.level, rv.rank
    if t.option == "retain" then
      -- Retention meets the acceptance criteria, or management overrides.
      local ok, why = m:acceptable(view, false)
      if not ok and not override then
        return bad(("retaining needs the acceptance criteria met (%s), or a management "
                   .. "override = { by, reason }"):format(why))
      end
      if ok and override then
        return bad("the risk meets the acceptance criteria: no override is needed")
      end
      fields.residual_acceptable = ok and 1 or 0
    else
      local ok = m:acceptable(view, true)
      fields.residual_acceptable = ok and 1 or 0
    end
  end
  if override then
    fields.override_by, fields.override_reason = override.by, override.reason
    fields.override_at = records.today(override.at)
  end

  local old = self:treatment(ref)
  local rep, err, code = records.run(self, "treat", opts.reason, function(w)
    w.put("treatment", fields)
    for _, id in ipairs(old and old.controls or {}) do
      if not seen[id] then w.delete("treatment_control", { risk = ref, control = id }) end
    end
    local had = {}
    for _, id in ipairs(old and old.controls or {}) do had[id] = true end
    for _, id in ipairs(controls) do
      if not had[id] then w.put("treatment_control", { risk = ref, control = id }) end
    end
  end, "risk " .. ref)
  if not rep then return nil, err, code end
  return self:treatment(ref)
end

local function treatment_row(self, row, factors)
  row.controls = {}
  for id in (row.controls_text or ""):gmatch("%S+") do row.controls[#row.controls + 1] = id end
  row.controls_text = nil
  if row.rr1 then
    -- tier positions, as a risk's ratings: rr1..rr4, then rrx (hex here)
    row.residual = tier_positions(row, "rr", row.rrx, factors)
  end
  for k = 1, 4 do row["rr" .. k] = nil end
  row.rrx = nil
  row.residual_score = row.residual_score and decimal.to_number(tonumber(row.residual_score))
  row.residual_rank = tonumber(row.residual_rank)
  if row.residual_acceptable then row.residual_acceptable = row.residual_acceptable == "1" end
  if row.override_by then
    row.override = { by = row.override_by, at = row.override_at, reason = row.override_reason }
  end
  row.override_by, row.override_at, row.override_reason = nil, nil, nil
  row.acceptances = {}
  for a in self:rows("acceptances", row.risk) do row.acceptances[#row.acceptances + 1] = a end
  return row
end

local function read_treatments(self, ref)
  local factors = self:risk_factors() or {}
  local list = {}
  for row in self:rows("treatments", ref) do
    row.controls_text, row.controls = row.controls, nil
    list[#list + 1] = treatment_row(self, row, factors)
  end
  return list
end

--- The treatment of a risk, or nil: `{ risk, option, controls = { ids },
-- residual = { [factor] = tier } | nil, residual_score, residual_level,
-- residual_rank, residual_acceptable, rationale, shared_with, override =
-- { by, at, reason } | nil, decided_by, decided_at, acceptances = { { role,
-- who, at, rationale } } }`.
function T:treatment(ref)
  return read_treatments(self, ref)[1]
end

--- Every treatment, ordered by risk ref.
function T:treatments()
  return read_treatments(self, nil)
end

--- Records the acceptance of a risk's residual risk by one person.
-- @tparam string ref the risk (it must have a treatment)
-- @tparam table a `{ role = "management" | "owner", who, rationale, at }`;
--   an owner must be one of the risk's owners
function T:accept_risk(ref, a, reason)
  if type(a) ~= "table" then return nil, "accept_risk: expected a table", "MISUSE" end
  local function bad(why) return nil, ("risk %s: %s"):format(ref, why), "INPUT" end
  if a.role ~= "management" and a.role ~= "owner" then
    return bad(("role: expected management or owner, got %s"):format(tostring(a.role)))
  end
  local who, why = records.text(a.who, "who")
  if not who then return bad(why) end
  local rationale, rwhy = records.text(a.rationale, "rationale")
  if not rationale then return bad(rwhy) end
  local at, dwhy = records.date(records.today(a.at), "at")
  if not at then return bad(dwhy) end
  local risk = self:risk(ref)
  if not risk then return nil, ("no risk '%s' in the register"):format(ref), "NOTFOUND" end
  if not self:treatment(ref) then
    return bad("it has no treatment yet: decide one before accepting its residual risk")
  end
  if a.role == "owner" then
    local owners = M.owners_of(risk)
    local found = false
    for _, o in ipairs(owners) do if o == who then found = true end end
    if not found then
      return bad(("'%s' is not one of its owners (%s)"):format(who,
                 #owners > 0 and table.concat(owners, ", ") or "it has none"))
    end
  end
  local rep, err, code = records.run(self, "accept", reason, function(w)
    w.put("acceptance", { risk = ref, role = a.role, who = who, at = at, rationale = rationale })
  end, "risk " .. ref)
  if not rep then return nil, err, code end
  return true
end

--- Who still has to accept a treated risk's residual risk.
-- @treturn table `{ accepted = bool, missing = { "management" | owner name } }`
function M.acceptance_state(risk, treatment)
  local have_mgmt, owners_done = false, {}
  for _, a in ipairs(treatment.acceptances or {}) do
    if a.role == "management" then have_mgmt = true else owners_done[a.who] = true end
  end
  local missing = {}
  if not have_mgmt then missing[#missing + 1] = "management" end
  for _, o in ipairs(M.owners_of(risk)) do
    if not owners_done[o] then missing[#missing + 1] = o end
  end
  return { accepted = #missing == 0, missing = missing }
end

--- Removes a risk's treatment and its controls (refused while RTP tasks
-- refer to it).
function T:untreat(ref, reason)
  local old = self:treatment(ref)
  if not old then return nil, ("risk %s has no treatment"):format(ref), "NOTFOUND" end
  local tasks = self:tasks({ risk = ref })
  if #tasks > 0 then
    return nil, ("risk %s: its treatment has %d RTP task(s) (%s); delete them first")
      :format(ref, #tasks, tasks[1].id), "INPUT"
  end
  local rep, err, code = records.run(self, "untreat", reason, function(w)
    for _, id in ipairs(old.controls) do w.delete("treatment_control", { risk = ref, control = id }) end
    for _, a in ipairs(old.acceptances) do
      w.delete("acceptance", { risk = ref, role = a.role, who = a.who })
    end
    w.delete("treatment", { risk = ref })
  end, "risk " .. ref)
  if not rep then return nil, err, code end
  return true
end

require("isms.store.register").extend(M.methods)

return M
