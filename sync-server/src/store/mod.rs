//! Storage behind a trait: what the HTTP layer may ask of the database. Handlers never see SQL
//! or keys; the store never sees HTTP. The one implementation is SQLite ([`sqlite`]), which
//! seals every column of user content with the master key.

pub mod sqlite;

// The vocabulary is the API's; the records below are the store's own.
pub use praxis_sync::wire::{ExampleKind, LlmSettings, Role, Status};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// The caller's role does not allow the change, found inside the write's transaction.
    #[error("{0}")]
    Forbidden(String),
    /// A limit on what one space may hold.
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Invalid(String),
    /// The master key does not open the database, or a sealed value was tampered with.
    #[error("{0}")]
    Crypto(String),
    #[error("database error: {0}")]
    Internal(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub type UserId = i64;
pub type SpaceId = i64;

/// The most examples attached to one practice.
pub const MAX_EXAMPLES_PER_PRACTICE: usize = 20;
/// The most bytes of attached examples (snippets and their files) one space holds.
pub const MAX_EXAMPLE_BYTES_PER_SPACE: usize = 20 * 1024 * 1024;
/// The most practice-and-language counters one space keeps per day.
pub const MAX_STATS_KEYS_PER_DAY: usize = 10_000;

/// SHA-256 of a bearer token; tokens themselves are never stored.
pub type TokenHash = [u8; 32];

/// SHA-256 of the random id a client gave a stats batch.
pub type BatchHash = [u8; 32];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub owner: bool,
}

/// An example snippet a member attached to a practice, with the whole file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub kind: ExampleKind,
    pub language: String,
    pub code: String,
    pub file: String,
}

/// A practice as stored: its document (the JSON form of its YAML), status and examples.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPractice {
    pub id: String,
    pub status: Status,
    pub document: Value,
    pub examples: Vec<Example>,
}

/// One day's anonymous counters for one practice and language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatRow {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub practice: String,
    pub language: String,
    pub findings: u64,
    pub suppressions: u64,
    pub fixes: u64,
    pub files: u64,
    pub millis: u64,
}

/// A space's LLM integration as stored: the provider settings and the key, both sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct LlmIntegration {
    pub settings: LlmSettings,
    pub key: String,
}

impl std::fmt::Debug for LlmIntegration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmIntegration").field("settings", &self.settings).field("key", &"<redacted>").finish()
    }
}

/// Tokens spent drafting through a space's integration on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmUsage {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub sent: u64,
    pub received: u64,
}

/// Whether `day` is a calendar day written `YYYY-MM-DD` (`2026-02-31` is not one). The fixed
/// width is what makes `BETWEEN` on text a date range, so the store checks it, and the API
/// checks it first to answer with the right status.
pub fn is_day(day: &str) -> bool {
    let b = day.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range.clone()].iter().all(u8::is_ascii_digit).then(|| day[range].parse().ok()).flatten()
    };
    let (Some(year), Some(month), Some(date)) = (number(0..4), number(5..7), number(8..10)) else { return false };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&date)
}

/// Whether `text` is an e-mail address: one `@`, a local part of 1 to 64 printable characters,
/// and a domain of dot-separated labels (letters, digits, `-`, not at a label's ends), with at
/// least one dot; 254 characters at most.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    let printable = |c: char| !c.is_control() && !c.is_whitespace() && c != '@';
    let label = |label: &str| {
        (1..=63).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    text.len() <= 254
        && (1..=64).contains(&local.len())
        && local.chars().all(printable)
        && domain.contains('.')
        && domain.split('.').all(label)
}

