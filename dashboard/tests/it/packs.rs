//! One audience, one date, one answer (issue 27, point 4): every metric the board pack reads
//! is what the dashboard's API answers the board for the same request, and every number the
//! pack prints — headline values and table cells — is a value of those results.

use std::sync::Arc;

use chrono::NaiveDate;
use queries::{Audience, Engine, MetricResult, Value};
use reports::doc::{Block, Doc};
use reports::packs::{Context, board};

use crate::support::{Client, fixture};

/// Numbers as the pack writes them: 「10,150人」, 「79.97%」, 「+529 / −351」 (the signs are
/// the pack's words — joins and leaves — or a minus: numbers are compared without sign).
fn numbers(text: &str) -> Vec<(f64, usize)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<(f64, usize)>| {
        let t = cur.trim_end_matches('.').to_string();
        if let Ok(v) = t.parse::<f64>() {
            out.push((v, t.split_once('.').map_or(0, |(_, d)| d.len())));
        }
        cur.clear();
    };
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        match c {
            '0'..='9' => cur.push(*c),
            '.' if !cur.is_empty() => cur.push('.'),
            ',' if !cur.is_empty() && chars.get(i + 1).is_some_and(char::is_ascii_digit) => {}
            _ => flush(&mut cur, &mut out),
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// A cell that is a number with its unit (「1,234人」, 「79.97%」), not words with a digit
/// (「8割未満」).
fn a_number(cell: &str) -> bool {
    let rest: String =
        ["人", "件", "区域", "施設", "pt", "%", "％"].iter().fold(cell.to_string(), |s, u| s.replace(u, ""));
    rest.chars().any(|c| c.is_ascii_digit()) && rest.chars().all(|c| c.is_ascii_digit() || ",.+−- ".contains(c))
}

/// Every number a result holds, as the pack could print it.
fn values(results: &[(queries::Request, MetricResult)]) -> Vec<f64> {
    results
        .iter()
        .flat_map(|(_, r)| r.rows.iter().flatten())
        .filter_map(|v| match v {
            Value::Int(i) => Some(*i as f64),
            Value::Num(x) => Some(*x),
            _ => None,
        })
        .collect()
}

/// The numbers the pack presents as values: headline boxes and table cells (differences and
/// sentences are computed from them and checked by the reports' own tests).
fn printed(doc: &Doc) -> Vec<(String, f64, usize)> {
    let mut out = Vec::new();
    for b in &doc.blocks {
        match b {
            Block::Kpis(kpis) => {
                for k in kpis {
                    out.extend(numbers(&k.value).into_iter().map(|(v, d)| (k.label.clone(), v, d)));
                }
            }
            Block::Table(t) => {
                for row in &t.rows {
                    for (i, cell) in row.iter().enumerate() {
                        if t.numeric.get(i).copied().unwrap_or(false) && a_number(cell) {
                            let label = format!("{} / {}", t.caption, t.header.get(i).map_or("", String::as_str));
                            out.extend(numbers(cell).into_iter().map(|(v, d)| (label.clone(), v, d)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn check_date(c: &mut Client, engine: &Engine, d: NaiveDate) -> usize {
    let cx = Context::new(engine, d, Audience::Board);
    let doc = board::build(&cx).expect("board pack");
    let evaluated = cx.evaluated();
    assert!(evaluated.len() >= 6, "{d}: only {} metrics read", evaluated.len());
    let mut mismatches = Vec::new();
    for (_, r) in &evaluated {
        let url = format!("/api/v1/metrics/{}?{}", r.metric, dashboard::html::table::query_of(r));
        let res = c.get(&url);
        assert_eq!(res.status, axum::http::StatusCode::OK, "{url}: {}", res.text());
        let api = res.json();
        let pack = queries::render::json(r);
        for key in ["columns", "rows", "policy"] {
            if api[key] != pack[key] {
                mismatches.push(format!("{d} {url}: {key} differ\n  api:  {}\n  pack: {}", api[key], pack[key]));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    let values = values(&evaluated);
    let printed = printed(&doc);
    assert!(printed.len() > 50, "{d}: only {} numbers found in the pack", printed.len());
    let unknown: Vec<String> = printed
        .iter()
        .filter(|(_, v, decimals)| {
            let tolerance = 0.5 * 10f64.powi(-(*decimals as i32)) + 1e-9;
            !values.iter().any(|x| (x.abs() - v).abs() <= tolerance)
        })
        .map(|(label, v, d)| format!("{label}: {v} ({d} decimals)"))
        .collect();
    assert!(unknown.is_empty(), "{d}: numbers the board's results do not hold:\n{}", unknown.join("\n"));
    printed.len()
}

/// Regression: for the board, the overview and 会員 hid this 年度's joins and leaves while the
/// board pack printed 529 / 351 for the same date.
#[test]
fn every_number_of_the_board_pack_is_the_boards_api_answer() {
    let snapshot: Arc<queries::Snapshot> = fixture().state.snapshot();
    let engine = Engine::over(snapshot.clone()).expect("engine");
    let mut c = Client::login("board");
    let last = snapshot.default_as_of().expect("a roster");
    let fiscal_year_end = NaiveDate::from_ymd_opt(2026, 3, 31).expect("date");
    for d in [last, fiscal_year_end] {
        check_date(&mut c, &engine, d);
    }
}

#[test]
fn numbers_are_read_as_the_pack_writes_them() {
    assert_eq!(numbers("10,150人"), vec![(10150.0, 0)]);
    assert_eq!(numbers("79.97%（80%未満）"), vec![(79.97, 2), (80.0, 0)]);
    assert_eq!(numbers("+529 / −351"), vec![(529.0, 0), (351.0, 0)]);
    assert_eq!(numbers("1, 2"), vec![(1.0, 0), (2.0, 0)]);
}
