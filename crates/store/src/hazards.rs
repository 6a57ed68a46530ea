//! Hazard cases: the case row, the reporter's sealed identity, files by stage, the timeline (also the
//! Open311 update feed), whistle-blower links and Open311 client keys.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::{Db, Result, Tx, on_db, on_tx};

/// A case as handlers see it. The reporter's identity is not here: it sits sealed in `hazard_identity`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct CaseRow {
    pub id: Uuid,
    pub authority_id: Uuid,
    pub channel: String,
    pub category: String,
    pub description: String,
    pub location: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub status: String,
    pub grade: Option<String>,
    pub summary: Option<String>,
    pub unit_id: Option<Uuid>,
    pub deadline: Option<NaiveDate>,
    pub subject_unit_id: Option<Uuid>,
    pub reply: Option<String>,
    pub merged_into: Option<Uuid>,
    #[serde(skip)]
    pub receipt_hash: Option<String>,
    pub anonymous: bool,
    pub escalated_at: Option<DateTime<Utc>>,
    pub exposed_at: Option<DateTime<Utc>>,
    pub public_text: Option<String>,
    pub fine_fen: Option<i64>,
    pub reward_fen: Option<i64>,
    pub reward_confirmed_at: Option<DateTime<Utc>>,
    pub reward_claimed_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, authority_id, channel, category, description, location, lat, lon, status, grade, summary, \
     unit_id, deadline, subject_unit_id, reply, merged_into, receipt_hash, anonymous, escalated_at, exposed_at, \
     public_text, fine_fen, reward_fen, reward_confirmed_at, reward_claimed_at, created_by, created_at, updated_at, \
     closed_at";

