//! The incremental re-check equals a from-scratch check, whatever the edits.

use std::path::Path;
use std::sync::Arc;

use praxis_engine::{Document, apply_suppressions};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent, Uri};

use super::convert::{Encoding, Positions};
use super::documents::{Content, Message, Slot, Source};
use super::settings::{Config, Settings};
use super::state::State;

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
    let state = State::default();
    state.configure(|config| {
        *config = Config {
            encoding: Encoding::Utf16,
            plain_hover: false,
            settings: Settings { practices: vec!["rules".into()], ..Settings::default() },
            folders: vec![dir.path().to_path_buf()],
        }
    });
    let uri = Uri::from_file_path(dir.path().join("a.py")).unwrap();
    (dir, state, uri)
}

fn open(state: &State, uri: &Uri, text: &str) -> Arc<Slot> {
    let slot = state.open(uri.clone(), "python", 1, text.to_owned());
    settle(state);
    slot
}

fn change(state: &State, slot: &Slot, version: i32, change: TextDocumentContentChangeEvent) {
    assert!(slot.push(Message::Change { version, changes: vec![change] }), "no worker runs");
    settle(state);
}

/// Findings as the tests compare them: (range, practice, message), sorted.
type Compared = Vec<((usize, usize), String, String)>;

/// What a source document publishes, as the tests compare it.
fn published(source: &Source) -> Compared {
    let mut findings: Compared = source
        .published
        .iter()
        .map(|f| ((f.range.start, f.range.end), f.practice.to_string(), f.message.clone()))
        .collect();
    findings.sort();
    findings
}

fn full_check(state: &State, root: &Path, text: &str) -> Compared {
    let project = state.project(root).expect("the project loads");
    let set = project.set();
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
        let (dir, state, uri) = setup();
        let slot = open(&state, &uri, START);
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        for step in 0..25 {
            let text = slot.open().text().to_owned();
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
            let edit = TextDocumentContentChangeEvent {
                range: Some(Range::new(positions.position(a), positions.position(b))),
                range_length: None,
                text: insert.to_owned(),
            };
            change(&state, &slot, step + 2, edit);
            let (text, incremental) = {
                let open = slot.open();
                let Content::Source(source) = &open.content else { unreachable!() };
                (source.doc.text().to_owned(), published(source))
            };
            let full = full_check(&state, dir.path(), &text);
            assert_eq!(incremental, full, "seed {seed}, step {step}, after inserting {insert:?} at {a}..{b}:\n{text}");
        }
    }
}

#[test]
fn positions_round_trip_through_edits() {
    let (_dir, state, uri) = setup();
    let slot = open(&state, &uri, "x = '😀'\nprint(x)\n");
    // Replace `x` in print(x) using UTF-16 columns: line 1, characters 6..7.
    let edit = TextDocumentContentChangeEvent {
        range: Some(Range::new(Position::new(1, 6), Position::new(1, 7))),
        range_length: None,
        text: "y".into(),
    };
    change(&state, &slot, 2, edit);
    assert_eq!(slot.open().text(), "x = '😀'\nprint(y)\n");
}

/// A burst of changes queued while the worker was busy is taken as one message: every edit in
/// order, the last version, one check whose results equal a full check of the final text.
#[test]
fn queued_changes_are_checked_once_for_the_last_version() {
    let (dir, state, uri) = setup();
    let slot = open(&state, &uri, "x = 1\n");
    let typed = ["p", "r", "i", "n", "t", "(", "x", ")", "\n"];
    for (step, key) in typed.iter().enumerate() {
        // Each key typed after the one before, on the second line.
        let at = Position::new(1, step as u32);
        let edit =
            TextDocumentContentChangeEvent { range: Some(Range::new(at, at)), range_length: None, text: (*key).into() };
        let version = step as i32 + 2;
        assert_eq!(slot.push(Message::Change { version, changes: vec![edit] }), step == 0, "one worker");
    }
    let Some((message, number)) = slot.next() else { panic!("a change is queued") };
    let Message::Change { version, changes } = &message else { panic!("the changes come first") };
    assert_eq!((*version, changes.len(), number), (10, typed.len(), 1 + typed.len() as u64));
    assert!(slot.next().is_none(), "the burst was taken whole");
    let (_, published_version, _) = state.apply(&uri, &slot, message).expect("the check publishes");
    assert_eq!(published_version, Some(10));
    let open = slot.open();
    assert_eq!(open.text(), "x = 1\nprint(x)\n");
    let Content::Source(source) = &open.content else { unreachable!() };
    let (published, text) = (published(source), open.text().to_owned());
    drop(open);
    let full = full_check(&state, dir.path(), &text);
    assert!(!full.is_empty(), "the burst typed a violation");
    assert_eq!(published, full);
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
    // What VS Code sends for settings left blank: the server follows nothing, as with none.
    assert!(settings.update(&serde_json::json!({"praxis": {"server": "", "space": " ", "practices": []}})));
    assert_eq!((settings.server.as_deref(), settings.space.as_deref()), (None, None));
    assert!(settings.practices.is_empty());
}

/// Practice-file texts a fuzzed session types: working, broken, and in between.
const PRACTICE_TEXTS: &[&str] = &[
    "id: extra\nname: n\nlanguages: [python]\nrule: {pattern: f($$$)}\n",
    "id: extra\nname: n\nlanguages: [python]\nrule: {kind: call, has: {kind: identifier, regex: ^a$}}\n",
    "id: extra\nname: n\nlanguages: [python]\nrule: {pattern: '('}\n",
    "id: extra\n  name: [",
    "",
    "id: no-print\nname: duplicate\nlanguages: [python]\nrule: {kind: identifier}\n",
];

