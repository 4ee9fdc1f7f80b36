//! A source text with its syntax tree, kept up to date through edits so that later checks can
//! reparse incrementally and re-match only what changed.

use std::ops::Range;
use std::sync::OnceLock;

use praxis_grammars::Language;
use tree_sitter::{InputEdit, Point, Tree};

use crate::grammar;

pub struct Document {
    language: &'static Language,
    text: String,
    tree: Tree,
    /// The text's line starts, built the first time they are needed (most checked files have
    /// no findings and need none) and then kept up to date by [`Document::edit`].
    lines: OnceLock<LineIndex>,
    /// The tree as the text was last checked (edited along with the text since), while edits
    /// since then wait to be checked: a re-check looks at what changed in both trees.
    before: Option<Tree>,
    /// The span of the edits applied since the last parse (see [`Document::apply`]), in the
    /// current text's positions.
    unparsed: Option<Range<usize>>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document").field("language", &self.language.name).field("len", &self.text.len()).finish()
    }
}

impl Document {
    /// Parses `text`. Broken code still gets a tree, with ERROR nodes where it does not parse.
    pub fn new(language: &'static Language, text: impl Into<String>) -> Document {
        let text = text.into();
        let tree = grammar::parse(language, &text, None);
        Document { language, text, tree, lines: OnceLock::new(), before: None, unparsed: None }
    }

    pub fn language(&self) -> &'static Language {
        self.language
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text, handed back.
    pub fn into_text(self) -> String {
        self.text
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The line starts of the text.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// Replaces the bytes in `range` by `new_text` and reparses incrementally (afresh while the
    /// text has a syntax error, see [`Document::reparse`]): [`Document::apply`], then
    /// [`Document::reparse`]. Returns the byte ranges of the new text whose syntax changed.
    ///
    /// # Panics
    ///
    /// If `range` is out of bounds or does not fall on character boundaries.
    pub fn edit(&mut self, range: Range<usize>, new_text: &str) -> Vec<Range<usize>> {
        self.apply(range, new_text);
        self.reparse()
    }

    /// Replaces the bytes in `range` by `new_text` in the text and its line index, and moves the
    /// trees' positions along, without parsing: a run of edits (the keys of a burst, taken as
    /// one message) is applied one by one and parsed once, by [`Document::reparse`]. Until then
    /// [`Document::tree`] is the tree of the text before the edits.
    ///
    /// # Panics
    ///
    /// If `range` is out of bounds or does not fall on character boundaries.
    pub fn apply(&mut self, range: Range<usize>, new_text: &str) {
        self.lines();
        let lines = self.lines.get_mut().unwrap_or_else(|| unreachable!("built just above"));
        let start_position = lines.point(range.start);
        let old_end_position = lines.point(range.end);
        self.text.replace_range(range.clone(), new_text);
        lines.edit(range.clone(), new_text);
        let new_end = range.start + new_text.len();
        let edit = InputEdit {
            start_byte: range.start,
            old_end_byte: range.end,
            new_end_byte: new_end,
            start_position,
            old_end_position,
            new_end_position: lines.point(new_end),
        };
        self.tree.edit(&edit);
        if let Some(before) = &mut self.before {
            before.edit(&edit);
        }
        // Where an earlier edit's span lands in the new text: what lies after the edit moves
        // by its change in length, what it replaced becomes what it inserted.
        let moved = |at: usize| {
            if at <= range.start {
                at
            } else if at >= range.end {
                at - range.len() + new_text.len()
            } else {
                new_end
            }
        };
        let span = self
            .unparsed
            .take()
            .map_or(range.start..new_end, |span| moved(span.start).min(range.start)..moved(span.end).max(new_end));
        self.unparsed = Some(span);
    }

    /// Parses the text after the edits [`Document::apply`] made since the last parse,
    /// incrementally, and returns the byte ranges of the new text whose syntax changed, the
    /// edited span included, so that a caller can re-match only there. tree-sitter's changed
    /// ranges miss some changes of error recovery (an error node that moves, a missing token,
    /// which covers no text), so the error nodes of the trees before and after the edits are
    /// counted as changed too. Nothing to parse: no ranges.
    pub fn reparse(&mut self) -> Vec<Range<usize>> {
        let Some(edited) = self.unparsed.take() else { return Vec::new() };
        let mut tree = grammar::parse(self.language, &self.text, Some(&self.tree));
        if tree.root_node().has_error() {
            // Error recovery is not the same when reparsing: the reparsed tree can differ from a
            // fresh parse of the same text anywhere near an error (even with the errors where
            // they were: fuzz seed 59545), and findings must be a fresh check's. While the text
            // has a syntax error, it is parsed afresh.
            tree = grammar::parse(self.language, &self.text, None);
        }
        // The edited old tree is in the new text's positions already.
        let errors_before = error_ranges(&self.tree);
        let errors_after = error_ranges(&tree);
        let mut changed: Vec<Range<usize>> =
            self.tree.changed_ranges(&tree).map(|r| r.start_byte..r.end_byte).collect();
        changed.push(edited);
        changed.extend(errors_before);
        changed.extend(errors_after);
        let old = std::mem::replace(&mut self.tree, tree);
        self.before.get_or_insert(old);
        changed
    }

    /// The tree of the text as last checked (see [`Document::checked`]), in the current text's
    /// positions, when it has been edited since.
    pub(crate) fn before(&self) -> Option<&Tree> {
        self.before.as_ref()
    }

    /// Says that the current text's results are known: the next re-check starts from here.
    pub fn checked(&mut self) {
        self.before = None;
    }
}

/// The ranges of a tree's error nodes and missing tokens, found by descending only into nodes
/// that hold one.
fn error_ranges(tree: &Tree) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let root = tree.root_node();
    if !root.has_error() {
        return ranges;
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            ranges.push(node.byte_range());
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor).filter(|child| child.has_error()));
    }
    ranges
}

