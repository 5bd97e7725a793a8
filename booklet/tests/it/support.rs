//! The bundled sample, loaded once into a temporary warehouse; a fresh application database
//! with the sample editions per test; the poppler tools.

#[path = "../../../tests/shared/fixture_dir.rs"]
pub mod fixture_dir;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use queries::Engine;
use store::AppDb;

pub struct Fixture {
    _dir: tempfile::TempDir,
    pub engine: Engine,
    /// The last load of the sample: the editions' `at_load`.
    pub at_load: i64,
}

pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

pub fn sample() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = fixture_dir::fixture_tempdir();
        let wh = ingest::sample::load::into_new_warehouse(dir.path(), &manifest_dir().join("../data/sample"))
            .expect("load the bundled sample");
        let at_load = wh.loads().expect("loads").last().expect("a load").load_id;
        let engine = Engine::open(&wh, Some(at_load)).expect("engine");
        Fixture { _dir: dir, engine, at_load }
    })
}

/// A fresh application database holding the sample editions.
pub fn app_db() -> (tempfile::TempDir, AppDb) {
    let dir = fixture_dir::fixture_tempdir();
    let db = AppDb::open(&dir.path().join("app.duckdb")).expect("app db");
    assert!(booklet::sample::install(&db, sample().at_load).expect("install the sample editions"));
    (dir, db)
}

/// Runs a poppler tool (installed by scripts/setup.sh) and returns its stdout.
pub fn poppler(tool: &str, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils, installed by scripts/setup.sh): {e}"));
    assert!(out.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The text of each page of a PDF, in order.
pub fn pages(pdf: &Path) -> Vec<String> {
    let all = poppler("pdftotext", &[pdf.as_os_str(), std::ffi::OsStr::new("-")]);
    let mut pages: Vec<String> = all.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}
