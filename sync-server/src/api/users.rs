//! Users and tokens: owners create users; every user can mint a new token or log out.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use praxis_sync::wire::{CreatedUser, NewToken, NewUser};

use super::{ApiError, ApiResult, AppState, Auth, Body};
use crate::crypto::{new_token, token_hash};
use crate::store::{Store, is_email};

pub async fn create_user<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    Body(new): Body<NewUser>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    if !user.owner {
        return Err(ApiError::forbidden("only an owner may create users"));
    }
    let email = new.email.trim().to_owned();
    if !is_email(&email) {
        return Err(ApiError::unprocessable("email must be an e-mail address"));
    }
    let token = new_token();
    let hash = token_hash(&token);
    let id = state.blocking(move |store| store.create_user(&email, new.owner, &hash)).await?;
    Ok((StatusCode::CREATED, Json(CreatedUser { id, token })))
}

pub async fn create_token<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
) -> ApiResult<(StatusCode, Json<NewToken>)> {
    let token = new_token();
    let hash = token_hash(&token);
    state.blocking(move |store| store.add_token(user.id, &hash)).await?;
    Ok((StatusCode::CREATED, Json(NewToken { token })))
}

pub async fn delete_token<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(_): Auth,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let token = super::bearer(&headers).ok_or_else(ApiError::unauthorized)?;
    let hash = token_hash(&token);
    state.blocking(move |store| store.delete_token(&hash)).await?;
    Ok(StatusCode::NO_CONTENT)
}
