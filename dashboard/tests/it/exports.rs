//! Downloads: encodings, formula escaping, suppression, audit.

use axum::http::StatusCode;
use queries::{Audience, Request, Value};

use crate::support::{Client, as_of, fixture, rt};

fn engine_result(metric: &str, audience: Audience) -> queries::MetricResult {
    let snapshot = fixture().state.snapshot();
    let d = chrono::NaiveDate::parse_from_str(&as_of(), "%Y-%m-%d").expect("date");
    rt().block_on(queries::evaluate(&snapshot, &Request::new(metric, audience).as_of(d))).expect("evaluate")
}

#[test]
fn csv_is_utf8_with_bom_by_default_and_matches_the_catalog() {
    let mut c = Client::login("committee");
    let res = c.get("/export/members.physician_share.csv");
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let disposition = res.headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(disposition.starts_with("attachment; filename=\"members.physician_share_"), "{disposition}");
    let text = res.text();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().expect("header").starts_with("医師（正会員）（人）,"));
    let first: Vec<&str> = lines.next().expect("row").split(',').collect();
    let r = engine_result("members.physician_share", Audience::Committee);
    assert_eq!(first[0], r.rows[0][0].display());
    assert_eq!(first[3], r.rows[0][3].display());
}

#[test]
fn csv_in_cp932_on_request() {
    let mut c = Client::login("committee");
    let res = c.get("/export/members.composition.csv?encoding=cp932");
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.starts_with(b"\xEF\xBB\xBF"));
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&res.body);
    assert!(!bad);
    assert!(text.contains("正会員,医師,"), "{text}");
    assert_eq!(c.get("/export/members.composition.csv?encoding=latin1").status, StatusCode::BAD_REQUEST);
}

#[test]
fn exports_keep_the_audiences_suppression() {
    let mut c = Client::login("researcher");
    let res = c.get("/export/members.composition.json?by=category,prefecture");
    assert_eq!(res.status, StatusCode::OK);
    let j = res.json();
    assert_eq!(j["policy"]["audience"], "researcher");
    let rows = j["rows"].as_array().expect("rows");
    let r = engine_result_by("members.composition", "category,prefecture", Audience::Researcher);
    assert_eq!(rows.len(), r.rows.len());
    let withheld = r.rows.iter().flatten().filter(|v| **v == Value::Suppressed).count();
    assert!(withheld > 0, "the sample has small cells by prefecture");
    let shown = rows.iter().flat_map(|r| r.as_array().expect("row")).filter(|v| v["suppressed"] == true).count();
    assert_eq!(shown, withheld);
    assert!(j["attribution"].as_array().is_some_and(|a| !a.is_empty()));
}

fn engine_result_by(metric: &str, by: &str, audience: Audience) -> queries::MetricResult {
    let snapshot = fixture().state.snapshot();
    let d = chrono::NaiveDate::parse_from_str(&as_of(), "%Y-%m-%d").expect("date");
    rt().block_on(queries::evaluate(&snapshot, &Request::new(metric, audience).as_of(d).by(by))).expect("evaluate")
}

#[test]
fn exports_are_audited_with_their_parameters() {
    let mut c = Client::login("board");
    assert_eq!(c.get("/export/hospitals.blank_area_count.csv").status, StatusCode::OK);
    let entries = rt().block_on(fixture().state.db(|db| db.audit_entries(Some("export"), 1000))).expect("audit");
    let e = entries
        .iter()
        .find(|e| e.username.as_deref() == Some("board") && e.target == "hospitals.blank_area_count")
        .expect("audited");
    assert!(e.detail.starts_with("csv ") && e.detail.contains("as_of="), "{}", e.detail);
}

