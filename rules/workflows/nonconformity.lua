-- The lifecycle of a nonconformity (ISO/IEC 27001:2022 10.2, 2013 10.1):
-- react and correct, find the root cause, plan corrective actions, carry
-- them out, verify that they were effective, close. `isms` refuses any
-- change of state this file does not allow, and each transition's
-- conditions:
--   requires    fields the nonconformity must have filled in
--   actions     "some": at least one corrective action (not cancelled);
--               "all_done": every corrective action done or cancelled,
--               and at least one done
--   independent a field naming a person who must not have done (or own)
--               any of the corrective actions: effectiveness is verified
--               by someone else
-- An organisation's own lifecycle is a file like this one under
-- rules/workflows/ (register setting workflow.nonconformity); it may
-- extend this one: workflow "acme" { extends = "nonconformity", ... }.
workflow "nonconformity" {
  title = "Nonconformity and corrective action",
  record = "nonconformity",
  initial = "open",
}

state "open" { title = "Open", description = "raised; correction and root cause to come" }
state "actions_planned" { title = "Actions planned" }
state "implemented" { title = "Implemented" }
state "verified" { title = "Verified effective" }
state "closed" { title = "Closed", final = true }

transition "plan" {
  from = "open", to = "actions_planned",
  requires = { "root_cause" }, actions = "some",
}
transition "implement" {
  from = "actions_planned", to = "implemented",
  actions = "all_done",
}
transition "verify" {
  from = "implemented", to = "verified",
  requires = { "verified_by", "verified", "verification" },
  independent = "verified_by",
}
transition "reopen" {
  from = "implemented", to = "actions_planned",
  description = "the actions did not remove the cause: plan more",
}
transition "close" {
  from = "verified", to = "closed",
  requires = { "closed", "closed_by" },
}
