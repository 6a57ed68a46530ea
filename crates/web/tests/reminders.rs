//! Reminders and digests through the jobs table: 3 and 1 days before a due date, one digest per person per
//! day, and two workers side by side delivering each exactly once. SQLite, and PostgreSQL when configured
//! (where the workers really race for `FOR UPDATE SKIP LOCKED`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;
use testkit::TestApp;
use uuid::Uuid;

const SEED: &str = include_str!("../../notice/tests/corpus/seed.txt");

/// A demo town with the seed campaign published, digests from midnight on.
async fn town() -> (TestApp, Uuid) {
    let app = TestApp::with_config(|c| c.digest_hour = 0).await;
    app::demo::load(&app.app).await.unwrap();
    let org = app.login_demo("qf.organiser").await;
    let c = app.json(&org, Method::POST, "/api/v1/campaigns", json!({ "text": SEED })).await;
    assert_eq!(c.status, StatusCode::CREATED);
    let id: Uuid = c.json()["id"].as_str().unwrap().parse().unwrap();
    app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await.succeeded();
    (app, id)
}

/// Moves a deliverable's tasks (by name) to `days` from today.
async fn due_in(app: &TestApp, campaign: Uuid, name: &str, days: i64) {
    let day = app::work::today(&app.app) + Duration::days(days);
    let sql = "UPDATE task SET due_on = $1 WHERE campaign_id = $2 AND deliverable_id IN \
               (SELECT id FROM deliverable WHERE campaign_id = $2 AND name = $3)";
    store::on_db!(&app.app.db, |p| sqlx::query(sql).bind(day).bind(campaign).bind(name).execute(p).await.map(|_| ()))
        .unwrap();
}

/// Notifications of one kind, per user.
async fn told(app: &TestApp, kind: &str) -> HashMap<Uuid, i64> {
    let sql = "SELECT user_id, COUNT(*) FROM notification WHERE kind = $1 GROUP BY user_id";
    let rows: Vec<(Uuid, i64)> =
        store::on_db!(&app.app.db, |p| sqlx::query_as(sql).bind(kind).fetch_all(p).await).unwrap();
    rows.into_iter().collect()
}

async fn liaison_id(app: &TestApp) -> Uuid {
    let sql = "SELECT id FROM app_user WHERE username = $1";
    store::on_db!(&app.app.db, |p| sqlx::query_scalar(sql).bind("qf.liaison").fetch_one(p).await).unwrap()
}

#[tokio::test]
async fn a_unit_is_reminded_three_days_and_one_day_before_each_due_date_once() {
    let (app, campaign) = town().await;
    due_in(&app, campaign, "活动方案", 3).await;
    due_in(&app, campaign, "活动总结", 1).await;
    let delivered = app::jobs::run_until_idle(&app.app, "worker-a").await.unwrap();
    assert!(delivered > 0);
    let me = liaison_id(&app).await;
    let reminders = told(&app, "task.reminder").await;
    assert_eq!(reminders.get(&me), Some(&2), "one for the plan (3 days), one for the summary (1 day)");
    // Running again (or on another worker) adds nothing.
    app::jobs::run_until_idle(&app.app, "worker-b").await.unwrap();
    assert_eq!(told(&app, "task.reminder").await, reminders);
    let liaison = app.login_demo("qf.liaison").await;
    let list = app.get(&liaison, "/api/v1/notifications").await.json().to_string();
    assert!(list.contains("还有 3 天截止") && list.contains("还有 1 天截止") && list.contains("活动方案"), "{list}");

    // Handed in: no reminder for it any more, even on a later day's schedule.
    let before = told(&app, "task.reminder").await;
    due_in(&app, campaign, "活动总结", 3).await;
    let summary = app.get(&liaison, "/api/v1/my/work").await.json()[0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["deliverable"] == "活动总结")
        .unwrap()["task_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = app
        .upload(&liaison, &format!("/api/v1/tasks/{summary}/submissions"), "总结.txt", "活动总结".as_bytes(), &[])
        .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text());
    app::jobs::run_until_idle(&app.app, "worker-a").await.unwrap();
    assert_eq!(told(&app, "task.reminder").await.get(&me), before.get(&me));
}

