//! Renewal rules as versioned data: every threshold of the two renewal systems
//! (seeds 001–003) in one value per version, so that next year's change is a new
//! version here, not an edit to the checks.
//!
//! Thresholds the seeds do not state are [`Param`]s: a documented default the checks
//! use while the society's value is unset, and a warning on every result until it is set.

use chrono::NaiveDate;
use serde::Serialize;

use super::vocab::{ELEARNING_ELECTIVE, ELEARNING_REQUIRED};

/// A threshold the seeds do not state.
#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// Stable key, e.g. `jsmo.min_credits`.
    pub key: &'static str,
    pub label_ja: &'static str,
    pub label_en: &'static str,
    /// The society's value, once someone sets it.
    pub value: Option<u32>,
    /// Used while `value` is unset.
    pub default: u32,
    /// Where the value comes from, for the documentation.
    pub source: &'static str,
}

impl Param {
    pub fn get(&self) -> u32 {
        self.value.unwrap_or(self.default)
    }

    /// The warning shown while the parameter is unset.
    pub fn unset_warning(&self) -> Option<(String, String)> {
        self.value.is_none().then(|| {
            (
                format!(
                    "規則パラメータ {} ({}) が未設定のため既定値 {} で判定しています",
                    self.key, self.label_ja, self.default
                ),
                format!(
                    "rule parameter {} ({}) is unset; the default {} was used",
                    self.key, self.label_en, self.default
                ),
            )
        })
    }
}

/// A list the seeds name but do not give: until it is set, the checks do without it and every
/// result says so.
#[derive(Debug, Clone, Serialize)]
pub struct ListParam {
    pub key: &'static str,
    pub label_ja: &'static str,
    pub label_en: &'static str,
    /// The society's list, once someone sets it.
    pub value: Option<Vec<String>>,
    /// What the checks do while it is unset.
    pub unset_means: &'static str,
    /// Where the list comes from, for the documentation.
    pub source: &'static str,
}

impl ListParam {
    /// Whether `name` is on the list (`None` while the list is unset). Names are compared
    /// without spaces and with full-width letters and digits folded.
    pub fn contains(&self, name: &str) -> Option<bool> {
        let norm = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| match c {
                    '！'..='～' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                    c => c,
                })
                .collect::<String>()
                .to_lowercase()
        };
        let n = norm(name);
        self.value.as_ref().map(|list| list.iter().any(|x| norm(x) == n))
    }

    pub fn unset_warning(&self) -> Option<(String, String)> {
        self.value.is_none().then(|| {
            (
                format!("規則パラメータ {} ({}) が未設定のため、{}", self.key, self.label_ja, self.unset_means),
                format!("rule parameter {} ({}) is unset", self.key, self.label_en),
            )
        })
    }
}

/// がん薬物療法専門医 (JSMO) renewal, seed 001.
#[derive(Debug, Clone, Serialize)]
pub struct JsmoRules {
    /// 業績単位 needed (from the society's unit table, shinsei-senmon-tani-01).
    pub min_credits: Param,
    /// Documents that must be registered (申請書類).
    pub required_documents: &'static [&'static str],
    /// Every document of the application, in the system's order.
    pub documents: &'static [&'static str],
    /// プロフィール: at most this many characters.
    pub profile_max_chars: u32,
    /// 研究活動歴: at least and at most this many entries.
    pub activity_entries: (u32, u32),
    /// 研究活動歴 must cover the months from (year before the round, month) — seed 001,
    /// round 2026: 「前回申請以降、5 年間（2020/7～）」 — to 31 March of the round's year.
    pub activity_from: (i32, u32),
    /// 研究業績 学会参加 and 研究業績 論文: at most this many entries each.
    pub meeting_entries_max: u32,
    pub paper_entries_max: u32,
    /// 業績目録 c): at most this many clinical trials.
    pub trials_max: u32,
    /// Credits count over the 5 years to 31 August of the round's year (起算日 9/1).
    pub window_years: i32,
    /// 「学会に 1 回以上参加」.
    pub min_own_meetings: u32,
    /// The renewal exam is taken on the web from this round (FY2025, seed 000) …
    pub web_exam_from_round: i32,
    /// … by those with at least this many renewals before (3: the 4th renewal and later).
    pub web_exam_after_renewals: u32,
    /// Other societies' meetings and seminars approved by the society's education committee
    /// (「本学会教育委員会により認められたもののみ有効」): only those count under 論文.
    pub approved_meetings: ListParam,
}

