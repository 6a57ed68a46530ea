//! Hazard reports from outside the office: the public form, an enterprise's whistle-blower link and a
//! 12350 call typed in by staff. Each becomes a case with a receipt code (shown once, stored hashed);
//! the reporter's name and contact are sealed; their photos and videos lose every metadata tag before
//! they are stored. With the code the reporter follows the case, adds to it and claims a reward.

use chrono::{DateTime, Utc};
use domain::hazards::{self, Channel, HazardStatus, Identity, ReportInput};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::json;
use sha2::Digest;
use store::files::{FileRow, RawFile};
use store::hazards::{CaseRow, EventRow};
use uuid::Uuid;

use crate::auth::{Actor, record_in};
use crate::{App, Error, Result};

/// A town reports can be filed with.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Town {
    pub id: Uuid,
    pub name: String,
}

/// The towns of this installation, for the public form's choice (one town: no choice to make).
pub async fn towns(app: &App) -> Result<Vec<Town>> {
    Ok(store::units::authorities(&app.db, "/")
        .await?
        .into_iter()
        .filter(|u| u.kind == "town" && u.active)
        .map(|u| Town { id: u.id, name: u.name })
        .collect())
}

/// The enterprise behind a live whistle-blower link, by name (shown on its form).
pub async fn whistle_enterprise(app: &App, token: &str) -> Result<String> {
    if token.len() > 64 {
        return Err(Error::NotFound);
    }
    let unit = store::hazards::whistle_unit(&app.db, token).await?.ok_or(Error::NotFound)?;
    Ok(store::units::get(&app.db, unit).await?.filter(|u| u.active).ok_or(Error::NotFound)?.name)
}

/// The enterprise whose whistle-blower link the caller may manage: the town's handlers and the
/// enterprise's own liaison (who prints it as a QR code on the notice board).
async fn whistle_enterprise_of(app: &App, actor: &Actor, unit: Uuid) -> Result<store::units::UnitRow> {
    let own = actor.role == domain::Role::Liaison && actor.unit_id == Some(unit);
    let staff = actor.role.handles_hazards() && actor.authority_is_town;
    if !(own || staff) {
        return Err(Error::Forbidden);
    }
    let u = store::units::get(&app.db, unit).await?.ok_or(Error::NotFound)?;
    if !own && u.scope_path != actor.scope {
        return Err(Error::NotFound);
    }
    if u.kind != "enterprise" || !u.active {
        return Err(Error::Conflict {
            code: "not_an_enterprise", message: "吹哨人链接只给在册的企业".into()
        });
    }
    Ok(u)
}

/// An enterprise's name and its live whistle-blower link token, if it has one.
pub async fn whistle_link(app: &App, actor: &Actor, unit: Uuid) -> Result<(String, Option<String>)> {
    let u = whistle_enterprise_of(app, actor, unit).await?;
    let token = store::hazards::whistle_token(&app.db, u.id).await?;
    Ok((u.name, token))
}

/// Makes the enterprise's whistle-blower link (or, with `renew`, a new one: the old link stops working).
pub async fn whistle_token(app: &App, actor: &Actor, unit: Uuid, renew: bool) -> Result<String> {
    let u = whistle_enterprise_of(app, actor, unit).await?;
    if !renew && let Some(t) = store::hazards::whistle_token(&app.db, u.id).await? {
        return Ok(t);
    }
    let mut random = [0u8; 16];
    SystemRandom::new().fill(&mut random).map_err(|_| Error::Internal("no system randomness".into()))?;
    let token = hex::encode(random);
    let now = store::now();
    let mut tx = app.db.begin().await?;
    store::hazards::insert_whistle(&mut tx, &token, u.id, now).await?;
    record_in(&mut tx, actor, &u.scope_path, "hazard.whistle_link", "unit", Some(u.id), json!({ "renewed": renew }))
        .await?;
    tx.commit().await?;
    Ok(token)
}

/// Where a report comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The public form or an Open311 client, filed with a town.
    Public { town: Uuid },
    /// An enterprise's whistle-blower link.
    Whistle { token: String },
    /// A 12350 call typed in by staff of the town.
    Hotline,
}

/// A report as received, with its files not yet stored.
#[derive(Debug)]
pub struct NewReport {
    pub source: Source,
    pub input: ReportInput,
    pub files: Vec<RawFile>,
}

