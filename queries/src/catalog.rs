//! The metric catalog: every number the product shows is one named metric here,
//! with its definition, unit, sources, caveats, parameters and audiences.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use chrono::{Datelike, NaiveDate};

use crate::disclosure::{self, AppliedPolicy, Audience, Policy};
use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::metrics;
use crate::release::{self, Release};
use crate::result::{Column, MetricResult, Note, Provenance, Value};
use crate::snapshot::Snapshot;

/// The section of the product a metric belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Membership,
    Survey,
    Specialists,
    Renewals,
    Hospitals,
}

impl Group {
    /// Every group, in the order of the product's pages.
    pub const ALL: [Group; 5] =
        [Group::Membership, Group::Survey, Group::Specialists, Group::Renewals, Group::Hospitals];

    pub fn ja(self) -> &'static str {
        match self {
            Group::Membership => "会員",
            Group::Survey => "アンケート",
            Group::Specialists => "専門医",
            Group::Renewals => "専門医更新",
            Group::Hospitals => "拠点病院",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Group::Membership => "Membership",
            Group::Survey => "Survey",
            Group::Specialists => "Specialists",
            Group::Renewals => "Renewals",
            Group::Hospitals => "Hospitals",
        }
    }
}

/// The type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Date,
    /// A whole number within an inclusive range (the range also bounds the work a request can ask for).
    Int {
        min: i64,
        max: i64,
    },
    Text,
    Choice(&'static [&'static str]),
}

/// A metric-specific parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    /// The default, as text ("" = none).
    pub default: &'static str,
    pub doc: &'static str,
    /// The same in Japanese: the help users read beside the field.
    pub doc_ja: &'static str,
    /// The metric cannot be evaluated without it (there is no default).
    pub required: bool,
}

impl ParamSpec {
    /// Whether the metric cannot be evaluated without it.
    pub fn required(&self) -> bool {
        self.required
    }
}

/// The future a metric's evaluation returns.
pub type EvalFuture<'a> = Pin<Box<dyn Future<Output = Result<Output>> + Send + 'a>>;

/// One metric.
#[derive(Debug, Clone, Copy)]
pub struct MetricDef {
    pub name: &'static str,
    pub group: Group,
    pub title_ja: &'static str,
    pub title_en: &'static str,
    /// One line: what the number is.
    pub summary: &'static str,
    /// The same in Japanese: what users read in 指標一覧, on the sections and on the metric's page.
    pub summary_ja: &'static str,
    /// The full definition (developer docs, English with the domain's Japanese terms).
    pub definition: &'static str,
    /// The full definition in Japanese, as users read it on the metric's page and in the packs.
    pub definition_ja: &'static str,
    pub unit: &'static str,
    /// Snapshot tables read.
    pub sources: &'static [&'static str],
    pub caveats: &'static [&'static str],
    /// The caveats in Japanese, one for each of `caveats`, in the same order.
    pub caveats_ja: &'static [&'static str],
    /// Allowed values of `--by`; the first is the default ("" = no grouping).
    pub by: &'static [&'static str],
    pub params: &'static [ParamSpec],
    /// Who may see it.
    pub audiences: &'static [Audience],
    pub eval: for<'a> fn(&'a Cx<'a>) -> EvalFuture<'a>,
}

/// Every audience.
pub const ALL: &[Audience] = &Audience::ALL;
/// Committee only (member-level detail).
pub const COMMITTEE_ONLY: &[Audience] = &[Audience::Committee];

/// What a metric computes, before provenance and disclosure control.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
    pub extra_lines: Vec<Vec<usize>>,
    pub non_additive: Vec<&'static str>,
    pub column_groups: Vec<Vec<&'static str>>,
    /// Count cells (row, column) another metric releases exactly (see `MetricResult`).
    pub published: Vec<(usize, &'static str)>,
    pub notes: Vec<Note>,
    /// The rows to return, chosen *after* disclosure control (None = all): a metric that
    /// computes one canonical table per snapshot (see [`crate::release`]) suppresses it
    /// whole and lets the request choose rows, so that every request shares one pattern.
    pub keep_rows: Option<Vec<bool>>,
}

impl Output {
    pub fn new(columns: Vec<Column>) -> Self {
        Output { columns, ..Default::default() }
    }
    pub fn note(&mut self, ja: impl Into<String>, en: impl Into<String>) {
        self.notes.push(Note::new(ja, en));
    }
}

/// A request to evaluate a metric.
#[derive(Debug, Clone)]
pub struct Request {
    pub metric: String,
    pub as_of: Option<NaiveDate>,
    pub by: Option<String>,
    pub params: BTreeMap<String, String>,
    pub audience: Audience,
}

impl Request {
    pub fn new(metric: &str, audience: Audience) -> Self {
        Request { metric: metric.to_string(), as_of: None, by: None, params: BTreeMap::new(), audience }
    }
    pub fn as_of(mut self, d: NaiveDate) -> Self {
        self.as_of = Some(d);
        self
    }
    pub fn by(mut self, by: &str) -> Self {
        self.by = Some(by.to_string());
        self
    }
    pub fn param(mut self, k: &str, v: &str) -> Self {
        self.params.insert(k.to_string(), v.to_string());
        self
    }
}

