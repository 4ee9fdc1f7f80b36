//! Running a set of practices over a document: one walk over the tree, each node tested only
//! by the practices whose rule can match its kind.

use std::collections::HashMap;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, LazyLock};

use aho_corasick::AhoCorasick;
use praxis_grammars::Language;
use regex::Regex;
use tree_sitter::Node;

use crate::document::Document;
use crate::env::Env;
use crate::grammar::Grammar;
use crate::model::Severity;
use crate::pattern::Nodes;
use crate::practice::{Practice, PracticeError};
use crate::rule::{Budget, Cx, QueryCache, Reach};
use crate::suppress;

/// The practice id of hints about suppression comments that suppress nothing.
pub const UNUSED_IGNORE: &str = "unused-ignore";

/// One violation of a practice, located by byte offsets into the document's text. Serialised
/// as it is by the result cache of `praxis`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    pub practice: Arc<str>,
    pub severity: Severity,
    pub message: String,
    pub range: Range<usize>,
    pub fix: Option<Fix>,
}

/// A replacement of `range` by `replacement` that resolves a finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fix {
    pub range: Range<usize>,
    pub replacement: String,
}

/// A practice that failed while checking a document (it panicked); the others still ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeFailure {
    pub practice: Arc<str>,
    pub message: String,
}

/// What checking one document produced.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Sorted by position, then practice id.
    pub findings: Vec<Finding>,
    pub failures: Vec<PracticeFailure>,
    /// The practice of each finding a suppression comment took away (empty from
    /// [`PracticeSet::find`], which applies none).
    pub suppressed: Vec<Arc<str>>,
}

/// What suppression comments did to a document's raw findings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Suppressed {
    /// The findings that stand, and a hint for each suppression that suppresses nothing.
    pub findings: Vec<Finding>,
    /// The practice of each finding suppressed.
    pub suppressed: Vec<Arc<str>>,
}

/// For one language: which practices to try on a node of each kind.
#[derive(Debug)]
struct KindIndex {
    language: &'static Language,
    by_slot: Vec<Vec<u32>>,
    any_kind: Vec<u32>,
    /// Finds the texts the language's practices require ([`CompiledRule::required`]) in a
    /// document, all in one pass; `None` when none requires any.
    texts: Option<AhoCorasick>,
    /// By practice number: the numbers of the texts (in `texts`) it requires.
    requires: Vec<Vec<u32>>,
    /// The ancestor kinds the `inside` rules of the language's practices look for (sorted,
    /// without repeats): `refind` matches those rules again under such ancestors of a change.
    around: Vec<u16>,
}

/// The practices in force, indexed for one-pass matching.
#[derive(Debug, Default)]
pub struct PracticeSet {
    practices: Vec<Practice>,
    indexes: Vec<KindIndex>,
    /// By id, each practice's number in `practices`: findings name their practice, and a
    /// keystroke looks up the practice of every finding it keeps or publishes.
    numbers: HashMap<Arc<str>, usize>,
}

