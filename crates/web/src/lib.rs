//! The HTTP face of Anjian: server-rendered pages, the JSON API under `/api/v1` with its OpenAPI
//! document, sessions and CSRF, operations endpoints, and the assets inside the binary.

pub mod api;
mod assets;
pub mod error;
pub mod extract;
pub mod i18n;
mod open311;
mod ops;
pub mod pages;
pub mod session;
pub mod upload;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use app::App;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use ops::Metrics;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub metrics: Arc<Metrics>,
    /// False while starting up and once shutdown has begun: `/readyz` says 503.
    pub ready: Arc<AtomicBool>,
    /// Open311 lists answered in the last second.
    pub open311: Arc<open311::ListCache>,
}

impl AppState {
    pub fn new(app: App) -> AppState {
        AppState {
            app,
            metrics: Arc::new(Metrics::new()),
            ready: Arc::new(AtomicBool::new(true)),
            open311: Arc::default(),
        }
    }
}

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    let upload_limit = usize::try_from(state.app.config.upload_max_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX);
    let (api, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(pages::router())
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .merge(ops::router())
        .merge(open311::router())
        .merge(assets::router())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::middleware))
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::track))
        // Uploads stream; the limit stops a body that would never end. Routes set their own caps.
        .layer(DefaultBodyLimit::max(2 << 20))
        .layer(RequestBodyLimitLayer::new(upload_limit.saturating_add(1 << 20)))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(600)))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(axum::middleware::from_fn(error::request_id_middleware))
        .with_state(state)
}