pub async fn insert(tx: &mut Tx, c: &CaseRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO hazard_case ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)"
    );
    on_tx!(tx, |x| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(c.id)
        .bind(c.authority_id)
        .bind(&c.channel)
        .bind(&c.category)
        .bind(&c.description)
        .bind(&c.location)
        .bind(c.lat)
        .bind(c.lon)
        .bind(&c.status)
        .bind(&c.grade)
        .bind(&c.summary)
        .bind(c.unit_id)
        .bind(c.deadline)
        .bind(c.subject_unit_id)
        .bind(&c.reply)
        .bind(c.merged_into)
        .bind(&c.receipt_hash)
        .bind(c.anonymous)
        .bind(c.escalated_at)
        .bind(c.exposed_at)
        .bind(&c.public_text)
        .bind(c.fine_fen)
        .bind(c.reward_fen)
        .bind(c.reward_confirmed_at)
        .bind(c.reward_claimed_at)
        .bind(c.created_by)
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(c.closed_at)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Writes back everything a step may change (the row was read with [`get_for_update`]).
pub async fn update(tx: &mut Tx, c: &CaseRow) -> Result<()> {
    let sql = "UPDATE hazard_case SET status = $2, grade = $3, summary = $4, unit_id = $5, deadline = $6, reply = $7, \
               merged_into = $8, escalated_at = $9, exposed_at = $10, public_text = $11, fine_fen = $12, \
               reward_fen = $13, reward_confirmed_at = $14, reward_claimed_at = $15, updated_at = $16, \
               closed_at = $17, subject_unit_id = $18 WHERE id = $1";
    on_tx!(tx, |x| sqlx::query(sql)
        .bind(c.id)
        .bind(&c.status)
        .bind(&c.grade)
        .bind(&c.summary)
        .bind(c.unit_id)
        .bind(c.deadline)
        .bind(&c.reply)
        .bind(c.merged_into)
        .bind(c.escalated_at)
        .bind(c.exposed_at)
        .bind(&c.public_text)
        .bind(c.fine_fen)
        .bind(c.reward_fen)
        .bind(c.reward_confirmed_at)
        .bind(c.reward_claimed_at)
        .bind(c.updated_at)
        .bind(c.closed_at)
        .bind(c.subject_unit_id)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The report's text with what the reporter added.
pub async fn set_description(tx: &mut Tx, id: Uuid, text: &str, at: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |x| sqlx::query("UPDATE hazard_case SET description = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(text)
        .bind(at)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<CaseRow>> {
    let sql = format!("SELECT {COLUMNS} FROM hazard_case WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(p)
        .await)?)
}

/// The case, read inside the transaction that will change it (PostgreSQL locks the row; SQLite's
/// writer lock is already held).
pub async fn get_for_update(tx: &mut Tx, id: Uuid) -> Result<Option<CaseRow>> {
    let sql = match tx {
        Tx::Sqlite(_) => format!("SELECT {COLUMNS} FROM hazard_case WHERE id = $1"),
        Tx::Postgres(_) => format!("SELECT {COLUMNS} FROM hazard_case WHERE id = $1 FOR UPDATE"),
    };
    Ok(on_tx!(tx, |x| sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(x)
        .await)?)
}

pub async fn by_receipt(db: &Db, hash: &str) -> Result<Option<CaseRow>> {
    let sql = format!("SELECT {COLUMNS} FROM hazard_case WHERE receipt_hash = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(hash)
        .fetch_optional(p)
        .await)?)
}

/// Which cases a list shows.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    /// Cases of towns whose path starts with this (staff), or
    pub scope_prefix: Option<String>,
    /// cases a unit is responsible for (its liaisons), or that are about it (self-checks).
    pub unit: Option<Uuid>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub overdue_on: Option<NaiveDate>,
    pub limit: i64,
    pub offset: i64,
}

/// Cases, newest first, with how many match. Every filter is always in the text (an empty value turns it
/// off), so the statement is one and every parameter has a type on PostgreSQL.
pub async fn list(db: &Db, q: &CaseQuery) -> Result<(Vec<CaseRow>, i64)> {
    let filter = " FROM hazard_case h WHERE ($1 = '' OR h.authority_id IN (SELECT id FROM unit WHERE path LIKE $1)) \
                  AND ($2 = $8 OR h.unit_id = $2 OR (h.subject_unit_id = $2 AND h.channel = 'self_check')) \
                  AND ($3 = '' OR h.status = $3) AND ($4 = '' OR h.category = $4) \
                  AND ($5 = '' OR (h.deadline < $9 AND h.status IN ('assigned', 'rectifying', 'reopened')))";
    let cols = COLUMNS.split(", ").map(|c| format!("h.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT {cols}{filter} ORDER BY h.created_at DESC, h.id DESC LIMIT $6 OFFSET $7");
    let count = format!("SELECT COUNT(*){filter} AND $6 >= 0 AND $7 >= 0");
    let like = q.scope_prefix.as_ref().map(|p| format!("{}%", p.replace('%', ""))).unwrap_or_default();
    let overdue = if q.overdue_on.is_some() { "1" } else { "" };
    macro_rules! bind_all {
        ($query:expr) => {
            $query
                .bind(&like)
                .bind(q.unit.unwrap_or_default())
                .bind(q.status.clone().unwrap_or_default())
                .bind(q.category.clone().unwrap_or_default())
                .bind(overdue)
                .bind(q.limit)
                .bind(q.offset)
                .bind(Uuid::nil())
                .bind(q.overdue_on.unwrap_or_default())
        };
    }
    let rows =
        on_db!(db, |p| bind_all!(sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(sql.as_str()))).fetch_all(p).await)?;
    let total = on_db!(db, |p| bind_all!(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count.as_str())))
        .fetch_one(p)
        .await)?;
    Ok((rows, total))
}

/// Cases past their deadline and not yet escalated, with the unit still at work.
pub async fn overdue_unescalated(db: &Db, today: NaiveDate) -> Result<Vec<CaseRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM hazard_case WHERE deadline < $1 AND escalated_at IS NULL \
         AND status IN ('assigned', 'rectifying', 'reopened') ORDER BY deadline LIMIT 500"
    );
    Ok(on_db!(db, |p| sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(today).fetch_all(p).await)?)
}

/// The reporter's identity, sealed by the caller.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SealedIdentity {
    pub case_id: Uuid,
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub sealed: Vec<u8>,
}

