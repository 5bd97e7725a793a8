//! `ingest`: read, validate and commit files, all or nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};
use store::schema::{self, Table};
use store::{LoadInfo, LoadMeta, Warehouse};

use crate::datasets::{self, Env, RefData, Validated};
use crate::decode::Encoding;
use crate::error::{Error, Result};
use crate::headers::{self, HeaderMap};
use crate::history;
use crate::normalize::Problem;
use crate::pseudonym::Pseudonymiser;
use crate::reject::{self, Reject};
use crate::spec::{self, DatasetSpec};
use crate::table::{RawTable, ReadOptions};
use crate::validate::Checker;

/// What to ingest and how.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// A dataset name from [`spec::DATASETS`], or `survey` (waves, questions and
    /// responses told apart by their headers).
    pub dataset: String,
    pub files: Vec<PathBuf>,
    pub as_of: Option<NaiveDate>,
    pub accept_partial: bool,
    pub check_only: bool,
    pub header_map: Option<PathBuf>,
    pub sheet: Option<String>,
    pub rejects_dir: PathBuf,
    pub key_file: PathBuf,
    pub progress: bool,
}

impl IngestOptions {
    /// A plain load: all or nothing, no header map, the first visible sheet, no progress display.
    pub fn new(dataset: impl Into<String>, files: Vec<PathBuf>, key_file: PathBuf, rejects_dir: PathBuf) -> Self {
        IngestOptions {
            dataset: dataset.into(),
            files,
            as_of: None,
            accept_partial: false,
            check_only: false,
            header_map: None,
            sheet: None,
            rejects_dir,
            key_file,
            progress: false,
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    pub dataset: &'static str,
    pub sha256: String,
    pub bytes: u64,
    pub encoding: Option<Encoding>,
    pub rows_total: usize,
    pub rows_ok: usize,
    pub rejects: Vec<Reject>,
    pub reject_file: Option<PathBuf>,
    pub extra_columns: Vec<String>,
    pub notes: Vec<String>,
    pub duplicate_of: Option<LoadInfo>,
    pub load_id: Option<i64>,
    pub as_of: Option<NaiveDate>,
    pub is_sample: bool,
}

/// How the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Loads were committed.
    Committed,
    /// `--check`: validated, nothing committed.
    Checked,
    /// Rows were rejected and `--accept-partial` was not given: nothing committed.
    Rejected,
    /// Every file was already loaded.
    NothingNew,
}

#[derive(Debug, Clone)]
pub struct IngestReport {
    pub outcome: Outcome,
    pub files: Vec<FileReport>,
}

/// A file read and validated, waiting for commit.
struct Prepared {
    report: FileReport,
    validated: Validated,
    extras: Vec<(u64, String, String)>,
}

pub fn dataset_names() -> Vec<&'static str> {
    let mut v: Vec<_> = spec::DATASETS.iter().map(|d| d.name).collect();
    v.push("survey");
    v
}

