//! The committee's alerts over the bundled sample: each rule fires when its threshold says so
//! and not otherwise, and no alert names a member.

use queries::alerts::{Alert, Level, Thresholds, evaluate};

use crate::support::sample;

fn alerts(t: Thresholds) -> Vec<Alert> {
    let e = &sample().engine;
    e.block_on(evaluate(e.snapshot(), &t)).expect("alerts")
}

fn keys(a: &[Alert]) -> Vec<&'static str> {
    a.iter().map(|a| a.key).collect()
}

#[test]
fn headroom_under_its_threshold_is_an_alert_with_the_roster_before() {
    let share = crate::support::eval(crate::support::committee("members.physician_share"));
    let compliant = share.column_index("compliant").and_then(|i| share.rows[0].get(i).cloned());
    assert_eq!(compliant, Some(queries::Value::Bool(true)), "the sample meets the rule");
    let none = alerts(Thresholds { min_headroom: 0, ..Thresholds::default() });
    assert!(!keys(&none).contains(&"headroom"), "{none:?}");
    let a = alerts(Thresholds { min_headroom: u64::MAX, ..Thresholds::default() });
    let h = a.iter().find(|a| a.key == "headroom").expect("headroom alert");
    assert_eq!(h.level, Level::Alert);
    assert!(h.lines.iter().any(|l| l.starts_with("前回の名簿の日")), "{h:?}");
    assert!(h.lines.iter().any(|l| l.starts_with("変化: 正会員")), "{h:?}");
}

#[test]
fn unusual_leavers_and_few_survey_answers_are_warnings() {
    let calm = alerts(Thresholds { leavers_factor: 1e9, response_pct: 0, ..Thresholds::default() });
    assert!(!keys(&calm).contains(&"leavers") && !keys(&calm).contains(&"survey_responses"), "{calm:?}");
    let a = alerts(Thresholds { leavers_factor: 0.0, min_leavers: 0, response_pct: 100, ..Thresholds::default() });
    for key in ["leavers", "survey_responses"] {
        let w = a.iter().find(|a| a.key == key).unwrap_or_else(|| panic!("{key}: {a:?}"));
        assert_eq!(w.level, Level::Warning);
    }
}

#[test]
fn no_alert_names_a_member() {
    let a = alerts(Thresholds {
        min_headroom: u64::MAX,
        leavers_factor: 0.0,
        min_leavers: 0,
        response_pct: 100,
        ..Thresholds::default()
    });
    let text: String = a.iter().flat_map(|a| std::iter::once(a.title.clone()).chain(a.lines.clone())).collect();
    // Member numbers of the sample (M0000005 …) and pseudonyms (32 hex digits) appear nowhere.
    assert!(!text.contains("M000"), "{text}");
    assert!(!text.as_bytes().windows(32).any(|w| w.iter().all(u8::is_ascii_hexdigit)), "{text}");
}

#[test]
fn the_projection_alert_follows_the_projection_metric() {
    let latest = *sample().engine.snapshot().roster_dates().last().expect("a roster");
    let p = crate::support::eval(crate::support::committee("members.projection").as_of(latest).param("months", "36"));
    let c = p.column_index("compliant").expect("compliant");
    let crosses = p.rows.iter().any(|r| matches!(r.get(c), Some(queries::Value::Bool(false))));
    let a = alerts(Thresholds { horizon_months: 36, ..Thresholds::default() });
    assert_eq!(keys(&a).contains(&"projection"), crosses, "{a:?}");
    if let Some(x) = a.iter().find(|a| a.key == "projection") {
        assert!(x.lines.iter().any(|l| l.contains("に 8割を下回る推計です")), "{x:?}");
    }
}
