#!/bin/sh
# Keeping the ISMS current (docs/keeping-current.md): a quarter of the IC
# design centre -- two incidents (the phishing one raises a
# nonconformity), three suppliers holding its outsourced assets, the risks
# the incidents made stale and how re-rating and review clear them.
# Run by scripts/demo.sh with BUILD, ISMS and DB set.
set -eu
: "${ISMS:?}" "${DB:?}"
PHISH=IC-INF-008/T-SOCIAL-ENGINEERING/V-NO-MFA
TAPE=IC-PHY-006/T-MEDIA-THEFT/V-UNPROTECTED-MEDIA

echo "== isms nonconformities add (the one the phishing incident raised)"
"$ISMS" --db "$DB" nonconformities add id=NC-2026-004 \
  title="Order changes on the foundry portal accepted without a call-back" \
  source=incident source_ref=INC-2026-001 raised_by=CISO raised=2026-11-03 \
  description="A forged tape-out order form was accepted; the call-back rule was not applied" \
  --reason "raised by incident INC-2026-001"
echo
echo "== isms incidents add (two incidents of the quarter)"
"$ISMS" --db "$DB" incidents add id=INC-2026-001 \
  title="Phishing mail led to a forged tape-out order form" \
  detected=2026-11-03T09:12 reported=2026-11-03T09:40 contained=2026-11-03T15:00 \
  closed=2026-11-10T17:00 severity=high category=phishing affected=I \
  assets=IC-INF-008 threats=T-SOCIAL-ENGINEERING vulnerabilities=V-NO-MFA \
  controls_failed=A.5.17 controls_worked=A.6.8 owner=CISO \
  lessons="MFA on the foundry portal; call back before any order change" \
  evidence="mail headers HD-5521; portal log 2026-11-03" nonconformity=NC-2026-004 \
  --reason "helpdesk ticket HD-5521"
"$ISMS" --db "$DB" incidents add id=INC-2026-002 \
  title="Backup tape missing after the courier hand-over" \
  detected=2026-11-24T08:30 reported=2026-11-24T09:00 contained=2026-11-24T16:00 \
  severity=medium category=loss assets=IC-PHY-006 threats=T-MEDIA-THEFT \
  controls_worked=A.8.24 owner="IT Manager" --reason "vault discrepancy report"
"$ISMS" --db "$DB" incident-events add incident=INC-2026-002 at=2026-11-24T08:30 type=detection \
  text="Weekly rotation count one tape short" actor="IT Operations"
"$ISMS" --db "$DB" incident-events add incident=INC-2026-002 at=2026-11-24T16:00 type=action \
  text="Rotate the backup encryption keys" owner="IT Operations" due=2026-12-15
echo
echo "== isms suppliers / contracts / certifications (three suppliers of outsourced assets)"
"$ISMS" --db "$DB" suppliers add id=SUP-001 name="Vaultline Records" criticality=high \
  services="off-site tape vault; courier" contacts="ops@vaultline.example" owner="IT Manager"
"$ISMS" --db "$DB" suppliers add id=SUP-002 name="Sentinel SOC Services" criticality=critical \
  services="24x7 monitoring; incident response retainer" owner=CISO
"$ISMS" --db "$DB" suppliers add id=SUP-003 name="Hsinchu Foundry MPW" criticality=critical \
  services="multi-project wafer shuttle" owner="Operations Manager"
"$ISMS" --db "$DB" contracts add id=VLT-2023-004 supplier=SUP-001 title="Vault and courier" \
  starts=2023-04-01 ends=2027-03-31 notice_days=90 right_to_audit=yes \
  security_clauses="chain of custody; breach notice within 24h" data_locations="Hsinchu vault"
"$ISMS" --db "$DB" contracts add id=SOC-SLA-2023-009 supplier=SUP-002 title="Managed SOC" \
  starts=2023-07-01 ends=2026-06-30 right_to_audit=yes status=ended
"$ISMS" --db "$DB" contracts add id=SOC-SLA-2026-001 supplier=SUP-002 title="Managed SOC renewal" \
  starts=2026-07-01 ends=2029-06-30 notice_days=120 right_to_audit=yes \
  data_locations="EU; Taiwan"