impl PracticeSet {
    /// Builds the set. A practice whose id repeats an earlier one is left out and reported.
    pub fn new(practices: impl IntoIterator<Item = Practice>) -> (PracticeSet, Vec<PracticeError>) {
        let mut kept: Vec<Practice> = Vec::new();
        let mut numbers: HashMap<Arc<str>, usize> = HashMap::new();
        let mut errors = Vec::new();
        for practice in practices {
            if let Some(first) = numbers.get(practice.id()).map(|&number| &kept[number]) {
                let earlier = first
                    .file
                    .as_ref()
                    .map_or_else(String::new, |file| format!(" (first defined in {})", file.display()));
                errors.push(PracticeError {
                    file: practice.file.clone(),
                    position: Some(crate::Position { line: 1, column: 1 }),
                    practice: Some(practice.id().to_owned()),
                    message: format!("duplicate practice id `{}`{earlier}", practice.id()),
                });
                continue;
            }
            numbers.insert(practice.id.clone(), kept.len());
            kept.push(practice);
        }
        let mut indexes: Vec<KindIndex> = Vec::new();
        for (number, practice) in kept.iter().enumerate() {
            for (language, compiled) in &practice.rules {
                let grammar = Grammar::get(language);
                let index = match indexes.iter().position(|index| index.language == *language) {
                    Some(position) => &mut indexes[position],
                    None => {
                        indexes.push(KindIndex {
                            language,
                            by_slot: vec![Vec::new(); grammar.kind_slots()],
                            any_kind: Vec::new(),
                            texts: None,
                            requires: vec![Vec::new(); kept.len()],
                            around: Vec::new(),
                        });
                        indexes.last_mut().unwrap_or_else(|| unreachable!())
                    }
                };
                match &compiled.kinds {
                    Some(kinds) => kinds.iter().for_each(|kind| index.by_slot[grammar.slot(*kind)].push(number as u32)),
                    None => index.any_kind.push(number as u32),
                }
                index.around.extend(compiled.around.iter().flatten());
            }
        }
        for index in &mut indexes {
            index.around.sort_unstable();
            index.around.dedup();
            let mut texts: Vec<&str> = Vec::new();
            for (number, practice) in kept.iter().enumerate() {
                let Some(compiled) = practice.rule_for(index.language) else { continue };
                for text in &compiled.required {
                    let id = texts.iter().position(|known| *known == &**text).unwrap_or_else(|| {
                        texts.push(text);
                        texts.len() - 1
                    });
                    index.requires[number].push(id as u32);
                }
            }
            // A few dozen short texts: the automaton is small, and the texts come from
            // patterns that parsed, so building it cannot fail.
            index.texts = (!texts.is_empty()).then(|| AhoCorasick::new(&texts).ok()).flatten();
        }
        (PracticeSet { practices: kept, indexes, numbers }, errors)
    }

    pub fn practices(&self) -> &[Practice] {
        &self.practices
    }

    pub fn get(&self, id: &str) -> Option<&Practice> {
        self.numbers.get(id).map(|&number| &self.practices[number])
    }

    pub fn is_empty(&self) -> bool {
        self.practices.is_empty()
    }

    /// Whether any practice checks `language`.
    pub fn checks(&self, language: &Language) -> bool {
        self.indexes.iter().any(|index| index.language == language)
    }

    /// Checks a whole document. `path` is the file's path relative to the project root, for the
    /// practices' `files` and `ignores` globs; without one every practice applies.
    pub fn check(&self, doc: &Document, path: Option<&str>) -> Report {
        let mut report = self.find(doc, path, None);
        let Suppressed { findings, suppressed } = suppress::apply(doc, std::mem::take(&mut report.findings));
        report.findings = findings;
        report.suppressed = suppressed;
        report
            .findings
            .sort_by(|a, b| (a.range.start, a.range.end, &a.practice).cmp(&(b.range.start, b.range.end, &b.practice)));
        report
    }

    /// Raw matches (no suppressions) of nodes that overlap `region`, or of every node.
    pub fn find(&self, doc: &Document, path: Option<&str>, region: Option<Range<usize>>) -> Report {
        self.find_where(doc, path, region, &|_| true)
    }

    /// The raw findings of a document after an edit: `previous` are the raw findings from before
    /// it, already moved past it, and `changed` is what it changed in the new text (as
    /// [`Document::edit`] reports it). Each practice is matched again only where the edit can
    /// have changed its results, which its rule decides: around the change for a rule that looks
    /// at a node and what it contains, everywhere for one that looks at ancestors or siblings.
    /// The result equals `find(doc, path, None)`; `changed` covers every edit since the
    /// document was last checked, which this marks it as ([`Document::checked`]).
    pub fn refind(
        &self,
        doc: &mut Document,
        path: Option<&str>,
        changed: Range<usize>,
        previous: Vec<Finding>,
    ) -> Report {
        let language = doc.language();
        let compiled = |number: usize| self.practices[number].rule_for(language);
        let local = |number: usize| compiled(number).is_some_and(|compiled| compiled.reach == Reach::Subtree);
        // Rules that look at ancestors: around the change and under its ancestors of the kinds
        // they look for; any other rule of document reach, everywhere.
        let scoped = |number: usize| {
            compiled(number).is_some_and(|compiled| compiled.reach == Reach::Document && compiled.around.is_some())
        };
        let everywhere = |number: usize| {
            compiled(number).is_some_and(|compiled| compiled.reach == Reach::Document && compiled.around.is_none())
        };
        let mut report = self.find_where(doc, path, Some(changed.clone()), &local);
        let around =
            self.indexes.iter().find(|index| index.language == language).map_or(&[][..], |index| &index.around);
        let widened = widen(doc, &changed, around);
        let mut more = |region: Option<Range<usize>>, wanted: &dyn Fn(usize) -> bool| {
            if (0..self.practices.len()).any(wanted) {
                let found = self.find_where(doc, path, region, wanted);
                report.findings.extend(found.findings);
                report.failures.extend(found.failures);
            }
        };
        more(Some(widened.clone()), &scoped);
        more(None, &everywhere);
        let kept = previous.into_iter().filter(|finding| {
            self.numbers.get(&finding.practice).is_some_and(|&number| {
                (local(number) && !overlaps(&finding.range, &changed))
                    || (scoped(number) && !overlaps(&finding.range, &widened))
            })
        });
        report.findings.extend(kept);
        report
            .findings
            .sort_by(|a, b| (a.range.start, a.range.end, &a.practice).cmp(&(b.range.start, b.range.end, &b.practice)));
        report.findings.dedup();
        doc.checked();
        report
    }

