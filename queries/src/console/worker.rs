//! Console queries in worker processes, so that no query can take the server down.
//!
//! DataFusion's memory pool counts what joins, sorts and aggregates reserve, but not what a
//! scalar function allocates (`repeat('x', 10^12)`, `array_repeat`, `lpad`, a cast to a huge
//! fixed-size type), and constant folding runs such functions while planning. In-process, an
//! allocation failure aborts the process — every user's server. So the server runs each
//! query in a worker: a child process of its own binary (`oncometrics console-worker`) that
//! holds only the console's tables, with an address-space limit (an allocation past it fails
//! and ends the worker alone) and killed when the deadline passes (planning included).
//!
//! # Protocol
//!
//! Frames on the worker's stdin and stdout: a little-endian `u32` length, then the bytes.
//!
//! - Server → worker, once: a JSON [`Init`] (limits, table names), then one Arrow IPC stream
//!   per table.
//! - Server → worker, per query: a JSON [`Query`]. Worker → server: a JSON [`Reply`]; when it
//!   is `Ok`, an Arrow IPC stream of the answer follows.
//!
//! Idle workers are kept for the next query; how many queries run at once is the console's
//! [`super::Gate`]'s business.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use arrow::datatypes::SchemaRef;
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use arrow::record_batch::RecordBatch;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::engine::{self, Refusal, RefusalKind};
use super::query::{Answer, Limits, Tables};

/// The subcommand of the server's binary that runs a worker.
pub const SUBCOMMAND: &str = "console-worker";

/// The largest frame either side accepts.
const MAX_FRAME: usize = 512 * 1024 * 1024;

/// What a worker learns once, before its tables.
#[derive(Debug, Serialize, Deserialize)]
pub struct Init {
    pub limits: Limits,
    pub tables: Vec<String>,
    /// Address space the worker may use beyond what it has at start, in bytes.
    pub address_space: u64,
}

/// One query.
#[derive(Debug, Serialize, Deserialize)]
pub struct Query {
    pub sql: String,
}

/// A worker's answer to one query.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    /// An Arrow IPC stream of the answer follows.
    Ok {
        truncated: bool,
    },
    Refused(Refusal),
}

fn ipc(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<u8>, arrow::error::ArrowError> {
    let mut out = Vec::new();
    {
        let mut w = StreamWriter::try_new(&mut out, schema)?;
        for b in batches {
            w.write(b)?;
        }
        w.finish()?;
    }
    Ok(out)
}

fn from_ipc(bytes: &[u8]) -> Result<(SchemaRef, Vec<RecordBatch>), arrow::error::ArrowError> {
    let reader = StreamReader::try_new(bytes, None)?;
    let schema = reader.schema();
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    Ok((schema, batches))
}

fn read_frame(r: &mut impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut len = [0_u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let n = u32::from_le_bytes(len) as usize;
    if n > MAX_FRAME {
        return Err(std::io::Error::other(format!("frame of {n} bytes")));
    }
    let mut buf = vec![0_u8; n];
    r.read_exact(&mut buf)?;
    Ok(Some(buf))
}

fn write_frame(w: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let n = u32::try_from(bytes.len()).map_err(|_| std::io::Error::other("frame too large"))?;
    w.write_all(&n.to_le_bytes())?;
    w.write_all(bytes)
}

/// The address space this process has mapped now (`VmSize`), in bytes.
fn mapped_now() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmSize:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Limits this process's address space to what it has now plus `extra` bytes: an
/// allocation past it fails, and the worker ends (the server reports it).
fn limit_address_space(extra: u64) -> std::io::Result<()> {
    let Some(now) = mapped_now() else { return Ok(()) };
    let limit = now.saturating_add(extra);
    rustix::process::setrlimit(
        rustix::process::Resource::As,
        rustix::process::Rlimit { current: Some(limit), maximum: Some(limit) },
    )
    .map_err(std::io::Error::from)
}

/// The worker's loop: reads its tables, then answers queries until stdin closes.
pub fn serve(stdin: &mut impl Read, stdout: &mut impl Write) -> std::io::Result<()> {
    let bad = |e: String| std::io::Error::other(e);
    let Some(init) = read_frame(stdin)? else { return Ok(()) };
    let init: Init = serde_json::from_slice(&init).map_err(|e| bad(format!("init: {e}")))?;
    let mut tables = Vec::new();
    for name in &init.tables {
        let bytes = read_frame(stdin)?.ok_or_else(|| bad(format!("table {name} missing")))?;
        let (schema, batches) = from_ipc(&bytes).map_err(|e| bad(format!("table {name}: {e}")))?;
        tables.push((name.clone(), schema, batches));
    }
    let tables = Tables(tables);
    // Limited only now: what the tables take is part of the start, not of a query.
    limit_address_space(init.address_space)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    let ctx = engine::session(&tables, &init.limits).map_err(|e| bad(format!("session: {e}")))?;
    while let Some(frame) = read_frame(stdin)? {
        let query: Query = serde_json::from_slice(&frame).map_err(|e| bad(format!("query: {e}")))?;
        let outcome = rt.block_on(engine::collect(&ctx, &query.sql, &init.limits));
        let (reply, body) = match outcome {
            Ok(c) => match ipc(&c.schema, &c.batches) {
                Ok(body) => (Reply::Ok { truncated: c.truncated }, Some(body)),
                Err(e) => {
                    tracing::error!("console worker: {e}");
                    (Reply::Refused(Refusal::internal()), None)
                }
            },
            Err(r) => (Reply::Refused(r), None),
        };
        write_frame(stdout, &serde_json::to_vec(&reply).map_err(|e| bad(e.to_string()))?)?;
        if let Some(body) = body {
            write_frame(stdout, &body)?;
        }
        stdout.flush()?;
    }
    Ok(())
}

/// A running worker process.
#[derive(Debug)]
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
}

async fn read_frame_async(r: &mut ChildStdout) -> std::io::Result<Vec<u8>> {
    let n = r.read_u32_le().await? as usize;
    if n > MAX_FRAME {
        return Err(std::io::Error::other(format!("frame of {n} bytes")));
    }
    let mut buf = vec![0_u8; n];
    r.read_exact(&mut buf).await?;
    Ok(buf)
}

async fn write_frame_async(w: &mut ChildStdin, bytes: &[u8]) -> std::io::Result<()> {
    let n = u32::try_from(bytes.len()).map_err(|_| std::io::Error::other("frame too large"))?;
    w.write_all(&n.to_le_bytes()).await?;
    w.write_all(bytes).await
}

impl Worker {
    async fn spawn(exe: &PathBuf, init: &[Vec<u8>]) -> std::io::Result<Worker> {
        let mut child = Command::new(exe)
            .arg(SUBCOMMAND)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            // Fewer malloc arenas: each reserves address space the limit counts.
            .env("MALLOC_ARENA_MAX", "2")
            // A worker ended by its memory limit says so in one line, without a backtrace.
            .env("RUST_BACKTRACE", "0")
            .kill_on_drop(true)
            .spawn()?;
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(std::io::Error::other("worker without pipes"));
        };
        for frame in init {
            write_frame_async(&mut stdin, frame).await?;
        }
        stdin.flush().await?;
        Ok(Worker { child, stdin, stdout })
    }

    async fn query(&mut self, sql: &str) -> std::io::Result<Result<(SchemaRef, Vec<RecordBatch>, bool), Refusal>> {
        let q = serde_json::to_vec(&Query { sql: sql.to_string() }).map_err(std::io::Error::other)?;
        write_frame_async(&mut self.stdin, &q).await?;
        self.stdin.flush().await?;
        let reply: Reply =
            serde_json::from_slice(&read_frame_async(&mut self.stdout).await?).map_err(std::io::Error::other)?;
        match reply {
            Reply::Refused(r) => Ok(Err(r)),
            Reply::Ok { truncated } => {
                let body = read_frame_async(&mut self.stdout).await?;
                let (schema, batches) = from_ipc(&body).map_err(std::io::Error::other)?;
                Ok(Ok((schema, batches, truncated)))
            }
        }
    }
}

