//! The bundled sample, loaded once into a temporary warehouse for all tests.

#[path = "../../../tests/shared/fixture_dir.rs"]
pub mod fixture_dir;

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
        let dir = fixture_dir::fixture_tempdir();
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

/// Regression: the fixtures above live in statics, which are never dropped, so every test run
/// left its warehouses in the temporary directory. A fixture directory of an ended process is
/// removed when the next one is made; this process's stay.
#[test]
fn fixture_directories_of_ended_processes_are_removed() {
    let tmp = tempfile::tempdir().expect("tmp");
    // A process id above Linux's largest (2^22) has never run.
    let ended = tmp.path().join(format!("{}4194399-abc", fixture_dir::PREFIX));
    let ours = tmp.path().join(format!("{}{}-abc", fixture_dir::PREFIX, std::process::id()));
    let other = tmp.path().join("someone-else-4194399");
    for d in [&ended, &ours, &other] {
        std::fs::create_dir_all(d.join("lake")).expect("mkdir");
    }
    fixture_dir::sweep(tmp.path());
    assert!(!ended.exists(), "an ended process's fixture is removed");
    assert!(ours.exists() && other.exists(), "this process's fixture and other files stay");
    let made = fixture_dir::fixture_tempdir();
    let name = made.path().file_name().expect("name").to_string_lossy().into_owned();
    assert!(name.starts_with(&format!("{}{}-", fixture_dir::PREFIX, std::process::id())), "{name}");
}
