-- ISO/IEC 27001:2022 Annex A: 93 controls in four themes (organisational
-- 5.1-5.37, people 6.1-6.8, physical 7.1-7.14, technological 8.1-8.34).
-- Ids and themes follow the standard's numbering. Titles are isms's own
-- short paraphrases, not the standard's wording: read the standard for
-- what each control requires (docs/controls.md).
control_catalog "iso27001-2022" {
  title = "ISO/IEC 27001:2022 Annex A",
  edition = "2022",
  reference = "ISO/IEC 27001:2022 Annex A; ids and themes as published, titles paraphrased",
}

control_group "A.5" { title = "Organisational" }
control_group "A.6" { title = "People" }
control_group "A.7" { title = "Physical" }
control_group "A.8" { title = "Technological" }

control "A.5.1"  { group = "A.5", title = "Security policies and their review" }
control "A.5.2"  { group = "A.5", title = "Assigning security roles" }
control "A.5.3"  { group = "A.5", title = "Separating conflicting duties" }
control "A.5.4"  { group = "A.5", title = "Managers enforce security rules" }
control "A.5.5"  { group = "A.5", title = "Liaison with authorities" }
control "A.5.6"  { group = "A.5", title = "Links with security forums and peers" }
control "A.5.7"  { group = "A.5", title = "Gathering and using threat information" }
control "A.5.8"  { group = "A.5", title = "Security built into projects" }
control "A.5.9"  { group = "A.5", title = "Asset inventory with owners" }
control "A.5.10" { group = "A.5", title = "Rules for using information and assets" }
control "A.5.11" { group = "A.5", title = "Handing back assets on leaving" }
control "A.5.12" { group = "A.5", title = "Classifying information by sensitivity" }
control "A.5.13" { group = "A.5", title = "Marking information with its class" }
control "A.5.14" { group = "A.5", title = "Rules for moving information" }
control "A.5.15" { group = "A.5", title = "Access rules based on business need" }
control "A.5.16" { group = "A.5", title = "Managing identities through their life" }
control "A.5.17" { group = "A.5", title = "Handling passwords and other secrets" }
control "A.5.18" { group = "A.5", title = "Granting, reviewing and revoking access" }
control "A.5.19" { group = "A.5", title = "Managing supplier security risk" }
control "A.5.20" { group = "A.5", title = "Security terms in supplier contracts" }
control "A.5.21" { group = "A.5", title = "Security across the ICT supply chain" }
control "A.5.22" { group = "A.5", title = "Watching and reviewing supplier services" }
control "A.5.23" { group = "A.5", title = "Adopting and leaving cloud services safely" }
control "A.5.24" { group = "A.5", title = "Preparing to handle incidents" }
control "A.5.25" { group = "A.5", title = "Triaging security events" }
control "A.5.26" { group = "A.5", title = "Responding to incidents" }
control "A.5.27" { group = "A.5", title = "Lessons from incidents" }
control "A.5.28" { group = "A.5", title = "Preserving evidence" }
control "A.5.29" { group = "A.5", title = "Keeping security during disruption" }
control "A.5.30" { group = "A.5", title = "ICT prepared for continuity" }
control "A.5.31" { group = "A.5", title = "Knowing legal and contractual duties" }
control "A.5.32" { group = "A.5", title = "Respecting intellectual property" }
control "A.5.33" { group = "A.5", title = "Safeguarding records" }
control "A.5.34" { group = "A.5", title = "Protecting personal data" }
control "A.5.35" { group = "A.5", title = "Independent security reviews" }
control "A.5.36" { group = "A.5", title = "Checking compliance with own rules" }
control "A.5.37" { group = "A.5", title = "Written operating procedures" }

control "A.6.1"  { group = "A.6", title = "Background checks before hiring" }
control "A.6.2"  { group = "A.6", title = "Security duties in employment contracts" }
control "A.6.3"  { group = "A.6", title = "Security awareness and training" }
control "A.6.4"  { group = "A.6", title = "Sanctions for security breaches" }
control "A.6.5"  { group = "A.6", title = "Duties that outlast employment" }
control "A.6.6"  { group = "A.6", title = "Non-disclosure undertakings" }
control "A.6.7"  { group = "A.6", title = "Working away from the premises" }
control "A.6.8"  { group = "A.6", title = "Staff report security events" }

