//! Code actions: apply a practice's fix, suppress it on this line, or start a practice from
//! the selection.

use std::collections::HashMap;

use praxis_engine::UNUSED_IGNORE;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Command, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::COMMAND_CREATE_PRACTICE;
use super::convert::Positions;
use super::state::{Content, State};

pub fn code_actions(state: &mut State, uri: &Uri, range: Range) -> Vec<CodeActionOrCommand> {
    let encoding = state.encoding;
    let Some(open) = state.documents.get(uri) else { return Vec::new() };
    let Content::Source(source) = &open.content else { return Vec::new() };
    let text = source.doc.text();
    let positions = Positions::new(text, encoding);
    let wanted = positions.byte_range(range);
    let mut actions = Vec::new();
    for finding in &source.published {
        let overlaps = finding.range.start <= wanted.end && wanted.start <= finding.range.end;
        if !overlaps {
            continue;
        }
        let diagnostic = super::convert::diagnostic(finding, None, &positions);
        if let Some(fix) = &finding.fix {
            let edit = TextEdit { range: positions.range(&fix.range), new_text: fix.replacement.clone() };
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Fix `{}`: replace with `{}`", finding.practice, first_line(&fix.replacement)),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(workspace_edit(uri, vec![edit])),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
        if &*finding.practice == UNUSED_IGNORE {
            continue;
        }
        let comments = &source.doc.language().comments;
        let (line, line_start) = praxis_engine::LineIndex::new(text).line_of(finding.range.start);
        let indent: String = text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        let body = format!("praxis-ignore: {}", finding.practice);
        let comment = match (comments.line, comments.block) {
            (Some(open), _) => format!("{open} {body}"),
            (None, Some((open, close))) => format!("{open} {body} {close}"),
            (None, None) => continue,
        };
        let at = tower_lsp_server::ls_types::Position::new(line as u32, 0);
        let edit = TextEdit { range: Range::new(at, at), new_text: format!("{indent}{comment}\n") };
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Suppress `{}` on this line", finding.practice),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic]),
            edit: Some(workspace_edit(uri, vec![edit])),
            ..CodeAction::default()
        }));
    }
    if !text[wanted.clone()].trim().is_empty() {
        for (kind, label) in [("bad", "bad"), ("good", "good")] {
            let arguments = serde_json::json!({"uri": uri, "range": range, "kind": kind});
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Create practice from selection ({label} example)"),
                kind: Some(CodeActionKind::REFACTOR),
                command: Some(Command {
                    title: format!("Create practice from selection ({label} example)"),
                    command: COMMAND_CREATE_PRACTICE.into(),
                    arguments: Some(vec![arguments]),
                }),
                ..CodeAction::default()
            }));
        }
    }
    actions
}

fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..WorkspaceEdit::default() }
}

fn first_line(text: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    if text.contains('\n') { format!("{first} …") } else { first.to_owned() }
}