/// Runs an ingest command against the warehouse.
pub fn ingest(wh: &mut Warehouse, opts: &IngestOptions) -> Result<IngestReport> {
    let fixed = match opts.dataset.as_str() {
        "survey" => None,
        name => Some(spec::dataset(name).ok_or_else(|| {
            Error::Usage(format!(
                "データセット '{name}' はありません / unknown dataset '{name}'. Use one of: {}",
                dataset_names().join(", ")
            ))
        })?),
    };
    if opts.files.is_empty() {
        return Err(Error::Usage("ファイルを指定してください / give at least one file".into()));
    }
    let user_map = match &opts.header_map {
        Some(p) => HeaderMap::load(p)?,
        None => HeaderMap::default(),
    };
    let pseudo = Pseudonymiser::load_or_create(&opts.key_file)?;
    let fingerprint = pseudo.fingerprint();
    if let Some(stored) = wh.meta("key_fingerprint")?
        && stored != fingerprint
    {
        return Err(Error::file(
            &opts.key_file,
            "この仮名化キーはウェアハウスで使われたキーと違います。元のキーファイルを指定してください (--key-file)",
            "this pseudonymisation key is not the one the warehouse was built with; pass the original with --key-file",
        ));
    }
    let mut refs = load_refs(wh)?;
    let bar = progress_bar(opts.progress);

    // Read and classify every file first, so files can be put in a sensible order.
    // (path, bytes, SHA-256, dataset, the table if classifying it already parsed it)
    type Read = (PathBuf, Vec<u8>, String, &'static DatasetSpec, Option<RawTable>);
    let mut read: Vec<Read> = Vec::new();
    for path in &opts.files {
        bar.set_message(format!("読み込み / reading {}", path.display()));
        let t = std::time::Instant::now();
        let bytes = std::fs::read(path).map_err(|source| Error::Read { path: path.clone(), source })?;
        let sha = hex::encode(Sha256::digest(&bytes));
        tracing::info!("{}: read and hashed {} bytes in {:?}", path.display(), bytes.len(), t.elapsed());
        let (spec, parsed) = match fixed {
            Some(s) => (s, None),
            None => {
                let t = crate::read::read(path, &bytes, &ReadOptions { sheet: opts.sheet.clone() })?;
                (classify_survey(path, &t)?, Some(t))
            }
        };
        read.push((path.clone(), bytes, sha, spec, parsed));
    }
    read.sort_by_key(|(_, _, _, s, _)| spec::DATASETS.iter().position(|d| d.name == s.name));

    let mut prepared: Vec<Prepared> = Vec::new();
    let mut skipped: Vec<FileReport> = Vec::new();
    for (path, bytes, sha, spec, parsed) in read {
        let is_sample = is_sample_file(&path, &sha);
        let mut report = FileReport {
            path: path.clone(),
            dataset: spec.name,
            sha256: sha.clone(),
            bytes: bytes.len() as u64,
            encoding: None,
            rows_total: 0,
            rows_ok: 0,
            rejects: Vec::new(),
            reject_file: None,
            extra_columns: Vec::new(),
            notes: Vec::new(),
            duplicate_of: None,
            load_id: None,
            as_of: None,
            is_sample,
        };
        if let Some(prev) = wh.load_of_file(spec.name, &sha)? {
            report.duplicate_of = Some(prev);
            skipped.push(report);
            continue;
        }
        if prepared.iter().any(|p| p.report.sha256 == sha && p.report.dataset == spec.name) {
            report.notes.push("同じ内容のファイルがこのコマンドに 2 回あります / the same file is given twice".into());
            skipped.push(report);
            continue;
        }
        bar.set_message(format!("検証 / validating {} ({} KB)", path.display(), bytes.len() >> 10));
        let t = std::time::Instant::now();
        let p = prepare(&path, &bytes, parsed, spec, opts, &user_map, &pseudo, &refs, report)?;
        tracing::info!("{}: parsed and validated in {:?}", path.display(), t.elapsed());
        for (k, v) in &p.validated.questions {
            refs.questions.insert(k.clone(), v.clone());
        }
        prepared.push(p);
    }
    // Members snapshots in date order.
    prepared.sort_by_key(|p| (spec::DATASETS.iter().position(|d| d.name == p.report.dataset), p.report.as_of));
    bar.finish_and_clear();

    let any_rejects = prepared.iter().any(|p| !p.report.rejects.is_empty());
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    for p in &mut prepared {
        if !p.report.rejects.is_empty() {
            let stem = p.report.path.file_stem().and_then(|s| s.to_str()).unwrap_or("file");
            p.report.reject_file = Some(reject::write_reject_file(&opts.rejects_dir, stem, &stamp, &p.report.rejects)?);
        }
    }
    let finish = |outcome, prepared: Vec<Prepared>, skipped: Vec<FileReport>| {
        let mut files: Vec<FileReport> = prepared.into_iter().map(|p| p.report).collect();
        files.extend(skipped);
        Ok(IngestReport { outcome, files })
    };
    // Everything the commit would refuse is refused here too, so --check tells the truth.
    check_snapshot_order(wh, &prepared)?;
    if opts.check_only {
        return finish(Outcome::Checked, prepared, skipped);
    }
    if any_rejects && !opts.accept_partial {
        return finish(Outcome::Rejected, prepared, skipped);
    }
    if prepared.is_empty() {
        return finish(Outcome::NothingNew, prepared, skipped);
    }
    if wh.meta("key_fingerprint")?.is_none() {
        wh.set_meta("key_fingerprint", &fingerprint)?;
    }
    let bar = progress_bar(opts.progress);
    let mut tx = wh.begin()?;
    for p in &mut prepared {
        bar.set_message(format!("保存 / committing {}", p.report.path.display()));
        let meta = LoadMeta {
            dataset: p.report.dataset.to_string(),
            file_name: p.report.path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string(),
            file_sha256: p.report.sha256.clone(),
            file_bytes: p.report.bytes as i64,
            encoding: p.report.encoding.map_or("", Encoding::label).to_string(),
            as_of: p.report.as_of,
            is_sample: p.report.is_sample,
            started_at: chrono::Utc::now().naive_utc(),
        };
        let file_name = meta.file_name.clone();
        let load_id = tx.start_load(meta)?;
        if p.report.dataset == "members" {
            let snapshot = &p.validated.batches[0].1;
            let as_of = p.report.as_of.ok_or_else(|| Error::Usage("members file without a snapshot date".into()))?;
            let state = history::CurrentState {
                members: tx.warehouse().query_arrow(history::CURRENT_MEMBERS_SQL)?,
                open: tx.warehouse().query_arrow(history::OPEN_INTERVALS_SQL)?,
            };
            let t = std::time::Instant::now();
            let diff = history::diff(snapshot, as_of, state)?;
            tracing::info!("membership history diff in {:?}", t.elapsed());
            // The snapshot, the new member versions and the new intervals are staged at once.
            let stager = tx.stager()?;
            let (snap, (members, intervals)) = rayon::join(
                || stager.stage(&schema::MEMBER_SNAPSHOTS, snapshot),
                || {
                    rayon::join(
                        || stager.stage(&schema::MEMBERS, &diff.members_new),
                        || stager.stage(&schema::MEMBER_HISTORY, &diff.history_open),
                    )
                },
            );
            tx.insert_staged(snap?)?;
            tx.apply_member_diff(&diff, members?, intervals?)?;
            tracing::info!("members appended to the warehouse in {:?}", t.elapsed());
        } else {
            for (table, batch) in &p.validated.batches {
                tx.append(table, batch)?;
                tx.supersede(table)?;
            }
        }
        if !p.report.rejects.is_empty() {
            tx.append(&schema::LOAD_REJECTS, &rejects_batch(&p.report.rejects)?)?;
        }
        if !p.extras.is_empty() {
            tx.append(&schema::EXTRA_CELLS, &extras_batch(&schema::EXTRA_CELLS, &file_name, &p.extras)?)?;
        }
        if !p.validated.raw_cells.is_empty() {
            let cells: Vec<(u64, String, String)> =
                p.validated.raw_cells.iter().map(|c| (c.line, c.column.to_string(), c.raw.clone())).collect();
            tx.append(&schema::RAW_CELLS, &extras_batch(&schema::RAW_CELLS, &file_name, &cells)?)?;
        }
        tx.finish_load(p.report.rows_ok as i64, p.report.rows_total.saturating_sub(p.report.rows_ok) as i64)?;
        p.report.load_id = Some(load_id);
    }
    bar.set_message("コミット / committing");
    let t = std::time::Instant::now();
    tx.commit()?;
    tracing::info!("committed and exported to the lake in {:?}", t.elapsed());
    bar.finish_and_clear();
    finish(Outcome::Committed, prepared, skipped)
}

#[allow(clippy::too_many_arguments)]
fn prepare(
    path: &Path,
    bytes: &[u8],
    parsed: Option<RawTable>,
    spec: &'static DatasetSpec,
    opts: &IngestOptions,
    user_map: &HeaderMap,
    pseudo: &Pseudonymiser,
    refs: &RefData,
    mut report: FileReport,
) -> Result<Prepared> {
    let t = std::time::Instant::now();
    let table = match parsed {
        Some(t) => t,
        None => crate::read::read(path, bytes, &ReadOptions { sheet: opts.sheet.clone() })?,
    };
    tracing::info!("{}: decoded and parsed {} rows in {:?}", path.display(), table.len(), t.elapsed());
    report.encoding = table.encoding;
    report.notes.extend(table.notes.iter().cloned());
    let has_data = |i: usize| table.has_data(i);
    let mapping = headers::map_headers(path, spec, &table.headers, user_map, has_data)?;
    report.notes.extend(mapping.notes.iter().cloned());
    let file_label = path.display().to_string();
    let mut ck = Checker::new(&file_label, spec, &mapping);
    for (line, n) in &table.ragged {
        ck.reject_line(
            *line,
            None,
            None,
            Problem::new(
                format!("列数が見出しと違います (見出し {} 列、この行 {n} 列)", table.headers.len()),
                format!("{n} cells where the header has {}", table.headers.len()),
            ),
        );
    }
    let env = Env { pseudonymiser: pseudo, as_of: opts.as_of, refs };
    type Columns = Vec<(usize, String)>;
    let (question_cols, extras): (Columns, Columns) = if spec.open_columns {
        mapping.extras.iter().cloned().partition(|(_, h)| datasets::survey::is_question_header(h))
    } else {
        (Vec::new(), mapping.extras.clone())
    };
    let question_cols: Vec<(usize, String)> =
        question_cols.into_iter().map(|(i, h)| (i, crate::normalize::text(&h).into_owned())).collect();
    let validate =
        datasets::validator(spec.name).ok_or_else(|| Error::Usage(format!("no validator for {}", spec.name)))?;
    let mut validated = validate(&mut ck, &table, &env, &question_cols)?;
    if validated.rows_total == 0 && table.ragged.is_empty() {
        return Err(Error::file(path, "見出しだけでデータ行がありません", "the file has a header but no data rows"));
    }
    validated.rows_total += table.ragged.len();
    let mut rejects = std::mem::take(&mut ck.rejects);
    rejects.sort_by_key(|r| r.line);
    validated.raw_cells = std::mem::take(&mut ck.raw_cells);
    report.rows_total = validated.rows_total;
    report.rows_ok = validated.rows_ok;
    report.rejects = rejects;
    report.as_of = validated.as_of;
    report.notes.extend(validated.warnings.iter().cloned());
    report.extra_columns = extras.iter().map(|(_, h)| h.clone()).collect();
    let mut extra_cells = Vec::new();
    if spec.personal && !extras.is_empty() {
        report.notes.push(format!(
            "未知の列 {} の値は個人情報保護のため保存していません / values of unknown columns {} were not stored (personal data)",
            report.extra_columns.join(", "),
            report.extra_columns.join(", ")
        ));
    }
    for row in table.rows().filter(|_| !spec.personal) {
        for (i, h) in &extras {
            let v = row.cell(*i);
            if !v.trim().is_empty() {
                extra_cells.push((row.line(), h.clone(), v.to_string()));
            }
        }
    }
    Ok(Prepared { report, validated, extras: extra_cells })
}

/// Tells a survey file's kind by its headers.
fn classify_survey(path: &Path, t: &RawTable) -> Result<&'static DatasetSpec> {
    let hs: Vec<String> = t.headers.iter().map(|h| crate::normalize::text(h).to_lowercase()).collect();
    let has = |names: &[&str]| names.iter().any(|n| hs.iter().any(|h| h == n));
    if has(&["配布数", "invited", "対象者数", "送付数"]) {
        Ok(&spec::SURVEY_WAVES)
    } else if has(&["設問文", "text", "設問"]) && has(&["形式", "kind"]) {
        Ok(&spec::SURVEY_QUESTIONS)
    } else if has(&["回答id", "response_id", "回答番号"]) {
        Ok(&spec::SURVEY_RESPONSES)
    } else {
        Err(Error::file(
            path,
            "調査実施 (配布数)・設問 (設問文, 形式)・回答 (回答ID) のどれか分かりません。survey_waves などを直接指定してください",
            "cannot tell whether this is survey waves, questions or responses; name the dataset (survey_waves …)",
        ))
    }
}

