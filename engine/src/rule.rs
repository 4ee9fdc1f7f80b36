//! Rules compiled for one language, and how they are tested against a node.
//!
//! A rule object is an implicit `all` of its keys; they are tested cheapest first (atomic, then
//! positional, relational, composite) so that a pattern binds its metavariables before a
//! relational rule uses them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use praxis_grammars::Language;
use regex::Regex;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Query, QueryCursor};

use crate::env::{Binding, Env};
use crate::grammar::Grammar;
use crate::model::{NthPosition, PatternConfig, RuleConfig, StopByConfig};
use crate::pattern::{Nodes, Pattern};
use crate::yaml::{join_index, join_key};

/// A rule that did not compile, with the path of the offending key (`rule.all[1].regex`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleError {
    pub path: String,
    pub message: String,
}

#[derive(Debug)]
pub(crate) enum Rule {
    All(Vec<Rule>),
    Any(Vec<Rule>),
    Not(Box<Rule>),
    Pattern(Pattern),
    Kind(u16),
    Regex(Regex),
    /// Index into [`CompiledRule::queries`].
    Query(usize),
    Relation(Box<Relation>),
    NthChild {
        position: NthPosition,
        reverse: bool,
        of_rule: Option<Box<Rule>>,
    },
    /// Index into [`CompiledRule::utils`].
    Matches(usize),
    /// A kind this language lacks but another of the practice's languages has: nothing here.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Inside,
    Has,
    Follows,
    Precedes,
}

#[derive(Debug)]
pub(crate) struct Relation {
    direction: Direction,
    rule: Rule,
    stop: Stop,
    field: Option<std::num::NonZeroU16>,
    /// Whether its result at a node is remembered for the document: true when its rule binds
    /// no metavariable, so that the result depends on the node alone (see [`Rule::pure`]).
    memo: bool,
}

#[derive(Debug)]
enum Stop {
    Neighbor,
    End,
    Rule(Rule),
}

#[derive(Debug)]
pub(crate) struct CompiledQuery {
    query: Query,
    /// The capture that is the finding; `None` when the query's patterns were wrapped whole.
    target: u32,
    names: Vec<std::sync::Arc<str>>,
}

/// A practice's rule for one language, with everything it refers to.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub rule: Rule,
    pub utils: Vec<Rule>,
    pub constraints: Vec<(std::sync::Arc<str>, Rule)>,
    pub queries: Vec<CompiledQuery>,
    /// The kinds a match can have (canonical ids), or `None` for any node.
    pub kinds: Option<Vec<u16>>,
    /// What an edit can change the result of (see [`Reach`]).
    pub reach: Reach,
    /// For a rule of [`Reach::Document`], how far from an edit its results can change: the
    /// kinds of the ancestors its `inside` rules look for, or `None` for anywhere.
    pub around: Option<Vec<u16>>,
    /// Texts a document holds if the rule matches in it (the longest few of the tokens its
    /// patterns always match that hold a letter or digit): a document without one of them is
    /// not walked for it.
    pub required: Vec<Box<str>>,
}

/// How many of a rule's tokens a document is searched for.
const REQUIRED_TEXTS: usize = 3;

/// Which nodes' results an edit can change, as a rule sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reach {
    /// Only the nodes whose own subtree the edit touched: the rule looks at a node and what it
    /// contains (patterns, kinds, regexes, `has`, and sibling rules inside a `has`).
    Subtree,
    /// Any node: the rule looks outside a node's subtree (at its ancestors with `inside`, at its
    /// siblings with `follows`, `precedes` and `nthChild`, or through a raw query), where an edit
    /// anywhere in the document can show.
    Document,
}

