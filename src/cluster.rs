//! `oncometrics cluster scheduler|executor`: a Ballista scheduler or executor of this program
//! (thin wrappers over Ballista's own processes, given this program's SQL functions; see
//! `queries::cluster`). They run until stopped (Ctrl-C or SIGTERM).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use queries::cluster::{ExecutorOptions, SchedulerAddr, SchedulerOptions};

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// The scheduler: plans the queries sent to `df://HOST:PORT` and hands their tasks to the
    /// executors that registered with it.
    Scheduler {
        /// Address to listen on.
        #[arg(long, env = "ONCOMETRICS_SCHEDULER_BIND", default_value = "127.0.0.1:50050")]
        bind: SocketAddr,
    },
    /// An executor: registers with the scheduler and runs its tasks, reading the Parquet lake at
    /// the path the client gives (the same path on every machine: a shared file system).
    Executor {
        /// The scheduler, `df://HOST:PORT`.
        #[arg(long, env = "ONCOMETRICS_SCHEDULER", value_parser = parse_scheduler)]
        scheduler: SchedulerAddr,
        /// Address of its data service (the next port is its control port).
        #[arg(long, default_value = "127.0.0.1:50051")]
        bind: SocketAddr,
        /// Tasks run at once [default: one per core].
        #[arg(long, default_value_t = 0)]
        concurrent_tasks: usize,
        /// Where its intermediate (shuffle) files go [default: a temporary directory].
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// The memory its tasks share before they spill to disk, MB [default: unbounded].
        #[arg(long, env = "ONCOMETRICS_EXECUTOR_MEMORY_MB")]
        memory_mb: Option<u64>,
    },
}

fn parse_scheduler(s: &str) -> Result<SchedulerAddr, String> {
    SchedulerAddr::parse(s).map_err(|e| e.to_string())
}

/// Runs the process until it is stopped.
pub fn run(what: &ClusterCommand) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    match what {
        ClusterCommand::Scheduler { bind } => {
            eprintln!("scheduler listening on {bind} (engine df://{bind})");
            runtime.block_on(queries::cluster::run_scheduler(&SchedulerOptions { bind: *bind }))?;
        }
        ClusterCommand::Executor { scheduler, bind, concurrent_tasks, work_dir, memory_mb } => {
            let opts = ExecutorOptions {
                bind: *bind,
                scheduler: scheduler.clone(),
                concurrent_tasks: *concurrent_tasks,
                work_dir: work_dir.clone(),
                memory: memory_mb.map(|mb| mb << 20),
            };
            eprintln!("executor on {bind}, scheduler {scheduler}");
            runtime.block_on(queries::cluster::run_executor(&opts))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
