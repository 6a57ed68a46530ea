//! An Open311 GeoReport v2 client's calls, checked against the specification's own examples
//! (`tests/fixtures/open311`): discovery, services, a service definition, posting a request with an
//! `api_key` (403 without one, 400 without a location), reading it back as JSON and XML with the filters,
//! a token, and the update feed — and nothing in any answer that identifies the reporter. SQLite, and
//! PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use testkit::{Client, TestApp, TestResponse};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/open311").join(name))
        .unwrap()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// The element names of an XML document, in a set.
fn elements(xml: &str) -> BTreeSet<String> {
    xml.split('<')
        .skip(1)
        .filter(|s| !s.starts_with(['/', '?']))
        .map(|s| s.split(['>', ' ', '/']).next().unwrap().to_owned())
        .collect()
}

async fn get(t: &TestApp, path: &str) -> TestResponse {
    t.get(&Client::default(), path).await
}

async fn post(t: &TestApp, path: &str, form: &[(&str, &str)]) -> TestResponse {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let req =
        Request::post(path).header("content-type", "application/x-www-form-urlencoded").body(Body::from(body)).unwrap();
    t.send(&Client::default(), req).await
}

async fn key(t: &TestApp) -> String {
    let town = store::units::find_by_code_or_name(&t.app.db, "青峰镇").await.unwrap().unwrap();
    let admin = app::auth::Actor { role: domain::Role::Admin, ..app::auth::Actor::system(town.id, town.path.clone()) };
    app::open311::create_key(&t.app, &admin, town.id, "测试客户端").await.unwrap()
}

#[tokio::test]
async fn discovery_services_and_a_definition_use_the_specs_names() {
    let t = TestApp::new().await;
    let d = get(&t, "/open311/v2/discovery.json").await;
    assert_eq!(d.status, StatusCode::OK);
    let spec: Value = serde_json::from_str(&fixture("discovery.json")).unwrap();
    assert_eq!(keys(&d.json()), keys(&spec));
    assert_eq!(keys(&d.json()["endpoints"][0]), keys(&spec["endpoints"][0]));

    let s = get(&t, "/open311/v2/services.json").await.json();
    let spec: Value = serde_json::from_str(&fixture("services.json")).unwrap();
    assert_eq!(s.as_array().unwrap().len(), domain::hazards::CATEGORIES.len());
    assert_eq!(keys(&s[0]), keys(&spec[0]));
    assert!(s.as_array().unwrap().iter().any(|x| x["service_code"] == "town_gas" && x["service_name"] == "城镇燃气"));
    let xml = get(&t, "/open311/v2/services.xml").await;
    assert_eq!(xml.header("content-type").as_deref(), Some("text/xml; charset=utf-8"));
    assert!(xml.text().contains("<service><service_code>hazardous_chemicals</service_code>"), "{}", xml.text());

    let def = get(&t, "/open311/v2/services/town_gas.json").await.json();
    let spec: Value = serde_json::from_str(&fixture("service_definition.json")).unwrap();
    assert_eq!(keys(&def), keys(&spec));
    assert_eq!(keys(&def["attributes"][0]), keys(&spec["attributes"][0]));
    assert_eq!(keys(&def["attributes"][1]["values"][0]), keys(&spec["attributes"][0]["values"][0]));
    let xml = get(&t, "/open311/v2/services/town_gas.xml").await.text();
    assert!(xml.contains("<service_definition><service_code>town_gas</service_code><attributes><attribute>"), "{xml}");
    let missing = get(&t, "/open311/v2/services/nuclear.json").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(keys(&missing.json()[0]), keys(&serde_json::from_str::<Value>(&fixture("errors.json")).unwrap()[0]));
}

