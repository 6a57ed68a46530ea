//! The rectification case: who sees which cases, what each sees of one, and every step from taking a
//! report up to closing it (销号) — each step checked by the case's state machine, written with its
//! timeline entry and audit row in one transaction, and told to whoever acts next.

use chrono::{DateTime, NaiveDate, Utc};
use domain::Role;
use domain::hazards::{self, Channel, Grade, HazardEvent, HazardStatus};
use serde_json::json;
use store::campaigns::NotificationRow;
use store::hazards::{CaseFile, CaseQuery, CaseRow};
use uuid::Uuid;

use crate::auth::{Actor, record_in};
use crate::reports::event;
use crate::{App, Error, Page, Result};

/// Which cases a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<HazardStatus>,
    pub category: Option<&'static str>,
    pub overdue: bool,
}

impl Filter {
    pub fn parse(status: Option<&str>, category: Option<&str>, overdue: Option<&str>) -> Result<Filter> {
        fn pick(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|s| !s.is_empty() && *s != "all")
        }
        let status = match pick(status) {
            Some(s) => Some(HazardStatus::parse(s).ok_or_else(|| Error::invalid("status", "invalid", "状态无效"))?),
            None => None,
        };
        let category = match pick(category) {
            Some(c) => {
                Some(hazards::parse_category(c).ok_or_else(|| Error::invalid("category", "invalid", "行业领域无效"))?)
            }
            None => None,
        };
        Ok(Filter { status, category, overdue: pick(overdue).is_some_and(|v| v == "1" || v == "true" || v == "on") })
    }
}

/// One line of a case list; a liaison's lines carry no report text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseLine {
    pub id: Uuid,
    pub number: String,
    pub channel: String,
    pub category: String,
    pub category_name: String,
    pub status: String,
    pub status_label: String,
    pub grade: Option<String>,
    /// Staff: the start of the report; a liaison: staff's summary.
    pub text: String,
    pub location: String,
    pub unit_id: Option<Uuid>,
    pub deadline: Option<NaiveDate>,
    pub overdue: bool,
    pub escalated: bool,
    pub created_at: DateTime<Utc>,
}

/// A short number people can say on the phone: the random tail of the id.
pub fn case_number(id: Uuid) -> String {
    let hex = id.simple().to_string();
    format!("YH-{}", hex[24..].to_uppercase())
}

fn is_staff(actor: &Actor) -> bool {
    actor.role.handles_hazards() || matches!(actor.role, Role::Custodian | Role::Auditor | Role::Admin)
}

/// Cases the caller may see: staff, their towns' (a district's: all its towns'); a liaison, the cases
/// given to their unit and its own self-checks.
pub async fn list(app: &App, actor: &Actor, filter: &Filter, page: i64) -> Result<Page<CaseLine>> {
    let per_page = 30;
    let page = page.max(1);
    let today = crate::work::today(app);
    let mut q = CaseQuery {
        status: filter.status.map(|s| s.as_str().to_owned()),
        category: filter.category.map(str::to_owned),
        overdue_on: filter.overdue.then_some(today),
        limit: per_page,
        offset: (page - 1) * per_page,
        ..CaseQuery::default()
    };
    let liaison = actor.role == Role::Liaison;
    if liaison {
        q.unit = Some(actor.unit_id.ok_or(Error::Forbidden)?);
    } else if is_staff(actor) && !matches!(actor.role, Role::Admin) {
        q.scope_prefix = Some(actor.scope.clone());
    } else {
        return Err(Error::Forbidden);
    }
    let (rows, total) = store::hazards::list(&app.db, &q).await?;
    let items = rows.iter().map(|c| line(c, liaison, today)).collect();
    Ok(Page { items, total, page, per_page })
}