pub async fn insert_identity(tx: &mut Tx, s: &SealedIdentity) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "INSERT INTO hazard_identity (case_id, key_id, nonce, sealed) VALUES ($1, $2, $3, $4)"
    )
    .bind(s.case_id)
    .bind(&s.key_id)
    .bind(&s.nonce)
    .bind(&s.sealed)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn identity(tx: &mut Tx, case: Uuid) -> Result<Option<SealedIdentity>> {
    Ok(on_tx!(tx, |x| sqlx::query_as::<_, SealedIdentity>(
        "SELECT case_id, key_id, nonce, sealed FROM hazard_identity WHERE case_id = $1"
    )
    .bind(case)
    .fetch_optional(x)
    .await)?)
}

pub async fn has_identity(db: &Db, case: Uuid) -> Result<bool> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM hazard_identity WHERE case_id = $1")
        .bind(case)
        .fetch_one(p)
        .await)?
        > 0)
}

pub async fn attach_file(
    tx: &mut Tx,
    case: Uuid,
    file: Uuid,
    stage: &str,
    position: i32,
    at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "INSERT INTO hazard_file (case_id, file_id, stage, position, added_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (case_id, file_id) DO NOTHING"
    )
    .bind(case)
    .bind(file)
    .bind(stage)
    .bind(position)
    .bind(at)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// A file of a case with the stage it came in at.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CaseFile {
    pub file_id: Uuid,
    pub stage: String,
    pub content_type: String,
    pub original_name: String,
    pub size: i64,
    pub added_at: DateTime<Utc>,
    /// A thumbnail was made (photos, once the worker has read them).
    pub has_thumb: bool,
}

pub async fn files(db: &Db, case: Uuid) -> Result<Vec<CaseFile>> {
    let sql = "SELECT f.id AS file_id, hf.stage, f.content_type, f.original_name, f.size, hf.added_at, \
               (m.thumb_sha256 IS NOT NULL) AS has_thumb \
               FROM hazard_file hf JOIN stored_file f ON f.id = hf.file_id \
               LEFT JOIN file_meta m ON m.file_id = f.id WHERE hf.case_id = $1 \
               ORDER BY hf.added_at, hf.position";
    Ok(on_db!(db, |p| sqlx::query_as::<_, CaseFile>(sql).bind(case).fetch_all(p).await)?)
}

/// One step of a case.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct EventRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub status: String,
    pub note: Option<String>,
    pub detail: Option<String>,
    pub actor: Option<Uuid>,
}

pub async fn insert_event(tx: &mut Tx, e: &EventRow) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "INSERT INTO hazard_event (id, case_id, at, kind, status, note, detail, actor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(e.id)
    .bind(e.case_id)
    .bind(e.at)
    .bind(&e.kind)
    .bind(&e.status)
    .bind(&e.note)
    .bind(&e.detail)
    .bind(e.actor)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn events(db: &Db, case: Uuid) -> Result<Vec<EventRow>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, EventRow>(
        "SELECT id, case_id, at, kind, status, note, detail, actor FROM hazard_event WHERE case_id = $1 ORDER BY at, id"
    )
    .bind(case)
    .fetch_all(p)
    .await)?)
}

/// The enterprise a whistle-blower link belongs to, if the link is live.
pub async fn whistle_unit(db: &Db, token: &str) -> Result<Option<Uuid>> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, Uuid>(
        "SELECT unit_id FROM whistle_link WHERE token = $1 AND revoked_at IS NULL"
    )
    .bind(token)
    .fetch_optional(p)
    .await)?)
}

/// The live whistle-blower link of an enterprise.
pub async fn whistle_token(db: &Db, unit: Uuid) -> Result<Option<String>> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, String>(
        "SELECT token FROM whistle_link WHERE unit_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1"
    )
    .bind(unit)
    .fetch_optional(p)
    .await)?)
}

