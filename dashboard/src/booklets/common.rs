//! What the 冊子 pages share: running the booklet workflow on the application database,
//! its errors as the server's, the actor of a request, the evidence of a question drawn as
//! the board sees it (at the edition's load), a form's fields, and the state labels.

use std::collections::HashMap;
use std::sync::Arc;

use booklet::edition::{Edition, Evidence};
use booklet::workflow::{Actor, AnswerStatus, Stored};
use maud::{Markup, html};
use queries::Snapshot;
use store::AppDb;

use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::{svg, table};
use crate::state::AppState;

impl From<booklet::Error> for Error {
    fn from(e: booklet::Error) -> Self {
        match e {
            booklet::Error::Invalid(m) | booklet::Error::File { message: m, .. } => Error::BadRequest(m),
            booklet::Error::Conflict(m) => Error::Conflict(m),
            booklet::Error::NotFound(_) => Error::NotFound,
            booklet::Error::Forbidden(_) => Error::Forbidden,
            booklet::Error::Metric(e) => Error::Metric(*e),
            booklet::Error::Store(e) => Error::Store(*e),
            booklet::Error::Report(e) => Error::Chart(*e),
            booklet::Error::Json(e) => Error::Internal(format!("booklet JSON: {e}")),
        }
    }
}

/// Who acts, owned, so that it can go to a blocking thread.
#[derive(Debug, Clone)]
pub struct Who {
    pub username: String,
    pub committee: bool,
    pub remote: String,
}

impl Who {
    pub fn of(user: &User) -> Who {
        Who { username: user.name().to_string(), committee: user.role().edits_booklets(), remote: user.addr.clone() }
    }

    pub fn actor(&self) -> Actor<'_> {
        Actor { username: &self.username, committee: self.committee, remote: &self.remote }
    }
}

/// Runs `f` on the application database on a blocking thread.
pub async fn run<T, F>(state: &AppState, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&AppDb) -> booklet::Result<T> + Send + 'static,
{
    // `state.db` speaks store errors; the booklet's own come back inside its result.
    state.db(move |db| Ok(f(db))).await?.map_err(Error::from)
}

/// The sample's booklets, over the sample just loaded, when the application database has
/// none: true when they were added.
pub async fn install_sample(state: &AppState) -> Result<bool> {
    let snapshot = state.snapshot();
    let all: Vec<i64> = snapshot.loads.iter().map(|l| l.load_id).collect();
    if !snapshot.any_sample(&all) {
        return Ok(false);
    }
    let at_load = snapshot.at_load;
    run(state, move |db| booklet::sample::install(db, at_load)).await
}

/// The latest version of an edition.
pub async fn load(state: &AppState, edition: i32) -> Result<Stored> {
    run(state, move |db| booklet::workflow::load(db, edition)).await
}

/// An edition number from the path.
pub fn edition_of(s: &str) -> Result<i32> {
    s.parse::<i32>().ok().filter(|y| (1900..=2100).contains(y)).ok_or(Error::NotFound)
}

/// A form's fields by name.
pub type Fields = HashMap<String, String>;

/// A field, trimmed ("" when absent).
pub fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map_or("", |s| s.trim())
}

/// A field that must be a number; its label names it in the message.
pub fn number<T: std::str::FromStr>(f: &Fields, name: &str, label: &str) -> Result<T> {
    let v = field(f, name);
    v.parse().map_err(|_| Error::BadRequest(format!("{label}「{v}」は数字で入力してください")))
}

/// The version a form was made on.
pub fn base(f: &Fields) -> Result<i64> {
    number(f, "version", "版")
}

/// A committee form that changes an edition, checked: the user writes booklets, the form
/// carries the session's CSRF token; the edition of the path and the version it was made on.
#[derive(Debug, Clone)]
pub struct EditorWrite {
    pub edition: i32,
    pub version: i64,
    pub who: Who,
}

impl EditorWrite {
    pub fn check(user: &User, edition: &str, f: &Fields) -> Result<EditorWrite> {
        user.require_booklet_editor()?;
        user.check_csrf(field(f, "csrf"))?;
        Ok(EditorWrite { edition: edition_of(edition)?, version: base(f)?, who: Who::of(user) })
    }
}

/// The snapshot an edition's figures are read from.
pub async fn snapshot_of(state: &AppState, edition: &Edition) -> Result<Arc<Snapshot>> {
    state.snapshot_at(edition.at_load).await
}

/// One piece of evidence as the board will read it in the booklet: the chart (where the
/// metric has one) and the table (with its downloads for the committee, without for a
/// respondent, who may not open the catalog), or the quoted passage.
pub async fn evidence(
    state: &AppState,
    snapshot: &Arc<Snapshot>,
    edition: &Edition,
    e: &Evidence,
    catalog: bool,
) -> Markup {
    match e {
        Evidence::Quote { text, .. } => html! {
            figure.quote {
                blockquote { "「" (text) "」" }
                figcaption { (booklet::evidence::caption(e, None)) }
            }
        },
        Evidence::Metric { .. } => {
            let Some(req) = booklet::evidence::request(edition, e) else { return html! {} };
            match state.metric(snapshot, &req).await {
                Ok(r) => html! {
                    h4 { (booklet::evidence::caption(e, Some(&r))) }
                    @if let Some(s) = booklet::evidence::chart(e, &r) { (svg(&s)) }
                    @if catalog { (table::result(&r, 60)) } @else { (table::plain(&r, 60)) }
                },
                Err(err) => html! { p.note role="note" { "根拠を表示できません: " (err.public_message()) } },
            }
        }
    }
}

