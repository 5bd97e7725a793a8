//! `oncometrics bench metrics`: every metric of the catalog evaluated on generated
//! samples at several scales, and — in the same run, over the same data — the
//! physician share by prefecture computed by DataFusion on the raw tables, by DuckDB
//! on its own storage and by polars (Python, as a researcher runs it).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use queries::catalog::{Request, catalog};
use queries::{Audience, Engine};
use store::Warehouse;

/// One timing.
#[derive(Debug, Clone)]
pub struct Timing {
    pub scale: u32,
    pub what: String,
    /// Median over the runs, milliseconds.
    pub median_ms: f64,
    pub runs: usize,
}

/// The as-of date of every measurement (the bundled sample's "today").
const AS_OF: &str = "2026-10-31";

/// The physician share by prefecture on the raw tables, for the comparison.
fn raw_share_sql(current: &str) -> String {
    format!(
        "SELECT h.prefecture_code, SUM(CASE WHEN h.profession = '医師' THEN 1 ELSE 0 END) AS p, COUNT(*) AS t
         FROM members m JOIN member_history h ON h.member_key = m.member_key
         WHERE {current} m.joined_on <= DATE '{AS_OF}' AND (m.left_on IS NULL OR m.left_on > DATE '{AS_OF}')
           AND h.valid_from <= DATE '{AS_OF}' AND (h.valid_to IS NULL OR h.valid_to > DATE '{AS_OF}')
           AND h.category = '正会員'
         GROUP BY h.prefecture_code ORDER BY h.prefecture_code"
    )
}

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<f64> {
    f()?; // warm-up
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(median(ms))
}

/// What to time and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Timed runs per measurement (after one warm-up).
    pub runs: usize,
    /// Only the metrics whose name equals or starts with one of these (all when empty).
    pub only: Vec<String>,
    /// Reuse the warehouse of a previous run at the same scale.
    pub reuse: bool,
    /// Ad-hoc SQL over the snapshot, timed like a metric.
    pub sql: Vec<String>,
    /// Where the metrics run.
    pub engine: crate::cli::EngineMode,
    /// Start a Ballista cluster of this many executors on this machine for each scale and run
    /// the metrics on it (the engine is then that cluster).
    pub local_cluster: Option<usize>,
}

/// A process's peak resident memory (VmHWM) at a scale: the load's, or (counted again from
/// after the load) the engine's after the metrics ran, before the DuckDB and polars comparisons.
#[derive(Debug, Clone)]
pub struct Memory {
    pub scale: u32,
    pub process: String,
    pub mb: f64,
}

/// The process's peak resident memory so far (VmHWM), in MB; None where /proc is missing.
pub fn peak_rss_mb() -> Option<f64> {
    crate::bench_cluster::peak_rss_mb_of("self")
}

impl Options {
    fn wants(&self, metric: &str) -> bool {
        if self.only.is_empty() {
            return self.sql.is_empty();
        }
        self.only.iter().any(|o| metric.starts_with(o.as_str()))
    }
}

/// The warehouse a previous run loaded at `scale`, when there is one.
fn reuse(work: &Path, scale: u32) -> Result<Option<Warehouse>> {
    let wh_dir = work.join(format!("warehouse-scale{scale}"));
    let file = wh_dir.join("wh.duckdb");
    if !file.exists() {
        return Ok(None);
    }
    eprintln!("scale {scale}: reusing {}", file.display());
    Ok(Some(Warehouse::open(&file, &wh_dir.join("lake"))?))
}

