//! The bodies of the sync server's HTTP API (`/api/v1`), compiled by the server and the client
//! alike, so that a field cannot drift between them.
//!
//! Request bodies, which the server reads from anyone, refuse unknown fields. Response bodies,
//! which a client may read from a newer server, ignore them, except a practice's own document:
//! a field this engine does not know changes what the practice means, so such a practice fails
//! validation rather than running half understood.

use praxis_engine::PracticeDoc;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

mod llm;
pub use llm::{
    AZURE_API_VERSION, DraftAnswer, DraftAttempt, DraftRequest, LlmDay, LlmProvider, LlmSettings, PutLlmSettings,
    Snippet, Tokens,
};

/// Every path below is relative to this prefix.
pub const API_PREFIX: &str = "/api/v1";

/// The server-sent event that carries a space's new revision (its data is the number).
pub const REVISION_EVENT: &str = "revision";

/// A member's role in a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Member,
}

/// Whether a practice is in force (`active`) or only proposed (`draft`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Active,
}

/// Which list of a practice's examples an attached snippet belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExampleKind {
    Good,
    Bad,
}

/// Every error answer: `{"error": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
}

/// `POST /users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    #[serde(default)]
    pub owner: bool,
}

/// The answer to `POST /users`: the user's id and first token, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub id: i64,
    pub token: String,
}

/// The answer to `POST /tokens`: a new token, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub token: String,
}

impl std::fmt::Debug for CreatedUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedUser").field("id", &self.id).field("token", &"<redacted>").finish()
    }
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewToken").field("token", &"<redacted>").finish()
    }
}

/// `POST /spaces`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSpace {
    pub name: String,
}

/// A space and the caller's role in it: the answer to `POST /spaces`, and each entry of
/// `GET /spaces`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceRole {
    pub name: String,
    pub role: Role,
}

/// `GET /spaces`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceList {
    pub spaces: Vec<SpaceRole>,
}

/// `PUT /spaces/{space}/members/{user}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    pub role: Role,
}

/// The answer to `PUT /spaces/{space}/members/{user}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRole {
    pub user: i64,
    pub role: Role,
}

/// `PUT /spaces/{space}/practices/{id}`: the JSON form of a practice's YAML, plus an optional
/// `status` (the server's default: `active` for admins, `draft` for members).
#[derive(Debug, Clone, PartialEq)]
pub struct PracticeBody {
    pub doc: PracticeDoc,
    pub status: Option<Status>,
}

/// One practice of `GET /spaces/{space}/practices`: its document, its status, and the examples
/// members attached to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedPractice {
    pub doc: PracticeDoc,
    pub status: Status,
    pub attached_examples: Vec<Example>,
}

/// `GET /spaces/{space}/practices`: a space's practices at one revision (also its `ETag`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PracticeList {
    pub revision: u64,
    pub practices: Vec<ListedPractice>,
}

/// The answer to `PUT /spaces/{space}/practices/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutPractice {
    pub id: String,
    pub status: Status,
    pub revision: u64,
}

/// A space's revision after a change: the answer to a practice's `DELETE` and to an example's
/// `POST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub revision: u64,
}

/// `POST /spaces/{space}/practices/{id}/examples`: a snippet a person chose to attach, and the
/// text of the whole file it came from. No path, no repository, no user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub kind: ExampleKind,
    pub language: String,
    pub code: String,
    pub file: String,
}

/// `POST /spaces/{space}/stats`: anonymous counters taken on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsBatch {
    /// A random id the client gives a batch once, so that a batch sent again (the answer was
    /// lost) is counted once. It says nothing about who sent it: every batch gets a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// `YYYY-MM-DD`, the day the counters were taken (UTC).
    pub day: String,
    pub counters: Vec<Counter>,
}

