//! The oncometrics web app: server-rendered Japanese pages over the metric catalog,
//! a JSON API, downloads, login with roles, and an audit log.
//!
//! # Layout
//!
//! - [`state`]: configuration and the shared state (snapshot, accounts database, sessions);
//!   [`lifecycle`]: opening it and reloading the snapshot.
//! - [`auth`]: roles, accounts (argon2id), sessions, login throttling.
//! - [`extractor`]: who is asking — the `User`/`ApiUser` extractors, cookies, CSRF.
//! - [`pages`]: one module per section (概要, 会員, アンケート/専門医/拠点病院, 専門医更新, 指標, データ)
//!   and the login routes.
//! - [`export`]: CSV (UTF-8 BOM or CP932) and JSON downloads, audited.
//! - [`api`]: `/api/v1/...` JSON.
//! - [`openapi`]: the OpenAPI document of the API, generated from the catalog.
//! - [`admin`]: accounts, audit log, reloading the warehouse, alert e-mail recipients.
//! - [`alerts`]: the committee's alerts after a load, on 概要 and 会員 and by e-mail.
//! - [`booklets`]: 冊子 and 回答 — the committee's booklet from survey evidence to the
//!   published file, and the respondents' answers.
//! - [`loading`]: 取り込み — upload, preview, commit in the browser (admin and データ管理者).
//! - [`html`]: the page shell, metric tables, the style sheet.
//! - [`security`]: response headers (CSP, nosniff, frame-ancestors, HSTS), the request deadline,
//!   the audit of refusals and reads.
//! - [`server`]: the listening loop with connection caps and timeouts.
//! - [`warmup`]: the first start — listening while the sample loads, pages waiting for it.
//! - [`error`]: the server's error type (HTML and JSON renderings).
//!
//! Nothing here writes SQL: numbers come from `queries`, accounts and audit from `store`.

pub mod admin;
pub mod alerts;
pub mod api;
pub mod auth;
pub mod booklets;
pub mod error;
pub mod export;
pub mod extractor;
pub mod html;
pub mod lifecycle;
pub mod loading;
pub mod openapi;
pub mod pages;
pub mod security;
pub mod server;
pub mod state;
pub mod warmup;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

pub use error::{Error, Result};
pub use state::{AppState, Config};

/// The largest request body of a form (the console's own limit is larger).
pub const MAX_BODY: usize = 16 * 1024;

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(pages::login::router())
        .merge(pages::overview::router())
        .merge(pages::members::router())
        .merge(pages::metric::router())
        .merge(pages::data::router())
        .merge(pages::console::router().layer(DefaultBodyLimit::max(pages::console::MAX_BODY)))
        .merge(export::router())
        .merge(export::packs::router())
        .merge(openapi::router())
        .merge(api::router())
        .merge(admin::router())
        .merge(loading::router(&state.config.uploads))
        .merge(pages::survey::router())
        .merge(pages::hospitals::router())
        .merge(pages::renewals::router())
        .merge(pages::sections::router())
        .merge(booklets::router())
        .route("/static/app.css", get(css))
        .route("/favicon.ico", get(icon))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(|| async { Error::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(state.clone(), warmup::gate))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::audit_requests))
        .layer(axum::middleware::from_fn(security::request_deadline))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        .with_state(state)
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        html::CSS,
    )
}

async fn icon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        html::ICON,
    )
}

/// Creates the first admin when there is no account at all; returns its one-time password.
pub fn bootstrap_admin(db: &store::AppDb) -> Result<Option<String>> {
    if db.account_count()? > 0 {
        return Ok(None);
    }
    let password = auth::password::generate()?;
    let hash = auth::password::hash(&password)?;
    db.atomically(|db| {
        db.create_account("admin", auth::Role::Admin.name(), &hash)?;
        db.set_must_change("admin", true)?;
        db.audit(None, "account_created", "admin", "first start", "-")
    })?;
    Ok(Some(password))
}

/// Serves until Ctrl-C (or SIGTERM). `ready` is called once the socket listens.
pub async fn serve(state: AppState, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    let addr = state.config.addr;
    let listener = server::bind(addr).await?;
    ready(listener.local_addr().unwrap_or(addr));
    let limits = state.config.connections;
    server::run(listener, app(state), limits, shutdown()).await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
