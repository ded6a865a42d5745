#!/bin/sh
# Context, leadership and support (ISO/IEC 27001 clauses 4-7) for the demo
# IC design centre: its people and ISMS roles, interested parties, issues
# and obligations, the ISMS scope (approved by top management), three
# objectives, the awareness and competence programme with training
# records, the communication plan, and the business case. Run by
# scripts/demo.sh with BUILD, ISMS and DB set.
set -eu
BUILD=${BUILD:-build}
ISMS=${ISMS:-$BUILD/isms}
DB=${DB:-$BUILD/demo.db}
TODAY=2027-02-15
run() { "$ISMS" --db "$DB" "$@"; }

echo "== people and ISMS roles (rules/roles/default.lua; kick-off 2026-03-02)"
run people setup --kickoff 2026-03-02 --reason "ISMS kick-off meeting (demo)"
PEOPLE="$BUILD/demo-people.csv"
cat > "$PEOPLE" <<'EOF'
id,name,unit,type,joined,acts_as
P-001,Lin Mei-Hua,Management,employee,2009-05-04,Managing Director
P-002,Chen Wei,Information Security,employee,2012-09-01,CISO
P-003,Huang Jia-Hao,Design,employee,2010-02-15,Head of Design
P-004,Wu Shu-Fen,Verification,employee,2014-07-01,Head of Verification
P-005,Tsai Ming,IT,employee,2011-03-21,IT Manager
P-006,Lee Ya-Ting,Quality,employee,2013-11-11,Quality Manager
P-007,Chang Kuo-Liang,Facilities,employee,2015-01-05,Facilities Manager
P-008,Wang Hsin-Yi,Human Resources,employee,2016-04-18,HR Manager
P-009,Lai Chih-Wei,Test Engineering,employee,2017-08-01,Test Engineering Manager
P-010,Kuo Pei-Jun,Finance,employee,2018-02-26,Finance Manager
P-011,Hsu Yu-Chen,Legal,employee,2019-06-03,Legal Counsel
P-012,Lu Tzu-Yang,Design,employee,2026-10-12,
P-013,Chou An-Ni,IT,contractor,2026-04-01,
EOF
run people import "$PEOPLE" --reason "staff list from HR (demo)"
ROLES="$BUILD/demo-roles.csv"
cat > "$ROLES" <<'EOF'
id,person,role,held_from,held_to,note
RA-001,P-001,top-management,2009-05-04,,Managing Director
RA-002,P-002,ciso,2026-01-05,,appointment letter 2026-01-05
RA-003,P-001,steering-committee,2026-01-05,,
RA-004,P-002,steering-committee,2026-01-05,,chair
RA-005,P-003,steering-committee,2026-01-05,,
RA-006,P-006,steering-committee,2026-01-05,,
RA-007,P-006,lead-team,2026-01-05,,ISO 9001 management representative
RA-008,P-005,lead-team,2026-01-05,,
RA-009,P-005,implementation-team,2026-02-01,,
RA-010,P-007,implementation-team,2026-02-01,,
RA-011,P-008,implementation-team,2026-02-01,,
RA-012,P-010,implementation-team,2026-02-01,,
RA-013,P-004,internal-auditors,2026-06-01,,
RA-014,P-013,technical-specialists,2026-04-01,,network and forensics
EOF
run role-assignments import "$ROLES" --reason "appointment letters (demo)"
echo "-- a second CISO while the first holds the role is refused (overlap = false):"
run role-assignments add person=P-003 role=ciso held_from=2026-06-01 || true
run people roles --today "$TODAY"
echo

