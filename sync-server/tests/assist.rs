//! The space's LLM integration and drafting through the server, end to end: the real binary on
//! 127.0.0.1:0, a fake chat-completions provider on loopback, and a look at what the server
//! keeps (the database files) and says (its logs at debug level).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

#[path = "../../tests/tests/support/fake_model.rs"]
mod fake_model;
#[path = "../../tests/tests/support/http.rs"]
mod http;
use fake_model::{FakeModel, answer, error};
use http::{Response, request};

const MASTER_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const LLM_KEY: &str = "sk-space-key-31337-never-shown";
const DESCRIBE_MARKER: &str = "quokka-describe-5521";
const SNIPPET_MARKER: &str = "quokka_snippet_9034";

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_praxis-server"))
}

struct Server {
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
    log: PathBuf,
    owner: String,
}

impl Server {
    /// A server with an owner, its logs at debug level in a file, that takes providers on
    /// loopback (the fake provider's place).
    fn start() -> Server {
        Server::start_with(true)
    }

    /// A server with an owner; `allow_local` sets `PRAXIS_SERVER_ALLOW_LOCAL_LLM`.
    fn start_with(allow_local: bool) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let output = Command::new(binary())
            .args(["admin", "create-user", "--email", "owner@example.com", "--owner", "--data"])
            .arg(&data)
            .env("PRAXIS_SERVER_KEY", MASTER_KEY)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let owner = String::from_utf8_lossy(&output.stdout).rsplit(": ").next().unwrap().trim().to_owned();
        let log = dir.path().join("server.log");
        let mut child = Command::new(binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(&data)
            .env("PRAXIS_SERVER_KEY", MASTER_KEY)
            .env("PRAXIS_SERVER_ALLOW_LOCAL_LLM", if allow_local { "1" } else { "0" })
            .env("PRAXIS_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line:?}"));
        Server { addr: addr.parse().unwrap(), child, dir, log, owner }
    }

    fn call(&self, method: &str, path: &str, token: &str, body: Option<&Value>) -> Response {
        let body = body.map(Value::to_string);
        request(self.addr, method, &format!("/api/v1{path}"), Some(token), body.as_deref().map(str::as_bytes), &[])
    }

    #[track_caller]
    fn ok(&self, method: &str, path: &str, token: &str, body: Option<&Value>) -> Value {
        let response = self.call(method, path, token, body);
        assert!((200..300).contains(&response.status), "{method} {path}: {} {}", response.status, response.body);
        if response.body.is_empty() { Value::Null } else { response.json() }
    }

    /// A space `team` with an admin and a member besides the owner: their tokens.
    fn team(&self) -> (String, String) {
        self.ok("POST", "/spaces", &self.owner, Some(&json!({"name": "team"})));
        let mut tokens = Vec::new();
        for (email, role) in [("admin@example.com", "admin"), ("member@example.com", "member")] {
            let user = self.ok("POST", "/users", &self.owner, Some(&json!({"email": email})));
            let id = user["id"].as_i64().unwrap();
            self.ok("PUT", &format!("/spaces/team/members/{id}"), &self.owner, Some(&json!({"role": role})));
            tokens.push(user["token"].as_str().unwrap().to_owned());
        }
        (tokens.remove(0), tokens.remove(0))
    }

    /// Every byte of the database files.
    fn database_bytes(&self) -> Vec<u8> {
        let mut raw = Vec::new();
        for name in ["praxis.db", "praxis.db-wal"] {
            if let Ok(bytes) = std::fs::read(self.dir.path().join("data").join(name)) {
                raw.extend(bytes);
            }
        }
        raw
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn integration(base_url: &str) -> Value {
    json!({"provider": "openai", "base_url": base_url, "model": "test-model", "key": LLM_KEY})
}

fn fake_url(model: &FakeModel) -> String {
    format!("http://127.0.0.1:{}/v1", model.addr.port())
}

fn draft_request() -> Value {
    json!({
        "describe": format!("Do not print ({DESCRIBE_MARKER}); log through log.info instead."),
        "bad": [{"code": format!("print({SNIPPET_MARKER})\n"), "language": "python"}],
        "good": [{"code": "log.info(total)\n", "language": "py"}],
    })
}

fn practice(rule: &str) -> String {
    format!(
        "```yaml\nid: no-print\nname: Log instead of print\nseverity: warning\nlanguages: [python]\nrule:\n  {rule}\n```\n"
    )
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[test]
fn the_integration_is_for_admins_and_its_key_never_comes_back() {
    let server = Server::start();
    let (admin, member) = server.team();
    let path = "/spaces/team/integrations/llm";
    assert_eq!(server.call("GET", path, &admin, None).status, 404, "none yet");
    let body = integration("https://api.example.com/v1");
    let refused = server.call("PUT", path, &member, Some(&body));
    assert_eq!(refused.status, 403, "{}", refused.body);

    let put = server.call("PUT", path, &admin, Some(&body));
    assert_eq!(put.status, 200, "{}", put.body);
    let settings = json!({"provider": "openai", "base_url": "https://api.example.com/v1", "model": "test-model"});
    assert_eq!(put.json(), settings);
    let got = server.call("GET", path, &admin, None);
    assert_eq!((got.status, got.json()), (200, settings.clone()));
    assert!(!got.body.contains(LLM_KEY) && !put.body.contains(LLM_KEY));
    assert_eq!(server.ok("GET", path, &server.owner, None), settings, "owners act as admins");
    let member_get = server.call("GET", path, &member, None);
    assert_eq!(member_get.status, 403, "{}", member_get.body);
    assert!(!member_get.body.contains(LLM_KEY));

    // The transport rule, a model, a key a header can carry, no unknown field.
    for (bad, why) in [
        (integration("http://10.1.2.3/v1"), "plain http://"),
        (integration("ftp://x.example.com"), "scheme"),
        (json!({"provider": "openai", "base_url": "https://x.example.com", "model": " ", "key": "k"}), "model"),
        (json!({"provider": "openai", "base_url": "https://x.example.com", "model": "m", "key": "a b"}), "key"),
        (json!({"provider": "mistral", "base_url": "https://x.example.com", "model": "m", "key": "k"}), "provider"),
        (json!({"provider": "openai", "base_url": "https://x.example.com", "model": "m"}), "key"),
    ] {
        let response = server.call("PUT", path, &admin, Some(&bad));
        assert_eq!(response.status, 422, "{bad}: {}", response.body);
        assert!(response.json()["error"].as_str().unwrap().contains(why), "{why}: {}", response.body);
    }
    assert_eq!(server.ok("GET", path, &admin, None), settings, "a refused PUT changes nothing");

    // Azure settings replace the others; DELETE removes them.
    let azure = json!({"provider": "azure", "base_url": "https://team.openai.azure.com", "model": "gpt-4o",
                       "deployment": "rules", "key": "azure-key"});
    server.ok("PUT", path, &admin, Some(&azure));
    assert_eq!(server.ok("GET", path, &admin, None)["deployment"], "rules");
    assert_eq!(server.call("DELETE", path, &member, None).status, 403);
    assert_eq!(server.call("DELETE", path, &admin, None).status, 204);
    assert_eq!(server.call("GET", path, &admin, None).status, 404);
    assert_eq!(server.call("DELETE", path, &admin, None).status, 404);

    let raw = server.database_bytes();
    assert!(!raw.is_empty());
    for secret in [LLM_KEY, "azure-key", "api.example.com", "team.openai.azure.com"] {
        assert!(!contains(&raw, secret), "`{secret}` is in the clear in the database files");
    }
}

#[test]
fn a_draft_through_the_server_keeps_only_token_counts() {
    let model = FakeModel::start(vec![
        answer(&practice("pattern: echo($$$ARGS)")),
        answer(&format!("Here it is:\n{}", practice("pattern: print($$$ARGS)"))),
    ]);
    let server = Server::start();
    let (admin, member) = server.team();
    server.ok("PUT", "/spaces/team/integrations/llm", &admin, Some(&integration(&fake_url(&model))));

    let drafted = server.call("POST", "/spaces/team/assist/draft", &member, Some(&draft_request()));
    assert_eq!(drafted.status, 200, "{}", drafted.body);
    let drafted = drafted.json();
    assert_eq!(drafted["passed"], true, "{drafted}");
    assert_eq!(
        drafted["attempts"],
        json!([{"errors": ["no-print: bad example 1 (python) produced no finding"]}, {"errors": []}])
    );
    assert_eq!(drafted["tokens"], json!({"sent": 2400, "received": 160}));
    let yaml = drafted["practice"].as_str().unwrap();
    assert!(yaml.contains("pattern: print($$$ARGS)") && yaml.contains(SNIPPET_MARKER), "{yaml}");

    // The provider got the key in its header, the description and the snippets; the second
    // request carried the first attempt's error.
    let requests = model.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("authorization"), Some(format!("Bearer {LLM_KEY}").as_str()));
    assert!(requests[0].body.contains(DESCRIBE_MARKER) && requests[0].body.contains(SNIPPET_MARKER));
    assert!(requests[1].body.contains("bad example 1 (python) produced no finding"));

    // Not stored as a practice; only the day's tokens, which the stats show.
    assert_eq!(server.ok("GET", "/spaces/team/practices", &member, None)["practices"], json!([]));
    let stats = server.ok("GET", "/spaces/team/stats?from=2000-01-01&to=2100-12-31", &admin, None);
    let llm = stats["llm"].as_array().unwrap();
    assert_eq!(llm.len(), 1, "{stats}");
    assert_eq!((llm[0]["sent"].as_u64(), llm[0]["received"].as_u64()), (Some(2400), Some(160)));
    assert_eq!(llm[0]["day"].as_str().map(str::len), Some(10));
    let later_page = server.ok("GET", "/spaces/team/stats?from=2000-01-01&to=2100-12-31&offset=1", &admin, None);
    assert!(later_page.get("llm").is_none(), "only the first page carries the tokens: {later_page}");
    assert_eq!(server.call("GET", "/spaces/team/stats?from=2000-01-01&to=2100-12-31", &member, None).status, 403);

    // A second draft adds to the day.
    let model_again = FakeModel::start(vec![answer(&practice("pattern: print($$$ARGS)"))]);
    server.ok("PUT", "/spaces/team/integrations/llm", &admin, Some(&integration(&fake_url(&model_again))));
    server.ok("POST", "/spaces/team/assist/draft", &member, Some(&draft_request()));
    let stats = server.ok("GET", "/spaces/team/stats?from=2000-01-01&to=2100-12-31", &admin, None);
    assert_eq!(stats["llm"][0]["sent"], 3600, "{stats}");

    // Nothing of the prompt, the answers or the key in the database files or the logs.
    let raw = server.database_bytes();
    let logs = server.logs();
    assert!(logs.contains("/api/v1/spaces/{space}/assist/draft"), "the route is logged:\n{logs}");
    for secret in [LLM_KEY, DESCRIBE_MARKER, SNIPPET_MARKER, "echo($$$ARGS)", "Log instead of print"] {
        assert!(!contains(&raw, secret), "`{secret}` is in the database files");
        assert!(!logs.contains(secret), "`{secret}` is in the logs:\n{logs}");
    }
}

#[test]
fn drafts_say_clearly_what_is_missing_or_wrong() {
    let server = Server::start();
    let (admin, member) = server.team();
    let draft = "/spaces/team/assist/draft";

    let none = server.call("POST", draft, &member, Some(&draft_request()));
    assert_eq!(none.status, 409, "{}", none.body);
    assert!(none.json()["error"].as_str().unwrap().contains("no LLM integration"), "{}", none.body);

    // The provider is down: 502, one line, with neither the key nor the provider's address.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = format!("http://127.0.0.1:{port}/v1");
    server.ok("PUT", "/spaces/team/integrations/llm", &admin, Some(&integration(&down)));
    let failed = server.call("POST", draft, &member, Some(&draft_request()));
    assert_eq!(failed.status, 502, "{}", failed.body);
    let line = failed.json()["error"].as_str().unwrap().to_owned();
    assert!(line.starts_with("llm: the space's LLM provider failed: cannot connect"), "{line}");
    assert_eq!(line.lines().count(), 1);
    assert!(!line.contains(LLM_KEY) && !line.contains(&port.to_string()), "{line}");

    // The provider refuses the key, quoting it: 502 without it; nothing was spent.
    let refusing = FakeModel::start(vec![error(401, Vec::new(), &format!("Incorrect API key provided: {LLM_KEY}"))]);
    server.ok("PUT", "/spaces/team/integrations/llm", &admin, Some(&integration(&fake_url(&refusing))));
    let refused = server.call("POST", draft, &member, Some(&draft_request()));
    assert_eq!(refused.status, 502, "{}", refused.body);
    assert_eq!(
        refused.json()["error"],
        "llm: the space's LLM provider answered 401 Unauthorized: Incorrect API key provided: <redacted>"
    );
    let stats = server.ok("GET", "/spaces/team/stats?from=2000-01-01&to=2100-12-31", &admin, None);
    assert!(stats.get("llm").is_none(), "{stats}");

    // Bad requests never reach the provider.
    let no_bad = json!({"describe": "x", "bad": []});
    let unknown_language = json!({"describe": "x", "bad": [{"code": "x", "language": "cobol"}]});
    let with_path = json!({"describe": "x", "bad": [{"code": "x", "language": "python"}], "file": "src/a.py"});
    for (body, status) in [(no_bad, 422), (unknown_language, 422), (with_path, 422)] {
        let response = server.call("POST", draft, &member, Some(&body));
        assert_eq!(response.status, status, "{body}: {}", response.body);
    }
    let huge = json!({"describe": "x".repeat(70 * 1024), "bad": [{"code": "x", "language": "python"}]});
    assert_eq!(server.call("POST", draft, &member, Some(&huge)).status, 413);
    let larger = json!({"describe": "x".repeat(300 * 1024), "bad": [{"code": "x", "language": "python"}]});
    assert_eq!(server.call("POST", draft, &member, Some(&larger)).status, 413);
    assert_eq!(refusing.requests().len(), 1);

    // A stranger does not see the space.
    let stranger = server.ok("POST", "/users", &server.owner, Some(&json!({"email": "x@example.com"})));
    let stranger = stranger["token"].as_str().unwrap();
    assert_eq!(server.call("POST", draft, stranger, Some(&draft_request())).status, 404);
}

#[test]
fn a_provider_on_the_servers_own_machine_needs_its_operators_consent() {
    let model = FakeModel::start(vec![]);
    let server = Server::start_with(false);
    let (admin, member) = server.team();
    let path = "/spaces/team/integrations/llm";
    let refused = server.call("PUT", path, &admin, Some(&integration(&fake_url(&model))));
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("PRAXIS_SERVER_ALLOW_LOCAL_LLM=1"), "{}", refused.body);
    assert_eq!(server.call("POST", "/spaces/team/assist/draft", &member, Some(&draft_request())).status, 409);
    assert!(model.requests().is_empty(), "the loopback service was never reached");
}
