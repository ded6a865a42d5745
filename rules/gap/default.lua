-- The default gap method (docs/gap-analysis.md): how answers are scaled,
-- what counts as a gap, how results roll up and which gaps come first.
-- Copy this file to make your own; `isms gap --method NAME` or the
-- assessment's `method` field picks it.
gap_method "default" {
  title = "Status and maturity, per cent met by clause",
  -- How a clause's result is computed from its requirements' answers:
  -- "percent_met" (mean status score x 100 over applicable requirements),
  -- "weighted" (the same, each requirement counted by its weight: see
  -- weights below), "mean_maturity", "min_maturity", or function(answers)
  -- returning a number, where answers is a list of { status, score,
  -- maturity, target }.
  rollup = "percent_met",
  -- For "weighted": a requirement's own weight, else the largest of its
  -- groups' (themes), else mandatory's (a mandatory one) or other's, else 1.
  -- weights = { mandatory = 3, other = 1, groups = { Technological = 2 },
  --             requirements = { ["6.1.2 c) 1)"] = 5 } },
  -- What counts as a gap: "status" (score below 1), "maturity" (below
  -- target), "either" (the default), or function(a) returning true or
  -- false and a reason, where a = { ref, status, score, maturity, target,
  -- mandatory, control }.
  gap = "either",
  -- The order of gaps: each key breaks the ties of the one before.
  -- mandatory (mandatory first), risk (controls treating the highest risks
  -- first, from the risk register), score (lowest first), maturity_gap
  -- (largest first), effort (smallest first), due (earliest first), order
  -- (catalog order).
  priority = { "mandatory", "risk", "score", "maturity_gap", "order" },
  default_target = 3,
  -- For the timeline: person-days a week one person gives the remediation.
  days_per_week = 4,
}

-- Statuses in order; the first is what an unanswered requirement has.
answer_status "not_assessed"   { title = "Not assessed", score = 0, assessed = false }
answer_status "not_met"        { title = "Not met", score = 0 }
answer_status "partially_met"  { title = "Partially met", score = 0.5 }
answer_status "met"            { title = "Met", score = 1 }
answer_status "not_applicable" { title = "Not applicable", applicable = false,
                                 justification = true }

-- Maturity levels (a CMMI-like 0-5 scale), lowest first.
maturity_level "0" { title = "Non-existent" }
maturity_level "1" { title = "Initial" }
maturity_level "2" { title = "Repeatable" }
maturity_level "3" { title = "Defined" }
maturity_level "4" { title = "Managed" }
maturity_level "5" { title = "Optimised" }
