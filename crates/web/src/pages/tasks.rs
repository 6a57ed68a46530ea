//! A task's page: the unit hands in text and files (once per form, with progress), takes a version back
//! before review, and the reviewer takes it up, accepts or returns it.

use app::Error;
use app::submissions::{NewSubmission, Target, TaskView};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::work::ReviewInput;
use serde::Deserialize;
use store::files::FileRow;
use uuid::Uuid;

use super::{Chrome, FieldErrors};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{PageForm as Form, PageId, PageQuery as Query};
use crate::i18n::Lang;
use crate::session::PageActor;
use crate::upload::{Limits, receive_files};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks/{id}", get(show_task))
        // Many files in one form: each is capped on its own, the whole body by the global limit.
        .route("/tasks/{id}/submit", post(submit).layer(axum::extract::DefaultBodyLimit::disable()))
        .route("/submissions/{id}/withdraw", post(withdraw))
        .route("/submissions/{id}/take-up", post(take_up))
        .route("/submissions/{id}/decision", post(decide))
}

fn page_error(e: impl Into<Error>, lang: Lang) -> Response {
    PageError::new(e, lang).into_response()
}

/// What the submission form held when it failed: the text, the files already stored, and why.
#[derive(Default)]
struct Draft {
    body: String,
    files: Vec<FileRow>,
    errors: FieldErrors,
    message: Option<String>,
}

/// What the decision form held when it failed.
#[derive(Default)]
struct Decision {
    input: ReviewInput,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    c: Chrome,
    v: TaskView,
    status_label: String,
    countdown: String,
    late: bool,
    /// The form's one-time key: the same form sent twice makes one version.
    key: String,
    draft: Draft,
    decision: Decision,
    is_staff: bool,
    limit: String,
    limit_bytes: u64,
    offset: chrono::FixedOffset,
}

impl TaskPage {
    fn version_status(&self, status: &str) -> String {
        self.c.t(&format!("submission-status-{status}"))
    }

    fn version_title(&self, n: &i32) -> String {
        self.c.ta("submission-version", &[("n", i64::from(*n).into())])
    }

    fn files_hint(&self) -> String {
        self.c.ta("submission-files-hint", &[("limit", self.limit.as_str().into())])
    }

    fn size(&self, n: &i64) -> String {
        store::files::human_size(u64::try_from(*n).unwrap_or(0))
    }

    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        super::local_time(t, self.offset)
    }

    /// Where a photo was taken, as degrees a person can paste into a map.
    fn place(&self, f: &store::work::SubmittedFile) -> Option<String> {
        let (lat, lon) = (f.latitude?, f.longitude?);
        let ns = if lat >= 0.0 { "N" } else { "S" };
        let ew = if lon >= 0.0 { "E" } else { "W" };
        Some(format!("{:.5}°{ns} {:.5}°{ew}", lat.abs(), lon.abs()))
    }

    fn stars_of(&self, r: &i32) -> String {
        (1..=5).map(|i| if i <= *r { '★' } else { '☆' }).collect()
    }

    fn may_withdraw(&self, id: &Uuid) -> bool {
        self.v.may_withdraw == Some(*id)
    }

    fn may_review(&self, id: &Uuid) -> bool {
        self.v.may_review == Some(*id)
    }

    fn stars(&self, n: &&str) -> String {
        self.c.ta("review-stars", &[("n", (*n).into())])
    }
}

