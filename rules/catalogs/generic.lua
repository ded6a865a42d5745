-- A generic catalog of threats and vulnerabilities.
--
-- The national ISMS guideline (2013), section 6.2 c, asks for threats to be
-- identified by generic class first (e.g. unauthorised actions, physical
-- damage, technical failures) and then, where useful, as specific threats
-- within the class, so that none is overlooked; it points to ISO/IEC
-- 27005:2011 Annex C for the classes and Annex D for vulnerabilities. The
-- eight classes below are those of Annex C; the threats and
-- vulnerabilities are typical examples, titled in our own words, with a
-- few current ones (malware, denial of service, social engineering,
-- supplier failure) added to the classic list.
--
-- Asset types (applies_to): information, software, physical, service,
-- people, intangible. Risk categories (6.2 e): management, operational,
-- reputation, governance, project. Impact kinds (6.2 d): repair,
-- time_loss, opportunity, health_safety, skills_cost, reputation.
-- A vulnerability's applies_to narrows the asset types it is paired with;
-- without one it takes the threat's.

catalog "generic" { title = "Generic threats and vulnerabilities (ISO/IEC 27005 Annex C style)" }

-- ----------------------------------------------------------------- classes

threat_class "physical" { title = "Physical damage" }
threat_class "natural" { title = "Natural events" }
threat_class "essential-services" { title = "Loss of essential services" }
threat_class "radiation" { title = "Disturbance due to radiation" }
threat_class "compromise-information" { title = "Compromise of information" }
threat_class "technical" { title = "Technical failures" }
threat_class "unauthorised" { title = "Unauthorised actions" }
threat_class "compromise-functions" { title = "Compromise of functions" }

-- ----------------------------------------------------------------- threats

-- Physical damage
threat "T-FIRE" {
  class = "physical", title = "Fire",
  applies_to = { "physical", "information", "service", "people" },
  vulnerabilities = { "V-NO-FIRE-DETECTION", "V-COMBUSTIBLES", "V-NO-BACKUP", "V-NO-BCP" },
  category = "operational", impacts = { "repair", "time_loss", "health_safety" },
}
threat "T-WATER" {
  class = "physical", title = "Water damage (leaks, burst pipes, sprinklers)",
  applies_to = { "physical", "information", "service" },
  vulnerabilities = { "V-WATER-EXPOSED", "V-NO-ENV-MONITORING", "V-NO-BACKUP" },
  category = "operational", impacts = { "repair", "time_loss" },
}
threat "T-POLLUTION" {
  class = "physical", title = "Pollution or hazardous substances",
  applies_to = { "physical", "people" },
  vulnerabilities = { "V-ENV-SENSITIVE", "V-NO-BCP" },
  category = "operational", impacts = { "health_safety", "time_loss" },
}
threat "T-MAJOR-ACCIDENT" {
  class = "physical", title = "Major accident (explosion, building collapse, vehicle impact)",
  applies_to = { "physical", "service", "people" },
  vulnerabilities = { "V-NO-BCP", "V-SINGLE-SITE", "V-KEY-PERSON" },
  category = "operational", impacts = { "repair", "time_loss", "health_safety" },
}
threat "T-DESTRUCTION" {
  class = "physical", title = "Destruction of equipment or media",
  applies_to = { "physical", "information" },
  vulnerabilities = { "V-NO-PHYSICAL-ACCESS", "V-UNPROTECTED-MEDIA", "V-NO-BACKUP" },
  category = "operational", impacts = { "repair", "time_loss" },
}
threat "T-ENV-DAMAGE" {
  class = "physical", title = "Dust, corrosion, heat or freezing",
  applies_to = { "physical" },
  vulnerabilities = { "V-ENV-SENSITIVE", "V-NO-ENV-MONITORING", "V-NO-MAINTENANCE" },
  category = "operational", impacts = { "repair" },
}

