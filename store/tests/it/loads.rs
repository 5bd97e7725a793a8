//! Load transactions: commit, rollback, supersession and history.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use store::schema::AREAS;
use store::{LoadMeta, Warehouse};

pub fn areas_batch(set: &str, codes: &[&str]) -> RecordBatch {
    let n = codes.len();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values((2..).take(n))),
        Arc::new(StringArray::from(vec![set; n])),
        Arc::new(Int32Array::from(codes.iter().map(|c| c[..2].parse::<i32>().unwrap_or(0)).collect::<Vec<_>>())),
        Arc::new(StringArray::from(codes.to_vec())),
        Arc::new(StringArray::from(vec!["区域"; n])),
        Arc::new(Int64Array::from(vec![Some(1000); n])),
        Arc::new(Float64Array::from(vec![Some(1.5); n])),
        Arc::new(StringArray::from(vec![None::<&str>; n])),
        Arc::new(StringArray::from(vec![None::<&str>; n])),
    ];
    RecordBatch::try_new(AREAS.payload_schema(), cols).expect("batch")
}

pub fn meta(name: &str) -> LoadMeta {
    LoadMeta {
        dataset: "areas".into(),
        file_name: name.into(),
        file_sha256: format!("{:0>64}", name.len()),
        file_bytes: 10,
        encoding: "UTF-8".into(),
        as_of: None,
        is_sample: false,
        started_at: chrono::Utc::now().naive_utc(),
        source: None,
    }
}

pub fn load(wh: &mut Warehouse, name: &str, set: &str, codes: &[&str]) -> i64 {
    let mut tx = wh.begin().expect("begin");
    let id = tx.start_load(meta(name)).expect("start");
    tx.append(&AREAS, &areas_batch(set, codes)).expect("append");
    tx.supersede(&AREAS).expect("supersede");
    tx.finish_load(codes.len() as i64, 0).expect("finish");
    tx.commit().expect("commit");
    id
}

#[test]
fn a_new_load_supersedes_rows_with_the_same_key_only() {
    let d = tempfile::tempdir().expect("dir");
    let mut wh = Warehouse::open(&d.path().join("w.duckdb"), &d.path().join("lake")).expect("open");
    let a = load(&mut wh, "r6.csv", "R6", &["0101", "0102"]);
    let b = load(&mut wh, "r7.csv", "R7", &["0101", "0102", "0103"]);
    let c = load(&mut wh, "r7b.csv", "R7", &["0101"]);
    assert_eq!((a, b, c), (1, 2, 3));
    let cur = |sql: &str| wh.query_i64(sql).expect(sql);
    assert_eq!(cur("SELECT COUNT(*) FROM areas WHERE superseded_by IS NULL AND area_set = 'R6'"), 2);
    assert_eq!(cur("SELECT COUNT(*) FROM areas WHERE superseded_by IS NULL AND area_set = 'R7'"), 1);
    assert_eq!(cur("SELECT COUNT(*) FROM areas WHERE superseded_by = 3"), 3);
    // What load 2 saw: R6 (2 rows) and R7 as load 2 delivered it (3 rows).
    assert_eq!(
        cur("SELECT COUNT(*) FROM areas WHERE load_id <= 2 AND (superseded_by IS NULL OR superseded_by > 2)"),
        5
    );
    let loads = wh.loads().expect("loads");
    assert_eq!(loads.len(), 3);
    assert_eq!(loads[1].file_name, "r7.csv");
    assert_eq!(loads[1].rows_accepted, 3);
}

#[test]
fn a_dropped_transaction_rolls_back_everything() {
    let d = tempfile::tempdir().expect("dir");
    let mut wh = Warehouse::open(&d.path().join("w.duckdb"), &d.path().join("lake")).expect("open");
    load(&mut wh, "a.csv", "R7", &["0101"]);
    {
        let mut tx = wh.begin().expect("begin");
        tx.start_load(meta("b.csv")).expect("start");
        tx.append(&AREAS, &areas_batch("R7", &["0102", "0103"])).expect("append");
        tx.supersede(&AREAS).expect("supersede");
        tx.finish_load(2, 0).expect("finish");
        // dropped without commit
    }
    assert_eq!(wh.query_i64("SELECT COUNT(*) FROM areas").expect("q"), 1);
    assert_eq!(wh.query_i64("SELECT COUNT(*) FROM areas WHERE superseded_by IS NOT NULL").expect("q"), 0);
    assert_eq!(wh.loads().expect("loads").len(), 1);
    assert!(!d.path().join("lake/areas/load_id=2").exists());
    assert!(!d.path().join("lake/.staging").exists(), "a rolled-back load leaves nothing staged");
    // The next load reuses id 2; nothing of the rolled-back attempt may reach its partition.
    assert_eq!(load(&mut wh, "c.csv", "R6", &["0101"]), 2);
    let conn = duckdb::Connection::open_in_memory().expect("duckdb");
    let rows: i64 = conn
        .query_row(
            &format!("SELECT COUNT(*) FROM read_parquet('{}/lake/areas/load_id=2/*.parquet')", d.path().display()),
            [],
            |r| r.get(0),
        )
        .expect("read partition");
    assert_eq!(rows, 1);
}

#[test]
fn a_batch_with_the_wrong_schema_is_refused() {
    let d = tempfile::tempdir().expect("dir");
    let mut wh = Warehouse::open(&d.path().join("w.duckdb"), &d.path().join("lake")).expect("open");
    let mut tx = wh.begin().expect("begin");
    tx.start_load(meta("x.csv")).expect("start");
    let wrong = RecordBatch::try_new(
        Arc::new(arrow::datatypes::Schema::new(vec![arrow::datatypes::Field::new(
            "x",
            arrow::datatypes::DataType::Int32,
            true,
        )])),
        vec![Arc::new(Int32Array::from(vec![1])) as ArrayRef],
    )
    .expect("batch");
    let e = tx.append(&AREAS, &wrong).expect_err("wrong schema");
    assert!(e.to_string().contains("areas"), "{e}");
}

#[test]
fn status_counts_current_rows_and_coverage() {
    let d = tempfile::tempdir().expect("dir");
    let mut wh = Warehouse::open(&d.path().join("w.duckdb"), &d.path().join("lake")).expect("open");
    load(&mut wh, "a.csv", "R7", &["0101", "0102"]);
    load(&mut wh, "b.csv", "R7", &["0101"]);
    let s = wh.status().expect("status");
    let areas = s.tables.iter().find(|t| t.table == "areas").expect("areas");
    assert_eq!((areas.current_rows, areas.all_rows, areas.loads), (1, 3, 2));
    assert_eq!(areas.coverage.as_deref(), Some("R7"));
    assert_eq!(s.loads, 2);
}
