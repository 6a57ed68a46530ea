//! The unit register through the API.

use app::import::ImportReport;
use app::units::ListUnits;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use domain::units::UnitInput;
use serde::{Deserialize, Serialize};
use store::units::{UnitRow, UnitSummary};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiId, ApiJson, ApiQuery};
use crate::session::ApiActor;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit, update_unit))
        .routes(routes!(deactivate_unit))
        .routes(routes!(reactivate_unit))
        .merge(
            // Streamed into the file store, which enforces the import size limit itself.
            OpenApiRouter::new().routes(routes!(import_units)).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(get_import))
}

#[derive(Serialize, ToSchema)]
pub struct Unit {
    pub id: String,
    pub parent_id: Option<String>,
    /// district, town, department, community, village, school, institution or enterprise.
    pub kind: String,
    pub name: String,
    pub code: Option<String>,
    pub industry: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub is_sample: bool,
    pub active: bool,
    pub updated_at: String,
}

impl From<&UnitSummary> for Unit {
    fn from(u: &UnitSummary) -> Self {
        Unit {
            id: u.id.to_string(),
            parent_id: u.parent_id.map(|p| p.to_string()),
            kind: u.kind.clone(),
            name: u.name.clone(),
            code: u.code.clone(),
            industry: u.industry.clone(),
            contact_name: u.contact_name.clone(),
            contact_phone: u.contact_phone.clone(),
            address: u.address.clone(),
            is_sample: u.is_sample,
            active: u.active,
            updated_at: u.updated_at.to_rfc3339(),
        }
    }
}

impl From<&UnitRow> for Unit {
    fn from(u: &UnitRow) -> Self {
        Unit::from(&UnitSummary::from(u))
    }
}

#[derive(Serialize, ToSchema)]
pub struct UnitPage {
    pub items: Vec<Unit>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, IntoParams)]
pub struct UnitListQuery {
    /// Search in name, code, contact and pinyin initials.
    pub q: Option<String>,
    pub kind: Option<String>,
    /// active (default), inactive or all.
    pub status: Option<String>,
    pub page: Option<i64>,
}

/// 单位列表：按名称、代码、联系人或拼音首字母搜索，每页 50 个。
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(UnitListQuery),
    responses((status = 200, body = UnitPage), (status = 403, body = crate::api::ErrorBody)))]
async fn list_units(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<UnitListQuery>,
) -> Result<Json<UnitPage>, ApiError> {
    let req = ListUnits { q: q.q, kind: q.kind, status: q.status, page: q.page };
    let p = app::units::list_units(&state.app, &actor, &req).await?;
    Ok(Json(UnitPage {
        items: p.items.iter().map(Unit::from).collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct UnitBody {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub is_sample: bool,
    /// Where the unit hangs (the caller's town when omitted). Ignored on update.
    pub parent_id: Option<String>,
}

impl UnitBody {
    fn input(&self) -> UnitInput {
        UnitInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            code: self.code.clone(),
            industry: self.industry.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            address: self.address.clone(),
            is_sample: self.is_sample,
        }
    }
}

/// 新增单位。
#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = UnitBody,
    responses((status = 201, body = Unit), (status = 422, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
async fn create_unit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<UnitBody>,
) -> Result<(StatusCode, Json<Unit>), ApiError> {
    let u = app::units::create_unit(&state.app, &actor, body.parent_id.as_deref(), &body.input()).await?;
    Ok((StatusCode::CREATED, Json(Unit::from(&u))))
}

/// 单位详情。
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", params(("id" = String, Path)),
    responses((status = 200, body = Unit), (status = 404, body = crate::api::ErrorBody)))]
async fn get_unit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<Unit>, ApiError> {
    let u = app::units::get_unit(&state.app, &actor, id).await?;
    Ok(Json(Unit::from(&u)))
}

/// 修改单位信息（整体替换可编辑字段）。
#[utoipa::path(put, path = "/api/v1/units/{id}", tag = "units", params(("id" = String, Path)), request_body = UnitBody,
    responses((status = 200, body = Unit), (status = 422, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
async fn update_unit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<UnitBody>,
) -> Result<Json<Unit>, ApiError> {
    let u = app::units::update_unit(&state.app, &actor, id, &body.input()).await?;
    Ok(Json(Unit::from(&u)))
}

/// 停用单位（保留历史，不再接收通知）。
#[utoipa::path(post, path = "/api/v1/units/{id}/deactivate", tag = "units", params(("id" = String, Path)),
    responses((status = 200, body = Unit), (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody)))]
async fn deactivate_unit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<Unit>, ApiError> {
    let u = app::units::set_unit_active(&state.app, &actor, id, false).await?;
    Ok(Json(Unit::from(&u)))
}

/// 重新启用单位。
#[utoipa::path(post, path = "/api/v1/units/{id}/reactivate", tag = "units", params(("id" = String, Path)),
    responses((status = 200, body = Unit), (status = 404, body = crate::api::ErrorBody)))]
