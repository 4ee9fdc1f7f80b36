//! Practice documents: every mistake is reported with its line, column and reason, and examples
//! are run as tests.

use praxis_engine::{ExampleKind, Practice, Severity};

/// The first error for `yaml`, as `line:column: message`.
#[track_caller]
fn error(yaml: &str) -> String {
    match Practice::from_yaml(yaml, None) {
        Ok(_) => panic!("expected an error for:\n{yaml}"),
        Err(errors) => {
            let first = &errors[0];
            let position = first.position.expect("errors in YAML have positions");
            format!("{}:{}: {}", position.line, position.column, first.message)
        }
    }
}

const HEAD: &str = "id: p\nname: A practice\nlanguages: [python]\n";

#[test]
fn mistakes_are_located() {
    let cases = [
        (format!("{HEAD}rule: {{pattern: print($A)}}\nseverty: error\n"), "5:1: unknown field `severty`"),
        (format!("{HEAD}rule:\n  patern: x\n"), "5:3: unknown field `patern`"),
        (
            "id: p\nname: n\nlanguages: [python, cobol]\nrule: {kind: call}\n".to_owned(),
            "3:21: unknown language `cobol`",
        ),
        (format!("{HEAD}severity: critical\nrule: {{kind: call}}\n"), "4:11: severity: unknown variant `critical`"),
        (format!("{HEAD}rule:\n  kind: call\n  regex: '(unclosed'\n"), "6:10: invalid regex"),
        (format!("{HEAD}rule:\n  pattern: 'def ('\n"), "5:12: the pattern does not parse as python"),
        (format!("{HEAD}rule:\n  kind: no_such_kind\n"), "5:9: unknown node kind `no_such_kind` in python"),
        ("id: p\nname: n\nrule: {kind: call}\n".to_owned(), "1:1: missing field `languages`"),
        (format!("{HEAD}rule:\n  not: {{kind: call}}\n"), "4:1: the rule has no positive part"),
        (format!("{HEAD}rule:\n  inside: {{kind: call}}\n"), "4:1: the rule has no positive part"),
        (
            format!("{HEAD}rule:\n  kind: call\n  stopBy: end\n"),
            "6:11: `stopBy` only belongs in inside, has, follows or precedes",
        ),
        (
            format!("{HEAD}rule:\n  kind: call\n  has: {{kind: identifier, field: nope}}\n"),
            "6:34: unknown field `nope` in python",
        ),
        (format!("{HEAD}rule: {{matches: missing}}\n"), "4:17: no util named `missing`"),
        (
            format!("{HEAD}utils:\n  a: {{matches: b}}\n  b: {{matches: a}}\nrule: {{matches: a}}\n"),
            "utils refer to each other in a cycle: a -> b -> a",
        ),
        (format!("{HEAD}rule: {{query: '(call'}}\n"), "invalid query"),
        (format!("{HEAD}rule: {{kind: call, nthChild: 0}}\n"), "`0` is not a position"),
        (
            "id: Bad_Id\nname: n\nlanguages: [python]\nrule: {kind: call}\n".to_owned(),
            "1:5: id `Bad_Id` must be kebab-case",
        ),
        (
            "id: p\nname: n\nlanguages: [python]\nrule: [kind, call]\n".to_owned(),
            "4:1: rule: a rule is a map, not a list",
        ),
        ("id: p\nname: n\nlanguages: [python\n".to_owned(), "4:1: "),
        (
            format!("{HEAD}rule: {{kind: call}}\nexamples:\n  bad:\n    - code: x\n      language: rust\n"),
            "8:17: `rust` is not one of this practice's languages",
        ),
        (format!("{HEAD}rule: {{kind: call}}\nfiles: ['src/[']\n"), "5:9: invalid glob"),
    ];
    for (yaml, expected) in cases {
        let actual = error(&yaml);
        let matched = if expected.contains(": ") && expected.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            actual.starts_with(expected)
        } else {
            actual.contains(expected)
        };
        assert!(matched, "expected `{expected}`, got `{actual}` for:\n{yaml}");
    }
}

