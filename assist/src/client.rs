//! The chat-completions client: one request a call, on rustls with the system's roots, no
//! redirects, timeouts, retries on 429 and 5xx that honour `Retry-After` within bounds, a
//! bounded answer, and one clear line for anything else. The key travels only in a header
//! marked sensitive and is scrubbed from everything the provider says back.

use std::time::{Duration, SystemTime};

use praxis_sync::http::{BodyError, read_limited, retry_after};
use praxis_sync::wire::{LlmProvider, LlmSettings, Tokens};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

use crate::AssistError;
use crate::endpoint::{ApiKey, Endpoint};

/// How long a request may wait and how often it is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connecting to the provider.
    pub connect_timeout: Duration,
    /// One request, the whole answer read (models take their time).
    pub timeout: Duration,
    /// Further tries after a 429 or a 5xx.
    pub max_retries: u32,
    /// The longest wait before a retry; a provider that asks for more is not waited for.
    pub max_wait: Duration,
    /// The largest answer read, in bytes.
    pub max_answer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(120),
            max_retries: 3,
            max_wait: Duration::from_secs(60),
            max_answer: 1024 * 1024,
        }
    }
}

/// Who wrote a message of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

/// The model's answer and what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    pub tokens: Tokens,
}

/// A client for one provider, with one key.
#[derive(Clone)]
pub struct ChatClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    key: ApiKey,
    limits: Limits,
}

impl std::fmt::Debug for ChatClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatClient").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [Message],
    temperature: f32,
}

#[derive(Deserialize)]
struct ChatResponse {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: AnswerMessage,
}

#[derive(Deserialize)]
struct AnswerMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

impl ChatClient {
    /// A client for the provider `settings` describe, with the default [`Limits`].
    pub fn new(settings: &LlmSettings, key: ApiKey) -> Result<ChatClient, AssistError> {
        ChatClient::with_limits(settings, key, Limits::default())
    }