async fn task_page(
    state: &AppState,
    lang: Lang,
    actor: &app::auth::Actor,
    id: Uuid,
    draft: Draft,
    decision: Decision,
) -> Response {
    let v = match app::submissions::get_task(&state.app, actor, id).await {
        Ok(v) => v,
        Err(e) => return page_error(e, lang),
    };
    let failed = !draft.errors.0.is_empty() || draft.message.is_some() || !decision.errors.0.is_empty();
    let (countdown, late) = super::work::countdown(lang, v.days_left, v.status.as_str());
    let limit_bytes = state.app.config.upload_max_mib << 20;
    let page = TaskPage {
        c: Chrome::new(lang, format!("{} · {}", v.task.deliverable, v.task.unit_name), Some(actor), "/tasks"),
        status_label: lang.t(&format!("board-status-{}", v.board_status.as_str())),
        countdown,
        late,
        key: Uuid::new_v4().to_string(),
        draft,
        decision,
        is_staff: actor.role.reads_campaigns(),
        limit: store::files::human_size(limit_bytes),
        limit_bytes,
        offset: state.app.config.offset(),
        v,
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    super::render_status(&page, status, lang)
}

async fn show_task(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    task_page(&state, lang, &actor, id, Draft::default(), Decision::default()).await
}

#[derive(Deserialize, Default)]
struct KeyQuery {
    #[serde(default)]
    key: Option<String>,
}

async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Query(q): Query<KeyQuery>,
    form: Multipart,
) -> Response {
    // Checked before a byte is stored: another unit's task, a closed campaign, a task waiting for review.
    match app::submissions::submission_target(&state.app, &actor, id, q.key.as_deref()).await {
        Ok(Target::Open(_)) => {}
        Ok(Target::Repeat(v)) => return Redirect::to(&format!("/tasks/{id}#v-{}", v.id)).into_response(),
        Err(e) => return page_error(e, lang),
    }
    let limits = Limits {
        file_bytes: state.app.config.upload_max_mib << 20,
        files: domain::work::MAX_SUBMISSION_FILES,
        text_bytes: 256 << 10,
    };
    let got = receive_files(&state.app, &actor, form, limits, store::files::kinds::EVIDENCE).await;
    let body = got.field("body").unwrap_or_default().to_owned();
    // Files kept from an earlier attempt, and the ones this request carried.
    let kept = got.kept(&state.app, &actor).await;
    let failed = |e: Error, kept: Vec<FileRow>| {
        let message = if matches!(e, Error::Invalid(_)) { None } else { Some(lang.error_message(&e)) };
        let errors = match &e {
            Error::Invalid(errs) => FieldErrors::from_errors(errs, lang),
            _ => FieldErrors::default(),
        };
        Draft { body: body.clone(), files: kept, errors, message }
    };
    if let Some(e) = got.error {
        let draft = failed(e, kept);
        return task_page(&state, lang, &actor, id, draft, Decision::default()).await;
    }
    let input = NewSubmission { body: body.clone(), file_ids: kept.iter().map(|f| f.id).collect(), client_key: q.key };
    match app::submissions::submit(&state.app, &actor, id, &input).await {
        Ok(v) => Redirect::to(&format!("/tasks/{id}#v-{}", v.id)).into_response(),
        Err(e @ Error::Invalid(_)) => task_page(&state, lang, &actor, id, failed(e, kept), Decision::default()).await,
        Err(e) => page_error(e, lang),
    }
}

/// Where a submission's task page is, for the redirect after acting on it.
async fn task_of(state: &AppState, id: Uuid) -> String {
    match store::work::submission(&state.app.db, id).await {
        Ok(Some(s)) => format!("/tasks/{}#v-{id}", s.task_id),
        _ => "/".to_owned(),
    }
}

async fn withdraw(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    match app::submissions::withdraw(&state.app, &actor, id).await {
        Ok(()) => Redirect::to(&task_of(&state, id).await).into_response(),
        Err(e) => page_error(e, lang),
    }
}

async fn take_up(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    match app::review::take_up(&state.app, &actor, id).await {
        Ok(()) => Redirect::to(&task_of(&state, id).await).into_response(),
        Err(e) => page_error(e, lang),
    }
}

#[derive(Deserialize, Default)]
struct DecisionForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    rating: Option<String>,
    #[serde(default)]
    exemplary: Option<String>,
}

async fn decide(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Form(f): Form<DecisionForm>,
) -> Response {
    let input =
        ReviewInput { verdict: f.verdict, comment: f.comment, rating: f.rating, exemplary: f.exemplary.is_some() };
    match app::review::decide(&state.app, &actor, id, &input).await {
        Ok(s) => Redirect::to(&format!("/tasks/{}#v-{id}", s.task_id)).into_response(),
        Err(Error::Invalid(errs)) => {
            let task = match store::work::submission(&state.app.db, id).await {
                Ok(Some(s)) => s.task_id,
                _ => return page_error(Error::NotFound, lang),
            };
            let decision = Decision { input, errors: FieldErrors::from_errors(&errs, lang) };
            task_page(&state, lang, &actor, task, Draft::default(), decision).await
        }
        Err(e) => page_error(e, lang),
    }
}
