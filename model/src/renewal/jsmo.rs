//! がん薬物療法専門医 (JSMO) renewal: the completion requirements exactly as the
//! society's system reports them (seed 001, 「申請完了要件」), plus the limits of
//! each part of the application.

use chrono::NaiveDate;
use serde::Serialize;

use super::rules::JsmoRules;
use super::vocab::{OTHER_MEETING, OWN_MEETING, OWN_SEMINARS, SEMINAR_A, SEMINAR_B};
use super::{Assessment, Finding, int};

/// One registered credit entry (研究業績 学会参加 / 当会セミナー / 論文).
#[derive(Debug, Clone, Serialize)]
pub struct CreditEntry {
    /// 区分: 学会参加, 当会セミナー or 論文.
    pub part: String,
    /// 種別: 本学会学術集会, 他学会学術集会, 教育セミナーA …
    pub kind: String,
    pub date: NaiveDate,
    pub units: u32,
    /// 内容: the meeting or seminar's name, the paper's title.
    pub title: Option<String>,
}

/// One 研究活動歴 entry's 期間 (first days of its months; no end: continuing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Period {
    fn label(&self) -> String {
        let m = |d: NaiveDate| d.format("%Y/%m").to_string();
        format!("{}〜{}", m(self.from), self.to.map(m).unwrap_or_default())
    }

    /// The stored form: `2020-07~2023-03;2023-04~`.
    pub fn join(periods: &[Period]) -> String {
        let m = |d: NaiveDate| d.format("%Y-%m").to_string();
        periods
            .iter()
            .map(|p| format!("{}~{}", m(p.from), p.to.map(m).unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Reads the stored form back (None when it is not that form).
    pub fn split(stored: &str) -> Option<Vec<Period>> {
        let month = |s: &str| NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok();
        stored
            .split(';')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (a, b) = p.split_once('~')?;
                let to = if b.is_empty() { None } else { Some(month(b)?) };
                Some(Period { from: month(a)?, to })
            })
            .collect()
    }
}

/// One renewal application as the system holds it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Application {
    pub certificate_no: String,
    /// 更新年度 (次回更新年度).
    pub round: i32,
    /// Renewals before this one (3 or more: the 4th-or-later renewal, web exam).
    pub renewals: u32,
    /// Documents whose state is 登録中 (registered).
    pub documents: Vec<String>,
    /// Characters of the プロフィール text.
    pub profile_chars: u32,
    /// 研究活動歴 entries.
    pub activity_entries: u32,
    /// 研究活動歴 期間, when loaded (None: not given, not checked).
    pub activity_periods: Option<Vec<Period>>,
    /// 業績目録 c): clinical trials listed.
    pub trials: u32,
    /// 筆記試験: 合格, 申込済, 未申込, 不合格 (None: not recorded).
    pub exam: Option<String>,
    pub credits: Vec<CreditEntry>,
}

