//! The 取り込み pages: the upload form with the user's uploads, and one upload's page — its
//! progress (the page reloads itself every two seconds, no script needed), the preview
//! (encoding, layout, header mapping, rows, rejects, what a roster would change) with
//! 取り込む / 取り消す, or the outcome.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use model::physician_rule::ShareRule;

use super::area::{Status, Upload};
use super::preview::Preview;
use crate::error::Result;
use crate::extractor::User;
use crate::html::{Page, int};
use crate::pages::page;
use crate::state::AppState;

/// Rejects shown on the page (the rest are counted).
const SHOWN_REJECTS: usize = 200;

pub async fn form(State(state): State<AppState>, user: User) -> Result<Html<String>> {
    user.require_loader()?;
    super::receive::sweep(&state).await?;
    let mine = state.uploads.of(user.name())?;
    let cfg = &state.uploads.config;
    let body = html! {
        h1 { "取り込み" }
        p {
            "会員名簿・アンケートの書き出し・専門医・拠点病院などのファイルを送ると、取り込む前に内容を確認できます。"
            "確認画面で「取り込む」を押すまで、データは変わりません。"
        }
        form.upload method="post" action="/data/upload" enctype="multipart/form-data" {
            // The token first: the server reads nothing of a file before it has checked it.
            input type="hidden" name="csrf" value=(user.session.csrf);
            label { "データの種類 "
                select name="dataset" {
                    option value="auto" { "自動判定（見出しから判定）" }
                    @for d in ingest::spec::DATASETS {
                        option value=(d.name) { (d.ja) }
                    }
                    option value="survey" { "アンケート（調査実施・設問・回答をまとめて）" }
                }
            }
            div.dropzone {
                label { "ファイル（複数可、CSV・TSV・Excel）"
                    input type="file" name="files" multiple required accept=".csv,.tsv,.txt,.xlsx";
                }
                p.muted.js-only { "ここにファイルをドラッグ＆ドロップすることもできます。" }
            }
            label { "基準日（任意。名簿の表題や抽出日の列にあれば不要） " input type="date" name="as_of"; }
            label { "年度（アンケートツールの書き出し・現況報告のとき） " input type="number" name="fiscal_year" min="1990" max="2100"; }
            button type="submit" { "送信して確認" }
        }
        p.muted {
            "1 ファイル " (cfg.max_file_bytes >> 20) " MB まで、一度に " (cfg.max_files) " ファイルまで。"
            "送ったファイルは取り込むか取り消すまで保管し、" (cfg.keep.as_secs() / 3600) " 時間を過ぎると削除します。"
            "会員番号は取り込み時に仮名化され、元の番号はウェアハウスに保存されません。"
        }
        @if !mine.is_empty() {
            h2 { "送ったファイル" }
            table {
                thead { tr { th { "送信" } th { "ファイル" } th { "状態" } } }
                tbody {
                    @for u in &mine {
                        tr {
                            td { (sent_at(u)) }
                            td { a href=(format!("/data/upload/{}", u.id())) { (names(u)) } }
                            td { (status_label(&u.status())) }
                        }
                    }
                }
            }
        }
        script src="/static/upload.js" {}
    };
    Ok(Html(page(&state, &user, Page::new("取り込み", "upload"), body)))
}

/// When an upload was sent, in Japan time.
fn sent_at(u: &Upload) -> String {
    match (chrono::DateTime::from_timestamp(u.manifest.created, 0), chrono::FixedOffset::east_opt(9 * 3600)) {
        (Some(t), Some(jst)) => t.with_timezone(&jst).format("%Y-%m-%d %H:%M").to_string(),
        _ => String::new(),
    }
}

fn names(u: &Upload) -> String {
    u.manifest.files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join("、")
}

fn status_label(s: &Status) -> &'static str {
    match s {
        Status::Waiting => "順番待ち",
        Status::Checking(..) => "検証中",
        Status::Failed(_) => "読み込めません",
        Status::Ready(_) => "確認待ち",
        Status::Committing(_) => "取り込み中",
        Status::Committed(_) => "取り込み済み",
        Status::CommitFailed(..) => "取り込めませんでした",
        Status::Abandoned => "取り消し済み",
    }
}

