//! Every rule operator, data-driven: a practice body, a language, and code with the expected
//! findings marked `«like this»`.

mod support;

use support::{check, run};

#[test]
fn pattern_with_metavariables() {
    check(
        "javascript",
        "rule: {pattern: console.log($$$ARGS)}",
        r#"
«console.log("user", id)»;
logger.info("user", id);
«console.log()»;
console.error(x);
"#,
    );
    check("typescript", "rule: {pattern: foo($A)}", "«foo(1)»; foo(); foo(1, 2); «foo(bar(2))»;");
    check("python", "rule: {pattern: print($$$)}", "«print()»\n«print(1, 2)»\nlog(1)\n");
}

#[test]
fn metavariable_used_twice_binds_equal_code() {
    let body = "rule: {pattern: $X == $X}";
    check("javascript", body, "«a == a»; a == b; «x.y == x . y»; «f(1) == f( 1 )»;");
    check("python", body, "«a == a»\na == b\n");
    // Comparing tokens does not recurse: bindings can be deeper than the stack.
    let deep = |space: &str| format!("{}x{}", format!("({space}").repeat(20_000), ")".repeat(20_000));
    let source = format!("«{} == {}»\n", deep(""), deep(" "));
    check("python", body, &source);
    // Same tokens but a string's inner space: not equal code.
    check("python", body, "'a b' == 'a  b'\n");
}

#[test]
fn wildcards_do_not_bind() {
    check("javascript", "rule: {pattern: $_ == $_}", "«a == b»; «a == a»;");
    check("javascript", "rule: {pattern: $_A + $_A}", "«a + b»;");
}

#[test]
fn multi_metavariables_take_lists() {
    check("javascript", "rule: {pattern: 'f($A, $$$REST)'}", "f(); f(1); «f(1, 2)»; «f(1, 2, 3)»;");
    // As in ast-grep, the unnamed tokens right after a `$$$` are optional, so the list may be
    // empty; they are not part of the list's binding.
    check("javascript", "rule: {pattern: 'f($$$, last)'}", "«f(last)»; «f(a, b, last)»; f(last, a);");
    let findings = run("javascript", "rule: {pattern: 'f($$$A, last)'}\nmessage: 'args: $$$A'", "f(a, b, last);");
    assert_eq!(findings[0].message, "args: a, b");
    check(
        "go",
        "rule: {pattern: '$GRPC.Dial($ADDR, $$$, $GRPC.WithInsecure($$$))'}",
        "package m\nfunc f() {\n\t«grpc.Dial(addr, grpc.WithInsecure())»\n\t«grpc.Dial(addr, grpc.WithBlock(), grpc.WithInsecure())»\n\tgrpc.Dial(addr)\n}\n",
    );
    let findings = run("javascript", "rule: {pattern: 'f($$$ARGS)'}\nmessage: 'args: $$$ARGS'", "f(a, b + 1);");
    assert_eq!(findings[0].message, "args: a, b + 1");
}

/// A metavariable where the grammar expects something else (`$$$` among a class's members or as a
/// statement without `;`) parses as an ERROR node; as in ast-grep, that node is the metavariable.
#[test]
fn metavariables_the_grammar_did_not_expect_still_match() {
    check(
        "c-sharp",
        "rule: {pattern: 'class $DCR : DataContractResolver { $$$ }'}",
        "«class R : DataContractResolver { Type Resolve() { return null; } }»\nclass S : Other { }\n",
    );
    check(
        "c-sharp",
        "rule: {pattern: 'try { $$$TRY } catch ($$$PARAMS) {}'}",
        "class C { void M() {\n«try { Run(); } catch (Exception e) {}»\ntry { Run(); } catch (Exception e) { Log(e); }\n} }\n",
    );
    check(
        "typescript",
        "rule: {pattern: 'class $KLASS $$$_ { $$$_ }'}",
        "«class A { m() {} }»\n«class B extends C {}»\n",
    );
    // Alone at the top level a decorator is an ERROR, but the pattern is the decorator inside it.
    check("typescript", "rule: {pattern: '@Component($$$_)'}", "«@Component({})»\nclass A {}\n");
    // Any other ERROR is still a practice error.
    let broken = "id: t\nname: n\nlanguages: [typescript]\nrule: {pattern: 'class $K ( { $$$ }'}\n";
    let errors = praxis_engine::Practice::from_yaml(broken, None).expect_err("the pattern does not parse");
    assert!(errors[0].message.contains("does not parse as typescript"), "{}", errors[0].message);
}

