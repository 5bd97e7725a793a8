//! Differencing attacks through the API: a researcher varies `as_of`, `from` and `by`
//! to subtract two results and recover a day's joins and leaves. Under the release grid
//! (`queries::release`) two requests never disagree on a cell they share, and dates are
//! month ends.

use std::collections::BTreeMap;

use serde_json::Value as J;

use crate::support::*;

/// A result's rows keyed by their dimension values: dims → the other values, as text.
fn cells(j: &J) -> BTreeMap<Vec<String>, Vec<String>> {
    let cols = j["columns"].as_array().expect("columns");
    let dim: Vec<bool> = cols.iter().map(|c| c["role"] == "dim").collect();
    let mut out = BTreeMap::new();
    for row in j["rows"].as_array().expect("rows") {
        let row = row.as_array().expect("row");
        let key = row.iter().zip(&dim).filter(|(_, d)| **d).map(|(v, _)| v.to_string()).collect();
        let rest = row.iter().zip(&dim).filter(|(_, d)| !**d).map(|(v, _)| v.to_string()).collect();
        out.insert(key, rest);
    }
    out
}

fn get(c: &mut Client, path: &str) -> J {
    let res = c.get(path);
    assert_eq!(res.status, 200, "{path}: {}", res.text());
    res.json()
}

/// Every cell both results show is the same: subtracting them recovers nothing.
fn assert_no_cell_differs(a: &J, b: &J, what: &str) {
    let (a, b) = (cells(a), cells(b));
    let shared: Vec<_> = a.keys().filter(|k| b.contains_key(*k)).collect();
    assert!(!shared.is_empty(), "{what}: the two results share no row");
    for k in shared {
        assert_eq!(a[k], b[k], "{what}: row {k:?} differs between the two requests");
    }
}

fn is_month_end(d: &str) -> bool {
    let d = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
    queries::release::month_end(d) == d
}

#[test]
fn flows_for_two_end_dates_a_day_apart_share_every_cell() {
    let mut c = Client::login("researcher");
    let d = as_of_date();
    let before = (d - chrono::Days::new(1)).to_string();
    for by in ["fiscal_year,profession", "month,profession", "fiscal_year,category", "month"] {
        let a = get(&mut c, &format!("/api/v1/metrics/members.flows?as_of={d}&by={}", enc(by)));
        let b = get(&mut c, &format!("/api/v1/metrics/members.flows?as_of={before}&by={}", enc(by)));
        assert_no_cell_differs(&a, &b, &format!("members.flows by {by}, as_of {d} and {before}"));
        let moved = b["params"]["as_of"].as_str().expect("as_of");
        assert!(is_month_end(moved) && moved < before.as_str(), "as_of {before} is answered at a month end: {moved}");
        assert!(b["notes"].to_string().contains("月末"), "the result says the date was moved: {}", b["notes"]);
    }
}

#[test]
fn flows_from_the_first_or_second_day_of_a_year_are_the_same_table() {
    let mut c = Client::login("researcher");
    let d = as_of_date();
    for by in ["fiscal_year,profession", "month,profession", "fiscal_year,category"] {
        let a = get(&mut c, &format!("/api/v1/metrics/members.flows?as_of={d}&from=2023-04-01&by={}", enc(by)));
        let b = get(&mut c, &format!("/api/v1/metrics/members.flows?as_of={d}&from=2023-04-02&by={}", enc(by)));
        assert_eq!(cells(&a), cells(&b), "members.flows by {by}: from 04-01 and 04-02 give one table");
        assert_eq!(b["params"]["from"], "2023-04-01", "from is moved to the first of its month");
        // And a request from an earlier year shows the same cells for the years both show.
        let c0 = get(&mut c, &format!("/api/v1/metrics/members.flows?as_of={d}&from=2020-04-01&by={}", enc(by)));
        assert_no_cell_differs(&a, &c0, &format!("members.flows by {by}, from 2023 and 2020"));
    }
}

#[test]
fn the_year_to_date_is_not_released_by_year_since_months_would_be_its_differences() {
    let mut c = Client::login("researcher");
    let d = as_of_date();
    let j = get(&mut c, &format!("/api/v1/metrics/members.flows?as_of={d}&by=fiscal_year"));
    let current = i64::from(model::fiscal::fiscal_year(d));
    let years: Vec<i64> = j["rows"].as_array().expect("rows").iter().filter_map(|r| r[0].as_i64()).collect();
    assert!(!years.is_empty() && !years.contains(&current), "年度 {current} is not complete at {d}: {years:?}");
    // The committee still sees it.
    let mut admin = Client::login("admin");
    let j = get(&mut admin, &format!("/api/v1/metrics/members.flows?as_of={d}&by=fiscal_year"));
    assert!(j["rows"].as_array().expect("rows").iter().any(|r| r[0].as_i64() == Some(current)));
}

