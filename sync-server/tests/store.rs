//! Integration tests of the SQLite store through the `Store` trait, and of what it leaves on
//! disk: no user content in the clear, wrong keys refused, key rotation and backup.

use std::path::Path;
use std::sync::Arc;

use praxis_server::crypto::{MasterKey, new_token, token_hash};
use praxis_server::store::sqlite::{DB_FILE, SqliteStore};
use praxis_server::store::{Example, ExampleKind, Role, StatRow, Status, Store, StoreError};
use serde_json::json;

fn key(n: u8) -> MasterKey {
    MasterKey::from_bytes([n; 32])
}

fn open(dir: &Path) -> SqliteStore {
    SqliteStore::open(dir, key(1)).unwrap()
}

fn token() -> [u8; 32] {
    token_hash(&new_token())
}

fn example(kind: ExampleKind, code: &str, file: &str) -> Example {
    Example { kind, language: "rust".into(), code: code.into(), file: file.into() }
}

fn stat(day: &str, practice: &str, language: &str, n: u64) -> StatRow {
    StatRow {
        day: day.into(),
        practice: practice.into(),
        language: language.into(),
        findings: n,
        suppressions: 2 * n,
        fixes: 3 * n,
        files: 4 * n,
        millis: 5 * n,
    }
}

/// A user who owns one space, as most tests need.
fn user_and_space(store: &SqliteStore, email: &str, space: &str) -> (i64, i64) {
    let user = store.create_user(email, true, &token()).unwrap();
    let space = store.create_space(space, user).unwrap();
    (user, space)
}

#[test]
fn users_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = token();
    let alice = store.create_user("alice@example.com", true, &first).unwrap();
    let bob_token = token();
    let bob = store.create_user("bob@example.com", false, &bob_token).unwrap();
    assert_ne!(alice, bob);

    let user = store.user_by_token(&first).unwrap().unwrap();
    assert_eq!((user.id, user.owner), (alice, true));
    assert_eq!(store.user_by_token(&token()).unwrap(), None);

    // Addresses are unique regardless of case.
    for taken in ["alice@example.com", "Alice@Example.COM"] {
        assert!(matches!(store.create_user(taken, false, &token()), Err(StoreError::Conflict(_))));
    }
    // A token belongs to one user only.
    assert!(matches!(store.create_user("carol@example.com", false, &first), Err(StoreError::Conflict(_))));
    // The failed attempt left no user behind.
    assert!(store.create_user("carol@example.com", false, &token()).is_ok());

    let second = token();
    store.add_token(alice, &second).unwrap();
    assert_eq!(store.user_by_token(&second).unwrap().unwrap().id, alice);
    assert!(matches!(store.add_token(alice, &second), Err(StoreError::Conflict(_))));
    assert!(matches!(store.add_token(9999, &token()), Err(StoreError::NotFound)));

    store.delete_token(&first).unwrap();
    assert_eq!(store.user_by_token(&first).unwrap(), None);
    assert_eq!(store.user_by_token(&second).unwrap().unwrap().id, alice);
    store.delete_token(&first).unwrap();

    assert!(store.user_exists(alice).unwrap());
    assert!(store.user_exists(bob).unwrap());
    assert!(!store.user_exists(9999).unwrap());
    let user = store.user_by_token(&bob_token).unwrap().unwrap();
    assert_eq!((user.id, user.owner), (bob, false));
}

