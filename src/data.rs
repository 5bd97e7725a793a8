//! The store's own subcommands: `sample`, `ingest`, `demo`, `loads`, `status` and `formats`,
//! glue over the `ingest` and `store` crates; and opening the warehouse for every command.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use ingest::pipeline::{FileReport, IngestOptions, IngestReport, Outcome, Progress};
use store::Warehouse;

use crate::cli::{Format, IngestArgs, StoreArgs, SurveyCommand};
use crate::output;

pub(crate) fn open(store: &StoreArgs) -> Result<Warehouse> {
    Warehouse::open(&store.warehouse, &store.lake_dir())
        .with_context(|| format!("ウェアハウスを開けません / cannot open the warehouse {}", store.warehouse.display()))
}

pub(crate) fn sample(out: &Path, reference: &Path, scale: u32, seed: u64) -> Result<ExitCode> {
    let m = ingest::sample::generate(out, reference, scale, seed)?;
    println!(
        "{} を生成しました / wrote the sample to {} (scale {scale}, seed {seed})",
        model::SAMPLE_LABEL,
        out.display()
    );
    let rows: Vec<Vec<String>> =
        m.files.iter().map(|f| vec![f.path.clone(), f.dataset.clone(), f.form.clone(), f.rows.to_string()]).collect();
    print!("{}", output::table(&["file", "dataset", "form", "rows"], &rows, &[3]));
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn ingest_files(store: &StoreArgs, args: &IngestArgs) -> Result<ExitCode> {
    let mut wh = open(store)?;
    let rejects_dir = args.rejects.clone().unwrap_or_else(|| store.rejects_dir());
    let opts = IngestOptions {
        as_of: args.as_of,
        accept_partial: args.accept_partial,
        check_only: args.check,
        header_map: args.header_map.clone(),
        sheet: args.sheet.clone(),
        fiscal_year: args.fiscal_year,
        source: args.source.clone(),
        name_map: args.name_map.clone(),
        ..IngestOptions::new(&args.dataset, args.files.clone(), store.key_path(), rejects_dir)
    };
    let report = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ingest::ingest_with(&mut wh, &opts, &Spinner::default())?
    } else {
        ingest::ingest(&mut wh, &opts)?
    };
    print_report(&report);
    Ok(match report.outcome {
        Outcome::Rejected => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    })
}

/// The terminal's spinner for the ingest steps: one while a step runs, cleared when the steps
/// that needed it are over.
#[derive(Default)]
struct Spinner(std::sync::Mutex<Option<ProgressBar>>);

impl Progress for Spinner {
    fn step(&self, message: &str) {
        let Ok(mut bar) = self.0.lock() else { return };
        bar.get_or_insert_with(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        })
        .set_message(message.to_string());
    }

    fn finish(&self) {
        if let Ok(mut bar) = self.0.lock()
            && let Some(b) = bar.take()
        {
            b.finish_and_clear();
        }
    }
}

fn print_report(report: &IngestReport) {
    for f in &report.files {
        print_file(f);
    }
    match report.outcome {
        Outcome::Committed => println!("取り込みました / committed."),
        Outcome::Checked => println!("検証のみ (--check): 何も保存していません / validated only; nothing committed."),
        Outcome::Rejected => println!(
            "不正な行があるため取り込みを中止しました。ストアは変更されていません。修正するか --accept-partial を指定してください。\n\
             Rows were rejected, so nothing was committed; the store is unchanged. Fix them, or pass --accept-partial."
        ),
        Outcome::NothingNew => println!("新しいファイルはありません / nothing new to load."),
    }
}