#[test]
fn joins_and_leaves_of_a_row_are_withheld_together() {
    // Two month-end stocks give a row's net change, so a withheld join with its leaves shown
    // would be net + leaves.
    let mut c = Client::login("researcher");
    let d = as_of_date();
    let withheld = |v: &J| v.get("suppressed").is_some();
    let mut any = false;
    for by in ["fiscal_year", "fiscal_year,profession", "fiscal_year,category", "month", "month,profession"] {
        let j = get(&mut c, &format!("/api/v1/metrics/members.flows?as_of={d}&by={}", enc(by)));
        let cols: Vec<&str> =
            j["columns"].as_array().expect("cols").iter().map(|c| c["name"].as_str().expect("name")).collect();
        let (ji, li) = (
            cols.iter().position(|c| *c == "joins").expect("joins"),
            cols.iter().position(|c| *c == "leaves").expect("leaves"),
        );
        let rows = j["rows"].as_array().expect("rows");
        any |= rows.iter().any(|r| withheld(&r[ji]));
        for r in rows {
            assert_eq!(withheld(&r[ji]), withheld(&r[li]), "by {by}: joins and leaves withheld together: {r:?}");
        }
    }
    assert!(any, "the sample has small joins to withhold");
}

#[test]
fn composition_on_two_days_of_one_month_is_one_answer() {
    let mut c = Client::login("researcher");
    for by in ["category,prefecture", "category,sex", "category,age_band"] {
        let a = get(&mut c, &format!("/api/v1/metrics/members.composition?as_of=2026-10-15&by={}", enc(by)));
        let b = get(&mut c, &format!("/api/v1/metrics/members.composition?as_of=2026-10-14&by={}", enc(by)));
        assert_eq!(cells(&a), cells(&b), "members.composition by {by} on 10-15 and 10-14");
        assert_eq!(a["params"]["as_of"], "2026-09-30");
    }
    // Every date a researcher names is answered at a month end.
    for day in ["2025-03-30", "2026-01-17", "2026-03-31", "2026-10-30"] {
        for m in ["members.physician_share", "members.composition", "specialists.per_100k", "survey.response_rate"] {
            let j = get(&mut c, &format!("/api/v1/metrics/{m}?as_of={day}"));
            let got = j["params"]["as_of"].as_str().expect("as_of");
            assert!(is_month_end(got) && got <= day, "{m} at {day} answered at {got}");
        }
    }
    // The committee keeps any day, and hospital data (no persons) keeps its own dates.
    let mut admin = Client::login("admin");
    let j = get(&mut admin, "/api/v1/metrics/members.composition?as_of=2026-10-15");
    assert_eq!(j["params"]["as_of"], "2026-10-15");
    let j = get(&mut c, "/api/v1/metrics/hospitals.designations?as_of=2025-04-01");
    assert_eq!(j["params"]["as_of"], "2025-04-01", "a designation list is in force from 4月1日");
}

#[test]
fn event_windows_end_at_the_latest_month_end_only() {
    let mut c = Client::login("researcher");
    let d = as_of_date();
    for m in ["members.joins_before_after", "members.retention", "specialists.by_year"] {
        let latest = get(&mut c, &format!("/api/v1/metrics/{m}?as_of={d}"));
        let later = get(&mut c, &format!("/api/v1/metrics/{m}?as_of=2027-06-30"));
        assert_eq!(cells(&latest), cells(&later), "{m}: a later date is the latest month end");
        let res = c.get(&format!("/api/v1/metrics/{m}?as_of=2026-09-30"));
        assert_eq!(res.status, 400, "{m}: a window ending a month earlier is refused");
        assert!(res.text().contains("最新の月末"), "{m}: says why: {}", res.text());
    }
}

#[test]
fn the_members_page_at_an_earlier_date_says_why_a_section_is_missing() {
    let mut c = Client::login("board");
    let res = c.get("/members?as_of=2026-03-31");
    assert_eq!(res.status, 200, "{}", res.text());
    let page = res.text();
    assert!(page.contains("最新の月末"), "the refused sections say why in their place");
    assert!(page.contains("入会・退会"), "the rest of the page renders");
}
