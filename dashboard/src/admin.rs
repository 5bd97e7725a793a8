//! 管理 (admin only): accounts (create with a one-time random password, disable), the
//! audit log, and re-reading the warehouse after new loads.

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use serde::Deserialize;

use crate::alerts;
use crate::auth::{Role, password};
use crate::error::{Error, Result};
use crate::extractor::{CsrfForm, User};
use crate::html::Page;
use crate::pages::Params;
use crate::pages::page;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(admin))
        .route("/admin/accounts", post(create_account))
        .route("/admin/accounts/disable", post(disable_account))
        .route("/admin/reload", post(reload))
        .route("/admin/alerts", post(set_recipients))
}

async fn admin(State(state): State<AppState>, user: User, Query(params): Query<Params>) -> Result<Html<String>> {
    user.require_admin()?;
    let action = params.get("action").filter(|a| !a.is_empty()).cloned();
    let filter = action.clone();
    let (accounts, log, recipients) = state
        .db(move |db| Ok((db.accounts()?, db.audit_entries(filter.as_deref(), 500)?, db.setting(alerts::RECIPIENTS)?)))
        .await?;
    let body = html! {
        h1 { "管理" }
        h2 { "アカウント" }
        table {
            thead { tr { th { "ユーザー名" } th { "役割" } th { "作成" } th { "状態" } th {} } }
            tbody {
                @for a in &accounts {
                    tr {
                        td { (a.username) }
                        td { (Role::parse(&a.role).map_or_else(|| a.role.clone(), |r| r.ja().to_string())) }
                        td { (a.created_at) }
                        td { @if a.disabled { "無効" } @else { "有効" } }
                        td {
                            @if !a.disabled && a.username != user.name() {
                                form.inline method="post" action="/admin/accounts/disable" {
                                    input type="hidden" name="csrf" value=(user.session.csrf);
                                    input type="hidden" name="username" value=(a.username);
                                    button type="submit" { "無効にする" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "アカウントの追加" }
        form.grid method="post" action="/admin/accounts" {
            input type="hidden" name="csrf" value=(user.session.csrf);
            label { "ユーザー名" input name="username" required pattern="[A-Za-z0-9._-]{2,40}"; }
            label { "役割"
                select name="role" {
                    @for r in Role::ALL { option value=(r.name()) { (r.ja()) } }
                }
            }
            button type="submit" { "追加（初期パスワードを一度だけ表示）" }
        }
        h2 { "データの再読み込み" }
        p.muted { "コマンドラインで取り込んだデータを画面に反映します（現在: ロード " (state.snapshot().at_load) " まで）。" }
        form.inline method="post" action="/admin/reload" {
            input type="hidden" name="csrf" value=(user.session.csrf);
            button type="submit" { "再読み込み" }
        }
        h2 id="alerts" { "通知メール" }
        @match &state.config.mail {
            Some(m) => p { "取り込みの後の通知（8割ルール・取り込みの確認）を " code { (m.from) } " から次の宛先に送ります。" }
            None => p.muted { "メール通知は無効です（サーバーに SMTP が設定されていません。設定すると、下の宛先に送ります）。" }
        }
        form.grid method="post" action="/admin/alerts" {
            input type="hidden" name="csrf" value=(user.session.csrf);
            label.wide { "宛先（1 行に 1 件）"
                textarea name="recipients" rows="4" { (recipients.unwrap_or_default()) }
            }
            button type="submit" { "宛先を保存" }
        }
        h2 id="audit" { "監査ログ" }
        form.asof method="get" action="/admin#audit" {
            label { "操作 "
                select name="action" {
                    option value="" { "すべて" }
                    @for a in ["login", "login_failed", "login_throttled", "logout", "view", "read", "denied", "export", "account_created", "account_disabled", "password_changed", "reload", "alert_recipients", "alert_mailed"].into_iter().chain(crate::loading::AUDIT_ACTIONS) {
                        option value=(a) selected[action.as_deref() == Some(a)] { (a) }
                    }
                }
            }
            button type="submit" { "絞り込み" }
        }
        div.table-wrap tabindex="0" role="region" aria-label="表（横にスクロールできます）" {
            table {
                thead { tr { th { "#" } th { "日時 (UTC)" } th { "ユーザー" } th { "操作" } th { "対象" } th { "詳細" } th { "接続元" } } }
                tbody {
                    @for e in &log {
                        tr {
                            td.num { (e.id) } td { (e.at) } td { (e.username.clone().unwrap_or_default()) }
                            td { (e.action) } td { (e.target) } td { (e.detail) } td { (e.remote) }
                        }
                    }
                }
            }
        }
    };
    Ok(Html(page(&state, &user, Page::new("管理", "admin"), body)))
}

#[derive(Debug, Deserialize)]
struct NewAccount {
    #[serde(default)]
    csrf: String,
    username: String,
    role: String,
}

fn valid_username(s: &str) -> bool {
    (2..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

async fn create_account(State(state): State<AppState>, user: User, Form(form): Form<NewAccount>) -> Result<Response> {
    user.require_admin()?;
    user.check_csrf(&form.csrf)?;
    let username = form.username.trim().to_string();
    if !valid_username(&username) {
        return Err(Error::BadRequest(
            "ユーザー名は英数字と . _ - の2〜40文字にしてください / 2–40 letters, digits, . _ -".into(),
        ));
    }
    let role =
        Role::parse(&form.role).ok_or_else(|| Error::BadRequest(format!("役割 {:?} はありません", form.role)))?;
    let initial = password::generate()?;
    let to_hash = initial.clone();
    let hash = crate::auth::argon2(&state, move || password::hash(&to_hash)).await??;
    let (name, r, by, addr) = (username.clone(), role.name(), user.name().to_string(), user.addr.clone());
    state
        .db(move |db| {
            db.atomically(|db| {
                db.create_account(&name, r, &hash)?;
                db.set_must_change(&name, true)?;
                db.audit(Some(&by), "account_created", &name, r, &addr)
            })
        })
        .await
        .map_err(|e| match e {
            Error::Store(store::Error::Invalid(m)) => Error::BadRequest(m),
            e => e,
        })?;
    let body = html! {
        h1 { "アカウントを追加しました" }
        p { "ユーザー名: " strong { (username) } "（" (role.ja()) "）" }
        p { "初期パスワード（この画面でのみ表示されます。本人に安全な方法で伝えてください）:" }
        p { code.secret { (initial) } }
        p { a href="/admin" { "管理へ戻る" } }
    };
    Ok(Html(page(&state, &user, Page::new("アカウントの追加", "admin"), body)).into_response())
}

#[derive(Debug, Deserialize)]
struct Disable {
    #[serde(default)]
    csrf: String,
    username: String,
}

async fn disable_account(State(state): State<AppState>, user: User, Form(form): Form<Disable>) -> Result<Response> {
    user.require_admin()?;
    user.check_csrf(&form.csrf)?;
    if form.username == user.name() {
        return Err(Error::BadRequest("自分自身は無効にできません / you cannot disable yourself".into()));
    }
    let (name, by, addr) = (form.username.clone(), user.name().to_string(), user.addr.clone());
    let found = state
        .db(move |db| {
            db.atomically(|db| {
                let found = db.set_disabled(&name, true)?;
                if found {
                    db.audit(Some(&by), "account_disabled", &name, "", &addr)?;
                }
                Ok(found)
            })
        })
        .await?;
    if !found {
        return Err(Error::NotFound);
    }
    state.sessions.remove_user(&form.username)?;
    Ok(Redirect::to("/admin").into_response())
}

#[derive(Debug, Deserialize)]
struct Recipients {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    recipients: String,
}

/// Saves the alert e-mail's recipients (checked as addresses).
async fn set_recipients(State(state): State<AppState>, user: User, Form(form): Form<Recipients>) -> Result<Response> {
    user.require_admin()?;
    user.check_csrf(&form.csrf)?;
    let list = alerts::parse_recipients(&form.recipients).map_err(Error::BadRequest)?;
    let text = list.join("\n");
    let (by, addr, n) = (user.name().to_string(), user.addr.clone(), list.len());
    state
        .db(move |db| {
            db.atomically(|db| {
                db.set_setting(alerts::RECIPIENTS, &text)?;
                db.audit(Some(&by), "alert_recipients", "alerts", &format!("recipients={n}"), &addr)
            })
        })
        .await?;
    Ok(Redirect::to("/admin#alerts").into_response())
}

async fn reload(State(state): State<AppState>, user: User, Form(form): Form<CsrfForm>) -> Result<Response> {
    user.require_admin()?;
    user.check_csrf(&form.csrf)?;
    let at = state.reload().await?;
    state.audit(Some(user.name()), "reload", "warehouse", &format!("at_load={at}"), &user.addr).await?;
    Ok(Redirect::to("/admin").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_plain_ascii() {
        assert!(valid_username("tanaka.k"));
        assert!(!valid_username("a"));
        assert!(!valid_username("田中"));
        assert!(!valid_username("a b"));
        assert!(!valid_username("../etc"));
    }
}
