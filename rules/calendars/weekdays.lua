-- The default working-day calendar of roadmap schedules: Monday to
-- Friday, no holidays. Extend it with the organisation's own holidays
-- (see hong-kong.lua) and name that calendar in the roadmap or run.
calendar "weekdays" {
  title = "Monday to Friday",
  description = "Saturdays and Sundays off; no public holidays",
  weekend = { "saturday", "sunday" },
}
