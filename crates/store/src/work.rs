//! What units hand in: tasks with their campaign, versioned submissions and their files, the review
//! queue, and the rows a campaign's progress board is drawn from.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::{Db, Result, Tx, on_db, on_tx};

/// A task with what deciding about it needs: its deliverable, its unit and its campaign.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct TaskContext {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub deliverable_id: Uuid,
    pub deliverable: String,
    pub deliverable_kind: String,
    pub unit_id: Uuid,
    pub unit_name: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub updated_at: DateTime<Utc>,
    pub campaign_title: String,
    pub campaign_status: String,
    pub scope: String,
    pub authority_id: Uuid,
}

const TASK_SQL: &str = "SELECT t.id, t.campaign_id, t.deliverable_id, d.name AS deliverable, d.kind AS deliverable_kind, \
     t.unit_id, u.name AS unit_name, t.due_on, t.status, t.updated_at, c.title AS campaign_title, \
     c.status AS campaign_status, c.scope, c.authority_id \
     FROM task t JOIN deliverable d ON d.id = t.deliverable_id JOIN unit u ON u.id = t.unit_id \
     JOIN campaign c ON c.id = t.campaign_id WHERE t.id = $1";

pub async fn task(db: &Db, id: Uuid) -> Result<Option<TaskContext>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, TaskContext>(TASK_SQL).bind(id).fetch_optional(p).await)?)
}

/// The task, read inside a write transaction and locked against a second writer on PostgreSQL
/// (SQLite's `BEGIN IMMEDIATE` already lets one writer in at a time).
pub async fn task_for_update(tx: &mut Tx, id: Uuid) -> Result<Option<TaskContext>> {
    Ok(match tx {
        Tx::Sqlite(t) => sqlx::query_as::<_, TaskContext>(TASK_SQL).bind(id).fetch_optional(&mut **t).await?,
        Tx::Postgres(t) => {
            let sql = format!("{TASK_SQL} FOR UPDATE OF t");
            sqlx::query_as::<_, TaskContext>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **t).await?
        }
    })
}

