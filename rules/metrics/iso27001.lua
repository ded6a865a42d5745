-- A measurement programme for ISO/IEC 27001 9.1 (guideline section 8 and
-- domain.md section 7): what is measured, how (objective or subjective;
-- an automatic method is one read-only SQL query over the register, a
-- manual one is entered with `isms metrics record`), how often, the target
-- and the warning threshold, and who owns it. A query returns one number
-- in its first column; ?1 is the day of collection (YYYY-MM-DD). It runs
-- bounded (read only, a step budget and a time limit: `steps`, `time_ms`
-- may lower them); one that fails or runs over is recorded as failed and
-- the other metrics are still collected.
--
-- Every query here reads at most one pass over one table (the incident
-- figures are the incident statistics, on the schema's indexes), so a register of
-- 3,000,000 risks is measured in well under a second. The share of
-- unacceptable risks that have a treatment joins the two registers and costs
-- more; docs/operations.md shows it as a metric to add.
--
-- Extend it: metric_set "acme" { title = "...", extends = "iso27001" }
metric_set "iso27001" {
  title = "ISMS measurement programme (ISO/IEC 27001 9.1)",
}

metric "M-RISK-UNACCEPTABLE" {
  title = "Risks above the acceptance criteria",
  measures = "how many risks the methodology finds unacceptable (the trend matters)",
  method = "objective", unit = "risks", frequency = "monthly",
  direction = "lower", owner = "CISO", clause = "8.2",
  query = [[SELECT count(*) FROM risks WHERE acceptable = 0]],
}

metric "M-RESIDUAL-UNACCEPTABLE" {
  title = "Treatments whose expected residual risk is still unacceptable",
  measures = "treatments whose planned controls leave the risk above the residual criteria",
  method = "objective", unit = "treatments", frequency = "monthly",
  target = 0, warning = 10, direction = "lower",
  owner = "CISO", clause = "6.1.3",
  query = [[SELECT count(*) FROM treatments WHERE residual_acceptable = 0]],
}

metric "M-RTP-OVERDUE" {
  title = "Overdue risk treatment tasks",
  measures = "RTP tasks past their due date and not finished",
  method = "objective", unit = "tasks", frequency = "monthly",
  target = 0, warning = 3, direction = "lower",
  owner = "CISO", clause = "8.3",
  query = [[
    SELECT count(*) FROM rtp_tasks
    WHERE status IN ('planned', 'in_progress') AND due < ?1
  ]],
}

metric "M-NC-OLD" {
  title = "Nonconformities open longer than 90 days",
  measures = "nonconformities raised more than 90 days ago and not closed",
  method = "objective", unit = "nonconformities", frequency = "monthly",
  target = 0, warning = 2, direction = "lower",
  owner = "Quality Manager", clause = "10.2",
  query = [[
    SELECT count(*) FROM nonconformities
    WHERE state <> 'closed' AND julianday(?1) - julianday(raised) > 90
  ]],
}

metric "M-CA-ON-TIME" {
  title = "Corrective actions finished on time",
  measures = "the share of finished corrective actions done by their due date",
  method = "objective", unit = "%", frequency = "quarterly",
  target = 90, warning = 75, direction = "higher",
  owner = "Quality Manager", clause = "10.2",
  query = [[
    SELECT CASE WHEN count(*) = 0 THEN 100.0
           ELSE round(100.0 * sum(done <= due) / count(*), 1) END
    FROM corrective_actions WHERE status = 'done'
  ]],
}

metric "M-DOCS-APPROVED" {
  title = "Mandatory documents approved",
  measures = "the share of documents fulfilling a mandatory item that are approved",
  method = "objective", unit = "%", frequency = "quarterly",
  target = 100, warning = 90, direction = "higher",
  owner = "ISMS Manager", clause = "7.5",
  query = [[
    SELECT coalesce(round(100.0 * sum(status = 'approved') / count(*), 1), 0)
    FROM documents WHERE fulfils IS NOT NULL AND status <> 'disposed'
  ]],
}

metric "M-DOCS-REVIEW-OVERDUE" {
  title = "Documents overdue for review",
  measures = "approved documents past their next review date",
  method = "objective", unit = "documents", frequency = "monthly",
  target = 0, warning = 5, direction = "lower",
  owner = "ISMS Manager", clause = "7.5.2",
  query = [[SELECT count(*) FROM documents WHERE status = 'approved' AND next_review < ?1]],
}

-- Information security incidents (A.5.24-A.5.28; guideline 6.2 h): figures
-- the incident register computes (isms.incidents.metrics), measured over
-- the window up to the day of collection (`window_months`, else the
-- frequency). A time with no incident in the window to time is not recorded.
metric "M-INCIDENTS" {
  title = "Incidents detected in the month",
  measures = "incidents detected in the month up to the collection (the trend matters)",
  method = "objective", unit = "incidents", frequency = "monthly",
  direction = "lower", owner = "CISO", clause = "A.5.24",
  figure = "incidents",
}

metric "M-INCIDENTS-CRITICAL" {
  title = "Critical incidents in the quarter",
  measures = "incidents of the worst severity detected in the quarter",
  method = "objective", unit = "incidents", frequency = "quarterly",
  target = 0, warning = 1, direction = "lower", owner = "CISO", clause = "A.5.26",
  figure = "incidents.severity.critical",
}

metric "M-INCIDENTS-OPEN" {
  title = "Incidents not closed",
  measures = "incidents detected and not yet closed",
  method = "objective", unit = "incidents", frequency = "monthly",
  target = 2, warning = 5, direction = "lower", owner = "CISO", clause = "A.5.26",
  figure = "incidents.open",
}

metric "M-INCIDENT-CONTAIN" {
  title = "Median time to contain an incident (last 12 months)",
  measures = "hours from detection to containment, median over the incidents of a year",
  method = "objective", unit = "hours", frequency = "quarterly", window_months = 12,
  target = 24, warning = 48, direction = "lower", owner = "CISO", clause = "A.5.26",
  figure = "incidents.time_to_contain.median",
}

metric "M-INCIDENT-CLOSE" {
  title = "Time to close 90% of incidents (last 12 months)",
  measures = "hours from detection to closure, 90th percentile over the incidents of a year",
  method = "objective", unit = "hours", frequency = "quarterly", window_months = 12,
  target = 240, warning = 480, direction = "lower", owner = "CISO", clause = "A.5.27",
  figure = "incidents.time_to_close.p90",
}

metric "M-AWARENESS" {
  title = "Staff who completed security awareness training",
  measures = "the share of staff trained this year (from the training records)",
  method = "objective", unit = "%", frequency = "quarterly",
  target = 95, warning = 85, direction = "higher",
  owner = "HR Manager", clause = "7.3",
}

metric "M-MGMT-SATISFACTION" {
  title = "Top management's rating of ISMS reporting",
  measures = "a 1-5 rating asked at each management review",
  method = "subjective", unit = "1-5", frequency = "yearly",
  target = 4, warning = 3, direction = "higher",
  owner = "ISMS Manager", clause = "9.3",
}