    /// [`PracticeSet::find`] for the practices whose number `wanted` accepts.
    fn find_where(
        &self,
        doc: &Document,
        path: Option<&str>,
        region: Option<Range<usize>>,
        wanted: &dyn Fn(usize) -> bool,
    ) -> Report {
        let mut report = Report::default();
        let language = doc.language();
        let grammar = Grammar::get(language);
        let Some(index) = self.indexes.iter().find(|index| index.language == language) else {
            return report;
        };
        let mut active: Vec<bool> = self
            .practices
            .iter()
            .enumerate()
            .map(|(number, practice)| wanted(number) && practice.applies_to(path))
            .collect();
        let source = doc.text();
        // Over a whole document, practices whose required texts it lacks are left out. (A
        // re-check after an edit does not search the whole text again.)
        if region.is_none()
            && let Some(texts) = &index.texts
        {
            let present = present(texts, source);
            for (active, requires) in active.iter_mut().zip(&index.requires) {
                *active &= requires.iter().all(|id| present[*id as usize]);
            }
        }
        if !active.contains(&true) {
            return report;
        }
        let root = doc.tree().root_node();
        let queries = QueryCache::default();
        let mut env = Env::default();
        let nodes = root.descendant_count();
        let budgets: Vec<Budget> = self.practices.iter().map(|_| Budget::for_document(nodes)).collect();
        let mut spent = Vec::new();
        let shared = Nodes::new(root, grammar);
        walk(doc, region.as_ref(), |node, path| {
            let slot = grammar.slot(grammar.kind(node));
            for &number in index.by_slot[slot].iter().chain(&index.any_kind) {
                let number = number as usize;
                if !active[number] {
                    continue;
                }
                let practice = &self.practices[number];
                let Some(compiled) = practice.rule_for(language) else { continue };
                let cx = Cx {
                    budget: &budgets[number],
                    source,
                    root,
                    grammar,
                    compiled,
                    queries: &queries,
                    walk: Some((node, path)),
                    parent_hint: None,
                    nodes: &shared,
                };
                env.reset(0);
                let outcome = catch_unwind(AssertUnwindSafe(|| compiled.matches(node, &cx, &mut env)));
                match outcome {
                    // Out of budget, what it found is incomplete: the practice fails on this
                    // document, and its findings here are dropped.
                    Ok(_) if budgets[number].spent() => {
                        active[number] = false;
                        spent.push(number);
                    }
                    Ok(true) => report.findings.push(finding(practice, node, &env, source)),
                    Ok(false) => {}
                    Err(panic) => {
                        active[number] = false;
                        let message = panic_message(panic.as_ref());
                        report.failures.push(PracticeFailure { practice: practice.id.clone(), message });
                        env = Env::default();
                    }
                }
            }
        });
        for number in spent {
            let practice = &self.practices[number];
            report.findings.retain(|finding| finding.practice != practice.id);
            report.failures.push(PracticeFailure { practice: practice.id.clone(), message: over_budget(nodes) });
        }
        report
    }
}

