//! `praxis check`: every file under the given paths, checked in parallel, one report.

use std::collections::{BTreeMap, HashSet};
use std::io::{IsTerminal, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use praxis_engine::LineIndex;
use praxis_grammars::Language;
use praxis_sync::stats::Tally;

use super::{CheckArgs, Exit, Format};
use crate::baseline::{self, Baseline};
use crate::cache::{self, ResultCache};
use crate::diff::Changed;
use crate::files::{self, SourceFile};
use crate::git::Repo;
use crate::practices::{self, Loaded};
use crate::report::{self, CheckReport, Located};
use crate::usage;

pub fn run(args: CheckArgs) -> anyhow::Result<Exit> {
    let start = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let (server, session) = super::sync::follow_run(&start, !args.offline)?;
    let loaded = practices::load(&args.practices, &start, server.as_ref())?;
    say_loaded(&loaded);
    let root = loaded.root()?;
    let cwd = std::env::current_dir()?;
    let paths = if args.paths.is_empty() { vec![default_path(&loaded)] } else { args.paths.clone() };
    // With `--diff`, only the changed files under `paths` are read.
    let changes = args.diff.as_deref().map(|base| Changes::since(base, &root, &cwd, &paths)).transpose()?;
    let wanted = |language: &Language| loaded.set.checks(language);
    let (sources, problems) = match &changes {
        Some(changes) => files::collect(&changes.files(), wanted),
        None => files::collect(&paths, wanted),
    };
    for problem in &problems {
        report::warning_line(problem);
    }
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, usize::from), usize::from);
    let cache = match (&args.cache_dir, args.no_cache) {
        (_, true) => None,
        (Some(dir), false) => Some(ResultCache::new(dir.clone())),
        (None, false) => ResultCache::in_user_cache(),
    };
    let setup = Setup {
        loaded: &loaded,
        root: &root,
        cwd: &cwd,
        snippets: args.format == Format::Human,
        count: session.as_ref().is_some_and(|session| session.counts()),
        cache: cache.as_ref(),
    };
    let outcome = check_files(&sources, &cwd, jobs, |source, out| check_one(source, &setup, out));
    if let Some(cache) = &cache {
        cache.trim();
        let (hits, writes) = cache.counts();
        tracing::info!("result cache {}: {hits} files answered, {writes} written", cache.dir().display());
    }
    for skip in &outcome.skipped {
        report::warning_line(skip);
    }
    for failure in &outcome.failures {
        report::error_line(failure);
    }

    let mut findings = outcome.findings;
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    if let Some(file) = &args.baseline {
        let file = if file.is_empty() { root.join(baseline::DEFAULT_FILE) } else { PathBuf::from(file) };
        let read = Baseline::read(&file)?;
        let prints = baseline::fingerprints(&findings, |shown| files::relative(&cwd.join(shown), &root));
        let checked: HashSet<String> = sources.iter().map(|source| files::relative(&source.path, &root)).collect();
        let scope = Scope { root: &root, paths: &paths, checked: changes.is_some().then_some(&checked) };
        let matched = baseline::apply(&read, &prints, |path| scope.holds(path));
        let mut accepted = matched.accepted.iter();
        findings.retain(|_| !accepted.next().copied().unwrap_or(false));
        let known = matched.accepted.iter().filter(|accepted| **accepted).count();
        if known > 0 {
            report::note_line(&format!("{} in the baseline not shown", report::plural(known, "finding", "findings")));
        }
        if matched.stale > 0 {
            report::note_line(&format!(
                "{} no longer {}; `praxis baseline write` drops them from {}",
                report::plural(matched.stale, "baseline entry", "baseline entries"),
                if matched.stale == 1 { "occurs" } else { "occur" },
                files::relative(&file, &cwd)
            ));
        }
    }
    if let Some(changes) = &changes {
        findings.retain(|finding| changes.touches(&finding.path, finding.start.line, finding.end.line));
    }
    let report =
        CheckReport { findings: &findings, errors: &loaded.errors, files: outcome.checked, practices: &loaded.set };
    let mut stdout = std::io::stdout().lock();
    report::write(args.format, &report, &mut stdout)?;
    stdout.flush()?;
    drop(stdout);
    if let Some(session) = session {
        session.finish(outcome.tally);
    }

    if !loaded.errors.is_empty() || !outcome.failures.is_empty() {
        return Ok(Exit::Usage);
    }
    let failing = args.fail_on.threshold().is_some_and(|threshold| findings.iter().any(|f| f.severity >= threshold));
    Ok(if failing { Exit::Findings } else { Exit::Clean })
}

