//! Every route of the app, asked by every role: the status each one gets, and that a refusal
//! tells nothing about what it refused.
//!
//! The matrix below is the authorisation contract in one place. Each row is a route with a
//! request body chosen so the row means something (a real create, a dry-run import, a password
//! change that fails validation) without spoiling the rows after it. Each caller walks the whole
//! table on a fresh app, so one role's side effects never reach another's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use app::auth::Actor;
use axum::body::Body;
use axum::http::{Method, Request};
use domain::units::UnitInput;
use serde_json::{Value, json};
use testkit::{Client, TestApp, TestResponse};

/// What a caller gets from a route, as a class rather than an exact status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// 2xx, or a redirect somewhere other than the login page.
    Allowed,
    /// 422: allowed to ask, but the (deliberately wrong) input was refused.
    Invalid,
    /// 409: allowed to ask, but the record's state forbids it.
    Conflict,
    /// 403: an HTML error page, or `{"error":{"code":"forbidden"}}` from the API.
    Denied,
    /// 404: an HTML error page, or `{"error":{"code":"not_found"}}` from the API.
    NotFound,
    /// Not signed in: pages redirect to `/login…`, the API answers 401 `unauthenticated`.
    Login,
}

use Outcome::{Allowed, Conflict, Denied, Invalid, Login, NotFound};

// The matrix's cells: OK allowed, NO denied (403), NF not found (404), BAD invalid input (422),
// CON conflict (409), LOG sign in first. Its columns: admin, organiser, reviewer, liaison,
// custodian, auditor, district supervisor (yc.supervisor), anonymous.
const OK: Outcome = Allowed;
const NO: Outcome = Denied;
const NF: Outcome = NotFound;
const BAD: Outcome = Invalid;
const CON: Outcome = Conflict;
const LOG: Outcome = Login;

/// The callers, in the matrix's column order: a demo account, or nobody.
const CALLERS: [(&str, Option<&str>); 8] = [
    ("admin", Some("qf.admin")),
    ("organiser", Some("qf.organiser")),
    ("reviewer", Some("qf.reviewer")),
    ("liaison", Some("qf.liaison")),
    ("custodian", Some("qf.custodian")),
    ("auditor", Some("qf.auditor")),
    ("supervisor", Some("yc.supervisor")),
    ("anonymous", None),
];

type Expect = [Outcome; 8];

/// Open to the whole world, signed in or not.
const ANYONE: Expect = [OK, OK, OK, OK, OK, OK, OK, OK];
/// Any signed-in account.
const SIGNED_IN: Expect = [OK, OK, OK, OK, OK, OK, OK, LOG];
/// Everyone who reads the unit register: all but the liaison.
const READERS: Expect = [OK, OK, OK, NO, OK, OK, OK, LOG];
/// Those who keep the unit register.
const EDITORS: Expect = [OK, OK, NO, NO, NO, NO, NO, LOG];
/// Keepers of the register, on a record outside their town (or that does not exist).
const EDITORS_MISS: Expect = [NF, NF, NO, NO, NO, NO, NO, LOG];
/// The account administrator.
const ADMINS: Expect = [OK, NO, NO, NO, NO, NO, NO, LOG];
/// The administrator, on an account outside the town.
const ADMINS_MISS: Expect = [NF, NO, NO, NO, NO, NO, NO, LOG];
/// The auditor alone (三员分立).
const AUDITORS: Expect = [NO, NO, NO, NO, NO, OK, NO, LOG];
/// Staff of 青峰镇 and the district; the liaison only for what is theirs.
const TOWN_STAFF: Expect = [OK, OK, OK, NF, OK, OK, OK, LOG];
/// Something in 来苏镇: only the district sees it.
const DISTRICT_ONLY: Expect = [NF, NF, NF, NF, NF, NF, OK, LOG];
/// Those who run campaigns.
const ORGANISERS: Expect = [NO, OK, NO, NO, NO, NO, NO, LOG];
/// The organiser, on a campaign outside the town (or that does not exist).
const ORGANISERS_MISS: Expect = [NO, NF, NO, NO, NO, NO, NO, LOG];
/// The unit's own work: the liaison alone.
const LIAISON: Expect = [NO, NO, NO, OK, NO, NO, NO, LOG];
/// Those who decide on what units hand in: the town's organisers and reviewers.
const REVIEWERS: Expect = [NO, OK, OK, NO, NO, NO, NO, LOG];
/// Staff who read campaigns (the district too); a liaison sees only their unit's tasks.
const STAFF: Expect = [OK, OK, OK, NO, OK, OK, OK, LOG];
/// Staff, on a campaign of another town: only the district sees it.
const STAFF_MISS: Expect = [NF, NF, NF, NO, NF, NF, OK, LOG];
/// An id that names nothing anyone may see.
const NOBODY: Expect = [NF, NF, NF, NF, NF, NF, NF, LOG];

