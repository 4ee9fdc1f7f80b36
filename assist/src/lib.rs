//! Drafting a practice with an LLM: a description and chosen snippets go to a chat-completions
//! endpoint (OpenAI, Azure OpenAI, or any OpenAI-compatible server), the answer is judged by
//! the engine (it parses, compiles, flags every bad snippet and no good one), and the exact
//! errors go back until it passes or the attempts run out. The model only ever writes
//! declarative YAML; nothing it writes is executed.
//!
//! Used by `praxis practice draft` and by the sync server's `POST /spaces/{space}/assist/draft`.
//! The wire types of that endpoint and of the provider settings are
//! [`praxis_sync::wire`]'s; this crate works on them.
//!
//! - [`endpoint`]: the provider's URL under the transport rule, and the [`ApiKey`].
//! - [`client`]: the [`ChatClient`]: timeouts, retries, bounded answers, one-line errors.
//! - [`prompt`]: what is sent, and the bounds on what a request may hold.
//! - [`validate`]: judging an answer with the engine.

mod client;
mod endpoint;
mod error;
pub mod prompt;
pub mod validate;

pub use client::{ChatClient, Completion, Limits, Message, Role};
pub use endpoint::{ApiKey, Endpoint, is_loopback};
pub use error::AssistError;
pub use praxis_sync::wire::{
    DraftAnswer, DraftAttempt as Attempt, DraftRequest, LlmProvider, LlmSettings, Snippet, Tokens,
};

use prompt::Checked;

/// Attempts when none are asked for.
pub const DEFAULT_ATTEMPTS: u32 = 4;
/// The most attempts one draft may take.
pub const MAX_ATTEMPTS: u32 = 10;

/// A drafted practice and how it got there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The final practice as YAML, with the user's snippets as its examples (or the last
    /// answer's text, when it did not read as a practice).
    pub yaml: String,
    /// Whether it compiles and its examples pass.
    pub passed: bool,
    /// What each attempt got wrong, in order.
    pub attempts: Vec<Attempt>,
    pub tokens: Tokens,
}

impl From<Draft> for DraftAnswer {
    fn from(draft: Draft) -> Self {
        let Draft { yaml, passed, attempts, tokens } = draft;
        DraftAnswer { practice: yaml, passed, attempts, tokens }
    }
}

/// The conversation with the model, one answer at a time: for callers that drive the requests
/// themselves (to count tokens as they go, or to stop early). [`draft`] runs it to the end.
#[derive(Debug, Clone)]
pub struct Conversation {
    request: Checked,
    messages: Vec<Message>,
    max_attempts: u32,
    attempts: Vec<Attempt>,
    tokens: Tokens,
    last: Option<validate::Judged>,
}

impl Conversation {
    /// Checks the request (see [`prompt::check_request`]) and `attempts` (1 to
    /// [`MAX_ATTEMPTS`]) and builds the first messages.
    pub fn new(request: &DraftRequest, attempts: u32) -> Result<Conversation, AssistError> {
        if !(1..=MAX_ATTEMPTS).contains(&attempts) {
            return Err(AssistError::Input(format!("attempts must be 1 to {MAX_ATTEMPTS}, not {attempts}")));
        }
        let request = prompt::check_request(request)?;
        let messages = prompt::messages(&request);
        Ok(Conversation {
            request,
            messages,
            max_attempts: attempts,
            attempts: Vec::new(),
            tokens: Tokens::default(),
            last: None,
        })
    }

    /// What to send next; `None` once an answer passed or the attempts are spent.
    pub fn next_messages(&self) -> Option<&[Message]> {
        let passed = self.last.as_ref().is_some_and(|judged| judged.errors.is_empty());
        let spent = self.attempts.len() >= self.max_attempts as usize;
        (!passed && !spent).then_some(self.messages.as_slice())
    }

