#!/usr/bin/env bash
# Optional, slow, not part of CI: installs the platform-specific extension package (the
# server bundled inside, built by scripts/package-vsix.sh) into code-server (VS Code 1.100 in
# the browser, from npm), opens a plan and drives it with Debian's headless Chromium
# (editors/vscode/e2e/drive.mjs). code-server runs with no `plan-lsp` on its PATH, no
# ~/.cargo/bin and no planLsp.server.path setting, so only the bundled server can answer; the
# script checks the extension's log says it started that one. Then it installs the universal
# package (no server inside) and checks the "not found" message. Everything lands in
# target/e2e-vscode. Needs root for apt-get (chromium, and the headers code-server's native
# modules build with).
#   bash scripts/e2e-vscode.sh        # about 2 min the first time, then about 30 s
#   PLAN_LSP_BIN=/abs/plan-lsp bash scripts/e2e-vscode.sh   # bundle that binary, skip cargo build
set -euo pipefail

CODE_SERVER_VERSION=4.100.3   # the newest code-server whose engines accept Node 20
PORT=${PORT:-18123}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
work=$repo/target/e2e-vscode
mkdir -p "$work"

if [[ ! -x /usr/bin/chromium ]] || ! dpkg -s libkrb5-dev ripgrep >/dev/null 2>&1; then
  echo "== apt-get install chromium libkrb5-dev ripgrep"
  apt-get update -q >/dev/null
  apt-get install -y -q chromium libkrb5-dev ripgrep >/dev/null
fi

cs=$work/cs/node_modules/.bin/code-server
if [[ ! -x $cs ]]; then
  echo "== installing code-server $CODE_SERVER_VERSION"
  # @vscode/ripgrep takes a cached release archive before trying to download one:
  # hand it Debian's ripgrep in that archive's name.
  rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$rg_cache"
  tmp=$(mktemp -d)
  cp /usr/bin/rg "$tmp/rg"
  tar czf "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$tmp" rg
  rm -rf "$tmp"
  # unsafe_perm: its postinstall refuses root otherwise; nodedir: node-gyp uses the local
  # Node headers instead of downloading them; yes: a postinstall runs npx non-interactively.
  npm_config_unsafe_perm=true npm_config_nodedir=/usr npm_config_yes=true \
    npm install --no-audit --no-fund --prefix "$work/cs" "code-server@$CODE_SERVER_VERSION"
fi
"$cs" --version --config /dev/null 2>/dev/null | tail -1

echo "== packaging the extension with the server inside (scripts/package-vsix.sh)"
vsix=$(bash scripts/package-vsix.sh | tail -1)
[[ -f $vsix ]] || { echo "e2e-vscode: scripts/package-vsix.sh made no .vsix" >&2; exit 1; }
echo "== packaging the universal extension, without a server (npm run package)"
(cd editors/vscode && rm -f plan-lsp-*.vsix && npm run --silent package >/dev/null)
universal=$(ls "$repo"/editors/vscode/plan-lsp-*.vsix)
(cd editors/vscode/e2e && { [[ -d node_modules ]] || npm ci --no-audit --no-fund; })

# No plan-lsp for the extension to find but a bundled one: drop every PATH entry holding a
# plan-lsp, and point CARGO_HOME (the extension also looks in $CARGO_HOME/bin) at an empty folder.
stripped=""
IFS=: read -ra dirs <<< "$PATH"
for dir in "${dirs[@]}"; do
  [[ -n $dir && ! -e $dir/plan-lsp ]] && stripped=${stripped:+$stripped:}$dir
done
export PATH=$stripped CARGO_HOME=$work/no-cargo-home
mkdir -p "$CARGO_HOME"
if command -v plan-lsp >/dev/null; then
  echo "e2e-vscode: plan-lsp is still on PATH ($(command -v plan-lsp))" >&2
  exit 1
fi
command -v node >/dev/null || { echo "e2e-vscode: node shared a PATH folder with plan-lsp; move plan-lsp" >&2; exit 1; }
echo "== PATH for code-server has no plan-lsp; CARGO_HOME=$CARGO_HOME"

cs_pid=""
# The whole process group: code-server, its extension host and plan-lsp.
stop_code_server() {
  if [[ -n $cs_pid ]]; then
    kill -- -"$cs_pid" 2>/dev/null || true
    wait "$cs_pid" 2>/dev/null || true
    cs_pid=""
  fi
}
trap stop_code_server EXIT

# Installs $1 into a fresh code-server profile, starts it on a workspace holding the sample
# plan, and runs drive.mjs with the environment given after it. Sets $run.
drive() {
  local package=$1
  shift
  run=$(mktemp -d "$work/run.XXXX")
  local ws=$run/ws
  mkdir -p "$ws" "$run/data/User" "$run/ext"
  cp tests/node/fixtures/sample-plan.md "$ws/sample-plan.md"
  # Not a plan (README), and a plan by its content only: the extension must send both.
  cp tests/node/fixtures/README.md "$ws/README.md"
  cp tests/node/fixtures/sample-plan.md "$ws/report-export-implementation.md"
  printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" > "$run/config.yaml"
  cat > "$run/data/User/settings.json" <<JSON
{
  "planLsp.trace.server": "messages",
  "planLsp.files": ["**/*-plan.md"],
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "files.hotExit": "off",
  "markdown.validate.enabled": false,
  "chat.disableAIFeatures": true
}
JSON
  local common=(--config "$run/config.yaml" --user-data-dir "$run/data" --extensions-dir "$run/ext")
  XDG_CONFIG_HOME=$run/xdg-config XDG_DATA_HOME=$run/xdg-data "$cs" "${common[@]}" --install-extension "$package"
  XDG_CONFIG_HOME=$run/xdg-config XDG_DATA_HOME=$run/xdg-data setsid "$cs" "${common[@]}" \
    --disable-telemetry --disable-update-check --disable-workspace-trust \
    --disable-getting-started-override "$ws" > "$run/code-server.log" 2>&1 &
  cs_pid=$!
  for _ in $(seq 150); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
    sleep 0.2
  done
  local status=0
  env CS_URL="http://127.0.0.1:$PORT" WS="$ws" FILE=sample-plan.md OUT="$run" "$@" \
    node editors/vscode/e2e/drive.mjs || status=$?
  stop_code_server
  echo "screenshots and logs: $run"
  find "$run/data/logs" -name '*Plan LSP*' -exec tail -n 5 {} \; 2>/dev/null | sed 's/^/    Plan LSP| /'
  return $status
}

rc=0
echo "== 1. the platform-specific package: the bundled server answers"
drive "$vsix" || rc=$?
# The extension logs which server it started and why: it must be the bundled one.
if started=$(find "$run/data/logs" -name '*Plan LSP*' -exec grep -h 'Starting .*--stdio' {} + 2>/dev/null | head -1) &&
   [[ $started == *"/server/plan-lsp --stdio (bundled with the extension)"* ]]; then
  echo "bundled server: ok ($started)"
else
  echo "bundled server: FAIL (the extension's log says: ${started:-nothing about starting a server})"
  rc=1
fi
# settings.json above still sets the removed planLsp.files: the extension must say it is not read.
if find "$run/data/logs" -name '*Plan LSP*' -exec grep -q 'planLsp.files setting is no longer read' {} + 2>/dev/null; then
  echo "leftover planLsp.files: ok (the log says it is no longer read)"
else
  echo "leftover planLsp.files: FAIL (no warning in the extension's log)"
  rc=1
fi

echo "== 2. the universal package, no server anywhere: the extension says what it looked for"
drive "$universal" EXPECT=not-found || rc=$?
exit $rc
