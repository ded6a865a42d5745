-- ISO/IEC 27001:2022 clauses 4-10, one node per requirement ("shall"),
-- numbered as the standard numbers them (sub-items as "6.1.2 c) 1)"),
-- and the Annex A controls of the shipped control catalog iso27001-2022
-- as assessable nodes under "A". Titles and texts are isms's own short
-- paraphrases, not the standard's wording, which is copyrighted: read the
-- standard for what each clause requires (docs/gap-analysis.md).
requirement_catalog "iso27001-2022" {
  title = "ISO/IEC 27001:2022 requirements (clauses 4-10 and Annex A)",
  standard = "ISO/IEC 27001", edition = "2022",
  annex_controls = "iso27001-2022",
  urn_prefix = "urn:intuitem:risk:req_node:iso27001-2022:",
}

requirement "4" { title = "Context of the organisation" }
requirement "4.1" { parent = "4", title = "Know the organisation and its context",
  text = "Find the internal and external issues that bear on the purpose of the ISMS and on what it must achieve." }
requirement "4.2" { parent = "4", title = "Interested parties and their expectations" }
requirement "4.2 a)" { parent = "4.2", title = "Name the interested parties that matter to the ISMS" }
requirement "4.2 b)" { parent = "4.2", title = "Know their security-relevant requirements" }
requirement "4.2 c)" { parent = "4.2", title = "Decide which of those requirements the ISMS will address" }
requirement "4.3" { parent = "4", title = "Scope of the ISMS",
  text = "Set the boundaries and applicability of the ISMS and keep the scope as documented information." }
requirement "4.3 a)" { parent = "4.3", title = "Scope considers the issues of 4.1" }
requirement "4.3 b)" { parent = "4.3", title = "Scope considers the requirements of 4.2" }
requirement "4.3 c)" { parent = "4.3", title = "Scope considers interfaces and dependencies with other organisations" }
requirement "4.4" { parent = "4", title = "Run the ISMS and its processes",
  text = "Establish, implement, maintain and continually improve the ISMS, including its processes and how they interact." }

requirement "5" { title = "Leadership" }
requirement "5.1" { parent = "5", title = "Top management shows leadership and commitment" }
requirement "5.1 a)" { parent = "5.1", title = "Policy and objectives set and fit the strategy" }
requirement "5.1 b)" { parent = "5.1", title = "ISMS built into business processes" }
requirement "5.1 c)" { parent = "5.1", title = "Resources for the ISMS are available" }
requirement "5.1 d)" { parent = "5.1", title = "Importance of security and of conformity communicated" }
requirement "5.1 e)" { parent = "5.1", title = "ISMS achieves its intended outcomes" }
requirement "5.1 f)" { parent = "5.1", title = "People directed and supported to contribute" }
requirement "5.1 g)" { parent = "5.1", title = "Continual improvement promoted" }
requirement "5.1 h)" { parent = "5.1", title = "Other managers supported in their own areas" }
requirement "5.2" { parent = "5", title = "Information security policy" }
requirement "5.2 a)" { parent = "5.2", title = "Policy fits the organisation's purpose" }
requirement "5.2 b)" { parent = "5.2", title = "Policy holds or frames the security objectives" }
requirement "5.2 c)" { parent = "5.2", title = "Policy commits to meeting applicable requirements" }
requirement "5.2 d)" { parent = "5.2", title = "Policy commits to continual improvement" }
requirement "5.2 e)" { parent = "5.2", title = "Policy available as documented information" }
requirement "5.2 f)" { parent = "5.2", title = "Policy communicated within the organisation" }
requirement "5.2 g)" { parent = "5.2", title = "Policy available to interested parties as appropriate" }
requirement "5.3" { parent = "5", title = "Roles, responsibilities and authorities assigned and communicated" }
requirement "5.3 a)" { parent = "5.3", title = "Someone ensures the ISMS conforms to the standard" }
requirement "5.3 b)" { parent = "5.3", title = "Someone reports ISMS performance to top management" }

requirement "6" { title = "Planning" }
requirement "6.1" { parent = "6", title = "Actions to address risks and opportunities" }
requirement "6.1.1" { parent = "6.1", title = "Plan for risks and opportunities",
  text = "Considering 4.1 and 4.2, find the risks and opportunities to address and plan actions, integrate them into ISMS processes and evaluate their effectiveness." }
