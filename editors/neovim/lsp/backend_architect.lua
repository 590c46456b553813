-- Neovim 0.11+ native configuration: `vim.lsp.enable("backend_architect")`.
-- (Use require("backend_architect").setup({ fix_on_save = true }) for fix-on-save and commands.)
return {
  cmd = { "backend-architect", "lsp" },
  filetypes = { "python", "javascript", "javascriptreact", "typescript", "typescriptreact" },
  root_markers = { "backend-architect.toml", "pyproject.toml", "package.json", ".git" },
  settings = { backendArchitect = {} },
}
