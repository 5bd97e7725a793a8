//! The corpus of bad and awkward inputs. Each one gets a clear answer, no panic,
//! and leaves the store exactly as it was.

use std::io::Write;

use ingest::pipeline::Outcome;
use rust_xlsxwriter::{Formula, Workbook};

use crate::support::*;

/// A store that already holds one committed load, so "unchanged" means something.
fn seeded() -> TestStore {
    let mut t = TestStore::new();
    let f = t.file("seed.csv", format!("{MEMBERS_HEADER}S1,正会員,医師,2020-04-01,,東京都,1980,男性\n").as_bytes());
    let r = t.ingest("members", vec![f], Some("2021-03-31")).expect("seed");
    assert_eq!(r.outcome, Outcome::Committed);
    t
}

fn members(t: &TestStore, name: &str, body: &str) -> std::path::PathBuf {
    t.file(name, format!("{MEMBERS_HEADER}{body}").as_bytes())
}

#[test]
fn cp932_with_nec_and_ibm_extension_characters_is_read_and_raw_kept() {
    let mut t = seeded();
    let csv = "区域年度,都道府県コード,構想区域コード,医療機関名,市区町村\nR7,13,1301,①㈱髙﨑病院,千代田区\n";
    let f = t.file("hosp.csv", &cp932(csv));
    let r = t.ingest("hospitals", vec![f], None).expect("ingest");
    assert_eq!(r.outcome, Outcome::Committed, "{r:?}");
    assert_eq!(r.files[0].encoding, Some(ingest::decode::Encoding::Cp932));
    let b = t.wh.query_arrow("SELECT hospital FROM hospitals").expect("q");
    let v = arrow::array::AsArray::as_string::<i32>(b[0].column(0)).value(0).to_string();
    assert!(v.contains("髙﨑病院"), "{v}");
    assert_eq!(t.wh.query_i64("SELECT COUNT(*) FROM raw_cells WHERE raw_value = '①㈱髙﨑病院'").expect("raw"), 1);
}

#[test]
fn bom_before_the_first_header() {
    let mut t = seeded();
    let f = t.file("bom.csv", &bom(&format!("{MEMBERS_HEADER}B1,正会員,医師,2020-04-01,,東京都,1980,男性\n")));
    let r = t.ingest("members", vec![f], Some("2022-03-31")).expect("ingest");
    assert_eq!(r.outcome, Outcome::Committed, "{r:?}");
}

#[test]
fn mixed_encodings_name_the_line_and_change_nothing() {
    let t0 = seeded();
    let mut t = t0;
    let before = t.state();
    let mut bytes = cp932(&format!("{MEMBERS_HEADER}A1,正会員,医師,2020-04-01,,東京都,1980,男性\n"));
    bytes.extend_from_slice("A2,正会員,医師,2020-04-01,,大阪府,1981,女性\n".as_bytes());
    let f = t.file("mixed.csv", &bytes);
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "3 行目は UTF-8");
    assert_eq!(before, t.state());
}

#[test]
fn dash_and_wave_dash_variants_and_full_width_digits_and_spaces() {
    let mut t = seeded();
    let body = "W1,　正会員　,医師,２０２０−０４−０１,,東京都,１９８０,男性\n\
                W2,正会員,医師,2020－04－01,,東京都,1980,女性\n\
                W3,正 会員,薬剤師,2020/4/1,,東京,1975,女性\n";
    let f = members(&t, "w.csv", body);
    let r = t.ingest("members", vec![f], Some("2022-03-31"));
    // "正 会員" (a space inside) is not a category: rejected with the hint.
    let rep = assert_rejected(r, 4, "もしかして 正会員");
    assert_eq!(rep.files[0].rows_ok, 2);
    let q = "年度,回答ID,年齢階級\n2024,1,〜29歳\n2024,2,～29歳\n";
    let f = t.file("ages.csv", q.as_bytes());
    let r = t.ingest("survey_responses", vec![f], None).expect("ingest");
    assert_eq!(r.outcome, Outcome::Committed, "{r:?}");
    assert_eq!(t.wh.query_i64("SELECT COUNT(*) FROM survey_responses WHERE age_band = '20代'").expect("q"), 2);
}