fn line(c: &CaseRow, liaison: bool, today: NaiveDate) -> CaseLine {
    let status = HazardStatus::parse(&c.status).unwrap_or(HazardStatus::Received);
    let text = if liaison { c.summary.clone().unwrap_or_default() } else { c.description.clone() };
    CaseLine {
        id: c.id,
        number: case_number(c.id),
        channel: c.channel.clone(),
        category: c.category.clone(),
        category_name: hazards::category_name(&c.category).unwrap_or("其他").to_owned(),
        status: c.status.clone(),
        status_label: status.label_zh().to_owned(),
        grade: c.grade.clone(),
        text: text.chars().take(80).collect(),
        location: c.location.clone(),
        unit_id: c.unit_id,
        deadline: c.deadline,
        overdue: status.with_unit() && c.deadline.is_some_and(|d| d < today),
        escalated: c.escalated_at.is_some(),
        created_at: c.created_at,
    }
}

/// One step of the timeline as staff and the unit read it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub status_label: String,
    /// What the reporter was told.
    pub note: Option<String>,
    /// What staff and the unit read.
    pub detail: Option<String>,
    pub actor_name: Option<String>,
}

/// What the caller may do next.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Allowed {
    pub accept: bool,
    pub decline: bool,
    pub assign: bool,
    pub start: bool,
    pub rectify: bool,
    pub close: bool,
    pub reopen: bool,
    pub merge: bool,
    pub reveal: bool,
    /// Confirm the reporter's reward (a closed major case from a reporter, not yet confirmed).
    pub reward: bool,
    /// Expose on the public board, or take it off.
    pub expose: bool,
    /// Download the rectification notice.
    pub notice: bool,
}

/// A case as the caller may see it. For a liaison the report's own text, its files and anything about
/// the reporter are left out: the unit works from staff's summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseView {
    pub id: Uuid,
    pub number: String,
    pub channel: String,
    pub channel_label: String,
    pub category: String,
    pub category_name: String,
    pub status: String,
    pub status_label: String,
    pub grade: Option<String>,
    pub grade_label: Option<String>,
    /// The report as written; `None` for a liaison.
    pub description: Option<String>,
    pub summary: Option<String>,
    pub location: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub unit_id: Option<Uuid>,
    pub unit_name: Option<String>,
    pub subject_name: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub overdue: bool,
    pub reply: Option<String>,
    pub merged_into: Option<Uuid>,
    pub anonymous: bool,
    /// A sealed identity exists (only a custodian can open it).
    pub named: bool,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    /// Staff only: the confirmed reward (fen) and whether it was claimed; the exposure text.
    pub reward_fen: Option<i64>,
    pub reward_claimed: bool,
    pub public_text: Option<String>,
    pub files: Vec<CaseFile>,
    pub timeline: Vec<TimelineEntry>,
    pub allowed: Allowed,
}

/// The case, if the caller may see it (otherwise "not found", never "forbidden").
pub(crate) async fn visible(app: &App, actor: &Actor, id: Uuid) -> Result<(CaseRow, store::units::UnitRow)> {
    let case = store::hazards::get(&app.db, id).await?.ok_or(Error::NotFound)?;
    let town = store::units::get(&app.db, case.authority_id).await?.ok_or(Error::NotFound)?;
    let ok = match actor.role {
        Role::Liaison => actor.unit_id.is_some_and(|u| {
            case.unit_id == Some(u) || (case.channel == Channel::SelfCheck.as_str() && case.subject_unit_id == Some(u))
        }),
        Role::Admin => false,
        _ => actor.sees(&town.path),
    };
    if ok { Ok((case, town)) } else { Err(Error::NotFound) }
}

pub(crate) fn handler_of(actor: &Actor, town: &store::units::UnitRow) -> bool {
    actor.role.handles_hazards() && actor.authority_is_town && actor.authority_id == town.id
}

