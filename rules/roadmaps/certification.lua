-- The certification cycle (guideline chapter 10): readiness, engagement
-- with a certification body, an optional pre-assessment, stage 1, stage 2,
-- the certification decision and the certificate, surveillance audits at
-- least once a year -- the first within 12 months of the last day of
-- stage 2 -- and the recertification audit before the certificate
-- expires (three years). Record each step's dates as they happen (for an
-- audit, done_on is its last day); every later date is computed from the
-- dates recorded so far: a late surveillance audit moves the next one's
-- deadline, a certificate's date fixes the recertification deadline.
-- Start the next cycle as a new run after the recertification.
roadmap "certification" {
  title = "ISO/IEC 27001 certification cycle (guideline chapter 10)",
  description = "From readiness to the certificate, two surveillance audits and recertification",
  reference = "National ISMS implementation guideline (2013), 10.1-10.4",
}

role "top-management" { title = "Top management" }
role "lead-team" { title = "ISMS lead team" }
role "certification-body" { title = "Certification body" }

phase "prepare" { title = "Preparation (10.1)" }
phase "certify" { title = "Certification (10.2)" }
phase "maintain" { title = "Surveillance and recertification (10.3-10.4)" }

criterion "six-months-of-records" {
  text = "the register holds at least six months of documented information",
  counts = { "register_days" },
  check = function(r)
    local d = r.count.register_days
    return d >= 183, ("the first record is %d days old"):format(d)
  end,
}

criterion "soa-issued" {
  text = "an approved SoA revision is on record",
  counts = { "soa_revisions" },
  check = function(r) return r.count.soa_revisions > 0, r.count.soa_revisions .. " SoA revisions" end,
}

step "readiness" {
  phase = "prepare", role = "lead-team", duration = { 5, 10 },
  title = "Readiness: implementation complete, records kept, audit and review held, NCs closed",
  description = "At least six months of documented information; at least one internal audit "
    .. "and one management review on record; every nonconformity closed",
  evidence = { "Internal audit report", "Management review minutes", "Nonconformities closed" },
  entry = { "six-months-of-records", "soa-issued" },
}
step "application" {
  phase = "prepare", role = "top-management", duration = { 10, 20 }, depends = { "readiness" },
  title = "Engage a certification body: enquiry, application review, quotation, agreement",
  evidence = { "Signed agreement with the certification body" },
}
step "pre-assessment" {
  phase = "certify", role = "certification-body", duration = { 1, 3 },
  depends = { { "application", lag = 10 } }, optional = true,
  title = "Pre-assessment (optional)",
  evidence = { "Pre-assessment report" },
}
step "stage-1" {
  phase = "certify", role = "certification-body", duration = { 2, 3 },
  depends = { { "application", lag = 10 }, "pre-assessment" },
  title = "Stage 1 audit: documentation and readiness for stage 2",
  evidence = { "Stage 1 report" },
}
step "stage-1-actions" {
  phase = "certify", role = "lead-team", duration = { 10, 20 }, depends = { "stage-1" },
  title = "Resolve the areas of concern found at stage 1",
  evidence = { "Areas of concern resolved" },
}
step "stage-2" {
  phase = "certify", role = "certification-body", duration = { 3, 5 },
  depends = { "stage-1-actions" },
  title = "Stage 2 audit: implementation and effectiveness (record its last day)",
  evidence = { "Stage 2 report with NCRs and OFIs" },
}
step "stage-2-actions" {
  phase = "certify", role = "lead-team", duration = { 10, 30 }, depends = { "stage-2" },
  optional = true,
  title = "Corrective actions for the nonconformities raised at stage 2",
  evidence = { "Corrective actions accepted by the certification body" },
}
step "approval" {
  phase = "certify", role = "certification-body", duration = { 10, 20 },
  depends = { "stage-2-actions" },
  title = "Certification decision",
  evidence = { "Certification decision" },
}
step "certificate" {
  phase = "certify", role = "certification-body", duration = 0, depends = { "approval" },
  title = "Certificate issued (record its date)",
  evidence = { "ISO/IEC 27001 certificate" },
}
step "surveillance-1" {
  phase = "maintain", role = "certification-body", duration = { 1, 3 },
  depends = { "certificate" },
  title = "First surveillance audit",
  earliest = { after = "stage-2", months = 10, title = "ten months after stage 2" },
  deadline = { after = "stage-2", months = 12,
               title = "within 12 months of the last day of stage 2" },
  evidence = { "Surveillance audit report" },
}
step "surveillance-2" {
  phase = "maintain", role = "certification-body", duration = { 1, 3 },
  depends = { "surveillance-1" },
  title = "Second surveillance audit",
  earliest = { after = "surveillance-1", months = 10, title = "ten months after the first" },
  deadline = { after = "surveillance-1", months = 12, title = "at least once a year" },
  evidence = { "Surveillance audit report" },
}
step "recertification" {
  phase = "maintain", role = "certification-body", duration = { 3, 5 },
  depends = { "surveillance-2" },
  title = "Recertification audit",
  earliest = { after = "surveillance-2", months = 8, title = "eight months after the second" },
  deadline = {
    { after = "surveillance-2", months = 12, title = "at least once a year" },
    { after = "certificate", months = 36, days = -1, title = "before the certificate expires" },
  },
  evidence = { "Recertification report", "Renewed certificate" },
}