#[test]
fn half_width_katakana_becomes_full_width() {
    let mut t = seeded();
    let f = t.file("k.csv", "区域年度,都道府県コード,構想区域コード,医療機関名\nR7,1,101,ｶﾞﾝｾﾝﾀｰ病院\n".as_bytes());
    let r = t.ingest("hospitals", vec![f], None).expect("ingest");
    assert_eq!(r.outcome, Outcome::Committed, "{r:?}");
    assert_eq!(
        t.wh.query_i64("SELECT COUNT(*) FROM hospitals WHERE hospital = 'ガンセンター病院' AND area_code = '0101'")
            .expect("q"),
        1
    );
}

#[test]
fn impossible_wareki_dates_are_rejected_and_gannen_accepted() {
    let mut t = seeded();
    let before = t.state();
    let body = "D1,正会員,医師,平成31年5月1日,,東京都,1980,男性\n\
                D2,正会員,医師,昭和64年1月8日,,東京都,1980,男性\n\
                D3,正会員,医師,令和元年5月1日,,東京都,1980,男性\n";
    let f = members(&t, "d.csv", body);
    let rep = assert_rejected(t.ingest("members", vec![f.clone()], Some("2022-03-31")), 2, "存在しない和暦");
    assert!(rep.files[0].rejects.iter().any(|r| r.line == Some(3)));
    assert_eq!(rep.files[0].rows_ok, 1, "令和元年 is fine");
    assert!(rep.files[0].reject_file.as_ref().is_some_and(|p| p.exists()));
    assert_eq!(before, t.state());
}

#[test]
fn excel_serial_60_and_two_digit_years() {
    let mut t = seeded();
    let before = t.state();
    let body = "E1,正会員,医師,60,,東京都,1980,男性\nE2,正会員,医師,45748,,東京都,1980,男性\nE3,正会員,医師,20/4/1,,東京都,1980,男性\n";
    let f = members(&t, "e.csv", body);
    let rep = assert_rejected(t.ingest("members", vec![f], Some("2026-03-31")), 2, "1900年2月29日");
    assert!(rep.files[0].rejects.iter().any(|r| r.line == Some(4) && r.reason_en.contains("two-digit")));
    assert_eq!(before, t.state());
}

#[test]
fn prefecture_codes_1_and_01_accepted_48_rejected() {
    let mut t = seeded();
    let body = "P1,正会員,医師,2020-04-01,,1,1980,男性\nP2,正会員,医師,2020-04-01,,01,1980,男性\nP3,正会員,医師,2020-04-01,,48,1980,男性\n";
    let f = members(&t, "p.csv", body);
    let rep = assert_rejected(t.ingest("members", vec![f], Some("2022-03-31")), 4, "01–47");
    assert_eq!(rep.files[0].rows_ok, 2);
}

#[test]
fn numbers_with_commas_and_full_width_digits() {
    let mut t = seeded();
    let tsv = "医療機関名\t構想区域コード\t年度\t院内がん登録数\t悪性腫瘍手術件数\t化学療法のべ患者数\t放射線治療のべ患者数\n\
               A病院\t1301\t2024年度\t\"1,234\"\t１２３４\t１，０００\t0\n";
    let f = t.file("v.tsv", tsv.as_bytes());
    let r = t.ingest("hospital_volumes", vec![f], None).expect("ingest");
    assert_eq!(r.outcome, Outcome::Committed, "{r:?}");
    assert_eq!(
        t.wh.query_i64("SELECT cancer_registry + surgery + chemotherapy FROM hospital_volumes").expect("q"),
        1234 + 1234 + 1000
    );
}