pub async fn upload(State(state): State<AppState>, user: User, Path(id): Path<String>) -> Result<Response> {
    user.require_loader()?;
    let up = state.uploads.owned(&id, user.name())?;
    let status = up.status();
    let working = matches!(status, Status::Waiting | Status::Checking(..) | Status::Committing(_));
    let body = html! {
        h1 { "取り込み: " (names(&up)) }
        p.muted { "送信 " (sent_at(&up)) "・" (status_label(&status)) }
        table.files {
            thead { tr { th { "ファイル" } th { "大きさ" } th { "SHA-256" } } }
            tbody {
                @for f in &up.manifest.files {
                    tr { td { code { (f.name) } } td.num { (int(f.bytes as i64)) " バイト" } td { code title=(f.sha256) { (f.sha256.get(..16).unwrap_or(&f.sha256)) "…" } } }
                }
            }
        }
        @match &status {
            Status::Waiting => { p role="status" { "他の取り込みの処理が終わるのを待っています…" } }
            Status::Checking(step, since) => { p role="status" { "検証中: " (step) "（" (since.elapsed().as_secs()) " 秒経過）" } }
            Status::Committing(step) => { p role="status" { "取り込み中: " (step) "。この間も画面は取り込み前のデータで表示されます。" } }
            Status::Failed(why) => {
                p.error role="alert" { (why) }
                p { "ファイルを直してから、" a href="/data/upload" { "もう一度送ってください" } "。" }
                (abandon(&user, &up))
            }
            Status::Ready(p) => { (preview(&user, &up, p)) }
            Status::CommitFailed(why, p) => {
                p.error role="alert" { "取り込めませんでした（データは変わっていません）: " (why) }
                (preview(&user, &up, p))
            }
            Status::Committed(lines) => {
                p role="status" { strong { "取り込みました。" } "画面は新しいデータで表示されています。" }
                ul { @for l in lines { li { (l) } } }
                p { a href="/" { "概要を見る" } "・" a href="/data" { "読み込み履歴" } "・" a href="/data/upload" { "続けて取り込む" } }
            }
            Status::Abandoned => { p { "取り消しました。ファイルは削除されています。" } }
        }
    };
    if matches!(status, Status::Ready(_)) {
        state.audit(Some(user.name()), "upload_previewed", up.id(), "", &user.addr).await?;
    }
    let mut res = Html(page(&state, &user, Page::new("取り込み", "upload"), body)).into_response();
    if working {
        res.headers_mut().insert(header::REFRESH, HeaderValue::from_static("2"));
    }
    Ok(res)
}

fn abandon(user: &User, up: &Upload) -> Markup {
    html! {
        form.inline method="post" action=(format!("/data/upload/{}/abandon", up.id())) {
            input type="hidden" name="csrf" value=(user.session.csrf);
            button type="submit" { "取り消す（ファイルを削除）" }
        }
    }
}

/// What a file's layout is, as its user knows it: a survey tool's export, or the ministry's.
fn source_label(source: &str) -> &'static str {
    match source {
        ingest::designation_list::SOURCE => "厚生労働省の指定一覧表",
        ingest::status_report::SOURCE => "現況報告（診療実績）",
        s => ingest::survey_export::Tool::parse(s).map_or("—", |t| t.label()),
    }
}

fn pct(p: u64, t: u64) -> String {
    ShareRule::share(p, t).map_or_else(|| "—".into(), |s| format!("{:.1}%", s * 100.0))
}

