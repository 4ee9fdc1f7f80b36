//! The language server's state: what the client configured, the projects' practices, the open
//! documents, the followed servers, and what the user is told. Every part locks on its own, for
//! a moment; the long work (parsing, matching, loading practices, reading files) runs on
//! blocking threads with no lock of the state held but the one document's it works on. The
//! protocol layer (`mod.rs`) queues messages and sends what these methods return.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use praxis_engine::{Document, Finding, PracticeError, PracticeSet, Suppressed, apply_suppressions};
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, MessageType, TextDocumentContentChangeEvent, Uri};

use super::convert::{self, Encoding, Positions};
use super::documents::{Content, Documents, Message, Open, Slot, Source};
use super::following::Following;
use super::lock;
use super::projects::{Project, Projects};
use super::settings::{Config, Scope};
use crate::cache::ResultCache;
use crate::git::Repo;
use crate::practices;

/// Diagnostics to publish for one document.
pub type Publish = (Uri, Option<i32>, Vec<Diagnostic>);

/// What the user is told, each thing once.
#[derive(Default)]
struct Notices {
    /// Messages for the user, sent by the protocol layer after the current publication.
    messages: Vec<(MessageType, String)>,
    /// Messages already said this session.
    said: HashSet<String>,
    /// Practices that failed on a document, each reported once.
    failed: HashSet<String>,
    /// The last `praxis/status` sent.
    last_status: Option<serde_json::Value>,
}

#[derive(Default)]
pub struct State {
    config: Mutex<Arc<Config>>,
    projects: Projects,
    documents: Documents,
    following: Mutex<Following>,
    notices: Mutex<Notices>,
    /// The result cache the workspace check shares with `praxis check`.
    results: OnceLock<Option<ResultCache>>,
}

impl State {
    /// What the client configured, as of now.
    pub fn config(&self) -> Arc<Config> {
        lock(&self.config).clone()
    }

    /// Changes the configuration; returns what `change` returns.
    pub fn configure<R>(&self, change: impl FnOnce(&mut Config) -> R) -> R {
        let mut config = lock(&self.config);
        let mut next = Config::clone(&config);
        let result = change(&mut next);
        *config = Arc::new(next);
        result
    }

    pub fn documents(&self) -> &Documents {
        &self.documents
    }

