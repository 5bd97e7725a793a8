//! Puts a hash of the source code that computes derived tables (this crate's and `model`'s,
//! whose rules check the renewal applications) into `ONCOMETRICS_CODE_HASH`. A table built in
//! Rust and kept in a lake is keyed by it, so that a program whose code changed never reads
//! a table an older one built (the package version alone does not change with a fix).

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn main() {
    let mut all = Vec::new();
    for dir in ["src", "../model/src"] {
        println!("cargo:rerun-if-changed={dir}");
        files(Path::new(dir), &mut all);
    }
    all.sort();
    // FNV-1a over each file's path and text: a key, not a defence.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for path in &all {
        let text = std::fs::read(path).unwrap_or_default();
        for b in path.to_string_lossy().bytes().chain([0]).chain(text) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=ONCOMETRICS_CODE_HASH={h:016x}");
}
