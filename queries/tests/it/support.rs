//! The bundled sample, loaded once into a temporary warehouse for all tests.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use chrono::NaiveDate;
use queries::catalog::Request;
use queries::{Audience, Engine, MetricResult};
use store::Warehouse;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub warehouse: Mutex<Warehouse>,
    pub engine: Engine,
}

/// The crate's directory, read when the test runs (cargo sets it) rather than baked in at
/// compile time: CI reuses one target directory across clones, so a test binary built in
/// another clone must still read this clone's files.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

pub fn repo() -> PathBuf {
    manifest_dir().join("..")
}

/// The bundled sample (data/sample) in a warehouse of its own.
pub fn sample() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut wh = Warehouse::open(&dir.path().join("wh.duckdb"), &dir.path().join("lake")).expect("open");
        let reports = ingest::sample::load::load_dir(
            &mut wh,
            &repo().join("data/sample"),
            &dir.path().join("keys/k.key"),
            &dir.path().join("rejects"),
            &ingest::NoProgress,
            |_| {},
        )
        .expect("load the bundled sample");
        assert!(reports.iter().all(|r| r.outcome == ingest::pipeline::Outcome::Committed));
        let engine = Engine::open(&wh, None).expect("engine");
        Fixture { dir, warehouse: Mutex::new(wh), engine }
    })
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

pub fn eval(req: Request) -> MetricResult {
    sample().engine.evaluate(&req).unwrap_or_else(|e| panic!("{}: {e}", req.metric))
}

pub fn committee(metric: &str) -> Request {
    Request::new(metric, Audience::Committee)
}

/// An integer cell.
pub fn int(r: &MetricResult, key: &[&str], col: &str) -> i64 {
    r.get(key, col).and_then(|v| v.as_i64()).unwrap_or_else(|| panic!("{} {key:?} {col}", r.metric))
}

/// One integer from DuckDB over the same store.
pub fn duck(sql: &str) -> i64 {
    sample().warehouse.lock().expect("lock").query_i64(sql).unwrap_or_else(|e| panic!("{e}: {sql}"))
}
