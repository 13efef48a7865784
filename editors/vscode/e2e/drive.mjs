// Drives VS Code (code-server) in Debian's headless Chromium with playwright-core, the way a
// person uses the Plan LSP extension: open a plan, read the Problems panel, the symbol list,
// completion, a quick fix, the restart command, and that every markdown file reaches the server
// (a README gets no problems, a plan not named -plan.md gets them). Started by scripts/e2e-vscode.sh.
// With EXPECT=not-found it only opens the plan and reads the extension's "not found" message.
//   CS_URL=http://127.0.0.1:18123 WS=/abs/workspace FILE=sample-plan.md OUT=dir node drive.mjs
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const CS_URL = process.env.CS_URL ?? 'http://127.0.0.1:18123';
const WS = process.env.WS;
const FILE = process.env.FILE ?? 'sample-plan.md';
// The same plan under a name that says nothing (copied into the workspace by e2e-vscode.sh).
const OTHER_PLAN = process.env.OTHER_PLAN ?? 'report-export-implementation.md';
// EXPECT=not-found: the extension has no server to start; check its message and stop.
const EXPECT_NOT_FOUND = process.env.EXPECT === 'not-found';
class Done extends Error {}
const OUT = process.env.OUT ?? '.';
const t0 = Date.now();
const log = (...a) => console.log(`[${String(Date.now() - t0).padStart(6)}ms]`, ...a);
const clean = (s) => s.replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
let passed = 0;
let failed = 0;
const check = (ok, what, detail = '') => {
  log(ok ? 'ok  ' : 'FAIL', what, ok ? '' : detail);
  if (ok) passed++; else failed++;
};

// Line numbers (1-based) in the plan, read from the file itself.
const lines = readFileSync(join(WS, FILE), 'utf8').split('\n');
const lastStep = lines.findLastIndex((l) => l.startsWith('### Step '));
const ruleAfter = lines.findIndex((l, i) => i > lastStep && l === '---');
const blankUnderLastStep = ruleAfter; // 1-based number of the line before the rule
const typeRow = lines.findIndex((l) => l.startsWith('| **Type**'));
const typeAt = `${typeRow + 1}:${lines[typeRow].indexOf('[PoC') + 2}`; // line:column, 1-based

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  // The background-networking flags keep Chromium from calling out of this closed network.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const shot = (name) => page.screenshot({ path: join(OUT, `${name}.png`) }).catch(() => {});
const editor = page.locator('.editor-instance .monaco-editor').first();
const viewLine = (text) => editor.locator('.view-line', { hasText: text }).first();
const squiggles = '.editor-instance .squiggly-error, .editor-instance .squiggly-warning, .editor-instance .squiggly-info';

/** Moves the cursor with Go to Line (Ctrl+G): `where` is `line` or `line:column`. */
async function goTo(where) {
  await editor.click();
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type(String(where));
  await page.keyboard.press('Enter');
}

async function problems() {
  await page.keyboard.press('Control+Shift+M');
  const rows = page.locator('.markers-panel .monaco-list-row');
  await rows.first().waitFor({ timeout: 15000 });
  await page.waitForTimeout(500);
  return (await rows.allInnerTexts()).map(clean);
}

/** Opens a file of the workspace with Quick Open (Ctrl+P). */
async function openFile(name) {
  await page.keyboard.press('Escape').catch(() => {});
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type(name);
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${name}"]`);
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: name }).first().waitFor({ timeout: 15000 });
  log('opened', name);
}

async function runCommand(title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10000 });
  await page.keyboard.press('Enter');
}

async function step(what, fn) {
  try {
    await fn();
  } catch (e) {
    check(false, what, e.message.split('\n')[0]);
    await shot(`error-${passed + failed}`);
    await page.keyboard.press('Escape').catch(() => {});
  }
}