control "A.7.1"  { group = "A.7", title = "Secure site boundaries" }
control "A.7.2"  { group = "A.7", title = "Controlling who enters" }
control "A.7.3"  { group = "A.7", title = "Protecting offices and rooms" }
control "A.7.4"  { group = "A.7", title = "Watching premises for intrusion" }
control "A.7.5"  { group = "A.7", title = "Guarding against natural and physical hazards" }
control "A.7.6"  { group = "A.7", title = "Rules inside secure areas" }
control "A.7.7"  { group = "A.7", title = "Tidy desks and locked screens" }
control "A.7.8"  { group = "A.7", title = "Placing and protecting equipment" }
control "A.7.9"  { group = "A.7", title = "Assets used off site" }
control "A.7.10" { group = "A.7", title = "Handling storage media" }
control "A.7.11" { group = "A.7", title = "Power and other utilities" }
control "A.7.12" { group = "A.7", title = "Protecting power and data cables" }
control "A.7.13" { group = "A.7", title = "Maintaining equipment" }
control "A.7.14" { group = "A.7", title = "Wiping equipment before disposal or reuse" }

control "A.8.1"  { group = "A.8", title = "Protecting user devices" }
control "A.8.2"  { group = "A.8", title = "Restricting privileged access" }
control "A.8.3"  { group = "A.8", title = "Limiting access to information" }
control "A.8.4"  { group = "A.8", title = "Guarding source code" }
control "A.8.5"  { group = "A.8", title = "Sound login and authentication" }
control "A.8.6"  { group = "A.8", title = "Planning capacity" }
control "A.8.7"  { group = "A.8", title = "Defending against malware" }
control "A.8.8"  { group = "A.8", title = "Finding and fixing technical weaknesses" }
control "A.8.9"  { group = "A.8", title = "Keeping configurations secure and tracked" }
control "A.8.10" { group = "A.8", title = "Deleting data no longer needed" }
control "A.8.11" { group = "A.8", title = "Masking sensitive data" }
control "A.8.12" { group = "A.8", title = "Stopping data leaks" }
control "A.8.13" { group = "A.8", title = "Backups and restore tests" }
control "A.8.14" { group = "A.8", title = "Redundant processing facilities" }
control "A.8.15" { group = "A.8", title = "Recording activity logs" }
control "A.8.16" { group = "A.8", title = "Watching for anomalous behaviour" }
control "A.8.17" { group = "A.8", title = "Common time source for clocks" }
control "A.8.18" { group = "A.8", title = "Restricting powerful utilities" }
control "A.8.19" { group = "A.8", title = "Controlling software installs in production" }
control "A.8.20" { group = "A.8", title = "Securing networks" }
control "A.8.21" { group = "A.8", title = "Safeguards for network services" }
control "A.8.22" { group = "A.8", title = "Splitting networks into zones" }
control "A.8.23" { group = "A.8", title = "Filtering web access" }
control "A.8.24" { group = "A.8", title = "Applying encryption and managing keys" }
control "A.8.25" { group = "A.8", title = "Security throughout development" }
control "A.8.26" { group = "A.8", title = "Security needs of applications" }
control "A.8.27" { group = "A.8", title = "Secure design principles" }
control "A.8.28" { group = "A.8", title = "Writing code securely" }
control "A.8.29" { group = "A.8", title = "Security tests before release" }
control "A.8.30" { group = "A.8", title = "Overseeing contracted development" }
control "A.8.31" { group = "A.8", title = "Keeping dev, test and live apart" }
control "A.8.32" { group = "A.8", title = "Controlling changes" }
control "A.8.33" { group = "A.8", title = "Choosing and protecting test data" }
control "A.8.34" { group = "A.8", title = "Limiting audit tests' impact on systems" }
