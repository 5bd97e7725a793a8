//! Step 2, validation: each planned file parsed, its headers mapped and its rows checked by
//! its dataset's validator, rejects collected with file, line, column and value. Nothing is
//! written to the warehouse; a [`Validation`] is what a check shows and what a commit loads.

use std::path::Path;

use chrono::NaiveDate;

use super::plan::{Plan, Planned};
use super::progress::Progress;
use super::report::{FileReport, IngestReport, Outcome};
use crate::datasets::{self, Env, Validated};
use crate::designation_list;
use crate::error::{Error, Result};
use crate::headers;
use crate::normalize::Problem;
use crate::reject;
use crate::spec::DatasetSpec;
use crate::status_report;
use crate::survey_export::{self, Tool};
use crate::table::RawTable;
use crate::table::ReadOptions;
use crate::title;
use crate::validate::Checker;

/// Every file of a command validated, waiting for commit (or for nothing, under `--check`).
#[derive(Debug)]
pub struct Validation {
    pub(super) prepared: Vec<Prepared>,
    pub(super) skipped: Vec<FileReport>,
    /// The pseudonymisation key's fingerprint, recorded by the first commit.
    pub(super) fingerprint: String,
}

/// A file read and validated, waiting for commit.
#[derive(Debug)]
pub(super) struct Prepared {
    pub(super) report: FileReport,
    pub(super) validated: Validated,
    /// Cells of columns the dataset does not know: (line, header, value).
    pub(super) extras: Vec<(u64, String, String)>,
}

impl Plan<'_> {
    /// Validates every planned file, in order: questions a survey file delivers are known to
    /// the answer files after it.
    pub fn validate(mut self, progress: &dyn Progress) -> Result<Validation> {
        let mut prepared: Vec<Prepared> = Vec::new();
        for file in std::mem::take(&mut self.files) {
            progress.step(&format!("検証 / validating {} ({} KB)", file.report.path.display(), file.bytes.len() >> 10));
            let t = std::time::Instant::now();
            let path = file.report.path.clone();
            let p = prepare(&self, file)?;
            tracing::info!("{}: parsed and validated in {:?}", path.display(), t.elapsed());
            for (k, v) in &p.validated.questions {
                self.refs.questions.insert(k.clone(), v.clone());
            }
            for (k, t) in &p.validated.question_texts {
                self.refs.question_texts.insert(k.clone(), t.clone());
            }
            prepared.push(p);
        }
        // Members snapshots in date order.
        prepared
            .sort_by_key(|p| (crate::spec::DATASETS.iter().position(|d| d.name == p.report.dataset), p.report.as_of));
        progress.finish();
        Ok(Validation { prepared, skipped: self.skipped, fingerprint: self.fingerprint })
    }
}

impl Validation {
    /// The files validated, in the order they would load.
    pub fn files(&self) -> impl Iterator<Item = &FileReport> {
        self.prepared.iter().map(|p| &p.report)
    }

    /// Whether any row of any file was rejected.
    pub fn has_rejects(&self) -> bool {
        self.prepared.iter().any(|p| !p.report.rejects.is_empty())
    }

    /// Whether nothing is left to load (every file already loaded or given twice).
    pub fn is_empty(&self) -> bool {
        self.prepared.is_empty()
    }

    /// Writes each file's rejects to `dir` (one file each, stamped with the local time) and
    /// records where in its report.
    pub fn write_reject_files(&mut self, dir: &Path) -> Result<()> {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
        for p in self.prepared.iter_mut().filter(|p| !p.report.rejects.is_empty()) {
            let stem = p.report.path.file_stem().and_then(|s| s.to_str()).unwrap_or("file");
            p.report.reject_file = Some(reject::write_reject_file(dir, stem, &stamp, &p.report.rejects)?);
        }
        Ok(())
    }

    /// Members snapshots must come after the latest one loaded, and so must designation lists
    /// (the commit refuses them otherwise; checked here too, so that `--check` tells the truth).
    pub fn check_order(&self, wh: &store::Warehouse) -> Result<()> {
        let rosters = self.prepared.iter().filter(|p| p.report.dataset == "members");
        in_date_order(wh.latest_member_snapshot()?, rosters, ("名簿", "snapshot"))?;
        let lists = |d: &str, s: Option<&str>| d == "designations" && s == Some(designation_list::SOURCE);
        let latest =
            wh.loads()?.iter().filter(|l| lists(&l.dataset, l.source.as_deref())).filter_map(|l| l.as_of).max();
        let files = self.prepared.iter().filter(|p| lists(p.report.dataset, p.report.source));
        in_date_order(latest, files, ("一覧表", "list"))
    }

