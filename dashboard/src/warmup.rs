//! The first start: the server listens at once while the bundled sample loads into the
//! empty warehouse. Until the data are in, the login page works, every other page answers
//! 503 with a notice that refreshes itself, the API answers 503 JSON, and `/healthz` says
//! `loading` — so nobody sees an empty dashboard or a half-loaded one.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, html};

use crate::state::{AppState, Warmup};

/// Runs `load` (the first-start sample load) on a blocking thread, then reads the
/// warehouse again, adds the sample's booklets and opens the pages. A failure is logged
/// and shown as such.
pub fn load_in_background<F>(state: &AppState, load: F)
where
    F: FnOnce() -> std::result::Result<(), String> + Send + 'static,
{
    state.set_warmup(Warmup::Loading);
    let state = state.clone();
    tokio::spawn(async move {
        let loaded = match tokio::task::spawn_blocking(load).await {
            Ok(r) => r,
            Err(e) => Err(format!("blocking task: {e}")),
        };
        let outcome = match loaded {
            Ok(()) => state.reload().await.map(|_| ()).map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        if outcome.is_ok()
            && let Err(e) = crate::booklets::common::install_sample(&state).await
        {
            tracing::warn!("sample booklets: {e}");
        }
        match outcome {
            Ok(()) => state.set_warmup(Warmup::Ready),
            Err(e) => {
                tracing::error!("first-start load failed: {e}");
                eprintln!("エラー / error: サンプルの読み込みに失敗しました / the sample did not load: {e}");
                state.set_warmup(Warmup::Failed);
            }
        }
    });
}

/// Paths served while the data load: signing in, changing a generated password (the first
/// thing a new account must do, and it needs no data) and the page's assets.
fn open_while_loading(path: &str) -> bool {
    matches!(path, "/login" | "/logout" | "/account/password" | "/favicon.ico") || path.starts_with("/static/")
}

/// Middleware: lets requests through once the data are ready; before that, only
/// `open_while_loading` paths.
pub async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let warmup = state.warmup();
    let path = req.uri().path();
    if warmup == Warmup::Ready || open_while_loading(path) {
        return next.run(req).await;
    }
    let (ja, en) = match warmup {
        Warmup::Failed => (
            "データの読み込みに失敗しました。サーバーを起動した端末の表示を確認してください。",
            "loading the data failed; see the terminal that started the server",
        ),
        _ => ("データを読み込んでいます。数秒で表示されます。", "loading the data; this page refreshes itself"),
    };
    let mut res = if path == "/healthz" {
        (if warmup == Warmup::Failed { "failed" } else { "loading" }).into_response()
    } else if path.starts_with("/api/") {
        // The API's error shape (`Error` in /api/openapi.json).
        axum::Json(serde_json::json!({ "error": { "status": 503, "message": format!("{ja} / {en}") } })).into_response()
    } else {
        let refresh = warmup == Warmup::Loading;
        let page = html! {
            (DOCTYPE)
            html lang="ja" {
                head {
                    meta charset="utf-8";
                    @if refresh { meta http-equiv="refresh" content="1"; }
                    title { "読み込み中 — oncometrics" }
                    link rel="stylesheet" href="/static/app.css";
                }
                body.bare { main { h1 { "oncometrics" } p.note { (ja) } p.muted { (en) } } }
            }
        };
        axum::response::Html(page.into_string()).into_response()
    };
    *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    res
}
