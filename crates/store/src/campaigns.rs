//! Campaigns (活动) and what hangs off them: tracks, deliverables, recipient units, tasks; and the in-app
//! notifications publishing sends.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::units::path_upper_bound;
use crate::{Db, Result, Tx, on_db, on_tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CampaignRow {
    pub id: Uuid,
    pub authority_id: Uuid,
    pub scope: String,
    pub status: String,
    pub title: String,
    pub doc_kind: Option<String>,
    pub theme: Option<String>,
    pub doc_number: Option<String>,
    pub issuer: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
    pub public: bool,
    /// JSON array of strings.
    pub recipient_phrases: String,
    /// JSON arrays of objects.
    pub key_dates: String,
    pub contacts: String,
    pub doc_references: String,
    pub source_text: Option<String>,
    pub source_marks: Option<String>,
    pub source_file_id: Option<Uuid>,
    pub cloned_from: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, authority_id, scope, status, title, doc_kind, theme, doc_number, issuer, period_start, \
     period_end, signed_on, public, recipient_phrases, key_dates, contacts, doc_references, source_text, source_marks, \
     source_file_id, cloned_from, created_by, created_at, updated_at, published_at, closed_at";

pub async fn insert(tx: &mut Tx, c: &CampaignRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO campaign ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)"
    );
    on_tx!(tx, |x| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(c.id)
        .bind(c.authority_id)
        .bind(&c.scope)
        .bind(&c.status)
        .bind(&c.title)
        .bind(&c.doc_kind)
        .bind(&c.theme)
        .bind(&c.doc_number)
        .bind(&c.issuer)
        .bind(c.period_start)
        .bind(c.period_end)
        .bind(c.signed_on)
        .bind(c.public)
        .bind(&c.recipient_phrases)
        .bind(&c.key_dates)
        .bind(&c.contacts)
        .bind(&c.doc_references)
        .bind(&c.source_text)
        .bind(&c.source_marks)
        .bind(c.source_file_id)
        .bind(c.cloned_from)
        .bind(c.created_by)
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(c.published_at)
        .bind(c.closed_at)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Writes what an edit, a publication or a closing changes (the source never changes).
pub async fn update(tx: &mut Tx, c: &CampaignRow) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "UPDATE campaign SET status = $2, title = $3, theme = $4, doc_number = $5, issuer = $6, period_start = $7, \
         period_end = $8, signed_on = $9, public = $10, key_dates = $11, contacts = $12, doc_references = $13, \
         updated_at = $14, published_at = $15, closed_at = $16 WHERE id = $1"
    )
    .bind(c.id)
    .bind(&c.status)
    .bind(&c.title)
    .bind(&c.theme)
    .bind(&c.doc_number)
    .bind(&c.issuer)
    .bind(c.period_start)
    .bind(c.period_end)
    .bind(c.signed_on)
    .bind(c.public)
    .bind(&c.key_dates)
    .bind(&c.contacts)
    .bind(&c.doc_references)
    .bind(c.updated_at)
    .bind(c.published_at)
    .bind(c.closed_at)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<CampaignRow>> {
    let sql = format!("SELECT {COLUMNS} FROM campaign WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, CampaignRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(p)
        .await)?)
}

/// The campaign, read inside a write transaction (SQLite's `BEGIN IMMEDIATE` and PostgreSQL's row lock keep
/// two publications of the same campaign apart).
pub async fn get_for_update(tx: &mut Tx, id: Uuid) -> Result<Option<CampaignRow>> {
    let row = match tx {
        Tx::Sqlite(t) => {
            let sql = format!("SELECT {COLUMNS} FROM campaign WHERE id = $1");
            sqlx::query_as::<_, CampaignRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **t).await?
        }
        Tx::Postgres(t) => {
            let sql = format!("SELECT {COLUMNS} FROM campaign WHERE id = $1 FOR UPDATE");
            sqlx::query_as::<_, CampaignRow>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **t).await?
        }
    };
    Ok(row)
}

/// A line of the campaign list.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct CampaignSummary {
    pub id: Uuid,
    pub title: String,
    pub status: String,
    pub authority_name: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub public: bool,
    pub recipients: i64,
    pub tasks: i64,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// What a campaign list asks for: the caller's scope, or one unit's campaigns (a liaison's).
#[derive(Debug, Clone, Default)]
pub struct CampaignQuery {
    pub scope: String,
    pub unit: Option<Uuid>,
    pub status: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(sqlx::FromRow)]
struct Listed {
    #[sqlx(flatten)]
    item: CampaignSummary,
    total: i64,
}