-- Natural events
threat "T-CLIMATE" {
  class = "natural", title = "Extreme climate (heat wave, drought, cold spell)",
  applies_to = { "physical", "service", "people" },
  vulnerabilities = { "V-NO-ENV-MONITORING", "V-NO-BCP" },
  category = "operational", impacts = { "time_loss", "health_safety" },
}
threat "T-EARTHQUAKE" {
  class = "natural", title = "Earthquake or other seismic event",
  applies_to = { "physical", "information", "service", "people" },
  vulnerabilities = { "V-EXPOSED-SITE", "V-SINGLE-SITE", "V-NO-BCP", "V-NO-OFFSITE-BACKUP" },
  category = "operational", impacts = { "repair", "time_loss", "health_safety" },
}
threat "T-VOLCANO" {
  class = "natural", title = "Volcanic activity",
  applies_to = { "physical", "service", "people" },
  vulnerabilities = { "V-EXPOSED-SITE", "V-SINGLE-SITE", "V-NO-BCP" },
  category = "operational", impacts = { "repair", "time_loss", "health_safety" },
}
threat "T-STORM" {
  class = "natural", title = "Storm, lightning or high wind",
  applies_to = { "physical", "service" },
  vulnerabilities = { "V-NO-SURGE-PROTECTION", "V-EXPOSED-SITE", "V-NO-BCP" },
  category = "operational", impacts = { "repair", "time_loss" },
}
threat "T-FLOOD" {
  class = "natural", title = "Flood",
  applies_to = { "physical", "information", "service", "people" },
  vulnerabilities = { "V-EXPOSED-SITE", "V-WATER-EXPOSED", "V-NO-OFFSITE-BACKUP", "V-NO-BCP" },
  category = "operational", impacts = { "repair", "time_loss", "health_safety" },
}
threat "T-PANDEMIC" {
  class = "natural", title = "Epidemic or pandemic",
  applies_to = { "people", "service" },
  vulnerabilities = { "V-KEY-PERSON", "V-NO-REMOTE-WORK", "V-NO-BCP" },
  category = "management", impacts = { "time_loss", "health_safety", "opportunity" },
}

-- Loss of essential services
threat "T-HVAC-FAILURE" {
  class = "essential-services", title = "Failure of air conditioning or cooling",
  applies_to = { "physical", "service" },
  vulnerabilities = { "V-NO-ENV-MONITORING", "V-NO-REDUNDANCY", "V-NO-MAINTENANCE" },
  category = "operational", impacts = { "repair", "time_loss" },
}
threat "T-POWER-LOSS" {
  class = "essential-services", title = "Loss of power supply",
  applies_to = { "physical", "service", "software" },
  vulnerabilities = { "V-NO-UPS", "V-NO-REDUNDANCY", "V-NO-BCP" },
  category = "operational", impacts = { "time_loss", "repair" },
}
threat "T-TELECOM-FAILURE" {
  class = "essential-services", title = "Failure of telecommunication links or equipment",
  applies_to = { "service", "physical" },
  vulnerabilities = { "V-SINGLE-LINK", "V-NO-SUPPLIER-SLA", "V-NO-BCP" },
  category = "operational", impacts = { "time_loss", "opportunity" },
}
threat "T-SUPPLIER-FAILURE" {
  class = "essential-services", title = "Failure or withdrawal of a supplier or outsourced service",
  applies_to = { "service", "software", "information" },
  vulnerabilities = { "V-NO-SUPPLIER-SLA", "V-SUPPLIER-LOCK-IN", "V-NO-BCP" },
  category = "governance", impacts = { "time_loss", "opportunity", "skills_cost" },
}

-- Disturbance due to radiation
threat "T-EM-RADIATION" {
  class = "radiation", title = "Electromagnetic radiation or interference",
  applies_to = { "physical", "service" },
  vulnerabilities = { "V-EMI-SENSITIVE", "V-NO-SHIELDING" },
  category = "operational", impacts = { "repair", "time_loss" },
}
threat "T-THERMAL-RADIATION" {
  class = "radiation", title = "Thermal radiation",
  applies_to = { "physical", "people" },
  vulnerabilities = { "V-ENV-SENSITIVE", "V-NO-ENV-MONITORING" },
  category = "operational", impacts = { "repair", "health_safety" },
}
threat "T-EM-PULSE" {
  class = "radiation", title = "Electromagnetic pulse",
  applies_to = { "physical", "information" },
  vulnerabilities = { "V-NO-SHIELDING", "V-NO-SURGE-PROTECTION", "V-NO-OFFSITE-BACKUP" },
  category = "operational", impacts = { "repair", "time_loss" },
}

