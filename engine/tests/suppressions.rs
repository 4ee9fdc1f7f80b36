//! Suppression comments in every language's comment syntax, and unused ones reported.

mod support;

use support::{annotations, check, run};

/// For each language: a practice flagging `foo(...)` calls (or the language's equivalent), and
/// code with one suppressed finding per comment style and one that stays.
#[test]
fn every_language_comment_syntax_suppresses() {
    let cases = [
        ("typescript", "// praxis-ignore", "foo(1); // praxis-ignore: t", "«foo(3)»;"),
        ("tsx", "// praxis-ignore", "foo(1); /* praxis-ignore */", "«foo(3)»;"),
        ("javascript", "/* praxis-ignore: t */", "foo(1); // praxis-ignore: t -- legacy", "«foo(3)»;"),
        ("python", "# praxis-ignore", "foo(1)  # praxis-ignore: t", "«foo(3)»"),
        ("rust", "// praxis-ignore: t", "foo(1); /* praxis-ignore */", "«foo(3)»;"),
        ("go", "// praxis-ignore", "foo(1) // praxis-ignore: t", "«foo(3)»"),
        ("java", "// praxis-ignore", "foo(1); /* praxis-ignore: t */", "«foo(3)»;"),
        ("kotlin", "// praxis-ignore", "foo(1) // praxis-ignore: t", "«foo(3)»"),
        ("c", "/* praxis-ignore */", "foo(1); // praxis-ignore: t", "«foo(3)»;"),
        ("cpp", "// praxis-ignore", "foo(1); // praxis-ignore: t", "«foo(3)»;"),
        ("c-sharp", "// praxis-ignore", "Foo(1); // praxis-ignore: t", "«Foo(3)»;"),
        ("ruby", "# praxis-ignore", "foo(1) # praxis-ignore: t", "«foo(3)»"),
        ("php", "# praxis-ignore", "foo(1); // praxis-ignore: t", "«foo(3)»;"),
        ("swift", "// praxis-ignore", "foo(1) // praxis-ignore: t", "«foo(3)»"),
        ("scala", "// praxis-ignore", "foo(1) // praxis-ignore: t", "«foo(3)»"),
        ("bash", "# praxis-ignore", "foo 1 # praxis-ignore: t", "«foo 3»"),
    ];
    for (language, above, trailing, kept) in cases {
        let (open, close) = match language {
            "go" => ("package m\nfunc main() {\n", "\n}\n"),
            "java" => ("class A { void m() {\n", "\n} }\n"),
            "c-sharp" => ("class A { void M() {\n", "\n} }\n"),
            "kotlin" | "swift" => ("fun main() {\n", "\n}\n"),
            "scala" => ("object A {\n", "\n}\n"),
            "c" | "cpp" => ("void m() {\n", "\n}\n"),
            "rust" => ("fn main() {\n", "\n}\n"),
            "php" => ("<?php\n", "\n"),
            _ => ("", "\n"),
        };
        let (open, close) = if language == "swift" { ("", "\n") } else { (open, close) };
        let call = if language == "c-sharp" { "Foo" } else { "foo" };
        let terminator = if matches!(
            language,
            "typescript" | "tsx" | "javascript" | "rust" | "java" | "c" | "cpp" | "c-sharp" | "php"
        ) {
            ";"
        } else {
            ""
        };
        let suppressed_below = if language == "bash" { "foo 2".to_owned() } else { format!("{call}(2){terminator}") };
        let code = format!("{open}{above}\n{suppressed_below}\n{trailing}\n{kept}{close}");
        let rule = if language == "bash" {
            "rule: {kind: command, has: {field: name, regex: '^foo$'}}".to_owned()
        } else if language == "kotlin" || language == "swift" || language == "scala" || language == "ruby" {
            format!("rule: {{kind: call_expression, regex: '^{call}'}}")
        } else {
            format!("rule: {{pattern: '{call}($A)'}}")
        };
        let rule = if language == "ruby" { "rule: {kind: call, regex: '^foo'}".to_owned() } else { rule };
        check(language, &rule, &code);
        let hints: Vec<_> = run(language, &rule, &annotations(&code).0)
            .into_iter()
            .filter(|f| &*f.practice == "unused-ignore")
            .collect();
        assert!(hints.is_empty(), "{language}: unexpected unused-ignore {hints:?}");
    }
}

