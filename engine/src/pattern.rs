//! Patterns: code with metavariables, parsed by the language's own grammar and matched node by
//! node against the tree.
//!
//! Metavariables (`$A`, `$_`, `$$A`, `$$$A`, `$$$`) are swapped for identifiers spelt with the
//! language's stand-in character before parsing, and any pattern node whose whole text is such an
//! identifier becomes a metavariable, however deeply the grammar wrapped it.
//!
//! Matching is ast-grep's "smart" strictness: every pattern node must match, and unnamed tokens of
//! the code that the pattern does not mention (a trailing `;`, an `async`) may be skipped.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::{Arc, LazyLock};

use praxis_grammars::Language;
use regex::Regex;
use smallvec::SmallVec;
use tree_sitter::{Node, Tree, TreeCursor};

use crate::env::{Binding, Env};
use crate::grammar::{self, Grammar};
use crate::rule::{Budget, Cx};

#[derive(Debug)]
pub(crate) struct Pattern {
    root: PNode,
    /// Whether no metavariable name occurs twice: then whether the rest of a sequence matches
    /// does not depend on what its earlier parts bound, and failed tries can be remembered.
    distinct: bool,
    /// Whether it binds any metavariable (`$_` and `$$$` bind nothing).
    binds: bool,
    /// The longest of its tokens that holds a letter or digit, which every match contains: a
    /// small node without it is rejected before any of its children is listed.
    anchor: Option<Box<str>>,
}

/// Nodes up to this many bytes long are searched for a pattern's anchor before being matched;
/// a longer node's children are quicker to compare than its text is to search.
const ANCHOR_SPAN: usize = 512;

#[derive(Debug)]
enum PNode {
    /// `$A` (named nodes) or `$$A` (any node). `None` is `$_`.
    Single { name: Option<Arc<str>>, named_only: bool },
    /// `$$$A`: zero or more siblings. `None` is `$$$`.
    Multi { name: Option<Arc<str>> },
    Leaf {
        kind: u16,
        text: Box<str>,
        /// Unnamed tokens (`,`, `;`) right after a `$$$` are optional.
        named: bool,
    },
    Inner {
        kind: u16,
        children: Vec<PNode>,
        /// How many of the code's children it needs at least: one for each child that is not
        /// a `$$$` or an unnamed token (which may be optional), so that a node with fewer
        /// children is rejected without looking at them.
        needs: usize,
    },
}

/// Metavariables as written: `$$$NAME`, `$$$`, `$$NAME`, `$NAME`, `$_`.
static METAVAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\$\$([A-Z_][A-Z0-9_]*)?|\$\$?([A-Z_][A-Z0-9_]*)").expect("valid regex"));

/// How deep a pattern's syntax tree may be (far deeper than any pattern people write).
const MAX_DEPTH: usize = 256;

