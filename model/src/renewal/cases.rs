//! One case of a JBCT case list: eligible disease (ICD-10 or the diagnosis
//! dictionary), care item, and period inside the window and the employment.

use chrono::NaiveDate;

use super::diagnosis::{Class, classify, icd10_eligible, parse_icd10};
use super::jbct::{Case, Facility, slot_label};
use super::vocab::{ORAL_CARE, OTHER_CARE, care_item};
use super::{Finding, month_label};

pub(crate) fn span(a: NaiveDate, b: NaiveDate) -> String {
    format!("{}–{}", month_label(a), month_label(b))
}

/// The findings of one case (its place is added by the caller).
pub fn check_case(
    case: &Case,
    dental: bool,
    facility: Option<&Facility>,
    from: NaiveDate,
    end: NaiveDate,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let verdict = classify(&case.diagnosis);
    let name = &case.diagnosis;
    if verdict.class == Class::Abbreviation {
        out.push(Finding::blocker(
            "jbct.diagnosis",
            format!("診断名に略語は使用できません [{}] (一般名で入力してください)", verdict.term),
            format!("abbreviation [{}] in the diagnosis; enter the general name", verdict.term),
        ));
    }
    let icd = case.icd10.as_deref().filter(|c| !c.trim().is_empty());
    match icd.map(|c| (c, parse_icd10(c))) {
        Some((c, None)) => out.push(Finding::blocker(
            "jbct.diagnosis",
            format!("ICD-10 コード [{c}] を読み取れません"),
            format!("ICD-10 code [{c}] cannot be read"),
        )),
        Some((c, Some((l, n)))) if !icd10_eligible(l, n) => out.push(Finding::blocker(
            "jbct.diagnosis",
            format!("ICD-10 コード [{c}] は対象疾患 (C00–C97, D00–D09) ではありません"),
            format!("ICD-10 code [{c}] is outside the eligible C00–C97, D00–D09"),
        )),
        Some(_) => {
            if matches!(verdict.class, Class::Benign | Class::Ambiguous) {
                out.push(Finding::warning(
                    "jbct.diagnosis",
                    format!("診断名 [{name}] が ICD-10 コードと合っていない可能性があります"),
                    format!("the diagnosis [{name}] may not match its ICD-10 code"),
                ));
            }
        }
        None => match verdict.class {
            Class::Benign => out.push(Finding::blocker(
                "jbct.diagnosis",
                format!("良性腫瘍などは対象疾患ではありません [{name}]"),
                format!("benign tumours are not eligible [{name}]"),
            )),
            Class::Ambiguous => out.push(Finding::blocker(
                "jbct.diagnosis",
                format!("良悪性が不明な診断名は症例数としてカウントしません [{name}]"),
                format!("a diagnosis that does not say benign or malignant is not counted [{name}]"),
            )),
            Class::Unknown => out.push(Finding::warning(
                "jbct.diagnosis",
                format!("診断名 [{name}] は辞書にありません (申請後、資格審査委員会にて審査)"),
                format!("the diagnosis [{name}] is not in the dictionary (the committee reviews it)"),
            )),
            Class::Malignant | Class::Abbreviation => {}
        },
    }
    match care_item(&case.care_item) {
        None => out.push(Finding::blocker(
            "jbct.care_item",
            format!("診療項目 [{}] は選択肢にありません", case.care_item),
            format!("care item [{}] is not on the list", case.care_item),
        )),
        Some((item, _)) if item == ORAL_CARE && !dental => out.push(Finding::blocker(
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
        Some((item, true)) if !confirmed(case) => out.push(Finding::blocker(
            "jbct.care_item",
            format!("診療項目 [{item}] はがんと確定診断された場合のみ認められます (病理診断名: {})", case.pathology),
            format!("[{item}] counts only when cancer was confirmed (pathology: {})", case.pathology),
        )),
        Some(_) => {}
    }
    if case.from > case.to {
        out.push(Finding::blocker(
            "jbct.period",
            format!("実施期間 {} の開始が終了より後です", span(case.from, case.to)),
            format!("the period {} starts after it ends", span(case.from, case.to)),
        ));
    } else if case.from < from {
        out.push(Finding::blocker(
            "jbct.period",
            format!(
                "実施期間の開始は {} 以降で入力してください (それ以前から診療している場合も同じ) (現在 {})",
                month_label(from),
                month_label(case.from)
            ),
            format!("the period must start in {} or later (currently {})", month_label(from), month_label(case.from)),
        ));
    } else if case.to > end {
        out.push(Finding::blocker(
            "jbct.period",
            format!("実施期間の終了が申請時点 ({}) より後です (現在 {})", month_label(end), month_label(case.to)),
            format!("the period ends after the application month {} ({})", month_label(end), month_label(case.to)),
        ));
    } else {
        match facility {
            None => out.push(Finding::blocker(
                "jbct.facility",
                format!("{} の施設が登録されていません", slot_label(case.slot)),
                format!("no facility is registered for {}", slot_label(case.slot)),
            )),
            Some(f) if !f.periods.iter().any(|&(a, b)| case.from >= a && case.to <= b) => out.push(Finding::blocker(
                "jbct.period",
                format!("実施期間 {} が施設在籍期間の外です", span(case.from, case.to)),
                format!("the period {} is outside the employment at {}", span(case.from, case.to), f.name),
            )),
            Some(_) => {}
        }
    }
    out
}

/// Cancer confirmed: a malignant pathology diagnosis (not 「無し」).
fn confirmed(case: &Case) -> bool {
    let p = case.pathology.trim();
    !matches!(p, "" | "無し" | "なし" | "無") && classify(p).class == Class::Malignant
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
        assert_eq!(f[0].2, "ICD-10 コード [D46.9] は対象疾患 (C00–C97, D00–D09) ではありません");
        c.diagnosis = "急性骨髄性白血病".into();
        c.icd10 = Some("C92.0".into());
        assert!(run(&c).is_empty());
        c.icd10 = Some("X".into());
        assert_eq!(run(&c)[0].1, Severity::Blocker);
    }

    #[test]
    fn abbreviations_benign_and_ambiguous_names_block() {
        assert_eq!(
            run(&case(1, "HCC", "手術", "無し"))[0].2,
            "診断名に略語は使用できません [HCC] (一般名で入力してください)"
        );
        assert_eq!(run(&case(1, "髄膜腫", "手術", "髄膜腫"))[0].2, "良性腫瘍などは対象疾患ではありません [髄膜腫]");
        assert_eq!(
            run(&case(1, "脳腫瘍", "手術", "無し"))[0].2,
            "良悪性が不明な診断名は症例数としてカウントしません [脳腫瘍]"
        );
        let unknown = run(&case(1, "キャッスルマン病", "薬物療法", "無し"));
        assert_eq!(unknown[0].1, Severity::Warning);
    }

    #[test]
    fn care_items_from_the_list_only_and_diagnosis_items_need_confirmed_cancer() {
        assert_eq!(run(&case(1, "胃がん", "温熱療法", "無し"))[0].2, "診療項目 [温熱療法] は選択肢にありません");
        let f = run(&case(1, "肺がん", "画像診断", "無し"));
        assert_eq!(f[0].2, "診療項目 [画像診断] はがんと確定診断された場合のみ認められます (病理診断名: 無し)");
        assert!(run(&case(1, "肺がん", "画像診断", "肺腺癌")).is_empty());
        assert_eq!(run(&case(1, "舌がん", "口腔ケア", "扁平上皮癌"))[0].1, Severity::Blocker);
        let dental =
            check_case(&case(1, "舌がん", "口腔ケア", "扁平上皮癌"), true, Some(&facility()), m(2022, 4), m(2026, 9));
        assert!(dental.is_empty());
        let mut other = case(1, "胃がん", "その他", "無し");
        other.care_other = Some("栄養指導".into());
        assert_eq!(run(&other)[0].1, Severity::Warning);
    }

    #[test]
    fn periods_inside_the_window_and_the_employment() {
        let mut c = case(1, "胃がん", "手術", "腺癌");
        c.from = m(2021, 10);
        assert!(run(&c)[0].2.starts_with("実施期間の開始は 2022/04 以降で入力してください"));
        c.from = m(2024, 1);
        c.to = m(2026, 10);
        assert_eq!(run(&c)[0].2, "実施期間の終了が申請時点 (2026/09) より後です (現在 2026/10)");
        c.to = m(2023, 12);
        assert_eq!(run(&c)[0].2, "実施期間 2024/01–2023/12 の開始が終了より後です");
        c.to = m(2024, 3);
        let short = Facility { periods: vec![(m(2022, 4), m(2023, 3)), (m(2024, 2), m(2026, 9))], ..facility() };
        let f = check_case(&c, false, Some(&short), m(2022, 4), m(2026, 9));
        assert_eq!(f[0].ja, "実施期間 2024/01–2024/03 が施設在籍期間の外です");
        let none = check_case(&c, false, None, m(2022, 4), m(2026, 9));
        assert_eq!(none[0].ja, "申請2(1) の施設が登録されていません");
    }
}