/// Only the selected node of a `{context, selector}` pattern is the pattern: a context that Go
/// cannot finish (a block alone at the top level lacks its terminator) still gives it.
#[test]
fn a_context_needs_to_parse_only_where_the_selector_points() {
    check(
        "go",
        "rule:\n  pattern:\n    context: '{ defer $A.$B(t, failpoint.$M($$$)) }'\n    selector: defer_statement",
        "package m\nfunc TestX(t *testing.T) {\n\t«defer require.NoError(t, failpoint.Disable(\"x\"))»\n\tdefer f.Store(x)\n}\n",
    );
}

#[test]
fn unnamed_tokens_in_code_may_be_skipped_but_pattern_tokens_must_match() {
    check("javascript", "rule: {pattern: 'a + b'}", "«a + b»; a - b;");
    check("typescript", "rule: {pattern: 'function $F() { $$$ }'}", "«function f() {}» «async function g() { x() }»");
}

#[test]
fn go_call_patterns_match_calls() {
    // ast-grep's trap: alone, `fmt.Println($$$A)` parses as a type conversion.
    check(
        "go",
        "rule: {pattern: fmt.Println($$$A)}",
        r#"package main
func main() {
	«fmt.Println("a", 1)»
	«fmt.Println(x)»
	fmt.Printf("%d", 1)
	v := «fmt.Println()»
}
"#,
    );
}

#[test]
fn go_blank_assignment_does_not_match_tuple_assignment() {
    check(
        "go",
        "rule: {pattern: _ = $F($$$)}",
        r#"package main
func main() {
	«_ = f()»
	«_ = g(1, 2)»
	_, err = f()
	x = f()
}
"#,
    );
}

#[test]
fn statement_patterns_parse_in_a_body() {
    check(
        "rust",
        "rule: {pattern: $X.unwrap()}",
        "fn main() { let a = «b.unwrap()»; «c().unwrap()»; b.expect(\"x\"); }",
    );
    check(
        "java",
        "rule: {pattern: System.out.println($$$A)}",
        "class A { void m() { «System.out.println(1)»; System.err.println(2); } }",
    );
    check("c", "rule: {pattern: 'strcpy($A, $B)'}", "void f() { «strcpy(a, b)»; strncpy(a, b, 1); }");
}

#[test]
fn pattern_with_context_and_selector() {
    check(
        "javascript",
        "rule:\n  pattern:\n    context: 'class A { $F = $V }'\n    selector: field_definition",
        "class B { «x = 1»; y() {} «z = 2» }",
    );
}

#[test]
fn kind_and_error_kind() {
    check("python", "rule: {kind: lambda}", "f = «lambda x: x»\ng = 1\n");
    check("javascript", "rule: {kind: ERROR}", "let x «= )»;\n");
}

#[test]
fn regex_searches_node_text() {
    check("python", "rule: {kind: comment, regex: TODO}", "x = 1  «# TODO: fix»\n# done\n");
    check("rust", "rule: {kind: line_comment, regex: '^// (FIXME|XXX)'}", "«// FIXME a»\n// note FIXME\nfn a() {}\n");
}

#[test]
fn query_with_match_capture_and_whole_pattern() {
    check(
        "c",
        "rule:\n  query: '((call_expression function: (identifier) @f) @match (#any-of? @f \"strcpy\" \"sprintf\"))'\nmessage: 'use a bounded $F'",
        "void g() { «strcpy(a, b)»; strncpy(a, b, 1); «sprintf(s, \"%d\", 1)»; }",
    );
    let findings = run(
        "c",
        "rule:\n  query: '((call_expression function: (identifier) @f) @match (#eq? @f \"strcpy\"))'\nmessage: 'use a bounded $F'",
        "void g() { strcpy(a, b); }",
    );
    assert_eq!(findings[0].message, "use a bounded strcpy");
    check(
        "python",
        "rule: {query: '(call function: (identifier) @name (#eq? @name \"eval\"))'}",
        "«eval(x)»\nexec(y)\n",
    );
}

