//! 冊子: the list of editions — each with its state and progress, the published ones to
//! download — and a new edition, empty or with last year's structure.

use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use booklet::edition::Edition;
use booklet::workflow::{self, AnswerStatus};
use maud::html;

use super::common::{Fields, Who, field, number, run};
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::Page;
use crate::pages::page;
use crate::state::AppState;

/// One edition as listed: (stored, approved answers, assigned answers).
type Listed = (workflow::Stored, usize, usize);

pub async fn list(State(state): State<AppState>, user: User) -> Result<Html<String>> {
    user.require_booklet_editor()?;
    let editions: Vec<Listed> = run(&state, |db| {
        workflow::list(db)?
            .into_iter()
            .map(|s| {
                let answers = workflow::answers(db, s.edition.edition)?;
                let assigned = s.edition.assignments();
                let total = assigned.len();
                let approved = assigned
                    .iter()
                    .filter(|(_, q, r, _)| AnswerStatus::of(answers.get(&(q.id, r.id))) == AnswerStatus::Approved)
                    .count();
                drop(assigned);
                Ok((s, approved, total))
            })
            .collect()
    })
    .await?;
    let snapshot = state.snapshot();
    let next = editions.first().map_or(2026, |(s, _, _)| s.edition.edition + 1);
    let default_as_of = snapshot.default_as_of().map(|d| d.to_string()).unwrap_or_default();
    let body = html! {
        h1 { "冊子「私の声は届いていますか？」" }
        p.lead {
            "会員アンケートの結果から質問をつくり、担当の委員長に回答していただき、冊子として会員に公開します。"
            "根拠の数値は、冊子の基準日とロードの時点のデータを理事会向けの秘匿で示します。"
        }
        @if editions.is_empty() {
            p.note { "冊子はまだありません。下の「新しい冊子」から作成してください。" }
        } @else {
            div.table-wrap tabindex="0" role="region" aria-label="冊子の一覧" {
                table {
                    caption { "冊子の一覧" }
                    thead { tr { th { "年度" } th { "表題" } th { "状態" } th.num { "版" } th.num { "質問" } th { "承認済みの回答" } th { "最終更新" } th { "ファイル" } } }
                    tbody {
                        @for (s, approved, assigned) in &editions {
                            @let e = &s.edition;
                            tr {
                                td { a href=(format!("/booklet/{}", e.edition)) { (e.edition) "年度" } }
                                td { (e.title) }
                                td { @if s.published { "公開済み" } @else { "作成中" } }
                                td.num { (s.version) }
                                td.num { (e.numbered().len()) }
                                td { (approved) " / " (assigned) }
                                td { (s.changed_by) "（" (s.changed_at.get(..16).unwrap_or(&s.changed_at)) "）" }
                                td {
                                    a href=(format!("/booklet/{}/booklet.pdf", e.edition)) { "PDF" } " "
                                    a href=(format!("/booklet/{}/booklet.html", e.edition)) { "HTML" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 id="new" { "新しい冊子" }
        form.grid method="post" action="/booklet" {
            input type="hidden" name="csrf" value=(user.session.csrf);
            label { "冊子の年度" input type="number" name="edition" min="1900" max="2100" value=(next) required; }
            label { "答えるアンケートの年度" input type="number" name="survey_year" min="1900" max="2100" value=(next - 1) required; }
            label { "数値の基準日" input type="date" name="as_of" value=(default_as_of) required; }
            label { "前年度の冊子から構成を写す"
                select name="copy_from" {
                    option value="" { "写さない（空の冊子）" }
                    @for (s, _, _) in &editions { option value=(s.edition.edition) { (s.edition.edition) "年度" } }
                }
            }
            button type="submit" { "作成する" }
        }
        p.muted { "数値は今のデータ（ロード " (snapshot.at_load) " まで）から読みます。写した質問は前年度の質問の続きになります。" }
    };
    Ok(Html(page(&state, &user, Page::new("冊子", "booklet"), body)))
}

pub async fn create(State(state): State<AppState>, user: User, Form(f): Form<Fields>) -> Result<Response> {
    user.require_booklet_editor()?;
    user.check_csrf(field(&f, "csrf"))?;
    let edition: i32 = number(&f, "edition", "冊子の年度")?;
    let survey_year: i32 = number(&f, "survey_year", "アンケートの年度")?;
    let as_of = crate::pages::model_date(field(&f, "as_of"))?;
    let copy_from = match field(&f, "copy_from") {
        "" => None,
        _ => Some(number::<i32>(&f, "copy_from", "写す冊子")?),
    };
    let at_load = state.snapshot().at_load;
    if at_load == 0 {
        return Err(Error::BadRequest("データがまだ読み込まれていません".into()));
    }
    let who = Who::of(&user);
    run(&state, move |db| match copy_from {
        Some(from) => workflow::copy(db, from, edition, survey_year, as_of, at_load, &who.actor()),
        None => {
            let mut e = Edition::new(edition, survey_year, as_of, at_load);
            e.made = format!("{}年{}月", as_of.format("%Y"), as_of.format("%-m"));
            workflow::create(db, &e, &who.actor())
        }
    })
    .await?;
    Ok(Redirect::to(&format!("/booklet/{edition}")).into_response())
}
