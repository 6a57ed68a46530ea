//! Campaigns end to end through the router: the seed notice read into a draft, checked, sent to the demo
//! town's units and shown on the public portal; edits after publication; clones; and every kind of bad
//! notice refused with a clear message and nothing stored. SQLite, and PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use testkit::{Client, TestApp};

const SEED: &str = include_str!("../../notice/tests/corpus/seed.txt");
const ANON: Client = Client { cookie: None, csrf: String::new() };

async fn create_seed(app: &TestApp, org: &Client) -> Value {
    let res = app.json(org, Method::POST, "/api/v1/campaigns", json!({ "text": SEED })).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    res.json()
}

async fn units_by_kind(app: &TestApp, client: &Client) -> BTreeMap<String, BTreeSet<String>> {
    let page = app.get(client, "/api/v1/units?page=1").await.json();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for u in page["items"].as_array().unwrap() {
        out.entry(u["kind"].as_str().unwrap().to_owned()).or_default().insert(u["name"].as_str().unwrap().to_owned());
    }
    out
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    store::on_db!(&app.app.db, |p| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(p).await).unwrap()
}

#[tokio::test]
async fn the_seed_notice_becomes_a_published_campaign_with_a_plan_and_a_summary_for_every_addressed_unit() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let c = create_seed(&app, &org).await;
    assert_eq!(c["status"], "draft");
    assert_eq!(c["title"], "关于印发开展2021年“安全生产月”活动的通知");
    assert_eq!(c["theme"], "落实安全责任，推动安全发展");
    assert_eq!((c["period_start"].as_str(), c["period_end"].as_str()), (Some("2021-06-01"), Some("2021-06-30")));
    assert_eq!(c["tracks"].as_array().unwrap().len(), 7);
    assert!(c["tracks"][2]["body"].as_str().unwrap().contains("各村（社区）要设立安全知识宣传咨询点"));
    assert_eq!(c["key_dates"], json!([{ "date": "2021-06-16", "what": "安全宣传咨询日" }]));
    assert_eq!(c["contacts"], json!([{ "name": "邓兴超", "phone": "023-49626010" }]));
    assert_eq!(c["references"].as_array().unwrap().len(), 2);
    assert!(c["public"].as_bool().unwrap());
    let deliverables: Vec<(&str, &str, &str)> = c["deliverables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["name"].as_str().unwrap(), d["kind"].as_str().unwrap(), d["due_on"].as_str().unwrap()))
        .collect();
    assert_eq!(deliverables, [("活动方案", "plan", "2021-05-31"), ("活动总结", "summary", "2021-06-30")]);

    // 各村（居）委会、企事业单位、镇属相关部门: every village, community, enterprise, institution, department.
    let units = units_by_kind(&app, &org).await;
    let addressed: BTreeSet<String> = ["village", "community", "enterprise", "institution", "department"]
        .iter()
        .flat_map(|k| units.get(*k).cloned().unwrap_or_default())
        .collect();
    let chosen: BTreeSet<String> =
        c["recipients"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(chosen, addressed);
    assert!(units.get("school").is_none_or(|s| s.is_disjoint(&chosen)), "schools are not addressed");

    let id = c["id"].as_str().unwrap();
    let published = app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await.json();
    assert_eq!(published["tasks_created"], json!(addressed.len() * 2));
    let tasks = app.get(&org, &format!("/api/v1/campaigns/{id}/tasks")).await.json();
    let mut owed: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for t in tasks.as_array().unwrap() {
        owed.entry(t["unit_name"].as_str().unwrap().to_owned())
            .or_default()
            .push((t["deliverable"].as_str().unwrap().to_owned(), t["due_on"].as_str().unwrap().to_owned()));
    }
    assert_eq!(owed.keys().cloned().collect::<BTreeSet<_>>(), addressed);
    for (unit, due) in &owed {
        assert_eq!(
            due,
            &[("活动方案".to_owned(), "2021-05-31".to_owned()), ("活动总结".to_owned(), "2021-06-30".to_owned())],
            "{unit}"
        );
    }

    // The public portal shows it, with the original text and the summary, to anyone.
    let list = app.get(&ANON, "/api/v1/public/notices").await.json();
    assert_eq!(list["items"][0]["id"], c["id"]);
    let public = app.get(&ANON, &format!("/api/v1/public/notices/{id}")).await.json();
    assert!(public["text"].as_str().unwrap().contains("明确专人及时提供活动期间好的做法"));
    assert_eq!(public["recipients"], json!([]), "the portal does not list the chosen units");
    let page = app.get(&ANON, &format!("/notices/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("邓兴超") && page.text().contains("2021-05-31"));
}

#[tokio::test]
async fn publishing_twice_creates_the_tasks_once_and_tells_each_liaison_once() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let liaison = app.login_demo("qf.liaison").await;
    let id = create_seed(&app, &org).await["id"].as_str().unwrap().to_owned();
    let first = app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await.json();
    let tasks = count(&app, "task").await;
    let again = app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await.json();
    assert!(first["tasks_created"].as_u64().unwrap() > 0);
    assert_eq!(again["tasks_created"], 0);
    assert_eq!(count(&app, "task").await, tasks);
    let notes = app.get(&liaison, "/api/v1/notifications").await.json();
    assert_eq!(notes["unread"], 1, "{notes}");
    assert_eq!(notes["items"][0]["link"], format!("/campaigns/{id}"));
    // The liaison sees the campaign and only the unit's own tasks.
    let mine = app.get(&liaison, &format!("/api/v1/campaigns/{id}/tasks")).await.json();
    assert_eq!(mine.as_array().unwrap().len(), 2);
    assert!(mine.as_array().unwrap().iter().all(|t| t["unit_name"] == "胡豆坪村"));
    let read = app.json(&liaison, Method::POST, "/api/v1/notifications/read", json!({})).await.json();
    assert_eq!(read["marked"], 1);
}

#[tokio::test]
async fn a_changed_due_date_moves_the_tasks_and_the_trail_says_who_changed_it() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let c = create_seed(&app, &org).await;
    let id = c["id"].as_str().unwrap();
    app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await.succeeded();
    let mut body = c.clone();
    body["deliverables"][0]["due_on"] = json!("2021-06-05");
    let body = json!({
        "title": body["title"], "theme": body["theme"], "period_start": body["period_start"],
        "period_end": body["period_end"], "public": true, "tracks": body["tracks"],
        "deliverables": body["deliverables"], "key_dates": body["key_dates"], "contacts": body["contacts"],
    });
    let res = app.json(&org, Method::PUT, &format!("/api/v1/campaigns/{id}"), body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let tasks = app.get(&org, &format!("/api/v1/campaigns/{id}/tasks")).await.json();
    let plans: BTreeSet<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["deliverable"] == "活动方案")
        .map(|t| t["due_on"].as_str().unwrap())
        .collect();
    assert_eq!(plans, BTreeSet::from(["2021-06-05"]));
    let auditor = app.login_demo("qf.auditor").await;
    let events = app.get(&auditor, "/api/v1/audit-events?action=campaign.update").await.json();
    let event = &events["items"][0];
    assert!(event["actor_name"].as_str().unwrap().contains("qf.organiser"), "{event}");
    let summary = event["summary"].to_string();
    assert!(
        summary.contains("2021-05-31") && summary.contains("2021-06-05") && summary.contains("tasks_moved"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_campaign_clones_to_next_year_with_its_dates_moved_and_a_new_theme() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let id = create_seed(&app, &org).await["id"].as_str().unwrap().to_owned();
    let res = app
        .json(
            &org,
            Method::POST,
            &format!("/api/v1/campaigns/{id}/clone"),
            json!({ "year": 2022, "theme": "遵守安全生产法，当好第一责任人" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let c = res.json();
    assert_eq!(c["status"], "draft");
    assert_eq!(c["title"], "关于印发开展2022年“安全生产月”活动的通知");
    assert_eq!(c["theme"], "遵守安全生产法，当好第一责任人");
    assert_eq!((c["period_start"].as_str(), c["period_end"].as_str()), (Some("2022-06-01"), Some("2022-06-30")));
    assert_eq!(c["deliverables"][0]["due_on"], "2022-05-31");
    assert_eq!(c["key_dates"][0]["date"], "2022-06-16");
    assert_eq!(c["tracks"].as_array().unwrap().len(), 7);
    assert_eq!(c["cloned_from"], json!(id));
    assert!(!c["recipients"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_closed_campaign_can_be_neither_edited_nor_published_again() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let id = create_seed(&app, &org).await["id"].as_str().unwrap().to_owned();
    let early = app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/close"), json!({})).await;
    assert_eq!(
        (early.status, early.json()["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("campaign_not_published"))
    );
    app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await.succeeded();
    assert_eq!(
        app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/close"), json!({})).await.status,
        StatusCode::OK
    );
    let publish = app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await;
    assert_eq!(publish.json()["error"]["code"], "campaign_closed");
    let edit = app.json(&org, Method::PUT, &format!("/api/v1/campaigns/{id}"), json!({ "title": "改名" })).await;
    assert_eq!((edit.status, edit.json()["error"]["code"].clone()), (StatusCode::CONFLICT, json!("campaign_closed")));
}

#[tokio::test]
async fn a_draft_without_recipients_or_with_bad_rows_is_refused_field_by_field() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let c = app.json(&org, Method::POST, "/api/v1/campaigns", json!({ "title": "手工活动" })).await.json();
    let id = c["id"].as_str().unwrap();
    let publish = app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await;
    assert_eq!(publish.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(publish.json()["error"]["fields"][0]["field"], "recipients");
    let bad = json!({ "title": "", "deliverables": [{ "name": "活动方案", "due_on": "2021-02-30", "unit_kinds": ["castle"] }] });
    let res = app.json(&org, Method::PUT, &format!("/api/v1/campaigns/{id}"), bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes: BTreeSet<String> = res.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        codes.is_superset(&BTreeSet::from(["required".into(), "invalid_date".into(), "invalid_kind".into()])),
        "{codes:?}"
    );
    let other_town = app
        .json(&org, Method::PUT, &format!("/api/v1/campaigns/{id}/recipients"), json!({ "unit_ids": [uuid_v7()] }))
        .await;
    assert_eq!(other_town.json()["error"]["fields"][0]["code"], "not_in_town");
}

fn uuid_v7() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A .docx holding `paragraphs`, as Word writes the parts that matter.
fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for p in paragraphs {
        body.push_str(&format!("<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>"));
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    zip_of(&[("[Content_Types].xml", "<Types/>".as_bytes()), ("word/document.xml", xml.as_bytes())])
}

fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    for (name, bytes) in parts {
        z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_word_notice_becomes_a_draft_that_keeps_the_original_file() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let lines: Vec<&str> = SEED.lines().collect();
    let res = app.upload(&org, "/api/v1/campaigns/from-file", "安全生产月通知.docx", &docx(&lines), &[]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let c = res.json();
    assert_eq!(c["title"], "关于印发开展2021年“安全生产月”活动的通知");
    assert_eq!(c["tracks"].as_array().unwrap().len(), 7);
    let file = c["source_file_id"].as_str().unwrap();
    let original = app.get(&org, &format!("/api/v1/files/{file}")).await;
    assert_eq!(original.status, StatusCode::OK);
    assert_eq!(
        original.header("content-type").as_deref(),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
}

#[tokio::test]
async fn bad_notices_are_refused_with_a_clear_message_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let (campaigns, files) = (count(&app, "campaign").await, count(&app, "stored_file").await);

    let empty = app.json(&org, Method::POST, "/api/v1/campaigns", json!({ "text": "  \n " })).await;
    assert_eq!(empty.json()["error"]["fields"][0]["code"], "required");
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    let res = app.upload(&org, "/api/v1/campaigns/from-file", "通知.txt", &binary, &[]).await;
    assert_eq!(res.json()["error"]["fields"][0]["code"], "notice_not_text", "{}", res.text());
    let old_word = app
        .upload(&org, "/api/v1/campaigns/from-file", "通知.doc", &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], &[])
        .await;
    assert_eq!(old_word.json()["error"]["fields"][0]["code"], "notice_old_word");
    // A zip bomb: 80 MB of spaces that pack into a few hundred KB.
    let bomb_xml = vec![b' '; 80 << 20];
    let bomb = zip_of(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", &bomb_xml)]);
    assert!(bomb.len() < 1 << 20);
    let res = app.upload(&org, "/api/v1/campaigns/from-file", "通知.docx", &bomb, &[]).await;
    assert_eq!(res.json()["error"]["fields"][0]["code"], "notice_too_large", "{}", res.text());
    // A file over the limit (10 MiB by default), here 50 MB.
    let huge = vec![b'a'; 50 << 20];
    let res = app.upload(&org, "/api/v1/campaigns/from-file", "通知.txt", &huge, &[]).await;
    assert_eq!(res.json()["error"]["code"], "file_too_large", "{}", res.text());
    assert_eq!((count(&app, "campaign").await, count(&app, "stored_file").await), (campaigns, files));

    // Text with no recognisable structure still makes a draft, with what could be read.
    let res = app.json(&org, Method::POST, "/api/v1/campaigns", json!({ "text": "明天下午开会，请准时参加" })).await;
    assert_eq!(res.status, StatusCode::CREATED);
    let c = res.json();
    assert_eq!(c["title"], "明天下午开会，请准时参加");
    assert_eq!((c["tracks"].as_array().unwrap().len(), c["deliverables"].as_array().unwrap().len()), (0, 0));
}

#[tokio::test]
async fn the_draft_page_shows_the_source_with_each_value_highlighted_and_a_bad_paste_keeps_the_text() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let res = app.upload(&org, "/campaigns/new/notice", "", b"", &[("text", SEED)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let edit = res.location().unwrap();
    assert!(edit.ends_with("/edit?new=1"), "{edit}");
    let page = app.get(&org, &edit).await.text();
    for id in [
        "m-title-0",
        "m-theme-0",
        "m-period-0",
        "m-deadline-0",
        "m-deadline-1",
        "m-key_date-0",
        "m-contact-0",
        "m-section-6",
        "m-date-0",
    ] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id} is highlighted");
    }
    assert!(page.contains("href=\"#m-deadline-1\""), "the form links each value to its place");

    // Saving with a wrong date comes back with what was typed and the message beside it.
    let id = edit.trim_start_matches("/campaigns/").split('/').next().unwrap();
    let res = app
        .post_form(
            &org,
            &format!("/campaigns/{id}/edit"),
            &[("title", "我改过的标题"), ("period_start", "2021-06-30"), ("period_end", "2021-06-01")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("我改过的标题") && res.text().contains("结束日期不能早于开始日期"));

    let blank = app.upload(&org, "/campaigns/new/notice", "", b"", &[("text", "   ")]).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.text().contains("请粘贴通知全文"));
}

#[tokio::test]
async fn a_liaison_sees_what_the_unit_owes_signs_for_the_notice_and_names_the_contact_person() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let liaison = app.login_demo("qf.liaison").await;
    let id = create_seed(&app, &org).await["id"].as_str().unwrap().to_owned();
    // Nothing is owed before publication.
    assert_eq!(app.get(&liaison, "/api/v1/my/work").await.json(), json!([]));
    app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await.succeeded();

    let work = app.get(&liaison, "/api/v1/my/work").await.json();
    assert_eq!(work[0]["campaign_id"], json!(id));
    assert_eq!(work[0]["signed_at"], Value::Null);
    let tasks = work[0]["tasks"].as_array().unwrap();
    assert_eq!(tasks.iter().map(|t| t["deliverable"].as_str().unwrap()).collect::<Vec<_>>(), ["活动方案", "活动总结"]);
    // 2021's deadlines are long past: days late are negative days left.
    assert!(tasks.iter().all(|t| t["days_left"].as_i64().unwrap() < -1000));
    let page = app.get(&liaison, "/my-work").await.text();
    assert!(page.contains("已逾期") && page.contains("签收通知"), "{page}");

    let sign = app.json(&liaison, Method::POST, &format!("/api/v1/campaigns/{id}/receipt"), json!({})).await;
    assert_eq!(sign.status, StatusCode::NO_CONTENT);
    let first = app.get(&liaison, "/api/v1/my/work").await.json()[0]["signed_at"].clone();
    app.json(&liaison, Method::POST, &format!("/api/v1/campaigns/{id}/receipt"), json!({})).await.succeeded();
    assert_eq!(
        app.get(&liaison, "/api/v1/my/work").await.json()[0]["signed_at"],
        first,
        "signing again keeps the first time"
    );

    let bad = app
        .json(&liaison, Method::PUT, &format!("/api/v1/campaigns/{id}/contact"), json!({ "name": "", "phone": "123" }))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: BTreeSet<String> = bad.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, BTreeSet::from(["contact_name".to_owned(), "contact_phone".to_owned()]));
    // The page keeps what was typed beside the message.
    let page = app
        .post_form(
            &liaison,
            &format!("/campaigns/{id}/contact"),
            &[("contact_name", "胡专人"), ("contact_phone", "12")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("胡专人") && page.text().contains("请填写手机号"));
    let ok = app
        .json(
            &liaison,
            Method::PUT,
            &format!("/api/v1/campaigns/{id}/contact"),
            json!({ "name": "胡专人", "phone": "138 0013 8000" }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT);

    // The organiser sees both.
    let receipts = app.get(&org, &format!("/api/v1/campaigns/{id}/receipts")).await.json();
    let mine = receipts.as_array().unwrap().iter().find(|r| r["unit_name"] == "胡豆坪村").unwrap();
    assert_eq!((mine["contact_name"].as_str(), mine["contact_phone"].as_str()), (Some("胡专人"), Some("13800138000")));
    assert!(mine["signed_at"].is_string());
    assert_eq!(receipts.as_array().unwrap().iter().filter(|r| r["signed_at"].is_string()).count(), 1);
    let detail = app.get(&org, &format!("/campaigns/{id}")).await.text();
    assert!(detail.contains("已签收 1 / "));
    let board = app.get(&org, &format!("/campaigns/{id}/board")).await.text();
    assert!(board.contains("胡专人") && board.contains("13800138000"));

    // A closed campaign takes no more signatures.
    app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/close"), json!({})).await.succeeded();
    let late = app
        .json(
            &liaison,
            Method::PUT,
            &format!("/api/v1/campaigns/{id}/contact"),
            json!({ "name": "胡专人", "phone": "13800138000" }),
        )
        .await;
    assert_eq!(late.json()["error"]["code"], "campaign_closed");
}

#[tokio::test]
async fn an_edit_from_a_stale_version_is_refused_and_narrowed_kinds_take_back_their_unstarted_tasks() {
    let app = TestApp::new().await;
    let org = app.login_demo("qf.organiser").await;
    let c = create_seed(&app, &org).await;
    let id = c["id"].as_str().unwrap();
    app.json(&org, Method::POST, &format!("/api/v1/campaigns/{id}/publish"), json!({})).await.succeeded();
    let now = app.get(&org, &format!("/api/v1/campaigns/{id}")).await.json();
    let mut deliverables = now["deliverables"].clone();
    // Plans only from villages now.
    deliverables[0]["unit_kinds"] = json!(["village"]);
    let body = |version: &Value| {
        json!({ "updated_at": version, "title": now["title"], "tracks": now["tracks"], "deliverables": deliverables,
                "period_start": now["period_start"], "period_end": now["period_end"], "public": true })
    };
    let stale = app.json(&org, Method::PUT, &format!("/api/v1/campaigns/{id}"), body(&c["updated_at"])).await;
    assert_eq!(
        (stale.status, stale.json()["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("campaign_changed"))
    );
    let fresh = app.json(&org, Method::PUT, &format!("/api/v1/campaigns/{id}"), body(&now["updated_at"])).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.text());
    let tasks = app.get(&org, &format!("/api/v1/campaigns/{id}/tasks")).await.json();
    let plan_kinds: BTreeSet<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["deliverable"] == "活动方案")
        .map(|t| t["unit_kind"].as_str().unwrap())
        .collect();
    assert_eq!(plan_kinds, BTreeSet::from(["village"]));
}
