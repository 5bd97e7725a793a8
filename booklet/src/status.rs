//! Where an edition stands: per question and respondent, the answer's state, its version,
//! who last saved it and when, and the due date; and the counts per state.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use store::AnswerRow;

use crate::edition::Edition;
use crate::workflow::AnswerStatus;

/// One assigned answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub number: usize,
    pub question: u32,
    pub title: String,
    pub respondent: u32,
    pub name: String,
    pub status: AnswerStatus,
    pub version: i64,
    pub due: Option<NaiveDate>,
    /// Past its due date and not yet submitted.
    pub late: bool,
    pub changed_by: String,
    pub changed_at: String,
}

/// Every assigned answer in question order, as of `today`.
pub fn progress(edition: &Edition, answers: &BTreeMap<(u32, u32), AnswerRow>, today: NaiveDate) -> Vec<Progress> {
    edition
        .assignments()
        .into_iter()
        .map(|(number, q, r, a)| {
            let row = answers.get(&(q.id, r.id));
            let status = AnswerStatus::of(row);
            Progress {
                number,
                question: q.id,
                title: q.title.clone(),
                respondent: r.id,
                name: r.name.clone(),
                status,
                version: row.map_or(0, |r| r.version),
                due: a.due,
                late: a.due.is_some_and(|d| d < today)
                    && matches!(status, AnswerStatus::Assigned | AnswerStatus::Drafted | AnswerStatus::Returned),
                changed_by: row.map(|r| r.changed_by.clone()).unwrap_or_default(),
                changed_at: row.map(|r| r.changed_at.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// How many answers are in each state, in the states' order.
pub fn counts(rows: &[Progress]) -> Vec<(AnswerStatus, usize)> {
    AnswerStatus::ALL.iter().map(|s| (*s, rows.iter().filter(|r| r.status == *s).count())).collect()
}

/// The progress as text for the command line: one line per answer, then the counts.
pub fn text(edition: &Edition, version: i64, published: bool, rows: &[Progress]) -> String {
    let mut out = format!(
        "{}年度「{}」第{}版（{}）: 質問 {} 問、回答者 {} 人\n",
        edition.edition,
        edition.title,
        version,
        if published { "公開済み" } else { "作成中" },
        edition.numbered().len(),
        edition.respondents.len()
    );
    for r in rows {
        out.push_str(&format!(
            "【Q{}】{}\t{}\t{}{}\t版 {}\t{}\n",
            r.number,
            r.title,
            r.name,
            r.status.ja(),
            if r.late { "（期限超過）" } else { "" },
            r.version,
            r.due.map(|d| format!("期限 {d}")).unwrap_or_default()
        ));
    }
    let counts: Vec<String> = counts(rows).iter().map(|(s, n)| format!("{} {n}", s.ja())).collect();
    out.push_str(&format!("計 {} 件: {}\n", rows.len(), counts.join("、")));
    out
}
