//! Adopting practices on a code base that already breaks them: `praxis check --diff` and the
//! baseline, end to end on real temporary Git repositories.

mod support;

use std::path::Path;

use serde_json::Value;
use support::git::{commit_all, git, init_committed};
use support::{Run, finding_keys, praxis};

const NO_PRINT: &str = r#"id: no-print
name: No print
severity: error
languages: [python]
message: "print goes to stdout; use the logger"
rule:
  pattern: print($$$A)
examples:
  bad: [{code: "print(1)"}]
  good: [{code: "log(1)"}]
"#;

const NO_EVAL: &str = r#"id: no-eval
name: No eval
severity: warning
languages: [python, javascript]
message: "eval runs whatever it is given"
rule:
  any:
    - pattern: eval($X)
examples:
  bad: [{code: "eval(x)", language: python}]
  good: [{code: "ast.literal_eval(x)", language: python}]
"#;

/// A project in `dir` with two practices and files that already break them, committed.
fn project(dir: &Path) {
    write(dir, ".praxis/practices/no-print.yaml", NO_PRINT);
    write(dir, ".praxis/practices/no-eval.yaml", NO_EVAL);
    write(dir, "app/main.py", "import os\n\nprint('start')\nx = eval('1')\n\n\ndef run():\n    print('run')\n");
    write(dir, "app/util.py", "def f(a):\n    print(a)\n    return a\n");
    write(dir, "app/old.py", "print('old')\n");
    write(dir, "web/app.js", "const a = eval(input);\n");
    write(dir, "README.md", "print('not code')\n");
    init_committed(dir);
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `(path, line, practice)` of every finding of a `--format json` run.
fn findings(run: &Run) -> Vec<(String, u64, String)> {
    finding_keys(&run.stdout).into_iter().map(|(path, line, _, practice)| (path, line, practice)).collect()
}

fn found(items: &[(&str, u64, &str)]) -> Vec<(String, u64, String)> {
    items.iter().map(|(path, line, practice)| ((*path).to_owned(), *line, (*practice).to_owned())).collect()
}

#[test]
fn diff_reports_only_changed_lines_through_edits_renames_deletions_and_new_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    let clean = praxis(root, &["check", "--diff", "--format", "json"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert_eq!(findings(&clean), []);
    assert_eq!(serde_json::from_str::<Value>(&clean.stdout).unwrap()["summary"]["files"], 0);

    // Lines shift above old findings, one line changes, one is added.
    write(
        root,
        "app/main.py",
        "import os\nimport sys\n\nprint('start')\nx = eval('2')\n\n\ndef run():\n    print('run')\n    print('new')\n",
    );
    // A file moves and gains a line; another is deleted; a new file is not yet added to Git.
    git(root, &["mv", "app/util.py", "app/helpers.py"]);
    write(root, "app/helpers.py", "def f(a):\n    print(a)\n    return a\n\n\nprint(f(1))\n");
    git(root, &["rm", "-q", "app/old.py"]);
    write(root, "app/new.py", "print('hello')\n");
    write(root, "README.md", "print('still not code')\n");

    let run = praxis(root, &["check", "--diff", "--format", "json"]);
    assert_eq!(run.code, 1, "error-level findings on changed lines fail the run\n{}", run.stderr);
    assert_eq!(
        findings(&run),
        found(&[
            ("app/helpers.py", 6, "no-print"),
            ("app/main.py", 5, "no-eval"),
            ("app/main.py", 10, "no-print"),
            ("app/new.py", 1, "no-print"),
        ])
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 3, "only the changed files are read");

    // Committed, the same change is found against the commit before it, named any way Git reads.
    commit_all(root, "change");
    let base = git(root, &["rev-parse", "HEAD~1"]);
    for reference in [base.as_str(), "HEAD~1", "main~1"] {
        let run = praxis(root, &["check", "--diff", reference, "--format", "json"]);
        assert_eq!(findings(&run).len(), 4, "--diff {reference}: {}", run.stderr);
    }
    // Paths narrow the check, and --fail-on works as usual.
    let run = praxis(root, &["check", "--diff=HEAD~1", "--format", "json", "--fail-on", "never", "app/main.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(findings(&run), found(&[("app/main.py", 5, "no-eval"), ("app/main.py", 10, "no-print")]));
    // From a subfolder, paths are shown relative to it, as `check` shows them.
    let run = praxis(&root.join("app"), &["check", "--diff", "HEAD~1", "--format", "json"]);
    assert_eq!(findings(&run)[0].0, "helpers.py", "{}", run.stderr);
    // Against HEAD (the default without an upstream), a committed change is not a change.
    let run = praxis(root, &["check", "--diff", "--format", "json"]);
    assert_eq!(findings(&run), []);
}

#[test]
fn diff_defaults_to_the_merge_base_with_the_upstream_branch() {
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin");
    std::fs::create_dir(&origin).unwrap();
    project(&origin);
    let clone = dir.path().join("clone");
    git(dir.path(), &["clone", "-q", origin.to_str().unwrap(), "clone"]);
    git(&clone, &["checkout", "-q", "-b", "feature", "--track", "origin/main"]);
    write(&clone, "app/util.py", "def f(a):\n    print(a)\n    print('feature')\n    return a\n");
    commit_all(&clone, "feature work");
    // The upstream moves on meanwhile: its own changes are not the branch's.
    write(&origin, "app/old.py", "print('old')\nprint('upstream')\n");
    commit_all(&origin, "upstream work");
    git(&clone, &["fetch", "-q"]);

    let run = praxis(&clone, &["check", "--diff", "--format", "json"]);
    assert_eq!(findings(&run), found(&[("app/util.py", 3, "no-print")]), "{}", run.stderr);
}

#[test]
fn diff_errors_are_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".praxis/practices/no-print.yaml", NO_PRINT);
    write(dir.path(), "a.py", "print(1)\n");
    let run = praxis(dir.path(), &["check", "--diff"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.trim().starts_with("error: --diff needs a Git repository"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);

    init_committed(dir.path());
    let run = praxis(dir.path(), &["check", "--diff", "no-such-branch"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("error: `no-such-branch` is not a commit of the Git repository"), "{}", run.stderr);
    // A path after a bare --diff is read as the commit; the error says how to write it.
    let run = praxis(dir.path(), &["check", "--diff", "a.py"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("write `--diff=REF a.py`"), "{}", run.stderr);
    let run = praxis(dir.path(), &["check", "--diff=--output=/tmp/praxis-evil"]);
    assert_eq!(run.code, 2);
    assert!(!Path::new("/tmp/praxis-evil").exists());
}

#[test]
fn a_baseline_hides_known_findings_through_line_shifts_and_reports_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    let write_run = praxis(root, &["baseline", "write"]);
    assert_eq!(write_run.code, 0, "{}", write_run.stderr);
    assert!(write_run.stderr.contains("note: wrote 6 findings to .praxis/baseline.json"), "{}", write_run.stderr);
    let text = std::fs::read_to_string(root.join(".praxis/baseline.json")).unwrap();
    assert!(!text.contains("\"line\""), "no line numbers:\n{text}");
    // Sorted and stable: written again, it is the same to the byte.
    assert_eq!(praxis(root, &["baseline", "write"]).code, 0);
    assert_eq!(std::fs::read_to_string(root.join(".praxis/baseline.json")).unwrap(), text);
    let entries: Vec<&str> = text.lines().filter(|line| line.trim_start().starts_with('{')).skip(1).collect();
    assert_eq!(entries.len(), 6, "one entry a line:\n{text}");
    let mut sorted = entries.clone();
    sorted.sort();
    assert_eq!(entries, sorted);

    let run = praxis(root, &["check", "--baseline", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(findings(&run), []);
    assert!(run.stderr.contains("note: 6 findings in the baseline not shown"), "{}", run.stderr);

    // Lines move above every finding and the code is reformatted: nothing is new.
    write(
        root,
        "app/main.py",
        "\"\"\"Docs.\"\"\"\nimport os\n\n\n\nprint( 'start' )\nx = eval('1')\n\n\ndef run():\n    print('run')\n",
    );
    write(root, "app/util.py", "# a comment\ndef f(a):\n    print(\n        a\n    )\n    return a\n");
    let run = praxis(root, &["check", "--baseline", "--format", "json"]);
    assert_eq!(findings(&run), [], "{}", run.stderr);

    // A new finding is reported (and fails the run); a fixed one leaves a stale entry.
    write(
        root,
        "app/util.py",
        "# a comment\ndef f(a):\n    print(\n        a\n    )\n    print('debug')\n    return a\n",
    );
    write(root, "web/app.js", "const a = JSON.parse(input);\n");
    let run = praxis(root, &["check", "--baseline", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(findings(&run), found(&[("app/util.py", 6, "no-print")]));
    assert!(
        run.stderr.contains(
            "note: 1 baseline entry no longer occurs; `praxis baseline write` drops them from .praxis/baseline.json"
        ),
        "{}",
        run.stderr
    );
    // Checking one file, entries for the others are neither matched nor stale.
    let run = praxis(root, &["check", "--baseline", "--format", "json", "app/main.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("no longer"), "{}", run.stderr);

    // A second identical finding in a file is new: the baseline counts occurrences.
    write(root, "app/old.py", "print('old')\nprint('old')\n");
    let run = praxis(root, &["check", "--baseline", "--format", "json", "app/old.py"]);
    assert_eq!(findings(&run), found(&[("app/old.py", 2, "no-print")]));

    // A moved file's findings are new to the baseline (its path is part of the fingerprint)...
    git(root, &["mv", "app/old.py", "app/older.py"]);
    let run = praxis(root, &["check", "--baseline", "--format", "json", "app"]);
    assert_eq!(findings(&run).iter().filter(|f| f.0 == "app/older.py").count(), 2);
    // ...but `--diff` follows the rename: with `--baseline`, only new findings on lines changed
    // since HEAD remain.
    let run = praxis(root, &["check", "--baseline", "--diff", "--format", "json"]);
    assert_eq!(findings(&run), found(&[("app/older.py", 2, "no-print"), ("app/util.py", 6, "no-print")]));

    // Writing again accepts what is there now.
    assert_eq!(praxis(root, &["baseline", "write"]).code, 0);
    let run = praxis(root, &["check", "--baseline", "--format", "json"]);
    assert_eq!((run.code, findings(&run)), (0, vec![]), "{}", run.stderr);
    assert!(!run.stderr.contains("no longer"), "{}", run.stderr);
}

#[test]
fn a_baseline_in_another_file_and_broken_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    project(root);
    assert_eq!(praxis(root, &["baseline", "write", "ci/accepted.json"]).code, 0);
    let run = praxis(root, &["check", "--baseline", "ci/accepted.json", "--format", "json"]);
    assert_eq!((run.code, findings(&run)), (0, vec![]), "{}", run.stderr);

    let run = praxis(root, &["check", "--baseline"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no baseline here; `praxis baseline write` creates it"), "{}", run.stderr);

    write(root, "ci/broken.json", "{\"version\": 1,\n \"findings\": [{\"path\": \"a\"}]}");
    let run = praxis(root, &["check", "--baseline", "ci/broken.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("ci/broken.json:2:"), "{}", run.stderr);
    assert!(run.stderr.contains("not a Praxis baseline"), "{}", run.stderr);

    // A broken practice would hide its findings from the baseline: nothing is written.
    write(root, ".praxis/practices/broken.yaml", "id: broken\nrule: {pattern: [\n");
    let run = praxis(root, &["baseline", "write", "ci/accepted.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("error: the baseline is not written while practices have errors"), "{}", run.stderr);
    assert_eq!(praxis(root, &["check", "--baseline", "ci/accepted.json", "--offline"]).code, 2);
}