pub async fn insert_whistle(tx: &mut Tx, token: &str, unit: Uuid, at: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |x| sqlx::query("UPDATE whistle_link SET revoked_at = $2 WHERE unit_id = $1 AND revoked_at IS NULL")
        .bind(unit)
        .bind(at)
        .execute(x)
        .await
        .map(|_| ()))?;
    on_tx!(tx, |x| sqlx::query("INSERT INTO whistle_link (token, unit_id, created_at) VALUES ($1, $2, $3)")
        .bind(token)
        .bind(unit)
        .bind(at)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The town's active case handlers (organisers and reviewers): who is told of a fix to verify or an
/// overdue case.
pub async fn handlers_of(tx: &mut Tx, town: Uuid) -> Result<Vec<Uuid>> {
    let sql = "SELECT id FROM app_user WHERE authority_id = $1 AND role IN ('organiser', 'reviewer') AND active = $2";
    Ok(on_tx!(tx, |x| sqlx::query_scalar::<_, Uuid>(sql).bind(town).bind(true).fetch_all(x).await)?)
}

/// A town's active units (id, name, kind) in register order, for choosing who fixes a hazard.
pub async fn units_of_town(db: &Db, scope: &str, town: Uuid) -> Result<Vec<(Uuid, String, String)>> {
    let sql = "SELECT id, name, kind FROM unit WHERE scope_path = $1 AND active = $2 AND id <> $3 \
               ORDER BY kind_rank, sort_key";
    Ok(on_db!(db, |p| sqlx::query_as::<_, (Uuid, String, String)>(sql)
        .bind(scope)
        .bind(true)
        .bind(town)
        .fetch_all(p)
        .await)?)
}

/// What the public may list (Open311 `GET requests`).
#[derive(Debug, Clone, Default)]
pub struct PublicQuery {
    pub category: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// `Some(true)`: open cases only; `Some(false)`: closed only.
    pub open: Option<bool>,
    pub authority: Option<Uuid>,
    pub limit: i64,
}

const FINAL: &str = "('declined', 'closed', 'merged')";

/// Cases filed by the public or exposed by staff, newest first.
pub async fn public_cases(db: &Db, q: &PublicQuery) -> Result<Vec<CaseRow>> {
    let open = match q.open {
        None => String::new(),
        Some(true) => format!(" AND status NOT IN {FINAL}"),
        Some(false) => format!(" AND status IN {FINAL}"),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM hazard_case WHERE (channel = 'public' OR exposed_at IS NOT NULL) \
         AND ($1 = '' OR category = $1) AND created_at >= $2 AND created_at < $3 \
         AND ($4 = $5 OR authority_id = $4){open} ORDER BY created_at DESC, id DESC LIMIT $6"
    );
    // Bounds both databases store and compare alike (SQLite compares the text).
    let start = q.start.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let end = q.end.unwrap_or_else(|| {
        NaiveDate::from_ymd_opt(9999, 12, 31)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(DateTime::<Utc>::UNIX_EPOCH, |t| t.and_utc())
    });
    Ok(on_db!(db, |p| sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(q.category.clone().unwrap_or_default())
        .bind(start)
        .bind(end)
        .bind(q.authority.unwrap_or_default())
        .bind(Uuid::nil())
        .bind(q.limit)
        .fetch_all(p)
        .await)?)
}

/// The steps the public may read (those with a note for the reporter) of listed cases, oldest first.
pub async fn public_updates(db: &Db, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Vec<EventRow>> {
    // A step's note may carry what staff wrote to the reporter (a reason, a reply): public only once exposed.
    let sql = "SELECT e.id, e.case_id, e.at, e.kind, e.status, \
               CASE WHEN h.exposed_at IS NOT NULL THEN e.note END AS note, NULL AS detail, NULL AS actor \
               FROM hazard_event e JOIN hazard_case h ON h.id = e.case_id \
               WHERE e.note IS NOT NULL AND (h.channel = 'public' OR h.exposed_at IS NOT NULL) \
               AND e.at >= $1 AND e.at < $2 ORDER BY e.at, e.id LIMIT 1000";
    Ok(on_db!(db, |p| sqlx::query_as::<_, EventRow>(sql).bind(start).bind(end).fetch_all(p).await)?)
}

/// The town an Open311 key belongs to, if the key is live.
pub async fn open311_client(db: &Db, key_hash: &str) -> Result<Option<Uuid>> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, Uuid>(
        "SELECT authority_id FROM open311_client WHERE key_hash = $1 AND revoked_at IS NULL"
    )
    .bind(key_hash)
    .fetch_optional(p)
    .await)?)
}