/// Whether the tree under `node` is more than `limit` levels deep; walks without recursion.
fn deeper_than(node: Node<'_>, limit: usize) -> bool {
    let mut cursor = node.walk();
    let mut depth = 0;
    loop {
        if depth > limit {
            return true;
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        while !cursor.goto_next_sibling() {
            if depth == 0 || !cursor.goto_parent() {
                return false;
            }
            depth -= 1;
        }
    }
}

/// What a stand-in identifier means.
#[derive(Debug, Clone)]
enum MetaSpec {
    Single { name: Arc<str>, named_only: bool },
    Multi { name: Option<Arc<str>> },
}

impl Pattern {
    /// Parses `code` as a pattern in `language`. `selector`, when given, names the node kind
    /// inside `code` that is the pattern (the `{context, selector}` form); otherwise the
    /// language's pattern contexts are tried in turn.
    pub fn compile(code: &str, selector: Option<&str>, language: &'static Language) -> Result<Pattern, String> {
        let grammar = Grammar::get(language);
        let (text, metas) = substitute(code, language.metavar_char);
        if text.trim().is_empty() {
            return Err("the pattern is empty".into());
        }
        // Patterns are compiled and matched recursively: a hostile one must not be deep enough
        // to overflow the stack.
        if deeper_than(grammar::parse(language, &text, None).root_node(), MAX_DEPTH) {
            return Err(format!("the pattern nests deeper than {MAX_DEPTH} levels"));
        }
        let build = |node: Node<'_>, source: &str| {
            let root = PNode::build(node, source, grammar, &metas);
            let mut names = Vec::new();
            root.names(&mut names);
            let count = names.len();
            names.sort_unstable();
            names.dedup();
            let distinct = names.len() == count;
            let mut tokens = Vec::new();
            root.tokens(&mut tokens);
            let anchor = tokens
                .into_iter()
                .filter(|token| token.chars().any(char::is_alphanumeric))
                .max_by_key(|token| token.len())
                .map(Box::from);
            Pattern { root, distinct, binds: count > 0, anchor }
        };

        if let Some(selector) = selector {
            let kind = grammar
                .kind_named(selector)
                .ok_or_else(|| format!("unknown node kind `{selector}` in {}", language.name))?;
            let tree = grammar::parse(language, &text, None);
            let node = find_kind(tree.root_node(), kind, grammar).ok_or_else(|| {
                if tree.root_node().has_error() {
                    format!("the context does not parse as {}{}", language.name, error_hint(&tree, &text))
                } else {
                    format!("the context has no `{selector}` node")
                }
            })?;
            // Only the selected node is the pattern: what the grammar could not make of the rest
            // of the context (a missing terminator, say) does not matter, as in ast-grep.
            if contains_error(node, &text, &metas) {
                return Err(format!("the context does not parse as {}{}", language.name, error_hint(&tree, &text)));
            }
            return Ok(build(node, &text));
        }

        let trimmed = text.trim();
        let mut fallback = None;
        for (prefix, suffix) in language.pattern_contexts {
            let source = format!("{prefix}{trimmed}{suffix}");
            let tree = grammar::parse(language, &source, None);
            let (start, end) = (prefix.len(), prefix.len() + trimmed.len());
            let Some(node) = tree.root_node().descendant_for_byte_range(start, end) else { continue };
            if node.byte_range() != (start..end) {
                continue;
            }
            if !tree.root_node().has_error() {
                return Ok(build(node, &source));
            }
            // Otherwise the pattern's node is acceptable if nothing better parses, as long as the
            // errors are outside it (a decorator alone at the top level), MISSING tokens (an
            // omitted `;`) or metavariables the grammar did not expect there (`$$$` as a class
            // member); any other ERROR inside it means the pattern does not parse.
            if fallback.is_none() && !contains_error(node, &source, &metas) {
                fallback = Some(build(node, &source));
            }
        }
        fallback.ok_or_else(|| {
            let tree = grammar::parse(language, trimmed, None);
            let hint = error_hint(&tree, trimmed);
            // Show the metavariables as written, not their stand-ins.
            let hint = if language.metavar_char == 'µ' { hint.replace('µ', "$") } else { hint };
            format!("the pattern does not parse as {}{hint}", language.name)
        })
    }

    /// The canonical kind every match has, unless the pattern is a bare metavariable.
    pub fn root_kind(&self) -> Option<u16> {
        match &self.root {
            PNode::Leaf { kind, .. } | PNode::Inner { kind, .. } => Some(*kind),
            PNode::Single { .. } | PNode::Multi { .. } => None,
        }
    }

    pub fn matches<'t>(&self, node: Node<'t>, env: &mut Env<'t>, cx: &Cx<'_, 't>) -> bool {
        if let Some(anchor) = &self.anchor {
            let range = node.byte_range();
            if range.len() <= ANCHOR_SPAN && !cx.source[range].contains(&**anchor) {
                return false;
            }
        }
        let matcher = Matcher {
            source: cx.source,
            grammar: cx.grammar,
            budget: cx.budget,
            distinct: self.distinct,
            nodes: cx.nodes,
        };
        matcher.node(&self.root, node, env)
    }

    /// The texts of the tokens every match holds, each exactly as written (see
    /// [`PNode::tokens`]).
    pub fn tokens(&self) -> Vec<&str> {
        let mut tokens = Vec::new();
        self.root.tokens(&mut tokens);
        tokens
    }

    /// Whether matching it binds a metavariable (its result then depends on, and changes, the
    /// bindings around it).
    pub fn binds(&self) -> bool {
        self.binds
    }
}

