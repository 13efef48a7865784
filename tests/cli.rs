//! `plan-lsp check` on hostile file systems: missing, unreadable and
//! invalid UTF-8 files and directories without plans give clear messages
//! and the documented exit codes (0 clean, 1 error findings, 2 usage or
//! unreadable input).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("plan-lsp-cli-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn check(args: &[&Path]) -> (i32, String, String) {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_plan-lsp"))
        .arg("check")
        .args(args)
        .output()
        .expect("run plan-lsp check");
    (
        output.status.code().expect("exit code"),
        String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    )
}

const PLAN: &str = "# Good Plan\n\n## Overview\n\nText.\n\n## Implementation Steps\n\n### Step 0: Setup\n\n**Goal**: Set up\n";

#[test]
fn missing_path_exits_2_naming_it() {
    let dir = TempDir::new("missing");
    let missing = dir.0.join("nowhere-plan.md");
    let (code, _, stderr) = check(&[&missing]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error: "), "{stderr}");
    assert!(stderr.contains("nowhere-plan.md"), "{stderr}");
}

#[test]
fn unreadable_file_exits_2_with_cannot_read() {
    let dir = TempDir::new("unreadable");
    let path = dir.write("locked-plan.md", PLAN.as_bytes());
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Running as root: permission bits do not apply. A dangling
        // symlink named explicitly is the unreadable file instead.
        eprintln!("note: running as root; using a dangling symlink as the unreadable file");
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(dir.0.join("gone.md"), &path).unwrap();
        let (code, _, stderr) = check(&[&path]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("locked-plan.md"), "{stderr}");
        return;
    }
    let (code, _, stderr) = check(&[&path]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("locked-plan.md: cannot read"), "{stderr}");
}

#[test]
fn invalid_utf8_exits_2_with_the_offset() {
    let dir = TempDir::new("utf8");
    let bad = dir.write("bad-plan.md", b"# Bad\xff\xfe Plan\n");
    let (code, _, stderr) = check(&[&bad]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("bad-plan.md: not valid UTF-8 (invalid byte at offset 5)"),
        "{stderr}"
    );
    // In a directory, the good plans are still reported, and the exit is 2.
    dir.write("docs/good-plan.md", PLAN.as_bytes());
    let (code, stdout, stderr) = check(&[&dir.0]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    assert!(stdout.contains("in 1 plan checked"), "{stdout}");
}

#[test]
fn directories_without_plans_exit_0_saying_so() {
    let dir = TempDir::new("noplans");
    let (code, stdout, stderr) = check(&[&dir.0]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(
        stdout.contains("0 errors, 0 warnings in 0 plans checked"),
        "{stdout}"
    );
    dir.write("README.md", b"# Readme\n\nNot a plan.\n");
    dir.write("notes.txt", b"[Name] ```");
    dir.write("sub/feature-results.md", b"# Results\n\n## Overview\n");
    std::fs::create_dir_all(dir.0.join("empty")).unwrap();
    let (code, stdout, stderr) = check(&[&dir.0]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.contains("in 0 plans checked"), "{stdout}");
    // A non-plan named explicitly gets a note on stderr, still exit 0.
    let (code, _, stderr) = check(&[&dir.0.join("README.md")]);
    assert_eq!(code, 0);
    assert!(stderr.contains("not a plan"), "{stderr}");
}

#[test]
fn findings_and_usage_errors_have_their_codes() {
    let dir = TempDir::new("codes");
    let good = dir.write("good-plan.md", PLAN.as_bytes());
    let (code, stdout, _) = check(&[&good]);
    assert!(code == 0 || code == 1, "{stdout}");
    let broken = dir.write(
        "broken-plan.md",
        b"# Broken Plan\n\n```bash\nnever closed\n",
    );
    let (code, stdout, _) = check(&[&broken]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("error[unclosed-fence]"), "{stdout}");
    let output = Command::new(env!("CARGO_BIN_EXE_plan-lsp"))
        .args(["check", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("error:"));
}
