//! Activity record pages (活动台账): a campaign's records by track, recording one (with its track's own
//! fields and evidence, uploaded in parts by the page's script), deleting one, and the organiser's
//! editor of a track's form.

use app::Error;
use app::activities::{NewRecord, Record, TrackForm};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::activities::{ActivityInput, FieldKind, FormFieldInput};
use serde::Deserialize;
use store::files::FileRow;
use uuid::Uuid;

use super::{Chrome, FieldErrors, render, render_status};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{PageId, PageIds, PageQuery as Query};
use crate::i18n::Lang;
use crate::session::PageActor;
use crate::upload::{Limits, ReceivedFiles, receive_files};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/campaigns/{id}/activities",
            get(list_activities).post(record_activity).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/campaigns/{id}/activities/new", get(new_activity))
        .route("/activities/{id}/delete", post(delete_activity))
        .route("/campaigns/{id}/tracks/{track}/form", get(form_editor).post(save_form))
}

fn page_error(e: impl Into<Error>, lang: Lang) -> Response {
    PageError::new(e, lang).into_response()
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    track: Option<String>,
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ListPage {
    c: Chrome,
    campaign: app::campaigns::Campaign,
    forms: Vec<TrackForm>,
    records: Vec<Record>,
    is_liaison: bool,
    can_organise: bool,
    open: bool,
    track: Option<Uuid>,
}

impl ListPage {
    fn count(&self, track: &Uuid) -> usize {
        self.records.iter().filter(|r| r.line.row.track_id == *track).count()
    }

    fn is_current(&self, track: &Uuid) -> bool {
        self.track == Some(*track)
    }

    fn shown(&self) -> Vec<&Record> {
        self.records.iter().filter(|r| self.track.is_none_or(|t| r.line.row.track_id == t)).collect()
    }
}

async fn list_activities(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Query(q): Query<ListQuery>,
) -> Response {
    let unit = q.unit.as_deref().and_then(|u| u.parse().ok());
    let track = q.track.as_deref().and_then(|t| t.parse().ok());
    match app::activities::overview(&state.app, &actor, id, unit).await {
        Ok((campaign, forms, records)) => {
            let c = Chrome::new(
                lang,
                format!("{} · {}", lang.t("activities-title"), campaign.title),
                Some(&actor),
                "/campaigns",
            );
            let page = ListPage {
                c,
                open: campaign.status.as_str() == "published",
                campaign,
                forms,
                records,
                is_liaison: actor.role == domain::Role::Liaison,
                can_organise: actor.role.organises_campaigns(),
                track,
            };
            render(&page, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

#[derive(Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    track: Option<String>,
    #[serde(default)]
    key: Option<String>,
}

#[derive(Template)]
#[template(path = "activity_form.html")]
struct FormPage {
    c: Chrome,
    campaign_id: Uuid,
    form: TrackForm,
    input: ActivityInput,
    files: Vec<FileRow>,
    errors: FieldErrors,
    key: String,
    limit_bytes: u64,
}

impl FormPage {
    fn extra(&self, key: &str) -> &str {
        self.input.extra.get(key).map(String::as_str).unwrap_or("")
    }
}

async fn form_page(
    state: &AppState,
    lang: Lang,
    actor: &app::auth::Actor,
    campaign: Uuid,
    track: Option<Uuid>,
    draft: (ActivityInput, Vec<FileRow>, FieldErrors),
) -> Response {
    let form = match app::activities::record_target(&state.app, actor, campaign, track).await {
        Ok(f) => f,
        Err(e) => return page_error(e, lang),
    };
    let failed = !draft.2.0.is_empty();
    let page = FormPage {
        c: Chrome::new(lang, format!("{} · {}", lang.t("activity-new"), form.track.title), Some(actor), "/campaigns"),
        campaign_id: campaign,
        form,
        input: draft.0,
        files: draft.1,
        errors: draft.2,
        key: Uuid::new_v4().to_string(),
        limit_bytes: state.app.config.upload_max_mib << 20,
    };
    render_status(&page, if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }, lang)
}

async fn new_activity(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Query(q): Query<NewQuery>,
) -> Response {
    let track = q.track.as_deref().and_then(|t| t.parse().ok());
    form_page(&state, lang, &actor, id, track, (ActivityInput::default(), Vec::new(), FieldErrors::default())).await
}

/// The record's values from a multipart form: the common fields and `extra.KEY` for the track's own.
pub(crate) fn activity_input(got: &ReceivedFiles) -> ActivityInput {
    let get = |k: &str| got.field(k).unwrap_or_default().to_owned();
    ActivityInput {
        occurred_on: get("occurred_on"),
        place: get("place"),
        form: get("form"),
        participants: get("participants"),
        materials: get("materials"),
        description: get("description"),
        extra: got
            .fields
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("extra.").map(|k| (k.to_owned(), v.clone())))
            .collect(),
    }
}

async fn record_activity(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Query(q): Query<NewQuery>,
    form: Multipart,
) -> Response {
    let track = q.track.as_deref().and_then(|t| t.parse().ok());
    // Checked before a byte is stored.
    if let Err(e) = app::activities::record_target(&state.app, &actor, id, track).await {
        return page_error(e, lang);
    }
    let limits = Limits { file_bytes: state.app.config.upload_max_mib << 20, files: 50, text_bytes: 64 << 10 };
    let got = receive_files(&state.app, &actor, form, limits, store::files::kinds::EVIDENCE).await;
    let input = activity_input(&got);
    // Files kept from an earlier attempt, and the ones this request carried.
    let kept = got.kept(&state.app, &actor).await;
    let outcome = match got.error {
        Some(e) => Err(e),
        None => {
            let new = NewRecord {
                track_id: track,
                input: input.clone(),
                file_ids: kept.iter().map(|f| f.id).collect(),
                client_key: q.key.clone(),
            };
            app::activities::record(&state.app, &actor, id, &new).await
        }
    };
    match outcome {
        Ok(a) => Redirect::to(&format!("/campaigns/{id}/activities?track={}#a-{}", a.track_id, a.id)).into_response(),
        Err(e @ (Error::Invalid(_) | Error::Upload(_))) => {
            let errors = match &e {
                Error::Invalid(errs) => FieldErrors::from_errors(errs, lang),
                other => {
                    let mut f = FieldErrors::default();
                    f.0.insert("files".into(), lang.error_message(other));
                    f
                }
            };
            form_page(&state, lang, &actor, id, track, (input, kept, errors)).await
        }
        Err(e) => page_error(e, lang),
    }
}

async fn delete_activity(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    match app::activities::delete(&state.app, &actor, id).await {
        Ok(campaign) => Redirect::to(&format!("/campaigns/{campaign}/activities")).into_response(),
        Err(e) => page_error(e, lang),
    }
}

#[derive(Template)]
#[template(path = "track_form.html")]
struct EditorPage {
    c: Chrome,
    campaign_id: Uuid,
    form: TrackForm,
    /// (key, label, kind, options) per row, with blank rows to add fields.
    rows: Vec<(String, String, String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    errors: Vec<String>,
}

fn editor(
    lang: Lang,
    actor: &app::auth::Actor,
    campaign: Uuid,
    form: TrackForm,
    rows: Vec<(String, String, String, String)>,
    errors: Vec<String>,
) -> EditorPage {
    EditorPage {
        c: Chrome::new(
            lang,
            format!("{} · {}", lang.t("track-form-title"), form.track.title),
            Some(actor),
            "/campaigns",
        ),
        campaign_id: campaign,
        form,
        rows,
        kinds: FieldKind::ALL.iter().map(|k| (k.as_str(), k.label_zh())).collect(),
        errors,
    }
}

async fn track_form(
    state: &AppState,
    actor: &app::auth::Actor,
    campaign: Uuid,
    track: Uuid,
) -> Result<TrackForm, Error> {
    if !actor.role.organises_campaigns() {
        return Err(Error::Forbidden);
    }
    app::activities::forms(&state.app, actor, campaign)
        .await?
        .into_iter()
        .find(|f| f.track.id == track)
        .ok_or(Error::NotFound)
}

async fn form_editor(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageIds(id, track): PageIds,
) -> Response {
    match track_form(&state, &actor, id, track).await {
        Ok(form) => {
            let mut rows: Vec<_> = form
                .fields
                .iter()
                .map(|f| (f.key.clone(), f.label.clone(), f.kind.as_str().to_owned(), f.options.join("、")))
                .collect();
            rows.extend((0..3).map(|_| (String::new(), String::new(), "text".to_owned(), String::new())));
            render(&editor(lang, &actor, id, form, rows, Vec::new()), lang)
        }
        Err(e) => page_error(e, lang),
    }
}

async fn save_form(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageIds(id, track): PageIds,
    body: axum::body::Bytes,
) -> Response {
    // Rows come as repeated fields: key, label, kind, options, one set per row.
    let mut rows: Vec<FormFieldInput> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "key" => rows.push(FormFieldInput { key: v.into_owned(), ..FormFieldInput::default() }),
            "label" => rows.last_mut().into_iter().for_each(|r| r.label = v.to_string()),
            "kind" => rows.last_mut().into_iter().for_each(|r| r.kind = v.to_string()),
            "options" => rows.last_mut().into_iter().for_each(|r| r.options = v.to_string()),
            _ => {}
        }
    }
    match app::activities::set_form(&state.app, &actor, id, track, &rows).await {
        Ok(_) => Redirect::to(&format!("/campaigns/{id}/activities?track={track}")).into_response(),
        Err(Error::Invalid(errs)) => match track_form(&state, &actor, id, track).await {
            Ok(form) => {
                let typed = rows.into_iter().map(|r| (r.key, r.label, r.kind, r.options)).collect();
                let messages = errs.into_iter().map(|e| e.message).collect();
                render_status(&editor(lang, &actor, id, form, typed, messages), StatusCode::UNPROCESSABLE_ENTITY, lang)
            }
            Err(e) => page_error(e, lang),
        },
        Err(e) => page_error(e, lang),
    }
}
