--- Suppliers (ISO/IEC 27001:2022 A.5.19-A.5.23; 2013 A.15): the
-- supplier register, contracts and certifications as record kinds
-- (isms.store.kind), the assets a supplier holds or processes, expiring
-- contracts and certificates in the action tracker, and a supplier's risk
-- roll-up.
--
-- An outsourced asset names its supplier through the supplier's `assets`
-- links; the asset register's `outsourced` flag stays. A register made
-- before suppliers existed migrates with `link_assets`: an outsourced
-- asset whose `contract` names a contract of the register is linked to
-- that contract's supplier.
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local actions = require "isms.actions"
local irules = require "isms.incident.rules"
local all = require("isms.incident._sql").all

local M = {}

--- The supplier kind (reg:records("suppliers")).
M.kind = kind.define {
  kind = "supplier", plural = "suppliers", table = "suppliers", key = "id", id_prefix = "SUP-",
  title = "Suppliers: services, contacts, criticality and the assets they hold",
  list_columns = { "id", "name", "criticality", "owner", "services" },
  fields = {
    { name = "id", type = "id" },
    { name = "name", type = "text", required = true },
    { name = "services", type = "list", help = "what it provides" },
    { name = "contacts", type = "list", help = "names, mail, phone" },
    { name = "criticality", type = "text", required = true, check = irules.scale_check("criticality"),
      help = "on the criticality scale of the incident rule file" },
    { name = "owner", type = "text", help = "who manages the relationship" },
    { name = "assets", type = "links", to = "asset", help = "assets it holds or processes" },
    { name = "assessments", type = "links", to = "assessment",
      help = "gap assessments run as its questionnaires (isms gap, any requirement catalog)" },
    { name = "notes", type = "text" },
  },
  check = function(reg, rows, problem)
    for _, row in ipairs(all(reg, "SELECT a.id FROM assets a WHERE a.outsourced = 1 AND NOT EXISTS "
        .. "(SELECT 1 FROM record_links l WHERE l.rel = 'assets' AND l.target = a.id AND "
        .. "l.kind = 'supplier') ORDER BY a.id")) do
      problem(row.id, "assets", ("outsourced asset %s names no supplier"):format(row.id))
    end
    for _, row in ipairs(all(reg, "SELECT l.id, l.target FROM record_links l JOIN assets a "
        .. "ON a.id = l.target WHERE l.kind = 'supplier' AND l.rel = 'assets' AND a.outsourced = 0 "
        .. "ORDER BY l.id, l.target")) do
      problem(row.id, "assets", ("holds %s, which is not marked outsourced"):format(row.target))
    end
    local spec = irules.of(reg)
    local active = {}
    for _, row in ipairs(all(reg, "SELECT supplier, max(right_to_audit) AS audit FROM "
        .. "supplier_contracts WHERE coalesce(status, 'active') = 'active' GROUP BY supplier")) do
      active[row.supplier] = row.audit == "1"
    end
    for _, r in ipairs(rows) do
      if spec and r.criticality and not spec.scales.criticality:parse(r.criticality) then
        problem(r.id, "criticality", ("'%s' is no longer on the criticality scale of %s")
                :format(r.criticality, spec.file))
      end
      local rank = spec and spec.scales.criticality:rank(r.criticality) or 0
      if active[r.id] == nil and #r.assets > 0 then
        problem(r.id, "contracts", "holds assets without an active contract")
      elseif rank >= 3 and active[r.id] == false then
        problem(r.id, "contracts", ("%s supplier without the right to audit"):format(r.criticality))
      end
    end
  end,
}

M.CONTRACT_STATUS = { "active", "ended", "terminated" }

--- Contracts with suppliers (reg:records("contracts")). The id may be the
-- contract reference the asset register's `contract` column holds.
M.contract_kind = kind.define {
  kind = "contract", plural = "contracts", table = "supplier_contracts", key = "id",
  id_prefix = "CON-", title = "Supplier contracts: dates, security clauses, audit, data locations",
  list_columns = { "id", "supplier", "title", "starts", "ends", "status", "right_to_audit" },
  fields = {
    { name = "id", type = "id" },
    { name = "supplier", type = "ref", to = "supplier", required = true },
    { name = "title", type = "text" },
    { name = "starts", type = "date", required = true },
    { name = "ends", type = "date", help = "empty: until terminated" },
    { name = "notice_days", type = "int", min = 0, help = "renewal or exit notice" },
    { name = "status", type = "enum", values = M.CONTRACT_STATUS, default = "active" },
    { name = "security_clauses", type = "list", help = "the clauses on information security" },
    { name = "right_to_audit", type = "bool" },
    { name = "data_locations", type = "list", help = "where the supplier keeps the data" },
  },
  validate = function(row)
    if row.ends and row.ends <= row.starts then
      return ("a contract ends (%s) after it starts (%s)"):format(row.ends, row.starts), "ends"
    end
  end,
}

