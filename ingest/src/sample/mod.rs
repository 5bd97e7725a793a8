//! `oncometrics sample`: a complete, deterministic set of input files for every
//! dataset, in the forms offices really send (CP932 with 和暦, UTF-8 with BOM,
//! UTF-16 TSV, XLSX with merged cells and a hidden sheet), labelled as sample.
//!
//! Areas, population and the hospital master are the real reference data; the
//! members, survey, specialists and designations are synthetic (サンプル・架空データ).
//!
//! - [`rng`]: the deterministic generator; [`reference`](mod@reference): the real reference data.
//! - [`members`], [`survey`], [`specialists`], [`renewals`], [`hospitals`]: the synthetic datasets.
//! - [`write`](mod@write): CSV/TSV/XLSX writers in the offices' encodings.

pub mod hospitals;
pub mod load;
pub mod manifest;
pub mod members;
pub mod parts;
pub mod reference;
pub mod renewals;
pub mod rng;
pub mod specialists;
pub mod survey;
pub mod write;

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use manifest::write_manifest;
pub use manifest::{Manifest, SampleFacts, SampleFile};
use members::{Person, today, ymd};
use model::era::Era;
use model::prefecture::Prefecture;
use write::{Form, Sheet, XlsxExtras};

/// Where members work: prefectures by population, Tokyo and Osaka (academic centres) weighted up.
fn pref_weights(reference: &reference::Reference) -> [f64; 48] {
    let mut w = [0.0f64; 48];
    for (i, x) in w.iter_mut().enumerate().skip(1) {
        let boost = if i == 13 || i == 27 { 1.5 } else { 1.0 };
        *x = reference.pref_population[i] as f64 * boost;
    }
    w
}

/// Excel's row limit; larger tables are written as CSV instead.
const XLSX_MAX_ROWS: usize = 1_048_575;

/// One generated file, as listed in `MANIFEST.json`.
pub use model::ATTRIBUTION;

struct Out<'a> {
    dir: &'a Path,
    files: Vec<SampleFile>,
    /// Every table as CSV, never XLSX (the parts of a large sample are appended to each other).
    csv_only: bool,
}

impl Out<'_> {
    fn put(
        &mut self,
        name: &str,
        dataset: &str,
        as_of: Option<NaiveDate>,
        sheet: &Sheet,
        form: Form,
        x: &XlsxExtras,
    ) -> Result<()> {
        let (name, form) = if form == Form::Xlsx && (self.csv_only || sheet.rows.len() > XLSX_MAX_ROWS) {
            (name.replace(".xlsx", ".csv"), Form::Utf8Bom)
        } else {
            (name.to_string(), form)
        };
        let bytes = write::write(&self.dir.join(&name), sheet, form, x)?;
        self.files.push(SampleFile {
            path: name,
            dataset: dataset.into(),
            as_of: as_of.map(|d| d.to_string()),
            form: form.label().into(),
            rows: sheet.rows.len(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            sample: true,
        });
        Ok(())
    }

    fn copy(&mut self, from: &Path, dataset: &str) -> Result<()> {
        let name = from.file_name().and_then(|n| n.to_str()).unwrap_or("reference.csv").to_string();
        let bytes = std::fs::read(from).map_err(|source| Error::Read { path: from.to_path_buf(), source })?;
        std::fs::write(self.dir.join(&name), &bytes).map_err(|e| Error::Write(e, self.dir.join(&name)))?;
        let rows = bytes.iter().filter(|&&b| b == b'\n').count().saturating_sub(1);
        self.files.push(SampleFile {
            path: name,
            dataset: dataset.into(),
            as_of: None,
            form: "UTF-8 CSV (real reference data)".into(),
            rows,
            sha256: hex::encode(Sha256::digest(&bytes)),
            sample: false,
        });
        Ok(())
    }
}

/// How dates are written in each members snapshot, as different offices and years did.
#[derive(Clone, Copy)]
enum DateStyle {
    Wareki,
    WarekiAbbrev,
    Iso,
    Slash,
}