echo "== competence and awareness (rules/programmes/default.lua: the guideline's Table 4)"
run people programmes
TRAINING="$BUILD/demo-training.csv"
cat > "$TRAINING" <<'EOF'
person,programme,completed,result,hours,evidence
P-001,management-awareness,2026-02-20,attended,4,board minutes 2026-02
P-001,general-awareness,2026-02-27,completed,2,e-learning certificate
P-002,implementation-training,2025-11-20,passed,16,external course certificate
P-002,general-awareness,2026-12-01,completed,2,e-learning certificate
P-003,implementation-training,2026-01-22,passed,16,external course certificate
P-003,general-awareness,2026-12-02,completed,2,e-learning certificate
P-004,auditor-training,2026-05-14,passed,16,internal auditor certificate
P-004,implementation-training,2026-05-12,passed,16,external course certificate
P-004,general-awareness,2026-12-01,completed,2,e-learning certificate
P-005,implementation-training,2026-01-22,passed,16,external course certificate
P-005,technical-training,2026-03-10,completed,8,FMEA workshop
P-005,general-awareness,2026-12-03,completed,2,e-learning certificate
P-006,implementation-training,2026-01-22,passed,16,external course certificate
P-006,auditor-training,2025-09-30,failed,16,
P-006,general-awareness,2026-11-28,completed,2,e-learning certificate
P-007,general-awareness,2026-09-01,completed,2,e-learning certificate
P-008,implementation-training,2026-02-12,passed,16,external course certificate
P-008,general-awareness,2026-12-04,completed,2,e-learning certificate
P-009,general-awareness,2026-02-27,completed,2,e-learning certificate
P-010,general-awareness,2026-12-01,completed,2,e-learning certificate
P-011,general-awareness,2026-12-01,completed,2,e-learning certificate
EOF
run training import "$TRAINING" --reason "training records from HR (demo)"
run competences add person=P-006 competence="information security risk management" \
  evidence="QISM FMEA risk assessment course (2 days)" obtained=2025-10-15
run competences add person=P-005 competence="information security risk management" \
  evidence="QISM FMEA risk assessment course (2 days)" obtained=2025-10-15
run raci add activity="QISM step 8: scope and policy" accountable=top-management \
  responsible="lead-team" consulted="steering-committee" informed="implementation-team"
echo "-- isms people check --today $TODAY"
run people check --today "$TODAY" || true
echo

echo "== context: interested parties, issues, obligations (clauses 4.1, 4.2)"
run interested-parties add name="Fabless customers" category=customer side=external \
  requirements="NDA on every design; tape-out data never leaves the design network" \
  how_met="A.5.14 transfer rules; isolated tape-out network" owner=P-003 review_on=2027-06-30
run interested-parties add name="Foundry partner (Hsinchu)" category=partner side=external \
  requirements="PDK under NDA, named users only" how_met="PDK server with named accounts" \
  owner=P-003 review_on=2027-06-30
run interested-parties add name="Science Park Administration" category=authority side=external \
  requirements="incident reporting within 24 hours" how_met="incident procedure P-SEC-07" \
  owner=P-002 review_on=2027-03-31
run interested-parties add name="Employees" category=employee side=internal \
  requirements="privacy of HR records" how_met="HR records on the HR share only" owner=P-008
run context-issues add title="Customers ask for ISO/IEC 27001 certification in RFQs" \
  side=external category=economic effect="certification is a condition of new design wins" \
  review_on=2027-03-31
run context-issues add title="ISO 9001 quality system already in place" side=internal \
  category=organisational effect="document control, internal audit and management review reused" \
  review_on=2027-06-30
run obligations add id=OBL-NDA title="Keep customer and foundry design data confidential" \
  type=contractual source="Foundry NDA and customer design service contracts" clause="4.2" \
  owner=P-011 assets="IC-INF-001; IC-INF-004; IC-INF-009" controls="A.5.14; A.5.31"
run obligations add id=OBL-PDPA title="Protect personal data of employees" type=legal \
  source="Personal Data Protection Act" clause="Art. 27" owner=P-008 \
  assets="IC-INF-010" controls="A.5.34"
run interested-parties list
echo

echo "== the ISMS scope (clause 4.3; guideline 4.2 and Appendix A), approved by top management"
run scopes add id=SCOPE-HQ title="IC design centre HQ" \
  statement="ISMS for the design, verification and tape-out of system-on-chip designs for fabless customers at the HQ design centre. This is in accordance with Statement of Applicability revision 1." \
  organisational="Management, Design, Verification, Test Engineering, IT, Quality, HR, Finance, Legal, Facilities" \
  ict="design network, tape-out network, EDA licence servers, office IT, cloud backup (EU region)" \
  physical="HQ building: server room, design floor 2, test lab B1, offices; off-site vault" \
  interfaces="foundry (Hsinchu) and OSAT (Penang) run under their own ISMS; the website is hosted by a marketing agency" \
  soa_revision=1 \
  locations="HQ Server Room; Design Floor 2; Test Lab (HQ B1); HQ Admin Office; HQ Legal Office; HQ (all floors); HQ; Intranet (HQ); Off-site vault; Cloud (EU region); Remote"
run scope-exclusions add scope=SCOPE-HQ boundary=organisational \
  what="Foundry and OSAT operations" locations="Foundry (Hsinchu); OSAT (Penang)" \
  justification="run by the partners under their own certified ISMS; covered by contract (A.5.20)"
