//! Signing in and out, and changing one's password: `GET/POST /login`, `POST /logout`,
//! `GET/POST /account/password`.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use serde::Deserialize;

use crate::auth::session::{self, COOKIE};
use crate::auth::{Role, argon2, password, verify_password};
use crate::error::{Error, Result};
use crate::extractor::{ClientAddr, CsrfForm, User, constant_time_eq, cookie, set_cookie};
use crate::html::{self, Page};
use crate::state::AppState;

const LOGIN_CSRF: &str = "om_login_csrf";

/// The login, logout and password routes.
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

/// The cookie of a browser that has logged in as a user before (see [`crate::auth::throttle`]).
pub const DEVICE_COOKIE: &str = "om_device";
/// How long a device is known, in seconds.
const DEVICE_DAYS: i64 = 90;
/// The longest user name: longer ones are no account's and are not looked up.
const MAX_NAME: usize = 64;

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
    Ok(Html(super::page(&state, &user, Page::new("パスワードの変更", "account"), body)))
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
