//! An edition of the booklet as the committee writes it: its title page, はじめに, the
//! sections and their questions (each with its evidence and the respondents it is assigned
//! to), the respondents, the notices and the committee roster. Stored whole, as JSON, one
//! version per change (`store::appdb::booklet`); answers are stored apart, per respondent.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::policy::AUDIENCE;

/// The longest title (of an edition, a section, a question or a notice), in characters.
pub const MAX_TITLE: usize = 200;
/// The longest text (a question, an answer, a foreword, a notice), in characters.
pub const MAX_TEXT: usize = 20_000;

/// One edition: the booklet of one 年度.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edition {
    /// The 年度 of the booklet (2026).
    pub edition: i32,
    /// 私の声は届いていますか？
    pub title: String,
    /// 会員アンケートへのレスポンス企画
    pub subtitle: String,
    /// 作成日 as printed: 2026年3月.
    pub made: String,
    /// Who publishes it: 会員委員会.
    pub author: String,
    /// The survey 年度 the booklet answers.
    pub survey_year: i32,
    /// The date every figure is as of.
    pub as_of: NaiveDate,
    /// The warehouse as of this load: every figure is read from the store as it stood then.
    pub at_load: i64,
    /// はじめに: who writes, and what (figures as `{{…}}`, see [`crate::intro`]).
    #[serde(default)]
    pub forewords: Vec<Foreword>,
    #[serde(default)]
    pub sections: Vec<Section>,
    #[serde(default)]
    pub respondents: Vec<Respondent>,
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// 2024-2026年度 会員委員会
    #[serde(default)]
    pub roster_title: String,
    #[serde(default)]
    pub roster: Vec<RosterMember>,
    /// The approved answers, frozen into the edition when it is published (empty before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<FrozenAnswer>,
}

/// A part of はじめに.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Foreword {
    /// <理事長 より>
    pub heading: String,
    pub body: String,
}

/// A group of questions: 学会活動全般, 専門医試験, 入会・会員制度 …
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: u32,
    pub title: String,
    #[serde(default)]
    pub questions: Vec<Question>,
}

/// A question of the committee to the respondents, with the survey evidence it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable within the edition (the number 【Qn】 follows the order instead).
    pub id: u32,
    /// JSMO 全般の活動について
    pub title: String,
    /// The question itself.
    pub body: String,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    #[serde(default)]
    pub assigned: Vec<Assignment>,
    /// The question of an earlier edition this one follows up (「前回のアンケートサマリでは…」).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<QuestionRef>,
    /// What became of it, tracked across editions.
    #[serde(default)]
    pub followup: Followup,
}

/// A question of an edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QuestionRef {
    pub edition: i32,
    pub question: u32,
}

/// What became of a question after its answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Followup {
    #[default]
    Open,
    Answered,
    Promised,
    Done,
}

impl Followup {
    pub const ALL: [Followup; 4] = [Followup::Open, Followup::Answered, Followup::Promised, Followup::Done];

    pub fn ja(self) -> &'static str {
        match self {
            Followup::Open => "未回答",
            Followup::Answered => "回答済み",
            Followup::Promised => "対応を約束",
            Followup::Done => "対応済み",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Followup::Open => "open",
            Followup::Answered => "answered",
            Followup::Promised => "promised",
            Followup::Done => "done",
        }
    }

    /// From its key or its Japanese label.
    pub fn parse(s: &str) -> Option<Followup> {
        Followup::ALL.into_iter().find(|f| f.key() == s.trim() || f.ja() == s.trim())
    }
}

/// What a question rests on: a metric result, or a free-text answer the committee chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// A catalog metric with its parameters, evaluated for the board (suppressed) at the
    /// edition's date and load.
    Metric {
        metric: String,
        #[serde(default)]
        by: String,
        #[serde(default)]
        params: BTreeMap<String, String>,
        /// Shown above it; the metric's title when empty.
        #[serde(default)]
        caption: String,
    },
    /// A passage of a free-text answer (from 用例/KWIC), without anything that identifies
    /// who wrote it; `source` says where it came from (2025年度 Q12「オンライン配信」).
    Quote {
        text: String,
        #[serde(default)]
        source: String,
    },
}

