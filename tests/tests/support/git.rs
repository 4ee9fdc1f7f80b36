//! Real Git repositories for the tests: commands with a fixed identity and no user config.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `git args` in `dir` and returns its stdout; panics when Git fails.
#[track_caller]
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Praxis Tests", "-c", "user.email=tests@example.com", "-c", "commit.gpgsign=false"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A new repository in `dir` with everything in it committed on `main`.
pub fn init_committed(dir: &Path) {
    git(dir, &["init", "-q"]);
    commit_all(dir, "base");
}

/// Commits every change in `dir`.
pub fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
}
