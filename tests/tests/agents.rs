//! `praxis agents` on a copy of the demo.
//!
//! - `write`: what each agent's files say (snapshots under `tests/fixtures/agents/`), that a
//!   second run changes nothing, that everything the user wrote around and beside Praxis's
//!   output is kept byte for byte, and `--check` on fresh, stale and hand-edited files.
//! - `hook`: recorded payloads of Claude Code's and Cursor's hooks
//!   (`tests/fixtures/agents/hooks/`), for a violating edit, a clean one, a stop, and input a
//!   hook must shrug off.
//! - `install`/`uninstall` on existing settings files.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use support::{Run, copy_tree, expect_file, fixture, praxis, praxis_command, workspace};

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

/// Runs `praxis agents hook AGENT` in `dir` with `payload` on stdin.
fn hook(dir: &Path, agent: &str, payload: &str) -> Run {
    let mut child = praxis_command()
        .args(["agents", "hook", agent])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(payload.as_bytes()).unwrap();
    child.wait_with_output().unwrap().into()
}

/// A recorded payload with the demo copy's paths in it.
fn payload(name: &str, dir: &Path, file: &str, extra: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(fixture("agents/hooks").join(name)).unwrap();
    text = text.replace("{ROOT}", dir.to_str().unwrap()).replace("{FILE}", file).replace("{HOME}", "/home/dev");
    for (key, value) in extra {
        text = text.replace(key, value);
    }
    text
}

/// The demo as a Git repository with everything committed.
fn demo_repo() -> tempfile::TempDir {
    let dir = demo();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.email=dev@example.com", "-c", "user.name=dev"])
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "demo"]);
    dir
}

#[test]
fn the_claude_code_hook_turns_a_violating_edit_into_exit_2_with_a_report() {
    let dir = demo();
    let edited = payload("claude-post-tool-use-edit.json", dir.path(), "web/src/orders.ts", &[]);
    let run = hook(dir.path(), "claude-code", &edited);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines.len() <= 40, "{}", run.stderr);
    assert!(
        lines.contains(&"web/src/orders.ts:21:3 no-console-log: Use logger.info instead of console.log"),
        "{}",
        run.stderr
    );
    assert!(lines.contains(&"  why: Console output is lost in production; `logger` keeps the level and the context."));
    assert!(lines.contains(&"  fix: replace with `logger.info(\"parsing order\", body.id)`"), "{}", run.stderr);
    // Below --fail-on (warning by default): the info-level TODO finding is not reported.
    assert!(!run.stderr.contains("todo-needs-ticket"), "{}", run.stderr);

    // A clean edit: exit 0 and nothing at all.
    let clean = payload("claude-post-tool-use-edit.json", dir.path(), "web/src/logger.ts", &[]);
    let run = hook(dir.path(), "claude-code", &clean);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));
}

#[test]
fn a_hook_never_breaks_the_agent() {
    let dir = demo();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("a.ts"), "console.log(1)\n").unwrap();
    let cases = [
        ("malformed JSON", "{\"hook_event_name\": ".to_owned()),
        ("no file path", "{\"hook_event_name\": \"PostToolUse\", \"tool_input\": {}}".to_owned()),
        ("a file Praxis does not check", payload("claude-post-tool-use-edit.json", dir.path(), "README.md", &[])),
        ("a deleted file", payload("claude-post-tool-use-edit.json", dir.path(), "web/src/gone.ts", &[])),
        ("a file outside any project", payload("claude-post-tool-use-edit.json", outside.path(), "a.ts", &[])),
    ];
    for (what, input) in cases {
        for agent in ["claude-code", "cursor"] {
            let run = hook(dir.path(), agent, &input);
            assert_eq!(run.code, 0, "{what} ({agent}): {}", run.stderr);
            assert_eq!(run.stderr.lines().count(), 1, "{what} ({agent}): one line, not {:?}", run.stderr);
            let expected_stdout = if agent == "cursor" { "{}\n" } else { "" };
            assert_eq!(run.stdout, expected_stdout, "{what} ({agent})");
        }
    }
}

#[test]
fn the_stop_hooks_check_every_changed_file_once() {
    let dir = demo_repo();
    // A changed file with a violation, an untracked one that is clean, a deleted one.
    let api = dir.path().join("web/src/api.ts");
    std::fs::write(&api, std::fs::read_to_string(&api).unwrap() + "console.log(\"sent\")\n").unwrap();
    std::fs::write(dir.path().join("web/src/extra.ts"), "export const x = 1;\n").unwrap();
    std::fs::remove_file(dir.path().join("web/src/orders.test.ts")).unwrap();

    let stop = payload("claude-stop.json", dir.path(), "", &[("{ACTIVE}", "false")]);
    let run = hook(dir.path(), "claude-code", &stop);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("web/src/api.ts:") && run.stderr.contains("no-console-log"), "{}", run.stderr);
    assert!(!run.stderr.contains("orders.ts"), "an unchanged file is not checked: {}", run.stderr);
    // Claude Code is already going on because of this hook: it is not held again.
    let again = hook(dir.path(), "claude-code", &payload("claude-stop.json", dir.path(), "", &[("{ACTIVE}", "true")]));
    assert_eq!(again.code, 0, "{}", again.stderr);

    let cursor = hook(dir.path(), "cursor", &payload("cursor-stop.json", dir.path(), "", &[("{LOOPS}", "0")]));
    assert_eq!(cursor.code, 0, "{}", cursor.stderr);
    let answer: Value = serde_json::from_str(&cursor.stdout).unwrap();
    assert!(answer["followup_message"].as_str().unwrap().contains("web/src/api.ts:"), "{answer}");
    let looped = hook(dir.path(), "cursor", &payload("cursor-stop.json", dir.path(), "", &[("{LOOPS}", "3")]));
    assert_eq!((looped.code, looped.stdout.as_str()), (0, "{}\n"));
}

