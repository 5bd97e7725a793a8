//! `oncometrics booklet`: the committee's booklet from the command line — the office's
//! workbook in and out, the PDF or HTML built, the answers' progress.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use booklet::build::{self, Format};
use booklet::workflow::{self, Actor};
use queries::Engine;
use store::{AppDb, BuildRow, Warehouse};

use crate::cli::{BookletCommand, StoreArgs};
use crate::report::write_atomic;

pub fn run(store: &StoreArgs, what: BookletCommand) -> Result<ExitCode> {
    let db = AppDb::open(&store.app_db())
        .with_context(|| format!("アプリのデータベースを開けません / cannot open {}", store.app_db().display()))?;
    match what {
        BookletCommand::List => {
            let editions = workflow::list(&db)?;
            if editions.is_empty() {
                println!("冊子はまだありません / no booklet yet");
            }
            for s in editions {
                println!(
                    "{}年度\t第{}版\t{}\t{}\t質問 {} 問\t{} {}",
                    s.edition.edition,
                    s.version,
                    if s.published { "公開済み" } else { "作成中" },
                    s.edition.title,
                    s.edition.numbered().len(),
                    s.changed_by,
                    s.changed_at
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        BookletCommand::Import { file, edition, who } => {
            let bytes = std::fs::read(&file).with_context(|| format!("{}", file.display()))?;
            let actor = Actor { username: &who.user, committee: true, remote: "cli" };
            let done = booklet::xlsx::import(&db, &file, &bytes, edition, &actor)?;
            if done.created {
                println!(
                    "{}年度の冊子を作成しました（回答 {} 件）/ created edition {}",
                    done.edition, done.answers, done.edition
                );
            } else {
                println!(
                    "{}年度の冊子に回答 {} 件を取り込みました（変更なし {} 件）/ imported {} answers",
                    done.edition, done.answers, done.unchanged, done.answers
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        BookletCommand::Export { edition, out, respondent } => {
            let bytes = booklet::xlsx::export(&db, edition, respondent)?;
            write_atomic(&out, &bytes)?;
            db.audit(
                Some("cli"),
                "booklet_exported",
                &edition.to_string(),
                &format!("xlsx respondent={}", respondent.map(|r| r.to_string()).unwrap_or_else(|| "all".into())),
                "cli",
            )?;
            println!("{} を書き出しました / wrote {}", out.display(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        BookletCommand::Build { edition, out, who } => {
            let format = Format::of_path(&out).ok_or_else(|| {
                anyhow!("--out {}: 拡張子は .pdf か .html / the output must end in .pdf or .html", out.display())
            })?;
            let stored = workflow::for_build(&db, edition)?;
            let wh = Warehouse::open(&store.warehouse, &store.lake_dir())
                .with_context(|| format!("ウェアハウスを開けません / cannot open {}", store.warehouse.display()))?;
            let at_load = stored.edition.at_load;
            if !wh.loads()?.iter().any(|l| l.load_id == at_load) {
                bail!(
                    "冊子が引用するロード {at_load} がウェアハウスにありません / load {at_load} is not in the warehouse"
                );
            }
            let engine = Engine::open(&wh, Some(at_load))?;
            let inputs = workflow::inputs(&db, &stored)?;
            let built = build::document(&stored.edition, &inputs, &engine)?;
            let bytes = build::render(&built.doc, format)?;
            write_atomic(&out, &bytes)?;
            let sha = build::sha256(&bytes);
            let record = BuildRow {
                edition,
                version: stored.version,
                format: format.key().into(),
                sha256: sha.clone(),
                bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                built_by: who.user.clone(),
                built_at: chrono::Utc::now().to_rfc3339(),
            };
            let first = db.booklet_record_build(&record)?;
            db.audit(
                Some(&who.user),
                "booklet_built",
                &edition.to_string(),
                &format!("version={} {} sha256={sha}", stored.version, format.key()),
                "cli",
            )?;
            println!(
                "{}: {}年度 第{}版{}、{} KB、ロード {}、SHA-256 {sha}",
                out.display(),
                edition,
                stored.version,
                if stored.published { "（公開版）" } else { "（校正用）" },
                bytes.len().div_ceil(1024),
                reports::packs::ranges(&built.loads)
            );
            if first.sha256 != sha {
                eprintln!(
                    "注意: 第{}版の最初の出力（{}、{}）と内容が違います（フォントか版が変わった可能性） / differs from the first build of this version",
                    stored.version, first.built_at, first.sha256
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        BookletCommand::Status { edition, today } => {
            let stored = workflow::load(&db, edition)?;
            let answers = workflow::answers(&db, edition)?;
            let today = today.unwrap_or_else(|| chrono::Local::now().date_naive());
            let rows = booklet::status::progress(&stored.edition, &answers, today);
            print!("{}", booklet::status::text(&stored.edition, stored.version, stored.published, &rows));
            Ok(ExitCode::SUCCESS)
        }
    }
}