/// Replaces metavariables by stand-in identifiers and says what each stand-in means.
fn substitute(code: &str, stand_in: char) -> (String, HashMap<String, MetaSpec>) {
    let mut metas = HashMap::new();
    let text = METAVAR.replace_all(code, |caps: &regex::Captures<'_>| {
        let whole = &caps[0];
        let replaced: String = whole.chars().map(|c| if c == '$' { stand_in } else { c }).collect();
        let spec = if whole.starts_with("$$$") {
            MetaSpec::Multi { name: caps.get(1).map(|name| Arc::from(name.as_str())) }
        } else {
            let name = caps.get(2).map_or("_", |name| name.as_str());
            MetaSpec::Single { name: Arc::from(name), named_only: !whole.starts_with("$$") }
        };
        metas.insert(replaced.clone(), spec);
        replaced
    });
    (text.into_owned(), metas)
}

impl PNode {
    fn build(node: Node<'_>, source: &str, grammar: &Grammar, metas: &HashMap<String, MetaSpec>) -> PNode {
        let text = &source[node.byte_range()];
        if let Some(spec) = metas.get(text) {
            return match spec {
                MetaSpec::Single { name, named_only } => {
                    PNode::Single { name: (&**name != "_").then(|| name.clone()), named_only: *named_only }
                }
                MetaSpec::Multi { name } => PNode::Multi { name: name.clone() },
            };
        }
        let kind = grammar.kind(node);
        let mut cursor = node.walk();
        let children: Vec<PNode> = node
            .children(&mut cursor)
            .filter(|child| significant(*child, grammar))
            .map(|child| PNode::build(child, source, grammar, metas))
            .collect();
        if children.is_empty() {
            PNode::Leaf { kind, text: text.into(), named: node.is_named() }
        } else {
            let needs = children
                .iter()
                .filter(|child| !matches!(child, PNode::Multi { .. } | PNode::Leaf { named: false, .. }))
                .count();
            PNode::Inner { kind, children, needs }
        }
    }
}

impl PNode {
    /// The texts of the tokens a match always holds: a leaf matches only a token of the same
    /// text, and every leaf is matched except the unnamed tokens right after a `$$$`, which
    /// are optional.
    fn tokens<'p>(&'p self, out: &mut Vec<&'p str>) {
        match self {
            PNode::Leaf { text, .. } => out.push(text),
            PNode::Inner { children, .. } => {
                let mut after_multi = false;
                for child in children {
                    match child {
                        PNode::Multi { .. } => after_multi = true,
                        PNode::Leaf { named: false, .. } if after_multi => {}
                        _ => {
                            after_multi = false;
                            child.tokens(out);
                        }
                    }
                }
            }
            PNode::Single { .. } | PNode::Multi { .. } => {}
        }
    }

    /// The metavariable names it binds, each time one occurs.
    fn names<'p>(&'p self, out: &mut Vec<&'p str>) {
        match self {
            PNode::Single { name, .. } | PNode::Multi { name } => out.extend(name.as_deref()),
            PNode::Leaf { .. } => {}
            PNode::Inner { children, .. } => children.iter().for_each(|child| child.names(out)),
        }
    }
}

/// Whether a child takes part in matching: comments and zero-width MISSING tokens do not.
fn significant(node: Node<'_>, grammar: &Grammar) -> bool {
    !node.is_missing() && !grammar.is_comment(node) && (!node.is_extra() || node.is_error())
}

/// What the patterns and relational rules of every practice read of a document's nodes,
/// shared while it is checked: each node's children, listed once and kept by node, with
/// whether each takes part in matching. Listing costs a call into tree-sitter per child (and a
/// new cursor an allocation, so there is one); the same children are asked for again and again,
/// by every practice tested at the walk's node, by `has` searches from each ancestor, and by
/// `follows` and `precedes` from each statement of a block.
pub(crate) struct Nodes<'t> {
    grammar: &'static Grammar,
    cursor: RefCell<TreeCursor<'t>>,
    /// By node id: where its children are in `listed`.
    lists: RefCell<HashMap<usize, (u32, u32), BuildHasherDefault<IdHasher>>>,
    /// Children, and whether each is significant, node after node.
    listed: RefCell<Vec<(Node<'t>, bool)>>,
}

