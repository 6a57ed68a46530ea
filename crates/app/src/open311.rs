//! Open311 GeoReport v2 over the same cases: the categories as services, reports filed by keyed clients,
//! and what the public may read of a case — its status, dates and the words staff wrote for it, never
//! the report's own text, its files, or anything about who reported.

use chrono::{DateTime, NaiveDate, Utc};
use domain::hazards::{self, HazardStatus, ReportInput};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::json;
use store::hazards::CaseRow;
use uuid::Uuid;

use crate::auth::{Actor, record_in};
use crate::reports::{NewReport, Receipt, Source};
use crate::{App, Error, Result};

/// A service (category) as Open311 lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Service {
    pub service_code: &'static str,
    pub service_name: &'static str,
    pub description: String,
    pub metadata: bool,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub keywords: String,
    pub group: &'static str,
}

pub fn services() -> Vec<Service> {
    hazards::CATEGORIES
        .iter()
        .map(|(code, name)| Service {
            service_code: code,
            service_name: name,
            description: format!("{name}领域的安全隐患或违法违规行为"),
            metadata: true,
            kind: "realtime",
            keywords: format!("{name},隐患,举报"),
            group: "安全生产",
        })
        .collect()
}

/// The attributes every service takes beyond the standard fields.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Attribute {
    pub variable: bool,
    pub code: &'static str,
    pub datatype: &'static str,
    pub required: bool,
    pub datatype_description: &'static str,
    pub order: u32,
    pub description: &'static str,
    pub values: Vec<(&'static str, &'static str)>,
}

pub fn attributes(code: &str) -> Option<Vec<Attribute>> {
    hazards::category_name(code)?;
    Some(vec![
        Attribute {
            variable: true,
            code: "subject",
            datatype: "string",
            required: false,
            datatype_description: "单位名称",
            order: 1,
            description: "涉及的企业或单位（如知道）",
            values: Vec::new(),
        },
        Attribute {
            variable: true,
            code: "ongoing",
            datatype: "singlevaluelist",
            required: false,
            datatype_description: "",
            order: 2,
            description: "隐患现在是否仍然存在",
            values: vec![("yes", "仍然存在"), ("no", "已经消除"), ("unknown", "不清楚")],
        },
    ])
}

/// A case as the public may read it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicRequest {
    pub service_request_id: Uuid,
    /// `open` or `closed`.
    pub status: &'static str,
    /// The richer state, and (for a case staff exposed) the reply.
    pub status_notes: String,
    pub service_name: &'static str,
    pub service_code: String,
    /// Staff's words for the public (an exposed case), else the category: never the report as written.
    pub description: String,
    pub agency_responsible: String,
    pub service_notice: String,
    pub requested_datetime: DateTime<Utc>,
    pub updated_datetime: DateTime<Utc>,
    pub expected_datetime: Option<DateTime<Utc>>,
    /// Only for a case staff exposed on the public board.
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
}

fn public(c: &CaseRow, town: &str, offset: chrono::FixedOffset) -> PublicRequest {
    let status = HazardStatus::parse(&c.status).unwrap_or(HazardStatus::Received);
    let exposed = c.exposed_at.is_some();
    let mut notes = format!("{}（{}）", status.label_zh(), status.as_str());
    // The reply is written for the reporter, who reads it with the code; the public reads it only once
    // staff chose to expose the case.
    if let Some(r) = c.reply.as_deref().filter(|_| status.is_final() && exposed) {
        notes.push('：');
        notes.push_str(r);
    }
    let name = hazards::category_name(&c.category).unwrap_or("其他");
    PublicRequest {
        service_request_id: c.id,
        status: if status.is_final() { "closed" } else { "open" },
        status_notes: notes,
        service_name: name,
        service_code: c.category.clone(),
        description: c.public_text.clone().filter(|_| exposed).unwrap_or_else(|| format!("{name}隐患举报")),
        agency_responsible: town.to_owned(),
        service_notice: "举报人身份保密；凭查询码可在举报页面查看办理进度".into(),
        requested_datetime: c.created_at,
        updated_datetime: c.updated_at,
        expected_datetime: c.deadline.filter(|_| status.with_unit()).and_then(|d| end_of_day(d, offset)),
        address: exposed.then(|| c.location.clone()),
        lat: c.lat.filter(|_| exposed),
        long: c.lon.filter(|_| exposed),
    }
}

fn end_of_day(d: NaiveDate, offset: chrono::FixedOffset) -> Option<DateTime<Utc>> {
    d.and_hms_opt(23, 59, 59)?.and_local_timezone(offset).single().map(|t| t.with_timezone(&Utc))
}

/// What a `GET requests` asks for.
#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    pub ids: Vec<Uuid>,
    pub service_code: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// `open`, `closed` or both.
    pub open: Option<bool>,
    pub jurisdiction: Option<Uuid>,
    pub limit: i64,
}

