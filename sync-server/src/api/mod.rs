//! The HTTP API under `/api/v1`: the router, shared state, authentication and JSON bodies.
//! Handlers live one concern per file; they see the [`Store`] trait, never SQL or keys.

mod assist;
mod error;
mod openapi;
mod practices;
mod spaces;
mod stats;
mod users;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, MatchedPath, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use tokio::sync::broadcast;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use self::error::{ApiError, ApiResult};
use crate::crypto::token_hash;
use crate::store::{Role, SpaceId, Store, TokenHash, User};

/// Requests larger than this are refused with 413.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The most event streams one token may hold open at once.
pub const MAX_STREAMS_PER_TOKEN: usize = 8;

pub struct AppState<S> {
    pub store: Arc<S>,
    /// Per space: subscribers to `revision` events.
    events: Mutex<HashMap<SpaceId, broadcast::Sender<u64>>>,
    /// Open event streams per token.
    streams: Mutex<HashMap<TokenHash, usize>>,
    /// Drafts running per space.
    drafts: Mutex<HashMap<SpaceId, usize>>,
    /// Set when the server begins to stop: every event stream ends.
    closing: tokio::sync::watch::Sender<bool>,
}

/// An open event stream's place in its token's count; freed when the stream is dropped.
pub struct StreamSlot<S: Store> {
    state: Arc<AppState<S>>,
    token: TokenHash,
}

impl<S: Store> Drop for StreamSlot<S> {
    fn drop(&mut self) {
        let mut streams = self.state.streams.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = streams.get_mut(&self.token) {
            *count -= 1;
            if *count == 0 {
                streams.remove(&self.token);
            }
        }
    }
}

impl<S: Store> AppState<S> {
    pub fn new(store: Arc<S>) -> Arc<Self> {
        let (closing, _) = tokio::sync::watch::channel(false);
        Arc::new(AppState {
            store,
            events: Mutex::default(),
            streams: Mutex::default(),
            drafts: Mutex::default(),
            closing,
        })
    }

    /// Ends every event stream, now and from now on.
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Whether the server is stopping, now and as it changes.
    fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// A place for one more event stream of `token`, unless it holds [`MAX_STREAMS_PER_TOKEN`].
    fn stream_slot(self: &Arc<Self>, token: TokenHash) -> ApiResult<StreamSlot<S>> {
        let mut streams = self.streams.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = streams.entry(token).or_default();
        if *count >= MAX_STREAMS_PER_TOKEN {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("at most {MAX_STREAMS_PER_TOKEN} event streams per token are open at once"),
            ));
        }
        *count += 1;
        Ok(StreamSlot { state: self.clone(), token })
    }

    fn events(&self, space: SpaceId) -> broadcast::Sender<u64> {
        let mut events = self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        events.entry(space).or_insert_with(|| broadcast::channel(64).0).clone()
    }

    /// Tells subscribers of `space` about a new revision.
    fn notify(&self, space: SpaceId, revision: u64) {
        // No subscribers is not an error.
        let _ = self.events(space).send(revision);
    }

    /// Runs blocking store work off the async workers.
    async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&S) -> crate::store::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the request was interrupted"))?
            .map_err(ApiError::from)
    }

    /// The space called `name`, if `user` may see it: 404 for spaces the user is not in. An
    /// owner is an admin of every space, so that no space can be left without one.
    async fn member(self: &Arc<Self>, name: &str, user: &User) -> ApiResult<(SpaceId, Role)> {
        let (name, user_id, owner) = (name.to_owned(), user.id, user.owner);
        let found = self
            .blocking(move |store| {
                let Some(space) = store.space_id(&name)? else { return Ok(None) };
                let role = if owner { Some(Role::Admin) } else { store.role(space, user_id)? };
                Ok(role.map(|role| (space, role)))
            })
            .await?;
        found.ok_or_else(|| ApiError::not_found("space"))
    }

    async fn admin(self: &Arc<Self>, name: &str, user: &User) -> ApiResult<SpaceId> {
        match self.member(name, user).await? {
            (space, Role::Admin) => Ok(space),
            (_, Role::Member) => Err(ApiError::forbidden("only a space admin may do this")),
        }
    }
}

