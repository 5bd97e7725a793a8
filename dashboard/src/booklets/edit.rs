//! One edition's page for the committee: where every answer stands, the files, and the forms
//! that change the edition — settings, はじめに, sections and questions, respondents,
//! notices, the roster — each a new version, refused when made on a stale one.

use axum::extract::{Form, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use booklet::edition::{Edition, Foreword, Notice, Question, Respondent, RosterMember, Section};
use booklet::workflow::{self, AnswerStatus};
use maud::{Markup, html};

use super::common::{EditorWrite, Fields, edition_of, field, hidden, run, status};
use crate::auth::Role;
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::Page;
use crate::pages::page;
use crate::state::AppState;

pub async fn show(State(state): State<AppState>, user: User, Path(e): Path<String>) -> Result<Html<String>> {
    user.require_booklet_editor()?;
    let edition = edition_of(&e)?;
    let (stored, answers, history, accounts) = run(&state, move |db| {
        let stored = workflow::load(db, edition)?;
        let answers = workflow::answers(db, edition)?;
        let history = db.booklet_history(edition)?;
        let accounts: Vec<String> = db
            .accounts()?
            .into_iter()
            .filter(|a| a.role == Role::Respondent.name() && !a.disabled)
            .map(|a| a.username)
            .collect();
        Ok((stored, answers, history, accounts))
    })
    .await?;
    let today = chrono::Local::now().date_naive();
    let progress = booklet::status::progress(&stored.edition, &answers, today);
    let counts = booklet::status::counts(&progress);
    let e = &stored.edition;
    let v = stored.version;
    let frozen = stored.published;
    let body = html! {
        p { a href="/booklet" { "← 冊子の一覧" } }
        h1 { (e.edition) "年度「" (e.title) "」" }
        p.lead {
            @if frozen { "公開済み（第" (v) "版）。内容は変えられません。" }
            @else { "作成中（第" (v) "版、" (stored.changed_by) " が " (stored.changed_at.get(..16).unwrap_or(&stored.changed_at)) " に更新）。" }
            " " (e.survey_year) "年度のアンケートに答えます。数値は " (e.as_of) " 時点、ロード " (e.at_load) " までのデータです。"
        }
        p {
            a href=(format!("/booklet/{}/preview", e.edition)) { "プレビュー" } " ・ "
            a href=(format!("/booklet/{}/booklet.pdf", e.edition)) { "PDF" } " ・ "
            a href=(format!("/booklet/{}/booklet.html", e.edition)) { "HTML" } " ・ "
            a href=(format!("/booklet/{}/export.xlsx", e.edition)) { "Excel に書き出す" }
        }
        h2 id="progress" { "回答の進み具合" }
        p { @for (s, n) in &counts { (status(*s)) " " (n) "　" } }
        div.table-wrap tabindex="0" role="region" aria-label="回答の進み具合" {
            table {
                thead { tr { th { "質問" } th { "回答者" } th { "状態" } th.num { "版" } th { "期限" } th { "最終更新" } th {} } }
                tbody {
                    @for p in &progress {
                        tr {
                            td { "【Q" (p.number) "】" (p.title) }
                            td { (p.name) }
                            td { (status(p.status)) @if p.late { " " span.status.warn { "期限超過" } } }
                            td.num { (p.version) }
                            td { (p.due.map(|d| d.to_string()).unwrap_or_default()) }
                            td { (p.changed_by) " " (p.changed_at.get(..16).unwrap_or(&p.changed_at)) }
                            td { a href=(format!("/booklet/{}/answer/{}/{}", e.edition, p.question, p.respondent)) { "開く" } }
                        }
                    }
                }
            }
        }
        @if !frozen {
            @let all_approved = !progress.is_empty() && progress.iter().all(|p| p.status == AnswerStatus::Approved);
            form method="post" action=(format!("/booklet/{}/publish", e.edition)) {
                (hidden(&user, v))
                button type="submit" disabled[!all_approved] { "公開する（以後は変更できません）" }
                @if !all_approved { " " span.muted { "すべての回答が承認されると公開できます。" } }
            }
            h2 id="import" { "Excel から回答を取り込む" }
            p.muted { "回答者ごとに書き出したファイル（下の「回答者」から）にメールで届いた回答を書き入れて、取り込みます。質問文が変わっていたり、書き出した後に回答が変わっていたりすると、行を示して断ります。" }
            form method="post" action=(format!("/booklet/{}/import", e.edition)) enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(user.session.csrf);
                label { "ファイル（.xlsx）" input type="file" name="file" accept=".xlsx" required; }
                button type="submit" { "取り込む" }
            }
        }
        h2 id="questions" { "章と質問" }
        @for s in &e.sections {
            h3 { (s.title) }
            ul.questions {
                @for q in &s.questions {
                    @let n = e.question(q.id).map_or(0, |(n, _)| n);
                    li { a href=(format!("/booklet/{}/q/{}", e.edition, q.id)) { "【Q" (n) "】" (q.title) } }
                }
            }
            @if !frozen { (section_forms(&user, e, s, v)) }
        }
        @if !frozen {
            (add_forms(&user, e, v))
            h2 id="settings" { "冊子の設定" }
            (settings_form(&user, e, v))
            h2 id="forewords" { "はじめに" }
            p.muted { "本文には {{survey.rate}} などの差し込み項目が使えます（docs/booklet.md）。" }
            @for (i, f) in e.forewords.iter().enumerate() { (foreword_form(&user, e.edition, v, Some(i), f)) }
            (foreword_form(&user, e.edition, v, None, &Foreword { heading: String::new(), body: String::new() }))
            h2 id="respondents" { "回答者" }
            p.muted { "メールで回答する人には、その人の質問だけの Excel を送り、書き入れて返してもらったファイルを上の「Excel から回答を取り込む」で取り込みます。" }
            @for r in &e.respondents {
                details {
                    summary {
                        (r.name) " " (r.title) "（" (r.committee) "）"
                        @if let Some(a) = &r.account { " — アカウント " (a) }
                    }
                    p { a href=(format!("/booklet/{}/export.xlsx?respondent={}", e.edition, r.id)) { "この回答者の質問を Excel に書き出す" } }
                    (respondent_form(&user, e.edition, v, Some(r), &accounts))
                }
            }
            h3 { "回答者を加える" }
            (respondent_form(&user, e.edition, v, None, &accounts))
            h2 id="notices" { "重要なお知らせ" }
            @for n in &e.notices { (notice_form(&user, e, v, Some(n))) }
            (notice_form(&user, e, v, None))
            h2 id="roster" { "委員名簿" }
            (roster_form(&user, e, v))
        }
        h2 id="history" { "変更の履歴" }
        div.table-wrap tabindex="0" role="region" aria-label="変更の履歴" {
            table {
                thead { tr { th.num { "版" } th { "だれが" } th { "いつ" } th { "何を" } } }
                tbody {
                    @for h in history.iter().rev() {
                        tr { td.num { (h.version) } td { (h.changed_by) } td { (h.changed_at) } td { (change_label(&h.action)) " " (h.detail) } }
                    }
                }
            }
        }
    };
    Ok(Html(page(&state, &user, Page::new(format!("冊子 {}年度", e.edition), "booklet"), body)))
}

