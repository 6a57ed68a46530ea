//! Stylesheet, script and icon, compiled into the binary: the intranet needs nothing else.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");
const ICON: &str = include_str!("../assets/icon.svg");

fn cached(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(|| async { cached("text/css; charset=utf-8", CSS) }))
        .route("/assets/app.js", get(|| async { cached("text/javascript; charset=utf-8", JS) }))
        .route("/favicon.ico", get(|| async { cached("image/svg+xml", ICON) }))
        .route("/assets/icon.svg", get(|| async { cached("image/svg+xml", ICON) }))
}
