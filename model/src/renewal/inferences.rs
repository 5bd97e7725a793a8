//! What the checks decide that the seeds (001–003) do not state: each judgement with the
//! reason it was made, listed in `docs/renewals.md` so that the committee can overrule it.
//! A threshold the seeds do not give is a [`Param`](super::rules::Param) instead.

use serde::Serialize;

/// One judgement the seeds do not state.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Inference {
    /// The requirement it concerns (see [`REQUIREMENTS`](super::REQUIREMENTS)).
    pub code: &'static str,
    /// What the checks do.
    pub rule: &'static str,
    /// Why: what the seeds do say, and what the choice rests on.
    pub reason: &'static str,
}

const fn inference(code: &'static str, rule: &'static str, reason: &'static str) -> Inference {
    Inference { code, rule, reason }
}

/// Every inference, in the order of the requirements.
pub const INFERENCES: &[Inference] = &[
    inference(
        "jsmo.credits",
        "Credits count from 1 September five years before the round to 31 August of its year (round 2026: \
         2021-09-01 … 2026-08-31), seminars included.",
        "Seed 001 states the window for the society's seminars only (「起算日: 20xx/09/01より過去5年 … 自動集計: \
         20xx/09/01 ~ 20xx/08/31」); the same window is applied to meetings and papers. Entries outside are \
         reported (jsmo.window), not silently dropped.",
    ),
    inference(
        "jsmo.document",
        "履歴書, プロフィール, 研究活動歴 and 業績目録 must be 登録中; 研究業績 学会参加 and 論文 may stay empty.",
        "Seed 001's completion screen lists the documents and their 状態 but not which are required; credits can \
         come from seminars alone, so the two 研究業績 parts are taken as optional.",
    ),
    inference(
        "jsmo.exam",
        "筆記試験 合格: nothing; 申込済 or no result recorded: 要確認; 未申込 or 不合格: 未充足. For the 4th renewal \
         and later (更新回数 ≥ 3) from round 2025 the same states are read as the web exam's.",
        "Seed 001 shows the states 申込済 and 合格 and says the exam may be booked in the 4th and 5th year; what the \
         other states mean for readiness is inferred. Seed 000: web exams for the 4th renewal and later from \
         FY2025; whether they differ in what counts as passed is not stated.",
    ),
    inference(
        "jsmo.activities",
        "研究活動歴 should cover every month from July six years before the round (round 2026: 2020/07) to March \
         of the round's year; an entry that ended before, and months no entry covers, are 要確認 — never a blocker. \
         Checked only when the 期間 are loaded (研究活動歴期間).",
        "Seed 001 (round 2026) says 「前回申請以降、5 年間（2020/7～）の研究活動歴を入力してください」 and \
         「1 件でも入力されていれば申請書を確定できますが、過去 5 年間の活動歴は遺漏なく入力してください」: the \
         stated start month is used as given (it is more than five years before the round); the end (March, before \
         applications open in April–May) is ours; a gap may be 休業, which the applicant leaves out (④), so it is \
         only flagged.",
    ),
    inference(
        "jbct.cases",
        "When enough cases count although some do not, the applicant gets a 要確認 saying how many count and which \
         do not.",
        "Seed 003 allows spares (「予備を含め 25 例まで」); the committee still sees the cases it will drop.",
    ),
    inference(
        "jbct.diagnosis",
        "The diagnosis dictionary (its terms and order) is ours; a name it does not know is 要確認; a listed example \
         (GIST, カルチノイド, IPMN, 胸腺腫, 腹膜偽粘液腫) with a code outside C00–C97/D00–D09 is 要確認; names that \
         look malignant but are not neoplasms (悪性貧血 …) do not count.",
        "Seed 002 gives the ICD-10 ranges, five allowed and five excluded examples, and 「上記に記載のないものに\
         ついては、申請後、資格審査委員会にて審査する」.",
    ),
    inference(
        "jbct.care_item",
        "A care item not on the pull-down is reviewed as その他 (要確認); an empty 病理診断名 is 要確認.",
        "Seed 003: 「プルダウンのリストにない診療項目は、「その他」を選択し、内容を直接入力」 and 「病理診断を行って\
         いない場合は、「無し」と入力」; a list exported from another tool may hold the item's name instead.",
    ),
    inference(
        "jbct.period",
        "A case counts when the part of its period inside the window lies within one employment period at its \
         facility; an end after the application month is 要確認 and the case counts; overlapping employment \
         periods are 要確認.",
        "Seed 003 asks for the employment periods per facility (「継続しない複数年の登録可」) and the case's \
         実施期間, and says how to enter a start before the window (「それ以前から診療している場合も同じ」) and an \
         ongoing treatment (「申請時点の年月」); it does not say how the two are compared.",
    ),
    inference(
        "jbct.facility",
        "Cases in 申請2(2)(3) although 申請2(1) holds 20 or more are 要確認, and count.",
        "Seed 003: 「申請2（1）で、20症例に満たず、2つ以上の施設での症例を登録されたい場合のみ」; it does not say \
         what happens otherwise.",
    ),
    inference(
        "jbct.duplicate",
        "Two cases with the same age, sex, diagnosis name and facility are a possible duplicate patient (要確認).",
        "Seed 003: 「1患者につき1例のみ入力してください」; the case list holds no patient id, so the test is ours.",
    ),
    inference(
        "jbct.meetings",
        "学術集会 and 教育セミナー count; 地方会, その他 and unknown kinds are 要確認 and do not count; the kind \
         names and their aliases are ours.",
        "Seed 002: 「本機構が認めた学会の学術集会」, 「地方会の参加は認められません」, the JBCT seminar 「認められます」.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_inference_names_a_requirement() {
        for i in INFERENCES {
            assert!(super::super::requirement(i.code).is_some(), "{}", i.code);
        }
    }
}