#[test]
fn formula_like_text_is_escaped_but_negative_numbers_stay_numbers() {
    // members.flows has negative net changes in the sample; they must stay numbers.
    let mut c = Client::login("committee");
    let text = c.get("/export/members.flows.csv?header=names").text();
    assert!(text.trim_start_matches('\u{feff}').starts_with("fiscal_year,"));
    assert!(text.lines().any(|l| l.split(',').any(|f| f.starts_with('-') && f[1..].parse::<i64>().is_ok())), "{text}");
    assert!(!text.contains("'-"));
    assert_eq!(dashboard::export::spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
}

fn download(path: &str) -> Vec<u8> {
    let mut c = Client::login("researcher");
    let res = c.get(path);
    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.text());
    res.body
}

#[test]
fn xlsx_has_numbers_as_numbers_x_for_withheld_and_a_manifest_sheet() {
    use calamine::{Data, Reader};
    let bytes = download("/export/members.composition.xlsx?by=category,prefecture");
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
    let data = wb.worksheet_range("データ").expect("data sheet");
    let r = engine_result_by("members.composition", "category,prefecture", Audience::Researcher);
    assert_eq!(data.height(), r.rows.len() + 1);
    let col = r.column_index("members").expect("members");
    for (i, row) in r.rows.iter().enumerate() {
        let cell = data.get((i + 1, col)).expect("cell");
        match &row[col] {
            Value::Int(n) => assert_eq!(*cell, Data::Float(*n as f64)),
            Value::Suppressed => assert_eq!(*cell, Data::String("X".into())),
            other => panic!("{other:?}"),
        }
    }
    let manifest = wb.worksheet_range("manifest").expect("manifest sheet");
    let keys: Vec<String> = manifest.rows().map(|r| r[0].to_string()).collect();
    for k in ["metric", "params", "suppression_policy_ja", "load_ids", "attribution"] {
        assert!(keys.iter().any(|x| x == k), "manifest lacks {k}: {keys:?}");
    }
}

#[test]
fn parquet_opens_in_pyarrow_with_the_manifest_in_its_metadata() {
    let bytes = download("/export/members.composition.parquet?by=category,prefecture");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("x.parquet");
    std::fs::write(&path, &bytes).expect("write");
    let script = r#"
import json, sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
m = json.loads(t.schema.metadata[b"oncometrics.manifest"])
print(json.dumps({"rows": t.num_rows, "nulls": t.column("members").null_count, "metric": m["metric"], "audience": m["audience"]}))
"#;
    let out = std::process::Command::new("python3").args(["-c", script]).arg(&path).output().expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let r = engine_result_by("members.composition", "category,prefecture", Audience::Researcher);
    let withheld = r.column("members").iter().filter(|v| ***v == Value::Suppressed).count();
    assert_eq!(j["rows"], r.rows.len());
    assert_eq!(j["nulls"], withheld, "withheld cells are null, never 0");
    assert_eq!((j["metric"].as_str(), j["audience"].as_str()), (Some("members.composition"), Some("researcher")));
}

#[test]
fn zip_holds_csv_xlsx_parquet_and_a_manifest_with_their_hashes() {
    use sha2::Digest;
    use std::io::Read;
    let bytes = download("/export/hospitals.blank_area_count.zip");
    let again = download("/export/hospitals.blank_area_count.zip");
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).expect("entry");
        let mut b = Vec::new();
        f.read_to_end(&mut b).expect("read");
        files.insert(f.name().expect("utf-8 name").to_string(), b);
    }
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).expect("manifest");
    let listed = manifest["files"].as_array().expect("files");
    assert_eq!(listed.len(), 3);
    for f in listed {
        let name = f["name"].as_str().expect("name");
        let digest = hex::encode(sha2::Sha256::digest(&files[name]));
        assert_eq!(f["sha256"].as_str(), Some(digest.as_str()), "{name}");
    }
    assert!(files.keys().any(|k| k.ends_with(".csv")) && files.keys().any(|k| k.ends_with(".parquet")));
    assert!(manifest["attribution"].as_array().is_some_and(|a| !a.is_empty()));
    // CSV and Parquet are byte-identical from one download to the next.
    let mut z2 = zip::ZipArchive::new(std::io::Cursor::new(again)).expect("a zip");
    for name in files.keys().filter(|k| !k.ends_with(".xlsx") && *k != "manifest.json") {
        let mut b = Vec::new();
        z2.by_name(name).expect("entry").read_to_end(&mut b).expect("read");
        assert_eq!(&b, &files[name], "{name}");
    }
}

