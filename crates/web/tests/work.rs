//! The units' work end to end through the router: a liaison hands in a plan with a photo, the reviewer
//! returns it, the liaison hands in again, the reviewer accepts; versions, lateness, withdrawal, re-used
//! files, uploads in parts, the board and its workbook, and every kind of bad input refused with nothing
//! half-written kept. SQLite, and PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use testkit::{Client, TestApp};

const SEED: &str = include_str!("../../notice/tests/corpus/seed.txt");
/// The first bytes of a JPEG: enough for the sniffer to call it a photo.
const PHOTO: &[u8] =
    b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xFF\xDB photo of the consultation point";
/// The first bytes of an MP4.
const VIDEO: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free video bytes";

/// The seed campaign published by 青峰镇's organiser; returns its id.
async fn published_seed(app: &TestApp, org: &Client) -> String {
    let c = app.json(org, Method::POST, "/api/v1/campaigns", json!({ "text": SEED })).await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let id = c.json()["id"].as_str().unwrap().to_owned();
    let p = app.json(org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await;
    assert!(p.status.is_success(), "{}", p.text());
    id
}

/// The task of `unit` for the deliverable named `what`.
async fn task_of(app: &TestApp, org: &Client, campaign: &str, unit: &str, what: &str) -> String {
    let tasks = app.get(org, &format!("/api/v1/campaigns/{campaign}/tasks")).await.json();
    tasks.as_array().unwrap().iter().find(|t| t["unit_name"] == unit && t["deliverable"] == what).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    store::on_db!(&app.app.db, |p| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(p).await).unwrap()
}

/// Hands in text and one file through the API, with an idempotency key.
async fn hand_in(app: &TestApp, who: &Client, task: &str, key: &str, name: &str, bytes: &[u8], body: &str) -> Value {
    let boundary = "work-test-boundary";
    let mut form = Vec::new();
    form.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n{body}\r\n").as_bytes(),
    );
    form.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\r\n")
            .as_bytes(),
    );
    form.extend_from_slice(bytes);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post(format!("/api/v1/tasks/{task}/submissions"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("idempotency-key", key)
        .body(Body::from(form))
        .unwrap();
    let res = app.send(who, req).await;
    let mut v: Value = serde_json::from_slice(&res.body).unwrap_or(Value::Null);
    v["_status"] = json!(res.status.as_u16());
    v
}

fn board_cell<'a>(board: &'a Value, unit: &str, column: usize) -> &'a Value {
    let row = board["rows"].as_array().unwrap().iter().find(|r| r["unit_name"] == unit).unwrap();
    &row["cells"][column]
}

