//! Drafting a practice from an example: the selected node's structure as a pattern, with
//! literals and local names turned into metavariables. Used by the editor's "create practice
//! from selection" and, later, `praxis new`.

use std::ops::Range;

use tree_sitter::Node;

use crate::document::Document;

/// A pattern drafted from code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub pattern: String,
    /// The node the pattern was drawn from (the selection, snapped to a whole node).
    pub range: Range<usize>,
    /// Its tree-sitter kind.
    pub kind: &'static str,
}

/// Drafts a pattern from the smallest named node covering `selection`.
pub fn draft_pattern(doc: &Document, selection: Range<usize>) -> Option<Draft> {
    let node = doc.tree().root_node().named_descendant_for_byte_range(selection.start, selection.end)?;
    let kind = doc.language().tree_sitter().node_kind_for_id(node.kind_id()).unwrap_or("ERROR");
    Some(Draft { pattern: derive_pattern(node, doc.text()), range: node.byte_range(), kind })
}

/// The node's text with literals and local names replaced by metavariables. Names that say
/// what the code does stay: called functions, methods and properties, types.
fn derive_pattern(node: Node<'_>, text: &str) -> String {
    let mut replacements: Vec<(Range<usize>, String)> = Vec::new();
    let mut names: Vec<(String, String)> = Vec::new();
    collect(node, text, &mut replacements, &mut names);
    let mut out = text[node.byte_range()].to_owned();
    let base = node.start_byte();
    for (range, metavar) in replacements.into_iter().rev() {
        out.replace_range(range.start - base..range.end - base, &metavar);
    }
    out
}

/// Finds the literals and local names under `root`, in document order (without recursion, and
/// with each node's field taken from its parent: a selection can be as deep as the file).
fn collect(root: Node<'_>, text: &str, out: &mut Vec<(Range<usize>, String)>, names: &mut Vec<(String, String)>) {
    let mut stack = vec![(root, None)];
    while let Some((node, field)) = stack.pop() {
        if node.id() != root.id()
            && let Some(metavar) = replaced(node, field, text, names)
        {
            out.push((node.byte_range(), metavar));
            continue;
        }
        let start = stack.len();
        let mut cursor = node.walk();
        let mut more = cursor.goto_first_child();
        while more {
            if cursor.node().is_named() {
                stack.push((cursor.node(), cursor.field_name()));
            }
            more = cursor.goto_next_sibling();
        }
        stack[start..].reverse();
    }
}

/// The metavariable `node` becomes if it is a literal, or a local name (not in a field that
/// says what the code does: a called function, a method, a type…); the same text gets the same
/// metavariable.
fn replaced(node: Node<'_>, field: Option<&str>, text: &str, names: &mut Vec<(String, String)>) -> Option<String> {
    let kind = node.kind();
    let literal = kind.contains("string")
        || kind.contains("number")
        || kind.contains("integer")
        || kind.contains("float")
        || kind.ends_with("_literal");
    let is_name = kind == "identifier" || kind == "simple_identifier" || kind == "variable_name";
    let keeps_meaning = matches!(
        field,
        Some(
            "function"
                | "name"
                | "method"
                | "type"
                | "constructor"
                | "macro"
                | "object"
                | "operand"
                | "package"
                | "scope"
                | "attribute"
                | "property"
                | "field"
        )
    );
    if !(literal || (is_name && !keeps_meaning)) {
        return None;
    }
    let code = &text[node.byte_range()];
    if let Some((_, metavar)) = names.iter().find(|(seen, _)| seen == code) {
        return Some(metavar.clone());
    }
    let metavar = format!("${}", (b'A' + (names.len() % 26) as u8) as char);
    names.push((code.to_owned(), metavar.clone()));
    Some(metavar)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern_for(language: &str, code: &str, selected: &str) -> String {
        let language = praxis_grammars::by_name(language).unwrap();
        let doc = Document::new(language, code);
        let start = code.find(selected).unwrap();
        draft_pattern(&doc, start..start + selected.len()).unwrap().pattern
    }

    #[test]
    fn patterns_keep_what_the_code_does() {
        assert_eq!(
            pattern_for("javascript", "console.log(\"user\", id);", "console.log(\"user\", id)"),
            "console.log($A, $B)"
        );
        assert_eq!(
            pattern_for("python", "x = requests.get(url, timeout)\n", "requests.get(url, timeout)"),
            "requests.get($A, $B)"
        );
        assert_eq!(pattern_for("python", "print(a, a)\n", "print(a, a)"), "print($A, $A)");
    }
}