requirement "6.1.2" { parent = "6.1", title = "Information security risk assessment process" }
requirement "6.1.2 a)" { parent = "6.1.2", title = "Risk criteria set and kept" }
requirement "6.1.2 a) 1)" { parent = "6.1.2 a)", title = "Risk acceptance criteria" }
requirement "6.1.2 a) 2)" { parent = "6.1.2 a)", title = "Criteria for performing risk assessments" }
requirement "6.1.2 b)" { parent = "6.1.2", title = "Repeated assessments give consistent, valid, comparable results" }
requirement "6.1.2 c)" { parent = "6.1.2", title = "Risks identified" }
requirement "6.1.2 c) 1)" { parent = "6.1.2 c)", title = "Risks of losing confidentiality, integrity and availability in scope" }
requirement "6.1.2 c) 2)" { parent = "6.1.2 c)", title = "Risk owners identified" }
requirement "6.1.2 d)" { parent = "6.1.2", title = "Risks analysed" }
requirement "6.1.2 d) 1)" { parent = "6.1.2 d)", title = "Consequences if the risks materialise" }
requirement "6.1.2 d) 2)" { parent = "6.1.2 d)", title = "Realistic likelihood of the risks" }
requirement "6.1.2 d) 3)" { parent = "6.1.2 d)", title = "Levels of risk determined" }
requirement "6.1.2 e)" { parent = "6.1.2", title = "Risks evaluated" }
requirement "6.1.2 e) 1)" { parent = "6.1.2 e)", title = "Results compared with the risk criteria" }
requirement "6.1.2 e) 2)" { parent = "6.1.2 e)", title = "Analysed risks prioritised for treatment" }
requirement "6.1.2 f)" { parent = "6.1.2", title = "Risk assessment process kept as documented information" }
requirement "6.1.3" { parent = "6.1", title = "Information security risk treatment process" }
requirement "6.1.3 a)" { parent = "6.1.3", title = "Treatment options chosen" }
requirement "6.1.3 b)" { parent = "6.1.3", title = "Controls needed for the options determined" }
requirement "6.1.3 c)" { parent = "6.1.3", title = "Controls compared with Annex A; none needed left out" }
requirement "6.1.3 d)" { parent = "6.1.3", title = "Statement of Applicability produced" }
requirement "6.1.3 e)" { parent = "6.1.3", title = "Risk treatment plan formulated" }
requirement "6.1.3 f)" { parent = "6.1.3", title = "Risk owners approve the plan and accept residual risks" }
requirement "6.1.3 g)" { parent = "6.1.3", title = "Risk treatment process kept as documented information" }
requirement "6.2" { parent = "6", title = "Information security objectives and planning to achieve them" }
requirement "6.2 a)" { parent = "6.2", title = "Objectives consistent with the policy" }
requirement "6.2 b)" { parent = "6.2", title = "Objectives measurable where practicable" }
requirement "6.2 c)" { parent = "6.2", title = "Objectives consider requirements and risk results" }
requirement "6.2 d)" { parent = "6.2", title = "Objectives monitored" }
requirement "6.2 e)" { parent = "6.2", title = "Objectives communicated" }
requirement "6.2 f)" { parent = "6.2", title = "Objectives updated as appropriate" }
requirement "6.2 g)" { parent = "6.2", title = "Objectives available as documented information" }
requirement "6.2 h)" { parent = "6.2", title = "Plan says what will be done" }
requirement "6.2 i)" { parent = "6.2", title = "Plan says what resources are needed" }
requirement "6.2 j)" { parent = "6.2", title = "Plan says who is responsible" }
requirement "6.2 k)" { parent = "6.2", title = "Plan says when it will be completed" }
requirement "6.2 l)" { parent = "6.2", title = "Plan says how results will be evaluated" }
requirement "6.3" { parent = "6", title = "Changes to the ISMS carried out in a planned way" }

requirement "7" { title = "Support" }
requirement "7.1" { parent = "7", title = "Resources for the ISMS determined and provided" }
requirement "7.2" { parent = "7", title = "Competence" }
requirement "7.2 a)" { parent = "7.2", title = "Competence needed for security work determined" }
requirement "7.2 b)" { parent = "7.2", title = "People competent by education, training or experience" }
requirement "7.2 c)" { parent = "7.2", title = "Actions taken to gain competence, and their effect evaluated" }
requirement "7.2 d)" { parent = "7.2", title = "Evidence of competence kept" }
requirement "7.3" { parent = "7", title = "Awareness" }
requirement "7.3 a)" { parent = "7.3", title = "People aware of the policy" }
requirement "7.3 b)" { parent = "7.3", title = "People aware of their contribution to the ISMS" }
requirement "7.3 c)" { parent = "7.3", title = "People aware of what nonconformity implies" }
requirement "7.4" { parent = "7", title = "Communication needs determined" }
requirement "7.4 a)" { parent = "7.4", title = "What to communicate" }
requirement "7.4 b)" { parent = "7.4", title = "When to communicate" }
requirement "7.4 c)" { parent = "7.4", title = "With whom to communicate" }
requirement "7.4 d)" { parent = "7.4", title = "How to communicate" }
requirement "7.5" { parent = "7", title = "Documented information" }
requirement "7.5.1" { parent = "7.5", title = "Documented information the ISMS needs" }
requirement "7.5.1 a)" { parent = "7.5.1", title = "What the standard requires" }
requirement "7.5.1 b)" { parent = "7.5.1", title = "What the organisation finds necessary" }
requirement "7.5.2" { parent = "7.5", title = "Creating and updating documents" }
requirement "7.5.2 a)" { parent = "7.5.2", title = "Identification and description" }
requirement "7.5.2 b)" { parent = "7.5.2", title = "Format and media" }
requirement "7.5.2 c)" { parent = "7.5.2", title = "Review and approval for suitability" }
requirement "7.5.3" { parent = "7.5", title = "Control of documented information" }
requirement "7.5.3 a)" { parent = "7.5.3", title = "Available and suitable where and when needed" }
requirement "7.5.3 b)" { parent = "7.5.3", title = "Adequately protected" }
requirement "7.5.3 c)" { parent = "7.5.3", title = "Distribution, access, retrieval and use" }
requirement "7.5.3 d)" { parent = "7.5.3", title = "Storage and preservation, legibility included" }
requirement "7.5.3 e)" { parent = "7.5.3", title = "Control of changes (versions)" }
requirement "7.5.3 f)" { parent = "7.5.3", title = "Retention and disposition" }

