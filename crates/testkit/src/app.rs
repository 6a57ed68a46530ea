//! `TestApp`: the real router over a fresh database with the demo town, driven without a socket.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::TestDb;

pub struct TestApp {
    pub app: app::App,
    pub router: Router,
    pub db: TestDb,
}

/// A response with its body read.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    /// Where a redirect points.
    pub fn location(&self) -> Option<String> {
        self.header("location")
    }

    /// A setup step that must have worked (2xx, or a redirect that is not to the login page): the test
    /// stops here, with the answer, if it did not.
    #[track_caller]
    pub fn succeeded(self) -> TestResponse {
        let to_login = self.location().is_some_and(|l| l.starts_with("/login"));
        assert!(
            (self.status.is_success() || self.status.is_redirection()) && !to_login,
            "a setup step was refused: {} {}",
            self.status,
            self.text().chars().take(500).collect::<String>()
        );
        self
    }
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub cookie: Option<String>,
    pub csrf: String,
}

impl TestApp {
    /// A fresh database (SQLite, or PostgreSQL when `ANJIAN_TEST_POSTGRES_URL` is set) with the
    /// demo town loaded.
    pub async fn new() -> TestApp {
        let app = Self::empty().await;
        app::demo::load(&app.app).await.unwrap_or_else(|e| panic!("demo load failed: {e}"));
        app
    }

    /// A fresh, migrated database with nothing in it.
    pub async fn empty() -> TestApp {
        Self::with_config(|_| {}).await
    }

    pub async fn with_config(change: impl FnOnce(&mut app::Config)) -> TestApp {
        let db = TestDb::new().await;
        let mut config = app::Config {
            data_dir: db.dir.path().join("data"),
            database_url: db.url.clone(),
            db_max_connections: Some(4),
            // Fast hashing: tests check behaviour, not the cost parameters.
            argon2_memory_kib: 64,
            ..app::Config::default()
        };
        change(&mut config);
        let app = app::App::open(config).await.unwrap_or_else(|e| panic!("cannot open app: {e}"));
        let router = web::router(web::AppState::new(app.clone()));
        TestApp { app, router, db }
    }

    /// Sends a request as `client` (adding its cookie, and its CSRF token to unsafe requests).
    pub async fn send(&self, client: &Client, mut req: Request<Body>) -> TestResponse {
        if let Some(c) = &client.cookie {
            req.headers_mut().insert(header::COOKIE, c.parse().unwrap_or_else(|e| panic!("{e}")));
        }
        if !matches!(*req.method(), Method::GET | Method::HEAD)
            && !client.csrf.is_empty()
            && !req.headers().contains_key("x-csrf-token")
        {
            req.headers_mut().insert("x-csrf-token", client.csrf.parse().unwrap_or_else(|e| panic!("{e}")));
        }
        let res = self.router.clone().oneshot(req).await.unwrap_or_else(|e| panic!("{e}"));
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
        TestResponse { status, headers, body }
    }

    pub async fn get(&self, client: &Client, uri: &str) -> TestResponse {
        self.send(client, Request::get(uri).body(Body::empty()).unwrap_or_else(|e| panic!("{e}"))).await
    }

    pub async fn post_form(&self, client: &Client, uri: &str, form: &[(&str, &str)]) -> TestResponse {
        let mut body = String::new();
        for (k, v) in form {
            if !body.is_empty() {
                body.push('&');
            }
            body.push_str(&urlencode(k));
            body.push('=');
            body.push_str(&urlencode(v));
        }
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap_or_else(|e| panic!("{e}"));
        self.send(client, req).await
    }

    pub async fn json(&self, client: &Client, method: Method, uri: &str, body: serde_json::Value) -> TestResponse {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap_or_else(|e| panic!("{e}"));
        self.send(client, req).await
    }

    /// Posts one file as multipart field `file`, with extra text fields.
    pub async fn upload(
        &self,
        client: &Client,
        uri: &str,
        name: &str,
        bytes: &[u8],
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let boundary = "anjian-test-boundary-7d3f";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .unwrap_or_else(|e| panic!("{e}"));
        self.send(client, req).await
    }

    /// Signs in through the API; panics if that fails.
    pub async fn login(&self, username: &str, password: &str) -> Client {
        let res = self
            .json(
                &Client::default(),
                Method::POST,
                "/api/v1/session",
                serde_json::json!({ "username": username, "password": password }),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "login {username}: {}", res.text());
        let cookie = res.header("set-cookie").and_then(|c| c.split(';').next().map(str::to_owned));
        let csrf = res.json()["csrf_token"].as_str().unwrap_or_default().to_owned();
        Client { cookie, csrf }
    }

    /// Signs in one of the demo accounts.
    /// A unit's id (as text) by its code or name.
    pub async fn unit_id(&self, code_or_name: &str) -> String {
        let unit = store::units::find_by_code_or_name(&self.app.db, code_or_name).await;
        unit.ok().flatten().unwrap_or_else(|| panic!("no unit {code_or_name}")).id.to_string()
    }

    /// A step on a hazard case (`POST /api/v1/hazards/{id}/steps`), as answered.
    pub async fn hazard_step(&self, who: &Client, id: &str, body: serde_json::Value) -> TestResponse {
        self.json(who, Method::POST, &format!("/api/v1/hazards/{id}/steps"), body).await
    }

    /// A step on a hazard case that must be taken: the test stops here, naming the step, if it was refused.
    pub async fn take_step(&self, who: &Client, id: &str, body: serde_json::Value) -> serde_json::Value {
        let what = body["step"].as_str().unwrap_or("?").to_owned();
        let res = self.hazard_step(who, id, body).await;
        assert_eq!(res.status, StatusCode::OK, "the {what} step was refused: {}", res.text());
        res.json()
    }

    pub async fn login_demo(&self, username: &str) -> Client {
        self.login(username, app::demo::DEMO_PASSWORD).await
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
