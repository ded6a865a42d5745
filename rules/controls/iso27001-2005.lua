-- ISO/IEC 27001:2005 Annex A: 133 controls in 11 clauses, A.5 to A.15.
-- Ids and clauses follow the standard's numbering (the middle level, the
-- control objective, is part of the id). Titles are isms's own short
-- paraphrases, not the standard's wording: read the standard for what each
-- control requires (docs/controls.md). The edition was withdrawn in 2013;
-- it is here so that an old Statement of Applicability can be carried
-- forward (rules/mappings/iso27001-2005-to-2013.lua).
control_catalog "iso27001-2005" {
  title = "ISO/IEC 27001:2005 Annex A",
  edition = "2005",
  reference = "ISO/IEC 27001:2005 Annex A; ids and clauses as published, titles paraphrased",
}

control_group "A.5"  { title = "Policy direction" }
control_group "A.6"  { title = "Organising security" }
control_group "A.7"  { title = "Managing assets" }
control_group "A.8"  { title = "People security" }
control_group "A.9"  { title = "Physical protection" }
control_group "A.10" { title = "Running operations and communications" }
control_group "A.11" { title = "Controlling access" }
control_group "A.12" { title = "Secure systems and development" }
control_group "A.13" { title = "Handling incidents" }
control_group "A.14" { title = "Continuity" }
control_group "A.15" { title = "Meeting obligations" }

control "A.5.1.1"   { group = "A.5", title = "Approved policy document" }
control "A.5.1.2"   { group = "A.5", title = "Regular policy review" }

control "A.6.1.1"   { group = "A.6", title = "Visible management support" }
control "A.6.1.2"   { group = "A.6", title = "Coordinating security work across functions" }
control "A.6.1.3"   { group = "A.6", title = "Defined security responsibilities" }
control "A.6.1.4"   { group = "A.6", title = "Approval of new processing facilities" }
control "A.6.1.5"   { group = "A.6", title = "Non-disclosure undertakings" }
control "A.6.1.6"   { group = "A.6", title = "Liaison with authorities" }
control "A.6.1.7"   { group = "A.6", title = "Links with security forums" }
control "A.6.1.8"   { group = "A.6", title = "Independent security reviews" }
control "A.6.2.1"   { group = "A.6", title = "Risks from outside parties" }
control "A.6.2.2"   { group = "A.6", title = "Security before giving customers access" }
control "A.6.2.3"   { group = "A.6", title = "Security terms in third-party contracts" }

control "A.7.1.1"   { group = "A.7", title = "Asset inventory" }
control "A.7.1.2"   { group = "A.7", title = "Named asset owners" }
control "A.7.1.3"   { group = "A.7", title = "Rules for asset use" }
control "A.7.2.1"   { group = "A.7", title = "Classifying information" }
control "A.7.2.2"   { group = "A.7", title = "Labelling and handling by class" }

control "A.8.1.1"   { group = "A.8", title = "Security roles of staff and contractors" }
control "A.8.1.2"   { group = "A.8", title = "Background checks" }
control "A.8.1.3"   { group = "A.8", title = "Security terms in contracts" }
control "A.8.2.1"   { group = "A.8", title = "Managers require security" }
control "A.8.2.2"   { group = "A.8", title = "Awareness and training" }
control "A.8.2.3"   { group = "A.8", title = "Sanctions for breaches" }
control "A.8.3.1"   { group = "A.8", title = "Duties on leaving" }
control "A.8.3.2"   { group = "A.8", title = "Handing back assets" }
control "A.8.3.3"   { group = "A.8", title = "Revoking access on leaving" }

control "A.9.1.1"   { group = "A.9", title = "Secure site boundary" }
control "A.9.1.2"   { group = "A.9", title = "Controlling entry" }
control "A.9.1.3"   { group = "A.9", title = "Protecting offices and rooms" }
control "A.9.1.4"   { group = "A.9", title = "Guarding against natural and physical hazards" }
control "A.9.1.5"   { group = "A.9", title = "Rules inside secure areas" }
control "A.9.1.6"   { group = "A.9", title = "Public, delivery and loading areas kept apart" }
control "A.9.2.1"   { group = "A.9", title = "Placing and protecting equipment" }
control "A.9.2.2"   { group = "A.9", title = "Power and other utilities" }
control "A.9.2.3"   { group = "A.9", title = "Protecting power and data cables" }
control "A.9.2.4"   { group = "A.9", title = "Maintaining equipment" }
control "A.9.2.5"   { group = "A.9", title = "Equipment used off site" }
control "A.9.2.6"   { group = "A.9", title = "Wiping equipment before disposal or reuse" }
control "A.9.2.7"   { group = "A.9", title = "Taking property off site with approval" }

