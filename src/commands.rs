//! The dispatch of a parsed command line to the module of each subcommand.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{BenchCommand, Cli, Command};
use crate::data;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Sample { out, scale, seed, reference } => data::sample(&out, &reference, scale, seed),
        Command::Ingest(args) => data::ingest_files(&cli.store, &args),
        Command::Demo { sample } => data::demo(&cli.store, &sample),
        Command::Serve(args) => crate::serve::serve(&cli.store, &args),
        Command::User { what } => crate::serve::user(&cli.store, what),
        Command::Audit { what } => crate::serve::audit(&cli.store, what),
        Command::Loads { format } => data::loads(&cli.store, format),
        Command::Status { format } => data::status(&cli.store, format),
        Command::Formats { out } => data::formats(out.as_deref()),
        Command::Survey { what } => data::survey(&cli.store, what),
        Command::Metric(args) => crate::metric::run(&cli.store, &args),
        Command::Renewals(args) => crate::renewals::run(&cli.store, &args),
        Command::Report { what } => crate::report::run(&cli.store, &what),
        Command::Booklet { what } => crate::booklet::run(&cli.store, what),
        Command::Cluster { what } => crate::cluster::run(&what),
        Command::Bench { what: BenchCommand::Ingest { scales, work, reference, repeat } } => {
            let ms = crate::bench::run(&scales, &work, &reference, repeat)?;
            print!("{}", crate::bench::markdown(&ms));
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            what: BenchCommand::Metrics { scales, work, reference, runs, only, reuse, sql, engine, local_cluster },
        } => {
            let opts = crate::bench_metrics::Options { runs, only, reuse, sql, engine, local_cluster };
            let (ts, memory) = crate::bench_metrics::run(&scales, &work, &reference, &opts)?;
            print!("{}", crate::bench_metrics::markdown(&ts));
            println!("\n{}", crate::bench_metrics::memory_markdown(&memory));
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { what: BenchCommand::Report { scales, work, reference, runs } } => {
            let rows = crate::bench_report::run(&scales, &work, &reference, runs)?;
            print!("{}", crate::bench_report::markdown(&rows));
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchChild { kind, file, dir } => {
            crate::bench::run_child(&kind, &file, &dir)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::ConsoleWorker => {
            queries::console::worker::serve(&mut std::io::stdin().lock(), &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
