-- Praxis language server for Neovim 0.7 and newer, without plugins.
--
-- Put this file on your 'runtimepath' as lua/praxis.lua (for example
-- ~/.config/nvim/lua/praxis.lua) and call from init.lua:
--
--   require('praxis').setup()
--
-- or, with options (all optional):
--
--   require('praxis').setup({
--     cmd = { '/path/to/praxis', 'lsp' },          -- default: praxis from PATH
--     cmd_env = { PRAXIS_LOG = 'debug' },          -- server logs go to :LspLog
--     init_options = { practices = { 'lint/practices' } }, -- replaces the project's folders
--     filetypes = { 'python', 'typescript' },      -- default: every language Praxis checks
--     on_attach = function(client, bufnr) end,
--     capabilities = nil, on_exit = nil,           -- passed to the client as they are
--   })
--
-- The server starts in projects that have a `.praxis/` folder (found upwards from the file)
-- and is shared by every buffer of that project. On Neovim 0.8+ this uses vim.lsp.start; on
-- 0.7 it falls back to vim.lsp.start_client + vim.lsp.buf_attach_client.
--
-- On Neovim 0.11+ you can use vim.lsp.enable('praxis') instead of setup(): lsp/praxis.lua,
-- copied to ~/.config/nvim/lsp/praxis.lua, takes its filetypes and root from this module.

local M = {}

-- Neovim filetypes of the files `praxis languages` lists: one list for this module,
-- lsp/praxis.lua (Neovim 0.11's vim.lsp.config) and the nvim-lspconfig snippet, checked against
-- what Neovim detects for every extension by tests/tests/neovim.rs. `bash` is what some
-- Neovim versions and plugins call bash scripts; `sbt` and `xhtml` are Scala and HTML to Praxis.
M.filetypes = {
  'typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'python', 'rust', 'go',
  'java', 'kotlin', 'c', 'cpp', 'cs', 'ruby', 'php', 'swift', 'scala', 'sbt', 'sh', 'bash',
  'zsh', 'html', 'xhtml', 'css', 'json', 'jsonc', 'yaml',
}

-- The folder holding `.praxis/` above `path`, or nil.
function M.root_dir(path)
  if path == nil or path == '' then
    return nil
  end
  local dir = vim.fn.fnamemodify(path, ':p:h')
  local found = vim.fn.finddir('.praxis', dir .. ';')
  if found == '' then
    return nil
  end
  return vim.fn.fnamemodify(found, ':p:h:h')
end

-- The project root for buffer `bufnr` when Praxis is to run there, else nil. YAML counts only
-- inside .praxis/: the practice files, whose errors and failing examples Praxis reports.
function M.buffer_root(bufnr)
  local path = vim.api.nvim_buf_get_name(bufnr)
  local root = M.root_dir(path)
  if root ~= nil and vim.bo[bufnr].filetype == 'yaml' and not path:find('/.praxis/', 1, true) then
    return nil
  end
  return root
end

local clients = {} -- root -> client id (Neovim 0.7 only)

local function attach(bufnr, opts)
  local root = M.buffer_root(bufnr)
  if root == nil then
    return
  end
  local config = {
    name = 'praxis',
    cmd = opts.cmd or { 'praxis', 'lsp' },
    cmd_env = opts.cmd_env,
    root_dir = root,
    init_options = opts.init_options,
    on_attach = opts.on_attach,
    on_exit = opts.on_exit,
    capabilities = opts.capabilities,
  }
  if vim.lsp.start then -- Neovim 0.8+
    vim.lsp.start(config, { bufnr = bufnr })
    return
  end
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  if id ~= nil then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

function M.setup(opts)
  opts = opts or {}
  local group = vim.api.nvim_create_augroup('praxis_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = opts.filetypes or M.filetypes,
    callback = function(args)
      attach(args.buf, opts)
    end,
  })
  -- Buffers that are already open when setup() runs.
  local wanted = {}
  for _, ft in ipairs(opts.filetypes or M.filetypes) do
    wanted[ft] = true
  end
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and wanted[vim.bo[bufnr].filetype] then
      attach(bufnr, opts)
    end
  end
end

return M
