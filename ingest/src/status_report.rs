//! The ministry's 現況報告 volume table, loaded as published (as `hospital_volumes`):
//! `医療圏名 | 類型 | 申請区分 | 病院名 | 院内がん登録数(年間)500件以上 | 悪性腫瘍の手術件数(年間)400件以上 |
//! がんに係る薬物療法のべ患者数(年間)1,000人以上 | 放射線治療のべ患者数(年間)200人以上 | 緩和ケアチームに対する新規診療依頼数 |
//! 当該2次医療圏に居住するがん患者の診療の割合(%) | 相談支援センター相談件数`.
//!
//! - Thresholds written inside headers (「(年間)500件以上」, 「(%)」) are not part of the names.
//! - A cell may hold two figures: the previous year's in brackets above the current year's
//!   (`(1,566)` / `1,423`); both years are loaded, the current one as `--fiscal-year`.
//! - Hospitals are found among the designations held (a 現況報告 is about designated hospitals),
//!   else among the master's hospitals of the areas named 医療圏名; 医療圏名 breaks ties. A name
//!   found nowhere, or several times, is a reject naming the candidates.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, Float64Builder, Int32Builder, Int64Builder, RecordBatch, StringBuilder};
use regex::Regex;

use crate::datasets::{Env, Validated};
use crate::error::Result;
use crate::headers::key;
use crate::hospital_names::{Found, find};
use crate::normalize::{self, Problem};
use crate::table::RawTable;
use crate::validate::Checker;

/// The `loads.source` of a 現況報告 load.
pub const SOURCE: &str = "mhlw-genkyo";

static THRESHOLD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[(（]年間[)）]|[(（]\s*[%％]\s*[)）]|\d[\d,，]*\s*(?:件|人)?以上$").expect("a valid pattern (tested)")
});
static TWO_YEARS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[(（]\s*([\d.,]+)\s*[)）])?\s*([\d.,]*)\s*$").expect("a valid pattern (tested)")
});

/// A header without the threshold written into it: 「院内がん登録数(年間)500件以上」 → 「院内がん登録数」.
pub fn clean_header(h: &str) -> String {
    let t = normalize::text(h);
    let one: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let mut s = one;
    loop {
        let next = THRESHOLD.replace_all(&s, "").into_owned();
        if next == s {
            return s;
        }
        s = next;
    }
}

/// Whether a `hospital_volumes` file is the ministry's 現況報告: 医療圏名 and 病院名, no 構想区域コード.
pub fn is_report(headers: &[String]) -> bool {
    let keys: Vec<String> = headers.iter().map(|h| key(&clean_header(h))).collect();
    let has = |k: &str| keys.iter().any(|x| x == k);
    has("医療圏名") && (has("病院名") || has("医療機関名")) && !has("構想区域コード")
}

/// A cell of one or two years: (previous year's, current year's).
fn two_years(raw: &str) -> std::result::Result<(Option<f64>, Option<f64>), Problem> {
    let text = normalize::text(raw);
    let t = text.trim();
    if normalize::is_blank_raw(t) {
        return Ok((None, None));
    }
    let bad = || {
        Problem::new(
            format!("「{t}」は数でも「(前年) 当年」の形でもありません"),
            format!("{t:?} is neither a number nor (previous) current"),
        )
    };
    let c = TWO_YEARS.captures(t).ok_or_else(bad)?;
    let num = |m: Option<regex::Match<'_>>| -> std::result::Result<Option<f64>, Problem> {
        match m.map(|m| m.as_str().replace(',', "")) {
            Some(s) if !s.is_empty() => s.parse::<f64>().map(Some).map_err(|_| bad()),
            _ => Ok(None),
        }
    };
    Ok((num(c.get(1))?, num(c.get(2))?))
}

/// A designated or master hospital a report row may name.
#[derive(Debug, Clone)]
struct Candidate {
    name: String,
    area_code: String,
    area_name: String,
}

/// Columns of [`crate::spec::ministry::STATUS_REPORT`] holding figures, in the payload's order after the
/// four volumes: 4 volumes, then 緩和ケア, 割合, 相談.
const FIGURES: [usize; 7] = [4, 5, 6, 7, 8, 9, 10];