impl Evidence {
    /// Checks an evidence item without evaluating it: the metric exists and may be shown to
    /// the board, its `by` and parameters are its own; a quote is not empty.
    pub fn check(&self) -> std::result::Result<(), String> {
        match self {
            Evidence::Metric { metric, by, params, .. } => {
                let def =
                    queries::catalog::find(metric).map_err(|_| format!("指標「{metric}」はカタログにありません"))?;
                if !def.audiences.contains(&AUDIENCE) {
                    return Err(format!(
                        "指標「{metric}」は会員委員会だけのもので、冊子には載せられません（自由記述は引用として選んでください）"
                    ));
                }
                if !def.by.contains(&by.as_str()) {
                    return Err(format!("指標「{metric}」は「{by}」別に集計できません（{}）", def.by.join("・")));
                }
                for k in params.keys() {
                    if !def.params.iter().any(|p| p.name == k) {
                        return Err(format!("指標「{metric}」にパラメータ「{k}」はありません"));
                    }
                }
                Ok(())
            }
            Evidence::Quote { text, .. } => {
                if text.trim().is_empty() {
                    Err("引用が空です".into())
                } else if text.chars().count() > 2_000 {
                    Err("引用が長すぎます（2,000 文字まで）".into())
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// A question given to a respondent to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub respondent: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
}

/// Who answers: 鶴谷 純司, 会員委員長, 会員委員会; with the dashboard account they answer from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Respondent {
    pub id: u32,
    pub name: String,
    /// 会員委員長
    pub title: String,
    /// The committee the respondents' chart groups them under.
    #[serde(default)]
    pub committee: String,
    /// The dashboard account (role respondent) that answers; none for answers by e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl Respondent {
    /// 「<回答者：鶴谷 純司 会員委員長>」
    pub fn byline(&self) -> String {
        format!("<回答者：{} {}>", self.name, self.title)
    }
}

/// A boxed 【重要なお知らせ】, after a question or (with none) after the last section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: u32,
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u32>,
}

/// A member of the committee, as the roster at the end lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterMember {
    /// 委員長, 副委員長, 委員
    pub role: String,
    pub name: String,
    pub affiliation: String,
}

/// An approved answer as it was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrozenAnswer {
    pub question: u32,
    pub respondent: u32,
    /// The answer's version that was approved.
    pub version: i64,
    pub answer: String,
}

impl Edition {
    /// A new, empty edition.
    pub fn new(edition: i32, survey_year: i32, as_of: NaiveDate, at_load: i64) -> Edition {
        Edition {
            edition,
            title: "私の声は届いていますか？".into(),
            subtitle: "会員アンケートへのレスポンス企画".into(),
            made: String::new(),
            author: "会員委員会".into(),
            survey_year,
            as_of,
            at_load,
            forewords: Vec::new(),
            sections: Vec::new(),
            respondents: Vec::new(),
            notices: Vec::new(),
            roster_title: String::new(),
            roster: Vec::new(),
            answers: Vec::new(),
        }
    }

    /// Every question in order, with its number (1 for 【Q1】) and its section.
    pub fn numbered(&self) -> Vec<(usize, &Section, &Question)> {
        self.sections
            .iter()
            .flat_map(|s| s.questions.iter().map(move |q| (s, q)))
            .enumerate()
            .map(|(i, (s, q))| (i + 1, s, q))
            .collect()
    }

    /// The question `id` with its number.
    pub fn question(&self, id: u32) -> Option<(usize, &Question)> {
        self.numbered().into_iter().find(|(_, _, q)| q.id == id).map(|(n, _, q)| (n, q))
    }

