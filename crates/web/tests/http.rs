//! The web layer end to end, in-process: sessions, CSRF, forms that keep what was typed, the unit
//! register with search and import, files, the API's errors and the operations endpoints. Each test
//! runs on SQLite, and on PostgreSQL when `ANJIAN_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::http::{Method, StatusCode};
use serde_json::json;
use testkit::{Client, TestApp};

const ANON: Client = Client { cookie: None, csrf: String::new() };

async fn unit_id(app: &TestApp, client: &Client, name: &str) -> String {
    let res = app.get(client, &format!("/api/v1/units?q={}&status=all", urlencode(name))).await;
    let items = res.json()["items"].as_array().cloned().unwrap_or_default();
    items.iter().find(|u| u["name"] == name).unwrap_or_else(|| panic!("no unit {name}: {}", res.text()))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn signing_in_by_the_login_form_sets_a_session_and_signing_out_revokes_it() {
    let app = TestApp::new().await;
    let res = app
        .post_form(
            &ANON,
            "/login",
            &[("username", "qf.admin"), ("password", app::demo::DEMO_PASSWORD), ("next", "/units")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location().as_deref(), Some("/units"));
    let cookie = res.header("set-cookie").unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let client = Client { cookie: Some(cookie.split(';').next().unwrap().to_owned()), csrf: String::new() };
    let page = app.get(&client, "/units").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("胡豆坪村"));
    let csrf = page.text().split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let client = Client { csrf, ..client };
    let out = app.post_form(&client, "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // The same cookie is worthless now.
    let after = app.get(&client, "/units").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().unwrap().starts_with("/login"));
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_saying_which_part_was_wrong_and_guessing_is_throttled() {
    let app = TestApp::new().await;
    let unknown = app.post_form(&ANON, "/login", &[("username", "nobody"), ("password", "x")]).await;
    let wrong = app.post_form(&ANON, "/login", &[("username", "qf.admin"), ("password", "wrong password")]).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("用户名或密码错误"));
    assert!(wrong.text().contains("value=\"qf.admin\""), "the user name typed is kept");
    for _ in 0..4 {
        app.post_form(&ANON, "/login", &[("username", "qf.admin"), ("password", "wrong password")]).await;
    }
    let locked =
        app.post_form(&ANON, "/login", &[("username", "qf.admin"), ("password", app::demo::DEMO_PASSWORD)]).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.header("retry-after").is_some());
    let api = app.json(&ANON, Method::POST, "/api/v1/session", json!({"username": "qf.admin", "password": "x"})).await;
    assert_eq!(api.json()["error"]["code"], "too_many_attempts");
    // Another account is not locked by these failures, and the town's auditor sees them.
    app.login_demo("qf.organiser").await;
    let auditor = app.login_demo("qf.auditor").await;
    let trail = app.get(&auditor, "/api/v1/audit-events?action=auth.login_failed").await.json();
    // Five wrong passwords for qf.admin; the unknown name is not the town's, the throttled try not a check.
    assert_eq!(trail["total"], 5, "{trail}");
}