#[test]
fn html_and_css_block_comments_suppress() {
    check(
        "html",
        "rule: {kind: element, has: {kind: start_tag, has: {kind: tag_name, regex: '^b$'}}}",
        "<!-- praxis-ignore -->\n<b>x</b>\n«<b>y</b>»\n",
    );
    check(
        "css",
        "rule: {kind: declaration, regex: '!important'}",
        "a {\n  /* praxis-ignore */\n  color: red !important;\n  «margin: 0 !important;»\n}\n",
    );
    check(
        "yaml",
        "rule: {kind: block_mapping_pair, has: {field: key, regex: '^password$'}}",
        "a:\n  # praxis-ignore\n  password: x\nb:\n  «password: y»\n",
    );
}

#[test]
fn only_named_practices_are_suppressed() {
    check("python", "rule: {pattern: foo($A)}", "«foo(1)»  # praxis-ignore: other-practice\n");
}

#[test]
fn file_suppression_must_come_before_code() {
    check(
        "python",
        "rule: {pattern: foo($A)}",
        "#!/usr/bin/env python\n# praxis-ignore-file: t\nimport x\nfoo(1)\nfoo(2)\n",
    );
    let findings = check("python", "rule: {pattern: foo($A)}", "import x\n# praxis-ignore-file: t\n«foo(1)»\n");
    assert!(findings.iter().any(|f| &*f.practice == "unused-ignore" && f.message.contains("before the first code")));
}

#[test]
fn unused_suppressions_are_hints() {
    let findings = run(
        "python",
        "rule: {pattern: foo($A)}",
        "# praxis-ignore\nbar(1)\nfoo(1)  # praxis-ignore: t, nothing-here\n",
    );
    let hints: Vec<_> = findings.iter().filter(|f| &*f.practice == "unused-ignore").collect();
    assert_eq!(hints.len(), 2, "{findings:?}");
    assert_eq!(hints[0].severity, praxis_engine::Severity::Hint);
    assert_eq!(hints[0].range, 0..15);
    assert!(hints[1].message.contains("`nothing-here`") && !hints[1].message.contains("`t`"), "{}", hints[1].message);
}

#[test]
fn suppression_text_in_strings_is_not_a_suppression() {
    check("python", "rule: {pattern: foo($A)}", "«foo(\"praxis-ignore\")»\n");
}

/// The pieces an editor re-checks with: matches in a region, then suppressions over the whole
/// document, agree with a full check.
#[test]
fn region_matches_plus_suppressions_agree_with_a_full_check() {
    use praxis_engine::{Document, PracticeSet, apply_suppressions};
    let practice = support::practice("python", "rule: {pattern: foo($A)}");
    let (set, _) = PracticeSet::new([practice]);
    let source = "foo(1)\nfoo(2)  # praxis-ignore\ndef f():\n    foo(3)\n    return foo(4)\n";
    let doc = Document::new(praxis_grammars::by_name("python").unwrap(), source);
    let full = set.check(&doc, None).findings;
    assert_eq!(full.len(), 3);

    let region = source.find("foo(3)").unwrap()..source.find("foo(3)").unwrap() + 3;
    let raw = set.find(&doc, None, Some(region.clone())).findings;
    assert_eq!(raw.iter().map(|f| &source[f.range.clone()]).collect::<Vec<_>>(), ["foo(3)"]);

    let everything = set.find(&doc, None, None).findings;
    let mut rebuilt = apply_suppressions(&doc, everything).findings;
    rebuilt.sort_by_key(|f| f.range.start);
    assert_eq!(rebuilt, full);
}

#[test]
fn json_with_comments_suppresses() {
    check(
        "json",
        "rule: {kind: pair, has: {field: key, regex: password}}",
        "{\n  // praxis-ignore\n  \"password\": \"a\",\n  «\"password2\": \"b\"»\n}\n",
    );
}

/// A check says which practice each suppressed finding belonged to (usage statistics count
/// them); unused suppressions are hints, not suppressed findings.
#[test]
fn a_check_names_what_it_suppressed() {
    use praxis_engine::{Document, PracticeSet};
    let (set, _) = PracticeSet::new([
        support::practice("python", "id: foo\nrule: {pattern: foo($A)}"),
        support::practice("python", "id: bar\nrule: {pattern: bar($A)}"),
    ]);
    let source =
        "foo(1)  # praxis-ignore\nfoo(2)  # praxis-ignore: foo, bar\nbar(3)\n# praxis-ignore: nothing\nx = 1\n";
    let doc = Document::new(praxis_grammars::by_name("python").unwrap(), source);
    let report = set.check(&doc, None);
    assert_eq!(report.suppressed.iter().map(|id| &**id).collect::<Vec<_>>(), ["foo", "foo"]);
    let kept: Vec<&str> = report.findings.iter().map(|finding| &*finding.practice).collect();
    assert_eq!(kept, ["unused-ignore", "bar", "unused-ignore"]);
}