/// Compiles a practice's rule, utils and constraints for `language`.
pub(crate) fn compile(
    rule: &RuleConfig,
    utils: &std::collections::BTreeMap<String, RuleConfig>,
    constraints: &std::collections::BTreeMap<String, RuleConfig>,
    language: &'static Language,
    all_languages: &[&'static Language],
) -> Result<CompiledRule, Vec<RuleError>> {
    let util_order = order_utils(utils)?;
    let mut compiler = Compiler {
        language,
        siblings: all_languages.iter().copied().filter(|other| *other != language).collect(),
        grammar: Grammar::get(language),
        util_index: util_order.iter().enumerate().map(|(index, name)| (name.to_string(), index)).collect(),
        queries: Vec::new(),
        errors: Vec::new(),
    };
    let mut utils: Vec<Rule> =
        util_order.iter().map(|name| compiler.rule(&utils[*name], &join_key("utils", name), false)).collect();
    let mut top = compiler.rule(rule, "rule", false);
    let mut constraints: Vec<(std::sync::Arc<str>, Rule)> = constraints
        .iter()
        .map(|(name, rule)| (name.as_str().into(), compiler.rule(rule, &join_key("constraints", name), false)))
        .collect();
    // Utils refer only to earlier ones: their purity is known in order.
    let mut pure_utils = Vec::with_capacity(utils.len());
    for util in &mut utils {
        util.mark_memo(&pure_utils, true);
        pure_utils.push(util.pure(&pure_utils));
    }
    top.mark_memo(&pure_utils, false);
    for (_, rule) in &mut constraints {
        rule.mark_memo(&pure_utils, false);
    }
    if compiler.errors.is_empty() && !top.is_positive(&utils) {
        compiler.errors.push(RuleError {
            path: "rule".into(),
            message: "the rule has no positive part (pattern, kind, regex or query), so it would match \
                      everything; add one"
                .into(),
        });
    }
    if !compiler.errors.is_empty() {
        return Err(compiler.errors);
    }
    let kinds = top.kinds(&utils);
    // Constraints are tested at the nodes a metavariable bound, which may be the match itself:
    // taken as if at the top.
    let reach = constraints.iter().map(|(_, rule)| rule.reach(&utils, false)).fold(top.reach(&utils, false), Ord::max);
    let mut around = Some(Vec::new());
    for rule in std::iter::once(&top).chain(constraints.iter().map(|(_, rule)| rule)) {
        around = around.and_then(|kinds| rule.around(&utils, false, kinds));
    }
    if let Some(kinds) = &mut around {
        kinds.sort_unstable();
        kinds.dedup();
    }
    let mut required = Vec::new();
    top.required(&utils, &mut required);
    required.retain(|text| text.chars().any(char::is_alphanumeric));
    required.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    required.dedup();
    required.truncate(REQUIRED_TEXTS);
    let required = required.into_iter().map(Box::from).collect();
    Ok(CompiledRule { rule: top, utils, constraints, queries: compiler.queries, kinds, reach, around, required })
}

/// Util names in an order where each only refers to earlier ones; a cycle is an error.
fn order_utils(utils: &std::collections::BTreeMap<String, RuleConfig>) -> Result<Vec<&str>, Vec<RuleError>> {
    fn visit<'a>(
        name: &'a str,
        utils: &'a std::collections::BTreeMap<String, RuleConfig>,
        state: &mut HashMap<&'a str, bool>,
        order: &mut Vec<&'a str>,
        trail: &mut Vec<&'a str>,
    ) -> Result<(), RuleError> {
        match state.get(name) {
            Some(true) => return Ok(()),
            Some(false) => {
                trail.push(name);
                let start = trail.iter().position(|step| *step == name).unwrap_or(0);
                return Err(RuleError {
                    path: join_key("utils", trail[start]),
                    message: format!("utils refer to each other in a cycle: {}", trail[start..].join(" -> ")),
                });
            }
            None => {}
        }
        let Some(rule) = utils.get(name) else { return Ok(()) };
        state.insert(name, false);
        trail.push(name);
        let mut referenced = Vec::new();
        rule.referenced_utils(&mut referenced);
        for next in referenced {
            if let Some((key, _)) = utils.get_key_value(next) {
                visit(key, utils, state, order, trail)?;
            }
        }
        trail.pop();
        state.insert(name, true);
        order.push(name);
        Ok(())
    }
    let mut state = HashMap::new();
    let mut order = Vec::new();
    for name in utils.keys() {
        visit(name, utils, &mut state, &mut order, &mut Vec::new()).map_err(|err| vec![err])?;
    }
    Ok(order)
}

impl RuleConfig {
    fn referenced_utils<'a>(&'a self, out: &mut Vec<&'a str>) {
        if let Some(name) = &self.matches {
            out.push(name);
        }
        for nested in [&self.inside, &self.has, &self.follows, &self.precedes, &self.not].into_iter().flatten() {
            nested.referenced_utils(out);
        }
        for list in [&self.all, &self.any].into_iter().flatten() {
            list.iter().for_each(|rule| rule.referenced_utils(out));
        }
        if let Some(StopByConfig::Rule(rule)) = &self.stop_by {
            rule.referenced_utils(out);
        }
        if let Some(of_rule) = self.nth_child.as_ref().and_then(|nth| nth.of_rule.as_ref()) {
            of_rule.referenced_utils(out);
        }
    }
}

struct Compiler {
    language: &'static Language,
    /// The practice's other languages: a kind known to one of them is no error here.
    siblings: Vec<&'static Language>,
    grammar: &'static Grammar,
    util_index: HashMap<String, usize>,
    queries: Vec<CompiledQuery>,
    errors: Vec<RuleError>,
}

impl Compiler {
    fn error(&mut self, path: String, message: impl Into<String>) {
        self.errors.push(RuleError { path, message: message.into() });
    }

