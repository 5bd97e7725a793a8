//! The JBCT renewal application as the checks read it: facilities, cases, meetings and
//! e-learning results.

use chrono::NaiveDate;
use serde::Serialize;

/// A facility of 申請2(1)(2)(3) with its employment periods (months, inclusive).
#[derive(Debug, Clone, Serialize)]
pub struct Facility {
    /// 1, 2 or 3: 申請2(1), (2), (3).
    pub slot: u32,
    pub name: String,
    pub periods: Vec<(NaiveDate, NaiveDate)>,
}

/// One case of the case list.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub slot: u32,
    pub no: u32,
    pub age: u32,
    pub sex: String,
    /// 実施した診療項目, as entered.
    pub care_item: String,
    /// The text of 「その他」.
    pub care_other: Option<String>,
    /// 実施期間 (first days of the months).
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// 診断名 (general name).
    pub diagnosis: String,
    pub icd10: Option<String>,
    /// 病理診断名, or 「無し」.
    pub pathology: String,
}

/// One meeting of 申請3.
#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    pub name: String,
    /// 学術集会, 地方会, 教育セミナー or その他.
    pub kind: String,
    pub date: NaiveDate,
}

/// One e-learning field result.
#[derive(Debug, Clone, Serialize)]
pub struct ELearning {
    pub field: String,
    /// Mini-test questions answered correctly (of 5).
    pub correct: u32,
}

/// One renewal application.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Application {
    pub certificate_no: String,
    pub round: i32,
    /// がん治療認定医（歯科口腔外科）: may choose 口腔ケア.
    pub dental: bool,
    /// Deferred a renewal before (更新猶予).
    pub deferred: bool,
    /// Holds a 緩和ケア研修会 certificate.
    pub palliative_certificate: bool,
    /// 前回認定日 (first certification or last renewal): the case and meeting window opens in
    /// its month (seed 002 (3)(4)); when missing, the round's standard window is used.
    pub certified_on: Option<NaiveDate>,
    /// 申請時点; cases and periods may not end after its month (default: the window's end).
    pub applied_on: Option<NaiveDate>,
    /// 申請資格 (1): 医師, 歯科医師 or その他 (None: not given).
    pub licence: Option<String>,
    /// 申請資格 (2): the membership of an approved society (正会員 …; None: not given).
    pub membership: Option<String>,
    pub facilities: Vec<Facility>,
    pub cases: Vec<Case>,
    pub meetings: Vec<Meeting>,
    pub elearning: Vec<ELearning>,
}

pub(crate) fn slot_label(slot: u32) -> String {
    format!("申請2({slot})")
}