--- Certifications a supplier holds (reg:records("certifications")): every
-- one has an expiry.
M.certification_kind = kind.define {
  kind = "certification", plural = "certifications", table = "supplier_certifications",
  key = "id", id_prefix = "CERT-", title = "Supplier certifications and their expiry",
  list_columns = { "id", "supplier", "standard", "expires", "body" },
  fields = {
    { name = "id", type = "id" },
    { name = "supplier", type = "ref", to = "supplier", required = true },
    { name = "standard", type = "text", required = true, help = "e.g. ISO/IEC 27001:2022, SOC 2" },
    { name = "certificate", type = "text", help = "its number" },
    { name = "body", type = "text", help = "who certified" },
    { name = "scope", type = "text" },
    { name = "issued", type = "date" },
    { name = "expires", type = "date", required = true },
  },
  validate = function(row)
    if row.issued and row.expires <= row.issued then
      return ("a certificate expires (%s) after it is issued (%s)"):format(row.expires, row.issued),
        "expires"
    end
  end,
}

-- ------------------------------------------------------------ actions

--- Contracts ending and certificates expiring, as actions of the one
-- tracker: a contract with an end date is due its notice period before
-- it (done once it is no longer active); a certificate is due on its
-- expiry (done once the supplier holds a later one of the same standard).
function M.actions(reg)
  local out = {}
  for _, row in ipairs(all(reg, "SELECT c.id, c.title, c.ends, c.notice_days, c.status, s.id AS "
      .. "supplier, s.name, s.owner FROM supplier_contracts c JOIN suppliers s ON s.id = c.supplier "
      .. "WHERE c.ends IS NOT NULL ORDER BY c.id")) do
    local notice = tonumber(row.notice_days) or 0
    local due = row.ends
    if notice > 0 then
      due = all(reg, "SELECT date(?1, ?2) AS d", row.ends, ("-%d days"):format(notice))[1].d
    end
    local status = row.status or "active"
    out[#out + 1] = {
      id = row.id, owner = row.owner, due = due, status = status, done = status ~= "active",
      title = ("Contract %s%s with %s ends %s%s: renew or exit"):format(row.id,
        row.title and (" (" .. row.title .. ")") or "", row.name, row.ends,
        notice > 0 and (" (%d days' notice)"):format(notice) or ""),
      ref = "supplier " .. row.supplier,
    }
  end
  for _, row in ipairs(all(reg, "SELECT c.id, c.standard, c.expires, s.id AS supplier, s.name, "
      .. "s.owner, EXISTS (SELECT 1 FROM supplier_certifications n WHERE n.supplier = c.supplier "
      .. "AND n.standard = c.standard AND n.expires > c.expires) AS renewed "
      .. "FROM supplier_certifications c JOIN suppliers s ON s.id = c.supplier ORDER BY c.id")) do
    out[#out + 1] = {
      id = row.id, owner = row.owner, due = row.expires,
      status = row.renewed == "1" and "renewed" or "held", done = row.renewed == "1",
      title = ("%s certificate of %s expires %s"):format(row.standard, row.name, row.expires),
      ref = "supplier " .. row.supplier,
    }
  end
  return out
end

actions.source("suppliers", M.actions)

-- ------------------------------------------------------------ assets

