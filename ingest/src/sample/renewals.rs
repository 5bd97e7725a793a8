//! Renewal applications for the rounds 2022–2026: JSMO (がん薬物療法専門医) and JBCT
//! (がん治療認定医), derived from the specialist rosters so that the applicants due in
//! a round are the certificates expiring at the end of it.
//!
//! JBCT applications are those of the society's members (the society cannot see the
//! others'). Renewed certificates had complete applications; lapsed ones had none or an
//! incomplete one; the 2026 round (open on the sample's today) mixes complete,
//! incomplete and missing applications, and every requirement fails for someone.

use chrono::{Datelike, NaiveDate};

use super::members::{today, ymd};
use super::rng::Rng;
use super::specialists::Certificate;
use super::write::Sheet;
use model::renewal::vocab::{ELEARNING_ELECTIVE, ELEARNING_REQUIRED, ORGAN_AREAS, SEMINAR_A, SEMINAR_B};
use model::renewal::{RENEWAL_2026, due_round};

/// The rounds the sample covers.
pub const ROUNDS: std::ops::RangeInclusive<i32> = 2022..=2026;

/// The seven renewal files.
#[derive(Debug, Default)]
pub struct RenewalFiles {
    pub jsmo: Sheet,
    pub jsmo_credits: Sheet,
    pub jbct: Sheet,
    pub facilities: Sheet,
    pub cases: Sheet,
    pub meetings: Sheet,
    pub elearning: Sheet,
}

/// How an application turns out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Complete,
    /// Incomplete, failing in the given mode (an index into the dataset's modes).
    Fails(usize),
    NotApplied,
}

/// The rounds a certificate was due in, with whether it renewed and the renewals
/// before: due every 5 years from certification (the 年度 of each expiry); the last
/// due round is the one its current expiry falls in.
fn due_rounds(c: &Certificate) -> Vec<(i32, bool, u32)> {
    let last = due_round(c.expires);
    (0..=c.renewals)
        .map(|k| {
            let expiry = ymd(c.certified.year() + 5 * (k as i32 + 1), c.certified.month(), c.certified.day());
            (due_round(expiry - chrono::Days::new(1)), k)
        })
        .map(|(r, k)| (r, r < last, k))
        .filter(|(r, _, _)| ROUNDS.contains(r))
        .collect()
}

fn fate(rng: &mut Rng, round: i32, renewed: bool, modes: usize, seq: &mut usize) -> Fate {
    let open = round == *ROUNDS.end();
    let lapsed = !renewed && !open;
    if renewed || (open && rng.chance(0.62)) {
        return Fate::Complete;
    }
    if (lapsed && rng.chance(0.6)) || (open && rng.chance(0.3)) {
        return Fate::NotApplied;
    }
    // Cycle through the modes so that each appears, then pick at random.
    *seq += 1;
    Fate::Fails(if *seq <= modes { *seq - 1 } else { rng.below(modes as u64) as usize })
}

fn d(date: NaiveDate) -> String {
    date.format("%Y/%m/%d").to_string()
}

fn ym(date: NaiveDate) -> String {
    date.format("%Y/%m").to_string()
}

fn add_months(date: NaiveDate, months: i32) -> NaiveDate {
    let m0 = date.year() * 12 + date.month0() as i32 + months;
    ymd(m0.div_euclid(12), m0.rem_euclid(12) as u32 + 1, 1)
}

fn day_between(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + chrono::Days::new(rng.range(0, span) as u64)
}

const JSMO_MODES: [&str; 8] =
    ["credits", "meeting", "document", "profile", "entries", "exam", "other_society", "window"];

