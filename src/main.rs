//! The `oncometrics` command line: parses arguments and hands over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    oncometrics::init_logging();
    let cli = oncometrics::cli::Cli::parse();
    match oncometrics::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("エラー / error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
