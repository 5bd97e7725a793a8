//! Japanese labels of metric parameters and groupings, as data, for forms and messages:
//! a user sees 「年度」, 「集計単位: 都道府県」, never `fiscal_year` or `by = prefecture`.
//! Every parameter, grouping and choice of the catalog has one (tested).

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

/// (parameter, choice, label) for the choices of `ParamKind::Choice` parameters that are
/// not Japanese words themselves; the empty choice means "no restriction".
pub const CHOICES: &[(&str, &str, &str)] = &[
    ("history", "in_force", "基準日に有効な指定のみ"),
    ("history", "all", "すべての指定期間"),
    ("only", "all", "すべての区域"),
    ("only", "hub_without_oncologist", "拠点病院あり・専門医なしの区域"),
    ("only", "blank", "空白の区域"),
    ("unit", "compound", "複合語"),
    ("unit", "word", "単語"),
];

/// The label of a choice of a parameter: its own text when it is Japanese, 「すべて」 for
/// the empty choice.
pub fn choice<'a>(param: &str, value: &'a str) -> &'a str {
    if value.is_empty() {
        return "すべて";
    }
    CHOICES.iter().find(|(p, v, _)| *p == param && *v == value).map_or(value, |(_, _, l)| l)
}

/// Survey tools whose exports are loaded as they are (`loads.source`), by their names in
/// `ingest::survey_export::Tool` (tested equal).
pub const SURVEY_TOOLS: &[(&str, &str)] = &[
    ("google-forms", "Google フォーム"),
    ("microsoft-forms", "Microsoft Forms"),
    ("surveymonkey", "SurveyMonkey"),
    ("qualtrics", "Qualtrics"),
    ("limesurvey", "LimeSurvey"),
];

/// The label of a survey tool named in the load history (the name itself when unknown).
pub fn survey_tool(name: &str) -> &str {
    SURVEY_TOOLS.iter().find(|(n, _)| *n == name).map_or(name, |(_, l)| l)
}

/// (dataset, label): the names of the input datasets, as `ingest::spec` gives them (a test
/// in the dashboard's suite keeps the two equal), for the load history a user reads.
pub const DATASETS: &[(&str, &str)] = &[
    ("members", "会員名簿"),
    ("survey_waves", "調査実施"),
    ("survey_questions", "設問"),
    ("survey_responses", "回答"),
    ("specialists", "専門医・認定医名簿"),
    ("designations", "がん診療連携拠点病院等の指定"),
    ("hospital_volumes", "診療実績"),
    ("areas", "構想区域 (二次医療圏)"),
    ("hospitals", "医療機関マスタ"),
    ("jsmo_renewals", "専門医更新申請 (がん薬物療法専門医)"),
    ("jsmo_credits", "業績単位明細 (がん薬物療法専門医)"),
    ("jbct_renewals", "認定医更新申請 (がん治療認定医)"),
    ("jbct_facilities", "症例施設・在籍期間 (がん治療認定医)"),
    ("jbct_cases", "症例一覧 (がん治療認定医)"),
    ("jbct_meetings", "学会・セミナー参加 (がん治療認定医)"),
    ("jbct_elearning", "e-learning 受講結果 (がん治療認定医)"),
];

/// The label of a dataset (its name when it has none).
pub fn dataset(name: &str) -> &str {
    DATASETS.iter().find(|(n, _)| *n == name).map_or(name, |(_, l)| l)
}

/// A text parameter's default as a form shows it: a grouping dimension by its label
/// (`profession` → 「職種」), anything else as it is.
pub fn default_text(default: &str) -> &str {
    DIMS.iter().find(|(n, _)| !n.is_empty() && *n == default).map_or(default, |(_, l)| l)
}

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

    /// 指標一覧's pages showed the English definition, caveats and parameter help only: every
    /// metric carries them in Japanese, one Japanese caveat per English one.
    #[test]
    fn every_definition_caveat_and_parameter_help_is_in_japanese() {
        let japanese = |s: &str| {
            s.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c))
        };
        let mut bad = Vec::new();
        for def in crate::catalog() {
            if !japanese(def.definition_ja) || def.definition_ja.contains('`') {
                bad.push(format!("{}: definition_ja {:?}", def.name, def.definition_ja));
            }
            if def.caveats_ja.len() != def.caveats.len() {
                bad.push(format!("{}: {} caveats, {} in Japanese", def.name, def.caveats.len(), def.caveats_ja.len()));
            }
            for c in def.caveats_ja.iter().filter(|c| !japanese(c) || c.contains('`')) {
                bad.push(format!("{}: caveat {c:?}", def.name));
            }
            for p in def.params.iter().filter(|p| !japanese(p.doc_ja)) {
                bad.push(format!("{}: parameter {} doc_ja {:?}", def.name, p.name, p.doc_ja));
            }
            for p in def.params {
                if let crate::catalog::ParamKind::Choice(options) = p.kind {
                    for o in options.iter().filter(|o| !japanese(choice(p.name, o))) {
                        bad.push(format!("{}: parameter {} choice {o:?} has no Japanese label", def.name, p.name));
                    }
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    /// `required` was read from the English help (`doc.contains("required")`): it is a field
    /// now; a required parameter has no default, and its help says so in both languages.
    #[test]
    fn a_required_parameter_has_no_default_and_says_so() {
        for def in crate::catalog() {
            for p in def.params {
                let says = p.doc.contains("required") && p.doc_ja.contains("必須");
                assert_eq!(p.required, says, "{}: {}", def.name, p.name);
                assert!(!p.required || p.default.is_empty(), "{}: {} is required but has a default", def.name, p.name);
            }
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
