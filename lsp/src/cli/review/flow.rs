//! The review itself, the same for every host: read the change, check each changed file's new
//! text in memory, keep the findings on added lines, post the ones not posted before, resolve
//! the discussions whose finding is gone, and set the commit status. The hosts only speak their
//! API ([`Host`]).

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;
use praxis_engine::Severity;

use super::body::{self, Body, Flavour, Placement};
use crate::baseline;
use crate::cli::check::{Text, check_text};
use crate::diff::{self, Changed};
use crate::practices::Loaded;
use crate::report::{self, Located};

/// How many changed files are looked at; past that, the rest are left out with a warning.
pub const MAX_FILES: usize = 3000;

/// A merge request as the flow needs it.
#[derive(Debug)]
pub struct Change {
    pub base_sha: String,
    pub head_sha: String,
    /// GitLab's `start_sha` (the target branch's head the diff was made against).
    pub start_sha: String,
    pub files: Vec<ChangedFile>,
}

/// One file of the change.
#[derive(Debug)]
pub struct ChangedFile {
    /// The path in the new version, from the repository's top.
    pub path: String,
    /// The path in the old version (differs when renamed).
    pub old_path: String,
    pub deleted: bool,
    pub added: bool,
    /// The host's unified diff of the file (`@@` hunks), when it gave one.
    pub patch: Option<String>,
}

/// A comment Praxis left earlier, recognised by its marker.
#[derive(Debug, Clone)]
pub struct Earlier {
    /// The finding's fingerprint key.
    pub key: String,
    /// The host's id of the discussion (GitLab) or comment (GitHub).
    pub id: String,
    /// Whether it is resolved, when the listing says.
    pub resolved: Option<bool>,
    /// `path:line`, to say which one.
    pub place: String,
}

/// A new comment.
#[derive(Debug, Clone)]
pub struct Comment {
    pub path: String,
    pub old_path: String,
    pub placement: Placement,
    pub body: String,
}

/// A Git host's API, as the review uses it.
pub trait Host {
    /// `gitlab` or `github`: how messages begin.
    fn name(&self) -> &'static str;
    fn flavour(&self) -> Flavour;
    /// The change: its commits and files with their diffs.
    async fn change(&self) -> anyhow::Result<Change>;
    /// The bytes of `path` at commit `sha`; `None` when the commit has no such file.
    async fn content(&self, path: &str, sha: &str) -> anyhow::Result<Option<Vec<u8>>>;
    /// The comments Praxis left on this change before.
    async fn earlier(&self) -> anyhow::Result<Vec<Earlier>>;
    /// Posts `comments` on the change.
    async fn post(&self, change: &Change, comments: &[Comment]) -> anyhow::Result<()>;
    /// Resolves the discussions of `gone`; returns how many it resolved. A host that cannot
    /// says so on one warning line and returns 0.
    async fn resolve(&self, gone: &[Earlier]) -> anyhow::Result<usize>;
    /// Sets the commit status `praxis` on the change's head.
    async fn status(&self, change: &Change, passed: bool, description: &str) -> anyhow::Result<()>;
}

/// What a review runs with.
pub struct Options<'a> {
    pub loaded: &'a Loaded,
    /// The project's folder in the repository (`app/`), or empty when the project is the
    /// repository: only files under it are checked, with paths from it for globs.
    pub prefix: String,
    pub dry_run: bool,
    pub fail_on: Option<Severity>,
}

/// How a review went.
#[derive(Debug)]
pub struct Outcome {
    /// Findings on added lines at or above `--fail-on`.
    pub failing: bool,
    /// Practices that failed on a file.
    pub failures: Vec<String>,
}

/// A finding on an added line, ready to comment on.
struct Pending {
    finding: Located,
    key: String,
    comment: Comment,
}