#[test]
fn all_mistakes_in_a_practice_are_reported() {
    let yaml = format!("{HEAD}rule:\n  all:\n    - kind: nope\n    - regex: '['\n");
    let errors = Practice::from_yaml(&yaml, Some(std::path::Path::new("p.yaml"))).unwrap_err();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].to_string(), "p.yaml:6:13: unknown node kind `nope` in python");
    assert!(errors[1].to_string().starts_with("p.yaml:7:14: invalid regex"), "{}", errors[1]);
}

#[test]
fn a_kind_known_to_one_language_is_fine_for_the_others() {
    let yaml = "id: p\nname: n\nlanguages: [python, rust]\nrule:\n  any: [{kind: comment}, {kind: line_comment}]\n";
    assert!(Practice::from_yaml(yaml, None).is_ok());
    let yaml = "id: p\nname: n\nlanguages: [python, rust]\nrule:\n  kind: nowhere\n";
    assert!(Practice::from_yaml(yaml, None).is_err());
}

#[test]
fn documents_round_trip_through_json() {
    let yaml = "id: no-print\nname: No print\nseverity: error\nlanguages: [python]\nmessage: use logging\nrule:\n  pattern: print($$$A)\n  not: {inside: {kind: function_definition, stopBy: end}}\nfix: log($$$A)\ntags: [logging]\nexamples:\n  bad: [{code: 'print(1)'}]\n  good: [{code: 'log(1)'}]\n";
    let practice = Practice::from_yaml(yaml, None).unwrap();
    assert_eq!(practice.severity, Severity::Error);
    let json = serde_json::to_value(&practice.doc).unwrap();
    assert_eq!(json["rule"]["pattern"], "print($$$A)");
    let back = Practice::from_doc(serde_json::from_value(json).unwrap()).unwrap();
    assert_eq!(back.doc, practice.doc);
}

#[test]
fn examples_pass_and_fail_with_positions() {
    let yaml = "id: no-print\nname: No print\nlanguages: [python]\nrule: {pattern: print($$$A)}\nexamples:\n  bad:\n    - code: print(1)\n    - code: log(2)\n  good:\n    - code: log(1)\n    - code: |\n        print(2)\n";
    let practice = Practice::from_yaml(yaml, Some(std::path::Path::new("no-print.yaml"))).unwrap();
    let results = practice.run_examples();
    assert_eq!(results.passed, 2);
    assert_eq!(results.failures.len(), 2);
    let bad = &results.failures[0];
    assert_eq!((bad.kind, bad.number, bad.language), (ExampleKind::Bad, 2, "python"));
    assert_eq!(bad.to_string(), "no-print.yaml:8:13: no-print: bad example 2 (python) produced no finding");
    let good = &results.failures[1];
    assert_eq!((good.kind, good.number), (ExampleKind::Good, 2));
    assert!(good.to_string().contains("produced 1 finding(s), first at `print(2)`"), "{good}");
}

#[test]
fn files_and_ignores_globs() {
    let yaml =
        "id: p\nname: n\nlanguages: [python]\nrule: {kind: call}\nfiles: ['src/**']\nignores: ['**/test_*.py']\n";
    let practice = Practice::from_yaml(yaml, None).unwrap();
    assert!(practice.applies_to(Some("src/app.py")));
    assert!(practice.applies_to(Some("src/deep/app.py")));
    assert!(!practice.applies_to(Some("lib/app.py")));
    assert!(!practice.applies_to(Some("src/test_app.py")));
    assert!(practice.applies_to(None));
    let shallow =
        Practice::from_yaml("id: p\nname: n\nlanguages: [python]\nrule: {kind: call}\nfiles: ['web/*']\n", None)
            .unwrap();
    assert!(shallow.applies_to(Some("web/a.py")));
    assert!(!shallow.applies_to(Some("web/deep/a.py")), "`*` does not cross folders");
    // `checks` adds the language to the globs.
    let python = praxis_grammars::by_name("python").unwrap();
    let ruby = praxis_grammars::by_name("ruby").unwrap();
    assert!(practice.checks(python, Some("src/app.py")));
    assert!(!practice.checks(python, Some("src/test_app.py")));
    assert!(!practice.checks(ruby, Some("src/app.rb")));
    assert!(practice.checks(python, None));
}
