//! Replays every input the fuzzers ever crashed on (`fuzz/regressions/<target>/`) through
//! the same harness functions the fuzz targets call: each must return, not panic.

use std::path::PathBuf;

use crate::support::repo;

type Target = (&'static str, fn(&[u8]));

const TARGETS: &[Target] = &[
    ("decode", ingest::fuzz_targets::decode),
    ("table", ingest::fuzz_targets::table),
    ("xlsx", ingest::fuzz_targets::xlsx),
    ("dates", ingest::fuzz_targets::dates),
    ("labels", ingest::fuzz_targets::labels),
    ("headers", ingest::fuzz_targets::header_map),
];

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = repo().join("fuzz/regressions").join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n != ".keep"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_crash_input_the_fuzzers_found_returns() {
    for (target, run) in TARGETS {
        for file in inputs(target) {
            let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            run(&bytes);
        }
    }
}

#[test]
fn the_harnesses_take_hostile_inputs() {
    // Inputs of the kinds the fuzzers explore, so that the harnesses themselves are exercised
    // by every test run: empty, NUL, broken UTF-8/UTF-16, a zip header with nothing behind it,
    // unbalanced quotes, 和暦 out of range, full-width digits, huge numbers.
    let inputs: &[&[u8]] = &[
        b"",
        b"\0\0\0",
        b"\xff\xfe\x00",
        b"\xef\xbb\xbf\"a,b\n\"c",
        b"PK\x03\x04\0\0\0\0",
        "令和99年13月40日".as_bytes(),
        "平成元年0月0日".as_bytes(),
        "２０２５－０３－３１".as_bytes(),
        b"99999999999999999999999",
        "会員番号\n会員番号\n\n".as_bytes(),
        b"a\tb\r\n\"x\r\n",
    ];
    for input in inputs {
        for (_, run) in TARGETS {
            run(input);
        }
    }
}
