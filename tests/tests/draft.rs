//! `praxis practice draft` end to end, against a fake chat-completions server on 127.0.0.1 that
//! records every request (headers and body) and answers from a script: the retry loop, answers
//! that never pass, 429 with `Retry-After`, Azure's URL and header, refusals, and what leaves
//! the machine (the description and the chosen lines; no other code, no file name, no path, and
//! the key in no output).

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::fake_model::{FakeModel, answer, error};
use support::lsp::Lsp;
use support::{Run, praxis_command};

const KEY: &str = "sk-test-key-5150-do-not-leak";
const UNSELECTED_MARKER: &str = "zebra-unselected-7781";
const OTHER_FILE_MARKER: &str = "zebra-other-file-4432";

/// A project with one Python file holding a bad line, a good line and an unselected marker, and
/// another file with a marker of its own.
/// A team server whose space `backend` drafts with `model`, a member's token, and a project
/// that follows the space and has no `[llm]` of its own.
fn team_project(model: &FakeModel) -> (support::team::TeamServer, String, tempfile::TempDir) {
    let server = support::team::TeamServer::start();
    server.create_space("backend");
    let member = server.member("backend", "dev@example.com", "member");
    let base_url = format!("http://127.0.0.1:{}/v1", model.addr.port());
    let integration =
        serde_json::json!({"provider": "openai", "base_url": base_url, "model": "test-model", "key": KEY});
    server.owner_call("PUT", "/spaces/backend/integrations/llm", Some(&integration));
    let dir = project("");
    let config = format!("[server]\nurl = \"{}\"\nspace = \"backend\"\n", server.url());
    std::fs::write(dir.path().join(".praxis/config.toml"), config).unwrap();
    (server, member, dir)
}

fn project(llm: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".praxis/practices")).unwrap();
    std::fs::write(dir.path().join(".praxis/config.toml"), format!("[llm]\n{llm}")).unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/billing.py"),
        format!(
            "API_TOKEN = \"{UNSELECTED_MARKER}\"\n\ndef total(items):\n    print(\"total\", items)\n    \
             log.info(\"total %s\", items)\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("src/other.py"), format!("SECRET = \"{OTHER_FILE_MARKER}\"\nprint(SECRET)\n"))
        .unwrap();
    dir
}

fn openai(model: &FakeModel) -> String {
    format!("base_url = \"http://127.0.0.1:{}/v1\"\nmodel = \"test-model\"\n", model.addr.port())
}

fn draft(dir: &Path, extra: &[&str]) -> Run {
    draft_with(dir, extra, ("PRAXIS_LLM_KEY", KEY))
}

/// `praxis practice draft` of the billing snippets, with `extra` arguments and one variable set
/// (the provider's key, or the team server's token).
fn draft_with(dir: &Path, extra: &[&str], (name, value): (&str, &str)) -> Run {
    let mut args = vec![
        "practice",
        "draft",
        "--describe",
        "Do not print in billing code; log through `log.info` so the output keeps its level.",
        "--bad",
        "src/billing.py:4-4",
        "--good",
        "src/billing.py:5-5",
    ];
    args.extend_from_slice(extra);
    praxis_command().args(&args).current_dir(dir).env(name, value).output().unwrap().into()
}

fn practice(rule: &str) -> String {
    format!(
        "```yaml\nid: no-print-in-billing\nname: Log instead of print\ndescription: Printed output has no level.\n\
         severity: warning\nlanguages: [python]\nmessage: Use log.info instead of print\nrule:\n  {rule}\n```\n"
    )
}

fn written(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join(".praxis/practices")).unwrap().map(|entry| entry.unwrap().path()).collect()
}

#[track_caller]
fn assert_no_key(run: &Run) {
    assert!(!run.stdout.contains(KEY) && !run.stderr.contains(KEY), "the key leaked:\n{}\n{}", run.stdout, run.stderr);
}

