//! The unit register (单位): rows, scoped listing with search and paging.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Db, Result, Tx, on_db, on_tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct UnitRow {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    /// `/<root id>/…/<own id>/`: the ancestors, for scoping by subtree.
    pub path: String,
    /// The path of the owning town (or, for a town or district, its own): a town's register is
    /// `scope_path = town.path`, an index walk in register order.
    pub scope_path: String,
    pub kind: String,
    pub kind_rank: i32,
    pub name: String,
    pub sort_key: String,
    pub search_text: String,
    pub code: Option<String>,
    pub industry: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub is_sample: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored unit as the form that edits it shows it.
impl From<&UnitRow> for domain::units::UnitInput {
    fn from(u: &UnitRow) -> Self {
        domain::units::UnitInput {
            name: u.name.clone(),
            kind: u.kind.clone(),
            code: u.code.clone().unwrap_or_default(),
            industry: u.industry.clone().unwrap_or_default(),
            contact_name: u.contact_name.clone().unwrap_or_default(),
            contact_phone: u.contact_phone.clone().unwrap_or_default(),
            address: u.address.clone().unwrap_or_default(),
            is_sample: u.is_sample,
        }
    }
}

const COLUMNS: &str = "id, parent_id, path, scope_path, kind, kind_rank, name, sort_key, search_text, code, industry, \
     contact_name, contact_phone, address, is_sample, active, created_at, updated_at";

/// The path segment of one unit id.
pub fn path_segment(id: Uuid) -> String {
    id.simple().to_string()
}

/// Rows whose `path` lies under `prefix` sort between `prefix` and this bound (`/` + 1 = `0`).
pub(crate) fn path_upper_bound(prefix: &str) -> String {
    let mut s = prefix.trim_end_matches('/').to_owned();
    s.push('0');
    s
}

/// What a unit list asks for. `scope` is the path prefix the caller may see; `town` says the
/// caller's authority is a town, whose units all carry exactly that `scope_path`.
#[derive(Debug, Clone, Default)]
pub struct UnitQuery {
    pub scope: String,
    pub town: bool,
    /// A LIKE pattern over `search_text`, already escaped (see `domain::text::like_pattern`).
    pub pattern: Option<String>,
    pub kind: Option<String>,
    pub active: Option<bool>,
    pub limit: i64,
    pub offset: i64,
}

pub async fn insert(tx: &mut Tx, u: &UnitRow) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO unit (id, parent_id, path, scope_path, kind, kind_rank, name, sort_key, search_text, code, \
         industry, contact_name, contact_phone, address, is_sample, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $18, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    )
    .bind(u.id)
    .bind(u.parent_id)
    .bind(&u.path)
    .bind(&u.kind)
    .bind(u.kind_rank)
    .bind(&u.name)
    .bind(&u.sort_key)
    .bind(&u.search_text)
    .bind(&u.code)
    .bind(&u.industry)
    .bind(&u.contact_name)
    .bind(&u.contact_phone)
    .bind(&u.address)
    .bind(u.is_sample)
    .bind(u.active)
    .bind(u.created_at)
    .bind(u.updated_at)
    .bind(&u.scope_path)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes every editable column of `u` (the id, parent and path never change).
pub async fn update(tx: &mut Tx, u: &UnitRow) -> Result<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE unit SET kind = $2, kind_rank = $3, name = $4, sort_key = $5, search_text = $6, code = $7, \
         industry = $8, contact_name = $9, contact_phone = $10, address = $11, is_sample = $12, active = $13, \
         updated_at = $14 WHERE id = $1"
    )
    .bind(u.id)
    .bind(&u.kind)
    .bind(u.kind_rank)
    .bind(&u.name)
    .bind(&u.sort_key)
    .bind(&u.search_text)
    .bind(&u.code)
    .bind(&u.industry)
    .bind(&u.contact_name)
    .bind(&u.contact_phone)
    .bind(&u.address)
    .bind(u.is_sample)
    .bind(u.active)
    .bind(u.updated_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 { Err(crate::Error::NotFound) } else { Ok(()) }
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<UnitRow>> {
    let sql = const_format_select("WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, UnitRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(p)
        .await)?)
}

/// Reads a unit inside a write transaction (so the decision and the write see the same row).
pub async fn get_for_update(tx: &mut Tx, id: Uuid) -> Result<Option<UnitRow>> {
    let sql = const_format_select("WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, UnitRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

fn const_format_select(tail: &str) -> String {
    format!("SELECT {COLUMNS} FROM unit {tail}")
}

/// The direct children of a unit, inside a write transaction.
pub async fn children_for_update(tx: &mut Tx, parent: Uuid) -> Result<Vec<UnitRow>> {
    let sql = const_format_select("WHERE parent_id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, UnitRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(parent).fetch_all(c).await)?)
}

/// The unit (other than `except`) that already uses `code`, if any: (id, name, path).
pub async fn find_by_code(tx: &mut Tx, code: &str, except: Option<Uuid>) -> Result<Option<(Uuid, String, String)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, (Uuid, String, String)>(
        "SELECT id, name, path FROM unit WHERE code = $1 AND ($2 IS NULL OR id <> $2)"
    )
    .bind(code)
    .bind(except)
    .fetch_optional(c)
    .await)?)
}

