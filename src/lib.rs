//! The `oncometrics` command line, as a library so that tests drive it too.
//!
//! # Layout
//!
//! - [`bench`](mod@bench): the ingest benchmark behind `oncometrics bench ingest`.
//! - [`bench_cluster`]: a Ballista cluster of this program on this machine, for `bench metrics --local-cluster`.
//! - [`bench_metrics`]: the metric benchmark behind `oncometrics bench metrics`.
//! - [`bench_report`]: the board pack benchmark behind `oncometrics bench report`.
//! - [`booklet`](mod@booklet): `oncometrics booklet`, the committee's booklet: import, export, build, status.
//! - [`cluster`](mod@cluster): `oncometrics cluster scheduler|executor`, Ballista processes of this program.
//! - [`cli`]: argument definitions (clap derive, every option with an environment variable).
//! - [`commands`]: the dispatch of a command line to the module of its subcommand.
//! - [`data`]: `sample`, `ingest`, `demo`, `loads`, `status`, `formats` over `ingest` and `store`.
//! - [`metric`]: `oncometrics metric` over the `queries` catalog.
//! - [`renewals`]: `oncometrics renewals`, the renewal cohort view over the `renewals.*` metrics.
//! - [`report`]: `oncometrics report`, the packs of the `reports` crate written to files.
//! - [`output`]: terminal tables that line up Japanese text.
//! - [`serve`]: `oncometrics serve` (first-start sample load and admin) and `oncometrics user`.

pub mod bench;
pub mod bench_cluster;
pub mod bench_metrics;
pub mod bench_report;
pub mod booklet;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod data;
pub mod metric;
pub mod output;
pub mod renewals;
pub mod report;
pub mod serve;

pub use commands::run;

/// Logs to stderr; `RUST_LOG` overrides the default level (warnings).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}