/// Generates (or reuses) the sample at `scale` and loads it into a fresh warehouse.
pub(crate) fn prepare(work: &Path, reference: &Path, scale: u32) -> Result<Warehouse> {
    let sample = work.join(format!("sample-scale{scale}"));
    if !sample.join("MANIFEST.json").exists() {
        eprintln!("scale {scale}: generating the sample…");
        ingest::sample::generate(&sample, reference, scale, 20260117)?;
    }
    let wh_dir = work.join(format!("warehouse-scale{scale}"));
    let _ = std::fs::remove_dir_all(&wh_dir);
    std::fs::create_dir_all(&wh_dir)?;
    let mut wh = Warehouse::open(&wh_dir.join("wh.duckdb"), &wh_dir.join("lake"))?;
    eprintln!("scale {scale}: loading…");
    let t = Instant::now();
    let reports = ingest::sample::load::load_dir(
        &mut wh,
        &sample,
        &wh_dir.join("k.key"),
        &wh_dir.join("rejects"),
        &ingest::NoProgress,
        |_| {},
    )?;
    if reports.iter().any(|r| r.outcome != ingest::Outcome::Committed && r.outcome != ingest::Outcome::NothingNew) {
        bail!("the scale {scale} sample did not load cleanly");
    }
    eprintln!("scale {scale}: loaded in {:.1} s", t.elapsed().as_secs_f64());
    Ok(wh)
}

