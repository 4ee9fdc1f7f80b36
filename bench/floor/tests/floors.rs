//! The two floors run on small inputs and report what they did. Their binaries are built by
//! `cargo test --workspace` because these tests use them (the benchmark smoke tests of
//! `praxis-tests` run them too).

use std::process::Command;

fn json(output: std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("one JSON object")
}

#[test]
fn the_parse_floor_reads_and_parses_every_file_of_the_language() {
    let smoke = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../smoke/python");
    let python = std::fs::read_dir(&smoke)
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().extension().is_some_and(|ext| ext == "py"))
        .count();
    let report = json(
        Command::new(env!("CARGO_BIN_EXE_praxis-floor"))
            .args(["--jobs", "1", "--language", "python"])
            .arg(&smoke)
            .output()
            .unwrap(),
    );
    assert_eq!(report["files"], python, "{report}");
    assert!(report["nodes"].as_u64().is_some_and(|nodes| nodes > 100), "{report}");
    assert!(report.get("visited").is_none(), "{report}");

    // With --walk, the cursor visits every node the tree counts, each once.
    let walked = json(
        Command::new(env!("CARGO_BIN_EXE_praxis-floor"))
            .args(["--jobs", "1", "--walk", "--language", "python"])
            .arg(&smoke)
            .output()
            .unwrap(),
    );
    assert_eq!(walked["visited"], report["nodes"], "{walked}");
}

#[test]
fn the_edit_floor_times_each_edit_and_says_when_it_broke_the_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let (file, edits) = (dir.path().join("a.py"), dir.path().join("edits.json"));
    std::fs::write(&file, "x = 1\n").unwrap();
    let list = r#"[{"offset": 4, "old_len": 1, "text": "2"}, {"offset": 0, "old_len": 0, "text": "def ("}]"#;
    std::fs::write(&edits, list).unwrap();
    let report = json(
        Command::new(env!("CARGO_BIN_EXE_praxis-edit-floor"))
            .args(["--language", "python"])
            .args([&file, &edits])
            .output()
            .unwrap(),
    );
    assert_eq!(report["edits"], 2, "{report}");
    assert_eq!(report["reparse_us"].as_array().map(Vec::len), Some(2), "{report}");
    assert_eq!(report["has_error"], serde_json::json!([false, true]), "{report}");
}
