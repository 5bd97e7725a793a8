//! Samples above [`PART_SCALE`] (a national registry's size, for the scale-out benchmark):
//! generated as independent parts of at most that scale, each simulated with its own seed,
//! written as CSV to a scratch directory and appended to the output — memory holds one part at
//! a time, never the whole membership.
//!
//! Part 0 is the sample at its scale with the given seed. The identifiers of part `p ≥ 1`
//! (会員番号, 認定番号, 回答ID) get the suffix `-p`, so they stay unique; the lists that do not
//! grow with the membership (areas, hospitals, designations and their volumes, the
//! questionnaire) come from part 0; the survey waves' 配布数 are summed, so response rates stay
//! rates. The manifest's facts are summed over the parts (the 80% months recomputed from the
//! summed month-end counts).

use std::io::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::manifest::{Manifest, SampleFacts, SampleFile, write_manifest};
use super::write::{Form, cp932_lossy};
use crate::error::{Error, Result};

/// The largest scale simulated in one piece (about 1.2 million current members).
pub const PART_SCALE: u32 = 100;

/// Columns whose values identify a person, a certificate or a response.
const ID_COLUMNS: [&str; 3] = ["会員番号", "認定番号", "回答ID"];

/// Datasets taken from part 0 only: they describe the country, not the membership.
const FROM_FIRST_PART: [&str; 5] = ["areas", "hospitals", "designations", "hospital_volumes", "survey_questions"];

/// Simulates one part whole: (directory, reference, scale, seed, every table as CSV).
pub(crate) type Part = fn(&Path, &Path, u32, u64, bool) -> Result<Manifest>;

/// Generates the sample at `scale` in parts of at most `part_scale` into `out_dir`, each part
/// simulated by `generate_one`.
pub(crate) fn generate_in_parts(
    out_dir: &Path,
    reference_dir: &Path,
    scale: u32,
    seed: u64,
    part_scale: u32,
    generate_one: Part,
) -> Result<Manifest> {
    if scale == 0 || part_scale == 0 {
        return Err(Error::Usage("--scale は 1 以上 / --scale must be at least 1".into()));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| Error::Write(e, out_dir.to_path_buf()))?;
    let parts = scale.div_ceil(part_scale);
    let scratch = out_dir.join(".part");
    let mut files: Vec<SampleFile> = Vec::new();
    let mut facts: Option<SampleFacts> = None;
    let mut first: Option<Manifest> = None;
    for p in 0..parts {
        let s = part_scale.min(scale - p * part_scale);
        let _ = std::fs::remove_dir_all(&scratch);
        let m = generate_one(&scratch, reference_dir, s, part_seed(seed, p), true)?;
        for f in &m.files {
            let (from, to) = (scratch.join(&f.path), out_dir.join(&f.path));
            if p == 0 {
                std::fs::rename(&from, &to).map_err(|e| Error::Write(e, to.clone()))?;
                files.push(f.clone());
            } else if FROM_FIRST_PART.contains(&f.dataset.as_str()) {
                continue;
            } else if f.dataset == "survey_waves" {
                sum_invited(&to, &from)?;
            } else {
                let rows = append(&from, &to, form(&f.form)?, p)?;
                if let Some(g) = files.iter_mut().find(|g| g.path == f.path) {
                    g.rows += rows;
                } else {
                    return Err(Error::Usage(format!("part {p} wrote {} that part 0 did not", f.path)));
                }
            }
        }
        facts = Some(match facts {
            None => m.facts.clone(),
            Some(a) => combine(a, &m.facts),
        });
        if first.is_none() {
            first = Some(m);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    for f in &mut files {
        f.sha256 = sha256_file(&out_dir.join(&f.path))?;
    }
    let first = first.ok_or_else(|| Error::Usage("no part".into()))?;
    let manifest = Manifest {
        seed,
        scale,
        note: format!(
            "{} Generated in {parts} independent parts of scale ≤ {part_scale} (identifiers of part p ≥ 1 end in -p).",
            first.note
        ),
        files,
        facts: facts.unwrap_or(first.facts),
        ..first
    };
    write_manifest(out_dir, &manifest)?;
    Ok(manifest)
}

/// Part 0 keeps the seed; the others get seeds of their own.
fn part_seed(seed: u64, part: u32) -> u64 {
    seed.wrapping_add(u64::from(part).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn form(label: &str) -> Result<Form> {
    [Form::Utf8Bom, Form::Utf8, Form::Cp932]
        .into_iter()
        .find(|f| f.label() == label)
        .ok_or_else(|| Error::Usage(format!("a part's file in {label}: only CSV can be appended")))
}

fn read_text(path: &Path, form: Form) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    Ok(match form {
        Form::Cp932 => encoding_rs::SHIFT_JIS.decode(&bytes).0.into_owned(),
        _ => String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)).into_owned(),
    })
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::Usage(format!("{}: {e}", path.display()))
}

/// Appends the rows of `from` (without its header) to `to`, identifiers suffixed with `-part`;
/// the rows appended.
fn append(from: &Path, to: &Path, form: Form, part: u32) -> Result<usize> {
    let text = read_text(from, form)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(csv_err(from))?.clone();
    let ids: Vec<usize> = headers.iter().enumerate().filter(|(_, h)| ID_COLUMNS.contains(h)).map(|(i, _)| i).collect();
    let mut file = std::fs::OpenOptions::new().append(true).open(to).map_err(|e| Error::Write(e, to.to_path_buf()))?;
    let new_writer = || csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let flush = |writer: csv::Writer<Vec<u8>>, file: &mut std::fs::File| -> Result<()> {
        let chunk = writer.into_inner().map_err(|e| Error::Usage(format!("{}: {e}", to.display())))?;
        let bytes = match form {
            Form::Cp932 => cp932_lossy(&String::from_utf8_lossy(&chunk)),
            _ => chunk,
        };
        file.write_all(&bytes).map_err(|e| Error::Write(e, to.to_path_buf()))
    };
    let mut writer = new_writer();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.map_err(csv_err(from))?;
        let row: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(i, v)| if ids.contains(&i) && !v.is_empty() { format!("{v}-{part}") } else { v.to_string() })
            .collect();
        writer.write_record(&row).map_err(csv_err(to))?;
        rows += 1;
        if rows % 50_000 == 0 {
            flush(std::mem::replace(&mut writer, new_writer()), &mut file)?;
        }
    }
    flush(writer, &mut file)?;
    Ok(rows)
}