pub async fn set_task_status(tx: &mut Tx, task: Uuid, status: &str, now: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |x| sqlx::query("UPDATE task SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(task)
        .bind(status)
        .bind(now)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// One version of a task's answer.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SubmissionRow {
    pub id: Uuid,
    pub task_id: Uuid,
    pub campaign_id: Uuid,
    pub unit_id: Uuid,
    pub version: i32,
    pub body: String,
    pub status: String,
    pub late: bool,
    #[serde(skip)]
    pub client_key: String,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub reviewer_id: Option<Uuid>,
    pub review_started_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
    pub rating: Option<i32>,
    pub exemplary: bool,
}

const SUBMISSION_COLUMNS: &str = "id, task_id, campaign_id, unit_id, version, body, status, late, client_key, \
     submitted_by, submitted_at, withdrawn_at, reviewer_id, review_started_at, decided_at, review_comment, rating, exemplary";

pub async fn insert_submission(tx: &mut Tx, s: &SubmissionRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO submission ({SUBMISSION_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    );
    on_tx!(tx, |x| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(s.id)
        .bind(s.task_id)
        .bind(s.campaign_id)
        .bind(s.unit_id)
        .bind(s.version)
        .bind(&s.body)
        .bind(&s.status)
        .bind(s.late)
        .bind(&s.client_key)
        .bind(s.submitted_by)
        .bind(s.submitted_at)
        .bind(s.withdrawn_at)
        .bind(s.reviewer_id)
        .bind(s.review_started_at)
        .bind(s.decided_at)
        .bind(&s.review_comment)
        .bind(s.rating)
        .bind(s.exemplary)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Saves a submission's review fields and status.
pub async fn update_submission(tx: &mut Tx, s: &SubmissionRow) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "UPDATE submission SET status = $2, withdrawn_at = $3, reviewer_id = $4, review_started_at = $5, \
         decided_at = $6, review_comment = $7, rating = $8, exemplary = $9 WHERE id = $1"
    )
    .bind(s.id)
    .bind(&s.status)
    .bind(s.withdrawn_at)
    .bind(s.reviewer_id)
    .bind(s.review_started_at)
    .bind(s.decided_at)
    .bind(&s.review_comment)
    .bind(s.rating)
    .bind(s.exemplary)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn attach_file(tx: &mut Tx, submission: Uuid, file: Uuid, position: i32) -> Result<()> {
    on_tx!(tx, |x| sqlx::query(
        "INSERT INTO submission_file (submission_id, file_id, position) VALUES ($1, $2, $3) \
         ON CONFLICT (submission_id, file_id) DO NOTHING"
    )
    .bind(submission)
    .bind(file)
    .bind(position)
    .execute(x)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// A version with the names of who handed it in and who reviewed it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SubmissionLine {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub row: SubmissionRow,
    pub submitter_name: Option<String>,
    pub reviewer_name: Option<String>,
}

/// Every version of a task's answer, newest first.
pub async fn submissions(db: &Db, task: Uuid) -> Result<Vec<SubmissionLine>> {
    let cols: String = SUBMISSION_COLUMNS.split(", ").map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {cols}, a.display_name AS submitter_name, r.display_name AS reviewer_name FROM submission s \
         LEFT JOIN app_user a ON a.id = s.submitted_by LEFT JOIN app_user r ON r.id = s.reviewer_id \
         WHERE s.task_id = $1 ORDER BY s.version DESC"
    );
    Ok(on_db!(db, |p| sqlx::query_as::<_, SubmissionLine>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(task)
        .fetch_all(p)
        .await)?)
}

/// The versions, read inside a write transaction (newest first).
pub async fn submissions_in(tx: &mut Tx, task: Uuid) -> Result<Vec<SubmissionRow>> {
    let sql = format!("SELECT {SUBMISSION_COLUMNS} FROM submission WHERE task_id = $1 ORDER BY version DESC");
    Ok(on_tx!(tx, |x| sqlx::query_as::<_, SubmissionRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(task)
        .fetch_all(x)
        .await)?)
}

pub async fn submission(db: &Db, id: Uuid) -> Result<Option<SubmissionRow>> {
    let sql = format!("SELECT {SUBMISSION_COLUMNS} FROM submission WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, SubmissionRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(p)
        .await)?)
}

/// One file of a submission, and whether the same bytes were handed in by another unit or for another
/// campaign (a re-used photo).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct SubmittedFile {
    pub submission_id: Uuid,
    pub file_id: Uuid,
    pub original_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub reused: bool,
    /// From the photo's EXIF, once read: capture time as the camera wrote it, and place.
    pub taken_at: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub has_thumb: bool,
    /// The photo was read and says nothing of when it was taken (a screenshot, a forwarded copy).
    pub no_exif: bool,
}

/// The files of every version of a task, in the order they were attached.
pub async fn task_files(db: &Db, task: Uuid) -> Result<Vec<SubmittedFile>> {
    let sql = "SELECT sf.submission_id, f.id AS file_id, f.original_name, f.content_type, f.size, f.sha256, \
               EXISTS (SELECT 1 FROM stored_file f2 JOIN submission_file sf2 ON sf2.file_id = f2.id \
                       JOIN submission s2 ON s2.id = sf2.submission_id \
                       WHERE f2.sha256 = f.sha256 AND (s2.unit_id <> s.unit_id OR s2.campaign_id <> s.campaign_id)) \
               OR EXISTS (SELECT 1 FROM stored_file f3 JOIN activity_file af ON af.file_id = f3.id \
                       JOIN activity a ON a.id = af.activity_id \
                       WHERE f3.sha256 = f.sha256 AND (a.unit_id <> s.unit_id OR a.campaign_id <> s.campaign_id)) AS reused, \
               m.taken_at, m.latitude, m.longitude, (m.thumb_sha256 IS NOT NULL) AS has_thumb, \
               (m.file_id IS NOT NULL AND m.taken_at IS NULL) AS no_exif \
               FROM submission s JOIN submission_file sf ON sf.submission_id = s.id \
               JOIN stored_file f ON f.id = sf.file_id LEFT JOIN file_meta m ON m.file_id = f.id \
               WHERE s.task_id = $1 ORDER BY s.version DESC, sf.position";
    Ok(on_db!(db, |p| sqlx::query_as::<_, SubmittedFile>(sql).bind(task).fetch_all(p).await)?)
}

/// True when the file is attached to some submission of the unit: its liaisons may all read it.
pub async fn file_in_unit_work(db: &Db, file: Uuid, unit: Uuid) -> Result<bool> {
    let sql = "SELECT EXISTS (SELECT 1 FROM submission_file sf JOIN submission s ON s.id = sf.submission_id \
               WHERE sf.file_id = $1 AND s.unit_id = $2)";
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, bool>(sql).bind(file).bind(unit).fetch_one(p).await)?)
}