control "A.10.1.1"  { group = "A.10", title = "Written operating procedures" }
control "A.10.1.2"  { group = "A.10", title = "Controlling changes" }
control "A.10.1.3"  { group = "A.10", title = "Separating conflicting duties" }
control "A.10.1.4"  { group = "A.10", title = "Keeping dev, test and live apart" }
control "A.10.2.1"  { group = "A.10", title = "Third parties deliver agreed security" }
control "A.10.2.2"  { group = "A.10", title = "Checking third-party services" }
control "A.10.2.3"  { group = "A.10", title = "Controlling changes by third parties" }
control "A.10.3.1"  { group = "A.10", title = "Planning capacity" }
control "A.10.3.2"  { group = "A.10", title = "Acceptance criteria and tests" }
control "A.10.4.1"  { group = "A.10", title = "Defending against malicious code" }
control "A.10.4.2"  { group = "A.10", title = "Restricting mobile code" }
control "A.10.5.1"  { group = "A.10", title = "Backups and restore tests" }
control "A.10.6.1"  { group = "A.10", title = "Securing networks" }
control "A.10.6.2"  { group = "A.10", title = "Safeguards for network services" }
control "A.10.7.1"  { group = "A.10", title = "Removable media rules" }
control "A.10.7.2"  { group = "A.10", title = "Safe media disposal" }
control "A.10.7.3"  { group = "A.10", title = "Procedures for handling information" }
control "A.10.7.4"  { group = "A.10", title = "Protecting system documentation" }
control "A.10.8.1"  { group = "A.10", title = "Rules for exchanging information" }
control "A.10.8.2"  { group = "A.10", title = "Agreements for exchanges with others" }
control "A.10.8.3"  { group = "A.10", title = "Moving media between sites" }
control "A.10.8.4"  { group = "A.10", title = "Protecting e-mail and messaging" }
control "A.10.8.5"  { group = "A.10", title = "Linked business systems" }
control "A.10.9.1"  { group = "A.10", title = "Protecting online trading" }
control "A.10.9.2"  { group = "A.10", title = "Protecting online transactions" }
control "A.10.9.3"  { group = "A.10", title = "Integrity of published information" }
control "A.10.10.1" { group = "A.10", title = "Recording user and system activity" }
control "A.10.10.2" { group = "A.10", title = "Reviewing system use" }
control "A.10.10.3" { group = "A.10", title = "Tamper-proof logs" }
control "A.10.10.4" { group = "A.10", title = "Logging administrator actions" }
control "A.10.10.5" { group = "A.10", title = "Recording and acting on faults" }
control "A.10.10.6" { group = "A.10", title = "Common time source for clocks" }