/// The unit (other than `except`) under `parent` that already has `name`, if any.
pub async fn find_by_name(tx: &mut Tx, parent: Uuid, name: &str, except: Option<Uuid>) -> Result<Option<Uuid>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, Uuid>(
        "SELECT id FROM unit WHERE parent_id = $1 AND name = $2 AND ($3 IS NULL OR id <> $3)"
    )
    .bind(parent)
    .bind(name)
    .bind(except)
    .fetch_optional(c)
    .await)?)
}

/// A unit as a list shows it: without the keys and paths only the database needs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct UnitSummary {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub kind: String,
    pub name: String,
    pub code: Option<String>,
    pub industry: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub is_sample: bool,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

impl From<&UnitRow> for UnitSummary {
    fn from(u: &UnitRow) -> Self {
        UnitSummary {
            id: u.id,
            parent_id: u.parent_id,
            kind: u.kind.clone(),
            name: u.name.clone(),
            code: u.code.clone(),
            industry: u.industry.clone(),
            contact_name: u.contact_name.clone(),
            contact_phone: u.contact_phone.clone(),
            address: u.address.clone(),
            is_sample: u.is_sample,
            active: u.active,
            updated_at: u.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Listed {
    #[sqlx(flatten)]
    unit: UnitSummary,
    total: i64,
}

/// One page of the units under `q.scope`, in register order, and how many match in all.
///
/// The WHERE clause holds only the filters asked for (each a fixed fragment with a bound value),
/// so that a town's default list — `scope_path = $1 AND active = $2` — walks the index
/// `(scope_path, active, kind_rank, sort_key, id)` in register order and stops after a page, and
/// its count reads that index alone. A district's list is a range, sorted. The count rides along
/// as a scalar subquery: one round trip for a page.
pub async fn list(db: &Db, q: &UnitQuery) -> Result<(Vec<UnitSummary>, i64)> {
    let mut filter = String::from(if q.town { "scope_path = $1" } else { "scope_path >= $1 AND scope_path < $2" });
    let mut binds: Vec<Bind> = vec![Bind::Text(q.scope.clone())];
    if !q.town {
        binds.push(Bind::Text(path_upper_bound(&q.scope)));
    }
    if let Some(active) = q.active {
        binds.push(Bind::Bool(active));
        filter.push_str(&format!(" AND active = ${}", binds.len()));
    }
    if let Some(kind) = &q.kind {
        binds.push(Bind::Text(kind.clone()));
        filter.push_str(&format!(" AND kind = ${}", binds.len()));
    }
    if let Some(pattern) = &q.pattern {
        binds.push(Bind::Text(pattern.clone()));
        filter.push_str(&format!(" AND search_text LIKE ${} ESCAPE '\\'", binds.len()));
    }
    let n = binds.len();
    let rows_sql = format!(
        "SELECT id, parent_id, kind, name, code, industry, contact_name, contact_phone, address, is_sample, active, \
         updated_at, (SELECT COUNT(*) FROM unit WHERE {filter}) AS total \
         FROM unit WHERE {filter} ORDER BY scope_path, active, kind_rank, sort_key, id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows: Vec<Listed> = on_db!(db, |p| {
        let mut query = sqlx::query_as::<_, Listed>(sqlx::AssertSqlSafe(rows_sql.as_str()));
        for b in &binds {
            query = match b {
                Bind::Text(t) => query.bind(t),
                Bind::Bool(v) => query.bind(*v),
            };
        }
        query.bind(q.limit).bind(q.offset).fetch_all(p).await
    })?;
    if let Some(first) = rows.first() {
        let total = first.total;
        return Ok((rows.into_iter().map(|r| r.unit).collect(), total));
    }
    // A page past the end (or no match): count on its own.
    let count_sql = format!("SELECT COUNT(*) FROM unit WHERE {filter}");
    let total: i64 = on_db!(db, |p| {
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.as_str()));
        for b in &binds {
            query = match b {
                Bind::Text(t) => query.bind(t),
                Bind::Bool(v) => query.bind(*v),
            };
        }
        query.fetch_one(p).await
    })?;
    Ok((Vec::new(), total))
}

/// A value bound to a composed query.
enum Bind {
    Text(String),
    Bool(bool),
}

/// A unit named by its code or its exact name (the first by register order when names repeat).
pub async fn find_by_code_or_name(db: &Db, key: &str) -> Result<Option<UnitRow>> {
    let sql = const_format_select("WHERE code = $1 OR name = $1 ORDER BY kind_rank, sort_key LIMIT 1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, UnitRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(key)
        .fetch_optional(p)
        .await)?)
}

/// Every authority (town or district) under `scope`, for choosing where a unit or account belongs.
pub async fn authorities(db: &Db, scope: &str) -> Result<Vec<UnitRow>> {
    let upper = path_upper_bound(scope);
    let sql = const_format_select(
        "WHERE path >= $1 AND path < $2 AND kind IN ('district', 'town') ORDER BY kind_rank, sort_key",
    );
    Ok(on_db!(db, |p| sqlx::query_as::<_, UnitRow>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(scope)
        .bind(&upper)
        .fetch_all(p)
        .await)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_upper_bound_sorts_after_every_descendant() {
        let b = super::path_upper_bound("/ab/cd/");
        assert_eq!(b, "/ab/cd0");
        assert!("/ab/cd/ffff/".as_bytes() < b.as_bytes());
        assert!("/ab/cd/".as_bytes() < b.as_bytes());
        assert!("/ab/ce/".as_bytes() > b.as_bytes());
    }
}
