//! The sync server end to end: the real binary on 127.0.0.1:0, spoken to over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

// The small HTTP client the workspace's end-to-end tests share.
#[path = "../../tests/tests/support/http.rs"]
mod http;
#[path = "../../tests/tests/support/readme.rs"]
mod readme;
use http::{Response, request};

const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // base64 of 32 bytes
const OTHER_KEY: &str = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_praxis-server"))
}

/// Runs an admin command on `data` and returns its stdout.
fn admin(data: &Path, args: &[&str]) -> String {
    let output =
        Command::new(binary()).args(args).arg("--data").arg(data).env("PRAXIS_SERVER_KEY", KEY).output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Creates a user from the command line and returns their token.
fn create_user(data: &Path, email: &str, owner: bool) -> String {
    let mut args = vec!["admin", "create-user", "--email", email];
    if owner {
        args.push("--owner");
    }
    let out = admin(data, &args);
    out.rsplit(": ").next().unwrap().trim().to_owned()
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

/// Starts `serve` on a free port and reads the URL it prints once it listens.
fn spawn_server(data: &Path, key: &str, extra: &[&std::ffi::OsStr]) -> (Child, String) {
    spawn_server_logging(data, key, extra, Stdio::null())
}

/// Starts `serve` with its logs (`PRAXIS_LOG=debug`) going to `stderr`.
fn spawn_server_logging(data: &Path, key: &str, extra: &[&std::ffi::OsStr], stderr: Stdio) -> (Child, String) {
    spawn_server_with(Command::new(binary()), data, key, extra, stderr)
}

/// Starts `serve` through `command` (the server binary, or a wrapper that runs it).
fn spawn_server_with(
    mut command: Command,
    data: &Path,
    key: &str,
    extra: &[&std::ffi::OsStr],
    stderr: Stdio,
) -> (Child, String) {
    let mut child = command
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .env("PRAXIS_SERVER_KEY", key)
        // The tests' fake LLM provider listens on loopback.
        .env("PRAXIS_SERVER_ALLOW_LOCAL_LLM", "1")
        .env("PRAXIS_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("no address in {line:?}")).to_owned();
    (child, url)
}

impl Server {
    fn start(data: &Path, key: &str) -> Server {
        let (child, url) = spawn_server(data, key, &[]);
        let addr = url.strip_prefix("http://").unwrap_or_else(|| panic!("not plain HTTP: {url}"));
        Server { child, addr: addr.parse().unwrap() }
    }

    fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Response {
        let body = body.map(|body| body.to_string());
        request(self.addr, method, path, token, body.as_deref().map(str::as_bytes), &[])
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn practice(id: &str, pattern: &str) -> Value {
    json!({
        "id": id,
        "name": "No print",
        "languages": ["python"],
        "rule": {"pattern": pattern},
        "examples": {"bad": [{"code": "print(1)"}], "good": [{"code": "log(1)"}]},
    })
}

/// A data folder with an owner, and the server on it.
fn setup() -> (tempfile::TempDir, Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let owner = create_user(dir.path(), "owner@example.com", true);
    let server = Server::start(dir.path(), KEY);
    (dir, server, owner)
}

#[test]
fn health_and_openapi_need_no_token() {
    let (_dir, server, _) = setup();
    let health = server.call("GET", "/healthz", None, None);
    assert_eq!(health.status, 200);
    assert_eq!(health.headers.get("x-request-id").map(String::len), Some(32), "every response carries its request id");
    let openapi = server.call("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(openapi.status, 200);
    assert_eq!(openapi.json()["openapi"], "3.1.0");
    assert!(openapi.json()["paths"]["/spaces/{space}/practices"].is_object());
    let unauthorized = server.call("GET", "/api/v1/spaces", None, None);
    assert_eq!(unauthorized.status, 401);
    assert!(unauthorized.json()["error"].is_string());
    assert_eq!(server.call("GET", "/api/v1/spaces", Some("prx_nope"), None).status, 401);
    assert_eq!(server.call("GET", "/nowhere", None, None).status, 404);
}

#[test]
fn roles_spaces_members_and_tokens() {
    let (_dir, server, owner) = setup();
    let created = server.call("POST", "/api/v1/users", Some(&owner), Some(&json!({"email": "ana@example.com"})));
    assert_eq!(created.status, 201, "{}", created.body);
    let (ana_id, ana) = (created.json()["id"].as_i64().unwrap(), created.json()["token"].as_str().unwrap().to_owned());
    assert!(ana.starts_with("prx_"));
    let bob = server.call("POST", "/api/v1/users", Some(&owner), Some(&json!({"email": "bob@example.com"})));
    let bob = bob.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(
        server.call("POST", "/api/v1/users", Some(&owner), Some(&json!({"email": "ana@example.com"}))).status,
        409
    );
    assert_eq!(server.call("POST", "/api/v1/users", Some(&ana), Some(&json!({"email": "x@example.com"}))).status, 403);

    assert_eq!(server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "backend"}))).status, 201);
    assert_eq!(server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "backend"}))).status, 409);
    assert_eq!(server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "Bad Name"}))).status, 422);
    assert_eq!(server.call("POST", "/api/v1/spaces", Some(&ana), Some(&json!({"name": "mine"}))).status, 403);

    // Not a member yet: the space does not exist for Ana.
    assert_eq!(server.call("GET", "/api/v1/spaces/backend/practices", Some(&ana), None).status, 404);
    let put = server.call(
        "PUT",
        &format!("/api/v1/spaces/backend/members/{ana_id}"),
        Some(&owner),
        Some(&json!({"role": "member"})),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let spaces = server.call("GET", "/api/v1/spaces", Some(&ana), None).json();
    assert_eq!(spaces["spaces"], json!([{"name": "backend", "role": "member"}]));
    assert_eq!(server.call("GET", "/api/v1/spaces/backend/practices", Some(&ana), None).status, 200);
    // A member may not manage members; a stranger sees nothing.
    assert_eq!(
        server.call("PUT", "/api/v1/spaces/backend/members/1", Some(&ana), Some(&json!({"role": "admin"}))).status,
        403
    );
    assert_eq!(
        server.call("PUT", "/api/v1/spaces/backend/members/1", Some(&bob), Some(&json!({"role": "admin"}))).status,
        404
    );
    assert_eq!(
        server.call("PUT", "/api/v1/spaces/backend/members/999", Some(&owner), Some(&json!({"role": "member"}))).status,
        404
    );
    assert_eq!(
        server.call("PUT", "/api/v1/spaces/backend/members/x", Some(&owner), Some(&json!({"role": "member"}))).status,
        400
    );

    // New token, then log out with it.
    let fresh = server.call("POST", "/api/v1/tokens", Some(&ana), None).json()["token"].as_str().unwrap().to_owned();
    assert_eq!(server.call("DELETE", "/api/v1/tokens/current", Some(&fresh), None).status, 204);
    assert_eq!(server.call("GET", "/api/v1/spaces", Some(&fresh), None).status, 401);
    assert_eq!(server.call("GET", "/api/v1/spaces", Some(&ana), None).status, 200);

    assert_eq!(
        server.call("DELETE", &format!("/api/v1/spaces/backend/members/{ana_id}"), Some(&owner), None).status,
        204
    );
    assert_eq!(server.call("GET", "/api/v1/spaces/backend/practices", Some(&ana), None).status, 404);
}

