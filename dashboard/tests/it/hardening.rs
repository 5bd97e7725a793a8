//! Attacks of a logged-in user (or of anyone) on the server itself: regression tests of
//! issue [hardening] — guessing passwords in parallel, locking out the admin, flooding and
//! evading the audit log, oversized bodies, half-open connections, console floods.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use axum::http::{StatusCode, header};
use dashboard::auth::throttle::Limits;
use dashboard::server::ConnLimits;
use tower::ServiceExt;

use crate::support::{Client, PASSWORD, app_with, fixture, rt, send};

fn audit(action: &'static str) -> Vec<store::AuditEntry> {
    rt().block_on(fixture().state.db(move |db| db.audit_entries(Some(action), 100_000))).expect("audit")
}

#[test]
fn parallel_wrong_passwords_are_counted_before_they_are_checked() {
    let mut c = Client::default();
    let form = c.get("/login");
    assert_eq!(form.status, StatusCode::OK);
    let token = c.csrf.clone();
    let name = "parallel-guess";
    let requests: Vec<_> = (0..24)
        .map(|i| c.post_request("/login", &[("username", name), ("password", &format!("guess {i}")), ("csrf", &token)]))
        .collect();
    let app = fixture().app.clone();
    let statuses: Vec<StatusCode> = rt().block_on(async move {
        let mut set = tokio::task::JoinSet::new();
        for req in requests {
            let app = app.clone();
            set.spawn(async move { app.oneshot(req).await.map(|r| r.status()) });
        }
        let mut out = Vec::new();
        while let Some(r) = set.join_next().await {
            out.push(r.expect("task").expect("infallible"));
        }
        out
    });
    let verified = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert!(verified <= 5, "{verified} guesses were checked: {statuses:?}");
    assert!(
        statuses.iter().all(|s| matches!(
            *s,
            StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        )),
        "{statuses:?}"
    );
    let failed = audit("login_failed").iter().filter(|e| e.username.as_deref() == Some(name)).count();
    assert_eq!(failed, verified, "each checked guess is audited once");
}

#[test]
fn someone_elses_failures_do_not_lock_the_admin_out_of_their_own_browser() {
    let (_state, app) = app_with("throttle", |c| {
        c.login_limits = Limits { per_user: 5, per_address: 20, per_name: 3, window: Duration::from_secs(600) }
    });
    let at = |ip: &str| Some(SocketAddr::new(ip.parse().expect("ip"), 40000));
    // The admin has logged in from this browser before: it holds a device cookie.
    let mut admin = Client { app: Some(app.clone()), addr: at("192.0.2.10"), ..Client::default() };
    assert_eq!(admin.try_login("admin", PASSWORD).status, StatusCode::SEE_OTHER);
    assert!(admin.cookies.iter().any(|(k, _)| k == dashboard::pages::login::DEVICE_COOKIE), "a device cookie was set");
    admin.cookies.retain(|(k, _)| k == dashboard::pages::login::DEVICE_COOKIE);
    // An attacker fails from five addresses.
    for i in 1..=5 {
        let mut attacker = Client { app: Some(app.clone()), addr: at(&format!("198.51.100.{i}")), ..Client::default() };
        let s = attacker.try_login("admin", "wrong password").status;
        assert!(matches!(s, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS), "{s}");
    }
    let mut fresh = Client { app: Some(app.clone()), addr: at("198.51.100.99"), ..Client::default() };
    assert_eq!(
        fresh.try_login("admin", PASSWORD).status,
        StatusCode::TOO_MANY_REQUESTS,
        "the name is locked for browsers it never logged in from"
    );
    assert_eq!(admin.try_login("admin", PASSWORD).location(), Some("/"), "the admin's own browser still gets in");
}

#[test]
fn a_password_change_is_throttled_and_audited() {
    let (state, app) = app_with("pwchange", |_| {});
    let mut c = Client::login_to(Some(app), "board");
    c.get("/account/password");
    let token = c.csrf.clone();
    for _ in 0..5 {
        let res =
            c.post("/account/password", &[("csrf", &token), ("current", "not it"), ("new", "a brand new password")]);
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text());
    }
    let res = c.post("/account/password", &[("csrf", &token), ("current", PASSWORD), ("new", "a brand new password")]);
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "a stolen session cannot guess on: {}", res.text());
    let log = rt().block_on(state.db(|db| db.audit_entries(Some("password_change_failed"), 100))).expect("audit");
    assert_eq!(log.len(), 5);
}

#[test]
fn refusals_csrf_failures_and_reads_are_audited() {
    let mut c = Client::login("researcher");
    assert_eq!(c.get("/admin").status, StatusCode::FORBIDDEN);
    assert_eq!(c.post("/console", &[("csrf", "forged"), ("sql", "SELECT 1")]).status, StatusCode::FORBIDDEN);
    let denied = audit("denied");
    let mine = |target: &str| denied.iter().any(|e| e.username.as_deref() == Some("researcher") && e.target == target);
    assert!(mine("/admin"), "{denied:?}");
    assert!(mine("/console"), "the CSRF failure: {denied:?}");
    let res = c.get("/api/v1/metrics/members.composition?by=category,sex");
    assert_eq!(res.status, StatusCode::OK);
    let reads = audit("read");
    assert!(
        reads.iter().any(|e| e.username.as_deref() == Some("researcher")
            && e.target == "/api/v1/metrics/members.composition"
            && e.detail.contains("by=category,sex")),
        "a researcher's read of a metric is audited"
    );
}

