-- plan-lsp for Neovim 0.11+: copy this file to ~/.config/nvim/lsp/plan_lsp.lua
-- and call vim.lsp.enable('plan_lsp') from your init.lua.
--
-- The server is attached to every markdown buffer; it decides by itself which documents
-- are plans (see "Which documents are plans" in plan-lsp's README) and reports nothing for
-- the others: no diagnostics, no code actions.
-- The workspace root is the nearest directory holding `plan-lsp.toml` or `.git`,
-- else the file's own directory (the current directory for a buffer without a name).

---@type vim.lsp.Config
return {
  cmd = { 'plan-lsp' },
  filetypes = { 'markdown' },
  root_dir = function(bufnr, on_dir)
    local root = vim.fs.root(bufnr, { 'plan-lsp.toml', '.git' })
    if root == nil then
      local name = vim.api.nvim_buf_get_name(bufnr)
      root = name ~= '' and vim.fs.dirname(name) or vim.fn.getcwd()
    end
    on_dir(root)
  end,
}
