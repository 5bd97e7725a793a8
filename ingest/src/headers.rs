//! Mapping a file's headers onto a dataset's columns: Japanese names, English
//! aliases, and a user's own mapping file.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::normalize;
use crate::spec::DatasetSpec;

/// A user's header mapping: `元の見出し = 会員番号` lines (`#` starts a comment).
#[derive(Debug, Clone, Default)]
pub struct HeaderMap {
    map: HashMap<String, String>,
}

impl HeaderMap {
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
        let (text, _) = crate::decode::decode(path, &bytes)?;
        let mut map = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let Some((from, to)) = line.split_once('=') else {
                return Err(Error::file(
                    path,
                    format!("{} 行目: '元の見出し = 列名' の形で書いてください", i + 1),
                    format!("line {}: write 'file header = column name'", i + 1),
                ));
            };
            map.insert(key(from), normalize::text(to).into_owned());
        }
        Ok(HeaderMap { map })
    }
}

impl HeaderMap {
    /// The column name a file header stands for: the user's mapping of it, else itself (as a
    /// [`key`]).
    pub(crate) fn resolve(&self, header: &str) -> String {
        let k = key(header);
        self.map.get(&k).map_or(k, |to| key(to))
    }
}

/// How a file's columns map onto a dataset.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// For each spec column, the file column holding it.
    pub columns: Vec<Option<usize>>,
    /// File columns the spec does not know: (index, header). Kept aside, reported.
    pub extras: Vec<(usize, String)>,
    /// Notes (e.g. a second column for the same field kept aside).
    pub notes: Vec<String>,
}

/// A header as it is compared: NFKC, no whitespace, lower case.
pub(crate) fn key(h: &str) -> String {
    let t = normalize::text(h.trim_start_matches('\u{FEFF}'));
    t.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase()
}

/// Maps headers. `has_data(i)` tells whether column `i` holds any value (an empty
/// header over an empty column is ignored; over data it is an error).
pub fn map_headers(
    path: &Path,
    spec: &DatasetSpec,
    headers: &[String],
    user: &HeaderMap,
    has_data: impl Fn(usize) -> bool,
) -> Result<Mapping> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut keys = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let k = key(h);
        if k.is_empty() {
            if has_data(i) {
                return Err(Error::file(
                    path,
                    format!("{} 列目に見出しがありませんが、値が入っています", i + 1),
                    format!("column {} has no header but holds values", i + 1),
                ));
            }
            keys.push(None);
            continue;
        }
        if let Some(first) = seen.insert(k.clone(), i) {
            return Err(Error::file(
                path,
                format!("見出し '{}' が {} 列目と {} 列目で重複しています", h.trim(), first + 1, i + 1),
                format!("header '{}' appears twice (columns {} and {})", h.trim(), first + 1, i + 1),
            ));
        }
        let k = user.map.get(&k).map_or(k, |to| key(to));
        keys.push(Some(k));
    }
    let mut columns = vec![None; spec.columns.len()];
    let mut used = vec![false; headers.len()];
    let mut notes = Vec::new();
    for (ci, c) in spec.columns.iter().enumerate() {
        // Candidate names in priority order: Japanese, English key, aliases.
        let names: Vec<String> = [c.ja, c.key].iter().chain(c.aliases.iter()).map(|n| key(n)).collect();
        for name in &names {
            if let Some(fi) = keys.iter().position(|k| k.as_deref() == Some(name.as_str())) {
                if columns[ci].is_none() {
                    columns[ci] = Some(fi);
                    used[fi] = true;
                } else if !used[fi] {
                    notes.push(format!(
                        "列 '{}' は '{}' と同じ項目 ({}) のため、別に保管しました / column '{}' duplicates field {} and was kept aside",
                        headers[fi].trim(),
                        headers[columns[ci].unwrap_or(0)].trim(),
                        c.ja,
                        headers[fi].trim(),
                        c.key
                    ));
                }
            }
        }
    }
    let missing: Vec<&str> =
        spec.columns.iter().zip(&columns).filter(|(c, m)| c.required && m.is_none()).map(|(c, _)| c.ja).collect();
    if !missing.is_empty() {
        let found: Vec<&str> = headers.iter().map(|h| h.trim()).filter(|h| !h.is_empty()).collect();
        let hints: Vec<String> = missing
            .iter()
            .filter_map(|m| {
                let best =
                    found.iter().map(|f| (strsim::levenshtein(&key(f), &key(m)), *f)).filter(|(d, _)| *d <= 2).min()?;
                Some(format!("'{}' → {m}?", best.1))
            })
            .collect();
        let hint = if hints.is_empty() {
            String::new()
        } else {
            format!(" (もしかして / did you mean: {})", hints.join(", "))
        };
        return Err(Error::file(
            path,
            format!(
                "{} の必須列がありません: {}。見出し: {}{hint}。英語名や --header-map でも指定できます",
                spec.ja,
                missing.join(", "),
                found.join(", ")
            ),
            format!("missing required columns for {}: {}{hint}", spec.name, missing.join(", ")),
        ));
    }
    let extras = keys
        .iter()
        .enumerate()
        .filter(|(i, k)| k.is_some() && !used[*i])
        .map(|(i, _)| (i, headers[i].trim().to_string()))
        .collect();
    Ok(Mapping { columns, extras, notes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::MEMBERS;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn japanese_english_and_full_width_headers_map() {
        let m = map_headers(
            Path::new("m.csv"),
            &MEMBERS,
            &h(&["\u{FEFF}会員番号", "category", "職 種", "入会日", "ＦＯＯ"]),
            &HeaderMap::default(),
            |_| true,
        )
        .expect("maps");
        assert_eq!(&m.columns[..4], &[Some(0), Some(1), Some(2), Some(3)]);
        assert_eq!(m.extras, vec![(4, "ＦＯＯ".to_string())]);
    }

    #[test]
    fn duplicate_and_empty_headers() {
        let e =
            map_headers(Path::new("m.csv"), &MEMBERS, &h(&["会員番号", "会員番号"]), &HeaderMap::default(), |_| true)
                .expect_err("dup");
        assert!(e.to_string().contains("1 列目と 2 列目"), "{e}");
        let e = map_headers(Path::new("m.csv"), &MEMBERS, &h(&["会員番号", ""]), &HeaderMap::default(), |_| true)
            .expect_err("empty");
        assert!(e.to_string().contains("2 列目に見出しがありません"), "{e}");
    }

    #[test]
    fn missing_columns_get_hints() {
        let e = map_headers(
            Path::new("m.csv"),
            &MEMBERS,
            &h(&["会員番号", "会員種類", "職種", "入会日"]),
            &HeaderMap::default(),
            |_| false,
        )
        .expect_err("missing");
        assert!(e.to_string().contains("'会員種類' → 会員種別?"), "{e}");
    }

    #[test]
    fn user_header_map_renames() {
        let mut user = HeaderMap::default();
        user.map.insert(key("ID"), "会員番号".into());
        user.map.insert(key("種別"), "category".into());
        let m =
            map_headers(Path::new("m.csv"), &MEMBERS, &h(&["ID", "種別", "職種", "入会日"]), &user, |_| true)
                .expect("maps");
        assert_eq!(m.columns[0], Some(0));
        assert_eq!(m.columns[1], Some(1));
    }
}