#[test]
fn quoted_newlines_ragged_rows_and_trailing_empty_rows() {
    let mut t = seeded();
    let body = "Q1,正会員,医師,2020-04-01,,\"東京\n都\",1980,男性\nQ2,正会員,医師\nQ3,正会員,医師,2020-04-01,,東京都,1980,男性\n,,,,,,,\n\n";
    let f = members(&t, "q.csv", body);
    let rep = t.ingest("members", vec![f], Some("2022-03-31")).expect("ingest");
    assert_eq!(rep.outcome, Outcome::Rejected);
    let lines: Vec<Option<u64>> = rep.files[0].rejects.iter().map(|r| r.line).collect();
    // Q1's prefecture "東京\n都" is not a prefecture; Q2 starts on line 4 (after the quoted newline) and is ragged.
    assert!(lines.contains(&Some(2)), "{lines:?}");
    assert!(
        rep.files[0].rejects.iter().any(|r| r.line == Some(4) && r.reason_en.contains("cells where the header has 8"))
    );
    assert_eq!(rep.files[0].rows_ok, 1);
}

#[test]
fn duplicate_and_empty_headers() {
    let mut t = seeded();
    let before = t.state();
    let f = t.file("dh.csv", "会員番号,会員種別,会員種別,職種,入会日\nX,正会員,正会員,医師,2020-04-01\n".as_bytes());
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "2 列目と 3 列目");
    let f = t.file("eh.csv", "会員番号,会員種別,,職種,入会日\nX,正会員,値,医師,2020-04-01\n".as_bytes());
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "3 列目に見出しがありません");
    assert_eq!(before, t.state());
}

#[test]
fn nul_bytes_and_empty_files() {
    let mut t = seeded();
    let before = t.state();
    let f = t.file("nul.csv", format!("{MEMBERS_HEADER}N1,正会員,医師,2020-04-01,,東京都,19\u{0}80,男性\n").as_bytes());
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "2 行目に NUL");
    let f = t.file("empty.csv", b"");
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "ファイルが空です");
    let f = t.file("header_only.csv", MEMBERS_HEADER.as_bytes());
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "データ行がありません");
    assert_eq!(before, t.state());
}

#[test]
fn duplicate_member_ids_and_leaving_before_joining() {
    let mut t = seeded();
    let before = t.state();
    let body = "M1,正会員,医師,2020-04-01,,東京都,1980,男性\nＭ１,正会員,医師,2020-04-01,,東京都,1980,男性\nM2,正会員,医師,2020-04-01,2019-04-01,東京都,1980,男性\n";
    let f = members(&t, "dup.csv", body);
    let rep = assert_rejected(t.ingest("members", vec![f], Some("2022-03-31")), 3, "2 行目と重複");
    assert!(rep.files[0].rejects.iter().any(|r| r.line == Some(4) && r.reason_ja.contains("入会日")));
    assert_eq!(before, t.state());
}

#[test]
fn accept_partial_commits_good_rows_and_records_rejects() {
    let mut t = seeded();
    let body = "G1,正会員,医師,2020-04-01,,東京都,1980,男性\nG2,正会員,医師,2023-02-29,,東京都,1980,男性\n";
    let f = members(&t, "partial.csv", body);
    let mut o = t.opts("members", vec![f], Some("2022-03-31"));
    o.accept_partial = true;
    let rep = ingest::ingest(&mut t.wh, &o).expect("ingest");
    assert_eq!(rep.outcome, Outcome::Committed);
    assert_eq!(t.wh.query_i64("SELECT COUNT(*) FROM load_rejects WHERE row_no = 3").expect("q"), 1);
    assert_eq!(t.wh.query_i64("SELECT rows_rejected FROM loads ORDER BY load_id DESC LIMIT 1").expect("q"), 1);
}

