-- A 5 x 5 likelihood x consequence matrix in the style of the examples in
-- ISO/IEC 27005:2022 Annex A (qualitative scales for likelihood and
-- consequence, combined in a risk matrix and banded into risk levels).
-- The standard gives such scales and matrices as examples only and leaves
-- the tiers, the cells and the acceptance criteria to the organisation
-- (its clause 6.3, risk criteria). Everything here is written in our own
-- words; none of it is copied from the standard.
--
-- CHOICE: the matrix holds numeric scores, score = likelihood x impact
-- (1..25), written out cell by cell so that an organisation can re-weight
-- a single cell without rewriting a formula. The scores are banded into
-- four levels: Low 1-4, Medium 5-9, High 10-16, Very high 17-25. With the
-- product, the reachable scores are 1-6, 8, 9, 10, 12, 15, 16, 20 and 25;
-- the bands cover them all, and the gaps inside a band (7, 11, 13, 14,
-- 17-19, 21-24) are never scored. Cell counts: 8 Low, 7 Medium, 7 High,
-- 3 Very high.

methodology "iso27005-5x5" {
  title = "5 x 5 likelihood and impact matrix",
  description = "Risk score = likelihood x impact in a 5 x 5 matrix, four risk levels",
  reference = "ISO/IEC 27005:2022 Annex A (example scales and risk matrix), in our own words",
}

scale "likelihood" {
  title = "Likelihood",
  description = "How likely the risk scenario is over the next year, given the controls in place",
  tiers = {
    { value = 1, label = "Rare",
      description = "Would take exceptional circumstances; less than once in ten years" },
    { value = 2, label = "Unlikely",
      description = "Could happen but is not expected; once in three to ten years" },
    { value = 3, label = "Possible", description = "Might well happen; about once in one to three years" },
    { value = 4, label = "Likely", description = "Expected to happen; about once a year or more" },
    { value = 5, label = "Almost certain", description = "Happens regularly, or is already happening" },
  },
}

scale "impact" {
  title = "Impact",
  description = "The consequence for the organisation if the risk scenario happens",
  tiers = {
    { value = 1, label = "Negligible", description = "No lasting effect; absorbed in normal work" },
    { value = 2, label = "Minor",
      description = "Short disturbance or small cost; a few people or customers notice" },
    { value = 3, label = "Moderate",
      description = "A service is degraded or some information is exposed; complaints, some cost" },
    { value = 4, label = "Major",
      description = "A key service fails or sensitive information is lost; obligations are breached" },
    { value = 5, label = "Severe",
      description = "The organisation's survival, people's safety or its licence to operate is at stake" },
  },
}

risk_score {
  factors = { "likelihood", "impact" },
  combine = "matrix",
  matrix = "5x5",
  description = "Score from the 5 x 5 matrix (likelihood x impact), banded into four levels",
}

-- Rows are likelihood (Rare first), columns impact (Negligible first).
risk_matrix "5x5" {
  title = "Likelihood x impact",
  rows = "likelihood",
  columns = "impact",
  cells = {
    { 1,  2,  3,  4,  5 },
    { 2,  4,  6,  8, 10 },
    { 3,  6,  9, 12, 15 },
    { 4,  8, 12, 16, 20 },
    { 5, 10, 15, 20, 25 },
  },
}

risk_level "Low" {
  range = { 1, 4 },
  description = "Retain and review at the next assessment",
  color = "#4CAF50",
}

risk_level "Medium" {
  range = { 5, 9 },
  description = "Treat when cost-effective, or retain with the risk owner's approval",
  color = "#FFC107",
}

risk_level "High" {
  range = { 10, 16 },
  description = "Treat; the risk owner reports progress to management",
  color = "#FF9800",
}

risk_level "Very high" {
  range = { 17, 25 },
  description = "Treat at once; top management decides",
  color = "#F44336",
}

-- CHOICE: acceptance criteria. A risk is acceptable when every criterion
-- that applies to it holds.
acceptance "general" {
  max_level = "Medium",
  description = "Low and Medium risks may be retained; High and Very high risks must be treated",
}

acceptance "obligations" {
  when = { obligations = { "legal", "regulatory", "contractual" } },
  max_level = "Low",
  description = "Risks touching a legal, regulatory or contractual obligation are retained only when Low",
}

residual_acceptance "residual" {
  max_level = "Medium",
  description = "After treatment the residual risk must be at most Medium",
}

residual_acceptance "obligations" {
  when = { obligations = { "legal", "regulatory", "contractual" } },
  max_level = "Low",
  description = "The residual risk on a legal, regulatory or contractual obligation must be Low",
}
