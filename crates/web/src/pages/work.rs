//! The liaison's home: everything the unit owes across campaigns with a countdown, signing for each notice
//! (签收) and naming the unit's contact person for it (专人).

use app::Error;
use app::work::CampaignWork;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Chrome, FieldErrors};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{PageForm as Form, PageId};
use crate::i18n::Lang;
use crate::session::PageActor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/my-work", get(my_work))
        .route("/campaigns/{id}/receipt", post(sign_receipt))
        .route("/campaigns/{id}/contact", post(name_contact))
}

/// (campaign, signed at as shown, [(task, countdown, late)])
type WorkItem = (CampaignWork, String, Vec<(app::work::Due, String, bool)>);

#[derive(Template)]
#[template(path = "my_work.html")]
struct WorkPage {
    c: Chrome,
    items: Vec<WorkItem>,
    /// The campaign whose contact form failed, with what was typed and why.
    failed: Option<(String, String, String, FieldErrors)>,
}

impl WorkPage {
    /// What was typed into the contact form of `campaign` when it failed, and why: (name, phone, errors).
    fn failed_for(&self, campaign: &str) -> Option<(&str, &str, &FieldErrors)> {
        self.failed.as_ref().filter(|f| f.0 == campaign).map(|f| (f.1.as_str(), f.2.as_str(), &f.3))
    }
}

/// Days left (or late) while the task waits for the unit; else where it stands. True when late.
pub(super) fn countdown(lang: Lang, days: i64, status: &str) -> (String, bool) {
    if status != "pending" && status != "returned" {
        return (lang.t(&format!("task-status-{status}")), false);
    }
    let (left, late) = match days {
        0 => (lang.t("due-today"), false),
        d if d > 0 => (lang.ta("due-days-left", &[("days", d.into())]), false),
        d => (lang.ta("due-days-late", &[("days", (-d).into())]), true),
    };
    if status == "returned" { (format!("{} · {left}", lang.t("task-status-returned")), true) } else { (left, late) }
}

async fn work_page(
    state: &AppState,
    lang: Lang,
    actor: &app::auth::Actor,
    failed: Option<(String, String, String, FieldErrors)>,
) -> Response {
    let work = match app::work::my_work(&state.app, actor).await {
        Ok(w) => w,
        Err(e) => return PageError::new(e, lang).into_response(),
    };
    let offset = state.app.config.offset();
    let c = Chrome::new(lang, lang.t("my-work-title"), Some(actor), "/my-work");
    let items = work
        .into_iter()
        .map(|w| {
            let signed = w.signed_at.map(|t| c.time(&t, offset)).unwrap_or_default();
            let tasks = w
                .tasks
                .iter()
                .map(|t| {
                    let (label, late) = countdown(lang, t.days_left, &t.status);
                    (t.clone(), label, late)
                })
                .collect();
            (w, signed, tasks)
        })
        .collect();
    let status = if failed.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    super::render_status(&WorkPage { c, items, failed }, status, lang)
}

async fn my_work(State(state): State<AppState>, lang: Lang, PageActor(actor): PageActor) -> Response {
    work_page(&state, lang, &actor, None).await
}

async fn sign_receipt(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    match app::work::sign_receipt(&state.app, &actor, id).await {
        Ok(()) => Redirect::to(&format!("/my-work#c-{id}")).into_response(),
        Err(e) => PageError::new(e, lang).into_response(),
    }
}

#[derive(Deserialize, Default)]
struct ContactForm {
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
}

async fn name_contact(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Form(f): Form<ContactForm>,
) -> Response {
    match app::work::name_contact(&state.app, &actor, id, &f.contact_name, &f.contact_phone).await {
        Ok(()) => Redirect::to(&format!("/my-work#c-{id}")).into_response(),
        Err(Error::Invalid(errs)) => {
            let failed = (id.to_string(), f.contact_name, f.contact_phone, FieldErrors::from_errors(&errs, lang));
            work_page(&state, lang, &actor, Some(failed)).await
        }
        Err(e) => PageError::new(e, lang).into_response(),
    }
}
