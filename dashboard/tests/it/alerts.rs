//! The committee's alerts after a load: on 概要 for the committee (not the board), and by
//! e-mail through a real SMTP conversation with the local sink `scripts/test` starts
//! (`scripts/smtp_sink.py`) — in Japanese, with no member-level detail.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use dashboard::alerts::MailConfig;

use crate::upload::{own, roster, upload_and_commit};

/// The sink's address and inbox, which `scripts/test` exports.
fn sink() -> (String, PathBuf) {
    let addr = std::env::var("ONCOMETRICS_TEST_SMTP").ok();
    let dir = std::env::var_os("ONCOMETRICS_TEST_MAILDIR").map(PathBuf::from);
    match (addr, dir) {
        (Some(a), Some(d)) => (a, d),
        _ => panic!("no SMTP sink: run the tests with scripts/test, which starts scripts/smtp_sink.py"),
    }
}

/// The message the sink received for `rcpt`, waiting up to 30 s.
fn received(dir: &std::path::Path, rcpt: &str) -> serde_json::Value {
    let t = Instant::now();
    loop {
        for e in std::fs::read_dir(dir).map(|d| d.flatten().collect::<Vec<_>>()).unwrap_or_default() {
            if e.path().extension().is_some_and(|x| x == "json") {
                let v: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(e.path()).expect("read")).expect("json");
                if v["rcpt_to"].as_array().is_some_and(|r| r.iter().any(|a| a == rcpt)) {
                    return v;
                }
            }
        }
        assert!(t.elapsed() < Duration::from_secs(30), "no message for {rcpt} in {}", dir.display());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_roster_below_80_percent_alerts_the_committee_on_the_overview_and_by_email() {
    let (addr, inbox) = sink();
    let own = own(|c| {
        c.mail = Some(MailConfig { url: format!("smtp://{addr}"), from: "oncometrics <noreply@example.org>".into() })
    });
    let rcpt = "iinkai-alerts@example.org";
    // The first roster's alerts were settled at start (no one listed yet: nothing sent).
    let t = Instant::now();
    while crate::support::rt()
        .block_on(own.state.db(|db| db.setting(dashboard::alerts::MAILED_AT)))
        .expect("setting")
        .is_none()
    {
        assert!(t.elapsed() < Duration::from_secs(30), "the start's alerts were never settled");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut admin = own.login("admin");
    assert!(admin.get("/admin").text().contains("noreply@example.org"), "e-mail is on");
    let token = admin.csrf.clone();
    let bad = admin.post("/admin/alerts", &[("csrf", &token), ("recipients", "not an address")]);
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let res = admin.post("/admin/alerts", &[("csrf", &token), ("recipients", rcpt)]);
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());

    // 30/40 → 30/42: two non-physicians joined in June, further below 80%.
    let mut steward = own.login("steward");
    let mut body = roster(30, 10);
    for id in ["M0041", "M0042"] {
        body.push_str(&format!("{id},正会員,看護師,2025-06-01,,東京都,1985,女性\n"));
    }
    upload_and_commit(&own, &mut steward, "2025-09-30", body.as_bytes());

    let mail = received(&inbox, rcpt);
    let (subject, body) = (mail["subject"].as_str().expect("subject"), mail["body"].as_str().expect("body"));
    assert!(subject.contains("会員委員会への通知"), "{subject}");
    assert!(body.contains("8割を下回っています（71.4%）"), "{body}");
    assert!(body.contains("前回の名簿の日（2025-03-31）: 正会員 40 人のうち医師 30 人、75.0%"), "{body}");
    assert!(body.contains("医師 18 人の入会"), "what restores the rule (4T − 5P = 168 − 150): {body}");
    assert!(!body.contains("M00") && !mail["to"].as_str().unwrap_or("").contains(rcpt), "no member, Bcc only: {mail}");

    let mut committee = own.login("committee");
    let page = committee.get("/").text();
    assert!(page.contains("8割を下回っています"), "{page}");
    let mut board = own.login("board");
    assert!(!board.get("/").text().contains("section class=\"alerts\""), "the board sees no alerts box");
    let log =
        crate::support::rt().block_on(own.state.db(|db| db.audit_entries(Some("alert_mailed"), 10))).expect("log");
    assert_eq!(log.len(), 1, "mailed once, audited");
}

#[test]
fn without_smtp_settings_the_admin_page_says_e_mail_is_off() {
    let own = own(|_| {});
    let mut admin = own.login("admin");
    assert!(admin.get("/admin").text().contains("メール通知は無効です"));
}