/// The campaign a file was handed in for, if any: reviewers of that campaign may read it.
pub async fn campaigns_of_file(db: &Db, file: Uuid) -> Result<Vec<Uuid>> {
    let sql = "SELECT DISTINCT s.campaign_id FROM submission_file sf JOIN submission s ON s.id = sf.submission_id \
               WHERE sf.file_id = $1";
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, Uuid>(sql).bind(file).fetch_all(p).await)?)
}

/// A version waiting for a decision, as the review queue lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct QueueItem {
    pub submission_id: Uuid,
    pub task_id: Uuid,
    pub unit_id: Uuid,
    pub unit_name: String,
    pub deliverable: String,
    pub due_on: NaiveDate,
    pub version: i32,
    pub status: String,
    pub late: bool,
    pub submitted_at: DateTime<Utc>,
    pub reviewer_id: Option<Uuid>,
    pub reviewer_name: Option<String>,
    pub files: i64,
}

/// What waits for review in a campaign, oldest first (first in, first reviewed).
pub async fn queue(db: &Db, campaign: Uuid) -> Result<Vec<QueueItem>> {
    let sql = "SELECT s.id AS submission_id, s.task_id, s.unit_id, u.name AS unit_name, d.name AS deliverable, t.due_on, \
               s.version, s.status, s.late, s.submitted_at, s.reviewer_id, r.display_name AS reviewer_name, \
               (SELECT COUNT(*) FROM submission_file sf WHERE sf.submission_id = s.id) AS files \
               FROM submission s JOIN task t ON t.id = s.task_id JOIN deliverable d ON d.id = t.deliverable_id \
               JOIN unit u ON u.id = s.unit_id LEFT JOIN app_user r ON r.id = s.reviewer_id \
               WHERE s.campaign_id = $1 AND s.status IN ('submitted', 'in_review') ORDER BY s.submitted_at, s.id";
    Ok(on_db!(db, |p| sqlx::query_as::<_, QueueItem>(sql).bind(campaign).fetch_all(p).await)?)
}

/// One task as a board cell, once per live (not withdrawn) version — or once with no version.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct BoardTask {
    pub task_id: Uuid,
    pub unit_id: Uuid,
    pub deliverable_id: Uuid,
    pub due_on: NaiveDate,
    pub status: String,
    pub version: Option<i32>,
    pub late: Option<bool>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub rating: Option<i32>,
    pub exemplary: Option<bool>,
}

/// Every task of a campaign with its live versions (the board keeps the newest and counts them).
pub async fn board_tasks(db: &Db, campaign: Uuid) -> Result<Vec<BoardTask>> {
    let sql = "SELECT t.id AS task_id, t.unit_id, t.deliverable_id, t.due_on, t.status, s.version, s.late, \
               s.submitted_at, s.rating, s.exemplary FROM task t \
               LEFT JOIN submission s ON s.task_id = t.id AND s.status <> 'withdrawn' WHERE t.campaign_id = $1";
    Ok(on_db!(db, |p| sqlx::query_as::<_, BoardTask>(sql).bind(campaign).fetch_all(p).await)?)
}

/// A campaign's tasks of one unit, soonest due first.
pub async fn unit_tasks_in_campaign(db: &Db, campaign: Uuid, unit: Uuid) -> Result<Vec<crate::campaigns::TaskLine>> {
    let sql = "SELECT t.id, t.campaign_id, t.deliverable_id, d.name AS deliverable, t.unit_id, u.name AS unit_name, \
               u.kind AS unit_kind, t.due_on, t.status FROM task t JOIN deliverable d ON d.id = t.deliverable_id \
               JOIN unit u ON u.id = t.unit_id WHERE t.campaign_id = $1 AND t.unit_id = $2 ORDER BY t.due_on, d.position";
    Ok(on_db!(db, |p| sqlx::query_as::<_, crate::campaigns::TaskLine>(sql)
        .bind(campaign)
        .bind(unit)
        .fetch_all(p)
        .await)?)
}

