//! The SQL console: what it answers, and the attack list it must refuse or contain.

use std::time::{Duration, Instant};

use queries::Value;
use queries::console::{Console, Limits};

use crate::support::sample;

fn console(limits: Limits) -> Console {
    let engine = &sample().engine;
    engine.block_on(Console::build(engine.snapshot(), limits)).expect("console")
}

fn run(c: &Console, sql: &str) -> Result<queries::console::Answer, String> {
    sample().engine.block_on(c.run("tester", sql)).map_err(|e| e.to_string())
}

#[test]
fn answers_selects_over_public_and_aggregate_tables() {
    let c = console(Limits::default());
    let a = run(&c, "SELECT count(*) AS n FROM areas WHERE area_set = 'R7'").expect("runs");
    assert_eq!(a.rows, vec![vec![Value::Int(339)]]);
    let a = run(
        &c,
        "SELECT p.region, count(*) AS areas, sum(a.population_2020) AS population FROM areas a
         JOIN prefecture_regions p ON a.prefecture_code = p.prefecture_code
         WHERE a.area_set = 'R7' GROUP BY p.region ORDER BY p.region",
    )
    .expect("runs");
    assert_eq!(a.rows.len(), 8, "8 地方区分");
    let areas: i64 = a.rows.iter().filter_map(|r| r[1].as_i64()).sum();
    assert_eq!(areas, 339);
    let a = run(&c, "SELECT sum(members) FROM members_by_prefecture").expect("typed as numbers although withheld");
    assert_eq!(a.rows.len(), 1);
    // Column types are described by their SQL names, not the engine's storage types.
    let areas = c.tables.iter().find(|t| t.name == "areas").expect("areas described");
    let ty = |col: &str| areas.columns.iter().find(|(n, _)| n == col).map(|(_, t)| t.as_str());
    assert_eq!(ty("area_set"), Some("VARCHAR"), "{:?}", areas.columns);
    assert_eq!(ty("population_2020"), Some("BIGINT"), "{:?}", areas.columns);
    let names: Vec<&str> = c.tables.iter().map(|t| t.name).collect();
    for t in ["members", "member_history", "survey_responses", "survey_answers", "specialists", "member_spells"] {
        assert!(!names.contains(&t), "person-level table {t} must not be in the console");
        assert!(run(&c, &format!("SELECT * FROM {t}")).is_err(), "{t} readable");
    }
}

#[test]
fn aggregates_equal_the_researchers_suppressed_metric() {
    let c = console(Limits::default());
    let r = crate::support::eval(
        queries::Request::new("members.composition", queries::Audience::Researcher).as_of(c.as_of).by("category,sex"),
    );
    let a = run(&c, "SELECT * FROM members_by_sex").expect("runs");
    assert_eq!(a.rows.len(), r.rows.len());
    for (got, want) in a.rows.iter().zip(&r.rows) {
        for (g, w) in got.iter().zip(want) {
            match w {
                Value::Suppressed => assert_eq!(*g, Value::Null, "withheld cells are NULL"),
                w => assert_eq!(g.display(), w.display()),
            }
        }
    }
}

#[test]
fn the_attack_list_is_refused() {
    let c = console(Limits::default());
    for sql in [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM 'file:///etc/passwd'",
        "CREATE EXTERNAL TABLE p STORED AS CSV LOCATION '/etc/passwd'",
        "COPY (SELECT 1) TO '/tmp/oncometrics-console-copy.csv'",
        "COPY areas TO '/tmp/oncometrics-console-copy.parquet'",
        "ATTACH '/tmp/x.duckdb' AS x",
        "INSERT INTO areas VALUES ('x', 1, 'x', 'x', 1, 1.0)",
        "DELETE FROM areas",
        "DROP TABLE areas",
        "CREATE TABLE t AS SELECT 1",
        "CREATE VIEW v AS SELECT 1",
        "SET datafusion.execution.enable_recursive_ctes = true",
        "SELECT 1; SELECT 2",
        "SELECT 1; DROP TABLE areas",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
        "EXPLAIN ANALYZE SELECT 1",
    ] {
        assert!(run(&c, sql).is_err(), "accepted: {sql}");
    }
    assert!(!std::path::Path::new("/tmp/oncometrics-console-copy.csv").exists());
    assert_eq!(run(&c, "SELECT count(*) FROM areas").expect("still there").rows.len(), 1);
}