pub fn generate(rng: &mut Rng, certs: &[Certificate]) -> RenewalFiles {
    let mut f = RenewalFiles {
        jsmo: Sheet::new(&[
            "更新年度",
            "認定番号",
            "会員番号",
            "更新回数",
            "履歴書",
            "プロフィール",
            "研究活動歴",
            "研究業績 学会参加",
            "研究業績 論文",
            "業績目録",
            "プロフィール文字数",
            "研究活動歴件数",
            "診察実績領域",
            "薬物療法実績領域",
            "コンサルテーション実績領域",
            "特殊な検査・治療",
            "セカンドオピニオン",
            "臨床試験数",
            "筆記試験",
        ]),
        jsmo_credits: Sheet::new(&["更新年度", "認定番号", "区分", "種別", "日付", "単位", "内容"]),
        jbct: Sheet::new(&[
            "更新年度",
            "認定番号",
            "会員番号",
            "前回認定日",
            "歯科口腔外科",
            "更新猶予歴",
            "緩和ケア研修会修了証書No",
            "申請日",
            "免許",
            "会員種別",
        ]),
        facilities: Sheet::new(&[
            "更新年度",
            "認定番号",
            "申請区分",
            "施設名",
            "在籍開始1",
            "在籍終了1",
            "在籍開始2",
            "在籍終了2",
        ]),
        cases: Sheet::new(&[
            "更新年度",
            "認定番号",
            "申請区分",
            "No",
            "年齢",
            "性別",
            "実施した診療項目",
            "診療項目(その他)",
            "実施開始",
            "実施終了",
            "診断名",
            "ICD-10",
            "病理診断名",
        ]),
        meetings: Sheet::new(&["更新年度", "認定番号", "学会名", "種別", "開催日"]),
        elearning: Sheet::new(&["更新年度", "認定番号", "分野", "正答数", "受講日"]),
    };
    let (mut jsmo_seq, mut jbct_seq) = (0, 0);
    for c in certs {
        for (round, renewed, before) in due_rounds(c) {
            match c.qualification {
                "がん薬物療法専門医" => {
                    let fate = fate(rng, round, renewed, JSMO_MODES.len(), &mut jsmo_seq);
                    jsmo(rng, &mut f, c, round, before, fate);
                }
                // The society tracks the JBCT renewals of its own members only.
                "がん治療認定医" if c.member_no.is_some() => {
                    let fate = fate(rng, round, renewed, JBCT_MODES.len(), &mut jbct_seq);
                    jbct(rng, &mut f, c, round, fate);
                }
                _ => {}
            }
        }
    }
    f
}

fn jsmo(rng: &mut Rng, f: &mut RenewalFiles, c: &Certificate, round: i32, renewals_before: u32, fate: Fate) {
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
        if docs[2] { (1 + rng.below(12)).to_string() } else { "0".into() },
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
        Some("other_society") => credit("学会参加", "他学会学術集会", day_between(rng, from, to), 5, "日本癌治療学会"),
        Some("window") => credit("論文", "論文", from - chrono::Days::new(30), 10, "原著論文 (対象期間前)"),
        Some("meeting") if rng.chance(0.5) => {
            credit("当会セミナー", SEMINAR_B, day_between(rng, from, to), 10, "教育セミナーBセッション")
        }
        _ => {}
    }
}

const JBCT_MODES: [&str; 19] = [
    "few_cases",
    "too_many_cases",
    "abbreviation",
    "benign",
    "ambiguous",
    "icd_out",
    "care_unknown",
    "unconfirmed",
    "oral_care",
    "before_window",
    "outside_employment",
    "no_facility",
    "regional_meeting",
    "too_many_meetings",
    "elearning_score",
    "elearning_missing",
    "electives",
    "palliative",
    "ineligible",
];