/// The server's worker processes for one console catalog.
#[derive(Debug)]
pub struct Pool {
    exe: PathBuf,
    /// The frames every new worker is sent first (its [`Init`] and tables).
    init: Vec<Vec<u8>>,
    limits: Limits,
    /// Idle workers kept for the next query, at most this many.
    keep: usize,
    idle: Mutex<Vec<Worker>>,
}

impl Pool {
    /// A pool that runs `exe console-worker` over `tables`. `address_space` is what a
    /// worker may map beyond its start (the hard memory limit of one query).
    pub fn new(
        exe: PathBuf,
        tables: &Tables,
        limits: Limits,
        keep: usize,
        address_space: u64,
    ) -> Result<Pool, Refusal> {
        let internal = |e: String| {
            tracing::error!("console pool: {e}");
            Refusal::internal()
        };
        let names = tables.0.iter().map(|(n, _, _)| n.clone()).collect();
        let mut init = vec![
            serde_json::to_vec(&Init { limits, tables: names, address_space }).map_err(|e| internal(e.to_string()))?,
        ];
        for (_, schema, batches) in &tables.0 {
            init.push(ipc(schema, batches).map_err(|e| internal(e.to_string()))?);
        }
        Ok(Pool { exe, init, limits, keep, idle: Mutex::new(Vec::new()) })
    }

    /// Runs `sql` in a worker (the caller has taken a slot of the console's [`super::Gate`]).
    pub async fn run(&self, sql: &str) -> Result<Answer, Refusal> {
        let started = Instant::now();
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let mut worker = match idle {
            Some(w) => w,
            None => Worker::spawn(&self.exe, &self.init).await.map_err(|e| {
                tracing::error!("console worker {}: {e}", self.exe.display());
                Refusal::internal()
            })?,
        };
        // The worker stops itself at the deadline; past it and a grace period, it is killed.
        let grace = self.limits.timeout + Duration::from_secs(2);
        match tokio::time::timeout(grace, worker.query(sql)).await {
            Err(_) => {
                let _ = worker.child.start_kill();
                Err(Refusal::timeout(&self.limits))
            }
            Ok(Err(e)) => {
                // The worker died: killed by its address-space limit (an allocation failure
                // aborts), or it panicked inside the engine (an exit code).
                let status = worker.child.wait().await.ok();
                tracing::warn!("console worker ended during a query ({status:?}): {e}");
                match status.and_then(|s| s.code()) {
                    Some(_) => Err(Refusal::internal()),
                    None => Err(Refusal::new(
                        RefusalKind::Limit,
                        "メモリの上限を超えたため中止しました。大きな値を作る関数（repeat、lpad、array_repeat など）の引数を小さくしてください / the query needed more memory than allowed",
                    )),
                }
            }
            Ok(Ok(outcome)) => {
                if let Ok(mut v) = self.idle.lock()
                    && v.len() < self.keep.max(1)
                {
                    v.push(worker);
                }
                let (schema, batches, truncated) = outcome?;
                Ok(engine::answer(&schema, &batches, truncated, started))
            }
        }
    }
}