/// The suppress action's edit is the engine's, and reads comments as suppressions do: it adds
/// the id to a suppression comment alone on the line above, or writes a new one in the
/// language's comment syntax, indented like the line.
#[test]
fn suppression_edits_extend_the_comment_above_or_add_one() {
    use praxis_engine::{Document, suppression_edit};
    let edit = |language: &str, source: &str, needle: &str, id: &str| {
        let doc = Document::new(praxis_grammars::by_name(language).unwrap(), source);
        let fix = suppression_edit(&doc, source.find(needle).unwrap(), id)?;
        let mut out = source.to_owned();
        out.replace_range(fix.range, &fix.replacement);
        Some(out)
    };
    assert_eq!(
        edit("python", "def f():\n    print(1)\n", "print", "no-print").unwrap(),
        "def f():\n    # praxis-ignore: no-print\n    print(1)\n"
    );
    assert_eq!(
        edit("python", "x = 1\n# praxis-ignore: a -- legacy\nprint(1)\n", "print", "b").unwrap(),
        "x = 1\n# praxis-ignore: a, b -- legacy\nprint(1)\n"
    );
    assert_eq!(edit("python", "# praxis-ignore: a, b\nprint(1)\n", "print", "b"), None, "already named");
    // Not alone on its line: a new comment goes above.
    assert_eq!(
        edit("python", "y = 2  # praxis-ignore: a\nprint(1)\n", "print", "b").unwrap(),
        "y = 2  # praxis-ignore: a\n# praxis-ignore: b\nprint(1)\n"
    );
    assert_eq!(
        edit("css", "a {\n  /* praxis-ignore: x */\n  color: red !important;\n}\n", "color", "y").unwrap(),
        "a {\n  /* praxis-ignore: x, y */\n  color: red !important;\n}\n"
    );
    assert_eq!(edit("html", "<p>hi</p>\n", "<p>", "z").unwrap(), "<!-- praxis-ignore: z -->\n<p>hi</p>\n");
    // Text that looks like a suppression in a string is not one.
    assert_eq!(
        edit("python", "s = '# praxis-ignore: a'\nprint(1)\n", "print", "b").unwrap(),
        "s = '# praxis-ignore: a'\n# praxis-ignore: b\nprint(1)\n"
    );
}

/// After an edit, each practice is matched again where its rule says the edit can matter, and
/// the result equals a full check: a rule on a node's siblings sees an edit in a sibling's body.
#[test]
fn refinding_after_an_edit_equals_a_full_check() {
    use praxis_engine::{Document, PracticeSet};
    let (set, _) = PracticeSet::new([
        support::practice(
            "python",
            "id: before-printing\nrule:\n  kind: function_definition\n  precedes: {kind: function_definition, has: {pattern: print($$$), stopBy: end}, stopBy: end}\n",
        ),
        support::practice("python", "id: no-print\nrule: {pattern: print($$$A)}"),
    ]);
    let source = "def a():\n    pass\n\ndef b():\n    pass\n";
    let mut doc = Document::new(praxis_grammars::by_name("python").unwrap(), source);
    let before = set.find(&doc, None, None).findings;
    assert!(before.is_empty());
    let at = source.rfind("pass").unwrap();
    let changed = doc.edit(at..at + 4, "print(1)");
    let region = changed.iter().fold(at..at + 8, |all, range| all.start.min(range.start)..all.end.max(range.end));
    let after = set.refind(&mut doc, None, region, before).findings;
    let full = set.find(&doc, None, None).findings;
    let mut sorted = full.clone();
    sorted.sort_by_key(|finding| (finding.range.start, finding.range.end));
    assert_eq!(after, sorted);
    let ids: Vec<&str> = after.iter().map(|finding| &*finding.practice).collect();
    assert_eq!(ids, ["before-printing", "no-print"], "`a` now precedes a function that prints");
}