/// What a request carries. Values may hold fixture placeholders such as `{town}`.
#[derive(Debug, Clone, Copy)]
enum Payload {
    None,
    Form(&'static [(&'static str, &'static str)]),
    Json(&'static str),
    /// A multipart form: the file field's name and bytes, and the other fields.
    File(&'static str, &'static [u8], &'static [(&'static str, &'static str)]),
}

/// One row of the matrix.
#[derive(Debug, Clone, Copy)]
struct Case {
    method: &'static str,
    /// With placeholders: `{unit}` 胡豆坪村 (the liaison's own), `{sibling}` 佛岩寺村, `{town}`
    /// 青峰镇, `{other_unit}` 来苏镇应急办（示例）, `{user}` an account of 青峰镇, `{other_user}` an
    /// account of 来苏镇, `{file}` the admin's upload, `{liaison_file}` the liaison's,
    /// `{other_file}` one of 来苏镇, `{import}` a dry-run import of 青峰镇, `{missing}` an unused id.
    path: &'static str,
    payload: Payload,
    expect: Expect,
    /// The request ends the caller's session: it is sent from a second sign-in of the same
    /// account, so the rows after it still have theirs.
    ends_session: bool,
    /// For an API row with 409 or 422 cells: the stable error code those answers must carry (for
    /// `invalid_input`, with the first refused field: `invalid_input:reason`).
    code: Option<&'static str>,
}

impl Case {
    const fn new(method: &'static str, path: &'static str, payload: Payload, expect: Expect) -> Case {
        Case { method, path, payload, expect, ends_session: false, code: None }
    }

    /// The stable error code of this row's 409/422 answers.
    const fn refused_with(mut self, code: &'static str) -> Case {
        self.code = Some(code);
        self
    }

    const fn ending_session(mut self) -> Case {
        self.ends_session = true;
        self
    }

    fn is_api(&self) -> bool {
        self.path.starts_with("/api/") || self.path.starts_with("/open311/")
    }
}

const fn get(path: &'static str, expect: Expect) -> Case {
    Case::new("GET", path, Payload::None, expect)
}

const fn post(path: &'static str, payload: Payload, expect: Expect) -> Case {
    Case::new("POST", path, payload, expect)
}

const fn put(path: &'static str, payload: Payload, expect: Expect) -> Case {
    Case::new("PUT", path, payload, expect)
}

const fn delete(path: &'static str, expect: Expect) -> Case {
    Case::new("DELETE", path, Payload::None, expect)
}

const NOTHING: Payload = Payload::Form(&[]);
const SIGN_IN_FORM: Payload =
    Payload::Form(&[("username", "qf.reviewer"), ("password", app::demo::DEMO_PASSWORD), ("next", "/units")]);
const SIGN_IN_JSON: Payload = Payload::Json(r#"{"username": "qf.reviewer", "password": "{demo_password}"}"#);
const WRONG_PASSWORD_FORM: Payload = Payload::Form(&[
    ("current", "not-my-password"),
    ("password", "Route-matrix-2026"),
    ("confirm", "Route-matrix-2026"),
]);
const WRONG_PASSWORD_JSON: Payload =
    Payload::Json(r#"{"current": "not-my-password", "password": "Route-matrix-2026", "confirm": "Route-matrix-2026"}"#);
const EMAIL_FORM: Payload = Payload::Form(&[("email", "route@qingfeng.example")]);
const EMAIL_JSON: Payload = Payload::Json(r#"{"email": "route@qingfeng.example"}"#);
const NEW_VILLAGE_FORM: Payload =
    Payload::Form(&[("name", "路由测试村"), ("kind", "village"), ("parent_id", "{town}")]);
const NEW_ENTERPRISE_JSON: Payload =
    Payload::Json(r#"{"name": "路由测试企业", "kind": "enterprise", "industry": "工贸"}"#);
/// 胡豆坪村 exactly as it is: an edit that changes nothing.
const SAME_VILLAGE_FORM: Payload = Payload::Form(&[("name", "胡豆坪村"), ("kind", "village")]);
const SAME_VILLAGE_JSON: Payload = Payload::Json(r#"{"name": "胡豆坪村", "kind": "village"}"#);
const OTHER_UNIT_FORM: Payload =
    Payload::Form(&[("name", "来苏镇应急办（示例）"), ("kind", "department"), ("is_sample", "on")]);
const OTHER_UNIT_JSON: Payload =
    Payload::Json(r#"{"name": "来苏镇应急办（示例）", "kind": "department", "is_sample": true}"#);
const NEW_USER_FORM: Payload = Payload::Form(&[
    ("username", "route.page"),
    ("display_name", "路由页面账号"),
    ("role", "custodian"),
    ("authority_id", ""),
    ("unit_id", ""),
    ("phone", ""),
]);
const NEW_USER_JSON: Payload =
    Payload::Json(r#"{"username": "route.api", "display_name": "路由接口账号", "role": "custodian"}"#);
const IMPORT_CSV: &[u8] = "名称,类型\n路由导入村,村\n".as_bytes();
const DRY_RUN_IMPORT: Payload =
    Payload::File("路由导入.csv", IMPORT_CSV, &[("authority_id", "{town}"), ("dry_run", "1")]);
const EVIDENCE: Payload = Payload::File("路由测试.csv", "名称,类型\n测试村,村\n".as_bytes(), &[]);

const SEED: &[u8] = include_bytes!("../../notice/tests/corpus/seed.txt");
const NOTICE_FILE: Payload = Payload::File("安全生产月通知.txt", SEED, &[]);
const BLANK_CAMPAIGN_FORM: Payload = Payload::Form(&[("title", "路由空白活动")]);
const CAMPAIGN_FORM: Payload = Payload::Form(&[
    ("title", "路由草稿"),
    ("deliverable.0.name", "活动方案"),
    ("deliverable.0.due_on", "2021-05-31"),
    ("deliverable.0.kinds", "village"),
]);
const RECIPIENTS_FORM: Payload = Payload::Form(&[("unit", "{unit}")]);
const CLONE_FORM: Payload = Payload::Form(&[("year", "2022"), ("theme", "路由新主题")]);
const PARSE_JSON: Payload = Payload::Json(r#"{"text": "关于开展安全检查的通知\n各村：\n请于5月31日前报送自查报告。"}"#);
const NEW_CAMPAIGN_JSON: Payload = Payload::Json(r#"{"title": "路由接口活动"}"#);
const CAMPAIGN_JSON: Payload = Payload::Json(
    r#"{"title": "路由接口草稿", "deliverables": [{"name": "活动方案", "due_on": "2021-05-31", "unit_kinds": ["village"]}]}"#,
);
const RECIPIENTS_JSON: Payload = Payload::Json(r#"{"unit_ids": ["{unit}"]}"#);
const CONTACT_FORM: Payload = Payload::Form(&[("contact_name", "胡专人"), ("contact_phone", "13800138000")]);
const CONTACT_JSON: Payload = Payload::Json(r#"{"name": "胡专人", "phone": "13800138000"}"#);
const SUBMISSION: Payload =
    Payload::File("路由报送.csv", "活动,人数\n咨询日,120\n".as_bytes(), &[("body", "路由报送说明")]);
const RETURN_FORM: Payload = Payload::Form(&[("verdict", "return"), ("comment", "")]);
const RETURN_JSON: Payload = Payload::Json(r#"{"verdict": "return"}"#);
const ACTIVITY: Payload = Payload::File(
    "咨询点.csv",
    "时间,人数\n上午,86\n".as_bytes(),
    &[("occurred_on", "2026-06-16"), ("place", "青峰场"), ("participants", "86"), ("extra.topic", "安全生产法")],
);
const TRACK_FORM: Payload = Payload::Form(&[
    ("key", "topic"),
    ("label", "学习主题"),
    ("kind", "text"),
    ("options", ""),
    ("key", ""),
    ("label", "参加人数"),
    ("kind", "number"),
    ("options", ""),
]);
const TRACK_JSON: Payload = Payload::Json(r#"{"fields": [{"key": "topic", "label": "学习主题", "kind": "text"}]}"#);
const NEW_UPLOAD: Payload = Payload::Json(r#"{"name": "路由视频.mp4", "size": 1048576}"#);
const CLONE_JSON: Payload = Payload::Json(r#"{"year": 2022, "theme": "路由新主题"}"#);

#[rustfmt::skip]
const CASES: &[Case] = &[
    //                                                                      adm  org  rev  lia  cus  aud  sup  anon
    // Home, signing in and out, language.
    get("/",                                                               SIGNED_IN),
    get("/my-unit",                                                        SIGNED_IN),
    get("/login",                                                          ANYONE),
    post("/login", SIGN_IN_FORM,                                           ANYONE),
    // Signing out ends at the login page, whoever asks.
    post("/logout", NOTHING,                                               [LOG, LOG, LOG, LOG, LOG, LOG, LOG, LOG]).ending_session(),
    get("/account/password",                                               SIGNED_IN),
    post("/account/email", EMAIL_FORM,                                     SIGNED_IN),
    post("/account/password", WRONG_PASSWORD_FORM,                         [BAD, BAD, BAD, BAD, BAD, BAD, BAD, LOG]),
    get("/lang/en?next=/units",                                            ANYONE),
    get("/lang/zh",                                                        ANYONE),

    // The unit register.
    get("/units",                                                          READERS),
    get("/units?status=all&kind=village",                                  READERS),
    post("/units", NEW_VILLAGE_FORM,                                       EDITORS),
    get("/units/new",                                                      EDITORS),
    get("/units/import",                                                   EDITORS),
    post("/units/import", DRY_RUN_IMPORT,                                  EDITORS),
    get("/units/import/template.csv",                                      SIGNED_IN),
    get("/units/imports/{import}",                                         EDITORS),
    get("/units/imports/{missing}",                                        EDITORS_MISS),
    get("/units/{unit}",                                                   SIGNED_IN),
    get("/units/{sibling}",                                                TOWN_STAFF),
    get("/units/{other_unit}",                                             DISTRICT_ONLY),
    get("/units/{missing}",                                                NOBODY),
    get("/units/not-a-unit",                                               NOBODY),
    post("/units/{unit}", SAME_VILLAGE_FORM,                               EDITORS),
    post("/units/{other_unit}", OTHER_UNIT_FORM,                           EDITORS_MISS),
    get("/units/{unit}/edit",                                              EDITORS),
    get("/units/{other_unit}/edit",                                        EDITORS_MISS),
    post("/units/{sibling}/deactivate", NOTHING,                           EDITORS),
    post("/units/{sibling}/reactivate", NOTHING,                           EDITORS),
    post("/units/{other_unit}/deactivate", NOTHING,                        EDITORS_MISS),
    post("/units/{other_unit}/reactivate", NOTHING,                        EDITORS_MISS),
    // A town cannot be deactivated, even by those who may deactivate units.
    post("/units/{town}/deactivate", NOTHING,                              [CON, CON, NO,  NO,  NO,  NO,  NO,  LOG]),

    // Accounts.
    get("/users",                                                          ADMINS),
    get("/users/new",                                                      ADMINS),
    post("/users", NEW_USER_FORM,                                          ADMINS),
    post("/users/{user}/reset-password", NOTHING,                          ADMINS),
    post("/users/{user}/deactivate", NOTHING,                              ADMINS),
    post("/users/{user}/reactivate", NOTHING,                              ADMINS),
    post("/users/{other_user}/reset-password", NOTHING,                    ADMINS_MISS),
    post("/users/{other_user}/deactivate", NOTHING,                        ADMINS_MISS),
    post("/users/{other_user}/reactivate", NOTHING,                        ADMINS_MISS),
    post("/users/{missing}/reset-password", NOTHING,                       ADMINS_MISS),

    // The audit trail.
    get("/audit",                                                          AUDITORS),
    get("/audit?action=unit.",                                             AUDITORS),

    // Files.
    get("/files/{file}",                                                   TOWN_STAFF),
    get("/files/{liaison_file}",                                           SIGNED_IN),
    get("/files/{other_file}",                                             DISTRICT_ONLY),
    get("/files/{missing}",                                                NOBODY),
    get("/files/not-a-file",                                               NOBODY),

    // Operations and assets: no session needed.
    get("/healthz",                                                        ANYONE),
    get("/readyz",                                                         ANYONE),
    get("/metrics",                                                        ANYONE),
    get("/api/v1/openapi.json",                                            ANYONE),
    // Campaigns: {campaign} is 青峰镇's published public campaign (sent to 胡豆坪村), {draft} a draft of
    // 青峰镇 that the rows edit, send, publish and close, {other_campaign} one of 来苏镇.
    get("/campaigns",                                                      SIGNED_IN),
    get("/campaigns?status=published",                                     SIGNED_IN),
    get("/campaigns/new",                                                  ORGANISERS),
    post("/campaigns/new/notice", NOTICE_FILE,                             ORGANISERS),
    post("/campaigns/new/blank", BLANK_CAMPAIGN_FORM,                      ORGANISERS),
    get("/campaigns/{campaign}",                                           SIGNED_IN),
    get("/campaigns/{draft}",                                              TOWN_STAFF),
    get("/campaigns/{other_campaign}",                                     DISTRICT_ONLY),
    get("/campaigns/{missing}",                                            NOBODY),
    get("/campaigns/{draft}/edit",                                         ORGANISERS),
    get("/campaigns/{other_campaign}/edit",                                ORGANISERS_MISS),
    post("/campaigns/{draft}/edit", CAMPAIGN_FORM,                         ORGANISERS),
    post("/campaigns/{other_campaign}/edit", CAMPAIGN_FORM,                ORGANISERS_MISS),
    get("/campaigns/{draft}/recipients",                                   ORGANISERS),
    get("/campaigns/{other_campaign}/recipients",                          ORGANISERS_MISS),
    post("/campaigns/{draft}/recipients", RECIPIENTS_FORM,                 ORGANISERS),
    post("/campaigns/{other_campaign}/recipients", RECIPIENTS_FORM,        ORGANISERS_MISS),
    post("/campaigns/{draft}/publish", NOTHING,                            ORGANISERS),
    post("/campaigns/{other_campaign}/publish", NOTHING,                   ORGANISERS_MISS),
    post("/campaigns/{draft}/close", NOTHING,                              ORGANISERS),
    post("/campaigns/{draft}/close", NOTHING,                              [NO,  CON, NO,  NO,  NO,  NO,  NO,  LOG]),
    post("/campaigns/{other_campaign}/close", NOTHING,                     ORGANISERS_MISS),
    post("/campaigns/{campaign}/clone", CLONE_FORM,                        ORGANISERS),
    post("/campaigns/{other_campaign}/clone", CLONE_FORM,                  ORGANISERS_MISS),
    // The liaison's own work: 胡豆坪村 received {campaign}; {draft} was never sent to it.
    get("/my-work",                                                        [NO,  NO,  NO,  OK,  NO,  NO,  NO,  LOG]),
    post("/campaigns/{campaign}/receipt", NOTHING,                         [NO,  NO,  NO,  OK,  NO,  NO,  NO,  LOG]),
    post("/campaigns/{campaign}/contact", CONTACT_FORM,                    [NO,  NO,  NO,  OK,  NO,  NO,  NO,  LOG]),
    post("/campaigns/{other_campaign}/receipt", NOTHING,                   [NO,  NO,  NO,  NF,  NO,  NO,  NO,  LOG]),
    post("/campaigns/{other_campaign}/contact", CONTACT_FORM,              [NO,  NO,  NO,  NF,  NO,  NO,  NO,  LOG]),
    get("/notifications",                                                  SIGNED_IN),
    post("/notifications/read", NOTHING,                                   SIGNED_IN),
    get("/notices",                                                        ANYONE),
    get("/notices/{campaign}",                                             ANYONE),
    get("/notices/{draft}",                                                [NF, NF, NF, NF, NF, NF, NF, NF]),
    get("/notices/{other_campaign}",                                       [NF, NF, NF, NF, NF, NF, NF, NF]),

    get("/assets/app.css",                                                 ANYONE),
    get("/assets/app.js",                                                  ANYONE),
    get("/assets/icon.svg",                                                ANYONE),
    get("/favicon.ico",                                                    ANYONE),
    get("/no-such-page",                                                   [NF, NF, NF, NF, NF, NF, NF, NF]),
    get("/api/v1/no-such-route",                                           [NF, NF, NF, NF, NF, NF, NF, NF]),

    // API: the session.
    post("/api/v1/session", SIGN_IN_JSON,                                  ANYONE),
    get("/api/v1/session",                                                 SIGNED_IN),
    delete("/api/v1/session",                                              ANYONE).ending_session(),
    get("/api/v1/me/email",                                                SIGNED_IN),
    put("/api/v1/me/email", EMAIL_JSON,                                    SIGNED_IN),
    put("/api/v1/me/password", WRONG_PASSWORD_JSON,                        [BAD, BAD, BAD, BAD, BAD, BAD, BAD, LOG]).refused_with("invalid_input:current"),

    // API: the unit register.
    get("/api/v1/units",                                                   READERS),
    get("/api/v1/units?status=all&page=2",                                 READERS),
    post("/api/v1/units", NEW_ENTERPRISE_JSON,                             EDITORS),
    get("/api/v1/units/{unit}",                                            SIGNED_IN),
    get("/api/v1/units/{sibling}",                                         TOWN_STAFF),
    get("/api/v1/units/{other_unit}",                                      DISTRICT_ONLY),
    get("/api/v1/units/{missing}",                                         NOBODY),
    get("/api/v1/units/not-a-unit",                                        NOBODY),
    put("/api/v1/units/{unit}", SAME_VILLAGE_JSON,                         EDITORS),
    put("/api/v1/units/{other_unit}", OTHER_UNIT_JSON,                     EDITORS_MISS),
    post("/api/v1/units/{sibling}/deactivate", Payload::None,              EDITORS),
    post("/api/v1/units/{sibling}/reactivate", Payload::None,              EDITORS),
    post("/api/v1/units/{other_unit}/deactivate", Payload::None,           EDITORS_MISS),
    post("/api/v1/units/{other_unit}/reactivate", Payload::None,           EDITORS_MISS),
    post("/api/v1/units/{town}/deactivate", Payload::None,                 [CON, CON, NO,  NO,  NO,  NO,  NO,  LOG]).refused_with("unit_is_authority"),
    post("/api/v1/units/imports", DRY_RUN_IMPORT,                          EDITORS),
    get("/api/v1/units/imports/{import}",                                  EDITORS),
    get("/api/v1/units/imports/{missing}",                                 EDITORS_MISS),

    // API: accounts.
    get("/api/v1/users",                                                   ADMINS),
    post("/api/v1/users", NEW_USER_JSON,                                   ADMINS),
    post("/api/v1/users/{user}/reset-password", Payload::None,             ADMINS),
    post("/api/v1/users/{user}/deactivate", Payload::None,                 ADMINS),
    post("/api/v1/users/{user}/reactivate", Payload::None,                 ADMINS),
    post("/api/v1/users/{other_user}/reset-password", Payload::None,       ADMINS_MISS),
    post("/api/v1/users/{other_user}/deactivate", Payload::None,           ADMINS_MISS),
    post("/api/v1/users/{other_user}/reactivate", Payload::None,           ADMINS_MISS),
    post("/api/v1/users/{missing}/deactivate", Payload::None,              ADMINS_MISS),

    // API: the audit trail.
    get("/api/v1/audit-events",                                            AUDITORS),
    get("/api/v1/audit-events?action=auth.",                               AUDITORS),

    // API: files. Everyone uploads but the auditor, who changes nothing.
    post("/api/v1/files", EVIDENCE,                                        [OK,  OK,  OK,  OK,  OK,  NO,  OK,  LOG]),
    get("/api/v1/files/{file}",                                            TOWN_STAFF),
    get("/api/v1/files/{liaison_file}",                                    SIGNED_IN),
    get("/api/v1/files/{other_file}",                                      DISTRICT_ONLY),
    get("/api/v1/files/{missing}",                                         NOBODY),
    get("/api/v1/files/not-a-file",                                        NOBODY),

    // API: campaigns.
    post("/api/v1/notices/parse", PARSE_JSON,                              ORGANISERS),
    get("/api/v1/campaigns",                                               SIGNED_IN),
    post("/api/v1/campaigns", NEW_CAMPAIGN_JSON,                           ORGANISERS),
    post("/api/v1/campaigns/from-file", NOTICE_FILE,                       ORGANISERS),
    get("/api/v1/campaigns/{campaign}",                                    SIGNED_IN),
    get("/api/v1/campaigns/{api_draft}",                                   TOWN_STAFF),
    get("/api/v1/campaigns/{other_campaign}",                              DISTRICT_ONLY),
    get("/api/v1/campaigns/{missing}",                                     NOBODY),
    get("/api/v1/campaigns/not-a-campaign",                                NOBODY),
    put("/api/v1/campaigns/{api_draft}", CAMPAIGN_JSON,                    ORGANISERS),
    put("/api/v1/campaigns/{other_campaign}", CAMPAIGN_JSON,               ORGANISERS_MISS),
    put("/api/v1/campaigns/{api_draft}/recipients", RECIPIENTS_JSON,       ORGANISERS),
    put("/api/v1/campaigns/{other_campaign}/recipients", RECIPIENTS_JSON,  ORGANISERS_MISS),
    post("/api/v1/campaigns/{api_draft}/publish", Payload::None,           ORGANISERS),
    post("/api/v1/campaigns/{other_campaign}/publish", Payload::None,      ORGANISERS_MISS),
    post("/api/v1/campaigns/{api_draft}/close", Payload::None,             ORGANISERS),
    post("/api/v1/campaigns/{api_draft}/publish", Payload::None,           [NO,  CON, NO,  NO,  NO,  NO,  NO,  LOG]).refused_with("campaign_closed"),
    post("/api/v1/campaigns/{other_campaign}/close", Payload::None,        ORGANISERS_MISS),
    post("/api/v1/campaigns/{campaign}/clone", CLONE_JSON,                 ORGANISERS),
    post("/api/v1/campaigns/{other_campaign}/clone", CLONE_JSON,           ORGANISERS_MISS),
    get("/api/v1/campaigns/{campaign}/tasks",                              SIGNED_IN),
    get("/api/v1/campaigns/{other_campaign}/tasks",                        DISTRICT_ONLY),
    get("/api/v1/public/notices",                                          ANYONE),
    get("/api/v1/public/notices/{campaign}",                               ANYONE),
    get("/api/v1/public/notices/{other_campaign}",                         [NF, NF, NF, NF, NF, NF, NF, NF]),
    get("/api/v1/my/work",                                                 [NO,  NO,  NO,  OK,  NO,  NO,  NO,  LOG]),
    post("/api/v1/campaigns/{campaign}/receipt", Payload::None,            [NO,  NO,  NO,  OK,  NO,  NO,  NO,  LOG]),
    put("/api/v1/campaigns/{campaign}/contact", CONTACT_JSON,              [NO,  NO,  NO,  OK,  NO,  NO,  NO,  LOG]),
    post("/api/v1/campaigns/{other_campaign}/receipt", Payload::None,      [NO,  NO,  NO,  NF,  NO,  NO,  NO,  LOG]),
    put("/api/v1/campaigns/{other_campaign}/contact", CONTACT_JSON,        [NO,  NO,  NO,  NF,  NO,  NO,  NO,  LOG]),
    get("/api/v1/campaigns/{campaign}/receipts",                           [OK,  OK,  OK,  NO,  OK,  OK,  OK,  LOG]),
    get("/api/v1/campaigns/{other_campaign}/receipts",                     [NF,  NF,  NF,  NO,  NF,  NF,  OK,  LOG]),
    get("/api/v1/notifications",                                           SIGNED_IN),
    post("/api/v1/notifications/read", Payload::None,                      SIGNED_IN),

    // Tasks and submissions: {task} and {task2} are 胡豆坪村's (plan and summary) in {campaign}, {sibling_task} is 佛岩寺村's;
    // {submission} waits for review on {task2}. Only the unit hands in and withdraws; only the town's
    // organisers and reviewers decide (the rows send a return without a comment: refused as invalid).
    get("/tasks/{task}",                                                   SIGNED_IN),
    get("/tasks/{sibling_task}",                                           TOWN_STAFF),
    get("/tasks/{missing}",                                                NOBODY),
    post("/tasks/{task}/submit", SUBMISSION,                               LIAISON),
    post("/tasks/{sibling_task}/submit", SUBMISSION,                       [NO,  NO,  NO,  NF,  NO,  NO,  NO,  LOG]),
    post("/submissions/{submission}/take-up", NOTHING,                     REVIEWERS),
    post("/submissions/{submission}/decision", RETURN_FORM,                [NO,  BAD, BAD, NO,  NO,  NO,  NO,  LOG]),
    post("/api/v1/submissions/{submission}/take-up", Payload::None,        REVIEWERS),
    post("/api/v1/submissions/{submission}/decision", RETURN_JSON,         [NO,  BAD, BAD, NO,  NO,  NO,  NO,  LOG]).refused_with("invalid_input:comment"),
    // Nobody took it up in the liaison's column; once withdrawn, there is nothing left to withdraw.
    post("/submissions/{submission}/withdraw", NOTHING,                    LIAISON),
    post("/api/v1/submissions/{submission}/withdraw", Payload::None,       [NO,  NO,  NO,  CON, NO,  NO,  NO,  LOG]).refused_with("task_not_submitted"),
    get("/campaigns/{campaign}/board",                                     STAFF),
    get("/campaigns/{campaign}/board?kind=village&status=not_yet",         STAFF),
    get("/campaigns/{campaign}/board.xlsx",                                STAFF),
    get("/campaigns/{other_campaign}/board",                               STAFF_MISS),
    get("/campaigns/{campaign}/units/{unit}",                              STAFF),
    get("/campaigns/{campaign}/review",                                    STAFF),
    get("/campaigns/{other_campaign}/review",                              STAFF_MISS),
    get("/api/v1/tasks/{task}",                                            SIGNED_IN),
    get("/api/v1/tasks/{sibling_task}",                                    TOWN_STAFF),
    get("/api/v1/tasks/{missing}",                                         NOBODY),
    // The page row above handed in for {task}: it now waits for review, and a second version is refused.
    post("/api/v1/tasks/{task}/submissions", SUBMISSION,                   [NO,  NO,  NO,  CON, NO,  NO,  NO,  LOG]).refused_with("task_awaiting_review"),
    post("/api/v1/tasks/{sibling_task}/submissions", SUBMISSION,           [NO,  NO,  NO,  NF,  NO,  NO,  NO,  LOG]),
    get("/api/v1/campaigns/{campaign}/review-queue",                       STAFF),
    get("/api/v1/campaigns/{other_campaign}/review-queue",                 STAFF_MISS),
    get("/api/v1/campaigns/{campaign}/board",                              STAFF),
    get("/api/v1/campaigns/{campaign}/board?status=nonsense",              [BAD, BAD, BAD, BAD, BAD, BAD, BAD, LOG]).refused_with("invalid_input:status"),
    get("/api/v1/campaigns/{other_campaign}/board",                        STAFF_MISS),
    get("/api/v1/campaigns/{campaign}/board.xlsx",                         STAFF),
    // Activity records: {track} is {campaign}'s first track, {activity} a record of 胡豆坪村 under it.
    get("/campaigns/{campaign}/activities",                                SIGNED_IN),
    get("/campaigns/{campaign}/activities?track={track}&unit={unit}",      SIGNED_IN),
    get("/campaigns/{other_campaign}/activities",                          DISTRICT_ONLY),
    get("/campaigns/{campaign}/activities/new?track={track}",              LIAISON),
    post("/campaigns/{campaign}/activities?track={track}", ACTIVITY,       LIAISON),
    post("/activities/{activity}/delete", NOTHING,                         LIAISON),
    // Deleted by the row above in the liaison's column.
    delete("/api/v1/activities/{activity}",                                [NO,  NO,  NO,  NF,  NO,  NO,  NO,  LOG]),
    get("/campaigns/{campaign}/tracks/{track}/form",                       ORGANISERS),
    get("/campaigns/{other_campaign}/tracks/{track}/form",                 ORGANISERS_MISS),
    post("/campaigns/{campaign}/tracks/{track}/form", TRACK_FORM,          ORGANISERS),
    get("/api/v1/campaigns/{campaign}/tracks",                             SIGNED_IN),
    get("/api/v1/campaigns/{other_campaign}/tracks",                       DISTRICT_ONLY),
    put("/api/v1/campaigns/{campaign}/tracks/{track}/form", TRACK_JSON,    ORGANISERS),
    put("/api/v1/campaigns/{other_campaign}/tracks/{track}/form", TRACK_JSON, ORGANISERS_MISS),
    get("/api/v1/campaigns/{campaign}/activities",                         SIGNED_IN),
    post("/api/v1/campaigns/{campaign}/activities?track={track}", ACTIVITY, LIAISON),
    // Uploads in parts: {upload} is the liaison's; nobody else may see or add to it.
    post("/api/v1/uploads", NEW_UPLOAD,                                    [OK,  OK,  OK,  OK,  OK,  NO,  OK,  LOG]),
    get("/api/v1/uploads/{upload}",                                        [NF,  NF,  NF,  OK,  NF,  NF,  NF,  LOG]),
    Case::new("PATCH", "/api/v1/uploads/{upload}", Payload::None,          [NF,  NF,  NF,  BAD, NF,  NF,  NF,  LOG]).refused_with("invalid_input:upload_offset"),

    // Hazard reports, no sign-in: {whistle} is an enterprise's whistle-blower link. A receipt code never
    // travels in a URL; a malformed one is refused as input.
    get("/report",                                                         ANYONE),
    post("/report", REPORT_FILE,                                           ANYONE),
    get("/report/w/{whistle}",                                             ANYONE),
    post("/report/w/{whistle}", WHISTLE_FILE,                              ANYONE),
    get("/units/{enterprise}/whistle",                                      REVIEWERS),
    get("/units/{sibling}/whistle",                                        [NO,  CON, CON, NO,  NO,  NO,  NO,  LOG]),
    post("/units/{enterprise}/whistle", NOTHING,                           REVIEWERS),
    get("/report/w/not-a-link",                                            [NF, NF, NF, NF, NF, NF, NF, NF]),
    get("/report/follow",                                                  ANYONE),
    post("/report/follow", BAD_CODE_FORM,                                  [BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD]),
    post("/report/follow/add", BAD_CODE_FILE,                              [BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD]),
    post("/report/follow/claim", BAD_CODE_FORM,                            [BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD]),
    post("/api/v1/public/reports", REPORT_JSON,                            ANYONE),
    post("/api/v1/public/reports/lookup", BAD_CODE_JSON,                   [BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD]).refused_with("invalid_input:code"),
    // Cases: {case} is a named report to 青峰镇 (received), {assigned_case} one given to 胡豆坪村,
    // {other_case} one of 来苏镇. The town's organisers and reviewers handle them; the unit's liaison
    // works on its own; only the custodian reveals who reported.
    get("/hazards",                                                        [NO,  OK,  OK,  OK,  OK,  OK,  OK,  LOG]),
    get("/hazards?status=received&overdue=1",                              [NO,  OK,  OK,  OK,  OK,  OK,  OK,  LOG]),
    get("/hazards/new?channel=hotline",                                    REVIEWERS),
    post("/hazards/new?channel=inspection", INSPECTION_FORM,               REVIEWERS),
    get("/hazards/new?channel=self_check",                                 [NO,  NO,  NO,  NO,  NO,  NO,  NO,  LOG]),
    get("/hazards/{case}",                                                 [NF,  OK,  OK,  NF,  OK,  OK,  OK,  LOG]),
    get("/hazards/{assigned_case}",                                        [NF,  OK,  OK,  OK,  OK,  OK,  OK,  LOG]),
    get("/hazards/{other_case}",                                           DISTRICT_ONLY),
    post("/hazards/{case}/accept", NOTHING,                                REVIEWERS),
    post("/hazards/{other_case}/accept", NOTHING,                          [NO,  NF,  NF,  NO,  NO,  NO,  NO,  LOG]),
    post("/hazards/{assigned_case}/start", NOTHING,                        LIAISON),
    post("/hazards/{assigned_case}/rectify", FIX_FILE,                     [NO,  OK,  OK,  OK,  NO,  NO,  NO,  LOG]),
    post("/hazards/{case}/reveal", REASON_FORM,                            [NO,  NO,  NO,  NO,  OK,  NO,  NO,  LOG]),
    post("/hazards/{other_case}/reveal", REASON_FORM,                      [NO,  NO,  NO,  NO,  NF,  NO,  NO,  LOG]),
    post("/hazards/{case}/no-such-step", NOTHING,                          NOBODY),
    get("/hazards/stats",                                                  [NO,  OK,  OK,  NO,  OK,  OK,  OK,  LOG]),
    get("/hazards/lists",                                                  [NO,  OK,  OK,  NO,  OK,  OK,  OK,  LOG]),
    post("/hazards/lists", LIST_FORM,                                      REVIEWERS),
    post("/hazards/lists/{missing}/withdraw", NOTHING,                     [NO,  NF,  NF,  NO,  NO,  NO,  NO,  LOG]),
    get("/hazards/{assigned_case}/notice.docx",                            [NO,  OK,  OK,  OK,  NO,  NO,  NO,  LOG]),
    get("/hazards/{other_case}/notice.docx",                               [NO,  NF,  NF,  NF,  NO,  NO,  NO,  LOG]),
    // {case} is not closed: nothing to reward or expose yet.
    post("/hazards/{case}/reward", FINE_FORM,                              [NO,  CON, CON, NO,  NO,  NO,  NO,  LOG]),
    post("/hazards/{case}/expose", EXPOSE_FORM,                            [NO,  CON, CON, NO,  NO,  NO,  NO,  LOG]),
    get("/exposure",                                                       ANYONE),
    get("/api/v1/public/exposure",                                         ANYONE),
    get("/api/v1/hazards/stats",                                           [NO,  OK,  OK,  NO,  OK,  OK,  OK,  LOG]),
    get("/api/v1/hazards",                                                 [NO,  OK,  OK,  OK,  OK,  OK,  OK,  LOG]),
    post("/api/v1/hazards", HOTLINE_JSON,                                  REVIEWERS),
    get("/api/v1/hazards/{case}",                                          [NF,  OK,  OK,  NF,  OK,  OK,  OK,  LOG]),
    get("/api/v1/hazards/{other_case}",                                    DISTRICT_ONLY),
    // Accepted by the page's row above: the case's state refuses it again.
    post("/api/v1/hazards/{case}/steps", ACCEPT_JSON,                      [NO,  CON, CON, NO,  NO,  NO,  NO,  LOG]).refused_with("case_not_assigned"),
    post("/api/v1/hazards/{other_case}/steps", ACCEPT_JSON,                [NO,  NF,  NF,  NO,  NO,  NO,  NO,  LOG]),
    post("/api/v1/hazards/{case}/reveal", REASON_JSON,                     [NO,  NO,  NO,  NO,  OK,  NO,  NO,  LOG]),
    post("/api/v1/hazards/{other_case}/reveal", REASON_JSON,               [NO,  NO,  NO,  NO,  NF,  NO,  NO,  LOG]),
    // Open311: public reads, keyed posts (no session counts: without an api_key it is 403 for everyone).
    get("/open311/v2/discovery.json",                                      ANYONE),
    get("/open311/v2/services.xml",                                        ANYONE),
    get("/open311/v2/services/town_gas.json",                              ANYONE),
    get("/open311/v2/services/no_such_service.json",                       [NF, NF, NF, NF, NF, NF, NF, NF]),
    get("/open311/v2/requests.json",                                       ANYONE),
    get("/open311/v2/requests/{case}.xml",                                 ANYONE),
    get("/open311/v2/requests/{missing}.json",                             [NF, NF, NF, NF, NF, NF, NF, NF]),
    get("/open311/v2/tokens/{case}.json",                                  ANYONE),
    get("/open311/v2/servicerequestupdates.json",                          ANYONE),
    post("/open311/v2/requests.json", OPEN311_NO_KEY,                      [NO, NO, NO, NO, NO, NO, NO, NO]),
];

const OPEN311_NO_KEY: Payload =
    Payload::Form(&[("service_code", "town_gas"), ("lat", "29.35"), ("long", "105.91"), ("description", "燃气味很重")]);

const PHOTO: &[u8] = include_bytes!("fixtures/consultation-point.jpg");
const REPORT_FILE: Payload = Payload::File(
    "现场.jpg",
    PHOTO,
    &[
        ("town", "{town}"),
        ("category", "fire_safety"),
        ("description", "仓库消防通道被堵塞"),
        ("location", "牌坊坝村"),
        ("anonymous", "1"),
    ],
);
const WHISTLE_FILE: Payload = Payload::File(
    "车间.jpg",
    PHOTO,
    &[
        ("category", "industry_trade"),
        ("description", "车间粉尘除尘设备长期停用"),
        ("location", "二号车间"),
        ("anonymous", "1"),
    ],
);
const BAD_CODE_FORM: Payload = Payload::Form(&[("code", "not-a-code")]);
const BAD_CODE_FILE: Payload = Payload::File("补充.jpg", PHOTO, &[("code", "not-a-code"), ("text", "补充")]);
const BAD_CODE_JSON: Payload = Payload::Json(r#"{"code": "not-a-code"}"#);
const REPORT_JSON: Payload = Payload::Json(
    r#"{"town_id": "{town}", "category": "town_gas", "description": "燃气管道有漏气声", "location": "莲花石村"}"#,
);
const INSPECTION_FORM: Payload =
    Payload::Form(&[("category", "fire_safety"), ("description", "检查发现灭火器过期"), ("location", "青峰场社区")]);
const FIX_FILE: Payload = Payload::File("整改后.jpg", PHOTO, &[("text", "已整改完毕，见照片")]);
const REASON_FORM: Payload = Payload::Form(&[("reason", "发放奖励需核实身份")]);
const REASON_JSON: Payload = Payload::Json(r#"{"reason": "发放奖励需核实身份"}"#);
const HOTLINE_JSON: Payload = Payload::Json(
    r#"{"channel": "hotline", "category": "town_gas", "description": "来电反映有燃气味", "location": "凌阁堂村"}"#,
);
const ACCEPT_JSON: Payload = Payload::Json(r#"{"step": "accept"}"#);
const LIST_FORM: Payload = Payload::Form(&[
    ("unit", "{enterprise}"),
    ("list", "red"),
    ("reason", "连续三年无事故，隐患自查整改及时"),
    ("published_on", "2026-01-01"),
    ("expires_on", "2026-12-31"),
]);
const FINE_FORM: Payload = Payload::Form(&[("fine", "50000")]);
const EXPOSE_FORM: Payload = Payload::Form(&[("public_text", "某饭店后厨液化气瓶与灶具未分隔，已责令整改到位。")]);

// Names that must never appear in a refusal: the things refused, and their neighbours.
const OTHER_UNIT_NAME: &str = "来苏镇应急办（示例）";
const OTHER_UNIT_CODE: &str = "500118201";
const OTHER_USERNAME: &str = "ls.stranger";
const OTHER_DISPLAY_NAME: &str = "来苏陌生人";
const OTHER_FILE_NAME: &str = "来苏镇隐患台账.csv";
const ADMIN_FILE_NAME: &str = "管理员附件.csv";
const TARGET_USERNAME: &str = "route.target";
const OTHER_CAMPAIGN_TITLE: &str = "来苏镇消防宣传月";

/// The ids the placeholders stand for, made through the app itself on a fresh demo town.
struct Fixtures {
    ids: HashMap<&'static str, String>,
}

impl Fixtures {
    async fn make(t: &TestApp) -> Fixtures {
        let admin = t.login_demo("qf.admin").await;
        let liaison = t.login_demo("qf.liaison").await;
        let supervisor = t.login_demo("yc.supervisor").await;
        let mut ids = HashMap::new();

        let me = ok_json(t.get(&admin, "/api/v1/session").await);
        let town = me["authority_id"].as_str().unwrap().to_owned();
        let district =
            ok_json(t.get(&supervisor, "/api/v1/session").await)["authority_id"].as_str().unwrap().to_owned();
        let laisu = find_unit(t, &supervisor, "来苏镇", "town").await;
        ids.insert("town", town.clone());
        ids.insert("unit", find_unit(t, &admin, "胡豆坪村", "village").await);
        ids.insert("sibling", find_unit(t, &admin, "佛岩寺村", "village").await);
        let other_unit = find_unit(t, &supervisor, OTHER_UNIT_NAME, "department").await;
        ids.insert("other_unit", other_unit.clone());
        ids.insert("missing", uuid::Uuid::now_v7().to_string());
        ids.insert("demo_password", app::demo::DEMO_PASSWORD.to_owned());

        // What 青峰镇 cannot reach is made by the installation itself, at the district.
        let district_actor = system_actor(t, &district).await;
        let laisu_actor = system_actor(t, &laisu).await;
        let input = UnitInput {
            name: OTHER_UNIT_NAME.into(),
            kind: "department".into(),
            code: OTHER_UNIT_CODE.into(),
            is_sample: true,
            ..Default::default()
        };
        app::units::update_unit(&t.app, &district_actor, other_unit.parse().unwrap(), &input).await.unwrap();
        let stranger = app::users::NewUser {
            username: OTHER_USERNAME.into(),
            display_name: OTHER_DISPLAY_NAME.into(),
            role: "custodian".into(),
            authority_id: Some(laisu.parse().unwrap()),
            ..Default::default()
        };
        let stranger = app::users::create_user(&t.app, &district_actor, &stranger, None).await.unwrap();
        ids.insert("other_user", stranger.user_id.to_string());
        let mut upload = app::files::begin_upload(&t.app, &laisu_actor, 1 << 20).await.unwrap();
        upload.write("隐患,整改\n来苏镇示例,未整改\n".as_bytes()).await.unwrap();
        let other_file =
            app::files::commit_upload(&t.app, &laisu_actor, upload, OTHER_FILE_NAME, store::files::kinds::EVIDENCE)
                .await
                .unwrap();
        ids.insert("other_file", other_file.id.to_string());

        // Campaigns: one published by 青峰镇's organiser from the seed notice, two drafts, and one of 来苏镇.
        let organiser = t.login_demo("qf.organiser").await;
        let seed = String::from_utf8(SEED.to_vec()).unwrap();
        let campaign = ok_json(t.json(&organiser, Method::POST, "/api/v1/campaigns", json!({ "text": seed })).await);
        let campaign = campaign["id"].as_str().unwrap().to_owned();
        ok_json(t.json(&organiser, Method::POST, &format!("/api/v1/campaigns/{campaign}/publish"), json!({})).await);
        ids.insert("campaign", campaign);
        for key in ["draft", "api_draft"] {
            let draft =
                t.json(&organiser, Method::POST, "/api/v1/campaigns", json!({ "title": format!("路由{key}") })).await;
            ids.insert(key, ok_json(draft)["id"].as_str().unwrap().to_owned());
        }
        let laisu_organiser = Actor { role: domain::Role::Organiser, ..laisu_actor.clone() };
        let other = app::campaigns::create_blank(&t.app, &laisu_organiser, OTHER_CAMPAIGN_TITLE).await.unwrap();
        ids.insert("other_campaign", other.to_string());

        // Tasks of {campaign}: three of 胡豆坪村's, one of 佛岩寺村's; 胡豆坪村 hands in for two of them.
        let tasks = ok_json(t.get(&organiser, &format!("/api/v1/campaigns/{}/tasks", ids["campaign"])).await);
        let of = |unit: &str| -> Vec<String> {
            tasks
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["unit_name"] == unit)
                .map(|x| x["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let (mine, sibling) = (of("胡豆坪村"), of("佛岩寺村"));
        assert!(mine.len() >= 2, "the seed asks villages for a plan and a summary: {mine:?}");
        ids.insert("task", mine[0].clone());
        ids.insert("task2", mine[1].clone());
        ids.insert("sibling_task", sibling[0].clone());
        let v = t
            .upload(
                &liaison,
                &format!("/api/v1/tasks/{}/submissions", mine[1]),
                "方案.txt",
                "活动方案".as_bytes(),
                &[("body", "见附件")],
            )
            .await;
        ids.insert("submission", ok_json(v)["id"].as_str().unwrap().to_owned());
        let c = ok_json(t.get(&organiser, &format!("/api/v1/campaigns/{}", ids["campaign"])).await);
        let track = c["tracks"][0]["id"].as_str().unwrap().to_owned();
        let a = t
            .upload(
                &liaison,
                &format!("/api/v1/campaigns/{}/activities?track={track}", ids["campaign"]),
                "学习.txt",
                "学习记录".as_bytes(),
                &[("occurred_on", "2026-06-10"), ("place", "村委会"), ("participants", "20")],
            )
            .await;
        ids.insert("activity", ok_json(a)["id"].as_str().unwrap().to_owned());
        ids.insert("track", track);
        let upload =
            t.json(&liaison, Method::POST, "/api/v1/uploads", json!({ "name": "宣传视频.mp4", "size": 4096 })).await;
        ids.insert("upload", ok_json(upload)["id"].as_str().unwrap().to_owned());

        let user = t
            .json(
                &admin,
                Method::POST,
                "/api/v1/users",
                json!({ "username": TARGET_USERNAME, "display_name": "路由目标", "role": "custodian" }),
            )
            .await;
        ids.insert("user", ok_json(user)["user_id"].as_str().unwrap().to_owned());
        let file = t.upload(&admin, "/api/v1/files", ADMIN_FILE_NAME, "名称\n附件\n".as_bytes(), &[]).await;
        ids.insert("file", ok_json(file)["id"].as_str().unwrap().to_owned());
        let file = t.upload(&liaison, "/api/v1/files", "联络员照片说明.txt", "胡豆坪村 检查记录".as_bytes(), &[]).await;
        ids.insert("liaison_file", ok_json(file)["id"].as_str().unwrap().to_owned());
        let import = t
            .upload(
                &admin,
                "/api/v1/units/imports",
                "路由导入.csv",
                IMPORT_CSV,
                &[("authority_id", &town), ("dry_run", "1")],
            )
            .await;
        ids.insert("import", ok_json(import)["import_id"].as_str().unwrap().to_owned());

        // Hazard cases: a named report to 青峰镇, one given to 胡豆坪村, one of 来苏镇; a whistle-blower link.
        let report = |town: &str, what: &str| app::reports::NewReport {
            source: app::reports::Source::Public { town: town.parse().unwrap() },
            input: domain::hazards::ReportInput {
                category: "fire_safety".into(),
                description: what.into(),
                location: "路由测试地点".into(),
                anonymous: false,
                name: "路由举报人".into(),
                phone: "13700000000".into(),
                ..Default::default()
            },
            files: Vec::new(),
        };
        let case = app::reports::file_report(&t.app, None, None, report(&town, "路由测试隐患一")).await.unwrap();
        ids.insert("case", case.case_id.to_string());
        let assigned = app::reports::file_report(&t.app, None, None, report(&town, "路由测试隐患二")).await.unwrap();
        let qf = system_actor(t, &town).await;
        let qf_organiser = Actor { role: domain::Role::Organiser, authority_is_town: true, ..qf };
        app::cases::act(&t.app, &qf_organiser, assigned.case_id, app::cases::Step::Accept).await.unwrap();
        let assign = app::cases::Step::Assign {
            unit: ids["unit"].clone(),
            grade: "general".into(),
            deadline: (chrono::Utc::now().date_naive() + chrono::Duration::days(7)).to_string(),
            summary: "请整改路由测试隐患".into(),
        };
        app::cases::act(&t.app, &qf_organiser, assigned.case_id, assign).await.unwrap();
        ids.insert("assigned_case", assigned.case_id.to_string());
        let other = app::reports::file_report(&t.app, None, None, report(&laisu, "来苏镇路由隐患")).await.unwrap();
        ids.insert("other_case", other.case_id.to_string());
        let enterprise = find_unit(t, &admin, "青峰示例建材有限公司", "enterprise").await;
        ids.insert("enterprise", enterprise.clone());
        let token =
            app::reports::whistle_token(&t.app, &qf_organiser, enterprise.parse().unwrap(), false).await.unwrap();
        ids.insert("whistle", token);
        Fixtures { ids }
    }

    /// The template with every known placeholder filled in.
    fn fill(&self, template: &str) -> String {
        let mut out = template.to_owned();
        for (key, value) in &self.ids {
            out = out.replace(&format!("{{{key}}}"), value);
        }
        out
    }
}

/// The installation acting at an authority (what the command line and the demo loader use).
async fn system_actor(t: &TestApp, authority: &str) -> Actor {
    let unit = store::units::get(&t.app.db, authority.parse().unwrap()).await.unwrap().unwrap();
    Actor::system(unit.id, unit.path)
}

/// The id of the one unit of that name and kind the caller can list.
async fn find_unit(t: &TestApp, client: &Client, name: &str, kind: &str) -> String {
    let q: String =
        url::form_urlencoded::Serializer::new(String::new()).append_pair("q", name).append_pair("kind", kind).finish();
    let page = ok_json(t.get(client, &format!("/api/v1/units?{q}")).await);
    let found: Vec<&Value> = page["items"].as_array().unwrap().iter().filter(|u| u["name"] == name).collect();
    assert_eq!(found.len(), 1, "one {kind} named {name}: {page}");
    found[0]["id"].as_str().unwrap().to_owned()
}

fn ok_json(res: TestResponse) -> Value {
    assert!(res.status.is_success(), "{}: {}", res.status, res.text());
    res.json()
}

/// One cell of the matrix as it happened.
struct Cell {
    caller: &'static str,
    case: &'static Case,
    expected: Outcome,
    path: String,
    res: TestResponse,
    /// For a row about another town's record: the same request for an id that does not exist.
    twin: Option<TestResponse>,
}

async fn send(t: &TestApp, client: &Client, fx: &Fixtures, method: &str, path: &str, payload: Payload) -> TestResponse {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    match payload {
        Payload::None => t.send(client, Request::builder().method(method).uri(path).body(Body::empty()).unwrap()).await,
        Payload::Form(fields) => {
            assert_eq!(method, Method::POST, "forms are posted");
            let filled: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, fx.fill(v))).collect();
            let fields: Vec<(&str, &str)> = filled.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.post_form(client, path, &fields).await
        }
        Payload::Json(body) => t.json(client, method, path, serde_json::from_str(&fx.fill(body)).unwrap()).await,
        Payload::File(name, bytes, fields) => {
            assert_eq!(method, Method::POST, "files are posted");
            let filled: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, fx.fill(v))).collect();
            let fields: Vec<(&str, &str)> = filled.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.upload(client, path, name, bytes, &fields).await
        }
    }
}

/// Walks the whole table as one caller, on an app of its own.
async fn walk(column: usize) -> Vec<Cell> {
    let (caller, username) = CALLERS[column];
    let t = TestApp::new().await;
    let fx = Fixtures::make(&t).await;
    let client = match username {
        Some(u) => t.login_demo(u).await,
        None => Client::default(),
    };
    let mut cells = Vec::with_capacity(CASES.len());
    for case in CASES {
        let path = fx.fill(case.path);
        let res = match (case.ends_session, username) {
            (true, Some(u)) => send(&t, &t.login_demo(u).await, &fx, case.method, &path, case.payload).await,
            _ => send(&t, &client, &fx, case.method, &path, case.payload).await,
        };
        let twin = if case.path.contains("{other_") {
            let missing = uuid::Uuid::now_v7().to_string();
            let twin_path = ["{other_unit}", "{other_user}", "{other_file}", "{other_case}"]
                .iter()
                .fold(case.path.to_owned(), |p, k| p.replace(k, &missing));
            Some(send(&t, &client, &fx, case.method, &fx.fill(&twin_path), case.payload).await)
        } else {
            None
        };
        cells.push(Cell { caller, case, expected: case.expect[column], path, res, twin });
    }
    cells
}

async fn walk_everyone() -> Vec<Cell> {
    let mut cells = Vec::new();
    for column in 0..CALLERS.len() {
        cells.extend(walk(column).await);
    }
    cells
}

fn error_code(res: &TestResponse) -> Option<String> {
    let v = serde_json::from_slice::<Value>(&res.body).ok()?;
    // Open311 answers errors as the spec's list of {code, description}, the code being the HTTP status.
    if let Some(code) = v[0]["code"].as_u64() {
        return match code {
            403 => Some("forbidden".into()),
            404 => Some("not_found".into()),
            _ => None,
        };
    }
    v["error"]["code"].as_str().map(str::to_owned)
}

fn is_html(res: &TestResponse) -> bool {
    res.header("content-type").is_some_and(|c| c.starts_with("text/html"))
}

/// The class of a response, or why it fits none (a 500, an error in the wrong shape).
fn observe(api: bool, code: Option<&str>, res: &TestResponse) -> Result<Outcome, String> {
    let status = res.status.as_u16();
    let shaped = |outcome: Outcome, code: &str| {
        let fits = if api { error_code(res).as_deref() == Some(code) } else { is_html(res) };
        if fits { Ok(outcome) } else { Err(format!("{status} in the wrong shape")) }
    };
    match status {
        200..=299 => Ok(Allowed),
        300..=399 => match res.location() {
            Some(l) if l.starts_with("/login") => Ok(Login),
            Some(_) => Ok(Allowed),
            None => Err(format!("{status} without a Location")),
        },
        401 if api => shaped(Login, "unauthenticated"),
        403 => shaped(Denied, "forbidden"),
        404 => shaped(NotFound, "not_found"),
        // A refusal of the input or of the record's state says which, by its stable code (pages: in Chinese).
        409 | 422 => {
            let outcome = if status == 409 { Conflict } else { Invalid };
            if !api {
                let told = ["role=\"alert\"", "class=\"field-error\""].iter().any(|m| res.text().contains(m));
                return if is_html(res) && told {
                    Ok(outcome)
                } else {
                    Err(format!("{status} without the message on the page"))
                };
            }
            // `invalid_input` names its first refused field: `invalid_input:reason`.
            let field = serde_json::from_slice::<Value>(&res.body)
                .ok()
                .and_then(|v| v["error"]["fields"][0]["field"].as_str().map(|f| format!(":{f}")));
            match (code, error_code(res).map(|c| c + field.as_deref().unwrap_or(""))) {
                (Some(want), Some(got)) if got == want => Ok(outcome),
                (want, got) => Err(format!("{status} with code {got:?}, the row says {want:?}")),
            }
        }
        _ => Err(format!("status {status}")),
    }
}

/// Enough of a body to tell what happened: an error page's title and message, or the start.
fn excerpt(res: &TestResponse) -> String {
    let text = res.text();
    let between = |start: &str, end: &str| {
        text.split_once(start).and_then(|(_, rest)| rest.split_once(end)).map(|(inner, _)| inner.trim().to_owned())
    };
    let shown = match (between("<title>", "</title>"), between("role=\"alert\">", "</")) {
        (Some(title), Some(alert)) => format!("{title}: {alert}"),
        (Some(title), None) => title,
        _ => text.clone(),
    };
    shown.chars().take(300).collect::<String>().replace('\n', " ")
}

/// The text either side of the first `needle`.
fn around(text: &str, needle: &str) -> String {
    let Some(at) = text.find(needle) else { return String::new() };
    let before: String = text[..at].chars().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
    let after: String = text[at..].chars().take(60).collect();
    format!("{before}{after}").replace('\n', " ")
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_matrix_says() {
    let cells = walk_everyone().await;
    let mut wrong = String::new();
    for c in &cells {
        let seen = observe(c.case.is_api(), c.case.code, &c.res);
        if seen != Ok(c.expected) {
            let seen = seen.map_or_else(|e| e, |o| format!("{o:?}"));
            let (caller, method, path, expected, status) = (c.caller, c.case.method, &c.path, c.expected, c.res.status);
            writeln!(
                wrong,
                "{caller:<10} {method:<6} {path:<60} expected {expected:?}, got {seen} ({status}): {}",
                excerpt(&c.res)
            )
            .unwrap();
        }
    }
    assert!(wrong.is_empty(), "cells that differ from the matrix:\n{wrong}");
    // A row names its refusal's code exactly when it is an API row with a 409/422 cell.
    for case in CASES {
        let refuses = case.expect.iter().any(|o| matches!(o, Invalid | Conflict));
        assert_eq!(case.code.is_some(), case.is_api() && refuses, "{} {}: refused_with", case.method, case.path);
    }
    assert_eq!(cells.len(), CASES.len() * CALLERS.len());
}

#[tokio::test]
async fn the_matrix_covers_every_api_operation() {
    let t = TestApp::new().await;
    let doc = ok_json(t.get(&Client::default(), "/api/v1/openapi.json").await);
    let shape = |path: &str| {
        let path = path.split('?').next().unwrap_or(path);
        path.split('/').map(|s| if s.starts_with('{') { "{}" } else { s }).collect::<Vec<_>>().join("/")
    };
    let covered: BTreeSet<(String, String)> = CASES.iter().map(|c| (c.method.to_owned(), shape(c.path))).collect();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "put", "post", "delete", "patch", "head", "options", "trace"].contains(&method.as_str()) {
                operations.push((method.to_uppercase(), shape(path)));
            }
        }
    }
    assert!(operations.len() >= 20, "the document lists the API: {operations:?}");
    let missing: Vec<String> =
        operations.iter().filter(|op| !covered.contains(op)).map(|(m, p)| format!("{m} {p}")).collect();
    assert!(missing.is_empty(), "API operations without a row in the route matrix: {missing:?}");
}

#[tokio::test]
async fn a_refusal_leaks_nothing() {
    let cells = walk_everyone().await;
    let secrets = [
        OTHER_UNIT_NAME,
        "来苏镇应急办",
        OTHER_UNIT_CODE,
        OTHER_USERNAME,
        OTHER_DISPLAY_NAME,
        OTHER_FILE_NAME,
        OTHER_CAMPAIGN_TITLE,
        ADMIN_FILE_NAME,
        TARGET_USERNAME,
        "胡豆坪村",
        "佛岩寺村",
    ];
    let internals = ["sqlx", "panicked", "SELECT", "constraint", "internal error:", "backtrace", "src/", ".rs:"];
    let mut leaks = String::new();
    let mut refusals = 0;
    for c in &cells {
        let status = c.res.status.as_u16();
        if !matches!(status, 401 | 403 | 404) {
            continue;
        }
        refusals += 1;
        let body = c.res.text();
        for s in secrets.iter().chain(internals.iter()) {
            if body.contains(s) {
                writeln!(
                    leaks,
                    "{:<10} {} {} ({status}) contains {s:?}: …{}…",
                    c.caller,
                    c.case.method,
                    c.path,
                    around(&body, s)
                )
                .unwrap();
            }
        }
        // Another town's record and no record at all must look the same from outside.
        if let Some(twin) = &c.twin {
            let mask = |r: &TestResponse| match r.header("x-request-id") {
                Some(id) => r.text().replace(&id, "<request>"),
                None => r.text(),
            };
            if twin.status != c.res.status || mask(twin) != mask(&c.res) {
                let (caller, method, path) = (c.caller, c.case.method, &c.path);
                writeln!(
                    leaks,
                    "{caller:<10} {method} {path} ({status}) differs from a missing id ({}): {} / {}",
                    twin.status,
                    excerpt(&c.res),
                    excerpt(twin)
                )
                .unwrap();
            }
        }
    }
    assert!(refusals > 100, "the matrix has refusals to inspect: {refusals}");
    assert!(leaks.is_empty(), "refusals that say too much:\n{leaks}");
}

#[tokio::test]
async fn a_town_cannot_see_its_neighbour_but_the_district_can() {
    let t = TestApp::new().await;
    let fx = Fixtures::make(&t).await;
    let other = fx.fill("/api/v1/units/{other_unit}");
    for who in ["qf.admin", "qf.organiser", "qf.reviewer", "qf.liaison", "qf.custodian", "qf.auditor"] {
        let client = t.login_demo(who).await;
        let res = t.get(&client, &other).await;
        assert_eq!(res.status, 404, "{who}: {}", res.text());
        assert_eq!(error_code(&res).as_deref(), Some("not_found"), "{who}");
        let page = t.get(&client, &fx.fill("/units/{other_unit}")).await;
        assert_eq!(page.status, 404, "{who}");
        assert!(!page.text().contains("来苏镇应急办"), "{who}");
    }
    let supervisor = t.login_demo("yc.supervisor").await;
    let res = t.get(&supervisor, &other).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["name"], OTHER_UNIT_NAME);
    let page = t.get(&supervisor, &fx.fill("/units/{other_unit}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains(OTHER_UNIT_NAME));
}

/// The register's codes are unique across the whole installation, so a code taken elsewhere must be
/// refused; but the refusal must not name a unit of another town, on any of the three ways in.
#[tokio::test]
async fn a_code_used_in_another_town_is_refused_without_naming_the_unit() {
    let t = TestApp::new().await;
    let fx = Fixtures::make(&t).await;
    let admin = t.login_demo("qf.admin").await;
    let town = fx.fill("{town}");
    let csv = format!("名称,类型,代码\n撞码示例村,村,{OTHER_UNIT_CODE}\n");
    let tries = [
        (
            "the API",
            t.json(
                &admin,
                Method::POST,
                "/api/v1/units",
                json!({ "name": "撞码示例村", "kind": "village", "code": OTHER_UNIT_CODE }),
            )
            .await,
        ),
        (
            "the form",
            t.post_form(
                &admin,
                "/units",
                &[("name", "撞码示例村"), ("kind", "village"), ("code", OTHER_UNIT_CODE), ("parent_id", &town)],
            )
            .await,
        ),
        (
            "the import",
            t.upload(&admin, "/api/v1/units/imports", "撞码.csv", csv.as_bytes(), &[("dry_run", "1")]).await,
        ),
    ];
    let mut leaks = String::new();
    for (way, res) in &tries {
        assert_eq!(res.status, 422, "{way}: {}", res.text());
        if res.text().contains("来苏镇应急办") {
            writeln!(leaks, "{way} names another town's unit: …{}…", around(&res.text(), "来苏镇应急办")).unwrap();
        }
    }
    assert!(leaks.is_empty(), "{leaks}");
}
