-- Headless end-to-end test of the plugin against the real server.
-- nvim --headless -u NONE -i NONE -n -c "luafile editors/neovim/tests/e2e.lua"
-- Environment: BA_BIN (server binary), BA_PLUGIN (editors/neovim), BA_PROJECT (a copy of
-- tests/project). Exits 0 and prints PASS on success; exits non-zero with FAIL: … otherwise.

local function run()
  vim.opt.rtp:prepend(os.getenv("BA_PLUGIN"))
  vim.cmd("filetype on")
  local ba = require("backend_architect")
  ba.setup({ cmd = { os.getenv("BA_BIN"), "lsp" }, fix_on_save = true })

  local project = os.getenv("BA_PROJECT")
  local path = project .. "/app.py"
  vim.cmd("edit " .. path)
  local bufnr = vim.api.nvim_get_current_buf()
  assert(vim.bo[bufnr].filetype == "python", "filetype not detected: " .. vim.bo[bufnr].filetype)

  assert(vim.wait(15000, function()
    return #ba.clients_for(bufnr) > 0
  end, 20), "the server did not attach")
  local client = ba.clients_for(bufnr)[1]
  assert(client.config.root_dir == project, "root_dir " .. tostring(client.config.root_dir) .. " ~= " .. project)

  local function code_of(d)
    return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  end
  local function codes()
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      table.insert(out, code_of(d))
    end
    table.sort(out)
    return table.concat(out, ",")
  end
  assert(vim.wait(15000, function()
    return codes() == "SEC102,SEC103,SEC201"
  end, 20), "diagnostics: got [" .. codes() .. "]")

  -- A quick fix through the code-action request changes the buffer.
  local diag
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if code_of(d) == "SEC102" then
      diag = d
    end
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = {
      start = { line = diag.lnum, character = diag.col },
      ["end"] = { line = diag.end_lnum, character = diag.end_col },
    },
    context = { diagnostics = {}, only = { "quickfix" } },
  }
  local response
  if vim.fn.has("nvim-0.11") == 1 then
    response = client:request_sync("textDocument/codeAction", params, 5000, bufnr)
  else
    response = client.request_sync("textDocument/codeAction", params, 5000, bufnr)
  end
  assert(response and response.result, "no code actions: " .. vim.inspect(response))
  local fix
  for _, action in ipairs(response.result) do
    if action.title:find("Remove `shell=True`", 1, true) then
      fix = action
    end
  end
  assert(fix, "no shell=True quick fix among " .. vim.inspect(vim.tbl_map(function(a)
    return a.title
  end, response.result)))
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding)
  local line = vim.api.nvim_buf_get_lines(bufnr, diag.lnum, diag.lnum + 1, false)[1]
  assert(line == '    subprocess.run(["ls", name])', "after the quick fix: " .. line)
  assert(vim.wait(15000, function()
    return codes() == "SEC103,SEC201"
  end, 20), "diagnostics after the quick fix: [" .. codes() .. "]")

  -- :write with fix_on_save applies the safe fixes before the file reaches the disk.
  vim.cmd("write")
  local f = assert(io.open(path, "r"))
  local written = f:read("*a")
  f:close()
  assert(written:find("data = yaml.safe_load(stream)", 1, true), "on disk:\n" .. written)
  assert(written:find('subprocess.run(["ls", name])', 1, true), "on disk:\n" .. written)

  -- Scaffolding: a project command creates files through workspace/applyEdit (CreateFile).
  -- (At the project root: Neovim 0.7 creates files but not missing folders.)
  local cmd = {
    command = "backend-architect.scaffold.dockerfile",
    arguments = { { uri = vim.uri_from_fname(project) } },
  }
  local result
  if vim.fn.has("nvim-0.11") == 1 then
    result = client:request_sync("workspace/executeCommand", cmd, 15000, bufnr)
  else
    result = client.request_sync("workspace/executeCommand", cmd, 15000, bufnr)
  end
  assert(result and result.result and result.result.applied == true, "scaffold: " .. vim.inspect(result))
  local dockerfile = project .. "/Dockerfile"
  local dbuf = vim.fn.bufnr(dockerfile)
  assert(dbuf ~= -1, "the Dockerfile was not created: " .. vim.inspect(result))
  local dtext = table.concat(vim.api.nvim_buf_get_lines(dbuf, 0, -1, false), "\n")
  assert(dtext:find("FROM python:3.12-slim-bookworm AS build", 1, true), "Dockerfile:\n" .. dtext)
  vim.api.nvim_set_current_buf(bufnr)

  -- The user commands exist, and :checkhealth runs.
  assert(vim.fn.exists(":BackendArchitectFixAll") == 2, "missing :BackendArchitectFixAll")
  assert(vim.fn.exists(":BackendArchitectRestart") == 2, "missing :BackendArchitectRestart")
  -- The architecture map in a split: the app and its route, as Mermaid.
  local map = require("backend_architect").show_map(nil, bufnr)
  assert(map, "no map buffer")
  local mtext = table.concat(vim.api.nvim_buf_get_lines(map, 0, -1, false), "\n")
  assert(mtext:find("flowchart LR", 1, true) and mtext:find("backend-architect/map/v1", 1, true), "map:\n" .. mtext)
  assert(vim.bo[map].filetype == "mermaid", "map filetype " .. vim.bo[map].filetype)
  vim.cmd("close")
  vim.api.nvim_set_current_buf(bufnr)
  vim.cmd("checkhealth backend_architect")
  local report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  assert(report:find("backend-architect", 1, true) and report:find("version: backend-architect", 1, true),
    "checkhealth report:\n" .. report)
  -- About app.py, the buffer the user came from, not the report's own buffer.
  assert(report:find("client %d+ attached to [^\n]*app%.py"), "checkhealth shows no client on app.py:\n" .. report)
  assert(not report:find("no backend-architect client", 1, true), "checkhealth:\n" .. report)
end

local ok, err = pcall(run)
if ok then
  io.stdout:write("PASS\n")
  vim.cmd("qa!")
else
  io.stderr:write("FAIL: " .. tostring(err) .. "\n")
  vim.cmd("cq")
end
