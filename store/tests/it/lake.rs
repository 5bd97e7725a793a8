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