#[test]
fn inside_with_stop_by() {
    let neighbor = "rule: {kind: return_statement, inside: {kind: statement_block}}";
    check("javascript", neighbor, "function f() { «return 1;» }");
    let deep = "rule:\n  pattern: await $X\n  inside: {kind: for_statement, stopBy: end}";
    check("javascript", deep, "async function f() { for (;;) { if (a) { «await g()»; } } await h(); }");
    let stop_at_function =
        "rule:\n  pattern: await $X\n  inside:\n    kind: for_statement\n    stopBy: {kind: arrow_function}";
    check("javascript", stop_at_function, "for (;;) { «await a()»; xs.map(async () => await b()); }");
    let neighbor_only = "rule:\n  pattern: await $X\n  inside: {kind: for_statement}";
    check("javascript", neighbor_only, "for (;;) { await a(); }");
}

#[test]
fn inside_with_field() {
    let body = "rule:\n  kind: identifier\n  inside: {kind: call_expression, field: function}";
    check("javascript", body, "«f»(a); «g»(b);");
}

#[test]
fn has_with_stop_by_and_field() {
    check("python", "rule:\n  kind: function_definition\n  has: {kind: parameters}", "«def f(): pass»\nlambda: 1\n");
    let deep = "rule:\n  kind: function_definition\n  has: {pattern: yield $X, stopBy: end}";
    check("python", deep, "«def f():\n    if a:\n        yield 1»\ndef g():\n    return 1\n");
    let field = "rule:\n  kind: call\n  has: {field: function, regex: '^eval$'}";
    check("python", field, "«eval(x)»\nf(eval)\n");
}

#[test]
fn follows_and_precedes() {
    // Siblings are statements, so the pattern is one (`;` included).
    let follows = "rule:\n  pattern: $X.close();\n  follows: {pattern: $X.open();, stopBy: end}";
    check("javascript", follows, "f.open();\ng();\n«f.close();»\nh.close();\n");
    let precedes = "rule:\n  kind: expression_statement\n  precedes: {pattern: 'return $A;'}";
    check("javascript", precedes, "function f() { a(); «b();» return 1; }");
}

#[test]
fn composite_all_any_not() {
    let body = "rule:\n  all:\n    - pattern: $F($$$)\n    - not: {pattern: safe($$$)}\n    - any:\n        - pattern: eval($$$)\n        - pattern: exec($$$)";
    check("python", body, "«eval(x)»\n«exec(y)»\nsafe(z)\nprint(1)\n");
}

#[test]
fn utils_and_matches() {
    let body = "utils:\n  is-log: {any: [{pattern: console.log($$$)}, {pattern: console.debug($$$)}]}\n  in-loop: {inside: {kind: for_statement, stopBy: end}}\nrule:\n  all:\n    - matches: is-log\n    - matches: in-loop";
    check("javascript", body, "console.log(1); for (;;) { «console.debug(2)»; }");
}

#[test]
fn nth_child_forms() {
    check("python", "rule: {kind: identifier, inside: {kind: argument_list}, nthChild: 2}", "f(a, «b», c)\n");
    check("python", "rule: {kind: identifier, inside: {kind: argument_list}, nthChild: 2n+1}", "f(«a», b, «c», d)\n");
    let reverse =
        "rule:\n  kind: identifier\n  inside: {kind: argument_list}\n  nthChild: {position: 1, reverse: true}";
    check("python", reverse, "f(a, b, «c»)\n");
    let of_rule = "rule:\n  kind: identifier\n  inside: {kind: argument_list}\n  nthChild: {position: 2, ofRule: {kind: identifier}}";
    check("python", of_rule, "f(1, a, 2, «b»)\n");
}

#[test]
fn constraints_filter_bindings() {
    let body = "rule: {pattern: $OBJ.$METHOD($$$)}\nconstraints:\n  METHOD: {regex: '^(log|debug)$'}";
    check("javascript", body, "«console.log(1)»; console.error(2); «x.debug()»;");
}

