//! ast-grep compatibility: rules from an ast-grep catalog, copied into practices unchanged
//! (`invalid` → `bad`, `valid` → `good`), pass `praxis test` as they pass `ast-grep test`.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{fixture, praxis};

/// ast-grep's language names and aliases (case-insensitive, as ast-grep reads them), as Praxis
/// spells them.
fn language(name: &str) -> &'static str {
    match name.to_ascii_lowercase().as_str() {
        "typescript" | "ts" => "typescript",
        "tsx" => "tsx",
        "javascript" | "js" | "jsx" => "javascript",
        "python" | "py" => "python",
        "rust" | "rs" => "rust",
        "go" | "golang" => "go",
        "java" => "java",
        "c" => "c",
        "cpp" | "cc" | "c++" | "cxx" => "cpp",
        "ruby" | "rb" => "ruby",
        "kotlin" | "kt" => "kotlin",
        "csharp" | "cs" => "c-sharp",
        _ => panic!("no Praxis name for ast-grep language {name}"),
    }
}

fn yaml(path: &Path) -> Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Converts every rule of an ast-grep project folder into a practice file in `out`; returns
/// the languages covered.
fn convert(catalog: &Path, out: &Path) -> std::collections::BTreeSet<&'static str> {
    let mut languages = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(catalog.join("rules")).unwrap() {
        let rule = yaml(&entry.unwrap().path());
        let id = rule["id"].as_str().unwrap();
        let tests = yaml(&catalog.join("rule-tests").join(format!("{id}-test.yml")));
        let lang = language(rule["language"].as_str().unwrap());
        languages.insert(lang);
        let examples = |key: &str| -> Vec<Value> {
            tests[key].as_array().into_iter().flatten().map(|code| json!({"code": code})).collect()
        };
        let mut practice = json!({
            "id": id,
            "name": rule.get("message").and_then(Value::as_str).unwrap_or(id),
            "languages": [lang],
            "rule": rule["rule"],
            "examples": {"bad": examples("invalid"), "good": examples("valid")},
        });
        if let Some(severity) = rule.get("severity").and_then(Value::as_str) {
            practice["severity"] = severity.into();
        }
        for key in ["message", "utils", "constraints", "fix"] {
            if let Some(value) = rule.get(key) {
                practice[key] = value.clone();
            }
        }
        // JSON is YAML: the practice file is the JSON form, as the sync server sends it.
        std::fs::write(out.join(format!("{id}.yaml")), serde_json::to_string_pretty(&practice).unwrap()).unwrap();
    }
    languages
}

#[test]
fn ast_grep_catalog_rules_pass_praxis_test() {
    let dir = tempfile::tempdir().unwrap();
    let languages = convert(&fixture("ast-grep-catalog"), dir.path());
    assert!(languages.len() >= 8, "the catalog covers {languages:?}");
    let run = praxis(dir.path(), &["test", "--practices", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let count = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(run.stdout.contains(&format!("practices: {count} ok, 0 failing")), "{}", run.stdout);
}

/// The two Go traps of DESIGN.md, written plainly: ast-grep fails these, Praxis must not.
#[test]
fn go_traps_pass_as_plain_patterns() {
    let dir = tempfile::tempdir().unwrap();
    convert(&fixture("ast-grep-catalog/praxis-only"), dir.path());
    let run = praxis(dir.path(), &["test", "--practices", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn a_wrong_example_fails_naming_practice_and_example() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("no-print.yaml"),
        "id: no-print\nname: No print\nlanguages: [python]\nrule: {pattern: print($$$A)}\nexamples:\n  bad:\n    - code: print(1)\n    - code: log(1)\n  good:\n    - code: log(2)\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ok.yaml"),
        "id: ok\nname: Fine\nlanguages: [python]\nrule: {kind: lambda}\nexamples:\n  bad: [{code: 'f = lambda: 1'}]\n",
    )
    .unwrap();
    let run = praxis(dir.path(), &["test", "--practices", "."]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("FAIL  no-print (2 bad, 1 good)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("no-print.yaml:8:13: no-print: bad example 2 (python) produced no finding"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("ok    ok (1 bad, 0 good)"), "{}", run.stdout);
    assert!(run.stdout.contains("practices: 1 ok, 1 failing"), "{}", run.stdout);
}

#[test]
fn the_starter_set_passes() {
    let starter = support::workspace().join("lsp/starter/practices");
    let run = praxis(&starter, &["test", "--practices", "."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = praxis(&support::workspace().join("examples/demo"), &["test"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

/// Every practice in the rule reference (docs/rules.md) is a working practice: its examples pass.
#[test]
fn the_rule_reference_practices_pass_their_examples() {
    let reference = std::fs::read_to_string(support::workspace().join("docs/rules.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut count = 0;
    let mut lines = reference.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "```yaml" {
            let block: Vec<&str> = lines.by_ref().take_while(|line| line.trim() != "```").collect();
            count += 1;
            std::fs::write(dir.path().join(format!("example-{count:02}.yaml")), block.join("\n") + "\n").unwrap();
        }
    }
    assert!(count >= 25, "the reference has its examples ({count})");
    let run = praxis(dir.path(), &["test", "--practices", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("practices: {count} ok, 0 failing")), "{}", run.stdout);
    assert!(!run.stdout.contains("no examples"), "every reference practice has examples:\n{}", run.stdout);
}
