//! `praxis lsp` end to end: the real binary driven over stdio by a small LSP client
//! (`support/lsp.rs`), each test in its own temporary project.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use support::lsp::{Doc, Lsp, cli_column, position, uri};
use support::{copy_tree, fixture, line_of, praxis};

// ---------------------------------------------------------------------------------------------
// Projects and practices.

/// A copy of `tests/fixtures/basic` (TypeScript and Python sources, four practices, a config
/// that disables one and raises `no-print` to error).
fn basic_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("basic"), dir.path());
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Python: `print(...)` is flagged.
fn no_print_yaml() -> &'static str {
    "id: no-print\nname: No print\ndescription: Use the logger.\nseverity: warning\nlanguages: [python]\nrule:\n  pattern: print($$$A)\nexamples:\n  bad: [{code: 'print(1)'}]\n  good: [{code: 'log(1)'}]\n"
}

/// Python: `eval(...)` is flagged.
fn no_eval_yaml() -> &'static str {
    "id: no-eval\nname: No eval\nseverity: error\nlanguages: [python]\nrule:\n  pattern: eval($$$A)\nexamples:\n  bad: [{code: 'eval(x)'}]\n  good: [{code: 'int(x)'}]\n"
}

/// TypeScript: the identifier `greeting` is flagged (the basic fixture's `src/app.ts` has it).
fn no_greeting_yaml() -> &'static str {
    "id: no-greeting\nname: Say hello differently\nseverity: hint\nlanguages: [typescript]\nrule:\n  kind: identifier\n  regex: '^greeting$'\nexamples:\n  bad: [{code: 'greeting'}]\n  good: [{code: 'salutation'}]\n"
}

/// CSS: `!important` is flagged.
fn no_important_yaml() -> &'static str {
    "id: no-important\nname: No !important\nlanguages: [css]\nrule: {kind: important}\nexamples:\n  bad: [{code: 'a { color: red !important; }'}]\n  good: [{code: 'a { color: red; }'}]\n"
}

/// TypeScript: the whole program, with its text as the message: the server's copy of a
/// document, shown in a diagnostic.
fn echo_text_yaml() -> &'static str {
    "id: echo-text\nname: Echo\nseverity: hint\nlanguages: [typescript]\nmessage: '$TEXT'\nrule:\n  kind: program\n  pattern: $TEXT\n"
}

fn no_capabilities() -> Value {
    Value::Null
}

// ---------------------------------------------------------------------------------------------
// Reading diagnostics.

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|d| d["code"].as_str().unwrap_or("<no code>").to_owned()).collect()
}

fn has_code(diagnostics: &[Value], code: &str) -> bool {
    diagnostics.iter().any(|d| d["code"] == code)
}

#[track_caller]
fn the<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    let found: Vec<&Value> = diagnostics.iter().filter(|d| d["code"] == code).collect();
    assert_eq!(found.len(), 1, "one `{code}` diagnostic expected in {diagnostics:#?}");
    found[0]
}

fn range(start: (u64, u64), end: (u64, u64)) -> Value {
    json!({"start": {"line": start.0, "character": start.1}, "end": {"line": end.0, "character": end.1}})
}

fn at(line: u64, character: u64) -> Value {
    json!({"line": line, "character": character})
}

fn opened(lsp: &mut Lsp, dir: &Path, file: &str, language_id: &str) -> Doc {
    let text = read(&dir.join(file));
    lsp.open(&dir.join(file), language_id, &text)
}

// ---------------------------------------------------------------------------------------------
// Diagnostics.

