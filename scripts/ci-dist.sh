#!/usr/bin/env bash
# CI for the install paths of the README (issue 16), run by .ci/run after the test suite.
# Each step fails the run when it cannot run or finds a problem.
#   bash scripts/ci-dist.sh
# Steps:
#   1. VS Code: the linux-x64 .vsix with the server inside (scripts/package-vsix.sh checks that
#      it holds an executable server answering --version).
#   2. Python: `maturin build --release`, the wheel installed into a fresh venv, then
#      `plan-lsp --version` and `plan-lsp check examples/`; `pip install .`, `pipx install .` and
#      `uv tool install .` from this clone, each into a throwaway home.
#   3. crates.io: `cargo package` (builds the packaged crate).
#   4. pre-commit: `pre-commit validate-manifest`, then the hook itself through
#      `pre-commit try-repo` on a clean plan (passes) and a broken one (fails), and the README's
#      local hook (`language: system`) the same way; then `pip install "git+file://<this clone>"`.
#   5. Claude Code: `claude plugin validate --strict` on the plugin and its marketplace, then the
#      documented `claude plugin marketplace add` / `claude plugin install` into a throwaway home.
# Tools come from PyPI and npm at pinned versions into target/ci-dist (kept between runs).
# The release binary that .ci/run's tests built is reused; maturin relinks it stripped.
set -euo pipefail

MATURIN_VERSION=1.16.0
PRE_COMMIT_VERSION=4.7.0
PIPX_VERSION=1.18.4
UV_VERSION=0.13.8
# Claude Code's version is pinned in scripts/claude-code/package.json and its lockfile.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
work=$repo/target/ci-dist
mkdir -p "$work"
scratch=$(mktemp -d "$work/run.XXXX")
trap 'rm -rf "$scratch"' EXIT
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
step() { echo; echo "== ci-dist: $*"; }
fail() { echo "ci-dist: FAIL: $*" >&2; exit 1; }

# Checks that $1 is a plan-lsp of this crate's version.
expect_version() {
  local got
  got=$("$1" --version) || fail "$1 --version exited $?"
  [[ $got == "plan-lsp $version" ]] || fail "$1 --version printed '$got', expected 'plan-lsp $version'"
  echo "$1 --version: $got"
}

# A plan with an unclosed code fence: an error, so `plan-lsp check` must exit 1 on it.
broken=$scratch/broken/docs/broken-plan.md
mkdir -p "$(dirname "$broken")"
printf '# Broken Plan\n\n## Overview\n\n```sh\nnever closed\n' > "$broken"

step "tools: maturin $MATURIN_VERSION, pre-commit $PRE_COMMIT_VERSION, pipx $PIPX_VERSION, uv $UV_VERSION (PyPI)"
tools=$work/tools
[[ -x $tools/bin/pip ]] || python3 -m venv "$tools"
"$tools/bin/pip" install --quiet --disable-pip-version-check \
  "maturin==$MATURIN_VERSION" "pre-commit==$PRE_COMMIT_VERSION" "pipx==$PIPX_VERSION" "uv==$UV_VERSION"
"$tools/bin/maturin" --version
"$tools/bin/pre-commit" --version
echo "pipx $("$tools/bin/pipx" --version)"
"$tools/bin/uv" --version

step "VS Code: the linux-x64 extension package with the server inside"
[[ $(uname -sm) == "Linux x86_64" ]] || fail "this step packages linux-x64 and runs its server: needs Linux x86_64, not $(uname -sm)"
# (tee to a file, not /dev/stderr: opening /dev/stderr truncates a log that stderr is sent to.)
bash scripts/package-vsix.sh --target linux-x64 | tee "$scratch/package-vsix.log"
vsix=$(tail -1 "$scratch/package-vsix.log")
[[ -f $vsix ]] || fail "scripts/package-vsix.sh made no .vsix"
echo "vsix: $vsix ($(wc -c < "$vsix") bytes)"