/// Newest first, with how many units and tasks each has, and how many match in all.
pub async fn list(db: &Db, q: &CampaignQuery) -> Result<(Vec<CampaignSummary>, i64)> {
    let mut sql = String::from(
        "SELECT c.id, c.title, c.status, u.name AS authority_name, c.period_start, c.period_end, c.public, \
         (SELECT COUNT(*) FROM campaign_recipient r WHERE r.campaign_id = c.id) AS recipients, \
         (SELECT COUNT(*) FROM task t WHERE t.campaign_id = c.id) AS tasks, c.created_at, c.published_at, \
         COUNT(*) OVER () AS total \
         FROM campaign c JOIN unit u ON u.id = c.authority_id",
    );
    // Staff see their authority's campaigns; a unit every campaign sent to it, whoever issued it.
    if q.unit.is_some() {
        sql.push_str(
            " WHERE c.status <> 'draft' AND EXISTS (SELECT 1 FROM campaign_recipient r WHERE r.campaign_id = c.id \
             AND r.unit_id = $5)",
        );
    } else {
        sql.push_str(" WHERE c.scope >= $1 AND c.scope < $2");
    }
    if q.status.is_some() {
        sql.push_str(" AND c.status = $6");
    }
    sql.push_str(" ORDER BY c.created_at DESC, c.id DESC LIMIT $3 OFFSET $4");
    let upper = path_upper_bound(&q.scope);
    let rows: Vec<Listed> = on_db!(db, |p| {
        let mut query = sqlx::query_as::<_, Listed>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&q.scope)
            .bind(&upper)
            .bind(q.limit)
            .bind(q.offset);
        // $5 and $6 are bound only when the clause uses them; a gap would confuse PostgreSQL.
        if let Some(unit) = q.unit {
            query = query.bind(unit);
        } else if q.status.is_some() {
            query = query.bind(Uuid::nil());
        }
        if let Some(status) = &q.status {
            query = query.bind(status);
        }
        query.fetch_all(p).await
    })?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok((rows.into_iter().map(|r| r.item).collect(), total))
}

/// Published public campaigns of every town, newest first: the public portal.
pub async fn list_public(db: &Db, limit: i64, offset: i64) -> Result<(Vec<CampaignSummary>, i64)> {
    let sql = "SELECT c.id, c.title, c.status, u.name AS authority_name, c.period_start, c.period_end, c.public, \
         CAST(0 AS BIGINT) AS recipients, CAST(0 AS BIGINT) AS tasks, c.created_at, c.published_at, COUNT(*) OVER () AS total \
         FROM campaign c JOIN unit u ON u.id = c.authority_id \
         WHERE c.public = $1 AND c.status <> 'draft' ORDER BY c.published_at DESC, c.id DESC LIMIT $2 OFFSET $3";
    let rows: Vec<Listed> =
        on_db!(db, |p| sqlx::query_as::<_, Listed>(sql).bind(true).bind(limit).bind(offset).fetch_all(p).await)?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok((rows.into_iter().map(|r| r.item).collect(), total))
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct TrackRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub position: i32,
    pub number: String,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct DeliverableRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub position: i32,
    pub name: String,
    pub kind: String,
    pub due_on: NaiveDate,
    /// Comma-separated unit kinds.
    pub unit_kinds: String,
}

impl DeliverableRow {
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.unit_kinds.split(',').filter(|k| !k.is_empty())
    }
}

pub async fn tracks(db: &Db, campaign: Uuid) -> Result<Vec<TrackRow>> {
    let sql = "SELECT id, campaign_id, position, number, title, body FROM campaign_track WHERE campaign_id = $1 \
               ORDER BY position";
    Ok(on_db!(db, |p| sqlx::query_as::<_, TrackRow>(sql).bind(campaign).fetch_all(p).await)?)
}

pub async fn deliverables(db: &Db, campaign: Uuid) -> Result<Vec<DeliverableRow>> {
    let sql = "SELECT id, campaign_id, position, name, kind, due_on, unit_kinds FROM deliverable \
               WHERE campaign_id = $1 ORDER BY position";
    Ok(on_db!(db, |p| sqlx::query_as::<_, DeliverableRow>(sql).bind(campaign).fetch_all(p).await)?)
}

pub async fn deliverables_in(tx: &mut Tx, campaign: Uuid) -> Result<Vec<DeliverableRow>> {
    let sql = "SELECT id, campaign_id, position, name, kind, due_on, unit_kinds FROM deliverable \
               WHERE campaign_id = $1 ORDER BY position";
    Ok(on_tx!(tx, |x| sqlx::query_as::<_, DeliverableRow>(sql).bind(campaign).fetch_all(x).await)?)
}

