//! `praxis lsp` in a real editor: headless Neovim (0.7+, the oldest in a supported Debian) opens
//! a demo file, and `tests/fixtures/neovim/init.lua` records what Neovim itself ends up with:
//! the diagnostics on open, after an edit sent by Neovim's incremental sync, a hover, and a clean
//! shutdown. Neovim must be installed (`.ci/run` installs it); a missing `nvim` fails the test.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use support::{binary, copy_tree, fixture, workspace};

/// The file the test opens, relative to the demo project.
const FILE: &str = "web/src/orders.ts";

/// Fails with a hint when `nvim` is missing or older than 0.7; returns its version line.
fn nvim_version() -> String {
    let hint = "The Neovim end-to-end test needs Neovim 0.7 or newer: `.ci/run` installs it \
                (`apt-get install -y neovim`); install it the same way to run the tests locally";
    let output = match Command::new("nvim").arg("--version").stdin(Stdio::null()).output() {
        Ok(output) => output,
        Err(err) => panic!("`nvim` could not be run ({err}). {hint}"),
    };
    let line = String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or_default().to_owned();
    // "NVIM v0.7.2", "NVIM v0.10.0-dev-1234+g...": compare (major, minor).
    let numbers: Vec<u32> = line
        .trim_start_matches("NVIM v")
        .split(['.', '-', '+'])
        .take(2)
        .map(|part| part.parse().unwrap_or(0))
        .collect();
    assert!(numbers.len() == 2 && (numbers[0], numbers[1]) >= (0, 7), "`nvim --version` says {line:?}. {hint}");
    line
}

/// The 0-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines().position(|line| line.contains(needle)).unwrap_or_else(|| panic!("{needle:?} is in {FILE}")) as u64
}

/// (practice id, 0-based line) of each diagnostic, as Neovim has them.
fn codes_and_lines(diagnostics: &Value) -> Vec<(String, u64)> {
    diagnostics
        .as_array()
        .expect("a list of diagnostics")
        .iter()
        .map(|d| (d["code"].as_str().unwrap_or_default().to_owned(), d["lnum"].as_u64().unwrap()))
        .collect()
}

