//! Account administration: list, create (one-time password shown once), reset, deactivate.

use crate::extract::{PageForm as Form, PageId};
use app::Error;
use app::users::{Credentials, NewUser};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::Role;
use serde::Deserialize;
use store::users::UserListRow;

use super::{Chrome, FieldErrors, render, render_status};
use crate::AppState;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::session::PageActor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/new", get(new_user))
        .route("/users/{id}/reset-password", post(reset_password))
        .route("/users/{id}/deactivate", post(deactivate_user))
        .route("/users/{id}/reactivate", post(reactivate_user))
}

fn page_error(e: impl Into<Error>, lang: Lang) -> Response {
    PageError::new(e, lang).into_response()
}

#[derive(Template)]
#[template(path = "users_list.html")]
struct ListPage {
    c: Chrome,
    /// (row, role label)
    users: Vec<(UserListRow, String)>,
    me: String,
}

async fn list_users(State(state): State<AppState>, lang: Lang, PageActor(actor): PageActor) -> Response {
    match app::users::list_users(&state.app, &actor).await {
        Ok(rows) => {
            let users = rows.into_iter().map(|u| {
                let label = lang.t(&format!("role-{}", u.role));
                (u, label)
            });
            let page = ListPage {
                c: Chrome::new(lang, lang.t("users-title"), Some(&actor), "/users"),
                users: users.collect(),
                me: actor.user_id.map(|u| u.to_string()).unwrap_or_default(),
            };
            render(&page, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct FormPage {
    c: Chrome,
    input: NewUser,
    authority_id: String,
    unit_id: String,
    roles: Vec<(String, String)>,
    authorities: Vec<(String, String)>,
    units: Vec<(String, String)>,
    errors: FieldErrors,
}

async fn form_page(
    state: &AppState,
    lang: Lang,
    actor: &app::auth::Actor,
    input: NewUser,
    errors: FieldErrors,
) -> Result<FormPage, Error> {
    if !actor.role.manages_accounts() {
        return Err(Error::Forbidden);
    }
    let authorities = app::units::authorities(&state.app, actor).await?;
    // Units a liaison may act for: the active units of the admin's towns.
    let mut units = Vec::new();
    let mut page = 1;
    loop {
        let req = app::units::ListUnits { page: Some(page), ..Default::default() };
        let p = app::units::list_units(&state.app, actor, &req).await?;
        units.extend(
            p.items
                .iter()
                .filter(|u| u.kind != "town" && u.kind != "district")
                .map(|u| (u.id.to_string(), u.name.clone())),
        );
        if page >= p.pages() || page >= 20 {
            break;
        }
        page += 1;
    }
    Ok(FormPage {
        c: Chrome::new(lang, lang.t("user-new-title"), Some(actor), "/users/new"),
        authority_id: input
            .authority_id
            .clone()
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| actor.authority_id.to_string()),
        unit_id: input.unit_id.clone().unwrap_or_default(),
        input,
        roles: Role::ALL.iter().map(|r| (r.as_str().to_owned(), lang.t(&format!("role-{}", r.as_str())))).collect(),
        authorities: authorities.into_iter().map(|a| (a.id.to_string(), a.name)).collect(),
        units,
        errors,
    })
}

async fn new_user(State(state): State<AppState>, lang: Lang, PageActor(actor): PageActor) -> Response {
    let input = NewUser { role: Role::Liaison.as_str().into(), ..Default::default() };
    match form_page(&state, lang, &actor, input, FieldErrors::default()).await {
        Ok(p) => render(&p, lang),
        Err(e) => page_error(e, lang),
    }
}

#[derive(Deserialize)]
struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    authority_id: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    phone: String,
}

#[derive(Template)]
#[template(path = "credentials.html")]
struct CredentialsPage {
    c: Chrome,
    creds: Credentials,
    created: bool,
}

async fn create_user(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Form(f): Form<UserForm>,
) -> Response {
    let input = NewUser {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        authority_id: Some(f.authority_id.clone()),
        unit_id: Some(f.unit_id.clone()),
        phone: Some(f.phone.clone()),
    };
    match app::users::create_user(&state.app, &actor, &input, None).await {
        Ok(creds) => {
            let page = CredentialsPage {
                c: Chrome::new(lang, lang.t("credentials-title"), Some(&actor), "/users"),
                creds,
                created: true,
            };
            render_no_store(&page, lang)
        }
        Err(Error::Invalid(errs)) => {
            match form_page(&state, lang, &actor, input, FieldErrors::from_errors(&errs, lang)).await {
                Ok(p) => render_status(&p, StatusCode::UNPROCESSABLE_ENTITY, lang),
                Err(e) => page_error(e, lang),
            }
        }
        Err(e) => page_error(e, lang),
    }
}

/// One-time passwords must not linger in caches or the back button's history.
fn render_no_store<T: Template>(t: &T, lang: Lang) -> Response {
    let mut res = render(t, lang);
    res.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    res
}

async fn reset_password(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    match app::users::reset_password(&state.app, &actor, id).await {
        Ok(creds) => {
            let page = CredentialsPage {
                c: Chrome::new(lang, lang.t("credentials-title"), Some(&actor), "/users"),
                creds,
                created: false,
            };
            render_no_store(&page, lang)
        }
        Err(e) => page_error(e, lang),
    }
}

async fn set_active(state: AppState, lang: Lang, actor: app::auth::Actor, id: uuid::Uuid, active: bool) -> Response {
    match app::users::set_user_active(&state.app, &actor, id, active).await {
        Ok(()) => Redirect::to("/users").into_response(),
        Err(e) => page_error(e, lang),
    }
}

async fn deactivate_user(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    set_active(state, lang, actor, id, false).await
}

async fn reactivate_user(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    PageId(id): PageId,
) -> Response {
    set_active(state, lang, actor, id, true).await
}