/// An answer's state as a label.
pub fn status(s: AnswerStatus) -> Markup {
    let class = match s {
        AnswerStatus::Approved => "ok",
        AnswerStatus::Returned => "warn",
        _ => "muted",
    };
    html! { span class=(format!("status {class}")) { (s.ja()) } }
}

/// Text as the booklet prints it: paragraphs, list items, links.
pub fn rich(text: &str) -> Markup {
    use reports::doc::{Rich, Span};
    let spans = |s: &[Span]| {
        html! {
            @for sp in s {
                @match sp {
                    Span::Text(t) => (t),
                    Span::Link { text, url } if Span::safe_url(url) => a href=(url) rel="noopener noreferrer" { (text) },
                    Span::Link { text, url } => { (text) "（" (url) "）" },
                }
            }
        }
    };
    html! {
        @for p in booklet::rich::parse(text) {
            @match p {
                Rich::Para(s) => p { (spans(&s)) },
                Rich::Item(s) => ul { li { (spans(&s)) } },
            }
        }
    }
}

/// The hidden fields every form of ours carries: the CSRF token and the version it was made on.
pub fn hidden(user: &User, version: i64) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(user.session.csrf);
        input type="hidden" name="version" value=(version);
    }
}

/// A line-by-line comparison of two texts: the lines only in `mine` and only in `theirs`,
/// for a user told that someone saved first.
pub fn difference(mine: &str, theirs: &str) -> Markup {
    let a: Vec<&str> = mine.lines().collect();
    let b: Vec<&str> = theirs.lines().collect();
    html! {
        div.diff {
            @for l in &b { @if !a.contains(l) { p.removed { "保存済みのみ: " (l) } } }
            @for l in &a { @if !b.contains(l) { p.added { "あなたの文のみ: " (l) } } }
        }
    }
}

/// What a form posts to save an answer: the text and the version it was written on.
#[derive(Debug, Clone)]
pub struct AnswerForm {
    pub op: String,
    pub text: String,
    pub base: i64,
    pub comment: String,
}

impl AnswerForm {
    pub fn read(user: &User, f: &Fields) -> Result<AnswerForm> {
        user.check_csrf(field(f, "csrf"))?;
        Ok(AnswerForm {
            op: field(f, "op").to_string(),
            // The answer keeps its line breaks (paragraphs, list items); only the ends are trimmed.
            text: f.get("text").map_or("", |s| s.trim()).replace("\r\n", "\n"),
            base: number(f, "base", "回答の版")?,
            comment: field(f, "comment").to_string(),
        })
    }
}

/// The answer's form: the text, the version it is written on, and the buttons `ops` offers
/// as (op, label).
pub fn answer_form(user: &User, action: &str, text: &str, base: i64, ops: &[(&str, &str)], comment: bool) -> Markup {
    html! {
        form.answer method="post" action=(action) {
            input type="hidden" name="csrf" value=(user.session.csrf);
            input type="hidden" name="base" value=(base);
            label.wide { "回答（空行で段落、「・」で始まる行は箇条書き、[文字](https://…) でリンク）"
                textarea name="text" rows="12" { (text) }
            }
            @if comment {
                label.wide { "差し戻すときのコメント（回答者に見えます）" textarea name="comment" rows="3" {} }
            }
            div.buttons {
                @for (op, label) in ops { button type="submit" name="op" value=(op) { (label) } }
            }
        }
    }
}

/// Saves the answer of `form` to question `q` for respondent `r` of `edition`, as `who`.
pub async fn save_answer(
    state: &AppState,
    who: Who,
    edition: i32,
    (q, r): (u32, u32),
    form: &AnswerForm,
    action: booklet::workflow::AnswerAction,
) -> Result<store::AnswerSave> {
    let (text, base) = (form.text.clone(), form.base);
    run(state, move |db| {
        let write = booklet::workflow::AnswerWrite { edition, question: q, respondent: r, base, text: &text, action };
        booklet::workflow::save_answer(db, &write, &who.actor())
    })
    .await
}

/// What a page answers after saving an answer: back to `back` (303), or, when someone saved
/// first, the [`conflict`] page (409) under the navigation key `nav`.
pub fn saved_or_conflict(
    state: &AppState,
    user: &User,
    saved: store::AnswerSave,
    back: &str,
    mine: &str,
    ops: &[(&str, &str)],
    nav: &'static str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match saved {
        store::AnswerSave::Saved(_) => axum::response::Redirect::to(back).into_response(),
        store::AnswerSave::Conflict(current) => {
            let body = conflict(user, back, mine, &current, ops);
            let html = crate::pages::page(state, user, crate::html::Page::new("ほかの人が先に保存しました", nav), body);
            (axum::http::StatusCode::CONFLICT, axum::response::Html(html)).into_response()
        }
    }
}

/// The page of an answer saved by someone else first: both texts, where they differ, and
/// the form again on the saved version, holding the user's text to merge.
pub fn conflict(user: &User, action: &str, mine: &str, saved: &store::AnswerRow, ops: &[(&str, &str)]) -> Markup {
    html! {
        h1 { "ほかの人が先に保存しました" }
        p.note role="alert" {
            (saved.changed_by) " さんが " (saved.changed_at.get(..16).unwrap_or(&saved.changed_at))
            " に第" (saved.version) "版を保存しました。あなたの文はまだ保存されていません。下で両方を見比べ、まとめてから保存してください。"
        }
        h2 { "保存されている文（第" (saved.version) "版）" }
        div.saved { (rich(&saved.answer)) }
        h2 { "違い" }
        (difference(mine, &saved.answer))
        h2 { "あなたの文" }
        (answer_form(user, action, mine, saved.version, ops, false))
    }
}
