-- :checkhealth backend_architect
local M = {}

local health = vim.health or require("health")
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local err = health.error or health.report_error
local info = health.info or health.report_info

-- :checkhealth shows its report in a buffer of its own (a new tab page, a split or a float), which
-- is current while check() runs: the buffer to inspect is the one in the window the user came
-- from, else the last file buffer entered (tracked by setup()), else the alternate one.
local function user_buffer(plugin)
  local function is_file(bufnr)
    if not bufnr or bufnr <= 0 or not vim.api.nvim_buf_is_valid(bufnr) then
      return false
    end
    local name = vim.api.nvim_buf_get_name(bufnr)
    return vim.bo[bufnr].buftype == "" and name ~= "" and not name:match("^health://")
  end
  local current = vim.api.nvim_get_current_buf()
  if is_file(current) then
    return current
  end
  -- A new tab page: the current window of the previous one.
  local previous_tab = vim.fn.tabpagenr("#")
  if previous_tab > 0 and previous_tab ~= vim.fn.tabpagenr() then
    local buffers = vim.fn.tabpagebuflist(previous_tab)
    local window = vim.fn.tabpagewinnr(previous_tab)
    if type(buffers) == "table" and is_file(buffers[window]) then
      return buffers[window]
    end
  end
  -- A split or a float in the same tab page: the previous window.
  local previous_window = vim.fn.winnr("#")
  if previous_window > 0 and is_file(vim.fn.winbufnr(previous_window)) then
    return vim.fn.winbufnr(previous_window)
  end
  if is_file(plugin.last_buffer) then
    return plugin.last_buffer
  end
  local alternate = vim.fn.bufnr("#")
  if is_file(alternate) then
    return alternate
  end
  return nil
end

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
      "Install it: pipx install backend-architect (or npm install -g backend-architect, or cargo install --locked --path server/backend-architect from the repository)",
      "Or point setup({ cmd = { '/path/to/backend-architect', 'lsp' } }) at it",
    })
  end
  local bufnr = user_buffer(plugin)
  if not bufnr then
    info("no file buffer to inspect: open a Python or JavaScript/TypeScript file, then run :checkhealth again")
  else
    local file = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ":~:.")
    local attached = plugin.clients_for(bufnr)
    if #attached > 0 then
      for _, client in ipairs(attached) do
        ok(string.format("client %d attached to %s (root %s, position encoding %s)",
          client.id, file, client.config.root_dir or "?", client.offset_encoding or "?"))
      end
    else
      warn(string.format("no backend-architect client is attached to %s (filetype %s; served: %s)",
        file, vim.bo[bufnr].filetype ~= "" and vim.bo[bufnr].filetype or "none",
        table.concat(plugin.config.filetypes, ", ")))
    end
  end
  info("fix_on_save: " .. tostring(plugin.config.fix_on_save))
end

return M
