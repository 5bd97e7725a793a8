//! The bundled sample in a temporary warehouse, an app over it with one account per
//! role, and a tiny cookie-keeping client that drives the router in-process.

#[path = "../../../tests/shared/fixture_dir.rs"]
pub mod fixture_dir;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use dashboard::auth::session::Timeouts;
use dashboard::auth::throttle::Limits;
use dashboard::auth::{Role, password};
use dashboard::{AppState, Config};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub state: AppState,
    pub app: Router,
}

/// The password of every test account (`<role>` for each role, plus `locked`).
pub const PASSWORD: &str = "correct horse battery staple";

/// The crate's directory, read when the test runs (cargo sets it) rather than baked in at
/// compile time: CI reuses one target directory across clones, so a test binary built in
/// another clone must still read this clone's files.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

pub fn repo() -> PathBuf {
    manifest_dir().join("..")
}

pub fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime"))
}

pub fn config(dir: &Path, https: bool) -> Config {
    Config {
        addr: "127.0.0.1:0".parse().expect("addr"),
        warehouse: dir.join("wh.duckdb"),
        lake: dir.join("lake"),
        app_db: dir.join(if https { "app-https.duckdb" } else { "app.duckdb" }),
        https,
        timeouts: Timeouts::default(),
        // Every in-process request comes from address "-": keep the per-address limit out of the way.
        login_limits: Limits { per_user: 5, per_address: 10_000, per_name: 10_000, window: Duration::from_secs(600) },
        console_worker: None,
        connections: dashboard::server::ConnLimits::default(),
        key_file: dir.join("keys/k.key"),
        uploads: dashboard::loading::UploadConfig::new(dir.join("uploads")),
        alert_thresholds: queries::alerts::Thresholds::default(),
        mail: None,
        engine: queries::engine::Mode::Memory,
    }
}

/// A second app over the fixture's warehouse with its own accounts database (and so its
/// own login throttle, sessions and audit log: a test that must not be locked out by
/// another test's failed logins from the same address uses one).
pub fn app_with(name: &str, f: impl FnOnce(&mut Config)) -> (AppState, Router) {
    let mut cfg = config(fixture().dir.path(), false);
    cfg.app_db = fixture().dir.path().join(format!("app-{name}.duckdb"));
    cfg.uploads.dir = fixture().dir.path().join(format!("uploads-{name}"));
    f(&mut cfg);
    let state = rt().block_on(AppState::open(cfg)).expect("state");
    accounts(&state);
    rt().block_on(dashboard::booklets::common::install_sample(&state)).expect("sample booklets");
    let app = dashboard::app(state.clone());
    (state, app)
}

/// Creates one account per role (and a locked and a disabled one), all with [`PASSWORD`].
pub fn accounts(state: &AppState) {
    let hash = password::hash(PASSWORD).expect("hash");
    rt().block_on(state.db(move |db| {
        for r in Role::ALL {
            db.create_account(r.name(), r.name(), &hash)?;
        }
        db.create_account("locked", "board", &hash)?;
        db.create_account("disabled", "board", &hash)?;
        Ok(())
    }))
    .expect("accounts");
}

/// A warehouse with one members load committed with `--accept-partial`: one good row and
/// one whose 入会日 is a formula, left out and recorded in `load_rejects`.
pub fn partial_load() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = fixture_dir::fixture_tempdir();
        let cfg = config(dir.path(), false);
        {
            let mut wh = store::Warehouse::open(&cfg.warehouse, &cfg.lake).expect("open");
            let file = dir.path().join("roster.csv");
            let body = "会員番号,会員種別,職種,入会日,退会日,勤務先都道府県,生年,性別\n\
                        G1,正会員,医師,2020-04-01,,東京都,1980,男性\n\
                        G2,正会員,医師,=1+2,,東京都,1980,男性\n";
            std::fs::write(&file, body).expect("write");
            let mut o = ingest::IngestOptions::new(
                "members",
                vec![file],
                dir.path().join("keys/k.key"),
                dir.path().join("rejects"),
            );
            o.as_of = chrono::NaiveDate::from_ymd_opt(2022, 3, 31);
            o.accept_partial = true;
            let rep = ingest::ingest(&mut wh, &o).expect("ingest");
            assert_eq!(rep.outcome, ingest::pipeline::Outcome::Committed);
        }
        let state = rt().block_on(AppState::open(cfg)).expect("state");
        accounts(&state);
        let app = dashboard::app(state.clone());
        Fixture { dir, state, app }
    })
}

pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = fixture_dir::fixture_tempdir();
        let cfg = config(dir.path(), false);
        {
            let mut wh = store::Warehouse::open(&cfg.warehouse, &cfg.lake).expect("open");
            let reports = ingest::sample::load::load_dir(
                &mut wh,
                &repo().join("data/sample"),
                &dir.path().join("keys/k.key"),
                &dir.path().join("rejects"),
                &ingest::NoProgress,
                |_| {},
            )
            .expect("load the bundled sample");
            assert!(reports.iter().all(|r| r.outcome == ingest::pipeline::Outcome::Committed));
        }
        let state = rt().block_on(AppState::open(cfg)).expect("state");
        accounts(&state);
        assert!(rt().block_on(dashboard::booklets::common::install_sample(&state)).expect("sample booklets"));
        let app = dashboard::app(state.clone());
        Fixture { dir, state, app }
    })
}

/// A response, read whole.
#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Res {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

/// A browser-like client: keeps cookies, knows the session's CSRF token.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
    /// The app to talk to (default: the shared sample fixture's).
    pub app: Option<Router>,
    /// The client's address as the server sees it (default: none, shown as "-").
    pub addr: Option<std::net::SocketAddr>,
}

pub fn send(app: &Router, req: Request<Body>) -> Res {
    rt().block_on(async {
        let res = app.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.expect("body").to_bytes().to_vec();
        Res { status, headers, body }
    })
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep_cookies(&mut self, res: &Res) {
        for v in res.headers.get_all(header::SET_COOKIE) {
            let s = v.to_str().expect("ascii cookie");
            let first = s.split(';').next().expect("pair");
            let (k, val) = first.split_once('=').expect("k=v");
            self.cookies.retain(|(name, _)| name != k);
            if !val.is_empty() && !s.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), val.to_string()));
            }
        }
    }

    fn with_addr(&self, mut req: Request<Body>) -> Request<Body> {
        if let Some(a) = self.addr {
            req.extensions_mut().insert(axum::extract::ConnectInfo(a));
        }
        req
    }

    pub fn get(&mut self, path: &str) -> Res {
        let req = Request::get(path).header(header::COOKIE, self.cookie_header()).body(Body::empty()).expect("request");
        let req = self.with_addr(req);
        let res = send(self.app.as_ref().unwrap_or(&fixture().app), req);
        self.keep_cookies(&res);
        if let Some(token) = csrf_of(&res.text()) {
            self.csrf = token;
        }
        res
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Res {
        let req = self.post_request(path, form);
        let res = send(self.app.as_ref().unwrap_or(&fixture().app), req);
        self.keep_cookies(&res);
        res
    }

    /// The request a [`Client::post`] would send, for sending many at once.
    pub fn post_request(&self, path: &str, form: &[(&str, &str)]) -> Request<Body> {
        let body = form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.with_addr(req)
    }

    /// Logs in through the form; panics unless it redirects to `/`.
    pub fn login(user: &str) -> Client {
        Self::login_to(None, user)
    }

    /// Logs in to another app (one with the same test accounts).
    pub fn login_to(app: Option<Router>, user: &str) -> Client {
        let mut c = Client { app, ..Client::default() };
        let res = c.try_login(user, PASSWORD);
        assert_eq!(res.status, StatusCode::SEE_OTHER, "login {user}: {}", res.text());
        assert_eq!(res.location(), Some("/"));
        let home = c.get("/");
        // A respondent's home is 回答.
        let home = if home.location() == Some("/answers") { c.get("/answers") } else { home };
        assert_eq!(home.status, StatusCode::OK, "{}", home.text());
        c
    }

    pub fn try_login(&mut self, user: &str, password: &str) -> Res {
        let form = self.get("/login");
        let token = csrf_of(&form.text()).expect("login form has a csrf field");
        self.post("/login", &[("username", user), ("password", password), ("csrf", &token)])
    }
}

fn csrf_of(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")?;
    let rest = &html[i + "name=\"csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_string())
}

pub fn enc(s: &str) -> String {
    dashboard::html::table::urlencode(s)
}

/// The sample's default as-of date (the latest roster).
pub fn as_of() -> String {
    fixture().state.snapshot().default_as_of().expect("dated").to_string()
}

/// The same date as a date.
pub fn as_of_date() -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(&as_of(), "%Y-%m-%d").expect("date")
}

/// A metric evaluated directly over the fixture's snapshot (what a page must show).
pub fn eval(req: queries::Request) -> queries::MetricResult {
    let snapshot = fixture().state.snapshot();
    rt().block_on(queries::evaluate(&snapshot, &req)).expect("evaluate")
}
