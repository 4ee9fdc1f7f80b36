//! The SQLite store: `DIR/praxis.db` in WAL mode with `synchronous=FULL`, migrations applied at
//! start, every column of user content sealed with the master key, and key rotation and online
//! backup for the command line.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, OptionalExtension as _, Transaction, TransactionBehavior};
use serde_json::Value;

use super::{
    BatchHash, Example, ExampleKind, LlmIntegration, LlmUsage, MAX_EXAMPLE_BYTES_PER_SPACE, MAX_EXAMPLES_PER_PRACTICE,
    MAX_STATS_KEYS_PER_DAY, Result, Role, SpaceId, StatRow, Status, Store, StoreError, StoredPractice, TokenHash, User,
    UserId,
};
use crate::crypto::{MasterKey, Sealer};

/// The database file inside the data folder.
pub const DB_FILE: &str = "praxis.db";
/// Held shared by every open store and exclusively by key rotation, so a key is never rotated
/// under a running server, which would go on sealing with the old key.
const LOCK_FILE: &str = "praxis.lock";

/// Migrations in order, embedded so the binary carries its own schema. The version is what
/// `schema_migrations` records; never renumber or edit a released migration, add a new one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_init.sql", include_str!("../../migrations/0001_init.sql")),
    (2, "0002_stats_batches.sql", include_str!("../../migrations/0002_stats_batches.sql")),
    (3, "0003_llm.sql", include_str!("../../migrations/0003_llm.sql")),
];

/// The `meta` row whose sealed value tells whether the master key is the right one.
const KEY_CHECK: &str = "key_check";
const KEY_CHECK_VALUE: &[u8] = b"praxis-server master key check v1";

/// How long a write waits for another process (`praxis-server admin ...`) to finish its own.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// What a keyed hash is for; each has its own hash space.
#[derive(Debug, Clone, Copy)]
enum Lookup {
    Email,
    Space,
    Practice,
}

impl Lookup {
    fn hash(self, sealer: &Sealer, value: &str) -> [u8; 32] {
        match self {
            // Addresses differ in case more often than in substance; `A@x.org` and `a@x.org`
            // must not become two users.
            Self::Email => sealer.keyed_hash("email", value.to_lowercase().as_bytes()),
            Self::Space => sealer.keyed_hash("space", value.as_bytes()),
            Self::Practice => sealer.keyed_hash("practice", value.as_bytes()),
        }
    }
}

/// A sealed column, and the keyed hash column derived from the same value if there is one.
struct SealedColumn {
    table: &'static str,
    column: &'static str,
    lookup: Option<(&'static str, Lookup)>,
}

/// Every sealed column in the schema, for key rotation. A unit test checks that this list
/// names every `*_sealed` column, so a migration cannot add one that rotation would skip.
const SEALED_COLUMNS: &[SealedColumn] = &[
    SealedColumn { table: "users", column: "email_sealed", lookup: Some(("email_hash", Lookup::Email)) },
    SealedColumn { table: "spaces", column: "name_sealed", lookup: Some(("name_hash", Lookup::Space)) },
    SealedColumn { table: "practices", column: "practice_sealed", lookup: Some(("practice_hash", Lookup::Practice)) },
    SealedColumn { table: "practices", column: "document_sealed", lookup: None },
    SealedColumn { table: "examples", column: "code_sealed", lookup: None },
    SealedColumn { table: "examples", column: "file_sealed", lookup: None },
    SealedColumn { table: "stats", column: "practice_sealed", lookup: Some(("practice_hash", Lookup::Practice)) },
    SealedColumn { table: "llm_integrations", column: "settings_sealed", lookup: None },
    SealedColumn { table: "llm_integrations", column: "key_sealed", lookup: None },
];

/// The store. One connection behind a mutex: SQLite has one writer at a time anyway, and the
/// server's load is a handful of small writes.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    sealer: Sealer,
    path: PathBuf,
    /// Keeps the data folder's lock for as long as the store is open.
    _lock: fs::File,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        // SQLite's messages name tables and columns but never bound values, so no user
        // content can reach a log through here.
        StoreError::Internal(e.to_string())
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `dir/praxis.db`, applies pending migrations and checks that
    /// `key` is the key the database was sealed with.
    pub fn open(dir: &Path, key: MasterKey) -> Result<Self> {
        fs::create_dir_all(dir)
            .map_err(|e| StoreError::Internal(format!("cannot create data folder {}: {e}", dir.display())))?;
        let lock = lock_dir(dir, Lock::Shared)?;
        Self::open_locked(dir, key, lock)
    }