    /// Compiles one rule object; `relational` says whether `stopBy` and `field` are allowed.
    fn rule(&mut self, config: &RuleConfig, path: &str, relational: bool) -> Rule {
        let mut parts = Vec::new();
        if let Some(pattern) = &config.pattern {
            let (code, selector) = match pattern {
                PatternConfig::Code(code) => (code.as_str(), None),
                PatternConfig::Contextual { context, selector } => (context.as_str(), Some(selector.as_str())),
            };
            match Pattern::compile(code, selector, self.language) {
                Ok(pattern) => parts.push(Rule::Pattern(pattern)),
                Err(message) => self.error(join_key(path, "pattern"), message),
            }
        }
        if let Some(kind) = &config.kind {
            match self.grammar.kind_named(kind) {
                Some(id) => parts.push(Rule::Kind(id)),
                None if self.siblings.iter().any(|other| Grammar::get(other).kind_named(kind).is_some()) => {
                    parts.push(Rule::Never)
                }
                None => {
                    self.error(join_key(path, "kind"), format!("unknown node kind `{kind}` in {}", self.language.name))
                }
            }
        }
        if let Some(regex) = &config.regex {
            // Rules test short node texts; a small lazy-DFA cache keeps memory flat as rules grow.
            match regex::RegexBuilder::new(regex).dfa_size_limit(256 * 1024).build() {
                Ok(regex) => parts.push(Rule::Regex(regex)),
                Err(err) => {
                    self.error(join_key(path, "regex"), format!("invalid regex: {}", one_line(&err.to_string())))
                }
            }
        }
        if let Some(query) = &config.query {
            match self.query(query) {
                Ok(index) => parts.push(Rule::Query(index)),
                Err(message) => self.error(join_key(path, "query"), message),
            }
        }
        if let Some(nth) = &config.nth_child {
            let of_rule =
                nth.of_rule.as_ref().map(|rule| Box::new(self.rule(rule, &join_key(path, "nthChild.ofRule"), false)));
            parts.push(Rule::NthChild { position: nth.position, reverse: nth.reverse, of_rule });
        }
        for (key, direction, nested) in [
            ("inside", Direction::Inside, &config.inside),
            ("has", Direction::Has, &config.has),
            ("follows", Direction::Follows, &config.follows),
            ("precedes", Direction::Precedes, &config.precedes),
        ] {
            if let Some(nested) = nested {
                parts.push(self.relation(nested, &join_key(path, key), direction));
            }
        }
        if let Some(all) = &config.all {
            let all_path = join_key(path, "all");
            parts.push(Rule::All(
                all.iter().enumerate().map(|(i, rule)| self.rule(rule, &join_index(&all_path, i), false)).collect(),
            ));
        }
        if let Some(any) = &config.any {
            let any_path = join_key(path, "any");
            if any.is_empty() {
                self.error(any_path.clone(), "`any` needs at least one rule");
            }
            parts.push(Rule::Any(
                any.iter().enumerate().map(|(i, rule)| self.rule(rule, &join_index(&any_path, i), false)).collect(),
            ));
        }
        if let Some(not) = &config.not {
            parts.push(Rule::Not(Box::new(self.rule(not, &join_key(path, "not"), false))));
        }
        if let Some(name) = &config.matches {
            match self.util_index.get(name) {
                Some(index) => parts.push(Rule::Matches(*index)),
                None => {
                    self.error(join_key(path, "matches"), format!("no util named `{name}` (define it under `utils`)"))
                }
            }
        }
        if !relational {
            if config.stop_by.is_some() {
                self.error(join_key(path, "stopBy"), "`stopBy` only belongs in inside, has, follows or precedes");
            }
            if config.field.is_some() {
                self.error(join_key(path, "field"), "`field` only belongs in inside, has, follows or precedes");
            }
        }
        if parts.is_empty() && self.errors.is_empty() && !relational {
            self.error(path.to_owned(), "an empty rule matches everything; give it a pattern, kind, regex or query");
        }
        if parts.len() == 1 { parts.pop().unwrap_or(Rule::All(Vec::new())) } else { Rule::All(parts) }
    }

    fn relation(&mut self, config: &RuleConfig, path: &str, direction: Direction) -> Rule {
        let rule = self.rule(config, path, true);
        let stop = match &config.stop_by {
            None | Some(StopByConfig::Neighbor) => Stop::Neighbor,
            Some(StopByConfig::End) => Stop::End,
            Some(StopByConfig::Rule(stop)) => Stop::Rule(self.rule(stop, &join_key(path, "stopBy"), false)),
        };
        let field = config.field.as_ref().and_then(|name| {
            let id = self.language.tree_sitter().field_id_for_name(name);
            if id.is_none() {
                self.error(join_key(path, "field"), format!("unknown field `{name}` in {}", self.language.name));
            }
            id
        });
        if field.is_some() && matches!(direction, Direction::Follows | Direction::Precedes) {
            self.error(join_key(path, "field"), "`field` only belongs in inside or has");
        }
        Rule::Relation(Box::new(Relation { direction, rule, stop, field, memo: false }))
    }

