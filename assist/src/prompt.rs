//! What the model is told: a system message with the rule reference, the tree-sitter node
//! kinds of the snippets' languages that occur in the snippets, and the shape of the answer;
//! a user message with the description and the chosen snippets. Nothing else reaches the model:
//! no file name, no path, no other code.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use praxis_engine::Document;
use praxis_grammars::Language;
use praxis_sync::wire::{DraftRequest, Snippet};

use crate::AssistError;
use crate::client::{Message, Role};

/// The rule reference sent with every request: docs/rules.md, condensed.
pub const REFERENCE: &str = include_str!("reference.md");

/// The most bytes of description and snippets together.
pub const MAX_INPUT: usize = 64 * 1024;
/// The most snippets, bad and good together.
pub const MAX_SNIPPETS: usize = 32;

/// A request checked and bounded: every snippet's language known (and named canonically).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub describe: String,
    pub bad: Vec<Snippet>,
    pub good: Vec<Snippet>,
    pub id: Option<String>,
}

/// Checks what a request may hold before any of it is sent.
pub fn check_request(request: &DraftRequest) -> Result<Checked, AssistError> {
    let DraftRequest { describe, bad, good, id } = request;
    if describe.trim().is_empty() {
        return Err(AssistError::Input("describe what is wrong and what to do instead".into()));
    }
    if bad.is_empty() {
        return Err(AssistError::Input("give at least one bad snippet: code the practice must flag".into()));
    }
    if bad.len() + good.len() > MAX_SNIPPETS {
        return Err(AssistError::Input(format!("at most {MAX_SNIPPETS} snippets, bad and good together")));
    }
    let size = describe.len() + bad.iter().chain(good).map(|snippet| snippet.code.len()).sum::<usize>();
    if size > MAX_INPUT {
        return Err(AssistError::Input(format!(
            "the description and snippets are {} KiB; at most {} KiB are sent",
            size.div_ceil(1024),
            MAX_INPUT / 1024
        )));
    }
    let canonical = |kind: &str, snippets: &[Snippet]| -> Result<Vec<Snippet>, AssistError> {
        snippets
            .iter()
            .enumerate()
            .map(|(index, snippet)| {
                if snippet.code.trim().is_empty() {
                    return Err(AssistError::Input(format!("{kind} snippet {} is empty", index + 1)));
                }
                let language = praxis_grammars::by_name(&snippet.language).ok_or_else(|| {
                    AssistError::Input(format!(
                        "{kind} snippet {}: unknown language `{}`; `praxis languages` lists them",
                        index + 1,
                        snippet.language
                    ))
                })?;
                Ok(Snippet { code: snippet.code.clone(), language: language.name.to_owned() })
            })
            .collect()
    };
    if let Some(id) = id
        && !valid_id(id)
    {
        return Err(AssistError::Input(format!(
            "id `{id}` must be kebab-case: lower-case letters and digits joined by `-`"
        )));
    }
    Ok(Checked {
        describe: describe.clone(),
        bad: canonical("bad", bad)?,
        good: canonical("good", good)?,
        id: id.clone(),
    })
}

/// The engine's rule for ids: `[a-z0-9]+(-[a-z0-9]+)*`.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

impl Checked {
    /// The snippets' languages, in the order they first occur.
    pub fn languages(&self) -> Vec<&'static Language> {
        let mut languages: Vec<&'static Language> = Vec::new();
        for snippet in self.bad.iter().chain(&self.good) {
            if let Some(language) = praxis_grammars::by_name(&snippet.language)
                && !languages.contains(&language)
            {
                languages.push(language);
            }
        }
        languages
    }
}

/// The first two messages of the conversation.
pub fn messages(request: &Checked) -> Vec<Message> {
    vec![Message { role: Role::System, content: system(request) }, Message { role: Role::User, content: user(request) }]
}

