//! The offline cache: per server and space, the last good practice set with its revision and
//! ETag, what the last contact with the server gave, and the queue of statistics not yet sent.
//!
//! One SQLite file in the user's cache folder, shared by every `praxis` process (the editor's
//! language server and the command line at once): WAL, a busy timeout, and every change in one
//! short transaction. It is a cache: a file that cannot be read is set aside and built anew, with
//! a warning, never an error that stops work.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

use crate::error::{Result, SyncError};
use crate::remote::Binding;
use crate::wire::{Counter, ListedPractice, StatsBatch};

/// The cache file; its name carries the schema version, so that two versions of Praxis on one
/// machine never fight over one schema.
pub const CACHE_FILE: &str = "sync-v1.db";
/// The most counters one stats batch carries (the server's limit).
pub const MAX_COUNTERS: usize = 1000;
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS practice_sets (
    server TEXT NOT NULL,
    space TEXT NOT NULL,
    revision INTEGER NOT NULL,
    etag TEXT,
    practices TEXT NOT NULL,
    -- When the server last confirmed this set (a 200 or a 304), in Unix seconds.
    confirmed INTEGER NOT NULL,
    PRIMARY KEY (server, space)
) STRICT;
CREATE TABLE IF NOT EXISTS contacts (
    server TEXT NOT NULL,
    space TEXT NOT NULL,
    attempted INTEGER NOT NULL,
    error TEXT,
    PRIMARY KEY (server, space)
) STRICT;
-- Counters not yet sent. A row collects counts until its first send (`frozen`); from then on
-- it is sent as it is, with the same batch id, until the server took it.
CREATE TABLE IF NOT EXISTS stats_queue (
    id INTEGER PRIMARY KEY,
    server TEXT NOT NULL,
    space TEXT NOT NULL,
    day TEXT NOT NULL,
    batch TEXT NOT NULL,
    counters TEXT NOT NULL,
    frozen INTEGER NOT NULL DEFAULT 0,
    -- Unix seconds until which a process that is sending it holds it.
    claimed_until INTEGER NOT NULL DEFAULT 0
) STRICT;
";

/// A practice set as the cache keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedSet {
    pub revision: u64,
    pub etag: Option<String>,
    /// Drafts and active practices, without attached examples (they are for admins to review,
    /// and are not kept on every member's disk).
    pub practices: Vec<ListedPractice>,
    /// When the server last confirmed this set, in Unix seconds.
    pub confirmed: i64,
}

/// What the last contact with the server gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// Unix seconds of the last attempt.
    pub attempted: Option<i64>,
    /// Its error, when it failed.
    pub error: Option<String>,
}

/// A queued batch, claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub row: i64,
    pub batch: StatsBatch,
}

pub struct Cache {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("path", &self.path).finish_non_exhaustive()
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}

