//! The ministry's designation list (がん診療連携拠点病院等一覧表) loaded as it is published: a
//! title row with the date (「…一覧表（令和7年4月1日現在）」), then per 類型 a section row
//! (【地域がん診療連携拠点病院（高度型）】) with the header `No | 都道府県名 | 医療機関名 | 指定年限`
//! and one row per hospital. The list has no area and no designation dates, so:
//!
//! - each hospital is matched to the hospital master by name within its prefecture
//!   ([`crate::hospital_names`], then the [`name_map`]), which gives its 構想区域; a name that
//!   matches no hospital or several is a reject naming the closest candidates and their areas;
//! - the list is the state on its date, and [`periods`] diffs it against the designations held
//!   so far (at commit, inside the load's transaction): a hospital missing from a later list ends
//!   the day before, a change of 類型 is dated.
//!
//! - `held`: designation rows and master hospitals, to and from Arrow;
//! - [`name_map`]: the name-map file, kept in the warehouse for next year;
//! - [`periods`]: the diff of successive lists.

pub mod held;
pub mod name_map;
pub mod periods;

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use chrono::NaiveDate;
use model::designation::DesignationType;
use regex::Regex;

pub use held::{Held, ListLoad, MasterHospital};
pub use name_map::NameMap;

use crate::datasets::{Env, Validated};
use crate::error::{Error, Result};
use crate::headers::key;
use crate::hospital_names::{Found, find};
use crate::normalize::{self, Problem};
use crate::table::RawTable;
use crate::validate::Checker;

/// The `loads.source` of a list load.
pub const SOURCE: &str = "mhlw-list";

/// Words in brackets after a hospital's name that are notes, not a partner.
const NOTE_WORDS: [&str; 4] = ["地域がん診療病院", "特例型", "高度型", "特定領域"];

static SECTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^【([^】]+)】").expect("a valid pattern (tested)"));
static BRACKET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[(（]([^()（）]*)[)）]").expect("a valid pattern (tested)"));

/// The section a row (or title row) opens: the text in 【】 when every filled cell holds it
/// (merged cells repeat it).
fn section_of<'a>(cells: impl Iterator<Item = &'a str>) -> Option<String> {
    let filled: Vec<String> = cells.map(|c| normalize::text(c).trim().to_string()).filter(|c| !c.is_empty()).collect();
    let first = filled.first()?;
    if filled.iter().any(|c| c != first) {
        return None;
    }
    SECTION.captures(first).map(|c| c[1].to_string())
}

/// Whether a `designations` file is the ministry's list: no 指定類型 column, and a 【類型】 section
/// above or among its rows.
pub fn is_list(table: &RawTable) -> bool {
    let keys: Vec<String> = table.headers.iter().map(|h| key(h)).collect();
    if keys.iter().any(|k| k == "指定類型" || k == "類型" || k == "designation") {
        return false;
    }
    table.title_rows.iter().any(|(_, cells)| section_of(cells.iter().map(String::as_str)).is_some())
        || table.rows().any(|r| section_of((0..table.headers.len()).map(|i| r.cell(i))).is_some())
}

/// A hospital's name as listed, without its bracketed notes, and the partner a 地域がん診療病院
/// names in brackets.
fn split_name(listed: &str) -> (String, Option<String>) {
    let partner = BRACKET
        .captures_iter(listed)
        .map(|c| c[1].trim().to_string())
        .find(|c| !c.is_empty() && !c.starts_with('旧') && !NOTE_WORDS.iter().any(|w| c.contains(w)));
    (BRACKET.replace_all(listed, "").trim().to_string(), partner)
}

fn with_area(h: &MasterHospital) -> String {
    format!("{}（{}）", h.name, h.area_name)
}

fn names(hs: &[MasterHospital]) -> String {
    hs.iter().map(with_area).collect::<Vec<_>>().join("、")
}

