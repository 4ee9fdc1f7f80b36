//! Where the chat-completions requests go, and with which key: the provider's URL built from
//! its settings under the transport rule (`https://`, plain `http://` only to this machine), and
//! the key, which never reaches an output.

use std::fmt;

pub use praxis_sync::http::is_loopback;
use praxis_sync::wire::{AZURE_API_VERSION, LlmProvider, LlmSettings};
use url::Url;

use crate::AssistError;

/// A provider's API key. It is never shown: `Debug` prints a placeholder and there is no
/// `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// A key as typed or read; surrounding white space is dropped. `None` when empty.
    pub fn new(text: &str) -> Option<ApiKey> {
        let text = text.trim();
        (!text.is_empty()).then(|| ApiKey(text.to_owned()))
    }

    /// The key itself, for the request header and the keyring.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced, for anything that came back from the
    /// provider and is about to be shown (an error message may quote the key it refused).
    pub fn scrub(&self, text: &str) -> String {
        text.replace(&self.0, "<redacted>")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// The chat-completions URL of a provider and what its body names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub provider: LlmProvider,
    /// The full URL requests are posted to.
    pub url: Url,
    pub model: String,
}

impl Endpoint {
    /// The endpoint of `settings`: `{base_url}/chat/completions` (OpenAI and compatible
    /// servers) or `{base_url}/openai/deployments/{deployment}/chat/completions?api-version=…`
    /// (Azure). Refuses plain `http://` to anything but loopback, user names or passwords in
    /// the URL, queries and fragments.
    pub fn new(settings: &LlmSettings) -> Result<Endpoint, AssistError> {
        let LlmSettings { provider, base_url, model, deployment, api_version } = settings;
        let base = parse_base_url(base_url)?;
        if model.trim().is_empty() {
            return Err(AssistError::Config("no model: set `model` in [llm]".into()));
        }
        let base = base.as_str().trim_end_matches('/');
        let url = match provider {
            LlmProvider::Openai => format!("{base}/chat/completions"),
            LlmProvider::Azure => {
                let deployment = deployment.as_deref().unwrap_or(model);
                let version = api_version.as_deref().unwrap_or(AZURE_API_VERSION);
                let segment = |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
                format!(
                    "{base}/openai/deployments/{}/chat/completions?api-version={}",
                    segment(deployment),
                    segment(version)
                )
            }
        };
        let url = Url::parse(&url)
            .map_err(|err| AssistError::Config(format!("base_url `{base_url}` gives no valid URL ({err})")))?;
        Ok(Endpoint { provider: *provider, url, model: model.clone() })
    }
}

/// `base_url` under the transport rule.
fn parse_base_url(text: &str) -> Result<Url, AssistError> {
    let bad = |why: &str| AssistError::Config(format!("base_url `{text}` {why}"));
    let url = Url::parse(text.trim()).map_err(|err| bad(&format!("is not a URL ({err})")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(bad("uses plain http:// to another machine, which would send the key, the description and \
                 the snippets unencrypted; use https:// (http:// is only for 127.0.0.1, ::1 and localhost)"));
        }
        other => return Err(bad(&format!("has scheme `{other}`; use https://"))),
    }
    if url.host().is_none() {
        return Err(bad("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("holds a user name or password; the key comes from PRAXIS_LLM_KEY or `praxis llm login`"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("has a query or fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(provider: LlmProvider, base_url: &str) -> LlmSettings {
        LlmSettings { provider, base_url: base_url.into(), model: "gpt-4o".into(), deployment: None, api_version: None }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://api.openai.com/v1",
            "http://127.0.0.1:8080/v1",
            "http://127.9.8.7",
            "http://localhost:11434/v1",
            "http://[::1]:1",
        ] {
            Endpoint::new(&settings(LlmProvider::Openai, ok)).unwrap_or_else(|err| panic!("{ok}: {err}"));
        }
        for (bad, why) in [
            ("http://10.0.0.1/v1", "plain http://"),
            ("http://localhost.example.com", "plain http://"),
            ("http://[::2]", "plain http://"),
            ("ftp://x", "scheme `ftp`"),
            ("https://user:pw@x", "user name or password"),
            ("https://x/v1?key=1", "query"),
            ("nonsense", "is not a URL"),
        ] {
            let err = Endpoint::new(&settings(LlmProvider::Openai, bad)).unwrap_err().to_string();
            assert!(err.starts_with("llm: base_url") && err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn urls_of_each_provider() {
        let openai = Endpoint::new(&settings(LlmProvider::Openai, "https://api.openai.com/v1/")).unwrap();
        assert_eq!(openai.url.as_str(), "https://api.openai.com/v1/chat/completions");
        let mut azure = settings(LlmProvider::Azure, "https://team.openai.azure.com");
        let url = Endpoint::new(&azure).unwrap().url;
        assert_eq!(
            url.as_str(),
            format!(
                "https://team.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version={AZURE_API_VERSION}"
            )
        );
        azure.deployment = Some("rules".into());
        azure.api_version = Some("2025-01-01-preview".into());
        assert_eq!(
            Endpoint::new(&azure).unwrap().url.as_str(),
            "https://team.openai.azure.com/openai/deployments/rules/chat/completions?api-version=2025-01-01-preview"
        );
    }

    #[test]
    fn keys_are_never_shown() {
        let key = ApiKey::new("  sk-secret-123 \n").unwrap();
        assert_eq!(key.expose(), "sk-secret-123");
        assert!(!format!("{key:?}").contains("secret"));
        assert_eq!(key.scrub("Incorrect API key provided: sk-secret-123."), "Incorrect API key provided: <redacted>.");
        assert!(ApiKey::new(" ").is_none());
    }
}
