//! One use-case error, rendered twice: a JSON error with a stable code for the API, and a Chinese
//! page carrying the request id for people. 5xx bodies say nothing internal; the cause is logged.

use std::any::Any;

use app::Error;
use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::json;

use crate::i18n::Lang;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served (also in the `x-request-id` header and the logs).
pub fn request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| "-".to_owned())
}

/// Gives every request an id, makes it visible to error rendering, and returns it as a header.
pub async fn request_id_middleware(req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let span = tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let mut res = REQUEST_ID.scope(id.clone(), tracing::Instrument::instrument(next.run(req), span)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

pub fn status_of(e: &Error) -> StatusCode {
    use store::files::UploadError as U;
    match e {
        Error::Unauthenticated | Error::LoginFailed => StatusCode::UNAUTHORIZED,
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::Forbidden => StatusCode::FORBIDDEN,
        Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Upload(U::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        Error::Upload(U::TypeNotAllowed { .. } | U::TypeMismatch { .. }) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Error::Upload(U::Empty) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Upload(U::Io(_)) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

fn log(e: &Error, status: StatusCode) {
    if status.is_server_error() {
        tracing::error!(error = %e, code = e.code(), "request failed");
    } else {
        tracing::debug!(error = %e, code = e.code(), "request refused");
    }
}

fn retry_after(e: &Error, res: &mut Response) {
    let secs = match e {
        Error::TooManyAttempts { retry_after_seconds } => Some(*retry_after_seconds),
        Error::Unavailable(_) => Some(5),
        _ => None,
    };
    if let Some(v) = secs.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

/// An error from a JSON API route: `{"error":{"code","message","fields"?}}`.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        log(&self.0, status);
        let mut body = json!({ "code": self.0.code(), "message": self.0.message_zh() });
        if let Error::Invalid(fields) = &self.0 {
            body["fields"] = json!(fields);
        }
        if status.is_server_error() {
            body["request_id"] = json!(request_id());
        }
        let mut res = (status, axum::Json(json!({ "error": body }))).into_response();
        retry_after(&self.0, &mut res);
        res
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: Lang,
    status: u16,
    title: String,
    message: String,
    request_id: String,
}

/// An error from a page: a Chinese (or English) page with the request id; "not signed in" goes
/// to the login page instead.
#[derive(Debug)]
pub struct PageError {
    pub error: Error,
    pub lang: Lang,
}

impl PageError {
    pub fn new(error: impl Into<Error>, lang: Lang) -> PageError {
        PageError { error: error.into(), lang }
    }
}

pub fn error_page(status: StatusCode, lang: Lang, message: String) -> Response {
    let page = ErrorPage {
        lang,
        status: status.as_u16(),
        title: lang.t(&format!("error-title-{}", status.as_u16())),
        message,
        request_id: request_id(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, format!("{} — {}", status, request_id())).into_response(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.error, Error::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        let status = status_of(&self.error);
        log(&self.error, status);
        let message = self.lang.error_message(&self.error);
        let mut res = error_page(status, self.lang, message);
        retry_after(&self.error, &mut res);
        res
    }
}

/// Unknown paths: JSON under `/api/`, a page elsewhere.
pub async fn not_found(uri: Uri, lang: Lang) -> Response {
    if uri.path().starts_with("/api/") || uri.path().starts_with("/open311/") {
        ApiError(Error::NotFound).into_response()
    } else {
        PageError::new(Error::NotFound, lang).into_response()
    }
}

/// A panic becomes a plain 500 with the request id; the panic message goes to the log only.
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    tracing::error!(panic = %detail, "handler panicked");
    error_page(StatusCode::INTERNAL_SERVER_ERROR, Lang::Zh, Error::Internal(String::new()).message_zh())
}
