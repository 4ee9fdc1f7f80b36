//! `praxis check` end to end: the real binary on fixture projects, its JSON compared whole.

mod support;

use serde_json::Value;
use support::{copy_tree, expect_file, finding_keys, fixture, praxis, workspace};

#[test]
fn json_output_of_a_fixture_project() {
    let run = praxis(&fixture("basic"), &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "an error-level finding fails the run\n{}", run.stderr);
    expect_file(&fixture("basic.expected.json"), &run.stdout);
    // Spot checks that do not depend on the snapshot.
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let console = findings.iter().find(|f| f["practice"] == "no-console-log").unwrap();
    assert_eq!(console["path"], "src/app.ts");
    // The line holds an emoji and an accented letter before the finding: columns count
    // Unicode scalar values, so `console` starts at column 29, not at its byte offset (33).
    assert_eq!(console["start"], serde_json::json!({"line": 2, "column": 29}));
    assert_eq!(console["end"], serde_json::json!({"line": 2, "column": 53}));
    assert_eq!(console["fix"], "logger.info(greeting, 1)");
    let print = findings.iter().find(|f| f["practice"] == "no-print").unwrap();
    assert_eq!(print["severity"], "error", "config.toml raises no-print to error");
    assert_eq!(print["message"], "print(\"总计\", sum(xs)) goes to stdout; use the logger");
    assert!(findings.iter().all(|f| f["practice"] != "disabled-practice"));
    assert!(findings.iter().all(|f| f["path"] != "scripts/tool.py"), "ignores glob");
    assert!(findings.iter().all(|f| f["path"] != "scripts/tool.ts"), "files glob");
    assert_eq!(report["summary"]["files"], 4);
}

