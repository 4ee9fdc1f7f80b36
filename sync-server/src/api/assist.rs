//! A space's LLM integration (`/spaces/{space}/integrations/llm`: admins set, read and remove
//! it; the key is sealed and never answered) and drafting a practice through it
//! (`/spaces/{space}/assist/draft`: members). The server runs `praxis-assist`'s loop: the
//! provider is asked on the async runtime, each answer is judged by the engine on a blocking
//! thread. Nothing of a request or an answer is stored or logged: only the tokens spent, per
//! space and UTC day, which `GET …/stats` shows.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use praxis_assist::{ApiKey, AssistError, ChatClient, Conversation, DEFAULT_ATTEMPTS, Endpoint};
use praxis_sync::wire::{DraftAnswer, DraftRequest, LlmSettings, PutLlmSettings};
use tracing::Instrument as _;

use super::{ApiError, ApiResult, AppState, Auth, Body, PathParams};
use crate::store::{LlmIntegration, SpaceId, Store};

/// The most drafts that run at once for one space; more get 429. A draft holds a provider
/// connection and a blocking thread now and then for up to minutes: a member who loops must
/// not take the server, or the space's provider quota, for themselves.
pub const MAX_DRAFTS_PER_SPACE: usize = 2;
/// The largest body of `POST …/assist/draft`: the description and snippets are at most 64 KiB
/// (`praxis_assist::prompt::MAX_INPUT`), and JSON escapes may double that.
pub const DRAFT_BODY_LIMIT: usize = 256 * 1024;
/// The longest key, model, deployment or API version taken.
const MAX_FIELD: usize = 4096;

/// Set to `1`, the server takes providers on its own machine (plain `http://` to loopback). Off
/// by default: a space admin, who need not run the server, could otherwise have it post to any
/// service listening on its loopback.
pub const ALLOW_LOCAL_LLM: &str = "PRAXIS_SERVER_ALLOW_LOCAL_LLM";

/// Whether [`ALLOW_LOCAL_LLM`] is set to `1`.
fn local_allowed() -> bool {
    std::env::var(ALLOW_LOCAL_LLM).is_ok_and(|value| value.trim() == "1")
}

/// What a member reads when the space has no integration.
const NO_INTEGRATION: &str = "this space has no LLM integration: a space admin sets one with PUT \
                              /api/v1/spaces/{space}/integrations/llm (see docs/drafting.md)";

/// A running draft's place in its space's count; freed when the draft ends.
pub struct DraftSlot<S: Store> {
    state: Arc<AppState<S>>,
    space: SpaceId,
}

impl<S: Store> Drop for DraftSlot<S> {
    fn drop(&mut self) {
        let mut drafts = self.state.drafts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = drafts.get_mut(&self.space) {
            *count -= 1;
            if *count == 0 {
                drafts.remove(&self.space);
            }
        }
    }
}

impl<S: Store> AppState<S> {
    /// A place for one more draft in `space`, unless [`MAX_DRAFTS_PER_SPACE`] run.
    fn draft_slot(self: &Arc<Self>, space: SpaceId) -> ApiResult<DraftSlot<S>> {
        let mut drafts = self.drafts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = drafts.entry(space).or_default();
        if *count >= MAX_DRAFTS_PER_SPACE {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("at most {MAX_DRAFTS_PER_SPACE} drafts run at once in a space; try again when one is done"),
            ));
        }
        *count += 1;
        Ok(DraftSlot { state: self.clone(), space })
    }
}

/// Checks settings an admin gives: the URL under the transport rule (loopback only when
/// `local` allows it), a model, fields of sane length. The answer is what `praxis-assist` says,
/// which names no key.
fn check_settings(settings: &LlmSettings, local: bool) -> ApiResult<()> {
    let LlmSettings { provider: _, base_url, model, deployment, api_version } = settings;
    for (name, value) in
        [("model", Some(model)), ("deployment", deployment.as_ref()), ("api_version", api_version.as_ref())]
    {
        if let Some(value) = value
            && (value.len() > MAX_FIELD || value.trim().is_empty() || value.chars().any(char::is_control))
        {
            return Err(ApiError::unprocessable(format!("{name} must be 1 to {MAX_FIELD} printable characters")));
        }
    }
    if base_url.len() > MAX_FIELD {
        return Err(ApiError::unprocessable(format!("base_url is longer than {MAX_FIELD} characters")));
    }
    let endpoint = Endpoint::new(settings).map_err(|err| ApiError::unprocessable(err.to_string()))?;
    if !local && praxis_assist::is_loopback(&endpoint.url) {
        return Err(ApiError::unprocessable(format!(
            "base_url is on the server's own machine; its operator allows that with {ALLOW_LOCAL_LLM}=1"
        )));
    }
    Ok(())
}

