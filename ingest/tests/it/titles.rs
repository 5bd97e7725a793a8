//! Title rows above the header, in every dataset and every form offices send (CP932 CSV,
//! UTF-16 TSV, XLSX): 0–4 title rows (a blank row among them) give the same result as the
//! file without them, with every reject on the file's own line, and a date in a title is the
//! roster's as-of date exactly as `--as-of` would be.

use std::path::PathBuf;

use ingest::pipeline::{FileReport, Outcome};
use ingest::sample::write::{Form, Sheet, XlsxExtras, write};
use ingest::table::ReadOptions;

use crate::support::*;

/// The first rows of each dataset's sample file (the sample has every dataset).
fn sample_rows(dataset: &str, n: usize) -> Sheet {
    let dir = crate::support::repo().join("data/sample");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("MANIFEST.json")).expect("manifest")).expect("json");
    let file = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["dataset"] == dataset)
        .and_then(|f| f["path"].as_str())
        .unwrap_or_else(|| panic!("no sample file of {dataset}"));
    let path = dir.join(file);
    let t = ingest::read::read(&path, &std::fs::read(&path).expect("read"), &ReadOptions::default()).expect("parse");
    let w = t.headers.len();
    Sheet {
        headers: t.headers.clone(),
        rows: t.rows().take(n).map(|r| (0..w).map(|c| r.cell(c).to_string()).collect()).collect(),
    }
}

/// `k` title rows (the second states a date when `dated`), a blank row after the second, then
/// the header and the rows: as an office's export pads them, every row as wide as the header.
/// Also the number of lines added above the header.
fn titled(sheet: &Sheet, k: usize, dated: bool) -> (Sheet, u64) {
    let w = sheet.headers.len();
    let pad = |s: &str| {
        let mut r = vec![String::new(); w];
        r[0] = s.to_string();
        r
    };
    let texts =
        ["一覧表", if dated { "令和7年3月31日現在" } else { "（注）取扱注意" }, "出典: 事務局", "作成: 会員委員会"];
    let mut lines: Vec<Vec<String>> = Vec::new();
    for (i, t) in texts.iter().take(k).enumerate() {
        lines.push(pad(t));
        if i == 1 {
            lines.push(vec![String::new(); w]);
        }
    }
    let added = lines.len() as u64;
    if lines.is_empty() {
        return (sheet.clone(), 0);
    }
    let mut rows: Vec<Vec<String>> = lines.split_off(1);
    rows.push(sheet.headers.clone());
    rows.extend(sheet.rows.iter().cloned());
    (Sheet { headers: lines.remove(0), rows }, added)
}

/// Rows, rows accepted, as-of date, and each reject's (line, column, reason).
type Summary = (usize, usize, Option<String>, Vec<(Option<u64>, Option<String>, String)>);

/// What a check of one file found, with reject lines as offsets from the header.
fn summary(f: &FileReport, added: u64) -> Summary {
    let rejects =
        f.rejects.iter().map(|r| (r.line.map(|l| l - added), r.column.clone(), r.reason_ja.clone())).collect();
    (f.rows_total, f.rows_ok, f.as_of.map(|d| d.to_string()), rejects)
}

fn check(t: &mut TestStore, dataset: &str, file: PathBuf, as_of: Option<&str>) -> ingest::Result<FileReport> {
    let mut o = t.opts(dataset, vec![file], as_of);
    o.check_only = true;
    let r = ingest::ingest(&mut t.wh, &o)?;
    assert_eq!(r.outcome, Outcome::Checked);
    Ok(r.files.into_iter().next().expect("one file"))
}

#[test]
fn title_rows_in_every_dataset_and_form_change_nothing_but_line_numbers() {
    let mut t = TestStore::new();
    // Reference data the validators check against.
    for ds in ["areas", "survey_waves", "survey_questions"] {
        let s = sample_rows(ds, usize::MAX);
        let f = t.dir.path().join(format!("ref_{ds}.csv"));
        write(&f, &s, Form::Utf8, &XlsxExtras::default()).expect("write");
        assert_eq!(t.ingest(ds, vec![f], None).expect(ds).outcome, Outcome::Committed, "{ds}");
    }
    let mut tried = 0;
    for spec in ingest::spec::DATASETS {
        let sheet = sample_rows(spec.name, 40);
        let as_of = spec.dated.then_some("2025-03-31");
        for (form, ext) in [(Form::Cp932, "csv"), (Form::Utf16Tsv, "txt"), (Form::Xlsx, "xlsx")] {
            let base_file = t.dir.path().join(format!("{}-0.{ext}", spec.name));
            write(&base_file, &sheet, form, &XlsxExtras::default()).expect("write");
            let base =
                check(&mut t, spec.name, base_file, as_of).unwrap_or_else(|e| panic!("{} {form:?}: {e}", spec.name));
            for k in 1..=4 {
                let (variant, added) = titled(&sheet, k, spec.dated);
                let file = t.dir.path().join(format!("{}-{k}.{ext}", spec.name));
                write(&file, &variant, form, &XlsxExtras::default()).expect("write");
                // A dated dataset's as-of comes from the title (k ≥ 2) instead of --as-of.
                let given = if spec.dated && k >= 2 { None } else { as_of };
                let got = check(&mut t, spec.name, file, given)
                    .unwrap_or_else(|e| panic!("{} {form:?} k={k}: {e}", spec.name));
                assert_eq!(summary(&got, added), summary(&base, 0), "{} {form:?} with {k} title rows", spec.name);
                let lines: Vec<u64> = (1..=added).filter(|l| !(k >= 2 && *l == 3)).collect();
                let want = format!(
                    "{} 行目は表題として読み飛ばしました",
                    if lines.len() == 1 { "1".to_string() } else { format!("1–{}", lines[lines.len() - 1]) }
                );
                assert!(
                    got.notes.iter().any(|n| n.starts_with(&want)),
                    "{} {form:?} k={k}: {:?}",
                    spec.name,
                    got.notes
                );
                if spec.dated && k >= 2 {
                    assert!(
                        got.notes.iter().any(|n| n.contains("表題の「令和7年3月31日現在」から基準日を 2025-03-31"))
                    );
                }
                tried += 1;
            }
        }
    }
    assert!(tried >= 16 * 3 * 4, "{tried}");
}

#[test]
fn a_title_date_that_contradicts_as_of_refuses_the_file() {
    let mut t = TestStore::new();
    let (sheet, _) = titled(&sample_rows("members", 5), 2, true);
    let file = t.dir.path().join("roster.csv");
    write(&file, &sheet, Form::Cp932, &XlsxExtras::default()).expect("write");
    let e = check(&mut t, "members", file.clone(), Some("2025-04-30")).expect_err("contradiction").to_string();
    assert!(e.contains("表題の「令和7年3月31日現在」(2025-03-31) と --as-of 2025-04-30 が違います"), "{e}");
    assert_eq!(
        check(&mut t, "members", file, Some("2025-03-31")).expect("agrees").as_of.map(|d| d.to_string()).as_deref(),
        Some("2025-03-31")
    );
}
