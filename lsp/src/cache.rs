//! The result cache: a file's findings, kept under a key that names everything they depend on,
//! so that checking an unchanged file again costs a read and a hash instead of a parse and a
//! match. `praxis check` and the language server's workspace check share it.
//!
//! - **Key:** SHA-256 of the practice set's fingerprint ([`Loaded::fingerprint`]: every
//!   practice as loaded, its effective severity, the `unused-ignore` policy, and the binary's
//!   version and identity), the language, the file's path from the project root (which the
//!   practices' `files`/`ignores` globs match) and the file's text.
//! - **Entry:** one file, `<dir>/<2 hex>/<62 hex>`: a header line, the SHA-256 of the body, and the
//!   body (the engine's findings and suppressions as JSON). Written to a temporary file and
//!   renamed, so concurrent runs see whole entries or none. An entry that does not read back
//!   (truncated, altered, another format) is a miss, and is written again.
//! - **Bound:** after a run that wrote entries, the oldest (by last use) go until the cache is
//!   under its size. A hit marks its entry used when it was last marked over ten minutes ago.
//! - **Not cached:** results where a practice failed (they are tried again next time).

use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use praxis_engine::{Document, Finding, PracticeFailure};
use praxis_grammars::Language;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::practices::Loaded;

/// The first line of every entry; a new format gets a new line, and old entries become misses.
const HEADER: &str = "praxis-results 1";

/// The default bound of the cache's size; `PRAXIS_RESULT_CACHE_BYTES` sets another.
const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// How stale a hit's last-use mark may be before the hit renews it.
const TOUCH_AFTER: Duration = Duration::from_secs(600);

/// A file's findings, from the cache or from a check.
#[derive(Debug, Default)]
pub struct Checked {
    /// With suppressions applied, before the `unused-ignore` policy (see
    /// [`Loaded::adjust_unused_ignore`]), sorted as the engine sorts them.
    pub findings: Vec<Finding>,
    /// The practice of each finding a suppression comment took away.
    pub suppressed: Vec<Arc<str>>,
    pub failures: Vec<PracticeFailure>,
    /// Time spent checking (zero when the cache answered).
    pub elapsed: Duration,
    /// The text checked, handed back.
    pub text: String,
}

/// An entry's body: borrowed from a check to be written, owned when read back.
#[derive(Serialize, Deserialize)]
struct Entry<'a> {
    findings: Cow<'a, [Finding]>,
    suppressed: Cow<'a, [Arc<str>]>,
}

/// A result cache in one folder.
#[derive(Debug)]
pub struct ResultCache {
    dir: PathBuf,
    max_bytes: u64,
    hits: AtomicUsize,
    writes: AtomicUsize,
    /// Entries written since the last [`ResultCache::trim`].
    untrimmed: AtomicUsize,
    temporary: AtomicU64,
}

impl ResultCache {
    /// The cache in `dir` (created when first written).
    pub fn new(dir: PathBuf) -> ResultCache {
        let max_bytes = std::env::var("PRAXIS_RESULT_CACHE_BYTES")
            .ok()
            .and_then(|bytes| bytes.parse().ok())
            .unwrap_or(DEFAULT_MAX_BYTES);
        ResultCache {
            dir,
            max_bytes,
            hits: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
            untrimmed: AtomicUsize::new(0),
            temporary: AtomicU64::new(0),
        }
    }

    /// The user's cache: `results/` in Praxis's cache folder (`~/.cache/praxis`, or
    /// `PRAXIS_CACHE_DIR`). `None` when there is no such folder.
    pub fn in_user_cache() -> Option<ResultCache> {
        let dirs = praxis_sync::Dirs::from_env().ok()?;
        Some(ResultCache::new(dirs.cache.join("results")))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many files the cache answered, and how many entries were written.
    pub fn counts(&self) -> (usize, usize) {
        (self.hits.load(Ordering::Relaxed), self.writes.load(Ordering::Relaxed))
    }

    /// The entry's file for a key.
    fn entry_path(&self, key: &[u8; 32]) -> PathBuf {
        let hex = hex(key);
        self.dir.join(&hex[..2]).join(&hex[2..])
    }

    fn get(&self, key: &[u8; 32]) -> Option<Entry<'static>> {
        let path = self.entry_path(key);
        let mut file = std::fs::File::open(&path).ok()?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).ok()?;
        let entry = decode(&bytes)?;
        let stale = file
            .metadata()
            .and_then(|meta| meta.modified())
            .is_ok_and(|used| used.elapsed().is_ok_and(|age| age > TOUCH_AFTER));
        if stale {
            // Marks it used, for eviction; a read-only cache is still a cache.
            let _ =
                std::fs::File::options().append(true).open(&path).and_then(|file| file.set_modified(SystemTime::now()));
        }
        Some(entry)
    }

    fn put(&self, key: &[u8; 32], entry: &Entry<'_>) {
        let path = self.entry_path(key);
        let Some(dir) = path.parent() else { return };
        let written = std::fs::create_dir_all(dir).and_then(|()| {
            let temporary =
                dir.join(format!(".{}-{}.tmp", std::process::id(), self.temporary.fetch_add(1, Ordering::Relaxed)));
            std::fs::write(&temporary, encode(entry))?;
            std::fs::rename(&temporary, &path).inspect_err(|_| {
                let _ = std::fs::remove_file(&temporary);
            })
        });
        match written {
            Ok(()) => {
                self.writes.fetch_add(1, Ordering::Relaxed);
                self.untrimmed.fetch_add(1, Ordering::Relaxed);
            }
            Err(err) => tracing::debug!("result cache: cannot write {}: {err}", path.display()),
        }
    }

    /// After a run: when entries were written since the last trim and the cache is over its
    /// bound, removes the least recently used entries until it is under three quarters of it.
    /// Entries another run removes first are no error.
    pub fn trim(&self) {
        if self.untrimmed.swap(0, Ordering::Relaxed) == 0 {
            return;
        }
        trim(&self.dir, self.max_bytes);
    }
}