pub async fn track_ids_in(tx: &mut Tx, campaign: Uuid) -> Result<Vec<Uuid>> {
    let sql = "SELECT id FROM campaign_track WHERE campaign_id = $1";
    Ok(on_tx!(tx, |x| sqlx::query_scalar::<_, Uuid>(sql).bind(campaign).fetch_all(x).await)?)
}

/// Inserts the track, or rewrites it in place (its id stays: activities will hang off it).
pub async fn upsert_track(tx: &mut Tx, t: &TrackRow) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "INSERT INTO campaign_track (id, campaign_id, position, number, title, body) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET position = excluded.position, number = excluded.number, \
         title = excluded.title, body = excluded.body"
    )
    .bind(t.id)
    .bind(t.campaign_id)
    .bind(t.position)
    .bind(&t.number)
    .bind(&t.title)
    .bind(&t.body)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn delete_track(tx: &mut Tx, id: Uuid) -> Result<()> {
    on_tx!(tx, |x| sqlx::query("DELETE FROM campaign_track WHERE id = $1").bind(id).execute(x).await.map(|_| ()))?;
    Ok(())
}

/// Inserts the deliverable, or rewrites it in place (its tasks keep pointing at it).
pub async fn upsert_deliverable(tx: &mut Tx, d: &DeliverableRow) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "INSERT INTO deliverable (id, campaign_id, position, name, kind, due_on, unit_kinds) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET position = excluded.position, \
         name = excluded.name, kind = excluded.kind, due_on = excluded.due_on, unit_kinds = excluded.unit_kinds"
    )
    .bind(d.id)
    .bind(d.campaign_id)
    .bind(d.position)
    .bind(&d.name)
    .bind(&d.kind)
    .bind(d.due_on)
    .bind(&d.unit_kinds)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Removes a deliverable with its unstarted tasks; one with a task already under way is refused.
pub async fn delete_deliverable(tx: &mut Tx, id: Uuid) -> Result<()> {
    let started: i64 = on_tx!(tx, |x| sqlx::query_scalar(
        "SELECT COUNT(*) FROM task WHERE deliverable_id = $1 AND status <> 'pending'"
    )
    .bind(id)
    .fetch_one(x)
    .await)?;
    if started > 0 {
        return Err(crate::Error::Conflict("deliverable_has_work".into()));
    }
    on_tx!(tx, |x| sqlx::query("DELETE FROM task WHERE deliverable_id = $1").bind(id).execute(x).await.map(|_| ()))?;
    on_tx!(tx, |x| sqlx::query("DELETE FROM deliverable WHERE id = $1").bind(id).execute(x).await.map(|_| ()))?;
    Ok(())
}

/// The units a campaign goes to: id, name, kind, and whether the unit is active.
pub async fn recipients(db: &Db, campaign: Uuid) -> Result<Vec<(Uuid, String, String, bool)>> {
    let sql = "SELECT u.id, u.name, u.kind, u.active FROM campaign_recipient r JOIN unit u ON u.id = r.unit_id \
               WHERE r.campaign_id = $1 ORDER BY u.kind_rank, u.sort_key";
    Ok(on_db!(db, |p| sqlx::query_as::<_, (Uuid, String, String, bool)>(sql).bind(campaign).fetch_all(p).await)?)
}

/// Whether the campaign was sent to the unit.
pub async fn is_recipient(db: &Db, campaign: Uuid, unit: Uuid) -> Result<bool> {
    let sql = "SELECT COUNT(*) FROM campaign_recipient WHERE campaign_id = $1 AND unit_id = $2";
    let n: i64 = on_db!(db, |p| sqlx::query_scalar(sql).bind(campaign).bind(unit).fetch_one(p).await)?;
    Ok(n > 0)
}

/// The recipient units with their kinds and whether they are active, read inside a write.
pub async fn recipients_in(tx: &mut Tx, campaign: Uuid) -> Result<Vec<(Uuid, String, bool)>> {
    let sql = "SELECT u.id, u.kind, u.active FROM campaign_recipient r JOIN unit u ON u.id = r.unit_id \
               WHERE r.campaign_id = $1";
    Ok(on_tx!(tx, |x| sqlx::query_as::<_, (Uuid, String, bool)>(sql).bind(campaign).fetch_all(x).await)?)
}

