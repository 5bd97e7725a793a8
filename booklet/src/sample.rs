//! The bundled sample's booklets, modelled on seed 000's structure (sections 学会活動全般,
//! 専門医試験, 入会・会員制度; questions drawn from the survey; answers by committee chairs;
//! a notice; the committee roster) but written anew, with invented people, and marked as
//! sample: a published 2025 edition, and a 2026 edition in progress that follows it up.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use store::AppDb;

use crate::edition::{
    Assignment, Edition, Evidence, Followup, Foreword, Notice, Question, QuestionRef, Respondent, RosterMember, Section,
};
use crate::error::Result;
use crate::workflow::{self, Actor, AnswerAction};

/// Who installs the sample (the audit log names it).
const SYSTEM: Actor<'static> = Actor { username: "サンプル", committee: true, remote: "sample" };

fn metric(name: &str, params: &[(&str, &str)], caption: &str) -> Evidence {
    Evidence::Metric {
        metric: name.into(),
        by: String::new(),
        params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        caption: caption.into(),
    }
}

fn question(
    id: u32,
    title: &str,
    body: &str,
    evidence: Vec<Evidence>,
    respondents: &[u32],
    due: NaiveDate,
) -> Question {
    Question {
        id,
        title: title.into(),
        body: body.into(),
        evidence,
        assigned: respondents.iter().map(|r| Assignment { respondent: *r, due: Some(due) }).collect(),
        previous: None,
        followup: Followup::Open,
    }
}

fn respondents() -> Vec<Respondent> {
    let r = |id, name: &str, title: &str, committee: &str| Respondent {
        id,
        name: name.into(),
        title: title.into(),
        committee: committee.into(),
        account: None,
    };
    vec![
        r(1, "青木 誠一", "理事長", "理事会"),
        r(2, "井上 美咲", "会員委員長", "会員委員会"),
        r(3, "上田 健太", "専門医制度委員長", "専門医制度委員会"),
        r(4, "江口 由紀", "教育委員長", "教育委員会"),
        r(5, "小野 翔", "広報委員長", "広報委員会"),
    ]
}

fn roster() -> Vec<RosterMember> {
    let m = |role: &str, name: &str, aff: &str| RosterMember {
        role: role.into(),
        name: name.into(),
        affiliation: aff.into(),
    };
    vec![
        m("委員長", "井上 美咲", "架空大学病院 腫瘍内科"),
        m("副委員長", "加藤 直人", "架空がんセンター"),
        m("委員", "木村 さくら", "架空市立病院 薬剤部"),
        m("委員", "久保 大輔", "架空医科大学"),
        m("委員", "佐々木 綾", "架空県立病院 看護部"),
    ]
}

fn forewords() -> Vec<Foreword> {
    vec![
        Foreword {
            heading: "<理事長より>".into(),
            body: "会員の皆さまから寄せられたご意見に、担当する委員会の委員長が一つずつお答えします。\
                   これからも会員のニーズに応える活動を続けてまいります。（サンプルの文章です）"
                .into(),
        },
        Foreword {
            heading: "<今回の企画について・会員委員会より>".into(),
            body: "会員委員会は {{survey.first_year}} 年度から会員アンケートを行っており、今回で {{survey.waves}} 回目です。\
                   {{survey.year}} 年度は {{survey.invited}} 人にお送りし、{{survey.responses}} 人（回答率 {{survey.rate}}）から\
                   ご回答をいただきました。これまでの回答率は {{survey.rate_range}} で推移しています。\n\n\
                   アンケートの結果から質問をつくり、関係する委員会の委員長にお答えいただきました。"
                .into(),
        },
    ]
}

/// A sample edition of `year` (answering the survey of the year before, made in March),
/// with the sample's forewords, respondents and roster and no sections yet.
fn edition(year: i32, at_load: i64) -> Edition {
    let mut e = Edition::new(year, year - 1, NaiveDate::from_ymd_opt(year, 3, 31).unwrap_or_default(), at_load);
    e.title = "私の声は届いていますか？（サンプル）".into();
    e.made = format!("{year}年3月");
    e.roster_title = "2024-2026年度 会員委員会（サンプル）".into();
    e.forewords = forewords();
    e.respondents = respondents();
    e.roster = roster();
    e
}

