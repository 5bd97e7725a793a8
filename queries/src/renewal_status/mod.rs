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
use model::renewal::{Assessment, due_round, jbct, jsmo};

use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::snapshot::Snapshot;

mod rules;
mod tables;

use rules::RoundRules;
pub use rules::{APPROVED_ENV, PARAMS_ENV, parse_list, parse_params, rules_from_env};
use tables::{FindingsBuilder, StatusBuilder};
pub use tables::{MESSAGES_LISTED, NOT_APPLIED, NOT_READY, READY, STATUSES};

/// がん治療認定医.
pub use model::qualification::JBCT;

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

fn yes(f: &Frame, r: usize, c: &str) -> bool {
    f.i64(r, c).unwrap_or(0) != 0
}

fn key(f: &Frame, r: usize) -> (i32, String) {
    (f.i64(r, "renewal_fy").unwrap_or(0) as i32, f.text(r, "certificate_no").unwrap_or_default())
}

/// One checked application.
struct Checked {
    member_key: Option<String>,
    assessment: Assessment,
    /// credits (JSMO) or eligible cases (JBCT).
    measure: i64,
    meetings: Option<i64>,
}

async fn jsmo_applications(s: &Snapshot, rules: &mut RoundRules) -> Result<BTreeMap<(i32, String), Checked>> {
    let docs = ["doc_cv", "doc_profile", "doc_activities", "doc_meetings", "doc_papers", "doc_portfolio"];
    let cast: Vec<String> = docs.iter().map(|d| format!("CAST({d} AS INT) AS {d}")).collect();
    let apps = Frame::from_batches(
        &s.sql(&format!(
            "SELECT renewal_fy, certificate_no, member_key, renewals, {}, profile_chars, activity_entries, trials, exam,
                    activity_periods FROM jsmo_renewals ORDER BY renewal_fy, certificate_no",
            cast.join(", ")
        ))
        .await?,
    );
    let credits = Frame::from_batches(
        &s.sql(
            "SELECT renewal_fy, certificate_no, part, kind, dated_on, units, title FROM jsmo_credits ORDER BY row_no",
        )
        .await?,
    );
    let mut entries: BTreeMap<(i32, String), Vec<jsmo::CreditEntry>> = BTreeMap::new();
    for r in 0..credits.len() {
        let Some(date) = credits.date(r, "dated_on") else { continue };
        entries.entry(key(&credits, r)).or_default().push(jsmo::CreditEntry {
            part: credits.text(r, "part").unwrap_or_default(),
            kind: credits.text(r, "kind").unwrap_or_default(),
            date,
            units: credits.i64(r, "units").unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32,
            title: credits.text(r, "title"),
        });
    }
    let mut out = BTreeMap::new();
    for r in 0..apps.len() {
        let k = key(&apps, r);
        let round_rules = rules.get(k.0)?;
        let labels = round_rules.jsmo.documents;
        let documents = docs.iter().zip(labels).filter(|(d, _)| yes(&apps, r, d)).map(|(_, l)| l.to_string()).collect();
        let n = |c: &str| apps.i64(r, c).unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
        let app = jsmo::Application {
            certificate_no: k.1.clone(),
            round: k.0,
            renewals: n("renewals"),
            documents,
            profile_chars: n("profile_chars"),
            activity_entries: n("activity_entries"),
            activity_periods: apps.text(r, "activity_periods").and_then(|p| jsmo::Period::split(&p)),
            trials: n("trials"),
            exam: apps.text(r, "exam"),
            credits: entries.remove(&k).unwrap_or_default(),
        };
        let a = jsmo::check(&app, &round_rules.jsmo);
        let measure = a.count("credits").unwrap_or(0);
        out.insert(
            k,
            Checked {
                member_key: apps.text(r, "member_key"),
                measure,
                meetings: a.count("own_meetings"),
                assessment: a,
            },
        );
    }
    Ok(out)
}

fn months(f: &Frame, r: usize, from: &str, to: &str) -> Option<(NaiveDate, NaiveDate)> {
    Some((f.date(r, from)?, f.date(r, to)?))
}

