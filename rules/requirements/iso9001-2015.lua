-- ISO 9001:2015 clauses 4-10, one node per sub-clause, numbered as the
-- standard numbers them. Titles are isms's own short paraphrases, not the
-- standard's wording. With the mapping iso9001-2015-to-iso27001-2022
-- (rules/requirement-mappings/) a quality management system's state
-- credits the ISO/IEC 27001 management-system requirements it covers.
requirement_catalog "iso9001-2015" {
  title = "ISO 9001:2015 requirements (clauses 4-10)",
  standard = "ISO 9001", edition = "2015",
}

requirement "4" { title = "Context of the organisation" }
requirement "4.1" { parent = "4", title = "Know the organisation and its context" }
requirement "4.2" { parent = "4", title = "Interested parties and their requirements" }
requirement "4.3" { parent = "4", title = "Scope of the QMS" }
requirement "4.4" { parent = "4", title = "The QMS and its processes" }
requirement "4.4.1" { parent = "4.4", title = "Processes, their inputs, outputs, sequence, criteria, resources, owners, risks" }
requirement "4.4.2" { parent = "4.4", title = "Documented information that supports the processes" }

requirement "5" { title = "Leadership" }
requirement "5.1" { parent = "5", title = "Leadership and commitment" }
requirement "5.1.1" { parent = "5.1", title = "Top management commitment to the QMS" }
requirement "5.1.2" { parent = "5.1", title = "Customer focus" }
requirement "5.2" { parent = "5", title = "Quality policy" }
requirement "5.2.1" { parent = "5.2", title = "Establishing the policy" }
requirement "5.2.2" { parent = "5.2", title = "Communicating the policy" }
requirement "5.3" { parent = "5", title = "Roles, responsibilities and authorities" }

requirement "6" { title = "Planning" }
requirement "6.1" { parent = "6", title = "Actions to address risks and opportunities" }
requirement "6.1.1" { parent = "6.1", title = "Determine the risks and opportunities to address" }
requirement "6.1.2" { parent = "6.1", title = "Plan and evaluate the actions" }
requirement "6.2" { parent = "6", title = "Quality objectives and planning to achieve them" }
requirement "6.2.1" { parent = "6.2", title = "Objectives set and kept" }
requirement "6.2.2" { parent = "6.2", title = "Plan to achieve the objectives" }
requirement "6.3" { parent = "6", title = "Planning of changes" }

requirement "7" { title = "Support" }
requirement "7.1" { parent = "7", title = "Resources" }
requirement "7.1.1" { parent = "7.1", title = "Resources in general" }
requirement "7.1.2" { parent = "7.1", title = "People" }
requirement "7.1.3" { parent = "7.1", title = "Infrastructure" }
requirement "7.1.4" { parent = "7.1", title = "Environment for the operation of processes" }
requirement "7.1.5" { parent = "7.1", title = "Monitoring and measuring resources" }
requirement "7.1.6" { parent = "7.1", title = "Organisational knowledge" }
requirement "7.2" { parent = "7", title = "Competence" }
requirement "7.3" { parent = "7", title = "Awareness" }
requirement "7.4" { parent = "7", title = "Communication" }
requirement "7.5" { parent = "7", title = "Documented information" }
requirement "7.5.1" { parent = "7.5", title = "What the QMS documents" }
requirement "7.5.2" { parent = "7.5", title = "Creating and updating" }
requirement "7.5.3" { parent = "7.5", title = "Control of documented information" }

requirement "8" { title = "Operation" }
requirement "8.1" { parent = "8", title = "Operational planning and control" }
requirement "8.2" { parent = "8", title = "Requirements for products and services" }
requirement "8.3" { parent = "8", title = "Design and development" }
requirement "8.4" { parent = "8", title = "Externally provided processes, products and services" }
requirement "8.5" { parent = "8", title = "Production and service provision" }
requirement "8.6" { parent = "8", title = "Release of products and services" }
requirement "8.7" { parent = "8", title = "Control of nonconforming outputs" }

requirement "9" { title = "Performance evaluation" }
requirement "9.1" { parent = "9", title = "Monitoring, measurement, analysis and evaluation" }
requirement "9.1.1" { parent = "9.1", title = "What, how and when to monitor and measure" }
requirement "9.1.2" { parent = "9.1", title = "Customer satisfaction" }
requirement "9.1.3" { parent = "9.1", title = "Analysis and evaluation" }
requirement "9.2" { parent = "9", title = "Internal audit" }
requirement "9.2.1" { parent = "9.2", title = "Audits at planned intervals" }
requirement "9.2.2" { parent = "9.2", title = "Audit programme" }
requirement "9.3" { parent = "9", title = "Management review" }
requirement "9.3.1" { parent = "9.3", title = "Reviews at planned intervals" }
requirement "9.3.2" { parent = "9.3", title = "Review inputs" }
requirement "9.3.3" { parent = "9.3", title = "Review outputs" }

requirement "10" { title = "Improvement" }
requirement "10.1" { parent = "10", title = "Improvement in general" }
requirement "10.2" { parent = "10", title = "Nonconformity and corrective action" }
requirement "10.3" { parent = "10", title = "Continual improvement" }