/// Units with a task still owed on `due_on` in a running campaign: who gets a reminder for that day.
pub async fn units_owing_on(db: &Db, due_on: NaiveDate) -> Result<Vec<Uuid>> {
    let sql = "SELECT DISTINCT t.unit_id FROM task t JOIN campaign c ON c.id = t.campaign_id \
               WHERE t.due_on = $1 AND t.status IN ('pending', 'returned') AND c.status = 'published'";
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, Uuid>(sql).bind(due_on).fetch_all(p).await)?)
}

/// A task a unit still owes, for a reminder or a digest.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Owed {
    pub task_id: Uuid,
    pub campaign_title: String,
    pub deliverable: String,
    pub due_on: NaiveDate,
}

/// What a unit still owes in running campaigns, due on one day (`Some`) or overdue before it (`None`).
pub async fn owed_by_unit(tx: &mut Tx, unit: Uuid, on: Option<NaiveDate>, today: NaiveDate) -> Result<Vec<Owed>> {
    let base = "SELECT t.id AS task_id, c.title AS campaign_title, d.name AS deliverable, t.due_on FROM task t \
                JOIN campaign c ON c.id = t.campaign_id JOIN deliverable d ON d.id = t.deliverable_id \
                WHERE t.unit_id = $1 AND t.status IN ('pending', 'returned') AND c.status = 'published'";
    let sql = match on {
        Some(_) => format!("{base} AND t.due_on = $2 ORDER BY c.title, d.position"),
        None => format!("{base} AND t.due_on < $2 ORDER BY t.due_on, c.title, d.position"),
    };
    let day = on.unwrap_or(today);
    Ok(on_tx!(tx, |x| sqlx::query_as::<_, Owed>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit)
        .bind(day)
        .fetch_all(x)
        .await)?)
}

/// Liaisons whose unit owes something overdue in a running campaign.
pub async fn liaisons_with_overdue(db: &Db, today: NaiveDate) -> Result<Vec<(Uuid, Uuid)>> {
    let sql = "SELECT DISTINCT a.id, a.unit_id FROM app_user a JOIN task t ON t.unit_id = a.unit_id \
               JOIN campaign c ON c.id = t.campaign_id WHERE a.role = 'liaison' AND a.active = $2 \
               AND t.status IN ('pending', 'returned') AND t.due_on < $1 AND c.status = 'published'";
    Ok(on_db!(db, |p| sqlx::query_as::<_, (Uuid, Uuid)>(sql).bind(today).bind(true).fetch_all(p).await)?)
}

/// A running campaign's figures for its staff's digest.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CampaignBacklog {
    pub campaign_id: Uuid,
    pub title: String,
    /// Versions waiting for a reviewer.
    pub waiting: i64,
    /// Tasks past due with nothing handed in (or sent back and not yet handed in again).
    pub overdue: i64,
}

/// What waits in the running campaigns of an authority.
pub async fn backlog(tx: &mut Tx, authority: Uuid, today: NaiveDate) -> Result<Vec<CampaignBacklog>> {
    let sql = "SELECT c.id AS campaign_id, c.title, \
               (SELECT COUNT(*) FROM task t WHERE t.campaign_id = c.id AND t.status IN ('submitted', 'in_review')) AS waiting, \
               (SELECT COUNT(*) FROM task t WHERE t.campaign_id = c.id AND t.status IN ('pending', 'returned') AND t.due_on < $2) AS overdue \
               FROM campaign c WHERE c.authority_id = $1 AND c.status = 'published' ORDER BY c.published_at";
    Ok(on_tx!(tx, |x| sqlx::query_as::<_, CampaignBacklog>(sql).bind(authority).bind(today).fetch_all(x).await)?)
}

/// Organisers and reviewers of authorities with a running campaign that has something waiting or overdue.
pub async fn staff_with_backlog(db: &Db, today: NaiveDate) -> Result<Vec<(Uuid, Uuid)>> {
    let sql = "SELECT DISTINCT a.id, a.authority_id FROM app_user a JOIN campaign c ON c.authority_id = a.authority_id \
               WHERE a.role IN ('organiser', 'reviewer') AND a.active = $2 AND c.status = 'published' AND EXISTS ( \
                 SELECT 1 FROM task t WHERE t.campaign_id = c.id AND (t.status IN ('submitted', 'in_review') \
                 OR (t.status IN ('pending', 'returned') AND t.due_on < $1)))";
    Ok(on_db!(db, |p| sqlx::query_as::<_, (Uuid, Uuid)>(sql).bind(today).bind(true).fetch_all(p).await)?)
}
