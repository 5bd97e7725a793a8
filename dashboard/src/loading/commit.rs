//! 取り込む and 取り消す. A commit loads exactly the files that were validated: the plan reads
//! them again and each must have the SHA-256 it had when it arrived, and validating them again
//! over the warehouse as it is now must give the preview's counts (a load committed in between
//! could change them) — otherwise nothing is loaded and the user is told to check again. The
//! load itself is the command line's: one store transaction, all or nothing; then the server
//! reads the new snapshot, and pages switch to it when it is ready.

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use ingest::pipeline::{Outcome, Plan};
use serde::Deserialize;
use store::Warehouse;

use super::area::{Status, Upload};
use super::check::{OnPage, message, options};
use super::preview::Preview;
use crate::error::{Error, Result};
use crate::extractor::{CsrfForm, User};
use crate::state::{AppState, Config};

#[derive(Debug, Deserialize)]
pub struct CommitForm {
    #[serde(default)]
    csrf: String,
    /// 除外行を除いて取り込む (`--accept-partial`), an explicit choice.
    #[serde(default)]
    accept_partial: Option<String>,
}

pub async fn commit(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<CommitForm>,
) -> Result<Response> {
    user.require_loader()?;
    user.check_csrf(&form.csrf)?;
    let up = state.uploads.owned(&id, user.name())?;
    let accept_partial = form.accept_partial.is_some();
    let preview = up.begin_commit()?;
    let Ok(slot) = state.uploads.slot.clone().try_lock_owned() else {
        up.set(Status::Ready(preview));
        return Err(Error::Conflict(
            "他の取り込みを処理中です。終わってからもう一度「取り込む」を押してください / another load is running"
                .into(),
        ));
    };
    if preview.rejects() > 0 && !accept_partial {
        up.set(Status::Ready(preview));
        return Err(Error::BadRequest(
            "除外される行があります。直したファイルを送り直すか、「除外行を除いて取り込む」を選んでください / rows would be rejected".into(),
        ));
    }
    let detail = format!("accept_partial={accept_partial} files={}", files_detail(&up));
    if let Err(e) = state.audit(Some(user.name()), "upload_commit", up.id(), &detail, &user.addr).await {
        up.set(Status::Ready(preview));
        return Err(e);
    }
    let (st, u) = (state.clone(), up.clone());
    tokio::spawn(async move {
        let (config, u2, p) = (st.config.clone(), u.clone(), preview.clone());
        let outcome = tokio::task::spawn_blocking(move || run(&config, &u2, &p, accept_partial))
            .await
            .unwrap_or_else(|e| Err(format!("取り込みが異常終了しました / the load stopped: {e}")));
        match outcome {
            Ok(lines) => {
                st.uploads.discard_files(&u);
                u.set(Status::Committing("新しいデータを準備しています".into()));
                let at = st.reload().await;
                drop(slot);
                let detail = match &at {
                    Ok(at) => format!("at_load={at} {}", lines.join(" ")),
                    Err(e) => format!("reload failed: {e}"),
                };
                if let Err(e) = st.audit(Some(&u.manifest.owner), "upload_committed", u.id(), &detail, "-").await {
                    tracing::error!("audit of a committed upload: {e}");
                }
                let mut lines = lines;
                if at.is_err() {
                    lines.push(
                        "取り込みは完了しましたが、画面への反映に失敗しました。管理 → 再読み込みを押してください"
                            .into(),
                    );
                }
                u.set(Status::Committed(lines));
            }
            Err(why) => {
                drop(slot);
                if let Err(e) = st.audit(Some(&u.manifest.owner), "upload_failed", u.id(), &why, "-").await {
                    tracing::error!("audit of a failed upload: {e}");
                }
                u.set(Status::CommitFailed(why, preview));
            }
        }
    });
    Ok(Redirect::to(&format!("/data/upload/{id}")).into_response())
}

pub async fn abandon(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    user.require_loader()?;
    user.check_csrf(&form.csrf)?;
    let up = state.uploads.owned(&id, user.name())?;
    match up.status() {
        Status::Committing(_) => {
            return Err(Error::Conflict("取り込み中のため取り消せません / the load is running".into()));
        }
        Status::Committed(_) | Status::Abandoned => return Ok(Redirect::to("/data/upload").into_response()),
        _ => {}
    }
    state.audit(Some(user.name()), "upload_abandoned", up.id(), &files_detail(&up), &user.addr).await?;
    up.set(Status::Abandoned);
    state.uploads.discard_files(&up);
    Ok(Redirect::to("/data/upload").into_response())
}

fn files_detail(up: &Upload) -> String {
    up.manifest.files.iter().map(|f| format!("{} sha256={}", f.name, f.sha256)).collect::<Vec<_>>().join("; ")
}

/// The load, on a blocking thread: what it did, in Japanese lines, or why nothing was loaded.
fn run(config: &Config, up: &Upload, preview: &Preview, accept_partial: bool) -> Result<Vec<String>, String> {
    let progress = OnPage::new(up);
    let mut opts = options(config, up, &preview.dataset);
    opts.accept_partial = accept_partial;
    let mut wh = Warehouse::open(&config.warehouse, &config.lake).map_err(|e| message(&ingest::Error::Store(e)))?;
    let plan = Plan::new(&wh, &opts, &progress).map_err(|e| message(&e))?;
    // Exactly the files that arrived: the plan hashed what it read.
    for f in plan.files().chain(plan.skipped()) {
        let name = f.path.to_string_lossy();
        let sent = up.manifest.files.iter().find(|s| s.name == name);
        if sent.is_none_or(|s| s.sha256 != f.sha256) {
            return Err(format!(
                "{name}: 検証の後にファイルが変わりました。送り直してください / the file changed after its check"
            ));
        }
    }
    let validation = plan.validate(&progress).map_err(|e| message(&e))?;
    validation.check_order(&wh).map_err(|e| message(&e))?;
    let now: Vec<(String, usize, usize)> =
        validation.files().map(|f| (f.sha256.clone(), f.rows_ok, f.rejects.len())).collect();
    let then: Vec<(String, usize, usize)> =
        preview.files.iter().map(|f| (f.sha256.clone(), f.rows_ok, f.rejects.len())).collect();
    if now != then {
        return Err(
            "検証の後にウェアハウスが変わったため、結果が変わります。取り消してもう一度送ってください / the warehouse changed since the check"
                .into(),
        );
    }
    if validation.has_rejects() && !accept_partial {
        return Err("除外される行があります / rows would be rejected".into());
    }
    if validation.is_empty() {
        return Ok(vec!["すべて取り込み済みのファイルでした。変更はありません".into()]);
    }
    let report = validation.commit(&mut wh, &progress).map_err(|e| message(&e))?;
    if report.outcome != Outcome::Committed {
        return Err("取り込めませんでした / nothing was committed".into());
    }
    Ok(report
        .files
        .iter()
        .filter(|f| f.load_id.is_some())
        .map(|f| {
            format!(
                "{}: ロード {} として {} 行を取り込みました（除外 {} 行）",
                f.path.display(),
                f.load_id.unwrap_or_default(),
                f.rows_ok,
                f.rejects.len()
            )
        })
        .collect())
}
