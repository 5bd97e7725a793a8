//! `oncometrics metric` end to end: list, evaluate in each format, errors.

use crate::support::{run, text};

#[test]
fn metric_command_lists_evaluates_and_explains_errors() {
    let d = tempfile::tempdir().expect("tempdir");
    let list = run(d.path(), &["metric", "--list"]);
    assert!(list.status.success(), "{}", text(&list));
    let listed = String::from_utf8_lossy(&list.stdout);
    for name in ["members.physician_share", "hospitals.blank_areas", "survey.response_rate", "specialists.per_100k"] {
        assert!(listed.contains(name), "{name} missing from --list");
    }

    assert!(run(d.path(), &["demo"]).status.success());

    // JSON: the rule outcome, the policy and the sample mark travel with the result.
    let o = run(
        d.path(),
        &["metric", "members.physician_share", "--as-of", "2026-10-31", "--audience", "committee", "--format", "json"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(j["metric"], "members.physician_share");
    assert_eq!(j["rows"][0][0], 7005);
    assert_eq!(j["policy"]["audience"], "committee");
    assert_eq!(j["provenance"]["sample"], true);

    // 和暦 as-of dates work; the table names the policy; suppressed cells show as X.
    let o = run(d.path(), &["metric", "members.composition", "--as-of", "令和8年10月31日"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("研究者向け") && t.contains(" X") && t.contains("サンプル・架空データ"), "{t}");

    // The terminal table reads as the dashboard does: shares with two decimals (79.97% must
    // not print as 79.970000), はい/いいえ rather than true/false. CSV keeps the raw values.
    let o = run(d.path(), &["metric", "members.physician_share", "--as-of", "2026-10-31", "--audience", "committee"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(!t.contains("true") && !t.contains("false") && (t.contains("はい") || t.contains("いいえ")), "{t}");
    let share = j["rows"][0][3].as_f64().expect("share_pct");
    assert!(t.contains(&format!("{share:.2}")) && !t.contains(&format!("{share:.6}")), "{t}");

    // CSV for a past date.
    let o = run(d.path(), &["metric", "hospitals.blank_areas", "--as-of", "2014-04-01", "--format", "csv"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1 + 108);

    // Errors are explained, never panics.
    for (args, expect) in [
        (vec!["metric", "members.physcian_share"], "もしかして: members.physician_share"),
        (vec!["metric", "members.what_if", "--param", "physicians=many"], "physicians"),
        (vec!["metric", "members.composition", "--by", "colour"], "one of"),
        (vec!["metric", "members.composition", "--audience", "public"], "committee"),
        (vec!["metric", "members.physician_share", "--at-load", "999"], "999"),
    ] {
        let o = run(d.path(), &args);
        let t = text(&o);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(t.contains(expect), "{args:?}: {t}");
        assert!(!t.contains("panicked"), "{args:?}: {t}");
    }
}
