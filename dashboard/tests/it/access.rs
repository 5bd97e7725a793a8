//! Who may do what: every role against every route, login, throttling, disabled accounts.

use axum::http::StatusCode;

use crate::support::{Client, PASSWORD, enc, fixture};

const KWIC_TERM: &str = "オンライン配信";

/// (method, path, roles that may use it). Every other role must get no 2xx.
fn routes() -> Vec<(&'static str, String, &'static [&'static str])> {
    const ALL: &[&str] = &["admin", "committee", "board", "researcher", "steward"];
    const EVERYONE: &[&str] = &["admin", "committee", "board", "researcher", "steward", "respondent"];
    const COMMITTEE: &[&str] = &["admin", "committee"];
    const REJECTS: &[&str] = &["admin", "committee", "steward"];
    const LOADERS: &[&str] = &["admin", "steward"];
    const ADMIN: &[&str] = &["admin"];
    let kwic = format!("term={}", enc(KWIC_TERM));
    vec![
        ("GET", "/".into(), ALL),
        ("GET", "/members".into(), ALL),
        ("GET", "/members?staff_full=40".into(), ALL),
        ("GET", "/survey".into(), ALL),
        ("GET", "/specialists".into(), ALL),
        ("GET", "/hospitals".into(), ALL),
        ("GET", "/survey?question=Q03&column=Q01&text_question=Q05".into(), ALL),
        ("GET", "/hospitals?pref=13".into(), ALL),
        ("GET", "/hospitals?pref=13&area=1301".into(), ALL),
        ("GET", "/hospitals?view=table".into(), ALL),
        ("GET", "/renewals".into(), COMMITTEE),
        (
            "GET",
            format!(
                "/renewals?round=2025&qualification={}&status={}&certificate=00001",
                enc("がん治療認定医"),
                enc("未充足")
            ),
            COMMITTEE,
        ),
        ("GET", "/data".into(), ALL),
        ("GET", "/data/rejects/1.csv".into(), REJECTS),
        ("GET", "/data/upload".into(), LOADERS),
        ("GET", "/console".into(), ALL),
        ("GET", "/metrics".into(), ALL),
        ("GET", "/metrics/members.composition?by=category,prefecture".into(), ALL),
        ("GET", format!("/metrics/survey.kwic?{kwic}"), COMMITTEE),
        ("GET", "/account/password".into(), EVERYONE),
        ("GET", "/booklet".into(), COMMITTEE),
        ("GET", "/booklet/2026".into(), COMMITTEE),
        ("GET", "/booklet/2026/q/1".into(), COMMITTEE),
        ("GET", "/booklet/2026/answer/1/1".into(), COMMITTEE),
        ("GET", "/booklet/2026/preview".into(), COMMITTEE),
        ("GET", "/booklet/2025/booklet.html".into(), COMMITTEE),
        ("GET", "/booklet/2026/export.xlsx".into(), COMMITTEE),
        ("GET", "/booklet/new-question?metric=survey.answers&question=Q01&fiscal_year=2025".into(), COMMITTEE),
        ("GET", "/answers".into(), EVERYONE),
        ("GET", "/export/members.composition.csv".into(), ALL),
        ("GET", format!("/export/survey.kwic.csv?{kwic}"), COMMITTEE),
        ("GET", format!("/export/survey.kwic.json?{kwic}"), COMMITTEE),
        ("GET", "/api/v1/metrics".into(), ALL),
        ("GET", "/api/v1/metrics/members.physician_share".into(), ALL),
        ("GET", format!("/api/v1/metrics/survey.kwic?{kwic}"), COMMITTEE),
        ("GET", "/admin".into(), ADMIN),
        ("GET", "/admin?action=login".into(), ADMIN),
        ("POST", "/admin/reload".into(), ADMIN),
    ]
}

#[test]
fn every_role_against_every_route() {
    let mut failures = Vec::new();
    for role in ["admin", "committee", "board", "researcher", "steward", "respondent"] {
        let mut c = Client::login(role);
        for (method, path, allowed) in routes() {
            let res = if method == "GET" {
                c.get(&path)
            } else {
                let token = c.csrf.clone();
                c.post(&path, &[("csrf", &token)])
            };
            let ok = if role == "respondent" && path == "/" {
                // A respondent's home is 回答.
                res.status == StatusCode::SEE_OTHER && res.location() == Some("/answers")
            } else if allowed.contains(&role) {
                // Allowed: 200, or a redirect after a successful POST.
                res.status == StatusCode::OK || (method == "POST" && res.status == StatusCode::SEE_OTHER)
            } else {
                res.status == StatusCode::FORBIDDEN
            };
            if !ok {
                failures.push(format!(
                    "{role} {method} {path}: {} {}",
                    res.status,
                    res.text().chars().take(300).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn without_a_session_pages_redirect_to_login_and_the_api_answers_401() {
    let mut anon = Client::default();
    for (method, path, _) in routes() {
        let res = if method == "GET" { anon.get(&path) } else { anon.post(&path, &[("csrf", "x")]) };
        if path.starts_with("/api/") {
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{path}");
            assert!(res.json()["error"]["message"].is_string());
        } else {
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{method} {path}");
            assert_eq!(res.location(), Some("/login"), "{path}");
        }
    }
    // A forged or expired session cookie is no session.
    let mut forged =
        Client { cookies: vec![("om_session".into(), "0".repeat(64))], csrf: String::new(), ..Client::default() };
    assert_eq!(forged.get("/").location(), Some("/login"));
}

#[test]
fn login_sets_a_strict_httponly_cookie_and_logout_ends_the_session() {
    let mut c = Client::default();
    let res = c.try_login("board", PASSWORD);
    let cookie = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .find(|v| v.starts_with("om_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP on localhost");
    assert_eq!(c.get("/").status, StatusCode::OK);
    let token = c.csrf.clone();
    let stolen = c.cookies.clone();
    assert_eq!(c.post("/logout", &[("csrf", &token)]).location(), Some("/login"));
    let mut replay = Client { cookies: stolen, csrf: token, ..Client::default() };
    assert_eq!(replay.get("/").location(), Some("/login"), "the old cookie no longer works");
}

#[test]
fn wrong_passwords_and_unknown_users_fail_alike_and_are_audited() {
    let mut c = Client::default();
    let a = c.try_login("committee", "wrong password here");
    let b = c.try_login("nobody-at-all", "wrong password here");
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!((b.status, b.text()), (a.status, a.text()), "no user enumeration");
    let entries = crate::support::rt()
        .block_on(fixture().state.db(|db| db.audit_entries(Some("login_failed"), 1000)))
        .expect("audit");
    assert!(entries.iter().any(|e| e.username.as_deref() == Some("nobody-at-all")));
}

#[test]
fn five_failures_lock_the_user_even_with_the_right_password() {
    let mut c = Client::default();
    for _ in 0..5 {
        assert_eq!(c.try_login("locked", "not the password").status, StatusCode::UNAUTHORIZED);
    }
    let res = c.try_login("locked", PASSWORD);
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text());
    // Other users are not affected.
    Client::login("researcher");
}

#[test]
fn a_disabled_account_cannot_log_in_and_loses_its_sessions() {
    let mut victim = Client::login("disabled");
    let mut admin = Client::login("admin");
    admin.get("/admin");
    let token = admin.csrf.clone();
    let res = admin.post("/admin/accounts/disable", &[("csrf", &token), ("username", "disabled")]);
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    assert_eq!(victim.get("/").location(), Some("/login"), "session ended");
    assert_eq!(Client::default().try_login("disabled", PASSWORD).status, StatusCode::UNAUTHORIZED);
}

#[test]
fn an_admin_creates_an_account_whose_one_time_password_must_be_changed_first() {
    let mut admin = Client::login("admin");
    admin.get("/admin");
    let token = admin.csrf.clone();
    let res = admin.post("/admin/accounts", &[("csrf", &token), ("username", "suzuki"), ("role", "researcher")]);
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let text = res.text();
    let start = text.find("<code class=\"secret\">").expect("password shown") + "<code class=\"secret\">".len();
    let password = text[start..start + 20].to_string();
    let mut c = Client::default();
    let res = c.try_login("suzuki", &password);
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("/account/password"), "the generated password leads to the change form");
    // Nothing else opens until it is changed: pages, the API, the console.
    for path in ["/", "/members", "/console", "/metrics"] {
        assert_eq!(c.get(path).location(), Some("/account/password"), "{path}");
    }
    let api = c.get("/api/v1/metrics");
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert!(api.json()["error"]["message"].as_str().unwrap_or("").contains("パスワードを変更"));
    let form = c.get("/account/password");
    assert_eq!(form.status, StatusCode::OK);
    let token = c.csrf.clone();
    let new = "a new password for suzuki";
    let res = c.post("/account/password", &[("csrf", &token), ("current", &password), ("new", new)]);
    assert_eq!(res.location(), Some("/login"), "{}", res.text());
    let mut c = Client::default();
    assert_eq!(c.try_login("suzuki", &password).status, StatusCode::UNAUTHORIZED, "the old password is gone");
    assert_eq!(c.try_login("suzuki", new).location(), Some("/"));
    assert!(c.get("/").text().contains("研究者"));
    // The same name twice is a message, not a crash.
    let again =
        admin.post("/admin/accounts", &[("csrf", &admin.csrf.clone()), ("username", "suzuki"), ("role", "board")]);
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
}

#[test]
fn first_start_creates_one_admin_with_a_random_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = store::AppDb::open(&dir.path().join("app.duckdb")).expect("open");
    let password = dashboard::bootstrap_admin(&db).expect("bootstrap").expect("created");
    assert_eq!(password.len(), 20);
    assert!(dashboard::bootstrap_admin(&db).expect("bootstrap").is_none(), "only once");
    let admin = db.account("admin").expect("read").expect("exists");
    assert!(dashboard::auth::password::verify(&password, &admin.password_hash));
    assert_eq!(admin.role, "admin");
    assert!(admin.must_change, "the first-start password must be changed at first login");
}

#[test]
fn member_level_views_are_audited() {
    let mut c = Client::login("committee");
    let res = c.get(&format!("/metrics/survey.kwic?term={}", enc(KWIC_TERM)));
    assert_eq!(res.status, StatusCode::OK);
    let entries =
        crate::support::rt().block_on(fixture().state.db(|db| db.audit_entries(Some("view"), 1000))).expect("audit");
    assert!(
        entries.iter().any(|e| e.username.as_deref() == Some("committee") && e.target == "survey.kwic"),
        "{entries:?}"
    );
}
