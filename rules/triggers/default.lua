-- What makes a record stale, and what proposes an internal audit
-- (guideline 8.2: risk assessment "when there are changes that may
-- introduce new threats"; internal audits "whenever an incident occurs,
-- when there is a change in information asset, or when there is a
-- requirement from an interested party"). `on` names the kind of change;
-- `stale = false` keeps a trigger for audits only. A register uses this
-- file unless `isms current --triggers NAME` names another one of
-- rules/triggers/.

trigger "valuation" { on = "valuation" }
trigger "incident" { on = "incident", match = "asset and threat", audit = true }
trigger "threat" { on = "threat" }
trigger "vulnerability" { on = "vulnerability" }
trigger "control" { on = "control_status" }
trigger "methodology" { on = "methodology" }
trigger "review" { on = "review_due" }
trigger "scope" { on = "scope", audit = true }
trigger "asset change" { on = "asset_change", audit = true }
trigger "interested party" { on = "requirement", audit = true }