    fn query(&mut self, text: &str) -> Result<usize, String> {
        let ts = self.language.tree_sitter();
        let query = Query::new(ts, text).map_err(|err| {
            format!("invalid query at line {}, column {}: {}", err.row + 1, err.column + 1, one_line(&err.message))
        })?;
        let target = match query.capture_index_for_name("match") {
            Some(index) => index,
            None => {
                // Without `@match`, the whole pattern is the finding: wrap each top-level pattern.
                let wrapped = wrap_query(text);
                let query = Query::new(ts, &wrapped)
                    .map_err(|_| "add a `@match` capture to say which node is the finding".to_string())?;
                let target = query.capture_index_for_name(WHOLE_CAPTURE).unwrap_or(0);
                return Ok(self.push_query(query, target));
            }
        };
        Ok(self.push_query(query, target))
    }

    fn push_query(&mut self, query: Query, target: u32) -> usize {
        let names = query
            .capture_names()
            .iter()
            .map(|name| name.to_ascii_uppercase().replace(['.', '-'], "_").into())
            .collect();
        self.queries.push(CompiledQuery { query, target, names });
        self.queries.len() - 1
    }
}

const WHOLE_CAPTURE: &str = "praxis.whole";

/// Appends `@praxis.whole` after every top-level pattern of a query.
fn wrap_query(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    out.push(c);
                    if c == '\\' {
                        out.extend(chars.next());
                    } else if c == '"' {
                        break;
                    }
                }
                if depth == 0 {
                    out.push_str(" @praxis.whole ");
                }
            }
            ';' => {
                for c in chars.by_ref() {
                    out.push(c);
                    if c == '\n' {
                        break;
                    }
                }
            }
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    // A quantifier or an existing capture stays attached to the pattern.
                    while let Some(&next) = chars.peek() {
                        if matches!(next, '*' | '+' | '?') {
                            out.push(next);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    out.push_str(" @praxis.whole ");
                }
            }
            _ => {}
        }
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Rule {
    /// Whether the rule has a part that narrows matches by itself.
    fn is_positive(&self, utils: &[Rule]) -> bool {
        match self {
            Rule::Pattern(_) | Rule::Kind(_) | Rule::Regex(_) | Rule::Query(_) | Rule::Never => true,
            Rule::All(rules) => rules.iter().any(|rule| rule.is_positive(utils)),
            Rule::Any(rules) => !rules.is_empty() && rules.iter().all(|rule| rule.is_positive(utils)),
            Rule::Matches(index) => utils[*index].is_positive(utils),
            Rule::Not(_) | Rule::Relation(_) | Rule::NthChild { .. } => false,
        }
    }

    /// Texts a document holds wherever the rule matches in it: the tokens of the patterns every
    /// match goes through, its own or those of the nodes its relational rules find.
    fn required<'r>(&'r self, utils: &'r [Rule], out: &mut Vec<&'r str>) {
        match self {
            Rule::Pattern(pattern) => out.extend(pattern.tokens()),
            Rule::All(rules) => rules.iter().for_each(|rule| rule.required(utils, out)),
            Rule::Any(rules) => {
                let mut branches = rules.iter().map(|rule| {
                    let mut texts = Vec::new();
                    rule.required(utils, &mut texts);
                    texts
                });
                let first = branches.next().unwrap_or_default();
                let common = branches
                    .fold(first, |common, texts| common.into_iter().filter(|text| texts.contains(text)).collect());
                out.extend(common);
            }
            Rule::Matches(index) => utils[*index].required(utils, out),
            Rule::Relation(relation) => relation.rule.required(utils, out),
            Rule::Not(_) | Rule::Kind(_) | Rule::Regex(_) | Rule::Query(_) | Rule::NthChild { .. } | Rule::Never => {}
        }
    }

    /// The kinds a match can have, or `None` for any.
    fn kinds(&self, utils: &[Rule]) -> Option<Vec<u16>> {
        match self {
            Rule::Pattern(pattern) => pattern.root_kind().map(|kind| vec![kind]),
            Rule::Kind(kind) => Some(vec![*kind]),
            Rule::Never => Some(Vec::new()),
            Rule::All(rules) => rules
                .iter()
                .filter_map(|rule| rule.kinds(utils))
                .reduce(|a, b| a.into_iter().filter(|kind| b.contains(kind)).collect()),
            Rule::Any(rules) => {
                let mut union = Vec::new();
                for rule in rules {
                    union.extend(rule.kinds(utils)?);
                }
                union.sort_unstable();
                union.dedup();
                Some(union)
            }
            Rule::Matches(index) => utils[*index].kinds(utils),
            Rule::Not(_) | Rule::Regex(_) | Rule::Query(_) | Rule::Relation(_) | Rule::NthChild { .. } => None,
        }
    }
}

/// For one query: node id → the captures of the match whose target is that node.
type QueryResults<'t> = HashMap<usize, Vec<(u32, Node<'t>)>>;

