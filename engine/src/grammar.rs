//! Per-language tables the matcher needs on its hot path: canonical node kinds, comment kinds,
//! and one parser per thread.
//!
//! tree-sitter can give one node kind several ids (aliases); rules and patterns compare
//! canonical ids so that `identifier` is `identifier` wherever the grammar produced it.

use std::cell::RefCell;
use std::sync::OnceLock;

use praxis_grammars::Language;
use tree_sitter::{Node, Parser, Tree};

/// The canonical kind of tree-sitter's ERROR nodes; `kind: ERROR` matches it.
pub(crate) const ERROR_KIND: u16 = u16::MAX;

pub(crate) struct Grammar {
    pub language: &'static Language,
    /// Canonical kind id for every raw kind id.
    canonical: Vec<u16>,
    /// Whether a canonical kind is a comment.
    comment: Vec<bool>,
}

impl Grammar {
    /// The tables for `language`, built once per process.
    pub fn get(language: &'static Language) -> &'static Grammar {
        static GRAMMARS: [OnceLock<Grammar>; praxis_grammars::LANGUAGES.len()] =
            [const { OnceLock::new() }; praxis_grammars::LANGUAGES.len()];
        let index = praxis_grammars::LANGUAGES
            .iter()
            .position(|known| std::ptr::eq(known, language))
            .unwrap_or_else(|| panic!("{} is not in the language registry", language.name));
        GRAMMARS[index].get_or_init(|| Grammar::build(language))
    }

    fn build(language: &'static Language) -> Grammar {
        let ts = language.tree_sitter();
        let count = ts.node_kind_count();
        let mut canonical = Vec::with_capacity(count);
        let mut comment = vec![false; count];
        for id in 0..count as u16 {
            let kind = ts.node_kind_for_id(id).unwrap_or("");
            let first = ts.id_for_node_kind(kind, ts.node_kind_is_named(id));
            let canon = if first == 0 && id != 0 { id } else { first };
            canonical.push(canon);
            if kind.contains("comment") && ts.node_kind_is_named(id) {
                comment[canon as usize] = true;
            }
        }
        Grammar { language, canonical, comment }
    }

    /// How many distinct kind slots there are, ERROR included (as the last one).
    pub fn kind_slots(&self) -> usize {
        self.canonical.len() + 1
    }

    /// The slot of a canonical kind in tables sized by [`Grammar::kind_slots`].
    pub fn slot(&self, kind: u16) -> usize {
        if kind == ERROR_KIND { self.canonical.len() } else { kind as usize }
    }

    /// The canonical kind of a node.
    pub fn kind(&self, node: Node<'_>) -> u16 {
        // ERROR nodes have the symbol u16::MAX, past the end of the table.
        self.canonical.get(node.kind_id() as usize).copied().unwrap_or(ERROR_KIND)
    }

    /// The canonical kind called `name`: named kinds first, then anonymous tokens.
    pub fn kind_named(&self, name: &str) -> Option<u16> {
        if name == "ERROR" {
            return Some(ERROR_KIND);
        }
        let ts = self.language.tree_sitter();
        [true, false]
            .into_iter()
            .map(|named| ts.id_for_node_kind(name, named))
            .find(|&id| id != 0)
            .map(|id| self.canonical[id as usize])
    }

    pub fn is_comment(&self, node: Node<'_>) -> bool {
        let kind = self.kind(node);
        kind != ERROR_KIND && self.comment.get(kind as usize).copied().unwrap_or(false)
    }
}

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new(Parser::new());
}

/// Parses `text` as `language`, reusing `old` (already edited) for an incremental parse.
pub(crate) fn parse(language: &'static Language, text: &str, old: Option<&Tree>) -> Tree {
    PARSER.with_borrow_mut(|parser| {
        parser
            .set_language(language.tree_sitter())
            .unwrap_or_else(|err| panic!("the {} grammar does not load: {err}", language.name));
        // Without a timeout or cancellation flag, tree-sitter always returns a tree.
        parser.parse(text, old).unwrap_or_else(|| panic!("tree-sitter returned no tree for {}", language.name))
    })
}