/// がん治療認定医 (JBCT) renewal, seeds 002 and 003.
#[derive(Debug, Clone, Serialize)]
pub struct JbctRules {
    /// 20 cases, up to 5 spare.
    pub cases_min: u32,
    pub cases_max: u32,
    /// 申請2(1)(2)(3).
    pub facilities_max: u32,
    /// Non-contiguous employment periods per facility.
    pub periods_max: u32,
    /// The window opens on 1 April this many years before the round (2026 → 2022-04).
    pub window_years: i32,
    /// … and closes on this (month, day) of the round's year (2026 → 2026-09-30).
    pub window_end: (u32, u32),
    /// Meeting attendances needed and the most that may be registered.
    pub meetings_min: u32,
    pub meetings_max: u32,
    /// Meeting kinds that count (regional meetings do not; the JBCT seminar does).
    pub meeting_kinds_counted: &'static [&'static str],
    /// e-learning: every required field passed with all questions right …
    pub elearning_required: &'static [&'static str],
    pub elearning_questions: u32,
    /// … and this many of the electives taken.
    pub elearning_electives: &'static [&'static str],
    pub elearning_electives_min: u32,
    /// Those who deferred before must hold a 緩和ケア研修会 certificate.
    pub palliative_for_deferred: bool,
}

/// One version of the renewal rules.
#[derive(Debug, Clone, Serialize)]
pub struct RenewalRules {
    pub version: &'static str,
    pub jsmo: JsmoRules,
    pub jbct: JbctRules,
}

/// The rules of the 2026 round.
pub const RENEWAL_2026: RenewalRules = RenewalRules {
    version: "2026",
    jsmo: JsmoRules {
        min_credits: Param {
            key: "jsmo.min_credits",
            label_ja: "業績単位の必要数",
            label_en: "credits required",
            value: None,
            default: 50,
            source: "JSMO 単位表 (shinsei-senmon-tani-01); not stated in the seeds",
        },
        required_documents: &["履歴書", "プロフィール", "研究活動歴", "業績目録"],
        documents: &["履歴書", "プロフィール", "研究活動歴", "研究業績 学会参加", "研究業績 論文", "業績目録"],
        profile_max_chars: 1040,
        activity_entries: (1, 20),
        activity_from: (6, 7),
        meeting_entries_max: 30,
        paper_entries_max: 30,
        trials_max: 5,
        window_years: 5,
        min_own_meetings: 1,
        web_exam_from_round: 2025,
        web_exam_after_renewals: 3,
        approved_meetings: ListParam {
            key: "jsmo.approved_meetings",
            label_ja: "本学会教育委員会が認めた他学会の学会・セミナー",
            label_en: "other societies' meetings approved by the education committee",
            value: None,
            unset_means: "他学会の学会・セミナーはすべて算入しています",
            source: "the society's list (shinsei-senmon-tani-02); named but not given in seed 001",
        },
    },
    jbct: JbctRules {
        cases_min: 20,
        cases_max: 25,
        facilities_max: 3,
        periods_max: 3,
        window_years: 4,
        window_end: (9, 30),
        meetings_min: 3,
        meetings_max: 5,
        meeting_kinds_counted: &["学術集会", "教育セミナー"],
        elearning_required: &ELEARNING_REQUIRED,
        elearning_questions: 5,
        elearning_electives: &ELEARNING_ELECTIVE,
        elearning_electives_min: 3,
        palliative_for_deferred: true,
    },
};

/// Every version, oldest first.
pub const VERSIONS: &[&RenewalRules] = &[&RENEWAL_2026];

/// A parameter override that names no parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule parameter {0} (known: {1})")]
pub struct UnknownParam(pub String, pub String);

