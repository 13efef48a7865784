-- Headless Neovim 0.11 end-to-end test of plan-lsp, using editors/nvim/lsp/plan_lsp.lua
-- the way a user installs it (found on the runtimepath, enabled with vim.lsp.enable).
--   PLAN_LSP_BIN=/abs/path/plan-lsp nvim --headless --clean -u tests/nvim/test.lua tests/node/fixtures/sample-plan.md
-- Prints one line per check and closes with `neovim-e2e: N passed, N failed`;
-- exits non-zero when a check fails.

local TIMEOUT = tonumber(os.getenv('PLAN_LSP_TIMEOUT_MS') or '10000')
local NAME = 'plan_lsp'

local here = vim.fs.dirname(vim.fs.normalize(debug.getinfo(1, 'S').source:sub(2)))
local repo = vim.fs.dirname(vim.fs.dirname(vim.fs.normalize(vim.fn.fnamemodify(here, ':p'))))
vim.opt.runtimepath:prepend(repo .. '/editors/nvim')

local bin = os.getenv('PLAN_LSP_BIN') or (repo .. '/target/debug/plan-lsp')
vim.lsp.config(NAME, { cmd = { bin } })
vim.lsp.enable(NAME)

local t0 = vim.uv.hrtime()
local passed, failed = 0, 0
local function say(fmt, ...)
  io.stdout:write(string.format('[%5dms] ', math.floor((vim.uv.hrtime() - t0) / 1e6)) .. string.format(fmt, ...) .. '\n')
end

local function finish()
  io.stdout:write(string.format('neovim-e2e: %d passed, %d failed\n', passed, failed))
  io.stdout:flush()
  vim.cmd(failed == 0 and passed > 0 and 'qall!' or 'cquit 1')
end

--- Runs one check; `fn` returns true or false, message. Returns whether it passed.
local function check(what, fn)
  local ok, res, msg = xpcall(fn, debug.traceback)
  if ok and res then
    passed = passed + 1
    say('ok   %s', what)
    return true
  end
  failed = failed + 1
  say('FAIL %s: %s', what, ok and tostring(msg) or tostring(res))
  return false
end

local function lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

--- 0-based index of the first line from `from` (0-based) matching `pattern`, or nil.
local function find_line(buf, pattern, from)
  for i, l in ipairs(lines(buf)) do
    if i - 1 >= (from or 0) and l:match(pattern) then
      return i - 1
    end
  end
end

local function client_of(buf)
  return vim.lsp.get_clients({ bufnr = buf, name = NAME })[1]
end

--- The unfilled-placeholder diagnostic on the `**Type**` table row, or nil.
local function type_placeholder(buf)
  local row = find_line(buf, '^| %*%*Type%*%*')
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == 'unfilled-placeholder' and d.lnum == row then
      return d
    end
  end
end

local function request(client, buf, method, params)
  local res, err = client:request_sync(method, params, TIMEOUT, buf)
  if not res then
    return nil, method .. ': ' .. tostring(err)
  end
  if res.err then
    return nil, method .. ': ' .. tostring(res.err)
  end
  return res.result
end

