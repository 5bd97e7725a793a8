//! The researcher data pack over the bundled sample: it opens in pyarrow, polars, DuckDB
//! and openpyxl, its manifest hashes are right, and no small count leaves in any format.

use std::collections::BTreeMap;
use std::process::Command;

use queries::Audience;
use reports::packs::{Context, research};

use crate::support::sample;

fn build() -> research::Pack {
    let f = sample();
    let as_of = f.engine.snapshot().default_as_of().expect("as-of");
    research::build(&Context::new(&f.engine, as_of, Audience::Researcher)).expect("research pack")
}

const CHECK: &str = r#"
import csv, hashlib, io, json, os, sys
import duckdb, openpyxl, polars as pl, pyarrow.parquet as pq

root = sys.argv[1]
m = json.load(open(os.path.join(root, "manifest.json"), encoding="utf-8"))
for f in m["files"]:
    data = open(os.path.join(root, f["name"]), "rb").read()
    assert hashlib.sha256(data).hexdigest() == f["sha256"], f["name"]
assert m["audience"] == "researcher" and m["load_ids"] and m["attribution"]

people = {}
with open(os.path.join(root, "codebook.csv"), encoding="utf-8-sig") as fh:
    for r in csv.DictReader(fh):
        if r["role"] == "people":
            people.setdefault(r["table"], []).append(r["column"])
        assert r["definition"] and r["label_ja"], r

def ok(v, where):
    # A person count is withheld (X / null), zero, or at least k = 10.
    if v is None or v == "X" or v == "":
        return
    n = float(v)
    assert n == 0 or n >= 10, f"{where}: count {v}"

db = duckdb.connect(os.path.join(root, "tables.duckdb"), read_only=True)
wb = openpyxl.load_workbook(os.path.join(root, "tables.xlsx"), read_only=True)
withheld = 0
for t in m["tables"]:
    name, rows = t["name"], t["rows"]
    table = pq.read_table(os.path.join(root, "parquet", name + ".parquet"))
    assert table.num_rows == rows, name
    assert b"oncometrics.manifest" in (table.schema.metadata or {}), name
    frame = pl.read_parquet(os.path.join(root, "parquet", name + ".parquet"))
    assert frame.height == rows, name
    assert db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] == rows, name
    with open(os.path.join(root, "csv", name + ".csv"), encoding="utf-8-sig") as fh:
        records = list(csv.DictReader(fh))
    assert len(records) == rows, name
    sheet = wb[name[:31]]
    header = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]
    xrows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert len(xrows) == rows, name
    for col in people.get(name, []):
        for r in records:
            withheld += r[col] == "X"
            ok(r[col], f"{name}.csv {col}")
        for v in table.column(col).to_pylist():
            ok(v, f"{name}.parquet {col}")
        for v in frame[col].to_list():
            ok(v, f"{name} polars {col}")
        for (v,) in db.execute(f'SELECT "{col}" FROM "{name}"').fetchall():
            ok(v, f"{name} duckdb {col}")
        i = [c.name for c in table.schema].index(col)
        for r in xrows:
            ok(r[i], f"{name}.xlsx {header[i]}")
assert withheld > 0, "nothing withheld: the checks saw no small cell"
assert db.execute("SELECT COUNT(*) FROM codebook").fetchone()[0] > 0
print("ok", len(m["tables"]), "tables", withheld, "withheld cells")
"#;

#[test]
fn pack_opens_in_pyarrow_polars_duckdb_and_openpyxl_with_no_small_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    build().write_dir(dir.path()).expect("write");
    let out = Command::new("python3").arg("-c").arg(CHECK).arg(dir.path()).output().expect("python3");
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let readme = std::fs::read_to_string(dir.path().join("README.md")).expect("README");
    assert!(
        readme.contains("研究者向けデータパック") && readme.contains("秘匿") && readme.contains("サンプル・架空データ")
    );
    // [designations-real]: the ministry's official 空白 count beside the pack's own.
    assert!(readme.contains("厚生労働省公表値: 空白のがん医療圏 56 / 336（2024年4月）"), "{readme}");
    assert!(readme.contains("計算値はサンプルデータ（架空）"), "{readme}");
}

#[test]
fn the_same_loads_give_the_same_files_except_duckdb_block_padding() {
    let (a, b) = (build(), build());
    let files = |p: &research::Pack| p.files.iter().cloned().collect::<BTreeMap<String, Vec<u8>>>();
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        // DuckDB leaves unused bytes of its blocks uninitialised, so its file (and the
        // manifest holding that file's hash) may differ; every other file must not.
        if name != "tables.duckdb" && name != "manifest.json" {
            assert!(bytes == &fb[name], "{name} differs between two builds");
        }
    }
    let strip = |m: &[u8]| {
        let mut j: serde_json::Value = serde_json::from_slice(m).expect("manifest");
        if let Some(files) = j["files"].as_array_mut() {
            files.retain(|f| f["name"] != "tables.duckdb");
        }
        j
    };
    assert_eq!(strip(&fa["manifest.json"]), strip(&fb["manifest.json"]));
}