/// (diagnosis, ICD-10, pathology) of eligible cases.
const DIAGNOSES: [(&str, &str, &str); 24] = [
    ("胃がん", "C16.9", "腺癌"),
    ("大腸がん", "C18.9", "腺癌"),
    ("直腸がん", "C20", "腺癌"),
    ("肺腺がん", "C34.1", "腺癌"),
    ("肺扁平上皮がん", "C34.3", "扁平上皮癌"),
    ("小細胞肺がん", "C34.9", "小細胞癌"),
    ("乳がん", "C50.9", "浸潤性乳管癌"),
    ("前立腺がん", "C61", "腺癌"),
    ("膀胱がん", "C67.9", "尿路上皮癌"),
    ("腎細胞がん", "C64", "淡明細胞型腎細胞癌"),
    ("膵がん", "C25.9", "腺癌"),
    ("肝細胞がん", "C22.0", "肝細胞癌"),
    ("食道がん", "C15.9", "扁平上皮癌"),
    ("子宮頸がん", "C53.9", "扁平上皮癌"),
    ("子宮体がん", "C54.1", "類内膜癌"),
    ("卵巣がん", "C56", "漿液性癌"),
    ("びまん性大細胞型B細胞リンパ腫", "C83.3", "びまん性大細胞型B細胞リンパ腫"),
    ("急性骨髄性白血病", "C92.0", "急性骨髄性白血病"),
    ("多発性骨髄腫", "C90.0", "形質細胞腫瘍(骨髄腫)"),
    ("甲状腺がん", "C73", "乳頭癌"),
    ("悪性黒色腫", "C43.9", "悪性黒色腫"),
    ("GIST", "C49.4", "消化管間質腫瘍"),
    ("胸腺腫", "C37", "胸腺腫"),
    ("子宮頸部上皮内癌", "D06.9", "上皮内癌"),
];

const CARE: [&str; 9] =
    ["手術", "薬物療法", "薬物療法", "放射線治療", "緩和治療", "内視鏡的治療", "経過観察", "画像診断", "病理診断"];

