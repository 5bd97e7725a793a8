//! Running the binary.

use std::path::Path;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_oncometrics");

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `oncometrics` with a warehouse in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(repo())
        .env("ONCOMETRICS_WAREHOUSE", dir.join("wh.duckdb"))
        .env("ONCOMETRICS_KEY_FILE", dir.join("keys/k.key"))
        .env_remove("ONCOMETRICS_LAKE")
        .args(args)
        .output()
        .expect("run oncometrics")
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}