#[test]
fn spaces_and_members() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (alice, team) = user_and_space(&store, "alice@example.com", "team");
    let bob = store.create_user("bob@example.com", false, &token()).unwrap();

    assert!(matches!(store.create_space("team", bob), Err(StoreError::Conflict(_))));
    assert!(matches!(store.create_space("other", 9999), Err(StoreError::NotFound)));
    let other = store.create_space("another-team", alice).unwrap();

    assert_eq!(store.space_id("team").unwrap(), Some(team));
    assert_eq!(store.space_id("another-team").unwrap(), Some(other));
    assert_eq!(store.space_id("nope").unwrap(), None);

    assert_eq!(
        store.spaces_of(alice).unwrap(),
        vec![("another-team".to_string(), Role::Admin), ("team".to_string(), Role::Admin)]
    );
    assert_eq!(store.spaces_of(bob).unwrap(), vec![]);
    assert_eq!(store.role(team, alice).unwrap(), Some(Role::Admin));
    assert_eq!(store.role(team, bob).unwrap(), None);

    store.set_member(team, bob, Role::Member).unwrap();
    assert_eq!(store.role(team, bob).unwrap(), Some(Role::Member));
    store.set_member(team, bob, Role::Admin).unwrap();
    assert_eq!(store.role(team, bob).unwrap(), Some(Role::Admin));
    assert_eq!(store.spaces_of(bob).unwrap(), vec![("team".to_string(), Role::Admin)]);
    assert!(matches!(store.set_member(team, 9999, Role::Member), Err(StoreError::NotFound)));
    assert!(matches!(store.set_member(9999, bob, Role::Member), Err(StoreError::NotFound)));

    store.remove_member(team, bob).unwrap();
    assert_eq!(store.role(team, bob).unwrap(), None);
    assert!(matches!(store.remove_member(team, bob), Err(StoreError::NotFound)));
    assert!(store.spaces_of(bob).unwrap().is_empty());
}

#[test]
fn practices_and_examples() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (_, space) = user_and_space(&store, "alice@example.com", "team");
    let (_, other) = user_and_space(&store, "bob@example.com", "other");

    assert_eq!(store.practices(space).unwrap(), (0, vec![]));
    assert!(matches!(store.practices(9999), Err(StoreError::NotFound)));

    let doc_b = json!({"id": "b-rule", "message": "no unwrap", "examples": {"bad": ["x.unwrap()"]}});
    let doc_a = json!({"id": "a-rule", "message": "prefer ?"});
    assert_eq!(store.put_practice(space, "b-rule", Status::Active, &doc_b, true).unwrap(), 1);
    assert_eq!(store.put_practice(space, "a-rule", Status::Draft, &doc_a, true).unwrap(), 2);

    let good = example(ExampleKind::Good, "x?", "fn f() -> R { x? }");
    let bad = example(ExampleKind::Bad, "x.unwrap()", "fn f() { x.unwrap() }");
    assert_eq!(store.add_example(space, "b-rule", &good).unwrap(), 3);
    assert_eq!(store.add_example(space, "b-rule", &bad).unwrap(), 4);

    let (revision, practices) = store.practices(space).unwrap();
    assert_eq!(revision, 4);
    let ids: Vec<&str> = practices.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["a-rule", "b-rule"], "ordered by id");
    assert_eq!(practices[0].status, Status::Draft);
    assert_eq!(practices[0].document, doc_a);
    assert!(practices[0].examples.is_empty());
    assert_eq!(practices[1].status, Status::Active);
    assert_eq!(practices[1].document, doc_b);
    assert_eq!(practices[1].examples, vec![good.clone(), bad.clone()]);

    // Replacing a practice keeps its examples.
    let doc_b2 = json!({"id": "b-rule", "message": "no unwrap, ever"});
    assert_eq!(store.put_practice(space, "b-rule", Status::Draft, &doc_b2, true).unwrap(), 5);
    let (_, practices) = store.practices(space).unwrap();
    assert_eq!(practices[1].document, doc_b2);
    assert_eq!(practices[1].status, Status::Draft);
    assert_eq!(practices[1].examples, vec![good.clone(), bad]);

    // Practices belong to their space.
    assert_eq!(store.practices(other).unwrap(), (0, vec![]));
    assert!(matches!(store.delete_practice(other, "b-rule"), Err(StoreError::NotFound)));
    assert!(matches!(store.add_example(other, "b-rule", &good), Err(StoreError::NotFound)));
    assert!(matches!(store.add_example(space, "nope", &good), Err(StoreError::NotFound)));
    assert!(matches!(store.put_practice(9999, "x", Status::Active, &doc_a, true), Err(StoreError::NotFound)));

    assert_eq!(store.delete_practice(space, "b-rule").unwrap(), 6);
    assert!(matches!(store.delete_practice(space, "b-rule"), Err(StoreError::NotFound)));
    let (revision, practices) = store.practices(space).unwrap();
    assert_eq!(revision, 6, "failed writes do not bump the revision");
    assert_eq!(practices.len(), 1);

    // A practice put again under a deleted id starts without the old examples.
    store.put_practice(space, "b-rule", Status::Active, &doc_b, true).unwrap();
    let (_, practices) = store.practices(space).unwrap();
    assert!(practices[1].examples.is_empty());
}