fn system(request: &Checked) -> String {
    let mut text = String::from(
        "You write Praxis practices: declarative YAML rules, in ast-grep's rule language, that find code a team \
         wants to avoid. Praxis checks your answer with its engine and tells you exactly what went wrong.\n\n",
    );
    text.push_str(REFERENCE);
    text.push_str("\n## Node kinds in the snippets\n\nThe named tree-sitter node kinds that occur in the snippets' parse trees:\n\n");
    for language in request.languages() {
        let kinds = node_kinds(language, request.bad.iter().chain(&request.good));
        let _ = writeln!(text, "- {}: {}", language.name, kinds.into_iter().collect::<Vec<_>>().join(", "));
    }
    let languages: Vec<&str> = request.languages().iter().map(|language| language.name).collect();
    let _ = write!(
        text,
        "\n## Your answer\n\nAnswer with exactly one practice in YAML, in one ```yaml fenced block. Write `id`, \
         `name`, `description`, `severity`, `languages`, `message` and `rule`, and `fix` only when a replacement \
         is safe; `utils` and `constraints` when the rule needs them. Do not write `examples`: Praxis adds the \
         user's snippets as the examples and requires every bad one to be flagged and no good one. `languages` \
         must include {}.",
        languages.join(", ")
    );
    if let Some(id) = &request.id {
        let _ = write!(text, " Use `id: {id}`.");
    }
    text.push('\n');
    text
}

fn user(request: &Checked) -> String {
    let mut text = format!("What is wrong, and what to do instead:\n\n{}\n", request.describe.trim_end());
    for (kind, snippets, must) in [
        ("Bad", &request.bad, "Bad code: the practice must flag each of these."),
        ("Good", &request.good, "Good code: the practice must flag none of these."),
    ] {
        if snippets.is_empty() {
            continue;
        }
        let _ = write!(text, "\n{must}\n");
        for (index, snippet) in snippets.iter().enumerate() {
            let fence = fence_for(&snippet.code);
            let _ = write!(
                text,
                "\n{kind} example {} ({}):\n{fence}{}\n{}\n{fence}\n",
                index + 1,
                snippet.language,
                snippet.language,
                snippet.code.trim_end_matches('\n')
            );
        }
    }
    text
}

/// A fence of backticks longer than any run of backticks in `code`.
fn fence_for(code: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// The named node kinds in the parse trees of `snippets` written in `language`, sorted.
pub fn node_kinds<'s>(
    language: &'static Language,
    snippets: impl Iterator<Item = &'s Snippet>,
) -> BTreeSet<&'static str> {
    let mut kinds = BTreeSet::new();
    for snippet in snippets.filter(|snippet| snippet.language == language.name) {
        let doc = Document::new(language, snippet.code.as_str());
        // Walked with a cursor, not recursion: a snippet can be as deep as its author likes.
        let mut cursor = doc.tree().walk();
        loop {
            let node = cursor.node();
            if node.is_named()
                && let Some(kind) = language.tree_sitter().node_kind_for_id(node.kind_id())
            {
                kinds.insert(kind);
            }
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            let mut done = true;
            while cursor.goto_parent() {
                if cursor.goto_next_sibling() {
                    done = false;
                    break;
                }
            }
            if done {
                break;
            }
        }
    }
    kinds
}