/// What one practice did in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    pub practice: String,
    pub language: String,
    #[serde(default)]
    pub findings: u64,
    #[serde(default)]
    pub suppressions: u64,
    #[serde(default)]
    pub fixes: u64,
    #[serde(default)]
    pub files: u64,
    #[serde(default)]
    pub millis: u64,
}

impl Counter {
    /// Adds `other`'s counts into this one, saturating.
    pub fn add(&mut self, other: &Counter) {
        self.findings = self.findings.saturating_add(other.findings);
        self.suppressions = self.suppressions.saturating_add(other.suppressions);
        self.fixes = self.fixes.saturating_add(other.fixes);
        self.files = self.files.saturating_add(other.files);
        self.millis = self.millis.saturating_add(other.millis);
    }
}

/// The answer to `POST /spaces/{space}/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsAccepted {
    /// Counters taken in (0 for a batch already counted).
    pub accepted: usize,
    /// The batch id was seen before; nothing was added.
    #[serde(default)]
    pub duplicate: bool,
}

/// `GET /spaces/{space}/stats?from=&to=[&offset=&limit=]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsQuery {
    pub from: String,
    pub to: String,
    /// Rows to skip: the `next` of the previous page.
    #[serde(default)]
    pub offset: Option<usize>,
    /// Rows per page (default and most: [`STATS_PAGE`]).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// The most rows of statistics one answer carries.
pub const STATS_PAGE: usize = 1000;

/// The largest attached snippet, and the largest file it came from, in bytes.
pub const MAX_EXAMPLE_CODE: usize = 64 * 1024;
pub const MAX_EXAMPLE_FILE: usize = 1024 * 1024;

/// One day's aggregate for one practice and language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayStats {
    pub day: String,
    #[serde(flatten)]
    pub counter: Counter,
}

/// The answer to `GET /spaces/{space}/stats`: a page of rows in order of day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsReport {
    pub stats: Vec<DayStats>,
    /// The `offset` of the next page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<usize>,
    /// Tokens spent drafting through the space's LLM integration, per day of the range, in
    /// order of day; on the first page only (`offset` 0), so that pages add up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub llm: Vec<LlmDay>,
}

/// The JSON object of a practice document with `extra` keys beside its own.
fn with_keys<S: Serializer>(doc: &PracticeDoc, extra: Vec<(&str, Value)>, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::Error as _;
    let mut value = serde_json::to_value(doc).map_err(S::Error::custom)?;
    let Value::Object(map) = &mut value else { return Err(S::Error::custom("a practice is a JSON object")) };
    for (key, extra) in extra {
        map.insert(key.to_owned(), extra);
    }
    value.serialize(serializer)
}

/// Splits `keys` off a practice's JSON object and reads the rest as its document, which
/// refuses unknown fields.
fn without_keys<'de, D: Deserializer<'de>, const N: usize>(
    deserializer: D,
    keys: [&str; N],
) -> Result<(PracticeDoc, [Option<Value>; N]), D::Error> {
    let mut map = Map::deserialize(deserializer)?;
    let taken = keys.map(|key| map.remove(key));
    let doc = serde_json::from_value(Value::Object(map)).map_err(D::Error::custom)?;
    Ok((doc, taken))
}

fn field<T: serde::de::DeserializeOwned, E: serde::de::Error>(
    name: &str,
    value: Option<Value>,
) -> Result<Option<T>, E> {
    value.map(|value| serde_json::from_value(value).map_err(|err| E::custom(format!("{name}: {err}")))).transpose()
}

impl Serialize for PracticeBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let status = self.status.map(|status| ("status", serde_json::json!(status)));
        with_keys(&self.doc, status.into_iter().collect(), serializer)
    }
}

impl<'de> Deserialize<'de> for PracticeBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (doc, [status]) = without_keys(deserializer, ["status"])?;
        Ok(PracticeBody { doc, status: field("status", status)? })
    }
}

