//! Server-side sessions: the cookie holds a random token, the database only its hash.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Db, Result, Tx, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, s: &SessionRow) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO session (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(&s.id_hash)
    .bind(s.user_id)
    .bind(&s.csrf_token)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(s.expires_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A session joined with its user and the user's authority: everything a request needs to know
/// about its caller, in one round trip.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionActor {
    pub id_hash: String,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_id: Option<Uuid>,
    pub active: bool,
    pub must_change_password: bool,
    pub authority_id: Uuid,
    pub authority_name: String,
    pub authority_path: String,
    pub authority_kind: String,
}

pub async fn get_actor(db: &Db, id_hash: &str) -> Result<Option<SessionActor>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, SessionActor>(
        "SELECT s.id_hash, s.user_id, s.csrf_token, s.last_seen_at, s.expires_at, u.username, u.display_name, \
         u.role, u.unit_id, u.active, u.must_change_password, a.id AS authority_id, a.name AS authority_name, \
         a.path AS authority_path, a.kind AS authority_kind \
         FROM session s JOIN app_user u ON u.id = s.user_id JOIN unit a ON a.id = u.authority_id \
         WHERE s.id_hash = $1"
    )
    .bind(id_hash)
    .fetch_optional(p)
    .await)?)
}

pub async fn touch(db: &Db, id_hash: &str, now: DateTime<Utc>) -> Result<()> {
    on_db!(db, |p| sqlx::query("UPDATE session SET last_seen_at = $2 WHERE id_hash = $1")
        .bind(id_hash)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id_hash: &str) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM session WHERE id_hash = $1")
        .bind(id_hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends every session of a user (password reset, deactivation), except `keep`.
pub async fn delete_for_user(tx: &mut Tx, user_id: Uuid, keep: Option<&str>) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM session WHERE user_id = $1 AND ($2 IS NULL OR id_hash <> $2)")
        .bind(user_id)
        .bind(keep)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    Ok(on_db!(db, |p| sqlx::query("DELETE FROM session WHERE expires_at < $1")
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
}
