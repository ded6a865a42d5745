--- The people check (clauses 5.3, 7.2, 7.3): who lacks a programme the
-- programmes file requires of them, who is due for a refresher, who
-- lacks a competence a role requires, which roles are unfilled, and what
-- else is wrong with who holds what (conflicting roles, leavers still
-- holding roles, a body whose chair is not a member).
--
-- Every part is one SQL statement over the register: the rule files'
-- programmes and roles go in as a JSON parameter (json_each), the
-- latest completion of each programme per person comes from the index
-- training_latest, and only the rows that are problems come back to
-- Lua. No loop over people or records runs here.
local cjson = require "cjson"
local records = require "isms.store.records"

local M = {}

-- The rule files as the JSON the statements read.
local function programmes_json(programmes)
  local list = {}
  for _, p in ipairs(programmes.programmes) do
    list[#list + 1] = { id = p.id, audience = p.audience, months = p.months or 0,
                        bk = p.once.before_kickoff and 1 or 0, ind = p.once.at_induction and 1 or 0,
                        days = p.induction_days, grants = p.grants }
  end
  return cjson.encode(list)
end

local function roles_json(roles)
  local list = {}
  for _, r in ipairs(roles.roles) do
    list[#list + 1] = { id = r.id, min = r.min_holders, competence = r.competence,
                        conflicts = r.conflicts_with, chair = r.chair or "" }
  end
  return cjson.encode(list)
end

-- cjson writes an empty table as {}: json_each reads that as no rows
-- either way, so the statements need no special case.

-- Current people and the roles they hold today (?2). Parameters of every
-- statement: ?1 JSON, ?2 today.
local CURRENT = [[
cur AS (
  SELECT id, joined FROM people
  WHERE (joined IS NULL OR joined <= ?2) AND (left_on IS NULL OR left_on > ?2)),
held AS (
  SELECT DISTINCT a.person, a.role FROM role_assignments a JOIN cur c ON c.id = a.person
  WHERE a.held_from <= ?2 AND (a.held_to IS NULL OR a.held_to >= ?2))]]

-- Who must take which programme: the audience "all" is every current
-- person; a role in the audience, its current holders.
local REQUIRED = [[
prog AS (
  SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.months') AS months,
         json_extract(value, '$.bk') AS bk, json_extract(value, '$.ind') AS ind,
         json_extract(value, '$.days') AS days
  FROM json_each(?1)),
aud AS (
  SELECT json_extract(p.value, '$.id') AS programme, a.value AS role
  FROM json_each(?1) p, json_each(json_extract(p.value, '$.audience')) a),
req AS (
  SELECT c.id AS person, a.programme FROM cur c JOIN aud a ON a.role = 'all'
  UNION
  SELECT h.person, a.programme FROM held h JOIN aud a ON a.role = h.role)]]

-- Each requirement's due date: a programme never taken is due by the
-- kick-off (?3) for people there before it, within induction_days of
-- joining for the others, else now; a programme taken is due again an
-- interval after its latest completion (never, for a one-off).
local PROGRAMMES = "WITH " .. CURRENT .. ",\n" .. REQUIRED .. [[,
done AS (
  SELECT person, programme, max(completed) AS last FROM training_records
  WHERE completed <= ?2 AND (result IS NULL OR result <> 'failed')
  GROUP BY person, programme),
due AS (
  SELECT r.person, r.programme, d.last, c.joined,
    CASE WHEN p.bk AND NULLIF(?3, '') IS NOT NULL AND (c.joined IS NULL OR c.joined <= ?3)
         THEN ?3 END AS by_kickoff,
    CASE WHEN p.ind AND c.joined IS NOT NULL
              AND NOT (p.bk AND NULLIF(?3, '') IS NOT NULL AND c.joined <= ?3)
         THEN date(c.joined, '+' || p.days || ' days') END AS by_induction,
    p.months
  FROM req r JOIN cur c ON c.id = r.person JOIN prog p ON p.id = r.programme
  LEFT JOIN done d ON d.person = r.person AND d.programme = r.programme),
st AS (
  SELECT person, programme, last, joined, by_kickoff, by_induction,
    CASE WHEN last IS NOT NULL THEN
           CASE WHEN months > 0 THEN date(last, '+' || months || ' months') END
         ELSE coalesce(min(coalesce(by_kickoff, by_induction), coalesce(by_induction, by_kickoff)),
                       ?2) END AS due_on
  FROM due)
SELECT person, programme, last, joined, due_on, (SELECT count(DISTINCT person) FROM req) AS required,
  CASE WHEN last IS NULL AND due_on <= ?2 THEN 'missing'
       WHEN last IS NULL THEN 'due'
       WHEN due_on < ?2 THEN 'overdue'
       ELSE 'refresher' END AS status,
  CASE WHEN last IS NULL AND due_on = by_kickoff THEN 'kickoff'
       WHEN last IS NULL AND due_on = by_induction THEN 'induction' END AS occasion
FROM st
WHERE due_on IS NOT NULL AND due_on <= date(?2, '+' || ?4 || ' days')
ORDER BY person, programme]]