/// Query results for one document, computed on first use.
/// What the practices worked out about one document, kept while it is checked.
#[derive(Default)]
pub(crate) struct QueryCache<'t> {
    /// By query address.
    results: RefCell<HashMap<usize, QueryResults<'t>>>,
    /// Results of relational rules that bind nothing, by relation address and node id: nested
    /// relational searches (`has` in `has`, both `stopBy: end`) then cost each node once per
    /// relation instead of once per enclosing search.
    relations: RefCell<HashMap<(usize, usize), bool>>,
}

/// How much work one practice may do on one document, counted in steps (a rule tested at a node,
/// a pattern compared with a node), not in time, so that results never depend on the machine. A
/// practice that runs out fails on that document; the others go on.
pub(crate) struct Budget {
    left: std::cell::Cell<u64>,
}

/// Every document's allowance, plus [`Budget::PER_NODE`] for each of its nodes.
const BUDGET_BASE: u64 = 1_000_000;

impl Budget {
    /// Steps per node of the document: far more than any sensible rule takes (a few per node it
    /// is tested at, plus what its relational searches visit).
    pub const PER_NODE: u64 = 200;

    pub fn for_document(nodes: usize) -> Budget {
        let steps = BUDGET_BASE.saturating_add(Self::PER_NODE.saturating_mul(nodes as u64));
        Budget { left: std::cell::Cell::new(steps) }
    }

    /// Takes a step; `false` once the budget is spent.
    pub fn step(&self) -> bool {
        let left = self.left.get();
        if left == 0 {
            return false;
        }
        self.left.set(left - 1);
        true
    }

    pub fn spent(&self) -> bool {
        self.left.get() == 0
    }

    /// The steps left.
    pub fn remaining(&self) -> u64 {
        self.left.get()
    }
}

/// What a rule is tested against: one document.
#[derive(Clone, Copy)]
pub(crate) struct Cx<'a, 't> {
    /// The practice's work budget on this document.
    pub budget: &'a Budget,
    pub source: &'t str,
    pub root: Node<'t>,
    pub grammar: &'static Grammar,
    pub compiled: &'a CompiledRule,
    pub queries: &'a QueryCache<'t>,
    /// The node the walk is at and its ancestors, root first. tree-sitter finds a parent by
    /// descending from the root, so `inside` and `nthChild` use this path when they can.
    pub walk: Option<(Node<'t>, &'a [Node<'t>])>,
    /// A node a relational rule is looking at and its parent, known from the search.
    pub parent_hint: Option<(Node<'t>, Node<'t>)>,
    /// What patterns share while the document is checked.
    pub nodes: &'a Nodes<'t>,
}

impl<'t> Cx<'_, 't> {
    /// The ancestors of `node`, nearest first: read from the walk's path when `node`, or its
    /// parent as a search found it, is on it (a relational rule inside another looks at the
    /// walk node's ancestors and siblings), else asked of tree-sitter.
    fn ancestors(&self, node: Node<'t>) -> Ancestors<'_, 't> {
        let on_path = |node: Node<'t>| {
            let (current, path) = self.walk?;
            if current == node {
                return Some(path);
            }
            path.iter().rposition(|step| *step == node).map(|at| &path[..at])
        };
        if let Some(above) = on_path(node) {
            return Ancestors::Known(None, above.iter().rev());
        }
        if let Some((child, parent)) = self.parent_hint
            && child == node
        {
            return match on_path(parent) {
                Some(above) => Ancestors::Known(Some(parent), above.iter().rev()),
                None => Ancestors::Parents { first: Some(parent), last: None },
            };
        }
        Ancestors::Parents { first: None, last: Some(node) }
    }

    /// The context for testing `candidate`, whose parent is `parent`.
    fn at_child(&self, candidate: Node<'t>, parent: Node<'t>) -> Self {
        Cx { parent_hint: Some((candidate, parent)), ..*self }
    }
}

enum Ancestors<'a, 't> {
    /// A known parent, then the walk's path.
    Known(Option<Node<'t>>, std::iter::Rev<std::slice::Iter<'a, Node<'t>>>),
    /// A known parent, if any, then the parents of the last node given, from tree-sitter.
    Parents { first: Option<Node<'t>>, last: Option<Node<'t>> },
}

impl<'t> Iterator for Ancestors<'_, 't> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        match self {
            Ancestors::Known(first, path) => first.take().or_else(|| path.next().copied()),
            // Each parent is asked for only when wanted: most searches stop at the first.
            Ancestors::Parents { first, last } => {
                let node = first.take().or_else(|| last.and_then(|last| last.parent()));
                *last = node;
                node
            }
        }
    }
}