#[test]
fn practices_revisions_etags_and_validation() {
    let (_dir, server, owner) = setup();
    server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "web"})));
    let first = server.call(
        "PUT",
        "/api/v1/spaces/web/practices/no-print",
        Some(&owner),
        Some(&practice("no-print", "print($$$A)")),
    );
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["status"], "active");
    let list = server.call("GET", "/api/v1/spaces/web/practices", Some(&owner), None);
    assert_eq!(list.status, 200);
    let revision = list.json()["revision"].as_u64().unwrap();
    assert_eq!(list.json()["practices"][0]["id"], "no-print");
    let etag = list.headers["etag"].clone();
    let again =
        request(server.addr, "GET", "/api/v1/spaces/web/practices", Some(&owner), None, &[("If-None-Match", &etag)]);
    assert_eq!((again.status, again.body.as_str()), (304, ""));

    // A rule that does not compile, a failing example, a mismatched id: 422 with the reason.
    let broken =
        server.call("PUT", "/api/v1/spaces/web/practices/bad", Some(&owner), Some(&practice("bad", "print($A")));
    assert_eq!(broken.status, 422);
    assert!(broken.json()["error"].as_str().unwrap().contains("does not parse"), "{}", broken.body);
    let mut failing = practice("failing", "log($A)");
    failing["examples"]["good"] = json!([{"code": "log(1)"}]);
    let failing = server.call("PUT", "/api/v1/spaces/web/practices/failing", Some(&owner), Some(&failing));
    assert_eq!(failing.status, 422, "{}", failing.body);
    assert!(failing.json()["error"].as_str().unwrap().contains("example"), "{}", failing.body);
    assert_eq!(
        server
            .call("PUT", "/api/v1/spaces/web/practices/other", Some(&owner), Some(&practice("no-print", "print($A)")))
            .status,
        422
    );

    let deleted = server.call("DELETE", "/api/v1/spaces/web/practices/no-print", Some(&owner), None);
    assert_eq!(deleted.status, 200);
    assert!(deleted.json()["revision"].as_u64().unwrap() > revision);
    assert_eq!(server.call("DELETE", "/api/v1/spaces/web/practices/no-print", Some(&owner), None).status, 404);
    let changed =
        request(server.addr, "GET", "/api/v1/spaces/web/practices", Some(&owner), None, &[("If-None-Match", &etag)]);
    assert_eq!(changed.status, 200);
}

