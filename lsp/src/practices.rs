//! Loading the practices in force: practice files from folders, merged with the practices of
//! the team's server (a local practice wins on the same id), with the project's configuration
//! (disabled ids, severity overrides) applied to both.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, OnceLock};

use anyhow::bail;
use praxis_engine::{Finding, Practice, PracticeError, PracticeSet, Severity, UNUSED_IGNORE};
use sha2::{Digest, Sha256};

use crate::cli::PracticeArgs;
use crate::project::Project;
use crate::remote::ServerSet;

/// The practices in force for a run, and everything wrong with the ones that are not.
pub struct Loaded {
    pub set: PracticeSet,
    pub errors: Vec<PracticeError>,
    /// Warnings that do not stop anything (a severity override for an unknown id).
    pub warnings: Vec<String>,
    /// The severity of `unused-ignore` hints; `None` when the config disables them.
    pub unused_ignore: Option<Severity>,
    pub project: Option<Project>,
    /// The ids of the server's practices: the ones whose usage is counted for it.
    pub server_ids: HashSet<String>,
    /// Things worth saying once that are not problems (a local practice overriding the
    /// server's).
    pub notes: Vec<String>,
    /// See [`Loaded::fingerprint`].
    fingerprint: OnceLock<[u8; 32]>,
}

impl Loaded {
    /// Names everything the findings of a text depend on besides the text, its language and
    /// its path: every practice as loaded (its document and effective severity), the
    /// `unused-ignore` policy, and the binary (its version, and its size and modification time,
    /// which change with every build). The result cache's keys start with it.
    pub fn fingerprint(&self) -> &[u8; 32] {
        self.fingerprint.get_or_init(|| {
            static BINARY: LazyLock<String> = LazyLock::new(|| {
                let exe = std::env::current_exe().and_then(std::fs::metadata);
                let (len, modified) = exe.map_or((0, None), |meta| (meta.len(), meta.modified().ok()));
                format!("{} {len} {modified:?}", env!("CARGO_PKG_VERSION"))
            });
            let mut hash = Sha256::new();
            hash.update(BINARY.as_bytes());
            hash.update(format!("\nunused-ignore {:?}\n", self.unused_ignore));
            for practice in self.set.practices() {
                hash.update(serde_json::to_vec(&practice.doc).unwrap_or_default());
                hash.update(format!("\n{:?}\n", practice.severity));
            }
            hash.finalize().into()
        })
    }

    /// Applies the configured severity of `unused-ignore` hints, or drops them when disabled.
    pub fn adjust_unused_ignore(&self, findings: &mut Vec<Finding>) {
        findings.retain_mut(|finding| {
            if &*finding.practice != UNUSED_IGNORE {
                return true;
            }
            self.unused_ignore.inspect(|severity| finding.severity = *severity).is_some()
        });
    }

    /// The folder `files`/`ignores` globs are relative to.
    pub fn root(&self) -> anyhow::Result<PathBuf> {
        match &self.project {
            Some(project) => Ok(project.root.clone()),
            None => Ok(std::env::current_dir()?),
        }
    }
}

/// Loads the practices for a command-line run that starts at `start` (a file or folder), with
/// the server's practices when it follows one. Error paths are relative to the current
/// directory, like the paths of findings.
pub fn load(args: &PracticeArgs, start: &Path, server: Option<&ServerSet>) -> anyhow::Result<Loaded> {
    let mut loaded = load_with(&args.dirs, start, &|path| std::fs::read_to_string(path), server)?;
    let cwd = std::env::current_dir()?;
    for error in &mut loaded.errors {
        if let Some(file) = &mut error.file {
            *file = PathBuf::from(crate::files::relative(file, &cwd));
        }
    }
    Ok(loaded)
}

