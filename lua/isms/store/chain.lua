--- Tamper evidence (docs/tamper-evidence.md): the register methods
-- `reg:verify`, `reg:export_anchor`, `reg:check_anchor` and
-- `chain.keygen(keyfile, pubfile)`, over core/chain.c and core/anchor.c.
local store = require "isms.store.register"
local b = require "isms.store._ffi"

local C, ffi = b.C, b.ffi
local M = {}

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

--- Writes a new Ed25519 key pair: keyfile (private, PEM, mode 0600) and
-- pubfile; refuses existing files.
-- @treturn true|nil true, or nil, message, code
function M.keygen(keyfile, pubfile)
  local why = ffi.new("char[1024]")
  local rc = C.isms_anchor_keygen(keyfile, pubfile, why, 1024)
  if rc ~= 0 then return nil, ffi.string(why), b.code_names[rc] end
  return true
end

return M