/// Says on stderr what is wrong with the practices, and what is worth knowing.
pub fn say_loaded(loaded: &Loaded) {
    for error in &loaded.errors {
        report::error_line(&error.to_string());
    }
    for warning in &loaded.warnings {
        report::warning_line(warning);
    }
    for note in &loaded.notes {
        report::note_line(note);
    }
}

/// What a run checks when no path is given: the project, else the current directory.
pub fn default_path(loaded: &Loaded) -> PathBuf {
    match &loaded.project {
        Some(project) => files::relative_or_absolute(&project.root),
        None => PathBuf::from("."),
    }
}

/// The files a run checked, for deciding which baseline entries it could have matched.
struct Scope<'a> {
    root: &'a Path,
    /// The paths the run was given.
    paths: &'a [PathBuf],
    /// With `--diff`, exactly the files read (from the project root).
    checked: Option<&'a HashSet<String>>,
}

impl Scope<'_> {
    /// Whether the file at `path` (from the project root) was looked at.
    fn holds(&self, path: &str) -> bool {
        if let Some(checked) = self.checked {
            return checked.contains(path);
        }
        let file = self.root.join(path);
        self.paths.iter().any(|given| std::path::absolute(given).is_ok_and(|given| file.starts_with(given)))
    }
}

/// The changed lines of `--diff`, by shown path.
struct Changes {
    /// Shown path (relative to the current directory, as findings show it) → changed lines.
    files: BTreeMap<String, Changed>,
}

impl Changes {
    /// The files under `paths` that differ from `base` (empty: the default base) in the Git
    /// repository holding `root`, with their changed lines.
    fn since(base: &str, root: &Path, cwd: &Path, paths: &[PathBuf]) -> anyhow::Result<Changes> {
        let repo = Repo::discover(root)
            .ok_or_else(|| anyhow::anyhow!("--diff needs a Git repository, and {} is not in one", root.display()))?;
        let base = if base.is_empty() { repo.default_base() } else { base.to_owned() };
        let changed = repo.changed_since(&base).map_err(|err| {
            // `praxis check --diff src/` reads `src/` as the commit.
            if Path::new(&base).exists() {
                err.context(format!("`--diff {base}` takes `{base}` as the commit; write `--diff=REF {base}`"))
            } else {
                err
            }
        })?;
        // Git names files by their real path; the user's paths may go through symbolic links.
        let real = |path: &Path| std::path::absolute(path).ok().and_then(|path| path.canonicalize().ok());
        let mut given = Vec::new();
        for path in paths {
            match real(path) {
                Some(path) => given.push(path),
                None => report::warning_line(&format!("{}: cannot read: no such file or directory", path.display())),
            }
        }
        let real_cwd = real(cwd).unwrap_or_else(|| cwd.to_path_buf());
        let real_root = real(root).unwrap_or_else(|| root.to_path_buf());
        let files = changed
            .into_iter()
            .filter(|(path, _)| praxis_grammars::by_path(path).is_some())
            .filter(|(path, _)| given.iter().any(|given| path.starts_with(given)))
            .map(|(path, lines)| {
                // Back into the user's view of the tree, so paths show as `check` shows them.
                let user = match (path.strip_prefix(&real_cwd), path.strip_prefix(&real_root)) {
                    (Ok(rest), _) => cwd.join(rest),
                    (_, Ok(rest)) => root.join(rest),
                    _ => path,
                };
                (files::relative(&user, cwd), lines)
            })
            .collect();
        Ok(Changes { files })
    }

