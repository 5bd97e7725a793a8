//! Step 1, the plan: every file read and hashed, its dataset known (named, or told by its
//! headers for `survey`), files already loaded or given twice set aside, the rest in the order
//! they must load; and what validation needs from the warehouse (the pseudonymisation key,
//! checked against the one the warehouse was built with, and the reference data).

use std::path::{Path, PathBuf};

use arrow::array::Array;
use sha2::{Digest, Sha256};
use store::Warehouse;

use super::options::{IngestOptions, dataset_names};
use super::progress::Progress;
use super::report::FileReport;
use crate::datasets::{self, RefData};
use crate::designation_list::held::{HELD_COLUMNS, MasterHospital, held_from_batches};
use crate::designation_list::name_map::{self, NameMap};
use crate::error::{Error, Result};
use crate::headers::HeaderMap;
use crate::pseudonym::Pseudonymiser;
use crate::spec::{self, DatasetSpec};
use crate::table::{RawTable, ReadOptions};
use crate::title;

/// The files of one command, read and put in order, before any validation.
#[derive(Debug)]
pub struct Plan<'o> {
    pub(super) opts: &'o IngestOptions,
    pub(super) files: Vec<Planned>,
    pub(super) skipped: Vec<FileReport>,
    pub(super) user_map: HeaderMap,
    pub(super) pseudo: Pseudonymiser,
    pub(super) fingerprint: String,
    pub(super) refs: RefData,
    /// The name-map file of a designation list (`--name-map`), if given.
    pub(super) name_map: NameMap,
}

/// One file to validate: its bytes, its dataset, the table when classifying it already parsed
/// it, and its report so far.
#[derive(Debug)]
pub(super) struct Planned {
    pub(super) bytes: Vec<u8>,
    pub(super) spec: &'static DatasetSpec,
    pub(super) parsed: Option<RawTable>,
    pub(super) report: FileReport,
}

impl<'o> Plan<'o> {
    /// Reads every file of `opts` and plans the load against the warehouse as it is.
    pub fn new(wh: &Warehouse, opts: &'o IngestOptions, progress: &dyn Progress) -> Result<Self> {
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
        check_key(wh, &opts.key_file, &fingerprint)?;
        let refs = load_refs(wh)?;
        let name_map = match &opts.name_map {
            Some(p) => NameMap::load(p)?,
            None => NameMap::default(),
        };

        // Read and classify every file first, so files can be put in a sensible order.
        // (path, bytes, SHA-256, dataset, the table if classifying it already parsed it)
        type Read = (PathBuf, Vec<u8>, String, &'static DatasetSpec, Option<RawTable>);
        let mut read: Vec<Read> = Vec::new();
        for path in &opts.files {
            progress.step(&format!("読み込み / reading {}", path.display()));
            let t = std::time::Instant::now();
            let bytes =
                std::fs::read(opts.full_path(path)).map_err(|source| Error::Read { path: path.clone(), source })?;
            let sha = hex::encode(Sha256::digest(&bytes));
            tracing::info!("{}: read and hashed {} bytes in {:?}", path.display(), bytes.len(), t.elapsed());
            let (spec, parsed) = match fixed {
                Some(s) => (s, None),
                None => {
                    let survey = [&spec::SURVEY_WAVES, &spec::SURVEY_QUESTIONS, &spec::SURVEY_RESPONSES];
                    let choose = |lead: &crate::table::Leading| title::header_row(path, &survey, lead, &user_map);
                    let t =
                        crate::read::read_headed(path, &bytes, &ReadOptions { sheet: opts.sheet.clone() }, &choose)?;
                    (classify_survey(path, &t)?, Some(t))
                }
            };
            read.push((path.clone(), bytes, sha, spec, parsed));
        }
        read.sort_by_key(|(_, _, _, s, _)| spec::DATASETS.iter().position(|d| d.name == s.name));

        let mut files: Vec<Planned> = Vec::new();
        let mut skipped: Vec<FileReport> = Vec::new();
        for (path, bytes, sha, spec, parsed) in read {
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
                mapped: Vec::new(),
                notes: Vec::new(),
                duplicate_of: None,
                load_id: None,
                as_of: None,
                is_sample: is_sample_file(&opts.full_path(&path), &sha),
                source: None,
            };
            if let Some(prev) = wh.load_of_file(spec.name, &sha)? {
                report.duplicate_of = Some(prev);
                skipped.push(report);
                continue;
            }
            if files.iter().any(|p| p.report.sha256 == sha && p.report.dataset == spec.name) {
                report
                    .notes
                    .push("同じ内容のファイルがこのコマンドに 2 回あります / the same file is given twice".into());
                skipped.push(report);
                continue;
            }
            files.push(Planned { bytes, spec, parsed, report });
        }
        Ok(Plan { opts, files, skipped, user_map, pseudo, fingerprint, refs, name_map })
    }

