//! がん治療認定医 (JBCT) renewal: case-list screening and the applicant's
//! requirements (seeds 002 and 003).
//!
//! A case counts towards the 20 when none of its findings is [`Severity::Excluded`] (対象外);
//! warnings (a likely duplicate patient, a name the committee reviews) leave it counted. A case
//! that does not count blocks nobody by itself: the applicant is 未充足 only when fewer than 20
//! count (spares are allowed up to 25).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

mod application;
mod cases;

pub(crate) use application::slot_label;
pub use application::{Application, Case, ELearning, Facility, Meeting};

use super::rules::JbctRules;
use super::vocab::{QUALIFYING_LICENCES, QUALIFYING_MEMBERSHIPS};
use super::{Assessment, Finding, Severity, month_label, month_of};
use cases::{check_case, span};

/// Checks one application against the rules.
pub fn check(app: &Application, rules: &JbctRules) -> Assessment {
    let mut out = Assessment::default();
    let (standard_from, window_end) = rules.window(app.round);
    let from = match app.certified_on {
        Some(d) => month_of(d),
        None => {
            out.findings.push(Finding::warning(
                "jbct.period",
                format!(
                    "前回認定日が入力されていないため、標準の対象期間 ({} 以降) で判定しています",
                    month_label(standard_from)
                ),
                format!(
                    "前回認定日 is missing: the round's standard window from {} was used",
                    month_label(standard_from)
                ),
            ));
            standard_from
        }
    };
    let end = month_of(app.applied_on.map_or(window_end, |d| d.min(window_end)));
    let facilities: BTreeMap<u32, &Facility> = app.facilities.iter().map(|f| (f.slot, f)).collect();
    check_eligibility(&mut out, app);
    check_facilities(&mut out, app, rules, from, end);
    let mut counted = 0u32;
    let mut excluded: Vec<String> = Vec::new();
    let mut seen: HashMap<(u32, &str, String, u32), u32> = HashMap::new();
    for case in &app.cases {
        let place = format!("{} No.{}", slot_label(case.slot), case.no);
        let findings = check_case(case, app.dental, facilities.get(&case.slot).copied(), from, end);
        let out_of_count = findings.iter().any(|f| f.severity == Severity::Excluded);
        out.findings.extend(findings.into_iter().map(|f| f.at(place.clone())));
        let key = (case.age, case.sex.as_str(), normal_name(&case.diagnosis), case.slot);
        if let Some(first) = seen.get(&key) {
            out.findings.push(
                Finding::warning(
                    "jbct.duplicate",
                    format!("No.{first} と同一患者の可能性があります (年齢・性別・診断名・施設が同じ)"),
                    format!("possibly the same patient as No.{first} (same age, sex, diagnosis and facility)"),
                )
                .at(place.clone()),
            );
        } else {
            seen.insert(key, case.no);
        }
        if out_of_count {
            excluded.push(place);
        } else {
            counted += 1;
        }
    }
    let registered = app.cases.len() as u32;
    if registered > rules.cases_max {
        out.findings.push(Finding::blocker(
            "jbct.cases",
            format!("症例は {} 例まで登録できます (現在 {registered} 例)", rules.cases_max),
            format!("at most {} cases may be registered (currently {registered})", rules.cases_max),
        ));
    }
    let not_counted = if excluded.is_empty() {
        String::new()
    } else {
        format!("、対象外 {} 例: {}", excluded.len(), excluded.join("、"))
    };
    if counted < rules.cases_min {
        out.findings.push(Finding::blocker(
            "jbct.cases",
            format!("症例数が不足しています (対象 {counted} 例 / 登録 {registered} 例{not_counted})"),
            format!("not enough cases ({counted} count of {registered} registered; {} required)", rules.cases_min),
        ));
    } else if !excluded.is_empty() {
        out.findings.push(Finding::warning(
            "jbct.cases",
            format!("対象 {counted} 例で症例数を満たします (登録 {registered} 例{not_counted})"),
            format!("{counted} of {registered} cases count, enough for {}; {} do not", rules.cases_min, excluded.len()),
        ));
    }
    let in_first = app.cases.iter().filter(|c| c.slot == 1).count() as u32;
    let in_others = registered - in_first;
    if in_first >= rules.cases_min && in_others > 0 {
        out.findings.push(Finding::warning(
            "jbct.facility",
            format!(
                "申請2(2)(3) は申請2(1) で {min} 症例に満たない場合のみ登録します (申請2(1) {in_first} 例、申請2(2)(3) {in_others} 例)",
                min = rules.cases_min
            ),
            format!(
                "申請2(2)(3) are for applicants with fewer than {} cases in 申請2(1), which holds {in_first}",
                rules.cases_min
            ),
        ));
    }
    let meetings = check_meetings(&mut out, app, rules, from, window_end);
    let (passed, electives) = check_elearning(&mut out, app, rules);
    if rules.palliative_for_deferred && app.deferred && !app.palliative_certificate {
        out.findings.push(Finding::blocker(
            "jbct.palliative",
            "緩和ケア研修会の修了証が未提出です (過去に更新猶予申請を行った方は必須)",
            "the palliative-care course certificate is missing (required after a deferral)",
        ));
    }
    out.counts = vec![
        ("cases", i64::from(counted)),
        ("cases_registered", i64::from(registered)),
        ("meetings", i64::from(meetings)),
        ("elearning_required_passed", i64::from(passed)),
        ("elearning_electives", i64::from(electives)),
    ];
    out
}

