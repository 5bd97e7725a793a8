//! The metric catalog: every number the product shows is one named metric, listed by
//! [`metrics::all`] with its definition, unit, sources, caveats, parameters and audiences;
//! here it is found by name and evaluated (parameters checked, disclosure control applied).
//! The types a metric is written with are in [`crate::metric`] (re-exported here).

use std::collections::BTreeMap;

use chrono::Datelike;

use crate::disclosure::{self, AppliedPolicy, Policy};
use crate::error::{Error, Result};
pub use crate::metric::{
    ALL, COMMITTEE_ONLY, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec, Request, date_sql, parse_int,
};
use crate::metric::{NOT_A_DATE, parse_date};
use crate::metrics;
use crate::release::{self, Release};
use crate::result::{MetricResult, Note, Provenance};
use crate::snapshot::Snapshot;

/// Every metric (see [`metrics::all`]).
pub fn catalog() -> Vec<&'static MetricDef> {
    metrics::all()
}

/// The metric named `name`, or an error with the nearest name as a hint.
pub fn find(name: &str) -> Result<&'static MetricDef> {
    let all = catalog();
    if let Some(d) = all.iter().find(|d| d.name == name) {
        return Ok(d);
    }
    let hint = all
        .iter()
        .map(|d| (strsim::levenshtein(d.name, name), d.name))
        .filter(|(dist, _)| *dist <= 4)
        .min()
        .map(|(_, n)| n.to_string());
    Err(Error::UnknownMetric { name: name.to_string(), hint })
}

/// Evaluates a request against a snapshot, applying the audience's disclosure policy.
pub async fn evaluate(snapshot: &Snapshot, req: &Request) -> Result<MetricResult> {
    evaluate_with_policy(snapshot, req, Policy::for_audience(req.audience)).await
}

/// Evaluates with an explicit policy (tests compare a released result with the exact one
/// the same audience's metric would show without suppression).
pub async fn evaluate_with_policy(snapshot: &Snapshot, req: &Request, policy: Policy) -> Result<MetricResult> {
    let def = find(&req.metric)?;
    if !def.audiences.contains(&req.audience) {
        return Err(Error::NotPermitted { metric: def.name.into(), audience: req.audience.to_string() });
    }
    let as_of = match req.as_of.or_else(|| snapshot.default_as_of()) {
        Some(d) if !(1900..=2100).contains(&d.year()) => {
            return Err(Error::Param {
                metric: def.name.into(),
                param: "as_of".into(),
                value: d.to_string(),
                reason: "out of range 1900–2100 / 1900〜2100年の範囲外です".into(),
            });
        }
        Some(d) => d,
        None => {
            return Err(Error::Param {
                metric: def.name.into(),
                param: "as_of".into(),
                value: String::new(),
                reason: "the store holds no dated load; give --as-of / データがないため基準日を指定してください".into(),
            });
        }
    };
    // Suppressed audiences ask about persons on the release grid only (crate::release).
    let release = (policy.k > 0 && release::about_persons(def.sources))
        .then(|| Release::new(snapshot.default_as_of().unwrap_or(as_of)));
    let mut grid_notes = Vec::new();
    let moved = release::on_grid(as_of);
    let as_of = if release.is_some() && moved != as_of {
        grid_notes.push(Note::new(
            format!("基準日 {as_of} は月末（{moved}）に合わせました（理事会・研究者向けの集計は月末時点のみ）。"),
            format!("The as-of date {as_of} was moved to the month end {moved} (board and researcher results are released at month ends only)."),
        ));
        moved
    } else {
        as_of
    };
    let by = req.by.clone().unwrap_or_else(|| def.by.first().copied().unwrap_or("").to_string());
    if !(def.by.contains(&by.as_str()) || (by.is_empty() && def.by.is_empty())) {
        return Err(Error::Param {
            metric: def.name.into(),
            param: "by".into(),
            value: by,
            reason: {
                let named = def.by.iter().map(|b| if b.is_empty() { "(none)" } else { b }).collect::<Vec<_>>();
                format!("集計単位は次のいずれかです: {} / one of: {}", named.join("、"), named.join(", "))
            },
        });
    }
    let mut params = BTreeMap::new();
    for (k, v) in &req.params {
        let Some(spec) = def.params.iter().find(|p| p.name == k) else {
            return Err(Error::Param {
                metric: def.name.into(),
                param: k.clone(),
                value: v.clone(),
                reason: format!(
                    "この指標にない条件です（使える条件: {0}） / unknown parameter; this metric takes: {0}",
                    if def.params.is_empty() {
                        "none".to_string()
                    } else {
                        def.params.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
                    }
                ),
            });
        };
        let mut v = check_kind(def, spec, v)?;
        if let (Some(_), ParamKind::Date, Some(d)) = (release, spec.kind, parse_date(&v)) {
            let moved = release::month_start(d);
            if moved != d {
                grid_notes.push(Note::new(
                    format!("{k} {d} は月初（{moved}）に合わせました（理事会・研究者向けの期間は月単位）。"),
                    format!("{k} {d} was moved to the first of its month, {moved} (board and researcher periods are whole months)."),
                ));
                v = moved.to_string();
            }
        }
        params.insert(k.clone(), v);
    }
    for spec in def.params {
        if !params.contains_key(spec.name) && !spec.default.is_empty() {
            params.insert(spec.name.to_string(), spec.default.to_string());
        }
    }
    let cx = Cx { snapshot, def, as_of, by: by.clone(), audience: req.audience, release, params: params.clone() };
    let started = std::time::Instant::now();
    let out = (def.eval)(&cx).await?;
    tracing::debug!(metric = def.name, ms = started.elapsed().as_secs_f64() * 1000.0, "evaluated");
    let load_ids = snapshot.loads_of(def.sources);
    let mut shown = params;
    shown.insert("as_of".into(), as_of.to_string());
    if !by.is_empty() {
        shown.insert("by".into(), by);
    }
    let mut result = MetricResult {
        metric: def.name,
        title_ja: def.title_ja,
        title_en: def.title_en,
        params: shown,
        columns: out.columns,
        rows: out.rows,
        extra_lines: out.extra_lines,
        non_additive: out.non_additive,
        column_groups: out.column_groups,
        published: out.published,
        policy: AppliedPolicy::none(req.audience),
        provenance: Provenance { at_load: snapshot.at_load, sample: snapshot.any_sample(&load_ids), load_ids },
        notes: grid_notes.into_iter().chain(out.notes).collect(),
    };
    let started = std::time::Instant::now();
    disclosure::apply(&mut result, policy);
    tracing::debug!(metric = def.name, ms = started.elapsed().as_secs_f64() * 1000.0, "disclosure control");
    if let Some(keep) = out.keep_rows {
        keep_rows(&mut result, &keep);
    }
    Ok(result)
}

