-- Every command line example in docs/*.md and README.md runs: the lines of
-- fenced blocks that start with `isms `, `build/isms ` or `$ isms ` (a
-- transcript), in order, per document, in a scratch folder holding a copy
-- of the demo register (scripts/demo.sh, built once for the run).
--
-- A document steers its examples with HTML comments (invisible on a
-- rendered page):
--   <!-- examples: seed=demo|core|before-NN-part|empty|none register=FILE -->
--        before the first example (or again later: the register starts
--        over from that seed for the examples after it): the register ISMS_DB names (default register.db)
--        starts as a copy of the demo register (demo, the default), of the
--        demo before scripts/demo.d/ adds context, operations, ... (core),
--        of the demo before part NN-part.sh of scripts/demo.d/ ran, a new
--        qism-fmea register (empty) or not at all (none: the doc creates
--        it); build/demo.db is always a copy of the demo register
--   <!-- examples: substitute WORD=TEXT -->
--        the word WORD (a placeholder such as REF) reads TEXT in the
--        examples after the marker
--   <!-- examples: not run (REASON) -->
--        on the line before a fenced block: its examples are not run
--        (a server, files the reader brings, a synopsis); counted
-- A command must exit 0, or N where its comment says "exit N". In a
-- transcript the first line shown after a command must be in its output;
-- an error line ("isms: ...") shown under a command is its expected
-- message (and any exit code but 2 goes).
-- Failures name the document, the line and the command.
local H = require "helper"

local ROOT = (function()
  local p = io.popen("pwd")
  local d = p:read("*l")
  p:close()
  return d
end)()

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"EXIT:$?\"")
  local out = p:read("*a")
  p:close()
  local code = tonumber(out:match("EXIT:(%d+)\n?$"))
  return out:gsub("EXIT:%d+\n?$", ""), code
end

local q = H.shell_quote

-- ------------------------------------------------------------ extraction

-- Strips a trailing shell comment (a # outside quotes after a space).
local function split_comment(line)
  local quote
  for k = 1, #line do
    local c = line:sub(k, k)
    if quote then
      if c == quote then quote = nil end
    elseif c == '"' or c == "'" then
      quote = c
    elseif c == "#" and (k == 1 or line:sub(k - 1, k - 1):match("%s")) then
      return line:sub(1, k - 1):gsub("%s+$", ""), line:sub(k + 1)
    end
  end
  return line, nil
end

--- The examples of one document: { directives, examples = { { line, text,
-- comment, transcript, expect (first output line), prelude }, ... },
-- skipped = N }.
local function extract(path)
  local lines = {}
  for l in io.lines(path) do lines[#lines + 1] = l end
  local doc = { path = path, seed = "demo", register = "register.db", substitute = {}, examples = {},
                skipped = 0, skipped_blocks = {} }
  local in_fence, skip_block, prelude = false, false, {}
  local pending_skip
  local k = 1
  while k <= #lines do
    local l = lines[k]
    for body in l:gmatch("<!%-%-%s*examples:(.-)%-%->") do
      local reason = body:match("not run%s*%((.-)%)")
      if reason then pending_skip = reason end
      local seed = body:match("seed=(%S+)")
      if seed and #doc.examples > 0 then doc.reseed = true end
      doc.seed = seed or doc.seed
      doc.register = body:match("register=(%S+)") or doc.register
      for word, text in body:gmatch("substitute%s+([%w_]+)=(%S+)") do
        local subs = {}  -- from here on (examples before keep theirs)
        for w, t in pairs(doc.substitute) do subs[w] = t end
        subs[word] = text
        doc.substitute = subs
      end
    end
    if l:match("^%s*```") then
      in_fence = not in_fence
      if in_fence then
        skip_block, prelude = pending_skip, {}
        if skip_block then doc.skipped_blocks[#doc.skipped_blocks + 1] = k end
        pending_skip = nil
      end
    elseif in_fence then
      local dollar, rest = l:match("^%s*(%$?)%s*(.*)$")
      local is_cmd = rest:match("^isms%s") or rest:match("^build/isms%s")
      if is_cmd and (dollar == "$" or not rest:match("^%$")) then
        local start, text = k, rest
        while text:match("\\$") and lines[k + 1] do
          k = k + 1
          text = text:gsub("%s*\\$", "") .. " " .. lines[k]:gsub("^%s+", "")
        end
        if skip_block then
          doc.skipped = doc.skipped + 1
        else
          local cmd, comment = split_comment(text)
          local expect
          local nxt = lines[k + 1] or ""
          if dollar == "$" and not nxt:match("^%s*%$") and not nxt:match("^%s*```")
             and nxt:match("%S") then
            expect = nxt:match("^%s*(.-)%s*$")
          elseif nxt:match("^%s*#?%s*isms: ") then  -- an error shown under the command
            expect = nxt:match("^%s*#?%s*(.-)%s*$")
          end
          local pre = {}
          for j, p in ipairs(prelude) do pre[j] = p end
          doc.examples[#doc.examples + 1] = { line = start, text = cmd, comment = comment, seed = doc.seed,
                                              substitute = doc.substitute,
                                              transcript = dollar == "$", expect = expect,
                                              prelude = pre }
        end
      elseif not skip_block and rest:match("^[%a_][%w_]*=") then
        -- a shell variable set in the block (Q=$(isms gap new ...)): kept for later lines
        local text = rest
        while text:match("\\$") and lines[k + 1] do
          k = k + 1
          text = text:gsub("%s*\\$", "") .. " " .. lines[k]:gsub("^%s+", "")
        end
        prelude[#prelude + 1] = text
      end
    end
    k = k + 1
  end
  return doc
end

-- ------------------------------------------------------------ running

local demo_dir
-- The demo register and the files it writes, built once (scripts/demo.sh);
-- build/core.db is the register as demo.sh's own steps leave it, before
-- the parts of scripts/demo.d/ (context, operations, ...) run.
local function demo()
  if demo_dir then return demo_dir end
  demo_dir = H.tmp("docs-demo")
  local build = demo_dir .. "/build"
  assert(os.execute("mkdir -p " .. q(build)) == 0)
  assert(os.execute(("ln -s %s %s"):format(q(ROOT .. "/" .. H.exe), q(build .. "/isms"))) == 0)
  local text = H.read(ROOT .. "/scripts/demo.sh")
  local head, tail = text:match("^(.-\n)for part in scripts/demo%.d.-\ndone\n(.*)$")
  assert(head, "scripts/demo.sh: no loop over scripts/demo.d/ to stop before")
  -- the same loop, keeping the register as it is before each part
  local script = H.file("demo.sh", head .. [[
cp "$DB" "$BUILD/core.db"
for part in scripts/demo.d/*.sh; do
  [ -e "$part" ] || continue
  cp "$DB" "$BUILD/before-$(basename "$part" .sh).db"
  BUILD="$BUILD" ISMS="$ISMS" DB="$DB" sh "$part"
done
]] .. tail)
  local out, code = sh(("cd %s && sh %s %s"):format(q(ROOT), q(script), q(build)))
  assert(code == 0, "scripts/demo.sh failed:\n" .. out:sub(-2000))
  return demo_dir
end

-- A scratch folder for one document: the repository's folders linked in
-- (demo/, rules/, scripts/, tests/, docs/), build/ a copy of the demo's.
local function path_of(doc) return doc.path end

local function scratch(doc)
  local dir = H.tmp("docs-run")
  local d = demo()
  -- the demo's files and register, not the seeds (those are copied when used)
  assert(os.execute(("mkdir -p %s/build && cd %s && find . -maxdepth 1 ! -name . ! -name 'core.db' "
    .. "! -name 'before-*.db' ! -name 'demo-backup.db' -exec cp -R {} %s/build/ \\;")
    :format(q(dir), q(d .. "/build"), q(dir))) == 0)
  for _, sub in ipairs({ "demo", "rules", "scripts", "tests", "docs", "lua" }) do
    os.execute(("ln -s %s %s"):format(q(ROOT .. "/" .. sub), q(dir .. "/" .. sub)))
  end
  return dir, dir .. "/" .. doc.register
end

-- (Re)starts the document's register from a seed.
local function seed_register(doc, dir, reg, seed)
  os.execute("mkdir -p " .. q(reg:match("^(.*)/") or dir))
  os.remove(reg)
  os.remove(reg .. "-wal")
  os.remove(reg .. "-shm")
  if seed ~= "empty" and seed ~= "none" and doc.register ~= "build/demo.db" then
    local file = demo() .. "/build/" .. seed .. ".db"
    assert(io.open(file), path_of(doc) .. ": no seed register " .. seed)
    assert(os.execute(("cp %s %s"):format(q(file), q(reg))) == 0)
  elseif seed == "empty" then
    local out, code = sh(("%s init %s"):format(q(ROOT .. "/" .. H.exe), q(reg)))
    assert(code == 0, out)
  end
end

local function substituted(text, subs)
  for word, value in pairs(subs) do
    text = text:gsub("%f[%w_]" .. word .. "%f[^%w_]", (value:gsub("%%", "%%%%")))
  end
  return text
end

local function run_doc(path)
  local doc = extract(path)
  local failures = {}
  if #doc.examples == 0 then return doc, failures end
  local dir, reg = scratch(doc)
  local exe = q(ROOT .. "/" .. H.exe)
  local seeded
  for _, ex in ipairs(doc.examples) do
    if ex.seed ~= seeded then
      seed_register(doc, dir, reg, ex.seed)
      seeded = ex.seed
    end
    local cmd = substituted(ex.text, ex.substitute):gsub("^build/isms", exe):gsub("^isms", exe)
    local pre = {}
    for j, p in ipairs(ex.prelude) do
      pre[j] = substituted(p, ex.substitute):gsub("%$%(isms ", "$(" .. exe .. " ")
                                             :gsub("%$%(build/isms ", "$(" .. exe .. " ")
    end
    local script = table.concat(pre, "\n") .. (#pre > 0 and "\n" or "") .. cmd
    local out, code = sh(("cd %s && ISMS_DB=%s ISMS_PROGRESS=0 sh -c %s </dev/null"):format(q(dir),
      q(reg), q(script)))
    local allowed = { [0] = true }
    for n in (ex.comment or ""):gmatch("exit (%d)") do allowed[tonumber(n)] = true end
    if ex.expect and ex.expect:match("^isms: ") then
      allowed[1], allowed[3], allowed[4] = true, true, true
    end
    local why
    if out:find("internal error", 1, true) or out:find("stack traceback", 1, true) then
      why = "internal error"
    elseif not allowed[code] then
      why = ("exit %s"):format(tostring(code))
    elseif ex.expect then
      -- spacing, batch numbers and dates may differ from the doc's run
      local flat = out:gsub("%s+", " "):gsub("%d+", "0")
      local want = ex.expect:gsub("%s+", " "):gsub("%d+", "0")
      if not flat:find(want, 1, true) then why = "output lacks the line the doc shows: " .. ex.expect end
    end
    if why then
      failures[#failures + 1] = ("%s:%d: `%s`: %s\n    %s"):format(path, ex.line, ex.text, why,
        (out:gsub("\n", "\n    "):sub(1, 600)))
    end
  end
  os.execute("rm -rf " .. q(dir))
  return doc, failures
end

-- ------------------------------------------------------------ the specs

-- ISMS_DOCS=docs/x.md runs one document's examples (while fixing it).
local DOCS = { os.getenv("ISMS_DOCS") or "README.md" }
if not os.getenv("ISMS_DOCS") then
  local p = io.popen("ls docs/*.md")
  for f in p:lines() do DOCS[#DOCS + 1] = f end
  p:close()
end

describe("the documentation's command line examples", function()
  it("are found in fenced blocks, with continuations, comments and markers", function()
    local f = H.file("doc.md", table.concat({
      "<!-- examples: seed=empty substitute REF=R-1 -->",
      "```sh",
      "isms risks list --top 3   # exit 1 when empty",
      "isms treat REF modify \\",
      "  --controls A.8.7",
      "Q=$(isms gap new --framework x)",
      "isms gap answer \"$Q\" 'a # b'",
      "```",
      "<!-- examples: not run (needs a server) -->",
      "```",
      "$ isms serve",
      "```",
      "```",
      "$ isms methodology check gap.lua",
      "isms: gap.lua:4: no",
      "```", "" }, "\n"))
    local doc = extract(f)
    assert.are.equal("empty", doc.seed)
    assert.are.same({ REF = "R-1" }, doc.substitute)
    assert.are.equal(1, doc.skipped)
    assert.are.equal(4, #doc.examples)
    assert.are.equal("isms risks list --top 3", doc.examples[1].text)
    assert.are.equal(" exit 1 when empty", doc.examples[1].comment)
    assert.are.equal("isms treat REF modify --controls A.8.7", doc.examples[2].text)
    assert.are.equal(4, doc.examples[2].line)
    assert.are.equal("isms gap answer \"$Q\" 'a # b'", doc.examples[3].text)
    assert.are.same({ "Q=$(isms gap new --framework x)" }, doc.examples[3].prelude)
    assert.is_true(doc.examples[4].transcript)
    assert.are.equal("isms: gap.lua:4: no", doc.examples[4].expect)
  end)

  local total, skipped = 0, 0
  for _, path in ipairs(DOCS) do
    it("of " .. path .. " run", function()
      local doc, failures = run_doc(path)
      total, skipped = total + #doc.examples, skipped + doc.skipped
      assert(#failures == 0, ("%d of %d examples of %s fail:\n%s"):format(#failures, #doc.examples,
        path, table.concat(failures, "\n")))
    end)
  end

  it("are counted: run and marked not run", function()
    -- printed for the integrator; the marked ones are listed by their marker
    io.stderr:write(("# docs examples: %d run, %d marked not run\n"):format(total, skipped))
    assert.truthy(total > 0)
  end)
end)
