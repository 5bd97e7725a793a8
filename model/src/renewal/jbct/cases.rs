//! One case of a JBCT case list: eligible disease (ICD-10 or the diagnosis
//! dictionary), care item, and period inside the window and the employment.

use chrono::NaiveDate;

use super::application::{Case, Facility, slot_label};
use crate::renewal::diagnosis::{Class, classify, icd10_eligible, parse_icd10};
use crate::renewal::vocab::{ORAL_CARE, OTHER_CARE, care_item};
use crate::renewal::{Finding, month_label};

pub(crate) fn span(a: NaiveDate, b: NaiveDate) -> String {
    format!("{}–{}", month_label(a), month_label(b))
}

/// The findings of one case (its place is added by the caller). The case counts towards
/// the 20 when none of them is [`Severity::Excluded`](super::Severity::Excluded).
pub fn check_case(
    case: &Case,
    dental: bool,
    facility: Option<&Facility>,
    from: NaiveDate,
    end: NaiveDate,
) -> Vec<Finding> {
    let mut out = diagnosis(case);
    out.extend(care(case, dental));
    out.extend(period(case, facility, from, end));
    out
}

/// The seed's allowed examples (「＜可＞： GIST、カルチノイド、IPMN、胸腺腫、腹膜偽粘液腫」) and
/// their general names: some of them are coded outside C00–C97/D00–D09 (D37.7 for an IPMN
/// of uncertain behaviour, D15.0 for a thymoma …), which the committee decides.
const ALLOWED_EXAMPLES: [&str; 7] =
    ["GIST", "消化管間質腫瘍", "カルチノイド", "IPMN", "膵管内乳頭粘液性腫瘍", "胸腺腫", "腹膜偽粘液腫"];

fn allowed_example(name: &str) -> Option<&'static str> {
    let upper = name.to_uppercase();
    ALLOWED_EXAMPLES.iter().copied().find(|t| upper.contains(&t.to_uppercase()))
}

/// 対象疾患: the ICD-10 code when given, else the diagnosis dictionary.
fn diagnosis(case: &Case) -> Vec<Finding> {
    let mut out = Vec::new();
    let verdict = classify(&case.diagnosis);
    let name = &case.diagnosis;
    if verdict.class == Class::Abbreviation {
        out.push(Finding::excluded(
            "jbct.diagnosis",
            format!("診断名に略語は使用できません [{}] (一般名で入力してください)", verdict.term),
            format!("abbreviation [{}] in the diagnosis; enter the general name", verdict.term),
        ));
    }
    let icd = case.icd10.as_deref().filter(|c| !c.trim().is_empty());
    match icd.map(|c| (c, parse_icd10(c))) {
        Some((c, None)) => out.push(Finding::excluded(
            "jbct.diagnosis",
            format!("ICD-10 コード [{c}] を読み取れません"),
            format!("ICD-10 code [{c}] cannot be read"),
        )),
        Some((c, Some((l, n)))) if !icd10_eligible(l, n) => match allowed_example(name) {
            Some(example) => out.push(Finding::warning(
                "jbct.diagnosis",
                format!(
                    "ICD-10 コード [{c}] は C00–C97, D00–D09 の外ですが、{example} は対象疾患の例に挙がっています (資格審査委員会にて審査)"
                ),
                format!("ICD-10 code [{c}] is outside C00–C97, D00–D09, but {example} is a listed example; the committee decides"),
            )),
            None => out.push(Finding::excluded(
                "jbct.diagnosis",
                format!("ICD-10 コード [{c}] は対象疾患 (C00–C97, D00–D09) ではありません"),
                format!("ICD-10 code [{c}] is outside the eligible C00–C97, D00–D09"),
            )),
        },
        Some(_) => {
            if matches!(verdict.class, Class::Benign | Class::Ambiguous | Class::NotNeoplasm | Class::Precancerous) {
                out.push(Finding::warning(
                    "jbct.diagnosis",
                    format!("診断名 [{name}] が ICD-10 コードと合っていない可能性があります"),
                    format!("the diagnosis [{name}] may not match its ICD-10 code"),
                ));
            }
        }
        None => match verdict.class {
            Class::Benign | Class::NotNeoplasm => out.push(Finding::excluded(
                "jbct.diagnosis",
                format!("良性腫瘍などは対象疾患ではありません [{name}]"),
                format!("benign tumours and other non-cancers are not eligible [{name}]"),
            )),
            Class::Ambiguous => out.push(Finding::excluded(
                "jbct.diagnosis",
                format!("良悪性が不明な診断名は症例数としてカウントしません [{name}]"),
                format!("a diagnosis that does not say benign or malignant is not counted [{name}]"),
            )),
            Class::Precancerous => out.push(Finding::warning(
                "jbct.diagnosis",
                format!("前がん病変などは認められないことがあります [{name}] (資格審査委員会にて審査)"),
                format!("precancerous lesions may not be accepted [{name}]; the committee decides"),
            )),
            Class::Unknown => out.push(Finding::warning(
                "jbct.diagnosis",
                format!("診断名 [{name}] は辞書にありません (申請後、資格審査委員会にて審査)"),
                format!("the diagnosis [{name}] is not in the dictionary (the committee reviews it)"),
            )),
            Class::Malignant | Class::Abbreviation => {}
        },
    }
    out
}

