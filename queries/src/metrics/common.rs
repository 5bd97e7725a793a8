//! What several metrics share: the survey segments and their caveat, the area-set parameter,
//! SQL fragments (active at a date, age band, 年度), cells (prefecture, region) and month
//! arithmetic.

use chrono::{Datelike, NaiveDate};
use model::membership::Vocabulary;
use model::prefecture::Prefecture;

use crate::error::Result;
use crate::metric::{Cx, ParamKind, ParamSpec};
use crate::result::Value;

/// Survey respondents' segments: what rates, cross-tabs and the weighting split by.
pub(crate) const SEGMENTS: [&str; 3] = ["profession", "age_band", "region"];

pub(crate) const FRAME_CAVEAT: &str = "Segment rates use the roster in force on the wave's 開始日 as the frame (every member \
    is invited); the respondent's segment is what the response file states, which can differ from the roster.";
pub(crate) const FRAME_CAVEAT_JA: &str = "区分別の回答率の分母は、調査開始日に在籍する会員（全会員に配布）です。回答\
    者の区分は回答ファイルに書かれたもので、名簿と異なることがあります。";

/// The area set of the reference data a metric counts areas in.
pub const AREA_SET_PARAM: ParamSpec = ParamSpec {
    name: "area_set",
    kind: ParamKind::Text,
    default: "",
    doc: "area set, e.g. R7 (構想区域) or がん医療圏2024 (default: for 空白 from FY2019 the latest loaded がん医療圏 set, else the latest 構想区域 set)",
    doc_ja: "区域の種類（例: R7 は構想区域、がん医療圏2024 はがん医療圏。既定: 2019年度以降の空白は読み込まれた最新のがん医療圏、それ以外は最新の構想区域）",
    required: false,
};

/// An area set loaded: its name, and whether its areas are made of others (a がん医療圏 set,
/// whose areas have 構成区域).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaSet {
    pub name: String,
    pub grouped: bool,
}

/// The area sets loaded, in name order (see [`Snapshot::area_sets`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AreaSets(pub Vec<AreaSet>);

impl crate::snapshot::Snapshot {
    /// The area sets loaded, worked out once per snapshot.
    pub async fn area_sets(&self) -> Result<std::sync::Arc<AreaSets>> {
        self.derived_once(|| async {
            use arrow::array::{Array, AsArray};
            let mut out = AreaSets::default();
            let sql = "SELECT area_set, MAX(CASE WHEN parts IS NULL THEN 0 ELSE 1 END) AS grouped
                       FROM areas GROUP BY area_set ORDER BY area_set";
            for b in self.sql(sql).await? {
                use arrow::datatypes::DataType;
                let names = arrow::compute::cast(b.column(0), &DataType::Utf8)?;
                let grouped = arrow::compute::cast(b.column(1), &DataType::Int64)?;
                let (names, grouped) =
                    (names.as_string::<i32>(), grouped.as_primitive::<arrow::datatypes::Int64Type>());
                for i in (0..b.num_rows()).filter(|&i| names.is_valid(i)) {
                    out.0.push(AreaSet { name: names.value(i).to_string(), grouped: grouped.value(i) == 1 });
                }
            }
            Ok(out)
        })
        .await
    }
}

impl AreaSets {
    /// Whether the set `name` is made of others (a がん医療圏 set).
    pub fn grouped(&self, name: &str) -> bool {
        self.0.iter().any(|s| s.name == name && s.grouped)
    }
}

