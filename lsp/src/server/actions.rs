//! Code actions: apply a practice's fix, suppress it on this line, or start a practice from
//! the selection.

use std::collections::HashMap;

use praxis_engine::UNUSED_IGNORE;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Command, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::convert::Positions;
use super::state::{Content, State};
use super::{COMMAND_CREATE_PRACTICE, COMMAND_FIX_APPLIED};

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
            // The client runs the command after it applied the edit: that is how a fix is counted.
            let applied = serde_json::json!({"uri": uri, "practice": &*finding.practice});
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Fix `{}`: replace with `{}`", finding.practice, first_line(&fix.replacement)),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(workspace_edit(uri, vec![edit])),
                command: Some(Command {
                    title: "Count the fix".into(),
                    command: COMMAND_FIX_APPLIED.into(),
                    arguments: Some(vec![applied]),
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
        if &*finding.practice == UNUSED_IGNORE {
            continue;
        }
        let Some(fix) = praxis_engine::suppression_edit(&source.doc, finding.range.start, &finding.practice) else {
            continue;
        };
        let edit = TextEdit { range: positions.range(&fix.range), new_text: fix.replacement };
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

/// The arguments of `praxis.fixApplied`.
#[derive(Debug, serde::Deserialize)]
pub struct FixApplied {
    pub uri: Uri,
    pub practice: String,
}

/// Counts a fix the client applied, for the server the document's project follows.
pub fn fix_applied(state: &mut State, args: &FixApplied) {
    let Some(open) = state.documents.get(&args.uri) else { return };
    let Content::Source(source) = &open.content else { return };
    let (language, key) = (source.doc.language(), source.project.clone());
    let Some(key) = key else { return };
    let Some(project) = state.project(&key) else { return };
    let Some(follow) = project.follow.clone() else { return };
    // Borrow the project and the tally together (disjoint fields of the state).
    let (projects, following) = state.projects_and_following();
    let Some(project) = projects.get(&key) else { return };
    if let Some(tally) = following.tally(&follow.binding) {
        crate::usage::count_fix(tally, &project.loaded, &args.practice, language);
    }
}

fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..WorkspaceEdit::default() }
}

fn first_line(text: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    if text.contains('\n') { format!("{first} …") } else { first.to_owned() }
}
