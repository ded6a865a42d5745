-- The case study's 24-step QISM implementation roadmap (domain.md section 6):
-- an ISO 9001 certified organisation implementing ISO/IEC 27001 through
-- Awareness, Preparation, Implementation and Validation. Step numbers and
-- titles are the slide's; durations are estimates in working days (a
-- range { low, high } where the case study gives none), to be adjusted in
-- a file of your own that extends this one.
--
-- Steps whose outcome the register shows complete by themselves when
-- their exit criteria hold: 1 (a gap assessment with answers), 10 (a
-- methodology chosen), 15 (the risk
-- assessment 6.2 a-j done), 16 (risks treated, SoA issued, RTP planned),
-- 22 (the RTP carried out) and 23 (a certificate recorded by a
-- certification run). The others are completed by hand with evidence.
roadmap "qism-24" {
  title = "QISM 24-step implementation roadmap",
  description = "QMS-based information security management: ISO/IEC 27001 on top of ISO 9001",
  reference = "QISM case study (IC design centre, HKSTP), 24-step implementation guideline",
  calendar = "weekdays",
}

role "top-management" { title = "Top management" }
role "qism-committee" { title = "QISM committee", description = "The steering committee" }
role "work-group" { title = "QISM work group", description = "Plans and does the work" }
role "quality-unit" { title = "Quality System Unit", description = "Runs the QMS and its training" }
role "internal-auditors" { title = "Internal auditors" }

phase "awareness" { title = "Awareness" }
phase "preparation" { title = "Preparation" }
phase "implementation" { title = "Implementation" }
phase "validation" { title = "Validation" }

-- ---------------------------------------------------------------- criteria

criterion "gap-assessed" {
  text = "a gap assessment with answers is on record",
  sql = { gap_assessments = "SELECT count(*) FROM assessments a WHERE EXISTS "
                            .. "(SELECT 1 FROM answers w WHERE w.assessment = a.id "
                            .. "AND w.status IS NOT NULL)" },
  check = function(r)
    return r.sql.gap_assessments > 0, "isms gap new, then answers (isms gap credit credits ISO 9001)"
  end,
}

criterion "methodology-chosen" {
  text = "a risk methodology is set for the register",
  counts = { "methodology_set" },
  check = function(r)
    return r.count.methodology_set > 0, "isms init --methodology NAME sets one"
  end,
}