    fn open_locked(dir: &Path, key: MasterKey, lock: fs::File) -> Result<Self> {
        let path = dir.join(DB_FILE);
        create_private(&path)?;
        let at = |e: rusqlite::Error| StoreError::Internal(format!("{}: {e}", path.display()));
        let mut conn = Connection::open(&path).map_err(at)?;
        configure(&conn).map_err(at)?;
        migrate(&mut conn).map_err(|e| match e {
            StoreError::Internal(m) => StoreError::Internal(format!("{}: {m}", path.display())),
            other => other,
        })?;
        let sealer = Sealer::new(&key);
        check_key(&mut conn, &sealer, &path)?;
        Ok(Self { conn: Mutex::new(conn), sealer, path, _lock: lock })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Re-seals every sealed column and recomputes every keyed hash under `new`, in one
    /// transaction: a crash leaves the database wholly under one key or the other. `Conflict`
    /// if anything else has the database open (a running server). Afterwards the file is
    /// vacuumed, so no ciphertext under the old key (which may be why it is being replaced)
    /// survives in free pages or the WAL.
    ///
    /// The new key must be safely stored before this is called: once it returns, or fails
    /// with an error that says the key was rotated, only the new key opens the database.
    pub fn rotate_key(dir: &Path, old: MasterKey, new: MasterKey) -> Result<()> {
        let lock = lock_dir(dir, Lock::Exclusive)?;
        let store = Self::open_locked(dir, old, lock)?;
        let next = Sealer::new(&new);
        let mut conn = store.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for spec in SEALED_COLUMNS {
            let SealedColumn { table, column, lookup } = *spec;
            let rows: Vec<(i64, Vec<u8>)> = tx
                .prepare(&format!("SELECT id, {column} FROM {table}"))?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (id, sealed) in rows {
                let plain = open_cell(&store.sealer, table, column, id, &sealed)?;
                let resealed = next.seal(table, column, id, &plain);
                match lookup {
                    Some((hash_column, lookup)) => {
                        let text = utf8(table, column, id, plain)?;
                        let hash = lookup.hash(&next, &text);
                        tx.execute(
                            &format!(
                                "UPDATE {table} SET {column} = ?1, {hash_column} = ?2 \
                                 WHERE id = ?3"
                            ),
                            rusqlite::params![resealed, hash, id],
                        )?;
                    }
                    None => {
                        tx.execute(
                            &format!("UPDATE {table} SET {column} = ?1 WHERE id = ?2"),
                            rusqlite::params![resealed, id],
                        )?;
                    }
                }
            }
        }
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE name = ?2",
            rusqlite::params![next.seal("meta", "value", KEY_CHECK, KEY_CHECK_VALUE), KEY_CHECK],
        )?;
        tx.commit()?;
        // Past the commit the rotation stands; a failure here must not read as "still under
        // the old key", or the operator might throw the new key away.
        conn.execute_batch("VACUUM").map_err(StoreError::from).and_then(|()| checkpoint_truncate(&conn)).map_err(|e| {
            StoreError::Internal(format!(
                "the key was rotated (only the new key opens {} now), but old ciphertext could not be \
                 vacuumed away: {e}",
                store.path.display()
            ))
        })
    }