/// 実施した診療項目: from the pull-down; anything else is reviewed as 「その他」.
fn care(case: &Case, dental: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let pathology = case.pathology.trim();
    if pathology.is_empty() {
        out.push(Finding::warning(
            "jbct.care_item",
            "病理診断名が空欄です (病理診断を行っていない場合は「無し」と入力してください)",
            "the pathology diagnosis is empty (enter 無し when none was made)",
        ));
    }
    match care_item(&case.care_item) {
        None => out.push(Finding::warning(
            "jbct.care_item",
            format!(
                "診療項目 [{}] はプルダウンにないため「その他」として資格審査委員会にて審査されます",
                case.care_item
            ),
            format!("care item [{}] is not on the list: reviewed by the committee as 'other'", case.care_item),
        )),
        Some((item, _)) if item == ORAL_CARE && !dental => out.push(Finding::excluded(
            "jbct.care_item",
            "口腔ケアは、がん治療認定医（歯科口腔外科）に申請の場合に限り選択可能です",
            "口腔ケア may be chosen only by dental/oral-surgery certificants",
        )),
        Some((item, _)) if item == OTHER_CARE => out.push(Finding::warning(
            "jbct.care_item",
            format!(
                "診療項目「その他」({}) は申請後、資格審査委員会にて審査されます",
                case.care_other.as_deref().unwrap_or("内容未入力")
            ),
            "the care item 'other' is reviewed by the committee",
        )),
        Some((item, true)) if !confirmed(case) => out.push(Finding::excluded(
            "jbct.care_item",
            format!(
                "診療項目 [{item}] はがんと確定診断された場合のみ認められます (診断名: {}、病理診断名: {})",
                case.diagnosis,
                if pathology.is_empty() { "空欄" } else { pathology }
            ),
            format!("[{item}] counts only when cancer was confirmed (diagnosis: {})", case.diagnosis),
        )),
        Some(_) => {}
    }
    out
}

/// 実施期間: months inside the window and the facility's employment. A period entered from
/// before the window or past the application month is an entry to correct, and the case
/// still counts (「開始：2022/04 以降（それ以前から診療している場合も同じ）」, 「終了：… 申請時点の年月」).
fn period(case: &Case, facility: Option<&Facility>, from: NaiveDate, end: NaiveDate) -> Vec<Finding> {
    let mut out = Vec::new();
    if case.from > case.to {
        out.push(Finding::excluded(
            "jbct.period",
            format!("実施期間 {} の開始が終了より後です", span(case.from, case.to)),
            format!("the period {} starts after it ends", span(case.from, case.to)),
        ));
        return out;
    }
    if case.to < from || case.from > end {
        out.push(Finding::excluded(
            "jbct.period",
            format!("実施期間 {} が今回対象となる期間 ({}) の外です", span(case.from, case.to), span(from, end)),
            format!("the period {} lies outside the window {}", span(case.from, case.to), span(from, end)),
        ));
        return out;
    }
    if case.from < from {
        out.push(Finding::warning(
            "jbct.period",
            format!(
                "実施期間の開始は {} 以降で入力してください (それ以前から診療している場合も同じ) (現在 {})",
                month_label(from),
                month_label(case.from)
            ),
            format!(
                "enter the start as {} or later (currently {}); the case counts",
                month_label(from),
                month_label(case.from)
            ),
        ));
    }
    if case.to > end {
        out.push(Finding::warning(
            "jbct.period",
            format!(
                "実施期間の終了は申請時点 ({}) までで入力してください (現在 {})",
                month_label(end),
                month_label(case.to)
            ),
            format!(
                "enter the end as the application month {} at the latest ({})",
                month_label(end),
                month_label(case.to)
            ),
        ));
    }
    // The part of the period inside the window must lie in the employment.
    let (a, b) = (case.from.max(from), case.to.min(end));
    match facility {
        None => out.push(Finding::excluded(
            "jbct.facility",
            format!("{} の施設が登録されていません", slot_label(case.slot)),
            format!("no facility is registered for {}", slot_label(case.slot)),
        )),
        Some(f) if !f.periods.iter().any(|&(pa, pb)| a >= pa && b <= pb) => out.push(Finding::excluded(
            "jbct.period",
            format!("実施期間 {} が施設在籍期間の外です", span(case.from, case.to)),
            format!("the period {} is outside the employment at {}", span(case.from, case.to), f.name),
        )),
        Some(_) => {}
    }
    out
}

