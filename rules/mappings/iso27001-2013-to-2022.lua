-- ISO/IEC 27001:2013 Annex A to ISO/IEC 27001:2022 Annex A.
--
-- Each `maps` line says where a 2013 control went and how its scope
-- compares with the 2022 control (the 2013 control is the left side):
--   equal      same scope, new number
--   subset     the 2022 control is broader; usually several 2013
--              controls were merged into it
--   superset   the 2013 control covered more than this 2022 control
--   intersect  the two overlap in part
-- `new_control` lists the 2022 controls with no 2013 predecessor. Every
-- 2013 control maps somewhere and every 2022 control has a source or is
-- new; the loader checks both (docs/controls.md).
--
-- Correspondences follow the ISO/IEC 27002:2022 Annex B tables; the
-- relations are isms's judgement. Where this file and the CISO Assistant
-- mapping differ, docs/controls.md lists each difference and the reason.
control_mapping "iso27001-2013-to-2022" {
  from = "iso27001-2013",
  to = "iso27001-2022",
  title = "ISO/IEC 27001:2013 to 2022 (Annex A)",
  reference = "ISO/IEC 27002:2022 Annex B correspondence; relations by isms",
}

-- A.5 Security policies
maps "A.5.1.1"  { to = "A.5.1", relation = "subset" }
maps "A.5.1.2"  { to = "A.5.1", relation = "subset" }

-- A.6 Organising security
maps "A.6.1.1"  { to = "A.5.2", relation = "equal" }
maps "A.6.1.2"  { to = "A.5.3", relation = "equal" }
maps "A.6.1.3"  { to = "A.5.5", relation = "equal" }
maps "A.6.1.4"  { to = "A.5.6", relation = "equal" }
maps "A.6.1.5"  { to = "A.5.8", relation = "subset" }
maps "A.6.2.1"  { to = "A.8.1", relation = "subset" }
maps "A.6.2.2"  { to = "A.6.7", relation = "equal" }

-- A.7 People security
maps "A.7.1.1"  { to = "A.6.1", relation = "equal" }
maps "A.7.1.2"  { to = "A.6.2", relation = "equal" }
maps "A.7.2.1"  { to = "A.5.4", relation = "equal" }
maps "A.7.2.2"  { to = "A.6.3", relation = "equal" }
maps "A.7.2.3"  { to = "A.6.4", relation = "equal" }
maps "A.7.3.1"  { to = "A.6.5", relation = "equal" }

-- A.8 Managing assets
maps "A.8.1.1"  { to = "A.5.9", relation = "subset" }
maps "A.8.1.2"  { to = "A.5.9", relation = "subset" }
maps "A.8.1.3"  { to = "A.5.10", relation = "subset" }
maps "A.8.1.4"  { to = "A.5.11", relation = "equal" }
maps "A.8.2.1"  { to = "A.5.12", relation = "equal" }
maps "A.8.2.2"  { to = "A.5.13", relation = "equal" }
maps "A.8.2.3"  { to = "A.5.10", relation = "subset" }
maps "A.8.3.1"  { to = "A.7.10", relation = "subset" }
maps "A.8.3.2"  { to = "A.7.10", relation = "subset" }
maps "A.8.3.3"  { to = "A.7.10", relation = "subset" }

-- A.9 Controlling access
maps "A.9.1.1"  { to = "A.5.15", relation = "subset" }
maps "A.9.1.2"  { to = "A.5.15", relation = "subset" }
maps "A.9.2.1"  { to = "A.5.16", relation = "subset",
                  note = "2022 manages the whole life of identities, not only user IDs" }
maps "A.9.2.2"  { to = "A.5.18", relation = "subset" }
maps "A.9.2.3"  { to = "A.8.2", relation = "equal" }
maps "A.9.2.4"  { to = "A.5.17", relation = "subset" }
maps "A.9.2.5"  { to = "A.5.18", relation = "subset" }
maps "A.9.2.6"  { to = "A.5.18", relation = "subset" }
maps "A.9.3.1"  { to = "A.5.17", relation = "subset" }
maps "A.9.4.1"  { to = "A.8.3", relation = "equal" }
maps "A.9.4.2"  { to = "A.8.5", relation = "subset" }
maps "A.9.4.3"  { to = "A.5.17", relation = "subset" }
maps "A.9.4.4"  { to = "A.8.18", relation = "equal" }
maps "A.9.4.5"  { to = "A.8.4", relation = "equal" }

-- A.10 Encryption
maps "A.10.1.1" { to = "A.8.24", relation = "subset" }
maps "A.10.1.2" { to = "A.8.24", relation = "subset" }

-- A.11 Physical protection
maps "A.11.1.1" { to = "A.7.1", relation = "equal" }
maps "A.11.1.2" { to = "A.7.2", relation = "subset" }
maps "A.11.1.3" { to = "A.7.3", relation = "equal" }
maps "A.11.1.4" { to = "A.7.5", relation = "equal" }
maps "A.11.1.5" { to = "A.7.6", relation = "equal" }
maps "A.11.1.6" { to = "A.7.2", relation = "subset" }
maps "A.11.2.1" { to = "A.7.8", relation = "equal" }
maps "A.11.2.2" { to = "A.7.11", relation = "equal" }
maps "A.11.2.3" { to = "A.7.12", relation = "equal" }
maps "A.11.2.4" { to = "A.7.13", relation = "equal" }
maps "A.11.2.5" { to = "A.7.10", relation = "subset" }
maps "A.11.2.6" { to = "A.7.9", relation = "equal",
                  note = "equipment is one kind of asset; nothing of the 2013 control is left out" }
