-- ISO/IEC 27001:2013 Annex A: 114 controls in 14 clauses, A.5 to A.18.
-- Ids and clauses follow the standard's numbering (the middle level, the
-- control objective, is part of the id). Titles are isms's own short
-- paraphrases, not the standard's wording: read the standard for what each
-- control requires (docs/controls.md).
control_catalog "iso27001-2013" {
  title = "ISO/IEC 27001:2013 Annex A",
  edition = "2013",
  reference = "ISO/IEC 27001:2013 Annex A; ids and clauses as published, titles paraphrased",
}

control_group "A.5"  { title = "Security policies" }
control_group "A.6"  { title = "Organising security" }
control_group "A.7"  { title = "People security" }
control_group "A.8"  { title = "Managing assets" }
control_group "A.9"  { title = "Controlling access" }
control_group "A.10" { title = "Encryption" }
control_group "A.11" { title = "Physical protection" }
control_group "A.12" { title = "Secure operations" }
control_group "A.13" { title = "Network and transfer security" }
control_group "A.14" { title = "Secure systems and development" }
control_group "A.15" { title = "Suppliers" }
control_group "A.16" { title = "Handling incidents" }
control_group "A.17" { title = "Continuity" }
control_group "A.18" { title = "Meeting obligations" }

control "A.5.1.1"  { group = "A.5", title = "Approved security policies" }
control "A.5.1.2"  { group = "A.5", title = "Regular policy review" }

control "A.6.1.1"  { group = "A.6", title = "Defined security roles" }
control "A.6.1.2"  { group = "A.6", title = "Separating conflicting duties" }
control "A.6.1.3"  { group = "A.6", title = "Liaison with authorities" }
control "A.6.1.4"  { group = "A.6", title = "Links with security forums" }
control "A.6.1.5"  { group = "A.6", title = "Security in projects" }
control "A.6.2.1"  { group = "A.6", title = "Rules for mobile devices" }
control "A.6.2.2"  { group = "A.6", title = "Working from remote sites" }

control "A.7.1.1"  { group = "A.7", title = "Background checks" }
control "A.7.1.2"  { group = "A.7", title = "Security terms in contracts" }
control "A.7.2.1"  { group = "A.7", title = "Managers require security" }
control "A.7.2.2"  { group = "A.7", title = "Awareness and training" }
control "A.7.2.3"  { group = "A.7", title = "Sanctions for breaches" }
control "A.7.3.1"  { group = "A.7", title = "Duties after leaving or moving" }

control "A.8.1.1"  { group = "A.8", title = "Asset inventory" }
control "A.8.1.2"  { group = "A.8", title = "Named asset owners" }
control "A.8.1.3"  { group = "A.8", title = "Rules for asset use" }
control "A.8.1.4"  { group = "A.8", title = "Handing back assets" }
control "A.8.2.1"  { group = "A.8", title = "Classifying information" }
control "A.8.2.2"  { group = "A.8", title = "Marking classified information" }
control "A.8.2.3"  { group = "A.8", title = "Handling by classification" }
control "A.8.3.1"  { group = "A.8", title = "Removable media rules" }
control "A.8.3.2"  { group = "A.8", title = "Safe media disposal" }
control "A.8.3.3"  { group = "A.8", title = "Moving media between sites" }

control "A.9.1.1"  { group = "A.9", title = "Access rules" }
control "A.9.1.2"  { group = "A.9", title = "Network access by authorisation" }
control "A.9.2.1"  { group = "A.9", title = "Creating and removing user IDs" }
control "A.9.2.2"  { group = "A.9", title = "Granting access" }
control "A.9.2.3"  { group = "A.9", title = "Restricting privileged access" }
control "A.9.2.4"  { group = "A.9", title = "Issuing passwords and secrets" }
control "A.9.2.5"  { group = "A.9", title = "Periodic access review" }
control "A.9.2.6"  { group = "A.9", title = "Revoking or changing access" }
control "A.9.3.1"  { group = "A.9", title = "Users keep secrets secret" }
control "A.9.4.1"  { group = "A.9", title = "Limiting access to information" }
control "A.9.4.2"  { group = "A.9", title = "Safe login" }
control "A.9.4.3"  { group = "A.9", title = "Password quality enforcement" }
control "A.9.4.4"  { group = "A.9", title = "Restricting powerful utilities" }
control "A.9.4.5"  { group = "A.9", title = "Guarding source code" }

control "A.10.1.1" { group = "A.10", title = "When and how to encrypt" }
control "A.10.1.2" { group = "A.10", title = "Managing cryptographic keys" }

control "A.11.1.1" { group = "A.11", title = "Secure site boundary" }
control "A.11.1.2" { group = "A.11", title = "Controlling entry" }
control "A.11.1.3" { group = "A.11", title = "Protecting offices and rooms" }
control "A.11.1.4" { group = "A.11", title = "Guarding against natural and physical hazards" }
control "A.11.1.5" { group = "A.11", title = "Rules inside secure areas" }
control "A.11.1.6" { group = "A.11", title = "Loading bays and deliveries" }
control "A.11.2.1" { group = "A.11", title = "Placing and protecting equipment" }
control "A.11.2.2" { group = "A.11", title = "Power and other utilities" }
control "A.11.2.3" { group = "A.11", title = "Protecting power and data cables" }
control "A.11.2.4" { group = "A.11", title = "Maintaining equipment" }
control "A.11.2.5" { group = "A.11", title = "Taking assets off site with approval" }
control "A.11.2.6" { group = "A.11", title = "Assets used off site" }
control "A.11.2.7" { group = "A.11", title = "Wiping equipment before disposal or reuse" }
control "A.11.2.8" { group = "A.11", title = "Protecting unattended equipment" }
control "A.11.2.9" { group = "A.11", title = "Tidy desks and locked screens" }

