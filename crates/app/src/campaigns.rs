//! Campaigns: a notice read into a draft, edited beside its source, sent to real units (one task per
//! deliverable and unit, the units' liaisons told), edited after publication, closed, cloned to a new year.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use domain::campaigns::{
    CampaignFields, CampaignInput, CampaignStatus, Contact, DeliverableKind, KeyDate, Reference, kinds_for_recipients,
    shift_title_year, shift_years,
};
use domain::{Role, UnitKind};
use serde::Serialize;
use serde_json::json;
use store::campaigns::{CampaignQuery, CampaignRow, CampaignSummary, DeliverableRow, TaskLine, TaskRow, TrackRow};
use uuid::Uuid;

use crate::auth::{Actor, record_in};
use crate::{App, Error, Page, Result};

pub const PER_PAGE: i64 = 30;
/// The most pasted text a notice may hold (a long notice is 30 KB).
pub const MAX_PASTE_BYTES: usize = 2 * 1024 * 1024;

/// A campaign with everything hanging off it, as the pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct Campaign {
    pub id: Uuid,
    pub authority_id: Uuid,
    /// The authority's unit path: whose units may receive it.
    #[serde(skip)]
    pub scope: String,
    pub status: CampaignStatus,
    pub title: String,
    pub doc_kind: Option<String>,
    pub theme: Option<String>,
    pub doc_number: Option<String>,
    pub issuer: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
    pub public: bool,
    pub recipient_phrases: Vec<String>,
    pub key_dates: Vec<KeyDate>,
    pub contacts: Vec<Contact>,
    pub references: Vec<Reference>,
    pub tracks: Vec<TrackRow>,
    pub deliverables: Vec<DeliverableRow>,
    pub recipients: Vec<Recipient>,
    pub source_file_id: Option<Uuid>,
    pub cloned_from: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The version an edit starts from.
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The notice's text and where each value was found in it (none for a campaign built by hand).
    #[serde(skip)]
    pub source_text: Option<String>,
    #[serde(skip)]
    pub marks: Vec<notice::Mark>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recipient {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    /// Deactivated units stay recipients of what was sent to them.
    pub active: bool,
}