/// polars in Python over Parquet exports of the same current rows; the query alone is timed.
fn polars_share(dir: &Path, runs: usize) -> Result<f64> {
    let py = format!(
        r#"import time, datetime, polars as pl
m = pl.read_parquet(r'{m}'); h = pl.read_parquet(r'{h}')
d = datetime.date(2026, 10, 31)
def q():
    return (m.lazy().join(h.lazy(), on='member_key')
        .filter((pl.col('joined_on') <= d) & (pl.col('left_on').is_null() | (pl.col('left_on') > d))
                & (pl.col('valid_from') <= d) & (pl.col('valid_to').is_null() | (pl.col('valid_to') > d))
                & (pl.col('category') == '正会員'))
        .group_by('prefecture_code')
        .agg([(pl.col('profession') == '医師').sum().alias('p'), pl.len().alias('t')])
        .sort('prefecture_code').collect())
q()
ts = []
for _ in range({runs}):
    t = time.perf_counter(); q(); ts.append((time.perf_counter() - t) * 1000)
ts.sort(); print(ts[len(ts) // 2])
"#,
        m = dir.join("members.parquet").display(),
        h = dir.join("member_history.parquet").display(),
    );
    let out = Command::new("python3").arg("-c").arg(py).output().context("python3")?;
    if !out.status.success() {
        bail!("polars: {} (run scripts/setup.sh)", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().context("polars timing")
}

/// Runs the benchmark.
pub fn run(scales: &[u32], work: &Path, reference: &Path, opts: &Options) -> Result<(Vec<Timing>, Vec<Memory>)> {
    let mut out = Vec::new();
    let mut memory = Vec::new();
    let runs = opts.runs.max(1);
    for &scale in scales {
        crate::bench_cluster::reset_peak_rss();
        let wh = match opts.reuse.then(|| reuse(work, scale)).transpose()?.flatten() {
            Some(wh) => wh,
            None => {
                let wh = prepare(work, reference, scale)?;
                if let Some(mb) = peak_rss_mb() {
                    memory.push(Memory {
                        scale,
                        process: "this process, generating and loading the sample".into(),
                        mb,
                    });
                }
                wh
            }
        };
        // The engine's figure below is its own: not the load's, nor an earlier scale's.
        if !crate::bench_cluster::reset_peak_rss() {
            eprintln!("scale {scale}: the peak memory below includes everything this process did before");
        }
        let cluster = match opts.local_cluster {
            Some(n) => {
                // The machine's cores and the lake mode's memory, shared: on 2 cores, two
                // executors of one task and 1 GB each (with 2 tasks each, 512 MB a task was too
                // little for the survey's sorts at scale 1,000).
                let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
                let tasks = (cores / n.max(1)).max(1);
                Some(crate::bench_cluster::LocalCluster::start(n, tasks, &work.join(format!("cluster-scale{scale}")))?)
            }
            None => None,
        };
        let engine_mode =
            cluster.as_ref().map_or_else(|| opts.engine.clone(), |c| crate::cli::EngineMode::Cluster(c.addr.clone()));
        let t = Instant::now();
        let (engine, what) = match &engine_mode {
            crate::cli::EngineMode::Memory => {
                (Engine::open(&wh, None)?, "snapshot: read the store into Arrow and build the derived tables")
            }
            crate::cli::EngineMode::Lake => (
                Engine::open_lake(&work.join(format!("warehouse-scale{scale}")).join("lake"), None)?,
                "snapshot: register the lake's files and build (or read) the derived tables",
            ),
            crate::cli::EngineMode::Cluster(addr) => (
                Engine::open_cluster(addr, &work.join(format!("warehouse-scale{scale}")).join("lake"), None)?,
                "snapshot: register the lake's files on the cluster and build (or read) the derived tables",
            ),
        };
        let snap_ms = t.elapsed().as_secs_f64() * 1000.0;
        out.push(Timing { scale, what: what.into(), median_ms: snap_ms, runs: 1 });
        for (name, ms) in engine.snapshot().derived_timings() {
            out.push(Timing { scale, what: format!("snapshot, of which deriving {name}"), median_ms: *ms, runs: 1 });
        }
        // Derived on first use (the dashboard does it in the background): timed here so that
        // the metrics below are timed as a visitor meets them, and the cost is not hidden.
        if opts.wants(queries::metrics::free_text::TERMS.name) || opts.wants(queries::metrics::free_text::KWIC.name) {
            let t = Instant::now();
            queries::text::Analyzer::shared()?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            out.push(Timing {
                scale,
                what: "loading the morphological dictionary (once per process)".into(),
                median_ms: ms,
                runs: 1,
            });
            let t = Instant::now();
            let texts = engine.block_on(engine.snapshot().free_text_terms())?.len();
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            eprintln!("scale {scale}: {texts} distinct free-text answers analysed");
            out.push(Timing {
                scale,
                what: "first use: analysing the distinct free-text answers".into(),
                median_ms: ms,
                runs: 1,
            });
        }
        let as_of = chrono::NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d")?;
        let mut all = 0.0;
        for def in catalog().iter().filter(|d| opts.wants(d.name)) {
            // The board pack: every metric the board may see. Committee-only metrics are
            // timed for the committee, outside the board's sum.
            let board = def.audiences.contains(&Audience::Board);
            let mut req =
                Request::new(def.name, if board { Audience::Board } else { Audience::Committee }).as_of(as_of);
            if def.name == queries::metrics::free_text::KWIC.name {
                req = req.param("term", "オンライン配信");
            }
            let ms = time(runs, || Ok(engine.evaluate(&req)?))?;
            let what = if board { format!("metric {}", def.name) } else { format!("metric {} (committee)", def.name) };
            if board {
                all += ms;
            }
            out.push(Timing { scale, what, median_ms: ms, runs });
        }
        for (i, sql) in opts.sql.iter().enumerate() {
            let snapshot = engine.snapshot().clone();
            let ms = time(runs, || Ok(engine.block_on(snapshot.sql(sql))?))?;
            let rows: usize = engine.block_on(snapshot.sql(sql))?.iter().map(|b| b.num_rows()).sum();
            eprintln!("scale {scale}: sql #{}: {rows} rows", i + 1);
            out.push(Timing { scale, what: format!("sql #{}", i + 1), median_ms: ms, runs });
        }
        if !opts.only.is_empty() || !opts.sql.is_empty() {
            memory.extend(peaks(scale, cluster.as_ref()));
            report(&out, scale);
            continue;
        }
        out.push(Timing { scale, what: "whole catalog for the board (sum of medians)".into(), median_ms: all, runs });
        let req = Request::new(queries::metrics::free_text::TERMS.name, Audience::Board).as_of(as_of).by("fiscal_year");
        let ms = time(runs, || Ok(engine.evaluate(&req)?))?;
        out.push(Timing {
            scale,
            what: "metric survey.terms --by fiscal_year (every wave)".into(),
            median_ms: ms,
            runs,
        });
        let req = Request::new(queries::metrics::membership::PHYSICIAN_SHARE.name, Audience::Board)
            .as_of(as_of)
            .by("prefecture");
        let ms = time(runs, || Ok(engine.evaluate(&req)?))?;
        out.push(Timing {
            scale,
            what: "share by prefecture: metric members.physician_share --by prefecture".into(),
            median_ms: ms,
            runs,
        });
        // The comparison: physician share by prefecture on the raw tables.
        let raw = raw_share_sql("");
        let ctx = engine.snapshot().clone();
        let ms = time(runs, || Ok(engine.block_on(ctx.sql(&raw))?))?;
        out.push(Timing { scale, what: "share by prefecture, raw join: DataFusion".into(), median_ms: ms, runs });
        memory.extend(peaks(scale, cluster.as_ref()));
        drop(cluster);
        let duck_sql = raw_share_sql("m.superseded_by IS NULL AND");
        let ms = time(runs, || Ok(wh.query_arrow(&duck_sql)?))?;
        out.push(Timing {
            scale,
            what: "share by prefecture, raw join: DuckDB (its storage)".into(),
            median_ms: ms,
            runs,
        });
        let pq = work.join(format!("parquet-scale{scale}"));
        std::fs::create_dir_all(&pq)?;
        for (t, q) in [
            ("members", "SELECT member_key, joined_on, left_on FROM members WHERE superseded_by IS NULL"),
            (
                "member_history",
                "SELECT member_key, valid_from, valid_to, category, profession, prefecture_code FROM member_history",
            ),
        ] {
            wh.copy_to_parquet(q, &pq.join(format!("{t}.parquet")))?;
        }
        let ms = polars_share(&pq, runs)?;
        out.push(Timing {
            scale,
            what: "share by prefecture, raw join: polars (Python, in memory)".into(),
            median_ms: ms,
            runs,
        });
        report(&out, scale);
    }
    Ok((out, memory))
}

/// This process's peak memory so far, and each cluster process's.
fn peaks(scale: u32, cluster: Option<&crate::bench_cluster::LocalCluster>) -> Vec<Memory> {
    let mut out: Vec<Memory> =
        peak_rss_mb().map(|mb| Memory { scale, process: "this process (client)".into(), mb }).into_iter().collect();
    for (process, mb) in cluster.map(|c| c.peak_rss_mb()).unwrap_or_default() {
        out.push(Memory { scale, process, mb });
    }
    out
}

/// The peak memory table: one row per process, one column per scale.
pub fn memory_markdown(ms: &[Memory]) -> String {
    let mut scales: Vec<u32> = ms.iter().map(|m| m.scale).collect();
    scales.sort_unstable();
    scales.dedup();
    let mut processes: Vec<&str> = Vec::new();
    for m in ms {
        if !processes.contains(&m.process.as_str()) {
            processes.push(&m.process);
        }
    }
    let mut s = format!(
        "| peak RSS (VmHWM) | {} |\n|---|{}\n",
        scales.iter().map(|x| format!("scale {x} (MB)")).collect::<Vec<_>>().join(" | "),
        scales.iter().map(|_| "---:|").collect::<String>()
    );
    for p in processes {
        let cells: Vec<String> = scales
            .iter()
            .map(|sc| {
                ms.iter().find(|m| m.scale == *sc && m.process == p).map_or("–".into(), |m| format!("{:.0}", m.mb))
            })
            .collect();
        s.push_str(&format!("| {p} | {} |\n", cells.join(" | ")));
    }
    s
}

fn report(out: &[Timing], scale: u32) {
    for t in out.iter().filter(|t| t.scale == scale) {
        eprintln!("scale {scale}: {}: {:.1} ms", t.what, t.median_ms);
    }
}

/// A Markdown table: one row per measurement, one column per scale.
pub fn markdown(ts: &[Timing]) -> String {
    let mut scales: Vec<u32> = ts.iter().map(|t| t.scale).collect();
    scales.sort_unstable();
    scales.dedup();
    let mut whats: Vec<&str> = Vec::new();
    for t in ts {
        if !whats.contains(&t.what.as_str()) {
            whats.push(&t.what);
        }
    }
    let mut s = format!(
        "| what | {} |\n|---|{}\n",
        scales.iter().map(|x| format!("scale {x} (ms)")).collect::<Vec<_>>().join(" | "),
        scales.iter().map(|_| "---:|").collect::<String>()
    );
    for w in whats {
        let cells: Vec<String> = scales
            .iter()
            .map(|sc| {
                ts.iter()
                    .find(|t| t.scale == *sc && t.what == w)
                    .map_or("–".into(), |t| format!("{:.1}", t.median_ms))
            })
            .collect();
        s.push_str(&format!("| {w} | {} |\n", cells.join(" | ")));
    }
    s
}
