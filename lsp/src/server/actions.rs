//! Code actions: apply a practice's fix, suppress it on this line, start a practice from the
//! selection, or draft one from it with an LLM (when one is configured or a server followed).

use std::collections::HashMap;

use praxis_engine::UNUSED_IGNORE;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Command, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::convert::Positions;
use super::documents::{Content, Slot};
use super::state::State;
use super::{COMMAND_CREATE_PRACTICE, COMMAND_DRAFT_PRACTICE, COMMAND_FIX_APPLIED};

pub fn code_actions(state: &State, slot: &Slot, uri: &Uri, range: Range) -> Vec<CodeActionOrCommand> {
    let encoding = state.config().encoding;
    let open = slot.open();
    let Content::Source(source) = &open.content else { return Vec::new() };
    let text = source.doc.text();
    let positions = Positions::of(&source.doc, encoding);
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
    let selected = !text[wanted.clone()].trim().is_empty();
    let project = source.project.clone();
    drop(open);
    if selected {
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
        let drafting = project.and_then(|key| state.project(&key)?.drafting(&key).map(drop));
        if drafting.is_some() {
            let title = "Draft practice from selection with AI";
            let arguments = serde_json::json!({"uri": uri, "range": range, "kind": "bad"});
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: title.into(),
                kind: Some(CodeActionKind::REFACTOR),
                command: Some(Command {
                    title: title.into(),
                    command: COMMAND_DRAFT_PRACTICE.into(),
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
pub fn fix_applied(state: &State, slot: &Slot, args: &FixApplied) {
    let (language, key) = {
        let open = slot.open();
        let Content::Source(source) = &open.content else { return };
        (source.doc.language(), source.project.clone())
    };
    let Some(key) = key else { return };
    let Some(project) = state.project(&key) else { return };
    let Some(follow) = &project.follow else { return };
    if let Some(tally) = state.following().tally(&follow.binding) {
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