impl Rule {
    /// What an edit can change the result of. `within` is true for a rule tested at a node
    /// strictly inside the one under test (below a `has`), where siblings are inside it too.
    fn reach(&self, utils: &[Rule], within: bool) -> Reach {
        match self {
            Rule::Pattern(_) | Rule::Kind(_) | Rule::Regex(_) | Rule::Never => Reach::Subtree,
            Rule::Query(_) => Reach::Document,
            Rule::All(rules) | Rule::Any(rules) => {
                rules.iter().map(|rule| rule.reach(utils, within)).max().unwrap_or(Reach::Subtree)
            }
            Rule::Not(rule) => rule.reach(utils, within),
            Rule::Matches(index) => utils.get(*index).map_or(Reach::Document, |util| util.reach(utils, within)),
            Rule::NthChild { of_rule, .. } if within => {
                of_rule.as_ref().map_or(Reach::Subtree, |rule| rule.reach(utils, true))
            }
            Rule::NthChild { .. } => Reach::Document,
            Rule::Relation(relation) => match relation.direction {
                Direction::Inside => Reach::Document,
                Direction::Follows | Direction::Precedes if !within => Reach::Document,
                Direction::Has | Direction::Follows | Direction::Precedes => {
                    let stop = match &relation.stop {
                        Stop::Rule(rule) => rule.reach(utils, true),
                        Stop::Neighbor | Stop::End => Reach::Subtree,
                    };
                    relation.rule.reach(utils, true).max(stop)
                }
            },
        }
    }
}

impl Rule {
    /// Adds to `kinds` the kinds of the ancestors whose rules an edit can change this rule's
    /// result through, or gives `None` when an edit can change it anywhere. A node's result
    /// depends, beyond its subtree, on its ancestors (through `inside`) and on its siblings
    /// (`follows`, `precedes`, `nthChild`, queries). After an edit, the ancestors whose subtrees
    /// changed are the ones that hold the edit; only those of a kind an `inside` looks for (by
    /// its rule or its `stopBy` rule, which must themselves look only at their subtrees) can
    /// test differently, and only nodes under them can change. Sibling rules outside a `has`
    /// see changes anywhere.
    fn around(&self, utils: &[Rule], within: bool, mut kinds: Vec<u16>) -> Option<Vec<u16>> {
        match self {
            Rule::Pattern(_) | Rule::Kind(_) | Rule::Regex(_) | Rule::Never => Some(kinds),
            Rule::Query(_) => None,
            Rule::All(rules) | Rule::Any(rules) => {
                rules.iter().try_fold(kinds, |kinds, rule| rule.around(utils, within, kinds))
            }
            Rule::Not(rule) => rule.around(utils, within, kinds),
            Rule::Matches(index) => utils.get(*index)?.around(utils, within, kinds),
            Rule::NthChild { of_rule, .. } if within => match of_rule {
                Some(rule) => rule.around(utils, true, kinds),
                None => Some(kinds),
            },
            Rule::NthChild { .. } => None,
            Rule::Relation(relation) => {
                let stop = match &relation.stop {
                    Stop::Rule(rule) => Some(rule),
                    Stop::Neighbor | Stop::End => None,
                };
                match relation.direction {
                    Direction::Inside => {
                        for rule in std::iter::once(&relation.rule).chain(stop) {
                            if rule.reach(utils, false) != Reach::Subtree {
                                return None;
                            }
                            kinds.extend(rule.kinds(utils)?);
                        }
                        Some(kinds)
                    }
                    Direction::Follows | Direction::Precedes if !within => None,
                    Direction::Has | Direction::Follows | Direction::Precedes => std::iter::once(&relation.rule)
                        .chain(stop)
                        .try_fold(kinds, |kinds, rule| rule.around(utils, true, kinds)),
                }
            }
        }
    }

    /// Whether the rule's result at a node depends on the node alone: it binds and reads no
    /// metavariable. `pure_utils` says it for the utils it can refer to. Rules tested with
    /// bindings of their own (`nthChild`'s `ofRule`, `stopBy`) do not count.
    fn pure(&self, pure_utils: &[bool]) -> bool {
        match self {
            Rule::All(rules) | Rule::Any(rules) => rules.iter().all(|rule| rule.pure(pure_utils)),
            Rule::Not(rule) => rule.pure(pure_utils),
            Rule::Pattern(pattern) => !pattern.binds(),
            Rule::Kind(_) | Rule::Regex(_) | Rule::Never | Rule::NthChild { .. } => true,
            // A query's captures are bindings.
            Rule::Query(_) => false,
            Rule::Relation(relation) => relation.rule.pure(pure_utils),
            Rule::Matches(index) => pure_utils.get(*index).copied().unwrap_or(false),
        }
    }

