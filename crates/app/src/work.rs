//! A unit's work across campaigns: what it owes and by when, signing for each notice (签收) and naming the
//! unit's contact person for it (专人); and, for staff, who has signed and whom each unit named.

use chrono::NaiveDate;
use domain::Role;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::{Actor, record_in};
use crate::{App, Error, Result};

/// One task of the unit, with how many days are left (negative: days late).
#[derive(Debug, Clone, Serialize)]
pub struct Due {
    pub task_id: Uuid,
    pub deliverable: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub days_left: i64,
}

/// One campaign sent to the unit: the receipt and the tasks.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignWork {
    pub campaign_id: Uuid,
    pub title: String,
    pub status: String,
    pub signed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub tasks: Vec<Due>,
}

/// Today where the town is (the configured offset), for countdowns.
/// The local date of a moment.
pub fn local_date(app: &App, at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    at.with_timezone(&app.config.offset()).date_naive()
}

pub fn today(app: &App) -> NaiveDate {
    store::now().with_timezone(&app.config.offset()).date_naive()
}

fn liaison_unit(actor: &Actor) -> Result<Uuid> {
    match (actor.role, actor.unit_id) {
        (Role::Liaison, Some(unit)) => Ok(unit),
        _ => Err(Error::Forbidden),
    }
}

/// Everything the caller's unit owes, newest campaign first, each campaign's tasks soonest first.
pub async fn my_work(app: &App, actor: &Actor) -> Result<Vec<CampaignWork>> {
    let unit = liaison_unit(actor)?;
    let today = today(app);
    let tasks = store::campaigns::unit_tasks(&app.db, unit).await?;
    Ok(store::campaigns::unit_campaigns(&app.db, unit)
        .await?
        .into_iter()
        .map(|c| CampaignWork {
            tasks: tasks
                .iter()
                .filter(|t| t.campaign_id == c.id)
                .map(|t| Due {
                    task_id: t.id,
                    deliverable: t.deliverable.clone(),
                    due_on: t.due_on,
                    status: t.status.clone(),
                    days_left: (t.due_on - today).num_days(),
                })
                .collect(),
            campaign_id: c.id,
            title: c.title,
            status: c.status,
            signed_at: c.signed_at,
            contact_name: c.contact_name,
            contact_phone: c.contact_phone,
        })
        .collect())
}

/// The campaign, if it was sent to the caller's unit and is still running.
async fn received(app: &App, actor: &Actor, campaign: Uuid) -> Result<(Uuid, store::campaigns::CampaignRow)> {
    let unit = liaison_unit(actor)?;
    let row = store::campaigns::get(&app.db, campaign).await?.ok_or(Error::NotFound)?;
    let sent = row.status != "draft" && store::campaigns::is_recipient(&app.db, campaign, unit).await?;
    if !sent {
        return Err(Error::NotFound);
    }
    if row.status == "closed" {
        return Err(Error::Conflict { code: "campaign_closed", message: "活动已结束".into() });
    }
    Ok((unit, row))
}

/// 签收: the unit has the notice. Signing again changes nothing.
pub async fn sign_receipt(app: &App, actor: &Actor, campaign: Uuid) -> Result<()> {
    let (unit, row) = received(app, actor, campaign).await?;
    let mut tx = app.db.begin().await?;
    if store::campaigns::sign(&mut tx, campaign, unit, actor.user_id, store::now()).await? {
        record_in(
            &mut tx,
            actor,
            &row.scope,
            "campaign.sign",
            "campaign",
            Some(campaign),
            json!({ "title": row.title }),
        )
        .await?;
    }
    tx.commit().await?;
    app.boards.forget(campaign);
    Ok(())
}

/// 专人: the unit's contact person for this campaign.
pub async fn name_contact(app: &App, actor: &Actor, campaign: Uuid, name: &str, phone: &str) -> Result<()> {
    let (unit, row) = received(app, actor, campaign).await?;
    let name = domain::text::clean(name);
    let mut errors = Vec::new();
    if name.is_empty() || domain::text::char_len(&name) > 20 {
        errors.push(domain::FieldError::new("contact_name", "invalid", "请填写专人姓名（不超过20字）"));
    }
    let phone = domain::units::parse_phone(phone);
    if phone.is_none() {
        errors.push(domain::FieldError::new(
            "contact_phone",
            "invalid",
            "请填写手机号（11位）或固定电话（如 023-49626010）",
        ));
    }
    let Some(phone) = phone.filter(|_| errors.is_empty()) else { return Err(Error::Invalid(errors)) };
    let mut tx = app.db.begin().await?;
    store::campaigns::set_contact(&mut tx, campaign, unit, &name, &phone, store::now()).await?;
    record_in(
        &mut tx,
        actor,
        &row.scope,
        "campaign.contact",
        "campaign",
        Some(campaign),
        json!({ "title": row.title, "contact_name": name, "contact_phone": phone }),
    )
    .await?;
    tx.commit().await?;
    app.boards.forget(campaign);
    Ok(())
}

/// One recipient unit's receipt, as the campaign's staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub unit_id: Uuid,
    pub unit_name: String,
    pub unit_kind: String,
    pub signed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// Who has signed and whom each unit named, for staff who may see the campaign.
pub async fn receipts(app: &App, actor: &Actor, campaign: Uuid) -> Result<Vec<Receipt>> {
    if actor.role == Role::Liaison {
        return Err(Error::Forbidden);
    }
    let c = crate::campaigns::get_campaign(app, actor, campaign).await?;
    let rows = store::campaigns::receipts(&app.db, campaign).await?;
    Ok(c.recipients
        .into_iter()
        .map(|r| {
            let got = rows.iter().find(|x| x.unit_id == r.id).cloned().unwrap_or_default();
            Receipt {
                unit_id: r.id,
                unit_name: r.name,
                unit_kind: r.kind,
                signed_at: got.signed_at,
                contact_name: got.contact_name,
                contact_phone: got.contact_phone,
            }
        })
        .collect())
}
