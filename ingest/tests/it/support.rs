//! Shared helpers: a warehouse in a temporary directory and file builders.

use std::path::{Path, PathBuf};

use ingest::pipeline::{IngestOptions, IngestReport, Outcome};
use store::Warehouse;

/// The repository, read when the test runs (cargo sets `CARGO_MANIFEST_DIR`) rather than baked
/// in at compile time: CI reuses one target directory across clones, so a test binary built in
/// another clone must still read this clone's files (it read a deleted clone's, and failed).
pub fn repo() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join("..")
}

pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub wh: Warehouse,
}

impl TestStore {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let wh = Warehouse::open(&dir.path().join("wh.duckdb"), &dir.path().join("lake")).expect("open");
        TestStore { dir, wh }
    }

    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join("in").join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
        p
    }

    pub fn opts(&self, dataset: &str, files: Vec<PathBuf>, as_of: Option<&str>) -> IngestOptions {
        IngestOptions {
            as_of: as_of.map(|d| ingest::normalize::date(d).expect("as_of")),
            ..IngestOptions::new(dataset, files, self.dir.path().join("keys/k.key"), self.dir.path().join("rejects"))
        }
    }

    pub fn ingest(&mut self, dataset: &str, files: Vec<PathBuf>, as_of: Option<&str>) -> ingest::Result<IngestReport> {
        let o = self.opts(dataset, files, as_of);
        ingest::ingest(&mut self.wh, &o)
    }

    /// A digest of everything the store holds: loads, every table's rows, and the lake's files.
    pub fn state(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!("loads={};", self.wh.query_i64("SELECT COUNT(*) FROM loads").expect("loads")));
        for t in store::schema::TABLES {
            let n = self.wh.query_i64(&format!("SELECT COUNT(*) FROM {}", t.name)).expect("count");
            let h = self
                .wh
                .query_i64(&format!("SELECT COALESCE(SUM(hash(t)) % 1000000007, 0)::BIGINT FROM {} t", t.name))
                .expect("hash");
            s.push_str(&format!("{}={n}/{h};", t.name));
        }
        let mut files = Vec::new();
        list(&self.dir.path().join("lake"), &mut files);
        files.sort();
        s.push_str(&files.join(","));
        s
    }
}

fn list(dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            list(&p, out);
        } else {
            out.push(p.display().to_string());
        }
    }
}

pub fn cp932(s: &str) -> Vec<u8> {
    ingest::decode::encode_cp932(s).expect("cp932-encodable")
}

pub fn bom(s: &str) -> Vec<u8> {
    let mut v = b"\xEF\xBB\xBF".to_vec();
    v.extend_from_slice(s.as_bytes());
    v
}

/// Asserts the command failed with a file-level error mentioning `needle`.
pub fn assert_file_error(r: ingest::Result<IngestReport>, needle: &str) {
    match r {
        Err(e) => assert!(e.to_string().contains(needle), "error {e} lacks {needle:?}"),
        Ok(rep) => panic!("expected an error containing {needle:?}, got {:?}", rep.outcome),
    }
}

/// Asserts the command rejected rows, one of them at `line` with a reason containing `needle`.
pub fn assert_rejected(r: ingest::Result<IngestReport>, line: u64, needle: &str) -> IngestReport {
    let rep = r.expect("no file-level error");
    assert_eq!(rep.outcome, Outcome::Rejected, "{rep:?}");
    let all: Vec<String> = rep.files.iter().flat_map(|f| f.rejects.iter().map(|r| r.to_string())).collect();
    assert!(
        rep.files
            .iter()
            .flat_map(|f| &f.rejects)
            .any(|r| r.line == Some(line) && (r.reason_ja.contains(needle) || r.reason_en.contains(needle))),
        "no reject at line {line} with {needle:?}: {all:#?}"
    );
    rep
}

pub const MEMBERS_HEADER: &str = "会員番号,会員種別,職種,入会日,退会日,勤務先都道府県,生年,性別\n";
