//! Suppression comments: `praxis-ignore`, `praxis-ignore: id-a, id-b -- reason` and
//! `praxis-ignore-file: id-a`, in whatever comment syntax the language has. A suppression that
//! suppresses nothing becomes an `unused-ignore` hint.

use std::ops::Range;

use praxis_grammars::CommentSyntax;
use tree_sitter::Node;

use crate::check::{Finding, Fix, Suppressed, UNUSED_IGNORE};
use crate::document::Document;
use crate::model::Severity;

#[derive(Debug, PartialEq, Eq)]
enum Scope {
    /// Findings that start on these 0-based lines.
    Lines(Range<usize>),
    File,
    /// A file-wide suppression after the first code: it applies nowhere.
    Misplaced,
}

#[derive(Debug)]
struct Directive {
    comment: Range<usize>,
    scope: Scope,
    /// The practice ids named, or empty for all.
    ids: Vec<String>,
    /// For each id (or once, for all), whether it suppressed something.
    used: Vec<bool>,
}

/// The parts of a suppression comment's text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub file: bool,
    pub ids: Vec<String>,
    /// Where, in the text parsed, the list of ids ends (after the last id), when there is one.
    pub list_end: Option<usize>,
}

/// Reads a suppression from the text inside a comment, if there is one.
pub(crate) fn parse(body: &str) -> Option<Parsed> {
    const KEYWORD: &str = "praxis-ignore";
    let mut search = 0;
    let rest = loop {
        let at = search + body[search..].find(KEYWORD)?;
        let before_ok = body[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'));
        if before_ok {
            break &body[at + KEYWORD.len()..];
        }
        search = at + KEYWORD.len();
    };
    let (file, rest) = match rest.strip_prefix("-file") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    // The keyword must end here: `praxis-ignored` is not a suppression.
    if rest.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        return None;
    }
    let rest = rest.trim_start();
    let mut ids = Vec::new();
    let mut list_end = None;
    if let Some(list) = rest.strip_prefix(':') {
        let list = list.split(" --").next().unwrap_or("");
        let list_start = body.len() - rest.len() + 1;
        let mut at = 0;
        for id in list.split([',', ' ', '\t']) {
            let start = at;
            at += id.len() + 1;
            if id.starts_with("--") {
                break;
            }
            if !id.is_empty() {
                ids.push(id.to_owned());
                list_end = Some(list_start + start + id.len());
            }
        }
    }
    Some(Parsed { file, ids, list_end })
}

/// The text of a comment without its delimiters, and where that text starts in the comment.
fn comment_body<'s>(text: &'s str, syntax: &CommentSyntax) -> (usize, &'s str) {
    if let Some((open, close)) = syntax.block
        && let Some(inner) = text.strip_prefix(open)
    {
        return (open.len(), inner.strip_suffix(close).unwrap_or(inner));
    }
    match syntax.line.and_then(|line| text.strip_prefix(line).map(|body| (line.len(), body))) {
        Some(stripped) => stripped,
        None => (0, text),
    }
}

/// The edit that suppresses practice `id` on the line holding `offset`: `id` added to a
/// `praxis-ignore: …` comment alone on the line above, else a new such comment above the line,
/// indented like it. `None` when the comment above names `id` already, or the language has no
/// comments.
pub(crate) fn suppression_edit(doc: &Document, offset: usize, id: &str) -> Option<Fix> {
    let text = doc.text();
    let syntax = &doc.language().comments;
    let lines = doc.lines();
    let (line, line_start) = lines.line_of(offset.min(text.len()));
    if line > 0 {
        let above = lines.line_start(line - 1).unwrap_or(0);
        let alone_above = |comment: &Node<'_>| {
            let range = comment.byte_range();
            range.start >= above && range.end <= line_start && text[above..range.start].trim().is_empty()
        };
        for comment in suppression_comments(doc).iter().filter(|comment| alone_above(comment)) {
            let range = comment.byte_range();
            let (body_start, body) = comment_body(&text[range.clone()], syntax);
            let Some(parsed) = parse(body) else { continue };
            let Some(list_end) = parsed.list_end.filter(|_| !parsed.file) else { continue };
            if parsed.ids.iter().any(|named| named == id) {
                return None;
            }
            let at = range.start + body_start + list_end;
            return Some(Fix { range: at..at, replacement: format!(", {id}") });
        }
    }
    let indent: String = text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let directive = format!("praxis-ignore: {id}");
    let comment = match (syntax.line, syntax.block) {
        (Some(open), _) => format!("{open} {directive}"),
        (None, Some((open, close))) => format!("{open} {directive} {close}"),
        (None, None) => return None,
    };
    Some(Fix { range: line_start..line_start, replacement: format!("{indent}{comment}\n") })
}