-- People with a requirement, for the share trained.
local REQUIRED_COUNT = "WITH " .. CURRENT .. ",\n" .. REQUIRED ..
  "\nSELECT count(DISTINCT person) AS n FROM req"

-- Competences the roles held require (?1 roles JSON), that neither a
-- competence record valid today nor a completed programme that grants it
-- (?3 programmes JSON) provides. Names compare without case.
local COMPETENCE = "WITH " .. CURRENT .. [[,
need AS (
  SELECT DISTINCT h.person, h.role, c.value AS competence
  FROM held h JOIN json_each(?1) r ON json_extract(r.value, '$.id') = h.role,
       json_each(json_extract(r.value, '$.competence')) c),
grants AS (
  SELECT json_extract(p.value, '$.id') AS programme, lower(g.value) AS comp
  FROM json_each(?3) p, json_each(json_extract(p.value, '$.grants')) g)
SELECT n.person, n.role, n.competence FROM need n
WHERE NOT EXISTS (
    SELECT 1 FROM competences k WHERE k.person = n.person
    AND lower(k.competence) = lower(n.competence)
    AND (k.obtained IS NULL OR k.obtained <= ?2) AND (k.expires IS NULL OR k.expires >= ?2))
  AND NOT EXISTS (
    SELECT 1 FROM grants g JOIN training_records t ON t.person = n.person
      AND t.programme = g.programme
    WHERE g.comp = lower(n.competence) AND t.completed <= ?2
      AND (t.result IS NULL OR t.result <> 'failed'))
ORDER BY n.person, n.role, n.competence]]

-- Roles with fewer current holders than min_holders.
local UNFILLED = "WITH " .. CURRENT .. [[,
role AS (
  SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.min') AS min, key AS ord
  FROM json_each(?1))
SELECT r.id AS role, r.min AS min_holders, count(h.person) AS holders
FROM role r LEFT JOIN held h ON h.role = r.id
GROUP BY r.id HAVING count(h.person) < r.min ORDER BY min(r.ord)]]

-- People holding two roles the roles file says conflict.
local CONFLICTS = "WITH " .. CURRENT .. [[,
conflict AS (
  SELECT json_extract(r.value, '$.id') AS role, c.value AS other
  FROM json_each(?1) r, json_each(json_extract(r.value, '$.conflicts')) c)
SELECT h1.person, h1.role, h2.role AS other FROM held h1
JOIN conflict k ON k.role = h1.role
JOIN held h2 ON h2.person = h1.person AND h2.role = k.other
ORDER BY h1.person, h1.role]]

-- A body's chair who is not one of its members.
local CHAIRS = "WITH " .. CURRENT .. [[,
body AS (
  SELECT json_extract(value, '$.id') AS role, json_extract(value, '$.chair') AS chair
  FROM json_each(?1) WHERE json_extract(value, '$.chair') <> '')
SELECT h.person, b.chair, b.role FROM body b JOIN held h ON h.role = b.chair
WHERE NOT EXISTS (SELECT 1 FROM held m WHERE m.person = h.person AND m.role = b.role)
ORDER BY h.person]]

-- Role assignments still open past the holder's leaving date, and
-- assignments naming roles the roles file no longer declares.
local LEAVERS = [[
SELECT a.id, a.person, a.role, p.left_on FROM role_assignments a JOIN people p ON p.id = a.person
WHERE p.left_on IS NOT NULL AND p.left_on <= ?1 AND (a.held_to IS NULL OR a.held_to > p.left_on)
ORDER BY a.person, a.id]]

local UNKNOWN_ROLES = [[
SELECT id, person, role FROM role_assignments
WHERE role NOT IN (SELECT json_extract(value, '$.id') FROM json_each(?1)) ORDER BY id]]