    pub fn question_mut(&mut self, id: u32) -> Option<&mut Question> {
        self.sections.iter_mut().flat_map(|s| s.questions.iter_mut()).find(|q| q.id == id)
    }

    pub fn respondent(&self, id: u32) -> Option<&Respondent> {
        self.respondents.iter().find(|r| r.id == id)
    }

    /// The respondent who answers from `account`.
    pub fn respondent_of(&self, account: &str) -> Option<&Respondent> {
        self.respondents.iter().find(|r| r.account.as_deref() == Some(account))
    }

    /// Every (question, respondent) pair that is to be answered, in question order.
    pub fn assignments(&self) -> Vec<(usize, &Question, &Respondent, &Assignment)> {
        let mut out = Vec::new();
        for (n, _, q) in self.numbered() {
            for a in &q.assigned {
                if let Some(r) = self.respondent(a.respondent) {
                    out.push((n, q, r, a));
                }
            }
        }
        out
    }

    /// The next free id among `ids`.
    pub fn next_id(ids: impl Iterator<Item = u32>) -> u32 {
        ids.max().map_or(1, |m| m + 1)
    }

    pub fn next_question_id(&self) -> u32 {
        Edition::next_id(self.sections.iter().flat_map(|s| s.questions.iter().map(|q| q.id)))
    }

    /// Checks what no version may break: ids unique, references resolve, lengths bounded,
    /// evidence names a catalog metric with its parameters. The message names the item.
    pub fn check(&self) -> Result<()> {
        let bad = |what: String| Err(Error::Invalid(what));
        if !(1900..=2100).contains(&self.edition) || !(1900..=2100).contains(&self.survey_year) {
            return bad(format!("年度 {} / アンケート年度 {} が範囲外です", self.edition, self.survey_year));
        }
        for (what, text) in [("表題", &self.title), ("副題", &self.subtitle), ("作成日", &self.made)] {
            long(what, text, MAX_TITLE)?;
        }
        if self.title.trim().is_empty() {
            return bad("表題が空です / the title is empty".into());
        }
        for f in &self.forewords {
            long("はじめにの見出し", &f.heading, MAX_TITLE)?;
            long("はじめにの本文", &f.body, MAX_TEXT)?;
        }
        unique("章", self.sections.iter().map(|s| s.id))?;
        unique("質問", self.sections.iter().flat_map(|s| s.questions.iter().map(|q| q.id)))?;
        unique("回答者", self.respondents.iter().map(|r| r.id))?;
        unique("お知らせ", self.notices.iter().map(|n| n.id))?;
        let accounts: Vec<&str> = self.respondents.iter().filter_map(|r| r.account.as_deref()).collect();
        if let Some(a) = duplicate(accounts.iter().copied()) {
            return bad(format!("アカウント「{a}」が二人の回答者に割り当てられています"));
        }
        for r in &self.respondents {
            if r.name.trim().is_empty() {
                return bad(format!("回答者 {} の氏名が空です", r.id));
            }
            long("回答者の氏名", &r.name, MAX_TITLE)?;
            long("回答者の役職", &r.title, MAX_TITLE)?;
        }
        for s in &self.sections {
            if s.title.trim().is_empty() {
                return bad(format!("章 {} の題が空です", s.id));
            }
            long("章の題", &s.title, MAX_TITLE)?;
            for q in &s.questions {
                let (n, _) = self.question(q.id).unwrap_or((0, q));
                if q.title.trim().is_empty() || q.body.trim().is_empty() {
                    return bad(format!("【Q{n}】の題か質問文が空です"));
                }
                long(&format!("【Q{n}】の題"), &q.title, MAX_TITLE)?;
                long(&format!("【Q{n}】の質問文"), &q.body, MAX_TEXT)?;
                if let Some(a) = duplicate(q.assigned.iter().map(|a| a.respondent)) {
                    return bad(format!("【Q{n}】に回答者 {a} が二度割り当てられています"));
                }
                for a in &q.assigned {
                    if self.respondent(a.respondent).is_none() {
                        return bad(format!("【Q{n}】の回答者 {} がいません", a.respondent));
                    }
                }
                for e in &q.evidence {
                    e.check().map_err(|m| Error::Invalid(format!("【Q{n}】の根拠: {m}")))?;
                }
                if q.previous.is_some_and(|p| p.edition >= self.edition) {
                    return bad(format!("【Q{n}】の前回の質問は、前の年度の冊子のものにしてください"));
                }
            }
        }
        let texts = self
            .forewords
            .iter()
            .map(|f| &f.body)
            .chain(self.sections.iter().flat_map(|s| s.questions.iter().map(|q| &q.body)))
            .chain(self.notices.iter().map(|n| &n.body));
        for t in texts {
            if let Some(k) = crate::intro::unknown(t).first() {
                return bad(format!(
                    "「{{{{{k}}}}}」は使えない差し込み項目です（使えるもの: {}）",
                    crate::intro::PLACEHOLDERS.iter().map(|p| p.key).collect::<Vec<_>>().join("、")
                ));
            }
        }
        for nt in &self.notices {
            long("お知らせの題", &nt.title, MAX_TITLE)?;
            long("お知らせの本文", &nt.body, MAX_TEXT)?;
            if let Some(q) = nt.after.filter(|q| self.question(*q).is_none()) {
                return bad(format!("お知らせ「{}」の後に置く質問 {q} がありません", nt.title));
            }
        }
        Ok(())
    }
}