/// Checks one application against the rules.
pub fn check(app: &Application, rules: &JsmoRules) -> Assessment {
    let mut out = Assessment::default();
    let (from, to) = rules.window(app.round);
    let in_window = |e: &&CreditEntry| e.date >= from && e.date <= to;
    let outside = app.credits.iter().filter(|e| !in_window(e)).count();
    if outside > 0 {
        out.findings.push(Finding::warning(
            "jsmo.window",
            format!("対象期間 ({from}〜{to}) 外の業績が {outside} 件あります (単位に算入されません)"),
            format!("{outside} entries fall outside the window {from} to {to} (not counted)"),
        ));
    }
    // Under 学会参加 only the society's own meeting counts: a seminar there is counted anyway
    // (automatically, under 当会セミナー), another society's meeting belongs under 論文.
    let in_meetings = |e: &&CreditEntry| e.part == "学会参加" && e.kind != OWN_MEETING;
    let seminars = app.credits.iter().filter(in_meetings).filter(|e| OWN_SEMINARS.contains(&e.kind.as_str())).count();
    let others = app.credits.iter().filter(in_meetings).count() - seminars;
    if seminars > 0 {
        out.findings.push(Finding::warning(
            "jsmo.other_society",
            format!(
                "研究業績 学会参加 に当会セミナーが {seminars} 件あります (当会セミナーの単位は自動算入されるため登録不要です)"
            ),
            format!("{seminars} of the society's seminars under 学会参加 (counted automatically; do not register them)"),
        ));
    }
    if others > 0 {
        out.findings.push(Finding::warning(
            "jsmo.other_society",
            format!("研究業績 学会参加 に他学会の業績が {others} 件あります (単位に算入されません)"),
            format!("{others} other-society entries under 学会参加 (not counted; register them under 論文)"),
        ));
    }
    // Another society's meeting counts under 論文 only when the education committee approved it.
    let unapproved = |e: &&CreditEntry| {
        e.part == "論文"
            && e.kind == OTHER_MEETING
            && rules.approved_meetings.contains(e.title.as_deref().unwrap_or("")) == Some(false)
    };
    let not_approved: Vec<String> =
        app.credits.iter().filter(in_window).filter(unapproved).map(|e| e.title.clone().unwrap_or_default()).collect();
    if !not_approved.is_empty() {
        out.findings.push(Finding::warning(
            "jsmo.approved",
            format!(
                "研究業績 論文 の他学会の学会・セミナー {} 件が本学会教育委員会の承認一覧にありません (単位に算入されません): {}",
                not_approved.len(),
                not_approved.join("、")
            ),
            format!("{} other-society entries are not on the approved list (not counted)", not_approved.len()),
        ));
    }
    let counted: Vec<&CreditEntry> = app
        .credits
        .iter()
        .filter(in_window)
        .filter(|e| e.part != "学会参加" || e.kind == OWN_MEETING)
        .filter(|e| !unapproved(e))
        .collect();
    let credits: u32 = counted.iter().map(|e| e.units).sum();
    let min = rules.min_credits.get();
    if credits < min {
        out.findings.push(Finding::blocker(
            "jsmo.credits",
            format!("業績単位が不足しています (現在 {} 単位)", int(credits)),
            format!("not enough credits (currently {credits}; {min} required)"),
        ));
    }
    let own_meetings = counted.iter().filter(|e| e.part == "学会参加").count() as u32;
    let seminar = |k: &str| counted.iter().any(|e| e.kind == k);
    let (a, b) = (seminar(SEMINAR_A), seminar(SEMINAR_B));
    if own_meetings < rules.min_own_meetings && !(a && b) {
        out.findings.push(Finding::blocker(
            "jsmo.meeting",
            "「学会に 1 回以上参加」「セミナー A B の双方に参加」のいずれも満たされていません",
            "neither 'attended the society's meeting at least once' nor 'attended both seminars A and B' is met",
        ));
    }
    let registered = |d: &str| app.documents.iter().any(|x| x == d);
    for d in rules.required_documents {
        let empty_profile = *d == "プロフィール" && app.profile_chars == 0;
        let empty_activities = *d == "研究活動歴" && app.activity_entries < rules.activity_entries.0;
        if !registered(d) || empty_profile || empty_activities {
            out.findings.push(Finding::blocker(
                "jsmo.document",
                format!("申請書類 [{d}] が未登録です"),
                format!("document [{d}] is not registered"),
            ));
        }
    }
    if app.profile_chars > rules.profile_max_chars {
        out.findings.push(Finding::blocker(
            "jsmo.profile",
            format!("プロフィールは {} 字までです (現在 {} 字)", int(rules.profile_max_chars), int(app.profile_chars)),
            format!(
                "the profile is limited to {} characters (currently {})",
                rules.profile_max_chars, app.profile_chars
            ),
        ));
    }
    let part_count = |p: &str| app.credits.iter().filter(|e| e.part == p).count() as u32;
    for (part, n, max) in [
        ("研究活動歴", app.activity_entries, rules.activity_entries.1),
        ("研究業績 学会参加", part_count("学会参加"), rules.meeting_entries_max),
        ("研究業績 論文", part_count("論文"), rules.paper_entries_max),
        ("業績目録 臨床試験", app.trials, rules.trials_max),
    ] {
        if n > max {
            out.findings.push(Finding::blocker(
                "jsmo.entries",
                format!("{part} は {max} 件まで登録できます (現在 {n} 件)"),
                format!("{part}: at most {max} entries (currently {n})"),
            ));
        }
    }
    activities(app, rules, &mut out);
    let (exam, exam_en) = if rules.web_exam(app.round, app.renewals) {
        ("更新試験 (web)", "web renewal exam")
    } else {
        ("筆記試験", "written exam")
    };
    match app.exam.as_deref() {
        Some("合格") => {}
        None => out.findings.push(Finding::warning(
            "jsmo.exam",
            format!("{exam}の結果が記録されていません"),
            format!("no result of the {exam_en} is recorded"),
        )),
        Some("申込済") => out.findings.push(Finding::warning(
            "jsmo.exam",
            format!("{exam}は申込済です (未受験)"),
            format!("the {exam_en} is booked, not yet taken"),
        )),
        Some(state) => out.findings.push(Finding::blocker(
            "jsmo.exam",
            format!("{exam}に合格していません ({state})"),
            format!("the {exam_en} is not passed ({state})"),
        )),
    }
    out.counts = vec![
        ("credits", i64::from(credits)),
        ("own_meetings", i64::from(own_meetings)),
        ("seminar_a", i64::from(a)),
        ("seminar_b", i64::from(b)),
    ];
    out
}