#[test]
fn messages_interpolate_metavariables() {
    let findings = run(
        "python",
        "rule: {pattern: $X == None}\nmessage: 'compare $X with `is None`'",
        "if user.id == None: pass\n",
    );
    assert_eq!(findings[0].message, "compare user.id with `is None`");
    let findings = run("python", "rule: {pattern: print($A)}\nname: No print", "print(1)\n");
    assert_eq!(findings[0].message, "No print", "the message defaults to the name");
}

#[test]
fn fixes_fill_templates_and_keep_indentation() {
    let findings = run(
        "javascript",
        "rule: {pattern: console.log($$$ARGS)}\nfix: logger.info($$$ARGS)",
        "console.log(\"user\", id);",
    );
    let fix = findings[0].fix.as_ref().unwrap();
    assert_eq!((fix.range.clone(), fix.replacement.as_str()), (0..23, "logger.info(\"user\", id)"));
    let findings =
        run("python", "rule: {pattern: print($A)}\nfix: |\n  if DEBUG:\n      log($A)", "def f():\n    print(x)\n");
    assert_eq!(findings[0].fix.as_ref().unwrap().replacement, "if DEBUG:\n        log(x)");
}

#[test]
fn broken_code_is_matched_around_errors() {
    check("javascript", "rule: {pattern: console.log($$$)}", "if (a {\n  b();\n}\n«console.log(1)»;\n");
    check("python", "rule: {pattern: print($A)}", "def broken(:\n    pass\n«print(1)»\n");
}

/// Kotlin is parsed with ast-grep's grammar (`tree-sitter-kotlin-sg`), so rules written with its
/// node kinds run unchanged.
#[test]
fn kotlin_rules_use_ast_grep_node_kinds() {
    check(
        "kotlin",
        "rule:\n  kind: call_expression\n  all:\n    - has: {kind: navigation_expression, has: {kind: navigation_suffix, has: {kind: simple_identifier, regex: ^initialize$}}}\n    - has: {kind: call_suffix, has: {kind: value_arguments, has: {kind: value_argument, has: {kind: integer_literal, regex: ^512$}}}}",
        "fun f() {\n    «keyGen.initialize(512)»\n    keyGen.initialize(4096)\n    initialize(512)\n}\n",
    );
}

#[test]
fn every_language_matches_a_pattern() {
    let cases = [
        ("typescript", "rule: {pattern: 'foo($A)'}", "let x: number = «foo(1)»;"),
        ("tsx", "rule: {pattern: 'foo($A)'}", "const a = <div>{«foo(1)»}</div>;"),
        ("javascript", "rule: {pattern: 'foo($A)'}", "«foo(1)»;"),
        ("python", "rule: {pattern: 'foo($A)'}", "«foo(1)»\n"),
        ("rust", "rule: {pattern: 'foo($A)'}", "fn main() { «foo(1)»; }"),
        ("go", "rule: {pattern: 'foo($A)'}", "package m\nfunc main() { «foo(1)» }\n"),
        ("java", "rule: {pattern: 'foo($A)'}", "class A { void m() { «foo(1)»; } }"),
        ("kotlin", "rule: {pattern: 'foo($A)'}", "fun main() { «foo(1)» }\n"),
        ("c", "rule: {pattern: 'foo($A)'}", "int main() { return «foo(1)»; }"),
        ("cpp", "rule: {pattern: 'foo($A)'}", "int main() { return «foo(1)»; }"),
        ("c-sharp", "rule: {pattern: 'Foo($A)'}", "class A { void M() { «Foo(1)»; } }"),
        ("ruby", "rule: {pattern: 'foo($A)'}", "«foo(1)»\n"),
        ("php", "rule: {pattern: 'foo($A)'}", "<?php\n«foo(1)»;\n"),
        ("swift", "rule: {pattern: 'foo($A)'}", "let x = «foo(1)»\n"),
        ("scala", "rule: {pattern: 'foo($A)'}", "object A { val x = «foo(1)» }"),
        ("bash", "rule: {pattern: 'echo $A'}", "«echo hi»\nls\n"),
        (
            "html",
            "rule: {kind: element, has: {kind: start_tag, has: {kind: tag_name, regex: '^b$'}}}",
            "<p>«<b>x</b>»</p>",
        ),
        ("css", "rule: {pattern: 'color: $C'}", "a { «color: red;» margin: 0; }"),
        ("json", "rule: {kind: pair, has: {field: key, regex: password}}", "{«\"password\": \"x\"», \"user\": \"y\"}"),
        (
            "yaml",
            "rule: {kind: block_mapping_pair, has: {field: key, regex: '^password$'}}",
            "user: a\n«password: b»\n",
        ),
    ];
    for (language, body, annotated) in cases {
        check(language, body, annotated);
    }
}