#[tokio::test]
async fn overdue_work_comes_as_one_digest_per_person_per_day() {
    // The seed's due dates are in 2021: everything is overdue.
    let (app, _) = town().await;
    app::jobs::run_until_idle(&app.app, "worker-a").await.unwrap();
    app::jobs::run_until_idle(&app.app, "worker-b").await.unwrap();
    let me = liaison_id(&app).await;
    let digests = told(&app, "digest.overdue").await;
    assert_eq!(digests.get(&me), Some(&1));
    assert!(digests.values().all(|n| *n == 1), "{digests:?}");
    let staff = told(&app, "digest.staff").await;
    assert!(!staff.is_empty() && staff.values().all(|n| *n == 1), "organisers and reviewers get theirs: {staff:?}");
    let liaison = app.login_demo("qf.liaison").await;
    let list = app.get(&liaison, "/api/v1/notifications").await.json().to_string();
    assert!(list.contains("逾期提醒：2 项材料已过截止日期"), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_side_by_side_deliver_every_reminder_exactly_once() {
    let (app, campaign) = town().await;
    due_in(&app, campaign, "活动方案", 3).await;
    due_in(&app, campaign, "活动总结", 1).await;
    let units: i64 = {
        let sql = "SELECT COUNT(DISTINCT unit_id) FROM task WHERE campaign_id = $1";
        store::on_db!(&app.app.db, |p| sqlx::query_scalar(sql).bind(campaign).fetch_one(p).await).unwrap()
    };
    assert!(units > 10, "the demo town sends the seed to many units: {units}");
    let (a, b) = (app.app.clone(), app.app.clone());
    let (ra, rb) = tokio::join!(
        tokio::spawn(async move { app::jobs::run_until_idle(&a, "worker-a").await }),
        tokio::spawn(async move { app::jobs::run_until_idle(&b, "worker-b").await }),
    );
    let (na, nb) = (ra.unwrap().unwrap(), rb.unwrap().unwrap());
    // Two reminder jobs per unit (3 days, 1 day) plus the staff digests; every job delivered by one worker.
    let jobs: i64 =
        store::on_db!(&app.app.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM job").fetch_one(p).await).unwrap();
    assert_eq!((na + nb) as i64, jobs, "a: {na}, b: {nb}");
    let (waiting, given_up) = store::jobs::counts(&app.app.db, app::jobs::MAX_ATTEMPTS).await.unwrap();
    assert_eq!((waiting, given_up), (0, 0));
    // Every liaison got exactly two reminders: never none, never four.
    let reminders = told(&app, "task.reminder").await;
    assert!(!reminders.is_empty());
    assert!(reminders.values().all(|n| *n == 2), "{reminders:?}");
}

#[tokio::test]
async fn a_job_whose_lease_ran_out_is_taken_over_and_the_first_worker_cannot_finish_it() {
    let app = TestApp::empty().await;
    let db = &app.app.db;
    let now = Utc::now();
    let mut tx = db.begin().await.unwrap();
    assert!(store::jobs::enqueue(&mut tx, "reminder", "k1", &json!({}), now, now).await.unwrap());
    assert!(!store::jobs::enqueue(&mut tx, "reminder", "k1", &json!({}), now, now).await.unwrap(), "deduplicated");
    tx.commit().await.unwrap();
    let first = store::jobs::claim(db, "slow", 10, now, now + Duration::seconds(1), 5).await.unwrap();
    assert_eq!(first.len(), 1);
    // Leased: nobody else gets it.
    assert!(store::jobs::claim(db, "other", 10, now, now + Duration::minutes(5), 5).await.unwrap().is_empty());
    // The lease runs out: another worker takes it over, and the slow one's finish is refused.
    let later = now + Duration::seconds(2);
    let second = store::jobs::claim(db, "other", 10, later, later + Duration::minutes(5), 5).await.unwrap();
    assert_eq!((second.len(), second[0].attempts), (1, 2));
    let mut tx = db.begin().await.unwrap();
    assert!(!store::jobs::finish(&mut tx, first[0].id, "slow", later).await.unwrap());
    assert!(store::jobs::finish(&mut tx, second[0].id, "other", later).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store::jobs::counts(db, 5).await.unwrap(), (0, 0));
}

#[tokio::test]
async fn with_smtp_configured_a_reminder_also_goes_by_email_to_those_who_gave_an_address() {
    let outbox = tempfile::tempdir().unwrap();
    let url = format!("file://{}", outbox.path().display());
    let app = TestApp::with_config(|c| {
        c.smtp_url = url;
        c.smtp_from = "青峰镇安办 <anban@qingfeng.example>".into();
        c.public_url = "https://anjian.qingfeng.example".into();
        // Digests go out from digest_hour, town time: from midnight, so the test holds at any hour of the day.
        c.digest_hour = 0;
    })
    .await;
    app::demo::load(&app.app).await.unwrap();
    let org = app.login_demo("qf.organiser").await;
    let c = app.json(&org, Method::POST, "/api/v1/campaigns", json!({ "text": SEED })).await;
    let campaign: Uuid = c.json()["id"].as_str().unwrap().parse().unwrap();
    app.json(&org, Method::POST, &format!("/api/v1/campaigns/{campaign}/publish"), json!({})).await.succeeded();
    due_in(&app, campaign, "活动方案", 3).await;

    // The liaison gives an address (a bad one first: refused, nothing saved).
    let liaison = app.login_demo("qf.liaison").await;
    let bad = app.json(&liaison, Method::PUT, "/api/v1/me/email", json!({ "email": "hu at qingfeng" })).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app.json(&liaison, Method::PUT, "/api/v1/me/email", json!({ "email": "hu@qingfeng.example" })).await;
    assert_eq!(ok.json()["email"], "hu@qingfeng.example");
    app::jobs::run_until_idle(&app.app, "worker-a").await.unwrap();

    let mails: Vec<String> = std::fs::read_dir(outbox.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let to_liaison: Vec<&String> = mails.iter().filter(|m| m.contains("To: hu@qingfeng.example")).collect();
    // Every notification of the liaison's goes out once: the notice, the reminder, the overdue digest.
    let notes = app.get(&liaison, "/api/v1/notifications").await.json();
    assert_eq!(to_liaison.len(), notes["items"].as_array().map_or(0, Vec::len), "{mails:?} {notes}");
    let bodies: Vec<String> = to_liaison
        .iter()
        .map(|m| {
            let (head, body) = m.split_once("\r\n\r\n").unwrap();
            assert!(head.contains("anban@qingfeng.example") && head.contains("Subject: =?utf-8?"), "{head}");
            let raw: String = body.split_whitespace().collect();
            String::from_utf8(base64::Engine::decode(&base64::engine::general_purpose::STANDARD, raw).unwrap()).unwrap()
        })
        .collect();
    assert!(
        bodies.iter().any(|b| b.contains("截止：") && b.contains("https://anjian.qingfeng.example/tasks/")),
        "the reminder links back to the task: {bodies:?}"
    );
    // Nobody else gave an address: the organisers' and reviewers' digests stay in the app.
    assert!(!told(&app, "digest.staff").await.is_empty());
    assert_eq!(mails.len(), to_liaison.len());
    // Running again sends nothing twice.
    app::jobs::run_until_idle(&app.app, "worker-b").await.unwrap();
    assert_eq!(std::fs::read_dir(outbox.path()).unwrap().count(), mails.len());
}
