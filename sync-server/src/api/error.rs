//! API errors: a status and `{"error": "..."}`, never a 500 with content in it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use praxis_sync::wire::ErrorBody;

use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized() -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "missing or unknown bearer token")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("{what} not found"))
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::not_found("resource"),
            StoreError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, message),
            StoreError::Forbidden(message) => ApiError::forbidden(message),
            StoreError::TooLarge(message) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, message),
            StoreError::Invalid(message) => ApiError::unprocessable(message),
            StoreError::Crypto(_) | StoreError::Internal(_) => {
                tracing::error!("store failed: {err}");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the database failed; try again")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { error: self.message })).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