    /// The report of a command that ends here, without a commit.
    pub fn report(self, outcome: Outcome) -> IngestReport {
        let mut files: Vec<FileReport> = self.prepared.into_iter().map(|p| p.report).collect();
        files.extend(self.skipped);
        IngestReport { outcome, files }
    }
}

/// Refuses a file whose date is not after `latest` (the latest loaded) and the files before it;
/// `what` names them (名簿 / snapshot).
fn in_date_order<'p>(
    latest: Option<NaiveDate>,
    files: impl Iterator<Item = &'p Prepared>,
    what: (&str, &str),
) -> Result<()> {
    let (ja, en) = what;
    let mut prev = latest;
    for p in files {
        if let (Some(prev), Some(cur)) = (prev, p.report.as_of)
            && cur <= prev
        {
            return Err(Error::file(
                &p.report.path,
                format!(
                    "{ja}の時点 {cur} は取り込み済みの{ja} ({prev}) より新しくありません。{ja}は時点の古い順に取り込んでください"
                ),
                format!("the {en} of {cur} is not after the latest loaded {en} ({prev}); load them in date order"),
            ));
        }
        prev = p.report.as_of.or(prev);
    }
    Ok(())
}

/// Parses one planned file, maps its headers and validates its rows.
fn prepare(plan: &Plan<'_>, file: Planned) -> Result<Prepared> {
    let Planned { bytes, spec, parsed, mut report } = file;
    let (path, opts) = (report.path.clone(), plan.opts);
    let path = path.as_path();
    let t = std::time::Instant::now();
    let table = match parsed {
        Some(t) => t,
        None => {
            // The ministry's layouts of a dataset name their own columns.
            let layouts: Vec<&DatasetSpec> = match spec.name {
                "designations" => vec![spec, &crate::spec::ministry::DESIGNATION_LIST],
                "hospital_volumes" => vec![spec, &crate::spec::ministry::STATUS_REPORT],
                _ => vec![spec],
            };
            let choose = |lead: &crate::table::Leading| title::header_row(path, &layouts, lead, &plan.user_map);
            crate::read::read_headed(path, &bytes, &ReadOptions { sheet: opts.sheet.clone() }, &choose)?
        }
    };
    tracing::info!("{}: decoded and parsed {} rows in {:?}", path.display(), table.len(), t.elapsed());
    report.encoding = table.encoding;
    report.notes.extend(table.notes.iter().cloned());
    report.notes.extend(title::skipped_note(&table.title_rows));
    let as_of = as_of(path, spec, opts.as_of, &table, &mut report.notes)?;
    let table = match survey_tool(path, spec, opts, &table)? {
        Some(tool) => {
            let year = opts.fiscal_year.ok_or_else(|| {
                Error::file(
                    path,
                    format!(
                        "{} の書き出しには年度がありません。--fiscal-year 2025 のように指定してください",
                        tool.label()
                    ),
                    format!("a {} export carries no 年度: give --fiscal-year", tool.name()),
                )
            })?;
            let questions = plan.refs.questionnaire(year);
            if questions.is_empty() {
                return Err(Error::file(
                    path,
                    format!("{year}年度の設問がまだ読み込まれていません。先に survey_questions を取り込んでください"),
                    format!("the questionnaire of {year} is not loaded; ingest survey_questions first"),
                ));
            }
            let reshaped = survey_export::reshape(path, tool, &table, year, &questions, &plan.user_map)?;
            report.notes.extend(reshaped.notes);
            report.source = Some(tool.name());
            reshaped.table
        }
        None => table,
    };
    let list = spec.name == "designations" && designation_list::is_list(&table);
    let report_layout = spec.name == "hospital_volumes" && status_report::is_report(&table.headers);
    let table = if report_layout {
        // Thresholds written into the headers are not part of the names.
        let mut t = table;
        t.headers = t.headers.iter().map(|h| status_report::clean_header(h)).collect();
        t
    } else {
        table
    };
    let layout: &'static DatasetSpec = if list {
        &crate::spec::ministry::DESIGNATION_LIST
    } else if report_layout {
        &crate::spec::ministry::STATUS_REPORT
    } else {
        spec
    };
    let has_data = |i: usize| table.has_data(i);
    let mapping = headers::map_headers(path, layout, &table.headers, &plan.user_map, has_data)?;
    report.notes.extend(mapping.notes.iter().cloned());
    let mut mapped: Vec<(usize, (String, &'static str, &'static str))> = layout
        .columns
        .iter()
        .zip(&mapping.columns)
        .filter_map(|(c, m)| m.map(|i| (i, (table.headers[i].trim().to_string(), c.ja, c.key))))
        .collect();
    mapped.sort_by_key(|m| m.0);
    report.mapped = mapped.into_iter().map(|m| m.1).collect();
    let file_label = path.display().to_string();
    let mut ck = Checker::new(&file_label, layout, &mapping);
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
    let env = Env { pseudonymiser: &plan.pseudo, as_of, refs: &plan.refs };
    type Columns = Vec<(usize, String)>;
    let (question_cols, extras): (Columns, Columns) = if spec.open_columns {
        mapping.extras.iter().cloned().partition(|(_, h)| datasets::survey::is_question_header(h))
    } else {
        (Vec::new(), mapping.extras.clone())
    };
    let question_cols: Vec<(usize, String)> =
        question_cols.into_iter().map(|(i, h)| (i, crate::normalize::text(&h).into_owned())).collect();
    let mut validated = if list {
        let as_of = list_date(path, opts.as_of, &table, &mut report.notes)?;
        report.source = Some(designation_list::SOURCE);
        designation_list::validate(&mut ck, &table, &env, as_of, &plan.name_map)?
    } else if report_layout {
        let fy = opts.fiscal_year.ok_or_else(|| {
            Error::file(
                path,
                "現況報告の当年の数字がどの年度のものか分かりません。--fiscal-year 2024 のように指定してください（括弧内の数字はその前年度として読みます）",
                "a 現況報告 does not say the 年度 of its current figures: give --fiscal-year",
            )
        })?;
        report.source = Some(status_report::SOURCE);
        status_report::validate(&mut ck, &table, &env, fy)?
    } else {
        let validate =
            datasets::validator(spec.name).ok_or_else(|| Error::Usage(format!("no validator for {}", spec.name)))?;
        validate(&mut ck, &table, &env, &question_cols)?
    };
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

