//! `bench/lsp/latency.py all --smoke`: the language-server benchmark harness runs from a fresh
//! build on small generated files, with the debug `praxis` and `praxis-edit-floor`. It checks
//! that the harness works (every scenario played, Praxis's diagnostics equal to `praxis check`'s,
//! which the script checks itself), never how fast anything is.

mod support;

use std::process::Command;

use support::{Run, binary, workspace};

#[test]
fn the_latency_harness_runs_its_smoke_scenarios_on_every_language() {
    let praxis = binary("praxis");
    let floor = binary("praxis-edit-floor");
    let home = tempfile::tempdir().unwrap();
    let run: Run = Command::new("python3")
        .arg(workspace().join("bench/lsp/latency.py"))
        .args(["all", "--smoke", "--praxis"])
        .arg(&praxis)
        .arg("--floor")
        .arg(&floor)
        .current_dir(home.path())
        .env_remove("PRAXIS_LOG")
        .env_remove("LATENCY_DEBUG")
        .env_remove("LATENCY_SERVER_STDERR")
        .output()
        .expect("python3 runs")
        .into();
    assert_eq!(run.code, 0, "latency.py all --smoke failed\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    for (file, language) in
        [("smoke.ts", "typescript"), ("smoke.py", "python"), ("smoke.rs", "rust"), ("smoke.go", "go")]
    {
        for server in ["praxis", "tree-sitter reparse (floor)"] {
            let row = format!("| {file} | {language} |");
            assert!(
                run.stdout.lines().any(|line| line.starts_with(&row) && line.contains(&format!("| {server} |"))),
                "no {server} row for {file} in\n{}",
                run.stdout
            );
        }
        assert!(
            run.stdout
                .lines()
                .any(|line| line.starts_with(&format!("| {file} | praxis |")) && line.contains("| yes |")),
            "Praxis's diagnostics on {file} are not marked equal to `praxis check`'s in\n{}",
            run.stdout
        );
    }
}
