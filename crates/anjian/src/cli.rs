//! Command line and configuration: built-in defaults, then an optional TOML file, then `ANJIAN_*`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use app::{App, Config};
use clap::{Args, Parser, Subcommand};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

const CONFIG_HELP: &str = "\
Configuration (built-in defaults, then the --config file, then environment variables):
  ANJIAN_LISTEN            address to listen on                    [default: 127.0.0.1:8080]
  ANJIAN_DATA_DIR          SQLite database and uploaded files      [default: ./data]
  ANJIAN_DATABASE_URL      postgres://user:pass@host/db for PostgreSQL; empty for SQLite in the data dir
  ANJIAN_DB_MAX_CONNECTIONS  database connections     [default: SQLite 2 per core, at least 4; PostgreSQL 16]
  ANJIAN_PUBLIC_URL        how people reach the server; https:// turns on Secure cookies
  ANJIAN_UTC_OFFSET_HOURS  time zone for display                   [default: 8]
  ANJIAN_SESSION_IDLE_MINUTES / ANJIAN_SESSION_MAX_HOURS           [default: 30 / 12]
  ANJIAN_SESSION_CACHE_SECONDS  how long an instance trusts its memory of a session [default: 5]
  ANJIAN_LOGIN_MAX_FAILURES_PER_ACCOUNT / _PER_IP / ANJIAN_LOGIN_WINDOW_MINUTES  [default: 5 / 30 / 15]
  ANJIAN_UPLOAD_MAX_MIB    largest evidence upload                 [default: 500]
  ANJIAN_IMPORT_MAX_MIB    largest unit-import file                [default: 10]
  ANJIAN_ARGON2_MEMORY_KIB password hashing memory                 [default: 19456]
  ANJIAN_SHUTDOWN_DRAIN_SECONDS  after SIGTERM, still answer (/readyz 503) this long [default: 5]
  ANJIAN_SHUTDOWN_GRACE_SECONDS  then time to finish requests in flight [default: 30]
  ANJIAN_LOG               log filter, e.g. info or anjian=debug    [default: info]
  ANJIAN_LOG_FORMAT        text or json                            [default: text]
In a TOML file the same settings are written in lower case without the prefix, e.g. listen = \"0.0.0.0:8080\".";

