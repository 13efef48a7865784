// End-to-end test of the plan-lsp binary over VS Code's own protocol stack
// (vscode-languageserver-protocol on vscode-jsonrpc), run by node's test runner:
//   PLAN_LSP_BIN=/abs/path/to/plan-lsp node --test lsp-e2e.test.mjs
// The client side advertises what VS Code advertises for these features, but not
// pull diagnostics (textDocument.diagnostic), so the server must push them.
// Like the extension, it sends every markdown document; the server decides which are plans.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as rpc from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const BIN = process.env.PLAN_LSP_BIN ?? join(REPO, 'target', 'debug', 'plan-lsp');
const FIXTURE = join(HERE, 'fixtures', 'sample-plan.md');
// Not a plan: a README whose sections share names with the template (Overview, Architecture,
// Dependencies) but that has none of a plan's structure.
const README = join(HERE, 'fixtures', 'README.md');
const TIMEOUT_MS = Number(process.env.PLAN_LSP_TIMEOUT_MS ?? 10000);
const uri = pathToFileURL(FIXTURE).href;

let server;
let conn;
let doc;
let exitCode; // resolves with the server's exit code (or signal name)
const published = []; // every publishDiagnostics, in arrival order
const waiters = [];

/** Rejects when `promise` does not settle within `ms`. */
function within(promise, what, ms = TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function request(type, params, what) {
  return within(conn.sendRequest(type, params), what);
}

/** The last publishDiagnostics (already received or future) for `version` of `forUri`. */
function diagnosticsFor(version, forUri = uri) {
  const seen = published.findLast((p) => p.uri === forUri && p.version === version);
  if (seen) return Promise.resolve(seen);
  const p = new Promise((res) => waiters.push({ uri: forUri, version, res }));
  return within(p, `publishDiagnostics for version ${version} of ${forUri}`);
}

/** Opens another markdown document the way VS Code does, and returns its version 1 diagnostics. */
async function open(other, text) {
  await conn.sendNotification(rpc.DidOpenTextDocumentNotification.type, {
    textDocument: { uri: other, languageId: 'markdown', version: 1, text },
  });
  return diagnosticsFor(1, other);
}

async function close(other) {
  await conn.sendNotification(rpc.DidCloseTextDocumentNotification.type, { textDocument: { uri: other } });
}

function codes(params) {
  return params.diagnostics.map((d) => d.code);
}

function show(params) {
  for (const d of params.diagnostics) {
    const { line, character } = d.range.start;
    console.log(`  v${params.version} ${line + 1}:${character + 1} [${d.source}/${d.code}] ${d.message}`);
  }
}

/** Applies `changes` locally and sends them as one incremental didChange. */
async function change(changes) {
  doc = TextDocument.update(doc, changes, doc.version + 1);
  await conn.sendNotification(rpc.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: doc.version },
    contentChanges: changes,
  });
  return doc.version;
}

function lineOf(predicate, from = 0) {
  const lines = doc.getText().split('\n');
  for (let i = from; i < lines.length; i++) if (predicate(lines[i])) return i;
  return -1;
}

function lineText(line) {
  return doc.getText().split('\n')[line];
}

/** The unfilled-placeholder diagnostic on the `**Type**` row. */
function typePlaceholder(params) {
  const line = lineOf((l) => l.startsWith('| **Type**'));
  return params.diagnostics.find((d) => d.code === 'unfilled-placeholder' && d.range.start.line === line);
}

before(() => {
  console.log(`server: ${BIN}`);
  server = spawn(BIN, ['--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  exitCode = new Promise((res) => {
    server.once('exit', (code, signal) => res(code ?? signal));
    server.once('error', (err) => res(`spawn error: ${err.message}`));
  });
  conn = rpc.createProtocolConnection(
    new rpc.StreamMessageReader(server.stdout),
    new rpc.StreamMessageWriter(server.stdin),
  );
  conn.onNotification(rpc.PublishDiagnosticsNotification.type, (params) => {
    published.push(params);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w.uri === params.uri && w.version === params.version) waiters.splice(i, 1)[0].res(params);
    }
  });
  // Server-to-client requests that VS Code answers.
  conn.onRequest(rpc.ConfigurationRequest.type, (p) => p.items.map(() => null));
  conn.onRequest(rpc.RegistrationRequest.type, () => null);
  conn.onRequest(rpc.UnregistrationRequest.type, () => null);
  conn.onRequest(rpc.WorkDoneProgressCreateRequest.type, () => null);
  conn.onRequest(rpc.ApplyWorkspaceEditRequest.type, () => ({ applied: false }));
  conn.onNotification(rpc.LogMessageNotification.type, (p) => console.log(`  server log: ${p.message}`));
  conn.onNotification(rpc.ShowMessageNotification.type, (p) => console.log(`  server message: ${p.message}`));
  conn.onError(([err]) => console.log(`  connection error: ${err?.message ?? err}`));
  conn.listen();
  doc = TextDocument.create(uri, 'markdown', 1, readFileSync(FIXTURE, 'utf8'));
});

