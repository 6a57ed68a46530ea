//! The jobs table: enqueue once per dedup key, claim a batch with a lease (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, `BEGIN IMMEDIATE` on SQLite), finish in the transaction that holds the job's effect.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Db, Result, Tx, on_tx};

/// A job as a worker holds it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub dedup_key: String,
    pub payload: String,
    pub attempts: i32,
}

/// Enqueues a job unless one with the same key exists (done or not); true when this call added it.
pub async fn enqueue(
    tx: &mut Tx,
    kind: &str,
    dedup_key: &str,
    payload: &serde_json::Value,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO job (id, kind, dedup_key, payload, run_at, attempts, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6) \
         ON CONFLICT (dedup_key) DO NOTHING"
    )
    .bind(Uuid::now_v7())
    .bind(kind)
    .bind(dedup_key)
    .bind(payload.to_string())
    .bind(run_at)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Claims up to `limit` jobs that are due and not leased (or whose lease ran out), for `worker` until
/// `lease_until`. Jobs that failed `max_attempts` times stay where they are for a person to look at.
pub async fn claim(
    db: &Db,
    worker: &str,
    limit: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    max_attempts: i32,
) -> Result<Vec<Job>> {
    const PICK: &str = "SELECT id FROM job WHERE done_at IS NULL AND run_at <= $3 \
         AND (locked_until IS NULL OR locked_until < $3) AND attempts < $5 ORDER BY run_at, id LIMIT $4";
    let jobs = match db {
        Db::Postgres(p) => {
            let sql = format!(
                "UPDATE job SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
                 WHERE id IN ({PICK} FOR UPDATE SKIP LOCKED) RETURNING id, kind, dedup_key, payload, attempts"
            );
            sqlx::query_as::<_, Job>(sqlx::AssertSqlSafe(sql))
                .bind(worker)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .bind(max_attempts)
                .fetch_all(p)
                .await?
        }
        Db::Sqlite(p) => {
            // One writer at a time: the pick and the update happen as one.
            let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
            let sql = format!(
                "UPDATE job SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
                 WHERE id IN ({PICK}) RETURNING id, kind, dedup_key, payload, attempts"
            );
            let jobs = sqlx::query_as::<_, Job>(sqlx::AssertSqlSafe(sql))
                .bind(worker)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .bind(max_attempts)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            jobs
        }
    };
    Ok(jobs)
}

/// Marks the job done, inside the transaction that holds its effect. False when the lease was lost
/// (another worker took the job over): the caller must roll back.
pub async fn finish(tx: &mut Tx, id: Uuid, worker: &str, now: DateTime<Utc>) -> Result<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE job SET done_at = $2, locked_by = NULL, locked_until = NULL WHERE id = $1 AND locked_by = $3 AND done_at IS NULL"
    )
    .bind(id)
    .bind(now)
    .bind(worker)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Gives the job back after a failure, to run again at `retry_at`.
pub async fn fail(db: &Db, id: Uuid, worker: &str, error: &str, retry_at: DateTime<Utc>) -> Result<()> {
    let sql = "UPDATE job SET locked_by = NULL, locked_until = NULL, last_error = $3, run_at = $4 \
               WHERE id = $1 AND locked_by = $2";
    crate::on_db!(db, |p| sqlx::query(sql)
        .bind(id)
        .bind(worker)
        .bind(error)
        .bind(retry_at)
        .execute(p)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// How many jobs wait, and how many gave up (for `/metrics` and tests).
pub async fn counts(db: &Db, max_attempts: i32) -> Result<(i64, i64)> {
    let sql = "SELECT COALESCE(SUM(CASE WHEN attempts < $1 THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN attempts >= $1 THEN 1 ELSE 0 END), 0) FROM job WHERE done_at IS NULL";
    Ok(crate::on_db!(db, |p| sqlx::query_as::<_, (i64, i64)>(sql).bind(max_attempts).fetch_one(p).await)?)
}