/// Removes suppressed findings and adds an `unused-ignore` hint for each suppression that
/// suppressed nothing.
pub(crate) fn apply(doc: &Document, findings: Vec<Finding>) -> Suppressed {
    let source = doc.text();
    let comments = suppression_comments(doc);
    if comments.is_empty() {
        return Suppressed { findings, suppressed: Vec::new() };
    }
    let lines = doc.lines();
    let first_code = first_code_offset(doc);
    let syntax = &doc.language().comments;
    let mut directives: Vec<Directive> = comments
        .iter()
        .filter_map(|comment| {
            let range = comment.byte_range();
            let parsed = parse(comment_body(&source[range.clone()], syntax).1)?;
            let scope = if parsed.file {
                if range.start <= first_code { Scope::File } else { Scope::Misplaced }
            } else {
                let (line, line_start) = lines.line_of(range.start);
                let alone = source[line_start..range.start].trim().is_empty();
                let (end_line, _) = lines.line_of(range.end);
                // Alone on its line, it covers the line below; after code, its own line.
                Scope::Lines(if alone { line..end_line + 2 } else { line..line + 1 })
            };
            let used = vec![false; parsed.ids.len().max(1)];
            Some(Directive { comment: range, scope, ids: parsed.ids, used })
        })
        .collect();

    let mut kept = Vec::with_capacity(findings.len());
    let mut gone = Vec::new();
    for finding in findings {
        let (line, _) = lines.line_of(finding.range.start);
        let mut suppressed = false;
        for directive in &mut directives {
            let covers = match &directive.scope {
                Scope::File => true,
                Scope::Lines(range) => range.contains(&line),
                Scope::Misplaced => false,
            };
            if !covers {
                continue;
            }
            if directive.ids.is_empty() {
                directive.used[0] = true;
                suppressed = true;
            } else if let Some(at) = directive.ids.iter().position(|id| **id == *finding.practice) {
                directive.used[at] = true;
                suppressed = true;
            }
        }
        if suppressed {
            gone.push(finding.practice);
        } else {
            kept.push(finding);
        }
    }

    for directive in directives {
        let unused: Vec<&str> =
            directive.ids.iter().zip(&directive.used).filter(|(_, used)| !**used).map(|(id, _)| id.as_str()).collect();
        let message = match (&directive.scope, directive.ids.is_empty()) {
            (Scope::Misplaced, _) => "praxis-ignore-file only works in a comment before the first code".to_owned(),
            (_, true) if !directive.used[0] => "this praxis-ignore suppresses nothing; remove it".to_owned(),
            (_, false) if !unused.is_empty() => {
                let names = unused.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ");
                format!("praxis-ignore for {names} suppresses nothing; remove it")
            }
            _ => continue,
        };
        kept.push(Finding {
            practice: UNUSED_IGNORE.into(),
            severity: Severity::Hint,
            message,
            range: directive.comment,
            fix: None,
        });
    }
    Suppressed { findings: kept, suppressed: gone }
}

/// The comments that mention `praxis-ignore`, found from the text rather than by walking the
/// whole tree: an editor applies suppressions on every keystroke.
fn suppression_comments(doc: &Document) -> Vec<Node<'_>> {
    let grammar = crate::grammar::Grammar::get(doc.language());
    let root = doc.tree().root_node();
    let mut comments: Vec<Node<'_>> = Vec::new();
    for (at, keyword) in doc.text().match_indices("praxis-ignore") {
        let Some(mut node) = root.descendant_for_byte_range(at, at + keyword.len()) else { continue };
        while !grammar.is_comment(node) {
            match node.parent() {
                Some(parent) => node = parent,
                None => break,
            }
        }
        if grammar.is_comment(node) && comments.last() != Some(&node) {
            comments.push(node);
        }
    }
    comments
}

/// Where the first code (any token outside a comment) starts; the end of the text if none.
fn first_code_offset(doc: &Document) -> usize {
    let grammar = crate::grammar::Grammar::get(doc.language());
    let mut cursor = doc.tree().walk();
    loop {
        let node = cursor.node();
        let comment = grammar.is_comment(node);
        if !comment && node.child_count() == 0 && node.end_byte() > node.start_byte() {
            return node.start_byte();
        }
        if !comment && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return doc.text().len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_suppressions() {
        let ids = |list: &[&str]| list.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
        assert_eq!(parse(" praxis-ignore"), Some(Parsed { file: false, ids: vec![], list_end: None }));
        let body = " praxis-ignore: a, b-c -- legacy code";
        let parsed = parse(body).unwrap();
        assert_eq!(parsed.ids, ids(&["a", "b-c"]));
        assert_eq!(&body[..parsed.list_end.unwrap()], " praxis-ignore: a, b-c");
        assert_eq!(parse(" praxis-ignore -- why"), Some(Parsed { file: false, ids: vec![], list_end: None }));
        let body = " praxis-ignore-file: no-print ";
        assert_eq!(parse(body), Some(Parsed { file: true, ids: ids(&["no-print"]), list_end: Some(29) }));
        assert_eq!(parse(" praxis-ignored"), None);
        assert_eq!(parse(" not-praxis-ignore"), None);
        assert_eq!(parse(" nothing here"), None);
    }
}
