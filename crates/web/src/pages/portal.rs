//! The public portal: notices marked 此件公开发布, with a structured summary and the original text. No sign-in.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use store::campaigns::CampaignSummary;

use super::{Chrome, page_links, render};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{PageId, PageQuery as Query};
use crate::i18n::Lang;
use crate::session::MaybeActor;

pub fn router() -> Router<AppState> {
    Router::new().route("/notices", get(list_notices)).route("/notices/{id}", get(show_notice))
}

#[derive(Template)]
#[template(path = "portal_list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<(CampaignSummary, String)>,
    page: i64,
    links: Vec<Option<i64>>,
}

#[derive(Deserialize, Default)]
struct PageNo {
    page: Option<i64>,
}

async fn list_notices(
    State(state): State<AppState>,
    lang: Lang,
    MaybeActor(actor): MaybeActor,
    Query(q): Query<PageNo>,
) -> Response {
    match app::campaigns::public_notices(&state.app, q.page).await {
        Ok(p) => {
            let offset = state.app.config.offset();
            let c = Chrome::new(lang, lang.t("portal-title"), actor.as_ref(), "/notices");
            let pages = p.pages();
            let rows = p
                .items
                .into_iter()
                .map(|s| {
                    let when = s.published_at.map(|t| c.time(&t, offset)).unwrap_or_default();
                    (s, when)
                })
                .collect();
            render(&ListPage { c, rows, page: p.page, links: page_links(p.page, pages) }, lang)
        }
        Err(e) => PageError::new(e, lang).into_response(),
    }
}

#[derive(Template)]
#[template(path = "portal_notice.html")]
struct NoticePage {
    c: Chrome,
    camp: app::campaigns::Campaign,
    period: String,
}

async fn show_notice(
    State(state): State<AppState>,
    lang: Lang,
    MaybeActor(actor): MaybeActor,
    PageId(id): PageId,
) -> Response {
    match app::campaigns::public_notice(&state.app, id).await {
        Ok(camp) => {
            let period = super::campaigns::period(camp.period_start, camp.period_end);
            let c = Chrome::new(lang, camp.title.clone(), actor.as_ref(), "/notices/show");
            render(&NoticePage { c, camp, period }, lang)
        }
        Err(e) => PageError::new(e, lang).into_response(),
    }
}