-- Compromise of information
threat "T-EMANATION" {
  class = "compromise-information", title = "Interception of compromising emanations",
  applies_to = { "information", "physical" },
  vulnerabilities = { "V-NO-SHIELDING", "V-NO-CLASSIFICATION" },
  category = "operational", impacts = { "reputation", "opportunity" },
}
threat "T-REMOTE-SPYING" {
  class = "compromise-information", title = "Remote spying or surveillance",
  applies_to = { "information", "people" },
  vulnerabilities = { "V-NO-CLEAR-DESK", "V-NO-AWARENESS", "V-NO-ENCRYPTION" },
  category = "operational", impacts = { "reputation", "opportunity" },
}
threat "T-EAVESDROPPING" {
  class = "compromise-information", title = "Eavesdropping on conversations or network traffic",
  applies_to = { "information", "service", "people" },
  vulnerabilities = { "V-NO-ENCRYPTION", "V-UNPROTECTED-LINES", "V-NO-AWARENESS" },
  category = "operational", impacts = { "reputation", "opportunity" },
}
threat "T-MEDIA-THEFT" {
  class = "compromise-information", title = "Theft of media or documents",
  applies_to = { "information", "physical" },
  vulnerabilities = { "V-UNPROTECTED-MEDIA", "V-NO-CLEAR-DESK", "V-NO-ENCRYPTION", "V-NO-PHYSICAL-ACCESS" },
  category = "operational", impacts = { "reputation", "opportunity", "repair" },
}
threat "T-EQUIPMENT-THEFT" {
  class = "compromise-information", title = "Theft of equipment (laptops, phones, servers)",
  applies_to = { "physical", "information" },
  vulnerabilities = { "V-NO-PHYSICAL-ACCESS", "V-OFFSITE-UNPROTECTED", "V-NO-ENCRYPTION",
                      "V-NO-ASSET-INVENTORY" },
  category = "operational", impacts = { "repair", "time_loss", "reputation" },
}
threat "T-DISCARDED-MEDIA" {
  class = "compromise-information", title = "Recovery of data from recycled or discarded media",
  applies_to = { "information", "physical" },
  vulnerabilities = { "V-NO-SECURE-DISPOSAL", "V-NO-CLASSIFICATION" },
  category = "operational", impacts = { "reputation" },
}
threat "T-DISCLOSURE" {
  class = "compromise-information", title = "Disclosure of confidential information",
  applies_to = { "information", "intangible", "people" },
  vulnerabilities = { "V-NO-CLASSIFICATION", "V-NO-NDA", "V-NO-AWARENESS", "V-EXCESS-ACCESS", "V-NO-DLP" },
  category = "reputation", impacts = { "reputation", "opportunity" },
}
threat "T-UNTRUSTED-DATA" {
  class = "compromise-information", title = "Data from untrustworthy sources",
  applies_to = { "information", "software" },
  vulnerabilities = { "V-NO-INPUT-VALIDATION", "V-NO-SOURCE-VERIFICATION" },
  category = "operational", impacts = { "repair", "time_loss" },
}
threat "T-HARDWARE-TAMPERING" {
  class = "compromise-information", title = "Tampering with hardware",
  applies_to = { "physical" },
  vulnerabilities = { "V-NO-PHYSICAL-ACCESS", "V-NO-TAMPER-EVIDENCE", "V-UNSUPERVISED-EXTERNAL" },
  category = "operational", impacts = { "repair", "skills_cost" },
}
threat "T-SOFTWARE-TAMPERING" {
  class = "compromise-information", title = "Tampering with software",
  applies_to = { "software" },
  vulnerabilities = { "V-NO-CHANGE-CONTROL", "V-NO-INTEGRITY-CHECK", "V-EXCESS-ACCESS" },
  category = "operational", impacts = { "repair", "skills_cost", "time_loss" },
}
threat "T-POSITION-DETECTION" {
  class = "compromise-information", title = "Tracking the location of people or equipment",
  applies_to = { "people", "physical" },
  vulnerabilities = { "V-LOCATION-TRACKING", "V-NO-AWARENESS" },
  category = "operational", impacts = { "health_safety", "reputation" },
}
threat "T-SOCIAL-ENGINEERING" {
  class = "compromise-information", title = "Social engineering and phishing",
  applies_to = { "people", "information", "intangible" },
  vulnerabilities = { "V-NO-AWARENESS", "V-NO-MFA", "V-NO-VERIFICATION-PROCESS" },
  category = "operational", impacts = { "reputation", "repair", "opportunity" },
}

