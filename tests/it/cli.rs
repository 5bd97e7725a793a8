//! The command line as a user meets it.

use std::process::Command;

use crate::support::*;

#[test]
fn demo_loads_the_bundled_sample_and_reports_status_then_skips_it_the_second_time() {
    let d = tempfile::tempdir().expect("dir");
    let o = run(d.path(), &["demo"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("サンプル・架空データ"), "{out}");
    assert!(out.contains("member_history"), "{out}");
    for ds in ["members", "survey_responses", "specialists", "designations", "hospital_volumes", "areas", "hospitals"] {
        assert!(out.contains(ds), "{ds} missing: {out}");
    }
    let again = run(d.path(), &["demo"]);
    assert!(again.status.success());
    assert!(text(&again).contains("already loaded"), "{}", text(&again));

    let loads = run(d.path(), &["loads", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&loads.stdout).expect("json");
    let n = v.as_array().map_or(0, Vec::len);
    assert!(n >= 14, "{n} loads");
    assert!(v[0]["file_sha256"].as_str().is_some_and(|s| s.len() == 64));

    // The lake holds every committed load, readable by DuckDB as a researcher would read it.
    let conn = duckdb::Connection::open_in_memory().expect("duckdb");
    let lake = d.path().join("lake");
    let sql = format!(
        "SELECT COUNT(DISTINCT load_id), COUNT(*) FROM read_parquet('{}/member_snapshots/*/*.parquet', hive_partitioning = true)",
        lake.display()
    );
    let (loads_in_lake, rows): (i64, i64) =
        conn.query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?))).expect("read lake");
    assert_eq!(loads_in_lake, 5);
    let st = run(d.path(), &["status", "--format", "json"]);
    let s: serde_json::Value = serde_json::from_slice(&st.stdout).expect("status json");
    let snap_rows = s["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["table"] == "member_snapshots"))
        .map(|t| t["all_rows"].as_i64());
    assert_eq!(snap_rows.flatten(), Some(rows));

    // …and by pyarrow and polars (installed by scripts/setup.sh).
    let py = format!(
        "import pyarrow.dataset as ds, polars as pl, duckdb\n\
         a = ds.dataset('{lake}/areas', partitioning='hive').to_table()\n\
         assert a.num_rows >= 339 and 'load_id' in a.column_names, a.schema\n\
         p = pl.scan_parquet('{lake}/member_history/**/*.parquet', hive_partitioning=True).collect()\n\
         assert p.height > 0 and 'load_id' in p.columns\n\
         n = duckdb.connect().execute(\"select count(*) from read_parquet('{lake}/loads/loads.parquet')\").fetchone()[0]\n\
         assert n == {n}, n\n\
         print('ok')\n",
        lake = lake.display()
    );
    let o = Command::new("python3").arg("-c").arg(&py).output().expect("python3");
    assert!(
        o.status.success(),
        "pyarrow/polars/duckdb could not read the lake (run scripts/setup.sh): {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_rejected_load_exits_non_zero_and_writes_a_reject_file() {
    let d = tempfile::tempdir().expect("dir");
    let f = d.path().join("bad.csv");
    std::fs::write(&f, "会員番号,会員種別,職種,入会日\nA,正会員,医師,平成31年5月1日\n").expect("write");
    let o = run(d.path(), &["ingest", "members", f.to_str().expect("utf8"), "--as-of", "2026-03-31"]);
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("bad.csv:2 [入会日] '平成31年5月1日'"), "{out}");
    assert!(out.contains("ストアは変更されていません"), "{out}");
    let rejects = std::fs::read_dir(d.path().join("rejects")).expect("rejects dir").count();
    assert_eq!(rejects, 1);
    let st = run(d.path(), &["status", "--format", "json"]);
    let s: serde_json::Value = serde_json::from_slice(&st.stdout).expect("json");
    assert_eq!(s["loads"], 0);
}

#[test]
fn bad_arguments_are_clear_errors_not_panics() {
    let d = tempfile::tempdir().expect("dir");
    let o = run(d.path(), &["ingest", "nosuch", "x.csv"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("unknown dataset 'nosuch'"), "{}", text(&o));
    let o = run(d.path(), &["ingest", "members", "/nonexistent/file.csv", "--as-of", "2026-03-31"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("/nonexistent/file.csv"), "{}", text(&o));
    let o = run(d.path(), &["ingest", "members", "x.csv", "--as-of", "平成31年5月1日"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("存在しない和暦"), "{}", text(&o));
    assert!(!text(&o).contains("panicked"));
}

#[test]
fn docs_formats_md_is_generated_from_the_code() {
    let expected = ingest::formats::markdown();
    let actual = std::fs::read_to_string(repo().join("docs/formats.md")).expect("docs/formats.md");
    assert!(expected == actual, "docs/formats.md is stale: run `cargo run -- formats --out docs/formats.md`");
}

#[test]
fn docs_renewals_md_is_generated_from_the_rules() {
    let expected = model::renewal::docs::markdown();
    let actual = std::fs::read_to_string(repo().join("docs/renewals.md")).expect("docs/renewals.md");
    assert!(expected == actual, "docs/renewals.md is stale: run `cargo run -- renewals --rules > docs/renewals.md`");
}

#[test]
fn the_bundled_sample_is_what_the_generator_makes() {
    let d = tempfile::tempdir().expect("dir");
    let m = ingest::sample::generate(d.path(), &repo().join("data/reference"), 1, 20260117).expect("generate");
    let bundled: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("data/sample/MANIFEST.json")).expect("manifest"))
            .expect("json");
    for f in &m.files {
        let b = bundled["files"].as_array().and_then(|fs| fs.iter().find(|x| x["path"] == f.path.as_str()));
        assert_eq!(
            b.and_then(|b| b["sha256"].as_str()),
            Some(f.sha256.as_str()),
            "{} differs: regenerate with `cargo run -- sample --out data/sample`",
            f.path
        );
    }
}