/// The user a bearer token belongs to.
pub struct Auth(pub User);

impl<S: Store> FromRequestParts<Arc<AppState<S>>> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState<S>>) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        let hash = token_hash(&token);
        let user = state.blocking(move |store| store.user_by_token(&hash)).await?;
        user.map(Auth).ok_or_else(ApiError::unauthorized)
    }
}

/// The bearer token of a request, if it has one.
fn bearer(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_owned())
}

/// A JSON body whose rejections are JSON errors too (400 malformed, 413 too large, 415 not
/// JSON, 422 wrong shape).
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, St: Send + Sync> FromRequest<St> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &St) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let status = match &rejection {
        JsonRejection::JsonDataError(_) => StatusCode::UNPROCESSABLE_ENTITY,
        JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, rejection.body_text().to_lowercase())
}

/// Path parameters whose rejections are JSON errors too (400).
pub struct PathParams<T>(pub T);

impl<T: DeserializeOwned + Send, St: Send + Sync> FromRequestParts<St> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(PathParams(value)),
            Err(rejection) => Err(ApiError::bad_request(rejection.body_text().to_lowercase())),
        }
    }
}

/// Query parameters whose rejections are JSON errors too (400).
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + Send, St: Send + Sync> FromRequestParts<St> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(QueryParams(value)),
            Err(rejection) => Err(ApiError::bad_request(rejection.body_text().to_lowercase())),
        }
    }
}

/// Request ids: random, 128 bits, hex.
#[derive(Clone, Copy, Default)]
struct MakeRequestUuid;

impl MakeRequestId for MakeRequestUuid {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).ok()?;
        let id: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        axum::http::HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

pub fn router<S: Store>(state: Arc<AppState<S>>) -> Router {
    let api = Router::new()
        .route("/users", post(users::create_user::<S>))
        .route("/tokens", post(users::create_token::<S>))
        .route("/tokens/current", axum::routing::delete(users::delete_token::<S>))
        .route("/spaces", post(spaces::create_space::<S>).get(spaces::list_spaces::<S>))
        .route("/spaces/{space}/members/{user}", put(spaces::put_member::<S>).delete(spaces::delete_member::<S>))
        .route("/spaces/{space}/practices", get(practices::list::<S>))
        .route("/spaces/{space}/practices/{id}", put(practices::put::<S>).delete(practices::delete::<S>))
        .route("/spaces/{space}/practices/{id}/examples", post(practices::add_example::<S>))
        .route("/spaces/{space}/events", get(practices::events::<S>))
        .route("/spaces/{space}/stats", post(stats::post::<S>).get(stats::get::<S>))
        .route(
            "/spaces/{space}/integrations/llm",
            put(assist::put_llm::<S>).get(assist::get_llm::<S>).delete(assist::delete_llm::<S>),
        )
        .route(
            "/spaces/{space}/assist/draft",
            post(assist::draft::<S>).layer(DefaultBodyLimit::max(assist::DRAFT_BODY_LIMIT)),
        )
        .route("/openapi.json", get(openapi::document));
    Router::new()
        .route("/healthz", get(|| async { Json(praxis_sync::wire::Health { status: "ok".into() }) }))
        .nest(praxis_sync::wire::API_PREFIX, api)
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "this method is not allowed on this route")
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Each request gets an id (`x-request-id`, echoed back) and a span with its method, route
        // and id. The route is the template (`/api/v1/spaces/{space}/practices`), never the path:
        // space names and practice ids are sealed at rest and stay out of logs too. The id may be
        // the client's, so it is logged quoted and escaped, and cut short. Nothing else of the
        // request is logged: no headers, no bodies, no tokens.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let route = request.extensions().get::<MatchedPath>().map_or("(no route)", MatchedPath::as_str);
            let id = request.headers().get("x-request-id").and_then(|value| value.to_str().ok()).unwrap_or("-");
            let id: String = id.chars().take(64).collect();
            tracing::info_span!("request", method = %request.method(), route = %route, id = ?id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
