//! Sessions as the README promises them: over after 30 minutes without a request, over 12 hours after
//! sign-in however busy, never served from an instance's memory past either end, and a cookie that says
//! `Secure` when people reach the server over https. SQLite, and PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use testkit::{Client, TestApp, TestResponse};

/// The stored session behind a signed-in client: (created, last seen, expires).
async fn session_row(t: &TestApp, who: &Client) -> (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>) {
    let token = who.cookie.as_deref().unwrap().strip_prefix("anjian_session=").unwrap();
    let sql = "SELECT created_at, last_seen_at, expires_at FROM session WHERE id_hash = $1";
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()));
    store::on_db!(&t.app.db, |p| sqlx::query_as::<_, (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>)>(sql)
        .bind(&hash)
        .fetch_one(p)
        .await)
    .unwrap()
}

/// Moves a session's clock as if time had passed: when it was last used and when it ends.
async fn set_session_times(t: &TestApp, who: &Client, last_seen: DateTime<Utc>, expires: DateTime<Utc>) {
    let token = who.cookie.as_deref().unwrap().strip_prefix("anjian_session=").unwrap();
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()));
    let sql = "UPDATE session SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3";
    let n = store::on_db!(&t.app.db, |p| sqlx::query(sql)
        .bind(last_seen)
        .bind(expires)
        .bind(&hash)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    assert_eq!(n, 1, "the session row was not found");
}

/// Who the API says is signed in: 200 with the user, or 401 `unauthenticated`.
async fn me(t: &TestApp, who: &Client) -> TestResponse {
    t.get(who, "/api/v1/session").await
}

fn assert_signed_out(res: &TestResponse, why: &str) {
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{why}: {}", res.text());
    assert_eq!(res.json()["error"]["code"], "unauthenticated", "{why}");
}

#[tokio::test]
async fn a_session_idle_for_more_than_thirty_minutes_is_over_and_one_used_within_them_lives_on() {
    let t = TestApp::new().await;
    let now = store::now();

    // Used 29 minutes ago: still signed in, and this request counts as use.
    let busy = t.login_demo("qf.organiser").await;
    let (created, _, expires) = session_row(&t, &busy).await;
    set_session_times(&t, &busy, now - Duration::minutes(29), expires).await;
    let res = me(&t, &busy).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["username"], "qf.organiser");
    let (_, seen, _) = session_row(&t, &busy).await;
    assert!(seen >= now && seen >= created, "the request was not recorded as use: last seen {seen}, test began {now}");

    // Left alone for 31 minutes: signed out, for the API and for pages alike.
    let idle = t.login_demo("qf.organiser").await;
    let (_, _, expires) = session_row(&t, &idle).await;
    set_session_times(&t, &idle, now - Duration::minutes(31), expires).await;
    assert_signed_out(&me(&t, &idle).await, "idle for 31 minutes");
    let page = t.get(&idle, "/units").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location().as_deref(), Some("/login?next=%2Funits"));
    // The API refuses a state change with the same answer.
    let change = t.json(&idle, Method::POST, "/api/v1/campaigns", json!({ "text": "x" })).await;
    assert_signed_out(&change, "a change after 31 idle minutes");
}

