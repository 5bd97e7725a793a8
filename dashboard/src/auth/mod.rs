//! Accounts, login and sessions.
//!
//! - [`password`]: argon2id hashing and random passwords.
//! - [`session`]: the in-memory session store with idle and absolute timeouts.
//! - [`throttle`]: failed-login limits per user name and per address.
//!
//! Routes: `GET/POST /login`, `POST /logout`, `GET/POST /account/password`.

pub mod password;
pub mod session;
pub mod throttle;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Form, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use queries::Audience;
use serde::Deserialize;

use crate::error::{ApiError, Error, Result};
use crate::html::{self, Page};
use crate::state::AppState;
use session::{COOKIE, Session};

/// What an account may do. Each role sees what its audience may see under the metric
/// catalog's disclosure policy; admin also manages accounts and reads the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The society's secretariat: the committee's view plus accounts, audit and reloads.
    Admin,
    Committee,
    Board,
    Researcher,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Committee, Role::Board, Role::Researcher];

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "committee" => Some(Role::Committee),
            "board" => Some(Role::Board),
            "researcher" => Some(Role::Researcher),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Committee => "committee",
            Role::Board => "board",
            Role::Researcher => "researcher",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            Role::Admin => "管理者",
            Role::Committee => "会員委員会",
            Role::Board => "理事会",
            Role::Researcher => "研究者",
        }
    }

    /// The disclosure audience of what this role sees.
    pub fn audience(self) -> Audience {
        match self {
            Role::Admin | Role::Committee => Audience::Committee,
            Role::Board => Audience::Board,
            Role::Researcher => Audience::Researcher,
        }
    }
}

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

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
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

const LOGIN_CSRF: &str = "om_login_csrf";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account/password", get(password_form).post(change_password))
}

async fn login_form(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    // Login CSRF: a double-submit token, since there is no session yet. A token the browser
    // already holds is kept, so that a second load of the form (another tab, a prefetch)
    // does not invalidate the first.
    let token = match cookie(&headers, LOGIN_CSRF) {
        Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => t.to_string(),
        _ => session::new_token()?,
    };
    let body = html::bare_page(
        "ログイン",
        html! {
            form.login method="post" action="/login" {
                h1 { "oncometrics" }
                input type="hidden" name="csrf" value=(token);
                label { "ユーザー名" span lang="en" { " / user name" } input name="username" autocomplete="username" required; }
                label { "パスワード" span lang="en" { " / password" } input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { "ログイン" span lang="en" { " / log in" } }
            }
        },
    );
    Ok(([(header::SET_COOKIE, set_cookie(&state, LOGIN_CSRF, &token, Some(3600)))], Html(body)).into_response())
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

/// The cookie of a browser that has logged in as a user before (see [`throttle`]).
pub const DEVICE_COOKIE: &str = "om_device";
/// How long a device is known, in seconds.
const DEVICE_DAYS: i64 = 90;
/// The longest user name: longer ones are no account's and are not looked up.
const MAX_NAME: usize = 64;

/// Runs argon2id work (19 MiB and tens of milliseconds by design) on the bounded pool of
/// password slots: with every slot busy, the answer is 503 at once, so a flood of logins
/// can neither exhaust memory nor queue without end.
pub async fn argon2<T: Send + 'static>(state: &AppState, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let _slot = state.verify_slots.clone().try_acquire_owned().map_err(|_| {
        Error::Unavailable("ログインが混み合っています。数秒後にもう一度お試しください / too many logins at once; try again in a few seconds".into())
    })?;
    tokio::task::spawn_blocking(work).await.map_err(|e| Error::Internal(format!("blocking task: {e}")))
}

/// Whether `password` matches `phc` (a missing account is checked against a dummy hash, so
/// that it takes as long), on the password slots.
pub async fn verify_password(state: &AppState, password: String, phc: Option<String>) -> Result<bool> {
    argon2(state, move || {
        let hash: &str = phc.as_deref().unwrap_or_else(|| password::dummy_hash());
        password::verify(&password, hash) && phc.is_some()
    })
    .await
}

