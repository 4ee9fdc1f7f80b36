//! `praxis.draftPractice`: a practice drafted with an LLM from the selection (its bad example)
//! and a description, validated by the engine, written into the project's practice folder and
//! shown when it passes. The description comes with the command (the VS Code extension asks for
//! it), or from a comment right above the selection that starts with `praxis:`. The model is
//! the provider `[llm]` configures when its key is at hand, else the followed space's server.
//! Only the description and the selected code leave: no other code, file name or path.
//!
//! A draft that does not pass is written nowhere (as on the command line): the user is told
//! what the last attempt got wrong. Drafting waits on the network for minutes: it runs on a task
//! of its own, with `$/progress` when the client shows it; each answer is judged on a blocking
//! thread.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use praxis_assist::{ChatClient, Conversation, DEFAULT_ATTEMPTS, Draft, DraftRequest, LlmSettings, Snippet};
use praxis_engine::Practice;
use praxis_grammars::CommentSyntax;
use praxis_sync::remote::Binding;
use serde::Deserialize;
use tower_lsp_server::ls_types::request::WorkDoneProgressCreate;
use tower_lsp_server::ls_types::{
    MessageType, NumberOrString, Range, ShowDocumentParams, Uri, WorkDoneProgressCreateParams,
};
use tower_lsp_server::{NotCancellable, OngoingProgress, Unbounded};

use super::Shared;
use super::convert::Positions;
use super::documents::{Content, Slot};
use super::state::State;
use crate::remote::Follow;

/// The arguments of `praxis.draftPractice`.
#[derive(Debug, Deserialize)]
pub struct DraftArgs {
    pub uri: Uri,
    pub range: Range,
    /// `bad`: the selection is code the practice must flag (a draft needs one).
    pub kind: String,
    /// What is wrong and what to do instead; else read from the comment above the selection.
    pub describe: Option<String>,
}

/// Who drafts for a project.
#[derive(Debug, Clone)]
pub enum Via {
    /// The provider `[llm]` configures; its key was at hand when this was decided.
    Provider(LlmSettings),
    /// The followed space's server, with the provider its admins set.
    Server(Binding),
}

impl Via {
    /// For the project at `root`: the provider its `[llm]` (or the user's) names when the key
    /// is at hand (`PRAXIS_LLM_KEY` or the OS keyring), else the server it follows. Reads the
    /// config files and maybe the keyring: on a blocking thread, once per project load.
    pub fn find(root: &Path, follow: Option<&Follow>) -> Option<Via> {
        if let Ok(settings) = crate::provider::settings_at(root)
            && crate::provider::key(&settings).is_ok()
        {
            return Some(Via::Provider(settings));
        }
        follow.map(|follow| Via::Server(follow.binding.clone()))
    }
}

/// A draft ready to ask for.
pub struct Job {
    request: DraftRequest,
    via: Via,
    /// The practice folder it is written into when it passes.
    dir: PathBuf,
}

/// How to give a description, for editors that do not ask for one.
const HOW_TO_DESCRIBE: &str = "Praxis: to draft a practice, say what is wrong and what to do instead in a comment \
     right above the selection, starting with `praxis:` (for example `# praxis: log through the logger, not print`), \
     then run the action again";

/// Reads what the draft needs from the document: the selection, its language, the description.
/// `Err` is a sentence for the user.
pub fn prepare(state: &State, slot: &Slot, args: &DraftArgs) -> Result<Job, String> {
    if args.kind != "bad" {
        return Err("Praxis: a draft starts from code the practice must flag: select bad code".into());
    }
    let open = slot.open();
    let Content::Source(source) = &open.content else {
        return Err("Praxis: the document is not in a language Praxis checks".into());
    };
    let text = source.doc.text();
    let language = source.doc.language();
    let selection = Positions::new(text, state.config().encoding).byte_range(args.range);
    let code = text[selection.clone()].trim();
    if code.is_empty() {
        return Err("Praxis: the selection is empty".into());
    }
    let describe = match args.describe.as_deref().map(str::trim).filter(|describe| !describe.is_empty()) {
        Some(describe) => describe.to_owned(),
        None => description_above(text, selection.start, &language.comments).ok_or(HOW_TO_DESCRIBE)?,
    };
    let snippet = Snippet { code: format!("{code}\n"), language: language.name.to_owned() };
    let key = source.project.clone();
    drop(open);
    let project = key.as_ref().and_then(|key| Some((key, state.project(key)?)));
    let via = project.as_ref().and_then(|(key, project)| project.drafting(key).cloned()).ok_or(NOT_CONFIGURED)?;
    let dir = super::create::practice_dir(state, slot.path.as_deref()).map_err(|err| format!("Praxis: {err:#}"))?;
    Ok(Job { request: DraftRequest { describe, bad: vec![snippet], good: Vec::new(), id: None }, via, dir })
}