/// Loads practices from `dirs` (when given) or the project's folders, reading each file with
/// `read` (the language server reads unsaved editor buffers through it), and merges `server`'s.
/// A project that follows a server needs no practice folder of its own.
pub fn load_with(
    dirs: &[PathBuf],
    start: &Path,
    read: &dyn Fn(&Path) -> std::io::Result<String>,
    server: Option<&ServerSet>,
) -> anyhow::Result<Loaded> {
    let project = Project::discover(start)?;
    let dirs = if !dirs.is_empty() {
        dirs.to_vec()
    } else if let Some(project) = &project {
        let dirs = project.practice_dirs();
        // The default folder is optional when the server provides the practices.
        let default_only = project.config.practices.paths == [crate::project::DEFAULT_PRACTICES];
        if server.is_some() && default_only { dirs.into_iter().filter(|dir| dir.is_dir()).collect() } else { dirs }
    } else if server.is_some() {
        Vec::new()
    } else {
        bail!(
            "no practices: no {} folder in {} or its parents; run `praxis init` or pass --practices DIR",
            crate::project::PRAXIS_DIR,
            std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf()).display()
        );
    };
    let mut practices = Vec::new();
    let mut errors = Vec::new();
    for dir in &dirs {
        if !dir.is_dir() {
            bail!("practices folder {} does not exist", dir.display());
        }
        for file in practice_files(dir) {
            match read(&file) {
                Ok(text) => match Practice::from_yaml(&text, Some(&file)) {
                    Ok(practice) => practices.push(practice),
                    Err(found) => errors.extend(found),
                },
                Err(err) => errors.push(PracticeError {
                    file: Some(file.clone()),
                    position: None,
                    practice: None,
                    message: format!("cannot read: {err}"),
                }),
            }
        }
    }
    let mut notes = Vec::new();
    let mut server_ids = HashSet::new();
    if let Some(server) = server {
        merge_server(&mut practices, &mut errors, &mut notes, server);
        server_ids = server.docs.iter().map(|doc| doc.id.clone()).collect();
    }
    let mut warnings = Vec::new();
    let mut unused_ignore = Some(Severity::Hint);
    if let Some(project) = &project {
        let config = &project.config;
        practices.retain(|practice| !config.practices.disable.iter().any(|id| id == practice.id()));
        if config.practices.disable.iter().any(|id| id == UNUSED_IGNORE) {
            unused_ignore = None;
        }
        for (id, severity) in &config.severity {
            if id == UNUSED_IGNORE {
                unused_ignore = unused_ignore.map(|_| *severity);
                continue;
            }
            match practices.iter_mut().find(|practice| practice.id() == id) {
                Some(practice) => practice.severity = *severity,
                None if !config.practices.disable.contains(id) => warnings
                    .push(format!("{}: [severity] names unknown practice `{id}`", config_path(project).display())),
                None => {}
            }
        }
    }
    let (set, duplicates) = PracticeSet::new(practices);
    errors.extend(duplicates);
    Ok(Loaded { set, errors, warnings, unused_ignore, project, server_ids, notes, fingerprint: OnceLock::new() })
}

/// Adds the server's practices to the local ones; a local practice with the same id wins.
fn merge_server(
    practices: &mut Vec<Practice>,
    errors: &mut Vec<PracticeError>,
    notes: &mut Vec<String>,
    server: &ServerSet,
) {
    for doc in &server.docs {
        if let Some(local) = practices.iter().find(|practice| practice.id() == doc.id) {
            let file = local.file.as_ref().map_or_else(String::new, |file| format!(" ({})", file.display()));
            notes.push(format!("local practice `{}`{file} is used instead of the one from {}", doc.id, server.binding));
            continue;
        }
        // Sets are validated before they are cached, so this fails only for a cache written by
        // another version of Praxis.
        match Practice::from_doc(doc.clone()) {
            Ok(practice) => practices.push(practice),
            Err(found) => errors.extend(found.into_iter().map(|mut error| {
                error.message = format!("practice `{}` from {}: {}", doc.id, server.binding, error.message);
                error
            })),
        }
    }
}

fn config_path(project: &Project) -> PathBuf {
    project.root.join(crate::project::PRAXIS_DIR).join(crate::project::CONFIG_FILE)
}

/// Every `.yaml`/`.yml` file under `dir`, sorted, without following symlinked folders.
pub fn practice_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