/// Checks `text` with the practices of `loaded`, or takes its findings from `cache` when it
/// holds them. `glob_path` is the file's path from the project root.
pub fn check(
    cache: Option<&ResultCache>,
    loaded: &Loaded,
    language: &'static Language,
    text: String,
    glob_path: &str,
) -> Checked {
    let key = cache.map(|_| key(loaded, language, glob_path, &text));
    if let (Some(cache), Some(key)) = (cache, &key)
        && let Some(entry) = cache.get(key)
    {
        cache.hits.fetch_add(1, Ordering::Relaxed);
        let (findings, suppressed) = (entry.findings.into_owned(), entry.suppressed.into_owned());
        return Checked { findings, suppressed, text, ..Checked::default() };
    }
    let started = Instant::now();
    let doc = Document::new(language, text);
    let report = loaded.set.check(&doc, Some(glob_path));
    let checked = Checked {
        findings: report.findings,
        suppressed: report.suppressed,
        failures: report.failures,
        elapsed: started.elapsed(),
        text: doc.into_text(),
    };
    if let (Some(cache), Some(key)) = (cache, &key)
        && checked.failures.is_empty()
    {
        let entry =
            Entry { findings: Cow::Borrowed(&checked.findings), suppressed: Cow::Borrowed(&checked.suppressed) };
        cache.put(key, &entry);
    }
    checked
}

/// The key of a file's results.
fn key(loaded: &Loaded, language: &Language, glob_path: &str, text: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(loaded.fingerprint());
    for part in [language.name, glob_path] {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    }
    hash.update(text.as_bytes());
    hash.finalize().into()
}

fn encode(entry: &Entry<'_>) -> Vec<u8> {
    let body = serde_json::to_vec(entry).unwrap_or_default();
    let mut bytes = format!("{HEADER}\n{}\n", hex(&Sha256::digest(&body).into())).into_bytes();
    bytes.extend(body);
    bytes
}

/// An entry's findings, or `None` when the bytes are not a whole entry of this format.
fn decode(bytes: &[u8]) -> Option<Entry<'static>> {
    let rest = bytes.strip_prefix(HEADER.as_bytes())?.strip_prefix(b"\n")?;
    let (sum, body) = rest.split_at_checked(64)?;
    let body = body.strip_prefix(b"\n")?;
    if sum != hex(&Sha256::digest(body).into()).as_bytes() {
        return None;
    }
    serde_json::from_slice(body).ok()
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Removes the least recently used entries of the cache in `dir` until it holds under three
/// quarters of `max_bytes`, when it holds more than `max_bytes`.
fn trim(dir: &Path, max_bytes: u64) {
    let mut entries = Vec::new();
    let mut total = 0u64;
    for fan in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for entry in std::fs::read_dir(fan.path()).into_iter().flatten().flatten() {
            if let Ok(meta) = entry.metadata() {
                total += meta.len();
                entries.push((meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len(), entry.path()));
            }
        }
    }
    if total <= max_bytes {
        return;
    }
    entries.sort();
    for (_, len, path) in entries {
        if total <= max_bytes / 4 * 3 {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry<'static> {
        let finding = Finding {
            practice: "no-print".into(),
            severity: praxis_engine::Severity::Warning,
            message: "no print".into(),
            range: 0..8,
            fix: Some(praxis_engine::Fix { range: 0..8, replacement: "log(x)".into() }),
        };
        Entry { findings: vec![finding].into(), suppressed: vec!["other".into()].into() }
    }

    #[test]
    fn entries_read_back_and_damaged_ones_are_misses() {
        let bytes = encode(&entry());
        let read = decode(&bytes).unwrap();
        assert_eq!(read.findings, entry().findings);
        assert_eq!(read.suppressed, entry().suppressed);
        assert!(decode(&bytes[..bytes.len() - 1]).is_none(), "truncated");
        let mut altered = bytes.clone();
        let last = altered.len() - 3;
        altered[last] ^= 1;
        assert!(decode(&altered).is_none(), "altered");
        assert!(decode(b"praxis-results 0\nxx").is_none(), "another format");
        assert!(decode(b"").is_none());
    }

    #[test]
    fn trimming_removes_the_least_recently_used_entries() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::new(dir.path().to_path_buf());
        let now = SystemTime::now();
        let keys: Vec<[u8; 32]> = (0..8u8).map(|n| [n; 32]).collect();
        for (age, key) in keys.iter().enumerate() {
            cache.put(key, &entry());
            let file = std::fs::File::options().append(true).open(cache.entry_path(key)).unwrap();
            file.set_modified(now - Duration::from_secs(3600 * (10 - age as u64))).unwrap();
        }
        let size = std::fs::metadata(cache.entry_path(&keys[0])).unwrap().len();
        trim(dir.path(), size * 4);
        let kept: Vec<bool> = keys.iter().map(|key| cache.entry_path(key).exists()).collect();
        assert_eq!(kept, [false, false, false, false, false, true, true, true]);
    }
}
