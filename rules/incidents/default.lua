-- The scales of the incident and supplier registers, and how incident
-- history is weighed beside a risk's likelihood (docs/keeping-current.md).
-- A register uses this file unless `isms current --incidents NAME` names
-- another one of rules/incidents/.

-- Severity of an incident: its worst real or likely effect.
scale "severity" {
  title = "Incident severity",
  tiers = {
    { value = 1, label = "low",
      description = "No information affected; a near miss or a blocked attempt" },
    { value = 2, label = "medium", aliases = { "moderate" },
      description = "Internal information or one service affected for hours" },
    { value = 3, label = "high",
      description = "Confidential information exposed, or a key service down for a day" },
    { value = 4, label = "critical", aliases = { "severe" },
      description = "Secret information exposed, customers or the law involved" },
  },
}

-- Category of an incident (the order is the order of reports).
scale "category" {
  title = "Incident category",
  tiers = {
    { value = 1, label = "malware", aliases = { "ransomware", "virus" } },
    { value = 2, label = "phishing", aliases = { "social_engineering" } },
    { value = 3, label = "unauthorised_access", aliases = { "unauthorized_access", "intrusion" } },
    { value = 4, label = "data_leak", aliases = { "disclosure" } },
    { value = 5, label = "loss_or_theft", aliases = { "theft", "loss" } },
    { value = 6, label = "denial_of_service", aliases = { "dos", "outage" } },
    { value = 7, label = "misconfiguration", aliases = { "error" } },
    { value = 8, label = "physical", aliases = { "environmental" } },
    { value = 9, label = "supplier", aliases = { "third_party" } },
    { value = 10, label = "other" },
  },
}

-- Criticality of a supplier (guideline: assets "maintained or managed by
-- outsourced vendors"; ISO/IEC 27001:2022 A.5.19-A.5.22).
scale "criticality" {
  title = "Supplier criticality",
  tiers = {
    { value = 1, label = "low", description = "No access to information; easily replaced" },
    { value = 2, label = "medium", description = "Internal information or a supporting service" },
    { value = 3, label = "high", description = "Confidential information or a key service" },
    { value = 4, label = "critical", description = "Secret information, or the business stops without it" },
  },
}

-- Incidents beside likelihood (guideline 6.2 h: a realistic likelihood
-- weighs incident statistics): the incidents detected within the window
-- on a risk's asset and threat are counted wherever the risk is shown,
-- and a rating they contradict is flagged.
incident_history {
  window_months = 12,
  -- the first of these factors the register's methodology rates risks on
  factor = { "O", "L", "likelihood", "occurrence" },
  -- which incidents count for a risk: "asset and threat", "asset",
  -- "threat" or "asset or threat"
  match = "asset and threat",
  flag = {
    { incidents_at_least = 3, rated_at_most = 2,
      reason = "three or more incidents in the window, yet rated among the least likely" },
    { incidents_at_least = 1, rated_at_most = 1,
      reason = "an incident in the window, yet rated the least likely" },
  },
}