after(() => {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  conn?.dispose();
});

test('initialize negotiates utf-16 and incremental sync', async () => {
  const res = await request(rpc.InitializeRequest.type, {
    processId: process.pid,
    clientInfo: { name: 'plan-lsp-node-e2e', version: '1' },
    rootUri: pathToFileURL(REPO).href,
    workspaceFolders: [{ uri: pathToFileURL(REPO).href, name: 'plan-lsp' }],
    // What the extension sends: its settings object (`planLsp.*`).
    initializationOptions: { server: { path: '' }, template: '', rules: {}, trace: { server: 'off' } },
    capabilities: {
      general: { positionEncodings: ['utf-16'] },
      textDocument: {
        synchronization: { dynamicRegistration: false, didSave: true, willSave: false },
        publishDiagnostics: {
          relatedInformation: true,
          versionSupport: true,
          codeDescriptionSupport: true,
          dataSupport: true,
          tagSupport: { valueSet: [1, 2] },
        },
        documentSymbol: {
          hierarchicalDocumentSymbolSupport: true,
          labelSupport: true,
          symbolKind: { valueSet: Array.from({ length: 26 }, (_, i) => i + 1) },
        },
        completion: {
          contextSupport: true,
          completionItem: {
            snippetSupport: true,
            insertReplaceSupport: true,
            labelDetailsSupport: true,
            documentationFormat: ['markdown', 'plaintext'],
            resolveSupport: { properties: ['documentation', 'detail'] },
          },
          completionItemKind: { valueSet: Array.from({ length: 25 }, (_, i) => i + 1) },
        },
        codeAction: {
          isPreferredSupport: true,
          dataSupport: true,
          resolveSupport: { properties: ['edit'] },
          codeActionLiteralSupport: {
            codeActionKind: {
              valueSet: ['', 'quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'],
            },
          },
        },
        hover: { contentFormat: ['markdown', 'plaintext'] },
      },
      workspace: {
        configuration: true,
        workspaceFolders: true,
        applyEdit: true,
        workspaceEdit: { documentChanges: true },
        didChangeConfiguration: { dynamicRegistration: true },
      },
      window: { workDoneProgress: true },
    },
  }, 'initialize');
  console.log(`  serverInfo ${JSON.stringify(res.serverInfo)}`);
  console.log(`  capabilities ${JSON.stringify(res.capabilities)}`);
  const caps = res.capabilities;
  assert.ok(caps, 'server returned capabilities');
  assert.ok(
    caps.positionEncoding === undefined || caps.positionEncoding === 'utf-16',
    `client offered only utf-16, server chose ${caps.positionEncoding}`,
  );
  const sync = typeof caps.textDocumentSync === 'number' ? caps.textDocumentSync : caps.textDocumentSync?.change;
  assert.equal(sync, rpc.TextDocumentSyncKind.Incremental, 'incremental text sync');
  assert.ok(caps.documentSymbolProvider, 'documentSymbolProvider');
  await conn.sendNotification(rpc.InitializedNotification.type, {});
});

test('didOpen pushes diagnostics for version 1', async () => {
  await conn.sendNotification(rpc.DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: 'markdown', version: 1, text: doc.getText() },
  });
  const v1 = await diagnosticsFor(1);
  show(v1);
  const got = codes(v1);
  for (const code of ['unfilled-placeholder', 'missing-section', 'step-numbering']) {
    assert.ok(got.includes(code), `expected a ${code} diagnostic, got ${JSON.stringify(got)}`);
  }
  for (const d of v1.diagnostics) assert.equal(d.source, 'plan-lsp', `source of ${d.code}`);
  assert.ok(
    v1.diagnostics.some((d) => d.code === 'missing-section' && /Risks/.test(d.message)),
    'the missing section named is Risks & Mitigations',
  );
  assert.ok(typePlaceholder(v1), 'an unfilled-placeholder diagnostic on the **Type** row');
});

