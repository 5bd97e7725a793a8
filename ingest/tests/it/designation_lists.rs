//! The ministry's designation list loaded as it is published ([designations-real]): sections
//! per 類型, hospitals by name matched to the master within their prefecture, successive lists
//! diffed into periods; bad lists refused with the row named and the store unchanged.
//!
//! The fixture is built from the hospitals the ministry published for a few prefectures
//! (`data/reference/published/sample_prefecture_lists.csv`) with the quirks of the real
//! workbook: a title with the date, a section row and the header again per 類型, blank rows
//! between sections, 都道府県名 written once per prefecture, a 地域がん診療病院's partner in
//! brackets, a note under the table. Results are checked against counts made from that CSV.

use std::collections::BTreeMap;
use std::path::PathBuf;

use model::designation::DesignationType;
use rust_xlsxwriter::Workbook;

use crate::support::TestStore;

fn repo(path: &str) -> PathBuf {
    crate::support::repo().join(path)
}

/// (prefecture, area as published, hospital, 類型) of the published lists, less 兵庫 (whose
/// rows say only 「拠点」).
fn published() -> Vec<(String, String, String, DesignationType)> {
    let mut r = csv::Reader::from_path(repo("data/reference/published/sample_prefecture_lists.csv")).expect("csv");
    r.records()
        .map(|x| x.expect("row"))
        .filter_map(|x| Some((x[0].to_string(), x[2].to_string(), x[3].to_string(), DesignationType::parse(&x[4])?)))
        .collect()
}

/// (prefecture, name as listed, 類型).
type Listed = (String, String, DesignationType);

/// A list workbook of `rows`; `sections` are further (empty) section rows.
fn list_xlsx(title: &str, rows: &[Listed], sections: &[&str]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let mut r = 0u32;
    let mut put = |r: u32, cells: &[&str]| {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r, c as u16, *v).expect("write");
            }
        }
    };
    put(r, &[title]);
    r += 2;
    let mut by_type: BTreeMap<usize, Vec<&Listed>> = BTreeMap::new();
    for row in rows {
        by_type.entry(DesignationType::ALL.iter().position(|t| *t == row.2).expect("type")).or_default().push(row);
    }
    let mut heads: Vec<(String, Vec<&Listed>)> =
        by_type.into_values().map(|v| (format!("【{}】", v[0].2.label()), v)).collect();
    heads.extend(sections.iter().map(|s| (s.to_string(), Vec::new())));
    for (head, hs) in heads {
        put(r, &[&head]);
        put(r + 1, &["No", "都道府県名", "医療機関名", "指定年限"]);
        r += 2;
        let mut last = "";
        for (i, (pref, name, _)) in hs.iter().enumerate() {
            // 都道府県名 once per prefecture, as the ministry writes it.
            let p = if pref == last { "" } else { pref.as_str() };
            last = pref;
            put(r, &[&(i + 1).to_string(), p, name, "令和10年3月31日"]);
            r += 1;
        }
        r += 1;
    }
    put(r, &["※ 指定年限は各病院の指定の有効期限です。"]);
    wb.save_to_buffer().expect("xlsx")
}

/// A warehouse with the reference areas and the hospital master.
fn with_master() -> TestStore {
    let mut s = TestStore::new();
    for (ds, f) in [("areas", "data/reference/area_basic.csv"), ("hospitals", "data/reference/facility_basic.csv")] {
        let r = s.ingest(ds, vec![repo(f)], None).expect(ds);
        assert_eq!(r.outcome, ingest::Outcome::Committed, "{ds}");
    }
    s
}

fn listed(rows: &[(String, String, String, DesignationType)]) -> Vec<Listed> {
    rows.iter()
        .map(|(p, _, h, t)| {
            // A 地域がん診療病院 is listed with its partner and the note, as the ministry does.
            let name = if t.is_regional_cancer_hospital() {
                format!("{h}(青森県立中央病院)(地域がん診療病院)")
            } else {
                h.clone()
            };
            (p.clone(), name, *t)
        })
        .collect()
}

fn current(s: &TestStore, sql: &str) -> Vec<String> {
    use arrow::array::AsArray;
    let mut out = Vec::new();
    for b in s.wh.query_arrow(sql).expect("query") {
        let a = b.column(0).as_string::<i32>();
        out.extend((0..b.num_rows()).map(|i| a.value(i).to_string()));
    }
    out
}

const CURRENT: &str = "FROM designations WHERE superseded_by IS NULL";