    /// The changed files, as paths to read.
    fn files(&self) -> Vec<PathBuf> {
        self.files.keys().map(PathBuf::from).collect()
    }

    /// Whether lines `first` to `last` of the file shown as `path` changed.
    fn touches(&self, path: &str, first: usize, last: usize) -> bool {
        self.files.get(path).is_some_and(|changed| changed.touches(first, last))
    }
}

/// The findings of `sources` with the practices of `loaded`, in DESIGN.md's order, and what
/// failed: for commands that report findings their own way (the agents' hooks). Paths are
/// shown relative to `cwd`; nothing is counted for the team's server.
pub fn findings_of(sources: &[SourceFile], loaded: &Loaded, cwd: &Path) -> anyhow::Result<(Vec<Located>, Vec<String>)> {
    let root = loaded.root()?;
    let setup = Setup { loaded, root: &root, cwd, snippets: false, count: false, cache: None };
    let jobs = std::thread::available_parallelism().map_or(1, usize::from);
    let mut outcome = check_files(sources, cwd, jobs, |source, out| check_one(source, &setup, out));
    outcome.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut problems = outcome.skipped;
    problems.append(&mut outcome.failures);
    Ok((outcome.findings, problems))
}

#[derive(Default)]
struct Outcome {
    findings: Vec<Located>,
    /// Files read and checked.
    checked: usize,
    skipped: Vec<String>,
    /// Practices that failed on a file (they panicked); the others still ran.
    failures: Vec<String>,
    /// Usage of the server's practices.
    tally: Tally,
}

/// What every file is checked with.
struct Setup<'a> {
    /// The practices, and the `unused-ignore` policy.
    loaded: &'a Loaded,
    /// `files`/`ignores` globs are relative to this folder.
    root: &'a Path,
    /// Paths are shown relative to this folder.
    cwd: &'a Path,
    /// Whether findings keep their source line, for human output.
    snippets: bool,
    /// Whether usage is counted for the team's server.
    count: bool,
    cache: Option<&'a ResultCache>,
}

impl Outcome {
    fn merge(&mut self, mut other: Outcome) {
        self.findings.append(&mut other.findings);
        self.checked += other.checked;
        self.skipped.append(&mut other.skipped);
        self.failures.append(&mut other.failures);
        self.tally.merge(other.tally);
    }
}

/// Checks `sources` with `check` on `jobs` threads; each takes the next unchecked file. Paths in
/// messages are shown relative to `cwd`.
fn check_files(
    sources: &[SourceFile],
    cwd: &Path,
    jobs: usize,
    check: impl Fn(&SourceFile, &mut Outcome) + Sync,
) -> Outcome {
    let done = AtomicUsize::new(0);
    let finished = AtomicBool::new(false);
    let mut outcome = std::thread::scope(|scope| {
        scope.spawn(|| progress(&done, sources.len(), &finished));
        let guarded = |source: &SourceFile, local: &mut Outcome| {
            // A file whose check fails outside the engine's own guard (which keeps a failing
            // practice from stopping the others) fails the run, loudly.
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(source, local))) {
                let shown = files::relative(&source.path, cwd);
                let message = crate::panic_message(panic.as_ref());
                local.failures.push(format!("{shown}: checking this file failed: {message}"));
            }
            done.fetch_add(1, Ordering::Relaxed);
        };
        let (mut outcome, failed) = files::parallel(sources, jobs, guarded, Outcome::merge);
        // Each file is guarded above, so a thread cannot fail; if one ever does, the run must
        // not pass as if its files were clean.
        if failed > 0 {
            outcome.failures.push("a checking thread failed; some files were not checked".into());
        }
        finished.store(true, Ordering::Relaxed);
        outcome
    });
    outcome.skipped.sort();
    outcome
}

