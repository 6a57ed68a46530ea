//! The unit register pages: list with search and paging, detail, create, edit, deactivate,
//! and import from CSV/XLSX with its row-by-row report.

use crate::extract::{PageForm as Form, PageId, PageQuery as Query};
use app::Error;
use app::import::ImportReport;
use app::units::ListUnits;
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::UnitKind;
use domain::units::{INDUSTRIES, UnitInput};
use serde::Deserialize;
use store::units::{UnitRow, UnitSummary};

use super::{Chrome, FieldErrors, page_links, render, render_status};
use crate::AppState;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::session::PageActor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units", get(list_units).post(create_unit))
        .route("/units/new", get(new_unit))
        // Streamed into the file store, which enforces the import size limit itself.
        .route("/units/import", get(import_form).post(import_units).layer(axum::extract::DefaultBodyLimit::disable()))
        .route("/units/import/template.csv", get(import_template))
        .route("/units/imports/{id}", get(show_import))
        .route("/units/{id}", get(show_unit).post(update_unit))
        .route("/units/{id}/edit", get(edit_unit))
        .route("/units/{id}/deactivate", post(deactivate_unit))
        .route("/units/{id}/reactivate", post(reactivate_unit))
}

/// A unit as a row of the list or the detail page.
pub struct UnitView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub code: String,
    pub industry: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub active: bool,
    pub is_sample: bool,
    pub is_authority: bool,
    updated: chrono::DateTime<chrono::FixedOffset>,
}

/// One row of the list, borrowing the stored summary: a page of 50 rows copies no strings.
pub struct ListRow<'a> {
    pub u: &'a UnitSummary,
    pub kind: &'a str,
}

/// The kinds' names in one language, looked up once per page rather than once per row.
struct KindLabels(Vec<(UnitKind, String)>);

impl KindLabels {
    fn new(lang: Lang) -> KindLabels {
        KindLabels(UnitKind::ALL.iter().map(|k| (*k, lang.t(&format!("kind-{}", k.as_str())))).collect())
    }

    fn get(&self, kind: UnitKind) -> Option<&String> {
        self.0.iter().find(|(k, _)| *k == kind).map(|(_, l)| l)
    }
}

impl UnitView {
    fn new(u: &UnitSummary, labels: &KindLabels, offset: chrono::FixedOffset) -> UnitView {
        let kind = UnitKind::parse(&u.kind);
        UnitView {
            id: u.id.to_string(),
            name: u.name.clone(),
            kind: kind.and_then(|k| labels.get(k)).cloned().unwrap_or_else(|| u.kind.clone()),
            code: u.code.clone().unwrap_or_default(),
            industry: u.industry.clone().unwrap_or_default(),
            contact_name: u.contact_name.clone().unwrap_or_default(),
            contact_phone: u.contact_phone.clone().unwrap_or_default(),
            address: u.address.clone().unwrap_or_default(),
            active: u.active,
            is_sample: u.is_sample,
            is_authority: kind.is_some_and(UnitKind::is_authority),
            updated: u.updated_at.with_timezone(&offset),
        }
    }

    /// Only the detail page shows it: formatted when asked, not for every row of a list.
    pub fn updated(&self) -> String {
        self.updated.format("%Y-%m-%d %H:%M").to_string()
    }
}

fn page_error(e: impl Into<Error>, lang: Lang) -> Response {
    PageError::new(e, lang).into_response()
}

/// (value, label) pairs for the kind selector.
fn kind_options(lang: Lang, kinds: &[UnitKind]) -> Vec<(String, String)> {
    kinds.iter().map(|k| (k.as_str().to_owned(), lang.t(&format!("kind-{}", k.as_str())))).collect()
}

#[derive(Template)]
#[template(path = "units_list.html")]
struct ListPage<'a> {
    c: Chrome,
    units: Vec<ListRow<'a>>,
    q: String,
    kind: String,
    status: String,
    kinds: Vec<(String, String)>,
    found: String,
    page: i64,
    links: Vec<Option<i64>>,
    /// The filter part of the query string, for paging links.
    filter_query: String,
    can_edit: bool,
    error: Option<String>,
}