/// A practice whose rule would take seconds or hours on a document (several `$$$` that
/// backtrack, nested searches to the end) stops at its work budget: a failure on that document,
/// counted in steps so it is the same on every machine, while the other practices' findings
/// stand.
#[test]
fn explosive_rules_stop_at_their_budget_and_the_others_stand() {
    use praxis_engine::{Document, PracticeSet};
    let args = vec!["x"; 200].join(", ");
    // `zzz` is in the text (a document without it is not searched for the pattern at all), but
    // not in the call, which is too long to be rejected by its text alone.
    let source = format!("zzz = 0\nf({args})\nprint(1)\n");
    // A name used twice: what the first `$$$A` took matters to the rest, so every way to split
    // the 200 arguments is tried (about 200^5).
    let backtracking =
        support::practice("python", "id: backtracks\nrule: {pattern: 'f($$$A, $$$B, $$$C, $$$D, $$$E, $$$A, zzz)'}");
    // Nested searches to the end that bind a metavariable: nothing can be remembered (n^4).
    let nested = support::practice("python", &nested_searches("pattern: $X, regex: '^nothing$'", "nested"));
    let print = support::practice("python", "id: no-print\nrule: {pattern: print($A)}");
    let (set, _) = PracticeSet::new([backtracking, nested, print]);
    let doc = Document::new(praxis_grammars::by_name("python").unwrap(), source.as_str());
    let started = std::time::Instant::now();
    let report = set.check(&doc, None);
    let failed: Vec<&str> = report.failures.iter().map(|failure| &*failure.practice).collect();
    assert_eq!(failed, ["backtracks", "nested"], "{:?}", report.failures);
    assert!(report.failures[0].message.contains("steps"), "{}", report.failures[0].message);
    let found: Vec<&str> = report.findings.iter().map(|finding| &*finding.practice).collect();
    assert_eq!(found, ["no-print"]);
    // Not a timed assertion: a generous bound that only a runaway search could pass.
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "{:?}", started.elapsed());

    // Its examples fail the same way, in `praxis test`, the editor and the server.
    let with_example = support::practice(
        "python",
        &format!(
            "id: backtracks\nrule: {{pattern: 'f($$$A, $$$B, $$$C, $$$D, $$$E, $$$A, zzz)'}}\nexamples:\n  good: [{{code: 'f({args})'}}]\n"
        ),
    );
    let results = with_example.run_examples();
    assert_eq!(results.failures.len(), 1);
    assert!(results.failures[0].reason.contains("steps"), "{}", results.failures[0].reason);
}

/// `identifier` inside (to the end) a module that has (to the end) an identifier inside a
/// module that has `innermost`: four nested searches over the whole document.
fn nested_searches(innermost: &str, id: &str) -> String {
    format!(
        "id: {id}\nrule:\n  kind: identifier\n  inside:\n    stopBy: end\n    kind: module\n    has:\n      stopBy: end\n      kind: identifier\n      inside:\n        stopBy: end\n        kind: module\n        has: {{stopBy: end, {innermost}}}\n"
    )
}

