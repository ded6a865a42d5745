--- Tamper evidence: `isms verify` (docs/tamper-evidence.md). The register
-- methods it uses (`reg:verify`, `reg:export_anchor`, `reg:check_anchor`)
-- are added to every register here, for scripts and the REPL too.
local store = require "isms.store.register"
local b = require "isms.store._ffi"
local cjson = require "cjson"

local C, ffi = b.C, b.ffi

local info_t = ffi.typeof("isms_verify_info[1]")
local anchor_t = ffi.typeof("isms_anchor_info[1]")
local charpp = ffi.typeof("char *[1]")

-- The fields of an info struct as a plain table.
local function info_table(i)
  return {
    links = tonumber(i.links), tables = tonumber(i.tables), rows = tonumber(i.rows),
    first_batch = tonumber(i.first_batch), head_link = tonumber(i.head_seq),
    head_batch = tonumber(i.head_batch), migrated = i.migrated ~= 0,
    chain_start = ffi.string(i.start_at), head = ffi.string(i.head),
  }
end

store.extend({
  --- Recomputes the register's hash chain and every row's digest.
  -- @treturn table|nil { links, tables, rows, first_batch, head_link,
  --   head_batch, migrated, chain_start, head, findings = { {kind, table,
  --   key, detail}, ... } }, or nil, message, code
  verify = function(self)
    store.check_open(self, "verify")
    local info, out = info_t(), charpp()
    local rc = C.isms_verify(self.db, info, out)
    if rc ~= 0 then return store.failure(self, rc) end
    local r = info_table(info[0])
    r.findings = {}
    if out[0] ~= nil then
      local text = ffi.string(out[0])
      C.isms_free(out[0])
      for line in text:gmatch("[^\n]+") do
        local kind, tbl, key, detail = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
        if kind then
          r.findings[#r.findings + 1] = { kind = kind, table = tbl, key = key, detail = detail }
        end
      end
    end
    return r
  end,
  --- Writes a signed checkpoint of the chain's head to path (Ed25519, the
  -- private key in PEM at keyfile).
  -- @treturn true|nil true, or nil, message, code
  export_anchor = function(self, keyfile, path)
    store.check_open(self, "export_anchor")
    local rc = C.isms_anchor_export(self.db, keyfile, path)
    if rc ~= 0 then return store.failure(self, rc) end
    return true
  end,
  --- Checks that the register still extends the anchor at path, signed
  -- by the public key in pubfile.
  -- @treturn table|nil { link, batch, rows, at, head, links_since }, or nil, message, code
  check_anchor = function(self, path, pubfile)
    store.check_open(self, "check_anchor")
    local a = anchor_t()
    local rc = C.isms_anchor_check(self.db, path, pubfile, a)
    if rc ~= 0 then return store.failure(self, rc) end
    a = a[0]
    return { link = tonumber(a.seq), batch = tonumber(a.batch), rows = tonumber(a.rows),
             at = ffi.string(a.at), head = ffi.string(a.head),
             links_since = tonumber(a.links_since) }
  end,
})

