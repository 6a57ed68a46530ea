//! Hazard cases for staff and units: the list, entering a 12350 call, an inspection finding or an
//! enterprise's self-check, one case with the steps the caller may take, and the custodian's reveal.

use app::Error;
use app::cases::{CaseLine, CaseView, Filter, Step};
use app::entries::OwnEntry;
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::Role;
use domain::hazards::{self, Channel, Grade, HazardStatus, Identity, ReportInput};
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, FieldErrors, page_links, render, render_status};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{PageForm, PageId, PageQuery as Query};
use crate::i18n::Lang;
use crate::session::PageActor;
use crate::upload::{Limits, receive_files};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hazards", get(list_cases))
        .route("/hazards/new", get(new_case).post(record_case))
        .route("/hazards/stats", get(show_stats))
        .route("/hazards/lists", get(show_lists).post(add_to_list))
        .route("/hazards/lists/{id}/withdraw", post(withdraw_from_list))
        .route("/hazards/{id}", get(show_case))
        .route("/hazards/{id}/notice.docx", get(download_notice))
        .route("/hazards/{id}/rectify", post(rectify).layer(axum::extract::DefaultBodyLimit::disable()))
        .route("/hazards/{id}/reveal", post(reveal))
        .route("/hazards/{id}/{step}", post(take_step))
        .route("/units/{id}/whistle", get(show_whistle).post(make_whistle))
}

fn page_error(e: impl Into<Error>, lang: Lang) -> Response {
    PageError::new(e, lang).into_response()
}

fn status_labels() -> Vec<(String, String)> {
    HazardStatus::ALL.iter().map(|s| (s.as_str().to_owned(), s.label_zh().to_owned())).collect()
}

fn grade_labels() -> Vec<(String, String)> {
    Grade::ALL.iter().map(|g| (g.as_str().to_owned(), g.label_zh().to_owned())).collect()
}

#[derive(Deserialize, Default)]
struct ListQuery {
    status: Option<String>,
    category: Option<String>,
    overdue: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "hazards_list.html")]
struct ListPage {
    c: Chrome,
    page: app::Page<CaseLine>,
    links: Vec<Option<i64>>,
    statuses: Vec<(String, String)>,
    categories: &'static [(&'static str, &'static str)],
    status: String,
    category: String,
    overdue: bool,
    can_record: bool,
    can_self_check: bool,
    own_unit: Option<Uuid>,
    can_read_figures: bool,
    offset: chrono::FixedOffset,
}

impl ListPage {
    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        super::local_time(t, self.offset)
    }
}

