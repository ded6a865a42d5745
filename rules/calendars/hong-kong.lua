-- An office calendar for the case study's organisation (a science-park IC
-- design centre in Hong Kong): Monday to Friday, less the general holidays
-- that fall on the same date every year. The moveable ones (Lunar New
-- Year, Ching Ming, Easter, the Buddha's Birthday, Tuen Ng, Mid-Autumn,
-- Chung Yeung) change every year: add each year's dates from the
-- Government's published list in a file of your own that extends this
-- one, e.g.
--
--   calendar "hong-kong-2027" {
--     extends = "hong-kong",
--     holidays = { { date = "2027-03-26", title = "Good Friday" }, ... },
--   }
calendar "hong-kong" {
  extends = "weekdays",
  title = "Hong Kong office days (fixed-date holidays)",
  description = "Weekdays less the Hong Kong general holidays on fixed dates",
  holidays = {
    { annual = "01-01", title = "The first day of January" },
    { annual = "05-01", title = "Labour Day" },
    { annual = "07-01", title = "HKSAR Establishment Day" },
    { annual = "10-01", title = "National Day" },
    { annual = "12-25", title = "Christmas Day" },
    { annual = "12-26", title = "The day after Christmas Day" },
  },
}