/// What a change in the history was, in words.
fn change_label(action: &str) -> &str {
    match action {
        "created" => "作成",
        "imported" => "Excel から作成",
        "published" => "公開",
        "followup" => "その後の状況",
        "settings" => "設定",
        "section" => "章",
        "question" => "質問",
        "evidence" => "根拠",
        "assignment" => "回答者の割り当て",
        "respondent" => "回答者",
        "notice" => "お知らせ",
        "roster" => "委員名簿",
        "foreword" => "はじめに",
        other => other,
    }
}

fn form_start(user: &User, edition: i32, version: i64, op: &str) -> Markup {
    html! {
        (hidden(user, version))
        input type="hidden" name="op" value=(op);
        input type="hidden" name="edition" value=(edition);
    }
}

fn section_forms(user: &User, e: &Edition, s: &Section, v: i64) -> Markup {
    html! {
        details {
            summary { "「" (s.title) "」を編集" }
            form.grid method="post" action=(format!("/booklet/{}/edit", e.edition)) {
                (form_start(user, e.edition, v, "section_save"))
                input type="hidden" name="section" value=(s.id);
                label.wide { "章の題" input type="text" name="title" value=(s.title) required maxlength="200"; }
                button type="submit" { "保存" }
            }
            @if s.questions.is_empty() {
                form method="post" action=(format!("/booklet/{}/edit", e.edition)) {
                    (form_start(user, e.edition, v, "section_delete"))
                    input type="hidden" name="section" value=(s.id);
                    button type="submit" { "この章を削除" }
                }
            }
        }
    }
}

