--- Tamper evidence: `isms verify` (docs/tamper-evidence.md), over the
-- register methods of isms.store.chain.
local chain = require "isms.store.chain"
local cjson = require "cjson"

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
        local ok, e, code = chain.keygen(keyfile, keyfile .. ".pub")
        if not ok then
          err(e)
          return exit_for(code)
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
