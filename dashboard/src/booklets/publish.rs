//! The booklet out and in: the preview (the booklet's HTML inside the page), the PDF and HTML
//! files (a published edition as published, a draft marked 校正用; audited, one build at a
//! time), publishing, and the workbook — exported whole or for one respondent, imported
//! with the answers an e-mail brought.

use std::sync::Arc;

use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use booklet::build::{self, Format};
use booklet::workflow;
use maud::{PreEscaped, html};
use queries::Engine;
use tokio::sync::Semaphore;

use super::common::{EditorWrite, Fields, Who, edition_of, run, snapshot_of};
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::Page;
use crate::pages::{Params, page};
use crate::state::AppState;

/// One booklet build at a time: it evaluates every evidence and renders a PDF.
static BUILDING: Semaphore = Semaphore::const_new(1);

/// The largest workbook the import takes.
pub const MAX_WORKBOOK: usize = 10 << 20;

/// Builds the booklet of `edition` as it would be published: (document, stored version).
async fn document(state: &AppState, edition: i32) -> Result<(reports::doc::Doc, workflow::Stored)> {
    let (stored, inputs) = run(state, move |db| {
        let stored = workflow::for_build(db, edition)?;
        let inputs = workflow::inputs(db, &stored)?;
        Ok((stored, inputs))
    })
    .await?;
    let snapshot = snapshot_of(state, &stored.edition).await?;
    let _turn = BUILDING.acquire().await.map_err(|_| Error::Internal("build slot closed".into()))?;
    let e = stored.edition.clone();
    let doc = tokio::task::spawn_blocking(move || -> Result<reports::doc::Doc> {
        let engine = Engine::over(Arc::clone(&snapshot))?;
        Ok(build::document(&e, &inputs, &engine)?.doc)
    })
    .await
    .map_err(|e| Error::Internal(format!("booklet build: {e}")))??;
    Ok((doc, stored))
}

pub async fn preview(State(state): State<AppState>, user: User, Path(e): Path<String>) -> Result<Html<String>> {
    user.require_booklet_editor()?;
    let edition = edition_of(&e)?;
    let (doc, stored) = document(&state, edition).await?;
    let body = html! {
        p { a href=(format!("/booklet/{edition}")) { "← " (edition) "年度の冊子" } " ・ " a href=(format!("/booklet/{edition}/booklet.pdf")) { "PDF" } }
        p.note { @if stored.published { "公開版（第" (stored.version) "版）です。" } @else { "作成中の第" (stored.version) "版のプレビューです。未承認の回答には印がつきます。" } }
        article.booklet { (PreEscaped(reports::html::body(&doc))) }
    };
    Ok(Html(page(&state, &user, Page::new(format!("{edition}年度の冊子（プレビュー）"), "booklet"), body)))
}

pub async fn file(
    State(state): State<AppState>,
    user: User,
    Path((e, name)): Path<(String, String)>,
) -> Result<Response> {
    user.require_booklet_editor()?;
    let edition = edition_of(&e)?;
    let format = match name.as_str() {
        "booklet.pdf" => Format::Pdf,
        "booklet.html" => Format::Html,
        "export.xlsx" => return Err(Error::NotFound),
        _ => return Err(Error::NotFound),
    };
    let (doc, stored) = document(&state, edition).await?;
    let bytes = tokio::task::spawn_blocking(move || build::render(&doc, format))
        .await
        .map_err(|e| Error::Internal(format!("booklet render: {e}")))??;
    let sha = build::sha256(&bytes);
    let record = store::BuildRow {
        edition,
        version: stored.version,
        format: format.key().into(),
        sha256: sha.clone(),
        bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        built_by: user.name().to_string(),
        built_at: chrono::Utc::now().to_rfc3339(),
    };
    let (who, remote) = (user.name().to_string(), user.addr.clone());
    let detail = format!("version={} {} sha256={sha}", stored.version, format.key());
    state
        .db(move |db| {
            db.atomically(|db| {
                db.booklet_record_build(&record)?;
                db.audit(Some(&who), "booklet_built", &edition.to_string(), &detail, &remote)
            })
        })
        .await?;
    let suffix = if stored.published { String::new() } else { format!("_draft_v{}", stored.version) };
    attachment(format.content_type(), &format!("booklet_{edition}{suffix}.{}", format.key()), bytes)
}

fn attachment(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Result<Response> {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type)), (header::CONTENT_DISPOSITION, disposition)],
        bytes,
    )
        .into_response())
}

pub async fn publish(
    State(state): State<AppState>,
    user: User,
    Path(e): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response> {
    let EditorWrite { edition, version, who } = EditorWrite::check(&user, &e, &f)?;
    run(&state, move |db| workflow::publish(db, edition, version, &who.actor())).await?;
    Ok(Redirect::to(&format!("/booklet/{edition}")).into_response())
}

pub async fn export(
    State(state): State<AppState>,
    user: User,
    Path(e): Path<String>,
    Query(params): Query<Params>,
) -> Result<Response> {
    user.require_booklet_editor()?;
    let edition = edition_of(&e)?;
    let respondent = match params.get("respondent").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(r) => Some(r.parse::<u32>().map_err(|_| Error::NotFound)?),
        None => None,
    };
    let (who, remote) = (user.name().to_string(), user.addr.clone());
    let bytes = run(&state, move |db| {
        let bytes = booklet::xlsx::export(db, edition, respondent)?;
        let detail = format!("xlsx respondent={}", respondent.map_or_else(|| "all".to_string(), |r| r.to_string()));
        db.audit(Some(&who), "booklet_exported", &edition.to_string(), &detail, &remote)?;
        Ok(bytes)
    })
    .await?;
    let name = match respondent {
        Some(r) => format!("booklet_{edition}_respondent_{r}.xlsx"),
        None => format!("booklet_{edition}.xlsx"),
    };
    attachment("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &name, bytes)
}

pub async fn import(
    State(state): State<AppState>,
    user: User,
    Path(e): Path<String>,
    mut form: Multipart,
) -> Result<Response> {
    user.require_booklet_editor()?;
    let edition = edition_of(&e)?;
    let mut csrf_ok = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(part) =
        form.next_field().await.map_err(|e| Error::BadRequest(format!("フォームを読めません: {e}")))?
    {
        match part.name() {
            Some("csrf") => {
                let token = part.text().await.map_err(|e| Error::BadRequest(format!("フォームを読めません: {e}")))?;
                user.check_csrf(&token)?;
                csrf_ok = true;
            }
            // The token comes first in the form; a file before it is not read.
            Some("file") if csrf_ok => {
                let name =
                    part.file_name().map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string()).unwrap_or_default();
                let bytes =
                    part.bytes().await.map_err(|_| Error::TooLarge("ファイルが大きすぎます（10 MB まで）".into()))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => return Err(Error::Csrf),
        }
    }
    let (name, bytes) = file.ok_or_else(|| Error::BadRequest("ファイルを選んでください".into()))?;
    let who = Who::of(&user);
    let done = run(&state, move |db| {
        booklet::xlsx::import(db, std::path::Path::new(&name), &bytes, Some(edition), &who.actor())
    })
    .await?;
    let body = html! {
        h1 { "取り込みました" }
        p { "回答 " (done.answers) " 件を提出済みとして取り込みました（変更のない行 " (done.unchanged) " 件）。" }
        p { a href=(format!("/booklet/{edition}#progress")) { "回答の進み具合へ" } }
    };
    Ok(Html(page(&state, &user, Page::new("取り込みました", "booklet"), body)).into_response())
}