#[tokio::test]
async fn a_state_change_without_the_csrf_token_or_from_another_site_is_refused() {
    let app = TestApp::new().await;
    let admin = app.login_demo("qf.admin").await;
    let no_token = Client { csrf: String::new(), ..admin.clone() };
    let res = app.post_form(&no_token, "/units", &[("name", "新村"), ("kind", "village")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let wrong = Client { csrf: "not-the-token".into(), ..admin.clone() };
    let res = app.json(&wrong, Method::POST, "/api/v1/units", json!({"name": "新村", "kind": "village"})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["error"]["code"], "csrf_failed");
    let req = axum::http::Request::post("/api/v1/units")
        .header("content-type", "application/json")
        .header("origin", "http://evil.example")
        .header("host", "anjian.local")
        .body(axum::body::Body::from(json!({"name": "新村", "kind": "village"}).to_string()))
        .unwrap();
    assert_eq!(app.send(&admin, req).await.status, StatusCode::FORBIDDEN);
    let listed = app.get(&admin, "/api/v1/units?q=%E6%96%B0%E6%9D%91").await;
    assert_eq!(listed.json()["total"], 0, "nothing was created");
}

#[tokio::test]
async fn a_unit_form_with_mistakes_comes_back_with_what_was_typed_and_a_message_beside_each_field() {
    let app = TestApp::new().await;
    let admin = app.login_demo("qf.organiser").await;
    let res = app
        .post_form(
            &admin,
            "/units",
            &[
                ("name", "胡豆坪村"),
                ("kind", "village"),
                ("code", "12ab"),
                ("contact_name", "张三"),
                ("contact_phone", "12345"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text();
    assert!(html.contains("value=\"张三\""), "typed contact kept");
    assert!(html.contains("value=\"12ab\""), "typed code kept");
    assert!(html.contains("id=\"code-err\""));
    assert!(html.contains("id=\"contact_phone-err\""));
    assert!(html.contains("请填写手机号"));
}

#[tokio::test]
async fn organisers_create_edit_deactivate_and_reactivate_units_and_each_step_is_audited() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let res = app
        .json(
            &org,
            Method::POST,
            "/api/v1/units",
            json!({"name": "青峰示例砖厂", "kind": "enterprise", "industry": "工贸", "contact_phone": "13800138000"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let res = app
        .json(
            &org,
            Method::PUT,
            &format!("/api/v1/units/{id}"),
            json!({"name": "青峰示例砖瓦厂", "kind": "enterprise", "industry": "工贸"}),
        )
        .await;
    assert_eq!(res.json()["name"], "青峰示例砖瓦厂");
    let res = app.json(&org, Method::POST, &format!("/api/v1/units/{id}/deactivate"), json!({})).await;
    assert_eq!(res.json()["active"], false);
    let active = app.get(&org, "/api/v1/units?q=%E7%A0%96%E7%93%A6").await;
    assert_eq!(active.json()["total"], 0, "inactive units leave the default list");
    let res = app.json(&org, Method::POST, &format!("/api/v1/units/{id}/reactivate"), json!({})).await;
    assert_eq!(res.json()["active"], true);
    let auditor = app.login_demo("qf.auditor").await;
    let trail = app.get(&auditor, &format!("/api/v1/audit-events?entity_id={id}")).await;
    let actions: Vec<String> =
        trail.json()["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["unit.reactivate", "unit.deactivate", "unit.update", "unit.create"]);
    assert!(app::audit::verify(&app.app).await.unwrap().is_ok(), "the chain still verifies");
}

#[tokio::test]
async fn the_unit_list_finds_chinese_names_pinyin_initials_and_codes_and_pages_by_fifty() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.reviewer").await;
    let by_char = app.get(&org, "/api/v1/units?q=%E8%8E%B2").await; // 莲
    assert_eq!(by_char.json()["items"][0]["name"], "莲花石村");
    let by_pinyin = app.get(&org, "/api/v1/units?q=hdp").await;
    assert_eq!(by_pinyin.json()["items"][0]["name"], "胡豆坪村");
    let by_code = app.get(&org, "/api/v1/units?q=500118100").await;
    assert_eq!(by_code.json()["items"][0]["name"], "青峰镇");
    let wildcard = app.get(&org, "/api/v1/units?q=%25").await;
    assert_eq!(wildcard.json()["total"], 0, "a % is searched for, not a wildcard");
    let villages = app.get(&org, "/api/v1/units?kind=village").await;
    assert_eq!(villages.json()["total"], 5);
    let bad = app.get(&org, "/api/v1/units?kind=planet").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_page = app.get(&org, "/api/v1/units?page=abc").await;
    assert_eq!(bad_page.json()["error"]["code"], "invalid_query");
    let html = app.get(&org, "/units?page=abc").await;
    assert_eq!(html.status, StatusCode::BAD_REQUEST);
    assert!(html.text().contains("参数有误"));
    // 120 more units make three pages.
    let admin = app.login_demo("qf.admin").await;
    let mut csv = String::from("名称,类型\n");
    for i in 0..120 {
        csv.push_str(&format!("分页测试村{i:03},村\n"));
    }
    let res = app.upload(&admin, "/api/v1/units/imports", "u.csv", csv.as_bytes(), &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let p3 = app.get(&org, "/api/v1/units?q=%E5%88%86%E9%A1%B5&page=3").await.json();
    assert_eq!((p3["total"].as_i64(), p3["items"].as_array().unwrap().len()), (Some(120), 20));
    let page = app.get(&org, "/units?q=%E5%88%86%E9%A1%B5&page=2").await.text();
    assert!(page.contains("aria-current=\"page\">2<"));
    assert!(page.contains("共 120 个单位"));
}

#[tokio::test]
async fn one_town_never_sees_another_towns_units_but_the_district_sees_both() {
    let app = TestApp::new().await;
    let district = app.login_demo("yc.supervisor").await;
    let laisu_unit = unit_id(&app, &district, "来苏镇应急办（示例）").await;
    let town = app.login_demo("qf.organiser").await;
    let res = app.get(&town, &format!("/api/v1/units/{laisu_unit}")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.text().contains("来苏"), "{}", res.text());
    let edit = app
        .json(&town, Method::PUT, &format!("/api/v1/units/{laisu_unit}"), json!({"name": "改名", "kind": "department"}))
        .await;
    assert_eq!(edit.status, StatusCode::NOT_FOUND);
    let list = app.get(&town, "/api/v1/units?q=%E6%9D%A5%E8%8B%8F").await; // 来苏
    assert_eq!(list.json()["total"], 0);
    assert_eq!(app.get(&district, &format!("/api/v1/units/{laisu_unit}")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_import_with_one_bad_row_changes_nothing_and_names_the_row() {
    let app = TestApp::new().await;
    let admin = app.login_demo("qf.admin").await;
    let csv = "名称,类型,联系电话\n新建一村,村,13800138000\n新建二村,星球,\n胡豆坪村,村,023-49626011\n";
    let res = app.upload(&admin, "/api/v1/units/imports", "units.csv", csv.as_bytes(), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text());
    let report = res.json();
    assert_eq!(report["applied"], false);
    assert_eq!(report["failed"], 1);
    assert_eq!(report["rows"][1]["line"], 3);
    assert_eq!(report["rows"][1]["outcome"], "error");
    assert_eq!(report["rows"][2]["outcome"], "update");
    let after = app.get(&admin, "/api/v1/units?q=%E6%96%B0%E5%BB%BA").await; // 新建
    assert_eq!(after.json()["total"], 0, "nothing was applied");
    let hdp = app.get(&admin, &format!("/api/v1/units/{}", unit_id(&app, &admin, "胡豆坪村").await)).await;
    assert!(hdp.json()["contact_phone"].is_null(), "the existing unit is untouched");
    // The report stays readable, and the uploaded file was kept.
    let id = report["import_id"].as_str().unwrap();
    let page = app.get(&admin, &format!("/units/imports/{id}")).await.text();
    assert!(page.contains("未导入") && page.contains("请选择单位类型"), "{page}");
    let file = app.get(&admin, &format!("/files/{}", report["file_id"].as_str().unwrap())).await;
    assert_eq!(file.body, csv.as_bytes());
}

#[tokio::test]
async fn a_clean_import_applies_every_row_and_a_second_run_changes_nothing() {
    let app = TestApp::new().await;
    let admin = app.login_demo("qf.admin").await;
    let csv = "名称,类型,代码,行业,联系人,联系电话\n青峰示例化工厂,企业,91500118MA5U4X2K3C,危险化学品,赵六,13800138002\n胡豆坪村,村,,,胡主任,023-49626011\n";
    let res = app.upload(&admin, "/api/v1/units/imports", "units.csv", csv.as_bytes(), &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let r = res.json();
    assert_eq!((r["applied"].as_bool(), r["created"].as_i64(), r["updated"].as_i64()), (Some(true), Some(1), Some(1)));
    let again = app.upload(&admin, "/api/v1/units/imports", "units.csv", csv.as_bytes(), &[]).await.json();
    assert_eq!(
        (again["created"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(0), Some(2))
    );
    let dry = app
        .upload(&admin, "/api/v1/units/imports", "more.csv", "名称,类型\n试运行村,村\n".as_bytes(), &[("dry_run", "1")])
        .await
        .json();
    assert_eq!((dry["applied"].as_bool(), dry["created"].as_i64()), (Some(false), Some(1)));
    assert_eq!(app.get(&admin, "/api/v1/units?q=%E8%AF%95%E8%BF%90%E8%A1%8C").await.json()["total"], 0);
}

#[tokio::test]
async fn an_xlsx_import_reads_numbers_as_codes_and_phones() {
    let app = TestApp::new().await;
    let admin = app.login_demo("qf.admin").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["名称", "类型", "代码", "联系电话"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "表格导入村").unwrap();
    sheet.write_string(1, 1, "村").unwrap();
    sheet.write_number(1, 2, 500118100201.0).unwrap();
    sheet.write_number(1, 3, 13800138003.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let res = app.upload(&admin, "/api/v1/units/imports", "units.xlsx", &bytes, &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let id = unit_id(&app, &admin, "表格导入村").await;
    let unit = app.get(&admin, &format!("/api/v1/units/{id}")).await.json();
    assert_eq!((unit["code"].as_str(), unit["contact_phone"].as_str()), (Some("500118100201"), Some("13800138003")));
}

#[tokio::test]
async fn uploads_are_refused_when_mislabelled_oversized_or_of_a_forbidden_type_and_leave_nothing_behind() {
    let app = TestApp::with_config(|c| c.upload_max_mib = 1).await;
    app::demo::load(&app.app).await.unwrap();
    let admin = app.login_demo("qf.admin").await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let mislabelled = app.upload(&admin, "/api/v1/files", "report.pdf", png, &[]).await;
    assert_eq!(mislabelled.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(mislabelled.json()["error"]["code"], "file_type_mismatch");
    let html = app.upload(&admin, "/api/v1/files", "a.txt", b"<html><script>alert(1)</script>", &[]).await;
    assert_eq!(html.json()["error"]["code"], "file_type_mismatch");
    let html = app.upload(&admin, "/api/v1/files", "page", b"<html><script>alert(1)</script>", &[]).await;
    assert_eq!(
        (html.status, html.json()["error"]["code"].as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("file_type_not_allowed"))
    );
    let big = vec![b'a'; (1 << 20) + 10];
    let res = app.upload(&admin, "/api/v1/files", "big.txt", &big, &[]).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    let empty = app.upload(&admin, "/api/v1/files", "e.txt", b"", &[]).await;
    assert_eq!(empty.json()["error"]["code"], "file_empty");
    let photo = app.upload(&admin, "/api/v1/units/imports", "x.png", png, &[]).await;
    assert_eq!(photo.json()["error"]["code"], "file_type_not_allowed", "imports take spreadsheets only");
    let tmp = app.db.dir.path().join("data/tmp");
    assert_eq!(std::fs::read_dir(tmp).unwrap().count(), 0, "no temp file left");
}

#[tokio::test]
async fn uploads_larger_than_a_form_stream_through_up_to_the_configured_limit() {
    let app = TestApp::with_config(|c| c.upload_max_mib = 8).await;
    app::demo::load(&app.app).await.unwrap();
    let org = app.login_demo("qf.organiser").await;
    let video = {
        let mut v = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
        v.resize(5 << 20, 7);
        v
    };
    let res = app.upload(&org, "/api/v1/files", "巡查.mp4", &video, &[]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.json()["content_type"], "video/mp4");
    assert_eq!(res.json()["size"], 5 << 20);
}

#[tokio::test]
async fn a_stored_file_downloads_with_its_type_name_and_byte_ranges() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let text = "青峰镇2021年安全生产月活动方案\n".repeat(10);
    let res = app.upload(&org, "/api/v1/files", "../../方案.txt", text.as_bytes(), &[]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let f = res.json();
    assert_eq!(f["name"], "方案.txt");
    assert_eq!(f["content_type"], "text/plain");
    let id = f["id"].as_str().unwrap();
    let whole = app.get(&org, &format!("/api/v1/files/{id}")).await;
    assert_eq!(whole.body, text.as_bytes());
    assert_eq!(whole.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert!(whole.header("content-disposition").unwrap().starts_with("attachment;"));
    let req = axum::http::Request::get(format!("/api/v1/files/{id}"))
        .header("range", "bytes=0-8")
        .body(axum::body::Body::empty())
        .unwrap();
    let part = app.send(&org, req).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, "青峰镇".as_bytes());
    assert_eq!(part.header("content-range").unwrap(), format!("bytes 0-8/{}", text.len()));
    let req = axum::http::Request::get(format!("/api/v1/files/{id}"))
        .header("range", "bytes=99999-")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(&org, req).await.status, StatusCode::RANGE_NOT_SATISFIABLE);
    // A liaison may not read staff files; the auditor may not upload.
    let liaison = app.login_demo("qf.liaison").await;
    assert_eq!(app.get(&liaison, &format!("/api/v1/files/{id}")).await.status, StatusCode::NOT_FOUND);
    let auditor = app.login_demo("qf.auditor").await;
    assert_eq!(app.upload(&auditor, "/api/v1/files", "a.txt", b"x", &[]).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_creates_an_account_whose_one_time_password_must_be_changed_first() {
    let app = TestApp::new().await;
    let admin = app.login_demo("qf.admin").await;
    let village = unit_id(&app, &admin, "佛岩寺村").await;
    let res = app
        .json(
            &admin,
            Method::POST,
            "/api/v1/users",
            json!({"username": "fys.liaison", "display_name": "佛岩寺村联络员", "role": "liaison", "unit_id": village}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let otp = res.json()["one_time_password"].as_str().unwrap().to_owned();
    let user = app.login("fys.liaison", &otp).await;
    let blocked = app.get(&user, &format!("/api/v1/units/{village}")).await;
    assert_eq!(blocked.json()["error"]["code"], "password_change_required");
    let page = app.get(&user, "/").await;
    assert_eq!(page.location().as_deref(), Some("/account/password"));
    let weak = app
        .json(
            &user,
            Method::PUT,
            "/api/v1/me/password",
            json!({"current": otp, "password": "short", "confirm": "short"}),
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(weak.json()["error"]["fields"][0]["field"], "password");
    let ok = app
        .json(
            &user,
            Method::PUT,
            "/api/v1/me/password",
            json!({"current": otp, "password": "佛岩寺村安全联络员2026", "confirm": "佛岩寺村安全联络员2026"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text());
    assert_eq!(app.get(&user, &format!("/api/v1/units/{village}")).await.status, StatusCode::OK);
    let dup = app
        .json(
            &admin,
            Method::POST,
            "/api/v1/users",
            json!({"username": "FYS.liaison", "display_name": "x", "role": "reviewer"}),
        )
        .await;
    assert_eq!(dup.json()["error"]["fields"][0]["code"], "taken");
}

#[tokio::test]
async fn a_reset_password_ends_the_users_sessions_and_a_deactivated_user_cannot_sign_in() {
    let app = TestApp::new().await;
    let admin = app.login_demo("qf.admin").await;
    let reviewer = app.login_demo("qf.reviewer").await;
    let users = app.get(&admin, "/api/v1/users").await.json();
    let id = users.as_array().unwrap().iter().find(|u| u["username"] == "qf.reviewer").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reset = app.json(&admin, Method::POST, &format!("/api/v1/users/{id}/reset-password"), json!({})).await;
    assert_eq!(reset.status, StatusCode::OK);
    assert_eq!(app.get(&reviewer, "/api/v1/session").await.status, StatusCode::UNAUTHORIZED);
    let res = app.json(&admin, Method::POST, &format!("/api/v1/users/{id}/deactivate"), json!({})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let otp = reset.json()["one_time_password"].as_str().unwrap().to_owned();
    let login =
        app.json(&ANON, Method::POST, "/api/v1/session", json!({"username": "qf.reviewer", "password": otp})).await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    let me = app.get(&admin, "/api/v1/session").await.json();
    let my_id = app
        .get(&admin, "/api/v1/users")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == me["username"])
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let self_off = app.json(&admin, Method::POST, &format!("/api/v1/users/{my_id}/deactivate"), json!({})).await;
    assert_eq!(self_off.json()["error"]["code"], "cannot_deactivate_self");
}

#[tokio::test]
async fn api_errors_are_json_with_stable_codes_and_pages_are_chinese_with_a_request_id() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let missing = app.get(&org, "/api/v1/units/00000000-0000-0000-0000-000000000000").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "not_found");
    assert_eq!(app.get(&org, "/api/v1/units/not-a-uuid").await.json()["error"]["code"], "not_found");
    let req = axum::http::Request::post("/api/v1/units")
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{oops"))
        .unwrap();
    let bad_json = app.send(&org, req).await;
    assert_eq!(bad_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_json.json()["error"]["code"], "invalid_json");
    let wrong_shape = app.json(&org, Method::POST, "/api/v1/units", json!({"name": 5})).await;
    assert_eq!(wrong_shape.json()["error"]["code"], "invalid_input");
    let invalid = app.json(&org, Method::POST, "/api/v1/units", json!({"name": "", "kind": "village"})).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.json()["error"]["fields"][0]["field"], "name");
    let anon = app.get(&ANON, "/api/v1/units").await;
    assert_eq!(
        (anon.status, anon.json()["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let page = app.get(&org, "/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let id = page.header("x-request-id").unwrap();
    assert!(page.text().contains("找不到") && page.text().contains(&id));
    let en = app.get(&org, "/no/such/page?lang=en").await;
    assert!(en.text().contains("Not found"));
}

#[tokio::test]
async fn the_openapi_document_lists_every_operation() {
    let app = TestApp::new().await;
    let doc = app.get(&ANON, "/api/v1/openapi.json").await.json();
    let paths = doc["paths"].as_object().unwrap();
    let mut ops: Vec<String> = paths
        .iter()
        .flat_map(|(p, item)| item.as_object().unwrap().keys().map(move |m| format!("{} {p}", m.to_uppercase())))
        .collect();
    ops.sort();
    insta::assert_snapshot!(ops.join("\n"), @r"
    DELETE /api/v1/activities/{id}
    DELETE /api/v1/session
    GET /api/v1/audit-events
    GET /api/v1/campaigns
    GET /api/v1/campaigns/{id}
    GET /api/v1/campaigns/{id}/activities
    GET /api/v1/campaigns/{id}/board
    GET /api/v1/campaigns/{id}/board.xlsx
    GET /api/v1/campaigns/{id}/receipts
    GET /api/v1/campaigns/{id}/review-queue
    GET /api/v1/campaigns/{id}/tasks
    GET /api/v1/campaigns/{id}/tracks
    GET /api/v1/files/{id}
    GET /api/v1/hazards
    GET /api/v1/hazards/stats
    GET /api/v1/hazards/{id}
    GET /api/v1/me/email
    GET /api/v1/my/work
    GET /api/v1/notifications
    GET /api/v1/public/exposure
    GET /api/v1/public/notices
    GET /api/v1/public/notices/{id}
    GET /api/v1/session
    GET /api/v1/tasks/{id}
    GET /api/v1/units
    GET /api/v1/units/imports/{id}
    GET /api/v1/units/{id}
    GET /api/v1/uploads/{id}
    GET /api/v1/users
    PATCH /api/v1/uploads/{id}
    POST /api/v1/campaigns
    POST /api/v1/campaigns/from-file
    POST /api/v1/campaigns/{id}/activities
    POST /api/v1/campaigns/{id}/clone
    POST /api/v1/campaigns/{id}/close
    POST /api/v1/campaigns/{id}/publish
    POST /api/v1/campaigns/{id}/receipt
    POST /api/v1/files
    POST /api/v1/hazards
    POST /api/v1/hazards/{id}/reveal
    POST /api/v1/hazards/{id}/steps
    POST /api/v1/notices/parse
    POST /api/v1/notifications/read
    POST /api/v1/public/reports
    POST /api/v1/public/reports/lookup
    POST /api/v1/session
    POST /api/v1/submissions/{id}/decision
    POST /api/v1/submissions/{id}/take-up
    POST /api/v1/submissions/{id}/withdraw
    POST /api/v1/tasks/{id}/submissions
    POST /api/v1/units
    POST /api/v1/units/imports
    POST /api/v1/units/{id}/deactivate
    POST /api/v1/units/{id}/reactivate
    POST /api/v1/uploads
    POST /api/v1/users
    POST /api/v1/users/{id}/deactivate
    POST /api/v1/users/{id}/reactivate
    POST /api/v1/users/{id}/reset-password
    PUT /api/v1/campaigns/{id}
    PUT /api/v1/campaigns/{id}/contact
    PUT /api/v1/campaigns/{id}/recipients
    PUT /api/v1/campaigns/{id}/tracks/{track}/form
    PUT /api/v1/me/email
    PUT /api/v1/me/password
    PUT /api/v1/units/{id}
    ");
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::new().await;
    assert_eq!(app.get(&ANON, "/healthz").await.text(), "ok");
    assert_eq!(app.get(&ANON, "/readyz").await.text(), "ready");
    app.get(&ANON, "/login").await.succeeded();
    let m = app.get(&ANON, "/metrics").await.text();
    assert!(m.contains("http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"}"), "{m}");
    assert!(m.contains("http_request_duration_seconds_bucket"));
    assert!(m.contains("db_pool_max_connections 4"));
}

#[tokio::test]
async fn pages_switch_to_english_and_remember_it() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let res = app.get(&org, "/lang/en?next=/units").await;
    assert_eq!(res.location().as_deref(), Some("/units"));
    assert!(res.header("set-cookie").unwrap().starts_with("lang=en"));
    let with_cookie = Client { cookie: Some(format!("{}; lang=en", org.cookie.clone().unwrap())), ..org.clone() };
    let page = app.get(&with_cookie, "/units").await.text();
    assert!(page.contains("Unit register") && page.contains("<html lang=\"en\">"));
}
