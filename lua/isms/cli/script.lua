--- Commands that run the user's own Lua (trusted code): `isms run` and
-- `isms repl`.
local isms = require "isms"

return function(kit)
  local command = kit.command

  command("run", {
    usage = "isms run SCRIPT.lua [ARGS...]",
    summary = "run a Lua script with the isms API (trusted code)",
    help = [[
Runs SCRIPT with the full Lua standard library and `require "isms"`; its
arguments are in `arg` (arg[0] is the script). The script is your own code
and is trusted; only rule files are sandboxed. ISMS_DB / --db give the
register path to isms.default_db().]],
    options = {},
    stop_at_positional = true,
    args = math.huge,
    run = function(ctx, _, pos)
      isms.db_override = ctx.db
      local script = pos[1]
      if not script then return nil, "usage: isms run SCRIPT.lua [ARGS...]", "USAGE" end
      local chunk, lerr = loadfile(script)
      if not chunk then return nil, lerr, "IO" end
      local script_arg = { [0] = script }
      for k = 2, #pos do script_arg[k - 1] = pos[k] end
      _G.arg = script_arg
      local ok, rerr = xpcall(function() return chunk(unpack(script_arg)) end, debug.traceback)
      if not ok then return nil, tostring(rerr), "ERROR" end
      return true
    end,
  })

  command("repl", {
    usage = "isms repl",
    summary = "interactive Lua with the isms API (line editing, history)",
    options = {},
    run = function(ctx)
      local repl = require "isms.repl"
      return repl.run({ db = ctx.db or isms.default_db() })
    end,
  })
end