#[tokio::test]
async fn a_plan_goes_in_with_a_photo_comes_back_goes_in_again_and_is_accepted_on_the_board() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let reviewer = app.login_demo("qf.reviewer").await;
    let liaison = app.login_demo("qf.liaison").await;
    let campaign = published_seed(&app, &org).await;
    let plan = task_of(&app, &org, &campaign, "胡豆坪村", "活动方案").await;

    // First version: text and a photo. The seed's due dates are in 2021, so it is late.
    let v1 = hand_in(&app, &liaison, &plan, "key-version-one", "咨询点.jpg", PHOTO, "活动方案见附件").await;
    assert_eq!(v1["_status"], 201, "{v1}");
    assert_eq!((v1["version"].as_i64(), v1["late"].as_bool()), (Some(1), Some(true)));
    // The same form again (a double tap, a retry): the same version, not a second one.
    let again = hand_in(&app, &liaison, &plan, "key-version-one", "咨询点.jpg", PHOTO, "活动方案见附件").await;
    assert_eq!((again["_status"].as_u64(), &again["id"]), (Some(200), &v1["id"]));
    assert_eq!(count(&app, "submission").await, 1);

    // The reviewer finds it in the queue and returns it with a comment.
    let queue = app.get(&reviewer, &format!("/api/v1/campaigns/{campaign}/review-queue")).await.json();
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!((queue[0]["unit_name"].as_str(), queue[0]["files"].as_i64()), (Some("胡豆坪村"), Some(1)));
    let sub = v1["id"].as_str().unwrap();
    let back = app
        .json(
            &reviewer,
            Method::POST,
            &format!("/api/v1/submissions/{sub}/decision"),
            json!({ "verdict": "return", "comment": "请补充咨询点照片的时间地点", "rating": 2 }),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text());
    let told = app.get(&liaison, "/api/v1/notifications").await.json();
    assert!(told.to_string().contains("被退回") && told.to_string().contains("请补充咨询点照片的时间地点"), "{told}");

    // Second version; then accepted with a rating and the exemplary mark.
    let v2 =
        hand_in(&app, &liaison, &plan, "key-version-two", "咨询点2.jpg", b"\xFF\xD8\xFF\xE0 another photo", "已补充")
            .await;
    assert_eq!((v2["_status"].as_u64(), v2["version"].as_i64()), (Some(201), Some(2)));
    let sub2 = v2["id"].as_str().unwrap();
    let take = app.json(&reviewer, Method::POST, &format!("/api/v1/submissions/{sub2}/take-up"), json!({})).await;
    assert_eq!(take.status, StatusCode::NO_CONTENT);
    // Taken up: the unit can no longer withdraw it.
    let no = app.json(&liaison, Method::POST, &format!("/api/v1/submissions/{sub2}/withdraw"), json!({})).await;
    assert_eq!(no.json()["error"]["code"], "task_in_review");
    let ok = app
        .json(
            &reviewer,
            Method::POST,
            &format!("/api/v1/submissions/{sub2}/decision"),
            json!({ "verdict": "accept", "rating": 5, "exemplary": true }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());

    // The task page shows both versions, newest first, with the review.
    let task = app.get(&liaison, &format!("/api/v1/tasks/{plan}")).await.json();
    assert_eq!(task["status"], "accepted");
    assert_eq!(task["versions"].as_array().unwrap().len(), 2);
    assert_eq!(
        (task["versions"][0]["status"].as_str(), task["versions"][0]["rating"].as_i64()),
        (Some("accepted"), Some(5))
    );
    assert_eq!(task["versions"][1]["review_comment"], "请补充咨询点照片的时间地点");
    assert_eq!(task["may_submit"], false);
    let page = app.get(&liaison, &format!("/tasks/{plan}")).await.text();
    assert!(page.contains("第 2 版") && page.contains("已通过") && page.contains("★★★★★"));

    // The board: 胡豆坪村's plan accepted (exemplary), the summary not handed in and past due.
    let board = app.get(&org, &format!("/api/v1/campaigns/{campaign}/board")).await.json();
    assert_eq!(board_cell(&board, "胡豆坪村", 0)["status"], "accepted");
    assert_eq!(board_cell(&board, "胡豆坪村", 0)["exemplary"], true);
    assert_eq!(board_cell(&board, "胡豆坪村", 1)["status"], "late");
    assert_eq!(board["tallies"][0]["accepted"], 1);
    let only = app.get(&org, &format!("/api/v1/campaigns/{campaign}/board?status=accepted")).await.json();
    assert_eq!(only["rows"].as_array().unwrap().len(), 1);
    let html = app.get(&org, &format!("/campaigns/{campaign}/board")).await.text();
    assert!(html.contains("board-accepted") && html.contains("胡豆坪村"));

    // Every step is in the trail.
    let auditor = app.login_demo("qf.auditor").await;
    let trail = app.get(&auditor, "/api/v1/audit-events?action=submission.").await.json().to_string();
    for action in ["submission.submit", "submission.return", "submission.take_up", "submission.accept"] {
        assert!(trail.contains(action), "{action} missing from {trail}");
    }
}

