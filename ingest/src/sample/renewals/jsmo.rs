//! JSMO (がん薬物療法専門医) applications of the sample: documents, credits and 研究活動歴.

use chrono::{Datelike, NaiveDate};

use super::parts::{Fate, RenewalFiles, d, day_between, ym};
use crate::sample::members::ymd;
use crate::sample::rng::Rng;
use crate::sample::specialists::Certificate;
use model::renewal::RENEWAL_2026;
use model::renewal::vocab::{ORGAN_AREAS, SEMINAR_A, SEMINAR_B};

pub(super) const JSMO_MODES: [&str; 8] =
    ["credits", "meeting", "document", "profile", "entries", "exam", "other_society", "window"];

pub(super) fn jsmo(rng: &mut Rng, f: &mut RenewalFiles, c: &Certificate, round: i32, renewals_before: u32, fate: Fate) {
    let mode = match fate {
        Fate::NotApplied => return,
        Fate::Complete => None,
        Fate::Fails(i) => Some(JSMO_MODES[i]),
    };
    let rules = &RENEWAL_2026.jsmo;
    let (from, to) = rules.window(round);
    let no = c.number.clone();
    let mut docs = [true; 6];
    if mode == Some("document") {
        let missing = [0usize, 1, 2, 5][rng.below(4) as usize];
        docs[missing] = false;
        if rng.chance(0.4) {
            docs[5] = false;
        }
    }
    let areas = |rng: &mut Rng, n: u64| -> String {
        let labels: Vec<&str> = ORGAN_AREAS.labels().collect();
        let mut pick: Vec<&str> = (0..1 + rng.below(n)).map(|_| *rng.pick(&labels)).collect();
        pick.sort_unstable();
        pick.dedup();
        pick.join(";")
    };
    let profile = match mode {
        Some("profile") => 1041 + rng.below(200) as u32,
        _ => 300 + rng.below(700) as u32,
    };
    let exam = match (mode, round) {
        (Some("exam"), _) => {
            if rng.chance(0.5) {
                "未申込"
            } else {
                "不合格"
            }
        }
        (_, 2026) if rng.chance(0.15) => "申込済",
        _ => "合格",
    };
    let flag = |b: bool| if b { "登録中" } else { "" }.to_string();
    let entries = if docs[2] { 1 + rng.below(12) as u32 } else { 0 };
    // A stream of its own per applicant, so that the periods leave every other draw as it was.
    let mut own = rng.fork(0xAC71_0000 ^ (u64::from(round.unsigned_abs()) << 24) ^ hash(&no));
    let activities = activities(&mut own, round, entries);
    f.jsmo.push(vec![
        round.to_string(),
        no.clone(),
        c.member_no.clone().unwrap_or_default(),
        renewals_before.to_string(),
        flag(docs[0]),
        flag(docs[1]),
        flag(docs[2]),
        flag(docs[3]),
        flag(docs[4]),
        flag(docs[5]),
        if docs[1] { profile.to_string() } else { String::new() },
        activities.len().to_string(),
        activity_periods(&activities),
        areas(rng, 5),
        areas(rng, 4),
        areas(rng, 3),
        flag(rng.chance(0.3)).replace("登録中", "あり"),
        flag(rng.chance(0.5)).replace("登録中", "あり"),
        rng.below(if mode == Some("entries") { 3 } else { 6 }).to_string(),
        exam.to_string(),
    ]);
    let mut credit = |part: &str, kind: &str, date: NaiveDate, units: u32, title: &str| {
        f.jsmo_credits.push(vec![
            round.to_string(),
            no.clone(),
            part.into(),
            kind.into(),
            d(date),
            units.to_string(),
            title.into(),
        ]);
    };
    // The society's annual meeting (unless this application fails on it).
    if mode != Some("meeting") {
        for i in 0..1 + rng.below(3) as i32 {
            let y = to.year() - i;
            credit("学会参加", "本学会学術集会", ymd(y, 2 + rng.below(2) as u32, 20), 10, "日本臨床腫瘍学会学術集会");
        }
    }
    let target: u32 = match mode {
        Some("credits") => 10 + 5 * rng.below(6) as u32,
        _ => 50 + 5 * rng.below(8) as u32,
    };
    if mode != Some("meeting") && rng.chance(0.5) {
        credit("当会セミナー", SEMINAR_A, day_between(rng, from, to), 10, "教育セミナーAセッション");
    }
    credit("当会セミナー", "Best of ASCO", ymd(to.year() - 1, 7, 6), 10, "Best of ASCO in Japan");
    let mut sum: u32 = 0;
    let mut n = 0;
    while sum + 20 < target && n < 25 {
        let kind = if rng.chance(0.5) { "論文" } else { "他学会学術集会" };
        let units = 5 * (1 + rng.below(2) as u32);
        credit(
            "論文",
            kind,
            day_between(rng, from, to),
            units,
            if kind == "論文" { "原著論文" } else { "日本癌治療学会" },
        );
        sum += units;
        n += 1;
    }
    match mode {
        Some("entries") => {
            for i in 0..31 {
                credit(
                    "学会参加",
                    "本学会学術集会",
                    from + chrono::Days::new(40 * i),
                    1,
                    "日本臨床腫瘍学会 支部学術集会",
                );
            }
        }
        Some("other_society") => {
            credit("学会参加", "他学会学術集会", day_between(rng, from, to), 5, "日本癌治療学会");
            // Some also register one of the society's seminars under 学会参加 (counted anyway).
            if own.chance(0.5) {
                credit("学会参加", SEMINAR_B, day_between(&mut own, from, to), 10, "教育セミナーBセッション");
            }
        }
        Some("window") => credit("論文", "論文", from - chrono::Days::new(30), 10, "原著論文 (対象期間前)"),
        Some("meeting") if rng.chance(0.5) => {
            credit("当会セミナー", SEMINAR_B, day_between(rng, from, to), 10, "教育セミナーBセッション")
        }
        _ => {}
    }
}