fn check_one(source: &SourceFile, setup: &Setup<'_>, out: &mut Outcome) {
    let shown = files::relative(&source.path, setup.cwd);
    let text = match files::read(&source.path) {
        Ok(text) => text,
        Err(reason) => {
            out.skipped.push(format!("{shown}: {reason}"));
            return;
        }
    };
    let glob_path = files::relative(&source.path, setup.root);
    let count = setup.count.then_some(&mut out.tally);
    let text = Text { language: source.language, text, shown: &shown, glob_path: &glob_path };
    let (mut findings, mut failures) = check_text(setup.loaded, text, setup.snippets, count, setup.cache);
    out.checked += 1;
    out.findings.append(&mut findings);
    out.failures.append(&mut failures);
}

/// A text to check, wherever it came from.
pub struct Text<'a> {
    pub language: &'static Language,
    pub text: String,
    /// The path findings and messages show.
    pub shown: &'a str,
    /// The path from the project root, which `files`/`ignores` globs match.
    pub glob_path: &'a str,
}

/// The findings of one text, with the practices of `loaded`, and the practices that failed on
/// it. `snippets` keeps each finding's line for human output; `count` tallies usage for the
/// team's server; `cache` answers for a text checked before. For `check` and for texts that
/// never touch the disk (`review` reads them from the Git host).
pub fn check_text(
    loaded: &Loaded,
    text: Text<'_>,
    snippets: bool,
    count: Option<&mut Tally>,
    cache: Option<&ResultCache>,
) -> (Vec<Located>, Vec<String>) {
    let Text { language, text, shown, glob_path } = text;
    let mut checked = cache::check(cache, loaded, language, text, glob_path);
    if let Some(tally) = count {
        let (findings, suppressed) = (&checked.findings, &checked.suppressed);
        usage::count_check(tally, loaded, language, Some(glob_path), findings, suppressed, checked.elapsed);
    }
    loaded.adjust_unused_ignore(&mut checked.findings);
    let findings = if checked.findings.is_empty() {
        Vec::new()
    } else {
        let text = &checked.text;
        let lines = LineIndex::new(text);
        checked.findings.into_iter().map(|finding| Located::new(shown, text, &lines, finding, snippets)).collect()
    };
    let failures = checked
        .failures
        .into_iter()
        .map(|failure| format!("{shown}: practice `{}` failed and was skipped: {}", failure.practice, failure.message))
        .collect();
    (findings, failures)
}

/// After a second on a terminal, shows how many files are done on stderr.
#[allow(clippy::print_stderr)]
fn progress(done: &AtomicUsize, total: usize, finished: &AtomicBool) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    let started = Instant::now();
    let mut shown = false;
    while !finished.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() >= Duration::from_secs(1) {
            eprint!("\rchecking {}/{total} files", done.load(Ordering::Relaxed));
            shown = true;
        }
    }
    if shown {
        eprint!("\r\x1b[2K");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_whose_check_panics_fails_the_run_and_the_others_are_checked() {
        let python = praxis_grammars::by_name("python").unwrap();
        let sources: Vec<SourceFile> = ["a.py", "bad.py", "c.py", "d.py"]
            .into_iter()
            .map(|name| SourceFile { path: PathBuf::from("/work").join(name), language: python })
            .collect();
        for jobs in [1, 2] {
            let outcome = check_files(&sources, Path::new("/work"), jobs, |source, out| {
                assert!(!source.path.ends_with("bad.py"), "boom");
                out.checked += 1;
            });
            assert_eq!(outcome.checked, 3);
            assert_eq!(outcome.failures, ["bad.py: checking this file failed: boom"]);
        }
    }
}
