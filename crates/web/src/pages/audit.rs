//! The audit trail for auditors: filter by action, person, record and dates; newest first.

use crate::extract::PageQuery as Query;
use app::audit::ListEvents;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Chrome, page_links, render};
use crate::AppState;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::session::PageActor;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list_events))
}

pub struct EventView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub action_code: String,
    pub entity: String,
    pub entity_id: String,
    pub summary: String,
    pub hash: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    events: Vec<EventView>,
    filter: ListEvents,
    filter_query: String,
    found: String,
    page: i64,
    links: Vec<Option<i64>>,
    error: Option<String>,
    actions: Vec<(&'static str, String)>,
}

/// Actions an auditor filters by most often.
const ACTIONS: [&str; 7] = ["auth.", "auth.login_failed", "unit.", "unit.import", "user.", "file.", "demo."];

async fn list_events(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Query(req): Query<ListEvents>,
) -> Response {
    let offset = state.app.config.offset();
    let (page, error) = match app::audit::list_events(&state.app, &actor, &req).await {
        Ok(p) => (Some(p), None),
        Err(app::Error::Invalid(errs)) => (None, errs.first().map(|e| lang.field_message(e))),
        Err(e) => return PageError::new(e, lang).into_response(),
    };
    let (events, total, current, pages) = match page {
        Some(p) => {
            let pages = p.pages();
            let events = p
                .items
                .into_iter()
                .map(|e| EventView {
                    seq: e.seq,
                    at: chrono::DateTime::parse_from_rfc3339(&e.at)
                        .map(|t| t.with_timezone(&offset).format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or(e.at.clone()),
                    actor: e.actor_name,
                    action: {
                        let key = format!("action-{}", e.action.replace(['.', '_'], "-"));
                        if lang.has(&key) { lang.t(&key) } else { e.action.clone() }
                    },
                    action_code: e.action,
                    entity: e.entity,
                    entity_id: e.entity_id.unwrap_or_default(),
                    summary: e.summary,
                    hash: e.hash[..12].to_owned(),
                })
                .collect();
            (events, p.total, p.page, pages)
        }
        None => (Vec::new(), 0, 1, 1),
    };
    let filter_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("action", req.action.as_deref().unwrap_or(""))
        .append_pair("actor", req.actor.as_deref().unwrap_or(""))
        .append_pair("entity_id", req.entity_id.as_deref().unwrap_or(""))
        .append_pair("from", req.from.as_deref().unwrap_or(""))
        .append_pair("until", req.until.as_deref().unwrap_or(""))
        .finish();
    let view = AuditPage {
        c: Chrome::new(lang, lang.t("audit-title"), Some(&actor), "/audit"),
        events,
        filter: req,
        filter_query,
        found: lang.ta("audit-found", &[("count", total.into())]),
        page: current,
        links: page_links(current, pages),
        error,
        actions: ACTIONS
            .iter()
            .map(|a| (*a, lang.t(&format!("action-{}", a.trim_end_matches('.').replace(['.', '_'], "-")))))
            .collect(),
    };
    render(&view, lang)
}
