//! Metavariable bindings collected while a rule matches one node.
//!
//! Bindings are a stack so that a failed branch can be undone with [`Env::mark`] and
//! [`Env::reset`], which is all the backtracking the matcher needs.

use std::sync::Arc;

use tree_sitter::Node;

#[derive(Debug, Clone)]
pub(crate) enum Binding<'t> {
    Node(Node<'t>),
    /// What `$$$NAME` took: zero or more consecutive siblings.
    Nodes(Vec<Node<'t>>),
}

impl<'t> Binding<'t> {
    /// The source text the binding covers.
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        let range = match self {
            Binding::Node(node) => node.byte_range(),
            Binding::Nodes(nodes) => match (nodes.first(), nodes.last()) {
                (Some(first), Some(last)) => first.start_byte()..last.end_byte(),
                _ => return "",
            },
        };
        &source[range]
    }

    /// The nodes the binding covers, for constraints.
    pub fn nodes(&self) -> &[Node<'t>] {
        match self {
            Binding::Node(node) => std::slice::from_ref(node),
            Binding::Nodes(nodes) => nodes,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Env<'t> {
    vars: Vec<(Arc<str>, Binding<'t>)>,
}

impl<'t> Env<'t> {
    pub fn mark(&self) -> usize {
        self.vars.len()
    }

    pub fn reset(&mut self, mark: usize) {
        self.vars.truncate(mark);
    }

    pub fn get(&self, name: &str) -> Option<&Binding<'t>> {
        self.vars.iter().rev().find(|(bound, _)| &**bound == name).map(|(_, binding)| binding)
    }

    /// Binds `name`, or checks that an earlier binding has the same text. Names starting with
    /// `_` are wildcards and never bind.
    pub fn bind(&mut self, name: &Arc<str>, binding: Binding<'t>, source: &str) -> bool {
        if name.starts_with('_') {
            return true;
        }
        if let Some(existing) = self.get(name) {
            return same_code(existing, &binding, source);
        }
        self.vars.push((name.clone(), binding));
        true
    }
}

/// Equal code: the same tokens, whatever the whitespace between them (`x.y` and `x . y`).
fn same_code(a: &Binding<'_>, b: &Binding<'_>, source: &str) -> bool {
    let (a_text, b_text) = (a.text(source), b.text(source));
    if a_text == b_text {
        return true;
    }
    // Equal tokens make equal texts once all whitespace is gone: most unequal bindings differ
    // there already, without listing a token.
    if !a_text.chars().filter(|c| !c.is_whitespace()).eq(b_text.chars().filter(|c| !c.is_whitespace())) {
        return false;
    }
    let tokens = |binding: &Binding<'_>| {
        let mut out = Vec::new();
        for node in binding.nodes() {
            collect_tokens(*node, source, &mut out);
        }
        out
    };
    tokens(a) == tokens(b)
}

/// The texts of the leaves under `node`, in order (walked with a cursor: code can be deeper
/// than the stack).
fn collect_tokens<'s>(node: Node<'_>, source: &'s str, out: &mut Vec<&'s str>) {
    let mut cursor = node.walk();
    loop {
        if !cursor.goto_first_child() {
            out.push(&source[cursor.node().byte_range()]);
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() || cursor.node() == node {
                    return;
                }
            }
        }
    }
}
