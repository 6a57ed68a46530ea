//! Activity records (活动台账) and their files, each track's stored form, and the totals a board shows.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::{Db, Result, Tx, on_db, on_tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ActivityRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub track_id: Uuid,
    pub unit_id: Uuid,
    pub occurred_on: NaiveDate,
    pub place: String,
    pub form: String,
    pub participants: i32,
    pub materials: i32,
    pub description: String,
    /// JSON object.
    pub extra: String,
    #[serde(skip)]
    pub client_key: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, campaign_id, track_id, unit_id, occurred_on, place, form, participants, materials, \
     description, extra, client_key, created_by, created_at";

pub async fn insert(tx: &mut Tx, a: &ActivityRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO activity ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    );
    on_tx!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(a.id)
        .bind(a.campaign_id)
        .bind(a.track_id)
        .bind(a.unit_id)
        .bind(a.occurred_on)
        .bind(&a.place)
        .bind(&a.form)
        .bind(a.participants)
        .bind(a.materials)
        .bind(&a.description)
        .bind(&a.extra)
        .bind(&a.client_key)
        .bind(a.created_by)
        .bind(a.created_at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

pub async fn attach_file(tx: &mut Tx, activity: Uuid, file: Uuid, position: i32) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO activity_file (activity_id, file_id, position) VALUES ($1, $2, $3) \
         ON CONFLICT (activity_id, file_id) DO NOTHING"
    )
    .bind(activity)
    .bind(file)
    .bind(position)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// The record a form made before (the same one-time key from the same unit).
pub async fn by_client_key(tx: &mut Tx, unit: Uuid, key: &str) -> Result<Option<ActivityRow>> {
    let sql = format!("SELECT {COLUMNS} FROM activity WHERE unit_id = $1 AND client_key = $2");
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, ActivityRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit)
        .bind(key)
        .fetch_optional(c)
        .await)?)
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<ActivityRow>> {
    let sql = format!("SELECT {COLUMNS} FROM activity WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, ActivityRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(p)
        .await)?)
}

pub async fn delete(tx: &mut Tx, id: Uuid) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM activity WHERE id = $1").bind(id).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// A record with its unit's and track's names, as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ActivityLine {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub row: ActivityRow,
    pub unit_name: String,
    pub track_number: String,
    pub track_title: String,
    pub files: i64,
}

/// A campaign's records, newest activity first; of one unit and/or one track when given.
pub async fn list(db: &Db, campaign: Uuid, unit: Option<Uuid>, track: Option<Uuid>) -> Result<Vec<ActivityLine>> {
    let cols: String = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {cols}, u.name AS unit_name, t.number AS track_number, t.title AS track_title, \
         (SELECT COUNT(*) FROM activity_file f WHERE f.activity_id = a.id) AS files \
         FROM activity a JOIN unit u ON u.id = a.unit_id JOIN campaign_track t ON t.id = a.track_id \
         WHERE a.campaign_id = $1 AND ($2 IS NULL OR a.unit_id = $2) AND ($3 IS NULL OR a.track_id = $3) \
         ORDER BY a.occurred_on DESC, a.created_at DESC"
    );
    Ok(on_db!(db, |p| sqlx::query_as::<_, ActivityLine>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(campaign)
        .bind(unit)
        .bind(track)
        .fetch_all(p)
        .await)?)
}

/// The files of a campaign's records (of one unit when given), in order.
pub async fn files(db: &Db, campaign: Uuid, unit: Option<Uuid>) -> Result<Vec<(Uuid, crate::files::FileRow)>> {
    #[derive(sqlx::FromRow)]
    struct Line {
        activity_id: Uuid,
        #[sqlx(flatten)]
        file: crate::files::FileRow,
    }
    let sql = "SELECT af.activity_id, f.id, f.authority_id, f.sha256, f.size, f.content_type, f.original_name, \
               f.uploaded_by, f.created_at FROM activity_file af JOIN activity a ON a.id = af.activity_id \
               JOIN stored_file f ON f.id = af.file_id WHERE a.campaign_id = $1 AND ($2 IS NULL OR a.unit_id = $2) \
               ORDER BY af.position";
    let rows = on_db!(db, |p| sqlx::query_as::<_, Line>(sql).bind(campaign).bind(unit).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|l| (l.activity_id, l.file)).collect())
}

/// True when the file is attached to some record of the unit.
pub async fn file_in_unit_records(db: &Db, file: Uuid, unit: Uuid) -> Result<bool> {
    let sql = "SELECT EXISTS (SELECT 1 FROM activity_file af JOIN activity a ON a.id = af.activity_id \
               WHERE af.file_id = $1 AND a.unit_id = $2)";
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, bool>(sql).bind(file).bind(unit).fetch_one(p).await)?)
}

/// Records a unit kept in a campaign.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct UnitRecords {
    pub unit_id: Uuid,
    pub records: i64,
}

pub async fn records_per_unit(db: &Db, campaign: Uuid) -> Result<Vec<UnitRecords>> {
    let sql = "SELECT unit_id, COUNT(*) AS records FROM activity WHERE campaign_id = $1 GROUP BY unit_id";
    Ok(on_db!(db, |p| sqlx::query_as::<_, UnitRecords>(sql).bind(campaign).fetch_all(p).await)?)
}

/// What the units recorded under one track: records, units with at least one, participants, materials.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct TrackTotals {
    pub track_id: Uuid,
    pub records: i64,
    pub units: i64,
    pub participants: i64,
    pub materials: i64,
}

pub async fn per_track(db: &Db, campaign: Uuid) -> Result<Vec<TrackTotals>> {
    let sql = "SELECT track_id, COUNT(*) AS records, COUNT(DISTINCT unit_id) AS units, \
               COALESCE(SUM(participants), 0) AS participants, COALESCE(SUM(materials), 0) AS materials \
               FROM activity WHERE campaign_id = $1 GROUP BY track_id";
    Ok(on_db!(db, |p| sqlx::query_as::<_, TrackTotals>(sql).bind(campaign).fetch_all(p).await)?)
}

/// A track's stored form (JSON), or `None` when it still uses the form its title suggests.
pub async fn track_form(db: &Db, track: Uuid) -> Result<Option<String>> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, Option<String>>("SELECT form FROM campaign_track WHERE id = $1")
        .bind(track)
        .fetch_optional(p)
        .await)?
    .flatten())
}

pub async fn set_track_form(tx: &mut Tx, track: Uuid, form: &str) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE campaign_track SET form = $2 WHERE id = $1")
        .bind(track)
        .bind(form)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}