#[test]
fn members_propose_drafts_and_attach_examples() {
    let (_dir, server, owner) = setup();
    server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "app"})));
    let member = server.call("POST", "/api/v1/users", Some(&owner), Some(&json!({"email": "m@example.com"}))).json();
    let (id, token) = (member["id"].as_i64().unwrap(), member["token"].as_str().unwrap().to_owned());
    server.call("PUT", &format!("/api/v1/spaces/app/members/{id}"), Some(&owner), Some(&json!({"role": "member"})));

    let mut active = practice("no-print", "print($$$A)");
    active["status"] = json!("active");
    assert_eq!(server.call("PUT", "/api/v1/spaces/app/practices/no-print", Some(&token), Some(&active)).status, 403);
    let draft = server.call(
        "PUT",
        "/api/v1/spaces/app/practices/no-print",
        Some(&token),
        Some(&practice("no-print", "print($$$A)")),
    );
    assert_eq!((draft.status, draft.json()["status"].clone()), (200, json!("draft")));
    assert_eq!(server.call("DELETE", "/api/v1/spaces/app/practices/no-print", Some(&token), None).status, 403);

    let example =
        json!({"kind": "bad", "language": "python", "code": "print(secret)", "file": "def f():\n    print(secret)\n"});
    let added = server.call("POST", "/api/v1/spaces/app/practices/no-print/examples", Some(&token), Some(&example));
    assert_eq!(added.status, 201, "{}", added.body);
    let listed = server.call("GET", "/api/v1/spaces/app/practices", Some(&token), None).json();
    assert_eq!(listed["practices"][0]["attachedExamples"][0]["code"], "print(secret)");
    assert_eq!(listed["practices"][0]["status"], "draft");
    let unknown = json!({"kind": "bad", "language": "cobol", "code": "x", "file": "x"});
    assert_eq!(
        server.call("POST", "/api/v1/spaces/app/practices/no-print/examples", Some(&token), Some(&unknown)).status,
        422
    );
    assert_eq!(
        server.call("POST", "/api/v1/spaces/app/practices/missing/examples", Some(&token), Some(&example)).status,
        404
    );
}

#[test]
fn events_announce_new_revisions() {
    let (_dir, server, owner) = setup();
    server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "ev"})));
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET /api/v1/spaces/ev/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {owner}\r\nAccept: text/event-stream\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut revisions = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut put_done = false;
    while revisions.len() < 2 && Instant::now() < deadline {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(data) = line.trim().strip_prefix("data:") {
            revisions.push(data.trim().parse::<u64>().unwrap());
            if !put_done {
                put_done = true;
                let put = server.call(
                    "PUT",
                    "/api/v1/spaces/ev/practices/no-print",
                    Some(&owner),
                    Some(&practice("no-print", "print($$$A)")),
                );
                assert_eq!(put.status, 200);
            }
        }
    }
    assert_eq!(revisions.len(), 2, "{revisions:?}");
    assert!(revisions[1] > revisions[0]);
}