#[test]
fn revision_is_monotonic_per_space_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (space, other) = {
        let store = open(dir.path());
        let (_, space) = user_and_space(&store, "alice@example.com", "team");
        let (_, other) = user_and_space(&store, "bob@example.com", "other");
        let doc = json!({"id": "r"});
        let mut seen = vec![];
        for i in 0..5 {
            seen.push(store.put_practice(space, &format!("r{i}"), Status::Active, &doc, true).unwrap());
        }
        seen.push(store.add_example(space, "r0", &example(ExampleKind::Good, "a", "b")).unwrap());
        seen.push(store.delete_practice(space, "r1").unwrap());
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(store.put_practice(other, "r0", Status::Active, &doc, true).unwrap(), 1);
        (space, other)
    };
    let store = open(dir.path());
    assert_eq!(store.practices(space).unwrap().0, 7);
    assert_eq!(store.practices(other).unwrap().0, 1);
    assert_eq!(store.put_practice(space, "r9", Status::Active, &json!({}), true).unwrap(), 8);
}

#[test]
fn concurrent_writers_get_distinct_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(dir.path()));
    let (_, space) = user_and_space(&store, "alice@example.com", "team");
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                (0..10)
                    .map(|i| store.put_practice(space, &format!("p{t}-{i}"), Status::Active, &json!({}), true).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut revisions: Vec<u64> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    revisions.sort_unstable();
    assert_eq!(revisions, (1..=40).collect::<Vec<u64>>());
    let (revision, practices) = store.practices(space).unwrap();
    assert_eq!((revision, practices.len()), (40, 40));
}

#[test]
fn stats_aggregate_additively_and_filter_by_day() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (_, space) = user_and_space(&store, "alice@example.com", "team");
    let (_, other) = user_and_space(&store, "bob@example.com", "other");

    store
        .add_stats(
            space,
            None,
            &[
                stat("2025-03-01", "no-unwrap", "rust", 1),
                stat("2025-03-01", "no-unwrap", "python", 10),
                stat("2025-03-02", "no-unwrap", "rust", 100),
            ],
        )
        .unwrap();
    store
        .add_stats(
            space,
            None,
            &[
                stat("2025-03-01", "no-unwrap", "rust", 2),
                stat("2025-03-01", "a-rule", "rust", 1000),
                stat("2025-03-03", "no-unwrap", "rust", 7),
            ],
        )
        .unwrap();
    store.add_stats(other, None, &[stat("2025-03-01", "no-unwrap", "rust", 50)]).unwrap();

    let rows = store.stats(space, "2025-03-01", "2025-03-02").unwrap();
    assert_eq!(
        rows,
        vec![
            stat("2025-03-01", "a-rule", "rust", 1000),
            stat("2025-03-01", "no-unwrap", "python", 10),
            stat("2025-03-01", "no-unwrap", "rust", 3),
            stat("2025-03-02", "no-unwrap", "rust", 100),
        ]
    );
    assert_eq!(
        store.stats(space, "2025-03-03", "2025-12-31").unwrap(),
        vec![stat("2025-03-03", "no-unwrap", "rust", 7)]
    );
    assert!(store.stats(space, "2025-04-01", "2025-04-30").unwrap().is_empty());
    assert_eq!(
        store.stats(other, "2025-01-01", "2025-12-31").unwrap(),
        vec![stat("2025-03-01", "no-unwrap", "rust", 50)]
    );

    // Counters saturate instead of overflowing.
    store.add_stats(space, None, &[stat("2025-03-04", "big", "rust", u64::MAX / 5)]).unwrap();
    store.add_stats(space, None, &[stat("2025-03-04", "big", "rust", u64::MAX / 5)]).unwrap();
    let big = store.stats(space, "2025-03-04", "2025-03-04").unwrap();
    assert_eq!(big[0].millis, i64::MAX as u64);

    // Stats outlive their practice.
    store.put_practice(space, "no-unwrap", Status::Active, &json!({}), true).unwrap();
    store.delete_practice(space, "no-unwrap").unwrap();
    assert_eq!(store.stats(space, "2025-03-02", "2025-03-02").unwrap().len(), 1);

    // A bad day rejects the whole batch.
    let bad = [stat("2025-03-05", "x", "rust", 1), stat("March 5", "x", "rust", 1)];
    assert!(matches!(store.add_stats(space, None, &bad), Err(StoreError::Invalid(_))));
    assert!(store.stats(space, "2025-03-05", "2025-03-05").unwrap().is_empty());
    assert!(matches!(store.stats(space, "2025-3-1", "2025-03-05"), Err(StoreError::Invalid(_))));
    assert!(matches!(store.add_stats(9999, None, &[]), Err(StoreError::NotFound)));
}

