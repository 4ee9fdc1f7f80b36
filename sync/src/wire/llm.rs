//! The bodies of the LLM integration (`/spaces/{space}/integrations/llm`) and of drafting a
//! practice through the server (`/spaces/{space}/assist/draft`). `praxis-assist` works on
//! these same types, on the command line and in the server alike.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which API the provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LlmProvider {
    /// OpenAI, or any server with an OpenAI-compatible chat-completions API (a self-hosted
    /// model): `POST {base_url}/chat/completions` with a bearer key.
    Openai,
    /// Azure OpenAI: `POST {base_url}/openai/deployments/{deployment}/chat/completions` with an
    /// `api-key` header.
    Azure,
}

impl LlmProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            LlmProvider::Openai => "openai",
            LlmProvider::Azure => "azure",
        }
    }
}

/// `GET /spaces/{space}/integrations/llm`: a space's provider settings. Never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSettings {
    pub provider: LlmProvider,
    /// `https://api.openai.com/v1`, `https://NAME.openai.azure.com`, or a self-hosted server
    /// (`http://` only on loopback).
    pub base_url: String,
    pub model: String,
    /// Azure: the deployment's name (default: `model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// Azure: the API version (default: [`AZURE_API_VERSION`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
}

/// The Azure OpenAI API version used when none is configured.
pub const AZURE_API_VERSION: &str = "2024-10-21";

/// `PUT /spaces/{space}/integrations/llm`: the settings and the key, which the server seals and
/// never returns. `Debug` hides the key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutLlmSettings {
    pub provider: LlmProvider,
    pub base_url: String,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    pub key: String,
}

impl PutLlmSettings {
    /// The settings without the key: what `GET` answers.
    pub fn settings(&self) -> LlmSettings {
        let PutLlmSettings { provider, base_url, model, deployment, api_version, key: _ } = self;
        LlmSettings {
            provider: *provider,
            base_url: base_url.clone(),
            model: model.clone(),
            deployment: deployment.clone(),
            api_version: api_version.clone(),
        }
    }
}

impl std::fmt::Debug for PutLlmSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutLlmSettings").field("settings", &self.settings()).field("key", &"<redacted>").finish()
    }
}

/// A snippet a person chose, and its language (a name or alias `praxis languages` lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snippet {
    pub code: String,
    pub language: String,
}

/// `POST /spaces/{space}/assist/draft`: what is wrong, in words, and code that shows it. This
/// is all that reaches the model, with the rule reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    /// What is wrong and what to do instead.
    pub describe: String,
    /// Code the practice must flag: at least one.
    pub bad: Vec<Snippet>,
    /// Code it must not flag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub good: Vec<Snippet>,
    /// The practice's id (default: the model's choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// The answer to `POST /spaces/{space}/assist/draft`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftAnswer {
    /// The final practice as YAML, with the request's snippets as its examples (or, when the
    /// last answer did not read as a practice, that answer's text).
    pub practice: String,
    /// Whether it compiles and its examples pass.
    pub passed: bool,
    /// What each attempt got wrong, in order; the last is empty when it passed.
    pub attempts: Vec<DraftAttempt>,
    pub tokens: Tokens,
}

/// One answer of the model, judged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftAttempt {
    /// The exact errors sent back to the model (empty: it passed).
    pub errors: Vec<String>,
}

/// Tokens the provider counted, over every attempt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// Prompt tokens.
    pub sent: u64,
    /// Completion tokens.
    pub received: u64,
}

impl Tokens {
    pub fn add(&mut self, other: Tokens) {
        self.sent = self.sent.saturating_add(other.sent);
        self.received = self.received.saturating_add(other.received);
    }
}

/// One day's tokens spent drafting through a space's integration: the only trace a draft
/// leaves on the server. A row of `GET /spaces/{space}/stats`'s `llm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmDay {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Prompt tokens, over every draft of the day.
    pub sent: u64,
    /// Completion tokens.
    pub received: u64,
}
