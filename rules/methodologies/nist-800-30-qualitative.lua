-- NIST SP 800-30 Revision 1 (Guide for Conducting Risk Assessments,
-- September 2012), qualitative assessment scales:
--   Appendix G, Tables G-2/G-3/G-4: likelihood, five values Very Low to
--     Very High (G-5 combines likelihood of initiation or occurrence with
--     likelihood of adverse impact into the overall likelihood rated here);
--   Appendix H, Table H-3: impact of threat events, Very Low to Very High;
--   Appendix I, Table I-2: level of risk as a combination of likelihood
--     and impact, a 5 x 5 table of the same five values;
--   Appendix I, Table I-3: what each level of risk means.
-- The cell assignments of Table I-2 are reproduced exactly (see the
-- matrix below). The tier descriptions are ours, summarising the tables.
-- The score of a risk is its level's rank, 1 (Very Low) to 5 (Very High).
--
-- CHOICE: SP 800-30 leaves risk tolerance to the organisation (its risk
-- framing, SP 800-39), so the acceptance criteria below are ours.

methodology "nist-800-30-qualitative" {
  title = "NIST SP 800-30 Rev. 1, qualitative",
  description = "Likelihood and impact Very Low to Very High; level of risk from Table I-2",
  reference = "NIST SP 800-30 Rev. 1 (2012), Appendix G Tables G-2 to G-5, Appendix H Table H-3, "
    .. "Appendix I Tables I-2 and I-3",
}

-- The five values of every SP 800-30 assessment scale, lowest first, with
-- short aliases for spreadsheets.
local VALUES = { "Very Low", "Low", "Moderate", "High", "Very High" }
local ALIASES = { { "VL" }, { "L" }, { "M", "medium" }, { "H" }, { "VH" } }

local function five(descriptions)
  local tiers = {}
  for v, label in ipairs(VALUES) do
    tiers[v] = { value = v, label = label, description = descriptions[v], aliases = ALIASES[v] }
  end
  return tiers
end

-- Tables G-2 to G-5; the yearly rates are those of Table G-3 for
-- non-adversarial events (errors, accidents, acts of nature).
scale "likelihood" {
  title = "Likelihood",
  description = "Overall likelihood that a threat event is initiated or occurs and has adverse impact "
    .. "(Tables G-2 to G-5)",
  tiers = five {
    "Highly unlikely; non-adversarial events less than once in 10 years",
    "Unlikely; non-adversarial events less than once a year but more than once in 10 years",
    "Somewhat likely; non-adversarial events 1 to 10 times a year",
    "Highly likely; non-adversarial events 10 to 100 times a year",
    "Almost certain; non-adversarial events more than 100 times a year",
  },
}

-- Table H-3.
scale "impact" {
  title = "Impact",
  description = "Adverse effect of the threat event on operations, assets, individuals, other "
    .. "organisations or the Nation (Table H-3)",
  tiers = five {
    "Negligible adverse effect",
    "Limited adverse effect: functions noticeably less effective; minor damage, loss or harm",
    "Serious adverse effect: functions significantly less effective; significant damage, loss or harm, "
      .. "short of loss of life",
    "Severe or catastrophic adverse effect: a primary function lost; major damage or loss; loss of life "
      .. "or serious injury",
    "Multiple severe or catastrophic adverse effects",
  },
}

risk_score {
  factors = { "likelihood", "impact" },
  combine = "matrix",
  matrix = "I-2",
  description = "Level of risk from Table I-2; the score is the level's rank (1 = Very Low, 5 = Very High)",
}

-- Table I-3, lowest first (ranks 1..5).
risk_level "Very Low" {
  description = "A threat event could be expected to have a negligible adverse effect",
  color = "#2E7D32",
}

risk_level "Low" {
  description = "A threat event could be expected to have a limited adverse effect",
  color = "#8BC34A",
}

risk_level "Moderate" {
  description = "A threat event could be expected to have a serious adverse effect",
  color = "#FFC107",
}

risk_level "High" {
  description = "A threat event could be expected to have a severe or catastrophic adverse effect",
  color = "#FF5722",
}

risk_level "Very High" {
  description = "A threat event could be expected to have multiple severe or catastrophic adverse effects",
  color = "#B71C1C",
}

-- Table I-2. The publication prints likelihood from Very High (top row) to
-- Very Low (bottom row); here tier 1 comes first, so the rows run from Very
-- Low to Very High. Columns are impact, Very Low to Very High, as printed.
--
--   likelihood \ impact  Very Low  Low       Moderate  High      Very High
--   Very High            Very Low  Low       Moderate  High      Very High
--   High                 Very Low  Low       Moderate  High      Very High
--   Moderate             Very Low  Low       Moderate  Moderate  High
--   Low                  Very Low  Low       Low       Low       Moderate
--   Very Low             Very Low  Very Low  Very Low  Low       Low
risk_matrix "I-2" {
  title = "Level of risk (combination of likelihood and impact), SP 800-30 Rev. 1 Table I-2",
  rows = "likelihood",
  columns = "impact",
  cells = {
    { "Very Low", "Very Low", "Very Low", "Low",      "Low" },       -- likelihood Very Low
    { "Very Low", "Low",      "Low",      "Low",      "Moderate" },  -- likelihood Low
    { "Very Low", "Low",      "Moderate", "Moderate", "High" },      -- likelihood Moderate
    { "Very Low", "Low",      "Moderate", "High",     "Very High" }, -- likelihood High
    { "Very Low", "Low",      "Moderate", "High",     "Very High" }, -- likelihood Very High
  },
}

acceptance "general" {
  max_level = "Low",
  description = "Very Low and Low risks may be retained; Moderate and above must be treated",
}

acceptance "obligations" {
  when = { obligations = { "legal", "regulatory", "contractual" } },
  max_level = "Very Low",
  description = "Risks touching a legal, regulatory or contractual obligation are retained only "
    .. "when Very Low",
}

residual_acceptance "residual" {
  max_level = "Low",
  description = "After treatment the residual risk must be at most Low",
}
