-- QISM InfoSec FMEA: asset valuation of the QMS-based ISMS case study.
-- Source: the case study in ../shared/seeds (domain.md section 2):
-- confidentiality has four tiers, integrity and availability three; the
-- class value is C x I x A and bands it into classes A (highest), B and C.

methodology "qism-fmea" {
  title = "QISM InfoSec FMEA",
  description = "Asset classes from C x I x A, as in the QMS-based ISMS case study",
  reference = "QISM case study, asset valuation (domain.md section 2)",
}

scale "C" {
  title = "Confidentiality",
  tiers = {
    { value = 1, label = "Unclassified", description = "May be disclosed to anyone",
      aliases = { "public" } },
    { value = 2, label = "Restricted", description = "Internal use; limited harm if disclosed",
      aliases = { "internal" } },
    { value = 3, label = "Confidential", description = "Named groups only; serious harm if disclosed" },
    { value = 4, label = "Secret", description = "Named people only; grave harm if disclosed" },
  },
}

scale "I" {
  title = "Integrity",
  tiers = {
    { value = 1, label = "Low", description = "Errors are tolerable and easily corrected" },
    { value = 2, label = "Moderate", description = "Errors disturb work or customers",
      aliases = { "medium" } },
    { value = 3, label = "High", description = "Errors cause serious or lasting harm" },
  },
}

scale "A" {
  title = "Availability",
  tiers = {
    { value = 1, label = "Low", description = "Outage of days is tolerable" },
    { value = 2, label = "Moderate", description = "Outage of hours disturbs work",
      aliases = { "medium" } },
    { value = 3, label = "High", description = "Any outage stops critical work" },
  },
}

asset_value { combine = "product" }

-- Every product of C (1-4), I (1-3) and A (1-3) falls in exactly one class.
-- 32 is listed for class A as in the source, though no C x I x A reaches it.
asset_class "A" {
  title = "Critical",
  values = { 18, 24, 27, 32, 36 },
  description = "Protect first; risk assessment mandatory",
}

asset_class "B" {
  title = "Important",
  values = { 8, 9, 12, 16 },
}

asset_class "C" {
  title = "Routine",
  values = { 1, 2, 3, 4, 6 },
}

-- ------------------------------------------------------------ risk scoring
--
-- The InfoSec FMEA form of the case study rates every failure mode on
-- Severity (S) of its effect, Occurrence (O) of its cause and Detection (D)
-- by the current controls, and ranks them by the risk priority number
-- RPN = S x O x D (slides "Calculation of Risk Priority Number", Eq. 1;
-- domain.md section 2). The case study names the three rankings and the
-- product but publishes no ranking tables and no RPN tiers. The tables
-- below follow the usual IEC 60812 convention: each ranking runs 1..10,
-- and 10 is always the bad end (the worst effect, the most frequent cause,
-- the control least able to detect). The wording is ours, written for
-- information security. The RPN tiers (Low below 100, Medium 100-199,
-- High 200 and up) and the acceptance criteria are this product's choice.

-- Tiers 1..10 from a list of { label, description }, lowest rank first.
local function ranking(list)
  local tiers = {}
  for value, t in ipairs(list) do
    tiers[value] = { value = value, label = t[1], description = t[2] }
  end
  return tiers
end

scale "S" {
  title = "Severity",
  description = "How bad the effect of the failure mode is, if it happens",
  tiers = ranking {
    { "None", "No noticeable effect on work, customers or information" },
    { "Very minor", "Noticed only by attentive staff; nothing to correct" },
    { "Minor", "A small nuisance; work carries on with a little extra effort" },
    { "Very low", "A non-critical function is slightly degraded" },
    { "Low", "A service is degraded and some users notice" },
    { "Moderate", "A non-critical service is lost or internal information leaks; complaints" },
    { "High", "A key service is degraded or restricted information is exposed" },
    { "Very high", "A key service stops, or confidential information is lost or altered" },
    { "Serious", "A breach of law, regulation or contract, or harm to people, with warning" },
    { "Hazardous", "A breach of law, regulation or contract, or harm to people, without warning" },
  },
}

scale "O" {
  title = "Occurrence",
  description = "How often the cause of the failure mode is expected to arise",
  tiers = ranking {
    { "Remote", "Not expected during the life of the asset" },
    { "Very low", "Less than once in ten years" },
    { "Low", "About once in five to ten years" },
    { "Moderately low", "About once in two to five years" },
    { "Moderate", "About once a year" },
    { "Moderately high", "A few times a year" },
    { "High", "About once a month" },
    { "Very high", "About once a week" },
    { "Extremely high", "About once a day" },
    { "Almost certain", "Many times a day; the cause is always present" },
  },
}

scale "D" {
  title = "Detection",
  description = "How well the current controls detect the cause or the failure mode before harm is done",
  tiers = ranking {
    { "Almost certain", "A proven, automatic control detects it every time" },
    { "Very high", "Automatic detection with very few misses" },
    { "High", "Monitored with alerts; a miss is rare" },
    { "Moderately high", "Regular reviews or checks are likely to find it" },
    { "Moderate", "Checks may find it; about an even chance" },
    { "Low", "Found only by occasional manual checks" },
    { "Very low", "Found only by chance or by an audit" },
    { "Remote", "Controls are unlikely to notice it before harm is done" },
    { "Very remote", "Noticed only after harm, if at all" },
    { "Absolutely uncertain", "No control exists, or it cannot detect this failure mode" },
  },
}

risk_score {
  factors = { "S", "O", "D" },
  combine = "product",
  description = "Risk priority number RPN = S x O x D, from 1 to 1000; the highest RPN is treated first",
}

-- Products of three rankings 1..10 cannot reach every number from 1 to
-- 1000 (11, 13, 17, ... need a factor above 10); such numbers inside a
-- range are simply never scored.
risk_level "Low" {
  range = { 1, 99 },
  title = "Low",
  description = "RPN below 100: monitor; treat when convenient",
  color = "#4CAF50",
}

risk_level "Medium" {
  range = { 100, 199 },
  title = "Medium",
  description = "RPN 100 to 199: plan a treatment or record why the risk is retained",
  color = "#FFC107",
}

risk_level "High" {
  range = { 200, 1000 },
  title = "High",
  description = "RPN 200 and above: treat first",
  color = "#F44336",
}

acceptance "general" {
  max_level = "Medium",
  description = "Risks up to Medium (RPN below 200) may be retained; High risks must be treated",
}

acceptance "class A assets" {
  when = { asset_class = { "A" } },
  max_level = "Low",
  description = "Risks to critical (class A) assets are retained only when Low (RPN below 100)",
}

acceptance "obligations" {
  when = { obligations = { "legal", "regulatory", "contractual" } },
  max_level = "Low",
  description = "Risks touching a legal, regulatory or contractual obligation are retained only when Low",
}

residual_acceptance "residual" {
  max_level = "Low",
  description = "After treatment the residual RPN must be below 100",
}