fn fmt_date(d: NaiveDate, style: DateStyle) -> String {
    match style {
        DateStyle::Wareki => Era::format(d).unwrap_or_else(|| d.to_string()),
        DateStyle::WarekiAbbrev => match Era::of(d) {
            Some(e) => format!("{}{}.{}.{}", e.initial, d.year() - e.first_day.0 + 1, d.month(), d.day()),
            None => d.to_string(),
        },
        DateStyle::Iso => d.to_string(),
        DateStyle::Slash => format!("{}/{}/{}", d.year(), d.month(), d.day()),
    }
}

fn fmt_year(y: i32, wareki: bool) -> String {
    if !wareki {
        return y.to_string();
    }
    match Era::of(ymd(y, 12, 31)) {
        Some(e) => {
            let n = y - e.first_day.0 + 1;
            if n == 1 { format!("{}元年", e.name) } else { format!("{}{}年", e.name, n) }
        }
        None => y.to_string(),
    }
}

#[derive(Clone, Copy)]
enum PrefStyle {
    Name,
    Short,
    Code,
}

fn fmt_pref(code: u8, style: PrefStyle) -> String {
    let Some(p) = Prefecture::from_code(u32::from(code)) else { return String::new() };
    match style {
        PrefStyle::Name => p.name().to_string(),
        PrefStyle::Short => p.short_name().to_string(),
        PrefStyle::Code => p.code().to_string(), // as Excel leaves it: no leading zero
    }
}

/// How one office export of the roster looks.
struct RosterStyle {
    at: NaiveDate,
    /// The first export was a full dump; later ones keep leavers for three years.
    full_export: bool,
    dates: DateStyle,
    prefs: PrefStyle,
    wareki_years: bool,
    with_extracted: bool,
}

/// One roster snapshot.
fn roster(people: &[Person], st: &RosterStyle) -> Sheet {
    let at = st.at;
    let mut h = vec!["会員番号", "会員種別", "職種", "入会日", "退会日", "勤務先都道府県", "生年", "性別"];
    if st.with_extracted {
        h.push("抽出日");
    }
    let mut s = Sheet::new(&h);
    let keep_leavers_from = ymd(at.year() - 3, at.month(), 1);
    for p in people.iter().filter(|p| p.joined <= at) {
        let left = p.left.filter(|l| *l <= at);
        if let Some(l) = left
            && !st.full_export
            && l < keep_leavers_from
        {
            continue;
        }
        let state_at = left.map_or(at, |l| l - chrono::Days::new(1)).max(p.joined);
        let mut row = vec![
            p.member_no.clone(),
            p.category_at(state_at).to_string(),
            p.profession.to_string(),
            fmt_date(p.joined, st.dates),
            left.map(|l| fmt_date(l, st.dates)).unwrap_or_default(),
            fmt_pref(p.prefecture_at(state_at), st.prefs),
            fmt_year(p.birth_year, st.wareki_years),
            p.sex.to_string(),
        ];
        if st.with_extracted {
            row.push(fmt_date(at, st.dates));
        }
        s.push(row);
    }
    s
}

/// Generates the whole sample into `out_dir`. `reference_dir` holds the real reference files.
pub fn generate(out_dir: &Path, reference_dir: &Path, scale: u32, seed: u64) -> Result<Manifest> {
    if scale == 0 {
        return Err(Error::Usage("--scale は 1 以上 / --scale must be at least 1".into()));
    }
    if scale > parts::PART_SCALE {
        return generate_in_parts(out_dir, reference_dir, scale, seed, parts::PART_SCALE);
    }
    generate_one(out_dir, reference_dir, scale, seed, false)
}

/// The sample at `scale` in independent parts of at most `part_scale` (see [`parts`]).
pub fn generate_in_parts(
    out_dir: &Path,
    reference_dir: &Path,
    scale: u32,
    seed: u64,
    part_scale: u32,
) -> Result<Manifest> {
    parts::generate_in_parts(out_dir, reference_dir, scale, seed, part_scale, generate_one)
}

