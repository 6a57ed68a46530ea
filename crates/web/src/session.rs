//! Sessions and CSRF: one middleware finds the caller behind the cookie (once per request) and
//! refuses state changes that come from another site or lack the session's CSRF token.

use std::net::SocketAddr;

use app::Error;
use app::auth::Actor;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::error::{ApiError, PageError, error_page};
use crate::i18n::Lang;

pub const COOKIE: &str = "anjian_session";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The caller of this request, as the middleware found it.
#[derive(Clone, Debug)]
pub struct Caller(pub Option<Actor>);

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for the session token (empty token: clear it).
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let mut c = if token.is_empty() {
        format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    } else {
        format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax")
    };
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or(HeaderValue::from_static("anjian_session=; Path=/; Max-Age=0"))
}

/// The client address, for throttling (`unknown` when the server was not given it).
pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A state change from another site: a browser says so in `Sec-Fetch-Site`, or the `Origin`
/// names a host other than the one addressed.
fn cross_site(headers: &HeaderMap) -> bool {
    if headers.get("sec-fetch-site").is_some_and(|v| v == "cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return false };
    if origin == "null" {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    !host.is_empty() && origin_host != host
}

fn refuse(path: &str, lang: Lang) -> Response {
    if path.starts_with("/api/") {
        let body =
            serde_json::json!({ "error": { "code": "csrf_failed", "message": "请求来源校验失败，请刷新页面后重试" } });
        (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
    } else {
        error_page(StatusCode::FORBIDDEN, lang, lang.t("error-csrf"))
    }
}

fn token_matches(given: &str, expected: &str) -> bool {
    !expected.is_empty() && given.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Authenticates the cookie and guards every state change.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let lang = Lang::from_request_parts(&mut parts, &state).await.unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let unsafe_method = is_unsafe(&parts.method);
    if unsafe_method && cross_site(&parts.headers) {
        return refuse(&path, lang);
    }
    let actor = match cookie_value(&parts.headers, COOKIE) {
        Some(token) if !token.is_empty() => match app::auth::authenticate(&state.app, token).await {
            Ok(a) => a,
            Err(e) => {
                return if path.starts_with("/api/") {
                    ApiError(e).into_response()
                } else {
                    PageError::new(e, lang).into_response()
                };
            }
        },
        _ => None,
    };
    let mut body = body;
    let login = path == "/login" || path == "/api/v1/session";
    if unsafe_method
        && !login
        && let Some(actor) = &actor
    {
        let expected = actor.csrf_token();
        let header_token = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        let query_token = parts.uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned())
        });
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let ok = if let Some(t) = header_token {
            token_matches(t, expected)
        } else if let Some(t) = &query_token {
            token_matches(t, expected)
        } else if is_form {
            let Ok(bytes) = axum::body::to_bytes(body, 2 << 20).await else {
                return error_page(StatusCode::PAYLOAD_TOO_LARGE, lang, lang.t("error-form-too-large"));
            };
            let found = url::form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
            body = Body::from(bytes);
            found.is_some_and(|t| token_matches(&t, expected))
        } else {
            false
        };
        if !ok {
            return refuse(&path, lang);
        }
    }
    parts.extensions.insert(Caller(actor));
    next.run(Request::from_parts(parts, body)).await
}

fn caller(parts: &Parts) -> Option<Actor> {
    parts.extensions.get::<Caller>().and_then(|c| c.0.clone())
}

/// Pages that need a signed-in user: otherwise to the login page (and back afterwards); a user
/// with a one-time password is sent to change it first.
#[derive(Debug, Clone)]
pub struct PageActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(actor) = caller(parts) else {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let target =
                format!("/login?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
            return Err(Redirect::to(&target).into_response());
        };
        let path = parts.uri.path();
        if actor.must_change_password && path != "/account/password" && path != "/logout" {
            return Err(Redirect::to("/account/password").into_response());
        }
        Ok(PageActor(actor))
    }
}

/// The client address, for per-address limits.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

/// The caller if signed in, for pages anyone may see.
#[derive(Debug, Clone)]
pub struct MaybeActor(pub Option<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeActor(caller(parts)))
    }
}

/// API routes that need a signed-in user: otherwise 401 with a JSON error.
#[derive(Debug, Clone)]
pub struct ApiActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let actor = caller(parts).ok_or(ApiError(Error::Unauthenticated))?;
        let path = parts.uri.path();
        if actor.must_change_password && path != "/api/v1/me/password" && path != "/api/v1/session" {
            return Err(ApiError(Error::Conflict {
                code: "password_change_required",
                message: "请先修改一次性密码".into(),
            }));
        }
        Ok(ApiActor(actor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_posts_pass_and_foreign_ones_do_not() {
        assert!(!cross_site(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")])));
        assert!(!cross_site(&headers(&[("host", "a")])));
        assert!(cross_site(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://evil.example")])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(cross_site(&headers(&[("origin", "null"), ("host", "a")])));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let h = headers(&[("cookie", "lang=en; anjian_session=abc; x=y")]);
        assert_eq!(cookie_value(&h, COOKIE), Some("abc"));
    }
}
