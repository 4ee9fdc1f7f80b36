//! `praxis.createPractice`: a practice draft from a selection. The selected node's structure
//! becomes the pattern, with literals and local names turned into metavariables where the
//! pattern still matches the example; the selection is the practice's first example.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use praxis_engine::{Practice, PracticeDoc};
use praxis_sync::remote::Binding;
use praxis_sync::wire::{Example, ExampleKind};
use serde::Deserialize;
use tower_lsp_server::ls_types::{Range, Uri};

use super::convert::Positions;
use super::documents::{Content, Slot};
use super::state::State;

#[derive(Debug, Deserialize)]
pub struct CreateArgs {
    pub uri: Uri,
    pub range: Range,
    /// `bad` or `good`.
    pub kind: String,
    pub id: Option<String>,
    pub name: Option<String>,
    /// Whether to send the practice to the team's server the document's project follows:
    /// `true` sends, `false` keeps it local, absent asks the user.
    pub publish: Option<bool>,
}

pub struct Created {
    pub path: PathBuf,
    pub id: String,
    /// When the document's project follows a server: what would be sent there.
    pub offer: Option<Offer>,
}

/// A new practice that may go to the team's server: the practice, and the example it was made
/// from with the whole file it came from. Nothing else of the workspace is sent.
pub struct Offer {
    pub binding: Binding,
    pub doc: PracticeDoc,
    pub example: Example,
}

pub fn create_practice(state: &State, slot: &Slot, args: &CreateArgs) -> anyhow::Result<Created> {
    let bad = match args.kind.as_str() {
        "bad" => true,
        "good" => false,
        other => bail!("kind must be `bad` or `good`, not `{other}`"),
    };
    let open = slot.open();
    let Content::Source(source) = &open.content else { bail!("the document is not in a language Praxis checks") };
    let doc = &source.doc;
    let language = doc.language();
    let selection = Positions::of(doc, state.config().encoding).byte_range(args.range);
    let text = doc.text();
    let trimmed = trim(text, selection);
    if trimmed.is_empty() {
        bail!("the selection is empty");
    }
    let draft = praxis_engine::draft_pattern(doc, trimmed).context("no syntax node covers the selection")?;
    let example = text[draft.range.clone()].to_owned();
    let (pattern, kind) = (draft.pattern, draft.kind);

    let file = text.to_owned();
    let project = source.project.clone();
    drop(open);
    let dir = practice_dir(state, slot.path.as_deref())?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let base = args.id.clone().unwrap_or_else(|| suggested_id(&example, bad));
    let id = unique_id(&dir, &base);
    let name = args.name.clone().unwrap_or_else(|| {
        let shown: String = example.lines().next().unwrap_or("").chars().take(50).collect();
        if bad { format!("Avoid `{shown}`") } else { format!("Prefer `{shown}`") }
    });

    let yaml = practice_yaml(&id, &name, language.name, &pattern, kind, &example, bad);
    // The draft must load and its example must pass; otherwise fall back to the plain text.
    let yaml = match check_draft(&yaml) {
        Ok(()) => yaml,
        Err(_) => {
            let literal = practice_yaml(&id, &name, language.name, &example, kind, &example, bad);
            check_draft(&literal).map(|()| literal).or_else(|_| {
                let by_kind = practice_yaml(&id, &name, language.name, "", kind, &example, bad);
                check_draft(&by_kind).map(|()| by_kind)
            })?
        }
    };
    let path = dir.join(format!("{id}.yaml"));
    std::fs::write(&path, &yaml).with_context(|| format!("cannot write {}", path.display()))?;
    let follow = project.and_then(|key| state.project(&key)?.follow.clone());
    let offer = match (follow, Practice::from_yaml(&yaml, None)) {
        (Some(follow), Ok(practice)) => Some(Offer {
            binding: follow.binding,
            doc: practice.doc,
            example: Example {
                kind: if bad { ExampleKind::Bad } else { ExampleKind::Good },
                language: language.name.to_owned(),
                code: example,
                file,
            },
        }),
        _ => None,
    };
    Ok(Created { path, id, offer })
}