#[tokio::test]
async fn a_version_can_be_withdrawn_until_review_and_the_task_goes_back_to_where_it_was() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let reviewer = app.login_demo("qf.reviewer").await;
    let liaison = app.login_demo("qf.liaison").await;
    let campaign = published_seed(&app, &org).await;
    let plan = task_of(&app, &org, &campaign, "胡豆坪村", "活动方案").await;

    let v1 = hand_in(&app, &liaison, &plan, "withdraw-one", "方案.txt", "方案".as_bytes(), "").await;
    let id = v1["id"].as_str().unwrap();
    let w = app.json(&liaison, Method::POST, &format!("/api/v1/submissions/{id}/withdraw"), json!({})).await;
    assert_eq!(w.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&liaison, &format!("/api/v1/tasks/{plan}")).await.json()["status"], "pending");
    assert_eq!(app.get(&reviewer, &format!("/api/v1/campaigns/{campaign}/review-queue")).await.json(), json!([]));

    // After a return, withdrawing the next version leaves the task returned.
    let v2 = hand_in(&app, &liaison, &plan, "withdraw-two", "方案.txt", "方案二".as_bytes(), "").await;
    let id2 = v2["id"].as_str().unwrap();
    assert_eq!(v2["version"], 2);
    app.json(
        &reviewer,
        Method::POST,
        &format!("/api/v1/submissions/{id2}/decision"),
        json!({ "verdict": "return", "comment": "缺少照片" }),
    )
    .await;
    let v3 = hand_in(&app, &liaison, &plan, "withdraw-three", "方案.txt", "方案三".as_bytes(), "").await;
    let id3 = v3["id"].as_str().unwrap();
    app.json(&liaison, Method::POST, &format!("/api/v1/submissions/{id3}/withdraw"), json!({})).await.succeeded();
    assert_eq!(app.get(&liaison, &format!("/api/v1/tasks/{plan}")).await.json()["status"], "returned");
    // An older version cannot be withdrawn, nor decided on once withdrawn.
    let old = app.json(&liaison, Method::POST, &format!("/api/v1/submissions/{id}/withdraw"), json!({})).await;
    assert_eq!(old.status, StatusCode::CONFLICT);
    let gone = app
        .json(&reviewer, Method::POST, &format!("/api/v1/submissions/{id3}/decision"), json!({ "verdict": "accept" }))
        .await;
    assert_eq!(gone.json()["error"]["code"], "submission_withdrawn");
}

#[tokio::test]
async fn bad_uploads_and_wrong_callers_are_refused_and_nothing_half_written_is_kept() {
    let app = TestApp::with_config(|c| c.upload_max_mib = 1).await;
    app::demo::load(&app.app).await.unwrap();
    let org = app.login_demo("qf.organiser").await;
    let admin = app.login_demo("qf.admin").await;
    let liaison = app.login_demo("qf.liaison").await;
    let campaign = published_seed(&app, &org).await;
    let plan = task_of(&app, &org, &campaign, "胡豆坪村", "活动方案").await;
    let sibling = task_of(&app, &org, &campaign, "佛岩寺村", "活动方案").await;
    let files_before = count(&app, "stored_file").await;

    // A video renamed .jpg.
    let r = hand_in(&app, &liaison, &plan, "bad-video-jpg", "照片.jpg", VIDEO, "").await;
    assert_eq!((r["_status"].as_u64(), r["error"]["code"].as_str()), (Some(415), Some("file_type_mismatch")), "{r}");
    // A file over the limit.
    let big = vec![b'x'; (1 << 20) + 10];
    let r = hand_in(&app, &liaison, &plan, "bad-too-large", "记录.txt", &big, "").await;
    assert_eq!((r["_status"].as_u64(), r["error"]["code"].as_str()), (Some(413), Some("file_too_large")), "{r}");
    // Another unit's task: refused before a byte is stored, and without saying whose it is.
    let r = hand_in(&app, &liaison, &sibling, "bad-other-unit", "照片.jpg", PHOTO, "").await;
    assert_eq!((r["_status"].as_u64(), r["error"]["code"].as_str()), (Some(404), Some("not_found")));
    // Nothing to hand in.
    let empty = app.upload(&liaison, &format!("/api/v1/tasks/{plan}/submissions"), "", b"", &[("body", "  ")]).await;
    assert_eq!(empty.json()["error"]["fields"][0]["field"], "body");
    assert_eq!(count(&app, "stored_file").await, files_before);
    assert_eq!(count(&app, "submission").await, 0);

    // A reviewer of the town whose department is the unit itself may not decide on it.
    let body = json!({ "username": "hdp.reviewer", "display_name": "胡豆坪审核", "role": "reviewer",
        "unit_id": task_unit(&app, &org, &plan).await });
    let own = account(&app, &admin, body).await;
    let v = hand_in(&app, &liaison, &plan, "own-unit-review", "照片.jpg", PHOTO, "").await;
    let sub = v["id"].as_str().unwrap();
    let r = app
        .json(&own, Method::POST, &format!("/api/v1/submissions/{sub}/decision"), json!({ "verdict": "accept" }))
        .await;
    assert_eq!(r.json()["error"]["code"], "review_own_unit", "{}", r.text());

    // A closed campaign takes nothing more, and stores nothing of what was sent.
    let summary = task_of(&app, &org, &campaign, "胡豆坪村", "活动总结").await;
    app.json(&org, Method::POST, &format!("/api/v1/campaigns/{campaign}/close"), json!({})).await.succeeded();
    let files_before = count(&app, "stored_file").await;
    let r = hand_in(&app, &liaison, &summary, "closed-campaign", "总结.jpg", PHOTO, "总结").await;
    assert_eq!(r["error"]["code"], "campaign_closed");
    assert_eq!(count(&app, "stored_file").await, files_before);
}

