//! Micro-benchmarks of the engine's hot paths (issue #13): the tree walk, pattern matching,
//! relational rules, suppressions, the cost of more practices, and an edit followed by an
//! incremental re-match. Only the public API is used, and every input is generated here, so the
//! numbers depend on nothing outside this file. What each group measures: `benches/README.md`.

use std::hint::black_box;
use std::ops::Range;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use praxis_engine::{Document, Practice, PracticeSet};
use praxis_grammars::Language;

/// Blocks of the ~2,000-line Python document (40 lines each).
const PYTHON_BLOCKS: usize = 50;
/// Blocks of the ~100 KB Python document the edit group types into.
const EDIT_BLOCKS: usize = 85;
/// Blocks of the TypeScript document (36 lines each).
const TYPESCRIPT_BLOCKS: usize = 55;

fn language(name: &str) -> &'static Language {
    praxis_grammars::by_name(name).unwrap_or_else(|| panic!("no grammar named {name}"))
}

/// One block of Python: a class, functions, calls, try/except, comprehensions, a test, and
/// suppression comments (trailing, on the line above, and one that suppresses nothing). `i`
/// varies the names, so that the callee patterns of the scaling group match some calls only.
fn python_block(i: usize) -> String {
    let (default, helper, load) = (i % 40, (i * 7) % 40, (i * 3) % 40);
    format!(
        r#"# Block {i}: a service with a cache, a parser, a report and a test.
import os
from collections import defaultdict


class Service{i}:
    """Keeps the records of shard {i}."""

    def __init__(self, options):
        self.options = options
        self.cache = defaultdict(list)

    def lookup(self, key):
        value = self.options.get(key, None)
        if value == None:
            return default_{default}(key)
        if len(self.cache[key]) == 0:
            print("miss", key)
        return value

    def kind(self, item):
        if isinstance(item, int) or isinstance(item, float):
            return "number"
        return helper_{helper}(item, flag=True, depth={i})


def parse_{i}(text, retries=3):
    try:
        data = load_{load}(text, os.sep)
    except ValueError:
        pass
    total = sum([x * 2 for x in data if x])
    # praxis-ignore: no-print -- the command line reads this
    print(total)
    if total == None:  # praxis-ignore: compare-none
        return None
    level = data.get("level", None)  # praxis-ignore: dict-get-none
    # praxis-ignore: len-zero -- suppresses nothing, so an unused-ignore hint
    return level, len(data)


def test_parse_{i}():
    assert parse_{i}("1,2") == 6
"#
    )
}

fn python_source(blocks: usize) -> String {
    (0..blocks).map(python_block).collect()
}

/// One block of TypeScript, with the same ingredients as [`python_block`].
fn typescript_block(i: usize) -> String {
    format!(
        r#"// Block {i}: a store that loads records from a file.
import {{ readFile }} from "fs/promises";

export interface Record{i} {{
  id: number;
  name?: string;
}}

export class Store{i} {{
  private items: Map<string, Record{i}> = new Map();

  get(key: string): Record{i} | undefined {{
    const item = this.items.get(key);
    if (item == null) {{
      // praxis-ignore: no-console
      console.log("miss", key);
    }}
    return item;
  }}

  async load(path: string): Promise<void> {{
    try {{
      const text = await readFile(path, "utf8");
      for (const line of text.split("\n")) {{
        this.items.set(line, {{ id: {i}, name: line }});
      }}
    }} catch (error) {{
      console.error(error);
    }}
  }}
}}

export function total{i}(values: number[]): number {{
  let sum = 0;
  values.forEach((v) => {{ sum += v; }});
  return sum == 0 ? -1 : sum;
}}
"#
    )
}

fn typescript_source(blocks: usize) -> String {
    (0..blocks).map(typescript_block).collect()
}

/// A practice from its id, language and the YAML of its `rule:` (and `constraints:` or
/// `utils:`), indented as at the top level of a practice file.
fn practice(id: &str, language: &str, rule: &str) -> Practice {
    let yaml = format!("id: {id}\nname: {id}\nlanguages: [{language}]\nseverity: warning\nmessage: {id}\n{rule}");
    Practice::from_yaml(&yaml, None).unwrap_or_else(|errors| panic!("practice {id}: {errors:?}"))
}

fn set(practices: impl IntoIterator<Item = Practice>) -> PracticeSet {
    let (set, errors) = PracticeSet::new(practices);
    assert!(errors.is_empty(), "{errors:?}");
    set
}

