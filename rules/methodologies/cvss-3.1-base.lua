-- CVSS v3.1 base score (FIRST, Common Vulnerability Scoring System v3.1:
-- Specification Document, section 7.1 and Appendix A), as a rule-file
-- function over the eight base metrics.
--
-- Each metric is a scale whose tier values are the specification's
-- weights (7.4): AV N 0.85, A 0.62, L 0.55, P 0.2; AC L 0.77, H 0.44; PR
-- N 0.85, L 0.62, H 0.27 (0.68 and 0.5 when the scope is changed: the
-- function picks those); UI N 0.85, R 0.62; S U or C; C, I, A H 0.56, L
-- 0.22, N 0. A vector's letters are the tier labels, so a risk is rated
-- AV=N, AC=L, ... as written in CVSS:3.1/AV:N/AC:L/...
--
-- The function is the specification's formula with its Roundup (Appendix
-- A: through integers, so 4.000001 rounds to 4.1 and 4.0 stays 4.0 on
-- every machine). It runs in the sandbox once per combination of the
-- metrics (4 x 2 x 3 x 2 x 2 x 3 x 3 x 3 = 2,592) when the methodology is
-- loaded; scoring is then a lookup in that table (a stage kernel over the
-- rating columns), never a Lua call per risk.
--
-- Levels: the qualitative severity rating scale of section 5: None 0.0,
-- Low 0.1-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0.
--
-- CHOICE: acceptance criteria are isms's: acceptable up to Low, only None
-- with an obligation; residual up to Low.

methodology "cvss-3.1-base" {
  title = "CVSS v3.1 base score",
  description = "The eight base metrics, the specification's formula and Roundup, "
    .. "the qualitative severity scale",
  reference = "FIRST CVSS v3.1 Specification Document, sections 5, 7.1, 7.4 and Appendix A",
}

local function metric(name, title, tiers)
  local list = {}
  for k, t in ipairs(tiers) do
    list[k] = { value = t[1], label = t[2], aliases = { t[3] } }
  end
  scale(name) { title = title, tiers = list }
end

metric("AV", "Attack Vector", { { 0.85, "N", "Network" }, { 0.62, "A", "Adjacent" },
                                { 0.55, "L", "Local" }, { 0.2, "P", "Physical" } })
metric("AC", "Attack Complexity", { { 0.77, "L", "Low" }, { 0.44, "H", "High" } })
metric("PR", "Privileges Required", { { 0.85, "N", "None" }, { 0.62, "L", "Low" },
                                      { 0.27, "H", "High" } })
metric("UI", "User Interaction", { { 0.85, "N", "None" }, { 0.62, "R", "Required" } })
metric("S", "Scope", { { 0, "U", "Unchanged" }, { 1, "C", "Changed" } })
metric("C", "Confidentiality", { { 0.56, "H", "High" }, { 0.22, "L", "Low" }, { 0, "N", "None" } })
metric("I", "Integrity", { { 0.56, "H", "High" }, { 0.22, "L", "Low" }, { 0, "N", "None" } })
metric("A", "Availability", { { 0.56, "H", "High" }, { 0.22, "L", "Low" }, { 0, "N", "None" } })

-- Appendix A: the smallest number, to one decimal place, equal to or
-- higher than its input, computed through integers.
local function roundup(x)
  local int_input = math.floor(x * 100000 + 0.5)
  if int_input % 10000 == 0 then return int_input / 100000 end
  return (math.floor(int_input / 10000) + 1) / 10
end

risk_score {
  factors = { "AV", "AC", "PR", "UI", "S", "C", "I", "A" },
  description = "Base score 0.0-10.0 (section 7.1)",
  combine = function(m)
    local changed = m.S == 1
    local pr = m.PR
    if changed and pr == 0.62 then pr = 0.68 elseif changed and pr == 0.27 then pr = 0.5 end
    local iss = 1 - (1 - m.C) * (1 - m.I) * (1 - m.A)
    local impact
    if changed then
      impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ^ 15
    else
      impact = 6.42 * iss
    end
    local exploitability = 8.22 * m.AV * m.AC * pr * m.UI
    if impact <= 0 then return 0 end
    if changed then return roundup(math.min(1.08 * (impact + exploitability), 10)) end
    return roundup(math.min(impact + exploitability, 10))
  end,
}

risk_level "None" { color = "#FFFFFF" }
risk_level "Low" { from = 0.1, color = "#FFFF00" }
risk_level "Medium" { from = 4, color = "#FFC000" }
risk_level "High" { from = 7, color = "#FF0000" }
risk_level "Critical" { from = 9, color = "#C00000" }

acceptance "general" {
  max_level = "Low",
  description = "None and Low severities may be accepted",
}

acceptance "obligations" {
  when = { obligations = { "legal", "regulatory", "contractual" } },
  max_level = "None",
  description = "With a legal, regulatory or contractual obligation only None may be accepted",
}

residual_acceptance "general" {
  max_level = "Low",
  description = "Residual severity must be Low or None",
}
