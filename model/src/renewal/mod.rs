//! Renewal readiness for がん薬物療法専門医 (JSMO) and がん治療認定医 (JBCT): the
//! rules as versioned data and the per-applicant checks, worded like the societies'
//! own systems (「業績単位が不足しています (現在 10 単位)」).
//!
//! - [`rules`]: the versioned rule sets and their parameters.
//! - [`vocab`]: the systems' vocabularies (organ areas, care items, e-learning fields …).
//! - [`diagnosis`]: ICD-10 ranges and the diagnosis-name dictionary.
//! - [`jsmo`], [`jbct`]: one application in, an [`Assessment`] out; `jbct::cases`: one JBCT case.
//! - [`inferences`]: what the checks decide that the seeds do not state, with the reasons.
//! - [`changes`]: how the judgements changed between releases.
//! - [`docs`]: `docs/renewals.md`, generated from the above.

pub mod changes;
pub mod diagnosis;
pub mod docs;
pub mod inferences;
pub mod jbct;
pub mod jsmo;
pub mod rules;
pub mod vocab;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub use rules::{RENEWAL_2026, RenewalRules};

/// Whether a finding stops the renewal, takes one entry out of a count, or only needs a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Severity {
    /// An unmet requirement: the applicant is not ready.
    Blocker,
    /// One entry (a case) does not count, with the reason. It blocks only through the
    /// requirement whose count it lowers: an applicant may register spare cases (seed 003,
    /// 「予備を含め 25 例まで」), and 20 that count are enough.
    Excluded,
    /// Worth a look (a likely duplicate case, a name the committee reviews …); does not block.
    Warning,
}

impl Severity {
    pub fn label_ja(self) -> &'static str {
        match self {
            Severity::Blocker => "未充足",
            Severity::Excluded => "対象外",
            Severity::Warning => "要確認",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Severity::Blocker => "blocker",
            Severity::Excluded => "excluded",
            Severity::Warning => "warning",
        }
    }
}

/// One finding about one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The requirement it concerns (see [`REQUIREMENTS`]).
    pub code: &'static str,
    pub severity: Severity,
    /// Where in the application, e.g. 「申請2(1) No.3」 (empty for the application as a whole).
    pub place: String,
    pub ja: String,
    pub en: String,
}

impl Finding {
    fn new(code: &'static str, severity: Severity, ja: impl Into<String>, en: impl Into<String>) -> Self {
        Finding { code, severity, place: String::new(), ja: ja.into(), en: en.into() }
    }

    fn blocker(code: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(code, Severity::Blocker, ja, en)
    }

    fn warning(code: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, ja, en)
    }

    fn excluded(code: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(code, Severity::Excluded, ja, en)
    }

    fn at(mut self, place: impl Into<String>) -> Self {
        self.place = place.into();
        self
    }

    /// The message with its place, as a list shows it.
    pub fn text_ja(&self) -> String {
        if self.place.is_empty() { self.ja.clone() } else { format!("{}: {}", self.place, self.ja) }
    }

    pub fn text_en(&self) -> String {
        if self.place.is_empty() { self.en.clone() } else { format!("{}: {}", self.place, self.en) }
    }
}

/// The outcome of checking one application.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Assessment {
    pub findings: Vec<Finding>,
    /// What counted towards the requirements (credits, cases, meetings …), by name.
    pub counts: Vec<(&'static str, i64)>,
}

impl Assessment {
    /// Ready: no unmet requirement.
    pub fn ready(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Blocker)
    }

    pub fn blockers(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Blocker)
    }

    pub fn count(&self, name: &str) -> Option<i64> {
        self.counts.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

/// A requirement: the unit the cohort view counts blockers by.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Requirement {
    pub code: &'static str,
    pub qualification: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
}

const JSMO: &str = crate::qualification::MEDICAL_ONCOLOGIST;
const JBCT: &str = crate::qualification::JBCT;

/// The qualifications whose renewals are checked, in the order the views list them.
pub const QUALIFICATIONS: [&str; 2] = [JSMO, JBCT];

const fn req(code: &'static str, qualification: &'static str, ja: &'static str, en: &'static str) -> Requirement {
    Requirement { code, qualification, ja, en }
}

/// Every requirement the checks report, in the order the cohort view lists them.
pub const REQUIREMENTS: &[Requirement] = &[
    req("jsmo.credits", JSMO, "業績単位", "credits"),
    req("jsmo.meeting", JSMO, "学会参加またはセミナー A・B", "meeting or seminars A and B"),
    req("jsmo.document", JSMO, "申請書類の登録", "documents registered"),
    req("jsmo.profile", JSMO, "プロフィール字数", "profile length"),
    req("jsmo.entries", JSMO, "登録件数の上限", "entry limits"),
    req("jsmo.exam", JSMO, "筆記試験", "written exam"),
    req("jsmo.window", JSMO, "対象期間外の業績", "credits outside the window"),
    req("jsmo.other_society", JSMO, "学会参加欄の登録誤り (他学会・当会セミナー)", "misplaced under 学会参加"),
    req("jsmo.approved", JSMO, "他学会業績の承認", "approval of other societies' meetings"),
    req("jsmo.activities", JSMO, "研究活動歴の期間", "研究活動歴 periods"),
    req("jbct.eligibility", JBCT, "申請資格 (免許・会員種別)", "eligibility (licence, membership)"),
    req("jbct.cases", JBCT, "症例数", "number of cases"),
    req("jbct.diagnosis", JBCT, "対象疾患 (診断名・ICD-10)", "eligible diagnosis"),
    req("jbct.care_item", JBCT, "診療項目", "care item"),
    req("jbct.period", JBCT, "実施期間・在籍期間", "periods"),
    req("jbct.facility", JBCT, "症例施設", "facilities"),
    req("jbct.duplicate", JBCT, "同一患者の重複", "duplicate patients"),
    req("jbct.meetings", JBCT, "学会参加", "meeting attendance"),
    req("jbct.elearning", JBCT, "e-learning", "e-learning"),
    req("jbct.palliative", JBCT, "緩和ケア研修会", "palliative-care course"),
];

pub fn requirement(code: &str) -> Option<&'static Requirement> {
    REQUIREMENTS.iter().find(|r| r.code == code)
}

/// A month as the JBCT system enters it (年/月), shown as `2022/04`.
pub fn month_label(d: NaiveDate) -> String {
    format!("{}/{:02}", d.year(), d.month())
}

/// The first day of a date's month.
pub fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The renewal round (更新年度) a certificate is due in: the 年度 of its expiry
/// (有効期限 2027-03-31 → 2026, as JSMO's 次回更新年度 shows).
pub fn due_round(expires_on: NaiveDate) -> i32 {
    crate::fiscal::fiscal_year(expires_on)
}

/// 1,040 with a thousands separator, as the societies' screens print numbers.
fn int(n: impl Into<i64>) -> String {
    crate::thousands(n.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_round_is_the_fiscal_year_of_expiry() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("date");
        assert_eq!(due_round(d(2027, 3, 31)), 2026);
        assert_eq!(due_round(d(2027, 4, 1)), 2027);
        assert_eq!(int(1040), "1,040");
        assert_eq!(int(10), "10");
    }

    #[test]
    fn every_requirement_code_is_unique() {
        let mut codes: Vec<_> = REQUIREMENTS.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), REQUIREMENTS.len());
    }
}