fn add_forms(user: &User, e: &Edition, v: i64) -> Markup {
    html! {
        h3 { "質問を加える" }
        @if e.sections.is_empty() {
            p.muted { "先に章を加えてください。" }
        } @else {
            form.grid method="post" action=(format!("/booklet/{}/edit", e.edition)) {
                (form_start(user, e.edition, v, "question_add"))
                label { "章" select name="section" { @for s in &e.sections { option value=(s.id) { (s.title) } } } }
                label.wide { "題" input type="text" name="title" required maxlength="200"; }
                label.wide { "質問文" textarea name="body" rows="4" required {} }
                button type="submit" { "質問を加える" }
            }
        }
        h3 { "章を加える" }
        form.grid method="post" action=(format!("/booklet/{}/edit", e.edition)) {
            (form_start(user, e.edition, v, "section_add"))
            label.wide { "章の題" input type="text" name="title" required maxlength="200" placeholder="学会活動全般"; }
            button type="submit" { "章を加える" }
        }
    }
}

fn settings_form(user: &User, e: &Edition, v: i64) -> Markup {
    html! {
        form.grid method="post" action=(format!("/booklet/{}/edit", e.edition)) {
            (form_start(user, e.edition, v, "settings"))
            label.wide { "表題" input type="text" name="title" value=(e.title) required maxlength="200"; }
            label.wide { "副題" input type="text" name="subtitle" value=(e.subtitle) maxlength="200"; }
            label { "作成日（表示）" input type="text" name="made" value=(e.made) maxlength="200"; }
            label { "作成者" input type="text" name="author" value=(e.author) maxlength="200"; }
            label { "アンケートの年度" input type="number" name="survey_year" value=(e.survey_year) min="1900" max="2100"; }
            label { "数値の基準日" input type="date" name="as_of" value=(e.as_of.to_string()); }
            label { "ロード" input type="number" name="at_load" value=(e.at_load) min="1"; }
            label.wide { "委員名簿の題" input type="text" name="roster_title" value=(e.roster_title) maxlength="200"; }
            button type="submit" { "保存" }
        }
    }
}

fn foreword_form(user: &User, edition: i32, v: i64, index: Option<usize>, f: &Foreword) -> Markup {
    html! {
        form.grid method="post" action=(format!("/booklet/{edition}/edit")) {
            (form_start(user, edition, v, if index.is_some() { "foreword_save" } else { "foreword_add" }))
            @if let Some(i) = index { input type="hidden" name="index" value=(i); }
            label.wide { "見出し" input type="text" name="heading" value=(f.heading) maxlength="200" placeholder="<理事長より>"; }
            label.wide { "本文" textarea name="body" rows="5" { (f.body) } }
            button type="submit" { @if index.is_some() { "保存" } @else { "節を加える" } }
            @if index.is_some() { button type="submit" name="delete" value="1" { "削除" } }
        }
    }
}