#[test]
fn the_published_list_loads_by_name_and_its_counts_and_areas_are_the_ministrys() {
    let mut s = with_master();
    let pubs = published();
    let f =
        s.file("list_2024.xlsx", &list_xlsx("がん診療連携拠点病院等一覧表（令和6年4月1日現在）", &listed(&pubs), &[]));
    let r = s.ingest("designations", vec![f], None).expect("loads");
    assert_eq!(r.outcome, ingest::Outcome::Committed, "{:#?}", r.files[0].rejects);
    let file = &r.files[0];
    assert_eq!(file.as_of.map(|d| d.to_string()).as_deref(), Some("2024-04-01"), "the title's date");
    assert_eq!(file.source, Some("mhlw-list"));
    assert!(file.notes.iter().any(|n| n.contains("上の行の都道府県")), "{:?}", file.notes);
    assert!(file.notes.iter().any(|n| n.contains("病院の行ではない")), "the note under the table is said");

    // Counts by 類型, made independently from the published CSV.
    let mut want: BTreeMap<String, usize> = BTreeMap::new();
    for (_, _, _, t) in &pubs {
        *want.entry(t.label().to_string()).or_default() += 1;
    }
    let mut got: BTreeMap<String, usize> = BTreeMap::new();
    for d in current(&s, &format!("SELECT designation {CURRENT}")) {
        *got.entry(d).or_default() += 1;
    }
    assert_eq!(got, want);
    let froms = current(&s, &format!("SELECT DISTINCT CAST(designated_from AS VARCHAR) {CURRENT}"));
    assert_eq!(froms, ["2024-04-01"]);

    // Where がん医療圏 = 構想区域 (青森, 富山, 三重, 大阪), the area the master gives is the one
    // the prefecture published.
    let mut checked = 0;
    for (pref, area, name, _) in
        pubs.iter().filter(|p| ["青森県", "富山県", "三重県", "大阪府"].contains(&p.0.as_str()))
    {
        if area.is_empty() {
            continue;
        }
        let key = ingest::hospital_names::name_key(name).core;
        let code = model::prefecture::Prefecture::parse(pref).expect("pref").code();
        let areas = current(&s, &format!("SELECT hospital || '|' || area_name {CURRENT} AND prefecture_code = {code}"));
        let hit =
            areas.iter().find(|a| ingest::hospital_names::name_key(a.split('|').next().unwrap_or("")).core == key);
        // 青森's がん医療圏 drop the 「地域」 its 構想区域 names end with.
        let got = hit.and_then(|a| a.split('|').nth(1)).map(|a| a.trim_end_matches("地域"));
        assert_eq!(got, Some(area.trim_end_matches("地域")), "{pref} {name}");
        checked += 1;
    }
    assert_eq!(checked, 15, "青森, 富山 and 三重 name the area of every hospital");
    let partners = current(&s, &format!("SELECT DISTINCT partner {CURRENT} AND partner IS NOT NULL"));
    assert_eq!(partners, ["青森県立中央病院"]);
}

#[test]
fn a_later_list_ends_retypes_and_adds_designations_on_its_date() {
    let mut s = with_master();
    let pubs: Vec<_> = published().into_iter().filter(|p| p.0 == "富山県" || p.0 == "石川県").collect();
    let first = s.file("list_2024.xlsx", &list_xlsx("一覧表（令和6年4月1日現在）", &listed(&pubs), &[]));
    assert_eq!(s.ingest("designations", vec![first], None).expect("2024").outcome, ingest::Outcome::Committed);
    // 2025: 小松市民病院 gone, 黒部市民病院 becomes 特例型, 市立砺波総合病院 stays; a new one.
    let mut next: Vec<Listed> = listed(&pubs)
        .into_iter()
        .filter(|(_, h, _)| h != "小松市民病院")
        .map(|(p, h, t)| if h == "黒部市民病院" { (p, h, DesignationType::RegionalHubSpecial) } else { (p, h, t) })
        .collect();
    next.push(("石川県".into(), "公立能登総合病院".into(), DesignationType::RegionalCancerHospital));
    let second = s.file("list_2025.xlsx", &list_xlsx("一覧表（令和7年4月1日現在）", &next, &[]));
    let r = s.ingest("designations", vec![second], None).expect("2025");
    assert_eq!(r.outcome, ingest::Outcome::Committed, "{:#?}", r.files[0].rejects);
    assert!(
        r.files[0].notes.iter().any(|n| n.contains("新規指定 1 件、指定終了 1 件、類型変更 1 件、継続 8 件")),
        "{:?}",
        r.files[0].notes
    );
    let period = |h: &str| {
        current(
            &s,
            &format!(
                "SELECT designation || ' ' || CAST(designated_from AS VARCHAR) || '~' || COALESCE(CAST(designated_until AS VARCHAR), '') {CURRENT} AND hospital LIKE '%{h}%' ORDER BY designated_from"
            ),
        )
    };
    assert_eq!(period("小松市民病院"), ["地域がん診療連携拠点病院 2024-04-01~2025-03-31"]);
    assert_eq!(
        period("黒部市民病院"),
        ["地域がん診療連携拠点病院 2024-04-01~2025-03-31", "地域がん診療連携拠点病院（特例型） 2025-04-01~"]
    );
    assert_eq!(period("砺波総合病院"), ["地域がん診療連携拠点病院 2024-04-01~"]);
    assert_eq!(period("能登総合病院"), ["地域がん診療病院 2025-04-01~"]);

    // An older list after a newer one is refused, and nothing changes.
    let before = s.state();
    let old = s.file("list_2023.xlsx", &list_xlsx("一覧表（令和5年4月1日現在）", &listed(&pubs), &[]));
    let e = s.ingest("designations", vec![old], None).expect_err("older").to_string();
    assert!(e.contains("時点の古い順"), "{e}");
    assert_eq!(s.state(), before);
}

