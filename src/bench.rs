//! `oncometrics bench ingest`: end-to-end ingest of a members roster at several
//! scales, as UTF-8 and CP932, against DuckDB's `read_csv` into a table and
//! polars' `read_csv` of the same UTF-8 file, in the same run.
//!
//! Each measurement runs in its own child process so that peak RSS (VmHWM) is the
//! measurement's own. Results are printed as a Markdown table for BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// One measured run.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub scale: u32,
    pub what: String,
    pub rows: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub peak_rss_kib: Option<u64>,
}

/// Peak resident set size of this process, from /proc (Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Writes the roster of the sample's latest snapshot at `scale` as UTF-8 and CP932, and
/// next month's roster (see `next_month`). Returns (UTF-8, CP932, next month, rows).
pub fn write_rosters(dir: &Path, reference: &Path, scale: u32) -> Result<(PathBuf, PathBuf, PathBuf, u64)> {
    std::fs::create_dir_all(dir)?;
    let (utf8, rows) = ingest::sample::write_latest_roster(dir, reference, scale, 20260117)?;
    let text = std::fs::read_to_string(&utf8)?;
    let cp = dir.join(format!("members_scale{scale}_cp932.csv"));
    let bytes = ingest::decode::encode_cp932(&text).context("roster not representable in CP932")?;
    std::fs::write(&cp, bytes)?;
    let next = dir.join(format!("members_scale{scale}_next.csv"));
    std::fs::write(&next, next_month(&text))?;
    Ok((utf8, cp, next, rows))
}