    /// The followed servers (a short lock: no network work happens under it).
    pub fn following(&self) -> MutexGuard<'_, Following> {
        lock(&self.following)
    }

    /// Tells the user `message`, once per session.
    pub fn say(&self, kind: MessageType, message: String) {
        let mut notices = lock(&self.notices);
        if notices.said.insert(message.clone()) {
            notices.messages.push((kind, message));
        }
    }

    /// Tells the user `message` now, even if it was said before.
    pub fn tell(&self, kind: MessageType, message: String) {
        lock(&self.notices).messages.push((kind, message));
    }

    /// The messages for the user since the last call.
    pub fn take_messages(&self) -> Vec<(MessageType, String)> {
        std::mem::take(&mut lock(&self.notices).messages)
    }

    /// The key of the project a path belongs to: its `.praxis/` root, else the workspace folder
    /// holding it when settings name practice folders. Reads the disk.
    pub fn project_key(&self, path: &Path) -> Option<PathBuf> {
        if let Ok(Some(project)) = crate::project::Project::discover(path) {
            return Some(project.root);
        }
        let config = self.config();
        if config.settings.practices.is_empty() && !self.following().follows_without_project(&config.settings) {
            return None;
        }
        config.folder_of(path).cloned()
    }

    /// The project for `key`, loaded on first use (which reads the disk).
    pub fn project(&self, key: &Path) -> Option<Arc<Project>> {
        self.projects.get(key, || self.load_project(key))
    }

    fn load_project(&self, key: &Path) -> Option<Project> {
        let config = self.config();
        let dirs: Vec<PathBuf> = config.settings.practices.iter().map(|dir| key.join(dir)).collect();
        let overlays = self.documents.practice_texts();
        let read = |path: &Path| match overlays.get(path) {
            Some(text) => Ok(text.clone()),
            None => std::fs::read_to_string(path),
        };
        let found = crate::project::Project::discover(key).ok().flatten();
        let follow = {
            let following = self.following();
            following.follow(found.as_ref(), &config.settings)
        };
        let follow = follow.unwrap_or_else(|message| {
            self.say(MessageType::ERROR, message);
            None
        });
        let server = follow.as_ref().map(|follow| self.following().server_set(follow));
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
        Some(Project { loaded, failures, files, follow, drafting: OnceLock::new() })
    }

    /// Loads the project of each workspace folder, so that the servers they follow are known
    /// (and pulled) before a document is opened. Reads the disk.
    pub fn load_folders(&self) {
        for folder in &self.config().folders {
            if let Some(key) = self.project_key(folder) {
                self.project(&key);
            }
        }
    }

    /// Forgets every loaded project; they load again on next use.
    pub fn forget_projects(&self) {
        self.projects.forget();
    }

    /// The `praxis/status` notification: how many practices are in force in the loaded
    /// projects, and how following the servers goes. `state` is the worst of the followed
    /// spaces (`error`, `offline`, `syncing`, `ok`), or `local` when none is followed; `server`,
    /// `space`, `revision` and `message` are that space's; `spaces` lists them all.
    pub fn status(&self) -> serde_json::Value {
        let projects = self.projects.loaded();
        let mut ids: Vec<&str> =
            projects.iter().flat_map(|(_, project)| project.set().practices()).map(|p| p.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        let spaces: Vec<serde_json::Value> =
            self.following().statuses().into_iter().map(|(_, status)| status).collect();
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
    pub fn changed_status(&self) -> Option<serde_json::Value> {
        let status = self.status();
        let mut notices = lock(&self.notices);
        if notices.last_status.as_ref() == Some(&status) {
            return None;
        }
        notices.last_status = Some(status.clone());
        Some(status)
    }

    /// Says once per document that it is too large to check.
    fn say_too_large(&self, path: Option<&Path>, uri: &Uri) {
        let name = path.map_or_else(|| uri.as_str().to_owned(), |path| path.display().to_string());
        let limit = crate::files::MAX_FILE_BYTES >> 20;
        self.say(MessageType::WARNING, format!("Praxis: {name} is larger than {limit} MiB and is not checked"));
    }

    /// Whether `path` is a practice file of some project (by location: under `.praxis/`, or in
    /// a configured practice folder).
    pub fn is_practice_file(&self, path: &Path) -> bool {
        let yaml = path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml");
        let config = self.config();
        yaml && (path.components().any(|part| part.as_os_str() == crate::project::PRAXIS_DIR)
            || self.projects.has_file(path)
            || config
                .folders
                .iter()
                .any(|folder| config.settings.practices.iter().any(|dir| path.starts_with(folder.join(dir)))))
    }

    /// Adds a document the client opened. A source document gets its [`Message::Open`] queued,
    /// and the caller starts its worker; a practice file is complete as it is (its text is what
    /// the projects read), and the caller reloads. Costs no parsing and no disk.
    pub fn open(&self, uri: Uri, language_id: &str, version: i32, text: String) -> Arc<Slot> {
        let path = uri.to_file_path().map(|path| path.into_owned());
        let language =
            path.as_deref().and_then(praxis_grammars::by_path).or_else(|| praxis_grammars::by_language_id(language_id));
        let practice_file = path.as_deref().is_some_and(|path| self.is_practice_file(path));
        let slot = Arc::new(Slot::new(path, language, practice_file, Open { version, content: Content::Text(text) }));
        if !practice_file {
            let start = slot.push(Message::Open);
            debug_assert!(start, "a new document has no worker yet");
        }
        self.documents.insert(uri, slot.clone());
        slot
    }

    /// Applies edits to an open practice file at once, in the handler: practice files change
    /// what every document is checked with, so their edits must be in place, in arrival order,
    /// before any project loads again. Text edits only: no parsing.
    pub fn edit_practice_file(&self, slot: &Slot, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        let encoding = self.config().encoding;
        let mut open = slot.open();
        open.version = version;
        if let Content::Text(text) = &mut open.content {
            for change in changes {
                apply_text(text, change, encoding);
            }
        }
    }

    /// Applies one message to a source document (the worker's job): parses, checks, and says
    /// what to publish.
    pub fn apply(&self, uri: &Uri, slot: &Slot, message: Message) -> Option<Publish> {
        let mut open = slot.open();
        match message {
            Message::Open => {
                let Content::Text(text) = &mut open.content else { return None };
                let text = std::mem::take(text);
                let too_large = text.len() as u64 > crate::files::MAX_FILE_BYTES;
                if too_large && slot.language.is_some() {
                    self.say_too_large(slot.path.as_deref(), uri);
                }
                match slot.language {
                    Some(language) if !too_large => {
                        let project = slot.path.as_deref().and_then(|path| self.project_key(path));
                        let doc = Document::new(language, text);
                        let source =
                            Source { doc, raw: Vec::new(), published: Vec::new(), project, counted: false, head: None };
                        open.content = Content::Source(source);
                        self.recheck(uri, slot, &mut open, None)
                    }
                    _ => {
                        open.content = Content::Text(text);
                        None
                    }
                }
            }
            Message::Change { version, changes } => self.change(uri, slot, &mut open, version, changes),
            Message::Recheck => {
                let Content::Source(source) = &mut open.content else { return None };
                // A document's project may have appeared or gone.
                source.project = slot.path.as_deref().and_then(|path| self.project_key(path));
                source.raw.clear();
                source.head = None;
                self.recheck(uri, slot, &mut open, None)
            }
            Message::Saved => {
                let Content::Source(source) = &mut open.content else { return None };
                if self.config().settings.scope != Scope::Changed {
                    return None;
                }
                source.head = None;
                self.recheck(uri, slot, &mut open, Some(0..0))
            }
        }
    }

    /// Applies edits in order and re-checks what they can have changed.
    fn change(
        &self,
        uri: &Uri,
        slot: &Slot,
        open: &mut Open,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Option<Publish> {
        let encoding = self.config().encoding;
        open.version = version;
        let touched = match &mut open.content {
            Content::Text(text) => {
                for change in changes {
                    apply_text(text, change, encoding);
                }
                return None;
            }
            Content::Source(source) => {
                let mut replaced = false;
                let mut changes = changes.into_iter();
                while let Some(change) = changes.next() {
                    let edit = change.range.map(|range| Positions::of(&source.doc, encoding).byte_range(range));
                    let length = match &edit {
                        Some(edit) => source.doc.text().len() - edit.len() + change.text.len(),
                        None => change.text.len(),
                    };
                    // A document that grows past the size limit is no longer parsed or checked.
                    if length as u64 > crate::files::MAX_FILE_BYTES {
                        let mut text = source.doc.text().to_owned();
                        for change in std::iter::once(change).chain(changes.by_ref()) {
                            apply_text(&mut text, change, encoding);
                        }
                        open.content = Content::Text(text);
                        self.say_too_large(slot.path.as_deref(), uri);
                        return Some((uri.clone(), Some(version), Vec::new()));
                    }
                    let Some(edit) = edit else {
                        let language = source.doc.language();
                        source.doc = Document::new(language, change.text);
                        source.raw.clear();
                        replaced = true;
                        continue;
                    };
                    let delta = change.text.len() as isize - edit.len() as isize;
                    shift_findings(&mut source.raw, &edit, delta);
                    source.doc.apply(edit, &change.text);
                }
                // All the changes of the message (a burst's keys come as one) parsed once; after
                // a replacement of the whole text, all of it is new.
                let changed = source.doc.reparse();
                if replaced {
                    Some(0..source.doc.text().len())
                } else {
                    changed.into_iter().reduce(|all, range| all.start.min(range.start)..all.end.max(range.end))
                }
            }
        };
        self.recheck(uri, slot, open, touched)
    }

    /// Re-checks an open source document: only what an edit of `region` can have changed when
    /// given, else all of it.
    fn recheck(&self, uri: &Uri, slot: &Slot, open: &mut Open, region: Option<Range<usize>>) -> Option<Publish> {
        let encoding = self.config().encoding;
        let version = open.version;
        let Content::Source(source) = &mut open.content else { return None };
        let key = source.project.clone();
        let project = key.as_deref().and_then(|key| self.project(key));
        let empty = PracticeSet::default();
        let set = project.as_deref().map_or(&empty, Project::set);
        let glob_path = match (&slot.path, &project, &key) {
            (Some(path), Some(project), Some(key)) => Some(crate::files::relative(path, &project.root_or(key))),
            _ => None,
        };
        let started = Instant::now();
        let whole_document = region.is_none();
        let fresh = match region {
            // The engine decides, from each practice's rule, what the edit can have changed.
            Some(region) => set.refind(&mut source.doc, glob_path.as_deref(), region, std::mem::take(&mut source.raw)),
            None => {
                source.doc.checked();
                set.find(&source.doc, glob_path.as_deref(), None)
            }
        };
        source.raw = fresh.findings;
        for failure in fresh.failures {
            tracing::error!("practice `{}` failed on {}: {}", failure.practice, uri.as_str(), failure.message);
            let first = lock(&self.notices).failed.insert(failure.practice.to_string());
            if first {
                self.tell(
                    MessageType::WARNING,
                    format!(
                        "Praxis: practice `{}` failed and was skipped ({}); the other practices still run",
                        failure.practice, failure.message
                    ),
                );
            }
        }
        source
            .raw
            .sort_by(|a, b| (a.range.start, a.range.end, &a.practice).cmp(&(b.range.start, b.range.end, &b.practice)));
        source.raw.dedup();
        let Suppressed { findings, suppressed } = apply_suppressions(&source.doc, source.raw.clone());
        source.published = findings;
        let elapsed = started.elapsed();
        let whole = whole_document && !std::mem::replace(&mut source.counted, true);
        if let Some(project) = &project {
            let usage = Usage { findings: &source.published, suppressed: &suppressed, elapsed, whole };
            count(&mut self.following(), project, source.doc.language(), glob_path.as_deref(), usage);
            project.loaded.adjust_unused_ignore(&mut source.published);
        }
        let positions = Positions::of(&source.doc, encoding);
        if self.config().settings.scope == Scope::Changed {
            let head = source.head.get_or_insert_with(|| slot.path.as_deref().and_then(head_text));
            keep_changed(&mut source.published, head.as_deref(), source.doc.text(), &positions);
        }
        let diagnostics = source
            .published
            .iter()
            .map(|finding| convert::diagnostic(finding, set.get(&finding.practice), &positions))
            .collect();
        Some((uri.clone(), Some(version), diagnostics))
    }

    /// Keeps the result cache within its bound, after a workspace check. Reads the disk.
    pub fn trim_results(&self) {
        if let Some(results) = self.results.get().and_then(Option::as_ref) {
            results.trim();
        }
    }

    /// Checks a file on disk that is not open (open ones are already published). `None` when
    /// it is open, unreadable, or in a language no practice checks. Reads the disk.
    pub fn check_file(&self, path: &Path) -> Option<Publish> {
        let uri = Uri::from_file_path(path)?;
        if self.documents.contains(&uri) || self.is_practice_file(path) {
            return None;
        }
        let language = praxis_grammars::by_path(path)?;
        let key = self.project_key(path)?;
        let project = self.project(&key)?;
        if !project.set().checks(language) {
            return None;
        }
        let text = crate::files::read(path).ok()?;
        let glob_path = crate::files::relative(path, &project.root_or(&key));
        let results = self.results.get_or_init(ResultCache::in_user_cache).as_ref();
        let checked = crate::cache::check(results, &project.loaded, language, text, &glob_path);
        let (mut findings, text) = (checked.findings, checked.text);
        let usage =
            Usage { findings: &findings, suppressed: &checked.suppressed, elapsed: checked.elapsed, whole: true };
        count(&mut self.following(), &project, language, Some(&glob_path), usage);
        project.loaded.adjust_unused_ignore(&mut findings);
        let positions = Positions::new(&text, self.config().encoding);
        if self.config().settings.scope == Scope::Changed {
            keep_changed(&mut findings, head_text(path).as_deref(), &text, &positions);
        }
        let diagnostics = findings
            .iter()
            .map(|finding| convert::diagnostic(finding, project.set().get(&finding.practice), &positions))
            .collect();
        Some((uri, None, diagnostics))
    }

    /// Loads the projects of the workspace folders and the open documents again (after
    /// [`State::forget_projects`]), and returns the practice files' diagnostics. Reads the disk.
    pub fn reload_projects(&self) -> Vec<Publish> {
        self.load_folders();
        for (_, slot) in self.documents.all() {
            if let Some(key) =
                slot.path.as_deref().filter(|_| !slot.practice_file).and_then(|path| self.project_key(path))
            {
                self.project(&key);
            }
        }
        self.practice_file_diagnostics()
    }

    /// Diagnostics for every practice file of a loaded project (empty ones clear old ones);
    /// loads the projects of open practice files first, so their errors show. Reads the disk.
    pub fn practice_file_diagnostics(&self) -> Vec<Publish> {
        let open: Vec<(Uri, Arc<Slot>)> =
            self.documents.all().into_iter().filter(|(_, slot)| slot.practice_file).collect();
        for path in open.iter().filter_map(|(_, slot)| slot.path.as_deref()) {
            if let Some(key) = self.project_key(path) {
                self.project(&key);
            }
        }
        let mut by_file: HashMap<PathBuf, Vec<(u32, u32, String, DiagnosticSeverity)>> = HashMap::new();
        for (_, project) in self.projects.loaded() {
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
        let encoding = self.config().encoding;
        by_file
            .into_iter()
            .filter_map(|(file, problems)| {
                let uri = Uri::from_file_path(&file)?;
                let slot = open.iter().find(|(open, _)| *open == uri).map(|(_, slot)| slot);
                let (text, version) = match slot {
                    Some(slot) => {
                        let open = slot.open();
                        (open.text().to_owned(), Some(open.version))
                    }
                    None => (std::fs::read_to_string(&file).unwrap_or_default(), None),
                };
                let positions = Positions::new(&text, encoding);
                let diagnostics = problems
                    .into_iter()
                    .map(|(line, column, message, severity)| {
                        convert::practice_diagnostic(line, column, message, severity, &positions)
                    })
                    .collect();
                Some((uri, version, diagnostics))
            })
            .collect()
    }
}

/// What one check of a document did, for the usage statistics.
struct Usage<'a> {
    findings: &'a [Finding],
    suppressed: &'a [Arc<str>],
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

/// The text of the file at `path` at Git `HEAD`; `None` when it is new or not in a repository.
fn head_text(path: &Path) -> Option<String> {
    let repo = Repo::discover(path.parent()?)?;
    repo.head_text(&path.canonicalize().ok()?)
}

/// Keeps the findings on lines of `text` that differ from `head` (all of them without one).
fn keep_changed(findings: &mut Vec<Finding>, head: Option<&str>, text: &str, positions: &Positions<'_>) {
    let Some(head) = head else { return };
    if findings.is_empty() {
        return;
    }
    let changed = crate::diff::text_lines(head, text);
    findings.retain(|finding| changed.touches(positions.line(finding.range.start), positions.line(finding.range.end)));
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