    /// The files to validate, in the order they will load.
    pub fn files(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().map(|p| &p.report)
    }

    /// The files set aside: already loaded, or given twice.
    pub fn skipped(&self) -> &[FileReport] {
        &self.skipped
    }
}

/// Refuses a pseudonymisation key other than the one the warehouse was built with.
pub(super) fn check_key(wh: &Warehouse, key_file: &Path, fingerprint: &str) -> Result<()> {
    match wh.meta("key_fingerprint")? {
        Some(stored) if stored != fingerprint => Err(Error::file(
            key_file,
            "この仮名化キーはウェアハウスで使われたキーと違います。元のキーファイルを指定してください (--key-file)",
            "this pseudonymisation key is not the one the warehouse was built with; pass the original with --key-file",
        )),
        _ => Ok(()),
    }
}

/// Tells a survey file's kind by its headers.
fn classify_survey(path: &Path, t: &RawTable) -> Result<&'static DatasetSpec> {
    let hs: Vec<String> = t.headers.iter().map(|h| crate::normalize::text(h).to_lowercase()).collect();
    let has = |names: &[&str]| names.iter().any(|n| hs.iter().any(|h| h == n));
    if has(&["配布数", "invited", "対象者数", "送付数"]) {
        Ok(&spec::SURVEY_WAVES)
    } else if has(&["設問文", "text", "設問"]) && has(&["形式", "kind"]) {
        Ok(&spec::SURVEY_QUESTIONS)
    } else if has(&["回答id", "response_id", "回答番号"]) || crate::survey_export::detect(&t.headers).is_some() {
        Ok(&spec::SURVEY_RESPONSES)
    } else {
        Err(Error::file(
            path,
            "調査実施 (配布数)・設問 (設問文, 形式)・回答 (回答ID) のどれか分かりません。survey_waves などを直接指定してください",
            "cannot tell whether this is survey waves, questions or responses; name the dataset (survey_waves …)",
        ))
    }
}

/// Reference data for validation, from the warehouse.
fn load_refs(wh: &Warehouse) -> Result<RefData> {
    let mut refs = RefData::default();
    // The latest set of 構想区域 (a set of areas made of others, such as がん医療圏, has 構成区域).
    let sets = wh.query_arrow(&format!(
        "{} AND area_set NOT IN (SELECT area_set FROM areas WHERE parts IS NOT NULL)",
        store::sql::current(&store::schema::AREAS, "MAX(area_set)")
    ))?;
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
        let sql = format!(
            "{} AND area_set = ?",
            store::sql::current(&store::schema::HOSPITALS, "prefecture_code, area_code, hospital, municipality")
        );
        for b in wh.query_arrow_with(&sql, &[&set])? {
            use arrow::array::AsArray;
            let p = b.column(0).as_primitive::<arrow::datatypes::Int32Type>();
            let (c, h, m) =
                (b.column(1).as_string::<i32>(), b.column(2).as_string::<i32>(), b.column(3).as_string::<i32>());
            for i in 0..b.num_rows() {
                let area_name = refs.areas.get(c.value(i)).map(|a| a.1.clone()).unwrap_or_default();
                refs.hospitals.entry(p.value(i)).or_default().push(MasterHospital {
                    name: h.value(i).to_string(),
                    area_code: c.value(i).to_string(),
                    area_name,
                    municipality: m.is_valid(i).then(|| m.value(i).to_string()),
                });
            }
        }
        refs.area_set = Some(set);
    }
    refs.designations =
        held_from_batches(&wh.query_arrow(&store::sql::current(&store::schema::DESIGNATIONS, HELD_COLUMNS))?);
    if let Some(json) = wh.meta(name_map::META_KEY)? {
        refs.name_map = NameMap::from_json(&json)?;
    }
    for b in wh.query_arrow(&store::sql::current(
        &store::schema::SURVEY_QUESTIONS,
        "fiscal_year, question_id, kind, options, text",
    ))? {
        use arrow::array::AsArray;
        let y = b.column(0).as_primitive::<arrow::datatypes::Int32Type>();
        let (q, k, o) =
            (b.column(1).as_string::<i32>(), b.column(2).as_string::<i32>(), b.column(3).as_string::<i32>());
        for i in 0..b.num_rows() {
            let opts = if o.is_valid(i) { datasets::survey::split_choices(o.value(i)) } else { Vec::new() };
            refs.questions.insert((y.value(i), q.value(i).to_string()), (k.value(i).to_string(), opts));
            let t = b.column(4).as_string::<i32>();
            if t.is_valid(i) {
                refs.question_texts.insert((y.value(i), q.value(i).to_string()), t.value(i).to_string());
            }
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