fn preview(user: &User, up: &Upload, p: &Preview) -> Markup {
    let rejects = p.rejects();
    html! {
        h2 { "確認" }
        p { "データの種類: " strong { (p.dataset_ja) } }
        @for (file, why) in &p.detected { p.muted { (file) ": " (why) } }
        @if let Some(r) = &p.refused { p.error role="alert" { "このままでは取り込めません: " (r) } }
        @for f in &p.skipped {
            p.muted {
                code { (f.path.display()) } ": "
                @if let Some(prev) = &f.duplicate_of { "取り込み済みのファイルです（ロード " (prev.load_id) "）。読み飛ばします。" }
                @else { "同じ内容のファイルが二つあります。一つだけ取り込みます。" }
            }
        }
        @for f in &p.files {
            h3 { code { (f.path.display()) } }
            ul {
                li { "文字コード・形式: " (f.encoding.map_or("—", ingest::decode::Encoding::label)) }
                @if let Some(d) = f.as_of { li { "基準日: " (d) } }
                @if let Some(s) = f.source { li { "形式: " (source_label(s)) } }
                li { "行数: " (int(f.rows_total as i64)) "（取り込む " (int(f.rows_ok as i64)) "・除外 " (int(f.rejects.len() as i64)) "）" }
                @for n in &f.notes { li.muted { (n.split(" / ").next().unwrap_or(n)) } }
            }
            @if !f.mapped.is_empty() || !f.extra_columns.is_empty() {
                details {
                    summary { "見出しの対応（" (f.mapped.len()) " 列を読み、" (f.extra_columns.len()) " 列は使いません）" }
                    table {
                        thead { tr { th { "ファイルの見出し" } th { "項目" } } }
                        tbody {
                            @for (h, ja, _) in &f.mapped { tr { td { (h) } td { (ja) } } }
                            @for h in &f.extra_columns { tr { td { (h) } td.muted { "使いません（この種類のデータにない列）" } } }
                        }
                    }
                }
            }
            @if !f.rejects.is_empty() {
                div.table-wrap tabindex="0" role="region" aria-label="除外する行" {
                    table.rejects {
                        caption { "除外する行（" (int(f.rejects.len() as i64)) " 件" @if f.rejects.len() > SHOWN_REJECTS { "、先頭 " (SHOWN_REJECTS) " 件を表示" } "）" }
                        thead { tr { th { "行" } th { "列" } th { "値" } th { "理由" } } }
                        tbody {
                            @for r in f.rejects.iter().take(SHOWN_REJECTS) {
                                tr {
                                    td.num { (r.line.map(|l| l.to_string()).unwrap_or_default()) }
                                    td { (r.column.clone().unwrap_or_default()) }
                                    td { code { (r.value.clone().unwrap_or_default()) } }
                                    td { (r.reason_ja) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @for c in &p.changes {
            h3 { "名簿の変化: " (c.file) }
            table {
                thead { tr { th {} th { "前回" } th { "今回" } } }
                tbody {
                    tr { th { "基準日" } td { (c.before.map(|b| b.as_of.to_string()).unwrap_or_else(|| "（初回）".into())) } td { (c.after.as_of) } }
                    tr { th { "正会員" } td.num { (c.before.map(|b| int(b.full_members as i64)).unwrap_or_default()) } td.num { (int(c.after.full_members as i64)) } }
                    tr { th { "うち医師" } td.num { (c.before.map(|b| int(b.physicians as i64)).unwrap_or_default()) } td.num { (int(c.after.physicians as i64)) } }
                    tr { th { "医師の割合" } td.num { (c.before.map(|b| pct(b.physicians, b.full_members)).unwrap_or_default()) } td.num { (pct(c.after.physicians, c.after.full_members)) } }
                }
            }
            p { "新たに在籍 " (int(c.joined as i64)) " 人・退会（名簿から消えた人を含む）" (int(c.left as i64)) " 人・会員種別の変更 " (int(c.category_changed as i64)) " 人・職種の変更 " (int(c.profession_changed as i64)) " 人" }
        }
        @if p.refused.is_none() && !p.files.is_empty() {
            form.commit method="post" action=(format!("/data/upload/{}/commit", up.id())) {
                input type="hidden" name="csrf" value=(user.session.csrf);
                @if rejects > 0 {
                    p.error { "除外される行が " (int(rejects as i64)) " 行あります。ファイルを直して送り直すのが原則です。" }
                    label { input type="checkbox" name="accept_partial" value="1" required; " 除外行を除いて取り込む（除外した行は読み込み履歴から CSV で取得できます）" }
                }
                button type="submit" { "取り込む" }
            }
        }
        @if p.files.is_empty() && p.refused.is_none() { p { "新しく取り込むファイルはありません。" } }
        (abandon(user, up))
    }
}

/// The drag-and-drop script of the upload form (the form works without it).
pub async fn script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"))], include_str!("upload.js"))
}
