//! Signing in and out through the API, and the caller's own account.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::session::ClientIp;
use crate::session::{ApiActor, MaybeActor, session_cookie};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_session, get_session, delete_session))
        .routes(routes!(change_password))
        .routes(routes!(get_email, set_email))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The signed-in caller and the CSRF token to send with every state change.
#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub username: String,
    pub display_name: String,
    /// admin, organiser, reviewer, liaison, custodian or auditor.
    pub role: String,
    pub authority_id: String,
    pub authority_name: String,
    pub unit_id: Option<String>,
    pub must_change_password: bool,
    pub csrf_token: String,
}

fn info(a: &app::auth::Actor) -> SessionInfo {
    SessionInfo {
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role.as_str().into(),
        authority_id: a.authority_id.to_string(),
        authority_name: a.authority_name.clone(),
        unit_id: a.unit_id.map(|u| u.to_string()),
        must_change_password: a.must_change_password,
        csrf_token: a.csrf_token().into(),
    }
}

/// 登录：用户名和密码换取会话（Cookie）与 CSRF 令牌。
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginRequest,
    responses((status = 201, body = SessionInfo), (status = 401, body = crate::api::ErrorBody), (status = 429, body = crate::api::ErrorBody)))]
async fn create_session(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let login = app::auth::login(&state.app, &req.username, &req.password, &ip).await?;
    let mut res = (StatusCode::CREATED, axum::Json(info(&login.actor))).into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(&login.token, state.app.config.secure_cookies()));
    Ok(res)
}

/// 当前会话：登录者信息与 CSRF 令牌。
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = SessionInfo), (status = 401, body = crate::api::ErrorBody)))]
async fn get_session(ApiActor(actor): ApiActor) -> axum::Json<SessionInfo> {
    axum::Json(info(&actor))
}

/// 退出登录：服务器端立即作废会话。
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
async fn delete_session(State(state): State<AppState>, MaybeActor(actor): MaybeActor) -> Result<Response, ApiError> {
    if let Some(actor) = actor {
        app::auth::logout(&state.app, &actor).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie("", state.app.config.secure_cookies()));
    Ok(res)
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current: String,
    pub password: String,
    pub confirm: String,
}

/// 修改本人密码；其他会话随之失效。
#[utoipa::path(put, path = "/api/v1/me/password", tag = "session", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = crate::api::ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    app::auth::change_password(&state.app, &actor, &req.current, &req.password, &req.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct EmailAddress {
    /// Where notifications also go by email (when the installation has SMTP); empty or null: nowhere.
    pub email: Option<String>,
}

/// 本人的通知邮箱。
#[utoipa::path(get, path = "/api/v1/me/email", tag = "session", responses((status = 200, body = EmailAddress)))]
async fn get_email(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<axum::Json<EmailAddress>, ApiError> {
    Ok(axum::Json(EmailAddress { email: app::users::my_email(&state.app, &actor).await? }))
}

/// 设置（或清空）本人的通知邮箱：配置了邮件服务器时，提醒和审核结果也发到这里。
#[utoipa::path(put, path = "/api/v1/me/email", tag = "session", request_body = EmailAddress,
    responses((status = 200, body = EmailAddress), (status = 422, body = crate::api::ErrorBody)))]
async fn set_email(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<EmailAddress>,
) -> Result<axum::Json<EmailAddress>, ApiError> {
    let email = app::users::set_my_email(&state.app, &actor, req.email.as_deref().unwrap_or("")).await?;
    Ok(axum::Json(EmailAddress { email }))
}
