//! `praxis agents write` on a copy of the demo: what each agent's files say (snapshots under
//! `tests/fixtures/agents/`), that a second run changes nothing, that everything the user wrote
//! around and beside Praxis's output is kept byte for byte, and `--check` on fresh, stale and
//! hand-edited files.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use support::{Run, copy_tree, expect_file, fixture, praxis, workspace};

const ALL: [&str; 10] = [
    "--target",
    "agents-md",
    "--target",
    "claude",
    "--target",
    "cursor",
    "--target",
    "copilot",
    "--target",
    "continue",
];

fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&workspace().join("examples/demo"), dir.path());
    dir
}

fn write(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["agents", "write"];
    args.extend_from_slice(extra);
    praxis(dir, &args)
}

/// Every file under `dir` with its bytes, by path relative to `dir`.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn every_target_renders_the_demo_practices() {
    let dir = demo();
    let run = write(dir.path(), &ALL);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let snapshots = fixture("agents");
    let read = |path: &str| std::fs::read_to_string(dir.path().join(path)).unwrap();
    expect_file(&snapshots.join("AGENTS.md"), &read("AGENTS.md"));
    for (path, snapshot) in [
        (".claude/rules/praxis-no-console-log.md", "claude.md"),
        (".cursor/rules/praxis-no-console-log.mdc", "cursor.mdc"),
        (".github/instructions/praxis-no-console-log.instructions.md", "copilot.instructions.md"),
        (".continue/rules/praxis-no-console-log.md", "continue.md"),
    ] {
        expect_file(&snapshots.join(snapshot), &read(path));
    }
    // One file per practice in each rules folder, and every practice in AGENTS.md.
    let practices = std::fs::read_dir(dir.path().join(".praxis/practices")).unwrap().count();
    for folder in [".claude/rules", ".cursor/rules", ".github/instructions", ".continue/rules"] {
        assert_eq!(std::fs::read_dir(dir.path().join(folder)).unwrap().count(), practices, "{folder}");
    }
    assert_eq!(read("AGENTS.md").matches("`praxis check` enforces this practice").count(), practices);
}

#[test]
fn a_second_run_changes_nothing_and_user_content_is_kept() {
    let dir = demo();
    let mine = "# Our agents guide\n\nUse pnpm, not npm.\r\n\n<!-- praxis:begin -->\nstale\n<!-- praxis:end -->\n\n## Kept\nAfter the section.";
    std::fs::write(dir.path().join("AGENTS.md"), mine).unwrap();
    std::fs::create_dir_all(dir.path().join(".cursor/rules")).unwrap();
    // A rule of the user's own, and one whose name looks like Praxis's but that Praxis did not
    // write.
    std::fs::write(dir.path().join(".cursor/rules/our-style.mdc"), "---\nalwaysApply: true\n---\nTabs.\n").unwrap();
    std::fs::write(dir.path().join(".cursor/rules/praxis-notes.mdc"), "my notes\n").unwrap();

    assert_eq!(write(dir.path(), &ALL).code, 0);
    let agents = std::fs::read_to_string(dir.path().join("AGENTS.md")).unwrap();
    assert!(
        agents.starts_with("# Our agents guide\n\nUse pnpm, not npm.\r\n\n<!-- praxis:begin -->\n## Team practices")
    );
    assert!(agents.ends_with("<!-- praxis:end -->\n\n## Kept\nAfter the section."), "{agents}");
    assert!(!agents.contains("stale"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".cursor/rules/our-style.mdc")).unwrap(),
        "---\nalwaysApply: true\n---\nTabs.\n"
    );
    assert_eq!(std::fs::read_to_string(dir.path().join(".cursor/rules/praxis-notes.mdc")).unwrap(), "my notes\n");

    let before = tree(dir.path());
    let again = write(dir.path(), &ALL);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.starts_with("up to date"), "{}", again.stdout);
    assert!(tree(dir.path()) == before, "a second run changed files");

    // A practice that is gone takes its files with it; the user's files stay.
    std::fs::remove_file(dir.path().join(".praxis/practices/no-console-log.yaml")).unwrap();
    let run = write(dir.path(), &ALL);
    assert!(run.stdout.contains("removed .cursor/rules/praxis-no-console-log.mdc"), "{}", run.stdout);
    assert!(!dir.path().join(".claude/rules/praxis-no-console-log.md").exists());
    assert!(
        dir.path().join(".cursor/rules/our-style.mdc").exists()
            && dir.path().join(".cursor/rules/praxis-notes.mdc").exists()
    );
    assert!(!std::fs::read_to_string(dir.path().join("AGENTS.md")).unwrap().contains("Log through the logger"));
}