async fn list_cases(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> Response {
    let made = async {
        let filter = Filter::parse(q.status.as_deref(), q.category.as_deref(), q.overdue.as_deref())?;
        let page = app::cases::list(&state.app, &actor, &filter, q.page.unwrap_or(1)).await?;
        let can_self_check =
            actor.role == Role::Liaison && app::cases::is_enterprise_liaison(&state.app, &actor).await?;
        Ok::<_, Error>((filter, page, can_self_check))
    }
    .await;
    match made {
        Ok((filter, page, can_self_check)) => {
            let links = page_links(page.page, page.pages());
            let p = ListPage {
                c: Chrome::new(lang, lang.t("hazards-title"), Some(&actor), "/hazards"),
                links,
                page,
                statuses: status_labels(),
                categories: hazards::CATEGORIES,
                status: filter.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                category: filter.category.unwrap_or_default().to_owned(),
                overdue: filter.overdue,
                can_record: actor.role.handles_hazards() && actor.authority_is_town,
                can_self_check,
                own_unit: actor.unit_id,
                can_read_figures: actor.role != Role::Liaison,
                offset: state.app.config.offset(),
            };
            render(&p, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

#[derive(Deserialize, Default)]
struct ChannelQuery {
    #[serde(default)]
    channel: String,
}

#[derive(Template)]
#[template(path = "hazard_new.html")]
struct NewPage {
    c: Chrome,
    channel: String,
    title_key: String,
    categories: &'static [(&'static str, &'static str)],
    grades: Vec<(String, String)>,
    units: Vec<(Uuid, String, String)>,
    input: ReportInput,
    unit: String,
    grade: String,
    deadline: String,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
struct NewForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    deadline: String,
}

fn channel_of(q: &ChannelQuery) -> Result<&'static str, Error> {
    match q.channel.as_str() {
        "hotline" => Ok("hotline"),
        "inspection" => Ok("inspection"),
        "self_check" => Ok("self_check"),
        _ => Err(Error::NotFound),
    }
}

async fn new_page(
    state: &AppState,
    lang: Lang,
    actor: &app::auth::Actor,
    channel: &'static str,
    form: NewForm,
    errors: FieldErrors,
) -> Result<NewPage, Error> {
    // Who may use the form is decided where it is saved; this only spares a form that cannot be sent.
    let allowed = match channel {
        "self_check" => actor.role == Role::Liaison && app::cases::is_enterprise_liaison(&state.app, actor).await?,
        _ => actor.role.handles_hazards() && actor.authority_is_town,
    };
    if !allowed {
        return Err(Error::Forbidden);
    }
    let title_key = format!("hazard-new-title-{channel}");
    Ok(NewPage {
        c: Chrome::new(lang, lang.t(&title_key), Some(actor), "/hazards"),
        channel: channel.to_owned(),
        title_key,
        categories: hazards::CATEGORIES,
        grades: grade_labels(),
        units: app::cases::assignable_units(&state.app, actor).await?,
        input: ReportInput {
            category: form.category,
            description: form.description,
            location: form.location,
            name: form.name,
            phone: form.phone,
            ..ReportInput::default()
        },
        unit: form.unit,
        grade: form.grade,
        deadline: form.deadline,
        errors,
    })
}

async fn new_case(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Query(q): Query<ChannelQuery>,
) -> Response {
    let made = async {
        let channel = channel_of(&q)?;
        new_page(&state, lang, &actor, channel, NewForm::default(), FieldErrors::default()).await
    }
    .await;
    match made {
        Ok(p) => render(&p, lang),
        Err(e) => page_error(e, lang),
    }
}

async fn record_case(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Query(q): Query<ChannelQuery>,
    PageForm(form): PageForm<NewForm>,
) -> Response {
    let channel = match channel_of(&q) {
        Ok(c) => c,
        Err(e) => return page_error(e, lang),
    };
    let input = ReportInput {
        category: form.category.clone(),
        description: form.description.clone(),
        location: form.location.clone(),
        name: form.name.clone(),
        phone: form.phone.clone(),
        ..ReportInput::default()
    };
    let result = match channel {
        "hotline" => app::entries::record_call(&state.app, &actor, input).await.map(|r| {
            let c = Chrome::new(lang, lang.t("receipt-title"), Some(&actor), "/hazards");
            let mut res = render(&super::reports::receipt_page(c, &r, true), lang);
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }),
        _ => {
            let channel = if channel == "self_check" { Channel::SelfCheck } else { Channel::Inspection };
            let entry = OwnEntry {
                channel,
                input,
                unit: form.unit.clone(),
                grade: form.grade.clone(),
                deadline: form.deadline.clone(),
            };
            app::entries::record_own(&state.app, &actor, entry)
                .await
                .map(|id| Redirect::to(&format!("/hazards/{id}")).into_response())
        }
    };
    match result {
        Ok(res) => res,
        Err(Error::Invalid(list)) => {
            let errors = FieldErrors::from_errors(&list, lang);
            match new_page(&state, lang, &actor, channel, form, errors).await {
                Ok(p) => render_status(&p, StatusCode::UNPROCESSABLE_ENTITY, lang),
                Err(e) => page_error(e, lang),
            }
        }
        Err(e) => page_error(e, lang),
    }
}

#[derive(Template)]
#[template(path = "hazard_detail.html")]
struct DetailPage {
    c: Chrome,
    h: CaseView,
    units: Vec<(Uuid, String, String)>,
    grades: Vec<(String, String)>,
    is_liaison: bool,
    errors: FieldErrors,
    limit_bytes: u64,
    offset: chrono::FixedOffset,
}

impl DetailPage {
    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        super::local_time(t, self.offset)
    }

    fn yuan(&self, fen: &i64) -> String {
        hazards::format_yuan(*fen)
    }

    fn coords(&self) -> Option<String> {
        Some(format!("{:.5}, {:.5}", self.h.lat?, self.h.lon?))
    }

    fn stage_label(&self, stage: &str) -> &'static str {
        match stage {
            "report" => "举报材料",
            "rectification" => "整改材料",
            _ => "核查材料",
        }
    }
}

async fn detail(
    state: &AppState,
    lang: Lang,
    actor: &app::auth::Actor,
    h: CaseView,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let units = if h.allowed.assign {
        match app::cases::assignable_units(&state.app, actor).await {
            Ok(u) => u,
            Err(e) => return page_error(e, lang),
        }
    } else {
        Vec::new()
    };
    let p = DetailPage {
        c: Chrome::new(lang, format!("{} · {}", h.number, lang.t("hazards-title")), Some(actor), "/hazards"),
        h,
        units,
        grades: grade_labels(),
        is_liaison: actor.role == Role::Liaison,
        errors,
        limit_bytes: state.app.config.upload_max_mib << 20,
        offset: state.app.config.offset(),
    };
    render_status(&p, status, lang)
}

async fn show_case(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    match app::cases::get(&state.app, &actor, id).await {
        Ok(h) => detail(&state, lang, &actor, h, FieldErrors::default(), StatusCode::OK).await,
        Err(e) => page_error(e, lang),
    }
}

/// After a step: back to the case, or the case with the messages.
async fn after_step(
    state: &AppState,
    lang: Lang,
    actor: &app::auth::Actor,
    id: Uuid,
    done: Result<CaseView, Error>,
) -> Response {
    match done {
        Ok(_) => Redirect::to(&format!("/hazards/{id}")).into_response(),
        Err(e @ (Error::Invalid(_) | Error::Conflict { .. })) => {
            let errors = match &e {
                Error::Invalid(list) => FieldErrors::from_errors(list, lang),
                other => FieldErrors::from_errors(
                    &[domain::FieldError::new("step", other.code(), lang.error_message(other))],
                    lang,
                ),
            };
            match app::cases::get(&state.app, actor, id).await {
                Ok(h) => detail(state, lang, actor, h, errors, crate::error::status_of(&e)).await,
                Err(e) => page_error(e, lang),
            }
        }
        Err(e) => page_error(e, lang),
    }
}

#[derive(Deserialize, Default)]
struct StepForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    into: String,
    #[serde(default)]
    fine: String,
    #[serde(default)]
    public_text: String,
}

async fn take_step(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    axum::extract::Path((id, step)): axum::extract::Path<(String, String)>,
    PageForm(form): PageForm<StepForm>,
) -> Response {
    let Ok(id) = id.parse::<Uuid>() else { return page_error(Error::NotFound, lang) };
    let form = app::cases::StepForm {
        reason: form.reason,
        reply: form.reply,
        unit: form.unit,
        grade: form.grade,
        deadline: form.deadline,
        summary: form.summary,
        into: form.into,
        fine: form.fine,
        public_text: form.public_text,
        ..app::cases::StepForm::default()
    };
    // Rectifying carries files: it has its own multipart route.
    let done = match step.as_str() {
        "rectify" => None,
        name => app::cases::take(&state.app, &actor, id, name, form).await,
    };
    match done {
        Some(done) => after_step(&state, lang, &actor, id, done).await,
        None => page_error(Error::NotFound, lang),
    }
}

async fn rectify(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    form: Multipart,
) -> Response {
    // The role and the case are checked before a byte is stored.
    if let Err(e) = app::cases::check_rectifier(&state.app, &actor, id).await {
        return page_error(e, lang);
    }
    let limits = Limits { file_bytes: state.app.config.upload_max_mib << 20, files: 20, text_bytes: 16 * 1024 };
    let mut got = receive_files(&state.app, &actor, form, limits, store::files::kinds::EVIDENCE).await;
    let done = match got.error.take().map_or_else(|| got.file_ids(), Err) {
        Err(e) => Err(e),
        Ok(files) => {
            let text = got.field("text").unwrap_or("").to_owned();
            app::cases::act(&state.app, &actor, id, Step::Rectify { text, files }).await
        }
    };
    after_step(&state, lang, &actor, id, done).await
}

#[derive(Template)]
#[template(path = "hazard_identity.html")]
struct IdentityPage {
    c: Chrome,
    id: Uuid,
    number: String,
    identity: Identity,
}

#[derive(Deserialize, Default)]
struct RevealForm {
    #[serde(default)]
    reason: String,
}

async fn reveal(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    PageForm(form): PageForm<RevealForm>,
) -> Response {
    match app::reports::reveal(&state.app, &actor, id, &form.reason).await {
        Ok(identity) => {
            let number = app::cases::case_number(id);
            let c = Chrome::new(lang, lang.t("hazard-reveal-title"), Some(&actor), "/hazards");
            let mut res = render(&IdentityPage { c, id, number, identity }, lang);
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e @ (Error::Invalid(_) | Error::Conflict { .. })) => after_step(&state, lang, &actor, id, Err(e)).await,
        Err(e) => page_error(e, lang),
    }
}

#[derive(Template)]
#[template(path = "whistle.html")]
struct WhistlePage {
    c: Chrome,
    unit_id: Uuid,
    name: String,
    link: Option<String>,
    /// The link as an inline SVG QR code.
    qr: String,
}

/// The address people scan: the configured public address, else the one this request came to.
fn whistle_url(state: &AppState, headers: &axum::http::HeaderMap, token: &str) -> String {
    let base = state.app.config.public_url.trim_end_matches('/').to_owned();
    let base = if base.is_empty() {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        format!("http://{host}")
    } else {
        base
    };
    format!("{base}/report/w/{token}")
}

fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(240, 240).build();
            // Inline in the page: without the XML declaration.
            svg.split_once("?>").map_or(svg.clone(), |(_, rest)| rest.to_owned())
        }
        Err(_) => String::new(),
    }
}