/// What an area set's areas are, for a result's column: 「がん医療圏」 or 「構想区域」.
pub async fn area_kind(cx: &Cx<'_>, set: &str) -> Result<&'static str> {
    Ok(if cx.snapshot.area_sets().await?.grouped(set) { "がん医療圏" } else { "構想区域" })
}

/// The chosen area set, or the latest set of 構想区域.
pub async fn area_set(cx: &Cx<'_>) -> Result<String> {
    chosen_set(cx, false).await
}

/// The area set 空白 is counted on: the chosen one, else from FY2019 (when the ministry began
/// counting on がん医療圏) the latest がん医療圏 set loaded, else the latest set of 構想区域.
pub async fn blank_area_set(cx: &Cx<'_>) -> Result<String> {
    let since_2019 = cx.as_of >= chrono::NaiveDate::from_ymd_opt(2019, 4, 1).unwrap_or(chrono::NaiveDate::MIN);
    chosen_set(cx, since_2019).await
}

async fn chosen_set(cx: &Cx<'_>, prefer_grouped: bool) -> Result<String> {
    let sets = cx.snapshot.area_sets().await?;
    let chosen = cx.text("area_set");
    if chosen.is_empty() {
        let latest = |grouped: bool| sets.0.iter().rev().find(|s| s.grouped == grouped).map(|s| s.name.clone());
        let pick = if prefer_grouped { latest(true).or_else(|| latest(false)) } else { latest(false) };
        return pick
            .or_else(|| sets.0.last().map(|s| s.name.clone()))
            .ok_or_else(|| cx.bad("area_set", "", "no areas loaded / 構想区域データが未登録です"));
    }
    if sets.0.iter().any(|s| s.name == chosen) {
        Ok(chosen)
    } else {
        let names: Vec<&str> = sets.0.iter().map(|s| s.name.as_str()).collect();
        Err(cx.bad("area_set", &chosen, &format!("loaded sets: {}", names.join(", "))))
    }
}

/// SQL: the member spell is in force on `d` (a SQL date expression).
pub fn active_at(d: &str) -> String {
    format!("(span_from <= {d} AND (span_to IS NULL OR span_to > {d}))")
}

/// A hash map for the hot loops that match or count thousands of rows by text keys
/// (foldhash is several times faster than the default SipHash on short strings, and keys
/// here come from the snapshot, not from a request).
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// SQL: the 年齢階級 of a member in `year` from `birth_year` — the snapshot's `age_band`
/// function ([`crate::snapshot`]), which applies the model's rule ([`model::membership::age_band`]).
pub fn age_band_sql(year: i32) -> String {
    format!("age_band({year}, birth_year)")
}

/// The 年齢階級 in `year` of someone born in `birth_year` (the model's rule).
pub fn age_band_of(year: i32, birth_year: Option<i64>) -> &'static str {
    model::membership::age_band(year, birth_year)
}

/// The 地方 of a prefecture code, or 不明 (as the `prefecture_regions` table gives it).
pub fn region_of(code: Option<i64>) -> &'static str {
    code.and_then(|c| u32::try_from(c).ok()).and_then(Prefecture::from_code).map_or("不明", |p| p.region())
}

/// A sort key following a vocabulary's order (unknown labels last, then by text).
pub fn vocab_order(vocab: &Vocabulary, label: &str) -> (usize, String) {
    (vocab.labels().position(|l| l == label).unwrap_or(usize::MAX), label.to_string())
}

/// The prefecture's two-digit code and name, or 不明 when unknown.
pub fn prefecture_cells(code: Option<i64>) -> (Value, Value) {
    match code.and_then(|c| u32::try_from(c).ok()).and_then(Prefecture::from_code) {
        Some(p) => (Value::text(p.code_str()), Value::text(p.name())),
        None => (Value::text("不明"), Value::text("不明")),
    }
}

/// The last day of the month holding `d`.
pub fn month_end(d: NaiveDate) -> NaiveDate {
    let first_next = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    };
    first_next.and_then(|f| f.pred_opt()).unwrap_or(d)
}

/// Month index (year·12 + month − 1), the key month events are grouped on.
pub fn month_index(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month()) - 1
}

/// The last day of the month with this index.
pub fn month_end_of_index(i: i64) -> Option<NaiveDate> {
    let y = i32::try_from(i.div_euclid(12)).ok()?;
    let m = u32::try_from(i.rem_euclid(12) + 1).ok()?;
    NaiveDate::from_ymd_opt(y, m, 1).map(month_end)
}

/// SQL for the 年度 (April–March) of a date column.
pub fn fiscal_year_sql(col: &str) -> String {
    format!("(CAST(date_part('year', {col}) AS BIGINT) - CASE WHEN date_part('month', {col}) < 4 THEN 1 ELSE 0 END)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_bands_agree_with_their_sql() {
        assert_eq!(age_band_sql(2026), "age_band(2026, birth_year)");
        assert_eq!(age_band_of(2026, None), "不明");
        assert_eq!(age_band_of(2026, Some(1997)), "20代");
        assert_eq!(age_band_of(2026, Some(1996)), "30代");
        assert_eq!(age_band_of(2026, Some(1957)), "60代");
        assert_eq!(age_band_of(2026, Some(1956)), "70代以上");
        assert_eq!(region_of(Some(13)), "関東");
        assert_eq!(region_of(Some(48)), "不明");
        assert_eq!(region_of(None), "不明");
    }

    #[test]
    fn month_arithmetic() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 10).unwrap_or_default();
        assert_eq!(month_end(d).to_string(), "2024-02-29");
        assert_eq!(month_end_of_index(month_index(d)).map(|x| x.to_string()).as_deref(), Some("2024-02-29"));
        let dec = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default();
        assert_eq!(month_end(dec), dec);
    }
}
