//! Headers, CSRF on every form, and hostile paths.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::support::{Client, config, fixture, rt, send};

#[test]
fn every_response_carries_the_security_headers() {
    let mut c = Client::login("board");
    for path in ["/", "/login", "/members", "/api/v1/metrics", "/no/such/page", "/static/app.css"] {
        let res = c.get(path);
        let h = |n: &str| res.headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(h("content-security-policy").contains("frame-ancestors 'none'"), "{path}");
        assert!(h("content-security-policy").contains("default-src 'none'"), "{path}");
        assert!(!h("content-security-policy").contains("unsafe-inline"), "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert!(h("strict-transport-security").is_empty(), "no HSTS over plain HTTP: {path}");
        if !path.starts_with("/static/") {
            assert_eq!(h("cache-control"), "no-store", "{path}");
        }
    }
}

#[test]
fn behind_tls_cookies_are_secure_and_hsts_is_sent() {
    let f = fixture();
    let state = rt().block_on(dashboard::AppState::open(config(f.dir.path(), true))).expect("state");
    let app = dashboard::app(state);
    let res = send(&app, Request::get("/login").body(Body::empty()).expect("request"));
    let hsts = res.headers.get("strict-transport-security").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(hsts.starts_with("max-age="), "{hsts}");
    let cookie = res.headers.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[test]
fn every_form_refuses_a_missing_or_foreign_csrf_token() {
    let mut admin = Client::login("admin");
    let other = Client::login("committee");
    let forms: [(&str, Vec<(&str, &str)>); 5] = [
        ("/logout", vec![]),
        ("/admin/reload", vec![]),
        ("/admin/accounts", vec![("username", "mallory"), ("role", "admin")]),
        ("/admin/accounts/disable", vec![("username", "committee")]),
        ("/account/password", vec![("current", "x"), ("new", "a much longer password")]),
    ];
    for (path, fields) in &forms {
        for token in ["", other.csrf.as_str(), "0000"] {
            let mut f = fields.clone();
            f.push(("csrf", token));
            let res = admin.post(path, &f);
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{path} with token {token:?}: {}", res.text());
        }
    }
    // Nothing happened: no account was created and the admin is still logged in.
    assert_eq!(admin.get("/").status, StatusCode::OK);
    let created = rt().block_on(fixture().state.db(|db| db.account("mallory"))).expect("db");
    assert!(created.is_none());
    let mut committee = Client::login("committee");
    assert_eq!(committee.get("/").status, StatusCode::OK);
}

#[test]
fn login_without_its_double_submit_cookie_is_refused() {
    let mut c = Client::default();
    let res = c.post("/login", &[("username", "admin"), ("password", "x"), ("csrf", "abc")]);
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[test]
fn path_traversal_in_file_names_finds_nothing() {
    let mut c = Client::login("admin");
    for path in [
        "/export/..%2F..%2Fetc%2Fpasswd.csv",
        "/export/../../etc/passwd",
        "/export/%2e%2e%2fCargo.toml",
        "/export/members.composition.csv%00.json",
        "/export/members.composition.exe",
        "/static/../Cargo.toml",
        "/static/..%2F..%2FCargo.toml",
        "/static/app.css/../../Cargo.toml",
        "/metrics/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/metrics/..%2F..%2Fetc%2Fpasswd",
    ] {
        let res = c.get(path);
        assert!(res.status == StatusCode::NOT_FOUND || res.status == StatusCode::BAD_REQUEST, "{path}: {}", res.status);
        let text = res.text();
        assert!(!text.contains("root:") && !text.contains("[workspace]"), "{path} leaked a file");
    }
}

#[test]
fn errors_tell_the_user_little_and_never_show_internals() {
    let mut c = Client::login("researcher");
    // A page keeps its form and names the bad value where the result would be (issue 27).
    let res = c.get("/metrics/members.composition?by=nonsense");
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.text().contains("nonsense"), "the bad value is named");
    let res = c.get("/members?as_of=2026-13-45");
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.text().contains("基準日 「2026-13-45」"), "the bad date is named at the field");
    // A program asking the API gets a 400 naming the value.
    let res = c.get("/api/v1/metrics/members.composition?by=nonsense");
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = c.get("/api/v1/metrics/members.composition?as_of=yesterday");
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["error"]["message"].as_str().unwrap_or("").contains("yesterday"));
    let res = c.get("/api/v1/metrics/no.such.metric");
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = c.get("/api/v1/nothing/here");
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.json()["error"].is_object());
}

#[test]
fn the_sql_console_answers_refuses_attacks_and_audits() {
    let mut c = Client::login("researcher");
    let page = c.get("/console");
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("members_by_prefecture"));
    let token = c.csrf.clone();
    let ok = c.post("/console", &[("csrf", &token), ("sql", "SELECT count(*) AS n FROM areas WHERE area_set = 'R7'")]);
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.text().contains("<td class=\"num\">339</td>"), "{}", ok.text());
    for sql in [
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY areas TO '/tmp/x.csv'",
        "SELECT 1; SELECT 2",
        "SELECT * FROM members",
    ] {
        let res = c.post("/console", &[("csrf", &token), ("sql", sql)]);
        assert_eq!(res.status, StatusCode::OK, "{sql}");
        assert!(res.text().contains("実行できません"), "{sql}");
        assert!(!res.text().contains("root:"), "{sql}");
    }
    assert_eq!(c.post("/console", &[("csrf", ""), ("sql", "SELECT 1")]).status, StatusCode::FORBIDDEN);
    let entries = rt().block_on(fixture().state.db(|db| db.audit_entries(Some("console"), 1000))).expect("audit");
    assert!(entries.iter().any(|e| e.username.as_deref() == Some("researcher") && e.detail.contains("read_csv")));
}
