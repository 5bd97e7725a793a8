//! A metric result as HTML: title, conditions, the table (suppressed cells marked), notes,
//! the disclosure policy, provenance and download links. Every chart on a page has one.

use maud::{Markup, html};
use queries::result::{Role as ColRole, SUPPRESSED_MARK};
use queries::{MetricResult, Value};

use super::int;

/// The downloads offered under every table: (extension, extra query, label).
const DOWNLOADS: [(&str, &str, &str); 6] = [
    ("csv", "", "CSV"),
    ("csv", "&encoding=cp932", "CSV (Shift_JIS)"),
    ("xlsx", "", "Excel"),
    ("parquet", "", "Parquet"),
    ("json", "", "JSON"),
    ("zip", "", "ZIP（マニフェスト付き）"),
];

/// The query string that reproduces `r` (its parameters as evaluated).
pub fn query_of(r: &MetricResult) -> String {
    r.params.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&")
}

/// Percent-encodes a query component.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One cell for HTML: numbers formatted, suppressed cells marked and explained on hover.
pub fn cell(v: &Value, unit: &str) -> Markup {
    match v {
        Value::Suppressed => {
            html! { span.suppressed title="秘匿（少数のため非表示）" { (SUPPRESSED_MARK) } }
        }
        other => html! { (reports::format::cell_text(other, unit)) },
    }
}

/// A metric cell: as [`cell`], with the column's own rules (the physician share with two
/// decimals: the 80% rule is decided in integers, so 79.97% must not read 80.0).
fn column_cell(v: &Value, c: &queries::Column) -> Markup {
    match v {
        Value::Suppressed => cell(v, c.unit),
        other => html! { (reports::format::column_cell(other, c)) },
    }
}

/// Text long enough to wrap (lists of hospital names, question texts).
fn long_text(v: &Value) -> bool {
    matches!(v, Value::Text(t) if t.chars().count() > 30)
}

/// Whether a column is shown on a page: an English twin of a Japanese column (`message_en`
/// beside `message`) and a code with a Japanese twin (`kind` beside `kind_ja`) are for the API
/// and the downloads, not for the page.
fn shown(c: &queries::Column, all: &[queries::Column]) -> bool {
    !c.name.ends_with("_en") && !all.iter().any(|o| o.name.strip_suffix("_ja") == Some(c.name))
}

fn numeric(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Num(_) | Value::Suppressed)
}

/// The result's table with notes, policy, provenance and downloads; `rows_shown` caps
/// long tables (the download has every row).
pub fn result(r: &MetricResult, rows_shown: usize) -> Markup {
    linked(r, rows_shown, &|_, _| None)
}

/// A link for a dimension or label cell: (row, column name) → href.
pub type CellLink<'a> = &'a dyn Fn(&[Value], &str) -> Option<String>;

/// As [`result`], with dimension and label cells linked where `link` gives an address
/// (the drill-down from a prefecture to its areas, from an area to its hospitals).
pub fn linked(r: &MetricResult, rows_shown: usize, link: CellLink<'_>) -> Markup {
    render(r, rows_shown, link, true)
}

/// The result's table with notes, policy and provenance, without links to other pages or
/// downloads: for those who may see the figures but not the catalog (a respondent reading
/// the evidence of their booklet question).
pub fn plain(r: &MetricResult, rows_shown: usize) -> Markup {
    render(r, rows_shown, &|_, _| None, false)
}

fn render(r: &MetricResult, rows_shown: usize, link: CellLink<'_>, downloads: bool) -> Markup {
    let q = query_of(r);
    html! {
        section.result id=(r.metric.replace('.', "-")) {
            div.table-wrap tabindex="0" role="region" aria-label=(format!("{}（横にスクロールできます）", r.title_ja)) {
                table {
                    caption { (r.title_ja) " " span.muted { "(" (r.metric) ")" } }
                    thead {
                        tr {
                            @for c in r.columns.iter().filter(|c| shown(c, &r.columns)) {
                                th scope="col" {
                                    (c.ja)
                                    @if !c.unit.is_empty() { span.unit { "（" (c.unit) "）" } }
                                }
                            }
                        }
                    }
                    tbody {
                        @for row in r.rows.iter().take(rows_shown) {
                            tr {
                                @for (c, v) in r.columns.iter().zip(row).filter(|(c, _)| shown(c, &r.columns)) {
                                    @if c.role == ColRole::Dim || c.role == ColRole::Label {
                                        // Codes and years as written: no thousands separators.
                                        td class=[long_text(v).then_some("wrap")] {
                                            @if *v == Value::Suppressed { (cell(v, c.unit)) }
                                            @else if let Some(href) = link(row, c.name) { a href=(href) { (v.display()) } }
                                            @else { (v.display()) }
                                        }
                                    } @else {
                                        td class=@if numeric(v) { "num" } { (column_cell(v, c)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if downloads && r.rows.len() > rows_shown {
                p.note.more role="note" {
                    "全 " (int(r.rows.len() as i64)) " 行のうち先頭 " (int(rows_shown as i64)) " 行を表示しています（残り "
                    (int((r.rows.len() - rows_shown) as i64)) " 行）。 "
                    a href=(format!("/metrics/{}?{q}&rows=all", r.metric)) { "すべての行を表示" }
                    " · 下のダウンロードにも全行があります。"
                }
            }
            @for n in &r.notes {
                p.note { "注: " (n.ja) }
            }
            p.meta {
                "秘匿: " (r.policy.describe_ja())
                br;
                "出典: ロード "
                @if r.provenance.load_ids.is_empty() { "なし" } @else {
                    (r.provenance.load_ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", "))
                }
                @if r.provenance.sample { " ※" (model::SAMPLE_LABEL) }
            }
            @if downloads { p.downloads {
                "ダウンロード: "
                @for (i, (ext, extra, label)) in DOWNLOADS.iter().enumerate() {
                    @if i > 0 { " · " }
                    a href=(format!("/export/{}.{ext}?{q}{extra}", r.metric)) { (label) }
                }
                " · "
                a href=(format!("/api/v1/metrics/{}?{q}", r.metric)) { "API" }
            } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencode_keeps_unreserved_and_encodes_the_rest() {
        assert_eq!(urlencode("2026-03-31"), "2026-03-31");
        assert_eq!(urlencode("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(urlencode("医師"), "%E5%8C%BB%E5%B8%AB");
    }
}