#[test]
fn a_rule_that_misses_is_sent_back_and_the_second_passes_and_is_written() {
    let model = FakeModel::start(vec![
        answer(&format!("Here is the practice:\n\n{}", practice("pattern: echo($$$ARGS)"))),
        answer(&practice("pattern: print($$$ARGS)")),
    ]);
    let dir = project(&openai(&model));
    let run = draft(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_no_key(&run);
    assert!(
        run.stderr.contains("attempt 1: 1 error\n  no-print-in-billing: bad example 1 (python) produced no finding\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("attempt 2: passed\n"), "{}", run.stderr);
    assert!(run.stderr.contains("tokens: 2400 sent, 160 received"), "{}", run.stderr);

    let path = dir.path().join(".praxis/practices/no-print-in-billing.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    assert_eq!(run.stdout, yaml, "stdout is the practice written");
    assert!(yaml.contains("pattern: print($$$ARGS)") && yaml.contains("print(\"total\", items)"), "{yaml}");
    assert_eq!(written(dir.path()).len(), 1, "no temporary file left");
    let test = support::praxis(dir.path(), &["test"]);
    assert_eq!(test.code, 0, "{}\n{}", test.stdout, test.stderr);
    assert!(test.stdout.contains("ok    no-print-in-billing (1 bad, 1 good)"), "{}", test.stdout);

    let requests = model.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].line, "POST /v1/chat/completions");
    assert_eq!(requests[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    let first = requests[0].json();
    assert_eq!((first["model"].as_str(), first["temperature"].as_f64()), (Some("test-model"), Some(0.0)));
    assert_eq!(first["messages"].as_array().unwrap().len(), 2);
    let second = requests[1].json();
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[2]["role"], "assistant");
    assert!(
        messages[3]["content"]
            .as_str()
            .unwrap()
            .contains("- no-print-in-billing: bad example 1 (python) produced no finding"),
        "{}",
        messages[3]
    );

    // Only what was chosen left: the description and the two lines, never the rest of the file,
    // another file, a file name or a path.
    let raw = model.raw();
    assert!(raw.contains("print(\\\"total\\\", items)") && raw.contains("log through `log.info`"), "{raw}");
    for secret in [UNSELECTED_MARKER, OTHER_FILE_MARKER, "billing.py", "other.py", "src/", "def total"] {
        assert!(!raw.contains(secret), "`{secret}` was sent");
    }
    let root = dir.path().to_string_lossy().into_owned();
    assert!(!raw.contains(&root) && !raw.contains(".praxis"), "a path was sent");

    // An existing file is not replaced: with --id the refusal comes before any request.
    let again = draft(dir.path(), &["--id", "no-print-in-billing"]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("no-print-in-billing.yaml exists; pass --force to replace it"), "{}", again.stderr);
    assert_eq!(model.requests().len(), 2);
}

#[test]
fn answers_that_never_pass_exit_1_and_write_nothing() {
    let model = FakeModel::start(vec![
        answer("I am sorry, I cannot write YAML: {[ "),
        answer(&practice("pattern: print($$$ARGS)\nseverty: error")),
        answer(&practice("kind: call")),
    ]);
    let dir = project(&openai(&model));
    let run = draft(dir.path(), &["--attempts", "3"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_no_key(&run);
    assert!(written(dir.path()).is_empty(), "nothing is written");
    assert_eq!(model.requests().len(), 3);
    assert!(run.stderr.contains("attempt 1: 1 error\n  line 1, column "), "{}", run.stderr);
    assert!(run.stderr.contains("attempt 2: 1 error\n  line 9, column 1: unknown field `severty`"), "{}", run.stderr);
    assert!(
        run.stderr.contains("attempt 3: 1 error\n  no-print-in-billing: good example 1 (python) produced"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no attempt passed in 3 attempts"), "{}", run.stderr);
    assert!(
        run.stdout.contains("kind: call") && run.stdout.contains("examples:"),
        "the last draft is printed: {}",
        run.stdout
    );
    let third = model.requests()[2].json();
    let feedback = third["messages"][5]["content"].as_str().unwrap().to_owned();
    assert!(feedback.contains("unknown field `severty`"), "{feedback}");
}

#[test]
fn too_many_requests_is_waited_out() {
    let model = FakeModel::start(vec![
        error(429, vec![("Retry-After", "1".into())], "Rate limit reached"),
        answer(&practice("pattern: print($$$ARGS)")),
    ]);
    let dir = project(&openai(&model));
    let started = Instant::now();
    let run = draft(dir.path(), &["--out", "drafted.yaml"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was honoured");
    assert_eq!(model.requests().len(), 2);
    assert_eq!(model.requests()[0].body, model.requests()[1].body, "the same request again");
    assert!(dir.path().join("drafted.yaml").is_file());
}

#[test]
fn azure_has_its_own_url_and_header() {
    let model = FakeModel::start(vec![answer(&practice("pattern: print($$$ARGS)"))]);
    let dir = project(&format!(
        "provider = \"azure\"\nbase_url = \"http://127.0.0.1:{}\"\nmodel = \"gpt-4o\"\ndeployment = \"rules\"\n\
         api_version = \"2024-10-21\"\n",
        model.addr.port()
    ));
    let run = draft(dir.path(), &["--id", "billing-logs", "--out", "out/billing.yaml"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let request = &model.requests()[0];
    assert_eq!(request.line, "POST /openai/deployments/rules/chat/completions?api-version=2024-10-21");
    assert_eq!(request.header("api-key"), Some(KEY));
    assert_eq!(request.header("authorization"), None);
    let yaml = std::fs::read_to_string(dir.path().join("out/billing.yaml")).unwrap();
    assert!(yaml.starts_with("id: billing-logs\n"), "{yaml}");
}

#[test]
fn refusals_say_why_in_one_line_without_the_key() {
    // Plain http:// to another machine: refused before any connection.
    let dir = project("base_url = \"http://10.1.2.3/v1\"\nmodel = \"m\"\n");
    let run = draft(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("uses plain http:// to another machine"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);

    // A key in the project's config.
    let dir = project("base_url = \"https://api.example.com/v1\"\nmodel = \"m\"\nkey = \"sk-in-the-repo\"\n");
    let run = draft(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("config.toml:4:7: [llm] key: a key is never read from a config file"),
        "{}",
        run.stderr
    );

    // No key anywhere (and no keyring in tests).
    let model = FakeModel::start(vec![]);
    let dir = project(&openai(&model));
    let run: Run = praxis_command()
        .args(["practice", "draft", "--describe", "x", "--bad", "src/billing.py:4-4"])
        .current_dir(dir.path())
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("set PRAXIS_LLM_KEY, or run `praxis llm login`"), "{}", run.stderr);
    let login: Run =
        praxis_command().args(["llm", "login", "--key-stdin"]).current_dir(dir.path()).output().unwrap().into();
    assert_eq!(login.code, 2);
    assert!(login.stderr.contains("no OS keyring here to keep the key in; set PRAXIS_LLM_KEY"), "{}", login.stderr);

    // The provider refuses the key and quotes it: the one line says so without it.
    let model = FakeModel::start(vec![error(401, Vec::new(), &format!("Incorrect API key provided: {KEY}."))]);
    let dir = project(&openai(&model));
    let run = draft(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert_no_key(&run);
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "error: llm: POST http://127.0.0.1:{}/v1/chat/completions answered 401 Unauthorized: Incorrect API key \
             provided: <redacted>.",
            model.addr.port()
        )
    );
    assert!(written(dir.path()).is_empty());
}

/// `--server`: the followed space's server drafts with the provider its admin set. The member
/// has no key and no `[llm]`; the practice is written as the local path writes it; the server
/// keeps the day's tokens; only the description and the chosen lines left the machine.
#[test]
fn through_the_team_server_with_the_spaces_provider() {
    let model = FakeModel::start(vec![
        answer(&practice("pattern: echo($$$ARGS)")),
        answer(&practice("pattern: print($$$ARGS)")),
    ]);
    let (server, member, dir) = team_project(&model);
    let run = |extra: &[&str]| -> Run {
        let mut args = vec!["--server"];
        args.extend_from_slice(extra);
        draft_with(dir.path(), &args, ("PRAXIS_TOKEN", &member))
    };
    let drafted = run(&[]);
    assert_eq!(drafted.code, 0, "{}\n{}", drafted.stdout, drafted.stderr);
    assert_no_key(&drafted);
    assert!(
        drafted
            .stderr
            .contains("attempt 1: 1 error\n  no-print-in-billing: bad example 1 (python) produced no finding\n"),
        "{}",
        drafted.stderr
    );
    assert!(drafted.stderr.contains("attempt 2: passed\ntokens: 2400 sent, 160 received\n"), "{}", drafted.stderr);
    let yaml = std::fs::read_to_string(dir.path().join(".praxis/practices/no-print-in-billing.yaml")).unwrap();
    assert_eq!(drafted.stdout, yaml);
    let test = support::praxis(dir.path(), &["test"]);
    assert_eq!(test.code, 0, "{}\n{}", test.stdout, test.stderr);

    // The server kept the tokens and no practice; the provider saw the chosen lines only.
    let stats = server.owner_call("GET", "/spaces/backend/stats?from=2000-01-01&to=2100-12-31", None);
    assert_eq!((stats["llm"][0]["sent"].as_u64(), stats["llm"][0]["received"].as_u64()), (Some(2400), Some(160)));
    assert_eq!(server.practices("backend")["practices"], serde_json::json!([]));
    let raw = model.raw();
    assert!(raw.contains("print(\\\"total\\\", items)"), "{raw}");
    for secret in [UNSELECTED_MARKER, OTHER_FILE_MARKER, "billing.py", "src/", "def total", ".praxis"] {
        assert!(!raw.contains(secret), "`{secret}` was sent");
    }

    // --attempts is the server's to decide; a space without an integration says so in one line.
    let refused = run(&["--attempts", "2"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    server.owner_call("DELETE", "/spaces/backend/integrations/llm", None);
    let none = run(&["--out", "other.yaml"]);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(none.stderr.contains("answered 409: this space has no LLM integration"), "{}", none.stderr);
    assert_eq!(none.stderr.lines().count(), 1, "{}", none.stderr);
    assert!(!dir.path().join("other.yaml").exists());
}

/// `praxis lsp` with `PRAXIS_LLM_KEY` set or not, its progress shown, in `dir`.
fn editor(dir: &Path, key: bool) -> Lsp {
    let mut command = praxis_command();
    if key {
        command.env("PRAXIS_LLM_KEY", KEY);
    }
    let mut lsp = Lsp::spawn_command(command, dir);
    lsp.initialize(&[dir], serde_json::Value::Null, false, serde_json::json!({"window": {"workDoneProgress": true}}));
    lsp
}

const DRAFT_ACTION: &str = "Draft practice from selection with AI";

/// The code actions' titles for `range` in `uri`.
fn action_titles(lsp: &mut Lsp, uri: &str, range: serde_json::Value) -> Vec<String> {
    let actions = lsp.code_actions(uri, range, serde_json::json!([]));
    actions.iter().filter_map(|action| action["title"].as_str().map(str::to_owned)).collect()
}

fn line_range(line: u64, end: u64) -> serde_json::Value {
    serde_json::json!({"start": {"line": line, "character": 0}, "end": {"line": line, "character": end}})
}

#[test]
fn the_editor_offers_the_draft_action_only_when_an_llm_is_at_hand() {
    let model = FakeModel::start(vec![]);
    let billing_line = line_range(3, 25);
    // [llm] and its key: offered on a selection, not on an empty one.
    let dir = project(&openai(&model));
    let mut lsp = editor(dir.path(), true);
    let doc = lsp.open(
        &dir.path().join("src/billing.py"),
        "python",
        &std::fs::read_to_string(dir.path().join("src/billing.py")).unwrap(),
    );
    lsp.wait_version(&doc.uri, 1);
    let titles = action_titles(&mut lsp, &doc.uri, billing_line.clone());
    assert!(titles.iter().any(|title| title == DRAFT_ACTION), "{titles:?}");
    let action = lsp.code_actions(&doc.uri, billing_line.clone(), serde_json::json!([]));
    let action = action.iter().find(|action| action["title"] == DRAFT_ACTION).unwrap();
    assert_eq!(action["command"]["command"], "praxis.draftPractice");
    assert_eq!(
        action["command"]["arguments"],
        serde_json::json!([{"uri": doc.uri, "range": billing_line, "kind": "bad"}])
    );
    assert!(!action_titles(&mut lsp, &doc.uri, line_range(1, 0)).iter().any(|title| title == DRAFT_ACTION));
    lsp.shutdown();

    // [llm] without a key anywhere (no keyring in tests), or nothing configured: not offered.
    for (llm, key) in [(openai(&model), false), (String::new(), true)] {
        let dir = project(&llm);
        let mut lsp = editor(dir.path(), key);
        let text = std::fs::read_to_string(dir.path().join("src/billing.py")).unwrap();
        let doc = lsp.open(&dir.path().join("src/billing.py"), "python", &text);
        lsp.wait_version(&doc.uri, 1);
        let titles = action_titles(&mut lsp, &doc.uri, billing_line.clone());
        assert!(titles.iter().any(|title| title.starts_with("Create practice")), "{titles:?}");
        assert!(!titles.iter().any(|title| title == DRAFT_ACTION), "{llm:?}, key {key}: {titles:?}");
        lsp.shutdown();
    }
    assert!(model.requests().is_empty());
}

#[test]
fn the_editor_drafts_from_the_selection_writes_the_practice_and_shows_it() {
    let model = FakeModel::start(vec![
        answer(&practice("pattern: echo($$$ARGS)")),
        answer(&practice("pattern: print($$$ARGS)")),
        // The next draft never passes.
        answer(&practice("pattern: echo($$$ARGS)")),
        answer(&practice("pattern: echo($$$ARGS)")),
        answer(&practice("pattern: echo($$$ARGS)")),
        answer(&practice("pattern: echo($$$ARGS)")),
    ]);
    let dir = project(&openai(&model));
    let mut lsp = editor(dir.path(), true);
    let text = std::fs::read_to_string(dir.path().join("src/billing.py")).unwrap();
    let doc = lsp.open(&dir.path().join("src/billing.py"), "python", &text);
    lsp.wait_version(&doc.uri, 1);
    let describe = "Do not print in billing code; log through log.info.";
    let arguments =
        serde_json::json!([{"uri": doc.uri, "range": line_range(3, 25), "kind": "bad", "describe": describe}]);
    assert_eq!(lsp.execute("praxis.draftPractice", arguments.clone()), serde_json::json!({"started": true}));

    let show = lsp.wait_server_request("window/showDocument");
    let path = dir.path().join(".praxis/practices/no-print-in-billing.yaml");
    assert_eq!(show["params"]["uri"], support::lsp::uri(&path.canonicalize().unwrap()), "{show}");
    let yaml = std::fs::read_to_string(&path).unwrap();
    assert!(yaml.contains("pattern: print($$$ARGS)") && yaml.contains("print(\"total\", items)"), "{yaml}");
    let told = lsp.wait_notification("window/showMessage", |params| {
        params["message"].as_str().is_some_and(|message| message.contains("drafted practice `no-print-in-billing`"))
    });
    assert_eq!(told["type"], 3, "{told}");
    assert!(told["message"].as_str().unwrap().contains("in 2 attempts (2400 tokens sent, 160 received)"), "{told}");
    lsp.wait_server_request("window/workDoneProgress/create");
    // The new practice applies to the open document.
    lsp.wait_diagnostics(&doc.uri, |diagnostics| diagnostics.iter().any(|d| d["code"] == "no-print-in-billing"));

    // Only the description and the selected line went to the model.
    let raw = model.raw();
    assert!(raw.contains("print(\\\"total\\\", items)") && raw.contains(describe), "{raw}");
    for secret in
        [UNSELECTED_MARKER, OTHER_FILE_MARKER, "billing.py", "src/", "def total", ".praxis", "log.info(\\\"total"]
    {
        assert!(!raw.contains(secret), "`{secret}` was sent");
    }

    // A draft that never passes is written nowhere; the message gives the last errors.
    assert_eq!(lsp.execute("praxis.draftPractice", arguments), serde_json::json!({"started": true}));
    let failed = lsp.wait_notification("window/showMessage", |params| {
        params["message"].as_str().is_some_and(|message| message.contains("no draft passed"))
    });
    let message = failed["message"].as_str().unwrap();
    assert!(
        message.contains("in 4 attempts; nothing was written")
            && message.contains("The last one: no-print-in-billing: bad example 1 (python) produced no finding."),
        "{message}"
    );
    assert_eq!(written(dir.path()).len(), 1);
    lsp.shutdown();
}

#[test]
fn in_other_editors_the_description_is_the_praxis_comment_above_the_selection() {
    let model = FakeModel::start(vec![answer(&practice("pattern: print($$$ARGS)"))]);
    // No [llm] here: the followed team server drafts, with the provider its admin set.
    // `_server` keeps the server running to the end of the test.
    let (_server, member, dir) = team_project(&model);
    let text = "def total(items):\n    # praxis: do not print in billing code;\n    #   log through log.info\n    print(\"total\", items)\n";
    let file = dir.path().join("src/report.py");
    std::fs::write(&file, text).unwrap();

    let mut command = praxis_command();
    command.env("PRAXIS_TOKEN", &member);
    let mut lsp = Lsp::spawn_command(command, dir.path());
    lsp.initialize(&[dir.path()], serde_json::Value::Null, false, serde_json::json!({}));
    let doc = lsp.open(&file, "python", text);
    lsp.wait_version(&doc.uri, 1);
    let range = line_range(3, 25);
    assert!(action_titles(&mut lsp, &doc.uri, range.clone()).iter().any(|title| title == DRAFT_ACTION));
    let started =
        lsp.execute("praxis.draftPractice", serde_json::json!([{"uri": doc.uri, "range": range, "kind": "bad"}]));
    assert_eq!(started, serde_json::json!({"started": true}));
    lsp.wait_server_request("window/showDocument");
    assert!(dir.path().join(".praxis/practices/no-print-in-billing.yaml").is_file());
    let sent = model.requests()[0].json();
    let user = sent["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("do not print in billing code; log through log.info"), "{user}");
    assert!(!user.contains("def total"), "{user}");

    // With neither a description nor a comment: a message says how to give one.
    let plain = lsp.open(
        &dir.path().join("src/billing.py"),
        "python",
        &std::fs::read_to_string(dir.path().join("src/billing.py")).unwrap(),
    );
    lsp.wait_version(&plain.uri, 1);
    let refused = lsp.execute(
        "praxis.draftPractice",
        serde_json::json!([{"uri": plain.uri, "range": line_range(3, 25), "kind": "bad"}]),
    );
    assert_eq!(refused["started"], false, "{refused}");
    let told = lsp.wait_notification("window/showMessage", |params| {
        params["message"].as_str().is_some_and(|message| message.contains("starting with `praxis:`"))
    });
    assert_eq!(told["type"], 2, "{told}");
    assert_eq!(model.requests().len(), 1);
    lsp.shutdown();
}
