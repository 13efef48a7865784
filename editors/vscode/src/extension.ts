// VS Code client for plan-lsp: finds the server binary, starts it over stdio and
// attaches it to every markdown document. The server decides which documents are plans
// and reports nothing for the others.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  DocumentSelector,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

const SECTION = 'planLsp';
const NAME = 'Plan LSP';
// Where a server can come from; said in every "not found" message so the user knows what to fix.
const INSTALL_HINT =
  'Install a platform-specific Plan LSP .vsix (it carries the server), ' +
  'or install the `plan-lsp` command (`pipx install .` or `cargo install --path .` in a clone of plan-lsp), ' +
  'or point the `planLsp.server.path` setting at the binary.';

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
// The installed extension's folder; a platform-specific .vsix has the server in its `server/`.
let extensionPath: string;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  output = vscode.window.createOutputChannel(NAME, { log: true });
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('planLsp.restartServer', () => restart()),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      // The binary is fixed when a client starts; other settings reach the running server.
      if (event.affectsConfiguration(`${SECTION}.server.path`)) {
        output.info('Settings changed: restarting the server.');
        await restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running === undefined) {
    return;
  }
  try {
    await running.stop();
  } catch (err) {
    output.error(`Stopping the server failed: ${String(err)}`);
  }
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const command = findServer(config.get<string>('server.path', ''), extensionPath);
  if (command.error !== undefined) {
    output.error(command.error);
    const choice = await vscode.window.showErrorMessage(command.error, 'Open Settings', 'Show Output');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.server.path`);
    } else if (choice === 'Show Output') {
      output.show();
    }
    return;
  }
  output.info(`Starting ${command.path} --stdio (${command.source})`);
  warnRemovedFilesSetting(config);

  // TransportKind.stdio appends `--stdio` to the arguments; the server accepts it.
  const serverOptions: ServerOptions = {
    run: { command: command.path, args: [], transport: TransportKind.stdio },
    debug: { command: command.path, args: [], transport: TransportKind.stdio },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    // The settings object as plain JSON; the server reads it from `initializationOptions`.
    initializationOptions: settingsObject(),
    synchronize: { configurationSection: SECTION },
    outputChannel: output,
  };
  // The id `planLsp` makes the client read the `planLsp.trace.server` setting.
  const next = new LanguageClient(SECTION, NAME, serverOptions, clientOptions);
  try {
    await next.start();
    client = next;
  } catch (err) {
    void next.dispose().catch(() => undefined);
    const message = `${NAME}: the server ${command.path} failed to start: ${String(err)}`;
    output.error(message);
    void vscode.window.showErrorMessage(message, 'Show Output').then((choice) => {
      if (choice === 'Show Output') {
        output.show();
      }
    });
  }
}

// Every markdown document, on disk and unsaved: the server decides which are plans (by
// name, or by title, sections and structure; `files` in plan-lsp.toml overrides) and reports
// nothing for the others. It also reports problems in its configuration file.
const DOCUMENT_SELECTOR: DocumentSelector = [
  { scheme: 'file', language: 'markdown' },
  { scheme: 'untitled', language: 'markdown' },
  { scheme: 'file', pattern: '**/plan-lsp.toml' },
];

// `planLsp.files` (glob patterns) chose which documents the extension sent; the server now
// decides, so the setting is no longer read. Say so to whoever still has it set.
function warnRemovedFilesSetting(config: vscode.WorkspaceConfiguration): void {
  const set = config.inspect('files');
  if (
    set?.globalValue === undefined &&
    set?.workspaceValue === undefined &&
    set?.workspaceFolderValue === undefined
  ) {
    return;
  }
  output.warn(
    'The planLsp.files setting is no longer read: the extension sends every markdown file and ' +
      'the server decides which are plans. To make other files plans, list them under `files` ' +
      'in plan-lsp.toml; then remove planLsp.files from your settings.',
  );
}

function settingsObject(): unknown {
  // A WorkspaceConfiguration carries methods next to the values; JSON keeps the values only.
  const settings = JSON.parse(JSON.stringify(vscode.workspace.getConfiguration(SECTION)));
  // The server has no `files` setting (plan-lsp.toml has); do not send a leftover one.
  delete settings.files;
  return settings;
}

type Found =
  | { path: string; source: string; error?: undefined }
  | { path?: undefined; source?: undefined; error: string };

/**
 * Finds the server: the `planLsp.server.path` setting, then the binary bundled in a
 * platform-specific .vsix (`server/plan-lsp`), then `plan-lsp` on PATH or in ~/.cargo/bin.
 */
function findServer(configured: string, extensionDir: string): Found {
  const setting = configured.trim();
  if (setting !== '') {
    const resolved = resolveSetting(setting);
    if (isExecutable(resolved)) {
      return { path: resolved, source: 'planLsp.server.path' };
    }
    return {
      error:
        `${NAME}: planLsp.server.path is set to "${setting}", but ${resolved} is not an executable file. ` +
        'Correct the setting, or clear it to use the bundled server or plan-lsp on PATH.',
    };
  }
  const exe = process.platform === 'win32' ? 'plan-lsp.exe' : 'plan-lsp';
  const bundled = path.join(extensionDir, 'server', exe);
  const hasBundled = fs.existsSync(bundled);
  if (hasBundled && isExecutable(bundled)) {
    return { path: bundled, source: 'bundled with the extension' };
  }
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  // A desktop session often starts VS Code without ~/.cargo/bin on PATH.
  const cargoBin = path.join(process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo'), 'bin');
  dirs.push(cargoBin);
  for (const dir of dirs) {
    const candidate = path.join(dir, exe);
    if (isExecutable(candidate)) {
      return { path: candidate, source: 'found on PATH' };
    }
  }
  const bundledSays = hasBundled
    ? `The bundled server ${bundled} is not executable (reinstall the extension).`
    : `This extension package carries no server (it is not a platform-specific .vsix for ${process.platform}-${process.arch}).`;
  return {
    error:
      `${NAME}: the plan-lsp server was not found. planLsp.server.path is not set. ${bundledSays} ` +
      `No ${exe} on the PATH of VS Code's extension host nor in ${cargoBin}. ${INSTALL_HINT}`,
  };
}

function resolveSetting(setting: string): string {
  const home = setting === '~' || setting.startsWith('~/') ? path.join(os.homedir(), setting.slice(1)) : setting;
  if (path.isAbsolute(home)) {
    return home;
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder === undefined ? path.resolve(home) : path.join(folder.uri.fsPath, home);
}

function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    fs.accessSync(file, process.platform === 'win32' ? fs.constants.F_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