const NOT_CONFIGURED: &str = "Praxis: no LLM to draft with: set [llm] in .praxis/config.toml and its key \
                              (PRAXIS_LLM_KEY or `praxis llm login`), or follow a team server (see docs/drafting.md)";

/// The description in the comment lines right above the line `start` is on: from the line that
/// starts with `praxis:` down to the selection. `None` when there is no such comment.
pub fn description_above(text: &str, start: usize, comments: &CommentSyntax) -> Option<String> {
    let line_start = text[..start].rfind('\n').map_or(0, |newline| newline + 1);
    let mut block = Vec::new();
    for line in text[..line_start].lines().rev() {
        match comment_text(line.trim(), comments) {
            Some(body) => block.push(body),
            None => break,
        }
    }
    block.reverse();
    let first = block.iter().rposition(|line| line.starts_with("praxis:"))?;
    let mut parts = block[first..].to_vec();
    parts[0] = parts[0].trim_start_matches("praxis:").trim();
    let description = parts.iter().filter(|part| !part.is_empty()).copied().collect::<Vec<_>>().join(" ");
    (!description.is_empty()).then_some(description)
}

/// The text of a line that is a comment alone: `// text`, `# text`, `/* text */`.
fn comment_text<'a>(line: &'a str, comments: &CommentSyntax) -> Option<&'a str> {
    if let Some(opener) = comments.line
        && let Some(rest) = line.strip_prefix(opener)
    {
        // `///` and `##` are comments too.
        let marker = opener.chars().last().unwrap_or(' ');
        return Some(rest.trim_start_matches(marker).trim());
    }
    let (open, close) = comments.block?;
    Some(line.strip_prefix(open)?.strip_suffix(close)?.trim_start_matches('*').trim())
}

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// Drafts, then writes and shows the practice, or says why not. Runs on a task of its own.
pub async fn run(shared: Shared, job: Job, progress: bool) {
    let Job { request, via, dir } = job;
    let progress = if progress { begin_progress(&shared).await } else { None };
    let drafted = match &via {
        Via::Provider(settings) => with_provider(&shared, settings.clone(), request, progress.as_ref()).await,
        Via::Server(binding) => with_server(&shared, binding.clone(), request, progress.as_ref()).await,
    };
    if let Some(progress) = progress {
        progress.finish().await;
    }
    let (kind, message) = match drafted {
        Err(line) => (MessageType::ERROR, format!("Praxis: no draft: {line}")),
        Ok(draft) if !draft.passed => (MessageType::WARNING, failed(&draft)),
        Ok(draft) => {
            let attempts = draft.attempts.len();
            let tokens = draft.tokens;
            let written = shared.blocking("writing a draft", move |_| write(&dir, &draft.yaml)).await;
            match written {
                Some(Ok((path, id))) => {
                    if let Some(uri) = Uri::from_file_path(&path) {
                        let show =
                            ShowDocumentParams { uri, external: Some(false), take_focus: Some(true), selection: None };
                        if let Err(err) = shared.client.show_document(show).await {
                            tracing::debug!("client did not show the drafted practice: {err}");
                        }
                    }
                    shared.reload();
                    let attempts = crate::report::plural(attempts, "attempt", "attempts");
                    let message = format!(
                        "Praxis: drafted practice `{id}` in {attempts} ({} tokens sent, {} received); its examples pass",
                        tokens.sent, tokens.received
                    );
                    (MessageType::INFO, message)
                }
                Some(Err(err)) => {
                    (MessageType::ERROR, format!("Praxis: the draft passed but was not written: {err:#}"))
                }
                None => (MessageType::ERROR, "Praxis: the draft passed but was not written".into()),
            }
        }
    };
    shared.client.show_message(kind, message).await;
}

/// The loop with the configured provider: asked here, each answer judged on a blocking thread.
async fn with_provider(
    shared: &Shared,
    settings: LlmSettings,
    request: DraftRequest,
    progress: Option<&OngoingProgress<Unbounded, NotCancellable>>,
) -> Result<Draft, String> {
    let started = shared
        .blocking("starting a draft", move |_| -> anyhow::Result<(ChatClient, Conversation)> {
            let key = crate::provider::key(&settings)?;
            let client = ChatClient::new(&settings, key)?;
            Ok((client, Conversation::new(&request, DEFAULT_ATTEMPTS)?))
        })
        .await
        .ok_or("the draft was interrupted")?;
    let (client, mut conversation) = started.map_err(|err| format!("{err:#}"))?;
    let mut attempt = 1;
    while let Some(messages) = conversation.next_messages() {
        if let Some(progress) = progress {
            progress.report(format!("asking {} (attempt {attempt})", client.endpoint().model)).await;
        }
        let completion = client.complete(messages).await.map_err(|err| err.to_string())?;
        conversation = shared
            .blocking("judging a draft", move |_| {
                conversation.answer(completion);
                conversation
            })
            .await
            .ok_or("the draft was interrupted")?;
        attempt += 1;
    }
    Ok(conversation.finish())
}

