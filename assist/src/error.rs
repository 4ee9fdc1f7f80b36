//! What can go wrong while drafting, each said in one line, lower case, that a person can act
//! on. None of them ever holds the provider's key.

/// Why a draft could not be made. A practice that fails its examples is not an error: it is a
/// [`crate::Draft`] that did not pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssistError {
    /// The provider settings are wrong: a URL, a missing deployment.
    #[error("llm: {0}")]
    Config(String),
    /// The request is not one to send: no bad snippet, an unknown language, too large.
    #[error("{0}")]
    Input(String),
    /// The provider could not be reached, or answered with an error or something unreadable.
    #[error("llm: {0}")]
    Provider(String),
}
