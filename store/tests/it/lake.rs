//! The Parquet lake: written after commit, repaired on open.

use store::Warehouse;

use crate::loads::load;

fn parquet_rows(path: &std::path::Path) -> i64 {
    use parquet::file::reader::FileReader;
    let f = std::fs::File::open(path).expect("open parquet");
    parquet::file::reader::SerializedFileReader::new(f).expect("parquet").metadata().file_metadata().num_rows()
}

#[test]
fn each_committed_load_is_a_partition_with_its_rows() {
    let d = tempfile::tempdir().expect("dir");
    let lake = d.path().join("lake");
    let mut wh = Warehouse::open(&d.path().join("w.duckdb"), &lake).expect("open");
    load(&mut wh, "a.csv", "R7", &["0101", "0102"]);
    load(&mut wh, "b.csv", "R7", &["0101"]);
    assert_eq!(parquet_rows(&lake.join("areas/load_id=1/part-0.parquet")), 2);
    assert_eq!(parquet_rows(&lake.join("areas/load_id=2/part-0.parquet")), 1);
    assert_eq!(parquet_rows(&lake.join("loads/loads.parquet")), 2);
    assert!(!lake.join(".staging").exists());
}

#[test]
fn opening_repairs_a_missing_partition_and_drops_orphans_and_staging() {
    let d = tempfile::tempdir().expect("dir");
    let lake = d.path().join("lake");
    {
        let mut wh = Warehouse::open(&d.path().join("w.duckdb"), &lake).expect("open");
        load(&mut wh, "a.csv", "R7", &["0101", "0102"]);
    }
    // A crash after commit but before export; a leftover staging dir; a partition of a load that never committed.
    std::fs::remove_dir_all(lake.join("areas/load_id=1")).expect("rm");
    std::fs::create_dir_all(lake.join(".staging/areas.2")).expect("staging");
    std::fs::write(lake.join(".staging/areas.2/part-0.parquet"), b"PAR1 half").expect("half file");
    std::fs::create_dir_all(lake.join("areas/load_id=9")).expect("orphan");
    let _wh = Warehouse::open(&d.path().join("w.duckdb"), &lake).expect("reopen");
    assert_eq!(parquet_rows(&lake.join("areas/load_id=1/part-0.parquet")), 2);
    assert!(!lake.join(".staging").exists());
    assert!(!lake.join("areas/load_id=9").exists());
}

#[test]
fn a_new_warehouse_beside_another_warehouses_lake_is_refused_and_deletes_nothing() {
    // Found by pointing ONCOMETRICS_WAREHOUSE at a mistyped file: the new, empty warehouse
    // "repaired" the lake beside it by deleting every partition of the real one.
    let d = tempfile::tempdir().expect("dir");
    let lake = d.path().join("lake");
    {
        let mut wh = Warehouse::open(&d.path().join("w.duckdb"), &lake).expect("open");
        load(&mut wh, "a.csv", "R7", &["0101", "0102"]);
    }
    let other = Warehouse::open(&d.path().join("typo.duckdb"), &lake);
    let msg = other.expect_err("refused").to_string();
    assert!(msg.contains("belongs to another warehouse") && msg.contains("--lake"), "{msg}");
    assert_eq!(parquet_rows(&lake.join("areas/load_id=1/part-0.parquet")), 2, "the lake is untouched");

    // A lake written before owner files existed is adopted by the warehouse that has loads,
    // and still refused to one that has none.
    std::fs::remove_file(lake.join(store::OWNER_FILE)).expect("rm owner");
    assert!(Warehouse::open(&d.path().join("typo2.duckdb"), &lake).is_err());
    let wh = Warehouse::open(&d.path().join("w.duckdb"), &lake).expect("the owner reopens");
    let owner = std::fs::read_to_string(lake.join(store::OWNER_FILE)).expect("owner file");
    assert_eq!(owner.trim(), wh.id().expect("id"));
    drop(wh);
    // Its own lake elsewhere works for the second warehouse.
    let own = Warehouse::open(&d.path().join("typo.duckdb"), &d.path().join("lake2")).expect("own lake");
    assert_ne!(own.id().expect("id"), owner.trim());
}

#[test]
fn a_large_batch_is_staged_as_two_files_that_hold_every_row_once_in_order() {
    let d = tempfile::tempdir().expect("dir");
    let lake = d.path().join("lake");
    let mut wh = Warehouse::open(&d.path().join("w.duckdb"), &lake).expect("open");
    let codes: Vec<String> = (0..500_000).map(|i| format!("{:02}{i:06}", 1 + i % 47)).collect();
    let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
    load(&mut wh, "big.csv", "R7", &refs);
    let part = lake.join("areas/load_id=1");
    let (a, b) = (parquet_rows(&part.join("part-0.parquet")), parquet_rows(&part.join("part-1.parquet")));
    assert_eq!((a + b, a > 0 && b > 0), (500_000, true));
    assert!(!part.join("part-2.parquet").exists());
    assert_eq!(wh.query_i64("SELECT COUNT(DISTINCT area_code) FROM areas").expect("count"), 500_000);
    // DuckDB read the parts in order: row numbers rise with insertion order.
    let sql = "SELECT COUNT(*) FROM (SELECT row_no - LAG(row_no) OVER () AS step FROM areas) WHERE step <> 1";
    assert_eq!(wh.query_i64(sql).expect("order"), 0);
}