/// What the reporter keeps: the code, shown once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Receipt {
    pub case_id: Uuid,
    /// 26 characters; [`hazards::group_receipt`] for reading aloud.
    pub code: String,
    pub created_at: DateTime<Utc>,
}

/// Who acts when nobody is signed in: the trail names the channel, never a person.
fn reporter_actor(town: &store::units::UnitRow, channel: Channel) -> Actor {
    Actor {
        user_id: None,
        username: format!("reporter:{}", channel.as_str()),
        display_name: format!("举报人（{}）", channel.label_zh()),
        ..Actor::system(town.id, town.path.clone())
    }
}

pub(crate) fn receipt_hash(code: &str) -> String {
    hex::encode(sha2::Sha256::digest(code.as_bytes()))
}

fn new_code() -> Result<String> {
    let mut random = [0u8; 17];
    SystemRandom::new().fill(&mut random).map_err(|_| Error::Internal("no system randomness".into()))?;
    Ok(hazards::receipt_code(&random))
}

/// Files a report. `client` is the caller's address for the flood limit (`None`: staff typing a call in).
pub async fn file_report(app: &App, actor: Option<&Actor>, client: Option<&str>, report: NewReport) -> Result<Receipt> {
    let (channel, town, subject, created_by) = match &report.source {
        Source::Public { town } => (Channel::Public, *town, None, None),
        Source::Whistle { token } => {
            let unit = store::hazards::whistle_unit(&app.db, token).await?.ok_or(Error::NotFound)?;
            let unit = store::units::get(&app.db, unit).await?.filter(|u| u.active).ok_or(Error::NotFound)?;
            let town = unit.parent_id.ok_or(Error::NotFound)?;
            (Channel::Whistle, town, Some(unit.id), None)
        }
        Source::Hotline => {
            let actor = actor.ok_or(Error::Unauthenticated)?;
            if !actor.role.handles_hazards() || !actor.authority_is_town {
                return Err(Error::Forbidden);
            }
            (Channel::Hotline, actor.authority_id, None, actor.user_id)
        }
    };
    let town =
        store::units::get(&app.db, town).await?.filter(|u| u.kind == "town" && u.active).ok_or(Error::NotFound)?;
    if let Some(client) = client {
        app.limits.check(&format!("report:{client}"), app.config.reports_per_hour)?;
    }
    let parsed = report.input.parse().map_err(Error::Invalid)?;
    if report.files.len() > MAX_FILES {
        return Err(Error::invalid("files", "too_many", format!("最多上传 {MAX_FILES} 个照片或视频")));
    }
    let now = store::now();
    let files = store_reporter_files(app, &town, report.files, now).await?;
    let code = new_code()?;
    let case = CaseRow {
        id: Uuid::now_v7(),
        authority_id: town.id,
        channel: channel.as_str().to_owned(),
        category: parsed.category.to_owned(),
        description: parsed.description,
        location: parsed.location,
        lat: parsed.point.map(|p| p.0),
        lon: parsed.point.map(|p| p.1),
        status: HazardStatus::Received.as_str().to_owned(),
        grade: None,
        summary: None,
        unit_id: None,
        deadline: None,
        subject_unit_id: subject,
        reply: None,
        merged_into: None,
        receipt_hash: Some(receipt_hash(&code)),
        anonymous: parsed.identity.is_none(),
        escalated_at: None,
        exposed_at: None,
        public_text: None,
        fine_fen: None,
        reward_fen: None,
        reward_confirmed_at: None,
        reward_claimed_at: None,
        created_by,
        created_at: now,
        updated_at: now,
        closed_at: None,
    };
    let sealed = match &parsed.identity {
        Some(identity) => Some(app.identity_key.seal(case.id, identity)?),
        None => None,
    };
    let audit_actor = match actor {
        Some(a) => a.clone(),
        None => reporter_actor(&town, channel),
    };
    let case_id = case.id;
    let read = app
        .intake
        .write(crate::intake::Prepared {
            case,
            sealed,
            files,
            actor: audit_actor,
            town_path: town.path.clone(),
            note: "已收到您的举报，我们会尽快核查。",
        })
        .await?;
    if read {
        app.jobs_queued.notify_one();
    }
    Ok(Receipt { case_id, code, created_at: now })
}

/// Photos and videos a report may carry.
pub const MAX_FILES: usize = 9;
/// A photo is decoded in memory: at most this many bytes.
const MAX_PHOTO_BYTES: u64 = 40 << 20;