/// Why a practice stopped on a document of `nodes` nodes.
fn over_budget(nodes: usize) -> String {
    format!(
        "its rule took more than {} steps on this document of {nodes} nodes (a rule that searches too \
         widely, or a pattern with several `$$$` that backtracks)",
        Budget::for_document(nodes).remaining()
    )
}

/// The edit that suppresses practice `id` on the line holding byte `offset`: `id` added to a
/// `praxis-ignore: …` comment alone on the line above, else a new such comment above the line,
/// in the language's comment syntax and indented like the line. `None` when the comment above
/// names `id` already, or the language has no comments.
pub fn suppression_edit(doc: &Document, offset: usize, id: &str) -> Option<Fix> {
    suppress::suppression_edit(doc, offset, id)
}

/// Applies suppression comments to the raw findings of a whole document (see
/// [`PracticeSet::find`]): suppressed findings go, and unused suppressions become hints.
pub fn apply_suppressions(doc: &Document, findings: Vec<Finding>) -> Suppressed {
    suppress::apply(doc, findings)
}

/// Which of `texts` occur in `source`, found in one pass that stops once all have.
fn present(texts: &AhoCorasick, source: &str) -> Vec<bool> {
    let mut present = vec![false; texts.patterns_len()];
    let mut missing = present.len();
    for found in texts.find_overlapping_iter(source) {
        let seen = &mut present[found.pattern().as_usize()];
        if !*seen {
            *seen = true;
            missing -= 1;
            if missing == 0 {
                break;
            }
        }
    }
    present
}

/// Whether a node (or finding) spanning `range` is one a re-match of `region` looks at: they
/// overlap or touch.
fn overlaps(range: &Range<usize>, region: &Range<usize>) -> bool {
    range.start <= region.end && range.end >= region.start
}

/// `changed` widened to every node of one of `kinds` (sorted) that overlaps it, in the tree
/// and in the tree as last checked. The ones not inside it hold one of its ends.
fn widen(doc: &Document, changed: &Range<usize>, kinds: &[u16]) -> Range<usize> {
    if kinds.is_empty() {
        return changed.clone();
    }
    let grammar = Grammar::get(doc.language());
    let mut widened = changed.clone();
    for tree in std::iter::once(doc.tree()).chain(doc.before()) {
        for end in [changed.start, changed.end] {
            if let Some(outer) = outermost(tree, end, kinds, grammar) {
                widened = widened.start.min(outer.start)..widened.end.max(outer.end);
            }
        }
    }
    widened
}

/// The range covering the outermost nodes of one of `kinds` in `tree` that hold (or touch)
/// byte `at`.
fn outermost(tree: &tree_sitter::Tree, at: usize, kinds: &[u16], grammar: &Grammar) -> Option<Range<usize>> {
    let mut cursor = tree.walk();
    let mut found: Option<Range<usize>> = None;
    // Through every node holding `at` (at a boundary, both neighbours do), down to the first
    // of `kinds` on each path; the root holds everything.
    loop {
        let node = cursor.node();
        let holds = cursor.depth() == 0 || (node.start_byte() <= at && at <= node.end_byte());
        let kind = holds && kinds.binary_search(&grammar.kind(node)).is_ok();
        if kind {
            let range = node.byte_range();
            found = Some(found.map_or(range.clone(), |found| found.start.min(range.start)..found.end.max(range.end)));
        }
        if holds && !kind && first_child_from(&mut cursor, at) {
            continue;
        }
        // A sibling that starts after `at` cannot hold it, nor can the ones after it.
        loop {
            if cursor.goto_next_sibling() && cursor.node().start_byte() <= at {
                break;
            }
            if !cursor.goto_parent() {
                return found;
            }
        }
    }
}

/// Moves `cursor` to the first child of its node that ends at or after byte `at`, past the
/// children before it without visiting each (tree-sitter sums their lengths): a node with
/// thousands of children, like a long file's root, costs an edit nothing for the children
/// before the edit. False when there is none.
fn first_child_from(cursor: &mut tree_sitter::TreeCursor<'_>, at: usize) -> bool {
    match at.checked_sub(1) {
        // The first child whose end is after `at - 1`.
        Some(before) => cursor.goto_first_child_for_byte(before).is_some(),
        None => cursor.goto_first_child(),
    }
}