#[tokio::test]
async fn a_client_posts_with_its_key_and_reads_the_request_back_in_both_formats_with_the_filters() {
    let t = TestApp::new().await;
    let key = key(&t).await;
    let form = [
        ("api_key", key.as_str()),
        ("service_code", "town_gas"),
        ("lat", "29.3521"),
        ("long", "105.9012"),
        ("address_string", "青峰场社区老街"),
        ("description", "老街饭店门口燃气管道有明显漏气声"),
        ("first_name", "鸣"),
        ("last_name", "甄"),
        ("phone", "13987654321"),
        ("attribute[ongoing]", "yes"),
    ];
    let posted = post(&t, "/open311/v2/requests.json", &form).await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.text());
    let spec: Value = serde_json::from_str(&fixture("post_request.json")).unwrap();
    let mine = &posted.json()[0];
    // The spec's fields, plus the token the spec allows in place of (here: beside) the id.
    let allowed: BTreeSet<String> = keys(&spec[0]).into_iter().chain(["token".to_owned()]).collect();
    assert!(keys(mine).is_subset(&allowed), "{mine}");
    let id = mine["service_request_id"].as_str().unwrap().to_owned();
    assert!(mine["service_notice"].as_str().unwrap().contains("查询码"));

    let one = get(&t, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(one.status, StatusCode::OK);
    let spec: Value = serde_json::from_str(&fixture("requests.json")).unwrap();
    let r = &one.json()[0];
    let spec_keys = keys(&spec[0]);
    assert!(keys(r).is_subset(&spec_keys), "only the spec's names: {r}");
    for k in ["service_request_id", "status", "service_code", "service_name", "requested_datetime", "status_notes"] {
        assert!(!r[k].is_null(), "{k} in {r}");
    }
    assert_eq!((r["status"].as_str(), r["service_code"].as_str()), (Some("open"), Some("town_gas")));
    assert!(r["requested_datetime"].as_str().unwrap().ends_with("+08:00"));
    // What the reporter wrote stays with the case handlers: not published until staff expose it.
    assert!(!one.text().contains("漏气声"));

    let xml = get(&t, &format!("/open311/v2/requests/{id}.xml")).await;
    assert!(elements(&xml.text()).is_subset(&elements(&fixture("requests.xml"))), "{}", xml.text());
    assert!(xml.text().contains(&format!("<service_request_id>{id}</service_request_id>")));

    let all = get(&t, "/open311/v2/requests.json?status=open&service_code=town_gas").await.json();
    assert!(all.as_array().unwrap().iter().any(|x| x["service_request_id"] == id.as_str()));
    assert!(get(&t, "/open311/v2/requests.json?status=closed").await.json().as_array().unwrap().is_empty());
    let by_id = get(&t, &format!("/open311/v2/requests.json?service_request_id={id}")).await.json();
    assert_eq!(by_id.as_array().unwrap().len(), 1);
    let future =
        get(&t, "/open311/v2/requests.json?start_date=2099-01-01T00:00:00Z&end_date=2099-02-01T00:00:00Z").await;
    assert!(future.json().as_array().unwrap().is_empty());
    let bad = get(&t, "/open311/v2/requests.json?start_date=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()[0]["code"], 400);
    let bad_xml = get(&t, "/open311/v2/requests.xml?status=maybe").await;
    assert_eq!(bad_xml.status, StatusCode::BAD_REQUEST);
    assert!(bad_xml.text().contains("<errors><error><code>400</code>"));

    let token = get(&t, &format!("/open311/v2/tokens/{id}.json")).await.json();
    assert_eq!(keys(&token[0]), keys(&serde_json::from_str::<Value>(&fixture("token.json")).unwrap()[0]));

    // Staff take it up and close it: the feed shows the steps, the request reads closed with the reply.
    let org = t.login_demo("qf.organiser").await;
    let steps = format!("/api/v1/hazards/{id}/steps");
    let declined = t
        .json(
            &org,
            Method::POST,
            &steps,
            json!({ "step": "decline", "reason": "经核查为燃气公司计划内检修放散，不属于隐患" }),
        )
        .await;
    assert!(declined.status.is_success(), "{}", declined.text());
    let closed = get(&t, &format!("/open311/v2/requests/{id}.json")).await.json();
    assert_eq!(closed[0]["status"], "closed");
    let notes = closed[0]["status_notes"].as_str().unwrap();
    assert!(
        notes.contains("不予受理") && !notes.contains("计划内检修"),
        "the reply is the reporter's, not the public's: {notes}"
    );
    let updates = get(&t, "/open311/v2/servicerequestupdates.xml").await.text();
    assert!(elements(&updates).is_subset(&elements(&fixture("servicerequestupdates.xml"))), "{updates}");
    assert!(updates.contains("<status>closed</status>"));

    // Nothing anywhere that names the reporter.
    for path in [
        format!("/open311/v2/requests/{id}.json"),
        format!("/open311/v2/requests/{id}.xml"),
        "/open311/v2/requests.json".to_owned(),
        "/open311/v2/servicerequestupdates.json".to_owned(),
    ] {
        let body = get(&t, &path).await.text();
        assert!(!body.contains("甄") && !body.contains("13987654321"), "{path}: {body}");
    }
}

#[tokio::test]
async fn a_post_without_a_key_is_403_and_one_without_a_location_is_400_with_nothing_stored() {
    let t = TestApp::new().await;
    let base =
        [("service_code", "fire_safety"), ("lat", "29.35"), ("long", "105.9"), ("description", "消防通道被占用")];
    let none = post(&t, "/open311/v2/requests.json", &base).await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    assert_eq!(none.json()[0]["code"], 403);
    let mut wrong = base.to_vec();
    wrong.push(("api_key", "o311_guessed"));
    assert_eq!(post(&t, "/open311/v2/requests.xml", &wrong).await.status, StatusCode::FORBIDDEN);
    let key = key(&t).await;
    let placeless = post(
        &t,
        "/open311/v2/requests.json",
        &[("api_key", key.as_str()), ("service_code", "fire_safety"), ("description", "消防通道被占用")],
    )
    .await;
    assert_eq!(placeless.status, StatusCode::BAD_REQUEST);
    let unknown = post(
        &t,
        "/open311/v2/requests.json",
        &[
            ("api_key", key.as_str()),
            ("service_code", "nuclear"),
            ("lat", "29.35"),
            ("long", "105.9"),
            ("description", "消防通道被占用"),
        ],
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let n: i64 = store::on_db!(&t.app.db, |p| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM hazard_case")
        .fetch_one(p)
        .await)
    .unwrap();
    assert_eq!(n, 0);
    assert_eq!(get(&t, "/open311/v2/requests/not-an-id.json").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&t, "/open311/v2/nothing.json").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&t, "/open311/v2/requests.csv").await.status, StatusCode::NOT_FOUND);
}
