//! Seeds a database for bench/reports.sh: the demo town and N public hazard reports filed through the app
//! (every one with its case, timeline event, audit row; every tenth named, so its identity is sealed).
//! Prints the town's id.
//!
//!   ANJIAN_DATA_DIR=… [ANJIAN_DATABASE_URL=postgres://…] seed_reports N

#![allow(clippy::print_stdout, reason = "prints the town id for the script")]

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use app::reports::{NewReport, Source};
use domain::hazards::{CATEGORIES, ReportInput};

#[tokio::main]
async fn main() -> Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).context("usage: seed_reports N")?;
    let config = app::Config {
        data_dir: PathBuf::from(std::env::var("ANJIAN_DATA_DIR").context("ANJIAN_DATA_DIR is required")?),
        database_url: std::env::var("ANJIAN_DATABASE_URL").unwrap_or_default(),
        reports_per_hour: 0,
        ..app::Config::default()
    };
    let app = app::App::open(config).await.map_err(|e| anyhow!(e))?;
    app::demo::load(&app).await?;
    let town = store::units::find_by_code_or_name(&app.db, "500118100").await?.context("no demo town")?;
    for i in 0..n {
        let named = i % 10 == 0;
        let input = ReportInput {
            category: CATEGORIES[i % CATEGORIES.len()].0.into(),
            description: format!("基准举报 {i}：仓库消防通道被货物堵塞，灭火器过期"),
            location: format!("青峰场社区 {} 号", i % 500),
            anonymous: !named,
            name: if named { "基准举报人".into() } else { String::new() },
            phone: if named { "13900000000".into() } else { String::new() },
            ..ReportInput::default()
        };
        let report = NewReport { source: Source::Public { town: town.id }, input, files: Vec::new() };
        app::reports::file_report(&app, None, None, report).await.map_err(|e| anyhow!("report {i}: {e}"))?;
    }
    println!("{}", town.id);
    Ok(())
}