test('a markdown file that is not a plan gets no diagnostics and no code actions', async () => {
  const readme = pathToFileURL(README).href;
  const text = readFileSync(README, 'utf8');
  for (const heading of ['## Overview', '## Architecture', '## Dependencies']) {
    assert.ok(text.includes(`\n${heading}\n`), `the README fixture has ${heading}`);
  }
  const diags = await open(readme, text);
  show(diags);
  assert.deepEqual(diags.diagnostics, [], 'no diagnostics for the README');
  const symbols = await request(rpc.DocumentSymbolRequest.type, { textDocument: { uri: readme } }, 'documentSymbol (README)');
  console.log(`  README symbols: ${JSON.stringify((symbols ?? []).map((s) => s.name))}`);
  // A non-plan gets no outline of ours: VS Code shows its own markdown outline.
  assert.ok(symbols === null || symbols.length === 0, `no symbols for the README, got ${JSON.stringify(symbols)}`);
  const whole = { start: { line: 0, character: 0 }, end: { line: text.split('\n').length, character: 0 } };
  const actions = await request(rpc.CodeActionRequest.type, {
    textDocument: { uri: readme },
    range: whole,
    context: { diagnostics: [], triggerKind: rpc.CodeActionTriggerKind.Invoked },
  }, 'codeAction (README)');
  console.log(`  README actions: ${JSON.stringify((actions ?? []).map((a) => a.title))}`);
  assert.ok(actions === null || actions.length === 0, 'no code actions for the README');
  await close(readme);
});

test('a plan not named -plan.md is a plan too: the server decides, not the file name', async () => {
  // The same plan text under a name no file-name filter would pick (`<slug>-implementation.md`),
  // in a folder of its own with no plan-lsp.toml.
  const other = pathToFileURL(join(mkdtempSync(join(tmpdir(), 'plan-lsp-e2e-')), 'report-export-implementation.md')).href;
  const diags = await open(other, readFileSync(FIXTURE, 'utf8'));
  show(diags);
  const got = codes(diags);
  for (const code of ['unfilled-placeholder', 'missing-section']) {
    assert.ok(got.includes(code), `expected a ${code} diagnostic, got ${JSON.stringify(got)}`);
  }
  await close(other);
});

test('incremental didChange with emoji and CJK gives diagnostics for version 2', async () => {
  // Insert before the Type placeholder, so the placeholder moves right by
  // a surrogate pair (2 UTF-16 units) plus two CJK characters (1 unit each).
  const line = lineOf((l) => l.startsWith('| **Type**'));
  const col = lineText(line).indexOf('[PoC');
  const inserted = '🚀 計画 ';
  const version = await change([{ range: { start: { line, character: col }, end: { line, character: col } }, text: inserted }]);
  assert.equal(version, 2);
  const v2 = await diagnosticsFor(2);
  show(v2);
  const got = codes(v2);
  for (const code of ['unfilled-placeholder', 'missing-section', 'step-numbering']) {
    assert.ok(got.includes(code), `expected a ${code} diagnostic in version 2, got ${JSON.stringify(got)}`);
  }
  const d = typePlaceholder(v2);
  assert.ok(d, 'the Type placeholder diagnostic is still there');
  // JavaScript string indices are UTF-16 code units, the negotiated encoding.
  const want = lineText(line).indexOf('[PoC');
  assert.equal(want, col + inserted.length);
  assert.equal(d.range.start.character, want, 'placeholder start in UTF-16 units after the emoji and CJK');
  assert.equal(d.range.end.line, line);
  assert.equal(d.range.end.character, lineText(line).indexOf(']', want) + 1, 'placeholder end in UTF-16 units');
});

