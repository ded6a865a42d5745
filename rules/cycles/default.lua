-- How often each kind of record is reviewed (guideline 8.2: risk
-- assessments "at planned intervals"; Table 2). A cycle is in months and
-- may be shorter for a risk level, an asset class or a supplier
-- criticality. A register uses this file unless `isms current --cycles
-- NAME` names another one of rules/cycles/.

review_cycle "risk" { months = 12, level = { High = 6 } }
review_cycle "asset" { months = 12, class = { A = 6 } }
review_cycle "supplier" { months = 12, criticality = { critical = 6, high = 6 } }
review_cycle "soa" { months = 12 }
review_cycle "rule_file" { months = 24 }
-- Documents (isms docs): each approved document's own review_months and
-- next_review decide; these months serve those without a cycle of their own.
review_cycle "document" { months = 12 }
