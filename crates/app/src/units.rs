//! The unit register: list and search, read, create, edit, deactivate and reactivate.

use domain::units::{UnitFields, UnitInput};
use domain::{FieldError, Role, UnitKind};
use serde_json::json;
use store::units::{UnitQuery, UnitRow, UnitSummary};
use uuid::Uuid;

use crate::auth::{Actor, record, record_in};
use crate::{App, Error, Page, Result};

pub const PER_PAGE: i64 = 50;

/// What the unit list is asked for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListUnits {
    pub q: Option<String>,
    pub kind: Option<String>,
    /// `active` (default), `inactive` or `all`.
    pub status: Option<String>,
    pub page: Option<i64>,
}

pub async fn list_units(app: &App, actor: &Actor, req: &ListUnits) -> Result<Page<UnitSummary>> {
    if !actor.role.reads_unit_register() {
        return Err(Error::Forbidden);
    }
    let q = req.q.as_deref().map(domain::text::clean).filter(|q| !q.is_empty());
    if q.as_deref().is_some_and(|q| q.chars().count() > 50) {
        return Err(Error::invalid("q", "too_long", "搜索词不能超过50个字"));
    }
    let kind = match req.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => Some(UnitKind::parse(k).ok_or_else(|| Error::invalid("kind", "invalid", "没有这种单位类型"))?),
        None => None,
    };
    let active = match req.status.as_deref().map(str::trim) {
        None | Some("") | Some("active") => Some(true),
        Some("inactive") => Some(false),
        Some("all") => None,
        Some(_) => return Err(Error::invalid("status", "invalid", "状态只能是 active、inactive 或 all")),
    };
    let page = req.page.unwrap_or(1).clamp(1, 100_000);
    let query = UnitQuery {
        scope: actor.scope.clone(),
        town: actor.authority_is_town,
        pattern: q.as_deref().map(domain::text::like_pattern),
        kind: kind.map(|k| k.as_str().to_owned()),
        active,
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
    };
    let (items, total) = store::units::list(&app.db, &query).await?;
    Ok(Page { items, total, page, per_page: PER_PAGE })
}

/// A unit the caller may see; anything else is "not found" (never "forbidden": that would tell
/// a caller that the id exists in another town).
pub async fn get_unit(app: &App, actor: &Actor, id: Uuid) -> Result<UnitRow> {
    let unit = store::units::get(&app.db, id).await?.ok_or(Error::NotFound)?;
    let visible = match actor.role {
        Role::Liaison => actor.unit_id == Some(id),
        _ => actor.sees(&unit.path),
    };
    if visible { Ok(unit) } else { Err(Error::NotFound) }
}

/// The authorities (towns, districts) a caller may file units and accounts under.
pub async fn authorities(app: &App, actor: &Actor) -> Result<Vec<UnitRow>> {
    if !actor.role.reads_unit_register() {
        return Err(Error::Forbidden);
    }
    Ok(store::units::authorities(&app.db, &actor.scope).await?)
}

/// The row a unit's checked fields make under `parent` (also used to seed benchmarks in bulk).
pub fn row_from(
    fields: &UnitFields,
    id: Uuid,
    parent: Option<&UnitRow>,
    now: chrono::DateTime<chrono::Utc>,
) -> UnitRow {
    let seg = store::units::path_segment(id);
    let path = match parent {
        Some(p) => format!("{}{seg}/", p.path),
        None => format!("/{seg}/"),
    };
    // Towns and districts own themselves; everything else belongs to the town above it.
    let scope_path = match parent {
        Some(p) if !fields.kind.is_authority() => p.path.clone(),
        _ => path.clone(),
    };
    let mut search_parts = vec![fields.name.as_str()];
    search_parts.extend(fields.code.as_deref());
    search_parts.extend(fields.contact_name.as_deref());
    search_parts.extend(fields.contact_phone.as_deref());
    UnitRow {
        id,
        parent_id: parent.map(|p| p.id),
        path,
        scope_path,
        kind: fields.kind.as_str().to_owned(),
        kind_rank: fields.kind.rank(),
        name: fields.name.clone(),
        sort_key: domain::text::sort_key(&fields.name),
        search_text: domain::text::search_text(&search_parts, &fields.name),
        code: fields.code.clone(),
        industry: fields.industry.clone(),
        contact_name: fields.contact_name.clone(),
        contact_phone: fields.contact_phone.clone(),
        address: fields.address.clone(),
        is_sample: fields.is_sample,
        active: true,
        created_at: now,
        updated_at: now,
    }
}

