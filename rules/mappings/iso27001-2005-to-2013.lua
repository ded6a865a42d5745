-- ISO/IEC 27001:2005 Annex A to ISO/IEC 27001:2013 Annex A.
--
-- Each `maps` line says where a 2005 control went and how its scope
-- compares with the 2013 control (the 2005 control is the left side):
--   equal      same scope, new number
--   subset     the 2013 control is broader; usually several 2005
--              controls were merged into it
--   superset   the 2005 control covered more than this 2013 control; a
--              control split over several 2013 controls is a superset of
--              each
--   intersect  the two overlap in part
--   removed    no 2013 control carries it (`to` is left out); the note
--              says where the concern went
-- `new_control` lists the 2013 controls with no 2005 predecessor. Every
-- 2005 control maps somewhere or is removed, and every 2013 control has a
-- source or is new; the loader checks both (docs/controls.md).
--
-- The 2013 edition published no correspondence table; this one is isms's
-- own reading of the two editions, control by control.
control_mapping "iso27001-2005-to-2013" {
  from = "iso27001-2005",
  to = "iso27001-2013",
  title = "ISO/IEC 27001:2005 to 2013 (Annex A)",
  reference = "isms's reading of ISO/IEC 27001:2005 and 2013 Annex A, control by control",
}

-- A.5 Policy direction
maps "A.5.1.1"   { to = "A.5.1.1", relation = "equal" }
maps "A.5.1.2"   { to = "A.5.1.2", relation = "equal" }

-- A.6 Organising security
maps "A.6.1.1"   { relation = "removed",
                   note = "top management commitment is a requirement of the ISMS itself (clause 5.1)" }
maps "A.6.1.2"   { relation = "removed",
                   note = "coordination falls under leadership and roles (clauses 5.1 and 5.3)" }
maps "A.6.1.3"   { to = "A.6.1.1", relation = "subset" }
maps "A.6.1.4"   { relation = "removed",
                   note = "no own control; new facilities go through change management (A.12.1.2)" }
maps "A.6.1.5"   { to = "A.13.2.4", relation = "equal" }
maps "A.6.1.6"   { to = "A.6.1.3", relation = "equal" }
maps "A.6.1.7"   { to = "A.6.1.4", relation = "equal" }
maps "A.6.1.8"   { to = "A.18.2.1", relation = "equal" }
maps "A.6.2.1"   { relation = "removed",
                   note = "risks of outside parties are part of the risk assessment (clauses 6.1.2, 8.2)" }
maps "A.6.2.2"   { relation = "removed",
                   note = "customer access is governed by the access controls of A.9" }
maps "A.6.2.3"   { to = "A.15.1.2", relation = "equal" }

-- A.7 Managing assets
maps "A.7.1.1"   { to = "A.8.1.1", relation = "equal" }
maps "A.7.1.2"   { to = "A.8.1.2", relation = "equal" }
maps "A.7.1.3"   { to = "A.8.1.3", relation = "equal" }
maps "A.7.2.1"   { to = "A.8.2.1", relation = "equal" }
-- Split: labelling and handling became two controls.
maps "A.7.2.2"   { to = { "A.8.2.2", "A.8.2.3" }, relation = "superset" }

-- A.8 People security
maps "A.8.1.1"   { to = "A.6.1.1", relation = "subset",
                   note = "staff roles and the allocation of responsibilities (A.6.1.3) merged" }
maps "A.8.1.2"   { to = "A.7.1.1", relation = "equal" }
maps "A.8.1.3"   { to = "A.7.1.2", relation = "equal" }
maps "A.8.2.1"   { to = "A.7.2.1", relation = "equal" }
maps "A.8.2.2"   { to = "A.7.2.2", relation = "equal" }
maps "A.8.2.3"   { to = "A.7.2.3", relation = "equal" }
maps "A.8.3.1"   { to = "A.7.3.1", relation = "equal" }
maps "A.8.3.2"   { to = "A.8.1.4", relation = "equal" }
maps "A.8.3.3"   { to = "A.9.2.6", relation = "subset",
                   note = "2013 also covers adjusting access on a change of role" }

-- A.9 Physical protection
maps "A.9.1.1"   { to = "A.11.1.1", relation = "equal" }
maps "A.9.1.2"   { to = "A.11.1.2", relation = "equal" }
maps "A.9.1.3"   { to = "A.11.1.3", relation = "equal" }
maps "A.9.1.4"   { to = "A.11.1.4", relation = "equal" }
maps "A.9.1.5"   { to = "A.11.1.5", relation = "equal" }
maps "A.9.1.6"   { to = "A.11.1.6", relation = "equal" }
maps "A.9.2.1"   { to = "A.11.2.1", relation = "equal" }
maps "A.9.2.2"   { to = "A.11.2.2", relation = "equal" }
maps "A.9.2.3"   { to = "A.11.2.3", relation = "equal" }
maps "A.9.2.4"   { to = "A.11.2.4", relation = "equal" }
maps "A.9.2.5"   { to = "A.11.2.6", relation = "subset",
                   note = "2013 covers all assets off site, not only equipment" }