    pub fn with_limits(settings: &LlmSettings, key: ApiKey, limits: Limits) -> Result<ChatClient, AssistError> {
        let endpoint = Endpoint::new(settings)?;
        // reqwest is built without a default crypto provider; ring is the one the workspace uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("praxis/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(endpoint.url.scheme() == "https")
            .build()
            .map_err(|err| AssistError::Config(format!("cannot set up HTTPS: {err}")))?;
        Ok(ChatClient { http, endpoint, key, limits })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The headers that carry the key, marked sensitive.
    fn auth_headers(&self) -> Result<HeaderMap, AssistError> {
        let (name, value) = match self.endpoint.provider {
            LlmProvider::Openai => (header::AUTHORIZATION, format!("Bearer {}", self.key.expose())),
            LlmProvider::Azure => (HeaderName::from_static("api-key"), self.key.expose().to_owned()),
        };
        let mut value = HeaderValue::from_str(&value)
            .map_err(|_| AssistError::Config("the key holds characters a header cannot carry".into()))?;
        value.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(name, value);
        Ok(headers)
    }

    /// Sends the conversation and returns the model's answer. 429 and 5xx are tried again
    /// after `Retry-After` (or 1, 2, 4… seconds), up to [`Limits::max_retries`] times.
    pub async fn complete(&self, messages: &[Message]) -> Result<Completion, AssistError> {
        let body = serde_json::to_vec(&ChatRequest { model: &self.endpoint.model, messages, temperature: 0.0 })
            .map_err(|err| AssistError::Input(format!("cannot write the request: {err}")))?;
        let headers = self.auth_headers()?;
        let mut retries = 0;
        loop {
            let request = self
                .http
                .post(self.endpoint.url.clone())
                .headers(headers.clone())
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            let response = request.send().await.map_err(|err| self.transport(&err))?;
            let status = response.status();
            let asked = response.headers().get(header::RETRY_AFTER).and_then(|value| value.to_str().ok());
            let wait = asked.and_then(|value| retry_after(value, SystemTime::now()));
            let bytes = self.read_bounded(response).await?;
            if status.is_success() {
                return self.parse_answer(&bytes);
            }
            let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
            if retryable && retries < self.limits.max_retries {
                let wait = wait.unwrap_or(Duration::from_secs(1 << retries.min(5)));
                if wait <= self.limits.max_wait {
                    retries += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(self.refused(status, &bytes, Some(wait)));
            }
            return Err(self.refused(status, &bytes, None));
        }
    }

    /// `POST {url}`, said once for every error line.
    fn request_line(&self) -> String {
        format!("POST {}", self.endpoint.url)
    }

    fn transport(&self, err: &reqwest::Error) -> AssistError {
        let reason = if err.is_timeout() {
            format!("timed out after {} s", self.limits.timeout.as_secs())
        } else if err.is_connect() {
            format!("cannot connect ({})", innermost(err))
        } else {
            innermost(err)
        };
        AssistError::Provider(self.key.scrub(&format!("{} failed: {reason}", self.request_line())))
    }

    /// Reads the answer, refusing one larger than [`Limits::max_answer`].
    async fn read_bounded(&self, response: reqwest::Response) -> Result<Vec<u8>, AssistError> {
        read_limited(response, self.limits.max_answer).await.map_err(|err| match err {
            BodyError::TooLarge => AssistError::Provider(format!(
                "{} answered more than {} KiB; that is no chat completion",
                self.request_line(),
                self.limits.max_answer / 1024
            )),
            BodyError::Transport(err) => self.transport(&err),
        })
    }

    fn parse_answer(&self, bytes: &[u8]) -> Result<Completion, AssistError> {
        let answer: ChatResponse = serde_json::from_slice(bytes).map_err(|err| {
            AssistError::Provider(format!(
                "{} answered something that is not a chat completion: {err}",
                self.request_line()
            ))
        })?;
        let usage = answer.usage.map_or_else(Tokens::default, |usage| Tokens {
            sent: usage.prompt_tokens,
            received: usage.completion_tokens,
        });
        let text = answer.choices.into_iter().next().and_then(|choice| choice.message.content).ok_or_else(|| {
            AssistError::Provider(format!("{} answered a chat completion with no message", self.request_line()))
        })?;
        Ok(Completion { text, tokens: usage })
    }

    /// The line for an error answer: the status and the provider's own reason.
    fn refused(&self, status: StatusCode, bytes: &[u8], wait: Option<Duration>) -> AssistError {
        let mut line = format!("{} answered {status}", self.request_line());
        if let Some(reason) = provider_reason(bytes) {
            line.push_str(": ");
            line.push_str(&reason);
        }
        if let Some(wait) = wait {
            line.push_str(&format!(
                " (it asks to retry in {} s, longer than the {} s praxis waits)",
                wait.as_secs(),
                self.limits.max_wait.as_secs()
            ));
        }
        AssistError::Provider(self.key.scrub(&line))
    }
}

/// The provider's reason in an error answer: OpenAI's and Azure's `{"error": {"message"}}`, a
/// plain `{"error": "..."}`, or the start of a text answer; on one line, at most 300 characters.
fn provider_reason(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let reason = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(value) => {
            let error = value.get("error");
            error
                .and_then(|error| error.get("message"))
                .or(error)
                .or(value.get("message"))
                .and_then(|reason| reason.as_str())
                .map(str::to_owned)
        }
        Err(_) => Some(text.into_owned()),
    }?;
    let line = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty()).then(|| line.chars().take(300).collect())
}

/// The deepest cause of an error, where the actual reason is.
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_providers_reason_on_one_line() {
        let openai = br#"{"error": {"message": "Incorrect API key\nprovided.", "type": "invalid_request_error"}}"#;
        assert_eq!(provider_reason(openai).as_deref(), Some("Incorrect API key provided."));
        assert_eq!(provider_reason(br#"{"error": "model not found"}"#).as_deref(), Some("model not found"));
        assert_eq!(provider_reason(b"<html>Bad gateway</html>").as_deref(), Some("<html>Bad gateway</html>"));
        assert_eq!(provider_reason(b"").as_deref(), None);
        assert_eq!(provider_reason(&[b'x'; 1000]).unwrap().len(), 300);
    }

    #[test]
    fn the_key_is_in_a_sensitive_header_and_not_in_debug() {
        let settings = LlmSettings {
            provider: LlmProvider::Azure,
            base_url: "https://team.openai.azure.com".into(),
            model: "gpt-4o".into(),
            deployment: None,
            api_version: None,
        };
        let client = ChatClient::new(&settings, ApiKey::new("azure-secret").unwrap()).unwrap();
        let headers = client.auth_headers().unwrap();
        assert!(headers["api-key"].is_sensitive());
        assert!(!format!("{client:?}").contains("azure-secret"));
        let err = client.refused(StatusCode::UNAUTHORIZED, br#"{"error": {"message": "bad key azure-secret"}}"#, None);
        assert_eq!(
            err.to_string(),
            format!("llm: POST {} answered 401 Unauthorized: bad key <redacted>", client.endpoint().url)
        );
    }
}
