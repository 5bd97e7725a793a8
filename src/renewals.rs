//! `oncometrics renewals`: the renewal cohort view for the certification committee — who is
//! due in a round, how many are ready, which requirements block the rest, the trend by
//! round; with `--list` the applicants, with `--certificate` one applicant's findings.
//! Composed from the catalog's `renewals.*` metrics, so the numbers are the dashboard's.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use queries::{Audience, Engine, MetricResult, Request, Value, render};
use serde_json::json;
use store::Warehouse;

use crate::cli::{Format, RenewalsArgs, StoreArgs};
use crate::output;

/// What the command shows, evaluated.
struct View {
    round: i32,
    cohort: MetricResult,
    blockers: MetricResult,
    applicants: Option<MetricResult>,
    findings: Option<MetricResult>,
}

pub fn run(store: &StoreArgs, args: &RenewalsArgs) -> Result<ExitCode> {
    if args.rules {
        print!("{}", model::renewal::docs::markdown());
        return Ok(ExitCode::SUCCESS);
    }
    let audience = Audience::parse(&args.audience).ok_or_else(|| {
        anyhow!("--audience {:?}: committee, board または researcher / committee, board or researcher", args.audience)
    })?;
    let wh = Warehouse::open(&store.warehouse, &store.lake_dir()).with_context(|| {
        format!("ウェアハウスを開けません / cannot open the warehouse {}", store.warehouse.display())
    })?;
    let engine = Engine::open(&wh, args.at_load)?;
    let view = evaluate(&engine, audience, args)?;
    match args.format {
        Format::Table => print!("{}", table(&view)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&to_json(&view))?),
    }
    Ok(ExitCode::SUCCESS)
}

fn evaluate(engine: &Engine, audience: Audience, args: &RenewalsArgs) -> Result<View> {
    let info = engine.block_on(engine.snapshot().renewals())?;
    let as_of = args.as_of.or_else(|| engine.snapshot().default_as_of());
    let round = args.round.unwrap_or_else(|| as_of.map_or(info.current, |d| info.round_on(d)));
    let request = |metric: &str| {
        let mut r = Request::new(metric, audience);
        if let Some(d) = as_of {
            r = r.as_of(d);
        }
        if let Some(q) = &args.qualification {
            r = r.param("qualification", q);
        }
        r
    };
    let round_text = round.to_string();
    let cohort = engine.evaluate(&request(queries::metrics::renewals::COHORT.name))?;
    if !cohort.rows.iter().any(|r| r.get(1).and_then(Value::as_i64) == Some(i64::from(round))) {
        let known: Vec<String> = info.rounds.iter().map(i32::to_string).collect();
        return Err(anyhow!(
            "{round} 年度の更新対象者はいません（データのある年度: {}） / nobody is due in round {round} (rounds: {})",
            known.join(", "),
            known.join(", ")
        ));
    }
    let blockers = engine.evaluate(&request(queries::metrics::renewals::BLOCKERS.name).param("round", &round_text))?;
    let applicants = if args.list {
        let mut r = request(queries::metrics::renewals::APPLICANTS.name).param("round", &round_text);
        if let Some(s) = &args.status {
            r = r.param("status", s);
        }
        Some(engine.evaluate(&r)?)
    } else {
        None
    };
    let findings = match &args.certificate {
        Some(no) => Some(engine.evaluate(
            &request(queries::metrics::renewals::FINDINGS.name).param("round", &round_text).param("certificate_no", no),
        )?),
        None => None,
    };
    Ok(View { round, cohort, blockers, applicants, findings })
}

/// A cell as the reports show it (thousands separators, shares to one decimal).
fn cell(r: &MetricResult, row: &[Value], column: &str) -> String {
    r.column_index(column)
        .and_then(|i| Some(reports::format::column_cell(row.get(i)?, &r.columns[i])))
        .unwrap_or_default()
}