/// Takes back a unit's unstarted task for a deliverable (one that no longer applies to its kind).
pub async fn delete_pending_task(tx: &mut Tx, deliverable: Uuid, unit: Uuid) -> Result<()> {
    on_tx!(tx, |x| sqlx::query("DELETE FROM task WHERE deliverable_id = $1 AND unit_id = $2 AND status = 'pending'")
        .bind(deliverable)
        .bind(unit)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

pub async fn add_recipient(tx: &mut Tx, campaign: Uuid, unit: Uuid) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "INSERT INTO campaign_recipient (campaign_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    )
    .bind(campaign)
    .bind(unit)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Takes a unit off the list, with the tasks it had not started.
pub async fn remove_recipient(tx: &mut Tx, campaign: Uuid, unit: Uuid) -> Result<()> {
    on_tx!(tx, |x| sqlx::query("DELETE FROM task WHERE campaign_id = $1 AND unit_id = $2 AND status = 'pending'")
        .bind(campaign)
        .bind(unit)
        .execute(x)
        .await
        .map(|_| ()))?;
    on_tx!(tx, |x| sqlx::query("DELETE FROM campaign_recipient WHERE campaign_id = $1 AND unit_id = $2")
        .bind(campaign)
        .bind(unit)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct TaskRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub deliverable_id: Uuid,
    pub unit_id: Uuid,
    pub due_on: NaiveDate,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Creates the task unless that unit already has one for that deliverable; true when it was created.
pub async fn insert_task(tx: &mut Tx, t: &TaskRow) -> Result<bool> {
    let n = on_tx!(tx, |x| sqlx::query(
        "INSERT INTO task (id, campaign_id, deliverable_id, unit_id, due_on, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (deliverable_id, unit_id) DO NOTHING"
    )
    .bind(t.id)
    .bind(t.campaign_id)
    .bind(t.deliverable_id)
    .bind(t.unit_id)
    .bind(t.due_on)
    .bind(&t.status)
    .bind(t.created_at)
    .bind(t.updated_at)
    .execute(x)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Moves every task of a deliverable to its new due date; how many moved.
pub async fn move_tasks(tx: &mut Tx, deliverable: Uuid, due_on: NaiveDate, now: DateTime<Utc>) -> Result<u64> {
    Ok(on_tx!(tx, |x| sqlx::query(
        "UPDATE task SET due_on = $2, updated_at = $3 WHERE deliverable_id = $1 AND due_on <> $2"
    )
    .bind(deliverable)
    .bind(due_on)
    .bind(now)
    .execute(x)
    .await
    .map(|r| r.rows_affected()))?)
}

/// One task as the campaign page lists it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct TaskLine {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub deliverable_id: Uuid,
    pub deliverable: String,
    pub unit_id: Uuid,
    pub unit_name: String,
    pub unit_kind: String,
    pub due_on: NaiveDate,
    pub status: String,
}

pub async fn tasks(db: &Db, campaign: Uuid) -> Result<Vec<TaskLine>> {
    let sql = "SELECT t.id, t.campaign_id, t.deliverable_id, d.name AS deliverable, t.unit_id, u.name AS unit_name, \
               u.kind AS unit_kind, t.due_on, t.status FROM task t JOIN deliverable d ON d.id = t.deliverable_id \
               JOIN unit u ON u.id = t.unit_id WHERE t.campaign_id = $1 ORDER BY d.position, u.kind_rank, u.sort_key";
    Ok(on_db!(db, |p| sqlx::query_as::<_, TaskLine>(sql).bind(campaign).fetch_all(p).await)?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct NotificationRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

pub async fn notify(tx: &mut Tx, n: &NotificationRow) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "INSERT INTO notification (id, user_id, kind, title, body, link, created_at, read_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(n.id)
    .bind(n.user_id)
    .bind(&n.kind)
    .bind(&n.title)
    .bind(&n.body)
    .bind(&n.link)
    .bind(n.created_at)
    .bind(n.read_at)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// A user's newest notifications, and how many are unread.
pub async fn notifications(db: &Db, user: Uuid, limit: i64) -> Result<(Vec<NotificationRow>, i64)> {
    let sql = "SELECT id, user_id, kind, title, body, link, created_at, read_at FROM notification \
               WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2";
    let rows = on_db!(db, |p| sqlx::query_as::<_, NotificationRow>(sql).bind(user).bind(limit).fetch_all(p).await)?;
    let unread = unread_count(db, user).await?;
    Ok((rows, unread))
}

pub async fn unread_count(db: &Db, user: Uuid) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM notification WHERE user_id = $1 AND read_at IS NULL";
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, i64>(sql).bind(user).fetch_one(p).await)?)
}

pub async fn mark_read(db: &Db, user: Uuid, now: DateTime<Utc>) -> Result<u64> {
    let sql = "UPDATE notification SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL";
    Ok(on_db!(db, |p| sqlx::query(sql).bind(user).bind(now).execute(p).await.map(|r| r.rows_affected()))?)
}

/// The active liaison accounts of a unit: who is told when work arrives.
pub async fn liaisons_of(tx: &mut Tx, unit: Uuid) -> Result<Vec<Uuid>> {
    let sql = "SELECT id FROM app_user WHERE unit_id = $1 AND role = 'liaison' AND active = $2";
    Ok(on_tx!(tx, |x| sqlx::query_scalar::<_, Uuid>(sql).bind(unit).bind(true).fetch_all(x).await)?)
}

/// A unit's 签收 and 专人 for one campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ReceiptRow {
    pub unit_id: Uuid,
    pub signed_at: Option<DateTime<Utc>>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

pub async fn receipts(db: &Db, campaign: Uuid) -> Result<Vec<ReceiptRow>> {
    let sql = "SELECT unit_id, signed_at, contact_name, contact_phone FROM campaign_receipt WHERE campaign_id = $1";
    Ok(on_db!(db, |p| sqlx::query_as::<_, ReceiptRow>(sql).bind(campaign).fetch_all(p).await)?)
}

/// Signs for the notice; a second signature keeps the first one's time. True when this call signed.
pub async fn sign(tx: &mut Tx, campaign: Uuid, unit: Uuid, user: Option<Uuid>, now: DateTime<Utc>) -> Result<bool> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "INSERT INTO campaign_receipt (campaign_id, unit_id, signed_at, signed_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (campaign_id, unit_id) DO UPDATE SET signed_at = excluded.signed_at, signed_by = excluded.signed_by \
         WHERE campaign_receipt.signed_at IS NULL"
    )
    .bind(campaign)
    .bind(unit)
    .bind(now)
    .bind(user)
    .execute(x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

pub async fn set_contact(
    tx: &mut Tx,
    campaign: Uuid,
    unit: Uuid,
    name: &str,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |x| {
        sqlx::query(
        "INSERT INTO campaign_receipt (campaign_id, unit_id, contact_name, contact_phone, contact_set_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (campaign_id, unit_id) DO UPDATE SET \
         contact_name = excluded.contact_name, contact_phone = excluded.contact_phone, contact_set_at = excluded.contact_set_at"
    )
    .bind(campaign)
    .bind(unit)
    .bind(name)
    .bind(phone)
    .bind(now)
    .execute(x)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// A campaign sent to a unit, with the unit's receipt: the liaison's home lists these.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct UnitCampaign {
    pub id: Uuid,
    pub title: String,
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

pub async fn unit_campaigns(db: &Db, unit: Uuid) -> Result<Vec<UnitCampaign>> {
    let sql = "SELECT c.id, c.title, c.status, c.published_at, r.signed_at, r.contact_name, r.contact_phone \
               FROM campaign_recipient cr JOIN campaign c ON c.id = cr.campaign_id \
               LEFT JOIN campaign_receipt r ON r.campaign_id = cr.campaign_id AND r.unit_id = cr.unit_id \
               WHERE cr.unit_id = $1 AND c.status <> 'draft' ORDER BY c.published_at DESC, c.id DESC";
    Ok(on_db!(db, |p| sqlx::query_as::<_, UnitCampaign>(sql).bind(unit).fetch_all(p).await)?)
}

/// A unit's tasks in every campaign sent to it, soonest due first.
pub async fn unit_tasks(db: &Db, unit: Uuid) -> Result<Vec<TaskLine>> {
    let sql = "SELECT t.id, t.campaign_id, t.deliverable_id, d.name AS deliverable, t.unit_id, u.name AS unit_name, \
               u.kind AS unit_kind, t.due_on, t.status FROM task t JOIN deliverable d ON d.id = t.deliverable_id \
               JOIN unit u ON u.id = t.unit_id JOIN campaign c ON c.id = t.campaign_id \
               WHERE t.unit_id = $1 AND c.status <> 'draft' ORDER BY t.due_on, d.position";
    Ok(on_db!(db, |p| sqlx::query_as::<_, TaskLine>(sql).bind(unit).fetch_all(p).await)?)
}

pub async fn notification(db: &Db, id: Uuid) -> Result<Option<NotificationRow>> {
    let sql = "SELECT id, user_id, kind, title, body, link, created_at, read_at FROM notification WHERE id = $1";
    Ok(on_db!(db, |p| sqlx::query_as::<_, NotificationRow>(sql).bind(id).fetch_optional(p).await)?)
}
