//! `oncometrics metric`: evaluate, list and document the metric catalog.

use std::process::ExitCode;

use anyhow::{Result, anyhow};
use queries::catalog::{Request, catalog};
use queries::{Audience, render};

use crate::cli::{MetricArgs, MetricFormat, StoreArgs};

pub fn run(store: &StoreArgs, args: &MetricArgs) -> Result<ExitCode> {
    if args.docs {
        print!("{}", queries::docs::metrics_markdown());
        return Ok(ExitCode::SUCCESS);
    }
    if args.list {
        for d in catalog() {
            let by: Vec<&str> = d.by.iter().filter(|b| !b.is_empty()).copied().collect();
            println!("{:<36} {}", d.name, d.title_ja);
            println!("{:<36} {}", "", d.summary);
            if !by.is_empty() {
                println!("{:<36} --by {}", "", by.join(" | "));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let name = args.name.as_deref().ok_or_else(|| anyhow!("指標名を指定してください / give a metric name"))?;
    let audience = Audience::parse(&args.audience).ok_or_else(|| {
        anyhow!("--audience {:?}: committee, board または researcher / committee, board or researcher", args.audience)
    })?;
    // Check the name before opening the store, so a typo gets its hint at once.
    queries::find(name)?;
    let engine = crate::cli::open_engine(&args.engine, store, args.at_load)?;
    let mut req = Request::new(name, audience);
    req.as_of = args.as_of;
    req.by = args.by.clone();
    req.params = args.params.iter().cloned().collect();
    let result = engine.evaluate(&req)?;
    match args.format {
        MetricFormat::Table => print!("{}", render::table_with(&result, reports::format::column_cell)),
        MetricFormat::Csv => {
            print!("{}", render::csv(&result));
            eprintln!("秘匿: {}", result.policy.describe_ja());
        }
        MetricFormat::Json => println!("{}", serde_json::to_string_pretty(&render::json(&result))?),
    }
    Ok(ExitCode::SUCCESS)
}