async fn show_whistle(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    headers: axum::http::HeaderMap,
) -> Response {
    match app::reports::whistle_link(&state.app, &actor, id).await {
        Ok((name, token)) => {
            let link = token.map(|t| whistle_url(&state, &headers, &t));
            let qr = link.as_deref().map(qr_svg).unwrap_or_default();
            let c = Chrome::new(lang, format!("{name} · {}", lang.t("whistle-title")), Some(&actor), "/units");
            render(&WhistlePage { c, unit_id: id, name, link, qr }, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

async fn make_whistle(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    match app::reports::whistle_token(&state.app, &actor, id, true).await {
        Ok(_) => Redirect::to(&format!("/units/{id}/whistle")).into_response(),
        Err(e) => page_error(e, lang),
    }
}

async fn download_notice(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    match app::rectification::notice(&state.app, &actor, id).await {
        Ok((name, bytes)) => crate::upload::attachment_response(&name, store::files::kinds::DOCX, bytes),
        Err(e) => page_error(e, lang),
    }
}

#[derive(Template)]
#[template(path = "hazard_stats.html")]
struct StatsPage {
    c: Chrome,
    s: app::publicity::Stats,
}

async fn show_stats(State(state): State<AppState>, lang: Lang, PageActor(actor): PageActor) -> Response {
    if !(actor.role.handles_hazards() || matches!(actor.role, Role::Custodian | Role::Auditor)) {
        return page_error(Error::Forbidden, lang);
    }
    match app::publicity::stats(&state.app, &actor.scope).await {
        Ok(s) => render(&StatsPage { c: Chrome::new(lang, lang.t("stats-title"), Some(&actor), "/hazards"), s }, lang),
        Err(e) => page_error(e, lang),
    }
}

#[derive(Template)]
#[template(path = "hazard_lists.html")]
struct ListsPage {
    c: Chrome,
    entries: Vec<store::hazards::ListEntry>,
    units: Vec<(Uuid, String, String)>,
    can_edit: bool,
    today: chrono::NaiveDate,
    errors: FieldErrors,
}

async fn lists_page(
    state: &AppState,
    lang: Lang,
    actor: &app::auth::Actor,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let made = async {
        let entries = app::publicity::town_entries(&state.app, actor).await?;
        let units = app::cases::assignable_units(&state.app, actor).await?;
        Ok::<_, Error>((entries, units))
    }
    .await;
    match made {
        Ok((entries, units)) => render_status(
            &ListsPage {
                c: Chrome::new(lang, lang.t("lists-title"), Some(actor), "/hazards"),
                entries,
                can_edit: actor.role.handles_hazards() && actor.authority_is_town,
                units,
                today: app::work::today(&state.app),
                errors,
            },
            status,
            lang,
        ),
        Err(e) => page_error(e, lang),
    }
}

async fn show_lists(State(state): State<AppState>, lang: Lang, PageActor(actor): PageActor) -> Response {
    lists_page(&state, lang, &actor, FieldErrors::default(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
struct EntryForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    case: String,
    #[serde(default)]
    published_on: String,
    #[serde(default)]
    expires_on: String,
    #[serde(default)]
    appeal_note: String,
}

async fn add_to_list(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageForm(f): PageForm<EntryForm>,
) -> Response {
    let input = app::publicity::EntryInput {
        unit: f.unit,
        list: f.list,
        reason: f.reason,
        case: f.case,
        published_on: f.published_on,
        expires_on: f.expires_on,
        appeal_note: f.appeal_note,
    };
    match app::publicity::add_entry(&state.app, &actor, &input).await {
        Ok(_) => Redirect::to("/hazards/lists").into_response(),
        Err(Error::Invalid(list)) => {
            lists_page(&state, lang, &actor, FieldErrors::from_errors(&list, lang), StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => page_error(e, lang),
    }
}

async fn withdraw_from_list(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    match app::publicity::withdraw_entry(&state.app, &actor, id).await {
        Ok(()) => Redirect::to("/hazards/lists").into_response(),
        Err(e) => page_error(e, lang),
    }
}