/// A key as an admin gives it: visible ASCII, what an HTTP header can carry.
fn check_key(key: &str) -> ApiResult<ApiKey> {
    let key = ApiKey::new(key).ok_or_else(|| ApiError::unprocessable("key is empty"))?;
    let text = key.expose();
    if text.len() > MAX_FIELD || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::unprocessable(format!(
            "key must be at most {MAX_FIELD} visible ASCII characters (it is sent in a header)"
        )));
    }
    Ok(key)
}

pub async fn put_llm<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams(space): PathParams<String>,
    Body(put): Body<PutLlmSettings>,
) -> ApiResult<Json<LlmSettings>> {
    let space = state.admin(&space, &user).await?;
    let mut settings = put.settings();
    settings.base_url = settings.base_url.trim().to_owned();
    check_settings(&settings, local_allowed())?;
    let key = check_key(&put.key)?;
    let integration = LlmIntegration { settings: settings.clone(), key: key.expose().to_owned() };
    state.blocking(move |store| store.put_llm(space, &integration)).await?;
    Ok(Json(settings))
}

/// The settings, never the key. Admins only: members need nothing of it to draft (a draft
/// without an integration says so), and a base URL or deployment name can tell of a team's
/// infrastructure.
pub async fn get_llm<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams(space): PathParams<String>,
) -> ApiResult<Json<LlmSettings>> {
    let space = state.admin(&space, &user).await?;
    let integration = state.blocking(move |store| store.llm(space)).await?;
    integration.map(|integration| Json(integration.settings)).ok_or_else(|| ApiError::not_found("LLM integration"))
}

pub async fn delete_llm<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams(space): PathParams<String>,
) -> ApiResult<StatusCode> {
    let space = state.admin(&space, &user).await?;
    state.blocking(move |store| store.delete_llm(space)).await.map_err(|err| match err.status {
        StatusCode::NOT_FOUND => ApiError::not_found("LLM integration"),
        _ => err,
    })?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn draft<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams(space): PathParams<String>,
    Body(request): Body<DraftRequest>,
) -> ApiResult<Json<DraftAnswer>> {
    let (space, _) = state.member(&space, &user).await?;
    let size = request.describe.len()
        + request.bad.iter().chain(&request.good).map(|snippet| snippet.code.len()).sum::<usize>();
    if size > praxis_assist::prompt::MAX_INPUT {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the description and snippets are at most {} KiB", praxis_assist::prompt::MAX_INPUT / 1024),
        ));
    }
    let integration = state.blocking(move |store| store.llm(space)).await?;
    let integration = integration.ok_or_else(|| ApiError::new(StatusCode::CONFLICT, NO_INTEGRATION))?;
    // Settings stored while local providers were allowed are refused once they are not.
    check_settings(&integration.settings, local_allowed())
        .map_err(|err| ApiError::new(StatusCode::CONFLICT, err.message))?;
    let slot = state.draft_slot(space)?;
    // Reading the snippets' node kinds parses them: engine work, off the async workers.
    let conversation = tokio::task::spawn_blocking(move || Conversation::new(&request, DEFAULT_ATTEMPTS))
        .await
        .map_err(|_| interrupted())?
        .map_err(|err| ApiError::unprocessable(err.to_string()))?;
    let key = ApiKey::new(&integration.key).ok_or_else(|| provider_error("the stored key is empty".into()))?;
    let client = ChatClient::new(&integration.settings, key).map_err(|err| provider_error(err.to_string()))?;
    // The loop runs as a task of its own: a member who hangs up does not stop it half way, so
    // the tokens the provider already counted are always recorded.
    let task = tokio::spawn(run_draft(state.clone(), slot, client, conversation).in_current_span());
    let (answer, failure) = task.await.map_err(|_| interrupted())?;
    match failure {
        Some(err) => Err(provider_error(hide_url(&err.to_string(), &integration.settings))),
        None => Ok(Json(answer)),
    }
}