#[test]
fn the_cursor_hook_answers_an_edit_with_context_for_the_agent() {
    let dir = demo();
    let run = hook(dir.path(), "cursor", &payload("cursor-after-file-edit.json", dir.path(), "web/src/orders.ts", &[]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let answer: Value = serde_json::from_str(&run.stdout).unwrap();
    let context = answer["additional_context"].as_str().unwrap();
    assert!(context.contains("web/src/orders.ts:21:3 no-console-log"), "{context}");
    let clean =
        hook(dir.path(), "cursor", &payload("cursor-after-file-edit.json", dir.path(), "web/src/logger.ts", &[]));
    assert_eq!((clean.code, clean.stdout.as_str(), clean.stderr.as_str()), (0, "{}\n", ""));
    // A file the check skips (not UTF-8): one line on stderr, and still one JSON answer.
    std::fs::write(dir.path().join("web/src/binary.ts"), b"const a = 1;\xff\xfe\n").unwrap();
    let skipped =
        hook(dir.path(), "cursor", &payload("cursor-after-file-edit.json", dir.path(), "web/src/binary.ts", &[]));
    assert_eq!((skipped.code, skipped.stdout.as_str()), (0, "{}\n"), "{}", skipped.stderr);
    assert_eq!(skipped.stderr.lines().count(), 1, "{}", skipped.stderr);
}

#[test]
fn install_merges_into_existing_settings_and_uninstall_gives_them_back() {
    let dir = demo();
    let claude = dir.path().join(".claude/settings.json");
    std::fs::create_dir_all(claude.parent().unwrap()).unwrap();
    let mine = "{\n  \"permissions\": {\"allow\": [\"Bash(npm test)\"]},\n  \"hooks\": {\"PostToolUse\": [{\"matcher\": \"Write\", \"hooks\": [{\"type\": \"command\", \"command\": \"prettier --write\"}]}]}\n}\n";
    std::fs::write(&claude, mine).unwrap();
    let original: Value = serde_json::from_str(mine).unwrap();

    assert_eq!(praxis(dir.path(), &["agents", "install", "claude-code"]).code, 0);
    let installed: Value = serde_json::from_str(&std::fs::read_to_string(&claude).unwrap()).unwrap();
    assert_eq!(installed["permissions"], original["permissions"]);
    let post = installed["hooks"]["PostToolUse"].as_array().unwrap();
    assert_eq!(post[0], original["hooks"]["PostToolUse"][0], "the user's hook stays first");
    assert_eq!(post[1]["matcher"], "Write|Edit|MultiEdit");
    assert_eq!(post[1]["hooks"][0]["command"], "praxis agents hook claude-code");
    assert_eq!(installed["hooks"]["Stop"][0]["hooks"][0]["command"], "praxis agents hook claude-code");
    let twice = praxis(dir.path(), &["agents", "install", "claude-code"]);
    assert!(twice.stdout.contains("already"), "{}", twice.stdout);
    assert_eq!(serde_json::from_str::<Value>(&std::fs::read_to_string(&claude).unwrap()).unwrap(), installed);

    assert_eq!(praxis(dir.path(), &["agents", "uninstall", "claude-code"]).code, 0);
    let back: Value = serde_json::from_str(&std::fs::read_to_string(&claude).unwrap()).unwrap();
    assert_eq!(back, original);

    // Cursor: a new hooks.json, then a broken one that is left alone.
    assert_eq!(praxis(dir.path(), &["agents", "install", "cursor"]).code, 0);
    let cursor: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(".cursor/hooks.json")).unwrap()).unwrap();
    assert_eq!(cursor["hooks"]["afterFileEdit"][0]["command"], "praxis agents hook cursor");
    std::fs::write(dir.path().join(".cursor/hooks.json"), "{ not json").unwrap();
    let broken = praxis(dir.path(), &["agents", "install", "cursor"]);
    assert_eq!(broken.code, 2, "{}", broken.stderr);
    assert!(broken.stderr.contains("not valid JSON"), "{}", broken.stderr);
    assert_eq!(std::fs::read_to_string(dir.path().join(".cursor/hooks.json")).unwrap(), "{ not json");
}
