//! The demo town: 重庆市永川区 → 青峰镇 with its community and five villages (public facts), sample
//! departments and enterprises (invented, marked as samples), and one account per role.

use domain::units::UnitInput;
use domain::{Role, UnitKind};
use serde_json::json;
use store::users::UserRow;
use uuid::Uuid;

use crate::auth::{Actor, hash_password, record, record_in};
use crate::{App, Error, Result};

/// The password of every demo account. A demo is for trying the product, never for real data.
pub const DEMO_PASSWORD: &str = "Anjian-demo-2026";

struct DemoUnit {
    name: &'static str,
    kind: UnitKind,
    code: &'static str,
    industry: &'static str,
    contact: (&'static str, &'static str),
    sample: bool,
}

const fn unit(name: &'static str, kind: UnitKind, sample: bool) -> DemoUnit {
    DemoUnit { name, kind, code: "", industry: "", contact: ("", ""), sample }
}

/// Village-level units of 青峰镇 (public, 2021). Their statistical codes are not known, so none
/// are invented.
const QINGFENG: [DemoUnit; 6] = [
    unit("青峰场社区", UnitKind::Community, false),
    unit("胡豆坪村", UnitKind::Village, false),
    unit("佛岩寺村", UnitKind::Village, false),
    unit("凌阁堂村", UnitKind::Village, false),
    unit("牌坊坝村", UnitKind::Village, false),
    unit("莲花石村", UnitKind::Village, false),
];

/// Invented departments, schools and enterprises, named as samples.
const SAMPLES: [DemoUnit; 11] = [
    DemoUnit {
        contact: ("邓示例", "023-49626010"), ..unit("青峰镇应急办（示例）", UnitKind::Department, true)
    },
    unit("青峰镇安监站（示例）", UnitKind::Department, true),
    unit("青峰派出所（示例）", UnitKind::Department, true),
    unit("青峰市场监督管理所（示例）", UnitKind::Department, true),
    unit("青峰镇城建办（示例）", UnitKind::Department, true),
    unit("青峰镇中心学校（示例）", UnitKind::School, true),
    unit("青峰镇卫生院（示例）", UnitKind::Institution, true),
    DemoUnit {
        industry: "工贸",
        contact: ("王示例", "13800138001"),
        ..unit("青峰示例建材有限公司", UnitKind::Enterprise, true)
    },
    DemoUnit { industry: "危险化学品", ..unit("青峰示例加油站", UnitKind::Enterprise, true) },
    DemoUnit { industry: "城镇燃气", ..unit("青峰示例燃气供应站", UnitKind::Enterprise, true) },
    DemoUnit { industry: "建筑施工", ..unit("青峰示例建筑工程有限公司", UnitKind::Enterprise, true) },
];

/// One demo login: user name, role, where it belongs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoLogin {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub belongs_to: &'static str,
}

pub const LOGINS: [DemoLogin; 7] = [
    DemoLogin { username: "qf.admin", display_name: "青峰管理员", role: Role::Admin, belongs_to: "青峰镇" },
    DemoLogin {
        username: "qf.organiser", display_name: "青峰组织员", role: Role::Organiser, belongs_to: "青峰镇"
    },
    DemoLogin {
        username: "qf.reviewer", display_name: "青峰审核员", role: Role::Reviewer, belongs_to: "青峰镇"
    },
    DemoLogin {
        username: "qf.liaison", display_name: "胡豆坪村联络员", role: Role::Liaison, belongs_to: "胡豆坪村"
    },
    DemoLogin {
        username: "qf.custodian", display_name: "青峰保管员", role: Role::Custodian, belongs_to: "青峰镇"
    },
    DemoLogin { username: "qf.auditor", display_name: "青峰审计员", role: Role::Auditor, belongs_to: "青峰镇" },
    DemoLogin {
        username: "yc.supervisor",
        display_name: "永川区督导员",
        role: Role::Reviewer,
        belongs_to: "重庆市永川区",
    },
];

/// Whether `load` created the town or found it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    AlreadyPresent,
}

fn input(u: &DemoUnit) -> UnitInput {
    UnitInput {
        name: u.name.into(),
        kind: u.kind.as_str().into(),
        code: u.code.into(),
        industry: u.industry.into(),
        contact_name: u.contact.0.into(),
        contact_phone: u.contact.1.into(),
        address: String::new(),
        is_sample: u.sample,
    }
}