maps "A.9.2.6"   { to = "A.11.2.7", relation = "equal" }
maps "A.9.2.7"   { to = "A.11.2.5", relation = "equal" }

-- A.10 Running operations and communications
maps "A.10.1.1"  { to = "A.12.1.1", relation = "equal" }
maps "A.10.1.2"  { to = "A.12.1.2", relation = "equal" }
maps "A.10.1.3"  { to = "A.6.1.2", relation = "equal" }
maps "A.10.1.4"  { to = "A.12.1.4", relation = "equal" }
maps "A.10.2.1"  { to = "A.15.2.1", relation = "subset",
                   note = "delivery of agreed security is now checked by monitoring the supplier" }
maps "A.10.2.2"  { to = "A.15.2.1", relation = "subset" }
maps "A.10.2.3"  { to = "A.15.2.2", relation = "equal" }
maps "A.10.3.1"  { to = "A.12.1.3", relation = "equal" }
maps "A.10.3.2"  { to = "A.14.2.9", relation = "equal" }
maps "A.10.4.1"  { to = "A.12.2.1", relation = "subset" }
maps "A.10.4.2"  { to = "A.12.2.1", relation = "subset",
                   note = "mobile code is treated as one more way for malware to arrive" }
maps "A.10.5.1"  { to = "A.12.3.1", relation = "equal" }
maps "A.10.6.1"  { to = "A.13.1.1", relation = "equal" }
maps "A.10.6.2"  { to = "A.13.1.2", relation = "equal" }
maps "A.10.7.1"  { to = "A.8.3.1", relation = "equal" }
maps "A.10.7.2"  { to = "A.8.3.2", relation = "equal" }
maps "A.10.7.3"  { to = "A.8.2.3", relation = "subset" }
maps "A.10.7.4"  { relation = "removed",
                   note = "system documentation is protected like any other information (A.8.2, A.9.4.1)" }
maps "A.10.8.1"  { to = "A.13.2.1", relation = "equal" }
maps "A.10.8.2"  { to = "A.13.2.2", relation = "equal" }
maps "A.10.8.3"  { to = "A.8.3.3", relation = "equal" }
maps "A.10.8.4"  { to = "A.13.2.3", relation = "equal" }
maps "A.10.8.5"  { relation = "removed",
                   note = "interconnected business systems have no own control in 2013" }
maps "A.10.9.1"  { to = "A.14.1.2", relation = "subset",
                   note = "2013 covers any application service on public networks, not only commerce" }
maps "A.10.9.2"  { to = "A.14.1.3", relation = "equal" }
maps "A.10.9.3"  { to = "A.14.1.2", relation = "intersect",
                   note = "published information on public systems; only its integrity carried over" }
maps "A.10.10.1" { to = "A.12.4.1", relation = "subset" }
maps "A.10.10.2" { to = "A.12.4.1", relation = "subset" }
maps "A.10.10.3" { to = "A.12.4.2", relation = "equal" }
maps "A.10.10.4" { to = "A.12.4.3", relation = "equal" }
maps "A.10.10.5" { to = "A.12.4.1", relation = "subset" }
maps "A.10.10.6" { to = "A.12.4.4", relation = "equal" }

-- A.11 Controlling access
maps "A.11.1.1"  { to = "A.9.1.1", relation = "equal" }
-- Split: registration and provisioning became two controls.
maps "A.11.2.1"  { to = { "A.9.2.1", "A.9.2.2" }, relation = "superset" }
maps "A.11.2.2"  { to = "A.9.2.3", relation = "equal" }
maps "A.11.2.3"  { to = "A.9.2.4", relation = "equal" }
maps "A.11.2.4"  { to = "A.9.2.5", relation = "equal" }
maps "A.11.3.1"  { to = "A.9.3.1", relation = "equal" }
maps "A.11.3.2"  { to = "A.11.2.8", relation = "equal" }
maps "A.11.3.3"  { to = "A.11.2.9", relation = "equal" }
maps "A.11.4.1"  { to = "A.9.1.2", relation = "subset" }
maps "A.11.4.2"  { to = "A.9.1.2", relation = "subset",
                   note = "authenticating remote users is part of authorising network access" }