#[test]
fn diagnostics_follow_open_change_and_close() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    assert_eq!(lsp.init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(lsp.init["capabilities"]["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(lsp.init["serverInfo"]["name"], "praxis");

    let mut app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    let diagnostics = lsp.wait_version(&app.uri, 1);
    assert_eq!(codes(&diagnostics), ["todo-needs-ticket", "no-console-log"], "line 4 is suppressed: {diagnostics:#?}");
    for d in &diagnostics {
        assert_eq!(d["source"], "praxis");
    }
    let todo = the(&diagnostics, "todo-needs-ticket");
    assert_eq!(todo["severity"], 3, "info");
    assert_eq!(todo["range"], range((0, 0), (0, 28)));
    assert_eq!(todo["message"], "Every TODO names a ticket");
    assert!(todo.get("codeDescription").is_none_or(Value::is_null), "no url, no link: {todo}");
    let console = the(&diagnostics, "no-console-log");
    assert_eq!(console["severity"], 2, "warning");
    // `const greeting = "héllo 👋"; ` is 28 characters, 29 UTF-16 units (the emoji takes two).
    assert_eq!(console["range"], range((1, 29), (1, 53)));
    assert_eq!(console["message"], "Use logger.info instead of console.log");
    assert_eq!(console["codeDescription"]["href"], "https://wiki.example.com/logging");

    // Error (raised by config.toml) and hint (a suppression that suppresses nothing).
    let lib_text = format!("{}x = 1  # praxis-ignore: no-print\n", read(&dir.path().join("src/lib.py")));
    let lib = lsp.open(&dir.path().join("src/lib.py"), "python", &lib_text);
    let diagnostics = lsp.wait_version(&lib.uri, 1);
    assert_eq!(codes(&diagnostics), ["no-print", "unused-ignore"], "{diagnostics:#?}");
    let print = the(&diagnostics, "no-print");
    assert_eq!(print["severity"], 1, "error");
    assert_eq!(print["range"]["start"], at(2, 4));
    assert_eq!(print["message"], "print(\"总计\", sum(xs)) goes to stdout; use the logger");
    let unused = the(&diagnostics, "unused-ignore");
    assert_eq!(unused["severity"], 4, "hint");
    assert_eq!(unused["tags"], json!([1]), "tagged Unnecessary");
    assert_eq!(unused["source"], "praxis");
    assert_eq!(unused["range"]["start"]["line"], 4);

    // A change re-checks.
    let fixed = app.text.replace("console.log(greeting, 1)", "logger.info(greeting, 1)");
    let version = lsp.edit(&mut app, &fixed);
    let diagnostics = lsp.wait_version(&app.uri, version);
    assert_eq!(codes(&diagnostics), ["todo-needs-ticket"]);
    // And back.
    let broken = app.text.replace("logger.info(\"ok\")", "console.log(\"ok\")");
    let version = lsp.edit(&mut app, &broken);
    let diagnostics = lsp.wait_version(&app.uri, version);
    assert_eq!(codes(&diagnostics), ["todo-needs-ticket", "no-console-log"]);
    assert_eq!(the(&diagnostics, "no-console-log")["range"], range((2, 0), (2, 17)));

    // Closing clears.
    lsp.close(&app.uri);
    let cleared = lsp.wait_published(&app.uri, support::lsp::DEADLINE, |_| true);
    assert_eq!(cleared["diagnostics"], json!([]), "{cleared}");
    lsp.shutdown();
}

#[test]
fn a_burst_of_200_edits_ends_with_exactly_the_clients_text() {
    let dir = basic_project();
    write(&dir.path().join(".praxis/practices/echo-text.yaml"), echo_text_yaml());
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let path = dir.path().join("src/app.ts");
    let mut doc = lsp.open(&path, "typescript", "// start\n\nlogger.info(\"end\");\n");
    lsp.wait_version(&doc.uri, 1);

    // Type at a cursor in the middle of the document (line 1), one character per didChange,
    // with a backspace every 9th edit: non-ASCII, astral characters and newlines included.
    let script: Vec<char> = "console.log(\"é👋\", x);\n".chars().collect();
    let mut cursor = doc.text.find("\n\n").unwrap() + 1;
    let mut typed = 0;
    for edit in 0..200 {
        let backspace = edit % 9 == 8;
        let (start, end, new_text) = if backspace {
            let previous = doc.text[..cursor].chars().next_back().unwrap();
            (cursor - previous.len_utf8(), cursor, String::new())
        } else {
            let c = script[typed % script.len()];
            typed += 1;
            (cursor, cursor, c.to_string())
        };
        let change = json!([{
            "range": {"start": position(&doc.text, start, false), "end": position(&doc.text, end, false)},
            "text": new_text,
        }]);
        doc.text.replace_range(start..end, &new_text);
        cursor = start + new_text.len();
        if backspace {
            // Retype what was erased on the next keystroke.
            typed -= 1;
        }
        doc.version += 1;
        lsp.change(&doc.uri.clone(), doc.version, change);
    }
    assert_eq!(doc.version, 201);

    let diagnostics = lsp.wait_version(&doc.uri, 201);
    // The server's text is exactly the client's.
    assert_eq!(the(&diagnostics, "echo-text")["message"], doc.text.as_str());
    // And it is checked as the command line checks it from scratch.
    std::fs::write(&path, &doc.text).unwrap();
    let expected = cli_findings_with_ends(dir.path(), "src/app.ts");
    assert!(expected.iter().filter(|f| f.0 == "no-console-log").count() >= 5, "{expected:?}\n{}", doc.text);
    assert_eq!(lsp_findings_with_ends(&doc.text, &diagnostics, false), expected, "final text:\n{}", doc.text);

    // A request after the burst sees the same text: hover on the last line.
    let last_line = doc.text.lines().count() as u64 - 1;
    let hover = lsp.hover(&doc.uri, at(last_line, 2));
    let markdown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(markdown.contains(&doc.text), "{hover}");
    assert_eq!(hover["range"], the(&diagnostics, "echo-text")["range"]);

    // Published versions never go back: stale work is never published over a newer result.
    let versions: Vec<i64> = lsp.published(&doc.uri).iter().map(|p| p["version"].as_i64().unwrap()).collect();
    assert!(versions.windows(2).all(|pair| pair[0] <= pair[1]), "{versions:?}");
    assert_eq!(versions.last(), Some(&201));
    lsp.shutdown();
}

/// Python practices that look around the finding (ancestors, siblings, descendants), so an
/// edit can change findings away from where it happened.
fn relational_practices(dir: &Path) {
    let practices = dir.join(".praxis/practices");
    let files = [
        ("no-print.yaml", no_print_yaml().to_owned()),
        (
            "eq-none.yaml",
            "id: eq-none\nname: Compare with is\nlanguages: [python]\nmessage: '$X == None'\nrule: {pattern: $X == None}\n".to_owned(),
        ),
        (
            "assert-in-def.yaml",
            "id: assert-in-def\nname: No assert in functions\nlanguages: [python]\nrule:\n  kind: assert_statement\n  inside: {kind: function_definition, stopBy: end}\n".to_owned(),
        ),
        (
            "return-after-print.yaml",
            "id: return-after-print\nname: Return after print\nlanguages: [python]\nrule:\n  kind: return_statement\n  follows: {kind: expression_statement, has: {pattern: print($$$), stopBy: end}, stopBy: end}\n".to_owned(),
        ),
        (
            "def-with-yield.yaml",
            "id: def-with-yield\nname: Generator\nseverity: info\nlanguages: [python]\nrule:\n  kind: function_definition\n  has: {kind: yield, stopBy: end}\n".to_owned(),
        ),
        (
            "echo-text.yaml",
            "id: echo-text\nname: Echo\nseverity: hint\nlanguages: [python]\nmessage: '$TEXT'\nrule: {kind: module, pattern: $TEXT}\n".to_owned(),
        ),
        (
            "todo.yaml",
            "id: todo\nname: TODO\nseverity: hint\nlanguages: [python]\nrule: {kind: comment, regex: TODO}\n".to_owned(),
        ),
    ];
    for (name, yaml) in files {
        write(&practices.join(name), &yaml);
    }
}

/// `(practice, start line, start column, end line, end column, message)` from a
/// `praxis check --format json` of one file.
fn cli_findings_with_ends(dir: &Path, file: &str) -> Vec<(String, u64, u64, u64, u64, String)> {
    let run = praxis(dir, &["check", file, "--format", "json", "--fail-on", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut out: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["practice"].as_str().unwrap().to_owned(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
                f["end"]["line"].as_u64().unwrap(),
                f["end"]["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn lsp_findings_with_ends(text: &str, diagnostics: &[Value], utf8: bool) -> Vec<(String, u64, u64, u64, u64, String)> {
    let mut out: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            let (start, end) = (&d["range"]["start"], &d["range"]["end"]);
            (
                d["code"].as_str().unwrap().to_owned(),
                start["line"].as_u64().unwrap() + 1,
                cli_column(text, start, utf8),
                end["line"].as_u64().unwrap() + 1,
                cli_column(text, end, utf8),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn random_edits_anywhere_match_a_fresh_check() {
    const START: &str = "def load(path, mode):\n    print(path)\n    assert mode\n    if path == None:\n        return None  # TODO\n    yield open(path, mode)\n\nclass A:\n    def m(self, x, y):\n        print(x, y)  # 😀 é\n        return x\n\nprint(load(1, 2))\n";
    const SNIPPETS: &[&str] = &[
        "print(x)",
        "x == None",
        "\n",
        "    ",
        "def f(a, b):\n    assert a\n    return b\n",
        "  # TODO\n",
        "# praxis-ignore\n",
        "yield 1",
        "(",
        ")",
        ":",
        "return 2",
        "é",
        "😀",
        "总",
        "",
    ];
    let dir = tempfile::tempdir().unwrap();
    relational_practices(dir.path());
    // Each seed on its own document; one in UTF-8.
    for (seed, utf8) in [(1_u64, false), (2, true), (3, false)] {
        let path = dir.path().join(format!("a{seed}.py"));
        let mut lsp = Lsp::start(dir.path(), Value::Null, utf8, no_capabilities());
        let mut doc = lsp.open(&path, "python", START);
        lsp.wait_version(&doc.uri, 1);

        // xorshift, so that a failure replays.
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n.max(1) as u64) as usize
        };
        let mut echoes = 0;
        for checkpoint in 0..10 {
            // A burst of didChanges, some carrying several changes applied one after the other.
            for _ in 0..10 {
                let mut changes = Vec::new();
                for _ in 0..1 + next(3) {
                    let text = &doc.text;
                    let mut a = next(text.len() + 1);
                    let mut b = (a + next(12)).min(text.len());
                    while !text.is_char_boundary(a) {
                        a -= 1;
                    }
                    while !text.is_char_boundary(b) {
                        b += 1;
                    }
                    let insert = SNIPPETS[next(SNIPPETS.len())];
                    changes.push(json!({
                        "range": {"start": position(text, a, utf8), "end": position(text, b, utf8)},
                        "text": insert,
                    }));
                    doc.text.replace_range(a..b, insert);
                }
                doc.version += 1;
                lsp.change(&doc.uri.clone(), doc.version, Value::Array(changes));
            }
            let diagnostics = lsp.wait_version(&doc.uri, doc.version);
            // Where the module parses, its echo is the server's copy of the text.
            if let Some(echo) = diagnostics.iter().find(|d| d["code"] == "echo-text") {
                let echoed = echo["message"].as_str().unwrap();
                assert_eq!(echoed.trim(), doc.text.trim(), "seed {seed}, checkpoint {checkpoint}: the server's text");
                echoes += 1;
            }
            std::fs::write(&path, &doc.text).unwrap();
            let file = format!("a{seed}.py");
            assert_eq!(
                lsp_findings_with_ends(&doc.text, &diagnostics, utf8),
                cli_findings_with_ends(dir.path(), &file),
                "seed {seed}, checkpoint {checkpoint} (version {}), text:\n{}",
                doc.version,
                doc.text
            );
        }
        assert!(echoes > 0, "seed {seed}: the text never parsed, nothing was echoed");
        lsp.shutdown();
    }
}

#[test]
fn columns_are_utf16_unless_the_client_offers_utf8() {
    let dir = basic_project();
    let path = dir.path().join("src/unicode.ts");
    let text = "const s = \"总计 👋\"; console.log(s);\n";
    write(&path, text);
    // `const s = "总计 👋"; ` is 18 characters: 19 UTF-16 units, 25 UTF-8 bytes.
    for (utf8, start, end) in [(false, 19, 33), (true, 25, 39)] {
        let mut lsp = Lsp::start(dir.path(), Value::Null, utf8, no_capabilities());
        let encoding = if utf8 { "utf-8" } else { "utf-16" };
        assert_eq!(lsp.init["capabilities"]["positionEncoding"], encoding);
        let doc = lsp.open(&path, "typescript", text);
        let diagnostics = lsp.wait_version(&doc.uri, 1);
        assert_eq!(the(&diagnostics, "no-console-log")["range"], range((0, start), (0, end)), "{encoding}");
        // Positions the client sends are read in the same encoding.
        let hover = lsp.hover(&doc.uri, at(0, start));
        assert_eq!(hover["range"], range((0, start), (0, end)), "{encoding}: {hover}");
        let hover = lsp.hover(&doc.uri, at(0, end - 1));
        assert_eq!(hover["range"], range((0, start), (0, end)), "{encoding}: {hover}");
        if utf8 {
            // Byte 19 is inside the emoji, before the finding.
            assert!(lsp.hover(&doc.uri, at(0, 19)).is_null());
        }
        lsp.shutdown();
    }
}

// ---------------------------------------------------------------------------------------------
// Hover and code actions.

#[test]
fn hover_shows_the_practice_name_description_and_a_good_example() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    let diagnostics = lsp.wait_version(&app.uri, 1);
    let console = the(&diagnostics, "no-console-log").clone();

    let hover = lsp.hover(&app.uri, at(1, 35));
    assert_eq!(hover["contents"]["kind"], "markdown", "{hover}");
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.contains("Log through the logger"), "{markdown}");
    assert!(markdown.contains("Console output is lost in production; `logger` keeps level and context."), "{markdown}");
    assert!(markdown.contains("```typescript\nlogger.info(\"user\", id)\n```"), "{markdown}");
    assert_eq!(hover["range"], console["range"]);

    // A practice with several languages and a language on its good example.
    let hover = lsp.hover(&app.uri, at(0, 5));
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.contains("Every TODO names a ticket"), "{markdown}");
    assert!(markdown.contains("```python\n# TODO(ABC-1) fix\n```"), "{markdown}");

    // Nothing to say where there is no finding.
    assert!(lsp.hover(&app.uri, at(2, 3)).is_null());
    lsp.shutdown();
}

/// A client that shows no Markdown (Eglot without markdown-mode says `contentFormat:
/// ["plaintext"]`) gets the same hover as plain text, with no Markdown marks in it.
#[test]
fn hover_is_plain_text_for_clients_that_take_no_markdown() {
    let dir = basic_project();
    let capabilities = json!({"textDocument": {"hover": {"contentFormat": ["plaintext"]}}});
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, capabilities);
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);
    let hover = lsp.hover(&app.uri, at(1, 35));
    assert_eq!(hover["contents"]["kind"], "plaintext", "{hover}");
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("Log through the logger (no-console-log)\n"), "{text}");
    assert!(text.contains("Good:\n\n    logger.info(\"user\", id)\n"), "{text}");
    assert!(!text.contains("**") && !text.contains("```"), "{text}");
    lsp.shutdown();
}

