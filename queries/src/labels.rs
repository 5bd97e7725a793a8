//! Japanese labels of metric parameters and groupings, as data, for forms and messages:
//! a user sees 「年度」, 「集計単位: 都道府県」, never `fiscal_year` or `by = prefecture`.
//! Every parameter and grouping of the catalog has one (tested).

/// (parameter name, label).
pub const PARAMS: &[(&str, &str)] = &[
    ("as_of", "基準日"),
    ("by", "集計単位"),
    ("fiscal_year", "年度"),
    ("from", "開始日"),
    ("from_year", "開始年度"),
    ("years", "推計年数"),
    ("months", "推計期間（か月）"),
    ("qualification", "資格"),
    ("question", "設問"),
    ("column", "クロス集計の列"),
    ("term", "語"),
    ("unit", "語の単位"),
    ("top", "表示する語の数"),
    ("width", "前後の文字数"),
    ("limit", "表示する行数"),
    ("status", "状態"),
    ("round", "更新年度"),
    ("certificate_no", "認定番号"),
    ("staff_full", "医療職（正会員として入会）"),
    ("staff_associate", "医療職（準会員として入会）"),
    ("physicians", "医師（正会員として入会）"),
    ("prefecture", "都道府県"),
    ("area", "二次医療圏"),
    ("area_set", "区域の種類"),
    ("hospital", "医療機関"),
    ("history", "指定の範囲"),
    ("only", "表示する区域"),
];

/// (grouping dimension, label); a grouping of several reads 「年度 × 職種」.
pub const DIMS: &[(&str, &str)] = &[
    ("", "（なし）"),
    ("age_band", "年齢階級"),
    ("area", "二次医療圏"),
    ("category", "会員種別"),
    ("fiscal_year", "年度"),
    ("month", "月"),
    ("prefecture", "都道府県"),
    ("profession", "職種"),
    ("qualification", "資格"),
    ("region", "地方"),
    ("sex", "性別"),
    ("type", "類型"),
];

/// The label of a parameter (its name when it has none).
pub fn param(name: &str) -> &str {
    PARAMS.iter().find(|(n, _)| *n == name).map_or(name, |(_, l)| l)
}

/// The label of a grouping: `fiscal_year,profession` → 「年度 × 職種」.
pub fn by(by: &str) -> String {
    if by.is_empty() {
        return DIMS[0].1.to_string();
    }
    by.split(',').map(|d| DIMS.iter().find(|(n, _)| *n == d).map_or(d, |(_, l)| l)).collect::<Vec<_>>().join(" × ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_and_grouping_of_the_catalog_has_a_japanese_label() {
        let mut missing = Vec::new();
        for def in crate::catalog() {
            for p in def.params.iter().filter(|p| !PARAMS.iter().any(|(n, _)| *n == p.name)) {
                missing.push(format!("{}: parameter {}", def.name, p.name));
            }
            for b in def.by {
                for d in b.split(',').filter(|d| !d.is_empty() && !DIMS.iter().any(|(n, _)| n == d)) {
                    missing.push(format!("{}: grouping {d}", def.name));
                }
            }
        }
        assert!(missing.is_empty(), "no Japanese label: {missing:?}");
    }

    /// 指標一覧 showed 「compliant iff 5P ≥ 4T」 and markdown backticks: every metric carries a
    /// Japanese summary, without markup.
    #[test]
    fn every_metric_has_a_japanese_summary() {
        for def in crate::catalog() {
            let s = def.summary_ja;
            assert!(s.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)), "{}: {s:?} is not Japanese", def.name);
            assert!(!s.contains('`') && !s.contains("iff"), "{}: {s:?}", def.name);
        }
    }

    #[test]
    fn no_duplicate_name() {
        for list in [PARAMS, DIMS] {
            let mut names: Vec<&str> = list.iter().map(|(n, _)| *n).collect();
            names.sort_unstable();
            let n = names.len();
            names.dedup();
            assert_eq!(names.len(), n);
        }
    }

    #[test]
    fn groupings_read_in_japanese() {
        assert_eq!(by("fiscal_year,profession"), "年度 × 職種");
        assert_eq!(by(""), "（なし）");
        assert_eq!(param("fiscal_year"), "年度");
    }
}
