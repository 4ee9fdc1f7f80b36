//! The language server's state: open documents, the practices of each project, and what is
//! published. Everything here is synchronous; the protocol layer (`mod.rs`) calls in, then sends
//! what these methods return.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use std::time::Instant;

use praxis_engine::{Document, ExampleFailure, Finding, PracticeError, PracticeSet, Suppressed, apply_suppressions};
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, MessageType, TextDocumentContentChangeEvent, Uri};

use super::convert::{self, Encoding, Positions};
use super::following::Following;
use crate::practices::{self, Loaded};
use crate::remote::Follow;

/// Settings from `initializationOptions` and `workspace/didChangeConfiguration`.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Practice folders (absolute, or relative to each workspace folder); replace the project's.
    pub practices: Vec<PathBuf>,
    pub server: Option<String>,
    pub space: Option<String>,
    pub stats: Option<bool>,
}

impl Settings {
    /// Reads settings from a JSON value: the keys themselves, or under `praxis`.
    pub fn from_json(value: &serde_json::Value) -> Option<Settings> {
        let mut settings = Settings::default();
        settings.update(value).then_some(settings)
    }

    /// Takes the keys `value` has (directly or under `praxis`) and keeps the others: clients
    /// send `{}` or unrelated sections in `didChangeConfiguration`. Returns whether any key was
    /// taken.
    pub fn update(&mut self, value: &serde_json::Value) -> bool {
        let value = value.get("praxis").unwrap_or(value);
        let Some(map) = value.as_object() else { return false };
        let mut changed = false;
        if let Some(practices) = map.get("practices").and_then(|value| serde_json::from_value(value.clone()).ok()) {
            self.practices = practices;
            changed = true;
        }
        for (key, slot) in [("server", &mut self.server), ("space", &mut self.space)] {
            if let Some(value) = map.get(key) {
                *slot = value.as_str().map(str::to_owned);
                changed = true;
            }
        }
        if let Some(stats) = map.get("stats") {
            self.stats = stats.as_bool();
            changed = true;
        }
        changed
    }
}

/// The practices of one project (or of the configured folders), with what is wrong with them.
pub struct Project {
    pub loaded: Loaded,
    pub failures: Vec<ExampleFailure>,
    /// The practice files it was loaded from.
    pub files: Vec<PathBuf>,
    /// The team's server and space it follows, if any.
    pub follow: Option<Follow>,
}

impl Project {
    pub fn set(&self) -> &PracticeSet {
        &self.loaded.set
    }
}

/// An open source document with its tree and its raw (unsuppressed) findings.
pub struct Source {
    pub doc: Document,
    /// Findings before suppressions, kept so that an edit only re-matches what it touched.
    pub raw: Vec<Finding>,
    /// Findings after suppressions: what is published.
    pub published: Vec<Finding>,
    /// The project key (see [`State::project_key`]).
    pub project: Option<PathBuf>,
    /// Whether its opening was counted in the usage statistics (once per open).
    pub counted: bool,
}

pub enum Content {
    Source(Source),
    /// A practice file, or a file in a language Praxis does not check.
    Text(String),
}

pub struct Open {
    pub path: Option<PathBuf>,
    pub version: i32,
    pub content: Content,
}

impl Open {
    pub fn text(&self) -> &str {
        match &self.content {
            Content::Source(source) => source.doc.text(),
            Content::Text(text) => text,
        }
    }
}

#[derive(Default)]
pub struct State {
    pub encoding: Encoding,
    pub settings: Settings,
    pub folders: Vec<PathBuf>,
    pub documents: HashMap<Uri, Open>,
    /// Projects by key: the project root, or the workspace folder when settings name the
    /// practice folders.
    projects: HashMap<PathBuf, Project>,
    /// Practices that failed (panicked) on a document, each reported to the user once.
    failed: std::collections::HashSet<String>,
    /// Messages for the user, sent by the protocol layer after the current message.
    pub messages: Vec<(MessageType, String)>,
    /// Notes already said this session (each said once).
    said: std::collections::HashSet<String>,
    /// The team's servers followed.
    pub following: Following,
    /// The last `praxis/status` sent.
    last_status: Option<serde_json::Value>,
}

