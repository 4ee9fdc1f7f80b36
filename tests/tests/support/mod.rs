//! Running the real binaries from the end-to-end tests.

#![allow(dead_code)]

pub mod fake_model;
pub mod git;
pub mod githost;
pub mod http;
pub mod lsp;
pub mod readme;
pub mod team;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the workspace").to_path_buf()
}

/// A fixture folder under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    workspace().join("tests/fixtures").join(name)
}

/// The path of a workspace binary, built by `cargo test --workspace` next to the test binaries.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run `cargo test --workspace` (or `cargo build --workspace`) first",
        path.display()
    );
    path
}

/// What a command did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// A `praxis` command that sees none of the user's own setup: its config and cache folders are
/// the tests' own, no token comes from the environment, and the OS keyring is left alone.
pub fn praxis_command() -> Command {
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("praxis-user");
    praxis_command_in(&home)
}

/// A `praxis` command whose config and cache folders are under `home`.
pub fn praxis_command_in(home: &Path) -> Command {
    let mut command = Command::new(binary("praxis"));
    isolated(&mut command, home).env("NO_COLOR", "1");
    command
}

/// Points the Praxis that `command` runs (itself, or through a script) at config and cache
/// folders under `home`, away from this machine's keyring, token, LLM key and log settings.
pub fn isolated<'c>(command: &'c mut Command, home: &Path) -> &'c mut Command {
    command
        .env("PRAXIS_CONFIG_DIR", home.join("config"))
        .env("PRAXIS_CACHE_DIR", home.join("cache"))
        .env("PRAXIS_NO_KEYRING", "1")
        .env_remove("PRAXIS_TOKEN")
        .env_remove("PRAXIS_LLM_KEY")
        .env_remove("PRAXIS_LOG")
}

/// Runs `praxis` with `args` in `dir`.
pub fn praxis(dir: &Path, args: &[&str]) -> Run {
    praxis_command().args(args).current_dir(dir).output().expect("praxis runs").into()
}

/// `(path, line, column, practice)` of each finding of a `check --format json` report, in order.
#[track_caller]
pub fn finding_keys(json: &str) -> Vec<(String, u64, u64, String)> {
    let report: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|err| panic!("{err}: {json}"));
    report["findings"]
        .as_array()
        .expect("a findings list")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
                f["practice"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The 0-based index of the first line of `text` that holds `needle`.
#[track_caller]
pub fn line_of(text: &str, needle: &str) -> u64 {
    text.lines().position(|line| line.contains(needle)).unwrap_or_else(|| panic!("{needle:?} is not in the text"))
        as u64
}

/// (practice id, 0-based line) of each diagnostic as an editor lists them, with the line under
/// `line_key` (Flymake's `line`, Neovim's `lnum`).
#[track_caller]
pub fn codes_and_lines(diagnostics: &serde_json::Value, line_key: &str) -> Vec<(String, u64)> {
    diagnostics
        .as_array()
        .expect("a list of diagnostics")
        .iter()
        .map(|d| (d["code"].as_str().unwrap_or_default().to_owned(), d[line_key].as_u64().unwrap()))
        .collect()
}

/// Copies a folder tree (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Compares `actual` with the file `expected`, or rewrites it when `UPDATE_EXPECT=1`.
#[track_caller]
pub fn expect_file(expected: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(expected, actual).unwrap();
        return;
    }
    let wanted = std::fs::read_to_string(expected).unwrap_or_default();
    assert!(
        wanted == actual,
        "{} differs (rerun with UPDATE_EXPECT=1 to accept):\n--- expected\n{wanted}\n--- actual\n{actual}",
        expected.display()
    );
}