#[test]
fn statistics_are_aggregated_per_day() {
    let (_dir, server, owner) = setup();
    server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "st"})));
    let batch = json!({"day": "2026-11-28", "counters": [{"practice": "no-print", "language": "python", "findings": 3, "files": 10, "millis": 40}]});
    assert_eq!(server.call("POST", "/api/v1/spaces/st/stats", Some(&owner), Some(&batch)).status, 202);
    assert_eq!(server.call("POST", "/api/v1/spaces/st/stats", Some(&owner), Some(&batch)).status, 202);
    let other_day =
        json!({"day": "2026-11-20", "counters": [{"practice": "no-print", "language": "python", "findings": 1}]});
    server.call("POST", "/api/v1/spaces/st/stats", Some(&owner), Some(&other_day));
    let stats = server.call("GET", "/api/v1/spaces/st/stats?from=2026-11-25&to=2026-11-30", Some(&owner), None);
    assert_eq!(stats.status, 200, "{}", stats.body);
    let rows = stats.json()["stats"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0]["findings"].as_u64(), rows[0]["files"].as_u64()), (Some(6), Some(20)));
    // A batch with an id is counted once, however often it is sent.
    let once = json!({"batch": "0123456789abcdef0123456789abcdef", "day": "2026-11-29",
                      "counters": [{"practice": "no-print", "language": "python", "findings": 5}]});
    let first = server.call("POST", "/api/v1/spaces/st/stats", Some(&owner), Some(&once));
    assert_eq!((first.status, first.json()["accepted"].as_u64()), (202, Some(1)), "{}", first.body);
    let again = server.call("POST", "/api/v1/spaces/st/stats", Some(&owner), Some(&once));
    assert_eq!((again.status, again.json()["duplicate"].as_bool()), (202, Some(true)), "{}", again.body);
    let stats = server.call("GET", "/api/v1/spaces/st/stats?from=2026-11-29&to=2026-11-29", Some(&owner), None);
    assert_eq!(stats.json()["stats"][0]["findings"], 5, "{}", stats.body);
    let bad_batch = json!({"batch": "x y", "day": "2026-11-29", "counters": []});
    assert_eq!(server.call("POST", "/api/v1/spaces/st/stats", Some(&owner), Some(&bad_batch)).status, 422);
    // Unknown fields, bad days, unknown languages: rejected.
    let unknown = json!({"day": "2026-11-28", "counters": [], "user": "ana"});
    assert_eq!(server.call("POST", "/api/v1/spaces/st/stats", Some(&owner), Some(&unknown)).status, 422);
    let bad_day = json!({"day": "yesterday", "counters": []});
    assert_eq!(server.call("POST", "/api/v1/spaces/st/stats", Some(&owner), Some(&bad_day)).status, 422);
    let bad_language = json!({"day": "2026-11-28", "counters": [{"practice": "p", "language": "cobol"}]});
    assert_eq!(server.call("POST", "/api/v1/spaces/st/stats", Some(&owner), Some(&bad_language)).status, 422);
    assert_eq!(server.call("GET", "/api/v1/spaces/st/stats?from=x&to=y", Some(&owner), None).status, 400);
}

#[test]
fn bad_input_gets_json_errors() {
    let (_dir, server, owner) = setup();
    let malformed = request(server.addr, "POST", "/api/v1/spaces", Some(&owner), Some(b"{not json"), &[]);
    assert_eq!(malformed.status, 400);
    assert!(malformed.json()["error"].is_string());
    let wrong_shape = server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"nom": "x"})));
    assert_eq!(wrong_shape.status, 422);
    // A body that is not declared as JSON.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    write!(stream, "POST /api/v1/spaces HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {owner}\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{{}}").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 415"), "{answer}");
    let huge = vec![b' '; 3 * 1024 * 1024];
    let too_large = request(server.addr, "POST", "/api/v1/spaces", Some(&owner), Some(&huge), &[]);
    assert_eq!(too_large.status, 413);
}

#[test]
fn content_is_sealed_at_rest() {
    let (dir, server, owner) = setup();
    let markers = [
        "MARKER-EMAIL-7f3a@example.com",
        "MARKERSPACE7f3a",
        "MARKER_SNIPPET_7f3a",
        "MARKER_FILE_7f3a",
        "MARKER-NAME-7f3a",
    ];
    server.call("POST", "/api/v1/users", Some(&owner), Some(&json!({"email": markers[0]})));
    let space = markers[1].to_ascii_lowercase();
    assert_eq!(server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": space}))).status, 201);
    let mut doc = practice("no-print", "print($$$A)");
    doc["name"] = json!(markers[4]);
    assert_eq!(
        server.call("PUT", &format!("/api/v1/spaces/{space}/practices/no-print"), Some(&owner), Some(&doc)).status,
        200
    );
    let example =
        json!({"kind": "bad", "language": "python", "code": format!("print({})", markers[2]), "file": markers[3]});
    assert_eq!(
        server
            .call("POST", &format!("/api/v1/spaces/{space}/practices/no-print/examples"), Some(&owner), Some(&example))
            .status,
        201
    );

    let listed = server.call("GET", &format!("/api/v1/spaces/{space}/practices"), Some(&owner), None).body;
    for marker in &markers[2..] {
        assert!(listed.contains(marker), "{marker} comes back through the API");
    }
    let mut raw = Vec::new();
    for name in ["praxis.db", "praxis.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(name)) {
            raw.extend(bytes);
        }
    }
    assert!(!raw.is_empty());
    for marker in markers.iter().chain(std::iter::once(&space.as_str())) {
        let found = raw.windows(marker.len()).any(|window| window.eq_ignore_ascii_case(marker.as_bytes()));
        assert!(!found, "{marker} is in the clear in the database files");
    }
}