#[test]
fn the_fix_action_replaces_the_finding() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let mut app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    let diagnostics = lsp.wait_version(&app.uri, 1);
    let console = the(&diagnostics, "no-console-log").clone();

    let actions = lsp.code_actions(&app.uri, console["range"].clone(), json!([console]));
    let fix = actions
        .iter()
        .find(|a| {
            a["kind"] == "quickfix"
                && a.get("edit").is_some_and(|e| !e.is_null())
                && a["title"].as_str().unwrap().starts_with("Fix")
        })
        .unwrap_or_else(|| panic!("no fix action in {actions:#?}"))
        .clone();
    assert_eq!(fix["diagnostics"][0]["code"], "no-console-log");
    assert_eq!(fix["isPreferred"], true);
    let version = lsp.apply_workspace_edit(&mut app, &fix["edit"]);
    assert_eq!(app.text.lines().nth(1).unwrap(), "const greeting = \"héllo 👋\"; logger.info(greeting, 1);");

    let diagnostics = lsp.wait_version(&app.uri, version);
    assert_eq!(codes(&diagnostics), ["todo-needs-ticket"], "{diagnostics:#?}");
    lsp.shutdown();
}

#[test]
fn the_suppress_action_inserts_an_indented_comment_above_the_line() {
    let dir = basic_project();
    write(&dir.path().join(".praxis/practices/no-important.yaml"), no_important_yaml());
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());

    let ts = "export function greet(name: string) {\n    if (name) {\n        console.log(name);\n    }\n}\n";
    let mut doc = lsp.open(&dir.path().join("src/greet.ts"), "typescript", ts);
    let py_text = read(&dir.path().join("src/lib.py"));
    let mut py = lsp.open(&dir.path().join("src/lib.py"), "python", &py_text);
    // CSS has only block comments.
    let mut css = lsp.open(&dir.path().join("src/style.css"), "css", "a {\n  color: red !important;\n}\n");
    for (doc, code, comment) in [
        (&mut doc, "no-console-log", "        // praxis-ignore: no-console-log\n"),
        (&mut py, "no-print", "    # praxis-ignore: no-print\n"),
        (&mut css, "no-important", "  /* praxis-ignore: no-important */\n"),
    ] {
        let diagnostics = lsp.wait_version(&doc.uri, 1);
        let finding = the(&diagnostics, code).clone();
        let line = finding["range"]["start"]["line"].as_u64().unwrap();
        let actions = lsp.code_actions(&doc.uri, finding["range"].clone(), json!([finding]));
        let suppress = actions
            .iter()
            .find(|a| a["title"].as_str().unwrap().starts_with("Suppress"))
            .unwrap_or_else(|| panic!("no suppress action in {actions:#?}"))
            .clone();
        assert_eq!(suppress["kind"], "quickfix");
        let edits = suppress["edit"]["changes"][&doc.uri].clone();
        assert_eq!(edits, json!([{"range": range((line, 0), (line, 0)), "newText": comment}]), "{suppress:#}");

        let version = lsp.apply_workspace_edit(doc, &suppress["edit"]);
        assert_eq!(doc.text.lines().nth(line as usize).unwrap(), comment.trim_end_matches('\n'));
        let diagnostics = lsp.wait_version(&doc.uri, version);
        assert!(!has_code(&diagnostics, code), "still flagged: {diagnostics:#?}");
        assert!(!has_code(&diagnostics, "unused-ignore"), "the new comment is used: {diagnostics:#?}");
    }
    lsp.shutdown();
}

#[test]
fn suppressing_a_second_practice_on_a_line_keeps_the_first_suppressed() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join(".praxis/practices/no-print.yaml"), no_print_yaml());
    write(&dir.path().join(".praxis/practices/no-eval.yaml"), no_eval_yaml());
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let mut doc = lsp.open(&dir.path().join("a.py"), "python", "def f(x):\n    print(eval(x))\n");
    let mut diagnostics = lsp.wait_version(&doc.uri, 1);
    assert_eq!(codes(&diagnostics), ["no-print", "no-eval"]);
    for code in ["no-print", "no-eval"] {
        let finding = the(&diagnostics, code).clone();
        let actions = lsp.code_actions(&doc.uri, finding["range"].clone(), json!([finding]));
        let suppress = actions
            .iter()
            .find(|a| a["title"].as_str().unwrap().starts_with("Suppress") && a["diagnostics"][0]["code"] == code)
            .unwrap_or_else(|| panic!("no suppress action for {code} in {actions:#?}"))
            .clone();
        let version = lsp.apply_workspace_edit(&mut doc, &suppress["edit"]);
        diagnostics = lsp.wait_version(&doc.uri, version);
        assert!(!has_code(&diagnostics, code), "{code} still flagged in\n{}\n{diagnostics:#?}", doc.text);
    }
    // Both suppressed, and neither comment is reported as unused.
    assert_eq!(codes(&diagnostics), Vec::<String>::new(), "after both suppressions:\n{}", doc.text);
    lsp.shutdown();
}

/// Runs `praxis.createPractice` the way an editor does: from the code action's command.
fn create_from_selection(lsp: &mut Lsp, doc: &Doc, selection: Value, kind: &str) -> (PathBuf, String) {
    let actions = lsp.code_actions(&doc.uri, selection.clone(), json!([]));
    let title = format!("Create practice from selection ({kind} example)");
    let action = actions
        .iter()
        .find(|a| a["title"] == title.as_str())
        .unwrap_or_else(|| panic!("no `{title}` action in {actions:#?}"))
        .clone();
    let command = &action["command"];
    assert_eq!(command["command"], "praxis.createPractice");
    assert_eq!(command["arguments"], json!([{"uri": doc.uri, "range": selection, "kind": kind}]));
    let result = lsp.execute("praxis.createPractice", command["arguments"].clone());
    let path = PathBuf::from(result["path"].as_str().unwrap_or_else(|| panic!("no path in {result}")));
    let id = result["id"].as_str().unwrap().to_owned();
    (path, id)
}

#[test]
fn create_practice_from_a_bad_example_writes_a_passing_practice() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let text = "const config = JSON.parse(raw);\nexport default config;\n";
    let doc = lsp.open(&dir.path().join("src/parse.ts"), "typescript", text);
    assert!(lsp.wait_version(&doc.uri, 1).is_empty());

    let (path, id) = create_from_selection(&mut lsp, &doc, range((0, 15), (0, 30)), "bad");
    let practices = dir.path().join(".praxis/practices");
    assert_eq!(path.canonicalize().unwrap(), practices.join(format!("{id}.yaml")).canonicalize().unwrap());
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&read(&path)).unwrap();
    assert_eq!(yaml["id"].as_str(), Some(id.as_str()));
    assert!(yaml["examples"]["bad"][0]["code"].as_str().unwrap().contains("JSON.parse(raw)"), "{yaml:?}");

    // The editor is asked to show it.
    let show = lsp.wait_server_request("window/showDocument");
    assert_eq!(show["params"]["uri"], uri(&path), "{show}");

    // Open documents are re-checked with it.
    let diagnostics = lsp.wait_diagnostics(&doc.uri, |d| has_code(d, &id));
    assert_eq!(the(&diagnostics, &id)["range"], range((0, 15), (0, 30)));

    // And its example passes.
    let run = praxis(dir.path(), &["test", "--practices", practices.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("ok    {id} ")), "{}", run.stdout);
    lsp.shutdown();
}