test('documentSymbol is hierarchical with steps under Implementation Steps', async () => {
  const symbols = await request(rpc.DocumentSymbolRequest.type, { textDocument: { uri } }, 'documentSymbol');
  assert.ok(Array.isArray(symbols) && symbols.length > 0, 'some symbols');
  const dump = (list, depth = 0) => list.forEach((s) => {
    console.log(`  ${'  '.repeat(depth)}${s.name} (kind ${s.kind}) line ${s.range?.start.line + 1}`);
    dump(s.children ?? [], depth + 1);
  });
  dump(symbols);
  assert.ok('range' in symbols[0] && 'selectionRange' in symbols[0], 'DocumentSymbol[], not SymbolInformation[]');
  const steps = symbols.find((s) => s.name === 'Implementation Steps');
  assert.ok(steps, 'a top-level Implementation Steps symbol');
  const names = (steps.children ?? []).map((s) => s.name);
  assert.ok(names.some((n) => n.startsWith('Step 1')), `a Step 1 child, got ${JSON.stringify(names)}`);
  const inside = (outer, inner) =>
    (outer.start.line < inner.start.line || (outer.start.line === inner.start.line && outer.start.character <= inner.start.character)) &&
    (inner.end.line < outer.end.line || (inner.end.line === outer.end.line && inner.end.character <= outer.end.character));
  const check = (s) => {
    assert.ok(s.name.length > 0, 'symbol names are not empty');
    assert.ok(inside(s.range, s.selectionRange), `selectionRange inside range for ${s.name}`);
    (s.children ?? []).forEach(check);
  };
  symbols.forEach(check);
});

test('completion after typing "### " under the last step offers the next step', async () => {
  const last = lineOf((l) => l.startsWith('### Step 3'));
  const rule = lineOf((l) => l === '---', last);
  const line = rule - 1;
  assert.equal(lineText(line), '', 'an empty line between the last step and its rule');
  const at = { line, character: 0 };
  await change([{ range: { start: at, end: at }, text: '### ' }]);
  try {
    const res = await request(rpc.CompletionRequest.type, {
      textDocument: { uri },
      position: { line, character: 4 },
      context: { triggerKind: rpc.CompletionTriggerKind.Invoked },
    }, 'completion');
    const items = Array.isArray(res) ? res : res?.items ?? [];
    console.log(`  completion: ${JSON.stringify(items.map((i) => i.label))}`);
    assert.ok(items.some((i) => i.label.startsWith('Step')), 'an item whose label starts with Step');
  } finally {
    await change([{ range: { start: at, end: { line, character: 4 } }, text: '' }]);
  }
});

test('quick fix for the Type placeholder edits the document and clears it', async () => {
  const current = await diagnosticsFor(doc.version);
  const d = typePlaceholder(current);
  assert.ok(d, 'the Type placeholder diagnostic in the current version');
  const actions = await request(rpc.CodeActionRequest.type, {
    textDocument: { uri },
    range: d.range,
    context: { diagnostics: [d], only: [rpc.CodeActionKind.QuickFix], triggerKind: rpc.CodeActionTriggerKind.Invoked },
  }, 'codeAction');
  console.log(`  actions: ${JSON.stringify((actions ?? []).map((a) => a.title))}`);
  const fixes = (actions ?? []).filter((a) => a.kind === rpc.CodeActionKind.QuickFix && a.edit);
  assert.ok(fixes.length > 0, 'at least one quickfix action with an edit');
  const edit = fixes[0].edit;
  const edits = edit.changes?.[uri] ?? edit.documentChanges?.find((c) => c.textDocument?.uri === uri)?.edits;
  assert.ok(edits?.length > 0, 'the edit changes this document');
  const text = TextDocument.applyEdits(doc, edits);
  const row = text.split('\n').find((l) => l.startsWith('| **Type**'));
  console.log(`  applied "${fixes[0].title}": ${row}`);
  assert.ok(!row.includes('[PoC or Feature'), 'the placeholder is replaced');
  // Later edits first, so each range still refers to the text the server computed it on.
  const byStartDesc = [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
  const version = await change(byStartDesc.map((e) => ({ range: e.range, text: e.newText })));
  const fixed = await diagnosticsFor(version);
  show(fixed);
  assert.equal(typePlaceholder(fixed), undefined, 'the Type placeholder diagnostic is gone');
});

test('shutdown + exit ends the process with code 0 within 5 s', async () => {
  await request(rpc.ShutdownRequest.type, undefined, 'shutdown');
  await conn.sendNotification(rpc.ExitNotification.type);
  const code = await within(exitCode, 'process exit after exit notification', 5000);
  assert.equal(code, 0, `exit code after shutdown + exit`);
});