/// Next month's roster (extracted 2026-11-30) from this month's: every 50th member is gone
/// without a 退会日, every 37th has moved between 正会員 and 準会員, and every 40th has a
/// new colleague joining on 2026-11-15 — the diff against the stored history then has
/// leavers to infer, intervals to close and open, and new members.
fn next_month(roster: &str) -> String {
    let mut out = String::with_capacity(roster.len() * 21 / 20);
    for (i, line) in roster.lines().enumerate() {
        let mut cells: Vec<&str> = line.split(',').collect();
        if i == 0 || cells.len() < 9 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if let Some(c) = cells.last_mut() {
            *c = "2026-11-30";
        }
        if i % 40 == 0 {
            let id = format!("{}N", cells[0]);
            let mut joiner = cells.clone();
            joiner[0] = &id;
            joiner[3] = "2026-11-15";
            joiner[4] = "";
            out.push_str(&joiner.join(","));
            out.push('\n');
        }
        if i % 50 == 0 {
            continue;
        }
        if i % 37 == 0 {
            cells[1] = if cells[1] == "正会員" { "準会員" } else { "正会員" };
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Runs a child measurement: `oncometrics bench-child <kind> <file> <dir>`; it prints "seconds rss_kib".
fn child(kind: &str, file: &Path, dir: &Path) -> Result<(f64, Option<u64>)> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe).args(["bench-child", kind]).arg(file).arg(dir).output()?;
    if !out.status.success() {
        bail!("{kind} on {} failed: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    }
    let s = String::from_utf8_lossy(&out.stdout);
    let mut it = s.split_whitespace();
    let secs: f64 = it.next().context("no timing")?.parse()?;
    let rss = it.next().and_then(|v| v.parse().ok());
    Ok((secs, rss))
}

/// The child side: one measurement in a fresh process.
pub fn run_child(kind: &str, file: &Path, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let quoted = store::sql::string_literal(&file.display().to_string());
    let t = Instant::now();
    match kind {
        // Into the warehouse in `dir`: a fresh one, or the one an earlier child filled.
        "ingest" => {
            let mut wh = store::Warehouse::open(&dir.join("wh.duckdb"), &dir.join("lake"))?;
            let opts =
                ingest::IngestOptions::new("members", vec![file.to_path_buf()], dir.join("k.key"), dir.join("rejects"));
            let r = ingest::ingest(&mut wh, &opts)?;
            if r.outcome != ingest::Outcome::Committed {
                bail!("ingest did not commit: {:?}", r.outcome);
            }
        }
        "duckdb" => {
            let conn = duckdb::Connection::open(dir.join("duck.duckdb"))?;
            conn.execute_batch(&format!("CREATE TABLE roster AS SELECT * FROM read_csv({quoted}, header = true)"))?;
        }
        "duckdb-same-work" => duckdb_same_work(&quoted, dir)?,
        other => bail!("unknown bench child {other}"),
    }
    println!("{} {}", t.elapsed().as_secs_f64(), peak_rss_kib().unwrap_or(0));
    Ok(())
}

/// The storage work of a roster load done by DuckDB alone, as a researcher would write it
/// without validation or normalisation: `read_csv` once, an MD5 of the member id as a
/// stand-in pseudonym, the snapshot, member versions and intervals as three tables in one
/// transaction, then each copied to Parquet.
/// `file`: the roster path as a SQL string literal.
fn duckdb_same_work(file: &str, dir: &Path) -> Result<()> {
    let conn = duckdb::Connection::open(dir.join("duck.duckdb"))?;
    let lake = dir.join("lake");
    std::fs::create_dir_all(&lake)?;
    conn.execute_batch(&format!(
        "BEGIN;
         CREATE TEMP TABLE s AS SELECT row_number() OVER () AS row_no, md5(会員番号) AS member_key,
           * EXCLUDE (会員番号) FROM read_csv({file}, header = true);
         CREATE TABLE member_snapshots AS SELECT * FROM s;
         CREATE TABLE members AS SELECT member_key, 入会日 AS joined_on, 退会日 AS left_on,
           false AS left_inferred, 生年 AS birth_year, 性別 AS sex, 抽出日 AS first_seen FROM s;
         CREATE TABLE member_history AS SELECT member_key, 入会日 AS valid_from, NULL::DATE AS valid_to,
           会員種別 AS category, 職種 AS profession, 勤務先都道府県 AS prefecture FROM s;
         COMMIT;"
    ))?;
    for t in ["member_snapshots", "members", "member_history"] {
        let out = store::sql::string_literal(&lake.join(format!("{t}.parquet")).display().to_string());
        conn.execute_batch(&format!("COPY {t} TO {out} (FORMAT parquet, COMPRESSION snappy)"))?;
    }
    Ok(())
}

/// polars (Python, as a researcher runs it), timed inside Python; peak RSS from ru_maxrss.
fn polars_read(file: &Path) -> Result<(f64, Option<u64>)> {
    let py = format!(
        "import time, resource, polars as pl\n\
         t = time.perf_counter(); df = pl.read_csv(r'{}'); s = time.perf_counter() - t\n\
         print(s, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, df.height)\n",
        file.display()
    );
    let out = Command::new("python3").arg("-c").arg(py).output().context("python3")?;
    if !out.status.success() {
        bail!("polars: {} (run scripts/setup.sh)", String::from_utf8_lossy(&out.stderr));
    }
    let s = String::from_utf8_lossy(&out.stdout);
    let mut it = s.split_whitespace();
    Ok((it.next().context("timing")?.parse()?, it.next().and_then(|v| v.parse().ok())))
}

/// Runs the whole benchmark and returns the measurements.
pub fn run(scales: &[u32], work: &Path, reference: &Path, repeat: usize) -> Result<Vec<Measurement>> {
    let mut out = Vec::new();
    for &scale in scales {
        let dir = work.join(format!("scale{scale}"));
        let (utf8, cp, next, rows) = write_rosters(&dir, reference, scale)?;
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let cases: Vec<(&str, &str, &PathBuf)> = vec![
            ("oncometrics ingest (UTF-8)", "ingest", &utf8),
            ("oncometrics ingest (CP932)", "ingest", &cp),
            ("oncometrics ingest, next month's roster into that store (UTF-8)", "ingest-next", &next),
            ("DuckDB read_csv → table (UTF-8)", "duckdb", &utf8),
            ("DuckDB, same storage work: 3 tables + Parquet (UTF-8)", "duckdb-same-work", &utf8),
            ("polars read_csv (UTF-8)", "polars", &utf8),
        ];
        for (label, kind, file) in cases {
            let mut best: Option<(f64, Option<u64>)> = None;
            for i in 0..repeat.max(1) {
                let run_dir =
                    dir.join(format!("run-{kind}-{i}-{}", file.file_stem().and_then(|s| s.to_str()).unwrap_or("")));
                let _ = std::fs::remove_dir_all(&run_dir);
                if kind == "ingest-next" {
                    // This month's roster first, in its own process and not timed.
                    child("ingest", &utf8, &run_dir)?;
                }
                let m = match kind {
                    "polars" => polars_read(file)?,
                    // Into the store the untimed child above filled.
                    "ingest-next" => child("ingest", file, &run_dir)?,
                    _ => child(kind, file, &run_dir)?,
                };
                let _ = std::fs::remove_dir_all(&run_dir);
                if best.is_none_or(|b| m.0 < b.0) {
                    best = Some(m);
                }
            }
            let (seconds, peak) = best.unwrap_or((f64::NAN, None));
            eprintln!("scale {scale}: {label}: {seconds:.3} s");
            // Next month's roster has its own row count (data lines of the file).
            let rows = if kind == "ingest-next" {
                std::fs::read_to_string(file).map_or(rows, |t| t.lines().count().saturating_sub(1) as u64)
            } else {
                rows
            };
            out.push(Measurement { scale, what: label.into(), rows, bytes: size(file), seconds, peak_rss_kib: peak });
        }
    }
    Ok(out)
}

/// A Markdown table of the measurements.
pub fn markdown(ms: &[Measurement]) -> String {
    let mut s = String::from(
        "| scale | rows | file MB | what | seconds | rows/s | MB/s | peak RSS MiB |\n|---:|---:|---:|---|---:|---:|---:|---:|\n",
    );
    for m in ms {
        let mb = m.bytes as f64 / 1_048_576.0;
        s.push_str(&format!(
            "| {} | {} | {:.1} | {} | {:.3} | {:.0} | {:.1} | {} |\n",
            m.scale,
            m.rows,
            mb,
            m.what,
            m.seconds,
            m.rows as f64 / m.seconds,
            mb / m.seconds,
            m.peak_rss_kib.map_or("–".into(), |k| format!("{:.0}", k as f64 / 1024.0))
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_month_drops_moves_and_adds_members_and_redates_the_roster() {
        let mut roster = String::from("会員番号,会員種別,職種,入会日,退会日,勤務先都道府県,生年,性別,抽出日\n");
        for i in 1..=200 {
            roster.push_str(&format!("M{i},正会員,医師,2010-04-01,,東京都,1970,女性,2026-10-31\n"));
        }
        let next = next_month(&roster);
        let lines: Vec<&str> = next.lines().collect();
        assert_eq!(lines[0], roster.lines().next().unwrap_or_default());
        assert!(lines[1..].iter().all(|l| l.ends_with(",2026-11-30")));
        // Lines 50, 100, 150, 200 are gone; 40, 80, … bring a new member each.
        assert!(!next.contains("\nM50,") && !next.contains("\nM200,"));
        assert_eq!(lines.iter().filter(|l| l.contains("N,") && l.contains(",2026-11-15,")).count(), 5);
        assert!(next.contains("\nM37,準会員,"));
        assert_eq!(lines.len() - 1, 200 - 4 + 5);
    }
}