    /// Copies the database to `dest` with SQLite's online backup API, from a read snapshot of
    /// its own, so the server keeps answering while it runs. The copy is sealed under the same
    /// master key. `dest` must not exist: an old backup is never overwritten by accident.
    pub fn backup(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Invalid(format!("{}: already exists; back up to a new file", dest.display())));
        }
        create_private(dest)?;
        let made = self.copy_to(dest);
        if made.is_err() {
            // A half-written copy must not pass for a backup later.
            let _ = fs::remove_file(dest);
        }
        made
    }

    fn copy_to(&self, dest: &Path) -> Result<()> {
        let at = |p: &Path| {
            let shown = p.display().to_string();
            move |e: rusqlite::Error| StoreError::Internal(format!("{shown}: {e}"))
        };
        let source =
            Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(at(&self.path))?;
        source.busy_timeout(BUSY_TIMEOUT).map_err(at(&self.path))?;
        let mut target = Connection::open(dest).map_err(at(dest))?;
        {
            let backup = Backup::new(&source, &mut target).map_err(at(dest))?;
            // All pages in one step: the copy is then one read transaction, a consistent
            // snapshot that writes made meanwhile cannot restart.
            let deadline = Instant::now() + BUSY_TIMEOUT;
            loop {
                match backup.step(-1).map_err(at(dest))? {
                    StepResult::Done => break,
                    StepResult::More => {}
                    StepResult::Busy | StepResult::Locked if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    StepResult::Busy | StepResult::Locked => {
                        return Err(StoreError::Internal(format!(
                            "{}: the database stayed locked; backup not made",
                            self.path.display()
                        )));
                    }
                    // `StepResult` is non-exhaustive; anything new is treated as not done.
                    _ => {}
                }
            }
        }
        // The copy should be one self-contained file, not a file plus a WAL.
        target.pragma_update(None, "journal_mode", "DELETE").map_err(at(dest))?;
        target.close().map_err(|(_, e)| at(dest)(e))?;
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot leave a half-done write behind: every write
        // runs in a transaction that rolls back when dropped. So a poisoned lock is safe.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` in an immediate transaction (the write lock is taken up front, so two writers
    /// never deadlock upgrading) and commits it.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>, &Sealer) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx, &self.sealer)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in a read transaction, so reads spanning several queries see one snapshot
    /// even while another process writes.
    fn read<T>(&self, f: impl FnOnce(&Transaction<'_>, &Sealer) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let out = f(&tx, &self.sealer)?;
        tx.finish()?;
        Ok(out)
    }
}

impl Store for SqliteStore {
    fn create_user(&self, email: &str, owner: bool, token: &TokenHash) -> Result<UserId> {
        self.write(|tx, sealer| {
            let hash = Lookup::Email.hash(sealer, email);
            tx.execute(
                "INSERT INTO users (email_hash, email_sealed, owner) VALUES (?1, x'', ?2)",
                rusqlite::params![hash, owner],
            )
            .map_err(|e| conflict(e, "a user with this e-mail address exists"))?;
            let id = tx.last_insert_rowid();
            seal_into(tx, sealer, "users", "email_sealed", id, email.as_bytes())?;
            insert_token(tx, id, token)?;
            Ok(id)
        })
    }

    fn user_by_token(&self, token: &TokenHash) -> Result<Option<User>> {
        self.read(|tx, _| {
            Ok(tx
                .query_row(
                    "SELECT users.id, users.owner FROM tokens \
                     JOIN users ON users.id = tokens.user_id WHERE tokens.hash = ?1",
                    [token],
                    |r| Ok(User { id: r.get(0)?, owner: r.get(1)? }),
                )
                .optional()?)
        })
    }

    fn add_token(&self, user: UserId, token: &TokenHash) -> Result<()> {
        self.write(|tx, _| {
            if !user_exists(tx, user)? {
                return Err(StoreError::NotFound);
            }
            insert_token(tx, user, token)
        })
    }

    fn delete_token(&self, token: &TokenHash) -> Result<()> {
        // Logging out twice is not an error: the token is gone either way.
        self.write(|tx, _| {
            tx.execute("DELETE FROM tokens WHERE hash = ?1", [token])?;
            Ok(())
        })
    }

    fn user_exists(&self, user: UserId) -> Result<bool> {
        self.read(|tx, _| user_exists(tx, user))
    }

    fn create_space(&self, name: &str, creator: UserId) -> Result<SpaceId> {
        self.write(|tx, sealer| {
            if !user_exists(tx, creator)? {
                return Err(StoreError::NotFound);
            }
            let hash = Lookup::Space.hash(sealer, name);
            tx.execute("INSERT INTO spaces (name_hash, name_sealed) VALUES (?1, x'')", [hash])
                .map_err(|e| conflict(e, "a space with this name exists"))?;
            let id = tx.last_insert_rowid();
            seal_into(tx, sealer, "spaces", "name_sealed", id, name.as_bytes())?;
            tx.execute(
                "INSERT INTO members (space_id, user_id, role) VALUES (?1, ?2, 'admin')",
                rusqlite::params![id, creator],
            )?;
            Ok(id)
        })
    }

    fn space_id(&self, name: &str) -> Result<Option<SpaceId>> {
        self.read(|tx, sealer| {
            let hash = Lookup::Space.hash(sealer, name);
            Ok(tx.query_row("SELECT id FROM spaces WHERE name_hash = ?1", [hash], |r| r.get(0)).optional()?)
        })
    }

    fn spaces_of(&self, user: UserId) -> Result<Vec<(String, Role)>> {
        self.read(|tx, sealer| {
            let mut spaces = Vec::new();
            let mut query = tx.prepare(
                "SELECT spaces.id, spaces.name_sealed, members.role FROM members \
                 JOIN spaces ON spaces.id = members.space_id WHERE members.user_id = ?1",
            )?;
            let mut rows = query.query([user])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let name = open_text(sealer, "spaces", "name_sealed", id, &r.get::<_, Vec<u8>>(1)?)?;
                spaces.push((name, parse_role(&r.get::<_, String>(2)?)?));
            }
            spaces.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(spaces)
        })
    }

    fn role(&self, space: SpaceId, user: UserId) -> Result<Option<Role>> {
        self.read(|tx, _| {
            let role: Option<String> = tx
                .query_row("SELECT role FROM members WHERE space_id = ?1 AND user_id = ?2", [space, user], |r| r.get(0))
                .optional()?;
            role.as_deref().map(parse_role).transpose()
        })
    }

    fn set_member(&self, space: SpaceId, user: UserId, role: Role) -> Result<()> {
        self.write(|tx, _| {
            if !space_exists(tx, space)? || !user_exists(tx, user)? {
                return Err(StoreError::NotFound);
            }
            if role != Role::Admin && is_last_admin(tx, space, user)? {
                return Err(StoreError::Conflict(LAST_ADMIN.into()));
            }
            tx.execute(
                "INSERT INTO members (space_id, user_id, role) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (space_id, user_id) DO UPDATE SET role = excluded.role",
                rusqlite::params![space, user, role_name(role)],
            )?;
            Ok(())
        })
    }

    fn remove_member(&self, space: SpaceId, user: UserId) -> Result<()> {
        self.write(|tx, _| {
            if is_last_admin(tx, space, user)? {
                return Err(StoreError::Conflict(LAST_ADMIN.into()));
            }
            let removed = tx.execute("DELETE FROM members WHERE space_id = ?1 AND user_id = ?2", [space, user])?;
            if removed == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        })
    }

    fn revision(&self, space: SpaceId) -> Result<u64> {
        self.read(|tx, _| {
            let revision: i64 = tx
                .query_row("SELECT revision FROM spaces WHERE id = ?1", [space], |r| r.get(0))
                .optional()?
                .ok_or(StoreError::NotFound)?;
            Ok(revision as u64)
        })
    }

    fn practices(&self, space: SpaceId) -> Result<(u64, Vec<StoredPractice>)> {
        self.read(|tx, sealer| {
            let revision: i64 = tx
                .query_row("SELECT revision FROM spaces WHERE id = ?1", [space], |r| r.get(0))
                .optional()?
                .ok_or(StoreError::NotFound)?;

            let mut examples: HashMap<i64, Vec<Example>> = HashMap::new();
            let mut query = tx.prepare(
                "SELECT examples.id, examples.practice_row, examples.kind, examples.language, \
                 examples.code_sealed, examples.file_sealed \
                 FROM examples JOIN practices ON practices.id = examples.practice_row \
                 WHERE practices.space_id = ?1 ORDER BY examples.id",
            )?;
            let mut rows = query.query([space])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                examples.entry(r.get(1)?).or_default().push(Example {
                    kind: parse_kind(&r.get::<_, String>(2)?)?,
                    language: r.get(3)?,
                    code: open_text(sealer, "examples", "code_sealed", id, &r.get::<_, Vec<u8>>(4)?)?,
                    file: open_text(sealer, "examples", "file_sealed", id, &r.get::<_, Vec<u8>>(5)?)?,
                });
            }

            let mut practices = Vec::new();
            let mut query =
                tx.prepare("SELECT id, practice_sealed, status, document_sealed FROM practices WHERE space_id = ?1")?;
            let mut rows = query.query([space])?;
            while let Some(r) = rows.next()? {
                let row: i64 = r.get(0)?;
                let document = open_cell(sealer, "practices", "document_sealed", row, &r.get::<_, Vec<u8>>(3)?)?;
                practices.push(StoredPractice {
                    id: open_text(sealer, "practices", "practice_sealed", row, &r.get::<_, Vec<u8>>(1)?)?,
                    status: parse_status(&r.get::<_, String>(2)?)?,
                    document: serde_json::from_slice(&document).map_err(|_| {
                        StoreError::Internal(format!("practices.document_sealed of row {row} is not JSON"))
                    })?,
                    examples: examples.remove(&row).unwrap_or_default(),
                });
            }
            practices.sort_by(|a, b| a.id.cmp(&b.id));
            Ok((to_u64(revision), practices))
        })
    }

    fn put_practice(
        &self,
        space: SpaceId,
        id: &str,
        status: Status,
        document: &Value,
        replace_active: bool,
    ) -> Result<u64> {
        let document =
            serde_json::to_vec(document).map_err(|e| StoreError::Invalid(format!("practice document: {e}")))?;
        self.write(|tx, sealer| {
            let revision = bump_revision(tx, space)?;
            let hash = Lookup::Practice.hash(sealer, id);
            let existing = practice_row(tx, space, &hash)?;
            if !replace_active && let Some(row) = existing {
                let current: String =
                    tx.query_row("SELECT status FROM practices WHERE id = ?1", [row], |r| r.get(0))?;
                if parse_status(&current)? == Status::Active {
                    return Err(StoreError::Forbidden("only an admin may change a published practice".into()));
                }
            }
            let row = match existing {
                Some(row) => {
                    tx.execute(
                        "UPDATE practices SET status = ?1 WHERE id = ?2",
                        rusqlite::params![status_name(status), row],
                    )?;
                    row
                }
                None => {
                    tx.execute(
                        "INSERT INTO practices \
                         (space_id, practice_hash, practice_sealed, status, document_sealed) \
                         VALUES (?1, ?2, x'', ?3, x'')",
                        rusqlite::params![space, hash, status_name(status)],
                    )?;
                    let row = tx.last_insert_rowid();
                    seal_into(tx, sealer, "practices", "practice_sealed", row, id.as_bytes())?;
                    row
                }
            };
            seal_into(tx, sealer, "practices", "document_sealed", row, &document)?;
            Ok(revision)
        })
    }

    fn delete_practice(&self, space: SpaceId, id: &str) -> Result<u64> {
        self.write(|tx, sealer| {
            let hash = Lookup::Practice.hash(sealer, id);
            // Its examples go with it (ON DELETE CASCADE); its statistics stay.
            let deleted = tx.execute(
                "DELETE FROM practices WHERE space_id = ?1 AND practice_hash = ?2",
                rusqlite::params![space, hash],
            )?;
            if deleted == 0 {
                return Err(StoreError::NotFound);
            }
            bump_revision(tx, space)
        })
    }

    fn add_example(&self, space: SpaceId, practice: &str, example: &Example) -> Result<u64> {
        self.write(|tx, sealer| {
            let hash = Lookup::Practice.hash(sealer, practice);
            let row = practice_row(tx, space, &hash)?.ok_or(StoreError::NotFound)?;
            let attached: i64 =
                tx.query_row("SELECT count(*) FROM examples WHERE practice_row = ?1", [row], |r| r.get(0))?;
            if attached as usize >= MAX_EXAMPLES_PER_PRACTICE {
                return Err(StoreError::Invalid(format!(
                    "a practice holds at most {MAX_EXAMPLES_PER_PRACTICE} attached examples"
                )));
            }
            // Sealed sizes: what the examples really take on disk.
            let held: i64 = tx.query_row(
                "SELECT COALESCE(SUM(length(code_sealed) + length(file_sealed)), 0) FROM examples \
                 JOIN practices ON practices.id = examples.practice_row WHERE practices.space_id = ?1",
                [space],
                |r| r.get(0),
            )?;
            if held as usize + example.code.len() + example.file.len() > MAX_EXAMPLE_BYTES_PER_SPACE {
                return Err(StoreError::TooLarge(format!(
                    "the space's attached examples would pass {} MiB",
                    MAX_EXAMPLE_BYTES_PER_SPACE >> 20
                )));
            }
            tx.execute(
                "INSERT INTO examples (practice_row, kind, language, code_sealed, file_sealed) \
                 VALUES (?1, ?2, ?3, x'', x'')",
                rusqlite::params![row, kind_name(example.kind), example.language],
            )?;
            let id = tx.last_insert_rowid();
            let code = sealer.seal("examples", "code_sealed", id, example.code.as_bytes());
            let file = sealer.seal("examples", "file_sealed", id, example.file.as_bytes());
            tx.execute(
                "UPDATE examples SET code_sealed = ?1, file_sealed = ?2 WHERE id = ?3",
                rusqlite::params![code, file, id],
            )?;
            bump_revision(tx, space)
        })
    }

    fn add_stats(&self, space: SpaceId, batch: Option<&BatchHash>, rows: &[StatRow]) -> Result<bool> {
        for row in rows {
            check_day(&row.day)?;
        }
        self.write(|tx, sealer| {
            if !space_exists(tx, space)? {
                return Err(StoreError::NotFound);
            }
            if let Some(batch) = batch {
                // The batch's day, or any day of a batch without rows: what the 30 days count from.
                let day = rows.first().map_or("9999-12-31", |row| row.day.as_str());
                tx.execute("DELETE FROM stats_batches WHERE day < date(?1, '-30 days')", [day])?;
                let fresh = tx.execute(
                    "INSERT INTO stats_batches (space_id, batch_hash, day) VALUES (?1, ?2, ?3) \
                     ON CONFLICT DO NOTHING",
                    rusqlite::params![space, batch.as_slice(), day],
                )?;
                if fresh == 0 {
                    return Ok(false);
                }
            }
            // Counters per day, counted once per day of the batch and kept up to date here.
            let mut keys: HashMap<&str, usize> = HashMap::new();
            for row in rows {
                let day = row.day.as_str();
                let held = match keys.get_mut(day) {
                    Some(held) => held,
                    None => {
                        let held: i64 = tx.query_row(
                            "SELECT count(*) FROM stats WHERE space_id = ?1 AND day = ?2",
                            rusqlite::params![space, day],
                            |r| r.get(0),
                        )?;
                        keys.entry(day).or_insert(held.max(0) as usize)
                    }
                };
                add_stat_row(tx, sealer, space, row, held)?;
            }
            Ok(true)
        })
    }

    fn stats_page(
        &self,
        space: SpaceId,
        from: &str,
        to: &str,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<StatRow>, bool)> {
        check_day(from)?;
        check_day(to)?;
        let as_sql = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.read(|tx, sealer| {
            if !space_exists(tx, space)? {
                return Err(StoreError::NotFound);
            }
            let mut out = Vec::new();
            // One row more than asked says whether more follow.
            let mut query = tx.prepare(
                "SELECT id, day, practice_sealed, language, findings, suppressions, fixes, files, millis \
                 FROM stats WHERE space_id = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day, id LIMIT ?4 OFFSET ?5",
            )?;
            let fetch = as_sql(limit).saturating_add(1);
            let mut rows = query.query(rusqlite::params![space, from, to, fetch, as_sql(offset)])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                out.push(StatRow {
                    day: r.get(1)?,
                    practice: open_text(sealer, "stats", "practice_sealed", id, &r.get::<_, Vec<u8>>(2)?)?,
                    language: r.get(3)?,
                    findings: to_u64(r.get(4)?),
                    suppressions: to_u64(r.get(5)?),
                    fixes: to_u64(r.get(6)?),
                    files: to_u64(r.get(7)?),
                    millis: to_u64(r.get(8)?),
                });
            }
            let more = out.len() > limit;
            out.truncate(limit);
            out.sort_by(|a, b| (&a.day, &a.practice, &a.language).cmp(&(&b.day, &b.practice, &b.language)));
            Ok((out, more))
        })
    }

    fn put_llm(&self, space: SpaceId, integration: &LlmIntegration) -> Result<()> {
        let settings =
            serde_json::to_vec(&integration.settings).map_err(|e| StoreError::Invalid(format!("llm settings: {e}")))?;
        self.write(|tx, sealer| {
            if !space_exists(tx, space)? {
                return Err(StoreError::NotFound);
            }
            let existing: Option<i64> = tx
                .query_row("SELECT id FROM llm_integrations WHERE space_id = ?1", [space], |r| r.get(0))
                .optional()?;
            let id = match existing {
                Some(id) => id,
                None => {
                    tx.execute(
                        "INSERT INTO llm_integrations (space_id, settings_sealed, key_sealed) VALUES (?1, x'', x'')",
                        [space],
                    )?;
                    tx.last_insert_rowid()
                }
            };
            let settings = sealer.seal("llm_integrations", "settings_sealed", id, &settings);
            let key = sealer.seal("llm_integrations", "key_sealed", id, integration.key.as_bytes());
            tx.execute(
                "UPDATE llm_integrations SET settings_sealed = ?1, key_sealed = ?2 WHERE id = ?3",
                rusqlite::params![settings, key, id],
            )?;
            Ok(())
        })
    }

    fn llm(&self, space: SpaceId) -> Result<Option<LlmIntegration>> {
        self.read(|tx, sealer| {
            let row: Option<(i64, Vec<u8>, Vec<u8>)> = tx
                .query_row(
                    "SELECT id, settings_sealed, key_sealed FROM llm_integrations WHERE space_id = ?1",
                    [space],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((id, settings, key)) = row else { return Ok(None) };
            let settings = open_cell(sealer, "llm_integrations", "settings_sealed", id, &settings)?;
            let settings = serde_json::from_slice(&settings).map_err(|_| {
                StoreError::Internal(format!("llm_integrations.settings_sealed of row {id} is not the settings"))
            })?;
            let key = open_text(sealer, "llm_integrations", "key_sealed", id, &key)?;
            Ok(Some(LlmIntegration { settings, key }))
        })
    }

    fn delete_llm(&self, space: SpaceId) -> Result<()> {
        self.write(|tx, _| {
            let deleted = tx.execute("DELETE FROM llm_integrations WHERE space_id = ?1", [space])?;
            if deleted == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        })
    }

    fn add_llm_usage(&self, space: SpaceId, sent: u64, received: u64) -> Result<()> {
        let [sent, received] = [sent, received].map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        self.write(|tx, _| {
            if !space_exists(tx, space)? {
                return Err(StoreError::NotFound);
            }
            // Saturating, like the other counters: SQLite's own addition would turn to real.
            let old: Option<(i64, i64)> = tx
                .query_row(
                    "SELECT sent, received FROM llm_usage WHERE space_id = ?1 AND day = date('now')",
                    [space],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (sent, received) = match old {
                Some((old_sent, old_received)) => {
                    (old_sent.saturating_add(sent), old_received.saturating_add(received))
                }
                None => (sent, received),
            };
            tx.execute(
                "INSERT INTO llm_usage (space_id, day, sent, received) VALUES (?1, date('now'), ?2, ?3) \
                 ON CONFLICT (space_id, day) DO UPDATE SET sent = excluded.sent, received = excluded.received",
                rusqlite::params![space, sent, received],
            )?;
            Ok(())
        })
    }

    fn llm_usage(&self, space: SpaceId, from: &str, to: &str) -> Result<Vec<LlmUsage>> {
        check_day(from)?;
        check_day(to)?;
        self.read(|tx, _| {
            let mut query = tx.prepare(
                "SELECT day, sent, received FROM llm_usage WHERE space_id = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day",
            )?;
            let rows = query
                .query_map(rusqlite::params![space, from, to], |r| {
                    Ok(LlmUsage { day: r.get(0)?, sent: to_u64(r.get(1)?), received: to_u64(r.get(2)?) })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }
}

/// Creates `path` readable only by its owner if it does not exist yet. SQLite gives the WAL
/// and shared-memory files the permissions of the database file, so they follow.
fn create_private(path: &Path) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Internal(format!("cannot create {}: {e}", path.display()))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lock {
    Shared,
    Exclusive,
}

/// Takes the data folder's lock without waiting: a store that cannot get it says why instead
/// of hanging at start-up.
fn lock_dir(dir: &Path, kind: Lock) -> Result<fs::File> {
    let path = dir.join(LOCK_FILE);
    create_private(&path)?;
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::Internal(format!("cannot open {}: {e}", path.display())))?;
    let taken = match kind {
        Lock::Shared => file.try_lock_shared(),
        Lock::Exclusive => file.try_lock(),
    };
    match taken {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(StoreError::Conflict(match kind {
            Lock::Shared => {
                format!("{}: a key rotation is running on this database; try again when it is done", dir.display())
            }
            Lock::Exclusive => format!(
                "{}: the database is in use (is praxis-server running?); stop it before rotating the key",
                dir.display()
            ),
        })),
        Err(fs::TryLockError::Error(e)) => Err(StoreError::Internal(format!("cannot lock {}: {e}", path.display()))),
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "cannot switch to WAL mode (journal mode is {mode})"
        )));
    }
    // FULL: a write acknowledged with a 2xx survives a power cut, which NORMAL does not
    // promise in WAL mode.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted content is overwritten rather than left in free pages; it is sealed anyway, but
    // this way a later key leak does not expose what was deleted before it.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

/// Applies the migrations the database has not seen yet, each in its own transaction.
fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT",
    )?;
    let latest = MIGRATIONS.last().map_or(0, |m| m.0);
    let current: i64 = conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    if current > latest {
        return Err(StoreError::Internal(format!(
            "the database has schema version {current}, newer than this praxis-server \
             knows ({latest}); run a newer praxis-server"
        )));
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have applied it between our check and taking the lock.
        let applied: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)", [version], |r| {
                r.get(0)
            })?;
        if !applied {
            tx.execute_batch(sql).map_err(|e| StoreError::Internal(format!("migration {name}: {e}")))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
                rusqlite::params![version, name],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// Seals a known value into `meta` on first start, and on every later start checks that it
/// opens: a wrong key then fails at once, with a clear message, instead of at the first read.
fn check_key(conn: &mut Connection, sealer: &Sealer, path: &Path) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stored: Option<Vec<u8>> =
        tx.query_row("SELECT value FROM meta WHERE name = ?1", [KEY_CHECK], |r| r.get(0)).optional()?;
    match stored {
        Some(sealed) => match sealer.open("meta", "value", KEY_CHECK, &sealed) {
            Ok(value) if value == KEY_CHECK_VALUE => {}
            _ => {
                return Err(StoreError::Crypto(format!(
                    "the master key does not open {}: wrong key? (give the key this \
                     database was created or last rotated with)",
                    path.display()
                )));
            }
        },
        None => {
            tx.execute(
                "INSERT INTO meta (name, value) VALUES (?1, ?2)",
                rusqlite::params![KEY_CHECK, sealer.seal("meta", "value", KEY_CHECK, KEY_CHECK_VALUE)],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn checkpoint_truncate(conn: &Connection) -> Result<()> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy != 0 {
        return Err(StoreError::Internal("the WAL could not be checkpointed: is the server still running?".into()));
    }
    Ok(())
}

fn insert_token(tx: &Transaction<'_>, user: UserId, token: &TokenHash) -> Result<()> {
    tx.execute("INSERT INTO tokens (hash, user_id) VALUES (?1, ?2)", rusqlite::params![token, user])
        .map_err(|e| conflict(e, "this token is already in use"))?;
    Ok(())
}

fn user_exists(tx: &Transaction<'_>, user: UserId) -> Result<bool> {
    Ok(tx.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)", [user], |r| r.get(0))?)
}

fn space_exists(tx: &Transaction<'_>, space: SpaceId) -> Result<bool> {
    Ok(tx.query_row("SELECT EXISTS (SELECT 1 FROM spaces WHERE id = ?1)", [space], |r| r.get(0))?)
}

fn practice_row(tx: &Transaction<'_>, space: SpaceId, hash: &[u8; 32]) -> Result<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT id FROM practices WHERE space_id = ?1 AND practice_hash = ?2",
            rusqlite::params![space, hash],
            |r| r.get(0),
        )
        .optional()?)
}

/// Bumps the space's revision in the caller's transaction, so the new revision and the change
/// it stands for commit together. `NotFound` if the space does not exist.
const LAST_ADMIN: &str = "a space keeps at least one admin: make another member admin first";

/// Whether `user` is the only admin of `space`.
fn is_last_admin(tx: &Transaction<'_>, space: SpaceId, user: UserId) -> Result<bool> {
    let admins: Vec<i64> = tx
        .prepare("SELECT user_id FROM members WHERE space_id = ?1 AND role = 'admin'")?
        .query_map([space], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(admins == [user])
}

fn bump_revision(tx: &Transaction<'_>, space: SpaceId) -> Result<u64> {
    let revision: i64 = tx
        .query_row("UPDATE spaces SET revision = revision + 1 WHERE id = ?1 RETURNING revision", [space], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok(to_u64(revision))
}

/// Adds one row of counters into its day's aggregate. Counters saturate rather than wrap or
/// turn into floating point, as SQLite's own integer addition would on overflow.
/// `held` is how many counters the row's day holds; a new one counts in it.
fn add_stat_row(tx: &Transaction<'_>, sealer: &Sealer, space: SpaceId, row: &StatRow, held: &mut usize) -> Result<()> {
    let hash = Lookup::Practice.hash(sealer, &row.practice);
    let adds = [row.findings, row.suppressions, row.fixes, row.files, row.millis]
        .map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    let existing: Option<(i64, [i64; 5])> = tx
        .query_row(
            "SELECT id, findings, suppressions, fixes, files, millis FROM stats \
             WHERE space_id = ?1 AND day = ?2 AND practice_hash = ?3 AND language = ?4",
            rusqlite::params![space, row.day, hash, row.language],
            |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?])),
        )
        .optional()?;
    match existing {
        Some((id, old)) => {
            let sum: [i64; 5] = std::array::from_fn(|i| old[i].saturating_add(adds[i]));
            tx.execute(
                "UPDATE stats SET findings = ?1, suppressions = ?2, fixes = ?3, files = ?4, \
                 millis = ?5 WHERE id = ?6",
                rusqlite::params![sum[0], sum[1], sum[2], sum[3], sum[4], id],
            )?;
        }
        None => {
            if *held >= MAX_STATS_KEYS_PER_DAY {
                return Err(StoreError::Invalid(format!(
                    "a space keeps at most {MAX_STATS_KEYS_PER_DAY} practice and language counters a day"
                )));
            }
            tx.execute(
                "INSERT INTO stats (space_id, day, practice_hash, practice_sealed, language, \
                 findings, suppressions, fixes, files, millis) \
                 VALUES (?1, ?2, ?3, x'', ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![space, row.day, hash, row.language, adds[0], adds[1], adds[2], adds[3], adds[4]],
            )?;
            let id = tx.last_insert_rowid();
            seal_into(tx, sealer, "stats", "practice_sealed", id, row.practice.as_bytes())?;
            *held += 1;
        }
    }
    Ok(())
}

