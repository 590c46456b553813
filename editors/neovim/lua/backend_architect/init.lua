-- backend-architect for Neovim: starts the language server for backend files, and optionally
-- applies its safe fixes (`source.fixAll.backend-architect`) before every write.
-- Works on Neovim 0.7 (vim.lsp.start_client) and current releases (vim.lsp.start).

local M = {}

local FIX_ALL = "source.fixAll.backend-architect"
local NAME = "backend_architect"

local defaults = {
  cmd = { "backend-architect", "lsp" },
  filetypes = { "python", "javascript", "javascriptreact", "typescript", "typescriptreact" },
  root_markers = { "backend-architect.toml", "pyproject.toml", "package.json", ".git" },
  -- Sent as initializationOptions and answered to workspace/configuration (section
  -- "backendArchitect"): select, ignore, extend-select, severity, exclude.
  settings = {},
  fix_on_save = false,
  fix_timeout_ms = 2000,
  on_attach = nil,
  capabilities = nil,
}

M.config = vim.deepcopy(defaults)

local has_011 = vim.fn.has("nvim-0.11") == 1

local function notify(msg, level)
  vim.notify("backend-architect: " .. msg, level or vim.log.levels.INFO)
end

-- Client method calls changed from `client.f(...)` to `client:f(...)` in 0.11.
local function request_sync(client, method, params, timeout, bufnr)
  if has_011 then
    return client:request_sync(method, params, timeout, bufnr)
  end
  return client.request_sync(method, params, timeout, bufnr)
end

local function clients_for(bufnr)
  local all
  if vim.lsp.get_clients then
    all = vim.lsp.get_clients({ bufnr = bufnr, name = NAME })
  else
    all = vim.tbl_values(vim.lsp.buf_get_clients(bufnr))
  end
  return vim.tbl_filter(function(c)
    return c.name == NAME
  end, all)
end

M.clients_for = clients_for

--- The nearest ancestor directory of `path` containing one of the root markers.
function M.find_root(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  while dir and dir ~= "" do
    for _, marker in ipairs(M.config.root_markers) do
      if vim.loop.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      break
    end
    dir = parent
  end
  return nil
end

--- Applies every safe fix in `bufnr` in one edit, synchronously (used before writing).
function M.fix_all(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  for _, client in ipairs(clients_for(bufnr)) do
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      range = { start = { line = 0, character = 0 }, ["end"] = { line = 0, character = 0 } },
      context = { only = { FIX_ALL }, diagnostics = {} },
    }
    local response = request_sync(client, "textDocument/codeAction", params, M.config.fix_timeout_ms, bufnr)
    if response and response.result then
      for _, action in ipairs(response.result) do
        if action.edit then
          vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or "utf-16")
        end
      end
    elseif response and response.err then
      notify("fix-all failed: " .. vim.inspect(response.err), vim.log.levels.WARN)
    end
  end
end