async fn jbct_applications(s: &Snapshot, rules: &mut RoundRules) -> Result<BTreeMap<(i32, String), Checked>> {
    let q = |sql: &'static str| async move { Ok::<_, Error>(Frame::from_batches(&s.sql(sql).await?)) };
    let apps = q("SELECT renewal_fy, certificate_no, member_key, CAST(dental AS INT) AS dental,
                  CAST(deferred AS INT) AS deferred, palliative_cert, certified_on, applied_on, licence, membership
                  FROM jbct_renewals ORDER BY renewal_fy, certificate_no")
    .await?;
    let fac = q("SELECT * FROM jbct_facilities ORDER BY row_no").await?;
    let cases = q("SELECT * FROM jbct_cases ORDER BY row_no").await?;
    let meet =
        q("SELECT renewal_fy, certificate_no, meeting, kind, held_on FROM jbct_meetings ORDER BY row_no").await?;
    let el = q("SELECT renewal_fy, certificate_no, field, correct FROM jbct_elearning ORDER BY row_no").await?;
    let mut apps_by: BTreeMap<(i32, String), jbct::Application> = BTreeMap::new();
    let mut members: BTreeMap<(i32, String), Option<String>> = BTreeMap::new();
    for r in 0..apps.len() {
        let k = key(&apps, r);
        members.insert(k.clone(), apps.text(r, "member_key"));
        apps_by.insert(
            k.clone(),
            jbct::Application {
                certificate_no: k.1.clone(),
                round: k.0,
                dental: yes(&apps, r, "dental"),
                deferred: yes(&apps, r, "deferred"),
                palliative_certificate: apps.text(r, "palliative_cert").is_some(),
                certified_on: apps.date(r, "certified_on"),
                licence: apps.text(r, "licence"),
                membership: apps.text(r, "membership"),
                applied_on: apps.date(r, "applied_on"),
                ..Default::default()
            },
        );
    }
    let n = |f: &Frame, r: usize, c: &str| f.i64(r, c).unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
    for r in 0..fac.len() {
        let Some(app) = apps_by.get_mut(&key(&fac, r)) else { continue };
        let periods = [("from1", "to1"), ("from2", "to2"), ("from3", "to3")]
            .iter()
            .filter_map(|(a, b)| months(&fac, r, a, b))
            .collect();
        app.facilities.push(jbct::Facility {
            slot: n(&fac, r, "slot"),
            name: fac.text(r, "facility").unwrap_or_default(),
            periods,
        });
    }
    for r in 0..cases.len() {
        let Some(app) = apps_by.get_mut(&key(&cases, r)) else { continue };
        let Some((from, to)) = months(&cases, r, "from_month", "to_month") else { continue };
        app.cases.push(jbct::Case {
            slot: n(&cases, r, "slot"),
            no: n(&cases, r, "case_no"),
            age: n(&cases, r, "age"),
            sex: cases.text(r, "sex").unwrap_or_default(),
            care_item: cases.text(r, "care_item").unwrap_or_default(),
            care_other: cases.text(r, "care_other"),
            from,
            to,
            diagnosis: cases.text(r, "diagnosis").unwrap_or_default(),
            icd10: cases.text(r, "icd10"),
            pathology: cases.text(r, "pathology").unwrap_or_else(|| "無し".into()),
        });
    }
    for r in 0..meet.len() {
        let (Some(app), Some(date)) = (apps_by.get_mut(&key(&meet, r)), meet.date(r, "held_on")) else { continue };
        app.meetings.push(jbct::Meeting {
            name: meet.text(r, "meeting").unwrap_or_default(),
            kind: meet.text(r, "kind").unwrap_or_default(),
            date,
        });
    }
    for r in 0..el.len() {
        let Some(app) = apps_by.get_mut(&key(&el, r)) else { continue };
        app.elearning
            .push(jbct::ELearning { field: el.text(r, "field").unwrap_or_default(), correct: n(&el, r, "correct") });
    }
    let mut out = BTreeMap::new();
    for (k, app) in apps_by {
        let a = jbct::check(&app, &rules.get(k.0)?.jbct);
        let checked = Checked {
            member_key: members.remove(&k).flatten(),
            measure: a.count("cases").unwrap_or(0),
            meetings: a.count("meetings"),
            assessment: a,
        };
        out.insert(k, checked);
    }
    Ok(out)
}

/// A roster certificate of a renewable qualification.
struct Cert {
    member_key: Option<String>,
    prefecture: Option<i64>,
    expires: NaiveDate,
    renewals: i64,
}

/// Builds the two tables and registers them in the snapshot's session. `as_of` (the
/// snapshot's default date) decides [`RenewalInfo::current`] and so the rounds covered;
/// without it, the latest round applied for is the open one. Whether a due certificate
/// was renewed or lapsed is left to each request's date ([`outcome_sql`]).
pub async fn derive(s: &Snapshot, as_of: Option<NaiveDate>) -> Result<RenewalInfo> {
    let rules = rules_from_env()?;
    let set = rules.params().iter().filter_map(|p| p.value.map(|v| (p.key.to_string(), v))).collect();
    let mut round_rules = RoundRules::new(set, rules.jsmo.approved_meetings.value.clone());
    let cycle = model::rules::RULES_2026.renewal_cycle_years as i32;
    let mut checked: BTreeMap<(&'static str, i32, String), Checked> = BTreeMap::new();
    for (k, c) in jsmo_applications(s, &mut round_rules).await? {
        checked.insert((MEDICAL_ONCOLOGIST, k.0, k.1), c);
    }
    for (k, c) in jbct_applications(s, &mut round_rules).await? {
        checked.insert((JBCT, k.0, k.1), c);
    }
    let roster = Frame::from_batches(
        &s.sql(&format!(
            "SELECT qualification, certificate_no, member_key, prefecture_code, expires_on, renewals FROM specialists
             WHERE qualification IN ('{MEDICAL_ONCOLOGIST}', '{JBCT}')"
        ))
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
    let applied: BTreeSet<i32> = checked.keys().map(|k| k.1).collect();
    let as_of = as_of.unwrap_or_else(|| {
        let round = applied.last().copied().unwrap_or(2026);
        NaiveDate::from_ymd_opt(round, 9, 30).unwrap_or(NaiveDate::MIN)
    });
    let current = fiscal_year(as_of);
    let first = applied.first().copied().unwrap_or(current).min(current);
    let last = applied.last().copied().unwrap_or(current).max(current);
    let rounds: Vec<i32> = (first..=last).collect();
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
    s.register_derived("renewal_status", st.finish()?)?;
    s.register_derived("renewal_findings", fb.finish()?)?;
    Ok(RenewalInfo { version: rules.version, unset: rules.unset_warnings(), rounds, current })
}

/// Days since 1970-01-01, as Arrow's Date32 holds a date.
fn date32(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
    i32::try_from((d - epoch).num_days()).unwrap_or(0)
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
