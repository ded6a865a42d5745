-- The ISMS governing structure of the national guideline (chapter 4.5,
-- adapted from ISO/IEC 27003): top management, an ISMS steering
-- committee chaired by the CISO, a lead team that plans and drives the
-- work, an implementation team that does it, and internal auditors.
-- Responsibilities are paraphrased in isms's own words.
--
-- Each role:
--   title             what people call it
--   responsibilities  a list of what the holders answer for
--   overlap           may two people hold it over overlapping periods?
--                     (false: one holder at a time, e.g. the CISO)
--   min_holders       fewer current holders and `isms people check`
--                     reports the role as unfilled (0: optional role)
--   competence        what every holder must be competent in (a
--                     competence record, or a programme that grants it)
--   approves          what the holders may approve: scope,
--                     business_case, objectives, policy, risk_acceptance
--   chair             the role whose holder chairs this body
--   conflicts_with    roles one person may not hold at the same time

role "top-management" {
  title = "Top management",
  responsibilities = {
    "set information security policy and objectives in line with the strategy",
    "build the ISMS requirements into the organisation's processes",
    "make the resources the ISMS needs available",
    "tell people why information security matters and that the ISMS applies to them",
    "see that the ISMS achieves what it is meant to",
    "approve security policies, procedures, risks and residual risks",
    "direct and support people who contribute to the ISMS",
    "promote continual improvement, visibly and over the years",
    "support other managers in leading security in their own areas",
  },
  overlap = true,
  min_holders = 1,
  approves = { "scope", "business_case", "objectives", "policy", "risk_acceptance" },
}

role "ciso" {
  title = "Chief Information Security Officer",
  responsibilities = {
    "chair the ISMS steering committee",
    "report on the ISMS to top management, ideally to the chief executive",
    "keep the ISMS objectives in line with the organisation's strategic goals",
  },
  overlap = false,
  min_holders = 1,
  competence = { "ISMS implementation" },
  approves = { "objectives", "policy" },
}

role "steering-committee" {
  title = "ISMS steering committee",
  chair = "ciso",
  responsibilities = {
    "give clear direction on the ISMS strategy",
    "see that security policies and objectives are put into practice",
    "see that the organisation's security is improved regularly",
    "conduct the management review",
    "have improvements dealt with promptly",
    "support top management in reaching the strategic goals",
  },
  overlap = true,
  min_holders = 3,
}

role "lead-team" {
  title = "ISMS lead team",
  responsibilities = {
    "plan, drive and manage the ISMS activities",
    "manage information security risks regularly",
    "coordinate the ISMS work, the steering committee and other security programmes",
  },
  overlap = true,
  min_holders = 1,
  competence = { "ISMS implementation", "information security risk management" },
}

role "implementation-team" {
  title = "ISMS implementation team",
  responsibilities = {
    "put security policies, procedures and controls into practice",
    "report and resolve information security incidents promptly",
  },
  overlap = true,
  min_holders = 1,
  competence = { "ISMS implementation" },
}

role "internal-auditors" {
  title = "ISMS internal auditors",
  responsibilities = {
    "plan and conduct the internal audit programme",
    "report findings and verify the corrective actions",
  },
  overlap = true,
  min_holders = 1,
  competence = { "ISMS internal audit" },
}

role "technical-specialists" {
  title = "Personnel with specific technical security tasks",
  responsibilities = {
    "carry out technical security tasks (network, forensics, incident handling, web development)",
  },
  overlap = true,
  min_holders = 0,
}