/// Cleans and stores a reporter's files (server-chosen names; no uploader). Each file is refused
/// whole, with its reason, before anything of the report is written.
async fn store_reporter_files(
    app: &App,
    town: &store::units::UnitRow,
    files: Vec<RawFile>,
    now: DateTime<Utc>,
) -> Result<Vec<FileRow>> {
    let mut rows = Vec::with_capacity(files.len());
    for (i, raw) in files.into_iter().enumerate() {
        let n = i + 1;
        let (blob, name) = if crate::scrub::PHOTO_TYPES.contains(&raw.content_type) {
            if raw.size > MAX_PHOTO_BYTES {
                return Err(Error::invalid("files", "too_large", format!("第 {n} 张照片超过 40 MB")));
            }
            let bytes = tokio::fs::read(&raw.path).await.map_err(|e| Error::Internal(e.to_string()))?;
            let (clean, kind) = tokio::task::spawn_blocking(move || crate::scrub::photo(&bytes))
                .await
                .map_err(|e| Error::Internal(e.to_string()))?
                .map_err(|_| Error::invalid("files", "unreadable", format!("第 {n} 个文件不是能打开的照片")))?;
            let name = if kind == store::files::kinds::PNG {
                format!("举报照片-{n}.png")
            } else {
                format!("举报照片-{n}.jpg")
            };
            (app.files.put(&clean, &name, &[kind]).await?, name)
        } else if crate::scrub::VIDEO_TYPES.contains(&raw.content_type) {
            let path = raw.path.clone();
            tokio::task::spawn_blocking(move || crate::scrub::video(&path))
                .await
                .map_err(|e| Error::Internal(e.to_string()))?
                .map_err(|m| Error::invalid("files", "unreadable", format!("第 {n} 个视频无法处理：{m}")))?;
            let name = if raw.content_type == store::files::kinds::MOV {
                format!("举报视频-{n}.mov")
            } else {
                format!("举报视频-{n}.mp4")
            };
            (app.files.store_path(&raw.path, &name, crate::scrub::VIDEO_TYPES).await?, name)
        } else {
            return Err(Error::invalid("files", "type", format!("第 {n} 个文件不是照片或视频")));
        };
        rows.push(FileRow {
            id: Uuid::now_v7(),
            authority_id: town.id,
            sha256: blob.sha256,
            size: i64::try_from(blob.size).map_err(|e| Error::Internal(e.to_string()))?,
            content_type: blob.content_type.to_owned(),
            original_name: name,
            uploaded_by: None,
            created_at: now,
        });
    }
    Ok(rows)
}

pub(crate) async fn event(
    tx: &mut store::Tx,
    case: &CaseRow,
    kind: &str,
    note: Option<&str>,
    detail: Option<&str>,
    actor: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<()> {
    store::hazards::insert_event(
        tx,
        &EventRow {
            id: Uuid::now_v7(),
            case_id: case.id,
            at,
            kind: kind.to_owned(),
            status: case.status.clone(),
            note: note.map(str::to_owned),
            detail: detail.map(str::to_owned),
            actor,
        },
    )
    .await?;
    Ok(())
}

/// One step as the reporter reads it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub status: String,
    pub status_label: String,
    pub note: String,
}

/// A case as its reporter follows it: no staff notes, no unit, no other reporter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Follow {
    pub category: String,
    pub category_name: String,
    pub location: String,
    pub status: String,
    pub status_label: String,
    /// Open311's two states.
    pub closed: bool,
    pub created_at: DateTime<Utc>,
    pub deadline: Option<chrono::NaiveDate>,
    /// The final reply, or the reason it was not taken up.
    pub reply: Option<String>,
    pub steps: Vec<Step>,
    pub files: usize,
    /// A confirmed reward, in fen, and whether it was claimed.
    pub reward_fen: Option<i64>,
    pub reward_claimed: bool,
    /// A duplicate merged into another case: how that case stands, which is this report's outcome too.
    pub merged_into: Option<MergedInto>,
}

/// The case a duplicate was merged into (the last of a chain), as its duplicate's reporter reads it: the
/// number they were told and its progress, not its reply (written to its own reporter).
#[derive(Debug, Clone, serde::Serialize)]
pub struct MergedInto {
    pub number: String,
    pub status: String,
    pub status_label: String,
    pub closed: bool,
    pub deadline: Option<chrono::NaiveDate>,
}

