//! The practices, rendered for AI coding agents: each agent's instruction format, with every
//! practice's name, why, bad and good examples, scoped to the files it applies to wherever the
//! format can say so.
//!
//! Praxis owns two kinds of output. A *managed section* of a file the user also edits
//! (`AGENTS.md`), fenced by [`BEGIN`] and [`END`]: everything outside the fences is kept byte for
//! byte. And *owned files* (`praxis-<id>.*` in an agent's rules folder) that start with
//! [`OWNED`]: only those are ever replaced or removed, every other file is left alone.
//!
//! [`plan`] is pure: it takes the files as they are and returns the changes, so that `write`
//! applies them and `--check` only lists them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::ValueEnum;
use praxis_engine::Practice;
use schemars::JsonSchema;
use serde::Deserialize;

/// Opens the managed section of a shared file.
pub const BEGIN: &str = "<!-- praxis:begin -->";
/// Closes it.
pub const END: &str = "<!-- praxis:end -->";
/// The line an owned file carries after its front matter, by which Praxis knows it wrote it.
pub const OWNED: &str = "<!-- Written by `praxis agents write`: edit the practice, not this file. -->";

/// An agent and its instruction format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// A managed section of `AGENTS.md` (read by Codex, Copilot, Cursor, Zed, … ).
    AgentsMd,
    /// Claude Code's project rules: `.claude/rules/praxis-<id>.md`, scoped with `paths`.
    Claude,
    /// Cursor's project rules: `.cursor/rules/praxis-<id>.mdc`, scoped with `globs`.
    Cursor,
    /// GitHub Copilot's path instructions: `.github/instructions/praxis-<id>.instructions.md`.
    Copilot,
    /// Continue's rules: `.continue/rules/praxis-<id>.md`, scoped with `globs`.
    Continue,
}

impl Target {
    pub const ALL: [Target; 5] = [Target::AgentsMd, Target::Claude, Target::Cursor, Target::Copilot, Target::Continue];

    pub fn name(self) -> &'static str {
        match self {
            Target::AgentsMd => "agents-md",
            Target::Claude => "claude",
            Target::Cursor => "cursor",
            Target::Copilot => "copilot",
            Target::Continue => "continue",
        }
    }

    /// The folder of the owned files, or the shared file, relative to the project root.
    fn place(self) -> &'static str {
        match self {
            Target::AgentsMd => "AGENTS.md",
            Target::Claude => ".claude/rules",
            Target::Cursor => ".cursor/rules",
            Target::Copilot => ".github/instructions",
            Target::Continue => ".continue/rules",
        }
    }

    /// The name of a practice's owned file.
    fn file_name(self, id: &str) -> String {
        match self {
            Target::Cursor => format!("praxis-{id}.mdc"),
            Target::Copilot => format!("praxis-{id}.instructions.md"),
            _ => format!("praxis-{id}.md"),
        }
    }

    /// Whether the project already has this agent's files: then the agent is in use.
    pub fn in_use(self, root: &Path) -> bool {
        let any = |paths: &[&str]| paths.iter().any(|path| root.join(path).exists());
        match self {
            Target::AgentsMd => any(&["AGENTS.md"]),
            Target::Claude => any(&["CLAUDE.md", ".claude"]),
            Target::Cursor => any(&[".cursor", ".cursorrules"]),
            Target::Copilot => any(&[".github/copilot-instructions.md", ".github/instructions"]),
            Target::Continue => any(&[".continue"]),
        }
    }
}

/// One file to change: its new content, or `None` to remove it (an owned file whose practice is
/// gone).
#[derive(Debug, PartialEq, Eq)]
pub struct Change {
    /// Relative to the project root.
    pub path: PathBuf,
    pub content: Option<String>,
}

/// What the files of `targets` are now, as [`plan`] needs them: the shared file's text, and the
/// owned files in each rules folder.
pub trait Files {
    /// The text of `path` (relative to the root); `None` when there is no such file.
    fn read(&self, path: &Path) -> anyhow::Result<Option<String>>;
    /// The names of the files in `dir` (relative to the root); empty when there is no folder.
    fn list(&self, dir: &Path) -> anyhow::Result<Vec<String>>;
}