fn stopped(sql: &str) {
    let c = console(Limits {
        timeout: Duration::from_secs(2),
        max_rows: 100,
        memory_bytes: 64 * 1024 * 1024,
        ..Limits::default()
    });
    let started = Instant::now();
    let r = run(&c, sql);
    let took = started.elapsed();
    assert!(r.is_err(), "{sql} finished: {:?}", r.map(|a| a.rows.len()));
    assert!(took < Duration::from_secs(20), "{sql} was not stopped in time ({took:?})");
    // The console keeps working afterwards.
    assert!(run(&c, "SELECT 1").is_ok());
}

#[test]
fn a_cross_join_of_the_largest_tables_is_stopped() {
    stopped(
        "SELECT count(DISTINCT concat(a.hospital, b.hospital, c.area_code)) FROM hospitals a, hospitals b, areas c",
    );
}

#[test]
fn a_sorted_cross_join_is_stopped() {
    stopped(
        "SELECT a.hospital, b.hospital, c.area_name FROM hospitals a CROSS JOIN hospitals b CROSS JOIN areas c ORDER BY 1, 2, 3",
    );
}

#[test]
fn an_endless_series_is_not_available_or_stopped() {
    stopped("SELECT count(*) FROM generate_series(1, 10000000000) t(v)");
}

#[test]
fn results_stop_at_the_row_limit() {
    let c = console(Limits { max_rows: 50, ..Limits::default() });
    let a = run(&c, "SELECT * FROM hospitals").expect("runs");
    assert_eq!(a.rows.len(), 50);
    assert!(a.truncated);
    let a = run(&c, "SELECT * FROM prefecture_regions").expect("runs");
    assert_eq!((a.rows.len(), a.truncated), (47, false));
}

#[test]
fn results_stop_at_the_byte_limit() {
    let c = console(Limits { max_result_bytes: 64 * 1024, ..Limits::default() });
    let a = run(&c, "SELECT repeat('x', 1000) AS s FROM generate_series(1, 5000) t(v)").expect("runs");
    assert!(a.truncated, "cut by size");
    assert!(!a.rows.is_empty() && a.rows.len() < 200, "{} rows of 1 kB in 64 kB", a.rows.len());
}

#[test]
fn errors_point_at_the_sql_and_hide_the_engine() {
    let c = console(Limits::default());
    let e = run(&c, "SELEC 1").expect_err("syntax");
    assert!(e.starts_with("SQL の構文エラーです"), "{e}");
    let e = run(&c, "SELECT nope FROM areas").expect_err("column");
    assert!(e.contains("nope"), "names the user's column: {e}");
    let e = run(&c, "SELECT 1 / 0").expect_err("division");
    assert!(e.starts_with("0 で割り算"), "{e}");
    for e in [e, run(&c, "SELECT * FROM members").expect_err("no table")] {
        assert!(!e.contains("backtrace") && !e.contains("DataFusion") && !e.contains("datafusion"), "{e}");
    }
}

#[test]
fn every_crash_input_of_the_console_gate_returns() {
    let dir = crate::support::repo().join("fuzz/regressions/console_gate");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if path.file_name().is_some_and(|n| n != ".keep") {
            queries::console::engine::fuzz_gate(&std::fs::read(&path).expect("read"));
        }
    }
    for sql in ["", "SELECT", "COPY areas TO '/tmp/x'", "WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r", "SELECT 1;;;"]
    {
        queries::console::engine::fuzz_gate(sql.as_bytes());
    }
}

/// sqlparser 0.62 parses the rest of a dotted name again at every `.`: 2^n work that ran for
/// 29 s on the fuzzer's 298 bytes (fuzz/regressions/console_gate/compound-name-chain-parse-29s.sql).
#[test]
fn a_long_dotted_name_is_refused_as_too_complex_instead_of_parsed_for_seconds() {
    let c = console(Limits::default());
    let finding = crate::support::repo().join("fuzz/regressions/console_gate/compound-name-chain-parse-29s.sql");
    let finding = String::from_utf8_lossy(&std::fs::read(&finding).expect("read")).into_owned();
    let chain = format!("SELECT a{}[e", ".a".repeat(24));
    let keywords = format!("SELECT a{}", ".not-b".repeat(24));
    for sql in [finding, chain, keywords] {
        let e = run(&c, &sql).expect_err("refused");
        assert!(e.starts_with("SQL が複雑すぎて"), "{e}");
    }
    // Names as long as any real one still parse.
    let a = run(&c, "SELECT datafusion.public.areas.area_code FROM datafusion.public.areas LIMIT 1").expect("runs");
    assert_eq!(a.rows.len(), 1);
}

