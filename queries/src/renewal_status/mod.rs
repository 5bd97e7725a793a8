//! Renewal readiness, derived once per snapshot: every renewal application of the
//! store checked by `model::renewal`, and every certificate due in a round, as two
//! tables the renewal metrics query with SQL:
//!
//! - `renewal_status`: one row per (資格, 更新年度, 認定番号) due or applied;
//! - `renewal_findings`: one row per finding (unmet requirement or warning).
//!
//! A certificate is due in the rounds its 5-year cycles end in (the 年度 of each
//! expiry). The cohort is the certificates linked to a member (the society tracks
//! its members' renewals) plus anyone who applied.
//!
//! Rule parameters the seeds do not state are set with `ONCOMETRICS_RENEWAL_PARAMS`
//! (`jsmo.min_credits=50`, comma-separated); unset ones use their documented default
//! and every renewal result says so.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use model::fiscal::fiscal_year;
use model::qualification::MEDICAL_ONCOLOGIST;
use model::renewal::due_round;

use crate::derived::split_ranges;
use crate::error::Result;
use crate::frame::Frame;
use crate::snapshot::{KeyRange, Snapshot};

mod checked;
mod rules;
mod tables;

use checked::{Cert, Checked, in_range, jbct_applications, jsmo_applications};
use rules::RoundRules;
pub use rules::{APPROVED_ENV, PARAMS_ENV, parse_list, parse_params, rules_from_env};
use tables::{FindingsBuilder, StatusBuilder};
pub use tables::{MESSAGES_LISTED, NOT_APPLIED, NOT_READY, READY, STATUSES};

/// がん治療認定医.
pub use model::qualification::JBCT;

/// The tables renewal readiness is derived from: the roster's certificates, then the
/// applications'.
pub const SOURCES: &[&str] = &[
    "specialists",
    "jsmo_renewals",
    "jsmo_credits",
    "jbct_renewals",
    "jbct_facilities",
    "jbct_cases",
    "jbct_meetings",
    "jbct_elearning",
];

/// The tables an application's rows come from.
const APPLICATION_TABLES: &[&str] = SOURCES.split_at(1).1;

/// What the derivation found out besides the tables.
#[derive(Debug, Clone, Default)]
pub struct RenewalInfo {
    /// Rule-set version applied.
    pub version: &'static str,
    /// (ja, en) warnings for unset parameters.
    pub unset: Vec<(String, String)>,
    /// The rounds the tables cover, oldest first.
    pub rounds: Vec<i32>,
    /// The round open on the data's date (the latest roster).
    pub current: i32,
}

impl RenewalInfo {
    /// The round open on `d`: its 年度 when the tables cover it, else [`RenewalInfo::current`].
    pub fn round_on(&self, d: NaiveDate) -> i32 {
        let fy = fiscal_year(d);
        if self.rounds.contains(&fy) { fy } else { self.current }
    }
}

/// The names of the two tables.
const STATUS: &str = "renewal_status";
const FINDINGS: &str = "renewal_findings";