/// The 2025 edition (answering the 2024 survey): published.
pub fn edition_2025(at_load: i64) -> Edition {
    let due = NaiveDate::from_ymd_opt(2025, 2, 28).unwrap_or_default();
    let mut e = edition(2025, at_load);
    e.sections = vec![
        Section {
            id: 1,
            title: "学会活動全般".into(),
            questions: vec![question(
                1,
                "学会に期待されていること",
                "会員アンケートでは「適切ながん診療の普及」と「臨床腫瘍学の専門家育成」への期待が大きく示されました。どのように受け止めていますか。",
                vec![metric(
                    "survey.answers",
                    &[("question", "Q02"), ("fiscal_year", "2024")],
                    "学会に期待すること（2024年度、複数回答）",
                )],
                &[1],
                due,
            )],
        },
        Section {
            id: 2,
            title: "入会・会員制度".into(),
            questions: vec![question(
                2,
                "メディカルスタッフ会員の入会",
                "メディカルスタッフの方が入会しやすくなるよう、入会手続きを見直す予定はありますか。",
                Vec::new(),
                &[2],
                due,
            )],
        },
    ];
    e
}

/// The 2026 edition (answering the 2025 survey): in progress, following up 2025's questions.
pub fn edition_2026(at_load: i64) -> Edition {
    let due = NaiveDate::from_ymd_opt(2026, 2, 27).unwrap_or_default();
    let mut e = edition(2026, at_load);
    let mut q1 = question(
        1,
        "学会の活動全体について",
        "学会の活動全体への満足度をおたずねしました。結果をどう受け止め、これから何に力を入れますか。",
        vec![
            metric(
                "survey.answers",
                &[("question", "Q01"), ("fiscal_year", "2025")],
                "学会の活動全体への満足度（2025年度）",
            ),
            metric("survey.response_rate", &[], "アンケート回答率（年度）"),
        ],
        &[1, 2],
        due,
    );
    q1.previous = Some(QuestionRef { edition: 2025, question: 1 });
    let mut q5 = question(
        5,
        "入会手続きの簡素化",
        "前回の冊子で「入会手続きを見直す」とお答えいただきました。その後どうなりましたか。",
        Vec::new(),
        &[2],
        due,
    );
    q5.previous = Some(QuestionRef { edition: 2025, question: 2 });
    e.sections = vec![
        Section {
            id: 1,
            title: "学会活動全般".into(),
            questions: vec![
                q1,
                question(
                    2,
                    "若手医師のキャリア支援",
                    "若手医師のキャリア支援に関心があると答えた会員が多くいました。どのような支援を考えていますか。",
                    vec![metric("survey.answers", &[("question", "Q03"), ("fiscal_year", "2025")], "")],
                    &[4],
                    due,
                ),
                question(
                    3,
                    "自由記述に多かった言葉",
                    "自由記述には次の言葉が多く見られました。どのように活かしますか。",
                    vec![
                        metric(
                            "survey.terms",
                            &[("fiscal_year", "2025"), ("top", "10")],
                            "自由記述に多い語（2025年度）",
                        ),
                        Evidence::Quote {
                            text: "地方でも参加しやすいよう、セミナーのオンライン配信を続けてほしい。".into(),
                            source: "2025年度 Q06（サンプルの文）".into(),
                        },
                    ],
                    &[5],
                    due,
                ),
            ],
        },
        Section {
            id: 2,
            title: "専門医試験".into(),
            questions: vec![question(
                4,
                "専門医資格の取得",
                "専門医資格の取得を「検討中」とした会員が一定数いました。取得を後押しする取り組みを教えてください。",
                vec![metric("survey.answers", &[("question", "Q05"), ("fiscal_year", "2025")], "")],
                &[3],
                due,
            )],
        },
        Section { id: 3, title: "入会・会員制度".into(), questions: vec![q5] },
    ];
    e.notices = vec![Notice {
        id: 1,
        title: "入会に協議員推薦が不要になりました（サンプル）".into(),
        body: "入会申込時に必要としていた協議員による推薦は、2026年1月17日から不要になりました。\n\n\
               ・入会ポリシーへの同意をもって申し込めます\n\
               ・お近くに関心をお持ちの方がいらっしゃいましたら、[入会案内](https://example.org/join) をお知らせください"
            .into(),
        after: Some(5),
    }];
    e
}