/// Members snapshots must come after the latest one loaded.
fn check_snapshot_order(wh: &Warehouse, prepared: &[Prepared]) -> Result<()> {
    let latest: Option<NaiveDate> = wh.latest_member_snapshot()?;
    let mut prev = latest;
    for p in prepared.iter().filter(|p| p.report.dataset == "members") {
        if let (Some(prev), Some(cur)) = (prev, p.report.as_of)
            && cur <= prev
        {
            return Err(Error::file(
                &p.report.path,
                format!(
                    "名簿の時点 {cur} は取り込み済みの名簿 ({prev}) より新しくありません。名簿は時点の古い順に取り込んでください"
                ),
                format!(
                    "snapshot date {cur} is not after the latest loaded snapshot ({prev}); load rosters in date order"
                ),
            ));
        }
        prev = p.report.as_of.or(prev);
    }
    Ok(())
}

/// Reference data for validation, from the warehouse.
fn load_refs(wh: &Warehouse) -> Result<RefData> {
    let mut refs = RefData::default();
    let sets = wh.query_arrow(&store::sql::current(&store::schema::AREAS, "MAX(area_set)"))?;
    let set = sets.first().and_then(|b| {
        use arrow::array::AsArray;
        let a = b.column(0).as_string::<i32>();
        (a.len() > 0 && a.is_valid(0)).then(|| a.value(0).to_string())
    });
    if let Some(set) = set {
        let sql = format!(
            "{} AND area_set = ?",
            store::sql::current(&store::schema::AREAS, "area_code, prefecture_code, area_name")
        );
        for b in wh.query_arrow_with(&sql, &[&set])? {
            use arrow::array::AsArray;
            let (c, p, n) = (
                b.column(0).as_string::<i32>(),
                b.column(1).as_primitive::<arrow::datatypes::Int32Type>(),
                b.column(2).as_string::<i32>(),
            );
            for i in 0..b.num_rows() {
                refs.areas.insert(c.value(i).to_string(), (p.value(i), n.value(i).to_string()));
                refs.area_by_name.insert((p.value(i), n.value(i).to_string()), c.value(i).to_string());
            }
        }
        refs.area_set = Some(set);
    }
    for b in wh.query_arrow(&store::sql::current(
        &store::schema::SURVEY_QUESTIONS,
        "fiscal_year, question_id, kind, options",
    ))? {
        use arrow::array::AsArray;
        let y = b.column(0).as_primitive::<arrow::datatypes::Int32Type>();
        let (q, k, o) =
            (b.column(1).as_string::<i32>(), b.column(2).as_string::<i32>(), b.column(3).as_string::<i32>());
        for i in 0..b.num_rows() {
            let opts = if o.is_valid(i) { datasets::survey::split_choices(o.value(i)) } else { Vec::new() };
            refs.questions.insert((y.value(i), q.value(i).to_string()), (k.value(i).to_string(), opts));
        }
    }
    Ok(refs)
}