#[test]
fn a_wrong_key_fails_start_up_clearly() {
    let dir = tempfile::tempdir().unwrap();
    create_user(dir.path(), "owner@example.com", true);
    let output = Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("PRAXIS_SERVER_KEY", OTHER_KEY)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr).to_lowercase();
    assert!(stderr.contains("key"), "{stderr}");
}

#[test]
fn acknowledged_writes_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let owner = create_user(dir.path(), "owner@example.com", true);
    let mut server = Server::start(dir.path(), KEY);
    server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "crash"})));
    let (progress, acks) = std::sync::mpsc::channel();
    let writer = std::thread::spawn({
        let addr = server.addr;
        let owner = owner.clone();
        move || {
            let mut acknowledged = Vec::new();
            for i in 0..400 {
                let id = format!("p-{i}");
                let body = practice(&id, "print($$$A)").to_string();
                let response = request(
                    addr,
                    "PUT",
                    &format!("/api/v1/spaces/crash/practices/{id}"),
                    Some(&owner),
                    Some(body.as_bytes()),
                    &[],
                );
                if response.status != 200 {
                    break;
                }
                acknowledged.push(id);
                let _ = progress.send(acknowledged.len());
            }
            acknowledged
        }
    });
    // Kill it mid-stream: once 30 writes are acknowledged, with more in flight.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acks.recv_timeout(Duration::from_secs(30)).is_ok_and(|count| count < 30) && Instant::now() < deadline {}
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let acknowledged = writer.join().unwrap();
    assert!(!acknowledged.is_empty());
    drop(server);
    let restarted = Server::start(dir.path(), KEY);
    let listed = restarted.call("GET", "/api/v1/spaces/crash/practices", Some(&owner), None).json();
    let stored: Vec<&str> = listed["practices"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    for id in &acknowledged {
        assert!(
            stored.contains(&id.as_str()),
            "acknowledged {id} was lost ({} acknowledged, {} stored)",
            acknowledged.len(),
            stored.len()
        );
    }
}

/// The `sh` examples of sync-server/README.md, run in order against a real server.
#[test]
fn readme_examples_run() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let (blocks_script, blocks) = readme::sh_blocks(&readme);
    let mut script = format!("set -euo pipefail\n{blocks_script}");
    assert!(blocks >= 5, "the README has its examples");
    script.push_str("echo \"STATS $(curl -sf \"$PRAXIS/api/v1/spaces/backend/stats?from=2026-11-01&to=2026-11-30\" -H \"Authorization: Bearer $OWNER\")\"\n");

    let dir = tempfile::tempdir().unwrap();
    // Any user makes the database; the README creates its own owner.
    create_user(dir.path(), "bootstrap@example.com", false);
    let server = Server::start(dir.path(), KEY);
    let bin_dir = binary().parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("PATH", path)
        .env("PRAXIS", format!("http://{}", server.addr))
        .env("PRAXIS_DATA", dir.path())
        .env("PRAXIS_SERVER_KEY", KEY)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "README examples failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("\"findings\":3"), "{stdout}");
}

/// A self-signed certificate for 127.0.0.1 and its key, made with openssl in `dir`.
fn test_certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl makes a test certificate");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    (cert, key)
}