/// Cancer confirmed, for the ※ diagnosis items: the diagnosis names a malignancy or has an
/// eligible ICD-10 code, or the pathology diagnosis is malignant.
fn confirmed(case: &Case) -> bool {
    let by_code = case.icd10.as_deref().and_then(parse_icd10).is_some_and(|(l, n)| icd10_eligible(l, n));
    let p = case.pathology.trim();
    by_code
        || classify(&case.diagnosis).class == Class::Malignant
        || (!matches!(p, "" | "無し" | "なし" | "無") && classify(p).class == Class::Malignant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::renewal::Severity;

    fn m(y: i32, mo: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, 1).expect("month")
    }

    pub(crate) fn case(no: u32, diagnosis: &str, care: &str, pathology: &str) -> Case {
        Case {
            slot: 1,
            no,
            age: 60 + no,
            sex: "男".into(),
            care_item: care.into(),
            care_other: None,
            from: m(2023, 4),
            to: m(2023, 9),
            diagnosis: diagnosis.into(),
            icd10: None,
            pathology: pathology.into(),
        }
    }

    fn facility() -> Facility {
        Facility { slot: 1, name: "JSMO がんセンター".into(), periods: vec![(m(2022, 4), m(2026, 9))] }
    }

    fn run(c: &Case) -> Vec<(&'static str, Severity, String)> {
        check_case(c, false, Some(&facility()), m(2022, 4), m(2026, 9))
            .into_iter()
            .map(|f| (f.code, f.severity, f.ja))
            .collect()
    }

    #[test]
    fn an_eligible_case_has_no_findings() {
        assert!(run(&case(1, "胃がん", "手術", "腺癌")).is_empty());
        assert!(run(&case(2, "GIST", "薬物療法", "無し")).is_empty());
    }

    #[test]
    fn icd10_decides_when_given() {
        let mut c = case(1, "骨髄異形成症候群", "薬物療法", "無し");
        c.icd10 = Some("D46.9".into());
        let f = run(&c);
        assert_eq!(
            (f[0].1, f[0].2.as_str()),
            (Severity::Excluded, "ICD-10 コード [D46.9] は対象疾患 (C00–C97, D00–D09) ではありません")
        );
        c.diagnosis = "急性骨髄性白血病".into();
        c.icd10 = Some("C92.0".into());
        assert!(run(&c).is_empty());
        c.icd10 = Some("X".into());
        assert_eq!(run(&c)[0].1, Severity::Excluded);
    }

    /// Seed 002 「＜可＞： GIST、カルチノイド、IPMN、胸腺腫、腹膜偽粘液腫」: coded outside C00–C97/D00–D09
    /// (an IPMN of uncertain behaviour is D37.7, a benign thymoma D15.0) the committee decides.
    #[test]
    fn a_listed_example_coded_outside_the_ranges_is_for_the_committee() {
        for (name, code) in [("IPMN", "D37.7"), ("胸腺腫", "D15.0"), ("腹膜偽粘液腫", "D48.4"), ("GIST", "D37.1")]
        {
            let mut c = case(1, name, "手術", "無し");
            c.icd10 = Some(code.into());
            let f = run(&c);
            assert_eq!(f.len(), 1, "{name}: {f:?}");
            assert_eq!(f[0].1, Severity::Warning, "{name}");
            assert!(f[0].2.contains("対象疾患の例に挙がっています"), "{}", f[0].2);
        }
    }

    /// Seed 002 「前がん病変などは認められないことがあります」: may not, so the committee decides.
    #[test]
    fn a_precancerous_lesion_is_for_the_committee_not_excluded() {
        let f = run(&case(1, "子宮頸部高度異形成", "手術", "高度異形成"));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].1, Severity::Warning);
        assert_eq!(f[0].2, "前がん病変などは認められないことがあります [子宮頸部高度異形成] (資格審査委員会にて審査)");
    }

    #[test]
    fn abbreviations_benign_and_ambiguous_names_do_not_count() {
        let f = run(&case(1, "HCC", "手術", "無し"));
        assert_eq!(
            (f[0].1, f[0].2.as_str()),
            (Severity::Excluded, "診断名に略語は使用できません [HCC] (一般名で入力してください)")
        );
        assert_eq!(run(&case(1, "髄膜腫", "手術", "髄膜腫"))[0].2, "良性腫瘍などは対象疾患ではありません [髄膜腫]");
        assert_eq!(
            run(&case(1, "脳腫瘍", "手術", "無し"))[0].2,
            "良悪性が不明な診断名は症例数としてカウントしません [脳腫瘍]"
        );
        let unknown = run(&case(1, "キャッスルマン病", "薬物療法", "無し"));
        assert_eq!(unknown[0].1, Severity::Warning);
    }

    /// 悪性貧血 is pernicious anaemia, not a cancer.
    #[test]
    fn pernicious_anaemia_is_not_a_cancer() {
        let f = run(&case(1, "悪性貧血", "薬物療法", "無し"));
        assert_eq!((f[0].1, f[0].2.as_str()), (Severity::Excluded, "良性腫瘍などは対象疾患ではありません [悪性貧血]"));
        assert!(run(&case(1, "胃癌（悪性貧血合併）", "手術", "腺癌")).is_empty());
    }

    #[test]
    fn care_items_not_on_the_list_go_to_the_committee_as_other() {
        let f = run(&case(1, "胃がん", "温熱療法", "無し"));
        assert_eq!(f[0].1, Severity::Warning);
        assert_eq!(f[0].2, "診療項目 [温熱療法] はプルダウンにないため「その他」として資格審査委員会にて審査されます");
        assert_eq!(run(&case(1, "舌がん", "口腔ケア", "扁平上皮癌"))[0].1, Severity::Excluded);
        let dental =
            check_case(&case(1, "舌がん", "口腔ケア", "扁平上皮癌"), true, Some(&facility()), m(2022, 4), m(2026, 9));
        assert!(dental.is_empty());
        let mut other = case(1, "胃がん", "その他", "無し");
        other.care_other = Some("栄養指導".into());
        assert_eq!(run(&other)[0].1, Severity::Warning);
    }

    /// Seed 002 「診断・健診・検診については「がんと確定診断された場合のみ」認める」: the diagnosis says so,
    /// not only a pathology field.
    #[test]
    fn a_diagnosis_item_counts_when_the_diagnosis_is_a_cancer() {
        assert!(run(&case(1, "肺がん", "画像診断", "無し")).is_empty());
        let mut coded = case(1, "キャッスルマン病", "画像診断", "無し");
        coded.icd10 = Some("C34.1".into());
        assert!(run(&coded).iter().all(|f| f.1 != Severity::Excluded));
        let f = run(&case(1, "キャッスルマン病", "画像診断", "無し"));
        assert!(f.iter().any(
            |f| f.1 == Severity::Excluded && f.2.starts_with("診療項目 [画像診断] はがんと確定診断された場合のみ")
        ));
        assert!(
            run(&case(1, "キャッスルマン病", "画像診断", "悪性リンパ腫")).iter().all(|f| f.1 != Severity::Excluded)
        );
    }

    /// Seed 003 「※病理診断を行っていない場合は、「無し」と入力してください」.
    #[test]
    fn an_empty_pathology_cell_is_a_finding_not_silently_none() {
        let f = run(&case(1, "胃がん", "手術", " "));
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].1, f[0].2.as_str()),
            (Severity::Warning, "病理診断名が空欄です (病理診断を行っていない場合は「無し」と入力してください)")
        );
    }

    /// Seed 003 「開始：2022/04 以降（それ以前から診療している場合も同じ）」: the entry is corrected, the
    /// case counts.
    #[test]
    fn treatment_begun_before_the_window_counts_and_the_entry_is_flagged() {
        let mut c = case(1, "胃がん", "手術", "腺癌");
        c.from = m(2021, 10);
        let f = run(&c);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].1, Severity::Warning);
        assert!(f[0].2.starts_with("実施期間の開始は 2022/04 以降で入力してください"), "{}", f[0].2);
        c.to = m(2022, 3);
        assert_eq!(run(&c)[0].1, Severity::Excluded, "wholly before the window");
    }

    #[test]
    fn periods_inside_the_window_and_the_employment() {
        let mut c = case(1, "胃がん", "手術", "腺癌");
        c.from = m(2024, 1);
        c.to = m(2026, 10);
        let f = run(&c);
        assert_eq!(
            (f[0].1, f[0].2.as_str()),
            (Severity::Warning, "実施期間の終了は申請時点 (2026/09) までで入力してください (現在 2026/10)")
        );
        c.to = m(2023, 12);
        assert_eq!(run(&c)[0].2, "実施期間 2024/01–2023/12 の開始が終了より後です");
        c.to = m(2024, 3);
        let short = Facility { periods: vec![(m(2022, 4), m(2023, 3)), (m(2024, 2), m(2026, 9))], ..facility() };
        let f = check_case(&c, false, Some(&short), m(2022, 4), m(2026, 9));
        assert_eq!(f[0].ja, "実施期間 2024/01–2024/03 が施設在籍期間の外です");
        assert_eq!(f[0].severity, Severity::Excluded);
        let none = check_case(&c, false, None, m(2022, 4), m(2026, 9));
        assert_eq!(none[0].ja, "申請2(1) の施設が登録されていません");
    }
}