step "Python: maturin build --release, then the wheel in a fresh venv"
rm -rf "$work/wheels"
"$tools/bin/maturin" build --release --quiet --out "$work/wheels"
wheels=("$work"/wheels/plan_lsp-"$version"-*.whl)
[[ ${#wheels[@]} -eq 1 && -f ${wheels[0]} ]] || fail "expected one wheel in $work/wheels: ${wheels[*]}"
wheel=${wheels[0]}
echo "wheel: $(basename "$wheel") ($(wc -c < "$wheel") bytes)"
python3 -m venv "$scratch/wheel-venv"
"$scratch/wheel-venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
plan_lsp=$scratch/wheel-venv/bin/plan-lsp
expect_version "$plan_lsp"
report=$("$plan_lsp" check examples/) || fail "plan-lsp check examples/ exited $? (from the wheel)"
echo "plan-lsp check examples/: $(tail -1 <<< "$report")"
[[ $report == *"in 1 plan checked"* ]] || fail "plan-lsp check examples/ did not check the example plan"
rc=0
"$plan_lsp" check "$broken" >/dev/null || rc=$?
[[ $rc -eq 1 ]] || fail "plan-lsp check on a plan with an unclosed fence exited $rc, expected 1"
echo "plan-lsp check on a broken plan: exit 1, as documented"

step "Python: pip install . / pipx install . / uv tool install . from this clone"
python3 -m venv "$scratch/pip-venv"
"$scratch/pip-venv/bin/pip" install --quiet --disable-pip-version-check .
expect_version "$scratch/pip-venv/bin/plan-lsp"
PIPX_HOME=$scratch/pipx PIPX_BIN_DIR=$scratch/pipx-bin PIPX_MAN_DIR=$scratch/pipx-man \
  "$tools/bin/pipx" install --quiet .
expect_version "$scratch/pipx-bin/plan-lsp"
UV_TOOL_DIR=$scratch/uv-tools UV_TOOL_BIN_DIR=$scratch/uv-bin UV_CACHE_DIR=$scratch/uv-cache \
  "$tools/bin/uv" tool install --quiet .
expect_version "$scratch/uv-bin/plan-lsp"

step "crates.io: cargo package (builds the packaged crate)"
cargo package --allow-dirty --quiet
crate=target/package/plan-lsp-$version.crate
[[ -f $crate ]] || fail "cargo package made no $crate"
listing=$(tar tzf "$crate")
for needed in templates/plan-template.md src/main.rs README.md Cargo.lock; do
  grep -qx "plan-lsp-$version/$needed" <<< "$listing" || fail "$crate lacks $needed"
done
if grep -E "^plan-lsp-$version/(editors|scripts|\.ci)/" <<< "$listing"; then
  fail "$crate holds editor, script or CI files (see Cargo.toml exclude)"
fi
echo "crate: $crate ($(wc -c < "$crate") bytes, $(wc -l <<< "$listing") files)"

step "pre-commit: validate-manifest, then the hook through try-repo"
"$tools/bin/pre-commit" validate-manifest .pre-commit-hooks.yaml
echo "pre-commit validate-manifest .pre-commit-hooks.yaml: ok"
# try-repo installs the hook as a user's pre-commit would (pip install of this repository,
# maturin building the binary). CARGO_TARGET_DIR reuses this clone's compiled dependencies.
export PRE_COMMIT_HOME=$scratch/pre-commit-home CARGO_TARGET_DIR=$repo/target
git -C "$scratch/broken" init --quiet
(cd "$scratch/broken" && "$tools/bin/pre-commit" try-repo "$repo" plan-lsp --files docs/broken-plan.md) \
  > "$scratch/hook-broken.log" 2>&1 && { cat "$scratch/hook-broken.log"; fail "the hook passed a plan with an unclosed fence"; }
grep -q "unclosed-fence" "$scratch/hook-broken.log" || { cat "$scratch/hook-broken.log"; fail "the hook failed without naming unclosed-fence"; }
echo "hook on a broken plan: failed, naming unclosed-fence"
"$tools/bin/pre-commit" try-repo "$repo" plan-lsp --files examples/demo-plan.md README.md \
  > "$scratch/hook-ok.log" 2>&1 || { cat "$scratch/hook-ok.log"; fail "the hook failed on examples/demo-plan.md"; }
grep -E "^plan-lsp check\.+Passed" "$scratch/hook-ok.log" || { cat "$scratch/hook-ok.log"; fail "the hook did not report Passed"; }
# The README's local hook: `language: system` with the plan-lsp from the wheel on PATH.
local_repo=$scratch/local-hook
mkdir -p "$local_repo/docs"
git -C "$local_repo" init --quiet
cp examples/demo-plan.md "$local_repo/docs/demo-plan.md"
cat > "$local_repo/.pre-commit-config.yaml" <<'YAML'
repos:
  - repo: local
    hooks:
      - id: plan-lsp
        name: plan-lsp check
        entry: plan-lsp check
        language: system
        types: [markdown]
YAML
git -C "$local_repo" add -A
(cd "$local_repo" && PATH=$scratch/wheel-venv/bin:$PATH "$tools/bin/pre-commit" run --all-files) \
  > "$scratch/local-ok.log" 2>&1 || { cat "$scratch/local-ok.log"; fail "the local hook failed on the example plan"; }
grep -E "^plan-lsp check\.+Passed" "$scratch/local-ok.log" || { cat "$scratch/local-ok.log"; fail "the local hook did not report Passed"; }
cp "$broken" "$local_repo/docs/broken-plan.md"
git -C "$local_repo" add -A
(cd "$local_repo" && PATH=$scratch/wheel-venv/bin:$PATH "$tools/bin/pre-commit" run --all-files) \
  > "$scratch/local-broken.log" 2>&1 && { cat "$scratch/local-broken.log"; fail "the local hook passed a broken plan"; }
grep -q "unclosed-fence" "$scratch/local-broken.log" || { cat "$scratch/local-broken.log"; fail "the local hook failed without naming unclosed-fence"; }
echo "local hook on a broken plan: failed, naming unclosed-fence"

step "Python: pip install \"git+file://...\" (the README's install from git)"
# pip clones HEAD, so this installs what is committed. CARGO_TARGET_DIR is still this clone's.
python3 -m venv "$scratch/git-venv"
"$scratch/git-venv/bin/pip" install --quiet --disable-pip-version-check "git+file://$repo"
expect_version "$scratch/git-venv/bin/plan-lsp"
unset PRE_COMMIT_HOME CARGO_TARGET_DIR

step "Claude Code: claude plugin validate --strict, marketplace add, install"
cc=scripts/claude-code
(cd "$cc" && npm ci --no-audit --no-fund --loglevel=error)
claude=$repo/$cc/node_modules/.bin/claude
# Claude Code keeps its settings in $HOME/.claude; a throwaway home keeps the machine's alone.
export HOME=$scratch/claude-home DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 \
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1
mkdir -p "$HOME"
"$claude" --version || fail "claude --version exited $? ($claude)"
"$claude" plugin validate --strict editors/claude-code/.claude-plugin/plugin.json
"$claude" plugin validate --strict editors/claude-code/.claude-plugin/marketplace.json
"$claude" plugin marketplace add "$repo/editors/claude-code"
"$claude" plugin install plan-lsp@plan-lsp
listed=$("$claude" plugin list)
echo "$listed" | sed -n '/plan-lsp@plan-lsp/,/Status/p'
grep -q "plan-lsp@plan-lsp" <<< "$listed" || fail "claude plugin list does not show plan-lsp@plan-lsp"

echo
echo "ci-dist: all steps passed"
