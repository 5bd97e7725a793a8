//! Disclosure control: an attacker who knows every line total tries to recover the
//! withheld cells by subtraction, on real results and on random tables.

use queries::catalog::Request;
use queries::disclosure::{self, Cell, cell_lines};
use queries::{Audience, MetricResult, Policy, Role, Value};

use crate::support::{date, eval, sample};

/// Recovery by repeated subtraction: any line with one unknown cell gives it away.
/// Returns the cells recovered.
fn peel(values: &[i64], hidden: &[bool], lines: &[Vec<usize>]) -> Vec<usize> {
    let mut known: Vec<bool> = hidden.iter().map(|h| !h).collect();
    let mut recovered = Vec::new();
    loop {
        let mut progress = false;
        for line in lines {
            let unknown: Vec<usize> = line.iter().copied().filter(|&i| !known[i]).collect();
            if unknown.len() == 1 {
                let total: i64 = line.iter().map(|&i| values[i]).sum();
                let rest: i64 = line.iter().filter(|&&i| known[i]).map(|&i| values[i]).sum();
                assert_eq!(total - rest, values[unknown[0]]);
                known[unknown[0]] = true;
                recovered.push(unknown[0]);
                progress = true;
            }
        }
        if !progress {
            return recovered;
        }
    }
}

/// Checks a released result against the committee's exact one.
fn assert_safe(exact: &MetricResult, released: &MetricResult) -> usize {
    assert_eq!(exact.rows.len(), released.rows.len());
    let counts: Vec<usize> =
        exact.columns.iter().enumerate().filter(|(_, c)| c.role == Role::PersonCount).map(|(i, _)| i).collect();
    let values: Vec<i64> = exact.rows.iter().flat_map(|r| counts.iter().map(|&c| r[c].as_i64().unwrap_or(0))).collect();
    let hidden: Vec<bool> =
        released.rows.iter().flat_map(|r| counts.iter().map(|&c| r[c] == Value::Suppressed)).collect();
    // Every small count is withheld, never shown as zero or blank.
    for (i, v) in values.iter().enumerate() {
        if (1..10).contains(v) {
            assert!(hidden[i], "{}: a count of {v} is visible", exact.metric);
        }
    }
    let lines = cell_lines(exact, &counts);
    let recovered = peel(&values, &hidden, &lines);
    assert!(recovered.is_empty(), "{}: cells {recovered:?} recovered by subtraction", exact.metric);
    // Derived values of a row with a withheld count are withheld too.
    for (r, row) in released.rows.iter().enumerate() {
        if counts.iter().any(|&c| row[c] == Value::Suppressed) {
            for (i, c) in released.columns.iter().enumerate() {
                if c.role == Role::Derived && exact.rows[r][i] != Value::Null {
                    assert_eq!(row[i], Value::Suppressed, "{} row {r} {}", exact.metric, c.name);
                }
            }
        }
    }
    hidden.iter().filter(|h| **h).count()
}

/// The researcher's result without suppression, and as released.
fn both(req: Request) -> (MetricResult, MetricResult) {
    let exact =
        sample().engine.evaluate_with_policy(&req, Policy { audience: Audience::Researcher, k: 0 }).expect("exact");
    let released = eval(req);
    (only_rows_of(exact, &released), released)
}

/// The exact result cut to the rows released: under the release grid a metric may show
/// only some periods of its table (the 年度 still running is released by month only).
fn only_rows_of(mut exact: MetricResult, released: &MetricResult) -> MetricResult {
    let dims: Vec<usize> =
        exact.columns.iter().enumerate().filter(|(_, c)| c.role == Role::Dim).map(|(i, _)| i).collect();
    let key = |r: &Vec<Value>| dims.iter().map(|&i| r[i].display()).collect::<Vec<_>>();
    let shown: std::collections::BTreeSet<Vec<String>> = released.rows.iter().map(key).collect();
    let before = exact.rows.len();
    exact.rows.retain(|r| shown.contains(&key(r)));
    assert!(exact.rows.len() == before || exact.extra_lines.is_empty(), "{}: rows cut under extra lines", exact.metric);
    exact
}

#[test]
fn real_results_resist_recovery_by_subtraction() {
    let d = date("2026-10-31");
    let cases = [
        Request::new("members.composition", Audience::Researcher).as_of(d),
        Request::new("members.composition", Audience::Researcher).as_of(d).by("category,prefecture"),
        Request::new("members.composition", Audience::Researcher).as_of(d).by("category,age_band"),
        Request::new("members.physician_share", Audience::Researcher).as_of(d).by("prefecture"),
        Request::new("members.flows", Audience::Researcher).as_of(d).by("month"),
        Request::new("members.flows", Audience::Researcher).as_of(d).by("fiscal_year,profession"),
        Request::new("members.flows", Audience::Researcher).as_of(d).by("fiscal_year,category"),
        Request::new("members.retention", Audience::Researcher).as_of(d),
        Request::new("hospitals.specialist_coverage", Audience::Researcher).as_of(d),
        Request::new("specialists.per_100k", Audience::Researcher).as_of(d).by("area"),
        Request::new("specialists.by_year", Audience::Researcher).as_of(d),
        Request::new("survey.crosstab", Audience::Researcher).as_of(d).param("column", "region"),
    ];
    let mut withheld = 0;
    for req in cases {
        let (exact, released) = both(req);
        withheld += assert_safe(&exact, &released);
        assert_eq!(released.policy.k, 10);
    }
    assert!(withheld > 20, "the sample has small cells to protect ({withheld} withheld)");
}