/// Installs the sample editions (when there is none yet) with answers in every state the
/// workflow has: 2025 published; 2026 with approved, submitted, drafted and unanswered
/// questions. Returns false when editions already existed.
pub fn install(db: &AppDb, at_load: i64) -> Result<bool> {
    if !db.booklet_editions()?.is_empty() {
        return Ok(false);
    }
    let a = SYSTEM;
    workflow::create(db, &edition_2025(at_load), &a)?;
    for (q, r, text) in [
        (
            1,
            1,
            "がん診療の標準化と専門家の育成は、学会の中心となる使命です。ガイドラインと教育セミナーを通じて、会員の皆さまとともに取り組みます。（サンプルの回答）",
        ),
        (2, 2, "入会時の推薦のあり方を会員委員会で検討し、手続きの簡素化を進めます。（サンプルの回答）"),
    ] {
        workflow::save_answer(
            db,
            &workflow::AnswerWrite {
                edition: 2025,
                question: q,
                respondent: r,
                base: 0,
                text,
                action: AnswerAction::Submit,
            },
            &a,
        )?;
        workflow::save_answer(
            db,
            &workflow::AnswerWrite {
                edition: 2025,
                question: q,
                respondent: r,
                base: 1,
                text,
                action: AnswerAction::Approve,
            },
            &a,
        )?;
    }
    let v = workflow::load(db, 2025)?.version;
    workflow::publish(db, 2025, v, &a)?;
    workflow::set_followup(db, 2025, 1, Followup::Answered, &a)?;
    workflow::set_followup(db, 2025, 2, Followup::Promised, &a)?;

    workflow::create(db, &edition_2026(at_load), &a)?;
    let answer = |q: u32, r: u32, text: &str, steps: &[AnswerAction]| -> Result<()> {
        for (base, step) in steps.iter().enumerate() {
            workflow::save_answer(
                db,
                &workflow::AnswerWrite {
                    edition: 2026,
                    question: q,
                    respondent: r,
                    base: base as i64,
                    text,
                    action: step.clone(),
                },
                &a,
            )?;
        }
        Ok(())
    };
    answer(
        1,
        1,
        "満足度は年々少しずつ上がっています。一方で「どちらともいえない」も多く、活動が十分に伝わっていないと受け止めています。\n\n\
         ・学術集会の内容を会員向けに分かりやすく発信します\n・地方会員が参加しやすい形を増やします",
        &[AnswerAction::Submit, AnswerAction::Approve],
    )?;
    answer(
        1,
        2,
        "会員委員会では、毎年のアンケートを続け、結果とそれへの回答をこの冊子でお伝えします。（サンプルの回答）",
        &[AnswerAction::Submit],
    )?;
    answer(
        2,
        4,
        "教育セミナーの年間配信と、キャリア相談の場を設けることを検討しています。（下書き）",
        &[AnswerAction::Draft],
    )?;
    answer(
        5,
        2,
        "2026年1月17日から、入会時の協議員推薦を不要としました（下の【重要なお知らせ】をご覧ください）。",
        &[AnswerAction::Submit, AnswerAction::Approve],
    )?;
    Ok(true)
}

/// The fixed date of the sample's answers' due dates, for tests that check lateness.
pub fn due_2026() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 2, 27).unwrap_or_default()
}
