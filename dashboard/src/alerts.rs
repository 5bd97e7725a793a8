//! Alerts after each load ([`queries::alerts`]): worked out for every new snapshot, shown to
//! the committee on 概要 and 会員, and sent by e-mail to the addresses the admin lists — once
//! per new roster or survey load, through the SMTP server of the configuration (lettre). The
//! mail carries the society-wide figures of the alerts only, never a member.

use std::sync::Arc;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use maud::{Markup, html};
use queries::alerts::{Alert, Level};

use crate::error::{Error, Result};
use crate::state::AppState;
pub use crate::state::MailConfig;

/// The setting that lists the alert e-mail's recipients (one address a line).
pub const RECIPIENTS: &str = "alert_recipients";
/// The setting that records the last load whose alerts were mailed (or found nothing to mail).
pub const MAILED_AT: &str = "alerts_mailed_at_load";

/// Datasets whose load makes the alerts worth mailing again.
const MAIL_AFTER: [&str; 4] = ["members", "survey_waves", "survey_questions", "survey_responses"];

/// Checks a list of recipients, one a line: the addresses, or which line is wrong.
pub fn parse_recipients(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let a = line.trim();
        if a.is_empty() {
            continue;
        }
        if a.parse::<Mailbox>().is_err() || !a.contains('@') {
            return Err(format!("{} 行目「{a}」はメールアドレスとして読めません", i + 1));
        }
        out.push(a.to_string());
    }
    if out.len() > 50 {
        return Err("宛先は 50 件までにしてください".into());
    }
    Ok(out)
}

/// Works the alerts out for the current snapshot and keeps them for the pages; then, in the
/// background, mails them when a roster or survey load is newer than the last mailing.
pub async fn refresh(state: &AppState) {
    let snapshot = state.snapshot();
    let alerts = match queries::alerts::evaluate(&snapshot, &state.config.alert_thresholds).await {
        Ok(a) => Arc::new(a),
        Err(e) => {
            tracing::warn!("alerts: {e}");
            return;
        }
    };
    state.set_alerts(alerts.clone());
    let newest = snapshot.loads.iter().filter(|l| MAIL_AFTER.contains(&l.dataset.as_str())).map(|l| l.load_id).max();
    let Some(newest) = newest else { return };
    let state = state.clone();
    tokio::spawn(async move {
        let mailed = state.db(|db| db.setting(MAILED_AT)).await.ok().flatten().and_then(|v| v.parse::<i64>().ok());
        if mailed.is_some_and(|m| m >= newest) {
            return;
        }
        if let Err(e) = mail(&state, &alerts, newest).await {
            tracing::error!("alert e-mail: {e}");
        }
    });
}

/// Sends the alerts (when there are any, e-mail is on and someone is listed) and records the
/// load they were sent for.
async fn mail(state: &AppState, alerts: &[Alert], load: i64) -> Result<()> {
    let Some(cfg) = &state.config.mail else { return Ok(()) };
    let to = state.db(|db| db.setting(RECIPIENTS)).await?.unwrap_or_default();
    let to = parse_recipients(&to).map_err(Error::Internal)?;
    if alerts.is_empty() || to.is_empty() {
        return state.db(move |db| db.set_setting(MAILED_AT, &load.to_string())).await;
    }
    let subject = format!("【oncometrics】会員委員会への通知 {} 件（ロード {load}）", alerts.len());
    let body = text(alerts);
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.url)
        .map_err(|e| Error::Internal(format!("SMTP settings: {e}")))?
        .timeout(Some(std::time::Duration::from_secs(30)))
        .build();
    let from: Mailbox = cfg.from.parse().map_err(|e| Error::Internal(format!("sender {}: {e}", cfg.from)))?;
    let mut builder = Message::builder().from(from).subject(subject).header(ContentType::TEXT_PLAIN);
    for a in &to {
        builder = builder.bcc(a.parse().map_err(|e| Error::Internal(format!("recipient: {e}")))?);
    }
    let message = builder.body(body).map_err(|e| Error::Internal(format!("message: {e}")))?;
    transport.send(message).await.map_err(|e| Error::Internal(format!("SMTP: {e}")))?;
    let keys: Vec<&str> = alerts.iter().map(|a| a.key).collect();
    let detail = format!("load={load} recipients={} alerts={}", to.len(), keys.join(","));
    state.audit(None, "alert_mailed", "alerts", &detail, "-").await?;
    state.db(move |db| db.set_setting(MAILED_AT, &load.to_string())).await
}

/// The mail's text: every alert with its figures, and where to read more.
pub fn text(alerts: &[Alert]) -> String {
    let mut s = String::from("会員委員会の皆さま\n\noncometrics がデータの取り込み後に次の点を確認しました。\n\n");
    for a in alerts {
        s.push_str(match a.level {
            Level::Alert => "■ ",
            Level::Warning => "□ （取り込みの確認）",
        });
        s.push_str(&a.title);
        s.push('\n');
        for l in &a.lines {
            s.push_str("  ");
            s.push_str(l);
            s.push('\n');
        }
        s.push('\n');
    }
    s.push_str("詳しくは oncometrics の「概要」「会員」をご覧ください。\nこのメールは自動送信です。\n");
    s
}

/// The alerts box atop 概要 and 会員 (nothing when there is nothing to say).
pub fn panel(alerts: &[Alert]) -> Markup {
    html! {
        @if !alerts.is_empty() {
            section.alerts role="alert" aria-label="通知" {
                @for a in alerts {
                    div class=(if a.level == Level::Alert { "alert" } else { "alert warning" }) {
                        strong { (a.title) }
                        ul { @for l in &a.lines { li { (l) } } }
                    }
                }
            }
        }
    }
}