#[test]
fn long_fields_cannot_flood_the_audit_log_and_console_sql_is_kept_whole() {
    let mut c = Client::default();
    let name = "x".repeat(12_000);
    let res = c.try_login(&name, "wrong");
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let e = audit("login_failed").into_iter().find(|e| e.username.as_deref().is_some_and(|u| u.starts_with("xxxx")));
    let kept = e.and_then(|e| e.username).expect("audited");
    assert!(kept.len() <= 256 && kept.contains("12000 bytes"), "{} bytes: {kept:.80}", kept.len());

    // Another account than the console tests' (one query per user at a time).
    let mut r = Client::login("committee");
    r.get("/console");
    let token = r.csrf.clone();
    let sql = format!("/* {} */ SELECT 'hidden-tail' AS t", "padding ".repeat(80));
    let res = r.post("/console", &[("csrf", &token), ("sql", &sql)]);
    assert_eq!(res.status, StatusCode::OK);
    let log = audit("console");
    assert!(log.iter().any(|e| e.detail == sql), "the whole query is in the log, comment and all");
}

#[test]
fn bodies_past_the_route_limit_are_refused() {
    let mut c = Client::default();
    c.get("/login");
    let token = c.csrf.clone();
    let res = c.post("/login", &[("username", &"a".repeat(2 * 1024 * 1024)), ("password", "x"), ("csrf", &token)]);
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    // The console takes a longer body, but not without end.
    let mut r = Client::login("researcher");
    r.get("/console");
    let token = r.csrf.clone();
    let res = r.post("/console", &[("csrf", &token), ("sql", &"-".repeat(200_000))]);
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[test]
fn the_public_api_document_names_no_committee_only_metric() {
    let res = send(
        &fixture().app,
        axum::http::Request::get("/api/openapi.json").body(axum::body::Body::empty()).expect("req"),
    );
    assert_eq!(res.status, StatusCode::OK);
    let text = res.text();
    assert!(text.contains("members.composition"));
    assert!(
        !text.contains("survey.kwic") && !text.contains("renewals.applicants"),
        "committee-only metrics are listed"
    );
}

#[test]
fn a_users_second_console_query_waits_for_the_first_and_is_told_so() {
    // An app of its own: the shared fixture's console serves the other tests meanwhile.
    let (_state, app) = app_with("console-busy", |_| {});
    let mut r = Client::login_to(Some(app.clone()), "researcher");
    r.get("/console");
    let token = r.csrf.clone();
    let slow = r.post_request(
        "/console",
        &[("csrf", &token), ("sql", "SELECT count(*) FROM generate_series(1, 100000000000) t(v)")],
    );
    let first = rt().spawn({
        let app = app.clone();
        async move { app.oneshot(slow).await.map(|r| r.status()) }
    });
    std::thread::sleep(Duration::from_millis(500));
    let second = r.post("/console", &[("csrf", &token), ("sql", "SELECT 1")]);
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS, "{}", second.text());
    assert_eq!(second.headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("5"));
    assert!(second.text().contains("実行中"), "{}", second.text());
    // Another user is not held up by it, and pages answer meanwhile.
    let mut b = Client::login_to(Some(app), "board");
    assert_eq!(b.get("/").status, StatusCode::OK);
    let first = rt().block_on(first).expect("join").expect("infallible");
    assert_eq!(first, StatusCode::OK, "the slow query ends with a message, within its time limit");
    assert_eq!(r.post("/console", &[("csrf", &token), ("sql", "SELECT 1")]).status, StatusCode::OK);
}

fn serve_with(name: &str, limits: ConnLimits) -> SocketAddr {
    let (state, _) = app_with(name, |c| c.connections = limits);
    let (tx, rx) = std::sync::mpsc::channel();
    rt().spawn(dashboard::serve(state, move |addr| {
        let _ = tx.send(addr);
    }));
    rx.recv().expect("listening")
}

/// Whether the server closed `s` (a read returns end of file or an error) within `wait`.
fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).expect("timeout");
    let mut buf = [0_u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

fn healthz(addr: SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("write");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn half_open_connections_are_capped_and_cut_off() {
    let limits = ConnLimits { max: 64, per_address: 3, header: Duration::from_secs(1), io: Duration::from_secs(2) };
    let addr = serve_with("conns", limits);
    assert!(healthz(addr).ends_with("ok"));
    // Three connections that send half a request and stop (slowloris).
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("connect");
            s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").expect("write");
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // A fourth from the same address is closed at once.
    let mut fourth = TcpStream::connect(addr).expect("connect");
    assert!(closed_within(&mut fourth, Duration::from_millis(1500)), "over the per-address cap");
    // The half-open ones are cut off by the header timeout.
    let started = Instant::now();
    for s in &mut held {
        assert!(closed_within(s, Duration::from_secs(5)), "a half-open request is cut off");
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    // An idle keep-alive connection is closed too, and the server still answers.
    let mut idle = TcpStream::connect(addr).expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
    assert!(closed_within(&mut idle, Duration::from_secs(6)), "an idle keep-alive connection is closed");
    assert!(healthz(addr).ends_with("ok"));
}