maps "A.11.2.7" { to = "A.7.14", relation = "equal" }
maps "A.11.2.8" { to = "A.8.1", relation = "subset" }
maps "A.11.2.9" { to = "A.7.7", relation = "equal" }

-- A.12 Secure operations
maps "A.12.1.1" { to = "A.5.37", relation = "equal" }
maps "A.12.1.2" { to = "A.8.32", relation = "equal",
                  note = "the development change controls A.14.2.2-A.14.2.4 join it as special cases" }
maps "A.12.1.3" { to = "A.8.6", relation = "equal" }
maps "A.12.1.4" { to = "A.8.31", relation = "equal" }
maps "A.12.2.1" { to = "A.8.7", relation = "equal" }
maps "A.12.3.1" { to = "A.8.13", relation = "equal" }
maps "A.12.4.1" { to = "A.8.15", relation = "subset" }
maps "A.12.4.2" { to = "A.8.15", relation = "subset" }
maps "A.12.4.3" { to = "A.8.15", relation = "subset" }
maps "A.12.4.4" { to = "A.8.17", relation = "equal" }
maps "A.12.5.1" { to = "A.8.19", relation = "equal" }
maps "A.12.6.1" { to = "A.8.8", relation = "equal" }
maps "A.12.6.2" { to = "A.8.19", relation = "subset" }
maps "A.12.7.1" { to = "A.8.34", relation = "equal" }

-- A.13 Network and transfer security
maps "A.13.1.1" { to = "A.8.20", relation = "equal" }
maps "A.13.1.2" { to = "A.8.21", relation = "equal" }
maps "A.13.1.3" { to = "A.8.22", relation = "equal" }
maps "A.13.2.1" { to = "A.5.14", relation = "subset" }
maps "A.13.2.2" { to = "A.5.14", relation = "subset" }
maps "A.13.2.3" { to = "A.5.14", relation = "subset" }
maps "A.13.2.4" { to = "A.6.6", relation = "equal" }

-- A.14 Secure systems and development
maps "A.14.1.1" { to = "A.5.8", relation = "subset" }
maps "A.14.1.2" { to = "A.8.26", relation = "subset" }
maps "A.14.1.3" { to = "A.8.26", relation = "subset" }
maps "A.14.2.1" { to = "A.8.25", relation = "subset" }
maps "A.14.2.2" { to = "A.8.32", relation = "subset" }
maps "A.14.2.3" { to = "A.8.32", relation = "subset" }
maps "A.14.2.4" { to = "A.8.32", relation = "subset" }
maps "A.14.2.5" { to = "A.8.27", relation = "subset" }
maps "A.14.2.6" { to = "A.8.31", relation = "subset" }
maps "A.14.2.7" { to = "A.8.30", relation = "equal" }
maps "A.14.2.8" { to = "A.8.29", relation = "subset" }
maps "A.14.2.9" { to = "A.8.29", relation = "subset" }
maps "A.14.3.1" { to = "A.8.33", relation = "subset" }

-- A.15 Suppliers
maps "A.15.1.1" { to = "A.5.19", relation = "equal" }
maps "A.15.1.2" { to = "A.5.20", relation = "equal" }
maps "A.15.1.3" { to = "A.5.21", relation = "subset" }
maps "A.15.2.1" { to = "A.5.22", relation = "subset" }
maps "A.15.2.2" { to = "A.5.22", relation = "subset" }

-- A.16 Handling incidents
maps "A.16.1.1" { to = "A.5.24", relation = "intersect",
                  note = "2022 asks for planning and preparation, beyond roles and procedures" }
maps "A.16.1.2" { to = "A.6.8", relation = "equal" }
maps "A.16.1.3" { to = "A.6.8", relation = "intersect",
                  note = "weaknesses are no longer a separate report; they are reported as events" }
maps "A.16.1.4" { to = "A.5.25", relation = "equal" }
maps "A.16.1.5" { to = "A.5.26", relation = "equal" }
maps "A.16.1.6" { to = "A.5.27", relation = "equal" }
maps "A.16.1.7" { to = "A.5.28", relation = "equal" }

-- A.17 Continuity
maps "A.17.1.1" { to = "A.5.29", relation = "subset" }
maps "A.17.1.2" { to = "A.5.29", relation = "subset" }
maps "A.17.1.3" { to = "A.5.29", relation = "subset" }
maps "A.17.2.1" { to = "A.8.14", relation = "equal" }

-- A.18 Meeting obligations
maps "A.18.1.1" { to = "A.5.31", relation = "equal" }
maps "A.18.1.2" { to = "A.5.32", relation = "equal" }
maps "A.18.1.3" { to = "A.5.33", relation = "equal" }
maps "A.18.1.4" { to = "A.5.34", relation = "equal" }
maps "A.18.1.5" { to = "A.5.31", relation = "subset" }
maps "A.18.2.1" { to = "A.5.35", relation = "equal" }
maps "A.18.2.2" { to = "A.5.36", relation = "equal" }
-- Split: the policy side of technical compliance checks went to A.5.36,
-- the technical testing side to vulnerability management.
maps "A.18.2.3" { to = "A.5.36", relation = "subset" }
maps "A.18.2.3" { to = "A.8.8", relation = "intersect" }

-- New in 2022: no 2013 control carried them.
new_control "A.5.7" {}
new_control "A.5.23" {}
new_control "A.5.30" {}
new_control "A.7.4" {}
new_control "A.8.9" {}
new_control "A.8.10" {}
new_control "A.8.11" {}
new_control "A.8.12" {}
new_control "A.8.16" {}
new_control "A.8.23" {}
new_control "A.8.28" {}
