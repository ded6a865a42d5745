--- One-line docs for the API entries whose definition carries no `---`
-- comment (help.lua reads the rest from the sources), by their path in
-- the API: "isms.PACKAGE.NAME" or "reg:METHOD".
return {
  ["isms.currency.stale"] = "Records overdue for review: isms.currency.stale(reg, opts) -> list of rows.",
  ["isms.currency.stale_summary"] = "Overdue reviews counted by kind: stale_summary(reg, opts) -> rows.",
  ["isms.docs.is_url"] = "Whether a document path is a URL (scheme://...) rather than a file.",
  ["isms.incidents.history"] = "Incidents beside each risk's likelihood: history(reg, opts) -> rows.",
  ["isms.incidents.stats"] = "Incident statistics (counts, times to contain and close): stats(reg, opts).",
  ["isms.kinds.exists"] = "Whether a record kind of that name (or plural) is defined.",
  ["reg:schema_version"] = "The schema version of the register file (a whole number).",
  ["reg:set_setting"] = "Sets a register setting: reg:set_setting(key, value, reason); logged.",
}