-- Technical failures
threat "T-EQUIPMENT-FAILURE" {
  class = "technical", title = "Equipment failure",
  applies_to = { "physical", "service" },
  vulnerabilities = { "V-NO-MAINTENANCE", "V-NO-REDUNDANCY", "V-END-OF-LIFE", "V-NO-BACKUP" },
  category = "operational", impacts = { "repair", "time_loss", "skills_cost" },
}
threat "T-EQUIPMENT-MALFUNCTION" {
  class = "technical", title = "Equipment malfunction",
  applies_to = { "physical" },
  vulnerabilities = { "V-NO-MAINTENANCE", "V-ENV-SENSITIVE", "V-NO-CONFIG-CONTROL" },
  category = "operational", impacts = { "repair", "time_loss" },
}
threat "T-SATURATION" {
  class = "technical", title = "Saturation of the information system (capacity exhausted)",
  applies_to = { "service", "software", "physical" },
  vulnerabilities = { "V-NO-CAPACITY-MONITORING", "V-NO-REDUNDANCY" },
  category = "operational", impacts = { "time_loss", "opportunity" },
}
threat "T-SOFTWARE-MALFUNCTION" {
  class = "technical", title = "Software malfunction",
  applies_to = { "software", "service", "information" },
  vulnerabilities = { "V-NO-TESTING", "V-IMMATURE-SOFTWARE", "V-NO-CHANGE-CONTROL", "V-NO-BACKUP" },
  category = "operational", impacts = { "repair", "time_loss" },
}
threat "T-MAINTAINABILITY" {
  class = "technical", title = "Loss of maintainability of the information system",
  applies_to = { "software", "service" },
  vulnerabilities = { "V-NO-DOCUMENTATION", "V-END-OF-LIFE", "V-KEY-PERSON", "V-SUPPLIER-LOCK-IN" },
  category = "project", impacts = { "skills_cost", "time_loss" },
}

-- Unauthorised actions
threat "T-UNAUTHORISED-USE" {
  class = "unauthorised", title = "Unauthorised use of equipment or services",
  applies_to = { "physical", "service", "software" },
  vulnerabilities = { "V-NO-PHYSICAL-ACCESS", "V-WEAK-PASSWORDS", "V-NO-LOGOUT", "V-NO-ACCEPTABLE-USE" },
  category = "operational", impacts = { "repair", "reputation" },
}
threat "T-SOFTWARE-PIRACY" {
  class = "unauthorised", title = "Fraudulent copying of software or other intellectual property",
  applies_to = { "software", "intangible" },
  vulnerabilities = { "V-NO-LICENCE-MANAGEMENT", "V-UNCONTROLLED-COPYING", "V-NO-DLP" },
  category = "governance", impacts = { "opportunity", "reputation" },
}
threat "T-COUNTERFEIT-SOFTWARE" {
  class = "unauthorised", title = "Use of counterfeit or unlicensed software",
  applies_to = { "software" },
  vulnerabilities = { "V-NO-LICENCE-MANAGEMENT", "V-UNCONTROLLED-INSTALL" },
  category = "governance", impacts = { "reputation", "repair" },
}
threat "T-DATA-CORRUPTION" {
  class = "unauthorised", title = "Corruption of data",
  applies_to = { "information", "software" },
  vulnerabilities = { "V-EXCESS-ACCESS", "V-NO-INPUT-VALIDATION", "V-NO-BACKUP", "V-NO-AUDIT-TRAIL" },
  category = "operational", impacts = { "repair", "time_loss" },
}
threat "T-ILLEGAL-PROCESSING" {
  class = "unauthorised", title = "Unlawful processing of personal or regulated data",
  applies_to = { "information", "intangible" },
  vulnerabilities = { "V-UNKNOWN-OBLIGATIONS", "V-NO-CLASSIFICATION", "V-NO-DATA-RETENTION" },
  category = "governance", impacts = { "reputation", "opportunity" },
}
threat "T-MALWARE" {
  class = "unauthorised", title = "Malware, including ransomware",
  applies_to = { "software", "information", "service" },
  vulnerabilities = { "V-NO-ANTIMALWARE", "V-UNPATCHED", "V-UNCONTROLLED-INSTALL", "V-NO-OFFSITE-BACKUP",
                      "V-FLAT-NETWORK", "V-NO-AWARENESS" },
  category = "operational", impacts = { "repair", "time_loss", "reputation", "skills_cost" },
}
threat "T-INTRUSION" {
  class = "unauthorised", title = "Intrusion into systems or networks (hacking)",
  applies_to = { "software", "service", "information" },
  vulnerabilities = { "V-UNPATCHED", "V-WEAK-PASSWORDS", "V-NO-MFA", "V-UNNECESSARY-SERVICES",
                      "V-WEAK-REMOTE-ACCESS", "V-NO-MONITORING" },
  category = "operational", impacts = { "repair", "reputation", "skills_cost" },
}
threat "T-DOS-ATTACK" {
  class = "unauthorised", title = "Denial-of-service attack",
  applies_to = { "service", "software" },
  vulnerabilities = { "V-NO-DOS-PROTECTION", "V-NO-CAPACITY-MONITORING", "V-SINGLE-LINK" },
  category = "operational", impacts = { "time_loss", "opportunity", "reputation" },
}