/// 申請資格 (1)(2) of seed 002: a medical or dental licence, and membership of an approved
/// society as 正会員, 名誉会員, 功労会員 or 特別会員. Checked when the columns are given.
fn check_eligibility(out: &mut Assessment, app: &Application) {
    match app.licence.as_deref() {
        Some(l) if !QUALIFYING_LICENCES.contains(&l) => out.findings.push(Finding::blocker(
            "jbct.eligibility",
            format!("申請資格: 日本国の医師免許証または歯科医師免許証が必要です (現在 {l})"),
            format!("eligibility: a Japanese medical or dental licence is required ({l})"),
        )),
        _ => {}
    }
    match app.membership.as_deref() {
        Some(m) if !QUALIFYING_MEMBERSHIPS.contains(&m) => out.findings.push(Finding::blocker(
            "jbct.eligibility",
            format!(
                "申請資格: 本機構が認める学会の正会員、名誉会員、功労会員、特別会員であることが必要です (現在 {m})"
            ),
            format!("eligibility: a regular, honorary, merit or special member of an approved society ({m})"),
        )),
        _ => {}
    }
    if app.licence.is_none() || app.membership.is_none() {
        out.findings.push(Finding::warning(
            "jbct.eligibility",
            "申請資格 (免許・会員種別) が入力されていないため確認していません",
            "eligibility (licence, membership) is not given and was not checked",
        ));
    }
}

