//! 回答: a respondent's own questions — the ones assigned to them in editions still being
//! written — each with its evidence as the board sees it, the committee's comments to them,
//! and their answer to draft and submit. Nothing of another respondent, question or edition.

use axum::extract::{Form, Path, State};
use axum::response::{Html, Response};
use booklet::workflow::{self, AnswerAction, AnswerStatus, Stored};
use maud::html;
use store::{AnswerRow, BookletComment};

use super::common::{
    AnswerForm, Fields, Who, answer_form, edition_of, evidence, rich, run, save_answer, saved_or_conflict, snapshot_of,
    status,
};
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::Page;
use crate::pages::page;
use crate::state::AppState;

/// The buttons of a respondent's form.
const OPS: &[(&str, &str)] = &[("draft", "下書きを保存"), ("submit", "提出する")];

/// One assigned question as the respondent's list shows it.
struct Mine {
    edition: i32,
    question: u32,
    number: usize,
    title: String,
    due: Option<chrono::NaiveDate>,
    status: AnswerStatus,
}

pub async fn list(State(state): State<AppState>, user: User) -> Result<Html<String>> {
    let me = user.name().to_string();
    let mine: Vec<Mine> = run(&state, move |db| {
        let mut out = Vec::new();
        for s in workflow::list(db)?.into_iter().filter(|s| !s.published) {
            let Some(r) = s.edition.respondent_of(&me) else { continue };
            let answers = workflow::answers(db, s.edition.edition)?;
            for (number, q, resp, a) in s.edition.assignments() {
                if resp.id == r.id {
                    out.push(Mine {
                        edition: s.edition.edition,
                        question: q.id,
                        number,
                        title: q.title.clone(),
                        due: a.due,
                        status: AnswerStatus::of(answers.get(&(q.id, r.id))),
                    });
                }
            }
        }
        Ok(out)
    })
    .await?;
    let body = html! {
        h1 { "回答をお願いしている質問" }
        p.lead { "会員委員会が会員アンケートの結果からつくった質問です。根拠の数値は冊子に載るとおり（少人数は秘匿）に示します。" }
        @if mine.is_empty() {
            p.note { "いま回答をお願いしている質問はありません。" }
        } @else {
            div.table-wrap tabindex="0" role="region" aria-label="回答をお願いしている質問" {
                table {
                    thead { tr { th { "冊子" } th { "質問" } th { "期限" } th { "状態" } } }
                    tbody {
                        @for m in &mine {
                            tr {
                                td { (m.edition) "年度" }
                                td { a href=(format!("/answers/{}/{}", m.edition, m.question)) { "【Q" (m.number) "】" (m.title) } }
                                td { (m.due.map(|d| d.to_string()).unwrap_or_default()) }
                                td { (status(m.status)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Html(page(&state, &user, Page::new("回答", "answers"), body)))
}

/// The edition, the respondent `user` is in it, their answer and the comments to them —
/// NotFound for a question not assigned to them (no hint that it exists).
async fn mine(
    state: &AppState,
    user: &User,
    edition: i32,
    q: u32,
) -> Result<(Stored, u32, Option<AnswerRow>, Vec<BookletComment>)> {
    let me = user.name().to_string();
    run(state, move |db| {
        let stored = workflow::load(db, edition)?;
        let r = stored.edition.respondent_of(&me).map(|r| r.id);
        let assigned = r
            .filter(|r| stored.edition.question(q).is_some_and(|(_, x)| x.assigned.iter().any(|a| a.respondent == *r)));
        let Some(r) = assigned.filter(|_| !stored.published) else {
            return Err(booklet::Error::NotFound("not assigned".into()));
        };
        let (qi, ri) = (i32::try_from(q).unwrap_or(i32::MAX), i32::try_from(r).unwrap_or(i32::MAX));
        let answer = db.booklet_answer(edition, qi, ri)?;
        let comments =
            db.booklet_comments(edition)?.into_iter().filter(|c| c.question == qi && c.respondent == ri).collect();
        Ok((stored, r, answer, comments))
    })
    .await
}

pub async fn show(
    State(state): State<AppState>,
    user: User,
    Path((e, q)): Path<(String, u32)>,
) -> Result<Html<String>> {
    let edition = edition_of(&e)?;
    let (stored, _, answer, comments) = mine(&state, &user, edition, q).await?;
    let ed = &stored.edition;
    let (n, question) = ed.question(q).ok_or(Error::NotFound)?;
    let snapshot = snapshot_of(&state, ed).await?;
    let mut shown = Vec::new();
    for ev in &question.evidence {
        shown.push(evidence(&state, &snapshot, ed, ev, false).await);
    }
    let s = AnswerStatus::of(answer.as_ref());
    let writable = matches!(s, AnswerStatus::Assigned | AnswerStatus::Drafted | AnswerStatus::Returned);
    let action = format!("/answers/{edition}/{q}");
    let body = html! {
        p { a href="/answers" { "← 回答をお願いしている質問" } }
        h1 { "【Q" (n) "】" (question.title) }
        (rich(&question.body))
        @if !shown.is_empty() { h2 { "根拠" } @for m in &shown { (m) } }
        @if !comments.is_empty() {
            h2 { "会員委員会からのコメント" }
            ul { @for c in &comments { li { (c.written_at.get(..10).unwrap_or(&c.written_at)) ": " (c.body) } } }
        }
        h2 { "あなたの回答 " (status(s)) }
        @if writable {
            (answer_form(&user, &action, answer.as_ref().map_or("", |a| a.answer.as_str()), answer.as_ref().map_or(0, |a| a.version), OPS, false))
        } @else {
            @if let Some(a) = &answer { div.saved { (rich(&a.answer)) } }
            p.muted { "提出済みの回答は変更できません。直したいときは会員委員会に差し戻しを依頼してください。" }
        }
    };
    Ok(Html(page(&state, &user, Page::new(format!("【Q{n}】{}", question.title), "answers"), body)))
}

pub async fn save(
    State(state): State<AppState>,
    user: User,
    Path((e, q)): Path<(String, u32)>,
    Form(f): Form<Fields>,
) -> Result<Response> {
    let form = AnswerForm::read(&user, &f)?;
    let edition = edition_of(&e)?;
    let (_, r, _, _) = mine(&state, &user, edition, q).await?;
    let action = match form.op.as_str() {
        "draft" => AnswerAction::Draft,
        "submit" => AnswerAction::Submit,
        _ => return Err(Error::Forbidden),
    };
    // A respondent acts as a respondent, whatever else the account may be.
    let who = Who { committee: false, ..Who::of(&user) };
    let saved = save_answer(&state, who, edition, (q, r), &form, action).await?;
    let back = format!("/answers/{edition}/{q}");
    Ok(saved_or_conflict(&state, &user, saved, &back, &form.text, OPS, "answers"))
}