try {
  page.on('pageerror', (e) => log('pageerror', e.message));
  await page.goto(`${CS_URL}/?folder=${encodeURIComponent(WS)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.waitForSelector('.explorer-folders-view, .explorer-viewlet', { timeout: 60000 });
  log('workbench loaded');

  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } }).catch(() => {});
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.type(FILE);
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${FILE}"]`);
  await page.keyboard.press('Enter');
  await editor.locator('.view-lines').waitFor();
  log('opened', FILE);

  if (EXPECT_NOT_FOUND) {
    // No server anywhere: the extension must say so, naming what it looked for.
    await step('the not-found message names each place it looked', async () => {
      const toast = page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'Plan LSP' }).first();
      await toast.waitFor({ timeout: 30000 });
      const text = clean(await toast.innerText());
      log('notification:', JSON.stringify(text));
      await shot('not-found');
      const want = ['was not found', 'planLsp.server.path is not set', 'carries no server', 'PATH', 'pipx install .'];
      const missing = want.filter((w) => !text.includes(w));
      check(missing.length === 0, 'the not-found message names each place it looked', `missing ${missing.join(', ')}`);
    });
    throw new Done();
  }

  await step('diagnostics in the Problems panel', async () => {
    await page.waitForSelector(squiggles, { timeout: 30000 });
    const rows = await problems();
    log('Problems:', JSON.stringify(rows));
    await shot('problems');
    const want = ['unfilled-placeholder', 'missing-section', 'step-numbering'];
    const missing = want.filter((code) => !rows.some((p) => p.includes(code)));
    check(missing.length === 0 && rows.some((p) => p.includes('plan-lsp')),
      'diagnostics in the Problems panel', `missing ${missing.join(', ')}`);
  });

  await step('document symbols from the server', async () => {
    await editor.click();
    await page.keyboard.press('Control+Shift+O');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type('Step 1');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await rows.first().waitFor({ timeout: 15000 });
    await page.waitForTimeout(300);
    const symbols = (await rows.allInnerTexts()).map(clean);
    log('symbols matching "Step 1":', JSON.stringify(symbols));
    await page.keyboard.press('Escape');
    // VS Code's own markdown symbols read "### Step 1: ..."; the server's read "Step 1: ..."
    // followed by their container, Implementation Steps.
    check(symbols.some((t) => t.startsWith('Step 1') && t.includes('Implementation Steps')),
      'document symbols from the server');
  });

  await step('completion after "### " under the last step', async () => {
    await goTo(blankUnderLastStep);
    await page.keyboard.type('### ');
    await page.keyboard.press('Control+Space');
    const rows = page.locator('.suggest-widget .monaco-list-row');
    let labels = [];
    try {
      await rows.first().waitFor({ timeout: 10000 });
      labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    } finally {
      log('completion:', JSON.stringify(labels));
      await shot('completion');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Z');
    }
    check(labels.some((l) => l?.startsWith('Step')), 'completion offers the next step');
  });

  await step('quick fix for the Type placeholder', async () => {
    await goTo(typeAt);
    await page.keyboard.press('Control+.');
    const rows = page.locator('.action-widget .monaco-list-row');
    await rows.first().waitFor({ timeout: 15000 });
    const titles = (await rows.allInnerTexts()).map(clean);
    log('actions:', JSON.stringify(titles));
    await shot('actions');
    // The widget swallows clicks: move with the keyboard to the first fill-in action.
    // Prefer the action that fills in `Feature`, else take the first one.
    const feature = /`Feature`$/;
    const target = titles.some((t) => feature.test(t)) ? feature : /./;
    for (let i = 0; i < titles.length + 2; i++) {
      const focused = clean(await page.locator('.action-widget .monaco-list-row.focused').first().innerText().catch(() => ''));
      if (target.test(focused) && !/^(Learn more|More Actions)/.test(focused)) break;
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    // Monaco renders spaces as no-break spaces.
    await page.waitForFunction(() => ![...document.querySelectorAll('.editor-instance .view-line')]
      .some((l) => l.innerText.replace(/\u00a0/g, ' ').includes('PoC or Feature')), null, { timeout: 15000 });
    log('row now:', clean(await viewLine('**Type**').innerText()));
    await shot('after-fix');
    await problems();
    await page.waitForFunction(() => ![...document.querySelectorAll('.markers-panel .monaco-list-row')]
      .some((r) => r.innerText.includes('unfilled-placeholder')), null, { timeout: 15000 });
    check(true, 'quick fix applied and its problem cleared');
  });

  await step('Plan LSP: Restart Server', async () => {
    await editor.click();
    await runCommand('Plan LSP: Restart Server');
    // Stopping the client clears its problems; the new server publishes them again.
    await page.waitForTimeout(1000);
    await page.waitForFunction(() => [...document.querySelectorAll('.markers-panel .monaco-list-row')]
      .some((r) => r.innerText.includes('step-numbering')), null, { timeout: 30000 });
    check(true, 'restart command brings the diagnostics back');
  });

  // The extension sends every markdown file; the server decides. README.md (sections named like
  // the template's, no plan structure) must stay quiet; the same plan under a name no file-name
  // filter picks must get its problems. The README is opened first, so by the time the other
  // file's problems show, the server has answered for the README too.
  await step('every markdown file reaches the server, which decides', async () => {
    await openFile('README.md');
    await openFile(OTHER_PLAN);
    await problems(); // opens the panel (pressing its key again would close it)
    await page.waitForFunction((name) => [...document.querySelectorAll('.markers-panel .monaco-list-row')]
      .some((r) => r.innerText.includes(name)), OTHER_PLAN, { timeout: 30000 });
    await page.waitForTimeout(1000);
    const rows = (await page.locator('.markers-panel .monaco-list-row').allInnerTexts()).map(clean);
    log('Problems:', JSON.stringify(rows));
    await shot('readme-and-other-plan');
    const readme = rows.filter((r) => r.includes('README.md'));
    check(readme.length === 0, 'no problems for README.md', JSON.stringify(readme));
    check(rows.some((r) => r.includes(OTHER_PLAN)) && rows.some((r) => r.includes('missing-section')),
      `problems for ${OTHER_PLAN}`);
  });
} catch (e) {
  if (!(e instanceof Done)) {
    check(false, 'driving code-server', e.message.split('\n')[0]);
    await shot('error');
  }
} finally {
  await browser.close();
}
console.log(`vscode-e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
