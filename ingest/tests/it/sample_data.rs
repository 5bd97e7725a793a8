//! The sample generator: deterministic, and shaped like the facts in DOMAIN.md.

use std::path::PathBuf;

use ingest::sample;

fn reference() -> PathBuf {
    crate::support::repo().join("data/reference")
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

/// A sample above one part's scale is written part by part (memory holds one part): it loads
/// cleanly (identifiers unique across parts), its lists that describe the country are not
/// repeated, and its facts are those of the parts together.
#[test]
fn a_sample_in_parts_loads_cleanly_with_the_facts_of_its_parts_together() {
    let one = tempfile::tempdir().expect("one");
    let single = sample::generate(one.path(), &reference(), 1, 20260117).expect("scale 1");
    let d = tempfile::tempdir().expect("dir");
    let out = d.path().join("sample");
    let m = sample::generate_in_parts(&out, &reference(), 3, 20260117, 1).expect("in parts");
    assert!(m.note.contains("3 independent parts"), "{}", m.note);
    assert!(m.files.iter().all(|f| f.form != "XLSX"), "parts are appended as CSV");
    let rows = |m: &sample::Manifest, dataset: &str| -> usize {
        m.files.iter().filter(|f| f.dataset == dataset).map(|f| f.rows).sum()
    };
    assert_eq!(rows(&m, "designations"), rows(&single, "designations"), "the country's lists come from part 0");
    assert!(
        rows(&m, "members") > 2 * rows(&single, "members"),
        "{} vs {}",
        rows(&m, "members"),
        rows(&single, "members")
    );
    let (_, p, t) = m.facts.physician_share_latest;
    let (_, p1, t1) = single.facts.physician_share_latest;
    assert!(p > 2 * p1 && t > 2 * t1, "summed over the parts: {p}/{t} vs {p1}/{t1}");
    for (fy, invited, responses) in &m.facts.survey_response {
        let rate = *responses as f64 / *invited as f64;
        assert!((0.12..0.16).contains(&rate), "{fy}: {rate} (the waves' 配布数 are summed)");
    }

    let mut wh = store::Warehouse::open(&d.path().join("wh.duckdb"), &d.path().join("lake")).expect("warehouse");
    let reports = sample::load::load_dir(
        &mut wh,
        &out,
        &d.path().join("k.key"),
        &d.path().join("rejects"),
        &ingest::NoProgress,
        |_| {},
    )
    .expect("load");
    for r in &reports {
        assert!(
            matches!(r.outcome, ingest::Outcome::Committed | ingest::Outcome::NothingNew),
            "{:?}: {:?}",
            r.files,
            r.outcome
        );
    }
    let active = wh
        .query_arrow(
            "SELECT count(*) FROM members WHERE superseded_by IS NULL AND joined_on <= DATE '2026-10-31'
             AND (left_on IS NULL OR left_on > DATE '2026-10-31')",
        )
        .expect("count");
    let n = arrow::array::AsArray::as_primitive::<arrow::datatypes::Int64Type>(active[0].column(0)).value(0);
    assert_eq!(usize::try_from(n).expect("n"), m.facts.members_active_latest);
}
