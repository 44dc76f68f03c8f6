-- kb lint findings as Neovim diagnostics (Neovim 0.7 or later).
--
-- Put editors/nvim on the runtimepath (or copy this file to ~/.config/nvim/lua/), then in init.lua:
--   require("kb_lint").setup()               -- lint Python buffers when read and written
--   require("kb_lint").setup({ command = { "/path/to/venv/bin/kb", "lint", "--json" } })
-- :lua require("kb_lint").lint() lints the current buffer's file once.
--
-- Each finding of `kb lint --json` (docs/json.md, "lint") becomes a diagnostic with source "kb"
-- and code "KB-<entry id>"; the entry, corpus/<entry id>.md, explains the situation and its fix.
local M = {}

M.namespace = vim.api.nvim_create_namespace("kb-lint")
M.command = { "kb", "lint", "--json" }

local function diagnostics(findings)
  local found = {}
  for _, finding in ipairs(findings) do
    table.insert(found, {
      lnum = finding.line - 1, -- kb counts from 1, Neovim from 0
      col = finding.col - 1,
      severity = vim.diagnostic.severity.WARN,
      source = "kb",
      code = "KB-" .. finding.id,
      message = finding.message,
      user_data = { title = finding.title },
    })
  end
  return found
end

local function lines_of(data)
  return table.concat(data or {}, "\n")
end

-- Lint the file of `bufnr` (default: the current buffer) in the background; returns the job id.
function M.lint(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == "" then
    return nil
  end
  local stdout, stderr = {}, {}
  local command = vim.list_extend(vim.deepcopy(M.command), { path })
  return vim.fn.jobstart(command, {
    stdout_buffered = true,
    stderr_buffered = true,
    on_stdout = function(_, data) stdout = data end,
    on_stderr = function(_, data) stderr = data end,
    on_exit = function(_, code)
      if not vim.api.nvim_buf_is_valid(bufnr) then
        return
      end
      if code > 1 then -- 2: the file cannot be linted (syntax error, ...); the reason is on stderr
        vim.diagnostic.reset(M.namespace, bufnr)
        return vim.notify(lines_of(stderr), vim.log.levels.WARN)
      end
      local ok, output = pcall(vim.fn.json_decode, lines_of(stdout))
      if not ok or type(output) ~= "table" then
        return vim.notify("kb lint: unreadable output", vim.log.levels.ERROR)
      end
      vim.diagnostic.set(M.namespace, bufnr, diagnostics(output.findings or {}))
    end,
  })
end

function M.setup(options)
  options = options or {}
  M.command = options.command or M.command
  local group = vim.api.nvim_create_augroup("kb-lint", { clear = true })
  vim.api.nvim_create_autocmd({ "BufReadPost", "BufWritePost" }, {
    group = group,
    pattern = options.pattern or "*.py",
    callback = function(event) M.lint(event.buf) end,
  })
end

return M
