--- Backup and restore: `isms backup FILE` and `isms restore FILE`. The
-- register methods they use (`reg:backup`, `reg:restore`) are added to
-- every register here, for scripts and the REPL too.
local store = require "isms.store.register"
local b = require "isms.store._ffi"

local C = b.C

store.extend({
  --- Copies the register to path (SQLite's online backup API), consistent
  -- while others read and write; refuses an existing path unless
  -- `opts.overwrite`.
  -- @treturn true|nil true, or nil, message, code
  backup = function(self, path, opts)
    store.check_open(self, "backup")
    local rc = C.isms_backup(self.db, path, (opts and opts.overwrite) and 1 or 0)
    if rc ~= 0 then return store.failure(self, rc) end
    return true
  end,
  --- Replaces the register's content with the register copy at path, in
  -- one transaction; refuses what is not an intact isms register.
  -- @treturn true|nil true, or nil, message, code
  restore = function(self, path, opts)
    store.check_open(self, "restore")
    local rc = C.isms_restore(self.db, path, opts and opts.reason)
    if rc ~= 0 then return store.failure(self, rc) end
    return true
  end,
})

return function(kit)
  local command, out, with_register, exit_for, err, EXIT =
    kit.command, kit.out, kit.with_register, kit.exit_for, kit.err, kit.EXIT

  command("backup", {
    usage = "isms backup FILE [--force]",
    summary = "copy the register to FILE, consistent while others work",
    help = [[
Copies the register (--db) to FILE with SQLite's online backup API: one
consistent snapshot, taken while other isms processes go on reading and
writing. FILE is a register itself (one file, no -wal), written beside
FILE and renamed into place. An existing FILE is refused unless --force.]],
    options = { force = "flag" },
    args = 1,
    run = function(ctx, opts, pos)
      if not pos[1] or pos[2] then return nil, "usage: isms backup FILE [--force]", "USAGE" end
      return with_register(ctx, function(reg)
        local ok, e, code = reg:backup(pos[1], { overwrite = opts.force })
        if not ok then
          err(e)
          return exit_for(code)
        end
        out(("backed up %s to %s\n"):format(reg.path, pos[1]))
        return EXIT.OK
      end)
    end,
  })

  command("restore", {
    usage = "isms restore FILE [--reason TEXT]",
    summary = "replace the register's content with the backup FILE",
    help = [[
Replaces the whole content of the register (--db) with the register copy
FILE (made by isms backup), in one transaction: a failure or a crash
leaves the register as it was. FILE must be an intact isms register of
this or an older schema (an older one is migrated); anything else is
refused (exit 3) and the register is not touched. The restore is recorded
as a change batch of the restored register.]],
    options = { reason = "value" },
    args = 1,
    run = function(ctx, opts, pos)
      if not pos[1] or pos[2] then return nil, "usage: isms restore FILE [--reason TEXT]", "USAGE" end
      return with_register(ctx, function(reg)
        local ok, e, code = reg:restore(pos[1], { reason = opts.reason })
        if not ok then
          err(e)
          return exit_for(code)
        end
        out(("restored %s from %s (schema %d)\n"):format(reg.path, pos[1], reg:schema_version()))
        return EXIT.OK
      end)
    end,
  })
end