/// The cases the public may list: filed through the public channel, or exposed by staff.
pub async fn requests(app: &App, q: &RequestQuery) -> Result<Vec<PublicRequest>> {
    let offset = app.config.offset();
    let rows = if q.ids.is_empty() {
        store::hazards::public_cases(
            &app.db,
            &store::hazards::PublicQuery {
                category: q.service_code.clone(),
                start: q.start,
                end: q.end,
                open: q.open,
                authority: q.jurisdiction,
                limit: q.limit.clamp(1, 1000),
            },
        )
        .await?
    } else {
        let mut rows = Vec::new();
        for id in q.ids.iter().take(100) {
            if let Some(c) = store::hazards::get(&app.db, *id).await?
                && listed(&c)
            {
                rows.push(c);
            }
        }
        rows
    };
    let mut towns = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for c in &rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = towns.entry(c.authority_id) {
            slot.insert(store::units::get(&app.db, c.authority_id).await?.map(|u| u.name).unwrap_or_default());
        }
        out.push(public(c, towns.get(&c.authority_id).map_or("", String::as_str), offset));
    }
    Ok(out)
}

fn listed(c: &CaseRow) -> bool {
    c.channel == "public" || c.exposed_at.is_some()
}

/// One case, if the public may read it.
pub async fn request(app: &App, id: Uuid) -> Result<PublicRequest> {
    let c = store::hazards::get(&app.db, id).await?.filter(listed).ok_or(Error::NotFound)?;
    let town = store::units::get(&app.db, c.authority_id).await?.map(|u| u.name).unwrap_or_default();
    Ok(public(&c, &town, app.config.offset()))
}

/// A report from an Open311 client.
#[derive(Debug, Clone, Default)]
pub struct Post {
    pub api_key: String,
    pub jurisdiction: Option<String>,
    pub service_code: String,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address: String,
    pub description: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: String,
    pub attributes: Vec<(String, String)>,
}

/// Client keys are kept as their SHA-256.
fn key_hash(key: &str) -> String {
    crate::reports::receipt_hash(key)
}

/// Files a report for a keyed client. A client without a key, or with a key not on record, is
/// refused (403); a report without a location is refused (400) like any bad field.
pub async fn post_request(app: &App, client_ip: &str, p: Post) -> Result<Receipt> {
    let key = p.api_key.trim();
    if key.is_empty() {
        return Err(Error::Forbidden);
    }
    let town = store::hazards::open311_client(&app.db, &key_hash(key)).await?.ok_or(Error::Forbidden)?;
    if let Some(j) = p.jurisdiction.as_deref().map(str::trim).filter(|j| !j.is_empty())
        && j != town.to_string()
    {
        return Err(Error::invalid("jurisdiction_id", "invalid", "jurisdiction_id does not match the api_key"));
    }
    let mut description = p.description.clone();
    for (k, v) in &p.attributes {
        let v = v.trim();
        match k.as_str() {
            "subject" if !v.is_empty() => description.push_str(&format!("\n涉及单位：{v}")),
            "ongoing" if !v.is_empty() => description.push_str(&format!("\n隐患现状：{v}")),
            _ => {}
        }
    }
    let name = format!("{}{}", p.last_name.trim(), p.first_name.trim());
    let input = ReportInput {
        category: p.service_code,
        description,
        location: p.address,
        lat: p.lat,
        lon: p.long,
        anonymous: name.is_empty() && p.phone.trim().is_empty() && p.email.trim().is_empty(),
        name,
        phone: p.phone,
        email: p.email,
    };
    let report = NewReport { source: Source::Public { town }, input, files: Vec::new() };
    crate::reports::file_report(app, None, Some(client_ip), report).await
}

/// One step of a case the public may read, for the `servicerequestupdates` feed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Update {
    pub update_id: Uuid,
    pub service_request_id: Uuid,
    pub status: &'static str,
    pub updated_datetime: DateTime<Utc>,
    /// What the reporter was told at this step.
    pub description: String,
}

pub async fn updates(app: &App, start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Result<Vec<Update>> {
    let end = end.unwrap_or_else(store::now);
    let start = start.unwrap_or(end - chrono::Duration::days(1));
    Ok(store::hazards::public_updates(&app.db, start, end)
        .await?
        .into_iter()
        .map(|e| {
            let s = HazardStatus::parse(&e.status).unwrap_or(HazardStatus::Received);
            Update {
                update_id: e.id,
                service_request_id: e.case_id,
                status: if s.is_final() { "closed" } else { "open" },
                updated_datetime: e.at,
                // Until staff expose the case, the state in words, as status_notes says it.
                description: e.note.unwrap_or_else(|| format!("{}（{}）", s.label_zh(), s.as_str())),
            }
        })
        .collect())
}

/// Makes an Open311 client key for a town (shown once; only its hash is kept). The installation's
/// administrator does this from the command line.
pub async fn create_key(app: &App, actor: &Actor, town: Uuid, name: &str) -> Result<String> {
    if !actor.role.manages_accounts() {
        return Err(Error::Forbidden);
    }
    let t = store::units::get(&app.db, town).await?.filter(|u| u.kind == "town").ok_or(Error::NotFound)?;
    if !actor.sees(&t.path) {
        return Err(Error::NotFound);
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Error::invalid("name", "invalid", "请填写客户端名称（60 字以内）"));
    }
    let mut random = [0u8; 24];
    SystemRandom::new().fill(&mut random).map_err(|_| Error::Internal("no system randomness".into()))?;
    let key = format!("o311_{}", hex::encode(random));
    let mut tx = app.db.begin().await?;
    store::hazards::insert_open311_client(&mut tx, Uuid::now_v7(), t.id, name, &key_hash(&key), store::now()).await?;
    record_in(&mut tx, actor, &t.path, "open311.key", "unit", Some(t.id), json!({ "client": name })).await?;
    tx.commit().await?;
    Ok(key)
}