impl Campaign {
    /// The form that edits this campaign, filled with what it holds now.
    pub fn input(&self) -> CampaignInput {
        use domain::campaigns::{ContactInput, DeliverableInput, KeyDateInput, ReferenceInput, TrackInput};
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        CampaignInput {
            title: self.title.clone(),
            theme: self.theme.clone().unwrap_or_default(),
            doc_number: self.doc_number.clone().unwrap_or_default(),
            issuer: self.issuer.clone().unwrap_or_default(),
            period_start: date(self.period_start),
            period_end: date(self.period_end),
            signed_on: date(self.signed_on),
            public: self.public,
            tracks: self
                .tracks
                .iter()
                .map(|t| TrackInput {
                    id: t.id.to_string(),
                    number: t.number.clone(),
                    title: t.title.clone(),
                    body: t.body.clone(),
                })
                .collect(),
            deliverables: self
                .deliverables
                .iter()
                .map(|d| DeliverableInput {
                    id: d.id.to_string(),
                    name: d.name.clone(),
                    due_on: d.due_on.to_string(),
                    unit_kinds: d.kinds().map(str::to_owned).collect(),
                })
                .collect(),
            key_dates: self
                .key_dates
                .iter()
                .map(|k| KeyDateInput { date: k.date.to_string(), what: k.what.clone() })
                .collect(),
            contacts: self
                .contacts
                .iter()
                .map(|c| ContactInput { name: c.name.clone(), phone: c.phone.clone() })
                .collect(),
            references: self
                .references
                .iter()
                .map(|r| ReferenceInput {
                    title: r.title.clone().unwrap_or_default(),
                    doc_number: r.doc_number.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}

fn status_of(row: &CampaignRow) -> Result<CampaignStatus> {
    CampaignStatus::parse(&row.status).ok_or_else(|| Error::Internal(format!("campaign status {}", row.status)))
}

fn require_organiser(actor: &Actor) -> Result<()> {
    if actor.role.organises_campaigns() { Ok(()) } else { Err(Error::Forbidden) }
}

/// The campaign row, if the caller may see it: staff of its authority (or the district above), or a liaison
/// of a unit it was sent to. Anything else is "not found".
async fn visible_row(app: &App, actor: &Actor, id: Uuid) -> Result<CampaignRow> {
    let row = store::campaigns::get(&app.db, id).await?.ok_or(Error::NotFound)?;
    let visible = match actor.role {
        Role::Liaison => {
            row.status != "draft"
                && match actor.unit_id {
                    Some(unit) => store::campaigns::is_recipient(&app.db, id, unit).await?,
                    None => false,
                }
        }
        _ => actor.role.reads_campaigns() && actor.sees(&row.scope),
    };
    if visible { Ok(row) } else { Err(Error::NotFound) }
}

/// Checks that the caller may see the campaign (one row read, nothing assembled).
pub async fn visible(app: &App, actor: &Actor, id: Uuid) -> Result<()> {
    visible_row(app, actor, id).await.map(|_| ())
}

/// The row an organiser of its authority is about to change.
async fn organised_row(tx: &mut store::Tx, actor: &Actor, id: Uuid) -> Result<CampaignRow> {
    let row = store::campaigns::get_for_update(tx, id).await?.ok_or(Error::NotFound)?;
    if !actor.sees(&row.scope) {
        return Err(Error::NotFound);
    }
    require_organiser(actor)?;
    Ok(row)
}

async fn assemble(app: &App, row: CampaignRow) -> Result<Campaign> {
    let status = status_of(&row)?;
    let tracks = store::campaigns::tracks(&app.db, row.id).await?;
    let deliverables = store::campaigns::deliverables(&app.db, row.id).await?;
    let recipients = store::campaigns::recipients(&app.db, row.id)
        .await?
        .into_iter()
        .map(|(id, name, kind, active)| Recipient { id, name, kind, active })
        .collect();
    Ok(Campaign {
        id: row.id,
        authority_id: row.authority_id,
        scope: row.scope,
        status,
        title: row.title,
        doc_kind: row.doc_kind,
        theme: row.theme,
        doc_number: row.doc_number,
        issuer: row.issuer,
        period_start: row.period_start,
        period_end: row.period_end,
        signed_on: row.signed_on,
        public: row.public,
        recipient_phrases: from_json(&row.recipient_phrases),
        key_dates: from_json(&row.key_dates),
        contacts: from_json(&row.contacts),
        references: from_json(&row.doc_references),
        tracks,
        deliverables,
        recipients,
        source_file_id: row.source_file_id,
        cloned_from: row.cloned_from,
        created_at: row.created_at,
        updated_at: row.updated_at,
        published_at: row.published_at,
        closed_at: row.closed_at,
        marks: row.source_marks.as_deref().map(from_json).unwrap_or_default(),
        source_text: row.source_text,
    })
}

pub async fn get_campaign(app: &App, actor: &Actor, id: Uuid) -> Result<Campaign> {
    let row = visible_row(app, actor, id).await?;
    assemble(app, row).await
}

/// Campaigns the caller may see, newest first: the authority's for staff, the unit's for a liaison.
pub async fn list_campaigns(
    app: &App,
    actor: &Actor,
    status: Option<&str>,
    page: Option<i64>,
) -> Result<Page<CampaignSummary>> {
    let unit = match actor.role {
        Role::Liaison => Some(actor.unit_id.ok_or(Error::Forbidden)?),
        _ if actor.role.reads_campaigns() => None,
        _ => return Err(Error::Forbidden),
    };
    let status = match status.map(str::trim).filter(|s| !s.is_empty() && *s != "all") {
        Some(s) => Some(
            CampaignStatus::parse(s)
                .ok_or_else(|| Error::invalid("status", "invalid", "状态只能是 draft、published、closed 或 all"))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let page = page.unwrap_or(1).clamp(1, 100_000);
    let q = CampaignQuery { scope: actor.scope.clone(), unit, status, limit: PER_PAGE, offset: (page - 1) * PER_PAGE };
    let (items, total) = store::campaigns::list(&app.db, &q).await?;
    Ok(Page { items, total, page, per_page: PER_PAGE })
}

/// Reads a notice for the caller who will turn it into a campaign (nothing is stored).
pub fn read_notice(actor: &Actor, text: &str) -> Result<notice::Reading> {
    require_organiser(actor)?;
    check_text(text)?;
    Ok(notice::read(text))
}

fn check_text(text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::invalid("text", "required", "请粘贴通知全文，或上传通知文件"));
    }
    if text.len() > MAX_PASTE_BYTES {
        return Err(Error::invalid("text", "too_long", "粘贴的文字超过 2 MB，不像一份通知"));
    }
    Ok(())
}

/// The text of an uploaded notice file (.docx or text), or why it cannot be read.
pub fn notice_text(bytes: &[u8]) -> Result<String> {
    notice::decode(bytes).map_err(|e| Error::invalid("file", e.code(), e.message_zh()))
}

/// A new draft of the caller's authority, empty but for its title; callers fill in what they know.
fn draft_row(actor: &Actor, title: String, now: chrono::DateTime<chrono::Utc>) -> CampaignRow {
    CampaignRow {
        id: Uuid::now_v7(),
        authority_id: actor.authority_id,
        scope: actor.scope.clone(),
        status: CampaignStatus::Draft.as_str().into(),
        title,
        doc_kind: None,
        theme: None,
        doc_number: None,
        issuer: None,
        period_start: None,
        period_end: None,
        signed_on: None,
        public: false,
        recipient_phrases: "[]".into(),
        key_dates: "[]".into(),
        contacts: "[]".into(),
        doc_references: "[]".into(),
        source_text: None,
        source_marks: None,
        source_file_id: None,
        cloned_from: None,
        created_by: actor.user_id,
        created_at: now,
        updated_at: now,
        published_at: None,
        closed_at: None,
    }
}

/// A draft campaign from a notice's text, with the uploaded file it came from (if any) kept beside it.
pub async fn create_from_notice(app: &App, actor: &Actor, text: &str, source_file: Option<Uuid>) -> Result<Uuid> {
    require_organiser(actor)?;
    check_text(text)?;
    let reading = notice::read(text);
    let n = &reading.notice;
    let kinds = kinds_for_recipients(&n.recipients);
    let unit_kinds: Vec<UnitKind> = if kinds.is_empty() { UnitKind::BELOW_TOWN.to_vec() } else { kinds.clone() };
    let title = n.title.clone().unwrap_or_else(|| untitled(&reading.text));
    let now = store::now();
    let row = CampaignRow {
        doc_kind: n.kind.clone(),
        theme: n.theme.clone(),
        doc_number: n.doc_number.clone(),
        issuer: (!n.issuer.is_empty()).then(|| n.issuer.join("、")),
        period_start: n.period.map(|p| p.start),
        period_end: n.period.map(|p| p.end),
        signed_on: n.date,
        public: n.public,
        recipient_phrases: to_json(&n.recipients)?,
        key_dates: to_json(
            &n.key_dates.iter().map(|k| KeyDate { date: k.date, what: k.what.clone() }).collect::<Vec<_>>(),
        )?,
        contacts: to_json(
            &n.contacts.iter().map(|c| Contact { name: c.name.clone(), phone: c.phone.clone() }).collect::<Vec<_>>(),
        )?,
        doc_references: to_json(
            &n.references
                .iter()
                .map(|r| Reference { title: r.title.clone(), doc_number: r.doc_number.clone() })
                .collect::<Vec<_>>(),
        )?,
        source_text: Some(reading.text.clone()),
        source_marks: Some(to_json(&reading.marks)?),
        source_file_id: source_file,
        ..draft_row(actor, domain::text::clean(&title).chars().take(120).collect(), now)
    };
    let id = row.id;
    // Read before the write begins: a second pool connection inside it could wait on the first.
    let addressed: Vec<Uuid> = if kinds.is_empty() {
        Vec::new()
    } else {
        units_under(app, &actor.scope)
            .await?
            .into_iter()
            .filter(|u| UnitKind::parse(&u.kind).is_some_and(|k| kinds.contains(&k)))
            .map(|u| u.id)
            .collect()
    };
    let mut tx = app.db.begin().await?;
    store::campaigns::insert(&mut tx, &row).await?;
    for (i, s) in n.sections.iter().enumerate() {
        let track = TrackRow {
            id: Uuid::now_v7(),
            campaign_id: id,
            position: position(i),
            number: s.number.clone(),
            title: s.title.chars().take(120).collect(),
            body: reading.section_text(i).to_owned(),
        };
        store::campaigns::upsert_track(&mut tx, &track).await?;
    }
    let mut seen = Vec::new();
    for d in n.deadlines.iter().filter(|d| !d.what.is_empty()) {
        let name: String = d.what.chars().take(40).collect();
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        let row = DeliverableRow {
            id: Uuid::now_v7(),
            campaign_id: id,
            position: position(seen.len() - 1),
            kind: DeliverableKind::of_name(&name).as_str().into(),
            name,
            due_on: d.date,
            unit_kinds: join_kinds(&unit_kinds),
        };
        store::campaigns::upsert_deliverable(&mut tx, &row).await?;
    }
    // The units the 主送 line addresses, preselected; the organiser adjusts the list before publishing.
    for unit in addressed {
        store::campaigns::add_recipient(&mut tx, id, unit).await?;
    }
    record_in(
        &mut tx,
        actor,
        &row.scope,
        "campaign.create",
        "campaign",
        Some(id),
        json!({ "title": row.title, "from": if source_file.is_some() { "file" } else { "text" },
                "tracks": n.sections.len(), "deliverables": seen.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A draft from an uploaded notice file: the file is read first (nothing is stored if it cannot be), then
/// kept as the campaign's original.
pub async fn create_from_file(app: &App, actor: &Actor, file_name: &str, bytes: &[u8]) -> Result<Uuid> {
    require_organiser(actor)?;
    let text = notice_text(bytes)?;
    check_text(&text)?;
    let mut upload = crate::files::begin_upload(app, actor, app.config.import_max_mib << 20).await?;
    upload.write(bytes).await?;
    let file = crate::files::commit_upload(app, actor, upload, file_name, store::files::kinds::NOTICE).await?;
    create_from_notice(app, actor, &text, Some(file.id)).await
}

/// An empty draft, for a campaign built by hand.
pub async fn create_blank(app: &App, actor: &Actor, title: &str) -> Result<Uuid> {
    require_organiser(actor)?;
    let input = CampaignInput { title: title.to_owned(), ..Default::default() };
    let fields = input.parse().map_err(Error::Invalid)?;
    let row = draft_row(actor, fields.title, store::now());
    let mut tx = app.db.begin().await?;
    store::campaigns::insert(&mut tx, &row).await?;
    record_in(
        &mut tx,
        actor,
        &row.scope,
        "campaign.create",
        "campaign",
        Some(row.id),
        json!({ "title": row.title, "from": "blank" }),
    )
    .await?;
    tx.commit().await?;
    Ok(row.id)
}

fn untitled(text: &str) -> String {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let first: String = first.chars().take(60).collect();
    if first.is_empty() { "未命名活动".to_owned() } else { first }
}

fn position(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

fn join_kinds(kinds: &[UnitKind]) -> String {
    kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",")
}

/// The active units under an authority (the path `scope`) that can receive a campaign, in register order.
pub async fn units_under(app: &App, scope: &str) -> Result<Vec<store::units::UnitSummary>> {
    let q = store::units::UnitQuery {
        scope: scope.to_owned(),
        town: false,
        active: Some(true),
        // Every unit that may receive a campaign, and the town and departments above them.
        limit: MAX_RECIPIENTS as i64 + 1_000,
        ..Default::default()
    };
    let (units, _) = store::units::list(&app.db, &q).await?;
    Ok(units
        .into_iter()
        .filter(|u| UnitKind::parse(&u.kind).is_some_and(|k| UnitKind::BELOW_TOWN.contains(&k)))
        .collect())
}

/// What an edit changed, for the trail: `{field: [before, after]}`.
fn changes(before: &Campaign, after: &CampaignFields) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    let mut note = |field: &str, a: serde_json::Value, b: serde_json::Value| {
        if a != b {
            out.insert(field.to_owned(), json!([a, b]));
        }
    };
    note("title", json!(before.title), json!(after.title));
    note("theme", json!(before.theme), json!(after.theme));
    note("doc_number", json!(before.doc_number), json!(after.doc_number));
    note("issuer", json!(before.issuer), json!(after.issuer));
    note(
        "period",
        json!([before.period_start, before.period_end]),
        json!(after.period.map(|p| [p.0, p.1]).unwrap_or_default()),
    );
    note("signed_on", json!(before.signed_on), json!(after.signed_on));
    note("public", json!(before.public), json!(after.public));
    note("key_dates", json!(before.key_dates), json!(after.key_dates));
    note("contacts", json!(before.contacts), json!(after.contacts));
    note("references", json!(before.references), json!(after.references));
    note(
        "tracks",
        json!(before.tracks.iter().map(|t| format!("{} {}", t.number, t.title)).collect::<Vec<_>>()),
        json!(after.tracks.iter().map(|t| format!("{} {}", t.number, t.title)).collect::<Vec<_>>()),
    );
    note(
        "deliverables",
        json!(
            before.deliverables.iter().map(|d| format!("{} {} {}", d.name, d.due_on, d.unit_kinds)).collect::<Vec<_>>()
        ),
        json!(
            after
                .deliverables
                .iter()
                .map(|d| format!("{} {} {}", d.name, d.due_on, join_kinds(&d.unit_kinds)))
                .collect::<Vec<_>>()
        ),
    );
    out
}

/// Saves an edit. On a published campaign a changed due date moves its tasks, a new deliverable gets its
/// tasks, and a removed one takes its unstarted tasks with it; the trail says who changed what.
///
/// `seen` is the `updated_at` of the campaign the edit started from (the form carries it): when someone saved
/// in between, the edit is refused rather than silently undoing theirs.
pub async fn update_campaign(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: &CampaignInput,
    seen: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<()> {
    require_organiser(actor)?;
    let before = get_campaign(app, actor, id).await?;
    let fields = input.parse().map_err(Error::Invalid)?;
    let mut tx = app.db.begin().await?;
    let mut row = organised_row(&mut tx, actor, id).await?;
    if seen.is_some_and(|seen| seen != row.updated_at) {
        return Err(Error::Conflict {
            code: "campaign_changed",
            message: "活动已被他人修改，请刷新页面后再修改（您填写的内容尚未保存）".into(),
        });
    }
    if status_of(&row)? == CampaignStatus::Closed {
        return Err(Error::Conflict { code: "campaign_closed", message: "活动已结束，不能再修改".into() });
    }
    let now = store::now();
    let diff = changes(&before, &fields);
    row.title = fields.title.clone();
    row.theme = fields.theme.clone();
    row.doc_number = fields.doc_number.clone();
    row.issuer = fields.issuer.clone();
    row.period_start = fields.period.map(|p| p.0);
    row.period_end = fields.period.map(|p| p.1);
    row.signed_on = fields.signed_on;
    row.public = fields.public;
    row.key_dates = to_json(&fields.key_dates)?;
    row.contacts = to_json(&fields.contacts)?;
    row.doc_references = to_json(&fields.references)?;
    row.updated_at = now;
    store::campaigns::update(&mut tx, &row).await?;

    let old_tracks = store::campaigns::track_ids_in(&mut tx, id).await?;
    let mut kept = Vec::new();
    for (i, t) in fields.tracks.iter().enumerate() {
        let track_id = match t.id {
            Some(tid) if old_tracks.contains(&tid) => tid,
            Some(_) => return Err(Error::invalid("tracks", "unknown_track", "活动事项已被他人修改，请刷新后重试")),
            None => Uuid::now_v7(),
        };
        kept.push(track_id);
        let track = TrackRow {
            id: track_id,
            campaign_id: id,
            position: position(i),
            number: t.number.clone(),
            title: t.title.clone(),
            body: t.body.clone(),
        };
        store::campaigns::upsert_track(&mut tx, &track).await?;
    }
    for old in old_tracks.into_iter().filter(|o| !kept.contains(o)) {
        store::campaigns::delete_track(&mut tx, old).await?;
    }

    let published = status_of(&row)? == CampaignStatus::Published;
    let old = store::campaigns::deliverables_in(&mut tx, id).await?;
    let recipients = store::campaigns::recipients_in(&mut tx, id).await?;
    let mut kept = Vec::new();
    let mut moved = 0;
    let mut created = 0;
    for (i, d) in fields.deliverables.iter().enumerate() {
        let existing = match d.id {
            Some(did) => Some(old.iter().find(|o| o.id == did).ok_or_else(|| {
                Error::invalid("deliverables", "unknown_deliverable", "报送要求已被他人修改，请刷新后重试")
            })?),
            None => None,
        };
        let row = DeliverableRow {
            id: existing.map_or_else(Uuid::now_v7, |e| e.id),
            campaign_id: id,
            position: position(i),
            name: d.name.clone(),
            kind: d.kind.as_str().into(),
            due_on: d.due_on,
            unit_kinds: join_kinds(&d.unit_kinds),
        };
        kept.push(row.id);
        store::campaigns::upsert_deliverable(&mut tx, &row).await?;
        if published {
            if existing.is_some_and(|e| e.due_on != d.due_on) {
                moved += store::campaigns::move_tasks(&mut tx, row.id, d.due_on, now).await?;
            }
            created += create_tasks(&mut tx, &row, &recipients, now).await?;
            let kinds: Vec<&str> = row.kinds().collect();
            for (unit, _, _) in recipients.iter().filter(|(_, k, _)| !kinds.contains(&k.as_str())) {
                store::campaigns::delete_pending_task(&mut tx, row.id, *unit).await?;
            }
        }
    }
    for gone in old.iter().filter(|o| !kept.contains(&o.id)) {
        store::campaigns::delete_deliverable(&mut tx, gone.id).await.map_err(|e| match e {
            store::Error::Conflict(_) => Error::Conflict {
                code: "deliverable_has_work",
                message: format!("“{}”已有单位报送，不能删除，可以修改截止日期", gone.name),
            },
            e => e.into(),
        })?;
    }
    let mut summary = json!({ "title": row.title, "changed": diff });
    if published {
        summary["tasks_moved"] = json!(moved);
        summary["tasks_created"] = json!(created);
    }
    record_in(&mut tx, actor, &row.scope, "campaign.update", "campaign", Some(id), summary).await?;
    tx.commit().await?;
    app.boards.forget(id);
    Ok(())
}

/// The tasks a deliverable owes, one per recipient unit of a kind it applies to; how many were new.
async fn create_tasks(
    tx: &mut store::Tx,
    d: &DeliverableRow,
    recipients: &[(Uuid, String, bool)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64> {
    let kinds: Vec<&str> = d.kinds().collect();
    let mut created = 0;
    for (unit, _, _) in recipients.iter().filter(|(_, k, active)| *active && kinds.contains(&k.as_str())) {
        let task = TaskRow {
            id: Uuid::now_v7(),
            campaign_id: d.campaign_id,
            deliverable_id: d.id,
            unit_id: *unit,
            due_on: d.due_on,
            status: "pending".into(),
            created_at: now,
            updated_at: now,
        };
        if store::campaigns::insert_task(tx, &task).await? {
            created += 1;
        }
    }
    Ok(created)
}

/// The units a campaign may go to, each marked when it is on the list now.
pub async fn recipient_choices(
    app: &App,
    actor: &Actor,
    id: Uuid,
) -> Result<(Campaign, Vec<(store::units::UnitSummary, bool)>)> {
    require_organiser(actor)?;
    let c = get_campaign(app, actor, id).await?;
    let chosen: Vec<Uuid> = c.recipients.iter().map(|r| r.id).collect();
    let units = units_under(app, &c.scope).await?.into_iter().map(|u| {
        let on = chosen.contains(&u.id);
        (u, on)
    });
    Ok((c, units.collect()))
}

/// Sets the list of recipient units. On a published campaign new units get their tasks (and are told), and
/// units taken off lose their unstarted tasks.
/// The most units one campaign may go to (a town has hundreds; a district-wide campaign thousands).
const MAX_RECIPIENTS: usize = 50_000;

pub async fn set_recipients(app: &App, actor: &Actor, id: Uuid, unit_ids: &[String]) -> Result<()> {
    require_organiser(actor)?;
    let mut wanted = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for raw in unit_ids {
        let unit = crate::units::parse_optional_id("unit_ids", Some(raw))?
            .ok_or_else(|| Error::invalid("unit_ids", "invalid", "单位编号无效"))?;
        if seen.insert(unit) {
            wanted.push(unit);
        }
    }
    if wanted.len() > MAX_RECIPIENTS {
        return Err(Error::invalid("unit_ids", "too_many", "单位太多"));
    }
    // The campaign's own authority decides which units may receive it (a district organiser acting on a
    // town's campaign cannot add another town's units).
    let scope =
        store::campaigns::get(&app.db, id).await?.filter(|r| actor.sees(&r.scope)).ok_or(Error::NotFound)?.scope;
    let allowed: HashMap<Uuid, String> = units_under(app, &scope).await?.into_iter().map(|u| (u.id, u.kind)).collect();
    if wanted.iter().any(|u| !allowed.contains_key(u)) {
        return Err(Error::invalid("unit_ids", "not_in_town", "所选单位不在本镇，或已停用"));
    }
    let mut tx = app.db.begin().await?;
    let row = organised_row(&mut tx, actor, id).await?;
    let status = status_of(&row)?;
    if status == CampaignStatus::Closed {
        return Err(Error::Conflict { code: "campaign_closed", message: "活动已结束，不能再修改".into() });
    }
    let before: Vec<Uuid> = store::campaigns::recipients_in(&mut tx, id).await?.into_iter().map(|r| r.0).collect();
    let had: std::collections::HashSet<Uuid> = before.iter().copied().collect();
    let added: Vec<Uuid> = wanted.iter().copied().filter(|u| !had.contains(u)).collect();
    let removed: Vec<Uuid> = before.iter().copied().filter(|u| !seen.contains(u)).collect();
    for u in &added {
        store::campaigns::add_recipient(&mut tx, id, *u).await?;
    }
    for u in &removed {
        store::campaigns::remove_recipient(&mut tx, id, *u).await?;
    }
    let mut created = 0;
    if status == CampaignStatus::Published {
        let now = store::now();
        let recipients = store::campaigns::recipients_in(&mut tx, id).await?;
        for d in store::campaigns::deliverables_in(&mut tx, id).await? {
            created += create_tasks(&mut tx, &d, &recipients, now).await?;
        }
        notify_units(&app.config, &mut tx, &row, &added, now).await?;
    }
    record_in(
        &mut tx,
        actor,
        &row.scope,
        "campaign.recipients",
        "campaign",
        Some(id),
        json!({ "title": row.title, "added": added.len(), "removed": removed.len(), "total": wanted.len(), "tasks_created": created }),
    )
    .await?;
    tx.commit().await?;
    app.boards.forget(id);
    Ok(())
}

async fn notify_units(
    config: &crate::Config,
    tx: &mut store::Tx,
    row: &CampaignRow,
    units: &[Uuid],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64> {
    let mut told = 0;
    for unit in units {
        for user in store::campaigns::liaisons_of(tx, *unit).await? {
            let n = store::campaigns::NotificationRow {
                id: Uuid::now_v7(),
                user_id: user,
                kind: "campaign.published".into(),
                title: format!("新通知：{}", row.title),
                body: "请签收通知，按时报送材料。".into(),
                link: format!("/campaigns/{}", row.id),
                created_at: now,
                read_at: None,
            };
            crate::notify::notify(config, tx, &n).await?;
            told += 1;
        }
    }
    Ok(told)
}

/// What publishing did.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub units: usize,
    pub tasks_created: u64,
    pub liaisons_notified: u64,
}

/// Sends the campaign: one task per (deliverable × recipient unit of a kind it applies to), each unit's
/// liaisons told in the app. Publishing again creates no task twice and tells nobody twice.
pub async fn publish(app: &App, actor: &Actor, id: Uuid) -> Result<Published> {
    require_organiser(actor)?;
    let mut tx = app.db.begin().await?;
    let mut row = organised_row(&mut tx, actor, id).await?;
    let from = status_of(&row)?;
    let to = from.transition(CampaignStatus::Published).map_err(|code| Error::Conflict {
        code,
        message: match code {
            "campaign_closed" => "活动已结束，不能再发布".into(),
            _ => "活动不能发布".into(),
        },
    })?;
    let recipients = store::campaigns::recipients_in(&mut tx, id).await?;
    let deliverables = store::campaigns::deliverables_in(&mut tx, id).await?;
    if recipients.is_empty() {
        return Err(Error::invalid("recipients", "required", "请先选择接收单位"));
    }
    let now = store::now();
    let mut created = 0;
    for d in &deliverables {
        created += create_tasks(&mut tx, d, &recipients, now).await?;
    }
    let first_time = from == CampaignStatus::Draft;
    let told = if first_time {
        let units: Vec<Uuid> = recipients.iter().filter(|r| r.2).map(|r| r.0).collect();
        notify_units(&app.config, &mut tx, &row, &units, now).await?
    } else {
        0
    };
    row.status = to.as_str().into();
    row.updated_at = now;
    if first_time {
        row.published_at = Some(now);
    }
    store::campaigns::update(&mut tx, &row).await?;
    record_in(
        &mut tx,
        actor,
        &row.scope,
        "campaign.publish",
        "campaign",
        Some(id),
        json!({ "title": row.title, "units": recipients.len(), "tasks_created": created, "liaisons_notified": told, "again": !first_time }),
    )
    .await?;
    tx.commit().await?;
    app.boards.forget(id);
    Ok(Published { units: recipients.len(), tasks_created: created, liaisons_notified: told })
}

/// Ends a published campaign.
pub async fn close(app: &App, actor: &Actor, id: Uuid) -> Result<()> {
    require_organiser(actor)?;
    let mut tx = app.db.begin().await?;
    let mut row = organised_row(&mut tx, actor, id).await?;
    let to = status_of(&row)?.transition(CampaignStatus::Closed).map_err(|code| Error::Conflict {
        code,
        message: if code == "campaign_closed" {
            "活动已结束".into()
        } else {
            "草稿尚未发布，不能结束".into()
        },
    })?;
    let now = store::now();
    row.status = to.as_str().into();
    row.closed_at = Some(now);
    row.updated_at = now;
    store::campaigns::update(&mut tx, &row).await?;
    record_in(&mut tx, actor, &row.scope, "campaign.close", "campaign", Some(id), json!({ "title": row.title }))
        .await?;
    tx.commit().await?;
    app.boards.forget(id);
    Ok(())
}

/// Next year's campaign as a draft: dates moved by whole years, the theme replaced, the year in the title
/// changed, tracks, deliverables and recipients copied.
pub async fn clone_campaign(app: &App, actor: &Actor, id: Uuid, year: i32, theme: &str) -> Result<Uuid> {
    require_organiser(actor)?;
    let c = get_campaign(app, actor, id).await?;
    let base_year = c.period_start.or(c.signed_on).or(c.deliverables.first().map(|d| d.due_on)).map(|d| d.year());
    let base_year = base_year.unwrap_or_else(|| store::now().year());
    if !(2000..=2100).contains(&year) {
        return Err(Error::invalid("year", "invalid", "年份应在2000至2100之间"));
    }
    let theme = domain::text::clean(theme);
    if domain::text::char_len(&theme) > 60 {
        return Err(Error::invalid("theme", "too_long", "活动主题不能超过60个字"));
    }
    let shift = year - base_year;
    let move_date = |d: NaiveDate| shift_years(d, shift);
    let now = store::now();
    let key_dates: Vec<KeyDate> =
        c.key_dates.iter().map(|k| KeyDate { date: move_date(k.date), what: k.what.clone() }).collect();
    let row = CampaignRow {
        doc_kind: c.doc_kind.clone(),
        theme: if theme.is_empty() { c.theme.clone() } else { Some(theme) },
        issuer: c.issuer.clone(),
        period_start: c.period_start.map(move_date),
        period_end: c.period_end.map(move_date),
        public: c.public,
        recipient_phrases: to_json(&c.recipient_phrases)?,
        key_dates: to_json(&key_dates)?,
        contacts: to_json(&c.contacts)?,
        cloned_from: Some(c.id),
        ..draft_row(actor, shift_title_year(&c.title, base_year, year), now)
    };
    let new_id = row.id;
    let active: Vec<Uuid> = units_under(app, &actor.scope).await?.into_iter().map(|u| u.id).collect();
    let mut tx = app.db.begin().await?;
    store::campaigns::insert(&mut tx, &row).await?;
    for t in &c.tracks {
        let track = TrackRow { id: Uuid::now_v7(), campaign_id: new_id, ..t.clone() };
        store::campaigns::upsert_track(&mut tx, &track).await?;
    }
    for d in &c.deliverables {
        let d = DeliverableRow { id: Uuid::now_v7(), campaign_id: new_id, due_on: move_date(d.due_on), ..d.clone() };
        store::campaigns::upsert_deliverable(&mut tx, &d).await?;
    }
    for r in c.recipients.iter().filter(|r| active.contains(&r.id)) {
        store::campaigns::add_recipient(&mut tx, new_id, r.id).await?;
    }
    record_in(
        &mut tx,
        actor,
        &row.scope,
        "campaign.clone",
        "campaign",
        Some(new_id),
        json!({ "title": row.title, "from": c.id.to_string(), "from_title": c.title, "years": shift }),
    )
    .await?;
    tx.commit().await?;
    Ok(new_id)
}

/// The tasks a campaign created, for its staff.
pub async fn tasks(app: &App, actor: &Actor, id: Uuid) -> Result<Vec<TaskLine>> {
    let row = visible_row(app, actor, id).await?;
    let all = store::campaigns::tasks(&app.db, row.id).await?;
    Ok(match (actor.role, actor.unit_id) {
        (Role::Liaison, Some(unit)) => all.into_iter().filter(|t| t.unit_id == unit).collect(),
        (Role::Liaison, None) => Vec::new(),
        _ => all,
    })
}

/// Public notices of every town (此件公开发布), newest first: no sign-in.
pub async fn public_notices(app: &App, page: Option<i64>) -> Result<Page<CampaignSummary>> {
    let page = page.unwrap_or(1).clamp(1, 100_000);
    let (items, total) = store::campaigns::list_public(&app.db, PER_PAGE, (page - 1) * PER_PAGE).await?;
    Ok(Page { items, total, page, per_page: PER_PAGE })
}

/// One public notice: published (or closed) and marked public; anything else is "not found".
pub async fn public_notice(app: &App, id: Uuid) -> Result<Campaign> {
    let row = store::campaigns::get(&app.db, id).await?.ok_or(Error::NotFound)?;
    if !row.public || row.status == "draft" {
        return Err(Error::NotFound);
    }
    let mut c = assemble(app, row).await?;
    // The portal shows what the notice says, not which units were picked.
    c.recipients.clear();
    Ok(c)
}

/// The caller's newest notifications and the count of unread ones.
pub async fn notifications(app: &App, actor: &Actor) -> Result<(Vec<store::campaigns::NotificationRow>, i64)> {
    let user = actor.user_id.ok_or(Error::Forbidden)?;
    Ok(store::campaigns::notifications(&app.db, user, 50).await?)
}

pub async fn unread_notifications(app: &App, actor: &Actor) -> Result<i64> {
    match actor.user_id {
        Some(user) => Ok(store::campaigns::unread_count(&app.db, user).await?),
        None => Ok(0),
    }
}

pub async fn mark_notifications_read(app: &App, actor: &Actor) -> Result<u64> {
    let user = actor.user_id.ok_or(Error::Forbidden)?;
    Ok(store::campaigns::mark_read(&app.db, user, store::now()).await?)
}