/// Validates a 現況報告 whose current figures are of 年度 `fy`.
pub fn validate(ck: &mut Checker<'_>, table: &RawTable, env: &Env<'_>, fy: i32) -> Result<Validated> {
    let refs = env.refs;
    let mut designated: Vec<Candidate> = Vec::new();
    for h in &refs.designations {
        if !designated.iter().any(|c| c.name == h.hospital) {
            designated.push(Candidate {
                name: h.hospital.clone(),
                area_code: h.area_code.clone().unwrap_or_default(),
                area_name: h.area_name.clone().unwrap_or_default(),
            });
        }
    }
    let master: Vec<Candidate> = refs
        .hospitals
        .values()
        .flatten()
        .map(|h| Candidate { name: h.name.clone(), area_code: h.area_code.clone(), area_name: h.area_name.clone() })
        .collect();
    let mut rows: Vec<ReportRow> = Vec::new();
    let mut seen: HashMap<(String, i32), u64> = HashMap::new();
    let mut total = 0;
    for row in table.rows() {
        let mut r = ck.row(row);
        total += 1;
        let area = r.text(0).flatten();
        let kind = r.text(1).flatten();
        let application = r.text(2).flatten();
        let Some(name) = r.text(3).flatten() else { continue };
        let mut figures: [(Option<f64>, Option<f64>); 7] = [(None, None); 7];
        for (i, ci) in FIGURES.iter().enumerate() {
            match two_years(r.raw(*ci)) {
                Ok(v) => figures[i] = v,
                Err(p) => r.reject_at(*ci, p),
            }
        }
        let area_s = area.clone().unwrap_or_default();
        let found = {
            let pick = |cands: &[Candidate]| match find(&name, cands, |c| c.name.clone()) {
                Found::Several(v) => {
                    let here: Vec<Candidate> = v.iter().filter(|c| c.area_name == area_s).cloned().collect();
                    if here.len() == 1 { Found::One(here[0].clone()) } else { Found::Several(v) }
                }
                other => other,
            };
            match pick(&designated) {
                Found::None { closest } => {
                    let in_area: Vec<Candidate> = master.iter().filter(|c| c.area_name == area_s).cloned().collect();
                    match pick(&in_area) {
                        Found::None { closest: more } => {
                            Found::None { closest: closest.into_iter().chain(more).take(3).collect() }
                        }
                        other => other,
                    }
                }
                other => other,
            }
        };
        let list =
            |v: &[Candidate]| v.iter().map(|c| format!("{}（{}）", c.name, c.area_name)).collect::<Vec<_>>().join("、");
        let cand = match found {
            Found::One(c) => Some(c),
            Found::None { closest } => {
                let hint =
                    if closest.is_empty() { String::new() } else { format!("近い名称: {}。", list(&closest)) };
                r.reject_at(
                    3,
                    Problem::new(
                        format!("「{name}」は指定病院にも、医療圏「{area_s}」の医療機関マスタにもありません。{hint}"),
                        format!("{name:?} is neither a designated hospital nor in the master's {area_s:?}"),
                    ),
                );
                None
            }
            Found::Several(v) => {
                r.reject_at(
                    3,
                    Problem::new(
                        format!("「{name}」に当たる病院が複数あります: {}。医療圏名で決められません", list(&v)),
                        format!("{name:?} matches several hospitals and 医療圏名 does not tell them apart"),
                    ),
                );
                None
            }
        };
        let (line, ok) = (r.line(), r.ok);
        let (Some(c), true) = (cand, ok) else { continue };
        let texts = [area.clone(), kind, application];
        for (year, pick) in [(fy, 1usize), (fy - 1, 0usize)] {
            let vals: [Option<f64>; 7] = std::array::from_fn(|i| if pick == 1 { figures[i].1 } else { figures[i].0 });
            if pick == 0 && vals.iter().all(Option::is_none) {
                continue;
            }
            if let Some(first) = seen.insert((c.name.clone(), year), line) {
                let p = Problem::new(
                    format!("{first} 行目と同じ病院（{}）の {year} 年度です", c.name),
                    format!("the same hospital ({}) and 年度 {year} as line {first}", c.name),
                );
                ck.reject_line(line, Some("病院名"), Some(&name), p);
                break;
            }
            rows.push(ReportRow { line, hospital: c.clone(), year, figures: vals, texts: texts.clone() });
        }
    }
    let ok_lines: std::collections::BTreeSet<u64> = rows.iter().map(|r| r.line).collect();
    let batch = batch(&rows)?;
    let years = rows.iter().filter(|r| r.year == fy - 1).count();
    let mut warnings = vec![format!(
        "現況報告: {fy} 年度 {} 病院、括弧内の前年（{} 年度）{years} 病院を読みました / read {fy} and, from brackets, {}",
        rows.len() - years,
        fy - 1,
        fy - 1
    )];
    if rows.iter().any(|r| r.figures[5].is_some_and(|s| s > 100.0)) {
        warnings.push("居住患者の診療の割合に 100% を超える値があります / a resident share above 100%".into());
    }
    Ok(Validated {
        batches: vec![(&store::schema::HOSPITAL_VOLUMES, batch)],
        rows_total: total,
        rows_ok: ok_lines.len(),
        warnings,
        ..Default::default()
    })
}