--- Shows the architecture map (Mermaid) of the workspace in a scratch split, from the
--- server's `backend-architect.showMap` command. `focus`: a route path, a file or a handler.
function M.show_map(focus, bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = clients_for(bufnr)[1]
  if not client then
    notify("no backend-architect client for this buffer", vim.log.levels.WARN)
    return nil
  end
  local args = { format = "mermaid" }
  if focus and focus ~= "" then
    args.focus = focus
  end
  local cmd = { command = "backend-architect.showMap", arguments = { args } }
  local response = request_sync(client, "workspace/executeCommand", cmd, M.config.fix_timeout_ms * 10, bufnr)
  if not (response and response.result and response.result.content) then
    notify("the map could not be drawn: " .. vim.inspect(response and response.err), vim.log.levels.WARN)
    return nil
  end
  vim.cmd("botright vnew")
  local map = vim.api.nvim_get_current_buf()
  vim.bo[map].buftype = "nofile"
  vim.bo[map].bufhidden = "wipe"
  vim.bo[map].swapfile = false
  vim.api.nvim_buf_set_lines(map, 0, -1, false, vim.split(response.result.content, "\n", { plain = true }))
  vim.bo[map].filetype = "mermaid"
  vim.bo[map].modified = false
  pcall(vim.api.nvim_buf_set_name, map, "backend-architect://map")
  return map
end

local function on_attach(client, bufnr)
  if M.config.fix_on_save then
    local group = vim.api.nvim_create_augroup("BackendArchitectFixOnSave" .. bufnr, { clear = true })
    vim.api.nvim_create_autocmd("BufWritePre", {
      group = group,
      buffer = bufnr,
      callback = function()
        M.fix_all(bufnr)
      end,
    })
  end
  if M.config.on_attach then
    M.config.on_attach(client, bufnr)
  end
end

local function client_config(root)
  -- An empty Lua table would be sent as a JSON array.
  local settings = next(M.config.settings) and M.config.settings or vim.empty_dict()
  return {
    name = NAME,
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ":t") } },
    init_options = settings,
    settings = { backendArchitect = settings },
    capabilities = M.config.capabilities or vim.lsp.protocol.make_client_capabilities(),
    on_attach = on_attach,
  }
end

local started = {} -- root → client id, for Neovim 0.7

--- Starts (or reuses) the server for the buffer's project and attaches it.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or vim.bo[bufnr].buftype ~= "" then
    return
  end
  if vim.fn.executable(M.config.cmd[1]) ~= 1 then
    notify("`" .. M.config.cmd[1] .. "` is not executable; install it with `pipx install backend-architect` "
      .. "(or `cargo install --locked --path server/backend-architect` from the repository) "
      .. "or set `cmd` in setup()", vim.log.levels.ERROR)
    return
  end
  local root = M.find_root(name) or vim.fn.fnamemodify(name, ":p:h")
  if vim.lsp.start then
    return vim.lsp.start(client_config(root), { bufnr = bufnr })
  end
  local id = started[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(client_config(root))
    started[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

--- Stops every backend-architect client and starts it again for the open buffers.
function M.restart()
  local buffers = {}
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and #clients_for(bufnr) > 0 then
      table.insert(buffers, bufnr)
    end
    for _, client in ipairs(clients_for(bufnr)) do
      if has_011 then
        client:stop()
      else
        client.stop()
      end
    end
  end
  started = {}
  vim.wait(2000, function()
    for _, bufnr in ipairs(buffers) do
      if #clients_for(bufnr) > 0 then
        return false
      end
    end
    return true
  end, 20)
  for _, bufnr in ipairs(buffers) do
    M.attach(bufnr)
  end
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  local group = vim.api.nvim_create_augroup("BackendArchitect", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- The last file buffer entered, for :checkhealth (which runs in a buffer of its own).
  vim.api.nvim_create_autocmd("BufEnter", {
    group = group,
    callback = function(args)
      if vim.bo[args.buf].buftype == "" and vim.api.nvim_buf_get_name(args.buf) ~= "" then
        M.last_buffer = args.buf
      end
    end,
  })
  M.last_buffer = vim.api.nvim_get_current_buf()
  vim.api.nvim_create_user_command("BackendArchitectFixAll", function()
    M.fix_all(0)
  end, { desc = "Apply every safe backend-architect fix in this buffer" })
  vim.api.nvim_create_user_command("BackendArchitectMap", function(cmd)
    M.show_map(cmd.args, M.last_buffer)
  end, { nargs = "?", desc = "Show the architecture map (Mermaid) of the workspace; optional focus: a route, file or handler" })
  vim.api.nvim_create_user_command("BackendArchitectRestart", function()
    M.restart()
  end, { desc = "Restart the backend-architect language server" })
  -- Buffers opened before setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(M.config.filetypes, vim.bo[bufnr].filetype) then
      M.attach(bufnr)
    end
  end
end

return M