/// The sample at `scale` simulated whole (every table as CSV when `csv_only`).
fn generate_one(out_dir: &Path, reference_dir: &Path, scale: u32, seed: u64, csv_only: bool) -> Result<Manifest> {
    std::fs::create_dir_all(out_dir).map_err(|e| Error::Write(e, out_dir.to_path_buf()))?;
    let reference = reference::Reference::load(reference_dir)?;
    let root = rng::Rng::new(seed);
    let pref_weights = pref_weights(&reference);
    let people = members::simulate(&mut root.fork(1), scale, &pref_weights);
    let mut out = Out { dir: out_dir, files: Vec::new(), csv_only };
    let no_x = XlsxExtras::default();

    out.copy(&reference_dir.join(reference::AREA_FILE), "areas")?;
    out.copy(&reference_dir.join(reference::GAN_IRYOKEN_FILE), "areas")?;
    out.copy(&reference_dir.join(reference::FACILITY_FILE), "hospitals")?;

    // Members: five snapshots over the years, each office export in its own style.
    let style = |at, full_export, dates, prefs, wareki_years, with_extracted| RosterStyle {
        at,
        full_export,
        dates,
        prefs,
        wareki_years,
        with_extracted,
    };
    let snaps = [
        (style(ymd(2017, 3, 31), true, DateStyle::Wareki, PrefStyle::Name, true, false), Form::Cp932, "csv"),
        (style(ymd(2020, 3, 31), false, DateStyle::Iso, PrefStyle::Code, false, true), Form::Utf8Bom, "csv"),
        (style(ymd(2023, 3, 31), false, DateStyle::WarekiAbbrev, PrefStyle::Short, true, false), Form::Cp932, "csv"),
        (style(ymd(2026, 3, 31), false, DateStyle::Slash, PrefStyle::Name, false, false), Form::Utf8Bom, "csv"),
        (style(today(), false, DateStyle::Iso, PrefStyle::Name, false, true), Form::Xlsx, "xlsx"),
    ];
    for (st, form, ext) in snaps {
        let sheet = roster(&people, &st);
        let x = XlsxExtras { date_columns: vec![3, 4, 8], sheet_name: "会員名簿".into(), ..Default::default() };
        out.put(&format!("members_{}.{ext}", st.at), "members", Some(st.at), &sheet, form, &x)?;
    }

    // Survey.
    let sv = survey::generate(&mut root.fork(2), &people);
    out.put("survey_waves.csv", "survey_waves", None, &sv.waves, Form::Utf8Bom, &no_x)?;
    out.put("survey_questions.csv", "survey_questions", None, &sv.questions, Form::Utf8Bom, &no_x)?;
    for (a, b, sheet) in &sv.responses {
        let (name, form) = match (a, b) {
            (2014, _) => (format!("survey_responses_{a}-{b}.csv"), Form::Cp932),
            (x, y) if x == y => (format!("survey_responses_{a}.xlsx"), Form::Xlsx),
            _ => (format!("survey_responses_{a}-{b}.csv"), Form::Utf8Bom),
        };
        let x = XlsxExtras { sheet_name: "回答".into(), ..Default::default() };
        out.put(&name, "survey_responses", None, sheet, form, &x)?;
    }

    // Specialists: the JSMO roster in CP932 with 和暦, the JBCT roster in UTF-8.
    let certs = specialists::generate(&mut root.fork(3), &people, &reference, scale, &pref_weights);
    let head = [
        "資格",
        "認定番号",
        "会員番号",
        "認定日",
        "有効期限",
        "更新回数",
        "勤務先都道府県",
        "勤務先施設名",
        "構想区域コード",
    ];
    let (mut jsmo, mut jbct) = (Sheet::new(&head), Sheet::new(&head));
    for c in &certs {
        let is_jsmo = c.qualification != "がん治療認定医";
        let style = if is_jsmo { DateStyle::Wareki } else { DateStyle::Iso };
        let row = vec![
            c.qualification.to_string(),
            c.number.clone(),
            c.member_no.clone().unwrap_or_default(),
            fmt_date(c.certified, style),
            fmt_date(c.expires, style),
            c.renewals.to_string(),
            fmt_pref(c.pref, if is_jsmo { PrefStyle::Name } else { PrefStyle::Code }),
            c.facility.clone(),
            c.area_code.clone(),
        ];
        if is_jsmo { jsmo.push(row) } else { jbct.push(row) }
    }
    out.put("specialists_jsmo.csv", "specialists", None, &jsmo, Form::Cp932, &no_x)?;
    out.put("specialists_jbct.csv", "specialists", None, &jbct, Form::Utf8Bom, &no_x)?;

    // Renewal applications of the rounds 2022–2026: the JSMO system's export as XLSX and
    // UTF-8 CSV, the JBCT applicant list in CP932 with 和暦, its detail files in UTF-8.
    let rn = renewals::generate(&mut root.fork(6), &certs);
    let x = XlsxExtras { sheet_name: "専門医更新申請".into(), ..Default::default() };
    out.put("jsmo_renewals.xlsx", "jsmo_renewals", None, &rn.jsmo, Form::Xlsx, &x)?;
    out.put("jsmo_credits.csv", "jsmo_credits", None, &rn.jsmo_credits, Form::Utf8Bom, &no_x)?;
    out.put("jbct_renewals.csv", "jbct_renewals", None, &rn.jbct, Form::Cp932, &no_x)?;
    out.put("jbct_facilities.csv", "jbct_facilities", None, &rn.facilities, Form::Utf8Bom, &no_x)?;
    out.put("jbct_cases.csv", "jbct_cases", None, &rn.cases, Form::Utf8Bom, &no_x)?;
    out.put("jbct_meetings.csv", "jbct_meetings", None, &rn.meetings, Form::Utf8Bom, &no_x)?;
    out.put("jbct_elearning.csv", "jbct_elearning", None, &rn.elearning, Form::Utf8Bom, &no_x)?;

    // Designations (XLSX with merged prefecture cells and a hidden memo sheet) and volumes (UTF-16 TSV).
    let designations = hospitals::generate(&mut root.fork(4), &reference);
    let mut ds = Sheet::new(&[
        "都道府県",
        "医療機関名",
        "構想区域コード",
        "二次医療圏名",
        "指定類型",
        "指定開始日",
        "指定終了日",
        "連携先拠点病院",
    ]);
    for d in &designations {
        ds.push(vec![
            fmt_pref(d.pref, PrefStyle::Name),
            d.hospital.clone(),
            d.area_code.clone(),
            d.area_name.clone(),
            d.kind.label().to_string(),
            d.from.to_string(),
            d.until.map(|u| u.to_string()).unwrap_or_default(),
            d.partner.clone().unwrap_or_default(),
        ]);
    }
    let memo =
        vec![vec!["メモ".to_string()], vec!["この一覧はサンプル・架空データです (oncometrics sample)".to_string()]];
    let x = XlsxExtras {
        merge_column: Some(0),
        date_columns: vec![5, 6],
        hidden_sheet: Some(("作業メモ".into(), memo)),
        sheet_name: "拠点病院等一覧".into(),
    };
    out.put("designations.xlsx", "designations", None, &ds, Form::Xlsx, &x)?;
    let vols = hospitals::volumes(&mut root.fork(5), &reference.areas, &designations);
    let mut vs = Sheet::new(&[
        "医療機関名",
        "構想区域コード",
        "年度",
        "院内がん登録数",
        "悪性腫瘍手術件数",
        "化学療法のべ患者数",
        "放射線治療のべ患者数",
    ]);
    for (h, a, fy, v) in &vols {
        let mut row = vec![h.clone(), a.clone(), format!("{fy}年度")];
        row.extend(v.iter().map(|n| model::thousands(i64::from(*n))));
        vs.push(row);
    }
    out.put("hospital_volumes.txt", "hospital_volumes", None, &vs, Form::Utf16Tsv, &no_x)?;

    let facts = facts(&people, &reference, &designations, &certs, &sv);
    let manifest = Manifest {
        sample: true,
        label: model::SAMPLE_LABEL.into(),
        note: "members, survey, specialists, renewal applications, designations and hospital_volumes are synthetic (サンプル・架空データ); areas and hospitals are real reference data".into(),
        seed,
        scale,
        today: today().to_string(),
        files: out.files,
        facts,
        attribution: ATTRIBUTION.iter().map(|s| s.to_string()).collect(),
    };
    write_manifest(out_dir, &manifest)?;
    Ok(manifest)
}