/// Line starts of a text, to turn byte offsets into lines and columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0).chain(newlines(text).map(|at| at + 1)).collect();
        LineIndex { starts }
    }

    /// Follows the replacement of the bytes in `range` by `new_text`: the lines that started in
    /// the replaced text go, the new text's come, and the later ones move. It reads only the
    /// new text; the lines after the edit are moved by one addition each.
    pub fn edit(&mut self, range: Range<usize>, new_text: &str) {
        let first = self.starts.partition_point(|&start| start <= range.start);
        let last = self.starts.partition_point(|&start| start <= range.end);
        let before = self.starts.len();
        self.starts.splice(first..last, newlines(new_text).map(|at| range.start + at + 1));
        let moved = first + self.starts.len() + (last - first) - before;
        let (grown, shrunk) = (new_text.len(), range.end - range.start);
        for start in &mut self.starts[moved..] {
            *start = *start + grown - shrunk;
        }
    }

    /// The tree-sitter point (row, byte column) of a byte offset.
    pub fn point(&self, offset: usize) -> Point {
        let (row, start) = self.line_of(offset);
        Point { row, column: offset - start }
    }

    /// The 0-based line of a byte offset and the byte offset its line starts at.
    pub fn line_of(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        (line, self.starts[line])
    }

    /// The byte offset where 0-based `line` starts, if the text has that line.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// The offsets of a text's newlines (found with `memchr`).
fn newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.match_indices('\n').map(|(at, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_reparse_and_report_changes() {
        let python = praxis_grammars::by_name("python").unwrap();
        let mut doc = Document::new(python, "x = 1\ny = 2\n");
        let changed = doc.edit(6..7, "zz");
        assert_eq!(doc.text(), "x = 1\nzz = 2\n");
        assert!(changed.iter().any(|range| range.contains(&6)));
        assert_eq!(
            doc.tree().root_node().to_sexp(),
            Document::new(python, doc.text().to_owned()).tree().root_node().to_sexp()
        );
    }

    #[test]
    fn a_reparse_with_a_syntax_error_gives_the_tree_of_a_fresh_parse() {
        // Reparsed, tree-sitter kept `assert` in the function's body; parsed afresh, it is an
        // ERROR beside it.
        let text = "# x\n    def f(a, b):\n    assert a\n    return b\nreturn 2";
        let mut doc = Document::new(praxis_grammars::by_name("python").unwrap(), text);
        let at = text.find(" a\n").unwrap();
        doc.edit(at..at + 3, "");
        let fresh = Document::new(doc.language(), doc.text().to_owned());
        assert_eq!(doc.tree().root_node().to_sexp(), fresh.tree().root_node().to_sexp());
    }

    #[test]
    fn the_line_index_follows_edits() {
        let cases: [(&str, Range<usize>, &str); 7] = [
            ("ab\ncd\nef\n", 1..1, "x"),
            ("ab\ncd\nef\n", 1..4, ""),
            ("ab\ncd\nef\n", 2..3, ""),
            ("ab\ncd\nef\n", 3..3, "1\n2\n"),
            ("ab\ncd\nef\n", 0..9, "z\n"),
            ("ab\ncd\nef", 8..8, "\n"),
            ("\n\n\n", 1..2, "a\nb\nc"),
        ];
        for (text, range, new_text) in cases {
            let mut index = LineIndex::new(text);
            index.edit(range.clone(), new_text);
            let mut edited = text.to_owned();
            edited.replace_range(range.clone(), new_text);
            assert_eq!(index, LineIndex::new(&edited), "{text:?} {range:?} {new_text:?}");
        }
        let python = praxis_grammars::by_name("python").unwrap();
        let mut doc = Document::new(python, "x = 1\ny = 2\n");
        doc.edit(0..5, "def f():\n    pass");
        assert_eq!(doc.lines(), &LineIndex::new(doc.text()));
    }

    #[test]
    fn line_index() {
        let index = LineIndex::new("ab\ncd\n");
        assert_eq!(index.line_of(0), (0, 0));
        assert_eq!(index.line_of(2), (0, 0));
        assert_eq!(index.line_of(3), (1, 3));
        assert_eq!(index.line_of(6), (2, 6));
        assert_eq!(index.line_count(), 3);
    }
}