/// The followed space's server drafts.
async fn with_server(
    shared: &Shared,
    binding: Binding,
    request: DraftRequest,
    progress: Option<&OngoingProgress<Unbounded, NotCancellable>>,
) -> Result<Draft, String> {
    if let Some(progress) = progress {
        progress.report(format!("asking {binding}")).await;
    }
    let tokens =
        shared.state.following().pull_parts().map(|(tokens, _)| tokens).ok_or("no user folders to find a token in")?;
    let for_client = binding.clone();
    let client = tokio::task::spawn_blocking(move || for_client.client(&tokens))
        .await
        .map_err(|err| err.to_string())?
        .map_err(|err| err.to_string())?;
    let answer = client.draft(&binding.space, &request).await.map_err(|err| err.to_string())?;
    let praxis_assist::DraftAnswer { practice, passed, attempts, tokens } = answer;
    Ok(Draft { yaml: practice, passed, attempts, tokens })
}

/// What a draft that did not pass got wrong, in its last attempt.
fn failed(draft: &Draft) -> String {
    let count = crate::report::plural(draft.attempts.len(), "attempt", "attempts");
    let errors = draft.attempts.last().map(|attempt| attempt.errors.as_slice()).unwrap_or_default();
    let shown: Vec<&str> = errors.iter().take(5).map(String::as_str).collect();
    let more =
        if errors.len() > shown.len() { format!(" (and {} more)", errors.len() - shown.len()) } else { String::new() };
    format!(
        "Praxis: no draft passed its examples in {count}; nothing was written. The last one: {}{more}. Describe the \
         practice more precisely, or run `praxis practice draft` to see the last draft",
        shown.join("; ")
    )
}

/// Writes a passing practice into `dir` as `<id>.yaml`, with an id no file there has yet.
fn write(dir: &Path, yaml: &str) -> anyhow::Result<(PathBuf, String)> {
    let practice =
        Practice::from_yaml(yaml, None).map_err(|_| anyhow::anyhow!("the passing practice does not read back"))?;
    let mut doc = practice.doc;
    let id = super::create::unique_id(dir, &doc.id);
    let yaml = if id == doc.id {
        yaml.to_owned()
    } else {
        doc.id = id.clone();
        serde_yaml_ng::to_string(&doc).context("cannot write the practice as YAML")?
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{id}.yaml"));
    std::fs::write(&path, yaml).with_context(|| format!("cannot write {}", path.display()))?;
    Ok((path, id))
}

async fn begin_progress(shared: &Shared) -> Option<OngoingProgress<Unbounded, NotCancellable>> {
    let token = NumberOrString::String(format!("praxis-draft-{}", NEXT_TOKEN.fetch_add(1, Ordering::Relaxed)));
    let params = WorkDoneProgressCreateParams { token: token.clone() };
    if let Err(err) = shared.client.send_request::<WorkDoneProgressCreate>(params).await {
        tracing::debug!("client refused a progress token: {err}");
        return None;
    }
    Some(shared.client.progress(token, "Praxis: drafting a practice").begin().await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn above(language: &str, text: &str) -> Option<String> {
        let start = text.find("SELECTED").unwrap();
        description_above(text, start, &praxis_grammars::by_name(language).unwrap().comments)
    }

    #[test]
    fn the_description_is_the_praxis_comment_right_above() {
        assert_eq!(
            above("python", "x = 1\n# praxis: log through the logger,\n#   not print\nSELECTED\n").as_deref(),
            Some("log through the logger, not print")
        );
        assert_eq!(
            above("typescript", "  // unrelated\n  // praxis: use logger.info\n  SELECTED").as_deref(),
            Some("use logger.info")
        );
        assert_eq!(above("c", "/* praxis: no gets */\nSELECTED").as_deref(), Some("no gets"));
        assert_eq!(above("rust", "/// praxis: no unwrap\nlet a = SELECTED").as_deref(), Some("no unwrap"));
        // No `praxis:` comment, a blank line between, or an empty description: none.
        assert_eq!(above("python", "# a comment\nSELECTED"), None);
        assert_eq!(above("python", "# praxis: far away\n\nSELECTED"), None);
        assert_eq!(above("python", "# praxis:\nSELECTED"), None);
        assert_eq!(above("python", "SELECTED"), None);
        assert_eq!(above("python", "print(1)  # praxis: not a comment line\nSELECTED"), None);
    }
}