/// Loads the demo town in one transaction; a second run changes nothing.
pub async fn load(app: &App) -> Result<Outcome> {
    let mut tx = app.db.begin().await?;
    if store::units::find_by_code(&mut tx, "500118", None).await?.is_some() {
        // Only a database the demo itself filled counts as "already there".
        return if store::users::username_taken(&mut tx, LOGINS[0].username).await? {
            Ok(Outcome::AlreadyPresent)
        } else {
            Err(Error::Conflict {
                code: "not_a_demo_database",
                message:
                    "数据库里已有代码为500118的区县，但不是演示数据；演示只能载入空库或演示库（换一个 ANJIAN_DATA_DIR）"
                        .into(),
            })
        };
    }
    let now = store::now();
    let add = async |tx: &mut store::Tx,
                     u: &DemoUnit,
                     parent: Option<&store::units::UnitRow>|
           -> Result<store::units::UnitRow> {
        let fields = input(u).parse().map_err(Error::Invalid)?;
        let row = crate::units::row_from(&fields, Uuid::now_v7(), parent, now);
        store::units::insert(tx, &row).await?;
        Ok(row)
    };
    let district =
        add(&mut tx, &DemoUnit { code: "500118", ..unit("重庆市永川区", UnitKind::District, false) }, None).await?;
    let town =
        add(&mut tx, &DemoUnit { code: "500118100", ..unit("青峰镇", UnitKind::Town, false) }, Some(&district)).await?;
    let laisu = add(&mut tx, &unit("来苏镇", UnitKind::Town, false), Some(&district)).await?;
    let mut village = None;
    for u in QINGFENG.iter().chain(SAMPLES.iter()) {
        let row = add(&mut tx, u, Some(&town)).await?;
        if u.name == "胡豆坪村" {
            village = Some(row);
        }
    }
    add(&mut tx, &unit("来苏镇应急办（示例）", UnitKind::Department, true), Some(&laisu)).await?;
    let village = village.ok_or_else(|| Error::Internal("demo village missing".into()))?;
    let system = Actor::system(district.id, district.path.clone());
    record(
        &mut tx,
        &system,
        "demo.load",
        "unit",
        Some(district.id),
        json!({ "district": district.name, "towns": [town.name, laisu.name] }),
    )
    .await?;
    let hash = hash_password(app, DEMO_PASSWORD).await?;
    for login in &LOGINS {
        let (authority, unit_id) = match login.belongs_to {
            "重庆市永川区" => (&district, None),
            "胡豆坪村" => (&town, Some(village.id)),
            _ => (&town, None),
        };
        let user = UserRow {
            id: Uuid::now_v7(),
            username: login.username.into(),
            display_name: login.display_name.into(),
            password_hash: hash.clone(),
            role: login.role.as_str().into(),
            authority_id: authority.id,
            unit_id,
            phone: None,
            active: true,
            must_change_password: false,
            created_at: now,
            updated_at: now,
        };
        store::users::insert(&mut tx, &user).await?;
        record_in(
            &mut tx,
            &system,
            &authority.path,
            "user.create",
            "user",
            Some(user.id),
            json!({ "username": user.username, "role": user.role, "authority": authority.name, "demo": true }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Outcome::Created)
}

/// The real notice the product was built from (2021 安全生产月).
const SEED_NOTICE: &str = include_str!("../../notice/tests/corpus/seed.txt");

/// Publishes the seed notice as this year's campaign of 青峰镇 — the year moved so that its plan is still
/// due — sent to the units its 主送 line names. Returns the campaign's title.
pub async fn load_campaign(app: &App) -> Result<String> {
    let town = store::units::find_by_code_or_name(&app.db, "500118100").await?.ok_or(Error::NotFound)?;
    let today = crate::work::today(app);
    let plan_due = chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 5, 31).unwrap_or(today);
    let year = chrono::Datelike::year(&today) + i32::from(today > plan_due);
    let text = SEED_NOTICE.replace("2021", &year.to_string());
    let organiser = Actor { role: Role::Organiser, ..Actor::system(town.id, town.path.clone()) };
    let id = crate::campaigns::create_from_notice(app, &organiser, &text, None).await?;
    crate::campaigns::publish(app, &organiser, id).await?;
    Ok(crate::campaigns::get_campaign(app, &organiser, id).await?.title)
}
