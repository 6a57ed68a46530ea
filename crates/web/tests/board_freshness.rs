//! The progress board is kept per instance for `board_cache_seconds`, yet every change made on the same
//! instance shows on the next view: a hand-in, its acceptance, an activity record, and a unit renamed,
//! deactivated or reactivated — on the JSON board and on the page (whose table is kept with the board).
//! SQLite, and PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use testkit::{Client, TestApp};

const SEED: &str = include_str!("../../notice/tests/corpus/seed.txt");
/// The first bytes of a JPEG: enough for the sniffer to call it a photo.
const PHOTO: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xFF\xDB plan photo";
const VILLAGE: &str = "胡豆坪村";

/// The seed campaign published by 青峰镇's organiser; returns its id.
async fn published_seed(t: &TestApp, org: &Client) -> String {
    let c = t.json(org, Method::POST, "/api/v1/campaigns", json!({ "text": SEED })).await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let id = c.json()["id"].as_str().unwrap().to_owned();
    let p = t.json(org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text());
    id
}

async fn board(t: &TestApp, who: &Client, campaign: &str) -> Value {
    let res = t.get(who, &format!("/api/v1/campaigns/{campaign}/board")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.json()
}

/// The board page's row of a unit (from its name to the end of the row).
async fn page_row(t: &TestApp, who: &Client, campaign: &str, unit: &str) -> Option<String> {
    let res = t.get(who, &format!("/campaigns/{campaign}/board")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let page = res.text();
    let at = page.find(&format!(">{unit}</a>"))?;
    let rest = &page[at..];
    Some(rest[..rest.find("</tr>").unwrap()].to_owned())
}

fn row<'a>(board: &'a Value, unit: &str) -> &'a Value {
    board["rows"].as_array().unwrap().iter().find(|r| r["unit_name"] == unit).unwrap_or_else(|| panic!("no row {unit}"))
}

fn column(board: &Value, deliverable: &str) -> usize {
    board["deliverables"].as_array().unwrap().iter().position(|d| d["name"] == deliverable).unwrap()
}

fn cell<'a>(board: &'a Value, unit: &str, deliverable: &str) -> &'a Value {
    &row(board, unit)["cells"][column(board, deliverable)]
}

#[tokio::test]
async fn a_hand_in_its_acceptance_and_an_activity_record_show_on_the_next_view_of_the_board() {
    let t = TestApp::new().await;
    assert!(t.app.config.board_cache_seconds >= 10, "the board is kept, so a stale view would show");
    let org = t.login_demo("qf.organiser").await;
    let reviewer = t.login_demo("qf.reviewer").await;
    let liaison = t.login_demo("qf.liaison").await;
    let campaign = published_seed(&t, &org).await;

    // Viewed (and so kept) before anything was handed in; the seed's dates are past, so the plan is late.
    let before = board(&t, &org, &campaign).await;
    assert_eq!(cell(&before, VILLAGE, "活动方案")["status"], "late");
    assert_eq!(row(&before, VILLAGE)["records"], 0);
    assert!(page_row(&t, &org, &campaign, VILLAGE).await.unwrap().contains("board-late"));
    let task = cell(&before, VILLAGE, "活动方案")["task_id"].as_str().unwrap().to_owned();

    // Handed in: the next view shows it submitted.
    let boundary = "board-freshness";
    let mut form = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n活动方案见附件\r\n");
    form.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"方案.jpg\"\r\n\r\n"
    ));
    let mut body = form.into_bytes();
    body.extend_from_slice(PHOTO);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post(format!("/api/v1/tasks/{task}/submissions"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("idempotency-key", "board-freshness-1")
        .body(Body::from(body))
        .unwrap();
    let handed = t.send(&liaison, req).await;
    assert_eq!(handed.status, StatusCode::CREATED, "{}", handed.text());
    let submission = handed.json()["id"].as_str().unwrap().to_owned();
    let after_hand_in = board(&t, &org, &campaign).await;
    assert_eq!(cell(&after_hand_in, VILLAGE, "活动方案")["status"], "submitted");
    assert_eq!(cell(&after_hand_in, VILLAGE, "活动方案")["versions"], 1);
    assert!(page_row(&t, &org, &campaign, VILLAGE).await.unwrap().contains("board-submitted"));

    // Accepted with five stars: the next view shows it accepted, rated.
    let decision = t
        .json(
            &reviewer,
            Method::POST,
            &format!("/api/v1/submissions/{submission}/decision"),
            json!({ "verdict": "accept", "rating": 5 }),
        )
        .await;
    assert_eq!(decision.status, StatusCode::OK, "{}", decision.text());
    let after_review = board(&t, &org, &campaign).await;
    assert_eq!(cell(&after_review, VILLAGE, "活动方案")["status"], "accepted");
    assert_eq!(cell(&after_review, VILLAGE, "活动方案")["rating"], 5);
    assert_eq!(after_review["tallies"][column(&after_review, "活动方案")]["accepted"], 1);
    let page = page_row(&t, &org, &campaign, VILLAGE).await.unwrap();
    assert!(page.contains("board-accepted") && page.contains("5★"), "{page}");

    // An activity record under the consultation-day track: counted on the next view.
    let tracks = t.get(&liaison, &format!("/api/v1/campaigns/{campaign}/tracks")).await;
    assert_eq!(tracks.status, StatusCode::OK, "{}", tracks.text());
    let tracks = tracks.json();
    let track = tracks.as_array().unwrap().iter().find(|x| x["track"]["title"].as_str().unwrap().contains("咨询日"));
    let track = track.unwrap()["track"]["id"].as_str().unwrap().to_owned();
    let fields = [("occurred_on", "2026-06-16"), ("place", "青峰场"), ("participants", "120"), ("materials", "300")];
    let form: String = fields
        .iter()
        .map(|(k, v)| format!("--b\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"))
        .collect::<String>()
        + "--b--\r\n";
    let req = Request::post(format!("/api/v1/campaigns/{campaign}/activities?track={track}"))
        .header("content-type", "multipart/form-data; boundary=b")
        .header("idempotency-key", "board-freshness-record")
        .body(Body::from(form))
        .unwrap();
    let recorded = t.send(&liaison, req).await;
    assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.text());
    let after_record = board(&t, &org, &campaign).await;
    assert_eq!(row(&after_record, VILLAGE)["records"], 1);
    let total = after_record["tracks"].as_array().unwrap().iter().find(|x| x["track_id"] == track.as_str()).unwrap();
    assert_eq!((total["records"].as_i64(), total["participants"].as_i64()), (Some(1), Some(120)));
    let page = page_row(&t, &org, &campaign, VILLAGE).await.unwrap();
    assert!(
        page.contains(&format!("activities?unit={}\">1</a>", row(&after_record, VILLAGE)["unit_id"].as_str().unwrap())),
        "{page}"
    );
}

