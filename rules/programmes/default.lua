-- Competence and awareness programmes: Table 4 of the national guideline
-- (chapter 7.3), with the frequencies it recommends. General awareness
-- runs at least once before the ISMS kick-off, again at planned
-- intervals (quarterly, say) and at the induction of new personnel.
--
-- Each programme:
--   title           its name
--   audience        the roles it is for (rules/roles/), or "all" for every
--                   current person, third parties included
--   frequency       one or more of: once, before_kickoff, at_induction,
--                   and at most one interval: monthly, quarterly,
--                   half_yearly, yearly, every_2_years
--   induction_days  how long a newcomer has for an at_induction programme
--                   (default 30)
--   grants          the competences a completed programme gives
--   days            its length, for plans and business cases
--   form            classroom, e-learning, poster, quiz, email, ...

programme "management-awareness" {
  title = "ISMS awareness to management",
  audience = { "top-management" },
  frequency = { "before_kickoff", "yearly" },
  days = 0.5,
  form = "briefing",
}

programme "implementation-training" {
  title = "ISMS implementation training",
  audience = { "lead-team", "implementation-team", "steering-committee", "internal-auditors" },
  frequency = { "once" },
  grants = { "ISMS implementation" },
  days = 2,
  form = "classroom",
}

programme "auditor-training" {
  title = "ISMS auditor training",
  audience = { "lead-team", "internal-auditors" },
  frequency = { "once" },
  grants = { "ISMS internal audit" },
  days = 2,
  form = "classroom",
}

programme "technical-training" {
  title = "Technical training for specific tasks",
  audience = { "lead-team", "implementation-team", "technical-specialists" },
  frequency = { "yearly" },
  days = 1,
  form = "workshop",
}

programme "general-awareness" {
  title = "General ISMS awareness",
  audience = { "all" },
  frequency = { "before_kickoff", "at_induction", "quarterly" },
  induction_days = 30,
  days = 0.25,
  form = "e-learning and quiz",
}
