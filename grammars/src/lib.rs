//! The language registry: every language Praxis can check, with its names, file extensions, LSP
//! `languageId`s, comment syntax, metavariable stand-in and tree-sitter grammar.
//!
//! This crate knows languages and nothing about practices. Everything else looks languages up
//! here, so adding a language is one entry in [`LANGUAGES`].

use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use tree_sitter_language::LanguageFn;

/// How a language writes comments, used to read suppressions and to write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentSyntax {
    /// The line comment opener, such as `//` or `#`.
    pub line: Option<&'static str>,
    /// The block comment delimiters, such as `("/*", "*/")`.
    pub block: Option<(&'static str, &'static str)>,
}

/// One language: everything the rest of Praxis needs to know about it.
pub struct Language {
    /// The canonical name used in practices (`languages: [typescript]`).
    pub name: &'static str,
    /// Other names accepted in practices and on the command line.
    pub aliases: &'static [&'static str],
    /// File extensions without the dot.
    pub extensions: &'static [&'static str],
    /// Whole file names that belong to the language regardless of extension.
    pub file_names: &'static [&'static str],
    /// The `languageId`s editors send in `textDocument/didOpen`.
    pub language_ids: &'static [&'static str],
    /// Comment syntax, for reading and writing suppression comments.
    pub comments: CommentSyntax,
    /// The character that stands in for `$` in metavariables while a pattern is parsed, for
    /// languages in which `$NAME` is not an identifier.
    pub metavar_char: char,
    /// Code a pattern is wrapped in when it does not parse alone, as `(prefix, suffix)`.
    /// Tried in order after the bare pattern.
    pub pattern_contexts: &'static [(&'static str, &'static str)],
    grammar: LanguageFn,
    ts: OnceLock<tree_sitter::Language>,
}

impl Language {
    /// Its files as patterns: each extension after `extension_prefix` (`.`, `*.`, `**/*.`), then
    /// each whole file name after `name_prefix` (``, `**/`). One list for every editor setup,
    /// listing and glob that names a language's files.
    pub fn file_patterns<'a>(
        &'a self,
        extension_prefix: &'a str,
        name_prefix: &'a str,
    ) -> impl Iterator<Item = String> + 'a {
        let extensions = self.extensions.iter().map(move |extension| format!("{extension_prefix}{extension}"));
        extensions.chain(self.file_names.iter().map(move |name| format!("{name_prefix}{name}")))
    }

    /// The tree-sitter grammar, loaded once.
    pub fn tree_sitter(&self) -> &tree_sitter::Language {
        self.ts.get_or_init(|| tree_sitter::Language::new(self.grammar))
    }

    /// Whether `name` is this language's name or one of its aliases (ASCII case-insensitive).
    pub fn is_named(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name) || self.aliases.iter().any(|alias| alias.eq_ignore_ascii_case(name))
    }
}

impl fmt::Debug for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Language").field("name", &self.name).finish_non_exhaustive()
    }
}

