//! The result cache of `praxis check`: an unchanged file is answered from it with the very same
//! report, anything its findings depend on changes its key, a damaged cache is rebuilt,
//! concurrent runs share it, it stays within its bound, and the language server's workspace
//! check fills the same cache.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::lsp::Lsp;
use support::{Run, copy_tree, fixture, praxis_command_in};

/// `praxis check ARGS` in `dir` with its user folders under `home`; the log says what the cache
/// did.
fn check(home: &Path, dir: &Path, args: &[&str]) -> Run {
    command(home, dir, args).output().expect("praxis runs").into()
}

fn command(home: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut command = praxis_command_in(home);
    command.arg("check").args(args).current_dir(dir).env("PRAXIS_LOG", "praxis=info");
    command
}

/// (files answered by the cache, entries written), from the run's log.
#[track_caller]
fn cache_counts(run: &Run) -> (usize, usize) {
    let line =
        run.stderr.lines().find(|line| line.contains("result cache")).unwrap_or_else(|| panic!("{}", run.stderr));
    let number = |before: &str| -> usize {
        let head = &line[..line.find(before).unwrap_or_else(|| panic!("{line}"))];
        head.split_whitespace().last().unwrap().parse().unwrap()
    };
    (number(" files answered"), number(" written"))
}

/// The entry files in a cache folder.
fn entries(cache: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for fan in std::fs::read_dir(cache).into_iter().flatten().flatten() {
        found.extend(std::fs::read_dir(fan.path()).unwrap().flatten().map(|entry| entry.path()));
    }
    found
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("basic"), dir.path());
    dir
}

#[test]
fn an_unchanged_rerun_is_answered_from_the_cache_with_the_same_report() {
    let (home, dir) = (tempfile::tempdir().unwrap(), project());
    let first = check(home.path(), dir.path(), &["--format", "json"]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert_eq!(cache_counts(&first), (0, 4));
    // The user's cache folder by default.
    assert_eq!(entries(&home.path().join("cache/results")).len(), 4);

    let second = check(home.path(), dir.path(), &["--format", "json"]);
    assert_eq!(cache_counts(&second), (4, 0));
    assert_eq!((second.code, &second.stdout), (first.code, &first.stdout));
    // Every format is made from the same findings, snippets and fixes included.
    for format in ["human", "sarif", "github"] {
        let cached = check(home.path(), dir.path(), &["--format", format]);
        let fresh = check(home.path(), dir.path(), &["--format", format, "--no-cache"]);
        assert_eq!(cache_counts(&cached).0, 4);
        assert_eq!(cached.stdout, fresh.stdout, "{format}");
    }
}

#[test]
fn what_findings_depend_on_changes_the_key() {
    let (home, dir) = (tempfile::tempdir().unwrap(), project());
    check(home.path(), dir.path(), &["--format", "json"]);

    // One changed file costs one file.
    let lib = dir.path().join("src/lib.py");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, format!("{text}print('again')\n")).unwrap();
    let edited = check(home.path(), dir.path(), &["--format", "json"]);
    assert_eq!(cache_counts(&edited), (3, 1));
    let fresh = check(home.path(), dir.path(), &["--format", "json", "--no-cache"]);
    assert_eq!(edited.stdout, fresh.stdout);
    assert!(edited.stdout.contains("again"), "{}", edited.stdout);

    // A severity in the config changes the practice set: nothing is taken from before.
    let config = dir.path().join(".praxis/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("no-print = \"error\"", "no-print = \"hint\"")).unwrap();
    let configured = check(home.path(), dir.path(), &["--format", "json"]);
    assert_eq!(cache_counts(&configured).0, 0);
    let report: Value = serde_json::from_str(&configured.stdout).unwrap();
    let print = report["findings"].as_array().unwrap().iter().find(|f| f["practice"] == "no-print").unwrap();
    assert_eq!(print["severity"], "hint");

    // So does a practice's rule.
    let practice = dir.path().join(".praxis/practices/no-print.yaml");
    let text = std::fs::read_to_string(&practice).unwrap();
    std::fs::write(&practice, text.replace("goes to stdout", "is printed")).unwrap();
    let changed = check(home.path(), dir.path(), &["--format", "json"]);
    assert_eq!(cache_counts(&changed).0, 0);
    assert!(changed.stdout.contains("is printed"), "{}", changed.stdout);

    // And a file's path, which `files` and `ignores` globs match: a copy of a checked file
    // under an ignored path has no findings, though its text is known.
    let tool = dir.path().join("scripts/tool.py");
    std::fs::copy(&lib, &tool).unwrap();
    let copied = check(home.path(), dir.path(), &["--format", "json"]);
    assert!(!copied.stdout.contains("scripts/tool.py"), "{}", copied.stdout);
}

