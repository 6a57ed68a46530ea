//! Downloading a stored file (or a photo's thumbnail) from a page.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::PageError;
use crate::extract::PageId;
use crate::i18n::Lang;
use crate::session::PageActor;

pub fn router() -> Router<AppState> {
    Router::new().route("/files/{id}", get(download_file)).route("/files/{id}/thumb", get(file_thumbnail))
}

async fn file_thumbnail(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    headers: HeaderMap,
) -> Response {
    match crate::upload::thumbnail(&state.app, &actor, id, &headers).await {
        Ok(r) => r,
        Err(e) => PageError::new(e, lang).into_response(),
    }
}

async fn download_file(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    headers: HeaderMap,
) -> Response {
    match crate::upload::download(&state.app, &actor, id, &headers).await {
        Ok(r) => r,
        Err(e) => PageError::new(e, lang).into_response(),
    }
}
