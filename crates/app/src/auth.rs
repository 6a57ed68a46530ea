//! Who is calling: login with throttling, server-side sessions, logout, password changes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use domain::Role;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use store::sessions::SessionRow;
use uuid::Uuid;

use crate::{App, Error, Result};

/// The signed-in caller, loaded once per request.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Actor {
    /// `None` for the command line acting as the installation itself.
    pub user_id: Option<Uuid>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub authority_id: Uuid,
    pub authority_name: String,
    /// Unit path of the authority: everything under it is in scope.
    #[serde(skip)]
    pub scope: String,
    /// The authority is a town (not a district, not the installation).
    #[serde(skip)]
    pub authority_is_town: bool,
    /// The unit a liaison acts for.
    pub unit_id: Option<Uuid>,
    pub must_change_password: bool,
    #[serde(skip)]
    pub session: Option<SessionInfo>,
}

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id_hash: String,
    pub csrf_token: String,
}

impl Actor {
    /// The installation itself (command line, demo loader): in scope everywhere, audited as 系统.
    pub fn system(authority_id: Uuid, scope: String) -> Actor {
        Actor {
            user_id: None,
            username: "system".into(),
            display_name: "系统（命令行）".into(),
            role: Role::Admin,
            authority_id,
            authority_name: String::new(),
            scope,
            authority_is_town: false,
            unit_id: None,
            must_change_password: false,
            session: None,
        }
    }

    /// True when `path` (a unit path) lies in this actor's authority.
    pub fn sees(&self, path: &str) -> bool {
        path.starts_with(&self.scope)
    }

    pub fn csrf_token(&self) -> &str {
        self.session.as_ref().map(|s| s.csrf_token.as_str()).unwrap_or("")
    }

    pub(crate) fn audit_id(&self) -> Option<String> {
        self.user_id.map(|u| u.to_string())
    }

    pub(crate) fn audit_name(&self) -> String {
        format!("{}（{}）", self.display_name, self.username)
    }
}

/// A fresh random token, URL-safe, 256 bits.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn argon2(memory_kib: u32) -> Result<Argon2<'static>> {
    let params = Params::new(memory_kib, 2, 1, None).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password off the async threads (argon2 is deliberately slow).
pub(crate) async fn hash_password(app: &App, password: &str) -> Result<String> {
    let password = password.to_owned();
    let memory = app.config.argon2_memory_kib;
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Internal(e.to_string()))?;
        Ok(argon2(memory)?
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| Error::Internal(e.to_string()))?
            .to_string())
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

