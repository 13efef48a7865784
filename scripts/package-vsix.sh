#!/usr/bin/env bash
# Builds a platform-specific VS Code extension package (.vsix) that carries the plan-lsp
# server in server/plan-lsp, and checks it: the server is inside, executable, and (for this
# machine's platform) answers `--version` with the crate's version.
#
#   bash scripts/package-vsix.sh                  # this machine's platform, e.g. linux-x64
#   bash scripts/package-vsix.sh --server target/release/plan-lsp   # package that binary
#   bash scripts/package-vsix.sh --target darwin-arm64 --server /path/to/mac/plan-lsp
#   bash scripts/package-vsix.sh --target linux-arm64   # cargo build --target aarch64-unknown-linux-gnu
#
# Output: target/vsix/plan-lsp-<target>-<version>.vsix (the path is the last line printed).
# Needs cargo (unless --server is given), Node.js 20 and npm. The user who installs the .vsix
# needs neither Rust nor Node: `code --install-extension target/vsix/plan-lsp-linux-x64-0.1.0.vsix`.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

target=""
server=${PLAN_LSP_BIN:-}
while [[ $# -gt 0 ]]; do
  case $1 in
    --target) target=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "package-vsix: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

# This machine's VS Code platform (vsce --target names).
host_target() {
  local os arch
  case $(uname -s) in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    MINGW* | MSYS* | CYGWIN*) os=win32 ;;
    *) echo "package-vsix: unsupported OS $(uname -s)" >&2; return 1 ;;
  esac
  case $(uname -m) in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "package-vsix: unsupported CPU $(uname -m)" >&2; return 1 ;;
  esac
  if [[ $os == linux ]] && ldd --version 2>&1 | grep -qi musl; then
    os=alpine
  fi
  echo "$os-$arch"
}

# The Rust target triple that builds the server for a VS Code platform.
rust_triple() {
  case $1 in
    linux-x64) echo x86_64-unknown-linux-gnu ;;
    linux-arm64) echo aarch64-unknown-linux-gnu ;;
    linux-armhf) echo armv7-unknown-linux-gnueabihf ;;
    alpine-x64) echo x86_64-unknown-linux-musl ;;
    alpine-arm64) echo aarch64-unknown-linux-musl ;;
    darwin-x64) echo x86_64-apple-darwin ;;
    darwin-arm64) echo aarch64-apple-darwin ;;
    win32-x64) echo x86_64-pc-windows-msvc ;;
    win32-arm64) echo aarch64-pc-windows-msvc ;;
    *) echo "package-vsix: unknown VS Code target '$1'" >&2; return 1 ;;
  esac
}

host=$(host_target)
target=${target:-$host}
rust_triple "$target" >/dev/null
exe=plan-lsp
[[ $target == win32-* ]] && exe=plan-lsp.exe

crate_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
ext_version=$(node -p 'require("./editors/vscode/package.json").version')
if [[ $crate_version != "$ext_version" ]]; then
  echo "package-vsix: the crate is $crate_version but editors/vscode/package.json is $ext_version; make them equal" >&2
  exit 1
fi

if [[ -z $server ]]; then
  if [[ $target == "$host" ]]; then
    echo "== cargo build --release (a no-op when target/release/plan-lsp is current)"
    cargo build --release --quiet --bin plan-lsp
    server=$repo/target/release/plan-lsp
  else
    triple=$(rust_triple "$target")
    echo "== cargo build --release --target $triple (needs that target's std and linker)"
    cargo build --release --quiet --bin plan-lsp --target "$triple"
    server=$repo/target/$triple/release/$exe
  fi
fi
[[ -f $server ]] || { echo "package-vsix: no server binary at $server" >&2; exit 1; }

ext=$repo/editors/vscode
out_dir=$repo/target/vsix
vsix=$out_dir/plan-lsp-$target-$ext_version.vsix
mkdir -p "$out_dir"
rm -f "$vsix"

# The server lives in editors/vscode/server only while vsce runs, so a plain
# `npm run package` (the universal, server-less .vsix) never picks it up.
trap 'rm -rf "$ext/server"' EXIT
rm -rf "$ext/server"
mkdir -p "$ext/server"
cp "$server" "$ext/server/$exe"
chmod 755 "$ext/server/$exe"
# The release profile keeps line tables for backtraces: 45 MB. Stripped it is about 7 MB.
if [[ $target == "$host" ]] && command -v strip >/dev/null; then
  strip "$ext/server/$exe"
fi
echo "== server: $server -> server/$exe ($(wc -c < "$ext/server/$exe") bytes)"

echo "== vsce package --target $target"
cd "$ext"
[[ -x node_modules/.bin/vsce ]] || npm ci --no-audit --no-fund
# vscode:prepublish type-checks and bundles dist/extension.js first.
npx --no-install vsce package --no-dependencies --allow-missing-repository --target "$target" --out "$vsix"
cd "$repo"

echo "== checking $vsix"
python3 - "$vsix" "$exe" "$target" "$host" "$crate_version" <<'PY'
import os, stat, subprocess, sys, tempfile, zipfile

vsix, exe, target, host, version = sys.argv[1:]
name = f"extension/server/{exe}"
with zipfile.ZipFile(vsix) as z:
    names = z.namelist()
    if name not in names:
        sys.exit(f"package-vsix: {name} is missing from {vsix}: {names}")
    manifest = z.read("extension.vsixmanifest").decode()
    if f'TargetPlatform="{target}"' not in manifest:
        sys.exit(f"package-vsix: extension.vsixmanifest does not name TargetPlatform {target}")
    for required in ("extension/dist/extension.js", "extension/package.json"):
        if required not in names:
            sys.exit(f"package-vsix: {required} is missing from {vsix}")
    info = z.getinfo(name)
    mode = info.external_attr >> 16
    if not exe.endswith(".exe") and not mode & 0o111:
        sys.exit(f"package-vsix: {name} is not executable in the .vsix (mode {oct(mode)})")
    print(f"{name}: {info.file_size} bytes, mode {stat.filemode(mode)}; {len(names)} files, "
          f"{os.path.getsize(vsix)} bytes in all")
    if target != host:
        print(f"not running the {target} server on {host}")
        sys.exit(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = z.extract(info, tmp)
        os.chmod(path, mode & 0o777)
        got = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
        line = got.stdout.strip()
        print(f"{name} --version: {line}")
        if got.returncode != 0 or line != f"plan-lsp {version}":
            sys.exit(f"package-vsix: expected 'plan-lsp {version}', got {got.returncode}: {got.stdout}{got.stderr}")
PY
echo "$vsix"
