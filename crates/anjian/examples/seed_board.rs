//! Seeds a database for bench/board.sh: the demo town, N enterprises under 青峰镇, the seed notice
//! published to them with a third deliverable (3 tasks a unit), half the tasks handed in (a third of
//! those accepted), and M activity records spread over the units and tracks. Prints the campaign id.
//!
//!   ANJIAN_DATA_DIR=… [ANJIAN_DATABASE_URL=postgres://…] seed_board UNITS RECORDS
//!
//! Bulk rows go straight through `store` in a few transactions (the app's one-row-per-request paths
//! would take an hour at 10,000 units); the campaign itself is created and published by the app.

#![allow(clippy::print_stdout, reason = "prints the campaign id for the script")]

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use app::auth::Actor;
use domain::{Role, UnitKind};
use uuid::Uuid;

const SEED: &str = include_str!("../../notice/tests/corpus/seed.txt");

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(units), Some(records)) =
        (args.get(1).and_then(|s| s.parse::<usize>().ok()), args.get(2).and_then(|s| s.parse::<usize>().ok()))
    else {
        return Err(anyhow!("usage: seed_board UNITS RECORDS"));
    };
    let config = app::Config {
        data_dir: PathBuf::from(std::env::var("ANJIAN_DATA_DIR").context("ANJIAN_DATA_DIR is required")?),
        database_url: std::env::var("ANJIAN_DATABASE_URL").unwrap_or_default(),
        ..app::Config::default()
    };
    let app = app::App::open(config).await.map_err(|e| anyhow!(e))?;
    app::demo::load(&app).await?;
    let town = store::units::find_by_code_or_name(&app.db, "500118100").await?.context("no demo town")?;
    let organiser = Actor { role: Role::Organiser, ..Actor::system(town.id, town.path.clone()) };

    // N enterprises under the town, in one transaction.
    let now = store::now();
    let mut tx = app.db.begin().await?;
    for i in 0..units {
        let input = domain::units::UnitInput {
            name: format!("基准企业{i:06}"),
            kind: UnitKind::Enterprise.as_str().into(),
            industry: "工贸".into(),
            ..Default::default()
        };
        let fields = input.parse().map_err(|e| anyhow!("{e:?}"))?;
        store::units::insert(&mut tx, &app::units::row_from(&fields, Uuid::now_v7(), Some(&town), now)).await?;
    }
    tx.commit().await?;

    // The seed notice, a third deliverable, every enterprise as a recipient, published.
    let id = app::campaigns::create_from_notice(&app, &organiser, SEED, None).await?;
    let mut tx = app.db.begin().await?;
    let third = store::campaigns::DeliverableRow {
        id: Uuid::now_v7(),
        campaign_id: id,
        position: 2,
        name: "活动影像资料".into(),
        kind: "materials".into(),
        due_on: chrono::NaiveDate::from_ymd_opt(2021, 6, 30).context("date")?,
        unit_kinds: "enterprise,village,community,department,institution,school".into(),
    };
    store::campaigns::upsert_deliverable(&mut tx, &third).await?;
    tx.commit().await?;
    let (enterprises, _) = store::units::list(
        &app.db,
        &store::units::UnitQuery {
            scope: town.path.clone(),
            town: true,
            kind: Some("enterprise".into()),
            limit: i64::MAX,
            ..Default::default()
        },
    )
    .await?;
    let ids: Vec<String> = enterprises.iter().map(|u| u.id.to_string()).collect();
    app::campaigns::set_recipients(&app, &organiser, id, &ids).await.map_err(|e| match e {
        app::Error::Invalid(f) => anyhow!("{f:?}"),
        e => anyhow!(e),
    })?;
    app::campaigns::publish(&app, &organiser, id).await?;

    // Half the tasks handed in; a third of those accepted.
    let tasks = store::campaigns::tasks(&app.db, id).await?;
    let mut tx = app.db.begin().await?;
    for (i, t) in tasks.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        let accepted = i % 3 == 0;
        let s = store::work::SubmissionRow {
            id: Uuid::now_v7(),
            task_id: t.id,
            campaign_id: id,
            unit_id: t.unit_id,
            version: 1,
            body: "基准报送".into(),
            status: if accepted { "accepted" } else { "submitted" }.into(),
            late: i % 5 == 0,
            client_key: Uuid::now_v7().to_string(),
            submitted_by: None,
            submitted_at: now,
            withdrawn_at: None,
            reviewer_id: None,
            review_started_at: None,
            decided_at: accepted.then_some(now),
            review_comment: None,
            rating: accepted.then_some(4),
            exemplary: i % 7 == 0,
        };
        store::work::insert_submission(&mut tx, &s).await?;
        store::work::set_task_status(&mut tx, t.id, &s.status, now).await?;
    }
    tx.commit().await?;

    // M records over the units and tracks.
    let campaign = store::campaigns::get(&app.db, id).await?.context("campaign")?;
    let tracks = store::campaigns::tracks(&app.db, id).await?;
    let mut tx = app.db.begin().await?;
    for i in 0..records {
        let unit = &enterprises[i % enterprises.len().max(1)];
        let track = &tracks[i % tracks.len().max(1)];
        let a = store::activities::ActivityRow {
            id: Uuid::now_v7(),
            campaign_id: campaign.id,
            track_id: track.id,
            unit_id: unit.id,
            occurred_on: chrono::NaiveDate::from_ymd_opt(2021, 6, 1 + (i % 30) as u32).context("date")?,
            place: "厂区".into(),
            form: "专题会议".into(),
            participants: (i % 90) as i32 + 10,
            materials: (i % 40) as i32,
            description: String::new(),
            extra: "{}".into(),
            client_key: Uuid::now_v7().to_string(),
            created_by: None,
            created_at: now,
        };
        store::activities::insert(&mut tx, &a).await?;
        if i % 5000 == 4999 {
            tx.commit().await?;
            tx = app.db.begin().await?;
        }
    }
    tx.commit().await?;
    println!("{id}");
    Ok(())
}
