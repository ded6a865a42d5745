-- The guideline's pre-implementation process (chapter 4, Figure 1):
-- requirements, scope, an optional gap analysis, the business case and
-- top management's approval, roles and responsibilities, training, and
-- the standards. The guideline notes the order need not be exact; the
-- dependencies below are the ones each step's inputs imply. Durations are
-- estimates in working days. The gap analysis completes when the register
-- holds a gap assessment with answers (isms gap); the other steps are
-- completed by hand with their evidence (the scope and roles registers
-- will give some of them criteria of their own).
roadmap "pre-implementation" {
  title = "ISMS pre-implementation (guideline chapter 4)",
  description = "From the security requirements to an approved, staffed and trained ISMS project",
  reference = "National ISMS implementation guideline (2013), chapter 4 and Figure 1",
}

role "top-management" { title = "Top management", description = "Directs and approves (4.5.1)" }
role "steering-committee" { title = "ISMS steering committee", description = "4.5.2" }
role "lead-team" { title = "ISMS lead team", description = "Plans, drives and manages (4.5.3)" }
role "implementation-team" { title = "ISMS implementation team", description = "4.5.4" }

phase "define" { title = "Define", description = "Requirements, scope and gap (4.1-4.3)" }
phase "approve" { title = "Approve", description = "Business case and approval (4.4)" }
phase "organise" { title = "Organise", description = "Roles, training, standards (4.5-4.7)" }

criterion "gap-assessed" {
  text = "a gap assessment with answers is on record",
  sql = { gap_assessments = "SELECT count(*) FROM assessments a WHERE EXISTS "
                            .. "(SELECT 1 FROM answers w WHERE w.assessment = a.id "
                            .. "AND w.status IS NOT NULL)" },
  check = function(r)
    return r.sql.gap_assessments > 0, "isms gap new, then answers (docs/gap-analysis.md)"
  end,
}

step "requirements" {
  phase = "define", role = "lead-team", duration = { 5, 10 },
  title = "Define the information security requirements (4.1)",
  description = "Sources a-f: strategic objectives, business requirements and critical services, "
    .. "existing management systems, statutory, regulatory and contractual obligations, the "
    .. "organisation's risks, its own principles for information processing",
  evidence = { "Information security requirements" },
}

step "scope" {
  phase = "define", role = "lead-team", duration = { 5, 15 }, depends = { "requirements" },
  title = "Identify the ISMS scope and boundaries (4.2)",
  description = "Organisational, ICT and physical scope and boundaries, interfaces with others, "
    .. "integrated into one scope; documented and approved by top management",
  evidence = { "ISMS scope statement approved by top management" },
}

step "gap-analysis" {
  phase = "define", role = "lead-team", duration = { 5, 15 }, depends = { "scope" },
  optional = true,
  title = "Conduct a gap analysis (4.3, optional)",
  description = "Against the mandatory requirements, Annex A and the management systems in place "
    .. "(e.g. ISO 9001); estimates timeline and resources",
  evidence = { "Gap analysis report" },
  exit = { "gap-assessed" },
}

step "business-case" {
  phase = "approve", role = "lead-team", duration = { 5, 10 },
  depends = { "scope", "gap-analysis" },
  title = "Prepare the business case (4.4)",
  description = "Governing structure, goals, benefits, preliminary scope, initial plan (scope of "
    .. "work, resources, people, considerations, timeline, costs), critical success factors",
  evidence = { "Business case" },
}

step "approval" {
  phase = "approve", role = "top-management", duration = { 2, 10 }, depends = { "business-case" },
  title = "Obtain top management approval (4.4)",
  evidence = { "Approval of the business case" },
}

step "roles" {
  phase = "organise", role = "top-management", duration = { 5, 10 }, depends = { "approval" },
  title = "Establish roles and responsibilities (4.5)",
  description = "Top management, steering committee, lead team, implementation team; "
    .. "appointment letters",
  evidence = { "Governing structure", "Appointment letters" },
}

step "training" {
  phase = "organise", role = "lead-team", duration = { 5, 15 }, depends = { "roles" },
  title = "Attend relevant training (4.6)",
  description = "ISMS introduction, implementation and audit training; trainings the risk "
    .. "assessment calls for",
  evidence = { "Training records" },
}

step "standards" {
  phase = "organise", role = "lead-team", duration = 2, depends = { "approval" },
  title = "Obtain the relevant standards (4.7)",
  description = "ISO/IEC 27001 and 27002 at least; 27003, 27005 as guidance",
  evidence = { "Standards on file" },
}
