//! A campaign's progress board: every recipient unit against every deliverable, with receipts and
//! contacts, filters, one unit's drill-down, and the same board as an XLSX workbook.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use domain::UnitKind;
use domain::work::{BoardStatus, TaskStatus};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook};
use serde::Serialize;
use store::campaigns::DeliverableRow;
use uuid::Uuid;

use crate::auth::Actor;
use crate::{App, Error, Result};

/// One task as a cell of the board.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub task_id: Uuid,
    pub status: BoardStatus,
    pub due_on: NaiveDate,
    /// Versions handed in and not withdrawn.
    pub versions: i64,
    /// The newest of them.
    #[serde(skip)]
    pub version: Option<i32>,
    /// The live version came in after the due date.
    pub submitted_late: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    pub rating: Option<i32>,
    pub exemplary: bool,
}

/// One recipient unit: its receipt and one cell per deliverable (`None` where the deliverable does not
/// apply to the unit's kind).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub unit_id: Uuid,
    pub unit_name: String,
    pub unit_kind: String,
    /// False once the unit was deactivated: its row and history stay on the board, marked.
    pub active: bool,
    pub signed_at: Option<DateTime<Utc>>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub cells: Vec<Option<Cell>>,
    /// Activity records the unit kept, over all tracks.
    pub records: i64,
}

/// What the units recorded under one track.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TrackTotal {
    pub track_id: Uuid,
    pub number: String,
    pub title: String,
    pub records: i64,
    /// Units with at least one record.
    pub units: i64,
    pub participants: i64,
    pub materials: i64,
}

/// How many cells of a deliverable stand at each status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub not_yet: i64,
    pub late: i64,
    pub returned: i64,
    pub submitted: i64,
    pub accepted: i64,
}

impl Tally {
    fn add(&mut self, s: BoardStatus) {
        match s {
            BoardStatus::NotYet => self.not_yet += 1,
            BoardStatus::Late => self.late += 1,
            BoardStatus::Returned => self.returned += 1,
            BoardStatus::Submitted => self.submitted += 1,
            BoardStatus::Accepted => self.accepted += 1,
        }
    }

    pub fn total(&self) -> i64 {
        self.not_yet + self.late + self.returned + self.submitted + self.accepted
    }

    pub fn get(&self, s: BoardStatus) -> i64 {
        match s {
            BoardStatus::NotYet => self.not_yet,
            BoardStatus::Late => self.late,
            BoardStatus::Returned => self.returned,
            BoardStatus::Submitted => self.submitted,
            BoardStatus::Accepted => self.accepted,
        }
    }
}

/// Which rows to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<UnitKind>,
    /// Units with at least one cell at this status.
    pub status: Option<BoardStatus>,
    pub unit: Option<Uuid>,
}

impl Filter {
    /// From the query string; an unknown value is an error the page shows.
    pub fn parse(kind: Option<&str>, status: Option<&str>) -> Result<Filter> {
        fn pick(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|s| !s.is_empty() && *s != "all")
        }
        let kind = match pick(kind) {
            Some(k) => Some(UnitKind::parse(k).ok_or_else(|| Error::invalid("kind", "invalid", "单位类型无效"))?),
            None => None,
        };
        let status = match pick(status) {
            Some(s) => Some(BoardStatus::parse(s).ok_or_else(|| Error::invalid("status", "invalid", "状态无效"))?),
            None => None,
        };
        Ok(Filter { kind, status, unit: None })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub campaign_id: Uuid,
    pub title: String,
    pub campaign_status: String,
    pub today: NaiveDate,
    pub deliverables: Vec<DeliverableRow>,
    pub rows: Vec<Row>,
    /// Over all recipient units, whatever the filter: one per deliverable.
    pub tallies: Vec<Tally>,
    /// Activity records per track, over all recipient units.
    pub tracks: Vec<TrackTotal>,
    /// Units that signed for the notice, and that named their contact person; out of `units`.
    pub signed: i64,
    pub contacts: i64,
    pub units: i64,
    /// The board as JSON, written on first use and kept with the board: a thousand units make 770 KB that
    /// every reader of the same board would otherwise serialise again.
    #[serde(skip)]
    json: std::sync::OnceLock<bytes::Bytes>,
    /// Pieces of pages made from the board (its table, per language), kept with it for the same reason.
    #[serde(skip)]
    fragments: Arc<std::sync::Mutex<HashMap<String, Arc<str>>>>,
}