#[test]
fn check_only_commits_nothing_and_the_same_file_twice_is_a_no_op() {
    let mut t = seeded();
    let before = t.state();
    let f = members(&t, "ok.csv", "C1,正会員,医師,2020-04-01,,東京都,1980,男性\n");
    let mut o = t.opts("members", vec![f.clone()], Some("2022-03-31"));
    o.check_only = true;
    assert_eq!(ingest::ingest(&mut t.wh, &o).expect("check").outcome, Outcome::Checked);
    assert_eq!(before, t.state());
    assert_eq!(t.ingest("members", vec![f.clone()], Some("2022-03-31")).expect("1st").outcome, Outcome::Committed);
    let after = t.state();
    let again = t.ingest("members", vec![f], Some("2022-03-31")).expect("2nd");
    assert_eq!(again.outcome, Outcome::NothingNew);
    assert!(again.files[0].duplicate_of.is_some());
    assert_eq!(after, t.state());
}

#[test]
fn xlsx_with_merged_cells_hidden_sheet_and_na_cells() {
    let mut t = seeded();
    let mut wb = Workbook::new();
    let hidden = wb.add_worksheet();
    hidden.set_name("旧データ").expect("name");
    hidden.write_string(0, 0, "これは読まない").expect("w");
    hidden.set_hidden(true);
    let ws = wb.add_worksheet();
    ws.set_name("名簿").expect("name");
    ws.set_active(true); // Excel never hides the active sheet

    for (c, h) in ["会員番号", "会員種別", "職種", "入会日", "勤務先都道府県"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("w");
    }
    for r in 1..=3u32 {
        ws.write_string(r, 0, format!("X{r}")).expect("w");
        ws.write_string(r, 2, "医師").expect("w");
        ws.write_string(r, 3, "2020-04-01").expect("w");
        ws.write_string(r, 4, "東京都").expect("w");
    }
    ws.merge_range(1, 1, 3, 1, "正会員", &rust_xlsxwriter::Format::new()).expect("merge");
    ws.write_formula(3, 4, Formula::new("=NA()").set_result("#N/A")).expect("formula");
    let bytes = wb.save_to_buffer().expect("xlsx");
    let f = t.file("m.xlsx", &bytes);
    let rep = assert_rejected(t.ingest("members", vec![f], Some("2022-03-31")), 4, "#N/A");
    let file = &rep.files[0];
    assert_eq!(file.rows_ok, 2, "merged 会員種別 filled down: {file:?}");
    assert!(file.notes.iter().any(|n| n.contains("旧データ")), "{:?}", file.notes);
}

#[test]
fn encrypted_truncated_and_zip_bomb_xlsx_are_refused_before_reading() {
    let mut t = seeded();
    let before = t.state();
    let mut cfb = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    cfb.resize(4096, 0);
    let f = t.file("enc.xlsx", &cfb);
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "暗号化");

    let mut wb = Workbook::new();
    wb.add_worksheet().write_string(0, 0, "会員番号").expect("w");
    let good = wb.save_to_buffer().expect("xlsx");
    let f = t.file("trunc.xlsx", &good[..good.len() / 2]);
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "壊れています");

    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opt = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        z.start_file("xl/worksheets/sheet1.xml", opt).expect("start");
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..40 {
            z.write_all(&zeros).expect("write");
        }
        z.finish().expect("finish");
    }
    let bomb = buf.into_inner();
    assert!(bomb.len() < 200_000, "a real bomb: {} bytes", bomb.len());
    let f = t.file("bomb.xlsx", &bomb);
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "zip 爆弾");
    // The same bomb with its sizes rewritten to 1 KB in the local header and the directory:
    // only inflating tells.
    let mut liar = bomb.clone();
    let small = 1024u32.to_le_bytes();
    liar[22..26].copy_from_slice(&small);
    let dir = liar.windows(4).rposition(|w| w == b"PK\x01\x02").expect("central directory");
    liar[dir + 24..dir + 28].copy_from_slice(&small);
    let f = t.file("liar.xlsx", &liar);
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "zip 爆弾");
    let f = t.file("text.xlsx", b"not a workbook");
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "Excel ブックではありません");
    let f = t.file("empty.xlsx", b"");
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "空");
    assert_eq!(before, t.state());
}

