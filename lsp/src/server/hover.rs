//! Hover on a finding: the practice's name, why it matters, and a good example.

use praxis_engine::PracticeDoc;
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use super::convert::Positions;
use super::documents::{Content, Slot};
use super::state::State;

pub fn hover(state: &State, slot: &Slot, position: Position) -> Option<Hover> {
    let encoding = state.config().encoding;
    let open = slot.open();
    let Content::Source(source) = &open.content else { return None };
    let positions = Positions::of(&source.doc, encoding);
    let offset = positions.offset(position);
    let finding = source
        .published
        .iter()
        .find(|finding| finding.range.start <= offset && offset < finding.range.end.max(finding.range.start + 1))?;
    let range = positions.range(&finding.range);
    let id = finding.practice.to_string();
    let message = finding.message.clone();
    let key = source.project.clone()?;
    drop(open);
    let project = state.project(&key)?;
    let practice = project.set().get(&id);
    let markdown = !state.config().plain_hover;
    let text = match practice {
        Some(practice) => describe(&practice.doc, &message, markdown),
        None if markdown => format!("**{id}**\n\n{message}\n"),
        None => format!("{id}\n\n{message}\n"),
    };
    let kind = if markdown { MarkupKind::Markdown } else { MarkupKind::PlainText };
    Some(Hover { contents: HoverContents::Markup(MarkupContent { kind, value: text }), range: Some(range) })
}

/// The practice behind a finding: its name and id, the finding's message when it says more,
/// the description, the first good example and the link; as Markdown, or as plain text for
/// clients that show no Markdown.
fn describe(doc: &PracticeDoc, message: &str, markdown: bool) -> String {
    let mut text =
        if markdown { format!("**{}** `{}`\n\n", doc.name, doc.id) } else { format!("{} ({})\n\n", doc.name, doc.id) };
    if message != doc.name {
        text.push_str(&format!("{message}\n\n"));
    }
    if !doc.description.is_empty() {
        text.push_str(doc.description.trim_end());
        text.push_str("\n\n");
    }
    let default_language = doc.languages.first().map_or("", String::as_str);
    if let Some(good) = doc.examples.good.first() {
        let code = good.code.trim_end();
        if markdown {
            let language = good.language.as_deref().unwrap_or(default_language);
            text.push_str(&format!("Good:\n\n```{language}\n{code}\n```\n"));
        } else {
            let indented: Vec<String> = code.lines().map(|line| format!("    {line}")).collect();
            text.push_str(&format!("Good:\n\n{}\n", indented.join("\n")));
        }
    }
    if let Some(url) = &doc.url {
        text.push_str(&if markdown { format!("\n[More]({url})\n") } else { format!("\nMore: {url}\n") });
    }
    text
}