/// What the server keeps. Every method commits before it returns: a successful write survives
/// a crash right after.
pub trait Store: Send + Sync + 'static {
    /// Creates a user with a first token. `Conflict` if the e-mail address is taken.
    fn create_user(&self, email: &str, owner: bool, token: &TokenHash) -> Result<UserId>;
    fn user_by_token(&self, token: &TokenHash) -> Result<Option<User>>;
    fn add_token(&self, user: UserId, token: &TokenHash) -> Result<()>;
    fn delete_token(&self, token: &TokenHash) -> Result<()>;
    fn user_exists(&self, user: UserId) -> Result<bool>;

    /// Creates a space whose first admin is `creator`. `Conflict` if the name is taken.
    fn create_space(&self, name: &str, creator: UserId) -> Result<SpaceId>;
    fn space_id(&self, name: &str) -> Result<Option<SpaceId>>;
    /// The spaces `user` belongs to, by name, with the user's role.
    fn spaces_of(&self, user: UserId) -> Result<Vec<(String, Role)>>;
    fn role(&self, space: SpaceId, user: UserId) -> Result<Option<Role>>;
    /// `Conflict` if it would leave the space without an admin.
    fn set_member(&self, space: SpaceId, user: UserId, role: Role) -> Result<()>;
    /// `NotFound` if the user was not a member; `Conflict` if they are its last admin.
    fn remove_member(&self, space: SpaceId, user: UserId) -> Result<()>;

    /// The space's revision alone: what an unchanged pull (`If-None-Match`) needs.
    fn revision(&self, space: SpaceId) -> Result<u64>;
    /// The space's revision and practices, ordered by id.
    fn practices(&self, space: SpaceId) -> Result<(u64, Vec<StoredPractice>)>;
    /// Inserts or replaces a practice (its examples are kept); returns the new revision. Without
    /// `replace_active` (a member's draft), `Forbidden` if the practice is active, checked in
    /// the same transaction as the write.
    fn put_practice(
        &self,
        space: SpaceId,
        id: &str,
        status: Status,
        document: &Value,
        replace_active: bool,
    ) -> Result<u64>;
    /// `NotFound` if there is no such practice; else the new revision.
    fn delete_practice(&self, space: SpaceId, id: &str) -> Result<u64>;
    /// `NotFound` if there is no such practice; `Invalid` past [`MAX_EXAMPLES_PER_PRACTICE`],
    /// `TooLarge` past [`MAX_EXAMPLE_BYTES_PER_SPACE`]; else the new revision.
    fn add_example(&self, space: SpaceId, practice: &str, example: &Example) -> Result<u64>;

    /// Adds counters into the day's aggregates. With a `batch` (the SHA-256 of the id the client
    /// gave the batch), a batch already counted adds nothing and returns `false`. `Invalid`
    /// (nothing added) when a day would hold more than [`MAX_STATS_KEYS_PER_DAY`] counters.
    fn add_stats(&self, space: SpaceId, batch: Option<&BatchHash>, rows: &[StatRow]) -> Result<bool>;
    /// A page of the aggregates for days in `from..=to` (`YYYY-MM-DD`): at most `limit` rows
    /// after the first `offset`, in order of day, each page sorted by practice and language;
    /// and whether more follow.
    fn stats_page(
        &self,
        space: SpaceId,
        from: &str,
        to: &str,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<StatRow>, bool)>;
    /// Sets (or replaces) the space's LLM integration. `NotFound` if the space does not exist.
    fn put_llm(&self, space: SpaceId, integration: &LlmIntegration) -> Result<()>;
    /// The space's LLM integration, key included, if it has one.
    fn llm(&self, space: SpaceId) -> Result<Option<LlmIntegration>>;
    /// Removes the space's LLM integration; `NotFound` if it had none.
    fn delete_llm(&self, space: SpaceId) -> Result<()>;
    /// Adds tokens into today's (UTC) count for the space.
    fn add_llm_usage(&self, space: SpaceId, sent: u64, received: u64) -> Result<()>;
    /// The space's token counts for days in `from..=to`, in order of day.
    fn llm_usage(&self, space: SpaceId, from: &str, to: &str) -> Result<Vec<LlmUsage>>;

    /// All the aggregates for days in `from..=to`.
    fn stats(&self, space: SpaceId, from: &str, to: &str) -> Result<Vec<StatRow>> {
        self.stats_page(space, from, to, 0, usize::MAX).map(|(rows, _)| rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_calendar_days() {
        for day in ["2026-11-30", "2024-02-29", "2000-02-29", "2026-12-31", "2026-04-30"] {
            assert!(is_day(day), "{day}");
        }
        for day in [
            "2026-02-31",
            "2026-02-29",
            "1900-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "2026-11-3x",
            "+026-11-30",
            "",
        ] {
            assert!(!is_day(day), "{day}");
        }
    }

    #[test]
    fn emails_are_addresses() {
        for email in ["ana@example.com", "first.last+tag@mail.example.co.uk", "x@a-b.io"] {
            assert!(is_email(email), "{email}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        for email in [
            "ana",
            "@example.com",
            "ana@",
            "ana@localhost",
            "a b@example.com",
            "ana@@example.com",
            "ana@-x.com",
            "ana@x..com",
            "ana@x.com\n",
            long.as_str(),
        ] {
            assert!(!is_email(email), "{email:?}");
        }
    }
}
