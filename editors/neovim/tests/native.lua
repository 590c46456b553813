-- Neovim 0.11+: the shipped lsp/backend_architect.lua works with vim.lsp.config/enable alone.
local function run()
  vim.opt.rtp:prepend(os.getenv("BA_PLUGIN"))
  vim.cmd("filetype on")
  vim.lsp.config("backend_architect", { cmd = { os.getenv("BA_BIN"), "lsp" } })
  vim.lsp.enable("backend_architect")
  vim.cmd("edit " .. os.getenv("BA_PROJECT") .. "/app.py")
  local bufnr = vim.api.nvim_get_current_buf()
  assert(vim.wait(15000, function()
    return #vim.diagnostic.get(bufnr) == 3
  end, 20), "diagnostics: " .. #vim.diagnostic.get(bufnr))
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = "backend_architect" })[1]
  assert(client, "not attached")
  assert(client.offset_encoding == "utf-8" or client.offset_encoding == "utf-16", client.offset_encoding)
end

local ok, err = pcall(run)
if ok then
  io.stdout:write("PASS\n")
  vim.cmd("qa!")
else
  io.stderr:write("FAIL: " .. tostring(err) .. "\n")
  vim.cmd("cq")
end
