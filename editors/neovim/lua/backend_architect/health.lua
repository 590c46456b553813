-- :checkhealth backend_architect
local M = {}

local health = vim.health or require("health")
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local err = health.error or health.report_error
local info = health.info or health.report_info

function M.check()
  start("backend-architect")
  local plugin = require("backend_architect")
  local exe = plugin.config.cmd[1]
  if vim.fn.executable(exe) == 1 then
    ok("binary: " .. vim.fn.exepath(exe))
    local version = vim.fn.system({ exe, "--version" })
    if vim.v.shell_error == 0 then
      ok("version: " .. vim.trim(version))
    else
      err("`" .. exe .. " --version` failed: " .. vim.trim(version))
    end
  else
    err("`" .. exe .. "` is not executable", {
      "Install it: cargo install --path server (from the backend-architect repository)",
      "Or point setup({ cmd = { '/path/to/backend-architect', 'lsp' } }) at it",
    })
  end
  local attached = plugin.clients_for(vim.api.nvim_get_current_buf())
  if #attached > 0 then
    for _, client in ipairs(attached) do
      ok(string.format("client %d attached to this buffer (root %s, position encoding %s)",
        client.id, client.config.root_dir or "?", client.offset_encoding or "?"))
    end
  else
    warn("no backend-architect client is attached to the current buffer")
  end
  info("fix_on_save: " .. tostring(plugin.config.fix_on_save))
end

return M
