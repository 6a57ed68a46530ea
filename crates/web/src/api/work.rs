//! The units' work through the API: a task and its versions, handing in (multipart, once per
//! `Idempotency-Key`), withdrawing, reviewing, the review queue, the progress board, and activity records
//! with each track's form.

use app::submissions::{NewSubmission, Target};
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::work::ReviewInput;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiId, ApiIds, ApiJson, ApiQuery};
use crate::session::ApiActor;
use crate::upload::{Limits, receive_files};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_task))
        .merge(OpenApiRouter::new().routes(routes!(submit_task)).layer(axum::extract::DefaultBodyLimit::disable()))
        .routes(routes!(withdraw_submission))
        .routes(routes!(take_up_submission))
        .routes(routes!(decide_submission))
        .routes(routes!(review_queue))
        .routes(routes!(get_board))
        .routes(routes!(export_board))
        .routes(routes!(list_tracks))
        .routes(routes!(set_track_form))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(list_activities, record_activity))
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(delete_activity))
}

/// 任务详情：报送要求、状态、各版报送及文件（含“重复使用”标记），以及调用者此刻能做什么。
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "work", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value, description = "The task, its versions and files, and what the caller may do"),
        (status = 404, body = crate::api::ErrorBody)))]
async fn get_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<app::submissions::TaskView>, ApiError> {
    Ok(Json(app::submissions::get_task(&state.app, &actor, id).await?))
}

/// A submission as a multipart form.
#[derive(ToSchema)]
#[expect(dead_code, reason = "documents the multipart form for the OpenAPI document")]
pub struct SubmissionForm {
    /// Notes (may be empty when files come).
    body: Option<String>,
    /// Any number of files (photos, videos, documents).
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
    /// Files uploaded before (`POST /api/v1/files`), by id; repeatable.
    file_id: Vec<String>,
}

