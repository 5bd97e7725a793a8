//! The sample generator: deterministic, and shaped like the facts in DOMAIN.md.

use std::path::PathBuf;

use ingest::sample;

/// The crate's directory, read when the test runs (cargo sets it) rather than baked in at
/// compile time: CI reuses one target directory across clones, so a test binary built in
/// another clone must still read this clone's files.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

fn reference() -> PathBuf {
    manifest_dir().join("../data/reference")
}

#[test]
fn the_same_seed_gives_byte_identical_files() {
    let (a, b) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    let ma = sample::generate(a.path(), &reference(), 1, 7).expect("gen a");
    let mb = sample::generate(b.path(), &reference(), 1, 7).expect("gen b");
    let ha: Vec<_> = ma.files.iter().map(|f| (&f.path, &f.sha256)).collect();
    let hb: Vec<_> = mb.files.iter().map(|f| (&f.path, &f.sha256)).collect();
    assert_eq!(ha, hb);
    let c = tempfile::tempdir().expect("c");
    let mc = sample::generate(c.path(), &reference(), 1, 8).expect("gen c");
    let roster = |m: &sample::Manifest| m.files.iter().find(|f| f.dataset == "members").map(|f| f.sha256.clone());
    assert_ne!(roster(&ma), roster(&mc), "another seed, another roster");
}

#[test]
fn the_sample_has_the_shape_of_the_domain_facts() {
    let d = tempfile::tempdir().expect("dir");
    let m = sample::generate(d.path(), &reference(), 1, 20260117).expect("generate");
    let f = &m.facts;
    // about 10,000 members
    assert!((8_500..=12_000).contains(&f.members_active_latest), "{}", f.members_active_latest);
    // the physician share hovers just above 80% now, and dipped under it in some past months
    let (_, p, t) = f.physician_share_latest;
    let share = p as f64 / t as f64;
    assert!((0.80..0.815).contains(&share), "{share}");
    assert!(!f.physician_share_month_ends_below_80.is_empty());
    assert!(f.physician_share_month_ends_below_80.len() < 40, "{:?}", f.physician_share_month_ends_below_80);
    // 空白の二次医療圏 108 → 69 → 56
    let blanks: Vec<usize> = f.blank_areas.iter().map(|b| b.1).collect();
    assert_eq!(blanks, vec![108, 69, 56]);
    // がん薬物療法専門医 pass 1,000 by 2025
    assert!(f.medical_oncologists_active_2025 > 1000, "{}", f.medical_oncologists_active_2025);
    // survey response about 14% every year since 2014
    assert_eq!(f.survey_response.first().map(|r| r.0), Some(2014));
    for (fy, invited, responses) in &f.survey_response {
        let rate = *responses as f64 / *invited as f64;
        assert!((0.12..0.16).contains(&rate), "{fy}: {rate}");
    }
    // joins rise after 2026-01-17
    let (before, after) = f.joins_before_after;
    assert!(after as f64 > before as f64 * 1.3, "{before} → {after}");
    // the files say what they are
    let readme = std::fs::read_to_string(d.path().join("README.md")).expect("readme");
    assert!(readme.contains("サンプル・架空データ"));
    assert!(m.files.iter().any(|f| f.form == "CP932 CSV"));
    assert!(m.files.iter().any(|f| f.form == "XLSX"));
    assert!(m.files.iter().any(|f| f.form == "UTF-8 (BOM) CSV"));
}