async fn list_units(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Query(req): Query<ListUnits>,
) -> Response {
    let (page, error) = match app::units::list_units(&state.app, &actor, &req).await {
        Ok(p) => (Some(p), None),
        Err(Error::Invalid(errs)) => (None, errs.first().map(|e| lang.field_message(e))),
        Err(e) => return page_error(e, lang),
    };
    let filter_query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", req.q.as_deref().unwrap_or(""))
        .append_pair("kind", req.kind.as_deref().unwrap_or(""))
        .append_pair("status", req.status.as_deref().unwrap_or(""))
        .finish();
    let labels = KindLabels::new(lang);
    let (units, total, current, pages) = match &page {
        Some(p) => {
            let rows = p
                .items
                .iter()
                .map(|u| ListRow {
                    u,
                    kind: UnitKind::parse(&u.kind).and_then(|k| labels.get(k)).map_or(u.kind.as_str(), String::as_str),
                })
                .collect();
            (rows, p.total, p.page, p.pages())
        }
        None => (Vec::new(), 0, 1, 1),
    };
    let view = ListPage {
        c: Chrome::new(lang, lang.t("units-title"), Some(&actor), "/units"),
        units,
        q: req.q.clone().unwrap_or_default(),
        kind: req.kind.clone().unwrap_or_default(),
        status: req.status.clone().unwrap_or_default(),
        kinds: kind_options(lang, &UnitKind::ALL),
        found: lang.ta("units-found", &[("count", total.into())]),
        page: current,
        links: page_links(current, pages),
        filter_query,
        can_edit: actor.role.edits_unit_register(),
        error,
    };
    render(&view, lang)
}

#[derive(Template)]
#[template(path = "unit_form.html")]
struct FormPage {
    c: Chrome,
    /// `None` when creating.
    id: Option<String>,
    input: UnitInput,
    parent_id: String,
    parents: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    industries: Vec<&'static str>,
    errors: FieldErrors,
}

async fn parents(state: &AppState, actor: &app::auth::Actor) -> Result<Vec<(String, String)>, Error> {
    Ok(app::units::authorities(&state.app, actor)
        .await?
        .into_iter()
        .filter(|u| u.kind == UnitKind::Town.as_str())
        .map(|u| (u.id.to_string(), u.name))
        .collect())
}

/// `placement`: the chosen town and the towns to choose from (empty when editing).
fn form_page(
    lang: Lang,
    actor: &app::auth::Actor,
    id: Option<String>,
    input: UnitInput,
    placement: (String, Vec<(String, String)>),
    kinds: &[UnitKind],
    errors: FieldErrors,
) -> FormPage {
    let (parent_id, parents) = placement;
    let title = if id.is_some() { lang.t("unit-edit-title") } else { lang.t("unit-new-title") };
    let path = if id.is_some() { "/units/edit" } else { "/units/new" };
    FormPage {
        c: Chrome::new(lang, title, Some(actor), path),
        id,
        input,
        parent_id,
        parents,
        kinds: kind_options(lang, kinds),
        industries: INDUSTRIES.to_vec(),
        errors,
    }
}

async fn new_unit(State(state): State<AppState>, lang: Lang, PageActor(actor): PageActor) -> Response {
    if !actor.role.edits_unit_register() {
        return page_error(Error::Forbidden, lang);
    }
    let parents = match parents(&state, &actor).await {
        Ok(p) => p,
        Err(e) => return page_error(e, lang),
    };
    let input = UnitInput { kind: UnitKind::Village.as_str().into(), ..Default::default() };
    render(
        &form_page(
            lang,
            &actor,
            None,
            input,
            (actor.authority_id.to_string(), parents),
            &UnitKind::BELOW_TOWN,
            FieldErrors::default(),
        ),
        lang,
    )
}

/// The unit form as posted (checkboxes are absent when unticked).
#[derive(Deserialize, Default)]
struct UnitForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    address: String,
    is_sample: Option<String>,
    parent_id: Option<String>,
}

impl UnitForm {
    fn input(&self) -> UnitInput {
        UnitInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            code: self.code.clone(),
            industry: self.industry.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            address: self.address.clone(),
            is_sample: self.is_sample.is_some(),
        }
    }
}

