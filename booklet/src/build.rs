//! The booklet as a document: title page, はじめに (figures filled in from the catalog), the
//! respondents by committee, 目次 with page numbers, each section and question with its
//! evidence and answers under 【回答】 with their 回答者 lines, the 【重要なお知らせ】 boxes,
//! and the committee roster. Rendered by the packs' renderer (`reports::pdf`, `reports::html`),
//! so the same edition version over the same loads gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};

use queries::{Engine, MetricResult, Request};
use reports::doc::{Block, Doc, Table};
use sha2::{Digest, Sha256};

use crate::edition::{Edition, Followup, QuestionRef};
use crate::error::Result;
use crate::intro::{Facts, fill};
use crate::rich::parse;

/// The answer printed under a question for one respondent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    pub text: String,
    /// Not approved yet: the preview says so; a published booklet has only approved answers.
    pub pending: Option<String>,
}

/// What the booklet is built from besides the edition.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Answers by (question, respondent).
    pub answers: BTreeMap<(u32, u32), Printed>,
    /// Earlier editions' questions a question follows up: (number, title, what became of it).
    pub previous: BTreeMap<QuestionRef, (usize, String, Followup)>,
    /// The edition's version printed on the title page.
    pub version: i64,
    /// A draft: the title page says 校正用.
    pub draft: bool,
}

/// A built booklet: the document, and every figure it printed with the request that made it.
#[derive(Debug)]
pub struct Built {
    pub doc: Doc,
    /// (question id, request, result) for every metric evidence, in order.
    pub evidence: Vec<(u32, Request, MetricResult)>,
    /// The loads the figures read.
    pub loads: Vec<i64>,
}

