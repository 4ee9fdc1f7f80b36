//! Finding the files to check and reading them: `.gitignore` and `.ignore` respected, binary,
//! non-UTF-8 and oversized files skipped with a reason.

use std::path::{Path, PathBuf};

use praxis_grammars::Language;

/// Files larger than this are skipped: generated or vendored, not written by the team.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// A file to check.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// As found (relative when the user's path was relative).
    pub path: PathBuf,
    pub language: &'static Language,
}

/// Every file under `paths` in a language that `wanted` accepts, and the paths that could not be
/// walked. Files named explicitly are taken even when ignored.
pub fn collect(paths: &[PathBuf], wanted: impl Fn(&Language) -> bool) -> (Vec<SourceFile>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut dirs = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => dirs.push(path.clone()),
            Ok(_) => match praxis_grammars::by_path(path) {
                Some(language) if wanted(language) => files.push(SourceFile { path: path.clone(), language }),
                Some(_) => {}
                None => problems.push(format!("{}: skipped: no supported language for this file", path.display())),
            },
            Err(err) => problems.push(format!("{}: {}", path.display(), io_reason(&err))),
        }
    }
    if let Some((first, rest)) = dirs.split_first() {
        let mut builder = ignore::WalkBuilder::new(first);
        for dir in rest {
            builder.add(dir);
        }
        // `.gitignore` applies whether or not the folder is a git checkout.
        builder.require_git(false).follow_links(false);
        for entry in builder.build() {
            match entry {
                Ok(entry) if entry.file_type().is_some_and(|kind| kind.is_file()) => {
                    let path = entry.into_path();
                    if let Some(language) = praxis_grammars::by_path(&path).filter(|language| wanted(language)) {
                        files.push(SourceFile { path, language });
                    }
                }
                Ok(_) => {}
                Err(err) => problems.push(one_line(&err.to_string())),
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    (files, problems)
}

/// Runs `work` over `sources` on `jobs` threads, each taking the next file not taken yet, and
/// merges what the threads gathered with `merge`. The second value counts threads that failed
/// (a panic in `work` that it did not catch): their files may not all have been done.
pub fn parallel<S: Default + Send>(
    sources: &[SourceFile],
    jobs: usize,
    work: impl Fn(&SourceFile, &mut S) + Sync,
    merge: impl Fn(&mut S, S),
) -> (S, usize) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.min(sources.len()).max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut local = S::default();
                    while let Some(source) = sources.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                        work(source, &mut local);
                    }
                    local
                })
            })
            .collect();
        let mut merged = S::default();
        let mut failed = 0;
        for worker in workers {
            match worker.join() {
                Ok(local) => merge(&mut merged, local),
                Err(_) => failed += 1,
            }
        }
        (merged, failed)
    })
}

/// A file's text, or why it is skipped.
pub fn read(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|err| io_reason(&err))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("skipped: larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024));
    }
    let bytes = std::fs::read(path).map_err(|err| io_reason(&err))?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err("skipped: binary file".into());
    }
    String::from_utf8(bytes)
        .map_err(|err| format!("skipped: not valid UTF-8 (byte {})", err.utf8_error().valid_up_to()))
}

/// Writes `text` to `path` whole or not at all: a temporary file beside it, renamed over it,
/// with the folder created first. Errors name `path`.
pub fn write_whole(path: &Path, text: &str) -> anyhow::Result<()> {
    let shown = path.display();
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|err| anyhow::anyhow!("{}: cannot create the folder: {err}", dir.display()))?;
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, text).map_err(|err| anyhow::anyhow!("{shown}: cannot write: {err}"))?;
    std::fs::rename(&temporary, path).map_err(|err| {
        let _ = std::fs::remove_file(&temporary);
        anyhow::anyhow!("{shown}: cannot write: {err}")
    })
}

/// Why a file could not be read, in a few lower-case words.
pub fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    format!("cannot read: {}", text.to_lowercase())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `path` relative to `base` with `/` separators, or as given when it is not under `base`.
pub fn relative(path: &Path, base: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = absolute
        .strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| if path.is_relative() { path.to_path_buf() } else { absolute.clone() });
    let text: Vec<String> = shown
        .components()
        .filter(|component| !matches!(component, std::path::Component::CurDir))
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    if shown.has_root() && !text.is_empty() {
        // Absolute paths keep their root, whatever the separator.
        return shown.to_string_lossy().replace('\\', "/");
    }
    text.join("/")
}

/// A folder as the user would type it: relative to the current directory when under it.
pub fn relative_or_absolute(dir: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    match dir.strip_prefix(&cwd) {
        Ok(rest) if rest.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rest) => rest.to_path_buf(),
        Err(_) => dir.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let base = Path::new("/work/project");
        assert_eq!(relative(Path::new("/work/project/src/a.ts"), base), "src/a.ts");
        assert_eq!(relative(Path::new("/elsewhere/a.ts"), base), "/elsewhere/a.ts");
    }

    #[test]
    fn reads_and_skips() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("a.py");
        std::fs::write(&text, "print(1)\n").unwrap();
        assert_eq!(read(&text).unwrap(), "print(1)\n");
        let binary = dir.path().join("b.py");
        std::fs::write(&binary, b"\x00\x01print").unwrap();
        assert_eq!(read(&binary).unwrap_err(), "skipped: binary file");
        let latin1 = dir.path().join("c.py");
        std::fs::write(&latin1, b"x = '\xe9'\n").unwrap();
        assert_eq!(read(&latin1).unwrap_err(), "skipped: not valid UTF-8 (byte 5)");
        assert!(read(&dir.path().join("missing.py")).unwrap_err().starts_with("cannot read: no such file"));
    }
}