local function main()
  local file = vim.fn.argv(0)
  if file == '' then
    failed = failed + 1
    say('FAIL no plan file given on the command line')
    return
  end
  -- The file given on the command line is read before VimEnter; :edit makes sure FileType ran.
  if vim.bo.filetype ~= 'markdown' then
    vim.cmd.edit(file)
  end
  local buf = vim.api.nvim_get_current_buf()
  say('server %s; buffer %d %s ft=%s', bin, buf, vim.api.nvim_buf_get_name(buf), vim.bo[buf].filetype)

  local client
  local attached = check('client attaches to the plan file', function()
    if not vim.wait(TIMEOUT, function() return client_of(buf) ~= nil end, 20) then
      return false, 'no ' .. NAME .. ' client on the buffer'
    end
    client = client_of(buf)
    if not vim.wait(TIMEOUT, function() return client.initialized end, 20) then
      return false, 'client not initialized'
    end
    say('     root %s, encoding %s, server %s', tostring(client.root_dir), client.offset_encoding,
      vim.inspect(client.server_info):gsub('%s+', ' '))
    return true
  end)
  if not attached then
    return
  end
  local pull = client:supports_method('textDocument/diagnostic')
  say('     diagnostics mode: %s', pull and 'pull (textDocument/diagnostic)' or 'push (publishDiagnostics)')

  --- Opens `path`, waits for the client on it, runs `fn(other_buf, client)`, and goes back
  --- to the plan buffer whatever happens.
  local function in_other_buffer(path, fn)
    vim.cmd.edit(path)
    local other = vim.api.nvim_get_current_buf()
    local ok, res, msg = pcall(function()
      if vim.bo[other].filetype ~= 'markdown' then
        return false, path .. ' has filetype ' .. vim.bo[other].filetype
      end
      if not vim.wait(TIMEOUT, function() return client_of(other) ~= nil end, 20) then
        return false, 'no ' .. NAME .. ' client on ' .. path .. ' (the config must attach to every markdown file)'
      end
      return fn(other, client_of(other))
    end)
    vim.cmd.buffer(buf)
    if not ok then
      error(res, 0)
    end
    return res, msg
  end

  --- The server's diagnostics for `other`: pulled with textDocument/diagnostic when the
  --- server offers it, else what was pushed within `wait_ms`.
  local function server_diagnostics(other, c, wait_ms)
    if pull then
      local result, err = request(c, other, 'textDocument/diagnostic',
        { textDocument = vim.lsp.util.make_text_document_params(other) })
      if not result then
        return nil, err
      end
      return result.items or {}
    end
    vim.wait(wait_ms, function() return #vim.diagnostic.get(other) > 0 end, 20)
    return vim.diagnostic.get(other)
  end

  check('a README.md (not a plan) gets the client and no diagnostics', function()
    -- Sections named like the template's (Overview, Architecture, Dependencies), no plan structure.
    local readme = repo .. '/tests/node/fixtures/README.md'
    return in_other_buffer(readme, function(other, c)
      -- Pushed diagnostics (when the server does not offer pull) may take a moment.
      local items, err = server_diagnostics(other, c, 1500)
      if not items then
        return false, err
      end
      for _, d in ipairs(items) do
        say('     README [%s] %s', tostring(d.code), d.message)
      end
      if #items > 0 then
        return false, #items .. ' diagnostics from the server for ' .. readme
      end
      -- Whatever Neovim itself pulled or was pushed for the buffer is empty too.
      vim.wait(300)
      local shown = vim.diagnostic.get(other)
      return #shown == 0, #shown .. ' diagnostics shown on the README buffer'
    end)
  end)

  check('a plan not named -plan.md gets diagnostics: the server decides', function()
    local dir = vim.fn.tempname()
    vim.fn.mkdir(dir, 'p')
    local other_plan = dir .. '/report-export-implementation.md'
    vim.fn.writefile(vim.fn.readfile(vim.api.nvim_buf_get_name(buf)), other_plan)
    return in_other_buffer(other_plan, function(other, c)
      local items, err = server_diagnostics(other, c, TIMEOUT)
      if not items then
        return false, err
      end
      local codes = {}
      for _, d in ipairs(items) do
        codes[#codes + 1] = tostring(d.code)
      end
      say('     %s: %s', vim.fs.basename(other_plan), table.concat(codes, ', '))
      return vim.list_contains(codes, 'missing-section'), 'no missing-section diagnostic'
    end)
  end)

  check('diagnostics with the expected codes and source plan-lsp', function()
    local want = { 'unfilled-placeholder', 'missing-section', 'step-numbering' }
    local function has_all()
      local got = {}
      for _, d in ipairs(vim.diagnostic.get(buf)) do
        got[d.code] = true
      end
      return vim.iter(want):all(function(c) return got[c] end)
    end
    local ok = vim.wait(TIMEOUT, has_all, 20)
    local diags = vim.diagnostic.get(buf)
    for _, d in ipairs(diags) do
      say('     %d:%d [%s/%s] %s', d.lnum + 1, d.col + 1, tostring(d.source), tostring(d.code), d.message)
    end
    if not ok then
      return false, 'missing one of ' .. table.concat(want, ', ')
    end
    for _, d in ipairs(diags) do
      if d.source ~= 'plan-lsp' then
        return false, 'source ' .. tostring(d.source)
      end
    end
    return true
  end)

  check('documentSymbol nests Step 1 under Implementation Steps', function()
    local result, err = request(client, buf, 'textDocument/documentSymbol',
      { textDocument = vim.lsp.util.make_text_document_params(buf) })
    if not result then
      return false, err
    end
    for _, s in ipairs(result) do
      say('     %s (%d children)', s.name, #(s.children or {}))
      if s.name == 'Implementation Steps' then
        for _, c in ipairs(s.children or {}) do
          if vim.startswith(c.name, 'Step 1') then
            return true
          end
        end
        return false, 'no Step 1 child'
      end
    end
    return false, 'no Implementation Steps symbol'
  end)

  check('completion after "### " under the last step offers a Step item', function()
    local last = find_line(buf, '^### Step 3')
    local rule = last and find_line(buf, '^%-%-%-$', last)
    if not rule then
      return false, 'fixture has no last step followed by ---'
    end
    local row = rule - 1
    vim.api.nvim_buf_set_lines(buf, row, row + 1, false, { '### ' })
    vim.api.nvim_win_set_cursor(0, { row + 1, 4 })
    local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
    local result, err = request(client, buf, 'textDocument/completion', params)
    vim.api.nvim_buf_set_lines(buf, row, row + 1, false, { '' })
    if not result then
      return false, err
    end
    local labels = vim.tbl_map(function(i) return i.label end, result.items or result)
    say('     items: %s', table.concat(labels, ', '))
    return vim.iter(labels):any(function(l) return vim.startswith(l, 'Step') end), 'no item labelled Step...'
  end)

  check('quick fix on the Type placeholder edits the buffer and clears it', function()
    if not client:supports_method('textDocument/codeAction') then
      return false, 'the server does not advertise codeActionProvider'
    end
    if not vim.wait(TIMEOUT, function() return type_placeholder(buf) ~= nil end, 20) then
      return false, 'no unfilled-placeholder diagnostic on the **Type** row'
    end
    local d = type_placeholder(buf)
    local before = table.concat(lines(buf), '\n')
    vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
    local offered, chosen = {}, nil
    vim.lsp.buf.code_action({
      apply = true,
      context = { only = { 'quickfix' }, diagnostics = { d.user_data.lsp } },
      -- Exactly one action passes, so `apply` applies it without asking.
      filter = function(action)
        table.insert(offered, action.title)
        if chosen == nil and action.kind == 'quickfix' and action.edit ~= nil then
          chosen = action.title
          return true
        end
        return false
      end,
    })
    local changed = vim.wait(TIMEOUT, function() return table.concat(lines(buf), '\n') ~= before end, 20)
    if not changed then
      return false, 'buffer unchanged; offered: ' .. table.concat(offered, ' | ')
    end
    say('     applied %q: %s', chosen, lines(buf)[d.lnum + 1])
    if vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, false)[1]:find('[PoC or Feature', 1, true) then
      return false, 'placeholder still in the Type row'
    end
    if not vim.wait(TIMEOUT, function() return type_placeholder(buf) == nil end, 20) then
      return false, 'the Type placeholder diagnostic is still there'
    end
    return true
  end)
end

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  nested = true, -- so :edit inside the callback fires FileType, and with it vim.lsp.enable's attach
  callback = function()
    -- A hang in a check must still end with the summary line.
    vim.defer_fn(function()
      failed = failed + 1
      say('FAIL watchdog: the test did not finish within 100 s')
      finish()
    end, 100000)
    local ok, err = xpcall(main, debug.traceback)
    if not ok then
      failed = failed + 1
      say('FAIL %s', err)
    end
    finish()
  end,
})