/// One hospital's figures of one 年度, as loaded.
#[derive(Debug, Clone)]
struct ReportRow {
    line: u64,
    hospital: Candidate,
    year: i32,
    /// The four volumes, then 緩和ケア, 割合, 相談.
    figures: [Option<f64>; 7],
    /// 医療圏名, 類型, 申請区分 as written.
    texts: [Option<String>; 3],
}

fn batch(rows: &[ReportRow]) -> Result<RecordBatch> {
    let count = |v: Option<f64>| v.map(|x| x.round().clamp(0.0, f64::from(i32::MAX)) as i32);
    let mut row_no = Int64Builder::new();
    let (mut hosp, mut code) = (StringBuilder::new(), StringBuilder::new());
    let mut fy = Int32Builder::new();
    let mut ints: Vec<Int32Builder> = (0..4).map(|_| Int32Builder::new()).collect();
    let mut texts: Vec<StringBuilder> = (0..3).map(|_| StringBuilder::new()).collect();
    let (mut pal, mut share, mut con) = (Int32Builder::new(), Float64Builder::new(), Int32Builder::new());
    for ReportRow { line, hospital: c, year, figures: v, texts: t } in rows {
        row_no.append_value(*line as i64);
        hosp.append_value(&c.name);
        code.append_value(&c.area_code);
        fy.append_value(*year);
        for (b, x) in ints.iter_mut().zip(&v[..4]) {
            b.append_option(count(*x));
        }
        for (b, x) in texts.iter_mut().zip(t) {
            b.append_option(x.as_deref());
        }
        pal.append_option(count(v[4]));
        share.append_option(v[5]);
        con.append_option(count(v[6]));
    }
    let mut cols: Vec<ArrayRef> = vec![Arc::new(row_no.finish()), Arc::new(hosp.finish()), Arc::new(code.finish())];
    cols.push(Arc::new(fy.finish()));
    cols.extend(ints.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    cols.extend(texts.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    cols.extend([Arc::new(pal.finish()) as ArrayRef, Arc::new(share.finish()), Arc::new(con.finish())]);
    Ok(RecordBatch::try_new(store::schema::HOSPITAL_VOLUMES.payload_schema(), cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_leave_the_headers_and_two_years_share_a_cell() {
        assert_eq!(clean_header("院内がん登録数(年間)500件以上"), "院内がん登録数");
        assert_eq!(clean_header("がんに係る薬物療法のべ患者数（年間）1,000人以上"), "がんに係る薬物療法のべ患者数");
        assert_eq!(
            clean_header("当該2次医療圏に居住するがん患者の診療の割合(%)"),
            "当該2次医療圏に居住するがん患者の診療の割合"
        );
        assert_eq!(clean_header("相談支援センター相談件数"), "相談支援センター相談件数");
        assert_eq!(two_years("(1,566)\n1,423").ok(), Some((Some(1566.0), Some(1423.0))));
        assert_eq!(two_years("（１，５６６）　１，４２３").ok(), Some((Some(1566.0), Some(1423.0))));
        assert_eq!(two_years("1,423").ok(), Some((None, Some(1423.0))));
        assert_eq!(two_years("(45.2)\n43.1").ok(), Some((Some(45.2), Some(43.1))));
        assert_eq!(two_years("").ok(), Some((None, None)));
        assert!(two_years("約1,400").is_err());
    }
}
