//! The annual member survey since 2014: waves, questionnaires and responses,
//! about 14% of the invited members answering each year.

use chrono::NaiveDate;

use super::members::{Person, ymd};
use super::rng::Rng;
use super::write::Sheet;
use model::membership::PHYSICIAN;
use model::prefecture::Prefecture;

pub const FIRST_YEAR: i32 = 2014;
pub const LAST_YEAR: i32 = 2026;

struct Question {
    id: &'static str,
    text: &'static str,
    kind: &'static str,
    options: &'static [&'static str],
    since: i32,
}

const EXPECTATIONS: &[&str] = &[
    "適切ながん診療の普及",
    "臨床腫瘍学の専門家育成",
    "多職種によるチーム医療の推進",
    "若手医師のキャリア支援",
    "臨床研究の支援",
    "国際交流",
    "患者・市民への情報発信",
];

const QUESTIONS: &[Question] = &[
    Question {
        id: "Q01",
        text: "学会の活動全体に満足していますか",
        kind: "likert5",
        options: &["不満", "やや不満", "どちらともいえない", "やや満足", "満足"],
        since: 2014,
    },
    Question {
        id: "Q02",
        text: "学会に期待することを選んでください (複数回答可)",
        kind: "multi",
        options: EXPECTATIONS,
        since: 2014,
    },
    Question {
        id: "Q03",
        text: "若手医師のキャリア支援に関心がありますか",
        kind: "single",
        options: &["非常に関心がある", "関心がある", "あまり関心がない", "関心がない"],
        since: 2014,
    },
    Question {
        id: "Q04",
        text: "学会の公式 SNS をご存じですか",
        kind: "single",
        options: &["知っていて利用している", "知っているが利用していない", "知らない"],
        since: 2019,
    },
    Question {
        id: "Q05",
        text: "専門医資格の取得について",
        kind: "single",
        options: &["取得済み", "取得予定", "検討中", "予定なし", "該当しない"],
        since: 2014,
    },
    Question {
        id: "Q06",
        text: "学会へのご意見・ご要望を自由にお書きください",
        kind: "text",
        options: &[],
        since: 2014,
    },
];

const FREE_TEXT: &[&str] = &[
    "若手医師のキャリア支援をさらに充実させてほしい。",
    "多職種によるチーム医療の推進に期待しています。",
    "地方でも参加しやすいようにセミナーのオンライン配信を続けてほしい。",
    "専門医の更新手続きをもっと簡単にしてほしい。",
    "薬剤師や看護師も参加しやすい教育プログラムを希望します。",
    "学術集会の参加費が高いと感じます。",
    "SNS での情報発信が分かりやすくなった。",
    "臨床試験の情報をもっと共有してほしい。",
    "がんゲノム医療の教育セミナーを増やしてほしい。",
    "会員向けのウェブサイトが使いにくい。",
    "適切ながん診療の普及のために地域の病院との連携を強めてほしい。",
    "女性医師の働き方について議論する場がほしい。",
    "緩和ケアと腫瘍内科の連携についての講演を希望します。",
    "英語での発表の機会を増やしてほしい。",
];

/// Themes that come with the years or with a profession, so that term frequencies
/// by 年度 and 職種 have something to show (one draw per pick, whatever the pool).
const FREE_TEXT_BY_YEAR: &[(i32, &str)] = &[
    (2019, "がん遺伝子パネル検査の結果説明について研修を希望します。"),
    (2020, "コロナ禍でもオンライン配信で学術集会に参加できて助かった。"),
    (2020, "オンライン配信の講演をアーカイブで視聴できるようにしてほしい。"),
    (2021, "オンライン配信とハイブリッド開催を今後も続けてほしい。"),
    (2026, "がん薬物療法専門医の広告について会員向けに説明してほしい。"),
];
const FREE_TEXT_BY_PROFESSION: &[(&str, &str)] = &[
    ("医師", "腫瘍内科医が不足する地方の診療支援をお願いしたい。"),
    ("薬剤師", "薬剤師の専門資格との関係を分かりやすく示してほしい。"),
    ("看護師", "看護師向けの外来化学療法のセミナーを希望します。"),
];

fn free_text_pool(fy: i32, profession: &str) -> Vec<&'static str> {
    let mut pool = FREE_TEXT.to_vec();
    pool.extend(FREE_TEXT_BY_YEAR.iter().filter(|(y, _)| *y <= fy).map(|(_, t)| *t));
    pool.extend(FREE_TEXT_BY_PROFESSION.iter().filter(|(p, _)| *p == profession).map(|(_, t)| *t));
    pool
}

pub fn age_band(age: i32) -> &'static str {
    match age {
        ..=29 => "20代",
        30..=39 => "30代",
        40..=49 => "40代",
        50..=59 => "50代",
        60..=69 => "60代",
        _ => "70代以上",
    }
}

fn wave_dates(fy: i32) -> (NaiveDate, NaiveDate) {
    (ymd(fy, 9, 1), ymd(fy, 10, 31))
}