/// Seals `plaintext` into a row that was just inserted with a placeholder: the row id is part
/// of the associated data, so it has to exist first.
fn seal_into(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    table: &str,
    column: &str,
    id: i64,
    plaintext: &[u8],
) -> Result<()> {
    let sealed = sealer.seal(table, column, id, plaintext);
    tx.execute(&format!("UPDATE {table} SET {column} = ?1 WHERE id = ?2"), rusqlite::params![sealed, id])?;
    Ok(())
}

fn open_cell(sealer: &Sealer, table: &str, column: &str, id: i64, sealed: &[u8]) -> Result<Vec<u8>> {
    sealer.open(table, column, id, sealed).map_err(|e| StoreError::Crypto(format!("{table}.{column} of row {id}: {e}")))
}

fn open_text(sealer: &Sealer, table: &str, column: &str, id: i64, sealed: &[u8]) -> Result<String> {
    utf8(table, column, id, open_cell(sealer, table, column, id, sealed)?)
}

fn utf8(table: &str, column: &str, id: i64, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| StoreError::Internal(format!("{table}.{column} of row {id} is not UTF-8")))
}

/// Maps a uniqueness violation to `Conflict`; anything else stays internal.
fn conflict(e: rusqlite::Error, message: &str) -> StoreError {
    match e.sqlite_error() {
        Some(err)
            if err.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || err.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            StoreError::Conflict(message.to_string())
        }
        _ => e.into(),
    }
}

