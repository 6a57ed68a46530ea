//! Hazard reports end to end through the router: an anonymous report from the public form with a photo is
//! taken up, given to a village, fixed and closed, and its reporter reads the reply with the receipt code;
//! a named reporter's identity stays sealed everywhere but in a custodian's audited reveal; photos lose their
//! GPS; and bad input (a video named .jpg, an SVG, guessed codes, a flood, another unit's case) is refused
//! with nothing stored. SQLite, and PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use testkit::{Client, TestApp, TestResponse};

const PHOTO: &[u8] = include_bytes!("fixtures/consultation-point.jpg");
/// The canaries: if either shows up anywhere a non-custodian can reach, the identity leaked.
const CANARY_NAME: &str = "甄鸣哨";
const CANARY_PHONE: &str = "13987654321";

/// Sends a multipart form with text fields and any number of files (name, bytes) under `files`.
async fn form(t: &TestApp, who: &Client, uri: &str, fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> TestResponse {
    let boundary = "hazard-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let req = Request::post(uri)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    t.send(who, req).await
}

async fn count(t: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    store::on_db!(&t.app.db, |p| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(p).await).unwrap()
}

async fn town(t: &TestApp) -> String {
    store::units::find_by_code_or_name(&t.app.db, "青峰镇").await.unwrap().unwrap().id.to_string()
}

/// The receipt code on a receipt page.
fn code_on(page: &str) -> String {
    let at = page.find("id=\"receipt-code\">").expect("a receipt code on the page");
    let rest = &page[at + "id=\"receipt-code\">".len()..];
    rest[..rest.find('<').unwrap()].to_owned()
}

/// An anonymous report with the photo through the public form; its receipt code.
async fn report_from_the_form(t: &TestApp, extra: &[(&str, &str)]) -> String {
    let town = town(t).await;
    let mut fields = vec![
        ("town", town.as_str()),
        ("category", "town_gas"),
        ("description", "老街饭店后厨液化气瓶与灶具没有分隔，软管老化开裂"),
        ("location", "青峰场社区老街 12 号"),
        ("anonymous", "1"),
    ];
    fields.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    fields.extend_from_slice(extra);
    let res = form(t, &Client::default(), "/report", &fields, &[("IMG_20260616_张三手机.jpg", PHOTO)]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    code_on(&res.text())
}

async fn the_case(t: &TestApp, staff: &Client) -> Value {
    let list = t.get(staff, "/api/v1/hazards").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let id = list.json()["items"][0]["id"].as_str().unwrap().to_owned();
    t.get(staff, &format!("/api/v1/hazards/{id}")).await.json()
}

/// The town's today (the app's own clock and offset), `days` away: deadlines are judged by it, not by UTC.
fn town_day(t: &TestApp, days: i64) -> chrono::NaiveDate {
    app::work::today(&t.app) + chrono::Duration::days(days)
}

async fn lookup(t: &TestApp, code: &str) -> TestResponse {
    t.json(&Client::default(), Method::POST, "/api/v1/public/reports/lookup", json!({ "code": code })).await
}

#[tokio::test]
async fn an_anonymous_report_goes_from_the_public_form_through_a_village_fix_to_closed_and_the_reporter_reads_the_reply()
 {
    let t = TestApp::new().await;
    let code = report_from_the_form(&t, &[]).await;
    let followed = lookup(&t, &code.to_lowercase()).await;
    assert_eq!(followed.json()["status"], "received", "{}", followed.text());

    let org = t.login_demo("qf.organiser").await;
    let case = the_case(&t, &org).await;
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(case["named"], false);
    assert_eq!(case["files"][0]["original_name"], "举报照片-1.jpg", "the server names reporter files");

    // The photo served back has no GPS (nor any EXIF), though the one sent had.
    assert!(app::evidence::read_exif(PHOTO).latitude.is_some());
    let photo = t.get(&org, &format!("/files/{}", case["files"][0]["file_id"].as_str().unwrap())).await;
    assert_eq!(photo.status, StatusCode::OK);
    assert_eq!(app::evidence::read_exif(&photo.body), app::evidence::Exif::default());

    // Closing before anything was fixed is refused by the case's state machine.
    let early = t.hazard_step(&org, &id, json!({ "step": "close", "reply": "已处理完毕" })).await;
    assert_eq!(
        (early.status, early.json()["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("case_not_accepted"))
    );

    assert!(t.hazard_step(&org, &id, json!({ "step": "accept" })).await.status.is_success());
    let village = t.unit_id("胡豆坪村").await;
    let deadline = town_day(&t, 10).to_string();
    let assigned = t
        .hazard_step(
            &org,
            &id,
            json!({ "step": "assign", "unit_id": village, "grade": "general", "deadline": deadline,
                "summary": "老街 12 号饭店后厨气瓶未分隔，请督促整改并拍照反馈" }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text());

    // The village's liaison sees staff's summary, never the report's own words or its photo.
    let liaison = t.login_demo("qf.liaison").await;
    let seen = t.get(&liaison, &format!("/api/v1/hazards/{id}")).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text());
    let seen = seen.json();
    assert_eq!(seen["description"], Value::Null);
    assert!(seen["files"].as_array().unwrap().is_empty());
    assert!(!seen.to_string().contains("软管老化开裂"));
    let page = t.get(&liaison, &format!("/hazards/{id}")).await.text();
    assert!(page.contains("请督促整改") && !page.contains("软管老化开裂"));

    // The liaison hands in the fix with a photo, through the page.
    let fixed = form(
        &t,
        &liaison,
        &format!("/hazards/{id}/rectify?_csrf={}", liaison.csrf),
        &[("text", "已加装隔断，更换软管，见照片")],
        &[("整改后.jpg", PHOTO)],
    )
    .await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER, "{}", fixed.text());
    assert_eq!(t.get(&org, &format!("/api/v1/hazards/{id}")).await.json()["status"], "rectified");

    let closed = t
        .hazard_step(
            &org,
            &id,
            json!({ "step": "close", "reply": "经现场核查，气瓶间已隔断，软管已更换。感谢您的举报！" }),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text());

    let followed = lookup(&t, &code).await.json();
    assert_eq!(followed["status"], "closed");
    assert_eq!(followed["closed"], true);
    assert!(followed["reply"].as_str().unwrap().contains("感谢您的举报"));
    let steps: Vec<&str> =
        followed["steps"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(steps, ["received", "accepted", "assigned", "rectified", "closed"]);
    // The reporter's page says the same (the code travels in the body, never in a URL).
    let page = t.post_form(&Client::default(), "/report/follow", &[("code", &code)]).await;
    assert!(page.text().contains("已销号") && page.text().contains("感谢您的举报"), "{}", page.text());

    // Every step is in the trail.
    let actions: Vec<String> = store::on_db!(&t.app.db, |p| sqlx::query_scalar::<_, String>(
        "SELECT action FROM audit_event WHERE action LIKE 'hazard.%' ORDER BY seq"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(actions, ["hazard.report", "hazard.accepted", "hazard.assigned", "hazard.rectified", "hazard.closed"]);
}

#[tokio::test]
async fn a_named_reporters_identity_is_sealed_and_only_a_custodian_with_a_reason_reveals_it_in_the_trail() {
    let t = TestApp::new().await;
    let code = report_from_the_form(&t, &[("anonymous", "0"), ("name", CANARY_NAME), ("phone", CANARY_PHONE)]).await;
    assert_eq!(code.replace('-', "").len(), 26);
    let org = t.login_demo("qf.organiser").await;
    let case = the_case(&t, &org).await;
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(case["named"], true);
    assert_eq!(case["allowed"]["reveal"], false);

    for who in ["qf.organiser", "qf.reviewer", "qf.admin", "qf.auditor", "yc.supervisor"] {
        let c = t.login_demo(who).await;
        let r = t
            .json(&c, Method::POST, &format!("/api/v1/hazards/{id}/reveal"), json!({ "reason": "核实举报人身份" }))
            .await;
        assert!(matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{who}: {}", r.status);
        assert!(!r.text().contains(CANARY_PHONE));
    }
    let custodian = t.login_demo("qf.custodian").await;
    let no_reason =
        t.json(&custodian, Method::POST, &format!("/api/v1/hazards/{id}/reveal"), json!({ "reason": "" })).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let before = count(&t, "audit_event").await;
    let revealed = t
        .json(
            &custodian,
            Method::POST,
            &format!("/api/v1/hazards/{id}/reveal"),
            json!({ "reason": "发放举报奖励需核实身份" }),
        )
        .await;
    assert_eq!(revealed.status, StatusCode::OK, "{}", revealed.text());
    assert_eq!(revealed.json()["phone"], CANARY_PHONE);
    assert_eq!(revealed.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(count(&t, "audit_event").await, before + 1);
    let reason: String = store::on_db!(&t.app.db, |p| sqlx::query_scalar::<_, String>(
        "SELECT summary FROM audit_event WHERE action = 'hazard.reveal'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert!(reason.contains("发放举报奖励需核实身份") && !reason.contains(CANARY_PHONE));

    // The stored row holds ciphertext only.
    let sealed: Vec<u8> =
        store::on_db!(&t.app.db, |p| sqlx::query_scalar::<_, Vec<u8>>("SELECT sealed FROM hazard_identity")
            .fetch_one(p)
            .await)
        .unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains(CANARY_PHONE));
}

/// What one caller got from one route: the status, and its text to search (a DOCX read as its text).
struct Reached {
    who: &'static str,
    path: String,
    status: StatusCode,
    text: String,
}

/// Every route a caller may read about a named report once it went the whole way (filed, accepted, assigned,
/// revealed by the custodian, rectified, closed, exposed), as every role and signed out: each must answer as
/// the role may (200 where it reads, the exact refusal elsewhere), and no answer, export, database column,
/// database file or write-ahead log may hold the reporter's name or phone, except the sealed identity.
#[tokio::test]
async fn the_reporters_name_and_phone_appear_nowhere_a_non_custodian_can_reach() {
    let t = TestApp::new().await;
    let code = report_from_the_form(&t, &[("anonymous", "0"), ("name", CANARY_NAME), ("phone", CANARY_PHONE)]).await;
    let org = t.login_demo("qf.organiser").await;
    let case = the_case(&t, &org).await;
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(case["files"].as_array().map(Vec::len), Some(1), "the report's photo is on the case");
    t.take_step(&org, &id, json!({ "step": "accept" })).await;
    let village = t.unit_id("胡豆坪村").await;
    let deadline = town_day(&t, 5).to_string();
    t.take_step(&org, &id, json!({ "step": "assign", "unit_id": village, "grade": "major", "deadline": deadline, "summary": "请立即整改燃气隐患" })).await;
    let custodian = t.login_demo("qf.custodian").await;
    let revealed = t
        .json(
            &custodian,
            Method::POST,
            &format!("/api/v1/hazards/{id}/reveal"),
            json!({ "reason": "核实举报人身份以便发放奖励" }),
        )
        .await;
    assert_eq!(revealed.status, StatusCode::OK, "{}", revealed.text());
    assert!(revealed.text().contains(CANARY_PHONE), "the custodian's reveal returns the sealed phone");
    t.take_step(&org, &id, json!({ "step": "rectify", "text": "已更换软管并分隔气瓶" })).await;
    t.take_step(&org, &id, json!({ "step": "close", "reply": "经查属实，已整改" })).await;
    t.take_step(&org, &id, json!({ "step": "expose", "public_text": "老街饭店液化气瓶与灶具未分隔，已整改。" })).await;
    app::jobs::run_until_idle(&t.app, "test").await.unwrap();
    let key = app::open311::create_key(&t.app, &system_admin(&t).await, town(&t).await.parse().unwrap(), "sweep")
        .await
        .unwrap();

    let mut reached = Vec::new();
    let mut read = |who: &'static str, path: String, r: TestResponse| {
        let text = if path.ends_with(".docx") && r.status == StatusCode::OK {
            notice::decode(&r.body).unwrap()
        } else {
            String::from_utf8_lossy(&r.body).into_owned()
        };
        reached.push(Reached { who, path, status: r.status, text });
    };
    let anyone = Client::default();
    read("public", "lookup".into(), lookup(&t, &code).await);
    read("public", "/report/follow".into(), t.post_form(&anyone, "/report/follow", &[("code", &code)]).await);
    for path in [
        "/exposure".to_owned(),
        "/api/v1/public/exposure".to_owned(),
        "/open311/v2/requests.json".to_owned(),
        "/open311/v2/requests.xml".to_owned(),
        format!("/open311/v2/requests.json?api_key={key}"),
        format!("/open311/v2/requests.xml?api_key={key}"),
        format!("/open311/v2/requests/{id}.json"),
        format!("/open311/v2/requests/{id}.xml?api_key={key}"),
    ] {
        read("public", path.clone(), t.get(&anyone, &path).await);
    }
    let file = case["files"][0]["file_id"].as_str().unwrap().to_owned();
    for who in ["qf.organiser", "qf.reviewer", "qf.liaison", "qf.admin", "qf.auditor", "yc.supervisor", "qf.custodian"]
    {
        let c = t.login_demo(who).await;
        for path in [
            "/".to_owned(),
            "/hazards".to_owned(),
            format!("/hazards/{id}"),
            "/hazards/stats".to_owned(),
            "/hazards/lists".to_owned(),
            format!("/hazards/{id}/notice.docx"),
            "/api/v1/hazards".to_owned(),
            format!("/api/v1/hazards/{id}"),
            "/api/v1/hazards/stats".to_owned(),
            "/notifications".to_owned(),
            "/api/v1/notifications".to_owned(),
            "/audit".to_owned(),
            "/api/v1/audit-events".to_owned(),
            format!("/files/{file}"),
            format!("/api/v1/files/{file}"),
        ] {
            read(who, path.clone(), t.get(&c, &path).await);
        }
    }
    let statuses: Vec<String> = reached.iter().map(|r| format!("{} {} {}", r.who, r.path, r.status.as_u16())).collect();
    for r in &reached {
        assert_eq!(r.status, expected_status(r.who, &r.path), "{} GET {}: {}", r.who, r.path, statuses.join("\n"));
        assert!(
            !r.text.contains(CANARY_NAME) && !r.text.contains(CANARY_PHONE),
            "{} GET {} leaked: {}",
            r.who,
            r.path,
            r.text.chars().take(400).collect::<String>()
        );
    }
    let read_200 = reached.iter().filter(|r| r.status == StatusCode::OK).count();
    assert!(read_200 >= 80, "the sweep read {read_200} answers");

    // Nor in any text column of any table: only the sealed row holds the identity, and not as text.
    let columns = text_columns(&t).await;
    assert!(columns.len() >= 40, "the scan knows every table's text columns: {columns:?}");
    for canary in [CANARY_NAME, CANARY_PHONE] {
        assert_eq!(columns_holding(&t, &columns, canary).await, Vec::<String>::new(), "{canary} in the database");
    }
    // The scan finds what is there: a control planted in a notification is found, in the column and as bytes.
    let control = "对照探针-7d41c";
    store::on_db!(&t.app.db, |p| sqlx::query("UPDATE notification SET body = body || $1")
        .bind(control)
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    assert_eq!(columns_holding(&t, &columns, control).await, ["notification.body"]);

    // On SQLite: not in the database file or its write-ahead log, as bytes (the control is).
    if !t.db.url.starts_with("postgres") {
        let files = walk(t.db.dir.path());
        let db_files: Vec<_> = files
            .iter()
            .filter(|f| f.file_name().is_some_and(|n| n.to_string_lossy().starts_with("anjian.sqlite")))
            .collect();
        assert!(db_files.len() >= 2, "the database file and its WAL are scanned: {files:?}");
        let holding = |needle: &str| -> Vec<String> {
            files
                .iter()
                .filter(|f| std::fs::read(f).unwrap().windows(needle.len()).any(|w| w == needle.as_bytes()))
                .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert!(holding(control).iter().any(|f| f.starts_with("anjian.sqlite")), "the byte scan finds the control");
        for canary in [CANARY_NAME, CANARY_PHONE] {
            assert_eq!(holding(canary), Vec::<String>::new(), "{canary} as bytes");
        }
    }
}

/// What each caller must get on each route of the sweep: 200 where the role reads it, else the exact refusal
/// (the routes matrix in `routes.rs` says why each role is refused where).
fn expected_status(who: &str, path: &str) -> StatusCode {
    const OK: StatusCode = StatusCode::OK;
    const NO: StatusCode = StatusCode::FORBIDDEN;
    const NF: StatusCode = StatusCode::NOT_FOUND;
    // Columns: organiser, reviewer, liaison (胡豆坪村, the case's unit), admin, auditor, supervisor, custodian.
    let row: [StatusCode; 7] = match path {
        _ if who == "public" => return OK,
        "/" | "/notifications" | "/api/v1/notifications" => [OK, OK, OK, OK, OK, OK, OK],
        "/audit" | "/api/v1/audit-events" => [NO, NO, NO, NO, OK, NO, NO],
        "/hazards" | "/api/v1/hazards" => [OK, OK, OK, NO, OK, OK, OK],
        "/hazards/stats" | "/api/v1/hazards/stats" | "/hazards/lists" => [OK, OK, NO, NO, OK, OK, OK],
        p if p.ends_with("/notice.docx") => [OK, OK, OK, NO, NO, NO, NO],
        // The reporter's photo: staff who handle cases, never the unit.
        p if p.contains("/files/") => [OK, OK, NF, OK, OK, OK, OK],
        _ => [OK, OK, OK, NF, OK, OK, OK],
    };
    let roles =
        ["qf.organiser", "qf.reviewer", "qf.liaison", "qf.admin", "qf.auditor", "yc.supervisor", "qf.custodian"];
    row[roles.iter().position(|r| *r == who).unwrap()]
}

/// Every text-like column of every table, as `table.column`.
async fn text_columns(t: &TestApp) -> Vec<String> {
    let sql = if t.db.url.starts_with("postgres") {
        "SELECT table_name || '.' || column_name FROM information_schema.columns
         WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea')
         ORDER BY 1"
    } else {
        "SELECT m.name || '.' || c.name FROM sqlite_master m, pragma_table_info(m.name) c
         WHERE m.type = 'table' AND (c.type IN ('TEXT', 'BLOB', '') OR c.type LIKE '%CHAR%') ORDER BY 1"
    };
    store::on_db!(&t.app.db, |p| sqlx::query_scalar::<_, String>(sql).fetch_all(p).await).unwrap()
}

/// The columns (of `columns`) where some row holds `needle`, compared as bytes.
async fn columns_holding(t: &TestApp, columns: &[String], needle: &str) -> Vec<String> {
    let pg = t.db.url.starts_with("postgres");
    let mut found = Vec::new();
    for tc in columns {
        let (table, column) = tc.split_once('.').unwrap();
        let sql = if pg {
            format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE position(convert_to($1, 'UTF8') in \
                 (CASE WHEN pg_typeof(\"{column}\")::text = 'bytea' THEN \"{column}\"::text::bytea ELSE convert_to(\"{column}\"::text, 'UTF8') END)) > 0"
            )
        } else {
            format!("SELECT COUNT(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS BLOB), CAST($1 AS BLOB)) > 0")
        };
        let n = store::on_db!(&t.app.db, |p| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(needle)
            .fetch_one(p)
            .await)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        if n > 0 {
            found.push(tc.clone());
        }
    }
    found
}

/// An admin of the demo town, as the system sees one.
async fn system_admin(t: &TestApp) -> app::auth::Actor {
    let town = store::units::find_by_code_or_name(&t.app.db, "青峰镇").await.unwrap().unwrap();
    app::auth::Actor { role: domain::Role::Admin, ..app::auth::Actor::system(town.id, town.path.clone()) }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[tokio::test]
async fn a_video_named_jpg_an_svg_and_a_bad_form_are_refused_with_nothing_stored_and_the_text_kept() {
    let t = TestApp::new().await;
    let town = town(&t).await;
    let base = [
        ("town", town.as_str()),
        ("category", "fire_safety"),
        ("description", "商铺消防通道被货物堵塞"),
        ("location", "青峰场社区"),
        ("anonymous", "1"),
    ];
    let video = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free";
    let renamed = form(&t, &Client::default(), "/report", &base, &[("fire.jpg", video)]).await;
    assert_eq!(renamed.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", renamed.text());
    assert!(renamed.text().contains("商铺消防通道被货物堵塞"), "what was typed comes back");
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let scripted = form(&t, &Client::default(), "/report", &base, &[("map.svg", svg)]).await;
    assert_eq!(scripted.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let broken =
        form(&t, &Client::default(), "/report", &base, &[("photo.jpg", b"\xFF\xD8\xFF\xE0 not really a photo")]).await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", broken.text());
    let mut missing = base.to_vec();
    missing[2] = ("description", "");
    let empty = form(&t, &Client::default(), "/report", &missing, &[]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().contains("商铺") || empty.text().contains("请说明"), "{}", empty.text());
    assert_eq!(count(&t, "hazard_case").await, 0);
    assert_eq!(count(&t, "stored_file").await, 0);

    let api = t
        .json(
            &Client::default(),
            Method::POST,
            "/api/v1/public/reports",
            json!({ "category": "nuclear", "description": "x" }),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.json()["error"]["code"], "invalid_input");
    assert_eq!(count(&t, "hazard_case").await, 0);
}

#[tokio::test]
async fn guessed_receipt_codes_find_nothing_and_then_get_429_and_a_flood_of_reports_gets_429() {
    let t = TestApp::with_config(|c| {
        c.receipt_lookups_per_hour = 30;
        c.reports_per_hour = 5;
    })
    .await;
    app::demo::load(&t.app).await.unwrap();
    let mut statuses = Vec::new();
    for i in 0..40u8 {
        let guess = domain::hazards::receipt_code(&[i; 17]);
        statuses.push(lookup(&t, &guess).await.status);
    }
    assert!(statuses[..30].iter().all(|s| *s == StatusCode::NOT_FOUND), "{statuses:?}");
    assert!(statuses[30..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    let malformed =
        t.json(&Client::default(), Method::POST, "/api/v1/public/reports/lookup", json!({ "code": "1234" })).await;
    assert_eq!(malformed.status, StatusCode::TOO_MANY_REQUESTS, "the limit counts every lookup");

    let body = json!({ "town_id": town(&t).await, "category": "fire_safety", "description": "仓库门口堆放大量纸箱", "location": "牌坊坝村" });
    let mut made = Vec::new();
    for _ in 0..7 {
        made.push(t.json(&Client::default(), Method::POST, "/api/v1/public/reports", body.clone()).await.status);
    }
    assert_eq!(made[..5], [StatusCode::CREATED; 5]);
    assert_eq!(made[5..], [StatusCode::TOO_MANY_REQUESTS; 2]);
    assert_eq!(count(&t, "hazard_case").await, 5, "every accepted report is kept, no refused one");
}

#[tokio::test]
async fn a_liaison_sees_only_cases_given_to_their_unit() {
    let t = TestApp::new().await;
    report_from_the_form(&t, &[]).await;
    let org = t.login_demo("qf.organiser").await;
    let case = the_case(&t, &org).await;
    let id = case["id"].as_str().unwrap().to_owned();
    let liaison = t.login_demo("qf.liaison").await;
    assert_eq!(t.get(&liaison, &format!("/api/v1/hazards/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&liaison, "/api/v1/hazards").await.json()["total"], 0);
    t.take_step(&org, &id, json!({ "step": "accept" })).await;
    let other = t.unit_id("佛岩寺村").await;
    let deadline = town_day(&t, 3).to_string();
    let r = t.hazard_step(&org, &id, json!({ "step": "assign", "unit_id": other, "grade": "general", "deadline": deadline, "summary": "请核查整改燃气隐患" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(t.get(&liaison, &format!("/api/v1/hazards/{id}")).await.status, StatusCode::NOT_FOUND);
    let fix = t.hazard_step(&liaison, &id, json!({ "step": "rectify", "text": "已整改完毕" })).await;
    assert_eq!(fix.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&org, &format!("/api/v1/hazards/{id}")).await.json()["status"], "assigned");
}

#[tokio::test]
async fn a_hotline_call_gets_a_code_for_the_caller_and_an_overdue_case_is_escalated_once() {
    let t = TestApp::new().await;
    let org = t.login_demo("qf.organiser").await;
    let call = t
        .json(
            &org,
            Method::POST,
            "/api/v1/hazards",
            json!({ "channel": "hotline", "category": "城镇燃气",
            "description": "来电反映加气站附近有燃气味", "location": "凌阁堂村加气站" }),
        )
        .await;
    assert_eq!(call.status, StatusCode::CREATED, "{}", call.text());
    let code = call.json()["code"].as_str().unwrap().to_owned();
    let id = call.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(lookup(&t, &code).await.json()["status"], "received");
    assert_eq!(t.get(&org, &format!("/api/v1/hazards/{id}")).await.json()["channel"], "hotline");
    t.take_step(&org, &id, json!({ "step": "accept" })).await;
    let village = t.unit_id("凌阁堂村").await;
    let today = town_day(&t, 0).to_string();
    t.take_step(&org, &id, json!({ "step": "assign", "unit_id": village, "grade": "major", "deadline": today, "summary": "加气站燃气泄漏排查" })).await;
    // Move the deadline into the past, as time would.
    store::on_db!(&t.app.db, |p| sqlx::query("UPDATE hazard_case SET deadline = $1")
        .bind(town_day(&t, -2))
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    assert_eq!(app::cases::escalate_overdue(&t.app).await.unwrap(), 1);
    assert_eq!(app::cases::escalate_overdue(&t.app).await.unwrap(), 0, "once");
    let overdue = t.get(&org, "/api/v1/hazards?overdue=1").await.json();
    assert_eq!(overdue["total"], 1);
    assert_eq!(overdue["items"][0]["escalated"], true);
    let told: i64 = store::on_db!(&t.app.db, |p| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM notification WHERE title LIKE '隐患整改逾期%'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert!(told >= 2, "the organiser and the reviewer are told: {told}");
}

#[tokio::test]
async fn a_closed_major_case_earns_a_confirmed_reward_goes_on_the_public_board_in_staffs_words_and_its_notice_reads_the_summary()
 {
    let t = TestApp::new().await;
    let filed = t
        .json(
            &Client::default(),
            Method::POST,
            "/api/v1/public/reports",
            json!({
            "town_id": town(&t).await, "category": "hazardous_chemicals", "anonymous": false,
            "name": CANARY_NAME, "phone": CANARY_PHONE,
            "description": "加油站夜间违规向无证车辆散装销售汽油", "location": "青峰示例加油站" }),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
    let code = filed.json()["code"].as_str().unwrap().to_owned();
    let org = t.login_demo("qf.organiser").await;
    let id = the_case(&t, &org).await["id"].as_str().unwrap().to_owned();
    let village = t.unit_id("胡豆坪村").await;
    let deadline = town_day(&t, 3).to_string();
    t.take_step(&org, &id, json!({ "step": "accept" })).await;
    t.take_step(
        &org,
        &id,
        json!({ "step": "assign", "unit_id": village, "grade": "major", "deadline": deadline,
        "summary": "辖区加油站存在违规散装销售汽油问题，请配合立即整改" }),
    )
    .await;

    // The rectification notice is written from the summary, for the unit too.
    let liaison = t.login_demo("qf.liaison").await;
    let docx = t.get(&liaison, &format!("/hazards/{id}/notice.docx")).await;
    assert_eq!(docx.status, StatusCode::OK, "{}", docx.text());
    let text = notice::decode(&docx.body).unwrap();
    assert!(
        text.contains("隐患整改通知书") && text.contains("违规散装销售汽油问题") && text.contains("胡豆坪村"),
        "{text}"
    );
    assert!(!text.contains("无证车辆") && !text.contains(CANARY_NAME) && !text.contains(CANARY_PHONE));

    // Nothing to reward or expose before the case is closed.
    let early = t.hazard_step(&org, &id, json!({ "step": "reward", "fine": "50000" })).await;
    assert_eq!(early.json()["error"]["code"], "case_not_closed");
    t.take_step(&org, &id, json!({ "step": "rectify", "text": "已停止散装销售并处罚款" })).await;
    let closed = t.hazard_step(&org, &id, json!({ "step": "close", "reply": "经查属实，已依法处理" })).await;
    assert_eq!(closed.json()["allowed"]["reward"], true, "{}", closed.text());

    let bad = t.hazard_step(&org, &id, json!({ "step": "reward", "fine": "五万" })).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rewarded = t.hazard_step(&org, &id, json!({ "step": "reward", "fine": "50,000" })).await;
    assert_eq!(rewarded.json()["reward_fen"], 750_000, "15 % of ¥50,000: {}", rewarded.text());
    let again = t.hazard_step(&org, &id, json!({ "step": "reward", "fine": "50000" })).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let seen = lookup(&t, &code).await.json();
    assert_eq!((seen["reward_fen"].as_i64(), seen["reward_claimed"].as_bool()), (Some(750_000), Some(false)));
    let claimed = t.post_form(&Client::default(), "/report/follow/claim", &[("code", &code)]).await;
    assert!(claimed.text().contains("已申领"), "{}", claimed.text());
    assert_eq!(lookup(&t, &code).await.json()["reward_claimed"], true);

    // Exposed in staff's words, with the red list beside it; the figures count the case.
    let exposed = t
        .hazard_step(
            &org,
            &id,
            json!({ "step": "expose", "public_text": "青峰示例加油站违规散装销售汽油，已责令停止并依法处罚。" }),
        )
        .await;
    assert_eq!(exposed.status, StatusCode::OK, "{}", exposed.text());
    let enterprise = t.unit_id("青峰示例建材有限公司").await;
    let listed = t
        .post_form(
            &org,
            "/hazards/lists",
            &[
                ("unit", &enterprise),
                ("list", "red"),
                ("reason", "隐患自查整改及时，全年无事故"),
                ("published_on", "2020-01-01"),
                ("expires_on", "2020-12-31"),
            ],
        )
        .await;
    assert_eq!(listed.status, StatusCode::SEE_OTHER, "an expired window is still an entry: {}", listed.text());
    let today = town_day(&t, 0);
    let live = t
        .post_form(
            &org,
            "/hazards/lists",
            &[
                ("unit", &enterprise),
                ("list", "red"),
                ("reason", "隐患自查整改及时，全年无事故"),
                ("published_on", &today.to_string()),
                ("expires_on", &(today + chrono::Duration::days(90)).to_string()),
            ],
        )
        .await;
    assert_eq!(live.status, StatusCode::SEE_OTHER);
    let too_long = t
        .post_form(
            &org,
            "/hazards/lists",
            &[
                ("unit", &enterprise),
                ("list", "black"),
                ("reason", "违规"),
                ("published_on", "2026-01-01"),
                ("expires_on", "2028-01-01"),
            ],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let board = t.get(&Client::default(), "/api/v1/public/exposure").await.json();
    assert_eq!(board["exposed"].as_array().unwrap().len(), 1);
    assert!(board["exposed"][0]["text"].as_str().unwrap().contains("已责令停止"));
    assert_eq!(board["red"].as_array().unwrap().len(), 1, "only the entry within its window: {board}");
    assert_eq!(board["stats"]["total"], 1);
    assert_eq!(board["stats"]["closed"], 1);
    let page = t.get(&Client::default(), "/exposure").await.text();
    assert!(page.contains("已责令停止") && page.contains("青峰示例建材有限公司"), "{page}");
    for leak in [CANARY_NAME, CANARY_PHONE, "无证车辆"] {
        assert!(!page.contains(leak) && !board.to_string().contains(leak), "{leak} on the public board");
    }
    let open311 = t.get(&Client::default(), &format!("/open311/v2/requests/{id}.json")).await.json();
    assert_eq!(open311[0]["address"], "青峰示例加油站", "an exposed case shows its place");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_filed_at_once_are_written_together_each_kept_and_the_trail_still_verifies() {
    let t = TestApp::with_config(|c| c.reports_per_hour = 0).await;
    app::demo::load(&t.app).await.unwrap();
    let town = town(&t).await;
    let anyone = Client::default();
    let sends = (0..120).map(|i| {
        let body = json!({ "town_id": town, "category": "fire_safety", "description": format!("第 {i} 个举报：消防通道堵塞"),
                           "location": "青峰场社区", "anonymous": i % 3 != 0, "name": "并发举报人", "phone": "13911112222" });
        t.json(&anyone, Method::POST, "/api/v1/public/reports", body)
    });
    let answers = futures::future::join_all(sends).await;
    assert!(
        answers.iter().all(|a| a.status == StatusCode::CREATED),
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    let codes: std::collections::HashSet<String> =
        answers.iter().map(|a| a.json()["code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 120, "every report its own code");
    assert_eq!(count(&t, "hazard_case").await, 120);
    assert_eq!(count(&t, "hazard_identity").await, 40);
    assert_eq!(count(&t, "hazard_event").await, 120);
    for code in codes.iter().take(5) {
        assert_eq!(lookup(&t, code).await.json()["status"], "received");
    }
    assert!(app::audit::verify(&t.app).await.unwrap().is_ok(), "the audit chain verifies");
}

/// Collects every log line the app writes (any level) while a test runs on this thread.
#[derive(Clone, Default)]
struct LogSink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_log_line_carries_the_reporters_name_phone_or_receipt_code() {
    // The process-wide subscriber (a thread's own one misses events whose interest another test's thread
    // cached): it also collects the other tests' lines in this binary, which name the same canaries.
    let sink = LogSink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        // Every request's span (its id, method and path) as a line, beside every event.
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let t = TestApp::new().await;
    let code = report_from_the_form(&t, &[("anonymous", "0"), ("name", CANARY_NAME), ("phone", CANARY_PHONE)]).await;
    lookup(&t, &code).await.succeeded();
    t.post_form(&Client::default(), "/report/follow", &[("code", &code)]).await.succeeded();
    let org = t.login_demo("qf.organiser").await;
    let id = the_case(&t, &org).await["id"].as_str().unwrap().to_owned();
    t.take_step(&org, &id, json!({ "step": "decline", "reason": "经核实不属于安全隐患" })).await;
    let custodian = t.login_demo("qf.custodian").await;
    let revealed = t
        .json(&custodian, Method::POST, &format!("/api/v1/hazards/{id}/reveal"), json!({ "reason": "核实身份" }))
        .await;
    assert_eq!(revealed.status, StatusCode::OK);
    app::jobs::run_until_idle(&t.app, "test").await.unwrap();

    let logged = String::from_utf8_lossy(&sink.0.lock().unwrap()).into_owned();
    assert!(logged.contains("/report/follow") && logged.contains("/api/v1/hazards/"), "requests were logged: {logged}");
    for secret in [CANARY_NAME, CANARY_PHONE, code.as_str(), &code.replace('-', "")] {
        assert!(!logged.contains(secret), "{secret} in the log:\n{logged}");
    }
}

#[tokio::test]
async fn a_two_gigabyte_video_is_refused_once_it_passes_the_limit_and_nothing_is_kept() {
    let t = TestApp::with_config(|c| c.report_upload_max_mib = 4).await;
    app::demo::load(&t.app).await.unwrap();
    let town = town(&t).await;
    let boundary = "big-video-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"town\"\r\n\r\n{town}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nfire_safety\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n仓库消防通道被堵塞\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"location\"\r\n\r\n青峰场社区\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.mp4\"\r\n\r\n"
    );
    // 2 GiB of video, made as it is read: the server must stop reading long before the end.
    const GIB: u64 = 1 << 30;
    let chunk = bytes::Bytes::from(vec![0u8; 1 << 20]);
    let mut first = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
    first.resize(1 << 20, 0);
    let parts = futures::stream::iter(
        std::iter::once(bytes::Bytes::from(head.into_bytes()))
            .chain(std::iter::once(bytes::Bytes::from(first)))
            .chain(std::iter::repeat_n(chunk, usize::try_from(2 * GIB / (1 << 20)).unwrap() - 1))
            .map(Ok::<_, std::io::Error>),
    );
    let req = Request::post("/report")
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from_stream(parts))
        .unwrap();
    let res = t.send(&Client::default(), req).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.text());
    assert!(res.text().contains("文件超过大小上限（4 MB）"), "the form says why: {}", res.text());
    assert_eq!(count(&t, "hazard_case").await, 0);
    assert_eq!(count(&t, "stored_file").await, 0);
    let leftovers = std::fs::read_dir(t.db.dir.path().join("data/tmp")).unwrap().count();
    assert_eq!(leftovers, 0, "no part of the video is left on disk");
}
