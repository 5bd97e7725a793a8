//! The first start: the server answers while the sample loads into the empty warehouse —
//! sign-in works, pages and the API wait with 503, /healthz says loading — and shows the
//! data once they are in; a failed load says so instead of showing an empty dashboard.

use std::time::{Duration, Instant};

use axum::http::{StatusCode, header};
use dashboard::AppState;
use dashboard::state::Warmup;
use dashboard::warmup::load_in_background;

use crate::support::{Client, PASSWORD, accounts, config, rt};

/// An app over an empty warehouse in `dir`, with the test accounts.
fn empty_app(dir: &std::path::Path) -> (AppState, axum::Router) {
    let cfg = config(dir, false);
    drop(store::Warehouse::open(&cfg.warehouse, &cfg.lake).expect("open"));
    let state = rt().block_on(AppState::open(cfg)).expect("state");
    accounts(&state);
    let app = dashboard::app(state.clone());
    (state, app)
}

fn wait_for(state: &AppState, want: &Warmup) {
    let t = Instant::now();
    while state.warmup() != *want {
        assert!(t.elapsed() < Duration::from_secs(120), "still {:?}", state.warmup());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn pages_wait_for_the_first_start_load_and_then_show_the_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, app) = empty_app(dir.path());
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let (wh, lake, key) = (dir.path().join("wh.duckdb"), dir.path().join("lake"), dir.path().join("keys/k.key"));
    let rejects = dir.path().join("rejects");
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "会員番号,会員種別,職種,入会日,退会日,勤務先都道府県,生年,性別\nW1,正会員,医師,2020-04-01,,東京都,1980,男性\n",
    )
    .expect("write");
    rt().block_on(async {
        load_in_background(&state, move || {
            wait.recv().map_err(|e| e.to_string())?;
            let mut w = store::Warehouse::open(&wh, &lake).map_err(|e| e.to_string())?;
            let mut o = ingest::IngestOptions::new("members", vec![roster], key, rejects);
            o.as_of = chrono::NaiveDate::from_ymd_opt(2026, 3, 31);
            ingest::ingest(&mut w, &o).map(|_| ()).map_err(|e| e.to_string())
        });
    });
    assert_eq!(state.warmup(), Warmup::Loading);

    let mut c = Client { app: Some(app), ..Client::default() };
    let health = c.get("/healthz");
    assert_eq!((health.status, health.text().as_str()), (StatusCode::SERVICE_UNAVAILABLE, "loading"));
    let res = c.try_login("committee", PASSWORD);
    assert_eq!(res.status, StatusCode::SEE_OTHER, "sign-in works while loading: {}", res.text());
    let account = c.get("/account/password");
    assert_eq!(account.status, StatusCode::OK, "a generated password can be changed while loading");
    let home = c.get("/");
    assert_eq!(home.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(home.headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("1"));
    let text = home.text();
    assert!(text.contains("データを読み込んでいます") && text.contains("http-equiv=\"refresh\""), "{text}");
    assert!(home.headers.contains_key(header::CONTENT_SECURITY_POLICY), "security headers still apply");
    let api = c.get("/api/v1/metrics");
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    let j = api.json();
    assert_eq!(j["error"]["status"], 503, "the API's error shape: {j}");
    assert!(j["error"]["message"].as_str().is_some_and(|e| e.contains("loading")), "{j}");
    let doc = dashboard::openapi::document();
    assert!(doc["paths"]["/api/v1/metrics"]["get"]["responses"]["503"].is_object(), "the API documents the 503");

    go.send(()).expect("start the load");
    wait_for(&state, &Warmup::Ready);
    assert_eq!(c.get("/healthz").text(), "ok");
    let home = c.get("/");
    assert_eq!(home.status, StatusCode::OK, "{}", home.text());
    assert_eq!(state.snapshot().loads.len(), 1, "the new load is in the snapshot");
}

#[test]
fn a_failed_first_start_load_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, app) = empty_app(dir.path());
    rt().block_on(async { load_in_background(&state, || Err("a file was rejected".into())) });
    wait_for(&state, &Warmup::Failed);
    let mut c = Client { app: Some(app), ..Client::default() };
    assert_eq!(c.get("/healthz").text(), "failed");
    let home = c.get("/");
    assert_eq!(home.status, StatusCode::SERVICE_UNAVAILABLE);
    let text = home.text();
    assert!(text.contains("読み込みに失敗しました") && !text.contains("refresh"), "{text}");
    assert!(!text.contains("a file was rejected"), "details go to the log, not the client");
}