    /// Marks the relations in the rule whose result is worth remembering: pure ones that can be
    /// tested at one node more than once per check (`nested`: below another relation, in a
    /// `stopBy` or an `ofRule`, or in a util), and a pure `has` to the end over all children,
    /// whose failed search vouches for every node below. A relation the walk tests once per
    /// node gains nothing from a table.
    fn mark_memo(&mut self, pure_utils: &[bool], nested: bool) {
        match self {
            Rule::All(rules) | Rule::Any(rules) => {
                rules.iter_mut().for_each(|rule| rule.mark_memo(pure_utils, nested));
            }
            Rule::Not(rule) => rule.mark_memo(pure_utils, nested),
            Rule::NthChild { of_rule: Some(rule), .. } => rule.mark_memo(pure_utils, true),
            Rule::Relation(relation) => {
                let whole = relation.direction == Direction::Has
                    && matches!(relation.stop, Stop::End)
                    && relation.field.is_none();
                relation.memo = (nested || whole) && relation.rule.pure(pure_utils);
                relation.rule.mark_memo(pure_utils, true);
                if let Stop::Rule(stop) = &mut relation.stop {
                    stop.mark_memo(pure_utils, true);
                }
            }
            Rule::Pattern(_)
            | Rule::Kind(_)
            | Rule::Regex(_)
            | Rule::Query(_)
            | Rule::Matches(_)
            | Rule::Never
            | Rule::NthChild { of_rule: None, .. } => {}
        }
    }
}

impl CompiledRule {
    /// Tests the whole practice (rule and constraints) at `node`.
    pub fn matches<'t>(&self, node: Node<'t>, cx: &Cx<'_, 't>, env: &mut Env<'t>) -> bool {
        if !self.rule.matches(node, cx, env) {
            return false;
        }
        self.constraints.iter().all(|(name, rule)| match env.get(name) {
            None => true,
            Some(binding) => {
                let nodes = binding.nodes().to_vec();
                nodes.into_iter().all(|node| rule.matches(node, cx, &mut Env::default()))
            }
        })
    }
}

impl Rule {
    /// Whether the rule holds at `node`. On `false`, `env` may hold partial bindings; callers
    /// that go on reset it to their mark.
    pub fn matches<'t>(&self, node: Node<'t>, cx: &Cx<'_, 't>, env: &mut Env<'t>) -> bool {
        if !cx.budget.step() {
            return false;
        }
        match self {
            Rule::All(rules) => rules.iter().all(|rule| rule.matches(node, cx, env)),
            Rule::Any(rules) => {
                let mark = env.mark();
                rules.iter().any(|rule| {
                    let hit = rule.matches(node, cx, env);
                    if !hit {
                        env.reset(mark);
                    }
                    hit
                })
            }
            Rule::Not(rule) => {
                let mark = env.mark();
                let hit = rule.matches(node, cx, env);
                env.reset(mark);
                !hit
            }
            Rule::Pattern(pattern) => pattern.matches(node, env, cx),
            Rule::Kind(kind) => cx.grammar.kind(node) == *kind,
            Rule::Regex(regex) => regex.is_match(&cx.source[node.byte_range()]),
            Rule::Query(index) => query_matches(*index, node, cx, env),
            Rule::Relation(relation) => relation.matches(node, cx, env),
            Rule::NthChild { position, reverse, of_rule } => {
                nth_child(node, *position, *reverse, of_rule.as_deref(), cx)
            }
            Rule::Matches(index) => cx.compiled.utils[*index].matches(node, cx, env),
            Rule::Never => false,
        }
    }
}

fn query_matches<'t>(index: usize, node: Node<'t>, cx: &Cx<'_, 't>, env: &mut Env<'t>) -> bool {
    let compiled = &cx.compiled.queries[index];
    let key = std::ptr::from_ref(compiled) as usize;
    let mut results = cx.queries.results.borrow_mut();
    let by_node = match results.entry(key) {
        Entry::Occupied(entry) => entry.into_mut(),
        Entry::Vacant(entry) => {
            let mut by_node = HashMap::new();
            let mut cursor = QueryCursor::new();
            let mut matches = cursor.matches(&compiled.query, cx.root, cx.source.as_bytes());
            while let Some(found) = matches.next() {
                if let Some(target) = found.captures().iter().find(|capture| capture.index == compiled.target) {
                    by_node.entry(target.node.id()).or_insert_with(|| {
                        found.captures().iter().map(|capture| (capture.index, capture.node)).collect()
                    });
                }
            }
            entry.insert(by_node)
        }
    };
    let Some(captures) = by_node.get(&node.id()) else { return false };
    for (capture, captured) in captures {
        let name = &compiled.names[*capture as usize];
        if *capture != compiled.target && !env.bind(name, Binding::Node(*captured), cx.source) {
            return false;
        }
    }
    true
}

fn nth_child<'t>(
    node: Node<'t>,
    position: NthPosition,
    reverse: bool,
    of_rule: Option<&Rule>,
    cx: &Cx<'_, 't>,
) -> bool {
    let Some(parent) = cx.ancestors(node).next() else { return false };
    if !node.is_named() {
        return false;
    }
    let siblings: Vec<Node<'t>> = cx
        .nodes
        .children(parent, None)
        .into_iter()
        .filter(|sibling| sibling.is_named())
        .filter(|sibling| of_rule.is_none_or(|rule| rule.matches(*sibling, cx, &mut Env::default())))
        .collect();
    let Some(index) = siblings.iter().position(|sibling| *sibling == node) else { return false };
    let place = if reverse { siblings.len() - index } else { index + 1 };
    position.contains(place as i64)
}