impl Cache {
    /// Opens the cache in `dir`, creating it. A file that is not a readable cache is set aside
    /// and built anew; the warning that says so is returned with the cache.
    pub fn open(dir: &Path) -> Result<(Cache, Option<String>)> {
        let path = dir.join(CACHE_FILE);
        let fail = |message: String| SyncError::Cache { path: path.clone(), message };
        crate::token::create_private_dir(dir).map_err(|err| fail(format!("cannot create the folder: {err}")))?;
        match Cache::open_at(&path) {
            Ok(cache) => Ok((cache, None)),
            Err(err) if is_busy(&err) => Err(fail(format!("in use by another process: {err}"))),
            Err(err) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
                let cache = Cache::open_at(&path).map_err(|err| fail(err.to_string()))?;
                Ok((cache, Some(format!("the cache {} was unreadable ({err}) and was rebuilt", path.display()))))
            }
        }
    }

    /// A cache in memory, for a process whose cache folder cannot be used: it works, and is
    /// gone when the process ends.
    pub fn in_memory() -> Result<Cache> {
        Cache::open_at(Path::new(":memory:"))
            .map_err(|err| SyncError::Cache { path: ":memory:".into(), message: err.to_string() })
    }

    fn open_at(path: &Path) -> rusqlite::Result<Cache> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let check: String = conn.query_row("PRAGMA quick_check", [], |row| row.get(0))?;
        if check != "ok" {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some(format!("integrity check: {check}")),
            ));
        }
        conn.execute_batch(SCHEMA)?;
        Ok(Cache { conn: Mutex::new(conn), path: path.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(&self, work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        work(&mut conn).map_err(|err| SyncError::Cache { path: self.path.clone(), message: err.to_string() })
    }

    /// The last good set of `binding`'s space, if any. A row that no longer reads (a cache
    /// written by another version) counts as none.
    pub fn practice_set(&self, binding: &Binding) -> Result<Option<CachedSet>> {
        let row = self.with(|conn| {
            conn.query_row(
                "SELECT revision, etag, practices, confirmed FROM practice_sets WHERE server = ?1 AND space = ?2",
                params![binding.server.as_str(), binding.space],
                |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, Option<String>>(1)?, row.get::<_, String>(2)?, row.get(3)?))
                },
            )
            .optional()
        })?;
        let Some((revision, etag, practices, confirmed)) = row else { return Ok(None) };
        match serde_json::from_str(&practices) {
            Ok(practices) => Ok(Some(CachedSet { revision: revision.max(0) as u64, etag, practices, confirmed })),
            Err(err) => {
                tracing::warn!("the cached practices of {} do not read ({err}); pulling them again", binding);
                Ok(None)
            }
        }
    }

    /// Keeps `set` as the last good set of `binding`'s space.
    pub fn store_set(&self, binding: &Binding, set: &CachedSet) -> Result<()> {
        let practices: Vec<ListedPractice> = set
            .practices
            .iter()
            .map(|practice| ListedPractice { attached_examples: Vec::new(), ..practice.clone() })
            .collect();
        let json = serde_json::to_string(&practices).map_err(|err| SyncError::Invalid(err.to_string()))?;
        let revision = i64::try_from(set.revision).unwrap_or(i64::MAX);
        self.with(|conn| {
            conn.execute(
                "INSERT INTO practice_sets (server, space, revision, etag, practices, confirmed) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (server, space) DO UPDATE SET \
                 revision = excluded.revision, etag = excluded.etag, practices = excluded.practices, \
                 confirmed = excluded.confirmed",
                params![binding.server.as_str(), binding.space, revision, set.etag, json, set.confirmed],
            )
            .map(drop)
        })
    }

    /// The server confirmed the cached set (304) at `at`.
    pub fn confirm_set(&self, binding: &Binding, at: i64) -> Result<()> {
        self.with(|conn| {
            conn.execute(
                "UPDATE practice_sets SET confirmed = ?3 WHERE server = ?1 AND space = ?2",
                params![binding.server.as_str(), binding.space, at],
            )
            .map(drop)
        })
    }

    /// Records a contact with the server: when, and its error if it failed.
    pub fn record_contact(&self, binding: &Binding, at: i64, error: Option<&str>) -> Result<()> {
        self.with(|conn| {
            conn.execute(
                "INSERT INTO contacts (server, space, attempted, error) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (server, space) DO UPDATE SET attempted = excluded.attempted, error = excluded.error",
                params![binding.server.as_str(), binding.space, at, error],
            )
            .map(drop)
        })
    }

    pub fn contact(&self, binding: &Binding) -> Result<Contact> {
        let found = self.with(|conn| {
            conn.query_row(
                "SELECT attempted, error FROM contacts WHERE server = ?1 AND space = ?2",
                params![binding.server.as_str(), binding.space],
                |row| Ok(Contact { attempted: Some(row.get(0)?), error: row.get(1)? }),
            )
            .optional()
        })?;
        Ok(found.unwrap_or_default())
    }

    /// Adds counters taken on `day` to the queue of `binding`'s space: into the batch still
    /// collecting for that day, or a new one.
    pub fn queue_stats(&self, binding: &Binding, day: &str, counters: &[Counter]) -> Result<()> {
        if counters.is_empty() {
            return Ok(());
        }
        let (server, space) = (binding.server.as_str(), binding.space.as_str());
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let open: Option<(i64, String)> = tx
                .query_row(
                    "SELECT id, counters FROM stats_queue \
                     WHERE server = ?1 AND space = ?2 AND day = ?3 AND frozen = 0 ORDER BY id LIMIT 1",
                    params![server, space, day],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let mut merged: Vec<Counter> =
                open.as_ref().and_then(|(_, json)| serde_json::from_str(json).ok()).unwrap_or_default();
            for counter in counters {
                match merged
                    .iter_mut()
                    .find(|kept| kept.practice == counter.practice && kept.language == counter.language)
                {
                    Some(kept) => kept.add(counter),
                    None => merged.push(counter.clone()),
                }
            }
            merged.sort_by(|a, b| (&a.practice, &a.language).cmp(&(&b.practice, &b.language)));
            let mut chunks = merged.chunks(MAX_COUNTERS);
            let first = chunks.next().unwrap_or_default();
            let json = |chunk: &[Counter]| serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into());
            match &open {
                Some((id, _)) => {
                    tx.execute("UPDATE stats_queue SET counters = ?1 WHERE id = ?2", params![json(first), id])?;
                }
                None => insert_batch(&tx, server, space, day, &json(first))?,
            }
            for chunk in chunks {
                insert_batch(&tx, server, space, day, &json(chunk))?;
            }
            tx.commit()
        })
    }

    /// The batches the next send would send, oldest first: exactly their bodies.
    pub fn pending_stats(&self, binding: &Binding) -> Result<Vec<StatsBatch>> {
        let now = now();
        self.with(|conn| {
            let mut query = conn.prepare(
                "SELECT id, day, batch, counters FROM stats_queue \
                 WHERE server = ?1 AND space = ?2 AND claimed_until <= ?3 ORDER BY id",
            )?;
            let rows = query.query_map(params![binding.server.as_str(), binding.space, now], read_batch)?;
            rows.map(|row| row.map(|claimed| claimed.batch)).collect()
        })
    }

    /// How many batches wait to be sent for `binding`'s space.
    pub fn queued_stats(&self, binding: &Binding) -> Result<usize> {
        self.with(|conn| {
            conn.query_row(
                "SELECT count(*) FROM stats_queue WHERE server = ?1 AND space = ?2",
                params![binding.server.as_str(), binding.space],
                |row| row.get::<_, i64>(0),
            )
        })
        .map(|count| count.max(0) as usize)
    }

    /// Takes the batches no other process is sending, for `lease`: they are frozen (no more
    /// counts go into them) and the caller sends each, then calls [`Cache::sent`] or
    /// [`Cache::release`]. A process that dies meanwhile loses its claim when the lease ends.
    pub fn claim_stats(&self, binding: &Binding, lease: Duration) -> Result<Vec<Claimed>> {
        let now = now();
        let until = now.saturating_add(i64::try_from(lease.as_secs()).unwrap_or(i64::MAX));
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let claimed = {
                let mut query = tx.prepare(
                    "UPDATE stats_queue SET frozen = 1, claimed_until = ?4 \
                     WHERE server = ?1 AND space = ?2 AND claimed_until <= ?3 \
                     RETURNING id, day, batch, counters",
                )?;
                let rows = query.query_map(params![binding.server.as_str(), binding.space, now, until], read_batch)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            tx.commit()?;
            let mut claimed = claimed;
            claimed.sort_by_key(|claimed| claimed.row);
            Ok(claimed)
        })
    }

    /// The server took the batch: it leaves the queue.
    pub fn sent(&self, row: i64) -> Result<()> {
        self.with(|conn| conn.execute("DELETE FROM stats_queue WHERE id = ?1", [row]).map(drop))
    }

    /// The batch could not be sent: the next flush, of any process, tries again.
    pub fn release(&self, row: i64) -> Result<()> {
        self.with(|conn| conn.execute("UPDATE stats_queue SET claimed_until = 0 WHERE id = ?1", [row]).map(drop))
    }
}