"$ISMS" --db "$DB" contracts add id=FDY-MPW-2024-002 supplier=SUP-003 title="MPW shuttle" \
  starts=2024-01-01 ends=2026-12-31 security_clauses="NDA; mask data destroyed after run"
"$ISMS" --db "$DB" certifications add supplier=SUP-001 standard="ISO/IEC 27001:2022" \
  body="TW-Cert" issued=2024-02-01 expires=2027-01-31
"$ISMS" --db "$DB" certifications add supplier=SUP-002 standard="ISO/IEC 27001:2022" \
  body="EuroCert" issued=2025-06-01 expires=2028-05-31
"$ISMS" --db "$DB" certifications add supplier=SUP-003 standard="ISO/IEC 27001:2022" \
  expires=2027-09-30
echo
echo "== isms supplier-assets --link (outsourced assets named by their contracts)"
# The SOC's asset names the contract renewed since; it is linked by hand.
"$ISMS" --db "$DB" suppliers set SUP-002 assets=IC-SVC-003 --reason "managed SOC"
"$ISMS" --db "$DB" supplier-assets --link --reason "supplier register (demo)"
echo
echo "== isms suppliers check (what the migration leaves to do)"
"$ISMS" --db "$DB" suppliers check | sed -n '1,6p' || true
echo
echo "== isms stale (the risks the incidents made stale)"
"$ISMS" --db "$DB" stale
echo
echo "== isms likelihood --flagged (ratings the incident history contradicts)"
"$ISMS" --db "$DB" likelihood --flagged --today 2026-12-07
echo
echo "== isms risks explain (the incidents beside the tape risk's likelihood, and the flag)"
"$ISMS" --db "$DB" risks explain "$TAPE" --today 2026-12-07 | tail -n 2
echo
echo "== isms risks list --asset IC-PHY-006 (an incidents column once the register holds incidents)"
"$ISMS" --db "$DB" risks list --asset IC-PHY-006 --today 2026-12-07 | grep -E '^ref|^IC-PHY-006/T-MEDIA-THEFT'
echo
echo "== isms incident-stats --period quarter"
"$ISMS" --db "$DB" incident-stats --period quarter | sed -n '1,12p'
echo
echo "== isms metrics collect (the incident figures of the measurement programme)"
"$ISMS" --db "$DB" metrics collect M-INCIDENTS M-INCIDENTS-OPEN M-INCIDENT-CONTAIN M-INCIDENT-CLOSE \
  --today 2026-12-07 --reason "December collection"
echo
echo "== isms review pack: the incidents of the quarter (9.3.2 c)"
"$ISMS" --db "$DB" review pack --from 2026-10-01 --to 2026-12-31 --today 2026-12-07 \
  | sed -n '/^## c. Information security incidents/,/^## c. Information security objectives/p' \
  | sed '$d'
echo
echo "== isms propose-audits --today 2026-12-07"
"$ISMS" --db "$DB" propose-audits --today 2026-12-07 | cut -c1-150
echo
echo "== re-rating the tape risk and reviewing the phishing one clears them"
"$ISMS" --db "$DB" risks set "$TAPE" O=4 --reason "one tape lost in 2026: occasional"
"$ISMS" --db "$DB" reviewed risk "$PHISH" --by CISO --note "MFA in place; rating stands"
"$ISMS" --db "$DB" stale
echo
echo "== a supplier questionnaire: a gap assessment of the vault company against Annex A"
Q=$("$ISMS" --db "$DB" gap new --framework iso27001-2022 --assessor "IT Manager" \
  --date 2026-12-01 --title "Vaultline Records 2026 questionnaire" --scope "vault and courier")
"$ISMS" --db "$DB" gap answer "$Q" A.5.10 status=met maturity=3 evidence="vault handling procedure"
"$ISMS" --db "$DB" gap answer "$Q" A.7.10 status=partially_met maturity=2 \
  remediation="sealed transit cases" effort=2
"$ISMS" --db "$DB" suppliers set SUP-001 assessments="$Q" --reason "2026 supplier review"
echo
echo "== isms supplier-risks SUP-001"
"$ISMS" --db "$DB" supplier-risks SUP-001
echo
