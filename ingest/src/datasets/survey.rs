//! The member survey: waves (調査実施), questions (設問) and responses (回答).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Builder, Int32Builder, Int64Builder, StringBuilder};
use arrow::record_batch::RecordBatch;

use super::env::{Env, Validated};
use crate::error::Result;
use crate::normalize::{self, Problem};
use crate::spec::{self, SURVEY_QUESTIONS};
use crate::table::RawTable;
use crate::validate::{Checker, date32};
use model::membership::{AGE_BANDS, PROFESSIONS};
use store::schema;

pub fn validate_waves(ck: &mut Checker<'_>, table: &RawTable) -> Result<Validated> {
    let n = table.len();
    let (mut row_no, mut fy, mut opened, mut closed, mut invited) = (
        Int64Builder::with_capacity(n),
        Int32Builder::with_capacity(n),
        Date32Builder::with_capacity(n),
        Date32Builder::with_capacity(n),
        Int32Builder::with_capacity(n),
    );
    let mut seen: HashMap<i32, u64> = HashMap::new();
    let mut ok = 0;
    for row in table.rows() {
        let mut r = ck.row(row);
        let y = r.req(0, normalize::fiscal_year);
        let o = r.date(1).flatten();
        let c = r.date(2).flatten();
        let i = r.req(3, normalize::count);
        if let (Some(o), Some(c)) = (o, c)
            && c < o
        {
            r.reject_at(
                2,
                Problem::new(
                    format!("締切日 {c} が開始日 {o} より前です"),
                    format!("closes on {c}, before opening on {o}"),
                ),
            );
        }
        let (line, row_ok) = (r.line(), r.ok);
        let (Some(y), Some(o), Some(c), Some(i), true) = (y, o, c, i, row_ok) else { continue };
        if let Some(first) = seen.insert(y, line) {
            ck.reject_line(line, Some("年度"), Some(&y.to_string()), dup_problem("年度", first));
            continue;
        }
        row_no.append_value(line as i64);
        fy.append_value(y);
        opened.append_value(date32(o));
        closed.append_value(date32(c));
        invited.append_value(i32::try_from(i).unwrap_or(i32::MAX));
        ok += 1;
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(row_no.finish()),
        Arc::new(fy.finish()),
        Arc::new(opened.finish()),
        Arc::new(closed.finish()),
        Arc::new(invited.finish()),
    ];
    let batch = RecordBatch::try_new(schema::SURVEY_WAVES.payload_schema(), cols)?;
    Ok(Validated { batches: vec![(&schema::SURVEY_WAVES, batch)], rows_total: n, rows_ok: ok, ..Default::default() })
}

fn dup_problem(what: &str, first: u64) -> Problem {
    Problem::new(format!("{what}が {first} 行目と重複しています"), format!("duplicates line {first}"))
}

pub fn validate_questions(ck: &mut Checker<'_>, table: &RawTable) -> Result<Validated> {
    let n = table.len();
    let mut row_no = Int64Builder::with_capacity(n);
    let mut fy = Int32Builder::with_capacity(n);
    let (mut qid, mut text, mut kind, mut options) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut seen: HashMap<(i32, String), u64> = HashMap::new();
    let mut questions = Vec::new();
    let mut question_texts = Vec::new();
    let mut ok = 0;
    for row in table.rows() {
        let mut r = ck.row(row);
        let y = r.req(0, normalize::fiscal_year);
        let id = r.req(1, |v| Ok(normalize::text(v).into_owned()));
        let t = r.text(2).flatten();
        let k = r.req(3, |v| {
            spec::question_kind(&normalize::text(v)).ok_or_else(|| {
                Problem::new(
                    format!("形式 '{v}' が分かりません (single, multi, likert5, text)"),
                    format!("unknown question kind '{v}' (single, multi, likert5, text)"),
                )
            })
        });
        let o = r.text(4);
        if let (Some(k), Some(None)) = (k, &o)
            && k != "text"
            && k != "likert5"
        {
            r.reject(
                Some(&SURVEY_QUESTIONS.columns[4]),
                "",
                Problem::new("選択式の設問には選択肢が必要です", "a choice question needs its options"),
            );
        }
        let (line, row_ok) = (r.line(), r.ok);
        let (Some(y), Some(id), Some(t), Some(k), Some(o), true) = (y, id, t, k, o, row_ok) else { continue };
        if let Some(first) = seen.insert((y, id.clone()), line) {
            ck.reject_line(line, Some("設問ID"), Some(&id), dup_problem("年度と設問ID", first));
            continue;
        }
        let opts: Vec<String> = o.as_deref().map(split_choices).unwrap_or_default();
        questions.push(((y, id.clone()), (k.to_string(), opts)));
        question_texts.push(((y, id.clone()), t.clone()));
        row_no.append_value(line as i64);
        fy.append_value(y);
        qid.append_value(&id);
        text.append_value(&t);
        kind.append_value(k);
        options.append_option(o);
        ok += 1;
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(row_no.finish()),
        Arc::new(fy.finish()),
        Arc::new(qid.finish()),
        Arc::new(text.finish()),
        Arc::new(kind.finish()),
        Arc::new(options.finish()),
    ];
    let batch = RecordBatch::try_new(schema::SURVEY_QUESTIONS.payload_schema(), cols)?;
    Ok(Validated {
        batches: vec![(&schema::SURVEY_QUESTIONS, batch)],
        rows_total: n,
        rows_ok: ok,
        questions,
        question_texts,
        ..Default::default()
    })
}