requirement "8" { title = "Operation" }
requirement "8.1" { parent = "8", title = "Operational planning and control",
  text = "Plan, run and control the processes needed, with criteria; keep evidence they ran as planned; control changes and externally provided processes." }
requirement "8.2" { parent = "8", title = "Risk assessments performed at planned intervals and on significant change, results kept" }
requirement "8.3" { parent = "8", title = "Risk treatment plan implemented, results kept" }

requirement "9" { title = "Performance evaluation" }
requirement "9.1" { parent = "9", title = "Monitoring, measurement, analysis and evaluation" }
requirement "9.1 a)" { parent = "9.1", title = "What is monitored and measured" }
requirement "9.1 b)" { parent = "9.1", title = "Methods that give comparable, reproducible results" }
requirement "9.1 c)" { parent = "9.1", title = "When to monitor and measure" }
requirement "9.1 d)" { parent = "9.1", title = "Who monitors and measures" }
requirement "9.1 e)" { parent = "9.1", title = "When results are analysed and evaluated" }
requirement "9.1 f)" { parent = "9.1", title = "Who analyses and evaluates them" }
requirement "9.2" { parent = "9", title = "Internal audit" }
requirement "9.2.1" { parent = "9.2", title = "Audits held at planned intervals" }
requirement "9.2.1 a)" { parent = "9.2.1", title = "The ISMS conforms to own requirements and the standard" }
requirement "9.2.1 b)" { parent = "9.2.1", title = "The ISMS is effectively implemented and maintained" }
requirement "9.2.2" { parent = "9.2", title = "Audit programme planned, set up and kept" }
requirement "9.2.2 a)" { parent = "9.2.2", title = "Criteria and scope of each audit" }
requirement "9.2.2 b)" { parent = "9.2.2", title = "Auditors objective and impartial" }
requirement "9.2.2 c)" { parent = "9.2.2", title = "Results reported to relevant management" }
requirement "9.3" { parent = "9", title = "Management review" }
requirement "9.3.1" { parent = "9.3", title = "Top management reviews the ISMS at planned intervals" }
requirement "9.3.2" { parent = "9.3", title = "Review inputs" }
requirement "9.3.2 a)" { parent = "9.3.2", title = "Status of actions from previous reviews" }
requirement "9.3.2 b)" { parent = "9.3.2", title = "Changes in external and internal issues" }
requirement "9.3.2 c)" { parent = "9.3.2", title = "Changes in interested parties' needs" }
requirement "9.3.2 d)" { parent = "9.3.2", title = "Feedback on security performance" }
requirement "9.3.2 d) 1)" { parent = "9.3.2 d)", title = "Nonconformities and corrective actions" }
requirement "9.3.2 d) 2)" { parent = "9.3.2 d)", title = "Monitoring and measurement results" }
requirement "9.3.2 d) 3)" { parent = "9.3.2 d)", title = "Audit results" }
requirement "9.3.2 d) 4)" { parent = "9.3.2 d)", title = "Fulfilment of security objectives" }
requirement "9.3.2 e)" { parent = "9.3.2", title = "Feedback from interested parties" }
requirement "9.3.2 f)" { parent = "9.3.2", title = "Risk assessment results and treatment plan status" }
requirement "9.3.2 g)" { parent = "9.3.2", title = "Opportunities for continual improvement" }
requirement "9.3.3" { parent = "9.3", title = "Review results: improvement decisions and changes, kept as evidence" }

requirement "10" { title = "Improvement" }
requirement "10.1" { parent = "10", title = "Continual improvement of the ISMS" }
requirement "10.2" { parent = "10", title = "Nonconformity and corrective action" }
requirement "10.2 a)" { parent = "10.2", title = "React: control, correct, deal with consequences" }
requirement "10.2 b)" { parent = "10.2", title = "Evaluate the need to remove causes" }
requirement "10.2 c)" { parent = "10.2", title = "Implement the actions needed" }
requirement "10.2 d)" { parent = "10.2", title = "Review the effectiveness of corrective actions" }
requirement "10.2 e)" { parent = "10.2", title = "Change the ISMS if necessary" }
requirement "10.2 f)" { parent = "10.2", title = "Keep evidence of nonconformities and actions taken" }
requirement "10.2 g)" { parent = "10.2", title = "Keep evidence of the results of corrective actions" }