/// Runs headless Neovim on `file` in `project` and returns the JSON report of init.lua. With
/// `config`, the server is started through that Neovim config (`setup()`), not by init.lua.
fn run_neovim(project: &Path, file: &str, config: Option<&Path>) -> Value {
    let scratch = project.parent().unwrap().join("nvim-home");
    let out = project.parent().unwrap().join("nvim-report.json");
    let init = fixture("neovim").join("init.lua");
    let mut command = Command::new("timeout");
    if let Some(config) = config {
        command.env("PRAXIS_NVIM_CONFIG", config);
    }
    let output = command
        .arg("60")
        .arg("nvim")
        .args(["--headless", "--clean", "-u"])
        .arg(&init)
        .arg(file)
        .current_dir(project)
        .env("PRAXIS_BIN", binary("praxis"))
        .env("PRAXIS_NVIM_ROOT", project)
        .env("PRAXIS_NVIM_OUT", &out)
        // Keep Neovim's state, cache and LSP log out of the user's home.
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        .env("XDG_DATA_HOME", scratch.join("data"))
        .env("XDG_STATE_HOME", scratch.join("state"))
        .env("XDG_CACHE_HOME", scratch.join("cache"))
        .env_remove("PRAXIS_LOG")
        // And Praxis's own user folders, token and keyring.
        .env("PRAXIS_CONFIG_DIR", scratch.join("praxis-config"))
        .env("PRAXIS_CACHE_DIR", scratch.join("praxis-cache"))
        .env("PRAXIS_NO_KEYRING", "1")
        .env_remove("PRAXIS_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("`timeout` (coreutils) runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();
    assert_ne!(code, Some(124), "Neovim did not finish within 60 s\nstderr:\n{stderr}");
    assert_eq!(code, Some(0), "Neovim failed\nstderr:\n{stderr}");
    let report = std::fs::read_to_string(&out).unwrap_or_else(|err| panic!("no report from init.lua ({err})"));
    serde_json::from_str(&report).unwrap_or_else(|err| panic!("init.lua wrote invalid JSON ({err}): {report}"))
}

/// Copies the demo, runs Neovim on [`FILE`] and checks what Neovim ended up with.
fn check_demo_in_neovim(config: Option<&Path>) {
    let version = nvim_version();
    let temp = tempfile::tempdir().unwrap();
    let project = temp.path().join("demo");
    copy_tree(&workspace().join("examples/demo"), &project);
    let text = std::fs::read_to_string(project.join(FILE)).unwrap();
    let console = line_of(&text, "console.log(");
    let any = line_of(&text, ": any)");
    let todo = line_of(&text, "// TODO:");

    let report = run_neovim(&project, FILE, config);
    let context = format!("{version}; report: {report:#}");

    // On open: the demo's three findings in this file, on their lines, with source `praxis`.
    let mut expected = vec![
        ("no-explicit-any".to_owned(), any),
        ("no-console-log".to_owned(), console),
        ("todo-needs-ticket".to_owned(), todo),
    ];
    expected.sort_by_key(|(_, line)| *line);
    assert_eq!(codes_and_lines(&report["initial"]), expected, "{context}");
    let initial = report["initial"].as_array().unwrap();
    assert!(initial.iter().all(|d| d["source"] == "praxis"), "{context}");
    let log = initial.iter().find(|d| d["code"] == "no-console-log").unwrap();
    let indent = text.lines().nth(console as usize).unwrap().find("console").unwrap() as u64;
    assert_eq!(log["col"], indent, "the finding starts at `console`\n{context}");
    assert_eq!(log["end_lnum"], console, "{context}");
    assert_eq!(log["message"], "Use logger.info instead of console.log", "{context}");

    // After Neovim inserts `console.log(...)` as a new first line: a finding there, and the
    // others one line further down, published for the version Neovim sent.
    let mut edited = vec![("no-console-log".to_owned(), 0)];
    edited.extend(expected.iter().map(|(code, line)| (code.clone(), line + 1)));
    assert_eq!(codes_and_lines(&report["edited"]), edited, "{context}");
    assert!(report["edited_version"].as_u64().is_some(), "diagnostics carry the document version\n{context}");

    // Hover on the new finding: the practice's name, description and good example.
    let hover = report["hover"].as_str().unwrap_or_else(|| panic!("no hover\n{context}"));
    assert!(hover.contains("Log through the logger"), "{context}");
    assert!(hover.contains("logger.info(\"user\", id)"), "{context}");

    // The workspace folder is the project (found from `.praxis/` by the shipped config).
    assert_eq!(report["root_dir"], project.to_str().unwrap(), "{context}");
    // Neovim 0.7 offers no position encodings, so the server must fall back to UTF-16.
    assert_eq!(report["offset_encoding"], "utf-16", "{context}");
    // `shutdown` + `exit` end the server with status 0.
    assert_eq!(report["exit_code"], 0, "{context}");
}

#[test]
fn neovim_shows_praxis_diagnostics_follows_edits_and_hovers() {
    check_demo_in_neovim(None);
}

#[test]
fn the_shipped_neovim_config_starts_praxis() {
    // editors/neovim/praxis.lua, as users copy it: setup() attaches the open buffer.
    check_demo_in_neovim(Some(&workspace().join("editors/neovim/praxis.lua")));
}

#[test]
fn a_failing_lsp_session_fails_neovim() {
    // The harness itself: when the server is not there, init.lua must exit non-zero with the
    // reason, not hang or pass.
    nvim_version();
    let temp = tempfile::tempdir().unwrap();
    let project = temp.path().join("demo");
    copy_tree(&workspace().join("examples/demo"), &project);
    let output = Command::new("timeout")
        .args(["60", "nvim", "--headless", "--clean", "-u"])
        .arg(fixture("neovim").join("init.lua"))
        .arg(FILE)
        .current_dir(&project)
        .env("PRAXIS_BIN", temp.path().join("no-such-praxis"))
        .env("PRAXIS_NVIM_ROOT", &project)
        .env("PRAXIS_NVIM_OUT", temp.path().join("report.json"))
        .env("XDG_STATE_HOME", temp.path().join("state"))
        .env("XDG_CACHE_HOME", temp.path().join("cache"))
        .stdin(Stdio::null())
        .output()
        .expect("`timeout` (coreutils) runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(stderr.contains("praxis neovim test failed"), "stderr:\n{stderr}");
    assert!(!temp.path().join("report.json").exists());
}
