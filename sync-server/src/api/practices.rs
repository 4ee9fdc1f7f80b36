//! A space's practices: list with ETag, put (validated by the engine: the rule compiles for
//! each language and the examples pass), delete, attach examples, and the `events` stream.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use praxis_engine::{Practice, PracticeDoc};
use praxis_sync::wire::{self, ListedPractice, PracticeBody, PracticeList, PutPractice, Revision};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};

use super::{ApiError, ApiResult, AppState, Auth, Body, PathParams};
use crate::crypto::token_hash;
use crate::store::{Example, Role, Status, Store, StoredPractice};

fn etag(revision: u64) -> String {
    format!("\"r{revision}\"")
}

pub async fn list<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams(space): PathParams<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (space, _) = state.member(&space, &user).await?;
    // An unchanged pull costs one small query: no practice is opened.
    if let Some(wanted) = headers.get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok()) {
        let tag = etag(state.blocking(move |store| store.revision(space)).await?);
        if wanted.split(',').any(|candidate| candidate.trim() == tag || candidate.trim() == "*") {
            return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response());
        }
    }
    let (revision, practices) = state.blocking(move |store| store.practices(space)).await?;
    let practices = practices.into_iter().filter_map(listed).collect();
    let list = PracticeList { revision, practices };
    Ok(([(header::ETAG, etag(revision))], Json(list)).into_response())
}

/// A stored practice as the API lists it. Every stored document passed validation when it was
/// put; one that this server can no longer read is logged and left out rather than failing the
/// whole list.
fn listed(practice: StoredPractice) -> Option<ListedPractice> {
    let doc = match serde_json::from_value::<PracticeDoc>(practice.document) {
        Ok(doc) => doc,
        Err(err) => {
            tracing::error!("stored practice {} no longer reads as a practice: {err}", practice.id);
            return None;
        }
    };
    let attached_examples = practice
        .examples
        .into_iter()
        .map(|Example { kind, language, code, file }| wire::Example { kind, language, code, file })
        .collect();
    Some(ListedPractice { doc, status: practice.status, attached_examples })
}

/// Checks a practice the way `praxis test` would: it loads, its rule compiles for each of its
/// languages, and its examples pass.
fn validate(id: &str, doc: PracticeDoc) -> ApiResult<()> {
    if doc.id != id {
        return Err(ApiError::unprocessable(format!("the practice's id `{}` is not `{id}` from the path", doc.id)));
    }
    let practice = Practice::from_doc(doc).map_err(|errors| {
        ApiError::unprocessable(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
    })?;
    let results = practice.run_examples();
    if !results.failures.is_empty() {
        return Err(ApiError::unprocessable(
            results.failures.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
        ));
    }
    Ok(())
}

pub async fn put<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams((space, id)): PathParams<(String, String)>,
    Body(PracticeBody { doc, status }): Body<PracticeBody>,
) -> ApiResult<Json<PutPractice>> {
    let (space, role) = state.member(&space, &user).await?;
    let status = match (role, status) {
        (Role::Admin, status) => status.unwrap_or(Status::Active),
        (Role::Member, None | Some(Status::Draft)) => Status::Draft,
        (Role::Member, Some(Status::Active)) => {
            return Err(ApiError::forbidden("members may only propose drafts; an admin publishes"));
        }
    };
    let document =
        serde_json::to_value(&doc).map_err(|err| ApiError::unprocessable(format!("invalid practice: {err}")))?;
    // Compiling a rule and running its examples is CPU work: off the async workers, so that
    // other requests (and /healthz) are answered meanwhile.
    let checked_id = id.clone();
    tokio::task::spawn_blocking(move || validate(&checked_id, doc))
        .await
        .map_err(|_| ApiError::unprocessable("validating the practice failed"))??;
    // A member's draft must not replace a published practice: checked in the write itself, so
    // an admin's publication just before cannot be overwritten.
    let replace_active = role == Role::Admin;
    let stored_id = id.clone();
    let revision =
        state.blocking(move |store| store.put_practice(space, &stored_id, status, &document, replace_active)).await?;
    state.notify(space, revision);
    Ok(Json(PutPractice { id, status, revision }))
}

pub async fn delete<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams((space, id)): PathParams<(String, String)>,
) -> ApiResult<Json<Revision>> {
    let space = state.admin(&space, &user).await?;
    let revision =
        state.blocking(move |store| store.delete_practice(space, &id)).await.map_err(not_found("practice"))?;
    state.notify(space, revision);
    Ok(Json(Revision { revision }))
}

pub async fn add_example<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams((space, id)): PathParams<(String, String)>,
    Body(wire::Example { kind, language, code, file }): Body<wire::Example>,
) -> ApiResult<(StatusCode, Json<Revision>)> {
    let example = Example { kind, language, code, file };
    let (space, _) = state.member(&space, &user).await?;
    if praxis_grammars::by_name(&example.language).is_none() {
        return Err(ApiError::unprocessable(format!("unknown language `{}`", example.language)));
    }
    if example.code.trim().is_empty() {
        return Err(ApiError::unprocessable("code is empty"));
    }
    if example.code.len() > wire::MAX_EXAMPLE_CODE || example.file.len() > wire::MAX_EXAMPLE_FILE {
        let (code, file) = (wire::MAX_EXAMPLE_CODE >> 10, wire::MAX_EXAMPLE_FILE >> 10);
        let message = format!("an example's code is at most {code} KiB and its file at most {file} KiB");
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, message));
    }
    let revision =
        state.blocking(move |store| store.add_example(space, &id, &example)).await.map_err(not_found("practice"))?;
    state.notify(space, revision);
    Ok((StatusCode::CREATED, Json(Revision { revision })))
}

/// Server-sent events: a `revision` event now and whenever the space's practices change.
/// A token holds at most a few streams ([`super::MAX_STREAMS_PER_TOKEN`], 429 beyond), and every
/// stream ends when the server begins to stop.
pub async fn events<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams(space): PathParams<String>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>>> {
    let (space, _) = state.member(&space, &user).await?;
    let token = super::bearer(&headers).map(|token| token_hash(&token)).ok_or_else(ApiError::unauthorized)?;
    let slot = state.stream_slot(token)?;
    let receiver = state.events(space).subscribe();
    let revision = state.blocking(move |store| store.revision(space)).await?;
    let first = tokio_stream::once(Ok(Event::default().event(wire::REVISION_EVENT).data(revision.to_string())));
    let updates = BroadcastStream::new(receiver).filter_map(|revision| revision.ok()).map(move |revision| {
        // The slot lives as long as the stream.
        let _ = &slot;
        Ok(Event::default().event(wire::REVISION_EVENT).data(revision.to_string()))
    });
    // `None` marks the end: the server is stopping.
    let closing = WatchStream::new(state.closing()).filter(|closing| *closing).map(|_| None);
    let stream = first.chain(updates).map(Some).merge(closing).take_while(Option::is_some).filter_map(|event| event);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn not_found(what: &'static str) -> impl Fn(ApiError) -> ApiError {
    move |err| if err.status == StatusCode::NOT_FOUND { ApiError::not_found(what) } else { err }
}
