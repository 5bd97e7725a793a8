//! Who is asking: the extractors every handler takes ([`User`] for pages, [`ApiUser`] for the
//! API, [`ClientAddr`]), the session cookie, and the CSRF form field.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use queries::Audience;
use serde::Deserialize;

use crate::auth::Role;
use crate::auth::session::{COOKIE, Session};
use crate::error::{ApiError, Error, Result};
use crate::state::AppState;

/// The client's address (from the connection; "-" when unknown, as in tests).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr =
            parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or_else(|| "-".to_string(), |c| c.0.ip().to_string());
        Ok(ClientAddr(addr))
    }
}

/// The logged-in user of a page request; pages redirect to the login form without one.
#[derive(Debug, Clone)]
pub struct User {
    pub session: Session,
    pub addr: String,
}

impl User {
    pub fn name(&self) -> &str {
        &self.session.username
    }
    pub fn role(&self) -> Role {
        self.session.role
    }
    pub fn audience(&self) -> Audience {
        self.session.role.audience()
    }
    /// Refuses anyone but an admin.
    pub fn require_admin(&self) -> Result<()> {
        if self.role() == Role::Admin { Ok(()) } else { Err(Error::Forbidden) }
    }
    /// Refuses anyone who does not load data (取り込み: admin and データ管理者).
    pub fn require_loader(&self) -> Result<()> {
        if self.role().loads_data() { Ok(()) } else { Err(Error::Forbidden) }
    }
    /// Refuses anyone who does not write the committee's booklet (admin and committee do).
    pub fn require_booklet_editor(&self) -> Result<()> {
        if self.role().edits_booklets() { Ok(()) } else { Err(Error::Forbidden) }
    }
    /// Refuses anyone who does not see member-level data (admin and committee do).
    pub fn require_committee(&self) -> Result<()> {
        if self.audience() == queries::Audience::Committee { Ok(()) } else { Err(Error::Forbidden) }
    }
    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, token: &str) -> Result<()> {
        if constant_time_eq(token.as_bytes(), self.session.csrf.as_bytes()) { Ok(()) } else { Err(Error::Csrf) }
    }
}

/// The value of cookie `name` in the request's headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for User {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = cookie(&parts.headers, COOKIE).ok_or(Error::LoginRequired)?;
        let session = state.sessions.touch(token)?.ok_or(Error::LoginRequired)?;
        // A generated password opens nothing but the form that changes it (and logout).
        if session.must_change && !matches!(parts.uri.path(), "/account/password" | "/logout") {
            return Err(Error::PasswordChangeRequired);
        }
        // A respondent (回答者) opens their answers and nothing else; their home is 回答.
        if !session.role.may_open(parts.uri.path()) {
            return Err(if parts.uri.path() == "/" { Error::AnswersHome } else { Error::Forbidden });
        }
        let addr = ClientAddr::from_request_parts(parts, state).await.map_or_else(|_| "-".into(), |a| a.0);
        Ok(User { session, addr })
    }
}

/// The logged-in user of an API request: 401 JSON without one.
#[derive(Debug, Clone)]
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        User::from_request_parts(parts, state).await.map(ApiUser).map_err(ApiError)
    }
}

/// A `Set-Cookie` value with the attributes every cookie of ours has.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
    let secure = if state.config.https { "; Secure" } else { "" };
    let age = max_age.map_or_else(String::new, |s| format!("; Max-Age={s}"));
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}{age}"))
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// A form that carries nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}
