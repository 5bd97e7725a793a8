//! What the committee must hear after a load: the 80% rule on the latest roster (below it, its
//! projection crossing it within a horizon, or too little headroom), with what changed since
//! the roster before; and load problems worth a second look (a roster with unusually many
//! leavers, a survey 年度 with far fewer answers than the invited × 14% the society expects).
//!
//! Alerts are a pure function of the snapshot and the [`Thresholds`]: the dashboard shows them
//! on 概要 and 会員 and mails them. They carry society-wide figures only, never a member.

use arrow::array::{Array, AsArray};
use arrow::datatypes::Int64Type;
use chrono::NaiveDate;
use model::physician_rule::{RuleOutcome, ShareRule};

use crate::error::Result;
use crate::metric::Request;
use crate::metrics::membership::{PHYSICIAN_SHARE, PROJECTION};
use crate::result::Value;
use crate::snapshot::Snapshot;
use crate::{Audience, catalog};

/// When an alert is raised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Months ahead the projection is watched for a crossing of 80% (12–36).
    pub horizon_months: u32,
    /// Headroom (non-physician 正会員 who may still join) under which the committee is warned.
    pub min_headroom: u64,
    /// A roster's leavers per month above this multiple of the usual (the median of the
    /// intervals before) are unusual …
    pub leavers_factor: f64,
    /// … when they are at least this many.
    pub min_leavers: i64,
    /// The share of the invited whose answers are expected, in per cent (14).
    pub response_pct: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { horizon_months: 12, min_headroom: 20, leavers_factor: 2.0, min_leavers: 10, response_pct: 14 }
    }
}

/// How serious an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The 80% rule: the committee must act.
    Alert,
    /// A load worth a second look.
    Warning,
}

/// One alert: a title and the figures behind it, in Japanese.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub level: Level,
    /// A stable name (`share_below`, `projection`, `headroom`, `leavers`, `survey_responses`).
    pub key: &'static str,
    pub title: String,
    pub lines: Vec<String>,
}

/// P, T and the rule's outcome on one date.
struct Share {
    date: NaiveDate,
    p: u64,
    t: u64,
}

impl Share {
    fn pct(&self) -> f64 {
        ShareRule::share(self.p, self.t).map_or(0.0, |s| s * 100.0)
    }
    fn line(&self, what: &str) -> String {
        format!("{what}（{}）: 正会員 {} 人のうち医師 {} 人、{:.1}%", self.date, self.t, self.p, self.pct())
    }
}

async fn share(s: &Snapshot, date: NaiveDate) -> Result<Option<Share>> {
    let r = catalog::evaluate(s, &Request::new(PHYSICIAN_SHARE.name, Audience::Committee).as_of(date)).await?;
    let get =
        |c: &str| r.column_index(c).and_then(|i| r.rows.first().and_then(|row| row.get(i))).and_then(Value::as_i64);
    Ok(match (get("physicians"), get("full_members")) {
        (Some(p), Some(t)) => Some(Share { date, p: u64::try_from(p).unwrap_or(0), t: u64::try_from(t).unwrap_or(0) }),
        _ => None,
    })
}

/// Every alert the snapshot raises, the 80% rule's first.
pub async fn evaluate(s: &Snapshot, t: &Thresholds) -> Result<Vec<Alert>> {
    let mut out = Vec::new();
    let dates = s.roster_dates();
    if let Some(&latest) = dates.last()
        && let Some(now) = share(s, latest).await?
    {
        let before = match dates.len().checked_sub(2).map(|i| dates[i]) {
            Some(d) => share(s, d).await?,
            None => None,
        };
        let mut context = vec![now.line("最新の名簿")];
        if let Some(b) = &before {
            context.push(b.line("前回の名簿の日"));
            context.push(format!(
                "変化: 正会員 {:+} 人、医師 {:+} 人、割合 {:+.1} ポイント",
                now.t as i64 - b.t as i64,
                now.p as i64 - b.p as i64,
                now.pct() - b.pct()
            ));
        }
        match ShareRule::EIGHTY_PERCENT.evaluate(now.p, now.t) {
            RuleOutcome::NotCompliant { practitioners_needed, moves_to_associate } => {
                let mut lines = context.clone();
                lines.push(format!(
                    "回復に必要なのは、医師 {practitioners_needed} 人の入会、または医師以外の正会員 {moves_to_associate} 人の準会員への移行です。"
                ));
                out.push(Alert {
                    level: Level::Alert,
                    key: "share_below",
                    title: format!("正会員に占める医師の割合が 8割を下回っています（{:.1}%）", now.pct()),
                    lines,
                });
            }
            RuleOutcome::Compliant { headroom } => {
                if let Some(month) = crossing(s, latest, t.horizon_months).await? {
                    let mut lines = context.clone();
                    lines.push(format!(
                        "直近12か月の入会・退会の傾向が続くと、{} に 8割を下回る推計です（{} か月以内）。",
                        month.format("%Y年%m月"),
                        t.horizon_months
                    ));
                    out.push(Alert {
                        level: Level::Alert,
                        key: "projection",
                        title: format!("{} か月以内に 8割を下回る見込みです", t.horizon_months),
                        lines,
                    });
                }
                if headroom < t.min_headroom {
                    let mut lines = context.clone();
                    lines.push(format!(
                        "医師以外の正会員があと {headroom} 人入会すると 8割を下回ります（通知の基準: {} 人未満）。",
                        t.min_headroom
                    ));
                    out.push(Alert {
                        level: Level::Alert,
                        key: "headroom",
                        title: format!("8割ルールの余裕が少なくなっています（あと {headroom} 人）"),
                        lines,
                    });
                }
            }
        }
        if let Some(w) = leavers(s, &dates, t).await? {
            out.push(w);
        }
    }
    if let Some(w) = survey_responses(s, t).await? {
        out.push(w);
    }
    Ok(out)
}