/// A diagnosis name compared for duplicates: no spaces, full-width folded.
fn normal_name(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn check_facilities(out: &mut Assessment, app: &Application, rules: &JbctRules, from: NaiveDate, end: NaiveDate) {
    let slots: BTreeSet<u32> = app.facilities.iter().map(|f| f.slot).collect();
    if slots.len() as u32 > rules.facilities_max || slots.iter().any(|s| *s == 0 || *s > rules.facilities_max) {
        out.findings.push(Finding::blocker(
            "jbct.facility",
            format!("症例を登録できる施設は {} 施設までです (申請2(1)(2)(3))", rules.facilities_max),
            format!("cases may come from at most {} facilities", rules.facilities_max),
        ));
    }
    for f in &app.facilities {
        let place = format!("{} {}", slot_label(f.slot), f.name);
        if f.periods.len() as u32 > rules.periods_max {
            out.findings.push(
                Finding::blocker(
                    "jbct.period",
                    format!("施設在籍期間は {} 期間まで登録できます", rules.periods_max),
                    format!("at most {} employment periods per facility", rules.periods_max),
                )
                .at(place.clone()),
            );
        }
        for &(a, b) in &f.periods {
            if a > b {
                out.findings.push(
                    Finding::blocker(
                        "jbct.period",
                        format!("施設在籍期間 {} の開始が終了より後です", span(a, b)),
                        format!("employment period {} starts after it ends", span(a, b)),
                    )
                    .at(place.clone()),
                );
            } else if a < from || b > end {
                out.findings.push(
                    Finding::warning(
                        "jbct.period",
                        format!(
                            "施設在籍期間 {} は今回対象となる期間 ({}) の範囲で登録してください",
                            span(a, b),
                            span(from, end)
                        ),
                        format!("employment period {} should lie within {}", span(a, b), span(from, end)),
                    )
                    .at(place.clone()),
                );
            }
        }
        let mut sorted = f.periods.clone();
        sorted.sort();
        if sorted.windows(2).any(|w| w[1].0 <= w[0].1) {
            out.findings.push(
                Finding::warning(
                    "jbct.period",
                    "施設在籍期間が重なっています (継続しない期間を別々に登録してください)",
                    "employment periods overlap (enter non-contiguous periods separately)",
                )
                .at(place),
            );
        }
    }
}

fn check_meetings(out: &mut Assessment, app: &Application, rules: &JbctRules, from: NaiveDate, to: NaiveDate) -> u32 {
    let registered = app.meetings.len() as u32;
    if registered > rules.meetings_max {
        out.findings.push(Finding::blocker(
            "jbct.meetings",
            format!("学会・セミナー参加は {} 件まで登録できます (現在 {registered} 件)", rules.meetings_max),
            format!("at most {} meetings may be registered (currently {registered})", rules.meetings_max),
        ));
    }
    let mut counted = 0;
    for m in &app.meetings {
        if m.kind == "地方会" {
            out.findings.push(Finding::warning(
                "jbct.meetings",
                format!("地方会の参加は認められません [{}]", m.name),
                format!("regional meetings do not count [{}]", m.name),
            ));
        } else if !rules.meeting_kinds_counted.contains(&m.kind.as_str()) {
            out.findings.push(Finding::warning(
                "jbct.meetings",
                format!("本機構が認めた学会の学術集会ではありません [{}]", m.name),
                format!("not a meeting of an approved society [{}]", m.name),
            ));
        } else if m.date < from || m.date > to {
            out.findings.push(Finding::warning(
                "jbct.meetings",
                format!("対象期間外の参加です [{} {}]", m.name, m.date),
                format!("attended outside the window [{} {}]", m.name, m.date),
            ));
        } else {
            counted += 1;
        }
    }
    if counted < rules.meetings_min {
        out.findings.push(Finding::blocker(
            "jbct.meetings",
            format!("学会参加が不足しています (現在 {counted} 回)"),
            format!("not enough meeting attendances (currently {counted}; {} required)", rules.meetings_min),
        ));
    }
    counted
}

fn check_elearning(out: &mut Assessment, app: &Application, rules: &JbctRules) -> (u32, u32) {
    let best = |field: &str| app.elearning.iter().filter(|e| e.field == field).map(|e| e.correct).max();
    let mut passed = 0;
    for field in rules.elearning_required {
        match best(field) {
            Some(c) if c >= rules.elearning_questions => passed += 1,
            Some(c) => out.findings.push(Finding::blocker(
                "jbct.elearning",
                format!(
                    "e-learning 必須受講分野 [{field}] のミニテストが全問正解ではありません (正答 {c}/{})",
                    rules.elearning_questions
                ),
                format!(
                    "e-learning required field [{field}]: mini test not all correct ({c}/{})",
                    rules.elearning_questions
                ),
            )),
            None => out.findings.push(Finding::blocker(
                "jbct.elearning",
                format!("e-learning 必須受講分野 [{field}] が未受講です"),
                format!("e-learning required field [{field}] not taken"),
            )),
        }
    }
    let electives = rules.elearning_electives.iter().filter(|f| best(f).is_some()).count() as u32;
    if electives < rules.elearning_electives_min {
        out.findings.push(Finding::blocker(
            "jbct.elearning",
            format!(
                "e-learning 選択受講分野の受講が不足しています (現在 {electives} 分野、{} 分野必要)",
                rules.elearning_electives_min
            ),
            format!("e-learning electives: {electives} taken, {} required", rules.elearning_electives_min),
        ));
    }
    (passed, electives)
}

#[cfg(test)]
mod tests;