impl<'t> Nodes<'t> {
    pub fn new(root: Node<'t>, grammar: &'static Grammar) -> Nodes<'t> {
        Nodes { grammar, cursor: RefCell::new(root.walk()), lists: RefCell::default(), listed: RefCell::default() }
    }

    /// The children of `node` that `keep` accepts (given each child and whether it is
    /// significant), listed from tree-sitter the first time.
    fn select(&self, node: Node<'t>, keep: impl Fn(&(Node<'t>, bool)) -> bool) -> SmallVec<[Node<'t>; 8]> {
        let known = self.lists.borrow().get(&node.id()).copied();
        let (start, end) = known.unwrap_or_else(|| {
            let mut listed = self.listed.borrow_mut();
            let start = listed.len() as u32;
            let mut cursor = self.cursor.borrow_mut();
            listed.extend(node.children(&mut cursor).map(|child| (child, significant(child, self.grammar))));
            let range = (start, listed.len() as u32);
            self.lists.borrow_mut().insert(node.id(), range);
            range
        });
        let listed = self.listed.borrow();
        listed[start as usize..end as usize].iter().filter(|child| keep(child)).map(|(child, _)| *child).collect()
    }

    /// Calls `f` with the significant children of `node`.
    fn with_children<R>(&self, node: Node<'t>, f: impl FnOnce(&[Node<'t>]) -> R) -> R {
        f(&self.select(node, |(_, significant)| *significant))
    }

    /// All the children of `node`, or those in `field`.
    pub fn children(&self, node: Node<'t>, field: Option<std::num::NonZeroU16>) -> SmallVec<[Node<'t>; 8]> {
        match field {
            Some(field) => node.children_by_field_id(field, &mut self.cursor.borrow_mut()).collect(),
            None => self.select(node, |_| true),
        }
    }
}

/// Hashes node ids (addresses in the tree): a multiply and a fold, so that the low bits the
/// table picks buckets with depend on every bit of the address.
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_usize(&mut self, id: usize) {
        self.write_u64(id as u64);
    }

    fn write_u64(&mut self, id: u64) {
        let mixed = (self.0 ^ id).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = mixed ^ (mixed >> 32);
    }
}

struct Matcher<'a, 't> {
    source: &'a str,
    grammar: &'a Grammar,
    /// Every comparison takes a step: several `$$$` in one pattern backtrack, and must stop.
    budget: &'a Budget,
    /// See [`Pattern::distinct`].
    distinct: bool,
    nodes: &'a Nodes<'t>,
}

/// Tries of a sequence known to fail: (pattern index, target index).
type Failed = Option<HashSet<(usize, usize)>>;