fn print_file(f: &FileReport) {
    let name = f.path.display();
    if let Some(prev) = &f.duplicate_of {
        println!(
            "{name}: 取り込み済みのためスキップ (load {} / {}) / already loaded (same SHA-256), skipped",
            prev.load_id, prev.finished_at
        );
        return;
    }
    let enc = f.encoding.map_or("?", |e| e.label());
    let as_of = f.as_of.map(|d| format!(", 時点 {d}")).unwrap_or_default();
    let load = f.load_id.map(|l| format!(" → load {l}")).unwrap_or_default();
    let sample = if f.is_sample { format!(" [{}]", model::SAMPLE_LABEL) } else { String::new() };
    let bad_rows = f.rows_total.saturating_sub(f.rows_ok);
    let problems = if f.rejects.len() > bad_rows {
        format!(" (問題 {} 件 / {} problems)", f.rejects.len(), f.rejects.len())
    } else {
        String::new()
    };
    println!(
        "{name} ({}, {enc}{as_of}): {} 行中 {} 行 OK、{bad_rows} 行不正{problems} / {} rows, {} ok, {bad_rows} rejected{load}{sample}",
        f.dataset, f.rows_total, f.rows_ok, f.rows_total, f.rows_ok
    );
    for n in &f.notes {
        println!("  注意 / note: {n}");
    }
    if !f.extra_columns.is_empty() {
        println!(
            "  注意 / note: 未知の列は別に保管しました / unknown columns kept aside: {}",
            f.extra_columns.join(", ")
        );
    }
    if !f.rejects.is_empty() {
        print!("{}", ingest::reject::summary(&f.rejects, 10));
        if let Some(p) = &f.reject_file {
            println!("  不正行の一覧 / reject file: {}", p.display());
        }
    }
}

/// Loads every file of a sample directory, printing each file's report; false when any was rejected.
pub(crate) fn load_sample(store: &StoreArgs, wh: &mut Warehouse, sample_dir: &Path) -> Result<bool> {
    let spinner = Spinner::default();
    let progress: &dyn Progress =
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) { &spinner } else { &ingest::NoProgress };
    let reports =
        ingest::sample::load::load_dir(wh, sample_dir, &store.key_path(), &store.rejects_dir(), progress, |report| {
            report.files.iter().for_each(print_file)
        })?;
    Ok(!reports.iter().any(|r| r.outcome == Outcome::Rejected))
}

pub(crate) fn demo(store: &StoreArgs, sample_dir: &Path) -> Result<ExitCode> {
    let mut wh = open(store)?;
    if !load_sample(store, &mut wh, sample_dir)? {
        println!("サンプルの取り込みに失敗しました / the sample did not load cleanly.");
        return Ok(ExitCode::FAILURE);
    }
    install_sample_booklets(store, &wh)?;
    println!();
    print_status(&wh, Format::Table)?;
    Ok(ExitCode::SUCCESS)
}

/// The sample's booklets (a published 2025 edition, a 2026 one in progress), into an
/// application database that has none, over the sample just loaded.
pub(crate) fn install_sample_booklets(store: &StoreArgs, wh: &Warehouse) -> Result<()> {
    let loads = wh.loads()?;
    let Some(last) = loads.last().filter(|_| loads.iter().any(|l| l.is_sample)) else { return Ok(()) };
    let db = store::AppDb::open(&store.app_db())?;
    if booklet::sample::install(&db, last.load_id)? {
        println!("サンプルの冊子（2025年度 公開済み、2026年度 作成中）を用意しました / installed the sample booklets");
    }
    Ok(())
}

