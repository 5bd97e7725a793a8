//! An independent cross-check: the same numbers computed with plain SQL in DuckDB over
//! the store itself (not the snapshot), compared with the DataFusion results.

use crate::support::{committee, date, duck, eval, int, sample};

/// Members in force on `d` per DuckDB, straight from `members` and `member_history`.
fn duck_active(d: &str, filter: &str) -> i64 {
    duck(&format!(
        "SELECT COUNT(*) FROM members m JOIN member_history h ON h.member_key = m.member_key
         WHERE m.superseded_by IS NULL
           AND m.joined_on <= DATE '{d}' AND (m.left_on IS NULL OR m.left_on > DATE '{d}')
           AND h.valid_from <= DATE '{d}' AND (h.valid_to IS NULL OR h.valid_to > DATE '{d}') {filter}"
    ))
}

#[test]
fn physician_share_equals_duckdb_on_many_dates() {
    for d in ["2017-03-31", "2018-06-30", "2019-10-31", "2020-03-31", "2023-01-31", "2026-01-17", "2026-10-31"] {
        let r = eval(committee("members.physician_share").as_of(date(d)));
        assert_eq!(
            int(&r, &[], "physicians"),
            duck_active(d, "AND h.category = '正会員' AND h.profession = '医師'"),
            "{d}"
        );
        assert_eq!(int(&r, &[], "full_members"), duck_active(d, "AND h.category = '正会員'"), "{d}");
    }
}

#[test]
fn composition_equals_duckdb_cell_by_cell() {
    let d = "2024-03-31";
    let r = eval(committee("members.composition").as_of(date(d)));
    let cats = r.column("category");
    assert!(r.rows.len() > 10, "a real cross-table");
    for (i, row) in r.rows.iter().enumerate() {
        let (c, p) = (cats[i].display(), row[1].display());
        let n = row[2].as_i64().expect("count");
        assert_eq!(n, duck_active(d, &format!("AND h.category = '{c}' AND h.profession = '{p}'")), "{c} {p}");
    }
    let total: i64 = r.column("members").iter().filter_map(|v| v.as_i64()).sum();
    assert_eq!(total, duck_active(d, ""));
}

#[test]
fn blank_area_list_equals_duckdb() {
    for d in ["2010-04-01", "2014-04-01", "2017-04-01", "2024-04-01", "2026-10-31"] {
        let r = eval(committee("hospitals.blank_areas").as_of(date(d)).param("area_set", "R7"));
        let ours: Vec<String> = r.column("area_code").iter().map(|v| v.display()).collect();
        let wh = sample().warehouse.lock().expect("lock");
        let batches = wh
            .query_arrow(&format!(
                "SELECT area_code FROM areas a WHERE superseded_by IS NULL AND area_set = 'R7' AND NOT EXISTS (
                   SELECT 1 FROM designations x WHERE x.superseded_by IS NULL AND x.area_code = a.area_code
                     AND x.designation <> '都道府県独自指定'
                     AND x.designated_from <= DATE '{d}' AND (x.designated_until IS NULL OR x.designated_until >= DATE '{d}'))
                 ORDER BY area_code"
            ))
            .expect("duckdb");
        let theirs: Vec<String> = batches
            .iter()
            .flat_map(|b| {
                let a = arrow::array::AsArray::as_string::<i32>(b.column(0)).clone();
                (0..arrow::array::Array::len(&a)).map(move |i| a.value(i).to_string()).collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(ours, theirs, "{d}");
    }
}

#[test]
fn response_rates_equal_duckdb() {
    let r = eval(committee("survey.response_rate").as_of(date("2026-10-31")));
    assert_eq!(r.rows.len(), 13, "one row per 年度 2014–2026");
    for row in &r.rows {
        let fy = row[0].display();
        let responses =
            duck(&format!("SELECT COUNT(*) FROM survey_responses WHERE superseded_by IS NULL AND fiscal_year = {fy}"));
        let invited =
            duck(&format!("SELECT invited FROM survey_waves WHERE superseded_by IS NULL AND fiscal_year = {fy}"));
        assert_eq!(int(&r, &[&fy], "responses"), responses, "{fy}");
        assert_eq!(int(&r, &[&fy], "invited"), invited, "{fy}");
        let rate = r.get(&[&fy], "rate_pct").and_then(|v| v.as_f64()).expect("rate");
        assert!((rate - 100.0 * responses as f64 / invited as f64).abs() < 1e-9);
    }
    // By profession: the frame is the roster on the wave's opening day.
    let by = eval(committee("survey.response_rate").as_of(date("2026-10-31")).by("profession"));
    let opened = duck(
        "SELECT CAST(strftime(opened_on, '%Y%m%d') AS BIGINT) FROM survey_waves WHERE superseded_by IS NULL AND fiscal_year = 2020",
    );
    let d = format!("{}-{:02}-{:02}", opened / 10000, opened / 100 % 100, opened % 100);
    let frame = duck(&format!(
        "SELECT COUNT(*) FROM members m JOIN member_history h ON h.member_key = m.member_key
         WHERE m.superseded_by IS NULL AND m.joined_on <= DATE '{d}' AND (m.left_on IS NULL OR m.left_on > DATE '{d}')
           AND h.valid_from <= DATE '{d}' AND (h.valid_to IS NULL OR h.valid_to > DATE '{d}') AND h.profession = '薬剤師'"
    ));
    assert_eq!(int(&by, &["2020", "薬剤師"], "invited"), frame);
}

/// The frame of every wave, by 職種 and by 年齢階級 (the engine counts it per wave in
/// Rust, `wave_frames`), against DuckDB counting the members in force on each 開始日.
#[test]
fn every_waves_frame_equals_duckdb_by_profession_and_age_band() {
    for by in ["profession", "age_band"] {
        let r = eval(committee("survey.response_rate").as_of(date("2026-10-31")).by(by));
        let mut checked = 0;
        for row in &r.rows {
            let (fy, seg) = (row[0].display(), row[1].display());
            let Some(invited) = r.get(&[&fy, &seg], "invited").and_then(|v| v.as_i64()) else { continue };
            let opened = duck(&format!(
                "SELECT CAST(strftime(opened_on, '%Y%m%d') AS BIGINT) FROM survey_waves
                 WHERE superseded_by IS NULL AND fiscal_year = {fy}"
            ));
            let d = format!("{}-{:02}-{:02}", opened / 10000, opened / 100 % 100, opened % 100);
            let y = opened / 10000;
            let filter = match (by, seg.as_str()) {
                ("profession", "") => "AND h.profession IS NULL".to_string(),
                ("profession", p) => format!("AND h.profession = '{p}'"),
                (_, band) => format!(
                    "AND (CASE WHEN m.birth_year IS NULL THEN '不明' WHEN {y} - m.birth_year < 30 THEN '20代'
                          WHEN {y} - m.birth_year < 40 THEN '30代' WHEN {y} - m.birth_year < 50 THEN '40代'
                          WHEN {y} - m.birth_year < 60 THEN '50代' WHEN {y} - m.birth_year < 70 THEN '60代'
                          ELSE '70代以上' END) = '{band}'"
                ),
            };
            assert_eq!(invited, duck_active(&d, &filter), "{by} {fy} {seg}");
            checked += 1;
        }
        assert!(checked >= 13 * 4, "{by}: only {checked} cells checked");
    }
}