/// Cases merged into cases merged in turn are followed this far.
const MERGE_HOPS: usize = 8;

/// The case behind a receipt code; every lookup counts against the caller's hourly limit, so
/// guessing gets nowhere.
async fn by_code(app: &App, client: &str, code: &str) -> Result<CaseRow> {
    app.limits.check(&format!("receipt:{client}"), app.config.receipt_lookups_per_hour)?;
    let code = hazards::normalise_receipt(code)
        .ok_or_else(|| Error::invalid("code", "invalid", "查询码应为 26 位字母和数字（可带短横线）"))?;
    store::hazards::by_receipt(&app.db, &receipt_hash(&code)).await?.ok_or(Error::NotFound)
}

/// What the reporter sees with their code.
pub async fn follow(app: &App, client: &str, code: &str) -> Result<Follow> {
    let case = by_code(app, client, code).await?;
    follow_view(app, &case).await
}

pub(crate) async fn follow_view(app: &App, case: &CaseRow) -> Result<Follow> {
    let status = HazardStatus::parse(&case.status).unwrap_or(HazardStatus::Received);
    let steps = store::hazards::events(&app.db, case.id)
        .await?
        .into_iter()
        .filter_map(|e| {
            let s = HazardStatus::parse(&e.status)?;
            Some(Step { at: e.at, status: e.status, status_label: s.label_zh().to_owned(), note: e.note? })
        })
        .collect();
    let files = store::hazards::files(&app.db, case.id).await?.iter().filter(|f| f.stage == "report").count();
    let mut survivor = None;
    let mut next = case.merged_into;
    for _ in 0..MERGE_HOPS {
        let Some(id) = next else { break };
        let Some(found) = store::hazards::get(&app.db, id).await? else { break };
        next = found.merged_into;
        survivor = Some(found);
    }
    let merged_into = survivor.map(|s| {
        let st = HazardStatus::parse(&s.status).unwrap_or(HazardStatus::Received);
        MergedInto {
            number: crate::cases::case_number(s.id),
            status: s.status.clone(),
            status_label: st.label_zh().to_owned(),
            closed: st.is_final(),
            deadline: s.deadline.filter(|_| st.with_unit()),
        }
    });
    Ok(Follow {
        category: case.category.clone(),
        category_name: hazards::category_name(&case.category).unwrap_or("其他").to_owned(),
        location: case.location.clone(),
        status: case.status.clone(),
        status_label: status.label_zh().to_owned(),
        closed: status.is_final(),
        created_at: case.created_at,
        deadline: case.deadline.filter(|_| status.with_unit()),
        reply: case.reply.clone(),
        steps,
        files,
        reward_fen: case.reward_fen.filter(|_| case.reward_confirmed_at.is_some()),
        reward_claimed: case.reward_claimed_at.is_some(),
        merged_into,
    })
}

/// The reporter adds to an open case: more text, more photos.
pub async fn add_to_report(app: &App, client: &str, code: &str, text: &str, files: Vec<RawFile>) -> Result<Follow> {
    let found = by_code(app, client, code).await?;
    let text = domain::text::clean_multiline(text);
    if text.is_empty() && files.is_empty() {
        return Err(Error::invalid("text", "required", "请填写补充内容或选择照片、视频"));
    }
    if domain::text::char_len(&text) > hazards::DESCRIPTION_MAX {
        return Err(Error::invalid("text", "too_long", format!("最多 {} 字", hazards::DESCRIPTION_MAX)));
    }
    if HazardStatus::parse(&found.status).is_some_and(HazardStatus::is_final) {
        return Err(Error::Conflict {
            code: "case_final",
            message: "此举报已办结，不能再补充；如有新情况请重新举报".into(),
        });
    }
    let existing = store::hazards::files(&app.db, found.id).await?.len();
    if existing + files.len() > MAX_FILES * 2 {
        return Err(Error::invalid("files", "too_many", "这个举报的照片和视频已经够多了"));
    }
    let town = store::units::get(&app.db, found.authority_id).await?.ok_or(Error::NotFound)?;
    let now = store::now();
    let stored = store_reporter_files(app, &town, files, now).await?;
    let channel = Channel::parse(&found.channel).unwrap_or(Channel::Public);
    let actor = reporter_actor(&town, channel);
    let mut tx = app.db.begin().await?;
    let mut case = store::hazards::get_for_update(&mut tx, found.id).await?.ok_or(Error::NotFound)?;
    if !text.is_empty() {
        case.description = format!("{}\n\n【{} 补充】{}", case.description, crate::work::local_date(app, now), text);
        store::hazards::set_description(&mut tx, case.id, &case.description, now).await?;
    }
    let mut read = false;
    for (i, f) in stored.iter().enumerate() {
        read |= crate::files::record_file(&mut tx, &actor, f, false).await?;
        let position = i32::try_from(existing + i).unwrap_or(0);
        store::hazards::attach_file(&mut tx, case.id, f.id, "report", position, now).await?;
    }
    event(
        &mut tx,
        &case,
        "reporter_added",
        Some("您补充了举报内容。"),
        (!text.is_empty()).then_some(text.as_str()),
        None,
        now,
    )
    .await?;
    record_in(
        &mut tx,
        &actor,
        &town.path,
        "hazard.add",
        "hazard_case",
        Some(case.id),
        json!({ "files": stored.len() }),
    )
    .await?;
    tx.commit().await?;
    if read {
        app.jobs_queued.notify_one();
    }
    follow_view(app, &case).await
}