#[test]
fn create_practice_from_a_good_example_writes_a_passing_practice() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let text = "const when = Date.now();\n";
    let doc = lsp.open(&dir.path().join("src/clock.ts"), "typescript", text);
    lsp.wait_version(&doc.uri, 1);
    let (path, id) = create_from_selection(&mut lsp, &doc, range((0, 13), (0, 23)), "good");
    let practices = dir.path().join(".praxis/practices").canonicalize().unwrap();
    assert_eq!(path.canonicalize().unwrap(), practices.join(format!("{id}.yaml")));
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&read(&path)).unwrap();
    assert!(yaml["examples"]["good"][0]["code"].as_str().unwrap().contains("Date.now()"), "{yaml:?}");
    lsp.wait_server_request("window/showDocument");
    // Re-checked: the good example itself is not flagged.
    let diagnostics = lsp.wait_published(&doc.uri, support::lsp::DEADLINE, |p| p["version"] == 1);
    assert!(!has_code(diagnostics["diagnostics"].as_array().unwrap(), &id), "{diagnostics}");
    let run = praxis(dir.path(), &["test", "--practices", ".praxis/practices"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("ok    {id} ")), "{}", run.stdout);
    lsp.shutdown();
}

#[test]
fn create_practice_in_a_folder_without_praxis_creates_it() {
    let dir = tempfile::tempdir().unwrap();
    // In a subfolder: the practice goes to the workspace folder's `.praxis/`.
    let path = dir.path().join("app/main.py");
    let text = "import json\nprint(\"hello\")\n";
    write(&path, text);
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let doc = lsp.open(&path, "python", text);
    assert!(lsp.wait_version(&doc.uri, 1).is_empty(), "no practices yet");

    let (created, id) = create_from_selection(&mut lsp, &doc, range((1, 0), (1, 14)), "bad");
    let practices = dir.path().join(".praxis/practices");
    assert!(practices.is_dir(), "no .praxis/practices in {}", dir.path().display());
    assert!(!dir.path().join("app/.praxis").exists(), "not in the file's own folder");
    assert_eq!(created.canonicalize().unwrap(), practices.join(format!("{id}.yaml")).canonicalize().unwrap());
    let show = lsp.wait_server_request("window/showDocument");
    assert_eq!(show["params"]["uri"], uri(&created));

    let diagnostics = lsp.wait_diagnostics(&doc.uri, |d| has_code(d, &id));
    assert_eq!(the(&diagnostics, &id)["range"], range((1, 0), (1, 14)));
    let run = praxis(dir.path(), &["test", "--practices", practices.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    lsp.shutdown();
}

#[test]
fn create_practice_writes_to_the_configured_practice_folder() {
    let dir = basic_project();
    // The project keeps its practices in `.praxis/rules`, as config.toml says.
    let (from, to) = (dir.path().join(".praxis/practices"), dir.path().join(".praxis/rules"));
    std::fs::rename(&from, &to).unwrap();
    write(
        &dir.path().join(".praxis/config.toml"),
        "[practices]\npaths = [\".praxis/rules\"]\ndisable = [\"disabled-practice\"]\n",
    );
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let text = "const config = JSON.parse(raw);\n";
    let doc = lsp.open(&dir.path().join("src/parse.ts"), "typescript", text);
    assert!(lsp.wait_version(&doc.uri, 1).is_empty());

    let (path, id) = create_from_selection(&mut lsp, &doc, range((0, 15), (0, 30)), "bad");
    // The new practice is in force: written where the project loads practices from.
    let diagnostics = lsp.wait_diagnostics(&doc.uri, |d| has_code(d, &id));
    assert_eq!(the(&diagnostics, &id)["range"], range((0, 15), (0, 30)));
    assert!(
        path.canonicalize().unwrap().starts_with(to.canonicalize().unwrap()),
        "{} is not in the configured folder .praxis/rules",
        path.display()
    );
    lsp.shutdown();
}

#[test]
fn create_practice_writes_to_the_folder_the_settings_name() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("rules/no-eval.yaml"), no_eval_yaml());
    let path = dir.path().join("main.py");
    let text = "eval(x)\nprint(\"hello\")\n";
    write(&path, text);
    let mut lsp = Lsp::start(dir.path(), json!({"practices": ["rules"]}), false, no_capabilities());
    let doc = lsp.open(&path, "python", text);
    assert_eq!(codes(&lsp.wait_version(&doc.uri, 1)), ["no-eval"]);

    let (created, id) = create_from_selection(&mut lsp, &doc, range((1, 0), (1, 14)), "bad");
    // The new practice is in force, next to the practices the settings name.
    let diagnostics = lsp.wait_diagnostics(&doc.uri, |d| has_code(d, &id));
    assert_eq!(codes(&diagnostics), ["no-eval", id.as_str()]);
    assert!(
        created.canonicalize().unwrap().starts_with(dir.path().join("rules").canonicalize().unwrap()),
        "{} is not in the practice folder the settings name (rules/)",
        created.display()
    );
    lsp.shutdown();
}

#[test]
fn files_and_ignores_globs_apply_to_open_documents() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    // `no-console-log` has `files: ["src/**"]`, `no-print` has `ignores: ["scripts/**"]`.
    let tool_ts = opened(&mut lsp, dir.path(), "scripts/tool.ts", "typescript");
    let tool_py = opened(&mut lsp, dir.path(), "scripts/tool.py", "python");
    assert!(lsp.wait_version(&tool_ts.uri, 1).is_empty());
    assert!(lsp.wait_version(&tool_py.uri, 1).is_empty());
    // The same code under src/ is flagged.
    let ts = lsp.open(&dir.path().join("src/tool.ts"), "typescript", &read(&dir.path().join("scripts/tool.ts")));
    let py = lsp.open(&dir.path().join("src/tool.py"), "python", &read(&dir.path().join("scripts/tool.py")));
    assert_eq!(codes(&lsp.wait_version(&ts.uri, 1)), ["no-console-log"]);
    assert_eq!(codes(&lsp.wait_version(&py.uri, 1)), ["no-print"]);
    lsp.shutdown();
}

// ---------------------------------------------------------------------------------------------
// Practice files are live.

#[test]
fn editing_a_practice_file_rechecks_open_documents() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    let diagnostics = lsp.wait_version(&app.uri, 1);
    assert_eq!(the(&diagnostics, "no-console-log")["severity"], 2);
    let second = lsp.open(&dir.path().join("src/second.ts"), "typescript", "console.log(2);\n");
    assert_eq!(the(&lsp.wait_version(&second.uri, 1), "no-console-log")["severity"], 2);

    let practice_path = dir.path().join(".praxis/practices/no-console-log.yaml");
    let on_disk = read(&practice_path);
    let mut practice = lsp.open(&practice_path, "yaml", &on_disk);
    let clean = lsp.wait_version(&practice.uri, 1);
    assert!(clean.is_empty(), "a good practice file has no diagnostics: {clean:#?}");

    // Severity: one change, and every open document is re-checked with it.
    let edited = practice.text.replace("severity: warning", "severity: error");
    lsp.edit(&mut practice, &edited);
    let raised = |d: &[Value]| d.iter().any(|d| d["code"] == "no-console-log" && d["severity"] == 1);
    let diagnostics = lsp.wait_diagnostics(&app.uri, raised);
    assert_eq!(the(&diagnostics, "no-console-log")["range"], range((1, 29), (1, 53)));
    let diagnostics = lsp.wait_diagnostics(&second.uri, raised);
    assert_eq!(the(&diagnostics, "no-console-log")["range"], range((0, 0), (0, 14)));

    // Pattern: now `logger.info(...)` (line 3) is the finding, not `console.log(...)`.
    let edited = practice.text.replace("pattern: console.log($$$ARGS)", "pattern: logger.info($$$ARGS)");
    lsp.edit(&mut practice, &edited);
    let diagnostics = lsp.wait_diagnostics(&app.uri, |d| {
        d.iter().any(|d| d["code"] == "no-console-log" && d["range"]["start"]["line"] == 2)
    });
    assert_eq!(the(&diagnostics, "no-console-log")["range"], range((2, 0), (2, 17)));
    assert_eq!(read(&practice_path), on_disk, "the server never writes the editor's buffer");

    // Closing the unsaved practice file: the file on disk counts again.
    lsp.close(&practice.uri);
    let diagnostics = lsp.wait_diagnostics(&app.uri, |d| {
        d.iter().any(|d| d["code"] == "no-console-log" && d["range"]["start"]["line"] == 1 && d["severity"] == 2)
    });
    assert_eq!(codes(&diagnostics), ["todo-needs-ticket", "no-console-log"]);
    lsp.shutdown();
}

