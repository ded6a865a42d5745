-- The risk assessment exercise of the guideline (6.2 a-j) as a workflow:
-- each step completes when the register shows it done, with the same
-- counts `isms assess` reports (assets and owners, values, risks per
-- asset, impacts, risk owners, existing controls, ratings, levels and the
-- decisions on unacceptable risks). Steps g (impacts) and h (likelihood)
-- are rated together on the methodology's factors, so they share one
-- criterion.
roadmap "risk-assessment" {
  title = "Risk assessment exercise (guideline 6.2 a-j)",
  description = "Assets, values, threats and vulnerabilities, impacts, risks and owners, "
    .. "controls, ratings, levels, evaluation",
  reference = "National ISMS implementation guideline (2013), 6.2 a-j",
}

role "lead-team" { title = "ISMS lead team" }
role "implementation-team" { title = "ISMS implementation team" }
role "asset-owners" { title = "Asset owners" }
role "risk-owners" { title = "Risk owners" }

phase "identify" { title = "Identify", description = "a-f" }
phase "analyse" { title = "Analyse", description = "g-i" }
phase "evaluate" { title = "Evaluate", description = "j" }

-- "None of the `of` left without it": false on an empty register too.
local function none_left(of, count, words)
  return function(r)
    if r.count[of] == 0 then return false, "no " .. of .. " in the register" end
    local n = r.count[count]
    return n == 0, n .. " " .. words
  end
end

criterion "assets-owned" {
  text = "assets are on record, each with an owner",
  counts = { "assets", "assets_unowned" },
  check = function(r)
    if r.count.assets == 0 then return false, "no assets in the register" end
    return r.count.assets_unowned == 0, r.count.assets_unowned .. " assets without an owner"
  end,
}

criterion "assets-valued" {
  text = "every asset has a value",
  counts = { "assets", "assets_unvalued" },
  check = none_left("assets", "assets_unvalued", "assets without a value"),
}

criterion "risks-identified" {
  text = "every asset has its threats and vulnerabilities (risks)",
  counts = { "risks", "assets_without_risks" },
  check = function(r)
    if r.count.risks == 0 then return false, "no risks in the register" end
    return r.count.assets_without_risks == 0, r.count.assets_without_risks .. " assets without risks"
  end,
}

criterion "impacts" {
  text = "every risk names its impacts",
  counts = { "risks", "risks_without_impacts" },
  check = none_left("risks", "risks_without_impacts", "risks without impacts"),
}

criterion "risk-owners" {
  text = "every risk has an owner",
  counts = { "risks", "risks_without_owners" },
  check = none_left("risks", "risks_without_owners", "risks without an owner"),
}

criterion "controls" {
  text = "every risk records its existing controls",
  counts = { "risks", "risks_without_controls" },
  check = none_left("risks", "risks_without_controls", "risks without existing controls"),
}

criterion "rated" {
  text = "every risk is rated on the methodology's factors",
  counts = { "risks", "risks_unrated" },
  check = none_left("risks", "risks_unrated", "risks not rated"),
}

criterion "levels" {
  text = "every risk has its level",
  counts = { "risks", "risks_without_level" },
  check = none_left("risks", "risks_without_level", "risks without a level"),
}

criterion "evaluated" {
  text = "every unacceptable risk has a decision",
  counts = { "risks", "risks_undecided" },
  check = none_left("risks", "risks_undecided", "unacceptable risks without a decision"),
}

step "a" {
  phase = "identify", role = "implementation-team", duration = { 5, 10 },
  title = "Identify the assets and their owners",
  evidence = { "Asset inventory" }, exit = { "assets-owned" },
}
step "b" {
  phase = "identify", role = "asset-owners", duration = { 3, 5 }, depends = { "a" },
  title = "Value the assets (C, I, A)",
  evidence = { "Information asset evaluation" }, exit = { "assets-valued" },
}
step "c" {
  phase = "identify", role = "implementation-team", duration = { 5, 10 }, depends = { "a" },
  title = "Identify threats and vulnerabilities",
  evidence = { "Threat and vulnerability list" }, exit = { "risks-identified" },
}
step "d" {
  phase = "identify", role = "implementation-team", duration = 5, depends = { "c" },
  title = "Identify the impacts of losing C, I and A",
  exit = { "impacts" },
}
step "e" {
  phase = "identify", role = "lead-team", duration = 3, depends = { "c" },
  title = "Identify the risks and their owners",
  exit = { "risk-owners" },
}
step "f" {
  phase = "identify", role = "implementation-team", duration = 5, depends = { "c" },
  title = "Identify the existing controls",
  exit = { "controls" },
}
step "g" {
  phase = "analyse", role = "risk-owners", duration = { 5, 10 }, depends = { "b", "d", "e", "f" },
  title = "Assess the business impacts",
  exit = { "rated" },
}
step "h" {
  phase = "analyse", role = "risk-owners", duration = { 5, 10 }, depends = { "g" },
  title = "Assess the realistic likelihood",
  exit = { "rated" },
}
step "i" {
  phase = "analyse", role = "lead-team", duration = 2, depends = { "h" },
  title = "Determine the risk levels",
  exit = { "levels" },
}
step "j" {
  phase = "evaluate", role = "lead-team", duration = 3, depends = { "i" },
  title = "Evaluate and prioritise the risks (legal, regulatory, contractual first)",
  evidence = { "Prioritised risk register" }, exit = { "evaluated" },
}
