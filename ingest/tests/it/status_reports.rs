//! The ministry's 現況報告 volume table loaded as published ([designations-real]): thresholds in
//! the headers, two years in a cell (the previous year's in brackets above the current year's),
//! 「がんに係る薬物療法」 for 化学療法, hospitals found among the designations held; the relative
//! criterion (居住患者の2割) evaluated. Figures are checked against the fixture's own cells.

use rust_xlsxwriter::{Format, Workbook};

use crate::support::TestStore;

fn repo(path: &str) -> std::path::PathBuf {
    crate::support::repo().join(path)
}

const HEADER: [&str; 11] = [
    "医療圏名",
    "類型",
    "申請区分",
    "病院名",
    "院内がん登録数(年間)500件以上",
    "悪性腫瘍の手術件数(年間)400件以上",
    "がんに係る薬物療法のべ患者数(年間)1,000人以上",
    "放射線治療のべ患者数(年間)200人以上",
    "緩和ケアチームに対する新規診療依頼数",
    "当該2次医療圏に居住するがん患者の診療の割合(%)",
    "相談支援センター相談件数",
];

fn report(rows: &[[&str; 11]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let wrap = Format::new().set_text_wrap();
    ws.write_string(0, 0, "がん診療連携拠点病院等 現況報告（富山県）").expect("title");
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(2, c as u16, *h).expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string_with_format(3 + r as u32, c as u16, *v, &wrap).expect("cell");
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

fn store_with_designations() -> TestStore {
    let mut s = TestStore::new();
    for (ds, f) in [("areas", "data/reference/area_basic.csv"), ("hospitals", "data/reference/facility_basic.csv")] {
        assert_eq!(s.ingest(ds, vec![repo(f)], None).expect(ds).outcome, ingest::Outcome::Committed);
    }
    let list = s.file(
        "designations.csv",
        "都道府県,医療機関名,構想区域コード,指定類型,指定開始日\n\
         16,富山県立中央病院,1602,都道府県がん診療連携拠点病院,2020-04-01\n\
         16,富山県厚生農業協同組合連合会高岡病院,1603,地域がん診療連携拠点病院,2020-04-01\n\
         16,黒部市民病院,1601,地域がん診療連携拠点病院,2020-04-01\n"
            .as_bytes(),
    );
    assert_eq!(s.ingest("designations", vec![list], None).expect("designations").outcome, ingest::Outcome::Committed);
    s
}

fn volumes(s: &TestStore) -> Vec<String> {
    use arrow::array::AsArray;
    let sql = "SELECT hospital || '|' || fiscal_year || '|' || COALESCE(CAST(cancer_registry AS VARCHAR), '') || '|' ||
                      COALESCE(CAST(chemotherapy AS VARCHAR), '') || '|' || COALESCE(CAST(resident_share_pct AS VARCHAR), '') || '|' ||
                      COALESCE(area_code, '')
               FROM hospital_volumes WHERE superseded_by IS NULL ORDER BY 1";
    let mut out = Vec::new();
    for b in s.wh.query_arrow(sql).expect("query") {
        let a = b.column(0).as_string::<i32>();
        out.extend((0..b.num_rows()).map(|i| a.value(i).to_string()));
    }
    out
}

#[test]
fn a_status_report_loads_both_years_of_its_cells_for_the_designated_hospitals() {
    let mut s = store_with_designations();
    let f = s.file(
        "genkyo_toyama.xlsx",
        &report(&[
            [
                "富山",
                "都道府県",
                "現況",
                "富山県立中央病院",
                "(2,801)\n2,754",
                "(2,120)\n2,043",
                "(9,876)\n10,112",
                "(720)\n701",
                "(350)\n362",
                "(41.5)\n40.2",
                "(1,234)\n1,301",
            ],
            [
                "高岡",
                "地域",
                "更新",
                "厚生連高岡病院",
                "(1,566)\n1,423",
                "(1,020)\n998",
                "(4,321)\n4,005",
                "(310)\n298",
                "120",
                "(25.0)\n23.9",
                "800",
            ],
            ["新川", "地域", "現況", "黒部市民病院", "480", "390", "950", "180", "60", "19.5", "300"],
        ]),
    );
    let mut o = s.opts("hospital_volumes", vec![f.clone()], None);
    let e = ingest::ingest(&mut s.wh, &o).expect_err("no 年度").to_string();
    assert!(e.contains("--fiscal-year"), "{e}");
    o.fiscal_year = Some(2024);
    let r = ingest::ingest(&mut s.wh, &o).expect("loads");
    assert_eq!(r.outcome, ingest::Outcome::Committed, "{:#?}", r.files[0].rejects);
    assert_eq!(r.files[0].source, Some("mhlw-genkyo"));
    assert_eq!(
        volumes(&s),
        [
            "富山県厚生農業協同組合連合会高岡病院|2023|1566|4321|25.0|1603",
            "富山県厚生農業協同組合連合会高岡病院|2024|1423|4005|23.9|1603",
            "富山県立中央病院|2023|2801|9876|41.5|1602",
            "富山県立中央病院|2024|2754|10112|40.2|1602",
            "黒部市民病院|2024|480|950|19.5|1601",
        ]
    );
}

#[test]
fn an_unknown_hospital_or_a_malformed_cell_refuses_the_report_with_the_row() {
    let mut s = store_with_designations();
    let before = s.state();
    let f = s.file(
        "bad.xlsx",
        &report(&[
            ["富山", "都道府県", "現況", "富山中央病院", "1", "2", "3", "4", "5", "6", "7"],
            ["高岡", "地域", "更新", "厚生連高岡病院", "約1,400", "2", "3", "4", "5", "6", "7"],
        ]),
    );
    let mut o = s.opts("hospital_volumes", vec![f], None);
    o.fiscal_year = Some(2024);
    let r = ingest::ingest(&mut s.wh, &o).expect("validated");
    assert_eq!(r.outcome, ingest::Outcome::Rejected);
    let rejects: Vec<String> =
        r.files[0].rejects.iter().map(|x| format!("{}|{}", x.line.unwrap_or(0), x.reason_ja)).collect();
    assert!(
        rejects.iter().any(|x| x.starts_with("4|") && x.contains("近い名称") && x.contains("富山県立中央病院")),
        "{rejects:?}"
    );
    assert!(rejects.iter().any(|x| x.starts_with("5|") && x.contains("約1,400")), "{rejects:?}");
    assert_eq!(s.state(), before);
}