-- Compromise of functions
threat "T-ERROR-IN-USE" {
  class = "compromise-functions", title = "Error in use (mistakes by users or operators)",
  applies_to = { "people", "software", "information", "service" },
  vulnerabilities = { "V-NO-AWARENESS", "V-NO-DOCUMENTATION", "V-COMPLEX-INTERFACE", "V-NO-BACKUP" },
  category = "operational", impacts = { "repair", "time_loss" },
}
threat "T-ABUSE-OF-RIGHTS" {
  class = "compromise-functions", title = "Abuse of rights by an authorised user",
  applies_to = { "information", "software", "service", "people" },
  vulnerabilities = { "V-EXCESS-ACCESS", "V-NO-SEGREGATION", "V-NO-AUDIT-TRAIL", "V-NO-LEAVER-PROCESS" },
  category = "management", impacts = { "repair", "reputation" },
}
threat "T-FORGED-RIGHTS" {
  class = "compromise-functions", title = "Forging of rights (impersonation, stolen credentials)",
  applies_to = { "information", "software", "service" },
  vulnerabilities = { "V-WEAK-PASSWORDS", "V-NO-MFA", "V-NO-LEAVER-PROCESS", "V-NO-AUDIT-TRAIL" },
  category = "operational", impacts = { "repair", "reputation" },
}
threat "T-REPUDIATION" {
  class = "compromise-functions", title = "Denial of actions (repudiation)",
  applies_to = { "information", "service", "intangible" },
  vulnerabilities = { "V-NO-NON-REPUDIATION", "V-NO-AUDIT-TRAIL" },
  category = "governance", impacts = { "opportunity", "reputation" },
}
threat "T-STAFF-UNAVAILABLE" {
  class = "compromise-functions", title = "Breach of personnel availability (absence, strike, departure)",
  applies_to = { "people", "service" },
  vulnerabilities = { "V-KEY-PERSON", "V-NO-DOCUMENTATION", "V-NO-BCP" },
  category = "management", impacts = { "time_loss", "skills_cost", "opportunity" },
}
threat "T-REPUTATION-ATTACK" {
  class = "compromise-functions", title = "Damage to reputation through public statements or leaks",
  applies_to = { "intangible" },
  vulnerabilities = { "V-NO-COMMS-POLICY", "V-NO-INCIDENT-PROCESS" },
  category = "reputation", impacts = { "reputation", "opportunity" },
}

-- ---------------------------------------------------------- vulnerabilities