/// Diagnostics to publish for one document.
pub type Publish = (Uri, Option<i32>, Vec<Diagnostic>);

impl State {
    /// The key of the project a path belongs to: its `.praxis/` root, else the workspace folder
    /// holding it when settings name practice folders.
    pub fn project_key(&self, path: &Path) -> Option<PathBuf> {
        if let Ok(Some(project)) = crate::project::Project::discover(path) {
            return Some(project.root);
        }
        if self.settings.practices.is_empty() && !self.following.follows_without_project(&self.settings) {
            return None;
        }
        self.folders
            .iter()
            .filter(|folder| path.starts_with(folder))
            .max_by_key(|folder| folder.as_os_str().len())
            .cloned()
    }

    /// The project for `key`, loaded on first use.
    pub fn project(&mut self, key: &Path) -> Option<&Project> {
        if !self.projects.contains_key(key) {
            let project = self.load_project(key)?;
            self.projects.insert(key.to_path_buf(), project);
        }
        self.projects.get(key)
    }

    fn load_project(&mut self, key: &Path) -> Option<Project> {
        let dirs: Vec<PathBuf> = self.settings.practices.iter().map(|dir| key.join(dir)).collect();
        let overlays: HashMap<PathBuf, String> =
            self.documents.values().filter_map(|open| Some((open.path.clone()?, open.text().to_owned()))).collect();
        let read = |path: &Path| match overlays.get(path) {
            Some(text) => Ok(text.clone()),
            None => std::fs::read_to_string(path),
        };
        let found = crate::project::Project::discover(key).ok().flatten();
        let follow = match self.following.follow(found.as_ref(), &self.settings) {
            Ok(follow) => follow,
            Err(message) => {
                self.say(MessageType::ERROR, message);
                None
            }
        };
        let server = follow.as_ref().map(|follow| self.following.server_set(follow));
        let loaded = match practices::load_with(&dirs, key, &read, server.as_ref()) {
            Ok(loaded) => loaded,
            Err(err) => {
                tracing::warn!("no practices for {}: {err:#}", key.display());
                return None;
            }
        };
        for note in &loaded.notes {
            self.say(MessageType::INFO, format!("Praxis: {note}"));
        }
        let practice_dirs = if dirs.is_empty() {
            loaded.project.as_ref().map(|project| project.practice_dirs()).unwrap_or_default()
        } else {
            dirs
        };
        let files = practice_dirs.iter().flat_map(|dir| practices::practice_files(dir)).collect();
        let failures = loaded.set.practices().iter().flat_map(|practice| practice.run_examples().failures).collect();
        Some(Project { loaded, failures, files, follow })
    }

    /// Loads the project of each workspace folder, so that the servers they follow are known
    /// (and pulled) before a document is opened.
    pub fn load_folders(&mut self) {
        for folder in self.folders.clone() {
            if let Some(key) = self.project_key(&folder) {
                self.project(&key);
            }
        }
    }