control "A.12.1.1" { group = "A.12", title = "Written operating procedures" }
control "A.12.1.2" { group = "A.12", title = "Controlling changes" }
control "A.12.1.3" { group = "A.12", title = "Planning capacity" }
control "A.12.1.4" { group = "A.12", title = "Keeping dev, test and live apart" }
control "A.12.2.1" { group = "A.12", title = "Defending against malware" }
control "A.12.3.1" { group = "A.12", title = "Backups and restore tests" }
control "A.12.4.1" { group = "A.12", title = "Recording events" }
control "A.12.4.2" { group = "A.12", title = "Tamper-proof logs" }
control "A.12.4.3" { group = "A.12", title = "Logging administrator actions" }
control "A.12.4.4" { group = "A.12", title = "Common time source for clocks" }
control "A.12.5.1" { group = "A.12", title = "Controlling software installs in production" }
control "A.12.6.1" { group = "A.12", title = "Finding and fixing technical weaknesses" }
control "A.12.6.2" { group = "A.12", title = "Limits on user software installs" }
control "A.12.7.1" { group = "A.12", title = "Limiting audit tests' impact on systems" }

control "A.13.1.1" { group = "A.13", title = "Securing networks" }
control "A.13.1.2" { group = "A.13", title = "Safeguards for network services" }
control "A.13.1.3" { group = "A.13", title = "Splitting networks into zones" }
control "A.13.2.1" { group = "A.13", title = "Rules for moving information" }
control "A.13.2.2" { group = "A.13", title = "Agreements for exchanges with others" }
control "A.13.2.3" { group = "A.13", title = "Protecting e-mail and messaging" }
control "A.13.2.4" { group = "A.13", title = "Non-disclosure undertakings" }

control "A.14.1.1" { group = "A.14", title = "Security needs in system specifications" }
control "A.14.1.2" { group = "A.14", title = "Protecting services exposed to public networks" }
control "A.14.1.3" { group = "A.14", title = "Protecting online transactions" }
control "A.14.2.1" { group = "A.14", title = "Rules for secure development" }
control "A.14.2.2" { group = "A.14", title = "Change control in development" }
control "A.14.2.3" { group = "A.14", title = "Re-testing apps after platform changes" }
control "A.14.2.4" { group = "A.14", title = "Minimal changes to vendor packages" }
control "A.14.2.5" { group = "A.14", title = "Secure design principles" }
control "A.14.2.6" { group = "A.14", title = "Protected development environments" }
control "A.14.2.7" { group = "A.14", title = "Overseeing contracted development" }
control "A.14.2.8" { group = "A.14", title = "Testing security features during development" }
control "A.14.2.9" { group = "A.14", title = "Acceptance criteria and tests" }
control "A.14.3.1" { group = "A.14", title = "Choosing and protecting test data" }

control "A.15.1.1" { group = "A.15", title = "Security rules for suppliers" }
control "A.15.1.2" { group = "A.15", title = "Security terms in supplier contracts" }
control "A.15.1.3" { group = "A.15", title = "Security across the ICT supply chain" }
control "A.15.2.1" { group = "A.15", title = "Checking supplier service delivery" }
control "A.15.2.2" { group = "A.15", title = "Controlling changes by suppliers" }

control "A.16.1.1" { group = "A.16", title = "Incident roles and procedures" }
control "A.16.1.2" { group = "A.16", title = "Reporting security events quickly" }
control "A.16.1.3" { group = "A.16", title = "Reporting suspected weaknesses" }
control "A.16.1.4" { group = "A.16", title = "Triaging security events" }
control "A.16.1.5" { group = "A.16", title = "Responding to incidents" }
control "A.16.1.6" { group = "A.16", title = "Lessons from incidents" }
control "A.16.1.7" { group = "A.16", title = "Preserving evidence" }

control "A.17.1.1" { group = "A.17", title = "Security needs in adverse situations" }
control "A.17.1.2" { group = "A.17", title = "Keeping security during a crisis" }
control "A.17.1.3" { group = "A.17", title = "Exercising continuity controls" }
control "A.17.2.1" { group = "A.17", title = "Redundant processing facilities" }

control "A.18.1.1" { group = "A.18", title = "Knowing legal and contractual duties" }
control "A.18.1.2" { group = "A.18", title = "Respecting intellectual property" }
control "A.18.1.3" { group = "A.18", title = "Safeguarding records" }
control "A.18.1.4" { group = "A.18", title = "Protecting personal data" }
control "A.18.1.5" { group = "A.18", title = "Lawful use of encryption" }
control "A.18.2.1" { group = "A.18", title = "Independent security reviews" }
control "A.18.2.2" { group = "A.18", title = "Managers check compliance" }
control "A.18.2.3" { group = "A.18", title = "Technical compliance checks" }
