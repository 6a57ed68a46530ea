//! Account administration through the API.

use app::users::{Credentials, NewUser};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiId, ApiJson};
use crate::session::ApiActor;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(reset_password))
        .routes(routes!(deactivate_user))
        .routes(routes!(reactivate_user))
}

#[derive(Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub authority_id: String,
    pub authority_name: String,
    pub unit_id: Option<String>,
    pub unit_name: Option<String>,
    pub active: bool,
    pub must_change_password: bool,
}

/// 账号列表（系统管理员）。
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = [User]), (status = 403, body = crate::api::ErrorBody)))]
async fn list_users(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<Vec<User>>, ApiError> {
    let rows = app::users::list_users(&state.app, &actor).await?;
    Ok(Json(
        rows.into_iter()
            .map(|u| User {
                id: u.id.to_string(),
                username: u.username,
                display_name: u.display_name,
                role: u.role,
                authority_id: u.authority_id.to_string(),
                authority_name: u.authority_name,
                unit_id: u.unit_id.map(|x| x.to_string()),
                unit_name: u.unit_name,
                active: u.active,
                must_change_password: u.must_change_password,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct UserBody {
    pub username: String,
    pub display_name: String,
    /// admin, organiser, reviewer, liaison, custodian or auditor.
    pub role: String,
    pub authority_id: Option<String>,
    /// Required for a liaison.
    pub unit_id: Option<String>,
    pub phone: Option<String>,
}

/// A new or reset account's one-time password: shown once, never stored in clear.
#[derive(Serialize, ToSchema)]
pub struct OneTimeCredentials {
    pub user_id: String,
    pub username: String,
    pub one_time_password: String,
}

impl From<Credentials> for OneTimeCredentials {
    fn from(c: Credentials) -> Self {
        OneTimeCredentials {
            user_id: c.user_id.to_string(),
            username: c.username,
            one_time_password: c.one_time_password,
        }
    }
}

/// 新建账号，返回一次性密码（首次登录须修改）。
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserBody,
    responses((status = 201, body = OneTimeCredentials), (status = 422, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<UserBody>,
) -> Result<(StatusCode, Json<OneTimeCredentials>), ApiError> {
    let input = NewUser {
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        authority_id: body.authority_id,
        unit_id: body.unit_id,
        phone: body.phone,
    };
    let creds = app::users::create_user(&state.app, &actor, &input, None).await?;
    Ok((StatusCode::CREATED, Json(creds.into())))
}

/// 重置密码：生成一次性密码，并终止该账号的所有会话。
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = OneTimeCredentials), (status = 404, body = crate::api::ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<Json<OneTimeCredentials>, ApiError> {
    Ok(Json(app::users::reset_password(&state.app, &actor, id).await?.into()))
}

/// 停用账号（立即终止其会话）。
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "users", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody)))]
async fn deactivate_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<StatusCode, ApiError> {
    app::users::set_user_active(&state.app, &actor, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 重新启用账号。
#[utoipa::path(post, path = "/api/v1/users/{id}/reactivate", tag = "users", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::api::ErrorBody)))]
async fn reactivate_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiId(id): ApiId,
) -> Result<StatusCode, ApiError> {
    app::users::set_user_active(&state.app, &actor, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}