impl Board {
    /// The board serialised once.
    pub fn json(&self) -> Result<bytes::Bytes> {
        if let Some(b) = self.json.get() {
            return Ok(b.clone());
        }
        let bytes = bytes::Bytes::from(serde_json::to_vec(self).map_err(|e| Error::Internal(e.to_string()))?);
        Ok(self.json.get_or_init(|| bytes).clone())
    }

    /// A piece of a page made from this board, made once per `key` (the web layer's language).
    pub fn fragment(&self, key: &str, make: impl FnOnce() -> Result<String>) -> Result<Arc<str>> {
        if let Ok(kept) = self.fragments.lock()
            && let Some(f) = kept.get(key)
        {
            return Ok(f.clone());
        }
        let made: Arc<str> = make()?.into();
        if let Ok(mut kept) = self.fragments.lock() {
            kept.insert(key.to_owned(), made.clone());
        }
        Ok(made)
    }
}

/// A board, when it was computed, for which day (lateness changes at midnight), and whether a fresh
/// one is being computed in the background.
struct Cached {
    at: std::time::Instant,
    day: NaiveDate,
    board: Arc<Board>,
    refreshing: bool,
}

/// What the cache has for a campaign.
enum Found {
    Fresh(Arc<Board>),
    /// Older than the time to live: shown while one background task computes the next.
    Stale {
        board: Arc<Board>,
        refresh: bool,
    },
    Missing,
}

/// Boards computed in the last few seconds. A board takes a dozen queries over every task and record
/// of a campaign; a town office reloads it all day. Every change on this instance forgets the
/// campaign's board at once (the next view computes it); another instance shows a change within
/// `board_cache_seconds`, plus the time it takes to compute, during which it shows the older board.
///
/// A computation notes the cache's clock before its first read, and every forgetting moves the clock
/// on. A board whose campaign (or every campaign) was forgotten after that note may have been computed
/// from reads made before the change: it goes to the request that asked for it but is not kept.
#[derive(Default)]
pub struct BoardCache {
    ttl: std::time::Duration,
    entries: std::sync::Mutex<Entries>,
    /// One computation at a time: sixteen requests that miss together wait for one board, not sixteen.
    computing: tokio::sync::Mutex<()>,
}

/// The kept boards and when each campaign, or every campaign, was last forgotten.
#[derive(Default)]
struct Entries {
    boards: HashMap<Uuid, Cached>,
    clock: u64,
    forgotten: HashMap<Uuid, u64>,
    all_forgotten: u64,
}

/// Campaigns remembered as forgotten beyond this are folded into "all were forgotten now".
const REMEMBERED: usize = 1_000;

impl std::fmt::Debug for BoardCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoardCache").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl BoardCache {
    pub fn new(ttl: std::time::Duration) -> BoardCache {
        BoardCache { ttl, entries: std::sync::Mutex::default(), computing: tokio::sync::Mutex::default() }
    }

    fn find(&self, campaign: Uuid, today: NaiveDate) -> Found {
        let Ok(mut entries) = self.entries.lock() else { return Found::Missing };
        match entries.boards.get_mut(&campaign) {
            Some(c) if c.day == today && c.at.elapsed() < self.ttl => Found::Fresh(c.board.clone()),
            Some(c) if c.day == today => {
                let refresh = !c.refreshing;
                c.refreshing = true;
                Found::Stale { board: c.board.clone(), refresh }
            }
            _ => Found::Missing,
        }
    }

    /// The clock a computation notes before it reads anything.
    fn clock(&self) -> u64 {
        self.entries.lock().map(|e| e.clock).unwrap_or(0)
    }

    /// Keeps a board computed from reads made after the clock said `since`, unless its campaign was
    /// forgotten since then.
    fn put(&self, campaign: Uuid, today: NaiveDate, board: Arc<Board>, since: u64) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.all_forgotten > since || entries.forgotten.get(&campaign).is_some_and(|t| *t > since) {
                return;
            }
            if entries.boards.len() >= 1_000 {
                entries.boards.clear();
            }
            let kept = Cached { at: std::time::Instant::now(), day: today, board, refreshing: false };
            entries.boards.insert(campaign, kept);
        }
    }

    /// Forgets a campaign's board: something on it changed.
    pub fn forget(&self, campaign: Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clock += 1;
            let now = entries.clock;
            entries.boards.remove(&campaign);
            if entries.forgotten.len() >= REMEMBERED {
                entries.forgotten.clear();
                entries.all_forgotten = now;
            }
            entries.forgotten.insert(campaign, now);
        }
    }

    /// Forgets every board: something shown on many changed (a unit's name, whether it is active).
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clock += 1;
            entries.all_forgotten = entries.clock;
            entries.boards.clear();
            entries.forgotten.clear();
        }
    }
}

