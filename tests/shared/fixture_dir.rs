//! A temporary directory for a fixture that a test binary keeps in a static. A static is never
//! dropped, so a `TempDir` held in one outlived every run: each `scripts/test` left its
//! warehouses in the temporary directory (gigabytes over a few days of runs). Such a directory is
//! named with the process id, and the next one made removes those of processes that have ended
//! (where `/proc` says which are running; elsewhere nothing is removed).
//!
//! Included by each crate's test support with `#[path]`: one copy, not one per crate.

use std::path::Path;

/// What the names of fixture directories start with, before the process id.
pub const PREFIX: &str = "oncometrics-fixture-";

/// A fresh temporary directory named for this process, after removing those of ended processes.
pub fn fixture_tempdir() -> tempfile::TempDir {
    sweep(&std::env::temp_dir());
    tempfile::Builder::new().prefix(&format!("{PREFIX}{}-", std::process::id())).tempdir().expect("tempdir")
}

/// Removes the fixture directories in `tmp` whose process has ended.
pub fn sweep(tmp: &Path) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(tmp) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name.strip_prefix(PREFIX).and_then(|rest| rest.split('-').next()).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !proc.join(pid.to_string()).exists()
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
