//! The sync client end to end: the real `praxis` and `praxis-server` binaries on 127.0.0.1,
//! each test with its own server, data, user folders and project.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::lsp::Lsp;
use support::team::TeamServer;
use support::{Run, praxis_command_in};

/// Python: `print(...)` is flagged.
fn no_print() -> Value {
    json!({
        "id": "no-print", "name": "Log instead of print", "severity": "warning", "languages": ["python"],
        "description": "Printed output is lost in production.",
        "rule": {"pattern": "print($$$A)"},
        "examples": {"bad": [{"code": "print(1)"}], "good": [{"code": "log(1)"}]},
    })
}

/// Python: `eval(...)` is flagged, as an error.
fn no_eval() -> Value {
    json!({
        "id": "no-eval", "name": "No eval", "severity": "error", "languages": ["python"],
        "rule": {"pattern": "eval($$$A)"},
        "examples": {"bad": [{"code": "eval(x)"}], "good": [{"code": "int(x)"}]},
    })
}

/// A user's machine: their config and cache folders, and a project that follows `space` on
/// `url` and has no practice folder of its own.
struct Machine {
    home: tempfile::TempDir,
    project: PathBuf,
}

impl Machine {
    fn new(url: &str, space: &str) -> Machine {
        let home = tempfile::tempdir().unwrap();
        let project = home.path().join("project");
        std::fs::create_dir_all(project.join(".praxis")).unwrap();
        let config = format!("[server]\nurl = \"{url}\"\nspace = \"{space}\"\n");
        std::fs::write(project.join(".praxis/config.toml"), config).unwrap();
        Machine { home, project }
    }

