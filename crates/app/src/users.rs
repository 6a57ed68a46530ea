//! Accounts: an admin creates them and resets passwords (a one-time password, shown once).

use domain::{FieldError, Role, UnitKind};
use serde_json::json;
use store::users::{UserListRow, UserRow};
use uuid::Uuid;

use crate::auth::{Actor, hash_password, one_time_password, record, record_in};
use crate::units::parse_optional_id;
use crate::{App, Error, Result};

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    /// The town or district the account belongs to (the admin's own when empty), as typed.
    pub authority_id: Option<String>,
    /// The unit a liaison acts for, as typed.
    pub unit_id: Option<String>,
    pub phone: Option<String>,
}

/// A created account or a reset, with the one-time password to hand over.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Credentials {
    pub user_id: Uuid,
    pub username: String,
    pub one_time_password: String,
}

pub async fn list_users(app: &App, actor: &Actor) -> Result<Vec<UserListRow>> {
    if !actor.role.manages_accounts() {
        return Err(Error::Forbidden);
    }
    Ok(store::users::list(&app.db, &actor.scope).await?)
}

/// Creates an account. `password`: set by the command line; otherwise a one-time password is made
/// and the user must change it at first login.
pub async fn create_user(app: &App, actor: &Actor, input: &NewUser, password: Option<&str>) -> Result<Credentials> {
    if !actor.role.manages_accounts() {
        return Err(Error::Forbidden);
    }
    let mut errors = Vec::new();
    let username = domain::users::parse_username(&input.username).map_err(|e| errors.push(e)).ok();
    let display_name = domain::users::parse_display_name(&input.display_name).map_err(|e| errors.push(e)).ok();
    let role = Role::parse(&input.role);
    if role.is_none() {
        errors.push(FieldError::new("role", "invalid", "请选择角色"));
    }
    if let (Some(p), Some(u)) = (password, &username)
        && let Err(e) = domain::users::check_password(p, u)
    {
        errors.push(e);
    }
    let authority_id = parse_optional_id("authority_id", input.authority_id.as_deref())?.unwrap_or(actor.authority_id);
    let unit_choice = parse_optional_id("unit_id", input.unit_id.as_deref())?;
    let authority = store::units::get(&app.db, authority_id).await?;
    let authority = match authority {
        Some(a) if actor.sees(&a.path) && UnitKind::parse(&a.kind).is_some_and(UnitKind::is_authority) => Some(a),
        _ => {
            errors.push(FieldError::new("authority_id", "invalid", "所属镇街不存在或不在您的管辖范围内"));
            None
        }
    };
    let unit_id = match (role, unit_choice, &authority) {
        // A liaison acts for the unit; a staff account may name the department it sits in, so that it is
        // never the one to review its own department's work.
        (Some(_), Some(uid), Some(a)) => match store::units::get(&app.db, uid).await? {
            Some(u) if u.path.starts_with(&a.path) && u.id != a.id && u.active => Some(uid),
            _ => {
                errors.push(FieldError::new("unit_id", "invalid", "所属单位须是本镇街下的在用单位"));
                None
            }
        },
        (Some(Role::Liaison), None, _) => {
            errors.push(FieldError::new("unit_id", "required", "请选择联络员代表的单位"));
            None
        }
        _ => None,
    };
    let phone = input.phone.as_deref().map(domain::text::clean).filter(|p| !p.is_empty());
    let (Some(username), Some(display_name), Some(role), Some(authority), true) =
        (username, display_name, role, authority, errors.is_empty())
    else {
        return Err(Error::Invalid(errors));
    };
    let one_time = one_time_password();
    let secret = password.unwrap_or(&one_time);
    let hash = hash_password(app, secret).await?;
    let now = store::now();
    let row = UserRow {
        id: Uuid::now_v7(),
        username: username.clone(),
        display_name,
        password_hash: hash,
        role: role.as_str().to_owned(),
        authority_id: authority.id,
        unit_id,
        phone,
        active: true,
        must_change_password: password.is_none(),
        created_at: now,
        updated_at: now,
    };
    let mut tx = app.db.begin().await?;
    if store::users::username_taken(&mut tx, &username).await? {
        return Err(Error::invalid("username", "taken", "该用户名已被使用"));
    }
    store::users::insert(&mut tx, &row).await?;
    record_in(
        &mut tx,
        actor,
        &authority.path,
        "user.create",
        "user",
        Some(row.id),
        json!({ "username": username, "role": row.role, "authority": authority.name }),
    )
    .await?;
    tx.commit().await?;
    Ok(Credentials { user_id: row.id, username, one_time_password: secret.to_owned() })
}

