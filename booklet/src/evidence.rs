//! A question's evidence: catalog metrics evaluated for the board (the booklet goes to every
//! member, so small cells are withheld, `X`, never 0) at the edition's date and load, drawn
//! as a chart where the metric has one and always as a table; and quoted free text.

use queries::{Engine, MetricResult, Request};
use reports::charts::{BarGroup, LineChart, Series, XAxis, grouped_bar_chart, line_chart};
use reports::doc::{Block, Table};

use crate::edition::{Edition, Evidence};
use crate::error::Result;

pub use crate::policy::AUDIENCE;

/// How a metric is drawn above its table.
#[derive(Debug, Clone, Copy)]
pub enum ChartKind {
    /// One bar per row: `label` along, `value` up.
    Bars,
    /// A line over the rows: `label` (a year) along, `value` up.
    Line,
}

/// A metric the booklet draws as a chart, and how.
#[derive(Debug, Clone, Copy)]
pub struct ChartSpec {
    pub metric: &'static str,
    pub label: &'static str,
    pub value: &'static str,
    pub unit: &'static str,
    pub kind: ChartKind,
}

/// The charts evidence gets, by metric (without a `by`; other metrics are tables only).
pub const CHARTS: &[ChartSpec] = &[
    ChartSpec { metric: "survey.answers", label: "option", value: "share_pct", unit: "%", kind: ChartKind::Bars },
    ChartSpec { metric: "survey.terms", label: "term", value: "share_pct", unit: "%", kind: ChartKind::Bars },
    ChartSpec {
        metric: "survey.response_rate",
        label: "fiscal_year",
        value: "rate_pct",
        unit: "%",
        kind: ChartKind::Line,
    },
    ChartSpec { metric: "survey.trend", label: "fiscal_year", value: "share_pct", unit: "%", kind: ChartKind::Line },
];

/// Checks an evidence item without evaluating it (see [`Evidence::check`]).
pub fn check(e: &Evidence) -> std::result::Result<(), String> {
    e.check()
}

/// The request a metric evidence makes: the edition's date, for the board.
pub fn request(edition: &Edition, e: &Evidence) -> Option<Request> {
    let Evidence::Metric { metric, by, params, .. } = e else { return None };
    let mut req = Request::new(metric, AUDIENCE).as_of(edition.as_of);
    if !by.is_empty() {
        req = req.by(by);
    }
    for (k, v) in params {
        req = req.param(k, v);
    }
    Some(req)
}

/// Evaluates a metric evidence (None for a quote).
pub fn evaluate(engine: &Engine, edition: &Edition, e: &Evidence) -> Result<Option<MetricResult>> {
    match request(edition, e) {
        Some(req) => Ok(Some(engine.evaluate(&req)?)),
        None => Ok(None),
    }
}

/// The caption of an evidence item.
pub fn caption(e: &Evidence, result: Option<&MetricResult>) -> String {
    match e {
        Evidence::Metric { caption, metric, .. } if caption.trim().is_empty() => {
            result.map_or_else(|| metric.clone(), |r| r.title_ja.to_string())
        }
        Evidence::Metric { caption, .. } => caption.clone(),
        Evidence::Quote { source, .. } if source.is_empty() => "自由記述より".into(),
        Evidence::Quote { source, .. } => format!("自由記述より（{source}）"),
    }
}

/// The chart of a result, when its metric has one and it is not split by a segment.
pub fn chart(e: &Evidence, r: &MetricResult) -> Option<String> {
    let Evidence::Metric { metric, by, .. } = e else { return None };
    let spec = CHARTS.iter().find(|c| c.metric == metric)?;
    if !by.is_empty() {
        return None;
    }
    let (li, vi) = (r.column_index(spec.label)?, r.column_index(spec.value)?);
    let title = caption(e, Some(r));
    match spec.kind {
        ChartKind::Bars => {
            let groups: Vec<BarGroup> = r
                .rows
                .iter()
                .map(|row| BarGroup { label: row[li].display(), values: vec![row[vi].as_f64()] })
                .collect();
            (!groups.is_empty()).then(|| grouped_bar_chart(&title, spec.unit, &[], &groups).ok()).flatten()
        }
        ChartKind::Line => {
            let mut c = LineChart::new(&title, XAxis::Number, spec.unit);
            c.series = if r.column_index("option").is_some() {
                reports::series::series_by(r, "option", spec.label, spec.value)
            } else {
                vec![Series::new(
                    spec.value,
                    reports::series::points(r, reports::series::num_x, spec.label, spec.value),
                )]
            };
            line_chart(&c).ok()
        }
    }
}

/// The blocks an evidence item prints: its caption, the chart, the table with its notes
/// and suppression policy; a quote as a boxed-in paragraph.
pub fn blocks(e: &Evidence, result: Option<&MetricResult>) -> Vec<Block> {
    let mut out = Vec::new();
    match (e, result) {
        (Evidence::Quote { text, .. }, _) => {
            out.push(Block::Note(caption(e, None)));
            out.push(Block::Rich(vec![reports::doc::Rich::Para(vec![reports::doc::Span::Text(format!(
                "「{}」",
                text.trim()
            ))])]));
        }
        (Evidence::Metric { .. }, Some(r)) => {
            // The caption heads the chart when there is one, else the table.
            let table = Table::from_result(r, &[]);
            match chart(e, r) {
                Some(svg) => {
                    out.push(Block::Byline(caption(e, Some(r))));
                    out.push(Block::Chart { svg, width: 0.8 });
                    out.push(Block::Table(table.caption("")));
                }
                None => out.push(Block::Table(table.caption(caption(e, Some(r))))),
            }
        }
        (Evidence::Metric { metric, .. }, None) => {
            out.push(Block::Note(format!("根拠「{metric}」のデータがありません")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, by: &str, params: &[(&str, &str)]) -> Evidence {
        Evidence::Metric {
            metric: name.into(),
            by: by.into(),
            params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            caption: String::new(),
        }
    }

    #[test]
    fn evidence_must_be_a_board_metric_with_its_own_parameters() {
        check(&metric("survey.answers", "", &[("question", "Q03"), ("fiscal_year", "2025")])).expect("valid");
        assert!(check(&metric("survey.nothing", "", &[])).is_err());
        assert!(
            check(&metric("survey.kwic", "", &[("term", "がん")])).expect_err("committee only").contains("会員委員会")
        );
        assert!(check(&metric("survey.answers", "nonsense", &[])).is_err());
        assert!(check(&metric("survey.answers", "", &[("colour", "red")])).expect_err("param").contains("colour"));
    }

    #[test]
    fn every_chart_names_a_catalog_metric() {
        for c in CHARTS {
            assert!(queries::catalog::find(c.metric).is_ok(), "{}", c.metric);
        }
    }
}
