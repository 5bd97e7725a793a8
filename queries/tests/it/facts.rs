//! The catalog against the facts the sample generator knows to be true
//! (data/sample/MANIFEST.json: computed from the simulated people, not from the store).

use serde_json::Value as J;

use crate::support::{committee, date, eval, int, repo};

fn manifest() -> J {
    let text = std::fs::read_to_string(repo().join("data/sample/MANIFEST.json")).expect("manifest");
    serde_json::from_str(&text).expect("json")
}

#[test]
fn physician_share_and_headcount_on_the_latest_snapshot_match_the_simulation() {
    let facts = &manifest()["facts"];
    let latest = &facts["physician_share_latest"];
    let d = latest[0].as_str().expect("date");
    let r = eval(committee("members.physician_share").as_of(date(d)));
    assert_eq!(int(&r, &[], "physicians"), latest[1].as_i64().expect("p"));
    assert_eq!(int(&r, &[], "full_members"), latest[2].as_i64().expect("t"));
    let c = eval(committee("members.composition").as_of(date(d)).by("category"));
    let total: i64 = c.column("members").iter().filter_map(|v| v.as_i64()).sum();
    assert_eq!(total, facts["members_active_latest"].as_i64().expect("n"));
}

#[test]
fn blank_area_counts_match_the_published_proportions() {
    for pair in manifest()["facts"]["blank_areas"].as_array().expect("array") {
        let d = pair[0].as_str().expect("date");
        // The sample's designations are made for the 構想区域 of R7 (the default from FY2019 is がん医療圏).
        let r = eval(committee("hospitals.blank_area_count").as_of(date(d)).param("area_set", "R7"));
        assert_eq!(int(&r, &[], "blank_areas"), pair[1].as_i64().expect("n"), "{d}");
        let list = eval(committee("hospitals.blank_areas").as_of(date(d)).param("area_set", "R7"));
        assert_eq!(list.rows.len() as i64, pair[1].as_i64().expect("n"), "{d}");
    }
    // The drill-down agrees with the count: every prefecture's areas, 空白 ones flagged.
    for pair in manifest()["facts"]["blank_areas"].as_array().expect("array") {
        let d = pair[0].as_str().expect("date");
        let mut blank = 0;
        let mut areas = 0;
        for pref in 1..=47 {
            let r = eval(
                committee("hospitals.areas")
                    .as_of(date(d))
                    .param("prefecture", &pref.to_string())
                    .param("area_set", "R7"),
            );
            areas += r.rows.len();
            blank += r.column("blank").iter().filter(|v| matches!(v, queries::Value::Bool(true))).count() as i64;
            assert!(r.column("prefecture_code").iter().all(|v| v.display() == format!("{pref:02}")), "{pref}");
        }
        assert_eq!(areas, 339, "{d}");
        assert_eq!(blank, pair[1].as_i64().expect("n"), "{d}");
    }
    let series = eval(committee("hospitals.blank_area_series").as_of(date("2026-10-31")).param("area_set", "R7"));
    assert_eq!(int(&series, &["2014-04-01"], "blank_areas"), 108);
    assert_eq!(int(&series, &["2017-04-01"], "blank_areas"), 69);
    assert_eq!(int(&series, &["2024-04-01"], "blank_areas"), 56);
}

#[test]
fn joins_before_and_after_the_abolition_match_the_simulation() {
    let pair = &manifest()["facts"]["joins_before_after"];
    let r = eval(committee("members.joins_before_after").as_of(date("2026-10-31")).by(""));
    assert_eq!(int(&r, &[], "joins_before"), pair[0].as_i64().expect("before"));
    assert_eq!(int(&r, &[], "joins_after"), pair[1].as_i64().expect("after"));
    let ratio = r.get(&[], "ratio_low").and_then(|v| v.as_f64()).expect("ratio");
    assert!(ratio > 1.0, "the rise after 2026-01-17 is beyond chance: {ratio}");
}

/// The simulation knows the true date of every change; the store only sees snapshots.
/// Every month-end truly below 80% must be flagged below or uncertain, and every month
/// flagged certainly below must truly be below.
#[test]
fn months_below_eighty_percent_are_flagged_without_false_certainty() {
    let truth: Vec<String> = manifest()["facts"]["physician_share_month_ends_below_80"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let r = eval(committee("members.physician_share_history").as_of(date("2026-10-31")));
    let m = r.column_index("month_end").expect("col");
    let s = r.column_index("status").expect("col");
    let status = |d: &str| r.rows.iter().find(|row| row[m].display() == d).map(|row| row[s].display());
    let mut certain_below = 0;
    for row in &r.rows {
        let d = row[m].display();
        match row[s].display().as_str() {
            "8割未満" => {
                certain_below += 1;
                assert!(truth.contains(&d), "{d} flagged below but was not");
            }
            "8割以上" => assert!(!truth.contains(&d), "{d} truly below but flagged compliant"),
            _ => {}
        }
    }
    for d in truth.iter().filter(|d| d.as_str() >= "2017-03-31") {
        assert!(matches!(status(d).as_deref(), Some("8割未満" | "不確定")), "{d}: {:?}", status(d));
    }
    assert!(certain_below >= 5, "the 2019 dip is seen for certain ({certain_below})");
}

#[test]
fn active_medical_oncologists_at_the_end_of_2025_match_the_simulation() {
    let want = manifest()["facts"]["medical_oncologists_active_2025"].as_i64().expect("n");
    let r = eval(committee("specialists.by_year").as_of(date("2026-10-31")));
    assert_eq!(int(&r, &["がん薬物療法専門医", "2025"], "active"), want);
    assert!(want > 1000, "がん薬物療法専門医 pass 1,000 by 2025");
}

/// Found by the API fuzzer: from_year = i64::MIN made the series loop for ever.
#[test]
fn regression_huge_year_parameters_are_refused_before_any_work() {
    let engine = &crate::support::sample().engine;
    for (metric, param, value) in [
        ("hospitals.blank_area_series", "from_year", "-9223372036854775808"),
        ("hospitals.blank_area_series", "from_year", "1899"),
        ("members.projection", "months", "100000"),
        ("survey.terms", "top", "0"),
        ("members.what_if", "staff_full", "-1"),
    ] {
        let req = crate::support::committee(metric).param(param, value);
        let started = std::time::Instant::now();
        let err = engine.evaluate(&req).expect_err(value);
        assert!(err.to_string().contains(param), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
    let far = chrono::NaiveDate::from_ymd_opt(9999, 12, 31).expect("date");
    assert!(engine.evaluate(&crate::support::committee("members.physician_share").as_of(far)).is_err());
}