/// The snapshot's answers carry their respondent's segments (joined once when the
/// snapshot is read): answers per 年度 and segment equal DuckDB joining the stored tables.
#[test]
fn answers_carry_their_respondents_segments() {
    let f = sample();
    let count = |sql: &str| -> i64 {
        let batches = f.engine.block_on(f.engine.snapshot().sql(sql)).unwrap_or_else(|e| panic!("{e}: {sql}"));
        let b = batches.first().expect("a row");
        arrow::compute::cast(b.column(0), &arrow::datatypes::DataType::Int64)
            .expect("cast")
            .as_any()
            .downcast_ref::<arrow::array::Int64Array>()
            .expect("int")
            .value(0)
    };
    let mut checked = 0;
    for fy in [2014, 2020, 2026] {
        for (column, value) in [("profession", "'医師'"), ("age_band", "'40代'"), ("prefecture_code", "13")] {
            let ours =
                count(&format!("SELECT COUNT(*) FROM survey_answers WHERE fiscal_year = {fy} AND {column} = {value}"));
            let duckdb = duck(&format!(
                "SELECT COUNT(*) FROM survey_answers a JOIN survey_responses r
                   ON r.fiscal_year = a.fiscal_year AND r.response_id = a.response_id
                 WHERE a.superseded_by IS NULL AND r.superseded_by IS NULL AND a.fiscal_year = {fy}
                   AND r.{column} = {value}"
            ));
            assert_eq!(ours, duckdb, "{fy} {column} = {value}");
            assert!(ours > 0, "{fy} {column} = {value}: no answers to compare");
            checked += 1;
        }
    }
    assert_eq!(checked, 9);
    // Answers without a stated 職種 (or without a response) stay unknown, not dropped.
    let unknown = count("SELECT COUNT(*) FROM survey_answers WHERE profession IS NULL");
    let duckdb = duck(
        "SELECT COUNT(*) FROM survey_answers a LEFT JOIN survey_responses r
           ON r.fiscal_year = a.fiscal_year AND r.response_id = a.response_id AND r.superseded_by IS NULL
         WHERE a.superseded_by IS NULL AND r.profession IS NULL",
    );
    assert_eq!(unknown, duckdb);
}