fn long(what: &str, text: &str, max: usize) -> Result<()> {
    let n = text.chars().count();
    if n > max {
        return Err(Error::Invalid(format!("{what}が長すぎます（{n} 文字、上限 {max} 文字）")));
    }
    Ok(())
}

fn duplicate<T: Ord + Copy>(items: impl Iterator<Item = T>) -> Option<T> {
    let mut seen = BTreeSet::new();
    items.into_iter().find(|i| !seen.insert(*i))
}

fn unique(what: &str, ids: impl Iterator<Item = u32>) -> Result<()> {
    match duplicate(ids) {
        Some(id) => Err(Error::Invalid(format!("{what}の ID {id} が重複しています"))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: u32) -> Question {
        Question {
            id,
            title: format!("題 {id}"),
            body: "質問文".into(),
            evidence: Vec::new(),
            assigned: Vec::new(),
            previous: None,
            followup: Followup::Open,
        }
    }

    #[test]
    fn questions_are_numbered_across_sections_in_order() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        let mut e = Edition::new(2026, 2025, d, 1);
        e.sections.push(Section { id: 1, title: "学会活動全般".into(), questions: vec![q(7), q(3)] });
        e.sections.push(Section { id: 2, title: "専門医試験".into(), questions: vec![q(5)] });
        let order: Vec<(usize, u32)> = e.numbered().iter().map(|(n, _, q)| (*n, q.id)).collect();
        assert_eq!(order, [(1, 7), (2, 3), (3, 5)]);
        assert_eq!(e.question(5).map(|(n, _)| n), Some(3));
        assert_eq!(e.next_question_id(), 8);
        e.check().expect("valid");
        e.sections[1].questions.push(q(7));
        assert!(e.check().expect_err("duplicate").to_string().contains("7"));
    }

    #[test]
    fn an_assignment_to_nobody_is_refused() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        let mut e = Edition::new(2026, 2025, d, 1);
        let mut question = q(1);
        question.assigned.push(Assignment { respondent: 9, due: None });
        e.sections.push(Section { id: 1, title: "章".into(), questions: vec![question] });
        let msg = e.check().expect_err("refused").to_string();
        assert!(msg.contains("【Q1】") && msg.contains('9'), "{msg}");
    }
}