/// The changes that make the files of `targets` say what `practices` say: nothing when they
/// already do. Practices marked `agents: false` are left out.
pub fn plan(targets: &[Target], practices: &[&Practice], files: &dyn Files) -> anyhow::Result<Vec<Change>> {
    let mut practices: Vec<&Practice> = practices.iter().copied().filter(|practice| practice.doc.agents).collect();
    practices.sort_by(|a, b| a.id().cmp(b.id()));
    let mut changes = Vec::new();
    for &target in targets {
        if target == Target::AgentsMd {
            let path = PathBuf::from(target.place());
            let existing = files.read(&path)?;
            let merged = merge_section(existing.as_deref(), &agents_md_section(&practices))
                .map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))?;
            if existing.as_deref() != Some(merged.as_str()) {
                changes.push(Change { path, content: Some(merged) });
            }
            continue;
        }
        let dir = PathBuf::from(target.place());
        let mut wanted: BTreeMap<String, String> =
            practices.iter().map(|practice| (target.file_name(practice.id()), owned_file(target, practice))).collect();
        for name in files.list(&dir)? {
            let path = dir.join(&name);
            let Some(content) = wanted.remove(&name) else {
                // Not a file of a practice in force: removed only when Praxis wrote it.
                if name.starts_with("praxis-") && files.read(&path)?.is_some_and(|text| is_owned(&text)) {
                    changes.push(Change { path, content: None });
                }
                continue;
            };
            match files.read(&path)? {
                Some(existing) if existing == content => {}
                Some(existing) if !is_owned(&existing) => {
                    bail!(
                        "{} exists and was not written by Praxis; move it away to let Praxis write it",
                        path.display()
                    )
                }
                _ => changes.push(Change { path, content: Some(content) }),
            }
        }
        changes
            .extend(wanted.into_iter().map(|(name, content)| Change { path: dir.join(name), content: Some(content) }));
    }
    Ok(changes)
}

fn is_owned(text: &str) -> bool {
    text.lines().take(12).any(|line| line == OWNED)
}

/// `existing` with its managed section replaced by `section`, or with `section` added at the
/// end; everything else is kept as it is.
fn merge_section(existing: Option<&str>, section: &str) -> anyhow::Result<String> {
    let block = format!("{BEGIN}\n{section}{END}\n");
    let Some(existing) = existing else { return Ok(block) };
    match (existing.find(BEGIN), existing.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            let after = &existing[end + END.len()..];
            // The newline after the closing fence belongs to the block.
            let after = after.strip_prefix("\r\n").or_else(|| after.strip_prefix('\n')).unwrap_or(after);
            Ok(format!("{}{block}{after}", &existing[..begin]))
        }
        (None, None) if existing.is_empty() => Ok(block),
        (None, None) => {
            let separator = if existing.ends_with("\n\n") {
                ""
            } else if existing.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            Ok(format!("{existing}{separator}{block}"))
        }
        _ => {
            bail!("its `{BEGIN}` and `{END}` lines do not pair up; fix them by hand (Praxis rewrites what is between)")
        }
    }
}

/// The globs of the files a practice applies to, relative to the project root: its `files`,
/// else every file of its languages.
fn globs(practice: &Practice) -> Vec<String> {
    if !practice.doc.files.is_empty() {
        return practice.doc.files.clone();
    }
    let mut globs: Vec<String> =
        practice.languages().flat_map(|language| language.file_patterns("**/*.", "**/")).collect();
    globs.dedup();
    globs
}

/// A practice as instructions: name, why, where, bad and good code, the fix, and that
/// `praxis check` enforces it. `heading` is the Markdown level of its title.
fn practice_text(practice: &Practice, heading: &str) -> String {
    let doc = &practice.doc;
    let mut text = format!("{heading} {}\n\n", doc.name);
    if !doc.description.trim().is_empty() {
        text.push_str(doc.description.trim());
        text.push_str("\n\n");
    }
    let quoted = |globs: &[String]| globs.iter().map(|glob| format!("`{glob}`")).collect::<Vec<_>>().join(", ");
    text.push_str(&format!("Applies to {}", quoted(&globs(practice))));
    if !doc.ignores.is_empty() {
        text.push_str(&format!(", except {}", quoted(&doc.ignores)));
    }
    text.push_str(".\n\n");
    let first_language = doc.languages.first().map_or("", String::as_str);
    for (title, examples) in [("Bad", &doc.examples.bad), ("Good", &doc.examples.good)] {
        for example in examples {
            let language = example.language.as_deref().unwrap_or(first_language);
            text.push_str(&format!("{title}:\n\n```{language}\n{}\n```\n\n", example.code.trim_end()));
        }
    }
    if let Some(fix) = &doc.fix {
        text.push_str(&format!("Fix: replace the flagged code with `{}`.\n\n", fix.trim()));
    }
    text.push_str(&format!(
        "`praxis check` enforces this practice (`{}`, {}): run it on the files you change.\n",
        doc.id, practice.severity
    ));
    text
}