/// Each page links to its pack for the roles that may have it; the pack is built on demand at
/// the page's 基準日 and the download is audited (issue 27, point 11).
#[test]
fn packs_are_linked_built_on_demand_and_audited() {
    let mut board = Client::login("board");
    let overview = board.get("/?as_of=2026-09-30").text();
    assert!(overview.contains("href=\"/reports/board.pdf?as_of=2026-09-30\""), "the overview links the board pack");
    let res = board.get("/reports/board.pdf?as_of=2026-09-30");
    assert_eq!(res.status, axum::http::StatusCode::OK);
    assert!(res.body.starts_with(b"%PDF"), "a PDF");
    assert!(!board.get("/members").text().contains("/reports/committee.pdf"), "no committee pack link for the board");
    assert_eq!(board.get("/reports/committee.pdf").status, axum::http::StatusCode::FORBIDDEN);
    let mut researcher = Client::login("researcher");
    assert!(!researcher.get("/").text().contains("/reports/board.pdf"));
    assert_eq!(researcher.get("/reports/board.pdf").status, axum::http::StatusCode::FORBIDDEN);
    assert!(Client::login("committee").get("/members").text().contains("/reports/committee.pdf?as_of="));
    let entries = rt().block_on(fixture().state.db(|db| db.audit_entries(Some("report"), 100))).expect("audit");
    assert!(
        entries.iter().any(|e| format!("{e:?}").contains("board.pdf") && format!("{e:?}").contains("as_of=2026-09-30")),
        "{entries:?}"
    );
}

/// One audience, one date, one answer: every headline of the board pack reads as the board's
/// overview at the same 基準日 (regression: the overview hid the 年度's joins and leaves while
/// the pack printed them; the pack called a 10-月 count 「2026年末」).
#[test]
fn the_board_pack_headlines_equal_the_boards_overview() {
    let snapshot = fixture().state.snapshot();
    for d in ["2025-03-31", "2026-09-30"] {
        let as_of = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
        let engine = queries::Engine::over(snapshot.clone()).expect("engine");
        let cx = reports::packs::Context::new(&engine, as_of, Audience::Board);
        let doc = reports::packs::board::build(&cx).expect("pack");
        let kpis: Vec<&reports::doc::Kpi> = doc
            .blocks
            .iter()
            .filter_map(|b| if let reports::doc::Block::Kpis(k) = b { Some(k) } else { None })
            .flatten()
            .collect();
        let overview = Client::login("board").get(&format!("/?as_of={d}")).text();
        let mut compared = 0;
        for k in &kpis {
            if k.label.contains("入会・退会") {
                assert!(overview.contains(&k.value), "{d}: pack {} = {} not on the overview", k.label, k.value);
                compared += 1;
            }
            if k.label.contains("（有効）") {
                assert!(overview.contains(&k.value.replace("人", " 人")), "{d}: pack {} = {}", k.label, k.value);
                let when = k.detail.split(" · ").next().unwrap_or_default();
                assert!(overview.contains(when), "{d}: the pack's {when} is the overview's");
                compared += 1;
            }
        }
        // A headline the board may not have at this date is in neither.
        if !kpis.iter().any(|k| k.label.contains("（有効）")) {
            assert!(!overview.contains("がん薬物療法専門医（有効）"), "{d}: on the overview, not in the pack");
            compared += 1;
        }
        assert_eq!(compared, 2, "{d}: both headlines compared: {kpis:?}");
    }
}