/// A new account made by the admin, signed in, its one-time password changed.
async fn account(app: &TestApp, admin: &Client, body: Value) -> Client {
    let made = app.json(admin, Method::POST, "/api/v1/users", body.clone()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    let username = body["username"].as_str().unwrap();
    let once = made.json()["one_time_password"].as_str().unwrap().to_owned();
    let client = app.login(username, &once).await;
    let new = "Work-test-2026-pass";
    let changed = app
        .json(&client, Method::PUT, "/api/v1/me/password", json!({ "current": once, "password": new, "confirm": new }))
        .await;
    assert!(changed.status.is_success(), "{}", changed.text());
    app.login(username, new).await
}

async fn task_unit(app: &TestApp, who: &Client, task: &str) -> String {
    app.get(who, &format!("/api/v1/tasks/{task}")).await.json()["task"]["unit_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_file_another_unit_already_handed_in_is_flagged_to_the_reviewer() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let admin = app.login_demo("qf.admin").await;
    let liaison = app.login_demo("qf.liaison").await;
    let campaign = published_seed(&app, &org).await;
    let plan = task_of(&app, &org, &campaign, "胡豆坪村", "活动方案").await;
    let sibling_plan = task_of(&app, &org, &campaign, "佛岩寺村", "活动方案").await;
    let sibling_unit = task_unit(&app, &org, &sibling_plan).await;
    let body = json!({ "username": "fys.liaison", "display_name": "佛岩寺联络员", "role": "liaison", "unit_id": sibling_unit });
    let other = account(&app, &admin, body).await;

    hand_in(&app, &liaison, &plan, "reuse-first", "咨询点.jpg", PHOTO, "").await;
    hand_in(&app, &other, &sibling_plan, "reuse-second", "我们的咨询点.jpg", PHOTO, "").await;
    let seen = app.get(&org, &format!("/api/v1/tasks/{sibling_plan}")).await.json();
    assert_eq!(seen["versions"][0]["files"][0]["reused"], true, "{seen}");
    let page = app.get(&org, &format!("/tasks/{sibling_plan}")).await.text();
    assert!(page.contains("重复使用"));
    // The liaison is not told (the flag is for the reviewer), and reads only their own unit's files.
    assert!(!app.get(&other, &format!("/tasks/{sibling_plan}")).await.text().contains("重复使用"));
    let theirs = seen["versions"][0]["files"][0]["file_id"].as_str().unwrap();
    assert_eq!(app.get(&liaison, &format!("/api/v1/files/{theirs}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&other, &format!("/api/v1/files/{theirs}")).await.status, StatusCode::OK);
}

async fn patch(app: &TestApp, who: &Client, id: &str, offset: u64, body: Body) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(Method::PATCH)
        .uri(format!("/api/v1/uploads/{id}"))
        .header("upload-offset", offset.to_string())
        .body(body)
        .unwrap();
    let res = app.send(who, req).await;
    (res.status, serde_json::from_slice(&res.body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_video_uploaded_in_parts_resumes_after_a_dropped_connection_and_only_then_becomes_evidence() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let liaison = app.login_demo("qf.liaison").await;
    let campaign = published_seed(&app, &org).await;
    let plan = task_of(&app, &org, &campaign, "胡豆坪村", "活动方案").await;
    let mut video = VIDEO.to_vec();
    video.extend((0..300_000u32).map(|i| (i % 251) as u8));
    let size = video.len() as u64;

    let begun =
        app.json(&liaison, Method::POST, "/api/v1/uploads", json!({ "name": "宣传视频.mp4", "size": size })).await;
    assert_eq!(begun.status, StatusCode::CREATED);
    let id = begun.json()["id"].as_str().unwrap().to_owned();
    // The first part arrives; the second is cut off mid-way by a dropped connection.
    let (s, v) = patch(&app, &liaison, &id, 0, Body::from(video[..100_000].to_vec())).await;
    assert_eq!((s, v["offset"].as_u64()), (StatusCode::OK, Some(100_000)));
    let cut = futures::stream::iter(vec![
        Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(&video[100_000..150_000])),
        Err(std::io::Error::other("connection reset")),
    ]);
    let (s, _) = patch(&app, &liaison, &id, 100_000, Body::from_stream(cut)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Half a video is not a file: nobody can attach it, it is not in the store.
    let files_before = count(&app, "stored_file").await;
    // The client asks where to go on from, and a part that starts elsewhere is refused.
    let at = app.get(&liaison, &format!("/api/v1/uploads/{id}")).await.json();
    assert_eq!((at["offset"].as_u64(), &at["file"]), (Some(150_000), &Value::Null));
    let (s, v) = patch(&app, &liaison, &id, 0, Body::from(video[..10].to_vec())).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("upload_offset_mismatch")));
    // Nobody else sees the upload.
    assert_eq!(app.get(&org, &format!("/api/v1/uploads/{id}")).await.status, StatusCode::NOT_FOUND);
    // The rest arrives; now it is a stored file, sniffed as a video.
    let (s, v) = patch(&app, &liaison, &id, 150_000, Body::from(video[150_000..].to_vec())).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!((v["file"]["content_type"].as_str(), v["file"]["size"].as_u64()), (Some("video/mp4"), Some(size)));
    assert_eq!(count(&app, "stored_file").await, files_before + 1);
    let file_id = v["file"]["id"].as_str().unwrap().to_owned();

    // Attached to a version by id, it plays in ranges.
    let form = app
        .upload(
            &liaison,
            &format!("/api/v1/tasks/{plan}/submissions"),
            "",
            b"",
            &[("body", "视频见附件"), ("file_id", &file_id)],
        )
        .await;
    assert_eq!(form.status, StatusCode::CREATED, "{}", form.text());
    let req = Request::get(format!("/files/{file_id}")).header("range", "bytes=0-99").body(Body::empty()).unwrap();
    let part = app.send(&org, req).await;
    assert_eq!((part.status, part.body.len()), (StatusCode::PARTIAL_CONTENT, 100));
    assert_eq!(&part.body[..], &video[..100]);
}

#[tokio::test]
async fn the_board_exports_as_a_workbook_with_the_same_figures() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let reviewer = app.login_demo("qf.reviewer").await;
    let liaison = app.login_demo("qf.liaison").await;
    let campaign = published_seed(&app, &org).await;
    let plan = task_of(&app, &org, &campaign, "胡豆坪村", "活动方案").await;
    app.json(&liaison, Method::POST, &format!("/api/v1/campaigns/{campaign}/receipt"), json!({})).await.succeeded();
    let v = hand_in(&app, &liaison, &plan, "board-export", "方案.jpg", PHOTO, "方案").await;
    let sub = v["id"].as_str().unwrap();
    app.json(
        &reviewer,
        Method::POST,
        &format!("/api/v1/submissions/{sub}/decision"),
        json!({ "verdict": "accept", "rating": 4 }),
    )
    .await;

    let res = app.get(&org, &format!("/campaigns/{campaign}/board.xlsx")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.header("content-disposition").unwrap().contains("filename*=UTF-8''"));
    let board = app.get(&org, &format!("/api/v1/campaigns/{campaign}/board")).await.json();
    let units = board["units"].as_i64().unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(res.body.clone())).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("进度").unwrap();
    assert_eq!(sheet.height() as i64, units + 1);
    let row = sheet.rows().find(|r| r[0] == "胡豆坪村").unwrap();
    assert!(!row[2].to_string().is_empty(), "signed: {row:?}");
    assert_eq!(row[6].to_string(), "已通过 4分");
    assert_eq!(row[7].to_string(), "逾期未报");
    let sum = book.worksheet_range("汇总").unwrap();
    let plan_row = sum.rows().find(|r| r[0] == "活动方案").unwrap();
    let figures: Vec<String> = plan_row[2..].iter().map(|c| c.to_string()).collect();
    let tally = &board["tallies"][0];
    let expected: Vec<String> = ["accepted", "submitted", "returned", "late", "not_yet"]
        .iter()
        .map(|k| tally[k].as_i64().unwrap().to_string())
        .collect();
    assert_eq!(figures[1..], expected[..]);
    assert_eq!(figures[0], (expected.iter().map(|s| s.parse::<i64>().unwrap()).sum::<i64>()).to_string());
}

#[tokio::test]
async fn a_photo_shows_when_and_where_it_was_taken_and_a_thumbnail_turned_the_right_way() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let liaison = app.login_demo("qf.liaison").await;
    let campaign = published_seed(&app, &org).await;
    let plan = task_of(&app, &org, &campaign, "胡豆坪村", "活动方案").await;
    let photo = include_bytes!("fixtures/consultation-point.jpg");
    let v = hand_in(&app, &liaison, &plan, "exif-photo", "咨询点.jpg", photo, "咨询点照片").await;
    assert_eq!(v["_status"], 201, "{v}");
    // A photo without EXIF (the bare JPEG header) is read too.
    hand_in(
        &app,
        &liaison,
        &task_of(&app, &org, &campaign, "胡豆坪村", "活动总结").await,
        "bare-photo",
        "截图.jpg",
        PHOTO,
        "",
    )
    .await;

    // Until the worker has read it, the page says the thumbnail is coming.
    let page = app.get(&org, &format!("/tasks/{plan}")).await.text();
    assert!(page.contains("缩略图生成中"));
    app::jobs::run_until_idle(&app.app, "test-worker").await.unwrap();

    let task = app.get(&org, &format!("/api/v1/tasks/{plan}")).await.json();
    let f = &task["versions"][0]["files"][0];
    assert_eq!(f["taken_at"], "2026-06-16 09:30:12");
    assert!((f["latitude"].as_f64().unwrap() - 29.355).abs() < 1e-6, "{f}");
    assert!((f["longitude"].as_f64().unwrap() - 105.925).abs() < 1e-6, "{f}");
    let page = app.get(&org, &format!("/tasks/{plan}")).await.text();
    assert!(page.contains("拍摄于 2026-06-16 09:30:12 · 29.35500°N 105.92500°E"), "{page}");
    let id = f["file_id"].as_str().unwrap();
    let thumb = app.get(&liaison, &format!("/files/{id}/thumb")).await;
    assert_eq!((thumb.status, thumb.header("content-type").as_deref()), (StatusCode::OK, Some("image/jpeg")));
    let img = image_size(&thumb.body);
    assert_eq!(img, (360, 480), "640×480 held upright (EXIF orientation 6) becomes 360×480");
    // Someone who may not see the photo does not get its thumbnail either.
    let admin = app.login_demo("qf.admin").await;
    let body = json!({ "username": "fys.other", "display_name": "佛岩寺联络员", "role": "liaison",
        "unit_id": task_unit(&app, &org, &task_of(&app, &org, &campaign, "佛岩寺村", "活动方案").await).await });
    let other = account(&app, &admin, body).await;
    assert_eq!(app.get(&other, &format!("/files/{id}/thumb")).await.status, StatusCode::NOT_FOUND);

    // The bare JPEG cannot be decoded: no thumbnail, and the reviewer is told it carries no capture time.
    let summary = task_of(&app, &org, &campaign, "胡豆坪村", "活动总结").await;
    let page = app.get(&org, &format!("/tasks/{summary}")).await.text();
    assert!(page.contains("无拍摄时间"), "{page}");
}

/// Width and height of a JPEG, from its SOF0/SOF2 segment.
fn image_size(jpeg: &[u8]) -> (u16, u16) {
    let mut i = 2;
    while i + 9 < jpeg.len() {
        let (marker, len) = (jpeg[i + 1], u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize);
        if marker == 0xC0 || marker == 0xC2 {
            let h = u16::from_be_bytes([jpeg[i + 5], jpeg[i + 6]]);
            let w = u16::from_be_bytes([jpeg[i + 7], jpeg[i + 8]]);
            return (w, h);
        }
        i += 2 + len;
    }
    panic!("no frame header")
}

#[tokio::test]
async fn a_unit_keeps_activity_records_with_its_tracks_own_fields_and_the_board_totals_them() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let liaison = app.login_demo("qf.liaison").await;
    let campaign = published_seed(&app, &org).await;
    let tracks = app.get(&liaison, &format!("/api/v1/campaigns/{campaign}/tracks")).await.json();
    let consult =
        tracks.as_array().unwrap().iter().find(|t| t["track"]["title"].as_str().unwrap().contains("咨询日")).unwrap();
    let track = consult["track"]["id"].as_str().unwrap().to_owned();
    let keys: Vec<&str> = consult["fields"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["location", "visitors", "leaflets", "posters"]);

    // The page offers the track's fields; a record with a mistake comes back with everything typed.
    let page = app.get(&liaison, &format!("/campaigns/{campaign}/activities/new?track={track}")).await.text();
    assert!(page.contains("咨询人数") && page.contains("name=\"extra.visitors\""));
    let bad = app
        .upload(
            &liaison,
            &format!("/campaigns/{campaign}/activities?track={track}&key=record-bad-1"),
            "咨询点.jpg",
            PHOTO,
            &[("occurred_on", "2026-06-16"), ("place", "青峰场"), ("participants", "很多"), ("extra.visitors", "86")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = bad.text();
    assert!(
        text.contains("参与人数须是 0 或正整数") && text.contains("value=\"86\"") && text.contains("咨询点.jpg"),
        "{text}"
    );

    // Recorded through the API, twice with the same key: one record.
    let url = format!("/api/v1/campaigns/{campaign}/activities?track={track}");
    for _ in 0..2 {
        let req = axum::http::Request::post(&url)
            .header("content-type", "multipart/form-data; boundary=b")
            .header("idempotency-key", "record-once-1")
            .body(Body::from(
                [
                    "occurred_on=2026-06-16",
                    "place=青峰场",
                    "participants=120",
                    "materials=300",
                    "extra.visitors=86",
                    "extra.leaflets=300",
                ]
                .iter()
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap();
                    format!("--b\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                })
                .collect::<String>()
                    + "--b--\r\n",
            ))
            .unwrap();
        let res = app.send(&liaison, req).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    }
    let records = app.get(&org, &format!("/api/v1/campaigns/{campaign}/activities")).await.json();
    assert_eq!(records.as_array().unwrap().len(), 1, "{records}");
    assert_eq!(records[0]["extra"], json!([["咨询人数", "86"], ["发放资料（份）", "300"]]));

    // The board counts it under the unit and totals it under the track.
    let board = app.get(&org, &format!("/api/v1/campaigns/{campaign}/board")).await.json();
    let row = board["rows"].as_array().unwrap().iter().find(|r| r["unit_name"] == "胡豆坪村").unwrap();
    assert_eq!(row["records"], 1);
    let total = board["tracks"].as_array().unwrap().iter().find(|t| t["track_id"] == track.as_str()).unwrap();
    assert_eq!(
        (total["records"].as_i64(), total["participants"].as_i64(), total["materials"].as_i64()),
        (Some(1), Some(120), Some(300))
    );

    // The organiser adds a field; the record keeps its values (same keys).
    let form = json!({ "fields": [{ "key": "visitors", "label": "咨询人数", "kind": "number" },
                                  { "label": "天气", "kind": "choice", "options": ["晴", "雨"] }] });
    let set = app.json(&org, Method::PUT, &format!("/api/v1/campaigns/{campaign}/tracks/{track}/form"), form).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    let records = app.get(&liaison, &format!("/api/v1/campaigns/{campaign}/activities")).await.json();
    assert_eq!(records[0]["extra"], json!([["咨询人数", "86"]]));
    let bad_form = json!({ "fields": [{ "label": "天气", "kind": "choice", "options": ["晴"] }] });
    let r = app.json(&org, Method::PUT, &format!("/api/v1/campaigns/{campaign}/tracks/{track}/form"), bad_form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The unit deletes it; a closed campaign takes no more.
    let id = records[0]["id"].as_str().unwrap();
    assert_eq!(
        app.json(&liaison, Method::DELETE, &format!("/api/v1/activities/{id}"), json!({})).await.status,
        StatusCode::NO_CONTENT
    );
    app.json(&org, Method::POST, &format!("/api/v1/campaigns/{campaign}/close"), json!({})).await.succeeded();
    let late = app.upload(&liaison, &url, "x.txt", b"x", &[("occurred_on", "2026-06-16"), ("place", "青峰场")]).await;
    assert_eq!(late.json()["error"]["code"], "campaign_closed");
}
