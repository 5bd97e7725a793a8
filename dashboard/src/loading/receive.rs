//! `POST /data/upload`: the form's multipart body streamed into a new upload directory — the
//! CSRF token first (a file before it is refused unread), each file hashed as it is written
//! and cut off at the size limit. Anything that goes wrong (a limit, a broken body, a client
//! that stops sending) leaves no directory behind.

use axum::extract::multipart::Field;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::area::{Choice, DirGuard, Manifest, Stored, safe_name, unique_name};
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::state::AppState;

/// The longest text field accepted (a CSRF token, a date, a dataset name).
const MAX_TEXT: usize = 256;

pub async fn upload(State(state): State<AppState>, user: User, mut form: Multipart) -> Result<Response> {
    user.require_loader()?;
    sweep(&state).await?;
    state.uploads.check_quota(user.name())?;
    let (id, dir) = state.uploads.new_dir()?;
    let guard = DirGuard(Some(dir.clone()));
    let limits = &state.uploads.config;
    let mut csrf_ok = false;
    let mut choice = Choice::default();
    let mut files: Vec<Stored> = Vec::new();
    while let Some(field) = form.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "csrf" {
            user.check_csrf(&text(field).await?)?;
            csrf_ok = true;
            continue;
        }
        if !csrf_ok {
            // Nothing is read, let alone stored, before the token is checked.
            return Err(Error::Csrf);
        }
        match name.as_str() {
            "dataset" => choice.dataset = dataset(&text(field).await?)?,
            "as_of" => choice.as_of = date(&text(field).await?)?,
            "fiscal_year" => choice.fiscal_year = year(&text(field).await?)?,
            "files" => {
                let sent = field.file_name().unwrap_or("").to_string();
                if sent.is_empty() {
                    continue; // the empty part a browser sends when no file was chosen
                }
                if files.len() >= limits.max_files {
                    return Err(Error::TooLarge(format!(
                        "一度に送れるファイルは {} 個までです / at most {} files at once",
                        limits.max_files, limits.max_files
                    )));
                }
                let stored = unique_name(safe_name(&sent), &files);
                let (sha256, bytes) = save(field, &dir.join(&stored), limits.max_file_bytes, &stored).await?;
                if bytes > 0 {
                    files.push(Stored { name: stored, sha256, bytes });
                } else {
                    let _ = tokio::fs::remove_file(dir.join(&stored)).await;
                    return Err(Error::BadRequest(format!("{stored}: ファイルが空です / the file is empty")));
                }
            }
            _ => {} // unknown fields are skipped
        }
    }
    if !csrf_ok {
        return Err(Error::Csrf);
    }
    if files.is_empty() {
        return Err(Error::BadRequest("ファイルを選んでください / choose a file".into()));
    }
    let detail = files.iter().map(|f| format!("{} sha256={} bytes={}", f.name, f.sha256, f.bytes)).collect::<Vec<_>>();
    let detail = format!("dataset={} {}", choice.dataset.as_deref().unwrap_or("auto"), detail.join("; "));
    state.audit(Some(user.name()), "upload", &id, &detail, &user.addr).await?;
    let manifest = Manifest {
        id: id.clone(),
        owner: user.name().to_string(),
        created: chrono::Utc::now().timestamp(),
        files,
        choice,
    };
    let up = state.uploads.register(manifest, dir)?;
    guard.disarm();
    super::check::spawn(state.clone(), up);
    Ok(Redirect::to(&format!("/data/upload/{id}")).into_response())
}

/// Forgets uploads past their keep time (their files removed), each audited `upload_expired`.
pub async fn sweep(state: &AppState) -> Result<()> {
    for gone in state.uploads.sweep()? {
        state.audit(Some(&gone.manifest.owner), "upload_expired", gone.id(), "", "-").await?;
    }
    Ok(())
}

/// Streams one file to `path`: its SHA-256 and size; over `limit` bytes it stops (413).
async fn save(mut field: Field<'_>, path: &std::path::Path, limit: u64, name: &str) -> Result<(String, u64)> {
    let mut out = tokio::fs::File::create(path).await.map_err(|e| Error::Internal(format!("upload: {e}")))?;
    let mut hash = Sha256::new();
    let mut bytes = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(broken)? {
        bytes += chunk.len() as u64;
        if bytes > limit {
            return Err(Error::TooLarge(format!(
                "{name}: ファイルが大きすぎます（上限 {} MB）/ the file is over the limit of {} MB",
                limit >> 20,
                limit >> 20
            )));
        }
        hash.update(&chunk);
        out.write_all(&chunk).await.map_err(|e| Error::Internal(format!("upload: {e}")))?;
    }
    out.flush().await.map_err(|e| Error::Internal(format!("upload: {e}")))?;
    out.sync_all().await.map_err(|e| Error::Internal(format!("upload: {e}")))?;
    Ok((hex::encode(hash.finalize()), bytes))
}

/// A text field, at most [`MAX_TEXT`] bytes.
async fn text(mut field: Field<'_>) -> Result<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(broken)? {
        buf.extend_from_slice(&chunk);
        if buf.len() > MAX_TEXT {
            return Err(Error::BadRequest("フォームの値が長すぎます / a form value is too long".into()));
        }
    }
    String::from_utf8(buf).map_err(|_| Error::BadRequest("フォームの値が読めません / a form value is not UTF-8".into()))
}

fn broken(e: axum::extract::multipart::MultipartError) -> Error {
    tracing::info!("upload body: {e}");
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return Error::TooLarge("送信の合計が大きすぎます / the upload is over its limit".into());
    }
    Error::BadRequest(
        "送信が途中で切れたか、形式が正しくありません。もう一度送ってください / the upload was cut off or malformed"
            .into(),
    )
}

/// The dataset field: empty or `auto` to tell it from the headers, else a dataset name.
fn dataset(v: &str) -> Result<Option<String>> {
    let v = v.trim();
    if v.is_empty() || v == "auto" {
        return Ok(None);
    }
    if ingest::pipeline::dataset_names().contains(&v) {
        Ok(Some(v.to_string()))
    } else {
        Err(Error::BadRequest(format!("データの種類「{v}」はありません / unknown dataset")))
    }
}

fn date(v: &str) -> Result<Option<NaiveDate>> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    model::dates::parse(v)
        .map(Some)
        .map_err(|_| Error::BadRequest(format!("基準日「{v}」は日付として読めません / not a date")))
}

fn year(v: &str) -> Result<Option<i32>> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<i32>() {
        Ok(y) if (1990..=2100).contains(&y) => Ok(Some(y)),
        _ => Err(Error::BadRequest(format!("年度「{v}」は 1990〜2100 の西暦で入力してください / not a year"))),
    }
}
