//! A campaign's progress board (units × deliverables, filters, one unit's drill-down, the XLSX export) and
//! its review queue.

use app::Error;
use app::board::{Board, Filter};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::UnitKind;
use domain::work::BoardStatus;
use serde::Deserialize;
use store::work::QueueItem;

use super::{Chrome, render};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{PageId, PageIds, PageQuery as Query};
use crate::i18n::Lang;
use crate::session::PageActor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns/{id}/board", get(show_board))
        .route("/campaigns/{id}/board.xlsx", get(export_board))
        .route("/campaigns/{id}/units/{unit}", get(show_unit))
        .route("/campaigns/{id}/review", get(review_queue))
}

fn page_error(e: impl Into<Error>, lang: Lang) -> Response {
    PageError::new(e, lang).into_response()
}

#[derive(Deserialize, Default)]
struct BoardQuery {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    c: Chrome,
    b: std::sync::Arc<Board>,
    kind: String,
    status: String,
    kinds: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    /// The query string of the current filter, for the export link.
    query: String,
    /// Only one unit: the drill-down.
    unit_only: bool,
    /// The units' table, made once per board and language ([`BoardRows`]).
    rows: std::sync::Arc<str>,
}

/// The units × deliverables table: most of the page, the same for every reader of a board.
#[derive(Template)]
#[template(path = "board_rows.html")]
struct BoardRows<'a> {
    lang: Lang,
    b: &'a Board,
    kinds: &'a [(String, String)],
    statuses: &'a [(String, String)],
    offset: chrono::FixedOffset,
}

impl BoardRows<'_> {
    fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    fn cell_label(&self, s: &BoardStatus) -> &str {
        self.statuses.iter().find(|(k, _)| k == s.as_str()).map(|(_, l)| l.as_str()).unwrap_or("")
    }

    fn kind_label(&self, k: &str) -> &str {
        self.kinds.iter().find(|(key, _)| key == k).map(|(_, l)| l.as_str()).unwrap_or("")
    }

    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        super::local_time(t, self.offset)
    }

    fn deliverable_name(&self, i: &usize) -> &str {
        self.b.deliverables.get(*i).map(|d| d.name.as_str()).unwrap_or("")
    }
}

/// The table of a board in a language, made once and kept with the board.
fn board_rows(
    b: &Board,
    lang: Lang,
    kinds: &[(String, String)],
    statuses: &[(String, String)],
    offset: chrono::FixedOffset,
) -> Result<std::sync::Arc<str>, Error> {
    b.fragment(lang.tag(), || {
        BoardRows { lang, b, kinds, statuses, offset }.render().map_err(|e| Error::Internal(e.to_string()))
    })
}

impl BoardPage {
    /// Looked up once per page, not once per cell.
    fn cell_label(&self, s: &BoardStatus) -> &str {
        self.statuses.iter().find(|(k, _)| k == s.as_str()).map(|(_, l)| l.as_str()).unwrap_or("")
    }

    fn tally_line(&self, i: &usize) -> String {
        let Some(t) = self.b.tallies.get(*i) else { return String::new() };
        BoardStatus::ALL
            .iter()
            .rev()
            .filter(|s| t.get(**s) > 0)
            .map(|s| format!("{} {}", self.cell_label(s), t.get(*s)))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

fn kind_labels(lang: Lang) -> Vec<(String, String)> {
    UnitKind::ALL.iter().map(|k| (k.as_str().to_owned(), lang.t(&format!("kind-{}", k.as_str())))).collect()
}

fn status_labels(lang: Lang) -> Vec<(String, String)> {
    BoardStatus::ALL.iter().map(|s| (s.as_str().to_owned(), lang.t(&format!("board-status-{}", s.as_str())))).collect()
}

async fn show_board(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Query(q): Query<BoardQuery>,
) -> Response {
    let filter = match Filter::parse(q.kind.as_deref(), q.status.as_deref()) {
        Ok(f) => f,
        Err(e) => return page_error(e, lang),
    };
    let b = match app::board::board(&state.app, &actor, id, &filter).await {
        Ok(b) => b,
        Err(e) => return page_error(e, lang),
    };
    let kind = filter.kind.map(|k| k.as_str().to_owned()).unwrap_or_default();
    let status = filter.status.map(|s| s.as_str().to_owned()).unwrap_or_default();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("kind", &kind)
        .append_pair("status", &status)
        .finish();
    let (kinds, statuses, offset) = (kind_labels(lang), status_labels(lang), state.app.config.offset());
    let rows = match board_rows(&b, lang, &kinds, &statuses, offset) {
        Ok(r) => r,
        Err(e) => return page_error(e, lang),
    };
    let page = BoardPage {
        c: Chrome::new(lang, format!("{} · {}", lang.t("board-title"), b.title), Some(&actor), "/campaigns"),
        kinds,
        statuses,
        kind,
        status,
        query,
        unit_only: false,
        rows,
        b,
    };
    render(&page, lang)
}

async fn show_unit(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageIds(id, unit): PageIds,
) -> Response {
    let filter = Filter { unit: Some(unit), ..Filter::default() };
    let b = match app::board::board(&state.app, &actor, id, &filter).await {
        Ok(b) if !b.rows.is_empty() => b,
        Ok(_) => return page_error(Error::NotFound, lang),
        Err(e) => return page_error(e, lang),
    };
    let name = b.rows.first().map(|r| r.unit_name.clone()).unwrap_or_default();
    let (kinds, statuses, offset) = (kind_labels(lang), status_labels(lang), state.app.config.offset());
    let rows = match board_rows(&b, lang, &kinds, &statuses, offset) {
        Ok(r) => r,
        Err(e) => return page_error(e, lang),
    };
    let page = BoardPage {
        c: Chrome::new(lang, format!("{name} · {}", b.title), Some(&actor), "/campaigns"),
        kinds,
        statuses,
        kind: String::new(),
        status: String::new(),
        query: String::new(),
        unit_only: true,
        rows,
        b,
    };
    render(&page, lang)
}

async fn export_board(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
    Query(q): Query<BoardQuery>,
) -> Response {
    let made = async {
        let filter = Filter::parse(q.kind.as_deref(), q.status.as_deref())?;
        let b = app::board::board(&state.app, &actor, id, &filter).await?;
        let bytes = app::board::board_xlsx(&b, state.app.config.offset())?;
        Ok::<_, Error>((b.title.clone(), bytes))
    }
    .await;
    match made {
        Ok((title, bytes)) => {
            crate::upload::xlsx_response(&format!("{title}-进度-{}.xlsx", app::work::today(&state.app)), bytes)
        }
        Err(e) => page_error(e, lang),
    }
}

#[derive(Template)]
#[template(path = "review_queue.html")]
struct QueuePage {
    c: Chrome,
    campaign: app::campaigns::Campaign,
    items: Vec<QueueItem>,
    offset: chrono::FixedOffset,
}

impl QueuePage {
    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        super::local_time(t, self.offset)
    }

    fn version_files(&self, i: &QueueItem) -> String {
        format!(
            "{} · {}",
            self.c.ta("submission-version-short", &[("n", i64::from(i.version).into())]),
            self.c.ta("review-files", &[("n", i.files.into())])
        )
    }
}

async fn review_queue(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    match app::review::queue(&state.app, &actor, id).await {
        Ok((campaign, items)) => {
            let c = Chrome::new(
                lang,
                format!("{} · {}", lang.t("review-queue"), campaign.title),
                Some(&actor),
                "/campaigns",
            );
            render(&QueuePage { c, campaign, items, offset: state.app.config.offset() }, lang)
        }
        Err(e) => page_error(e, lang),
    }
}
