-- One internal audit as the guideline describes it (8.2-8.5, after ISO
-- 19011 and ISO/IEC 27007): before (programme, objectives and scope,
-- criteria, team, plan), during (opening meeting, audit, closing meeting
-- with the findings) and after (report, approval and distribution,
-- follow-up). Start a run for each audit the programme or a trigger calls
-- for (an incident, a change of assets, an interested party). Steps are
-- completed by hand with their evidence.
roadmap "internal-audit" {
  title = "Internal audit (guideline 8.2-8.5)",
  description = "Pre, during and post internal audit",
  reference = "National ISMS implementation guideline (2013), 8.2-8.5; ISO 19011; ISO/IEC 27007",
}

role "top-management" { title = "Top management", description = "Approves the team and report" }
role "audit-team-leader" { title = "Audit team leader" }
role "auditors" { title = "Auditors" }
role "auditees" { title = "Auditees and business owners" }

phase "pre" { title = "Pre internal audit" }
phase "during" { title = "During internal audit" }
phase "post" { title = "Post internal audit" }

step "programme" {
  phase = "pre", role = "audit-team-leader", duration = { 2, 5 },
  title = "Audit programme: frequency, methods, responsibilities, planning and reporting",
  evidence = { "Audit programme" },
}
step "objectives" {
  phase = "pre", role = "audit-team-leader", duration = 2, depends = { "programme" },
  title = "Define the audit objectives and scope (a)",
  description = "Locations, organisational units, activities and processes, the period covered; "
    .. "every site within the ISMS scope",
  evidence = { "Audit objectives and scope" },
}
step "criteria" {
  phase = "pre", role = "audit-team-leader", duration = 2, depends = { "objectives" },
  title = "Select the audit criteria (b)",
  evidence = { "Audit criteria" },
}
step "team" {
  phase = "pre", role = "top-management", duration = { 2, 5 }, depends = { "objectives" },
  title = "Establish the audit team (c), approved by management",
  evidence = { "Audit team appointment" },
}
step "plan" {
  phase = "pre", role = "audit-team-leader", duration = 3, depends = { "criteria", "team" },
  title = "Develop the audit plan (d, items a-g) and send it to the auditees",
  evidence = { "Audit plan" },
}
step "opening" {
  phase = "during", role = "top-management", duration = 1, depends = { { "plan", lag = 5 } },
  title = "Opening meeting",
  evidence = { "Opening meeting attendance" },
}
step "audit" {
  phase = "during", role = "auditors", duration = { 2, 5 }, depends = { "opening" },
  title = "Perform the audit",
  evidence = { "Audit notes and evidence" },
}
step "closing" {
  phase = "during", role = "top-management", duration = 1, depends = { "audit" },
  title = "Closing meeting: nonconformities, opportunities for improvement, observations",
  evidence = { "Findings agreed with the auditees" },
}
step "report" {
  phase = "post", role = "audit-team-leader", duration = { 3, 5 }, depends = { "closing" },
  title = "Prepare the audit report",
  evidence = { "Audit report" },
}
step "distribute" {
  phase = "post", role = "top-management", duration = 2, depends = { "report" },
  title = "Approve and distribute the audit report",
  evidence = { "Approved report and distribution list" },
}
step "follow-up" {
  phase = "post", role = "auditors", duration = { 10, 20 }, depends = { "distribute" },
  title = "Follow up: verify the corrective and improvement actions",
  evidence = { "Verification of actions" },
}