/// The plain patterns of the pattern group, also suppressed by the documents' comments.
fn python_patterns() -> Vec<Practice> {
    vec![
        practice("no-print", "python", "rule:\n  pattern: print($$$)\n"),
        practice("compare-none", "python", "rule:\n  pattern: $X == None\n"),
        practice("dict-get-none", "python", "rule:\n  pattern: $D.get($K, None)\n"),
        practice("len-zero", "python", "rule:\n  pattern: len($X) == 0\n"),
        practice("isinstance-or", "python", "rule:\n  pattern: isinstance($X, $A) or isinstance($X, $B)\n"),
    ]
}

/// One practice of each relational shape.
fn python_relational() -> Vec<Practice> {
    vec![
        practice(
            "inside-end",
            "python",
            "rule:\n  pattern: print($$$)\n  inside:\n    kind: class_definition\n    stopBy: end\n",
        ),
        practice(
            "has-end",
            "python",
            "rule:\n  kind: function_definition\n  has:\n    pattern: print($$$)\n    stopBy: end\n",
        ),
        practice(
            "has-field",
            "python",
            "rule:\n  kind: function_definition\n  has:\n    field: name\n    regex: ^test\n",
        ),
        practice("follows", "python", "rule:\n  kind: return_statement\n  follows:\n    kind: if_statement\n"),
        practice("nth-child", "python", "rule:\n  kind: keyword_argument\n  nthChild: 2\n"),
    ]
}

/// `count` distinct practices: mostly patterns on different callees, and every eighth a
/// relational rule (the five of [`python_relational`] in turn), so that the first eight have
/// the mix of all forty.
fn scaling_practices(count: usize) -> Vec<Practice> {
    assert!(count <= 40, "five relational practices are enough for forty");
    let mut relational = python_relational().into_iter();
    (0..count)
        .map(|k| match k % 8 {
            7 => relational.next().expect("a relational practice per eight"),
            _ => {
                let callee = ["default", "helper", "load"][k % 3];
                practice(&format!("call-{k}"), "python", &format!("rule:\n  pattern: {callee}_{k}($$$)\n"))
            }
        })
        .collect()
}

/// The smallest range that holds every range `Document::edit` reported, as the language server
/// passes it to `refind`.
fn union(ranges: Vec<Range<usize>>) -> Range<usize> {
    ranges.into_iter().reduce(|a, b| a.start.min(b.start)..a.end.max(b.end)).unwrap_or(0..0)
}

/// A `find` with one practice whose kind never occurs: the walk and the kind dispatch alone
/// (`check` would add the suppression scan, measured by its own group).
fn walk(c: &mut Criterion) {
    let python = Document::new(language("python"), python_source(PYTHON_BLOCKS));
    let typescript = Document::new(language("typescript"), typescript_source(TYPESCRIPT_BLOCKS));
    let cases = [
        (&python, set([practice("absent", "python", "rule:\n  kind: lambda\n")])),
        (&typescript, set([practice("absent", "typescript", "rule:\n  kind: debugger_statement\n")])),
    ];
    let mut group = c.benchmark_group("walk");
    for (doc, set) in &cases {
        assert!(set.find(doc, None, None).findings.is_empty(), "the walk practice must match nothing");
        group.throughput(Throughput::Bytes(doc.text().len() as u64));
        group.bench_function(doc.language().name, |b| b.iter(|| set.find(black_box(doc), None, None)));
    }
    group.finish();
}

/// Each plain pattern alone, then all five together in one set, then TypeScript patterns.
fn pattern(c: &mut Criterion) {
    let python = Document::new(language("python"), python_source(PYTHON_BLOCKS));
    let typescript = Document::new(language("typescript"), typescript_source(TYPESCRIPT_BLOCKS));
    let mut group = c.benchmark_group("pattern");
    group.throughput(Throughput::Bytes(python.text().len() as u64));
    for practice in python_patterns() {
        let id = practice.id().to_owned();
        let set = set([practice]);
        assert!(!set.find(&python, None, None).findings.is_empty(), "{id} matches nothing");
        group.bench_function(id, |b| b.iter(|| set.find(black_box(&python), None, None)));
    }
    let all = set(python_patterns());
    group.bench_function("all-five", |b| b.iter(|| all.find(black_box(&python), None, None)));
    let typescript_set = set([
        practice("no-console", "typescript", "rule:\n  pattern: console.log($$$)\n"),
        practice("loose-null", "typescript", "rule:\n  pattern: $X == null\n"),
        practice("for-each", "typescript", "rule:\n  pattern: $A.forEach($F)\n"),
    ]);
    assert_eq!(typescript_set.find(&typescript, None, None).findings.len(), 3 * TYPESCRIPT_BLOCKS);
    group.throughput(Throughput::Bytes(typescript.text().len() as u64));
    group.bench_function("typescript-three", |b| b.iter(|| typescript_set.find(black_box(&typescript), None, None)));
    group.finish();
}

