-- ISO/IEC 27001:2013 clauses 4-10, one node per requirement ("shall"),
-- numbered as the standard numbers them, and the Annex A controls of the
-- shipped control catalog iso27001-2013 as assessable nodes under "A".
-- Titles are isms's own short paraphrases, not the standard's wording.
requirement_catalog "iso27001-2013" {
  title = "ISO/IEC 27001:2013 requirements (clauses 4-10 and Annex A)",
  standard = "ISO/IEC 27001", edition = "2013",
  annex_controls = "iso27001-2013",
  urn_prefix = "urn:intuitem:risk:req_node:iso27001-2013:",
}

requirement "4" { title = "Context of the organisation" }
requirement "4.1" { parent = "4", title = "Know the organisation and its context" }
requirement "4.2" { parent = "4", title = "Interested parties and their requirements" }
requirement "4.2 a)" { parent = "4.2", title = "Interested parties relevant to the ISMS" }
requirement "4.2 b)" { parent = "4.2", title = "Their security-relevant requirements" }
requirement "4.3" { parent = "4", title = "Scope of the ISMS, kept as documented information" }
requirement "4.3 a)" { parent = "4.3", title = "Scope considers the issues of 4.1" }
requirement "4.3 b)" { parent = "4.3", title = "Scope considers the requirements of 4.2" }
requirement "4.3 c)" { parent = "4.3", title = "Scope considers interfaces and dependencies" }
requirement "4.4" { parent = "4", title = "Establish, run and improve the ISMS" }

requirement "5" { title = "Leadership" }
requirement "5.1" { parent = "5", title = "Leadership and commitment" }
requirement "5.1 a)" { parent = "5.1", title = "Policy and objectives fit the strategy" }
requirement "5.1 b)" { parent = "5.1", title = "ISMS built into business processes" }
requirement "5.1 c)" { parent = "5.1", title = "Resources available" }
requirement "5.1 d)" { parent = "5.1", title = "Importance communicated" }
requirement "5.1 e)" { parent = "5.1", title = "Intended outcomes achieved" }
requirement "5.1 f)" { parent = "5.1", title = "People directed and supported" }
requirement "5.1 g)" { parent = "5.1", title = "Continual improvement promoted" }
requirement "5.1 h)" { parent = "5.1", title = "Other managers supported" }
requirement "5.2" { parent = "5", title = "Policy" }
requirement "5.2 a)" { parent = "5.2", title = "Fits the organisation's purpose" }
requirement "5.2 b)" { parent = "5.2", title = "Holds or frames objectives" }
requirement "5.2 c)" { parent = "5.2", title = "Commits to meeting requirements" }
requirement "5.2 d)" { parent = "5.2", title = "Commits to continual improvement" }
requirement "5.2 e)" { parent = "5.2", title = "Available as documented information" }
requirement "5.2 f)" { parent = "5.2", title = "Communicated within the organisation" }
requirement "5.2 g)" { parent = "5.2", title = "Available to interested parties" }
requirement "5.3" { parent = "5", title = "Roles, responsibilities and authorities" }
requirement "5.3 a)" { parent = "5.3", title = "ISMS conformity ensured" }
requirement "5.3 b)" { parent = "5.3", title = "Performance reported to top management" }

requirement "6" { title = "Planning" }
requirement "6.1" { parent = "6", title = "Actions to address risks and opportunities" }
requirement "6.1.1" { parent = "6.1", title = "Plan for risks and opportunities" }
requirement "6.1.2" { parent = "6.1", title = "Risk assessment process" }
requirement "6.1.2 a)" { parent = "6.1.2", title = "Risk criteria" }
requirement "6.1.2 a) 1)" { parent = "6.1.2 a)", title = "Risk acceptance criteria" }
requirement "6.1.2 a) 2)" { parent = "6.1.2 a)", title = "Criteria for performing assessments" }
requirement "6.1.2 b)" { parent = "6.1.2", title = "Consistent, valid, comparable results" }
requirement "6.1.2 c)" { parent = "6.1.2", title = "Risks identified" }
requirement "6.1.2 c) 1)" { parent = "6.1.2 c)", title = "Loss of C, I and A in scope" }
requirement "6.1.2 c) 2)" { parent = "6.1.2 c)", title = "Risk owners" }
requirement "6.1.2 d)" { parent = "6.1.2", title = "Risks analysed" }
requirement "6.1.2 d) 1)" { parent = "6.1.2 d)", title = "Consequences" }
requirement "6.1.2 d) 2)" { parent = "6.1.2 d)", title = "Realistic likelihood" }
requirement "6.1.2 d) 3)" { parent = "6.1.2 d)", title = "Levels of risk" }
requirement "6.1.2 e)" { parent = "6.1.2", title = "Risks evaluated" }
requirement "6.1.2 e) 1)" { parent = "6.1.2 e)", title = "Compared with the criteria" }
requirement "6.1.2 e) 2)" { parent = "6.1.2 e)", title = "Prioritised for treatment" }
requirement "6.1.3" { parent = "6.1", title = "Risk treatment process" }
requirement "6.1.3 a)" { parent = "6.1.3", title = "Treatment options chosen" }
requirement "6.1.3 b)" { parent = "6.1.3", title = "Controls determined" }
requirement "6.1.3 c)" { parent = "6.1.3", title = "Compared with Annex A" }
requirement "6.1.3 d)" { parent = "6.1.3", title = "Statement of Applicability" }
requirement "6.1.3 e)" { parent = "6.1.3", title = "Risk treatment plan" }
requirement "6.1.3 f)" { parent = "6.1.3", title = "Owners approve the plan and accept residual risk" }
requirement "6.2" { parent = "6", title = "Objectives and planning to achieve them" }
requirement "6.2 a)" { parent = "6.2", title = "Consistent with the policy" }
requirement "6.2 b)" { parent = "6.2", title = "Measurable if practicable" }
requirement "6.2 c)" { parent = "6.2", title = "Consider requirements and risk results" }
requirement "6.2 d)" { parent = "6.2", title = "Communicated" }
requirement "6.2 e)" { parent = "6.2", title = "Updated as appropriate" }
requirement "6.2 f)" { parent = "6.2", title = "What will be done" }
requirement "6.2 g)" { parent = "6.2", title = "What resources" }
requirement "6.2 h)" { parent = "6.2", title = "Who is responsible" }
requirement "6.2 i)" { parent = "6.2", title = "When it will be completed" }
requirement "6.2 j)" { parent = "6.2", title = "How results will be evaluated" }

