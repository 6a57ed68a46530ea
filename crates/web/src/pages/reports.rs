//! The public side of hazard reports, no sign-in: the report form (and an enterprise's whistle-blower
//! form), the receipt with its code, and following a case by that code. The code travels only in
//! form bodies, never in a URL (URLs end up in logs and browser history); these pages are `no-store`.

use app::Error;
use app::reports::{Follow, NewReport, Receipt, Source, Town};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::hazards::{self, ReportInput};
use serde::Deserialize;

use super::{Chrome, FieldErrors, render_status};
use crate::AppState;
use crate::error::PageError;
use crate::extract::PageForm;
use crate::i18n::Lang;
use crate::session::{ClientIp, MaybeActor};
use crate::upload::{Limits, RawForm, receive_raw};

pub fn router() -> Router<AppState> {
    let no_limit = axum::extract::DefaultBodyLimit::disable;
    Router::new()
        .route("/report", get(report_form).post(send_report).layer(no_limit()))
        .route("/report/w/{token}", get(whistle_form).post(send_whistle).layer(no_limit()))
        .route("/report/follow", get(follow_form).post(follow_case))
        .route("/report/follow/add", axum::routing::post(add_to_case).layer(no_limit()))
        .route("/report/follow/claim", axum::routing::post(claim_reward))
        .route("/exposure", get(exposure))
}

#[derive(Template)]
#[template(path = "exposure.html")]
struct ExposurePage {
    c: Chrome,
    b: app::publicity::Board,
    offset: chrono::FixedOffset,
}

impl ExposurePage {
    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        super::local_time(t, self.offset)
    }
}

