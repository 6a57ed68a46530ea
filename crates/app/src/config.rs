//! The one typed configuration: built-in defaults, then an optional TOML file, then `ANJIAN_*`.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: String,
    /// Where the SQLite database and uploaded files live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; empty for the embedded SQLite under `data_dir`.
    pub database_url: String,
    /// Database connections; unset: SQLite 2 per core (at least 4), PostgreSQL 16.
    pub db_max_connections: Option<u32>,
    /// The address people use to reach the server (links, the `Secure` cookie flag on https).
    pub public_url: String,
    /// Hours east of UTC for times on screen (China: 8).
    pub utc_offset_hours: i32,
    /// Minutes without a request after which a session ends.
    pub session_idle_minutes: i64,
    /// Hours after login after which a session ends regardless.
    pub session_max_hours: i64,
    /// Seconds an instance may remember who is behind a session without asking the database.
    /// Revocations on the same instance act at once; on other instances within this time. 0: off.
    pub session_cache_seconds: u64,
    /// Failed logins per account within `login_window_minutes` before it is locked for that window.
    pub login_max_failures_per_account: i64,
    /// Failed logins per client address within the window.
    pub login_max_failures_per_ip: i64,
    pub login_window_minutes: i64,
    /// Largest evidence upload, in MiB.
    pub upload_max_mib: u64,
    /// Largest unit-import file, in MiB.
    pub import_max_mib: u64,
    /// Argon2id memory cost in KiB (OWASP: at least 19456).
    pub argon2_memory_kib: u32,
    /// Seconds after SIGTERM during which the server still answers, `/readyz` saying 503, so a load
    /// balancer stops sending requests before connections are refused (a second signal cuts it short).
    /// 0: stop accepting at once.
    pub shutdown_drain_seconds: u64,
    /// Seconds to finish in-flight requests once the server stops accepting connections.
    pub shutdown_grace_seconds: u64,
    /// Days before a due date on which the unit is reminded (each a separate reminder).
    pub reminder_days: Vec<i64>,
    /// Local hour (0–23) from which the daily digest of overdue work goes out.
    pub digest_hour: u32,
    /// Mail server for notifications by email: `smtp://host:25` (plain, an intranet relay),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://user:pass@host:465`; `file:///dir` writes
    /// each message to a file (trying it out). Empty: notifications stay in the app.
    pub smtp_url: String,
    /// The sender of those emails.
    pub smtp_from: String,
    /// Seconds a progress board computed on one instance may be shown by it; changes on the same
    /// instance show at once, on other instances within this time. 0: off.
    pub board_cache_seconds: u64,
    /// Run the background worker inside `serve` (turn off when `anjian worker` runs separately).
    pub run_worker: bool,
    /// The key that seals reporters' names and contacts (32 random bytes, made on first start). Keep it
    /// outside the database and its backups; empty: `<data_dir>/keys/identity.key`.
    pub identity_key_file: PathBuf,
    /// Hazard reports one client address may file per hour (a flood gets 429); 0: no limit.
    pub reports_per_hour: u32,
    /// Receipt-code lookups one client address may make per hour (guessing gets 429); 0: no limit.
    pub receipt_lookups_per_hour: u32,
    /// Largest photo or video a reporter may attach, in MiB.
    pub report_upload_max_mib: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            db_max_connections: None,
            public_url: String::new(),
            utc_offset_hours: 8,
            session_idle_minutes: 30,
            session_max_hours: 12,
            session_cache_seconds: 5,
            login_max_failures_per_account: 5,
            login_max_failures_per_ip: 30,
            login_window_minutes: 15,
            upload_max_mib: 500,
            import_max_mib: 10,
            argon2_memory_kib: 19_456,
            shutdown_drain_seconds: 5,
            shutdown_grace_seconds: 30,
            reminder_days: vec![3, 1],
            digest_hour: 8,
            run_worker: true,
            board_cache_seconds: 10,
            smtp_url: String::new(),
            smtp_from: "安监 <noreply@localhost>".into(),
            identity_key_file: PathBuf::new(),
            reports_per_hour: 20,
            receipt_lookups_per_hour: 60,
            report_upload_max_mib: 200,
        }
    }
}

impl Config {
    /// The database to open: the configured URL, or SQLite inside the data directory.
    pub fn database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            format!("sqlite://{}", self.data_dir.join("anjian.sqlite").display())
        } else {
            self.database_url.trim().to_owned()
        }
    }

    /// SQLite serves reads from each connection's own thread; on a small machine more connections
    /// than cores only add thread switches (bench/units.sh: 16 connections gave 10-15% fewer
    /// requests a second than 4 on one core). PostgreSQL works in its own processes.
    pub fn pool_size(&self) -> u32 {
        match self.db_max_connections {
            Some(n) => n,
            None if self.database_url().starts_with("sqlite:") => {
                let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
                u32::try_from(cores * 2).unwrap_or(4).max(4)
            }
            None => 16,
        }
    }

    /// Where the identity key lives.
    pub fn identity_key_path(&self) -> PathBuf {
        if self.identity_key_file.as_os_str().is_empty() {
            self.data_dir.join("keys").join("identity.key")
        } else {
            self.identity_key_file.clone()
        }
    }

    /// People reach the server over https (the scheme is case-insensitive): cookies say `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.trim_start().get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    }

    pub fn offset(&self) -> chrono::FixedOffset {
        use chrono::Offset;
        chrono::FixedOffset::east_opt(self.utc_offset_hours.clamp(-14, 14) * 3600).unwrap_or(chrono::Utc.fix())
    }

    /// Checks values a person may have mistyped; each problem is one line.
    pub fn validate(&self) -> Result<(), String> {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(format!("listen: \"{}\" is not an address:port such as 127.0.0.1:8080", self.listen));
        }
        let url = self.database_url();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(format!(
                "database_url: \"{}\" must start with postgres:// (or be empty for SQLite)",
                store::redact_url(&url)
            ));
        }
        if !(-14..=14).contains(&self.utc_offset_hours) {
            return Err("utc_offset_hours must be between -14 and 14".into());
        }
        if self.argon2_memory_kib < 8 {
            return Err("argon2_memory_kib must be at least 8".into());
        }
        if self.reminder_days.iter().any(|d| !(1..=60).contains(d)) {
            return Err("reminder_days: each must be between 1 and 60 days".into());
        }
        let smtp = self.smtp_url.trim();
        if !(smtp.is_empty()
            || smtp.starts_with("smtp://")
            || smtp.starts_with("smtps://")
            || smtp.starts_with("file://"))
        {
            return Err("smtp_url must start with smtp://, smtps:// or file:// (or be empty)".into());
        }
        if !smtp.is_empty() && self.smtp_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!(
                "smtp_from: \"{}\" is not an address such as 安监 <noreply@qingfeng.gov.cn>",
                self.smtp_from
            ));
        }
        if self.digest_hour > 23 {
            return Err("digest_hour must be between 0 and 23".into());
        }
        if self.db_max_connections == Some(0)
            || self.upload_max_mib == 0
            || self.import_max_mib == 0
            || self.report_upload_max_mib == 0
        {
            return Err(
                "db_max_connections, upload_max_mib, import_max_mib and report_upload_max_mib must be positive".into(),
            );
        }
        Ok(())
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &store::redact_url(&self.database_url))
            .field("public_url", &self.public_url)
            .field("smtp_url", &store::redact_url(&self.smtp_url))
            .finish_non_exhaustive()
    }
}
