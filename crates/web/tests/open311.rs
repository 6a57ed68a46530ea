//! An Open311 GeoReport v2 client's calls, checked against the specification's own examples
//! (`tests/fixtures/open311`): discovery, services, a service definition, posting a request with an
//! `api_key` (403 without one, 400 without a location), reading it back as JSON and XML with the filters,
//! a token, and the update feed — and nothing in any answer that identifies the reporter. SQLite, and
//! PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use testkit::{Client, TestApp, TestResponse};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/open311").join(name))
        .unwrap()
}

/// A JSON document with each object's keys in the order written (serde_json's `Value` sorts them).
enum Doc {
    Object(Vec<(String, Doc)>),
    Array(Vec<Doc>),
    Scalar,
}

impl<'de> serde::Deserialize<'de> for Doc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Doc, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Doc;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Doc, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Doc>()? {
                    fields.push(entry);
                }
                Ok(Doc::Object(fields))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Doc, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Doc::Array(items))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Doc, E> {
                Ok(Doc::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Doc, E> {
                Ok(Doc::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Doc, E> {
                Ok(Doc::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Doc, E> {
                Ok(Doc::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Doc, E> {
                Ok(Doc::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Doc, E> {
                Ok(Doc::Scalar)
            }
        }
        d.deserialize_any(Visit)
    }
}

/// The keys, in written order, of the object at `path` (`0/attributes/1`: indices and names, `/`-separated).
fn keys(json: &str, path: &str) -> Vec<String> {
    let doc: Doc = serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"));
    let mut at = &doc;
    for step in path.split('/').filter(|s| !s.is_empty()) {
        at = match at {
            Doc::Array(items) => &items[step.parse::<usize>().unwrap()],
            Doc::Object(fields) => &fields.iter().find(|(k, _)| k == step).unwrap_or_else(|| panic!("no {step}")).1,
            Doc::Scalar => panic!("{path} goes through a value"),
        };
    }
    match at {
        Doc::Object(fields) => fields.iter().map(|(k, _)| k.clone()).collect(),
        _ => panic!("{path} is not an object in {json}"),
    }
}

/// The element names of an XML document, in the order each first appears.
fn elements(xml: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for s in xml.split('<').skip(1).filter(|s| !s.starts_with(['/', '?'])) {
        let name = s.split(['>', ' ', '/']).next().unwrap().to_owned();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Ours uses only the spec's names, each in the spec's order (the spec's optional fields may be absent).
fn in_spec_order(ours: &[String], spec: &[String]) {
    let unknown: Vec<&String> = ours.iter().filter(|k| !spec.contains(k)).collect();
    assert!(unknown.is_empty(), "names the spec does not have: {unknown:?} in {ours:?}");
    let spec_order: Vec<&String> = spec.iter().filter(|k| ours.contains(k)).collect();
    assert_eq!(ours.iter().collect::<Vec<_>>(), spec_order, "not in the spec's order");
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
    let spec = fixture("discovery.json");
    assert_eq!(keys(&d.text(), ""), keys(&spec, ""));
    assert_eq!(keys(&d.text(), "endpoints/0"), keys(&spec, "endpoints/0"));

    let services = get(&t, "/open311/v2/services.json").await;
    let s = services.json();
    assert_eq!(s.as_array().unwrap().len(), domain::hazards::CATEGORIES.len());
    assert_eq!(keys(&services.text(), "0"), keys(&fixture("services.json"), "0"));
    assert!(s.as_array().unwrap().iter().any(|x| x["service_code"] == "town_gas" && x["service_name"] == "城镇燃气"));
    let xml = get(&t, "/open311/v2/services.xml").await;
    assert_eq!(xml.header("content-type").as_deref(), Some("text/xml; charset=utf-8"));
    assert!(xml.text().contains("<service><service_code>hazardous_chemicals</service_code>"), "{}", xml.text());

    let def = get(&t, "/open311/v2/services/town_gas.json").await.text();
    let spec = fixture("service_definition.json");
    assert_eq!(keys(&def, ""), keys(&spec, ""));
    assert_eq!(keys(&def, "attributes/0"), keys(&spec, "attributes/0"));
    assert_eq!(keys(&def, "attributes/1/values/0"), keys(&spec, "attributes/0/values/0"));
    let xml = get(&t, "/open311/v2/services/town_gas.xml").await.text();
    assert!(xml.contains("<service_definition><service_code>town_gas</service_code><attributes><attribute>"), "{xml}");
    let missing = get(&t, "/open311/v2/services/nuclear.json").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(keys(&missing.text(), "0"), keys(&fixture("errors.json"), "0"));
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
    let mine = &posted.json()[0];
    // The spec's fields in its order, with the token the spec allows in place of (here: beside) the id.
    let mut spec = keys(&fixture("post_request.json"), "0");
    spec.insert(1, "token".to_owned());
    in_spec_order(&keys(&posted.text(), "0"), &spec);
    let id = mine["service_request_id"].as_str().unwrap().to_owned();
    assert!(mine["service_notice"].as_str().unwrap().contains("查询码"));

    let one = get(&t, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(one.status, StatusCode::OK);
    let r = &one.json()[0];
    in_spec_order(&keys(&one.text(), "0"), &keys(&fixture("requests.json"), "0"));
    for k in ["service_request_id", "status", "service_code", "service_name", "requested_datetime", "status_notes"] {
        assert!(!r[k].is_null(), "{k} in {r}");
    }
    assert_eq!((r["status"].as_str(), r["service_code"].as_str()), (Some("open"), Some("town_gas")));
    assert!(r["requested_datetime"].as_str().unwrap().ends_with("+08:00"));
    // What the reporter wrote stays with the case handlers: not published until staff expose it.
    assert!(!one.text().contains("漏气声"));

    let xml = get(&t, &format!("/open311/v2/requests/{id}.xml")).await;
    in_spec_order(&elements(&xml.text()), &elements(&fixture("requests.xml")));
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

    let token = get(&t, &format!("/open311/v2/tokens/{id}.json")).await.text();
    assert_eq!(keys(&token, "0"), keys(&fixture("token.json"), "0"));

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
    in_spec_order(&elements(&updates), &elements(&fixture("servicerequestupdates.xml")));
    assert!(updates.contains("<status>closed</status>"));
    // The public feed says how the case stands, not what staff wrote to the reporter.
    assert!(updates.contains("不予受理") && !updates.contains("计划内检修"), "{updates}");
    let updates = get(&t, "/open311/v2/servicerequestupdates.json").await.text();
    assert!(!updates.contains("计划内检修"), "{updates}");

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