/// The public board: exposed cases, the live red/black list, the figures.
async fn exposure(State(state): State<AppState>, lang: Lang, MaybeActor(actor): MaybeActor) -> Response {
    match app::publicity::public_board(&state.app).await {
        Ok(b) => {
            let c = Chrome::new(lang, lang.t("exposure-title"), actor.as_ref(), "/exposure");
            render_status(&ExposurePage { c, b, offset: state.app.config.offset() }, StatusCode::OK, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

/// Nothing on these pages may be kept by a browser or a proxy: a receipt code is on them.
fn private(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn page_error(e: impl Into<Error>, lang: Lang) -> Response {
    private(PageError::new(e, lang).into_response())
}

#[derive(Template)]
#[template(path = "report_form.html")]
struct FormPage {
    c: Chrome,
    towns: Vec<Town>,
    /// The enterprise's link token and name.
    whistle: Option<(String, String)>,
    action: String,
    categories: &'static [(&'static str, &'static str)],
    input: ReportInput,
    input_town: String,
    errors: FieldErrors,
    had_files: bool,
    limit_bytes: u64,
}

fn blank_input() -> ReportInput {
    ReportInput { anonymous: true, ..ReportInput::default() }
}

#[expect(clippy::too_many_arguments, reason = "the form's whole state")]
async fn form_page(
    state: &AppState,
    lang: Lang,
    actor: Option<&app::auth::Actor>,
    whistle: Option<(String, String)>,
    input: ReportInput,
    input_town: String,
    errors: FieldErrors,
    had_files: bool,
) -> Result<FormPage, Error> {
    let towns = app::reports::towns(&state.app).await?;
    let action = match &whistle {
        Some((token, _)) => format!("/report/w/{token}"),
        None => "/report".to_owned(),
    };
    Ok(FormPage {
        c: Chrome::new(lang, lang.t("report-title"), actor, "/report"),
        towns,
        whistle,
        action,
        categories: hazards::CATEGORIES,
        input,
        input_town,
        errors,
        had_files,
        limit_bytes: state.app.config.report_upload_max_mib << 20,
    })
}

async fn report_form(State(state): State<AppState>, lang: Lang, MaybeActor(actor): MaybeActor) -> Response {
    match form_page(&state, lang, actor.as_ref(), None, blank_input(), String::new(), FieldErrors::default(), false)
        .await
    {
        Ok(p) => private(render_status(&p, StatusCode::OK, lang)),
        Err(e) => page_error(e, lang),
    }
}

async fn whistle_form(
    State(state): State<AppState>,
    lang: Lang,
    MaybeActor(actor): MaybeActor,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Response {
    let made = async {
        let name = app::reports::whistle_enterprise(&state.app, &token).await?;
        form_page(
            &state,
            lang,
            actor.as_ref(),
            Some((token, name)),
            blank_input(),
            String::new(),
            FieldErrors::default(),
            false,
        )
        .await
    }
    .await;
    match made {
        Ok(p) => private(render_status(&p, StatusCode::OK, lang)),
        Err(e) => page_error(e, lang),
    }
}

fn input_of(form: &RawForm) -> ReportInput {
    ReportInput {
        category: form.field("category").to_owned(),
        description: form.field("description").to_owned(),
        location: form.field("location").to_owned(),
        lat: Some(form.field("lat").to_owned()),
        lon: Some(form.field("lon").to_owned()),
        anonymous: form.field("anonymous") != "0",
        name: form.field("name").to_owned(),
        phone: form.field("phone").to_owned(),
        email: form.field("email").to_owned(),
    }
}

/// What the reporter sends: fields of at most 8 KiB, up to nine photos or videos.
fn report_limits(state: &AppState) -> Limits {
    Limits {
        file_bytes: state.app.config.report_upload_max_mib << 20,
        files: app::reports::MAX_FILES,
        text_bytes: 8192,
    }
}

fn report_types() -> Vec<&'static str> {
    app::scrub::PHOTO_TYPES.iter().chain(app::scrub::VIDEO_TYPES).copied().collect()
}

#[derive(Template)]
#[template(path = "report_receipt.html")]
pub(crate) struct ReceiptPage {
    pub c: Chrome,
    pub code: String,
    pub grouped: String,
    pub hotline: bool,
    pub number: Option<String>,
}

pub(crate) fn receipt_page(c: Chrome, r: &Receipt, hotline: bool) -> ReceiptPage {
    ReceiptPage {
        c,
        grouped: hazards::group_receipt(&r.code),
        code: r.code.clone(),
        hotline,
        number: hotline.then(|| app::cases::case_number(r.case_id)),
    }
}

async fn receive_report(
    state: AppState,
    lang: Lang,
    actor: Option<app::auth::Actor>,
    ip: String,
    whistle: Option<String>,
    form: Multipart,
) -> Response {
    let whistle_name = match &whistle {
        Some(token) => match app::reports::whistle_enterprise(&state.app, token).await {
            Ok(name) => Some((token.clone(), name)),
            Err(e) => return page_error(e, lang),
        },
        None => None,
    };
    let (form, failed) = receive_raw(&state.app, form, report_limits(&state), &report_types()).await;
    let input = input_of(&form);
    let town = form.field("town").to_owned();
    let had_files = !form.files.is_empty();
    let result = match failed {
        Some(e) => Err(e),
        None => {
            let source = match &whistle {
                Some(token) => Source::Whistle { token: token.clone() },
                None => match town.trim().parse() {
                    Ok(town) => Source::Public { town },
                    Err(_) => {
                        return again(
                            &state,
                            lang,
                            actor.as_ref(),
                            whistle_name,
                            input,
                            town,
                            &Error::invalid("town", "required", "请选择所在镇街"),
                            had_files,
                        )
                        .await;
                    }
                },
            };
            let report = NewReport { source, input: input.clone(), files: form.files };
            app::reports::file_report(&state.app, None, Some(&ip), report).await
        }
    };
    match result {
        Ok(r) => {
            let c = Chrome::new(lang, lang.t("receipt-title"), actor.as_ref(), "/report");
            private(render_status(&receipt_page(c, &r, false), StatusCode::CREATED, lang))
        }
        Err(e @ (Error::Invalid(_) | Error::Upload(_))) => {
            again(&state, lang, actor.as_ref(), whistle_name, input, town, &e, had_files).await
        }
        Err(e) => page_error(e, lang),
    }
}

/// The form again with what was typed and the messages beside the fields.
#[expect(clippy::too_many_arguments, reason = "the form's whole state")]
async fn again(
    state: &AppState,
    lang: Lang,
    actor: Option<&app::auth::Actor>,
    whistle: Option<(String, String)>,
    input: ReportInput,
    town: String,
    e: &Error,
    had_files: bool,
) -> Response {
    let status = crate::error::status_of(e);
    let errors = match e {
        Error::Invalid(list) => FieldErrors::from_errors(list, lang),
        other => {
            FieldErrors::from_errors(&[domain::FieldError::new("files", other.code(), lang.error_message(other))], lang)
        }
    };
    match form_page(state, lang, actor, whistle, input, town, errors, had_files).await {
        Ok(p) => private(render_status(&p, status, lang)),
        Err(e) => page_error(e, lang),
    }
}

async fn send_report(
    State(state): State<AppState>,
    lang: Lang,
    MaybeActor(actor): MaybeActor,
    ClientIp(ip): ClientIp,
    form: Multipart,
) -> Response {
    receive_report(state, lang, actor, ip, None, form).await
}

async fn send_whistle(
    State(state): State<AppState>,
    lang: Lang,
    MaybeActor(actor): MaybeActor,
    axum::extract::Path(token): axum::extract::Path<String>,
    ClientIp(ip): ClientIp,
    form: Multipart,
) -> Response {
    receive_report(state, lang, actor, ip, Some(token), form).await
}

#[derive(Template)]
#[template(path = "report_follow.html")]
struct FollowPage {
    c: Chrome,
    follow: Option<Follow>,
    code: String,
    errors: FieldErrors,
    offset: chrono::FixedOffset,
}

impl FollowPage {
    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        super::local_time(t, self.offset)
    }

    fn yuan(&self, fen: &i64) -> String {
        hazards::format_yuan(*fen)
    }
}

fn follow_page(
    state: &AppState,
    lang: Lang,
    actor: Option<&app::auth::Actor>,
    follow: Option<Follow>,
    code: String,
    errors: FieldErrors,
) -> FollowPage {
    FollowPage {
        c: Chrome::new(lang, lang.t("follow-title"), actor, "/report/follow"),
        follow,
        code,
        errors,
        offset: state.app.config.offset(),
    }
}

async fn follow_form(State(state): State<AppState>, lang: Lang, MaybeActor(actor): MaybeActor) -> Response {
    let p = follow_page(&state, lang, actor.as_ref(), None, String::new(), FieldErrors::default());
    private(render_status(&p, StatusCode::OK, lang))
}

#[derive(Deserialize, Default)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

/// The result of a code lookup as a page: the case, or the form with the reason.
fn followed(
    state: &AppState,
    lang: Lang,
    actor: Option<&app::auth::Actor>,
    code: String,
    got: Result<Follow, Error>,
) -> Response {
    match got {
        Ok(f) => {
            let code = hazards::normalise_receipt(&code).unwrap_or(code);
            private(render_status(
                &follow_page(state, lang, actor, Some(f), code, FieldErrors::default()),
                StatusCode::OK,
                lang,
            ))
        }
        Err(e @ (Error::Invalid(_) | Error::NotFound)) => {
            let status = crate::error::status_of(&e);
            let message = match &e {
                Error::NotFound => "没有找到这个查询码对应的举报，请核对后重试".to_owned(),
                other => lang.error_message(other),
            };
            let errors = FieldErrors::from_errors(&[domain::FieldError::new("code", e.code(), message)], lang);
            private(render_status(&follow_page(state, lang, actor, None, code, errors), status, lang))
        }
        Err(e) => page_error(e, lang),
    }
}

async fn follow_case(
    State(state): State<AppState>,
    lang: Lang,
    MaybeActor(actor): MaybeActor,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<CodeForm>,
) -> Response {
    let got = app::reports::follow(&state.app, &ip, &form.code).await;
    followed(&state, lang, actor.as_ref(), form.code, got)
}

async fn claim_reward(
    State(state): State<AppState>,
    lang: Lang,
    MaybeActor(actor): MaybeActor,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<CodeForm>,
) -> Response {
    let got = app::reports::claim_reward(&state.app, &ip, &form.code).await;
    followed(&state, lang, actor.as_ref(), form.code, got)
}

async fn add_to_case(
    State(state): State<AppState>,
    lang: Lang,
    MaybeActor(actor): MaybeActor,
    ClientIp(ip): ClientIp,
    form: Multipart,
) -> Response {
    let form = match receive_raw(&state.app, form, report_limits(&state), &report_types()).await {
        (f, None) => f,
        (_, Some(e)) => return page_error(e, lang),
    };
    let code = form.field("code").to_owned();
    let text = form.field("text").to_owned();
    let got = app::reports::add_to_report(&state.app, &ip, &code, &text, form.files).await;
    match got {
        Err(e @ (Error::Conflict { .. } | Error::Upload(_) | Error::Invalid(_))) => {
            // The case as it is, with why the addition was refused.
            let errors =
                FieldErrors::from_errors(&[domain::FieldError::new("text", e.code(), lang.error_message(&e))], lang);
            match app::reports::follow(&state.app, &ip, &code).await {
                Ok(f) => private(render_status(
                    &follow_page(&state, lang, actor.as_ref(), Some(f), code, errors),
                    crate::error::status_of(&e),
                    lang,
                )),
                Err(e) => page_error(e, lang),
            }
        }
        got => followed(&state, lang, actor.as_ref(), code, got),
    }
}