fn device_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let expected = cookie(&headers, LOGIN_CSRF).unwrap_or("");
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), form.csrf.as_bytes()) {
        return Err(Error::Csrf);
    }
    let username = form.username.trim().to_string();
    let device = cookie(&headers, DEVICE_COOKIE).filter(|t| t.len() == 64).map(device_hash);
    let trusted = match device {
        Some(h) if username.len() <= MAX_NAME => {
            let name = username.clone();
            state.db(move |db| db.device_user(&h, DEVICE_DAYS * 86_400)).await?.is_some_and(|u| u == name)
        }
        _ => false,
    };
    let attempt = match state.throttle.begin(&username, &addr, trusted) {
        Ok(a) => a,
        Err(_) => {
            state.audit(Some(&username), "login_throttled", "/login", "", &addr).await?;
            return Err(Error::TooManyAttempts);
        }
    };
    let account = if username.len() <= MAX_NAME {
        let name = username.clone();
        state.db(move |db| db.account(&name)).await?
    } else {
        None
    };
    let phc = account.as_ref().filter(|a| !a.disabled).map(|a| a.password_hash.clone());
    let ok = verify_password(&state, form.password, phc).await?;
    let role = account.as_ref().and_then(|a| Role::parse(&a.role));
    let (true, Some(role), Some(account)) = (ok, role, account) else {
        state.audit(Some(&username), "login_failed", "/login", "", &addr).await?;
        let body = html::bare_page(
            "ログイン",
            html! {
                div.login {
                    p.error { "ユーザー名またはパスワードが違います" span lang="en" { " / wrong user name or password" } }
                    a href="/login" { "もう一度" span lang="en" { " / try again" } }
                }
            },
        );
        return Ok((axum::http::StatusCode::UNAUTHORIZED, Html(body)).into_response());
    };
    state.throttle.succeeded(attempt);
    state.audit(Some(&username), "login", "/login", role.name(), &addr).await?;
    let token = state.sessions.create(&username, role, account.must_change)?;
    let next = if account.must_change { "/account/password" } else { "/" };
    let mut res = Redirect::to(next).into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(&state, COOKIE, &token, None));
    res.headers_mut().append(header::SET_COOKIE, set_cookie(&state, LOGIN_CSRF, "", Some(0)));
    if !trusted {
        let device = session::new_token()?;
        let (h, name) = (device_hash(&device), username.clone());
        state.db(move |db| db.add_device(&h, &name)).await?;
        let age = u64::try_from(DEVICE_DAYS * 86_400).unwrap_or(0);
        res.headers_mut().append(header::SET_COOKIE, set_cookie(&state, DEVICE_COOKIE, &device, Some(age)));
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    user: User,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    user.check_csrf(&form.csrf)?;
    if let Some(token) = cookie(&headers, COOKIE) {
        state.sessions.remove(token)?;
    }
    state.audit(Some(user.name()), "logout", "/logout", "", &user.addr).await?;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(&state, COOKIE, "", Some(0)));
    Ok(res)
}

async fn password_form(State(state): State<AppState>, user: User) -> Result<Html<String>> {
    let body = html! {
        h1 { "パスワードの変更" }
        form.stack method="post" action="/account/password" {
            input type="hidden" name="csrf" value=(user.session.csrf);
            label { "現在のパスワード" span lang="en" { " / current password" } input type="password" name="current" autocomplete="current-password" required; }
            label { "新しいパスワード（" (password::MIN_LENGTH) " 文字以上）" span lang="en" { " / new password" } input type="password" name="new" autocomplete="new-password" required minlength=(password::MIN_LENGTH); }
            button type="submit" { "変更する" span lang="en" { " / change" } }
        }
    };
    Ok(Html(html::page(&state, &user, Page::new("パスワードの変更", "account"), body)))
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    current: String,
    new: String,
}

async fn change_password(
    State(state): State<AppState>,
    user: User,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    user.check_csrf(&form.csrf)?;
    password::check_new(user.name(), &form.new)?;
    let name = user.name().to_string();
    let account = state.db(move |db| db.account(&name)).await?.ok_or(Error::LoginRequired)?;
    // A wrong current password counts like a failed login: a stolen session cannot
    // guess it at leisure.
    let Ok(attempt) = state.throttle.begin(user.name(), &user.addr, true) else {
        state.audit(Some(user.name()), "password_change_throttled", "/account/password", "", &user.addr).await?;
        return Err(Error::TooManyAttempts);
    };
    let same = form.new == form.current;
    if !verify_password(&state, form.current, Some(account.password_hash)).await? {
        state.audit(Some(user.name()), "password_change_failed", "/account/password", "", &user.addr).await?;
        return Err(Error::BadRequest("現在のパスワードが違います / the current password is wrong".into()));
    }
    state.throttle.succeeded(attempt);
    if same {
        return Err(Error::BadRequest(
            "新しいパスワードは今のものと違うものにしてください / choose a new password".into(),
        ));
    }
    let new = form.new;
    let hash = argon2(&state, move || password::hash(&new)).await??;
    let (name, addr) = (user.name().to_string(), user.addr.clone());
    state
        .db(move |db| {
            db.atomically(|db| {
                db.set_password(&name, &hash)?;
                db.set_must_change(&name, false)?;
                db.audit(Some(&name), "password_changed", "/account/password", "", &addr)
            })
        })
        .await?;
    state.sessions.remove_user(user.name())?;
    Ok(Redirect::to("/login").into_response())
}
