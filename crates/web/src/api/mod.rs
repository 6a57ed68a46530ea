//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/v1/openapi.json`.
//! Sessions are the same cookie as the pages; state changes send the `X-CSRF-Token` header
//! (`GET /api/v1/session` returns it).

mod audit;
mod campaigns;
mod files;
mod hazards;
mod session;
mod units;
mod users;
mod work;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Anjian API",
        description = "安监：镇街安全生产活动、单位、账号与留痕。错误统一为 {\"error\":{\"code\",\"message\"}}，code 为稳定的 snake_case。"
    ),
    components(schemas(ErrorBody, ErrorDetail))
)]
struct ApiDoc;

/// Every error response.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `not_found`, `invalid_input`, `csrf_failed`.
    pub code: String,
    /// Chinese message for people.
    pub message: String,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(session::router())
        .merge(units::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(files::router())
        .merge(campaigns::router())
        .merge(work::router())
        .merge(hazards::router())
}