impl<'t> Matcher<'_, 't> {
    fn node(&self, pattern: &PNode, node: Node<'t>, env: &mut Env<'t>) -> bool {
        if !self.budget.step() {
            return false;
        }
        match pattern {
            PNode::Single { name, named_only } => {
                if *named_only && !node.is_named() {
                    return false;
                }
                name.as_ref().is_none_or(|name| env.bind(name, Binding::Node(node), self.source))
            }
            // A `$$$` standing alone takes exactly the node it is asked about.
            PNode::Multi { name } => {
                name.as_ref().is_none_or(|name| env.bind(name, Binding::Nodes(vec![node]), self.source))
            }
            PNode::Leaf { kind, text, .. } => {
                self.grammar.kind(node) == *kind && self.source[node.byte_range()] == **text
            }
            PNode::Inner { kind, children, needs } => {
                if self.grammar.kind(node) != *kind || (node.child_count() as usize) < *needs {
                    return false;
                }
                self.nodes.with_children(node, |targets| self.sequence(children, targets, env))
            }
        }
    }

    /// Matches a node's children. With several `$$$`, the ways to split the children are
    /// exponential; when the pattern's names are distinct, each (pattern part, child) try that
    /// failed is remembered, which makes the search polynomial.
    fn sequence(&self, patterns: &[PNode], targets: &[Node<'t>], env: &mut Env<'t>) -> bool {
        let multis = patterns.iter().filter(|pattern| matches!(pattern, PNode::Multi { .. })).count();
        let mut failed: Failed = (self.distinct && multis > 1).then(HashSet::new);
        self.rest(patterns, targets, (0, 0), env, &mut failed)
    }

    /// Matches `patterns[p..]` against `targets[t..]`.
    fn rest(
        &self,
        patterns: &[PNode],
        targets: &[Node<'t>],
        (p, t): (usize, usize),
        env: &mut Env<'t>,
        failed: &mut Failed,
    ) -> bool {
        if failed.as_ref().is_some_and(|failed| failed.contains(&(p, t))) {
            return false;
        }
        let hit = self.try_rest(patterns, targets, (p, t), env, failed);
        if !hit && let Some(failed) = failed {
            failed.insert((p, t));
        }
        hit
    }

    fn try_rest(
        &self,
        patterns: &[PNode],
        targets: &[Node<'t>],
        (p, t): (usize, usize),
        env: &mut Env<'t>,
        failed: &mut Failed,
    ) -> bool {
        let Some(first) = patterns.get(p) else {
            // Unnamed tokens the pattern left out (a trailing `;`) do not stop a match.
            return targets[t..].iter().all(|node| skippable(*node));
        };
        let mark = env.mark();
        if let PNode::Multi { name } = first {
            // As in ast-grep, the unnamed tokens right after a `$$$` are optional, so the list may
            // be empty: `f($$$, last)` matches `f(last)`. When the list takes them, they are not
            // part of its binding.
            let optional = patterns[p + 1..]
                .iter()
                .take_while(|pattern| matches!(pattern, PNode::Leaf { named: false, .. }))
                .count();
            for end in t..=targets.len() {
                if !self.budget.step() {
                    return false;
                }
                let mut list = &targets[t..end];
                for _ in 0..optional {
                    match list.split_last() {
                        Some((last, init)) if !last.is_named() => list = init,
                        _ => break,
                    }
                }
                let bound = name.as_ref().is_none_or(|name| env.bind(name, Binding::Nodes(list.to_vec()), self.source));
                if bound && self.rest(patterns, targets, (p + 1 + optional, end), env, failed) {
                    return true;
                }
                env.reset(mark);
            }
            return false;
        }
        for (index, target) in targets.iter().enumerate().skip(t) {
            if self.node(first, *target, env) && self.rest(patterns, targets, (p + 1, index + 1), env, failed) {
                return true;
            }
            env.reset(mark);
            if !skippable(*target) {
                return false;
            }
        }
        false
    }
}

/// Whether a child of the code may be left out of a match: an unnamed token the pattern does
/// not spell (smart strictness), or an `ERROR` node where tree-sitter recovered from a syntax
/// error, which is matched around as ast-grep does (`x) as any` is still `$X as any`).
fn skippable(node: Node<'_>) -> bool {
    !node.is_named() || node.is_error()
}

/// The first node of `kind` in pre-order.
fn find_kind<'t>(root: Node<'t>, kind: u16, grammar: &Grammar) -> Option<Node<'t>> {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if grammar.kind(node) == kind {
            return Some(node);
        }
        if cursor.goto_first_child() || cursor.goto_next_sibling() {
            continue;
        }
        loop {
            if !cursor.goto_parent() {
                return None;
            }
            if cursor.goto_next_sibling() {
                break;
            }
        }
    }
}

/// Whether `node` holds an ERROR node that is not a metavariable. A grammar rejects a
/// metavariable where it expects something else (`$$$` among a class's members, `$$$ARGS` as a
/// statement without `;`); ast-grep takes such an ERROR node for the metavariable it spells, and
/// so does [`PNode::build`].
fn contains_error(node: Node<'_>, source: &str, metas: &HashMap<String, MetaSpec>) -> bool {
    if node.is_error() {
        return !metas.contains_key(&source[node.byte_range()]);
    }
    if !node.has_error() {
        return false;
    }
    let mut cursor = node.walk();
    node.children(&mut cursor).any(|child| contains_error(child, source, metas))
}

/// ` near `text`` for the first ERROR or MISSING node, to point at what did not parse.
fn error_hint(tree: &Tree, source: &str) -> String {
    fn first_problem(node: Node<'_>) -> Option<Node<'_>> {
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        let mut cursor = node.walk();
        node.children(&mut cursor).filter(|child| child.has_error()).find_map(first_problem)
    }
    match first_problem(tree.root_node()) {
        Some(node) if node.is_missing() => {
            format!(" (expected `{}` at column {})", node.kind(), node.start_position().column + 1)
        }
        Some(node) => {
            let text: String = source[node.byte_range()].chars().take(30).collect();
            format!(" (near `{}`)", text.trim())
        }
        None => String::new(),
    }
}
