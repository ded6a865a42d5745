-- Filters of the list commands (assets, risks, treatments; the record
-- kinds have --FIELD filters of their own, record_kind_spec), owners in
-- the top lists, and `-` as standard output for every export.
local H = require "helper"

local function setup()
  local reg = H.register()
  assert(reg:import_assets(H.file("assets.csv", [[
id,name,type,owner,outsourced,c,i,a
SRV-1,Build server,physical,IT,no,2,2,2
DOC-1,Design files,information,Engineering;Legal,no,4,3,2
LAP-1,Laptop,physical,Sales,no,,,
]])))
  assert(reg:generate_risks("generic"))
  return reg
end

local function rate(reg, asset, ratings)
  for _, r in ipairs(reg:risks({ asset = asset })) do
    if not r.level then
      assert(reg:set_risk(r.ref, { ratings = ratings }))
      return r.ref
    end
  end
end

local function lines(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
  return t
end

describe("list filters", function()
  it("isms assets --class, --owner, --type", function()
    local reg = setup()
    local out, err, code = H.run("--db", reg.path, "assets", "--type", "physical", "--format", "csv")
    assert.are.equal(0, code, err)
    local l = lines(out)
    assert.are.equal(3, #l)
    assert.truthy(l[2]:find("^LAP%-1,") and l[3]:find("^SRV%-1,"), out)
    out = H.run("--db", reg.path, "assets", "--owner", "IT", "--format", "csv")
    assert.are.equal(2, #lines(out))
    assert.truthy(out:find("\nSRV-1,", 1, true))
    out = H.run("--db", reg.path, "assets", "--class", "unvalued", "--format", "csv")
    assert.truthy(out:find("\nLAP-1,", 1, true))
    assert.are.equal(2, #lines(out))
    out = H.run("--db", reg.path, "assets", "--class", "A")
    assert.truthy(out:find("1 asset — class A 1", 1, true), out)
    local _
    _, err, code = H.run("--db", reg.path, "assets", "--type", "furniture")
    assert.are.equal(2, code)
    assert.truthy(err:find("--type: expected one of information, software", 1, true), err)
  end)

  it("isms risks list --owner, --level, --class, and owners in the top list", function()
    local reg = setup()
    local high = rate(reg, "SRV-1", { S = 8, O = 5, D = 6 })
    local low = rate(reg, "DOC-1", { S = 2, O = 2, D = 2 })
    local out, err, code = H.run("--db", reg.path, "risks", "list", "--owner", "Legal", "--format",
                                 "csv")
    assert.are.equal(0, code, err)
    for k, l in ipairs(lines(out)) do
      if k > 1 then assert.truthy(l:find("^DOC%-1/"), l) end
    end
    assert.truthy(#lines(out) > 2)
    out = H.run("--db", reg.path, "risks", "list", "--level", "High", "--format", "csv")
    assert.are.equal(2, #lines(out))
    assert.truthy(out:find("\n" .. high .. ",", 1, true), out)
    out = H.run("--db", reg.path, "risks", "list", "--class", "A", "--format", "csv")
    for k, l in ipairs(lines(out)) do
      if k > 1 then assert.truthy(l:find("^DOC%-1/"), l) end
    end
    -- the top list: priority order, owners last; positions count the risks listed
    out = H.run("--db", reg.path, "risks", "list", "--top", "2", "--format", "csv")
    local l = lines(out)
    assert.are.equal("priority,ref,asset,class,threat,level,score,obligations,acceptable,decision,"
                     .. "owners", l[1])
    assert.truthy(l[2]:find("^1," .. high:gsub("%p", "%%%0") .. ",.*,IT$"), l[2])
    out = H.run("--db", reg.path, "risks", "list", "--top", "5", "--owner", "Engineering",
                "--format", "csv")
    l = lines(out)
    assert.are.equal(6, #l)
    assert.truthy(l[2]:find("^1," .. low:gsub("%p", "%%%0") .. ",.*,Engineering;Legal$"), l[2])
    local assess = H.run("--db", reg.path, "assess")
    assert.truthy(assess:find("owners", 1, true))
  end)

  it("isms treat list --option, --owner, --level, --status", function()
    local reg = setup()
    local high = rate(reg, "SRV-1", { S = 8, O = 5, D = 6 })
    local low = rate(reg, "DOC-1", { S = 2, O = 2, D = 2 })
    assert(reg:treat(high, { option = "modify", controls = { "A.8.7" }, residual = { S = 8, O = 2, D = 3 } }))
    assert(reg:treat(low, { option = "retain", rationale = "within appetite" }))
    local out, err, code = H.run("--db", reg.path, "treat", "list", "--format", "csv")
    assert.are.equal(0, code, err)
    local l = lines(out)
    assert.are.equal("risk,option,controls,residual_level,residual_acceptable,status,owners", l[1])
    assert.are.equal(3, #l)
    out = H.run("--db", reg.path, "treat", "list", "--option", "modify", "--format", "csv")
    assert.are.equal(2, #lines(out))
    assert.truthy(out:find(high .. ",modify,A.8.7,Low,yes,awaiting,IT", 1, true), out)
    out = H.run("--db", reg.path, "treat", "list", "--owner", "Legal", "--format", "csv")
    assert.are.equal(2, #lines(out))
    assert.truthy(out:find(low, 1, true))
    out = H.run("--db", reg.path, "treat", "list", "--level", "Low", "--status", "awaiting",
                "--format", "csv")
    assert.are.equal(3, #lines(out))  -- both residual Low, neither accepted yet
    out = H.run("--db", reg.path, "treat", "list", "--level", "High", "--format", "csv")
    assert.are.equal(1, #lines(out))
    assert.are.equal(0, select(3, H.run("--db", reg.path, "accept", high, "--role", "management",
                                        "--who", "CEO", "--rationale", "ok")))
    assert.are.equal(0, select(3, H.run("--db", reg.path, "accept", high, "--role", "owner",
                                        "--who", "IT", "--rationale", "ok")))
    out = H.run("--db", reg.path, "treat", "list", "--status", "accepted", "--format", "csv")
    assert.are.equal(2, #lines(out))
    assert.truthy(out:find(high, 1, true))
    local _
    _, err, code = H.run("--db", reg.path, "treat", "list", "--status", "done")
    assert.are.equal(2, code)
    assert.truthy(err:find("expected accepted or awaiting", 1, true))
  end)
end)

describe("exports to standard output", function()
  it("take - for standard output, the same bytes as a file", function()
    local reg = setup()
    local function same(file_args, stdout_args)
      local path = H.tmp("export.out")
      local args = {}
      for _, a in ipairs(file_args) do args[#args + 1] = a == "FILE" and path or a end
      local _, err, code = H.run("--db", reg.path, unpack(args))
      assert.are.equal(0, code, err)
      local out, err2, code2 = H.run("--db", reg.path, unpack(stdout_args))
      assert.are.equal(0, code2, err2)
      assert.are.equal(H.read(path), out, table.concat(stdout_args, " "))
      return out
    end
    local csv = same({ "export", "assets", "FILE" }, { "export", "assets", "-" })
    assert.truthy(csv:find("^id,name,type"))
    csv = same({ "risks", "export", "FILE" }, { "risks", "export", "-" })
    assert.truthy(csv:find("^ref,asset,threat"))
    same({ "export", "risks", "FILE" }, { "export", "risks", "-" })
    same({ "report", "--format", "html", "--out", "FILE", "--today", "2026-01-01" },
         { "report", "--format", "html", "--out", "-", "--today", "2026-01-01" })
    same({ "rtp", "show", "--format", "csv", "--out", "FILE", "--today", "2026-01-01" },
         { "rtp", "show", "--format", "csv", "--out", "-", "--today", "2026-01-01" })
    same({ "suppliers", "export", "FILE" }, { "suppliers", "export", "-" })
    -- a workbook to standard output: the zip's bytes
    local xlsx, err, code = H.run("--db", reg.path, "report", "--format", "xlsx", "--out", "-")
    assert.are.equal(0, code, err)
    assert.are.equal("PK\3\4", xlsx:sub(1, 4))
  end)
end)

describe("shell completion", function()
  it("offers the options of every command from its help, the new ones too", function()
    local function complete(line)
      local words = {}
      for w in line:gmatch("%S+") do words[#words + 1] = H.shell_quote(w) end
      if line:match("%s$") then words[#words + 1] = "''" end
      words[1] = H.shell_quote(H.exe)
      local p = io.popen(("bash -c %s 2>&1"):format(H.shell_quote(
        (". core/host/completion/isms.bash; COMP_WORDS=(%s); COMP_CWORD=%d; _isms; "
         .. "printf '%%s\\n' \"${COMPREPLY[@]}\""):format(table.concat(words, " "), #words - 1))))
      local out = p:read("*a")
      p:close()
      return " " .. out:gsub("\n", " ")
    end
    local risks = complete("isms risks --")
    for _, o in ipairs({ "--yes", "--owner", "--level", "--class", "--top" }) do
      assert.truthy(risks:find(" " .. o .. " ", 1, true), o .. " in" .. risks)
    end
    local assets = complete("isms assets --")
    for _, o in ipairs({ "--owner", "--type", "--class" }) do
      assert.truthy(assets:find(" " .. o .. " ", 1, true), o)
    end
    local treat = complete("isms treat --")
    for _, o in ipairs({ "--option", "--status", "--owner", "--level", "--format" }) do
      assert.truthy(treat:find(" " .. o .. " ", 1, true), o)
    end
  end)
end)