/// The rejects of a list that must not load, and the store untouched.
fn refused(
    s: &mut TestStore,
    name: &str,
    rows: &[(String, String, DesignationType)],
    sections: &[&str],
) -> Vec<String> {
    let before = s.state();
    let f = s.file(name, &list_xlsx("一覧表（令和6年4月1日現在）", rows, sections));
    let r = s.ingest("designations", vec![f], None).expect("validated");
    assert_eq!(r.outcome, ingest::Outcome::Rejected);
    assert_eq!(s.state(), before, "the store is unchanged");
    r.files[0]
        .rejects
        .iter()
        .map(|x| format!("{}|{}|{}", x.line.unwrap_or(0), x.value.clone().unwrap_or_default(), x.reason_ja))
        .collect()
}

#[test]
fn unknown_and_ambiguous_names_and_unknown_sections_are_refused_with_the_row_and_candidates() {
    let mut s = with_master();
    let row = |p: &str, h: &str, t| (p.to_string(), h.to_string(), t);
    let hub = DesignationType::RegionalHub;
    // Unknown: a misspelt name, answered with the closest hospitals and their areas.
    let rejects = refused(&mut s, "unknown.xlsx", &[row("石川県", "金沢医療センタ一病院", hub)], &[]);
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert!(rejects[0].starts_with("5|金沢医療センタ一病院|"), "{rejects:?}");
    assert!(rejects[0].contains("近い名称") && rejects[0].contains("金沢医療センター（石川中央）"), "{rejects:?}");
    // Ambiguous: two hospitals of 富山 are 「高岡病院」.
    let rejects = refused(&mut s, "ambiguous.xlsx", &[row("富山県", "高岡病院", hub)], &[]);
    assert!(rejects[0].contains("複数") && rejects[0].contains("富山県済生会 高岡病院（高岡）"), "{rejects:?}");
    // An unknown section: its row and the rows under it.
    let rejects = refused(
        &mut s,
        "section.xlsx",
        &[row("富山県", "富山県立中央病院", DesignationType::PrefecturalHub)],
        &["【がん診療連携協力病院】"],
    );
    assert!(rejects.iter().any(|r| r.contains("類型「がん診療連携協力病院」が分かりません")), "{rejects:?}");

    // A list whose date cannot be determined is refused before anything.
    let before = s.state();
    let f = s.file(
        "nodate.xlsx",
        &list_xlsx("がん診療連携拠点病院等一覧表", &[row("富山県", "富山県立中央病院", hub)], &[]),
    );
    let e = s.ingest("designations", vec![f], None).expect_err("no date").to_string();
    assert!(e.contains("一覧表の時点が分かりません") && e.contains("nodate.xlsx"), "{e}");
    assert_eq!(s.state(), before);

    // A name map fixes the ambiguous name, and is kept: next year's list needs no file.
    let map = s.file(
        "names.csv",
        "都道府県,一覧表の名称,医療機関マスタの名称\n富山県,高岡病院,富山県済生会 高岡病院\n".as_bytes(),
    );
    let f = s.file("mapped.xlsx", &list_xlsx("一覧表（令和6年4月1日現在）", &[row("富山県", "高岡病院", hub)], &[]));
    let mut o = s.opts("designations", vec![f], None);
    o.name_map = Some(map);
    let r = ingest::ingest(&mut s.wh, &o).expect("mapped");
    assert_eq!(r.outcome, ingest::Outcome::Committed, "{:#?}", r.files[0].rejects);
    let f = s.file("next.xlsx", &list_xlsx("一覧表（令和7年4月1日現在）", &[row("富山県", "高岡病院", hub)], &[]));
    let r = s.ingest("designations", vec![f], None).expect("kept map");
    assert_eq!(r.outcome, ingest::Outcome::Committed, "{:#?}", r.files[0].rejects);
    assert_eq!(current(&s, &format!("SELECT hospital {CURRENT}")), ["富山県済生会 高岡病院"]);
}
