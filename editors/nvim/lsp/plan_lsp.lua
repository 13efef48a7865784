-- plan-lsp for Neovim 0.11+: copy this file to ~/.config/nvim/lsp/plan_lsp.lua
-- and call vim.lsp.enable('plan_lsp') from your init.lua.
--
-- The server is attached to markdown buffers that are plans only:
--   * the file name ends in `-plan.md` or `.plan.md`, or
--   * the first 50 lines hold an H1 title and an `## Implementation Steps` heading.
-- The workspace root is the nearest directory holding `plan-lsp.toml` or `.git`,
-- else the file's own directory.

local HEAD_LINES = 50

---@param bufnr integer
---@return boolean
local function is_plan(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name:match('%-plan%.md$') or name:match('%.plan%.md$') then
    return true
  end
  local has_title, has_steps = false, false
  for _, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, HEAD_LINES, false)) do
    has_title = has_title or line:match('^#%s+%S') ~= nil
    has_steps = has_steps or line:match('^##%s+Implementation Steps%s*$') ~= nil
  end
  return has_title and has_steps
end

---@type vim.lsp.Config
return {
  cmd = { 'plan-lsp' },
  filetypes = { 'markdown' },
  -- Not calling on_dir means "do not attach to this buffer".
  root_dir = function(bufnr, on_dir)
    if not is_plan(bufnr) then
      return
    end
    local root = vim.fs.root(bufnr, { 'plan-lsp.toml', '.git' })
    if root == nil then
      local name = vim.api.nvim_buf_get_name(bufnr)
      root = name ~= '' and vim.fs.dirname(name) or vim.fn.getcwd()
    end
    on_dir(root)
  end,
}