/// The folder the new practice goes to: the first folder the document's practices are loaded
/// from (settings, else the project's config), else a new `.praxis/practices` in the workspace
/// folder holding the document, else in the document's own folder.
pub(super) fn practice_dir(state: &State, path: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = path.context("the document is not a file on disk")?;
    let config = state.config();
    if let Some(key) = state.project_key(path) {
        if let Some(first) = config.settings.practices.first() {
            return Ok(key.join(first));
        }
        if let Ok(Some(project)) = crate::project::Project::discover(path)
            && let Some(first) = project.practice_dirs().into_iter().next()
        {
            return Ok(first);
        }
    }
    let root = match config.folder_of(path) {
        Some(folder) => folder.clone(),
        None => path.parent().map(Path::to_path_buf).context("the document has no folder")?,
    };
    Ok(root.join(crate::project::DEFAULT_PRACTICES))
}

fn trim(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.end - (slice.len() - slice.trim_end().len());
    start..end.max(start)
}

fn suggested_id(example: &str, bad: bool) -> String {
    let words: Vec<String> = example
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty() && !word.chars().all(|c| c.is_ascii_digit()))
        .take(3)
        .map(|word| word.to_ascii_lowercase())
        .collect();
    let stem = if words.is_empty() { "practice".to_owned() } else { words.join("-") };
    if bad { format!("no-{stem}") } else { format!("prefer-{stem}") }
}

pub(super) fn unique_id(dir: &Path, base: &str) -> String {
    let base: String = base
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let base = if base.is_empty() { "practice".to_owned() } else { base };
    let mut id = base.clone();
    let mut n = 2;
    while dir.join(format!("{id}.yaml")).exists() {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn block(text: &str, indent: &str) -> String {
    text.lines()
        .map(|line| if line.is_empty() { String::new() } else { format!("{indent}{line}") })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The draft's YAML. An empty `pattern` means "by node kind only".
fn practice_yaml(id: &str, name: &str, language: &str, pattern: &str, kind: &str, example: &str, bad: bool) -> String {
    let rule = match (bad, pattern.is_empty()) {
        (true, false) => format!("rule:\n  pattern: {}\n", quoted(pattern)),
        (true, true) => {
            format!("rule:\n  kind: {kind}\n  regex: {}\n", quoted(&format!("^{}$", regex_escape(example))))
        }
        // From a good example: flag nodes of the same kind that do not follow it.
        (false, false) => format!("rule:\n  kind: {kind}\n  not:\n    pattern: {}\n", quoted(pattern)),
        (false, true) => {
            format!("rule:\n  kind: {kind}\n  not:\n    regex: {}\n", quoted(&format!("^{}$", regex_escape(example))))
        }
    };
    let list = if bad { "bad" } else { "good" };
    format!(
        "id: {id}\nname: {}\ndescription: |\n  Why this matters, and what to do instead.\nseverity: warning\nlanguages: [{language}]\n{rule}examples:\n  {list}:\n    - code: |\n{}\n",
        quoted(name),
        block(example, "        ")
    )
}

fn regex_escape(text: &str) -> String {
    text.chars().map(|c| if "\\.+*?()|[]{}^$".contains(c) { format!("\\{c}") } else { c.to_string() }).collect()
}

fn check_draft(yaml: &str) -> anyhow::Result<()> {
    let practice = Practice::from_yaml(yaml, None)
        .map_err(|errors| anyhow::anyhow!(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))?;
    let results = practice.run_examples();
    if let Some(failure) = results.failures.first() {
        bail!("{failure}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_load_and_their_examples_pass() {
        let yaml = practice_yaml("no-x", "Avoid x", "python", "print($A)", "call", "print(1)", true);
        check_draft(&yaml).unwrap();
        let yaml = practice_yaml("prefer-x", "Prefer x", "python", "log($A)", "call", "log(1)", false);
        check_draft(&yaml).unwrap();
        assert_eq!(suggested_id("console.log(\"a\")", true), "no-console-log-a");
    }
}