impl Relation {
    fn matches<'t>(&self, node: Node<'t>, cx: &Cx<'_, 't>, env: &mut Env<'t>) -> bool {
        if !self.memo {
            return self.search(node, cx, env);
        }
        let key = self.key(node);
        if let Some(hit) = cx.queries.relations.borrow().get(&key) {
            return *hit;
        }
        let hit = self.search(node, cx, env);
        cx.queries.relations.borrow_mut().insert(key, hit);
        hit
    }

    /// The key of its result at `node` among the remembered ones.
    fn key(&self, node: Node<'_>) -> (usize, usize) {
        (std::ptr::from_ref(self) as usize, node.id())
    }

    fn search<'t>(&self, node: Node<'t>, cx: &Cx<'_, 't>, env: &mut Env<'t>) -> bool {
        let mark = env.mark();
        let try_candidate = |candidate: Node<'t>, cx: &Cx<'_, 't>, env: &mut Env<'t>| {
            if self.rule.matches(candidate, cx, env) {
                return true;
            }
            env.reset(mark);
            false
        };
        match self.direction {
            Direction::Inside => {
                let mut child = node;
                for parent in cx.ancestors(node) {
                    let in_field =
                        self.field.is_none_or(|field| cx.nodes.children(parent, Some(field)).contains(&child));
                    if in_field && try_candidate(parent, cx, env) {
                        return true;
                    }
                    if self.stops_at(parent, cx) {
                        return false;
                    }
                    child = parent;
                }
                false
            }
            Direction::Has => {
                // Candidates with their parents, nearest first.
                let mut stack: Vec<(Node<'t>, Node<'t>)> =
                    cx.nodes.children(node, self.field).into_iter().rev().map(|child| (child, node)).collect();
                // A remembered `has` with `stopBy: end` over all children holds at a node when
                // it holds at one of its descendants: what is known of a candidate saves
                // searching below it, and a search that fails says the same of every node it
                // went through.
                let whole = self.memo && matches!(self.stop, Stop::End) && self.field.is_none();
                let mut searched = Vec::new();
                while let Some((candidate, parent)) = stack.pop() {
                    let candidate_cx = cx.at_child(candidate, parent);
                    if try_candidate(candidate, &candidate_cx, env) {
                        return true;
                    }
                    if matches!(self.stop, Stop::Neighbor) || self.stops_at(candidate, &candidate_cx) {
                        continue;
                    }
                    if whole {
                        match cx.queries.relations.borrow().get(&self.key(candidate)) {
                            Some(true) => return true,
                            Some(false) => continue,
                            None => searched.push(candidate),
                        }
                    }
                    stack.extend(cx.nodes.children(candidate, None).into_iter().rev().map(|child| (child, candidate)));
                }
                let mut known = cx.queries.relations.borrow_mut();
                for candidate in searched {
                    known.insert(self.key(candidate), false);
                }
                false
            }
            Direction::Follows | Direction::Precedes => {
                // The parent's children, listed once: tree-sitter finds a node's sibling
                // through its parent, which it finds by descending from the root.
                let Some(parent) = cx.ancestors(node).next() else { return false };
                let siblings = cx.nodes.children(parent, None);
                let Some(at) = siblings.iter().position(|sibling| *sibling == node) else { return false };
                let (mut before, mut after) = (siblings[..at].iter().rev(), siblings[at + 1..].iter());
                let candidates: &mut dyn Iterator<Item = &Node<'t>> =
                    if self.direction == Direction::Follows { &mut before } else { &mut after };
                for &sibling in candidates {
                    let sibling_cx = cx.at_child(sibling, parent);
                    if try_candidate(sibling, &sibling_cx, env) {
                        return true;
                    }
                    if self.stops_at(sibling, &sibling_cx) {
                        return false;
                    }
                }
                false
            }
        }
    }

    /// Whether the search ends after testing `node`.
    fn stops_at<'t>(&self, node: Node<'t>, cx: &Cx<'_, 't>) -> bool {
        match &self.stop {
            Stop::Neighbor => true,
            Stop::End => false,
            Stop::Rule(rule) => rule.matches(node, cx, &mut Env::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::wrap_query;

    #[test]
    fn queries_are_wrapped_per_top_level_pattern() {
        assert_eq!(
            wrap_query("(call_expression) (identifier)+ ; note (x)\n\"if\""),
            "(call_expression) @praxis.whole  (identifier)+ @praxis.whole  ; note (x)\n\"if\" @praxis.whole "
        );
    }
}
