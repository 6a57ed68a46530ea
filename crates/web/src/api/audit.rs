//! The audit trail through the API (auditors only).

use app::audit::ListEvents;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::session::ApiActor;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit_events))
}

#[derive(Serialize, ToSchema)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// JSON text, exactly as hashed.
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Action prefix, e.g. `unit.` or `auth.login_failed`.
    pub action: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    /// Local date, inclusive (2026-11-01).
    pub from: Option<String>,
    pub until: Option<String>,
    pub page: Option<i64>,
}

/// 留痕记录（审计员）：最新在前，可按操作、人员、对象和日期筛选。
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::api::ErrorBody)))]
async fn list_audit_events(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let req = ListEvents {
        action: q.action,
        entity_id: q.entity_id,
        actor: q.actor,
        from: q.from,
        until: q.until,
        page: q.page,
    };
    let p = app::audit::list_events(&state.app, &actor, &req).await?;
    Ok(Json(AuditPage {
        items: p
            .items
            .into_iter()
            .map(|e| AuditEvent {
                seq: e.seq,
                at: e.at,
                actor_id: e.actor_id,
                actor_name: e.actor_name,
                action: e.action,
                entity: e.entity,
                entity_id: e.entity_id,
                summary: e.summary,
                prev_hash: e.prev_hash,
                hash: e.hash,
            })
            .collect(),
        total: p.total,
        page: p.page,
        per_page: p.per_page,
    }))
}