impl Serialize for ListedPractice {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let extra = vec![
            ("status", serde_json::json!(self.status)),
            ("attachedExamples", serde_json::to_value(&self.attached_examples).map_err(serde::ser::Error::custom)?),
        ];
        with_keys(&self.doc, extra, serializer)
    }
}

impl<'de> Deserialize<'de> for ListedPractice {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (doc, [status, examples]) = without_keys(deserializer, ["status", "attachedExamples"])?;
        Ok(ListedPractice {
            doc,
            status: field("status", status)?.ok_or_else(|| D::Error::missing_field("status"))?,
            attached_examples: field("attachedExamples", examples)?.unwrap_or_default(),
        })
    }
}

/// What a space name is, as a regular expression (for schemas): what [`valid_space_name`] accepts.
pub const SPACE_NAME_PATTERN: &str = "^[a-z0-9-]{1,64}$";

/// Whether `name` is a space name: `[a-z0-9-]+`, at most 64 characters.
pub fn valid_space_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The path of a space's resource, relative to [`API_PREFIX`]: `/spaces/{space}{rest}`.
pub fn space_path(space: &str, rest: &str) -> String {
    format!("/spaces/{space}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"id": "no-print", "name": "No print", "languages": ["python"], "rule": {"pattern": "print($$$)"}})
    }

    #[test]
    fn a_listed_practice_is_its_document_with_status_and_examples() {
        let mut value = doc();
        value["status"] = json!("active");
        value["attachedExamples"] =
            json!([{"kind": "bad", "language": "python", "code": "print(1)", "file": "print(1)\n"}]);
        let listed: ListedPractice = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(listed.doc.id, "no-print");
        assert_eq!(listed.status, Status::Active);
        assert_eq!(listed.attached_examples[0].kind, ExampleKind::Bad);
        let written = serde_json::to_value(&listed).unwrap();
        assert_eq!(written["status"], "active");
        assert_eq!(written["attachedExamples"], value["attachedExamples"]);
        assert_eq!(serde_json::from_value::<ListedPractice>(written).unwrap(), listed);
    }

    #[test]
    fn unknown_practice_fields_are_refused_and_status_is_optional_on_put() {
        let mut value = doc();
        let body: PracticeBody = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(body.status, None);
        assert!(serde_json::to_value(&body).unwrap().get("status").is_none());
        value["status"] = json!("draft");
        let body: PracticeBody = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(body.status, Some(Status::Draft));
        value["status"] = json!("published");
        let err = serde_json::from_value::<PracticeBody>(value.clone()).unwrap_err().to_string();
        assert!(err.contains("status"), "{err}");
        value["status"] = json!("active");
        value["severty"] = json!("error");
        let err = serde_json::from_value::<ListedPractice>(value).unwrap_err().to_string();
        assert!(err.contains("severty"), "{err}");
    }

    #[test]
    fn stats_round_trip_and_secrets_stay_out_of_debug() {
        let report = StatsReport {
            next: None,
            llm: vec![LlmDay { day: "2026-11-30".into(), sent: 1200, received: 80 }],
            stats: vec![DayStats {
                day: "2026-11-30".into(),
                counter: Counter { practice: "a".into(), language: "python".into(), findings: 2, ..Counter::default() },
            }],
        };
        let value = serde_json::to_value(&report).unwrap();
        assert_eq!(value["stats"][0]["findings"], 2);
        assert_eq!(value["stats"][0]["day"], "2026-11-30");
        assert_eq!(value["llm"][0], json!({"day": "2026-11-30", "sent": 1200, "received": 80}));
        assert_eq!(serde_json::from_value::<StatsReport>(value).unwrap(), report);
        let user = CreatedUser { id: 1, token: "secret-token".into() };
        assert!(!format!("{user:?}").contains("secret-token"));
        assert!(!format!("{:?}", NewToken { token: "secret-token".into() }).contains("secret-token"));
        assert!(serde_json::from_value::<StatsBatch>(json!({"day": "2026-11-30", "counters": [], "user": 1})).is_err());
    }
}