/// Checks what needs the database: the parent's kind, a unique code, a unique name in the parent.
/// `actor` decides what the messages may name: a unit outside the caller's authority is "another
/// unit", never its name (that would tell one town what another town has).
pub(crate) async fn check_placement(
    tx: &mut store::Tx,
    actor: &Actor,
    fields: &UnitFields,
    parent: Option<&UnitRow>,
    except: Option<Uuid>,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let expected = fields.kind.parent_kind();
    let actual = parent.and_then(|p| UnitKind::parse(&p.kind));
    if expected != actual {
        let msg = match expected {
            Some(k) => format!("{}应归属于{}", fields.kind.label_zh(), k.label_zh()),
            None => format!("{}是最上级单位", fields.kind.label_zh()),
        };
        errors.push(FieldError::new("kind", "wrong_parent", msg));
    }
    if let Some(code) = &fields.code {
        match store::units::find_by_code(tx, code, except).await {
            Ok(Some((_, name, path))) if actor.sees(&path) => {
                errors.push(FieldError::new("code", "taken", format!("代码已被“{name}”使用")))
            }
            Ok(Some(_)) => errors.push(FieldError::new("code", "taken", "代码已被其他单位使用")),
            Ok(None) => {}
            Err(e) => errors.push(FieldError::new("code", "unchecked", format!("无法检查代码：{e}"))),
        }
    }
    if let Some(p) = parent {
        match store::units::find_by_name(tx, p.id, &fields.name, except).await {
            Ok(Some(_)) => errors.push(FieldError::new("name", "taken", format!("{}下已有同名单位", p.name))),
            Ok(None) => {}
            Err(e) => errors.push(FieldError::new("name", "unchecked", format!("无法检查名称：{e}"))),
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// An optional id typed into a form or a request; a malformed one is a field error.
pub(crate) fn parse_optional_id(field: &'static str, s: Option<&str>) -> Result<Option<Uuid>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.parse().map(Some).map_err(|_| Error::invalid(field, "invalid", "选择无效，请重新选择")),
        None => Ok(None),
    }
}

/// Adds a unit below `parent_id` (the caller's town when omitted).
pub async fn create_unit(app: &App, actor: &Actor, parent_id: Option<&str>, input: &UnitInput) -> Result<UnitRow> {
    if !actor.role.edits_unit_register() {
        return Err(Error::Forbidden);
    }
    let parent_id = parse_optional_id("parent_id", parent_id)?;
    let fields = input.parse().map_err(Error::Invalid)?;
    // A district is a root: only the installation itself (the command line) creates one.
    let parent = if fields.kind == UnitKind::District {
        if actor.user_id.is_some() {
            return Err(Error::Forbidden);
        }
        None
    } else {
        let parent = store::units::get(&app.db, parent_id.unwrap_or(actor.authority_id)).await?;
        match parent {
            Some(p) if actor.sees(&p.path) && p.active => Some(p),
            Some(p) if actor.sees(&p.path) => return Err(Error::invalid("parent_id", "inactive", "上级单位已停用")),
            _ => return Err(Error::invalid("parent_id", "invalid", "上级单位不存在或不在您的管辖范围内")),
        }
    };
    let now = store::now();
    let row = row_from(&fields, Uuid::now_v7(), parent.as_ref(), now);
    let mut tx = app.db.begin().await?;
    check_placement(&mut tx, actor, &fields, parent.as_ref(), None).await.map_err(Error::Invalid)?;
    store::units::insert(&mut tx, &row).await?;
    // A new district is the root of its own trail.
    let scope = if actor.sees(&row.path) { actor.scope.as_str() } else { row.path.as_str() };
    let parent_name = parent.as_ref().map(|p| p.name.clone());
    record_in(
        &mut tx,
        actor,
        scope,
        "unit.create",
        "unit",
        Some(row.id),
        json!({ "name": row.name, "kind": row.kind, "parent": parent_name }),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// The fields that changed, as `{field: [old, new]}`, for the audit trail.
pub(crate) fn changes(old: &UnitRow, new: &UnitRow) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    let mut cmp = |name: &str, a: Option<&str>, b: Option<&str>| {
        if a != b {
            out.insert(name.to_owned(), json!([a, b]));
        }
    };
    cmp("name", Some(&old.name), Some(&new.name));
    cmp("kind", Some(&old.kind), Some(&new.kind));
    cmp("code", old.code.as_deref(), new.code.as_deref());
    cmp("industry", old.industry.as_deref(), new.industry.as_deref());
    cmp("contact_name", old.contact_name.as_deref(), new.contact_name.as_deref());
    cmp("contact_phone", old.contact_phone.as_deref(), new.contact_phone.as_deref());
    cmp("address", old.address.as_deref(), new.address.as_deref());
    if old.is_sample != new.is_sample {
        out.insert("is_sample".into(), json!([old.is_sample, new.is_sample]));
    }
    serde_json::Value::Object(out)
}

/// Replaces a unit's editable fields. A town or district keeps its kind.
pub async fn update_unit(app: &App, actor: &Actor, id: Uuid, input: &UnitInput) -> Result<UnitRow> {
    if !actor.role.edits_unit_register() {
        return Err(Error::Forbidden);
    }
    let fields = input.parse().map_err(Error::Invalid)?;
    let mut tx = app.db.begin().await?;
    let old =
        store::units::get_for_update(&mut tx, id).await?.filter(|u| actor.sees(&u.path)).ok_or(Error::NotFound)?;
    let old_kind = UnitKind::parse(&old.kind).ok_or_else(|| Error::Internal(format!("bad kind {}", old.kind)))?;
    if old_kind.is_authority() && fields.kind != old_kind {
        return Err(Error::invalid("kind", "fixed", "镇街和区县的类型不能更改"));
    }
    let parent = match old.parent_id {
        Some(p) => store::units::get_for_update(&mut tx, p).await?,
        None => None,
    };
    check_placement(&mut tx, actor, &fields, parent.as_ref(), Some(id)).await.map_err(Error::Invalid)?;
    let mut new = row_from(&fields, id, parent.as_ref(), store::now());
    new.path.clone_from(&old.path);
    new.scope_path.clone_from(&old.scope_path);
    new.active = old.active;
    new.created_at = old.created_at;
    let diff = changes(&old, &new);
    if diff.as_object().is_some_and(|m| m.is_empty()) {
        return Ok(old);
    }
    store::units::update(&mut tx, &new).await?;
    record(&mut tx, actor, "unit.update", "unit", Some(id), json!({ "name": new.name, "changes": diff })).await?;
    tx.commit().await?;
    // Its name and kind are on the board of every campaign sent to it.
    app.boards.forget_all();
    Ok(new)
}

/// Deactivates (keeps history, stops receiving notices) or reactivates a unit.
pub async fn set_unit_active(app: &App, actor: &Actor, id: Uuid, active: bool) -> Result<UnitRow> {
    if !actor.role.edits_unit_register() {
        return Err(Error::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let mut unit =
        store::units::get_for_update(&mut tx, id).await?.filter(|u| actor.sees(&u.path)).ok_or(Error::NotFound)?;
    if UnitKind::parse(&unit.kind).is_some_and(UnitKind::is_authority) {
        return Err(Error::Conflict { code: "unit_is_authority", message: "镇街和区县不能停用".into() });
    }
    if unit.active == active {
        return Ok(unit);
    }
    unit.active = active;
    unit.updated_at = store::now();
    store::units::update(&mut tx, &unit).await?;
    let action = if active { "unit.reactivate" } else { "unit.deactivate" };
    record(&mut tx, actor, action, "unit", Some(id), json!({ "name": unit.name })).await?;
    tx.commit().await?;
    app.boards.forget_all();
    Ok(unit)
}
