//! The incremental re-check equals a from-scratch check, whatever the edits.

use std::path::Path;

use praxis_engine::{Document, PracticeSet, apply_suppressions};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent, Uri};

use super::convert::{Encoding, Positions};
use super::state::{Content, Settings, State};

/// A tiny deterministic generator, so a failure can be replayed from its seed.
pub(crate) struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PRACTICES: &[(&str, &str)] = &[
    ("no-print.yaml", "id: no-print\nname: n\nlanguages: [python]\nrule: {pattern: print($$$A)}\n"),
    ("eq-none.yaml", "id: eq-none\nname: n\nlanguages: [python]\nrule: {pattern: $X == None}\nmessage: '$X'\n"),
    (
        "assert-in-def.yaml",
        "id: assert-in-def\nname: n\nlanguages: [python]\nrule:\n  kind: assert_statement\n  inside: {kind: function_definition, stopBy: end}\n",
    ),
    (
        "return-after-print.yaml",
        "id: return-after-print\nname: n\nlanguages: [python]\nrule:\n  kind: return_statement\n  follows: {kind: expression_statement, has: {pattern: print($$$)}, stopBy: end}\n",
    ),
    (
        "def-with-yield.yaml",
        "id: def-with-yield\nname: n\nlanguages: [python]\nrule:\n  kind: function_definition\n  has: {kind: yield, stopBy: end}\n",
    ),
    (
        "second-arg.yaml",
        "id: second-arg\nname: n\nlanguages: [python]\nrule:\n  kind: identifier\n  inside: {kind: argument_list}\n  nthChild: 2\n",
    ),
    ("todo.yaml", "id: todo\nname: n\nlanguages: [python]\nrule: {kind: comment, regex: TODO}\n"),
    // Rules whose result at a node depends on code an edit may touch far from it: a sibling's
    // body, an ancestor's content. A re-check that only looks near the edit keeps stale results.
    (
        "def-before-printing-def.yaml",
        "id: def-before-printing-def\nname: n\nlanguages: [python]\nrule:\n  kind: function_definition\n  precedes: {kind: function_definition, has: {pattern: print($$$), stopBy: end}, stopBy: end}\n",
    ),
    (
        "name-in-yielding-def.yaml",
        "id: name-in-yielding-def\nname: n\nlanguages: [python]\nrule:\n  kind: identifier\n  regex: ^path$\n  inside: {kind: function_definition, has: {kind: yield, stopBy: end}, stopBy: end}\n",
    ),
    (
        "last-statement.yaml",
        "id: last-statement\nname: n\nlanguages: [python]\nrule:\n  kind: expression_statement\n  nthChild: {position: 1, reverse: true}\n",
    ),
];

const SNIPPETS: &[&str] = &[
    "print(x)",
    "x == None",
    "\n",
    "    ",
    "def f(a, b):\n    assert a\n    return b\n",
    "  # TODO\n",
    "# praxis-ignore\n",
    "yield 1",
    "f(a, b, c)",
    "(",
    ")",
    ":",
    "return 2",
    "é",
    "",
];

const START: &str = "def load(path, mode):\n    print(path)\n    assert mode\n    if path == None:\n        return None  # TODO\n    yield open(path, mode)\n\nclass A:\n    def m(self, x, y):\n        print(x, y)\n        return x\n\nprint(load(1, 2))\n";

fn setup() -> (tempfile::TempDir, State, Uri) {
    let dir = tempfile::tempdir().unwrap();
    let practices = dir.path().join("rules");
    std::fs::create_dir_all(&practices).unwrap();
    for (name, yaml) in PRACTICES {
        std::fs::write(practices.join(name), yaml).unwrap();
    }
    let mut state = State::default();
    state.encoding = Encoding::Utf16;
    state.folders = vec![dir.path().to_path_buf()];
    state.settings = Settings { practices: vec!["rules".into()], ..Settings::default() };
    let uri = Uri::from_file_path(dir.path().join("a.py")).unwrap();
    (dir, state, uri)
}

fn full_check(state: &mut State, root: &Path, text: &str) -> Vec<((usize, usize), String, String)> {
    let set: &PracticeSet = state.project(root).expect("the project loads").set();
    let doc = Document::new(praxis_grammars::by_name("python").unwrap(), text);
    let raw = set.find(&doc, Some("a.py"), None).findings;
    let mut findings: Vec<_> = apply_suppressions(&doc, raw)
        .findings
        .into_iter()
        .map(|f| ((f.range.start, f.range.end), f.practice.to_string(), f.message))
        .collect();
    findings.sort();
    findings
}

#[test]
fn incremental_results_equal_a_full_check() {
    for seed in 1..=40u64 {
        let (dir, mut state, uri) = setup();
        state.open(uri.clone(), "python", 1, START.to_owned());
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        for step in 0..25 {
            let text = state.documents[&uri].text().to_owned();
            let positions = Positions::new(&text, Encoding::Utf16);
            let mut a = rng.below(text.len() + 1);
            let mut b = (a + rng.below(12)).min(text.len());
            while !text.is_char_boundary(a) {
                a -= 1;
            }
            while !text.is_char_boundary(b) {
                b += 1;
            }
            let insert = SNIPPETS[rng.below(SNIPPETS.len())];
            let change = TextDocumentContentChangeEvent {
                range: Some(Range::new(positions.position(a), positions.position(b))),
                range_length: None,
                text: insert.to_owned(),
            };
            state.change(&uri, step + 2, vec![change]);
            let open = &state.documents[&uri];
            let Content::Source(source) = &open.content else { unreachable!() };
            let text = source.doc.text().to_owned();
            let mut incremental: Vec<_> = source
                .published
                .iter()
                .map(|f| ((f.range.start, f.range.end), f.practice.to_string(), f.message.clone()))
                .collect();
            incremental.sort();
            let full = full_check(&mut state, dir.path(), &text);
            assert_eq!(incremental, full, "seed {seed}, step {step}, after inserting {insert:?} at {a}..{b}:\n{text}");
        }
    }
}

#[test]
fn positions_round_trip_through_edits() {
    let (_dir, mut state, uri) = setup();
    state.open(uri.clone(), "python", 1, "x = '😀'\nprint(x)\n".to_owned());
    // Replace `x` in print(x) using UTF-16 columns: line 1, characters 6..7.
    let change = TextDocumentContentChangeEvent {
        range: Some(Range::new(Position::new(1, 6), Position::new(1, 7))),
        range_length: None,
        text: "y".into(),
    };
    state.change(&uri, 2, vec![change]);
    assert_eq!(state.documents[&uri].text(), "x = '😀'\nprint(y)\n");
}

#[test]
fn settings_updates_keep_what_they_do_not_name() {
    let mut settings = Settings::from_json(&serde_json::json!({"practices": ["rules"], "stats": true})).unwrap();
    assert!(!settings.update(&serde_json::json!({})), "an empty update changes nothing");
    assert!(!settings.update(&serde_json::json!({"editor": {"tabSize": 2}})));
    assert_eq!(settings.practices, vec![std::path::PathBuf::from("rules")]);
    assert!(settings.update(&serde_json::json!({"praxis": {"space": "backend"}})));
    assert_eq!((settings.space.as_deref(), settings.stats), (Some("backend"), Some(true)));
    assert_eq!(settings.practices, vec![std::path::PathBuf::from("rules")]);
}
