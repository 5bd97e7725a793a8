//! One question for the committee: its text, its evidence drawn as the booklet will show it,
//! who answers it and by when, what became of it; and a question started from a chart of
//! the アンケート page (「この結果から質問を作る」) with that chart's metric as its evidence.

use std::collections::BTreeMap;

use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use booklet::edition::{Assignment, Edition, Evidence, Followup, Question, QuestionRef};
use booklet::workflow;
use maud::html;

use super::common::{EditorWrite, Fields, Who, edition_of, evidence, field, hidden, load, run, snapshot_of};
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::Page;
use crate::pages::{Params, page};
use crate::state::AppState;

pub async fn show(
    State(state): State<AppState>,
    user: User,
    Path((e, q)): Path<(String, u32)>,
) -> Result<Html<String>> {
    user.require_booklet_editor()?;
    let stored = load(&state, edition_of(&e)?).await?;
    let ed = &stored.edition;
    let (n, question) = ed.question(q).ok_or(Error::NotFound)?;
    let section = ed.sections.iter().find(|s| s.questions.iter().any(|x| x.id == q)).map_or(0, |s| s.id);
    let snapshot = snapshot_of(&state, ed).await?;
    let mut shown = Vec::new();
    for ev in &question.evidence {
        shown.push(evidence(&state, &snapshot, ed, ev, true).await);
    }
    let v = stored.version;
    let frozen = stored.published;
    let action = format!("/booklet/{}/q/{q}", ed.edition);
    let metrics: Vec<&queries::MetricDef> =
        queries::catalog().into_iter().filter(|d| d.audiences.contains(&booklet::evidence::AUDIENCE)).collect();
    let body = html! {
        p { a href=(format!("/booklet/{}#questions", ed.edition)) { "← " (ed.edition) "年度の冊子" } }
        h1 { "【Q" (n) "】" (question.title) }
        @if let Some(p) = question.previous { p.muted { (p.edition) "年度の冊子の質問 " (p.question) " の続き" } }
        (super::common::rich(&question.body))
        p { "その後の状況: " (question.followup.ja()) }
        h2 { "根拠" }
        @if question.evidence.is_empty() { p.muted { "根拠はまだありません。" } }
        @for (i, (ev, m)) in question.evidence.iter().zip(&shown).enumerate() {
            section.evidence {
                (m)
                @if !frozen {
                    form.inline method="post" action=(action) {
                        (hidden(&user, v))
                        input type="hidden" name="op" value="evidence_delete";
                        input type="hidden" name="index" value=(i);
                        button type="submit" { "この根拠を外す" }
                    }
                }
                @if let Evidence::Metric { metric, by, params, .. } = ev {
                    p.muted { "指標とパラメータ: " code { (metric) @if !by.is_empty() { " by=" (by) } " " (params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")) } }
                }
            }
        }
        h2 { "回答者" }
        ul {
            @for a in &question.assigned {
                @if let Some(r) = ed.respondent(a.respondent) {
                    li {
                        a href=(format!("/booklet/{}/answer/{q}/{}", ed.edition, r.id)) { (r.name) " " (r.title) }
                        @if let Some(d) = a.due { "（期限 " (d) "）" }
                        @if !frozen {
                            form.inline method="post" action=(action) {
                                (hidden(&user, v))
                                input type="hidden" name="op" value="unassign";
                                input type="hidden" name="respondent" value=(r.id);
                                button type="submit" { "割り当てを外す" }
                            }
                        }
                    }
                }
            }
        }
        @if frozen {
            h2 { "その後の状況" }
            (followup_form(&user, &action, v, question.followup))
        } @else {
            form.grid method="post" action=(action) {
                (hidden(&user, v))
                input type="hidden" name="op" value="assign";
                label { "回答者" select name="respondent" { @for r in &ed.respondents { option value=(r.id) { (r.name) " " (r.title) } } } }
                label { "期限" input type="date" name="due"; }
                button type="submit" { "割り当てる" }
            }
            h2 { "質問を編集" }
            form.grid method="post" action=(action) {
                (hidden(&user, v))
                input type="hidden" name="op" value="question_save";
                label { "章" select name="section" { @for s in &ed.sections { option value=(s.id) selected[s.id == section] { (s.title) } } } }
                label.wide { "題" input type="text" name="title" value=(question.title) required maxlength="200"; }
                label.wide { "質問文" textarea name="body" rows="5" required { (question.body) } }
                label { "前回の冊子の年度" input type="number" name="previous_edition" value=(question.previous.map(|p| p.edition.to_string()).unwrap_or_default()); }
                label { "前回の質問ID" input type="number" name="previous_question" value=(question.previous.map(|p| p.question.to_string()).unwrap_or_default()); }
                label { "その後の状況" select name="followup" { @for f in Followup::ALL { option value=(f.key()) selected[f == question.followup] { (f.ja()) } } } }
                button type="submit" { "保存" }
            }
            h3 { "指標を根拠に加える" }
            form.grid method="post" action=(action) {
                (hidden(&user, v))
                input type="hidden" name="op" value="evidence_metric";
                label.wide { "指標" select name="metric" { @for d in &metrics { option value=(d.name) { (d.title_ja) "（" (d.name) "）" } } } }
                label { "区分（by）" input type="text" name="by" placeholder="空でよい"; }
                label.wide { "パラメータ" input type="text" name="params" placeholder="question=Q03; fiscal_year=2025"; }
                label.wide { "見出し" input type="text" name="caption" maxlength="200"; }
                button type="submit" { "加える" }
            }
            h3 { "自由記述を引用する" }
            p.muted { "アンケートのページの「用例を見る（KWIC）」から、だれが書いたか分かる部分を除いて写してください。" }
            form.grid method="post" action=(action) {
                (hidden(&user, v))
                input type="hidden" name="op" value="evidence_quote";
                label.wide { "引用" textarea name="text" rows="3" required maxlength="2000" {} }
                label.wide { "出典" input type="text" name="source" placeholder="2025年度 Q06「オンライン配信」"; }
                button type="submit" { "加える" }
            }
            h3 { "並べ替え・削除" }
            form.inline method="post" action=(action) {
                (hidden(&user, v))
                button type="submit" name="op" value="move_up" { "前へ" }
                button type="submit" name="op" value="move_down" { "後へ" }
                button type="submit" name="op" value="question_delete" { "この質問を削除" }
            }
        }
    };
    Ok(Html(page(&state, &user, Page::new(format!("【Q{n}】{}", question.title), "booklet"), body)))
}

fn followup_form(user: &User, action: &str, v: i64, current: Followup) -> maud::Markup {
    html! {
        form.grid method="post" action=(action) {
            (hidden(user, v))
            input type="hidden" name="op" value="followup";
            label { "その後の状況" select name="followup" { @for f in Followup::ALL { option value=(f.key()) selected[f == current] { (f.ja()) } } } }
            button type="submit" { "記録する" }
        }
    }
}

pub async fn apply(
    State(state): State<AppState>,
    user: User,
    Path((e, q)): Path<(String, u32)>,
    Form(f): Form<Fields>,
) -> Result<Response> {
    let EditorWrite { edition, version, who } = EditorWrite::check(&user, &e, &f)?;
    let op = field(&f, "op").to_string();
    if op == "followup" {
        let followup = Followup::parse(field(&f, "followup"))
            .ok_or_else(|| Error::BadRequest("その後の状況を選んでください".into()))?;
        run(&state, move |db| workflow::set_followup(db, edition, q, followup, &who.actor())).await?;
        return Ok(Redirect::to(&format!("/booklet/{edition}/q/{q}")).into_response());
    }
    let action = match op.as_str() {
        "evidence_metric" | "evidence_quote" | "evidence_delete" => "evidence",
        "assign" | "unassign" => "assignment",
        _ => "question",
    };
    let detail = format!("Q{q} {op}");
    let deleted = op == "question_delete";
    run(&state, move |db| {
        workflow::change(db, edition, version, &who.actor(), action, &detail, |e| edit(e, q, &op, &f))
    })
    .await?;
    let to = if deleted { format!("/booklet/{edition}#questions") } else { format!("/booklet/{edition}/q/{q}") };
    Ok(Redirect::to(&to).into_response())
}

fn bad(m: impl Into<String>) -> booklet::Error {
    booklet::Error::Invalid(m.into())
}

/// `question=Q03; fiscal_year=2025`
fn params(text: &str) -> booklet::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for part in text.split([';', '；', '&']).map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) =
            part.split_once('=').ok_or_else(|| bad(format!("パラメータ「{part}」は 名前=値 の形で書いてください")))?;
        out.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(out)
}

/// One change to question `q`, from the form's fields.
fn edit(e: &mut Edition, q: u32, op: &str, f: &Fields) -> booklet::Result<()> {
    let text = |name: &str| field(f, name).to_string();
    let num = |name: &str| -> booklet::Result<u32> {
        let v = field(f, name);
        v.parse().map_err(|_| bad(format!("「{v}」は数字ではありません")))
    };
    let (si, qi) = e
        .sections
        .iter()
        .enumerate()
        .find_map(|(si, s)| s.questions.iter().position(|x| x.id == q).map(|qi| (si, qi)))
        .ok_or_else(|| booklet::Error::NotFound(format!("質問 {q} はありません")))?;
    match op {
        "question_save" => {
            let section = num("section")?;
            let previous = match (field(f, "previous_edition"), field(f, "previous_question")) {
                ("", "") => None,
                _ => {
                    Some(QuestionRef { edition: num("previous_edition")? as i32, question: num("previous_question")? })
                }
            };
            let question = &mut e.sections[si].questions[qi];
            question.title = text("title");
            question.body = text("body");
            question.previous = previous;
            question.followup = Followup::parse(field(f, "followup")).unwrap_or(question.followup);
            if e.sections[si].id != section {
                let moved = e.sections[si].questions.remove(qi);
                let to = e.sections.iter_mut().find(|s| s.id == section).ok_or_else(|| bad("その章はありません"))?;
                to.questions.push(moved);
            }
        }
        "question_delete" => {
            e.sections[si].questions.remove(qi);
        }
        "move_up" | "move_down" => {
            let qs = &mut e.sections[si].questions;
            let to = if op == "move_up" { qi.checked_sub(1) } else { Some(qi + 1).filter(|t| *t < qs.len()) };
            if let Some(t) = to {
                qs.swap(qi, t);
            }
        }
        "evidence_metric" => {
            let ev = Evidence::Metric {
                metric: text("metric"),
                by: text("by"),
                params: params(field(f, "params"))?,
                caption: text("caption"),
            };
            booklet::evidence::check(&ev).map_err(bad)?;
            e.sections[si].questions[qi].evidence.push(ev);
        }
        "evidence_quote" => {
            let ev = Evidence::Quote { text: text("text"), source: text("source") };
            booklet::evidence::check(&ev).map_err(bad)?;
            e.sections[si].questions[qi].evidence.push(ev);
        }
        "evidence_delete" => {
            let i = num("index")? as usize;
            let ev = &mut e.sections[si].questions[qi].evidence;
            if i >= ev.len() {
                return Err(bad("その根拠はありません"));
            }
            ev.remove(i);
        }
        "assign" => {
            let respondent = num("respondent")?;
            let due = match field(f, "due") {
                "" => None,
                d => Some(model::dates::parse(d).map_err(|err| bad(format!("期限: {}", err.ja)))?),
            };
            let question = &mut e.sections[si].questions[qi];
            match question.assigned.iter_mut().find(|a| a.respondent == respondent) {
                Some(a) => a.due = due,
                None => question.assigned.push(Assignment { respondent, due }),
            }
        }
        "unassign" => {
            let respondent = num("respondent")?;
            e.sections[si].questions[qi].assigned.retain(|a| a.respondent != respondent);
        }
        _ => return Err(bad(format!("操作「{op}」はありません"))),
    }
    Ok(())
}

/// 「この結果から質問を作る」: the form for a new question with a chart's metric as evidence.
pub async fn from_chart(
    State(state): State<AppState>,
    user: User,
    Query(params): Query<Params>,
) -> Result<Html<String>> {
    user.require_booklet_editor()?;
    let metric = params.get("metric").cloned().unwrap_or_default();
    let by = params.get("by").cloned().unwrap_or_default();
    let kept: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "metric" | "by"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let ev = Evidence::Metric {
        metric: metric.clone(),
        by: by.clone(),
        params: kept.iter().cloned().collect(),
        caption: String::new(),
    };
    booklet::evidence::check(&ev).map_err(Error::BadRequest)?;
    let drafts: Vec<workflow::Stored> =
        run(&state, |db| Ok(workflow::list(db)?.into_iter().filter(|s| !s.published).collect())).await?;
    let body = html! {
        h1 { "この結果から質問を作る" }
        p {
            "根拠: " (queries::find(&metric).map_or("", |d| d.title_ja)) " "
            code { (metric) " " (kept.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")) }
        }
        @if drafts.is_empty() {
            p.note { "作成中の冊子がありません。先に " a href="/booklet#new" { "冊子を作成" } " してください。" }
        } @else {
            form.grid method="post" action="/booklet/new-question" {
                input type="hidden" name="csrf" value=(user.session.csrf);
                input type="hidden" name="metric" value=(metric);
                input type="hidden" name="by" value=(by);
                input type="hidden" name="params" value=(kept.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "));
                label { "冊子と章"
                    select name="target" {
                        @for s in &drafts { @for sec in &s.edition.sections {
                            option value=(format!("{}:{}:{}", s.edition.edition, sec.id, s.version)) { (s.edition.edition) "年度 — " (sec.title) }
                        } }
                    }
                }
                label.wide { "題" input type="text" name="title" required maxlength="200"; }
                label.wide { "質問文" textarea name="body" rows="4" required {} }
                button type="submit" { "質問を作る" }
            }
        }
    };
    Ok(Html(page(&state, &user, Page::new("この結果から質問を作る", "booklet"), body)))
}

pub async fn create_from_chart(State(state): State<AppState>, user: User, Form(f): Form<Fields>) -> Result<Response> {
    user.require_booklet_editor()?;
    user.check_csrf(field(&f, "csrf"))?;
    let target: Vec<&str> = field(&f, "target").split(':').collect();
    let [edition, section, version] = target[..] else {
        return Err(Error::BadRequest("冊子と章を選んでください".into()));
    };
    let (edition, section, version): (i32, u32, i64) = (
        edition.parse().map_err(|_| Error::NotFound)?,
        section.parse().map_err(|_| Error::NotFound)?,
        version.parse().map_err(|_| Error::NotFound)?,
    );
    let ev = Evidence::Metric {
        metric: field(&f, "metric").into(),
        by: field(&f, "by").into(),
        params: params(field(&f, "params"))?,
        caption: String::new(),
    };
    let (title, body) = (field(&f, "title").to_string(), field(&f, "body").to_string());
    let who = Who::of(&user);
    let id = run(&state, move |db| {
        let mut id = 0;
        workflow::change(db, edition, version, &who.actor(), "question", "from a chart", |e| {
            id = e.next_question_id();
            let s = e.sections.iter_mut().find(|s| s.id == section).ok_or_else(|| bad("その章はありません"))?;
            s.questions.push(Question {
                id,
                title,
                body,
                evidence: vec![ev],
                assigned: Vec::new(),
                previous: None,
                followup: Followup::Open,
            });
            Ok(())
        })?;
        Ok(id)
    })
    .await?;
    Ok(Redirect::to(&format!("/booklet/{edition}/q/{id}")).into_response())
}
