//! Hazard reports and cases over JSON: filing a report and following it by receipt code (no sign-in),
//! and for staff and units the case list, one case, entering calls and findings, each step, and the
//! custodian's reveal.

use app::cases::StepForm;
use app::entries::OwnEntry;
use app::reports::{NewReport, Source};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::hazards::{Channel, ReportInput};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiId, ApiJson, ApiQuery};
use crate::session::{ApiActor, ClientIp};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(file_report))
        .routes(routes!(follow_report))
        .routes(routes!(list_cases, record_case))
        .routes(routes!(get_case))
        .routes(routes!(take_step))
        .routes(routes!(reveal_reporter))
        .routes(routes!(case_figures))
        .routes(routes!(public_board))
}

/// 曝光台（无需登录）：公开曝光的案件、有效期内的红黑榜、办理统计。
#[utoipa::path(get, path = "/api/v1/public/exposure", tag = "hazards", responses((status = 200, body = serde_json::Value)))]
async fn public_board(State(state): State<AppState>) -> Result<Json<app::publicity::Board>, ApiError> {
    Ok(Json(app::publicity::public_board(&state.app).await?))
}

/// 隐患统计：本镇（区：所辖各镇）案件按行业、等级、状态，销号用时中位数，逾期数。
#[utoipa::path(get, path = "/api/v1/hazards/stats", tag = "hazards",
    responses((status = 200, body = serde_json::Value), (status = 403, body = crate::api::ErrorBody)))]
async fn case_figures(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<app::publicity::Stats>, ApiError> {
    if !(actor.role.handles_hazards() || matches!(actor.role, domain::Role::Custodian | domain::Role::Auditor)) {
        return Err(app::Error::Forbidden.into());
    }
    Ok(Json(app::publicity::stats(&state.app, &actor.scope).await?))
}

fn no_store(res: impl IntoResponse) -> Response {
    let mut res = res.into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A report as JSON (photos and videos go through the page's form or Open311's `media_url`).
#[derive(Deserialize, ToSchema, Default)]
pub struct ReportBody {
    /// The town's id; may be left out when the installation serves one town.
    #[serde(default)]
    town_id: Option<String>,
    /// A category code from `GET /open311/v2/services` (or its Chinese name).
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
    /// True unless the reporter gives a name and a phone or e-mail.
    #[serde(default = "yes")]
    anonymous: bool,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
}

fn yes() -> bool {
    true
}

impl ReportBody {
    fn input(self) -> ReportInput {
        ReportInput {
            category: self.category,
            description: self.description,
            location: self.location,
            lat: self.lat.map(|v| v.to_string()),
            lon: self.lon.map(|v| v.to_string()),
            anonymous: self.anonymous,
            name: self.name,
            phone: self.phone,
            email: self.email,
        }
    }
}

/// 举报隐患（无需登录）：返回查询码（只返回这一次）。同一地址每小时的举报数有限，超出返回 429。
#[utoipa::path(post, path = "/api/v1/public/reports", tag = "hazards", request_body = ReportBody,
    responses((status = 201, body = serde_json::Value, description = "{code, created_at}: keep the code"),
        (status = 404, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody),
        (status = 429, body = crate::api::ErrorBody)))]
async fn file_report(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<Response, ApiError> {
    let town = match body.town_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => t.parse::<Uuid>().map_err(|_| app::Error::invalid("town_id", "invalid", "镇街编号无效"))?,
        None => match app::reports::towns(&state.app).await?.as_slice() {
            [one] => one.id,
            _ => return Err(app::Error::invalid("town_id", "required", "请选择所在镇街").into()),
        },
    };
    let report = NewReport { source: Source::Public { town }, input: body.input(), files: Vec::new() };
    let r = app::reports::file_report(&state.app, None, Some(&ip), report).await?;
    Ok(no_store((StatusCode::CREATED, Json(serde_json::json!({ "code": r.code, "created_at": r.created_at })))))
}

#[derive(Deserialize, ToSchema)]
pub struct CodeBody {
    code: String,
}

/// 凭查询码查看举报的办理进度（无需登录；查询次数有限，超出返回 429）。
#[utoipa::path(post, path = "/api/v1/public/reports/lookup", tag = "hazards", request_body = CodeBody,
    responses((status = 200, body = serde_json::Value), (status = 404, body = crate::api::ErrorBody),
        (status = 422, body = crate::api::ErrorBody), (status = 429, body = crate::api::ErrorBody)))]
async fn follow_report(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<Response, ApiError> {
    Ok(no_store(Json(app::reports::follow(&state.app, &ip, &body.code).await?)))
}

#[derive(Deserialize, IntoParams, Default)]
struct ListParams {
    /// received, declined, accepted, assigned, rectifying, rectified, closed, reopened, merged
    status: Option<String>,
    category: Option<String>,
    /// `1`: only cases past their deadline.
    overdue: Option<String>,
    page: Option<i64>,
}

/// 隐患案件列表：工作人员看本镇（区看所辖镇）的案件；联络员只看交给本单位的案件和本企业的自查。
#[utoipa::path(get, path = "/api/v1/hazards", tag = "hazards", params(ListParams),
    responses((status = 200, body = serde_json::Value), (status = 403, body = crate::api::ErrorBody),
        (status = 422, body = crate::api::ErrorBody)))]