#[test]
fn a_stats_batch_is_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (_, space) = user_and_space(&store, "alice@example.com", "team");
    let (_, other) = user_and_space(&store, "bob@example.com", "other");
    let batch = token_hash("batch-1");
    let rows = [stat("2025-03-01", "no-unwrap", "rust", 1)];
    assert!(store.add_stats(space, Some(&batch), &rows).unwrap());
    assert!(!store.add_stats(space, Some(&batch), &rows).unwrap(), "a batch sent again adds nothing");
    assert!(store.add_stats(other, Some(&batch), &rows).unwrap(), "batches are per space");
    assert!(store.add_stats(space, Some(&token_hash("batch-2")), &rows).unwrap());
    assert_eq!(
        store.stats(space, "2025-03-01", "2025-03-01").unwrap(),
        vec![stat("2025-03-01", "no-unwrap", "rust", 2)]
    );
    // Batch ids are forgotten 30 days after their day, so the table stays small.
    let later = [stat("2025-05-01", "no-unwrap", "rust", 1)];
    assert!(store.add_stats(space, Some(&token_hash("batch-3")), &later).unwrap());
    assert!(store.add_stats(space, Some(&batch), &rows).unwrap(), "forgotten after 30 days");
}

/// Reads the database and its WAL as they are on disk.
fn raw_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    [DB_FILE.to_string(), format!("{DB_FILE}-wal")]
        .into_iter()
        .filter_map(|name| std::fs::read(dir.join(&name)).ok().map(|bytes| (name, bytes)))
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn no_user_content_in_the_clear_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let markers = [
        "marker-practice-id-5f1c",
        "marker-practice-text-8e2a",
        "marker-example-snippet-77b3",
        "marker-example-file-c90d",
        "marker-email-31aa@example.com",
        "marker-space-name-4d6e",
    ];
    // Stats languages are stored as they are: finding this one proves the search reads
    // what was just written, WAL included.
    let control = "control-language-e0f4";

    let store = open(dir.path());
    let user = store.create_user(markers[4], true, &token()).unwrap();
    let space = store.create_space(markers[5], user).unwrap();
    let document = json!({"id": markers[0], "message": markers[1]});
    store.put_practice(space, markers[0], Status::Active, &document, true).unwrap();
    store.add_example(space, markers[0], &example(ExampleKind::Bad, markers[2], markers[3])).unwrap();
    store.add_stats(space, None, &[stat("2025-03-01", markers[0], control, 1)]).unwrap();

    // Reads return everything intact.
    let (_, practices) = store.practices(space).unwrap();
    assert_eq!(practices[0].id, markers[0]);
    assert_eq!(practices[0].document, document);
    assert_eq!(practices[0].examples[0].code, markers[2]);
    assert_eq!(practices[0].examples[0].file, markers[3]);
    assert_eq!(store.spaces_of(user).unwrap()[0].0, markers[5]);
    assert_eq!(store.space_id(markers[5]).unwrap(), Some(space));
    assert!(matches!(store.create_user(markers[4], false, &token()), Err(StoreError::Conflict(_))));
    assert_eq!(store.stats(space, "2025-03-01", "2025-03-01").unwrap()[0].practice, markers[0]);

    let check = |when: &str| {
        let files = raw_files(dir.path());
        assert!(!files.is_empty(), "{when}: no database files found");
        assert!(
            files.iter().any(|(_, bytes)| contains(bytes, control)),
            "{when}: the control string is missing, so the search proves nothing"
        );
        for (name, bytes) in &files {
            for marker in markers {
                assert!(!contains(bytes, marker), "{when}: {marker:?} is in the clear in {name}");
            }
        }
    };
    check("while open");
    assert!(dir.path().join(format!("{DB_FILE}-wal")).exists(), "the store runs in WAL mode");
    drop(store);
    check("after close");
}

