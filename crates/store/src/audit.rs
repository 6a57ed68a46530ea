//! The audit trail (留痕): append inside the caller's transaction, browse, verify the chain.

use chrono::{DateTime, SecondsFormat, Utc};
use domain::audit::{AuditRecord, ChainBreak, Verifier};
use futures::TryStreamExt;

use crate::{Db, Result, Tx, on_db, on_tx};

/// What a use case records; the store adds seq, time and the hashes.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub scope: Option<&'a str>,
    pub actor_id: Option<String>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub summary: serde_json::Value,
}

#[derive(Debug, sqlx::FromRow)]
struct EventRow {
    seq: i64,
    at: DateTime<Utc>,
    scope: Option<String>,
    actor_id: Option<String>,
    actor_name: String,
    action: String,
    entity: String,
    entity_id: Option<String>,
    summary: String,
    prev_hash: String,
    hash: String,
}

impl From<EventRow> for AuditRecord {
    fn from(r: EventRow) -> Self {
        AuditRecord {
            seq: r.seq,
            at: format_at(r.at),
            scope: r.scope,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            summary: r.summary,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

fn format_at(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Appends one event in `tx`. The head row is bumped first, which serialises appenders on
/// PostgreSQL (row lock) as `BEGIN IMMEDIATE` already does on SQLite.
pub async fn append(tx: &mut Tx, e: &NewEvent<'_>, at: DateTime<Utc>) -> Result<i64> {
    on_tx!(tx, |c| sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1")
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    let (seq, prev_hash): (i64, String) =
        on_tx!(tx, |c| sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(c).await)?;
    let mut rec = AuditRecord {
        seq,
        at: format_at(at),
        scope: e.scope.map(str::to_owned),
        actor_id: e.actor_id.clone(),
        actor_name: e.actor_name.to_owned(),
        action: e.action.to_owned(),
        entity: e.entity.to_owned(),
        entity_id: e.entity_id.clone(),
        summary: e.summary.to_string(),
        prev_hash,
        hash: String::new(),
    };
    rec.hash = rec.expected_hash();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO audit_event (seq, at, scope, actor_id, actor_name, action, entity, entity_id, summary, \
         prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )
    .bind(rec.seq)
    .bind(at)
    .bind(&rec.scope)
    .bind(&rec.actor_id)
    .bind(&rec.actor_name)
    .bind(&rec.action)
    .bind(&rec.entity)
    .bind(&rec.entity_id)
    .bind(&rec.summary)
    .bind(&rec.prev_hash)
    .bind(&rec.hash)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    on_tx!(tx, |c| sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&rec.hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(seq)
}

/// Filters for browsing the trail; `scope` is the caller's authority path.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub scope: String,
    pub action: Option<String>,
    pub entity_id: Option<String>,
    /// LIKE pattern over the actor's name, already escaped.
    pub actor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
    pub offset: i64,
}

const EVENT_WHERE: &str = "WHERE scope >= $1 AND scope < $2 AND ($3 IS NULL OR action LIKE $3) \
     AND ($4 IS NULL OR entity_id = $4) AND ($5 IS NULL OR actor_name LIKE $5 ESCAPE '\\') \
     AND ($6 IS NULL OR at >= $6) AND ($7 IS NULL OR at < $7)";

/// Newest first, one page, and the number that match.
pub async fn list(db: &Db, q: &EventQuery) -> Result<(Vec<AuditRecord>, i64)> {
    let upper = format!("{}0", q.scope.trim_end_matches('/'));
    let action = q.action.as_ref().map(|a| format!("{a}%"));
    let rows_sql = format!(
        "SELECT seq, at, scope, actor_id, actor_name, action, entity, entity_id, summary, prev_hash, hash \
         FROM audit_event {EVENT_WHERE} ORDER BY seq DESC LIMIT $8 OFFSET $9"
    );
    let count_sql = format!("SELECT COUNT(*) FROM audit_event {EVENT_WHERE}");
    let rows: Vec<EventRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(rows_sql.as_str()))
        .bind(&q.scope)
        .bind(&upper)
        .bind(&action)
        .bind(&q.entity_id)
        .bind(&q.actor)
        .bind(q.from)
        .bind(q.until)
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(p)
        .await)?;
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.as_str()))
        .bind(&q.scope)
        .bind(&upper)
        .bind(&action)
        .bind(&q.entity_id)
        .bind(&q.actor)
        .bind(q.from)
        .bind(q.until)
        .fetch_one(p)
        .await)?;
    Ok((rows.into_iter().map(AuditRecord::from).collect(), total))
}

/// Walks the whole trail in order. `Ok(Ok(n))`: n rows verified; `Ok(Err(b))`: the first break.
pub async fn verify(db: &Db) -> Result<Result<i64, ChainBreak>> {
    let mut v = Verifier::default();
    let sql = "SELECT seq, at, scope, actor_id, actor_name, action, entity, entity_id, summary, prev_hash, hash \
               FROM audit_event ORDER BY seq";
    let outcome = on_db!(db, |p| {
        let mut rows = sqlx::query_as::<_, EventRow>(sql).fetch(p);
        let mut outcome = Ok(());
        while let Some(row) = rows.try_next().await? {
            if let Err(b) = v.check(&AuditRecord::from(row)) {
                outcome = Err(b);
                break;
            }
        }
        outcome
    });
    if let Err(b) = outcome {
        return Ok(Err(b));
    }
    let head: (i64, String) =
        on_db!(db, |p| sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(p).await)?;
    Ok(v.finish((head.0, &head.1)))
}