/// 报送（联络员）：说明文字与任意个文件，生成新的一版。带同一 `Idempotency-Key` 重复提交只生成一版。
#[utoipa::path(post, path = "/api/v1/tasks/{id}/submissions", tag = "work", params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "8–64 letters, digits or dashes; the same key makes one version")),
    request_body(content = SubmissionForm, content_type = "multipart/form-data"),
    responses((status = 201, body = serde_json::Value, description = "The new version"),
        (status = 200, body = serde_json::Value, description = "The version this key made before"),
        (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody),
        (status = 413, body = crate::api::ErrorBody), (status = 415, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
async fn submit_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    headers: HeaderMap,
    form: Multipart,
) -> Result<Response, ApiError> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Target::Repeat(v) = app::submissions::submission_target(&state.app, &actor, id, key.as_deref()).await? {
        return Ok((StatusCode::OK, Json(v)).into_response());
    }
    let limits = Limits {
        file_bytes: state.app.config.upload_max_mib << 20,
        files: domain::work::MAX_SUBMISSION_FILES,
        text_bytes: 256 << 10,
    };
    let got = receive_files(&state.app, &actor, form, limits, store::files::kinds::EVIDENCE).await;
    if let Some(e) = got.error {
        return Err(e.into());
    }
    let file_ids = got.file_ids()?;
    let input = NewSubmission { body: got.field("body").unwrap_or_default().to_owned(), file_ids, client_key: key };
    let v = app::submissions::submit(&state.app, &actor, id, &input).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// 撤回最新一版（联络员，审核员开始审核之前）。
#[utoipa::path(post, path = "/api/v1/submissions/{id}/withdraw", tag = "work", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody)))]
async fn withdraw_submission(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<StatusCode, ApiError> {
    app::submissions::withdraw(&state.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 开始审核（审核员）：此后报送单位不能再撤回。
#[utoipa::path(post, path = "/api/v1/submissions/{id}/take-up", tag = "work", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody)))]
async fn take_up_submission(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<StatusCode, ApiError> {
    app::review::take_up(&state.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    /// `accept` or `return`.
    pub verdict: String,
    /// Required when returning.
    #[serde(default)]
    pub comment: Option<String>,
    /// 1–5.
    #[serde(default)]
    pub rating: Option<i32>,
    #[serde(default)]
    pub exemplary: Option<bool>,
}

/// 审核结论（审核员）：通过或退回（须写意见），可评 1–5 分、标为优秀；通知报送单位。
#[utoipa::path(post, path = "/api/v1/submissions/{id}/decision", tag = "work", params(("id" = String, Path)),
    request_body = DecisionBody,
    responses((status = 200, body = serde_json::Value, description = "The version as decided"), (status = 403, body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
async fn decide_submission(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiJson(b): ApiJson<DecisionBody>,
) -> Result<Json<store::work::SubmissionRow>, ApiError> {
    let input = ReviewInput {
        verdict: b.verdict,
        comment: b.comment.unwrap_or_default(),
        rating: b.rating.map(|r| r.to_string()),
        exemplary: b.exemplary.unwrap_or(false),
    };
    Ok(Json(app::review::decide(&state.app, &actor, id, &input).await?))
}

/// 审核队列：活动中待审核的报送，先交先审。
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/review-queue", tag = "work", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
async fn review_queue(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<Vec<store::work::QueueItem>>, ApiError> {
    Ok(Json(app::review::queue(&state.app, &actor, id).await?.1))
}

#[derive(Deserialize, IntoParams, Default)]
pub struct BoardParams {
    /// Unit kind: village, community, enterprise, …
    pub kind: Option<String>,
    /// not_yet, late, returned, submitted, accepted: units with at least one task at it.
    pub status: Option<String>,
}

/// 进度看板：接收单位 × 报送要求的状态、签收与专人、各项汇总。
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/board", tag = "work", params(("id" = String, Path), BoardParams),
    responses((status = 200, body = serde_json::Value), (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
async fn get_board(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiQuery(q): ApiQuery<BoardParams>,
) -> Result<Response, ApiError> {
    let filter = app::board::Filter::parse(q.kind.as_deref(), q.status.as_deref())?;
    let json = app::board::board(&state.app, &actor, id, &filter).await?.json()?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// 导出进度看板（XLSX）。
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/board.xlsx", tag = "work", params(("id" = String, Path), BoardParams),
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
async fn export_board(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiQuery(q): ApiQuery<BoardParams>,
) -> Result<Response, ApiError> {
    let filter = app::board::Filter::parse(q.kind.as_deref(), q.status.as_deref())?;
    let b = app::board::board(&state.app, &actor, id, &filter).await?;
    let bytes = app::board::board_xlsx(&b, state.app.config.offset())?;
    Ok(crate::upload::xlsx_response(&format!("{}-进度-{}.xlsx", b.title, app::work::today(&state.app)), bytes))
}

/// 各活动事项及其台账字段。
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/tracks", tag = "work", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = crate::api::ErrorBody)))]
async fn list_tracks(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<Vec<app::activities::TrackForm>>, ApiError> {
    Ok(Json(app::activities::forms(&state.app, &actor, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct FieldBody {
    /// Keep a field's key to keep its values in existing records; leave it out for a new field.
    #[serde(default)]
    pub key: String,
    pub label: String,
    /// text, number, choice or yes_no.
    pub kind: String,
    #[serde(default)]
    pub options: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct FormBody {
    pub fields: Vec<FieldBody>,
}

/// 调整某活动事项的台账字段（组织员）。
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/tracks/{track}/form", tag = "work",
    params(("id" = String, Path), ("track" = String, Path)), request_body = FormBody,
    responses((status = 200, body = serde_json::Value), (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
async fn set_track_form(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiIds(id, track): ApiIds,
    ApiJson(b): ApiJson<FormBody>,
) -> Result<Json<Vec<domain::activities::FormField>>, ApiError> {
    let rows: Vec<domain::activities::FormFieldInput> = b
        .fields
        .into_iter()
        .map(|f| domain::activities::FormFieldInput {
            key: f.key,
            label: f.label,
            kind: f.kind,
            options: f.options.join("、"),
        })
        .collect();
    Ok(Json(app::activities::set_form(&state.app, &actor, id, track, &rows).await?))
}

#[derive(Deserialize, IntoParams, Default)]
pub struct ActivityParams {
    /// One unit's records (staff).
    pub unit: Option<String>,
}

/// 活动台账：联络员看本单位的，工作人员看全部（可按单位筛选）。
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/activities", tag = "work", params(("id" = String, Path), ActivityParams),
    responses((status = 200, body = serde_json::Value), (status = 404, body = crate::api::ErrorBody)))]
async fn list_activities(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiQuery(q): ApiQuery<ActivityParams>,
) -> Result<Json<Vec<app::activities::Record>>, ApiError> {
    let unit = match q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => {
            Some(u.parse::<Uuid>().map_err(|_| ApiError(app::Error::invalid("unit", "invalid", "单位编号无效")))?)
        }
        None => None,
    };
    Ok(Json(app::activities::list(&state.app, &actor, id, unit).await?))
}

#[derive(Deserialize, IntoParams, Default)]
pub struct RecordParams {
    /// The track the record is for.
    pub track: Option<String>,
}

/// 记一笔台账（联络员）：日期、地点、形式、人数、资料、情况，本事项的字段（`extra.键`），以及文件。
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/activities", tag = "work",
    params(("id" = String, Path), RecordParams, ("Idempotency-Key" = Option<String>, Header, description = "The same key records once")),
    request_body(content = SubmissionForm, content_type = "multipart/form-data"),
    responses((status = 201, body = serde_json::Value), (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody),
        (status = 413, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
async fn record_activity(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiQuery(q): ApiQuery<RecordParams>,
    headers: HeaderMap,
    form: Multipart,
) -> Result<(StatusCode, Json<store::activities::ActivityRow>), ApiError> {
    let track = match q.track.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => {
            Some(t.parse::<Uuid>().map_err(|_| ApiError(app::Error::invalid("track", "invalid", "活动事项编号无效")))?)
        }
        None => None,
    };
    app::activities::record_target(&state.app, &actor, id, track).await?;
    let limits = Limits { file_bytes: state.app.config.upload_max_mib << 20, files: 50, text_bytes: 64 << 10 };
    let got = receive_files(&state.app, &actor, form, limits, store::files::kinds::EVIDENCE).await;
    if let Some(e) = got.error {
        return Err(e.into());
    }
    let file_ids = got.file_ids()?;
    let new = app::activities::NewRecord {
        track_id: track,
        input: crate::pages::activity_input(&got),
        file_ids,
        client_key: headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned),
    };
    Ok((StatusCode::CREATED, Json(app::activities::record(&state.app, &actor, id, &new).await?)))
}

/// 删除本单位的一条台账（活动进行中）。
#[utoipa::path(delete, path = "/api/v1/activities/{id}", tag = "work", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody)))]
async fn delete_activity(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<StatusCode, ApiError> {
    app::activities::delete(&state.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