/// Asks and judges until an answer passes or the attempts are spent, then records the tokens;
/// a provider error ends it, with what was spent so far recorded too.
async fn run_draft<S: Store>(
    state: Arc<AppState<S>>,
    slot: DraftSlot<S>,
    client: ChatClient,
    mut conversation: Conversation,
) -> (DraftAnswer, Option<AssistError>) {
    let mut failure = None;
    while let Some(messages) = conversation.next_messages() {
        let messages = messages.to_vec();
        match client.complete(&messages).await {
            Ok(completion) => {
                // Judging runs the engine on the answer's rule and the snippets.
                let judged = tokio::task::spawn_blocking(move || {
                    conversation.answer(completion);
                    conversation
                })
                .await;
                match judged {
                    Ok(judged) => conversation = judged,
                    Err(_) => {
                        failure = Some(AssistError::Provider("the draft was interrupted".into()));
                        return (empty_answer(), failure);
                    }
                }
            }
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
    }
    let tokens = conversation.tokens();
    if tokens.sent > 0 || tokens.received > 0 {
        let space = slot.space;
        let recorded = state.blocking(move |store| store.add_llm_usage(space, tokens.sent, tokens.received)).await;
        if recorded.is_err() {
            tracing::warn!("the tokens of a draft could not be recorded");
        }
    }
    drop(slot);
    (conversation.finish().into(), failure)
}

fn empty_answer() -> DraftAnswer {
    DraftAnswer { practice: String::new(), passed: false, attempts: Vec::new(), tokens: Default::default() }
}

fn interrupted() -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the draft was interrupted")
}

/// 502 with the provider's one line (the client scrubbed the key from it).
fn provider_error(line: String) -> ApiError {
    // The line is about the provider, not the request: no prompt text is in it. It is not
    // logged all the same: a provider's reason is text the server does not control.
    tracing::info!("a draft failed at the LLM provider");
    ApiError::new(StatusCode::BAD_GATEWAY, line)
}

/// The provider's URL is the admin's business: a member reads "the space's LLM provider".
fn hide_url(line: &str, settings: &LlmSettings) -> String {
    match Endpoint::new(settings) {
        Ok(endpoint) => line.replace(&format!("POST {}", endpoint.url), "the space's LLM provider"),
        Err(_) => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use praxis_sync::wire::LlmProvider;

    fn settings(base_url: &str) -> LlmSettings {
        LlmSettings {
            provider: LlmProvider::Openai,
            base_url: base_url.into(),
            model: "gpt-4o".into(),
            deployment: None,
            api_version: None,
        }
    }

    #[test]
    fn settings_follow_the_transport_rule() {
        assert!(check_settings(&settings("https://api.openai.com/v1"), false).is_ok());
        assert!(check_settings(&settings("http://127.0.0.1:9/v1"), true).is_ok());
        // The server's own machine only when its operator allows it.
        for local in ["http://127.0.0.1:9/v1", "https://localhost/v1", "http://[::1]:8000/v1"] {
            let err = check_settings(&settings(local), false).unwrap_err();
            assert!(err.message.contains(ALLOW_LOCAL_LLM), "{local}: {}", err.message);
        }
        let err = check_settings(&settings("http://10.0.0.1/v1"), true).unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(err.message.contains("plain http://"), "{}", err.message);
        let mut blank = settings("https://x.example.com");
        blank.model = " ".into();
        assert!(check_settings(&blank, true).is_err());
    }

    #[test]
    fn keys_are_header_safe() {
        assert!(check_key(" sk-abc ").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("sk abc").is_err());
        assert!(check_key("sk-\u{e9}").is_err());
    }

    /// A member who loops cannot hold more than two drafts of a space; others go on.
    #[test]
    fn drafts_per_space_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::sqlite::SqliteStore::open(dir.path(), crate::crypto::MasterKey::from_bytes([1; 32]));
        let state = AppState::new(Arc::new(store.unwrap()));
        let first = state.draft_slot(1).unwrap();
        let _second = state.draft_slot(1).unwrap();
        assert_eq!(state.draft_slot(1).err().map(|err| err.status), Some(StatusCode::TOO_MANY_REQUESTS));
        assert!(state.draft_slot(2).is_ok(), "another space is not held up");
        drop(first);
        assert!(state.draft_slot(1).is_ok(), "a finished draft frees its place");
    }

    #[test]
    fn members_read_no_url() {
        let settings = settings("https://team.example.com/v1");
        let line = "llm: POST https://team.example.com/v1/chat/completions answered 401 Unauthorized: bad key";
        assert_eq!(hide_url(line, &settings), "llm: the space's LLM provider answered 401 Unauthorized: bad key");
    }
}