/// Splits a `;`-separated list (NFKC turns ； into ;).
pub fn split_choices(v: &str) -> Vec<String> {
    v.split(';').map(|s| normalize::text(s).into_owned()).filter(|s| !s.is_empty()).collect()
}

pub fn validate_responses(
    ck: &mut Checker<'_>,
    table: &RawTable,
    env: &Env<'_>,
    question_columns: &[(usize, String)],
) -> Result<Validated> {
    let n = table.len();
    let mut row_no = Int64Builder::with_capacity(n);
    let mut fy = Int32Builder::with_capacity(n);
    let (mut rid, mut key, mut prof, mut age) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut pref = Int32Builder::with_capacity(n);
    let (mut a_fy, mut a_rid, mut a_qid, mut a_ans) =
        (Int32Builder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut seen: HashMap<(i32, String), u64> = HashMap::new();
    let mut unknown_years: HashSet<i32> = HashSet::new();
    let mut ok = 0;
    for row in table.rows() {
        let mut r = ck.row(row);
        let y = r.req(0, normalize::fiscal_year);
        let id = r.req(1, |v| Ok(normalize::text(v).into_owned()));
        let member = r.get(2, |v| Ok(env.pseudonymiser.pseudonym(v)));
        let p = r.label(3, &PROFESSIONS);
        let a = r.label(4, &AGE_BANDS);
        let pr = r.prefecture(5);
        let mut answers: Vec<(String, String)> = Vec::new();
        for (fi, qid) in question_columns {
            let raw = row.cell(*fi);
            let v = normalize::text(raw);
            if v.is_empty() {
                continue;
            }
            if let Some(y) = y {
                match env.refs.questions.get(&(y, qid.clone())) {
                    Some((kind, options)) => {
                        if let Err(p) = check_answer(kind, options, &v) {
                            r.reject(None, raw, Problem::new(format!("{qid}: {}", p.ja), format!("{qid}: {}", p.en)));
                            continue;
                        }
                    }
                    None => {
                        unknown_years.insert(y);
                    }
                }
            }
            answers.push((qid.clone(), v.into_owned()));
        }
        let (line, row_ok) = (r.line(), r.ok);
        let (Some(y), Some(id), Some(member), Some(p), Some(a), Some(pr), true) = (y, id, member, p, a, pr, row_ok)
        else {
            continue;
        };
        if let Some(first) = seen.insert((y, id.clone()), line) {
            ck.reject_line(line, Some("回答ID"), Some(&id), dup_problem("年度と回答ID", first));
            continue;
        }
        row_no.append_value(line as i64);
        fy.append_value(y);
        rid.append_value(&id);
        key.append_option(member);
        prof.append_option(p);
        age.append_option(a);
        pref.append_option(pr.map(|p| i32::from(p.code())));
        for (q, v) in answers {
            a_fy.append_value(y);
            a_rid.append_value(&id);
            a_qid.append_value(q);
            a_ans.append_value(v);
        }
        ok += 1;
    }
    let mut warnings = Vec::new();
    if !unknown_years.is_empty() {
        let mut ys: Vec<_> = unknown_years.into_iter().collect();
        ys.sort_unstable();
        warnings.push(format!(
            "年度 {ys:?} の設問が未登録のため、回答を選択肢と照合していません (先に survey_questions を取り込んでください) / questions for {ys:?} are not loaded; answers were not checked against options"
        ));
    }
    let responses = RecordBatch::try_new(
        schema::SURVEY_RESPONSES.payload_schema(),
        vec![
            Arc::new(row_no.finish()) as ArrayRef,
            Arc::new(fy.finish()),
            Arc::new(rid.finish()),
            Arc::new(key.finish()),
            Arc::new(prof.finish()),
            Arc::new(age.finish()),
            Arc::new(pref.finish()),
        ],
    )?;
    let answers = RecordBatch::try_new(
        schema::SURVEY_ANSWERS.payload_schema(),
        vec![
            Arc::new(a_fy.finish()) as ArrayRef,
            Arc::new(a_rid.finish()),
            Arc::new(a_qid.finish()),
            Arc::new(a_ans.finish()),
        ],
    )?;
    Ok(Validated {
        batches: vec![(&schema::SURVEY_RESPONSES, responses), (&schema::SURVEY_ANSWERS, answers)],
        rows_total: n,
        rows_ok: ok,
        warnings,
        ..Default::default()
    })
}

fn check_answer(kind: &str, options: &[String], v: &str) -> Result<(), Problem> {
    let not_option = |c: &str| {
        Problem::new(
            format!("回答 '{c}' は選択肢にありません ({})", options.join(" / ")),
            format!("answer '{c}' is not an option ({})", options.join(" / ")),
        )
    };
    match kind {
        "single" => {
            if options.iter().any(|o| o == v) {
                Ok(())
            } else {
                Err(not_option(v))
            }
        }
        "multi" => {
            for c in split_choices(v) {
                if !options.contains(&c) {
                    return Err(not_option(&c));
                }
            }
            Ok(())
        }
        "likert5" => {
            let numeric = matches!(v, "1" | "2" | "3" | "4" | "5");
            if numeric || options.iter().any(|o| o == v) {
                Ok(())
            } else {
                Err(Problem::new(
                    format!("5 段階の回答 '{v}' は 1–5 ではありません"),
                    format!("likert answer '{v}' is not 1–5"),
                ))
            }
        }
        _ => Ok(()),
    }
}

/// Whether a file's headers look like a survey responses file.
pub fn is_question_header(h: &str) -> bool {
    let t = normalize::text(h);
    let mut chars = t.chars();
    matches!(chars.next(), Some('Q' | 'q' | '問'))
        && chars.clone().next().is_some_and(|c| c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