/// Builds the booklet of `edition` over `engine` (a snapshot at the edition's load).
pub fn document(edition: &Edition, inputs: &Inputs, engine: &Engine) -> Result<Built> {
    let mut loads: BTreeSet<i64> = BTreeSet::new();
    let mut sample = false;
    let mut evidence = Vec::new();
    let mut record = |r: &MetricResult| {
        loads.extend(r.provenance.load_ids.iter().copied());
        sample |= r.provenance.sample;
    };
    let (facts, rates) = Facts::gather_with_result(engine, edition.as_of, edition.survey_year)?;
    if let Some(r) = &rates {
        record(r);
    }

    let mut blocks: Vec<Block> = Vec::new();
    if !edition.forewords.is_empty() {
        blocks.push(Block::Heading { level: 1, text: "はじめに".into() });
        for f in &edition.forewords {
            if !f.heading.trim().is_empty() {
                blocks.push(Block::Byline(f.heading.clone()));
            }
            blocks.push(Block::Rich(parse(&fill(&f.body, &facts)?)));
        }
    }
    if !edition.respondents.is_empty() {
        blocks.push(Block::Byline("今回の企画に回答くださった各委員会の先生方".into()));
        blocks.push(Block::Table(respondents_table(edition)));
    }
    blocks.push(Block::PageBreak);
    blocks.push(Block::Toc { title: "目次".into() });
    blocks.push(Block::PageBreak);

    let numbered = edition.numbered();
    let mut section = None;
    for (n, s, q) in &numbered {
        if section != Some(s.id) {
            blocks.push(Block::Heading { level: 1, text: s.title.clone() });
            section = Some(s.id);
        }
        blocks.push(Block::Heading { level: 2, text: format!("【Q{n}】 {}", q.title) });
        if let Some(p) = q.previous {
            let text = match inputs.previous.get(&p) {
                Some((m, title, followup)) => {
                    format!("{}年度の冊子の【Q{m}】「{title}」の続きです（その後: {}）。", p.edition, followup.ja())
                }
                None => format!("{}年度の冊子の質問の続きです。", p.edition),
            };
            blocks.push(Block::Note(text));
        }
        blocks.push(Block::Rich(parse(&fill(&q.body, &facts)?)));
        for e in &q.evidence {
            let result = crate::evidence::evaluate(engine, edition, e)?;
            if let Some(r) = &result {
                record(r);
                if let Some(req) = crate::evidence::request(edition, e) {
                    evidence.push((q.id, req, r.clone()));
                }
            }
            blocks.extend(crate::evidence::blocks(e, result.as_ref()));
        }
        blocks.push(Block::Byline("【回答】".into()));
        for a in &q.assigned {
            let Some(r) = edition.respondent(a.respondent) else { continue };
            blocks.push(Block::Byline(r.byline()));
            match inputs.answers.get(&(q.id, r.id)) {
                Some(p) => {
                    if let Some(state) = &p.pending {
                        blocks.push(Block::Note(format!("（校正用: {state}）")));
                    }
                    blocks.push(Block::Rich(parse(&p.text)));
                }
                None => blocks.push(Block::Note("（回答はまだありません）".into())),
            }
        }
        for nt in edition.notices.iter().filter(|nt| nt.after == Some(q.id)) {
            blocks.push(notice(nt, &facts)?);
        }
    }
    for nt in edition.notices.iter().filter(|nt| nt.after.is_none()) {
        blocks.push(notice(nt, &facts)?);
    }
    if !edition.roster.is_empty() {
        let title =
            if edition.roster_title.trim().is_empty() { edition.author.clone() } else { edition.roster_title.clone() };
        blocks.push(Block::Heading { level: 1, text: title });
        blocks.push(Block::Table(Table {
            caption: String::new(),
            header: vec!["役".into(), "氏名".into(), "所属".into()],
            numeric: vec![false; 3],
            people: vec![false; 3],
            rows: edition.roster.iter().map(|m| vec![m.role.clone(), m.name.clone(), m.affiliation.clone()]).collect(),
            notes: Vec::new(),
        }));
    }

    let loads: Vec<i64> = loads.into_iter().collect();
    let mut cover = vec![
        ("作成日".to_string(), edition.made.clone()),
        ("作成".to_string(), edition.author.clone()),
        ("対象".to_string(), format!("{}年度 会員アンケート", edition.survey_year)),
        ("数値の基準日".to_string(), reports::format::date_ja(edition.as_of)),
        (
            "データ".to_string(),
            format!("ロード {}（ロード {} の時点の状態）", reports::packs::ranges(&loads), edition.at_load),
        ),
        (
            "版".to_string(),
            format!("{}年度版 第{}版{}", edition.edition, inputs.version, if inputs.draft { "（校正用）" } else { "" }),
        ),
        ("秘匿".to_string(), "少人数の区分は理事会向けの基準で秘匿しています（X）。".to_string()),
    ];
    cover.retain(|(_, v)| !v.trim().is_empty());
    let doc = Doc {
        title: edition.title.clone(),
        subtitle: edition.subtitle.clone(),
        cover,
        sample,
        running_head: format!("{}　{}", edition.title, edition.made),
        blocks,
    };
    Ok(Built { doc, evidence, loads })
}

fn notice(nt: &crate::edition::Notice, facts: &Facts) -> Result<Block> {
    Ok(Block::Notice {
        title: format!("【重要なお知らせ】 {}", nt.title), body: parse(&fill(&nt.body, facts)?)
    })
}

/// The respondents grouped by committee, in the order the committees first appear.
fn respondents_table(edition: &Edition) -> Table {
    let mut committees: Vec<&str> = Vec::new();
    for r in &edition.respondents {
        if !committees.contains(&r.committee.as_str()) {
            committees.push(&r.committee);
        }
    }
    let rows = committees
        .iter()
        .flat_map(|c| {
            edition
                .respondents
                .iter()
                .filter(move |r| r.committee == *c)
                .map(|r| vec![r.committee.clone(), r.title.clone(), format!("{} 先生", r.name)])
        })
        .collect();
    Table {
        caption: String::new(),
        header: vec!["委員会".into(), "役職".into(), "氏名".into()],
        numeric: vec![false; 3],
        people: vec![false; 3],
        rows,
        notes: Vec::new(),
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Html,
}

impl Format {
    pub fn key(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Html => "html",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    /// By a file name's extension.
    pub fn of_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "pdf" => Some(Format::Pdf),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }
}

/// The document's bytes in `format`.
pub fn render(doc: &Doc, format: Format) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Pdf => reports::pdf::render(doc)?,
        Format::Html => reports::html::render(doc).into_bytes(),
    })
}

/// The SHA-256 of built bytes, in hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