/// 研究活動歴 (seed 001): 「前回申請以降、5 年間（2020/7～）の研究活動歴を入力してください」 and
/// 「過去 5 年間の活動歴は遺漏なく入力してください」: an entry that ended before the window, and
/// months of the window no entry covers (休業 excepted), are for the committee to review.
fn activities(app: &Application, rules: &JsmoRules, out: &mut Assessment) {
    let Some(periods) = &app.activity_periods else { return };
    let (from, last) = rules.activity_window(app.round);
    let month = |d: NaiveDate| d.format("%Y/%m").to_string();
    let before: Vec<String> =
        periods.iter().filter(|p| p.to.unwrap_or(NaiveDate::MAX) < from).map(Period::label).collect();
    if !before.is_empty() {
        out.findings.push(Finding::warning(
            "jsmo.activities",
            format!("研究活動歴 に対象期間 ({}〜) より前の期間があります: {}", month(from), before.join("、")),
            format!("研究活動歴 entries end before the window ({from}): {}", before.join(", ")),
        ));
    }
    if periods.is_empty() {
        return;
    }
    let covered = |m: NaiveDate| periods.iter().any(|p| p.from <= m && p.to.is_none_or(|t| m <= t));
    let mut gaps: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let mut m = from;
    while m <= last {
        if !covered(m) {
            match gaps.last_mut() {
                Some((_, end)) if end.checked_add_months(chrono::Months::new(1)) == Some(m) => *end = m,
                _ => gaps.push((m, m)),
            }
        }
        let Some(next) = m.checked_add_months(chrono::Months::new(1)) else { break };
        m = next;
    }
    if !gaps.is_empty() {
        let list: Vec<String> = gaps.iter().map(|(a, b)| format!("{}〜{}", month(*a), month(*b))).collect();
        out.findings.push(Finding::warning(
            "jsmo.activities",
            format!(
                "研究活動歴 に記載のない期間があります: {} (休業等でなければ、過去 5 年間の活動歴は遺漏なく入力してください)",
                list.join("、")
            ),
            format!("months of the window no 研究活動歴 entry covers: {}", list.join(", ")),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::renewal::{RENEWAL_2026, Severity};

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).expect("date")
    }

    fn entry(part: &str, kind: &str, date: NaiveDate, units: u32) -> CreditEntry {
        CreditEntry { part: part.into(), kind: kind.into(), date, units, title: None }
    }

    /// A complete application: every document, 55 credits, the annual meeting.
    fn ready() -> Application {
        Application {
            certificate_no: "0500026".into(),
            round: 2026,
            renewals: 3,
            documents: RENEWAL_2026.jsmo.documents.iter().map(|s| s.to_string()).collect(),
            profile_chars: 800,
            activity_entries: 4,
            activity_periods: Some(vec![
                Period { from: d(2018, 4, 1), to: Some(d(2022, 3, 1)) },
                Period { from: d(2022, 4, 1), to: None },
            ]),
            trials: 2,
            exam: Some("合格".into()),
            credits: vec![
                entry("学会参加", OWN_MEETING, d(2025, 3, 6), 10),
                entry("当会セミナー", "Best of ASCO", d(2023, 7, 6), 10),
                entry("当会セミナー", SEMINAR_A, d(2024, 7, 2), 10),
                entry("論文", "論文", d(2024, 11, 1), 25),
            ],
        }
    }

    #[test]
    fn periods_round_trip_through_their_stored_form() {
        let p = vec![Period { from: d(2020, 7, 1), to: Some(d(2023, 3, 1)) }, Period { from: d(2023, 4, 1), to: None }];
        assert_eq!(Period::join(&p), "2020-07~2023-03;2023-04~");
        assert_eq!(Period::split("2020-07~2023-03;2023-04~"), Some(p));
        assert_eq!(Period::split("2020/07"), None);
    }

    fn codes(a: &Assessment) -> Vec<&'static str> {
        a.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_complete_application_is_ready() {
        let a = check(&ready(), &RENEWAL_2026.jsmo);
        assert!(a.ready(), "{:?}", a.findings);
        assert_eq!(a.count("credits"), Some(55));
    }

    /// Seed 001: 「前回申請以降、5 年間（2020/7～）の研究活動歴を入力してください」 and
    /// 「過去 5 年間の活動歴は遺漏なく入力してください」 — for review, not a blocker.
    #[test]
    fn activities_outside_the_five_years_or_with_gaps_are_for_review() {
        let mut app = ready();
        app.activity_periods = Some(vec![
            Period { from: d(2014, 4, 1), to: Some(d(2019, 3, 1)) },
            Period { from: d(2020, 7, 1), to: Some(d(2021, 3, 1)) },
            Period { from: d(2021, 10, 1), to: Some(d(2025, 12, 1)) },
        ]);
        let a = check(&app, &RENEWAL_2026.jsmo);
        assert!(a.ready(), "{:?}", a.findings);
        let texts: Vec<&str> =
            a.findings.iter().filter(|f| f.code == "jsmo.activities").map(|f| f.ja.as_str()).collect();
        assert_eq!(
            texts,
            [
                "研究活動歴 に対象期間 (2020/07〜) より前の期間があります: 2014/04〜2019/03",
                "研究活動歴 に記載のない期間があります: 2021/04〜2021/09、2026/01〜2026/03 \
                 (休業等でなければ、過去 5 年間の活動歴は遺漏なく入力してください)",
            ]
        );
        assert!(a.findings.iter().all(|f| f.severity == Severity::Warning));
        // Not loaded: not checked.
        app.activity_periods = None;
        assert!(!codes(&check(&app, &RENEWAL_2026.jsmo)).contains(&"jsmo.activities"));
    }

    /// Seed 001's error screen, message for message.
    #[test]
    fn the_seed_error_screen() {
        let app = Application {
            certificate_no: "0500026".into(),
            round: 2026,
            documents: vec!["研究業績 学会参加".into(), "研究業績 論文".into()],
            credits: vec![entry("論文", "論文", d(2024, 1, 10), 10)],
            exam: Some("合格".into()),
            ..Default::default()
        };
        let a = check(&app, &RENEWAL_2026.jsmo);
        let texts: Vec<&str> = a.findings.iter().map(|f| f.ja.as_str()).collect();
        assert_eq!(
            texts,
            [
                "業績単位が不足しています (現在 10 単位)",
                "「学会に 1 回以上参加」「セミナー A B の双方に参加」のいずれも満たされていません",
                "申請書類 [履歴書] が未登録です",
                "申請書類 [プロフィール] が未登録です",
                "申請書類 [研究活動歴] が未登録です",
                "申請書類 [業績目録] が未登録です",
            ]
        );
        assert!(!a.ready());
    }

    #[test]
    fn credits_below_the_parameter_block_and_the_parameter_moves_the_line() {
        let mut app = ready();
        app.credits.pop();
        let a = check(&app, &RENEWAL_2026.jsmo);
        assert_eq!(codes(&a), ["jsmo.credits"]);
        assert_eq!(a.findings[0].ja, "業績単位が不足しています (現在 30 単位)");
        let lower = RENEWAL_2026.with_params(&[("jsmo.min_credits".into(), 30)]).expect("param");
        assert!(check(&app, &lower.jsmo).ready());
    }

    #[test]
    fn seminars_a_and_b_together_replace_the_meeting() {
        let mut app = ready();
        app.credits.retain(|e| e.kind != OWN_MEETING);
        app.credits.push(entry("論文", "論文", d(2025, 1, 1), 10));
        assert_eq!(codes(&check(&app, &RENEWAL_2026.jsmo)), ["jsmo.meeting"]);
        app.credits.push(entry("当会セミナー", SEMINAR_B, d(2023, 6, 1), 10));
        assert!(check(&app, &RENEWAL_2026.jsmo).ready());
    }

    #[test]
    fn other_societies_under_meetings_do_not_count() {
        let mut app = ready();
        app.credits[0].kind = "他学会学術集会".into();
        let a = check(&app, &RENEWAL_2026.jsmo);
        assert_eq!(codes(&a), ["jsmo.other_society", "jsmo.credits", "jsmo.meeting"]);
        assert_eq!(a.findings[0].severity, Severity::Warning);
        assert_eq!(a.count("credits"), Some(45));
    }

    #[test]
    fn entries_outside_the_window_do_not_count() {
        let mut app = ready();
        app.credits[3].date = d(2021, 8, 31);
        let a = check(&app, &RENEWAL_2026.jsmo);
        assert_eq!(codes(&a), ["jsmo.window", "jsmo.credits"]);
        app.credits[3].date = d(2021, 9, 1);
        assert!(check(&app, &RENEWAL_2026.jsmo).ready());
    }

    #[test]
    fn profile_length_and_empty_profile() {
        let mut app = ready();
        app.profile_chars = 1041;
        let a = check(&app, &RENEWAL_2026.jsmo);
        assert_eq!(a.findings[0].ja, "プロフィールは 1,040 字までです (現在 1,041 字)");
        app.profile_chars = 1040;
        assert!(check(&app, &RENEWAL_2026.jsmo).ready());
        app.profile_chars = 0;
        assert_eq!(check(&app, &RENEWAL_2026.jsmo).findings[0].ja, "申請書類 [プロフィール] が未登録です");
    }

    #[test]
    fn entry_limits_of_each_part() {
        let mut app = ready();
        app.activity_entries = 21;
        app.trials = 6;
        for i in 0..31 {
            app.credits.push(entry("学会参加", OWN_MEETING, d(2022, 1, 1) + chrono::Days::new(i), 1));
        }
        let a = check(&app, &RENEWAL_2026.jsmo);
        let texts: Vec<&str> = a.findings.iter().map(|f| f.ja.as_str()).collect();
        assert_eq!(
            texts,
            [
                "研究活動歴 は 20 件まで登録できます (現在 21 件)",
                "研究業績 学会参加 は 30 件まで登録できます (現在 32 件)",
                "業績目録 臨床試験 は 5 件まで登録できます (現在 6 件)",
            ]
        );
    }

    #[test]
    fn the_exam_blocks_unless_passed_or_booked() {
        let mut app = ready();
        app.renewals = 1;
        app.exam = Some("申込済".into());
        let a = check(&app, &RENEWAL_2026.jsmo);
        assert!(a.ready() && codes(&a) == ["jsmo.exam"]);
        app.exam = Some("未申込".into());
        assert_eq!(check(&app, &RENEWAL_2026.jsmo).findings[0].ja, "筆記試験に合格していません (未申込)");
        app.exam = None;
        let a = check(&app, &RENEWAL_2026.jsmo);
        assert!(a.ready());
        assert_eq!(a.findings[0].ja, "筆記試験の結果が記録されていません");
    }

    /// Seed 000: 「2025 年度より、更新 4 回目以降の先生においては WEB 試験における認定が認められる」 —
    /// from the loaded 更新回数.
    #[test]
    fn the_fourth_renewal_from_2025_takes_the_web_exam() {
        let mut app = ready();
        app.exam = Some("不合格".into());
        app.renewals = 3;
        assert_eq!(check(&app, &RENEWAL_2026.jsmo).findings[0].ja, "更新試験 (web)に合格していません (不合格)");
        app.renewals = 2;
        assert_eq!(check(&app, &RENEWAL_2026.jsmo).findings[0].ja, "筆記試験に合格していません (不合格)");
        app.renewals = 3;
        app.round = 2024;
        assert!(!RENEWAL_2026.jsmo.web_exam(2024, 3) && RENEWAL_2026.jsmo.web_exam(2025, 3));
    }

    /// Seed 001: 「※他学会主催の学会・セミナー等は、本学会教育委員会により認められたもののみ有効です」.
    #[test]
    fn other_societies_count_under_papers_only_when_approved() {
        let mut app = ready();
        app.credits.pop();
        let mut other = entry("論文", OTHER_MEETING, d(2024, 10, 20), 5);
        other.title = Some("日本癌治療学会".into());
        app.credits.extend([other.clone(), CreditEntry { title: Some("某研究会".into()), ..other }]);
        // Unset: both count (and every result says the list is unset).
        assert_eq!(check(&app, &RENEWAL_2026.jsmo).count("credits"), Some(40));
        let set = RENEWAL_2026.with_list("jsmo.approved_meetings", vec!["日本癌治療学会".into()]).expect("list");
        let a = check(&app, &set.jsmo);
        assert_eq!(a.count("credits"), Some(35));
        assert_eq!(
            a.findings.iter().find(|f| f.code == "jsmo.approved").map(|f| f.ja.as_str()),
            Some(
                "研究業績 論文 の他学会の学会・セミナー 1 件が本学会教育委員会の承認一覧にありません (単位に算入されません): 某研究会"
            )
        );
    }

    /// Seed 001: 「※本学会が主催する教育セミナー・Best of ASCO は単位が自動算入されますので登録しないでください」
    /// — a seminar under 学会参加 is not another society's.
    #[test]
    fn a_seminar_under_meetings_is_not_called_another_society() {
        let mut app = ready();
        app.credits.push(entry("学会参加", SEMINAR_B, d(2024, 7, 2), 10));
        let a = check(&app, &RENEWAL_2026.jsmo);
        assert!(a.ready());
        assert_eq!(
            a.findings.iter().map(|f| f.ja.as_str()).collect::<Vec<_>>(),
            ["研究業績 学会参加 に当会セミナーが 1 件あります (当会セミナーの単位は自動算入されるため登録不要です)"]
        );
    }
}