/// Computes a campaign's board once, however many ask at the same time. `compute` reads nothing until it
/// is awaited, which is after the cache's clock was noted.
async fn compute_once(
    cache: &BoardCache,
    campaign: Uuid,
    today: NaiveDate,
    compute: impl Future<Output = Result<Board>>,
) -> Result<Arc<Board>> {
    let _one = cache.computing.lock().await;
    if let Found::Fresh(b) = cache.find(campaign, today) {
        return Ok(b);
    }
    let since = cache.clock();
    let b = Arc::new(compute.await?);
    cache.put(campaign, today, b.clone(), since);
    Ok(b)
}

/// The board of a campaign, for staff who may read it (a district account reads its towns').
pub async fn board(app: &App, actor: &Actor, campaign: Uuid, filter: &Filter) -> Result<Arc<Board>> {
    if !actor.role.reads_campaigns() {
        return Err(Error::Forbidden);
    }
    crate::campaigns::visible(app, actor, campaign).await?;
    let today = crate::work::today(app);
    let full = match app.boards.find(campaign, today) {
        Found::Fresh(b) => b,
        Found::Stale { board, refresh } => {
            if refresh {
                let (app, actor) = (app.clone(), actor.clone());
                tokio::spawn(async move {
                    let fresh = compute(&app, &actor, campaign, today);
                    if let Err(e) = compute_once(&app.boards, campaign, today, fresh).await {
                        app.boards.forget(campaign);
                        tracing::warn!(campaign = %campaign, error = %e, "refreshing a board failed");
                    }
                });
            }
            board
        }
        Found::Missing => compute_once(&app.boards, campaign, today, compute(app, actor, campaign, today)).await?,
    };
    if filter.kind.is_none() && filter.status.is_none() && filter.unit.is_none() {
        return Ok(full);
    }
    let rows = full
        .rows
        .iter()
        .filter(|r| {
            filter.kind.is_none_or(|k| k.as_str() == r.unit_kind)
                && filter.status.is_none_or(|s| r.cells.iter().flatten().any(|c| c.status == s))
                && filter.unit.is_none_or(|u| u == r.unit_id)
        })
        .cloned()
        .collect();
    Ok(Arc::new(Board {
        campaign_id: full.campaign_id,
        title: full.title.clone(),
        campaign_status: full.campaign_status.clone(),
        today: full.today,
        deliverables: full.deliverables.clone(),
        rows,
        tallies: full.tallies.clone(),
        tracks: full.tracks.clone(),
        signed: full.signed,
        contacts: full.contacts,
        units: full.units,
        json: std::sync::OnceLock::new(),
        fragments: Arc::default(),
    }))
}

