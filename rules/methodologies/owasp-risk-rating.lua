-- OWASP Risk Rating Methodology (owasp.org/www-community/OWASP_Risk_Rating_Methodology),
-- written with staged scores (docs/risk-rules.md, "Staged scores").
--
-- Sixteen factors, each rated 0 to 9: eight for likelihood (threat agent:
-- skill level, motive, opportunity, size; vulnerability: ease of
-- discovery, ease of exploit, awareness, intrusion detection), four for
-- technical impact (loss of confidentiality, integrity, availability,
-- accountability) and four for business impact (financial damage,
-- reputation damage, non-compliance, privacy violation). The options the
-- methodology lists for a factor are aliases of their tier, so a rating
-- may be "9" or "security penetration skills".
--
-- Step 4: likelihood is the average of its eight factors, each impact the
-- average of its four; an average from 0 to below 3 is LOW, from 3 to
-- below 6 MEDIUM, from 6 to 9 HIGH (the averages are exact, so 2.999999
-- cannot round into MEDIUM). The business impact is used when it is known,
-- else the technical impact ("if you have good business impact
-- information, you should use that instead of the technical impact"):
-- rate the business factors "unknown" to leave them out. The overall
-- severity is the matrix of step 4, Note to Critical.
--
-- CHOICE: acceptance criteria are not part of the methodology; these are
-- isms's: acceptable up to Low, only Note with an obligation; residual up
-- to Low.

methodology "owasp-risk-rating" {
  title = "OWASP Risk Rating",
  description = "Sixteen factors 0-9, likelihood and impact averages banded LOW/MEDIUM/HIGH, "
    .. "overall severity Note..Critical",
  reference = "OWASP Risk Rating Methodology (Jeff Williams), steps 2 to 4",
}

-- A factor: tiers 0..9 labelled "0".."9" (as a spreadsheet has them), the
-- methodology's options as aliases and descriptions of their tier.
local function factor(name, title, options, no_unknown)
  local tiers = {}
  for v = 0, 9 do tiers[v + 1] = { value = v, label = tostring(v) } end
  for _, o in ipairs(options) do
    local t = tiers[o[1] + 1]
    t.aliases = t.aliases or {}
    t.aliases[#t.aliases + 1] = o[2]
    t.description = t.description and (t.description .. "; " .. o[2]) or o[2]
  end
  scale(name) {
    title = title,
    tiers = tiers,
    not_rated = not no_unknown and { value = -1, label = "unknown",
                                     description = "not known: the factor is left out" } or nil,
  }
end

-- Threat agent factors
factor("skill", "Skill level", {
  { 1, "no technical skills" }, { 3, "some technical skills" }, { 5, "advanced computer user" },
  { 6, "network and programming skills" }, { 9, "security penetration skills" } }, true)
factor("motive", "Motive", {
  { 1, "low or no reward" }, { 4, "possible reward" }, { 9, "high reward" } }, true)
factor("opportunity", "Opportunity", {
  { 0, "full access or expensive resources required" }, { 4, "special access or resources required" },
  { 7, "some access or resources required" }, { 9, "no access or resources required" } }, true)
factor("size", "Size", {
  { 2, "developers" }, { 2, "system administrators" }, { 4, "intranet users" }, { 5, "partners" },
  { 6, "authenticated users" }, { 9, "anonymous internet users" } }, true)
-- Vulnerability factors
factor("discovery", "Ease of discovery", {
  { 1, "practically impossible" }, { 3, "difficult" }, { 7, "easy" },
  { 9, "automated tools available" } }, true)
factor("exploit", "Ease of exploit", {
  { 1, "theoretical" }, { 3, "difficult to exploit" }, { 5, "easy to exploit" },
  { 9, "automated exploit tools available" } }, true)
factor("awareness", "Awareness", {
  { 1, "unknown to the public" }, { 4, "hidden" }, { 6, "obvious" }, { 9, "public knowledge" } }, true)
factor("detection", "Intrusion detection", {
  { 1, "active detection in application" }, { 3, "logged and reviewed" },
  { 8, "logged without review" }, { 9, "not logged" } }, true)
-- Technical impact factors
factor("confidentiality", "Loss of confidentiality", {
  { 2, "minimal non-sensitive data disclosed" }, { 6, "minimal critical data disclosed" },
  { 6, "extensive non-sensitive data disclosed" }, { 7, "extensive critical data disclosed" },
  { 9, "all data disclosed" } })
factor("integrity", "Loss of integrity", {
  { 1, "minimal slightly corrupt data" }, { 3, "minimal seriously corrupt data" },
  { 5, "extensive slightly corrupt data" }, { 7, "extensive seriously corrupt data" },
  { 9, "all data totally corrupt" } })
factor("availability", "Loss of availability", {
  { 1, "minimal secondary services interrupted" }, { 5, "minimal primary services interrupted" },
  { 5, "extensive secondary services interrupted" }, { 7, "extensive primary services interrupted" },
  { 9, "all services completely lost" } })
factor("accountability", "Loss of accountability", {
  { 1, "fully traceable" }, { 7, "possibly traceable" }, { 9, "completely anonymous" } })
-- Business impact factors
factor("financial", "Financial damage", {
  { 1, "less than the cost to fix the vulnerability" }, { 3, "minor effect on annual profit" },
  { 7, "significant effect on annual profit" }, { 9, "bankruptcy" } })
factor("reputation", "Reputation damage", {
  { 1, "minimal damage" }, { 4, "loss of major accounts" }, { 5, "loss of goodwill" },
  { 9, "brand damage" } })
factor("compliance", "Non-compliance", {
  { 2, "minor violation" }, { 5, "clear violation" }, { 7, "high profile violation" } })
factor("privacy", "Privacy violation", {
  { 3, "one individual" }, { 5, "hundreds of people" }, { 7, "thousands of people" },
  { 9, "millions of people" } })

local LMH = { "LOW", 3, "MEDIUM", 6, "HIGH" }

risk_stage "likelihood" {
  title = "Likelihood",
  combine = "mean",
  inputs = { "skill", "motive", "opportunity", "size", "discovery", "exploit", "awareness",
             "detection" },
  bands = LMH,
}

risk_stage "technical_impact" {
  title = "Technical impact",
  combine = "mean",
  inputs = { "confidentiality", "integrity", "availability", "accountability" },
}

risk_stage "business_impact" {
  title = "Business impact",
  combine = "mean",
  inputs = { "financial", "reputation", "compliance", "privacy" },
}

risk_stage "impact" {
  title = "Impact",
  description = "The business impact when its factors are known, else the technical impact",
  combine = "first",
  inputs = { "business_impact", "technical_impact" },
  bands = LMH,
}

risk_score {
  factors = { "skill", "motive", "opportunity", "size", "discovery", "exploit", "awareness",
              "detection", "confidentiality", "integrity", "availability", "accountability",
              "financial", "reputation", "compliance", "privacy" },
  combine = "matrix",
  matrix = "severity",
  description = "Overall risk severity: impact band x likelihood band",
}

-- Step 4's table: rows are the impact bands (LOW first), columns the
-- likelihood bands.
risk_matrix "severity" {
  title = "Overall risk severity",
  rows = "impact",
  columns = "likelihood",
  cells = {
    { "Note", "Low", "Medium" },        -- impact LOW
    { "Low", "Medium", "High" },        -- impact MEDIUM
    { "Medium", "High", "Critical" },   -- impact HIGH
  },
}

risk_level "Note" { color = "#8DB4E2" }
risk_level "Low" { color = "#92D050" }
risk_level "Medium" { color = "#FFFF00" }
risk_level "High" { color = "#FFC000" }
risk_level "Critical" { color = "#FF0000" }

acceptance "general" {
  max_level = "Low",
  description = "Note and Low severities may be accepted",
}

acceptance "obligations" {
  when = { obligations = { "legal", "regulatory", "contractual" } },
  max_level = "Note",
  description = "With a legal, regulatory or contractual obligation only Note may be accepted",
}

residual_acceptance "general" {
  max_level = "Low",
  description = "Residual severity must be Low or Note",
}
