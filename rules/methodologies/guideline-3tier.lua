-- The three-tier example of the national ISMS implementation guideline
-- (CyberSecurity Malaysia, 2013), section 6.1 "Risk Assessment
-- Methodology", items b-g. Source: ../shared/seeds (domain.md section 2).
--
-- The guideline gives the tiers by name and leaves the rest to the
-- organisation ("it is up to the organisation to determine the number of
-- tiers"). What it names is kept as written; what it leaves open is our
-- choice, marked CHOICE below:
--   b) asset value from loss of C, I and A in three tiers: high, medium, low;
--   c) likelihood in three tiers: high possibility, possible, rare;
--   d) business impact in three tiers: high, medium, low;
--   e) risk levels in three tiers: high, medium, low;
--   f) criteria for acceptable risk levels;
--   g) criteria for acceptable residual risk.

methodology "guideline-3tier" {
  title = "Guideline three-tier example",
  description = "Three tiers for asset value, likelihood, impact and risk level, with a 3 x 3 risk matrix",
  reference = "National ISMS implementation guideline (2013), section 6.1 b-g; domain.md section 2",
}

-- ------------------------------------------------------- asset valuation
-- 6.1 b: each of confidentiality, integrity and availability is valued in
-- three tiers. The guideline names the tiers only; the descriptions are ours.

local function cia_tiers(what)
  return {
    { value = 1, label = "Low", description = "Loss of " .. what .. " causes little or no harm" },
    { value = 2, label = "Medium", description = "Loss of " .. what .. " disturbs work or customers",
      aliases = { "moderate" } },
    { value = 3, label = "High", description = "Loss of " .. what .. " causes serious or lasting harm" },
  }
end

scale "C" { title = "Confidentiality", tiers = cia_tiers("confidentiality") }
scale "I" { title = "Integrity", tiers = cia_tiers("integrity") }
scale "A" { title = "Availability", tiers = cia_tiers("availability") }

-- CHOICE: the guideline does not say how C, I and A combine into one
-- asset value. We take the highest of the three (the "high-water mark"):
-- an asset is as valuable as its most sensitive property, and the value
-- stays on the same three tiers, so classes High, Medium and Low read
-- directly as the guideline's 3-tier asset value.
asset_value {
  combine = "max",
  description = "The highest of C, I and A (high-water mark)",
}

asset_class "High" {
  values = { 3 },
  title = "High value",
  description = "At least one of C, I and A is High",
}

asset_class "Medium" {
  values = { 2 },
  title = "Medium value",
  description = "The highest of C, I and A is Medium",
}

asset_class "Low" {
  values = { 1 },
  title = "Low value",
  description = "C, I and A are all Low",
}

-- ---------------------------------------------------------- risk scoring

-- 6.1 c: likelihood of a threat exploiting a vulnerability, three tiers as
-- named by the guideline (lowest first). The descriptions are ours.
scale "likelihood" {
  title = "Likelihood",
  description = "How likely the threat is to exploit the vulnerability, given the controls in place (6.2 h)",
  tiers = {
    { value = 1, label = "Rare", description = "Not expected, though it cannot be ruled out" },
    { value = 2, label = "Possible",
      description = "Could happen; has happened here or to similar organisations" },
    { value = 3, label = "High possibility", description = "Expected to happen, or already happens",
      aliases = { "likely", "high" } },
  },
}

-- 6.1 d: business impact of a loss of C, I or A, three tiers as named by
-- the guideline. The descriptions are ours; the impact kinds of 6.2 d
-- (repair time, time loss, opportunity, health and safety, cost of skills,
-- reputation) are what an assessor weighs when choosing the tier.
scale "impact" {
  title = "Impact",
  description = "Business impact of the loss of confidentiality, integrity or availability (6.2 g)",
  tiers = {
    { value = 1, label = "Low", description = "Minor disturbance, quickly recovered at little cost" },
    { value = 2, label = "Medium", description = "Noticeable loss of time, money, opportunity or goodwill",
      aliases = { "moderate" } },
    { value = 3, label = "High", description = "Serious loss, harm to people, or a breach of obligations" },
  },
}

risk_score {
  factors = { "likelihood", "impact" },
  combine = "matrix",
  matrix = "guideline",
  description = "Risk level looked up in the 3 x 3 matrix of likelihood and impact (6.1 e, 6.2 i)",
}

-- 6.1 e: three risk levels as named by the guideline. They are declared
-- lowest first, so their ranks are Low 1, Medium 2, High 3.
risk_level "Low" {
  description = "Retain and monitor",
  color = "#4CAF50",
}

risk_level "Medium" {
  description = "Treat, or retain with management approval",
  color = "#FFC107",
}

risk_level "High" {
  description = "Treat first",
  color = "#F44336",
}

-- CHOICE: the guideline names the three levels but not the cells. We use
-- the usual symmetric grid: the level rises one step for each step of
-- likelihood or impact, and a High in one with at least Medium in the
-- other is High. Rows are likelihood (Rare first), columns impact (Low
-- first):
--
--                     impact Low  impact Medium  impact High
--   Rare              Low         Low            Medium
--   Possible          Low         Medium         High
--   High possibility  Medium      High           High
risk_matrix "guideline" {
  title = "Guideline 3 x 3 risk matrix",
  rows = "likelihood",
  columns = "impact",
  cells = {
    { "Low",    "Low",    "Medium" },
    { "Low",    "Medium", "High" },
    { "Medium", "High",   "High" },
  },
}

-- ------------------------------------------------------------- acceptance
-- 6.1 f and g leave the criteria to top management; the guideline's own
-- examples ("implementation of controls will not reduce the risk levels",
-- "cost of implementing controls is higher than the value of impact") are
-- judgements recorded with a treatment decision, not something a score can
-- show. CHOICE: the level ceilings below are a starting point for that
-- decision. A risk is acceptable when every criterion that applies holds.

acceptance "general" {
  max_level = "Medium",
  description = "Low and Medium risks may be retained (6.1 f); High risks must be treated",
}

acceptance "high-value assets" {
  when = { asset_class = { "High" } },
  max_level = "Low",
  description = "Risks to high-value assets are retained only when Low",
}

-- 6.2 j: contractual, legal and regulatory requirements raise a risk's priority.
acceptance "obligations" {
  when = { obligations = { "legal", "regulatory", "contractual" } },
  max_level = "Low",
  description = "Risks touching a legal, regulatory or contractual obligation are retained only when Low",
}

residual_acceptance "residual" {
  max_level = "Medium",
  description = "After treatment, top management and the risk owner may accept a residual risk "
    .. "up to Medium (6.1 g)",
}

residual_acceptance "obligations" {
  when = { obligations = { "legal", "regulatory", "contractual" } },
  max_level = "Low",
  description = "The residual risk on a legal, regulatory or contractual obligation must be Low",
}
