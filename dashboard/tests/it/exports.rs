//! Downloads: encodings, formula escaping, suppression, audit.

use axum::http::StatusCode;
use queries::{Audience, Request, Value};

use crate::support::{Client, as_of, fixture, rt};

fn engine_result(metric: &str, audience: Audience) -> queries::MetricResult {
    let snapshot = fixture().state.snapshot();
    let d = chrono::NaiveDate::parse_from_str(&as_of(), "%Y-%m-%d").expect("date");
    rt().block_on(queries::evaluate(&snapshot, &Request::new(metric, audience).as_of(d))).expect("evaluate")
}

#[test]
fn csv_is_utf8_with_bom_by_default_and_matches_the_catalog() {
    let mut c = Client::login("committee");
    let res = c.get("/export/members.physician_share.csv");
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let disposition = res.headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(disposition.starts_with("attachment; filename=\"members.physician_share_"), "{disposition}");
    let text = res.text();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().expect("header").starts_with("医師（正会員）（人）,"));
    let first: Vec<&str> = lines.next().expect("row").split(',').collect();
    let r = engine_result("members.physician_share", Audience::Committee);
    assert_eq!(first[0], r.rows[0][0].display());
    assert_eq!(first[3], r.rows[0][3].display());
}

#[test]
fn csv_in_cp932_on_request() {
    let mut c = Client::login("committee");
    let res = c.get("/export/members.composition.csv?encoding=cp932");
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.starts_with(b"\xEF\xBB\xBF"));
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&res.body);
    assert!(!bad);
    assert!(text.contains("正会員,医師,"), "{text}");
    assert_eq!(c.get("/export/members.composition.csv?encoding=latin1").status, StatusCode::BAD_REQUEST);
}

#[test]
fn exports_keep_the_audiences_suppression() {
    let mut c = Client::login("researcher");
    let res = c.get("/export/members.composition.json?by=category,prefecture");
    assert_eq!(res.status, StatusCode::OK);
    let j = res.json();
    assert_eq!(j["policy"]["audience"], "researcher");
    let rows = j["rows"].as_array().expect("rows");
    let r = engine_result_by("members.composition", "category,prefecture", Audience::Researcher);
    assert_eq!(rows.len(), r.rows.len());
    let withheld = r.rows.iter().flatten().filter(|v| **v == Value::Suppressed).count();
    assert!(withheld > 0, "the sample has small cells by prefecture");
    let shown = rows.iter().flat_map(|r| r.as_array().expect("row")).filter(|v| v["suppressed"] == true).count();
    assert_eq!(shown, withheld);
    assert!(j["attribution"].as_array().is_some_and(|a| !a.is_empty()));
}

fn engine_result_by(metric: &str, by: &str, audience: Audience) -> queries::MetricResult {
    let snapshot = fixture().state.snapshot();
    let d = chrono::NaiveDate::parse_from_str(&as_of(), "%Y-%m-%d").expect("date");
    rt().block_on(queries::evaluate(&snapshot, &Request::new(metric, audience).as_of(d).by(by))).expect("evaluate")
}

#[test]
fn exports_are_audited_with_their_parameters() {
    let mut c = Client::login("board");
    assert_eq!(c.get("/export/hospitals.blank_area_count.csv").status, StatusCode::OK);
    let entries = rt().block_on(fixture().state.db(|db| db.audit_entries(Some("export"), 1000))).expect("audit");
    let e = entries
        .iter()
        .find(|e| e.username.as_deref() == Some("board") && e.target == "hospitals.blank_area_count")
        .expect("audited");
    assert!(e.detail.starts_with("csv ") && e.detail.contains("as_of="), "{}", e.detail);
}

#[test]
fn formula_like_text_is_escaped_but_negative_numbers_stay_numbers() {
    // members.flows has negative net changes in the sample; they must stay numbers.
    let mut c = Client::login("committee");
    let text = c.get("/export/members.flows.csv?header=names").text();
    assert!(text.trim_start_matches('\u{feff}').starts_with("fiscal_year,"));
    assert!(text.lines().any(|l| l.split(',').any(|f| f.starts_with('-') && f[1..].parse::<i64>().is_ok())), "{text}");
    assert!(!text.contains("'-"));
    assert_eq!(dashboard::export::spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
}