#[test]
fn check_fails_on_stale_and_hand_edited_files_and_writes_nothing() {
    let dir = demo();
    // Nothing written yet: AGENTS.md is missing.
    let fresh = write(dir.path(), &["--check"]);
    assert_eq!((fresh.code, fresh.stdout.lines().next()), (1, Some("AGENTS.md: stale")), "{}", fresh.stdout);
    assert!(!dir.path().join("AGENTS.md").exists(), "--check writes nothing");

    assert_eq!(write(dir.path(), &["--target", "cursor", "--target", "agents-md"]).code, 0);
    // Both agents' files exist now: without --target, --check looks at both.
    let clean = write(dir.path(), &["--check"]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    assert!(clean.stdout.contains("up to date for agents-md, cursor"), "{}", clean.stdout);

    // A hand edit inside a file Praxis owns, and a practice changed since the last write.
    let rule = dir.path().join(".cursor/rules/praxis-no-unwrap.mdc");
    std::fs::write(&rule, std::fs::read_to_string(&rule).unwrap() + "\nAlso, be nice.\n").unwrap();
    let practice = dir.path().join(".praxis/practices/no-console-log.yaml");
    let text = std::fs::read_to_string(&practice).unwrap();
    std::fs::write(&practice, text.replace("name: Log through the logger", "name: Log with the logger")).unwrap();
    let stale = write(dir.path(), &["--check"]);
    assert_eq!(stale.code, 1);
    let listed: Vec<&str> = stale.stdout.lines().filter(|line| line.ends_with(": stale")).collect();
    for file in [".cursor/rules/praxis-no-console-log.mdc", ".cursor/rules/praxis-no-unwrap.mdc", "AGENTS.md"] {
        assert!(listed.contains(&format!("{file}: stale").as_str()), "{file} in {}", stale.stdout);
    }
    assert_eq!(listed.len(), 3, "{}", stale.stdout);
    assert!(std::fs::read_to_string(&rule).unwrap().ends_with("Also, be nice.\n"), "--check writes nothing");
}

#[test]
fn practices_marked_agents_false_and_broken_fences_are_respected() {
    let dir = demo();
    let practice = dir.path().join(".praxis/practices/no-console-log.yaml");
    let text = std::fs::read_to_string(&practice).unwrap();
    std::fs::write(&practice, text.replace("tags: [logging]", "tags: [logging]\nagents: false")).unwrap();
    assert_eq!(write(dir.path(), &[]).code, 0);
    let agents = std::fs::read_to_string(dir.path().join("AGENTS.md")).unwrap();
    assert!(
        !agents.contains("Log through the logger") && agents.contains("Handle errors instead of unwrap()"),
        "{agents}"
    );

    // Fences that do not pair up: an error, and the file is left as it was.
    let broken = "# Guide\n<!-- praxis:begin -->\nmine\n";
    std::fs::write(dir.path().join("AGENTS.md"), broken).unwrap();
    let run = write(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("AGENTS.md") && run.stderr.contains("do not pair up"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(dir.path().join("AGENTS.md")).unwrap(), broken);
}

#[test]
fn the_config_names_the_targets() {
    let dir = demo();
    let config = dir.path().join(".praxis/config.toml");
    let text = std::fs::read_to_string(&config).unwrap_or_default();
    std::fs::write(&config, format!("{text}\n[agents]\ntargets = [\"copilot\"]\n")).unwrap();
    let run = write(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join(".github/instructions/praxis-no-unwrap.instructions.md").exists());
    assert!(!dir.path().join("AGENTS.md").exists());
}