#[test]
fn wrong_key_fails_to_open() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let err = SqliteStore::open(dir.path(), key(2)).unwrap_err();
    assert!(matches!(err, StoreError::Crypto(_)), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("master key") && message.contains(DB_FILE), "{message}");
    // The right key still opens it: the failed attempt changed nothing.
    open(dir.path());
}

#[test]
fn sealed_values_do_not_open_in_another_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (alice, _) = user_and_space(&store, "alice@example.com", "first");
    store.create_space("second", alice).unwrap();
    drop(store);

    // Copy one space's sealed name over the other's, as an attacker with the file could.
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    conn.execute(
        "UPDATE spaces SET name_sealed = (SELECT name_sealed FROM spaces WHERE id = 1) \
         WHERE id = 2",
        [],
    )
    .unwrap();
    drop(conn);

    let store = open(dir.path());
    assert!(matches!(store.spaces_of(alice), Err(StoreError::Crypto(_))));
}

#[test]
fn rotate_key_reseals_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (user, space, gone) = {
        let store = open(dir.path());
        let (user, space) = user_and_space(&store, "alice@example.com", "team");
        store.put_practice(space, "p", Status::Active, &json!({"id": "p"}), true).unwrap();
        // Large enough to spill into overflow pages, which are freed when it is re-sealed.
        let big = json!({"id": "big", "text": "x".repeat(20_000)});
        store.put_practice(space, "big", Status::Active, &big, true).unwrap();
        store.add_example(space, "p", &example(ExampleKind::Good, "code", "file")).unwrap();
        store.add_stats(space, None, &[stat("2025-03-01", "p", "rust", 1)]).unwrap();
        // A practice deleted before the rotation must not linger in free pages either.
        store.put_practice(space, "gone", Status::Active, &big, true).unwrap();
        let gone: Vec<u8> = rusqlite::Connection::open(dir.path().join(DB_FILE))
            .unwrap()
            .query_row("SELECT document_sealed FROM practices ORDER BY id DESC", [], |r| r.get(0))
            .unwrap();
        store.delete_practice(space, "gone").unwrap();
        (user, space, gone)
    };
    let old_sealed: Vec<Vec<u8>> = {
        let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
        let mut query = conn
            .prepare(
                "SELECT document_sealed FROM practices UNION ALL SELECT practice_sealed FROM \
                 practices UNION ALL SELECT code_sealed FROM examples UNION ALL SELECT \
                 file_sealed FROM examples UNION ALL SELECT email_sealed FROM users \
                 UNION ALL SELECT name_sealed FROM spaces UNION ALL SELECT practice_sealed \
                 FROM stats",
            )
            .unwrap();
        let mut all: Vec<Vec<u8>> =
            query.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap();
        all.push(gone);
        all
    };
    assert_eq!(old_sealed.len(), 10);

    SqliteStore::rotate_key(dir.path(), key(1), key(2)).unwrap();

    assert!(matches!(SqliteStore::open(dir.path(), key(1)), Err(StoreError::Crypto(_))));
    let store = SqliteStore::open(dir.path(), key(2)).unwrap();
    // Keyed hashes were re-keyed: lookups and uniqueness still work.
    assert_eq!(store.space_id("team").unwrap(), Some(space));
    assert!(matches!(store.create_user("alice@example.com", false, &token()), Err(StoreError::Conflict(_))));
    assert_eq!(store.spaces_of(user).unwrap(), vec![("team".to_string(), Role::Admin)]);
    let (revision, practices) = store.practices(space).unwrap();
    assert_eq!(revision, 5);
    assert_eq!(practices[0].document["text"].as_str().map(str::len), Some(20_000));
    assert_eq!(practices[1].document, json!({"id": "p"}));
    assert_eq!(practices[1].examples[0].file, "file");
    assert_eq!(store.put_practice(space, "p", Status::Draft, &json!({}), true).unwrap(), 6);
    store.add_stats(space, None, &[stat("2025-03-01", "p", "rust", 1)]).unwrap();
    assert_eq!(
        store.stats(space, "2025-03-01", "2025-03-01").unwrap(),
        vec![stat("2025-03-01", "p", "rust", 2)],
        "new counters add into the rotated row"
    );
    drop(store);

    // No ciphertext under the old key survives anywhere in the files, not even in free
    // pages. The last 40 bytes of each (ciphertext and tag) are unique to it.
    for (name, bytes) in raw_files(dir.path()) {
        for old in &old_sealed {
            let tail = &old[old.len() - 40..];
            assert!(!bytes.windows(tail.len()).any(|w| w == tail), "old value in {name}");
        }
    }
}

