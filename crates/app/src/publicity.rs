//! What a closed case may lead to in public: a reward for its reporter (the 2018 rules), exposure on the
//! public board (曝光) in staff's own words, the red/black list of units (安全行为红黑榜) with a publication
//! window and an appeal note, and the statistics anyone may read.

use chrono::{DateTime, NaiveDate, Utc};
use domain::hazards::{self, Channel, Grade, HazardStatus};
use serde_json::json;
use store::hazards::{CaseRow, ListEntry};
use uuid::Uuid;

use crate::auth::{Actor, record_in};
use crate::cases::{handler_of, visible};
use crate::reports::event;
use crate::{App, Error, Result};

/// Locks a closed case of the caller's town for a decision about it.
async fn closed_case(app: &App, actor: &Actor, id: Uuid) -> Result<(store::Tx, CaseRow, store::units::UnitRow)> {
    if !(actor.role.handles_hazards() && actor.authority_is_town) {
        return Err(Error::Forbidden);
    }
    let (_, town) = visible(app, actor, id).await?;
    if !handler_of(actor, &town) {
        return Err(Error::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let case = store::hazards::get_for_update(&mut tx, id).await?.ok_or(Error::NotFound)?;
    if case.status != HazardStatus::Closed.as_str() {
        return Err(Error::Conflict {
            code: "case_not_closed", message: "只有核查销号的案件才能奖励或曝光".into()
        });
    }
    Ok((tx, case, town))
}

/// Confirms the reward the 2018 rules suggest for a verified major hazard or violation: 15 % of the fine,
/// ¥3,000–¥300,000, for the first valid reporter only (a merged duplicate gets none: the case it was merged
/// into keeps the claim). The reporter claims it with the receipt code.
pub async fn confirm_reward(app: &App, actor: &Actor, id: Uuid, fine: &str) -> Result<i64> {
    let (mut tx, mut case, town) = closed_case(app, actor, id).await?;
    if case.grade.as_deref() != Some(Grade::Major.as_str()) {
        return Err(Error::Conflict {
            code: "not_major",
            message: "举报奖励只针对核实的重大事故隐患或违法行为".into(),
        });
    }
    if !Channel::parse(&case.channel).is_some_and(Channel::has_reporter) || case.receipt_hash.is_none() {
        return Err(Error::Conflict { code: "no_reporter", message: "这个案件没有举报人".into() });
    }
    if case.reward_confirmed_at.is_some() {
        return Err(Error::Conflict { code: "reward_confirmed", message: "奖励已经确认过".into() });
    }
    let fine = hazards::parse_yuan(fine)
        .filter(|f| *f > 0)
        .ok_or_else(|| Error::invalid("fine", "invalid", "请填写罚款金额（元），如 50000 或 50,000.00"))?;
    let reward = hazards::suggested_reward(fine);
    let now = store::now();
    case.fine_fen = Some(fine);
    case.reward_fen = Some(reward);
    case.reward_confirmed_at = Some(now);
    case.updated_at = now;
    store::hazards::update(&mut tx, &case).await?;
    let note = format!("经核查举报属实，给予举报奖励 {}，请凭查询码申领。", hazards::format_yuan(reward));
    event(&mut tx, &case, "reward_confirmed", Some(&note), None, actor.user_id, now).await?;
    record_in(
        &mut tx,
        actor,
        &town.path,
        "hazard.reward",
        "hazard_case",
        Some(id),
        json!({ "fine_fen": fine, "reward_fen": reward }),
    )
    .await?;
    tx.commit().await?;
    Ok(reward)
}

/// Exposes a closed case on the public board in staff's words (never the report's own), or takes it off.
pub async fn expose(app: &App, actor: &Actor, id: Uuid, text: Option<&str>) -> Result<()> {
    let (mut tx, mut case, town) = closed_case(app, actor, id).await?;
    let now = store::now();
    match text {
        Some(t) => {
            let t = domain::text::clean_multiline(t);
            let n = domain::text::char_len(&t);
            if !(10..=hazards::DESCRIPTION_MAX).contains(&n) {
                return Err(Error::invalid(
                    "public_text",
                    "invalid",
                    "请写明公开曝光的内容（10 至 4000 字），不要写入举报人的任何信息",
                ));
            }
            case.exposed_at = Some(now);
            case.public_text = Some(t);
        }
        None => {
            case.exposed_at = None;
            case.public_text = None;
        }
    }
    case.updated_at = now;
    store::hazards::update(&mut tx, &case).await?;
    let action = if text.is_some() { "hazard.expose" } else { "hazard.unexpose" };
    record_in(&mut tx, actor, &town.path, action, "hazard_case", Some(id), json!({})).await?;
    tx.commit().await?;
    Ok(())
}

/// A red/black list entry as typed.
#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub unit: String,
    /// `red` (good example) or `black`.
    pub list: String,
    pub reason: String,
    pub case: String,
    pub published_on: String,
    pub expires_on: String,
    pub appeal_note: String,
}

/// Puts a unit of the caller's town on the red or black list, with evidence (a reason, perhaps a case), a
/// publication window and where to appeal.
pub async fn add_entry(app: &App, actor: &Actor, input: &EntryInput) -> Result<Uuid> {
    if !(actor.role.handles_hazards() && actor.authority_is_town) {
        return Err(Error::Forbidden);
    }
    let mut errors = Vec::new();
    let unit = match Uuid::parse_str(input.unit.trim()) {
        Ok(u) => {
            store::units::get(&app.db, u).await?.filter(|u| u.scope_path == actor.scope && u.id != actor.authority_id)
        }
        Err(_) => None,
    };
    if unit.is_none() {
        errors.push(domain::FieldError::new("unit", "invalid", "请选择本镇的单位"));
    }
    if !matches!(input.list.as_str(), "red" | "black") {
        errors.push(domain::FieldError::new("list", "invalid", "请选择红榜或黑榜"));
    }
    let reason = domain::text::clean_multiline(&input.reason);
    if !(4..=1000).contains(&domain::text::char_len(&reason)) {
        errors.push(domain::FieldError::new("reason", "invalid", "请写明上榜事由和依据（4 至 1000 字）"));
    }
    let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let (from, to) = (date(&input.published_on), date(&input.expires_on));
    match (from, to) {
        (Some(f), Some(t)) if t >= f && (t - f).num_days() <= 366 => {}
        (Some(_), Some(_)) => {
            errors.push(domain::FieldError::new("expires_on", "invalid", "公示期须在发布之后，最长一年"))
        }
        _ => errors.push(domain::FieldError::new("published_on", "invalid", "请填写发布和到期日期")),
    }
    let case = match input.case.trim() {
        "" => None,
        c => match Uuid::parse_str(c) {
            Ok(id) => match store::hazards::get(&app.db, id).await? {
                Some(k) if k.authority_id == actor.authority_id => Some(k.id),
                _ => {
                    errors.push(domain::FieldError::new("case", "invalid", "找不到本镇的这个案件"));
                    None
                }
            },
            Err(_) => {
                errors.push(domain::FieldError::new("case", "invalid", "案件编号无效"));
                None
            }
        },
    };
    let appeal = domain::text::clean_multiline(&input.appeal_note);
    let (Some(unit), Some(from), Some(to), true) = (unit, from, to, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let id = Uuid::now_v7();
    let now = store::now();
    let mut tx = app.db.begin().await?;
    store::hazards::insert_entry(
        &mut tx,
        id,
        actor.authority_id,
        unit.id,
        &input.list,
        &reason,
        case,
        from,
        to,
        (!appeal.is_empty()).then_some(appeal.as_str()),
        actor.user_id,
        now,
    )
    .await?;
    record_in(
        &mut tx,
        actor,
        &actor.scope,
        "list.add",
        "unit",
        Some(unit.id),
        json!({ "list": input.list, "from": from, "to": to }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn withdraw_entry(app: &App, actor: &Actor, id: Uuid) -> Result<()> {
    if !(actor.role.handles_hazards() && actor.authority_is_town) {
        return Err(Error::Forbidden);
    }
    let e = store::hazards::entry(&app.db, id)
        .await?
        .filter(|e| e.authority_id == actor.authority_id)
        .ok_or(Error::NotFound)?;
    let mut tx = app.db.begin().await?;
    store::hazards::withdraw_entry(&mut tx, e.id, store::now()).await?;
    record_in(&mut tx, actor, &actor.scope, "list.withdraw", "unit", Some(e.unit_id), json!({ "list": e.list }))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The town's list entries, for its staff.
pub async fn town_entries(app: &App, actor: &Actor) -> Result<Vec<ListEntry>> {
    if actor.role == domain::Role::Liaison || actor.role == domain::Role::Admin {
        return Err(Error::Forbidden);
    }
    Ok(store::hazards::entries(&app.db, Some(actor.authority_id), None).await?)
}

/// Counts by one key, largest first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub n: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Stats {
    pub total: i64,
    pub by_category: Vec<Count>,
    pub by_grade: Vec<Count>,
    pub by_status: Vec<Count>,
    /// Cases closed, and the median days from report to closing.
    pub closed: i64,
    pub median_days_to_close: Option<f64>,
    pub overdue: i64,
}

/// Figures over the cases of towns under `scope` (the public board: all).
pub async fn stats(app: &App, scope: &str) -> Result<Stats> {
    let facts = store::hazards::facts(&app.db, scope).await?;
    let today = crate::work::today(app);
    let count = |key: &dyn Fn(&store::hazards::CaseFacts) -> Option<(String, String)>| {
        let mut m: std::collections::BTreeMap<String, (String, i64)> = std::collections::BTreeMap::new();
        for f in &facts {
            if let Some((k, label)) = key(f) {
                m.entry(k).or_insert((label, 0)).1 += 1;
            }
        }
        let mut v: Vec<Count> = m.into_iter().map(|(key, (label, n))| Count { key, label, n }).collect();
        v.sort_by(|a, b| b.n.cmp(&a.n).then(a.key.cmp(&b.key)));
        v
    };
    let by_category =
        count(&|f| Some((f.category.clone(), hazards::category_name(&f.category).unwrap_or("其他").to_owned())));
    let by_grade = count(&|f| {
        let g = Grade::parse(f.grade.as_deref()?)?;
        Some((g.as_str().to_owned(), g.label_zh().to_owned()))
    });
    let by_status = count(&|f| {
        let s = HazardStatus::parse(&f.status)?;
        Some((s.as_str().to_owned(), s.label_zh().to_owned()))
    });
    let mut days: Vec<f64> = facts
        .iter()
        .filter(|f| f.status == HazardStatus::Closed.as_str())
        .filter_map(|f| Some(days_between(f.created_at, f.closed_at?)))
        .collect();
    days.sort_by(f64::total_cmp);
    let median = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(days[n / 2]),
        n => Some((days[n / 2 - 1] + days[n / 2]) / 2.0),
    };
    let overdue = facts
        .iter()
        .filter(|f| {
            HazardStatus::parse(&f.status).is_some_and(HazardStatus::with_unit) && f.deadline.is_some_and(|d| d < today)
        })
        .count();
    Ok(Stats {
        total: i64::try_from(facts.len()).unwrap_or(i64::MAX),
        by_category,
        by_grade,
        by_status,
        closed: i64::try_from(days.len()).unwrap_or(i64::MAX),
        median_days_to_close: median.map(|d| (d * 10.0).round() / 10.0),
        overdue: i64::try_from(overdue).unwrap_or(i64::MAX),
    })
}

fn days_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_minutes() as f64 / 1440.0
}

/// An exposed case as the public board shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exposed {
    pub category_name: String,
    pub location: String,
    pub text: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub town: String,
}

/// The public board: exposed cases, the live red/black list, the figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Board {
    pub exposed: Vec<Exposed>,
    pub red: Vec<ListEntry>,
    pub black: Vec<ListEntry>,
    pub stats: Stats,
}

pub async fn public_board(app: &App) -> Result<Board> {
    let mut towns = std::collections::HashMap::new();
    let mut exposed = Vec::new();
    for c in store::hazards::exposed(&app.db, 50).await? {
        if let std::collections::hash_map::Entry::Vacant(slot) = towns.entry(c.authority_id) {
            slot.insert(store::units::get(&app.db, c.authority_id).await?.map(|u| u.name).unwrap_or_default());
        }
        exposed.push(Exposed {
            category_name: hazards::category_name(&c.category).unwrap_or("其他").to_owned(),
            location: c.location.clone(),
            text: c.public_text.clone().unwrap_or_default(),
            closed_at: c.closed_at,
            town: towns.get(&c.authority_id).cloned().unwrap_or_default(),
        });
    }
    let live = store::hazards::entries(&app.db, None, Some(crate::work::today(app))).await?;
    let (red, black) = live.into_iter().partition(|e| e.list == "red");
    Ok(Board { exposed, red, black, stats: stats(app, "/").await? })
}