#[test]
fn practice_file_problems_are_diagnostics_on_the_practice_file() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);
    let practice_path = dir.path().join(".praxis/practices/no-console-log.yaml");
    let original = read(&practice_path);
    let mut practice = lsp.open(&practice_path, "yaml", &original);
    assert!(lsp.wait_version(&practice.uri, 1).is_empty());

    // A failing example: the bad example no longer produces a finding.
    let edited = original.replace("pattern: console.log($$$ARGS)", "pattern: console.warn($$$ARGS)");
    let version = lsp.edit(&mut practice, &edited);
    let problems = lsp.wait_version(&practice.uri, version);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let example_line = line_of(&edited, "- code: console.log(\"user\", id)");
    assert_eq!(problems[0]["range"]["start"], at(example_line, 12), "{problems:#?}");
    assert_eq!(problems[0]["severity"], 1);
    assert_eq!(problems[0]["source"], "praxis");
    let message = problems[0]["message"].as_str().unwrap();
    assert!(message.contains("bad example 1") && message.contains("no finding"), "{message}");
    let diagnostics = lsp.wait_diagnostics(&app.uri, |d| !has_code(d, "no-console-log"));
    // The `praxis-ignore: no-console-log` of line 4 now suppresses nothing.
    assert_eq!(codes(&diagnostics), ["todo-needs-ticket", "unused-ignore"]);

    // An unknown field: located, and the other practices still run.
    let edited = format!("{original}severty: error\n");
    let version = lsp.edit(&mut practice, &edited);
    let problems = lsp.wait_version(&practice.uri, version);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0]["range"]["start"], at(line_of(&edited, "severty"), 0), "{problems:#?}");
    assert!(problems[0]["message"].as_str().unwrap().contains("unknown field `severty`"), "{problems:#?}");
    let diagnostics = lsp.wait_diagnostics(&app.uri, |d| has_code(d, "todo-needs-ticket"));
    assert!(!has_code(&diagnostics, "no-console-log"), "a broken practice does not run: {diagnostics:#?}");

    // A regex that does not compile: located at the regex (once per language the practice
    // compiles for, as `praxis check` reports it).
    let edited =
        original.replace("  pattern: console.log($$$ARGS)", "  kind: call_expression\n  regex: 'console.log('");
    let version = lsp.edit(&mut practice, &edited);
    let problems = lsp.wait_version(&practice.uri, version);
    assert!(!problems.is_empty());
    for problem in &problems {
        assert_eq!(problem["range"]["start"], at(line_of(&edited, "regex: 'console"), 9), "{problems:#?}");
        assert!(problem["message"].as_str().unwrap().contains("invalid regex"), "{problems:#?}");
    }
    let diagnostics = lsp.wait_diagnostics(&app.uri, |d| has_code(d, "todo-needs-ticket"));
    assert!(!has_code(&diagnostics, "no-console-log"), "{diagnostics:#?}");

    // A second practice file broken at the same time does not hide the first one's errors, and
    // the source document keeps the findings of the practices that load.
    let todo_path = dir.path().join(".praxis/practices/todo.yaml");
    let todo_text = read(&todo_path);
    let mut todo = lsp.open(&todo_path, "yaml", &todo_text);
    lsp.wait_version(&todo.uri, 1);
    let broken_todo = todo_text.replace("rule:\n", "rule:\n  pattern: '// TODO ($A'\n");
    let version = lsp.edit(&mut todo, &broken_todo);
    assert!(!lsp.wait_version(&todo.uri, version).is_empty(), "the todo practice is broken too");
    let problems = lsp.wait_diagnostics(&practice.uri, |p| !p.is_empty());
    assert!(problems[0]["message"].as_str().unwrap().contains("invalid regex"), "{problems:#?}");

    // Fixed: no more diagnostics on either, the findings are back.
    lsp.edit(&mut todo, &todo_text);
    let version = lsp.edit(&mut practice, &original);
    assert!(lsp.wait_version(&practice.uri, version).is_empty());
    lsp.wait_diagnostics(&todo.uri, |p| p.is_empty());
    let diagnostics = lsp.wait_diagnostics(&app.uri, |d| has_code(d, "no-console-log"));
    assert_eq!(codes(&diagnostics), ["todo-needs-ticket", "no-console-log"]);
    lsp.shutdown();
}

#[test]
fn a_broken_practice_file_opened_alone_shows_its_error_where_praxis_check_does() {
    let dir = basic_project();
    let path = dir.path().join(".praxis/practices/broken.yaml");
    let broken = "id: broken\nname: \"Broken\nlanguages: [python]\nrule: {kind: call}\n";
    write(&path, broken);
    let run = praxis(dir.path(), &["check", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let error = report["errors"].as_array().unwrap().iter().find(|e| e["path"] == ".praxis/practices/broken.yaml");
    let error = error.unwrap_or_else(|| panic!("{}", run.stdout)).clone();

    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    // No source document is open: the practice file alone.
    let practice = lsp.open(&path, "yaml", broken);
    let problems = lsp.wait_diagnostics(&practice.uri, |p| !p.is_empty());
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let start = &problems[0]["range"]["start"];
    assert_eq!(start["line"].as_u64().unwrap() + 1, error["start"]["line"].as_u64().unwrap(), "{problems:#?}");
    assert_eq!(cli_column(broken, start, false), error["start"]["column"].as_u64().unwrap(), "{problems:#?}");
    assert!(problems[0]["message"].as_str().unwrap().contains(error["message"].as_str().unwrap()), "{problems:#?}");

    // The practices that load still run.
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    assert_eq!(codes(&lsp.wait_version(&app.uri, 1)), ["todo-needs-ticket", "no-console-log"]);
    lsp.shutdown();
}

// ---------------------------------------------------------------------------------------------
// Commands and watched files.

#[test]
fn the_reload_command_picks_up_a_new_practice_file() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    assert!(!has_code(&lsp.wait_version(&app.uri, 1), "no-greeting"));

    write(&dir.path().join(".praxis/practices/no-greeting.yaml"), no_greeting_yaml());
    let result = lsp.execute("praxis.reload", json!([]));
    assert!(result.is_null(), "{result}");
    let diagnostics = lsp.wait_diagnostics(&app.uri, |d| has_code(d, "no-greeting"));
    let greetings: Vec<&Value> = diagnostics.iter().filter(|d| d["code"] == "no-greeting").collect();
    assert_eq!(greetings.len(), 2, "{diagnostics:#?}");
    assert_eq!(greetings[0]["severity"], 4);
    assert_eq!(greetings[0]["range"], range((1, 6), (1, 14)));
    lsp.shutdown();
}

#[test]
fn watched_practice_files_are_registered_and_reloaded() {
    let dir = basic_project();
    let capabilities = json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, capabilities);
    let registration = lsp.wait_server_request("client/registerCapability");
    let registrations = registration["params"]["registrations"].as_array().unwrap();
    let watched = registrations
        .iter()
        .find(|r| r["method"] == "workspace/didChangeWatchedFiles")
        .unwrap_or_else(|| panic!("{registration}"));
    let globs: Vec<&str> = watched["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert!(globs.contains(&"**/.praxis/**/*.yaml"), "{globs:?}");

    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);
    let new_file = dir.path().join(".praxis/practices/no-greeting.yaml");
    write(&new_file, no_greeting_yaml());
    lsp.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri(&new_file), "type": 1}]}));
    lsp.wait_diagnostics(&app.uri, |d| has_code(d, "no-greeting"));

    std::fs::remove_file(&new_file).unwrap();
    lsp.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri(&new_file), "type": 3}]}));
    let diagnostics = lsp.wait_diagnostics(&app.uri, |d| !has_code(d, "no-greeting"));
    assert_eq!(codes(&diagnostics), ["todo-needs-ticket", "no-console-log"]);
    lsp.shutdown();
}

