//! Open311 GeoReport v2 at `/open311/v2`: discovery, services, service definitions, requests (list, one,
//! post with an `api_key`), tokens and the `servicerequestupdates` feed; each in `.json` or `.xml`.
//! Errors are the spec's list of `{code, description}` with 400, 403 or 404.

use std::fmt::Write as _;

use app::Error;
use app::open311::{Attribute, Post, PublicRequest, RequestQuery, Service, Update};
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::session::ClientIp;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{doc}", get(get_doc).post(post_doc))
        .route("/open311/v2/services/{file}", get(get_service))
        .route("/open311/v2/requests/{file}", get(get_request))
        .route("/open311/v2/tokens/{file}", get(get_token))
}

/// Public lists (`requests`, `servicerequestupdates`) as answered within the last second, by format and
/// query: a feed polled by many clients is read from the database once a second, not once a request.
/// A list is at most a second behind; one case (`requests/{id}`) is always read fresh.
#[derive(Default)]
pub struct ListCache {
    kept: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, bytes::Bytes, &'static str)>>,
}

const LIST_TTL: std::time::Duration = std::time::Duration::from_secs(1);

impl ListCache {
    fn get(&self, key: &str) -> Option<Response> {
        let kept = self.kept.lock().ok()?;
        let (at, body, kind) = kept.get(key)?;
        (at.elapsed() < LIST_TTL)
            .then(|| ([(header::CONTENT_TYPE, HeaderValue::from_static(kind))], body.clone()).into_response())
    }

    /// Keeps a successful answer's body; returns the answer rebuilt from it.
    async fn keep(&self, key: String, res: Response) -> Response {
        if res.status() != StatusCode::OK {
            return res;
        }
        let kind = match res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
            Some(t) if t.starts_with("text/xml") => "text/xml; charset=utf-8",
            _ => "application/json",
        };
        let Ok(body) = axum::body::to_bytes(res.into_body(), 64 << 20).await else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        if let Ok(mut kept) = self.kept.lock() {
            if kept.len() > 1_000 {
                kept.retain(|_, (at, _, _)| at.elapsed() < LIST_TTL);
            }
            kept.insert(key, (std::time::Instant::now(), body.clone(), kind));
        }
        ([(header::CONTENT_TYPE, HeaderValue::from_static(kind))], body).into_response()
    }
}

impl std::fmt::Debug for ListCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListCache").finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// `requests.json` → ("requests", Json). A name without a known extension is not found.
fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    match ext {
        "json" => Some((name, Format::Json)),
        "xml" => Some((name, Format::Xml)),
        _ => None,
    }
}

/// An Open311 error answer.
struct Failure(StatusCode, String, Format);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let Failure(status, description, format) = self;
        let code = status.as_u16();
        match format {
            Format::Json => (status, axum::Json(json!([{ "code": code, "description": description }]))).into_response(),
            Format::Xml => {
                let body = format!(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?><errors><error><code>{code}</code><description>{}</description></error></errors>",
                    escape(&description)
                );
                xml_response(status, body)
            }
        }
    }
}

