//! Anonymous statistics: members post counters, admins read per-day aggregates. Nothing that
//! identifies a user, token, address, path or time finer than a day is stored.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, ApiResult, AppState, Auth, Body};
use crate::store::{StatRow, Store, is_day};

/// The most counters one post may carry.
const MAX_COUNTERS: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// `YYYY-MM-DD`, the day the counters were taken.
    day: String,
    counters: Vec<Counter>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    practice: String,
    language: String,
    #[serde(default)]
    findings: u64,
    #[serde(default)]
    suppressions: u64,
    #[serde(default)]
    fixes: u64,
    #[serde(default)]
    files: u64,
    #[serde(default)]
    millis: u64,
}

fn valid_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 100
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub async fn post<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    Path(space): Path<String>,
    Body(batch): Body<Batch>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (space, _) = state.member(&space, &user).await?;
    if !is_day(&batch.day) {
        return Err(ApiError::unprocessable("day must be YYYY-MM-DD"));
    }
    if batch.counters.len() > MAX_COUNTERS {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("at most {MAX_COUNTERS} counters per post")));
    }
    const LIMIT: u64 = 1 << 40;
    let mut rows = Vec::with_capacity(batch.counters.len());
    for counter in batch.counters {
        if !valid_name(&counter.practice) || praxis_grammars::by_name(&counter.language).is_none() {
            return Err(ApiError::unprocessable("each counter names a practice id and a known language"));
        }
        let counts = [counter.findings, counter.suppressions, counter.fixes, counter.files, counter.millis];
        if counts.iter().any(|count| *count > LIMIT) {
            return Err(ApiError::unprocessable("a counter is out of range"));
        }
        rows.push(StatRow {
            day: batch.day.clone(),
            practice: counter.practice,
            language: counter.language,
            findings: counter.findings,
            suppressions: counter.suppressions,
            fixes: counter.fixes,
            files: counter.files,
            millis: counter.millis,
        });
    }
    let count = rows.len();
    state.blocking(move |store| store.add_stats(space, &rows)).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"accepted": count}))))
}

#[derive(Deserialize)]
pub struct Range {
    from: String,
    to: String,
}

pub async fn get<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    Path(space): Path<String>,
    Query(range): Query<Range>,
) -> ApiResult<Json<Value>> {
    let space = state.admin(&space, &user).await?;
    if !is_day(&range.from) || !is_day(&range.to) {
        return Err(ApiError::bad_request("from and to must be YYYY-MM-DD"));
    }
    let rows = state.blocking(move |store| store.stats(space, &range.from, &range.to)).await?;
    Ok(Json(json!({"stats": rows})))
}