#[test]
fn check_workspace_publishes_files_that_are_not_open_with_progress() {
    let dir = basic_project();
    write(&dir.path().join(".gitignore"), "generated/\n");
    write(&dir.path().join("src/generated/out.py"), "print(1)\n");
    let capabilities = json!({"window": {"workDoneProgress": true}});
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, capabilities);
    // app.ts is open with an edit that removes its console.log: its diagnostics are the
    // buffer's, whatever is on disk.
    let text = read(&dir.path().join("src/app.ts")).replace("console.log(greeting, 1)", "logger.info(greeting, 1)");
    let app = lsp.open(&dir.path().join("src/app.ts"), "typescript", &text);
    lsp.wait_version(&app.uri, 1);

    let result = lsp.execute("praxis.checkWorkspace", json!([]));
    assert!(result.is_null(), "{result}");
    let create = lsp.wait_server_request("window/workDoneProgress/create");
    let token = create["params"]["token"].clone();
    let end = lsp.wait_notification("$/progress", |p| p["token"] == token && p["value"]["kind"] == "end");
    let message = end["value"]["message"].as_str().unwrap_or_default();
    assert!(!message.contains("cancel"), "{message}");

    let kinds: Vec<String> = lsp
        .notifications("$/progress")
        .iter()
        .filter(|p| p["token"] == token)
        .map(|p| p["value"]["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds.first().map(String::as_str), Some("begin"), "{kinds:?}");
    assert_eq!(kinds.last().map(String::as_str), Some("end"), "{kinds:?}");
    assert!(kinds.iter().any(|kind| kind == "report"), "{kinds:?}");
    let progress = lsp.notifications("$/progress");
    let begin = &progress[0];
    assert!(begin["value"]["title"].as_str().is_some_and(|title| !title.is_empty()), "{begin}");

    // lib.py is not open, and was published.
    let lib = uri(&dir.path().join("src/lib.py"));
    let published = lsp.published(&lib);
    assert_eq!(published.len(), 1, "{published:#?}");
    let diagnostics = published[0]["diagnostics"].as_array().unwrap();
    assert_eq!(codes(diagnostics), ["no-print"]);
    assert_eq!(diagnostics[0]["severity"], 1);
    assert_eq!(diagnostics[0]["range"]["start"], at(2, 4));
    // Files excluded by `files`/`ignores` globs or .gitignore get nothing.
    for excluded in ["scripts/tool.py", "scripts/tool.ts", "src/generated/out.py"] {
        let published = lsp.published(&uri(&dir.path().join(excluded)));
        assert!(published.iter().all(|p| p["diagnostics"] == json!([])), "{excluded}: {published:#?}");
    }
    // The open document's diagnostics were not replaced by the file on disk.
    for p in lsp.published(&app.uri) {
        assert!(!has_code(p["diagnostics"].as_array().unwrap(), "no-console-log"), "{p}");
    }
    lsp.shutdown();
}

#[test]
fn check_workspace_without_progress_support_still_publishes() {
    let dir = basic_project();
    // No `window.workDoneProgress` capability.
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    assert!(lsp.execute("praxis.checkWorkspace", json!([])).is_null());
    let lib = uri(&dir.path().join("src/lib.py"));
    let diagnostics = lsp.wait_diagnostics(&lib, |d| has_code(d, "no-print"));
    assert_eq!(diagnostics[0]["severity"], 1);
    // Requests and notifications from the server arrive in order: anything the job sent
    // before its first diagnostics has been read by now.
    let creates: Vec<&Value> =
        lsp.server_requests.iter().filter(|r| r["method"] == "window/workDoneProgress/create").collect();
    assert!(creates.is_empty(), "the client did not announce window.workDoneProgress: {creates:#?}");
    lsp.shutdown();
}

#[test]
fn check_workspace_can_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join(".praxis/practices/no-print.yaml"), no_print_yaml());
    const FILES: usize = 2_000;
    for i in 0..FILES {
        // Ten findings a file, so that checking them all takes a while.
        let body: String = (0..10).map(|j| format!("    print(x, {j})\n")).collect();
        // Texts of this run only: the result cache (shared by the tests) cannot answer them.
        let text = format!("# {}\ndef f{i}(x):\n{body}", dir.path().display());
        write(&dir.path().join(format!("gen/d{}/f{i}.py", i / 100)), &text);
    }
    let capabilities = json!({"window": {"workDoneProgress": true}});
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, capabilities);

    lsp.execute("praxis.checkWorkspace", json!([]));
    let begin = lsp.wait_notification("$/progress", |p| p["value"]["kind"] == "begin");
    assert_eq!(begin["value"]["cancellable"], true, "{begin}");
    let token = begin["token"].clone();
    lsp.notify("window/workDoneProgress/cancel", json!({"token": token}));
    let end = lsp.wait_notification_within("$/progress", Duration::from_secs(120), |p| {
        p["token"] == token && p["value"]["kind"] == "end"
    });
    let message = end["value"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("cancelled"), "the progress ends with a cancelled message: {end}");
    let published = lsp
        .notifications("textDocument/publishDiagnostics")
        .iter()
        .filter(|p| p["uri"].as_str().unwrap().contains("/gen/"))
        .count();
    assert!(published < FILES, "cancelled, yet all {published} files were published");

    // The server is still there, and a new check runs to the end.
    lsp.execute("praxis.checkWorkspace", json!([]));
    let begin = lsp.wait_notification("$/progress", |p| p["value"]["kind"] == "begin" && p["token"] != token);
    let token = begin["token"].clone();
    let end = lsp.wait_notification_within("$/progress", Duration::from_secs(120), |p| {
        p["token"] == token && p["value"]["kind"] == "end"
    });
    assert!(!end["value"]["message"].as_str().unwrap_or_default().contains("cancelled"), "{end}");
    lsp.shutdown();
}

// ---------------------------------------------------------------------------------------------
// Configuration and workspace folders.

#[test]
fn initialization_options_and_configuration_choose_the_practice_folders() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("rules/no-print.yaml"), no_print_yaml());
    write(&dir.path().join("other/no-eval.yaml"), no_eval_yaml());
    let path = dir.path().join("main.py");
    let text = "print(1)\neval(\"2\")\n";
    write(&path, text);

    let mut lsp = Lsp::start(dir.path(), json!({"practices": ["rules"]}), false, no_capabilities());
    let doc = lsp.open(&path, "python", text);
    let diagnostics = lsp.wait_version(&doc.uri, 1);
    assert_eq!(codes(&diagnostics), ["no-print"]);
    assert_eq!(diagnostics[0]["range"], range((0, 0), (0, 8)));
    assert_eq!(diagnostics[0]["severity"], 2);

    // A practice file of the configured folder is live too.
    let mut practice = lsp.open(&dir.path().join("rules/no-print.yaml"), "yaml", no_print_yaml());
    let edited = practice.text.replace("severity: warning", "severity: info");
    lsp.edit(&mut practice, &edited);
    lsp.wait_diagnostics(&doc.uri, |d| d.iter().any(|d| d["code"] == "no-print" && d["severity"] == 3));
    lsp.close(&practice.uri);
    lsp.wait_diagnostics(&doc.uri, |d| d.iter().any(|d| d["code"] == "no-print" && d["severity"] == 2));

    lsp.notify("workspace/didChangeConfiguration", json!({"settings": {"praxis": {"practices": ["other"]}}}));
    let diagnostics = lsp.wait_diagnostics(&doc.uri, |d| has_code(d, "no-eval"));
    assert_eq!(codes(&diagnostics), ["no-eval"]);
    assert_eq!(diagnostics[0]["severity"], 1);
    assert_eq!(diagnostics[0]["range"], range((1, 0), (1, 9)));
    lsp.shutdown();
}

#[test]
fn each_workspace_folder_has_its_own_practices() {
    let parent = tempfile::tempdir().unwrap();
    let (a, b) = (parent.path().join("a"), parent.path().join("b"));
    write(&a.join(".praxis/practices/no-print.yaml"), no_print_yaml());
    write(&b.join(".praxis/practices/no-eval.yaml"), no_eval_yaml());
    let text = "print(1)\neval(\"2\")\n";
    write(&a.join("x.py"), text);
    write(&b.join("y.py"), text);

    let mut lsp = Lsp::start_folders(&[a.as_path(), b.as_path()], Value::Null, false, no_capabilities());
    let x = lsp.open(&a.join("x.py"), "python", text);
    let y = lsp.open(&b.join("y.py"), "python", text);
    assert_eq!(codes(&lsp.wait_version(&x.uri, 1)), ["no-print"]);
    assert_eq!(codes(&lsp.wait_version(&y.uri, 1)), ["no-eval"]);
    lsp.shutdown();
}

#[test]
fn workspace_folders_can_be_added_and_removed() {
    let parent = tempfile::tempdir().unwrap();
    let (a, b) = (parent.path().join("a"), parent.path().join("b"));
    write(&a.join("rules/no-print.yaml"), no_print_yaml());
    write(&b.join("rules/no-eval.yaml"), no_eval_yaml());
    let text = "print(1)\neval(\"2\")\n";
    write(&a.join("x.py"), text);
    write(&b.join("y.py"), text);

    let mut lsp = Lsp::start(&a, json!({"practices": ["rules"]}), false, no_capabilities());
    let x = lsp.open(&a.join("x.py"), "python", text);
    assert_eq!(codes(&lsp.wait_version(&x.uri, 1)), ["no-print"]);
    let y = lsp.open(&b.join("y.py"), "python", text);
    assert!(lsp.wait_version(&y.uri, 1).is_empty(), "b is not a workspace folder yet");

    lsp.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri(&b), "name": "b"}], "removed": [{"uri": uri(&a), "name": "a"}]}}),
    );
    lsp.wait_diagnostics(&y.uri, |d| codes(d) == ["no-eval"]);
    lsp.wait_diagnostics(&x.uri, <[Value]>::is_empty);
    lsp.shutdown();
}

#[test]
fn a_root_uri_alone_is_the_workspace_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("rules/no-print.yaml"), no_print_yaml());
    let path = dir.path().join("main.py");
    write(&path, "print(1)\n");
    let mut lsp = Lsp::spawn(dir.path());
    let mut params = Lsp::initialize_params(&[dir.path()], json!({"practices": ["rules"]}), false, Value::Null);
    params.as_object_mut().unwrap().remove("workspaceFolders");
    lsp.init = lsp.request("initialize", params);
    lsp.notify("initialized", json!({}));
    let doc = lsp.open(&path, "python", "print(1)\n");
    assert_eq!(codes(&lsp.wait_version(&doc.uri, 1)), ["no-print"]);
    lsp.shutdown();
}

