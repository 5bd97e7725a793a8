//! Rejected rows: what, where and why, in Japanese and English.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One rejected row (or cell).
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub file: String,
    /// Line of a text file or Excel row number; `None` for whole-file reasons.
    pub line: Option<u64>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason_ja: String,
    pub reason_en: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(c) = &self.column {
            write!(f, " [{c}]")?;
        }
        if let Some(v) = &self.value {
            write!(f, " '{}'", v.replace('\n', "\\n"))?;
        }
        write!(f, ": {} / {}", self.reason_ja, self.reason_en)
    }
}

/// Writes rejects as CSV (UTF-8 with BOM so that Excel shows Japanese correctly).
pub fn write_reject_file(dir: &Path, file_stem: &str, stamp: &str, rejects: &[Reject]) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Write(e, dir.to_path_buf()))?;
    let path = dir.join(format!("{stamp}-{file_stem}.rejects.csv"));
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let io = |e: csv::Error| Error::Write(std::io::Error::other(e), path.clone());
        w.write_record(["ファイル file", "行 row", "列 column", "値 value", "理由", "reason"]).map_err(io)?;
        for r in rejects {
            let line = r.line.map(|l| l.to_string()).unwrap_or_default();
            w.write_record([
                r.file.as_str(),
                line.as_str(),
                r.column.as_deref().unwrap_or(""),
                &escape_formula(r.value.as_deref().unwrap_or("")),
                r.reason_ja.as_str(),
                r.reason_en.as_str(),
            ])
            .map_err(io)?;
        }
        w.flush().map_err(|e| Error::Write(e, path.clone()))?;
    }
    let mut f = std::fs::File::create(&path).map_err(|e| Error::Write(e, path.clone()))?;
    f.write_all(&out).map_err(|e| Error::Write(e, path.clone()))?;
    Ok(path)
}

/// Guards a cell against spreadsheet formula injection.
pub fn escape_formula(v: &str) -> String {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v.to_string() }
}

/// A short terminal summary: counts by column and reason, then the first rejects.
pub fn summary(rejects: &[Reject], show: usize) -> String {
    let mut counts: Vec<((String, String), usize)> = Vec::new();
    for r in rejects {
        let k = (r.column.clone().unwrap_or_default(), r.reason_en.split(':').next().unwrap_or("").to_string());
        match counts.iter_mut().find(|(kk, _)| *kk == k) {
            Some((_, n)) => *n += 1,
            None => counts.push((k, 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let mut s = String::new();
    for r in rejects.iter().take(show) {
        s.push_str(&format!("  {r}\n"));
    }
    if rejects.len() > show {
        s.push_str(&format!("  … 他 {} 件 / {} more\n", rejects.len() - show, rejects.len() - show));
    }
    if counts.len() > 1 {
        s.push_str("  内訳 / by column:\n");
        for ((c, _), n) in counts.iter().take(10) {
            s.push_str(&format!("    {:>6}  {}\n", n, if c.is_empty() { "(row)" } else { c }));
        }
    }
    s
}
