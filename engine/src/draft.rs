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
    collect(node, node, text, &mut replacements, &mut names);
    let mut out = text[node.byte_range()].to_owned();
    let base = node.start_byte();
    for (range, metavar) in replacements.into_iter().rev() {
        out.replace_range(range.start - base..range.end - base, &metavar);
    }
    out
}

fn collect(
    root: Node<'_>,
    node: Node<'_>,
    text: &str,
    out: &mut Vec<(Range<usize>, String)>,
    names: &mut Vec<(String, String)>,
) {
    let kind = node.kind();
    let literal = kind.contains("string")
        || kind.contains("number")
        || kind.contains("integer")
        || kind.contains("float")
        || kind.ends_with("_literal");
    let is_name = kind == "identifier" || kind == "simple_identifier" || kind == "variable_name";
    let keeps_meaning = node.parent().is_some_and(|parent| {
        let field = field_of(parent, node);
        matches!(
            field.as_deref(),
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
        )
    }) || node.id() == root.id();
    if (literal || (is_name && !keeps_meaning)) && node.id() != root.id() {
        let code = &text[node.byte_range()];
        let metavar = match names.iter().find(|(seen, _)| seen == code) {
            Some((_, metavar)) => metavar.clone(),
            None => {
                let metavar = format!("${}", (b'A' + (names.len() % 26) as u8) as char);
                names.push((code.to_owned(), metavar.clone()));
                metavar
            }
        };
        out.push((node.byte_range(), metavar));
        return;
    }
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        collect(root, child, text, out, names);
    }
}

fn field_of(parent: Node<'_>, child: Node<'_>) -> Option<String> {
    let mut cursor = parent.walk();
    for (index, candidate) in parent.children(&mut cursor).enumerate() {
        if candidate == child {
            return parent.field_name_for_child(index as u32).map(str::to_owned);
        }
    }
    None
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
