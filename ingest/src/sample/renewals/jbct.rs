//! JBCT (がん治療認定医) applications of the sample: facilities, cases, meetings and e-learning.

use chrono::{Datelike, NaiveDate};

use super::parts::add_months;
use super::parts::{Fate, RenewalFiles, d, day_between, ym};
use crate::sample::members::{today, ymd};
use crate::sample::rng::Rng;
use crate::sample::specialists::Certificate;
use model::renewal::RENEWAL_2026;
use model::renewal::vocab::{ELEARNING_ELECTIVE, ELEARNING_REQUIRED};

pub(super) const JBCT_MODES: [&str; 19] = [
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

pub(super) fn jbct(rng: &mut Rng, f: &mut RenewalFiles, c: &Certificate, round: i32, fate: Fate) {
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