/// Every recipient's row, the tallies and the totals, from the database.
async fn compute(app: &App, actor: &Actor, campaign: Uuid, today: NaiveDate) -> Result<Board> {
    let c = crate::campaigns::get_campaign(app, actor, campaign).await?;
    let tasks = store::work::board_tasks(&app.db, campaign).await?;
    let receipts: HashMap<Uuid, store::campaigns::ReceiptRow> =
        store::campaigns::receipts(&app.db, campaign).await?.into_iter().map(|r| (r.unit_id, r)).collect();
    let per_track = store::activities::per_track(&app.db, campaign).await?;
    let tracks: Vec<TrackTotal> = c
        .tracks
        .iter()
        .map(|t| {
            let of = per_track.iter().find(|x| x.track_id == t.id);
            TrackTotal {
                track_id: t.id,
                number: t.number.clone(),
                title: t.title.clone(),
                records: of.map_or(0, |x| x.records),
                units: of.map_or(0, |x| x.units),
                participants: of.map_or(0, |x| x.participants),
                materials: of.map_or(0, |x| x.materials),
            }
        })
        .collect();
    let records: HashMap<Uuid, i64> = store::activities::records_per_unit(&app.db, campaign)
        .await?
        .into_iter()
        .map(|r| (r.unit_id, r.records))
        .collect();
    let column: HashMap<Uuid, usize> = c.deliverables.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let mut cells: HashMap<Uuid, Vec<Option<Cell>>> = HashMap::new();
    for t in tasks {
        let Some(&col) = column.get(&t.deliverable_id) else { continue };
        let row = cells.entry(t.unit_id).or_insert_with(|| vec![None; c.deliverables.len()]);
        // One line per live version: count them, keep the newest.
        if let Some(seen) = row[col].as_mut() {
            seen.versions += 1;
            if t.version > seen.version {
                seen.version = t.version;
                seen.submitted_late = t.late.unwrap_or(false);
                seen.submitted_at = t.submitted_at;
                seen.rating = t.rating;
                seen.exemplary = t.exemplary.unwrap_or(false);
            }
            continue;
        }
        let status = TaskStatus::parse(&t.status)
            .ok_or_else(|| Error::Internal(format!("task {} has status {}", t.task_id, t.status)))?;
        row[col] = Some(Cell {
            task_id: t.task_id,
            status: BoardStatus::of(status, t.due_on, today),
            due_on: t.due_on,
            versions: i64::from(t.version.is_some()),
            version: t.version,
            submitted_late: t.late.unwrap_or(false),
            submitted_at: t.submitted_at,
            rating: t.rating,
            exemplary: t.exemplary.unwrap_or(false),
        });
    }
    let mut tallies = vec![Tally::default(); c.deliverables.len()];
    let (mut signed, mut contacts) = (0, 0);
    let mut rows = Vec::with_capacity(c.recipients.len());
    for r in &c.recipients {
        let receipt = receipts.get(&r.id).cloned().unwrap_or_default();
        let cells = cells.remove(&r.id).unwrap_or_else(|| vec![None; c.deliverables.len()]);
        for (i, cell) in cells.iter().enumerate() {
            if let Some(cell) = cell {
                tallies[i].add(cell.status);
            }
        }
        signed += i64::from(receipt.signed_at.is_some());
        contacts += i64::from(receipt.contact_name.is_some());
        {
            rows.push(Row {
                unit_id: r.id,
                unit_name: r.name.clone(),
                unit_kind: r.kind.clone(),
                active: r.active,
                signed_at: receipt.signed_at,
                contact_name: receipt.contact_name,
                contact_phone: receipt.contact_phone,
                cells,
                records: records.get(&r.id).copied().unwrap_or(0),
            });
        }
    }
    Ok(Board {
        campaign_id: c.id,
        title: c.title,
        campaign_status: c.status.as_str().to_owned(),
        today,
        deliverables: c.deliverables,
        units: i64::try_from(c.recipients.len()).unwrap_or(i64::MAX),
        rows,
        tallies,
        tracks,
        signed,
        contacts,
        json: std::sync::OnceLock::new(),
        fragments: Arc::default(),
    })
}