fn failure(e: &Error, format: Format) -> Failure {
    let status = match e {
        Error::Forbidden | Error::Unauthenticated => StatusCode::FORBIDDEN,
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Invalid(_) | Error::Conflict { .. } | Error::Upload(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let description = match e {
        Error::Forbidden | Error::Unauthenticated => "api_key is missing or not valid".to_owned(),
        Error::Invalid(list) => {
            list.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
        }
        Error::Internal(_) | Error::Unavailable(_) => "the server could not answer; try again later".to_owned(),
        other => other.message_zh(),
    };
    Failure(status, description, format)
}

fn xml_response(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
    res
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// JSON values as XML: objects become elements, arrays repeat `item` (named by the caller), nulls are
/// left out, as the spec's XML examples do.
fn to_xml(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Null => {}
        Value::Object(map) => {
            let _ = write!(out, "<{name}>");
            for (k, v) in map {
                to_xml(out, k, v);
            }
            let _ = write!(out, "</{name}>");
        }
        Value::Array(items) => {
            let _ = write!(out, "<{name}>");
            for v in items {
                to_xml(out, "value", v);
            }
            let _ = write!(out, "</{name}>");
        }
        Value::String(s) => {
            let _ = write!(out, "<{name}>{}</{name}>", escape(s));
        }
        other => {
            let _ = write!(out, "<{name}>{other}</{name}>");
        }
    }
}

/// A list: JSON array, or `<root><item>…</item>…</root>` with each item's fields in order.
fn list(format: Format, root: &str, item: &str, items: Vec<Fields>) -> Response {
    match format {
        Format::Json => axum::Json(Value::Array(items.iter().map(object).collect())).into_response(),
        Format::Xml => {
            let mut out = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><{root}>");
            for fields in &items {
                let _ = write!(out, "<{item}>");
                for (k, v) in fields {
                    to_xml(&mut out, k, v);
                }
                let _ = write!(out, "</{item}>");
            }
            let _ = write!(out, "</{root}>");
            xml_response(StatusCode::OK, out)
        }
    }
}

fn time(t: &DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A record's fields in the spec's order, kept in JSON (serde_json preserves insertion order here) and XML.
type Fields = Vec<(&'static str, Value)>;

fn object(fields: &Fields) -> Value {
    Value::Object(fields.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
}

fn request_fields(r: &PublicRequest, offset: FixedOffset) -> Fields {
    vec![
        ("service_request_id", json!(r.service_request_id)),
        ("status", json!(r.status)),
        ("status_notes", json!(r.status_notes)),
        ("service_name", json!(r.service_name)),
        ("service_code", json!(r.service_code)),
        ("description", json!(r.description)),
        ("agency_responsible", json!(r.agency_responsible)),
        ("service_notice", json!(r.service_notice)),
        ("requested_datetime", json!(time(&r.requested_datetime, offset))),
        ("updated_datetime", json!(time(&r.updated_datetime, offset))),
        ("expected_datetime", json!(r.expected_datetime.map(|t| time(&t, offset)))),
        ("address", json!(r.address)),
        ("lat", json!(r.lat)),
        ("long", json!(r.long)),
        ("media_url", Value::Null),
    ]
}

fn service_fields(s: &Service) -> Fields {
    vec![
        ("service_code", json!(s.service_code)),
        ("service_name", json!(s.service_name)),
        ("description", json!(s.description)),
        ("metadata", json!(s.metadata)),
        ("type", json!(s.kind)),
        ("keywords", json!(s.keywords)),
        ("group", json!(s.group)),
    ]
}

fn attribute_fields(a: &Attribute) -> Fields {
    vec![
        ("variable", json!(a.variable)),
        ("code", json!(a.code)),
        ("datatype", json!(a.datatype)),
        ("required", json!(a.required)),
        ("datatype_description", json!(a.datatype_description)),
        ("order", json!(a.order)),
        ("description", json!(a.description)),
        ("values", Value::Array(a.values.iter().map(|(k, n)| json!({ "key": k, "name": n })).collect())),
    ]
}

fn update_fields(u: &Update, offset: FixedOffset) -> Fields {
    vec![
        ("update_id", json!(u.update_id)),
        ("service_request_id", json!(u.service_request_id)),
        ("status", json!(u.status)),
        ("updated_datetime", json!(time(&u.updated_datetime, offset))),
        ("description", json!(u.description)),
        ("media_url", Value::Null),
    ]
}

/// The query string's pairs (a name may repeat; `attribute[x]` keeps its brackets).
fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned().collect()
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

fn parse_time(field: &'static str, v: Option<&str>) -> Result<Option<DateTime<Utc>>, Error> {
    match v {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s).map(|t| Some(t.with_timezone(&Utc))).map_err(|_| {
            Error::invalid(field, "invalid", format!("{field} must be a W3C date-time, e.g. 2026-06-16T09:30:00+08:00"))
        }),
    }
}

fn discovery(state: &AppState, format: Format) -> Response {
    let base = state.app.config.public_url.trim_end_matches('/');
    let v = json!({
        "changeset": "2026-11-29T00:00:00+08:00",
        "contact": "12350 安全生产举报投诉热线",
        "key_service": "向镇街应急管理部门申请 api_key（管理员：anjian admin open311-key）",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{base}/open311/v2"),
            "changeset": "2026-11-29T00:00:00+08:00",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    });
    match format {
        Format::Json => axum::Json(v).into_response(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><discovery>");
            for k in ["changeset", "contact", "key_service"] {
                to_xml(&mut out, k, &v[k]);
            }
            out.push_str("<endpoints><endpoint>");
            let e = &v["endpoints"][0];
            for k in ["specification", "url", "changeset", "type"] {
                to_xml(&mut out, k, &e[k]);
            }
            out.push_str("<formats><format>application/json</format><format>text/xml</format></formats>");
            out.push_str("</endpoint></endpoints></discovery>");
            xml_response(StatusCode::OK, out)
        }
    }
}

async fn get_doc(State(state): State<AppState>, Path(doc): Path<String>, RawQuery(q): RawQuery) -> Response {
    let Some((name, _)) = split(&doc) else {
        return Failure(StatusCode::NOT_FOUND, "unknown resource".into(), Format::Json).into_response();
    };
    if !matches!(name, "requests" | "servicerequestupdates") {
        return answer_doc(&state, &doc, q).await;
    }
    let key = format!("{doc}?{}", q.as_deref().unwrap_or(""));
    if let Some(kept) = state.open311.get(&key) {
        return kept;
    }
    let res = answer_doc(&state, &doc, q).await;
    state.open311.keep(key, res).await
}

async fn answer_doc(state: &AppState, doc: &str, q: Option<String>) -> Response {
    let Some((name, format)) = split(doc) else {
        return Failure(StatusCode::NOT_FOUND, "unknown resource".into(), Format::Json).into_response();
    };
    let offset = state.app.config.offset();
    let q = pairs(q.as_deref());
    let result: Result<Response, Error> = async {
        Ok(match name {
            "discovery" => discovery(state, format),
            "services" => {
                list(format, "services", "service", app::open311::services().iter().map(service_fields).collect())
            }
            "requests" => {
                let ids = match first(&q, "service_request_id") {
                    Some(s) => s
                        .split(',')
                        .map(|x| x.trim().parse::<Uuid>())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|_| Error::invalid("service_request_id", "invalid", "not a list of request ids"))?,
                    None => Vec::new(),
                };
                let open = match first(&q, "status") {
                    None => None,
                    Some(s) => {
                        let (o, c) =
                            (s.split(',').any(|x| x.trim() == "open"), s.split(',').any(|x| x.trim() == "closed"));
                        match (o, c) {
                            (true, false) => Some(true),
                            (false, true) => Some(false),
                            (true, true) => None,
                            (false, false) => {
                                return Err(Error::invalid("status", "invalid", "status must be open or closed"));
                            }
                        }
                    }
                };
                let jurisdiction = match first(&q, "jurisdiction_id") {
                    Some(j) => Some(
                        j.parse()
                            .map_err(|_| Error::invalid("jurisdiction_id", "invalid", "unknown jurisdiction_id"))?,
                    ),
                    None => None,
                };
                let (start, end) = (
                    parse_time("start_date", first(&q, "start_date"))?,
                    parse_time("end_date", first(&q, "end_date"))?,
                );
                // Without dates, the spec's last 90 days.
                let start = match (start, end, ids.is_empty()) {
                    (None, None, true) => Some(store::now() - chrono::Duration::days(90)),
                    (s, _, _) => s,
                };
                let service_code = first(&q, "service_code").map(str::to_owned);
                if let Some(code) = &service_code
                    && domain::hazards::category_name(code).is_none()
                {
                    return Err(Error::invalid("service_code", "invalid", "unknown service_code"));
                }
                let limit = first(&q, "page_size").and_then(|s| s.parse().ok()).unwrap_or(1000);
                let rq = RequestQuery { ids, service_code, start, end, open, jurisdiction, limit };
                let found = app::open311::requests(&state.app, &rq).await?;
                list(format, "service_requests", "request", found.iter().map(|r| request_fields(r, offset)).collect())
            }
            "servicerequestupdates" => {
                let (start, end) = (
                    parse_time("start_date", first(&q, "start_date"))?,
                    parse_time("end_date", first(&q, "end_date"))?,
                );
                let found = app::open311::updates(&state.app, start, end).await?;
                list(
                    format,
                    "service_request_updates",
                    "request_update",
                    found.iter().map(|u| update_fields(u, offset)).collect(),
                )
            }
            _ => return Err(Error::NotFound),
        })
    }
    .await;
    result.unwrap_or_else(|e| failure(&e, format).into_response())
}

async fn get_service(Path(file): Path<String>) -> Response {
    let Some((code, format)) = split(&file) else {
        return Failure(StatusCode::NOT_FOUND, "unknown resource".into(), Format::Json).into_response();
    };
    let Some(attrs) = app::open311::attributes(code) else {
        return failure(&Error::NotFound, format).into_response();
    };
    let v = json!({ "service_code": code, "attributes": attrs.iter().map(|a| object(&attribute_fields(a))).collect::<Vec<_>>() });
    match format {
        Format::Json => axum::Json(v).into_response(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><service_definition>");
            to_xml(&mut out, "service_code", &v["service_code"]);
            out.push_str("<attributes>");
            for a in &attrs {
                out.push_str("<attribute>");
                for (k, v) in attribute_fields(a) {
                    if k == "values" {
                        out.push_str("<values>");
                        for (key, name) in &a.values {
                            let _ =
                                write!(out, "<value><key>{}</key><name>{}</name></value>", escape(key), escape(name));
                        }
                        out.push_str("</values>");
                    } else {
                        to_xml(&mut out, k, &v);
                    }
                }
                out.push_str("</attribute>");
            }
            out.push_str("</attributes></service_definition>");
            xml_response(StatusCode::OK, out)
        }
    }
}

async fn get_request(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((id, format)) = split(&file) else {
        return Failure(StatusCode::NOT_FOUND, "unknown resource".into(), Format::Json).into_response();
    };
    let Ok(id) = id.parse::<Uuid>() else { return failure(&Error::NotFound, format).into_response() };
    match app::open311::request(&state.app, id).await {
        Ok(r) => list(format, "service_requests", "request", vec![request_fields(&r, state.app.config.offset())]),
        Err(e) => failure(&e, format).into_response(),
    }
}

/// Requests are stored before the answer, so a token is the request's id from the start.
async fn get_token(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((token, format)) = split(&file) else {
        return Failure(StatusCode::NOT_FOUND, "unknown resource".into(), Format::Json).into_response();
    };
    let Ok(id) = token.parse::<Uuid>() else { return failure(&Error::NotFound, format).into_response() };
    match app::open311::request(&state.app, id).await {
        Ok(r) => list(
            format,
            "service_requests",
            "request",
            vec![vec![("service_request_id", json!(r.service_request_id)), ("token", json!(token))]],
        ),
        Err(e) => failure(&e, format).into_response(),
    }
}

/// `POST requests.{fmt}`: a form (or a query string) with `api_key` and the spec's fields.
async fn post_doc(
    State(state): State<AppState>,
    Path(doc): Path<String>,
    ClientIp(ip): ClientIp,
    RawQuery(q): RawQuery,
    body: axum::body::Bytes,
) -> Response {
    let Some(("requests", format)) = split(&doc) else {
        return Failure(StatusCode::NOT_FOUND, "only requests may be posted".into(), Format::Json).into_response();
    };
    let mut fields = pairs(q.as_deref());
    fields.extend(url::form_urlencoded::parse(&body).into_owned());
    let get = |k: &str| first(&fields, k).unwrap_or("").to_owned();
    let has_place = first(&fields, "lat").is_some()
        || first(&fields, "address_string").is_some()
        || first(&fields, "address_id").is_some();
    if first(&fields, "api_key").is_some() && !has_place {
        return Failure(
            StatusCode::BAD_REQUEST,
            "a location is required: lat and long, address_string or address_id".into(),
            format,
        )
        .into_response();
    }
    let attributes = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("attribute[")?.strip_suffix(']')?.to_owned(), v.clone())))
        .collect();
    let post = Post {
        api_key: get("api_key"),
        jurisdiction: first(&fields, "jurisdiction_id").map(str::to_owned),
        service_code: get("service_code"),
        lat: first(&fields, "lat").map(str::to_owned),
        long: first(&fields, "long").map(str::to_owned),
        address: first(&fields, "address_string").or(first(&fields, "address_id")).unwrap_or("").to_owned(),
        description: get("description"),
        first_name: get("first_name"),
        last_name: get("last_name"),
        phone: get("phone"),
        email: get("email"),
        attributes,
    };
    let media = first(&fields, "media_url").is_some();
    match app::open311::post_request(&state.app, &ip, post).await {
        Ok(r) => {
            let mut notice = format!("查询码（仅此一次显示）：{}", domain::hazards::group_receipt(&r.code));
            if media {
                notice.push_str("；media_url 不会被抓取，照片和视频请在举报页面补充");
            }
            let v = vec![
                ("service_request_id", json!(r.case_id)),
                ("token", json!(r.case_id)),
                ("service_notice", json!(notice)),
                ("account_id", Value::Null),
            ];
            let mut res = list(format, "service_requests", "request", vec![v]);
            *res.status_mut() = StatusCode::CREATED;
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => failure(&e, format).into_response(),
    }
}