#[test]
fn tls_serves_https() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = test_certificate(dir.path());
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let tls = ["--tls-cert".as_ref(), cert.as_os_str(), "--tls-key".as_ref(), key.as_os_str()];
    let (mut child, url) = spawn_server(&data, KEY, &tls);
    assert!(url.starts_with("https://"), "{url}");
    let curl =
        Command::new("curl").args(["-sf", "--cacert"]).arg(&cert).arg(format!("{url}/healthz")).output().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(curl.status.success(), "{}", String::from_utf8_lossy(&curl.stderr));
    assert!(String::from_utf8_lossy(&curl.stdout).contains("ok"));
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let owner = create_user(dir.path(), "owner@example.com", true);
    let mut server = Server::start(dir.path(), KEY);
    assert_eq!(server.call("GET", "/api/v1/spaces", Some(&owner), None).status, 200);
    // An open event stream, which never ends on its own, must not hold the server up.
    server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "ev"})));
    let mut stream = open_events(server.addr, &owner);
    assert!(read_head(&mut stream).starts_with("HTTP/1.1 200"));
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn rotate_key_and_backup_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let owner = create_user(dir.path(), "owner@example.com", true);
    {
        let server = Server::start(dir.path(), KEY);
        server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "kept"})));
    }
    let copy = dir.path().join("copy.db");
    let out = admin(dir.path(), &["backup", copy.to_str().unwrap()]);
    assert!(out.contains("backed up"), "{out}");
    assert!(copy.is_file());

    let new_key = dir.path().join("new.key");
    std::fs::write(&new_key, OTHER_KEY).unwrap();
    admin(dir.path(), &["rotate-key", "--new-key-file", new_key.to_str().unwrap()]);
    let server = Server::start(dir.path(), OTHER_KEY);
    let spaces = server.call("GET", "/api/v1/spaces", Some(&owner), None).json();
    assert_eq!(spaces["spaces"][0]["name"], "kept");
    drop(server);
    let old = Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("PRAXIS_SERVER_KEY", KEY)
        .output()
        .unwrap();
    assert!(!old.status.success(), "the old key no longer opens the database");
}

/// Every endpoint the OpenAPI document lists exists: without a token it answers 401, not 404
/// or 405.
#[test]
fn the_openapi_document_matches_the_routes() {
    let (_dir, server, _) = setup();
    let spec = server.call("GET", "/api/v1/openapi.json", None, None).json();
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 10);
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let concrete = path.replace("{space}", "s").replace("{user}", "1").replace("{id}", "p");
            let response = server.call(&method.to_ascii_uppercase(), &format!("/api/v1{concrete}"), None, None);
            assert_eq!(response.status, 401, "{method} {path} is documented but answers {}", response.status);
        }
    }
}

#[test]
fn a_space_never_loses_its_last_admin_and_an_owner_can_always_recover_it() {
    let (_dir, server, owner) = setup();
    server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "team"})));
    let ana = server.call("POST", "/api/v1/users", Some(&owner), Some(&json!({"email": "ana@example.com"}))).json();
    let (ana_id, ana_token) = (ana["id"].as_i64().unwrap(), ana["token"].as_str().unwrap().to_owned());
    let admin = json!({"role": "admin"});
    let member = json!({"role": "member"});
    let ana_path = format!("/api/v1/spaces/team/members/{ana_id}");
    assert_eq!(server.call("PUT", &ana_path, Some(&owner), Some(&admin)).status, 200);
    // The owner leaves; Ana is the last admin and can neither demote nor remove herself.
    assert_eq!(server.call("DELETE", "/api/v1/spaces/team/members/1", Some(&owner), None).status, 204);
    let demoted = server.call("PUT", &ana_path, Some(&ana_token), Some(&member));
    assert_eq!(demoted.status, 409, "{}", demoted.body);
    assert!(demoted.json()["error"].as_str().unwrap().contains("at least one admin"));
    assert_eq!(server.call("DELETE", &ana_path, Some(&ana_token), None).status, 409);
    // The owner, no longer a member, still manages the space.
    assert_eq!(server.call("PUT", "/api/v1/spaces/team/members/1", Some(&owner), Some(&admin)).status, 200);
    assert_eq!(server.call("PUT", &ana_path, Some(&owner), Some(&member)).status, 200);
}