/// Keeps the rows marked in `keep` (after disclosure control), renumbering the lines and
/// published cells that refer to rows; a line that loses a row is dropped.
fn keep_rows(result: &mut MetricResult, keep: &[bool]) {
    let mut new_index = Vec::with_capacity(result.rows.len());
    let mut next = 0;
    for r in 0..result.rows.len() {
        let kept = keep.get(r).copied().unwrap_or(true);
        new_index.push(kept.then_some(next));
        next += usize::from(kept);
    }
    let rows = std::mem::take(&mut result.rows);
    result.rows = rows.into_iter().zip(&new_index).filter(|(_, n)| n.is_some()).map(|(r, _)| r).collect();
    result.extra_lines = std::mem::take(&mut result.extra_lines)
        .into_iter()
        .filter_map(|line| line.iter().map(|&r| new_index.get(r).copied().flatten()).collect::<Option<Vec<_>>>())
        .collect();
    result.published = std::mem::take(&mut result.published)
        .into_iter()
        .filter_map(|(r, c)| new_index.get(r).copied().flatten().map(|n| (n, c)))
        .collect();
}

/// Checks a parameter's value against its kind and returns it in canonical form (a date
/// as YYYY-MM-DD, a number in ASCII digits), so that what users type (令和7年3月31日,
/// ２０) is read and shown, cached and audited in one form.
fn check_kind(def: &MetricDef, spec: &ParamSpec, v: &str) -> Result<String> {
    let bad =
        |reason: String| Error::Param { metric: def.name.into(), param: spec.name.into(), value: v.into(), reason };
    match spec.kind {
        ParamKind::Date => parse_date(v).map(|d| d.to_string()).ok_or_else(|| bad(NOT_A_DATE.into())),
        ParamKind::Int { min, max } => match parse_int(v) {
            Some(n) if (min..=max).contains(&n) => Ok(n.to_string()),
            Some(_) => Err(bad(format!("{min}〜{max} の範囲外です / out of range {min}–{max}"))),
            None => Err(bad("整数ではありません / not an integer".into())),
        },
        ParamKind::Text => Ok(v.to_string()),
        ParamKind::Choice(options) => {
            if options.contains(&v) {
                Ok(v.to_string())
            } else if let Some(o) = options.iter().find(|o| !o.is_empty() && crate::labels::choice(spec.name, o) == v) {
                // A choice named as the form shows it (「空白の区域」 for `blank`).
                Ok(o.to_string())
            } else {
                // A blank choice means "all" and is given by leaving the parameter out.
                let named: Vec<&str> = options.iter().copied().filter(|o| !o.is_empty()).collect();
                Err(bad(format!("one of: {} / 次のいずれか: {}", named.join(", "), named.join("、"))))
            }
        }
    }
}
