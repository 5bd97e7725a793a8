//! The bundled sample, loaded once into a temporary warehouse, and the poppler tools that
//! read the generated PDFs back.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use queries::Engine;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub engine: Engine,
}

/// The crate's directory, read at run time (CI shares one target directory across clones).
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

pub fn sample() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let wh = ingest::sample::load::into_new_warehouse(dir.path(), &manifest_dir().join("../data/sample"))
            .expect("load the bundled sample");
        let engine = Engine::open(&wh, None).expect("engine");
        Fixture { dir, engine }
    })
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