/// Visits every node overlapping `region` (all nodes without one) in pre-order, with its
/// ancestors (root first). Siblings that end before the region or start after it are skipped
/// without a visit, so an edit costs the nodes around it, not the length of the file.
fn walk<'t>(doc: &'t Document, region: Option<&Range<usize>>, mut visit: impl FnMut(Node<'t>, &[Node<'t>])) {
    let overlaps = |node: Node<'_>| region.is_none_or(|region| overlaps(&node.byte_range(), region));
    let beyond = |node: Node<'_>| region.is_some_and(|region| node.start_byte() > region.end);
    let mut cursor = doc.tree().walk();
    let mut path: Vec<Node<'t>> = Vec::new();
    loop {
        let node = cursor.node();
        let inside = overlaps(node);
        if inside {
            visit(node, &path);
        }
        if inside && first_child_from(&mut cursor, region.map_or(0, |region| region.start)) {
            path.push(node);
            continue;
        }
        loop {
            if cursor.goto_next_sibling() && !beyond(cursor.node()) {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            path.pop();
        }
    }
}

fn finding(practice: &Practice, node: Node<'_>, env: &Env<'_>, source: &str) -> Finding {
    let range = node.byte_range();
    let fix = practice.doc.fix.as_ref().map(|template| {
        let line_start = source[..range.start].rfind('\n').map_or(0, |newline| newline + 1);
        let indent: String = source[line_start..range.start].chars().take_while(|c| c.is_whitespace()).collect();
        let indented = template.trim_end_matches('\n').replace('\n', &format!("\n{indent}"));
        Fix { range: range.clone(), replacement: interpolate(&indented, env, source) }
    });
    Finding {
        practice: practice.id.clone(),
        severity: practice.severity,
        message: interpolate(practice.message_template(), env, source),
        range,
        fix,
    }
}

static TEMPLATE_VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\$\$([A-Z_][A-Z0-9_]*)|\$\$?([A-Z_][A-Z0-9_]*)").expect("valid regex"));

/// Fills `$NAME` and `$$$NAME` with what they bound; unknown names stay as written.
fn interpolate(template: &str, env: &Env<'_>, source: &str) -> String {
    if !template.contains('$') {
        return template.to_owned();
    }
    TEMPLATE_VAR
        .replace_all(template, |caps: &regex::Captures<'_>| {
            let name = caps.get(1).or_else(|| caps.get(2)).map_or("", |name| name.as_str());
            env.get(name).map_or_else(|| caps[0].to_owned(), |binding| binding.text(source).to_owned())
        })
        .into_owned()
}

impl Practice {
    /// Checks a document with this practice alone (suppressions applied), as its examples are.
    /// A rule that panics is an error with the panic's message, not a crash.
    pub fn check_alone(&self, doc: &Document) -> Result<Vec<Finding>, String> {
        let language = doc.language();
        let Some(compiled) = self.rule_for(language) else { return Ok(Vec::new()) };
        let grammar = Grammar::get(language);
        let (source, root) = (doc.text(), doc.tree().root_node());
        let queries = QueryCache::default();
        let mut findings = Vec::new();
        let mut env = Env::default();
        let nodes = root.descendant_count();
        let budget = Budget::for_document(nodes);
        let shared = Nodes::new(root, grammar);
        let walked = catch_unwind(AssertUnwindSafe(|| {
            walk(doc, None, |node, path| {
                if budget.spent() {
                    return;
                }
                let cx = Cx {
                    budget: &budget,
                    source,
                    root,
                    grammar,
                    compiled,
                    queries: &queries,
                    walk: Some((node, path)),
                    parent_hint: None,
                    nodes: &shared,
                };
                env.reset(0);
                if compiled.matches(node, &cx, &mut env) {
                    findings.push(finding(self, node, &env, source));
                }
            });
        }));
        walked.map_err(|panic| panic_message(panic.as_ref()))?;
        if budget.spent() {
            return Err(over_budget(nodes));
        }
        let kept = suppress::apply(doc, findings).findings;
        Ok(kept.into_iter().filter(|finding| &*finding.practice != UNUSED_IGNORE).collect())
    }
}

/// The message a panic carried.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