fn allowed(actor: &Actor, case: &CaseRow, town: &store::units::UnitRow, named: bool) -> Allowed {
    let status = HazardStatus::parse(&case.status).unwrap_or(HazardStatus::Received);
    let can = |e| status.transition(e).is_ok();
    let staff = handler_of(actor, town);
    let unit = actor.role == Role::Liaison && actor.unit_id.is_some() && actor.unit_id == case.unit_id;
    Allowed {
        accept: staff && can(HazardEvent::Accept),
        decline: staff && can(HazardEvent::Decline),
        assign: staff && can(HazardEvent::Assign),
        start: unit && can(HazardEvent::Start),
        rectify: (unit || staff) && can(HazardEvent::Rectify),
        close: staff && can(HazardEvent::Close),
        reopen: staff && can(HazardEvent::Reopen),
        merge: staff && can(HazardEvent::Merge),
        reveal: actor.role.reveals_identities() && named,
        reward: staff
            && status == HazardStatus::Closed
            && case.grade.as_deref() == Some(Grade::Major.as_str())
            && case.receipt_hash.is_some()
            && case.reward_confirmed_at.is_none(),
        expose: staff && status == HazardStatus::Closed,
        notice: (staff || unit) && case.summary.is_some() && case.unit_id.is_some() && status != HazardStatus::Merged,
    }
}

/// One case, for the caller.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<CaseView> {
    let (case, town) = visible(app, actor, id).await?;
    let liaison = actor.role == Role::Liaison;
    let status = HazardStatus::parse(&case.status).unwrap_or(HazardStatus::Received);
    let named = store::hazards::has_identity(&app.db, id).await?;
    let unit_name = match case.unit_id {
        Some(u) => store::units::get(&app.db, u).await?.map(|u| u.name),
        None => None,
    };
    let subject_name = match case.subject_unit_id {
        Some(u) if !liaison || case.channel == Channel::SelfCheck.as_str() => {
            store::units::get(&app.db, u).await?.map(|u| u.name)
        }
        _ => None,
    };
    let mut files = store::hazards::files(&app.db, id).await?;
    if liaison {
        files.retain(|f| f.stage != "report" || case.channel == Channel::SelfCheck.as_str());
    }
    let mut names = std::collections::HashMap::new();
    let mut timeline = Vec::new();
    for e in store::hazards::events(&app.db, id).await? {
        let actor_name = match e.actor {
            Some(u) => {
                if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(u) {
                    slot.insert(store::users::get(&app.db, u).await?.map(|u| u.display_name).unwrap_or_default());
                }
                names.get(&u).cloned()
            }
            None => None,
        };
        // A liaison does not read what was said to the reporter before the case reached the unit.
        if liaison && matches!(e.kind.as_str(), "received" | "reporter_added" | "declined" | "reward_claimed") {
            continue;
        }
        timeline.push(TimelineEntry {
            at: e.at,
            status_label: HazardStatus::parse(&e.status).map(HazardStatus::label_zh).unwrap_or("").to_owned(),
            kind: e.kind,
            note: e.note,
            detail: e.detail,
            actor_name,
        });
    }
    let today = crate::work::today(app);
    Ok(CaseView {
        id: case.id,
        number: case_number(case.id),
        channel: case.channel.clone(),
        channel_label: Channel::parse(&case.channel).map(Channel::label_zh).unwrap_or("").to_owned(),
        category: case.category.clone(),
        category_name: hazards::category_name(&case.category).unwrap_or("其他").to_owned(),
        status: case.status.clone(),
        status_label: status.label_zh().to_owned(),
        grade_label: case.grade.as_deref().and_then(Grade::parse).map(|g| g.label_zh().to_owned()),
        grade: case.grade.clone(),
        description: (!liaison || case.channel == Channel::SelfCheck.as_str()).then(|| case.description.clone()),
        summary: case.summary.clone(),
        location: case.location.clone(),
        lat: case.lat,
        lon: case.lon,
        unit_id: case.unit_id,
        unit_name,
        subject_name,
        deadline: case.deadline,
        overdue: status.with_unit() && case.deadline.is_some_and(|d| d < today),
        reply: case.reply.clone(),
        merged_into: case.merged_into,
        anonymous: case.anonymous,
        named: named && !liaison,
        created_at: case.created_at,
        closed_at: case.closed_at,
        escalated_at: case.escalated_at,
        reward_fen: case.reward_fen.filter(|_| !liaison && case.reward_confirmed_at.is_some()),
        reward_claimed: case.reward_claimed_at.is_some() && !liaison,
        public_text: case.public_text.clone().filter(|_| case.exposed_at.is_some()),
        allowed: allowed(actor, &case, &town, named),
        files,
        timeline,
    })
}