fn jbct(rng: &mut Rng, f: &mut RenewalFiles, c: &Certificate, round: i32, fate: Fate) {
    let mode = match fate {
        Fate::NotApplied => return,
        Fate::Complete => None,
        Fate::Fails(i) => Some(JBCT_MODES[i]),
    };
    let rules = &RENEWAL_2026.jbct;
    let (standard_from, end) = rules.window(round);
    // 前回認定日: most renewed on the standard cycle; some were certified half a year
    // earlier or renewed a year late, and their cases run from that month.
    let certified = match rng.below(100) {
        0..=2 => ymd(round - 5, 10, 1),
        3..=5 => ymd(round - 3, 4, 1),
        _ => standard_from,
    };
    let from = certified;
    // 申請時点: periods end in its month at the latest.
    let applied = day_between(rng, ymd(round, 6, 15), ymd(round, 9, 16)).min(today());
    let end = end.min(applied).with_day(1).unwrap_or(end);
    let no = c.number.clone();
    let deferred = mode == Some("palliative") || rng.chance(0.05);
    let palliative =
        if mode == Some("palliative") || !deferred { String::new() } else { format!("{:06}", rng.below(999_999)) };
    let dental = if mode == Some("oral_care") {
        ""
    } else if rng.chance(0.03) {
        "○"
    } else {
        ""
    };
    let ineligible = mode == Some("ineligible");
    let licence = match (ineligible && rng.chance(0.5), dental.is_empty()) {
        (true, _) => "その他",
        (false, true) => "医師",
        (false, false) => "歯科医師",
    };
    let membership = if ineligible && licence != "その他" {
        "準会員"
    } else {
        match rng.below(100) {
            0..=2 => "名誉会員",
            3..=4 => "功労会員",
            5..=6 => "特別会員",
            _ => "正会員",
        }
    };
    f.jbct.push(vec![
        round.to_string(),
        no.clone(),
        c.member_no.clone().unwrap_or_default(),
        // 和暦 as the JBCT office writes it.
        model::era::Era::format(certified).unwrap_or_default(),
        dental.into(),
        if deferred { "○" } else { "" }.into(),
        palliative,
        d(applied),
        licence.into(),
        membership.into(),
    ]);
    // Facilities: one for the whole window, or a move part-way.
    let two = rng.chance(0.2) || mode == Some("outside_employment");
    let split = add_months(from, 12 + rng.below(30) as i32);
    let mut slots: Vec<(u32, NaiveDate, NaiveDate)> =
        if two { vec![(1, from, split), (2, add_months(split, 1), add_months(end, 0))] } else { vec![(1, from, end)] };
    for s in &mut slots {
        s.2 = s.2.with_day(1).unwrap_or(s.2);
    }
    let first = slots[0];
    for (i, (slot, a, b)) in slots.iter().enumerate() {
        if mode == Some("no_facility") && i == slots.len() - 1 && slots.len() > 1 {
            continue;
        }
        let name = if i == 0 { c.facility.clone() } else { format!("{}（前任地）", c.facility) };
        let name =
            if name.is_empty() || name.starts_with('（') { "JSMO がんセンター".to_string() } else { name };
        f.facilities.push(vec![
            round.to_string(),
            no.clone(),
            slot.to_string(),
            name,
            ym(*a),
            ym(*b),
            String::new(),
            String::new(),
        ]);
    }
    if mode == Some("no_facility") && slots.len() == 1 {
        // The cases name a second facility that was never entered.
        slots.push((2, first.1, first.2));
    }
    let n_cases = match mode {
        Some("few_cases") => 15 + rng.below(5) as u32,
        Some("too_many_cases") => 26,
        _ => 20 + rng.below(4) as u32,
    };
    let per_slot = if slots.len() > 1 { n_cases / 2 } else { n_cases };
    for k in 0..n_cases {
        let (slot, a, b) = if k < per_slot { slots[0] } else { slots[slots.len() - 1] };
        let start = add_months(a, rng.below(12) as i32).min(b);
        let stop = add_months(start, rng.below(10) as i32).min(b);
        let (dx, icd, path) = *rng.pick(&DIAGNOSES);
        let mut care = rng.pick(&CARE).to_string();
        let mut row = vec![
            round.to_string(),
            no.clone(),
            slot.to_string(),
            (k + 1).to_string(),
            (35 + rng.below(50)).to_string(),
            if rng.chance(0.5) { "男" } else { "女" }.to_string(),
            String::new(),
            String::new(),
            ym(start),
            ym(stop),
            dx.to_string(),
            if rng.chance(0.3) { icd.to_string() } else { String::new() },
            if care == "経過観察" && rng.chance(0.3) { "無し".to_string() } else { path.to_string() },
        ];
        if k == 0 {
            match mode {
                Some("abbreviation") => row[10] = ["HCC", "NSCLC", "DLBCL", "AML"][rng.below(4) as usize].into(),
                Some("benign") => {
                    row[10] = ["髄膜腫", "神経鞘腫", "子宮筋腫"][rng.below(3) as usize].into();
                    row[11].clear();
                }
                Some("ambiguous") => {
                    row[10] = ["脳腫瘍", "皮膚腫瘍", "縦隔腫瘍"][rng.below(3) as usize].into();
                    row[11].clear();
                }
                Some("icd_out") => {
                    row[10] = "骨髄異形成症候群".into();
                    row[11] = "D46.9".into();
                }
                Some("care_unknown") => care = "温熱療法".into(),
                Some("unconfirmed") => {
                    // An imaging finding never confirmed as cancer: neither the name, a code
                    // nor the pathology says so.
                    care = "画像診断".into();
                    row[10] = "リンパ節腫大".into();
                    row[11].clear();
                    row[12] = "無し".into();
                }
                Some("oral_care") => care = "口腔ケア".into(),
                Some("before_window") => row[8] = ym(add_months(from, -6)),
                Some("outside_employment") => {
                    row[9] = ym(add_months(split, 3));
                }
                _ => {}
            }
        }
        // Warnings the committee should see on some complete applications.
        if k == 1 && rng.chance(0.04) {
            care = "その他".into();
            row[7] = "がん患者の栄養指導".into();
        }
        if k == 2 && rng.chance(0.03) {
            row[10] = "キャッスルマン病".into();
            row[11].clear();
        }
        if k == 3 && rng.chance(0.05) && f.cases.rows.last().is_some_and(|r| r[1] == no) {
            // The same patient entered twice.
            let prev = f.cases.rows.last().cloned().unwrap_or_default();
            row[4] = prev[4].clone();
            row[5] = prev[5].clone();
            row[10] = prev[10].clone();
        }
        if (care == "画像診断" || care == "病理診断") && row[12] == "無し" && mode != Some("unconfirmed") {
            row[12] = path.to_string();
        }
        row[6] = care;
        f.cases.push(row);
    }
    // Meetings.
    let n_meet = match mode {
        Some("too_many_meetings") => 6,
        _ => 3 + rng.below(2) as u32,
    };
    for i in 0..n_meet {
        let (name, kind) = if mode == Some("regional_meeting") && i == 0 {
            ("日本癌治療学会 地方会", "地方会")
        } else if i % 3 == 2 {
            ("がん治療認定医教育セミナー", "教育セミナー")
        } else {
            (
                [
                    "日本癌治療学会学術集会",
                    "日本臨床腫瘍学会学術集会",
                    "日本癌学会学術総会",
                    "日本外科学会定期学術集会",
                ][rng.below(4) as usize],
                "学術集会",
            )
        };
        f.meetings.push(vec![round.to_string(), no.clone(), name.into(), kind.into(), d(day_between(rng, from, end))]);
    }
    if mode == Some("regional_meeting") && n_meet > 3 {
        f.meetings.rows.pop();
    }
    // e-learning.
    let taken = |rng: &mut Rng| d(day_between(rng, ymd(round, 2, 1), ymd(round, 9, 16).min(today())));
    for (i, field) in ELEARNING_REQUIRED.iter().enumerate() {
        if mode == Some("elearning_missing") && i == 6 {
            continue;
        }
        let score = if mode == Some("elearning_score") && i == 0 { 4 } else { 5 };
        if score == 5 && rng.chance(0.15) {
            // A first attempt with a mistake, then a retake.
            f.elearning.push(vec![round.to_string(), no.clone(), field.to_string(), "4".into(), taken(rng)]);
        }
        f.elearning.push(vec![round.to_string(), no.clone(), field.to_string(), score.to_string(), taken(rng)]);
    }
    let electives = if mode == Some("electives") { 2 } else { 3 + rng.below(2) as usize };
    let start = rng.below(6) as usize;
    for i in 0..electives {
        let field = ELEARNING_ELECTIVE[(start + i) % ELEARNING_ELECTIVE.len()];
        let score = 3 + rng.below(3);
        f.elearning.push(vec![round.to_string(), no.clone(), field.to_string(), score.to_string(), taken(rng)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(certified: NaiveDate, expires: NaiveDate, renewals: u32) -> Certificate {
        Certificate {
            qualification: "がん治療認定医",
            number: "x".into(),
            member_no: None,
            certified,
            expires,
            renewals,
            pref: 13,
            facility: String::new(),
            area_code: String::new(),
        }
    }

    #[test]
    fn due_rounds_follow_the_certificate() {
        // Certified 2012, renewed 2017 and 2022, expires 2027-03-31: due 2021 (renewed) and 2026 (open).
        let c = cert(ymd(2012, 4, 1), ymd(2027, 3, 31), 2);
        assert_eq!(due_rounds(&c), [(2026, false, 2)]);
        let c = cert(ymd(2017, 4, 1), ymd(2027, 3, 31), 1);
        assert_eq!(due_rounds(&c), [(2026, false, 1)]);
        // Certified 2018, lapsed in 2023 (expired 2023-03-31, due in 2022).
        let c = cert(ymd(2018, 4, 1), ymd(2023, 3, 31), 0);
        assert_eq!(due_rounds(&c), [(2022, false, 0)]);
        // Certified 2013, renewed in 2018 and 2023 (due 2017, 2022), now due 2027.
        let c = cert(ymd(2013, 4, 1), ymd(2028, 3, 31), 2);
        assert_eq!(due_rounds(&c), [(2022, true, 1)]);
    }
}