#[test]
fn a_damaged_cache_is_ignored_and_rebuilt() {
    let (home, dir) = (tempfile::tempdir().unwrap(), project());
    let cache = home.path().join("elsewhere");
    let cache_arg = cache.to_str().unwrap();
    let first = check(home.path(), dir.path(), &["--format", "json", "--cache-dir", cache_arg]);
    let files = entries(&cache);
    assert_eq!(files.len(), 4, "--cache-dir is used");
    assert!(!home.path().join("cache/results").exists(), "and the user's cache is not");
    // One entry truncated, one altered, one emptied, one of another format.
    let damage: [&dyn Fn(Vec<u8>) -> Vec<u8>; 4] = [
        &|bytes| bytes[..bytes.len() / 2].to_vec(),
        &|mut bytes| {
            let last = bytes.len() - 2;
            bytes[last] ^= 0x20;
            bytes
        },
        &|_| Vec::new(),
        &|_| b"praxis-results 0\n{}".to_vec(),
    ];
    for (file, damage) in files.iter().zip(damage) {
        std::fs::write(file, damage(std::fs::read(file).unwrap())).unwrap();
    }
    let rebuilt = check(home.path(), dir.path(), &["--format", "json", "--cache-dir", cache_arg]);
    assert_eq!(cache_counts(&rebuilt), (0, 4));
    assert_eq!(rebuilt.stdout, first.stdout);
    let again = check(home.path(), dir.path(), &["--format", "json", "--cache-dir", cache_arg]);
    assert_eq!(cache_counts(&again), (4, 0));

    // A cache folder that cannot be a folder: the run goes on without a cache.
    let blocked = home.path().join("a-file");
    std::fs::write(&blocked, "").unwrap();
    let without = check(home.path(), dir.path(), &["--format", "json", "--cache-dir", blocked.to_str().unwrap()]);
    assert_eq!(cache_counts(&without), (0, 0));
    assert_eq!(without.stdout, first.stdout);
}

#[test]
fn no_cache_reads_and_writes_nothing() {
    let (home, dir) = (tempfile::tempdir().unwrap(), project());
    let run = check(home.path(), dir.path(), &["--format", "json", "--no-cache"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("result cache"), "{}", run.stderr);
    assert!(!home.path().join("cache/results").exists());
    let both = check(home.path(), dir.path(), &["--no-cache", "--cache-dir", "x"]);
    assert_eq!(both.code, 2, "{}", both.stderr);
}

#[test]
fn concurrent_runs_share_the_cache() {
    let (home, dir) = (tempfile::tempdir().unwrap(), project());
    // Files of their own, so that runs overlap on many entries.
    for i in 0..60 {
        let body = format!("def f{i}(x):\n    print(x, {i})\n    return x\n");
        std::fs::write(dir.path().join(format!("src/gen{i}.py")), body).unwrap();
    }
    let expected = check(home.path(), dir.path(), &["--format", "json", "--no-cache"]);
    let children: Vec<_> = (0..6)
        .map(|_| {
            command(home.path(), dir.path(), &["--format", "json", "--jobs", "2"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let run: Run = child.wait_with_output().unwrap().into();
        assert_eq!(run.stdout, expected.stdout, "{}", run.stderr);
    }
    let files = entries(&home.path().join("cache/results"));
    assert_eq!(files.len(), 64);
    assert!(files.iter().all(|file| !file.file_name().unwrap().to_string_lossy().ends_with(".tmp")));
    let last = check(home.path(), dir.path(), &["--format", "json"]);
    assert_eq!(cache_counts(&last), (64, 0));
}

#[test]
fn the_cache_stays_within_its_bound() {
    let (home, dir) = (tempfile::tempdir().unwrap(), project());
    for i in 0..40 {
        std::fs::write(dir.path().join(format!("src/gen{i}.py")), format!("print({i})\n")).unwrap();
    }
    let bound = 4000u64;
    let run = command(home.path(), dir.path(), &["--format", "json"])
        .env("PRAXIS_RESULT_CACHE_BYTES", bound.to_string())
        .output()
        .unwrap();
    let run: Run = run.into();
    assert_eq!(cache_counts(&run), (0, 44));
    let files = entries(&home.path().join("cache/results"));
    let total: u64 = files.iter().map(|file| std::fs::metadata(file).unwrap().len()).sum();
    assert!(total <= bound, "{total} bytes in {} entries", files.len());
    assert!(!files.is_empty(), "trimmed to three quarters of the bound, not emptied");
    let unbounded = check(home.path(), dir.path(), &["--format", "json", "--no-cache"]);
    assert_eq!(run.stdout, unbounded.stdout);
}

#[test]
fn the_language_servers_workspace_check_fills_the_same_cache() {
    let (home, dir) = (tempfile::tempdir().unwrap(), project());
    let capabilities = json!({"window": {"workDoneProgress": true}});
    let mut lsp = Lsp::spawn_command(praxis_command_in(home.path()), dir.path());
    lsp.initialize(&[dir.path()], Value::Null, false, capabilities);
    lsp.execute("praxis.checkWorkspace", json!([]));
    lsp.wait_notification("$/progress", |p| p["value"]["kind"] == "end");
    lsp.shutdown();
    let run = check(home.path(), dir.path(), &["--format", "json"]);
    assert_eq!(cache_counts(&run), (4, 0));
    let fresh = check(home.path(), dir.path(), &["--format", "json", "--no-cache"]);
    assert_eq!(run.stdout, fresh.stdout);
}