/// The master hospital a list's name stands for, in a prefecture's hospitals: the name map
/// first, then the name itself.
fn resolve<'m>(
    listed: &str,
    bare: &str,
    pref: i32,
    here: &'m [MasterHospital],
    map: &NameMap,
) -> std::result::Result<&'m MasterHospital, Problem> {
    if let Some(master) = map.get(pref, listed).or_else(|| map.get(pref, bare)) {
        let wanted = key(master);
        return here.iter().find(|h| key(&h.name) == wanted).ok_or_else(|| {
            Problem::new(
                format!(
                    "名称対応の「{master}」が医療機関マスタのこの都道府県にありません。名称対応ファイルを直してください"
                ),
                format!("the name map gives {master:?}, which the hospital master does not hold in this prefecture"),
            )
        });
    }
    let idx: Vec<usize> = (0..here.len()).collect();
    match find(bare, &idx, |&i| here[i].name.clone()) {
        Found::One(i) => Ok(&here[i]),
        Found::None { closest } => {
            let near: Vec<MasterHospital> = closest.iter().map(|&i| here[i].clone()).collect();
            let hint = if near.is_empty() { String::new() } else { format!("近い名称: {}。", names(&near)) };
            Err(Problem::new(
                format!(
                    "「{bare}」は医療機関マスタのこの都道府県にありません。{hint}名称対応ファイル (--name-map) で対応を指定してください"
                ),
                format!(
                    "{bare:?} is not in the hospital master of this prefecture; closest: {}; give it in a name map (--name-map)",
                    near.iter().map(|h| h.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            ))
        }
        Found::Several(is) => {
            let several: Vec<MasterHospital> = is.iter().map(|&i| here[i].clone()).collect();
            Err(Problem::new(
                format!(
                    "「{bare}」に当たる病院が医療機関マスタに複数あります: {}。名称対応ファイル (--name-map) でどれかを指定してください",
                    names(&several)
                ),
                format!(
                    "{bare:?} matches several hospitals of the master: {}; choose one in a name map (--name-map)",
                    several.iter().map(|h| h.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            ))
        }
    }
}

/// Validates a list in force on `as_of`: sections, prefectures, names matched to the master.
/// The batch holds the list's designations from `as_of`; the periods are made at commit.
pub fn validate(
    ck: &mut Checker<'_>,
    table: &RawTable,
    env: &Env<'_>,
    as_of: NaiveDate,
    file_map: &NameMap,
) -> Result<Validated> {
    let refs = env.refs;
    if refs.hospitals.is_empty() {
        return Err(Error::file(
            std::path::Path::new(ck.file),
            "一覧表の病院を構想区域に結びつけるには医療機関マスタが必要です。先に取り込んでください (oncometrics ingest hospitals data/reference/facility_basic.csv)",
            "the list's hospitals are placed in areas through the hospital master; ingest hospitals first",
        ));
    }
    let map = refs.name_map.clone().merged(file_map);
    let empty: Vec<MasterHospital> = Vec::new();
    let header_keys: Vec<String> = table.headers.iter().map(|h| key(h)).collect();
    let width = table.headers.len();
    // The section the title rows open, if any.
    let mut section: Option<(u64, String, Option<DesignationType>)> = table
        .title_rows
        .iter()
        .rev()
        .find_map(|(line, cells)| section_of(cells.iter().map(String::as_str)).map(|s| (*line, s)))
        .map(|(line, s)| {
            let t = DesignationType::parse(&s);
            (line, s, t)
        });
    if let Some((line, s, None)) = &section {
        ck.reject_line(*line, Some("類型"), Some(s), unknown_section(s));
    }
    let mut list: Vec<Held> = Vec::new();
    let mut seen: HashMap<(i32, String), u64> = HashMap::new();
    let (mut rows_total, mut carried, mut missing_partner) = (0usize, 0usize, 0usize);
    let mut notes: Vec<String> = Vec::new();
    let mut last_pref: Option<i32> = None;
    for row in table.rows() {
        let cells = || (0..width).map(|i| row.cell(i));
        if let Some(s) = section_of(cells()) {
            let t = DesignationType::parse(&s);
            if t.is_none() {
                rows_total += 1;
                ck.reject_line(row.line(), Some("類型"), Some(&s), unknown_section(&s));
            }
            section = Some((row.line(), s, t));
            last_pref = None;
            continue;
        }
        if cells().zip(&header_keys).all(|(c, h)| c.trim().is_empty() || key(c) == *h) {
            continue; // the header again, under a section
        }
        let mut r = ck.row(row);
        let hospital = r.raw(2).trim().to_string();
        if hospital.is_empty() {
            let said: Vec<&str> = cells().map(str::trim).filter(|c| !c.is_empty()).collect();
            if !said.is_empty() {
                notes.push(format!("{} 行目「{}」は病院の行ではないため読み飛ばしました", r.line(), said.join(" ")));
            }
            continue;
        }
        rows_total += 1;
        let ty = match &section {
            Some((_, _, Some(t))) => Some(*t),
            Some((at, s, None)) => {
                let p = Problem::new(
                    format!("{at} 行目の類型「{s}」が分からないため、この行の類型も決まりません"),
                    format!("the section on line {at} ({s:?}) is unknown, so is this row's 類型"),
                );
                r.reject(None, &hospital, p);
                None
            }
            None => {
                let p = Problem::new(
                    "類型の見出し（【地域がん診療連携拠点病院】など）より前に病院の行があります",
                    "a hospital row before any 類型 section (【…】)",
                );
                r.reject(None, &hospital, p);
                None
            }
        };
        let pref = match r.prefecture(1) {
            Some(Some(p)) => Some(i32::from(p.code())),
            Some(None) => {
                if last_pref.is_some() {
                    carried += 1;
                } else {
                    let p = Problem::new(
                        "都道府県名が空で、上の行にもありません",
                        "都道府県名 is empty and no row above in the section gives one",
                    );
                    r.reject_at(1, p);
                }
                last_pref
            }
            None => None,
        };
        if let Some(p) = pref {
            last_pref = Some(p);
        }
        let listed = normalize::text(&hospital).into_owned();
        let (bare, partner) = split_name(&listed);
        let master = pref.and_then(|p| {
            let here = refs.hospitals.get(&p).unwrap_or(&empty);
            match resolve(&listed, &bare, p, here, &map) {
                Ok(m) => Some(m),
                Err(problem) => {
                    r.reject_at(2, problem);
                    None
                }
            }
        });
        let (line, ok) = (r.line(), r.ok);
        let (Some(ty), Some(pref), Some(master), true) = (ty, pref, master, ok) else { continue };
        if let Some(first) = seen.insert((pref, master.name.clone()), line) {
            let p = Problem::new(
                format!("{first} 行目と同じ病院（{}）です", master.name),
                format!("the same hospital as line {first} ({})", master.name),
            );
            ck.reject_line(line, Some("医療機関名"), Some(&hospital), p);
            continue;
        }
        let partner = partner.filter(|_| ty.is_regional_cancer_hospital());
        if ty.is_regional_cancer_hospital() && partner.is_none() {
            missing_partner += 1;
        }
        list.push(Held {
            row_no: line as i64,
            prefecture: pref,
            hospital: master.name.clone(),
            area_code: Some(master.area_code.clone()),
            area_name: Some(master.area_name.clone()),
            designation: ty.label().to_string(),
            from: as_of,
            until: None,
            partner,
        });
    }
    let rows_ok = list.len();
    let identities = identities(&refs.designations, refs, &map);
    let load = ListLoad { as_of, identities, name_map: map };
    let (_, changes) = periods::periods(&refs.designations, &list, as_of, |h| load.key(h));
    let mut warnings = notes;
    if carried > 0 {
        warnings.push(format!("都道府県名が空欄の {carried} 行は上の行の都道府県としました / {carried} rows without 都道府県名 took the row above's"));
    }
    if missing_partner > 0 {
        warnings.push(format!(
            "地域がん診療病院 {missing_partner} 件に連携先拠点病院の記載がありません / {missing_partner} 地域がん診療病院 rows name no partner hub"
        ));
    }
    warnings.push(by_type(&list));
    warnings.push(format!("{}（取り込み前の状態との比較）", changes.note(as_of)));
    let batch = held::held_batch(&list)?;
    Ok(Validated {
        batches: vec![(&store::schema::DESIGNATIONS, batch)],
        rows_total,
        rows_ok,
        warnings,
        as_of: Some(as_of),
        list: Some(load),
        ..Default::default()
    })
}

fn unknown_section(s: &str) -> Problem {
    let known: Vec<&str> = DesignationType::ALL.iter().map(|t| t.label()).collect();
    Problem::new(
        format!("類型「{s}」が分かりません（分かる類型: {}）", known.join("、")),
        format!("unknown 類型 section {s:?}"),
    )
}

/// 「類型別: 都道府県がん診療連携拠点病院 51、…」 for the user to check against the ministry's totals.
fn by_type(list: &[Held]) -> String {
    let mut n: BTreeMap<usize, (&str, usize)> = BTreeMap::new();
    for h in list {
        let i = DesignationType::ALL.iter().position(|t| t.label() == h.designation).unwrap_or(usize::MAX);
        n.entry(i).or_insert((h.designation.as_str(), 0)).1 += 1;
    }
    let parts: Vec<String> = n.values().map(|(l, c)| format!("{l} {c}")).collect();
    format!("類型別 / by 類型: {}（計 {}）", parts.join("、"), list.len())
}

/// The master names of the hospitals designated so far (rows loaded with the product's own
/// layout may write names their way), so that a list continues their periods.
fn identities(held: &[Held], refs: &crate::datasets::RefData, map: &NameMap) -> HashMap<(i32, String), String> {
    let empty: Vec<MasterHospital> = Vec::new();
    let mut out = HashMap::new();
    for h in held {
        let k = (h.prefecture, h.hospital.clone());
        if out.contains_key(&k) {
            continue;
        }
        let here = refs.hospitals.get(&h.prefecture).unwrap_or(&empty);
        let (bare, _) = split_name(&h.hospital);
        if let Ok(m) = resolve(&h.hospital, &bare, h.prefecture, here, map) {
            out.insert(k, m.name.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partners_and_notes_in_brackets() {
        assert_eq!(
            split_name("小樽市立病院(北海道がんセンター)(地域がん診療病院)"),
            ("小樽市立病院".to_string(), Some("北海道がんセンター".to_string()))
        );
        assert_eq!(split_name("市立病院（旧中央病院）"), ("市立病院".to_string(), None));
        assert_eq!(
            section_of(["【地域がん診療連携拠点病院（高度型）】"; 3].into_iter()).as_deref(),
            Some("地域がん診療連携拠点病院(高度型)")
        );
        assert_eq!(section_of(["【地域がん診療病院】", "", "x"].into_iter()), None);
        assert_eq!(
            section_of(["【都道府県がん診療連携拠点病院】（51施設）"].into_iter()).as_deref(),
            Some("都道府県がん診療連携拠点病院")
        );
    }
}