/// The named columns (all when none are named) of the rows `keep` accepts, as an aligned
/// table with the result's headers.
fn part(r: &MetricResult, columns: &[&str], keep: impl Fn(&[Value]) -> bool) -> String {
    let all: Vec<&str> = r.columns.iter().map(|c| c.name).collect();
    let columns = if columns.is_empty() { all.as_slice() } else { columns };
    let headers: Vec<String> = columns
        .iter()
        .map(|name| {
            let c = r.columns.iter().find(|c| c.name == *name);
            c.map_or_else(
                || (*name).to_string(),
                |c| if c.unit.is_empty() { c.ja.to_string() } else { format!("{}（{}）", c.ja, c.unit) },
            )
        })
        .collect();
    let rows: Vec<Vec<String>> =
        r.rows.iter().filter(|row| keep(row)).map(|row| columns.iter().map(|c| cell(r, row, c)).collect()).collect();
    let right: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, name)| {
            r.column_index(name).is_some_and(|i| {
                r.rows
                    .iter()
                    .all(|row| matches!(row[i], Value::Int(_) | Value::Num(_) | Value::Null | Value::Suppressed))
            })
        })
        .map(|(i, _)| i)
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    output::table(&headers, &rows, &right)
}

fn in_round(round: i32) -> impl Fn(&[Value]) -> bool {
    move |row: &[Value]| row.get(1).and_then(Value::as_i64) == Some(i64::from(round))
}

/// The view as text: one applicant's findings with `--certificate`; otherwise this round,
/// its blockers and the trend, then the applicants with `--list`.
fn table(v: &View) -> String {
    let mut out = String::new();
    if let Some(f) = &v.findings {
        out.push_str(&format!("専門医更新のチェック結果 — {} 年度\n\n", v.round));
        if f.rows.is_empty() {
            out.push_str("（指摘事項なし）\n");
        } else {
            out.push_str(&part(
                f,
                &["qualification", "certificate_no", "seq", "severity", "requirement", "place", "message_ja"],
                |_| true,
            ));
        }
        out.push('\n');
        notes(&mut out, f);
        return out;
    }
    out.push_str(&format!("専門医更新の準備状況 — {} 年度\n\n", v.round));
    out.push_str(&part(
        &v.cohort,
        &["qualification", "due", "applied", "ready", "not_ready", "not_applied", "ready_share"],
        in_round(v.round),
    ));
    out.push_str(&format!("\n未充足の要件（{} 年度、未充足の申請者の多い順）\n", v.round));
    // Requirements nobody misses are left out; suppressed counts (small, not zero) stay,
    // after the counts shown.
    let mut blockers = v.blockers.clone();
    let value = |row: &[Value], c: &str| v.blockers.column_index(c).and_then(|i| row.get(i)).cloned();
    let some = |x: Option<Value>| matches!(x, Some(Value::Suppressed)) || x.and_then(|x| x.as_i64()).unwrap_or(0) > 0;
    blockers.rows.retain(|row| ["blocked", "excluded", "warned"].iter().any(|c| some(value(row, c))));
    blockers.rows.sort_by_key(|row| std::cmp::Reverse(value(row, "blocked").and_then(|x| x.as_i64()).unwrap_or(0)));
    if blockers.rows.is_empty() {
        out.push_str("（なし）\n");
    } else {
        out.push_str(&part(
            &blockers,
            &["qualification", "requirement", "blocked", "blocked_share", "excluded", "warned"],
            |_| true,
        ));
    }
    out.push_str("\n年度別の推移\n");
    out.push_str(&part(&v.cohort, &[], |_| true));
    if let Some(a) = &v.applicants {
        out.push_str(&format!("\n申請者一覧（{} 年度、{} 人）\n", v.round, a.rows.len()));
        out.push_str(&part(
            a,
            &["qualification", "certificate_no", "status", "blockers", "warnings", "measure", "messages"],
            |_| true,
        ));
    }
    out.push('\n');
    notes(&mut out, &v.cohort);
    out
}

/// A result's notes, its disclosure policy and the sample mark.
fn notes(out: &mut String, r: &MetricResult) {
    for n in &r.notes {
        out.push_str(&format!("注: {}\n", n.ja));
    }
    out.push_str(&format!("秘匿: {}\n", r.policy.describe_ja()));
    if r.provenance.sample {
        out.push_str(&format!("※{}\n", model::SAMPLE_LABEL));
    }
}

fn to_json(v: &View) -> serde_json::Value {
    json!({
        "round": v.round,
        "cohort": render::json(&v.cohort),
        "blockers": render::json(&v.blockers),
        "applicants": v.applicants.as_ref().map(render::json),
        "findings": v.findings.as_ref().map(render::json),
    })
}
