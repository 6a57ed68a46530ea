//! Storage: SQLite or PostgreSQL behind one `Db`, one SQL text per query, and the file store.

pub mod activities;
pub mod audit;
pub mod campaigns;
pub mod files;
pub mod hazards;
pub mod imports;
pub mod jobs;
pub mod sessions;
pub mod units;
pub mod users;
pub mod work;

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// A connection pool on one of the two supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open write transaction (SQLite: `BEGIN IMMEDIATE`, so writers queue instead of failing).
#[derive(Debug)]
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same expression against whichever pool `Db` holds.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($p) => $body,
            $crate::Db::Postgres($p) => $body,
        }
    };
}

/// Runs the same expression against whichever transaction `Tx` holds (`$c` is `&mut Connection`).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Storage failures, in the terms the use cases care about.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("conflicts with an existing row ({0})")]
    Conflict(String),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("file store error: {0}")]
    Files(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                Error::Conflict(d.constraint().map(str::to_owned).unwrap_or_else(|| d.message().to_owned()))
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Error::Unavailable(e.to_string())
            }
            _ => Error::Database(e),
        }
    }
}

/// How to reach the database; the URL's scheme picks the backend.
#[derive(Clone, Debug)]
pub struct DbOptions {
    pub url: String,
    pub max_connections: u32,
}

impl Db {
    /// Connects without migrating. `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(opts: &DbOptions) -> Result<Db> {
        let url = opts.url.as_str();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let o = PgConnectOptions::from_str(url).map_err(|e| Error::Unavailable(e.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(o)
                .await
                .map_err(|e| Error::Unavailable(e.to_string()))?;
            Ok(Db::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let o = SqliteConnectOptions::from_str(url)
                .map_err(|e| Error::Unavailable(e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Reads straight from the mapped file instead of copying pages into each
                // connection's cache.
                .pragma("mmap_size", "268435456");
            let pool = SqlitePoolOptions::new()
                .max_connections(opts.max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(o)
                .await
                .map_err(|e| Error::Unavailable(e.to_string()))?;
            Ok(Db::Sqlite(pool))
        } else {
            Err(Error::Unavailable(format!(
                "unsupported database URL scheme (use sqlite:// or postgres://): {}",
                redact_url(url)
            )))
        }
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<()> {
        let r = on_db!(self, |p| match self {
            Db::Sqlite(_) => SQLITE.run(p).await,
            Db::Postgres(_) => POSTGRES.run(p).await,
        });
        r.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => Error::from(e),
            other => Error::Database(sqlx::Error::Migrate(Box::new(other))),
        })
    }

    /// True when every embedded migration has been applied successfully.
    pub async fn migrations_current(&self) -> Result<bool> {
        let latest = match self {
            Db::Sqlite(_) => SQLITE.iter().map(|m| m.version).max(),
            Db::Postgres(_) => POSTGRES.iter().map(|m| m.version).max(),
        }
        .unwrap_or(0);
        let applied: Option<i64> =
            on_db!(self, |p| sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(p)
                .await)?;
        Ok(applied == Some(latest))
    }

    pub async fn ping(&self) -> Result<()> {
        on_db!(self, |p| sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Begins a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// (connections open, of which idle, maximum) for `/metrics`.
    pub fn pool_use(&self) -> (u32, u32, u32) {
        on_db!(self, |p| (p.size(), p.num_idle() as u32, p.options().get_max_connections()))
    }

    pub async fn close(&self) {
        on_db!(self, |p| p.close().await);
    }

    /// Tables and their columns, sorted, as the migrations left them (for the parity test).
    pub async fn schema(&self) -> Result<Vec<(String, String)>> {
        let mut cols: Vec<(String, String)> = match self {
            Db::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
                )
                .fetch_all(p)
                .await?
            }
            Db::Postgres(p) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
                )
                .fetch_all(p)
                .await?
            }
        };
        cols.sort();
        Ok(cols)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Hides the password in a database URL for logs and messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Current time truncated to microseconds: what both databases store exactly.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_url_hides_only_the_password() {
        assert_eq!(super::redact_url("postgres://u:secret@h:5432/d"), "postgres://u:***@h:5432/d");
        assert_eq!(super::redact_url("sqlite://data/a.sqlite"), "sqlite://data/a.sqlite");
    }
}
