//! `oncometrics report`: a pack of the `reports` crate, written to a file.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow, bail};
use queries::{Audience, Engine};
use reports::doc::Doc;
use reports::packs::committee::{self, Crosstab, WhatIf};
use reports::packs::{Context, board, research};

use crate::cli::{ReportArgs, ReportCommand, StoreArgs};

pub fn run(store: &StoreArgs, what: &ReportCommand) -> Result<ExitCode> {
    match what {
        ReportCommand::Board(args) => {
            write(store, args, "理事会資料 / board pack", Audience::Board, |cx| Ok(board::build(cx)?))
        }
        ReportCommand::Committee(c) => {
            // Check the scenarios before opening the store, so a typo gets its message at once.
            let opts = committee::Options {
                what_if: c.what_if.iter().map(|s| WhatIf::parse(s)).collect::<Result<_, _>>()?,
                crosstabs: c.crosstab.iter().map(|s| Crosstab::parse(s)).collect::<Result<_, _>>()?,
                survey_year: c.survey_year,
            };
            write(store, &c.report, "会員委員会資料 / committee pack", Audience::Committee, |cx| {
                Ok(committee::build(cx, &opts)?)
            })
        }
        ReportCommand::Research(args) => {
            let started = Instant::now();
            let zip = args.out.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
            let engine = open(store, args)?;
            let as_of = as_of(&engine, args)?;
            let cx = Context::new(&engine, as_of, Audience::Researcher);
            let pack = research::build(&cx)?;
            if zip {
                let stem = args.out.file_stem().map_or_else(|| "research".into(), |s| s.to_string_lossy().into_owned());
                write_atomic(&args.out, &pack.zip(&stem)?)?;
            } else {
                pack.write_dir(&args.out)?;
            }
            if !pack.skipped.is_empty() {
                eprintln!("データがないため省いた表 / tables left out (no data): {}", pack.skipped.join(", "));
            }
            eprintln!(
                "研究者向けデータパック / research pack: {} ({} files, 基準日 {as_of}, ロード {}, {:.2} s)",
                args.out.display(),
                pack.files.len(),
                cx.loads_text(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Builds a pack and writes it as PDF or HTML by the output's extension.
fn write(
    store: &StoreArgs,
    args: &ReportArgs,
    what: &str,
    audience: Audience,
    build: impl Fn(&Context<'_>) -> Result<Doc>,
) -> Result<ExitCode> {
    let format = Format::of(&args.out)?;
    let started = Instant::now();
    let engine = open(store, args)?;
    let as_of = as_of(&engine, args)?;
    let cx = Context::new(&engine, as_of, audience);
    let doc = build(&cx)?;
    let bytes = match format {
        Format::Pdf => reports::pdf::render(&doc)?,
        Format::Html => reports::html::render(&doc).into_bytes(),
    };
    write_atomic(&args.out, &bytes)?;
    eprintln!(
        "{what}: {} ({} KB, 基準日 {as_of}, ロード {}, {:.2} s)",
        args.out.display(),
        bytes.len().div_ceil(1024),
        cx.loads_text(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Pdf,
    Html,
}

impl Format {
    fn of(out: &Path) -> Result<Format> {
        match out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("pdf") => Ok(Format::Pdf),
            Some("html" | "htm") => Ok(Format::Html),
            _ => bail!(
                "--out {}: 拡張子は .pdf か .html にしてください / the output must end in .pdf or .html",
                out.display()
            ),
        }
    }
}

fn open(store: &StoreArgs, args: &ReportArgs) -> Result<Engine> {
    crate::cli::open_engine(&args.engine, store, args.at_load)
}

fn as_of(engine: &Engine, args: &ReportArgs) -> Result<chrono::NaiveDate> {
    args.as_of.or_else(|| engine.snapshot().default_as_of()).ok_or_else(|| {
        anyhow!("データがまだ読み込まれていません（oncometrics demo か ingest を先に） / no data loaded yet")
    })
}

/// Writes beside the target and renames, so a crash never leaves half a file under the name.
pub fn write_atomic(out: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    }
    let name = out.file_name().ok_or_else(|| anyhow!("--out {}: not a file name", out.display()))?;
    let tmp = out.with_file_name(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("{}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("{}", out.display()))?;
    Ok(())
}