/// "What did the board see in April": the engine over the store as an earlier load saw it
/// gives what that roster said, whatever later loads added.
#[test]
fn a_past_load_reproduces_what_its_roster_said() {
    let fx = sample();
    let (physicians_then, roster_said) = {
        let wh = fx.warehouse.lock().expect("lock");
        let load = wh
            .loads()
            .expect("loads")
            .into_iter()
            .find(|l| l.dataset == "members" && l.as_of.map(|d| d.to_string()).as_deref() == Some("2026-03-31"))
            .expect("the 2026-03-31 roster load");
        let rows = wh
            .query_i64(
                "SELECT COUNT(*) FROM member_snapshots WHERE as_of = DATE '2026-03-31' AND category = '正会員'
                   AND profession = '医師' AND (left_on IS NULL OR left_on > DATE '2026-03-31')",
            )
            .expect("count");
        let engine = queries::Engine::open(&wh, Some(load.load_id)).expect("engine at load");
        let r =
            engine.evaluate(&committee("members.physician_share").as_of(date("2026-03-31"))).expect("evaluate at load");
        assert!(r.provenance.load_ids.iter().all(|id| *id <= load.load_id));
        assert_eq!(r.provenance.at_load, load.load_id);
        (int(&r, &[], "physicians"), rows)
    };
    assert_eq!(physicians_then, roster_said);
    // The latest snapshot knows more (later rosters), yet evaluating at the old load is stable.
    let latest = eval(committee("members.physician_share").as_of(date("2026-03-31")));
    assert!(int(&latest, &[], "physicians") > 0);
}

/// Retention per member, straight from DuckDB's `members`: the Kaplan–Meier estimate of
/// each cohort with every member as a subject of their own (nothing cut, nothing grouped),
/// against the metric, which reads tenures grouped and cut at the last horizon.
#[test]
fn retention_equals_a_per_member_estimate_on_several_dates() {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::Int64Type;
    use queries::stats::{Subject, kaplan_meier};
    use std::collections::BTreeMap;

    let fx = sample();
    let first = *fx.engine.snapshot().roster_dates().first().expect("a roster");
    let epoch = date("1970-01-01");
    let days = |d: chrono::NaiveDate| (d - epoch).num_days();
    let batches = fx
        .warehouse
        .lock()
        .expect("lock")
        .query_arrow(
            "SELECT CAST(year(joined_on) - CASE WHEN month(joined_on) < 4 THEN 1 ELSE 0 END AS BIGINT) AS cohort,
                    CAST(joined_on - DATE '1970-01-01' AS BIGINT) AS j, CAST(left_on - DATE '1970-01-01' AS BIGINT) AS l
             FROM members WHERE superseded_by IS NULL",
        )
        .expect("members");
    let mut members: Vec<(i64, i64, Option<i64>)> = Vec::new();
    for b in &batches {
        let (c, j, l) = (
            b.column(0).as_primitive::<Int64Type>(),
            b.column(1).as_primitive::<Int64Type>(),
            b.column(2).as_primitive::<Int64Type>(),
        );
        for r in 0..b.num_rows() {
            members.push((c.value(r), j.value(r), l.is_valid(r).then(|| l.value(r))));
        }
    }
    for d in ["2018-06-30", "2021-03-31", "2023-09-30", "2026-10-31"] {
        let dd = days(date(d));
        let mut cohorts: BTreeMap<i64, (Vec<Subject>, i64, i64)> = BTreeMap::new();
        for &(cohort, j, l) in members.iter().filter(|m| m.1 <= dd) {
            let left = l.is_some_and(|l| l <= dd);
            let time = if left { l.unwrap_or(dd) - j } else { dd - j };
            let c = cohorts.entry(cohort).or_default();
            c.0.push(Subject {
                entry: (days(first) - j).max(0) as f64,
                time: time.max(i64::from(left)) as f64,
                event: left,
                count: 1,
            });
            c.1 += 1;
            c.2 += i64::from(left);
        }
        let r = eval(committee("members.retention").as_of(date(d)));
        assert_eq!(r.rows.len(), cohorts.len(), "{d}: cohorts");
        for (cohort, (subjects, n, left)) in cohorts {
            let key = cohort.to_string();
            assert_eq!(int(&r, &[&key], "members"), n, "{d} cohort {cohort}: members");
            assert_eq!(int(&r, &[&key], "left"), left, "{d} cohort {cohort}: left");
            let expected = kaplan_meier(&subjects, &[365.0, 1096.0, 1826.0]);
            for (col, e) in ["retained_1y_pct", "retained_3y_pct", "retained_5y_pct"].iter().zip(expected) {
                let got = r.get(&[&key], col).and_then(|v| v.as_f64());
                match (got, e) {
                    (Some(g), Some(e)) => {
                        assert!((g - 100.0 * e).abs() < 1e-9, "{d} cohort {cohort} {col}: {g} vs {e}")
                    }
                    (None, None) => {}
                    other => panic!("{d} cohort {cohort} {col}: {other:?}"),
                }
            }
        }
    }
}
