-- os.exit in a script run by the executable (isms run) closes the Lua
-- state first, as the end of a command does: the script's registers are
-- closed by their finalizers (ffi.gc), so the sanitizer build sees no
-- leak (make check-asan).
local H = require "helper"

describe("os.exit in isms run", function()
  it("runs the finalizers and keeps the exit code", function()
    local flag = H.tmp("closed.txt")
    local script = H.file("exit.lua", ([[
local p = newproxy(true)
getmetatable(p).__gc = function()
  local f = assert(io.open(%q, "w")); f:write("closed"); f:close()
end
KEEP = p
os.exit(3)
]]):format(flag))
    local _, err, code = H.run("run", script)
    assert.are.equal(3, code, err)
    assert.are.equal("closed", H.read(flag))
  end)
end)
