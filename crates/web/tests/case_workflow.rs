//! A hazard case after the usual path, through the HTTP API: a closed case reopened goes back to the unit
//! and its reporter's code shows it; a duplicate merged into another case is closed as merged and its
//! code follows the case it joined; merges into itself or into another town's case are refused with their
//! codes. And a reporter's video sent through `/report` reaches staff with its metadata boxes blanked and
//! its trailing bytes cut, its box structure whole. SQLite, and PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use testkit::{Client, TestApp, TestResponse};

/// An anonymous report through the public JSON API; its receipt code.
async fn report(t: &TestApp, town: &str, description: &str) -> String {
    let town = t.unit_id(town).await;
    let body = json!({ "town_id": town, "category": "town_gas", "description": description,
                       "location": "青峰场社区老街 12 号", "anonymous": true });
    let res = t.json(&Client::default(), Method::POST, "/api/v1/public/reports", body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()["code"].as_str().unwrap().to_owned()
}

/// The id of the case staff see with this description.
async fn case_id(t: &TestApp, staff: &Client, description: &str) -> String {
    let list = t.get(staff, "/api/v1/hazards").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let list = list.json();
    let found = list["items"].as_array().unwrap().iter().find(|c| c["text"] == description);
    found.unwrap_or_else(|| panic!("no case {description} in {list}"))["id"].as_str().unwrap().to_owned()
}

/// What the reporter reads with the code.
async fn follow(t: &TestApp, code: &str) -> Value {
    let res = t.json(&Client::default(), Method::POST, "/api/v1/public/reports/lookup", json!({ "code": code })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.json()
}

fn refused(res: &TestResponse) -> (StatusCode, Value) {
    (res.status, res.json()["error"]["code"].clone())
}

/// A 422's field and code.
fn field_refused(res: &TestResponse) -> (StatusCode, Value, Value) {
    let v = res.json();
    (res.status, v["error"]["fields"][0]["field"].clone(), v["error"]["fields"][0]["code"].clone())
}

/// Accepted and given to 胡豆坪村 with a deadline ten days out.
async fn accept_and_assign(t: &TestApp, staff: &Client, id: &str) -> String {
    t.take_step(staff, id, json!({ "step": "accept" })).await;
    let deadline = (app::work::today(&t.app) + chrono::Duration::days(10)).to_string();
    let village = t.unit_id("胡豆坪村").await;
    let assigned = t
        .take_step(
            staff,
            id,
            json!({ "step": "assign", "unit_id": village, "grade": "general", "deadline": deadline,
                "summary": "老街 12 号饭店后厨气瓶未分隔，请督促整改" }),
        )
        .await;
    assert_eq!(assigned["status"], "assigned");
    deadline
}

#[tokio::test]
async fn a_closed_case_reopened_goes_back_to_the_unit_and_the_reporters_code_shows_it() {
    let t = TestApp::new().await;
    let org = t.login_demo("qf.organiser").await;
    let liaison = t.login_demo("qf.liaison").await;
    let code = report(&t, "青峰镇", "老街饭店后厨液化气瓶与灶具没有分隔").await;
    let id = case_id(&t, &org, "老街饭店后厨液化气瓶与灶具没有分隔").await;
    accept_and_assign(&t, &org, &id).await;
    t.take_step(&liaison, &id, json!({ "step": "start" })).await;
    t.take_step(&liaison, &id, json!({ "step": "rectify", "text": "已加装隔断、更换软管" })).await;
    let closed = t.take_step(&org, &id, json!({ "step": "close", "reply": "经核查已整改到位，感谢您的举报" })).await;
    assert_eq!(closed["status"], "closed");
    let before = follow(&t, &code).await;
    assert_eq!((before["status"].as_str(), before["closed"].as_bool()), (Some("closed"), Some(true)));

    // Only the town's staff reopen, only with a reason, and only a closed or rectified case.
    let by_unit = t.hazard_step(&liaison, &id, json!({ "step": "reopen", "reason": "隔断用的是可燃材料" })).await;
    assert_eq!(refused(&by_unit), (StatusCode::FORBIDDEN, json!("forbidden")));
    let no_reason = t.hazard_step(&org, &id, json!({ "step": "reopen", "reason": " " })).await;
    assert_eq!(field_refused(&no_reason), (StatusCode::UNPROCESSABLE_ENTITY, json!("reason"), json!("required")));
    assert_eq!(t.get(&org, &format!("/api/v1/hazards/{id}")).await.json()["status"], "closed", "a refusal changed it");

    let reopened = t.take_step(&org, &id, json!({ "step": "reopen", "reason": "复查发现隔断用的是可燃材料" })).await;
    assert_eq!(reopened["status"], "reopened");
    assert_eq!((reopened["closed_at"].clone(), reopened["reply"].clone()), (Value::Null, Value::Null));
    let last = reopened["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["detail"].as_str()),
        (Some("reopened"), Some("复查发现隔断用的是可燃材料"))
    );
    let again = t.hazard_step(&org, &id, json!({ "step": "reopen", "reason": "再来一次" })).await;
    assert_eq!(refused(&again), (StatusCode::CONFLICT, json!("case_not_rectified")));

    // The unit is told, with the reason, and the case is its to work on again.
    let told = t.get(&liaison, "/api/v1/notifications").await;
    assert_eq!(told.status, StatusCode::OK);
    assert!(
        told.text().contains("隐患需重新整改") && told.text().contains("复查发现隔断用的是可燃材料"),
        "{}",
        told.text()
    );
    let unit_view = t.get(&liaison, &format!("/api/v1/hazards/{id}")).await.json();
    assert_eq!(
        (unit_view["allowed"]["start"].as_bool(), unit_view["allowed"]["rectify"].as_bool()),
        (Some(true), Some(true))
    );

    // The reporter's code shows it reopened and open again, without the old reply or staff's reason.
    let now = follow(&t, &code).await;
    assert_eq!((now["status"].as_str(), now["status_label"].as_str()), (Some("reopened"), Some("重新整改")));
    assert_eq!((now["closed"].as_bool(), now["reply"].clone()), (Some(false), Value::Null));
    assert_eq!(now["steps"].as_array().unwrap().last().unwrap()["note"], "核查发现整改不到位，已要求重新整改。");
    assert!(!now.to_string().contains("可燃材料"), "staff's reason reached the reporter: {now}");

    // Back through the unit's work to closed, with the new reply.
    t.take_step(&liaison, &id, json!({ "step": "start" })).await;
    t.take_step(&liaison, &id, json!({ "step": "rectify", "text": "已改用防火板隔断" })).await;
    t.take_step(&org, &id, json!({ "step": "close", "reply": "复查合格，已改用防火板" })).await;
    let done = follow(&t, &code).await;
    assert_eq!((done["status"].as_str(), done["reply"].as_str()), (Some("closed"), Some("复查合格，已改用防火板")));
}

#[tokio::test]
async fn a_duplicate_merged_into_a_case_is_closed_as_merged_and_its_code_follows_the_case_it_joined() {
    let t = TestApp::new().await;
    let org = t.login_demo("qf.organiser").await;
    let liaison = t.login_demo("qf.liaison").await;
    let _first_code = report(&t, "青峰镇", "老街饭店后厨液化气瓶与灶具没有分隔").await;
    let dup_code = report(&t, "青峰镇", "老街12号饭店厨房煤气罐挨着灶台").await;
    report(&t, "来苏镇", "来苏场镇加油站旁有人私自灌装液化气").await;
    let first = case_id(&t, &org, "老街饭店后厨液化气瓶与灶具没有分隔").await;
    let dup = case_id(&t, &org, "老街12号饭店厨房煤气罐挨着灶台").await;
    let district = t.login_demo("yc.supervisor").await;
    let elsewhere = case_id(&t, &district, "来苏场镇加油站旁有人私自灌装液化气").await;
    let deadline = accept_and_assign(&t, &org, &first).await;

    // Refused, each with its code, and nothing changes.
    let itself = t.hazard_step(&org, &dup, json!({ "step": "merge", "into": dup })).await;
    assert_eq!(field_refused(&itself), (StatusCode::UNPROCESSABLE_ENTITY, json!("into"), json!("same_case")));
    let other_town = t.hazard_step(&org, &dup, json!({ "step": "merge", "into": elsewhere })).await;
    assert_eq!(field_refused(&other_town), (StatusCode::UNPROCESSABLE_ENTITY, json!("into"), json!("not_found")));
    let nowhere = t.hazard_step(&org, &dup, json!({ "step": "merge", "into": uuid::Uuid::now_v7() })).await;
    assert_eq!(nowhere.json(), other_town.json(), "another town's case answers as one that does not exist");
    let number = app::cases::case_number(first.parse().unwrap());
    let by_number = t.hazard_step(&org, &dup, json!({ "step": "merge", "into": number })).await;
    assert_eq!(field_refused(&by_number), (StatusCode::UNPROCESSABLE_ENTITY, json!("into"), json!("invalid")));
    let by_unit = t.hazard_step(&liaison, &dup, json!({ "step": "merge", "into": first })).await;
    assert_eq!(refused(&by_unit), (StatusCode::FORBIDDEN, json!("forbidden")));
    assert_eq!(t.get(&org, &format!("/api/v1/hazards/{dup}")).await.json()["status"], "received");

    // Merged: closed as merged, pointing at the case it joined.
    let merged = t.take_step(&org, &dup, json!({ "step": "merge", "into": first })).await;
    assert_eq!((merged["status"].as_str(), merged["merged_into"].as_str()), (Some("merged"), Some(first.as_str())));
    assert!(merged["closed_at"].is_string(), "{merged}");
    let accept = t.hazard_step(&org, &dup, json!({ "step": "accept" })).await;
    assert_eq!(refused(&accept), (StatusCode::CONFLICT, json!("case_final")));
    // Nothing merges into a merged case.
    let into_merged = t.hazard_step(&org, &first, json!({ "step": "merge", "into": dup })).await;
    assert_eq!(field_refused(&into_merged), (StatusCode::UNPROCESSABLE_ENTITY, json!("into"), json!("invalid")));

    // The duplicate's code: merged, closed, told the number of the case it joined, and how that one stands.
    let seen = follow(&t, &dup_code).await;
    assert_eq!((seen["status"].as_str(), seen["closed"].as_bool()), (Some("merged"), Some(true)));
    let note = seen["steps"].as_array().unwrap().last().unwrap()["note"].as_str().unwrap().to_owned();
    assert!(note.contains(&number), "{note}");
    assert_eq!(
        seen["merged_into"],
        json!({ "number": number, "status": "assigned", "status_label": "已交办", "closed": false, "deadline": deadline })
    );
    let page = t.post_form(&Client::default(), "/report/follow", &[("code", &dup_code)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text()
            .contains(&format!("id=\"follow-merged\">{number} <span class=\"tag hazard-assigned\">已交办</span>"))
    );

    // The case it joined is closed: the duplicate's code says so, without that case's reply to its own reporter.
    t.take_step(&liaison, &first, json!({ "step": "rectify", "text": "已加装隔断、更换软管" })).await;
    t.take_step(&org, &first, json!({ "step": "close", "reply": "经核查已整改到位，感谢您的举报" })).await;
    let later = follow(&t, &dup_code).await;
    assert_eq!(
        later["merged_into"],
        json!({ "number": number, "status": "closed", "status_label": "已销号", "closed": true, "deadline": null })
    );
    assert!(!later.to_string().contains("感谢您的举报"), "{later}");
}

/// One MP4 box.
fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = u32::try_from(body.len() + 8).unwrap().to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(body);
    v
}

/// The GPS point a phone writes into a video (ISO 6709): the canary.
const GPS: &[u8] = b"+29.3540+105.9270/";
const DEVICE: &[u8] = b"iPhone 15 Pro";
const APPENDED: &[u8] = b"GPS +29.3540+105.9270/ appended after the last box";

/// A small MP4 as a phone writes it: the place and the device in `udta` (QuickTime `©xyz`, `©mod`) and a
/// `meta` under it, XMP in a `uuid` box, a track with its own `udta`, the media, and bytes after the end.
fn phone_video() -> (Vec<u8>, Vec<u8>) {
    let media: Vec<u8> = (0..2048u32).map(|i| (i % 251) as u8).collect();
    let ilst = mp4_box(b"ilst", &[b"com.apple.quicktime.location.ISO6709 ".as_slice(), GPS].concat());
    let meta = mp4_box(b"meta", &[vec![0; 4], mp4_box(b"hdlr", &[0; 24]), ilst].concat());
    let udta = mp4_box(
        b"udta",
        &[mp4_box(b"\xa9xyz", &[[0u8, 18, 0x15, 0xc7].as_slice(), GPS].concat()), mp4_box(b"\xa9mod", DEVICE), meta]
            .concat(),
    );
    let trak = mp4_box(
        b"trak",
        &[
            mp4_box(b"tkhd", &[1; 84]),
            mp4_box(b"mdia", &[mp4_box(b"mdhd", &[2; 24]), mp4_box(b"hdlr", b"\0\0\0\0\0\0\0\0vide")].concat()),
            mp4_box(b"udta", &[b"\xa9nam".as_slice(), DEVICE].concat()),
        ]
        .concat(),
    );
    let moov = mp4_box(b"moov", &[mp4_box(b"mvhd", &[3; 100]), trak, udta].concat());
    let xmp = b"<x:xmpmeta><exif:GPSLatitude>29,21.24N</exif:GPSLatitude></x:xmpmeta>".as_slice();
    let xmp = mp4_box(b"uuid", &[[0xbeu8; 16].as_slice(), xmp].concat());
    let file = [mp4_box(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41"), moov, xmp, mp4_box(b"mdat", &media)].concat();
    (file, media)
}

/// The boxes in `bytes`, which must be exactly a sequence of boxes: (type, body).
fn boxes(bytes: &[u8]) -> Vec<(String, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        assert!(at + 8 <= bytes.len(), "a box header is cut at {at}");
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        assert!(size >= 8 && at + size <= bytes.len(), "a box at {at} claims {size} bytes of {}", bytes.len());
        out.push((String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned(), &bytes[at + 8..at + size]));
        at += size;
    }
    out
}

fn kinds(b: &[(String, &[u8])]) -> Vec<String> {
    b.iter().map(|(k, _)| k.clone()).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_reporters_video_through_the_public_form_reaches_staff_without_its_metadata_and_still_parses() {
    let t = TestApp::new().await;
    let (video, media) = phone_video();
    let mut sent = video.clone();
    sent.extend_from_slice(APPENDED);
    assert!(contains(&sent, GPS) && contains(&sent, DEVICE), "the canaries are in what is sent");

    let town = t.unit_id("青峰镇").await;
    let boundary = "case-workflow-video";
    let mut body = Vec::new();
    for (k, v) in [
        ("town", town.as_str()),
        ("category", "town_gas"),
        ("description", "加油站旁有人私自灌装液化气，视频为证"),
        ("location", "青峰场社区老街 12 号"),
        ("anonymous", "1"),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"VID_20260616_张三.mp4\"\r\n\
             Content-Type: video/mp4\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&sent);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post("/report")
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    let res = t.send(&Client::default(), req).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());

    // Staff fetch it the way the case page links it.
    let org = t.login_demo("qf.organiser").await;
    let id = case_id(&t, &org, "加油站旁有人私自灌装液化气，视频为证").await;
    let case = t.get(&org, &format!("/api/v1/hazards/{id}")).await.json();
    let file = &case["files"][0];
    assert_eq!(
        (file["original_name"].as_str(), file["content_type"].as_str()),
        (Some("举报视频-1.mp4"), Some("video/mp4"))
    );
    let served = t.get(&org, &format!("/files/{}", file["file_id"].as_str().unwrap())).await;
    assert_eq!(served.status, StatusCode::OK, "{}", served.text());
    assert_eq!(served.header("content-type").as_deref(), Some("video/mp4"));
    let got = served.body;

    // No canary anywhere, nothing after the last box, and the same length otherwise: blanked in place.
    assert!(!contains(&got, GPS), "the GPS point is still in the video");
    assert!(!contains(&got, DEVICE), "the device name is still in the video");
    assert!(!contains(&got, b"GPSLatitude"), "the XMP is still in the video");
    assert!(!contains(&got, b"appended"), "the bytes after the last box are still there");
    assert_eq!(got.len(), video.len());

    // It still parses: the same boxes where they were, metadata ones now zeroed `free` boxes, media intact.
    let top = boxes(&got);
    assert_eq!(kinds(&top), ["ftyp", "moov", "free", "mdat"]);
    assert_eq!(top[0].1, boxes(&video)[0].1, "ftyp changed");
    assert_eq!(top[3].1, media.as_slice(), "the media changed");
    assert!(top[2].1.iter().all(|b| *b == 0), "the XMP box was not zeroed");
    let moov = boxes(top[1].1);
    assert_eq!(kinds(&moov), ["mvhd", "trak", "free"]);
    assert!(moov[2].1.iter().all(|b| *b == 0));
    let trak = boxes(moov[1].1);
    assert_eq!(kinds(&trak), ["tkhd", "mdia", "free"]);
    assert_eq!(kinds(&boxes(trak[1].1)), ["mdhd", "hdlr"]);
}