run scope-exclusions add scope=SCOPE-HQ boundary=organisational \
  what="Contracted software development" controls="A.8.30" \
  justification="the centre contracts out no development; its EDA flows are built in-house"
echo "-- an exclusion without a justification is refused:"
run scope-exclusions add scope=SCOPE-HQ what="Company website" || true
run scopes approve SCOPE-HQ --by P-001 --on 2026-03-02 --note "approved at the kick-off"
run scopes status
echo "-- the statement drafted in the guideline's Appendix A form:"
run scopes statement SCOPE-HQ
echo "-- isms scopes check (assets outside every scope)"
run scopes check || true
echo "-- the scope's own risk assessment and SoA (--scope): the controls its risks select,"
echo "   the organisation's exclusions and the scope's own, each with its justification"
run assess --scope SCOPE-HQ --top 3
run soa show --scope SCOPE-HQ | awk '/^Controls$/ { c = 1 } !c || /^Control|^---|  yes  |EXCL-002/'
run soa check --scope SCOPE-HQ
echo

echo "== objectives (clause 6.2)"
run objectives add id=OBJ-001 title="Everyone trained in ISMS awareness" metric=people-trained \
  target=95 unit=% owner=P-002 due=2027-06-30 plan="quarterly e-learning and a quiz" \
  resources="e-learning licence, 2 hours per person per quarter" responsible=P-008 \
  evaluation="share of people with every programme current, from the training records"
run objectives add id=OBJ-002 title="Every design asset inside the ISMS scope" \
  metric=assets-in-scope target=100 unit=% owner=P-003 due=2027-03-31 \
  plan="decide in or out for every asset of the register" resources="lead team, 2 days" \
  responsible=P-006 evaluation="isms scopes check shows no asset outside"
run objectives add id=OBJ-003 title="No tape-out data leaves the design network" \
  metric=dlp-incidents comparison=at_most target=0 owner=P-005 due=2027-12-31 \
  plan="DLP on the design network gateways" resources="DLP licence, IT operations" \
  responsible=P-005 evaluation="DLP incident count each quarter" current=1 measured_on=2027-01-31
run objectives status --today "$TODAY"
echo

echo "== communication (clause 7.4)"
run communications add id=COM-001 what="ISMS newsletter: policies, incidents, reminders" \
  audience="all staff and contractors" responsible=P-002 channel=email frequency=quarterly \
  first_on=2026-03-15
run communications add id=COM-002 what="ISMS status to the steering committee" \
  audience=steering-committee responsible=P-006 channel=meeting frequency=monthly \
  first_on=2026-03-31
run communications add id=COM-003 what="Kick-off announcement" audience="all staff" \
  responsible=P-001 channel="town hall" frequency=once first_on=2026-03-02
run sent-communications add communication=COM-003 sent_on=2026-03-02 sent_by=P-001 \
  evidence="town hall minutes"
run sent-communications add communication=COM-001 sent_on=2026-12-15 sent_by=P-002
run sent-communications add communication=COM-002 sent_on=2027-01-29 sent_by=P-006 \
  evidence="steering committee minutes 2027-01"
run communications due --today "$TODAY" || true
echo

echo "== business case for top management (guideline 4.4), approved"
run business-cases add id=BC-001 title="ISO/IEC 27001 for the IC design centre" scope=SCOPE-HQ \
  goals="keep and win design services for customers who require ISO/IEC 27001" \
  benefits="new design wins, fewer customer audits, one management system with ISO 9001" \
  work="close the gaps against Annex A on top of the ISO 9001 system (QISM 24-step roadmap)" \
  resources="DLP, backup off-site, shielded lab room" \
  considerations="about 90% of the management-system requirements are met by ISO 9001 already" \
  start_on=2026-01-05 target_on=2027-03-31 effort_days=320 costs=185000 currency=USD \
  success_factors="visible top management commitment; a dedicated lead team; training before the kick-off; reuse of the ISO 9001 system" \
  other_factors="science-park location; customers' NDAs; export control on advanced nodes" \
  prepared_by=P-002
run business-cases approve BC-001 --by P-001 --on 2026-01-20
run business-cases render BC-001 --format markdown --out "$BUILD/demo-business-case.md" --today "$TODAY"
run business-cases render BC-001 --format html --out "$BUILD/demo-business-case.html" --today "$TODAY"
echo "wrote $BUILD/demo-business-case.md and $BUILD/demo-business-case.html"
echo
