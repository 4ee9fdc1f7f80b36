//! Open documents. Each one is a [`Slot`]: an inbox of the client's messages about it, taken in
//! the order they arrived by one worker at a time, and the document as those messages left it.
//! The protocol layer only queues (which costs nothing), so no message waits on another
//! document's parsing or checking; a request about a document waits until the messages before
//! it are applied ([`Slot::settled`]).
//!
//! Practice files are the exception: they change what every document is checked with, so their
//! edits are applied in the handler, in arrival order, before the reload they cause (they are
//! text only, no parsing).
//!
//! Lock order: a slot's `open` is only taken on blocking threads, never while holding another
//! slot's, except a practice file's (a moment, in a handler) and a source document's worker
//! reading the open practice files (see [`Documents::practice_texts`]); nothing holding a
//! practice file's `open` takes another lock.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use praxis_engine::{Document, Finding};
use praxis_grammars::Language;
use tokio::sync::watch;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use super::lock;

/// A message about one document, applied by its worker.
pub enum Message {
    /// Parse the text it was opened with, find its project, and check it.
    Open,
    /// The client's edits for `version`, in order.
    Change { version: i32, changes: Vec<TextDocumentContentChangeEvent> },
    /// The practices changed: find its project again and check all of it.
    Recheck,
    /// The file was saved (and maybe committed since): read its text at Git `HEAD` again.
    Saved,
}

/// An open source document with its tree and its raw (unsuppressed) findings.
pub struct Source {
    pub doc: Document,
    /// Findings before suppressions, kept so that an edit only re-matches what it touched.
    pub raw: Vec<Finding>,
    /// Findings after suppressions: what is published.
    pub published: Vec<Finding>,
    /// The key of its project (see `State::project_key`).
    pub project: Option<PathBuf>,
    /// Whether its opening was counted in the usage statistics (once per open).
    pub counted: bool,
    /// With `scope: changed`, the file's text at Git `HEAD` once read (`Some(None)`: the file
    /// is new, or not in a Git repository); read again when the file is saved.
    pub head: Option<Option<String>>,
}

pub enum Content {
    Source(Source),
    /// A practice file, a file in a language Praxis does not check, one too large to check, or
    /// a source document before its worker parsed it.
    Text(String),
}

/// A document as the messages applied so far left it.
pub struct Open {
    pub version: i32,
    pub content: Content,
}

impl Open {
    pub fn text(&self) -> &str {
        match &self.content {
            Content::Source(source) => source.doc.text(),
            Content::Text(text) => text,
        }
    }
}

/// Messages not yet taken by the worker.
#[derive(Default)]
struct Inbox {
    queue: VecDeque<Message>,
    /// How many messages were queued, ever.
    received: u64,
    /// How many were taken.
    taken: u64,
    /// Whether a worker is taking them.
    running: bool,
}

pub struct Slot {
    pub path: Option<PathBuf>,
    /// Its language, by path or the client's language id.
    pub language: Option<&'static Language>,
    /// Whether it is a practice file (decided when it is opened).
    pub practice_file: bool,
    inbox: Mutex<Inbox>,
    open: Mutex<Open>,
    /// How many messages are applied and published.
    done: watch::Sender<u64>,
}

impl Slot {
    pub fn new(path: Option<PathBuf>, language: Option<&'static Language>, practice_file: bool, open: Open) -> Slot {
        Slot {
            path,
            language,
            practice_file,
            inbox: Mutex::default(),
            open: Mutex::new(open),
            done: watch::Sender::new(0),
        }
    }

    /// Queues a message; true when no worker is running, so the caller must start one.
    #[must_use]
    pub fn push(&self, message: Message) -> bool {
        let mut inbox = lock(&self.inbox);
        inbox.queue.push_back(message);
        inbox.received += 1;
        !std::mem::replace(&mut inbox.running, true)
    }

    /// The next message and its number, for the worker; `None` (and the worker stops) when
    /// there is none. Changes queued one after the other (a burst of keystrokes that came in
    /// while the worker checked an earlier one) are taken as one: their edits in order, the
    /// last version, one check, and one publish for the text the client has now.
    pub fn next(&self) -> Option<(Message, u64)> {
        let mut inbox = lock(&self.inbox);
        let Some(mut message) = inbox.queue.pop_front() else {
            inbox.running = false;
            return None;
        };
        inbox.taken += 1;
        while let Message::Change { version, changes } = &mut message
            && let Some(Message::Change { .. }) = inbox.queue.front()
        {
            let Some(Message::Change { version: next, changes: more }) = inbox.queue.pop_front() else { break };
            *version = next;
            changes.extend(more);
            inbox.taken += 1;
        }
        Some((message, inbox.taken))
    }

    /// Says that the messages up to `number` are applied (and their result published).
    pub fn done(&self, number: u64) {
        self.done.send_replace(number);
    }

    /// Drops what is queued and releases every waiter: the document was closed.
    pub fn close(&self) {
        let mut inbox = lock(&self.inbox);
        inbox.queue.clear();
        inbox.taken = inbox.received;
        self.done.send_replace(inbox.received);
    }

    /// Waits until every message queued before this call is applied.
    pub async fn settled(&self) {
        let target = lock(&self.inbox).received;
        let mut done = self.done.subscribe();
        // The sender lives in `self`: it cannot go away while waited on.
        let _ = done.wait_for(|done| *done >= target).await;
    }

    /// The document; on blocking threads only (a worker may hold it for a whole check).
    pub fn open(&self) -> MutexGuard<'_, Open> {
        lock(&self.open)
    }
}

/// The open documents by URI.
#[derive(Default)]
pub struct Documents {
    slots: Mutex<HashMap<Uri, Arc<Slot>>>,
}

impl Documents {
    pub fn get(&self, uri: &Uri) -> Option<Arc<Slot>> {
        lock(&self.slots).get(uri).cloned()
    }

    /// Adds a document; a document opened again under the same URI replaces (and closes) the
    /// old one.
    pub fn insert(&self, uri: Uri, slot: Arc<Slot>) {
        if let Some(old) = lock(&self.slots).insert(uri, slot) {
            old.close();
        }
    }

    pub fn remove(&self, uri: &Uri) -> Option<Arc<Slot>> {
        let slot = lock(&self.slots).remove(uri)?;
        slot.close();
        Some(slot)
    }

    /// Whether `slot` is still the open document at `uri` (not closed, not replaced).
    pub fn is_current(&self, uri: &Uri, slot: &Arc<Slot>) -> bool {
        lock(&self.slots).get(uri).is_some_and(|current| Arc::ptr_eq(current, slot))
    }

    pub fn contains(&self, uri: &Uri) -> bool {
        lock(&self.slots).contains_key(uri)
    }

    pub fn all(&self) -> Vec<(Uri, Arc<Slot>)> {
        lock(&self.slots).iter().map(|(uri, slot)| (uri.clone(), slot.clone())).collect()
    }

    /// The texts of the open practice files, by path: what the editor shows wins over the disk.
    /// Takes each practice file's `open` in turn (on blocking threads only).
    pub fn practice_texts(&self) -> HashMap<PathBuf, String> {
        let slots: Vec<Arc<Slot>> = lock(&self.slots).values().filter(|slot| slot.practice_file).cloned().collect();
        slots.iter().filter_map(|slot| Some((slot.path.clone()?, slot.open().text().to_owned()))).collect()
    }
}