#[test]
fn findings_are_sorted_by_path_position_and_practice() {
    let run = praxis(&fixture("basic"), &["check", "--format", "json"]);
    let keys = finding_keys(&run.stdout);
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn fail_on_sets_the_exit_code() {
    let dir = fixture("basic");
    assert_eq!(praxis(&dir, &["check", "--fail-on", "never"]).code, 0);
    assert_eq!(praxis(&dir, &["check", "--fail-on", "error"]).code, 1);
    assert_eq!(praxis(&dir, &["check", "src/app.ts", "--fail-on", "error"]).code, 0, "only warnings and infos there");
    assert_eq!(praxis(&dir, &["check", "src/app.ts", "--fail-on", "warning"]).code, 1);
    assert_eq!(praxis(&dir, &["check", "--fail-on", "sometimes"]).code, 2);
}

#[test]
fn human_output_shows_the_line_and_underlines_the_finding() {
    let run = praxis(&fixture("basic"), &["check", "src/app.ts", "--jobs", "1"]);
    let expected = "src/app.ts:2:29: warning[no-console-log] Use logger.info instead of console.log\n  |\n2 | const greeting = \"héllo 👋\"; console.log(greeting, 1);\n  |                             ^^^^^^^^^^^^^^^^^^^^^^^^\n  = fix: replace with `logger.info(greeting, 1)`\n";
    assert!(run.stdout.contains(expected), "{}", run.stdout);
    assert!(run.stdout.contains("src/app.ts:1:1: info[todo-needs-ticket] Every TODO names a ticket"), "{}", run.stdout);
    assert!(run.stdout.ends_with("Found 2 findings (1 warning, 1 info) in 1 file.\n"), "{}", run.stdout);
}

#[test]
fn github_annotations() {
    let run = praxis(&fixture("basic"), &["check", "--format", "github"]);
    assert!(
        run.stdout.contains("::warning file=src/app.ts,line=2,col=29,endLine=2,endColumn=53,title=no-console-log::Use logger.info instead of console.log\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("::error file=src/lib.py,line=3,col=5,"), "{}", run.stdout);
    assert!(run.stdout.contains("::notice file=src/app.ts,line=1,col=1,"), "{}", run.stdout);
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("sarif-2.1.0-rtm.5.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    for dir in [fixture("basic"), workspace().join("examples/demo")] {
        let run = praxis(&dir, &["check", "--format", "sarif"]);
        let log: Value = serde_json::from_str(&run.stdout).unwrap();
        let problems: Vec<String> =
            validator.iter_errors(&log).map(|err| format!("{} at {}", err, err.instance_path())).collect();
        assert!(problems.is_empty(), "invalid SARIF:\n{}", problems.join("\n"));
        let run0 = &log["runs"][0];
        let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
        for result in run0["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
        }
    }
    let log: Value = serde_json::from_str(&praxis(&fixture("basic"), &["check", "--format", "sarif"]).stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let console = results.iter().find(|r| r["ruleId"] == "no-console-log").unwrap();
    assert_eq!(console["locations"][0]["physicalLocation"]["region"]["startColumn"], 29);
    assert_eq!(
        console["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "logger.info(greeting, 1)"
    );
}

#[test]
fn gitignore_and_ignore_files_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("basic"), dir.path());
    std::fs::write(dir.path().join(".gitignore"), "generated/\n").unwrap();
    std::fs::write(dir.path().join(".ignore"), "src/vendored.py\n").unwrap();
    std::fs::create_dir_all(dir.path().join("src/generated")).unwrap();
    std::fs::write(dir.path().join("src/generated/out.py"), "print(1)\n").unwrap();
    std::fs::write(dir.path().join("src/vendored.py"), "print(1)\n").unwrap();
    std::fs::write(dir.path().join("src/kept.py"), "print(1)\n").unwrap();
    let report: Value = serde_json::from_str(&praxis(dir.path(), &["check", "--format", "json"]).stdout).unwrap();
    let paths: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"src/kept.py"), "{paths:?}");
    assert!(!paths.iter().any(|p| p.contains("generated") || p.contains("vendored")), "{paths:?}");
}

#[test]
fn a_broken_practice_is_located_and_the_others_still_run() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("basic"), dir.path());
    std::fs::write(
        dir.path().join(".praxis/practices/broken.yaml"),
        "id: broken\nname: Broken\nlanguages: [python]\nrule:\n  pattern: print($A\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".praxis/practices/typo.yaml"),
        "id: typo\nname: Typo\nlanguages: [python]\nrule: {kind: call}\nseverty: error\n",
    )
    .unwrap();
    let run = praxis(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 2, "practice errors exit 2");
    assert!(
        run.stderr.contains(
            "error: .praxis/practices/broken.yaml:5:12: the pattern does not parse as python (near `print($A`)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(".praxis/practices/typo.yaml:5:1: unknown field `severty`"), "{}", run.stderr);
    assert!(
        run.stderr.lines().all(|line| line.starts_with("error: ") || line.starts_with("warning: ")),
        "{}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["errors"].as_array().unwrap().len(), 2);
    assert_eq!(report["errors"][0]["path"], ".praxis/practices/broken.yaml");
    assert_eq!(report["errors"][0]["start"], serde_json::json!({"line": 5, "column": 12}));
    assert!(
        report["findings"].as_array().unwrap().iter().any(|f| f["practice"] == "no-print"),
        "the other practices ran"
    );
}

#[test]
fn hostile_practice_files_are_located_errors_and_the_others_still_run() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("basic"), dir.path());
    let practices = dir.path().join(".praxis/practices");
    // A 555-byte billion laughs, 40,000 levels of nesting, and more than a MiB.
    let mut bomb = String::from("id: bomb\nname: Bomb\nlanguages: [python]\nrule: {kind: call}\n");
    bomb.push_str("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (name, previous) in
        ["b", "c", "d", "e", "f", "g", "h", "i"].iter().zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!("{name}: &{name} [{}]\n", vec![format!("*{previous}"); 9].join(", ")));
    }
    std::fs::write(practices.join("bomb.yaml"), bomb).unwrap();
    std::fs::write(practices.join("deep.yaml"), format!("id: deep\nrule:\n{}x\n", "- ".repeat(40_000))).unwrap();
    std::fs::write(practices.join("huge.yaml"), format!("id: huge\nname: '{}'\n", "x".repeat(1 << 20))).unwrap();
    let run = praxis(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for expected in [
        ".praxis/practices/bomb.yaml:10:",
        "counting what its aliases repeat",
        ".praxis/practices/deep.yaml:3:",
        "nest deeper than 64 levels",
        ".praxis/practices/huge.yaml:1:1: the document is larger than 1024 KiB",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(report["findings"].as_array().unwrap().iter().any(|f| f["practice"] == "no-print"), "the others ran");
    let test = praxis(dir.path(), &["test"]);
    assert_eq!(test.code, 2);
    assert!(test.stdout.contains("ok    no-print"), "{}", test.stdout);
}

#[test]
fn hostile_files_are_skipped_without_crashing() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("basic"), dir.path());
    let src = dir.path().join("src");
    std::fs::write(src.join("binary.py"), b"print(1)\x00\x01\x02").unwrap();
    std::fs::write(src.join("latin1.py"), b"print('caf\xe9')\n").unwrap();
    std::fs::write(src.join("empty.py"), b"").unwrap();
    std::fs::write(src.join("broken.py"), "def f(:\n    pass\nprint(2)\n").unwrap();
    // A little over 10 MB of valid code.
    std::fs::write(src.join("huge.py"), "x = 1\n".repeat(1_800_000)).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("..", src.join("loop")).unwrap();
        std::os::unix::fs::symlink("missing.py", src.join("dangling.py")).unwrap();
    }
    let run = praxis(dir.path(), &["check", "--format", "json"]);
    assert!(run.code == 1, "exit {}: {}", run.code, run.stderr);
    assert!(run.stderr.contains("src/binary.py: skipped: binary file"), "{}", run.stderr);
    assert!(run.stderr.contains("src/latin1.py: skipped: not valid UTF-8"), "{}", run.stderr);
    assert!(run.stderr.contains("src/huge.py: skipped: larger than 10 MiB"), "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let broken: Vec<_> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["path"] == "src/broken.py").collect();
    assert_eq!(broken.len(), 1, "a file that does not parse is still checked around its errors");
    assert_eq!(broken[0]["start"]["line"], 3);
}