    fn write(&self, file: &str, text: &str) -> PathBuf {
        let path = self.project.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn command(&self) -> Command {
        let mut command = praxis_command_in(self.home.path());
        command.current_dir(&self.project);
        command
    }

    fn praxis(&self, args: &[&str]) -> Run {
        self.command().args(args).output().unwrap().into()
    }

    fn login(&self, url: &str, space: &str, token: &str) -> Run {
        let mut child = self
            .command()
            .args(["login", "--server", url, "--space", space, "--token-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{token}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap().into()
    }

    fn lsp(&self, init_options: Value) -> Lsp {
        let mut lsp = Lsp::spawn_command(praxis_command_in(self.home.path()), &self.project);
        lsp.initialize(&[&self.project], init_options, false, Value::Null);
        lsp
    }

    fn cache_file(&self) -> PathBuf {
        self.home.path().join("cache/sync-v1.db")
    }
}

fn findings(run: &Run) -> Vec<String> {
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|err| panic!("{err}: {}", run.stdout));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["practice"].as_str().unwrap().to_owned())
        .collect()
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics.iter().filter_map(|diagnostic| diagnostic["code"].as_str()).collect()
}

/// Lines of stderr that say the server could not be reached.
fn offline_lines(stderr: &str) -> usize {
    stderr.lines().filter(|line| line.contains("cannot reach")).count()
}

/// The sum of one counter over the server's statistics rows.
fn total(rows: &[Value], counter: &str) -> u64 {
    rows.iter().map(|row| row[counter].as_u64().unwrap()).sum()
}

#[test]
fn a_server_practice_reaches_check_and_the_editor_and_a_new_revision_rechecks_open_documents() {
    let server = TeamServer::start();
    server.create_space("backend");
    server.put_practice("backend", &no_print());
    let machine = Machine::new(&server.url(), "backend");
    let login = machine.login(&server.url(), "backend", &server.owner);
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(login.stdout.contains("Logged in to space `backend`"), "{}", login.stdout);
    assert!(login.stdout.contains("Revision 1: 1 practice"), "{}", login.stdout);
    let app = machine.write("app.py", "print('hello')\nvalue = eval('1 + 1')\n");

    // The command line: the server's practice, with no practice folder in the project.
    let check = machine.praxis(&["check", "--format", "json"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert_eq!(findings(&check), ["no-print"]);
    assert!(check.stderr.is_empty(), "{}", check.stderr);

    // The editor: the same finding, then a practice added on the server reaches the open
    // document through the event stream, with no action of the client.
    let mut lsp = machine.lsp(Value::Null);
    let doc = lsp.open(&app, "python", &std::fs::read_to_string(&app).unwrap());
    let diagnostics = lsp.wait_diagnostics(&doc.uri, |diagnostics| codes(diagnostics) == ["no-print"]);
    assert_eq!(diagnostics[0]["source"], "praxis");
    lsp.wait_notification("praxis/status", |status| status["state"] == "ok" && status["revision"] == 1);
    server.put_practice("backend", &no_eval());
    let diagnostics = lsp.wait_diagnostics(&doc.uri, |diagnostics| codes(diagnostics).contains(&"no-eval"));
    assert_eq!(codes(&diagnostics), ["no-print", "no-eval"]);
    let status = lsp.wait_notification("praxis/status", |status| status["revision"] == 2);
    assert_eq!((status["state"].as_str(), status["practices"].as_u64()), (Some("ok"), Some(2)), "{status}");
    assert_eq!(status["space"], "backend");

    // A local practice with the same id wins, said once as information.
    machine.write(
        ".praxis/practices/no-eval.yaml",
        "id: no-eval\nname: Local eval rule\nlanguages: [python]\nseverity: hint\nrule: {pattern: eval($$$A)}\n",
    );
    let check = machine.praxis(&["check", "--format", "json"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let report: Value = serde_json::from_str(&check.stdout).unwrap();
    assert_eq!(report["findings"][1]["severity"], "hint", "{report}");
    assert_eq!(check.stderr.lines().filter(|line| line.starts_with("note: local practice `no-eval`")).count(), 1);
    lsp.shutdown();
}

#[test]
fn offline_everything_works_from_the_cache_said_once_and_queued_stats_arrive_exactly_once() {
    let mut server = TeamServer::start();
    server.create_space("backend");
    server.put_practice("backend", &no_print());
    let machine = Machine::new(&server.url(), "backend");
    assert_eq!(machine.login(&server.url(), "backend", &server.owner).code, 0);
    let app = machine.write("app.py", "print(1)\nprint(2)  # praxis-ignore: no-print\n");

    // Online: the counters of the run go straight to the server.
    let online = machine.praxis(&["check", "--format", "json"]);
    assert_eq!(findings(&online), ["no-print"]);
    let rows = server.stats("backend");
    assert_eq!((total(&rows, "files"), total(&rows, "findings"), total(&rows, "suppressions")), (1, 1, 1), "{rows:?}");

    server.stop();
    // Offline: the same findings from the cache, and one line that says so.
    for _ in 0..2 {
        let offline = machine.praxis(&["check", "--format", "json"]);
        assert_eq!(offline.code, 0, "{}", offline.stderr);
        assert_eq!(findings(&offline), ["no-print"]);
        assert_eq!(offline_lines(&offline.stderr), 1, "{}", offline.stderr);
        assert!(offline.stderr.contains("cached at revision 1"), "{}", offline.stderr);
    }
    // What waits to be sent is exactly what the preview shows.
    let preview = machine.praxis(&["stats", "--preview"]);
    assert_eq!(preview.code, 0, "{}", preview.stderr);
    let batches: Vec<Value> = preview.stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(batches.len(), 1, "{}", preview.stdout);
    let counters = batches[0]["counters"].as_array().unwrap();
    assert_eq!(counters.len(), 1);
    assert_eq!((counters[0]["practice"].as_str(), counters[0]["files"].as_u64()), (Some("no-print"), Some(2)));
    let status = machine.praxis(&["status"]);
    assert!(status.stdout.contains("1 batch queued"), "{}", status.stdout);
    assert!(status.stdout.contains("cannot reach"), "{}", status.stdout);

    // The editor offline: diagnostics from the cache, and one message however often it tries.
    let mut lsp = machine.lsp(Value::Null);
    let doc = lsp.open(&app, "python", &std::fs::read_to_string(&app).unwrap());
    lsp.wait_diagnostics(&doc.uri, |diagnostics| codes(diagnostics).contains(&"no-print"));
    lsp.wait_notification("praxis/status", |status| status["state"] == "offline");
    lsp.execute("praxis.sync", json!([]));
    lsp.execute("praxis.sync", json!([]));
    lsp.barrier();
    lsp.wait_notification("window/showMessage", |message| {
        message["message"].as_str().unwrap().contains("cannot reach")
    });
    lsp.barrier();
    let told: Vec<Value> = lsp
        .notifications("window/showMessage")
        .into_iter()
        .filter(|message| message["message"].as_str().unwrap().contains("cannot reach"))
        .collect();
    assert_eq!(told.len(), 1, "{told:#?}");

    // The server back: the editor follows again, and the queued counters arrive, once.
    server.restart();
    lsp.execute("praxis.sync", json!([]));
    lsp.wait_notification("praxis/status", |status| status["state"] == "ok");
    lsp.shutdown();
    let sync = machine.praxis(&["sync"]);
    assert_eq!(sync.code, 0, "{}", sync.stderr);
    assert!(sync.stdout.contains("revision 1 (unchanged), 1 practice"), "{}", sync.stdout);
    assert_eq!(machine.praxis(&["sync"]).code, 0);
    let rows = server.stats("backend");
    // One online run, two offline runs and the editor's open document: four files, each with
    // one finding and one suppression.
    assert_eq!((total(&rows, "files"), total(&rows, "findings"), total(&rows, "suppressions")), (4, 4, 4), "{rows:?}");
    assert_eq!(machine.praxis(&["stats", "--preview"]).stdout, "");
}

/// Forwards connections to `target` and records every byte in both directions.
struct Relay {
    addr: std::net::SocketAddr,
    recorded: Arc<Mutex<Vec<u8>>>,
}

impl Relay {
    fn start(target: std::net::SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let record = recorded.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(upstream) = TcpStream::connect(target) else { continue };
                for (mut from, mut to) in
                    [(client.try_clone().unwrap(), upstream.try_clone().unwrap()), (upstream, client)]
                {
                    let record = record.clone();
                    std::thread::spawn(move || {
                        let mut buffer = [0u8; 16 * 1024];
                        while let Ok(read) = from.read(&mut buffer) {
                            if read == 0 || to.write_all(&buffer[..read]).is_err() {
                                break;
                            }
                            record.lock().unwrap().extend_from_slice(&buffer[..read]);
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Relay { addr, recorded }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn saw(&self, marker: &str) -> bool {
        let recorded = self.recorded.lock().unwrap();
        recorded.windows(marker.len()).any(|window| window == marker.as_bytes())
    }
}

#[test]
fn only_the_chosen_snippet_and_its_file_ever_cross_the_wire() {
    let server = TeamServer::start();
    server.create_space("backend");
    server.put_practice("backend", &no_print());
    let relay = Relay::start(server.addr);
    let machine = Machine::new(&relay.url(), "backend");
    let member = server.member("backend", "dev@example.com", "member");
    assert_eq!(machine.login(&relay.url(), "backend", &member).code, 0);

    let checked = machine.write("batch/checked_only.py", "print('MARKER_CHECKED_BY_CLI')\n");
    let opened = machine.write("app/opened_file.py", "print('MARKER_OPEN_DOCUMENT')\n");
    let source = machine.write(
        "app/source_file.py",
        "def handler():\n    eval('MARKER_SELECTED_SNIPPET')\n\nSECRET = 'MARKER_REST_OF_THAT_FILE'\n",
    );
    let check = machine.praxis(&["check", "--format", "json"]);
    assert_eq!(findings(&check).len(), 2, "{}", check.stdout);

    let mut lsp = machine.lsp(json!({"stats": true}));
    let mut doc = lsp.open(&opened, "python", &std::fs::read_to_string(&opened).unwrap());
    lsp.wait_diagnostics(&doc.uri, |diagnostics| codes(diagnostics) == ["no-print"]);
    lsp.edit(&mut doc, "print('MARKER_OPEN_DOCUMENT')\nprint('MARKER_TYPED_IN_EDITOR')\n");
    lsp.wait_version(&doc.uri, doc.version);
    let text = std::fs::read_to_string(&source).unwrap();
    let selected = lsp.open(&source, "python", &text);
    lsp.wait_version(&selected.uri, 1);
    let line = 1;
    let start = text.lines().nth(1).unwrap().find("eval").unwrap() as u64;
    let end = text.lines().nth(1).unwrap().len() as u64;
    let selection = json!({"start": {"line": line, "character": start}, "end": {"line": line, "character": end}});
    let created = lsp.execute(
        "praxis.createPractice",
        json!([{"uri": selected.uri, "range": selection, "kind": "bad", "id": "no-eval-here", "publish": true}]),
    );
    assert_eq!(created["offered"], true, "{created}");
    let sent = lsp.wait_notification("window/showMessage", |message| {
        message["message"].as_str().unwrap().contains("no-eval-here")
    });
    assert!(sent["message"].as_str().unwrap().contains("as a draft"), "{sent}");
    let preview = lsp.execute("praxis.previewStats", json!([]));
    let counted = preview[0]["batches"].to_string();
    assert!(counted.contains("no-print"), "{preview}");
    lsp.shutdown();

    // On the server: the draft with its example and the file it came from.
    let listed = server.practices("backend");
    let draft = listed["practices"].as_array().unwrap().iter().find(|p| p["id"] == "no-eval-here").unwrap().clone();
    assert_eq!(draft["status"], "draft");
    let attached = &draft["attachedExamples"][0];
    assert_eq!(attached["code"], "eval('MARKER_SELECTED_SNIPPET')");
    assert_eq!(attached["file"], text.as_str());
    // And the statistics of the command line and the editor, with no names of files.
    let rows = server.stats("backend");
    assert!(total(&rows, "files") >= 3, "{rows:?}");

    assert!(relay.saw("MARKER_SELECTED_SNIPPET"), "the snippet was sent");
    assert!(relay.saw("MARKER_REST_OF_THAT_FILE"), "the file it came from was sent");
    for secret in ["MARKER_CHECKED_BY_CLI", "MARKER_OPEN_DOCUMENT", "MARKER_TYPED_IN_EDITOR"] {
        assert!(!relay.saw(secret), "{secret} crossed the wire");
    }
    let project = machine.project.to_str().unwrap();
    for name in ["checked_only", "opened_file", "source_file", project] {
        assert!(!relay.saw(name), "`{name}` crossed the wire");
    }
    assert!(checked.exists());
}

/// A user's folders with no session bus: the keyring is not there and must not be waited for.
fn without_session_bus(command: &mut Command, runtime: &Path, bus: Option<&str>) {
    command.env_remove("PRAXIS_NO_KEYRING").env("XDG_RUNTIME_DIR", runtime);
    match bus {
        Some(address) => command.env("DBUS_SESSION_BUS_ADDRESS", address),
        None => command.env_remove("DBUS_SESSION_BUS_ADDRESS"),
    };
}

#[test]
fn login_without_a_session_bus_keeps_the_token_in_a_private_file_at_once() {
    let server = TeamServer::start();
    server.create_space("backend");
    for bus in [None, Some("unix:path=/nonexistent/praxis-test-bus")] {
        let machine = Machine::new(&server.url(), "backend");
        let runtime = tempfile::tempdir().unwrap();
        let mut command = machine.command();
        without_session_bus(&mut command, runtime.path(), bus);
        command.args(["login", "--server", &server.url(), "--space", "backend", "--token-stdin"]);
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = command.spawn().unwrap();
        child.stdin.take().unwrap().write_all(server.owner.as_bytes()).unwrap();
        let login: Run = child.wait_with_output().unwrap().into();
        // Generous for a slow machine, far below a keyring that is waited for (25 s for D-Bus).
        assert!(started.elapsed() < Duration::from_secs(10), "login took {:?}", started.elapsed());
        assert_eq!(login.code, 0, "{}", login.stderr);
        let file = machine.home.path().join("config/credentials.json");
        assert!(login.stderr.contains(&file.display().to_string()), "the warning names the file: {}", login.stderr);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(std::fs::read_to_string(&file).unwrap().contains(&server.owner));

        // The token works from there, and logging out revokes it on the server.
        let mut status = machine.command();
        without_session_bus(&mut status, runtime.path(), bus);
        let status: Run = status.arg("status").output().unwrap().into();
        assert!(status.stdout.contains("token:      in the file"), "{}", status.stdout);
        assert!(!status.stdout.contains(&server.owner) && !status.stderr.contains(&server.owner));
    }
    let machine = Machine::new(&server.url(), "backend");
    let token = server.member("backend", "leaving@example.com", "member");
    assert_eq!(machine.login(&server.url(), "backend", &token).code, 0);
    assert_eq!(server.call("GET", "/spaces", &token, None).status, 200);
    // Not even the most verbose logs show the token.
    let traced: Run = machine.command().arg("sync").env("PRAXIS_LOG", "trace").output().unwrap().into();
    assert_eq!(traced.code, 0, "{}", traced.stderr);
    assert!(traced.stderr.lines().count() > 5, "trace logs were written: {}", traced.stderr);
    assert!(!traced.stderr.contains(&token) && !traced.stdout.contains(&token), "the token is in the logs");
    let logout = machine.praxis(&["logout"]);
    assert_eq!(logout.code, 0, "{}", logout.stderr);
    assert_eq!(server.call("GET", "/spaces", &token, None).status, 401, "revoked on the server");
    let file = std::fs::read_to_string(machine.home.path().join("config/credentials.json")).unwrap();
    assert!(!file.contains(&token), "removed here");
}

#[test]
fn a_wrong_token_or_space_is_refused_at_login_and_nothing_is_saved() {
    let server = TeamServer::start();
    server.create_space("backend");
    let machine = Machine::new(&server.url(), "backend");
    let wrong = machine.login(&server.url(), "backend", "prx_not-a-token");
    assert_eq!(wrong.code, 2);
    assert!(wrong.stderr.contains("refused the token (401)"), "{}", wrong.stderr);
    let stranger = server.member("backend", "other@example.com", "member");
    let elsewhere = machine.login(&server.url(), "frontend", &stranger);
    assert_eq!(elsewhere.code, 2);
    assert!(elsewhere.stderr.contains("not a member of space `frontend`"), "{}", elsewhere.stderr);
    assert!(!machine.home.path().join("config/credentials.json").exists());
}

#[test]
fn a_corrupt_cache_is_rebuilt_and_plain_http_off_loopback_is_refused() {
    let server = TeamServer::start();
    server.create_space("backend");
    server.put_practice("backend", &no_print());
    let machine = Machine::new(&server.url(), "backend");
    assert_eq!(machine.login(&server.url(), "backend", &server.owner).code, 0);
    machine.write("app.py", "print(1)\n");
    std::fs::write(machine.cache_file(), "not a database at all, but long enough to look like a header").unwrap();
    let check = machine.praxis(&["check", "--format", "json"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(check.stderr.contains("was unreadable") && check.stderr.contains("rebuilt"), "{}", check.stderr);
    assert_eq!(findings(&check), ["no-print"]);
    let again = machine.praxis(&["check", "--format", "json"]);
    assert!(again.stderr.is_empty(), "{}", again.stderr);

    let plain = "http://praxis.example.com";
    let login = machine.login(plain, "backend", &server.owner);
    assert_eq!(login.code, 2);
    assert!(login.stderr.contains("plain http://"), "{}", login.stderr);
    let insecure = Machine::new(plain, "backend");
    insecure.write("app.py", "print(1)\n");
    let check = insecure.praxis(&["check"]);
    assert_eq!(check.code, 2, "{}", check.stderr);
    assert!(check.stderr.contains(".praxis/config.toml: [server]"), "{}", check.stderr);
    assert!(check.stderr.contains("plain http://"), "{}", check.stderr);
}

#[test]
fn practices_go_up_as_drafts_for_members_and_come_down_as_yaml_files() {
    let server = TeamServer::start();
    server.create_space("backend");
    server.put_practice("backend", &no_print());
    let machine = Machine::new(&server.url(), "backend");
    let member = server.member("backend", "dev@example.com", "member");
    assert_eq!(machine.login(&server.url(), "backend", &member).code, 0);

    machine.write(".praxis/practices/no-eval.yaml", &serde_yaml_ng::to_string(&no_eval()).unwrap());
    let push = machine.praxis(&["practice", "push", "no-eval"]);
    assert_eq!(push.code, 0, "{}", push.stderr);
    assert!(push.stdout.contains("it is a draft"), "{}", push.stdout);
    // A practice the server refuses: its reason is shown.
    let broken = machine.write("broken.yaml", "id: no-exec\nname: No exec\nlanguages: [python]\nrule: {pattern: exec($$$A)}\nexamples:\n  bad: [{code: 'print(1)'}]\n");
    let refused = machine.praxis(&["practice", "push", broken.to_str().unwrap()]);
    assert_eq!(refused.code, 2, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("refused `no-exec`") && refused.stderr.contains("bad example"),
        "{}",
        refused.stderr
    );

    let list = machine.praxis(&["practice", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.contains("no-eval   draft"), "{}", list.stdout);
    assert!(list.stdout.contains("no-print  active"), "{}", list.stdout);

    let pulled = machine.home.path().join("pulled");
    let pull = machine.praxis(&["practice", "pull", pulled.to_str().unwrap()]);
    assert_eq!(pull.code, 0, "{}", pull.stderr);
    assert!(pulled.join("no-print.yaml").is_file());
    assert!(!pulled.join("no-eval.yaml").exists(), "drafts only with --drafts");
    let test = machine.praxis(&["test", "--practices", pulled.to_str().unwrap()]);
    assert!(test.stdout.contains("ok    no-print (1 bad, 1 good)"), "{}", test.stdout);
}

/// Runs openssl with `args` in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let made = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    assert!(made.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&made.stderr));
}

#[test]
fn https_with_a_private_ca_is_verified() {
    // A private CA, and the server's certificate signed by it.
    let dir = tempfile::tempdir().unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        dir.path(),
        &[
            &["req", "-x509"],
            &ec[..],
            &["-days", "1", "-subj", "/CN=Praxis Test CA", "-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat(),
    );
    openssl(
        dir.path(),
        &[&["req"], &ec[..], &["-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "server.csr"]].concat(),
    );
    std::fs::write(
        dir.path().join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir.path(),
        &["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1"]
            .into_iter()
            .chain(["-extfile", "server.ext", "-out", "cert.pem"])
            .collect::<Vec<_>>(),
    );
    let (cert, key, ca) = (dir.path().join("cert.pem"), dir.path().join("key.pem"), dir.path().join("ca.pem"));
    let mut server = TeamServer::start();
    server.create_space("backend");
    server.restart_tls(&cert, &key);
    let url = server.url();
    assert!(url.starts_with("https://"), "{url}");
    let machine = Machine::new(&url, "backend");

    let unverified = machine.login(&url, "backend", &server.owner);
    assert_eq!(unverified.code, 2);
    assert!(unverified.stderr.contains("certificate"), "{}", unverified.stderr);
    assert_eq!(unverified.stderr.lines().count(), 1, "{}", unverified.stderr);
    let mut command = machine.command();
    command.args(["login", "--server", &url, "--space", "backend", "--token-stdin", "--ca-cert"]).arg(&ca);
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(server.owner.as_bytes()).unwrap();
    let login: Run = child.wait_with_output().unwrap().into();
    assert_eq!(login.code, 0, "{}", login.stderr);
    // The CA is remembered with the login: later runs verify with it too.
    machine.write("app.py", "print(1)\n");
    let check = machine.praxis(&["check"]);
    assert!(check.stderr.is_empty(), "{}", check.stderr);
}

#[test]
fn editor_settings_alone_follow_a_space_with_the_token_from_the_environment() {
    let server = TeamServer::start();
    server.create_space("backend");
    server.put_practice("backend", &no_print());
    // No `.praxis/` anywhere, no login: the editor's settings name the server.
    let home = tempfile::tempdir().unwrap();
    let folder = home.path().join("plain-folder");
    std::fs::create_dir_all(&folder).unwrap();
    let app = folder.join("app.py");
    std::fs::write(&app, "print(1)\n").unwrap();
    let mut command = praxis_command_in(home.path());
    command.env("PRAXIS_TOKEN", &server.owner);
    let mut lsp = Lsp::spawn_command(command, &folder);
    lsp.initialize(&[&folder], json!({"server": server.url(), "space": "backend", "stats": false}), false, Value::Null);
    let doc = lsp.open(&app, "python", "print(1)\n");
    lsp.wait_diagnostics(&doc.uri, |diagnostics| codes(diagnostics) == ["no-print"]);
    let status = lsp.wait_notification("praxis/status", |status| status["state"] == "ok");
    assert_eq!((status["server"].as_str(), status["practices"].as_u64()), (Some(server.url().as_str()), Some(1)));
    assert_eq!(lsp.execute("praxis.previewStats", json!([])), json!([]), "stats are off");
    lsp.shutdown();
    assert!(server.stats("backend").is_empty(), "nothing is counted with stats off");
    assert!(!home.path().join("config/credentials.json").exists(), "the environment's token is not stored");
}

#[test]
fn the_readme_walk_through_runs_as_written() {
    let readme = std::fs::read_to_string(support::workspace().join("README.md")).unwrap();
    let section = readme.split("\n## Team server\n").nth(1).expect("README has a Team server section");
    let section = section.split("\n## ").next().unwrap();
    let (blocks_script, blocks) = support::readme::sh_blocks(section);
    let script = format!("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n{blocks_script}");
    assert!(blocks >= 5, "the walk-through has its steps");
    // The README's address, moved to a free port.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = script.replace("127.0.0.1:8787", &format!("127.0.0.1:{port}"));

    let home = tempfile::tempdir().unwrap();
    let bin = support::binary("praxis").parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let isolated = praxis_command_in(home.path());
    let mut command = Command::new("bash");
    // The same isolated user folders as every test's `praxis`.
    for (key, value) in isolated.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let run: Run = command
        .arg("-c")
        .arg(&script)
        .current_dir(home.path())
        .env("PATH", path)
        .env_remove("PRAXIS_SERVER_KEY")
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 0, "the walk-through failed:\n{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("app.py:2:5: warning[no-print] Log instead of print"), "{}", run.stdout);
    assert!(run.stdout.contains("Found 1 finding (1 warning) in 1 file."), "{}", run.stdout);
    assert!(run.stdout.contains("Pushed `no-print` to space `backend`"), "{}", run.stdout);
    assert!(run.stdout.contains("revision:   1"), "{}", run.stdout);
}

#[test]
fn a_project_that_follows_a_space_never_pulled_checks_with_its_local_practices_and_says_why() {
    // A server that is not there, and no login yet.
    let gone = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let machine = Machine::new(&format!("http://{gone}"), "backend");
    machine.write("app.py", "print(1)\n");
    let check = machine.praxis(&["check", "--format", "json"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(findings(&check).is_empty());
    assert_eq!(check.stderr.lines().count(), 1, "{}", check.stderr);
    assert!(check.stderr.contains("not logged in to"), "{}", check.stderr);
    assert!(check.stderr.contains("no practices of space `backend`"), "{}", check.stderr);
    let test = machine.praxis(&["test"]);
    assert_eq!(test.code, 0, "{}", test.stderr);
    assert!(test.stdout.contains("practices: 0 ok, 0 failing"), "{}", test.stdout);
}
