//! Anonymous statistics: members post counters, admins read per-day aggregates (and the tokens
//! drafting spent per day). Nothing that identifies a user, token, address, path or time finer
//! than a day is stored.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use praxis_sync::wire::{Counter, DayStats, LlmDay, STATS_PAGE, StatsAccepted, StatsBatch, StatsQuery, StatsReport};

use super::{ApiError, ApiResult, AppState, Auth, Body, PathParams, QueryParams};
use crate::crypto::token_hash;
use crate::store::{LlmUsage, StatRow, Store, is_day};

/// The most counters one post may carry.
const MAX_COUNTERS: usize = 1000;

fn valid_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 100
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A batch id: 16 to 64 characters of `[0-9a-zA-Z-]`.
fn valid_batch(id: &str) -> bool {
    (16..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub async fn post<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams(space): PathParams<String>,
    Body(batch): Body<StatsBatch>,
) -> ApiResult<(StatusCode, Json<StatsAccepted>)> {
    let (space, _) = state.member(&space, &user).await?;
    if !is_day(&batch.day) {
        return Err(ApiError::unprocessable("day must be YYYY-MM-DD"));
    }
    if batch.counters.len() > MAX_COUNTERS {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("at most {MAX_COUNTERS} counters per post")));
    }
    if batch.batch.as_deref().is_some_and(|id| !valid_batch(id)) {
        return Err(ApiError::unprocessable("batch is 16 to 64 letters, digits and -"));
    }
    const LIMIT: u64 = 1 << 40;
    let mut rows = Vec::with_capacity(batch.counters.len());
    for counter in batch.counters {
        let Counter { practice, language, findings, suppressions, fixes, files, millis } = counter;
        if !valid_name(&practice) || praxis_grammars::by_name(&language).is_none() {
            return Err(ApiError::unprocessable("each counter names a practice id and a known language"));
        }
        if [findings, suppressions, fixes, files, millis].iter().any(|count| *count > LIMIT) {
            return Err(ApiError::unprocessable("a counter is out of range"));
        }
        let day = batch.day.clone();
        rows.push(StatRow { day, practice, language, findings, suppressions, fixes, files, millis });
    }
    let count = rows.len();
    let hash = batch.batch.as_deref().map(token_hash);
    let fresh = state.blocking(move |store| store.add_stats(space, hash.as_ref(), &rows)).await?;
    let accepted = if fresh {
        StatsAccepted { accepted: count, duplicate: false }
    } else {
        StatsAccepted { accepted: 0, duplicate: true }
    };
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

pub async fn get<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Auth(user): Auth,
    PathParams(space): PathParams<String>,
    QueryParams(range): QueryParams<StatsQuery>,
) -> ApiResult<Json<StatsReport>> {
    let space = state.admin(&space, &user).await?;
    if !is_day(&range.from) || !is_day(&range.to) {
        return Err(ApiError::bad_request("from and to must be YYYY-MM-DD"));
    }
    let offset = range.offset.unwrap_or(0);
    let limit = range.limit.unwrap_or(STATS_PAGE).clamp(1, STATS_PAGE);
    let (rows, more, usage) = state
        .blocking(move |store| {
            let (rows, more) = store.stats_page(space, &range.from, &range.to, offset, limit)?;
            // The first page carries the range's token counts, so that pages add up.
            let usage = if offset == 0 { store.llm_usage(space, &range.from, &range.to)? } else { Vec::new() };
            Ok((rows, more, usage))
        })
        .await?;
    let next = more.then_some(offset + limit);
    let stats = rows
        .into_iter()
        .map(|StatRow { day, practice, language, findings, suppressions, fixes, files, millis }| DayStats {
            day,
            counter: Counter { practice, language, findings, suppressions, fixes, files, millis },
        })
        .collect();
    let llm = usage.into_iter().map(|LlmUsage { day, sent, received }| LlmDay { day, sent, received }).collect();
    Ok(Json(StatsReport { stats, next, llm }))
}
