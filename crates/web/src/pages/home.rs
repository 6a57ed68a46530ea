//! The start page: where each role goes next.

use askama::Template;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::Role;

use super::{Chrome, render};
use crate::AppState;
use crate::i18n::Lang;
use crate::session::{MaybeActor, PageActor};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home)).route("/my-unit", get(my_unit))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    welcome: String,
    authority: String,
    role: String,
    /// (link, title, description)
    tiles: Vec<(String, String, String)>,
}

async fn home(lang: Lang, MaybeActor(actor): MaybeActor) -> Response {
    let Some(actor) = actor else { return Redirect::to("/login").into_response() };
    if actor.must_change_password {
        return Redirect::to("/account/password").into_response();
    }
    let mut tiles = Vec::new();
    let mut tile = |href: String, key: &str| tiles.push((href, lang.t(key), lang.t(&format!("{key}-desc"))));
    if actor.role.reads_campaigns() || actor.role == Role::Liaison {
        tile("/campaigns".into(), "tile-campaigns");
    }
    if actor.role.reads_unit_register() {
        tile("/units".into(), "tile-units");
    }
    if actor.role.edits_unit_register() {
        tile("/units/import".into(), "tile-import");
    }
    if actor.role == Role::Liaison {
        tile("/my-work".into(), "tile-my-work");
        tile("/my-unit".into(), "tile-my-unit");
    }
    if actor.role.manages_accounts() {
        tile("/users".into(), "tile-users");
    }
    if actor.role.reads_audit_trail() {
        tile("/audit".into(), "tile-audit");
    }
    tile("/notifications".into(), "tile-notifications");
    tile("/account/password".into(), "tile-password");
    let page = HomePage {
        c: Chrome::new(lang, lang.t("nav-home"), Some(&actor), "/"),
        welcome: lang.ta("home-welcome", &[("name", actor.display_name.clone().into())]),
        authority: actor.authority_name.clone(),
        role: lang.t(&format!("role-{}", actor.role.as_str())),
        tiles,
    };
    render(&page, lang)
}

/// A liaison's own unit.
async fn my_unit(PageActor(actor): PageActor) -> Response {
    match actor.unit_id {
        Some(id) => Redirect::to(&format!("/units/{id}")).into_response(),
        None => Redirect::to("/").into_response(),
    }
}
