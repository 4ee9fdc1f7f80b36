//! Pulling against a canned HTTP server: a set that fails validation here is kept out, the last
//! good set stays in force, and an unchanged set costs a 304.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use praxis_sync::cache::Cache;
use praxis_sync::client::Client;
use praxis_sync::remote::{self, Binding, SyncState};
use praxis_sync::token::Token;
use serde_json::json;

/// Serves each of `answers` (status, ETag, body) in turn, one per connection, and records the
/// request heads it was sent.
fn canned(answers: Vec<(u16, &'static str, String)>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    std::thread::spawn(move || {
        for ((status, etag, body), stream) in answers.into_iter().zip(listener.incoming()) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            seen.lock().unwrap().push(head);
            let reason = if status == 200 { "OK" } else { "Not Modified" };
            let answer = format!(
                "HTTP/1.1 {status} {reason}\r\nETag: {etag}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
            let _ = reader.read(&mut [0u8; 1]);
        }
    });
    (url, heads)
}

fn practice(id: &str, bad: &str) -> serde_json::Value {
    json!({"id": id, "name": "No print", "languages": ["python"], "rule": {"pattern": "print($$$A)"},
           "examples": {"bad": [{"code": bad}]}, "status": "active", "attachedExamples": []})
}

#[tokio::test]
async fn a_set_that_fails_here_is_kept_out_and_the_last_good_one_stays() {
    let good = json!({"revision": 1, "practices": [practice("no-print", "print(1)")]}).to_string();
    // Revision 2's bad example is not flagged by its rule: this engine refuses the set.
    let failing = json!({"revision": 2, "practices": [practice("no-print", "log(1)")]}).to_string();
    let (url, heads) = canned(vec![(200, "\"r1\"", good), (304, "\"r1\"", String::new()), (200, "\"r2\"", failing)]);
    let binding = Binding::new(&url, "backend", None).unwrap();
    let client = Client::new(&binding.server, &Token::new("prx_test").unwrap(), None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = Cache::open(dir.path()).unwrap();

    let first = remote::pull(&binding, Ok(&client), &cache).await;
    assert_eq!((first.state, first.changed), (SyncState::Ok, true));
    let unchanged = remote::pull(&binding, Ok(&client), &cache).await;
    assert_eq!((unchanged.state, unchanged.changed), (SyncState::Ok, false));
    assert!(heads.lock().unwrap()[1].to_lowercase().contains("if-none-match: \"r1\""), "a conditional pull");

    let rejected = remote::pull(&binding, Ok(&client), &cache).await;
    assert_eq!(rejected.state, SyncState::Error);
    let message = rejected.error.unwrap().to_string();
    assert!(message.contains("revision 2") && message.contains("fails validation"), "{message}");
    assert_eq!(rejected.set.unwrap().revision, 1, "the last good set stays in force");
    assert_eq!(cache.practice_set(&binding).unwrap().unwrap().revision, 1);
    assert!(cache.contact(&binding).unwrap().error.unwrap().contains("fails validation"));
}