/// The reporter claims a confirmed reward with their code (anonymous reporters too).
pub async fn claim_reward(app: &App, client: &str, code: &str) -> Result<Follow> {
    let found = by_code(app, client, code).await?;
    let town = store::units::get(&app.db, found.authority_id).await?.ok_or(Error::NotFound)?;
    let mut tx = app.db.begin().await?;
    let mut case = store::hazards::get_for_update(&mut tx, found.id).await?.ok_or(Error::NotFound)?;
    if case.reward_confirmed_at.is_none() {
        return Err(Error::Conflict { code: "no_reward", message: "此举报没有已确认的奖励".into() });
    }
    if case.reward_claimed_at.is_some() {
        return follow_view(app, &case).await;
    }
    let now = store::now();
    case.reward_claimed_at = Some(now);
    case.updated_at = now;
    store::hazards::update(&mut tx, &case).await?;
    event(&mut tx, &case, "reward_claimed", Some("您已申领奖励，工作人员将与您约定领取方式。"), None, None, now)
        .await?;
    let actor = reporter_actor(&town, Channel::parse(&case.channel).unwrap_or(Channel::Public));
    record_in(&mut tx, &actor, &town.path, "hazard.reward_claim", "hazard_case", Some(case.id), json!({})).await?;
    tx.commit().await?;
    follow_view(app, &case).await
}

/// Who the reporter is, for a custodian who gives a reason. The trail row is written first, in the
/// transaction that reads the sealed row: if the trail cannot be written, nothing is revealed.
pub async fn reveal(app: &App, actor: &Actor, case: Uuid, reason: &str) -> Result<Identity> {
    if !actor.role.reveals_identities() {
        return Err(Error::Forbidden);
    }
    let found = store::hazards::get(&app.db, case).await?.ok_or(Error::NotFound)?;
    let town = store::units::get(&app.db, found.authority_id).await?.ok_or(Error::NotFound)?;
    if !actor.sees(&town.path) {
        return Err(Error::NotFound);
    }
    let reason = domain::text::clean_multiline(reason);
    if domain::text::char_len(&reason) < 4 {
        return Err(Error::invalid("reason", "required", "请写明查看举报人身份的理由（至少 4 个字），理由会记入留痕"));
    }
    let mut tx = app.db.begin().await?;
    record_in(&mut tx, actor, &town.path, "hazard.reveal", "hazard_case", Some(case), json!({ "reason": reason }))
        .await?;
    let sealed = store::hazards::identity(&mut tx, case).await?.ok_or_else(|| Error::Conflict {
        code: "anonymous_report",
        message: "这是匿名举报，没有登记举报人身份".into(),
    })?;
    let identity = app.identity_key.open(&sealed)?;
    tx.commit().await?;
    Ok(identity)
}

/// A typed-in 12350 call: the input plus the caller's identity if they gave it.
pub fn hotline_input(mut input: ReportInput) -> ReportInput {
    input.anonymous = input.name.trim().is_empty() && input.phone.trim().is_empty() && input.email.trim().is_empty();
    input
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_receipt_hash_is_the_hex_sha256_of_the_code() {
        assert_eq!(super::receipt_hash("abc").len(), 64);
        assert_ne!(super::receipt_hash("abc"), super::receipt_hash("abd"));
    }
}