async fn create_unit(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Form(f): Form<UnitForm>,
) -> Response {
    let input = f.input();
    match app::units::create_unit(&state.app, &actor, f.parent_id.as_deref(), &input).await {
        Ok(u) => Redirect::to(&format!("/units/{}?saved=1", u.id)).into_response(),
        Err(Error::Invalid(errs)) => {
            let parents = parents(&state, &actor).await.unwrap_or_default();
            let parent_id = f.parent_id.clone().unwrap_or_else(|| actor.authority_id.to_string());
            let page = form_page(
                lang,
                &actor,
                None,
                input,
                (parent_id, parents),
                &UnitKind::BELOW_TOWN,
                FieldErrors::from_errors(&errs, lang),
            );
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

#[derive(Template)]
#[template(path = "unit_detail.html")]
struct DetailPage {
    c: Chrome,
    unit: UnitView,
    saved: bool,
    can_edit: bool,
    /// An enterprise whose whistle-blower QR code the caller may manage.
    whistle: bool,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn show_unit(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Query(q): Query<SavedQuery>,
) -> Response {
    match app::units::get_unit(&state.app, &actor, id).await {
        Ok(u) => {
            let view = UnitView::new(&UnitSummary::from(&u), &KindLabels::new(lang), state.app.config.offset());
            let page = DetailPage {
                c: Chrome::new(lang, u.name.clone(), Some(&actor), "/units"),
                unit: view,
                saved: q.saved.is_some(),
                can_edit: actor.role.edits_unit_register(),
                whistle: u.kind == "enterprise"
                    && ((actor.role.handles_hazards() && actor.authority_is_town) || actor.unit_id == Some(u.id)),
            };
            render(&page, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

fn kinds_for(u: &UnitRow) -> Vec<UnitKind> {
    match UnitKind::parse(&u.kind) {
        Some(k) if k.is_authority() => vec![k],
        _ => UnitKind::BELOW_TOWN.to_vec(),
    }
}

async fn edit_unit(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    if !actor.role.edits_unit_register() {
        return page_error(Error::Forbidden, lang);
    }
    match app::units::get_unit(&state.app, &actor, id).await {
        Ok(u) => {
            let input = UnitInput::from(&u);
            render(
                &form_page(
                    lang,
                    &actor,
                    Some(id.to_string()),
                    input,
                    (String::new(), Vec::new()),
                    &kinds_for(&u),
                    FieldErrors::default(),
                ),
                lang,
            )
        }
        Err(e) => page_error(e, lang),
    }
}

async fn update_unit(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Form(f): Form<UnitForm>,
) -> Response {
    let input = f.input();
    match app::units::update_unit(&state.app, &actor, id, &input).await {
        Ok(u) => Redirect::to(&format!("/units/{}?saved=1", u.id)).into_response(),
        Err(Error::Invalid(errs)) => {
            let kinds = match app::units::get_unit(&state.app, &actor, id).await {
                Ok(u) => kinds_for(&u),
                Err(e) => return page_error(e, lang),
            };
            let page = form_page(
                lang,
                &actor,
                Some(id.to_string()),
                input,
                (String::new(), Vec::new()),
                &kinds,
                FieldErrors::from_errors(&errs, lang),
            );
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

async fn set_active(state: AppState, lang: Lang, actor: app::auth::Actor, id: uuid::Uuid, active: bool) -> Response {
    match app::units::set_unit_active(&state.app, &actor, id, active).await {
        Ok(u) => Redirect::to(&format!("/units/{}?saved=1", u.id)).into_response(),
        Err(e) => page_error(e, lang),
    }
}

async fn deactivate_unit(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    set_active(state, lang, actor, id, false).await
}

async fn reactivate_unit(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    set_active(state, lang, actor, id, true).await
}

#[derive(Template)]
#[template(path = "units_import.html")]
struct ImportPage {
    c: Chrome,
    towns: Vec<(String, String)>,
    town_id: String,
    limit: String,
    limit_bytes: u64,
    error: Option<String>,
    report: Option<ReportView>,
}

/// An import report ready to show.
pub struct ReportView {
    pub summary: String,
    pub applied: bool,
    pub file_id: String,
    pub file_name: String,
    /// (line, name, outcome label, outcome class, errors joined)
    pub rows: Vec<(usize, String, String, String, String)>,
}

impl ReportView {
    fn new(r: &ImportReport, lang: Lang) -> ReportView {
        let key = if r.applied {
            "import-applied"
        } else if r.dry_run && r.failed == 0 {
            "import-checked"
        } else {
            "import-rejected"
        };
        let summary = lang.ta(
            key,
            &[
                ("created", r.created.into()),
                ("updated", r.updated.into()),
                ("unchanged", r.unchanged.into()),
                ("failed", r.failed.into()),
            ],
        );
        ReportView {
            summary,
            applied: r.applied,
            file_id: r.file_id.to_string(),
            file_name: r.file_name.clone(),
            rows: r
                .rows
                .iter()
                .map(|row| {
                    (
                        row.line,
                        row.name.clone(),
                        lang.t(&format!("outcome-{}", row.outcome)),
                        row.outcome.clone(),
                        row.errors.join("；"),
                    )
                })
                .collect(),
        }
    }
}

async fn import_page(
    state: &AppState,
    lang: Lang,
    actor: &app::auth::Actor,
    town_id: String,
    error: Option<String>,
    report: Option<ReportView>,
) -> Result<ImportPage, Error> {
    if !actor.role.edits_unit_register() {
        return Err(Error::Forbidden);
    }
    Ok(ImportPage {
        c: Chrome::new(lang, lang.t("import-title"), Some(actor), "/units/import"),
        towns: parents(state, actor).await?,
        town_id,
        limit: store::files::human_size(state.app.config.import_max_mib << 20),
        limit_bytes: state.app.config.import_max_mib << 20,
        error,
        report,
    })
}

async fn import_form(State(state): State<AppState>, lang: Lang, PageActor(actor): PageActor) -> Response {
    match import_page(&state, lang, &actor, actor.authority_id.to_string(), None, None).await {
        Ok(p) => render(&p, lang),
        Err(e) => page_error(e, lang),
    }
}

async fn import_units(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    form: Multipart,
) -> Response {
    if !actor.role.edits_unit_register() {
        return page_error(Error::Forbidden, lang);
    }
    let limit = state.app.config.import_max_mib << 20;
    let received = crate::upload::receive(&state.app, &actor, form, limit, store::files::kinds::SPREADSHEET).await;
    let (town_id, outcome) = match received {
        Ok(r) => {
            let town = r.fields.get("authority_id").cloned().unwrap_or_default();
            let dry_run = r.fields.contains_key("dry_run");
            let outcome = match &r.file {
                None => Err(Error::invalid("file", "required", "请选择要导入的文件")),
                Some(file) => app::import::import_units(&state.app, &actor, Some(&town), file, dry_run).await,
            };
            (town, outcome)
        }
        Err(e) => (actor.authority_id.to_string(), Err(e)),
    };
    match outcome {
        Ok(report) => Redirect::to(&format!("/units/imports/{}", report.import_id)).into_response(),
        Err(e @ (Error::Invalid(_) | Error::Upload(_))) => {
            let status = crate::error::status_of(&e);
            match import_page(&state, lang, &actor, town_id, Some(lang.error_message(&e)), None).await {
                Ok(p) => render_status(&p, status, lang),
                Err(e) => page_error(e, lang),
            }
        }
        Err(e) => page_error(e, lang),
    }
}

async fn show_import(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    let report = match app::import::get_import(&state.app, &actor, id).await {
        Ok(r) => r,
        Err(e) => return page_error(e, lang),
    };
    match import_page(&state, lang, &actor, actor.authority_id.to_string(), None, Some(ReportView::new(&report, lang)))
        .await
    {
        Ok(p) => render(&p, lang),
        Err(e) => page_error(e, lang),
    }
}

async fn import_template(PageActor(_actor): PageActor) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"units-template.csv\"; filename*=UTF-8''%E5%8D%95%E4%BD%8D%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.csv"),
        ],
        app::import::template_csv(),
    )
        .into_response()
}