maps "A.11.4.3"  { to = "A.13.1.1", relation = "subset" }
maps "A.11.4.4"  { to = "A.13.1.1", relation = "subset" }
maps "A.11.4.5"  { to = "A.13.1.3", relation = "equal" }
maps "A.11.4.6"  { to = "A.13.1.1", relation = "subset" }
maps "A.11.4.7"  { to = "A.13.1.1", relation = "subset" }
maps "A.11.5.1"  { to = "A.9.4.2", relation = "subset" }
-- Split: unique IDs went to registration, authentication to log-on.
maps "A.11.5.2"  { to = { "A.9.2.1", "A.9.4.2" }, relation = "superset" }
maps "A.11.5.3"  { to = "A.9.4.3", relation = "equal" }
maps "A.11.5.4"  { to = "A.9.4.4", relation = "equal" }
maps "A.11.5.5"  { to = "A.9.4.2", relation = "subset" }
maps "A.11.5.6"  { to = "A.9.4.2", relation = "subset" }
maps "A.11.6.1"  { to = "A.9.4.1", relation = "equal" }
maps "A.11.6.2"  { to = "A.13.1.3", relation = "intersect",
                   note = "isolation is now done by network segregation; no own control" }
maps "A.11.7.1"  { to = "A.6.2.1", relation = "equal" }
maps "A.11.7.2"  { to = "A.6.2.2", relation = "equal" }

-- A.12 Secure systems and development
maps "A.12.1.1"  { to = "A.14.1.1", relation = "equal" }
maps "A.12.2.1"  { relation = "removed",
                   note = "correct processing in applications is left to secure development (A.14.2)" }
maps "A.12.2.2"  { relation = "removed",
                   note = "correct processing in applications is left to secure development (A.14.2)" }
maps "A.12.2.3"  { relation = "removed",
                   note = "correct processing in applications is left to secure development (A.14.2)" }
maps "A.12.2.4"  { relation = "removed",
                   note = "correct processing in applications is left to secure development (A.14.2)" }
maps "A.12.3.1"  { to = "A.10.1.1", relation = "equal" }
maps "A.12.3.2"  { to = "A.10.1.2", relation = "equal" }
maps "A.12.4.1"  { to = "A.12.5.1", relation = "equal" }
maps "A.12.4.2"  { to = "A.14.3.1", relation = "equal" }
maps "A.12.4.3"  { to = "A.9.4.5", relation = "equal" }
maps "A.12.5.1"  { to = "A.14.2.2", relation = "equal" }
maps "A.12.5.2"  { to = "A.14.2.3", relation = "equal" }
maps "A.12.5.3"  { to = "A.14.2.4", relation = "equal" }
maps "A.12.5.4"  { relation = "removed",
                   note = "dropped in 2013; leakage prevention returns in 2022 as A.8.12" }
maps "A.12.5.5"  { to = "A.14.2.7", relation = "equal" }
maps "A.12.6.1"  { to = "A.12.6.1", relation = "equal" }

-- A.13 Handling incidents
maps "A.13.1.1"  { to = "A.16.1.2", relation = "equal" }
maps "A.13.1.2"  { to = "A.16.1.3", relation = "equal" }
maps "A.13.2.1"  { to = "A.16.1.1", relation = "equal" }
maps "A.13.2.2"  { to = "A.16.1.6", relation = "equal" }
maps "A.13.2.3"  { to = "A.16.1.7", relation = "equal" }

-- A.14 Continuity
maps "A.14.1.1"  { to = "A.17.1.1", relation = "subset" }
maps "A.14.1.2"  { to = "A.17.1.1", relation = "subset" }
maps "A.14.1.3"  { to = "A.17.1.2", relation = "subset" }
maps "A.14.1.4"  { to = "A.17.1.2", relation = "subset" }
maps "A.14.1.5"  { to = "A.17.1.3", relation = "equal" }

-- A.15 Meeting obligations
maps "A.15.1.1"  { to = "A.18.1.1", relation = "equal" }
maps "A.15.1.2"  { to = "A.18.1.2", relation = "equal" }
maps "A.15.1.3"  { to = "A.18.1.3", relation = "equal" }
maps "A.15.1.4"  { to = "A.18.1.4", relation = "equal" }
maps "A.15.1.5"  { to = "A.8.1.3", relation = "intersect",
                   note = "misuse of facilities is now handled by the rules for acceptable use" }
maps "A.15.1.6"  { to = "A.18.1.5", relation = "equal" }
maps "A.15.2.1"  { to = "A.18.2.2", relation = "equal" }
maps "A.15.2.2"  { to = "A.18.2.3", relation = "equal" }
maps "A.15.3.1"  { to = "A.12.7.1", relation = "equal" }
maps "A.15.3.2"  { relation = "removed",
                   note = "no own control in 2013; audit tools fall under privileged utilities (A.9.4.4)" }

-- New in 2013: no 2005 control carried them.
new_control "A.6.1.5"  {}
new_control "A.12.6.2" {}
new_control "A.14.2.1" {}
new_control "A.14.2.5" {}
new_control "A.14.2.6" {}
new_control "A.14.2.8" {}
new_control "A.15.1.1" {}
new_control "A.15.1.3" {}
new_control "A.16.1.4" {}
new_control "A.16.1.5" {}
new_control "A.17.2.1" {}