async fn reactivate_unit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<Unit>, ApiError> {
    let u = app::units::set_unit_active(&state.app, &actor, id, true).await?;
    Ok(Json(Unit::from(&u)))
}

/// The outcome of an import.
#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    pub import_id: String,
    pub file_id: String,
    pub applied: bool,
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub rows: Vec<ImportRowResult>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportRowResult {
    pub line: usize,
    pub name: String,
    /// create, update, unchanged or error.
    pub outcome: String,
    pub errors: Vec<String>,
}

impl From<ImportReport> for ImportResult {
    fn from(r: ImportReport) -> Self {
        ImportResult {
            import_id: r.import_id.to_string(),
            file_id: r.file_id.to_string(),
            applied: r.applied,
            dry_run: r.dry_run,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            failed: r.failed,
            rows: r
                .rows
                .into_iter()
                .map(|x| ImportRowResult { line: x.line, name: x.name, outcome: x.outcome, errors: x.errors })
                .collect(),
        }
    }
}

/// Multipart fields of an import.
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the multipart form for the OpenAPI document only")]
pub struct ImportForm {
    /// CSV (UTF-8 or GBK) or XLSX; columns 名称, 类型, 代码, 行业, 联系人, 联系电话, 地址.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
    /// The town to import into (the caller's own when omitted).
    authority_id: Option<String>,
    /// Any value: check only, change nothing.
    dry_run: Option<String>,
}

/// 批量导入单位（CSV/XLSX）：逐行校验；全部无误才导入，否则不做任何改动。
#[utoipa::path(post, path = "/api/v1/units/imports", tag = "units", request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportResult, description = "Applied, or checked (dry run)"), (status = 422, body = ImportResult, description = "Rows with problems: nothing changed"),
        (status = 413, body = crate::api::ErrorBody), (status = 415, body = crate::api::ErrorBody)))]
async fn import_units(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    form: Multipart,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    if !actor.role.edits_unit_register() {
        return Err(ApiError(app::Error::Forbidden));
    }
    let limit = state.app.config.import_max_mib << 20;
    let received = crate::upload::receive(&state.app, &actor, form, limit, store::files::kinds::SPREADSHEET).await?;
    let file = received.file.ok_or_else(|| ApiError(app::Error::invalid("file", "required", "请选择要导入的文件")))?;
    let town = received.fields.get("authority_id").map(String::as_str);
    let report =
        app::import::import_units(&state.app, &actor, town, &file, received.fields.contains_key("dry_run")).await?;
    let status = if report.failed > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Json(report.into())))
}

/// 查看一次导入的逐行报告。
#[utoipa::path(get, path = "/api/v1/units/imports/{id}", tag = "units", params(("id" = String, Path)),
    responses((status = 200, body = ImportResult), (status = 404, body = crate::api::ErrorBody)))]
async fn get_import(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<ImportResult>, ApiError> {
    Ok(Json(app::import::get_import(&state.app, &actor, id).await?.into()))
}
