//! `praxis agents hook claude-code|cursor`: an agent's edit hook. It reads the hook's JSON on
//! stdin, checks the edited file (or, when the agent stops, every file changed in the working
//! tree), and hands the findings back to the agent in the way each agent reads them:
//!
//! - Claude Code (`PostToolUse` on `Write|Edit|MultiEdit`, and `Stop`): a short report on stderr
//!   and exit 2, which Claude Code shows to the model.
//! - Cursor (`afterFileEdit` and `stop`): JSON on stdout, `additional_context` after an edit and
//!   `followup_message` at the stop, which Cursor gives to the agent.
//!
//! A hook must never break the agent: bad input, a file Praxis does not check, a file outside
//! any project, or any error of Praxis's own gives exit 0 and one line on stderr.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde_json::{Value, json};

use super::super::{Exit, FailOn, PracticeArgs};
use crate::files::SourceFile;
use crate::practices::{self, Loaded};
use crate::report::Located;

/// At most this many lines of report: an agent reads it whole, every turn.
const MAX_LINES: usize = 40;
/// Hook input larger than this is not a hook's payload (Claude Code sends the written content).
const MAX_INPUT: u64 = 64 << 20;
/// After this many continuations asked for at a stop, let the agent stop (it could not fix them).
const MAX_STOP_LOOPS: u64 = 3;

/// The agent whose hook this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Agent {
    ClaudeCode,
    Cursor,
}

/// What a hook run is about: one edited file, or every changed file at a stop.
enum Event {
    Edit(PathBuf),
    Stop {
        dir: PathBuf,
    },
    /// A stop that already asked the agent to go on as often as it may.
    StopAgain,
}

pub fn run(agent: Agent, fail_on: FailOn) -> anyhow::Result<Exit> {
    let mut input = String::new();
    let read = std::io::stdin().take(MAX_INPUT).read_to_string(&mut input);
    let outcome = read.map_err(anyhow::Error::from).and_then(|_| {
        let payload: Value =
            serde_json::from_str(&input).map_err(|err| anyhow::anyhow!("the hook input is not JSON: {err}"))?;
        let event = event(agent, &payload)?;
        report(agent, event, fail_on)
    });
    match outcome {
        Ok(exit) => Ok(exit),
        Err(err) => {
            quiet(agent, &format!("praxis: {err:#}"));
            Ok(Exit::Clean)
        }
    }
}

/// One line on stderr, where agents log what a hook says.
#[allow(clippy::print_stderr)]
fn say(line: &str) {
    eprintln!("{line}");
}

/// Says one thing on stderr and lets the agent go on (Cursor also wants JSON on stdout, once).
fn quiet(agent: Agent, line: &str) {
    say(line);
    if agent == Agent::Cursor {
        let _ = writeln!(std::io::stdout(), "{{}}");
    }
}

/// Reads the event from the payload, in the agent's JSON shape.
fn event(agent: Agent, payload: &Value) -> anyhow::Result<Event> {
    let name = payload["hook_event_name"].as_str().unwrap_or_default();
    let cwd = payload["cwd"]
        .as_str()
        .or_else(|| payload["workspace_roots"][0].as_str())
        .map(PathBuf::from)
        .map_or_else(std::env::current_dir, Ok)?;
    match (agent, name) {
        (Agent::ClaudeCode, "Stop" | "SubagentStop") => {
            Ok(if payload["stop_hook_active"] == true { Event::StopAgain } else { Event::Stop { dir: cwd } })
        }
        (Agent::Cursor, "stop") => {
            let loops = payload["loop_count"].as_u64().unwrap_or(0);
            Ok(if loops >= MAX_STOP_LOOPS { Event::StopAgain } else { Event::Stop { dir: cwd } })
        }
        (Agent::ClaudeCode, _) => {
            let path = payload["tool_input"]["file_path"].as_str().filter(|path| !path.is_empty());
            let path = path.ok_or_else(|| anyhow::anyhow!("no tool_input.file_path in the {name:?} hook input"))?;
            Ok(Event::Edit(cwd.join(path)))
        }
        (Agent::Cursor, _) => {
            let path = payload["file_path"].as_str().filter(|path| !path.is_empty());
            let path = path.ok_or_else(|| anyhow::anyhow!("no file_path in the {name:?} hook input"))?;
            Ok(Event::Edit(cwd.join(path)))
        }
    }
}