fn check_day(day: &str) -> Result<()> {
    if super::is_day(day) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!("{day:?} is not a day in the form YYYY-MM-DD")))
    }
}

fn to_u64(n: i64) -> u64 {
    // Columns holding counters and revisions are CHECKed non-negative.
    u64::try_from(n).unwrap_or(0)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Member => "member",
    }
}

fn parse_role(s: &str) -> Result<Role> {
    match s {
        "admin" => Ok(Role::Admin),
        "member" => Ok(Role::Member),
        _ => Err(StoreError::Internal(format!("unknown role {s:?} in members"))),
    }
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Draft => "draft",
        Status::Active => "active",
    }
}

fn parse_status(s: &str) -> Result<Status> {
    match s {
        "draft" => Ok(Status::Draft),
        "active" => Ok(Status::Active),
        _ => Err(StoreError::Internal(format!("unknown status {s:?} in practices"))),
    }
}

fn kind_name(kind: ExampleKind) -> &'static str {
    match kind {
        ExampleKind::Good => "good",
        ExampleKind::Bad => "bad",
    }
}

fn parse_kind(s: &str) -> Result<ExampleKind> {
    match s {
        "good" => Ok(ExampleKind::Good),
        "bad" => Ok(ExampleKind::Bad),
        _ => Err(StoreError::Internal(format!("unknown example kind {s:?} in examples"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Key rotation re-seals only what `SEALED_COLUMNS` lists; a sealed column it missed would
    /// no longer open after a rotation.
    #[test]
    fn sealed_columns_lists_every_sealed_column() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), MasterKey::from_bytes([1; 32])).unwrap();
        let conn = store.lock();
        let mut in_schema: Vec<(String, String)> = conn
            .prepare(
                "SELECT m.name, p.name FROM sqlite_schema AS m \
                 JOIN pragma_table_info(m.name) AS p \
                 WHERE m.type = 'table' AND p.name LIKE '%\\_sealed' ESCAPE '\\'",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        in_schema.sort();
        let mut listed: Vec<(String, String)> =
            SEALED_COLUMNS.iter().map(|c| (c.table.to_string(), c.column.to_string())).collect();
        listed.sort();
        assert_eq!(in_schema, listed);
    }

    #[test]
    fn days_are_checked() {
        for good in ["2025-01-31", "1999-12-01"] {
            assert!(check_day(good).is_ok(), "{good}");
        }
        for bad in ["2025-1-31", "2025-13-01", "2025-01-00", "2025/01/01", "", "2025-01-011"] {
            assert!(matches!(check_day(bad), Err(StoreError::Invalid(_))), "{bad}");
        }
    }
}