/// Waves, questions and responses (responses split by the forms offices used).
#[derive(Debug)]
pub struct SurveyFiles {
    pub waves: Sheet,
    pub questions: Sheet,
    /// (first year, last year, sheet)
    pub responses: Vec<(i32, i32, Sheet)>,
}

pub fn generate(rng: &mut Rng, people: &[Person]) -> SurveyFiles {
    let mut waves = Sheet::new(&["年度", "開始日", "締切日", "配布数"]);
    let mut questions = Sheet::new(&["年度", "設問ID", "設問文", "形式", "選択肢"]);
    let mut headers = vec!["年度", "回答ID", "会員番号", "職種", "年齢階級", "勤務先都道府県"];
    headers.extend(QUESTIONS.iter().map(|q| q.id));
    let mut responses: Vec<(i32, i32, Sheet)> = vec![
        (2014, 2019, Sheet::new(&headers)),
        (2020, 2025, Sheet::new(&headers)),
        (2026, 2026, Sheet::new(&headers)),
    ];
    for fy in FIRST_YEAR..=LAST_YEAR {
        let (open, close) = wave_dates(fy);
        let frame: Vec<&Person> = people.iter().filter(|p| p.active_at(open)).collect();
        waves.push(vec![fy.to_string(), open.to_string(), close.to_string(), frame.len().to_string()]);
        for q in QUESTIONS.iter().filter(|q| q.since <= fy) {
            questions.push(vec![fy.to_string(), q.id.into(), q.text.into(), q.kind.into(), q.options.join(";")]);
        }
        // Response propensity differs by profession and age, so weighting matters.
        let year_effect = 1.0 + 0.06 * ((f64::from(fy) * 1.7).sin());
        let sheet = &mut responses.iter_mut().find(|(a, b, _)| (*a..=*b).contains(&fy)).map(|x| &mut x.2);
        let Some(sheet) = sheet.as_mut() else { continue };
        let mut n = 0;
        for p in &frame {
            let base = match p.profession {
                PHYSICIAN => 0.131,
                "看護師" => 0.2,
                "薬剤師" => 0.18,
                "企業" => 0.05,
                _ => 0.16,
            };
            let age = fy - p.birth_year;
            let age_effect = if age < 35 {
                0.8
            } else if age >= 60 {
                1.2
            } else {
                1.0
            };
            if !rng.chance(base * age_effect * year_effect) {
                continue;
            }
            n += 1;
            let mut row = vec![
                fy.to_string(),
                format!("{fy}-{n:05}"),
                if fy >= 2022 { p.member_no.clone() } else { String::new() },
                p.profession.to_string(),
                age_band(age).to_string(),
                Prefecture::from_code(u32::from(p.prefecture_at(open))).map_or(String::new(), |x| x.name().to_string()),
            ];
            for q in QUESTIONS {
                row.push(if q.since <= fy { answer(rng, q, p, fy) } else { String::new() });
            }
            sheet.push(row);
        }
    }
    SurveyFiles { waves, questions, responses }
}

fn answer(rng: &mut Rng, q: &Question, p: &Person, fy: i32) -> String {
    if rng.chance(0.03) {
        return String::new(); // item non-response
    }
    let phys = p.profession == PHYSICIAN;
    match q.id {
        "Q01" => {
            let w = if fy >= 2020 { [0.04, 0.1, 0.3, 0.38, 0.18] } else { [0.05, 0.13, 0.34, 0.34, 0.14] };
            (rng.weighted(&w) + 1).to_string()
        }
        "Q02" => {
            let probs = [0.62, 0.55, if phys { 0.35 } else { 0.7 }, if phys { 0.45 } else { 0.2 }, 0.3, 0.15, 0.25];
            let chosen: Vec<&str> =
                EXPECTATIONS.iter().zip(probs).filter(|(_, pr)| rng.chance(*pr)).map(|(e, _)| *e).collect();
            if chosen.is_empty() { EXPECTATIONS[0].to_string() } else { chosen.join(";") }
        }
        "Q03" => {
            let young = fy - p.birth_year < 40;
            let w = if young { [0.45, 0.4, 0.1, 0.05] } else { [0.25, 0.45, 0.2, 0.1] };
            q.options[rng.weighted(&w)].to_string()
        }
        "Q04" => {
            let k = f64::from(fy - 2019) * 0.05;
            q.options[rng.weighted(&[0.15 + k, 0.35, 0.5 - k])].to_string()
        }
        "Q05" => {
            let w = if phys { [0.3, 0.2, 0.25, 0.2, 0.05] } else { [0.0, 0.0, 0.0, 0.1, 0.9] };
            q.options[rng.weighted(&w)].to_string()
        }
        _ => {
            if rng.chance(0.3) {
                let pool = free_text_pool(fy, p.profession);
                let a = rng.pick(&pool);
                if rng.chance(0.3) { format!("{a}{}", rng.pick(&pool)) } else { a.to_string() }
            } else {
                String::new()
            }
        }
    }
}