#[derive(Parser)]
#[command(name = "anjian", version, about = "安监 Anjian — safety campaigns, units and hazard reports for township governments", after_long_help = CONFIG_HELP)]
struct Cli {
    /// A TOML configuration file (also ANJIAN_CONFIG).
    #[arg(long, global = true, env = "ANJIAN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Run only the background worker (reminders, digests), for installations that run it apart from
    /// the web servers (set `run_worker = false` on those).
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo town (青峰镇, 永川区) if it is not there, print the logins, and serve.
    Demo {
        /// Load and print, but do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Account administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Official notices.
    #[command(subcommand)]
    Notice(NoticeCommand),
}

#[derive(Subcommand)]
enum NoticeCommand {
    /// Read a notice (UTF-8 or GBK text, or .docx) and print what it says.
    Parse {
        file: PathBuf,
        /// Print the JSON structure instead of a readable summary.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Register a district, a town or another unit (the first step of a real installation).
    CreateUnit {
        /// district, town, department, community, village, school, institution or enterprise.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// Administrative division or statistical code, e.g. 500118100.
        #[arg(long)]
        code: Option<String>,
        /// The unit above it, by code or exact name (not for a district).
        #[arg(long)]
        parent: Option<String>,
    },
    /// Create an account. Prints a one-time password unless --password-stdin is given.
    CreateUser(CreateUser),
    /// Make an Open311 client key for a town (printed once; only its hash is kept).
    Open311Key {
        /// The town, by code or exact name.
        #[arg(long)]
        town: String,
        /// Who the key is for, e.g. "区 12345 平台".
        #[arg(long)]
        client: String,
    },
    /// Give an account a new password: a printed one-time password, or one read from stdin.
    ResetPassword {
        #[arg(long)]
        username: String,
        /// Read the new password from standard input instead of generating a one-time one.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Args)]
struct CreateUser {
    #[arg(long)]
    username: String,
    /// The person's name as shown in the UI.
    #[arg(long)]
    display_name: String,
    /// admin, organiser, reviewer, liaison, custodian or auditor.
    #[arg(long)]
    role: String,
    /// The town or district, by code or exact name (e.g. 500118100 or 青峰镇).
    #[arg(long)]
    authority: String,
    /// For a liaison: the unit, by code or exact name.
    #[arg(long)]
    unit: Option<String>,
    /// Read the password from standard input (no change forced at first login).
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole hash chain: prints OK, or the first broken row and exits non-zero.
    Verify,
}

/// Settings that are environment variables of ours but not configuration.
const NOT_CONFIG: [&str; 5] = ["config", "log", "log_format", "test_postgres_url", "require_browser"];

pub fn load_config(file: Option<&PathBuf>) -> Result<Config> {
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    if let Some(path) = file {
        if !path.is_file() {
            bail!("configuration file {} does not exist", path.display());
        }
        fig = fig.merge(Toml::file_exact(path));
    }
    fig = fig.merge(Env::prefixed("ANJIAN_").ignore(&NOT_CONFIG));
    let config: Config = fig.extract().map_err(|e| anyhow!("invalid configuration: {}", first_line(&e.to_string())))?;
    config.validate().map_err(|e| anyhow!("invalid configuration: {e}"))?;
    Ok(config)
}

/// Prints a line to standard output; a closed pipe (`anjian demo | head`) is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ANJIAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("ANJIAN_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.compact().try_init() };
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    // Reading a notice touches no database and needs no configuration.
    if let Some(Command::Notice(NoticeCommand::Parse { file, json })) = &cli.command {
        say!("{}", crate::notice::parse(file, *json)?.trim_end());
        return Ok(ExitCode::SUCCESS);
    }
    let config = load_config(cli.config.as_ref())?;
    init_logs();
    let rt = runtime()?;
    rt.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => {
                let app = open(config).await?;
                crate::serve::serve(app).await?;
            }
            Command::Worker => {
                let app = open(config).await?;
                crate::serve::work_alone(app).await;
            }
            Command::Migrate => {
                let app = open(config).await?;
                say!("migrations applied ({})", app.db.backend());
            }
            Command::Demo { no_serve } => {
                let app = open(config).await?;
                demo(&app).await?;
                if !no_serve {
                    crate::serve::serve(app).await?;
                }
            }
            Command::Notice(_) => {}
            Command::Admin(cmd) => admin(&open(config).await?, cmd).await?,
            Command::Audit(AuditCommand::Verify) => {
                let app = open(config).await?;
                return match app::audit::verify(&app).await.map_err(|e| anyhow!("{e}"))? {
                    Ok(n) => {
                        say!("OK: the audit trail verifies ({n} rows)");
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(b) => {
                        say!("BROKEN: {b}");
                        Ok(ExitCode::from(1))
                    }
                };
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

async fn open(config: Config) -> Result<App> {
    App::open(config).await.map_err(|e| anyhow!(e))
}

async fn demo(app: &App) -> Result<()> {
    let outcome = app::demo::load(app).await.map_err(|e| anyhow!("cannot load the demo town: {e}"))?;
    let url = if app.config.public_url.is_empty() {
        format!("http://{}", app.config.listen)
    } else {
        app.config.public_url.clone()
    };
    match outcome {
        app::demo::Outcome::Created => {
            say!("已载入演示数据：重庆市永川区 → 青峰镇（含青峰场社区和五个村）");
            let title =
                app::demo::load_campaign(app).await.map_err(|e| anyhow!("cannot publish the demo campaign: {e}"))?;
            say!("已发布演示活动：{title}");
        }
        app::demo::Outcome::AlreadyPresent => say!("演示数据已存在，未做改动。"),
    }
    say!("\n打开 {url}  用以下账号登录（密码均为 {}）：", app::demo::DEMO_PASSWORD);
    for l in &app::demo::LOGINS {
        say!("  {:<14} {}（{}）", l.username, l.role.label_zh(), l.belongs_to);
    }
    say!("\n演示账号只用于试用，请勿录入真实数据。");
    Ok(())
}

fn read_password() -> Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context("cannot read the password from standard input")?;
    let p = s.trim_end_matches(['\n', '\r']).to_owned();
    if p.is_empty() {
        bail!("no password on standard input");
    }
    Ok(p)
}

fn app_error(e: app::Error) -> anyhow::Error {
    match e {
        app::Error::Invalid(fields) => {
            anyhow!(fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "))
        }
        other => anyhow!("{}", other.message_zh()),
    }
}

async fn admin(app: &App, cmd: AdminCommand) -> Result<()> {
    let system = app::auth::Actor::system(uuid_nil(), "/".into());
    match cmd {
        AdminCommand::CreateUnit { kind, name, code, parent } => {
            let parent_id = match &parent {
                Some(p) => Some(
                    store::units::find_by_code_or_name(&app.db, p.trim())
                        .await?
                        .ok_or_else(|| anyhow!("no unit \"{p}\""))?
                        .id
                        .to_string(),
                ),
                None => None,
            };
            let input = domain::units::UnitInput { name, kind, code: code.unwrap_or_default(), ..Default::default() };
            let unit = app::units::create_unit(app, &system, parent_id.as_deref(), &input).await.map_err(app_error)?;
            say!("created {} ({}) {}", unit.name, unit.kind, unit.id);
        }
        AdminCommand::CreateUser(c) => {
            let authority = store::units::find_by_code_or_name(&app.db, c.authority.trim())
                .await?
                .ok_or_else(|| anyhow!("no town or district \"{}\" (give its code or exact name)", c.authority))?;
            let unit_id = match &c.unit {
                Some(u) => Some(
                    store::units::find_by_code_or_name(&app.db, u.trim())
                        .await?
                        .ok_or_else(|| anyhow!("no unit \"{u}\""))?
                        .id
                        .to_string(),
                ),
                None => None,
            };
            let password = if c.password_stdin { Some(read_password()?) } else { None };
            let input = app::users::NewUser {
                username: c.username,
                display_name: c.display_name,
                role: c.role,
                authority_id: Some(authority.id.to_string()),
                unit_id,
                phone: None,
            };
            let creds = app::users::create_user(app, &system, &input, password.as_deref()).await.map_err(app_error)?;
            if password.is_some() {
                say!("created {}", creds.username);
            } else {
                say!("created {}; one-time password (shown once): {}", creds.username, creds.one_time_password);
            }
        }
        AdminCommand::Open311Key { town, client } => {
            let t = store::units::find_by_code_or_name(&app.db, town.trim())
                .await?
                .filter(|u| u.kind == "town")
                .ok_or_else(|| anyhow!("no town \"{town}\" (give its code or exact name)"))?;
            let key = app::open311::create_key(app, &system, t.id, &client).await.map_err(app_error)?;
            say!("Open311 api_key for {} ({client}), shown once: {key}", t.name);
        }
        AdminCommand::ResetPassword { username, password_stdin } => {
            let creds = if password_stdin {
                let p = read_password()?;
                app::users::set_password_cli(app, &system, &username, &p).await.map_err(app_error)?
            } else {
                let user = store::users::find_by_username(&app.db, &username.trim().to_lowercase())
                    .await?
                    .ok_or_else(|| anyhow!("no user \"{username}\""))?;
                app::users::reset_password(app, &system, user.id).await.map_err(app_error)?
            };
            if password_stdin {
                say!("password set for {}", creds.username);
            } else {
                say!("one-time password for {} (shown once): {}", creds.username, creds.one_time_password);
            }
        }
    }
    Ok(())
}

fn uuid_nil() -> uuid::Uuid {
    uuid::Uuid::nil()
}