/// The managed section of `AGENTS.md`: every practice, one after another.
fn agents_md_section(practices: &[&Practice]) -> String {
    let mut text = String::from(
        "## Team practices\n\nThis project's coding practices, kept by Praxis: follow them in every change. \
         `praxis check` reports violations.\n",
    );
    for practice in practices {
        text.push('\n');
        text.push_str(&practice_text(practice, "###"));
    }
    text
}

/// A YAML string in double quotes, for front matter.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// A practice's own file in `target`'s format: front matter that scopes it, then its text.
fn owned_file(target: Target, practice: &Practice) -> String {
    let globs = globs(practice);
    let description = quoted(&practice.doc.name);
    let front = match target {
        Target::Claude => {
            let paths: String = globs.iter().map(|glob| format!("  - {}\n", quoted(glob))).collect();
            format!("paths:\n{paths}")
        }
        // Cursor reads `globs` as one comma-separated string.
        Target::Cursor => format!("description: {description}\nglobs: {}\nalwaysApply: false\n", globs.join(",")),
        Target::Copilot => format!("applyTo: {}\n", quoted(&globs.join(","))),
        Target::Continue => {
            let list: String = globs.iter().map(|glob| format!("  - {}\n", quoted(glob))).collect();
            format!("name: {description}\nglobs:\n{list}alwaysApply: false\n")
        }
        Target::AgentsMd => String::new(),
    };
    format!("---\n{front}---\n\n{OWNED}\n\n{}", practice_text(practice, "#"))
}

/// The files on disk under `root`.
pub struct Disk<'a> {
    pub root: &'a Path,
}

impl Files for Disk<'_> {
    fn read(&self, path: &Path) -> anyhow::Result<Option<String>> {
        match std::fs::read_to_string(self.root.join(path)) {
            Ok(text) => Ok(Some(text)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(anyhow::anyhow!("cannot read {}: {err}", path.display())),
        }
    }

    fn list(&self, dir: &Path) -> anyhow::Result<Vec<String>> {
        let entries = match std::fs::read_dir(self.root.join(dir)) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(anyhow::anyhow!("cannot read {}: {err}", dir.display())),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry?;
            if entry.file_type()?.is_file()
                && let Some(name) = entry.file_name().to_str()
            {
                names.push(name.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }
}

/// Applies `changes` under `root`: each file is written whole (to a temporary file, then
/// renamed), so that an interrupted run leaves the old file or the new one.
pub fn apply(root: &Path, changes: &[Change]) -> anyhow::Result<()> {
    for change in changes {
        let path = root.join(&change.path);
        match &change.content {
            Some(content) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|err| anyhow::anyhow!("cannot create {}: {err}", dir.display()))?;
                }
                let temporary = path.with_extension("praxis-tmp");
                std::fs::write(&temporary, content)
                    .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", temporary.display()))?;
                std::fs::rename(&temporary, &path)
                    .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", path.display()))?;
            }
            None => {
                std::fs::remove_file(&path).map_err(|err| anyhow::anyhow!("cannot remove {}: {err}", path.display()))?
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_managed_section_keeps_everything_around_it() {
        let before = "# My project\n\nHand-written.\n\n<!-- praxis:begin -->\nold\n<!-- praxis:end -->\nAfter, kept.\n";
        let merged = merge_section(Some(before), "new\n").unwrap();
        assert_eq!(
            merged,
            "# My project\n\nHand-written.\n\n<!-- praxis:begin -->\nnew\n<!-- praxis:end -->\nAfter, kept.\n"
        );
        assert_eq!(merge_section(Some(&merged), "new\n").unwrap(), merged, "a second run changes nothing");
        // Added at the end of a file without one, after a blank line.
        assert_eq!(
            merge_section(Some("# Notes"), "s\n").unwrap(),
            "# Notes\n\n<!-- praxis:begin -->\ns\n<!-- praxis:end -->\n"
        );
        assert_eq!(merge_section(None, "s\n").unwrap(), "<!-- praxis:begin -->\ns\n<!-- praxis:end -->\n");
        // CRLF files keep their line ends outside the section.
        let crlf = "a\r\n<!-- praxis:begin -->\r\nold\r\n<!-- praxis:end -->\r\nb\r\n";
        assert_eq!(
            merge_section(Some(crlf), "n\n").unwrap(),
            "a\r\n<!-- praxis:begin -->\nn\n<!-- praxis:end -->\nb\r\n"
        );
        // Fences that do not pair up are the user's to fix: nothing is overwritten.
        for broken in
            ["<!-- praxis:begin -->\nx\n", "x\n<!-- praxis:end -->\n", "<!-- praxis:end -->\n<!-- praxis:begin -->\n"]
        {
            assert!(merge_section(Some(broken), "s\n").is_err(), "{broken:?}");
        }
    }
}
