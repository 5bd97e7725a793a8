//! The name-map file: which master hospital a list's name stands for, where matching by name
//! cannot tell (「高岡病院」 in a prefecture with two) or finds nothing (a renamed hospital).
//!
//! A CSV (UTF-8 or CP932) with the header `都道府県,一覧表の名称,医療機関マスタの名称` and one row
//! per name. What a load used is kept in the warehouse, so next year's list needs only the new
//! names; a file given with `--name-map` adds to that and overrides it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::normalize;

/// The warehouse's metadata key under which the name map is kept.
pub const META_KEY: &str = "designation_name_map";

/// The name map's header, as the file writes it.
pub const HEADER: [&str; 3] = ["都道府県", "一覧表の名称", "医療機関マスタの名称"];

/// (prefecture code, a list's name as compared) → the master hospital's name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameMap {
    entries: BTreeMap<(i32, String), String>,
}

/// A list's name as the map compares it: NFKC, no spaces.
fn compared(name: &str) -> String {
    normalize::text(name).chars().filter(|c| !c.is_whitespace()).collect()
}

impl NameMap {
    /// The master name the map gives for `name` in prefecture `pref`.
    pub fn get(&self, pref: i32, name: &str) -> Option<&str> {
        self.entries.get(&(pref, compared(name))).map(String::as_str)
    }

    pub fn insert(&mut self, pref: i32, name: &str, master: &str) {
        self.entries.insert((pref, compared(name)), normalize::text(master).into_owned());
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `other`'s entries added, overriding this map's.
    pub fn merged(mut self, other: &NameMap) -> NameMap {
        self.entries.extend(other.entries.iter().map(|(k, v)| (k.clone(), v.clone())));
        self
    }

    /// The map as the warehouse keeps it (JSON rows).
    pub fn to_json(&self) -> String {
        let rows: Vec<(i32, &str, &str)> =
            self.entries.iter().map(|((p, n), m)| (*p, n.as_str(), m.as_str())).collect();
        serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
    }

    /// The map the warehouse keeps; an unreadable one is an error, not an empty map.
    pub fn from_json(json: &str) -> Result<NameMap> {
        let rows: Vec<(i32, String, String)> = serde_json::from_str(json).map_err(|e| {
            Error::Usage(format!(
                "ウェアハウスに保存された名称対応が読めません / the stored hospital name map is unreadable: {e}"
            ))
        })?;
        let mut map = NameMap::default();
        for (p, n, m) in rows {
            map.entries.insert((p, n), m);
        }
        Ok(map)
    }

    /// Reads a name-map file; a bad row is an error naming the file and the row.
    pub fn load(path: &Path) -> Result<NameMap> {
        let bytes = std::fs::read(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
        let (text, _) = crate::decode::decode(path, &bytes)?;
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| Error::file(path, format!("見出しが読めません: {e}"), format!("unreadable header: {e}")))?
            .iter()
            .map(|h| compared(h.trim_start_matches('\u{FEFF}')))
            .collect();
        if headers.len() < 3 || headers[..3] != HEADER.map(compared) {
            return Err(Error::file(
                path,
                format!("名称対応ファイルの見出しは「{}」にしてください", HEADER.join(",")),
                format!("a name-map file's header is {}", HEADER.join(",")),
            ));
        }
        let mut map = NameMap::default();
        for (i, rec) in reader.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| {
                Error::file(path, format!("{line} 行目が読めません: {e}"), format!("line {line} is unreadable: {e}"))
            })?;
            let cell = |c: usize| rec.get(c).map(str::trim).unwrap_or("");
            if (0..3).all(|c| cell(c).is_empty()) {
                continue;
            }
            let pref = normalize::prefecture(cell(0)).map_err(|p| {
                Error::file(path, format!("{line} 行目 都道府県: {}", p.ja), format!("line {line} 都道府県: {}", p.en))
            })?;
            if cell(1).is_empty() || cell(2).is_empty() {
                return Err(Error::file(
                    path,
                    format!("{line} 行目: 一覧表の名称と医療機関マスタの名称の両方が必要です"),
                    format!("line {line}: both the list's name and the master's name are needed"),
                ));
            }
            map.insert(i32::from(pref.code()), cell(1), cell(2));
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_kept_as_json_and_overrides_what_was_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("map.csv");
        std::fs::write(&p, "都道府県,一覧表の名称,医療機関マスタの名称\n富山県,高岡 病院,富山県済生会 高岡病院\n\n")
            .expect("write");
        let file = NameMap::load(&p).expect("reads");
        assert_eq!(file.get(16, "高岡病院"), Some("富山県済生会 高岡病院"));
        let mut kept = NameMap::default();
        kept.insert(16, "高岡病院", "高岡市民病院");
        kept.insert(17, "金沢病院", "金沢医療センター");
        let merged = kept.merged(&file);
        assert_eq!(merged.get(16, "高岡病院"), Some("富山県済生会 高岡病院"));
        assert_eq!(NameMap::from_json(&merged.to_json()).expect("json"), merged);
        std::fs::write(&p, "都道府県,一覧表の名称,医療機関マスタの名称\n富山,高岡病院,\n").expect("write");
        let e = NameMap::load(&p).expect_err("incomplete").to_string();
        assert!(e.contains("2 行目"), "{e}");
        std::fs::write(&p, "pref,name\n").expect("write");
        assert!(NameMap::load(&p).is_err());
    }
}