control "A.11.1.1"  { group = "A.11", title = "Access rules" }
control "A.11.2.1"  { group = "A.11", title = "Registering and removing users" }
control "A.11.2.2"  { group = "A.11", title = "Restricting privileges" }
control "A.11.2.3"  { group = "A.11", title = "Issuing passwords" }
control "A.11.2.4"  { group = "A.11", title = "Periodic access review" }
control "A.11.3.1"  { group = "A.11", title = "Good password habits" }
control "A.11.3.2"  { group = "A.11", title = "Protecting unattended equipment" }
control "A.11.3.3"  { group = "A.11", title = "Tidy desks and locked screens" }
control "A.11.4.1"  { group = "A.11", title = "Authorised network services only" }
control "A.11.4.2"  { group = "A.11", title = "Authenticating remote users" }
control "A.11.4.3"  { group = "A.11", title = "Identifying devices on the network" }
control "A.11.4.4"  { group = "A.11", title = "Guarding diagnostic and configuration ports" }
control "A.11.4.5"  { group = "A.11", title = "Splitting networks into zones" }
control "A.11.4.6"  { group = "A.11", title = "Restricting network connections" }
control "A.11.4.7"  { group = "A.11", title = "Controlling network routing" }
control "A.11.5.1"  { group = "A.11", title = "Safe login" }
control "A.11.5.2"  { group = "A.11", title = "Unique IDs and authentication" }
control "A.11.5.3"  { group = "A.11", title = "Password quality enforcement" }
control "A.11.5.4"  { group = "A.11", title = "Restricting powerful utilities" }
control "A.11.5.5"  { group = "A.11", title = "Ending idle sessions" }
control "A.11.5.6"  { group = "A.11", title = "Limiting connection hours" }
control "A.11.6.1"  { group = "A.11", title = "Limiting access to information" }
control "A.11.6.2"  { group = "A.11", title = "Isolating sensitive systems" }
control "A.11.7.1"  { group = "A.11", title = "Rules for mobile computing" }
control "A.11.7.2"  { group = "A.11", title = "Working from remote sites" }

control "A.12.1.1"  { group = "A.12", title = "Security needs in system specifications" }
control "A.12.2.1"  { group = "A.12", title = "Checking input data" }
control "A.12.2.2"  { group = "A.12", title = "Detecting processing errors" }
control "A.12.2.3"  { group = "A.12", title = "Integrity of application messages" }
control "A.12.2.4"  { group = "A.12", title = "Checking output data" }
control "A.12.3.1"  { group = "A.12", title = "When and how to encrypt" }
control "A.12.3.2"  { group = "A.12", title = "Managing cryptographic keys" }
control "A.12.4.1"  { group = "A.12", title = "Controlling software installs in production" }
control "A.12.4.2"  { group = "A.12", title = "Choosing and protecting test data" }
control "A.12.4.3"  { group = "A.12", title = "Guarding source code" }
control "A.12.5.1"  { group = "A.12", title = "Change control in development" }
control "A.12.5.2"  { group = "A.12", title = "Re-testing apps after platform changes" }
control "A.12.5.3"  { group = "A.12", title = "Minimal changes to vendor packages" }
control "A.12.5.4"  { group = "A.12", title = "Preventing information leaks" }
control "A.12.5.5"  { group = "A.12", title = "Overseeing contracted development" }
control "A.12.6.1"  { group = "A.12", title = "Finding and fixing technical weaknesses" }

control "A.13.1.1"  { group = "A.13", title = "Reporting security events quickly" }
control "A.13.1.2"  { group = "A.13", title = "Reporting suspected weaknesses" }
control "A.13.2.1"  { group = "A.13", title = "Incident roles and procedures" }
control "A.13.2.2"  { group = "A.13", title = "Lessons from incidents" }
control "A.13.2.3"  { group = "A.13", title = "Preserving evidence" }

control "A.14.1.1"  { group = "A.14", title = "Security in the continuity process" }
control "A.14.1.2"  { group = "A.14", title = "Assessing disruption risks" }
control "A.14.1.3"  { group = "A.14", title = "Continuity plans that keep security" }
control "A.14.1.4"  { group = "A.14", title = "One framework for continuity plans" }
control "A.14.1.5"  { group = "A.14", title = "Testing and updating continuity plans" }

control "A.15.1.1"  { group = "A.15", title = "Knowing legal and contractual duties" }
control "A.15.1.2"  { group = "A.15", title = "Respecting intellectual property" }
control "A.15.1.3"  { group = "A.15", title = "Safeguarding records" }
control "A.15.1.4"  { group = "A.15", title = "Protecting personal data" }
control "A.15.1.5"  { group = "A.15", title = "Deterring misuse of facilities" }
control "A.15.1.6"  { group = "A.15", title = "Lawful use of encryption" }
control "A.15.2.1"  { group = "A.15", title = "Managers check compliance" }
control "A.15.2.2"  { group = "A.15", title = "Technical compliance checks" }
control "A.15.3.1"  { group = "A.15", title = "Limiting audit tests' impact on systems" }
control "A.15.3.2"  { group = "A.15", title = "Protecting audit tools" }