/// Applies what is queued for every document, as the workers would.
fn settle(state: &State) {
    for (uri, slot) in state.documents().all() {
        while let Some((message, number)) = slot.next() {
            state.apply(&uri, &slot, message);
            slot.done(number);
        }
    }
}

/// What `Shared::reload` does: every project loads again, every source document is checked
/// again.
fn reload(state: &State) {
    state.forget_projects();
    for (_, slot) in state.documents().all() {
        if !slot.practice_file {
            let _ = slot.push(Message::Recheck);
        }
    }
}

/// Fuzz target: random sessions of opens, edits (ranges anywhere, past the end, reversed),
/// whole-text changes, closes, hovers, code actions and practice-file edits on a few documents,
/// for `FUZZ_SECONDS` (else 60 sessions). Nothing panics, and every open source document's
/// diagnostics equal a fresh check of its text with the practices as they are.
#[test]
#[allow(clippy::print_stderr)]
fn random_message_sequences_keep_every_document_equal_to_a_full_check() {
    let seconds = std::env::var("FUZZ_SECONDS").ok().and_then(|seconds| seconds.parse::<u64>().ok());
    let deadline = seconds.map(|seconds| std::time::Instant::now() + std::time::Duration::from_secs(seconds));
    let only = std::env::var("FUZZ_SEED").ok().and_then(|seed| seed.parse::<u64>().ok());
    // Seeds that failed once, kept as regression cases: 1656 found a reparse with a syntax error
    // whose tree differed from a fresh parse's.
    if only.is_none() {
        session(1656);
    }
    let mut seed = 0u64;
    while only
        .map_or_else(|| deadline.map_or(seed < 60, |deadline| std::time::Instant::now() < deadline), |_| seed == 0)
    {
        seed += 1;
        let seed = only.unwrap_or(seed);
        if let Err(panic) = std::panic::catch_unwind(|| session(seed)) {
            eprintln!("fuzz target `messages` failed on seed {seed}: replay with FUZZ_SEED={seed}");
            std::panic::resume_unwind(panic);
        }
    }
    eprintln!("fuzz target `messages`: {seed} sessions");
}

fn session(seed: u64) {
    let (dir, state, _) = setup();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let names = ["a.py", "b.py", "notes.txt", "rules/extra.yaml"];
    let uris: Vec<Uri> = names.iter().map(|name| Uri::from_file_path(dir.path().join(name)).unwrap()).collect();
    let mut versions = [0i32; 4];
    for _ in 0..rng.below(40) + 10 {
        let pick = rng.below(names.len());
        let (uri, practice) = (&uris[pick], names[pick].ends_with(".yaml"));
        let text = |rng: &mut Rng| {
            if practice {
                PRACTICE_TEXTS[rng.below(PRACTICE_TEXTS.len())].to_owned()
            } else {
                (0..rng.below(8)).map(|_| SNIPPETS[rng.below(SNIPPETS.len())]).collect::<String>()
            }
        };
        let Some(slot) = state.documents().get(uri) else {
            versions[pick] = 1;
            let start = text(&mut rng);
            let slot = state.open(uri.clone(), if practice { "yaml" } else { "python" }, 1, start);
            if slot.practice_file {
                reload(&state);
            }
            settle(&state);
            continue;
        };
        versions[pick] += 1;
        let (lines, position) = (slot.open().text().lines().count() as u32 + 2, |rng: &mut Rng, lines: u32| {
            Position::new(rng.below(lines as usize) as u32, rng.below(12) as u32)
        });
        match rng.below(10) {
            0 => {
                state.documents().remove(uri);
                if practice {
                    // The file on disk counts again (it does not exist).
                    reload(&state);
                }
            }
            1 => {
                let change = TextDocumentContentChangeEvent { range: None, range_length: None, text: text(&mut rng) };
                send(&state, &slot, versions[pick], vec![change]);
            }
            2 => {
                let at = position(&mut rng, lines);
                drop(super::hover::hover(&state, &slot, at));
            }
            3 => {
                let range = Range::new(position(&mut rng, lines), position(&mut rng, lines));
                drop(super::actions::code_actions(&state, &slot, uri, range));
            }
            _ => {
                // Several edits in one message, each range anywhere (past the end, reversed).
                let changes = (0..rng.below(3) + 1)
                    .map(|_| TextDocumentContentChangeEvent {
                        range: Some(Range::new(position(&mut rng, lines), position(&mut rng, lines))),
                        range_length: None,
                        text: if practice {
                            ["\n", "x", "id", ": ", "["][rng.below(5)].to_owned()
                        } else {
                            SNIPPETS[rng.below(SNIPPETS.len())].to_owned()
                        },
                    })
                    .collect();
                send(&state, &slot, versions[pick], changes);
            }
        }
        settle(&state);
        for (uri, slot) in state.documents().all() {
            let open = slot.open();
            let Content::Source(source) = &open.content else { continue };
            let (published, text) = (published(source), source.doc.text().to_owned());
            drop(open);
            let full = full_check(&state, dir.path(), &text);
            assert_eq!(published, full, "seed {seed}: {} diverged from a full check:\n{text}", uri.as_str());
        }
    }
}

/// What `didChange` does: a practice file is edited at once and reloads; a source document
/// queues the change.
fn send(state: &State, slot: &Slot, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
    if slot.practice_file {
        state.edit_practice_file(slot, version, changes);
        reload(state);
    } else {
        let _ = slot.push(Message::Change { version, changes });
    }
}