#[tokio::test]
async fn the_idle_limit_is_the_configured_one() {
    let t = TestApp::with_config(|c| c.session_idle_minutes = 5).await;
    app::demo::load(&t.app).await.unwrap();
    let now = store::now();
    let fresh = t.login_demo("qf.organiser").await;
    let (_, _, expires) = session_row(&t, &fresh).await;
    set_session_times(&t, &fresh, now - Duration::minutes(4), expires).await;
    assert_eq!(me(&t, &fresh).await.status, StatusCode::OK);
    let idle = t.login_demo("qf.organiser").await;
    set_session_times(&t, &idle, now - Duration::minutes(6), expires).await;
    assert_signed_out(&me(&t, &idle).await, "idle for 6 of 5 minutes");
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_however_busy_it_was() {
    let t = TestApp::new().await;
    let who = t.login_demo("qf.reviewer").await;
    let (created, seen, expires) = session_row(&t, &who).await;
    assert_eq!(expires - created, Duration::hours(12), "the lifetime set at sign-in");
    assert_eq!(seen, created);

    // Used a moment ago, a minute before its end: still signed in.
    let now = store::now();
    set_session_times(&t, &who, now - Duration::seconds(10), now + Duration::minutes(1)).await;
    assert_eq!(me(&t, &who).await.status, StatusCode::OK);

    // Used a moment ago, a minute past its end: over (a fresh sign-in, so no instance remembers it).
    let late = t.login_demo("qf.reviewer").await;
    set_session_times(&t, &late, now - Duration::seconds(10), now - Duration::minutes(1)).await;
    assert_signed_out(&me(&t, &late).await, "twelve hours and a minute after sign-in");
}

#[tokio::test]
async fn the_session_lifetime_is_the_configured_one() {
    let t = TestApp::with_config(|c| c.session_max_hours = 2).await;
    app::demo::load(&t.app).await.unwrap();
    let who = t.login_demo("qf.reviewer").await;
    let (created, _, expires) = session_row(&t, &who).await;
    assert_eq!(expires - created, Duration::hours(2));
}

#[tokio::test]
async fn an_instance_that_remembers_a_session_stops_serving_it_when_the_session_ends() {
    // The default: an instance remembers who is behind a session for 5 seconds.
    let t = TestApp::new().await;
    assert_eq!(t.app.config.session_cache_seconds, 5);
    let who = t.login_demo("qf.reviewer").await;
    let now = store::now();
    set_session_times(&t, &who, now, now + Duration::milliseconds(1500)).await;
    assert_eq!(me(&t, &who).await.status, StatusCode::OK, "remembered from here on");
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_signed_out(&me(&t, &who).await, "served from memory after the session's end");
}

/// The `Set-Cookie` of signing in by the API, by the form, and of signing out.
async fn cookies(t: &TestApp) -> [String; 3] {
    let api = t
        .json(
            &Client::default(),
            Method::POST,
            "/api/v1/session",
            json!({ "username": "qf.admin", "password": app::demo::DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.text());
    let form = t
        .post_form(&Client::default(), "/login", &[("username", "qf.admin"), ("password", app::demo::DEMO_PASSWORD)])
        .await;
    assert_eq!(form.status, StatusCode::SEE_OTHER, "{}", form.text());
    let who = t.login_demo("qf.admin").await;
    let out = t.json(&who, Method::DELETE, "/api/v1/session", json!({})).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    [api, form, out].map(|r| r.header("set-cookie").expect("a Set-Cookie header"))
}

fn attributes(cookie: &str) -> Vec<String> {
    cookie.split(';').skip(1).map(|a| a.trim().to_owned()).collect()
}

#[tokio::test]
async fn the_session_cookie_says_secure_when_the_public_address_is_https() {
    for public_url in ["https://anjian.qingfeng.gov.cn", "HTTPS://ANJIAN.QINGFENG.GOV.CN/"] {
        let t = TestApp::with_config(|c| c.public_url = public_url.into()).await;
        app::demo::load(&t.app).await.unwrap();
        for cookie in cookies(&t).await {
            assert!(cookie.starts_with("anjian_session="), "{cookie}");
            let attrs = attributes(&cookie);
            for a in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
                assert!(attrs.iter().any(|x| x == a), "{public_url}: {a} missing from {cookie}");
            }
        }
    }
}

#[tokio::test]
async fn the_session_cookie_is_not_secure_on_plain_http_where_a_browser_would_drop_it() {
    for public_url in ["", "http://192.168.1.20:8080"] {
        let t = TestApp::with_config(|c| c.public_url = public_url.into()).await;
        app::demo::load(&t.app).await.unwrap();
        for cookie in cookies(&t).await {
            let attrs = attributes(&cookie);
            assert!(!attrs.iter().any(|x| x == "Secure"), "{public_url:?}: {cookie}");
            assert!(attrs.iter().any(|x| x == "HttpOnly") && attrs.iter().any(|x| x == "SameSite=Lax"), "{cookie}");
        }
    }
}
