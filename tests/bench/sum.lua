-- A second methodology for the re-valuation benchmark: C + I + A banded.
methodology "bench-sum" { title = "Benchmark: sum of C, I and A" }
scale "C" { tiers = { { value = 1, label = "Unclassified" }, { value = 2, label = "Restricted" },
                      { value = 3, label = "Confidential" }, { value = 4, label = "Secret" } } }
scale "I" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "Moderate" },
                      { value = 3, label = "High" } } }
scale "A" { tiers = { { value = 1, label = "Low" }, { value = 2, label = "Moderate" },
                      { value = 3, label = "High" } } }
asset_value { combine = "sum" }
asset_class "high" { range = { 8, 10 } }
asset_class "medium" { range = { 5, 7 } }
asset_class "low" { range = { 3, 4 } }