/// Runs the review on `host`.
pub async fn review<H: Host>(host: &H, options: &Options<'_>) -> anyhow::Result<Outcome> {
    let name = host.name();
    let change = host.change().await?;
    let checked = check_change(host, &change, options).await?;
    let earlier = host.earlier().await?;
    let known: HashSet<&str> = earlier.iter().map(|earlier| earlier.key.as_str()).collect();
    let new: Vec<&Pending> = checked.pending.iter().filter(|pending| !known.contains(pending.key.as_str())).collect();
    let mut seen = HashSet::new();
    let gone: Vec<Earlier> = earlier
        .iter()
        .filter(|earlier| !checked.keys.contains(&earlier.key) && earlier.resolved != Some(true))
        .filter(|earlier| seen.insert(earlier.id.clone()))
        .cloned()
        .collect();
    let failing =
        options.fail_on.is_some_and(|threshold| checked.pending.iter().any(|p| p.finding.severity >= threshold));
    let description = match checked.pending.len() {
        0 => "no findings".to_owned(),
        1 => "1 finding".to_owned(),
        count => format!("{count} findings"),
    };
    let state = if failing { "failed" } else { "success" };
    let flavour = host.flavour();
    let mut out = Vec::new();

    if options.dry_run {
        for pending in &new {
            let line = pending.comment.placement.line(flavour);
            out.push(format!("would comment on {}:{line}", pending.comment.path));
            let indented = |line: &str| if line.is_empty() { String::new() } else { format!("    {line}") };
            out.extend(pending.comment.body.lines().map(indented));
        }
        for earlier in &gone {
            let open = if earlier.resolved.is_none() { " (if still open)" } else { "" };
            out.push(format!("would resolve the discussion on {}{open}: its finding is gone", earlier.place));
        }
        out.push(format!("would set the status praxis to {state}: {description}"));
        print(&out);
        return Ok(Outcome { failing, failures: checked.failures });
    }

    let comments: Vec<Comment> = new.iter().map(|pending| pending.comment.clone()).collect();
    if !comments.is_empty() {
        host.post(&change, &comments).await?;
    }
    for comment in &comments {
        out.push(format!("commented on {}:{}", comment.path, comment.placement.line(flavour)));
    }
    if !checked.failures.is_empty() && !gone.is_empty() {
        // A practice that failed on a file found nothing there: its comments are not gone.
        report::warning_line(&format!(
            "{name}: a practice failed, so no discussion is resolved on this run ({} would have been)",
            gone.len()
        ));
    } else if !gone.is_empty() {
        let resolved = host.resolve(&gone).await?;
        if resolved > 0 {
            out.push(format!("resolved {resolved} discussion{} whose finding is gone", plural(resolved)));
        }
    }
    host.status(&change, !failing, &description).await?;
    out.push(format!("status praxis: {state} ({description})"));
    print(&out);
    Ok(Outcome { failing, failures: checked.failures })
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[allow(clippy::print_stdout)]
fn print(lines: &[String]) {
    for line in lines {
        println!("{line}");
    }
}

/// What checking the change found.
struct Checked {
    /// Findings on added lines, sorted.
    pending: Vec<Pending>,
    /// The key of every finding in the checked files, on added lines or not.
    keys: HashSet<String>,
    failures: Vec<String>,
}

async fn check_change<H: Host>(host: &H, change: &Change, options: &Options<'_>) -> anyhow::Result<Checked> {
    let name = host.name();
    let mut checked = Checked { pending: Vec::new(), keys: HashSet::new(), failures: Vec::new() };
    if change.files.len() > MAX_FILES {
        report::warning_line(&format!(
            "{name}: the change has {} files; only the first {MAX_FILES} are checked",
            change.files.len()
        ));
    }
    for file in change.files.iter().take(MAX_FILES) {
        if file.deleted {
            continue;
        }
        let Some(glob_path) = under_prefix(&file.path, &options.prefix) else { continue };
        let Some(language) = praxis_grammars::by_path(Path::new(&file.path)) else { continue };
        // Not even read when no practice checks it (its language, its `files`/`ignores`).
        let practices = options.loaded.set.practices();
        if !practices.iter().any(|practice| practice.checks(language, Some(&glob_path))) {
            continue;
        }
        let (added, hunks) = match &file.patch {
            Some(patch) => match diff::hunk_lines(patch) {
                Ok(added) => (added, diff::hunk_spans(patch)),
                Err(err) => {
                    report::warning_line(&format!(
                        "{}: skipped: {name} sent a diff this cannot read: {err}",
                        file.path
                    ));
                    continue;
                }
            },
            None if file.added => (Changed::All, vec![(1, usize::MAX)]),
            None => {
                // No diff from the host (too large, or binary): diff the two texts here.
                let Some(old) = text_at(host, &file.old_path, &change.base_sha).await? else { continue };
                let Some(new) = text_at(host, &file.path, &change.head_sha).await? else { continue };
                let added = diff::text_lines(&old, &new);
                let hunks = match &added {
                    Changed::All => vec![(1, usize::MAX)],
                    Changed::Lines(ranges) => ranges.clone(),
                };
                check_file(options, file, &glob_path, language, new, &added, &hunks, host.flavour(), &mut checked);
                continue;
            }
        };
        if added.is_empty() {
            continue;
        }
        let Some(text) = text_at(host, &file.path, &change.head_sha).await? else { continue };
        check_file(options, file, &glob_path, language, text, &added, &hunks, host.flavour(), &mut checked);
    }
    checked.pending.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
    Ok(checked)
}

/// Checks one file's new text and keeps its findings.
#[allow(clippy::too_many_arguments)]
fn check_file(
    options: &Options<'_>,
    file: &ChangedFile,
    glob_path: &str,
    language: &'static praxis_grammars::Language,
    text: String,
    added: &Changed,
    hunks: &[(usize, usize)],
    flavour: Flavour,
    checked: &mut Checked,
) {
    let loaded = options.loaded;
    let owned = text.clone();
    let (mut findings, mut failures) =
        check_text(loaded, Text { language, text, shown: &file.path, glob_path }, false, None, None);
    checked.failures.append(&mut failures);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // Fingerprints over all of the file's findings, so that occurrences do not depend on
    // which lines the change added.
    let prints = baseline::fingerprints(&findings, str::to_owned);
    for (finding, print) in findings.into_iter().zip(prints) {
        let key = print.key();
        checked.keys.insert(key.clone());
        let Some(placement) = body::place(&finding, &owned, added, hunks) else { continue };
        let practice = loaded.set.get(&finding.practice);
        let body = Body {
            finding: &finding,
            name: practice.map(|practice| practice.doc.name.as_str()),
            description: practice.map(|practice| practice.doc.description.as_str()),
            url: practice.and_then(|practice| practice.doc.url.as_deref()),
            placement: &placement,
            key: &key,
        }
        .render(flavour);
        let comment = Comment { path: file.path.clone(), old_path: file.old_path.clone(), placement, body };
        checked.pending.push(Pending { finding, key, comment });
    }
}

/// `path` from the project's folder, when it is under it.
fn under_prefix(path: &str, prefix: &str) -> Option<String> {
    if prefix.is_empty() {
        return Some(path.to_owned());
    }
    path.strip_prefix(prefix).filter(|rest| !rest.is_empty()).map(str::to_owned)
}

/// The text of `path` at `sha`, or `None` (with a warning) when it is not text Praxis reads.
async fn text_at<H: Host>(host: &H, path: &str, sha: &str) -> anyhow::Result<Option<String>> {
    let Some(bytes) = host.content(path, sha).await? else {
        report::warning_line(&format!("{path}: skipped: {} has no such file at {}", host.name(), short(sha)));
        return Ok(None);
    };
    if bytes.iter().take(8192).any(|&byte| byte == 0) {
        report::warning_line(&format!("{path}: skipped: binary file"));
        return Ok(None);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(_) => {
            report::warning_line(&format!("{path}: skipped: not valid UTF-8"));
            Ok(None)
        }
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// The project's folder in the repository at `top`, as a prefix of repository paths (`app/`),
/// or empty.
pub fn project_prefix(top: &Path, root: &Path) -> anyhow::Result<String> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let relative = root.strip_prefix(top).with_context(|| {
        format!("the project {} is not inside the Git repository {}", root.display(), top.display())
    })?;
    let mut prefix = String::new();
    for part in relative.components() {
        prefix.push_str(&part.as_os_str().to_string_lossy());
        prefix.push('/');
    }
    Ok(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_under_the_project_folder_are_checked() {
        assert_eq!(under_prefix("src/a.py", ""), Some("src/a.py".into()));
        assert_eq!(under_prefix("app/src/a.py", "app/"), Some("src/a.py".into()));
        assert_eq!(under_prefix("application/a.py", "app/"), None);
        assert_eq!(under_prefix("other/a.py", "app/"), None);
    }
}