#[test]
fn logs_name_routes_not_paths_and_escape_client_request_ids() {
    let dir = tempfile::tempdir().unwrap();
    let owner = create_user(dir.path(), "owner@example.com", true);
    let log = tempfile::NamedTempFile::new().unwrap();
    let (mut child, url) = spawn_server_logging(dir.path(), KEY, &[], Stdio::from(log.reopen().unwrap()));
    let addr: SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
    let space = json!({"name": "secret-space-marker"});
    let body = space.to_string();
    assert_eq!(request(addr, "POST", "/api/v1/spaces", Some(&owner), Some(body.as_bytes()), &[]).status, 201);
    let practice = practice("secret-practice-marker", "print($$$A)").to_string();
    let path = "/api/v1/spaces/secret-space-marker/practices/secret-practice-marker";
    let forged = [("x-request-id", "abc\" route=forged")];
    assert_eq!(request(addr, "PUT", path, Some(&owner), Some(practice.as_bytes()), &forged).status, 200);
    let _ = child.kill();
    let _ = child.wait();
    let logs = std::fs::read_to_string(log.path()).unwrap();
    assert!(logs.contains("/api/v1/spaces/{space}/practices/{id}"), "the route template is logged:\n{logs}");
    assert!(!logs.contains("secret-space-marker") && !logs.contains("secret-practice-marker"), "{logs}");
    assert!(logs.contains(r#"id="abc\" route=forged""#), "the client's id is quoted and escaped:\n{logs}");
}

#[test]
fn every_error_is_json_even_from_routing_and_extraction() {
    let (_dir, server, owner) = setup();
    server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "team"})));
    let cases = [
        ("PATCH", "/api/v1/spaces", 405),
        ("DELETE", "/api/v1/spaces/team/practices", 405),
        ("GET", "/api/v1/spaces/team/stats?from=2026-11-01", 400),
        ("GET", "/api/v1/spaces/team/stats?from=2026-02-01&to=2026-02-31", 400),
        ("GET", "/api/v1/spaces/%FF%FE/practices", 400),
        ("GET", "/nowhere", 404),
    ];
    for (method, path, status) in cases {
        let response = server.call(method, path, Some(&owner), None);
        assert_eq!(response.status, status, "{method} {path}: {}", response.body);
        assert!(response.json()["error"].is_string(), "{method} {path}: {}", response.body);
    }
    let bad_day = json!({"day": "2026-02-31", "counters": []});
    assert_eq!(server.call("POST", "/api/v1/spaces/team/stats", Some(&owner), Some(&bad_day)).status, 422);
    for email in ["no-at-sign", "ana@localhost", "ana@@example.com", "a b@example.com"] {
        let created = server.call("POST", "/api/v1/users", Some(&owner), Some(&json!({"email": email})));
        assert_eq!(created.status, 422, "{email}: {}", created.body);
    }
}

#[test]
fn examples_are_bounded_and_statistics_come_in_pages() {
    let (_dir, server, owner) = setup();
    server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "team"})));
    let put = server.call(
        "PUT",
        "/api/v1/spaces/team/practices/no-print",
        Some(&owner),
        Some(&practice("no-print", "print($$$A)")),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let examples = "/api/v1/spaces/team/practices/no-print/examples";
    let big_file =
        json!({"kind": "bad", "language": "python", "code": "print(1)", "file": "x".repeat(1024 * 1024 + 1)});
    let refused = server.call("POST", examples, Some(&owner), Some(&big_file));
    assert_eq!(refused.status, 413, "{}", refused.body);
    assert!(refused.json()["error"].as_str().unwrap().contains("at most"), "{}", refused.body);
    let small = json!({"kind": "bad", "language": "python", "code": "print(1)", "file": "print(1)\n"});
    for _ in 0..20 {
        assert_eq!(server.call("POST", examples, Some(&owner), Some(&small)).status, 201);
    }
    let over = server.call("POST", examples, Some(&owner), Some(&small));
    assert_eq!(over.status, 422, "{}", over.body);

    let counters: Vec<Value> =
        (0..25).map(|i| json!({"practice": format!("p{i:02}"), "language": "python", "findings": 1})).collect();
    let batch = json!({"day": "2026-11-29", "counters": counters});
    assert_eq!(server.call("POST", "/api/v1/spaces/team/stats", Some(&owner), Some(&batch)).status, 202);
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let path = format!("/api/v1/spaces/team/stats?from=2026-11-01&to=2026-11-30&limit=10&offset={offset}");
        let page = server.call("GET", &path, Some(&owner), None).json();
        seen.extend(page["stats"].as_array().unwrap().iter().map(|row| row["practice"].as_str().unwrap().to_owned()));
        match page["next"].as_u64() {
            Some(next) => offset = next as usize,
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, (0..25).map(|i| format!("p{i:02}")).collect::<Vec<_>>());
}

/// Opens the `ev` space's event stream with `token`.
fn open_events(addr: SocketAddr, token: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "GET /api/v1/spaces/ev/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream
}