requirement "7" { title = "Support" }
requirement "7.1" { parent = "7", title = "Resources" }
requirement "7.2" { parent = "7", title = "Competence" }
requirement "7.2 a)" { parent = "7.2", title = "Competence needed determined" }
requirement "7.2 b)" { parent = "7.2", title = "People competent" }
requirement "7.2 c)" { parent = "7.2", title = "Actions to gain competence evaluated" }
requirement "7.2 d)" { parent = "7.2", title = "Evidence kept" }
requirement "7.3" { parent = "7", title = "Awareness" }
requirement "7.3 a)" { parent = "7.3", title = "Of the policy" }
requirement "7.3 b)" { parent = "7.3", title = "Of one's contribution" }
requirement "7.3 c)" { parent = "7.3", title = "Of what nonconformity implies" }
requirement "7.4" { parent = "7", title = "Communication" }
requirement "7.4 a)" { parent = "7.4", title = "On what" }
requirement "7.4 b)" { parent = "7.4", title = "When" }
requirement "7.4 c)" { parent = "7.4", title = "With whom" }
requirement "7.4 d)" { parent = "7.4", title = "Who communicates" }
requirement "7.4 e)" { parent = "7.4", title = "The processes by which it is done" }
requirement "7.5" { parent = "7", title = "Documented information" }
requirement "7.5.1" { parent = "7.5", title = "What the ISMS documents" }
requirement "7.5.2" { parent = "7.5", title = "Creating and updating" }
requirement "7.5.3" { parent = "7.5", title = "Control of documented information" }

requirement "8" { title = "Operation" }
requirement "8.1" { parent = "8", title = "Operational planning and control" }
requirement "8.2" { parent = "8", title = "Risk assessment performed" }
requirement "8.3" { parent = "8", title = "Risk treatment plan implemented" }

requirement "9" { title = "Performance evaluation" }
requirement "9.1" { parent = "9", title = "Monitoring, measurement, analysis and evaluation" }
requirement "9.1 a)" { parent = "9.1", title = "What is measured" }
requirement "9.1 b)" { parent = "9.1", title = "Methods" }
requirement "9.1 c)" { parent = "9.1", title = "When" }
requirement "9.1 d)" { parent = "9.1", title = "Who measures" }
requirement "9.1 e)" { parent = "9.1", title = "When results are analysed" }
requirement "9.1 f)" { parent = "9.1", title = "Who analyses" }
requirement "9.2" { parent = "9", title = "Internal audit" }
requirement "9.2 a)" { parent = "9.2", title = "The ISMS conforms" }
requirement "9.2 b)" { parent = "9.2", title = "Effectively implemented and maintained" }
requirement "9.2 c)" { parent = "9.2", title = "Audit programme planned and kept" }
requirement "9.2 d)" { parent = "9.2", title = "Criteria and scope of each audit" }
requirement "9.2 e)" { parent = "9.2", title = "Objective and impartial auditors" }
requirement "9.2 f)" { parent = "9.2", title = "Results reported to management" }
requirement "9.2 g)" { parent = "9.2", title = "Evidence of the programme and results kept" }
requirement "9.3" { parent = "9", title = "Management review" }
requirement "9.3 a)" { parent = "9.3", title = "Status of previous actions" }
requirement "9.3 b)" { parent = "9.3", title = "Changes in issues" }
requirement "9.3 c)" { parent = "9.3", title = "Feedback on performance" }
requirement "9.3 d)" { parent = "9.3", title = "Feedback from interested parties" }
requirement "9.3 e)" { parent = "9.3", title = "Risk results and treatment plan status" }
requirement "9.3 f)" { parent = "9.3", title = "Opportunities for improvement" }

requirement "10" { title = "Improvement" }
requirement "10.1" { parent = "10", title = "Nonconformity and corrective action" }
requirement "10.1 a)" { parent = "10.1", title = "React to the nonconformity" }
requirement "10.1 b)" { parent = "10.1", title = "Evaluate action to remove causes" }
requirement "10.1 c)" { parent = "10.1", title = "Implement actions" }
requirement "10.1 d)" { parent = "10.1", title = "Review effectiveness" }
requirement "10.1 e)" { parent = "10.1", title = "Change the ISMS if needed" }
requirement "10.1 f)" { parent = "10.1", title = "Evidence of nonconformities and actions" }
requirement "10.1 g)" { parent = "10.1", title = "Evidence of results" }
requirement "10.2" { parent = "10", title = "Continual improvement" }
