-- Certification readiness (guideline 10.1; docs/gap-analysis.md): what
-- must hold before the certification body is called. `isms readiness`
-- evaluates every criterion, explains each failure with the records behind
-- it, and exits 0 only when all hold. A criterion whose records do not
-- exist yet says "no records" and fails.
--
-- Checks: "gaps" (no open gap in the latest assessment of `framework`;
-- mandatory_only limits it to mandatory requirements), "count" (the
-- number `query` returns is at least `at_least` / at most `at_most`),
-- "since" (the date `query` returns is at least `months` ago),
-- "mandatory_documents" (every item of the register's mandatory list met
-- by an approved document or the records it names, as isms docs check
-- says). Queries are read-only SQL over the register; `list` names the
-- records behind a failure.
readiness "default" { title = "Ready for certification (guideline 10.1)" }

criterion "implementation_complete" {
  title = "Implementation complete: no open mandatory gap",
  check = "gaps", framework = "iso27001-2022", mandatory_only = true,
}
criterion "six_months_of_records" {
  title = "At least six months of documented information",
  check = "since", months = 6,
  query = "SELECT min(approved) FROM documents WHERE approved IS NOT NULL",
}
criterion "internal_audit" {
  title = "At least one internal audit with a report on record",
  check = "count", at_least = 1,
  query = "SELECT count(*) FROM audits WHERE status IN ('reported', 'closed')",
}
criterion "management_review" {
  title = "At least one management review on record",
  check = "count", at_least = 1,
  query = "SELECT count(*) FROM reviews WHERE status = 'held' AND held IS NOT NULL",
}
criterion "nonconformities_closed" {
  title = "Every nonconformity closed",
  check = "count", at_most = 0, needs = "nonconformities",
  query = "SELECT count(*) FROM nonconformities WHERE state <> 'closed'",
  list = "SELECT id, state FROM nonconformities WHERE state <> 'closed' ORDER BY id",
}
criterion "mandatory_documents" {
  title = "Every mandatory document present and approved (isms docs check)",
  check = "mandatory_documents", needs = "documents",
}
