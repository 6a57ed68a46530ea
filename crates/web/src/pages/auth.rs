//! Signing in and out, changing one's password, and the language switch.

use crate::extract::{PageForm as Form, PageQuery as Query};
use app::Error;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Chrome, FieldErrors, render, render_status, safe_next};
use crate::AppState;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::session::{ClientIp, MaybeActor, PageActor, session_cookie};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account/password", get(password_form).post(change_password))
        .route("/account/email", post(set_email))
        .route("/lang/{code}", get(switch_language))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(lang: Lang, MaybeActor(actor): MaybeActor, Query(q): Query<NextQuery>) -> Response {
    if actor.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let page = LoginPage {
        c: Chrome::new(lang, lang.t("login-title"), None, "/login"),
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
    };
    render(&page, lang)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    match app::auth::login(&state.app, &f.username, &f.password, &ip).await {
        Ok(login) => {
            let target = if login.actor.must_change_password { "/account/password".to_owned() } else { next };
            let mut res = Redirect::to(&target).into_response();
            res.headers_mut()
                .insert(header::SET_COOKIE, session_cookie(&login.token, state.app.config.secure_cookies()));
            res
        }
        Err(e @ (Error::LoginFailed | Error::TooManyAttempts { .. } | Error::Invalid(_))) => {
            let status = crate::error::status_of(&e);
            let page = LoginPage {
                c: Chrome::new(lang, lang.t("login-title"), None, "/login"),
                next,
                username: f.username.chars().take(64).collect(),
                error: Some(lang.error_message(&e)),
            };
            let mut res = render_status(&page, status, lang);
            if let Error::TooManyAttempts { retry_after_seconds } = e
                && let Ok(v) = HeaderValue::from_str(&retry_after_seconds.to_string())
            {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
        Err(e) => PageError::new(e, lang).into_response(),
    }
}

async fn logout(State(state): State<AppState>, lang: Lang, MaybeActor(actor): MaybeActor) -> Response {
    if let Some(actor) = actor
        && let Err(e) = app::auth::logout(&state.app, &actor).await
    {
        return PageError::new(e, lang).into_response();
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie("", state.app.config.secure_cookies()));
    res
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    forced: bool,
    done: bool,
    errors: FieldErrors,
    /// The notification email as saved (or as typed, when it was refused), and its error.
    email: String,
    email_error: Option<String>,
    email_saved: bool,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
    email: Option<String>,
}

async fn password_form(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Query(q): Query<DoneQuery>,
) -> Response {
    let email = match app::users::my_email(&state.app, &actor).await {
        Ok(e) => e.unwrap_or_default(),
        Err(e) => return PageError::new(e, lang).into_response(),
    };
    let page = PasswordPage {
        c: Chrome::new(lang, lang.t("password-title"), Some(&actor), "/account/password"),
        forced: actor.must_change_password,
        done: q.done.is_some(),
        errors: FieldErrors::default(),
        email,
        email_error: None,
        email_saved: q.email.is_some(),
    };
    render(&page, lang)
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

async fn set_email(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Form(f): Form<EmailForm>,
) -> Response {
    match app::users::set_my_email(&state.app, &actor, &f.email).await {
        Ok(_) => Redirect::to("/account/password?email=1").into_response(),
        Err(e @ Error::Invalid(_)) => {
            let page = PasswordPage {
                c: Chrome::new(lang, lang.t("password-title"), Some(&actor), "/account/password"),
                forced: actor.must_change_password,
                done: false,
                errors: FieldErrors::default(),
                email: f.email,
                email_error: Some(lang.error_message(&e)),
                email_saved: false,
            };
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY, lang)
        }
        Err(e) => PageError::new(e, lang).into_response(),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    lang: Lang,
    PageActor(actor): PageActor,
    Form(f): Form<PasswordForm>,
) -> Response {
    match app::auth::change_password(&state.app, &actor, &f.current, &f.password, &f.confirm).await {
        Ok(()) => Redirect::to("/account/password?done=1").into_response(),
        Err(Error::Invalid(errors)) => {
            let page = PasswordPage {
                c: Chrome::new(lang, lang.t("password-title"), Some(&actor), "/account/password"),
                forced: actor.must_change_password,
                done: false,
                errors: FieldErrors::from_errors(&errors, lang),
                email: app::users::my_email(&state.app, &actor).await.ok().flatten().unwrap_or_default(),
                email_error: None,
                email_saved: false,
            };
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY, lang)
        }
        Err(e) => PageError::new(e, lang).into_response(),
    }
}

/// Remembers the chosen language in a cookie and goes back to the page.
async fn switch_language(Path(code): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let mut res = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.tag())) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}