/// What a step's form (or JSON) carried; each step reads the fields it needs.
#[derive(Debug, Clone, Default)]
pub struct StepForm {
    pub reason: String,
    pub reply: String,
    pub unit: String,
    pub grade: String,
    pub deadline: String,
    pub summary: String,
    pub text: String,
    pub files: Vec<Uuid>,
    pub into: String,
    pub fine: String,
    pub public_text: String,
}

/// Takes the step named `name` (the workflow's, or after closing: `reward`, `expose`, `unexpose`);
/// `None` when there is no step of that name.
pub async fn take(app: &App, actor: &Actor, id: Uuid, name: &str, f: StepForm) -> Option<Result<CaseView>> {
    let step = match name {
        "reward" => Err(crate::publicity::confirm_reward(app, actor, id, &f.fine).await.map(|_| ())),
        "expose" => Err(crate::publicity::expose(app, actor, id, Some(&f.public_text)).await),
        "unexpose" => Err(crate::publicity::expose(app, actor, id, None).await),
        "accept" => Ok(Step::Accept),
        "decline" => Ok(Step::Decline { reason: f.reason }),
        "assign" => Ok(Step::Assign { unit: f.unit, grade: f.grade, deadline: f.deadline, summary: f.summary }),
        "start" => Ok(Step::Start),
        "rectify" => Ok(Step::Rectify { text: f.text, files: f.files }),
        "close" => Ok(Step::Close { reply: f.reply }),
        "reopen" => Ok(Step::Reopen { reason: f.reason }),
        "merge" => Ok(Step::Merge { into: f.into }),
        _ => return None,
    };
    Some(match step {
        Ok(step) => act(app, actor, id, step).await,
        Err(Ok(())) => get(app, actor, id).await,
        Err(Err(e)) => Err(e),
    })
}

/// A step on a case, as typed.
#[derive(Debug, Clone)]
pub enum Step {
    Accept,
    Decline { reason: String },
    Assign { unit: String, grade: String, deadline: String, summary: String },
    Start,
    Rectify { text: String, files: Vec<Uuid> },
    Close { reply: String },
    Reopen { reason: String },
    Merge { into: String },
}

impl Step {
    fn event(&self) -> HazardEvent {
        match self {
            Step::Accept => HazardEvent::Accept,
            Step::Decline { .. } => HazardEvent::Decline,
            Step::Assign { .. } => HazardEvent::Assign,
            Step::Start => HazardEvent::Start,
            Step::Rectify { .. } => HazardEvent::Rectify,
            Step::Close { .. } => HazardEvent::Close,
            Step::Reopen { .. } => HazardEvent::Reopen,
            Step::Merge { .. } => HazardEvent::Merge,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Step::Accept => "accepted",
            Step::Decline { .. } => "declined",
            Step::Assign { .. } => "assigned",
            Step::Start => "started",
            Step::Rectify { .. } => "rectified",
            Step::Close { .. } => "closed",
            Step::Reopen { .. } => "reopened",
            Step::Merge { .. } => "merged",
        }
    }
}