fn respondent_form(user: &User, edition: i32, v: i64, r: Option<&Respondent>, accounts: &[String]) -> Markup {
    let account = r.and_then(|r| r.account.clone()).unwrap_or_default();
    html! {
        form.grid method="post" action=(format!("/booklet/{edition}/edit")) {
            (form_start(user, edition, v, if r.is_some() { "respondent_save" } else { "respondent_add" }))
            @if let Some(r) = r { input type="hidden" name="respondent" value=(r.id); }
            label { "氏名" input type="text" name="name" value=(r.map(|r| r.name.as_str()).unwrap_or("")) required maxlength="200"; }
            label { "役職" input type="text" name="title" value=(r.map(|r| r.title.as_str()).unwrap_or("")) maxlength="200" placeholder="会員委員長"; }
            label { "委員会" input type="text" name="committee" value=(r.map(|r| r.committee.as_str()).unwrap_or("")) maxlength="200"; }
            label { "回答するアカウント"
                select name="account" {
                    option value="" selected[account.is_empty()] { "なし（メールで回答）" }
                    @for a in accounts { option value=(a) selected[*a == account] { (a) } }
                }
            }
            button type="submit" { @if r.is_some() { "保存" } @else { "回答者を加える" } }
        }
    }
}

fn notice_form(user: &User, e: &Edition, v: i64, n: Option<&Notice>) -> Markup {
    let after = n.and_then(|n| n.after);
    html! {
        form.grid method="post" action=(format!("/booklet/{}/edit", e.edition)) {
            (form_start(user, e.edition, v, if n.is_some() { "notice_save" } else { "notice_add" }))
            @if let Some(n) = n { input type="hidden" name="notice" value=(n.id); }
            label.wide { "題" input type="text" name="title" value=(n.map(|n| n.title.as_str()).unwrap_or("")) required maxlength="200"; }
            label.wide { "本文" textarea name="body" rows="4" { (n.map(|n| n.body.as_str()).unwrap_or("")) } }
            label { "置く場所"
                select name="after" {
                    option value="" selected[after.is_none()] { "最後の章の後" }
                    @for (num, _, q) in e.numbered() { option value=(q.id) selected[after == Some(q.id)] { "【Q" (num) "】の後" } }
                }
            }
            button type="submit" { @if n.is_some() { "保存" } @else { "お知らせを加える" } }
            @if n.is_some() { button type="submit" name="delete" value="1" { "削除" } }
        }
    }
}

fn roster_form(user: &User, e: &Edition, v: i64) -> Markup {
    let lines: Vec<String> = e.roster.iter().map(|m| format!("{}, {}, {}", m.role, m.name, m.affiliation)).collect();
    html! {
        form.grid method="post" action=(format!("/booklet/{}/edit", e.edition)) {
            (form_start(user, e.edition, v, "roster"))
            label.wide { "一行に一人: 役, 氏名, 所属" textarea name="roster" rows="8" { (lines.join("\n")) } }
            button type="submit" { "保存" }
        }
    }
}