#[tokio::test]
async fn a_unit_renamed_deactivated_or_reactivated_shows_on_the_next_view_of_the_board() {
    let t = TestApp::new().await;
    let org = t.login_demo("qf.organiser").await;
    let campaign = published_seed(&t, &org).await;
    let before = board(&t, &org, &campaign).await;
    let unit = row(&before, VILLAGE)["unit_id"].as_str().unwrap().to_owned();
    assert_eq!(row(&before, VILLAGE)["active"], true);
    assert!(!page_row(&t, &org, &campaign, VILLAGE).await.unwrap().contains("已停用"));

    // Renamed in the register.
    let current = t.get(&org, &format!("/api/v1/units/{unit}")).await;
    assert_eq!(current.status, StatusCode::OK, "{}", current.text());
    let mut body = current.json();
    body["name"] = json!("胡豆湾村");
    for k in ["code", "industry", "contact_name", "contact_phone", "address"] {
        if body[k].is_null() {
            body[k] = json!("");
        }
    }
    let renamed = t.json(&org, Method::PUT, &format!("/api/v1/units/{unit}"), body).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text());
    assert_eq!(renamed.json()["name"], "胡豆湾村");
    let after_rename = board(&t, &org, &campaign).await;
    assert_eq!(row(&after_rename, "胡豆湾村")["unit_id"], unit.as_str());
    assert!(!after_rename["rows"].as_array().unwrap().iter().any(|r| r["unit_name"] == VILLAGE), "the old name stayed");
    assert!(page_row(&t, &org, &campaign, "胡豆湾村").await.is_some(), "the page kept the old name");
    assert!(page_row(&t, &org, &campaign, VILLAGE).await.is_none(), "the page kept the old name");

    // Deactivated: still on the board (its history stays), marked.
    let off = t.json(&org, Method::POST, &format!("/api/v1/units/{unit}/deactivate"), json!({})).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text());
    assert_eq!(off.json()["active"], false);
    let after_off = board(&t, &org, &campaign).await;
    assert_eq!(row(&after_off, "胡豆湾村")["active"], false);
    assert_eq!(after_off["units"], before["units"], "a deactivated unit keeps its row");
    assert!(page_row(&t, &org, &campaign, "胡豆湾村").await.unwrap().contains("<span class=\"tag off\">已停用</span>"));

    // Reactivated: the mark goes.
    let on = t.json(&org, Method::POST, &format!("/api/v1/units/{unit}/reactivate"), json!({})).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text());
    assert_eq!(row(&board(&t, &org, &campaign).await, "胡豆湾村")["active"], true);
    assert!(!page_row(&t, &org, &campaign, "胡豆湾村").await.unwrap().contains("已停用"));
}
