-- NIST SP 800-30 Revision 1 (September 2012), semi-quantitative values.
--
-- Every assessment scale of the publication pairs its five qualitative
-- values with semi-quantitative ones: a band on a 0-100 scale and a
-- representative value on a 0-10 scale. The pairs are the same in Tables
-- G-2, G-3 and G-4 (likelihood), H-3 (impact) and I-3 (level of risk):
--
--   qualitative  0-100 band  representative (0-10)
--   Very Low     0-4         0
--   Low          5-20        2
--   Moderate     21-79       5
--   High         80-95       8
--   Very High    96-100      10
--
-- What is encoded here, and why:
-- * Tiers 1..5 of likelihood and impact are Very Low..Very High; a tier's
--   description gives its band and representative value. (Tier values must
--   run 1..n, so the representative values cannot be the tier values.)
-- * The publication gives no formula that combines likelihood and impact
--   values; its only combination is the lookup of Table I-2. Multiplying
--   the representative values (10 x 10 = 100, 8 x 8 = 64, ...) would
--   disagree with Table I-2 in 7 of the 25 cells (e.g. High x High gives
--   64, a Moderate band value, where Table I-2 says High). So the score of
--   a cell is the Table I-2 level of risk, expressed on the 0-100 scale of
--   Table I-3 as ten times its representative value: Very Low 0, Low 20,
--   Moderate 50, High 80, Very High 100. Each of these lies inside its
--   level's 0-100 band.
-- * The risk levels are the bands of Table I-3 exactly, on the 0-100
--   scale. Scores inside a band that no cell gives (1-4, 5-19, ...) are
--   never scored.
-- This method therefore ranks risks exactly as nist-800-30-qualitative
-- does, but its scores are numbers on the publication's 0-100 scale, so
-- acceptance criteria and reports can use max_score and sums.
--
-- CHOICE: SP 800-30 leaves risk tolerance to the organisation; the
-- acceptance criteria below are ours.

methodology "nist-800-30-semiquant" {
  title = "NIST SP 800-30 Rev. 1, semi-quantitative",
  description = "Table I-2 levels of risk scored on the 0-100 scale of Table I-3",
  reference = "NIST SP 800-30 Rev. 1 (2012), Appendix G Tables G-2 to G-4, Appendix H Table H-3, "
    .. "Appendix I Tables I-2 and I-3",
}

-- The five values of every SP 800-30 assessment scale, lowest first, with
-- their semi-quantitative band (0-100) and representative value (0-10).
local VALUES = { "Very Low", "Low", "Moderate", "High", "Very High" }
local ALIASES = { { "VL" }, { "L" }, { "M", "medium" }, { "H" }, { "VH" } }
local BAND = { "0-4", "5-20", "21-79", "80-95", "96-100" }
local REPRESENTATIVE = { 0, 2, 5, 8, 10 }

local function five(descriptions)
  local tiers = {}
  for v, label in ipairs(VALUES) do
    tiers[v] = {
      value = v, label = label, aliases = ALIASES[v],
      description = ("%s, representative value %d: %s"):format(BAND[v], REPRESENTATIVE[v], descriptions[v]),
    }
  end
  return tiers
end

scale "likelihood" {
  title = "Likelihood",
  description = "Overall likelihood that a threat event is initiated or occurs and has adverse impact "
    .. "(Tables G-2 to G-5)",
  tiers = five { "highly unlikely", "unlikely", "somewhat likely", "highly likely", "almost certain" },
}

scale "impact" {
  title = "Impact",
  description = "Adverse effect of the threat event (Table H-3)",
  tiers = five {
    "negligible adverse effect", "limited adverse effect", "serious adverse effect",
    "severe or catastrophic adverse effect", "multiple severe or catastrophic adverse effects",
  },
}

risk_score {
  factors = { "likelihood", "impact" },
  combine = "matrix",
  matrix = "I-2 scored",
  description = "Table I-2 level of risk as 10 x its Table I-3 representative value (0, 20, 50, 80, 100)",
}

-- Table I-2 with each level replaced by its score (Very Low 0, Low 20,
-- Moderate 50, High 80, Very High 100). Rows are likelihood from Very Low
-- (the publication prints Very High on top), columns impact from Very Low.
risk_matrix "I-2 scored" {
  title = "Level of risk, SP 800-30 Rev. 1 Table I-2, on the 0-100 scale of Table I-3",
  rows = "likelihood",
  columns = "impact",
  cells = {
    { 0,  0,  0, 20,  20 },   -- likelihood Very Low
    { 0, 20, 20, 20,  50 },   -- likelihood Low
    { 0, 20, 50, 50,  80 },   -- likelihood Moderate
    { 0, 20, 50, 80, 100 },   -- likelihood High
    { 0, 20, 50, 80, 100 },   -- likelihood Very High
  },
}

-- Table I-3 bands, lowest first.
risk_level "Very Low" {
  range = { 0, 4 },
  description = "Negligible adverse effect expected",
  color = "#2E7D32",
}

risk_level "Low" {
  range = { 5, 20 },
  description = "Limited adverse effect expected",
  color = "#8BC34A",
}

risk_level "Moderate" {
  range = { 21, 79 },
  description = "Serious adverse effect expected",
  color = "#FFC107",
}

risk_level "High" {
  range = { 80, 95 },
  description = "Severe or catastrophic adverse effect expected",
  color = "#FF5722",
}

risk_level "Very High" {
  range = { 96, 100 },
  description = "Multiple severe or catastrophic adverse effects expected",
  color = "#B71C1C",
}

acceptance "general" {
  max_score = 20,
  description = "Risks scoring up to 20 (Very Low or Low) may be retained",
}

acceptance "obligations" {
  when = { obligations = { "legal", "regulatory", "contractual" } },
  max_score = 4,
  description = "Risks touching a legal, regulatory or contractual obligation are retained only "
    .. "when Very Low (0-4)",
}

residual_acceptance "residual" {
  max_score = 20,
  description = "After treatment the residual risk must score at most 20 (Low)",
}
