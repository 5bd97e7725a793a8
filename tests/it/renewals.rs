//! `oncometrics renewals` end to end: the cohort view, the applicant list, one applicant's
//! findings, JSON, and errors.

use crate::support::{run, text};

#[test]
fn renewals_command_shows_the_cohort_lists_applicants_and_explains_one() {
    let d = tempfile::tempdir().expect("tempdir");
    assert!(run(d.path(), &["demo"]).status.success());

    // The default round is the one open on the sample's as-of date (2026).
    let o = run(d.path(), &["renewals", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(j["round"], 2026);
    let cohort = j["cohort"]["rows"].as_array().expect("rows");
    let row_2026 = |q: &str| {
        cohort.iter().find(|r| r[0] == q && r[1] == 2026).unwrap_or_else(|| panic!("{q} 2026 missing")).clone()
    };
    let jsmo = row_2026("がん薬物療法専門医");
    let n = |i: usize| jsmo[i].as_i64().expect("a count");
    let not_ready = n(5);
    assert!(not_ready > 0);
    assert_eq!(n(2), n(4) + not_ready + n(6), "due = ready + not ready + no application");

    // The table: this round for both qualifications, the blockers by requirement, the trend.
    let o = run(d.path(), &["renewals"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    for want in [
        "専門医更新の準備状況 — 2026 年度",
        "がん治療認定医",
        "未充足の要件",
        "年度別の推移",
        "症例数",
        "申請書類の登録",
    ] {
        assert!(t.contains(want), "{want} missing:\n{t}");
    }
    assert!(t.contains("規則セット 2026") && t.contains("jsmo.min_credits"), "rule notes missing:\n{t}");
    assert!(!t.contains("申請者一覧"), "the list is only shown with --list");
    // Years are written as years (the trend printed 「2,022」).
    assert!(!t.contains("2,02"), "a year with a thousands separator:\n{t}");

    // The list of the not ready holds exactly the cohort's count, each with its messages.
    let o = run(
        d.path(),
        &["renewals", "--qualification", "がん薬物療法専門医", "--list", "--status", "未充足", "--format", "json"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let listed = j["applicants"]["rows"].as_array().expect("applicants");
    assert_eq!(listed.len() as i64, not_ready);
    assert!(listed.iter().all(|r| r[2] == "未充足" && !r[9].as_str().unwrap_or("").is_empty()));

    // One applicant: every finding, the same first message as the list.
    let cert = listed[0][1].as_str().expect("certificate").to_string();
    let messages = listed[0][9].as_str().expect("messages");
    let first = messages.split(" / ").next().expect("a message").to_string();
    let o = run(d.path(), &["renewals", "--qualification", "がん薬物療法専門医", "--certificate", &cert]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("チェック結果") && t.contains(&cert) && t.contains("未充足"), "{t}");
    let message = first.rsplit(": ").next().expect("a message");
    assert!(t.contains(message), "{message} missing:\n{t}");

    // An earlier date opens that date's round.
    let o = run(d.path(), &["renewals", "--as-of", "令和8年3月1日"]);
    assert!(o.status.success() && text(&o).contains("専門医更新の準備状況 — 2025 年度"), "{}", text(&o));

    // The board sees the counts, suppressed, and not the people.
    let o = run(d.path(), &["renewals", "--audience", "board"]);
    assert!(o.status.success() && text(&o).contains("理事会"), "{}", text(&o));

    for (args, expect) in [
        (vec!["renewals", "--round", "2019"], "2022"),
        (vec!["renewals", "--certificate", "no-such"], "no-such"),
        (vec!["renewals", "--list", "--audience", "board"], "board"),
        (vec!["renewals", "--qualification", "専門医"], "がん治療認定医"),
        (vec!["renewals", "--list", "--status", "done"], "準備完了"),
    ] {
        let o = run(d.path(), &args);
        let t = text(&o);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(t.contains(expect), "{args:?}: {t}");
        assert!(!t.contains("panicked"), "{args:?}: {t}");
    }
}

/// At scale 1,000 checking every application at once held 19 M case rows and took over 15 GB;
/// the applications are now read a range of 認定番号 at a time (an eighth of
/// `ONCOMETRICS_LAKE_SPLIT_ROWS` rows of the largest table per range). In ranges or at once,
/// the readiness is the same.
#[test]
fn renewal_readiness_checked_in_ranges_is_the_same_as_at_once() {
    let d = tempfile::tempdir().expect("tempdir");
    assert!(run(d.path(), &["demo"]).status.success());
    let readiness = |split_rows: Option<&str>| -> Vec<String> {
        let mut out = Vec::new();
        for q in ["がん薬物療法専門医", "がん治療認定医"] {
            let mut c = std::process::Command::new(crate::support::BIN);
            c.current_dir(crate::support::repo())
                .env("ONCOMETRICS_WAREHOUSE", d.path().join("wh.duckdb"))
                .env("ONCOMETRICS_KEY_FILE", d.path().join("keys/k.key"))
                .env_remove("ONCOMETRICS_LAKE")
                .env_remove("ONCOMETRICS_ENGINE")
                .env_remove("ONCOMETRICS_LAKE_SPLIT_ROWS")
                .args(["renewals", "--qualification", q, "--list", "--format", "json"]);
            if let Some(n) = split_rows {
                c.env("ONCOMETRICS_LAKE_SPLIT_ROWS", n);
            }
            let o = c.output().expect("run");
            assert!(o.status.success(), "{}", text(&o));
            out.push(String::from_utf8_lossy(&o.stdout).into_owned());
        }
        out
    };
    let whole = readiness(None);
    assert!(whole.iter().all(|j| j.contains("未充足")), "{whole:?}");
    assert_eq!(readiness(Some("2400")), whole, "checked in ranges of 300 rows");
}
