//! Use cases: each public function authorises the caller, decides with `domain`, writes in one
//! transaction with its audit row, and returns what the page or API shows.

pub mod activities;
pub mod audit;
pub mod auth;
pub mod board;
pub mod campaigns;
pub mod cases;
pub mod config;
pub mod demo;
pub mod entries;
pub mod error;
pub mod evidence;
pub mod files;
pub mod import;
pub mod intake;
pub mod jobs;
pub mod limits;
pub mod notify;
pub mod open311;
pub mod publicity;
pub mod rectification;
pub mod reports;
pub mod review;
pub mod scrub;
pub mod sealing;
pub mod session_cache;
pub mod submissions;
pub mod units;
pub mod users;
pub mod work;

use std::sync::Arc;

pub use config::Config;
pub use error::{Error, Result};
pub use store::{Db, DbOptions};

/// Everything a use case needs: the database, the file store and the configuration.
#[derive(Clone, Debug)]
pub struct App {
    pub db: Db,
    pub files: store::files::FileStore,
    pub config: Arc<Config>,
    pub sessions: Arc<session_cache::SessionCache>,
    /// Wakes the background worker when a job was queued, instead of waiting for its next tick.
    pub jobs_queued: Arc<tokio::sync::Notify>,
    /// Progress boards computed in the last few seconds.
    pub boards: Arc<board::BoardCache>,
    /// Seals reporters' identities; read from a file outside the database.
    pub identity_key: Arc<sealing::IdentityKey>,
    /// Per-address limits on what anyone may do without signing in.
    pub limits: Arc<limits::Limiter>,
    /// Writes hazard reports in groups, each answered after its group committed.
    pub intake: intake::Intake,
}

impl App {
    /// Connects, migrates, opens the file store and sweeps temp files a crash left behind.
    pub async fn open(config: Config) -> Result<App, String> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| format!("cannot create data directory {}: {e}", config.data_dir.display()))?;
        let files = store::files::FileStore::local(&config.data_dir)
            .map_err(|e| format!("data directory {} is not writable: {e}", config.data_dir.display()))?;
        if let Ok(n) = files.sweep_temp()
            && n > 0
        {
            tracing::warn!(removed = n, "removed temp files of unfinished uploads");
        }
        let opts = DbOptions { url: config.database_url(), max_connections: config.pool_size() };
        let db = Db::connect(&opts)
            .await
            .map_err(|e| format!("cannot open the database {}: {e}", store::redact_url(&opts.url)))?;
        db.migrate().await.map_err(|e| format!("cannot migrate the database: {e}"))?;
        let sessions =
            Arc::new(session_cache::SessionCache::new(std::time::Duration::from_secs(config.session_cache_seconds)));
        let boards = Arc::new(board::BoardCache::new(std::time::Duration::from_secs(config.board_cache_seconds)));
        let intake = intake::Intake::start(db.clone());
        let identity_key = Arc::new(sealing::IdentityKey::load_or_create(&config.identity_key_path())?);
        Ok(App {
            db,
            files,
            config: Arc::new(config),
            sessions,
            jobs_queued: Arc::default(),
            boards,
            identity_key,
            limits: Arc::default(),
            intake,
        })
    }
}

/// One page of a list, and where it sits among all matches.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}