pub async fn insert_open311_client(
    tx: &mut Tx,
    id: Uuid,
    town: Uuid,
    name: &str,
    key_hash: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "INSERT INTO open311_client (id, authority_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(id)
    .bind(town)
    .bind(name)
    .bind(key_hash)
    .bind(at)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Cases staff exposed on the public board, newest first.
pub async fn exposed(db: &Db, limit: i64) -> Result<Vec<CaseRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM hazard_case WHERE exposed_at IS NOT NULL ORDER BY exposed_at DESC LIMIT $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(limit).fetch_all(p).await)?)
}

/// What statistics are made of: every case's category, grade, status, deadline and times, for towns
/// under a path (the public figures: all towns).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CaseFacts {
    pub category: String,
    pub grade: Option<String>,
    pub status: String,
    pub deadline: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

pub async fn facts(db: &Db, scope_prefix: &str) -> Result<Vec<CaseFacts>> {
    let sql = "SELECT h.category, h.grade, h.status, h.deadline, h.created_at, h.closed_at FROM hazard_case h \
               WHERE h.authority_id IN (SELECT id FROM unit WHERE path LIKE $1)";
    let like = format!("{}%", scope_prefix.replace('%', ""));
    Ok(on_db!(db, |p| sqlx::query_as::<_, CaseFacts>(sql).bind(&like).fetch_all(p).await)?)
}

/// One entry of the red/black list (安全行为红黑榜).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ListEntry {
    pub id: Uuid,
    pub authority_id: Uuid,
    pub unit_id: Uuid,
    pub unit_name: String,
    pub list: String,
    pub reason: String,
    pub case_id: Option<Uuid>,
    pub published_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub appeal_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

const ENTRY: &str = "SELECT e.id, e.authority_id, e.unit_id, u.name AS unit_name, e.list, e.reason, e.case_id, \
     e.published_on, e.expires_on, e.appeal_note, e.created_at, e.withdrawn_at FROM list_entry e JOIN unit u ON u.id = e.unit_id";

#[expect(clippy::too_many_arguments, reason = "one row's columns")]
pub async fn insert_entry(
    tx: &mut Tx,
    id: Uuid,
    town: Uuid,
    unit: Uuid,
    list: &str,
    reason: &str,
    case: Option<Uuid>,
    published_on: NaiveDate,
    expires_on: NaiveDate,
    appeal_note: Option<&str>,
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "INSERT INTO list_entry (id, authority_id, unit_id, list, reason, case_id, published_on, expires_on, \
         appeal_note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )
    .bind(id)
    .bind(town)
    .bind(unit)
    .bind(list)
    .bind(reason)
    .bind(case)
    .bind(published_on)
    .bind(expires_on)
    .bind(appeal_note)
    .bind(by)
    .bind(at)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn entry(db: &Db, id: Uuid) -> Result<Option<ListEntry>> {
    let sql = format!("{ENTRY} WHERE e.id = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, ListEntry>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(p)
        .await)?)
}

pub async fn withdraw_entry(tx: &mut Tx, id: Uuid, at: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |x| sqlx::query("UPDATE list_entry SET withdrawn_at = $2 WHERE id = $1 AND withdrawn_at IS NULL")
        .bind(id)
        .bind(at)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// A town's entries, newest first (staff), or every town's entries live on `on` (the public board).
pub async fn entries(db: &Db, town: Option<Uuid>, live_on: Option<NaiveDate>) -> Result<Vec<ListEntry>> {
    let sql = format!(
        "{ENTRY} WHERE ($1 = $2 OR e.authority_id = $1) AND ($3 = 0 OR (e.withdrawn_at IS NULL AND \
         e.published_on <= $4 AND e.expires_on >= $4)) ORDER BY e.published_on DESC, e.created_at DESC LIMIT 500"
    );
    Ok(on_db!(db, |p| sqlx::query_as::<_, ListEntry>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(town.unwrap_or_default())
        .bind(Uuid::nil())
        .bind(i32::from(live_on.is_some()))
        .bind(live_on.unwrap_or_default())
        .fetch_all(p)
        .await)?)
}