-- Physical and environmental
vulnerability "V-NO-FIRE-DETECTION" {
  title = "No fire detection or suppression",
  applies_to = { "physical", "information", "service", "people" },
}
vulnerability "V-COMBUSTIBLES" {
  title = "Combustible material stored near equipment",
  applies_to = { "physical" },
}
vulnerability "V-WATER-EXPOSED" {
  title = "Equipment or records below or near water pipes, or at ground level",
  applies_to = { "physical", "information" },
}
vulnerability "V-ENV-SENSITIVE" {
  title = "Equipment sensitive to heat, humidity, dust or contamination",
  applies_to = { "physical", "people" },
}
vulnerability "V-NO-ENV-MONITORING" {
  title = "Temperature, humidity and leaks not monitored", applies_to = { "physical", "service", "people" },
}
vulnerability "V-EXPOSED-SITE" { title = "Site in an area exposed to floods, earthquakes or storms" }
vulnerability "V-SINGLE-SITE" { title = "All operations at a single site; no alternate site" }
vulnerability "V-NO-PHYSICAL-ACCESS" { title = "Weak physical access control to premises or equipment" }
vulnerability "V-UNPROTECTED-MEDIA" {
  title = "Storage media and documents kept without protection", applies_to = { "information", "physical" },
}
vulnerability "V-NO-CLEAR-DESK" {
  title = "No clear desk and clear screen practice", applies_to = { "information", "people", "physical" },
}
vulnerability "V-OFFSITE-UNPROTECTED" {
  title = "Equipment used off the premises without protection", applies_to = { "physical" },
}
vulnerability "V-NO-SECURE-DISPOSAL" {
  title = "Media disposed of or reused without secure erasure", applies_to = { "information", "physical" },
}
vulnerability "V-NO-TAMPER-EVIDENCE" {
  title = "No seals or checks that would reveal tampering with equipment", applies_to = { "physical" },
}
vulnerability "V-NO-SHIELDING" {
  title = "Equipment and cabling not shielded against electromagnetic effects",
  applies_to = { "physical", "information" },
}
vulnerability "V-EMI-SENSITIVE" {
  title = "Equipment susceptible to electromagnetic interference", applies_to = { "physical", "service" },
}

-- Power, cooling and communications
vulnerability "V-NO-UPS" { title = "No uninterruptible or standby power supply" }
vulnerability "V-NO-SURGE-PROTECTION" {
  title = "No surge or lightning protection", applies_to = { "physical", "service" },
}
vulnerability "V-NO-REDUNDANCY" { title = "Single point of failure; no redundant component" }
vulnerability "V-SINGLE-LINK" {
  title = "Single communications link or provider",
  applies_to = { "service", "physical", "software" },
}
vulnerability "V-UNPROTECTED-LINES" {
  title = "Unprotected communication lines or cabling",
  applies_to = { "information", "service", "physical" },
}
vulnerability "V-NO-CAPACITY-MONITORING" { title = "Capacity not monitored or planned" }
vulnerability "V-NO-DOS-PROTECTION" {
  title = "No protection against traffic floods",
  applies_to = { "service", "software" },
}

-- Hardware and software
vulnerability "V-NO-MAINTENANCE" {
  title = "Insufficient or irregular maintenance",
  applies_to = { "physical", "service" },
}
vulnerability "V-END-OF-LIFE" { title = "Hardware or software past the end of vendor support" }
vulnerability "V-NO-CONFIG-CONTROL" {
  title = "No control of configuration changes",
  applies_to = { "physical", "software" },
}
vulnerability "V-NO-TESTING" {
  title = "Software not tested, or tested insufficiently",
  applies_to = { "software", "service" },
}
vulnerability "V-IMMATURE-SOFTWARE" {
  title = "New or immature software",
  applies_to = { "software", "service" },
}
vulnerability "V-NO-CHANGE-CONTROL" {
  title = "No effective change control",
  applies_to = { "software", "service" },
}
vulnerability "V-UNPATCHED" {
  title = "Known security flaws left unpatched",
  applies_to = { "software", "service", "information" },
}
vulnerability "V-UNNECESSARY-SERVICES" {
  title = "Unnecessary services or ports enabled",
  applies_to = { "software", "service" },
}
vulnerability "V-NO-ANTIMALWARE" {
  title = "No or outdated malware protection",
  applies_to = { "software", "information", "service" },
}
vulnerability "V-UNCONTROLLED-INSTALL" {
  title = "Users can download and install software freely",
  applies_to = { "software", "information", "service" },
}
vulnerability "V-NO-INPUT-VALIDATION" {
  title = "Input data not validated",
  applies_to = { "software", "information" },
}
vulnerability "V-NO-INTEGRITY-CHECK" {
  title = "No integrity check of programs or updates",
  applies_to = { "software" },
}
vulnerability "V-COMPLEX-INTERFACE" {
  title = "Complicated or error-prone user interface",
  applies_to = { "software", "people" },
}
vulnerability "V-NO-LICENCE-MANAGEMENT" {
  title = "Software licences not tracked",
  applies_to = { "software", "intangible" },
}
vulnerability "V-NO-DOCUMENTATION" { title = "Missing or outdated documentation" }
vulnerability "V-SUPPLIER-LOCK-IN" { title = "Dependence on a single supplier with no exit plan" }