--- The suppliers that hold or process an asset (ids, sorted).
function M.of_asset(reg, asset)
  local ids = {}
  for _, row in ipairs(all(reg, "SELECT id FROM record_links WHERE rel = 'assets' AND target = ?1 "
      .. "AND kind = 'supplier' ORDER BY id", asset)) do
    ids[#ids + 1] = row.id
  end
  return ids
end

--- The outsourced assets and their suppliers: a list of { asset, name,
-- contract, suppliers (ids), by_contract (the supplier whose contract the
-- asset's `contract` names, if any) }.
function M.outsourced(reg)
  local list, at = {}, {}
  for _, row in ipairs(all(reg, "SELECT a.id, a.name, a.contract, c.supplier AS by_contract FROM "
      .. "assets a LEFT JOIN supplier_contracts c ON c.id = a.contract WHERE a.outsourced = 1 "
      .. "ORDER BY a.id")) do
    local item = { asset = row.id, name = row.name, contract = row.contract,
                   by_contract = row.by_contract, suppliers = {} }
    list[#list + 1] = item
    at[row.id] = item
  end
  for _, row in ipairs(all(reg, "SELECT l.target, l.id FROM record_links l JOIN assets a ON "
      .. "a.id = l.target WHERE l.kind = 'supplier' AND l.rel = 'assets' AND a.outsourced = 1 "
      .. "ORDER BY l.target, l.id")) do
    local item = at[row.target]
    item.suppliers[#item.suppliers + 1] = row.id
  end
  return list
end

--- Links each outsourced asset that names no supplier yet to the supplier
-- whose contract its `contract` column names (registers made before the
-- supplier register), in one batch. Returns { linked = { {asset,
-- supplier}, ... }, left = { asset ids still without a supplier }, batch }.
function M.link_assets(reg, opts)
  opts = opts or {}
  local todo, left = {}, {}
  for _, item in ipairs(M.outsourced(reg)) do
    if #item.suppliers == 0 then
      if item.by_contract then todo[#todo + 1] = { asset = item.asset, supplier = item.by_contract }
      else left[#left + 1] = item.asset end
    end
  end
  if #todo == 0 then return { linked = {}, left = left } end
  local rep, err, code = records.run(reg, "suppliers link assets", opts.reason, function(w)
    for _, t in ipairs(todo) do
      w.put("link", { kind = "supplier", id = t.supplier, rel = "assets", target = t.asset })
    end
  end, "assets' contract column")
  if not rep then return nil, err, code end
  return { linked = todo, left = left, batch = rep.batch }
end

--- The supplier's assessments: the gap assessments (isms.gap) it names,
-- each a questionnaire of a requirement catalog answered by or about the
-- supplier, summed up: { id, framework, title, assessed_on, state, value
-- (the method's roll-up, e.g. percent met), requirements, met, gaps }.
function M.assessments(reg, id)
  local sup = reg:records("suppliers"):get(id)
  if not sup then return nil, ("no supplier '%s' in the register"):format(id), "NOTFOUND" end
  local list = {}
  for _, aid in ipairs(sup.assessments) do
    local res, err, code = reg:gap_results(aid)
    if not res then return nil, err, code end
    local a, c = res.assessment, res.total.counts
    list[#list + 1] = { id = aid, framework = res.framework, title = a.title,
                        assessed_on = a.assessed_on, state = a.state, value = res.total.value,
                        requirements = c.requirements, met = c.met, gaps = c.gaps }
  end
  return list
end

--- A supplier's risk roll-up: the risks on the assets it holds, counted
-- per level (highest first), with the unacceptable and unrated counts,
-- the five highest risks and its assessments. nil, message, "NOTFOUND" for an unknown supplier.
function M.risks(reg, id)
  local sup = reg:records("suppliers"):get(id)
  if not sup then return nil, ("no supplier '%s' in the register"):format(id), "NOTFOUND" end
  local held = "SELECT target FROM record_links WHERE kind = 'supplier' AND id = ?1 AND rel = 'assets'"
  local out = { supplier = id, name = sup.name, criticality = sup.criticality, assets = sup.assets,
                levels = {}, total = 0, unacceptable = 0, unrated = 0, top = {} }
  for _, row in ipairs(all(reg, "SELECT level, level_rank, count(*) AS n, sum(acceptable = 0) AS bad, "
      .. "sum(coalesce(r1, r2, r3, r4) IS NULL) AS unrated FROM risks WHERE asset IN (" .. held
      .. ") GROUP BY level, level_rank ORDER BY level_rank DESC", id)) do
    local n = tonumber(row.n)
    out.total = out.total + n
    out.unacceptable = out.unacceptable + (tonumber(row.bad) or 0)
    out.unrated = out.unrated + (tonumber(row.unrated) or 0)
    if row.level then out.levels[#out.levels + 1] = { level = row.level, count = n } end
  end
  out.top = all(reg, "SELECT ref, asset, level, score, acceptable FROM risks WHERE asset IN ("
    .. held .. ") AND level IS NOT NULL ORDER BY level_rank DESC, score DESC, ref LIMIT 5", id)
  for _, r in ipairs(out.top) do
    r.score = r.score and tonumber(r.score) / 1e6
    r.acceptable = r.acceptable == "1"
  end
  local assessed, aerr, acode = M.assessments(reg, id)
  if not assessed then return nil, aerr, acode end
  out.assessments = assessed
  return out
end

return M