/// The budgeted dialect must read SQL exactly as DataFusion's own generic dialect does.
#[test]
fn the_budgeted_dialect_parses_as_the_generic_dialect() {
    use datafusion::sql::parser::DFParserBuilder;
    use datafusion::sql::sqlparser::dialect::GenericDialect;
    use queries::console::parse::{Budgeted, PREFIX_BUDGET};
    let corpus = [
        "SELECT p.region, count(*) AS areas, sum(a.population_2020) AS population FROM areas a \
         JOIN prefecture_regions p ON a.prefecture_code = p.prefecture_code WHERE a.area_set = 'R7' \
         GROUP BY p.region ORDER BY population DESC",
        "WITH t AS (SELECT area_code, population_2020 AS n FROM areas) SELECT * FROM t WHERE n > 10 LIMIT 5",
        "SELECT t.interval, t.key, `x`, \"y\", #z, @w, a$b FROM t",
        "SELECT CASE WHEN a IS NULL THEN 0 ELSE a END, CAST(b AS DOUBLE), c::int, d[1], e[1:2] FROM t",
        "SELECT rank() OVER (PARTITION BY g ORDER BY v DESC NULLS LAST) FROM t QUALIFY 1 = 1",
        "SELECT x FROM t WHERE y IN (SELECT y FROM u) AND NOT EXISTS (SELECT 1 FROM v WHERE v.y = t.y)",
        "SELECT extract(year FROM d), date_trunc('month', d), INTERVAL '1 month', d - INTERVAL '3' DAY FROM t",
        "SELECT {'a': 1}, [1, 2, 3], MAP {'k': 1}, 1 << 2, 'a' || 'b', E'\\n', U&'\\0041' FROM t",
        "SELECT * EXCLUDE (a) FROM t; SELECT 1,",
        "SELECT a FROM t GROUP BY ALL ORDER BY ALL",
        "SELECT count(*) FILTER (WHERE x > 1) FROM t /* comment /* nested */ */ -- end",
        "SELECT 1 FROM (((t)))",
        "SELEC 1",
    ];
    for sql in corpus {
        let generic =
            DFParserBuilder::new(sql).with_dialect(&GenericDialect {}).build().and_then(|mut p| p.parse_statements());
        let budgeted = Budgeted::new(PREFIX_BUDGET);
        let ours = DFParserBuilder::new(sql).with_dialect(&budgeted).build().and_then(|mut p| p.parse_statements());
        assert_eq!(format!("{ours:?}"), format!("{generic:?}"), "{sql}");
        assert!(budgeted.used() > 0 || ours.is_err(), "{sql}: the hook was not called");
    }
}

/// A query of the console's largest size, written as people write SQL, stays far inside the
/// parser's work budget.
#[test]
fn the_longest_ordinary_query_is_inside_the_parse_budget() {
    use datafusion::sql::parser::DFParserBuilder;
    use queries::console::parse::{Budgeted, PREFIX_BUDGET};
    let mut sql = String::from("SELECT a.area_code,\n CASE");
    let mut i = 0;
    while sql.len() < 19_000 {
        sql.push_str(&format!(
            "\n  WHEN (a.population_2020 + coalesce(h.n, 0)) / nullif(a.area_km2, 0) > {i} AND a.prefecture_code IN ('{i:02}', '{:02}') THEN '{i}'",
            i + 1
        ));
        i += 1;
    }
    sql.push_str("\n END AS band\nFROM areas a LEFT JOIN (SELECT area_code, count(*) AS n FROM hospitals GROUP BY area_code) h ON h.area_code = a.area_code");
    assert!(sql.len() <= 20_000);
    let budgeted = Budgeted::new(PREFIX_BUDGET);
    let parsed =
        DFParserBuilder::new(sql.as_str()).with_dialect(&budgeted).build().and_then(|mut p| p.parse_statements());
    assert!(parsed.is_ok(), "{parsed:?}");
    assert!(budgeted.used() * 10 < PREFIX_BUDGET, "{} of {PREFIX_BUDGET} expression starts", budgeted.used());
    let c = console(Limits::default());
    run(&c, &sql).expect("runs");
}
