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

/// Writes the roster of the sample's latest snapshot at `scale` as UTF-8 and CP932.
pub fn write_rosters(dir: &Path, reference: &Path, scale: u32) -> Result<(PathBuf, PathBuf, u64)> {
    std::fs::create_dir_all(dir)?;
    let (utf8, rows) = ingest::sample::write_latest_roster(dir, reference, scale, 20260117)?;
    let text = std::fs::read_to_string(&utf8)?;
    let cp = dir.join(format!("members_scale{scale}_cp932.csv"));
    let bytes = ingest::decode::encode_cp932(&text).context("roster not representable in CP932")?;
    std::fs::write(&cp, bytes)?;
    Ok((utf8, cp, rows))
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
    let t = Instant::now();
    match kind {
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
            conn.execute_batch(&format!(
                "CREATE TABLE roster AS SELECT * FROM read_csv('{}', header = true)",
                file.display().to_string().replace('\'', "''")
            ))?;
        }
        other => bail!("unknown bench child {other}"),
    }
    println!("{} {}", t.elapsed().as_secs_f64(), peak_rss_kib().unwrap_or(0));
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
        let (utf8, cp, rows) = write_rosters(&dir, reference, scale)?;
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let cases: Vec<(&str, &str, &PathBuf)> = vec![
            ("oncometrics ingest (UTF-8)", "ingest", &utf8),
            ("oncometrics ingest (CP932)", "ingest", &cp),
            ("DuckDB read_csv → table (UTF-8)", "duckdb", &utf8),
            ("polars read_csv (UTF-8)", "polars", &utf8),
        ];
        for (label, kind, file) in cases {
            let mut best: Option<(f64, Option<u64>)> = None;
            for i in 0..repeat.max(1) {
                let run_dir =
                    dir.join(format!("run-{kind}-{i}-{}", file.file_stem().and_then(|s| s.to_str()).unwrap_or("")));
                let _ = std::fs::remove_dir_all(&run_dir);
                let m = if kind == "polars" { polars_read(file)? } else { child(kind, file, &run_dir)? };
                let _ = std::fs::remove_dir_all(&run_dir);
                if best.is_none_or(|b| m.0 < b.0) {
                    best = Some(m);
                }
            }
            let (seconds, peak) = best.unwrap_or((f64::NAN, None));
            eprintln!("scale {scale}: {label}: {seconds:.3} s");
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