impl PartialEq for Language {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Language {}

const C_LIKE: CommentSyntax = CommentSyntax { line: Some("//"), block: Some(("/*", "*/")) };
const HASH: CommentSyntax = CommentSyntax { line: Some("#"), block: None };

macro_rules! language {
    ($name:literal, aliases: $aliases:expr, ext: $ext:expr, files: $files:expr, ids: $ids:expr,
     comments: $comments:expr, metavar: $metavar:literal, contexts: $contexts:expr,
     grammar: $grammar:expr) => {
        Language {
            name: $name,
            aliases: &$aliases,
            extensions: &$ext,
            file_names: &$files,
            language_ids: &$ids,
            comments: $comments,
            metavar_char: $metavar,
            pattern_contexts: &$contexts,
            grammar: $grammar,
            ts: OnceLock::new(),
        }
    };
}

/// Go accepts statements at the top level, but some of them parse differently there (a call
/// with one argument reads as a type conversion), so patterns are tried in a function body first.
const GO_CONTEXTS: [(&str, &str); 2] = [("func _() {\n", "\n}"), ("", "")];

/// At the top level of a C file `f(x);` declares a function, so statements are tried in a body
/// first.
const C_CONTEXTS: [(&str, &str); 2] = [("void _() {\n", ";\n}"), ("", "")];

/// Every supported language. Order matters only for display.
pub static LANGUAGES: [Language; 20] = [
    language!("typescript", aliases: ["ts"], ext: ["ts", "mts", "cts"], files: [],
        ids: ["typescript"], comments: C_LIKE, metavar: '$', contexts: [("", "")],
        grammar: tree_sitter_typescript::LANGUAGE_TYPESCRIPT),
    language!("tsx", aliases: [], ext: ["tsx"], files: [], ids: ["typescriptreact"],
        comments: C_LIKE, metavar: '$', contexts: [("", "")],
        grammar: tree_sitter_typescript::LANGUAGE_TSX),
    language!("javascript", aliases: ["js", "jsx"], ext: ["js", "mjs", "cjs", "jsx"], files: [],
        ids: ["javascript", "javascriptreact"], comments: C_LIKE, metavar: '$',
        contexts: [("", "")], grammar: tree_sitter_javascript::LANGUAGE),
    language!("python", aliases: ["py"], ext: ["py", "pyi", "pyw"], files: [],
        ids: ["python"], comments: HASH, metavar: 'µ', contexts: [("", "")],
        grammar: tree_sitter_python::LANGUAGE),
    language!("rust", aliases: ["rs"], ext: ["rs"], files: [], ids: ["rust"],
        comments: C_LIKE, metavar: 'µ', contexts: [("", ""), ("fn _() {\n", "\n}")],
        grammar: tree_sitter_rust::LANGUAGE),
    language!("go", aliases: ["golang"], ext: ["go"], files: [], ids: ["go"],
        comments: C_LIKE, metavar: 'µ', contexts: GO_CONTEXTS,
        grammar: tree_sitter_go::LANGUAGE),
    language!("java", aliases: [], ext: ["java"], files: [], ids: ["java"],
        comments: C_LIKE, metavar: '$',
        contexts: [("", ""), ("class Praxis {\n", "\n}"), ("class Praxis { void praxis() {\n", ";\n} }")],
        grammar: tree_sitter_java::LANGUAGE),
    // ast-grep's own Kotlin grammar, so ast-grep's Kotlin rules and their node kinds
    // (`simple_identifier`, `call_suffix`, `navigation_expression`) work unchanged.
    language!("kotlin", aliases: ["kt"], ext: ["kt", "kts"], files: [], ids: ["kotlin"],
        comments: C_LIKE, metavar: 'µ', contexts: [("", ""), ("fun _() {\n", "\n}")],
        grammar: tree_sitter_kotlin_sg::LANGUAGE),
    language!("c", aliases: [], ext: ["c", "h"], files: [], ids: ["c"],
        comments: C_LIKE, metavar: 'µ', contexts: C_CONTEXTS,
        grammar: tree_sitter_c::LANGUAGE),
    language!("cpp", aliases: ["c++", "cc", "cxx"],
        ext: ["cpp", "cc", "cxx", "c++", "hpp", "hh", "hxx", "h++", "ipp"], files: [],
        ids: ["cpp"], comments: C_LIKE, metavar: 'µ',
        contexts: C_CONTEXTS, grammar: tree_sitter_cpp::LANGUAGE),
    language!("c-sharp", aliases: ["csharp", "cs", "c#"], ext: ["cs"], files: [],
        ids: ["csharp"], comments: C_LIKE, metavar: 'µ',
        contexts: [("", ""), ("class Praxis { void Praxis() {\n", ";\n} }")],
        grammar: tree_sitter_c_sharp::LANGUAGE),
    language!("ruby", aliases: ["rb"], ext: ["rb", "rake", "gemspec", "ru"],
        files: ["Rakefile", "Gemfile"], ids: ["ruby"],
        comments: CommentSyntax { line: Some("#"), block: Some(("=begin", "=end")) },
        metavar: 'µ', contexts: [("", "")], grammar: tree_sitter_ruby::LANGUAGE),
    language!("php", aliases: [], ext: ["php", "phtml"], files: [], ids: ["php"],
        comments: CommentSyntax { line: Some("//"), block: Some(("/*", "*/")) },
        metavar: 'µ', contexts: [("<?php\n", ";"), ("<?php\n", "")],
        grammar: tree_sitter_php::LANGUAGE_PHP),
    language!("swift", aliases: [], ext: ["swift"], files: [], ids: ["swift"],
        comments: C_LIKE, metavar: 'µ', contexts: [("", "")],
        grammar: tree_sitter_swift::LANGUAGE),
    language!("scala", aliases: [], ext: ["scala", "sc", "sbt"], files: [], ids: ["scala"],
        comments: C_LIKE, metavar: '$', contexts: [("", "")],
        grammar: tree_sitter_scala::LANGUAGE),
    language!("bash", aliases: ["sh", "shell", "zsh"], ext: ["sh", "bash", "zsh"],
        files: [".bashrc", ".bash_profile", ".zshrc"], ids: ["shellscript", "bash", "sh"],
        comments: HASH, metavar: 'µ', contexts: [("", "")],
        grammar: tree_sitter_bash::LANGUAGE),
    language!("html", aliases: ["htm"], ext: ["html", "htm", "xhtml"], files: [],
        ids: ["html"], comments: CommentSyntax { line: None, block: Some(("<!--", "-->")) },
        metavar: 'z', contexts: [("", "")], grammar: tree_sitter_html::LANGUAGE),
    language!("css", aliases: [], ext: ["css"], files: [], ids: ["css"],
        comments: CommentSyntax { line: None, block: Some(("/*", "*/")) }, metavar: '_',
        contexts: [("", ""), ("_ {\n", "\n}")], grammar: tree_sitter_css::LANGUAGE),
    language!("json", aliases: ["jsonc"], ext: ["json", "jsonc"], files: [],
        ids: ["json", "jsonc"], comments: C_LIKE, metavar: '$', contexts: [("", "")],
        grammar: tree_sitter_json::LANGUAGE),
    language!("yaml", aliases: ["yml"], ext: ["yaml", "yml"], files: [], ids: ["yaml"],
        comments: HASH, metavar: '$', contexts: [("", "")],
        grammar: tree_sitter_yaml::LANGUAGE),
];

/// Every language that practices and files can name, in display order.
pub fn all() -> impl Iterator<Item = &'static Language> {
    LANGUAGES.iter()
}

/// The language called `name` or one of its aliases, ignoring ASCII case.
pub fn by_name(name: &str) -> Option<&'static Language> {
    all().find(|lang| lang.is_named(name))
}

/// The language an editor means by `language_id`.
pub fn by_language_id(language_id: &str) -> Option<&'static Language> {
    all().find(|lang| lang.language_ids.contains(&language_id))
}

/// The language of a file, by its name or extension.
pub fn by_path(path: &Path) -> Option<&'static Language> {
    let file_name = path.file_name()?.to_str()?;
    if let Some(lang) = all().find(|lang| lang.file_names.contains(&file_name)) {
        return Some(lang);
    }
    let extension = path.extension()?.to_str()?;
    all().find(|lang| lang.extensions.iter().any(|ext| ext.eq_ignore_ascii_case(extension)))
}