/// Builds the two tables and registers them in the snapshot's session. `as_of` (the
/// snapshot's default date) decides [`RenewalInfo::current`] and so the rounds covered;
/// without it, the latest round applied for is the open one. Whether a due certificate
/// was renewed or lapsed is left to each request's date ([`outcome_sql`]).
///
/// In lake mode the tables are kept in the lake, keyed by what they are derived from besides
/// the store state (the code, `as_of`, the rules' parameters and list), and read from there
/// by the next process: at scale 1,000 checking every application takes minutes.
pub async fn derive(s: &Snapshot, as_of: Option<NaiveDate>) -> Result<RenewalInfo> {
    let rules = rules_from_env()?;
    let set: Vec<(String, u32)> =
        rules.params().iter().filter_map(|p| p.value.map(|v| (p.key.to_string(), v))).collect();
    let approved = rules.jsmo.approved_meetings.value.clone();
    let (first_applied, last_applied) = applied_rounds(s).await?;
    let as_of = as_of.unwrap_or_else(|| {
        let round = last_applied.unwrap_or(2026);
        NaiveDate::from_ymd_opt(round, 9, 30).unwrap_or(NaiveDate::MIN)
    });
    let current = fiscal_year(as_of);
    let first = first_applied.unwrap_or(current).min(current);
    let last = last_applied.unwrap_or(current).max(current);
    let info = RenewalInfo {
        version: rules.version,
        unset: rules.unset_warnings(),
        rounds: (first..=last).collect(),
        current,
    };
    let key = kept_key(as_of, &set, approved.as_deref());
    if let (Some(status), Some(findings)) = (s.kept_dir(STATUS, &key), s.kept_dir(FINDINGS, &key))
        && status.is_dir()
        && findings.is_dir()
    {
        s.read_kept(STATUS, &status).await?;
        s.read_kept(FINDINGS, &findings).await?;
        return Ok(info);
    }
    let mut round_rules = RoundRules::new(set, approved);
    // The applications' rows are read a range of 認定番号 at a time when there are many (at
    // scale 1,000: 19 M JBCT cases, 9 M JSMO credits), so that only one range's are held —
    // an eighth of the split rows of SQL work, as each row becomes a Rust value with its own
    // strings (at scale 1,000, 4 M rows per range took the process past 7 GB, 0.5 M to 1.8 GB).
    // Each range's rows of the two tables are written as they are made (in lake mode to the
    // lake): holding all of them was the peak of the process.
    let largest = APPLICATION_TABLES.iter().map(|t| s.row_count(t)).max().unwrap_or(0);
    let splits = largest.div_ceil((crate::session::split_rows() / 8).max(1));
    let ranges: Vec<Option<KeyRange>> =
        if splits <= 1 { vec![None] } else { split_ranges(splits).into_iter().map(Some).collect() };
    let mut status = s.keeper(STATUS, tables::status_schema(), &key)?;
    let mut findings = s.keeper(FINDINGS, tables::findings_schema(), &key)?;
    for range in &ranges {
        let (st, fb) = derive_range(s, &mut round_rules, range.as_ref(), &info.rounds).await?;
        status.write(st.finish()?)?;
        findings.write(fb.finish()?)?;
    }
    s.register_kept(status).await?;
    s.register_kept(findings).await?;
    Ok(info)
}

/// What the tables are derived from besides the store state — the code (`ONCOMETRICS_CODE_HASH`),
/// the date, the parameters and the approved-meetings list — as the key they are kept under.
fn kept_key(as_of: NaiveDate, set: &[(String, u32)], approved: Option<&[String]>) -> String {
    crate::kept::key(&format!("{}\n{as_of}\n{set:?}\n{approved:?}", env!("ONCOMETRICS_CODE_HASH")))
}

/// The first and last 年度 applied for (None without applications).
async fn applied_rounds(s: &Snapshot) -> Result<(Option<i32>, Option<i32>)> {
    let f = Frame::from_batches(
        &s.sql(
            "SELECT min(renewal_fy) AS first, max(renewal_fy) AS last FROM
             (SELECT renewal_fy FROM jsmo_renewals UNION ALL SELECT renewal_fy FROM jbct_renewals)",
        )
        .await?,
    );
    let round = |c: &str| f.i64(0, c).and_then(|v| i32::try_from(v).ok());
    Ok((round("first"), round("last")))
}

