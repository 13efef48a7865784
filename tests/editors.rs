//! Real editor clients against the debug `plan-lsp` binary:
//!
//! - `node_protocol_e2e`: VS Code's protocol stack (`vscode-languageserver-protocol`) under
//!   `node --test`, see `tests/node/`.
//! - `neovim_headless_e2e`: Neovim 0.11 headless with `editors/nvim/lsp/plan_lsp.lua`,
//!   see `tests/nvim/test.lua`.
//! - `vscode_extension_packages`: type-checks, bundles and packages `editors/vscode`.
//!
//! `bash scripts/setup-editor-tests.sh` installs what they need. When a tool is missing,
//! a test prints `skipped: <why>` and passes, unless `PLAN_LSP_REQUIRE_EDITORS=1` (as in CI),
//! where it fails.

use std::env;
use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A child process running longer than this is killed, with its process group.
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn server_bin() -> &'static str {
    env!("CARGO_BIN_EXE_plan-lsp")
}

/// Reports a missing tool: fails the test when editors are required, else prints a notice.
fn missing(why: &str) {
    let required = env::var("PLAN_LSP_REQUIRE_EDITORS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "PLAN_LSP_REQUIRE_EDITORS=1 but {why}; run `bash scripts/setup-editor-tests.sh` first"
    );
    eprintln!("skipped: {why}");
}

/// Whether `program --version` runs and succeeds.
fn runs(program: impl AsRef<OsStr>) -> bool {
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Finished {
    success: bool,
    /// The exit status, or how the process was stopped.
    status: String,
    /// Standard output followed by standard error.
    output: String,
}

/// Runs `cmd` to completion with [`CHILD_TIMEOUT`], capturing both output streams.
fn run(cmd: &mut Command) -> Finished {
    let shown = format!("{cmd:?}");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        // A group of its own, so a timeout also ends the grandchildren (npm -> node -> plan-lsp).
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {shown}: {e}"));
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));

    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if start.elapsed() > CHILD_TIMEOUT => break Err(()),
            Ok(None) => thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("waiting for {shown}: {e}"),
        }
    };
    let (success, status) = match status {
        Ok(status) => (status.success(), status.to_string()),
        Err(()) => {
            kill_group(&mut child);
            (false, format!("killed after {} s", CHILD_TIMEOUT.as_secs()))
        }
    };
    let mut output = collect(&stdout);
    output.push_str(&collect(&stderr));
    eprintln!(
        "----- {shown} ({status}, {:.1} s)\n{output}-----",
        start.elapsed().as_secs_f64()
    );
    Finished {
        success,
        status,
        output,
    }
}

/// Reads a stream to its end on a thread; the text arrives on the returned channel.
fn drain(mut stream: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    rx
}

fn collect(rx: &mpsc::Receiver<String>) -> String {
    // A leftover grandchild may hold the pipe open: do not wait for it forever.
    rx.recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| "<output not closed 10 s after the process ended>\n".to_owned())
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The count `N` in the first line of `output` that starts with `prefix` and continues with `N`.
fn count_after(output: &str, prefix: &str) -> Option<u32> {
    output.lines().find_map(|line| {
        let rest = line.trim().strip_prefix(prefix)?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

#[test]
fn node_protocol_e2e() {
    let dir = repo().join("tests/node");
    if !runs("node") {
        return missing("`node` is not on PATH");
    }
    if !dir
        .join("node_modules/vscode-languageserver-protocol")
        .is_dir()
    {
        return missing("tests/node/node_modules is absent (npm ci in tests/node)");
    }
    let done = run(Command::new("node")
        .args(["--test", "lsp-e2e.test.mjs"])
        .current_dir(&dir)
        .env("PLAN_LSP_BIN", server_bin()));
    let pass = count_after(&done.output, "# pass ");
    let fail = count_after(&done.output, "# fail ");
    assert!(
        done.success && fail == Some(0) && pass.is_some_and(|n| n > 0),
        "node --test lsp-e2e.test.mjs: {}, pass {pass:?}, fail {fail:?} (output above)",
        done.status
    );
}

fn nvim() -> Option<PathBuf> {
    if let Some(path) = env::var_os("PLAN_LSP_NVIM") {
        return Some(PathBuf::from(path));
    }
    let venv = repo().join(".venv-nvim/bin/nvim");
    if venv.is_file() {
        return Some(venv);
    }
    runs("nvim").then(|| PathBuf::from("nvim"))
}

#[test]
fn neovim_headless_e2e() {
    let Some(nvim) = nvim() else {
        return missing("no Neovim: set PLAN_LSP_NVIM, or install .venv-nvim, or put nvim on PATH");
    };
    if !runs(&nvim) {
        return missing(&format!("{} --version does not run", nvim.display()));
    }
    // Keep Neovim's log and state files out of the user's home.
    let state = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nvim-e2e");
    let done = run(Command::new(&nvim)
        .args(["--headless", "--clean", "-u", "tests/nvim/test.lua"])
        .arg("tests/node/fixtures/sample-plan.md")
        .current_dir(repo())
        .env("PLAN_LSP_BIN", server_bin())
        .env("XDG_STATE_HOME", state.join("state"))
        .env("XDG_CACHE_HOME", state.join("cache")));
    let summary = done
        .output
        .lines()
        .find(|l| l.starts_with("neovim-e2e: "))
        .unwrap_or("<no summary line>");
    let passed = count_after(&done.output, "neovim-e2e: ");
    assert!(
        done.success && summary.ends_with(" passed, 0 failed") && passed.is_some_and(|n| n > 0),
        "nvim --headless tests/nvim/test.lua: {}, {summary} (output above)",
        done.status
    );
}

#[test]
fn vscode_extension_packages() {
    let dir = repo().join("editors/vscode");
    if !runs("npm") {
        return missing("`npm` is not on PATH");
    }
    if !dir.join("node_modules/.bin").is_dir() {
        return missing("editors/vscode/node_modules is absent (npm ci in editors/vscode)");
    }
    let is_vsix = |p: &Path| {
        p.extension() == Some(OsStr::new("vsix"))
            && p.file_name()
                .and_then(OsStr::to_str)
                .is_some_and(|n| n.starts_with("plan-lsp-"))
    };
    let vsixes = || -> Vec<PathBuf> {
        fs::read_dir(&dir)
            .expect("read editors/vscode")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_vsix(p))
            .collect()
    };
    for old in vsixes() {
        fs::remove_file(&old).expect("remove an old .vsix");
    }
    for script in ["typecheck", "bundle", "package"] {
        let done = run(Command::new("npm").args(["run", script]).current_dir(&dir));
        assert!(
            done.success,
            "npm run {script} in editors/vscode: {} (output above)",
            done.status
        );
        if script == "package" {
            assert!(
                done.output.contains("Packaged:"),
                "vsce did not report a package (output above)"
            );
        }
    }
    assert!(
        dir.join("dist/extension.js").is_file(),
        "dist/extension.js was not bundled"
    );
    let built = vsixes();
    assert_eq!(built.len(), 1, "one plan-lsp-*.vsix, found {built:?}");
    let size = fs::metadata(&built[0]).expect("vsix metadata").len();
    assert!(size > 1000, "{} is {size} bytes", built[0].display());
    eprintln!("packaged {} ({size} bytes)", built[0].display());
}
