//! `praxis mcp` end to end: the real binary in a copy of the demo project, driven over its
//! stdin and stdout by rmcp's own client (the official SDK), and once by hand to see that
//! stdout carries nothing but the protocol.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use support::team::TeamServer;
use support::{copy_tree, praxis_command_in, workspace};

/// How long a session may take to start, and any call to be answered.
const DEADLINE: Duration = Duration::from_secs(30);

/// A running `praxis mcp` and the folders it works in.
struct Session {
    client: RunningService<RoleClient, ()>,
    /// The server's stderr: its log.
    stderr: PathBuf,
    _home: tempfile::TempDir,
}

impl Session {
    /// Starts `praxis mcp` in `project`, with user folders under `home`.
    async fn start(project: &Path, home: tempfile::TempDir) -> Session {
        let stderr = home.path().join("mcp.stderr");
        let mut command = praxis_command_in(home.path());
        command.arg("mcp").current_dir(project);
        let log = std::fs::File::create(&stderr).unwrap();
        let (transport, _) = TokioChildProcess::builder(tokio::process::Command::from(command))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("praxis mcp starts");
        let client = tokio::time::timeout(DEADLINE, ().serve(transport))
            .await
            .expect("the session starts in time")
            .expect("the server answers initialize");
        Session { client, stderr, _home: home }
    }

    /// Calls a tool: whether it answered with a tool error, and its text.
    async fn call(&self, tool: &'static str, arguments: Value) -> (bool, String) {
        let Value::Object(arguments) = arguments else { panic!("arguments are an object") };
        let call = self.client.call_tool(CallToolRequestParams::new(tool).with_arguments(arguments));
        let result = tokio::time::timeout(DEADLINE, call)
            .await
            .unwrap_or_else(|_| panic!("{tool} answered in time; log:\n{}", self.log()))
            .unwrap_or_else(|err| panic!("{tool}: {err}; log:\n{}", self.log()));
        let text: Vec<&str> = result.content.iter().filter_map(|content| content.as_text()).map(|t| &*t.text).collect();
        assert_eq!(text.len(), 1, "{tool}: one text answer: {result:?}");
        (result.is_error == Some(true), text[0].to_owned())
    }

    /// A tool's answer, which must not be a tool error, as JSON.
    async fn answer(&self, tool: &'static str, arguments: Value) -> Value {
        let (is_error, text) = self.call(tool, arguments.clone()).await;
        assert!(!is_error, "{tool} {arguments}: {text}");
        assert!(!text.contains('\n'), "compact JSON: {text}");
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("{tool}: {err}: {text}"))
    }

    /// A tool's error message, which it must be.
    async fn refusal(&self, tool: &'static str, arguments: Value) -> String {
        let (is_error, text) = self.call(tool, arguments.clone()).await;
        assert!(is_error, "{tool} {arguments} must fail: {text}");
        assert!(!text.contains('\n'), "one line: {text}");
        text
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    async fn close(self) {
        self.client.cancel().await.expect("the session closes");
    }
}

/// A copy of the demo project, and user folders of its own.
fn demo() -> (tempfile::TempDir, tempfile::TempDir) {
    let project = tempfile::tempdir().unwrap();
    copy_tree(&workspace().join("examples/demo"), project.path());
    (project, tempfile::tempdir().unwrap())
}

fn ids(practices: &Value) -> Vec<&str> {
    practices.as_array().unwrap().iter().map(|practice| practice["id"].as_str().unwrap()).collect()
}

