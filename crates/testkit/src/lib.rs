//! Test support: a fresh database per test — a SQLite temp file, or a new PostgreSQL database when
//! `ANJIAN_TEST_POSTGRES_URL` is set — dropped again when the test ends; and `TestApp`, the whole
//! router driven in-process with the demo town loaded.

// Test support fails loudly: a panic here is a failed test with its reason.
#![allow(clippy::panic, reason = "test support: a panic is a failed test")]

mod app;

pub use app::{Client, TestApp, TestResponse};
use sqlx::Connection;

/// The PostgreSQL server tests run against, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("ANJIAN_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())
}

/// A database of the test's own. Dropping it removes it.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// The binary `bin` (a test's `env!("CARGO_BIN_EXE_anjian")`) set up on this database and its data
    /// directory, with cheap password hashing and warnings only in the log; `env` adds or overrides.
    pub fn command(&self, bin: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Command {
        let mut cmd = std::process::Command::new(bin);
        cmd.args(args)
            .env("ANJIAN_DATA_DIR", self.dir.path().join("data"))
            .env("ANJIAN_DATABASE_URL", &self.url)
            .env("ANJIAN_ARGON2_MEMORY_KIB", "64")
            .env("ANJIAN_LOG", "warn");
        cmd.envs(env.iter().copied());
        cmd
    }

    /// On PostgreSQL when `ANJIAN_TEST_POSTGRES_URL` is set, else on SQLite.
    pub async fn new() -> TestDb {
        match postgres_url() {
            Some(admin) => TestDb::postgres(&admin).await,
            None => TestDb::sqlite(),
        }
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temp dir: {e}"));
        let url = format!("sqlite://{}", dir.path().join("anjian.sqlite").display());
        TestDb { url, dir, postgres: None }
    }

    pub async fn postgres(admin_url: &str) -> TestDb {
        let name = format!("anjian_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach ANJIAN_TEST_POSTGRES_URL: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database: {e}"));
        let _ = conn.close().await;
        let url = replace_database(admin_url, &name);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temp dir: {e}"));
        TestDb { url, dir, postgres: Some((admin_url.to_owned(), name)) }
    }
}

/// `postgres://u@h:5432/test?x=y` with the database name replaced.
pub fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_end..].find('/').map(|i| i + authority_end).unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else { return };
        // Drop runs outside any async context we can rely on: use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replace_database_keeps_host_and_query() {
        assert_eq!(
            super::replace_database("postgres://u@127.0.0.1:5432/test?sslmode=disable", "x"),
            "postgres://u@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(super::replace_database("postgres://127.0.0.1", "x"), "postgres://127.0.0.1/x");
    }
}