/// A file's as-of date: `--as-of`, or for a dated dataset the date its title rows state (said
/// in a note); a title date that contradicts `--as-of` refuses the file.
fn as_of(
    path: &Path,
    spec: &DatasetSpec,
    given: Option<NaiveDate>,
    table: &RawTable,
    notes: &mut Vec<String>,
) -> Result<Option<NaiveDate>> {
    let Some((stated, said)) = title::title_date(path, &table.title_rows)? else { return Ok(given) };
    match given {
        Some(g) if g != stated => Err(Error::file(
            path,
            format!("表題の「{said}」({stated}) と --as-of {g} が違います。どちらが正しいか確かめてください"),
            format!("the title says {stated} («{said}») but --as-of is {g}; check which is right"),
        )),
        Some(g) => Ok(Some(g)),
        None if spec.dated => {
            notes.push(format!(
                "表題の「{said}」から基準日を {stated} としました / the snapshot date {stated} was read from the title"
            ));
            Ok(Some(stated))
        }
        None => Ok(None),
    }
}

/// The date a designation list is in force: `--as-of` or its title's date (they must agree);
/// a list with neither is refused, since nothing else says when it holds.
fn list_date(path: &Path, given: Option<NaiveDate>, table: &RawTable, notes: &mut Vec<String>) -> Result<NaiveDate> {
    if let Some(d) = as_of(path, &crate::spec::ministry::DESIGNATION_LIST, given, table, notes)? {
        return Ok(d);
    }
    Err(Error::file(
        path,
        "一覧表の時点が分かりません。表題に「令和7年4月1日現在」のような日付がなく、--as-of もありません。--as-of 2025-04-01 のように指定してください",
        "the list's date is unknown: its title states none and --as-of is not given",
    ))
}

/// The survey tool a responses file was exported from: `--source`, else detected from its
/// headers; `None` for the product's own layout.
fn survey_tool(
    path: &Path,
    spec: &DatasetSpec,
    opts: &super::options::IngestOptions,
    table: &RawTable,
) -> Result<Option<Tool>> {
    if spec.name != "survey_responses" {
        return Ok(None);
    }
    match opts.source.as_deref() {
        None => Ok(survey_export::detect(&table.headers)),
        Some(s) => Tool::parse(s).map(Some).ok_or_else(|| {
            let names: Vec<&str> = Tool::ALL.iter().map(|t| t.name()).collect();
            Error::file(
                path,
                format!("--source 「{s}」は分かりません ({})", names.join(", ")),
                format!("unknown --source {s:?} (one of {})", names.join(", ")),
            )
        }),
    }
}