#[test]
fn unused_ignore_hints_follow_the_project_config() {
    let dir = basic_project();
    let config = dir.path().join(".praxis/config.toml");
    write(&config, "[practices]\ndisable = [\"disabled-practice\"]\n\n[severity]\nunused-ignore = \"warning\"\n");
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let path = dir.path().join("src/extra.py");
    let doc = lsp.open(&path, "python", "pass  # praxis-ignore\n");
    let diagnostics = lsp.wait_version(&doc.uri, 1);
    assert_eq!(the(&diagnostics, "unused-ignore")["severity"], 2, "config.toml makes them warnings: {diagnostics:#?}");

    write(&config, "[practices]\ndisable = [\"disabled-practice\", \"unused-ignore\"]\n");
    lsp.execute("praxis.reload", json!([]));
    let diagnostics = lsp.wait_published(&doc.uri, support::lsp::DEADLINE, |_| true);
    assert_eq!(diagnostics["diagnostics"], json!([]), "config.toml disables them: {diagnostics:#}");
    lsp.shutdown();
}

// ---------------------------------------------------------------------------------------------
// Robustness: nothing takes the server down.

/// Opens `src/app.ts` of a basic project and checks a hover answers: the server works.
#[test]
fn malformed_frames_are_answered_and_the_session_goes_on() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    lsp.send_raw(b"this is not a header\r\n");
    lsp.send_raw(frame("{not json").as_bytes());
    lsp.send_raw(frame("[1, 2]").as_bytes());
    lsp.send_raw(frame(r#"{"jsonrpc": "2.0", "id": "bogus", "method": 5}"#).as_bytes());
    lsp.send_raw(b"Content-Length: 12x\r\n\r\n");
    let errors = |lsp: &Lsp| -> Vec<Value> {
        lsp.log
            .iter()
            .filter(|message| message.get("method").is_none() && message.get("error").is_some())
            .cloned()
            .collect()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while errors(&lsp).len() < 5 && std::time::Instant::now() < deadline {
        lsp.barrier();
    }
    let errors = errors(&lsp);
    let codes: Vec<i64> = errors.iter().map(|error| error["error"]["code"].as_i64().unwrap()).collect();
    assert_eq!(codes, [-32700, -32700, -32600, -32600, -32700], "{errors:#?}");
    assert_eq!(errors[3]["id"], "bogus");
    assert!(errors.iter().all(|error| error["jsonrpc"] == "2.0"));
    still_works(&mut lsp, &app);
    lsp.shutdown();
}

fn still_works(lsp: &mut Lsp, app: &Doc) {
    let hover = lsp.hover(&app.uri, at(1, 35));
    assert!(hover["contents"]["value"].as_str().is_some_and(|text| text.contains("Log through the logger")), "{hover}");
    assert!(lsp.running());
}

#[test]
fn windows_line_endings_keep_positions_right() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let mut doc = lsp.open(&dir.path().join("src/crlf.ts"), "typescript", "// é\r\nconst x = 1; console.log(x);\r\n");
    let diagnostics = lsp.wait_version(&doc.uri, 1);
    assert_eq!(the(&diagnostics, "no-console-log")["range"], range((1, 13), (1, 27)));
    // Typing at the end of line 0 (before its \r) and at the start of line 1.
    lsp.change(
        &doc.uri.clone(),
        2,
        json!([
            {"range": range((0, 4), (0, 4)), "text": "!"},
            {"range": range((1, 0), (1, 0)), "text": "  "},
        ]),
    );
    doc.version = 2;
    doc.text = "// é!\r\n  const x = 1; console.log(x);\r\n".to_owned();
    let diagnostics = lsp.wait_version(&doc.uri, 2);
    assert_eq!(the(&diagnostics, "no-console-log")["range"], range((1, 15), (1, 29)));
    let hover = lsp.hover(&doc.uri, at(1, 20));
    assert_eq!(hover["range"], range((1, 15), (1, 29)));
    lsp.shutdown();
}

#[test]
fn a_five_megabyte_document_is_checked_and_edited() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);

    let line = "const value = [1, 2, 3].map((n) => n * 2);\n";
    let lines = 5 * 1024 * 1024 / line.len() + 1;
    let mut text = line.repeat(lines);
    text.push_str("console.log(value);\n");
    assert!(text.len() > 5 * 1024 * 1024);
    let mut big = lsp.open(&dir.path().join("src/big.ts"), "typescript", &text);
    let slow = Duration::from_secs(120);
    let diagnostics = lsp.wait_diagnostics_within(&big.uri, slow, |_| true);
    assert_eq!(codes(&diagnostics), ["no-console-log"]);
    assert_eq!(diagnostics[0]["range"], range((lines as u64, 0), (lines as u64, 18)));

    // An edit at the top shifts the finding at the bottom and adds one.
    let version = lsp.edit(&mut big, &format!("console.log(0);\n{text}"));
    let published = lsp.wait_published(&big.uri, slow, |p| p["version"] == version);
    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert_eq!(codes(diagnostics), ["no-console-log", "no-console-log"]);
    assert_eq!(diagnostics[0]["range"], range((0, 0), (0, 14)));
    assert_eq!(diagnostics[1]["range"], range((lines as u64 + 1, 0), (lines as u64 + 1, 18)));
    let hover = lsp.request_within(
        "textDocument/hover",
        json!({"textDocument": {"uri": big.uri}, "position": at(lines as u64 + 1, 3)}),
        slow,
    );
    assert_eq!(hover["range"], diagnostics[1]["range"]);
    still_works(&mut lsp, &app);
    lsp.shutdown();
}

#[test]
fn documents_over_ten_megabytes_are_not_checked_and_it_is_said_once() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);
    let line = "console.log(value);\n";
    let huge = line.repeat(10 * 1024 * 1024 / line.len() + 1);
    let doc = lsp.open(&dir.path().join("src/huge.ts"), "typescript", &huge);
    lsp.barrier();
    assert!(lsp.published(&doc.uri).iter().all(|p| p["diagnostics"] == json!([])), "not checked");
    let told = lsp.wait_notification("window/showMessage", |m| m["message"].as_str().unwrap().contains("huge.ts"));
    assert!(told["message"].as_str().unwrap().contains("larger than 10 MiB and is not checked"), "{told}");
    // A document that grows past the limit stops being checked; its findings are cleared.
    let mut growing = lsp.open(&dir.path().join("src/growing.ts"), "typescript", line);
    assert_eq!(codes(&lsp.wait_version(&growing.uri, 1)), ["no-console-log"]);
    let version = lsp.edit(&mut growing, &huge);
    assert_eq!(lsp.wait_version(&growing.uri, version), Vec::<Value>::new());
    lsp.wait_notification("window/showMessage", |m| m["message"].as_str().unwrap().contains("growing.ts"));
    lsp.edit(&mut growing, &format!("{huge}x"));
    lsp.barrier();
    let told = lsp.notifications("window/showMessage");
    assert_eq!(told.iter().filter(|m| m["message"].as_str().unwrap().contains("growing.ts")).count(), 1);
    still_works(&mut lsp, &app);
    lsp.shutdown();
}

/// A TypeScript document of about 5 MB whose check takes a while (seconds in a debug build),
/// with one `console.log` at its end.
fn slow_document() -> String {
    let line = "const value = [1, 2, 3].map((n) => n * 2);\n";
    let mut text = line.repeat(5 * 1024 * 1024 / line.len() + 1);
    text.push_str("console.log(value);\n");
    text
}

#[test]
fn no_request_waits_on_another_documents_check() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);
    let big = lsp.open(&dir.path().join("src/big.ts"), "typescript", &slow_document());
    // While the big document is parsed and checked, a small one opens, is checked, and answers.
    let mut small = lsp.open(&dir.path().join("src/small.ts"), "typescript", "console.log(1);\n");
    assert_eq!(codes(&lsp.wait_version(&small.uri, 1)), ["no-console-log"]);
    let version = lsp.edit(&mut small, "console.log(1);\nconsole.log(2);\n");
    assert_eq!(codes(&lsp.wait_version(&small.uri, version)), ["no-console-log", "no-console-log"]);
    still_works(&mut lsp, &app);
    assert!(lsp.published(&big.uri).is_empty(), "the small document waited for the big one");
    let diagnostics = lsp.wait_diagnostics_within(&big.uri, Duration::from_secs(120), |_| true);
    assert_eq!(codes(&diagnostics), ["no-console-log"]);
    lsp.shutdown();
}

