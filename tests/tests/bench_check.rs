//! The benchmark harness of `bench/run.sh`, smoke-run on its tiny committed corpora with the
//! workspace's own binaries: it must run to the end and write its report. No time is asserted.

mod support;

use std::path::Path;
use std::process::Command;

use support::{binary, isolated, workspace};

/// The languages the smoke run measures, with their number of practices: those with practices
/// in `bench/rules/<language>/` and a smoke corpus in `bench/smoke/<language>/`, as `run.sh`
/// picks them.
fn smoke_languages(root: &Path) -> Vec<(String, usize)> {
    let mut languages = Vec::new();
    for entry in std::fs::read_dir(root.join("bench/rules")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let practices = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|f| f.as_ref().unwrap().path().extension().is_some_and(|e| e == "yaml"))
            .count();
        if practices > 0 && root.join("bench/smoke").join(&name).is_dir() {
            languages.push((name, practices));
        }
    }
    languages.sort();
    languages
}

/// The lines of the report section whose heading is `heading`, up to the next heading.
fn section<'a>(summary: &'a str, heading: &str) -> Vec<&'a str> {
    summary
        .lines()
        .skip_while(|line| line.trim() != heading)
        .skip(1)
        .take_while(|line| !line.starts_with('#'))
        .collect()
}

/// Runs `bench/<script>` on the smoke corpora with the debug binaries, Praxis's config and cache
/// under `home`, and returns the `summary.md` it writes.
fn smoke_run(root: &Path, script: &str, home: &Path) -> String {
    let out = home.join("out");
    let mut command = Command::new("bash");
    let run = isolated(&mut command, home)
        .arg(root.join("bench").join(script))
        .current_dir(root)
        .env("BENCH_SMOKE", "1")
        .env("BENCH_OUT", &out)
        .env("PRAXIS", binary("praxis"))
        .env("FLOOR", binary("praxis-floor"))
        .env_remove("LANGUAGES")
        .env_remove("RUNS")
        .output()
        .unwrap_or_else(|err| panic!("bash runs bench/{script}: {err}"));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "bench/{script} failed: {}\n{stderr}", run.status);
    std::fs::read_to_string(out.join("summary.md"))
        .unwrap_or_else(|err| panic!("bench/{script} wrote no summary.md: {err}"))
}

#[test]
fn smoke_run_reports_floor_ratios_and_per_rule_counts() {
    let root = workspace();
    let home = tempfile::tempdir().unwrap();
    let summary = smoke_run(&root, "run.sh", home.path());
    let languages = smoke_languages(&root);
    assert!(languages.iter().any(|(l, _)| l == "python"), "python has practices and a smoke corpus");
    for (language, practices) in &languages {
        let ratios =
            section(&summary, &format!("### Ratios to the parse floor, {language} (target: praxis CPU at most 1.2x)"));
        for tool in ["praxis", "ast-grep"] {
            assert!(
                ratios.iter().any(|line| line.starts_with(&format!("| {tool} | {practices} |"))),
                "no floor ratio row for {tool} on {language}:\n{summary}"
            );
        }
        let counts = section(&summary, &format!("### Findings per rule, {language} (warm-up run, default threads)"));
        let rows = counts
            .iter()
            .filter(|line| line.starts_with("| ") && !line.starts_with("| rule") && !line.starts_with("| ---"));
        assert!(rows.count() > *practices, "a count per practice and a total for {language}:\n{summary}");
        let cache = section(
            &summary,
            &format!(
                "### Result cache, {language} ({practices} practices, 1 thread; target: an unchanged re-run at most \
                 0.10x a first run's CPU)"
            ),
        );
        for run in ["| first run", "| unchanged re-run", "| one file changed", "Per-rule counts equal"] {
            assert!(cache.iter().any(|line| line.starts_with(run)), "no `{run}` for {language}'s cache:\n{summary}");
        }
        assert!(
            cache
                .iter()
                .any(|line| line.starts_with("Per-rule counts equal to `--no-cache`'s: first, unchanged, one-changed")),
            "the cached runs find what a run without the cache finds, on {language}:\n{summary}"
        );
        assert!(
            summary.lines().any(|line| line.starts_with(&format!("| {language} | "))),
            "no {language} row in the table over all languages:\n{summary}"
        );
    }
}

/// `bench/instructions.sh` on the smoke corpora: a row of instruction counts and ratios per
/// language, whatever they are.
#[test]
fn instruction_counts_run_on_every_language() {
    let home = tempfile::tempdir().unwrap();
    let summary = smoke_run(&workspace(), "instructions.sh", home.path());
    for language in ["python", "typescript", "rust", "go"] {
        let row = summary
            .lines()
            .find(|line| line.starts_with(&format!("| {language} | bench/smoke/{language} |")))
            .unwrap_or_else(|| panic!("no {language} row in\n{summary}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).filter(|cell| !cell.is_empty()).collect();
        assert_eq!(cells.len(), 10, "{row}");
        let count = |cell: &str| cell.parse::<u64>().unwrap_or_else(|_| panic!("a count in {row}"));
        assert!(count(cells[2]) > 0 && count(cells[3]) >= count(cells[2]), "the walk adds to the floor in {row}");
        assert!([4, 6, 8, 9].iter().all(|&ratio| cells[ratio].ends_with('x')), "ratios in {row}");
    }
}