impl RenewalRules {
    /// The rules in force for a round: the newest version not newer than the round
    /// (the first version for earlier rounds, which the sample's trend uses).
    pub fn for_round(round: i32) -> &'static RenewalRules {
        VERSIONS
            .iter()
            .rev()
            .find(|r| r.version.parse::<i32>().is_ok_and(|v| v <= round))
            .copied()
            .unwrap_or(VERSIONS[0])
    }

    pub fn params(&self) -> Vec<&Param> {
        vec![&self.jsmo.min_credits]
    }

    /// Sets parameters by key (`jsmo.min_credits=60`).
    pub fn with_params(&self, set: &[(String, u32)]) -> Result<RenewalRules, UnknownParam> {
        let mut r = self.clone();
        for (k, v) in set {
            match k.as_str() {
                "jsmo.min_credits" => r.jsmo.min_credits.value = Some(*v),
                other => {
                    let known = self.params().iter().map(|p| p.key).collect::<Vec<_>>().join(", ");
                    return Err(UnknownParam(other.to_string(), known));
                }
            }
        }
        Ok(r)
    }

    /// The list parameters.
    pub fn lists(&self) -> Vec<&ListParam> {
        vec![&self.jsmo.approved_meetings]
    }

    /// Sets the list parameter `key` (`jsmo.approved_meetings`).
    pub fn with_list(&self, key: &str, values: Vec<String>) -> Result<RenewalRules, UnknownParam> {
        let mut r = self.clone();
        match key {
            "jsmo.approved_meetings" => r.jsmo.approved_meetings.value = Some(values),
            other => {
                let known = self.lists().iter().map(|p| p.key).collect::<Vec<_>>().join(", ");
                return Err(UnknownParam(other.to_string(), known));
            }
        }
        Ok(r)
    }

    /// Warnings for every unset parameter and list, (ja, en).
    pub fn unset_warnings(&self) -> Vec<(String, String)> {
        let params = self.params().into_iter().filter_map(|p| p.unset_warning());
        params.chain(self.lists().into_iter().filter_map(|l| l.unset_warning())).collect()
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

impl JsmoRules {
    /// The credit window of a round: 1 September five years before to 31 August.
    pub fn window(&self, round: i32) -> (NaiveDate, NaiveDate) {
        (ymd(round - self.window_years, 9, 1), ymd(round, 8, 31))
    }

    /// The months 研究活動歴 should cover (first days of the first and last month):
    /// round 2026 → 2020-07-01 … 2026-03-01.
    pub fn activity_window(&self, round: i32) -> (NaiveDate, NaiveDate) {
        (ymd(round - self.activity_from.0, self.activity_from.1, 1), ymd(round, 3, 1))
    }

    /// Whether an applicant with `renewals` renewals before takes the web exam in `round`.
    pub fn web_exam(&self, round: i32, renewals: u32) -> bool {
        round >= self.web_exam_from_round && renewals >= self.web_exam_after_renewals
    }
}

impl JbctRules {
    /// The case window of a round: 2026 → 2022-04-01 … 2026-09-30.
    pub fn window(&self, round: i32) -> (NaiveDate, NaiveDate) {
        (ymd(round - self.window_years, 4, 1), ymd(round, self.window_end.0, self.window_end.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_of_the_2026_round_are_the_seeds() {
        let r = RenewalRules::for_round(2026);
        assert_eq!(r.jbct.window(2026), (ymd(2022, 4, 1), ymd(2026, 9, 30)));
        // Seed 002 (2021 round): treatments before 2017-04 are entered as 2017-04.
        assert_eq!(r.jbct.window(2021).0, ymd(2017, 4, 1));
        assert_eq!(r.jsmo.window(2026), (ymd(2021, 9, 1), ymd(2026, 8, 31)));
        // Seed 001 (2026 round): 「前回申請以降、5 年間（2020/7～）の研究活動歴」.
        assert_eq!(r.jsmo.activity_window(2026), (ymd(2020, 7, 1), ymd(2026, 3, 1)));
        assert_eq!(RenewalRules::for_round(2019).version, "2026");
    }

    #[test]
    fn an_unset_parameter_warns_until_it_is_set() {
        let r = RenewalRules::for_round(2026);
        assert_eq!(r.jsmo.min_credits.get(), 50);
        let w = r.unset_warnings();
        assert_eq!(w.len(), 2);
        assert!(w[0].0.contains("jsmo.min_credits") && w[0].0.contains("既定値 50"), "{w:?}");
        assert!(w[1].0.contains("jsmo.approved_meetings"), "{w:?}");
        let set = r.with_params(&[("jsmo.min_credits".into(), 60)]).expect("known");
        assert_eq!(set.jsmo.min_credits.get(), 60);
        let set = set.with_list("jsmo.approved_meetings", vec!["日本癌治療学会".into()]).expect("known");
        assert!(set.unset_warnings().is_empty());
        assert_eq!(set.jsmo.approved_meetings.contains("日本癌治療学会 "), Some(true));
        assert_eq!(r.jsmo.approved_meetings.contains("日本癌治療学会"), None);
        let e = r.with_params(&[("jsmo.min_units".into(), 1)]).expect_err("unknown");
        assert!(e.to_string().contains("jsmo.min_credits"));
    }
}
