-- QISM InfoSec FMEA: asset valuation of the QMS-based ISMS case study.
-- Source: the case study in ../shared/seeds (domain.md section 2):
-- confidentiality has four tiers, integrity and availability three; the
-- class value is C x I x A and bands it into classes A (highest), B and C.

methodology "qism-fmea" {
  title = "QISM InfoSec FMEA",
  description = "Asset classes from C x I x A, as in the QMS-based ISMS case study",
  reference = "QISM case study, asset valuation (domain.md section 2)",
}

scale "C" {
  title = "Confidentiality",
  tiers = {
    { value = 1, label = "Unclassified", description = "May be disclosed to anyone",
      aliases = { "public" } },
    { value = 2, label = "Restricted", description = "Internal use; limited harm if disclosed",
      aliases = { "internal" } },
    { value = 3, label = "Confidential", description = "Named groups only; serious harm if disclosed" },
    { value = 4, label = "Secret", description = "Named people only; grave harm if disclosed" },
  },
}

scale "I" {
  title = "Integrity",
  tiers = {
    { value = 1, label = "Low", description = "Errors are tolerable and easily corrected" },
    { value = 2, label = "Moderate", description = "Errors disturb work or customers",
      aliases = { "medium" } },
    { value = 3, label = "High", description = "Errors cause serious or lasting harm" },
  },
}

scale "A" {
  title = "Availability",
  tiers = {
    { value = 1, label = "Low", description = "Outage of days is tolerable" },
    { value = 2, label = "Moderate", description = "Outage of hours disturbs work",
      aliases = { "medium" } },
    { value = 3, label = "High", description = "Any outage stops critical work" },
  },
}

asset_value { combine = "product" }

-- Every product of C (1-4), I (1-3) and A (1-3) falls in exactly one class.
-- 32 is listed for class A as in the source, though no C x I x A reaches it.
asset_class "A" {
  title = "Critical",
  values = { 18, 24, 27, 32, 36 },
  description = "Protect first; risk assessment mandatory",
}

asset_class "B" {
  title = "Important",
  values = { 8, 9, 12, 16 },
}

asset_class "C" {
  title = "Routine",
  values = { 1, 2, 3, 4, 6 },
}