/// Checks what the event names and tells the agent.
fn report(agent: Agent, event: Event, fail_on: FailOn) -> anyhow::Result<Exit> {
    let (files, stop) = match event {
        Event::StopAgain => {
            quiet(agent, "praxis: the agent was asked to fix findings already; not asking again");
            return Ok(Exit::Clean);
        }
        Event::Edit(path) => {
            if !path.is_file() {
                anyhow::bail!("{} is not a file", path.display());
            }
            (vec![path], false)
        }
        Event::Stop { dir } => (changed_files(&dir)?, true),
    };
    let Some(first) = files.first() else {
        quiet(agent, "praxis: no changed files");
        return Ok(Exit::Clean);
    };
    let (server, _) = super::super::sync::follow_run(first, false)?;
    let loaded = practices::load(&PracticeArgs::default(), first, server.as_ref())?;
    let Some(project) = &loaded.project else {
        anyhow::bail!("{} is in no project (no .praxis/ folder above it)", first.display());
    };
    let root = project.root.clone();
    let sources: Vec<SourceFile> = files
        .iter()
        .filter(|path| path.starts_with(&root))
        .filter_map(|path| {
            let language = praxis_grammars::by_path(path).filter(|language| loaded.set.checks(language))?;
            Some(SourceFile { path: path.clone(), language })
        })
        .collect();
    if sources.is_empty() {
        let what = if files.len() == 1 { "the file is" } else { "no changed file is" };
        quiet(agent, &format!("praxis: {what} not in a language this project's practices check"));
        return Ok(Exit::Clean);
    }
    let (findings, problems) = super::super::check::findings_of(&sources, &loaded, &root)?;
    let threshold = fail_on.threshold();
    let failing: Vec<&Located> =
        findings.iter().filter(|finding| threshold.is_some_and(|threshold| finding.severity >= threshold)).collect();
    if failing.is_empty() {
        // Cursor's `{}` follows once, below.
        for problem in problems {
            say(&format!("praxis: {problem}"));
        }
        if agent == Agent::Cursor {
            writeln!(std::io::stdout().lock(), "{{}}")?;
        }
        return Ok(Exit::Clean);
    }
    let text = findings_text(&failing, &loaded);
    match agent {
        Agent::ClaudeCode => {
            std::io::stderr().lock().write_all(text.as_bytes())?;
            Ok(Exit::Usage)
        }
        Agent::Cursor => {
            // After an edit, context for the agent's next step; at a stop, a message that makes
            // it go on.
            let key = if stop { "followup_message" } else { "additional_context" };
            writeln!(std::io::stdout().lock(), "{}", json!({ key: text }))?;
            Ok(Exit::Clean)
        }
    }
}

/// `path:line:col practice-id: message`, the practice's why in one line and its fix, for at most
/// [`MAX_LINES`] lines.
fn findings_text(findings: &[&Located], loaded: &Loaded) -> String {
    let mut lines = vec![format!(
        "praxis: {} finding{} to fix (the team's practices; `praxis explain ID` says more):",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    )];
    for (shown, finding) in findings.iter().enumerate() {
        let mut entry = vec![format!(
            "{}:{}:{} {}: {}",
            finding.path, finding.start.line, finding.start.column, finding.practice, finding.message
        )];
        if let Some(practice) = loaded.set.get(&finding.practice) {
            let why = practice.doc.description.lines().map(str::trim).find(|line| !line.is_empty());
            if let Some(why) = why {
                entry.push(format!("  why: {why}"));
            }
        }
        if let Some(fix) = &finding.fix {
            let fix: Vec<&str> = fix.replacement.lines().collect();
            if fix.len() == 1 {
                entry.push(format!("  fix: replace with `{}`", fix[0]));
            }
        }
        if lines.len() + entry.len() >= MAX_LINES {
            lines.push(format!("… and {} more: run `praxis check` on the changed files", findings.len() - shown));
            break;
        }
        lines.extend(entry);
    }
    lines.join("\n") + "\n"
}

/// The files changed in the working tree of `dir`'s repository (added, modified, renamed or
/// untracked; not deleted), as `git status` lists them.
fn changed_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let status = git(dir, &["status", "--porcelain=v1", "-z", "--untracked-files=all"])?;
    let mut files = Vec::new();
    let mut entries = status.split('\0');
    while let Some(entry) = entries.next() {
        let Some((code, path)) = entry.split_at_checked(3) else { continue };
        // A rename or copy is followed by its old path, which is not changed content.
        if code.starts_with(['R', 'C']) {
            entries.next();
        }
        let path = top.join(path);
        if !code.contains('D') && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|err| anyhow::anyhow!("cannot run git: {err}"))?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr);
        anyhow::bail!("git {} failed: {}", args.join(" "), message.lines().next().unwrap_or_default());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
