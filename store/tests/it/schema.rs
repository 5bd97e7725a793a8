//! A warehouse made by an older build opens in this one.

use store::Warehouse;

/// Columns added after schema version 1 (JBCT 申請資格: licence, membership) are added to a
/// warehouse that lacks them when it is opened, and its rows stay.
#[test]
fn a_warehouse_without_the_eligibility_columns_gains_them_on_open() {
    let d = tempfile::tempdir().expect("dir");
    let (path, lake) = (d.path().join("w.duckdb"), d.path().join("lake"));
    drop(Warehouse::open(&path, &lake).expect("open"));
    {
        let c = duckdb::Connection::open(&path).expect("duckdb");
        c.execute_batch(
            "ALTER TABLE jbct_renewals DROP COLUMN licence; ALTER TABLE jbct_renewals DROP COLUMN membership;
             INSERT INTO jbct_renewals VALUES (1, NULL, 1, 2026, '2022-00001', NULL, DATE '2022-04-01', false, false, NULL, NULL)",
        )
        .expect("make it old");
    }
    let wh = Warehouse::open(&path, &lake).expect("reopen");
    let added = wh
        .query_i64(
            "SELECT COUNT(*) FROM information_schema.columns
             WHERE table_name = 'jbct_renewals' AND column_name IN ('licence', 'membership')",
        )
        .expect("columns");
    assert_eq!(added, 2);
    assert_eq!(wh.query_i64("SELECT COUNT(*) FROM jbct_renewals WHERE licence IS NULL").expect("rows"), 1);
}