-- What the generic record check would find in people and role
-- assignments, as two statements: links to parties no longer in the asset
-- register, assignments of people no longer in the people register.
local DANGLING = [[
SELECT l.id AS person, NULL AS role, 'acts as ' || l.target
       || ', which is not a party of the asset register' AS problem
FROM record_links l WHERE l.kind = 'person' AND l.rel = 'acts_as'
  AND NOT EXISTS (SELECT 1 FROM parties p WHERE p.name = l.target)
UNION ALL
SELECT a.person, a.role, a.id || ' names a person not in the people register'
FROM role_assignments a WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.id = a.person)
ORDER BY 1, 2]]

local function all(reg, sql, ...)
  local out = {}
  for row in reg:query(sql, ...) do out[#out + 1] = row end
  return out
end

--- Runs the check. config: isms.people.config(reg); opts: today
-- (YYYY-MM-DD, default the real one), within (days ahead to list
-- refreshers and programmes falling due, default 30).
-- @treturn table `{ today, within, programmes = { { person, programme,
--   status = missing|due|overdue|refresher, last, due_on, occasion,
--   joined } }, competence = { { person, role, competence } }, unfilled
--   = { { role, min_holders, holders } }, problems = { { person, role,
--   problem } }, trained = { trained, people, share } }`
function M.run(reg, config, opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local ok, e = records.date(today, "today")
  if not ok then return nil, e, "INPUT" end
  local within = tonumber(opts.within or 30)
  if not within or within < 0 or within ~= math.floor(within) then
    return nil, "within: expected a whole number of days", "INPUT"
  end
  local pj, rj = programmes_json(config.programmes), roles_json(config.roles)
  local kickoff = config.kickoff or ""
  local rep = { today = today, within = within, kickoff = config.kickoff }
  rep.programmes = all(reg, PROGRAMMES, pj, today, kickoff, within)
  rep.competence = all(reg, COMPETENCE, rj, today, pj)
  rep.unfilled = all(reg, UNFILLED, rj, today)
  for _, u in ipairs(rep.unfilled) do
    u.min_holders, u.holders = tonumber(u.min_holders), tonumber(u.holders)
  end
  local problems = {}
  for _, r in ipairs(all(reg, CONFLICTS, rj, today)) do
    problems[#problems + 1] = { person = r.person, role = r.role, problem =
      ("also holds %s, which the roles file says conflicts with %s"):format(r.other, r.role) }
  end
  for _, r in ipairs(all(reg, CHAIRS, rj, today)) do
    problems[#problems + 1] = { person = r.person, role = r.chair, problem =
      ("chairs %s but is not one of its members"):format(r.role) }
  end
  for _, r in ipairs(all(reg, LEAVERS, today)) do
    problems[#problems + 1] = { person = r.person, role = r.role, problem =
      ("left on %s but %s still holds the role past then"):format(r.left_on, r.id) }
  end
  for _, r in ipairs(all(reg, UNKNOWN_ROLES, rj)) do
    problems[#problems + 1] = { person = r.person, role = r.role, problem =
      ("%s names a role %s does not declare"):format(r.id, config.roles.file) }
  end
  for _, r in ipairs(all(reg, DANGLING)) do problems[#problems + 1] = r end
  rep.problems = problems
  -- The share trained: people with a requirement and none missing or overdue.
  local lacking = {}
  local n_lacking = 0
  for _, p in ipairs(rep.programmes) do
    if (p.status == "missing" or p.status == "overdue") and not lacking[p.person] then
      lacking[p.person] = true
      n_lacking = n_lacking + 1
    end
  end
  -- Every row carries the count of people with a requirement (req is
  -- built once); without rows, ask for it.
  local n = rep.programmes[1] and tonumber(rep.programmes[1].required)
    or tonumber(all(reg, REQUIRED_COUNT, pj, today)[1].n)
  for _, p in ipairs(rep.programmes) do p.required = nil end
  rep.trained = { people = n, trained = n - n_lacking, share = n > 0 and (n - n_lacking) / n or 1 }
  return rep
end

--- The number of problems a report holds (what makes `isms people check`
-- exit 1): missing and overdue programmes, missing competences, unfilled
-- roles and the other problems; programmes merely falling due are not.
function M.count(rep)
  local n = #rep.competence + #rep.unfilled + #rep.problems
  for _, p in ipairs(rep.programmes) do
    if p.status == "missing" or p.status == "overdue" then n = n + 1 end
  end
  return n
end

return M