#[test]
fn rotate_key_refuses_while_the_store_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let err = SqliteStore::rotate_key(dir.path(), key(1), key(2)).unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(m) if m.contains("in use")), "{err:?}");
    drop(store);
    SqliteStore::rotate_key(dir.path(), key(1), key(2)).unwrap();
    SqliteStore::open(dir.path(), key(2)).unwrap();
}

#[test]
fn rotate_key_with_wrong_old_key_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    assert!(matches!(SqliteStore::rotate_key(dir.path(), key(3), key(2)), Err(StoreError::Crypto(_))));
    open(dir.path());
}

#[test]
fn backup_makes_a_copy_that_opens_with_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (user, space) = user_and_space(&store, "alice@example.com", "team");
    store.put_practice(space, "p", Status::Active, &json!({"id": "p"}), true).unwrap();

    let backups = tempfile::tempdir().unwrap();
    let dest = backups.path().join(DB_FILE);
    store.backup(&dest).unwrap();
    assert!(matches!(store.backup(&dest), Err(StoreError::Invalid(_))), "no overwrite");
    // Writes after the backup are not in it.
    store.put_practice(space, "q", Status::Active, &json!({}), true).unwrap();
    assert!(!backups.path().join(format!("{DB_FILE}-wal")).exists(), "the backup is one self-contained file");

    assert!(matches!(SqliteStore::open(backups.path(), key(2)), Err(StoreError::Crypto(_))));
    let copy = open(backups.path());
    assert_eq!(copy.space_id("team").unwrap(), Some(space));
    assert_eq!(copy.spaces_of(user).unwrap(), vec![("team".to_string(), Role::Admin)]);
    let (revision, practices) = copy.practices(space).unwrap();
    assert_eq!((revision, practices.len()), (1, 1));
    assert_eq!(practices[0].document, json!({"id": "p"}));
}

#[cfg(unix)]
#[test]
fn database_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    user_and_space(&store, "alice@example.com", "team");
    for (name, _) in raw_files(dir.path()) {
        let mode = std::fs::metadata(dir.path().join(&name)).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{name} is readable by others: {mode:o}");
    }
}

