-- Praxis language server for Neovim 0.11+'s vim.lsp.config / vim.lsp.enable.
--
-- Neovim reads this file as the `praxis` config when it is on the 'runtimepath' as
-- lsp/praxis.lua, with the Praxis module next to it as lua/praxis.lua:
--
--   ~/.config/nvim/lsp/praxis.lua   (this file)
--   ~/.config/nvim/lua/praxis.lua   (editors/neovim/praxis.lua: the filetypes and the root)
--
-- and init.lua says:
--
--   vim.lsp.enable('praxis')
--
-- Options go through vim.lsp.config, which merges them into this table:
--
--   vim.lsp.config('praxis', {
--     cmd = { '/path/to/praxis', 'lsp' },
--     init_options = { practices = { 'lint/practices' } },
--   })

local praxis = require('praxis')

---@type vim.lsp.Config
return {
  -- praxis from PATH.
  cmd = { 'praxis', 'lsp' },
  filetypes = praxis.filetypes,
  -- The folder holding `.praxis/`; without one (or for YAML outside .praxis/) Praxis does not
  -- start, since on_dir is never called.
  root_dir = function(bufnr, on_dir)
    local root = praxis.buffer_root(bufnr)
    if root ~= nil then
      on_dir(root)
    end
  end,
}
