//! Accounts, and the failed logins that throttle guessing.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Db, Result, Tx, on_db, on_tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub authority_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub phone: Option<String>,
    pub active: bool,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user row with the names of its authority and unit, for lists.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct UserListRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub authority_id: Uuid,
    pub authority_name: String,
    pub unit_id: Option<Uuid>,
    pub unit_name: Option<String>,
    pub active: bool,
    pub must_change_password: bool,
}

const COLUMNS: &str = "id, username, display_name, password_hash, role, authority_id, unit_id, phone, active, \
     must_change_password, created_at, updated_at";

pub async fn insert(tx: &mut Tx, u: &UserRow) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO app_user (id, username, display_name, password_hash, role, authority_id, unit_id, phone, \
         active, must_change_password, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    )
    .bind(u.id)
    .bind(&u.username)
    .bind(&u.display_name)
    .bind(&u.password_hash)
    .bind(&u.role)
    .bind(u.authority_id)
    .bind(u.unit_id)
    .bind(&u.phone)
    .bind(u.active)
    .bind(u.must_change_password)
    .bind(u.created_at)
    .bind(u.updated_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM app_user WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(p)
        .await)?)
}

pub async fn get_for_update(tx: &mut Tx, id: Uuid) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM app_user WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM app_user WHERE username = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(username)
        .fetch_optional(p)
        .await)?)
}

pub async fn username_taken(tx: &mut Tx, username: &str) -> Result<bool> {
    let n: i64 = on_tx!(tx, |c| sqlx::query_scalar("SELECT COUNT(*) FROM app_user WHERE username = $1")
        .bind(username)
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

/// Accounts whose authority lies under `scope` (a unit path prefix).
pub async fn list(db: &Db, scope: &str) -> Result<Vec<UserListRow>> {
    let upper = format!("{}0", scope.trim_end_matches('/'));
    Ok(on_db!(db, |p| sqlx::query_as::<_, UserListRow>(
        "SELECT u.id, u.username, u.display_name, u.role, u.authority_id, a.name AS authority_name, \
         u.unit_id, un.name AS unit_name, u.active, u.must_change_password \
         FROM app_user u JOIN unit a ON a.id = u.authority_id LEFT JOIN unit un ON un.id = u.unit_id \
         WHERE a.path >= $1 AND a.path < $2 ORDER BY a.kind_rank, a.sort_key, u.role, u.username"
    )
    .bind(scope)
    .bind(&upper)
    .fetch_all(p)
    .await)?)
}

pub async fn set_password(
    tx: &mut Tx,
    id: Uuid,
    password_hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE app_user SET password_hash = $2, must_change_password = $3, updated_at = $4 WHERE id = $1"
    )
    .bind(id)
    .bind(password_hash)
    .bind(must_change)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_active(tx: &mut Tx, id: Uuid, active: bool, now: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE app_user SET active = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(active)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Failed logins for this user name and for this address since `since`.
pub async fn recent_failures(db: &Db, username: &str, ip: &str, since: DateTime<Utc>) -> Result<(i64, i64)> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, (i64, i64)>(
        "SELECT (SELECT COUNT(*) FROM login_failure WHERE username = $1 AND at >= $3), \
                (SELECT COUNT(*) FROM login_failure WHERE ip = $2 AND at >= $3)"
    )
    .bind(username)
    .bind(ip)
    .bind(since)
    .fetch_one(p)
    .await)?)
}

pub async fn record_failure(db: &Db, username: &str, ip: &str, now: DateTime<Utc>) -> Result<()> {
    on_db!(db, |p| sqlx::query("INSERT INTO login_failure (id, username, ip, at) VALUES ($1, $2, $3, $4)")
        .bind(Uuid::now_v7())
        .bind(username)
        .bind(ip)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets failures older than `before` (they no longer count towards any limit).
pub async fn prune_failures(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    Ok(on_db!(db, |p| sqlx::query("DELETE FROM login_failure WHERE at < $1")
        .bind(before)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?)
}

/// The address a person gets notifications at by email, if they gave one.
pub async fn email_of(db: &Db, user: Uuid) -> Result<Option<String>> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, Option<String>>("SELECT email FROM app_user WHERE id = $1")
        .bind(user)
        .fetch_optional(p)
        .await)?
    .flatten())
}

pub async fn set_email(tx: &mut Tx, user: Uuid, email: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE app_user SET email = $2, updated_at = $3 WHERE id = $1")
        .bind(user)
        .bind(email)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}