criterion "risk-assessment-done" {
  text = "the risk assessment (6.2 a-j) is complete",
  counts = { "assets", "assets_unowned", "assets_unvalued", "assets_without_risks", "risks",
             "risks_without_impacts", "risks_without_owners", "risks_without_controls",
             "risks_unrated", "risks_without_level", "risks_undecided" },
  check = function(r)
    local c = r.count
    if c.assets == 0 then return false, "no assets in the register" end
    if c.risks == 0 then return false, "no risks in the register" end
    local missing = {}
    local function need(n, words) if n > 0 then missing[#missing + 1] = n .. " " .. words end end
    need(c.assets_unowned, "assets without an owner")
    need(c.assets_unvalued, "assets without a value")
    need(c.assets_without_risks, "assets without risks")
    need(c.risks_without_impacts, "risks without impacts")
    need(c.risks_without_owners, "risks without an owner")
    need(c.risks_without_controls, "risks without existing controls")
    need(c.risks_unrated, "risks not rated")
    need(c.risks_without_level, "risks without a level")
    need(c.risks_undecided, "unacceptable risks without a decision")
    if #missing > 0 then return false, table.concat(missing, "; ") end
    return true, ("%d assets, %d risks assessed"):format(c.assets, c.risks)
  end,
}

criterion "risks-treated" {
  text = "every unacceptable risk has a treatment",
  counts = { "risks_untreated", "treatments" },
  check = function(r)
    local n = r.count.risks_untreated
    if n > 0 then return false, n .. " unacceptable risks without a treatment" end
    return true, r.count.treatments .. " treatments"
  end,
}

criterion "soa-issued" {
  text = "an approved SoA revision is on record",
  counts = { "soa_revisions" },
  check = function(r)
    return r.count.soa_revisions > 0, r.count.soa_revisions .. " SoA revisions issued"
  end,
}

criterion "rtp-planned" {
  text = "the risk treatment plan has tasks",
  counts = { "rtp_tasks" },
  check = function(r) return r.count.rtp_tasks > 0, r.count.rtp_tasks .. " RTP tasks" end,
}

criterion "rtp-done" {
  text = "every RTP task is done",
  counts = { "rtp_tasks", "rtp_tasks_open" },
  check = function(r)
    if r.count.rtp_tasks == 0 then return false, "the RTP has no tasks" end
    return r.count.rtp_tasks_open == 0, r.count.rtp_tasks_open .. " RTP tasks open"
  end,
}

criterion "certified" {
  text = "a certificate is on record",
  sql = { certificates = "SELECT count(*) FROM roadmap_steps WHERE step = 'certificate' "
                         .. "AND status = 'done'" },
  check = function(r)
    return r.sql.certificates > 0, "the certificate step of a certification run is done"
  end,
}

-- ---------------------------------------------------------------- awareness

step "1" {
  phase = "awareness", role = "quality-unit", duration = { 5, 10 },
  title = "Increase awareness of ISMS in the QMS environment; understand the gap",
  description = "Awareness sessions on ISO/IEC 27001; the gap between ISO 9001 and ISO 27001 "
    .. "(a gap assessment in the register, credited from the QMS)",
  evidence = { "Awareness session records", "ISO 9001 / ISO 27001 gap assessment" },
  exit = { "gap-assessed" },
}

step "2" {
  phase = "awareness", role = "quality-unit", duration = 5, depends = { "1" },
  title = "Review the organisation's status of adoption of ISMS",
  evidence = { "Adoption status review" },
}

step "3" {
  phase = "awareness", role = "top-management", duration = { 2, 5 }, depends = { "2" },
  title = "Confirm top management commitment to QISM",
  evidence = { "Management decision to implement QISM" },
}

-- ---------------------------------------------------------------- preparation

step "4" {
  phase = "preparation", role = "top-management", duration = 3, depends = { "3" },
  title = "Form the QISM committee",
  evidence = { "Committee terms of reference and members" },
}

step "5" {
  phase = "preparation", role = "qism-committee", duration = 3, depends = { "4" },
  title = "Form the QISM work group",
  evidence = { "Work group appointments" },
}

step "6" {
  phase = "preparation", role = "work-group", duration = { 10, 20 }, depends = { "5" },
  title = "Develop the QISM model",
  description = "Combine the QMS and ISMS core elements into the QISM model",
  evidence = { "QISM model" },
}

step "7" {
  phase = "preparation", role = "quality-unit", duration = { 5, 10 }, depends = { "5" },
  title = "Promote QISM education and training",
  description = "External: ISO 27001 understanding (1 day), implementation (2 days), internal "
    .. "auditor (2 days), lead auditor (5 days); internal: 9001 vs 27001 gap (0.5 day), QISM "
    .. "model (0.5 day), FMEA risk assessment (2 days)",
  evidence = { "Training programme" },
}

step "8" {
  phase = "preparation", role = "qism-committee", duration = { 5, 10 }, depends = { "6" },
  title = "Define scope and policy",
  evidence = { "ISMS scope statement", "Information security policy" },
}

step "9" {
  phase = "preparation", role = "top-management", duration = 5, depends = { "8" },
  title = "Resource plan and allocation",
  evidence = { "Resource plan" },
}

step "10" {
  phase = "preparation", role = "work-group", duration = { 10, 15 }, depends = { "6" },
  title = "Develop the risk assessment methodology (FMEA circle)",
  evidence = { "Risk assessment methodology (InfoSec FMEA work instruction)" },
  exit = { "methodology-chosen" },
}

step "11" {
  phase = "preparation", role = "work-group", duration = 5, depends = { "7", "9", "10" },
  title = "Plan for implementation (risk assessment, training)",
  evidence = { "Implementation plan" },
}

-- ---------------------------------------------------------------- implementation

step "12" {
  phase = "implementation", role = "qism-committee", duration = 5, depends = { "11" },
  title = "Resource management",
  evidence = { "Resources assigned" },
}

step "13" {
  phase = "implementation", role = "quality-unit", duration = { 5, 13 }, depends = { "11" },
  title = "Provide team training: ISMS awareness, implementation, risk assessment, internal audit",
  evidence = { "Training records" },
}

step "14" {
  phase = "implementation", role = "quality-unit", duration = { 10, 20 }, depends = { "13" },
  title = "Implement the training plan",
  evidence = { "Training records", "Competence evaluation" },
}

step "15" {
  phase = "implementation", role = "work-group", duration = { 20, 40 }, depends = { "12", "13" },
  title = "Perform risk management",
  description = "Asset evaluation and InfoSec FMEA over the register: 6.2 a-j",
  evidence = { "Information asset evaluation form", "InfoSec FMEA form" },
  exit = { "risk-assessment-done" },
}

step "16" {
  phase = "implementation", role = "work-group", duration = { 40, 60 }, depends = { "14", "15" },
  title = "Implement the QISM system",
  description = "Treat the risks, issue the Statement of Applicability, plan the treatment",
  evidence = { "Statement of Applicability", "Risk treatment plan" },
  exit = { "risks-treated", "soa-issued", "rtp-planned" },
}

step "17" {
  phase = "implementation", role = "work-group", duration = { 20, 30 }, depends = { "16" },
  title = "Measure QISM effectiveness",
  evidence = { "Measurement results" },
}

-- ---------------------------------------------------------------- validation

step "18" {
  phase = "validation", role = "internal-auditors", duration = { 5, 10 }, depends = { "17" },
  title = "Perform the internal audit",
  evidence = { "Internal audit report" },
}

step "19" {
  phase = "validation", role = "top-management", duration = 2, depends = { "18" },
  title = "Management review meeting (user, customer and employee feedback)",
  evidence = { "Management review minutes", "Customer feedback", "Employee feedback" },
}

step "20" {
  phase = "validation", role = "qism-committee", duration = 5, depends = { "19" },
  title = "Refine scope and policy",
  evidence = { "Revised scope and policy" },
}

step "21" {
  phase = "validation", role = "work-group", duration = 5, depends = { "19" },
  title = "Corrective and preventive action plan; continual improvement plan",
  evidence = { "Corrective and preventive action plan" },
}

step "22" {
  phase = "validation", role = "work-group", duration = { 10, 20 }, depends = { "21" },
  title = "Perform corrective, preventive and continual improvement actions",
  evidence = { "Closed actions" },
  exit = { "rtp-done" },
}

step "23" {
  phase = "validation", role = "top-management", duration = { 40, 60 }, depends = { "20", "22" },
  title = "Undergo the registration process to achieve ISO 27001 certification",
  description = "The certification cycle (rules/roadmaps/certification.lua) as a run of its own",
  evidence = { "ISO/IEC 27001 certificate" },
  exit = { "certified" },
}

step "24" {
  phase = "validation", role = "top-management", duration = 1, depends = { "23" },
  title = "Top management recognition",
  evidence = { "Recognition (e.g. the team's performance award)" },
}