/// Adds the 配布数 of `from`'s waves to those of `to` (the same 年度 in the same order).
fn sum_invited(to: &Path, from: &Path) -> Result<()> {
    let read = |path: &Path| -> Result<(csv::StringRecord, Vec<csv::StringRecord>)> {
        let text = read_text(path, Form::Utf8Bom)?;
        let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let h = r.headers().map_err(csv_err(path))?.clone();
        let rows = r.records().collect::<std::result::Result<Vec<_>, _>>().map_err(csv_err(path))?;
        Ok((h, rows))
    };
    let ((headers, mut total), (_, add)) = (read(to)?, read(from)?);
    let col = headers
        .iter()
        .position(|h| h == "配布数")
        .ok_or_else(|| Error::Usage(format!("{}: no 配布数 column", to.display())))?;
    if total.len() != add.len() || total.iter().zip(&add).any(|(a, b)| a.get(0) != b.get(0)) {
        return Err(Error::Usage(format!("{}: the parts' survey waves differ", from.display())));
    }
    for (a, b) in total.iter_mut().zip(&add) {
        let n = |r: &csv::StringRecord| r.get(col).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
        let sum = (n(a) + n(b)).to_string();
        *a = a.iter().enumerate().map(|(i, v)| if i == col { sum.as_str() } else { v }).collect();
    }
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(&headers).map_err(csv_err(to))?;
    for r in &total {
        w.write_record(r).map_err(csv_err(to))?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Usage(format!("{}: {e}", to.display())))?;
    std::fs::write(to, bytes).map_err(|e| Error::Write(e, to.to_path_buf()))
}

/// The facts of two parts together.
fn combine(a: SampleFacts, b: &SampleFacts) -> SampleFacts {
    let share_by_month: Vec<(String, u64, u64)> = a
        .share_by_month
        .iter()
        .zip(&b.share_by_month)
        .map(|((m, p, t), (_, q, u))| (m.clone(), p + q, t + u))
        .collect();
    let (d, p, t) = a.physician_share_latest;
    SampleFacts {
        physician_share_month_ends_below_80: share_by_month
            .iter()
            .filter(|(_, p, t)| 5 * p < 4 * t)
            .map(|(m, _, _)| m.clone())
            .collect(),
        physician_share_latest: (d, p + b.physician_share_latest.1, t + b.physician_share_latest.2),
        members_active_latest: a.members_active_latest + b.members_active_latest,
        blank_areas: a.blank_areas,
        medical_oncologists_active_2025: a.medical_oncologists_active_2025 + b.medical_oncologists_active_2025,
        survey_response: a
            .survey_response
            .iter()
            .zip(&b.survey_response)
            .map(|((fy, n, r), (_, m, s))| (*fy, n + m, r + s))
            .collect(),
        joins_before_after: (
            a.joins_before_after.0 + b.joins_before_after.0,
            a.joins_before_after.1 + b.joins_before_after.1,
        ),
        share_by_month,
    }
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    Ok(hex::encode(h.finalize()))
}