/// Applies one form of the edition page as a new version.
pub async fn apply(
    State(state): State<AppState>,
    user: User,
    Path(e): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response> {
    let EditorWrite { edition, version, who } = EditorWrite::check(&user, &e, &f)?;
    let op = field(&f, "op").to_string();
    let deleting = field(&f, "delete") == "1";
    let (action, anchor) = match op.as_str() {
        "settings" => ("settings", "settings"),
        "section_add" | "section_save" | "section_delete" | "question_add" => ("section", "questions"),
        "foreword_add" | "foreword_save" => ("foreword", "forewords"),
        "respondent_add" | "respondent_save" => ("respondent", "respondents"),
        "notice_add" | "notice_save" => ("notice", "notices"),
        "roster" => ("roster", "roster"),
        _ => return Err(Error::BadRequest(format!("操作「{op}」はありません"))),
    };
    let action = if op == "question_add" { "question" } else { action };
    let detail = op.clone();
    let adding = op == "question_add";
    // The new question's id is the one the change gives it, read inside the same transaction.
    let new_question = run(&state, move |db| {
        let mut id = None;
        workflow::change(db, edition, version, &who.actor(), action, &detail, |e| {
            id = adding.then(|| e.next_question_id());
            edit(e, &op, &f, deleting)
        })?;
        Ok(id)
    })
    .await?;
    let to = match new_question {
        Some(q) => format!("/booklet/{edition}/q/{q}"),
        None => format!("/booklet/{edition}#{anchor}"),
    };
    Ok(Redirect::to(&to).into_response())
}

fn bad(m: impl Into<String>) -> booklet::Error {
    booklet::Error::Invalid(m.into())
}

fn num<T: std::str::FromStr>(f: &Fields, name: &str) -> booklet::Result<T> {
    let v = field(f, name);
    v.parse().map_err(|_| bad(format!("「{v}」は数字ではありません（{name}）")))
}

/// One change to the edition, from the form's fields.
fn edit(e: &mut Edition, op: &str, f: &Fields, deleting: bool) -> booklet::Result<()> {
    let text = |name: &str| field(f, name).to_string();
    match op {
        "settings" => {
            e.title = text("title");
            e.subtitle = text("subtitle");
            e.made = text("made");
            e.author = text("author");
            e.roster_title = text("roster_title");
            e.survey_year = num(f, "survey_year")?;
            e.at_load = num(f, "at_load")?;
            e.as_of = model::dates::parse(field(f, "as_of")).map_err(|err| bad(format!("基準日: {}", err.ja)))?;
        }
        "section_add" => {
            let id = Edition::next_id(e.sections.iter().map(|s| s.id));
            e.sections.push(Section { id, title: text("title"), questions: Vec::new() });
        }
        "section_save" | "section_delete" => {
            let id: u32 = num(f, "section")?;
            let i = e.sections.iter().position(|s| s.id == id).ok_or_else(|| bad("その章はありません"))?;
            if op == "section_delete" {
                if !e.sections[i].questions.is_empty() {
                    return Err(bad("質問のある章は削除できません"));
                }
                e.sections.remove(i);
            } else {
                e.sections[i].title = text("title");
            }
        }
        "question_add" => {
            let id = e.next_question_id();
            let section: u32 = num(f, "section")?;
            let s = e.sections.iter_mut().find(|s| s.id == section).ok_or_else(|| bad("その章はありません"))?;
            s.questions.push(Question {
                id,
                title: text("title"),
                body: text("body"),
                evidence: Vec::new(),
                assigned: Vec::new(),
                previous: None,
                followup: Default::default(),
            });
        }
        "foreword_add" => e.forewords.push(Foreword { heading: text("heading"), body: text("body") }),
        "foreword_save" => {
            let i: usize = num(f, "index")?;
            if i >= e.forewords.len() {
                return Err(bad("その節はありません"));
            }
            if deleting {
                e.forewords.remove(i);
            } else {
                e.forewords[i] = Foreword { heading: text("heading"), body: text("body") };
            }
        }
        "respondent_add" | "respondent_save" => {
            let account = Some(text("account")).filter(|a| !a.is_empty());
            let r =
                Respondent { id: 0, name: text("name"), title: text("title"), committee: text("committee"), account };
            if op == "respondent_add" {
                let id = Edition::next_id(e.respondents.iter().map(|r| r.id));
                e.respondents.push(Respondent { id, ..r });
            } else {
                let id: u32 = num(f, "respondent")?;
                let slot = e.respondents.iter_mut().find(|x| x.id == id).ok_or_else(|| bad("その回答者はいません"))?;
                *slot = Respondent { id, ..r };
            }
        }
        "notice_add" | "notice_save" => {
            let after = match field(f, "after") {
                "" => None,
                _ => Some(num(f, "after")?),
            };
            let n = Notice { id: 0, title: text("title"), body: text("body"), after };
            if op == "notice_add" {
                let id = Edition::next_id(e.notices.iter().map(|n| n.id));
                e.notices.push(Notice { id, ..n });
            } else {
                let id: u32 = num(f, "notice")?;
                let i = e.notices.iter().position(|x| x.id == id).ok_or_else(|| bad("そのお知らせはありません"))?;
                if deleting {
                    e.notices.remove(i);
                } else {
                    e.notices[i] = Notice { id, ..n };
                }
            }
        }
        "roster" => {
            e.roster = field(f, "roster")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| {
                    let parts: Vec<&str> = l.splitn(3, [',', '、', '，']).map(str::trim).collect();
                    RosterMember {
                        role: parts.first().copied().unwrap_or("").into(),
                        name: parts.get(1).copied().unwrap_or("").into(),
                        affiliation: parts.get(2).copied().unwrap_or("").into(),
                    }
                })
                .collect();
        }
        _ => return Err(bad(format!("操作「{op}」はありません"))),
    }
    Ok(())
}