fn text_between(field: &'static str, s: &str, min: usize, what: &str) -> Result<String> {
    let s = domain::text::clean_multiline(s);
    let n = domain::text::char_len(&s);
    if n < min {
        return Err(Error::invalid(field, "required", format!("请填写{what}（至少 {min} 个字）")));
    }
    if n > hazards::DESCRIPTION_MAX {
        return Err(Error::invalid(field, "too_long", format!("{what}最多 {} 字", hazards::DESCRIPTION_MAX)));
    }
    Ok(s)
}

/// Takes one step on a case.
pub async fn act(app: &App, actor: &Actor, id: Uuid, step: Step) -> Result<CaseView> {
    // Who may take this kind of step at all is decided before the case is looked up, so a refusal says
    // nothing about whether the case exists.
    let town_staff = actor.role.handles_hazards() && actor.authority_is_town;
    let liaison = actor.role == Role::Liaison;
    let may_try = match &step {
        Step::Start => liaison,
        Step::Rectify { .. } => liaison || town_staff,
        _ => town_staff,
    };
    if !may_try {
        return Err(Error::Forbidden);
    }
    let (found, town) = visible(app, actor, id).await?;
    let permitted = match &step {
        Step::Start => actor.unit_id == found.unit_id,
        Step::Rectify { .. } => handler_of(actor, &town) || (liaison && actor.unit_id == found.unit_id),
        _ => handler_of(actor, &town),
    };
    if !permitted {
        return Err(Error::Forbidden);
    }
    let today = crate::work::today(app);
    // Everything typed is checked before the transaction.
    let mut assigned_unit = None;
    let mut merge_into = None;
    match &step {
        Step::Assign { unit, grade, deadline, summary } => {
            let a = hazards::parse_assignment(grade, deadline, summary, today).map_err(Error::Invalid)?;
            let unit = Uuid::parse_str(unit.trim()).map_err(|_| Error::invalid("unit", "invalid", "请选择责任单位"))?;
            let u = store::units::get(&app.db, unit)
                .await?
                .filter(|u| u.active && u.scope_path == town.path && u.id != town.id)
                .ok_or_else(|| Error::invalid("unit", "invalid", "请选择本镇的责任单位"))?;
            assigned_unit = Some((u, a));
        }
        Step::Merge { into } => {
            let target =
                parse_case_ref(into).ok_or_else(|| Error::invalid("into", "invalid", "请填写要合并到的案件编号"))?;
            if target == found.id {
                return Err(Error::invalid("into", "same_case", "不能把案件合并到它自己"));
            }
            // Another town's case answers as one that does not exist.
            let t = store::hazards::get(&app.db, target)
                .await?
                .filter(|t| t.authority_id == town.id)
                .ok_or_else(|| Error::invalid("into", "not_found", "找不到本镇的这个案件"))?;
            if t.merged_into.is_some() || t.status == HazardStatus::Declined.as_str() {
                return Err(Error::invalid("into", "invalid", "不能合并到已合并或不予受理的案件"));
            }
            merge_into = Some(t);
        }
        Step::Rectify { files, .. } => {
            for f in files {
                let row = store::files::get(&app.db, *f).await?.ok_or(Error::NotFound)?;
                if row.uploaded_by.is_none() || row.uploaded_by != actor.user_id {
                    return Err(Error::NotFound);
                }
            }
        }
        _ => {}
    }
    let now = store::now();
    let mut tx = app.db.begin().await?;
    let mut case = store::hazards::get_for_update(&mut tx, id).await?.ok_or(Error::NotFound)?;
    let status =
        HazardStatus::parse(&case.status).ok_or_else(|| Error::Internal(format!("case status {}", case.status)))?;
    let next = status.transition(step.event()).map_err(|code| Error::Conflict { code, message: refusal(code) })?;
    case.status = next.as_str().to_owned();
    case.updated_at = now;
    let note: Option<String>;
    let mut detail: Option<String> = None;
    let mut tell_unit = None;
    let mut tell_staff = None;
    let mut summary = json!({ "from": status.as_str(), "to": next.as_str() });
    match step {
        Step::Accept => note = Some("您的举报已受理，正在核查处理。".into()),
        Step::Decline { ref reason } => {
            let reason = text_between("reason", reason, 4, "不予受理的理由")?;
            note = Some(format!("不予受理：{reason}"));
            case.reply = Some(reason);
            case.closed_at = Some(now);
        }
        Step::Assign { .. } => {
            let Some((u, a)) = assigned_unit.take() else { return Err(Error::Internal("assignment".into())) };
            summary["unit"] = json!(u.name);
            summary["grade"] = json!(a.grade.as_str());
            summary["deadline"] = json!(a.deadline);
            case.unit_id = Some(u.id);
            case.grade = Some(a.grade.as_str().to_owned());
            case.deadline = Some(a.deadline);
            case.summary = Some(a.summary);
            case.escalated_at = None;
            note = Some(format!("已交办责任单位整改，整改期限 {}。", a.deadline));
            tell_unit = Some((
                u.id,
                format!("新的隐患整改任务（{}）", case_number(case.id)),
                format!("整改期限 {}", a.deadline),
            ));
        }
        Step::Start => note = Some("责任单位已开始整改。".into()),
        Step::Rectify { ref text, ref files } => {
            let text = text_between("text", text, 4, "整改情况")?;
            for (i, f) in files.iter().enumerate() {
                store::hazards::attach_file(&mut tx, case.id, *f, "rectification", i32::try_from(i).unwrap_or(0), now)
                    .await?;
            }
            summary["files"] = json!(files.len());
            // Staff and the unit read the unit's account; the reporter only that the unit says it is fixed.
            detail = Some(text.clone());
            note = Some("责任单位已报告整改完成，等待核查。".into());
            tell_staff = Some((
                format!("隐患整改待核查（{}）", case_number(case.id)),
                text.chars().take(60).collect::<String>(),
            ));
        }
        Step::Close { ref reply } => {
            let reply = text_between("reply", reply, 4, "核查结论和给举报人的答复")?;
            note = Some(format!("经核查整改到位，已销号。{reply}"));
            case.reply = Some(reply);
            case.closed_at = Some(now);
        }
        Step::Reopen { ref reason } => {
            let reason = text_between("reason", reason, 4, "重新整改的理由")?;
            note = Some("核查发现整改不到位，已要求重新整改。".into());
            case.closed_at = None;
            case.reply = None;
            if let Some(u) = case.unit_id {
                tell_unit = Some((u, format!("隐患需重新整改（{}）", case_number(case.id)), reason.clone()));
            }
            detail = Some(reason);
        }
        Step::Merge { .. } => {
            let Some(t) = merge_into.take() else { return Err(Error::Internal("merge".into())) };
            case.merged_into = Some(t.id);
            case.closed_at = Some(now);
            summary["into"] = json!(t.id);
            note =
                Some(format!("与此前的举报为同一隐患，已合并办理（案件 {}），处理结果同该案件。", case_number(t.id)));
        }
    }
    store::hazards::update(&mut tx, &case).await?;
    event(&mut tx, &case, step.kind(), note.as_deref(), detail.as_deref(), actor.user_id, now).await?;
    record_in(&mut tx, actor, &town.path, &format!("hazard.{}", step.kind()), "hazard_case", Some(case.id), summary)
        .await?;
    if let Some((unit, title, body)) = tell_unit {
        for user in store::campaigns::liaisons_of(&mut tx, unit).await? {
            notify(app, &mut tx, user, &title, &body, case.id, now).await?;
        }
    }
    if let Some((title, body)) = tell_staff {
        for user in store::hazards::handlers_of(&mut tx, town.id).await? {
            notify(app, &mut tx, user, &title, &body, case.id, now).await?;
        }
    }
    tx.commit().await?;
    get(app, actor, id).await
}

