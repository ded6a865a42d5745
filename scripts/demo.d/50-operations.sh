#!/bin/sh
# Running the ISMS at the demo organisation (issue #14): documented
# information with file digests and the mandatory list, a first internal
# audit (plan a-g, independence, checklist), two findings, a nonconformity
# with a corrective action, the measurement programme, the action tracker
# and a management review pack (docs/operations.md walks the same year).
set -eu
: "${ISMS:?}" "${DB:?}" "${BUILD:?}"
I() { "$ISMS" --db "$DB" "$@"; }
# The documents live beside the register (a relative path is taken from
# the register's directory): written here, registered with their SHA-256.
DOCS="$(dirname "$DB")/demo-documents"
mkdir -p "$DOCS"
printf '# ISMS scope\n\nThe IC design centre: design, verification and tape-out, Science Park site.\n' \
  > "$DOCS/scope.md"
printf '# Information security policy\n\nVersion 1.0, approved by the Managing Director.\n' \
  > "$DOCS/policy.md"
printf '# Risk assessment process\n\nqism-fmea: C x I x A classes, S x O x D for risks.\n' \
  > "$DOCS/risk-process.md"

echo "== isms docs add (scope, policy, risk assessment process)"
I docs add id=DOC-SCOPE title="ISMS scope" type=policy version=1.0 path=demo-documents/scope.md \
  fulfils=scope requirements="4.3" status=approved approver="Managing Director" approved=2026-09-01 \
  review_months=12 author="Lead Implementer" access=internal --reason "scope agreed (demo)"
I docs add id=DOC-ISP title="Information security policy" type=policy version=1.0 \
  path=demo-documents/policy.md fulfils=policy requirements="5.2 e)" controls=A.5.1 \
  status=approved approver="Managing Director" approved=2026-09-15 review_months=12 \
  distribution="all staff; contractors" access=internal author=CISO --reason "policy issued (demo)"
I docs add id=DOC-RAP title="Risk assessment process" type=procedure version=0.9 \
  path=demo-documents/risk-process.md fulfils=risk-assessment-process requirements="6.1.2" \
  author=CISO --reason "draft for review (demo)"
echo
echo "== isms docs revise DOC-ISP (the policy changes: new digest, version history with the reason)"
printf '# Information security policy\n\nVersion 1.1: remote work added.\n' > "$DOCS/policy.md"
I docs revise DOC-ISP --version 1.1 --reason "remote work section added" --approved-by "Managing Director" \
  --date 2026-11-20
I docs versions DOC-ISP
echo
echo "== isms docs verify; isms docs check (what an auditor asks first)"
I docs verify --all
I docs check --today 2027-02-15 || echo "(exit $?: documented information is still missing)"
echo
echo "== isms audit-programme add; isms audits add (plan a-g)"
I audit-programme add id=AP-ACCESS title="Access control and operations" \
  requirements="9.2.2; A.5.15; A.8.13" controls="A.5.15,A.8.13" frequency_months=12 owner="IT Manager"
I audits add id=AUD-2027-01 title="First internal audit: access and backup" programme=AP-ACCESS \
  objectives="Confirm that access is granted on need and backups restore" \
  scope="Design network, build servers, backup" criteria="ISO/IEC 27001:2022; ISP 1.1" \
  lead="Quality Manager" team="Internal Auditor" start_date=2027-01-18 end_date=2027-01-19 \
  methods="interviews, sampling of 20 accounts, a restore test" reporting="report to the management team" \
  requirements="9.2.2; A.5.15; A.8.13" controls="A.5.15,A.8.13" assets="IC-INF-014" \
  auditees="IT Operations"
I audits independence AUD-2027-01
I audits checklist AUD-2027-01 --format markdown | sed -n '1,14p'
echo
echo "== isms findings add (a minor nonconformity and an opportunity for improvement)"
I findings add id=FND-001 audit=AUD-2027-01 class=minor title="Leavers' accounts not disabled within 24 h" \
  requirements="A.5.18" controls=A.5.18 raised=2027-01-18 raised_by="Quality Manager" \
  evidence="3 of 20 sampled leavers active after 5 days"
I findings add id=FND-002 audit=AUD-2027-01 class=ofi title="Automate the restore test" \
  requirements="A.8.13" controls=A.8.13 raised=2027-01-19 raised_by="Internal Auditor"
I findings raise FND-001 --by "Quality Manager"
echo
echo "== the nonconformity's lifecycle (rules/workflows/nonconformity.lua)"
I corrective-actions add nonconformity=NC-001 title="HR leaver feed into the directory" owner="IT Operations" \
  due=2027-03-15
I nonconformities set NC-001 state=actions_planned root_cause="no feed from HR to IT" \
  correction="the three accounts disabled on 2027-01-18" --reason "root cause found (demo)"
I nonconformities set NC-001 state=closed || echo "(refused, as it should be: no verification yet)"
I audits set AUD-2027-01 status=closed summary="Access control works; leaver handling does not" \
  report_approved_by="Managing Director" report_approved=2027-01-25 distribution="management team; IT"
I audits report AUD-2027-01 --format html --out "$BUILD/demo-audit-report.html" --today 2027-01-25
echo "wrote $BUILD/demo-audit-report.html"
echo
echo "== isms metrics collect; isms metrics record; isms metrics"
I metrics collect --today 2026-12-31 || true
I metrics collect --today 2027-02-01 || true
I metrics record M-AWARENESS 78 --date 2026-12-31 --by "HR Manager"
I metrics record M-AWARENESS 91 --date 2027-02-01 --by "HR Manager"
I metrics --today 2027-02-15
echo
echo "== isms reviews add; isms review-actions add; isms feedback add"
I reviews add id=MR-2027-01 title="Management review 2027/1" held=2027-02-10 status=held \
  period_from=2026-09-01 period_to=2027-02-09 chair="Managing Director" attendees="CISO; Quality Manager; CFO" \
  decisions="fund the HR-IT leaver feed; second audit in Q3" changes="scope unchanged"
I review-actions add review=MR-2027-01 title="Budget the HR-IT leaver feed" owner=CFO due=2027-03-31 kind=resource
I feedback add party="Foundry customer" received=2026-12-05 kind=requirement \
  summary="asks for ISO/IEC 27001 certification by 2028"
echo
echo "== isms review pack --from 2026-09-01 --to 2027-02-09"
I review pack --from 2026-09-01 --to 2027-02-09 --today 2027-02-10 --format html --out "$BUILD/demo-review-pack.html"
I review pack --from 2026-09-01 --to 2027-02-09 --today 2027-02-10 --format markdown \
  --out "$BUILD/demo-review-pack.md"
sed -n '1,40p' "$BUILD/demo-review-pack.md"
echo "wrote $BUILD/demo-review-pack.html and $BUILD/demo-review-pack.md"
echo
echo "== isms actions --today 2027-02-15 (RTP tasks, corrective and review actions); .ics export"
I actions --today 2027-02-15
I actions --today 2027-02-15 --format ics --out "$BUILD/demo-actions.ics"
echo "wrote $BUILD/demo-actions.ics"
