-- Which ISO 9001:2015 clause covers which ISO/IEC 27001:2022 requirement,
-- for crediting a quality management system's state to an ISMS (the case
-- study's "QMS-based ISMS"). A target covers its sub-items. Relations:
-- equal (the same requirement), subset (9001 covers part of it: the
-- 27001 requirement asks for more), intersect (they overlap), none (the
-- 27001 requirement has no 9001 counterpart). Our own reading of the two
-- structures (both follow the ISO harmonised structure, Annex SL): the
-- management system is shared; the risk assessment and treatment
-- (6.1.2, 6.1.3, 8.2, 8.3) and Annex A are what 27001 adds.
requirement_mapping "iso9001-2015-to-iso27001-2022" {
  from = "iso9001-2015", to = "iso27001-2022",
  title = "ISO 9001:2015 -> ISO/IEC 27001:2022 (management-system clauses)",
}

maps "4.1"   { to = "4.1", relation = "equal" }
maps "4.2"   { to = "4.2", relation = "subset", note = "27001 also decides which requirements the ISMS addresses (c)" }
maps "4.3"   { to = "4.3", relation = "subset", note = "the ISMS scope adds interfaces and dependencies" }
maps "4.4"   { to = "4.4", relation = "equal" }
maps "5.1.1" { to = "5.1", relation = "equal" }
maps "5.2.1" { to = "5.2", relation = "subset", note = "the policy must frame security objectives" }
maps "5.2.2" { to = "5.2 f)", relation = "equal" }
maps "5.3"   { to = "5.3", relation = "equal" }
maps "6.1.1" { to = "6.1.1", relation = "equal" }
maps "6.1.2" { to = "6.1.1", relation = "equal" }
maps "6.2"   { to = "6.2", relation = "equal" }
maps "6.3"   { to = "6.3", relation = "equal" }
maps "7.1"   { to = "7.1", relation = "equal" }
maps "7.2"   { to = "7.2", relation = "equal" }
maps "7.3"   { to = "7.3", relation = "subset", note = "awareness of the security policy and its implications" }
maps "7.4"   { to = "7.4", relation = "equal" }
maps "7.5"   { to = "7.5", relation = "equal" }
maps "8.1"   { to = "8.1", relation = "equal" }
maps "9.1"   { to = "9.1", relation = "equal" }
maps "9.2"   { to = "9.2", relation = "equal" }
maps "9.3"   { to = "9.3", relation = "subset", note = "inputs add security feedback, risk results and the treatment plan" }
maps "10.2"  { to = "10.2", relation = "equal" }
maps "10.3"  { to = "10.1", relation = "equal" }
new_requirement "6.1.2" { note = "information security risk assessment: no 9001 counterpart" }
new_requirement "6.1.3" { note = "information security risk treatment, SoA: no 9001 counterpart" }
new_requirement "8.2" { note = "performing the risk assessments" }
new_requirement "8.3" { note = "implementing the risk treatment plan" }
new_requirement "A" { note = "Annex A controls" }