    /// Judges the model's answer; when it failed, the answer and its errors join the
    /// conversation for the next attempt.
    pub fn answer(&mut self, completion: Completion) -> &Attempt {
        self.tokens.add(completion.tokens);
        let judged = validate::judge(&completion.text, &self.request);
        if !judged.errors.is_empty() {
            self.messages.push(Message { role: Role::Assistant, content: completion.text });
            self.messages.push(prompt::feedback(&judged.errors));
        }
        self.attempts.push(Attempt { errors: judged.errors.clone() });
        self.last = Some(judged);
        self.attempts.last().expect("just pushed")
    }

    /// Tokens counted so far.
    pub fn tokens(&self) -> Tokens {
        self.tokens
    }

    /// The outcome: the last answer, judged.
    pub fn finish(self) -> Draft {
        let (yaml, passed) = match self.last {
            Some(judged) => (judged.yaml, judged.errors.is_empty()),
            None => (String::new(), false),
        };
        Draft { yaml, passed, attempts: self.attempts, tokens: self.tokens }
    }
}

/// Drafts a practice: asks `client`, judges each answer with the engine and sends the errors
/// back, up to `attempts` times. A provider error ends it (after the client's own retries).
pub async fn draft(client: &ChatClient, request: &DraftRequest, attempts: u32) -> Result<Draft, AssistError> {
    let mut conversation = Conversation::new(request, attempts)?;
    while let Some(messages) = conversation.next_messages() {
        let completion = client.complete(messages).await?;
        conversation.answer(completion);
    }
    Ok(conversation.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> DraftRequest {
        DraftRequest {
            describe: "Do not print; use the logger.".into(),
            bad: vec![Snippet { code: "print(total)\n".into(), language: "python".into() }],
            good: vec![],
            id: None,
        }
    }

    fn completion(text: &str) -> Completion {
        Completion { text: text.into(), tokens: Tokens { sent: 100, received: 10 } }
    }

    #[test]
    fn the_loop_sends_errors_back_and_stops_when_it_passes() {
        let mut conversation = Conversation::new(&request(), 3).unwrap();
        assert_eq!(conversation.next_messages().unwrap().len(), 2);
        let wrong = "```yaml\nid: no-print\nname: No print\nlanguages: [python]\nrule:\n  pattern: echo($A)\n```";
        assert_eq!(
            conversation.answer(completion(wrong)).errors,
            vec!["no-print: bad example 1 (python) produced no finding"]
        );
        let messages = conversation.next_messages().unwrap();
        assert_eq!(messages.len(), 4);
        assert_eq!((messages[2].role, messages[2].content.as_str()), (Role::Assistant, wrong));
        assert!(messages[3].content.contains("- no-print: bad example 1 (python) produced no finding\n"));
        assert!(conversation.answer(completion(&wrong.replace("echo", "print"))).errors.is_empty());
        assert!(conversation.next_messages().is_none());
        let draft = conversation.finish();
        assert!(draft.passed);
        assert_eq!(draft.attempts.len(), 2);
        assert_eq!(draft.tokens, Tokens { sent: 200, received: 20 });
        assert!(draft.yaml.contains("pattern: print($A)") && draft.yaml.contains("code: |"), "{}", draft.yaml);
    }

    /// The server runs the loop in an axum handler, on a multi-threaded runtime.
    #[test]
    fn the_loop_can_move_between_threads() {
        fn send<T: Send>(_: &T) {}
        let settings = LlmSettings {
            provider: LlmProvider::Openai,
            base_url: "https://api.example.com/v1".into(),
            model: "m".into(),
            deployment: None,
            api_version: None,
        };
        let client = ChatClient::new(&settings, ApiKey::new("k").unwrap()).unwrap();
        let request = request();
        let future = draft(&client, &request, 1);
        send(&future);
    }

    #[test]
    fn attempts_are_bounded() {
        assert!(Conversation::new(&request(), 0).is_err());
        assert!(Conversation::new(&request(), MAX_ATTEMPTS + 1).unwrap_err().to_string().contains("1 to 10"));
        let mut conversation = Conversation::new(&request(), 2).unwrap();
        conversation.answer(completion("not a practice"));
        conversation.answer(completion("still not"));
        assert!(conversation.next_messages().is_none());
        let draft = conversation.finish();
        assert!(!draft.passed);
        assert_eq!(draft.yaml, "still not");
    }
}
