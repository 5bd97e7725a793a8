//! The metric types every metric is written with: its definition ([`MetricDef`], its
//! [`ParamSpec`]s and [`Group`]), what a request asks ([`Request`]), what an evaluation sees
//! ([`Cx`]) and returns ([`Output`]). The metrics themselves are in [`crate::metrics`]; the
//! catalog that lists, finds and evaluates them is [`catalog`](mod@crate::catalog). This module imports
//! neither.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use chrono::{Datelike, NaiveDate};

use crate::disclosure::Audience;
use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::release::Release;
use crate::result::{Column, Note, Value};
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
    /// The checked parameters, defaults filled in (read with [`Cx::text`], [`Cx::int`] …).
    pub(crate) params: BTreeMap<String, String>,
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

    /// The as-of date as a SQL expression (see [`date_sql`]).
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

/// A date as a SQL expression built from its numbers, `make_date(2025, 3, 31)`: what reaches
/// the SQL is a typed date's three integers, never text from a request, and the planner folds
/// the call to a constant.
pub fn date_sql(d: NaiveDate) -> String {
    format!("make_date({}, {}, {})", d.year(), d.month(), d.day())
}

/// A date as users type it (西暦, 和暦, full-width digits): the model's one parser.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    model::dates::parse(s).ok()
}

/// A whole number as users type it: full-width digits and thousands separators accepted.
pub fn parse_int(s: &str) -> Option<i64> {
    let folded = model::dates::fold_width(s.trim());
    let digits: String = folded.chars().filter(|c| *c != ',').collect();
    digits.parse().ok()
}

/// The reason given for a value that is not a date.
pub(crate) const NOT_A_DATE: &str = "日付ではありません（例: 2025-03-31、令和7年3月31日） / not a date";