/// Regression: the board's composition withheld 正会員 × 医師 as a complementary cell
/// (to protect 名誉会員's small counts) while members.physician_share shows it, so the
/// protected cells could be recovered by combining the two. Now the cell is never a
/// complementary one, and the small categories are shown together (alone, 名誉会員 × 医師
/// could not be protected at all once 正会員 × 医師 is known).
#[test]
fn composition_never_hides_behind_what_physician_share_publishes() {
    let d = date("2026-10-31");
    let share = eval(Request::new("members.physician_share", Audience::Board).as_of(d));
    let physicians = share.rows[0][share.column_index("physicians").expect("physicians")].as_i64().expect("P");
    let full = share.rows[0][share.column_index("full_members").expect("T")].as_i64().expect("T");
    for by in ["category,profession", "category"] {
        let req = Request::new("members.composition", Audience::Board).as_of(d).by(by);
        let (exact, released) = both(req);
        if by == "category,profession" {
            assert!(released.policy.primary > 0, "{by}: the sample has small cells here");
        }
        // The small categories are shown together outside the committee.
        let cat = exact.column_index("category").expect("category");
        assert!(exact.rows.iter().all(|r| r[cat].display() != "名誉会員"), "{by}");
        // What physician_share tells a reader is known here too: the attacker gets it for free.
        let counts: Vec<usize> =
            exact.columns.iter().enumerate().filter(|(_, c)| c.role == Role::PersonCount).map(|(i, _)| i).collect();
        let values: Vec<i64> =
            exact.rows.iter().flat_map(|r| counts.iter().map(|&c| r[c].as_i64().unwrap_or(0))).collect();
        let mut hidden: Vec<bool> =
            released.rows.iter().flat_map(|r| counts.iter().map(|&c| r[c] == Value::Suppressed)).collect();
        let mut found = false;
        for (r, row) in exact.rows.iter().enumerate() {
            let cell = |name: &str| exact.column_index(name).map(|i| row[i].display());
            if cell("category").as_deref() == Some("正会員")
                && cell("profession").as_deref().is_none_or(|p| p == "医師")
            {
                let expected = if by == "category" { full } else { physicians };
                assert_eq!(row[counts[0]].as_i64(), Some(expected), "{by}: same number in both metrics");
                assert!(!hidden[r], "{by}: the published cell is shown");
                hidden[r] = false;
                found = true;
            }
        }
        assert!(found, "{by}");
        let recovered = peel(&values, &hidden, &cell_lines(&exact, &counts));
        assert!(recovered.is_empty(), "{by}: {recovered:?}");
    }
}

#[test]
fn committee_sees_exact_counts() {
    let r = eval(Request::new("members.composition", Audience::Committee).as_of(date("2026-10-31")));
    assert!(r.rows.iter().all(|row| !row.contains(&Value::Suppressed)));
    assert_eq!(r.policy.k, 0);
}

/// SplitMix64, for reproducible random tables.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[test]
fn random_two_way_tables_resist_recovery_and_linear_algebra() {
    let mut rng = Rng(7);
    for case in 0..300 {
        let rows = 2 + (rng.next() % 6) as usize;
        let cols = 2 + (rng.next() % 6) as usize;
        let values: Vec<i64> = (0..rows * cols)
            .map(|_| match rng.next() % 4 {
                0 => (rng.next() % 10) as i64,
                _ => 10 + (rng.next() % 200) as i64,
            })
            .collect();
        let mut lines: Vec<Vec<usize>> = (0..rows).map(|r| (0..cols).map(|c| r * cols + c).collect()).collect();
        lines.extend((0..cols).map(|c| (0..rows).map(|r| r * cols + c).collect()));
        let opt: Vec<Option<i64>> = values.iter().map(|v| Some(*v)).collect();
        let plan = disclosure::suppress(&opt, &lines, 10);
        let hidden: Vec<bool> = plan.iter().map(|c| *c != Cell::Shown).collect();
        for (i, v) in values.iter().enumerate() {
            if (1..10).contains(v) {
                assert!(hidden[i], "case {case}: small cell shown");
            }
        }
        assert!(peel(&values, &hidden, &lines).is_empty(), "case {case}: {values:?} {hidden:?}");
    }
}

#[test]
fn a_table_too_large_to_certify_is_withheld_whole_with_a_note() {
    let r = eval(Request::new("members.flows", Audience::Board).as_of(date("2026-10-31")).by("month,profession"));
    let joins = r.column("joins");
    assert!(joins.iter().all(|v| **v == Value::Suppressed));
    assert!(r.notes.iter().any(|n| n.en.contains("too detailed")));
}