#[test]
fn edits_are_not_blocked_by_a_workspace_check() {
    let dir = basic_project();
    // Two slow files, walked first (files are checked in path order): the check is busy with
    // them for a while.
    std::fs::remove_dir_all(dir.path().join("scripts")).unwrap();
    for name in ["src/a/big1.ts", "src/a/big2.ts"] {
        write(&dir.path().join(name), &slow_document());
    }
    let capabilities = json!({"window": {"workDoneProgress": true}});
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, capabilities);
    let mut app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);
    lsp.execute("praxis.checkWorkspace", json!([]));
    let create = lsp.wait_server_request("window/workDoneProgress/create");
    let token = create["params"]["token"].clone();
    // The first report comes after the first file: the check is now on the second.
    let slow = Duration::from_secs(120);
    lsp.wait_notification_within("$/progress", slow, |p| p["token"] == token && p["value"]["kind"] == "report");
    let big = uri(&dir.path().join("src/a/big2.ts"));
    assert!(lsp.published(&big).is_empty());
    let edited = format!("{}console.log(2);\n", app.text);
    let version = lsp.edit(&mut app, &edited);
    let diagnostics = lsp.wait_version(&app.uri, version);
    assert_eq!(codes(&diagnostics).iter().filter(|code| **code == "no-console-log").count(), 2);
    assert!(lsp.published(&big).is_empty(), "the edit waited for the workspace check");
    lsp.wait_notification_within("$/progress", slow, |p| p["token"] == token && p["value"]["kind"] == "end");
    assert_eq!(codes(&lsp.wait_diagnostics(&big, |_| true)), ["no-console-log"]);
    lsp.shutdown();
}

#[test]
fn a_file_in_an_unsupported_language_gets_no_diagnostics() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let notes = lsp.open(&dir.path().join("src/notes.txt"), "plaintext", "console.log(1) // TODO\n");
    let readme = lsp.open(&dir.path().join("README.md"), "markdown", "# TODO\n\n```ts\nconsole.log(1)\n```\n");
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);

    assert!(lsp.hover(&notes.uri, at(0, 3)).is_null());
    let actions = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": notes.uri}, "range": range((0, 0), (0, 14)), "context": {"diagnostics": []}}),
    );
    assert!(actions.is_null() || actions == json!([]), "{actions}");
    lsp.change(&notes.uri, 2, json!([{"range": range((0, 0), (0, 0)), "text": "eval(x); "}]));
    lsp.barrier();
    for doc in [&notes, &readme] {
        let published = lsp.published(&doc.uri);
        assert!(published.iter().all(|p| p["diagnostics"] == json!([])), "{published:#?}");
    }
    let errors: Vec<Value> = lsp
        .notifications("window/showMessage")
        .into_iter()
        .chain(lsp.notifications("window/logMessage"))
        .filter(|m| m["type"] == 1)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    still_works(&mut lsp, &app);
    lsp.shutdown();
}

#[test]
fn an_unknown_method_is_method_not_found_and_the_server_goes_on() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);

    let error = lsp.request_raw("praxis/noSuchMethod", json!({})).unwrap_err();
    assert_eq!(error["code"], -32601, "{error}");
    lsp.notify("praxis/noSuchNotification", json!({"x": 1}));
    let error = lsp.request_raw("workspace/executeCommand", json!({"command": "praxis.noSuchCommand"})).unwrap_err();
    assert!(error["code"].as_i64().is_some(), "{error}");
    still_works(&mut lsp, &app);
    lsp.shutdown();
}

#[test]
fn a_request_before_initialize_is_refused() {
    let dir = basic_project();
    let mut lsp = Lsp::spawn(dir.path());
    let app_uri = uri(&dir.path().join("src/app.ts"));
    let error = lsp
        .request_raw("textDocument/hover", json!({"textDocument": {"uri": app_uri}, "position": at(0, 0)}))
        .unwrap_err();
    assert_eq!(error["code"], -32002, "{error}");

    lsp.initialize(&[dir.path()], Value::Null, false, no_capabilities());
    assert_eq!(lsp.init["capabilities"]["hoverProvider"], true);
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);
    still_works(&mut lsp, &app);
    lsp.shutdown();
}

#[test]
fn malformed_params_get_an_error_and_the_server_goes_on() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);

    let error = lsp
        .request_raw("textDocument/hover", json!({"textDocument": {"uri": app.uri}, "position": "line 2"}))
        .unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    let error = lsp.request_raw("textDocument/codeAction", json!({"textDocument": {"uri": app.uri}})).unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    let error = lsp
        .request_raw("workspace/executeCommand", json!({"command": "praxis.createPractice", "arguments": ["nope"]}))
        .unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    // A position far outside the document is clamped, not a crash.
    let hover = lsp.hover(&app.uri, at(9_999, 9_999));
    assert!(hover.is_null(), "{hover}");
    // Notifications with bad params are dropped; so is a configuration of the wrong shape.
    lsp.notify("workspace/didChangeConfiguration", json!({"settings": {"praxis": {"practices": 5}}}));
    lsp.notify("textDocument/didChange", json!({"textDocument": {"uri": app.uri}, "contentChanges": 5}));
    lsp.notify("textDocument/didOpen", json!({"textDocument": 7}));
    still_works(&mut lsp, &app);
    lsp.shutdown();
}

#[test]
fn a_change_to_a_document_that_is_not_open_is_ignored() {
    let dir = basic_project();
    let mut lsp = Lsp::start(dir.path(), Value::Null, false, no_capabilities());
    let app = opened(&mut lsp, dir.path(), "src/app.ts", "typescript");
    lsp.wait_version(&app.uri, 1);

    let other = dir.path().join("src/other.ts");
    let other_uri = uri(&other);
    lsp.change(&other_uri, 2, json!([{"range": range((0, 0), (0, 0)), "text": "console.log(1);\n"}]));
    lsp.change(&other_uri, 3, json!([{"text": "console.log(2);\n"}]));
    lsp.barrier();
    assert!(lsp.published(&other_uri).is_empty(), "{:#?}", lsp.published(&other_uri));
    still_works(&mut lsp, &app);

    // Opening it later starts from the opened text only.
    let text = "logger.info(1);\nconsole.log(3);\n";
    let doc = lsp.open(&other, "typescript", text);
    let diagnostics = lsp.wait_version(&doc.uri, 1);
    assert_eq!(codes(&diagnostics), ["no-console-log"]);
    assert_eq!(diagnostics[0]["range"], range((1, 0), (1, 14)));
    lsp.shutdown();
}

// ---------------------------------------------------------------------------------------------
// Scope.

#[test]
fn with_scope_changed_only_lines_changed_against_git_head_have_diagnostics() {
    use support::git::{commit_all, init_committed};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join(".praxis/practices/no-print.yaml"), no_print_yaml());
    let committed = "print('old')\n\n\ndef f():\n    print('also old')\n";
    write(&root.join("app.py"), committed);
    write(&root.join("other.py"), "print('on disk, committed')\n");
    init_committed(root);

    let capabilities = json!({"window": {"workDoneProgress": true}});
    let mut lsp = Lsp::start(root, json!({"scope": "changed"}), false, capabilities);
    assert_eq!(lsp.init["capabilities"]["textDocumentSync"]["save"], true, "saves are reported");
    let mut app = lsp.open(&root.join("app.py"), "python", committed);
    assert_eq!(lsp.wait_version(&app.uri, 1), Vec::<Value>::new(), "nothing changed yet");

    // A new line above shifts the old findings; they stay hidden, the new one shows.
    let edited = format!("import os\nprint('new')\n{committed}");
    let version = lsp.edit(&mut app, &edited);
    let diagnostics = lsp.wait_version(&app.uri, version);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["range"]["start"], at(1, 0));
    // Changing an old line makes its finding show.
    let edited = edited.replace("print('also old')", "print('changed')");
    let version = lsp.edit(&mut app, &edited);
    let lines: Vec<u64> =
        lsp.wait_version(&app.uri, version).iter().map(|d| d["range"]["start"]["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [1, 6]);

    // Saved and committed, nothing differs from HEAD any more.
    write(&root.join("app.py"), &edited);
    commit_all(root, "more prints");
    lsp.notify("textDocument/didSave", json!({"textDocument": {"uri": app.uri}}));
    lsp.wait_diagnostics(&app.uri, <[Value]>::is_empty);

    // A file Git does not know is new in every line.
    let new_text = "print('brand new')\n";
    write(&root.join("new.py"), new_text);
    let new = lsp.open(&root.join("new.py"), "python", new_text);
    assert_eq!(lsp.wait_version(&new.uri, 1).len(), 1);

    // The workspace check applies the scope to files that are not open.
    write(
        &root.join("other.py"),
        "print('on disk, committed')
print('on disk, not committed')
",
    );
    lsp.execute("praxis.checkWorkspace", json!([]));
    let create = lsp.wait_server_request("window/workDoneProgress/create");
    let token = create["params"]["token"].clone();
    lsp.wait_notification("$/progress", |p| p["token"] == token && p["value"]["kind"] == "end");
    let other = lsp.published(&uri(&root.join("other.py")));
    let lines: Vec<u64> = other
        .last()
        .map(|p| {
            p["diagnostics"].as_array().unwrap().iter().map(|d| d["range"]["start"]["line"].as_u64().unwrap()).collect()
        })
        .unwrap_or_default();
    assert_eq!(lines, [1], "{other:#?}");

    // Back to every finding.
    lsp.notify("workspace/didChangeConfiguration", json!({"settings": {"praxis": {"scope": "all"}}}));
    let diagnostics = lsp.wait_diagnostics(&app.uri, |d| d.len() == 3);
    assert_eq!(codes(&diagnostics), ["no-print", "no-print", "no-print"]);
    lsp.shutdown();
}
