//! Cases staff and enterprises enter themselves: a 12350 call typed in by the clerk, a hazard found on an
//! inspection (taken up at once), and an enterprise's self-check (隐患大扫除), given to the enterprise
//! itself to fix by a date.

use domain::Role;
use domain::hazards::{self, Channel, HazardStatus, ReportInput};
use serde_json::json;
use store::hazards::CaseRow;
use uuid::Uuid;

use crate::auth::{Actor, record_in};
use crate::reports::event;
use crate::{App, Error, Result};

/// Staff's own entries: a hazard found on an inspection (taken up at once), or an enterprise's
/// self-check (隐患大扫除) by its liaison — given to the enterprise itself to fix by a date.
#[derive(Debug, Clone)]
pub struct OwnEntry {
    /// `Inspection` or `SelfCheck`.
    pub channel: Channel,
    pub input: ReportInput,
    /// Inspection: the unit the hazard is at (optional). Self-check: ignored (the liaison's unit).
    pub unit: String,
    pub grade: String,
    pub deadline: String,
}

pub async fn record_own(app: &App, actor: &Actor, entry: OwnEntry) -> Result<Uuid> {
    let (channel, town, unit) = match (entry.channel, actor.role) {
        (Channel::SelfCheck, Role::Liaison) => {
            let unit =
                store::units::get(&app.db, actor.unit_id.ok_or(Error::Forbidden)?).await?.ok_or(Error::NotFound)?;
            if unit.kind != "enterprise" {
                return Err(Error::Forbidden);
            }
            (Channel::SelfCheck, actor.authority_id, Some(unit))
        }
        (Channel::Inspection, r) if r.handles_hazards() && actor.authority_is_town => {
            let unit = match entry.unit.trim() {
                "" => None,
                u => {
                    let id = Uuid::parse_str(u).map_err(|_| Error::invalid("unit", "invalid", "请选择单位"))?;
                    Some(
                        store::units::get(&app.db, id)
                            .await?
                            .filter(|x| x.active && x.scope_path == actor.scope && x.id != actor.authority_id)
                            .ok_or_else(|| Error::invalid("unit", "invalid", "请选择本镇的单位"))?,
                    )
                }
            };
            (Channel::Inspection, actor.authority_id, unit)
        }
        _ => return Err(Error::Forbidden),
    };
    let town = store::units::get(&app.db, town).await?.filter(|t| t.kind == "town").ok_or(Error::Forbidden)?;
    let mut input = entry.input.clone();
    input.anonymous = true;
    let parsed = input.parse().map_err(Error::Invalid)?;
    let today = crate::work::today(app);
    let assignment = if channel == Channel::SelfCheck {
        Some(
            hazards::parse_assignment(&entry.grade, &entry.deadline, &parsed.description, today)
                .map_err(Error::Invalid)?,
        )
    } else {
        None
    };
    let now = store::now();
    let status = if assignment.is_some() { HazardStatus::Assigned } else { HazardStatus::Accepted };
    let case = CaseRow {
        id: Uuid::now_v7(),
        authority_id: town.id,
        channel: channel.as_str().to_owned(),
        category: parsed.category.to_owned(),
        description: parsed.description.clone(),
        location: parsed.location,
        lat: parsed.point.map(|p| p.0),
        lon: parsed.point.map(|p| p.1),
        status: status.as_str().to_owned(),
        grade: assignment.as_ref().map(|a| a.grade.as_str().to_owned()),
        summary: assignment.as_ref().map(|a| a.summary.clone()),
        unit_id: assignment.as_ref().and(unit.as_ref().map(|u| u.id)),
        deadline: assignment.as_ref().map(|a| a.deadline),
        subject_unit_id: unit.as_ref().map(|u| u.id),
        reply: None,
        merged_into: None,
        receipt_hash: None,
        anonymous: true,
        escalated_at: None,
        exposed_at: None,
        public_text: None,
        fine_fen: None,
        reward_fen: None,
        reward_confirmed_at: None,
        reward_claimed_at: None,
        created_by: actor.user_id,
        created_at: now,
        updated_at: now,
        closed_at: None,
    };
    let mut tx = app.db.begin().await?;
    store::hazards::insert(&mut tx, &case).await?;
    event(&mut tx, &case, channel.as_str(), None, None, actor.user_id, now).await?;
    record_in(
        &mut tx,
        actor,
        &town.path,
        "hazard.record",
        "hazard_case",
        Some(case.id),
        json!({ "channel": channel.as_str(), "category": case.category, "unit": unit.as_ref().map(|u| &u.name) }),
    )
    .await?;
    tx.commit().await?;
    Ok(case.id)
}

/// A 12350 call typed in by staff: a report with a receipt code the clerk reads out to the caller.
pub async fn record_call(app: &App, actor: &Actor, input: ReportInput) -> Result<crate::reports::Receipt> {
    crate::reports::file_report(
        app,
        Some(actor),
        None,
        crate::reports::NewReport {
            source: crate::reports::Source::Hotline,
            input: crate::reports::hotline_input(input),
            files: Vec::new(),
        },
    )
    .await
}