async fn verify_password(hash: &str, password: &str) -> bool {
    let (hash, password) = (hash.to_owned(), password.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A one-time password an admin reads out to a user: 16 characters without look-alikes.
pub(crate) fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A new session for a user who just proved who they are.
#[derive(Debug)]
pub struct Login {
    /// The cookie value; only its hash is stored.
    pub token: String,
    pub actor: Actor,
}

/// Checks a password, refusing quickly when this account or this address has failed too often.
pub async fn login(app: &App, username: &str, password: &str, ip: &str) -> Result<Login> {
    let username = username.trim().to_lowercase();
    let cfg = &app.config;
    let now = store::now();
    let window = Duration::minutes(cfg.login_window_minutes);
    let (by_account, by_ip) = store::users::recent_failures(&app.db, &username, ip, now - window).await?;
    if by_account >= cfg.login_max_failures_per_account || by_ip >= cfg.login_max_failures_per_ip {
        return Err(Error::TooManyAttempts { retry_after_seconds: window.num_seconds() });
    }
    let user = store::users::find_by_username(&app.db, &username).await?;
    let ok = match &user {
        Some(u) => verify_password(&u.password_hash, password).await && u.active,
        None => {
            // As slow as a real check, so the answer does not tell which user names exist.
            let _ = hash_password(app, password).await;
            false
        }
    };
    let known_authority = user.as_ref().map(|u| u.authority_id);
    let Some(user) = user.filter(|_| ok) else {
        store::users::record_failure(&app.db, &username, ip, now).await?;
        // A failure against a real account belongs to its town's trail, where its auditor sees it;
        // one against an unknown name to the installation's.
        let scope = match known_authority {
            Some(a) => store::units::get(&app.db, a).await?.map(|a| a.path),
            None => None,
        };
        let mut tx = app.db.begin().await?;
        let event = store::audit::NewEvent {
            scope: scope.as_deref(),
            actor_id: None,
            actor_name: &username,
            action: "auth.login_failed",
            entity: "user",
            entity_id: None,
            summary: json!({ "username": username }),
        };
        store::audit::append(&mut tx, &event, now).await?;
        tx.commit().await?;
        return Err(Error::LoginFailed);
    };
    let token = random_token();
    let session = SessionRow {
        id_hash: token_hash(&token),
        user_id: user.id,
        csrf_token: random_token(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + Duration::hours(cfg.session_max_hours),
    };
    let mut tx = app.db.begin().await?;
    store::sessions::insert(&mut tx, &session).await?;
    let actor = load_actor(app, user.id, Some(&session)).await?.ok_or(Error::LoginFailed)?;
    record(&mut tx, &actor, "auth.login", "user", Some(user.id), json!({ "role": actor.role })).await?;
    tx.commit().await?;
    Ok(Login { token, actor })
}

async fn load_actor(app: &App, user_id: Uuid, session: Option<&SessionRow>) -> Result<Option<Actor>> {
    let Some(user) = store::users::get(&app.db, user_id).await? else { return Ok(None) };
    let Some(authority) = store::units::get(&app.db, user.authority_id).await? else { return Ok(None) };
    let row = store::sessions::SessionActor {
        id_hash: session.map(|s| s.id_hash.clone()).unwrap_or_default(),
        user_id: user.id,
        csrf_token: session.map(|s| s.csrf_token.clone()).unwrap_or_default(),
        last_seen_at: store::now(),
        expires_at: store::now(),
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        unit_id: user.unit_id,
        active: user.active,
        must_change_password: user.must_change_password,
        authority_id: authority.id,
        authority_name: authority.name,
        authority_path: authority.path,
        authority_kind: authority.kind,
    };
    actor_from(row, session.is_some())
}

/// An actor from its joined row; `None` for a deactivated user.
fn actor_from(r: store::sessions::SessionActor, with_session: bool) -> Result<Option<Actor>> {
    if !r.active {
        return Ok(None);
    }
    let role = Role::parse(&r.role).ok_or_else(|| Error::Internal(format!("unknown role {}", r.role)))?;
    Ok(Some(Actor {
        user_id: Some(r.user_id),
        username: r.username,
        display_name: r.display_name,
        role,
        authority_id: r.authority_id,
        authority_name: r.authority_name,
        scope: r.authority_path,
        authority_is_town: r.authority_kind == domain::UnitKind::Town.as_str(),
        unit_id: r.unit_id,
        must_change_password: r.must_change_password,
        session: with_session.then_some(SessionInfo { id_hash: r.id_hash, csrf_token: r.csrf_token }),
    }))
}

/// The actor behind a session cookie, or `None` when the session is unknown, idle too long,
/// past its lifetime, or its user was deactivated.
pub async fn authenticate(app: &App, token: &str) -> Result<Option<Actor>> {
    if token.len() > 64 {
        return Ok(None);
    }
    let hash = token_hash(token);
    if let Some(actor) = app.sessions.get(&hash) {
        return Ok(Some(actor));
    }
    let now = store::now();
    // One query: the session, its user and the user's authority.
    let Some(s) = store::sessions::get_actor(&app.db, &hash).await? else { return Ok(None) };
    let idle = Duration::minutes(app.config.session_idle_minutes);
    if now > s.expires_at || now - s.last_seen_at > idle {
        return Ok(None);
    }
    let stale = now - s.last_seen_at > Duration::seconds(60);
    let id_hash = s.id_hash.clone();
    let seen = if stale { now } else { s.last_seen_at };
    let ends = s.expires_at.min(seen + idle);
    let actor = actor_from(s, true)?;
    // Writing on every request would serialise readers on SQLite; a minute's precision is enough.
    if let Some(a) = &actor {
        if stale {
            store::sessions::touch(&app.db, &id_hash, now).await?;
        }
        app.sessions.put(&id_hash, a, ends);
    }
    Ok(actor)
}

/// Ends the caller's session on the server (the cookie alone is worthless afterwards).
pub async fn logout(app: &App, actor: &Actor) -> Result<()> {
    let Some(session) = &actor.session else { return Ok(()) };
    let mut tx = app.db.begin().await?;
    store::sessions::delete(&mut tx, &session.id_hash).await?;
    record(&mut tx, actor, "auth.logout", "user", actor.user_id, json!({})).await?;
    tx.commit().await?;
    app.sessions.forget(&session.id_hash);
    Ok(())
}

/// Changes the caller's own password; every other session of theirs ends.
pub async fn change_password(app: &App, actor: &Actor, current: &str, new: &str, confirm: &str) -> Result<()> {
    let user_id = actor.user_id.ok_or(Error::Forbidden)?;
    let user = store::users::get(&app.db, user_id).await?.ok_or(Error::NotFound)?;
    if !verify_password(&user.password_hash, current).await {
        return Err(Error::invalid("current", "wrong_password", "当前密码不正确"));
    }
    domain::users::check_password(new, &user.username).map_err(|e| Error::Invalid(vec![e]))?;
    if new != confirm {
        return Err(Error::invalid("confirm", "mismatch", "两次输入的新密码不一致"));
    }
    if new == current {
        return Err(Error::invalid("password", "unchanged", "新密码不能与当前密码相同"));
    }
    let hash = hash_password(app, new).await?;
    let mut tx = app.db.begin().await?;
    store::users::set_password(&mut tx, user_id, &hash, false, store::now()).await?;
    let keep = actor.session.as_ref().map(|s| s.id_hash.as_str());
    store::sessions::delete_for_user(&mut tx, user_id, keep).await?;
    record(&mut tx, actor, "user.change_password", "user", Some(user_id), json!({})).await?;
    tx.commit().await?;
    app.sessions.forget_user(user_id);
    Ok(())
}

/// Appends the audit row of a use case, in its transaction.
pub(crate) async fn record(
    tx: &mut store::Tx,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: Option<Uuid>,
    summary: serde_json::Value,
) -> Result<()> {
    record_in(tx, actor, &actor.scope, action, entity, entity_id, summary).await
}

/// Appends an audit row to the trail of the authority at `scope` (where the record changed
/// belongs) rather than the actor's own: an account of a town, changed from the district or the
/// command line, is seen by that town's auditor.
pub(crate) async fn record_in(
    tx: &mut store::Tx,
    actor: &Actor,
    scope: &str,
    action: &str,
    entity: &str,
    entity_id: Option<Uuid>,
    summary: serde_json::Value,
) -> Result<()> {
    let event = store::audit::NewEvent {
        scope: Some(scope),
        actor_id: actor.audit_id(),
        actor_name: &actor.audit_name(),
        action,
        entity,
        entity_id: entity_id.map(|i| i.to_string()),
        summary,
    };
    store::audit::append(tx, &event, store::now()).await?;
    Ok(())
}

/// Housekeeping: forget expired sessions and old login failures.
pub async fn prune(app: &App, now: DateTime<Utc>) -> Result<u64> {
    let a = store::sessions::delete_expired(&app.db, now).await?;
    let b = store::users::prune_failures(&app.db, now - Duration::days(1)).await?;
    Ok(a + b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_time_passwords_are_grouped_and_unambiguous() {
        let p = super::one_time_password();
        assert_eq!(p.len(), 19);
        assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
        assert_ne!(p, super::one_time_password());
    }
}
