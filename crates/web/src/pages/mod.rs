//! Server-rendered pages: every form works without JavaScript (POST, then redirect), and a form
//! that fails comes back with what the user typed and the message beside each field.

mod activities;
pub(crate) use activities::activity_input;
mod audit;
mod auth;
mod board;
mod campaigns;
mod files;
mod hazards;
mod home;
mod portal;
mod reports;
mod tasks;
mod units;
mod users;
mod work;

use std::collections::HashMap;

use app::auth::Actor;
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::{FieldError, Role};

use crate::AppState;
use crate::error::PageError;
use crate::i18n::{FluentArg, Lang};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(auth::router())
        .merge(units::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(files::router())
        .merge(campaigns::router())
        .merge(portal::router())
        .merge(work::router())
        .merge(tasks::router())
        .merge(board::router())
        .merge(activities::router())
        .merge(reports::router())
        .merge(hazards::router())
}

/// One entry of the navigation bar.
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub active: bool,
}

/// What the layout needs on every page: language, title, the caller, navigation, CSRF token.
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    pub user: Option<(String, String, String)>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub path: String,
}

impl Chrome {
    pub fn new(lang: Lang, title: impl Into<String>, actor: Option<&Actor>, path: &str) -> Chrome {
        let mut nav = Vec::new();
        if let Some(a) = actor {
            let mut add = |href: &'static str, key: &str| {
                let active = if href == "/" { path == "/" } else { path.starts_with(href) };
                nav.push(NavItem { href, label: lang.t(key), active });
            };
            add("/", "nav-home");
            if a.role.reads_campaigns() || a.role == Role::Liaison {
                add("/campaigns", "nav-campaigns");
            }
            if a.role.reads_unit_register() {
                add("/units", "nav-units");
            }
            if a.role == Role::Liaison {
                add("/my-work", "nav-my-work");
                add("/my-unit", "nav-my-unit");
            }
            if a.role.manages_accounts() {
                add("/users", "nav-users");
            }
            if a.role.reads_audit_trail() {
                add("/audit", "nav-audit");
            }
            if a.role.handles_hazards() || matches!(a.role, Role::Liaison | Role::Custodian | Role::Auditor) {
                add("/hazards", "nav-hazards");
            }
            add("/notifications", "nav-notifications");
        } else {
            nav.push(NavItem { href: "/notices", label: lang.t("nav-notices"), active: path.starts_with("/notices") });
            nav.push(NavItem { href: "/exposure", label: lang.t("nav-exposure"), active: path == "/exposure" });
            nav.push(NavItem { href: "/report", label: lang.t("nav-report"), active: path == "/report" });
            nav.push(NavItem {
                href: "/report/follow",
                label: lang.t("nav-follow"),
                active: path.starts_with("/report/follow"),
            });
        }
        Chrome {
            lang,
            title: title.into(),
            user: actor.map(|a| {
                (a.display_name.clone(), lang.t(&format!("role-{}", a.role.as_str())), a.authority_name.clone())
            }),
            nav,
            csrf: actor.map(|a| a.csrf_token().to_owned()).unwrap_or_default(),
            path: path.to_owned(),
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn ta(&self, key: &str, args: &[(&'static str, FluentArg)]) -> String {
        self.lang.ta(key, args)
    }

    /// A time in the configured zone, as `2026-11-29 11:05`.
    pub fn time(&self, t: &DateTime<Utc>, offset: chrono::FixedOffset) -> String {
        local_time(t, offset)
    }

    /// Link to the same page in the other language.
    pub fn switch_href(&self) -> String {
        format!(
            "/lang/{}?next={}",
            self.lang.other().tag(),
            url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect::<String>()
        )
    }

    pub fn switch_label(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "English",
            Lang::En => "中文",
        }
    }
}

/// A time in the configured zone, as `2026-11-29 11:05`.
pub fn local_time(t: &DateTime<Utc>, offset: chrono::FixedOffset) -> String {
    t.with_timezone(&offset).format("%Y-%m-%d %H:%M").to_string()
}

/// Messages to show beside fields, by field name.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub HashMap<String, String>);

impl FieldErrors {
    pub fn from_errors(errors: &[FieldError], lang: Lang) -> FieldErrors {
        let mut map = HashMap::new();
        for e in errors {
            map.entry(e.field.to_owned()).or_insert_with(|| lang.field_message(e));
        }
        FieldErrors(map)
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Messages for fields the form does not show (so none is silently lost).
    pub fn other(&self, shown: &[&str]) -> Vec<&String> {
        self.0.iter().filter(|(k, _)| !shown.contains(&k.as_str())).map(|(_, v)| v).collect()
    }
}

/// Renders a template, or a 500 page if rendering itself failed.
pub fn render<T: Template>(t: &T, lang: Lang) -> Response {
    render_status(t, StatusCode::OK, lang)
}

pub fn render_status<T: Template>(t: &T, status: StatusCode, lang: Lang) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => PageError::new(app::Error::Internal(e.to_string()), lang).into_response(),
    }
}

/// Page numbers to link: the first, the last, and a few around the current one.
pub fn page_links(page: i64, pages: i64) -> Vec<Option<i64>> {
    let mut out = Vec::new();
    let mut last = 0;
    for p in 1..=pages {
        if p == 1 || p == pages || (p - page).abs() <= 2 {
            if p - last > 1 {
                out.push(None);
            }
            out.push(Some(p));
            last = p;
        }
    }
    out
}

/// Keeps only same-site relative paths for `next=` redirects (no `//evil`, no `http:`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.contains("://") => {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_elide_the_middle() {
        assert_eq!(page_links(1, 1), vec![Some(1)]);
        assert_eq!(page_links(5, 20), vec![Some(1), None, Some(3), Some(4), Some(5), Some(6), Some(7), None, Some(20)]);
    }

    #[test]
    fn next_only_goes_to_this_site() {
        assert_eq!(safe_next(Some("/units?page=2")), "/units?page=2");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "units"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
    }
}