/// The status line and headers of an answer, read byte by byte so nothing after them is taken.
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[test]
fn a_token_holds_a_bounded_number_of_event_streams() {
    let (_dir, server, owner) = setup();
    server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "ev"})));
    let mut open: Vec<TcpStream> = (0..8).map(|_| open_events(server.addr, &owner)).collect();
    for stream in &mut open {
        assert!(read_head(stream).starts_with("HTTP/1.1 200"));
    }
    let mut ninth = open_events(server.addr, &owner);
    let head = read_head(&mut ninth);
    assert!(head.starts_with("HTTP/1.1 429"), "{head}");
    // Closing one frees its place (the server notices at its next write: the keep-alive).
    drop(open.pop());
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let mut again = open_events(server.addr, &owner);
        if read_head(&mut again).starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "the closed stream's place was never freed");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_client_that_sends_no_headers_is_disconnected() {
    let dir = tempfile::tempdir().unwrap();
    create_user(dir.path(), "owner@example.com", true);
    let timeout = ["--header-timeout".as_ref(), "1".as_ref()];
    let (mut child, url) = spawn_server(dir.path(), KEY, &timeout);
    let addr: SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut rest = Vec::new();
    let closed = slow.read_to_end(&mut rest);
    let _ = child.kill();
    let _ = child.wait();
    assert!(closed.is_ok(), "the server closed the connection: {closed:?}");
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"), "no request was served");
}

#[test]
fn a_practice_whose_rule_explodes_is_refused_not_run_forever() {
    let (_dir, server, owner) = setup();
    server.call("POST", "/api/v1/spaces", Some(&owner), Some(&json!({"name": "team"})));
    let args = vec!["x"; 200].join(", ");
    let explosive = json!({
        "id": "explodes", "name": "Explodes", "languages": ["python"],
        "rule": {"pattern": "f($$$A, $$$B, $$$C, $$$D, $$$E, $$$A, zzz)"},
        "examples": {"good": [{"code": format!("f({args})")}]},
    });
    let put = server.call("PUT", "/api/v1/spaces/team/practices/explodes", Some(&owner), Some(&explosive));
    assert_eq!(put.status, 422, "{}", put.body);
    assert!(put.json()["error"].as_str().unwrap().contains("steps"), "{}", put.body);
    assert_eq!(server.call("GET", "/healthz", None, None).status, 200);
}

#[test]
fn out_of_file_descriptors_the_tls_server_backs_off_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = test_certificate(dir.path());
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let log = dir.path().join("server.log");
    let tls = ["--tls-cert".as_ref(), cert.as_os_str(), "--tls-key".as_ref(), key.as_os_str()];
    // A server allowed 64 open files, and more connections than that which never say hello.
    let mut limited = Command::new("prlimit");
    limited.args(["--nofile=64:64", "--"]).arg(binary());
    let stderr = Stdio::from(std::fs::File::create(&log).unwrap());
    let (mut child, url) = spawn_server_with(limited, &data, KEY, &tls, stderr);
    let addr: SocketAddr = url.strip_prefix("https://").unwrap().parse().unwrap();
    let idle: Vec<TcpStream> = (0..80).map(|_| TcpStream::connect(addr).unwrap()).collect();
    // `accept` fails with EMFILE while the connections stay: each failure is logged, and the
    // next try waits (a loop that spins logs thousands a second).
    let deadline = Instant::now() + Duration::from_secs(20);
    let failures = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        let failures: Vec<String> =
            text.lines().filter(|line| line.contains("cannot accept a connection")).map(str::to_owned).collect();
        if failures.len() >= 4 {
            break failures;
        }
        assert!(Instant::now() < deadline, "accept never failed:\n{text}");
        std::thread::yield_now();
    };
    assert!(failures[0].contains("Too many open files"), "{}", failures[0]);
    let at = |line: &str| -> f64 {
        // `2026-11-30T13:11:19.873535Z  WARN …`: seconds within the hour are enough here.
        let time = line.split_whitespace().next().unwrap();
        let clock = time.trim_end_matches('Z').rsplit('T').next().unwrap();
        let parts: Vec<f64> = clock.split(':').map(|part| part.parse().unwrap()).collect();
        parts[1] * 60.0 + parts[2]
    };
    for pair in failures[..4].windows(2) {
        let gap = (at(&pair[1]) - at(&pair[0]) + 3600.0) % 3600.0;
        assert!(gap >= 0.09, "accept was retried after {gap} s:\n{}\n{}", pair[0], pair[1]);
    }
    // Once the connections go, the server serves again.
    drop(idle);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let curl =
            Command::new("curl").args(["-sf", "--cacert"]).arg(&cert).arg(format!("{url}/healthz")).output().unwrap();
        if curl.status.success() {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not recover: {}", String::from_utf8_lossy(&curl.stderr));
    }
    let _ = child.kill();
    let _ = child.wait();
}