/// The month the projection from `date` first falls below 80%, within `months`.
async fn crossing(s: &Snapshot, date: NaiveDate, months: u32) -> Result<Option<NaiveDate>> {
    let months = months.clamp(12, 36);
    let req = Request::new(PROJECTION.name, Audience::Committee).as_of(date).param("months", &months.to_string());
    let r = catalog::evaluate(s, &req).await?;
    let (Some(m), Some(c)) = (r.column_index("month_end"), r.column_index("compliant")) else { return Ok(None) };
    Ok(r.rows.iter().find(|row| matches!(row.get(c), Some(Value::Bool(false)))).and_then(|row| match row.get(m) {
        Some(Value::Date(d)) => Some(*d),
        _ => None,
    }))
}

/// Members who left (退会日, or gone from the roster) after `from` up to `to`.
async fn left_between(s: &Snapshot, from: NaiveDate, to: NaiveDate) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM members WHERE left_on > CAST($1 AS DATE) AND left_on <= CAST($2 AS DATE)";
    let (from, to) = (from.to_string(), to.to_string());
    let b = s.sql_with(sql, &[from.as_str(), to.as_str()]).await?;
    Ok(b.first().filter(|b| b.num_rows() > 0).map_or(0, |b| b.column(0).as_primitive::<Int64Type>().value(0)))
}

/// A warning when the latest roster's leavers per month are unusual against the intervals before.
async fn leavers(s: &Snapshot, dates: &[NaiveDate], t: &Thresholds) -> Result<Option<Alert>> {
    if dates.len() < 3 {
        return Ok(None); // one interval before the latest at least
    }
    let mut rates = Vec::new();
    let mut latest = (0, 0.0);
    for (i, w) in dates.windows(2).enumerate() {
        let n = left_between(s, w[0], w[1]).await?;
        let months = ((w[1] - w[0]).num_days() as f64 / 30.44).max(1.0);
        if i + 2 == dates.len() {
            latest = (n, n as f64 / months);
        } else {
            rates.push(n as f64 / months);
        }
    }
    rates.sort_by(f64::total_cmp);
    let usual = rates[rates.len() / 2];
    if latest.0 < t.min_leavers || latest.1 <= t.leavers_factor * usual {
        return Ok(None);
    }
    let (from, to) = (dates[dates.len() - 2], dates[dates.len() - 1]);
    Ok(Some(Alert {
        level: Level::Warning,
        key: "leavers",
        title: format!("最新の名簿で退会が通常より多くなっています（{} 人）", latest.0),
        lines: vec![
            format!(
                "{from} から {to} までの退会（名簿から消えた人を含む）: {} 人、月あたり {:.1} 人",
                latest.0, latest.1
            ),
            format!(
                "それ以前の名簿の間の月あたり退会数の中央値: {usual:.1} 人（通知の基準: その {:.1} 倍を超え、{} 人以上）",
                t.leavers_factor, t.min_leavers
            ),
            "名簿の抽出条件（退会予定者の扱い、一部の会員の抜け）を確かめてください。".into(),
        ],
    }))
}

/// A warning when the latest survey 年度 has fewer answers than invited × the expected share.
async fn survey_responses(s: &Snapshot, t: &Thresholds) -> Result<Option<Alert>> {
    let sql = "SELECT CAST(w.fiscal_year AS BIGINT) AS y, CAST(w.invited AS BIGINT) AS invited, \
               COUNT(r.response_id) AS responses FROM survey_waves w \
               LEFT JOIN survey_responses r ON r.fiscal_year = w.fiscal_year \
               GROUP BY w.fiscal_year, w.invited ORDER BY w.fiscal_year DESC LIMIT 1";
    let b = s.sql(sql).await?;
    let Some(b) = b.first().filter(|b| b.num_rows() > 0) else { return Ok(None) };
    let col = |i: usize| {
        let a = b.column(i).as_primitive::<Int64Type>();
        a.is_valid(0).then(|| a.value(0))
    };
    let (Some(year), Some(invited), Some(responses)) = (col(0), col(1), col(2)) else { return Ok(None) };
    if invited <= 0 || responses * 100 >= invited * t.response_pct {
        return Ok(None);
    }
    let expected = (invited * t.response_pct + 99) / 100;
    Ok(Some(Alert {
        level: Level::Warning,
        key: "survey_responses",
        title: format!("{year}年度のアンケートの回答が少なくなっています（{responses} 件）"),
        lines: vec![
            format!(
                "配布数 {invited} 人 × {}% = {expected} 件を見込むところ、取り込まれた回答は {responses} 件（{:.1}%）です。",
                t.response_pct,
                responses as f64 * 100.0 / invited as f64
            ),
            "回答の書き出しが一部だけでないか、締切前の書き出しでないかを確かめてください。".into(),
        ],
    }))
}
