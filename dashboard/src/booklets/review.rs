//! One answer under review by the committee: the question and its evidence, every saved
//! version with who and when, the comments, and the form that edits, enters for the
//! respondent, sends back or approves — refused, with both texts shown, when someone saved
//! since the page was opened.

use axum::extract::{Form, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use booklet::workflow::{self, AnswerAction, AnswerStatus};
use maud::html;

use super::common::{
    AnswerForm, Fields, Who, answer_form, edition_of, evidence, rich, run, save_answer, saved_or_conflict, snapshot_of,
    status,
};
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::Page;
use crate::pages::page;
use crate::state::AppState;

/// The buttons of the committee's form.
const OPS: &[(&str, &str)] = &[
    ("edit", "編集を保存"),
    ("submit", "代わりに入力して提出"),
    ("return", "差し戻す"),
    ("approve", "承認する"),
    ("comment", "コメントだけ残す"),
];

pub async fn show(
    State(state): State<AppState>,
    user: User,
    Path((e, q, r)): Path<(String, u32, u32)>,
) -> Result<Html<String>> {
    user.require_booklet_editor()?;
    let edition = edition_of(&e)?;
    let (stored, history, comments) = run(&state, move |db| {
        let stored = workflow::load(db, edition)?;
        let (qi, ri) = (i32::try_from(q).unwrap_or(i32::MAX), i32::try_from(r).unwrap_or(i32::MAX));
        let history = db.booklet_answer_history(edition, qi, ri)?;
        let comments: Vec<store::BookletComment> =
            db.booklet_comments(edition)?.into_iter().filter(|c| c.question == qi && c.respondent == ri).collect();
        Ok((stored, history, comments))
    })
    .await?;
    let ed = &stored.edition;
    let (n, question) = ed.question(q).ok_or(Error::NotFound)?;
    let respondent =
        ed.respondent(r).filter(|_| question.assigned.iter().any(|a| a.respondent == r)).ok_or(Error::NotFound)?;
    let snapshot = snapshot_of(&state, ed).await?;
    let mut shown = Vec::new();
    for ev in &question.evidence {
        shown.push(evidence(&state, &snapshot, ed, ev, true).await);
    }
    let current = history.last();
    let action = format!("/booklet/{}/answer/{q}/{r}", ed.edition);
    let body = html! {
        p { a href=(format!("/booklet/{}#progress", ed.edition)) { "← " (ed.edition) "年度の冊子" } }
        h1 { "【Q" (n) "】" (question.title) " — " (respondent.name) " " (respondent.title) }
        (rich(&question.body))
        details { summary { "根拠（" (question.evidence.len()) "）" } @for m in &shown { (m) } }
        h2 { "回答 " (status(AnswerStatus::of(current))) }
        @if let Some(c) = current { div.saved { (rich(&c.answer)) } } @else { p.muted { "まだ回答がありません。" } }
        @if !stored.published {
            (answer_form(&user, &action, current.map_or("", |c| c.answer.as_str()), current.map_or(0, |c| c.version), OPS, true))
        }
        h2 { "コメント" }
        @if comments.is_empty() { p.muted { "コメントはありません。" } }
        ul { @for c in &comments { li { (c.written_by) "（" (c.written_at.get(..16).unwrap_or(&c.written_at)) "）: " (c.body) } } }
        h2 { "版の履歴" }
        @for h in history.iter().rev() {
            details {
                summary { "第" (h.version) "版 " (status(AnswerStatus::parse(&h.status).unwrap_or(AnswerStatus::Assigned))) " " (h.changed_by) " " (h.changed_at.get(..16).unwrap_or(&h.changed_at)) " — " (h.note) }
                (rich(&h.answer))
            }
        }
    };
    Ok(Html(page(&state, &user, Page::new(format!("【Q{n}】の回答"), "booklet"), body)))
}

pub async fn save(
    State(state): State<AppState>,
    user: User,
    Path((e, q, r)): Path<(String, u32, u32)>,
    Form(f): Form<Fields>,
) -> Result<Response> {
    user.require_booklet_editor()?;
    let form = AnswerForm::read(&user, &f)?;
    let edition = edition_of(&e)?;
    let who = Who::of(&user);
    let back = format!("/booklet/{edition}/answer/{q}/{r}");
    if form.op == "comment" {
        let body = form.comment.clone();
        run(&state, move |db| workflow::comment(db, edition, q, r, &body, &who.actor())).await?;
        return Ok(Redirect::to(&back).into_response());
    }
    let action = match form.op.as_str() {
        "edit" => AnswerAction::Edit,
        "submit" => AnswerAction::Submit,
        "return" => AnswerAction::Return(form.comment.clone()),
        "approve" => AnswerAction::Approve,
        "draft" => AnswerAction::Draft,
        _ => return Err(Error::BadRequest(format!("操作「{}」はありません", form.op))),
    };
    let saved = save_answer(&state, who, edition, (q, r), &form, action).await?;
    Ok(saved_or_conflict(&state, &user, saved, &back, &form.text, OPS, "booklet"))
}