fn facts(
    people: &[Person],
    reference: &reference::Reference,
    designations: &[hospitals::Designation],
    certs: &[specialists::Certificate],
    sv: &survey::SurveyFiles,
) -> SampleFacts {
    let mut below = Vec::new();
    let mut share_by_month = Vec::new();
    let mut m = ymd(2010, 1, 31);
    while m <= today() {
        let (p, t) = members::true_share(people, m);
        if 5 * p < 4 * t {
            below.push(m.to_string());
        }
        share_by_month.push((m.to_string(), p, t));
        let next = m.checked_add_months(chrono::Months::new(1)).unwrap_or(m);
        m = ymd(next.year(), next.month(), members::days_in_month(next));
    }
    let (p, t) = members::true_share(people, today());
    let blank = [ymd(2014, 4, 1), ymd(2017, 4, 1), ymd(2024, 4, 1)]
        .iter()
        .map(|d| (d.to_string(), hospitals::blank_areas(&reference.areas, designations, *d)))
        .collect();
    let end2025 = ymd(2025, 12, 31);
    let mo = certs
        .iter()
        .filter(|c| c.qualification == "がん薬物療法専門医" && c.certified <= end2025 && c.expires >= end2025)
        .count();
    let invited: Vec<(i32, usize)> =
        sv.waves.rows.iter().map(|r| (r[0].parse().unwrap_or(0), r[3].parse().unwrap_or(0))).collect();
    let survey_response = invited
        .iter()
        .map(|(fy, n)| {
            let fy_s = fy.to_string();
            let responses = sv.responses.iter().flat_map(|(_, _, s)| s.rows.iter()).filter(|r| r[0] == fy_s).count();
            (*fy, *n, responses)
        })
        .collect();
    let joins = |a: NaiveDate, b: NaiveDate| people.iter().filter(|p| p.joined >= a && p.joined <= b).count();
    SampleFacts {
        physician_share_month_ends_below_80: below,
        physician_share_latest: (today().to_string(), p, t),
        members_active_latest: people.iter().filter(|p| p.active_at(today())).count(),
        blank_areas: blank,
        medical_oncologists_active_2025: mo,
        survey_response,
        joins_before_after: (joins(ymd(2025, 1, 17), ymd(2025, 10, 31)), joins(ymd(2026, 1, 17), ymd(2026, 10, 31))),
        share_by_month,
    }
}

/// Writes only the latest roster snapshot (UTF-8, no BOM) at `scale`, for benchmarks.
/// Returns the file and its row count.
pub fn write_latest_roster(dir: &Path, reference_dir: &Path, scale: u32, seed: u64) -> Result<(PathBuf, u64)> {
    let reference = reference::Reference::load(reference_dir)?;
    let people = members::simulate(&mut rng::Rng::new(seed).fork(1), scale, &pref_weights(&reference));
    let st = RosterStyle {
        at: today(),
        full_export: false,
        dates: DateStyle::Iso,
        prefs: PrefStyle::Name,
        wareki_years: false,
        with_extracted: true,
    };
    let mut sheet = roster(&people, &st);
    sheet.rows.sort_by(|a, b| a[0].cmp(&b[0]));
    let path = dir.join(format!("members_scale{scale}.csv"));
    write::write(&path, &sheet, Form::Utf8, &XlsxExtras::default())?;
    Ok((path, sheet.rows.len() as u64))
}
