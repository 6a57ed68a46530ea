//! The main journeys in a real browser (Debian's chromium through chromedriver): every demo login
//! works, and an organiser adds a unit on a 360-px phone screen, mistakes included.
//!
//! Without chromium and chromedriver the test says so and passes, so `cargo test` needs nothing
//! installed; CI sets `ANJIAN_REQUIRE_BROWSER=1` and installs them, and there a missing browser fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use testkit::TestApp;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find(program: &str) -> Option<String> {
    let paths = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()).map(|p| p.display().to_string())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A phone's width in CSS pixels: the phone journeys run at it.
const PHONE: u32 = 360;

/// chromedriver and a browser session, or `None` when the machine has no browser (and CI does not
/// require one).
async fn browser(width: u32) -> Option<(Driver, Client)> {
    let (Some(driver), Some(chromium)) = (find("chromedriver"), find("chromium")) else {
        assert!(
            std::env::var("ANJIAN_REQUIRE_BROWSER").is_err(),
            "ANJIAN_REQUIRE_BROWSER is set but chromium or chromedriver is missing"
        );
        eprintln!(
            "skipping the browser test: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let port = free_port();
    let child =
        Command::new(driver).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let guard = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", format!("--window-size={width},900")],
        }
    });
    let mut caps: serde_json::Map<String, serde_json::Value> = caps.as_object().unwrap().clone();
    if width < 500 {
        // Headless chromium will not make a window narrower than 500 px: a phone's width is emulated.
        caps["goog:chromeOptions"]["mobileEmulation"] =
            json!({ "deviceMetrics": { "width": width, "height": 900, "pixelRatio": 1.0 } });
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
            Ok(c) => return Some((guard, c)),
            Err(e) if Instant::now() > deadline => panic!("chromedriver did not start: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Serves the test app on a loopback port.
async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    format!("http://{addr}")
}

async fn sign_in(c: &Client, base: &str, username: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(password).await.unwrap();
    c.find(Locator::Css("button.primary")).await.unwrap().click().await.unwrap();
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

/// Waits (up to ten seconds) for the browser to arrive at a path: a click returns before the
/// page it starts has loaded.
async fn arrive(c: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = c.current_url().await.unwrap();
        let ready = c.execute("return document.readyState", vec![]).await.unwrap();
        if url.path() == path && ready == json!("complete") {
            return;
        }
        assert!(Instant::now() < deadline, "expected {path}, still at {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_login_works_and_an_organiser_adds_a_unit_on_a_phone() {
    let app = TestApp::new().await;
    let Some((_driver, c)) = browser(PHONE).await else { return };
    let base = serve(&app).await;

    c.goto(&format!("{base}/login")).await.unwrap();
    fits_a_phone(&c, "the login page").await;
    for login in &app::demo::LOGINS {
        sign_in(&c, &base, login.username, app::demo::DEMO_PASSWORD).await;
        arrive(&c, "/").await;
        let h1 = text(&c, "h1").await;
        assert_eq!(h1, format!("您好，{}", login.display_name), "{}", login.username);
        c.find(Locator::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
        arrive(&c, "/login").await;
    }

    sign_in(&c, &base, "qf.organiser", app::demo::DEMO_PASSWORD).await;
    arrive(&c, "/").await;
    c.goto(&format!("{base}/units/new")).await.unwrap();
    c.find(Locator::Id("name")).await.unwrap().send_keys("浏览器测试村").await.unwrap();
    c.find(Locator::Id("contact_phone")).await.unwrap().send_keys("123").await.unwrap();
    c.find(Locator::Css("button.primary")).await.unwrap().click().await.unwrap();
    arrive(&c, "/units").await;
    // The form comes back with the mistake explained and nothing typed lost.
    assert_eq!(text(&c, "#contact_phone-err").await, "请填写手机号（11位）或固定电话（如 023-49626010）");
    let kept = c.find(Locator::Id("name")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("浏览器测试村"));
    let phone = c.find(Locator::Id("contact_phone")).await.unwrap();
    phone.clear().await.unwrap();
    phone.send_keys("13800138000").await.unwrap();
    c.find(Locator::Css("button.primary")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.current_url().await.unwrap().path().strip_prefix("/units/").is_none_or(|id| id.len() != 36) {
        assert!(Instant::now() < deadline, "the unit was not saved");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(text(&c, ".alert.ok").await, "已保存");
    assert_eq!(text(&c, "h1").await, "浏览器测试村");
    fits_a_phone(&c, "the unit page").await;

    // The list fits a phone: no horizontal scrolling.
    c.goto(&format!("{base}/units?q=llq")).await.unwrap();
    assert!(text(&c, "table.list").await.contains("浏览器测试村"), "found by pinyin initials");
    fits_a_phone(&c, "the unit list").await;
    c.close().await.unwrap();
}

const SEED: &str = include_str!("../../notice/tests/corpus/seed.txt");

/// Waits for a path matching `pred`, and returns it.
async fn arrive_at(c: &Client, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = c.current_url().await.unwrap();
        let ready = c.execute("return document.readyState", vec![]).await.unwrap();
        if pred(url.path()) && ready == json!("complete") {
            return url.path().to_owned();
        }
        assert!(Instant::now() < deadline, "expected {what}, still at {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn fits_the_screen(c: &Client) -> bool {
    c.execute("return document.documentElement.scrollWidth <= window.innerWidth", vec![]).await.unwrap() == json!(true)
}

/// A phone journey's page: laid out at a phone's true 360 CSS px (headless chromium makes no window
/// narrower than 500, so this says the emulation took), and not scrolling sideways there.
async fn fits_a_phone(c: &Client, page: &str) {
    let widths = c.execute("return [window.innerWidth, document.documentElement.clientWidth]", vec![]).await.unwrap();
    assert_eq!(widths, json!([PHONE, PHONE]), "{page} is not laid out at {PHONE} px");
    assert!(fits_the_screen(c).await, "{page} scrolls sideways at {PHONE} px");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organiser_pastes_the_seed_notice_checks_the_draft_and_publishes_it_to_the_town() {
    let app = TestApp::new().await;
    let Some((_driver, c)) = browser(1280).await else { return };
    let base = serve(&app).await;
    sign_in(&c, &base, "qf.organiser", app::demo::DEMO_PASSWORD).await;
    arrive(&c, "/").await;

    // Paste the notice (what a paste does: the text lands in the box) and read it.
    c.goto(&format!("{base}/campaigns/new")).await.unwrap();
    c.execute("document.getElementById('text').value = arguments[0]", vec![json!(SEED)]).await.unwrap();
    c.find(Locator::Css("form[action^='/campaigns/new/notice'] button.primary")).await.unwrap().click().await.unwrap();
    let edit = arrive_at(&c, "the draft", |p| p.ends_with("/edit")).await;

    // The draft sits beside the notice, each value highlighted where it was found.
    let title = c.find(Locator::Id("title")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(title.as_deref(), Some("关于印发开展2021年“安全生产月”活动的通知"));
    assert_eq!(text(&c, "#m-contact-0").await, "邓兴超   电  话： 023-49626010");
    assert!(text(&c, "#m-deadline-0").await.contains("2021年5月31日前报送活动方案"));
    assert!(text(&c, "#m-key_date-0").await.contains("6·16"));
    let tracks = c.find_all(Locator::Css("input[name$='.title'][name^='track.']")).await.unwrap();
    let mut named = 0;
    for t in tracks {
        if !t.prop("value").await.unwrap().unwrap_or_default().is_empty() {
            named += 1;
        }
    }
    assert_eq!(named, 7);
    // The narrowest window headless chromium makes is 500 px (the phone journeys below emulate 360).
    c.set_window_size(360, 800).await.unwrap();
    assert!(fits_the_screen(&c).await, "the draft scrolls sideways in the narrowest window");
    c.set_window_size(1280, 900).await.unwrap();

    // Save, choose the units (the addressed ones are ticked), publish.
    c.find(Locator::Css("button[name='then']")).await.unwrap().click().await.unwrap();
    arrive_at(&c, "the recipients", |p| p.ends_with("/recipients")).await;
    let ticked = c.find_all(Locator::Css("input[name='unit']:checked")).await.unwrap().len();
    assert!(ticked >= 10, "the addressed units are preselected ({ticked})");
    c.find(Locator::Css("button[name='publish']")).await.unwrap().click().await.unwrap();
    let id = edit.trim_start_matches("/campaigns/").trim_end_matches("/edit").to_owned();
    arrive(&c, &format!("/campaigns/{id}")).await;
    assert!(text(&c, ".alert.ok").await.contains(&format!("新生成 {} 项任务", ticked * 2)));
    assert_eq!(c.find_all(Locator::Css("ol.tracks > li")).await.unwrap().len(), 7);
    let body = text(&c, "main").await;
    for expected in ["活动方案\t2021-05-31", "活动总结\t2021-06-30", "2021-06-16 安全宣传咨询日", "邓兴超", "已发布"]
    {
        let flat = body.replace('\t', " ");
        assert!(flat.contains(&expected.replace('\t', " ")) || body.contains(expected), "{expected} in:\n{body}");
    }

    // The public portal shows it to anyone.
    c.find(Locator::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
    arrive(&c, "/login").await;
    c.goto(&format!("{base}/notices")).await.unwrap();
    c.find(Locator::LinkText("关于印发开展2021年“安全生产月”活动的通知")).await.unwrap().click().await.unwrap();
    arrive(&c, &format!("/notices/{id}")).await;
    assert!(text(&c, "main").await.contains("以上资料将作为村(居)及部门安全生产年度考核的依据"));
    c.close().await.unwrap();
}

async fn sign_out(c: &Client) {
    c.find(Locator::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
    arrive(c, "/login").await;
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

/// Waits until the page's text contains `what`.
async fn shows(c: &Client, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(m) = c.find(Locator::Css("main")).await
            && m.text().await.unwrap_or_default().contains(what)
        {
            return;
        }
        assert!(Instant::now() < deadline, "the page never showed {what}: {}", text(c, "main").await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_goes_from_a_phone_through_review_to_accepted_on_the_organisers_board() {
    let app = TestApp::new().await;
    let Some((_driver, c)) = browser(PHONE).await else { return };
    let base = serve(&app).await;
    let org = app.login_demo("qf.organiser").await;
    let made = app.json(&org, axum::http::Method::POST, "/api/v1/campaigns", json!({ "text": SEED })).await.json();
    let campaign = made["id"].as_str().unwrap().to_owned();
    app.json(&org, axum::http::Method::POST, &format!("/api/v1/campaigns/{campaign}/publish"), json!({}))
        .await
        .succeeded();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("咨询点.jpg");
    std::fs::write(&photo, b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xFF\xD9").unwrap();

    // The liaison, on a phone: signs for the notice and names the contact person.
    sign_in(&c, &base, "qf.liaison", app::demo::DEMO_PASSWORD).await;
    arrive(&c, "/").await;
    c.goto(&format!("{base}/my-work")).await.unwrap();
    click(&c, &format!("form[action='/campaigns/{campaign}/receipt'] button")).await;
    shows(&c, "已签收").await;
    c.find(Locator::Css("input[name='contact_name']")).await.unwrap().send_keys("胡专人").await.unwrap();
    c.find(Locator::Css("input[name='contact_phone']")).await.unwrap().send_keys("13800138000").await.unwrap();
    click(&c, &format!("form[action='/campaigns/{campaign}/contact'] button")).await;
    shows(&c, "胡专人").await;
    fits_a_phone(&c, "my work").await;

    // Hands in the plan with a photo (uploaded in parts by the page's script).
    c.find(Locator::LinkText("活动方案")).await.unwrap().click().await.unwrap();
    let task = arrive_at(&c, "the task", |p| p.starts_with("/tasks/")).await;
    c.find(Locator::Id("body")).await.unwrap().send_keys("青峰镇胡豆坪村安全生产月活动方案").await.unwrap();
    c.find(Locator::Id("files")).await.unwrap().send_keys(&photo.display().to_string()).await.unwrap();
    click(&c, "form[action^='/tasks/'] button.primary").await;
    shows(&c, "第 1 版").await;
    assert!(text(&c, "main").await.contains("咨询点.jpg"));
    let sql = "SELECT COUNT(*) FROM upload_session WHERE file_id IS NOT NULL";
    let parts: i64 = store::on_db!(&app.app.db, |p| sqlx::query_scalar(sql).fetch_one(p).await).unwrap();
    assert_eq!(parts, 1, "the page's script uploaded the photo in parts");
    fits_a_phone(&c, "the task page").await;
    sign_out(&c).await;

    // The reviewer returns it with a comment.
    sign_in(&c, &base, "qf.reviewer", app::demo::DEMO_PASSWORD).await;
    arrive(&c, "/").await;
    c.goto(&format!("{base}/campaigns/{campaign}/review")).await.unwrap();
    c.find(Locator::LinkText("活动方案")).await.unwrap().click().await.unwrap();
    arrive(&c, &task).await;
    click(&c, "input[name='verdict'][value='return']").await;
    c.find(Locator::Id("comment")).await.unwrap().send_keys("请补充咨询点的时间和地点").await.unwrap();
    click(&c, "#decide button.primary").await;
    shows(&c, "请补充咨询点的时间和地点").await;
    fits_a_phone(&c, "the reviewer's task page").await;
    sign_out(&c).await;

    // The liaison hands it in again.
    sign_in(&c, &base, "qf.liaison", app::demo::DEMO_PASSWORD).await;
    arrive(&c, "/").await;
    c.goto(&format!("{base}{task}")).await.unwrap();
    shows(&c, "已退回").await;
    c.find(Locator::Id("body")).await.unwrap().send_keys("已补充：6月16日 青峰场").await.unwrap();
    click(&c, "form[action^='/tasks/'] button.primary").await;
    shows(&c, "第 2 版").await;
    sign_out(&c).await;

    // The reviewer accepts it.
    sign_in(&c, &base, "qf.reviewer", app::demo::DEMO_PASSWORD).await;
    arrive(&c, "/").await;
    c.goto(&format!("{base}{task}")).await.unwrap();
    click(&c, "input[name='verdict'][value='accept']").await;
    c.find(Locator::Css("#rating option[value='5']")).await.unwrap().click().await.unwrap();
    click(&c, "#decide button.primary").await;
    shows(&c, "★★★★★").await;
    sign_out(&c).await;

    // The organiser's board shows the unit's plan accepted.
    sign_in(&c, &base, "qf.organiser", app::demo::DEMO_PASSWORD).await;
    arrive(&c, "/").await;
    c.goto(&format!("{base}/campaigns/{campaign}/board")).await.unwrap();
    let row = c.find(Locator::XPath("//tr[th/a[text()='胡豆坪村']]")).await.unwrap();
    let cell = row.find(Locator::Css("a.tag")).await.unwrap();
    assert_eq!(cell.attr("class").await.unwrap().as_deref(), Some("tag board-accepted"));
    assert_eq!(cell.text().await.unwrap(), "已通过");
    assert!(row.text().await.unwrap().contains("胡专人"));
    fits_a_phone(&c, "the board page (its table scrolls inside it)").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_phone_report_is_fixed_by_the_village_closed_by_staff_and_the_code_shows_the_reply() {
    let app = TestApp::new().await;
    let Some((_driver, c)) = browser(PHONE).await else { return };
    let base = serve(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("现场.jpg");
    let original = include_bytes!("../../web/tests/fixtures/consultation-point.jpg");
    std::fs::write(&photo, original).unwrap();
    assert!(app::evidence::read_exif(original).latitude.is_some(), "the photo sent carries GPS");

    // Anyone, on a phone, without signing in: reports anonymously with a photo and keeps the code.
    c.goto(&format!("{base}/report")).await.unwrap();
    c.find(Locator::XPath("//select[@id='town']/option[text()='青峰镇']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("#category option[value='town_gas']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Id("description")).await.unwrap().send_keys("老街饭店后厨液化气瓶与灶具没有分隔").await.unwrap();
    c.find(Locator::Id("location")).await.unwrap().send_keys("青峰场社区老街 12 号").await.unwrap();
    c.find(Locator::Id("files")).await.unwrap().send_keys(&photo.display().to_string()).await.unwrap();
    fits_a_phone(&c, "the report form").await;
    click(&c, "form[action='/report'] button.primary").await;
    shows(&c, "举报已收到").await;
    let code = text(&c, "#receipt-code").await;
    assert_eq!(code.replace('-', "").len(), 26, "{code}");
    fits_a_phone(&c, "the receipt").await;

    // Staff take it up and give it to the village with a deadline.
    sign_in(&c, &base, "qf.organiser", app::demo::DEMO_PASSWORD).await;
    arrive(&c, "/").await;
    c.goto(&format!("{base}/hazards")).await.unwrap();
    c.find(Locator::Css("td a[href^='/hazards/']")).await.unwrap().click().await.unwrap();
    let case = arrive_at(&c, "the case", |p| p.starts_with("/hazards/") && p.len() > 20).await;
    click(&c, "form[action$='/accept'] button").await;
    shows(&c, "已受理").await;
    c.find(Locator::XPath("//select[@id='unit']/option[text()='胡豆坪村']")).await.unwrap().click().await.unwrap();
    let deadline = (chrono::Utc::now().date_naive() + chrono::Duration::days(7)).to_string();
    c.execute("document.getElementById('deadline').value = arguments[0]", vec![json!(deadline)]).await.unwrap();
    c.find(Locator::Id("summary"))
        .await
        .unwrap()
        .send_keys("老街 12 号饭店后厨气瓶未分隔，请督促整改并拍照反馈")
        .await
        .unwrap();
    click(&c, "form[action$='/assign'] button.primary").await;
    shows(&c, "已交办").await;
    fits_a_phone(&c, "the case page").await;
    sign_out(&c).await;

    // The village's liaison hands in the fix with a photo.
    sign_in(&c, &base, "qf.liaison", app::demo::DEMO_PASSWORD).await;
    arrive(&c, "/").await;
    c.goto(&format!("{base}{case}")).await.unwrap();
    shows(&c, "请督促整改并拍照反馈").await;
    assert!(!text(&c, "main").await.contains("液化气瓶与灶具没有分隔"), "the unit never reads the report itself");
    c.find(Locator::Id("text")).await.unwrap().send_keys("已加装隔断、更换软管").await.unwrap();
    c.find(Locator::Id("files")).await.unwrap().send_keys(&photo.display().to_string()).await.unwrap();
    click(&c, "form[action*='/rectify'] button.primary").await;
    shows(&c, "已整改待核查").await;
    fits_a_phone(&c, "the unit's case page").await;
    sign_out(&c).await;

    // Staff verify and close it with a reply.
    sign_in(&c, &base, "qf.organiser", app::demo::DEMO_PASSWORD).await;
    arrive(&c, "/").await;
    c.goto(&format!("{base}{case}")).await.unwrap();
    c.find(Locator::Id("reply")).await.unwrap().send_keys("经现场核查，气瓶间已隔断。感谢您的举报！").await.unwrap();
    click(&c, "form[action$='/close'] button.primary").await;
    shows(&c, "已销号").await;
    sign_out(&c).await;

    // The reporter's code shows the case closed, with the reply.
    c.goto(&format!("{base}/report/follow")).await.unwrap();
    c.find(Locator::Id("code")).await.unwrap().send_keys(&code).await.unwrap();
    click(&c, "form[action='/report/follow'] button.primary").await;
    shows(&c, "已销号").await;
    assert!(text(&c, "#follow-reply").await.contains("感谢您的举报"));
    fits_a_phone(&c, "the follow page").await;
    c.close().await.unwrap();

    // The reporter's photo as served back has no GPS tag.
    let org = app.login_demo("qf.organiser").await;
    let id = case.trim_start_matches("/hazards/");
    let view = app.get(&org, &format!("/api/v1/hazards/{id}")).await.json();
    let report_photo = view["files"].as_array().unwrap().iter().find(|f| f["stage"] == "report").unwrap();
    let served = app.get(&org, &format!("/files/{}", report_photo["file_id"].as_str().unwrap())).await;
    assert_eq!(app::evidence::read_exif(&served.body).latitude, None);
}