#[test]
fn utf16_tab_separated_text_from_excel() {
    let mut t = seeded();
    let text = "会員番号\t会員種別\t職種\t入会日\nU1\t正会員\t医師\t2020/4/1\n";
    let f = t.file("u16.txt", &ingest::decode::encode_utf16le(text));
    let r = t.ingest("members", vec![f], Some("2022-03-31")).expect("ingest");
    assert_eq!(r.outcome, Outcome::Committed, "{r:?}");
    assert_eq!(r.files[0].encoding, Some(ingest::decode::Encoding::Utf16Le));
}

#[test]
fn unknown_label_gets_a_did_you_mean_hint_and_unknown_columns_are_kept_aside() {
    let mut t = seeded();
    let f =
        t.file("h.csv", "区域年度,都道府県コード,構想区域コード,医療機関名,備考\nR7,13,1301,A病院,メモ\n".as_bytes());
    let rep = t.ingest("hospitals", vec![f], None).expect("ingest");
    assert_eq!(rep.files[0].extra_columns, vec!["備考".to_string()]);
    assert_eq!(
        t.wh.query_i64("SELECT COUNT(*) FROM extra_cells WHERE column_name = '備考' AND value = 'メモ'").expect("q"),
        1
    );
    let f = t.file(
        "x.csv",
        "会員番号,会員種別,職種,入会日\nH1,正会員,医師,2020-04-01\nH2,正会委,医師,2020-04-01\n".as_bytes(),
    );
    assert_rejected(t.ingest("members", vec![f], Some("2022-03-31")), 3, "もしかして 正会員");
}

#[test]
fn unknown_columns_of_a_roster_are_reported_but_their_personal_values_never_stored() {
    let mut t = seeded();
    let body =
        "会員番号,会員種別,職種,入会日,氏名,メールアドレス\nP1,正会員,医師,2020-04-01,山田太郎,taro@example.jp\n";
    let f = t.file("names.csv", body.as_bytes());
    let rep = t.ingest("members", vec![f], Some("2022-03-31")).expect("ingest");
    assert_eq!(rep.outcome, Outcome::Committed);
    assert_eq!(rep.files[0].extra_columns, vec!["氏名".to_string(), "メールアドレス".to_string()]);
    assert!(rep.files[0].notes.iter().any(|n| n.contains("個人情報保護")), "{:?}", rep.files[0].notes);
    for table in ["extra_cells", "raw_cells", "member_snapshots", "members", "member_history"] {
        let n = t
            .wh
            .query_i64(&format!("SELECT COUNT(*) FROM {table} t WHERE CAST(t AS VARCHAR) LIKE '%山田%' OR CAST(t AS VARCHAR) LIKE '%taro@%' OR CAST(t AS VARCHAR) LIKE '%P1%'"))
            .expect("q");
        assert_eq!(n, 0, "personal data found in {table}");
    }
}

#[test]
fn a_missing_required_column_names_it_with_a_hint() {
    let mut t = seeded();
    let f = t.file("mc.csv", "会員番号,会員種類,職種,入会日\nX,正会員,医師,2020-04-01\n".as_bytes());
    assert_file_error(t.ingest("members", vec![f], Some("2022-03-31")), "'会員種類' → 会員種別?");
}

#[test]
fn a_user_header_map_renames_columns() {
    let mut t = seeded();
    let map = t.file("map.txt", "ID = 会員番号\n種別 = category # the office's own name\n".as_bytes());
    let f = t.file("hm.csv", "ID,種別,職種,入会日\nX9,正会員,医師,2020-04-01\n".as_bytes());
    let mut o = t.opts("members", vec![f], Some("2022-03-31"));
    o.header_map = Some(map);
    assert_eq!(ingest::ingest(&mut t.wh, &o).expect("ingest").outcome, Outcome::Committed);
}