/// A file is sample data when a `MANIFEST.json` beside it marks it so by its SHA-256.
fn is_sample_file(path: &Path, sha: &str) -> bool {
    let Some(dir) = path.parent() else { return false };
    let Ok(text) = std::fs::read_to_string(dir.join("MANIFEST.json")) else { return false };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else { return false };
    v.get("sample").and_then(serde_json::Value::as_bool) == Some(true)
        && v.get("files").and_then(serde_json::Value::as_array).is_some_and(|fs| {
            fs.iter().any(|f| {
                f.get("sha256").and_then(serde_json::Value::as_str) == Some(sha)
                    && f.get("sample").and_then(serde_json::Value::as_bool) != Some(false)
            })
        })
}

fn rejects_batch(rejects: &[Reject]) -> Result<RecordBatch> {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rejects.iter().map(|r| r.file.as_str()))),
        Arc::new(Int64Array::from_iter(rejects.iter().map(|r| r.line.map(|l| l as i64)))),
        Arc::new(StringArray::from_iter(rejects.iter().map(|r| r.column.as_deref()))),
        Arc::new(StringArray::from_iter(rejects.iter().map(|r| r.value.as_deref()))),
        Arc::new(StringArray::from_iter_values(rejects.iter().map(|r| r.reason_ja.as_str()))),
        Arc::new(StringArray::from_iter_values(rejects.iter().map(|r| r.reason_en.as_str()))),
    ];
    Ok(RecordBatch::try_new(schema::LOAD_REJECTS.payload_schema(), cols)?)
}

fn extras_batch(table: &Table, file: &str, cells: &[(u64, String, String)]) -> Result<RecordBatch> {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(cells.iter().map(|_| file))),
        Arc::new(Int64Array::from_iter_values(cells.iter().map(|c| c.0 as i64))),
        Arc::new(StringArray::from_iter_values(cells.iter().map(|c| c.1.as_str()))),
        Arc::new(StringArray::from_iter_values(cells.iter().map(|c| c.2.as_str()))),
    ];
    Ok(RecordBatch::try_new(table.payload_schema(), cols)?)
}

fn progress_bar(enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