#[test]
fn rules_that_bind_nothing_are_searched_once_per_node() {
    use praxis_engine::{Document, PracticeSet};
    // The same four nested searches as above, binding nothing: each relation's result at a
    // node is remembered, so they cost about a step per node and relation, and finish.
    let args = vec!["x"; 200].join(", ");
    let source = format!("f({args})\nprint(1)\n");
    let nothing = support::practice("python", &nested_searches("kind: identifier, regex: '^nothing$'", "nothing"));
    let print = support::practice("python", &nested_searches("kind: identifier, regex: '^print$'", "print"));
    // Many `$$$` with distinct names: failed tries are remembered (about 6 * 200^2 steps).
    let splits = support::practice("python", "id: splits\nrule: {pattern: 'f($$$A, $$$B, $$$C, $$$D, $$$E, zzz)'}");
    let found_splits =
        support::practice("python", "id: found-splits\nrule: {pattern: 'f($$$A, $$$B, x, $$$C, $$$D, x)'}");
    let (set, _) = PracticeSet::new([nothing, print, splits, found_splits]);
    let doc = Document::new(praxis_grammars::by_name("python").unwrap(), source.as_str());
    let report = set.check(&doc, None);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let count = |id: &str| report.findings.iter().filter(|finding| &*finding.practice == id).count();
    // Every identifier: the 200 `x`, `f` and `print`.
    assert_eq!((count("nothing"), count("print"), count("splits"), count("found-splits")), (0, 202, 0, 1));
    let found = report.findings.iter().find(|finding| &*finding.practice == "found-splits").unwrap();
    assert_eq!(found.range, 0..source.find(')').unwrap() + 1);
}

#[test]
fn a_pattern_too_deep_to_match_safely_is_a_practice_error() {
    // 50,000 nested parentheses overflowed the stack while the pattern was built.
    let depth = 50_000;
    let pattern = format!("{}x{}", "(".repeat(depth), ")".repeat(depth));
    let yaml = format!("id: deep\nname: Deep\nlanguages: [python]\nrule:\n  pattern: '{pattern}'\n");
    let errors = praxis_engine::Practice::from_yaml(&yaml, None).expect_err("too deep");
    let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
    assert!(message.contains("nests deeper than 256 levels"), "{message}");
    // A deep pattern people write still compiles.
    let nested = format!("{}x{}", "(".repeat(40), ")".repeat(40));
    check("python", &format!("rule: {{pattern: '{nested}'}}"), &format!("y = «{nested}»\n"));
}

#[test]
fn a_practice_drafted_from_a_deep_selection_does_not_overflow() {
    use praxis_engine::Document;
    let depth = 50_000;
    let code = format!("y = {}x{}\n", "[".repeat(depth), "]".repeat(depth));
    let doc = Document::new(praxis_grammars::by_name("python").unwrap(), code.as_str());
    let draft = praxis_engine::draft_pattern(&doc, 4..code.len() - 1).expect("a node covers the selection");
    assert_eq!(draft.pattern, format!("{}$A{}", "[".repeat(depth), "]".repeat(depth)));
}

/// A document is searched for the texts a rule's matches must hold before it is walked, and a
/// small node for its pattern's longest word before its children are compared: neither may
/// reject what matches. Texts that only some `any` branches, or a `not`, hold are not required;
/// those of the node a relational rule looks for are; optional tokens are not.
#[test]
fn texts_a_match_needs_reject_only_what_cannot_match() {
    let any = "rule: {any: [{pattern: 'first.done()'}, {pattern: 'second.done()'}]}";
    check("python", any, "«second.done()»\n");
    check("python", "rule: {pattern: '$F()', not: {pattern: 'skipped()'}}", "«kept()»\n");
    let inside = "rule: {pattern: 'sleep($$$)', inside: {pattern: 'while running: $$$', stopBy: end}}";
    check("python", inside, "sleep(1)\nwhile running:\n    «sleep(2)»\n");
    check("python", inside, "sleep(1)\nwhile True:\n    sleep(2)\n");
    // The `,` after `$$$` is optional: `f(last)` has none.
    check("python", "rule: {pattern: 'f($$$, last)'}", "«f(last)»\n");
    // A keyword in the pattern is a token every match holds.
    check("python", "rule: {pattern: 'lambda: $X'}", "«lambda: 1»\nx = 1\n");
    check("typescript", "rule: {pattern: 'await $X'}", "async function f() { «await g()»; }\n");
}

/// An `ERROR` child where tree-sitter recovered from a syntax error is matched around, as in
/// ast-grep: the value and `as any` on either side of it still match `$X as any`.
#[test]
fn error_children_are_matched_around() {
    check(
        "typescript",
        "rule: {pattern: '$X as any'}",
        // tree-sitter-typescript: as_expression(identifier, ERROR(")"), "as", predefined_type),
        // from effect's src/Data.ts, cut down.
        "  <A extends { readonly _tag: string }>(): TaggedEnum.Constructor<A>\n      return tagged(«tag as string)\n  }) as any»",
    );
}