return function(kit)
  local command, out, err, with_register, exit_for, EXIT =
    kit.command, kit.out, kit.err, kit.with_register, kit.exit_for, kit.EXIT

  local usage = "isms verify [--json] | --export-anchor FILE --key KEYFILE"
    .. " | --anchor FILE --pub PUBFILE | --new-key KEYFILE"

  -- The line that says where the chain begins, on a migrated register.
  local function start_line(r)
    if not r.migrated then return nil end
    return ("chain starts at batch %d (migration on %s); earlier changes are not covered")
      :format(r.first_batch, r.chain_start:sub(1, 10))
  end

  command("verify", {
    usage = usage,
    summary = "check the register against its hash chain (tamper evidence)",
    help = [[
Recomputes the register's hash chain: every row's digest, each table
against its sum, the sums against the newest link, each link against the
one before. Exit 0 and a one-line summary when nothing was changed outside
isms; exit 1 and one line per finding (the table, the row's key and what
names the record) when a row was edited, inserted or deleted, a change-log
row or change batch removed or edited, or the chain itself cut or edited.
A register migrated to the chain says where the chain starts.

  --json                  the result as one JSON object
  --new-key KEYFILE       write an Ed25519 key pair: KEYFILE (private, PEM,
                          mode 0600) and KEYFILE.pub; no register needed
  --export-anchor FILE    after a clean verification, write a signed
                          checkpoint of the chain's head (link, newest batch,
                          hash, rows, time) to FILE, signed with --key KEYFILE;
                          an auditor keeps it away from the register
  --anchor FILE --pub PUBFILE
                          also check that the register still extends the
                          anchor FILE (signed by PUBFILE's key): a rewritten
                          history fails, exit 1

See docs/tamper-evidence.md for what is and is not covered.]],
    options = { json = "flag", ["export-anchor"] = "value", key = "value", anchor = "value",
                pub = "value", ["new-key"] = "value" },
    run = function(ctx, opts, pos)
      if pos[1] then return nil, "usage: " .. usage, "USAGE" end
      if opts["new-key"] then
        local keyfile = opts["new-key"]
        local why = ffi.new("char[1024]")
        local rc = C.isms_anchor_keygen(keyfile, keyfile .. ".pub", why, 1024)
        if rc ~= 0 then
          err(ffi.string(why))
          return exit_for(b.code_names[rc])
        end
        out(("wrote the key pair %s (private: keep it away from the register) and %s.pub\n")
          :format(keyfile, keyfile))
        return EXIT.OK
      end
      if opts["export-anchor"] and not opts.key then
        return nil, "--export-anchor FILE needs --key KEYFILE (make one with --new-key)", "USAGE"
      end
      if opts.anchor and not opts.pub then
        return nil, "--anchor FILE needs --pub PUBFILE", "USAGE"
      end
      return with_register(ctx, function(reg)
        local r, e, code = reg:verify()
        if not r then
          err(e)
          return exit_for(code)
        end
        local failed = #r.findings > 0
        if opts.anchor then
          local a, ae = reg:check_anchor(opts.anchor, opts.pub)
          if a then
            r.anchor = a
          else
            r.anchor = { error = ae }
            r.findings[#r.findings + 1] = { kind = "anchor", table = "", key = "", detail = ae }
            failed = true
          end
        end
        if opts["export-anchor"] then
          if failed then
            r.anchor_written = false
          else
            local ok, xe, xcode = reg:export_anchor(opts.key, opts["export-anchor"])
            if not ok then
              err(xe)
              return exit_for(xcode)
            end
            r.anchor_written = opts["export-anchor"]
          end
        end
        r.ok = not failed
        if opts.json then
          local fs = r.findings
          r.findings = nil
          local body = cjson.encode(r)
          local list = {}
          for k, f in ipairs(fs) do list[k] = cjson.encode(f) end
          out(body:sub(1, -2), (body == "{}" and "" or ","), '"findings":[',
            table.concat(list, ","), "]}\n")
          return failed and EXIT.FAIL or EXIT.OK
        end
        local start = start_line(r)
        if start then out(start, "\n") end
        for _, f in ipairs(r.findings) do
          out(f.kind, ": ", f.detail, "\n")
        end
        if failed then
          out(("%d finding%s: the register does not match its hash chain (%d tables, %d rows,"
            .. " %d links checked)\n"):format(#r.findings, #r.findings == 1 and "" or "s",
            r.tables, r.rows, r.links))
          if opts["export-anchor"] then err("no anchor written: the register does not verify") end
          return EXIT.FAIL
        end
        out(("verified: %d tables, %d rows, %d links; head %s (link %d, batch %d)%s\n"):format(
          r.tables, r.rows, r.links, r.head:sub(1, 16), r.head_link, r.head_batch,
          r.anchor and (", extends the anchor of " .. r.anchor.at) or ""))
        if r.anchor_written then
          out(("anchor written to %s (link %d)\n"):format(r.anchor_written, r.head_link))
        end
        return EXIT.OK
      end)
    end,
  })
end
