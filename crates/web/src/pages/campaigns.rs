//! Campaign pages: the list, a new campaign from a pasted or uploaded notice (or by hand), the draft beside
//! its highlighted source, the recipient units, publish, close, clone; and the caller's notifications.

use std::collections::BTreeMap;

use app::Error;
use app::campaigns::Campaign;
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::UnitKind;
use domain::campaigns::{CampaignInput, ContactInput, DeliverableInput, KeyDateInput, ReferenceInput, TrackInput};
use serde::Deserialize;
use store::campaigns::CampaignSummary;

use super::{Chrome, FieldErrors, page_links, render, render_status};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{PageForm as Form, PageId, PageQuery as Query};
use crate::i18n::Lang;
use crate::session::PageActor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list_campaigns))
        .route("/campaigns/new", get(new_campaign))
        .route("/campaigns/new/notice", post(create_from_notice).layer(axum::extract::DefaultBodyLimit::max(64 << 20)))
        .route("/campaigns/new/blank", post(create_blank))
        .route("/campaigns/{id}", get(show_campaign))
        .route("/campaigns/{id}/edit", get(edit_campaign).post(update_campaign))
        .route("/campaigns/{id}/recipients", get(recipients_form).post(set_recipients))
        .route("/campaigns/{id}/publish", post(publish_campaign))
        .route("/campaigns/{id}/close", post(close_campaign))
        .route("/campaigns/{id}/clone", post(clone_campaign))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(mark_read))
}

fn page_error(e: impl Into<Error>, lang: Lang) -> Response {
    PageError::new(e, lang).into_response()
}

pub fn status_label(lang: Lang, status: &str) -> String {
    lang.t(&format!("campaign-status-{status}"))
}

fn kind_label(lang: Lang, kind: &str) -> String {
    lang.t(&format!("kind-{kind}"))
}

/// A campaign's period as the pages show it: `2021-06-01 至 2021-06-30`.
pub(super) fn period(start: Option<chrono::NaiveDate>, end: Option<chrono::NaiveDate>) -> String {
    match (start, end) {
        (Some(s), Some(e)) => format!("{s} 至 {e}"),
        _ => String::new(),
    }
}

#[derive(Template)]
#[template(path = "campaigns_list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<(CampaignSummary, String, String)>,
    status: String,
    statuses: Vec<(String, String)>,
    found: String,
    page: i64,
    links: Vec<Option<i64>>,
    can_create: bool,
    show_town: bool,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    status: Option<String>,
    page: Option<i64>,
}