/// An account the admin may manage, read inside the transaction that changes it.
async fn managed_user(app: &App, tx: &mut store::Tx, actor: &Actor, id: Uuid) -> Result<(UserRow, String)> {
    if !actor.role.manages_accounts() {
        return Err(Error::Forbidden);
    }
    let user = store::users::get_for_update(tx, id).await?.ok_or(Error::NotFound)?;
    let authority = store::units::get(&app.db, user.authority_id).await?.ok_or(Error::NotFound)?;
    if !actor.sees(&authority.path) {
        return Err(Error::NotFound);
    }
    Ok((user, authority.path))
}

/// Gives a user a new one-time password and ends all their sessions.
pub async fn reset_password(app: &App, actor: &Actor, id: Uuid) -> Result<Credentials> {
    replace_password(app, actor, id, &one_time_password(), true).await
}

/// Sets a password from the command line (the operator chose it; no change is forced).
pub async fn set_password_cli(app: &App, actor: &Actor, username: &str, password: &str) -> Result<Credentials> {
    let user =
        store::users::find_by_username(&app.db, &username.trim().to_lowercase()).await?.ok_or(Error::NotFound)?;
    domain::users::check_password(password, &user.username).map_err(|e| Error::Invalid(vec![e]))?;
    replace_password(app, actor, user.id, password, false).await
}

/// Replaces a user's password and ends all their sessions, here and (within the session cache's
/// seconds) on every instance.
async fn replace_password(
    app: &App,
    actor: &Actor,
    id: Uuid,
    password: &str,
    must_change: bool,
) -> Result<Credentials> {
    if !actor.role.manages_accounts() {
        return Err(Error::Forbidden);
    }
    // Hashed before the transaction: argon2 must not hold SQLite's write lock.
    let hash = hash_password(app, password).await?;
    let mut tx = app.db.begin().await?;
    let (user, scope) = managed_user(app, &mut tx, actor, id).await?;
    store::users::set_password(&mut tx, id, &hash, must_change, store::now()).await?;
    store::sessions::delete_for_user(&mut tx, id, None).await?;
    record_in(&mut tx, actor, &scope, "user.reset_password", "user", Some(id), json!({ "username": user.username }))
        .await?;
    tx.commit().await?;
    app.sessions.forget_user(id);
    Ok(Credentials { user_id: id, username: user.username, one_time_password: password.to_owned() })
}

/// Deactivates (ends sessions, refuses login) or reactivates an account; never one's own.
pub async fn set_user_active(app: &App, actor: &Actor, id: Uuid, active: bool) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let (user, scope) = managed_user(app, &mut tx, actor, id).await?;
    if actor.user_id == Some(id) {
        return Err(Error::Conflict { code: "cannot_deactivate_self", message: "不能停用自己的账号".into() });
    }
    if user.active == active {
        return Ok(());
    }
    store::users::set_active(&mut tx, id, active, store::now()).await?;
    if !active {
        store::sessions::delete_for_user(&mut tx, id, None).await?;
    }
    let action = if active { "user.reactivate" } else { "user.deactivate" };
    record_in(&mut tx, actor, &scope, action, "user", Some(id), json!({ "username": user.username })).await?;
    tx.commit().await?;
    app.sessions.forget_user(id);
    Ok(())
}

/// The caller's own address for notifications by email (empty: none).
pub async fn my_email(app: &App, actor: &Actor) -> Result<Option<String>> {
    let user = actor.user_id.ok_or(Error::Forbidden)?;
    Ok(store::users::email_of(&app.db, user).await?)
}

/// Sets (or, empty, clears) the caller's own address for notifications by email.
pub async fn set_my_email(app: &App, actor: &Actor, email: &str) -> Result<Option<String>> {
    let user = actor.user_id.ok_or(Error::Forbidden)?;
    let email = domain::users::parse_email(email).map_err(|e| Error::Invalid(vec![e]))?;
    let mut tx = app.db.begin().await?;
    store::users::set_email(&mut tx, user, email.as_deref(), store::now()).await?;
    record(&mut tx, actor, "user.email", "user", Some(user), json!({ "email": email })).await?;
    tx.commit().await?;
    Ok(email)
}
