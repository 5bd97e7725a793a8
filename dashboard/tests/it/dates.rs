//! Every page at every kind of date in the data's range: a section that does not apply at a
//! date says so in its place, and the rest of the page renders (issue 27, point 1).

use axum::http::StatusCode;
use chrono::NaiveDate;

use crate::support::{Client, fixture};

/// The first roster's date, year ends, fiscal year ends, the day before 2026-01-17 and the
/// day itself, the latest roster's date, and one day past it.
fn dates() -> Vec<NaiveDate> {
    let snap = fixture().state.snapshot();
    let rosters = snap.roster_dates();
    let first = *rosters.first().expect("a roster");
    let last = snap.default_as_of().expect("latest roster");
    let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let mut out = vec![first, ymd(2026, 1, 16), ymd(2026, 1, 17), last, last + chrono::Days::new(1)];
    for y in chrono::Datelike::year(&first)..=chrono::Datelike::year(&last) {
        out.extend([ymd(y, 3, 31), ymd(y, 12, 31)].into_iter().filter(|d| *d > first && *d < last));
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn pages(role: &str) -> Vec<String> {
    let mut p: Vec<String> =
        ["/", "/members", "/survey", "/hospitals", "/specialists", "/metrics", "/data"].map(String::from).into();
    if role == "committee" {
        p.push("/renewals".into());
    }
    p
}

/// Regression: the 会員 page answered a bare 400 for any 基準日 before 2026-01-17 (one section's
/// limit took the page down).
#[test]
fn every_page_renders_at_every_date_for_every_role() {
    let dates = dates();
    assert!(dates.len() >= 8, "{dates:?}");
    let mut failed = Vec::new();
    for role in ["committee", "board", "researcher"] {
        let mut c = Client::login(role);
        for page in pages(role) {
            for d in &dates {
                let url = format!("{page}?as_of={d}");
                let res = c.get(&url);
                if res.status != StatusCode::OK {
                    let text = res.text();
                    let msg: String = text.chars().take(200).collect();
                    failed.push(format!("{role} {url}: {} {msg}", res.status));
                }
            }
        }
    }
    assert!(failed.is_empty(), "{} failures:\n{}", failed.len(), failed.join("\n"));
}

/// Every metric's own page, at every date, for the committee (who may see them all) and the
/// board (whose release rules differ).
#[test]
fn every_metric_page_renders_at_every_date() {
    let dates = dates();
    let mut failed = Vec::new();
    for role in ["committee", "board"] {
        let mut c = Client::login(role);
        let audience = if role == "board" { queries::Audience::Board } else { queries::Audience::Committee };
        for def in queries::catalog().into_iter().filter(|d| d.audiences.contains(&audience)) {
            for d in &dates {
                let url = format!("/metrics/{}?as_of={d}", def.name);
                let res = c.get(&url);
                if res.status != StatusCode::OK {
                    let msg: String = res.text().chars().take(200).collect();
                    failed.push(format!("{role} {url}: {} {msg}", res.status));
                }
            }
        }
    }
    assert!(failed.is_empty(), "{} failures:\n{}", failed.len(), failed.join("\n"));
}

/// The legend texts of a page's maps (「1.3人 以上」, 「1区域 未満」).
fn legends(html: &str) -> Vec<String> {
    html.split("<text")
        .filter_map(|t| t.split_once('>').map(|(_, rest)| rest.split('<').next().unwrap_or("").trim().to_string()))
        .filter(|t| t.ends_with(" 以上") || t.ends_with(" 未満") || t == "値あり")
        .collect()
}

/// Regression: each date's map had its own quintiles, so the same colour meant different
/// numbers in two years; the classes now come from the latest data, whatever the 基準日.
#[test]
fn map_classes_are_the_same_at_every_date() {
    let mut c = Client::login("committee");
    let dates = dates();
    for page in ["/specialists", "/hospitals"] {
        let latest = legends(&c.get(page).text());
        assert!(latest.len() >= 2, "{page}: legend {latest:?}");
        for d in &dates {
            assert_eq!(legends(&c.get(&format!("{page}?as_of={d}")).text()), latest, "{page} at {d}");
        }
    }
}