/// The board as a workbook: a sheet of units × deliverables, and a sheet of tallies.
pub fn board_xlsx(board: &Board, offset: chrono::FixedOffset) -> Result<Vec<u8>> {
    let xl = |e: rust_xlsxwriter::XlsxError| Error::Internal(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let head = Format::new().set_bold().set_background_color(Color::RGB(0xE8EEF5)).set_border(FormatBorder::Thin);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let colour = |s: BoardStatus| match s {
        BoardStatus::NotYet => Format::new(),
        BoardStatus::Late => Format::new().set_background_color(Color::RGB(0xF8D7DA)),
        BoardStatus::Returned => Format::new().set_background_color(Color::RGB(0xFFF3CD)),
        BoardStatus::Submitted => Format::new().set_background_color(Color::RGB(0xDCEBFA)),
        BoardStatus::Accepted => Format::new().set_background_color(Color::RGB(0xD4EDDA)),
    };
    let sheet = book.add_worksheet().set_name("进度").map_err(xl)?;
    let fixed = ["单位", "类型", "签收时间", "专人", "电话", "台账（条）"];
    for (i, h) in fixed.iter().enumerate() {
        sheet.write_with_format(0, i as u16, *h, &head).map_err(xl)?;
    }
    for (i, d) in board.deliverables.iter().enumerate() {
        let col = (fixed.len() + i) as u16;
        sheet.write_with_format(0, col, format!("{}（{}前）", d.name, d.due_on), &head).map_err(xl)?;
        sheet.set_column_width(col, 18).map_err(xl)?;
    }
    for (r, row) in board.rows.iter().enumerate() {
        let r = (r + 1) as u32;
        let name = if row.active { row.unit_name.clone() } else { format!("{}（已停用）", row.unit_name) };
        sheet.write(r, 0, name).map_err(xl)?;
        let kind = UnitKind::parse(&row.unit_kind).map(UnitKind::label_zh).unwrap_or(row.unit_kind.as_str());
        sheet.write(r, 1, kind).map_err(xl)?;
        let signed =
            row.signed_at.map(|t| t.with_timezone(&offset).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
        sheet.write(r, 2, signed).map_err(xl)?;
        sheet.write(r, 3, row.contact_name.clone().unwrap_or_default()).map_err(xl)?;
        sheet.write(r, 4, row.contact_phone.clone().unwrap_or_default()).map_err(xl)?;
        sheet.write(r, 5, row.records as f64).map_err(xl)?;
        for (i, cell) in row.cells.iter().enumerate() {
            let col = (fixed.len() + i) as u16;
            match cell {
                Some(c) => {
                    let mut text = c.status.label_zh().to_owned();
                    if let Some(n) = c.rating {
                        text.push_str(&format!(" {n}分"));
                    }
                    if c.exemplary {
                        text.push_str(" 优秀");
                    }
                    sheet.write_with_format(r, col, text, &colour(c.status)).map_err(xl)?
                }
                None => sheet.write(r, col, "—").map_err(xl)?,
            };
        }
    }
    sheet.set_column_width(0, 28).map_err(xl)?;
    sheet.set_column_width(1, 10).map_err(xl)?;
    sheet.set_column_width(2, 17).map_err(xl)?;
    sheet.set_column_width(4, 14).map_err(xl)?;
    sheet.set_freeze_panes(1, 1).map_err(xl)?;
    if !board.rows.is_empty() {
        let last_col = (fixed.len() + board.deliverables.len()).saturating_sub(1) as u16;
        sheet.autofilter(0, 0, board.rows.len() as u32, last_col).map_err(xl)?;
    }

    let sum = book.add_worksheet().set_name("汇总").map_err(xl)?;
    sum.write_with_format(0, 0, board.title.as_str(), &wrap).map_err(xl)?;
    sum.write(1, 0, format!("统计日期：{}", board.today)).map_err(xl)?;
    sum.write(
        2,
        0,
        format!("接收单位 {} 个，已签收 {} 个，已明确专人 {} 个", board.units, board.signed, board.contacts),
    )
    .map_err(xl)?;
    let header = ["报送要求", "截止日期", "应报", "已通过", "待审核", "已退回", "逾期未报", "未报送"];
    for (i, h) in header.iter().enumerate() {
        sum.write_with_format(4, i as u16, *h, &head).map_err(xl)?;
    }
    for (i, (d, t)) in board.deliverables.iter().zip(&board.tallies).enumerate() {
        let r = (i + 5) as u32;
        sum.write(r, 0, d.name.as_str()).map_err(xl)?;
        sum.write(r, 1, d.due_on.to_string()).map_err(xl)?;
        let figures = [t.total(), t.accepted, t.submitted, t.returned, t.late, t.not_yet];
        for (j, n) in figures.iter().enumerate() {
            sum.write(r, (j + 2) as u16, *n as f64).map_err(xl)?;
        }
    }
    let top = (board.deliverables.len() + 7) as u32;
    let header = ["活动事项", "台账（条）", "开展单位（个）", "参与人数", "发放资料"];
    for (i, h) in header.iter().enumerate() {
        sum.write_with_format(top, i as u16, *h, &head).map_err(xl)?;
    }
    for (i, t) in board.tracks.iter().enumerate() {
        let r = top + 1 + i as u32;
        sum.write(r, 0, format!("{} {}", t.number, t.title)).map_err(xl)?;
        for (j, n) in [t.records, t.units, t.participants, t.materials].iter().enumerate() {
            sum.write(r, (j + 1) as u16, *n as f64).map_err(xl)?;
        }
    }
    sum.set_column_width(0, 30).map_err(xl)?;
    sum.set_column_width(1, 12).map_err(xl)?;
    book.save_to_buffer().map_err(xl)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(campaign: Uuid, title: &str) -> Board {
        Board {
            campaign_id: campaign,
            title: title.to_owned(),
            campaign_status: "published".into(),
            today: NaiveDate::default(),
            deliverables: Vec::new(),
            rows: Vec::new(),
            tallies: Vec::new(),
            tracks: Vec::new(),
            signed: 0,
            contacts: 0,
            units: 0,
            json: std::sync::OnceLock::new(),
            fragments: Arc::default(),
        }
    }

    fn kept(cache: &BoardCache, campaign: Uuid) -> Option<String> {
        match cache.find(campaign, NaiveDate::default()) {
            Found::Fresh(b) => Some(b.title.clone()),
            _ => None,
        }
    }

    #[tokio::test]
    async fn a_board_computed_from_reads_made_before_a_change_is_not_kept_once_the_change_forgot_it() {
        let cache = BoardCache::new(std::time::Duration::from_secs(60));
        let (campaign, other) = (Uuid::now_v7(), Uuid::now_v7());
        let day = NaiveDate::default();

        // The computation has read the old rows when a change commits and forgets the board; then it finishes.
        let raced = async {
            cache.forget(campaign);
            Ok(board(campaign, "read before the change"))
        };
        let shown = compute_once(&cache, campaign, day, raced).await.unwrap();
        assert_eq!(shown.title, "read before the change", "the request that asked still gets its board");
        assert_eq!(kept(&cache, campaign), None, "the board from before the change was kept after it was forgotten");

        // One that starts after the change is kept, and a change to another campaign leaves it be.
        compute_once(&cache, campaign, day, async { Ok(board(campaign, "after")) }).await.unwrap();
        assert_eq!(kept(&cache, campaign).as_deref(), Some("after"));
        cache.forget(other);
        assert_eq!(kept(&cache, campaign).as_deref(), Some("after"));

        // Forgetting every board (a unit renamed) races the same way.
        cache.forget(campaign);
        let raced = async {
            cache.forget_all();
            Ok(board(campaign, "read before the rename"))
        };
        compute_once(&cache, campaign, day, raced).await.unwrap();
        assert_eq!(kept(&cache, campaign), None, "the board from before the rename was kept");
        compute_once(&cache, campaign, day, async { Ok(board(campaign, "after the rename")) }).await.unwrap();
        assert_eq!(kept(&cache, campaign).as_deref(), Some("after the rename"));

        // A change to another campaign while this one computes does not keep this one from being kept.
        cache.forget(campaign);
        let unrelated = async {
            cache.forget(other);
            Ok(board(campaign, "unrelated change meanwhile"))
        };
        compute_once(&cache, campaign, day, unrelated).await.unwrap();
        assert_eq!(kept(&cache, campaign).as_deref(), Some("unrelated change meanwhile"));
    }
}