fn insert_batch(
    tx: &rusqlite::Transaction<'_>,
    server: &str,
    space: &str,
    day: &str,
    counters: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO stats_queue (server, space, day, batch, counters) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![server, space, day, crate::stats::batch_id(), counters],
    )
    .map(drop)
}

fn read_batch(row: &rusqlite::Row<'_>) -> rusqlite::Result<Claimed> {
    let counters: String = row.get(3)?;
    Ok(Claimed {
        row: row.get(0)?,
        batch: StatsBatch {
            batch: Some(row.get(2)?),
            day: row.get(1)?,
            // A row this version cannot read sends nothing rather than failing every flush.
            counters: serde_json::from_str(&counters).unwrap_or_default(),
        },
    })
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_url::ServerUrl;
    use crate::wire::Status;

    fn binding(space: &str) -> Binding {
        Binding { server: ServerUrl::parse("http://127.0.0.1:1").unwrap(), space: space.into(), ca_cert: None }
    }

    fn counter(practice: &str, findings: u64) -> Counter {
        Counter { practice: practice.into(), language: "python".into(), findings, files: 1, ..Counter::default() }
    }

    #[test]
    fn sets_round_trip_without_attached_examples() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, warning) = Cache::open(dir.path()).unwrap();
        assert!(warning.is_none());
        let doc = serde_json::from_value(serde_json::json!(
            {"id": "a", "name": "A", "languages": ["python"], "rule": {"kind": "call"}}
        ))
        .unwrap();
        let example = crate::wire::Example {
            kind: crate::wire::ExampleKind::Bad,
            language: "python".into(),
            code: "x".into(),
            file: "whole file".into(),
        };
        let set = CachedSet {
            revision: 3,
            etag: Some("\"r3\"".into()),
            practices: vec![ListedPractice { doc, status: Status::Active, attached_examples: vec![example] }],
            confirmed: 10,
        };
        cache.store_set(&binding("a"), &set).unwrap();
        let back = cache.practice_set(&binding("a")).unwrap().unwrap();
        assert_eq!(back.revision, 3);
        assert!(back.practices[0].attached_examples.is_empty());
        assert!(cache.practice_set(&binding("b")).unwrap().is_none());
        cache.confirm_set(&binding("a"), 20).unwrap();
        assert_eq!(cache.practice_set(&binding("a")).unwrap().unwrap().confirmed, 20);
    }

    #[test]
    fn a_corrupt_file_is_rebuilt_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CACHE_FILE), b"this is not a database, just garbage bytes ....").unwrap();
        let (cache, warning) = Cache::open(dir.path()).unwrap();
        assert!(warning.unwrap().contains("rebuilt"));
        cache.record_contact(&binding("a"), 5, Some("offline")).unwrap();
        assert_eq!(cache.contact(&binding("a")).unwrap().error.as_deref(), Some("offline"));
    }

    #[test]
    fn stats_collect_until_claimed_then_leave_once_sent() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, _) = Cache::open(dir.path()).unwrap();
        let a = binding("a");
        cache.queue_stats(&a, "2026-11-30", &[counter("p", 1)]).unwrap();
        cache.queue_stats(&a, "2026-11-30", &[counter("p", 2), counter("q", 1)]).unwrap();
        let pending = cache.pending_stats(&a).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].counters, vec![Counter { files: 2, ..counter("p", 3) }, counter("q", 1)]);

        let claimed = cache.claim_stats(&a, Duration::from_secs(60)).unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].batch, pending[0], "the preview is exactly what is sent");
        // Claimed: another process finds nothing to send; new counts start a new batch.
        assert!(cache.claim_stats(&a, Duration::from_secs(60)).unwrap().is_empty());
        cache.queue_stats(&a, "2026-11-30", &[counter("p", 5)]).unwrap();
        assert_eq!(cache.queued_stats(&a).unwrap(), 2);
        // Released (the send failed): the same batch, with the same id, goes next time.
        cache.release(claimed[0].row).unwrap();
        let again = cache.claim_stats(&a, Duration::from_secs(60)).unwrap();
        assert_eq!(again.len(), 2);
        assert_eq!(again[0].batch, claimed[0].batch);
        for claimed in &again {
            cache.sent(claimed.row).unwrap();
        }
        assert_eq!(cache.queued_stats(&a).unwrap(), 0);
        assert!(cache.queued_stats(&binding("b")).unwrap() == 0);
    }

    #[test]
    fn two_handles_share_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let (one, _) = Cache::open(dir.path()).unwrap();
        let (two, _) = Cache::open(dir.path()).unwrap();
        let a = binding("a");
        std::thread::scope(|scope| {
            for cache in [&one, &two] {
                let a = a.clone();
                scope.spawn(move || {
                    for _ in 0..50 {
                        cache.queue_stats(&a, "2026-11-30", &[counter("p", 1)]).unwrap();
                    }
                });
            }
        });
        let pending = one.pending_stats(&a).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].counters[0].findings, 100);
    }
}
