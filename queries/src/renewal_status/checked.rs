//! Every renewal application of the snapshot checked against its round's rules
//! ([`Checked`]), and the roster's certificates of the renewable qualifications ([`Cert`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use model::renewal::{Assessment, jbct, jsmo};

use super::rules::RoundRules;
use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::snapshot::{KeyRange, Snapshot};

fn yes(f: &Frame, r: usize, c: &str) -> bool {
    f.i64(r, c).unwrap_or(0) != 0
}

/// The SQL condition that an application's rows are in `range` of the applications (by the
/// [`spread`](crate::functions) of its 認定番号; every row when None), and the values of its
/// placeholders.
pub(super) fn in_range(range: Option<&KeyRange>) -> (String, Vec<&str>) {
    range.map_or_else(
        || ("TRUE".to_string(), Vec::new()),
        |r| (KeyRange::condition("spread(certificate_no)"), r.values().to_vec()),
    )
}

fn key(f: &Frame, r: usize) -> (i32, String) {
    (f.i64(r, "renewal_fy").unwrap_or(0) as i32, f.text(r, "certificate_no").unwrap_or_default())
}

/// One checked application.
pub(super) struct Checked {
    pub(super) member_key: Option<String>,
    pub(super) assessment: Assessment,
    /// credits (JSMO) or eligible cases (JBCT).
    pub(super) measure: i64,
    pub(super) meetings: Option<i64>,
}

/// The JSMO applications in `range` (all when None), checked.
pub(super) async fn jsmo_applications(
    s: &Snapshot,
    rules: &mut RoundRules,
    range: Option<&KeyRange>,
) -> Result<BTreeMap<(i32, String), Checked>> {
    let (only, values) = in_range(range);
    let docs = ["doc_cv", "doc_profile", "doc_activities", "doc_meetings", "doc_papers", "doc_portfolio"];
    let cast: Vec<String> = docs.iter().map(|d| format!("CAST({d} AS INT) AS {d}")).collect();
    let apps = Frame::from_batches(
        &s.sql_with(
            &format!(
                "SELECT renewal_fy, certificate_no, member_key, renewals, {}, profile_chars, activity_entries, trials, exam,
                    activity_periods FROM jsmo_renewals WHERE {only} ORDER BY renewal_fy, certificate_no",
                cast.join(", ")
            ),
            &values,
        )
        .await?,
    );
    let credits = Frame::from_batches(
        &s.sql_with(
            &format!(
                "SELECT renewal_fy, certificate_no, part, kind, dated_on, units, title FROM jsmo_credits WHERE {only}
                 ORDER BY row_no"
            ),
            &values,
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

/// The JBCT applications in `range` (all when None), checked.
pub(super) async fn jbct_applications(
    s: &Snapshot,
    rules: &mut RoundRules,
    range: Option<&KeyRange>,
) -> Result<BTreeMap<(i32, String), Checked>> {
    let (only, values) = in_range(range);
    let values = &values;
    let q = |sql: String| async move { Ok::<_, Error>(Frame::from_batches(&s.sql_with(&sql, values).await?)) };
    let apps = q(format!(
        "SELECT renewal_fy, certificate_no, member_key, CAST(dental AS INT) AS dental,
                CAST(deferred AS INT) AS deferred, palliative_cert, certified_on, applied_on, licence, membership
         FROM jbct_renewals WHERE {only} ORDER BY renewal_fy, certificate_no"
    ))
    .await?;
    let fac = q(format!("SELECT * FROM jbct_facilities WHERE {only} ORDER BY row_no")).await?;
    let cases = q(format!("SELECT * FROM jbct_cases WHERE {only} ORDER BY row_no")).await?;
    let meet = q(format!(
        "SELECT renewal_fy, certificate_no, meeting, kind, held_on FROM jbct_meetings WHERE {only} ORDER BY row_no"
    ))
    .await?;
    let el = q(format!(
        "SELECT renewal_fy, certificate_no, field, correct FROM jbct_elearning WHERE {only} ORDER BY row_no"
    ))
    .await?;
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
pub(super) struct Cert {
    pub(super) member_key: Option<String>,
    pub(super) prefecture: Option<i64>,
    pub(super) expires: NaiveDate,
    pub(super) renewals: i64,
}

/// Days since 1970-01-01, as Arrow's Date32 holds a date.
pub(super) fn date32(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
    i32::try_from((d - epoch).num_days()).unwrap_or(0)
}