async fn list_campaigns(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> Response {
    let p = match app::campaigns::list_campaigns(&state.app, &actor, q.status.as_deref(), q.page).await {
        Ok(p) => p,
        Err(e) => return page_error(e, lang),
    };
    let pages = p.pages();
    let found = lang.ta("campaigns-found", &[("count", p.total.into())]);
    let rows = p
        .items
        .into_iter()
        .map(|s| {
            let label = status_label(lang, &s.status);
            let when = period(s.period_start, s.period_end);
            (s, label, when)
        })
        .collect();
    let view = ListPage {
        c: Chrome::new(lang, lang.t("campaigns-title"), Some(&actor), "/campaigns"),
        rows,
        status: q.status.unwrap_or_default(),
        statuses: ["draft", "published", "closed"].iter().map(|s| ((*s).to_owned(), status_label(lang, s))).collect(),
        found,
        page: p.page,
        links: page_links(p.page, pages),
        can_create: actor.role.organises_campaigns(),
        show_town: !actor.authority_is_town,
    };
    render(&view, lang)
}

#[derive(Template)]
#[template(path = "campaign_new.html")]
struct NewPage {
    c: Chrome,
    text: String,
    title: String,
    errors: FieldErrors,
    file_limit_mib: u64,
}

fn new_page(
    state: &AppState,
    lang: Lang,
    actor: &app::auth::Actor,
    text: String,
    title: String,
    errors: FieldErrors,
) -> NewPage {
    NewPage {
        c: Chrome::new(lang, lang.t("campaign-new-title"), Some(actor), "/campaigns/new"),
        text,
        title,
        errors,
        file_limit_mib: state.app.config.import_max_mib,
    }
}

async fn new_campaign(State(state): State<AppState>, lang: Lang, PageActor(actor): PageActor) -> Response {
    if !actor.role.organises_campaigns() {
        return page_error(Error::Forbidden, lang);
    }
    render(&new_page(&state, lang, &actor, String::new(), String::new(), FieldErrors::default()), lang)
}

/// Pasted text, an uploaded file, or both (the file wins): a draft, then its page.
async fn create_from_notice(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    form: Multipart,
) -> Response {
    if !actor.role.organises_campaigns() {
        return page_error(Error::Forbidden, lang);
    }
    let limit = state.app.config.import_max_mib << 20;
    let (text, result) = match crate::upload::receive_notice(form, limit).await {
        Ok(r) => {
            let result = match &r.file {
                Some((name, bytes)) => app::campaigns::create_from_file(&state.app, &actor, name, bytes).await,
                None => app::campaigns::create_from_notice(&state.app, &actor, &r.text, None).await,
            };
            (r.text, result)
        }
        Err(e) => (String::new(), Err(e)),
    };
    match result {
        Ok(id) => Redirect::to(&format!("/campaigns/{id}/edit?new=1")).into_response(),
        Err(Error::Invalid(errs)) => {
            // What was pasted comes back; a file has to be chosen again (browsers never refill file inputs).
            let page = new_page(&state, lang, &actor, text, String::new(), FieldErrors::from_errors(&errs, lang));
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY, lang)
        }
        Err(Error::Upload(e)) => {
            let errs = [domain::FieldError::new("file", e.code(), e.message_zh())];
            let page = new_page(&state, lang, &actor, text, String::new(), FieldErrors::from_errors(&errs, lang));
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

#[derive(Deserialize, Default)]
struct BlankForm {
    #[serde(default)]
    title: String,
}

async fn create_blank(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Form(f): Form<BlankForm>,
) -> Response {
    match app::campaigns::create_blank(&state.app, &actor, &f.title).await {
        Ok(id) => Redirect::to(&format!("/campaigns/{id}/edit")).into_response(),
        Err(Error::Invalid(errs)) => {
            let page = new_page(&state, lang, &actor, String::new(), f.title, FieldErrors::from_errors(&errs, lang));
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

/// One stretch of the source text: plain, or a value the reader took from it.
pub struct Segment {
    pub text: String,
    pub mark: Option<Mark>,
}

pub struct Mark {
    pub field: String,
    pub index: usize,
    pub label: String,
    /// The mark's first stretch: it carries the anchor `m-{field}-{index}`.
    pub anchor: bool,
}

/// The source cut into plain and marked stretches. Where marks nest (a key date inside a section heading)
/// the innermost shows; each mark's first stretch carries its anchor, so the form can link to it.
pub fn segments(lang: Lang, text: &str, marks: &[notice::Mark]) -> Vec<Segment> {
    let marks: Vec<&notice::Mark> = marks
        .iter()
        .filter(|m| {
            m.start < m.end && m.end <= text.len() && text.is_char_boundary(m.start) && text.is_char_boundary(m.end)
        })
        .collect();
    let mut cuts: Vec<usize> = marks.iter().flat_map(|m| [m.start, m.end]).chain([0, text.len()]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Vec<Segment> = Vec::new();
    let mut last: Option<usize> = None;
    let mut anchored = std::collections::HashSet::new();
    for w in cuts.windows(2) {
        let (from, to) = (w[0], w[1]);
        let inner = marks
            .iter()
            .enumerate()
            .filter(|(_, m)| m.start <= from && to <= m.end)
            .min_by_key(|(_, m)| m.end - m.start);
        let which = inner.map(|(i, _)| i);
        match (which, out.last_mut()) {
            (w, Some(prev)) if w == last => prev.text.push_str(&text[from..to]),
            _ => {
                let mark = inner.map(|(i, m)| {
                    let field = serde_json::to_value(m.field)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    let label = lang.t(&format!("mark-{}", field.replace('_', "-")));
                    let anchor = anchored.insert(i);
                    Mark { field, index: m.index, label, anchor }
                });
                out.push(Segment { text: text[from..to].to_owned(), mark });
            }
        }
        last = which;
    }
    out
}

#[derive(Template)]
#[template(path = "campaign_edit.html")]
struct EditPage {
    c: Chrome,
    id: String,
    /// The version the edit starts from (`updated_at`), so a stale form is refused, not saved over.
    version: String,
    status: String,
    input: CampaignInput,
    kinds: Vec<(String, String)>,
    source: Vec<Segment>,
    marked: Vec<(String, usize)>,
    errors: FieldErrors,
    is_new: bool,
}

impl EditPage {
    fn has_kind(&self, d: &DeliverableInput, kind: &str) -> bool {
        d.unit_kinds.iter().any(|k| k == kind)
    }

    /// Whether the reader found this value in the source (so the form can link to it).
    fn found(&self, field: &str, index: impl std::borrow::Borrow<usize>) -> bool {
        let index = *index.borrow();
        self.marked.iter().any(|(f, i)| f == field && *i == index)
    }
}

/// The form's lists with two blank rows each to add to.
fn with_blank_rows(mut input: CampaignInput) -> CampaignInput {
    for _ in 0..2 {
        input.tracks.push(TrackInput::default());
        input.deliverables.push(DeliverableInput::default());
        input.key_dates.push(KeyDateInput::default());
        input.contacts.push(ContactInput::default());
        input.references.push(ReferenceInput::default());
    }
    input
}

fn edit_page(
    lang: Lang,
    actor: &app::auth::Actor,
    c: &Campaign,
    input: CampaignInput,
    errors: FieldErrors,
    is_new: bool,
) -> EditPage {
    let source = c.source_text.as_deref().map(|t| segments(lang, t, &c.marks)).unwrap_or_default();
    let marked = source
        .iter()
        .filter_map(|s| s.mark.as_ref().filter(|m| m.anchor).map(|m| (m.field.clone(), m.index)))
        .collect();
    EditPage {
        c: Chrome::new(lang, lang.t("campaign-edit-title"), Some(actor), "/campaigns/edit"),
        id: c.id.to_string(),
        version: c.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        status: c.status.as_str().to_owned(),
        input: with_blank_rows(input),
        kinds: UnitKind::BELOW_TOWN.iter().map(|k| (k.as_str().to_owned(), kind_label(lang, k.as_str()))).collect(),
        source,
        marked,
        errors,
        is_new,
    }
}

#[derive(Deserialize, Default)]
struct EditQuery {
    new: Option<String>,
}

async fn edit_campaign(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Query(q): Query<EditQuery>,
) -> Response {
    if !actor.role.organises_campaigns() {
        return page_error(Error::Forbidden, lang);
    }
    match app::campaigns::get_campaign(&state.app, &actor, id).await {
        Ok(c) => {
            let input = c.input();
            render(&edit_page(lang, &actor, &c, input, FieldErrors::default(), q.new.is_some()), lang)
        }
        Err(e) => page_error(e, lang),
    }
}

/// The edit form as posted: `track.0.title`, `deliverable.1.kinds` (repeated), `contact.0.remove`…
fn campaign_input(pairs: &[(String, String)]) -> CampaignInput {
    let mut input = CampaignInput::default();
    let mut rows: BTreeMap<(String, usize), BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (k, v) in pairs {
        match k.as_str() {
            "title" => input.title = v.clone(),
            "theme" => input.theme = v.clone(),
            "doc_number" => input.doc_number = v.clone(),
            "issuer" => input.issuer = v.clone(),
            "period_start" => input.period_start = v.clone(),
            "period_end" => input.period_end = v.clone(),
            "signed_on" => input.signed_on = v.clone(),
            "public" => input.public = true,
            _ => {
                let mut parts = k.splitn(3, '.');
                if let (Some(list), Some(Ok(i)), Some(field)) =
                    (parts.next(), parts.next().map(str::parse::<usize>), parts.next())
                    && i < 200
                {
                    rows.entry((list.to_owned(), i)).or_default().entry(field.to_owned()).or_default().push(v.clone());
                }
            }
        }
    }
    for ((list, _), f) in rows {
        if f.contains_key("remove") {
            continue;
        }
        let one = |name: &str| f.get(name).and_then(|v| v.first()).cloned().unwrap_or_default();
        match list.as_str() {
            "track" => input.tracks.push(TrackInput {
                id: one("id"),
                number: one("number"),
                title: one("title"),
                body: one("body"),
            }),
            "deliverable" => input.deliverables.push(DeliverableInput {
                id: one("id"),
                name: one("name"),
                due_on: one("due_on"),
                unit_kinds: f.get("kinds").cloned().unwrap_or_default(),
            }),
            "key_date" => input.key_dates.push(KeyDateInput { date: one("date"), what: one("what") }),
            "contact" => input.contacts.push(ContactInput { name: one("name"), phone: one("phone") }),
            "reference" => input.references.push(ReferenceInput { title: one("title"), doc_number: one("doc_number") }),
            _ => {}
        }
    }
    input
}

async fn update_campaign(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let input = campaign_input(&pairs);
    let next = if pairs.iter().any(|(k, _)| k == "then") { "recipients" } else { "" };
    let seen = pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| chrono::DateTime::parse_from_rfc3339(v).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    match app::campaigns::update_campaign(&state.app, &actor, id, &input, seen).await {
        Ok(()) if next == "recipients" => Redirect::to(&format!("/campaigns/{id}/recipients")).into_response(),
        Ok(()) => Redirect::to(&format!("/campaigns/{id}?saved=1")).into_response(),
        // Someone saved in between: the form comes back with what this user typed and says so.
        Err(Error::Conflict { code: "campaign_changed", message }) => {
            match app::campaigns::get_campaign(&state.app, &actor, id).await {
                Ok(c) => {
                    let errs = [domain::FieldError::new("version", "campaign_changed", message)];
                    let page = edit_page(lang, &actor, &c, input, FieldErrors::from_errors(&errs, lang), false);
                    render_status(&page, StatusCode::CONFLICT, lang)
                }
                Err(e) => page_error(e, lang),
            }
        }
        Err(Error::Invalid(errs)) => match app::campaigns::get_campaign(&state.app, &actor, id).await {
            Ok(c) => {
                let page = edit_page(lang, &actor, &c, input, FieldErrors::from_errors(&errs, lang), false);
                render_status(&page, StatusCode::UNPROCESSABLE_ENTITY, lang)
            }
            Err(e) => page_error(e, lang),
        },
        Err(e) => page_error(e, lang),
    }
}

#[derive(Template)]
#[template(path = "campaign_detail.html")]
struct DetailPage {
    c: Chrome,
    camp: Campaign,
    status_label: String,
    period: String,
    /// (name, due, kinds, tasks)
    deliverables: Vec<(String, String, String, usize)>,
    recipients: Vec<(String, Vec<String>)>,
    tasks: Vec<store::campaigns::TaskLine>,
    signed: String,
    source: Vec<Segment>,
    notice: String,
    can_organise: bool,
    is_liaison: bool,
    next_year: i32,
}

impl DetailPage {
    fn task_status(&self, status: &str) -> String {
        self.c.t(&format!("task-status-{status}"))
    }
}

#[derive(Deserialize, Default)]
struct DetailQuery {
    saved: Option<String>,
    published: Option<usize>,
    cloned: Option<String>,
}

async fn show_campaign(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Query(q): Query<DetailQuery>,
) -> Response {
    let camp = match app::campaigns::get_campaign(&state.app, &actor, id).await {
        Ok(c) => c,
        Err(e) => return page_error(e, lang),
    };
    let tasks = match app::campaigns::tasks(&state.app, &actor, id).await {
        Ok(t) => t,
        Err(e) => return page_error(e, lang),
    };
    let deliverables = camp
        .deliverables
        .iter()
        .map(|d| {
            let kinds: Vec<String> = d.kinds().map(|k| kind_label(lang, k)).collect();
            let n = tasks.iter().filter(|t| t.deliverable_id == d.id).count();
            (d.name.clone(), d.due_on.to_string(), kinds.join("、"), n)
        })
        .collect();
    let mut recipients: Vec<(String, Vec<String>)> = Vec::new();
    for r in &camp.recipients {
        let label = kind_label(lang, &r.kind);
        match recipients.iter_mut().find(|(k, _)| *k == label) {
            Some((_, names)) => names.push(r.name.clone()),
            None => recipients.push((label, vec![r.name.clone()])),
        }
    }
    let notice = if q.saved.is_some() {
        lang.t("campaign-saved")
    } else if let Some(n) = q.published {
        lang.ta("campaign-published-note", &[("count", i64::try_from(n).unwrap_or(0).into())])
    } else if q.cloned.is_some() {
        lang.t("campaign-cloned-note")
    } else {
        String::new()
    };
    let receipts = if actor.role == domain::Role::Liaison {
        Vec::new()
    } else {
        match app::work::receipts(&state.app, &actor, id).await {
            Ok(r) => r,
            Err(e) => return page_error(e, lang),
        }
    };
    let signed = lang.ta(
        "receipts-signed-count",
        &[
            ("signed", receipts.iter().filter(|r| r.signed_at.is_some()).count().into()),
            ("total", receipts.len().into()),
        ],
    );
    let next_year =
        camp.period_start.map_or_else(|| chrono::Datelike::year(&store::now()), |d| chrono::Datelike::year(&d) + 1);
    let source = camp.source_text.as_deref().map(|t| segments(lang, t, &camp.marks)).unwrap_or_default();
    let view = DetailPage {
        c: Chrome::new(lang, camp.title.clone(), Some(&actor), "/campaigns/show"),
        status_label: status_label(lang, camp.status.as_str()),
        period: period(camp.period_start, camp.period_end),
        deliverables,
        recipients,
        tasks,
        signed,
        source,
        notice,
        can_organise: actor.role.organises_campaigns(),
        is_liaison: actor.role == domain::Role::Liaison,
        next_year,
        camp,
    };
    render(&view, lang)
}

/// (kind label, addressed by the notice, [(unit id, name, chosen)])
type UnitGroup = (String, bool, Vec<(String, String, bool)>);

#[derive(Template)]
#[template(path = "campaign_recipients.html")]
struct RecipientsPage {
    c: Chrome,
    id: String,
    title: String,
    groups: Vec<UnitGroup>,
    phrases: String,
    chosen: usize,
    error: Option<String>,
}

async fn recipients_page(
    state: &AppState,
    lang: Lang,
    actor: &app::auth::Actor,
    id: uuid::Uuid,
    error: Option<String>,
) -> Response {
    let (camp, units) = match app::campaigns::recipient_choices(&state.app, actor, id).await {
        Ok(x) => x,
        Err(e) => return page_error(e, lang),
    };
    let suggested = domain::campaigns::kinds_for_recipients(&camp.recipient_phrases);
    let mut groups: Vec<UnitGroup> = Vec::new();
    for k in UnitKind::BELOW_TOWN {
        let members: Vec<(String, String, bool)> = units
            .iter()
            .filter(|(u, _)| u.kind == k.as_str())
            .map(|(u, on)| (u.id.to_string(), u.name.clone(), *on))
            .collect();
        if !members.is_empty() {
            groups.push((kind_label(lang, k.as_str()), suggested.contains(&k), members));
        }
    }
    let chosen = units.iter().filter(|(_, on)| *on).count();
    let page = RecipientsPage {
        c: Chrome::new(lang, lang.t("campaign-recipients-title"), Some(actor), "/campaigns/recipients"),
        id: id.to_string(),
        title: camp.title.clone(),
        groups,
        phrases: camp.recipient_phrases.join("、"),
        chosen,
        error,
    };
    let status = if page.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(&page, status, lang)
}

async fn recipients_form(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    recipients_page(&state, lang, &actor, id, None).await
}

async fn set_recipients(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let units: Vec<String> = pairs.iter().filter(|(k, _)| k == "unit").map(|(_, v)| v.clone()).collect();
    let publish = pairs.iter().any(|(k, _)| k == "publish");
    match app::campaigns::set_recipients(&state.app, &actor, id, &units).await {
        Ok(()) if publish => publish_and_show(&state, lang, &actor, id).await,
        Ok(()) => Redirect::to(&format!("/campaigns/{id}?saved=1")).into_response(),
        Err(Error::Invalid(errs)) => {
            recipients_page(&state, lang, &actor, id, errs.first().map(|e| lang.field_message(e))).await
        }
        Err(e) => page_error(e, lang),
    }
}

async fn publish_and_show(state: &AppState, lang: Lang, actor: &app::auth::Actor, id: uuid::Uuid) -> Response {
    match app::campaigns::publish(&state.app, actor, id).await {
        Ok(p) => Redirect::to(&format!("/campaigns/{id}?published={}", p.tasks_created)).into_response(),
        Err(Error::Invalid(errs)) => {
            recipients_page(state, lang, actor, id, errs.first().map(|e| lang.field_message(e))).await
        }
        Err(e) => page_error(e, lang),
    }
}

async fn publish_campaign(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    publish_and_show(&state, lang, &actor, id).await
}

async fn close_campaign(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    match app::campaigns::close(&state.app, &actor, id).await {
        Ok(()) => Redirect::to(&format!("/campaigns/{id}")).into_response(),
        Err(e) => page_error(e, lang),
    }
}

#[derive(Deserialize, Default)]
struct CloneForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    theme: String,
}

async fn clone_campaign(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Form(f): Form<CloneForm>,
) -> Response {
    let Ok(year) = f.year.trim().parse::<i32>() else {
        return page_error(Error::invalid("year", "invalid", "请填写年份，如 2022"), lang);
    };
    match app::campaigns::clone_campaign(&state.app, &actor, id, year, &f.theme).await {
        Ok(new_id) => Redirect::to(&format!("/campaigns/{new_id}/edit")).into_response(),
        Err(e) => page_error(e, lang),
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    c: Chrome,
    items: Vec<(store::campaigns::NotificationRow, String)>,
    unread: i64,
}

async fn notifications(State(state): State<AppState>, lang: Lang, PageActor(actor): PageActor) -> Response {
    match app::campaigns::notifications(&state.app, &actor).await {
        Ok((rows, unread)) => {
            let offset = state.app.config.offset();
            let c = Chrome::new(lang, lang.t("notifications-title"), Some(&actor), "/notifications");
            let items = rows.into_iter().map(|n| {
                let when = c.time(&n.created_at, offset);
                (n, when)
            });
            render(&NotificationsPage { items: items.collect(), c, unread }, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

async fn mark_read(State(state): State<AppState>, lang: Lang, PageActor(actor): PageActor) -> Response {
    match app::campaigns::mark_notifications_read(&state.app, &actor).await {
        Ok(_) => Redirect::to("/notifications").into_response(),
        Err(e) => page_error(e, lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edit_form_reads_its_rows_and_drops_removed_ones() {
        let pairs: Vec<(String, String)> = [
            ("title", "安全生产月"),
            ("public", "1"),
            ("deliverable.0.name", "活动方案"),
            ("deliverable.0.due_on", "2021-05-31"),
            ("deliverable.0.kinds", "village"),
            ("deliverable.0.kinds", "community"),
            ("deliverable.1.name", "活动总结"),
            ("deliverable.1.remove", "1"),
            ("track.0.title", "突出活动主题"),
            ("track.x.title", "ignored"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let input = campaign_input(&pairs);
        assert_eq!(input.title, "安全生产月");
        assert!(input.public);
        assert_eq!(input.deliverables.len(), 1);
        assert_eq!(input.deliverables[0].unit_kinds, ["village", "community"]);
        assert_eq!(input.tracks.len(), 1);
    }

    #[test]
    fn nested_marks_show_the_innermost_and_the_text_stays_whole() {
        let text = "关于开展活动的通知";
        let marks = vec![
            notice::Mark { field: notice::Field::Title, index: 0, start: 0, end: text.len() },
            notice::Mark { field: notice::Field::Deadline, index: 0, start: 3, end: 9 },
        ];
        let segs = segments(Lang::Zh, text, &marks);
        let shown: Vec<(&str, Option<(&str, bool)>)> =
            segs.iter().map(|s| (s.text.as_str(), s.mark.as_ref().map(|m| (m.field.as_str(), m.anchor)))).collect();
        assert_eq!(
            shown,
            [
                ("关", Some(("title", true))),
                ("于开", Some(("deadline", true))),
                ("展活动的通知", Some(("title", false)))
            ]
        );
    }
}
