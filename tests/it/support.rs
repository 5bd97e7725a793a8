//! Running the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_oncometrics");

/// The crate's directory, read when the test runs (cargo sets it) rather than baked in at
/// compile time: CI reuses one target directory across clones, so a test binary built in
/// another clone must still read this clone's files.
pub fn repo() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

/// Runs `oncometrics` with a warehouse in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(repo())
        .env("ONCOMETRICS_WAREHOUSE", dir.join("wh.duckdb"))
        .env("ONCOMETRICS_KEY_FILE", dir.join("keys/k.key"))
        .env_remove("ONCOMETRICS_LAKE")
        .env_remove("ONCOMETRICS_ENGINE")
        .args(args)
        .output()
        .expect("run oncometrics")
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}