#[test]
fn a_space_keeps_an_admin_and_a_draft_never_replaces_a_published_practice() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (alice, space) = user_and_space(&store, "alice@example.com", "team");
    let bob = store.create_user("bob@example.com", false, &token()).unwrap();
    store.set_member(space, bob, Role::Member).unwrap();
    // Alice is the only admin: she can be neither demoted nor removed.
    assert!(matches!(store.set_member(space, alice, Role::Member), Err(StoreError::Conflict(_))));
    assert!(matches!(store.remove_member(space, alice), Err(StoreError::Conflict(_))));
    assert_eq!(store.role(space, alice).unwrap(), Some(Role::Admin));
    // With a second admin, she can.
    store.set_member(space, bob, Role::Admin).unwrap();
    store.set_member(space, alice, Role::Member).unwrap();
    store.remove_member(space, alice).unwrap();
    assert!(matches!(store.set_member(space, bob, Role::Member), Err(StoreError::Conflict(_))));

    // A draft may replace a draft, never a published practice; the check is in the write.
    let doc = json!({"id": "p"});
    store.put_practice(space, "p", Status::Draft, &doc, false).unwrap();
    store.put_practice(space, "p", Status::Draft, &doc, false).unwrap();
    store.put_practice(space, "p", Status::Active, &doc, true).unwrap();
    let revision = store.revision(space).unwrap();
    assert!(matches!(store.put_practice(space, "p", Status::Draft, &doc, false), Err(StoreError::Forbidden(_))));
    assert_eq!(store.revision(space).unwrap(), revision, "a refused write changes nothing");
    assert_eq!(store.practices(space).unwrap().1[0].status, Status::Active);
}

#[test]
fn a_space_holds_bounded_examples_and_statistics() {
    use praxis_server::store::{MAX_EXAMPLES_PER_PRACTICE, MAX_STATS_KEYS_PER_DAY};
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (_, space) = user_and_space(&store, "alice@example.com", "team");
    store.put_practice(space, "p", Status::Active, &json!({}), true).unwrap();
    store.put_practice(space, "q", Status::Active, &json!({}), true).unwrap();
    for _ in 0..MAX_EXAMPLES_PER_PRACTICE {
        store.add_example(space, "p", &example(ExampleKind::Bad, "x", "x")).unwrap();
    }
    let err = store.add_example(space, "p", &example(ExampleKind::Bad, "x", "x")).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref message) if message.contains("at most 20")), "{err}");
    // 20 MiB of attached files per space, counted across its practices (the API takes files of
    // 1 MiB at most; the store counts whatever it is given).
    let file = "f".repeat(8 * 1024 * 1024);
    store.add_example(space, "q", &example(ExampleKind::Good, "y", &file)).unwrap();
    store.add_example(space, "q", &example(ExampleKind::Good, "y", &file)).unwrap();
    store.put_practice(space, "r", Status::Active, &json!({}), true).unwrap();
    let err = store.add_example(space, "r", &example(ExampleKind::Good, "y", &file)).unwrap_err();
    assert!(matches!(err, StoreError::TooLarge(ref message) if message.contains("20 MiB")), "{err}");

    // Counters: a day holds a bounded number of practice/language keys; a batch that would pass
    // it adds nothing.
    let rows: Vec<StatRow> =
        (0..MAX_STATS_KEYS_PER_DAY).map(|i| stat("2025-03-01", &format!("p{i}"), "rust", 1)).collect();
    store.add_stats(space, None, &rows).unwrap();
    store.add_stats(space, None, &[stat("2025-03-01", "p0", "rust", 1)]).unwrap();
    let over = [stat("2025-03-01", "p0", "rust", 1), stat("2025-03-01", "new-one", "rust", 1)];
    assert!(matches!(store.add_stats(space, None, &over), Err(StoreError::Invalid(_))));
    let (page, more) = store.stats_page(space, "2025-03-01", "2025-03-01", 0, 10).unwrap();
    assert_eq!((page.len(), more), (10, true));
    let (last, more) = store.stats_page(space, "2025-03-01", "2025-03-01", MAX_STATS_KEYS_PER_DAY - 5, 10).unwrap();
    assert_eq!((last.len(), more), (5, false));
    let p0 =
        store.stats(space, "2025-03-01", "2025-03-01").unwrap().into_iter().find(|row| row.practice == "p0").unwrap();
    assert_eq!(p0.findings, 2, "the refused batch added nothing");
}