async fn notify(
    app: &App,
    tx: &mut store::Tx,
    user: Uuid,
    title: &str,
    body: &str,
    case: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    crate::notify::notify(
        &app.config,
        tx,
        &NotificationRow {
            id: Uuid::now_v7(),
            user_id: user,
            kind: "hazard".into(),
            title: title.to_owned(),
            body: body.to_owned(),
            link: format!("/hazards/{case}"),
            created_at: now,
            read_at: None,
        },
    )
    .await
}

pub(crate) fn refusal(code: &str) -> String {
    match code {
        "case_final" => "此案件已办结（不予受理或已合并），不能再操作",
        "case_not_accepted" => "请先受理此举报",
        "case_not_assigned" => "请先交办责任单位",
        "case_closed" => "此案件已销号",
        "case_awaiting_verification" => "整改已上报，等待核查",
        "case_not_rectified" => "责任单位尚未报告整改完成",
        _ => "当前状态下不能进行此操作",
    }
    .to_owned()
}

/// A case's full id typed by staff (its number `YH-…`, the id's tail, is for people, not for naming a
/// case to merge into).
fn parse_case_ref(s: &str) -> Option<Uuid> {
    Uuid::parse_str(s.trim()).ok()
}

/// Cases past their deadline go to the town's handlers once (and show on the list as overdue).
pub async fn escalate_overdue(app: &App) -> Result<usize> {
    let today = crate::work::today(app);
    let cases = store::hazards::overdue_unescalated(&app.db, today).await?;
    let mut n = 0;
    for found in cases {
        let now = store::now();
        let mut tx = app.db.begin().await?;
        let Some(mut case) = store::hazards::get_for_update(&mut tx, found.id).await? else { continue };
        if case.escalated_at.is_some() || !HazardStatus::parse(&case.status).is_some_and(HazardStatus::with_unit) {
            continue;
        }
        case.escalated_at = Some(now);
        store::hazards::update(&mut tx, &case).await?;
        event(&mut tx, &case, "escalated", None, None, None, now).await?;
        let title = format!("隐患整改逾期（{}）", case_number(case.id));
        let body = format!("整改期限 {} 已过", case.deadline.map(|d| d.to_string()).unwrap_or_default());
        for user in store::hazards::handlers_of(&mut tx, case.authority_id).await? {
            notify(app, &mut tx, user, &title, &body, case.id, now).await?;
        }
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// The caller acts for an enterprise (and so may record its self-checks).
pub async fn is_enterprise_liaison(app: &App, actor: &Actor) -> Result<bool> {
    match (actor.role, actor.unit_id) {
        (Role::Liaison, Some(unit)) => {
            Ok(store::units::get(&app.db, unit).await?.is_some_and(|u| u.kind == "enterprise"))
        }
        _ => Ok(false),
    }
}

/// The caller may report the fix of this case: checked before an upload is stored.
pub async fn check_rectifier(app: &App, actor: &Actor, id: Uuid) -> Result<()> {
    if !(actor.role == Role::Liaison || (actor.role.handles_hazards() && actor.authority_is_town)) {
        return Err(Error::Forbidden);
    }
    let (case, town) = visible(app, actor, id).await?;
    let unit = actor.role == Role::Liaison && actor.unit_id.is_some() && actor.unit_id == case.unit_id;
    if !(unit || handler_of(actor, &town)) {
        return Err(Error::Forbidden);
    }
    let status = HazardStatus::parse(&case.status).unwrap_or(HazardStatus::Received);
    status.transition(HazardEvent::Rectify).map_err(|code| Error::Conflict { code, message: refusal(code) })?;
    Ok(())
}

/// Units of the caller's town a case can be given to.
pub async fn assignable_units(app: &App, actor: &Actor) -> Result<Vec<(Uuid, String, String)>> {
    if !actor.role.handles_hazards() || !actor.authority_is_town {
        return Ok(Vec::new());
    }
    Ok(store::hazards::units_of_town(&app.db, &actor.scope, actor.authority_id).await?)
}