/// The message that sends an attempt's errors back.
pub fn feedback(errors: &[String]) -> Message {
    let mut text = String::from("Praxis checked that practice, and it is not right yet:\n\n");
    for error in errors {
        let _ = writeln!(text, "- {error}");
    }
    text.push_str("\nAnswer with the whole corrected practice, in one ```yaml fenced block.\n");
    Message { role: Role::User, content: text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet(code: &str, language: &str) -> Snippet {
        Snippet { code: code.into(), language: language.into() }
    }

    fn request() -> DraftRequest {
        DraftRequest {
            describe: "Do not print; use the logger.".into(),
            bad: vec![snippet("print(\"total\", total)\n", "py")],
            good: vec![snippet("log.info(\"total %s\", total)\n", "python")],
            id: Some("no-print".into()),
        }
    }

    #[test]
    fn the_prompt_holds_the_description_the_snippets_the_reference_and_the_kinds() {
        let checked = check_request(&request()).unwrap();
        assert_eq!(checked.bad[0].language, "python", "aliases are named canonically");
        let messages = messages(&checked);
        assert_eq!(messages.len(), 2);
        let (system, user) = (&messages[0].content, &messages[1].content);
        assert_eq!(messages[0].role, Role::System);
        assert!(system.contains(REFERENCE));
        let kinds = system.lines().find(|line| line.starts_with("- python: ")).unwrap();
        for kind in ["argument_list", "call", "identifier", "module", "string"] {
            assert!(kinds.contains(kind), "{kind} in {kinds}");
        }
        assert!(!kinds.contains(" (,") && !kinds.contains("\"("), "only named kinds: {kinds}");
        assert!(system.contains("Use `id: no-print`."));
        assert!(system.contains("Do not write `examples`"));
        assert_eq!(
            user,
            "What is wrong, and what to do instead:\n\nDo not print; use the logger.\n\n\
             Bad code: the practice must flag each of these.\n\nBad example 1 (python):\n```python\n\
             print(\"total\", total)\n```\n\n\
             Good code: the practice must flag none of these.\n\nGood example 1 (python):\n```python\n\
             log.info(\"total %s\", total)\n```\n"
        );
    }

    /// Every key the engine reads in a practice and in a rule (from the schema derived from its
    /// model, so a new key cannot be forgotten here) is in the reference the model gets.
    #[test]
    fn the_reference_names_every_key_the_engine_accepts() {
        let schema = praxis_engine::schema::practice_schema(praxis_engine::schema::DEFINITIONS);
        let keys = |value: &serde_json::Value| -> Vec<String> {
            value["properties"].as_object().expect("properties").keys().cloned().collect()
        };
        let rule = &schema["definitions"]["Rule"];
        let mut all = keys(&schema);
        all.extend(keys(rule));
        assert!(all.len() > 25 && all.contains(&"nthChild".to_owned()), "{all:?}");
        for key in all {
            assert!(
                REFERENCE.contains(&format!("`{key}`")) || REFERENCE.contains(&format!("{key}:")),
                "`{key}` is not in reference.md"
            );
        }
        for key in ["stopBy", "ofRule", "context", "selector", "position", "reverse"] {
            assert!(REFERENCE.contains(key), "{key}");
        }
    }

    #[test]
    fn fences_outgrow_the_code() {
        assert_eq!(fence_for("x = 1"), "```");
        assert_eq!(fence_for("s = \"```\""), "````");
    }

    #[test]
    fn hostile_or_empty_requests_are_refused() {
        let refused = |change: &dyn Fn(&mut DraftRequest)| {
            let mut request = request();
            change(&mut request);
            check_request(&request).unwrap_err().to_string()
        };
        assert!(refused(&|r| r.describe = " ".into()).contains("describe"));
        assert!(refused(&|r| r.bad.clear()).contains("at least one bad"));
        assert!(refused(&|r| r.bad[0].language = "cobol".into()).contains("unknown language `cobol`"));
        assert!(refused(&|r| r.good[0].code = "\n".into()).contains("good snippet 1 is empty"));
        assert!(refused(&|r| r.describe = "x".repeat(MAX_INPUT)).contains("at most 64 KiB"));
        assert!(refused(&|r| r.bad = vec![snippet("x", "python"); MAX_SNIPPETS + 1]).contains("at most 32"));
        assert!(refused(&|r| r.id = Some("No_Print".into())).contains("kebab-case"));
    }

    #[test]
    fn node_kinds_of_deep_code_without_recursion() {
        let deep = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
        let kinds = node_kinds(praxis_grammars::by_name("python").unwrap(), [snippet(&deep, "python")].iter());
        assert!(kinds.contains("parenthesized_expression") && kinds.contains("integer"), "{kinds:?}");
    }
}
