//! Browsing and verifying the audit trail.

use chrono::{NaiveDate, TimeZone};
use domain::audit::{AuditRecord, ChainBreak};

use crate::auth::Actor;
use crate::{App, Error, Page, Result};

pub const PER_PAGE: i64 = 50;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListEvents {
    /// Action prefix, e.g. `unit.` or `auth.login`.
    pub action: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    /// Local dates, inclusive: `2026-11-01`.
    pub from: Option<String>,
    pub until: Option<String>,
    pub page: Option<i64>,
}

fn parse_date(
    app: &App,
    field: &'static str,
    s: Option<&str>,
    add_days: i64,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, "invalid", "日期格式应为 2026-11-29"))?;
    let d = d + chrono::Duration::days(add_days);
    let local = app.config.offset().from_local_datetime(&d.and_time(chrono::NaiveTime::MIN)).single();
    Ok(local.map(|t| t.with_timezone(&chrono::Utc)))
}

/// The trail of the caller's authority, newest first. Only auditors may read it (三员分立).
pub async fn list_events(app: &App, actor: &Actor, req: &ListEvents) -> Result<Page<AuditRecord>> {
    if !actor.role.reads_audit_trail() {
        return Err(Error::Forbidden);
    }
    let clean = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let action = clean(&req.action);
    if action
        .as_deref()
        .is_some_and(|a| a.len() > 64 || !a.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'))
    {
        return Err(Error::invalid("action", "invalid", "操作类型只含小写字母、点和下划线"));
    }
    let page = req.page.unwrap_or(1).clamp(1, 1_000_000);
    let q = store::audit::EventQuery {
        scope: actor.scope.clone(),
        action,
        entity_id: clean(&req.entity_id),
        actor: clean(&req.actor).map(|a| domain::text::like_pattern(&a)),
        from: parse_date(app, "from", req.from.as_deref(), 0)?,
        until: parse_date(app, "until", req.until.as_deref(), 1)?,
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
    };
    let (items, total) = store::audit::list(&app.db, &q).await?;
    Ok(Page { items, total, page, per_page: PER_PAGE })
}

/// Verifies the whole chain (command line: the operator's own check).
pub async fn verify(app: &App) -> Result<Result<i64, ChainBreak>> {
    Ok(store::audit::verify(&app.db).await?)
}
