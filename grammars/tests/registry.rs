//! Every grammar loads at run time with an ABI this tree-sitter accepts, parses a sample, compiles
//! a query, and parses a metavariable stand-in as ordinary code.

use std::path::Path;

use streaming_iterator::StreamingIterator;

/// A small valid program per language, and a pattern with a metavariable in it.
fn sample(name: &str) -> (&'static str, &'static str) {
    match name {
        "typescript" => ("const x: number = f(1);", "f($A)"),
        "tsx" => ("const el = <div>{f(1)}</div>;", "f($A)"),
        "javascript" => ("const x = f(1);", "f($A)"),
        "python" => ("x = f(1)\n", "f($A)"),
        "rust" => ("fn main() { let x = f(1); }", "f($A)"),
        "go" => ("package main\nfunc main() { f(1) }\n", "f($A)"),
        "java" => ("class A { void m() { f(1); } }", "f($A)"),
        "kotlin" => ("fun main() { f(1) }", "f($A)"),
        "c" => ("int main() { return f(1); }", "f($A)"),
        "cpp" => ("int main() { return f(1); }", "f($A)"),
        "c-sharp" => ("class A { void M() { F(1); } }", "F($A)"),
        "ruby" => ("x = f(1)\n", "f($A)"),
        "php" => ("<?php\n$x = f(1);\n", "f($A)"),
        "swift" => ("let x = f(1)\n", "f($A)"),
        "scala" => ("object A { val x = f(1) }", "f($A)"),
        "bash" => ("echo hello\n", "echo $A"),
        "html" => ("<p class=\"a\">hi</p>", "<p>$A</p>"),
        "css" => ("a { color: red; }", "a { color: $A; }"),
        "json" => ("{\"a\": [1, 2]}", "{\"a\": \"$A\"}"),
        "yaml" => ("a: 1\n", "a: $A"),
        other => panic!("no sample for {other}"),
    }
}

fn parse(lang: &praxis_grammars::Language, text: &str) -> tree_sitter::Tree {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(lang.tree_sitter()).expect("grammar ABI is compatible");
    parser.parse(text, None).expect("parser returns a tree")
}

#[test]
fn every_grammar_loads_parses_and_compiles_a_query() {
    for lang in praxis_grammars::all() {
        let (code, _) = sample(lang.name);
        let tree = parse(lang, code);
        assert!(!tree.root_node().has_error(), "{}: sample has errors: {}", lang.name, tree.root_node().to_sexp());

        let query = tree_sitter::Query::new(lang.tree_sitter(), "(_) @node")
            .unwrap_or_else(|err| panic!("{}: query does not compile: {err}", lang.name));
        let mut cursor = tree_sitter::QueryCursor::new();
        let mut matches = cursor.matches(&query, tree.root_node(), code.as_bytes());
        assert!(matches.next().is_some(), "{}: query matched nothing", lang.name);
    }
}

#[test]
fn metavariable_stand_ins_parse_as_code() {
    for lang in praxis_grammars::all() {
        let (_, pattern) = sample(lang.name);
        let text = pattern.replace('$', &lang.metavar_char.to_string());
        let parsed = lang
            .pattern_contexts
            .iter()
            .any(|(prefix, suffix)| !parse(lang, &format!("{prefix}{text}{suffix}")).root_node().has_error());
        assert!(parsed, "{}: `{text}` does not parse in any pattern context", lang.name);
    }
}

#[test]
fn lookups_by_name_alias_extension_and_language_id() {
    assert_eq!(praxis_grammars::by_name("TypeScript").map(|l| l.name), Some("typescript"));
    assert_eq!(praxis_grammars::by_name("jsx").map(|l| l.name), Some("javascript"));
    assert_eq!(praxis_grammars::by_name("csharp").map(|l| l.name), Some("c-sharp"));
    assert_eq!(praxis_grammars::by_name("cobol"), None);
    assert_eq!(praxis_grammars::by_path(Path::new("src/a.tsx")).map(|l| l.name), Some("tsx"));
    assert_eq!(praxis_grammars::by_path(Path::new("lib/x.PY")).map(|l| l.name), Some("python"));
    assert_eq!(praxis_grammars::by_path(Path::new("Rakefile")).map(|l| l.name), Some("ruby"));
    assert_eq!(praxis_grammars::by_path(Path::new("README")), None);
    assert_eq!(praxis_grammars::by_language_id("typescriptreact").map(|l| l.name), Some("tsx"));
    assert_eq!(praxis_grammars::by_language_id("shellscript").map(|l| l.name), Some("bash"));
}

#[test]
fn names_aliases_and_extensions_are_unambiguous() {
    let mut names = std::collections::HashSet::new();
    let mut extensions = std::collections::HashSet::new();
    for lang in praxis_grammars::all() {
        for name in std::iter::once(&lang.name).chain(lang.aliases) {
            assert!(names.insert(name.to_ascii_lowercase()), "name {name} is used twice");
        }
        for ext in lang.extensions {
            assert!(extensions.insert(*ext), "extension {ext} is used twice");
        }
        assert!(lang.comments.line.is_some() || lang.comments.block.is_some(), "{} has no comments", lang.name);
    }
    assert!(names.len() >= 20);
}