/// 研究活動歴 期間 for `n` entries: consecutive periods over the months seed 001 asks for
/// (round 2026: 2020/07 to now), the last continuing; about one in twelve applicants lists an
/// older entry ending before them, and one in twelve leaves months out (both 要確認).
fn activities(rng: &mut Rng, round: i32, n: u32) -> Vec<(NaiveDate, Option<NaiveDate>)> {
    if n == 0 {
        return Vec::new();
    }
    let (from, last) = RENEWAL_2026.jsmo.activity_window(round);
    let months = |k: i64| {
        let m = chrono::Months::new(k.unsigned_abs() as u32);
        if k >= 0 { from + m } else { from - m }
    };
    let span = i64::from(last.year() - from.year()) * 12 + i64::from(last.month()) - i64::from(from.month()) + 1;
    let step = (span / i64::from(n)).max(1);
    let mut out: Vec<(NaiveDate, Option<NaiveDate>)> = (0..i64::from(n))
        .map(|i| (months(i * step), (i + 1 < i64::from(n)).then(|| months((i + 1) * step - 1))))
        .collect();
    let r = rng.below(12);
    if r == 0 && n >= 2 {
        out[0] = (months(-48), Some(months(-1)));
        out[1].0 = from;
    } else if r == 1 && n >= 2 {
        let (start, end) = out[0];
        out[0].1 = end.map(|e| (e - chrono::Months::new(6)).max(start));
    }
    out
}

fn activity_periods(p: &[(NaiveDate, Option<NaiveDate>)]) -> String {
    p.iter().map(|(a, b)| format!("{}〜{}", ym(*a), b.map(ym).unwrap_or_default())).collect::<Vec<_>>().join("; ")
}

/// A stable hash of a certificate number (FNV-1a), for per-applicant streams.
fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}
