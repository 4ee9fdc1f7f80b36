//! `praxis init` writes a project whose starter practices pass their own examples.

use std::process::Command;

fn praxis(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    // Without the user's own config, cache, token or keyring.
    let home = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("praxis-user");
    Command::new(env!("CARGO_BIN_EXE_praxis"))
        .args(args)
        .current_dir(dir)
        .env("PRAXIS_CONFIG_DIR", home.join("config"))
        .env("PRAXIS_CACHE_DIR", home.join("cache"))
        .env("PRAXIS_NO_KEYRING", "1")
        .env_remove("PRAXIS_TOKEN")
        .output()
        .expect("praxis runs")
}

#[test]
fn init_then_test_then_check() {
    let dir = tempfile::tempdir().unwrap();
    let init = praxis(dir.path(), &["init"]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let practices = std::fs::read_dir(dir.path().join(".praxis/practices")).unwrap().count();
    assert!(practices >= 12, "{practices} starter practices");
    assert!(dir.path().join(".praxis/config.toml").is_file());

    let test = praxis(dir.path(), &["test"]);
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert!(test.status.success(), "{stdout}{}", String::from_utf8_lossy(&test.stderr));
    assert!(!stdout.contains("no examples"), "every starter practice has examples:\n{stdout}");

    std::fs::write(dir.path().join("app.py"), "print('hi')\n").unwrap();
    let check = praxis(dir.path(), &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["findings"][0]["practice"], "no-print");

    let again = praxis(dir.path(), &["init"]);
    assert_eq!(again.status.code(), Some(2), "init refuses to overwrite");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn starter_practices_cover_five_languages() {
    let dir = tempfile::tempdir().unwrap();
    assert!(praxis(dir.path(), &["init"]).status.success());
    let mut languages = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir.path().join(".praxis/practices")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for language in ["typescript", "python", "rust", "go", "java"] {
            if text.contains(&format!("languages: [{language}"))
                || text.contains(&format!(" {language}]"))
                || text.contains(&format!(" {language},"))
            {
                languages.insert(language);
            }
        }
    }
    assert_eq!(languages.len(), 5, "{languages:?}");
}