pub(crate) fn loads(store: &StoreArgs, format: Format) -> Result<ExitCode> {
    let wh = open(store)?;
    let loads = wh.loads()?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&loads)?),
        Format::Table => {
            let rows: Vec<Vec<String>> = loads
                .iter()
                .map(|l| {
                    vec![
                        l.load_id.to_string(),
                        l.dataset.clone(),
                        l.file_name.clone(),
                        l.file_sha256[..12].to_string(),
                        l.encoding.clone(),
                        l.as_of.map(|d| d.to_string()).unwrap_or_default(),
                        l.rows_accepted.to_string(),
                        l.rows_rejected.to_string(),
                        if l.is_sample { "sample".into() } else { String::new() },
                        l.finished_at.clone(),
                    ]
                })
                .collect();
            print!(
                "{}",
                output::table(
                    &[
                        "load",
                        "dataset",
                        "file",
                        "sha256",
                        "encoding",
                        "as_of",
                        "accepted",
                        "rejected",
                        "",
                        "finished (UTC)"
                    ],
                    &rows,
                    &[0, 6, 7]
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn status(store: &StoreArgs, format: Format) -> Result<ExitCode> {
    let wh = open(store)?;
    print_status(&wh, format)?;
    Ok(ExitCode::SUCCESS)
}

fn print_status(wh: &Warehouse, format: Format) -> Result<()> {
    let s = wh.status()?;
    if let Format::Json = format {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    println!("ウェアハウス / warehouse: {}", s.warehouse.display());
    println!("Parquet レイク / lake:    {}", s.lake.display());
    println!(
        "取り込み / loads: {}{}",
        s.loads,
        if s.sample_loads > 0 {
            format!(" (うち {} 件は {})", s.sample_loads, model::SAMPLE_LABEL)
        } else {
            String::new()
        }
    );
    if let Some(d) = s.latest_member_snapshot {
        println!("最新の会員名簿 / latest roster snapshot: {d}");
    }
    let rows: Vec<Vec<String>> = s
        .tables
        .iter()
        .map(|t| {
            vec![
                t.table.clone(),
                t.current_rows.to_string(),
                t.all_rows.to_string(),
                t.loads.to_string(),
                t.coverage.clone().unwrap_or_default(),
            ]
        })
        .collect();
    print!("{}", output::table(&["table", "current", "all versions", "loads", "covers"], &rows, &[1, 2, 3]));
    Ok(())
}

pub(crate) fn formats(out: Option<&Path>) -> Result<ExitCode> {
    let md = ingest::formats::markdown();
    match out {
        Some(p) => std::fs::write(p, md).with_context(|| format!("write {}", p.display()))?,
        None => print!("{md}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `oncometrics survey draft-questions`: a questionnaire proposed from an export, 設問IDs kept
/// from last year's questionnaire when the warehouse has it.
pub(crate) fn survey(store: &StoreArgs, what: SurveyCommand) -> Result<ExitCode> {
    let SurveyCommand::DraftQuestions { export, fiscal_year, out, source } = what;
    let forced = match source.as_deref() {
        Some(s) => Some(ingest::survey_export::Tool::parse(s).with_context(|| {
            format!("--source 「{s}」は分かりません / unknown tool (google-forms, microsoft-forms, surveymonkey, qualtrics, limesurvey)")
        })?),
        None => None,
    };
    let bytes =
        std::fs::read(&export).with_context(|| format!("{} を読めません / cannot read it", export.display()))?;
    let table = ingest::read::read(&export, &bytes, &ingest::table::ReadOptions::default())?;
    let last = if store.warehouse.exists() {
        ingest::survey_export::draft::loaded_questionnaire(&open(store)?, fiscal_year - 1)?
    } else {
        Vec::new()
    };
    let draft = ingest::survey_export::draft::draft(&export, &table, forced, fiscal_year, &last)?;
    std::fs::write(&out, draft.to_csv()?)
        .with_context(|| format!("{} に書けません / cannot write it", out.display()))?;
    println!(
        "{} の書き出しから {}年度の設問 {} 問を {} に書きました。確かめてから `oncometrics ingest survey_questions {}` で取り込んでください。",
        draft.tool.label(),
        fiscal_year,
        draft.questions.len(),
        out.display(),
        out.display()
    );
    let rows: Vec<Vec<String>> = draft
        .questions
        .iter()
        .map(|q| vec![q.id.clone(), q.kind.clone(), q.text.clone(), q.options.join(";")])
        .collect();
    print!("{}", output::table(&["設問ID", "形式", "設問文", "選択肢"], &rows, &[]));
    if last.is_empty() {
        println!("{}年度の設問は読み込まれていないため、設問IDは Q01 から振りました。", fiscal_year - 1);
    } else if !draft.carried.is_empty() {
        println!("前年度と同じ設問文のため 設問ID を引き継ぎました: {}", draft.carried.join(", "));
    }
    for (id, q, s) in &draft.similar {
        println!(
            "{id} は前年度の {}「{}」に似ています (類似度 {:.0}%)。同じ設問なら 設問ID を {} にしてください。",
            q.id,
            q.text,
            s * 100.0,
            q.id
        );
    }
    Ok(ExitCode::SUCCESS)
}
