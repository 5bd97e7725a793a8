//! `oncometrics bench report`: the board pack on generated samples at several scales —
//! each stage in-process (snapshot, metrics and layout, PDF, HTML) and the whole
//! `oncometrics report board` command as a user runs it.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use queries::{Audience, Engine};
use reports::packs::{Context, board};

use crate::bench_metrics::{median, prepare};

/// One scale's timings, milliseconds (medians).
#[derive(Debug, Clone)]
pub struct Row {
    pub scale: u32,
    pub members: usize,
    pub snapshot_ms: f64,
    pub build_ms: f64,
    pub pdf_ms: f64,
    pub html_ms: f64,
    pub command_ms: f64,
    pub pdf_bytes: usize,
    pub runs: usize,
}

fn timed<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let mut last = f()?; // warm-up
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        last = f()?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((median(ms), last))
}

pub fn run(scales: &[u32], work: &Path, reference: &Path, runs: usize) -> Result<Vec<Row>> {
    let exe = std::env::current_exe()?;
    let mut rows = Vec::new();
    for &scale in scales {
        let wh = prepare(work, reference, scale)?;
        let (snapshot_ms, engine) = timed(runs, || Ok(Engine::open(&wh, None)?))?;
        let members = engine.snapshot().row_count("members");
        let as_of = engine.snapshot().default_as_of().context("no as-of date")?;
        let (build_ms, doc) = timed(runs, || Ok(board::build(&Context::new(&engine, as_of, Audience::Board))?))?;
        let (pdf_ms, pdf) = timed(runs, || Ok(reports::pdf::render(&doc)?))?;
        let (html_ms, _) = timed(runs, || Ok(reports::html::render(&doc)))?;
        drop(wh);
        let dir = work.join(format!("warehouse-scale{scale}"));
        let out = dir.join("board.pdf");
        let (command_ms, _) = timed(runs, || {
            let status = Command::new(&exe)
                .arg("--warehouse")
                .arg(dir.join("wh.duckdb"))
                .arg("--lake")
                .arg(dir.join("lake"))
                .args(["report", "board", "--out"])
                .arg(&out)
                .stderr(std::process::Stdio::null())
                .status()?;
            if !status.success() {
                bail!("oncometrics report board failed at scale {scale}");
            }
            Ok(())
        })?;
        eprintln!("scale {scale}: board pack {command_ms:.0} ms as a command");
        rows.push(Row {
            scale,
            members,
            snapshot_ms,
            build_ms,
            pdf_ms,
            html_ms,
            command_ms,
            pdf_bytes: pdf.len(),
            runs,
        });
    }
    Ok(rows)
}

pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::from(
        "| scale | members | snapshot (ms) | metrics + layout (ms) | PDF (ms) | HTML (ms) | `report board` command (ms) | PDF size (KB) |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {} |\n",
            r.scale,
            r.members,
            r.snapshot_ms,
            r.build_ms,
            r.pdf_ms,
            r.html_ms,
            r.command_ms,
            r.pdf_bytes.div_ceil(1024)
        ));
    }
    if let Some(r) = rows.first() {
        s.push_str(&format!("\nMedians of {} runs after one warm-up.\n", r.runs));
    }
    s
}
