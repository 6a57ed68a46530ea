//! Records of unit imports: which file, whether it was applied, and the row-by-row report.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Db, Result, Tx, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ImportRow {
    pub id: Uuid,
    pub authority_id: Uuid,
    pub file_id: Uuid,
    pub applied: bool,
    pub rows_total: i32,
    pub rows_failed: i32,
    /// JSON: the per-row outcome.
    pub report: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, r: &ImportRow) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO unit_import (id, authority_id, file_id, applied, rows_total, rows_failed, report, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(r.id)
    .bind(r.authority_id)
    .bind(r.file_id)
    .bind(r.applied)
    .bind(r.rows_total)
    .bind(r.rows_failed)
    .bind(&r.report)
    .bind(r.created_by)
    .bind(r.created_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<ImportRow>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, ImportRow>(
        "SELECT id, authority_id, file_id, applied, rows_total, rows_failed, report, created_by, created_at \
         FROM unit_import WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?)
}