#[test]
fn a_ten_megabyte_file_within_the_limit_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("basic"), dir.path());
    let mut big = "x = 1\n".repeat(1_600_000);
    big.push_str("print(1)\n");
    std::fs::write(dir.path().join("src/big.py"), big).unwrap();
    let run = praxis(dir.path(), &["check", "src/big.py", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["findings"][0]["start"]["line"], 1_600_001);
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = praxis(dir.path(), &["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: no practices: no .praxis folder"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let run = praxis(dir.path(), &["check", "--practices", "nowhere"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("practices folder nowhere does not exist"), "{}", run.stderr);
    let run = praxis(dir.path(), &["check", "--format", "xml"]);
    assert_eq!((run.code, run.stderr.lines().count()), (2, 1), "{}", run.stderr);
    assert!(run.stderr.starts_with("error: invalid value 'xml' for '--format <FORMAT>'"), "{}", run.stderr);
    let run = praxis(&fixture("basic"), &["check", "no-such-file.py"]);
    assert!(run.stderr.contains("no-such-file.py: cannot read: no such file or directory"), "{}", run.stderr);
}

#[test]
fn unused_ignore_hints_follow_the_config() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("basic"), dir.path());
    std::fs::write(dir.path().join("src/extra.py"), "pass  # praxis-ignore\n").unwrap();
    let hints = |dir: &std::path::Path| -> Vec<Value> {
        let report: Value = serde_json::from_str(&praxis(dir, &["check", "--format", "json"]).stdout).unwrap();
        report["findings"].as_array().unwrap().iter().filter(|f| f["practice"] == "unused-ignore").cloned().collect()
    };
    assert_eq!(hints(dir.path())[0]["severity"], "hint");
    std::fs::write(dir.path().join(".praxis/config.toml"), "[severity]\nunused-ignore = \"warning\"\n").unwrap();
    assert_eq!(hints(dir.path())[0]["severity"], "warning");
    std::fs::write(dir.path().join(".praxis/config.toml"), "[practices]\ndisable = [\"unused-ignore\"]\n").unwrap();
    assert!(hints(dir.path()).is_empty());
}

#[test]
fn config_errors_are_located() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("basic"), dir.path());
    std::fs::write(dir.path().join(".praxis/config.toml"), "[practices]\nunknown = 1\n").unwrap();
    let run = praxis(dir.path(), &["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("config.toml:2:1: unknown field `unknown`"), "{}", run.stderr);
}

#[test]
fn the_demo_has_findings_in_every_language() {
    let run = praxis(&workspace(), &["check", "examples/demo", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(report["errors"].as_array().unwrap().is_empty(), "{}", run.stderr);
    let findings = report["findings"].as_array().unwrap();
    for extension in ["ts", "js", "py", "rs", "go", "java", "rb", "c"] {
        assert!(
            findings.iter().any(|f| f["path"].as_str().unwrap().ends_with(&format!(".{extension}"))),
            "no finding in a .{extension} file"
        );
    }
    assert!(findings.iter().all(|f| f["path"].as_str().unwrap().starts_with("examples/demo/")));
    assert!(findings.iter().all(|f| !f["path"].as_str().unwrap().contains("/build/")), "the demo's .gitignore");
    assert!(findings.iter().any(|f| f["practice"] == "unused-ignore"));
}

#[test]
fn jobs_do_not_change_the_result() {
    let dir = workspace().join("examples/demo");
    let one = praxis(&dir, &["check", "--format", "json", "--jobs", "1"]);
    let four = praxis(&dir, &["check", "--format", "json", "--jobs", "4"]);
    assert_eq!(one.stdout, four.stdout);
}