    /// The `praxis/status` notification: how many practices are in force in the loaded
    /// projects, and how following the servers goes. `state` is the worst of the followed
    /// spaces (`error`, `offline`, `syncing`, `ok`), or `local` when none is followed; `server`,
    /// `space`, `revision` and `message` are that space's; `spaces` lists them all.
    pub fn status(&self) -> serde_json::Value {
        let mut ids: Vec<&str> =
            self.projects.values().flat_map(|project| project.set().practices()).map(|p| p.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        let spaces: Vec<serde_json::Value> = self.following.statuses().into_iter().map(|(_, status)| status).collect();
        let rank = |status: &serde_json::Value| match status["state"].as_str() {
            Some("error") => 3,
            Some("offline") => 2,
            Some("syncing") => 1,
            _ => 0,
        };
        let worst = spaces.iter().max_by_key(|status| rank(status)).cloned();
        let mut status = worst.unwrap_or_else(
            || serde_json::json!({"state": "local", "server": null, "space": null, "revision": null, "message": null}),
        );
        status["practices"] = serde_json::json!(ids.len());
        status["spaces"] = serde_json::json!(spaces);
        status
    }

    /// The status, when it differs from the last one sent.
    pub fn changed_status(&mut self) -> Option<serde_json::Value> {
        let status = self.status();
        if self.last_status.as_ref() == Some(&status) {
            return None;
        }
        self.last_status = Some(status.clone());
        Some(status)
    }

    /// Says once per document that it is too large to check.
    fn say_too_large(&mut self, path: Option<&Path>, uri: &Uri) {
        let name = path.map_or_else(|| uri.as_str().to_owned(), |path| path.display().to_string());
        let limit = crate::files::MAX_FILE_BYTES >> 20;
        self.say(MessageType::WARNING, format!("Praxis: {name} is larger than {limit} MiB and is not checked"));
    }

    /// Tells the user `message`, once per session.
    pub fn say(&mut self, kind: MessageType, message: String) {
        if self.said.insert(message.clone()) {
            self.messages.push((kind, message));
        }
    }

    /// The loaded projects and the followed servers, borrowed together.
    pub fn projects_and_following(&mut self) -> (&HashMap<PathBuf, Project>, &mut Following) {
        (&self.projects, &mut self.following)
    }

    /// Forgets every loaded project; they load again on next use.
    pub fn forget_projects(&mut self) {
        self.projects.clear();
    }

    /// Whether `path` is a practice file of some project (by location: under `.praxis/`, or in
    /// a configured practice folder).
    pub fn is_practice_file(&self, path: &Path) -> bool {
        let yaml = path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml");
        yaml && (path.components().any(|part| part.as_os_str() == crate::project::PRAXIS_DIR)
            || self.projects.values().any(|project| project.files.iter().any(|file| file == path))
            || self
                .folders
                .iter()
                .any(|folder| self.settings.practices.iter().any(|dir| path.starts_with(folder.join(dir)))))
    }

    /// Opens a document and returns what to publish.
    pub fn open(&mut self, uri: Uri, language_id: &str, version: i32, text: String) -> Vec<Publish> {
        let path = uri.to_file_path().map(|path| path.into_owned());
        let language =
            path.as_deref().and_then(praxis_grammars::by_path).or_else(|| praxis_grammars::by_language_id(language_id));
        let practice_file = path.as_deref().is_some_and(|path| self.is_practice_file(path));
        let too_large = text.len() as u64 > crate::files::MAX_FILE_BYTES;
        if too_large && language.is_some() && !practice_file {
            self.say_too_large(path.as_deref(), &uri);
        }
        let content = match language {
            Some(language) if !practice_file && !too_large => {
                let project = path.as_deref().and_then(|path| self.project_key(path));
                Content::Source(Source {
                    doc: Document::new(language, text),
                    raw: Vec::new(),
                    published: Vec::new(),
                    project,
                    counted: false,
                })
            }
            _ => Content::Text(text),
        };
        self.documents.insert(uri.clone(), Open { path, version, content });
        if practice_file {
            return self.reload();
        }
        self.recheck(&uri, None).into_iter().collect()
    }

    pub fn close(&mut self, uri: &Uri) -> Vec<Publish> {
        let Some(open) = self.documents.remove(uri) else { return Vec::new() };
        let mut out = vec![(uri.clone(), None, Vec::new())];
        if open.path.as_deref().is_some_and(|path| self.is_practice_file(path)) {
            // The file on disk is what counts again.
            out.extend(self.reload());
        }
        out
    }

    /// Applies edits in order and re-checks. Returns what to publish.
    pub fn change(&mut self, uri: &Uri, version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> Vec<Publish> {
        let encoding = self.encoding;
        let Some(open) = self.documents.get_mut(uri) else {
            tracing::warn!("change to a document that is not open: {}", uri.as_str());
            return Vec::new();
        };
        open.version = version;
        let mut touched: Option<Range<usize>> = None;
        match &mut open.content {
            Content::Text(text) => {
                for change in changes {
                    apply_text(text, change, encoding);
                }
            }
            Content::Source(source) => {
                for change in changes {
                    let Some(range) = change.range else {
                        let language = source.doc.language();
                        source.doc = Document::new(language, change.text);
                        touched = Some(0..source.doc.text().len());
                        source.raw.clear();
                        continue;
                    };
                    let edit = Positions::new(source.doc.text(), encoding).byte_range(range);
                    let delta = change.text.len() as isize - edit.len() as isize;
                    shift_findings(&mut source.raw, &edit, delta);
                    touched = touched.map(|region| shift_range(region, &edit, delta));
                    let changed = source.doc.edit(edit, &change.text);
                    for range in changed {
                        touched = Some(match touched {
                            Some(region) => region.start.min(range.start)..region.end.max(range.end),
                            None => range,
                        });
                    }
                }
            }
        }
        // A document that grew past the size limit is no longer checked.
        if let Content::Source(source) = &open.content
            && source.doc.text().len() as u64 > crate::files::MAX_FILE_BYTES
        {
            open.content = Content::Text(source.doc.text().to_owned());
            let path = open.path.clone();
            self.say_too_large(path.as_deref(), uri);
            return vec![(uri.clone(), Some(version), Vec::new())];
        }
        let path = open.path.clone();
        if path.as_deref().is_some_and(|path| self.is_practice_file(path)) {
            return self.reload();
        }
        self.recheck(uri, touched).into_iter().collect()
    }

    /// Re-checks an open source document: only `region` (widened) when given, else all of it.
    pub fn recheck(&mut self, uri: &Uri, region: Option<Range<usize>>) -> Option<Publish> {
        let encoding = self.encoding;
        let (key, path) = match self.documents.get(uri)? {
            Open { content: Content::Source(source), path, .. } => (source.project.clone(), path.clone()),
            _ => return None,
        };
        let project_root = key.clone().and_then(|key| self.project(&key).map(|project| project.loaded.root_or(&key)));
        let empty = PracticeSet::default();
        // Borrow the project's set and the document together (disjoint fields).
        let (projects, documents) = (&self.projects, &mut self.documents);
        let set = key.as_ref().and_then(|key| projects.get(key)).map_or(&empty, Project::set);
        let open = documents.get_mut(uri)?;
        let Content::Source(source) = &mut open.content else { return None };
        let glob_path = match (&path, &project_root) {
            (Some(path), Some(root)) => Some(crate::files::relative(path, root)),
            _ => None,
        };
        let started = Instant::now();
        let whole_document = region.is_none();
        let failures;
        match region {
            Some(region) => {
                // The engine decides, from each practice's rule, what the edit can have changed.
                let previous = std::mem::take(&mut source.raw);
                let fresh = set.refind(&source.doc, glob_path.as_deref(), region, previous);
                source.raw = fresh.findings;
                failures = fresh.failures;
            }
            None => {
                let fresh = set.find(&source.doc, glob_path.as_deref(), None);
                source.raw = fresh.findings;
                failures = fresh.failures;
            }
        }
        for failure in failures {
            tracing::error!("practice `{}` failed on {}: {}", failure.practice, uri.as_str(), failure.message);
            if self.failed.insert(failure.practice.to_string()) {
                self.messages.push((
                    MessageType::WARNING,
                    format!(
                        "Praxis: practice `{}` failed and was skipped ({}); the other practices still run",
                        failure.practice, failure.message
                    ),
                ));
            }
        }
        let open = self.documents.get_mut(uri)?;
        let Content::Source(source) = &mut open.content else { return None };
        source
            .raw
            .sort_by(|a, b| (a.range.start, a.range.end, &a.practice).cmp(&(b.range.start, b.range.end, &b.practice)));
        source.raw.dedup();
        let Suppressed { findings, suppressed } = apply_suppressions(&source.doc, source.raw.clone());
        source.published = findings;
        let elapsed = started.elapsed();
        let whole = whole_document && !std::mem::replace(&mut source.counted, true);
        if let Some(project) = key.as_ref().and_then(|key| self.projects.get(key)) {
            let usage = Usage { findings: &source.published, suppressed: &suppressed, elapsed, whole };
            count(&mut self.following, project, source.doc.language(), glob_path.as_deref(), usage);
            project.loaded.adjust_unused_ignore(&mut source.published);
        }
        let positions = Positions::new(source.doc.text(), encoding);
        let diagnostics = source
            .published
            .iter()
            .map(|finding| convert::diagnostic(finding, set.get(&finding.practice), &positions))
            .collect();
        Some((uri.clone(), Some(open.version), diagnostics))
    }

    /// Checks a file on disk that is not open (open ones are already published). `None` when
    /// it is open, unreadable, or in a language no practice checks.
    pub fn check_file(&mut self, path: &Path) -> Option<Publish> {
        let uri = Uri::from_file_path(path)?;
        if self.documents.contains_key(&uri) || self.is_practice_file(path) {
            return None;
        }
        let language = praxis_grammars::by_path(path)?;
        let key = self.project_key(path)?;
        let encoding = self.encoding;
        let project = self.project(&key)?;
        if !project.set().checks(language) {
            return None;
        }
        let text = crate::files::read(path).ok()?;
        let started = Instant::now();
        let doc = Document::new(language, text);
        let glob_path = crate::files::relative(path, &project.loaded.root_or(&key));
        let report = project.set().check(&doc, Some(&glob_path));
        let mut findings = report.findings;
        let project = self.projects.get(&key)?;
        let usage =
            Usage { findings: &findings, suppressed: &report.suppressed, elapsed: started.elapsed(), whole: true };
        count(&mut self.following, project, language, Some(&glob_path), usage);
        project.loaded.adjust_unused_ignore(&mut findings);
        let positions = Positions::new(doc.text(), encoding);
        let diagnostics = findings
            .iter()
            .map(|finding| convert::diagnostic(finding, project.set().get(&finding.practice), &positions))
            .collect();
        Some((uri, None, diagnostics))
    }

    /// Reloads every project and re-checks every open document; publishes practice-file
    /// diagnostics too.
    pub fn reload(&mut self) -> Vec<Publish> {
        self.forget_projects();
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        let mut out = Vec::new();
        for uri in &uris {
            // A document's project may have appeared or gone.
            let key =
                self.documents.get(uri).and_then(|open| open.path.clone()).and_then(|path| self.project_key(&path));
            if let Some(Open { content: Content::Source(source), .. }) = self.documents.get_mut(uri) {
                source.project = key;
                source.raw.clear();
            }
            out.extend(self.recheck(uri, None));
        }
        out.extend(self.practice_file_diagnostics());
        out
    }

    /// Diagnostics for every practice file of a loaded project (empty ones clear old ones).
    fn practice_file_diagnostics(&mut self) -> Vec<Publish> {
        // Load the projects of open practice files, so their errors show.
        let keys: Vec<PathBuf> = self
            .documents
            .values()
            .filter_map(|open| open.path.clone())
            .filter(|path| self.is_practice_file(path))
            .filter_map(|path| self.project_key(&path))
            .collect();
        for key in keys {
            self.project(&key);
        }
        let mut by_file: HashMap<PathBuf, Vec<(u32, u32, String, DiagnosticSeverity)>> = HashMap::new();
        for project in self.projects.values() {
            for file in &project.files {
                by_file.entry(file.clone()).or_default();
            }
            for error in &project.loaded.errors {
                push_error(&mut by_file, error);
            }
            for failure in &project.failures {
                let Some(file) = &failure.file else { continue };
                let position = failure.position.unwrap_or_default();
                let message =
                    format!("{} example {} ({}) {}", failure.kind, failure.number, failure.language, failure.reason);
                by_file.entry(file.clone()).or_default().push((
                    position.line.max(1),
                    position.column.max(1),
                    message,
                    DiagnosticSeverity::ERROR,
                ));
            }
        }
        let encoding = self.encoding;
        by_file
            .into_iter()
            .filter_map(|(file, problems)| {
                let uri = Uri::from_file_path(&file)?;
                let open = self.documents.get(&uri);
                let text = match open {
                    Some(open) => open.text().to_owned(),
                    None => std::fs::read_to_string(&file).unwrap_or_default(),
                };
                let positions = Positions::new(&text, encoding);
                let diagnostics = problems
                    .into_iter()
                    .map(|(line, column, message, severity)| {
                        convert::practice_diagnostic(line, column, message, severity, &positions)
                    })
                    .collect();
                Some((uri, open.map(|open| open.version), diagnostics))
            })
            .collect()
    }
}

/// What one check of a document did, for the usage statistics.
struct Usage<'a> {
    findings: &'a [Finding],
    suppressed: &'a [std::sync::Arc<str>],
    elapsed: std::time::Duration,
    /// The whole document as opened (counted once), rather than a re-check after an edit
    /// (only its engine time counts).
    whole: bool,
}

/// Counts a check of a document of `project` for the server it follows.
fn count(
    following: &mut Following,
    project: &Project,
    language: &praxis_grammars::Language,
    path: Option<&str>,
    usage: Usage<'_>,
) {
    let Some(follow) = &project.follow else { return };
    let Some(tally) = following.tally(&follow.binding) else { return };
    let loaded = &project.loaded;
    if usage.whole {
        crate::usage::count_check(tally, loaded, language, path, usage.findings, usage.suppressed, usage.elapsed);
    } else {
        crate::usage::count_time(tally, loaded, language, path, usage.elapsed);
    }
}

fn push_error(by_file: &mut HashMap<PathBuf, Vec<(u32, u32, String, DiagnosticSeverity)>>, error: &PracticeError) {
    let Some(file) = &error.file else { return };
    let position = error.position.unwrap_or_default();
    by_file.entry(file.clone()).or_default().push((
        position.line.max(1),
        position.column.max(1),
        error.message.clone(),
        DiagnosticSeverity::ERROR,
    ));
}

impl Loaded {
    /// The folder globs are relative to: the project root, else `key`.
    pub fn root_or(&self, key: &Path) -> PathBuf {
        self.project.as_ref().map_or_else(|| key.to_path_buf(), |project| project.root.clone())
    }
}

fn apply_text(text: &mut String, change: TextDocumentContentChangeEvent, encoding: Encoding) {
    match change.range {
        Some(range) => {
            let edit = Positions::new(text, encoding).byte_range(range);
            text.replace_range(edit, &change.text);
        }
        None => *text = change.text,
    }
}

/// Moves findings after an edit of `edit` that changed the length by `delta`; drops those the
/// edit touched.
fn shift_findings(findings: &mut Vec<Finding>, edit: &Range<usize>, delta: isize) {
    findings.retain_mut(|finding| {
        if finding.range.end < edit.start {
            return true;
        }
        if finding.range.start > edit.end {
            finding.range = shift_range(finding.range.clone(), edit, delta);
            if let Some(fix) = &mut finding.fix {
                fix.range = shift_range(fix.range.clone(), edit, delta);
            }
            return true;
        }
        false
    });
}

fn shift_range(range: Range<usize>, edit: &Range<usize>, delta: isize) -> Range<usize> {
    let move_point = |point: usize| {
        if point >= edit.end {
            (point as isize + delta).max(0) as usize
        } else if point > edit.start {
            edit.start
        } else {
            point
        }
    };
    let start = move_point(range.start);
    let end = if range.end >= edit.start && range.end <= edit.end {
        (edit.end as isize + delta).max(start as isize) as usize
    } else {
        move_point(range.end)
    };
    start..end.max(start)
}
