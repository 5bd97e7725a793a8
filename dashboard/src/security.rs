//! What every request goes through:
//!
//! - [`headers`]: a strict Content-Security-Policy (no inline scripts or styles, nothing
//!   from other origins, no framing), nosniff, no referrer, `Cache-Control: no-store` for
//!   everything but static files, and HSTS behind TLS.
//! - [`request_deadline`]: a request, its body included, completes within [`REQUEST_TIME`]
//!   (an upload within [`UPLOAD_TIME`]).
//! - [`audit_requests`]: refusals (403: a role's forbidden page, a failed CSRF check) and
//!   every read of data by a logged-in user are written to the audit log; a read whose audit
//!   entry cannot be written is not answered.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::session::COOKIE;
use crate::error::Error;
use crate::extractor::cookie;
use crate::state::AppState;

/// The longest a request may take, from its headers to its answer.
pub const REQUEST_TIME: Duration = Duration::from_secs(60);

/// The longest an upload (取り込み) may take to arrive: a file of the upper size limit over a
/// slow office line. A stalled upload is still cut off by the socket timeout.
pub const UPLOAD_TIME: Duration = Duration::from_secs(3600);

pub async fn request_deadline(req: Request, next: Next) -> Response {
    let limit = if req.method() == Method::POST && req.uri().path() == crate::loading::UPLOAD_PATH {
        UPLOAD_TIME
    } else {
        REQUEST_TIME
    };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => Error::Unavailable(
            "時間内に処理できませんでした。もう一度お試しください / the request took too long".into(),
        )
        .into_response(),
    }
}

/// Routes whose GET answers show data (pages, the API, downloads are audited by their
/// handler): everything but the login form, static files and the health check.
fn shows_data(path: &str) -> bool {
    !(path.starts_with("/static/")
        || path.starts_with("/export/")
        || matches!(path, "/login" | "/favicon.ico" | "/healthz" | "/account/password"))
}

pub async fn audit_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().clone();
    let addr =
        req.extensions().get::<ConnectInfo<SocketAddr>>().map_or_else(|| "-".to_string(), |c| c.0.ip().to_string());
    let user = cookie(req.headers(), COOKIE).and_then(|t| state.sessions.peek(t));
    let res = next.run(req).await;
    let action = match res.status() {
        StatusCode::FORBIDDEN => "denied",
        s if s.is_success() && method == Method::GET && user.is_some() && shows_data(&path) => "read",
        _ => return res,
    };
    let detail = format!("{method} {query}");
    match state.audit(user.as_deref(), action, &path, &detail, &addr).await {
        Ok(()) => res,
        // A refusal stands either way; a read that cannot be audited is not answered.
        Err(e) if action == "read" => e.into_response(),
        Err(_) => res,
    }
}

pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/") || req.uri().path() == "/favicon.ico";
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    res
}