/// The evaluation context a metric receives: the snapshot and resolved parameters.
#[derive(Debug)]
pub struct Cx<'a> {
    pub snapshot: &'a Snapshot,
    pub def: &'a MetricDef,
    pub as_of: NaiveDate,
    /// The chosen grouping ("" = none).
    pub by: String,
    /// Who will see the result: a metric may offer less detail to some audiences.
    pub audience: Audience,
    /// Set when the result will be suppressed and the metric is about persons: dates are
    /// on the release grid and event windows end at [`Release::latest`] (see [`crate::release`]).
    pub release: Option<Release>,
    params: BTreeMap<String, String>,
}

impl Cx<'_> {
    pub async fn frame(&self, sql: &str) -> Result<Frame> {
        Ok(Frame::from_batches(&self.batches(sql).await?))
    }

    /// As [`Cx::frame`], with text values bound to the placeholders `$1`, `$2`, … in order:
    /// a value from a request or a file is never spliced into SQL text.
    pub async fn frame_with(&self, sql: &str, values: &[&str]) -> Result<Frame> {
        Ok(Frame::from_batches(&self.batches_with(sql, values).await?))
    }

    /// A query's result as Arrow batches, for results too large to read as [`Frame`] rows.
    pub async fn batches(&self, sql: &str) -> Result<Vec<arrow::record_batch::RecordBatch>> {
        self.batches_with(sql, &[]).await
    }

    /// As [`Cx::batches`], with text values bound to `$1`, `$2`, …
    pub async fn batches_with(&self, sql: &str, values: &[&str]) -> Result<Vec<arrow::record_batch::RecordBatch>> {
        let started = std::time::Instant::now();
        let batches = self
            .snapshot
            .sql_with(sql, values)
            .await
            .map_err(|e| Error::Data { metric: self.def.name.to_string(), detail: format!("{e}\n{sql}") })?;
        tracing::debug!(
            metric = self.def.name,
            ms = started.elapsed().as_secs_f64() * 1000.0,
            rows = batches.iter().map(|b| b.num_rows()).sum::<usize>(),
            "query: {}",
            sql.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        Ok(batches)
    }

    /// A parameter's text (the default filled in; "" when none).
    pub fn text(&self, name: &str) -> String {
        self.params.get(name).cloned().unwrap_or_default()
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>> {
        let v = self.text(name);
        if v.is_empty() {
            return Ok(None);
        }
        parse_int(&v).map(Some).ok_or_else(|| self.bad(name, &v, "整数ではありません / not an integer"))
    }

    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>> {
        let v = self.text(name);
        if v.is_empty() {
            return Ok(None);
        }
        parse_date(&v).map(Some).ok_or_else(|| self.bad(name, &v, NOT_A_DATE))
    }

    pub fn bad(&self, param: &str, value: &str, reason: &str) -> Error {
        Error::Param {
            metric: self.def.name.to_string(),
            param: param.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }

    /// `DATE 'YYYY-MM-DD'` for SQL.
    pub fn as_of_sql(&self) -> String {
        date_sql(self.as_of)
    }

    pub fn by_has(&self, dim: &str) -> bool {
        self.by.split(',').any(|d| d == dim)
    }

    /// The end of a window of events ending at the as-of date: the as-of date itself,
    /// or, under a [`Release`], its latest month end — refused for an earlier date, since
    /// two windows ending a month apart differ by that month's events, counted exactly.
    pub fn event_window_end(&self) -> Result<NaiveDate> {
        match self.release {
            None => Ok(self.as_of),
            Some(r) if self.as_of >= r.latest => Ok(r.latest),
            Some(r) => Err(self.bad(
                "as_of",
                &self.as_of.to_string(),
                &format!(
                    "for the board and researchers this metric is released only at the latest month end, {l} / \
                     理事会・研究者向けには最新の月末（{l}）時点のみ公開します（基準日を変えた差から少人数が分かるため）",
                    l = r.latest
                ),
            )),
        }
    }
}

pub fn date_sql(d: NaiveDate) -> String {
    format!("DATE '{d}'")
}

/// A date as users type it (西暦, 和暦, full-width digits): the model's one parser.
fn parse_date(s: &str) -> Option<NaiveDate> {
    model::dates::parse(s).ok()
}

/// A whole number as users type it: full-width digits and thousands separators accepted.
pub fn parse_int(s: &str) -> Option<i64> {
    let folded = model::dates::fold_width(s.trim());
    let digits: String = folded.chars().filter(|c| *c != ',').collect();
    digits.parse().ok()
}

/// The reason given for a value that is not a date.
const NOT_A_DATE: &str = "日付ではありません（例: 2025-03-31、令和7年3月31日） / not a date";

/// Every metric.
pub fn catalog() -> Vec<&'static MetricDef> {
    let mut all: Vec<&'static MetricDef> = Vec::new();
    all.extend(metrics::membership::METRICS);
    all.extend(metrics::flows::METRICS);
    all.extend(metrics::survey::METRICS);
    all.extend(metrics::free_text::METRICS);
    all.extend(metrics::specialists::METRICS);
    all.extend(metrics::renewals::METRICS);
    all.extend(metrics::hospitals::METRICS);
    all
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