/// Each relational shape alone.
fn relational(c: &mut Criterion) {
    let python = Document::new(language("python"), python_source(PYTHON_BLOCKS));
    let mut group = c.benchmark_group("relational");
    group.throughput(Throughput::Bytes(python.text().len() as u64));
    for practice in python_relational() {
        let id = practice.id().to_owned();
        let set = set([practice]);
        assert!(!set.find(&python, None, None).findings.is_empty(), "{id} matches nothing");
        group.bench_function(id, |b| b.iter(|| set.find(black_box(&python), None, None)));
    }
    group.finish();
}

/// The five patterns on a document where some findings are suppressed and one comment per
/// block suppresses nothing: `check` (suppressions applied) against `find` (raw).
fn suppressions(c: &mut Criterion) {
    let python = Document::new(language("python"), python_source(PYTHON_BLOCKS));
    let set = set(python_patterns());
    let report = set.check(&python, None);
    assert_eq!(report.suppressed.len(), 3 * PYTHON_BLOCKS, "each block suppresses three findings");
    let mut group = c.benchmark_group("suppressions");
    group.throughput(Throughput::Bytes(python.text().len() as u64));
    group.bench_function("find", |b| b.iter(|| set.find(black_box(&python), None, None)));
    group.bench_function("check", |b| b.iter(|| set.check(black_box(&python), None)));
    group.finish();
}

/// The same document checked with 8 and with 40 practices of the same mix.
fn scaling(c: &mut Criterion) {
    let python = Document::new(language("python"), python_source(PYTHON_BLOCKS));
    let mut group = c.benchmark_group("scaling");
    group.throughput(Throughput::Bytes(python.text().len() as u64));
    for count in [8, 40] {
        let set = set(scaling_practices(count));
        group.bench_function(format!("{count}-practices"), |b| b.iter(|| set.check(black_box(&python), None)));
    }
    group.finish();
}

/// What the language server does per keystroke on a ~100 KB file: a one-character edit (a
/// letter of an identifier in the middle block, replaced so that no offset moves), then the
/// incremental `refind`; against the edit alone and the edit followed by a full `find`.
fn edit(c: &mut Criterion) {
    let source = python_source(EDIT_BLOCKS);
    let middle = source.len() / 2;
    let at = middle + source[middle..].find("return value").unwrap_or_else(|| unreachable!()) + "return ".len();
    let set = set(scaling_practices(8));
    let mut group = c.benchmark_group("edit");
    group.throughput(Throughput::Bytes(source.len() as u64));

    // Each iteration swaps the letter back, so the document alternates between two texts.
    let mut doc = Document::new(language("python"), source.clone());
    let mut letters = ["w", "v"].into_iter().cycle();
    group.bench_function("edit", |b| {
        b.iter(|| black_box(doc.edit(at..at + 1, letters.next().unwrap_or_else(|| unreachable!()))))
    });

    let mut doc = Document::new(language("python"), source.clone());
    let mut raw = set.find(&doc, None, None).findings;
    let mut letters = ["w", "v"].into_iter().cycle();
    group.bench_function("edit+refind", |b| {
        b.iter(|| {
            let changed = union(doc.edit(at..at + 1, letters.next().unwrap_or_else(|| unreachable!())));
            raw = set.refind(&mut doc, None, changed, std::mem::take(&mut raw)).findings;
        })
    });
    let mut fresh = Document::new(language("python"), doc.text());
    assert_eq!(raw, set.find(&fresh, None, None).findings, "refind must equal a fresh find");

    let mut letters = ["w", "v"].into_iter().cycle();
    group.bench_function("edit+find", |b| {
        b.iter(|| {
            fresh.edit(at..at + 1, letters.next().unwrap_or_else(|| unreachable!()));
            set.find(&fresh, None, None)
        })
    });

    // For scale: parsing the whole text afresh, which each keystroke avoids.
    group.bench_function("parse", |b| {
        b.iter_batched(|| source.clone(), |text| Document::new(language("python"), text), BatchSize::SmallInput)
    });
    group.finish();
}

criterion_group!(benches, walk, pattern, relational, suppressions, scaling, edit);
criterion_main!(benches);
