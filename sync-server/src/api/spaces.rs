//! Spaces and their members: owners create spaces, admins manage members. A space a user is
//! not in is a 404, never a 403: its existence is not revealed.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use praxis_sync::wire::{MemberRole, Membership, NewSpace, SpaceList, SpaceRole, valid_space_name};

use super::{ApiError, ApiResult, AppState, Auth, Body, PathParams};
use crate::store::{Role, Store};

pub async fn create_space<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    Body(new): Body<NewSpace>,
) -> ApiResult<(StatusCode, Json<SpaceRole>)> {
    if !user.owner {
        return Err(ApiError::forbidden("only an owner may create spaces"));
    }
    if !valid_space_name(&new.name) {
        return Err(ApiError::unprocessable("a space name is 1 to 64 of a-z, 0-9 and -"));
    }
    let name = new.name.clone();
    state.blocking(move |store| store.create_space(&name, user.id)).await?;
    Ok((StatusCode::CREATED, Json(SpaceRole { name: new.name, role: Role::Admin })))
}

pub async fn list_spaces<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
) -> ApiResult<Json<SpaceList>> {
    let spaces = state.blocking(move |store| store.spaces_of(user.id)).await?;
    Ok(Json(SpaceList { spaces: spaces.into_iter().map(|(name, role)| SpaceRole { name, role }).collect() }))
}

pub async fn put_member<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams((space, member)): PathParams<(String, String)>,
    Body(membership): Body<Membership>,
) -> ApiResult<Json<MemberRole>> {
    let space = state.admin(&space, &user).await?;
    let member: i64 = member.parse().map_err(|_| ApiError::bad_request("a user is its numeric id"))?;
    let exists = state.blocking(move |store| store.user_exists(member)).await?;
    if !exists {
        return Err(ApiError::not_found("user"));
    }
    state.blocking(move |store| store.set_member(space, member, membership.role)).await?;
    Ok(Json(MemberRole { user: member, role: membership.role }))
}

pub async fn delete_member<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams((space, member)): PathParams<(String, String)>,
) -> ApiResult<StatusCode> {
    let space = state.admin(&space, &user).await?;
    let member: i64 = member.parse().map_err(|_| ApiError::bad_request("a user is its numeric id"))?;
    state.blocking(move |store| store.remove_member(space, member)).await.map_err(|err| match err.status {
        StatusCode::NOT_FOUND => ApiError::not_found("member"),
        _ => err,
    })?;
    Ok(StatusCode::NO_CONTENT)
}