async fn list_cases(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Json<app::Page<app::cases::CaseLine>>, ApiError> {
    let filter = app::cases::Filter::parse(q.status.as_deref(), q.category.as_deref(), q.overdue.as_deref())?;
    Ok(Json(app::cases::list(&state.app, &actor, &filter, q.page.unwrap_or(1)).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct EntryBody {
    /// hotline (a 12350 call), inspection (found by staff) or self_check (an enterprise's own check).
    channel: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    location: String,
    /// Hotline: the caller, if they gave a name and number.
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    /// Inspection: the unit the hazard is at.
    #[serde(default)]
    unit_id: String,
    /// Self-check: grade and deadline.
    #[serde(default)]
    grade: String,
    #[serde(default)]
    deadline: String,
}

/// 录入案件：12350 来电（返回给来电人的查询码）、检查发现、企业隐患自查。
#[utoipa::path(post, path = "/api/v1/hazards", tag = "hazards", request_body = EntryBody,
    responses((status = 201, body = serde_json::Value), (status = 403, body = crate::api::ErrorBody),
        (status = 422, body = crate::api::ErrorBody)))]
async fn record_case(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<EntryBody>,
) -> Result<Response, ApiError> {
    let input = ReportInput {
        category: body.category,
        description: body.description,
        location: body.location,
        name: body.name,
        phone: body.phone,
        ..ReportInput::default()
    };
    match body.channel.as_str() {
        "hotline" => {
            let r = app::entries::record_call(&state.app, &actor, input).await?;
            Ok(no_store((StatusCode::CREATED, Json(serde_json::json!({ "id": r.case_id, "code": r.code })))))
        }
        "inspection" | "self_check" => {
            let channel = if body.channel == "self_check" { Channel::SelfCheck } else { Channel::Inspection };
            let entry = OwnEntry { channel, input, unit: body.unit_id, grade: body.grade, deadline: body.deadline };
            let id = app::entries::record_own(&state.app, &actor, entry).await?;
            Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
        }
        _ => Err(app::Error::invalid("channel", "invalid", "来源应为 hotline、inspection 或 self_check").into()),
    }
}

/// 案件详情：联络员看不到举报原文和举报人的材料；只有身份保管员能查看举报人身份。
#[utoipa::path(get, path = "/api/v1/hazards/{id}", tag = "hazards", params(("id" = String, Path)),
    responses((status = 200, body = serde_json::Value), (status = 404, body = crate::api::ErrorBody)))]
async fn get_case(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<app::cases::CaseView>, ApiError> {
    Ok(Json(app::cases::get(&state.app, &actor, id).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct StepBody {
    /// accept, decline, assign, start, rectify, close, reopen, merge
    step: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    summary: String,
    /// Rectify: what was done, and the ids of files uploaded before (`/api/v1/files` or `/api/v1/uploads`).
    #[serde(default)]
    text: String,
    #[serde(default)]
    file_ids: Vec<Uuid>,
    /// Merge: the case this one duplicates.
    #[serde(default)]
    into: String,
    /// Reward (a closed major case): the fine in yuan; the reward is 15 % of it within ¥3,000–¥300,000.
    #[serde(default)]
    fine: String,
    /// Expose (a closed case): what the public reads.
    #[serde(default)]
    public_text: String,
}

/// 办理一步：受理、不予受理、交办、开始整改、报告整改完成、销号、重新整改、合并；销号后：确认奖励、公开曝光、取消曝光。
#[utoipa::path(post, path = "/api/v1/hazards/{id}/steps", tag = "hazards", params(("id" = String, Path)), request_body = StepBody,
    responses((status = 200, body = serde_json::Value), (status = 403, body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody),
        (status = 422, body = crate::api::ErrorBody)))]
async fn take_step(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiJson(b): ApiJson<StepBody>,
) -> Result<Json<app::cases::CaseView>, ApiError> {
    let form = StepForm {
        reason: b.reason,
        reply: b.reply,
        unit: b.unit_id,
        grade: b.grade,
        deadline: b.deadline,
        summary: b.summary,
        text: b.text,
        files: b.file_ids,
        into: b.into,
        fine: b.fine,
        public_text: b.public_text,
    };
    match app::cases::take(&state.app, &actor, id, &b.step, form).await {
        Some(done) => Ok(Json(done?)),
        None => Err(app::Error::invalid("step", "invalid", "未知的办理步骤").into()),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct RevealBody {
    reason: String,
}

/// 查看举报人身份（仅身份保管员，须写明理由；先记入留痕再返回）。
#[utoipa::path(post, path = "/api/v1/hazards/{id}/reveal", tag = "hazards", params(("id" = String, Path)), request_body = RevealBody,
    responses((status = 200, body = serde_json::Value), (status = 403, body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody),
        (status = 422, body = crate::api::ErrorBody)))]
async fn reveal_reporter(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiJson(b): ApiJson<RevealBody>,
) -> Result<Response, ApiError> {
    Ok(no_store(Json(app::reports::reveal(&state.app, &actor, id, &b.reason).await?)))
}