fn practices_of(findings: &Value) -> Vec<&str> {
    findings["findings"].as_array().unwrap().iter().map(|finding| finding["practice"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn the_server_introduces_itself_and_its_five_tools_with_schemas() {
    let (project, home) = demo();
    let session = Session::start(project.path(), home).await;
    let info = session.client.peer_info().expect("the server's initialize answer");
    let implementation = info.server_info.as_ref().expect("server info");
    assert_eq!(implementation.name, "praxis");
    assert_eq!(implementation.version, env!("CARGO_PKG_VERSION"));
    let instructions = info.instructions.as_deref().unwrap_or_default();
    for tool in ["check_code", "check_file", "explain_practice", "test_practice"] {
        assert!(instructions.contains(tool), "{instructions}");
    }

    let tools = session.client.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|tool| &*tool.name).collect();
    names.sort();
    assert_eq!(names, ["check_code", "check_file", "explain_practice", "list_practices", "test_practice"]);
    let schema = |name: &str| -> Value {
        let tool = tools.iter().find(|tool| tool.name == name).unwrap();
        assert!(tool.description.as_deref().is_some_and(|text| text.len() > 40), "{name} is described");
        assert_eq!(tool.annotations.as_ref().and_then(|annotations| annotations.read_only_hint), Some(true));
        Value::Object((*tool.input_schema).clone())
    };
    let required = |name: &str| -> Vec<String> {
        let schema = schema(name);
        assert_eq!(schema["type"], "object", "{schema}");
        assert_eq!(schema["additionalProperties"], false, "{schema}");
        let mut required: Vec<String> = schema["required"]
            .as_array()
            .map(|list| list.iter().map(|name| name.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        required.sort();
        required
    };
    assert!(required("list_practices").is_empty());
    assert_eq!(required("explain_practice"), ["id"]);
    assert_eq!(required("check_file"), ["path"]);
    assert_eq!(required("check_code"), ["code"]);
    assert_eq!(required("test_practice"), ["yaml"]);
    let check_code = schema("check_code");
    for property in ["code", "language", "path"] {
        assert!(check_code["properties"][property]["description"].is_string(), "{check_code}");
    }
    session.close().await;
}

#[tokio::test]
async fn list_and_explain_practices() {
    let (project, home) = demo();
    let session = Session::start(project.path(), home).await;

    let all = session.answer("list_practices", json!({})).await;
    assert_eq!(ids(&all).len(), 18, "{all}");
    let console = all.as_array().unwrap().iter().find(|practice| practice["id"] == "no-console-log").unwrap();
    assert_eq!(
        *console,
        json!({
            "id": "no-console-log", "name": "Log through the logger", "severity": "warning",
            "languages": ["typescript", "javascript"],
            "description": "Console output is lost in production; `logger` keeps the level and the context.",
            "hasFix": true,
        })
    );
    let println = all.as_array().unwrap().iter().find(|practice| practice["id"] == "no-fmt-println").unwrap();
    assert_eq!(println["severity"], "error", "the project's config raises it");

    // For a path: its language and the practices' files/ignores globs decide.
    let shipped = session.answer("list_practices", json!({"path": "web/src/checkout.ts"})).await;
    assert_eq!(ids(&shipped), ["no-console-log", "no-explicit-any", "todo-needs-ticket"]);
    let test = session.answer("list_practices", json!({"path": "web/src/orders.test.ts"})).await;
    assert_eq!(ids(&test), ["no-explicit-any", "todo-needs-ticket"]);
    let absolute = project.path().join("gateway/main.go");
    let go = session.answer("list_practices", json!({"path": absolute})).await;
    assert!(ids(&go).contains(&"no-fmt-println") && !ids(&go).contains(&"no-unwrap"), "{go}");
    let readme = session.answer("list_practices", json!({"path": "README.md"})).await;
    assert_eq!(readme, json!([]));
    let outside = session.refusal("list_practices", json!({"path": "../elsewhere.ts"})).await;
    assert!(outside.contains("is outside the project"), "{outside}");

    let explained = session.answer("explain_practice", json!({"id": "no-console-log"})).await;
    assert_eq!(explained["name"], "Log through the logger");
    assert_eq!(explained["url"], "https://wiki.example.com/engineering/logging");
    assert_eq!(explained["fix"], "logger.info($$$ARGS)");
    assert!(explained["description"].as_str().unwrap().contains("**Instead** of `console.log(...)`"));
    assert_eq!(explained["examples"]["bad"], json!([{"language": "typescript", "code": "console.log(\"user\", id)"}]));
    assert_eq!(
        explained["examples"]["good"][1],
        json!({"language": "javascript", "code": "console.error(\"fatal\", err)"})
    );
    let unknown = session.refusal("explain_practice", json!({"id": "no-such-practice"})).await;
    assert!(unknown.starts_with("unknown practice `no-such-practice`; known practices: "), "{unknown}");
    assert!(unknown.contains("no-console-log") && unknown.contains("todo-needs-ticket"), "{unknown}");
    session.close().await;
}

#[tokio::test]
async fn check_file_answers_what_check_answers_and_stays_in_the_project() {
    let (project, home) = demo();
    let cli =
        support::praxis(project.path(), &["check", "web/src/orders.ts", "inventory/src/stock.rs", "--format", "json"]);
    let cli: Value = serde_json::from_str(&cli.stdout).unwrap();
    let session = Session::start(project.path(), home).await;

    for file in ["web/src/orders.ts", "inventory/src/stock.rs"] {
        let checked = session.answer("check_file", json!({"path": file})).await;
        assert_eq!(checked["errors"], json!([]));
        let expected: Vec<Value> = cli["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|finding| finding["path"] == file)
            .map(|finding| {
                let mut expected = json!({
                    "practice": finding["practice"], "severity": finding["severity"], "message": finding["message"],
                    "line": finding["start"]["line"], "column": finding["start"]["column"],
                    "endLine": finding["end"]["line"], "endColumn": finding["end"]["column"],
                });
                if !finding["fix"].is_null() {
                    expected["fix"] = finding["fix"].clone();
                }
                expected
            })
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(checked["findings"], Value::Array(expected), "{file}");
    }
    let stock = session.answer("check_file", json!({"path": "inventory/src/stock.rs"})).await;
    assert!(practices_of(&stock).contains(&"unused-ignore"), "{stock}");
    let main = session.answer("check_file", json!({"path": project.path().join("gateway/main.go")})).await;
    assert_eq!(main["findings"][0]["severity"], "error", "{main}");

    // Refused: paths out of the project, by `..`, absolutely or through a symlink, and what
    // is not a readable source file.
    let elsewhere = tempfile::tempdir().unwrap();
    let secret = elsewhere.path().join("secret.rs");
    std::fs::write(&secret, "fn main() { x.unwrap(); }\n").unwrap();
    for path in [json!("../secret.rs"), json!("inventory/../../secret.rs"), json!(secret)] {
        let refused = session.refusal("check_file", json!({"path": path})).await;
        assert!(refused.contains("is outside the project"), "{refused}");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&secret, project.path().join("inventory/src/linked.rs")).unwrap();
        let refused = session.refusal("check_file", json!({"path": "inventory/src/linked.rs"})).await;
        assert!(refused.contains("leads out of the project through a symlink"), "{refused}");
    }
    let missing = session.refusal("check_file", json!({"path": "inventory/src/gone.rs"})).await;
    assert_eq!(missing, "`inventory/src/gone.rs` does not exist");
    let folder = session.refusal("check_file", json!({"path": "inventory"})).await;
    assert_eq!(folder, "`inventory` is not a file");
    let readme = session.refusal("check_file", json!({"path": "README.md"})).await;
    assert_eq!(readme, "`README.md`: no supported language for this file");
    let huge = project.path().join("web/src/huge.ts");
    std::fs::write(&huge, "let a = 1;\n".repeat(1024 * 1024)).unwrap();
    let refused = session.refusal("check_file", json!({"path": "web/src/huge.ts"})).await;
    assert_eq!(refused, "`web/src/huge.ts`: skipped: larger than 10 MiB");
    std::fs::write(project.path().join("web/src/latin1.ts"), b"let s = '\xe9';\n").unwrap();
    let refused = session.refusal("check_file", json!({"path": "web/src/latin1.ts"})).await;
    assert!(refused.contains("not valid UTF-8"), "{refused}");
    session.close().await;
}

#[tokio::test]
async fn check_code_before_it_is_written() {
    let (project, home) = demo();
    let session = Session::start(project.path(), home).await;
    let code = "export function total(items: any[]) {\n  console.log(\"total\", items.length);\n}\n";

    // The path decides the language and the globs.
    let shipped = session.answer("check_code", json!({"code": code, "path": "web/src/total.ts"})).await;
    assert_eq!(practices_of(&shipped), ["no-explicit-any", "no-console-log"], "{shipped}");
    let console = &shipped["findings"][1];
    assert_eq!(
        *console,
        json!({
            "practice": "no-console-log", "severity": "warning", "message": "Use logger.info instead of console.log",
            "line": 2, "column": 3, "endLine": 2, "endColumn": 37, "fix": "logger.info(\"total\", items.length)",
        })
    );
    let test = session.answer("check_code", json!({"code": code, "path": "web/src/total.test.ts"})).await;
    assert_eq!(practices_of(&test), ["no-explicit-any"], "ignored by the practice's `ignores`");
    // A language by alias, with no path: every practice of the language applies.
    let alone = session.answer("check_code", json!({"code": code, "language": "ts"})).await;
    assert_eq!(practices_of(&alone), ["no-explicit-any", "no-console-log"]);
    // `language` wins over the extension; the path still decides the globs.
    let python = session
        .answer(
            "check_code",
            json!({"code": "def f(x=[]):\n    pass\n", "language": "python", "path": "pricing/new.txt"}),
        )
        .await;
    assert_eq!(practices_of(&python), ["no-mutable-default-arg"]);
    let clean = session.answer("check_code", json!({"code": "fn main() {}\n", "language": "rust"})).await;
    assert_eq!(clean, json!({"findings": [], "errors": []}));

    let unknown = session.refusal("check_code", json!({"code": "IDENTIFICATION DIVISION.", "language": "cobol"})).await;
    assert!(unknown.starts_with("unknown language `cobol`; known languages: "), "{unknown}");
    assert!(unknown.contains("typescript"), "{unknown}");
    let nothing = session.refusal("check_code", json!({"code": "x"})).await;
    assert!(nothing.contains("give `language`"), "{nothing}");
    let no_extension = session.refusal("check_code", json!({"code": "x", "path": "web/Makefile.in"})).await;
    assert_eq!(no_extension, "no supported language for `web/Makefile.in`; give `language`");
    let outside = session.refusal("check_code", json!({"code": "x", "language": "go", "path": "/etc/passwd.go"})).await;
    assert!(outside.contains("is outside the project"), "{outside}");
    let huge = session.refusal("check_code", json!({"code": "x".repeat(1024 * 1024 + 1), "language": "go"})).await;
    assert!(huge.contains("more than the 1024 KiB this tool takes"), "{huge}");
    // Arguments that do not fit the schema are refused as well, and the session goes on.
    let misnamed = session.refusal("check_code", json!({"source": "x"})).await;
    assert!(misnamed.contains("unknown field `source`"), "{misnamed}");
    assert_eq!(session.answer("check_code", json!({"code": "", "language": "go"})).await["findings"], json!([]));
    session.close().await;
}

#[tokio::test]
async fn test_practice_compiles_yaml_and_runs_its_examples() {
    let (project, home) = demo();
    let session = Session::start(project.path(), home).await;
    let good = "\
id: no-eval
name: Do not eval
languages: [python]
rule:
  pattern: eval($$$A)
examples:
  bad:
    - code: eval(text)
  good:
    - code: int(text)
";
    let tested = session.answer("test_practice", json!({"yaml": good})).await;
    assert_eq!(
        tested,
        json!({
            "ok": true, "errors": [],
            "examples": [{"kind": "bad", "index": 0, "passed": true}, {"kind": "good", "index": 0, "passed": true}],
        })
    );

    // An example the rule gets wrong: where it is, and why.
    let failing = session.answer("test_practice", json!({"yaml": good.replace("int(text)", "eval(other)")})).await;
    assert_eq!(failing["ok"], false);
    let example = &failing["examples"][1];
    assert_eq!(
        (example["kind"].as_str(), example["passed"].as_bool(), example["line"].as_u64()),
        (Some("good"), Some(false), Some(10)),
        "{failing}"
    );
    assert_eq!(example["message"], "produced 1 finding(s), first at `eval(other)`", "{failing}");

    // Broken YAML and a rule that does not compile: located errors.
    let broken = session.answer("test_practice", json!({"yaml": "id: x\nname: [unclosed\nlanguages: [rust]\n"})).await;
    assert_eq!(broken["ok"], false);
    assert_eq!(broken["examples"], json!([]));
    assert_eq!(broken["errors"].as_array().unwrap().len(), 1, "{broken}");
    assert!(broken["errors"][0]["line"].as_u64().unwrap() >= 2, "{broken}");
    assert!(broken["errors"][0]["column"].is_u64(), "{broken}");
    let typo = good.replace("  pattern:", "  patern:");
    let typo = session.answer("test_practice", json!({"yaml": typo})).await;
    assert_eq!(typo["errors"][0]["line"], 5, "{typo}");
    assert_eq!(typo["errors"][0]["column"], 3, "{typo}");
    assert!(typo["errors"][0]["message"].as_str().unwrap().starts_with("unknown field `patern`"), "{typo}");
    let language = good.replace("[python]", "[pythonish]");
    let language = session.answer("test_practice", json!({"yaml": language})).await;
    assert_eq!((language["errors"][0]["line"].as_u64(), language["errors"][0]["column"].as_u64()), (Some(3), Some(13)));
    // Hostile documents: the engine's own limits, no crash.
    let deep = format!("id: x\nname: x\nlanguages: [rust]\nrule: {}{}\n", "{not: ".repeat(200), "}".repeat(200));
    let deep = session.answer("test_practice", json!({"yaml": deep})).await;
    assert_eq!(deep["ok"], false, "{deep}");
    let huge = session.answer("test_practice", json!({"yaml": format!("id: x\n#{}\n", "x".repeat(1024 * 1024))})).await;
    assert!(huge["errors"][0]["message"].as_str().unwrap().contains("larger than"), "{huge}");
    session.close().await;
}

#[tokio::test]
async fn practice_files_edited_under_a_running_server_are_reloaded() {
    let (project, home) = demo();
    let session = Session::start(project.path(), home).await;
    let code = json!({"code": "fn main() { let port = env::var(\"PORT\").unwrap(); }\n", "language": "rust"});
    let before = session.answer("check_code", code.clone()).await;
    assert_eq!(
        before["findings"][0]["message"],
        "`env::var(\"PORT\").unwrap()` panics on failure; use `?` or handle the error"
    );

    let file = project.path().join(".praxis/practices/no-unwrap.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("panics on failure", "aborts the request")).unwrap();
    let after = session.answer("check_code", code.clone()).await;
    assert_eq!(
        after["findings"][0]["message"],
        "`env::var(\"PORT\").unwrap()` aborts the request; use `?` or handle the error"
    );

    // The config too: a practice disabled there is gone at the next call.
    let config = project.path().join(".praxis/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("disable = []", "disable = [\"no-unwrap\"]")).unwrap();
    assert_eq!(session.answer("check_code", code.clone()).await["findings"], json!([]));
    assert!(!ids(&session.answer("list_practices", json!({})).await).contains(&"no-unwrap"));

    // A practice broken under the server is reported with each check, said once in its log,
    // and the others go on.
    std::fs::write(project.path().join(".praxis/practices/broken.yaml"), "id: broken\nname: [\n").unwrap();
    for _ in 0..2 {
        let go = "package main\n\nfunc main() { fmt.Println(1) }\n";
        let checked = session.answer("check_code", json!({"code": go, "language": "go"})).await;
        assert_eq!(practices_of(&checked), ["no-fmt-println"], "{checked}");
        let error = &checked["errors"][0];
        assert!(error["path"].as_str().unwrap().ends_with("broken.yaml"), "{checked}");
        assert!(error["start"]["line"].is_u64(), "{checked}");
    }
    let log = session.log();
    assert_eq!(log.lines().filter(|line| line.contains("broken.yaml")).count(), 1, "{log}");
    session.close().await;
}

#[tokio::test]
async fn the_team_servers_cached_practices_are_in_force_with_no_network() {
    let mut server = TeamServer::start();
    server.create_space("backend");
    server.put_practice(
        "backend",
        &json!({
            "id": "no-print", "name": "Log instead of print", "languages": ["python"],
            "rule": {"pattern": "print($$$A)"},
            "examples": {"bad": [{"code": "print(1)"}], "good": [{"code": "log(1)"}]},
        }),
    );
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join(".praxis")).unwrap();
    let config = format!("[server]\nurl = \"{}\"\nspace = \"backend\"\n", server.url());
    std::fs::write(project.path().join(".praxis/config.toml"), config).unwrap();
    let mut login = praxis_command_in(home.path())
        .args(["login", "--server", &server.url(), "--space", "backend", "--token-stdin"])
        .current_dir(project.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    login.stdin.take().unwrap().write_all(format!("{}\n", server.owner).as_bytes()).unwrap();
    let login = login.wait_with_output().unwrap();
    assert!(login.status.success(), "{}", String::from_utf8_lossy(&login.stderr));
    // The server is gone: the practices come from the cache of the last pull.
    server.stop();

    let session = Session::start(project.path(), home).await;
    assert_eq!(ids(&session.answer("list_practices", json!({})).await), ["no-print"]);
    let checked = session.answer("check_code", json!({"code": "print('hi')\n", "path": "app.py"})).await;
    assert_eq!(practices_of(&checked), ["no-print"]);
    session.close().await;
}

#[tokio::test]
async fn outside_a_project_the_tools_say_why_and_test_practice_still_works() {
    let folder = tempfile::tempdir().unwrap();
    let session = Session::start(folder.path(), tempfile::tempdir().unwrap()).await;
    let refused = session.refusal("list_practices", json!({})).await;
    assert!(refused.starts_with("no practices: no .praxis folder in "), "{refused}");
    assert!(refused.contains("praxis init"), "{refused}");
    let tested = session
        .answer("test_practice", json!({"yaml": "id: a\nname: A\nlanguages: [go]\nrule: {pattern: panic($X)}\n"}))
        .await;
    assert_eq!(tested, json!({"ok": true, "errors": [], "examples": []}));
    session.close().await;
}

/// Stdout carries the protocol and nothing else, even when the practices have something to
/// say; the server ends when the client closes stdin.
#[test]
fn stdout_is_only_the_protocol_and_closing_stdin_ends_the_server() {
    let (project, home) = demo();
    std::fs::write(project.path().join(".praxis/practices/broken.yaml"), "id: broken\n").unwrap();
    let mut child = praxis_command_in(home.path())
        .arg("mcp")
        .current_dir(project.path())
        .env("PRAXIS_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (lines, received) = mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || stdout.lines().map_while(Result::ok).for_each(|line| drop(lines.send(line))));
    let mut send = |message: Value| writeln!(stdin, "{message}").unwrap();
    let answer = || -> Value {
        let line = received.recv_timeout(DEADLINE).expect("an answer in time");
        serde_json::from_str(&line).unwrap_or_else(|err| panic!("stdout holds only JSON-RPC: {err}: {line}"))
    };
    send(json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}},
    }));
    let initialized = answer();
    assert_eq!(initialized["result"]["serverInfo"]["name"], "praxis", "{initialized}");
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(json!({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "check_file", "arguments": {"path": "gateway/main.go"}},
    }));
    let checked = answer();
    assert_eq!(checked["id"], 2);
    let text = checked["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("no-fmt-println"), "{checked}");
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(received.recv_timeout(Duration::from_secs(1)).is_err(), "nothing more on stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.yaml"), "the broken practice is logged on stderr: {stderr}");
}
