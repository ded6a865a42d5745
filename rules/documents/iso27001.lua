-- The mandatory documented information of ISO/IEC 27001 (the national
-- guideline's Table 2, domain.md section 5): sixteen items, each with its
-- clause in the 2012 draft the guideline cites, in the 2013 edition and in
-- the 2022 edition (which moved nonconformity from 10.1 to 10.2 and split
-- 9.2 and 9.3 into sub-clauses). `isms docs check` reports an item no
-- approved document fulfils (a document's `fulfils` field names item ids).
-- Clauses are written as the requirement catalogs of the gap analysis
-- write them (rules/requirements/: "6.1.3 d)"), so a checklist finds them.
-- An item with `records` is also met by records of that kind in the
-- register (an audit on record is the audit programme's result).
--
-- Extend it with a file of your own:
--   document_list "acme" { title = "...", extends = "iso27001" }
--   mandatory "supplier-register" { title = "Register of suppliers", clause_2022 = "A.5.19" }
--   mandatory "competence" { remove = true }   -- drops an inherited item
document_list "iso27001" {
  title = "Mandatory documented information, ISO/IEC 27001:2013 and 2022",
  reference = "ISO/IEC 27001:2013 and :2022; national ISMS guideline (2013), Table 2",
}

mandatory "scope" {
  title = "Scope of the ISMS",
  clause_dis = "4.3", clause_2013 = "4.3", clause_2022 = "4.3",
}
mandatory "policy" {
  title = "Information security policy",
  clause_dis = "5.2 e)", clause_2013 = "5.2 e)", clause_2022 = "5.2 e)",
}
mandatory "risk-assessment-process" {
  title = "Information security risk assessment process",
  clause_dis = "6.1.1", clause_2013 = "6.1.2", clause_2022 = "6.1.2",
}
mandatory "risk-treatment-process" {
  title = "Information security risk treatment process",
  clause_dis = "6.1.2", clause_2013 = "6.1.3", clause_2022 = "6.1.3",
}
mandatory "objectives" {
  title = "Information security objectives",
  clause_dis = "6.2", clause_2013 = "6.2", clause_2022 = "6.2",
}
mandatory "competence" {
  title = "Evidence of competence",
  clause_dis = "7.2", clause_2013 = "7.2 d)", clause_2022 = "7.2 d)",
}
mandatory "operational-planning" {
  title = "Operational planning and control: evidence processes ran as planned",
  clause_dis = "8.1", clause_2013 = "8.1", clause_2022 = "8.1",
}
mandatory "risk-assessment-results" {
  title = "Results of the information security risk assessments",
  clause_dis = "8.2", clause_2013 = "8.2", clause_2022 = "8.2",
  records = "risk",
}
mandatory "soa" {
  title = "Statement of Applicability",
  clause_dis = "6.1.2 d)", clause_2013 = "6.1.3 d)", clause_2022 = "6.1.3 d)",
  records = "soa_revision",
}
mandatory "risk-treatment-plan" {
  title = "Information security risk treatment plan",
  clause_dis = "6.1.2 e)", clause_2013 = "6.1.3 e)", clause_2022 = "6.1.3 e)",
  records = "task",
}
mandatory "risk-treatment-results" {
  title = "Results of the information security risk treatment",
  clause_dis = "8.3", clause_2013 = "8.3", clause_2022 = "8.3",
  records = "treatment",
}
mandatory "monitoring-results" {
  title = "Evidence of the monitoring and measurement results",
  clause_dis = "9.1", clause_2013 = "9.1", clause_2022 = "9.1",
  records = "measurement",
}
mandatory "audit-programme" {
  title = "Audit programme(s) and the audit results",
  clause_dis = "9.2", clause_2013 = "9.2 g)", clause_2022 = "9.2.2",
  records = "audit",
}
mandatory "management-review" {
  title = "Results of management reviews",
  clause_dis = "9.3", clause_2013 = "9.3", clause_2022 = "9.3.3",
  records = "review",
}
mandatory "nonconformities" {
  title = "Nature of the nonconformities and any subsequent actions taken",
  clause_dis = "10.1 f)", clause_2013 = "10.1 f)", clause_2022 = "10.2 f)",
  records = "nonconformity",
}
mandatory "corrective-action-results" {
  title = "Results of any corrective action",
  clause_dis = "10.1 g)", clause_2013 = "10.1 g)", clause_2022 = "10.2 g)",
  records = "corrective_action",
}