/// The rows of the two tables for the certificates in `range` (all when None).
async fn derive_range(
    s: &Snapshot,
    round_rules: &mut RoundRules,
    range: Option<&KeyRange>,
    rounds: &[i32],
) -> Result<(StatusBuilder, FindingsBuilder)> {
    let cycle = model::rules::RULES_2026.renewal_cycle_years as i32;
    let mut checked: BTreeMap<(&'static str, i32, String), Checked> = BTreeMap::new();
    for (k, c) in jsmo_applications(s, round_rules, range).await? {
        checked.insert((MEDICAL_ONCOLOGIST, k.0, k.1), c);
    }
    for (k, c) in jbct_applications(s, round_rules, range).await? {
        checked.insert((JBCT, k.0, k.1), c);
    }
    let (only, values) = in_range(range);
    let roster = Frame::from_batches(
        &s.sql_with(
            &format!(
                "SELECT qualification, certificate_no, member_key, prefecture_code, expires_on, renewals FROM specialists
                 WHERE qualification IN ('{MEDICAL_ONCOLOGIST}', '{JBCT}') AND {only}"
            ),
            &values,
        )
        .await?,
    );
    let mut certs: BTreeMap<(&'static str, String), Cert> = BTreeMap::new();
    for r in 0..roster.len() {
        let q = if roster.text(r, "qualification").as_deref() == Some(JBCT) { JBCT } else { MEDICAL_ONCOLOGIST };
        let Some(expires) = roster.date(r, "expires_on") else { continue };
        certs.insert(
            (q, roster.text(r, "certificate_no").unwrap_or_default()),
            Cert {
                member_key: roster.text(r, "member_key"),
                prefecture: roster.i64(r, "prefecture_code"),
                expires,
                renewals: roster.i64(r, "renewals").unwrap_or(0).clamp(0, 40),
            },
        );
    }
    // (qualification, round, certificate) of the due cohort. Whether a due certificate was
    // renewed, lapsed or is still before its expiry depends on the as-of date of the
    // request: the metrics derive it from `expires_on` and `last_due_fy` (see [`outcome_sql`]).
    let mut due: BTreeSet<(&'static str, i32, String)> = BTreeSet::new();
    for ((q, no), c) in &certs {
        if c.member_key.is_none() {
            continue;
        }
        let last_due = due_round(c.expires);
        for j in 0..=c.renewals as i32 {
            let round = last_due - cycle * j;
            if rounds.contains(&round) {
                due.insert((q, round, no.clone()));
            }
        }
    }
    let keys: BTreeSet<(&'static str, i32, String)> = due.iter().chain(checked.keys()).cloned().collect();
    let mut st = StatusBuilder::default();
    let mut fb = FindingsBuilder::default();
    for k in keys {
        let cert = certs.get(&(k.0, k.2.clone()));
        let c = checked.get(&k);
        st.push(&k, cert, due.contains(&k), c);
        if let Some(c) = c {
            for (i, f) in c.assessment.findings.iter().enumerate() {
                fb.push(&k, i, f);
            }
        }
    }
    Ok((st, fb))
}

/// The outcome of a due certificate on `as_of` (a SQL date literal): 更新済 when its validity
/// moved past the round, 失効 when it expired before that date, 期限前 while it has not
/// expired; NULL for an application outside the due cohort.
pub fn outcome_sql(as_of: &str) -> String {
    format!(
        "CASE WHEN NOT due THEN NULL WHEN renewal_fy < last_due_fy THEN '更新済' \
         WHEN expires_on < {as_of} THEN '失効' ELSE '期限前' END"
    )
}

impl Snapshot {
    /// The renewal tables (`renewal_status`, `renewal_findings`) and the round's facts,
    /// derived on first use: checking every application takes a moment that pages without
    /// renewals need not wait for.
    pub async fn renewals(&self) -> Result<Arc<RenewalInfo>> {
        self.derived_once(|| derive(self, self.default_as_of())).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept table is read again only by a process that would derive the same one.
    #[test]
    fn the_kept_tables_key_changes_with_the_date_the_parameters_and_the_list() {
        let d = |m| NaiveDate::from_ymd_opt(2026, m, 1).unwrap_or(NaiveDate::MIN);
        let set = vec![("jsmo.min_credits".to_string(), 60)];
        let list = vec!["日本癌治療学会".to_string()];
        let base = kept_key(d(4), &[], None);
        assert_eq!(kept_key(d(4), &[], None), base);
        for other in [
            kept_key(d(5), &[], None),
            kept_key(d(4), &set, None),
            kept_key(d(4), &[], Some(&list)),
            kept_key(d(4), &[], Some(&[])),
        ] {
            assert_ne!(other, base);
        }
    }
}
