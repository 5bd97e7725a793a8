//! An edition as the office's workbook: every sheet, or one respondent's questions and answers.

use rust_xlsxwriter::{Format, Workbook};
use store::AppDb;

use super::sheets::{
    ANSWERS, EDITION, EVIDENCE, FOREWORDS, NOTICES, QUESTIONS, RESPONDENTS, ROSTER, SECTIONS, columns,
};
use crate::edition::{Evidence, Question};
use crate::error::{Error, Result};
use crate::workflow::{self, AnswerStatus};

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Invalid(format!("XLSX を書けません: {e}"))
}

/// The workbook of `edition` as stored (answers as they stand), or only `respondent`'s
/// questions and answers. Dated by the edition's date, not the clock: the same content
/// gives the same bytes.
pub fn export(db: &AppDb, edition: i32, respondent: Option<u32>) -> Result<Vec<u8>> {
    let stored = workflow::load(db, edition)?;
    let e = &stored.edition;
    if let Some(r) = respondent
        && e.respondent(r).is_none()
    {
        return Err(Error::NotFound(format!("回答者 {r} はこの冊子にいません")));
    }
    let answers = workflow::answers(db, edition)?;
    let mut wb: Workbook = reports::export::workbook(Some(e.as_of))?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let mut sheet = |name: &str, rows: Vec<Vec<String>>| -> Result<()> {
        let ws = wb.add_worksheet();
        ws.set_name(name).map_err(xlsx_err)?;
        for (c, h) in columns(name).iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            ws.write_string_with_format(0, c, *h, &bold).map_err(xlsx_err)?;
            ws.set_column_width(c, if h.contains('文') || *h == "回答" || *h == "値" { 60 } else { 14 })
                .map_err(xlsx_err)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (u32::try_from(r + 1).unwrap_or(u32::MAX), u16::try_from(c).unwrap_or(u16::MAX));
                ws.write_string_with_format(r, c, v, &wrap).map_err(xlsx_err)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        Ok(())
    };
    sheet(
        EDITION,
        vec![
            vec!["年度".into(), e.edition.to_string()],
            vec!["表題".into(), e.title.clone()],
            vec!["副題".into(), e.subtitle.clone()],
            vec!["作成日".into(), e.made.clone()],
            vec!["作成者".into(), e.author.clone()],
            vec!["アンケート年度".into(), e.survey_year.to_string()],
            vec!["基準日".into(), e.as_of.to_string()],
            vec!["ロード".into(), e.at_load.to_string()],
            vec!["名簿の題".into(), e.roster_title.clone()],
            vec!["版".into(), stored.version.to_string()],
        ],
    )?;
    let mine = |q: &Question| respondent.is_none_or(|r| q.assigned.iter().any(|a| a.respondent == r));
    if respondent.is_none() {
        sheet(FOREWORDS, e.forewords.iter().map(|f| vec![f.heading.clone(), f.body.clone()]).collect())?;
        sheet(SECTIONS, e.sections.iter().map(|s| vec![s.id.to_string(), s.title.clone()]).collect())?;
    }
    let numbered = e.numbered();
    sheet(
        QUESTIONS,
        numbered
            .iter()
            .filter(|(_, _, q)| mine(q))
            .map(|(n, s, q)| {
                vec![
                    q.id.to_string(),
                    s.id.to_string(),
                    format!("Q{n}"),
                    q.title.clone(),
                    q.body.clone(),
                    q.previous.map(|p| p.edition.to_string()).unwrap_or_default(),
                    q.previous.map(|p| p.question.to_string()).unwrap_or_default(),
                    q.followup.ja().to_string(),
                ]
            })
            .collect(),
    )?;
    sheet(
        EVIDENCE,
        numbered
            .iter()
            .filter(|(_, _, q)| mine(q))
            .flat_map(|(_, _, q)| q.evidence.iter().map(move |ev| evidence_row(q.id, ev)))
            .collect(),
    )?;
    sheet(
        RESPONDENTS,
        e.respondents
            .iter()
            .filter(|r| respondent.is_none_or(|id| id == r.id))
            .map(|r| {
                vec![
                    r.id.to_string(),
                    r.name.clone(),
                    r.title.clone(),
                    r.committee.clone(),
                    r.account.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    )?;
    sheet(
        ANSWERS,
        e.assignments()
            .into_iter()
            .filter(|(_, _, r, _)| respondent.is_none_or(|id| id == r.id))
            .map(|(n, q, r, a)| {
                let row = answers.get(&(q.id, r.id));
                vec![
                    q.id.to_string(),
                    format!("Q{n}"),
                    q.title.clone(),
                    q.body.clone(),
                    r.id.to_string(),
                    r.name.clone(),
                    a.due.map(|d| d.to_string()).unwrap_or_default(),
                    AnswerStatus::of(row).ja().to_string(),
                    row.map_or(0, |r| r.version).to_string(),
                    row.map(|r| r.answer.clone()).unwrap_or_default(),
                ]
            })
            .collect(),
    )?;
    if respondent.is_none() {
        sheet(
            NOTICES,
            e.notices
                .iter()
                .map(|n| {
                    vec![
                        n.id.to_string(),
                        n.title.clone(),
                        n.body.clone(),
                        n.after.map(|q| q.to_string()).unwrap_or_default(),
                    ]
                })
                .collect(),
        )?;
        sheet(ROSTER, e.roster.iter().map(|m| vec![m.role.clone(), m.name.clone(), m.affiliation.clone()]).collect())?;
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

fn evidence_row(question: u32, ev: &Evidence) -> Vec<String> {
    match ev {
        Evidence::Metric { metric, by, params, caption } => vec![
            question.to_string(),
            "指標".into(),
            metric.clone(),
            by.clone(),
            params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "),
            caption.clone(),
            String::new(),
            String::new(),
        ],
        Evidence::Quote { text, source } => vec![
            question.to_string(),
            "引用".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            text.clone(),
            source.clone(),
        ],
    }
}
