//! Extractors whose refusals speak our language: a malformed form or query gives a Chinese page,
//! malformed JSON gives a JSON error with a stable code — never axum's plain-text rejection.

use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::error::error_page;
use crate::i18n::Lang;

fn api_error(status: StatusCode, code: &str, message: &str, detail: String) -> Response {
    tracing::debug!(%detail, code, "request body refused");
    (status, axum::Json(json!({ "error": { "code": code, "message": message, "detail": detail } }))).into_response()
}

/// A JSON body; a refusal is `{"error":{"code":"invalid_json"|…}}`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(match r {
                JsonRejection::MissingJsonContentType(_) => api_error(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "json_required",
                    "请求体须为 JSON（Content-Type: application/json）",
                    r.body_text(),
                ),
                JsonRejection::JsonDataError(_) => api_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    "JSON 字段缺失或类型不对",
                    r.body_text(),
                ),
                JsonRejection::BytesRejection(_) => {
                    api_error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "请求体过大", r.body_text())
                }
                _ => api_error(StatusCode::BAD_REQUEST, "invalid_json", "请求体不是合法的 JSON", r.body_text()),
            }),
        }
    }
}

/// Query parameters for the API; a refusal is `{"error":{"code":"invalid_query"}}`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| ApiQuery(q.0)).map_err(
            |r: QueryRejection| api_error(StatusCode::BAD_REQUEST, "invalid_query", "查询参数无效", r.body_text()),
        )
    }
}

/// Query parameters of a page; a refusal is a Chinese page.
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_request_parts(parts, state).await.unwrap_or_default();
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| PageQuery(q.0)).map_err(
            |r: QueryRejection| {
                tracing::debug!(detail = %r.body_text(), "query refused");
                error_page(StatusCode::BAD_REQUEST, lang, lang.t("error-bad-query"))
            },
        )
    }
}

/// A posted form of a page; a refusal is a Chinese page.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let lang = Lang::from_request_parts(&mut parts, state).await.unwrap_or_default();
        let req = Request::from_parts(parts, body);
        axum::Form::<T>::from_request(req, state).await.map(|f| PageForm(f.0)).map_err(|r: FormRejection| {
            tracing::debug!(detail = %r.body_text(), "form refused");
            error_page(StatusCode::BAD_REQUEST, lang, lang.t("error-bad-form"))
        })
    }
}

/// The `{id}` of a page's path; one that is not a UUID is simply not found.
pub struct PageId(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PageId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_request_parts(parts, state).await.unwrap_or_default();
        let id =
            axum::extract::Path::<String>::from_request_parts(parts, state).await.ok().and_then(|p| p.0.parse().ok());
        id.map(PageId).ok_or_else(|| crate::error::PageError::new(app::Error::NotFound, lang).into_response())
    }
}

/// The `{id}` of an API path; one that is not a UUID is `not_found`.
pub struct ApiId(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for ApiId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let id =
            axum::extract::Path::<String>::from_request_parts(parts, state).await.ok().and_then(|p| p.0.parse().ok());
        id.map(ApiId).ok_or_else(|| crate::error::ApiError(app::Error::NotFound).into_response())
    }
}

/// The two ids of a path such as `/campaigns/{id}/units/{unit}`; one that is not a UUID is "not found".
pub struct PageIds(pub uuid::Uuid, pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PageIds {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_request_parts(parts, state).await.unwrap_or_default();
        let ids = axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|p| Some(PageIds(p.0.0.parse().ok()?, p.0.1.parse().ok()?)));
        ids.ok_or_else(|| crate::error::PageError::new(app::Error::NotFound, lang).into_response())
    }
}

/// The two ids of an API path; one that is not a UUID is `not_found`.
pub struct ApiIds(pub uuid::Uuid, pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for ApiIds {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ids = axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|p| Some(ApiIds(p.0.0.parse().ok()?, p.0.1.parse().ok()?)));
        ids.ok_or_else(|| crate::error::ApiError(app::Error::NotFound).into_response())
    }
}