-- Access, identity and network
vulnerability "V-WEAK-PASSWORDS" { title = "Weak password management" }
vulnerability "V-NO-MFA" { title = "No multi-factor authentication for remote or privileged access" }
vulnerability "V-NO-LOGOUT" {
  title = "No session time-out or screen lock",
  applies_to = { "software", "service", "physical" },
}
vulnerability "V-EXCESS-ACCESS" { title = "Access rights broader than needed, or wrongly granted" }
vulnerability "V-NO-LEAVER-PROCESS" { title = "Access not removed when staff leave or change role" }
vulnerability "V-NO-SEGREGATION" { title = "No segregation of duties" }
vulnerability "V-NO-AUDIT-TRAIL" { title = "No audit trail of user and administrator actions" }
vulnerability "V-NO-MONITORING" { title = "Systems and networks not monitored for security events" }
vulnerability "V-NO-ENCRYPTION" {
  title = "Sensitive data stored or sent without encryption",
  applies_to = { "information", "physical", "service" },
}
vulnerability "V-FLAT-NETWORK" {
  title = "Network not segmented",
  applies_to = { "service", "software", "information" },
}
vulnerability "V-WEAK-REMOTE-ACCESS" {
  title = "Insecure remote access",
  applies_to = { "service", "software", "information" },
}
vulnerability "V-NO-NON-REPUDIATION" { title = "No proof of sending, receiving or approving" }
vulnerability "V-UNCONTROLLED-COPYING" { title = "Copying of data and software not controlled" }
vulnerability "V-NO-DLP" { title = "Outgoing data not monitored or restricted" }
vulnerability "V-LOCATION-TRACKING" {
  title = "Location services or trackers enabled without need", applies_to = { "people", "physical" },
}

-- Information and backups
vulnerability "V-NO-BACKUP" { title = "No backup, or backups not tested" }
vulnerability "V-NO-OFFSITE-BACKUP" { title = "No offline or off-site copy of backups" }
vulnerability "V-NO-CLASSIFICATION" { title = "Information not classified or labelled" }
vulnerability "V-NO-DATA-RETENTION" {
  title = "No retention and deletion rules for personal data",
  applies_to = { "information" },
}
vulnerability "V-NO-SOURCE-VERIFICATION" {
  title = "Origin of received data not verified",
  applies_to = { "information", "software" },
}

-- People and organisation
vulnerability "V-NO-AWARENESS" { title = "Insufficient security awareness and training" }
vulnerability "V-NO-VERIFICATION-PROCESS" {
  title = "Requests for payments, data or access not verified through a second channel",
}
vulnerability "V-KEY-PERSON" { title = "Key knowledge held by one person; no deputy" }
vulnerability "V-NO-REMOTE-WORK" {
  title = "No arrangements for working away from the office",
  applies_to = { "people", "service" },
}
vulnerability "V-UNSUPERVISED-EXTERNAL" { title = "Work by external or cleaning staff not supervised" }
vulnerability "V-NO-ACCEPTABLE-USE" { title = "No rules for acceptable use of equipment and services" }
vulnerability "V-NO-NDA" { title = "No confidentiality agreements with staff or third parties" }
vulnerability "V-NO-ASSET-INVENTORY" { title = "No up-to-date asset inventory with owners" }
vulnerability "V-NO-SUPPLIER-SLA" { title = "Security and service levels missing from supplier contracts" }
vulnerability "V-NO-BCP" { title = "No tested business continuity plan" }
vulnerability "V-NO-INCIDENT-PROCESS" { title = "No incident management process" }
vulnerability "V-UNKNOWN-OBLIGATIONS" {
  title = "Legal, regulatory and contractual requirements not identified",
}
vulnerability "V-NO-COMMS-POLICY" {
  title = "No policy for public statements and social media",
  applies_to = { "intangible", "people" },
}
